// apiauth/oauth2/introspection.hpp — the token introspection endpoint (RFC 7662) for the access
// tokens of oauth2/access_token.hpp.
#ifndef APIAUTH_OAUTH2_INTROSPECTION_HPP
#define APIAUTH_OAUTH2_INTROSPECTION_HPP

#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/json.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oauth2/token_key.hpp>
#include <apiauth/oauth2/token_request.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** Who may introspect (RFC 7662 §2.1: "the endpoint MUST also require some form of
    authorization"; §4: a client may be limited to some tokens). */
struct introspection_options {
    /// A scope the calling client's API key record must hold to introspect at all
    /// (unauthorized_client otherwise). Empty: any client that authenticates.
    std::string required_scope{};
    /// Answer only for tokens issued to the calling client; any other token is inactive
    /// to it (§2.2: "not allowed to introspect this particular token").
    bool own_tokens_only = false;
    /// A token whose API key (its `sub`) is no longer in the store or no longer accepted by
    /// token_endpoint_options::keys (check_token_key: disabled, expired, prefix retired) is
    /// inactive, as authenticate_api with api_auth_config::check_token_key refuses it. One
    /// more store lookup per request; a store failure fails closed.
    bool check_token_key = false;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

// RFC 7662 §2.2: an inactive token gets `{"active":false}` and nothing else.
inline http::response inactive_response()
{
    http::response r(200);
    r.add("Content-Type", "application/json");
    add_no_store(r);
    r.body = R"({"active":false})";
    return r;
}

inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) noexcept
{
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** The introspection answer (RFC 7662 §2.2) for the outcome of `tokens.verify` on a token:
    200 with `Content-Type: application/json`, `Cache-Control: no-store`, `Pragma:
    no-cache`, and `{"active":true, "scope", "client_id", "token_type":"Bearer", "exp",
    "iat", "sub", "aud", "iss", "jti"}` for a verified token, `{"active":false}` and nothing
    else for any apiauth verification error. An error that says nothing about the token (a
    revocation store that cannot answer, store_unavailable; an error of another category)
    is returned as it is: fail closed, never "active" nor "inactive". For a resource server
    that introspects its own tokens, and for introspection_endpoint. Never throws.
    @par Specification RFC 7662 §2.2, §4.
*/
inline result<http::response> introspection_response(const result<verified_access_token>& token,
                                                     const access_token_verifier& tokens) noexcept
{
    try {
        if (!token) {
            const std::error_code e = token.error();
            if (e.category() != error_category() || e == errc::store_unavailable) return e;
            return apiauth::detail::oauth2::inactive_response();
        }
        using apiauth::detail::oauth2::unix_seconds;
        nlohmann::json j = {{"active", true},
                            {"client_id", std::string(token->client_id())},
                            {"token_type", "Bearer"},
                            {"exp", unix_seconds(token->expires_at())},
                            {"iat", unix_seconds(token->issued_at())},
                            {"sub", std::string(token->subject())},
                            {"iss", tokens.policy().issuer},
                            {"jti", std::string(token->jti())}};
        const std::string scope(token->scope());
        if (!scope.empty()) j["scope"] = scope;
        nlohmann::json aud = nlohmann::json::array();
        for (std::string_view a : token->audience()) aud.push_back(std::string(a));
        j["aud"] = aud.size() == 1 ? aud.front() : aud;
        auto body = apiauth::detail::dump_json(j);
        if (!body) return body.error();
        http::response r(200);
        r.add("Content-Type", "application/json");
        apiauth::detail::oauth2::add_no_store(r);
        r.body = std::move(*body);
        return r;
    } catch (const std::exception&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** The introspection endpoint (RFC 7662): read the request, authenticate the client with its
    API key pair, and say whether the access token it names is active, and what it carries.

    Refused requests get error_response at endpoint::introspection: the request errors of
    parse_token_operation_request, client authentication (401 invalid_client with a Basic
    challenge, case E91), a client without iopt.required_scope (400 unauthorized_client).
    Otherwise the answer is 200 with `Content-Type: application/json`, `Cache-Control:
    no-store`, `Pragma: no-cache`, and either `{"active":false}` and nothing else (§2.2: a
    token that does not verify, expired, revoked in `revoked`, not the caller's under
    own_tokens_only, or whose API key is no longer accepted under check_token_key; the
    reason is in `token_error`, never in the response) or `{"active": true, "scope",
    "client_id", "token_type":"Bearer", "exp", "iat", "sub", "aud", "iss", "jti"}` (§2.2
    members). `tokens` verifies every token this server issued, whatever its audience (a
    token minted for an RFC 8707 resource is active too): a resource server that
    introspects must check that `aud` names it. `revoked` is a revocation store; its outage
    is the store's error (fail closed: never "active"). Never throws.
    @par Specification RFC 7662 §2.1, §2.2, §2.3, §4; RFC 6749 §2.3.1.
*/
template <api_key_store Store, class Revocations>
endpoint_outcome introspection_endpoint(const http::request_view& req, const Store& store, const pepper_ring& ring,
                                        const access_token_verifier& tokens, const Revocations& revoked,
                                        const token_endpoint_options& opt = {},
                                        const introspection_options& iopt = {}) noexcept
{
    using apiauth::detail::oauth2::operation_failure;
    constexpr endpoint ep = endpoint::introspection;
    auto r = parse_token_operation_request(req, opt.request);
    if (!r) return operation_failure(r.error(), ep, opt);
    auto client = verify_api_key_pair(r->client_id(), r->client_secret(), store, ring, opt.keys);
    if (!client) return operation_failure(client.error(), ep, opt);
    const api_key_record& caller = *client->record();
    if (!iopt.required_scope.empty()) {
        bool allowed = false;
        for (const std::string& s : caller.scopes) allowed = allowed || s == iopt.required_scope;
        if (!allowed) return operation_failure(errc::unauthorized_client, ep, opt, client->record());
    }

    endpoint_outcome o;
    o.client = client->record();
    // Any audience: a token minted for an RFC 8707 resource is this issuer's too, and its
    // `aud` is in the answer for the resource to check (§2.2, §4).
    auto token = apiauth::detail::oauth2::access_token_access::verify_issued(tokens, r->token(), revoked);
    if (token && iopt.own_tokens_only && token->client_id() != r->client_id())
        token = result<verified_access_token>(errc::unauthorized_client);
    if (token && iopt.check_token_key) {
        if (auto k = check_token_key(store, *token, opt.keys); !k) token = result<verified_access_token>(k.error());
    }
    auto resp = introspection_response(token, tokens);  // never throws: a failure is its error
    if (!resp) return operation_failure(resp.error(), ep, opt, o.client);
    if (!token) o.token_error = token.error();
    o.response = std::move(*resp);
    return o;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_INTROSPECTION_HPP
