// Tests for apiauth/api_key/verify.hpp: the parser and verifier cases of research/api-keys.md §9.3, the
// order of the steps, the pair / HTTP Basic path (fast and general), the timing smoke test.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here (api_key_support.hpp).

#include "api_key_support.hpp"
#include <functional>
#include <limits>
#include <type_traits>

namespace api_key_verify_test {

using namespace api_key_support;

// =================================================================================================
// §9.3 parser and verifier cases: valid
// =================================================================================================

TEST_CASE("api-keys.md §9.3 V-01: T0 verifies, key id 10123456789ABCDEF", "[api_key]")
{
    setup s;
    const outcome o = run(T0, s.store, s.ring, policy());
    REQUIRE(o.r.has_value());
    CHECK(o.r->record()->key_id == "10123456789ABCDEF");
    CHECK(o.r->record()->prefix == "acme_sk");
    CHECK_FALSE(o.r->matched_previous());
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
    CHECK(o.r->record()->key_id == "10123456789ABCDEF");
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
    CHECK(o.r->record()->prefix == "acme_test_sk");
    CHECK(o.r->record()->key_id == "10123456789ABCDEF");
}

TEST_CASE("api-keys.md §9.3 V-04: T0 under pepper v1 with v2 current verifies and is rehashed to v2", "[api_key]")
{
    const pepper_ring ring = ring_v12(2);
    memory_api_key_store store;
    REQUIRE(store.insert(record_of(T0, ring_v1())));

    const outcome o = run(T0, store, ring, policy());
    REQUIRE(o.r.has_value());
    REQUIRE(o.r->needs_rehash());
    CHECK(o.r->rehash()->pepper_version == 2);
    CHECK(mac_hex(o.r->rehash()->mac) == T0_v2_hex);
    CHECK(o.macs == 2);  // the verification, then the rehash

    // The row is rehashed (compare-and-set), and then verifies under v2 with nothing more to do.
    REQUIRE(store.rehash(o.r->record()->key_id, o.r->record()->verifier, *o.r->rehash()));
    const outcome again = run(T0, store, ring, policy());
    REQUIRE(again.r.has_value());
    CHECK(again.r->record()->verifier.pepper_version == 2);
    CHECK_FALSE(again.r->needs_rehash());
    CHECK(again.macs == 1);
    // A stale rehash no longer applies.
    CHECK_FALSE(store.rehash(o.r->record()->key_id, o.r->record()->verifier, *o.r->rehash()));
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
    CHECK(mac_hex(o.r->rehash()->mac) == T0_v2_hex);
    CHECK_FALSE(o.r->rehash()->wrap_version.has_value());
    // Without pepper v1 in the ring the inner layer cannot be computed: fail closed.
    auto only_v2 = pepper_ring::make({{2, pepper_v2}}, 2);
    REQUIRE(only_v2.has_value());
    CHECK(what(run(T0, s.store, *only_v2, policy()).r) == what(errc::api_key_unknown_pepper));
}

TEST_CASE("api-keys.md §9.3 V-06: a new secret under T0's id, T0 still verifies through the previous verifier",
          "[api_key]")
{
    // T1 is T0's key id with another secret: the new key after a rotation.
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T1, ring);
    r.previous = apiauth::api_key_previous_verifier{record_of(T0, ring).verifier, t_now + 1h};
    setup s(std::move(r));

    const outcome old_key = run(T0, s.store, ring, policy());
    REQUIRE(old_key.r.has_value());
    CHECK(old_key.r->matched_previous());
    CHECK_FALSE(old_key.r->needs_rehash());
    const outcome new_key = run(T1, s.store, ring, policy());
    REQUIRE(new_key.r.has_value());
    CHECK_FALSE(new_key.r->matched_previous());
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
    CHECK(o.r->record()->prefix == prefix);
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

TEST_CASE("api-keys.md §9.3 I-06: one secret character changed (…ijXlm…) is a bad checksum, so is every "
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

TEST_CASE("api-keys.md §9.3 I-23: expires_at ≤ now − leeway ⇒ expired, not_before > now + leeway ⇒ not yet valid",
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

TEST_CASE("api-keys.md §8.5 step 9: api_key_status answers as verification does for the record's status, "
          "without a secret",
          "[api_key]")
{
    const pepper_ring ring = ring_v1();
    using std::chrono::sys_seconds;
    const auto name = [](std::error_code e) { return e ? std::string(apiauth::error_name(e)) : std::string("ok"); };
    const std::vector<std::pair<std::function<void(api_key_record&)>, std::error_code>> cases = {
        {[](api_key_record&) {}, {}},
        {[](api_key_record& r) { r.revoked_at = t_now; }, errc::api_key_revoked},
        {[](api_key_record& r) { r.revoked_at = t_now + 1s; }, {}},
        {[](api_key_record& r) { r.expires_at = t_now; }, errc::api_key_expired},
        {[](api_key_record& r) { r.expires_at = t_now + 1s; }, {}},
        {[](api_key_record& r) { r.not_before = t_now + 1s; }, errc::api_key_not_yet_valid},
        {[](api_key_record& r) { r.not_before = t_now; }, {}},
        {[](api_key_record& r) { r.expires_at = sys_seconds{253402300799s}; }, {}},  // a store's 'never'
        // Revoked wins over expired, as in verification.
        {[](api_key_record& r) {
             r.revoked_at = t_now - 10s;
             r.expires_at = t_now - 10s;
         },
         errc::api_key_revoked},
    };
    for (const auto& [edit, want] : cases) {
        api_key_record r = record_of(T0, ring);
        edit(r);
        CHECK(name(apiauth::api_key_status(r, policy())) == name(want));
        // The same answer verification gives once the secret matched.
        setup s(r);
        const auto v = run(T0, s.store, ring, policy()).r;
        CHECK(name(v.has_value() ? std::error_code() : v.error()) == name(want));
    }
    // The leeway counts as in verification: one second lets an expiry at now through.
    api_key_record r = record_of(T0, ring);
    r.expires_at = t_now;
    CHECK(name(apiauth::api_key_status(r, policy())) == name(errc::api_key_expired));
    CHECK_FALSE(apiauth::api_key_status(r, policy(1s)));
    // A leeway out of bounds is the caller's mistake.
    CHECK(name(apiauth::api_key_status(r, policy(-1s))) == name(errc::invalid_configuration));
    CHECK(name(apiauth::api_key_status(r, policy(apiauth::max_api_key_leeway + 1s))) ==
          name(errc::invalid_configuration));
    // Whole seconds, rounded down: half a second before a not_before is still before it.
    api_key_record early = record_of(T0, ring);
    early.not_before = t_now + 1s;
    apiauth::api_key_options half = policy();
    half.now = std::chrono::system_clock::time_point(t_now) + std::chrono::milliseconds(500);
    CHECK(name(apiauth::api_key_status(early, half)) == name(errc::api_key_not_yet_valid));
    // Without an injected time, the clock: a key that expired in 2000 is expired today.
    r.expires_at = sys_seconds{946684800s};
    CHECK(name(apiauth::api_key_status(r)) == name(errc::api_key_expired));
}

TEST_CASE("api-keys.md §9.3 I-22/I-23: record times far from now (a store's 'never', any bigint) compare in seconds, "
          "without overflow",
          "[api_key]")
{
    // Converted to the clock's nanoseconds these overflow (beyond ±292 years), and wrapped they
    // once made a 'never' key expired and a long-revoked key valid.
    using std::chrono::sys_seconds;
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    const sys_seconds year_9999{253402300799s};  // 9999-12-31T23:59:59Z
    const pepper_ring ring = ring_v1();
    const auto verify = [&](auto edit, std::chrono::seconds leeway = 0s) {
        api_key_record r = record_of(T0, ring);
        edit(r);
        setup s(std::move(r));
        return run(T0, s.store, ring, policy(leeway)).r;
    };
    for (const sys_seconds far :
         {year_9999, sys_seconds{std::chrono::seconds{max}}, sys_seconds{10'000'000'000'000s}}) {
        CHECK(verify([&](api_key_record& r) { r.expires_at = far; }, apiauth::max_api_key_leeway).has_value());
        CHECK(what(verify([&](api_key_record& r) { r.not_before = far; }, apiauth::max_api_key_leeway)) ==
              what(errc::api_key_not_yet_valid));
        CHECK(verify([&](api_key_record& r) { r.revoked_at = far; }).has_value());
    }
    for (const sys_seconds past : {sys_seconds{std::chrono::seconds{min}}, sys_seconds{-16'446'744'073s}}) {
        CHECK(what(verify([&](api_key_record& r) { r.revoked_at = past; })) == what(errc::api_key_revoked));
        CHECK(what(verify([&](api_key_record& r) { r.expires_at = past; }, apiauth::max_api_key_leeway)) ==
              what(errc::api_key_expired));
        CHECK(verify([&](api_key_record& r) { r.not_before = past; }).has_value());
    }
    // A previous verifier's deadline: far ahead it still verifies the old secret, far behind it
    // does not.
    const auto with_previous = [&](sys_seconds until) {
        api_key_record r = record_of(T1, ring);
        r.previous = apiauth::api_key_previous_verifier{record_of(T0, ring).verifier, until};
        setup s(std::move(r));
        return run(T0, s.store, ring, policy()).r;
    };
    CHECK(with_previous(sys_seconds{std::chrono::seconds{max}}).has_value());
    CHECK(with_previous(year_9999).has_value());
    CHECK(what(with_previous(sys_seconds{std::chrono::seconds{min}})) == what(errc::api_key_bad_secret));
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

TEST_CASE("api-keys.md §8.5: a policy with no allow-list, a negative leeway or one above a day is refused at "
          "verification",
          "[api_key]")
{
    setup s;
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring, {.now = t_now})) == what(errc::invalid_configuration));
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring, {.prefixes = allowed, .leeway = -1s})) ==
          what(errc::invalid_configuration));
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring,
                                       {.prefixes = allowed, .leeway = apiauth::max_api_key_leeway + 1s})) ==
          what(errc::invalid_configuration));
    CHECK(what(apiauth::verify_api_key(T0, s.store, s.ring,
                                       {.prefixes = allowed, .leeway = std::chrono::seconds::max()})) ==
          what(errc::invalid_configuration));
    CHECK(apiauth::verify_api_key(T0, s.store, s.ring,
                                  {.prefixes = allowed, .leeway = apiauth::max_api_key_leeway, .now = t_now})
              .has_value());
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

// =================================================================================================
// The pair form: HTTP Basic and OAuth client_id / client_secret
// =================================================================================================

TEST_CASE("verify_basic_api_key: T0 sent as Basic client_id:client_secret verifies, the token is rebuilt exactly",
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
    CHECK(r->record()->key_id == "10123456789ABCDEF");
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
    const std::string no_colon = "Basic " + apiauth::encoding::base64::encode(T0);
    const std::string_view nc[] = {no_colon};
    CHECK(what(apiauth::verify_basic_api_key({.authorization = nc}, cs, s.ring, policy())) ==
          what(errc::basic_missing_colon));
    CHECK(cs.lookups == 0);
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
#if defined(APIAUTH_TEST_SANITIZED)
    WARN("timing checks skipped: built with a sanitizer, whose instrumentation makes timings meaningless");
    return;
#endif
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
        std::string b64 = apiauth::encoding::base64::encode(raw);
        switch (rng() % 8) {
        case 0: b64[rng() % b64.size()] = static_cast<char>(rng()); break;
        case 1: b64[rng() % b64.size()] = '='; break;
        case 2: b64.erase(rng() % b64.size(), 1); break;
        case 3: b64.insert(rng() % (b64.size() + 1), 1, alphabet[rng() % 64]); break;
        case 4: b64[rng() % b64.size()] = "-_.~ \t"[rng() % 6]; break;
        default: break;
        }
        const auto strict = apiauth::encoding::base64::decode(b64);
        const auto simd = fast_decode(b64, true);
        const auto scalar = fast_decode(b64, false);
        if (simd != scalar) FAIL_CHECK("SIMD and scalar paths differ on " << b64);
        if (simd) {
            ++decoded;
            if (!strict || *strict != *simd)
                FAIL_CHECK("fast decoder accepted what encoding::base64::decode refuses: " << b64);
            if (simd->size() < 69 || simd->size() > 100) FAIL_CHECK("decoded size out of range: " << b64);
        } else if (strict && strict->size() >= 69 && strict->size() <= 100) {
            FAIL_CHECK("fast decoder declined a valid pair-sized encoding: " << b64);
        }
    }
    CHECK(decoded > 50000);
    // Non-canonical pad bits, in each padded form, are declined (RFC 4648 §3.5).
    const std::string raw70(70, 'k'), raw71(71, 'k');
    std::string one = apiauth::encoding::base64::encode(raw71);  // ends in one "=": two pad bits
    std::string two = apiauth::encoding::base64::encode(raw70);  // ends in "==": four pad bits
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
    const std::string ok = apiauth::encoding::base64::encode(std::string(75, 'a'));
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
    fields.push_back("Basic " + apiauth::encoding::base64::encode(std::string(k0->client_id()) + ":" +
                                                                  std::string(k0->client_secret()) + "\n"));
    fields.push_back("Basic " + apiauth::encoding::base64::encode(std::string(k0->client_id()) + ";" +
                                                                  std::string(k0->client_secret())));
    fields.push_back("Basic " + apiauth::encoding::base64::encode(std::string(T0) + ":x"));
    fields.push_back("Basic " +
                     apiauth::encoding::base64::encode("acme_sk:10123456789ABCDEF_" + std::string(T0.substr(26))));
    for (const std::string& f : fields) {
        INFO(f);
        const std::string_view one[] = {f};
        const apiauth::http::request_view req{.authorization = one};
        apiauth::detail::no_observer obs;
        const auto general = apiauth::detail::verify_basic_general(req, s.store, s.ring, policy(), obs);
        const auto fast = apiauth::verify_basic_api_key(req, s.store, s.ring, policy());
        CHECK(what(fast) == what(general));
        if (fast && general) CHECK(fast->record() == general->record());
    }
}

TEST_CASE("DESIGN.md: a verified_api_key is made only by verification (no public constructor)", "[api_key]")
{
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<verified_api_key>);
    STATIC_REQUIRE_FALSE(std::is_aggregate_v<verified_api_key>);
    STATIC_REQUIRE(std::is_copy_constructible_v<verified_api_key>);  // a result may be kept and passed on
}

}  // namespace api_key_verify_test
