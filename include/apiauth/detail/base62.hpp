// apiauth/detail/base62.hpp — the base62 alphabet of API keys and the 6-character checksum encoding.
#ifndef APIAUTH_DETAIL_BASE62_HPP
#define APIAUTH_DETAIL_BASE62_HPP

#include <apiauth/config.hpp>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// B62 = DIGIT / UPPER / LOWER, valued 0..61 in that order (research/api-keys.md §8.1).
inline constexpr std::string_view base62_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

inline constexpr std::uint8_t base62_invalid = 0xFF;

// The definition, as a table: the value of each octet as a base62 digit, or
// base62_invalid. The code below computes the same without reading a table at
// an address a secret character selects; the tests hold it to this table for
// all 256 octets.
inline constexpr std::array<std::uint8_t, 256> base62_values = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(base62_invalid);
    for (std::size_t i = 0; i < base62_alphabet.size(); ++i)
        t[static_cast<unsigned char>(base62_alphabet[i])] = static_cast<std::uint8_t>(i);
    return t;
}();

/// True when every octet of `s` is a base62 digit.
///
/// The set of base62_values by unsigned range arithmetic, with no early exit:
/// an or-reduction compilers turn into SIMD compares. (c | 0x20) folds UPPER
/// onto LOWER and maps no other octet into 'a'..'z'.
constexpr bool all_base62(std::string_view s) noexcept
{
    unsigned bad = 0;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool digit = static_cast<unsigned char>(c - '0') < 10;
        const bool alpha = static_cast<unsigned char>((c | 0x20) - 'a') < 26;
        bad |= static_cast<unsigned>(!(digit | alpha));
    }
    return bad == 0;
}

// Digits and values without a table: the characters of an API key are secret,
// so neither is read from memory at an address they select (no cache-timing
// trace). Each is a few compares and multiplies by 0 or 1.

/// The base62 digit of `d` (0..61).
constexpr char base62_digit(unsigned d) noexcept
{
    const unsigned upper = static_cast<unsigned>(d >= 10), lower = static_cast<unsigned>(d >= 36);
    // '0' + d, 'A' + (d - 10), 'a' + (d - 36): offsets 48, 55, 61.
    return static_cast<char>(d + 48 + 7 * upper + 6 * lower);
}

/// The value of base62 digit `c` (0..61), or base62_invalid.
constexpr unsigned base62_value(char ch) noexcept
{
    const auto c = static_cast<unsigned char>(ch);
    const unsigned d = static_cast<unsigned char>(c - '0'), u = static_cast<unsigned char>(c - 'A'),
                   l = static_cast<unsigned char>(c - 'a');
    const unsigned is_d = static_cast<unsigned>(d < 10), is_u = static_cast<unsigned>(u < 26),
                   is_l = static_cast<unsigned>(l < 26);
    const unsigned valid = is_d | is_u | is_l;
    return is_d * d + is_u * (u + 10) + is_l * (l + 36) + (1 - valid) * base62_invalid;
}

/// `v` as exactly six base62 digits, most significant first, zero-padded
/// ("000000" .. "4gfFC3" for 0 .. 2^32 - 1; 62^6 > 2^32, so six always suffice).
constexpr std::array<char, 6> base62_encode6(std::uint32_t v) noexcept
{
    std::array<char, 6> out{};
    for (std::size_t i = 6; i-- > 0;) {
        out[i] = base62_digit(v % 62);
        v /= 62;
    }
    return out;
}

/// The value of six base62 digits, or nothing if `s` is not six digits or
/// encodes a value of 2^32 or more (six digits reach 62^6 - 1 ≈ 5.7e10: the
/// value is accumulated in 64 bits, so there is no wraparound to alias a CRC,
/// research/api-keys.md §5.3 and §9.3 I-09, I-10). No early exit and no table.
constexpr std::optional<std::uint32_t> base62_decode6(std::string_view s) noexcept
{
    if (s.size() != 6) return std::nullopt;
    std::uint64_t v = 0;
    unsigned bad = 0;
    for (const char c : s) {
        const unsigned d = base62_value(c);
        bad |= static_cast<unsigned>(d == base62_invalid);
        v = v * 62 + (d & 0x3F);  // < 62^6 < 2^36: no overflow
    }
    if ((bad | static_cast<unsigned>(v > 0xFFFFFFFFu)) != 0) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

static_assert(std::string_view(base62_encode6(0xFFFFFFFFu).data(), 6) == "4gfFC3");
static_assert(std::string_view(base62_encode6(0).data(), 6) == "000000");
static_assert(base62_decode6("4gfFC3") == 0xFFFFFFFFu);
static_assert(!base62_decode6("4gfFC4"));
static_assert(base62_digit(0) == '0' && base62_digit(9) == '9' && base62_digit(10) == 'A' && base62_digit(35) == 'Z' &&
              base62_digit(36) == 'a' && base62_digit(61) == 'z');

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_BASE62_HPP
