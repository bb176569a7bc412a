// apiauth/detail/base64_avx2.hpp — the bulk of base64/base64url decoding, 32
// characters a step with AVX2, chosen at run time.
//
// Why: a JWT verification decodes about 250 characters of payload; the
// scalar table decoder spends ~65 ns on them (BENCHMARKS.md), a quarter of
// the HMAC it sits beside. This loop decodes the same characters in a few
// nanoseconds. It only runs on CPUs that report AVX2 (checked once), is
// compiled with a per-function target attribute so the rest of the library
// needs no -mavx2, and is off with APIAUTH_NO_SIMD. It decodes whole 32-
// character blocks and reports whether every character was in the alphabet;
// padding and the tail are left to the scalar decoder, and the precise error
// of a bad block to base64_check; the tests and fuzz_base64 compare the paths
// on random input.
//
// Constant time in the characters: each is classified by compares and mapped
// by adding an offset, never by a table indexed by its value, and a bad
// character does not end the loop early (the per-character validity masks are
// and-ed across blocks and tested once at the end). The same loop therefore
// decodes public JOSE segments and the secret half of an API key sent with
// HTTP Basic (api_key.hpp).
#ifndef APIAUTH_DETAIL_BASE64_AVX2_HPP
#define APIAUTH_DETAIL_BASE64_AVX2_HPP

#include <apiauth/config.hpp>
#include <cstddef>
#include <cstdint>

#if !defined(APIAUTH_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define APIAUTH_BASE64_AVX2 1
#include <immintrin.h>
#endif

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// A block: 32 characters in, 24 bytes out, and 8 scratch bytes written past
// them (defined with or without AVX2, so that buffers are sized the same).
inline constexpr std::size_t base64_avx2_block_chars = 32;
inline constexpr std::size_t base64_avx2_block_bytes = 24;
inline constexpr std::size_t base64_avx2_overwrite = 8;

#if defined(APIAUTH_BASE64_AVX2)

inline bool cpu_has_avx2() noexcept
{
    // __builtin_cpu_init first: this may run from a static initialiser, before
    // the one that fills in the CPU model.
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}

// Decodes `blocks` blocks of 32 characters of `in` (the alphabet being A-Z
// a-z 0-9 plus c62 and c63) into 24 bytes each at `out`, which must have room
// for blocks·24 + 8 bytes (each 32-byte store writes 8 scratch bytes past its
// 24, which the next block or the caller overwrites, or which stay unused).
// Returns whether every character was in the alphabet; the output is
// meaningless otherwise.
__attribute__((target("avx2"))) inline bool base64_decode_avx2(const unsigned char* in, std::size_t blocks,
                                                               unsigned char* out, char c62, char c63) noexcept
{
    const __m256i upper_lo = _mm256_set1_epi8('A' - 1), upper_hi = _mm256_set1_epi8('Z' + 1);
    const __m256i lower_lo = _mm256_set1_epi8('a' - 1), lower_hi = _mm256_set1_epi8('z' + 1);
    const __m256i digit_lo = _mm256_set1_epi8('0' - 1), digit_hi = _mm256_set1_epi8('9' + 1);
    const __m256i v62 = _mm256_set1_epi8(c62), v63 = _mm256_set1_epi8(c63);
    // Value = character + offset, per class (bytes wrap modulo 256).
    const __m256i off_upper = _mm256_set1_epi8(static_cast<char>(-'A'));
    const __m256i off_lower = _mm256_set1_epi8(static_cast<char>(26 - 'a'));
    const __m256i off_digit = _mm256_set1_epi8(static_cast<char>(52 - '0'));
    const __m256i off_62 = _mm256_set1_epi8(static_cast<char>(62 - c62));
    const __m256i off_63 = _mm256_set1_epi8(static_cast<char>(63 - c63));
    // Packing: bytes a,b -> a*64+b (16 bits); pairs -> (ab<<12)|cd (24 bits in 32).
    const __m256i mul_pairs = _mm256_set1_epi32(0x01400140);
    const __m256i mul_quads = _mm256_set1_epi32(0x00011000);
    // Each 32-bit lane holds 00 b2 b1 b0 little-endian; output order is b2 b1 b0.
    const __m256i shuffle = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                                             2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);

    __m256i all_valid = _mm256_set1_epi8(-1);
    for (; blocks != 0; --blocks, in += 32, out += 24) {
        const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
        // Signed compares: octets >= 0x80 are negative and fall in no class.
        const __m256i is_upper = _mm256_and_si256(_mm256_cmpgt_epi8(c, upper_lo), _mm256_cmpgt_epi8(upper_hi, c));
        const __m256i is_lower = _mm256_and_si256(_mm256_cmpgt_epi8(c, lower_lo), _mm256_cmpgt_epi8(lower_hi, c));
        const __m256i is_digit = _mm256_and_si256(_mm256_cmpgt_epi8(c, digit_lo), _mm256_cmpgt_epi8(digit_hi, c));
        const __m256i is_62 = _mm256_cmpeq_epi8(c, v62);
        const __m256i is_63 = _mm256_cmpeq_epi8(c, v63);
        const __m256i valid = _mm256_or_si256(_mm256_or_si256(is_upper, is_lower),
                                              _mm256_or_si256(is_digit, _mm256_or_si256(is_62, is_63)));
        all_valid = _mm256_and_si256(all_valid, valid);
        __m256i off = _mm256_and_si256(is_upper, off_upper);
        off = _mm256_or_si256(off, _mm256_and_si256(is_lower, off_lower));
        off = _mm256_or_si256(off, _mm256_and_si256(is_digit, off_digit));
        off = _mm256_or_si256(off, _mm256_and_si256(is_62, off_62));
        off = _mm256_or_si256(off, _mm256_and_si256(is_63, off_63));
        const __m256i v = _mm256_add_epi8(c, off);                              // 32 values 0..63
        const __m256i pairs = _mm256_maddubs_epi16(v, mul_pairs);               // 16 x 12 bits
        const __m256i quads = _mm256_madd_epi16(pairs, mul_quads);              // 8 x 24 bits
        const __m256i bytes = _mm256_shuffle_epi8(quads, shuffle);              // 12 bytes per 128-bit lane
        const __m256i packed = _mm256_permutevar8x32_epi32(bytes, pack_lanes);  // 24 bytes first
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
    }
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(all_valid)) == 0xFFFFFFFFu;
}

#endif  // APIAUTH_BASE64_AVX2

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_BASE64_AVX2_HPP
