// login_site — the hosted login page of Stormpath's ID Site protocol, on cpp-httplib, with
// apiauth's login-site side (id_site/login_site.hpp). An application sends the browser here with
// a signed `jwtRequest`; a person signs in or registers; the browser goes back to the
// application's registered callback with a signed `jwtResponse` (research/stormpath-protocol.md
// §1 the request, §2 the answer, §3 replay protection). README.md beside this file is the manual.
//
//   login_site serve --apps FILE --users FILE [--bind 127.0.0.1] [--port N] [--issuer URL]
//                    [--scrypt-log-n N] [--exit-on-stdin-eof]
//   login_site add-user --users FILE --username U --password-file F [--name "Full Name"]
//                       [--email E] [--scrypt-log-n N] [--issuer URL]
//
// `serve` prints one line, "PORT <n>", once it listens, logs one line per request on stderr
// (never a query, a body or a password), and stops on SIGTERM or SIGINT (and at the end of stdin
// with --exit-on-stdin-eof), as tests/interop/oauth2_server.cpp does.
//
//   GET  /sso?jwtRequest=…          parse_request; a login request starts a *flow* and shows the
//                                    sign-in page (the register page for path "/#/register")
//   GET  /sso/logout?jwtRequest=…   parse_request; 200, the signed-out page, whose meta refresh
//                                    goes on to the callback with status LOGOUT
//   GET  /login?flow=…  /register?flow=…   the two forms of one flow
//   POST /login     flow csrf username password             302 AUTHENTICATED
//   POST /register  flow csrf username password name email  302 REGISTERED, isNewSub true
//   GET  /health    200 "ok"
//
// Exit status: 0 stopped cleanly (serve) or added (add-user); 1 the username is taken (add-user)
// or the server failed; 2 a usage error, or a file that cannot be used.

#include "../common/html.hpp"
#include "accounts.hpp"

#include <apiauth/adapters/httplib.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/id_site/claims.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/stores/memory.hpp>

#include <CLI/CLI.hpp>
#include <boost/url/parse.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <pthread.h>
#include <semaphore>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace id_site = apiauth::id_site;
using steady = std::chrono::steady_clock;

/// A problem the person running the program must fix (a bad file or option): exit status 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---- small helpers ----

/// 128 (or more) random bits as base64url: flow ids, CSRF tokens, the browser cookie.
std::string random_token(std::size_t octets = 16)
{
    std::array<std::byte, 32> b{};
    const auto part = std::span(b).first(std::min(octets, b.size()));
    if (!apiauth::crypto::random_bytes(part)) throw std::runtime_error("the random generator failed");
    return apiauth::encoding::base64url::encode(part);
}

using apiauth_examples::html_escape;  // examples/common/html.hpp

/// `scheme://host[:port]` of an http(s) URL, or empty when it has none or holds a character a
/// CSP source expression (CSP Level 3, "source-expression") could not take as it is.
std::string origin_of(std::string_view url)
{
    const auto u = boost::urls::parse_absolute_uri(url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || !u->has_authority()) return {};
    std::string origin = std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
    const bool plain = std::all_of(origin.begin(), origin.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == ':' || c == '/' || c == '[' || c == ']';
    });
    return plain ? origin : std::string();
}

bool starts_with_ci(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

// ---- pages ----

constexpr std::string_view site_name = "apiauth login site";

constexpr std::string_view css =
    "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;"
    "background:#eef1f5;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733}"
    "main{background:#fff;width:100%;max-width:360px;margin:24px;padding:32px;border-radius:10px;"
    "box-shadow:0 2px 14px rgba(20,30,50,.12)}"
    "h1{font-size:22px;margin:0 0 4px}"
    ".app{margin:0 0 20px;color:#5b6775;font-size:14px;word-break:break-all}"
    "label{display:block;font-size:14px;font-weight:600;margin:14px 0 4px}"
    "input{box-sizing:border-box;width:100%;padding:9px 10px;font:inherit;border:1px solid #c3cad3;border-radius:6px}"
    "input:focus{outline:2px solid #2f6fdf;border-color:#2f6fdf}"
    "button{margin-top:22px;width:100%;padding:10px;font:inherit;font-weight:600;color:#fff;"
    "background:#2f6fdf;border:0;border-radius:6px;cursor:pointer}"
    "button:hover{background:#2459b8}"
    "#error{margin:0 0 12px;padding:10px 12px;border-radius:6px;background:#fdecec;color:#a11d1d;font-size:14px}"
    ".alt{margin:18px 0 0;font-size:14px;color:#5b6775;text-align:center}"
    ".detail{font-size:13px;color:#5b6775}"
    "a{color:#2f6fdf}";

/// What every HTML answer carries (README.md, "Pages"). `form_target` is the application's
/// origin on a page with a form: CSP form-action also governs the redirects that follow a form
/// submission (CSP Level 3, "form-action"; Chromium enforces it), and the answer to a good
/// sign-in is a 302 to the application's callback.
void html_headers(httplib::Response& res, std::string_view form_target = {})
{
    std::string csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";
    if (!form_target.empty()) (csp += ' ') += form_target;
    csp += "; frame-ancestors 'none'; base-uri 'none'";
    res.set_header("Cache-Control", "no-store");
    res.set_header("Pragma", "no-cache");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy", csp);
}

/// `refresh_url`, when given, is where the browser goes on to by itself (a meta refresh: it is
/// followed without script, which the CSP forbids, and is no fetch that default-src governs).
void send_page(httplib::Response& res, int status, std::string_view title, std::string_view main_html,
               std::string_view form_target = {}, std::string_view refresh_url = {})
{
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    if (!refresh_url.empty())
        page += "<meta http-equiv=\"refresh\" content=\"0; url=" + html_escape(refresh_url) + "\">\n";
    page += "<title>";
    page += html_escape(title);
    page += " — ";
    page += site_name;
    page += "</title>\n<style>";
    page += css;
    page += "</style>\n</head>\n<body>\n<main>\n";
    page += main_html;
    page += "</main>\n</body>\n</html>\n";
    res.status = status;
    html_headers(res, form_target);
    res.set_content(page, "text/html; charset=utf-8");
}

/// `<p id="error">` when there is an error, nothing otherwise.
std::string error_paragraph(std::string_view error)
{
    return error.empty() ? std::string() : "<p id=\"error\" role=\"alert\">" + html_escape(error) + "</p>\n";
}

std::string input(std::string_view id, std::string_view label, std::string_view type, std::string_view value,
                  std::string_view attributes)
{
    std::string s = "<label for=\"" + std::string(id) + "\">" + std::string(label) + "</label>\n<input id=\"" +
                    std::string(id) + "\" name=\"" + std::string(id) + "\" type=\"" + std::string(type) + "\"";
    if (!value.empty()) s += " value=\"" + html_escape(value) + "\"";
    s += ' ';
    s += attributes;
    s += ">\n";
    return s;
}

/// An error page: `#error` says what happened in plain words; `detail` (the library's message)
/// and a link back to the application (`#return-link`) when there is one.
void send_error_page(httplib::Response& res, int status, std::string_view title, std::string_view message,
                     std::string_view detail = {}, std::string_view return_url = {})
{
    std::string m = "<h1>" + html_escape(title) + "</h1>\n" + error_paragraph(message);
    if (!detail.empty()) m += "<p class=\"detail\">" + html_escape(detail) + "</p>\n";
    if (!return_url.empty())
        m += "<p class=\"alt\"><a id=\"return-link\" href=\"" + html_escape(return_url) +
             "\">Return to the application</a></p>\n";
    else
        m += "<p class=\"alt\">Go back to the application and sign in again.</p>\n";
    send_page(res, status, title, m);
}

void send_redirect(httplib::Response& res, const std::string& url)
{
    res.status = 302;
    res.set_header("Location", url);
    html_headers(res);
    res.set_content("<!DOCTYPE html>\n<title>Redirecting</title>\n<p><a id=\"continue-link\" href=\"" +
                        html_escape(url) + "\">Continue to the application</a></p>\n",
                    "text/html; charset=utf-8");
}

// ---- flows: one sign-in, from the verified jwtRequest to the answer ----

/** A login request that verified (its jti is spent: research §1.4, error 11005), waiting for the
    person to sign in or register. The form posts the flow id, so that a wrong password shows the
    form again without the jwtRequest being parsed again (it could not be: its jti is spent).
    Immutable once made. */
struct flow {
    std::string id;       ///< 128 random bits, base64url
    std::string csrf;     ///< 256 random bits: every POST must send it back (compared in constant time)
    std::string browser;  ///< the login_site_browser cookie of the browser that opened it
    std::string origin;   ///< the callback's origin: shown on the page, and allowed by CSP form-action
    id_site::site_request request;
    steady::time_point expires;
    std::uint64_t seq = 0;  ///< creation order, for eviction
};

/** The live flows, bounded: at most `capacity` (the oldest is evicted to make room), each alive
    for at most `lifetime`. Thread-safe (one mutex); flows are handed out as shared pointers, so
    one taken or evicted meanwhile stays valid for whoever holds it. */
class flow_table {
public:
    flow_table(std::size_t capacity, std::chrono::seconds lifetime) : capacity_(capacity), lifetime_(lifetime) {}

    /// A new flow for `request`, alive until `until` or the table's lifetime, whichever is sooner.
    std::shared_ptr<const flow> add(id_site::site_request&& request, std::string browser, std::string origin,
                                    steady::time_point until)
    {
        const steady::time_point now = steady::now();
        auto f = std::make_shared<flow>(flow{.id = random_token(16),
                                             .csrf = random_token(32),
                                             .browser = std::move(browser),
                                             .origin = std::move(origin),
                                             .request = std::move(request),
                                             .expires = std::min(until, now + lifetime_)});
        const std::lock_guard lock(mutex_);
        drop_expired(now);
        while (flows_.size() >= capacity_ && !order_.empty()) {
            flows_.erase(order_.begin()->second);
            order_.erase(order_.begin());
        }
        f->seq = next_seq_++;
        order_.emplace(f->seq, f->id);
        flows_.emplace(f->id, f);
        return f;
    }

    /// The live flow with that id, or a null pointer.
    std::shared_ptr<const flow> find(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const steady::time_point now = steady::now();
        drop_expired(now);
        const auto it = flows_.find(id);
        return it == flows_.end() || it->second->expires <= now ? nullptr : it->second;
    }

    /// Removes and returns the live flow with that id: of concurrent takers, one gets it.
    std::shared_ptr<const flow> take(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const steady::time_point now = steady::now();
        drop_expired(now);
        const auto it = flows_.find(id);
        if (it == flows_.end()) return nullptr;
        std::shared_ptr<const flow> f = std::move(it->second);
        flows_.erase(it);
        order_.erase(f->seq);
        return f->expires <= now ? nullptr : f;
    }

private:
    // Drops expired flows from the oldest on. Lifetimes differ only when a request's exp is
    // near, so one may expire before an older one: find and take check each flow's own time.
    void drop_expired(steady::time_point now)
    {
        while (!order_.empty()) {
            const auto it = flows_.find(order_.begin()->second);
            if (it != flows_.end() && it->second->expires > now) break;
            if (it != flows_.end()) flows_.erase(it);
            order_.erase(order_.begin());
        }
    }

    std::size_t capacity_;
    std::chrono::seconds lifetime_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const flow>, std::less<>> flows_;
    std::map<std::uint64_t, std::string> order_;
    std::uint64_t next_seq_ = 0;
};

// ---- requests ----

/// The name of the cookie that ties a flow to the browser that opened it (see site::checked_flow):
/// over https `__Host-login_site_browser` (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so that
/// neither a sibling subdomain nor a plain-http page of the host can plant one, which would let an
/// attacker bind a flow he opened to a victim's browser); over plain http the prefix cannot be
/// used (a browser refuses a __Host- cookie without Secure), and the name is unprefixed.
constexpr std::string_view browser_cookie_http = "login_site_browser";
constexpr std::string_view browser_cookie_https = "__Host-login_site_browser";

/// The value of cookie `name` (RFC 6265 §5.4 `name=value` pairs separated by "; ") when it has
/// the shape of random_token(16); empty otherwise.
std::string cookie_value(const httplib::Request& req, std::string_view name)
{
    const auto [first, last] = req.headers.equal_range("Cookie");
    for (auto it = first; it != last; ++it) {
        std::string_view rest = it->second;
        while (!rest.empty()) {
            const std::size_t semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            const std::size_t eq = pair.find('=');
            if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
            const std::string_view value = pair.substr(eq + 1);
            const bool shaped = value.size() == 22 && std::all_of(value.begin(), value.end(), [](char c) {
                                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                           c == '-' || c == '_';
                                });
            if (shaped) return std::string(value);
        }
    }
    return {};
}

/// The fields of an application/x-www-form-urlencoded body, decoded; nullopt for another
/// content type or a body apiauth's parse_form refuses (malformed, a name sent twice, not UTF-8,
/// over 16 KiB or 16 fields).
std::optional<std::map<std::string, std::string, std::less<>>> read_form(const httplib::Request& req)
{
    if (!starts_with_ci(req.get_header_value("Content-Type"), "application/x-www-form-urlencoded")) return std::nullopt;
    const auto form = apiauth::http::parse_form(req.body, {.max_size = 16 * 1024, .max_params = 16});
    if (!form) return std::nullopt;
    std::map<std::string, std::string, std::less<>> out;
    for (const apiauth::http::form_pair& p : *form) {
        auto name = apiauth::http::decode_form_component(p.name);
        auto value = apiauth::http::decode_form_component(p.value);
        if (!name || !value) return std::nullopt;
        out.emplace(std::move(*name), std::move(*value));
    }
    return out;
}

std::string field(const std::map<std::string, std::string, std::less<>>& form, std::string_view name)
{
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
}

/// What a refused jwtRequest means, in plain words, for the person who followed the link.
std::string_view plain_words(std::error_code ec)
{
    using apiauth::errc;
    if (ec == errc::nonce_replayed) return "This sign-in link has already been used.";
    if (ec == errc::token_expired) return "This sign-in link has expired.";
    if (ec == errc::token_issued_in_future || ec == errc::token_not_yet_valid)
        return "This sign-in link is not valid yet: the application's clock may be ahead of this site's.";
    if (ec == errc::callback_uri_not_allowed)
        return "This sign-in link asks to return to an address the application has not registered.";
    if (ec == errc::unknown_application) return "This sign-in link names an application this site does not know.";
    if (ec == errc::missing_parameter) return "This address carries no sign-in request.";
    if (ec == errc::header_too_large || ec == errc::token_too_large) return "This sign-in link is too long.";
    if (ec == errc::store_unavailable) return "This site cannot check sign-in links right now; try again later.";
    return "This sign-in link is not valid: it was not signed by a registered application, or it was changed on "
           "the way.";
}

// ---- the site ----

struct serve_options {
    std::string apps, users, bind = "127.0.0.1", issuer;
    int port = 0;
    int log_n = 15;
    bool exit_on_stdin_eof = false;
};

/** The routes, and what they share: the login site (its issuer and policy), the applications,
    the request ids seen (nonce store), the flows, the accounts and the failed-attempt limiter.
    Every handler is safe on httplib's worker threads. */
class site {
public:
    site(id_site::login_site login, login_site::account_store& accounts, int log_n, bool secure_cookie)
        : login_(std::move(login)), accounts_(accounts), params_{.log_n = log_n}, secure_cookie_(secure_cookie),
          browser_cookie_(secure_cookie ? browser_cookie_https : browser_cookie_http),
          scrypt_slots_(scrypt_concurrency(log_n))
    {
        // A password no one can type (32 random octets), under the parameters most accounts
        // have (this server's when there are none): see dummy_for.
        (void)dummy_for(accounts_.common_params(params_));
        (void)dummy_for(params_);
    }

    id_site::memory_application_directory& applications() { return apps_; }
    const id_site::login_site& login() const { return login_; }

    /// GET /sso and GET /sso/logout: verify the jwtRequest (once: its jti is spent here).
    void get_sso(const httplib::Request& req, httplib::Response& res)
    {
        const apiauth::adapters::httplib::viewed_request v(req);
        id_site::refused_request refused;
        auto r = login_.parse_request(v.view().target, apps_, nonces_, &refused);
        if (!r) return refuse_request(res, r.error(), refused);
        // This site keeps no session of its own (each sign-in asks for the password; the
        // browser cookie only ties a flow to its form), so a logout has nothing to end: it is
        // answered at once, with no sub (research §2.1: sub "may be absent ... for LOGOUT when
        // the user was already logged out").
        if (r->logout()) return answer_logout(res, *r);
        // Organizations (onk) are Stormpath's tenants' directories; this site has none. Stormpath
        // answered a nameKey it did not know with error 11001 (research §1.4).
        if (const auto onk = r->organization_name_key(); onk && !onk->empty()) {
            const auto url = login_.build_error_response({r->application(), std::string(r->callback_uri())},
                                                         apiauth::errc::id_site_organization_not_found);
            if (url) return send_redirect(res, *url);
            return send_error_page(res, 500, "Sign-in failed", "The answer to the application could not be made.",
                                   url.error().message());
        }
        // A second factor the application requires cannot be skipped silently.
        if (const auto mfa = r->require_mfa(); mfa && !mfa->empty())
            return send_error_page(res, 400, "Sign-in not possible",
                                   "The application requires a second factor (require_mfa), which this site does "
                                   "not offer.");

        std::string browser = cookie_value(req, browser_cookie_);
        if (browser.empty()) {
            browser = random_token(16);
            // HttpOnly: no script reads it; SameSite=Lax: a form posted from another site does not
            // carry it (RFC 6265bis, "The SameSite Attribute"); no Max-Age: gone when the browser closes.
            res.set_header("Set-Cookie", std::string(browser_cookie_) + "=" + browser +
                                             "; Path=/; HttpOnly; SameSite=Lax" + (secure_cookie_ ? "; Secure" : ""));
        }
        const bool to_register = r->path() == std::optional<std::string_view>("/#/register");
        std::string origin = origin_of(r->callback_uri());
        const steady::time_point deadline = flow_deadline(*r);
        const auto f = flows_.add(std::move(*r), std::move(browser), std::move(origin), deadline);
        if (to_register) return show_register(res, 200, *f, {}, {}, {}, {});
        show_login(res, 200, *f, {}, {});
    }

    /// GET /login?flow=… and GET /register?flow=…: the two forms of a live flow.
    void get_form(const httplib::Request& req, httplib::Response& res, bool to_register)
    {
        const auto f = checked_flow(req, res, req.get_param_value("flow"), nullptr);
        if (!f) return;
        if (to_register) return show_register(res, 200, *f, {}, {}, {}, {});
        show_login(res, 200, *f, {}, {});
    }

    /// POST /login: flow, csrf, username, password.
    void post_login(const httplib::Request& req, httplib::Response& res)
    {
        auto form = read_form(req);
        if (!form) return bad_form(res);
        const auto f = checked_flow(req, res, field(*form, "flow"), &(*form)["csrf"]);
        if (!f) return;
        const std::string username = field(*form, "username");
        std::string password = field(*form, "password");
        apiauth::crypto::wipe((*form)["password"]);
        const std::string key = login_site::normalize_username(username).value_or("");
        const auto now = steady::now();
        // Over the limit, even the right password is refused, before any scrypt is spent. The
        // attempt is counted as a failure before the hash (try_begin), and given back if the
        // password is right: concurrent attempts cannot all pass the check while the first
        // ones are still hashing.
        if (!limiter_.try_begin(key, req.remote_addr, now)) {
            apiauth::crypto::wipe(password);
            return show_login(res, 429, *f, username, "Too many failed sign-in attempts; try again later.");
        }
        // One scrypt whether the username exists or not: an unknown one is checked against a
        // dummy record with the parameters most accounts have, so that the time taken does not
        // tell which usernames exist.
        const auto who = key.empty() ? nullptr : accounts_.find(key);
        const login_site::password_record dummy =
            who ? login_site::password_record{} : dummy_for(accounts_.common_params(params_));
        const bool matches =
            hash_guarded([&] { return login_site::verify_password(password, who ? who->password : dummy); });
        if (!who || !matches) {
            apiauth::crypto::wipe(password);
            return show_login(res, 401, *f, username, "Wrong username or password.");
        }
        limiter_.succeeded(key, req.remote_addr, now);
        // A record made under other parameters (--scrypt-log-n raised since, or an add-user with
        // its own) is hashed again under this server's, now that the password is known: otherwise
        // its sign-ins would take a time of their own, telling it apart from the others. A
        // failure only means trying again at the next sign-in.
        if (who->password.params != params_) {
            try {
                const auto fresh = hash_guarded([&] { return login_site::hash_password(password, params_); });
                (void)accounts_.update_password(key, fresh);
            } catch (const login_site::account_error& e) {
                std::fprintf(stderr, "login_site: cannot rehash a password record: %s\n", e.what());
            }
        }
        apiauth::crypto::wipe(password);
        const auto taken = flows_.take(f->id);
        if (!taken) return flow_gone(res);
        answer(res, taken->request, {.status = id_site::status::authenticated, .account_href = who->href});
    }

    /// POST /register: flow, csrf, username, password, name, email.
    void post_register(const httplib::Request& req, httplib::Response& res)
    {
        auto form = read_form(req);
        if (!form) return bad_form(res);
        const auto f = checked_flow(req, res, field(*form, "flow"), &(*form)["csrf"]);
        if (!f) return;
        const std::string username = field(*form, "username");
        const std::string name = field(*form, "name");
        const std::string email = field(*form, "email");
        std::string password = field(*form, "password");
        apiauth::crypto::wipe((*form)["password"]);
        const auto again = [&](int status, std::string_view error) {
            apiauth::crypto::wipe(password);
            show_register(res, status, *f, username, name, email, error);
        };
        const auto now = steady::now();
        // "That username is taken" tells whether a username exists: those answers count against
        // the address like failed sign-ins, so that usernames cannot be listed fast.
        if (limiter_.blocked({}, req.remote_addr, now)) return again(429, "Too many failed attempts; try again later.");
        if (const auto problem = login_site::check_new_account(username, password, name, email))
            return again(400, *problem);
        const std::string key = *login_site::normalize_username(username);
        if (accounts_.find(key)) {
            limiter_.failed({}, req.remote_addr, now);
            return again(409, "That username is taken.");
        }
        login_site::account a{.username = key,
                              .name = name,
                              .email = email,
                              .href = login_site::new_account_href(login_.options().issuer),
                              .password = hash_guarded([&] { return login_site::hash_password(password, params_); })};
        apiauth::crypto::wipe(password);
        login_site::account_store::add_outcome added{};
        try {
            added = accounts_.add(a);
        } catch (const login_site::account_error& e) {
            std::fprintf(stderr, "login_site: cannot keep a new account: %s\n", e.what());
            return again(500, "The account could not be saved; try again later.");
        }
        if (added == login_site::account_store::add_outcome::taken) return again(409, "That username is taken.");
        if (added == login_site::account_store::add_outcome::full)
            return again(503, "This site cannot take more accounts.");
        const auto taken = flows_.take(f->id);
        if (!taken) return flow_gone(res);  // a second submission of the same form won the race
        answer(res, taken->request,
               {.status = id_site::status::registered, .account_href = a.href, .is_new_account = true});
    }

private:
    // How many scrypt computations may run at once: within 256 MiB, at least one, at most one
    // per core (httplib's pool has at least 8 threads; 8 hashes at 2^20 would take 8 GiB).
    static std::ptrdiff_t scrypt_concurrency(int log_n)
    {
        const std::uint64_t each = 128ULL * 8 * (1ULL << log_n);
        const std::uint64_t by_memory = std::max<std::uint64_t>(1, (256ULL << 20) / each);
        const std::uint64_t cores = std::max(1U, std::thread::hardware_concurrency());
        return static_cast<std::ptrdiff_t>(std::min<std::uint64_t>({by_memory, cores, 64}));
    }

    template <class F> std::invoke_result_t<F&> hash_guarded(F&& f)
    {
        scrypt_slots_.acquire();
        struct release {
            std::counting_semaphore<64>& s;
            ~release() { s.release(); }
        } r{scrypt_slots_};
        return f();
    }

    // A flow lives 10 minutes, or until the request's own exp when that is sooner (the
    // application would refuse a late answer anyway: its jti store forgets the id then), but
    // at least 30 s.
    static steady::time_point flow_deadline(const id_site::site_request& r)
    {
        const auto now = steady::now();
        const auto exp = r.claims().exp();
        if (!exp) return now + 10min;
        const double left =
            *exp - std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        const auto secs = std::chrono::seconds(static_cast<std::int64_t>(std::clamp(left, 30.0, 600.0)));
        return now + secs;
    }

    // The flow a request names, when it is live, belongs to this browser (its cookie) and, for a
    // POST, `csrf` is its token (both compared in constant time). Otherwise the answer is written
    // (400: no such flow; 403: another browser, or a missing or wrong token) and it is null.
    //
    // Why a cookie as well as the token: the token alone stops a form posted from another site
    // (it cannot read ours), but not "login CSRF" with a flow the attacker opened himself, whose
    // token he knows, submitted from the victim's browser with the attacker's password; the
    // victim would land in the application signed in as the attacker. The flow is bound to the
    // browser that opened it, and a SameSite=Lax cookie is not sent with another site's POST.
    std::shared_ptr<const flow> checked_flow(const httplib::Request& req, httplib::Response& res, std::string_view id,
                                             const std::string* csrf)
    {
        const auto f = id.empty() ? nullptr : flows_.find(id);
        if (!f) {
            flow_gone(res);
            return nullptr;
        }
        const bool same_browser = apiauth::crypto::secret_equal(cookie_value(req, browser_cookie_), f->browser);
        const bool token = csrf == nullptr || apiauth::crypto::secret_equal(*csrf, f->csrf);
        if (!same_browser || !token) {
            send_error_page(res, 403, "Form refused",
                            "This form could not be verified: it was not sent from the page this site showed in "
                            "this browser, or cookies are disabled.");
            return nullptr;
        }
        return f;
    }

    static void flow_gone(httplib::Response& res)
    {
        send_error_page(res, 400, "Sign-in expired", "This sign-in has already been used or has expired.");
    }

    static void bad_form(httplib::Response& res)
    {
        send_error_page(res, 400, "Form refused", "The form could not be read.");
    }

    static std::string hidden_fields(const flow& f)
    {
        return "<input type=\"hidden\" name=\"flow\" value=\"" + html_escape(f.id) +
               "\">\n<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(f.csrf) + "\">\n";
    }

    static std::string heading(std::string_view title, const flow& f)
    {
        std::string h = "<h1>" + std::string(title) + "</h1>\n";
        if (!f.origin.empty())
            h += "<p class=\"app\">to continue to <span id=\"app\">" + html_escape(f.origin) + "</span></p>\n";
        return h;
    }

    static void show_login(httplib::Response& res, int status, const flow& f, std::string_view username,
                           std::string_view error)
    {
        std::string m = heading("Sign in", f) + error_paragraph(error);
        m += "<form id=\"login-form\" method=\"post\" action=\"/login\">\n" + hidden_fields(f);
        m += input("username", "Username", "text", username,
                   "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"64\" required");
        m += input("password", "Password", "password", {}, "autocomplete=\"current-password\" required");
        m += "<button id=\"submit\" type=\"submit\">Sign in</button>\n</form>\n";
        m += "<p class=\"alt\">No account? <a id=\"register-link\" href=\"/register?flow=" + html_escape(f.id) +
             "\">Create one</a></p>\n";
        send_page(res, status, "Sign in", m, f.origin);
    }

    static void show_register(httplib::Response& res, int status, const flow& f, std::string_view username,
                              std::string_view name, std::string_view email, std::string_view error)
    {
        std::string m = heading("Create an account", f) + error_paragraph(error);
        m += "<form id=\"register-form\" method=\"post\" action=\"/register\">\n" + hidden_fields(f);
        m += input("username", "Username", "text", username,
                   "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"64\" required");
        m += input("password", "Password (8 characters or more)", "password", {},
                   "autocomplete=\"new-password\" minlength=\"8\" required");
        m += input("name", "Full name", "text", name, "autocomplete=\"name\" maxlength=\"128\"");
        m += input("email", "E-mail", "email", email, "autocomplete=\"email\" maxlength=\"254\"");
        m += "<button id=\"submit\" type=\"submit\">Create account</button>\n</form>\n";
        m += "<p class=\"alt\">Already have an account? <a id=\"login-link\" href=\"/login?flow=" + html_escape(f.id) +
             "\">Sign in</a></p>\n";
        send_page(res, status, "Create an account", m, f.origin);
    }

    // A refused jwtRequest. When parse_request says the refusal is answerable (the signature
    // and the cb_uri verified; only the time or a replay is wrong) and Stormpath had a code for
    // it (10011, 10012, 11005: research §1.4), the browser is sent back to the application with
    // an error assertion (research §2.1, "Error JWT"), as Stormpath's ID Site did: a back button
    // or a reload of a spent link then lands in the application, which can start a new sign-in,
    // rather than on a dead end here. The 302 carries the same error page as its body (for
    // clients that do not follow it), with #return-link to the same URL. Any other refusal is a
    // 400 page: its cb_uri cannot be trusted, so nothing is sent anywhere.
    void refuse_request(httplib::Response& res, std::error_code ec, const id_site::refused_request& refused)
    {
        const std::string detail = "Reason: " + ec.message() + ".";
        if (refused.application && id_site::code_for(ec) != 0) {
            if (const auto url = login_.build_error_response(refused, ec)) {
                send_error_page(res, 302, "This sign-in link cannot be used", plain_words(ec), detail, *url);
                res.set_header("Location", *url);
                return;
            }
        }
        int status = 400;
        if (ec == apiauth::errc::store_unavailable)
            status = 503;
        else if (ec.category() != apiauth::error_category())
            status = 500;
        send_error_page(res, status, "This sign-in link cannot be used", plain_words(ec), detail);
    }

    // The 302 that answers a request (build_response: research §2.1).
    void answer(httplib::Response& res, const id_site::site_request& req, const id_site::response_options& r)
    {
        const auto url = login_.build_response(req, r);
        if (!url)
            return send_error_page(res, 500, "Sign-in failed", "The answer to the application could not be made.",
                                   url.error().message());
        send_redirect(res, *url);
    }

    // The answer to a logout is a page rather than a 302, so that the person sees the sign-out
    // went through; its meta refresh then goes to the same callback URL a 302 would have, and
    // #continue-link is there for a browser that does not follow it.
    void answer_logout(httplib::Response& res, const id_site::site_request& req)
    {
        const auto url = login_.build_response(req, {.status = id_site::status::logout});
        if (!url)
            return send_error_page(res, 500, "Sign-out failed", "The answer to the application could not be made.",
                                   url.error().message());
        const std::string origin = origin_of(req.callback_uri());
        std::string m = "<h1>You are signed out</h1>\n<p class=\"app\">";
        if (origin.empty())
            m += "Taking you back to the application.";
        else
            m += "Taking you back to <span id=\"app\">" + html_escape(origin) + "</span>.";
        m += "</p>\n<p class=\"alt\"><a id=\"continue-link\" href=\"" + html_escape(*url) +
             "\">Continue to the application</a></p>\n";
        send_page(res, 200, "Signed out", m, {}, *url);
    }

    id_site::login_site login_;
    id_site::memory_application_directory apps_;
    apiauth::stores::memory_nonce_store nonces_{100000};
    flow_table flows_{10000, 10min};
    login_site::account_store& accounts_;
    login_site::attempt_limiter limiter_{login_site::attempt_limiter::limits{}};
    login_site::scrypt_params params_;
    bool secure_cookie_;
    std::string_view browser_cookie_;  // browser_cookie_https when secure_cookie_, else browser_cookie_http
    // Dummy records by parameters (a few at most: the parameters are bounded), made once each.
    login_site::password_record dummy_for(const login_site::scrypt_params& p)
    {
        const std::lock_guard lock(dummies_mutex_);
        auto it = dummies_.find(p);
        if (it == dummies_.end()) it = dummies_.emplace(p, login_site::hash_password(random_token(32), p)).first;
        return it->second;
    }
    std::mutex dummies_mutex_;
    std::map<login_site::scrypt_params, login_site::password_record> dummies_;
    std::counting_semaphore<64> scrypt_slots_;
};

// ---- files and options ----

std::string read_small_file(const std::string& path, std::size_t limit, const char* what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(std::string("cannot read the ") + what + " " + path);
    std::string s(limit + 1, '\0');
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    s.resize(static_cast<std::size_t>(in.gcount()));
    if (s.size() > limit) throw usage_error(std::string("the ") + what + " " + path + " is too large");
    return s;
}

/// --issuer: an absolute http(s) URL without query or fragment.
void check_issuer(const std::string& issuer)
{
    const auto u = boost::urls::parse_absolute_uri(issuer);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || !u->has_authority() || u->has_query() ||
        u->has_fragment())
        throw usage_error("--issuer must be an absolute http(s) URL without query or fragment: " + issuer);
}

/// Registers every application of the --apps file (its format: README.md).
void load_applications(const std::string& path, site& s)
{
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        std::fprintf(stderr, "login_site: warning: %s holds API key secrets and is readable by others (mode %03o)\n",
                     path.c_str(), static_cast<unsigned>(st.st_mode & 0777));
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(read_small_file(path, 4 << 20, "apps file"));
    } catch (const nlohmann::json::exception& e) {
        throw usage_error(path + ": not JSON: " + e.what());
    }
    if (!doc.is_object() || !doc.contains("applications") || !doc["applications"].is_array() ||
        doc["applications"].empty())
        throw usage_error(path + ": expected {\"applications\": [ at least one ]}");
    std::size_t i = 0;
    for (const nlohmann::json& a : doc["applications"]) {
        const std::string where = path + ": applications[" + std::to_string(i++) + "]";
        const auto text = [&](const char* name) {
            if (!a.is_object() || !a.contains(name) || !a[name].is_string() || a[name].get<std::string>().empty())
                throw usage_error(where + ": " + name + " must be a non-empty string");
            return a[name].get<std::string>();
        };
        id_site::application_registration reg{.api_key_id = text("api_key_id"),
                                              .api_key_secret = text("api_key_secret"),
                                              .href = text("href"),
                                              .callback_uris = {}};
        if (!a.contains("callback_uris") || !a["callback_uris"].is_array() || a["callback_uris"].empty())
            throw usage_error(where + ": callback_uris must be a non-empty array of URLs");
        for (const nlohmann::json& u : a["callback_uris"]) {
            if (!u.is_string() || !boost::urls::parse_absolute_uri(u.get<std::string>()))
                throw usage_error(where + ": callback_uris must hold absolute URLs");
            reg.callback_uris.push_back(u.get<std::string>());
        }
        const std::string key_id = reg.api_key_id;
        if (s.applications().find(key_id).value())
            throw usage_error(where + ": api_key_id " + key_id + " appears twice");
        auto app = s.login().register_application(std::move(reg));
        if (!app) {
            std::string why = app.error().message();
            if (app.error() == apiauth::errc::weak_key) why += " (api_key_secret must be at least 32 octets)";
            throw usage_error(where + ": refused: " + why);
        }
        s.applications().add(std::move(*app));
    }
}

// ---- stopping ----

/** Waits for SIGTERM, SIGINT, (with watch_stdin) the end of stdin, or its own destruction, then
    stops the server if it runs (tests/interop/oauth2_server.cpp's stopper). */
class stopper {
public:
    stopper(httplib::Server& svr, bool watch_stdin) : svr_(svr), watch_stdin_(watch_stdin)
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        // Blocked in every thread (threads made later inherit the mask): only the signalfd sees them.
        if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) throw std::runtime_error("pthread_sigmask failed");
        std::signal(SIGPIPE, SIG_IGN);
        signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
        if (signal_fd_ < 0 || pipe(wake_) != 0) throw std::runtime_error("signalfd or pipe failed");
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
        std::array<pollfd, 3> fds{{{signal_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}}};
        const nfds_t n = watch_stdin_ ? 3 : 2;
        for (;;) {
            if (poll(fds.data(), n, -1) < 0) continue;  // EINTR
            if (fds[0].revents != 0 || fds[1].revents != 0) break;
            if (watch_stdin_ && fds[2].revents != 0) {
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
    bool watch_stdin_;
    int signal_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

// ---- commands ----

int run_serve(const serve_options& o)
{
    if (!o.issuer.empty()) check_issuer(o.issuer);
    login_site::account_store accounts(o.users);  // a bad file stops us before the port is taken

    httplib::Server svr;
    svr.set_payload_max_length(64 * 1024);
    svr.set_read_timeout(10, 0);
    svr.set_write_timeout(10, 0);
    int port = o.port;
    if (port == 0)
        port = svr.bind_to_any_port(o.bind);
    else if (!svr.bind_to_port(o.bind, port))
        port = -1;
    if (port <= 0) throw std::runtime_error("cannot listen on " + o.bind + " port " + std::to_string(o.port));

    const std::string issuer = o.issuer.empty() ? "http://127.0.0.1:" + std::to_string(port) : o.issuer;
    auto login = id_site::login_site::make({.issuer = issuer});
    if (!login) throw usage_error("the issuer " + issuer + " is refused: " + login.error().message());
    site s(std::move(*login), accounts, o.log_n, issuer.starts_with("https:"));
    load_applications(o.apps, s);
    if (const std::size_t given = accounts.assign_hrefs(issuer))
        std::fprintf(stderr, "login_site: gave %zu account(s) an href under %s\n", given, issuer.c_str());

    // One line per request: who, what, the answer. Never the query (a jwtRequest), a body or a
    // form field.
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        // The path as httplib decoded it: a %0A would start a forged log line, so anything but
        // printable ASCII is shown as '?', and the path is cut at 200 characters.
        std::string path = req.path.substr(0, 200);
        for (char& c : path)
            if (c < 0x21 || c > 0x7e) c = '?';
        std::fprintf(stderr, "login_site: %s %s %s %d\n", req.remote_addr.c_str(), req.method.c_str(), path.c_str(),
                     res.status);
    });
    // Answers httplib makes itself (404 for an unknown path, 400 for a request it cannot parse)
    // get a page too; the routes' own pages (with a body) are left as they are.
    svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        send_error_page(res, res.status, res.status == 404 ? "Not found" : "Request refused",
                        res.status == 404 ? "There is nothing at this address." : "The request could not be handled.");
        return httplib::Server::HandlerResponse::Handled;
    }));
    svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        std::fprintf(stderr, "login_site: %s %s failed: %s\n", req.method.c_str(), req.path.c_str(), what.c_str());
        res.headers.clear();
        send_error_page(res, 500, "Server error", "Something went wrong on this site; try again later.");
    });

    using req_t = const httplib::Request&;
    using res_t = httplib::Response&;
    svr.Get("/sso", [&](req_t q, res_t r) { s.get_sso(q, r); });
    svr.Get("/sso/logout", [&](req_t q, res_t r) { s.get_sso(q, r); });
    svr.Get("/login", [&](req_t q, res_t r) { s.get_form(q, r, false); });
    svr.Get("/register", [&](req_t q, res_t r) { s.get_form(q, r, true); });
    svr.Post("/login", [&](req_t q, res_t r) { s.post_login(q, r); });
    svr.Post("/register", [&](req_t q, res_t r) { s.post_register(q, r); });
    svr.Get("/health", [](req_t, res_t r) {
        r.set_header("Cache-Control", "no-store");
        r.set_content("ok", "text/plain; charset=utf-8");
    });

    bool ok = false;
    {
        stopper stop(svr, o.exit_on_stdin_eof);
        std::printf("PORT %d\n", port);
        std::fflush(stdout);
        ok = svr.listen_after_bind();
    }
    return ok ? 0 : 1;
}

struct add_user_options {
    std::string users, username, password_file, name, email, issuer;
    int log_n = 15;
};

int run_add_user(const add_user_options& o)
{
    if (!o.issuer.empty()) check_issuer(o.issuer);
    std::string password = read_small_file(o.password_file, 4096, "password file");
    // A file written by `echo` or an editor ends in a line break that is not part of the password.
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (const auto problem = login_site::check_new_account(o.username, password, o.name, o.email)) {
        apiauth::crypto::wipe(password);
        throw usage_error(*problem);
    }
    login_site::account_store accounts(o.users);
    login_site::account a{.username = *login_site::normalize_username(o.username),
                          .name = o.name,
                          .email = o.email,
                          .href = o.issuer.empty() ? std::string() : login_site::new_account_href(o.issuer),
                          .password = login_site::hash_password(password, {.log_n = o.log_n})};
    apiauth::crypto::wipe(password);
    switch (accounts.add(a)) {
    case login_site::account_store::add_outcome::taken:
        std::fprintf(stderr, "login_site: the username %s is taken\n", a.username.c_str());
        return 1;
    case login_site::account_store::add_outcome::full:
        std::fprintf(stderr, "login_site: %s is full\n", o.users.c_str());
        return 1;
    default: break;
    }
    std::fprintf(stderr, "login_site: added %s to %s%s\n", a.username.c_str(), o.users.c_str(),
                 a.href.empty() ? " (its href is given by the first `serve` that loads it)" : "");
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"login_site: the hosted login page of the ID Site protocol (an apiauth example).\n"
                 "Exit status: 0 done, 1 refused (add-user: the username is taken) or the server failed,\n"
                 "2 usage error or a file that cannot be used.",
                 "login_site"};
    app.require_subcommand(1, 1);

    serve_options so;
    CLI::App* serve = app.add_subcommand("serve", "serve the login pages (prints \"PORT <n>\" once listening)");
    serve->add_option("--apps", so.apps, "JSON file of the registered applications (keys, hrefs, callback URIs)")
        ->required();
    serve->add_option("--users", so.users, "JSON file of the accounts (created if missing; rewritten on register)")
        ->required();
    serve->add_option("--bind", so.bind, "address to listen on")->capture_default_str();
    serve->add_option("--port", so.port, "port to listen on; 0: the kernel picks one")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    serve->add_option("--issuer", so.issuer, "iss of every answer (default http://127.0.0.1:<port>)");
    serve->add_option("--scrypt-log-n", so.log_n, "scrypt cost of new password hashes: N = 2^n")
        ->check(CLI::Range(login_site::min_log_n, login_site::max_log_n))
        ->capture_default_str();
    serve->add_flag("--exit-on-stdin-eof", so.exit_on_stdin_eof, "stop when stdin reaches end of file");

    add_user_options ao;
    CLI::App* add = app.add_subcommand("add-user", "add an account to the users file");
    add->add_option("--users", ao.users, "JSON file of the accounts (created if missing)")->required();
    add->add_option("--username", ao.username, "1-64 characters of [A-Za-z0-9._@-] (case-insensitive)")->required();
    add->add_option("--password-file", ao.password_file,
                    "file holding the password (8-1024 octets; one final "
                    "line break is dropped)")
        ->required();
    add->add_option("--name", ao.name, "full name");
    add->add_option("--email", ao.email, "e-mail address");
    add->add_option("--scrypt-log-n", ao.log_n, "scrypt cost: N = 2^n")
        ->check(CLI::Range(login_site::min_log_n, login_site::max_log_n))
        ->capture_default_str();
    add->add_option("--issuer", ao.issuer,
                    "give the account its href under this URL now (default: the first `serve` gives it one)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        return *serve ? run_serve(so) : run_add_user(ao);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "login_site: %s\n", e.what());
        return 2;
    } catch (const login_site::account_error& e) {
        std::fprintf(stderr, "login_site: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "login_site: %s\n", e.what());
        return 1;
    }
}
