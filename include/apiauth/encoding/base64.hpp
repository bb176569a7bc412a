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

#include <apiauth/config.hpp>
#include <apiauth/detail/base64_avx2.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

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
    // dec shifted into place for each position of a quantum, so a quantum is
    // four loads and three ORs; bit 24 marks a character outside the alphabet.
    std::array<std::array<std::uint32_t, 256>, 4> quad;
};

inline constexpr std::uint32_t quad_invalid = 1u << 24;

constexpr base64_alphabet make_alphabet(char c62, char c63)
{
    base64_alphabet a{};
    constexpr std::string_view first62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (std::size_t i = 0; i < 62; ++i) a.enc[i] = first62[i];
    a.enc[62] = c62;
    a.enc[63] = c63;
    for (auto& d : a.dec) d = 0xFF;
    for (std::size_t i = 0; i < 64; ++i) a.dec[static_cast<unsigned char>(a.enc[i])] = static_cast<std::uint8_t>(i);
    for (std::size_t c = 0; c < 256; ++c)
        for (std::size_t k = 0; k < 4; ++k)
            a.quad[k][c] = a.dec[c] == 0xFF ? quad_invalid : std::uint32_t{a.dec[c]} << (18 - 6 * k);
    return a;
}

inline constexpr base64_alphabet std_alphabet = make_alphabet('+', '/');
inline constexpr base64_alphabet url_alphabet = make_alphabet('-', '_');

// The value (0..63) of character `ch` in the alphabet A-Z a-z 0-9 c62 c63, or
// 0xFF when it is not in it, as dec[] gives, but by arithmetic: no table is
// read at an address the character selects, for decoding secrets (API key
// secrets sent with HTTP Basic, api_key.hpp) where the SIMD blocks stop.
constexpr unsigned base64_value_ct(char ch, char c62, char c63) noexcept
{
    const auto c = static_cast<unsigned char>(ch);
    const unsigned u = static_cast<unsigned char>(c - 'A'), l = static_cast<unsigned char>(c - 'a'),
                   d = static_cast<unsigned char>(c - '0');
    const unsigned is_u = static_cast<unsigned>(u < 26), is_l = static_cast<unsigned>(l < 26),
                   is_d = static_cast<unsigned>(d < 10),
                   is_62 = static_cast<unsigned>(c == static_cast<unsigned char>(c62)),
                   is_63 = static_cast<unsigned>(c == static_cast<unsigned char>(c63));
    const unsigned valid = is_u | is_l | is_d | is_62 | is_63;
    return is_u * u + is_l * (l + 26) + is_d * (d + 52) + is_62 * 62 + is_63 * 63 + (1 - valid) * 0xFF;
}

enum class padding_rule { required, optional, forbidden };

// The character of `v` (0..63) in the alphabet A-Z a-z 0-9 c62 c63, by arithmetic: no table
// is read at an address the value selects, so encoding a secret (a JWK's "k", the Basic
// credentials, a PKCE verifier) leaves no trace of it in the cache. Each mask is all ones from
// its range on: -1 >> 31 is -1 (C++20 defines >> of a negative value).
constexpr char base64_char_ct(unsigned v, char c62, char c63) noexcept
{
    const int x = static_cast<int>(v);
    const int ge26 = (25 - x) >> 31, ge52 = (51 - x) >> 31, ge62 = (61 - x) >> 31, ge63 = (62 - x) >> 31;
    return static_cast<char>(x + 'A' + (ge26 & 6) + (ge52 & -75) + (ge62 & (c62 - 58)) + (ge63 & (c63 - c62 - 1)));
}

constexpr std::size_t base64_encoded_size(std::size_t n, bool pad) noexcept
{
    return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

// Encodes without the SIMD kernel, in constant time (base64_char_ct); what base64_encode does
// where AVX2 is not available. Separate so that the tests run it on any processor.
inline std::size_t base64_encode_scalar(const base64_alphabet& a, bool pad, std::span<const std::byte> in,
                                        char* out) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    const char c62 = a.enc[62], c63 = a.enc[63];
    std::size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
        out[o++] = base64_char_ct((v >> 18) & 63, c62, c63);
        out[o++] = base64_char_ct((v >> 12) & 63, c62, c63);
        out[o++] = base64_char_ct((v >> 6) & 63, c62, c63);
        out[o++] = base64_char_ct(v & 63, c62, c63);
    }
    if (const std::size_t rem = n - i; rem != 0) {
        std::uint32_t v = std::uint32_t{p[i]} << 16;
        if (rem == 2) v |= std::uint32_t{p[i + 1]} << 8;
        out[o++] = base64_char_ct((v >> 18) & 63, c62, c63);
        out[o++] = base64_char_ct((v >> 12) & 63, c62, c63);
        if (rem == 2) out[o++] = base64_char_ct((v >> 6) & 63, c62, c63);
        if (pad) {
            out[o++] = '=';
            if (rem == 1) out[o++] = '=';
        }
    }
    return o;
}

// Encodes `in` (RFC 4648 §4 with std_alphabet, §5 with url_alphabet; `pad`: the final '='s) into
// `out`, which has room for base64_encoded_size(in.size(), pad) characters; returns how many it
// wrote. Constant time in the octets on every path: where the processor has AVX2, every octet goes
// through base64_encode_avx2 (the last 0 to 27 through a zeroed copy on the stack, wiped after);
// elsewhere through base64_encode_scalar.
inline std::size_t base64_encode(const base64_alphabet& a, bool pad, std::span<const std::byte> in, char* out) noexcept
{
#if defined(APIAUTH_BASE64_AVX2)
    if (cpu_has_avx2()) {
        const auto* p = reinterpret_cast<const unsigned char*>(in.data());
        const std::size_t n = in.size();
        // 24 octets a step while 4 more follow them (each step reads 28).
        const std::size_t blocks = n >= 28 ? (n - 4) / 24 : 0;
        if (blocks != 0) base64_encode_avx2(p, blocks, out, a.enc[62], a.enc[63]);
        const std::size_t i = blocks * 24, rest = n - i;  // rest < 28
        std::size_t o = blocks * 32;
        if (rest == 0) return o;
        // The rest, zero-filled to two blocks and the 4 octets the kernel reads past them: the
        // zeros give the final quantum's zero bits (RFC 4648 §3.5) where rest is not a multiple of 3.
        std::array<unsigned char, 2 * 24 + 4> tail{};
        std::array<char, 2 * 32> chars;
        std::memcpy(tail.data(), p + i, rest);
        base64_encode_avx2(tail.data(), rest > 24 ? 2 : 1, chars.data(), a.enc[62], a.enc[63]);
        const std::size_t used = base64_encoded_size(rest, false);
        std::memcpy(out + o, chars.data(), used);
        o += used;
        if (pad && rest % 3 != 0) {
            out[o++] = '=';
            if (rest % 3 == 1) out[o++] = '=';
        }
        wipe(tail.data(), tail.size());
        wipe(chars.data(), chars.size());
        return o;
    }
#endif
    return base64_encode_scalar(a, pad, in, out);
}

// The first error of `in` in the documented order (alphabet, length,
// padding, pad bits), or success. The slow path: decoding only calls it once
// something is known to be wrong or the output does not fit.
inline std::error_code base64_check(const base64_alphabet& a, padding_rule rule, std::string_view in) noexcept
{
    const std::size_t n = in.size();
    std::size_t pad = 0;
    while (pad < n && pad < 3 && in[n - 1 - pad] == '=') ++pad;
    const std::size_t body = n - pad;
    const auto* s = reinterpret_cast<const unsigned char*>(in.data());
    // Alphabet first, so that "ab!d" reports the character, not the length.
    for (std::size_t i = 0; i < body; ++i)
        if (a.dec[s[i]] == 0xFF) return s[i] == '=' ? errc::base64_invalid_padding : errc::base64_invalid_character;
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
    return {};
}

// Decodes `in` into `out` in one pass, folding the alphabet check into the
// decoding loop; any doubt goes to base64_check for the precise error. On
// error the first bytes of `out` may have been written.
inline result<std::size_t> base64_decode(const base64_alphabet& a, padding_rule rule, std::string_view in,
                                         std::span<std::byte> out) noexcept
{
    const std::size_t n = in.size();
    std::size_t pad = 0;
    while (pad < n && pad < 3 && in[n - 1 - pad] == '=') ++pad;
    const std::size_t body = n - pad;
    const std::size_t rem = body % 4;
    const std::size_t size = body / 4 * 3 + (rem == 0 ? 0 : rem - 1);
    const auto slow = [&]() -> result<std::size_t> {
        if (auto e = base64_check(a, rule, in)) return e;
        return errc::buffer_too_small;
    };
    if (rem == 1 || pad > 2 || out.size() < size) return slow();

    const auto* s = reinterpret_cast<const unsigned char*>(in.data());
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    std::uint32_t bad = 0;
    std::size_t i = 0, w = 0;
#if defined(APIAUTH_BASE64_AVX2)
    // Whole blocks while the input has them and `out` has room for what they
    // write; a bad character among them sends the whole input to base64_check.
    if (body >= base64_avx2_block_chars && out.size() >= base64_avx2_block_bytes + base64_avx2_overwrite &&
        cpu_has_avx2()) {
        const std::size_t blocks =
            std::min(body / base64_avx2_block_chars, (out.size() - base64_avx2_overwrite) / base64_avx2_block_bytes);
        if (!base64_decode_avx2(s, blocks, o, a.enc[62], a.enc[63])) return slow();
        i = blocks * base64_avx2_block_chars;
        w = blocks * base64_avx2_block_bytes;
    }
#endif
    // Two quanta a step, stored with one 8-octet write while `out` has room
    // for the two octets past them (they are overwritten or left unused).
    for (; i + 8 <= body && w + 8 <= out.size(); i += 8) {
        const std::uint32_t v0 = a.quad[0][s[i]] | a.quad[1][s[i + 1]] | a.quad[2][s[i + 2]] | a.quad[3][s[i + 3]];
        const std::uint32_t v1 = a.quad[0][s[i + 4]] | a.quad[1][s[i + 5]] | a.quad[2][s[i + 6]] | a.quad[3][s[i + 7]];
        bad |= v0 | v1;
        const std::uint64_t v = (std::uint64_t{v0} << 40) | (std::uint64_t{v1} << 16);
        const std::uint64_t be = __builtin_bswap64(v);
        std::memcpy(o + w, &be, 8);
        w += 6;
    }
    for (; i + 4 <= body; i += 4) {
        const std::uint32_t v = a.quad[0][s[i]] | a.quad[1][s[i + 1]] | a.quad[2][s[i + 2]] | a.quad[3][s[i + 3]];
        bad |= v;
        o[w] = static_cast<unsigned char>(v >> 16);
        o[w + 1] = static_cast<unsigned char>(v >> 8);
        o[w + 2] = static_cast<unsigned char>(v);
        w += 3;
    }
    std::uint32_t last = 0;
    if (rem != 0) {
        std::uint32_t v = a.quad[0][s[i]] | a.quad[1][s[i + 1]];
        if (rem == 3) v |= a.quad[2][s[i + 2]];
        bad |= v;
        last = a.dec[s[i + rem - 1]];
        o[w++] = static_cast<unsigned char>(v >> 16);
        if (rem == 3) o[w++] = static_cast<unsigned char>(v >> 8);
    }
    if (bad & quad_invalid) return slow();
    const std::size_t want_pad = rem == 0 ? 0 : 4 - rem;
    const bool pad_ok = rule == padding_rule::required   ? pad == want_pad
                        : rule == padding_rule::optional ? (pad == 0 || pad == want_pad)
                                                         : pad == 0;
    const bool canonical = rem == 0 || (last & (rem == 2 ? 0x0Fu : 0x03u)) == 0;
    if (!pad_ok || !canonical) return slow();
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
namespace encoding::base64 {

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

/// Encode the octets of `in` (see the overload above) into a new string.
inline std::string encode(std::string_view in)
{
    return encode(detail::as_bytes(in));
}

/** Decode strict base64 into `out`; returns the bytes written.

    Errors: base64_invalid_character, base64_invalid_length,
    base64_invalid_padding, base64_noncanonical (see the file comment);
    buffer_too_small when `out` cannot hold the result (decoded_size_max
    always suffices), reported only for otherwise valid input. Octets of
    `out` past the decoded length may be overwritten; on error the contents
    of `out` are unspecified.

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

}  // namespace encoding::base64

/** base64url, RFC 4648 §5: alphabet A-Z a-z 0-9 - _, never padded (RFC 7515 §2). */
namespace encoding::base64url {

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

/// Encode the octets of `in` (see the overload above) into a new string.
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

}  // namespace encoding::base64url

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_ENCODING_BASE64_HPP
