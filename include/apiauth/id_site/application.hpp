// apiauth/id_site/application.hpp — the application's side of ID Site: the redirect to the
// hosted login, and the callback that says who logged in (research/stormpath-protocol.md §1-§3).
#ifndef APIAUTH_ID_SITE_APPLICATION_HPP
#define APIAUTH_ID_SITE_APPLICATION_HPP

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
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::id_site {

// Whether the JOSE header of `token` has a `kid` member. Called only on a token whose signature
// verified, so its header is strict base64url of a JSON object with unique names (jws::verify);
// should it not parse, the answer is false, which asks the more of the response (an `aud`). The
// buffer and parser are the thread's, reused: no allocation after a thread's first call.
inline bool header_has_kid(std::string_view token)
{
    const std::string_view h = token.substr(0, token.find('.'));
    thread_local std::string buf;
    buf.assign(encoding::base64url::decoded_size_max(h.size()) + simdjson::SIMDJSON_PADDING, '\0');
    const auto n = encoding::base64url::decode(h, std::as_writable_bytes(std::span(buf)));
    if (!n) return false;
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(buf.data(), *n, false).get_object().get(o) != simdjson::SUCCESS) return false;
    return o.at_key("kid").error() == simdjson::SUCCESS;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::id_site

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site {

/** How an application talks to its login site. Strings are owned; built once. */
struct application_options {
    /// The client API key's id: `iss` of every request, the `kid` (or older `aud`) of responses.
    std::string api_key_id;
    /// The client API key's secret: its UTF-8 bytes, as given, are the HS256 key of both
    /// directions (research §0; not base64-decoded). At least 32 octets (weak_key).
    /// application::make wipes its copy once the key is built: options() shows it empty.
    std::string api_key_secret;
    /// The application's href: `sub` of every request.
    std::string application_href;
    /// The login site, an absolute http(s) URL without query or fragment: requests go to
    /// `<base_url>/sso` and `<base_url>/sso/logout` (never hard-coded, research §6 java#184).
    std::string base_url;
    /// When not empty, a response's `iss` must equal it exactly (wrong_issuer).
    std::string login_site_issuer{};
    /// How long a request may take to come back: its `exp` and the lifetime of its `jti` in the
    /// nonce store (Stormpath's SDKs kept nonces 300 s). Positive, at most id_site::max_lifetime.
    std::chrono::seconds request_lifetime{300};
    /// Clock skew allowed on a response's exp, nbf and iat (Python's SDK allowed 2 s).
    std::chrono::seconds leeway{5};
    /// Longest callback target accepted (header_too_large: a request line is a header).
    std::size_t max_callback_size = 8 * 1024;
    /// The clock; system_clock::now when empty (tests inject one).
    jose::jwt::clock_function clock{};
};

/** What one redirect asks of the login site (research §1.3): views, copied into the token. */
struct redirect_options {
    std::string_view callback_uri;                    ///< `cb_uri`: must be registered at the login site
    std::string_view path{};                          ///< `path`: "/", "/#/register", "/#/forgot", "/#/reset"
    std::string_view state{};                         ///< `state`: echoed back byte for byte; left out when empty
    std::optional<bool> show_organization_field{};    ///< `sof`
    std::string_view organization_name_key{};         ///< `onk`
    std::optional<bool> use_subdomain{};              ///< `usd`
    std::string_view sp_token{};                      ///< `sp_token`: a password-reset token
    std::span<const std::string_view> require_mfa{};  ///< `require_mfa`: factor types
    bool logout = false;                              ///< to `/sso/logout`: end the login-site session
};

/** A redirect just built: the URL to send the browser to, and the request's `jti` (the nonce
    that the matching response's `irt` will carry). */
struct redirect {
    std::string url;  ///< `<base_url>/sso[/logout]?jwtRequest=<JWT>`: answer 302 with it as Location
    std::string jti;  ///< the request id, recorded in the nonce store as issued
};

/** The type of id_site::unbound: handle_callback's named opt-out of the `state` check. */
struct unbound_t {
    /// Only id_site::unbound is made (explicit, from an int): `{}` is never taken for it.
    explicit constexpr unbound_t(int) noexcept {}
};

/** Skip handle_callback's `state` check. Only for an application that binds the login to the
    browser that started it some other way (e.g. it keeps the request's `jti` in that browser's
    session and checks `in_response_to()` against it): without a binding, an attacker's own
    jwtResponse, sent to a victim's browser, logs the victim into the attacker's account
    (login CSRF; RFC 6749 §10.12, RFC 6819 §4.4.1.8). */
inline constexpr unbound_t unbound{0};

/** What handle_callback checks a response's `state` against: the value this browser's session
    kept when it built the redirect (redirect_options::state), or id_site::unbound. Made
    implicitly from a string_view, a string or a string literal (viewed, not copied: it must
    outlive the call), or from id_site::unbound; there is no default and no empty optional, so
    leaving the check out is always written down. */
class state_binding {
public:
    /// Check `state` against `expected` (an empty one: `state` must be absent or empty).
    constexpr state_binding(std::string_view expected) noexcept : expected_(expected), bound_(true) {}  // NOLINT
    /// The same, from a string literal or C string.
    constexpr state_binding(const char* expected) noexcept : state_binding(std::string_view(expected)) {}  // NOLINT
    /// The same, from a string (viewed).
    state_binding(const std::string& expected) noexcept : state_binding(std::string_view(expected)) {}  // NOLINT
    state_binding(std::nullptr_t) = delete;
    /// No check: see id_site::unbound.
    constexpr state_binding(unbound_t) noexcept {}  // NOLINT
    /// True when `state` is checked.
    constexpr bool bound() const noexcept { return bound_; }
    /// The expected state (empty when not bound).
    constexpr std::string_view expected() const noexcept { return expected_; }

private:
    std::string_view expected_{};
    bool bound_ = false;
};

class application;

/** The login site's signed answer, verified: who logged in, how, and in answer to which request.
    Made only by application::handle_callback. Accessors view into this object. */
class assertion {
public:
    /// AUTHENTICATED, REGISTERED or LOGOUT.
    id_site::status status() const noexcept { return status_; }
    /// `sub`: the account's href; nullopt only for LOGOUT when no one was logged in.
    std::optional<std::string_view> account_href() const noexcept { return verified_.claims().sub(); }
    /// `isNewSub`: the account was just created (false when absent).
    bool is_new_account() const noexcept { return verified_.claims().get(claim::is_new_sub).value_or(false); }
    /// `state`, exactly as the login site echoed it; nullopt when absent.
    std::optional<std::string_view> state() const noexcept { return verified_.claims().get(claim::state); }
    /// `iss`: the login site.
    std::optional<std::string_view> issuer() const noexcept { return verified_.claims().iss(); }
    /// `irt`: the request this answers (already consumed from the nonce store).
    std::string_view in_response_to() const noexcept { return *verified_.claims().get(claim::irt); }
    /// Every verified claim (jti, iat, exp, …).
    const jose::jwt::claims& claims() const noexcept { return verified_.claims(); }

private:
    friend class application;
    assertion(jose::jwt::verified&& v, id_site::status s) noexcept : verified_(std::move(v)), status_(s) {}
    jose::jwt::verified verified_;
    id_site::status status_;
};

/** The application's side of ID Site (research §1-§3). Built once, used from many threads.

    build_redirect_url signs a request (HS256 with the API key secret; header `{"alg":"HS256",
    "typ":"JWT"}` as every Stormpath SDK wrote it, no kid) with `iss sub cb_uri jti iat exp` and
    the options given, and records its `jti` in a nonce store. handle_callback verifies the
    answer, checks that its `state` is the one this browser's session kept (required: the
    login is bound to the browser that started it; id_site::unbound is the named opt-out), and
    consumes that `jti` once.

    What tells the three kinds of token apart, so that none is accepted as another (each swap
    is tested): a response has a `kid` header naming this key, or else an `aud` naming it
    (one of the two is required), `irt` and `status`, and is `typ` JWT; a request has none of
    `irt`, `status`, `err`, and no `kid`; an access token is `typ` at+jwt (wrong_token_type
    here). The application's own request reflected back
    lacks `irt` (missing_claim); a response minted for another application's key names another
    kid (unknown_key) or does not verify with this secret (bad_signature).
*/
class application {
public:
    /** An application for `o`. invalid_configuration for an empty key id or href, a key id or
        href that is not UTF-8, a base URL that is not an absolute http(s) URL without query or
        fragment, or a request lifetime that is not positive or is over max_lifetime (a day);
        weak_key for a secret under 32 octets. The secret is kept only as the key: `o`'s copy
        is wiped (crypto::wipe) whatever the outcome, and options().api_key_secret is empty.
        Never throws. */
    static result<application> make(application_options o) noexcept
    {
        const detail::id_site::wipe_on_exit wipe_secret(o.api_key_secret);
        try {
            if (o.api_key_id.empty() || o.application_href.empty() || o.request_lifetime.count() <= 0 ||
                o.request_lifetime > max_lifetime || !detail::is_utf8(o.api_key_id) ||
                !detail::is_utf8(o.application_href) || !detail::is_utf8(o.login_site_issuer))
                return errc::invalid_configuration;
            const auto base = boost::urls::parse_absolute_uri(o.base_url);
            if (!base || base->has_query() || base->has_fragment() ||
                (base->scheme() != "https" && base->scheme() != "http") || !base->has_authority())
                return errc::invalid_configuration;
            std::string root(base->buffer());
            while (!root.empty() && root.back() == '/') root.pop_back();
            auto k = jose::key::from_secret(jose::algorithm::hs256, o.api_key_secret, o.api_key_id);
            if (!k) return k.error();
            crypto::wipe(o.api_key_secret);  // the key is made; the application keeps no other copy
            auto keys = jose::key_set(*k);
            jose::jwt::policy p{.issuer = o.login_site_issuer,
                                .typ = "JWT",
                                .leeway = o.leeway,
                                .require = {"exp"},
                                .clock = o.clock,
                                .max_size = o.max_callback_size,
                                .declare = {claim::irt, claim::status, claim::is_new_sub, claim::state, claim::err}};
            auto v = std::make_unique<jose::jwt::verifier>(std::move(keys), std::move(p));
            std::string h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
            // `<base>/sso?jwtRequest=` and `<base>/sso/logout?jwtRequest=`, built once with Boost.URL.
            const auto prefix = [&](std::string_view path) {
                boost::urls::url u(root);
                u.set_encoded_path(std::string(u.encoded_path()) + std::string(path));
                u.params().append({"jwtRequest", ""});
                return std::string(u.buffer());
            };
            std::string sso = prefix("/sso");
            std::string logout = prefix("/sso/logout");
            return application(std::move(o), std::move(*k), std::move(v), encoding::base64url::encode(h),
                               std::move(sso), std::move(logout));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /** A redirect to the login site (research §1): `<base_url>/sso?jwtRequest=<JWT>`, or
        `/sso/logout` when `r.logout`. The request's `jti` (128 bits from the CSPRNG) is first
        issued in `nonces` for options().request_lifetime. invalid_configuration for an empty
        callback URI; json_invalid_utf8 for a string that is not UTF-8; the store's error
        (store_unavailable) or random_failure; never throws. */
    template <stores::nonce_store Nonces>
    result<redirect> build_redirect_url(const redirect_options& r, Nonces& nonces) const noexcept
    {
        try {
            if (r.callback_uri.empty()) return errc::invalid_configuration;
            for (std::string_view s : {r.callback_uri, r.path, r.state, r.organization_name_key, r.sp_token})
                if (!detail::is_utf8(s)) return errc::json_invalid_utf8;
            for (std::string_view s : r.require_mfa)
                if (!detail::is_utf8(s)) return errc::json_invalid_utf8;

            redirect out;
            std::array<std::byte, 16> id{};
            if (auto e = crypto::random_bytes_buffered(id); !e) return e.error();
            out.jti = encoding::base64url::encode(id);
            const auto now =
                std::chrono::floor<std::chrono::seconds>(opt_.clock ? opt_.clock() : std::chrono::system_clock::now());

            namespace w = detail::id_site;
            std::string c = "{";
            c.reserve(256 + r.callback_uri.size() + r.state.size() + r.path.size());
            w::append_member(c, "iss", opt_.api_key_id);
            w::append_member(c, "sub", opt_.application_href);
            w::append_member(c, "cb_uri", r.callback_uri);
            w::append_member(c, "jti", out.jti);
            w::append_raw_member(c, "iat", std::to_string(now.time_since_epoch().count()));
            w::append_raw_member(c, "exp", std::to_string((now + opt_.request_lifetime).time_since_epoch().count()));
            if (!r.path.empty()) w::append_member(c, "path", r.path);
            if (!r.state.empty()) w::append_member(c, "state", r.state);
            if (r.show_organization_field)
                w::append_raw_member(c, "sof", *r.show_organization_field ? "true" : "false");
            if (!r.organization_name_key.empty()) w::append_member(c, "onk", r.organization_name_key);
            if (r.use_subdomain) w::append_raw_member(c, "usd", *r.use_subdomain ? "true" : "false");
            if (!r.sp_token.empty()) w::append_member(c, "sp_token", r.sp_token);
            if (!r.require_mfa.empty()) {
                std::string a = "[";
                for (std::string_view f : r.require_mfa) {
                    if (a.size() > 1) a += ',';
                    apiauth::detail::append_json_string(a, f);
                }
                a += ']';
                w::append_raw_member(c, "require_mfa", a);
            }
            c += '}';
            auto token = apiauth::detail::sign_encoded(request_header_b64_, apiauth::detail::as_bytes(c), key_);
            if (!token) return token.error();

            auto issued = nonces.issue(out.jti, opt_.request_lifetime);
            if (!issued) return issued.error();
            if (!*issued) return errc::random_failure;  // 128 random bits met a live id: the generator is broken

            const std::string& prefix = r.logout ? logout_prefix_ : sso_prefix_;
            out.url.reserve(prefix.size() + token->size());
            out.url = prefix;
            out.url += *token;  // base64url and '.': nothing to encode in a query
            return out;
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the caller's clock
            return errc::invalid_configuration;
        }
    }

    /** Verify the login site's answer: `callback_target` is the request target the browser
        came back with (`/callback?jwtResponse=…`, or an absolute URL). Then consume its `irt`.

        Order: over max_callback_size, header_too_large; the target's query (after the first
        '?', before a '#') as a form (malformed_form_body, form_invalid_utf8, too_many_parameters,
        duplicate_parameter); `jwtResponse` exactly once (duplicate_parameter; absent or empty:
        missing_parameter); the JWT (jose's order: typ JWT, the key named by kid, HS256 only,
        signature, claims; `exp` required, leeway); without a `kid` header, `aud` is required
        (missing_claim); `aud`, when present, must name this key (wrong_audience); an `err`
        claim becomes the errc of its Stormpath code (errc_for_code), its members copied into
        `*details` when given; `irt` and `status` required (missing_claim), status one of the
        three (invalid_claim_type); `sub` required unless LOGOUT (missing_claim); `state`
        (absent: empty) must equal `expected_state`, the value this browser's session kept when
        it built the redirect, compared in constant time (state_mismatch), unless
        `expected_state` is id_site::unbound; last, `irt` consumed from `nonces` (nonce_replayed
        when it was not issued here, was consumed before, or expired; the store's error on an
        outage). Nothing is consumed when an earlier check fails. Never throws.

        The `state` binding is required (there is no default): `irt` proves only that this
        application asked the login site for a login, not that this browser did, so without it
        an attacker's own response, replayed into a victim's browser, logs the victim in as
        the attacker (login CSRF, RFC 6749 §10.12; RFC 6819 §4.4.1.8). Pass id_site::unbound
        only when the login is bound to the browser some other way. */
    template <stores::nonce_store Nonces>
    result<assertion> handle_callback(std::string_view callback_target, Nonces& nonces, state_binding expected_state,
                                      error_details* details = nullptr) const noexcept
    {
        try {
            if (callback_target.size() > opt_.max_callback_size) return errc::header_too_large;
            // The query is what follows the first '?' up to a '#' (RFC 3986 §3.4, §3.5): the path
            // is not used, and parse_form checks every octet of the query (Boost.URL's charset).
            const std::string_view before_fragment = callback_target.substr(0, callback_target.find('#'));
            const std::size_t q = before_fragment.find('?');
            const std::string_view query =
                q == std::string_view::npos ? std::string_view() : before_fragment.substr(q + 1);
            std::string decoded;
            const auto token = detail::id_site::token_parameter(query, "jwtResponse", opt_.max_callback_size, decoded);
            if (!token) return token.error();

            auto v = verifier_->verify(*token);
            if (!v) return v.error();
            return finish(std::move(*v), detail::id_site::header_has_kid(*token), nonces, expected_state, details);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /// The options the application was made with, but api_key_secret, which is empty (wiped).
    const application_options& options() const noexcept { return opt_; }

private:
    application(application_options o, jose::key k, std::unique_ptr<jose::jwt::verifier> v, std::string header_b64,
                std::string sso_prefix, std::string logout_prefix)
        : opt_(std::move(o)), key_(std::move(k)), verifier_(std::move(v)), request_header_b64_(std::move(header_b64)),
          sso_prefix_(std::move(sso_prefix)), logout_prefix_(std::move(logout_prefix))
    {
    }

    template <stores::nonce_store Nonces>
    result<assertion> finish(jose::jwt::verified&& v, bool has_kid, Nonces& nonces, state_binding expected_state,
                             error_details* details) const
    {
        const jose::jwt::claims& c = v.claims();
        // A response names this key by its kid header (research §2.1) or, in the older form,
        // by `aud`: one of the two is required, so that nothing but a response addressed to
        // this key is taken as one.
        if (!has_kid && c.aud().empty()) return errc::missing_claim;
        if (!c.aud().empty() && !c.has_audience(opt_.api_key_id)) return errc::wrong_audience;
        if (const auto err = c.get(claim::err)) {
            error_details d;
            detail::id_site::read_error(*err, d);
            const errc e = errc_for_code(d.code);
            if (details) *details = std::move(d);
            return e;
        }
        const auto irt = c.get(claim::irt);
        const auto st = c.get(claim::status);
        if (!irt || irt->empty() || !st) return errc::missing_claim;
        const auto s = parse_status(*st);
        if (!s) return errc::invalid_claim_type;
        if (*s != status::logout && (!c.sub() || c.sub()->empty())) return errc::missing_claim;
        if (expected_state.bound()) {
            // An absent state is the empty one: build_redirect_url leaves an empty state out.
            const std::string_view got = c.get(claim::state).value_or(std::string_view());
            if (!crypto::equal(detail::as_bytes(got), detail::as_bytes(expected_state.expected())))
                return errc::state_mismatch;
        }
        auto consumed = nonces.consume(*irt);
        if (!consumed) return consumed.error();
        if (!*consumed) return errc::nonce_replayed;
        return assertion(std::move(v), *s);
    }

    application_options opt_;
    jose::key key_;
    std::unique_ptr<jose::jwt::verifier> verifier_;
    std::string request_header_b64_;
    std::string sso_prefix_;
    std::string logout_prefix_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site

#endif  // APIAUTH_ID_SITE_APPLICATION_HPP
