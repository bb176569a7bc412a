// apiauth/oidc/providers.hpp — presets for the social login providers Stormpath supported:
// Google and LinkedIn (OpenID Connect), GitHub and Facebook (OAuth 2.0 and a JSON API); see
// research/social-login.md §2. Provider facts change: re-check before relying on a preset.
#ifndef APIAUTH_OIDC_PROVIDERS_HPP
#define APIAUTH_OIDC_PROVIDERS_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/oidc/authorization.hpp>
#include <apiauth/oidc/detail/common.hpp>
#include <apiauth/oidc/id_token.hpp>
#include <apiauth/oidc/token.hpp>

#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/// Which provider (and so which userinfo shape) a preset or a profile is about.
enum class provider_id {
    google,    ///< OpenID Connect; userinfo as OIDC Core §5.3.2
    facebook,  ///< OAuth 2.0 + Graph API `/me` (id, name, email, picture.data.url)
    github,    ///< OAuth 2.0 + REST `/user` and `/user/emails`
    linkedin,  ///< OpenID Connect ("Sign In with LinkedIn using OpenID Connect")
    generic,   ///< any other OpenID Connect provider: OIDC Core §5.1 standard claims
};

/// The provider's name as written in a profile: "google", "facebook", "github", "linkedin", "oidc".
constexpr std::string_view to_string(provider_id p) noexcept
{
    switch (p) {
    case provider_id::google: return "google";
    case provider_id::facebook: return "facebook";
    case provider_id::github: return "github";
    case provider_id::linkedin: return "linkedin";
    case provider_id::generic: return "oidc";
    }
    return "oidc";
}

/** What the library knows about one provider (research/social-login.md §2.5): endpoints,
    default scope, and its quirks. Constant data; endpoints may also come from discovery. */
struct provider_preset {
    provider_id id;                           ///< which provider
    bool openid;                              ///< issues ID tokens (OpenID Connect); else OAuth 2.0 + userinfo only
    std::string_view issuer;                  ///< the issuer identifier; empty when not OpenID Connect
    std::string_view legacy_issuer;           ///< a second `iss` value the provider also uses (Google); usually empty
    std::string_view discovery;               ///< the metadata URL; empty when none is usable
    std::string_view authorization_endpoint;  ///< where the browser goes (RFC 6749 §3.1)
    std::string_view token_endpoint;          ///< where the code is exchanged (RFC 6749 §3.2)
    std::string_view userinfo_endpoint;       ///< the profile (OIDC Core §5.3, Graph `/me`, GitHub `/user`)
    std::string_view emails_endpoint;         ///< GitHub `/user/emails` (verified addresses); else empty
    std::string_view jwks_uri;                ///< the provider's keys; empty when not OpenID Connect
    std::string_view default_scope;           ///< scope to ask for a sign-in with a name and an email
    bool pkce;                                ///< send PKCE S256 (LinkedIn web apps: refused, research §2.4)
    bool nonce;                               ///< send a nonce and require it back in the ID token
    client_auth token_auth;                   ///< how the token endpoint authenticates the client
    bool form_token_response;                 ///< may answer the token request form-encoded (GitHub)
    bool appsecret_proof;                     ///< Graph API calls carry appsecret_proof (Facebook)
    jose::algorithm id_token_alg;             ///< the ID token algorithm (RS256 for all four)
};

/// Google (research §2.1): OpenID Connect, two issuer spellings, client_secret_basic or _post.
inline constexpr provider_preset google{
    .id = provider_id::google,
    .openid = true,
    .issuer = "https://accounts.google.com",
    .legacy_issuer = "accounts.google.com",
    .discovery = "https://accounts.google.com/.well-known/openid-configuration",
    .authorization_endpoint = "https://accounts.google.com/o/oauth2/v2/auth",
    .token_endpoint = "https://oauth2.googleapis.com/token",
    .userinfo_endpoint = "https://openidconnect.googleapis.com/v1/userinfo",
    .emails_endpoint = "",
    .jwks_uri = "https://www.googleapis.com/oauth2/v3/certs",
    .default_scope = "openid email profile",
    .pkce = true,
    .nonce = true,
    .token_auth = client_auth::client_secret_basic,
    .form_token_response = false,
    .appsecret_proof = false,
    .id_token_alg = jose::algorithm::rs256,
};

/// LinkedIn (research §2.4): OpenID Connect; secret in the body only; PKCE refused for web apps;
/// whether it echoes the nonce is unconfirmed, so none is sent.
inline constexpr provider_preset linkedin{
    .id = provider_id::linkedin,
    .openid = true,
    .issuer = "https://www.linkedin.com/oauth",
    .legacy_issuer = "",
    .discovery = "https://www.linkedin.com/oauth/.well-known/openid-configuration",
    .authorization_endpoint = "https://www.linkedin.com/oauth/v2/authorization",
    .token_endpoint = "https://www.linkedin.com/oauth/v2/accessToken",
    .userinfo_endpoint = "https://api.linkedin.com/v2/userinfo",
    .emails_endpoint = "",
    .jwks_uri = "https://www.linkedin.com/oauth/openid/jwks",
    .default_scope = "openid profile email",
    .pkce = false,
    .nonce = false,
    .token_auth = client_auth::client_secret_post,
    .form_token_response = false,
    .appsecret_proof = false,
    .id_token_alg = jose::algorithm::rs256,
};

/// GitHub (research §2.2): plain OAuth 2.0, no ID token; form-encoded token answer unless
/// `Accept: application/json` (which build_token_request sends); PKCE S256 optional.
inline constexpr provider_preset github{
    .id = provider_id::github,
    .openid = false,
    .issuer = "",
    .legacy_issuer = "",
    .discovery = "",
    .authorization_endpoint = "https://github.com/login/oauth/authorize",
    .token_endpoint = "https://github.com/login/oauth/access_token",
    .userinfo_endpoint = "https://api.github.com/user",
    .emails_endpoint = "https://api.github.com/user/emails",
    .jwks_uri = "",
    .default_scope = "read:user user:email",
    .pkce = true,
    .nonce = false,
    .token_auth = client_auth::client_secret_post,
    .form_token_response = true,
    .appsecret_proof = false,
    .id_token_alg = jose::algorithm::rs256,
};

/// Facebook classic login (research §2.3): OAuth 2.0 + Graph API, versioned paths (v19.0 here:
/// pin the version your app uses); Graph calls carry appsecret_proof.
inline constexpr provider_preset facebook{
    .id = provider_id::facebook,
    .openid = false,
    .issuer = "",
    .legacy_issuer = "",
    .discovery = "",
    .authorization_endpoint = "https://www.facebook.com/v19.0/dialog/oauth",
    .token_endpoint = "https://graph.facebook.com/v19.0/oauth/access_token",
    .userinfo_endpoint = "https://graph.facebook.com/v19.0/me?fields=id,name,email,picture",
    .emails_endpoint = "",
    .jwks_uri = "",
    .default_scope = "email public_profile",
    .pkce = true,
    .nonce = false,
    .token_auth = client_auth::client_secret_post,
    .form_token_response = false,
    .appsecret_proof = true,
    .id_token_alg = jose::algorithm::rs256,
};

/** The authorization_options of a sign-in with `p`: its endpoint, default
    scope, PKCE and nonce choices, for `client_id` and `redirect_uri` (views,
    which must outlive the options). Pass them to build_authorization_request. */
constexpr authorization_options authorization_for(const provider_preset& p, std::string_view client_id,
                                                  std::string_view redirect_uri) noexcept
{
    return {.authorization_endpoint = p.authorization_endpoint,
            .client_id = client_id,
            .redirect_uri = redirect_uri,
            .scope = p.default_scope,
            .pkce = p.pkce,
            .nonce = p.nonce};
}

/** The id_token_options for `p` and `client_id`: its issuer (and legacy
    spelling), its algorithm. Only for OpenID Connect presets: the issuer is
    empty otherwise, which id_token_verifier::make refuses. Allocates. */
inline id_token_options id_token_options_for(const provider_preset& p, std::string_view client_id)
{
    id_token_options o;
    o.issuer = std::string(p.issuer);
    if (!p.legacy_issuer.empty()) o.additional_issuers = std::string(p.legacy_issuer);
    o.client_id = std::string(client_id);
    o.algorithms = {p.id_token_alg};
    return o;
}

/** Facebook's appsecret_proof for a Graph API call: HMAC-SHA256 keyed with
    the app secret over the user access token, lower-case hex (64
    characters). Send it as the `appsecret_proof` parameter. Refuses an
    empty secret or token (invalid_configuration). Never throws.
    @par Specification Facebook Login security, "Verifying Graph API Calls with appsecret_proof". */
inline result<std::string> appsecret_proof(std::string_view app_secret, std::string_view access_token) noexcept
{
    if (app_secret.empty() || access_token.empty()) return errc::invalid_configuration;
    try {
        const crypto::hmac_key k(crypto::hash::sha256, app_secret);
        const crypto::digest_value d = k.compute(access_token);
        return detail::oidc::to_hex(d.span());
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_PROVIDERS_HPP
