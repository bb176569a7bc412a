// apiauth/api_key.hpp — API keys: format, generation, stored verifiers, verification.
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
//
// The same key may be presented whole (X-API-Key, a bearer credential: verify_api_key) or as a
// pair (HTTP Basic user-id/password, OAuth 2.0 client_id/client_secret: verify_api_key_pair,
// verify_basic_api_key). The pair is the token cut at its last '_' but one:
//
//     client-id     = prefix "_" version keyid     ; public: the hint, the logs
//     client-secret = secret checksum              ; exactly 49 B62
//     token         = client-id "_" client-secret
//
// so the verifier and the checksum are those of the single string; the server rebuilds the token
// on the stack (no allocation). Legacy Stormpath pairs (25-character id, 43-character base64
// secret) can be imported and are verified on the pair path only (api_key_options::accept_stormpath).
#ifndef APIAUTH_API_KEY_HPP
#define APIAUTH_API_KEY_HPP

#include <apiauth/crypto/hmac.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/base62.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/crc32.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/request.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <time.h>

namespace apiauth {

/// Shortest and longest token of format version 1 (prefix of 1 and 32 characters).
inline constexpr std::size_t api_key_min_size = 69;
inline constexpr std::size_t api_key_max_size = 100;
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
    secret_api_key(secret_api_key&& o) noexcept : size_(o.size_)
    {
        std::memcpy(buf_.data(), o.buf_.data(), size_);
        o.clear();
    }
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
    std::size_t size() const noexcept { return size_; }
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

/** A stored verifier: a MAC of the key under one pepper version.

    Not the key: it cannot be turned back into it, nor checked against a
    candidate key without the pepper. Compared in constant time only.
*/
struct api_key_verifier {
    /// HMAC-SHA-256(pepper[pepper_version], domain ‖ key); see hash_api_key.
    std::array<std::byte, 32> mac{};
    std::uint32_t pepper_version = 0;
    /// Set after wrap_api_key_record: mac = HMAC(pepper[*wrap_version], "apikey-wrap:" ‖ inner mac).
    std::optional<std::uint32_t> wrap_version{};
};

/// A verifier still accepted until a deadline: the secret before a rotation.
struct api_key_previous_verifier {
    api_key_verifier verifier{};
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
    std::string key_id;  ///< 17 characters (v1) or 25 (stormpath): unique, public
    std::string prefix;  ///< the token's prefix (empty for stormpath): checked at verification
    api_key_format format = api_key_format::v1;
    api_key_verifier verifier{};
    std::optional<api_key_previous_verifier> previous{};  ///< secret rotation under the same id
    std::chrono::sys_seconds created_at{};
    std::optional<std::chrono::sys_seconds> not_before{};  ///< refused before this (minus leeway)
    std::optional<std::chrono::sys_seconds> expires_at{};  ///< refused from this (plus leeway)
    std::optional<std::chrono::sys_seconds> revoked_at{};  ///< refused from this instant on
    std::vector<std::string> scopes{};
    std::string owner{};
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

/// One pepper given to pepper_ring::make: a version number and at least 32 secret bytes.
struct pepper {
    std::uint32_t version = 0;
    std::span<const std::byte> key{};
};

/** The versioned server-side keys ("peppers") of the API key verifiers.

    Built once at startup by make(); then immutable and safe to share
    between threads. Each pepper is keyed once into an hmac_key, whose
    state is wiped on destruction; the ring keeps no other copy. There is
    no default pepper. Records under a version other than the current one
    still verify, and are reported for rehashing.

    @par Specification research/api-keys.md §3.3, §8.7; NIST SP 800-63B §5.1.2.2.
*/
class pepper_ring {
public:
    /// Shortest pepper accepted, in bytes.
    static constexpr std::size_t min_pepper_size = 32;

    /** A ring of `peppers` whose `current` version keys new verifiers.

        Refuses, with invalid_configuration: no pepper; a pepper shorter
        than 32 bytes; two peppers with one version; a `current` that is
        not among them. crypto_failure if OpenSSL cannot key an HMAC (EVP
        build). Throws std::bad_alloc only.
    */
    static result<pepper_ring> make(std::span<const pepper> peppers, std::uint32_t current)
    {
        if (peppers.empty()) return errc::invalid_configuration;
        bool has_current = false;
        for (std::size_t i = 0; i < peppers.size(); ++i) {
            if (peppers[i].key.size() < min_pepper_size) return errc::invalid_configuration;
            for (std::size_t j = 0; j < i; ++j)
                if (peppers[j].version == peppers[i].version) return errc::invalid_configuration;
            has_current = has_current || peppers[i].version == current;
        }
        if (!has_current) return errc::invalid_configuration;
        pepper_ring ring;
        ring.entries_.reserve(peppers.size());
        for (const pepper& p : peppers) {
            try {
                ring.entries_.push_back({p.version, crypto::hmac_key(crypto::hash::sha256, p.key)});
            } catch (const std::system_error& e) {
                return e.code();
            }
            if (p.version == current) ring.current_ = ring.entries_.size() - 1;
        }
        return ring;
    }

    static result<pepper_ring> make(std::initializer_list<pepper> peppers, std::uint32_t current)
    {
        return make(std::span<const pepper>(peppers.begin(), peppers.size()), current);
    }

    /// The version new verifiers are made under.
    std::uint32_t current_version() const noexcept { return entries_[current_].version; }
    /// The HMAC key of the current version.
    const crypto::hmac_key& current() const noexcept { return entries_[current_].key; }
    /// The HMAC key of `version`, or nullptr if the ring does not hold it.
    const crypto::hmac_key* find(std::uint32_t version) const noexcept
    {
        for (const entry& e : entries_)
            if (e.version == version) return &e.key;
        return nullptr;
    }
    /// Number of peppers (0 only for a moved-from ring).
    std::size_t size() const noexcept { return entries_.size(); }

private:
    pepper_ring() = default;
    struct entry {
        std::uint32_t version;
        crypto::hmac_key key;
    };
    std::vector<entry> entries_;
    std::size_t current_ = 0;
};

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

/** The verification policy. Designated initializers:
    `{.prefixes = allowed, .leeway = 30s}`.
*/
struct api_key_options {
    /// The allow-list of prefixes (research/api-keys.md §8.5 step 3), compared exactly.
    /// Viewed, not copied: keep the array alive.
    std::span<const std::string_view> prefixes{};
    /// Clock skew tolerated on not_before and expires_at. Not negative.
    std::chrono::seconds leeway{0};
    /// The time to verify at. By default the system clock, read at most once per call, at
    /// CLOCK_REALTIME_COARSE resolution on Linux (a few ms; record times are whole seconds).
    std::optional<std::chrono::system_clock::time_point> now{};
    /// Accept imported Stormpath pairs on the pair (Basic) path. Off: such a pair is malformed.
    bool accept_stormpath = false;
};

/** A key that verified.

    `record` is the store's record (shared, immutable). When the record's
    verifier is under a pepper that is no longer current (or wrapped),
    `rehash` holds the verifier of the same key under the current pepper:
    write it back (compare-and-set against record->verifier) so that the
    old pepper can be retired (research/api-keys.md §3.3, "rehash on use").
*/
struct verified_api_key {
    std::shared_ptr<const api_key_record> record;
    /// The key matched the previous verifier, within its deadline (rotation grace period).
    bool matched_previous = false;
    std::optional<api_key_verifier> rehash{};

    bool needs_rehash() const noexcept { return rehash.has_value(); }
};

namespace detail {

using mac32 = std::array<std::byte, 32>;

inline constexpr std::string_view domain_v1 = "apikey-v1:";
inline constexpr std::string_view domain_legacy = "apikey-legacy:";
inline constexpr std::string_view domain_wrap = "apikey-wrap:";

// Equality of two short public strings (key ids, prefixes) inline: 8-octet words,
// the last one overlapping, instead of a call to memcmp. Not for secrets: it
// returns at the first difference.
inline bool same_public(std::string_view a, std::string_view b) noexcept
{
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n < 8) {
        if (n < 4) {
            for (std::size_t i = 0; i < n; ++i)
                if (a[i] != b[i]) return false;
            return true;
        }
        std::uint32_t u, v, w, z;  // two words, overlapping when n < 8
        std::memcpy(&u, a.data(), 4);
        std::memcpy(&v, b.data(), 4);
        std::memcpy(&w, a.data() + n - 4, 4);
        std::memcpy(&z, b.data() + n - 4, 4);
        return u == v && w == z;
    }
    std::uint64_t x, y;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) return false;
    }
    std::memcpy(&x, a.data() + n - 8, 8);
    std::memcpy(&y, b.data() + n - 8, 8);
    return x == y;
}

// Compared against on a miss so that an unknown id costs what a wrong secret costs.
inline constexpr mac32 dummy_verifier{};

inline bool finish_mac(crypto::hmac_stream& s, mac32& out) noexcept
{
    const crypto::digest_value d = s.finish();
    if (d.size != out.size()) return false;  // only an OpenSSL failure in the EVP build
    std::memcpy(out.data(), d.bytes.data(), out.size());
    return true;
}

// The inner MAC of the credential presented, in its format's domain.
// A v1 key on its way through verification, in one stack buffer laid out as
//
//     16 zero octets | "apikey-v1:" | token | 4 spare octets
//
// so that (1) the MAC input "apikey-v1:" ‖ token is contiguous and hashed with
// one update (two updates, the domain then the token, cost ~10 ns more: the
// second re-buffers a partial block), and (2) the CRC-32 of the token's first
// n − 6 octets can be folded by the carry-less kernel in whole 16-octet blocks
// straight from the buffer: it starts k ≤ 15 zero octets before the domain,
// from a register that those zeros and the domain turn into the CRC's initial
// value (framed_crc_start), so no table is read at an address a secret octet
// selects. The spare octets take what a SIMD base64 block writes past the end.
// The token is wiped on destruction.
inline constexpr std::size_t frame_lead = 16;

class framed_key {
public:
    static constexpr std::size_t capacity = api_key_max_size + base64_avx2_overwrite;

    framed_key() noexcept
    {
        std::memset(buf_.data(), 0, frame_lead);
        std::memcpy(buf_.data() + frame_lead, domain_v1.data(), domain_v1.size());
    }
    framed_key(const framed_key&) = delete;
    framed_key& operator=(const framed_key&) = delete;
    ~framed_key() { wipe(token_data(), capacity); }

    /// Where the token goes (capacity octets); then set_size.
    char* token_data() noexcept { return buf_.data() + frame_lead + domain_v1.size(); }
    const char* token_data() const noexcept { return buf_.data() + frame_lead + domain_v1.size(); }
    void set_size(std::size_t n) noexcept { size_ = n; }
    void assign(std::string_view token) noexcept
    {
        std::memcpy(token_data(), token.data(), token.size());
        size_ = token.size();
    }

    std::string_view token() const noexcept { return {token_data(), size_}; }
    /// "apikey-v1:" ‖ token
    std::string_view mac_input() const noexcept { return {buf_.data() + frame_lead, domain_v1.size() + size_}; }
    /// CRC-32 of the token without its checksum; the token is at least 7 octets.
    std::uint32_t checksum_crc() const noexcept;

private:
    std::array<char, frame_lead + domain_v1.size() + capacity> buf_;
    std::size_t size_ = 0;
};

#if defined(APIAUTH_CRC32_CLMUL)
// framed_crc_start[k]: the register from which k zero octets and then "apikey-v1:"
// leave 0xFFFFFFFF, the CRC's initial value; found by running the table step
// backwards over the domain, then over the zeros (see crc32_zero_prefix).
inline constexpr std::array<std::uint32_t, 16> framed_crc_start = [] {
    const auto& t0 = crc32_tables[0];
    std::array<std::uint8_t, 256> index_of_top{};
    for (std::size_t i = 0; i < 256; ++i) index_of_top[t0[i] >> 24] = static_cast<std::uint8_t>(i);
    // One step backwards over octet b: the step was c' = t0[(c ^ b) & 0xFF] ^ (c >> 8).
    const auto back = [&](std::uint32_t c, unsigned char b) {
        const std::uint8_t i = index_of_top[c >> 24];
        return ((c ^ t0[i]) << 8) | static_cast<std::uint8_t>(i ^ b);
    };
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t j = domain_v1.size(); j-- > 0;) c = back(c, static_cast<unsigned char>(domain_v1[j]));
    std::array<std::uint32_t, 16> start{};
    for (std::size_t k = 0; k < start.size(); ++k) {
        start[k] = c;
        c = back(c, 0);
    }
    return start;
}();
#endif

inline std::uint32_t framed_key::checksum_crc() const noexcept
{
    const std::size_t m = size_ - 6;  // octets under the CRC
#if defined(APIAUTH_CRC32_CLMUL)
    const std::size_t span = domain_v1.size() + m;  // the domain and those octets
    if (span >= 64 && crc32_clmul_available()) {
        const std::size_t k = (16 - span % 16) % 16;
        return ~crc32_clmul(framed_crc_start[k], buf_.data() + frame_lead - k, k + span);
    }
#endif
    return crc32(std::string_view(token_data(), m));
}

struct v1_credential {
    std::string_view framed;  // "apikey-v1:" ‖ token
    bool mac(const crypto::hmac_key& k, mac32& out) const noexcept
    {
        crypto::hmac_stream s = k.begin();
        s.update(framed);
        return finish_mac(s, out);
    }
};

// The token's checksum against its CRC (§8.5 step 5; see key_checksum_matches).
inline bool framed_checksum_matches(const framed_key& f) noexcept
{
    const std::optional<std::uint32_t> stated = base62_decode6(f.token().substr(f.token().size() - 6));
    const std::uint32_t actual = f.checksum_crc();
    return stated && *stated == actual;
}

// A Stormpath pair's MAC input, "apikey-legacy:" ‖ id ":" secret, kept contiguous
// in the same way.
inline constexpr std::size_t framed_stormpath_size = domain_legacy.size() + 25 + 1 + 43;

struct stormpath_credential {
    std::string_view framed;  // "apikey-legacy:" ‖ id ":" secret
    bool mac(const crypto::hmac_key& k, mac32& out) const noexcept
    {
        crypto::hmac_stream s = k.begin();
        s.update(framed);
        return finish_mac(s, out);
    }
};

// `id` is 25 and `secret` 43 octets (checked by the caller); buf holds framed_stormpath_size.
inline std::string_view frame_stormpath(std::string_view id, std::string_view secret, char* buf) noexcept
{
    char* p = buf;
    std::memcpy(p, domain_legacy.data(), domain_legacy.size());
    p += domain_legacy.size();
    std::memcpy(p, id.data(), id.size());
    p += id.size();
    *p++ = ':';
    std::memcpy(p, secret.data(), secret.size());
    return {buf, domain_legacy.size() + id.size() + 1 + secret.size()};
}

inline bool wrap_mac(const crypto::hmac_key& k, const mac32& inner, mac32& out) noexcept
{
    crypto::hmac_stream s = k.begin();
    s.update(domain_wrap);
    s.update(std::span<const std::byte>(inner));
    return finish_mac(s, out);
}

// Stormpath ids: 25 × [0-9A-Z]; secrets: 43 characters of standard base64 with
// no padding whose last character has zero pad bits (exactly 32 bytes).
constexpr bool valid_stormpath_id(std::string_view id) noexcept
{
    if (id.size() != 25) return false;
    bool ok = true;
    for (const char c : id) ok &= (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    return ok;
}

constexpr bool valid_stormpath_secret(std::string_view s) noexcept
{
    if (s.size() != 43) return false;
    bool ok = true;
    for (const char c : s) ok &= base64_value_ct(c, '+', '/') != 0xFF;  // a secret: no table lookups
    return ok && (base64_value_ct(s[42], '+', '/') & 0x3) == 0;
}

// Test hooks: verification reports its checksum and MAC steps to an observer,
// and generation draws from a byte source. The public functions pass these
// no-op / CSPRNG defaults; only the tests pass others.
struct no_observer {
    void checksum() noexcept {}
    void mac() noexcept {}
};

struct csprng {
    result<void> operator()(std::span<std::byte> out) const noexcept { return crypto::random_bytes(out); }
};

struct api_key_access {
    static constexpr api_key_view view(std::string_view t) noexcept { return api_key_view(t); }
    static char* data(secret_api_key& s) noexcept { return s.buf_.data(); }
    static void set_size(secret_api_key& s, std::size_t n) noexcept { s.size_ = n; }
};

inline std::error_code check_policy(const pepper_ring& ring, const api_key_options& opt) noexcept
{
    if (ring.size() == 0 || opt.leeway.count() < 0 || (opt.prefixes.empty() && !opt.accept_stormpath))
        return errc::invalid_configuration;
    return {};
}

inline bool prefix_allowed(std::span<const std::string_view> allowed, std::string_view prefix) noexcept
{
    for (const std::string_view p : allowed)
        if (same_public(p, prefix)) return true;
    return false;
}

// The time verification runs at: the injected one, else the system clock read
// once. On Linux at CLOCK_REALTIME_COARSE resolution (the last tick, a few
// milliseconds; a third of the cost of a precise read): record timestamps are
// whole seconds.
inline std::chrono::system_clock::time_point verification_time(const api_key_options& opt) noexcept
{
    if (opt.now) return *opt.now;
#if defined(__linux__) && defined(CLOCK_REALTIME_COARSE)
    timespec ts{};
    if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
        return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
    return std::chrono::system_clock::now();
}

// The MAC of the presented credential under a stored verifier's pepper(s): the
// inner MAC under pepper_version (`inner` caches one, keyed by its version: a
// previous verifier usually shares the current one's pepper), then the wrap
// layer if the verifier was re-wrapped. The result is the verifier the store
// would hold for this credential: not secret, not wiped.
struct inner_mac {
    std::uint32_t version = 0;
    bool valid = false;
    mac32 mac;
};

template <class Credential, class Observer>
std::error_code verifier_mac(const api_key_verifier& v, const Credential& cred, const pepper_ring& ring,
                             inner_mac& inner, Observer& obs, mac32& out) noexcept
{
    const crypto::hmac_key* k = ring.find(v.pepper_version);
    const crypto::hmac_key* kw = v.wrap_version ? ring.find(*v.wrap_version) : nullptr;
    if (k == nullptr || (v.wrap_version && kw == nullptr)) return errc::api_key_unknown_pepper;  // fail closed
    if (!inner.valid || inner.version != v.pepper_version) {
        if (!cred.mac(*k, inner.mac)) return errc::crypto_failure;
        obs.mac();
        inner.version = v.pepper_version;
        inner.valid = true;
    }
    if (kw == nullptr) {
        out = inner.mac;
        return {};
    }
    if (!wrap_mac(*kw, inner.mac, out)) return errc::crypto_failure;
    obs.mac();
    return {};
}

// §8.5 steps 7 to 9 for a record the store returned: pepper, MAC, status.
template <class Credential, class Observer>
result<verified_api_key> check_record(std::shared_ptr<const api_key_record> rec, const Credential& cred,
                                      api_key_format format, std::string_view prefix, const pepper_ring& ring,
                                      const api_key_options& opt, Observer& obs) noexcept
{
    const api_key_record& r = *rec;
    std::chrono::system_clock::time_point clock{};
    bool have_clock = false;
    const auto now = [&]() noexcept {
        if (!have_clock) {
            clock = verification_time(opt);
            have_clock = true;
        }
        return clock;
    };

    // Step 8: the current verifier, then the previous one while its deadline lasts.
    // Both comparisons run when both apply (no early exit on the first match).
    inner_mac inner;
    mac32 m;
    if (auto e = verifier_mac(r.verifier, cred, ring, inner, obs, m)) return e;
    const bool current = crypto::equal_32(m, r.verifier.mac);
    bool previous = false;
    if (r.previous && now() < r.previous->valid_until) {
        if (auto e = verifier_mac(r.previous->verifier, cred, ring, inner, obs, m)) return e;
        previous = crypto::equal_32(m, r.previous->verifier.mac);
    }
    // A record of the other format can only match through a broken store: never accept it.
    if (!(current || previous) || r.format != format) return errc::api_key_bad_secret;

    // Step 9: status, only now that the caller has proved they hold the key (§3.4).
    if (r.revoked_at && *r.revoked_at <= now()) return errc::api_key_revoked;
    if (r.not_before && now() + opt.leeway < *r.not_before) return errc::api_key_not_yet_valid;
    if (r.expires_at && now() - opt.leeway >= *r.expires_at) return errc::api_key_expired;
    if (!same_public(r.prefix, prefix)) return errc::api_key_prefix_mismatch;

    verified_api_key out;
    out.matched_previous = !current;
    if (current && (r.verifier.pepper_version != ring.current_version() || r.verifier.wrap_version)) {
        api_key_verifier fresh;
        fresh.pepper_version = ring.current_version();
        if (!cred.mac(ring.current(), fresh.mac)) return errc::crypto_failure;
        obs.mac();
        out.rehash = fresh;
    }
    out.record = std::move(rec);
    return out;
}

// §8.5 step 6 on a miss: the work a found key costs — the reference to its
// record taken and dropped (a shared_ptr's two atomic read-modify-writes, here
// on a counter of this thread's), its MAC compared against a fixed dummy, and
// the clock read of its status check — done and thrown away, so that an
// unknown id answers in about the time of a known one.
template <class Credential, class Observer>
void dummy_mac(const Credential& cred, const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    thread_local std::atomic<long> references{0};
    references.fetch_add(1, std::memory_order_relaxed);
    mac32 m{};
    (void)cred.mac(ring.current(), m);
    obs.mac();
    // The results are discarded; the asm in equal_32 keeps the comparison, and
    // the clock is read through a call the compiler cannot remove.
    (void)crypto::equal_32(m, dummy_verifier);
    (void)verification_time(opt);
    references.fetch_sub(1, std::memory_order_acq_rel);
}

// §8.5 steps 3 to 9 for a framed token whose policy and structure (steps 1, 2) were checked.
template <api_key_store Store, class Observer>
result<verified_api_key> verify_well_formed(const framed_key& f, const Store& store, const pepper_ring& ring,
                                            const api_key_options& opt, Observer& obs) noexcept
{
    const api_key_view key = api_key_access::view(f.token());
    if (!prefix_allowed(opt.prefixes, key.prefix())) return errc::api_key_unknown_prefix;  // 3
    if (key.version() != '1') return errc::api_key_unsupported_version;                    // 4
    obs.checksum();                                                                        //
    if (!framed_checksum_matches(f)) return errc::api_key_bad_checksum;                    // 5
    result<std::shared_ptr<const api_key_record>> found = store.lookup(key.key_id());      // 6
    const v1_credential cred{f.mac_input()};
    if (!found || !*found) {
        dummy_mac(cred, ring, opt, obs);
        if (!found) return found.error();
        return errc::api_key_not_found;
    }
    return check_record(std::move(*found), cred, api_key_format::v1, key.prefix(), ring, opt, obs);  // 7-9
}

template <api_key_store Store, class Observer>
result<verified_api_key> verify_token(std::string_view token, const Store& store, const pepper_ring& ring,
                                      const api_key_options& opt, Observer& obs) noexcept
{
    if (auto e = check_policy(ring, opt)) return e;
    if (!well_formed_key(token)) return errc::api_key_malformed;  // 1, 2
    framed_key f;
    f.assign(token);
    return verify_well_formed(f, store, ring, opt, obs);
}

template <api_key_store Store, class Observer>
result<verified_api_key> verify_stormpath(std::string_view id, std::string_view secret, const Store& store,
                                          const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    if (!valid_stormpath_id(id) || !valid_stormpath_secret(secret)) return errc::api_key_malformed;
    result<std::shared_ptr<const api_key_record>> found = store.lookup(id);
    std::array<char, framed_stormpath_size> buf;
    const stormpath_credential cred{frame_stormpath(id, secret, buf.data())};
    struct wipe_on_exit {
        std::array<char, framed_stormpath_size>& b;
        ~wipe_on_exit() { detail::wipe(b.data(), b.size()); }
    } const wiper{buf};
    if (!found || !*found) {
        dummy_mac(cred, ring, opt, obs);
        if (!found) return found.error();
        return errc::api_key_not_found;
    }
    return check_record(std::move(*found), cred, api_key_format::stormpath, {}, ring, opt, obs);
}

template <api_key_store Store, class Observer>
result<verified_api_key> verify_pair(std::string_view id, std::string_view secret, const Store& store,
                                     const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    if (auto e = check_policy(ring, opt)) return e;
    if (opt.accept_stormpath && id.size() == 25 && secret.size() == 43)
        return verify_stormpath(id, secret, store, ring, opt, obs);
    // Only the canonical cut: the secret half is exactly secret ‖ checksum.
    if (secret.size() != api_key_client_secret_size || id.size() + 1 + secret.size() > api_key_max_size)
        return errc::api_key_malformed;
    framed_key f;
    char* t = f.token_data();
    std::memcpy(t, id.data(), id.size());
    t[id.size()] = '_';
    std::memcpy(t + id.size() + 1, secret.data(), secret.size());
    f.set_size(id.size() + 1 + secret.size());
    if (!well_formed_key(f.token())) return errc::api_key_malformed;
    return verify_well_formed(f, store, ring, opt, obs);
}

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

/** Options of generate_api_key and rotate_api_key. */
struct api_key_generate_options {
    /// created_at (and the start of `lifetime`); by default system_clock::now().
    std::optional<std::chrono::system_clock::time_point> now{};
    /// expires_at = now + lifetime. None: no expiry (research/api-keys.md §3.5 recommends one).
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
    if (opt.lifetime && opt.lifetime->count() <= 0) return errc::invalid_configuration;

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
    a non-positive lifetime (invalid_configuration); random_failure if the
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

inline result<api_key_view> parse_api_key(std::string_view token) noexcept
{
    if (!detail::well_formed_key(token)) return errc::api_key_malformed;
    const api_key_view key = detail::api_key_access::view(token);
    if (key.version() != '1') return errc::api_key_unsupported_version;
    if (!detail::key_checksum_matches(token)) return errc::api_key_bad_checksum;
    return key;
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

/** Verify an API key presented as one string (X-API-Key, a bearer credential).

    Steps, in this order, each stopping at its failure (research/api-keys.md
    §8.5): 1–2 the length and the structure read from the right
    (api_key_malformed); 3 the prefix allow-list (api_key_unknown_prefix);
    4 the version (api_key_unsupported_version); 5 the checksum
    (api_key_bad_checksum) — no store access before this point; 6 the store
    lookup by key id: on a miss the MAC is computed all the same and
    compared against a fixed dummy (api_key_not_found), a store error is
    returned as it is; 7 the record's pepper version(s) are in the ring
    (api_key_unknown_pepper, fail closed); 8 the constant-time comparison with
    the current verifier, then the previous one while now < its deadline
    (api_key_bad_secret); 9 status, only after a match: revoked_at ≤ now
    (api_key_revoked), not_before > now + leeway (api_key_not_yet_valid),
    expires_at ≤ now − leeway (api_key_expired), record prefix ≠ token prefix
    (api_key_prefix_mismatch). invalid_configuration for an empty allow-list
    (without accept_stormpath), a negative leeway or a moved-from ring.
    Every client failure maps to 401 (http_status), unknown id and wrong
    secret alike. No allocation (after the store's own warm-up); no
    exception; thread-safe if the store is.

    @par BNF
    @code
    token     = prefix "_" version keyid "_" secret checksum
    prefix    = label *( "_" label )            ; 1..32 chars total
    label     = LOWER *15( LOWER / DIGIT )
    version   = "1" ; keyid = 16 B62 ; secret = 43 B62 ; checksum = 6 B62
    @endcode

    @par Specification research/api-keys.md §8.1, §8.5.

    @see verify_api_key_pair, verify_basic_api_key, parse_api_key.
*/
template <api_key_store Store>
result<verified_api_key> verify_api_key(std::string_view token, const Store& store, const pepper_ring& ring,
                                        const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    return detail::verify_token(token, store, ring, opt, obs);
}

/** Verify an API key presented as a pair: Basic user-id and password, or
    OAuth 2.0 client_id and client_secret (after their form-decoding).

    For a v1 key the pair is `client_id = prefix "_" version keyid` and
    `client_secret = secret checksum` (exactly 49 characters; any other cut
    is api_key_malformed); the token `client_id "_" client_secret` is
    rebuilt in a stack buffer, wiped afterwards, and verified exactly as
    verify_api_key does. With opt.accept_stormpath, a pair of a 25-character
    id and a 43-character secret is an imported Stormpath key: structure
    (api_key_malformed), lookup (dummy MAC on a miss, api_key_not_found),
    MAC in the "apikey-legacy:" domain, status — the same steps 6 to 9.
    An empty secret is malformed: there is no optional secret.

    @par BNF
    @code
    client-id     = prefix "_" version keyid
    client-secret = secret checksum             ; 49 B62
    legacy-pair   = 25( DIGIT / UPPER ) , 43 base64 characters without "="
    @endcode

    @par Specification research/api-keys.md §8.5; research/stormpath-protocol.md §4; RFC 6749 §2.3.1.
*/
template <api_key_store Store>
result<verified_api_key> verify_api_key_pair(std::string_view client_id, std::string_view client_secret,
                                             const Store& store, const pepper_ring& ring,
                                             const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    return detail::verify_pair(client_id, client_secret, store, ring, opt, obs);
}

namespace detail {

// The Basic credentials of a request through the general path: extract_basic,
// octets, no token68 longer than the base64 of a 100-octet pair.
template <api_key_store Store, class Observer>
result<verified_api_key> verify_basic_general(const request_view& req, const Store& store, const pepper_ring& ring,
                                              const api_key_options& opt, Observer& obs) noexcept
{
    auto c = http::extract_basic(req, {.charset = http::charset_policy::octets,
                                       .allow_missing_padding = false,
                                       .max_token_size = base64::encoded_size(api_key_max_size)});
    if (!c) return c.error();
    return verify_pair(c->user_id(), c->password(), store, ring, opt, obs);
}

/// Room decode_basic_pair needs: the longest pair, plus the octets a SIMD block writes past its end.
inline constexpr std::size_t basic_pair_buffer_size = framed_key::capacity;

// The fast path's decoder: `field` is "Basic" (any case), one SP and the
// padded, canonical base64 (RFC 4648 §4) of 69..100 octets. Decodes into
// `out` and returns the octet count, or 0 when the field is not of exactly
// that form; the caller then takes the general path, which reports the error
// (or accepts a form this decoder does not, e.g. several SPs). Blocks of 32
// characters with encoding/'s AVX2 block decoder where the processor has it
// (`simd`), the rest four characters at a time with base64_value_ct: no table
// is indexed by a character of the secret, and neither loop ends early at a bad
// character (each tests its errors once, after it has run). Only this path is
// table-free: a field it declines goes to the general path's base64_decode.
inline std::size_t decode_basic_pair(std::string_view field, std::span<char, basic_pair_buffer_size> out,
                                     bool simd = true) noexcept
{
    constexpr std::size_t min_chars = base64::encoded_size(api_key_min_size);  // 92
    constexpr std::size_t max_chars = base64::encoded_size(api_key_max_size);  // 136
    if (field.size() < 6 + min_chars || field.size() > 6 + max_chars || field[5] != ' ' ||
        !detail::iequals(field.substr(0, 5), "Basic"))
        return 0;
    const std::string_view b64 = field.substr(6);
    if (b64.size() % 4 != 0) return 0;
    const auto value = [](unsigned char c) noexcept { return base64_value_ct(static_cast<char>(c), '+', '/'); };
    const auto* s = reinterpret_cast<const unsigned char*>(b64.data());
    const std::size_t pad = s[b64.size() - 1] != '=' ? 0 : s[b64.size() - 2] != '=' ? 1 : 2;
    const std::size_t full = b64.size() - (pad == 0 ? 0 : 4);  // characters in groups without '='
    const std::size_t n = full / 4 * 3 + (pad == 0 ? 0 : 3 - pad);
    if (n < api_key_min_size || n > api_key_max_size) return 0;
    unsigned bad = 0;
    std::size_t i = 0, w = 0;
#if defined(APIAUTH_BASE64_AVX2)
    if (simd && cpu_has_avx2()) {
        // Writes up to blocks·24 + 8 ≤ n + 8 octets: basic_pair_buffer_size has that room.
        const std::size_t blocks = full / base64_avx2_block_chars;
        if (!base64_decode_avx2(s, blocks, reinterpret_cast<unsigned char*>(out.data()), '+', '/')) return 0;
        i = blocks * base64_avx2_block_chars;
        w = blocks * base64_avx2_block_bytes;
    }
#else
    (void)simd;
#endif
    for (; i < full; i += 4, w += 3) {
        const unsigned a = value(s[i]), b = value(s[i + 1]), c = value(s[i + 2]), d = value(s[i + 3]);
        bad |= a | b | c | d;
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        out[w] = static_cast<char>(v >> 16);
        out[w + 1] = static_cast<char>(v >> 8);
        out[w + 2] = static_cast<char>(v);
    }
    if (pad != 0) {
        const unsigned a = value(s[i]), b = value(s[i + 1]), c = pad == 1 ? value(s[i + 2]) : 0;
        bad |= a | b | c;
        // RFC 4648 §3.5: the unused bits of the last character are zero.
        if ((pad == 1 ? c & 0x03 : b & 0x0F) != 0) bad |= 0x80;
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
        out[w] = static_cast<char>(v >> 16);
        if (pad == 1) out[w + 1] = static_cast<char>(v >> 8);
    }
    return (bad & 0x80) != 0 ? 0 : n;  // 0xFF marks a character outside the alphabet ('=' included)
}

}  // namespace detail

/** Verify the API key sent with HTTP Basic in a request's Authorization field.

    extract_basic (no field: no_credentials; two: duplicate_authorization;
    another scheme: unsupported_scheme; the base64 and Basic errors; a
    token68 longer than 136 characters, which no key pair needs, is
    basic_token_too_large), then verify_api_key_pair on the user-id and
    password, taken as octets (the key grammar admits ASCII only). No
    allocation: the decoded pair is kept in a stack buffer, wiped after use.

    Performance: the form every client sends — one field, "Basic", one SP,
    padded base64 of a v1 pair — is decoded in one pass straight into the
    buffer the token is rebuilt in, and verified if it then has the token's
    structure; anything else takes the general path above. The two paths
    give the same answer for every input (checked by fuzz_api_key).

    @par Example
    @code
    const std::string_view fields[] = {request_authorization_header};
    auto v = apiauth::verify_basic_api_key({.authorization = fields}, store, ring, {.prefixes = allowed});
    if (!v) return reply(apiauth::http_status(v.error()));  // 401 with a Basic challenge
    @endcode

    @par BNF
    @code
    credentials   = "Basic" 1*SP token68          ; token68 = base64 of user-pass (RFC 7617 §2)
    user-pass     = client-id ":" client-secret
    client-id     = prefix "_" version keyid
    client-secret = secret checksum                ; 49 B62
    @endcode

    @par Specification RFC 7617 §2; research/api-keys.md §8.5.
*/
template <api_key_store Store>
result<verified_api_key> verify_basic_api_key(const request_view& req, const Store& store, const pepper_ring& ring,
                                              const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    if (req.authorization.size() == 1) {
        // The pair is decoded straight into the buffer the token is verified from.
        detail::framed_key f;
        const std::span<char, detail::basic_pair_buffer_size> pair(f.token_data(), detail::basic_pair_buffer_size);
        if (const std::size_t n = detail::decode_basic_pair(req.authorization.front(), pair); n != 0) {
            // At the pair's cut the key's '_' goes back. A well-formed result has no other
            // ':' and no CTL, so the general path would split and rebuild it the same way.
            const bool cut = pair[n - 50] == ':';
            pair[n - 50] = '_';
            f.set_size(n);
            if (cut && detail::well_formed_key(f.token())) {
                if (auto e = detail::check_policy(ring, opt)) return e;
                return detail::verify_well_formed(f, store, ring, opt, obs);
            }
        }
    }
    return detail::verify_basic_general(req, store, ring, opt, obs);
}

}  // namespace apiauth

#endif  // APIAUTH_API_KEY_HPP
