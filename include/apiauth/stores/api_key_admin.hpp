// apiauth/stores/api_key_admin.hpp — the API key lifecycle as store operations: create, get,
// list an owner's keys, disable / enable, delete, rotate with a grace period, rewrap under a new
// pepper, and the compare-and-set that stores a rehash. One concept (api_key_admin) that the
// memory, PostgreSQL and Redis stores model alike, and the functions an application calls on any
// of them (create_api_key, rotate_stored_api_key, rewrap_api_keys).
#ifndef APIAUTH_STORES_API_KEY_ADMIN_HPP
#define APIAUTH_STORES_API_KEY_ADMIN_HPP

#include <apiauth/api_key/generate.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/stormpath.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
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

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** Who performs a management operation: an owner, refused a key of another owner
    (key_owner_mismatch), or the operator, acting on any key (`any_owner`). */
using acting_owner = std::optional<std::string_view>;

/// The operator: a management operation on any owner's key (a CLI, an admin console).
inline constexpr std::nullopt_t any_owner = std::nullopt;

/** One key as a listing shows it: everything but the verifiers.

    Built from a record by make_api_key_listing; a secret or a MAC never
    appears in it, so a listing may be shown to the key's owner and logged.
*/
struct api_key_listing {
    std::string key_id;                                    ///< the public lookup handle
    std::string hint;                                      ///< api_key_hint(record), e.g. "acme_sk_1012345…"
    std::string prefix;                                    ///< the token's prefix ("" for a Stormpath key)
    api_key_format format = api_key_format::v1;            ///< v1, or an imported Stormpath pair
    std::string owner;                                     ///< the account or client the key belongs to
    std::string name;                                      ///< what the owner calls it
    std::vector<std::string> scopes;                       ///< what the key may do
    std::vector<std::string> grant_types;                  ///< grants it may use at the token endpoint (empty: all)
    std::vector<std::string> resources;                    ///< RFC 8707 resources it may have tokens for (empty: any)
    std::chrono::sys_seconds created_at{};                 ///< when it was made or imported
    std::optional<std::chrono::sys_seconds> not_before{};  ///< refused before this
    std::optional<std::chrono::sys_seconds> expires_at{};  ///< refused from this on
    std::optional<std::chrono::sys_seconds> revoked_at{};  ///< disabled since (none: enabled)
    std::optional<std::chrono::sys_seconds> previous_valid_until{};  ///< an older secret accepted until
    std::uint32_t pepper_version = 0;                                ///< the pepper of the current verifier
    bool wrapped = false;                                            ///< re-wrapped (wrap_api_key_record)

    /// Disabled (revoked_at set), whatever the time: enable() clears it.
    bool disabled() const noexcept { return revoked_at.has_value(); }
};

/// The listing of `r`: its fields but the verifiers. Throws std::bad_alloc only.
inline api_key_listing make_api_key_listing(const api_key_record& r)
{
    api_key_listing l;
    l.key_id = r.key_id;
    l.hint = api_key_hint(r);
    l.prefix = r.prefix;
    l.format = r.format;
    l.owner = r.owner;
    l.name = r.name;
    l.scopes = r.scopes;
    l.grant_types = r.grant_types;
    l.resources = r.resources;
    l.created_at = r.created_at;
    l.not_before = r.not_before;
    l.expires_at = r.expires_at;
    l.revoked_at = r.revoked_at;
    if (r.previous) l.previous_valid_until = r.previous->valid_until;
    l.pepper_version = r.verifier.pepper_version;
    l.wrapped = r.verifier.wrap_version.has_value();
    return l;
}

/** What a store refuses to keep, whatever its kind, so that every store
    holds the same records: an empty key id or one over 64 octets; an owner
    or a name over 256 octets; more than 64 scopes or grant types, or one
    that is empty, over 128 octets or holds an octet outside %x21-7E (RFC
    6749 §3.3 scope-token: stores keep a list as one space-separated
    string); more than 64 resources, or one that is empty, over 512 octets,
    holds an octet outside %x21-7E or is not an absolute URI (RFC 8707 §2,
    RFC 3986 §4.3: no fragment). Everything else of a record is kept as it is.
*/
struct api_key_record_bounds {
    static constexpr std::size_t max_key_id = 64;      ///< octets of a key id
    static constexpr std::size_t max_text = 256;       ///< octets of an owner or a name
    static constexpr std::size_t max_list = 64;        ///< scopes, grant types, or resources
    static constexpr std::size_t max_list_item = 128;  ///< octets of one scope or grant type
    static constexpr std::size_t max_resource = 512;   ///< octets of one resource (an absolute URI)
};

namespace detail {

inline bool storable_list(const std::vector<std::string>& v,
                          std::size_t max_item = api_key_record_bounds::max_list_item) noexcept
{
    if (v.size() > api_key_record_bounds::max_list) return false;
    for (const std::string& s : v) {
        if (s.empty() || s.size() > max_item) return false;
        for (const char c : s)
            if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
}

/* The text form of a record's fields that the database stores share (PostgreSQL, Redis). */

// The lowercase hex of a MAC (64 characters, no terminator).
inline std::array<char, 64> mac_hex(const std::array<std::byte, 32>& mac) noexcept
{
    static constexpr char digits[] = "0123456789abcdef";
    std::array<char, 64> t{};
    for (std::size_t i = 0; i < 32; ++i) {
        t[2 * i] = digits[std::to_integer<unsigned>(mac[i]) >> 4];
        t[2 * i + 1] = digits[std::to_integer<unsigned>(mac[i]) & 15];
    }
    return t;
}

// Exactly 64 hex digits into a MAC: lowercase only, or either case when `any_case`.
inline bool parse_mac_hex(std::string_view s, std::array<std::byte, 32>& out, bool any_case) noexcept
{
    if (s.size() != 64) return false;
    const auto nibble = [any_case](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (any_case && c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < 32; ++i) {
        const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::byte>(hi << 4 | lo);
    }
    return true;
}

// A space-separated list ("" is the empty list, check_storable keeps spaces out of items); an
// empty item (two spaces, a space at either end) is refused. The vector is sized once.
inline bool split_list(std::string_view s, std::vector<std::string>& out)
{
    out.clear();
    if (s.empty()) return true;
    out.reserve(static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1);
    for (;;) {
        const std::size_t sp = s.find(' ');
        const std::string_view item = s.substr(0, sp);
        if (item.empty()) return false;
        out.emplace_back(item);
        if (sp == std::string_view::npos) return true;
        s.remove_prefix(sp + 1);
        if (s.empty()) return false;
    }
}

// The items of `v` joined by single spaces.
inline std::string join_list(const std::vector<std::string>& v)
{
    std::size_t n = 0;
    for (const std::string& x : v) n += x.size() + 1;
    std::string s;
    s.reserve(n);
    for (const std::string& x : v) {
        if (!s.empty()) s += ' ';
        s += x;
    }
    return s;
}

/* A record rewrap() takes: a verifier under a pepper other than the current one, and neither
   verifier wrapped already (wrap_api_key_record wraps once; a wrapped record is rehashed on use). */
inline bool needs_rewrap(const api_key_record& r, const pepper_ring& ring) noexcept
{
    return r.verifier.pepper_version != ring.current_version() && !r.verifier.wrap_version &&
           !(r.previous && r.previous->verifier.wrap_version);
}

}  // namespace detail

/// invalid_configuration when a store may not keep `r` (api_key_record_bounds), else success.
inline result<void> check_storable(const api_key_record& r) noexcept
{
    if (r.key_id.empty() || r.key_id.size() > api_key_record_bounds::max_key_id ||
        r.owner.size() > api_key_record_bounds::max_text || r.name.size() > api_key_record_bounds::max_text ||
        !detail::storable_list(r.scopes) || !detail::storable_list(r.grant_types) ||
        !detail::storable_list(r.resources, api_key_record_bounds::max_resource))
        return errc::invalid_configuration;
    // A resource a request can name (RFC 8707 §2: an absolute URI, RFC 3986 §4.3, so no fragment),
    // by the same Boost.URL rule parse_token_request holds requests to: one that could never match
    // is refused when it is stored.
    for (const std::string& res : r.resources)
        if (!boost::urls::parse_absolute_uri(res).has_value()) return errc::invalid_configuration;
    return {};
}

/** The API key lifecycle, beside lookup (api_key_store): what a store of a fleet offers.

    Every operation is atomic with respect to every other on the same key and
    returns a store failure (no connection, timeout) as an error of its own,
    never as a result: store_unavailable, or the system error that caused it.
    - `create(r)`: keep `r` (check_storable first: invalid_configuration);
      key_conflict when its key id is taken (generate another key then).
    - `get(id, owner)`: the listing of one key; key_unknown when there is
      none, key_owner_mismatch when `owner` is given and differs.
    - `list(owner)`: the listings of an owner's keys, oldest first (created_at,
      then key id); an owner without keys is an empty list.
    - `disable(id, owner, when)`: revoked_at = when, or kept if earlier
      (idempotent); verification refuses the key from `when` (api_key_revoked).
    - `enable(id, owner)`: revoked_at cleared (idempotent).
    - `remove(id, owner)`: true when a record was deleted, false when there
      was none (idempotent); key_owner_mismatch for another owner's key.
    - `rotate(id, owner, replacement, old_until)`: in one step, keep
      `replacement` (a new key: key_conflict if its id is taken) and let the
      old key expire at min(its expires_at, old_until). Refused for an
      unknown key (key_unknown), another owner's (key_owner_mismatch), a
      disabled one (api_key_revoked: rotation must not re-enable a key), or a
      replacement whose owner differs from the old key's (invalid_configuration).
    - `replace_verifier(id, expected, replacement)`: compare-and-set of the
      current verifier (verified_api_key::rehash, rewrap): true when replaced,
      false when the key is gone or its verifier is no longer `expected`.
    - `rewrap(ring, batch)`: re-wrap (wrap_api_key_record) up to `batch`
      records whose verifier is neither under the ring's current pepper nor
      wrapped already; returns how many; 0 once none is left (key_conflict
      if the records it finds keep changing before it can replace them).
*/
// clang-format off
template <class S>
concept api_key_admin = api_key_store<S> &&
    requires(S& s, const api_key_record& r, std::string_view id, acting_owner owner,
             std::chrono::sys_seconds t, const api_key_verifier& v, const pepper_ring& ring, std::size_t n) {
    { s.create(r) } -> std::same_as<result<void>>;
    { s.get(id, owner) } -> std::same_as<result<api_key_listing>>;
    { s.list(id) } -> std::same_as<result<std::vector<api_key_listing>>>;
    { s.disable(id, owner, t) } -> std::same_as<result<void>>;
    { s.enable(id, owner) } -> std::same_as<result<void>>;
    { s.remove(id, owner) } -> std::same_as<result<bool>>;
    { s.rotate(id, owner, r, t) } -> std::same_as<result<void>>;
    { s.replace_verifier(id, v, v) } -> std::same_as<result<bool>>;
    { s.rewrap(ring, n) } -> std::same_as<result<std::size_t>>;
};
// clang-format on

/** What create_api_key makes: the key's prefix and the record's metadata. */
struct new_api_key {
    std::string_view prefix;                               ///< the token's prefix (api_key grammar)
    std::string_view owner;                                ///< the account or client it belongs to
    std::string_view name{};                               ///< what the owner calls it
    std::vector<std::string> scopes{};                     ///< what it may do
    std::vector<std::string> grant_types{};                ///< token-endpoint grants (empty: all)
    std::vector<std::string> resources{};                  ///< RFC 8707 resources for its tokens (empty: any)
    std::optional<std::chrono::seconds> lifetime{};        ///< expires_at = now + lifetime
    std::optional<std::chrono::sys_seconds> not_before{};  ///< refused before this
    /// created_at (and the start of lifetime); by default system_clock::now().
    std::optional<std::chrono::system_clock::time_point> now{};
};

namespace detail {

inline result<generated_api_key> generate_for(const new_api_key& spec, const pepper_ring& ring)
{
    auto g = generate_api_key(spec.prefix, ring, {.now = spec.now, .lifetime = spec.lifetime});
    if (!g) return g;
    g->record.owner.assign(spec.owner);
    g->record.name.assign(spec.name);
    g->record.scopes = spec.scopes;
    g->record.grant_types = spec.grant_types;
    g->record.resources = spec.resources;
    g->record.not_before = spec.not_before;
    if (auto c = check_storable(g->record); !c) return c.error();
    return g;
}

}  // namespace detail

/** Generate a key (generate_api_key) with `spec`'s metadata and keep it in `store`.

    The token is in the result, to be shown to the owner once; the store
    holds only its record. A key id that is taken (key_conflict, one chance
    in 62^16) is generated again, at most 3 times. Errors: those of
    generate_api_key and check_storable (invalid_configuration), and the
    store's. Throws std::bad_alloc only.

    @par Example
    @code
    auto k = apiauth::stores::create_api_key(db, {.prefix = "acme_sk", .owner = account_id,
                                                  .name = "ci deploy", .scopes = {"items:read"},
                                                  .lifetime = std::chrono::days(90)}, ring);
    if (!k) return fail(k.error());
    show_once(k->token.reveal());
    @endcode

    @par Specification research/api-keys.md §3.5, §8.4, §8.6.
*/
template <api_key_admin Store>
result<generated_api_key> create_api_key(Store& store, const new_api_key& spec, const pepper_ring& ring)
{
    for (int attempt = 0;; ++attempt) {
        auto g = detail::generate_for(spec, ring);
        if (!g) return g;
        const result<void> kept = store.create(g->record);
        if (kept) return g;
        if (kept.error() != make_error_code(errc::key_conflict) || attempt == 2) return kept.error();
    }
}

/** Rotate a stored key: a new key beside the old one, the old one expiring after `grace`.

    The new key copies the old key's prefix, owner, name, scopes, grant
    types, resources and remaining lifetime (none if the old one has no expiry), and is
    kept by store.rotate together with the old key's new expiry
    min(expires_at, now + grace) (now rounded up to the second, so the old
    key is accepted for at least `grace`), in one step. Clients move to the new token
    during the grace period; then the old one is refused (api_key_expired).
    Refused: a Stormpath key (invalid_configuration: it has no prefix to
    generate under), and the store's refusals (key_unknown,
    key_owner_mismatch, api_key_revoked). A grace of zero ends the old key
    at the next whole second.

    @par Specification research/api-keys.md §3.5 (rotation with overlap).
*/
template <api_key_admin Store>
result<generated_api_key> rotate_stored_api_key(Store& store, std::string_view key_id, acting_owner owner,
                                                const pepper_ring& ring, std::chrono::seconds grace,
                                                std::optional<std::chrono::system_clock::time_point> now = {})
{
    if (grace.count() < 0) return errc::invalid_configuration;
    auto old = store.get(key_id, owner);
    if (!old) return old.error();
    if (old->format != api_key_format::v1) return errc::invalid_configuration;
    const auto t = now ? *now : std::chrono::system_clock::now();
    const auto t_s = std::chrono::floor<std::chrono::seconds>(t);
    new_api_key spec{.prefix = old->prefix,
                     .owner = old->owner,
                     .name = old->name,
                     .scopes = old->scopes,
                     .grant_types = old->grant_types,
                     .resources = old->resources,
                     .not_before = old->not_before,
                     .now = t};
    if (old->expires_at) {
        if (*old->expires_at <= t_s) return errc::api_key_expired;
        spec.lifetime = *old->expires_at - t_s;
    }
    for (int attempt = 0;; ++attempt) {
        auto g = detail::generate_for(spec, ring);
        if (!g) return g;
        // Rounded up: the old key gets at least `grace` (record times are whole seconds).
        const result<void> kept =
            store.rotate(key_id, owner, g->record, std::chrono::ceil<std::chrono::seconds>(t) + grace);
        if (kept) return g;
        if (kept.error() != make_error_code(errc::key_conflict) || attempt == 2) return kept.error();
    }
}

/** Re-wrap every record of `store` that is under an old pepper, `batch` at a time.

    Calls store.rewrap(ring, batch) until it reports 0 and returns the total:
    for a pepper that leaked, every stored verifier is then keyed by the
    current pepper too, without any key (research/api-keys.md §3.3). Safe to
    run while servers verify: each record is replaced by compare-and-set.
    invalid_configuration for a batch of 0.
*/
template <api_key_admin Store>
result<std::size_t> rewrap_api_keys(Store& store, const pepper_ring& ring, std::size_t batch = 500)
{
    if (batch == 0 || ring.size() == 0) return errc::invalid_configuration;
    std::size_t total = 0;
    for (;;) {
        auto n = store.rewrap(ring, batch);
        if (!n) return n.error();
        if (*n == 0) return total;
        total += *n;
    }
}

/** Store the rehash of a key that verified, given as `record` and `rehash`: what authenticate_api's
    identity (authenticated::record(), authenticated::rehash()) or the token endpoint's outcome
    (token_outcome::client, token_outcome::rehash) give. Nothing to do without both; otherwise as
    the overload below. */
template <api_key_admin Store>
result<bool> store_rehash(Store& store, const std::shared_ptr<const api_key_record>& record,
                          const std::optional<api_key_verifier>& rehash)
{
    if (!rehash || !record) return false;
    return store.replace_verifier(record->key_id, record->verifier, *rehash);
}

/** Store the rehash a verification asks for (verified_api_key::needs_rehash), if any.

    A compare-and-set against the verifier the key matched, so that a
    rotation or disable that happened meanwhile is not undone. Returns
    whether the record was updated; a store failure is returned, and may be
    ignored: the key still verifies, and the next use tries again.
*/
template <api_key_admin Store> result<bool> store_rehash(Store& store, const verified_api_key& v)
{
    return store_rehash(store, v.record(), v.rehash());
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_API_KEY_ADMIN_HPP
