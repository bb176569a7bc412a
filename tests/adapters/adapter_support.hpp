// Shared setup of the adapter tests (adapters/httplib.hpp, adapters/beast.hpp): the routes a test
// server protects, a client that writes raw bytes to a loopback socket (so that each test controls
// the exact header bytes: duplicates, obs-fold, bare LF, percent signs), the conformance cases of
// research/http-auth-oauth2-spec.md that carry a request, and the check that a case reaches the
// same verdict through a real server as through the core called with the same request_view.
#ifndef APIAUTH_TESTS_ADAPTER_SUPPORT_HPP
#define APIAUTH_TESTS_ADAPTER_SUPPORT_HPP

#include "../oauth2/oauth2_support.hpp"

#include <apiauth/adapters/route.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adapter_support {

using namespace std::chrono_literals;
using oauth2_support::t_now;

// ---- what the handler saw ------------------------------------------------------------------

// A request_view copied out of the server's thread, and the X-API-Key lines.
struct captured {
    std::string method, target;
    std::vector<std::string> authorization;
    std::string content_type, body;
    std::vector<std::string> api_key;
    friend bool operator==(const captured&, const captured&) = default;
    friend std::ostream& operator<<(std::ostream& os, const captured& c)
    {
        os << "{method=" << c.method << " target=" << c.target << " authorization=[";
        for (const auto& a : c.authorization) os << '<' << a << '>';
        os << "] content_type=" << c.content_type << " body(" << c.body.size() << ")=" << c.body.substr(0, 80)
           << " api_key=[";
        for (const auto& a : c.api_key) os << '<' << a << '>';
        return os << "]}";
    }
};

inline captured capture(const apiauth::http::request_view& v, std::span<const std::string_view> api_key)
{
    captured c{std::string(v.method), std::string(v.target), {}, std::string(v.content_type), std::string(v.body), {}};
    for (const std::string_view a : v.authorization) c.authorization.emplace_back(a);
    for (const std::string_view a : api_key) c.api_key.emplace_back(a);
    return c;
}

// What the server's handlers record, read by the test thread.
class server_log {
public:
    void record(captured c)
    {
        const std::lock_guard lock(mutex_);
        ++calls_;
        last_ = std::move(c);
    }
    std::size_t calls() const
    {
        const std::lock_guard lock(mutex_);
        return calls_;
    }
    captured last() const
    {
        const std::lock_guard lock(mutex_);
        return last_;
    }

private:
    mutable std::mutex mutex_;
    std::size_t calls_ = 0;
    captured last_;
};

// ---- the routes a test server protects --------------------------------------------------------

inline constexpr std::string_view read_scope[] = {"read"};
inline constexpr std::string_view write_scope[] = {"write"};
inline constexpr std::string_view admin_scope[] = {"admin"};

inline std::string_view path_of(std::string_view target)
{
    return target.substr(0, target.find_first_of("?#"));
}

struct route_fixture : oauth2_support::client_fixture {
    static std::chrono::system_clock::time_point now() { return std::chrono::system_clock::time_point(t_now); }

    apiauth::stores::memory_revocation_store revoked{1000, &now};
    apiauth::api_auth_config cfg{.token = {.keys = oauth2_support::policy()}};
    // RFC 6750 §2.2, §2.3 on: the body and the query methods.
    apiauth::api_auth_config cfg_open{.bearer = {.allow_form_body = true, .allow_query = true},
                                      .token = {.keys = oauth2_support::policy()}};
    // Small bounds, under the stacks' own: the core's 431 and 413 are reached through the adapter.
    apiauth::api_auth_config cfg_small{
        .bearer = {.allow_form_body = true, .max_body_size = 1024, .header = {.max_size = 4096}},
        .token = {.keys = oauth2_support::policy()}};

    apiauth::adapters::api_route items{.config = cfg,
                                       .store = store,
                                       .ring = ring,
                                       .tokens = verifier,
                                       .scopes = read_scope,
                                       .issuer = &issuer,
                                       .revoked = revoked};
    apiauth::adapters::api_route open{
        .config = cfg_open, .store = store, .ring = ring, .tokens = verifier, .scopes = read_scope};
    apiauth::adapters::api_route write{
        .config = cfg, .store = store, .ring = ring, .tokens = verifier, .scopes = write_scope};
    apiauth::adapters::api_route small{
        .config = cfg_small, .store = store, .ring = ring, .tokens = verifier, .scopes = read_scope};
    apiauth::adapters::bearer_route bearer_items{.tokens = verifier, .scopes = read_scope, .revoked = revoked};
    apiauth::adapters::bearer_route bearer_write{.tokens = verifier, .scopes = write_scope};
    apiauth::adapters::api_key_route keys_items{
        .store = store, .ring = ring, .keys = oauth2_support::policy(), .scopes = read_scope};
    apiauth::adapters::api_key_route keys_admin{
        .store = store, .ring = ring, .keys = oauth2_support::policy(), .scopes = admin_scope};

    // Calls f with the route that serves `path`; false for a path no route serves (404).
    template <class F> bool with_route(std::string_view path, F&& f) const
    {
        if (path == "/api/items" || path == "/oauth/token")
            f(items);
        else if (path == "/api/open")
            f(open);
        else if (path == "/api/write")
            f(write);
        else if (path == "/api/small")
            f(small);
        else if (path == "/bearer/items")
            f(bearer_items);
        else if (path == "/bearer/write")
            f(bearer_write);
        else if (path == "/keys/items")
            f(keys_items);
        else if (path == "/keys/admin")
            f(keys_admin);
        else
            return false;
        return true;
    }

    // ---- credentials --------------------------------------------------------------------------
    // The reader's key pair as Basic token68, and as one string (X-API-Key).
    std::string basic_token68() const { return oauth2_support::basic_header(reader.id, reader.secret).substr(6); }
    std::string whole_key() const { return reader.id + "_" + reader.secret; }
    // An access token for the reader with these scopes, from `by` (the fixture's issuer by default).
    std::string token(std::vector<std::string_view> scopes = {"read"},
                      const apiauth::oauth2::access_token_issuer* by = nullptr) const
    {
        auto t =
            (by != nullptr ? *by : issuer).issue({.subject = reader.key_id, .client_id = reader.id, .scopes = scopes});
        REQUIRE(t.has_value());
        return t->token;
    }
    // One token with the scope read, the same on every call (cases and expectations name it).
    const std::string& live_token() const
    {
        if (live_token_.empty()) live_token_ = token({"read"});
        return live_token_;
    }
    mutable std::string live_token_;
    // A token that expired two hours before the verifier's clock (C57).
    std::string expired_token() const
    {
        auto k =
            apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, oauth2_support::hs256_secret(), "at-1");
        REQUIRE(k.has_value());
        auto old = apiauth::oauth2::access_token_issuer::make(
            std::move(*k), {.issuer = std::string(oauth2_support::issuer_name),
                            .audience = {std::string(oauth2_support::audience_name)},
                            .clock = [] { return std::chrono::system_clock::time_point(t_now - 2h); }});
        REQUIRE(old.has_value());
        return token({"read"}, &*old);
    }
};

// ---- verdicts ---------------------------------------------------------------------------------

// What a client sees of an answer: the status, the values of every field apiauth writes (in
// order, per name), and the body; a token response's access_token (random jti) is left out.
struct verdict {
    int status = 0;
    std::vector<std::string> www_authenticate, content_type, cache_control, pragma, allow;
    std::string body;
    friend bool operator==(const verdict&, const verdict&) = default;
    friend std::ostream& operator<<(std::ostream& os, const verdict& v)
    {
        const auto list = [&](const char* n, const std::vector<std::string>& l) {
            if (l.empty()) return;
            os << ' ' << n << "=[";
            for (const auto& s : l) os << '<' << s << '>';
            os << ']';
        };
        os << '{' << v.status;
        list("WWW-Authenticate", v.www_authenticate);
        list("Content-Type", v.content_type);
        list("Cache-Control", v.cache_control);
        list("Pragma", v.pragma);
        list("Allow", v.allow);
        return os << " body=" << v.body << '}';
    }
    void add(std::string_view name, std::string value)
    {
        using apiauth::detail::iequals;
        if (iequals(name, "WWW-Authenticate"))
            www_authenticate.push_back(std::move(value));
        else if (iequals(name, "Content-Type"))
            content_type.push_back(std::move(value));
        else if (iequals(name, "Cache-Control"))
            cache_control.push_back(std::move(value));
        else if (iequals(name, "Pragma"))
            pragma.push_back(std::move(value));
        else if (iequals(name, "Allow"))
            allow.push_back(std::move(value));
    }
    void set_body(std::string b)
    {
        if (b.find("\"access_token\"") != std::string::npos) {
            auto j = nlohmann::json::parse(b, nullptr, false);
            if (!j.is_discarded() && j.is_object()) {
                j.erase("access_token");
                b = "token response " + j.dump();
            }
        }
        body = std::move(b);
    }
};

// The body a test handler answers an authenticated request with.
inline std::string ok_body(const apiauth::authenticated& who)
{
    return "ok " + std::string(who.key_id());
}

inline verdict verdict_of(const apiauth::auth_outcome& o)
{
    verdict v;
    if (o.identity) {
        v.status = 200;
        if (!o.identity->cache_control().empty()) v.cache_control.emplace_back(o.identity->cache_control());
        v.content_type.emplace_back("text/plain");
        v.body = ok_body(*o.identity);
        return v;
    }
    v.status = o.response.status;
    for (const auto& f : o.response.fields) v.add(f.name, f.value);
    v.set_body(o.response.body);
    return v;
}

// The core's verdict on a request: the route of its path decides, with the core API directly.
inline std::optional<verdict> reference(const route_fixture& fx, const captured& c)
{
    std::vector<std::string_view> lines(c.authorization.begin(), c.authorization.end());
    std::vector<std::string_view> keys(c.api_key.begin(), c.api_key.end());
    const apiauth::http::request_view v{
        .method = c.method, .target = c.target, .authorization = lines, .content_type = c.content_type, .body = c.body};
    std::optional<verdict> out;
    fx.with_route(path_of(c.target), [&](const auto& route) {
        if constexpr (std::is_same_v<std::decay_t<decltype(route)>, apiauth::adapters::api_key_route>)
            out = verdict_of(apiauth::adapters::authenticate_route(v, route, keys));
        else
            out = verdict_of(apiauth::adapters::authenticate_route(v, route));
    });
    return out;
}

// ---- the raw client -----------------------------------------------------------------------------

struct wire_response {
    int status = 0;                                           // 0: no answer (closed or reset)
    std::vector<std::pair<std::string, std::string>> fields;  // in the order received
    std::string body;
    std::string raw;

    std::vector<std::string> values(std::string_view name) const
    {
        std::vector<std::string> out;
        for (const auto& [n, v] : fields)
            if (apiauth::detail::iequals(n, name)) out.push_back(v);
        return out;
    }
    verdict to_verdict() const
    {
        verdict v;
        v.status = status;
        for (const auto& [n, val] : fields) v.add(n, val);
        v.set_body(body);
        return v;
    }
};

inline wire_response parse_response(std::string raw)
{
    wire_response r;
    r.raw = std::move(raw);
    const std::size_t end = r.raw.find("\r\n\r\n");
    if (end == std::string::npos || r.raw.compare(0, 9, "HTTP/1.1 ") != 0) return r;
    r.status = std::stoi(r.raw.substr(9, 3));
    std::size_t i = r.raw.find("\r\n") + 2;
    while (i < end) {
        const std::size_t e = r.raw.find("\r\n", i);
        const std::string line = r.raw.substr(i, e - i);
        const std::size_t colon = line.find(':');
        std::string value = line.substr(colon + 1);
        const std::size_t b = value.find_first_not_of(" \t");
        value = b == std::string::npos ? "" : value.substr(b, value.find_last_not_of(" \t") - b + 1);
        r.fields.emplace_back(line.substr(0, colon), std::move(value));
        i = e + 2;
    }
    r.body = r.raw.substr(end + 4);
    const auto cl = r.values("Content-Length");
    if (cl.size() == 1) r.body = r.body.substr(0, std::stoul(cl.front()));
    return r;
}

// Sends `request` as it is to 127.0.0.1:port and reads the answer until the server closes the
// connection (every request here says Connection: close). A server that answers before it has
// read everything may close meanwhile: sending then stops, and the answer is still read.
inline wire_response exchange(unsigned short port, std::string_view request)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // EPIPE, ECONNRESET: the server answered early
        sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[16384];
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<std::size_t>(n));
        // A complete answer with a Content-Length: done (a server may keep the connection open,
        // e.g. cpp-httplib after a request it could not parse, until its keep-alive timeout).
        const wire_response r = parse_response(raw);
        const auto cl = r.values("Content-Length");
        const std::size_t head = raw.find("\r\n\r\n");
        if (r.status != 0 && cl.size() == 1 && raw.size() - head - 4 >= std::stoul(cl.front())) break;
    }
    ::close(fd);
    return parse_response(std::move(raw));
}

// ---- the conformance cases ----------------------------------------------------------------------

// One request of research/http-auth-oauth2-spec.md's conformance list (id = its number), or of
// this file (X: what a stack's parser may change; L: live credentials of the fixture).
struct wire_case {
    std::string id{};
    std::string what{};
    std::string method = "GET";
    std::string target = "/api/items";
    std::string fields{};                      // the exact bytes of the credential field lines
    std::vector<std::string> authorization{};  // the Authorization values they carry (OWS removed, RFC 9110 §5.5)
    std::string content_type{};
    std::string body{};
    std::vector<std::string> api_key{};  // the X-API-Key values

    std::string wire() const
    {
        std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields;
        if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
        if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        return r + "Connection: close\r\n\r\n" + body;
    }
    // The view a parser that changes nothing delivers.
    captured sent() const
    {
        std::string t = target;
        if (t.rfind("http://", 0) == 0) {
            const std::size_t p = t.find_first_of("/?#", 7);
            t = p == std::string::npos ? "/" : t.substr(p);
        }
        return {method, t, authorization, content_type, body, api_key};
    }
};

// One Authorization field line, sent as `Authorization: <value>` CRLF.
inline wire_case auth(std::string id, std::string what, std::string value, std::string target = "/api/items")
{
    wire_case c{.id = std::move(id), .what = std::move(what), .target = std::move(target)};
    c.fields = "Authorization: " + value + "\r\n";
    c.authorization = {std::move(value)};
    return c;
}

// A token request (RFC 6749 §4.4) at /oauth/token.
inline wire_case token_request(std::string id, std::string what, std::vector<std::string> authorization,
                               std::string body, std::string content_type = "application/x-www-form-urlencoded")
{
    wire_case c{.id = std::move(id), .what = std::move(what), .method = "POST", .target = "/oauth/token"};
    for (const auto& a : authorization) c.fields += "Authorization: " + a + "\r\n";
    c.authorization = std::move(authorization);
    c.content_type = std::move(content_type);
    c.body = std::move(body);
    return c;
}

// A: RFC 9110 §11 credentials syntax (the request cases A1-A11; A12-A18 parse WWW-Authenticate,
// a response field: tests/http/challenge_test.cpp).
inline std::vector<wire_case> cases_a()
{
    std::vector<wire_case> v{
        auth("A1", "auth-params", R"(Newauth realm="apps", type=1)"),
        auth("A2", "token68 with padding", "Foo abc="),
        auth("A3", "a=b is a parameter", "Foo a=b"),
        auth("A4", "BWS around =", R"(Foo realm = "x")"),
        auth("A5", "parameter names are case-insensitive", R"(Foo REALM="x")"),
        auth("A6", "quoted-pairs", R"(Foo title="Login to \"apps\"", x="a\\b")"),
        auth("A7", "( is not a tchar", "Fo(o abc"),
        auth("A8", "neither token68 nor auth-params", "Foo abc def"),
        auth("A9", "a parameter twice", R"(Foo a="x", a="y")"),
    };
    wire_case a10{.id = "A10", .what = "two Authorization lines"};
    a10.fields = "Authorization: Bearer t1\r\nAuthorization: Bearer t2\r\n";
    a10.authorization = {"Bearer t1", "Bearer t2"};
    v.push_back(a10);
    wire_case nul = auth("A11-NUL", "a NUL in the value", std::string("Bearer a\0b", 10));
    v.push_back(nul);
    wire_case cr = auth("A11-CR", "a lone CR in the value", "Bearer a\rb");
    v.push_back(cr);
    wire_case lf{.id = "A11-LF", .what = "a bare LF in the line"};
    lf.fields = "Authorization: Bearer a\nb\r\n";
    lf.authorization = {"Bearer a\nb"};
    v.push_back(lf);
    return v;
}

// B: Basic (RFC 7617, RFC 4648) at a resource that accepts API keys over Basic.
inline std::vector<wire_case> cases_b()
{
    return {
        auth("B19", "Aladdin:open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        auth("B20-lower", "scheme in lower case", "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        auth("B20-upper", "scheme in upper case", "BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        auth("B21", "three SP", "Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        auth("B22", "HTAB after the scheme", "Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        auth("B23", "password with a colon", "Basic dXNlcjpwYTpzcw=="),
        auth("B24", "no colon", "Basic dXNlcg=="),
        auth("B25", "empty user and password", "Basic Og=="),
        auth("B26", "empty password", "Basic dXNlcjo="),
        auth("B27", "padding missing", "Basic dXNlcjpwYXM"),
        auth("B28", "non-zero pad bits", "Basic dXNlcjpwYXN="),
        auth("B29", "RFC 4648 section 4 alphabet", "Basic YTo+Pj4="),
        auth("B29-url", "base64url alphabet", "Basic YTo-Pj4="),
        auth("B30", "junk after padding", "Basic dXNlcjpwYXNz=junk"),
        auth("B31-1", "superfluous padding", "Basic dXNlcjpwYXNz="),
        auth("B31-2", "superfluous padding twice", "Basic dXNlcjpwYXNz=="),
        auth("B32", "whitespace inside", "Basic dXNl cjpwYXNz"),
        auth("B33", "no token", "Basic"),
        auth("B34", "Basicx is another scheme", "Basicx dXNlcjpwYXNz"),
        auth("B35-NUL", "NUL in the user-id", "Basic dXMAZXI6cGFzcw=="),
        auth("B35-LF", "LF in the password", "Basic dXNlcjpwYQpzcw=="),
        auth("B36", "UTF-8 password", "Basic dGVzdDoxMjPCow=="),
        auth("B37", "Latin-1 password", "Basic dGVzdDoxMjOj"),
        auth("B38", "UTF-8 user and password", "Basic d2FsdGVyd2hpdGU6cMOkc3N3w7ZyZA=="),
        auth("B56", "Basic at a Bearer-only resource (C56)", "Basic dXNlcjpwYXNz", "/bearer/items"),
    };
}

// C: Bearer at a protected resource (RFC 6750).
inline std::vector<wire_case> cases_c(const route_fixture& fx)
{
    const std::string t = fx.live_token();
    std::vector<wire_case> v{
        auth("C41", "a b64token", "Bearer mF_9.B5f-4.1JqM"),
        auth("C42-lower", "bearer", "bearer mF_9.B5f-4.1JqM"),
        auth("C42-upper", "BEARER", "BEARER mF_9.B5f-4.1JqM"),
        auth("C42-mixed", "bEaReR", "bEaReR mF_9.B5f-4.1JqM"),
        auth("C43", "two SP", "Bearer  mF_9.B5f-4.1JqM"),
        auth("C44", "HTAB", "Bearer\tmF_9.B5f-4.1JqM"),
        auth("C45", "padding kept", "Bearer mF_9.B5f-4.1JqM=="),
        auth("C46", "JWT shape", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
        auth("C47", "no token", "Bearer"),
        auth("C48-1", "not a b64token: =", "Bearer ab=cd"),
        auth("C48-2", "not a b64token: ==", "Bearer =="),
        auth("C48-3", "not a b64token: comma", "Bearer a,b"),
        auth("C48-4", "not a b64token: SP", "Bearer a b"),
        auth("C48-5", "not a b64token: quotes", R"(Bearer "abc")"),
        auth("C49", "header and query", "Bearer " + t, "/api/open?access_token=" + t),
        auth("C55-live", "a live token", "Bearer " + t),
        auth("C57", "an expired token", "Bearer " + fx.expired_token()),
        auth("C58", "a token without the scope write", "Bearer " + t, "/api/write"),
        auth("C58-bearer", "a token without the scope write (bearer route)", "Bearer " + t, "/bearer/write"),
        auth("C56", "Basic at a Bearer-only resource", "Basic dXNlcjpwYXNz", "/bearer/items"),
    };
    wire_case c50{.id = "C50", .what = "header and form body", .method = "POST", .target = "/api/open"};
    c50.fields = "Authorization: Bearer " + t + "\r\n";
    c50.authorization = {"Bearer " + t};
    c50.content_type = "application/x-www-form-urlencoded";
    c50.body = "access_token=" + t;
    v.push_back(c50);
    wire_case c51{.id = "C51", .what = "form body, charset parameter", .method = "POST", .target = "/api/open"};
    c51.content_type = "application/x-www-form-urlencoded; charset=UTF-8";
    c51.body = "access_token=" + t + "&p=q";
    v.push_back(c51);
    wire_case c52{.id = "C52-GET", .what = "form body of a GET", .target = "/api/open"};
    c52.content_type = "application/x-www-form-urlencoded";
    c52.body = "access_token=" + t;
    v.push_back(c52);
    wire_case c52m{.id = "C52-multipart", .what = "multipart/form-data body", .method = "POST", .target = "/api/open"};
    c52m.content_type = "multipart/form-data; boundary=XyZ";
    c52m.body = "--XyZ\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n" + t + "\r\n--XyZ--\r\n";
    v.push_back(c52m);
    v.push_back({.id = "C53", .what = "query token, query method off", .target = "/api/items?access_token=" + t});
    v.push_back({.id = "C54", .what = "query token, query method on", .target = "/api/open?access_token=" + t});
    v.push_back({.id = "C55", .what = "no credentials"});
    v.push_back({.id = "C55-bearer", .what = "no credentials (bearer route)", .target = "/bearer/items"});
    return v;
}

// D: the token endpoint (RFC 6749 §2.3, §3.2, §4.4, §5.2).
inline std::vector<wire_case> cases_d(const route_fixture& fx)
{
    const std::string live = "Basic " + fx.basic_token68();
    const std::string cc = "grant_type=client_credentials";
    std::vector<wire_case> v{
        token_request("D61", "RFC 6749 example client", {"Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"}, cc),
        token_request("D62", "form-encoded client id and secret",
                      {"Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUy"
                       "QndmRlR0MXJGdyUzRA=="},
                      cc),
        token_request("D63-encoded", "secret 1+1 encoded", {"Basic Y2xpZW50OjElMkIx"}, cc),
        token_request("D63-raw", "secret 1+1 raw", {"Basic Y2xpZW50OjErMQ=="}, cc),
        token_request("D64-raw", "secret 50%off raw", {"Basic Y2xpZW50OjUwJW9mZg=="}, cc),
        token_request("D64-encoded", "secret 50%off encoded", {"Basic Y2xpZW50OjUwJTI1b2Zm"}, cc),
        token_request("D65", "a live key with a wrong secret",
                      {oauth2_support::basic_header(fx.reader.id, fx.reader.wrong_secret)}, cc),
        token_request("D66", "client_secret_post off", {}, cc + "&client_id=s6BhdRkqt3&client_secret=wrong"),
        token_request("D67", "no client authentication", {}, cc),
        token_request("D68", "Basic and client_secret", {live}, cc + "&client_secret=gX1fBat3bV"),
        token_request("D69-same", "Basic and the same client_id", {live}, cc + "&client_id=" + fx.reader.id),
        token_request("D69-other", "Basic and another client_id", {live}, cc + "&client_id=other"),
        token_request("D72", "a JSON body", {live}, R"({"grant_type":"client_credentials"})", "application/json"),
        token_request("D73-body", "grant_type twice", {live}, cc + "&" + cc),
        token_request("D74", "scope twice", {live}, cc + "&scope=a&scope=b"),
        token_request("D75", "empty grant_type", {live}, "grant_type="),
        token_request("D76-password", "grant_type=password", {live}, "grant_type=password"),
        token_request("D76-case", "grant_type in another case", {live}, "grant_type=Client_Credentials"),
        token_request("D76-name", "parameter name in another case", {live}, "Grant_Type=client_credentials"),
        token_request("D78-plus", "scope read+write", {live}, cc + "&scope=read+write"),
        token_request("D78-pct", "scope read%20write", {live}, cc + "&scope=read%20write"),
        token_request("D79-1", "two spaces", {live}, cc + "&scope=read%20%20write"),
        token_request("D79-2", "leading space", {live}, cc + "&scope=%20read"),
        token_request("D79-3", "quotes", {live}, cc + "&scope=%22admin%22"),
        token_request("D79-4", "backslash", {live}, cc + "&scope=read%5Cwrite"),
        token_request("D79-5", "non-ASCII", {live}, cc + "&scope=caf%C3%A9"),
        token_request("D80", "read requested", {live}, cc + "&scope=read"),
        token_request("D81", "an unknown parameter", {live}, cc + "&foo=bar"),
        token_request("D82", "; is not a separator", {live}, "grant_type=client_credentials;scope=admin"),
        token_request("D83-escape", "a bad escape", {live}, cc + "&scope=%zz"),
        token_request("D83-utf8", "not UTF-8", {live}, cc + "&scope=%FF"),
        token_request("D84", "body client authentication off", {}, cc + "&client_id=c1&client_secret=a%2525b"),
        token_request("D85", "empty client_secret", {}, cc + "&client_id=c1&client_secret="),
    };
    wire_case d70 = token_request("D70", "client_secret in the query", {live}, cc);
    d70.target = "/oauth/token?client_secret=gX1fBat3bV";
    v.push_back(d70);
    wire_case d71{
        .id = "D71", .what = "GET at the token endpoint", .target = "/oauth/token?grant_type=client_credentials"};
    v.push_back(d71);
    wire_case d73 = token_request("D73-query", "grant_type in the query and the body", {live}, cc);
    d73.target = "/oauth/token?grant_type=client_credentials";
    v.push_back(d73);
    return v;
}

// X: what an HTTP parser may do to the bytes before any adapter sees them (RFC 9110 §5, RFC 9112
// §2.2, §3.2, §5), and L: live credentials sent in every way a conforming parser delivers alike.
inline std::vector<wire_case> cases_x(const route_fixture& fx)
{
    const std::string t = fx.live_token();
    const std::string k = fx.basic_token68();
    std::vector<wire_case> v{
        auth("L-basic", "a live API key over Basic", "Basic " + k),
        auth("L-basic-lower", "a live API key, scheme in lower case", "basic " + k),
        auth("L-basic-3sp", "a live API key, three SP", "Basic   " + k),
        auth("L-basic-htab", "a live API key, HTAB", "Basic\t" + k),
        auth("L-bearer-lower", "a live token, scheme in lower case", "bearer " + t),
        auth("L-bearer-2sp", "a live token, two SP", "Bearer  " + t),
        token_request("L-token", "a live token request", {"Basic " + k}, "grant_type=client_credentials&scope=read"),
    };
    wire_case name_lower{.id = "X-name-lower", .what = "field name in lower case (RFC 9110 §5.1)"};
    name_lower.fields = "authorization: Bearer " + t + "\r\n";
    name_lower.authorization = {"Bearer " + t};
    v.push_back(name_lower);
    wire_case name_upper{.id = "X-name-upper", .what = "field name in upper case"};
    name_upper.fields = "AUTHORIZATION: Bearer " + t + "\r\n";
    name_upper.authorization = {"Bearer " + t};
    v.push_back(name_upper);
    wire_case ows{.id = "X-ows", .what = "OWS around the value (RFC 9110 §5.5)"};
    ows.fields = "Authorization: \t Bearer " + t + " \t\r\n";
    ows.authorization = {"Bearer " + t};
    v.push_back(ows);
    wire_case fold{.id = "X-obs-fold", .what = "obs-fold (RFC 9112 §5.2: reject, or replace with SP)"};
    fold.fields = "Authorization: Bearer\r\n " + t + "\r\n";
    fold.authorization = {"Bearer " + t};
    v.push_back(fold);
    wire_case colon{.id = "X-space-before-colon", .what = "SP before the colon (RFC 9112 §5.1: MUST answer 400)"};
    colon.fields = "Authorization : Bearer " + t + "\r\n";
    colon.authorization = {"Bearer " + t};
    v.push_back(colon);
    wire_case empty{.id = "X-empty", .what = "an empty value"};
    empty.fields = "Authorization:\r\n";
    empty.authorization = {""};
    v.push_back(empty);
    wire_case blank{.id = "X-blank", .what = "a value of whitespace"};
    blank.fields = "Authorization:  \t \r\n";
    blank.authorization = {""};
    v.push_back(blank);
    wire_case lf{.id = "X-bare-LF", .what = "the line ends in a bare LF (RFC 9112 §2.2: MAY accept)"};
    lf.fields = "Authorization: Bearer " + t + "\n";
    lf.authorization = {"Bearer " + t};
    v.push_back(lf);
    v.push_back(auth("X-pct-scheme", "%20 after the scheme", "Bearer%20" + t));
    v.push_back(auth("X-pct-token", "%41 in the token", "Bearer %41bc"));
    v.push_back(auth("X-pct-crlf", "%0D%0A in the token", "Bearer a%0D%0Ab"));
    v.push_back(auth("X-obs-text", "obs-text in the token", "Bearer caf\xC3\xA9"));
    wire_case many{.id = "X-100-lines", .what = "100 Authorization lines (RFC 9110 §5.3), 3.8 KB"};
    for (int i = 0; i < 100; ++i) {
        many.fields += "Authorization: Bearer mF_9.B5f-4.1JqM\r\n";
        many.authorization.emplace_back("Bearer mF_9.B5f-4.1JqM");
    }
    v.push_back(many);
    v.push_back(
        auth("X-6000", "a 6000-octet token (over the route's 4096)", "Bearer " + std::string(6000, 'a'), "/api/small"));
    v.push_back({.id = "X-absolute-form",
                 .what = "absolute-form target (RFC 9112 §3.2.2)",
                 .target = "http://127.0.0.1/api/open?access_token=" + t});
    v.push_back(
        {.id = "X-fragment", .what = "a fragment in the target", .target = "/api/open?access_token=" + t + "#f"});
    wire_case big{.id = "X-body-2000",
                  .what = "a 2000-octet form body (over the route's 1024)",
                  .method = "POST",
                  .target = "/api/small"};
    big.content_type = "application/x-www-form-urlencoded";
    big.body = "access_token=" + t + "&pad=" + std::string(2000, 'p');
    v.push_back(big);
    return v;
}

// Oversized inputs a stack may refuse before the adapter: C60 and E89 of the conformance list.
inline std::vector<wire_case> cases_limits(const route_fixture& fx)
{
    const std::string live = "Basic " + fx.basic_token68();
    std::vector<wire_case> v{auth("C60", "a 100000-octet token", "Bearer " + std::string(100000, 'a'))};
    v.push_back(token_request("E89-9k", "a 9 KiB token request body (over the core's 8 KiB)", {live},
                              "grant_type=client_credentials&pad=" + std::string(9 * 1024, 'p')));
    v.push_back(token_request("E89-1M", "a 1 MiB + 1 token request body", {live},
                              "grant_type=client_credentials&pad=" + std::string(1024 * 1024 - 33, 'p')));
    return v;
}

// ---- what a stack does to a case ------------------------------------------------------------------

// How a stack's own parser treats a case. By default it delivers what was sent and the verdict
// is the core's on it. Otherwise: it answered `rejected` itself (the handler never ran), or it
// delivered other values (authorization, body, target), and `verdict_changes` records whether
// the core's verdict on what was sent differs from its verdict on what was delivered.
struct stack_effect {
    int rejected = 0;
    std::optional<std::vector<std::string>> authorization{};
    std::optional<std::string> body{};
    std::optional<std::string> target{};
    bool verdict_changes = false;
};
using stack_effects = std::map<std::string, stack_effect>;

// Sends every case to `server` and checks it against `effects`: the view the adapter made is the
// one expected, and the answer on the wire is the core's verdict on that view.
template <class Server>
void check_cases(const route_fixture& fx, const Server& server, const std::vector<wire_case>& cases,
                 const stack_effects& effects)
{
    for (const wire_case& c : cases) {
        INFO("case " << c.id << ": " << c.what);
        const auto found = effects.find(c.id);
        const stack_effect e = found != effects.end() ? found->second : stack_effect{};
        const std::size_t before = server.log().calls();
        const wire_response r = exchange(server.port(), c.wire());
        INFO("answer: " << r.raw.substr(0, 600));
        if (e.rejected != 0) {
            CHECK(r.status == e.rejected);
            CHECK(server.log().calls() == before);
            continue;
        }
        REQUIRE(server.log().calls() == before + 1);
        const captured sent = c.sent();
        captured delivered = sent;
        if (e.authorization) delivered.authorization = *e.authorization;
        if (e.body) delivered.body = *e.body;
        if (e.target) delivered.target = *e.target;
        CHECK(server.log().last() == delivered);
        const auto want = reference(fx, delivered);
        REQUIRE(want.has_value());
        CHECK(r.to_verdict() == *want);
        const auto raw = reference(fx, sent);
        REQUIRE(raw.has_value());
        CHECK((*raw != *want) == e.verdict_changes);
    }
}

// The response of the field-order test: repeated fields, a Content-Type, fields an adapter must
// not send (a CR LF inside a value, a framing field).
inline apiauth::http::response crafted_response()
{
    apiauth::http::response r(401);
    r.add("WWW-Authenticate", R"(Bearer realm="a")")
        .add("Set-Cookie", "a=1")
        .add("WWW-Authenticate", R"(Basic realm="b", charset="UTF-8")")
        .add("Cache-Control", "no-store")
        .add("X-Split", "a\r\nInjected: 1")
        .add("Set-Cookie", "b=2")
        .add("Content-Length", "999")
        .add("Content-Type", "application/problem+json");
    r.body = R"({"x":1})";
    return r;
}

// The names of the crafted response's fields as received, in order (others left out).
inline std::vector<std::string> crafted_names(const wire_response& r)
{
    std::vector<std::string> out;
    for (const auto& [n, v] : r.fields)
        for (const char* m : {"WWW-Authenticate", "Set-Cookie", "Cache-Control", "Content-Type"})
            if (apiauth::detail::iequals(n, m)) out.push_back(m);
    return out;
}

// ---- protect(), per kind of route: the exact answers ---------------------------------------------

inline wire_case request_to(std::string target, std::string fields = {})
{
    wire_case c{.id = "", .what = "", .target = std::move(target)};
    c.fields = std::move(fields);
    return c;
}

inline const std::string basic_challenge = R"(Basic realm="api", charset="UTF-8")";
inline const std::string bare_bearer_challenge = R"(Bearer realm="api")";

// api_route: authenticate_api's answers (research/stormpath-protocol.md §5.1, RFC 6750 §3.1).
template <class Server> void check_api_route(const route_fixture& fx, const Server& s)
{
    const std::string ok = "ok " + fx.reader.key_id;
    // An API key over Basic (RFC 7617 §2) and a Bearer token (RFC 6750 §2.1): the identity.
    auto r = exchange(s.port(), request_to("/api/items", "Authorization: Basic " + fx.basic_token68() + "\r\n").wire());
    CHECK(r.status == 200);
    CHECK(r.body == ok);
    r = exchange(s.port(), request_to("/api/items", "Authorization: Bearer " + fx.token({"read"}) + "\r\n").wire());
    CHECK(r.status == 200);
    CHECK(r.body == ok);
    CHECK(r.values("Cache-Control").empty());
    // RFC 6750 §2.3: a query token is answered with Cache-Control: private.
    r = exchange(s.port(), request_to("/api/open?access_token=" + fx.token({"read"})).wire());
    CHECK(r.status == 200);
    CHECK(r.values("Cache-Control") == std::vector<std::string>{"private"});
    // No credentials: 401 with a bare Bearer challenge and a Basic one (RFC 6750 §3.1, RFC 9110 §15.5.2).
    r = exchange(s.port(), request_to("/api/items").wire());
    CHECK(r.status == 401);
    CHECK(r.values("WWW-Authenticate") == std::vector<std::string>{bare_bearer_challenge, basic_challenge});
    CHECK(r.body.empty());
    // A wrong API key secret: 401 with the Basic challenge only, no body.
    r = exchange(s.port(), request_to("/api/items",
                                      "Authorization: " +
                                          oauth2_support::basic_header(fx.reader.id, fx.reader.wrong_secret) + "\r\n")
                               .wire());
    CHECK(r.status == 401);
    CHECK(r.values("WWW-Authenticate") == std::vector<std::string>{basic_challenge});
    CHECK(r.body.empty());
    // A token without the scope: 403 insufficient_scope with scope= (RFC 6750 §3.1).
    r = exchange(s.port(), request_to("/api/write", "Authorization: Bearer " + fx.token({"read"}) + "\r\n").wire());
    CHECK(r.status == 403);
    CHECK(
        r.values("WWW-Authenticate") ==
        std::vector<std::string>{R"(Bearer realm="api", error="insufficient_scope", )"
                                 R"(error_description="The token does not grant the required scope", scope="write")"});
    CHECK(r.values("Content-Type") == std::vector<std::string>{"application/json"});
    CHECK(r.body == R"({"error":"insufficient_scope"})");
    // A malformed header: 400 invalid_request (RFC 6750 §3.1).
    r = exchange(s.port(), request_to("/api/items", "Authorization: Bearer a b\r\n").wire());
    CHECK(r.status == 400);
    CHECK(r.values("WWW-Authenticate") ==
          std::vector<std::string>{R"(Bearer realm="api", error="invalid_request", )"
                                   R"(error_description="The credentials are malformed")"});
    CHECK(r.body == R"({"error":"invalid_request"})");
    // The token endpoint (RFC 6749 §4.4, §5.1): a token response, as the core writes it.
    r = exchange(
        s.port(),
        token_request("", "", {"Basic " + fx.basic_token68()}, "grant_type=client_credentials&scope=read").wire());
    CHECK(r.status == 200);
    CHECK(r.values("Content-Type") == std::vector<std::string>{"application/json"});
    CHECK(r.values("Cache-Control") == std::vector<std::string>{"no-store"});
    CHECK(r.values("Pragma") == std::vector<std::string>{"no-cache"});
    const auto j = nlohmann::json::parse(r.body);
    CHECK(j.at("token_type") == "Bearer");
    const std::string access_token = j.at("access_token");
    CHECK(fx.verifier.verify(access_token).has_value());
    // RFC 6749 §3.2: GET at the token endpoint is 405 with Allow: POST.
    r = exchange(s.port(), request_to("/oauth/token?grant_type=client_credentials").wire());
    CHECK(r.status == 405);
    CHECK(r.values("Allow") == std::vector<std::string>{"POST"});
}

// bearer_route: RFC 6750 only, Basic is no credentials.
template <class Server> void check_bearer_route(route_fixture& fx, const Server& s)
{
    auto r =
        exchange(s.port(), request_to("/bearer/items", "Authorization: Bearer " + fx.token({"read"}) + "\r\n").wire());
    CHECK(r.status == 200);
    CHECK(r.body == "ok " + fx.reader.key_id);
    // RFC 6750 §3.1: no credentials, or another scheme, is 401 with a challenge without error.
    for (const std::string& fields :
         std::vector<std::string>{std::string(), "Authorization: Basic " + fx.basic_token68() + "\r\n"}) {
        r = exchange(s.port(), request_to("/bearer/items", fields).wire());
        CHECK(r.status == 401);
        CHECK(r.values("WWW-Authenticate") == std::vector<std::string>{bare_bearer_challenge});
        CHECK(r.body.empty());
    }
    // C57: an expired token is 401 invalid_token.
    r = exchange(s.port(), request_to("/bearer/items", "Authorization: Bearer " + fx.expired_token() + "\r\n").wire());
    CHECK(r.status == 401);
    CHECK(r.values("WWW-Authenticate") ==
          std::vector<std::string>{
              R"(Bearer realm="api", error="invalid_token", error_description="The token expired")"});
    CHECK(r.body == R"({"error":"invalid_token"})");
    // C58: 403 insufficient_scope with scope=.
    r = exchange(s.port(), request_to("/bearer/write", "Authorization: Bearer " + fx.token({"read"}) + "\r\n").wire());
    CHECK(r.status == 403);
    CHECK(
        r.values("WWW-Authenticate") ==
        std::vector<std::string>{R"(Bearer realm="api", error="insufficient_scope", )"
                                 R"(error_description="The token does not grant the required scope", scope="write")"});
    // C47: Bearer without a token is 400 invalid_request.
    r = exchange(s.port(), request_to("/bearer/items", "Authorization: Bearer\r\n").wire());
    CHECK(r.status == 400);
    CHECK(r.values("WWW-Authenticate") ==
          std::vector<std::string>{R"(Bearer realm="api", error="invalid_request", )"
                                   R"(error_description="The Bearer credentials carry no token")"});
    // RFC 7009 §2: a revoked token is refused by the route's revocation store.
    const std::string t = fx.token({"read"});
    const auto v = fx.verifier.verify(t);
    REQUIRE(v.has_value());
    REQUIRE(fx.revoked.revoke(v->jti(), v->expires_at()).has_value());
    r = exchange(s.port(), request_to("/bearer/items", "Authorization: Bearer " + t + "\r\n").wire());
    CHECK(r.status == 401);
    CHECK(r.values("WWW-Authenticate") ==
          std::vector<std::string>{R"(Bearer realm="api", error="invalid_token", )"
                                   R"(error_description="The access token was revoked")"});
}

// api_key_route: the key over Basic or in X-API-Key.
template <class Server> void check_api_key_route(const route_fixture& fx, const Server& s)
{
    const std::string ok = "ok " + fx.reader.key_id;
    const std::string basic = "Authorization: Basic " + fx.basic_token68() + "\r\n";
    const std::string header = "X-API-Key: " + fx.whole_key() + "\r\n";
    auto r = exchange(s.port(), request_to("/keys/items", basic).wire());
    CHECK(r.status == 200);
    CHECK(r.body == ok);
    r = exchange(s.port(), request_to("/keys/items", header).wire());
    CHECK(r.status == 200);
    CHECK(r.body == ok);
    CHECK(s.log().last().api_key == std::vector<std::string>{fx.whole_key()});
    // The field name is case-insensitive (RFC 9110 §5.1).
    r = exchange(s.port(), request_to("/keys/items", "x-api-key: " + fx.whole_key() + "\r\n").wire());
    CHECK(r.status == 200);
    // No key, a wrong key, a Bearer token: 401 with the Basic challenge, no body.
    std::string wrong = fx.whole_key();
    wrong[wrong.size() - 10] = wrong[wrong.size() - 10] == 'A' ? 'B' : 'A';
    for (const std::string& fields :
         std::vector<std::string>{std::string(), "X-API-Key: " + wrong + "\r\n", "X-API-Key: nonsense\r\n",
                                  "Authorization: Bearer " + fx.token({"read"}) + "\r\n"}) {
        r = exchange(s.port(), request_to("/keys/items", fields).wire());
        CHECK(r.status == 401);
        CHECK(r.values("WWW-Authenticate") == std::vector<std::string>{basic_challenge});
        CHECK(r.body.empty());
    }
    // A key without the scope: 403, no challenge (Basic has no scope).
    r = exchange(s.port(), request_to("/keys/admin", header).wire());
    CHECK(r.status == 403);
    CHECK(r.values("WWW-Authenticate").empty());
    // Two X-API-Key lines, or a key in both places: 400, before any lookup.
    const int lookups = fx.store_lookups();
    r = exchange(s.port(), request_to("/keys/items", header + header).wire());
    CHECK(r.status == 400);
    r = exchange(s.port(), request_to("/keys/items", header + basic).wire());
    CHECK(r.status == 400);
    CHECK(fx.store_lookups() == lookups);
}

// The response conversion: repeated fields keep their order; one Content-Type, apiauth's; a
// value that would split the response and a framing field are not written.
inline void check_crafted(const wire_response& r)
{
    CHECK(r.status == 401);
    CHECK(r.values("WWW-Authenticate") ==
          std::vector<std::string>{R"(Bearer realm="a")", R"(Basic realm="b", charset="UTF-8")"});
    CHECK(r.values("Set-Cookie") == std::vector<std::string>{"a=1", "b=2"});
    CHECK(r.values("Cache-Control") == std::vector<std::string>{"no-store"});
    CHECK(r.values("Content-Type") == std::vector<std::string>{"application/problem+json"});
    CHECK(r.values("X-Split").empty());
    CHECK(r.values("Injected").empty());
    CHECK(r.values("Content-Length") == std::vector<std::string>{"7"});
    CHECK(r.body == R"({"x":1})");
}

}  // namespace adapter_support

#endif  // APIAUTH_TESTS_ADAPTER_SUPPORT_HPP
