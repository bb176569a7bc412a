// apiauth/detail/ascii.hpp — locale-free character classes of the HTTP and OAuth grammars.
#ifndef APIAUTH_DETAIL_ASCII_HPP
#define APIAUTH_DETAIL_ASCII_HPP

#include <apiauth/config.hpp>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// One table, one bit per class, indexed by the octet. Nothing here depends on
// the C locale (DESIGN.md: no std::isalnum and friends).
enum char_class : std::uint16_t {
    cc_tchar = 1u << 0,    // RFC 9110 §5.6.2 tchar
    cc_token68 = 1u << 1,  // RFC 9110 §11.2 token68 body: ALPHA DIGIT - . _ ~ + /  (not '=')
    cc_qdtext = 1u << 2,   // RFC 9110 §5.6.4 qdtext: HTAB SP %x21 %x23-5B %x5D-7E obs-text
    cc_qpair = 1u << 3,    // RFC 9110 §5.6.4 after '\': HTAB SP VCHAR obs-text
    cc_ctl = 1u << 4,      // RFC 5234 B.1 CTL: %x00-1F / %x7F
    cc_nqchar = 1u << 5,   // RFC 6749 A: %x21 / %x23-5B / %x5D-7E
    cc_nqschar = 1u << 6,  // RFC 6749 A: %x20-21 / %x23-5B / %x5D-7E
    cc_vschar = 1u << 7,   // RFC 6749 A: %x20-7E
    cc_alnum = 1u << 8,    // ALPHA / DIGIT
};

inline constexpr std::array<std::uint16_t, 256> char_table = [] {
    std::array<std::uint16_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint16_t m = 0;
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        const bool digit = c >= '0' && c <= '9';
        const bool vchar = c >= 0x21 && c <= 0x7E;
        if (alpha || digit) m |= cc_alnum | cc_tchar | cc_token68;
        switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~': m |= cc_tchar; break;
        default: break;
        }
        switch (c) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '+':
        case '/': m |= cc_token68; break;
        default: break;
        }
        if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80)
            m |= cc_qdtext;
        if (c == '\t' || c == ' ' || vchar || c >= 0x80) m |= cc_qpair;
        if (c < 0x20 || c == 0x7F) m |= cc_ctl;
        if (c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)) m |= cc_nqchar;
        if (c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)) m |= cc_nqschar;
        if (c >= 0x20 && c <= 0x7E) m |= cc_vschar;
        t[static_cast<std::size_t>(c)] = m;
    }
    return t;
}();

constexpr bool is(char c, std::uint16_t cls) noexcept
{
    return (char_table[static_cast<unsigned char>(c)] & cls) != 0;
}

constexpr char to_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Eight octets folded to lower case at once: each octet in 'A'..'Z' gains 0x20, every other
// octet (non-ASCII included) is left as it is. The range test runs on the low seven bits, where
// the two additions cannot carry into the next octet; the octet's own high bit then excludes
// non-ASCII.
constexpr std::uint64_t to_lower8(std::uint64_t x) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    const std::uint64_t low7 = x & ~high;
    const std::uint64_t at_least_a = low7 + (0x80 - 'A') * ones;     // high bit: octet >= 'A'
    const std::uint64_t above_z = low7 + (0x80 - ('Z' + 1)) * ones;  // high bit: octet > 'Z'
    const std::uint64_t upper = at_least_a & ~above_z & ~x & high;   // high bit: 'A'..'Z'
    return x | (upper >> 2);
}

// The n (1..8) octets at p in one word. Octets may appear twice (the loads overlap), always at
// the same places for the same n: two strings of length n give equal words only when equal.
inline std::uint64_t load_1_to_8(const char* p, std::size_t n) noexcept
{
    if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        return a | static_cast<std::uint64_t>(b) << 32;
    }
    if (n >= 2) {
        std::uint16_t a, b;
        std::memcpy(&a, p, 2);
        std::memcpy(&b, p + n - 2, 2);
        return a | static_cast<std::uint64_t>(b) << 16;
    }
    return static_cast<unsigned char>(p[0]);
}

/// ASCII case-insensitive equality (RFC 9110 §11.1 scheme names, §11.2 parameter names).
/// Eight octets a step (a scheme name or a media type is one to four steps); the octet loop
/// at compile time.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    if (std::is_constant_evaluated()) {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (to_lower(a[i]) != to_lower(b[i])) return false;
        return true;
    }
    const std::size_t n = a.size();
    if (n == 0) return true;
    if (n <= 8) return to_lower8(load_1_to_8(a.data(), n)) == to_lower8(load_1_to_8(b.data(), n));
    std::uint64_t diff = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        diff |= to_lower8(x) ^ to_lower8(y);
    }
    if (i < n) {  // the last eight octets again, overlapping the step before
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + n - 8, 8);
        std::memcpy(&y, b.data() + n - 8, 8);
        diff |= to_lower8(x) ^ to_lower8(y);
    }
    return diff == 0;
}

/// True when `s` begins with `lower` in any case (RFC 9110 §11.1: a scheme name is
/// case-insensitive). `lower` is a lowercase literal: each of its letters matches itself and its
/// capital, every other octet only itself. Inline and unrolled, so a scheme is tested in a few
/// instructions where iequals would be a call.
template <std::size_t N> constexpr bool istarts_with(std::string_view s, const char (&lower)[N]) noexcept
{
    constexpr std::size_t n = N - 1;
    if (s.size() < n) return false;
    unsigned diff = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto l = static_cast<unsigned char>(lower[i]);
        const auto c = static_cast<unsigned char>(s[i]);
        diff |= (l >= 'a' && l <= 'z') ? (c | 0x20u) ^ l : c ^ l;
    }
    return diff == 0;
}

/// Index of the first octet of `s` not in `cls`, or s.size().
constexpr std::size_t span_of(std::string_view s, std::uint16_t cls, std::size_t from = 0) noexcept
{
    std::size_t i = from;
    while (i < s.size() && is(s[i], cls)) ++i;
    return i;
}

/// True when every octet of `s` is in `cls`.
constexpr bool all_of(std::string_view s, std::uint16_t cls) noexcept
{
    return span_of(s, cls) == s.size();
}

/// True when `s` contains an RFC 5234 CTL (%x00-1F / %x7F).
constexpr bool has_ctl(std::string_view s) noexcept
{
    for (char c : s)
        if (is(c, cc_ctl)) return true;
    return false;
}

/// True when every octet of `s` is printable ASCII (%x20-7E): then `s` has no
/// CTL and is UTF-8. Eight octets a step (the common case of credentials).
inline bool is_printable_ascii(std::string_view s) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        const std::uint64_t below_20 = (w - ones * 0x20) & ~w & highs;  // some octet < 0x20
        const std::uint64_t from_7f = ((w + ones) | w) & highs;         // some octet >= 0x7F
        if ((below_20 | from_7f) != 0) return false;
    }
    for (; i < n; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c >= 0x7F) return false;
    }
    return true;
}

/// Media type of a Content-Type value without parameters, OWS-trimmed (RFC 9110 §8.3.1).
constexpr std::string_view media_type(std::string_view content_type) noexcept
{
    const auto semi = content_type.find(';');
    std::string_view t = content_type.substr(0, semi);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    return t;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_ASCII_HPP
