// Tests for apiauth/api_key.hpp: every case of research/api-keys.md §9 (primitive vectors §9.1,
// token and verifier vectors §9.2, parser and verifier cases §9.3, generator behaviour §9.4), the
// pair / HTTP Basic path and the Stormpath import.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here.
#include <apiauth/api_key.hpp>
#include <apiauth/stores/memory.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using apiauth::api_key_format;
using apiauth::api_key_options;
using apiauth::api_key_record;
using apiauth::api_key_verifier;
using apiauth::errc;
using apiauth::pepper;
using apiauth::pepper_ring;
using apiauth::result;
using apiauth::secret_api_key;
using apiauth::verified_api_key;
using apiauth::stores::memory_api_key_store;
using apiauth::test::from_hex;
using apiauth::test::to_hex;

namespace {

// ---- §9.2 shared inputs -------------------------------------------------------------------------

constexpr std::string_view T0 = "acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y";
constexpr std::string_view T1 = "acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPC0Rke5K";
constexpr std::string_view T2 = "acme_test_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ0FF7ao";
constexpr std::string_view T3 = "acme_sk_10123456789ABCDEF_bbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ0dimZb";
constexpr std::string_view T4 = "acme_sk_10123456789ABCDEG_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ1KALT4";
constexpr std::string_view T5 = "acme_sk_20123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ20T551";
constexpr std::string_view T6 = "other_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ3NUDVA";

constexpr std::string_view T0_v1_hex = "edc309c374838f3223c5f3372ca40c9669bdda9695e2195a44f16d1047820fca";
constexpr std::string_view T0_v2_hex = "136f402b908add01c58abd4840402b2c4a285b3b56509ccaf0d203cdfc2c9bbd";
constexpr std::string_view T0_wrap_hex = "7d062f5f70729ae9fbff91027d0f78de49d3ad6d4ccfc0472113d97e0c18291f";

// The documentation example of api_key.hpp: the right shape, a deliberately wrong checksum.
constexpr std::string_view doc_example = "acme_sk_1AbCdEfGhIjKlMnOp_EXAMPLEexampleEXAMPLEexampleEXAMPLEexampleE000000";

const std::array<std::byte, 32> pepper_v1 = [] {
    std::array<std::byte, 32> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(i);
    return p;
}();
const std::array<std::byte, 32> pepper_v2 = [] {
    std::array<std::byte, 32> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(0x20 + i);
    return p;
}();

const std::string_view allowed[] = {"acme_sk", "acme_test_sk"};

// 2026-01-01T00:00:00Z: the injected clock of every verification here.
const std::chrono::sys_seconds t_now{std::chrono::seconds{1767225600}};

api_key_options policy(std::chrono::seconds leeway = 0s)
{
    return {.prefixes = allowed, .leeway = leeway, .now = t_now};
}

pepper_ring ring_v1()
{
    auto r = pepper_ring::make({{1, pepper_v1}}, 1);
    REQUIRE(r.has_value());
    return std::move(*r);
}

pepper_ring ring_v12(std::uint32_t current)
{
    auto r = pepper_ring::make({{1, pepper_v1}, {2, pepper_v2}}, current);
    REQUIRE(r.has_value());
    return std::move(*r);
}

template <class T> std::string what(const result<T>& r)
{
    if (r) return "ok";
    const std::string_view n = apiauth::error_name(r.error());
    return n.empty() ? r.error().message() : std::string(n);
}

std::string what(errc e)
{
    return std::string(apiauth::error_name(e));
}

std::string mac_hex(const std::array<std::byte, 32>& m)
{
    return to_hex(std::string_view(reinterpret_cast<const char*>(m.data()), m.size()));
}

// ---- independent references ---------------------------------------------------------------------

std::uint32_t zlib_crc(std::string_view s)
{
    return static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

std::string b62_6(std::uint64_t v)
{
    static constexpr char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string s(6, '0');
    for (int i = 5; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = a[v % 62];
        v /= 62;
    }
    return s;
}

std::uint64_t b62_value64(std::string_view s)
{
    static constexpr std::string_view a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::uint64_t v = 0;
    for (char c : s) v = v * 62 + a.find(c);
    return v;
}

// A token with a correct checksum, assembled with zlib and the loop above.
std::string make_token(std::string_view prefix, char version, std::string_view id16, std::string_view secret43)
{
    std::string t = std::string(prefix) + "_" + version + std::string(id16) + "_" + std::string(secret43);
    return t + b62_6(zlib_crc(t));
}

std::string openssl_hmac_hex(std::span<const std::byte> key, std::string_view msg)
{
    unsigned char out[32];
    unsigned int n = 0;
    REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &n) != nullptr);
    return to_hex(std::string_view(reinterpret_cast<const char*>(out), n));
}

// ---- a store that counts lookups, an observer that counts checksums and MACs ---------------------

struct counting_store {
    const memory_api_key_store* inner;
    mutable int lookups = 0;
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view id) const noexcept
    {
        ++lookups;
        return inner->lookup(id);
    }
};
static_assert(apiauth::api_key_store<counting_store>);

// A store whose backend is down.
struct failing_store {
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view) const noexcept
    {
        return std::make_error_code(std::errc::connection_refused);
    }
};
static_assert(apiauth::api_key_store<failing_store>);

struct counting_observer {
    int checksums = 0;
    int macs = 0;
    void checksum() noexcept { ++checksums; }
    void mac() noexcept { ++macs; }
};

struct outcome {
    result<verified_api_key> r;
    int lookups = 0;
    int checksums = 0;
    int macs = 0;
};

outcome run(std::string_view token, const memory_api_key_store& store, const pepper_ring& ring,
            const api_key_options& opt)
{
    counting_store cs{&store};
    counting_observer obs;
    auto r = apiauth::detail::verify_token(token, cs, ring, opt, obs);
    // The public entry point is the same code with no observer: same answer.
    const auto pub = apiauth::verify_api_key(token, store, ring, opt);
    CHECK(what(pub) == what(r));
    return {std::move(r), cs.lookups, obs.checksums, obs.macs};
}

outcome run_pair(std::string_view id, std::string_view secret, const memory_api_key_store& store,
                 const pepper_ring& ring, const api_key_options& opt)
{
    counting_store cs{&store};
    counting_observer obs;
    auto r = apiauth::detail::verify_pair(id, secret, cs, ring, opt, obs);
    const auto pub = apiauth::verify_api_key_pair(id, secret, store, ring, opt);
    CHECK(what(pub) == what(r));
    return {std::move(r), cs.lookups, obs.checksums, obs.macs};
}

api_key_record record_of(std::string_view token, const pepper_ring& ring)
{
    auto r = apiauth::make_api_key_record(token, ring, t_now - 24h);
    REQUIRE(r.has_value());
    return std::move(*r);
}

// The §9.3 setup: the allow-list {acme_sk, acme_test_sk}, the store holding T0 under pepper_v1.
// (T1 and T2 share T0's key id; the cases that need them use stores of their own.)
struct setup {
    pepper_ring ring = ring_v1();
    memory_api_key_store store;
    explicit setup(std::string_view token = T0) { REQUIRE(store.insert(record_of(token, ring))); }
    explicit setup(api_key_record r) { REQUIRE(store.insert(std::move(r))); }
};

// Assert a rejection that happened before any store access (§8.5 steps 1-5).
void check_rejected_offline(const outcome& o, errc e)
{
    CHECK(what(o.r) == what(e));
    CHECK(o.lookups == 0);
    CHECK(o.macs == 0);
}

}  // namespace

// =================================================================================================
// §9.1 primitive vectors
// =================================================================================================

TEST_CASE("api-keys.md §9.1: CRC-32/ISO-HDLC of \"123456789\" is 0xCBF43926", "[api_key]")
{
    CHECK(apiauth::detail::crc32("123456789") == 0xCBF43926u);
    CHECK(zlib_crc("123456789") == 0xCBF43926u);
    STATIC_REQUIRE(apiauth::detail::crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("api-keys.md §9.1: base62 of 2^32 - 1 is 4gfFC3; 4gfFC4 (2^32) is never emitted nor accepted", "[api_key]")
{
    const auto max = apiauth::detail::base62_encode6(0xFFFFFFFFu);
    CHECK(std::string_view(max.data(), 6) == "4gfFC3");
    CHECK(b62_6(0xFFFFFFFFull) == "4gfFC3");
    CHECK(b62_6(0x100000000ull) == "4gfFC4");
    CHECK(apiauth::detail::base62_decode6("4gfFC3") == 0xFFFFFFFFu);
    CHECK_FALSE(apiauth::detail::base62_decode6("4gfFC4").has_value());
    // Every encoded CRC starts with 0..4.
    std::mt19937_64 rng(62);
    for (int i = 0; i < 10000; ++i) {
        const auto v = static_cast<std::uint32_t>(rng());
        const auto e = apiauth::detail::base62_encode6(v);
        CHECK(std::string_view(e.data(), 6) == b62_6(v));
        CHECK((e[0] >= '0' && e[0] <= '4'));
        CHECK(apiauth::detail::base62_decode6(std::string_view(e.data(), 6)) == v);
    }
}

TEST_CASE("api-keys.md §9.1: base62 decoding refuses values of 2^32 and more without overflow (zzzzzz, 90NFKc)",
          "[api_key]")
{
    using apiauth::detail::base62_decode6;
    CHECK(b62_value64("zzzzzz") == 56800235583ull);  // 62^6 - 1
    CHECK_FALSE(base62_decode6("zzzzzz").has_value());
    CHECK_FALSE(base62_decode6("90NFKc").has_value());
    CHECK_FALSE(base62_decode6("4gfFC4").has_value());
    CHECK(base62_decode6("000000") == 0u);
    CHECK_FALSE(base62_decode6("00000").has_value());
    CHECK_FALSE(base62_decode6("0000000").has_value());
    CHECK_FALSE(base62_decode6("00000_").has_value());
    CHECK_FALSE(base62_decode6("00000\xC3").has_value());
    CHECK_FALSE(base62_decode6(std::string_view("00000\0", 6)).has_value());
}

TEST_CASE("api-keys.md §9.1: SHA-256 of \"abc\" and of \"\"", "[api_key]")
{
    using apiauth::crypto::digest;
    using apiauth::crypto::hash;
    const auto hex = [](const apiauth::crypto::digest_value& d) { return to_hex(apiauth::detail::as_chars(d.span())); };
    CHECK(hex(digest(hash::sha256, apiauth::detail::as_bytes("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(digest(hash::sha256, apiauth::detail::as_bytes(""))) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("api-keys.md §9.1: HMAC-SHA-256 RFC 4231 test case 1", "[api_key]")
{
    const apiauth::crypto::hmac_key k(apiauth::crypto::hash::sha256, std::string(20, '\x0b'));
    const auto d = k.compute("Hi There");
    CHECK(to_hex(apiauth::detail::as_chars(d.span())) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("CRC-32 equals zlib's crc32() on 100,000 random inputs, whole and in pieces", "[api_key]")
{
    std::mt19937_64 rng(0xC3C32);
    std::uniform_int_distribution<std::size_t> len(0, 300);
    std::string s;
    for (int i = 0; i < 100000; ++i) {
        s.resize(len(rng));
        for (char& c : s) c = static_cast<char>(rng());
        const std::uint32_t want = zlib_crc(s);
        const std::uint32_t got = apiauth::detail::crc32(s);
        if (got != want) FAIL_CHECK("CRC mismatch at input " << i << " of length " << s.size());
        const std::size_t cut = s.empty() ? 0 : rng() % s.size();
        const std::string_view v(s);
        if (apiauth::detail::crc32_update(apiauth::detail::crc32(v.substr(0, cut)), v.substr(cut)) != want)
            FAIL_CHECK("incremental CRC mismatch at input " << i);
    }
    // Every byte value, every alignment of the 8-byte slices.
    std::string all(256, '\0');
    for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<char>(i);
    for (std::size_t off = 0; off < 16; ++off)
        CHECK(apiauth::detail::crc32(all.substr(off)) == zlib_crc(all.substr(off)));
}

// =================================================================================================
// §9.2 token and verifier vectors
// =================================================================================================

TEST_CASE("api-keys.md §9.2: T0's key id, hint, CRC-32 (3955768674) and checksum 4Ji08Y", "[api_key]")
{
    REQUIRE(T0.size() == 75);
    const auto k = apiauth::parse_api_key(T0);
    REQUIRE(k.has_value());
    CHECK(k->token() == T0);
    CHECK(k->prefix() == "acme_sk");
    CHECK(k->version() == '1');
    CHECK(k->key_id() == "10123456789ABCDEF");
    CHECK(k->hint() == "acme_sk_1012345\xE2\x80\xA6");
    CHECK(k->checksum() == "4Ji08Y");
    CHECK(apiauth::detail::crc32(T0.substr(0, 69)) == 3955768674u);
    CHECK(zlib_crc(T0.substr(0, 69)) == 3955768674u);
    CHECK(k->client_id() == "acme_sk_10123456789ABCDEF");
    CHECK(k->client_secret() == "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y");
    CHECK(std::string(k->client_id()) + "_" + std::string(k->client_secret()) == T0);
}

TEST_CASE("api-keys.md §9.2: T1-T6 carry valid checksums (T1 CRC 410078250, T2 80 characters)", "[api_key]")
{
    CHECK(zlib_crc(T1.substr(0, 69)) == 410078250u);
    CHECK(T2.size() == 80);
    for (const std::string_view t : {T0, T1, T2, T3, T4, T5, T6}) {
        INFO(t);
        CHECK(apiauth::detail::key_checksum_matches(t));
        CHECK(b62_6(zlib_crc(t.substr(0, t.size() - 6))) == t.substr(t.size() - 6));
    }
    CHECK(apiauth::parse_api_key(T1)->checksum() == "0Rke5K");
    CHECK(apiauth::parse_api_key(T2)->prefix() == "acme_test_sk");
    CHECK(apiauth::parse_api_key(T6)->prefix() == "other_sk");
    CHECK(what(apiauth::parse_api_key(T5)) == what(errc::api_key_unsupported_version));
}

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

TEST_CASE("api-keys.md §9.2: the pepper_v1 verifier of T0 re-wrapped under pepper_v2", "[api_key]")
{
    api_key_record r = record_of(T0, ring_v1());
    REQUIRE(apiauth::wrap_api_key_record(r, ring_v12(2)).has_value());
    CHECK(mac_hex(r.verifier.mac) == T0_wrap_hex);
    CHECK(r.verifier.pepper_version == 1);
    CHECK(r.verifier.wrap_version == std::optional<std::uint32_t>(2));
    CHECK(openssl_hmac_hex(pepper_v2, "apikey-wrap:" + from_hex(T0_v1_hex)) == T0_wrap_hex);
    // Wrapping twice is refused.
    CHECK(what(apiauth::wrap_api_key_record(r, ring_v12(2))) == what(errc::invalid_configuration));
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
// §9.3 parser and verifier cases: valid
// =================================================================================================

TEST_CASE("api-keys.md §9.3 V-01: T0 verifies, key id 10123456789ABCDEF", "[api_key]")
{
    setup s;
    const outcome o = run(T0, s.store, s.ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.r->record->key_id == "10123456789ABCDEF");
    CHECK(o.r->record->prefix == "acme_sk");
    CHECK_FALSE(o.r->matched_previous);
    CHECK_FALSE(o.r->needs_rehash());
    CHECK(o.lookups == 1);
    CHECK(o.checksums == 1);
    CHECK(o.macs == 1);
}

TEST_CASE("api-keys.md §9.3 V-02: T1 (checksum starting with 0) verifies: no zero-stripping", "[api_key]")
{
    setup s(T1);
    const outcome o = run(T1, s.store, s.ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.r->record->key_id == "10123456789ABCDEF");
    CHECK(apiauth::parse_api_key(T1)->checksum() == "0Rke5K");
    // Without its leading zero the checksum is five characters: malformed, not an alias.
    std::string stripped(T1);
    stripped.erase(stripped.size() - 6, 1);
    CHECK(what(run(stripped, s.store, s.ring, policy()).r) == what(errc::api_key_malformed));
}

TEST_CASE("api-keys.md §9.3 V-03: T2 (underscore inside the prefix) verifies: right-anchored parse", "[api_key]")
{
    setup s(T2);
    const outcome o = run(T2, s.store, s.ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.r->record->prefix == "acme_test_sk");
    CHECK(o.r->record->key_id == "10123456789ABCDEF");
}

TEST_CASE("api-keys.md §9.3 V-04: T0 under pepper v1 with v2 current verifies and is rehashed to v2", "[api_key]")
{
    const pepper_ring ring = ring_v12(2);
    memory_api_key_store store;
    REQUIRE(store.insert(record_of(T0, ring_v1())));

    const outcome o = run(T0, store, ring, policy());
    REQUIRE(o.r.has_value());
    REQUIRE(o.r->needs_rehash());
    CHECK(o.r->rehash->pepper_version == 2);
    CHECK(mac_hex(o.r->rehash->mac) == T0_v2_hex);
    CHECK(o.macs == 2);  // the verification, then the rehash

    // The row is rehashed (compare-and-set), and then verifies under v2 with nothing more to do.
    REQUIRE(store.rehash(o.r->record->key_id, o.r->record->verifier, *o.r->rehash));
    const outcome again = run(T0, store, ring, policy());
    REQUIRE(again.r.has_value());
    CHECK(again.r->record->verifier.pepper_version == 2);
    CHECK_FALSE(again.r->needs_rehash());
    CHECK(again.macs == 1);
    // A stale rehash no longer applies.
    CHECK_FALSE(store.rehash(o.r->record->key_id, o.r->record->verifier, *o.r->rehash));
}

TEST_CASE("api-keys.md §9.3 V-05: T0 with its record wrapped v1 -> v2 verifies", "[api_key]")
{
    const pepper_ring ring = ring_v12(2);
    api_key_record r = record_of(T0, ring_v1());
    REQUIRE(apiauth::wrap_api_key_record(r, ring).has_value());
    setup s(std::move(r));
    const outcome o = run(T0, s.store, ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.macs == 3);  // inner v1, wrap v2, rehash under v2
    REQUIRE(o.r->needs_rehash());
    CHECK(mac_hex(o.r->rehash->mac) == T0_v2_hex);
    CHECK_FALSE(o.r->rehash->wrap_version.has_value());
    // Without pepper v1 in the ring the inner layer cannot be computed: fail closed.
    auto only_v2 = pepper_ring::make({{2, pepper_v2}}, 2);
    REQUIRE(only_v2.has_value());
    CHECK(what(run(T0, s.store, *only_v2, policy()).r) == what(errc::api_key_unknown_pepper));
}

TEST_CASE("api-keys.md §9.3 V-06: a new secret under T0's id; T0 still verifies through the previous verifier",
          "[api_key]")
{
    // T1 is T0's key id with another secret: the new key after a rotation.
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T1, ring);
    r.previous = apiauth::api_key_previous_verifier{record_of(T0, ring).verifier, t_now + 1h};
    setup s(std::move(r));

    const outcome old_key = run(T0, s.store, ring, policy());
    REQUIRE(old_key.r.has_value());
    CHECK(old_key.r->matched_previous);
    CHECK_FALSE(old_key.r->needs_rehash());
    const outcome new_key = run(T1, s.store, ring, policy());
    REQUIRE(new_key.r.has_value());
    CHECK_FALSE(new_key.r->matched_previous);
    CHECK(old_key.macs == new_key.macs);  // one MAC serves both verifiers under one pepper
}

TEST_CASE("api-keys.md §9.3 V-07: a prefix of exactly 32 characters (token of 100) verifies", "[api_key]")
{
    const std::string prefix = "abcdefghijklmnop_abcdefghijklmno";
    REQUIRE(prefix.size() == 32);
    const std::string t = make_token(prefix, '1', "0123456789ABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
    REQUIRE(t.size() == 100);
    const pepper_ring ring = ring_v1();
    memory_api_key_store store;
    REQUIRE(store.insert(record_of(t, ring)));
    const std::string_view allow[] = {prefix};
    const outcome o = run(t, store, ring, {.prefixes = allow, .now = t_now});
    REQUIRE(o.r.has_value());
    CHECK(o.r->record->prefix == prefix);
}

// =================================================================================================
// §9.3 parser and verifier cases: invalid
// =================================================================================================

TEST_CASE("api-keys.md §9.3 I-01: the empty string is malformed", "[api_key]")
{
    setup s;
    check_rejected_offline(run("", s.store, s.ring, policy()), errc::api_key_malformed);
    CHECK(what(apiauth::parse_api_key("")) == what(errc::api_key_malformed));
}

TEST_CASE("api-keys.md §9.3 I-02: T0 without its last character (74) is malformed: fixed widths break", "[api_key]")
{
    setup s;
    const outcome o = run(T0.substr(0, 74), s.store, s.ring, policy());
    check_rejected_offline(o, errc::api_key_malformed);
    CHECK(o.checksums == 0);
}

TEST_CASE("api-keys.md §9.3 I-03: T0 + \"A\" is malformed, never Ok", "[api_key]")
{
    setup s;
    check_rejected_offline(run(std::string(T0) + "A", s.store, s.ring, policy()), errc::api_key_malformed);
}

TEST_CASE("api-keys.md §9.3 I-04: surrounding or inner whitespace is malformed: no silent trimming", "[api_key]")
{
    setup s;
    std::string tab(T0);
    tab[30] = '\t';
    std::string tab_sep(T0);
    tab_sep[25] = '\t';
    for (const std::string& t : {" " + std::string(T0), std::string(T0) + "\n", std::string(T0) + "\r\n",
                                 std::string(T0) + " ", "\t" + std::string(T0), tab, tab_sep}) {
        INFO(t);
        check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_malformed);
    }
}

TEST_CASE("api-keys.md §9.3 I-05: prefix swapped to acme_pk keeping the checksum: unknown prefix, or bad checksum",
          "[api_key]")
{
    setup s;
    const std::string swapped = "acme_pk" + std::string(T0.substr(7));
    // The allow-list is checked first (step 3).
    check_rejected_offline(run(swapped, s.store, s.ring, policy()), errc::api_key_unknown_prefix);
    // Allow-listed, the checksum (which covers the prefix) catches it.
    const std::string_view allow[] = {"acme_sk", "acme_pk"};
    const outcome o = run(swapped, s.store, s.ring, {.prefixes = allow, .now = t_now});
    check_rejected_offline(o, errc::api_key_bad_checksum);
    CHECK(o.checksums == 1);
}

TEST_CASE("api-keys.md §9.3 I-06: one secret character changed (…ijXlm…) is a bad checksum; so is every "
          "substitution in id, secret and checksum",
          "[api_key]")
{
    setup s;
    std::string t(T0);
    REQUIRE(t.substr(26 + 8, 5) == "ijklm");
    t[26 + 10] = 'X';
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_bad_checksum);

    // CRC-32 detects every burst of up to 32 bits: each of the 61 other B62 characters, at every
    // position after the version, fails the checksum (§5.3).
    const std::string_view alphabet = apiauth::detail::base62_alphabet;
    int tried = 0;
    for (std::size_t i = 9; i < T0.size(); ++i) {
        if (i == 25) continue;  // the separator
        for (const char c : alphabet) {
            if (c == T0[i]) continue;
            std::string m(T0);
            m[i] = c;
            ++tried;
            if (apiauth::detail::key_checksum_matches(m)) FAIL_CHECK("substitution at " << i << " by " << c);
        }
    }
    CHECK(tried == 65 * 61);
}

TEST_CASE("api-keys.md §9.3 I-07: adjacent id characters swapped (10123546789ABCDEF) ⇒ bad checksum", "[api_key]")
{
    setup s;
    std::string t(T0);
    REQUIRE(t.substr(8, 17) == "10123456789ABCDEF");
    std::swap(t[8 + 5], t[8 + 6]);
    REQUIRE(t.substr(8, 17) == "10123546789ABCDEF");
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_bad_checksum);

    // Every transposition of two different adjacent characters of id, secret and checksum.
    for (std::size_t i = 8; i + 1 < T0.size(); ++i) {
        if (i == 24 || i == 25 || T0[i] == T0[i + 1]) continue;
        std::string m(T0);
        std::swap(m[i], m[i + 1]);
        if (apiauth::detail::key_checksum_matches(m)) FAIL_CHECK("transposition at " << i);
    }
}

TEST_CASE("api-keys.md §9.3 I-08: T0 with its last checksum character changed ⇒ bad checksum", "[api_key]")
{
    setup s;
    std::string t(T0);
    t.back() = 'Z';
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_bad_checksum);
}

TEST_CASE("api-keys.md §9.3 I-09: checksum zzzzzz (≥ 2^32) ⇒ bad checksum, no overflow", "[api_key]")
{
    setup s;
    const std::string t = std::string(T0.substr(0, 69)) + "zzzzzz";
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_bad_checksum);
    CHECK_FALSE(apiauth::detail::base62_decode6("zzzzzz").has_value());
}

TEST_CASE("api-keys.md §9.3 I-10: checksum alias 90NFKc (= CRC + 2^32) ⇒ bad checksum: no uint32 wraparound",
          "[api_key]")
{
    setup s;
    // 90NFKc is T0's CRC plus 2^32: a decoder that wraps modulo 2^32 would accept it.
    REQUIRE(b62_value64("90NFKc") == 3955768674ull + (1ull << 32));
    REQUIRE(static_cast<std::uint32_t>(b62_value64("90NFKc")) == zlib_crc(T0.substr(0, 69)));
    const std::string t = std::string(T0.substr(0, 69)) + "90NFKc";
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_bad_checksum);
    CHECK_FALSE(apiauth::detail::base62_decode6("90NFKc").has_value());
}

TEST_CASE("api-keys.md §9.3 I-11: T0 lowercased ⇒ bad checksum, uppercased ⇒ malformed (case-sensitive)", "[api_key]")
{
    setup s;
    std::string lower(T0), upper(T0);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return apiauth::detail::to_lower(c); });
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
    check_rejected_offline(run(lower, s.store, s.ring, policy()), errc::api_key_bad_checksum);
    check_rejected_offline(run(upper, s.store, s.ring, policy()), errc::api_key_malformed);
}

TEST_CASE("api-keys.md §9.3 I-12: separators '-', '.' or ':' instead of '_' ⇒ malformed", "[api_key]")
{
    setup s;
    for (const char sep : {'-', '.', ':'}) {
        for (const std::size_t at : {std::size_t{4}, std::size_t{7}, std::size_t{25}}) {
            std::string t(T0);
            t[at] = sep;
            INFO(t);
            check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_malformed);
        }
    }
}

TEST_CASE("api-keys.md §9.3 I-13: base64url characters ('-', '_') in the id or the secret ⇒ malformed", "[api_key]")
{
    setup s;
    std::string id_underscore(T0);
    id_underscore.replace(9, 16, "0123_56789ABCDEF");
    std::string secret_dash(T0), secret_underscore(T0), id_dash(T0);
    secret_dash[40] = '-';
    secret_underscore[40] = '_';
    id_dash[12] = '-';
    for (const std::string& t : {id_underscore, secret_dash, secret_underscore, id_dash}) {
        INFO(t);
        check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_malformed);
    }
}

TEST_CASE("api-keys.md §9.3 I-14: non-ASCII look-alikes (Cyrillic а, full-width digits) and a UTF-8 BOM ⇒ malformed",
          "[api_key]")
{
    setup s;
    std::string cyrillic(T0);  // 'a' (U+0061) -> 'а' (U+0430): one octet longer
    cyrillic.replace(26, 1, "\xD0\xB0");
    std::string cyrillic_same_length(T0);  // "ab" -> "а": same length, octets ≥ 0x80
    cyrillic_same_length.replace(26, 2, "\xD0\xB0");
    std::string fullwidth(T0);  // "123" -> "１" (U+FF11): same length
    fullwidth.replace(10, 3, "\xEF\xBC\x91");
    std::string prefix_cyrillic(T0);  // the prefix's 'a' -> 'а'
    prefix_cyrillic.replace(0, 1, "\xD0\xB0");
    const std::string bom = "\xEF\xBB\xBF" + std::string(T0);
    for (const std::string& t : {cyrillic, cyrillic_same_length, fullwidth, prefix_cyrillic, bom}) {
        INFO(t);
        check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_malformed);
    }
    CHECK(cyrillic_same_length.size() == T0.size());
    CHECK(fullwidth.size() == T0.size());
}

TEST_CASE("api-keys.md §9.3 I-15: an embedded NUL at position 30 ⇒ malformed (string_view, not C string)", "[api_key]")
{
    setup s;
    std::string t(T0);
    t[30] = '\0';
    REQUIRE(t.size() == 75);
    check_rejected_offline(run(t, s.store, s.ring, policy()), errc::api_key_malformed);
}

TEST_CASE("api-keys.md §9.3 I-16: a 33-character prefix (101 total) or 10 KB ⇒ malformed before any CRC work",
          "[api_key]")
{
    setup s;
    const std::string p33 = "abcdefghijklmnop_abcdefghijklmnop";
    REQUIRE(p33.size() == 33);
    const std::string t101 = make_token(p33, '1', "0123456789ABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
    REQUIRE(t101.size() == 101);
    const std::string_view allow[] = {p33};
    const outcome o = run(t101, s.store, s.ring, {.prefixes = allow, .now = t_now});
    check_rejected_offline(o, errc::api_key_malformed);
    CHECK(o.checksums == 0);

    const std::string big = std::string(10240 - T0.size(), 'a') + std::string(T0);
    const outcome ob = run(big, s.store, s.ring, policy());
    check_rejected_offline(ob, errc::api_key_malformed);
    CHECK(ob.checksums == 0);
    CHECK_FALSE(apiauth::is_api_key_prefix(p33));
}

TEST_CASE("api-keys.md §9.3 I-17: a prefix starting with a digit, uppercase, an empty label or a trailing '_' ⇒ "
          "malformed",
          "[api_key]")
{
    setup s;
    const std::string tail(T0.substr(7));  // "_1…"
    const std::string label17 = "abcdefghijklmnopq_sk";
    for (const std::string& p :
         {std::string("1acme_sk"), std::string("Acme_sk"), std::string("acme__sk"), std::string("acme_sk_"),
          std::string("_acme_sk"), std::string("acme_Sk"), std::string("acme_1sk"), label17}) {
        INFO(p);
        CHECK_FALSE(apiauth::is_api_key_prefix(p));
        const std::string t = p + tail;
        const std::string_view allow[] = {p};
        const outcome o = run(t, s.store, s.ring, {.prefixes = allow, .now = t_now});
        check_rejected_offline(o, errc::api_key_malformed);
        CHECK(o.checksums == 0);
        // Even with a correct checksum.
        const std::string fixed = make_token(p, '1', "0123456789ABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
        check_rejected_offline(run(fixed, s.store, s.ring, {.prefixes = allow, .now = t_now}), errc::api_key_malformed);
    }
    for (const std::string_view p : {"a"sv, "acme_sk"sv, "acme_test_sk"sv, "a1_b2_c3"sv, "abcdefghijklmnop"sv})
        CHECK(apiauth::is_api_key_prefix(p));
}

TEST_CASE("api-keys.md §9.3 I-18: T6 (valid CRC, prefix other_sk not allow-listed) ⇒ unknown prefix", "[api_key]")
{
    setup s;
    const outcome o = run(T6, s.store, s.ring, policy());
    check_rejected_offline(o, errc::api_key_unknown_prefix);
    CHECK(o.checksums == 0);  // step 3 comes before the checksum
}

TEST_CASE("api-keys.md §9.3 I-19: T5 (valid CRC, version 2) ⇒ unsupported version", "[api_key]")
{
    setup s;
    const outcome o = run(T5, s.store, s.ring, policy());
    check_rejected_offline(o, errc::api_key_unsupported_version);
    CHECK(o.checksums == 0);  // step 4 comes before the checksum
}

TEST_CASE("api-keys.md §9.3 I-20: T4 (valid CRC, id absent) ⇒ not found, and the MAC is still computed", "[api_key]")
{
    setup s;
    const outcome o = run(T4, s.store, s.ring, policy());
    CHECK(what(o.r) == what(errc::api_key_not_found));
    CHECK(o.lookups == 1);
    CHECK(o.macs == 1);  // the dummy MAC of a miss: as many as for T3, the wrong secret
    const outcome wrong = run(T3, s.store, s.ring, policy());
    CHECK(wrong.macs == o.macs);
    CHECK(wrong.lookups == o.lookups);
    // For the client the two are one answer.
    CHECK(apiauth::http_status(o.r.error()) == 401);
    CHECK(apiauth::http_status(wrong.r.error()) == 401);
    CHECK(o.r.error().message() == wrong.r.error().message());
    CHECK(apiauth::oauth_error(o.r.error()) == apiauth::oauth_error(wrong.r.error()));
}

TEST_CASE("api-keys.md §9.3 I-21: T3 (valid CRC, right id, wrong secret) ⇒ bad secret", "[api_key]")
{
    setup s;
    const outcome o = run(T3, s.store, s.ring, policy());
    CHECK(what(o.r) == what(errc::api_key_bad_secret));
    CHECK(o.lookups == 1);
    CHECK(o.macs == 1);
}

TEST_CASE("api-keys.md §9.3 I-22: a revoked record ⇒ revoked, but with T3 (wrong secret) ⇒ bad secret", "[api_key]")
{
    const pepper_ring ring = ring_v1();
    for (const auto revoked_at : {t_now - 1s, t_now}) {
        api_key_record r = record_of(T0, ring);
        r.revoked_at = revoked_at;
        setup s(std::move(r));
        CHECK(what(run(T0, s.store, ring, policy()).r) == what(errc::api_key_revoked));
        CHECK(what(run(T3, s.store, ring, policy()).r) == what(errc::api_key_bad_secret));
        // No leeway helps a revoked key.
        CHECK(what(run(T0, s.store, ring, policy(1h)).r) == what(errc::api_key_revoked));
    }
    api_key_record scheduled = record_of(T0, ring);
    scheduled.revoked_at = t_now + 1s;  // revocation takes effect in the future
    setup s(std::move(scheduled));
    CHECK(run(T0, s.store, ring, policy()).r.has_value());
    REQUIRE(s.store.revoke("10123456789ABCDEF", t_now));
    CHECK(what(run(T0, s.store, ring, policy()).r) == what(errc::api_key_revoked));
}

TEST_CASE("api-keys.md §9.3 I-23: expires_at ≤ now − leeway ⇒ expired; not_before > now + leeway ⇒ not yet valid",
          "[api_key]")
{
    const pepper_ring ring = ring_v1();
    const auto with = [&](auto edit) {
        api_key_record r = record_of(T0, ring);
        edit(r);
        auto s = std::make_unique<setup>(std::move(r));
        return s;
    };
    {
        auto s = with([](api_key_record& r) { r.expires_at = t_now; });
        CHECK(what(run(T0, s->store, ring, policy()).r) == what(errc::api_key_expired));
        CHECK(run(T0, s->store, ring, policy(1s)).r.has_value());
    }
    {
        auto s = with([](api_key_record& r) { r.expires_at = t_now - 30s; });
        CHECK(what(run(T0, s->store, ring, policy(30s)).r) == what(errc::api_key_expired));
        CHECK(what(run(T3, s->store, ring, policy(30s)).r) == what(errc::api_key_bad_secret));
    }
    {
        auto s = with([](api_key_record& r) { r.expires_at = t_now - 29s; });
        CHECK(run(T0, s->store, ring, policy(30s)).r.has_value());
        CHECK(what(run(T0, s->store, ring, policy()).r) == what(errc::api_key_expired));
    }
    {
        auto s = with([](api_key_record& r) { r.not_before = t_now + 31s; });
        CHECK(what(run(T0, s->store, ring, policy(30s)).r) == what(errc::api_key_not_yet_valid));
        CHECK(what(run(T3, s->store, ring, policy(30s)).r) == what(errc::api_key_bad_secret));
    }
    {
        auto s = with([](api_key_record& r) { r.not_before = t_now + 30s; });
        CHECK(run(T0, s->store, ring, policy(30s)).r.has_value());
        CHECK(what(run(T0, s->store, ring, policy()).r) == what(errc::api_key_not_yet_valid));
    }
    {
        auto s = with([](api_key_record& r) {
            r.not_before = t_now;
            r.expires_at = t_now + 1s;
        });
        CHECK(run(T0, s->store, ring, policy()).r.has_value());
    }
    // The clock is read when none is injected: a key that expired in 2000 is expired today.
    {
        auto s = with([](api_key_record& r) { r.expires_at = std::chrono::sys_seconds{946684800s}; });
        CHECK(what(apiauth::verify_api_key(T0, s->store, ring, {.prefixes = allowed})) == what(errc::api_key_expired));
    }
}

TEST_CASE("api-keys.md §9.3 I-24: a record under pepper version 9, not in the ring ⇒ unknown pepper (fail closed)",
          "[api_key]")
{
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T0, ring);
    r.verifier.pepper_version = 9;
    setup s(std::move(r));
    const outcome o = run(T0, s.store, ring, policy());
    CHECK(what(o.r) == what(errc::api_key_unknown_pepper));
    CHECK(apiauth::http_status(o.r.error()) == 500);
    // A wrap layer or a previous verifier under an unknown version fails closed too.
    api_key_record w = record_of(T0, ring);
    w.verifier.wrap_version = 9;
    setup sw(std::move(w));
    CHECK(what(run(T0, sw.store, ring, policy()).r) == what(errc::api_key_unknown_pepper));
    api_key_record p = record_of(T1, ring);
    p.previous = apiauth::api_key_previous_verifier{{{}, 9, std::nullopt}, t_now + 1h};
    setup sp(std::move(p));
    CHECK(what(run(T0, sp.store, ring, policy()).r) == what(errc::api_key_unknown_pepper));
}

TEST_CASE("api-keys.md §9.3 I-25: T0 against a row whose prefix says acme_test_sk ⇒ prefix mismatch", "[api_key]")
{
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T0, ring);
    r.prefix = "acme_test_sk";
    setup s(std::move(r));
    CHECK(what(run(T0, s.store, ring, policy()).r) == what(errc::api_key_prefix_mismatch));

    // A row whose verifier was computed for the other prefix (T2: acme_test_sk, same id and secret).
    api_key_record other = record_of(T0, ring);
    other.verifier = record_of(T2, ring).verifier;
    setup so(std::move(other));
    CHECK(what(run(T0, so.store, ring, policy()).r) == what(errc::api_key_bad_secret));
}

TEST_CASE("api-keys.md §9.3 I-26: T0's row with the verifier copied from another row ⇒ bad secret (MAC covers the "
          "id)",
          "[api_key]")
{
    const pepper_ring ring = ring_v1();
    auto g = apiauth::generate_api_key("acme_sk", ring);
    REQUIRE(g.has_value());
    api_key_record r = record_of(T0, ring);
    r.verifier = g->record.verifier;
    memory_api_key_store store;
    REQUIRE(store.insert(std::move(r)));
    REQUIRE(store.insert(g->record));
    CHECK(what(run(T0, store, ring, policy()).r) == what(errc::api_key_bad_secret));
    CHECK(run(g->token.reveal(), store, ring, policy()).r.has_value());
}

TEST_CASE("api-keys.md §9.3 I-27: the old secret once prev_valid_until has passed ⇒ bad secret", "[api_key]")
{
    const pepper_ring ring = ring_v1();
    for (const auto deadline : {t_now, t_now - 1s}) {
        api_key_record r = record_of(T1, ring);
        r.previous = apiauth::api_key_previous_verifier{record_of(T0, ring).verifier, deadline};
        setup s(std::move(r));
        CHECK(what(run(T0, s.store, ring, policy()).r) == what(errc::api_key_bad_secret));
        CHECK(run(T1, s.store, ring, policy()).r.has_value());
    }
    api_key_record r = record_of(T1, ring);
    r.previous = apiauth::api_key_previous_verifier{record_of(T0, ring).verifier, t_now + 1s};
    setup s(std::move(r));
    CHECK(run(T0, s.store, ring, policy()).r.has_value());
}

TEST_CASE("api-keys.md §9.3 I-28: an empty pepper or one under 32 bytes is refused when the ring is built", "[api_key]")
{
    const std::array<std::byte, 31> short_key{};
    const std::array<std::byte, 32> ok_key{};
    CHECK(what(pepper_ring::make({{1, {}}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, short_key}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, ok_key}, {2, short_key}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make(std::span<const pepper>{}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, pepper_v1}, {1, pepper_v2}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, pepper_v1}}, 2)) == what(errc::invalid_configuration));
    CHECK(apiauth::http_status(apiauth::make_error_code(errc::invalid_configuration)) == 500);

    const auto r = pepper_ring::make({{7, ok_key}, {3, pepper_v1}}, 3);
    REQUIRE(r.has_value());
    CHECK(r->size() == 2);
    CHECK(r->current_version() == 3);
    CHECK(r->find(7) != nullptr);
    CHECK(r->find(3) == &r->current());
    CHECK(r->find(4) == nullptr);
    // There is no default pepper: a ring cannot be made without one.
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<pepper_ring>);
}

namespace {
// I-29: the pair entry point has no optional secret: it cannot be called with the id alone.
template <class S>
concept pair_callable_without_secret = requires(const S& s, const pepper_ring& r, const api_key_options& o)
{
    apiauth::verify_api_key_pair(std::string_view{}, s, r, o);
};
template <class S>
concept pair_callable_with_nullopt = requires(const S& s, const pepper_ring& r, const api_key_options& o)
{
    apiauth::verify_api_key_pair(std::string_view{}, std::nullopt, s, r, o);
};
}  // namespace

TEST_CASE("api-keys.md §9.3 I-29: an empty or missing secret component is impossible or malformed, never optional",
          "[api_key]")
{
    STATIC_REQUIRE_FALSE(pair_callable_without_secret<memory_api_key_store>);
    STATIC_REQUIRE_FALSE(pair_callable_with_nullopt<memory_api_key_store>);
    setup s;
    const auto k = apiauth::parse_api_key(T0);
    REQUIRE(k.has_value());
    for (const auto& [id, secret] :
         std::vector<std::pair<std::string_view, std::string_view>>{{k->client_id(), ""},
                                                                    {T0, ""},
                                                                    {"", ""},
                                                                    {"", k->client_secret()},
                                                                    {k->client_id(), k->client_secret().substr(1)}}) {
        INFO(id << " : " << secret);
        check_rejected_offline(run_pair(id, secret, s.store, s.ring, policy()), errc::api_key_malformed);
    }
    // Over Basic: "client_id:" and "token:".
    for (const std::string& user : {std::string(k->client_id()), std::string(T0)}) {
        const auto header = apiauth::http::encode_basic(user, "");
        REQUIRE(header.has_value());
        const std::string_view fields[] = {*header};
        counting_store cs{&s.store};
        CHECK(what(apiauth::verify_basic_api_key({.authorization = fields}, cs, s.ring, policy())) ==
              what(errc::api_key_malformed));
        CHECK(cs.lookups == 0);
    }
}

TEST_CASE("api-keys.md §9.3 I-30: the documentation example (right shape, wrong checksum) ⇒ bad checksum", "[api_key]")
{
    setup s;
    REQUIRE(doc_example.size() == 75);
    CHECK(b62_6(zlib_crc(doc_example.substr(0, 69))) != doc_example.substr(69));
    CHECK(what(apiauth::parse_api_key(doc_example)) == what(errc::api_key_bad_checksum));
    check_rejected_offline(run(doc_example, s.store, s.ring, policy()), errc::api_key_bad_checksum);
}

// =================================================================================================
// Verification: policy, store failure, order of the steps
// =================================================================================================

TEST_CASE("api-keys.md §8.5: a policy with no allow-list or a negative leeway is refused at verification", "[api_key]")
{
    setup s;
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring, {.now = t_now})) == what(errc::invalid_configuration));
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring, {.prefixes = allowed, .leeway = -1s})) ==
          what(errc::invalid_configuration));
    // A moved-from ring is refused, not dereferenced.
    pepper_ring moved = ring_v1();
    const pepper_ring taken = std::move(moved);
    CHECK(what(apiauth::verify_api_key(T0, s.store, moved, policy())) ==  // NOLINT(bugprone-use-after-move)
          what(errc::invalid_configuration));
    CHECK(apiauth::verify_api_key(T0, s.store, taken, policy()).has_value());
    // A legacy-only server needs no prefix list; v1 keys are then unknown prefixes.
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring, {.now = t_now, .accept_stormpath = true})) ==
          what(errc::api_key_unknown_prefix));
}

TEST_CASE("api-keys.md §8.5 step 6: a store failure is passed on, after the MAC of a miss", "[api_key]")
{
    const pepper_ring ring = ring_v1();
    failing_store fs;
    counting_observer obs;
    const auto r = apiauth::detail::verify_token(T0, fs, ring, policy(), obs);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == std::make_error_code(std::errc::connection_refused));
    CHECK(apiauth::http_status(r.error()) == 500);
    CHECK(obs.macs == 1);
    // Tampered keys never reach the store at all.
    std::string t(T0);
    t[40] = 'X';
    CHECK(what(apiauth::verify_api_key(t, fs, ring, policy())) == what(errc::api_key_bad_checksum));
}

TEST_CASE("api-keys.md §8.5: each failing step hides the later ones (malformed > unknown prefix > version > "
          "checksum)",
          "[api_key]")
{
    setup s;
    // Version 2 and a bad checksum: the version is reported.
    std::string t5_bad(T5);
    t5_bad.back() = 'x';
    CHECK(what(run(t5_bad, s.store, s.ring, policy()).r) == what(errc::api_key_unsupported_version));
    // Unknown prefix, version 2, bad checksum: the prefix.
    std::string t6_v2(T6);
    t6_v2[9] = '2';
    CHECK(what(run(t6_v2, s.store, s.ring, policy()).r) == what(errc::api_key_unknown_prefix));
    // Malformed and unknown prefix: malformed.
    std::string t6_nul(T6);
    t6_nul[40] = '\0';
    CHECK(what(run(t6_nul, s.store, s.ring, policy()).r) == what(errc::api_key_malformed));
    // Every API key error but the server's own is a 401 for the client.
    for (const errc e :
         {errc::api_key_malformed, errc::api_key_unknown_prefix, errc::api_key_unsupported_version,
          errc::api_key_bad_checksum, errc::api_key_not_found, errc::api_key_bad_secret, errc::api_key_revoked,
          errc::api_key_expired, errc::api_key_not_yet_valid, errc::api_key_prefix_mismatch})
        CHECK(apiauth::http_status(apiauth::make_error_code(e)) == 401);
}

TEST_CASE("parse_api_key views into the caller's buffer; its steps are constexpr", "[api_key]")
{
    STATIC_REQUIRE(apiauth::detail::well_formed_key(T0));
    STATIC_REQUIRE(apiauth::detail::key_checksum_matches(T0));
    STATIC_REQUIRE_FALSE(apiauth::detail::well_formed_key(T3.substr(0, 74)));
    STATIC_REQUIRE_FALSE(apiauth::detail::key_checksum_matches(doc_example));
    const std::string owned(T2);
    const auto k = apiauth::parse_api_key(owned);
    REQUIRE(k.has_value());
    CHECK(k->token().data() == owned.data());
    CHECK(k->prefix() == "acme_test_sk");
    CHECK(k->hint() == "acme_test_sk_1012345\xE2\x80\xA6");
}

// =================================================================================================
// The pair form: HTTP Basic and OAuth client_id / client_secret
// =================================================================================================

TEST_CASE("verify_basic_api_key: T0 sent as Basic client_id:client_secret verifies; the token is rebuilt exactly",
          "[api_key][basic]")
{
    setup s;
    const auto k = apiauth::parse_api_key(T0);
    REQUIRE(k.has_value());
    const auto header = apiauth::http::encode_basic(k->client_id(), k->client_secret());
    REQUIRE(header.has_value());
    const std::string_view fields[] = {*header};
    counting_store cs{&s.store};
    const auto r = apiauth::verify_basic_api_key({.authorization = fields}, cs, s.ring, policy());
    REQUIRE(r.has_value());
    CHECK(r->record->key_id == "10123456789ABCDEF");
    CHECK(cs.lookups == 1);

    const outcome o = run_pair(k->client_id(), k->client_secret(), s.store, s.ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.macs == 1);
}

TEST_CASE("verify_basic_api_key: wrong secret, unknown id and tampered keys over Basic", "[api_key][basic]")
{
    setup s;
    const auto basic = [&](std::string_view token, counting_store& cs) {
        const auto k = apiauth::detail::api_key_access::view(token);  // split without checking
        const auto header = apiauth::http::encode_basic(k.client_id(), k.client_secret());
        REQUIRE(header.has_value());
        const std::string_view fields[] = {*header};
        return apiauth::verify_basic_api_key({.authorization = fields}, cs, s.ring, policy());
    };
    counting_store cs{&s.store};
    CHECK(what(basic(T3, cs)) == what(errc::api_key_bad_secret));
    CHECK(what(basic(T4, cs)) == what(errc::api_key_not_found));
    CHECK(cs.lookups == 2);
    std::string tampered(T0);
    tampered[60] = 'Z';
    CHECK(what(basic(tampered, cs)) == what(errc::api_key_bad_checksum));
    CHECK(what(basic(T6, cs)) == what(errc::api_key_unknown_prefix));
    CHECK(cs.lookups == 2);  // neither reached the store

    // The same through the pair function, counting MACs: a miss costs what a wrong secret costs.
    const auto k3 = apiauth::parse_api_key(T3);
    const auto k4 = apiauth::parse_api_key(T4);
    const outcome o3 = run_pair(k3->client_id(), k3->client_secret(), s.store, s.ring, policy());
    const outcome o4 = run_pair(k4->client_id(), k4->client_secret(), s.store, s.ring, policy());
    CHECK(what(o3.r) == what(errc::api_key_bad_secret));
    CHECK(what(o4.r) == what(errc::api_key_not_found));
    CHECK(o3.macs == 1);
    CHECK(o4.macs == 1);
}

TEST_CASE("verify_api_key_pair: only the canonical cut (a 49-character client_secret) is accepted", "[api_key][basic]")
{
    setup s;
    // "acme_sk" : "10123456789ABCDEF_abc…" rebuilds T0 too, but is not the pair form.
    check_rejected_offline(run_pair("acme_sk", T0.substr(8), s.store, s.ring, policy()), errc::api_key_malformed);
    check_rejected_offline(run_pair(T0.substr(0, 24), T0.substr(25 - 1), s.store, s.ring, policy()),
                           errc::api_key_malformed);
    check_rejected_offline(
        run_pair("acme_sk_1012345", "6789ABCDEF_" + std::string(T0.substr(26)), s.store, s.ring, policy()),
        errc::api_key_malformed);
    // A key id alone (without the prefix) is not the client_id.
    check_rejected_offline(run_pair("10123456789ABCDEF", T0.substr(26), s.store, s.ring, policy()),
                           errc::api_key_malformed);
    // A client_id too long for any token.
    check_rejected_offline(run_pair(std::string(60, 'a'), T0.substr(26), s.store, s.ring, policy()),
                           errc::api_key_malformed);
}

TEST_CASE("verify_basic_api_key: header errors come from extract_basic", "[api_key][basic]")
{
    setup s;
    counting_store cs{&s.store};
    CHECK(what(apiauth::verify_basic_api_key({}, cs, s.ring, policy())) == what(errc::no_credentials));
    const std::string bearer = "Bearer " + std::string(T0);
    const std::string_view one[] = {bearer};
    CHECK(what(apiauth::verify_basic_api_key({.authorization = one}, cs, s.ring, policy())) ==
          what(errc::unsupported_scheme));
    const auto k = apiauth::parse_api_key(T0);
    const auto header = apiauth::http::encode_basic(k->client_id(), k->client_secret());
    const std::string_view two[] = {*header, *header};
    CHECK(what(apiauth::verify_basic_api_key({.authorization = two}, cs, s.ring, policy())) ==
          what(errc::duplicate_authorization));
    // Longer than the base64 of any 100-octet pair: refused before decoding.
    const std::string big = "Basic " + std::string(140, 'A');
    const std::string_view b[] = {big};
    CHECK(what(apiauth::verify_basic_api_key({.authorization = b}, cs, s.ring, policy())) ==
          what(errc::basic_token_too_large));
    const std::string no_colon = "Basic " + apiauth::base64::encode(T0);
    const std::string_view nc[] = {no_colon};
    CHECK(what(apiauth::verify_basic_api_key({.authorization = nc}, cs, s.ring, policy())) ==
          what(errc::basic_missing_colon));
    CHECK(cs.lookups == 0);
}

// =================================================================================================
// Stormpath migration
// =================================================================================================

namespace {
// Published Stormpath example pairs (research/stormpath-protocol.md §4).
constexpr std::string_view sp_id = "2ZFMV4WVVCVG35XATII9T96J7";
constexpr std::string_view sp_secret = "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ";
constexpr std::string_view sp_id2 = "1S9H13Q61HLJHIVU7N357QI7U";
constexpr std::string_view sp_secret2 = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8";

api_key_options legacy_policy()
{
    return {.prefixes = allowed, .now = t_now, .accept_stormpath = true};
}

struct legacy_setup {
    pepper_ring ring = ring_v1();
    memory_api_key_store store;
    legacy_setup()
    {
        auto r = apiauth::import_stormpath_api_key(sp_id, sp_secret, ring, t_now - 24h * 365);
        REQUIRE(r.has_value());
        REQUIRE(store.insert(std::move(*r)));
        REQUIRE(store.insert(record_of(T0, ring)));
    }
};

result<verified_api_key> legacy_basic(std::string_view id, std::string_view secret, const legacy_setup& s,
                                      const api_key_options& opt, int* lookups = nullptr)
{
    const auto header = apiauth::http::encode_basic(id, secret);
    REQUIRE(header.has_value());
    const std::string_view fields[] = {*header};
    counting_store cs{&s.store};
    auto r = apiauth::verify_basic_api_key({.authorization = fields}, cs, s.ring, opt);
    if (lookups != nullptr) *lookups = cs.lookups;
    return r;
}
}  // namespace

TEST_CASE("Stormpath import: the record holds HMAC(pepper, \"apikey-legacy:\" id \":\" secret), no prefix",
          "[api_key][stormpath]")
{
    const pepper_ring ring = ring_v1();
    const auto r = apiauth::import_stormpath_api_key(sp_id, sp_secret, ring, t_now);
    REQUIRE(r.has_value());
    CHECK(r->key_id == sp_id);
    CHECK(r->prefix.empty());
    CHECK(r->format == api_key_format::stormpath);
    CHECK(r->created_at == t_now);
    CHECK(r->verifier.pepper_version == 1);
    CHECK(mac_hex(r->verifier.mac) ==
          openssl_hmac_hex(pepper_v1, "apikey-legacy:" + std::string(sp_id) + ":" + std::string(sp_secret)));
    CHECK(apiauth::api_key_hint(*r) == "2ZFMV4\xE2\x80\xA6");
    // Another published pair, with '+' in the secret.
    CHECK(apiauth::import_stormpath_api_key(sp_id2, sp_secret2, ring, t_now).has_value());
}

TEST_CASE("Stormpath import refuses ids and secrets of the wrong shape", "[api_key][stormpath]")
{
    const pepper_ring ring = ring_v1();
    const auto bad = [&](std::string_view id, std::string_view secret) {
        return what(apiauth::import_stormpath_api_key(id, secret, ring, t_now));
    };
    const std::string m = what(errc::api_key_malformed);
    CHECK(bad(sp_id.substr(1), sp_secret) == m);                            // 24 characters
    CHECK(bad(std::string(sp_id) + "A", sp_secret) == m);                   // 26
    CHECK(bad("2zfmv4wvvcvg35xatii9t96j7", sp_secret) == m);                // lowercase
    CHECK(bad("2ZFMV4WVVCVG35XATII9T96J_", sp_secret) == m);                // '_'
    CHECK(bad(sp_id, sp_secret.substr(1)) == m);                            // 42
    CHECK(bad(sp_id, std::string(sp_secret) + "=") == m);                   // padding
    CHECK(bad(sp_id, "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6_Wqf2iqdQ") == m);  // base64url '_'
    CHECK(bad(sp_id, "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6-Wqf2iqdQ") == m);  // base64url '-'
    CHECK(bad(sp_id, "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdR") == m);  // non-zero pad bits
    CHECK(bad(sp_id, "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iq Q") == m);  // space
}

TEST_CASE("Stormpath keys verify over Basic with accept_stormpath, in constant time, and only then",
          "[api_key][stormpath][basic]")
{
    legacy_setup s;
    int lookups = -1;
    const auto ok = legacy_basic(sp_id, sp_secret, s, legacy_policy(), &lookups);
    REQUIRE(ok.has_value());
    CHECK(ok->record->key_id == sp_id);
    CHECK(ok->record->format == api_key_format::stormpath);
    CHECK_FALSE(ok->needs_rehash());
    CHECK(lookups == 1);

    // Off by default: the pair is not of the v1 grammar.
    CHECK(what(legacy_basic(sp_id, sp_secret, s, policy(), &lookups)) == what(errc::api_key_malformed));
    CHECK(lookups == 0);
    // Never on the single-string path.
    CHECK(what(apiauth::verify_api_key(std::string(sp_id) + ":" + std::string(sp_secret), s.store, s.ring,
                                       legacy_policy())) == what(errc::api_key_malformed));
    CHECK(what(apiauth::verify_api_key(std::string(sp_id) + "_" + std::string(sp_secret), s.store, s.ring,
                                       legacy_policy())) == what(errc::api_key_malformed));

    // Wrong secret and unknown id: one MAC each, both 401 with the same message.
    std::string wrong(sp_secret);
    wrong[0] = 's';
    const outcome w = run_pair(sp_id, wrong, s.store, s.ring, legacy_policy());
    const outcome u = run_pair(sp_id2, sp_secret2, s.store, s.ring, legacy_policy());
    CHECK(what(w.r) == what(errc::api_key_bad_secret));
    CHECK(what(u.r) == what(errc::api_key_not_found));
    CHECK(w.macs == 1);
    CHECK(u.macs == 1);
    CHECK(w.lookups == 1);
    CHECK(u.lookups == 1);
    CHECK(apiauth::http_status(w.r.error()) == 401);
    CHECK(w.r.error().message() == u.r.error().message());
    // A malformed legacy pair never reaches the store.
    check_rejected_offline(
        run_pair(sp_id, "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6_Wqf2iqdQ", s.store, s.ring, legacy_policy()),
        errc::api_key_malformed);
    // v1 keys still verify with the option on.
    const auto k = apiauth::parse_api_key(T0);
    CHECK(run_pair(k->client_id(), k->client_secret(), s.store, s.ring, legacy_policy()).r.has_value());
}

TEST_CASE("Stormpath keys: status after the MAC, rehash to the current pepper, no crossing of formats",
          "[api_key][stormpath]")
{
    legacy_setup s;
    REQUIRE(s.store.revoke(sp_id, t_now - 1s));  // imported as DISABLED
    CHECK(what(run_pair(sp_id, sp_secret, s.store, s.ring, legacy_policy()).r) == what(errc::api_key_revoked));
    std::string wrong(sp_secret);
    wrong[5] = 'A';
    CHECK(what(run_pair(sp_id, wrong, s.store, s.ring, legacy_policy()).r) == what(errc::api_key_bad_secret));

    // Under a newer pepper the legacy record is reported for rehashing in its own domain.
    memory_api_key_store store;
    auto r = apiauth::import_stormpath_api_key(sp_id2, sp_secret2, ring_v1(), t_now);
    REQUIRE(r.has_value());
    REQUIRE(store.insert(std::move(*r)));
    const pepper_ring ring = ring_v12(2);
    const outcome o = run_pair(sp_id2, sp_secret2, store, ring, legacy_policy());
    REQUIRE(o.r.has_value());
    REQUIRE(o.r->needs_rehash());
    CHECK(mac_hex(o.r->rehash->mac) ==
          openssl_hmac_hex(pepper_v2, "apikey-legacy:" + std::string(sp_id2) + ":" + std::string(sp_secret2)));

    // A v1-format record stored under a Stormpath-shaped id never accepts a legacy pair, even
    // holding the legacy MAC (a broken or tampered store).
    memory_api_key_store mixed;
    auto v1 = apiauth::import_stormpath_api_key(sp_id2, sp_secret2, ring_v1(), t_now);
    v1->format = api_key_format::v1;
    REQUIRE(mixed.insert(std::move(*v1)));
    CHECK(what(run_pair(sp_id2, sp_secret2, mixed, ring_v1(), legacy_policy()).r) == what(errc::api_key_bad_secret));
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

TEST_CASE("api-keys.md §9.4: a failing byte source makes generation fail; no key from unfilled memory",
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

TEST_CASE("api-keys.md §9.4: the secret type cannot be streamed, formatted, converted or copied; the hint carries "
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

TEST_CASE("generate_api_key refuses a prefix outside the grammar and a non-positive lifetime", "[api_key][generate]")
{
    const pepper_ring ring = ring_v1();
    for (const std::string_view p : {""sv, "Acme"sv, "acme-sk"sv, "acme__sk"sv, "1acme"sv, "abcdefghijklmnopq"sv,
                                     "abcdefghijklmnop_abcdefghijklmnop"sv})
        CHECK(what(apiauth::generate_api_key(p, ring)) == what(errc::invalid_configuration));
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = 0s})) == what(errc::invalid_configuration));
    CHECK(what(apiauth::generate_api_key("acme_sk", ring, {.lifetime = -1s})) == what(errc::invalid_configuration));
    const auto g32 = apiauth::generate_api_key("abcdefghijklmnop_abcdefghijklmno", ring);
    REQUIRE(g32.has_value());
    CHECK(g32->token.size() == 100);
}

TEST_CASE("rotate_api_key: a new secret under the same id; the old key works until the deadline", "[api_key][generate]")
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
    CHECK_FALSE(new_key->matched_previous);
    const auto old_key = apiauth::verify_api_key(T0, store, ring, policy());
    REQUIRE(old_key.has_value());
    CHECK(old_key->matched_previous);
    CHECK(what(apiauth::verify_api_key(T0, store, ring, {.prefixes = allowed, .now = t_now + 1h})) ==
          what(errc::api_key_bad_secret));

    auto legacy = apiauth::import_stormpath_api_key(sp_id, sp_secret, ring, t_now);
    REQUIRE(legacy.has_value());
    CHECK(what(apiauth::rotate_api_key(*legacy, ring, t_now)) == what(errc::invalid_configuration));
}

namespace {
// A dudect-style paired timing comparison: n rounds, each preparing and timing class A and class B
// back to back in a random order (so that drift of the machine's speed — other processes,
// frequency — falls on both alike); the preparation (e.g. copying the input into place) is not
// timed. Returns the median of the per-round differences A − B relative to the median time.
// (A t statistic is too sensitive here: identical classes give |t| > 10 from sub-nanosecond
// artefacts at these sample sizes; the effect size is what matters.)
template <class PrepA, class PrepB, class Measure>
double paired_relative_difference(PrepA&& prep_a, PrepB&& prep_b, Measure&& measure, std::size_t n, std::uint32_t seed)
{
    using clock = std::chrono::steady_clock;
    const auto time = [&](auto& prep) {
        prep();
        const auto t0 = clock::now();
        measure();
        const auto t1 = clock::now();
        return std::chrono::duration<double, std::nano>(t1 - t0).count();
    };
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < 200; ++i) (void)(time(prep_a) + time(prep_b));  // warm-up
    std::vector<double> d, all;
    d.reserve(n);
    all.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        double a = 0, b = 0;
        if ((rng() & 1u) != 0) {
            a = time(prep_a);
            b = time(prep_b);
        } else {
            b = time(prep_b);
            a = time(prep_a);
        }
        d.push_back(a - b);
        all.insert(all.end(), {a, b});
    }
    const auto median = [](std::vector<double>& v) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    return median(d) / median(all);
}
}  // namespace

TEST_CASE("api-keys.md §9.4: timing smoke test (dudect-style): secrets differing in the first vs the last character",
          "[api_key][timing]")
{
    // A statistical smoke test, not a proof: two wrong keys for T0's record, one differing from T0
    // in the first secret character, one in the last (both with a valid checksum), verified from
    // one buffer; the median paired difference must stay under 2 % of the verification time. The
    // secret reaches the comparison only through the MAC, which spreads any difference over all
    // 32 bytes; this guards the path around it (parsing, checksum, lookup) against work that
    // depends on where the characters differ. The same harness on an early-exit comparison
    // shows that it detects a leak of that kind.
    setup s;
    const std::string first = make_token("acme_sk", '1', "0123456789ABCDEF",
                                         "Xbcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQ");
    const std::string last = make_token("acme_sk", '1', "0123456789ABCDEF",
                                        "abcdefghijklmnopqrstuvwxyz"
                                        "ABCDEFGHIJKLMNOPX");
    REQUIRE(what(apiauth::verify_api_key(first, s.store, s.ring, policy())) == what(errc::api_key_bad_secret));
    REQUIRE(what(apiauth::verify_api_key(last, s.store, s.ring, policy())) == what(errc::api_key_bad_secret));
    // Both classes are verified from one buffer, so that their addresses (alignment, cache lines)
    // cannot differ: only their contents do.
    std::array<char, 75> buffer{};
    REQUIRE(first.size() == buffer.size());
    REQUIRE(last.size() == buffer.size());
    const std::string_view presented(buffer.data(), buffer.size());
    const auto load = [&](const std::string& token) {
        return [&buffer, &token] { std::memcpy(buffer.data(), token.data(), buffer.size()); };
    };
    bool verified = false;
    const auto verify = [&] { verified |= apiauth::verify_api_key(presented, s.store, s.ring, policy()).has_value(); };
    const double rel = paired_relative_difference(load(first), load(last), verify, 20000, 0xD0DC7);
    CHECK_FALSE(verified);
    INFO("median paired difference = " << rel * 100 << " % of the verification time");
    CHECK(std::abs(rel) < 0.02);

    // Power: an early-exit comparison of 4 KiB against inputs differing in the first vs the last byte.
    std::vector<unsigned char> x(4096, 0x5A), y_first(x), y_last(x), y(x);
    y_first.front() ^= 1;
    y_last.back() ^= 1;
    volatile bool sink = false;
    const auto put = [&](const std::vector<unsigned char>& v) { return [&y, &v] { y = v; }; };
    const auto leaky = [&] {
        std::size_t i = 0;
        while (i < x.size() && static_cast<const volatile unsigned char&>(x[i]) == y[i]) ++i;
        sink = i == x.size();
    };
    const double leak = paired_relative_difference(put(y_first), put(y_last), leaky, 2000, 0x1EA7);
    INFO("median paired difference of the early-exit comparison = " << leak * 100 << " %");
    CHECK(std::abs(leak) > 0.5);
}

// =================================================================================================
// Internals on the hot path, against independent references
// =================================================================================================

TEST_CASE("CRC-32: the table path and the carry-less (PCLMULQDQ) path both equal zlib on every length 0-600",
          "[api_key]")
{
    std::mt19937_64 rng(0x5EED);
    std::string s(600, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    for (std::size_t n = 0; n <= s.size(); ++n) {
        const std::string_view v(s.data(), n);
        const std::uint32_t want = zlib_crc(v);
        if (~apiauth::detail::crc32_raw(~0u, v.data(), v.size()) != want) FAIL_CHECK("table path, length " << n);
        if (apiauth::detail::crc32(v) != want) FAIL_CHECK("dispatched path, length " << n);
#if defined(APIAUTH_CRC32_CLMUL)
        if (apiauth::detail::crc32_clmul_available() && n >= 64) {
            const std::size_t blocks = n & ~std::size_t{15};
            const std::uint32_t c = apiauth::detail::crc32_clmul(~0u, v.data(), blocks);
            if (~apiauth::detail::crc32_raw(c, v.data() + blocks, n - blocks) != want)
                FAIL_CHECK("carry-less path, length " << n);
        }
#endif
    }
#if defined(APIAUTH_CRC32_CLMUL)
    if (!apiauth::detail::crc32_clmul_available()) WARN("this processor has no PCLMULQDQ: carry-less path not run");
#endif
}

TEST_CASE("same_public: short public strings compare exactly at every length", "[api_key]")
{
    using apiauth::detail::same_public;
    const std::string base = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (std::size_t n = 0; n <= base.size(); ++n) {
        const std::string a = base.substr(0, n);
        std::string b = a;
        CHECK(same_public(a, b));
        for (std::size_t i = 0; i < n; ++i) {
            b = a;
            b[i] = '_';
            if (same_public(a, b)) FAIL_CHECK("length " << n << " difference at " << i);
        }
        if (n < base.size()) CHECK_FALSE(same_public(a, base.substr(0, n + 1)));
    }
}

namespace {
// decode_basic_pair on "Basic " + b64, with the SIMD blocks or without.
std::optional<std::string> fast_decode(std::string_view b64, bool simd, std::string_view scheme = "Basic ")
{
    const std::string field = std::string(scheme) + std::string(b64);
    std::array<char, apiauth::detail::basic_pair_buffer_size> out{};
    const std::size_t n = apiauth::detail::decode_basic_pair(field, out, simd);
    if (n == 0) return std::nullopt;
    return std::string(out.data(), n);
}
}  // namespace

TEST_CASE("Basic fast path decoder: equals the strict base64 decoder, with and without the AVX2 blocks, or declines",
          "[api_key][basic]")
{
    std::mt19937_64 rng(0xBA5E64);
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int decoded = 0;
    for (int i = 0; i < 200000; ++i) {
        // Octet strings of 60..110 octets (69..100 is the decoder's range), base64-encoded, then
        // often corrupted: a character outside the alphabet, '=' inside, a dropped or added character.
        std::string raw(60 + rng() % 51, '\0');
        for (char& c : raw) c = static_cast<char>(rng());
        std::string b64 = apiauth::base64::encode(raw);
        switch (rng() % 8) {
        case 0: b64[rng() % b64.size()] = static_cast<char>(rng()); break;
        case 1: b64[rng() % b64.size()] = '='; break;
        case 2: b64.erase(rng() % b64.size(), 1); break;
        case 3: b64.insert(rng() % (b64.size() + 1), 1, alphabet[rng() % 64]); break;
        case 4: b64[rng() % b64.size()] = "-_.~ \t"[rng() % 6]; break;
        default: break;
        }
        const auto strict = apiauth::base64::decode(b64);
        const auto simd = fast_decode(b64, true);
        const auto scalar = fast_decode(b64, false);
        if (simd != scalar) FAIL_CHECK("SIMD and scalar paths differ on " << b64);
        if (simd) {
            ++decoded;
            if (!strict || *strict != *simd) FAIL_CHECK("fast decoder accepted what base64::decode refuses: " << b64);
            if (simd->size() < 69 || simd->size() > 100) FAIL_CHECK("decoded size out of range: " << b64);
        } else if (strict && strict->size() >= 69 && strict->size() <= 100) {
            FAIL_CHECK("fast decoder declined a valid pair-sized encoding: " << b64);
        }
    }
    CHECK(decoded > 50000);
    // Non-canonical pad bits, in each padded form, are declined (RFC 4648 §3.5).
    const std::string raw70(70, 'k'), raw71(71, 'k');
    std::string one = apiauth::base64::encode(raw71);  // ends in one "=": two pad bits
    std::string two = apiauth::base64::encode(raw70);  // ends in "==": four pad bits
    REQUIRE((one.ends_with("=") && !one.ends_with("==")));
    REQUIRE(two.ends_with("=="));
    CHECK(fast_decode(one, true).has_value());
    CHECK(fast_decode(two, true).has_value());
    for (const int bits : {1, 2, 3}) {
        std::string o = one;
        o[o.size() - 2] = alphabet[alphabet.find(o[o.size() - 2]) | static_cast<std::size_t>(bits)];
        CHECK_FALSE(fast_decode(o, true).has_value());
        CHECK_FALSE(fast_decode(o, false).has_value());
    }
    for (const int bits : {1, 2, 4, 8}) {
        std::string t = two;
        t[t.size() - 3] = alphabet[alphabet.find(t[t.size() - 3]) | static_cast<std::size_t>(bits)];
        CHECK_FALSE(fast_decode(t, true).has_value());
    }
    // The scheme: "Basic" in any case and one SP only.
    const std::string ok = apiauth::base64::encode(std::string(75, 'a'));
    CHECK(fast_decode(ok, true, "bAsIc ").has_value());
    CHECK_FALSE(fast_decode(ok, true, "Basic  ").has_value());
    CHECK_FALSE(fast_decode(ok, true, "Basic\t").has_value());
    CHECK_FALSE(fast_decode(ok, true, "Bearer ").has_value());
    CHECK_FALSE(fast_decode(ok, true, "Basicx ").has_value());
#if defined(APIAUTH_BASE64_AVX2)
    if (!apiauth::detail::cpu_has_avx2()) WARN("this processor has no AVX2: SIMD path not run");
#else
    WARN("built without SIMD (APIAUTH_NO_SIMD or not x86-64): SIMD path not run");
#endif
}

TEST_CASE("verify_basic_api_key: the fast path and the general path give the same answer", "[api_key][basic]")
{
    setup s;
    const auto k0 = apiauth::parse_api_key(T0);
    std::vector<std::string> fields;
    for (const std::string_view t : {T0, T1, T3, T4, T5, T6, doc_example}) {
        const auto k = apiauth::detail::api_key_access::view(t);
        fields.push_back(*apiauth::http::encode_basic(k.client_id(), k.client_secret()));
    }
    fields.push_back("basic " + fields[0].substr(6));
    fields.push_back("Basic  " + fields[0].substr(6));
    fields.push_back("Basic " + apiauth::base64::encode(std::string(k0->client_id()) + ":" +
                                                        std::string(k0->client_secret()) + "\n"));
    fields.push_back("Basic " +
                     apiauth::base64::encode(std::string(k0->client_id()) + ";" + std::string(k0->client_secret())));
    fields.push_back("Basic " + apiauth::base64::encode(std::string(T0) + ":x"));
    fields.push_back("Basic " + apiauth::base64::encode("acme_sk:10123456789ABCDEF_" + std::string(T0.substr(26))));
    for (const std::string& f : fields) {
        INFO(f);
        const std::string_view one[] = {f};
        const apiauth::request_view req{.authorization = one};
        apiauth::detail::no_observer obs;
        const auto general = apiauth::detail::verify_basic_general(req, s.store, s.ring, policy(), obs);
        const auto fast = apiauth::verify_basic_api_key(req, s.store, s.ring, policy());
        CHECK(what(fast) == what(general));
        if (fast && general) CHECK(fast->record == general->record);
    }
}

TEST_CASE("framed_key: the CRC folded from the framed buffer equals zlib's for every token length", "[api_key]")
{
    std::mt19937_64 rng(0xF4A3ED);
    for (std::size_t n = apiauth::api_key_min_size; n <= apiauth::api_key_max_size; ++n) {
        for (int i = 0; i < 200; ++i) {
            std::string t(n, '\0');
            for (char& c : t) c = static_cast<char>(rng());
            apiauth::detail::framed_key f;
            f.assign(t);
            CHECK(f.token() == t);
            CHECK(f.mac_input() == "apikey-v1:" + t);
            if (f.checksum_crc() != zlib_crc(std::string_view(t).substr(0, n - 6)))
                FAIL_CHECK("length " << n << " input " << i);
        }
    }
#if defined(APIAUTH_CRC32_CLMUL)
    // Each start register turns its zeros and the domain into the CRC's initial value.
    for (std::size_t k = 0; k < 16; ++k) {
        std::uint32_t c = apiauth::detail::framed_crc_start[k];
        const std::string lead = std::string(k, '\0') + "apikey-v1:";
        c = apiauth::detail::crc32_raw(c, lead.data(), lead.size());
        CHECK(c == 0xFFFFFFFFu);
    }
#endif
}

TEST_CASE("base62 digits and values by arithmetic agree with the alphabet table on all 256 octets", "[api_key]")
{
    using namespace apiauth::detail;
    for (unsigned d = 0; d < 62; ++d) CHECK(base62_digit(d) == base62_alphabet[d]);
    for (int c = 0; c < 256; ++c) {
        const char ch = static_cast<char>(c);
        const unsigned want = base62_values[static_cast<std::size_t>(c)];
        if (base62_value(ch) != want) FAIL_CHECK("base62_value of octet " << c);
        if (all_base62(std::string_view(&ch, 1)) != (want != base62_invalid)) FAIL_CHECK("all_base62 of octet " << c);
    }
    // In the middle of longer strings too (the vectorised loop).
    std::string s(64, 'a');
    CHECK(all_base62(s));
    for (int c = 0; c < 256; ++c) {
        s[37] = static_cast<char>(c);
        if (all_base62(s) != (base62_values[static_cast<std::size_t>(c)] != base62_invalid))
            FAIL_CHECK("all_base62 with octet " << c << " inside");
    }
}
