// apiauth/apiauth.hpp — every public header of apiauth.
#ifndef APIAUTH_APIAUTH_HPP
#define APIAUTH_APIAUTH_HPP

#include <apiauth/error.hpp>
#include <apiauth/version.hpp>

#include <apiauth/encoding/base64.hpp>

#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/crypto/keys.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/crypto/signature.hpp>

#include <apiauth/http/basic.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>

#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include <apiauth/api_key.hpp>

#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oauth2/token_key.hpp>
#include <apiauth/oauth2/token_request.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <apiauth/authenticate.hpp>

#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/claims.hpp>
#include <apiauth/id_site/login_site.hpp>

#include <apiauth/oidc/oidc.hpp>

#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/cache.hpp>
#include <apiauth/stores/memory.hpp>
#include <apiauth/stores/nonce.hpp>

#endif  // APIAUTH_APIAUTH_HPP
