// apiauth/api_key/generate.hpp — new keys and their records: generate_api_key, rotate_api_key,
// and the verifier or record of a key that exists already (hash_api_key, make_api_key_record).
#ifndef APIAUTH_API_KEY_GENERATE_HPP
#define APIAUTH_API_KEY_GENERATE_HPP

#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/base62.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/crc32.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

namespace detail {

// Test hook: generation draws from a byte source. The public functions pass
// this CSPRNG; only the tests pass others (see no_observer).

struct csprng {
    result<void> operator()(std::span<std::byte> out) const noexcept { return crypto::random_bytes(out); }
};

// research/api-keys.md §8.6 step 2: base62 characters from bytes by rejection
// sampling (a byte b < 248 = 4 × 62 gives b % 62; 248..255 are dropped), 72
// bytes at a time, refilled until `out` is full. A source that fails, or that
// yields no usable bytes in 16 refills (never, from a working CSPRNG: 8/256 per
// byte), is an error; `out` is then wiped and must not be used.
template <class ByteSource> result<void> fill_base62(ByteSource& source, std::span<char> out) noexcept
{
    std::array<std::byte, 72> bytes;
    std::size_t filled = 0;
    for (int round = 0; round < 16 && filled < out.size(); ++round) {
        if (const result<void> r = source(std::span<std::byte>(bytes)); !r) {
            detail::wipe(bytes.data(), bytes.size());
            detail::wipe(out.data(), out.size());
            return r.error();
        }
        for (const std::byte b : bytes) {
            const auto v = std::to_integer<unsigned>(b);
            if (v < 248 && filled < out.size()) out[filled++] = base62_digit(v % 62);
        }
    }
    detail::wipe(bytes.data(), bytes.size());
    if (filled < out.size()) {
        detail::wipe(out.data(), out.size());
        return errc::random_failure;
    }
    return {};
}

}  // namespace detail

/** A freshly generated key: the token, shown once, and what to store. */
struct generated_api_key {
    secret_api_key token;   ///< give to the owner once; never stored, never logged
    api_key_record record;  ///< insert into the store (on a duplicate key_id, generate again)
    std::string hint;       ///< api_key_hint(record): for lists and logs
};

/// The longest API key lifetime (api_key_generate_options::lifetime): 100 years. Beyond it,
/// created_at + lifetime could overflow (signed overflow); "never" is no lifetime at all.
inline constexpr std::chrono::seconds max_api_key_lifetime =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years(100));

/** Options of generate_api_key and rotate_api_key. */
struct api_key_generate_options {
    /// created_at (and the start of `lifetime`); by default system_clock::now().
    std::optional<std::chrono::system_clock::time_point> now{};
    /** expires_at = now + lifetime: positive and at most max_api_key_lifetime (100 years),
        invalid_configuration otherwise. None: no expiry (research/api-keys.md §3.5 recommends one). */
    std::optional<std::chrono::seconds> lifetime{};
};

namespace detail {

template <class ByteSource>
result<generated_api_key> generate_api_key(ByteSource&& source, std::string_view prefix,
                                           std::optional<std::string_view> key_id, const pepper_ring& ring,
                                           const api_key_generate_options& opt)
{
    if (!valid_key_prefix(prefix) || ring.size() == 0) return errc::invalid_configuration;
    if (key_id && (key_id->size() != api_key_id_size || (*key_id)[0] != '1' || !all_base62(*key_id)))
        return errc::invalid_configuration;
    if (opt.lifetime && (opt.lifetime->count() <= 0 || *opt.lifetime > max_api_key_lifetime))
        return errc::invalid_configuration;  // created_at + lifetime would overflow (seconds::max())

    generated_api_key g;
    char* t = api_key_access::data(g.token);
    const std::size_t n = prefix.size() + 68;
    std::memcpy(t, prefix.data(), prefix.size());
    t[n - 68] = '_';
    t[n - 50] = '_';
    std::array<char, 16 + 43> chars;  // keyid ‖ secret
    if (auto r = fill_base62(source, std::span<char>(chars)); !r) return r.error();
    if (key_id)
        std::memcpy(t + n - 67, key_id->data(), api_key_id_size);
    else {
        t[n - 67] = '1';
        std::memcpy(t + n - 66, chars.data(), 16);
    }
    std::memcpy(t + n - 49, chars.data() + 16, 43);
    detail::wipe(chars.data(), chars.size());
    const std::array<char, 6> crc = base62_encode6(crc32(std::string_view(t, n - 6)));
    std::memcpy(t + n - 6, crc.data(), crc.size());
    api_key_access::set_size(g.token, n);

    const std::string_view token = g.token.reveal();
    framed_key framed;
    framed.assign(token);
    if (!v1_credential{framed.mac_input()}.mac(ring.current(), g.record.verifier.mac)) return errc::crypto_failure;
    g.record.verifier.pepper_version = ring.current_version();
    const auto now = opt.now ? *opt.now : std::chrono::system_clock::now();
    g.record.key_id.assign(token.substr(n - 67, api_key_id_size));
    g.record.prefix.assign(prefix);
    g.record.format = api_key_format::v1;
    g.record.created_at = std::chrono::floor<std::chrono::seconds>(now);
    if (opt.lifetime) g.record.expires_at = g.record.created_at + *opt.lifetime;
    g.hint = api_key_hint(g.record);
    return g;
}

}  // namespace detail

/** Generate a new API key under `prefix`, with its record and hint.

    The 16 key-id and 43 secret characters come from OpenSSL's CSPRNG
    (RAND_bytes, reseeded in a child after fork()) by rejection sampling,
    with no modulo bias; the byte buffer is wiped. The verifier is made
    under the ring's current pepper. Refuses a prefix outside the grammar,
    a non-positive lifetime or one beyond max_api_key_lifetime (100 years)
    (invalid_configuration); random_failure if the
    generator fails (no token is returned then). No I/O: insert the record
    and, if its key_id is taken, generate again. Throws std::bad_alloc only.

    @par BNF
    @code
    prefix    = label *( "_" label )            ; 1..32 chars total
    label     = LOWER *15( LOWER / DIGIT )
    @endcode

    @par Specification research/api-keys.md §8.6, §6.2, §6.3.

    @see rotate_api_key, verify_api_key.
*/
inline result<generated_api_key> generate_api_key(std::string_view prefix, const pepper_ring& ring,
                                                  const api_key_generate_options& opt = {})
{
    return detail::generate_api_key(detail::csprng{}, prefix, std::nullopt, ring, opt);
}

/** Issue a new secret under the key id of `current` (rotation with overlap).

    The returned record is a copy of `current` with a new verifier and,
    as `previous`, the old verifier accepted until `previous_valid_until`;
    store it in place of `current`. Refuses a stormpath record or a record
    whose id or prefix is not of format v1 (invalid_configuration).
    Throws std::bad_alloc only.

    @par Specification research/api-keys.md §3.5 (Paddle model), §8.4.
*/
inline result<generated_api_key> rotate_api_key(const api_key_record& current, const pepper_ring& ring,
                                                std::chrono::sys_seconds previous_valid_until,
                                                const api_key_generate_options& opt = {})
{
    if (current.format != api_key_format::v1) return errc::invalid_configuration;
    auto g = detail::generate_api_key(detail::csprng{}, current.prefix, std::string_view(current.key_id), ring, opt);
    if (!g) return g;
    api_key_verifier fresh = g->record.verifier;
    const std::optional<std::chrono::sys_seconds> expires = g->record.expires_at;
    g->record = current;
    g->record.previous = api_key_previous_verifier{current.verifier, previous_valid_until};
    g->record.verifier = fresh;
    if (opt.lifetime) g->record.expires_at = expires;
    return g;
}

/** The verifier of `token` under the ring's current pepper.

    HMAC-SHA-256(pepper[current], "apikey-v1:" ‖ token), after parse_api_key
    (whose errors it returns: only well-formed keys with a valid checksum
    are hashed).

    @par Specification research/api-keys.md §8.2, §8.4; §9.2 vectors.
*/
inline result<api_key_verifier> hash_api_key(std::string_view token, const pepper_ring& ring) noexcept
{
    if (ring.size() == 0) return errc::invalid_configuration;
    auto key = parse_api_key(token);
    if (!key) return key.error();
    api_key_verifier v;
    detail::framed_key framed;
    framed.assign(token);
    if (!detail::v1_credential{framed.mac_input()}.mac(ring.current(), v.mac)) return errc::crypto_failure;
    v.pepper_version = ring.current_version();
    return v;
}

/** A record for an existing token (e.g. one generated elsewhere): key id,
    prefix and verifier under the current pepper; created_at as given.
    Errors as hash_api_key. Throws std::bad_alloc only. */
inline result<api_key_record> make_api_key_record(std::string_view token, const pepper_ring& ring,
                                                  std::chrono::sys_seconds created_at)
{
    auto v = hash_api_key(token, ring);
    if (!v) return v.error();
    const api_key_view key = detail::api_key_access::view(token);
    api_key_record r;
    r.key_id.assign(key.key_id());
    r.prefix.assign(key.prefix());
    r.format = api_key_format::v1;
    r.verifier = *v;
    r.created_at = created_at;
    return r;
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_GENERATE_HPP
