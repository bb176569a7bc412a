// The conformance suite of the stores::api_key_admin concept (apiauth/stores/api_key_admin.hpp),
// run against every store: the memory store (tests/stores/api_key_admin_test.cpp), PostgreSQL
// (tests/postgres/) and Redis (tests/redis/). One macro defines the test cases for one store:
//
//     APIAUTH_API_KEY_ADMIN_CONFORMANCE("memory", memory_env)
//
// where `Env` is default-constructible (it may start a server) and `env.store()` is a fresh,
// empty store. The cases check each lifecycle operation and each of its refusals, that a record
// comes back from the store exactly as it went in (every field, so that what the database keeps
// is what verification reads), and that verify_api_key answers against the store exactly as it
// answers against the memory store, for the research/api-keys.md §9.3 cases that reach a store.
#ifndef APIAUTH_TESTS_API_KEY_ADMIN_CONFORMANCE_HPP
#define APIAUTH_TESTS_API_KEY_ADMIN_CONFORMANCE_HPP

#include "../api_key/api_key_support.hpp"

#include <apiauth/api_key.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace admin_conformance {

using namespace api_key_support;

using apiauth::stores::any_owner;
using apiauth::stores::api_key_listing;

inline constexpr std::string_view alice = "acct_alice";
inline constexpr std::string_view bob = "acct_bob";

// A record with every field set to something a store could lose: a previous verifier, a
// wrapped one, all four times, UTF-8 and quotes in the name, scopes, grant types and resources.
inline api_key_record full_record(std::string_view token, const pepper_ring& ring)
{
    api_key_record r = record_of(token, ring);
    r.previous = apiauth::api_key_previous_verifier{{}, t_now + 3600s};
    for (std::size_t i = 0; i < r.previous->verifier.mac.size(); ++i)
        r.previous->verifier.mac[i] = static_cast<std::byte>(255 - i);
    r.previous->verifier.pepper_version = 7;
    r.previous->verifier.wrap_version = 9;
    r.verifier.wrap_version = 4'000'000'000u;
    r.not_before = t_now - 100s;
    r.expires_at = t_now + 86400s;
    r.revoked_at = t_now + 172800s;
    r.scopes = {"items:read", "items:write", "https://api.example.com/x?y=1"};
    r.grant_types = {"client_credentials"};
    r.resources = {"https://api.example.com/items?v=2", "urn:example:ledger", "HTTPS://API.example.com:8443/"};
    r.owner = std::string(alice);
    r.name = "ci \"deploy\" key \u00e9\u4e2d \\ ' ; -- {a,b}";
    return r;
}

inline void check_same_record(const api_key_record& a, const api_key_record& b)
{
    CHECK(a.key_id == b.key_id);
    CHECK(a.prefix == b.prefix);
    CHECK(a.format == b.format);
    CHECK(mac_hex(a.verifier.mac) == mac_hex(b.verifier.mac));
    CHECK(a.verifier.pepper_version == b.verifier.pepper_version);
    CHECK(a.verifier.wrap_version == b.verifier.wrap_version);
    REQUIRE(a.previous.has_value() == b.previous.has_value());
    if (a.previous) {
        CHECK(mac_hex(a.previous->verifier.mac) == mac_hex(b.previous->verifier.mac));
        CHECK(a.previous->verifier.pepper_version == b.previous->verifier.pepper_version);
        CHECK(a.previous->verifier.wrap_version == b.previous->verifier.wrap_version);
        CHECK(a.previous->valid_until == b.previous->valid_until);
    }
    CHECK(a.created_at == b.created_at);
    CHECK(a.not_before == b.not_before);
    CHECK(a.expires_at == b.expires_at);
    CHECK(a.revoked_at == b.revoked_at);
    CHECK(a.scopes == b.scopes);
    CHECK(a.grant_types == b.grant_types);
    CHECK(a.resources == b.resources);
    CHECK(a.owner == b.owner);
    CHECK(a.name == b.name);
}

template <class Store> std::shared_ptr<const api_key_record> fetch(const Store& s, std::string_view id)
{
    auto r = s.lookup(id);
    REQUIRE(r.has_value());
    return *r;
}

template <class Store>
std::string verdict(std::string_view token, const Store& s, const pepper_ring& ring,
                    std::chrono::sys_seconds at = t_now)
{
    api_key_options o = policy();
    o.now = at;
    auto v = apiauth::verify_api_key(token, s, ring, o);
    return what(v);
}

inline apiauth::stores::new_api_key spec(std::string_view owner, std::string_view name = "k")
{
    return {.prefix = "acme_sk", .owner = owner, .name = name, .scopes = {"items:read"}, .now = t_now};
}

}  // namespace admin_conformance

#ifndef APIAUTH_ADMIN_ENV
#error "define APIAUTH_ADMIN_ENV (the environment type of the store under test) before including this header"
#endif

using namespace admin_conformance;

TEMPLATE_TEST_CASE("api_key_admin: a record comes back exactly as it went in, every field", "[stores][admin]",
                   APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    const api_key_record full = full_record(T0, ring);
    REQUIRE(s.create(full).has_value());
    check_same_record(*fetch(s, full.key_id), full);

    // The sparse case: no previous verifier, no optional time, empty lists and name.
    api_key_record sparse = record_of(T4, ring);
    REQUIRE(s.create(sparse).has_value());
    check_same_record(*fetch(s, sparse.key_id), sparse);

    // A Stormpath import keeps its format and empty prefix.
    auto sp = apiauth::import_stormpath_api_key(sp_id, sp_secret, ring, t_now - 10s);
    REQUIRE(sp.has_value());
    sp->owner = std::string(bob);
    REQUIRE(s.create(*sp).has_value());
    check_same_record(*fetch(s, sp_id), *sp);

    CHECK(fetch(s, "1ZZZZZZZZZZZZZZZZ") == nullptr);  // a miss is a null record, not an error
    CHECK(fetch(s, "") == nullptr);
}

TEMPLATE_TEST_CASE("api_key_admin: create refuses a taken key id (key_conflict) and what no store may keep",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T0, ring);
    r.owner = std::string(alice);
    REQUIRE(s.create(r).has_value());
    api_key_record again = r;
    again.owner = std::string(bob);
    CHECK(what(s.create(again)) == what(errc::key_conflict));
    CHECK(s.get(r.key_id, any_owner)->owner == alice);  // the first record stays

    const auto refused = [&](auto change) {
        api_key_record x = record_of(T4, ring);
        change(x);
        return what(s.create(x));
    };
    const std::string bad = what(errc::invalid_configuration);
    CHECK(refused([](api_key_record& x) { x.key_id.clear(); }) == bad);
    CHECK(refused([](api_key_record& x) { x.key_id.assign(65, '1'); }) == bad);
    CHECK(refused([](api_key_record& x) { x.owner.assign(257, 'o'); }) == bad);
    CHECK(refused([](api_key_record& x) { x.name.assign(257, 'n'); }) == bad);
    CHECK(refused([](api_key_record& x) { x.scopes = {"a b"}; }) == bad);  // RFC 6749 §3.3: no SP in a scope-token
    CHECK(refused([](api_key_record& x) { x.scopes = {""}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.scopes = {"caf\xc3\xa9"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.scopes.assign(65, "s"); }) == bad);
    CHECK(refused([](api_key_record& x) { x.grant_types = {std::string(129, 'g')}; }) == bad);
    // RFC 8707 §2: a resource is an absolute URI without a fragment; one that no request can name
    // is refused when it is stored, not left to never match.
    CHECK(refused([](api_key_record& x) { x.resources = {"api.example.com"}; }) == bad);  // no scheme
    CHECK(refused([](api_key_record& x) { x.resources = {"/items"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {":x"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {"1https://a"}; }) == bad);  // a scheme starts with a letter
    CHECK(refused([](api_key_record& x) { x.resources = {"ht_tp://a"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {"https://a.example/#top"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {"https://a.example/ b"}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {""}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources = {"https://a/" + std::string(503, 'p')}; }) == bad);
    CHECK(refused([](api_key_record& x) { x.resources.assign(65, "urn:x"); }) == bad);
    CHECK(fetch(s, T4.substr(8, 17)) == nullptr);  // none of them was kept

    // At the bounds: kept.
    api_key_record edge = record_of(T4, ring);
    edge.owner.assign(256, 'o');
    edge.name.assign(256, 'n');
    edge.scopes.assign(64, std::string(128, '~'));
    edge.resources.assign(64, "https://a/" + std::string(502, 'p'));  // 512 octets each
    REQUIRE(s.create(edge).has_value());
    check_same_record(*fetch(s, edge.key_id), edge);
}

TEMPLATE_TEST_CASE("api_key_admin: create_api_key makes a key that verifies, get and list show it without a "
                   "secret",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    auto a1 = apiauth::stores::create_api_key(s, spec(alice, "first"), ring);
    REQUIRE(a1.has_value());
    auto later = spec(alice, "second");
    later.now = t_now + 5s;
    later.lifetime = 3600s;
    later.grant_types = {"client_credentials"};
    later.resources = {"https://api.example.com/items"};
    auto a2 = apiauth::stores::create_api_key(s, later, ring);
    REQUIRE(a2.has_value());
    auto b1 = apiauth::stores::create_api_key(s, spec(bob), ring);
    REQUIRE(b1.has_value());

    CHECK(verdict(a1->token.reveal(), s, ring) == "ok");
    CHECK(verdict(a2->token.reveal(), s, ring, t_now + 10s) == "ok");
    CHECK(verdict(a2->token.reveal(), s, ring, t_now + 3605s) == what(errc::api_key_expired));

    auto got = s.get(a2->record.key_id, alice);
    REQUIRE(got.has_value());
    CHECK(got->key_id == a2->record.key_id);
    CHECK(got->hint == a2->hint);
    CHECK(got->prefix == "acme_sk");
    CHECK(got->owner == alice);
    CHECK(got->name == "second");
    CHECK(got->scopes == std::vector<std::string>{"items:read"});
    CHECK(got->grant_types == std::vector<std::string>{"client_credentials"});
    CHECK(got->resources == std::vector<std::string>{"https://api.example.com/items"});
    CHECK(got->created_at == t_now + 5s);
    CHECK(got->expires_at == t_now + 3605s);
    CHECK_FALSE(got->disabled());
    CHECK(got->pepper_version == 1);
    CHECK_FALSE(got->wrapped);
    // The hint shows 7 characters of the key id and none of the secret.
    CHECK(got->hint.find(a2->token.reveal().substr(26, 20)) == std::string::npos);

    auto mine = s.list(alice);
    REQUIRE(mine.has_value());
    REQUIRE(mine->size() == 2);
    CHECK((*mine)[0].name == "first");  // oldest first
    CHECK((*mine)[1].name == "second");
    auto theirs = s.list(bob);
    REQUIRE(theirs.has_value());
    REQUIRE(theirs->size() == 1);
    CHECK((*theirs)[0].key_id == b1->record.key_id);
    auto nobody = s.list("acct_nobody");
    REQUIRE(nobody.has_value());
    CHECK(nobody->empty());

    CHECK(what(s.get("1ZZZZZZZZZZZZZZZZ", any_owner)) == what(errc::key_unknown));
    CHECK(what(s.get(a1->record.key_id, bob)) == what(errc::key_owner_mismatch));
    CHECK(s.get(a1->record.key_id, any_owner).has_value());

    // A spec no store may keep is refused before anything is stored.
    auto bad = spec(alice);
    bad.scopes = {"two words"};
    CHECK(what(apiauth::stores::create_api_key(s, bad, ring)) == what(errc::invalid_configuration));
    bad = spec(alice);
    bad.resources = {"https://api.example.com/#frag"};
    CHECK(what(apiauth::stores::create_api_key(s, bad, ring)) == what(errc::invalid_configuration));
    bad = spec(alice);
    bad.prefix = "Acme";
    CHECK(what(apiauth::stores::create_api_key(s, bad, ring)) == what(errc::invalid_configuration));
    CHECK(s.list(alice)->size() == 2);
}

TEMPLATE_TEST_CASE("api_key_admin: disable refuses the key from then on, enable restores it, both idempotent",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    auto k = apiauth::stores::create_api_key(s, spec(alice), ring);
    REQUIRE(k.has_value());
    const std::string id = k->record.key_id;
    const std::string_view token = k->token.reveal();

    REQUIRE(s.disable(id, alice, t_now + 60s).has_value());
    CHECK(verdict(token, s, ring, t_now + 59s) == "ok");
    CHECK(verdict(token, s, ring, t_now + 60s) == what(errc::api_key_revoked));
    CHECK(s.get(id, alice)->disabled());
    // Again, later: the earlier instant stays. Again, earlier: it moves earlier.
    REQUIRE(s.disable(id, alice, t_now + 600s).has_value());
    CHECK(s.get(id, alice)->revoked_at == t_now + 60s);
    REQUIRE(s.disable(id, any_owner, t_now).has_value());
    CHECK(s.get(id, alice)->revoked_at == t_now);
    CHECK(verdict(token, s, ring, t_now) == what(errc::api_key_revoked));
    // The wrong secret is still a bad secret: revocation is reported only after a match.
    CHECK(verdict(std::string(token.substr(0, 26)) + std::string(token.substr(27, 1)) +
                      std::string(token.substr(26, 1)) + std::string(token.substr(28)),
                  s, ring) != "ok");

    CHECK(what(s.enable(id, bob)) == what(errc::key_owner_mismatch));
    CHECK(what(s.disable(id, bob, t_now)) == what(errc::key_owner_mismatch));
    REQUIRE(s.enable(id, alice).has_value());
    CHECK_FALSE(s.get(id, alice)->disabled());
    CHECK(verdict(token, s, ring, t_now + 3600s) == "ok");
    REQUIRE(s.enable(id, any_owner).has_value());  // idempotent
    CHECK(verdict(token, s, ring) == "ok");

    CHECK(what(s.disable("1ZZZZZZZZZZZZZZZZ", any_owner, t_now)) == what(errc::key_unknown));
    CHECK(what(s.enable("1ZZZZZZZZZZZZZZZZ", alice)) == what(errc::key_unknown));
}

TEMPLATE_TEST_CASE("api_key_admin: remove deletes once (true, then false) and never another owner's key",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    auto k = apiauth::stores::create_api_key(s, spec(alice), ring);
    REQUIRE(k.has_value());
    const std::string id = k->record.key_id;

    CHECK(what(s.remove(id, bob)) == what(errc::key_owner_mismatch));
    CHECK(verdict(k->token.reveal(), s, ring) == "ok");
    auto r1 = s.remove(id, alice);
    REQUIRE(r1.has_value());
    CHECK(*r1);
    CHECK(verdict(k->token.reveal(), s, ring) == what(errc::api_key_not_found));
    auto r2 = s.remove(id, alice);
    REQUIRE(r2.has_value());
    CHECK_FALSE(*r2);
    CHECK(s.list(alice)->empty());
    // The id can be used again after a delete.
    REQUIRE(s.create(k->record).has_value());
    CHECK(*s.remove(id, any_owner));
}

TEMPLATE_TEST_CASE("api_key_admin: rotation puts a new key beside the old one, which expires after the grace "
                   "period",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring ring = ring_v1();
    auto base = spec(alice, "deploy");
    base.lifetime = 86400s;
    base.grant_types = {"client_credentials"};
    base.resources = {"https://api.example.com/items", "urn:example:ledger"};
    auto old = apiauth::stores::create_api_key(s, base, ring);
    REQUIRE(old.has_value());
    const std::string old_id = old->record.key_id;

    auto fresh = apiauth::stores::rotate_stored_api_key(s, old_id, alice, ring, 600s, t_now + 100s);
    REQUIRE(fresh.has_value());
    CHECK(fresh->record.key_id != old_id);
    CHECK(fresh->record.owner == alice);
    CHECK(fresh->record.name == "deploy");
    CHECK(fresh->record.scopes == std::vector<std::string>{"items:read"});
    CHECK(fresh->record.grant_types == std::vector<std::string>{"client_credentials"});
    CHECK(fresh->record.resources == std::vector<std::string>{"https://api.example.com/items", "urn:example:ledger"});
    CHECK(fetch(s, fresh->record.key_id)->resources == fresh->record.resources);  // as stored
    CHECK(fresh->record.created_at == t_now + 100s);
    CHECK(fresh->record.expires_at == t_now + 86400s);  // the old key's remaining lifetime

    // Both verify during the grace period; then only the new one.
    CHECK(verdict(old->token.reveal(), s, ring, t_now + 699s) == "ok");
    CHECK(verdict(fresh->token.reveal(), s, ring, t_now + 699s) == "ok");
    CHECK(verdict(old->token.reveal(), s, ring, t_now + 700s) == what(errc::api_key_expired));
    CHECK(verdict(fresh->token.reveal(), s, ring, t_now + 700s) == "ok");
    CHECK(s.get(old_id, alice)->expires_at == t_now + 700s);
    CHECK(s.list(alice)->size() == 2);

    // A grace period past the old key's own expiry does not extend it.
    auto short_lived = spec(alice, "short");
    short_lived.lifetime = 60s;
    auto sl = apiauth::stores::create_api_key(s, short_lived, ring);
    REQUIRE(sl.has_value());
    REQUIRE(apiauth::stores::rotate_stored_api_key(s, sl->record.key_id, any_owner, ring, 3600s, t_now).has_value());
    CHECK(s.get(sl->record.key_id, alice)->expires_at == t_now + 60s);

    // Refusals.
    CHECK(what(apiauth::stores::rotate_stored_api_key(s, old_id, bob, ring, 60s, t_now)) ==
          what(errc::key_owner_mismatch));
    CHECK(what(apiauth::stores::rotate_stored_api_key(s, "1ZZZZZZZZZZZZZZZZ", any_owner, ring, 60s, t_now)) ==
          what(errc::key_unknown));
    CHECK(what(apiauth::stores::rotate_stored_api_key(s, old_id, alice, ring, -1s, t_now)) ==
          what(errc::invalid_configuration));
    REQUIRE(s.disable(fresh->record.key_id, alice, t_now).has_value());
    CHECK(what(apiauth::stores::rotate_stored_api_key(s, fresh->record.key_id, alice, ring, 60s, t_now)) ==
          what(errc::api_key_revoked));
    CHECK(s.list(alice)->size() == 4);  // old, fresh, sl and its successor: no refused rotation stored anything

    // The store's own step: a replacement whose id is taken, or of another owner.
    auto other = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
    REQUIRE(other.has_value());
    other->record.owner = std::string(alice);
    api_key_record taken = other->record;
    taken.key_id = fresh->record.key_id;
    CHECK(what(s.rotate(sl->record.key_id, alice, taken, t_now)) == what(errc::key_conflict));
    other->record.owner = std::string(bob);
    CHECK(what(s.rotate(sl->record.key_id, any_owner, other->record, t_now)) == what(errc::invalid_configuration));
    CHECK(fetch(s, other->record.key_id) == nullptr);
}

TEMPLATE_TEST_CASE("api_key_admin: a rehash is stored by compare-and-set, and rewrap covers every old record in "
                   "batches",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    TestType env;
    auto& s = env.store();
    const pepper_ring v1 = ring_v1();
    const pepper_ring v2 = ring_v12(2);

    // Rehash on use (api-keys.md §9.3 V-04): under v1, verified with v2 current.
    REQUIRE(s.create(record_of(T0, v1)).has_value());
    auto v = apiauth::verify_api_key(T0, s, v2, policy());
    REQUIRE(v.has_value());
    REQUIRE(v->needs_rehash());
    auto stored = apiauth::stores::store_rehash(s, *v);
    REQUIRE(stored.has_value());
    CHECK(*stored);
    CHECK(mac_hex(fetch(s, v->record()->key_id)->verifier.mac) == T0_v2_hex);
    auto again = apiauth::verify_api_key(T0, s, v2, policy());
    REQUIRE(again.has_value());
    CHECK_FALSE(again->needs_rehash());
    // The stale rehash (expected = the v1 verifier) no longer applies.
    auto stale = s.replace_verifier(v->record()->key_id, v->record()->verifier, *v->rehash());
    REQUIRE(stale.has_value());
    CHECK_FALSE(*stale);
    auto gone = s.replace_verifier("1ZZZZZZZZZZZZZZZZ", v->record()->verifier, *v->rehash());
    REQUIRE(gone.has_value());
    CHECK_FALSE(*gone);

    // Rewrap (api-keys.md §3.3): 5 records under v1, one under v2 already.
    std::vector<std::string> tokens;
    for (int i = 0; i < 5; ++i) {
        auto g = apiauth::stores::create_api_key(s, spec(alice), v1);
        REQUIRE(g.has_value());
        tokens.emplace_back(g->token.reveal());
    }
    auto current = apiauth::stores::create_api_key(s, spec(alice), v2);
    REQUIRE(current.has_value());
    CHECK(what(apiauth::stores::rewrap_api_keys(s, v2, 0)) == what(errc::invalid_configuration));
    auto n = apiauth::stores::rewrap_api_keys(s, v2, 2);
    REQUIRE(n.has_value());
    CHECK(*n == 5);
    for (const auto& l : *s.list(alice)) {
        CHECK(l.pepper_version == (l.key_id == current->record.key_id ? 2u : 1u));
        CHECK(l.wrapped == (l.key_id != current->record.key_id));
    }
    for (const std::string& t : tokens) CHECK(verdict(t, s, v2) == "ok");
    CHECK(verdict(current->token.reveal(), s, v2) == "ok");
    auto none = s.rewrap(v2, 10);
    REQUIRE(none.has_value());
    CHECK(*none == 0);
}

TEMPLATE_TEST_CASE("api_key_admin: verify_api_key answers against the store as against the memory store "
                   "(api-keys.md §9.3)",
                   "[stores][admin]", APIAUTH_ADMIN_ENV)
{
    struct scenario {
        const char* name;
        api_key_record record;
        std::string_view token;
    };
    const pepper_ring v1 = ring_v1();
    const pepper_ring v2 = ring_v12(2);
    std::vector<scenario> cases;
    cases.push_back({"V-01 T0", record_of(T0, v1), T0});
    cases.push_back({"V-04 old pepper", record_of(T0, v1), T0});
    {
        api_key_record w = record_of(T0, v1);
        REQUIRE(apiauth::wrap_api_key_record(w, v2).has_value());
        cases.push_back({"V-05 wrapped", w, T0});
    }
    {
        api_key_record r = record_of(T3, v1);  // the current secret is T3's, T0's the previous one
        r.previous = apiauth::api_key_previous_verifier{record_of(T0, v1).verifier, t_now + 60s};
        cases.push_back({"V-06 previous", r, T0});
        api_key_record past = r;
        past.previous->valid_until = t_now;
        cases.push_back({"I-27 previous past", past, T0});
    }
    cases.push_back({"I-20 not found", record_of(T0, v1), T4});
    cases.push_back({"I-21 bad secret", record_of(T0, v1), T3});
    {
        api_key_record r = record_of(T0, v1);
        r.revoked_at = t_now;
        cases.push_back({"I-22 revoked", r, T0});
        cases.push_back({"I-22 revoked, wrong secret", r, T3});
        r = record_of(T0, v1);
        r.expires_at = t_now;
        cases.push_back({"I-23 expired", r, T0});
        r = record_of(T0, v1);
        r.not_before = t_now + 1s;
        cases.push_back({"I-23 not yet valid", r, T0});
        r = record_of(T0, v1);
        r.verifier.pepper_version = 9;
        cases.push_back({"I-24 unknown pepper", r, T0});
        r = record_of(T0, v1);
        r.prefix = "acme_test_sk";
        cases.push_back({"I-25 prefix mismatch", r, T0});
    }
    for (const scenario& c : cases) {
        INFO(c.name);
        TestType env;
        auto& s = env.store();
        memory_api_key_store reference;
        REQUIRE(reference.insert(c.record));
        REQUIRE(s.create(c.record).has_value());
        for (const pepper_ring* ring : {&v1, &v2}) {
            const auto want = apiauth::verify_api_key(c.token, reference, *ring, policy());
            const auto got = apiauth::verify_api_key(c.token, s, *ring, policy());
            CHECK(what(got) == what(want));
            if (want && got) {
                CHECK(got->matched_previous() == want->matched_previous());
                CHECK(got->needs_rehash() == want->needs_rehash());
                check_same_record(*got->record(), *want->record());
            }
        }
    }
    // The Stormpath pair path (api-keys.md §4) against the store.
    TestType env;
    auto& s = env.store();
    auto sp = apiauth::import_stormpath_api_key(sp_id, sp_secret, v1, t_now - 10s);
    REQUIRE(sp.has_value());
    REQUIRE(s.create(*sp).has_value());
    api_key_options o = policy();
    o.accept_stormpath = true;
    CHECK(what(apiauth::verify_api_key_pair(sp_id, sp_secret, s, v1, o)) == "ok");
    CHECK(what(apiauth::verify_api_key_pair(sp_id, sp_secret2, s, v1, o)) == what(errc::api_key_bad_secret));
    CHECK(what(apiauth::verify_api_key_pair(sp_id2, sp_secret2, s, v1, o)) == what(errc::api_key_not_found));
}

#endif  // APIAUTH_TESTS_API_KEY_ADMIN_CONFORMANCE_HPP
