// apiauth/api_key/format.hpp — the API key string: its grammar, parse_api_key, and the type
// that holds a key in the clear.
//
// One key is one string (research/api-keys.md §8.1):
//
//     token     = prefix "_" version keyid "_" secret checksum
//     prefix    = label *( "_" label )            ; 1..32 chars total
//     label     = LOWER *15( LOWER / DIGIT )      ; 1..16 chars, starts with a letter
//     version   = B62                             ; "1" for this format
//     keyid     = 16 B62                          ; public, random
//     secret    = 43 B62                          ; secret, random (256.03 bits)
//     checksum  = 6 B62                           ; base62, zero-padded, of CRC-32(all preceding chars)
//     B62       = DIGIT / UPPER / LOWER           ; "0-9A-Za-z", valued 0..61
//
// e.g. acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y (75 characters;
// `acme_sk` is fictional). Examples for end users should fail the checksum on purpose, so that
// secret scanners stay quiet (§5.2), as this one does:
//
//     acme_sk_1AbCdEfGhIjKlMnOp_EXAMPLEexampleEXAMPLEexampleEXAMPLEexampleE000000
//
// It is parsed from the right by fixed widths, so '_' inside the prefix is harmless. The public
// key id is version ‖ keyid (17 characters): the store's lookup key, safe to log. The server
// keeps only a verifier, HMAC-SHA-256(pepper[v], "apikey-v1:" ‖ token), under a versioned pepper
// held outside the database (pepper_ring).
#ifndef APIAUTH_API_KEY_FORMAT_HPP
#define APIAUTH_API_KEY_FORMAT_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/base62.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/crc32.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/// Shortest and longest token of format version 1 (prefix of 1 and 32 characters).
inline constexpr std::size_t api_key_min_size = 69;
inline constexpr std::size_t api_key_max_size = 100;  ///< see api_key_min_size
/// Longest prefix (research/api-keys.md §8.1).
inline constexpr std::size_t api_key_prefix_max_size = 32;
/// Length of the public key id: version ‖ keyid.
inline constexpr std::size_t api_key_id_size = 17;
/// Length of the client-secret half of the pair form: secret ‖ checksum.
inline constexpr std::size_t api_key_client_secret_size = 49;

namespace detail {

struct api_key_access;

// Octet classes of the prefix grammar, table-driven and locale-free.
inline constexpr std::uint8_t kc_lower = 1;  // LOWER: may start a label
inline constexpr std::uint8_t kc_digit = 2;  // DIGIT: may follow inside a label

inline constexpr std::array<std::uint8_t, 256> key_prefix_chars = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kc_lower;
    for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = kc_digit;
    return t;
}();

// prefix = label *( "_" label ), 1..32 octets; label = LOWER *15( LOWER / DIGIT ).
constexpr bool valid_key_prefix(std::string_view p) noexcept
{
    if (p.empty() || p.size() > api_key_prefix_max_size) return false;
    std::size_t label = 0;  // octets in the current label
    for (const char c : p) {
        if (c == '_') {
            if (label == 0) return false;  // leading "_" or "__"
            label = 0;
            continue;
        }
        const std::uint8_t k = key_prefix_chars[static_cast<unsigned char>(c)];
        if (label == 0 ? k != kc_lower : k == 0) return false;
        if (++label > 16) return false;
    }
    return label != 0;  // no trailing "_"
}

// §8.5 steps 1 and 2: bound, then the structure read from the right by fixed widths.
constexpr bool well_formed_key(std::string_view t) noexcept
{
    const std::size_t n = t.size();
    if (n < api_key_min_size || n > api_key_max_size) return false;
    if (t[n - 68] != '_' || t[n - 50] != '_') return false;
    if (!all_base62(t.substr(n - 67, api_key_id_size)) || !all_base62(t.substr(n - 49, api_key_client_secret_size)))
        return false;
    return valid_key_prefix(t.substr(0, n - 68));
}

// §8.5 step 5: the CRC-32 of everything before the checksum equals the value of
// its six base62 digits. base62_decode6 works in 64 bits and refuses values of
// 2^32 and more, so each CRC has exactly one accepted spelling, its zero-padded
// encoding (§5.3: no alias such as crc + 2^32). Decoding rather than
// re-encoding lets the digits be read while the CRC is computed.
constexpr bool key_checksum_matches(std::string_view t) noexcept
{
    const std::optional<std::uint32_t> stated = base62_decode6(t.substr(t.size() - 6));
    const std::uint32_t actual = crc32(t.substr(0, t.size() - 6));
    return stated && *stated == actual;
}

inline constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // U+2026, UTF-8

}  // namespace detail

/** A parsed API key: views into the token the caller passed to parse_api_key.

    Ownership of the string is not transferred; the caller keeps the
    characters alive while the view is used. The token is well formed,
    of a supported version, and its checksum matches; nothing about a store,
    a pepper or an allow-list has been checked.
*/
class api_key_view {
public:
    /// The whole token.
    constexpr std::string_view token() const noexcept { return t_; }
    /// The prefix, e.g. "acme_sk".
    constexpr std::string_view prefix() const noexcept { return t_.substr(0, t_.size() - 68); }
    /// The format version character ('1').
    constexpr char version() const noexcept { return t_[t_.size() - 67]; }
    /// The public key id: version ‖ keyid, 17 characters. Safe to log.
    constexpr std::string_view key_id() const noexcept { return t_.substr(t_.size() - 67, api_key_id_size); }
    /// The 6-character checksum.
    constexpr std::string_view checksum() const noexcept { return t_.substr(t_.size() - 6); }
    /// The user-id (Basic) or client_id (OAuth) of the pair form: prefix "_" version keyid.
    constexpr std::string_view client_id() const noexcept { return t_.substr(0, t_.size() - 50); }
    /// The password (Basic) or client_secret (OAuth) of the pair form: secret ‖ checksum. Secret.
    constexpr std::string_view client_secret() const noexcept { return t_.substr(t_.size() - 49); }
    /// prefix "_" version keyid[0..6) "…", e.g. "acme_sk_1012345…": no secret bits (§3.5).
    std::string hint() const
    {
        std::string h(prefix());
        h.append(1, '_').append(key_id().substr(0, 7)).append(detail::ellipsis);
        return h;
    }

private:
    friend struct detail::api_key_access;
    constexpr explicit api_key_view(std::string_view t) noexcept : t_(t) {}
    std::string_view t_;
};

/** True if `prefix` follows the prefix grammar (lowercase labels joined by '_').

    For checking configuration at startup: an allow-list entry outside the
    grammar can never match a token.

    @par BNF
    @code
    prefix    = label *( "_" label )            ; 1..32 chars total
    label     = LOWER *15( LOWER / DIGIT )
    @endcode

    @par Specification research/api-keys.md §8.1.
*/
constexpr bool is_api_key_prefix(std::string_view prefix) noexcept
{
    return detail::valid_key_prefix(prefix);
}

/** Parse an API key and check its checksum, without any store or pepper.

    Checks, in this order, and stops at the first failure: the length
    (69..100 octets) and structure read from the right by fixed widths,
    every octet in its class (no trimming: whitespace, NUL, non-ASCII are
    refused) — api_key_malformed; the version character is "1" —
    api_key_unsupported_version; the CRC-32 of everything before the
    checksum equals the value of the last six characters, read as base62
    in 64 bits (so no other spelling of a CRC, e.g. crc + 2^32, passes) —
    api_key_bad_checksum. The prefix is not checked against an allow-list:
    verify_api_key does that, between structure and version.

    @par Example
    @code
    auto k = apiauth::parse_api_key("acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y");
    assert(k && k->prefix() == "acme_sk" && k->key_id() == "10123456789ABCDEF");
    @endcode

    @par BNF
    @code
    token     = prefix "_" version keyid "_" secret checksum
    version   = B62 ; keyid = 16 B62 ; secret = 43 B62 ; checksum = 6 B62
    @endcode

    @par Specification research/api-keys.md §8.1, §8.5 steps 1, 2, 4, 5.

    @see verify_api_key, is_api_key_prefix.
*/
inline result<api_key_view> parse_api_key(std::string_view token) noexcept;

/** An API key in the clear: the one time it exists outside its holder.

    Move-only. Stores up to 100 characters inline (no allocation) and
    overwrites them (detail::wipe) on destruction and when moved from.
    It cannot be streamed (operator<< is deleted), has no std::formatter
    and no conversion: the characters are reached only through reveal().
*/
class secret_api_key {
public:
    secret_api_key() noexcept = default;
    secret_api_key(const secret_api_key&) = delete;
    secret_api_key& operator=(const secret_api_key&) = delete;
    /// Takes over `o`'s key and wipes `o`.
    secret_api_key(secret_api_key&& o) noexcept : size_(o.size_)
    {
        std::memcpy(buf_.data(), o.buf_.data(), size_);
        o.clear();
    }
    /// Wipes this key, takes over `o`'s and wipes `o`.
    secret_api_key& operator=(secret_api_key&& o) noexcept
    {
        if (this != &o) {
            clear();
            std::memcpy(buf_.data(), o.buf_.data(), o.size_);
            size_ = o.size_;
            o.clear();
        }
        return *this;
    }
    ~secret_api_key() { clear(); }

    /// The token. Show it to its owner once; never log it.
    std::string_view reveal() const noexcept { return {buf_.data(), size_}; }
    /// The length of the key in characters.
    std::size_t size() const noexcept { return size_; }
    /// True if no key is held (after a move).
    bool empty() const noexcept { return size_ == 0; }

    friend std::ostream& operator<<(std::ostream&, const secret_api_key&) = delete;

private:
    friend struct detail::api_key_access;
    void clear() noexcept
    {
        detail::wipe(buf_.data(), buf_.size());
        size_ = 0;
    }
    std::array<char, api_key_max_size> buf_{};
    std::size_t size_ = 0;
};

namespace detail {

struct api_key_access {
    static constexpr api_key_view view(std::string_view t) noexcept { return api_key_view(t); }
    static char* data(secret_api_key& s) noexcept { return s.buf_.data(); }
    static void set_size(secret_api_key& s, std::size_t n) noexcept { s.size_ = n; }
};

}  // namespace detail

inline result<api_key_view> parse_api_key(std::string_view token) noexcept
{
    if (!detail::well_formed_key(token)) return errc::api_key_malformed;
    const api_key_view key = detail::api_key_access::view(token);
    if (key.version() != '1') return errc::api_key_unsupported_version;
    if (!detail::key_checksum_matches(token)) return errc::api_key_bad_checksum;
    return key;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_FORMAT_HPP
