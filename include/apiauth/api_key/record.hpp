// apiauth/api_key/record.hpp — what a server keeps for an API key (never the key), the store
// concept verification looks records up through, and what a verification returns.
#ifndef APIAUTH_API_KEY_RECORD_HPP
#define APIAUTH_API_KEY_RECORD_HPP

#include <apiauth/api_key/format.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** A stored verifier: a MAC of the key under one pepper version.

    Not the key: it cannot be turned back into it, nor checked against a
    candidate key without the pepper. Compared in constant time only.
*/
struct api_key_verifier {
    /// HMAC-SHA-256(pepper[pepper_version], domain ‖ key); see hash_api_key.
    std::array<std::byte, 32> mac{};
    std::uint32_t pepper_version = 0;  ///< the pepper ring version the MAC was keyed with
    /// Set after wrap_api_key_record: mac = HMAC(pepper[*wrap_version], "apikey-wrap:" ‖ inner mac).
    std::optional<std::uint32_t> wrap_version{};
};

/// A verifier still accepted until a deadline: the secret before a rotation.
struct api_key_previous_verifier {
    api_key_verifier verifier{};             ///< the previous secret's verifier
    std::chrono::sys_seconds valid_until{};  ///< accepted while now < valid_until
};

/// Which grammar and MAC domain a record belongs to.
enum class api_key_format : std::uint8_t {
    v1,         ///< this library's format; MAC domain "apikey-v1:" ‖ token
    stormpath,  ///< an imported Stormpath pair; MAC domain "apikey-legacy:" ‖ id ":" secret
};

/** What a store keeps for one key: never the key itself.

    The key id is the store's unique lookup key. Timestamps are UTC seconds.
    @par Specification research/api-keys.md §8.4.
*/
struct api_key_record {
    std::string key_id;                          ///< 17 characters (v1) or 25 (stormpath): unique, public
    std::string prefix;                          ///< the token's prefix (empty for stormpath): checked at verification
    api_key_format format = api_key_format::v1;  ///< the key's format (v1, or imported Stormpath)
    api_key_verifier verifier{};                 ///< the stored MAC of the current secret
    std::optional<api_key_previous_verifier> previous{};   ///< secret rotation under the same id
    std::chrono::sys_seconds created_at{};                 ///< when the key was made (or imported)
    std::optional<std::chrono::sys_seconds> not_before{};  ///< refused before this (minus leeway)
    std::optional<std::chrono::sys_seconds> expires_at{};  ///< refused from this (plus leeway)
    std::optional<std::chrono::sys_seconds> revoked_at{};  ///< refused from this instant on
    std::vector<std::string> scopes{};  ///< what the key may do; the application decides what they mean
    std::string owner{};                ///< the account or client the key belongs to
    /// The grant types this key may use at the token endpoint (RFC 6749 §5.2
    /// unauthorized_client otherwise); empty: every grant the endpoint supports.
    std::vector<std::string> grant_types{};
    std::string name{};  ///< what the owner calls the key ("ci deploy"): shown in lists, never checked
    /// The RFC 8707 resources this key may have access tokens for at the token endpoint, each
    /// an absolute URI compared octet for octet with what the client names (400 invalid_target
    /// otherwise); a client that names none gets the default audience only if this lists all of
    /// it. Empty: any resource the endpoint allows. It restricts tokens only: the key itself,
    /// sent over Basic, is accepted by every API that takes API keys.
    std::vector<std::string> resources{};
};

/// The display hint of a record, e.g. "acme_sk_1012345…" (a stormpath record: "2ZFMV4…").
inline std::string api_key_hint(const api_key_record& r)
{
    std::string h;
    if (r.format == api_key_format::v1)
        h.append(r.prefix).append(1, '_').append(std::string_view(r.key_id).substr(0, 7));
    else
        h.append(std::string_view(r.key_id).substr(0, 6));
    return h.append(detail::ellipsis);
}

/** What verification needs from a store of API key records.

    `lookup(key_id)` returns the record with that key id, a null pointer if
    there is none, or an error if the store failed (which verification
    passes on: it is the server's failure, not the client's). It must not
    throw. A shared_ptr to an immutable record rather than DESIGN.md's
    `std::optional<api_key_record>`: copying the pointer is an atomic
    increment, copying a record allocates (its strings), and verification
    is allocation-free after warm-up. Writes (insert, revoke, rehash) are
    the store's own API; see stores/memory.hpp for a shape to copy.
*/
// clang-format off
template <class S>
concept api_key_store = requires(const S& s, std::string_view key_id) {
    { s.lookup(key_id) } noexcept -> std::same_as<result<std::shared_ptr<const api_key_record>>>;
};
// clang-format on

class verified_api_key;

namespace detail {
struct verified_api_key_access;
}

/** A key that verified: made only by the verification functions.

    record() is the store's record (shared, immutable). When the record's
    verifier is under a pepper that is no longer current (or wrapped),
    rehash() holds the verifier of the same key under the current pepper:
    write it back (compare-and-set against record->verifier) so that the
    old pepper can be retired (research/api-keys.md §3.3, "rehash on use").
*/
class verified_api_key {
public:
    /// The matching record, as the store returned it (shared, immutable).
    const std::shared_ptr<const api_key_record>& record() const noexcept { return record_; }
    /// The key matched the previous verifier, within its deadline (rotation grace period).
    bool matched_previous() const noexcept { return matched_previous_; }
    /// A verifier under the current pepper, when the record's is older: store it.
    const std::optional<api_key_verifier>& rehash() const noexcept { return rehash_; }
    /// True when the store should replace the record's verifier with rehash().
    bool needs_rehash() const noexcept { return rehash_.has_value(); }

private:
    friend struct detail::verified_api_key_access;
    verified_api_key() = default;
    std::shared_ptr<const api_key_record> record_;
    bool matched_previous_ = false;
    std::optional<api_key_verifier> rehash_{};
};

namespace detail {
// The one way to make a verified_api_key: used by the verification in api_key/detail/verify.hpp only.
struct verified_api_key_access {
    static verified_api_key make(std::shared_ptr<const api_key_record> record, bool matched_previous,
                                 std::optional<api_key_verifier> rehash) noexcept
    {
        verified_api_key v;
        v.record_ = std::move(record);
        v.matched_previous_ = matched_previous;
        v.rehash_ = rehash;
        return v;
    }
    // The record, moved out of `v` (authenticate_api keeps it in the identity it returns: no
    // second reference count to take and drop).
    static std::shared_ptr<const api_key_record> take_record(verified_api_key& v) noexcept
    {
        return std::move(v.record_);
    }
};
}  // namespace detail
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_RECORD_HPP
