// apiauth/oidc/revocation.hpp — the client's side of token revocation (RFC 7009): the request
// to the provider's revocation endpoint as a value, and the reading of its answer. The server's
// side is oauth2/revocation.hpp.
#ifndef APIAUTH_OIDC_REVOCATION_HPP
#define APIAUTH_OIDC_REVOCATION_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/oidc/provider_error.hpp>
#include <apiauth/oidc/token.hpp>

#include <cstddef>
#include <new>
#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** What a revocation sends. Views: copied into the request. */
struct revocation_request_options {
    /// The provider's revocation endpoint (provider_metadata::revocation_endpoint, RFC 8414
    /// §2): https, or http on a loopback host; no fragment.
    std::string_view revocation_endpoint;
    /// The client identifier: the client the token was issued to (RFC 7009 §2.1).
    std::string_view client_id;
    /// The client secret (empty for client_auth::none).
    std::string_view client_secret{};
    /// How the client authenticates: as at the token endpoint (RFC 7009 §2.1).
    client_auth auth = client_auth::client_secret_basic;
    /// The token to revoke: a refresh token or an access token.
    std::string_view token;
    /// `token_type_hint`: "access_token", "refresh_token", or empty to send none (RFC 7009 §2.1).
    std::string_view token_type_hint{};
};

/** Build a revocation (RFC 7009 §2.1): POST to the revocation endpoint,
    `Content-Type: application/x-www-form-urlencoded`, `Accept:
    application/json`, body `token=…[&token_type_hint=…]` plus the client's
    authentication exactly as build_token_request adds it (client_secret_basic:
    `Authorization: Basic` of the form-encoded id and secret, RFC 6749
    §2.3.1; client_secret_post: `client_id` and `client_secret` in the body;
    none: `client_id` in the body). Revoking a refresh token also revokes the
    access tokens of its grant when the provider supports that (§2.1); the
    answer is read by parse_revocation_response.

    Refuses (invalid_configuration): an endpoint that is not https (http only
    on loopback) or has a fragment; an empty client_id or token; an empty
    secret with client_secret_basic or _post; a token_type_hint other than
    "access_token" and "refresh_token" (the values of RFC 7009 §2.1; §4.1.2
    registers no others). basic_control_character for a control character
    in the id or secret. Never throws (not_enough_memory).

    @par Example
    @code
    auto req = oidc::build_revocation_request({.revocation_endpoint = meta.revocation_endpoint,
                                               .client_id = "app", .client_secret = secret,
                                               .token = tokens.refresh_token,
                                               .token_type_hint = "refresh_token"});
    // send *req; then:
    std::error_code ec = oidc::parse_revocation_response(status, body, &details);
    @endcode
    @par Specification RFC 7009 §2.1; RFC 6749 §2.3.1, Appendix B.
    @see parse_revocation_response, build_refresh_request.
*/
inline result<outgoing_request> build_revocation_request(const revocation_request_options& o) noexcept
{
    try {
        if (o.token.empty()) return errc::invalid_configuration;
        if (!o.token_type_hint.empty() && o.token_type_hint != "access_token" && o.token_type_hint != "refresh_token")
            return errc::invalid_configuration;
        return detail::oidc::build_client_request(o.revocation_endpoint, o.client_id, o.client_secret, o.auth,
                                                  {{"token", o.token}, {"token_type_hint", o.token_type_hint}});
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** Bounds of parse_revocation_response. */
struct revocation_response_options {
    /// Longest error body read (body_too_large); a 200 answer's body is never read.
    std::size_t max_size = 64 * 1024;
};

/** Read the revocation endpoint's answer: `status` is the HTTP status,
    `body` the content. Returns no error when the token is revoked.

    Order: 200 is success whatever the body, which the client ignores (RFC
    7009 §2.2: an invalid or already revoked token is answered 200 too);
    503 and every other status of 500 or more is provider_unavailable (§2.2.1:
    the token may still be valid; retry later); any other status but a 4xx
    is invalid_token_response; a body over opt.max_size is body_too_large;
    then a JSON object (unique member names, duplicate_member) with
    a non-empty `error` string is the provider's error (RFC 6749 §5.2, RFC
    7009 §2.2.1), mapped as parse_token_response maps it (provider_error,
    the typed code and the text in `*details` when given; RFC 7009's
    `unsupported_token_type` is provider_error_code::unsupported_token_type);
    a member of the wrong type is invalid_claim_type; any other body (not
    JSON, not an object, no `error`) is invalid_token_response. Never throws
    (not_enough_memory).

    @par Specification RFC 7009 §2.2, §2.2.1; RFC 6749 §5.2.
    @see build_revocation_request.
*/
inline std::error_code parse_revocation_response(int status, std::string_view body, provider_error* details = nullptr,
                                                 revocation_response_options opt = {}) noexcept
{
    try {
        if (status == 200) return {};
        if (status >= 500) return errc::provider_unavailable;
        if (status < 400) return errc::invalid_token_response;
        if (body.size() > opt.max_size) return errc::body_too_large;
        if (!detail::oidc::is_json_object_text(body)) return errc::invalid_token_response;
        detail::oidc::raw_token_response r;
        if (auto e = detail::oidc::read_json_token_response(body, r)) return e;
        if (!r.error || r.error->empty()) return errc::invalid_token_response;
        return detail::oidc::report_provider_error(r, details);
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_REVOCATION_HPP
