// apiauth/detail/sse2.hpp — sixteen-octet character-class tests shared by the scanners that walk
// long runs of token characters (scan_token68 in auth_grammar.hpp, all_form_chars in
// http/form.hpp). Defined only where SSE2 is (every x86-64 compiler); callers keep a scalar path.
#ifndef APIAUTH_DETAIL_SSE2_HPP
#define APIAUTH_DETAIL_SSE2_HPP

#include <apiauth/config.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::sse2 {

// All ones in each octet of `v` within [lo, hi], zero elsewhere. Signed compares: an octet >= 0x80
// is negative and falls in no range of ASCII bounds.
inline __m128i in_range(__m128i v, char lo, char hi) noexcept
{
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

// All ones in each octet of `v` equal to `c`.
inline __m128i equal(__m128i v, char c) noexcept
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::sse2

#endif  // __SSE2__

#endif  // APIAUTH_DETAIL_SSE2_HPP
