// apiauth/oidc/oidc.hpp — the client side of OAuth 2.0 code flow + PKCE + OpenID Connect, I/O-free:
// the library builds each request (method, URL, headers, body) and judges each response; the
// application does the fetching. One header per step of the flow:
//
//   discovery.hpp      provider metadata (Discovery 1.0 §3, §4.3) and the JWKS fetch schedule
//   pending.hpp        what a login keeps until its callback, and what its ID token must show
//   authorization.hpp  state, nonce, PKCE verifier and the authorization URL (RFC 6749 §4.1.1, RFC 7636)
//   callback.hpp       the redirect back: state, iss (RFC 9207), error, code (RFC 6749 §4.1.2)
//   token.hpp          the code exchange, the refresh and their answer (RFC 6749 §4.1.3, §5.1, §5.2, §6)
//   id_token.hpp       ID token validation (OpenID Connect Core §3.1.3.7); a provider's JWKS read
//   refresh.hpp        a refreshed ID token checked against the original (OpenID Connect Core §12.2)
//   revocation.hpp     revoking a refresh or access token at the provider (RFC 7009)
//   providers.hpp      Google, LinkedIn, GitHub, Facebook presets; appsecret_proof
//   profile.hpp        one profile from each provider's user JSON
//   provider_error.hpp the provider's own error answers, typed
#ifndef APIAUTH_OIDC_OIDC_HPP
#define APIAUTH_OIDC_OIDC_HPP

#include <apiauth/oidc/authorization.hpp>
#include <apiauth/oidc/callback.hpp>
#include <apiauth/oidc/discovery.hpp>
#include <apiauth/oidc/id_token.hpp>
#include <apiauth/oidc/pending.hpp>
#include <apiauth/oidc/profile.hpp>
#include <apiauth/oidc/provider_error.hpp>
#include <apiauth/oidc/providers.hpp>
#include <apiauth/oidc/refresh.hpp>
#include <apiauth/oidc/revocation.hpp>
#include <apiauth/oidc/token.hpp>

#endif  // APIAUTH_OIDC_OIDC_HPP
