// oauth2_server.cpp — the apiauth side of the OAuth 2.0 interop tests (tests/interop/oauth2_*):
// a small cpp-httplib server on a loopback port that answers with what apiauth decides.
//
//   oauth2_server <info.json> [HS256|ES256] [cache]
//
// Binds 127.0.0.1 on a port the OS chooses, generates everything it needs in memory, writes
// <info.json> (the clients' ids and secrets, the access tokens' issuer, audience, algorithm
// and verification key as a JWK), then prints "PORT <n>" on stdout. It stops on SIGTERM or
// SIGINT, or when its stdin reaches end of file (so that it never outlives the test script).
// With `cache`, authenticate_api uses a verified-token cache (oauth2/token_cache.hpp).
//
//   POST /oauth/token                   oauth2::token_endpoint (client_secret_basic and _post)
//   POST /oauth/revoke                  oauth2::revocation_endpoint (RFC 7009)
//   POST /oauth/introspect              oauth2::introspection_endpoint (RFC 7662)
//   GET  /api/items                     authenticate_api, requires items:read
//   POST /api/items                     authenticate_api, requires items:write
//   GET  /.well-known/jwks.json         the public key (ES256 only; 404 with HS256)
//
// The /oauth/* paths take every method, so that the library's 405 is what a client sees. A
// request apiauth refuses is answered with the library's http::response copied as it is:
// status, every header field, body. (httplib keeps header fields in a multimap ordered by
// name, so they go out sorted by name; fields of one name keep the library's order.)

#include <apiauth/api_key.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/stores/memory.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <functional>
#include <poll.h>
#include <pthread.h>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace oauth2 = apiauth::oauth2;

constexpr std::string_view key_prefix = "acme_sk";
const std::string_view prefixes[] = {key_prefix};

[[noreturn]] void die(std::string_view what, std::error_code ec = {})
{
    std::fprintf(stderr, "oauth2_server: %.*s%s%s\n", static_cast<int>(what.size()), what.data(), ec ? ": " : "",
                 ec ? ec.message().c_str() : "");
    std::exit(2);
}

template <class T> T must(apiauth::result<T> r, std::string_view what)
{
    if (!r) die(what, r.error());
    return std::move(*r);
}

// What apiauth reads of an httplib request. Views into `r`, which outlives the handler call.
class request_of {
public:
    explicit request_of(const httplib::Request& r)
    {
        // httplib keeps every header line in a multimap with a case-insensitive order, equal
        // names in the order received: every Authorization line, a duplicate included.
        const auto [first, last] = r.headers.equal_range("Authorization");
        for (auto it = first; it != last; ++it) authorization_.emplace_back(it->second);
        std::string_view content_type;
        if (const auto it = r.headers.find("Content-Type"); it != r.headers.end()) content_type = it->second;
        // Request::target is the request-target as received (path and raw query, not decoded);
        // Request::path is percent-decoded and has no query.
        view_ = {.method = r.method,
                 .target = r.target.empty() ? std::string_view(r.path) : std::string_view(r.target),
                 .authorization = authorization_,
                 .content_type = content_type,
                 .body = r.body};
    }
    request_of(const request_of&) = delete;
    request_of& operator=(const request_of&) = delete;
    const apiauth::http::request_view& view() const noexcept { return view_; }

private:
    std::vector<std::string_view> authorization_;
    apiauth::http::request_view view_;
};

// The library's answer, sent as it is: status, every field, body. httplib adds only
// what the transport needs (Content-Length, Keep-Alive or Connection, and Content-Encoding
// when the client accepts a compression).
void send(const apiauth::http::response& from, httplib::Response& to)
{
    to.status = from.status;
    to.headers.clear();
    for (const apiauth::http::field& f : from.fields) to.headers.emplace(f.name, f.value);
    to.body = from.body;
}

void send_json(httplib::Response& to, int status, const nlohmann::json& j)
{
    to.status = status;
    to.set_content(j.dump(), "application/json");
}

struct client_info {
    std::string key_id, client_id, client_secret;
    std::vector<std::string> scopes;
};

client_info add_client(apiauth::stores::memory_api_key_store& store, const apiauth::pepper_ring& ring,
                       std::vector<std::string> scopes, std::string owner)
{
    auto g = must(apiauth::generate_api_key(key_prefix, ring), "generate_api_key");
    g.record.scopes = scopes;
    g.record.owner = std::move(owner);
    // The whole key is "<client_id>_<client_secret>": the pair is the token cut at its last
    // '_' (api_key/verify.hpp).
    const std::string token(g.token.reveal());
    const auto cut = token.rfind('_');
    client_info c{.key_id = g.record.key_id,
                  .client_id = token.substr(0, cut),
                  .client_secret = token.substr(cut + 1),
                  .scopes = std::move(scopes)};
    if (!store.insert(std::move(g.record))) die("duplicate key id");
    return c;
}

apiauth::pepper_ring make_ring()
{
    std::array<std::byte, 32> pepper{};
    if (auto r = apiauth::crypto::random_bytes(pepper); !r) die("random pepper", r.error());
    auto ring = must(apiauth::pepper_ring::make({{1, pepper}}, 1), "pepper ring");
    apiauth::crypto::wipe(pepper.data(), pepper.size());
    return ring;
}

// Waits for SIGTERM, SIGINT, the end of stdin or `wake`, then stops the server if it runs.
class stopper {
public:
    explicit stopper(httplib::Server& svr) : svr_(svr)
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        // Blocked in every thread (threads made later inherit the mask): only the signalfd sees them.
        if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) die("pthread_sigmask");
        std::signal(SIGPIPE, SIG_IGN);
        signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
        if (signal_fd_ < 0 || pipe(wake_) != 0) die("signalfd or pipe");
        thread_ = std::thread([this] { run(); });
    }
    stopper(const stopper&) = delete;
    stopper& operator=(const stopper&) = delete;
    // Called once listen has returned: wakes the thread and joins it.
    ~stopper()
    {
        done_ = true;
        const char c = 'x';
        (void)!write(wake_[1], &c, 1);
        thread_.join();
        close(signal_fd_);
        close(wake_[0]);
        close(wake_[1]);
    }

private:
    void run()
    {
        std::array<pollfd, 3> fds{{{STDIN_FILENO, POLLIN, 0}, {signal_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}}};
        for (;;) {
            if (poll(fds.data(), fds.size(), -1) < 0) continue;  // EINTR
            if (fds[1].revents != 0 || fds[2].revents != 0) break;
            if (fds[0].revents != 0) {
                // Input is read and dropped; end of file (or no stdin at all) stops the server.
                char buf[256];
                if (read(STDIN_FILENO, buf, sizeof buf) <= 0) break;
            }
        }
        // stop() only acts on a server that listens: wait until it does (or has given up).
        while (!done_ && !svr_.is_running()) std::this_thread::sleep_for(10ms);
        if (!done_) svr_.stop();
    }
    httplib::Server& svr_;
    int signal_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || argc > 4 || (argc == 4 && std::string_view(argv[3]) != "cache")) {
        std::fputs("usage: oauth2_server <info.json> [HS256|ES256] [cache]\n", stderr);
        return 2;
    }
    const std::string info_path = argv[1];
    const std::string alg_name = argc >= 3 ? argv[2] : "HS256";
    const bool with_cache = argc == 4;
    const auto alg = apiauth::jose::parse_algorithm(alg_name);
    if (!alg || (*alg != apiauth::jose::algorithm::hs256 && *alg != apiauth::jose::algorithm::es256))
        die("the algorithm must be HS256 or ES256");

    httplib::Server svr;
    svr.set_payload_max_length(64 * 1024);
    const int port = svr.bind_to_any_port("127.0.0.1");
    if (port <= 0) die("cannot bind 127.0.0.1");
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    // Everything in memory: the pepper ring, the API key clients, the token key, the stores.
    const apiauth::pepper_ring ring = make_ring();
    apiauth::stores::memory_api_key_store store;
    const client_info reader = add_client(store, ring, {"items:read", "items:write"}, "acct-reader");
    const client_info other = add_client(store, ring, {"other"}, "acct-other");
    apiauth::stores::memory_revocation_store revoked;

    const std::string kid = *alg == apiauth::jose::algorithm::hs256 ? "at-hs256-1" : "at-es256-1";
    apiauth::jose::key signing = must(apiauth::jose::key::generate(*alg, kid), "key generation");
    // The resource's key: the secret itself for HS256, the public half for ES256.
    nlohmann::json jwk = must(signing.to_jwk(*alg == apiauth::jose::algorithm::hs256), "to_jwk");
    apiauth::jose::key verifying = must(apiauth::jose::key::from_jwk(jwk), "from_jwk");
    const std::string issuer_name = base;
    const std::string audience_name = base + "/api";
    const oauth2::access_token_issuer issuer = must(
        oauth2::access_token_issuer::make(signing, {.issuer = issuer_name, .audience = {audience_name}}), "issuer");
    const oauth2::access_token_verifier verifier =
        must(oauth2::access_token_verifier::make(apiauth::jose::key_set(verifying),
                                                 {.issuer = issuer_name, .audience = audience_name}),
             "verifier");

    oauth2::token_endpoint_options topt{.request = {.allow_client_secret_post = true}, .keys = {.prefixes = prefixes}};
    apiauth::api_auth_config cfg{.token_endpoint_path = "/oauth/token", .realm = "api", .token = topt};
    oauth2::verified_token_cache<oauth2::verified_access_token> cache(
        [leeway = verifier.policy().leeway](const oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + leeway);
        });
    if (with_cache) cfg.token_cache = &cache;

    const auto token = [&](const httplib::Request& req, httplib::Response& res) {
        const request_of r(req);
        send(oauth2::token_endpoint(r.view(), store, ring, issuer, topt).response, res);
    };
    const auto revoke = [&](const httplib::Request& req, httplib::Response& res) {
        const request_of r(req);
        send(oauth2::revocation_endpoint(r.view(), store, ring, verifier, revoked, topt).response, res);
    };
    const auto introspect = [&](const httplib::Request& req, httplib::Response& res) {
        const request_of r(req);
        send(oauth2::introspection_endpoint(r.view(), store, ring, verifier, revoked, topt).response, res);
    };
    // A protected route: authenticate_api with the scope it requires, then the route's answer.
    const auto items = [&](std::string_view scope, int status, const nlohmann::json& payload) {
        return [&, scope, status, payload](const httplib::Request& req, httplib::Response& res) {
            const request_of r(req);
            const std::string_view required[] = {scope};
            const auto o = apiauth::authenticate_api(r.view(), cfg, store, ring, verifier, required, nullptr, &revoked);
            if (!o) return send(o.response, res);
            const apiauth::authenticated& who = *o.identity;
            nlohmann::json j = payload;
            j["authenticated"] = {
                {"method", who.method() == apiauth::auth_method::access_token ? "access_token" : "api_key"},
                {"key_id", std::string(who.key_id())},
                {"subject", std::string(who.subject())}};
            send_json(res, status, j);
        };
    };

    for (const auto& [path, handler] :
         {std::pair{"/oauth/token", std::function(token)}, std::pair{"/oauth/revoke", std::function(revoke)},
          std::pair{"/oauth/introspect", std::function(introspect)}}) {
        svr.Post(path, handler);
        svr.Get(path, handler);
        svr.Put(path, handler);
        svr.Patch(path, handler);
        svr.Delete(path, handler);
        svr.Options(path, handler);
    }
    svr.Get("/api/items",
            items("items:read", 200,
                  {{"items", nlohmann::json::array({{{"id", 1}, {"name", "alpha"}}, {{"id", 2}, {"name", "beta"}}})}}));
    svr.Post("/api/items", items("items:write", 201, {{"created", {{"id", 3}, {"name", "gamma"}}}}));
    if (*alg != apiauth::jose::algorithm::hs256) {
        const std::string jwks = apiauth::jose::key_set(verifying).to_public_jwks().dump();
        svr.Get("/.well-known/jwks.json", [jwks](const httplib::Request&, httplib::Response& res) {
            res.set_content(jwks, "application/jwk-set+json");
        });
    }

    const auto describe = [](const client_info& c) {
        return nlohmann::json{
            {"key_id", c.key_id}, {"client_id", c.client_id}, {"client_secret", c.client_secret}, {"scopes", c.scopes}};
    };
    const nlohmann::json info = {{"port", port},
                                 {"base_url", base},
                                 {"issuer", issuer_name},
                                 {"audience", audience_name},
                                 {"alg", alg_name},
                                 {"token_cache", with_cache},
                                 {"kid", kid},
                                 {"jwk", jwk},
                                 {"lifetime", issuer.options().lifetime.count()},
                                 {"clients", {{"reader", describe(reader)}, {"other", describe(other)}}}};
    {
        std::ofstream f(info_path, std::ios::trunc);
        f << info.dump(2) << '\n';
        if (!f) die("cannot write " + info_path);
    }

    bool ok = false;
    {
        stopper stop(svr);
        std::printf("PORT %d\n", port);
        std::fflush(stdout);
        ok = svr.listen_after_bind();
    }
    return ok ? 0 : 1;
}
