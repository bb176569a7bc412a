// demo_api — an HTTP API on Boost.Beast protected by apiauth: the whole of what Stormpath's
// `authenticate_api`, API keys and ID Site gave an application, as one program to copy.
//
//   demo_api --state-dir DIR --login-site URL [--port N] [--bind ADDR] [--public-url URL]
//            [--token-alg ES256|HS256] [--db CONNINFO] [--redis unix:PATH|HOST:PORT]
//            [--threads N] [--read-timeout-ms MS] [--bootstrap-key FILE] [--social FILE]
//            [--exit-on-stdin-eof]
//
// Routes (README.md, "The demo", says more):
//
//   GET  /                       who is signed in, their API keys, a form to create one
//   GET  /login, /register       302 to the login site (ID Site request, signed with HS256)
//   GET  /idsite/callback        the login site's answer: verified, its request id consumed once
//   GET  /logout                 302 to the login site's logout, the session ended here
//   POST /account/keys           create an API key for the signed-in account (shown once)
//   POST /account/keys/disable   disable one of them
//   POST /oauth/token            OAuth 2.0 client credentials (RFC 6749 §4.4): an API key pair
//                                for an RFC 9068 access token
//   POST /oauth/revoke           RFC 7009;   POST /oauth/introspect   RFC 7662
//   GET  /api/items              Bearer with scope items:read, or the API key pair over Basic
//   POST /api/items              the same with items:write
//   GET  /api/items/public       the same document, unprotected (the load test's baseline)
//   GET  /login/oidc/NAME        social login (--social): 302 to provider NAME's authorization
//                                endpoint (OAuth 2.0 code flow, PKCE S256, OpenID Connect nonce)
//   GET  /oidc/callback          its answer: code exchanged, ID token verified, a session
//   GET  /.well-known/jwks.json  the access tokens' public key (ES256; 404 with HS256)
//   GET  /health                 200 "ok"
//
// Secrets never live in the source: the pepper of the API key verifiers, the access tokens'
// signing key and the ID Site application key come from the environment
// (APIAUTH_DEMO_PEPPER_HEX, APIAUTH_DEMO_TOKEN_JWK, APIAUTH_DEMO_IDSITE_KEY_ID and
// APIAUTH_DEMO_IDSITE_SECRET) or from files in --state-dir, which the first run generates
// (mode 0600). Each start also writes <state-dir>/login-site-apps.json: this application's
// registration, as `login_site serve --apps` reads it.
//
// API keys live in PostgreSQL with --db (the table of `apiauth key migrate`, applied at start),
// in memory otherwise; ID Site nonces and revoked tokens in Redis with --redis, in memory
// otherwise. --bootstrap-key FILE creates, at start, one API key for the account "operator" with
// both scopes and writes it to FILE (mode 0600): a key without a browser, for scripts and the
// load test (`./dev load`). --social FILE names OpenID Providers for "Log in with …":
// {"providers": [{"name", "display", "issuer", "client_id", "client_secret"}]}; each provider's
// discovery document and JWKS are fetched at start (plain http only: this demo speaks TLS to no
// one, so the providers it can use are local ones such as tests/browser's oidc-provider).
// Prints "PORT <n>" once listening; stops on SIGINT or SIGTERM (and at the end of
// stdin with --exit-on-stdin-eof).

#include <apiauth/adapters/beast.hpp>
#include <apiauth/api_key.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oidc/oidc.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/memory.hpp>
#if APIAUTH_DEMO_WITH_POSTGRES
#include <apiauth/stores/postgres.hpp>
#endif
#if APIAUTH_DEMO_WITH_REDIS
#include <apiauth/stores/redis.hpp>
#endif

#include <CLI/CLI.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace oauth2 = apiauth::oauth2;
namespace stores = apiauth::stores;
namespace id_site = apiauth::id_site;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

constexpr std::string_view key_prefix = "demo_sk";
const std::string_view prefixes[] = {key_prefix};

[[noreturn]] void die(const std::string& what, std::error_code ec = {})
{
    std::fprintf(stderr, "demo_api: %s%s%s\n", what.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
    std::exit(2);
}

template <class T> T must(apiauth::result<T> r, const std::string& what)
{
    if (!r) die(what, r.error());
    return std::move(*r);
}

// ---------------------------------------------------------------------------------------------
// Secrets: from the environment, else from a file of the state directory, else generated once.

std::string random_text(std::size_t octets)
{
    std::vector<std::byte> b(octets);
    if (auto r = apiauth::crypto::random_bytes(b); !r) die("random", r.error());
    std::string s = apiauth::encoding::base64url::encode(std::span<const std::byte>(b));
    apiauth::crypto::wipe(b.data(), b.size());
    return s;
}

std::optional<std::string> read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// Writes `text` to `path` with mode 0600 (replacing it when `replace`): a secret is never
// readable by another user, not even for the instant between open and chmod.
void write_private_file(const std::string& path, std::string_view text, bool replace)
{
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die("cannot write " + tmp + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok) die("cannot write " + tmp);
    if (!replace && ::access(path.c_str(), F_OK) == 0) die(path + " appeared while generating it");
    if (::rename(tmp.c_str(), path.c_str()) != 0) die("cannot rename " + tmp + ": " + std::strerror(errno));
}

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// The value of the environment variable `env`, or the file `dir/name`, or `make()` written there.
std::string secret(const char* env, const std::string& dir, const char* name, const std::function<std::string()>& make,
                   std::vector<std::string>& generated)
{
    if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
    const std::string path = dir + "/" + name;
    if (auto s = read_file(path)) return trimmed(std::move(*s));
    std::string v = make();
    write_private_file(path, v + "\n", false);
    generated.push_back(path);
    return v;
}

std::vector<std::byte> hex_bytes(std::string_view hex)
{
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::byte> out;
    if (hex.size() % 2 != 0) return {};
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<std::byte>(hi * 16 + lo));
    }
    return out;
}

std::string to_hex(std::span<const std::byte> b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (const std::byte x : b) {
        s += digits[std::to_integer<unsigned>(x) >> 4];
        s += digits[std::to_integer<unsigned>(x) & 15];
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
// The stores, whichever were configured, behind one interface each, so that the routes below are
// written once. (A server with one kind of store uses it directly: every apiauth function that
// takes a store is a template over its concept.)

class key_backend {  // models apiauth::api_key_store, and the admin operations the pages use
public:
    virtual ~key_backend() = default;
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view id) const noexcept
    {
        return do_lookup(id);
    }
    virtual apiauth::result<std::shared_ptr<const apiauth::api_key_record>>
        do_lookup(std::string_view) const noexcept = 0;
    virtual apiauth::result<apiauth::generated_api_key> create(const stores::new_api_key&,
                                                               const apiauth::pepper_ring&) = 0;
    virtual apiauth::result<std::vector<stores::api_key_listing>> list(std::string_view owner) = 0;
    virtual apiauth::result<void> disable(std::string_view id, std::string_view owner) = 0;
    virtual const char* name() const noexcept = 0;
};

template <class Store> class key_backend_of final : public key_backend {
public:
    key_backend_of(Store& s, const char* n) : s_(s), name_(n) {}
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>>
    do_lookup(std::string_view id) const noexcept override
    {
        return s_.lookup(id);
    }
    apiauth::result<apiauth::generated_api_key> create(const stores::new_api_key& spec,
                                                       const apiauth::pepper_ring& ring) override
    {
        return stores::create_api_key(s_, spec, ring);
    }
    apiauth::result<std::vector<stores::api_key_listing>> list(std::string_view owner) override
    {
        return s_.list(owner);
    }
    apiauth::result<void> disable(std::string_view id, std::string_view owner) override
    {
        return s_.disable(id, stores::acting_owner(owner),
                          std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    }
    const char* name() const noexcept override { return name_; }

private:
    Store& s_;
    const char* name_;
};

class nonce_backend {  // models stores::nonce_store
public:
    template <stores::nonce_store S>
    explicit nonce_backend(S& s, const char* n)
        : s_(&s), name_(n), issue_([](void* p, std::string_view id, std::chrono::seconds l) noexcept {
              return static_cast<S*>(p)->issue(id, l);
          }),
          consume_([](void* p, std::string_view id) noexcept { return static_cast<S*>(p)->consume(id); })
    {
    }
    apiauth::result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        return issue_(s_, id, lifetime);
    }
    apiauth::result<bool> consume(std::string_view id) noexcept { return consume_(s_, id); }
    const char* name() const noexcept { return name_; }

private:
    void* s_;
    const char* name_;
    apiauth::result<bool> (*issue_)(void*, std::string_view, std::chrono::seconds) noexcept;
    apiauth::result<bool> (*consume_)(void*, std::string_view) noexcept;
};

class revocation_backend {  // models oauth2::revocation_store
public:
    template <oauth2::revocation_store S>
    explicit revocation_backend(S& s, const char* n)
        : s_(&s), name_(n), is_revoked_([](const void* p, std::string_view j) noexcept {
              return static_cast<const S*>(p)->is_revoked(j);
          }),
          revoke_([](void* p, std::string_view j, std::chrono::sys_seconds u) noexcept {
              return static_cast<S*>(p)->revoke(j, u);
          })
    {
    }
    apiauth::result<bool> is_revoked(std::string_view jti) const noexcept { return is_revoked_(s_, jti); }
    apiauth::result<void> revoke(std::string_view jti, std::chrono::sys_seconds until) noexcept
    {
        return revoke_(s_, jti, until);
    }
    const char* name() const noexcept { return name_; }

private:
    void* s_;
    const char* name_;
    apiauth::result<bool> (*is_revoked_)(const void*, std::string_view) noexcept;
    apiauth::result<void> (*revoke_)(void*, std::string_view, std::chrono::sys_seconds) noexcept;
};

// ---------------------------------------------------------------------------------------------
// Browser sessions of this application (after an ID Site login): an unguessable id in an
// HttpOnly cookie, the account and a CSRF token for the forms; bounded, oldest dropped first.

struct browser_session {
    std::string account;  // the account's href (ID Site `sub`), or "<provider>:<sub>" (social login)
    std::string display;  // the name and email a social provider gave, when it gave them
    std::string csrf;     // the forms' hidden field, compared in constant time
    bool is_new = false;  // the account was just registered
    std::chrono::steady_clock::time_point expires;
};

class session_table {
public:
    std::string create(std::string account, bool is_new, std::string display = {})
    {
        std::string id = random_text(32);
        const std::lock_guard lock(mutex_);
        while (sessions_.size() >= capacity && !order_.empty()) {
            sessions_.erase(order_.front());
            order_.pop_front();
        }
        // Ids erased at logout stay in order_ until reached: drop them before they pile up.
        if (order_.size() >= 2 * capacity)
            std::erase_if(order_, [this](const std::string& old) { return !sessions_.contains(old); });
        sessions_[id] = {std::move(account), std::move(display), random_text(24), is_new,
                         std::chrono::steady_clock::now() + 8h};
        order_.push_back(id);
        return id;
    }
    std::optional<browser_session> find(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) return std::nullopt;
        if (it->second.expires < std::chrono::steady_clock::now()) {
            sessions_.erase(it);
            return std::nullopt;
        }
        return it->second;
    }
    void erase(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
    }

private:
    static constexpr std::size_t capacity = 10000;
    std::mutex mutex_;
    std::map<std::string, browser_session, std::less<>> sessions_;
    std::deque<std::string> order_;  // creation order; an erased id is skipped when reached
};

// The value of cookie `name` in the request's Cookie fields (RFC 6265 §5.4: "a=1; b=2").
std::optional<std::string_view> cookie(const request& req, std::string_view name)
{
    for (const auto& f : req) {
        if (f.name() != bhttp::field::cookie) continue;
        std::string_view v = f.value();
        while (!v.empty()) {
            const std::size_t end = v.find(';');
            std::string_view pair = v.substr(0, end);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            const std::size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
            if (end == std::string_view::npos) break;
            v.remove_prefix(end + 1);
        }
    }
    return std::nullopt;
}

std::string html_escape(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string page(std::string_view title, std::string_view body)
{
    std::string s = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
    s += html_escape(title);
    s += "</title><style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
         "color:#222}code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;overflow-wrap:anywhere}"
         "pre{padding:.6rem;white-space:pre-wrap}.error{color:#a00;font-weight:600}table{border-collapse:collapse}"
         "td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}button{padding:.3rem .8rem}"
         "</style></head><body>\n<h1>";
    s += html_escape(title);
    s += "</h1>\n";
    s += body;
    s += "\n</body></html>\n";
    return s;
}

void html(response& res, unsigned status, std::string body)
{
    res.result(status);
    res.set(bhttp::field::content_type, "text/html; charset=utf-8");
    res.set(bhttp::field::cache_control, "no-store");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    res.body() = std::move(body);
}

void json(response& res, unsigned status, const nlohmann::json& j)
{
    res.result(status);
    res.set(bhttp::field::content_type, "application/json");
    res.body() = j.dump();
}

void redirect(response& res, unsigned status, std::string_view location)
{
    res.result(status);
    res.set(bhttp::field::location, location);
    res.set(bhttp::field::cache_control, "no-store");
}

std::string iso_date(std::chrono::sys_seconds t)
{
    const auto d = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd(d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Social login (apiauth::oidc): the library builds each request and judges each answer; this
// program does the I/O, with a small HTTP client on Beast.

struct fetched {
    unsigned status = 0;
    std::string content_type;
    std::string body;
};

// One HTTP/1.1 exchange with `url` (http only), bounded: 5 s in all, a 256 KiB body. It runs on
// its own io_context, so it blocks the calling thread (a server's handler here) until done: a
// demo's trade. Empty, with `error` set, when it could not be done.
std::optional<fetched> http_fetch(std::string_view method, std::string_view url,
                                  const std::vector<apiauth::http::field>& fields, std::string_view body,
                                  std::string& error)
{
    const auto u = boost::urls::parse_absolute_uri(url);
    if (!u || u->scheme() != "http" || u->host().empty()) {
        error = "not an http:// URL (this demo speaks no TLS): " + std::string(url);
        return std::nullopt;
    }
    const std::string host = u->host();
    const std::string port = u->has_port() ? std::string(u->port()) : "80";
    std::string target(u->encoded_path());
    if (target.empty()) target = "/";
    if (u->has_query()) target += "?" + std::string(u->encoded_query());

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    request req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, host + ":" + port);
    req.set(bhttp::field::user_agent, "apiauth-demo_api");
    for (const auto& f : fields) req.set(f.name, f.value);
    req.body() = std::string(body);
    req.prepare_payload();
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024);
    beast::error_code failure;
    stream.expires_after(5s);
    resolver.async_resolve(host, port, [&](beast::error_code ec, const tcp::resolver::results_type& where) {
        if (ec) return void(failure = ec);
        stream.async_connect(where, [&](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return void(failure = ec2);
            bhttp::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                if (ec3) return void(failure = ec3);
                bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) { failure = ec4; });
            });
        });
    });
    ioc.run();
    if (failure) {
        error = std::string(url) + ": " + failure.message();
        return std::nullopt;
    }
    const auto& res = parser.get();
    return fetched{res.result_int(), std::string(res[bhttp::field::content_type]), res.body()};
}

// A provider of "Log in with …": its metadata and keys, fetched once at start.
struct social_provider {
    std::string name;     // in URLs: /login/oidc/<name>
    std::string display;  // "Log in with <display>"
    std::string client_id;
    std::string client_secret;
    std::string redirect_uri;  // <public URL>/oidc/callback
    apiauth::oidc::provider_metadata metadata;
    std::optional<apiauth::oidc::id_token_verifier> verifier;
};

std::vector<std::unique_ptr<social_provider>> load_social(const std::string& file, const std::string& public_url)
{
    std::vector<std::unique_ptr<social_provider>> out;
    const auto text = read_file(file);
    if (!text) die("--social: cannot read " + file);
    const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("providers") || !j["providers"].is_array())
        die("--social: " + file +
            " must be {\"providers\": [{\"name\", \"display\", \"issuer\", \"client_id\", "
            "\"client_secret\"}]}");
    for (const auto& e : j["providers"]) {
        auto p = std::make_unique<social_provider>();
        const auto field = [&](const char* k) {
            if (!e.contains(k) || !e[k].is_string() || e[k].get_ref<const std::string&>().empty())
                die(std::string("--social: every provider needs a non-empty \"") + k + "\"");
            return e[k].get<std::string>();
        };
        p->name = field("name");
        p->display = field("display");
        p->client_id = field("client_id");
        p->client_secret = field("client_secret");
        p->redirect_uri = public_url + "/oidc/callback";
        const std::string issuer = field("issuer");
        std::string error;
        // OpenID Connect Discovery §4: the metadata at the issuer's well-known path, whose `issuer`
        // must be exactly the one configured (§4.3).
        const auto doc = http_fetch("GET", issuer + "/.well-known/openid-configuration", {}, {}, error);
        if (!doc || doc->status != 200)
            die("--social " + p->name + ": discovery failed: " + (doc ? "HTTP " + std::to_string(doc->status) : error));
        p->metadata =
            must(apiauth::oidc::parse_provider_metadata(doc->body, issuer), "--social " + p->name + ": its metadata");
        const auto jwks = http_fetch("GET", p->metadata.jwks_uri, {}, {}, error);
        if (!jwks || jwks->status != 200)
            die("--social " + p->name + ": its JWKS: " + (jwks ? "HTTP " + std::to_string(jwks->status) : error));
        const auto keys = must(apiauth::jose::key_set::from_jwks(jwks->body), "--social " + p->name + ": its JWKS");
        apiauth::oidc::id_token_options o{.issuer = p->metadata.issuer, .client_id = p->client_id};
        o.algorithms = p->metadata.id_token_algorithms();
        p->verifier.emplace(must(apiauth::oidc::id_token_verifier::make(keys, std::move(o)),
                                 "--social " + p->name + ": ID token verifier"));
        out.push_back(std::move(p));
    }
    return out;
}

// Logins in progress: the state, nonce and PKCE verifier of each, server side, under an
// unguessable id in a cookie of the browser that began it; ten minutes, one use, bounded.
class pending_logins {
public:
    struct entry {
        const social_provider* provider;
        apiauth::oidc::pending_authorization pending;
        std::chrono::steady_clock::time_point expires;
    };
    std::string add(const social_provider& p, apiauth::oidc::pending_authorization a)
    {
        std::string id = random_text(32);
        const std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires < now; });
        if (entries_.size() >= 10000) entries_.erase(entries_.begin());
        entries_.emplace(id, entry{&p, std::move(a), now + 10min});
        return id;
    }
    std::optional<entry> take(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const auto it = entries_.find(id);
        if (it == entries_.end()) return std::nullopt;
        entry e = std::move(it->second);
        entries_.erase(it);
        if (e.expires < std::chrono::steady_clock::now()) return std::nullopt;
        return e;
    }

private:
    std::mutex mutex_;
    std::map<std::string, entry, std::less<>> entries_;
};

struct options {
    std::string state_dir;
    std::string login_site;
    std::string bind = "127.0.0.1";
    unsigned short port = 0;
    std::string public_url;
    std::string token_alg = "ES256";
    std::string db;
    std::string redis;
    unsigned threads = 2;
    unsigned read_timeout_ms = 10000;
    std::string bootstrap_key;
    std::string social;
    bool exit_on_stdin_eof = false;
};

struct item {
    int id;
    std::string name;
    std::string created_by;
};

class demo {
public:
    demo(const std::string& public_url, key_backend& keys, nonce_backend& nonces, revocation_backend& revoked,
         apiauth::pepper_ring ring, apiauth::jose::key signing, id_site::application idsite,
         const std::vector<std::unique_ptr<social_provider>>& social)
        : social_(social), public_url_(public_url), keys_(keys), nonces_(nonces), revoked_(revoked),
          ring_(std::move(ring)),
          issuer_(must(oauth2::access_token_issuer::make(
                           signing, {.issuer = public_url, .audience = {public_url + "/api"}, .lifetime = 3600s}),
                       "access token issuer")),
          verifying_(verifying_key(signing)),
          verifier_(must(oauth2::access_token_verifier::make(apiauth::jose::key_set(verifying_),
                                                             {.issuer = public_url, .audience = public_url + "/api"}),
                         "access token verifier")),
          idsite_(std::move(idsite)), callback_uri_(public_url + "/idsite/callback"),
          jwks_(signing.alg() == apiauth::jose::algorithm::hs256
                    ? std::string()
                    : apiauth::jose::key_set(verifying_).to_public_jwks().dump()),
          read_items_{.config = cfg_,
                      .store = keys_,
                      .ring = ring_,
                      .tokens = verifier_,
                      .scopes = read_scope,
                      .revoked = revoked_},
          write_items_{.config = cfg_,
                       .store = keys_,
                       .ring = ring_,
                       .tokens = verifier_,
                       .scopes = write_scope,
                       .revoked = revoked_}
    {
        items_.push_back({1, "alpha", "seed"});
        items_.push_back({2, "beta", "seed"});
    }

    void handle(const request& req, response& res)
    {
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        const std::string_view target = req.target();
        const std::string_view path = target.substr(0, target.find('?'));
        const bool get = req.method() == bhttp::verb::get;
        const bool post = req.method() == bhttp::verb::post;
        try {
            // The OAuth 2.0 endpoints take every method: their 405 with `Allow: POST` is the library's.
            if (path == "/oauth/token") {
                const apiauth::adapters::beast::viewed_request v(req);
                return endpoint(res, oauth2::token_endpoint(v.view(), keys_, ring_, issuer_, topt_).response);
            }
            if (path == "/oauth/revoke") {
                const apiauth::adapters::beast::viewed_request v(req);
                return endpoint(
                    res, oauth2::revocation_endpoint(v.view(), keys_, ring_, verifier_, revoked_, topt_).response);
            }
            if (path == "/oauth/introspect") {
                const apiauth::adapters::beast::viewed_request v(req);
                return endpoint(
                    res, oauth2::introspection_endpoint(v.view(), keys_, ring_, verifier_, revoked_, topt_).response);
            }
            if (path == "/api/items" && get) return list_items(req, res);
            if (path == "/api/items" && post) return add_item(req, res);
            if (path == "/api/items/public" && get) return public_items(res);
            if (path == "/.well-known/jwks.json" && get && !jwks_.empty()) {
                res.result(200);
                res.set(bhttp::field::content_type, "application/jwk-set+json");
                res.set(bhttp::field::cache_control, "max-age=300");
                res.body() = jwks_;
                return;
            }
            if (path == "/health" && get) {
                res.result(200);
                res.set(bhttp::field::content_type, "text/plain");
                res.body() = "ok\n";
                return;
            }
            if (path == "/" && get) return home(req, res);
            if (path == "/login" && get) return to_login_site(res, false, false);
            if (path == "/register" && get) return to_login_site(res, false, true);
            if (path == "/logout" && get) return logout(req, res);
            if (path == "/idsite/callback" && get) return callback(req, res);
            if (path.starts_with("/login/oidc/") && get) return to_provider(path.substr(12), res);
            if (path == "/oidc/callback" && get) return social_callback(req, res);
            if (path == "/account/keys" && post) return create_key(req, res);
            if (path == "/account/keys/disable" && post) return disable_key(req, res);
            if (path == "/api/items" || path == "/" || path == "/login" || path == "/logout" ||
                path == "/idsite/callback" || path == "/account/keys") {
                res.result(405);
                res.set(bhttp::field::allow, path == "/api/items"      ? "GET, POST"
                                             : path == "/account/keys" ? "POST"
                                                                       : "GET");
                return;
            }
            res.result(404);
            res.set(bhttp::field::content_type, "text/plain");
            res.body() = "not found\n";
        } catch (const std::exception& e) {
            std::fprintf(stderr, "demo_api: %s %.*s: %s\n", std::string(req.method_string()).c_str(),
                         static_cast<int>(path.size()), path.data(), e.what());
            res = response(bhttp::status::internal_server_error, req.version());
            res.keep_alive(false);
        }
    }

private:
    static apiauth::jose::key verifying_key(const apiauth::jose::key& signing)
    {
        // The resources' key: the secret itself for HS256, the public half otherwise.
        const bool secret = signing.alg() == apiauth::jose::algorithm::hs256;
        return must(apiauth::jose::key::from_jwk(must(signing.to_jwk(secret), "to_jwk")), "from_jwk");
    }

    static void endpoint(response& res, const apiauth::http::response& answer)
    {
        apiauth::adapters::beast::write_response(answer, res);
    }

    nlohmann::json items_json()
    {
        const std::lock_guard lock(items_mutex_);
        nlohmann::json a = nlohmann::json::array();
        for (const item& i : items_) a.push_back({{"id", i.id}, {"name", i.name}});
        return {{"items", std::move(a)}};
    }

    static nlohmann::json who_json(const apiauth::authenticated& who)
    {
        return {{"method", who.method() == apiauth::auth_method::access_token ? "access_token" : "api_key"},
                {"key_id", std::string(who.key_id())},
                {"subject", std::string(who.subject())}};
    }

    // The same document as GET /api/items, for nobody: the load test's baseline (bench/load.sh), so
    // that the two routes differ by the authentication alone.
    void public_items(response& res)
    {
        nlohmann::json j = items_json();
        j["authenticated"] = {{"method", "none"}, {"key_id", ""}, {"subject", ""}};
        json(res, 200, j);
    }

    void list_items(const request& req, response& res)
    {
        const auto who = apiauth::adapters::beast::protect(req, res, read_items_);
        if (!who) return;
        nlohmann::json j = items_json();
        j["authenticated"] = who_json(*who);
        json(res, 200, j);
    }

    void add_item(const request& req, response& res)
    {
        const auto who = apiauth::adapters::beast::protect(req, res, write_items_);
        if (!who) return;
        const nlohmann::json in = nlohmann::json::parse(req.body(), nullptr, false);
        if (!in.is_object() || !in.contains("name") || !in["name"].is_string() ||
            in["name"].get_ref<const std::string&>().empty() || in["name"].get_ref<const std::string&>().size() > 100)
            return json(res, 400, {{"error", "the body must be {\"name\": \"1 to 100 characters\"}"}});
        item added;
        {
            const std::lock_guard lock(items_mutex_);
            if (items_.size() >= 1000) return json(res, 507, {{"error", "the demo keeps at most 1000 items"}});
            added = {static_cast<int>(items_.size()) + 1, in["name"].get<std::string>(), std::string(who->subject())};
            items_.push_back(added);
        }
        json(res, 201, {{"created", {{"id", added.id}, {"name", added.name}}}, {"authenticated", who_json(*who)}});
    }

    std::optional<std::pair<std::string, browser_session>> signed_in(const request& req)
    {
        const auto id = cookie(req, "demo_session");
        if (!id) return std::nullopt;
        auto s = sessions_.find(*id);
        if (!s) return std::nullopt;
        return std::pair{std::string(*id), std::move(*s)};
    }

    void home(const request& req, response& res)
    {
        const auto s = signed_in(req);
        std::string b;
        if (!s) {
            b = "<p id=\"who\" data-signed-in=\"false\">Not signed in.</p>\n"
                "<p><a id=\"login\" href=\"/login\">Sign in</a> or <a id=\"register\" href=\"/register\">create an "
                "account</a> on the hosted login site (ID Site).</p>\n";
            for (const auto& p : social_)
                b += "<p><a id=\"login-oidc-" + html_escape(p->name) + "\" href=\"/login/oidc/" + html_escape(p->name) +
                     "\">Log in with " + html_escape(p->display) + "</a></p>\n";
        } else {
            const browser_session& bs = s->second;
            b = "<p id=\"who\" data-signed-in=\"true\">Signed in as <code id=\"account\">" + html_escape(bs.account) +
                "</code>" + (bs.is_new ? " <em id=\"new-account\">(new account)</em>" : "") +
                (bs.display.empty() ? "" : " <span id=\"profile\">" + html_escape(bs.display) + "</span>") + ".</p>\n";
            b += "<p><a id=\"logout\" href=\"/logout\">Sign out</a></p>\n<h2>Your API keys</h2>\n";
            auto keys = keys_.list(bs.account);
            if (!keys) {
                b += "<p class=\"error\" id=\"error\">The key store cannot answer: " +
                     html_escape(keys.error().message()) + "</p>\n";
            } else if (keys->empty()) {
                b += "<p id=\"no-keys\">None yet.</p>\n";
            } else {
                b += "<table id=\"keys\"><tr><th>key</th><th>name</th><th>scopes</th><th>created</th><th>status</th>"
                     "<th></th></tr>\n";
                for (const auto& k : *keys) {
                    std::string scopes;
                    for (const auto& sc : k.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
                    b += "<tr data-key-id=\"" + html_escape(k.key_id) + "\"><td><code>" + html_escape(k.hint) +
                         "</code></td><td>" + html_escape(k.name) + "</td><td>" + html_escape(scopes) + "</td><td>" +
                         iso_date(k.created_at) + "</td><td class=\"status\">" +
                         (k.disabled() ? "disabled" : "enabled") + "</td><td>";
                    if (!k.disabled())
                        b += "<form method=\"post\" action=\"/account/keys/disable\"><input type=\"hidden\" "
                             "name=\"csrf\" value=\"" +
                             html_escape(bs.csrf) + "\"><input type=\"hidden\" name=\"key_id\" value=\"" +
                             html_escape(k.key_id) + "\"><button>Disable</button></form>";
                    b += "</td></tr>\n";
                }
                b += "</table>\n";
            }
            b +=
                "<form id=\"create-key\" method=\"post\" action=\"/account/keys\"><input type=\"hidden\" name=\"csrf\" "
                "value=\"" +
                html_escape(bs.csrf) +
                "\"><label>Name <input id=\"key-name\" name=\"name\" maxlength=\"100\" value=\"my key\"></label> "
                "<button id=\"create-key-button\">Create an API key</button></form>\n";
        }
        b += "<h2>The API</h2>\n<p>Exchange an API key for an access token at <code>POST /oauth/token</code> "
             "(client credentials), then call <code>GET /api/items</code> with it as a Bearer token, or send the key "
             "pair over HTTP Basic. Keys live in " +
             std::string(keys_.name()) + "; login nonces and revoked tokens in " + nonces_.name() + ".</p>\n";
        html(res, 200, page("apiauth demo API", b));
    }

    // RFC 6749 §10.12-style defence for the login: the request's `state` is random and kept in a
    // cookie of this browser; the callback must bring back the same (constant-time compare).
    void to_login_site(response& res, bool logout, bool register_page)
    {
        const std::string state = random_text(16);
        auto r = idsite_.build_redirect_url({.callback_uri = callback_uri_,
                                             .path = register_page ? "/#/register" : "",
                                             .state = state,
                                             .logout = logout},
                                            nonces_);
        if (!r) {
            html(
                res, 503,
                page("Cannot sign in", "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        redirect(res, 302, r->url);
        res.insert(bhttp::field::set_cookie,
                   "demo_login_state=" + state + "; Path=/idsite; Max-Age=300; HttpOnly; SameSite=Lax");
    }

    void logout(const request& req, response& res)
    {
        if (const auto s = signed_in(req)) sessions_.erase(s->first);
        to_login_site(res, true, false);
        res.insert(bhttp::field::set_cookie, "demo_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    }

    void callback(const request& req, response& res)
    {
        const std::string_view expected = cookie(req, "demo_login_state").value_or(std::string_view());
        id_site::error_details details;
        auto a = idsite_.handle_callback(req.target(), nonces_, expected, &details);
        res.insert(bhttp::field::set_cookie, "demo_login_state=; Path=/idsite; Max-Age=0; HttpOnly; SameSite=Lax");
        if (!a) {
            std::string b = "<p class=\"error\" id=\"error\" data-error=\"" +
                            html_escape(apiauth::error_name(a.error())) +
                            "\">The login site's answer was refused: " + html_escape(a.error().message()) + ".</p>\n";
            if (!details.message.empty()) b += "<p>The login site said: " + html_escape(details.message) + "</p>\n";
            b += "<p><a href=\"/\">Back</a></p>";
            html(res, apiauth::http_status(a.error(), apiauth::endpoint::id_site_callback) >= 500 ? 503 : 400,
                 page("Sign-in refused", b));
            return;
        }
        if (a->status() == id_site::status::logout) {
            if (const auto s = signed_in(req)) sessions_.erase(s->first);
            redirect(res, 303, "/");
            res.insert(bhttp::field::set_cookie, "demo_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
            return;
        }
        if (const auto old = signed_in(req)) sessions_.erase(old->first);  // a new id at each login
        const std::string id = sessions_.create(std::string(*a->account_href()), a->is_new_account());
        redirect(res, 303, "/");
        res.insert(bhttp::field::set_cookie, "demo_session=" + id + "; Path=/; Max-Age=28800; HttpOnly; SameSite=Lax");
    }

    // "Log in with …": an authorization request (RFC 6749 §4.1.1, PKCE S256 RFC 7636, OpenID
    // Connect nonce) whose state, nonce and verifier stay here, under a cookie of this browser.
    void to_provider(std::string_view name, response& res)
    {
        const social_provider* p = nullptr;
        for (const auto& q : social_)
            if (q->name == name) p = q.get();
        if (p == nullptr) {
            html(res, 404, page("No such provider", "<p class=\"error\" id=\"error\">No provider of that name.</p>"));
            return;
        }
        auto r =
            apiauth::oidc::build_authorization_request({.authorization_endpoint = p->metadata.authorization_endpoint,
                                                        .client_id = p->client_id,
                                                        .redirect_uri = p->redirect_uri,
                                                        .scope = "openid email profile"});
        if (!r) {
            html(res, 500,
                 page("Cannot log in", "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        const std::string id = logins_.add(*p, std::move(r->pending));
        redirect(res, 302, r->url);
        res.insert(bhttp::field::set_cookie, "demo_oidc=" + id + "; Path=/oidc; Max-Age=600; HttpOnly; SameSite=Lax");
    }

    // The provider's answer: the callback checked (state in constant time, RFC 9207 `iss`), the
    // code exchanged at the token endpoint (this program's I/O), the ID token verified (OpenID
    // Connect Core §3.1.3.7: signature by the provider's JWKS, iss, aud, exp, nonce, at_hash).
    void social_callback(const request& req, response& res)
    {
        res.insert(bhttp::field::set_cookie, "demo_oidc=; Path=/oidc; Max-Age=0; HttpOnly; SameSite=Lax");
        const auto refuse = [&](unsigned status, std::string_view name, const std::string& why) {
            html(res, status,
                 page("Log-in refused", "<p class=\"error\" id=\"error\" data-error=\"" + html_escape(name) + "\">" +
                                            html_escape(why) + "</p><p><a href=\"/\">Back</a></p>"));
        };
        const auto cookie_id = cookie(req, "demo_oidc");
        auto e = cookie_id ? logins_.take(*cookie_id) : std::nullopt;
        if (!e) return refuse(400, "no_login_in_progress", "No log-in is in progress in this browser (or it expired).");
        const social_provider& p = *e->provider;
        apiauth::oidc::provider_error pe;
        auto cb =
            apiauth::oidc::handle_callback(req.target(),
                                           {.state = e->pending.state,
                                            .issuer = p.metadata.issuer,
                                            .require_iss = p.metadata.authorization_response_iss_parameter_supported},
                                           &pe);
        if (!cb) {
            std::string why = cb.error().message();
            if (cb.error() == apiauth::errc::provider_error)
                why = p.display + " said: " + pe.error + " " + pe.error_description;
            return refuse(400, apiauth::error_name(cb.error()), why);
        }
        auto tr = apiauth::oidc::build_token_request({.token_endpoint = p.metadata.token_endpoint,
                                                      .client_id = p.client_id,
                                                      .client_secret = p.client_secret,
                                                      .code = cb->code,
                                                      .redirect_uri = p.redirect_uri,
                                                      .code_verifier = e->pending.code_verifier});
        if (!tr) return refuse(500, apiauth::error_name(tr.error()), tr.error().message());
        std::string error;
        const auto answer = http_fetch(tr->method, tr->url, tr->fields, tr->body, error);
        if (!answer) return refuse(502, "provider_unavailable", error);
        auto tokens = apiauth::oidc::parse_token_response(static_cast<int>(answer->status), answer->content_type,
                                                          answer->body, &pe);
        if (!tokens) {
            std::string why = tokens.error().message();
            if (tokens.error() == apiauth::errc::provider_error)
                why = p.display + " said: " + pe.error + " " + pe.error_description;
            return refuse(502, apiauth::error_name(tokens.error()), why);
        }
        auto id =
            p.verifier->verify(tokens->id_token, {.nonce = e->pending.nonce, .access_token = tokens->access_token});
        if (!id) return refuse(400, apiauth::error_name(id.error()), id.error().message());
        std::string display;
        if (auto prof = apiauth::oidc::profile_from_id_token(apiauth::oidc::provider_id::generic, *id)) {
            display = prof->name;
            if (!prof->email.empty())
                display += (display.empty() ? "" : ", ") + prof->email + (prof->email_verified ? "" : " (unverified)");
        }
        // Accounts are keyed on (provider, sub), never on an email (research/social-login.md §3).
        if (const auto old = signed_in(req)) sessions_.erase(old->first);
        const std::string sid = sessions_.create(p.name + ":" + std::string(id->subject()), false, std::move(display));
        redirect(res, 303, "/");
        res.insert(bhttp::field::set_cookie, "demo_session=" + sid + "; Path=/; Max-Age=28800; HttpOnly; SameSite=Lax");
    }

    // The session of a form post, or the answer already written (401, 403).
    std::optional<browser_session> form_session(const request& req, response& res, apiauth::http::form_view& form)
    {
        const auto s = signed_in(req);
        if (!s) {
            html(res, 401,
                 page("Not signed in",
                      "<p class=\"error\" id=\"error\">Sign in first.</p><p><a href=\"/login\">Sign in</a></p>"));
            return std::nullopt;
        }
        auto f = apiauth::http::parse_form(req.body(), {.max_size = 4096, .max_params = 8});
        const auto csrf = f ? f->find("csrf") : std::nullopt;
        if (!csrf || !apiauth::crypto::secret_equal(*csrf, s->second.csrf)) {
            html(res, 403,
                 page("Refused", "<p class=\"error\" id=\"error\">This form is stale or was not sent by this "
                                 "site (CSRF token).</p><p><a href=\"/\">Back</a></p>"));
            return std::nullopt;
        }
        form = *f;
        return s->second;
    }

    static std::string field(const apiauth::http::form_view& form, std::string_view name)
    {
        const auto v = form.find(name);
        if (!v) return {};
        auto d = apiauth::http::decode_form_component(*v);
        return d ? std::move(*d) : std::string();
    }

    void create_key(const request& req, response& res)
    {
        apiauth::http::form_view form;
        const auto s = form_session(req, res, form);
        if (!s) return;
        std::string name = field(form, "name");
        if (name.empty()) name = "my key";
        if (name.size() > 100) name.resize(100);
        auto k = keys_.create({.prefix = key_prefix,
                               .owner = s->account,
                               .name = name,
                               .scopes = {"items:read", "items:write"},
                               .lifetime = std::chrono::days(90)},
                              ring_);
        if (!k) {
            html(res, 503,
                 page("Cannot create a key",
                      "<p class=\"error\" id=\"error\">" + html_escape(k.error().message()) + "</p>"));
            return;
        }
        // The whole key is "<client_id>_<client_secret>": the pair is the token cut at its last '_'.
        const std::string token(k->token.reveal());
        const std::size_t cut = token.rfind('_');
        const std::string id = token.substr(0, cut), secret = token.substr(cut + 1);
        std::string b = "<p>Your new API key, shown only this once (the server keeps a peppered verifier, never the "
                        "key):</p>\n<pre id=\"api-key\">" +
                        html_escape(token) +
                        "</pre>\n<p>As an OAuth 2.0 client: <code>client_id</code> <code id=\"client-id\">" +
                        html_escape(id) + "</code>, <code>client_secret</code> <code id=\"client-secret\">" +
                        html_escape(secret) + "</code>.</p>\n<pre>curl -u '" + html_escape(id) + ":" +
                        html_escape(secret) + "' -d grant_type=client_credentials -d scope=items:read " +
                        html_escape(public_url_) + "/oauth/token</pre>\n<p><a id=\"home\" href=\"/\">Back</a></p>";
        html(res, 201, page("API key created", b));
    }

    void disable_key(const request& req, response& res)
    {
        apiauth::http::form_view form;
        const auto s = form_session(req, res, form);
        if (!s) return;
        const std::string id = field(form, "key_id");
        auto r = keys_.disable(id, s->account);
        if (!r) {
            html(res, apiauth::http_status(r.error(), apiauth::endpoint::resource) >= 500 ? 503 : 404,
                 page("Cannot disable the key",
                      "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        redirect(res, 303, "/");
    }

    static constexpr std::string_view read_scope[] = {"items:read"};
    static constexpr std::string_view write_scope[] = {"items:write"};

    const std::vector<std::unique_ptr<social_provider>>& social_;
    pending_logins logins_;
    std::string public_url_;
    key_backend& keys_;
    nonce_backend& nonces_;
    revocation_backend& revoked_;
    apiauth::pepper_ring ring_;
    oauth2::access_token_issuer issuer_;
    apiauth::jose::key verifying_;
    oauth2::access_token_verifier verifier_;
    // Verified access tokens, kept until they expire: a token seen again skips its signature and
    // JSON (an ES256 verification costs tens of microseconds); revocation and scopes are still
    // checked on every request (authenticate_api, api_auth_config::token_cache).
    oauth2::verified_token_cache<oauth2::verified_access_token> cache_{
        [leeway = verifier_.policy().leeway](const oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + leeway);
        }};
    id_site::application idsite_;
    std::string callback_uri_;
    std::string jwks_;
    oauth2::token_endpoint_options topt_{
        .request = {.allow_client_secret_post = true}, .keys = {.prefixes = prefixes}, .errors = {.realm = "demo"}};
    apiauth::api_auth_config cfg_{
        .token_endpoint_path = "/oauth/token", .realm = "demo", .token = topt_, .token_cache = &cache_};
    apiauth::adapters::api_route read_items_;
    apiauth::adapters::api_route write_items_;
    session_table sessions_;
    std::mutex items_mutex_;
    std::vector<item> items_;
};

// ---------------------------------------------------------------------------------------------
// The HTTP server: Beast's asynchronous model, one strand per connection, a thread pool. Header
// section bounded to 8 KiB (431), body to 64 KiB (413), a whole request to --read-timeout-ms
// (a slow client is cut off; the others are not held up).

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(tcp::socket s, demo& app, std::chrono::milliseconds timeout)
        : stream_(std::move(s)), app_(app), timeout_(timeout)
    {
    }
    void run()
    {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&connection::read, shared_from_this()));
    }

private:
    void read()
    {
        parser_.emplace();
        parser_->header_limit(8 * 1024);
        parser_->body_limit(64 * 1024);
        stream_.expires_after(timeout_);
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&connection::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if (ec) {
            const int status = apiauth::adapters::beast::status_for_read_error(ec);
            if (status == 0) return close();
            res_ = response(static_cast<bhttp::status>(status), 11);
            res_.set(bhttp::field::content_type, "text/plain");
            res_.body() = std::string(bhttp::obsolete_reason(res_.result())) + "\n";
            res_.keep_alive(false);
            res_.prepare_payload();
            return write();
        }
        res_ = {};
        app_.handle(parser_->get(), res_);
        res_.prepare_payload();
        write();
    }

    void write()
    {
        stream_.expires_after(timeout_);
        bhttp::async_write(stream_, res_, beast::bind_front_handler(&connection::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec || !res_.keep_alive()) return close();
        read();
    }

    void close()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    response res_;
    demo& app_;
    std::chrono::milliseconds timeout_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(asio::io_context& ioc, tcp::acceptor acceptor, demo& app, std::chrono::milliseconds timeout)
        : ioc_(ioc), acceptor_(std::move(acceptor)), app_(app), timeout_(timeout)
    {
    }
    void accept()
    {
        acceptor_.async_accept(asio::make_strand(ioc_),
                               beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec, tcp::socket s)
    {
        if (!ec) std::make_shared<connection>(std::move(s), app_, timeout_)->run();
        if (acceptor_.is_open()) accept();
    }
    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    demo& app_;
    std::chrono::milliseconds timeout_;
};

// ---------------------------------------------------------------------------------------------

int serve(const options& o)
{
    if (::mkdir(o.state_dir.c_str(), 0700) != 0 && errno != EEXIST) die("cannot create " + o.state_dir);

    asio::io_context ioc(static_cast<int>(o.threads));
    beast::error_code ec;
    const auto address = asio::ip::make_address(o.bind, ec);
    if (ec) die("--bind " + o.bind + ": not an IP address");
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint at(address, o.port);
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) die("cannot listen on " + o.bind + ":" + std::to_string(o.port) + ": " + ec.message());
    const unsigned short port = acceptor.local_endpoint().port();
    const std::string public_url =
        o.public_url.empty() ? "http://" + o.bind + ":" + std::to_string(port) : o.public_url;

    // The secrets.
    std::vector<std::string> generated;
    const std::string pepper_hex = secret(
        "APIAUTH_DEMO_PEPPER_HEX", o.state_dir, "pepper-1.hex",
        [] {
            std::array<std::byte, 32> p{};
            if (auto r = apiauth::crypto::random_bytes(p); !r) die("random", r.error());
            return to_hex(p);
        },
        generated);
    std::vector<std::byte> pepper = hex_bytes(pepper_hex);
    if (pepper.size() < 32) die("the pepper must be at least 32 octets, in hex");
    apiauth::pepper_ring ring = must(apiauth::pepper_ring::make({{1, pepper}}, 1), "pepper ring");
    apiauth::crypto::wipe(pepper.data(), pepper.size());

    const auto alg = apiauth::jose::parse_algorithm(o.token_alg);
    if (!alg || (*alg != apiauth::jose::algorithm::es256 && *alg != apiauth::jose::algorithm::hs256))
        die("--token-alg must be ES256 or HS256");
    const std::string jwk_file = "access-token-" + o.token_alg + ".jwk";
    const std::string jwk_text = secret(
        "APIAUTH_DEMO_TOKEN_JWK", o.state_dir, jwk_file.c_str(),
        [&] {
            const std::string kid = "demo-" + o.token_alg + "-" + random_text(6);
            auto k = must(apiauth::jose::key::generate(*alg, kid), "key generation");
            return must(k.to_jwk(true), "to_jwk").dump();
        },
        generated);
    apiauth::jose::key signing =
        must(apiauth::jose::key::from_jwk(std::string_view(jwk_text), {.allow_private = true}), "the access-token JWK");
    if (signing.alg() != *alg) die("the access-token JWK is not a " + o.token_alg + " key");

    const std::string idsite_id = secret(
        "APIAUTH_DEMO_IDSITE_KEY_ID", o.state_dir, "id-site-key-id", [] { return "demo" + random_text(12); },
        generated);
    const std::string idsite_secret = secret(
        "APIAUTH_DEMO_IDSITE_SECRET", o.state_dir, "id-site-secret", [] { return random_text(32); }, generated);
    for (const auto& g : generated) std::fprintf(stderr, "demo_api: generated %s (mode 0600)\n", g.c_str());

    const std::string app_href = public_url + "/applications/demo";
    id_site::application idsite = must(id_site::application::make({.api_key_id = idsite_id,
                                                                   .api_key_secret = idsite_secret,
                                                                   .application_href = app_href,
                                                                   .base_url = o.login_site}),
                                       "ID Site application (--login-site must be an absolute http(s) URL)");
    const nlohmann::json registration = {{"applications",
                                          {{{"api_key_id", idsite_id},
                                            {"api_key_secret", idsite_secret},
                                            {"href", app_href},
                                            {"callback_uris", {public_url + "/idsite/callback"}}}}}};
    write_private_file(o.state_dir + "/login-site-apps.json", registration.dump(2) + "\n", true);

    // The stores.
    stores::memory_api_key_store memory_keys;
    stores::memory_nonce_store memory_nonces;
    stores::memory_revocation_store memory_revoked;
    std::unique_ptr<key_backend> keys =
        std::make_unique<key_backend_of<stores::memory_api_key_store>>(memory_keys, "memory");
    std::optional<nonce_backend> nonces(std::in_place, memory_nonces, "memory");
    std::optional<revocation_backend> revoked(std::in_place, memory_revoked, "memory");
#if APIAUTH_DEMO_WITH_POSTGRES
    std::optional<stores::postgres_api_key_store> pg_keys;
    if (!o.db.empty()) {
        auto pool = must(stores::postgres_pool::make({.conninfo = o.db}), "PostgreSQL pool");
        if (auto m = pool->migrate(); !m) die("PostgreSQL (--db): cannot apply the migration", m.error());
        pg_keys.emplace(pool);
        keys = std::make_unique<key_backend_of<stores::postgres_api_key_store>>(*pg_keys, "PostgreSQL");
    }
#else
    if (!o.db.empty()) die("--db: this demo_api was built without PostgreSQL (libpq-dev)");
#endif
#if APIAUTH_DEMO_WITH_REDIS
    std::optional<stores::redis_nonce_store> redis_nonces;
    std::optional<stores::redis_revocation_store> redis_revoked;
    if (!o.redis.empty()) {
        stores::redis_options ro;
        if (o.redis.starts_with("unix:")) {
            ro.unix_socket = o.redis.substr(5);
        } else {
            const auto colon = o.redis.rfind(':');
            if (colon == std::string::npos) die("--redis: unix:PATH or HOST:PORT");
            ro.host = o.redis.substr(0, colon);
            ro.port = static_cast<std::uint16_t>(std::stoul(o.redis.substr(colon + 1)));
        }
        ro.key_prefix = "apiauth-demo:";
        auto pool = must(stores::redis_pool::make(ro), "Redis pool");
        redis_nonces.emplace(pool);
        redis_revoked.emplace(pool);
        nonces.emplace(*redis_nonces, "Redis");
        revoked.emplace(*redis_revoked, "Redis");
    }
#else
    if (!o.redis.empty()) die("--redis: this demo_api was built without hiredis (libhiredis-dev)");
#endif

    if (!o.bootstrap_key.empty()) {
        auto k = must(keys->create({.prefix = key_prefix,
                                    .owner = "operator",
                                    .name = "bootstrap",
                                    .scopes = {"items:read", "items:write"},
                                    .lifetime = std::chrono::days(1)},
                                   ring),
                      "--bootstrap-key: creating the key");
        write_private_file(o.bootstrap_key, std::string(k.token.reveal()) + "\n", true);
        std::fprintf(stderr, "demo_api: API key %s for \"operator\" written to %s (mode 0600)\n", k.hint.c_str(),
                     o.bootstrap_key.c_str());
    }

    const auto social =
        o.social.empty() ? std::vector<std::unique_ptr<social_provider>>() : load_social(o.social, public_url);
    for (const auto& p : social)
        std::fprintf(stderr, "demo_api: \"Log in with %s\": %s\n", p->display.c_str(), p->metadata.issuer.c_str());

    demo app(public_url, *keys, *nonces, *revoked, std::move(ring), std::move(signing), std::move(idsite), social);

    std::make_shared<listener>(ioc, std::move(acceptor), app, std::chrono::milliseconds(o.read_timeout_ms))->accept();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    if (o.exit_on_stdin_eof) {
        std::thread([&ioc] {
            char buf[256];
            while (::read(STDIN_FILENO, buf, sizeof buf) > 0) {
            }
            ioc.stop();
        }).detach();
    }
    std::fprintf(stderr, "demo_api: %s (keys in %s, nonces and revocations in %s, access tokens %s), login site %s\n",
                 public_url.c_str(), keys->name(), nonces->name(), o.token_alg.c_str(), o.login_site.c_str());
    std::printf("PORT %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < o.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    options o;
    CLI::App cli{"demo_api: an API protected by apiauth (OAuth 2.0 client credentials, Bearer and API key routes, "
                 "ID Site login)"};
    cli.add_option("--state-dir", o.state_dir, "directory of the generated secrets and login-site-apps.json")
        ->required();
    cli.add_option("--login-site", o.login_site, "the login site's base URL (ID Site: <URL>/sso)")->required();
    cli.add_option("--bind", o.bind, "address to listen on")->capture_default_str();
    cli.add_option("--port", o.port, "port to listen on (0: the kernel picks; printed as PORT n)")
        ->capture_default_str();
    cli.add_option("--public-url", o.public_url, "this server's URL as browsers see it (default http://BIND:PORT)");
    cli.add_option("--token-alg", o.token_alg, "access token algorithm: ES256 or HS256")->capture_default_str();
    cli.add_option("--db", o.db, "PostgreSQL connection string: API keys in PostgreSQL instead of memory");
    cli.add_option("--redis", o.redis, "unix:PATH or HOST:PORT: nonces and revoked tokens in Redis instead of memory");
    cli.add_option("--threads", o.threads, "threads serving requests")->capture_default_str()->check(CLI::Range(1, 64));
    cli.add_option("--read-timeout-ms", o.read_timeout_ms, "time allowed to send one whole request")
        ->capture_default_str()
        ->check(CLI::Range(10, 600000));
    cli.add_option("--bootstrap-key", o.bootstrap_key, "create an API key for \"operator\" and write it to this file");
    cli.add_option("--social", o.social, "JSON file of OpenID Providers for \"Log in with …\" (http only)");
    cli.add_flag("--exit-on-stdin-eof", o.exit_on_stdin_eof, "stop when standard input reaches end of file");
    CLI11_PARSE(cli, argc, argv);
    return serve(o);
}
