// Tests for apiauth/stores/redis.hpp's redis_api_key_store against real redis-server processes
// (tests/redis/redis_server.hpp: each test starts its own server and stops it when it ends).
//
// First the stores::api_key_admin conformance suite (tests/stores/api_key_admin_conformance.hpp),
// the cases the memory and PostgreSQL stores pass too; then what only a store in Redis can get
// wrong: the key layout and its indexes, content in Redis that this store did not write (it is
// refused, never trusted), the round trips of each operation, a silent or vanished server (DESIGN.md:
// a store that cannot answer fails closed), and races between threads of one process.
#include <apiauth/api_key.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/redis.hpp>

#include "redis_server.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

// The conformance suite's environment: a server of its own and a store on it.
struct redis_env {
    redis_test::redis_server server;
    apiauth::stores::redis_api_key_store s{redis_test::make_pool(server.options())};
    apiauth::stores::redis_api_key_store& store() { return s; }
};

}  // namespace

#define APIAUTH_ADMIN_ENV redis_env
#include "../stores/api_key_admin_conformance.hpp"

using apiauth::stores::redis_api_key_store;
using apiauth::stores::redis_options;
using redis_test::make_pool;
using redis_test::raw_client;
using redis_test::redis_server;
using redis_test::unavailable_within;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

static_assert(apiauth::api_key_store<redis_api_key_store>);
static_assert(apiauth::stores::api_key_admin<redis_api_key_store>);

namespace {

std::string field(raw_client& raw, std::string_view key, std::string_view name)
{
    const auto r = raw({"HGET", key, name});
    if (r->type != REDIS_REPLY_STRING) return "(none)";
    return std::string(r->str, r->len);
}

std::string text_of(const redisReply& r)
{
    return std::string(r.str ? r.str : "", r.str ? r.len : 0);
}

// The call succeeded with a value; what() of it otherwise (for the failure message).
template <class T> bool ok(const result<T>& r)
{
    INFO(what(r));
    return r.has_value();
}

// Calls of `name` the server counted since the last CONFIG RESETSTAT (INFO commandstats).
long long calls(raw_client& raw, std::string_view name)
{
    const std::string info = text_of(*raw({"INFO", "commandstats"}));
    const std::string tag = "cmdstat_" + std::string(name) + ":calls=";
    const std::size_t at = info.find(tag);
    if (at == std::string::npos) return 0;
    return std::stoll(info.substr(at + tag.size()));
}

// A v1 record of alice's under ring_v1, with the token's key id.
api_key_record alice_record(std::string_view token = T0)
{
    api_key_record r = record_of(token, ring_v1());
    r.owner = std::string(alice);
    r.name = "k";
    return r;
}

// A freshly generated v1 record of alice's under `ring` (a key id of its own).
api_key_record generated_record(const pepper_ring& ring = ring_v1())
{
    auto g = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
    REQUIRE(g.has_value());
    g->record.owner = std::string(alice);
    return std::move(g->record);
}

}  // namespace

TEST_CASE("redis_api_key_store layout: one hash per key at <prefix>apikey:<id> with the documented fields, an "
          "owner set and a pepper index the scripts keep in step",
          "[redis][apikey]")
{
    redis_server server;
    redis_options o = server.options();
    o.key_prefix = "fleet1:";
    redis_api_key_store s{make_pool(o)};
    raw_client raw{server.options()};
    const pepper_ring ring = ring_v1();

    const api_key_record full = full_record(T0, ring);
    REQUIRE(ok(s.create(full)));
    const std::string k = "fleet1:apikey:" + full.key_id;
    CHECK(text_of(*raw({"TYPE", k})) == "hash");
    CHECK(field(raw, k, "prefix") == "acme_sk");
    CHECK(field(raw, k, "format") == "0");
    CHECK(field(raw, k, "mac") == mac_hex(full.verifier.mac));
    CHECK(field(raw, k, "pv") == "1");
    CHECK(field(raw, k, "wv") == "4000000000");
    CHECK(field(raw, k, "prev_mac") == mac_hex(full.previous->verifier.mac));
    CHECK(field(raw, k, "prev_pv") == "7");
    CHECK(field(raw, k, "prev_wv") == "9");
    CHECK(field(raw, k, "prev_until") == std::to_string(t_now.time_since_epoch().count() + 3600));
    CHECK(field(raw, k, "created") == std::to_string(t_now.time_since_epoch().count() - 86400));
    CHECK(field(raw, k, "nbf") == std::to_string(t_now.time_since_epoch().count() - 100));
    CHECK(field(raw, k, "exp") == std::to_string(t_now.time_since_epoch().count() + 86400));
    CHECK(field(raw, k, "rev") == std::to_string(t_now.time_since_epoch().count() + 172800));
    CHECK(field(raw, k, "scopes") == "items:read items:write https://api.example.com/x?y=1");
    CHECK(field(raw, k, "grant_types") == "client_credentials");
    CHECK(field(raw, k, "owner") == alice);
    CHECK(field(raw, k, "name") == full.name);
    CHECK(field(raw, k, "resources") ==
          "https://api.example.com/items?v=2 urn:example:ledger HTTPS://API.example.com:8443/");
    CHECK(raw.integer({"HLEN", k}) == 18);
    CHECK(raw.integer({"SISMEMBER", "fleet1:apikey-owner:acct_alice", full.key_id}) == 1);
    CHECK(text_of(*raw({"ZSCORE", "fleet1:apikey-pepper", full.key_id})) == "-1");  // wrapped: no rewrap

    // The sparse record: no optional field at all, empty lists and name kept as empty strings.
    const api_key_record sparse = record_of(T4, ring);
    REQUIRE(ok(s.create(sparse)));
    const std::string ks = "fleet1:apikey:" + sparse.key_id;
    CHECK(raw.integer({"HLEN", ks}) == 9);
    // No resources field when the list is empty: an earlier version reads the record as before.
    for (const char* absent : {"wv", "prev_mac", "prev_pv", "prev_wv", "prev_until", "nbf", "exp", "rev", "resources"})
        CHECK(raw.integer({"HEXISTS", ks, absent}) == 0);
    CHECK(field(raw, ks, "scopes").empty());
    CHECK(text_of(*raw({"ZSCORE", "fleet1:apikey-pepper", sparse.key_id})) == "1");  // its pepper version
    CHECK(raw.integer({"SISMEMBER", "fleet1:apikey-owner:", sparse.key_id}) == 1);

    // Binary-safe name (NUL, CR LF), the longest owner, and times at both ends of 64 bits.
    api_key_record odd = generated_record();
    odd.name = std::string("a\0b\r\n\"\xff", 7);
    odd.created_at = std::chrono::sys_seconds(std::chrono::seconds(std::numeric_limits<std::int64_t>::min()));
    odd.expires_at = std::chrono::sys_seconds(std::chrono::seconds(std::numeric_limits<std::int64_t>::max()));
    REQUIRE(ok(s.create(odd)));
    check_same_record(*fetch(s, odd.key_id), odd);
    CHECK(field(raw, "fleet1:apikey:" + odd.key_id, "created") == "-9223372036854775808");

    // Another prefix sees none of it; disable, rotate and remove keep the indexes in step.
    redis_api_key_store other{make_pool(server.options())};
    CHECK(fetch(other, full.key_id) == nullptr);
    CHECK(other.list(alice)->empty());
    REQUIRE(ok(s.disable(odd.key_id, alice, t_now)));
    CHECK(field(raw, "fleet1:apikey:" + odd.key_id, "rev") == std::to_string(t_now.time_since_epoch().count()));
    REQUIRE(ok(s.enable(odd.key_id, alice)));
    CHECK(raw.integer({"HEXISTS", "fleet1:apikey:" + odd.key_id, "rev"}) == 0);
    api_key_record next = alice_record(T0);
    next.key_id = "1NEXTNEXTNEXTNEXT";
    REQUIRE(ok(s.rotate(odd.key_id, alice, next, t_now + 60s)));
    CHECK(field(raw, "fleet1:apikey:" + odd.key_id, "exp") == std::to_string(t_now.time_since_epoch().count() + 60));
    CHECK(raw.integer({"SISMEMBER", "fleet1:apikey-owner:acct_alice", next.key_id}) == 1);
    CHECK(text_of(*raw({"ZSCORE", "fleet1:apikey-pepper", next.key_id})) == "1");
    CHECK(raw.integer({"SCARD", "fleet1:apikey-owner:acct_alice"}) == 3);
    for (const std::string& id : {full.key_id, sparse.key_id, odd.key_id, next.key_id})
        REQUIRE(*s.remove(id, any_owner));
    CHECK(raw.integer({"DBSIZE"}) == 0);  // records, owner sets and the index: all gone
}

TEST_CASE("fail closed: a stored record this store did not write (a field missing or unknown, bad hex, a number "
          "out of range or not canonical, a key of another type) is store_unavailable, never a record or a miss",
          "[redis][apikey][garbled]")
{
    redis_server server;
    redis_api_key_store s{make_pool(server.options())};
    raw_client raw{server.options()};
    const pepper_ring ring = ring_v1();
    const api_key_record full = full_record(T0, ring);
    const std::string k = "apiauth:apikey:" + full.key_id;
    const std::string unavailable = what(errc::store_unavailable);

    // Each change made to a freshly stored full record, then lookup and get must refuse it.
    const auto refused = [&](std::string_view label, const std::vector<std::vector<std::string>>& commands) {
        INFO(label);
        raw({"DEL", k});
        raw({"DEL", "apiauth:apikey-owner:acct_alice"});
        raw({"DEL", "apiauth:apikey-pepper"});
        REQUIRE(ok(s.create(full)));
        REQUIRE(fetch(s, full.key_id) != nullptr);
        for (const auto& c : commands) {
            std::vector<std::string_view> args(c.begin(), c.end());
            const auto r = raw.argv(args);
            REQUIRE(r->type != REDIS_REPLY_ERROR);
        }
        CHECK(what(s.lookup(full.key_id)) == unavailable);
        CHECK(what(s.get(full.key_id, any_owner)) == unavailable);
    };
    const auto set = [&](std::string name, std::string value) {
        return std::vector<std::vector<std::string>>{{"HSET", k, std::move(name), std::move(value)}};
    };

    for (const char* required : {"prefix", "format", "mac", "pv", "created", "scopes", "grant_types", "owner", "name"})
        refused(std::string("missing ") + required, {{"HDEL", k, required}});
    refused("a previous verifier in part (prev_pv missing)", {{"HDEL", k, "prev_pv"}});
    refused("a previous verifier in part (prev_until missing)", {{"HDEL", k, "prev_until"}});
    refused("prev_wv without a previous verifier", {{"HDEL", k, "prev_mac", "prev_pv", "prev_until"}});
    refused("an unknown field", set("restricted_to", "10.0.0.0/8"));
    refused("mac in upper case", set("mac", "EDC309C374838F3223C5F3372CA40C9669BDDA9695E2195A44F16D1047820FCA"));
    refused("mac of 63 digits", set("mac", std::string(63, 'a')));
    refused("mac of 66 digits", set("mac", std::string(66, 'a')));
    refused("mac with a non-hex digit", set("mac", std::string(63, 'a') + "g"));
    refused("prev_mac with a non-hex digit", set("prev_mac", "z" + std::string(63, '0')));
    for (const char* pv : {"4294967296", "-1", "01", "+1", " 1", "1 ", "", "1.0", "0x1", "99999999999999999999999"})
        refused(std::string("pv = '") + pv + "'", set("pv", pv));
    refused("wv out of range", set("wv", "4294967296"));
    refused("prev_wv not a number", set("prev_wv", "nine"));
    for (const char* t : {"9223372036854775808", "-9223372036854775809", "1.5", "1e9", "-0", "007", "", "--1"})
        refused(std::string("created = '") + t + "'", set("created", t));
    refused("exp not a number", set("exp", "tomorrow"));
    refused("nbf out of range", set("nbf", "18446744073709551616"));
    refused("rev not a number", set("rev", "yes"));
    refused("prev_until not a number", set("prev_until", "soon"));
    for (const char* f : {"2", "v1", "", "00"}) refused(std::string("format = '") + f + "'", set("format", f));
    for (const char* sc : {"a  b", " a", "a ", "a\tb", "caf\xc3\xa9"})
        refused(std::string("scopes = '") + sc + "'", set("scopes", sc));
    refused("grant_types with an empty item", set("grant_types", "client_credentials "));
    // This store writes resources only when there is one: an empty field is not its writing.
    refused("an empty resources field", set("resources", ""));
    refused("resources with two spaces", set("resources", "https://a.example  https://b.example"));
    refused("a resource with a fragment", set("resources", "https://a.example/#x"));
    refused("a resource without a scheme", set("resources", "a.example"));
    refused("an owner over 256 octets", set("owner", std::string(257, 'o')));
    refused("a name over 256 octets", set("name", std::string(257, 'n')));

    // A key of another type under the record's name: an error reply (WRONGTYPE), not a miss.
    for (const std::vector<std::string>& make : std::vector<std::vector<std::string>>{
             {"SET", k, "acme_sk"}, {"RPUSH", k, "x"}, {"SADD", k, "x"}, {"ZADD", k, "1", "x"}}) {
        INFO(make[0]);
        raw({"DEL", k});
        std::vector<std::string_view> args(make.begin(), make.end());
        REQUIRE(raw.argv(args)->type != REDIS_REPLY_ERROR);
        CHECK(what(s.lookup(full.key_id)) == unavailable);
        CHECK(what(s.get(full.key_id, any_owner)) == unavailable);
        CHECK(what(s.disable(full.key_id, any_owner, t_now)) == unavailable);
        CHECK(what(s.enable(full.key_id, any_owner)) == unavailable);
        CHECK(what(s.remove(full.key_id, any_owner)) == unavailable);
        CHECK(what(s.replace_verifier(full.key_id, full.verifier, full.verifier)) == unavailable);
        CHECK(what(s.rotate(full.key_id, any_owner, alice_record(T4), t_now)) == unavailable);
        CHECK(what(s.create(full)) == what(errc::key_conflict));  // the id is taken, whatever holds it
    }

    // The scripts refuse to compare with a time that is not a number (Lua would compare doubles).
    raw({"DEL", k});
    REQUIRE(ok(s.create(full)));
    raw({"HSET", k, "rev", "never"});
    CHECK(what(s.disable(full.key_id, any_owner, t_now)) == unavailable);
    raw({"HDEL", k, "rev"});
    raw({"HSET", k, "exp", "1e99"});
    api_key_record successor = alice_record(T4);
    CHECK(what(s.rotate(full.key_id, any_owner, successor, t_now)) == unavailable);
    CHECK(raw.integer({"EXISTS", "apiauth:apikey:" + successor.key_id}) == 0);  // checked before any write

    // A garbled record among an owner's keys fails the listing closed; one that rewrap would
    // take (unwrapped, under an old pepper) fails rewrap closed.
    CHECK(what(s.list(alice)) == unavailable);
    REQUIRE(ok(s.create(successor)));
    raw({"HSET", "apiauth:apikey:" + successor.key_id, "created", "1e9"});
    CHECK(what(s.rewrap(ring_v12(2), 10)) == unavailable);
}

TEST_CASE("round trips (INFO commandstats): lookup and get are one HGETALL, each write and list one EVAL, rewrap "
          "two EVALs (one when nothing is left), and a lookup of an id no store keeps none",
          "[redis][apikey]")
{
    redis_server server;
    redis_options o = server.options();
    o.max_connections = 1;
    redis_api_key_store s{make_pool(o)};
    raw_client raw{server.options()};
    const api_key_record r = alice_record();
    const auto counted = [&](auto&& op) {
        REQUIRE(raw.status({"CONFIG", "RESETSTAT"}) == "OK");
        op();
        return std::pair{calls(raw, "eval"), calls(raw, "hgetall")};
    };
    using counts = std::pair<long long, long long>;
    CHECK(counted([&] { REQUIRE(ok(s.create(r))); }) == counts{1, 0});
    CHECK(counted([&] { REQUIRE(fetch(s, r.key_id) != nullptr); }) == counts{0, 1});
    CHECK(counted([&] { REQUIRE(fetch(s, "1ZZZZZZZZZZZZZZZZ") == nullptr); }) == counts{0, 1});
    CHECK(counted([&] { REQUIRE(fetch(s, std::string(65, '1')) == nullptr); }) == counts{0, 0});
    CHECK(counted([&] { REQUIRE(ok(s.get(r.key_id, alice))); }) == counts{0, 1});
    // (Redis counts the commands a script calls too: list's HGETALL of each record, here one.)
    CHECK(counted([&] { REQUIRE(ok(s.list(alice))); }) == counts{1, 1});
    CHECK(counted([&] { REQUIRE(ok(s.disable(r.key_id, alice, t_now))); }) == counts{1, 0});
    CHECK(counted([&] { REQUIRE(ok(s.enable(r.key_id, alice))); }) == counts{1, 0});
    CHECK(counted([&] { REQUIRE(ok(s.replace_verifier(r.key_id, r.verifier, r.verifier))); }) == counts{1, 0});
    api_key_record next = alice_record(T4);
    CHECK(counted([&] { REQUIRE(ok(s.rotate(r.key_id, alice, next, t_now))); }) == counts{1, 0});
    CHECK(counted([&] { REQUIRE(*s.rewrap(ring_v12(2), 10) == 2); }) == counts{2, 2});  // find (2 HGETALL), store
    CHECK(counted([&] { REQUIRE(*s.rewrap(ring_v12(2), 10) == 0); }) == counts{1, 0});
    CHECK(counted([&] { REQUIRE(*s.remove(r.key_id, alice)); }) == counts{1, 0});
}

TEST_CASE("rewrap (api-keys.md §3.3): batches from the pepper index, at most max_rewrap_batch per call, stale index "
          "entries repaired, a record changed meanwhile left alone",
          "[redis][apikey][rewrap]")
{
    redis_server server;
    redis_api_key_store s{make_pool(server.options())};
    raw_client raw{server.options()};
    const pepper_ring v1 = ring_v1();
    const pepper_ring v2 = ring_v12(2);

    // 1,005 records under v1: one call takes max_rewrap_batch of them.
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < redis_api_key_store::max_rewrap_batch + 5; ++i) {
        auto g = apiauth::stores::create_api_key(s, spec(alice), v1);
        REQUIRE(g.has_value());
        if (i % 100 == 0) tokens.emplace_back(g->token.reveal());
    }
    // Stale index entries: one without a record, one wrapped record scored as if it were not.
    raw({"ZADD", "apiauth:apikey-pepper", "1", "1GHOSTGHOSTGHOSTG"});
    api_key_record wrapped = alice_record(T0);
    REQUIRE(wrap_api_key_record(wrapped, v2).has_value());
    REQUIRE(ok(s.create(wrapped)));
    raw({"ZADD", "apiauth:apikey-pepper", "1", wrapped.key_id});

    auto first = s.rewrap(v2, 5000);
    REQUIRE(first.has_value());
    CHECK(*first <= redis_api_key_store::max_rewrap_batch);
    auto rest = apiauth::stores::rewrap_api_keys(s, v2, 300);
    REQUIRE(rest.has_value());
    CHECK(*first + *rest == redis_api_key_store::max_rewrap_batch + 5);
    CHECK(raw({"ZSCORE", "apiauth:apikey-pepper", "1GHOSTGHOSTGHOSTG"})->type == REDIS_REPLY_NIL);
    CHECK(text_of(*raw({"ZSCORE", "apiauth:apikey-pepper", wrapped.key_id})) == "-1");
    CHECK(raw.integer({"ZCOUNT", "apiauth:apikey-pepper", "0", "+inf"}) == 0);  // everything wrapped
    for (const std::string& t : tokens) CHECK(verdict(t, s, v2) == "ok");
    CHECK(verdict(T0, s, v2) == "ok");  // the record wrapped before: untouched
    CHECK(*s.rewrap(v2, 10) == 0);

    // A rehash that lands between the batch being read and stored wins: compare-and-set.
    auto g = apiauth::stores::create_api_key(s, spec(alice), v1);
    REQUIRE(g.has_value());
    const api_key_record& r = g->record;
    auto v = apiauth::verify_api_key(g->token.reveal(), s, v2, policy());
    REQUIRE(v.has_value());
    REQUIRE(v->needs_rehash());
    REQUIRE(*apiauth::stores::store_rehash(s, *v));  // now under v2: nothing for rewrap
    CHECK(*s.rewrap(v2, 10) == 0);
    CHECK(fetch(s, r.key_id)->verifier.pepper_version == 2);
    CHECK_FALSE(fetch(s, r.key_id)->verifier.wrap_version.has_value());
    CHECK(text_of(*raw({"ZSCORE", "apiauth:apikey-pepper", r.key_id})) == "2");
}

TEST_CASE("fault: an unresponsive server (SIGSTOP) makes lookup and the writes store_unavailable within the command "
          "timeout, and the store serves again after SIGCONT",
          "[redis][apikey][fault]")
{
    redis_server server;
    redis_options o = server.options(300ms);
    o.max_connections = 2;
    redis_api_key_store s{make_pool(o)};
    const api_key_record r = alice_record();
    REQUIRE(ok(s.create(r)));
    REQUIRE(fetch(s, r.key_id) != nullptr);

    server.pause();
    // A timeout (never retried), then the connection is dropped: connect + command + slack.
    const milliseconds bound = 300ms + 300ms + 700ms;
    std::vector<milliseconds> took;
    took.push_back(unavailable_within([&] { return s.lookup(r.key_id); }, bound));
    took.push_back(unavailable_within([&] { return s.lookup("1ZZZZZZZZZZZZZZZZ"); }, bound));
    took.push_back(unavailable_within([&] { return s.get(r.key_id, any_owner); }, bound));
    took.push_back(unavailable_within([&] { return s.disable(r.key_id, any_owner, t_now); }, bound));
    took.push_back(unavailable_within([&] { return s.create(alice_record(T4)); }, bound));
    for (const milliseconds d : took) CHECK(d >= 250ms);  // it waited for the reply: a timeout

    server.resume();
    // The disable sent while the server was stopped may have been carried out after all (the
    // call failed closed; the server read it later): either way the record is intact.
    auto back = s.lookup(r.key_id);
    REQUIRE(back.has_value());
    REQUIRE(*back != nullptr);
    CHECK((*back)->verifier.mac == r.verifier.mac);
    REQUIRE(ok(s.enable(r.key_id, any_owner)));
    CHECK(verdict(T0, s, ring_v1()) == "ok");
}

TEST_CASE("fault: a killed server (SIGKILL) makes every operation store_unavailable, never a miss, and a new server "
          "on the same socket serves again",
          "[redis][apikey][fault]")
{
    redis_server server;
    redis_options o = server.options(300ms);
    o.max_connections = 2;
    redis_api_key_store s{make_pool(o)};
    const api_key_record r = alice_record();
    REQUIRE(ok(s.create(r)));

    server.kill_hard();
    const milliseconds bound = 300ms + 300ms + 700ms;
    for (int round = 0; round < 2; ++round) {
        unavailable_within([&] { return s.lookup(r.key_id); }, bound);
        unavailable_within([&] { return s.get(r.key_id, alice); }, bound);
        unavailable_within([&] { return s.list(alice); }, bound);
        unavailable_within([&] { return s.create(alice_record(T4)); }, bound);
        unavailable_within([&] { return s.disable(r.key_id, alice, t_now); }, bound);
        unavailable_within([&] { return s.enable(r.key_id, alice); }, bound);
        unavailable_within([&] { return s.remove(r.key_id, alice); }, bound);
        unavailable_within([&] { return s.rotate(r.key_id, alice, alice_record(T4), t_now); }, bound);
        unavailable_within([&] { return s.replace_verifier(r.key_id, r.verifier, r.verifier); }, bound);
        unavailable_within([&] { return s.rewrap(ring_v1(), 10); }, bound);
    }
    CHECK(verdict(T0, s, ring_v1()) == what(errc::store_unavailable));  // verification fails closed too

    server.restart();  // empty: the test server keeps nothing on disk
    CHECK(fetch(s, r.key_id) == nullptr);
    REQUIRE(ok(s.create(r)));
    CHECK(verdict(T0, s, ring_v1()) == "ok");

    // No pool at all: every call fails closed.
    redis_api_key_store none{nullptr};
    CHECK(what(none.lookup(r.key_id)) == what(errc::store_unavailable));
    CHECK(what(none.create(r)) == what(errc::store_unavailable));
    CHECK(what(none.list(alice)) == what(errc::store_unavailable));
    CHECK(what(none.rewrap(ring_v1(), 1)) == what(errc::store_unavailable));
}

TEST_CASE("api_key_admin atomicity across threads: 8 threads create the same key id at once, exactly one succeeds "
          "and 7 get key_conflict, in each of 25 rounds",
          "[redis][apikey][threads]")
{
    constexpr int threads = 8;
    constexpr int rounds = 25;
    redis_server server;
    redis_options o = server.options(10s);
    o.max_connections = threads;
    redis_api_key_store s{make_pool(o)};
    raw_client raw{server.options()};

    for (int round = 0; round < rounds; ++round) {
        std::string id = "1RACE" + std::to_string(1000000000000 + round);
        std::atomic<int> created{0}, conflicts{0}, other{0}, winner{-1};
        std::latch start(threads);
        // Made here: alice_record's REQUIREs are Catch assertions, which are not thread-safe.
        std::vector<api_key_record> records;
        for (int t = 0; t < threads; ++t) {
            api_key_record r = alice_record();
            r.key_id = id;
            r.owner = "acct_" + std::to_string(t);
            records.push_back(std::move(r));
        }
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                const api_key_record& r = records[static_cast<std::size_t>(t)];
                start.arrive_and_wait();
                const auto c = s.create(r);
                if (c) {
                    ++created;
                    winner = t;
                } else if (c.error() == errc::key_conflict) {
                    ++conflicts;
                } else {
                    ++other;
                }
            });
        for (std::thread& t : ts) t.join();
        INFO("round " << round);
        CHECK(created == 1);
        CHECK(conflicts == threads - 1);
        CHECK(other == 0);
        // The record and the indexes are the winner's alone.
        REQUIRE(winner >= 0);
        const auto got = s.get(id, any_owner);
        REQUIRE(got.has_value());
        CHECK(got->owner == "acct_" + std::to_string(winner.load()));
        for (int t = 0; t < threads; ++t)
            CHECK(raw.integer({"SISMEMBER", "apiauth:apikey-owner:acct_" + std::to_string(t), id}) ==
                  (t == winner ? 1 : 0));
    }
}

TEST_CASE("api_key_admin atomicity across threads: disable while 4 threads verify, no verification that starts after "
          "disable returned succeeds (api_key_revoked), none fails",
          "[redis][apikey][threads]")
{
    constexpr int verifiers = 4;
    redis_server server;
    redis_options o = server.options(10s);
    o.max_connections = verifiers + 1;
    redis_api_key_store s{make_pool(o)};
    const pepper_ring ring = ring_v1();
    auto k = apiauth::stores::create_api_key(s, spec(alice), ring);
    REQUIRE(k.has_value());
    const std::string token(k->token.reveal());

    std::atomic<bool> disabled{false}, stop{false};
    std::atomic<int> ok_before{0}, revoked_before{0}, ok_after{0}, revoked_after{0}, failed{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < verifiers; ++t)
        ts.emplace_back([&] {
            while (!stop) {
                const bool after = disabled.load();  // read before the verification starts
                const auto v = apiauth::verify_api_key(token, s, ring, policy());
                if (v)
                    ++(after ? ok_after : ok_before);
                else if (v.error() == errc::api_key_revoked)
                    ++(after ? revoked_after : revoked_before);
                else
                    ++failed;
            }
        });
    const auto wait_for = [](const std::atomic<int>& n, const std::atomic<int>& failures) {
        const auto deadline = steady_clock::now() + 30s;
        while (n < 200 && failures == 0 && steady_clock::now() < deadline) std::this_thread::yield();
    };
    wait_for(ok_before, failed);
    const auto d = s.disable(k->record.key_id, alice, t_now);  // verification's clock is t_now: refused at once
    disabled = true;
    REQUIRE(d.has_value());
    wait_for(revoked_after, failed);
    stop = true;
    for (std::thread& t : ts) t.join();
    INFO("before: " << ok_before << " ok, " << revoked_before << " revoked; after: " << ok_after << " ok, "
                    << revoked_after << " revoked");
    CHECK(failed == 0);
    CHECK(ok_after == 0);
    CHECK(revoked_after >= 200);
}
