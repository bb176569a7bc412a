// Tests for apiauth/api_key/generate.hpp: the verifier vectors of research/api-keys.md §9.2 and the
// generator and behavioural tests of §9.4.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here (api_key_support.hpp).

#include "api_key_support.hpp"

namespace api_key_generate_test {

using namespace api_key_support;

TEST_CASE("api-keys.md §9.2: verifier(T0) under pepper_v1 and under pepper_v2", "[api_key]")
{
    const auto v1 = apiauth::hash_api_key(T0, ring_v1());
    REQUIRE(v1.has_value());
    CHECK(mac_hex(v1->mac) == T0_v1_hex);
    CHECK(v1->pepper_version == 1);
    CHECK_FALSE(v1->wrap_version.has_value());
    CHECK(openssl_hmac_hex(pepper_v1, "apikey-v1:" + std::string(T0)) == T0_v1_hex);

    const auto v2 = apiauth::hash_api_key(T0, ring_v12(2));
    REQUIRE(v2.has_value());
    CHECK(mac_hex(v2->mac) == T0_v2_hex);
    CHECK(v2->pepper_version == 2);
}

TEST_CASE("api-keys.md §9.2: the plain SHA-256 vector (a mode apiauth deliberately does not offer)", "[api_key]")
{
    // SHA-256 without a pepper lets anyone who can write the store mint keys (§3.2); the library has
    // no such mode and no default pepper. The vector is checked for the primitive only.
    const std::string in = "apikey-v1:" + std::string(T0);
    const auto d = apiauth::crypto::digest(apiauth::crypto::hash::sha256, apiauth::detail::as_bytes(in));
    CHECK(to_hex(apiauth::detail::as_chars(d.span())) ==
          "b86013af872d83c59aedb33dcc0124b54df302d19dd759dcaf8e24c6a931bff6");
}

TEST_CASE("api-keys.md §9.2: T3 (one secret character changed, valid CRC) has another verifier", "[api_key]")
{
    const auto v3 = apiauth::hash_api_key(T3, ring_v1());
    REQUIRE(v3.has_value());
    const std::string h = mac_hex(v3->mac);
    CHECK(h.substr(0, 8) == "67e6ee85");
    CHECK(h.substr(56) == "58a7f454");
    CHECK(h != T0_v1_hex);
}

// =================================================================================================
// §9.4 generator and behavioural tests
// =================================================================================================

namespace {
// χ² statistic of character counts against the uniform distribution over the 62 B62 characters.
double chi_square(const std::array<std::uint64_t, 62>& counts)
{
    std::uint64_t total = 0;
    for (const auto c : counts) total += c;
    const double expected = static_cast<double>(total) / 62.0;
    double chi = 0;
    for (const auto c : counts)
        chi += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    return chi;
}

// Critical values of χ² with 61 degrees of freedom (computed with mpmath's regularised
// incomplete gamma): P(χ² > 128.52) = 1e-6, P(χ² > 152.02) = 1e-9.
constexpr double chi2_61_p1e6 = 128.52;
constexpr double chi2_61_p1e9 = 152.02;

std::size_t b62_index(char c)
{
    return apiauth::detail::base62_values[static_cast<unsigned char>(c)];
}
}  // namespace

TEST_CASE("api-keys.md §9.4: 10^5 generated keys parse, verify their checksum, have unique ids, and pass χ² "
          "uniformity over 5.9 × 10^6 characters",
          "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    std::unordered_set<std::string> ids;
    ids.reserve(100000);
    std::array<std::uint64_t, 62> all{};
    std::vector<std::array<std::uint64_t, 62>> per_position(59);
    for (int i = 0; i < 100000; ++i) {
        auto g = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
        REQUIRE(g.has_value());
        const std::string_view t = g->token.reveal();
        const auto k = apiauth::parse_api_key(t);
        if (!k || t.size() != 75 || k->prefix() != "acme_sk" || k->key_id() != g->record.key_id ||
            b62_6(zlib_crc(t.substr(0, 69))) != t.substr(69)) {
            FAIL("generated key " << i << " does not have the format");
        }
        ids.insert(g->record.key_id);
        // The 59 random characters: keyid (after the version) and secret.
        for (std::size_t p = 0; p < 16; ++p) {
            ++all[b62_index(t[9 + p])];
            ++per_position[p][b62_index(t[9 + p])];
        }
        for (std::size_t p = 0; p < 43; ++p) {
            ++all[b62_index(t[26 + p])];
            ++per_position[16 + p][b62_index(t[26 + p])];
        }
    }
    CHECK(ids.size() == 100000);

    // Aggregate: 5.9e6 characters, threshold at p = 1e-6. Per position: 10^5 characters each,
    // threshold at p = 1e-9 each (family-wise false positive ≤ 59e-9).
    const double chi = chi_square(all);
    INFO("aggregate chi-square = " << chi);
    CHECK(chi < chi2_61_p1e6);
    for (std::size_t p = 0; p < per_position.size(); ++p) {
        const double c = chi_square(per_position[p]);
        if (c >= chi2_61_p1e9) FAIL_CHECK("position " << p << ": chi-square " << c);
    }

    // The test can fail: `byte % 62` without rejection (8 characters 25 % likelier) is far over
    // both thresholds at these sample sizes.
    std::array<std::uint64_t, 62> biased{};
    std::mt19937 rng(0xB1A5);
    for (int i = 0; i < 5900000; ++i) ++biased[(rng() & 0xFF) % 62];
    CHECK(chi_square(biased) > 100 * chi2_61_p1e6);
    std::array<std::uint64_t, 62> biased_small{};
    for (int i = 0; i < 100000; ++i) ++biased_small[(rng() & 0xFF) % 62];
    CHECK(chi_square(biased_small) > chi2_61_p1e9);
}

namespace {
// Byte sources for the generator (test hooks; production always uses RAND_bytes).
struct scripted_source {
    int calls = 0;
    int rejecting_calls = 0;  // the first calls return only bytes 0xF8..0xFF
    bool alternate = false;   // afterwards, every other byte is rejected
    unsigned next = 0;        // the next accepted byte value, cycling 0..247
    result<void> operator()(std::span<std::byte> out)
    {
        ++calls;
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (calls <= rejecting_calls || (alternate && i % 2 == 1)) {
                out[i] = static_cast<std::byte>(0xF8 + i % 8);
            } else {
                out[i] = static_cast<std::byte>(next);
                next = (next + 1) % 248;
            }
        }
        return {};
    }
};

struct failing_source {
    int calls = 0;
    int fail_at = 1;
    result<void> operator()(std::span<std::byte> out)
    {
        ++calls;
        for (auto& b : out) b = std::byte{0x41};  // garbage that must never reach a token
        if (calls >= fail_at) return errc::random_failure;
        for (auto& b : out) b = std::byte{0xFF};  // all rejected: forces another draw
        return {};
    }
};

std::string expected_chars(unsigned first, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += apiauth::detail::base62_alphabet[(first + i) % 248 % 62];
    return s;
}
}  // namespace

TEST_CASE("api-keys.md §9.4: a byte source returning only 0xF8-0xFF for a while still yields a correct key (refill "
          "loop)",
          "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    {
        scripted_source src{.rejecting_calls = 3};
        auto g = apiauth::detail::generate_api_key(src, "acme_sk", std::nullopt, ring, {.now = t_now});
        REQUIRE(g.has_value());
        CHECK(src.calls == 4);
        const std::string_view t = g->token.reveal();
        const std::string chars = expected_chars(0, 59);
        CHECK(t.substr(9, 16) == chars.substr(0, 16));
        CHECK(t.substr(26, 43) == chars.substr(16));
        CHECK(apiauth::parse_api_key(t).has_value());
        memory_api_key_store store;
        REQUIRE(store.insert(g->record));
        CHECK(apiauth::verify_api_key(t, store, ring, policy()).has_value());
    }
    {
        // Half of every draw rejected: 36 usable bytes of 72, so a second draw is needed mid-key.
        scripted_source src{.alternate = true};
        auto g = apiauth::detail::generate_api_key(src, "acme_sk", std::nullopt, ring, {.now = t_now});
        REQUIRE(g.has_value());
        CHECK(src.calls == 2);
        const std::string_view t = g->token.reveal();
        const std::string chars = expected_chars(0, 59);
        CHECK(t.substr(9, 16) == chars.substr(0, 16));
        CHECK(t.substr(26, 43) == chars.substr(16));
    }
    {
        // Bytes 62..247 map through b % 62: every accepted value, no modulo shortcut past 247.
        scripted_source src{.next = 200};
        auto g = apiauth::detail::generate_api_key(src, "acme_sk", std::nullopt, ring, {.now = t_now});
        REQUIRE(g.has_value());
        const std::string chars = expected_chars(200, 59);
        CHECK(g->token.reveal().substr(9, 16) == chars.substr(0, 16));
        CHECK(g->token.reveal().substr(26, 43) == chars.substr(16));
    }
}

TEST_CASE("api-keys.md §9.4: a failing byte source makes generation fail, no key from unfilled memory",
          "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    for (const int fail_at : {1, 2, 3}) {
        failing_source src{.fail_at = fail_at};
        const auto g = apiauth::detail::generate_api_key(src, "acme_sk", std::nullopt, ring, {});
        CHECK(what(g) == what(errc::random_failure));
        CHECK(src.calls == fail_at);
    }
    // A source that never yields a usable byte is given up on (16 draws), not looped on forever.
    scripted_source stuck{.rejecting_calls = 1000};
    const auto g = apiauth::detail::generate_api_key(stuck, "acme_sk", std::nullopt, ring, {});
    CHECK(what(g) == what(errc::random_failure));
    CHECK(stuck.calls == 16);
}

TEST_CASE("api-keys.md §9.4: keys generated in a parent and in its fork() child differ", "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    auto warm = apiauth::generate_api_key("acme_sk", ring);  // the DRBG is instantiated before fork
    REQUIRE(warm.has_value());
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto g = apiauth::generate_api_key("acme_sk", ring);
        const bool ok = g.has_value() && g->token.size() == 75;
        const ssize_t w = ok ? write(fds[1], g->token.reveal().data(), 75) : -1;
        _exit(ok && w == 75 ? 0 : 1);
    }
    close(fds[1]);
    auto parent = apiauth::generate_api_key("acme_sk", ring);
    REQUIRE(parent.has_value());
    std::array<char, 75> child{};
    REQUIRE(read(fds[0], child.data(), child.size()) == 75);
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    const std::string_view c(child.data(), child.size());
    CHECK(apiauth::parse_api_key(c).has_value());
    CHECK(c != parent->token.reveal());
    CHECK(c.substr(8, 17) != parent->token.reveal().substr(8, 17));
    CHECK(c.substr(26, 43) != parent->token.reveal().substr(26, 43));
}

namespace {
template <class T>
concept streamable = requires(std::ostream& os, const T& t)
{
    os << t;
};
}  // namespace

TEST_CASE("api-keys.md §9.4: the secret type cannot be streamed, formatted, converted or copied, the hint carries "
          "no secret",
          "[api_key][generate]")
{
    STATIC_REQUIRE(streamable<std::string_view>);  // the check can succeed
    STATIC_REQUIRE_FALSE(streamable<secret_api_key>);
    STATIC_REQUIRE_FALSE(std::is_convertible_v<const secret_api_key&, std::string_view>);
    STATIC_REQUIRE_FALSE(std::is_convertible_v<const secret_api_key&, std::string>);
    STATIC_REQUIRE_FALSE(std::is_constructible_v<std::string, const secret_api_key&>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<secret_api_key>);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<secret_api_key>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<secret_api_key>);
#if defined(__cpp_lib_format)
    STATIC_REQUIRE_FALSE(std::formattable<secret_api_key, char>);
#endif

    auto g = apiauth::generate_api_key("acme_sk", ring_v1());
    REQUIRE(g.has_value());
    const std::string token(g->token.reveal());
    const std::string secret = token.substr(26, 43);
    CHECK(g->hint == "acme_sk_" + token.substr(8, 7) + "\xE2\x80\xA6");
    CHECK(g->hint == apiauth::api_key_hint(g->record));
    CHECK(g->hint.find(secret.substr(0, 8)) == std::string::npos);
    CHECK(g->hint.find(token.substr(69)) == std::string::npos);

    // Moving wipes the source.
    secret_api_key moved = std::move(g->token);
    CHECK(moved.reveal() == token);
    CHECK(g->token.empty());  // NOLINT(bugprone-use-after-move)
    CHECK(g->token.reveal().empty());
    secret_api_key assigned;
    assigned = std::move(moved);
    CHECK(assigned.reveal() == token);
    CHECK(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("api-keys.md §9.4: round trip: parse(generate().token).key_id == record.key_id, and it verifies",
          "[api_key][generate]")
{
    const pepper_ring ring = ring_v12(2);
    auto g = apiauth::generate_api_key("acme_test_sk", ring, {.now = t_now, .lifetime = 24h * 90});
    REQUIRE(g.has_value());
    const auto k = apiauth::parse_api_key(g->token.reveal());
    REQUIRE(k.has_value());
    CHECK(k->key_id() == g->record.key_id);
    CHECK(k->prefix() == g->record.prefix);
    CHECK(k->hint() == g->hint);
    CHECK(g->record.format == api_key_format::v1);
    CHECK(g->record.verifier.pepper_version == 2);
    CHECK(g->record.created_at == t_now);
    CHECK(g->record.expires_at == std::optional<std::chrono::sys_seconds>(t_now + 24h * 90));
    const auto v = apiauth::hash_api_key(g->token.reveal(), ring);
    REQUIRE(v.has_value());
    CHECK(v->mac == g->record.verifier.mac);

    memory_api_key_store store;
    REQUIRE(store.insert(g->record));
    CHECK_FALSE(store.insert(g->record));  // a duplicate key id is refused: generate again
    const auto ok = apiauth::verify_api_key(g->token.reveal(), store, ring, policy());
    REQUIRE(ok.has_value());
    CHECK_FALSE(ok->needs_rehash());
    // … and as a pair over Basic.
    const auto header = apiauth::http::encode_basic(k->client_id(), k->client_secret());
    const std::string_view fields[] = {*header};
    CHECK(apiauth::verify_basic_api_key({.authorization = fields}, store, ring, policy()).has_value());
    // 90 days later it has expired.
    CHECK(what(apiauth::verify_api_key(g->token.reveal(), store, ring,
                                       {.prefixes = allowed, .now = t_now + 24h * 90})) == what(errc::api_key_expired));
}

TEST_CASE(
    "generate_api_key refuses a prefix outside the grammar and a lifetime that is not positive or beyond 100 years",
    "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    for (const std::string_view p : {""sv, "Acme"sv, "acme-sk"sv, "acme__sk"sv, "1acme"sv, "abcdefghijklmnopq"sv,
                                     "abcdefghijklmnop_abcdefghijklmnop"sv})
        CHECK(what(apiauth::generate_api_key(p, ring)) == what(errc::invalid_configuration));
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = 0s})) == what(errc::invalid_configuration));
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = -1s})) == what(errc::invalid_configuration));
    // Beyond 100 years: created_at + lifetime overflowed for seconds::max() (signed overflow, a key
    // that expired before it was made); the bound itself is accepted.
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = std::chrono::seconds::max()})) ==
          what(errc::invalid_configuration));
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = apiauth::max_api_key_lifetime + 1s})) ==
          what(errc::invalid_configuration));
    const apiauth::api_key_record current = record_of(T0, ring);
    CHECK(what(apiauth::rotate_api_key(current, ring, std::chrono::sys_seconds{},
                                       {.lifetime = std::chrono::seconds::max()})) ==
          what(errc::invalid_configuration));
    const auto at = std::chrono::sys_seconds(std::chrono::seconds(1'700'000'000));
    const auto longest =
        apiauth::generate_api_key("acme_sk", ring, {.now = at, .lifetime = apiauth::max_api_key_lifetime});
    REQUIRE(longest.has_value());
    CHECK(longest->record.expires_at == at + std::chrono::seconds(3'155'695'200));  // 100 Gregorian years
    const auto g32 = apiauth::generate_api_key("abcdefghijklmnop_abcdefghijklmno", ring);
    REQUIRE(g32.has_value());
    CHECK(g32->token.size() == 100);
}

TEST_CASE("rotate_api_key: a new secret under the same id, the old key works until the deadline", "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    memory_api_key_store store;
    api_key_record original = record_of(T0, ring);
    original.owner = "acct_42";
    original.scopes = {"read", "write"};
    REQUIRE(store.insert(original));

    auto rotated = apiauth::rotate_api_key(original, ring, t_now + 1h, {.now = t_now});
    REQUIRE(rotated.has_value());
    const auto k = apiauth::parse_api_key(rotated->token.reveal());
    REQUIRE(k.has_value());
    CHECK(k->key_id() == "10123456789ABCDEF");
    CHECK(k->prefix() == "acme_sk");
    CHECK(rotated->token.reveal() != T0);
    CHECK(rotated->record.owner == "acct_42");
    CHECK(rotated->record.scopes == original.scopes);
    REQUIRE(rotated->record.previous.has_value());
    CHECK(rotated->record.previous->valid_until == t_now + 1h);
    store.insert_or_assign(rotated->record);

    const auto new_key = apiauth::verify_api_key(rotated->token.reveal(), store, ring, policy());
    REQUIRE(new_key.has_value());
    CHECK_FALSE(new_key->matched_previous());
    const auto old_key = apiauth::verify_api_key(T0, store, ring, policy());
    REQUIRE(old_key.has_value());
    CHECK(old_key->matched_previous());
    CHECK(what(apiauth::verify_api_key(T0, store, ring, {.prefixes = allowed, .now = t_now + 1h})) ==
          what(errc::api_key_bad_secret));

    auto legacy = apiauth::import_stormpath_api_key(sp_id, sp_secret, ring, t_now);
    REQUIRE(legacy.has_value());
    CHECK(what(apiauth::rotate_api_key(*legacy, ring, t_now)) == what(errc::invalid_configuration));
}

}  // namespace api_key_generate_test
