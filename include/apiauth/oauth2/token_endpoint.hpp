// apiauth/oauth2/token_endpoint.hpp — the token endpoint of the client credentials grant
// (RFC 6749 §4.4) with API key pairs as client credentials: request in, response out, no I/O
// but the store lookup, which an asynchronous server can do itself between two steps.
#ifndef APIAUTH_OAUTH2_TOKEN_ENDPOINT_HPP
#define APIAUTH_OAUTH2_TOKEN_ENDPOINT_HPP

#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/presented.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oauth2/token_request.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** A scope decision supplied by the application (Stormpath's `scopeFactory`): given the
    authenticated client's record and the requested scope, the scope tokens to grant, or an
    error (scope_not_allowed refuses with invalid_scope). Must not throw; if it does, the
    request fails with invalid_configuration (500). */
using scope_function =
    std::function<result<std::vector<std::string>>(const api_key_record& client, scope_view requested)>;

/** Which RFC 8707 resources a client may have tokens for, decided by the application: given
    the authenticated client's record and one requested resource (an absolute URI without a
    fragment, exactly as the client sent it), true to allow it. A refused resource is 400
    invalid_target (resource_not_allowed). Must not throw; if it does, the request fails with
    invalid_configuration (500). */
using resource_function = std::function<bool(const api_key_record& client, std::string_view resource)>;

/** Policy of the token endpoint. */
struct token_endpoint_options {
    token_request_options request{};  ///< how the request is read (bounds, client_secret_post, raw Basic)
    api_key_options keys{};           ///< which API keys are client credentials here (prefixes, leeway)
    /// What to do when a client asks for a scope its record does not allow (RFC 6749 §3.3).
    excess_scope on_excess_scope = excess_scope::refuse;
    /// Decides the granted scope instead of the record's `scopes` (then on_excess_scope is unused).
    scope_function scope{};
    /// The RFC 8707 resources this endpoint issues tokens for, each compared octet for octet
    /// with what the client sends (RFC 3986 §6.2.1). A request naming any other is refused
    /// (400 invalid_target, resource_not_allowed).
    ///
    /// When neither this, `resource`, `any_resource` nor the client's record says which
    /// resources a client may name, only the issuer's default audiences
    /// (access_token_options::audience) may be named: a client cannot get a token for another
    /// API that trusts this issuer by naming it.
    std::span<const std::string_view> resources{};
    /// Decides each requested resource per client (after `resources`, when both are set).
    resource_function resource{};
    /// Opt-in: with no other resource policy, any absolute URI a client names becomes its
    /// token's `aud`. Only for an authorization server whose every client may reach every
    /// API that trusts it.
    bool any_resource = false;
    error_response_options errors{};  ///< realm of the Basic challenge, whether errors are described
};

/** What the token endpoint decided: the response to send, and for logs and metrics why.

    `response` is complete (status, every header, body); send it as it is. The other
    members say what happened and are never sent: `error` is empty on success, else the
    precise code (an unknown client and a wrong secret differ here, not in `response`).
*/
struct token_outcome {
    http::response response;                       ///< what to send
    std::error_code error{};                       ///< why it failed; empty on success
    std::shared_ptr<const api_key_record> client;  ///< the authenticated client, when it authenticated
    /// The client's verifier under the current pepper, when its record's is older: store it
    /// (stores::store_rehash) so that the old pepper can be retired.
    std::optional<api_key_verifier> rehash{};
    std::optional<issued_access_token> token{};  ///< the token issued, on success
    std::string scope{};                         ///< the granted scope, space-separated, on success
};

/** A token request whose client key has been checked as far as possible without the store:
    the first of the two I/O-free steps of token_endpoint. key_id() is what the server looks
    up; finish_token_request takes the answer. Move-only; owns everything it needs (the
    request may go away while the store is awaited).
*/
class pending_token_request {
public:
    /// The key id to look up in the API key store.
    std::string_view key_id() const noexcept { return key_.key_id(); }
    /// The request as read.
    const token_request& request() const noexcept { return request_; }

private:
    friend result<pending_token_request> begin_token_request(const http::request_view&, const pepper_ring&,
                                                             const token_endpoint_options&) noexcept;
    friend token_outcome finish_token_request(const pending_token_request&,
                                              result<std::shared_ptr<const api_key_record>>, const pepper_ring&,
                                              const access_token_issuer&, const token_endpoint_options&) noexcept;
    pending_token_request(token_request r, presented_api_key k) noexcept : request_(std::move(r)), key_(std::move(k)) {}
    token_request request_;
    presented_api_key key_;
};

/** The first step of token_endpoint: read the request (parse_token_request), refuse a grant
    type other than client_credentials (unsupported_grant_type, before any key work), and check
    the client's key pair up to its lookup (present_api_key_pair: api_key_malformed,
    api_key_unknown_prefix, api_key_bad_checksum, …). No I/O, no exception. On an error, send
    `error_response(error, endpoint::token, opt.errors)`.
    @par Specification RFC 6749 §3.2, §4.4.2, §2.3.1; research/api-keys.md §8.5 steps 1–5.
*/
inline result<pending_token_request> begin_token_request(const http::request_view& req, const pepper_ring& ring,
                                                         const token_endpoint_options& opt) noexcept
{
    auto r = parse_token_request(req, opt.request);
    if (!r) return r.error();
    // RFC 6749 §4.4.2: grant_type "MUST be set to client_credentials" (case-sensitive, §1.9).
    if (r->grant_type() != "client_credentials") return errc::unsupported_grant_type;
    auto k = present_api_key_pair(r->client_id(), r->client_secret(), ring, opt.keys);
    if (!k) return k.error();
    return pending_token_request(std::move(*r), std::move(*k));
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {
using namespace apiauth::oauth2;

// The outcome of a refused token request: the error response, and why.
inline token_outcome token_failure(std::error_code ec, const token_endpoint_options& opt) noexcept
{
    token_outcome o;
    o.error = ec;
    try {
        o.response = error_response(ec, endpoint::token, opt.errors);
    } catch (const std::bad_alloc&) {
        o.response = http::response(500);  // no allocation: no field, no body
    }
    return o;
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** The second step: the store's answer for pending.key_id() (a record, a null pointer for
    "no such key", or the store's error), then the decision and the response.

    A store error fails closed (its own code: 500 server_error). Otherwise the key is
    verified (verify_presented_api_key: a missing record still costs the dummy MAC, and an
    unknown client and a wrong secret get byte-identical responses, case E87); the record's
    grant_types, when not empty, must hold client_credentials (unauthorized_client); each
    requested resource must be in the record's resources, in opt.resources and allowed by
    opt.resource, when they are set, and a record with resources must list every default
    audience of a request that names none; with none of them set (and not opt.any_resource)
    a requested resource must be one of the issuer's default audiences (invalid_target:
    resource_not_allowed); the scope
    is decided (opt.scope, else decide_scope against the record's scopes with
    opt.on_excess_scope); the token is issued
    with `sub` the key id, `client_id` the client_id the client authenticated with (RFC 9068
    §2.2, RFC 8693 §4.3), and `aud` the requested resources (RFC 8707) or the issuer's
    default; the response is token_response. Never throws.
    @par Specification RFC 6749 §3.3, §4.4.3, §5.1, §5.2; RFC 9068 §2.2, §3; RFC 8707 §2.
*/
inline token_outcome finish_token_request(const pending_token_request& pending,
                                          result<std::shared_ptr<const api_key_record>> found, const pepper_ring& ring,
                                          const access_token_issuer& issuer, const token_endpoint_options& opt) noexcept
{
    if (!found) return detail::oauth2::token_failure(found.error(), opt);
    auto v = verify_presented_api_key(pending.key_, std::move(*found), ring, opt.keys);
    if (!v) return detail::oauth2::token_failure(v.error(), opt);
    const api_key_record& client = *v->record();
    const token_request& req = pending.request_;
    // A refusal after the client authenticated still names it (for logs) and carries the
    // verifier to write back (rehash on use).
    const auto refuse = [&](std::error_code e) {
        auto f = detail::oauth2::token_failure(e, opt);
        f.client = v->record();
        f.rehash = v->rehash();
        return f;
    };

    if (!client.grant_types.empty()) {
        bool allowed = false;
        for (const std::string& g : client.grant_types) allowed = allowed || g == "client_credentials";
        if (!allowed) return refuse(errc::unauthorized_client);
    }

    // RFC 8707 §2: a resource that the client's record, the endpoint (opt.resources) or the
    // application (opt.resource) does not allow for this client is invalid_target, before any
    // scope is decided. A record with resources restricts the default audience too: a client
    // that names none gets it only if its record lists every default audience.
    if (!client.resources.empty()) {
        const auto listed = [&](std::string_view r) {
            return std::find(client.resources.begin(), client.resources.end(), r) != client.resources.end();
        };
        if (req.resources().empty()) {
            for (const std::string& a : issuer.options().audience)
                if (!listed(a)) return refuse(errc::resource_not_allowed);
        } else {
            for (const std::string_view r : req.resources())
                if (!listed(r)) return refuse(errc::resource_not_allowed);
        }
    }
    // No policy at all: only the issuer's default audiences (secure by default).
    if (!req.resources().empty() && client.resources.empty() && opt.resources.empty() && !opt.resource &&
        !opt.any_resource) {
        const std::vector<std::string>& defaults = issuer.options().audience;
        for (const std::string_view r : req.resources())
            if (std::find(defaults.begin(), defaults.end(), r) == defaults.end())
                return refuse(errc::resource_not_allowed);
    }
    if (!req.resources().empty() && (!opt.resources.empty() || opt.resource)) {
        std::error_code refused;
        try {
            for (const std::string_view r : req.resources()) {
                if (!opt.resources.empty() &&
                    std::find(opt.resources.begin(), opt.resources.end(), r) == opt.resources.end()) {
                    refused = errc::resource_not_allowed;
                    break;
                }
                if (opt.resource && !opt.resource(client, r)) {
                    refused = errc::resource_not_allowed;
                    break;
                }
            }
        } catch (...) {  // the application's resource function
            refused = errc::invalid_configuration;
        }
        if (refused) return refuse(refused);
    }

    token_outcome o;
    o.client = v->record();
    o.rehash = v->rehash();
    std::vector<std::string> decided;  // what opt.scope returned, kept alive for the views below
    // The granted tokens: views into the request, the record or `decided`. One vector per
    // thread, whose capacity stays (its views do not outlive this call).
    thread_local std::vector<std::string_view> granted;
    granted.clear();
    try {
        if (opt.scope) {
            result<std::vector<std::string>> s = opt.scope(client, req.scope());
            if (!s) return refuse(s.error());
            decided = std::move(*s);
            granted.clear();
            for (const std::string& t : decided) {
                if (!parse_scope(t) || t.empty() || t.find(' ') != std::string::npos)
                    return refuse(errc::invalid_configuration);
                granted.push_back(t);
            }
        } else {
            if (auto e = detail::oauth2::decide_scope_into(req.scope(), client.scopes, opt.on_excess_scope, granted))
                return refuse(e);
        }
        o.scope = join_scope(granted);

        const std::string_view key_id = pending.key_id();
        auto t = issuer.issue(
            {.subject = key_id, .client_id = req.client_id(), .scopes = granted, .audience = req.resources()});
        if (!t) return refuse(t.error());
        // The token is this library's JWS (a b64token) and every granted scope passed issue()'s
        // scope-token check: nothing for token_response to check again.
        auto resp = detail::oauth2::write_token_response(t->token, t->expires_in, scope_view(o.scope),
                                                         !detail::oauth2::same_scope(scope_view(o.scope), req.scope()));
        if (!resp) return refuse(resp.error());
        o.response = std::move(*resp);
        o.token.emplace(std::move(*t));
        return o;
    } catch (...) {  // std::bad_alloc, or the application's scope function; the client is still named
        return refuse(errc::invalid_configuration);
    }
}

/** The whole token endpoint of the client credentials grant in one call: begin_token_request,
    the store's lookup, finish_token_request. Send `outcome.response` as it is.

    @par Example
    @code
    auto out = apiauth::oauth2::token_endpoint(req, store, ring, issuer, {.keys = {.prefixes = allowed}});
    reply(out.response);   // 200 with the token, or the exact RFC 6749 §5.2 error
    @endcode
    @par Specification RFC 6749 §2.3.1, §3.2, §4.4, §5.1, §5.2; RFC 9068; RFC 8707.
*/
template <api_key_store Store>
token_outcome token_endpoint(const http::request_view& req, const Store& store, const pepper_ring& ring,
                             const access_token_issuer& issuer, const token_endpoint_options& opt = {}) noexcept
{
    auto p = begin_token_request(req, ring, opt);
    if (!p) return detail::oauth2::token_failure(p.error(), opt);
    return finish_token_request(*p, store.lookup(p->key_id()), ring, issuer, opt);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_TOKEN_ENDPOINT_HPP
