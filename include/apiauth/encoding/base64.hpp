// apiauth/encoding/base64.hpp — strict base64 (RFC 4648 §4) and base64url (§5).
//
// Decoders are strict by default, as RFC 4648 §3 allows a decoder to be:
//  - exact alphabet: any other octet, whitespace and line breaks included, is
//    base64_invalid_character (§3.3);
//  - base64 requires its padding and base64url forbids it (RFC 7515 §2, the
//    only user of base64url here); a misplaced, superfluous or missing '=' is
//    base64_invalid_padding (§3.2); `allow_missing_padding` is the one
//    explicit loosening for base64 (some Basic clients omit the '=');
//  - a final quantum whose unused bits are not zero is base64_noncanonical
//    (§3.5), so every byte string has exactly one accepted encoding;
//  - a length no encoder can produce (4k+1 characters) is base64_invalid_length.
//
// The span APIs never allocate, never throw, and read nothing outside their
// arguments. The std::string conveniences allocate the result.
#ifndef APIAUTH_ENCODING_BASE64_HPP
#define APIAUTH_ENCODING_BASE64_HPP

#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace apiauth {

/// Decoder options for base64 (RFC 4648 §4). The defaults are strict.
struct base64_options {
    /// Accept input whose final '=' padding is left out (RFC 4648 §3.2 loosened).
    /// Padding that is present must still be exactly right.
    bool allow_missing_padding = false;
};

namespace detail {

struct base64_alphabet {
    std::array<char, 64> enc;
    std::array<std::uint8_t, 256> dec;  // 0..63, or 0xFF for "not in the alphabet"
};

constexpr base64_alphabet make_alphabet(char c62, char c63)
{
    base64_alphabet a{};
    constexpr std::string_view first62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (std::size_t i = 0; i < 62; ++i) a.enc[i] = first62[i];
    a.enc[62] = c62;
    a.enc[63] = c63;
    for (auto& d : a.dec) d = 0xFF;
    for (std::size_t i = 0; i < 64; ++i) a.dec[static_cast<unsigned char>(a.enc[i])] = static_cast<std::uint8_t>(i);
    return a;
}

inline constexpr base64_alphabet std_alphabet = make_alphabet('+', '/');
inline constexpr base64_alphabet url_alphabet = make_alphabet('-', '_');

enum class padding_rule { required, optional, forbidden };

constexpr std::size_t base64_encoded_size(std::size_t n, bool pad) noexcept
{
    return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

inline std::size_t base64_encode(const base64_alphabet& a, bool pad, std::span<const std::byte> in, char* out) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t n = in.size(), o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
        out[o++] = a.enc[(v >> 18) & 63];
        out[o++] = a.enc[(v >> 12) & 63];
        out[o++] = a.enc[(v >> 6) & 63];
        out[o++] = a.enc[v & 63];
    }
    if (const std::size_t rem = n - i; rem != 0) {
        std::uint32_t v = std::uint32_t{p[i]} << 16;
        if (rem == 2) v |= std::uint32_t{p[i + 1]} << 8;
        out[o++] = a.enc[(v >> 18) & 63];
        out[o++] = a.enc[(v >> 12) & 63];
        if (rem == 2) out[o++] = a.enc[(v >> 6) & 63];
        if (pad) {
            out[o++] = '=';
            if (rem == 1) out[o++] = '=';
        }
    }
    return o;
}

// Validates `in` completely, then decodes it into `out`. On error nothing is
// promised about `out` beyond the first `out.size()` bytes having been written
// with some value.
inline result<std::size_t> base64_decode(const base64_alphabet& a, padding_rule rule, std::string_view in,
                                         std::span<std::byte> out) noexcept
{
    const std::size_t n = in.size();
    std::size_t pad = 0;
    while (pad < n && pad < 3 && in[n - 1 - pad] == '=') ++pad;
    const std::size_t body = n - pad;
    const auto* s = reinterpret_cast<const unsigned char*>(in.data());

    // Alphabet first, so that "ab!d" reports the character, not the length.
    std::uint8_t bad = 0;
    for (std::size_t i = 0; i < body; ++i) bad |= a.dec[s[i]];
    if (bad & 0x80) {
        for (std::size_t i = 0; i < body; ++i)
            if (a.dec[s[i]] == 0xFF) return s[i] == '=' ? errc::base64_invalid_padding : errc::base64_invalid_character;
    }
    const std::size_t rem = body % 4;
    if (rem == 1) return errc::base64_invalid_length;
    if (pad > 2) return errc::base64_invalid_padding;
    const std::size_t want_pad = rem == 0 ? 0 : 4 - rem;
    switch (rule) {
    case padding_rule::required:
        if (pad != want_pad) return errc::base64_invalid_padding;
        break;
    case padding_rule::optional:
        if (pad != 0 && pad != want_pad) return errc::base64_invalid_padding;
        break;
    case padding_rule::forbidden:
        if (pad != 0) return errc::base64_invalid_padding;
        break;
    }
    // RFC 4648 §3.5: the bits of the last character that carry no data must be zero.
    if (rem == 2 && (a.dec[s[body - 1]] & 0x0F) != 0) return errc::base64_noncanonical;
    if (rem == 3 && (a.dec[s[body - 1]] & 0x03) != 0) return errc::base64_noncanonical;

    const std::size_t size = body / 4 * 3 + (rem == 0 ? 0 : rem - 1);
    if (out.size() < size) return errc::buffer_too_small;

    auto* o = reinterpret_cast<unsigned char*>(out.data());
    std::size_t i = 0, w = 0;
    for (; i + 4 <= body; i += 4) {
        const std::uint32_t v = (std::uint32_t{a.dec[s[i]]} << 18) | (std::uint32_t{a.dec[s[i + 1]]} << 12) |
                                (std::uint32_t{a.dec[s[i + 2]]} << 6) | a.dec[s[i + 3]];
        o[w++] = static_cast<unsigned char>(v >> 16);
        o[w++] = static_cast<unsigned char>(v >> 8);
        o[w++] = static_cast<unsigned char>(v);
    }
    if (rem != 0) {
        std::uint32_t v = (std::uint32_t{a.dec[s[i]]} << 18) | (std::uint32_t{a.dec[s[i + 1]]} << 12);
        if (rem == 3) v |= std::uint32_t{a.dec[s[i + 2]]} << 6;
        o[w++] = static_cast<unsigned char>(v >> 16);
        if (rem == 3) o[w++] = static_cast<unsigned char>(v >> 8);
    }
    return w;
}

inline result<std::string> base64_decode_string(const base64_alphabet& a, padding_rule rule, std::string_view in)
{
    std::string out(in.size() / 4 * 3 + 3, '\0');
    auto r = base64_decode(a, rule, in, std::as_writable_bytes(std::span(out)));
    if (!r) return r.error();
    out.resize(*r);
    return out;
}

}  // namespace detail

/** base64, RFC 4648 §4: alphabet A-Z a-z 0-9 + /, '=' padding. */
namespace base64 {

/// Characters `encode` writes for `n` input bytes (always a multiple of 4).
constexpr std::size_t encoded_size(std::size_t n) noexcept
{
    return detail::base64_encoded_size(n, true);
}

/// An upper bound on the bytes `decode` writes for `n` input characters.
constexpr std::size_t decoded_size_max(std::size_t n) noexcept
{
    return (n + 3) / 4 * 3;
}

/** Encode `in` into `out` with padding; returns the characters written.

    Refuses with buffer_too_small when `out.size() < encoded_size(in.size())`.
*/
inline result<std::size_t> encode(std::span<const std::byte> in, std::span<char> out) noexcept
{
    if (out.size() < encoded_size(in.size())) return errc::buffer_too_small;
    return detail::base64_encode(detail::std_alphabet, true, in, out.data());
}

/// Encode `in` with padding into a new string.
inline std::string encode(std::span<const std::byte> in)
{
    std::string s(encoded_size(in.size()), '\0');
    detail::base64_encode(detail::std_alphabet, true, in, s.data());
    return s;
}

inline std::string encode(std::string_view in)
{
    return encode(detail::as_bytes(in));
}

/** Decode strict base64 into `out`; returns the bytes written.

    Errors: base64_invalid_character, base64_invalid_length,
    base64_invalid_padding, base64_noncanonical (see the file comment);
    buffer_too_small when `out` cannot hold the result (decoded_size_max
    always suffices). Validates all of `in` before writing.

    @par Specification RFC 4648 §3.2, §3.3, §3.5, §4.
*/
inline result<std::size_t> decode(std::string_view in, std::span<std::byte> out, base64_options opt = {}) noexcept
{
    return detail::base64_decode(
        detail::std_alphabet,
        opt.allow_missing_padding ? detail::padding_rule::optional : detail::padding_rule::required, in, out);
}

/// Decode strict base64 into a new string of octets (allocates).
inline result<std::string> decode(std::string_view in, base64_options opt = {})
{
    return detail::base64_decode_string(
        detail::std_alphabet,
        opt.allow_missing_padding ? detail::padding_rule::optional : detail::padding_rule::required, in);
}

}  // namespace base64

/** base64url, RFC 4648 §5: alphabet A-Z a-z 0-9 - _, never padded (RFC 7515 §2). */
namespace base64url {

/// Characters `encode` writes for `n` input bytes (no padding).
constexpr std::size_t encoded_size(std::size_t n) noexcept
{
    return detail::base64_encoded_size(n, false);
}

/// An upper bound on the bytes `decode` writes for `n` input characters.
constexpr std::size_t decoded_size_max(std::size_t n) noexcept
{
    return (n + 3) / 4 * 3;
}

/// Encode `in` without padding into `out`; returns the characters written.
inline result<std::size_t> encode(std::span<const std::byte> in, std::span<char> out) noexcept
{
    if (out.size() < encoded_size(in.size())) return errc::buffer_too_small;
    return detail::base64_encode(detail::url_alphabet, false, in, out.data());
}

/// Encode `in` without padding into a new string.
inline std::string encode(std::span<const std::byte> in)
{
    std::string s(encoded_size(in.size()), '\0');
    detail::base64_encode(detail::url_alphabet, false, in, s.data());
    return s;
}

inline std::string encode(std::string_view in)
{
    return encode(detail::as_bytes(in));
}

/** Decode strict, unpadded base64url into `out`; returns the bytes written.

    Any '=' is base64_invalid_padding; '+', '/', '%' and whitespace are
    base64_invalid_character; otherwise as base64::decode.

    @par Specification RFC 4648 §5, RFC 7515 §2 (base64url without padding).
*/
inline result<std::size_t> decode(std::string_view in, std::span<std::byte> out) noexcept
{
    return detail::base64_decode(detail::url_alphabet, detail::padding_rule::forbidden, in, out);
}

/// Decode strict, unpadded base64url into a new string of octets (allocates).
inline result<std::string> decode(std::string_view in)
{
    return detail::base64_decode_string(detail::url_alphabet, detail::padding_rule::forbidden, in);
}

}  // namespace base64url

}  // namespace apiauth

#endif  // APIAUTH_ENCODING_BASE64_HPP
