// apiauth/api_key/options.hpp — the verification policy of API keys (allow-list, leeway, clock,
// legacy pairs).
#ifndef APIAUTH_API_KEY_OPTIONS_HPP
#define APIAUTH_API_KEY_OPTIONS_HPP

#include <apiauth/config.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/// The largest api_key_options::leeway: a day. A larger one is invalid_configuration.
inline constexpr std::chrono::seconds max_api_key_leeway{86400};

/** The verification policy. Designated initializers:
    `{.prefixes = allowed, .leeway = 30s}`.
*/
struct api_key_options {
    /// The allow-list of prefixes (research/api-keys.md §8.5 step 3), compared exactly.
    /// Viewed, not copied: keep the array alive.
    std::span<const std::string_view> prefixes{};
    /// Clock skew tolerated on not_before and expires_at. Not negative, at most
    /// max_api_key_leeway (else invalid_configuration).
    std::chrono::seconds leeway{0};
    /// The time to verify at. By default the system clock, read at most once per call, at
    /// CLOCK_REALTIME_COARSE resolution on Linux (a few ms; record times are whole seconds).
    std::optional<std::chrono::system_clock::time_point> now{};
    /// Accept imported Stormpath pairs on the pair (Basic) path. Off: such a pair is malformed.
    bool accept_stormpath = false;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_OPTIONS_HPP
