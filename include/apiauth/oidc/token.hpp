// apiauth/oidc/token.hpp — the client's side of the token endpoint: the code exchange and the
// refresh as request values, and the strict reading of the answer (RFC 6749 §4.1.3, §4.1.4, §5.1,
// §5.2, §6; RFC 7636 §4.5).
#ifndef APIAUTH_OIDC_TOKEN_HPP
#define APIAUTH_OIDC_TOKEN_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oidc/authorization.hpp>
#include <apiauth/oidc/detail/common.hpp>
#include <apiauth/oidc/provider_error.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1;
    OpenID Connect Core §9 names). */
enum class client_auth {
    client_secret_basic,  ///< HTTP Basic, id and secret form-encoded first (RFC 6749 §2.3.1)
    client_secret_post,  ///< client_id and client_secret in the body (RFC 6749 §2.3.1, "NOT RECOMMENDED" but LinkedIn's
                         ///< only way)
    none,  ///< a public client: client_id in the body, PKCE carries the proof (RFC 6749 §4.1.3, RFC 7636)
};

/** An HTTP request for the application to send, as a value: method, URL,
    header fields in order, body. The body and the Authorization field hold
    secrets (code, verifier, client secret) and are wiped on destruction. */
struct outgoing_request {
    std::string method;               ///< "POST"
    std::string url;                  ///< the absolute URL to send it to
    std::vector<http::field> fields;  ///< header fields, in order
    std::string body;                 ///< the content; empty for none

    outgoing_request() = default;
    /// A copy (both wipe their own secrets).
    outgoing_request(const outgoing_request&) = default;
    /// Takes `o`'s values.
    outgoing_request(outgoing_request&&) noexcept = default;
    /// Copies `o`'s values.
    outgoing_request& operator=(const outgoing_request&) = default;
    /// Takes `o`'s values.
    outgoing_request& operator=(outgoing_request&&) noexcept = default;
    /// Wipes the body and every field value.
    ~outgoing_request()
    {
        crypto::wipe(body);
        for (http::field& f : fields) crypto::wipe(f.value);
    }
    /// The value of the first field named `name` (ASCII case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const noexcept
    {
        for (const http::field& f : fields)
            if (detail::iequals(f.name, name)) return &f.value;
        return nullptr;
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {

// The largest expires_in a token response may carry: 100 years of seconds. Larger is
// invalid_claim_type, so that now + expires_in cannot overflow a clock (system_clock's
// nanoseconds reach about 292 years from 1970), yet a provider's "never" (2^31 - 1) passes.
inline constexpr std::int64_t max_expires_in = 3'155'760'000;

// One form parameter of a request to the provider; an empty value is left out (RFC 6749 §3.1).
struct form_parameter {
    std::string_view name, value;
};

// A POST of `params` to `endpoint` with the client's authentication, as every request of a client
// to the token and revocation endpoints is made (RFC 6749 §2.3.1, §4.1.3, §6; RFC 7009 §2.1):
// the form body (RFC 6749 Appendix B), then for client_secret_basic an `Authorization: Basic`
// field of the form-encoded id and secret, otherwise `client_id` (and `client_secret` for
// client_secret_post) appended to the body; then `Content-Type:
// application/x-www-form-urlencoded` and `Accept: application/json` (GitHub answers JSON only
// when asked). Refuses (invalid_configuration) an endpoint that is not https (http only on
// loopback) or has a fragment, an empty client_id, an empty secret unless the client is public;
// basic_control_character for a control character in the id or secret. May throw bad_alloc.
inline result<apiauth::oidc::outgoing_request>
build_client_request(std::string_view endpoint, std::string_view client_id, std::string_view client_secret,
                     apiauth::oidc::client_auth auth, std::initializer_list<form_parameter> params)
{
    using apiauth::oidc::client_auth;
    if (!is_endpoint(endpoint) || client_id.empty()) return errc::invalid_configuration;
    if (auth != client_auth::none && client_secret.empty()) return errc::invalid_configuration;
    apiauth::oidc::outgoing_request r;
    r.method = "POST";
    r.url = std::string(endpoint);
    // The body holds secrets (a code, a refresh token, the client secret): room for the largest
    // it can be (each octet encoded as %XX) is reserved first, so that appending never moves it
    // and leaves a copy in freed memory.
    std::size_t most = std::string_view("&client_id=").size() + 3 * client_id.size() +
                       std::string_view("&client_secret=").size() + 3 * client_secret.size();
    for (const form_parameter& p : params) most += p.name.size() + 2 + 3 * p.value.size();
    r.body.reserve(most);
    const auto add = [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        if (!r.body.empty()) r.body += '&';
        r.body += name;
        r.body += '=';
        std::string v = http::encode_form_component(value);
        r.body += v;
        crypto::wipe(v);
    };
    for (const form_parameter& p : params) add(p.name, p.value);
    if (auth == client_auth::client_secret_basic) {
        auto basic = http::encode_oauth_client_basic(client_id, client_secret);
        if (!basic) return basic.error();
        r.fields.push_back({"Authorization", std::move(*basic)});
    } else {
        add("client_id", client_id);
        if (auth == client_auth::client_secret_post) add("client_secret", client_secret);
    }
    r.fields.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    r.fields.push_back({"Accept", "application/json"});
    return r;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** What the code exchange sends. Views: copied into the request. */
struct token_request_options {
    /// The provider's token endpoint: https, or http on a loopback host; no fragment.
    std::string_view token_endpoint;
    /// The client identifier.
    std::string_view client_id;
    /// The client secret (empty for client_auth::none).
    std::string_view client_secret{};
    /// How the client authenticates.
    client_auth auth = client_auth::client_secret_basic;
    /// The authorization code from handle_callback.
    std::string_view code;
    /// The redirect_uri of the authorization request, identical (RFC 6749 §4.1.3).
    std::string_view redirect_uri;
    /// pending_authorization::code_verifier; empty when PKCE was off.
    std::string_view code_verifier{};
};

/** Build the code exchange (RFC 6749 §4.1.3): POST to the token endpoint,
    `Content-Type: application/x-www-form-urlencoded`, `Accept:
    application/json` (which also makes GitHub answer JSON), body
    `grant_type=authorization_code&code=…&redirect_uri=…[&code_verifier=…]`
    plus `client_id` (and `client_secret` for client_secret_post); for
    client_secret_basic an `Authorization: Basic` field whose id and secret
    are form-encoded before base64 (RFC 6749 §2.3.1).

    Refuses (invalid_configuration): an endpoint that is not https (http only
    on loopback) or has a fragment; an empty client_id, code or
    redirect_uri; an empty secret with client_secret_basic or _post; a
    code_verifier outside RFC 7636 §4.1. basic_control_character for a
    control character in the id or secret. Never throws (not_enough_memory).

    @par Specification RFC 6749 §4.1.3, §2.3.1, Appendix B; RFC 7636 §4.5.
    @see build_refresh_request, parse_token_response.
*/
inline result<outgoing_request> build_token_request(const token_request_options& o) noexcept
{
    try {
        if (o.code.empty() || o.redirect_uri.empty()) return errc::invalid_configuration;
        if (!o.code_verifier.empty() && !is_code_verifier(o.code_verifier)) return errc::invalid_configuration;
        return detail::oidc::build_client_request(o.token_endpoint, o.client_id, o.client_secret, o.auth,
                                                  {{"grant_type", "authorization_code"},
                                                   {"code", o.code},
                                                   {"redirect_uri", o.redirect_uri},
                                                   {"code_verifier", o.code_verifier}});
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** What a refresh sends. Views: copied into the request. */
struct refresh_request_options {
    /// The provider's token endpoint: https, or http on a loopback host; no fragment.
    std::string_view token_endpoint;
    /// The client identifier.
    std::string_view client_id;
    /// The client secret (empty for client_auth::none).
    std::string_view client_secret{};
    /// How the client authenticates: as at the code exchange (RFC 6749 §6).
    client_auth auth = client_auth::client_secret_basic;
    /// The refresh token the provider issued (token_set::refresh_token).
    std::string_view refresh_token;
    /// The scope asked for: empty for the whole scope of the original grant; otherwise none
    /// that it did not include (RFC 6749 §6). Syntax of RFC 6749 §3.3.
    std::string_view scope{};
};

/** Build a refresh (RFC 6749 §6): POST to the token endpoint, the same
    fields as build_token_request, body
    `grant_type=refresh_token&refresh_token=…[&scope=…]` plus the client's
    authentication exactly as build_token_request adds it (client_secret_basic:
    `Authorization: Basic` of the form-encoded id and secret, RFC 6749
    §2.3.1; client_secret_post: `client_id` and `client_secret` in the body;
    none: `client_id` in the body).

    The answer is read by parse_token_response. A refresh answer may lack
    `refresh_token`: keep the one sent, which stays valid (RFC 6749 §6);
    one that has it replaces the old one, which the provider may then revoke.
    It may lack `id_token` (OpenID Connect Core §12.2); one that has it is
    verified by id_token_verifier with no nonce expected, then compared with
    the original by check_refreshed_id_token (refresh.hpp).

    Refuses (invalid_configuration): an endpoint that is not https (http only
    on loopback) or has a fragment; an empty client_id or refresh_token; an
    empty secret with client_secret_basic or _post. Then a scope outside the
    grammar is oauth2::parse_scope's error (invalid_scope_syntax,
    too_many_scopes). basic_control_character for a control character in
    the id or secret. Never throws (not_enough_memory).

    @par Example
    @code
    auto req = oidc::build_refresh_request({.token_endpoint = meta.token_endpoint, .client_id = "app",
                                            .client_secret = secret, .refresh_token = tokens.refresh_token});
    // send *req; then:
    auto fresh = oidc::parse_token_response(status, content_type, body, &details);
    if (fresh && fresh->refresh_token.empty()) fresh->refresh_token = tokens.refresh_token;  // RFC 6749 §6
    @endcode
    @par BNF
    @code
    scope       = scope-token *( SP scope-token )   ; RFC 6749 §3.3
    scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    @endcode
    @par Specification RFC 6749 §6, §2.3.1, §3.3, Appendix B; OpenID Connect Core §12.1, §12.2.
    @see build_token_request, parse_token_response, check_refreshed_id_token.
*/
inline result<outgoing_request> build_refresh_request(const refresh_request_options& o) noexcept
{
    try {
        if (o.refresh_token.empty()) return errc::invalid_configuration;
        auto r = detail::oidc::build_client_request(
            o.token_endpoint, o.client_id, o.client_secret, o.auth,
            {{"grant_type", "refresh_token"}, {"refresh_token", o.refresh_token}, {"scope", o.scope}});
        if (!r) return r;
        if (const auto s = oauth2::parse_scope(o.scope); !s) return s.error();
        return r;
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** Bounds and choices of parse_token_response. */
struct token_response_options {
    /// Longest body accepted (body_too_large).
    std::size_t max_size = 64 * 1024;
    /// Read a body that is not a JSON object as application/x-www-form-urlencoded (GitHub
    /// without `Accept: application/json`, which may even label it application/json).
    bool accept_form = true;
};

/** A successful token response (RFC 6749 §5.1; OpenID Connect Core §3.1.3.3).
    The tokens are wiped on destruction. */
struct token_set {
    std::string access_token;                ///< `access_token`, never empty
    std::string token_type;                  ///< `token_type` as sent ("Bearer", "bearer"): always Bearer
    std::optional<std::int64_t> expires_in;  ///< `expires_in` in seconds, when sent
    std::string refresh_token;               ///< `refresh_token`, empty when absent (a refresh: keep the old one)
    std::string scope;                       ///< `scope` as sent (granted scope, RFC 6749 §3.3), empty when absent
    std::string id_token;                    ///< `id_token` (OpenID Connect), empty when absent: verify it

    token_set() = default;
    /// A copy (both wipe their own tokens).
    token_set(const token_set&) = default;
    /// Takes `o`'s values.
    token_set(token_set&&) noexcept = default;
    /// Copies `o`'s values.
    token_set& operator=(const token_set&) = default;
    /// Takes `o`'s values.
    token_set& operator=(token_set&&) noexcept = default;
    /// Wipes the tokens.
    ~token_set()
    {
        crypto::wipe(access_token);
        crypto::wipe(refresh_token);
        crypto::wipe(id_token);
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {

// The members of a token response, read from JSON or from a form, then judged alike.
struct raw_token_response {
    std::optional<std::string> error, error_description, error_uri;
    std::optional<std::string> access_token, token_type, refresh_token, scope, id_token;
    std::optional<std::int64_t> expires_in;
    ~raw_token_response()
    {
        for (auto* s : {&access_token, &refresh_token, &id_token})
            if (*s) crypto::wipe(**s);
    }
};

inline std::error_code read_json_token_response(std::string_view body, raw_token_response& r)
{
    json_document doc;
    simdjson::dom::object o;
    if (auto e = parse_object(doc, body, o, errc::invalid_token_response)) return e;
    for (const auto field : o) {
        const std::string_view k = field.key;
        std::optional<std::string>* target = nullptr;
        if (k == "error")
            target = &r.error;
        else if (k == "error_description")
            target = &r.error_description;
        else if (k == "error_uri")
            target = &r.error_uri;
        else if (k == "access_token")
            target = &r.access_token;
        else if (k == "token_type")
            target = &r.token_type;
        else if (k == "refresh_token")
            target = &r.refresh_token;
        else if (k == "scope")
            target = &r.scope;
        else if (k == "id_token")
            target = &r.id_token;
        if (target) {
            std::string_view s;
            if (field.value.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
            *target = std::string(s);
        } else if (k == "expires_in") {
            std::int64_t n = 0;  // an integer: 3600.0, "3600" and -1 are refused
            if (field.value.get_int64().get(n) != simdjson::SUCCESS || n < 0 || n > max_expires_in)
                return errc::invalid_claim_type;
            r.expires_in = n;
        }
    }
    return {};
}

// True when `body`, after JSON whitespace (RFC 8259 §2), begins with '{': the shape, not the
// Content-Type, decides how a provider's answer is read (GitHub mislabels its form bodies).
inline bool is_json_object_text(std::string_view body) noexcept
{
    std::size_t i = 0;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) ++i;
    return i < body.size() && body[i] == '{';
}

// The provider's error answer in `r` (RFC 6749 §5.2): its code typed, its text moved into
// `*details` when given. `r.error` must be present.
inline errc report_provider_error(raw_token_response& r, apiauth::oidc::provider_error* details)
{
    apiauth::oidc::provider_error pe;
    pe.code = apiauth::oidc::parse_provider_error_code(*r.error);
    pe.error = std::move(*r.error);
    if (r.error_description) pe.error_description = std::move(*r.error_description);
    if (r.error_uri) pe.error_uri = std::move(*r.error_uri);
    const errc e = apiauth::oidc::provider_error_errc(pe.code);
    if (details) *details = std::move(pe);
    return e;
}

inline std::error_code read_form_token_response(std::string_view body, std::size_t max_size, raw_token_response& r)
{
    const auto form = http::parse_form(body, {.max_size = max_size});
    if (!form) return form.error();
    for (auto [name, target] : {std::pair{"error", &r.error}, std::pair{"error_description", &r.error_description},
                                std::pair{"error_uri", &r.error_uri}, std::pair{"access_token", &r.access_token},
                                std::pair{"token_type", &r.token_type}, std::pair{"refresh_token", &r.refresh_token},
                                std::pair{"scope", &r.scope}, std::pair{"id_token", &r.id_token}}) {
        auto v = form_value(*form, name);
        if (!v) return v.error();
        if (*v) *target = std::move(**v);
    }
    auto e = form_value(*form, "expires_in");
    if (!e) return e.error();
    if (*e) {
        const std::string& s = **e;
        if (s.size() > 18) return errc::invalid_claim_type;
        std::int64_t n = 0;
        for (const char c : s) {
            if (c < '0' || c > '9') return errc::invalid_claim_type;
            n = n * 10 + (c - '0');
        }
        if (n > max_expires_in) return errc::invalid_claim_type;
        r.expires_in = n;
    }
    return {};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** Read the token endpoint's answer to the code exchange or to a refresh:
    `status` is the HTTP status, `content_type` the Content-Type field value,
    `body` the content.

    Order: body over opt.max_size, body_too_large; a status of 500 or more,
    provider_unavailable; then the body by its shape (RFC 6749 §5.1 says JSON;
    GitHub sends a form unless asked for JSON, sometimes labelled JSON): a
    body beginning with '{' is a JSON object with unique member names
    (invalid_token_response, duplicate_member), anything else a form when
    opt.accept_form (http::parse_form's errors; duplicate_parameter) and
    invalid_token_response otherwise; a member of the wrong type is
    invalid_claim_type. An `error` member, whatever the status (GitHub
    answers errors with 200), is the provider's error (provider_error_errc),
    its text copied into `*details` when given (RFC 6749 §5.2). Then the
    status must be 200 (invalid_token_response); `access_token` present and not
    empty (missing_parameter); `token_type` present (missing_parameter) and
    "Bearer" in any case (unsupported_token_type, RFC 6749 §7.1); `expires_in`
    a non-negative integer of at most 100 years, 3,155,760,000 (invalid_claim_type: a caller's
    now + expires_in cannot overflow); `id_token`, `scope`,
    `refresh_token` strings. Never throws.

    The answer to a refresh is the same response (RFC 6749 §6): without
    `refresh_token` the one sent stays the one to keep (token_set::refresh_token
    is then empty; do not overwrite the stored one with it); without
    `id_token` there is no new ID token to check (OpenID Connect Core §12.2).
    A revoked or expired refresh token is the provider's invalid_grant
    (provider_error).

    @par Specification RFC 6749 §5.1, §5.2, §6, §7.1; OpenID Connect Core §3.1.3.3, §12.2.
    @see build_token_request, build_refresh_request.
*/
inline result<token_set> parse_token_response(int status, std::string_view content_type, std::string_view body,
                                              provider_error* details = nullptr,
                                              token_response_options opt = {}) noexcept
{
    try {
        if (body.size() > opt.max_size) return errc::body_too_large;
        if (status >= 500) return errc::provider_unavailable;
        (void)content_type;  // the shape decides: GitHub mislabels its form bodies (research §2.2)
        detail::oidc::raw_token_response r;
        if (detail::oidc::is_json_object_text(body)) {
            if (auto e = detail::oidc::read_json_token_response(body, r)) return e;
        } else if (opt.accept_form) {
            if (auto e = detail::oidc::read_form_token_response(body, opt.max_size, r)) return e;
        } else {
            return errc::invalid_token_response;
        }
        // An empty `error` is absent, as an empty form value is (RFC 6749 §3.1): no error code.
        if (r.error && r.error->empty()) r.error.reset();
        if (r.error) return detail::oidc::report_provider_error(r, details);
        if (status != 200) return errc::invalid_token_response;
        if (!r.access_token || r.access_token->empty()) return errc::missing_parameter;
        if (!r.token_type) return errc::missing_parameter;
        if (!detail::iequals(*r.token_type, "Bearer")) return errc::unsupported_token_type;
        token_set t;
        t.access_token = std::move(*r.access_token);
        t.token_type = std::move(*r.token_type);
        t.expires_in = r.expires_in;
        if (r.refresh_token) t.refresh_token = std::move(*r.refresh_token);
        if (r.scope) t.scope = std::move(*r.scope);
        if (r.id_token) t.id_token = std::move(*r.id_token);
        return t;
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_TOKEN_HPP
