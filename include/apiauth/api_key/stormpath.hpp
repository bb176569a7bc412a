// apiauth/api_key/stormpath.hpp — importing legacy Stormpath API key pairs
// (research/stormpath-protocol.md §4), which verify on the pair path of verify.hpp with
// api_key_options::accept_stormpath; and the emergency re-wrap of stored verifiers under a new
// pepper (research/api-keys.md §3.3), which needs no key holder either.
#ifndef APIAUTH_API_KEY_STORMPATH_HPP
#define APIAUTH_API_KEY_STORMPATH_HPP

#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <chrono>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** Import a legacy Stormpath API key pair so that it keeps working.

    The record (format stormpath, key id = the Stormpath id, no prefix)
    holds HMAC-SHA-256(pepper[current], "apikey-legacy:" ‖ id ":" secret),
    a domain no v1 token can reach. Such keys verify on the pair path only
    (verify_api_key_pair, verify_basic_api_key) with accept_stormpath set.
    A Stormpath key whose status was DISABLED should be imported with
    revoked_at set. Refuses (api_key_malformed) an id that is not 25
    characters of [0-9A-Z] or a secret that is not 43 characters of
    base64 without padding and with zero pad bits. Throws std::bad_alloc only.

    @par BNF
    @code
    id        = 25( DIGIT / UPPER )
    secret    = 42( ALPHA / DIGIT / "+" / "/" ) b64-last   ; base64 of 32 bytes, no "="
    @endcode

    @par Specification research/stormpath-protocol.md §4; research/api-keys.md §4.
*/
inline result<api_key_record> import_stormpath_api_key(std::string_view id, std::string_view secret,
                                                       const pepper_ring& ring, std::chrono::sys_seconds created_at)
{
    if (ring.size() == 0) return errc::invalid_configuration;
    if (!detail::valid_stormpath_id(id) || !detail::valid_stormpath_secret(secret)) return errc::api_key_malformed;
    api_key_record r;
    std::array<char, detail::framed_stormpath_size> framed;
    const bool maced = detail::stormpath_credential{detail::frame_stormpath(id, secret, framed.data())}.mac(
        ring.current(), r.verifier.mac);
    detail::wipe(framed.data(), framed.size());
    if (!maced) return errc::crypto_failure;
    r.verifier.pepper_version = ring.current_version();
    r.key_id.assign(id);
    r.format = api_key_format::stormpath;
    r.created_at = created_at;
    return r;
}

/** Re-wrap a record's verifiers under the ring's current pepper, without the key.

    Each verifier v becomes HMAC(pepper[current], "apikey-wrap:" ‖ v) with
    wrap_version = current: for a pepper that leaked, every stored row is
    protected again at once, no key holder involved; the old pepper stays
    in the ring for the inner layer until the rows are rehashed on use.
    Refuses a record already wrapped (invalid_configuration).

    @par Specification research/api-keys.md §3.3 (emergency re-wrap), §9.2.
*/
inline result<void> wrap_api_key_record(api_key_record& r, const pepper_ring& ring) noexcept
{
    if (ring.size() == 0 || r.verifier.wrap_version || (r.previous && r.previous->verifier.wrap_version))
        return errc::invalid_configuration;
    detail::mac32 a, b{};
    if (!detail::wrap_mac(ring.current(), r.verifier.mac, a)) return errc::crypto_failure;
    if (r.previous && !detail::wrap_mac(ring.current(), r.previous->verifier.mac, b)) return errc::crypto_failure;
    r.verifier.mac = a;
    r.verifier.wrap_version = ring.current_version();
    if (r.previous) {
        r.previous->verifier.mac = b;
        r.previous->verifier.wrap_version = ring.current_version();
    }
    return {};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_STORMPATH_HPP
