// apiauth/detail/auth_grammar.hpp — the RFC 9110 §11 productions shared by the
// credentials parser and the challenge parser. Every function takes the whole
// field value and a position and never reads outside the value.
#ifndef APIAUTH_DETAIL_AUTH_GRAMMAR_HPP
#define APIAUTH_DETAIL_AUTH_GRAMMAR_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/error.hpp>

#include <cstddef>
#include <string_view>

#include <apiauth/detail/sse2.hpp>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Largest number of auth-params one credentials or challenge may carry,
// whatever the options say: the duplicate-name check keeps the names of one
// item in a fixed array on the stack.
inline constexpr std::size_t max_params_cap = 64;

// Index after the run of octets in `cls` starting at i. Four octets a step,
// since this is the loop that walks a 1 KiB token68 on every request.
inline std::size_t scan(std::string_view s, std::size_t i, std::uint16_t cls) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    while (i + 4 <= n &&
           (char_table[p[i]] & char_table[p[i + 1]] & char_table[p[i + 2]] & char_table[p[i + 3]] & cls) != 0)
        i += 4;
    while (i < n && (char_table[p[i]] & cls) != 0) ++i;
    return i;
}

inline std::size_t skip_ows(std::string_view s, std::size_t i) noexcept
{
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// Returns the end of the longest token68 at i, or i if there is none.
inline std::size_t scan_token68(std::string_view s, std::size_t i) noexcept
{
    std::size_t b = i;
#if defined(__SSE2__)
    // Sixteen octets a step (a bearer token is hundreds): ALPHA, DIGIT and "-./" as three
    // signed ranges (an octet >= 0x80 is negative, in none of them), "+_~" one by one. Not
    // Boost.URL's lut_chars find_if_not (form.hpp): in 1.81 it tests each octet through the
    // table and only collects the 16 answers with SSE2, 4.6k instructions on a 400-octet
    // token against 1k here (callgrind).
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    using sse2::equal, sse2::in_range;
    while (b + 16 <= s.size()) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + b));
        __m128i ok = _mm_or_si128(_mm_or_si128(in_range(v, 'A', 'Z'), in_range(v, 'a', 'z')), in_range(v, '-', '9'));
        ok = _mm_or_si128(ok, equal(v, '+'));
        ok = _mm_or_si128(ok, equal(v, '_'));
        ok = _mm_or_si128(ok, equal(v, '~'));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(ok));
        if (mask != 0xFFFFu) {
            b += static_cast<std::size_t>(__builtin_ctz(~mask));
            break;
        }
        b += 16;
    }
    if (b + 16 > s.size()) b = scan(s, b, cc_token68);  // the tail, or no SSE2 step was full
#else
    b = scan(s, b, cc_token68);
#endif
    if (b == i) return i;
    std::size_t e = b;
    while (e < s.size() && s[e] == '=') ++e;
    return e;
}

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1), the
// whole of `s`: the syntax of every bearer token.
inline bool is_b64token(std::string_view s) noexcept
{
    return !s.empty() && scan_token68(s, 0) == s.size();
}

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, starting at the
// opening DQUOTE. On success sets `end` after the closing DQUOTE and
// `escaped` if a quoted-pair occurred.
inline bool scan_quoted(std::string_view s, std::size_t i, std::size_t& end, bool& escaped) noexcept
{
    escaped = false;
    ++i;  // opening DQUOTE
    while (i < s.size()) {
        const char c = s[i];
        if (c == '"') {
            end = i + 1;
            return true;
        }
        if (c == '\\') {
            if (i + 1 >= s.size() || !is(s[i + 1], cc_qpair)) return false;
            escaped = true;
            i += 2;
            continue;
        }
        if (!is(c, cc_qdtext)) return false;
        ++i;
    }
    return false;
}

struct raw_param {
    std::string_view name;
    std::string_view value;  // token, or the quoted-string content between the DQUOTEs
    bool quoted = false;
    bool escaped = false;
};

// auth-param = token BWS "=" BWS ( token / quoted-string ), at i (a tchar).
// Returns the index after it, or npos when the text there is not an auth-param.
inline std::size_t scan_auth_param(std::string_view s, std::size_t i, raw_param& out) noexcept
{
    const std::size_t ne = scan(s, i, cc_tchar);
    if (ne == i) return std::string_view::npos;
    std::size_t j = skip_ows(s, ne);
    if (j >= s.size() || s[j] != '=') return std::string_view::npos;
    j = skip_ows(s, j + 1);
    out.name = s.substr(i, ne - i);
    if (j < s.size() && s[j] == '"') {
        std::size_t end = 0;
        if (!scan_quoted(s, j, end, out.escaped)) return std::string_view::npos;
        out.value = s.substr(j + 1, end - j - 2);
        out.quoted = true;
        return end;
    }
    const std::size_t ve = scan(s, j, cc_tchar);
    if (ve == j) return std::string_view::npos;
    out.value = s.substr(j, ve - j);
    out.quoted = false;
    out.escaped = false;
    return ve;
}

// True when the value holds a CTL other than HTAB: the precise error for a
// value whose grammar failed (RFC 9110 §5.5 CR, LF, NUL and the other CTLs).
inline bool has_forbidden_ctl(std::string_view s) noexcept
{
    for (char c : s)
        if (c != '\t' && is(c, cc_ctl)) return true;
    return false;
}

// Field value without the leading and trailing OWS an HTTP parser should
// already have removed (RFC 9110 §5.5).
inline std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_AUTH_GRAMMAR_HPP
