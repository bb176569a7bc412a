// apiauth/oidc/authorization.hpp — the authorization request of the code flow: the values the
// application keeps (state, nonce, PKCE verifier) and the URL it sends the browser to
// (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1).
#ifndef APIAUTH_OIDC_AUTHORIZATION_HPP
#define APIAUTH_OIDC_AUTHORIZATION_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oidc/detail/common.hpp>
#include <apiauth/oidc/pending.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** True when `verifier` is a PKCE code_verifier: 43 to 128 characters of
    ALPHA / DIGIT / "-" / "." / "_" / "~".

    @par BNF
    @code
    code-verifier = 43*128unreserved
    unreserved    = ALPHA / DIGIT / "-" / "." / "_" / "~"
    @endcode
    @par Specification RFC 7636 §4.1.
*/
constexpr bool is_code_verifier(std::string_view verifier) noexcept
{
    if (verifier.size() < 43 || verifier.size() > 128) return false;
    for (const char c : verifier) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == '_' || c == '~';
        if (!ok) return false;
    }
    return true;
}

/** The S256 code_challenge of `verifier`: BASE64URL(SHA256(ASCII(verifier))),
    unpadded (43 characters). Refuses a verifier outside the RFC 7636 §4.1
    grammar (invalid_configuration). Allocates; never throws (not_enough_memory).

    @par Example
    RFC 7636 Appendix B: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" gives
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".
    @par Specification RFC 7636 §4.2, Appendix B.
*/
inline result<std::string> code_challenge_s256(std::string_view verifier) noexcept
{
    if (!is_code_verifier(verifier)) return errc::invalid_configuration;
    try {
        const crypto::digest_value d = crypto::digest(crypto::hash::sha256, detail::as_bytes(verifier));
        return encoding::base64url::encode(d.span());
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** One extra query parameter of an authorization request (`ui_locales`,
    `access_type`, `hd`, …), unencoded. */
struct query_parameter {
    std::string_view name;   ///< the name, as the provider documents it
    std::string_view value;  ///< the value; form-encoded when the URL is built
};

/** What one authorization request asks for. Views: copied into the URL. */
struct authorization_options {
    /// The provider's authorization endpoint: https, or http on a loopback host; it may have a
    /// query but no fragment (RFC 6749 §3.1).
    std::string_view authorization_endpoint;
    /// The client identifier (RFC 6749 §2.2).
    std::string_view client_id;
    /// The redirect URI registered for this client with this provider: absolute, no fragment
    /// (RFC 6749 §3.1.2). Use one per provider (mix-up defence, RFC 9700 §4.4.2.2).
    std::string_view redirect_uri;
    /// Space-separated scope tokens (RFC 6749 §3.3); "openid" makes it an OpenID Connect request.
    std::string_view scope{};
    /// Send a PKCE S256 challenge (RFC 7636 §4.3). Off only for providers that refuse it.
    bool pkce = true;
    /// Send a `nonce` when the scope has "openid" (OpenID Connect Core §3.1.2.1, §15.5.2).
    bool nonce = true;
    /// `prompt` (OpenID Connect Core §3.1.2.1): "none", "login", "consent", "select_account"; empty: left out.
    std::string_view prompt{};
    /// `login_hint` (OpenID Connect Core §3.1.2.1); empty: left out.
    std::string_view login_hint{};
    /// `max_age` (OpenID Connect Core §3.1.2.1): the longest time, in seconds, since the user
    /// last authenticated actively; 0 asks for a fresh login. Kept in the pending values so
    /// that the ID token's auth_time is checked against it. nullopt: left out.
    std::optional<std::chrono::seconds> max_age{};
    /// `acr_values` (OpenID Connect Core §3.1.2.1): space-separated Authentication Context
    /// Class References, in order of preference. Kept in the pending values; see
    /// id_token_expectation::acr_values. Empty: left out.
    std::string_view acr_values{};
    /// Further parameters; a name that this function writes itself is invalid_configuration.
    std::span<const query_parameter> extra{};
};

/** The authorization request just built: where to send the browser, and what to keep. */
struct authorization_request {
    std::string url;                ///< answer 302 (or 303) with this as Location
    pending_authorization pending;  ///< keep it, bound to the browser, until the callback
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {
// The parameters build_authorization_request writes itself.
inline constexpr std::string_view reserved[] = {
    "response_type",         "client_id", "redirect_uri", "scope",   "state",     "nonce", "code_challenge",
    "code_challenge_method", "prompt",    "login_hint",   "max_age", "acr_values"};
// 32 octets from the CSPRNG, base64url (RFC 7636 §4.1, §7.1).
inline result<std::string> random_value()
{
    std::array<std::byte, 32> b{};
    if (auto r = crypto::random_bytes(b); !r) return r.error();
    std::string s = encoding::base64url::encode(b);
    crypto::wipe(b.data(), b.size());
    return s;
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** Build an authorization request: fresh state, nonce and code_verifier from
    the CSPRNG (32 octets each, base64url), and the endpoint URL with
    `response_type=code`, `client_id`, `redirect_uri`, `scope`, `state`,
    `nonce` (when the scope has "openid" and o.nonce), `code_challenge` and
    `code_challenge_method=S256` (when o.pkce), `prompt`, `login_hint`,
    `max_age`, `acr_values` and the extra parameters, each form-encoded (a
    space is "+", RFC 6749 Appendix B). `max_age` and `acr_values` are also
    kept in the pending values (see expectation()).

    Refuses (invalid_configuration): an endpoint that is not https (http only
    on a loopback host), has a fragment, or already carries a parameter this
    function writes; an empty client_id; a redirect URI that is not absolute
    or has a fragment; a scope outside RFC 6749 §3.3 (its own error); a
    negative max_age; acr_values that are not values of printable ASCII
    without '"' or '\\' separated by single spaces; a string that is not
    UTF-8; an extra parameter named as one written here.
    random_failure if the CSPRNG fails. Never throws (not_enough_memory).

    @par Example
    @code
    auto r = oidc::build_authorization_request({.authorization_endpoint = meta.authorization_endpoint,
                                                .client_id = "app", .redirect_uri = "https://app.example/cb/google",
                                                .scope = "openid email profile"});
    seal_into_cookie(r->pending);  // then redirect to r->url
    @endcode
    @par Specification RFC 6749 §4.1.1, §3.1, §3.3, §10.12; RFC 7636 §4.1-§4.3;
    OpenID Connect Core §3.1.2.1.
*/
inline result<authorization_request> build_authorization_request(const authorization_options& o) noexcept
{
    try {
        namespace d = detail::oidc;
        if (!d::is_endpoint(o.authorization_endpoint) || o.client_id.empty()) return errc::invalid_configuration;
        const auto redirect = boost::urls::parse_absolute_uri(o.redirect_uri);
        if (!redirect || redirect->has_fragment() || !d::path_after_authority_ok(*redirect))
            return errc::invalid_configuration;
        for (std::string_view s : {o.client_id, o.redirect_uri, o.scope, o.prompt, o.login_hint})
            if (!detail::is_utf8(s)) return errc::invalid_configuration;
        if (o.max_age && o.max_age->count() < 0) return errc::invalid_configuration;
        // acr_values: the scope grammar's shape (RFC 6749 §3.3 NQCHAR values, single spaces).
        if (!o.acr_values.empty() && !oauth2::parse_scope(o.acr_values)) return errc::invalid_configuration;
        bool openid = false;
        if (!o.scope.empty()) {
            const auto sc = oauth2::parse_scope(o.scope);
            if (!sc) return sc.error();
            for (std::string_view t : *sc) openid = openid || t == "openid";
        }
        for (const query_parameter& p : o.extra) {
            if (p.name.empty() || !detail::is_utf8(p.name) || !detail::is_utf8(p.value))
                return errc::invalid_configuration;
            for (std::string_view r : detail::oidc::reserved)
                if (p.name == r) return errc::invalid_configuration;
        }

        boost::urls::url u(o.authorization_endpoint);
        for (std::string_view r : detail::oidc::reserved)
            if (u.params().contains(r)) return errc::invalid_configuration;

        authorization_request out;
        auto state = detail::oidc::random_value();
        if (!state) return state.error();
        out.pending.state = std::move(*state);
        if (openid && o.nonce) {
            auto nonce = detail::oidc::random_value();
            if (!nonce) return nonce.error();
            out.pending.nonce = std::move(*nonce);
        }
        std::string challenge;
        if (o.pkce) {
            auto verifier = detail::oidc::random_value();
            if (!verifier) return verifier.error();
            out.pending.code_verifier = std::move(*verifier);
            auto c = code_challenge_s256(out.pending.code_verifier);
            if (!c) return c.error();
            challenge = std::move(*c);
        }

        auto params = u.encoded_params();
        const auto add = [&](std::string_view name, std::string_view value) {
            const std::string n = http::encode_form_component(name);
            const std::string v = http::encode_form_component(value);
            params.append({boost::urls::pct_string_view(n), boost::urls::pct_string_view(v)});
        };
        add("response_type", "code");
        add("client_id", o.client_id);
        add("redirect_uri", o.redirect_uri);
        if (!o.scope.empty()) add("scope", o.scope);
        add("state", out.pending.state);
        if (!out.pending.nonce.empty()) add("nonce", out.pending.nonce);
        if (o.pkce) {
            add("code_challenge", challenge);
            add("code_challenge_method", "S256");
        }
        if (!o.prompt.empty()) add("prompt", o.prompt);
        if (!o.login_hint.empty()) add("login_hint", o.login_hint);
        if (o.max_age) {
            std::array<char, 24> digits{};
            const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), o.max_age->count()).ptr;
            add("max_age", std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
            out.pending.max_age = o.max_age;
        }
        if (!o.acr_values.empty()) {
            add("acr_values", o.acr_values);
            out.pending.acr_values = std::string(o.acr_values);
        }
        for (const query_parameter& p : o.extra) add(p.name, p.value);
        out.url = std::string(u.buffer());
        return out;
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    } catch (...) {  // Boost.URL's length_error on an absurd size
        return errc::invalid_configuration;
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_AUTHORIZATION_HPP
