// The fleet test of issue 11: three apiauth_fleet_server processes (tests/postgres/fleet_server.cpp)
// share one PostgreSQL (tests/support/pg_server.hpp) and one pepper; the test talks to them over
// HTTP (cpp-httplib) on 127.0.0.1.
//   - a key created through one server is accepted by all three (X-API-Key and Basic);
//   - disabled through one, it is refused there at once and by the others within the cache TTL
//     (measured, and immediate with the cache off);
//   - 100 concurrent clients per server while the key is rotated with a grace period: nothing is
//     lost (every request with the old or the new token inside the grace period is 200, no 5xx),
//     nothing is accepted that should not be, and after grace + TTL the old token is refused;
//   - the database killed mid-run: 503 (store_unavailable), never an acceptance of a key no server
//     had cached, never 401 for a valid key; all servers answer 200 again soon after it returns.
//     A key a server verified less than a TTL before the outage is still accepted there from its
//     cache until the entry expires (by design: the cache's ttl bounds that too); after that, 503.
// Every child process is stopped by RAII (its stdin closed, then SIGKILL), pass or fail; the
// servers also get SIGTERM if the test process dies (PR_SET_PDEATHSIG).
#include <apiauth/api_key.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/postgres.hpp>

#include "../support/pg_server.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifndef APIAUTH_FLEET_SERVER
#error "APIAUTH_FLEET_SERVER: the path of apiauth_fleet_server (tests/postgres/CMakeLists.txt defines it)"
#endif

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using sys = std::chrono::system_clock;
using ms = std::chrono::milliseconds;

constexpr ms cache_ttl{1000};
constexpr ms staleness_margin{500};

// One PostgreSQL for the executable (catch_discover_tests runs each case in a process of its own).
apiauth::test::pg_server& database()
{
    static apiauth::test::pg_server s;
    return s;
}

// A fresh, migrated table of the shared database.
std::string fresh_table()
{
    static int n = 0;
    const std::string table = "fleet_keys_" + std::to_string(++n);
    auto pool = apiauth::stores::postgres_pool::make({.conninfo = database().conninfo(), .table = table});
    if (!pool || !(*pool)->migrate()) throw std::runtime_error("fleet test: cannot migrate " + table);
    return table;
}

std::string random_hex(std::size_t bytes)
{
    std::random_device rd;
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < bytes; ++i) {
        const unsigned v = rd() & 0xffu;
        s += digits[v >> 4];
        s += digits[v & 15];
    }
    return s;
}

long long ms_between(steady::time_point a, steady::time_point b)
{
    return std::chrono::duration_cast<ms>(b - a).count();
}

// ---- one server process ---------------------------------------------------------------------

// apiauth_fleet_server as a child: stdin and stdout are pipes (its first line names its port);
// the destructor closes its stdin (it stops), waits a moment, then SIGKILLs and reaps it.
class server_process {
public:
    server_process(const std::string& conninfo, const std::string& table, const std::string& pepper_hex, ms ttl)
    {
        std::vector<std::string> args = {APIAUTH_FLEET_SERVER,
                                         "--port",
                                         "0",
                                         "--db",
                                         conninfo,
                                         "--table",
                                         table,
                                         "--pepper-hex",
                                         pepper_hex,
                                         "--cache-ttl-ms",
                                         std::to_string(ttl.count())};
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        // O_CLOEXEC: no other child (another server, a restarted postgres) holds a pipe end, or
        // this server would never see the end of its stdin.
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("fleet test: pipe2");
        if (::pipe2(out, O_CLOEXEC) != 0) {
            ::close(in[0]);
            ::close(in[1]);
            throw std::runtime_error("fleet test: pipe2");
        }
        std::fflush(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {  // async-signal-safe calls only until exec
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::signal(SIGPIPE, SIG_DFL);  // the server sets its own; an ignored one would be inherited
            sigset_t none;
            ::sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::execv(argv[0], argv.data());
            static const char msg[] = "fleet test: exec apiauth_fleet_server failed\n";
            (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        if (pid_ < 0) {
            stop();
            throw std::runtime_error("fleet test: fork");
        }
        try {
            port_ = read_port();
        } catch (...) {
            stop();
            throw;
        }
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;
    ~server_process() { stop(); }

    int port() const { return port_; }

private:
    // "listening <port>\n", within 10 s.
    int read_port()
    {
        std::string line;
        const auto deadline = steady::now() + 10s;
        while (line.empty() || line.back() != '\n') {
            const auto left = ms_between(steady::now(), deadline);
            pollfd p{stdout_, POLLIN, 0};
            if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
                throw std::runtime_error("fleet test: apiauth_fleet_server did not say where it listens");
            char c = 0;
            if (::read(stdout_, &c, 1) != 1)
                throw std::runtime_error("fleet test: apiauth_fleet_server exited before listening: " + line);
            line += c;
        }
        int port = 0;
        if (std::sscanf(line.c_str(), "listening %d", &port) != 1 || port <= 0)
            throw std::runtime_error("fleet test: unexpected first line: " + line);
        return port;
    }

    void stop() noexcept
    {
        if (stdin_ >= 0) ::close(std::exchange(stdin_, -1));  // end of file: the server stops
        if (pid_ > 0) {
            const auto deadline = steady::now() + 3s;
            int status = 0;
            pid_t r = 0;
            while ((r = ::waitpid(pid_, &status, WNOHANG)) == 0 && steady::now() < deadline)
                std::this_thread::sleep_for(5ms);
            if (r == 0) {
                ::kill(pid_, SIGKILL);
                while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
                }
            }
            pid_ = -1;
        }
        if (stdout_ >= 0) ::close(std::exchange(stdout_, -1));
    }

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    int port_ = 0;
};

// Three servers over one fresh table of the shared database, with one pepper.
class fleet {
public:
    explicit fleet(ms ttl, int n = 3)
    {
        ::signal(SIGPIPE, SIG_IGN);  // cpp-httplib writes to sockets without MSG_NOSIGNAL
        const std::string table = fresh_table(), pepper = random_hex(32);
        for (int i = 0; i < n; ++i)
            servers_.push_back(std::make_unique<server_process>(database().conninfo(), table, pepper, ttl));
    }
    int port(std::size_t i) const { return servers_.at(i)->port(); }
    std::size_t size() const { return servers_.size(); }

private:
    std::vector<std::unique_ptr<server_process>> servers_;
};

// ---- HTTP -----------------------------------------------------------------------------------

struct answer {
    int status = -1;        // -1: no HTTP answer (body: the transport error)
    std::string body;       // the key id, or the error's name
    std::string challenge;  // WWW-Authenticate
};

std::string describe(const answer& a)
{
    return std::to_string(a.status) + " " + a.body;
}

std::unique_ptr<httplib::Client> client(int port)
{
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(10s);
    c->set_read_timeout(10s);
    c->set_write_timeout(10s);
    return c;
}

answer from(const httplib::Result& r)
{
    if (!r) return {-1, httplib::to_string(r.error()), {}};
    return {r->status, r->body, r->get_header_value("WWW-Authenticate")};
}

enum class via { x_api_key, basic };

// GET /items with `token` as X-API-Key, or cut into the Basic pair client id : secret.
answer get_items(httplib::Client& c, const std::string& token, via how)
{
    httplib::Headers h;
    if (how == via::x_api_key) {
        h.emplace("X-API-Key", token);
    } else {
        const std::size_t cut = token.rfind('_');
        h.emplace("Authorization",
                  "Basic " + apiauth::encoding::base64::encode(token.substr(0, cut) + ":" + token.substr(cut + 1)));
    }
    return from(c.Get("/items", h));
}

answer get_items(int port, const std::string& token, via how = via::x_api_key)
{
    return get_items(*client(port), token, how);
}

answer post(int port, const std::string& path, const httplib::Params& params = {})
{
    return from(client(port)->Post(path.c_str(), params));
}

// A new key through server `port`: its token and key id.
struct key {
    std::string token, id;
};

// With `verify`, the key is verified once through the same server (which learns its id).
key create_key(int port, const std::string& owner = "alice", bool verify = true)
{
    const answer a = post(port, "/admin/keys", {{"owner", owner}});
    INFO(describe(a));
    REQUIRE(a.status == 201);
    if (!verify) return {a.body, {}};
    const answer v = get_items(port, a.body);
    INFO(describe(v));
    REQUIRE(v.status == 200);
    return {a.body, v.body};
}

// A well-formed token (prefix, version, checksum all right) that no store holds: made under
// another pepper and never kept.
std::string unknown_token()
{
    const std::vector<std::byte> pepper(32, std::byte{7});
    auto ring = apiauth::pepper_ring::make({{.version = 1, .key = pepper}}, 1);
    REQUIRE(ring.has_value());
    auto g = apiauth::generate_api_key("fleet_sk", *ring);
    REQUIRE(g.has_value());
    return std::string(g->token.reveal());
}

bool refused_as(const answer& a, const char* error)
{
    return a.status == 401 && a.body == error && a.challenge == "Basic realm=\"fleet\"";
}

// Threads that are joined when the group goes, pass or fail; `stop`, if given, is set first.
class thread_group {
public:
    explicit thread_group(std::atomic<bool>* stop = nullptr) : stop_(stop) {}
    thread_group(const thread_group&) = delete;
    thread_group& operator=(const thread_group&) = delete;
    ~thread_group() { join(); }
    template <class F> void spawn(F&& f) { threads_.emplace_back(std::forward<F>(f)); }
    void join()
    {
        if (stop_ != nullptr) *stop_ = true;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

private:
    std::atomic<bool>* stop_;
    std::vector<std::thread> threads_;
};

// ---- case b: staleness of a disable -----------------------------------------------------------

struct staleness {
    std::vector<long long> ms;  // from the disable's 200 to the first refusal, per server
    std::vector<int> polls;     // requests until then, the refusal included
};

// Disables `k` through server 2 (index 1) and measures, for each server, the time from the
// disable's 200 until its first refusal (api_key_revoked), polling every 20 ms.
staleness staleness_after_disable(const fleet& f, const key& k, ms limit)
{
    // Each server verifies the key just before the disable, so a cache holds it for about a TTL.
    for (std::size_t i = 0; i < f.size(); ++i) REQUIRE(get_items(f.port(i), k.token).status == 200);
    const answer d = post(f.port(1), "/admin/keys/" + k.id + "/disable");
    const auto t0 = steady::now();
    INFO(describe(d));
    REQUIRE(d.status == 200);

    std::vector<long long> staleness(f.size(), -1);
    std::vector<int> polls(f.size(), 0);
    std::vector<std::string> unexpected;
    while (std::count(staleness.begin(), staleness.end(), -1) > 0 && steady::now() - t0 < limit + 2s) {
        for (std::size_t i = 0; i < f.size(); ++i) {
            if (staleness[i] >= 0) continue;
            const answer a = get_items(f.port(i), k.token, polls[i] % 2 == 0 ? via::x_api_key : via::basic);
            ++polls[i];
            if (refused_as(a, "api_key_revoked"))
                staleness[i] = ms_between(t0, steady::now());
            else if (a.status != 200)
                unexpected.push_back("server " + std::to_string(i + 1) + ": " + describe(a));
        }
        std::this_thread::sleep_for(20ms);
    }
    CHECK(unexpected.empty());
    for (const std::string& u : unexpected) UNSCOPED_INFO(u);
    for (std::size_t i = 0; i < f.size(); ++i) {
        INFO("server " << (i + 1) << ": refused after " << staleness[i] << " ms, " << polls[i] << " requests");
        CHECK(staleness[i] >= 0);
        CHECK(staleness[i] <= limit.count());
    }
    // The server the disable went through refused the very first request after it.
    CHECK(polls[1] == 1);
    return {staleness, polls};
}

// ---- case c and d: many clients ---------------------------------------------------------------

// Case c: the rotated key's old and new tokens; case d: a key every cache holds, one none does.
enum class token_kind { old_key, new_key, unknown, cached, uncached };

struct sample {
    std::size_t server = 0;
    token_kind kind = token_kind::old_key;
    steady::time_point start, end;
    sys::time_point start_sys, end_sys;
    answer a;
};

}  // namespace

TEST_CASE("fleet: a key created through server 1 is accepted by servers 1 2 and 3 (X-API-Key and Basic)",
          "[postgres][fleet]")
{
    fleet f(cache_ttl);
    const key k = create_key(f.port(0));
    CHECK(k.token.rfind("fleet_sk_", 0) == 0);
    for (std::size_t i = 0; i < f.size(); ++i) {
        INFO("server " << (i + 1));
        for (const via how : {via::x_api_key, via::basic}) {
            const answer a = get_items(f.port(i), k.token, how);
            INFO(describe(a));
            CHECK(a.status == 200);
            CHECK(a.body == k.id);
        }
        // And what none of them may accept: an unknown key, a wrong secret, no credentials.
        CHECK(refused_as(get_items(f.port(i), unknown_token()), "api_key_not_found"));
        std::string wrong = k.token;
        wrong[wrong.size() - 10] = wrong[wrong.size() - 10] == 'a' ? 'b' : 'a';
        const answer w = get_items(f.port(i), wrong);
        CHECK(w.status == 401);  // the checksum catches most edits before the store is asked
        const answer none = from(client(f.port(i))->Get("/items"));
        CHECK(refused_as(none, "no_credentials"));
        CHECK(from(client(f.port(i))->Get("/health")).status == 200);
    }
    // Management errors: an unknown key id is 404 on every server.
    CHECK(post(f.port(2), "/admin/keys/1AAAAAAAAAAAAAAA/disable").status == 404);
    CHECK(post(f.port(2), "/admin/keys").status == 400);
}

TEST_CASE("fleet: a key disabled through server 2 is refused by it at once and by servers 1 and 3 within the "
          "cache TTL",
          "[postgres][fleet]")
{
    fleet f(cache_ttl);
    const key k = create_key(f.port(0));
    const staleness s = staleness_after_disable(f, k, cache_ttl + staleness_margin);
    WARN("cache TTL " << cache_ttl.count() << " ms: refused after " << s.ms[0] << " ms, " << s.polls[0]
                      << " requests (server 1); " << s.ms[1] << " ms, " << s.polls[1]
                      << " request (server 2, the one disabled through); " << s.ms[2] << " ms, " << s.polls[2]
                      << " requests (server 3)");
    // And enabled again through server 3: accepted there at once, and everywhere within the TTL.
    REQUIRE(post(f.port(2), "/admin/keys/" + k.id + "/enable").status == 200);
    CHECK(get_items(f.port(2), k.token).status == 200);
    std::this_thread::sleep_for(cache_ttl + 100ms);
    for (std::size_t i = 0; i < f.size(); ++i) CHECK(get_items(f.port(i), k.token).status == 200);
}

TEST_CASE("fleet: with the cache off a key disabled through server 2 is refused by every server at once",
          "[postgres][fleet]")
{
    fleet f(0ms);
    const key k = create_key(f.port(0));
    // The first request to each server after the disable is refused (polls == 1); the time
    // limit only bounds how long that request may take on a loaded machine.
    const staleness s = staleness_after_disable(f, k, staleness_margin);
    for (std::size_t i = 0; i < f.size(); ++i) CHECK(s.polls[i] == 1);
    WARN("cache off: refused after " << s.ms[0] << " ms (server 1), " << s.ms[1] << " ms (server 2), " << s.ms[2]
                                     << " ms (server 3), at request " << s.polls[0] << ", " << s.polls[1] << ", "
                                     << s.polls[2]);
}

TEST_CASE("fleet: 100 concurrent clients per server while the key is rotated through server 1 lose nothing "
          "and accept nothing they should not",
          "[postgres][fleet]")
{
    constexpr std::size_t clients_per_server = 100;
    constexpr auto pace = 200ms;  // request i of every client is sent at start + i * pace
    constexpr auto grace = 2s;
    // Every client sends requests 0 .. n_requests - 1. The count is fixed once the rotation has
    // answered, so that the run always goes on past the moment the old key must be refused
    // everywhere, however long the rotation took and wherever in a second it fell (about 5.5 s
    // of requests in all); until then it is a bound no client reaches.
    std::atomic<int> n_requests{1000};

    fleet f(cache_ttl);
    const key old_key = create_key(f.port(0));
    for (std::size_t i = 0; i < f.size(); ++i) REQUIRE(get_items(f.port(i), old_key.token).status == 200);
    const std::string unknown = unknown_token();

    std::mutex new_mutex;
    std::string new_token;  // set once the rotation answered
    std::atomic<bool> rotated{false};

    const std::size_t n_clients = clients_per_server * f.size();
    std::vector<std::vector<sample>> samples(n_clients);
    std::latch ready(static_cast<std::ptrdiff_t>(n_clients) + 1);
    const auto start = steady::now() + 1500ms;  // time for 300 threads to start
    thread_group threads;
    for (std::size_t c = 0; c < n_clients; ++c) {
        threads.spawn([&, c] {
            const std::size_t server = c % f.size();
            auto cli = client(f.port(server));
            std::vector<sample>& mine = samples[c];
            mine.reserve(40);
            ready.count_down();
            for (int i = 0; i < n_requests.load(); ++i) {
                std::this_thread::sleep_until(start + i * pace + ms(c % 97));  // spread within a pace
                sample s;
                s.server = server;
                std::string token = old_key.token;
                if (i % 10 == 9) {
                    s.kind = token_kind::unknown;
                    token = unknown;
                } else if (rotated && (i + static_cast<int>(c)) % 2 == 1) {
                    s.kind = token_kind::new_key;
                    const std::lock_guard lock(new_mutex);
                    token = new_token;
                }
                s.start = steady::now();
                s.start_sys = sys::now();
                s.a =
                    get_items(*cli, token, (i + static_cast<int>(c / f.size())) % 3 == 0 ? via::basic : via::x_api_key);
                s.end = steady::now();
                s.end_sys = sys::now();
                mine.push_back(std::move(s));
            }
        });
    }
    ready.arrive_and_wait();

    // Rotate 1 to 2 s into the run, just before a second boundary: the old key then ends at
    // ceil(now) + grace (rotate_stored_api_key rounds up, so at least `grace` is given), close to
    // now + grace, which keeps the run short. A rotation that crosses the boundary on a loaded
    // machine ends the old key a second later; n_requests follows it.
    std::this_thread::sleep_until(start + 1s);
    const auto s_now = sys::now();
    std::this_thread::sleep_until(std::chrono::floor<std::chrono::seconds>(s_now) + 1s - 40ms);
    const auto rot_sys_before = sys::now();
    const answer r = post(f.port(0), "/admin/keys/" + old_key.id + "/rotate", {{"grace", "2"}});
    const auto rot_sys_after = sys::now();
    const auto rot_after = steady::now();
    if (r.status == 201) {
        const std::lock_guard lock(new_mutex);
        new_token = r.body;
        rotated = true;
    }
    // The old key must be refused everywhere from refuse_from_sys and refuse_from (below); the
    // clients go on for 600 ms past the later of the two, so every run has requests there.
    {
        const auto end_sys = std::chrono::ceil<std::chrono::seconds>(rot_sys_after) + grace + 50ms;
        const auto end_by_sys = rot_after + std::chrono::duration_cast<steady::duration>(end_sys - rot_sys_after);
        const auto last = std::max(end_by_sys, rot_after + cache_ttl + 50ms) + 600ms;
        n_requests = static_cast<int>((last - start) / pace) + 1;
    }
    threads.join();
    {
        INFO("rotate: " << describe(r));
        REQUIRE(r.status == 201);
    }
    const std::string new_id = get_items(f.port(0), new_token).body;
    CHECK(new_id != old_key.id);

    // The old key ends at ceil(t) + grace for a t within the rotation request: a request that
    // was answered before ceil(rot_sys_before) + grace was inside the grace period. One sent
    // after ceil(rot_sys_after) + grace (50 ms for the coarse clock the servers read) and after
    // rot_after + TTL (when a record cached before the rotation has expired everywhere) must be
    // refused; in between, either answer is right.
    const auto grace_until = std::chrono::ceil<std::chrono::seconds>(rot_sys_before) + grace;
    const auto refuse_from_sys = std::chrono::ceil<std::chrono::seconds>(rot_sys_after) + grace + 50ms;
    const auto refuse_from = rot_after + cache_ttl + 50ms;
    std::size_t total = 0, ok = 0, must = 0, must_ok = 0, new_n = 0, old_in_grace = 0, old_between = 0,
                old_between_ok = 0, old_after = 0, old_after_ok = 0, unknown_n = 0, unknown_ok = 0, server_errors = 0,
                transport = 0;
    std::map<std::string, std::size_t> refusals;
    std::vector<std::string> lost;
    for (const auto& per_client : samples) {
        for (const sample& s : per_client) {
            ++total;
            const bool is_ok = s.a.status == 200;
            ok += is_ok;
            if (s.a.status < 0) ++transport;
            if (s.a.status >= 500) ++server_errors;
            if (!is_ok) ++refusals[describe(s.a)];
            switch (s.kind) {
            case token_kind::unknown:
                ++unknown_n;
                if (is_ok) ++unknown_ok;
                if (!refused_as(s.a, "api_key_not_found")) lost.push_back("unknown key: " + describe(s.a));
                break;
            case token_kind::new_key:
                ++new_n, ++must;
                if (is_ok && s.a.body == new_id)
                    ++must_ok;
                else
                    lost.push_back("new key: " + describe(s.a));
                break;
            case token_kind::old_key:
                if (s.end_sys < grace_until) {
                    ++old_in_grace, ++must;
                    if (is_ok && s.a.body == old_key.id)
                        ++must_ok;
                    else
                        lost.push_back("old key in grace: " + describe(s.a));
                } else if (s.start_sys < refuse_from_sys || s.start < refuse_from) {
                    // 200 while the record (or a cache entry from before the rotation) says so
                    ++old_between;
                    old_between_ok += is_ok;
                    if (!is_ok && !refused_as(s.a, "api_key_expired")) lost.push_back("old key late: " + describe(s.a));
                } else {
                    ++old_after;
                    old_after_ok += is_ok;
                    if (!refused_as(s.a, "api_key_expired")) lost.push_back("old key after its end: " + describe(s.a));
                }
                break;
            case token_kind::cached:
            case token_kind::uncached: break;
            }
        }
    }
    std::ostringstream report;
    report << "rotation: " << total << " requests from " << n_clients << " clients (" << clients_per_server
           << " per server), " << ok << " answered 200; must be 200 (old key before its end, new key): " << must
           << " (old " << old_in_grace << ", new " << new_n << "), of which 200: " << must_ok
           << "; old key between the guaranteed grace (" << (grace_until - rot_sys_before) / 1ms
           << " ms after the rotation was sent) and its end everywhere: " << old_between << " (200: " << old_between_ok
           << "); old key after: " << old_after << " (200: " << old_after_ok << "); unknown key: " << unknown_n
           << " (200: " << unknown_ok << "); 5xx: " << server_errors << "; no answer: " << transport
           << "; rotation took " << (rot_sys_after - rot_sys_before) / 1ms << " ms";
    for (const auto& [what, n] : refusals) report << "; " << what << " x" << n;
    WARN(report.str());
    CHECK(total == n_clients * static_cast<std::size_t>(n_requests.load()));
    CHECK(must_ok == must);
    CHECK(unknown_ok == 0);
    CHECK(server_errors == 0);
    CHECK(transport == 0);
    CHECK(new_n > 0);
    CHECK(old_in_grace > 0);
    CHECK(old_after > 0);
    CHECK(old_after_ok == 0);
    for (std::size_t i = 0; i < lost.size() && i < 20; ++i) UNSCOPED_INFO(lost[i]);
    CHECK(lost.empty());

    // After grace + TTL: the old token is refused everywhere, the new one accepted.
    // The old key ends at ceil(t) + grace, t before rot_sys_after; a cache entry filled before
    // the rotation committed expires before rot_after + TTL.
    std::this_thread::sleep_until(std::chrono::ceil<std::chrono::seconds>(rot_sys_after) + grace + 50ms);
    std::this_thread::sleep_until(rot_after + cache_ttl + 50ms);
    for (std::size_t i = 0; i < f.size(); ++i) {
        INFO("server " << (i + 1));
        for (const via how : {via::x_api_key, via::basic}) {
            const answer o = get_items(f.port(i), old_key.token, how);
            INFO("old: " << describe(o));
            CHECK(refused_as(o, "api_key_expired"));
            const answer n = get_items(f.port(i), new_token, how);
            INFO("new: " << describe(n));
            CHECK(n.status == 200);
            CHECK(n.body == new_id);
        }
        CHECK(refused_as(get_items(f.port(i), unknown), "api_key_not_found"));
    }
}

TEST_CASE("fleet: the database killed mid-run gives 503 and no acceptance of an uncached key and all servers "
          "recover when it returns",
          "[postgres][fleet][fault]")
{
    fleet f(cache_ttl);
    const key cached = create_key(f.port(0));                  // verified all along: in every cache at the kill
    const key uncached = create_key(f.port(0), "bob", false);  // never verified before the outage
    const std::string unknown = unknown_token();

    std::atomic<bool> killed{false}, stop{false};
    std::mutex m;
    std::vector<sample> samples;
    thread_group threads(&stop);
    for (std::size_t server = 0; server < f.size(); ++server) {
        for (const token_kind kind : {token_kind::cached, token_kind::uncached, token_kind::unknown}) {
            threads.spawn([&, server, kind] {
                auto cli = client(f.port(server));
                const std::string& token = kind == token_kind::cached     ? cached.token
                                           : kind == token_kind::uncached ? uncached.token
                                                                          : unknown;
                std::vector<sample> mine;
                for (int i = 0; !stop; ++i) {
                    // The uncached key is asked for only once the database is gone.
                    if (kind == token_kind::uncached && !killed) {
                        std::this_thread::sleep_for(5ms);
                        continue;
                    }
                    sample s;
                    s.server = server;
                    s.kind = kind;
                    s.start = steady::now();
                    s.a = get_items(*cli, token, i % 2 == 0 ? via::x_api_key : via::basic);
                    s.end = steady::now();
                    mine.push_back(std::move(s));
                    std::this_thread::sleep_for(20ms);
                }
                const std::lock_guard lock(m);
                samples.insert(samples.end(), mine.begin(), mine.end());
            });
        }
    }
    std::this_thread::sleep_for(500ms);
    const auto kill_start = steady::now();
    database().kill_hard();
    const auto kill_end = steady::now();
    killed = true;
    std::this_thread::sleep_for(300ms);
    // Management fails closed too.
    const answer create_down = post(f.port(1), "/admin/keys", {{"owner", "carol"}});
    std::this_thread::sleep_for(cache_ttl + 500ms);  // every cache entry has expired
    const auto restart_start = steady::now();
    database().restart();
    const auto restart_end = steady::now();

    // Recovery: every server answers 200 for both keys again.
    std::vector<long long> recovered(f.size(), -1);
    while (std::count(recovered.begin(), recovered.end(), -1) > 0 && steady::now() - restart_end < 10s) {
        for (std::size_t i = 0; i < f.size(); ++i)
            if (recovered[i] < 0 && get_items(f.port(i), cached.token).status == 200 &&
                get_items(f.port(i), uncached.token, via::basic).status == 200)
                recovered[i] = ms_between(restart_end, steady::now());
        std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(200ms);
    threads.join();

    std::size_t n = 0, outage = 0, outage_503 = 0, cached_ok_after_kill = 0, uncached_down = 0, uncached_ok_down = 0,
                unknown_ok = 0, valid_401 = 0, other = 0;
    long long last_cached_ok = -1;
    std::vector<std::string> bad;
    for (const sample& s : samples) {
        ++n;
        const bool ok = s.a.status == 200;
        const bool unavailable = s.a.status == 503 && s.a.body == "store_unavailable";
        if (s.kind == token_kind::unknown && ok) ++unknown_ok;
        if (s.kind != token_kind::unknown && s.a.status == 401) {
            ++valid_401;
            bad.push_back("valid key refused: " + describe(s.a));
        }
        if (!ok && !unavailable && s.a.status != 401) {
            ++other;
            bad.push_back("unexpected: " + describe(s.a));
        }
        const bool during = s.start >= kill_end && s.end < restart_start;  // wholly inside the outage
        if (during) {
            ++outage;
            outage_503 += unavailable;
            if (s.kind == token_kind::uncached) {
                ++uncached_down;
                uncached_ok_down += ok;
            }
            if (s.kind == token_kind::cached && ok) {
                ++cached_ok_after_kill;
                last_cached_ok = std::max(last_cached_ok, ms_between(kill_end, s.start));
                // A cache entry was filled before the kill, so it expired at most a TTL after it.
                if (s.start > kill_end + cache_ttl) bad.push_back("cached key accepted a TTL after the kill");
            }
            if (s.kind == token_kind::unknown && !unavailable)
                bad.push_back("unknown key during outage: " + describe(s.a));
            if (!ok && !unavailable) bad.push_back("during outage: " + describe(s.a));
        }
    }
    std::ostringstream report;
    report << "outage: kill_hard took " << ms_between(kill_start, kill_end) << " ms, database down "
           << ms_between(kill_end, restart_start) << " ms, restart took " << ms_between(restart_start, restart_end)
           << " ms; " << n << " requests, " << outage << " wholly inside the outage, " << outage_503
           << " of them 503 store_unavailable; the cached key accepted " << cached_ok_after_kill
           << " times after the kill (the last " << last_cached_ok << " ms after it; TTL " << cache_ttl.count()
           << " ms); the uncached key: " << uncached_down << " requests in the outage, " << uncached_ok_down
           << " accepted; management during the outage: " << describe(create_down) << "; recovered after";
    for (std::size_t i = 0; i < f.size(); ++i) report << " " << recovered[i] << " ms (server " << (i + 1) << ")";
    WARN(report.str());
    for (std::size_t i = 0; i < bad.size() && i < 20; ++i) UNSCOPED_INFO(bad[i]);
    CHECK(bad.empty());
    CHECK(uncached_down > 0);
    CHECK(uncached_ok_down == 0);
    CHECK(unknown_ok == 0);
    CHECK(valid_401 == 0);
    CHECK(other == 0);
    CHECK(outage_503 > 0);
    CHECK(create_down.status == 503);
    CHECK(create_down.body == "store_unavailable");
    for (std::size_t i = 0; i < f.size(); ++i) {
        INFO("server " << (i + 1));
        CHECK(recovered[i] >= 0);
        CHECK(recovered[i] <= 5000);
    }
}
