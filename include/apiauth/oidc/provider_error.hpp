// apiauth/oidc/provider_error.hpp — an authorization server's own error answer, kept as text
// for logs and typed for decisions (RFC 6749 §4.1.2.1, §5.2; OpenID Connect Core §3.1.2.6).
#ifndef APIAUTH_OIDC_PROVIDER_ERROR_HPP
#define APIAUTH_OIDC_PROVIDER_ERROR_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** The `error` codes an authorization server may answer with: those of the
    authorization endpoint (RFC 6749 §4.1.2.1), of the token endpoint
    (§5.2), of OpenID Connect (Core §3.1.2.6) and of token revocation
    (RFC 7009 §2.2.1). `other` for any other
    value (GitHub's `bad_verification_code`, …), whose text stays in
    provider_error::error. */
enum class provider_error_code {
    invalid_request,             ///< RFC 6749 §4.1.2.1, §5.2
    unauthorized_client,         ///< RFC 6749 §4.1.2.1, §5.2
    access_denied,               ///< RFC 6749 §4.1.2.1: the user or the server refused
    unsupported_response_type,   ///< RFC 6749 §4.1.2.1
    invalid_scope,               ///< RFC 6749 §4.1.2.1, §5.2
    server_error,                ///< RFC 6749 §4.1.2.1
    temporarily_unavailable,     ///< RFC 6749 §4.1.2.1
    invalid_client,              ///< RFC 6749 §5.2
    invalid_grant,               ///< RFC 6749 §5.2: code expired, used, or PKCE verifier wrong (RFC 7636 §4.6)
    unsupported_grant_type,      ///< RFC 6749 §5.2
    interaction_required,        ///< OpenID Connect Core §3.1.2.6 (prompt=none)
    login_required,              ///< OpenID Connect Core §3.1.2.6
    account_selection_required,  ///< OpenID Connect Core §3.1.2.6
    consent_required,            ///< OpenID Connect Core §3.1.2.6
    unsupported_token_type,      ///< RFC 7009 §2.2.1: the revocation endpoint cannot revoke this kind of token
    other,                       ///< any other value
};

/** The error a provider answered with, as it sent it. The text is the
    provider's (untrusted, UTF-8 checked by the parser): log it, do not
    show error_description to users as if it were the application's. */
struct provider_error {
    provider_error_code code = provider_error_code::other;  ///< `error`, typed
    std::string error;                                      ///< `error` as sent
    std::string error_description;                          ///< `error_description`, empty when absent
    std::string error_uri;                                  ///< `error_uri`, empty when absent
};

/** The typed code of an `error` value: exact, case-sensitive names (RFC
    6749 §4.1.2.1, §5.2; OpenID Connect Core §3.1.2.6; RFC 7009 §2.2.1);
    `other` otherwise. */
constexpr provider_error_code parse_provider_error_code(std::string_view error) noexcept
{
    constexpr std::string_view names[] = {"invalid_request",
                                          "unauthorized_client",
                                          "access_denied",
                                          "unsupported_response_type",
                                          "invalid_scope",
                                          "server_error",
                                          "temporarily_unavailable",
                                          "invalid_client",
                                          "invalid_grant",
                                          "unsupported_grant_type",
                                          "interaction_required",
                                          "login_required",
                                          "account_selection_required",
                                          "consent_required",
                                          "unsupported_token_type"};
    for (std::size_t i = 0; i < std::size(names); ++i)
        if (names[i] == error) return static_cast<provider_error_code>(i);
    return provider_error_code::other;
}

/** The errc a provider's error answer is reported as: one value for every
    code (the code itself is in provider_error). RFC 6749 §4.1.2.1, §5.2. */
constexpr errc provider_error_errc(provider_error_code) noexcept
{
    return errc::provider_error;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_PROVIDER_ERROR_HPP
