// apiauth/stores/nonce.hpp — the nonce_store concept: single-use identifiers with a lifetime,
// the replay protection of ID Site (research/stormpath-protocol.md §3).
#ifndef APIAUTH_STORES_NONCE_HPP
#define APIAUTH_STORES_NONCE_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** A store of single-use identifiers, each alive for a lifetime.

    - `issue(id, lifetime)` records `id` until now + lifetime. It returns
      true when the id was recorded, false when a live entry with that id is
      already held (nothing changes then: the caller decides whether that is
      a collision or a replay). An id that was consumed, or whose lifetime
      ended, is no longer held.
    - `consume(id)` returns true exactly once for an id that is held and
      alive, and removes it, atomically: of any number of concurrent
      consumers, in any number of processes sharing the store, one sees true.
      Every other call sees false.

    The application side of ID Site issues each request's `jti` and consumes
    the response's `irt`; the login site issues each request's `jti` when it
    first sees it, so that a second sight is refused (issue returns false).
    Both are noexcept and report an outage (a server down, a timeout, a full
    store) as an error, normally errc::store_unavailable: the flow then fails
    closed, never accepts. An id longer than max_id_size octets is refused
    (token_too_large), so memory per entry is bounded.
    stores::memory_nonce_store is one (one process); stores::redis_nonce_store
    (stores/redis.hpp) shares the ids between the processes of a fleet.
*/
// clang-format off
template <class S>
concept nonce_store = requires(S& s, std::string_view id, std::chrono::seconds lifetime) {
    { s.issue(id, lifetime) } noexcept -> std::same_as<result<bool>>;
    { s.consume(id) } noexcept -> std::same_as<result<bool>>;
};
// clang-format on

/// The longest id a nonce store keeps, in octets (apiauth's are 22; a UUID is 36).
inline constexpr std::size_t max_nonce_size = 256;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_NONCE_HPP
