// apiauth/adapters/route.hpp — what a protected route requires, and the decision for one request,
// independent of any HTTP stack: adapters/httplib.hpp and adapters/beast.hpp call it from their
// protect(); a server on another stack calls it with a request_view of its own.
#ifndef APIAUTH_ADAPTERS_ROUTE_HPP
#define APIAUTH_ADAPTERS_ROUTE_HPP

#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/token_cache.hpp>

#include <chrono>
#include <concepts>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters {

/** A reference to any api_key_store (stores::memory_api_key_store, the Redis and PostgreSQL
    stores, a store of the application's own), so that a route needs no template parameter.

    Holds a pointer: the store must outlive the reference (a temporary is refused at compile
    time). Lookups go through one indirect call, then to the store's own lookup; thread-safe
    if the store is. Models api_key_store itself.
*/
class api_key_store_ref {
public:
    /// A reference to `store`.
    template <api_key_store Store>
    requires(!std::same_as<Store, api_key_store_ref>) api_key_store_ref(const Store& store)
    noexcept  // NOLINT: implicit, for `.store = my_store`
        : store_(&store),
          lookup_([](const void* s, std::string_view id) noexcept { return static_cast<const Store*>(s)->lookup(id); })
    {
    }
    /// A temporary store would dangle.
    template <api_key_store Store>
    requires(!std::same_as<Store, api_key_store_ref>) api_key_store_ref(const Store&&)
    = delete;

    /// The store's lookup (research/api-keys.md §8.5 step 6).
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        return lookup_(store_, key_id);
    }

private:
    using lookup_function = result<std::shared_ptr<const api_key_record>> (*)(const void*, std::string_view) noexcept;
    const void* store_;
    lookup_function lookup_;
};

/** A read-only reference to an oauth2::revocation_store, or to none (the default).

    A route only asks whether a token's `jti` was revoked (RFC 7009 §2); revoke() through this
    reference is refused with std::errc::operation_not_permitted (it exists so that the
    reference models revocation_store and goes where one is expected). The store must outlive
    the reference. An unset reference says no token is revoked.
*/
class revocation_store_ref {
public:
    /// No store: nothing is revoked.
    revocation_store_ref() noexcept = default;
    /// A reference to `store`.
    template <oauth2::revocation_store Store>
    requires(!std::same_as<Store, revocation_store_ref>) revocation_store_ref(const Store& store)
    noexcept  // NOLINT: implicit, for `.revoked = my_store`
        : store_(&store), is_revoked_([](const void* s, std::string_view jti) noexcept {
              return static_cast<const Store*>(s)->is_revoked(jti);
          })
    {
    }
    /// A temporary store would dangle.
    template <oauth2::revocation_store Store>
    requires(!std::same_as<Store, revocation_store_ref>) revocation_store_ref(const Store&&)
    = delete;

    /// True when a store is referred to.
    explicit operator bool() const noexcept { return store_ != nullptr; }
    /// Whether `jti` was revoked; false without a store; the store's error if it cannot answer.
    result<bool> is_revoked(std::string_view jti) const noexcept
    {
        if (store_ == nullptr) return false;
        return is_revoked_(store_, jti);
    }
    /// Refused: a route does not revoke (std::errc::operation_not_permitted).
    result<void> revoke(std::string_view, std::chrono::sys_seconds) noexcept
    {
        return std::make_error_code(std::errc::operation_not_permitted);
    }

private:
    using is_revoked_function = result<bool> (*)(const void*, std::string_view) noexcept;
    const void* store_ = nullptr;
    is_revoked_function is_revoked_ = nullptr;
};

/** A route protected as authenticate_api protects it: an API key pair over Basic, a Bearer
    access token, and, when `issuer` is set, the token endpoint at config.token_endpoint_path.

    @par Example
    @code
    const std::string_view read[] = {"items:read"};
    const apiauth::adapters::api_route items{.config = cfg, .store = keys, .ring = ring,
                                             .tokens = verifier, .scopes = read};
    @endcode
*/
struct api_route {
    const api_auth_config& config;                        ///< realm, token endpoint path, Bearer methods
    api_key_store_ref store;                              ///< the API keys (Basic, token endpoint clients)
    const pepper_ring& ring;                              ///< the peppers of the stored verifiers
    const oauth2::access_token_verifier& tokens;          ///< how Bearer access tokens are verified
    std::span<const std::string_view> scopes{};           ///< every one is required (403 otherwise)
    const oauth2::access_token_issuer* issuer = nullptr;  ///< set: this route also answers token requests
    revocation_store_ref revoked{};                       ///< revoked tokens, when there is a store
};

/** A route that accepts a Bearer access token only (RFC 6750, RFC 9068), with the scopes it
    requires. Basic and every other scheme are "no credentials" here (401, Bearer challenge).
    It has no API key store, so it does not check that a token's API key is still enabled
    (api_auth_config::check_token_key): for that, use an api_route whose config turns Basic off
    and the check on, or call oauth2::check_token_key on the identity's token.

    @par Example
    @code
    const std::string_view write[] = {"items:write"};
    const apiauth::adapters::bearer_route items_write{.tokens = verifier, .scopes = write};
    @endcode
*/
struct bearer_route {
    const oauth2::access_token_verifier& tokens;  ///< how access tokens are verified
    std::span<const std::string_view> scopes{};   ///< every one is required (403 insufficient_scope)
    std::string_view realm = "api";               ///< the realm of the challenge (RFC 9110 §11.5)
    http::bearer_options bearer{};                ///< the methods of RFC 6750 §2 accepted (header only by default)
    revocation_store_ref revoked{};               ///< revoked tokens, when there is a store
};

/** A route that accepts an API key only: the pair over HTTP Basic (RFC 7617: `key_id:secret`,
    as verify_basic_api_key reads it) or the whole key in one `header` field (X-API-Key,
    verify_api_key), never both in one request.

    @par Example
    @code
    const std::string_view prefixes[] = {"acme_sk"};
    const apiauth::adapters::api_key_route reports{.store = keys, .ring = ring,
                                                   .keys = {.prefixes = prefixes}};
    @endcode
*/
struct api_key_route {
    api_key_store_ref store;                     ///< the API keys
    const pepper_ring& ring;                     ///< the peppers of the stored verifiers
    api_key_options keys{};                      ///< prefixes accepted (none: every request is 500), leeway
    std::span<const std::string_view> scopes{};  ///< every one must be in the key's record (403 otherwise)
    std::string_view realm = "api";              ///< the realm of the Basic challenge (RFC 7617 §2)
    std::string_view header = "X-API-Key";       ///< the field holding a whole key; empty: Basic only
};

/// The three kinds of route an adapter's protect() takes: api_route, bearer_route, api_key_route.
template <class R>
concept route_requirement =
    std::same_as<R, api_route> || std::same_as<R, bearer_route> || std::same_as<R, api_key_route>;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters {

// The answer of an API key route: the status of the error at a resource, and on a 401 the
// Basic challenge (RFC 9110 §15.5.2: a 401 carries one; RFC 7617 §2). No body: the RFC 6750
// §3.1 error codes describe Bearer requests.
inline auth_outcome api_key_failure(std::error_code ec, std::string_view realm) noexcept
{
    auth_outcome o;
    o.error = ec;
    o.method = auth_method::api_key;
    o.response.status = http_status(ec, endpoint::resource);
    if (o.response.status == 401) {
        try {
            auto c = http::write_basic_challenge(realm);
            if (!c) {
                o.response.status = 500;  // a realm with a control character: the server's mistake
                return o;
            }
            o.response.add("WWW-Authenticate", *c);
        } catch (const std::bad_alloc&) {
            o.response = http::response(500);
        }
    }
    return o;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters {

/** Decide a request at an api_route: exactly authenticate_api(req, route.config, …), whose
    comment gives the order and every answer (RFC 6750 §2, §3.1; RFC 7617 §2; RFC 6749 §4.4).
    Never throws. On success nothing is allocated for a header token or an API key.
*/
inline auth_outcome authenticate_route(const http::request_view& req, const api_route& route) noexcept
{
    return authenticate_api(req, route.config, route.store, route.ring, route.tokens, route.scopes, route.issuer,
                            route.revoked ? &route.revoked : nullptr);
}

/** Decide a request at a bearer_route: the Bearer step of authenticate_api, with the same
    answers (401 invalid_token, 400 invalid_request, 403 insufficient_scope with `scope`, 401
    with a bare Bearer challenge when there is no token, 413/431 over the bounds), and neither
    Basic nor a token endpoint. Never throws; a header token allocates nothing.
    @par Specification RFC 6750 §2, §3, §3.1; RFC 9068 §4; RFC 7009 §2.
*/
inline auth_outcome authenticate_route(const http::request_view& req, const bearer_route& route) noexcept
{
    api_auth_config cfg;  // what the Bearer step reads: the realm, the methods, and no Basic challenge
    cfg.realm = route.realm;
    cfg.allow_api_key_basic = false;
    cfg.bearer = route.bearer;
    return detail::bearer_outcome(
        req, cfg, detail::bearer::unchecked_header_token(req, route.bearer), route.scopes,
        [&](std::string_view value, oauth2::verified_access_token& out) noexcept {
            using detail::oauth2::access_token_access;
            return route.revoked ? access_token_access::verify_into(route.tokens, value, out, route.revoked)
                                 : access_token_access::verify_into(route.tokens, value, out);
        },
        [](const authenticated&) noexcept { return std::error_code(); });
}

/** Decide a request at an api_key_route. `api_key_lines` are the request's field lines named
    route.header, in order (an adapter collects them).

    One line: verify_api_key on its value. Otherwise the Authorization field as
    verify_basic_api_key reads it (RFC 7617 §2: `Basic` 1*SP token68 of `key_id:secret`).
    Refused before any lookup: two lines of route.header (duplicate_authorization, as two
    Authorization lines are) and a key in both places (multiple_client_authentication): 400.
    Every key failure, and no credentials, is 401 with `WWW-Authenticate: Basic realm="…",
    charset="UTF-8"`; a key without every scope of route.scopes is 403 (no challenge: Basic
    has no scope); a store that cannot answer, 503. No body. Never throws; allocates nothing
    on success.
    @par Specification RFC 7617 §2; RFC 9110 §11.6.1, §15.5.2; research/api-keys.md §8.5.
*/
inline auth_outcome authenticate_route(const http::request_view& req, const api_key_route& route,
                                       std::span<const std::string_view> api_key_lines) noexcept
{
    if (api_key_lines.size() > 1) return detail::adapters::api_key_failure(errc::duplicate_authorization, route.realm);
    if (!api_key_lines.empty() && !req.authorization.empty())
        return detail::adapters::api_key_failure(errc::multiple_client_authentication, route.realm);
    auto v = api_key_lines.empty() ? verify_basic_api_key(req, route.store, route.ring, route.keys)
                                   : verify_api_key(api_key_lines.front(), route.store, route.ring, route.keys);
    if (!v) return detail::adapters::api_key_failure(v.error(), route.realm);
    return detail::authenticated_access::key_outcome(std::move(*v), route.scopes, [&](std::string_view) noexcept {
        return detail::adapters::api_key_failure(errc::insufficient_scope, route.realm);
    });
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters

#endif  // APIAUTH_ADAPTERS_ROUTE_HPP
