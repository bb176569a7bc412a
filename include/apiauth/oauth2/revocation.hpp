// apiauth/oauth2/revocation.hpp — the token revocation endpoint (RFC 7009) for the access tokens
// of oauth2/access_token.hpp: a client revokes its own token until the token's expiry.
#ifndef APIAUTH_OAUTH2_REVOCATION_HPP
#define APIAUTH_OAUTH2_REVOCATION_HPP

#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oauth2/token_request.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <new>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

using namespace apiauth::oauth2;

// The outcome of a request refused at `ep`.
inline endpoint_outcome operation_failure(std::error_code ec, endpoint ep, const token_endpoint_options& opt,
                                          std::shared_ptr<const api_key_record> client = {}) noexcept
{
    endpoint_outcome o;
    o.error = ec;
    o.client = std::move(client);
    try {
        o.response = error_response(ec, ep, opt.errors);
    } catch (const std::bad_alloc&) {
        o.response = http::response(500);
    }
    return o;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** The revocation endpoint (RFC 7009): read the request, authenticate the client with its API
    key pair, and revoke the access token it names until that token's `exp` plus the leeway of
    `tokens` (verifiers accept a token until then, so the revocation must last as long).

    Refused requests get error_response at endpoint::revocation: the request errors of
    parse_token_operation_request (405 with `Allow: POST`, 400 invalid_request, 413), client
    authentication (401 invalid_client with a Basic challenge; an unknown client and a wrong
    secret alike), a token issued to another client (400 unauthorized_client: RFC 7009 §2.1
    "verifies whether the token was issued to the client making the revocation request"),
    a token the server could not verify (a moved-from verifier, a crypto or memory failure:
    5xx) and a revocation store that cannot record it (its error: the client must assume the
    token still works, §2.2.1). A token that does not verify — unknown, malformed, expired,
    signed by another key — is answered 200 all the same (§2.2: "invalid tokens do not cause
    an error response"); so is one revoked before (revoking is idempotent), and the
    token_type_hint is ignored (§2.1). Success is 200 with an empty body and
    `Cache-Control: no-store`. Never throws.

    `revoked` is a revocation store (stores/memory.hpp, or a shared one so that every server
    of a fleet refuses the token); `tokens` verifies the access tokens this server issued:
    every check but the audience, so that a token minted for any resource (RFC 8707) is
    revoked too. Give resource servers a leeway no larger than `tokens`'s.
    @par Specification RFC 7009 §2.1, §2.2, §2.2.1; RFC 6749 §2.3.1.
*/
template <api_key_store Store, class Revocations>
endpoint_outcome revocation_endpoint(const http::request_view& req, const Store& store, const pepper_ring& ring,
                                     const access_token_verifier& tokens, Revocations& revoked,
                                     const token_endpoint_options& opt = {}) noexcept
{
    using apiauth::detail::oauth2::operation_failure;
    constexpr endpoint ep = endpoint::revocation;
    auto r = parse_token_operation_request(req, opt.request);
    if (!r) return operation_failure(r.error(), ep, opt);
    auto client = verify_api_key_pair(r->client_id(), r->client_secret(), store, ring, opt.keys);
    if (!client) return operation_failure(client.error(), ep, opt);

    endpoint_outcome o;
    o.client = client->record();
    // Any audience: a token minted for an RFC 8707 resource is this issuer's too.
    auto token = apiauth::detail::oauth2::access_token_access::verify_issued(tokens, r->token());
    if (!token) {
        // A token that does not verify is answered 200 (§2.2); a server that could not verify
        // (a moved-from verifier, a crypto or memory failure) is not: the client must assume the
        // token still works (§2.2.1).
        if (http_status(token.error(), ep) >= 500) return operation_failure(token.error(), ep, opt, o.client);
        o.token_error = token.error();
    } else {
        if (token->client_id() != r->client_id())
            return operation_failure(errc::unauthorized_client, ep, opt, o.client);
        // Until verifiers stop accepting it: exp plus their leeway.
        const auto done = revoked.revoke(token->jti(), token->expires_at() + tokens.policy().leeway);
        if (!done) return operation_failure(done.error(), ep, opt, o.client);
    }
    try {
        o.response = http::response(200);
        o.response.add("Cache-Control", "no-store");
    } catch (const std::bad_alloc&) {
        o.response = http::response(200);
    }
    return o;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_REVOCATION_HPP
