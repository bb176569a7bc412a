// apiauth/id_site/login_site.hpp — the login site's side of ID Site: verify an application's
// `jwtRequest`, and answer it with a signed `jwtResponse` (research/stormpath-protocol.md §1-§3).
#ifndef APIAUTH_ID_SITE_LOGIN_SITE_HPP
#define APIAUTH_ID_SITE_LOGIN_SITE_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/id_site/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/stores/nonce.hpp>

#include <apiauth/detail/simdjson.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site {

/** How a login site checks requests and signs answers. Strings are owned; built once. */
struct login_site_options {
    /// `iss` of every response: the login site's own URL (e.g. "https://login.example.com").
    std::string issuer;
    /// The path requests arrive at; logout requests at `<sso_path>/logout` (research §1.1).
    std::string sso_path = "/sso";
    /// A request's `iat` may be this far from now, either way (Stormpath's 60 s skew window,
    /// research §1.4); it is also the leeway on a request's `exp` when it has one. Positive, at
    /// most id_site::max_lifetime.
    std::chrono::seconds iat_window{60};
    /// `exp` - `iat` of responses: how long an application has to receive one. Positive, at
    /// most id_site::max_lifetime.
    std::chrono::seconds response_lifetime{60};
    /// Longest request target accepted (header_too_large).
    std::size_t max_request_size = 8 * 1024;
    /// The clock; system_clock::now when empty (tests inject one).
    jose::jwt::clock_function clock{};
};

/** An application as the login site knows it: its client API key and where it may be sent. */
struct application_registration {
    std::string api_key_id;                  ///< the key id: a request's `iss`, a response's `kid` and `aud`
    std::string api_key_secret;              ///< the HS256 key of both directions (its UTF-8 bytes; ≥ 32 octets);
                                             ///< register_application wipes its copy once the key is built
    std::string href;                        ///< the application's href: a request's `sub` must equal it
    std::vector<std::string> callback_uris;  ///< `cb_uri` must equal one exactly (callback_uri_not_allowed)
};

class login_site;

/** A registered application with its key and verifier built once (login_site::register_application
    makes one). Immutable: a directory hands out shared pointers to it. */
class site_application {
public:
    /// The key id.
    std::string_view api_key_id() const noexcept { return reg_.api_key_id; }
    /// The application's href.
    std::string_view href() const noexcept { return reg_.href; }
    /// The registered callback URIs.
    const std::vector<std::string>& callback_uris() const noexcept { return reg_.callback_uris; }

private:
    friend class login_site;
    site_application(application_registration reg, jose::key k, jose::jwt::verifier v, jose::jwt::verifier untimed,
                     std::string header_b64)
        : reg_(std::move(reg)), key_(std::move(k)), verifier_(std::move(v)), untimed_(std::move(untimed)),
          response_header_b64_(std::move(header_b64))
    {
    }
    application_registration reg_;
    jose::key key_;
    jose::jwt::verifier verifier_;
    jose::jwt::verifier untimed_;  // the same checks but the clock's: is a refusal for time answerable?
    std::string response_header_b64_;
};

/** Where a login site finds applications by key id: `find(key_id)` returns the application, a
    null pointer when there is none, or an error when the directory cannot answer (a database
    outage: the request then fails with that error, never as "unknown"). noexcept. */
// clang-format off
template <class D>
concept application_directory = requires(const D& d, std::string_view key_id) {
    { d.find(key_id) } noexcept -> std::same_as<result<std::shared_ptr<const site_application>>>;
};
// clang-format on

/** An application_directory in memory, safe to read from many threads while one adds. */
class memory_application_directory {
public:
    /// Adds (or replaces) the application with `a`'s key id.
    void add(std::shared_ptr<const site_application> a)
    {
        const std::unique_lock lock(mutex_);
        const std::string id(a->api_key_id());
        apps_[id] = std::move(a);
    }
    /// Removes the application with that key id; false if there was none.
    bool remove(std::string_view key_id)
    {
        const std::unique_lock lock(mutex_);
        const auto it = apps_.find(key_id);
        if (it == apps_.end()) return false;
        apps_.erase(it);
        return true;
    }
    /// The application with that key id, or a null pointer.
    result<std::shared_ptr<const site_application>> find(std::string_view key_id) const noexcept
    {
        try {
            const std::shared_lock lock(mutex_);
            const auto it = apps_.find(key_id);
            if (it == apps_.end()) return std::shared_ptr<const site_application>();
            return it->second;
        } catch (...) {
            return errc::store_unavailable;
        }
    }

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const site_application>, std::less<>> apps_;
};

/** A request that verified: which application sent it, where to answer, and what it asks.
    Made only by login_site::parse_request. Accessors view into this object. */
class site_request {
public:
    /// The application that signed it.
    const std::shared_ptr<const site_application>& application() const noexcept { return app_; }
    /// True for a request to `<sso_path>/logout`: end the session, answer with status LOGOUT.
    bool logout() const noexcept { return logout_; }
    /// `jti`: the request id the answer's `irt` carries.
    std::string_view jti() const noexcept { return *claims().jti(); }
    /// `cb_uri`: registered, so an answer may be sent there.
    std::string_view callback_uri() const noexcept { return *claims().get(claim::cb_uri); }
    /// `state`, byte for byte; nullopt when the request had none.
    std::optional<std::string_view> state() const noexcept { return claims().get(claim::state); }
    /// `path`: the page to show first; nullopt when absent.
    std::optional<std::string_view> path() const noexcept { return claims().get(claim::path); }
    /// `onk`: the organization nameKey; nullopt when absent.
    std::optional<std::string_view> organization_name_key() const noexcept { return claims().get(claim::onk); }
    /// `sof`: show the organization field; nullopt when absent.
    std::optional<bool> show_organization_field() const noexcept { return claims().get(claim::sof); }
    /// `usd`: use the organization's subdomain; nullopt when absent.
    std::optional<bool> use_subdomain() const noexcept { return claims().get(claim::usd); }
    /// `sp_token`: a password-reset token; nullopt when absent.
    std::optional<std::string_view> sp_token() const noexcept { return claims().get(claim::sp_token); }
    /// `require_mfa`: the factor types required; nullopt when absent.
    std::optional<jose::jwt::string_array_view> require_mfa() const noexcept
    {
        return claims().get(claim::require_mfa);
    }
    /// Every verified claim.
    const jose::jwt::claims& claims() const noexcept { return verified_.claims(); }

private:
    friend class login_site;
    site_request(std::shared_ptr<const site_application> app, jose::jwt::verified&& v, bool logout) noexcept
        : app_(std::move(app)), verified_(std::move(v)), logout_(logout)
    {
    }
    std::shared_ptr<const site_application> app_;
    jose::jwt::verified verified_;
    bool logout_;
};

/** What parse_request knows about a refused request whose signature verified and whose
    `cb_uri` is registered: enough to send the application an error assertion (build_error_response)
    instead of showing an error page. Empty (no application) for any other refusal. */
struct refused_request {
    std::shared_ptr<const site_application> application;  ///< null when the refusal is not answerable
    std::string callback_uri;                             ///< the request's registered cb_uri
};

/** What an answer says (research §2.1). */
struct response_options {
    id_site::status status = id_site::status::authenticated;  ///< AUTHENTICATED, REGISTERED or LOGOUT
    std::string_view account_href{};                          ///< `sub`; may be empty only for LOGOUT
    bool is_new_account = false;                              ///< `isNewSub`
};

/** The login site's side of ID Site (research §1.4, §2). Built once, used from many threads.

    Responses are HS256 with the application's secret, header `{"alg":"HS256","kid":<key id>,
    "typ":"JWT"}`, claims `iss sub aud exp iat jti irt state isNewSub status` (Stormpath's names;
    research §0 vector) or, for an error, `iss exp iat jti err`. Requests must be `typ` JWT with
    no `irt`, `status` or `err` (wrong_token_type); a response sent back as a request names the
    login site in `iss`, not a key id (unknown_application); an access token (`typ` at+jwt) is
    wrong_token_type.
*/
class login_site {
public:
    /** A login site for `o`: invalid_configuration for an empty or non-UTF-8 issuer, an
        sso_path not starting with '/', or durations that are not positive or are over
        max_lifetime (a day). Never throws. */
    static result<login_site> make(login_site_options o) noexcept
    {
        try {
            if (o.issuer.empty() || !detail::is_utf8(o.issuer) || o.sso_path.empty() || o.sso_path.front() != '/' ||
                o.iat_window.count() <= 0 || o.response_lifetime.count() <= 0 || o.iat_window > max_lifetime ||
                o.response_lifetime > max_lifetime)
                return errc::invalid_configuration;
            while (o.sso_path.size() > 1 && o.sso_path.back() == '/') o.sso_path.pop_back();
            return login_site(std::move(o));
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /** An application ready for a directory: its key built once (weak_key under 32 octets),
        its verifier built with this site's policy. invalid_configuration for an empty or
        non-UTF-8 key id or href, or no callback URI. The secret is kept only as the key:
        `reg`'s copy is wiped (crypto::wipe) whatever the outcome. Never throws. */
    result<std::shared_ptr<const site_application>> register_application(application_registration reg) const noexcept
    {
        const detail::id_site::wipe_on_exit wipe_secret(reg.api_key_secret);
        try {
            if (reg.api_key_id.empty() || reg.href.empty() || reg.callback_uris.empty() ||
                !detail::is_utf8(reg.api_key_id) || !detail::is_utf8(reg.href))
                return errc::invalid_configuration;
            for (const auto& u : reg.callback_uris)
                if (u.empty() || !detail::is_utf8(u)) return errc::invalid_configuration;
            // Found by iss (Stormpath's requests carry no kid, research §1.2); the kid lets a
            // request that names one (the SAML variant, §1.5) name only this key.
            auto k = jose::key::from_secret(jose::algorithm::hs256, reg.api_key_secret, reg.api_key_id);
            if (!k) return k.error();
            crypto::wipe(reg.api_key_secret);  // the key is made; the application keeps no other copy
            jose::jwt::policy p{.issuer = reg.api_key_id,
                                .typ = "JWT",
                                .leeway = opt_.iat_window,
                                .require = {"iss", "sub", "jti", "iat", "cb_uri"},
                                .clock = opt_.clock,
                                .max_size = opt_.max_request_size,
                                .declare = {claim::cb_uri, claim::state, claim::path, claim::sof, claim::onk,
                                            claim::usd, claim::sp_token, claim::require_mfa, claim::irt, claim::status,
                                            claim::err}};
            jose::jwt::policy untimed = p;
            untimed.leeway = std::chrono::hours(24 * 365 * 1000);
            untimed.reject_future_iat = false;
            jose::jwt::verifier u(jose::key_set(*k), std::move(untimed));
            jose::jwt::verifier v(jose::key_set(*k), std::move(p));
            std::string h = "{\"alg\":\"HS256\",\"kid\":";
            apiauth::detail::append_json_string(h, reg.api_key_id);
            h += ",\"typ\":\"JWT\"}";
            std::string hb = encoding::base64url::encode(h);
            return std::shared_ptr<const site_application>(
                new site_application(std::move(reg), std::move(*k), std::move(v), std::move(u), std::move(hb)));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /** Verify a request: `target` is the request target the browser arrived with
        (`/sso?jwtRequest=…`, `/sso/logout?jwtRequest=…`, or an absolute URL).

        Order: over max_request_size, header_too_large; not a URI reference, or its query not a
        form, malformed_form_body (and the form's errors); a path other than sso_path or its
        `/logout`, malformed_credentials; `jwtRequest` once (duplicate_parameter; absent or
        empty: missing_parameter); its payload's `iss` read before verification (the protocol
        names the key there; jws_malformed, invalid_claims, missing_claim when it cannot be);
        the application found by it (unknown_application, or the directory's error); then jose's
        verification with that application's key (typ JWT, HS256, signature, `iss sub jti iat
        cb_uri` required, `iat` at most iat_window ahead, `exp` when present); a `irt`,
        `status` or `err` claim, wrong_token_type; `sub` not the application's href,
        wrong_audience; `cb_uri` not registered, callback_uri_not_allowed; `iat` more than
        iat_window ago, token_expired; last, `<length of key id>:<key id><jti>` recorded in
        `nonces` for twice the window, one id per application and jti whatever characters the
        key id holds (a second sight: nonce_replayed; a jti too long for the store, token_too_large).
        When the signature verified and the request fits the application (its kind, sub and a
        registered cb_uri) but is refused for its time (expired, not yet valid, issued in the
        future) or as a replay, `*refused` (if given) holds what build_error_response needs to
        answer it (codes 10011, 10012, 11005). Never throws. */
    template <application_directory Directory, stores::nonce_store Nonces>
    result<site_request> parse_request(std::string_view target, const Directory& apps, Nonces& nonces,
                                       refused_request* refused = nullptr) const noexcept
    {
        try {
            if (refused) *refused = {};
            if (target.size() > opt_.max_request_size) return errc::header_too_large;
            const auto ref = boost::urls::parse_uri_reference(target);
            if (!ref) return errc::malformed_form_body;
            const std::string_view path = ref->encoded_path();
            bool logout = false;
            if (path == logout_path_)
                logout = true;
            else if (path != opt_.sso_path)
                return errc::malformed_credentials;
            std::string decoded;
            const auto tok =
                detail::id_site::token_parameter(ref->encoded_query(), "jwtRequest", opt_.max_request_size, decoded);
            if (!tok) return tok.error();
            const std::string_view token = *tok;

            std::string payload;
            auto iss = unverified_issuer(token, payload);
            if (!iss) return iss.error();
            auto app = apps.find(*iss);
            if (!app) return app.error();
            if (!*app) return errc::unknown_application;
            const site_application& a = **app;

            // What the request asks must fit the application, whatever the time.
            const auto fits = [&](const jose::jwt::claims& c) -> std::error_code {
                if (c.get(claim::irt) || c.get(claim::status) || c.get(claim::err)) return errc::wrong_token_type;
                if (c.sub() != std::optional<std::string_view>(a.href())) return errc::wrong_audience;
                const std::string_view cb = *c.get(claim::cb_uri);
                for (const auto& u : a.callback_uris())
                    if (u == cb) return {};
                return errc::callback_uri_not_allowed;
            };
            auto v = a.verifier_.verify(token);
            if (!v) {
                // Refused for its time alone (expired, not yet valid, issued in the future): the
                // signature verified, so when its cb_uri is registered the refusal is answerable.
                if (refused && (v.error() == errc::token_expired || v.error() == errc::token_not_yet_valid ||
                                v.error() == errc::token_issued_in_future))
                    if (auto u = a.untimed_.verify(token); u && !fits(u->claims()))
                        *refused = {*app, std::string(*u->claims().get(claim::cb_uri))};
                return v.error();
            }
            const jose::jwt::claims& c = v->claims();
            if (auto e = fits(c)) return e;
            if (c.jti()->empty()) return errc::missing_claim;  // no answer could ever carry it as irt
            const std::string_view cb = *c.get(claim::cb_uri);

            const auto answerable = [&](std::error_code e) -> result<site_request> {
                if (refused) *refused = {*app, std::string(cb)};
                return e;
            };
            const double now = seconds_now();
            if (now - *c.iat() > static_cast<double>(opt_.iat_window.count())) return answerable(errc::token_expired);
            // Per application (one cannot spend another's ids), and long enough that the request
            // is refused by its iat before the id is forgotten. The key id is length-prefixed, so
            // that no two (key id, jti) pairs make one id: key ids may hold any character.
            std::string id = std::to_string(a.api_key_id().size());
            id += ':';
            id += a.api_key_id();
            id += *c.jti();
            auto fresh = nonces.issue(id, 2 * opt_.iat_window + std::chrono::seconds(1));
            if (!fresh) return fresh.error();
            if (!*fresh) return answerable(errc::nonce_replayed);
            return site_request(std::move(*app), std::move(*v), logout);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the caller's clock
            return errc::invalid_configuration;
        }
    }

    /** The redirect that answers `req` (research §2.1): `<cb_uri>?jwtResponse=<JWT>`, the
        parameter appended to any query cb_uri already has (before its fragment). `state` is
        echoed byte for byte; `sub` is left out only for a LOGOUT with no account (Stormpath's
        Node and Python SDKs read `sub` unconditionally: answer their logouts with the account's
        href when there is one);
        invalid_configuration for an empty account href otherwise, json_invalid_utf8 for one
        that is not UTF-8. random_failure; never throws. */
    result<std::string> build_response(const site_request& req, const response_options& r) const noexcept
    {
        try {
            if (r.account_href.empty() && r.status != status::logout) return errc::invalid_configuration;
            if (!detail::is_utf8(r.account_href)) return errc::json_invalid_utf8;
            const site_application& a = *req.application();
            namespace w = detail::id_site;
            std::string c = "{";
            if (auto e = open_claims(c); !e) return e.error();
            w::append_member(c, "iss", opt_.issuer);
            if (!r.account_href.empty()) w::append_member(c, "sub", r.account_href);
            w::append_member(c, "aud", a.api_key_id());
            w::append_member(c, "irt", req.jti());
            if (const auto s = req.state()) w::append_member(c, "state", *s);
            w::append_raw_member(c, "isNewSub", r.is_new_account ? "true" : "false");
            w::append_member(c, "status", to_string(r.status));
            c += '}';
            return redirect_to(a, req.callback_uri(), c);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /** An error assertion for a request refused after its signature verified (see
        parse_request's `refused`), as Stormpath's login site sent one (research §2.1, "Error
        JWT"): claims `iss exp iat jti err`, `err` = {code, developerMessage, message, moreInfo,
        status}, no `aud`, `irt`, `sub` or `status`. `code` defaults to code_for(ec) and the
        message to message_for(code); invalid_configuration when there is no application in
        `to`, or no Stormpath code for `ec` and none given. Never throws. */
    result<std::string> build_error_response(const refused_request& to, std::error_code ec,
                                             const error_details& details = {}) const noexcept
    {
        try {
            if (!to.application) return errc::invalid_configuration;
            error_details d = details;
            if (d.code == 0) d.code = code_for(ec);
            if (d.code == 0) return errc::invalid_configuration;
            if (d.status == 0) d.status = 400;
            if (d.message.empty()) d.message = std::string(message_for(d.code));
            if (d.developer_message.empty()) d.developer_message = d.message;
            for (const std::string* s : {&d.message, &d.developer_message, &d.more_info})
                if (!detail::is_utf8(*s)) return errc::json_invalid_utf8;
            namespace w = detail::id_site;
            std::string err = "{";
            w::append_raw_member(err, "code", std::to_string(d.code));
            w::append_member(err, "developerMessage", d.developer_message);
            w::append_member(err, "message", d.message);
            if (!d.more_info.empty()) w::append_member(err, "moreInfo", d.more_info);
            w::append_raw_member(err, "status", std::to_string(d.status));
            err += '}';
            std::string c = "{";
            if (auto e = open_claims(c); !e) return e.error();
            w::append_member(c, "iss", opt_.issuer);
            w::append_raw_member(c, "err", err);
            c += '}';
            return redirect_to(*to.application, to.callback_uri, c);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /// The options the site was made with.
    const login_site_options& options() const noexcept { return opt_; }

private:
    explicit login_site(login_site_options o) : opt_(std::move(o)), logout_path_(opt_.sso_path + "/logout") {}

    double seconds_now() const
    {
        const auto t = opt_.clock ? opt_.clock() : std::chrono::system_clock::now();
        return std::chrono::duration<double>(t.time_since_epoch()).count();
    }

    // `jti`, `iat` and `exp` first: every response has them.
    result<void> open_claims(std::string& c) const
    {
        std::array<std::byte, 16> id{};
        if (auto e = crypto::random_bytes_buffered(id); !e) return e.error();
        const auto now =
            std::chrono::floor<std::chrono::seconds>(opt_.clock ? opt_.clock() : std::chrono::system_clock::now());
        namespace w = detail::id_site;
        w::append_member(c, "jti", encoding::base64url::encode(id));
        w::append_raw_member(c, "iat", std::to_string(now.time_since_epoch().count()));
        w::append_raw_member(c, "exp", std::to_string((now + opt_.response_lifetime).time_since_epoch().count()));
        return {};
    }

    // Signs `claims` with the application's key and appends the token to cb_uri's query.
    static result<std::string> redirect_to(const site_application& a, std::string_view cb_uri,
                                           const std::string& claims)
    {
        auto token = apiauth::detail::sign_encoded(a.response_header_b64_, apiauth::detail::as_bytes(claims), a.key_);
        if (!token) return token.error();
        // cb_uri was registered and parsed by Boost.URL; the parameter goes at the end of its query
        // (or starts one), before any fragment. The token is base64url and '.': nothing to encode.
        const auto u = boost::urls::parse_uri_reference(cb_uri);
        if (!u) return errc::invalid_configuration;
        const std::size_t hash = u->has_fragment() ? cb_uri.find('#') : cb_uri.size();
        std::string out;
        out.reserve(cb_uri.size() + 14 + token->size());
        out.append(cb_uri.substr(0, hash));
        out += u->has_query() && !u->encoded_query().empty() ? "&jwtResponse="
                                                             : (u->has_query() ? "jwtResponse=" : "?jwtResponse=");
        out += *token;
        out.append(cb_uri.substr(hash));
        return out;
    }

    // The request's `iss`, read before verification because the protocol names the key there
    // (research §1.2: no kid). Only the payload's base64url and its JSON are read; nothing read
    // here is trusted until the signature of the key it selects verifies.
    result<std::string_view> unverified_issuer(std::string_view token, std::string& buf) const
    {
        if (token.size() > opt_.max_request_size) return errc::token_too_large;
        const std::size_t a = token.find('.');
        const std::size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
        if (b == std::string_view::npos) return errc::jws_malformed;
        const std::string_view p = token.substr(a + 1, b - a - 1);
        buf.assign(encoding::base64url::decoded_size_max(p.size()) + simdjson::SIMDJSON_PADDING, '\0');
        auto n = encoding::base64url::decode(p, std::as_writable_bytes(std::span(buf)));
        if (!n) return n.error();
        thread_local simdjson::dom::parser parser;
        simdjson::dom::object o;
        if (parser.parse(buf.data(), *n, false).get_object().get(o) != simdjson::SUCCESS) return errc::invalid_claims;
        std::string_view iss;
        const auto e = o.at_key("iss").get_string().get(iss);
        if (e == simdjson::NO_SUCH_FIELD) return errc::missing_claim;
        if (e != simdjson::SUCCESS) return errc::invalid_claim_type;
        return iss;
    }

    login_site_options opt_;
    std::string logout_path_;  // <sso_path>/logout, built once
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site

#endif  // APIAUTH_ID_SITE_LOGIN_SITE_HPP
