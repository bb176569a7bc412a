// Tests for apiauth/stores/redis.hpp (redis_pool, redis_nonce_store, redis_revocation_store)
// against real redis-server processes. Each test starts its own server (a Unix socket in a fresh
// temporary directory, or TCP on a free 127.0.0.1 port), waits until it answers PING and stops
// it when the test ends, pass or fail (RAII); none relies on a running server or leaves this
// machine. The rules checked are the nonce_store concept's contract (apiauth/stores/nonce.hpp),
// the oauth2::revocation_store concept and RFC 7009 §2 with memory_revocation_store's
// semantics (apiauth/stores/memory.hpp), and DESIGN.md's "a store that cannot answer fails
// closed".
#include <apiauth/error.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>
#include <apiauth/stores/nonce.hpp>
#include <apiauth/stores/redis.hpp>

#include "redis_server.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using apiauth::errc;
using apiauth::stores::memory_revocation_store;
using apiauth::stores::redis_nonce_store;
using apiauth::stores::redis_options;
using apiauth::stores::redis_pool;
using apiauth::stores::redis_revocation_store;
using namespace std::chrono_literals;
using namespace std::string_view_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

using namespace redis_test;

static_assert(apiauth::stores::nonce_store<redis_nonce_store>);
static_assert(apiauth::oauth2::revocation_store<redis_revocation_store>);

namespace {

std::string nonce_id(int i)
{
    return "race-" + std::to_string(i);
}

void sleep_until(system_clock::time_point t)
{
    while (system_clock::now() < t) std::this_thread::sleep_for(10ms);
}

bool sigpipe_blocked_or_pending()
{
    sigset_t mask, pending;
    sigemptyset(&mask);
    sigemptyset(&pending);
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    sigpending(&pending);
    return sigismember(&mask, SIGPIPE) == 1 || sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

TEST_CASE("redis_pool::make refuses a configuration that cannot work, and connects to nothing yet", "[redis][pool]")
{
    // DESIGN.md Principle 1: configuration mistakes are refused when the pool is built.
    const auto refused = [](redis_options o) {
        const auto p = redis_pool::make(std::move(o));
        return !p.has_value() && p.error() == errc::invalid_configuration;
    };
    CHECK(refused({.max_connections = 0}));
    CHECK(refused({.connect_timeout = 0ms}));
    CHECK(refused({.command_timeout = -1ms}));
    CHECK(refused({.acquire_timeout = 0ms}));
    CHECK(refused({.database = -1}));
    CHECK(refused({.username = "user"}));  // a user name without a password
    CHECK(refused({.unix_socket = "", .host = ""}));

    // Made while no server is there: no error until a call, then store_unavailable, at once.
    const auto pool = make_pool({.unix_socket = "/nonexistent/apiauth-redis.sock"});
    CHECK(pool->open_connections() == 0);
    CHECK(pool->options().key_prefix == "apiauth:");
    redis_nonce_store nonces{pool};
    redis_revocation_store revoked{pool};
    const milliseconds bound = 2s;
    unavailable_within([&] { return nonces.issue("n", 60s); }, bound);
    unavailable_within([&] { return nonces.consume("n"); }, bound);
    unavailable_within([&] { return revoked.is_revoked("j"); }, bound);
    unavailable_within(
        [&] { return revoked.revoke("j", std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 60s); },
        bound);
    CHECK(pool->open_connections() == 0);

    // A store without a pool fails closed too.
    redis_nonce_store no_pool{nullptr};
    CHECK(no_pool.consume("n").error() == errc::store_unavailable);
    const redis_revocation_store no_pool_revoked{nullptr};
    CHECK(no_pool_revoked.is_revoked("j").error() == errc::store_unavailable);
}

TEST_CASE("nonce_store contract: consume is true once then false, an unknown id is false, issuing a held id is false",
          "[redis][nonce]")
{
    redis_server server;
    const auto pool = make_pool(server.options());
    redis_nonce_store s{pool};
    raw_client raw{server.options()};

    CHECK(*s.issue("n1", 60s));
    // SET NX PX: the key lives in the nonce namespace with the lifetime in milliseconds.
    const long long ttl = raw.integer({"PTTL", "apiauth:nonce:n1"});
    CHECK(ttl > 55000);
    CHECK(ttl <= 60000);
    CHECK_FALSE(*s.issue("n1", 60s));  // held: nothing changes
    CHECK_FALSE(*s.issue("n1", 600s));
    CHECK(raw.integer({"PTTL", "apiauth:nonce:n1"}) <= 60000);  // the refused issue did not extend it
    CHECK(*s.consume("n1"));
    CHECK_FALSE(*s.consume("n1"));  // exactly once
    CHECK_FALSE(*s.consume("n2"));  // never issued
    CHECK_FALSE(*s.consume("N1"));  // ids compare exactly
    // A consumed id is no longer held: it may be issued again.
    CHECK(*s.issue("n1", 60s));
    CHECK(*s.consume("n1"));
    CHECK(raw.integer({"EXISTS", "apiauth:nonce:n1"}) == 0);

    // A lifetime that is not positive records nothing (it would expire at once): true unless
    // the id is held, as memory_nonce_store answers.
    CHECK(*s.issue("n3", 0s));
    CHECK(*s.issue("n3", -5s));
    CHECK(raw.integer({"EXISTS", "apiauth:nonce:n3"}) == 0);
    CHECK_FALSE(*s.consume("n3"));
    REQUIRE(*s.issue("n4", 60s));
    CHECK_FALSE(*s.issue("n4", 0s));
    CHECK(*s.consume("n4"));
    // A lifetime beyond what Redis can add to its clock is capped (10,000 years), not an error.
    CHECK(*s.issue("n5", std::chrono::seconds{std::int64_t{1} << 60}));
    CHECK(raw.integer({"PTTL", "apiauth:nonce:n5"}) > 315000000000000);
    CHECK(*s.consume("n5"));
    CHECK(pool->open_connections() == 1);  // one thread: one connection, reused
}

TEST_CASE("nonce_store contract: an id whose lifetime ended is no longer held (PX expiry)", "[redis][nonce]")
{
    redis_server server;
    redis_nonce_store s{make_pool(server.options())};
    REQUIRE(*s.issue("short", 1s));
    // Read after the call: PX counts from when Redis ran the SET, and this first call also
    // connects, which on a loaded machine may take longer than the 100 ms margin below.
    const auto issued = system_clock::now();
    REQUIRE(*s.issue("long", 60s));
    sleep_until(issued + 1100ms);
    CHECK_FALSE(*s.consume("short"));  // expired: consume is false, never true
    CHECK(*s.issue("short", 60s));     // and the id is free again
    CHECK(*s.consume("long"));
}

TEST_CASE("nonce_store contract: ids up to max_nonce_size octets, binary-safe, empty and longer ones "
          "refused (token_too_large)",
          "[redis][nonce]")
{
    redis_server server;
    redis_nonce_store s{make_pool(server.options())};
    raw_client raw{server.options()};

    const std::string longest(apiauth::stores::max_nonce_size, 'x');
    const std::string over(apiauth::stores::max_nonce_size + 1, 'x');
    CHECK(*s.issue(longest, 60s));
    CHECK(*s.consume(longest));
    CHECK(s.issue(over, 60s).error() == errc::token_too_large);
    CHECK(s.issue("", 60s).error() == errc::token_too_large);
    // Never recorded, so never consumed: false without asking, as memory_nonce_store answers.
    CHECK_FALSE(*s.consume(over));
    CHECK_FALSE(*s.consume(""));
    CHECK(raw.integer({"DBSIZE"}) == 0);

    // Sent as counted arguments (%b-style), never formatted: NUL, spaces, CR LF, quotes and
    // non-UTF-8 octets are part of the id, and "a" is none of them.
    const std::string_view ids[] = {"a\0b"sv, "a b"sv, "a\r\nb"sv, "\"a\" b"sv, "\xff\xfe\x00"sv, "%s%b"sv, "a"sv};
    for (const std::string_view id : ids) CHECK(*s.issue(id, 60s));
    CHECK(raw.integer({"EXISTS", "apiauth:nonce:a\0b"sv}) == 1);
    CHECK(raw.integer({"EXISTS", "apiauth:nonce:a"sv}) == 1);
    CHECK(raw.integer({"DBSIZE"}) == static_cast<long long>(std::size(ids)));
    CHECK(*s.consume("a"));
    CHECK_FALSE(*s.consume("a"));
    for (const std::string_view id : std::span(ids).first(std::size(ids) - 1)) {
        CHECK(*s.consume(id));
        CHECK_FALSE(*s.consume(id));
    }
    CHECK(raw.integer({"DBSIZE"}) == 0);
}

TEST_CASE("over TCP: a server on a free 127.0.0.1 port serves both stores", "[redis][tcp]")
{
    redis_server server{redis_server::transport::tcp};
    const auto pool = make_pool(server.options());
    redis_nonce_store nonces{pool};
    redis_revocation_store revoked{pool};
    CHECK(*nonces.issue("n", 60s));
    CHECK_FALSE(*nonces.issue("n", 60s));
    CHECK(*nonces.consume("n"));
    CHECK_FALSE(*nonces.consume("n"));
    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 60s;
    CHECK_FALSE(*revoked.is_revoked("j"));
    REQUIRE(revoked.revoke("j", until).has_value());
    CHECK(*revoked.is_revoked("j"));
    CHECK(pool->open_connections() == 1);
}

TEST_CASE("RFC 7009 §2: redis_revocation_store answers exactly as memory_revocation_store, case by case",
          "[redis][revocation]")
{
    redis_server server;
    redis_revocation_store redis{make_pool(server.options())};
    memory_revocation_store memory{64};
    raw_client raw{server.options()};

    // Every call goes to both stores; their answers must agree, and the expected one is checked.
    const auto revoke = [&](std::string_view jti, std::chrono::sys_seconds until) {
        const auto m = memory.revoke(jti, until);
        const auto r = redis.revoke(jti, until);
        CHECK(m.has_value() == r.has_value());
        if (!m.has_value() && !r.has_value()) CHECK(m.error() == r.error());
        return r;
    };
    const auto is_revoked = [&](std::string_view jti) {
        const auto m = memory.is_revoked(jti);
        const auto r = redis.is_revoked(jti);
        REQUIRE(m.has_value());
        REQUIRE(r.has_value());
        CHECK(*m == *r);
        return *r;
    };

    const auto t = std::chrono::floor<std::chrono::seconds>(system_clock::now());
    CHECK_FALSE(is_revoked("a"));
    REQUIRE(revoke("a", t + 3s).has_value());
    CHECK(is_revoked("a"));
    CHECK_FALSE(is_revoked("b"));
    CHECK_FALSE(is_revoked("A"));  // jtis compare exactly
    CHECK_FALSE(is_revoked("a "));
    // Idempotent; an earlier exp never shortens.
    REQUIRE(revoke("a", t + 3s).has_value());
    REQUIRE(revoke("a", t + 1s).has_value());
    // A later exp extends.
    REQUIRE(revoke("e", t + 1s).has_value());
    REQUIRE(revoke("e", t + 3s).has_value());
    // A token already expired is not stored, and that is no error.
    REQUIRE(revoke("old", t - 1s).has_value());
    REQUIRE(revoke("older", std::chrono::sys_seconds{}).has_value());
    CHECK_FALSE(is_revoked("old"));
    CHECK_FALSE(is_revoked("older"));
    CHECK(raw.integer({"EXISTS", "apiauth:revoked:old", "apiauth:revoked:older"}) == 0);
    // RFC 7519 §4.1.7 jti: bounded, not empty.
    const std::string longest(redis_revocation_store::max_jti_size, 'x');
    const std::string over(redis_revocation_store::max_jti_size + 1, 'x');
    static_assert(redis_revocation_store::max_jti_size == memory_revocation_store::max_jti_size);
    REQUIRE(revoke(longest, t + 3s).has_value());
    CHECK(is_revoked(longest));
    CHECK(revoke(over, t + 3s).error() == errc::token_too_large);
    CHECK_FALSE(is_revoked(over));
    CHECK(revoke("", t + 3s).error() == errc::token_too_large);
    CHECK_FALSE(is_revoked(""));
    // Binary-safe.
    REQUIRE(revoke("j\0k"sv, t + 3s).has_value());
    CHECK(is_revoked("j\0k"sv));
    CHECK_FALSE(is_revoked("j"));

    sleep_until(t + 2s + 150ms);
    CHECK(is_revoked("a"));  // not shortened to t + 1 s
    CHECK(is_revoked("e"));  // extended to t + 3 s
    CHECK(is_revoked(longest));
    sleep_until(t + 3s + 150ms);
    CHECK_FALSE(is_revoked("a"));  // the token is expired: nothing left to refuse
    CHECK_FALSE(is_revoked("e"));
    CHECK_FALSE(is_revoked("j\0k"sv));
    CHECK(raw.integer({"DBSIZE"}) == 0);  // and Redis forgot them (expired keys are never reported)
}

TEST_CASE("RFC 7009 §2: revoke sets the entry's expiry to the token's exp: extends, never shortens (PEXPIRETIME)",
          "[redis][revocation]")
{
    redis_server server;
    redis_revocation_store s{make_pool(server.options())};
    raw_client raw{server.options()};
    const auto t = std::chrono::floor<std::chrono::seconds>(system_clock::now());
    const auto ms = [](std::chrono::sys_seconds x) {
        return static_cast<long long>(x.time_since_epoch().count()) * 1000;
    };
    const auto expiry = [&] { return raw.integer({"PEXPIRETIME", "apiauth:revoked:a"}); };

    REQUIRE(s.revoke("a", t + 100s).has_value());
    CHECK(expiry() == ms(t + 100s));
    REQUIRE(s.revoke("a", t + 50s).has_value());
    CHECK(expiry() == ms(t + 100s));
    REQUIRE(s.revoke("a", t + 200s).has_value());
    CHECK(expiry() == ms(t + 200s));
    REQUIRE(s.revoke("a", t - 10s).has_value());  // an expired exp leaves a live entry alone
    CHECK(expiry() == ms(t + 200s));
    CHECK(*s.is_revoked("a"));
    // An exp past year 9999 is taken as its last second, still an extension.
    REQUIRE(s.revoke("a", std::chrono::sys_seconds{std::chrono::seconds{400000000000}}).has_value());
    CHECK(expiry() == 253402300799000);
    // A persistent entry (written by someone else) is never given an expiry.
    raw({"SET", "apiauth:revoked:p", "1"});
    REQUIRE(s.revoke("p", t + 100s).has_value());
    CHECK(raw.integer({"PEXPIRETIME", "apiauth:revoked:p"}) == -1);
    CHECK(*s.is_revoked("p"));
}

TEST_CASE("key namespaces: nonces and revocations, two prefixes and two databases never meet", "[redis][keys]")
{
    redis_server server;
    const auto pool = make_pool(server.options());
    redis_options other_prefix = server.options();
    other_prefix.key_prefix = "other:";
    redis_options other_db = server.options();
    other_db.database = 1;
    redis_nonce_store nonces{pool};
    redis_revocation_store revoked{pool};
    redis_nonce_store nonces_b{make_pool(other_prefix)};
    redis_revocation_store revoked_b{make_pool(other_prefix)};
    redis_nonce_store nonces_db1{make_pool(other_db)};

    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 60s;
    REQUIRE(*nonces.issue("x", 60s));
    CHECK_FALSE(*revoked.is_revoked("x"));  // a nonce is not a revocation
    REQUIRE(revoked.revoke("y", until).has_value());
    CHECK_FALSE(*nonces.consume("y"));  // nor a revocation a nonce
    CHECK_FALSE(*nonces_b.consume("x"));
    CHECK_FALSE(*revoked_b.is_revoked("y"));
    CHECK_FALSE(*nonces_db1.consume("x"));
    CHECK(*nonces_db1.issue("x", 60s));  // held in database 1 only
    CHECK(*nonces.consume("x"));
    CHECK(*nonces_db1.consume("x"));
    raw_client raw{server.options()};
    CHECK(raw.integer({"EXISTS", "apiauth:revoked:y"}) == 1);
    CHECK(raw.integer({"DBSIZE"}) == 1);
}

TEST_CASE("fail closed: refused AUTH, a denied command (ACL) and an OOM error reply are store_unavailable",
          "[redis][fault]")
{
    redis_server server{redis_server::transport::unix_socket, {"--requirepass", "s3cret"}};
    {
        raw_client admin{server.options()};
        REQUIRE(admin.status({"AUTH", "s3cret"}) == "OK");
        REQUIRE(admin.status({"ACL", "SETUSER", "limited", "on", ">pw", "~*", "+@all", "-del", "-exists", "-eval",
                              "-set"}) == "OK");
        REQUIRE(admin.status({"ACL", "SETUSER", "app", "on", ">app-pw", "~apiauth:*", "+@all"}) == "OK");
    }
    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 60s;
    const auto all_unavailable = [&](redis_options o) {
        const auto pool = make_pool(std::move(o));
        redis_nonce_store nonces{pool};
        redis_revocation_store revoked{pool};
        const milliseconds bound = 5s;
        unavailable_within([&] { return nonces.issue("n", 60s); }, bound);
        unavailable_within([&] { return nonces.consume("n"); }, bound);
        unavailable_within([&] { return revoked.is_revoked("j"); }, bound);
        unavailable_within([&] { return revoked.revoke("j", until); }, bound);
    };
    SECTION("no password: NOAUTH error replies")
    {
        all_unavailable(server.options());
    }
    SECTION("a wrong password: AUTH refused, no connection")
    {
        redis_options o = server.options();
        o.password = "wrong";
        all_unavailable(o);
    }
    SECTION("an ACL user denied DEL, EXISTS, EVAL and SET: NOPERM error replies")
    {
        redis_options o = server.options();
        o.username = "limited";
        o.password = "pw";
        all_unavailable(o);
    }
    SECTION("the right password, and an ACL user limited to apiauth's keys, are served")
    {
        for (auto [user, password] : {std::pair{"", "s3cret"}, std::pair{"app", "app-pw"}}) {
            redis_options o = server.options();
            o.username = user;
            o.password = password;
            const auto pool = make_pool(o);
            redis_nonce_store nonces{pool};
            redis_revocation_store revoked{pool};
            CHECK(*nonces.issue("n", 60s));
            CHECK(*nonces.consume("n"));
            REQUIRE(revoked.revoke("j", until).has_value());
            CHECK(*revoked.is_revoked("j"));
        }
    }
    SECTION("maxmemory reached: SET and the revoke script get OOM error replies; DEL and EXISTS still answer")
    {
        redis_options o = server.options();
        o.password = "s3cret";
        const auto pool = make_pool(o);
        redis_nonce_store nonces{pool};
        redis_revocation_store revoked{pool};
        REQUIRE(*nonces.issue("before", 60s));
        raw_client admin{o};
        REQUIRE(admin.status({"AUTH", "s3cret"}) == "OK");
        REQUIRE(admin.status({"CONFIG", "SET", "maxmemory", "1"}) == "OK");
        unavailable_within([&] { return nonces.issue("n", 60s); }, 5s);
        unavailable_within([&] { return revoked.revoke("j", until); }, 5s);
        CHECK_FALSE(*revoked.is_revoked("j"));
        CHECK(*nonces.consume("before"));
        REQUIRE(admin.status({"CONFIG", "SET", "maxmemory", "0"}) == "OK");
        CHECK(*nonces.issue("n", 60s));
        REQUIRE(revoked.revoke("j", until).has_value());
        CHECK(*revoked.is_revoked("j"));
    }
}

TEST_CASE("fail closed: a server that may evict keys (maxmemory-policy other than noeviction) is refused, so a "
          "revocation or a nonce is never silently dropped",
          "[redis][eviction]")
{
    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 60s;
    const auto refused = [&](redis_options o) {
        const auto pool = make_pool(std::move(o));
        redis_nonce_store nonces{pool};
        redis_revocation_store revoked{pool};
        const milliseconds bound = 5s;
        unavailable_within([&] { return nonces.issue("n", 60s); }, bound);
        unavailable_within([&] { return nonces.consume("n"); }, bound);
        unavailable_within([&] { return revoked.is_revoked("j"); }, bound);
        unavailable_within([&] { return revoked.revoke("j", until); }, bound);
        CHECK(pool->open_connections() == 0);  // each connection was closed after its check
    };
    const auto served = [&](redis_options o) {
        const auto pool = make_pool(std::move(o));
        redis_nonce_store nonces{pool};
        redis_revocation_store revoked{pool};
        CHECK(*nonces.issue("n", 60s));
        CHECK(*nonces.consume("n"));
        REQUIRE(revoked.revoke("j", until).has_value());
        CHECK(*revoked.is_revoked("j"));
    };
    for (const char* policy : {"volatile-lru", "allkeys-lru", "volatile-ttl", "allkeys-random"}) {
        DYNAMIC_SECTION("maxmemory-policy " << policy << ": refused")
        {
            redis_server server{redis_server::transport::unix_socket, {"--maxmemory-policy", policy}};
            refused(server.options());
            // Only an explicit opt-out serves it.
            redis_options o = server.options();
            o.verify_noeviction = false;
            served(o);
        }
    }
    SECTION("maxmemory-policy noeviction (Redis' default): served")
    {
        redis_server server{redis_server::transport::unix_socket, {"--maxmemory-policy", "noeviction"}};
        served(server.options());
        redis_server default_policy;
        served(default_policy.options());
    }
    SECTION("an ACL user denied CONFIG: refused unless verify_noeviction is turned off")
    {
        redis_server server{redis_server::transport::unix_socket, {"--requirepass", "s3cret"}};
        {
            raw_client admin{server.options()};
            REQUIRE(admin.status({"AUTH", "s3cret"}) == "OK");
            REQUIRE(admin.status({"ACL", "SETUSER", "app", "on", ">app-pw", "~apiauth:*", "+@all", "-config"}) == "OK");
        }
        redis_options o = server.options();
        o.username = "app";
        o.password = "app-pw";
        refused(o);
        o.verify_noeviction = false;
        served(o);
    }
    SECTION("a policy changed to allkeys-lru on a live server: the next new connection is refused")
    {
        redis_server server;
        redis_options o = server.options();
        o.max_connections = 1;
        const auto pool = make_pool(o);
        redis_nonce_store nonces{pool};
        CHECK(*nonces.issue("n", 60s));
        raw_client admin{o};
        REQUIRE(admin.status({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}) == "OK");
        refused(o);
    }
}

TEST_CASE("fault: a killed server (SIGKILL) makes every call store_unavailable within the timeouts, and a new "
          "server on the same socket serves again",
          "[redis][fault]")
{
    redis_server server;
    redis_options o = server.options(300ms);
    o.max_connections = 2;
    const auto pool = make_pool(o);
    redis_nonce_store nonces{pool};
    redis_revocation_store revoked{pool};
    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 600s;
    REQUIRE(*nonces.issue("before", 60s));
    REQUIRE(revoked.revoke("r", until).has_value());
    REQUIRE(*revoked.is_revoked("r"));
    REQUIRE(pool->open_connections() == 1);

    // hiredis writes with write(2): without the pool's guard, the dead Unix socket's EPIPE
    // would raise SIGPIPE and its default action would end this process.
    struct sigaction current {};
    REQUIRE(sigaction(SIGPIPE, nullptr, &current) == 0);
    REQUIRE(current.sa_handler == SIG_DFL);

    server.kill_hard();
    // Each call: a dead pooled connection (EPIPE) replaced once, then ECONNREFUSED. Bound: the
    // connect and command timeouts, with room for a loaded machine.
    const milliseconds bound = 300ms + 300ms + 700ms;
    for (int round = 0; round < 2; ++round) {
        unavailable_within([&] { return nonces.issue("after", 60s); }, bound);
        unavailable_within([&] { return nonces.consume("before"); }, bound);
        unavailable_within([&] { return revoked.is_revoked("r"); }, bound);
        unavailable_within([&] { return revoked.revoke("r2", until); }, bound);
    }
    CHECK(pool->open_connections() == 0);
    CHECK_FALSE(sigpipe_blocked_or_pending());  // the guard restored the mask and took its SIGPIPE

    server.restart();  // empty: this test's server keeps nothing on disk
    CHECK(*nonces.issue("after", 60s));
    CHECK(*nonces.consume("after"));
    CHECK_FALSE(*nonces.consume("before"));  // the old server's nonces died with it
    // So did its revocations: the store cannot tell; production servers persist (appendonly).
    CHECK_FALSE(*revoked.is_revoked("r"));
    REQUIRE(revoked.revoke("r", until).has_value());
    CHECK(*revoked.is_revoked("r"));
}

TEST_CASE("fault: a server restarted between two calls costs no failed call (a dead pooled connection is "
          "replaced once)",
          "[redis][fault]")
{
    for (const auto t : {redis_server::transport::unix_socket, redis_server::transport::tcp}) {
        redis_server server{t};
        redis_options o = server.options(2s);
        o.max_connections = 1;
        const auto pool = make_pool(o);
        redis_nonce_store nonces{pool};
        redis_revocation_store revoked{pool};
        REQUIRE(*nonces.issue("a", 60s));
        server.restart();
        const auto r = nonces.consume("a");  // on the old connection: EPIPE or EOF, then a new one
        REQUIRE(r.has_value());
        CHECK_FALSE(*r);  // the new server never held it
        server.restart();
        const auto k = revoked.is_revoked("a");
        REQUIRE(k.has_value());
        CHECK_FALSE(*k);
        CHECK(pool->open_connections() == 1);
    }

    // Three idle connections, all to the server that goes away: the first call after the
    // restart finds one dead, closes the others with it and succeeds on a new connection.
    redis_server server;
    redis_options o = server.options(2s);
    o.max_connections = 3;
    const auto pool = make_pool(o);
    redis_nonce_store nonces{pool};
    {
        raw_client admin{server.options()};
        // Each call (a SET) holds its connection while writes are paused, until all three are open
        // (a pause that ends by itself would let a thread that starts late reuse one given back).
        // WRITE, not ALL: under ALL, CLIENT UNPAUSE itself waits for the pause to end.
        REQUIRE(admin.status({"CLIENT", "PAUSE", "10000", "WRITE"}) == "OK");
        std::vector<std::thread> ts;
        for (int t = 0; t < 3; ++t) ts.emplace_back([&, t] { (void)nonces.issue("p" + std::to_string(t), 60s); });
        const auto deadline = steady_clock::now() + 10s;
        while (pool->open_connections() < 3 && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        const std::string unpaused = admin.status({"CLIENT", "UNPAUSE"});
        for (std::thread& t : ts) t.join();
        REQUIRE(unpaused == "OK");
    }
    REQUIRE(pool->open_connections() == 3);
    server.restart();
    const auto r = nonces.consume("p0");
    REQUIRE(r.has_value());
    CHECK_FALSE(*r);
    CHECK(pool->open_connections() == 1);
    CHECK_FALSE(sigpipe_blocked_or_pending());
}

TEST_CASE("fault: an unresponsive server (SIGSTOP) gives store_unavailable within the command timeout, and waits "
          "for a connection are bounded too",
          "[redis][fault]")
{
    redis_server server;
    redis_options o = server.options(300ms);
    o.max_connections = 2;
    const auto pool = make_pool(o);
    redis_nonce_store nonces{pool};
    redis_revocation_store revoked{pool};
    const auto until = std::chrono::floor<std::chrono::seconds>(system_clock::now()) + 600s;
    REQUIRE(*nonces.issue("warm", 60s));

    server.pause();
    // The kernel still accepts connections; the command's reply never comes: a timeout (never
    // retried), then the connection is dropped. Bound: connect + command timeout + slack.
    const milliseconds bound = 300ms + 300ms + 700ms;
    std::vector<milliseconds> took;
    took.push_back(unavailable_within([&] { return nonces.consume("warm"); }, bound));
    took.push_back(unavailable_within([&] { return nonces.issue("x", 60s); }, bound));
    took.push_back(unavailable_within([&] { return revoked.is_revoked("r"); }, bound));
    took.push_back(unavailable_within([&] { return revoked.revoke("r", until); }, bound));
    for (const milliseconds d : took) CHECK(d >= 250ms);  // it waited for the reply: a timeout, not a refusal
    CHECK(pool->open_connections() == 0);

    // Every connection lent and the server silent: a further call waits acquire_timeout for one.
    {
        redis_options one = server.options();
        one.max_connections = 1;
        one.command_timeout = 1500ms;
        one.acquire_timeout = 100ms;
        const auto small = make_pool(one);
        redis_nonce_store busy{small};
        std::thread holder([&] { (void)busy.consume("held"); });  // holds the one connection ~1.5 s
        while (small->open_connections() == 0) std::this_thread::sleep_for(1ms);
        const milliseconds waited = unavailable_within([&] { return busy.consume("other"); }, 1000ms);
        CHECK(waited >= 90ms);
        holder.join();
    }

    server.resume();
    CHECK(*nonces.issue("y", 60s));  // new connections: served again
    CHECK(*nonces.consume("y"));
    REQUIRE(revoked.revoke("r2", until).has_value());
    CHECK(*revoked.is_revoked("r2"));
}

TEST_CASE("nonce_store contract across processes: 4 processes race to consume the same 10,000 nonces, each is "
          "accepted exactly once",
          "[redis][race]")
{
    constexpr int count = 10000;
    constexpr int processes = 4;
    redis_server server;
    {
        redis_nonce_store s{make_pool(server.options())};
        for (int i = 0; i < count; ++i) REQUIRE(*s.issue(nonce_id(i), 600s));
    }  // the parent's pool and its connection are gone before any fork

    int start[2];
    REQUIRE(::pipe(start) == 0);
    std::vector<pid_t> children;
    const std::string socket = server.socket_path();
    std::fflush(nullptr);
    for (int k = 0; k < processes; ++k) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // The child: its own pool and connection, made after the fork. Waits for the
            // start (EOF on the pipe), consumes every id in the same order as the others,
            // writes the ids it was given true for, and exits 0; 3 on a store error.
            int code = 0;
            try {
                ::close(start[1]);
                char go = 0;
                while (::read(start[0], &go, 1) < 0 && errno == EINTR) {
                }
                redis_options o;
                o.unix_socket = socket;
                o.max_connections = 1;
                o.connect_timeout = o.command_timeout = o.acquire_timeout = 10s;
                auto pool = redis_pool::make(o);
                if (!pool) ::_exit(4);
                redis_nonce_store s{*pool};
                std::string accepted;
                for (int i = 0; i < count && code == 0; ++i) {
                    const auto r = s.consume(nonce_id(i));
                    if (!r)
                        code = 3;
                    else if (*r)
                        accepted += std::to_string(i) + "\n";
                }
                std::ofstream out(server.dir() / ("child-" + std::to_string(k) + ".txt"), std::ios::binary);
                out << accepted;
                out.close();
                if (!out) code = 5;
            } catch (...) {
                code = 6;
            }
            ::_exit(code);
        }
        children.push_back(pid);
    }
    ::close(start[0]);
    ::close(start[1]);  // go

    const auto deadline = steady_clock::now() + 60s;
    std::vector<int> codes;
    for (const pid_t pid : children) {
        int status = 0;
        pid_t r = 0;
        while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 && steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        if (r != pid) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL("a racing process did not finish within 60 s");
        }
        codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    for (const int c : codes) CHECK(c == 0);

    std::vector<int> times_accepted(count, 0);
    int total = 0;
    std::vector<int> per_process;
    for (int k = 0; k < processes; ++k) {
        std::istringstream in(read_file(server.dir() / ("child-" + std::to_string(k) + ".txt")));
        int n = 0;
        for (int i; in >> i;) {
            REQUIRE(i >= 0);
            REQUIRE(i < count);
            ++times_accepted[static_cast<std::size_t>(i)];
            ++n;
        }
        per_process.push_back(n);
        total += n;
    }
    INFO("accepted per process: " << per_process[0] << " " << per_process[1] << " " << per_process[2] << " "
                                  << per_process[3]);
    CHECK(total == count);
    CHECK(std::count(times_accepted.begin(), times_accepted.end(), 1) == count);  // each exactly once
}

TEST_CASE("nonce_store contract across threads: 8 threads share one pool of 3 connections, exactly once for "
          "disjoint and overlapping ids, issue is NX across threads",
          "[redis][threads]")
{
    constexpr int threads = 8;
    constexpr int own = 300;
    constexpr int shared = 1500;
    redis_server server;
    redis_options o = server.options(10s);
    o.max_connections = 3;
    const auto pool = make_pool(o);
    redis_nonce_store s{pool};

    std::atomic<int> errors{0};
    std::vector<std::atomic<int>> issued(shared), consumed(shared);
    std::vector<std::atomic<int>> own_true(threads);
    const auto run = [&](auto&& body) {
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t) ts.emplace_back(body, t);
        for (std::thread& t : ts) t.join();
    };
    // Every thread issues every shared id: exactly one issue per id is recorded (SET NX).
    run([&](int t) {
        for (int i = 0; i < shared; ++i) {
            const int id = (i + t * shared / threads) % shared;
            const auto r = s.issue("shared-" + std::to_string(id), 600s);
            if (!r)
                ++errors;
            else if (*r)
                ++issued[static_cast<std::size_t>(id)];
        }
    });
    // Disjoint ids first, then every thread consumes every shared id (and its own again).
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < own; ++i) REQUIRE(*s.issue("own-" + std::to_string(t) + "-" + std::to_string(i), 600s));
    run([&](int t) {
        for (int i = 0; i < own; ++i) {
            const auto r = s.consume("own-" + std::to_string(t) + "-" + std::to_string(i));
            if (!r)
                ++errors;
            else if (*r)
                ++own_true[static_cast<std::size_t>(t)];
        }
        for (int i = 0; i < shared; ++i) {
            const auto r = s.consume("shared-" + std::to_string(i));
            if (!r)
                ++errors;
            else if (*r)
                ++consumed[static_cast<std::size_t>(i)];
        }
        for (int i = 0; i < own; ++i) {
            const auto r = s.consume("own-" + std::to_string(t) + "-" + std::to_string(i));
            if (!r || *r) ++errors;  // consumed already: false
        }
    });
    CHECK(errors == 0);
    for (int t = 0; t < threads; ++t) CHECK(own_true[static_cast<std::size_t>(t)] == own);
    int bad = 0;
    for (int i = 0; i < shared; ++i)
        if (issued[static_cast<std::size_t>(i)] != 1 || consumed[static_cast<std::size_t>(i)] != 1) ++bad;
    CHECK(bad == 0);
    CHECK(pool->open_connections() >= 1);
    CHECK(pool->open_connections() <= 3);  // bounded
}
