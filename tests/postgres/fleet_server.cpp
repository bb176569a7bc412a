// apiauth_fleet_server: one server of a fleet that shares its API keys in PostgreSQL, for
// tests/postgres/fleet_test.cpp (issue 11), and an example of the library in an HTTP server
// (cpp-httplib). Several processes started with the same --db, --table and --pepper-hex accept the
// same keys; each keeps a read-through cache (stores::cached_api_key_store) of --cache-ttl-ms, the
// longest time another process's disable, delete or rotation can go unseen here.
//
//   apiauth_fleet_server --port 0 --db "host=/run/postgresql dbname=app" --table apiauth_api_keys
//                        --pepper-hex <64 hex digits> --cache-ttl-ms 1000
//
// Routes:
//   GET  /items                       protected: the key in X-API-Key, or HTTP Basic (the key's
//                                     client id and secret); 200 with the key id as body, else
//                                     apiauth::http_status(error) (401, 503 …) with
//                                     apiauth::error_name(error) as body
//   POST /admin/keys  owner=…         a new key: 201, the token as body (shown once)
//   POST /admin/keys/<id>/disable     200; verification refuses the key (api_key_revoked)
//   POST /admin/keys/<id>/enable      200
//   POST /admin/keys/<id>/rotate?grace=S   201, the new token; the old one expires in S seconds
//   DELETE /admin/keys/<id>           200, or 404
//   GET  /health                      200
// The management routes are unauthenticated: this is a test fixture. A real server would
// protect them (an operator credential, or an owner acting on its own keys: acting_owner).
//
// The first line on stdout is "listening <port>" (with --port 0 the system picks the port). The
// server stops when its stdin reaches end of file, and gets SIGTERM when its parent dies.
#include <apiauth/api_key.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/cache.hpp>
#include <apiauth/stores/postgres.hpp>

#include <httplib.h>

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace stores = apiauth::stores;
using namespace std::chrono_literals;

// The allow-list of key prefixes: the only prefix this fleet issues and accepts.
constexpr std::string_view key_prefix = "fleet_sk";
constexpr std::string_view prefixes[] = {key_prefix};

struct config {
    int port = 0;
    std::string db;
    std::string table = "apiauth_api_keys";
    std::string pepper_hex;
    std::chrono::milliseconds cache_ttl{1000};  // 0: no cache
};

template <class Int> bool parse_int(std::string_view s, Int& out)
{
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

std::optional<config> parse_args(int argc, char** argv)
{
    config c;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view name = argv[i], value = argv[i + 1];
        long long ms = 0;
        if (name == "--port" && parse_int(value, c.port) && c.port >= 0 && c.port <= 65535) continue;
        if (name == "--db")
            c.db = value;
        else if (name == "--table")
            c.table = value;
        else if (name == "--pepper-hex")
            c.pepper_hex = value;
        else if (name == "--cache-ttl-ms" && parse_int(value, ms) && ms >= 0)
            c.cache_ttl = std::chrono::milliseconds(ms);
        else
            return std::nullopt;
    }
    if (argc % 2 != 1 || c.db.empty() || c.pepper_hex.size() != 64) return std::nullopt;
    return c;
}

std::optional<std::vector<std::byte>> from_hex(std::string_view hex)
{
    std::vector<std::byte> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
        if (ec != std::errc() || end != hex.data() + i + 2) return std::nullopt;
        out.push_back(static_cast<std::byte>(v));
    }
    if (out.size() * 2 != hex.size()) return std::nullopt;
    return out;
}

// A refused request: the status, the error's name as the body, and the Basic challenge with a 401
// (RFC 9110 §15.5.2).
void refuse(httplib::Response& res, int status, std::error_code ec)
{
    res.status = status;
    res.set_content(std::string(apiauth::error_name(ec)), "text/plain");
    if (status == 401) res.set_header("WWW-Authenticate", "Basic realm=\"fleet\"");
}

// Management errors reach no protocol endpoint, so the application chooses their status
// (error.hpp): 404 for an unknown key, 409 for a conflict or a rotation of a disabled key, 400
// for a request the store refuses; a store that cannot answer is 503, as at /items.
int admin_status(std::error_code ec)
{
    using apiauth::errc;
    if (ec == errc::key_unknown || ec == errc::key_owner_mismatch) return 404;
    if (ec == errc::key_conflict || ec == errc::api_key_revoked || ec == errc::api_key_expired) return 409;
    if (ec == errc::invalid_configuration) return 400;
    return apiauth::http_status(ec);
}

/* The API key of a request: X-API-Key (the whole token) if present, else HTTP Basic. cpp-httplib
   keeps the header fields in a multimap; every Authorization line goes into the request_view, so
   that a duplicate is refused (duplicate_authorization) rather than one of them chosen. */
template <class Store>
apiauth::result<apiauth::verified_api_key> verify(const httplib::Request& req, const Store& store,
                                                  const apiauth::pepper_ring& ring, const apiauth::api_key_options& opt)
{
    if (const std::size_t n = req.get_header_value_count("X-API-Key"); n > 0) {
        if (n > 1) return apiauth::errc::api_key_malformed;  // which one would be meant?
        const auto field = req.headers.find("X-API-Key");
        return apiauth::verify_api_key(field->second, store, ring, opt);
    }
    std::vector<std::string_view> authorization;
    const auto [first, last] = req.headers.equal_range("Authorization");
    for (auto it = first; it != last; ++it) authorization.emplace_back(it->second);
    const apiauth::http::request_view view{.method = req.method, .target = req.target, .authorization = authorization};
    return apiauth::verify_basic_api_key(view, store, ring, opt);
}

// The routes, over `store`: a postgres_api_key_store, or a cache in front of one. Management goes
// through the same object, so that this process sees its own changes at once (the cache drops
// the key it changed); the other processes see them when their cache entry expires.
template <class Store> void add_routes(httplib::Server& svr, Store& store, const apiauth::pepper_ring& ring)
{
    const apiauth::api_key_options opt{.prefixes = prefixes};

    svr.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });

    svr.Get("/items", [&store, &ring, opt](const httplib::Request& req, httplib::Response& res) {
        auto v = verify(req, store, ring, opt);
        if (!v) return refuse(res, apiauth::http_status(v.error()), v.error());
        // A record under an older pepper is rehashed under the current one; a failure here is
        // harmless (the next verification tries again).
        if (v->needs_rehash()) (void)stores::store_rehash(store, *v);
        res.set_content(v->record()->key_id, "text/plain");
    });

    svr.Post("/admin/keys", [&store, &ring](const httplib::Request& req, httplib::Response& res) {
        const std::string owner = req.get_param_value("owner");
        if (owner.empty()) return refuse(res, 400, apiauth::errc::invalid_configuration);
        auto k = stores::create_api_key(store, {.prefix = key_prefix, .owner = owner}, ring);
        if (!k) return refuse(res, admin_status(k.error()), k.error());
        res.status = 201;
        res.set_content(std::string(k->token.reveal()), "text/plain");
    });

    svr.Post(R"(/admin/keys/([^/]+)/disable)", [&store](const httplib::Request& req, httplib::Response& res) {
        const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        auto r = store.disable(req.matches[1].str(), stores::any_owner, now);
        if (!r) return refuse(res, admin_status(r.error()), r.error());
        res.set_content("disabled", "text/plain");
    });

    svr.Post(R"(/admin/keys/([^/]+)/enable)", [&store](const httplib::Request& req, httplib::Response& res) {
        auto r = store.enable(req.matches[1].str(), stores::any_owner);
        if (!r) return refuse(res, admin_status(r.error()), r.error());
        res.set_content("enabled", "text/plain");
    });

    svr.Post(R"(/admin/keys/([^/]+)/rotate)", [&store, &ring](const httplib::Request& req, httplib::Response& res) {
        long long grace = 0;
        if (req.has_param("grace") && !parse_int(req.get_param_value("grace"), grace))
            return refuse(res, 400, apiauth::errc::invalid_configuration);
        auto k = stores::rotate_stored_api_key(store, req.matches[1].str(), stores::any_owner, ring,
                                               std::chrono::seconds(grace));
        if (!k) return refuse(res, admin_status(k.error()), k.error());
        res.status = 201;
        res.set_content(std::string(k->token.reveal()), "text/plain");
    });

    svr.Delete(R"(/admin/keys/([^/]+))", [&store](const httplib::Request& req, httplib::Response& res) {
        auto r = store.remove(req.matches[1].str(), stores::any_owner);
        if (!r) return refuse(res, admin_status(r.error()), r.error());
        if (!*r) return refuse(res, 404, apiauth::errc::key_unknown);
        res.set_content("deleted", "text/plain");
    });
}

}  // namespace

int main(int argc, char** argv)
{
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the process that started us
    std::signal(SIGPIPE, SIG_IGN);       // a client that hung up is an error on its socket only

    const std::optional<config> cfg = parse_args(argc, argv);
    const auto pepper = cfg ? from_hex(cfg->pepper_hex) : std::nullopt;
    if (!cfg || !pepper) {
        std::fprintf(stderr,
                     "usage: %s --db CONNINFO --pepper-hex HEX64 [--port N] [--table NAME] "
                     "[--cache-ttl-ms MS]\n",
                     argv[0]);
        return 2;
    }
    auto ring = apiauth::pepper_ring::make({{.version = 1, .key = *pepper}}, 1);
    auto pool = stores::postgres_pool::make({.conninfo = cfg->db, .table = cfg->table});
    if (!ring || !pool) {
        std::fprintf(stderr, "fleet_server: %s\n", (!ring ? ring.error() : pool.error()).message().c_str());
        return 2;
    }
    // The pool connects lazily: a database that is down now is reached once it is up.
    stores::postgres_api_key_store db(*pool);
    std::optional<stores::cached_api_key_store<stores::postgres_api_key_store>> cache;

    httplib::Server svr;
    if (cfg->cache_ttl > 0ms) {
        cache.emplace(db, stores::api_key_cache_options{.ttl = cfg->cache_ttl});
        add_routes(svr, *cache, *ring);
    } else {
        add_routes(svr, db, *ring);
    }

    const int port = cfg->port == 0 ? svr.bind_to_any_port("127.0.0.1")
                                    : (svr.bind_to_port("127.0.0.1", cfg->port) ? cfg->port : -1);
    if (port <= 0) {
        std::fprintf(stderr, "fleet_server: cannot listen on 127.0.0.1:%d\n", cfg->port);
        return 1;
    }
    std::printf("listening %d\n", port);
    std::fflush(stdout);

    // Stop when stdin ends (the test closed its end of the pipe, or died). stop() does nothing
    // before listen_after_bind() runs, so wait for that first.
    std::atomic<bool> stdin_closed{false}, listen_ended{false};
    std::thread watcher([&] {
        char buf[256];
        while (::read(STDIN_FILENO, buf, sizeof buf) > 0) {
        }
        stdin_closed = true;
        while (!svr.is_running() && !listen_ended) std::this_thread::sleep_for(5ms);
        svr.stop();
    });
    svr.listen_after_bind();
    listen_ended = true;
    if (!stdin_closed) {  // the listener failed on its own; the watcher still waits for stdin
        std::fprintf(stderr, "fleet_server: the listener ended\n");
        std::_Exit(1);
    }
    watcher.join();
    return 0;
}
