// Tests for apiauth/stores/postgres.hpp (postgres_pool, postgres_api_key_store) against a real
// PostgreSQL 15 server that the test starts itself (tests/support/pg_server.hpp: initdb into a
// temporary directory, a Unix socket only, stopped at the end pass or fail). The conformance
// suite of stores::api_key_admin runs first, each case on a fresh table of the shared server;
// then what only a database can do wrong: rows the migrations cannot hold, a server that is
// killed, hangs or is slow (DESIGN.md: a store that cannot answer fails closed, 503), and
// concurrent writers.
#include <apiauth/api_key.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/memory.hpp>
#include <apiauth/stores/postgres.hpp>

#include "../support/pg_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

using apiauth::stores::postgres_api_key_store;
using apiauth::stores::postgres_options;
using apiauth::stores::postgres_pool;

namespace {

// One server for the whole executable (initdb costs about a second); each test gets its own table.
apiauth::test::pg_server& server()
{
    static apiauth::test::pg_server s;
    return s;
}

std::string fresh_table()
{
    static std::atomic<int> n{0};
    return "keys_" + std::to_string(++n);
}

postgres_options options_for(const std::string& table, std::chrono::milliseconds timeout = std::chrono::seconds(10))
{
    postgres_options o;
    o.conninfo = server().conninfo();
    o.table = table;
    o.connect_timeout = o.command_timeout = o.acquire_timeout = timeout;
    return o;
}

struct pg_env {
    std::string table = fresh_table();
    std::shared_ptr<postgres_pool> pool;
    std::optional<postgres_api_key_store> s;
    explicit pg_env(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        auto p = postgres_pool::make(options_for(table, timeout));
        REQUIRE(p.has_value());
        pool = *p;
        REQUIRE(pool->migrate().has_value());
        s.emplace(pool);
    }
    postgres_api_key_store& store() { return *s; }
};

}  // namespace

#define APIAUTH_ADMIN_ENV pg_env
#include "../stores/api_key_admin_conformance.hpp"

namespace {

std::string read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("postgres: the shipped migration files are the DDL postgres_schema_sql() runs", "[postgres]")
{
    // sql/postgres/001_api_keys.sql, then 002_resources.sql, without their comment lines and blank
    // lines; no other file is in the folder (a new migration is added here too).
    const std::filesystem::path dir = std::filesystem::path(APIAUTH_SOURCE_DIR) / "sql/postgres";
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"001_api_keys.sql", "002_resources.sql"});
    std::string file, line;
    for (const std::string& n : names) {
        std::istringstream in(read_file(dir / n));
        while (std::getline(in, line))
            if (!line.empty() && line.rfind("--", 0) != 0) file += line + "\n";
    }
    REQUIRE_FALSE(file.empty());
    CHECK(file == apiauth::stores::postgres_schema_sql());
    // Another table name replaces every occurrence (table and index names); a name that is not a
    // plain identifier gives nothing to run.
    const std::string other = apiauth::stores::postgres_schema_sql("tenant_keys");
    CHECK(other.find("apiauth_api_keys") == std::string::npos);
    CHECK(other.find("CREATE TABLE IF NOT EXISTS tenant_keys (") != std::string::npos);
    CHECK(other.find("tenant_keys_owner ON tenant_keys") != std::string::npos);
    for (const char* bad : {"", "Keys", "1keys", "keys;drop", "a.b", "k\"", "keys-1"})
        CHECK(apiauth::stores::postgres_schema_sql(bad).empty());
    CHECK(apiauth::stores::postgres_schema_sql(std::string(64, 'k')).empty());
    CHECK_FALSE(apiauth::stores::postgres_schema_sql(std::string(63, 'k')).empty());
}

TEST_CASE("postgres: migrate is idempotent and the table it makes refuses what the migrations cannot hold",
          "[postgres]")
{
    pg_env env;
    REQUIRE(env.pool->migrate().has_value());  // a second time: IF NOT EXISTS
    const pepper_ring ring = ring_v1();
    REQUIRE(env.store().create(record_of(T0, ring)).has_value());
    // The table's own CHECK constraints, for writers other than apiauth.
    CHECK_THROWS(server().exec("UPDATE " + env.table + " SET mac = '\\x00'"));
    CHECK_THROWS(server().exec("UPDATE " + env.table + " SET pepper_version = 4294967296"));
    CHECK_THROWS(server().exec("UPDATE " + env.table + " SET format = 2"));
    CHECK_THROWS(server().exec("UPDATE " + env.table + " SET prev_mac = mac"));  // without its version and deadline
    CHECK(server().query_value("SELECT count(*) FROM " + env.table) == "1");
}

TEST_CASE("postgres: migration 002 brings a table of migration 001 to this version: its rows read as unrestricted, "
          "and until then lookups fail closed",
          "[postgres]")
{
    pg_env env;
    const pepper_ring ring = ring_v1();
    const api_key_record before = record_of(T0, ring);
    REQUIRE(env.store().create(before).has_value());
    // The table as migration 001 alone left it (what an earlier version made), with its row.
    server().exec("ALTER TABLE " + env.table + " DROP COLUMN resources");
    CHECK(what(env.store().lookup(before.key_id)) == what(errc::store_unavailable));
    CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == what(errc::store_unavailable));

    REQUIRE(env.pool->migrate().has_value());
    auto found = env.store().lookup(before.key_id);
    REQUIRE(what(found) == "ok");
    REQUIRE(*found != nullptr);
    CHECK((*found)->resources.empty());
    CHECK(server().query_value("SELECT resources FROM " + env.table) == "");
    CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");

    // A record with resources keeps them, in order, and a second migration changes nothing.
    api_key_record restricted = record_of(T0, ring);
    restricted.key_id[1] = restricted.key_id[1] == 'a' ? 'b' : 'a';
    restricted.resources = {"https://api.example.com/items", "urn:example:ledger"};
    REQUIRE(env.store().create(restricted).has_value());
    REQUIRE(env.pool->migrate().has_value());
    auto got = env.store().lookup(restricted.key_id);
    REQUIRE(what(got) == "ok");
    REQUIRE(*got != nullptr);
    CHECK((*got)->resources == restricted.resources);
    CHECK(server().query_value("SELECT resources FROM " + env.table + " WHERE key_id = '" + restricted.key_id + "'") ==
          "https://api.example.com/items urn:example:ledger");
}

TEST_CASE("postgres: two migrations 002 at once both succeed: the second finds the column the first added",
          "[postgres]")
{
    pg_env env;
    server().exec("ALTER TABLE " + env.table + " DROP COLUMN resources");  // the table as 001 left it
    const std::string ddl = apiauth::stores::postgres_schema_sql(env.table);
    const std::size_t at = ddl.find("DO $$");
    REQUIRE(at != std::string::npos);
    const std::string migration_002 = ddl.substr(at);

    // A reader's open transaction holds ACCESS SHARE: each migration finds the column missing,
    // then queues for ALTER TABLE's ACCESS EXCLUSIVE lock behind it, one after the other.
    apiauth::test::pg_detail::conn_ptr reader{PQconnectdb(server().conninfo().c_str())};
    REQUIRE(PQstatus(reader.get()) == CONNECTION_OK);
    const auto run = [&](const std::string& sql) {
        apiauth::test::pg_detail::result_ptr r{PQexec(reader.get(), sql.c_str())};
        REQUIRE(PQresultStatus(r.get()) == PGRES_COMMAND_OK);
    };
    run("BEGIN");
    run("LOCK TABLE " + env.table + " IN ACCESS SHARE MODE");
    std::atomic<int> failed{0};
    const auto migrate = [&] {
        try {
            server().exec(migration_002);
        } catch (const std::exception&) {
            ++failed;
        }
    };
    std::thread first(migrate);
    const auto waiting = [&] {
        return server().query_value("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '" + env.table +
                                    "'::regclass");
    };
    const auto wait_for = [&](const char* count) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (waiting() != count && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
        return waiting() == count;
    };
    const bool first_queued = wait_for("1");
    std::thread second(migrate);
    const bool both_queued = wait_for("2");
    run("COMMIT");  // the first adds the column; the second then finds it there
    first.join();
    second.join();
    REQUIRE(first_queued);
    REQUIRE(both_queued);
    CHECK(failed == 0);
    CHECK(server().query_value("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + env.table +
                               "'::regclass AND attname = 'resources' AND NOT attisdropped") == "1");
    CHECK(env.pool->migrate().has_value());
}

TEST_CASE("postgres: a store over a null pool is store_unavailable, never a dereference (as the Redis stores)",
          "[postgres][null]")
{
    const postgres_api_key_store s(nullptr);
    CHECK(s.pool() == nullptr);
    const auto looked = s.lookup("acme_sk_1");
    REQUIRE_FALSE(looked.has_value());
    CHECK(looked.error() == apiauth::errc::store_unavailable);
    postgres_api_key_store w(nullptr);
    CHECK(w.list("owner").error() == apiauth::errc::store_unavailable);
    CHECK(w.disable("acme_sk_1", apiauth::stores::any_owner, std::chrono::sys_seconds{}).error() ==
          apiauth::errc::store_unavailable);
    CHECK(w.enable("acme_sk_1", apiauth::stores::any_owner).error() == apiauth::errc::store_unavailable);
    CHECK(w.remove("acme_sk_1", apiauth::stores::any_owner).error() == apiauth::errc::store_unavailable);
    CHECK(w.replace_verifier("acme_sk_1", {}, {}).error() == apiauth::errc::store_unavailable);
}

TEST_CASE("postgres: postgres_pool::make refuses a configuration it cannot use", "[postgres]")
{
    const auto refused = [](auto change) {
        postgres_options o = options_for("apiauth_api_keys");
        change(o);
        auto p = postgres_pool::make(o);
        return p.has_value() ? std::string("ok") : std::string(apiauth::error_name(p.error()));
    };
    CHECK(refused([](postgres_options&) {}) == "ok");
    CHECK(refused([](postgres_options& o) { o.conninfo.clear(); }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.table = "Keys"; }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.table = "keys; DROP TABLE x"; }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.table.clear(); }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.max_connections = 0; }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.connect_timeout = 0ms; }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.command_timeout = -1ms; }) == "invalid_configuration");
    CHECK(refused([](postgres_options& o) { o.acquire_timeout = 0ms; }) == "invalid_configuration");
}

TEST_CASE("postgres: a row the migrations could not hold is store_unavailable, never a record (the database is "
          "not trusted blindly)",
          "[postgres]")
{
    // A table of the same columns without the CHECK constraints, as a careless migration could leave.
    pg_env env;
    const std::string loose = env.table + "_loose";
    server().exec("CREATE TABLE " + loose + " (LIKE " + env.table + " INCLUDING INDEXES)");
    // LIKE copies NOT NULL: without it here, a NULL list reaches the reader (it must not read as
    // "no restriction").
    server().exec("ALTER TABLE " + loose + " ALTER COLUMN resources DROP NOT NULL");
    auto p = postgres_pool::make(options_for(loose));
    REQUIRE(p.has_value());
    postgres_api_key_store s(*p);
    const pepper_ring ring = ring_v1();
    api_key_record r = record_of(T0, ring);
    r.previous = apiauth::api_key_previous_verifier{r.verifier, t_now + 60s};
    REQUIRE(s.create(r).has_value());
    REQUIRE(what(s.lookup(r.key_id)) == "ok");

    const std::vector<std::pair<const char*, std::string>> edits = {
        {"a 31-octet mac", "mac = substring(mac from 2)"},
        {"a pepper version over 2^32-1", "pepper_version = 4294967296"},
        {"a negative pepper version", "pepper_version = -1"},
        {"a format of 2", "format = 2"},
        {"a previous mac without its version", "prev_pepper_version = NULL"},
        {"a previous verifier without its deadline", "prev_valid_until = NULL"},
        {"two spaces between scopes", "scopes = 'a  b'"},
        {"a trailing space after the grant types", "grant_types = 'client_credentials '"},
        {"a leading space in the scopes", "scopes = ' a'"},
        {"two spaces between resources", "resources = 'https://a.example  https://b.example'"},
        {"a NULL resources", "resources = NULL"},
    };
    for (const auto& [what_, set] : edits) {
        INFO(what_);
        server().exec("UPDATE " + loose + " SET " + set);
        CHECK(what(s.lookup(r.key_id)) == what(errc::store_unavailable));
        CHECK(what(apiauth::verify_api_key(T0, s, ring, policy())) == what(errc::store_unavailable));
        server().exec("DELETE FROM " + loose);
        REQUIRE(s.create(r).has_value());
    }
    server().exec("DROP TABLE " + loose);
}

TEST_CASE("postgres: lookup of an id no row can have is a miss without a query, and NUL octets never reach libpq",
          "[postgres]")
{
    pg_env env;
    const pepper_ring ring = ring_v1();
    REQUIRE(env.store().create(record_of(T0, ring)).has_value());
    auto miss = env.store().lookup(std::string(65, '1'));
    REQUIRE(miss.has_value());
    CHECK(*miss == nullptr);
    auto nul = env.store().lookup(std::string_view("10123456789ABCDEF\0x", 19));
    REQUIRE(nul.has_value());
    CHECK(*nul == nullptr);
    CHECK(what(env.store().get(std::string_view("1012\0", 5), any_owner)) == what(errc::key_unknown));
    CHECK(what(env.store().disable("10123456789ABCDEF", std::string_view("acct\0x", 6), t_now)) ==
          what(errc::key_owner_mismatch));
    auto listed = env.store().list(std::string_view("a\0b", 3));
    REQUIRE(listed.has_value());
    CHECK(listed->empty());
    // SQL in a key id or an owner is data (parameters, never text spliced into a statement).
    auto inj = env.store().lookup("1' OR '1'='1");
    REQUIRE(inj.has_value());
    CHECK(*inj == nullptr);
    CHECK(env.store().list("x' OR owner <> '")->empty());
}

TEST_CASE("postgres: a killed server is store_unavailable (503), never a miss or an acceptance, and the pool "
          "recovers when it is back",
          "[postgres][fault]")
{
    pg_env env(std::chrono::milliseconds(1500));
    const pepper_ring ring = ring_v1();
    REQUIRE(env.store().create(record_of(T0, ring)).has_value());
    REQUIRE(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");

    server().kill_hard();
    const auto v = apiauth::verify_api_key(T0, env.store(), ring, policy());
    CHECK(what(v) == what(errc::store_unavailable));
    CHECK(apiauth::http_status(v.error()) == 503);
    CHECK(what(apiauth::verify_api_key(T4, env.store(), ring, policy())) == what(errc::store_unavailable));
    CHECK(what(env.store().create(record_of(T4, ring))) == what(errc::store_unavailable));
    CHECK(what(env.store().list("x")) == what(errc::store_unavailable));

    server().restart();
    // The pooled connection is dead: replaced within the same call.
    CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");
    CHECK(what(apiauth::verify_api_key(T4, env.store(), ring, policy())) == what(errc::api_key_not_found));
}

TEST_CASE("postgres: a hung server (SIGSTOP) or a locked table makes a call fail within its timeout, then it "
          "recovers",
          "[postgres][fault]")
{
    using clock = std::chrono::steady_clock;
    pg_env env(std::chrono::milliseconds(400));
    const pepper_ring ring = ring_v1();
    REQUIRE(env.store().create(record_of(T0, ring)).has_value());
    REQUIRE(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");

    // A slow database: another session holds an exclusive lock, so the lookup waits for it.
    {
        PGconn* c = PQconnectdb(server().conninfo().c_str());
        REQUIRE(PQstatus(c) == CONNECTION_OK);
        PQclear(PQexec(c, ("BEGIN; LOCK TABLE " + env.table + " IN ACCESS EXCLUSIVE MODE").c_str()));
        const auto t0 = clock::now();
        CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == what(errc::store_unavailable));
        // Bounded by the 400 ms command timeout (generously: a loaded CI machine).
        CHECK(clock::now() - t0 < std::chrono::seconds(5));
        PQclear(PQexec(c, "ROLLBACK"));
        PQfinish(c);
    }
    CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");

    // A hung server: connections are accepted by the kernel and never answered.
    server().pause();
    const auto t1 = clock::now();
    const auto v = apiauth::verify_api_key(T0, env.store(), ring, policy());
    const auto waited = clock::now() - t1;
    server().resume();
    CHECK(what(v) == what(errc::store_unavailable));
    CHECK(waited < std::chrono::seconds(5));
    CHECK(what(apiauth::verify_api_key(T0, env.store(), ring, policy())) == "ok");
}

TEST_CASE("postgres: 8 threads creating the same key id: exactly one succeeds, the others get key_conflict",
          "[postgres]")
{
    pg_env env;
    const pepper_ring ring = ring_v1();
    const api_key_record r = record_of(T0, ring);
    std::atomic<int> ok{0}, conflict{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            auto c = env.store().create(r);
            if (c)
                ++ok;
            else if (c.error() == apiauth::make_error_code(errc::key_conflict))
                ++conflict;
            else
                ++other;
        });
    for (auto& t : threads) t.join();
    CHECK(ok == 1);
    CHECK(conflict == 7);
    CHECK(other == 0);
    CHECK(env.pool->open_connections() <= env.pool->options().max_connections);
}

TEST_CASE("postgres: verifications racing a disable: none made after the disable committed succeeds", "[postgres]")
{
    pg_env env;
    const pepper_ring ring = ring_v1();
    auto k = apiauth::stores::create_api_key(env.store(), spec(alice), ring);
    REQUIRE(k.has_value());
    const std::string token(k->token.reveal());
    std::atomic<bool> disabled{false}, stop{false};
    std::atomic<int> after_ok{0}, checked_after{0}, failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            while (!stop) {
                const bool was_disabled = disabled.load();
                api_key_options o = policy();
                o.now = std::chrono::system_clock::now();
                auto v = apiauth::verify_api_key(token, env.store(), ring, o);
                if (was_disabled) {
                    ++checked_after;
                    if (v) ++after_ok;
                } else if (!v && v.error() != apiauth::make_error_code(errc::api_key_revoked)) {
                    ++failures;
                }
            }
        });
    std::this_thread::sleep_for(100ms);
    REQUIRE(env.store()
                .disable(k->record.key_id, alice,
                         std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()))
                .has_value());
    disabled = true;
    std::this_thread::sleep_for(100ms);
    stop = true;
    for (auto& t : threads) t.join();
    CHECK(checked_after > 0);
    CHECK(after_ok == 0);
    CHECK(failures == 0);
}
