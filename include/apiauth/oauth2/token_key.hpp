// apiauth/oauth2/token_key.hpp — the API key an access token was issued to, still accepted:
// what Stormpath's SDKs checked on every Bearer request (research/stormpath-protocol.md §5.3),
// so that disabling a key stops its tokens at once instead of at their `exp`.
#ifndef APIAUTH_OAUTH2_TOKEN_KEY_HPP
#define APIAUTH_OAUTH2_TOKEN_KEY_HPP

#include <apiauth/api_key/detail/verify.hpp>
#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/oauth2/access_token.hpp>

#include <chrono>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** The record of the API key a verified access token was issued to, when that key is still
    accepted: its `sub` (the token endpoint writes the key id there) names a record in `store`
    whose key `opt` would accept now, the secret aside.

    Order: a policy that could accept no key (no prefix and no accept_stormpath, a leeway
    outside 0 to max_api_key_leeway: invalid_configuration); the store's error as it is (fail
    closed: store_unavailable is 503); no record, or one under another key id
    (token_key_unknown); a prefix `opt.prefixes` no longer lists, or a Stormpath record without
    opt.accept_stormpath (token_key_not_accepted); then the status, as verification checks it
    (api_key_status): token_key_revoked, token_key_not_yet_valid, token_key_expired. Each
    refusal is 401 invalid_token at a resource and "inactive" at introspection.

    authenticate_api runs it for api_auth_config::check_token_key, introspection_endpoint for
    introspection_options::check_token_key; a server that verifies tokens itself
    (access_token_verifier::verify, adapters::bearer_route) calls it after the verification.
    One store lookup; no allocation but the store's; never throws.
    @par Specification research/stormpath-protocol.md §5.3; research/api-keys.md §8.5 step 9.
*/
template <api_key_store Store>
result<std::shared_ptr<const api_key_record>> check_token_key(const Store& store, const verified_access_token& token,
                                                              const api_key_options& opt) noexcept
{
    if (auto e = apiauth::detail::check_key_policy(opt)) return e;
    const std::string_view id = token.subject();
    auto found = store.lookup(id);
    if (!found) return found.error();
    if (!*found || (*found)->key_id != id) return errc::token_key_unknown;
    const api_key_record& r = **found;
    const bool accepted = r.format == api_key_format::stormpath
                              ? opt.accept_stormpath
                              : apiauth::detail::prefix_allowed(opt.prefixes, r.prefix);
    if (!accepted) return errc::token_key_not_accepted;
    // api_key_status, whose leeway check_key_policy has made sure of.
    const std::error_code status = apiauth::detail::record_status(
        r, std::chrono::floor<std::chrono::seconds>(apiauth::detail::verification_time(opt)), opt.leeway);
    if (status == errc::api_key_revoked) return errc::token_key_revoked;
    if (status == errc::api_key_not_yet_valid) return errc::token_key_not_yet_valid;
    if (status == errc::api_key_expired) return errc::token_key_expired;
    return std::move(*found);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_TOKEN_KEY_HPP
