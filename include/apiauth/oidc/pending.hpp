// apiauth/oidc/pending.hpp — what one login keeps between the authorization request and the
// callback, and what its ID token must then show (OpenID Connect Core §3.1.2.1, §3.1.3.7).
// Small and free of Boost.URL and JOSE, so that authorization.hpp (which makes it) and
// id_token.hpp (which checks against it) share it.
#ifndef APIAUTH_OIDC_PENDING_HPP
#define APIAUTH_OIDC_PENDING_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** What the application keeps between the redirect and the callback, bound
    to the browser (an HttpOnly, SameSite=Lax cookie it seals, or its server
    session; RFC 6749 §10.12): each random value is 32 octets from the
    CSPRNG, base64url (43 characters); `max_age` and `acr_values` are the
    request's own, kept so that the ID token is checked against what was
    asked (expectation()). The random values are wiped on destruction. */
struct pending_authorization {
    std::string state;          ///< `state`: compared with the callback's (RFC 6749 §4.1.2, §10.12)
    std::string nonce;          ///< `nonce`: the ID token must carry it (OIDC Core §3.1.2.1); empty when not sent
    std::string code_verifier;  ///< PKCE code_verifier (RFC 7636 §4.1); empty when PKCE is off
    /// `max_age` as sent (OIDC Core §3.1.2.1): the ID token's auth_time must be no older; nullopt when not sent.
    std::optional<std::chrono::seconds> max_age{};
    /// `acr_values` as sent (OIDC Core §3.1.2.1), space-separated; empty when not sent.
    std::string acr_values{};

    pending_authorization() = default;
    /// A copy (both copies wipe their own values).
    pending_authorization(const pending_authorization&) = default;
    /// Takes `o`'s values.
    pending_authorization(pending_authorization&&) noexcept = default;
    /// Copies `o`'s values.
    pending_authorization& operator=(const pending_authorization&) = default;
    /// Takes `o`'s values.
    pending_authorization& operator=(pending_authorization&&) noexcept = default;
    /// Wipes state, nonce and code_verifier.
    ~pending_authorization()
    {
        crypto::wipe(state);
        crypto::wipe(nonce);
        crypto::wipe(code_verifier);
    }
};

/** What one login expects of its ID token: the values it sent and got.
    Views. Build it with expectation(pending, access_token) so that nothing
    the request asked for is forgotten. */
struct id_token_expectation {
    /// pending_authorization::nonce: when not empty, `nonce` must be present and equal (step 11).
    std::string_view nonce{};
    /// The access_token that came with the ID token: its `at_hash`, when present, must match
    /// (§3.1.3.8). Empty: not checked.
    std::string_view access_token{};
    /// The `max_age` sent in the request: `auth_time` must be present, not in the future and no
    /// older (step 13; auth_time_too_old).
    std::optional<std::chrono::seconds> max_age{};
    /// The `acr_values` sent in the request, space-separated: when not empty, `acr` must be
    /// present and one of them (step 12). `acr_values` is a voluntary request a provider may
    /// ignore: leave this empty to accept whatever it asserted, and read id_token::acr().
    std::string_view acr_values{};
};

/** The expectation of the login `p` started: its nonce, max_age and
    acr_values, and the `access_token` that came with the ID token (empty:
    at_hash not checked). Views into `p` and `access_token`.

    @par Example
    @code
    auto id = verifier.verify(tokens->id_token, oidc::expectation(pending, tokens->access_token));
    @endcode
    @par Specification OpenID Connect Core §3.1.3.7 steps 11-13, §3.1.3.8.
*/
inline id_token_expectation expectation(const pending_authorization& p, std::string_view access_token = {}) noexcept
{
    return {.nonce = p.nonce, .access_token = access_token, .max_age = p.max_age, .acr_values = p.acr_values};
}

/// Not from a temporary: the expectation would view into it after it is gone.
id_token_expectation expectation(pending_authorization&&, std::string_view = {}) = delete;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_PENDING_HPP
