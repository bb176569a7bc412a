// Self-test of tests/support/pg_server.hpp: a private PostgreSQL server starts, answers SQL,
// hangs when paused and answers again when resumed, keeps committed data across a SIGKILL and
// restart, and leaves neither a process nor its directory behind.
#include "pg_server.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

using apiauth::test::pg_server;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

std::string conninfo_with_timeout(const pg_server& s, int seconds)
{
    return "host=" + s.socket_dir() + " port=" + std::to_string(s.port()) +
           " user=apiauth dbname=postgres connect_timeout=" + std::to_string(seconds);
}

bool gone(pid_t pid)
{
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

TEST_CASE("pg_server starts a private server, exec and query_value round-trip, the destructor cleans up", "[pg_server]")
{
    pid_t pid = -1;
    std::filesystem::path dir;
    {
        const auto t0 = steady_clock::now();
        pg_server server;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - t0).count();
        WARN("pg_server start (initdb + postgres until PQping OK): " << ms << " ms");
        pid = server.pid();
        dir = server.socket_dir();
        REQUIRE(pid > 0);
        CHECK(dir.string().rfind("/tmp/apiauth-pg.", 0) == 0);
        CHECK(std::filesystem::exists(dir / (".s.PGSQL." + std::to_string(server.port()))));
        CHECK(PQping(server.conninfo().c_str()) == PQPING_OK);

        CHECK(server.query_value("SELECT current_user") == "apiauth");
        CHECK(server.query_value("SHOW server_encoding") == "UTF8");
        CHECK(server.query_value("SHOW listen_addresses").empty());
        CHECK(server.query_value("SHOW fsync") == "off");
        CHECK(server.query_value("SELECT split_part(current_setting('server_version'), '.', 1)") == "15");

        server.exec("CREATE TABLE t (id integer PRIMARY KEY, v text)");
        server.exec("INSERT INTO t VALUES (1, 'one'), (2, 'twö'); INSERT INTO t VALUES (3, NULL)");
        CHECK(server.query_value("SELECT v FROM t WHERE id = 1") == "one");
        CHECK(server.query_value("SELECT v FROM t WHERE id = 2") == "twö");
        CHECK(server.query_value("SELECT v FROM t WHERE id = 3").empty());  // NULL
        CHECK(server.query_value("SELECT v FROM t WHERE id = 4").empty());  // no row
        CHECK(server.query_value("SELECT count(*) FROM t") == "3");
        CHECK_THROWS_WITH(server.exec("INSERT INTO t VALUES (1, 'again')"),
                          Catch::Contains("duplicate key value violates unique constraint"));
        CHECK_THROWS_WITH(server.query_value("SELEC 1"), Catch::Contains("syntax error"));
        CHECK(server.query_value("SELECT count(*) FROM t") == "3");
    }
    CHECK(gone(pid));
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("pg_server::pause hangs new and open connections, resume answers both again", "[pg_server]")
{
    pg_server server;
    PGconn* open_conn = PQconnectdb(server.conninfo().c_str());
    REQUIRE(PQstatus(open_conn) == CONNECTION_OK);

    server.pause();
    // A new connection: the kernel accepts it, nobody answers; connect_timeout=2 ends it.
    const auto t0 = steady_clock::now();
    CHECK(PQping(conninfo_with_timeout(server, 2).c_str()) != PQPING_OK);
    const auto took = steady_clock::now() - t0;
    CHECK(took >= 1500ms);
    CHECK(took < 10s);
    // An open connection: its backend is stopped too, so no reply comes.
    REQUIRE(PQsendQuery(open_conn, "SELECT 40 + 2") == 1);
    pollfd p{PQsocket(open_conn), POLLIN, 0};
    CHECK(::poll(&p, 1, 1000) == 0);

    server.resume();
    // The open connection's answer arrives.
    PGresult* r = PQgetResult(open_conn);
    REQUIRE(r != nullptr);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
    CHECK(std::string(PQgetvalue(r, 0, 0)) == "42");
    PQclear(r);
    while ((r = PQgetResult(open_conn)) != nullptr) PQclear(r);
    PQfinish(open_conn);
    // And new connections are answered.
    CHECK(PQping(conninfo_with_timeout(server, 2).c_str()) == PQPING_OK);
    CHECK(server.query_value("SELECT 1") == "1");

    // The destructor copes with a paused server too.
    server.pause();
}

TEST_CASE("pg_server::kill_hard then restart: the server vanishes, comes back, committed data is kept", "[pg_server]")
{
    pg_server server;
    server.exec("CREATE TABLE kept (id integer PRIMARY KEY)");
    const pid_t before = server.pid();
    for (int i = 1; i <= 50; ++i) server.exec("INSERT INTO kept VALUES (" + std::to_string(i) + ")");

    server.kill_hard();  // right after the last commit: no time for a background WAL flush
    CHECK(gone(before));
    CHECK(server.pid() == -1);
    CHECK(PQping(conninfo_with_timeout(server, 2).c_str()) == PQPING_NO_RESPONSE);
    CHECK_THROWS(server.exec("SELECT 1"));

    server.restart();
    CHECK(server.pid() > 0);
    CHECK(server.pid() != before);
    CHECK(server.query_value("SELECT count(*) FROM kept") == "50");
    CHECK(server.query_value("SELECT max(id) FROM kept") == "50");
    CHECK(server.log().find("automatic recovery in progress") != std::string::npos);

    // Twice more, with an open connection that the kill breaks.
    PGconn* c = PQconnectdb(server.conninfo().c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    server.restart();
    PGresult* r = PQexec(c, "SELECT 1");
    CHECK(PQresultStatus(r) != PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
    server.exec("INSERT INTO kept VALUES (51)");
    server.restart();
    CHECK(server.query_value("SELECT count(*) FROM kept") == "51");

    // stop() (fast shutdown) and restart() work too.
    server.stop();
    CHECK(server.pid() == -1);
    server.restart();
    CHECK(server.query_value("SELECT count(*) FROM kept") == "51");
}
