// Tests for apiauth/api_key/stormpath.hpp: the re-wrap vector of research/api-keys.md §9.2 and the
// Stormpath import.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here (api_key_support.hpp).

#include "api_key_support.hpp"

namespace api_key_stormpath_test {

using namespace api_key_support;

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

// =================================================================================================
// Stormpath migration
// =================================================================================================

namespace {
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
    CHECK(ok->record()->key_id == sp_id);
    CHECK(ok->record()->format == api_key_format::stormpath);
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
    CHECK(mac_hex(o.r->rehash()->mac) ==
          openssl_hmac_hex(pepper_v2, "apikey-legacy:" + std::string(sp_id2) + ":" + std::string(sp_secret2)));

    // A v1-format record stored under a Stormpath-shaped id never accepts a legacy pair, even
    // holding the legacy MAC (a broken or tampered store).
    memory_api_key_store mixed;
    auto v1 = apiauth::import_stormpath_api_key(sp_id2, sp_secret2, ring_v1(), t_now);
    v1->format = api_key_format::v1;
    REQUIRE(mixed.insert(std::move(*v1)));
    CHECK(what(run_pair(sp_id2, sp_secret2, mixed, ring_v1(), legacy_policy()).r) == what(errc::api_key_bad_secret));
}

}  // namespace api_key_stormpath_test
