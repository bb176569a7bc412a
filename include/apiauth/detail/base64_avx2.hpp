// apiauth/detail/base64_avx2.hpp — the bulk of base64/base64url decoding (and encoding, below),
// 32 characters a step with AVX2, chosen at run time.
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
#include <cstring>
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
// The loop is written with GCC/Clang vector types and the compilers' x86 builtins rather than
// <immintrin.h>: that header declares every x86 intrinsic (AVX-512 included) and costs each
// translation unit that includes a JWT verifier about 0.4 s of parsing (BENCHMARKS.md, compile
// time). Each builtin below is the one the _mm256_* intrinsic named beside it expands to, in both
// compilers' headers.
namespace avx2 {
using i8x32 = signed char __attribute__((vector_size(32)));  // __m256i as 32 signed octets
using c8x32 = char __attribute__((vector_size(32)));         // the builtins' octet vector
using i16x16 = short __attribute__((vector_size(32)));
using i32x8 = int __attribute__((vector_size(32)));
using i64x2 = long long __attribute__((vector_size(16)));  // __m128i

// _mm256_set1_epi8
__attribute__((target("avx2"))) inline i8x32 splat(int c) noexcept
{
    return i8x32{} + static_cast<signed char>(c);
}
}  // namespace avx2

__attribute__((target("avx2"))) inline bool base64_decode_avx2(const unsigned char* in, std::size_t blocks,
                                                               unsigned char* out, char c62, char c63) noexcept
{
    const avx2::i8x32 upper_lo = avx2::splat('A' - 1), upper_hi = avx2::splat('Z' + 1);
    const avx2::i8x32 lower_lo = avx2::splat('a' - 1), lower_hi = avx2::splat('z' + 1);
    const avx2::i8x32 digit_lo = avx2::splat('0' - 1), digit_hi = avx2::splat('9' + 1);
    const avx2::i8x32 v62 = avx2::splat(c62), v63 = avx2::splat(c63);
    // Value = character + offset, per class (octets wrap modulo 256).
    const avx2::i8x32 off_upper = avx2::splat(-'A');
    const avx2::i8x32 off_lower = avx2::splat(26 - 'a');
    const avx2::i8x32 off_digit = avx2::splat(52 - '0');
    const avx2::i8x32 off_62 = avx2::splat(62 - c62);
    const avx2::i8x32 off_63 = avx2::splat(63 - c63);
    // Packing: octets a,b -> a*64+b (16 bits); pairs -> (ab<<12)|cd (24 bits in 32).
    const avx2::c8x32 mul_pairs = {64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1,  //
                                   64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1, 64, 1};
    const avx2::i16x16 mul_quads = {0x1000, 1, 0x1000, 1, 0x1000, 1, 0x1000, 1,  //
                                    0x1000, 1, 0x1000, 1, 0x1000, 1, 0x1000, 1};
    // Each 32-bit lane holds 00 b2 b1 b0 little-endian; output order is b2 b1 b0.
    const avx2::c8x32 shuffle = {2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                                 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1};
    const avx2::i32x8 pack_lanes = {0, 1, 2, 4, 5, 6, 3, 7};

    avx2::i8x32 all_valid = avx2::splat(-1);
    for (; blocks != 0; --blocks, in += 32, out += 24) {
        avx2::i8x32 c;
        std::memcpy(&c, in, sizeof c);  // _mm256_loadu_si256
        // Signed compares (_mm256_cmpgt_epi8): octets >= 0x80 are negative and fall in no class.
        // A vector compare gives -1 (all ones) or 0 per octet.
        const avx2::i8x32 is_upper = (c > upper_lo) & (upper_hi > c);
        const avx2::i8x32 is_lower = (c > lower_lo) & (lower_hi > c);
        const avx2::i8x32 is_digit = (c > digit_lo) & (digit_hi > c);
        const avx2::i8x32 is_62 = c == v62;
        const avx2::i8x32 is_63 = c == v63;
        all_valid &= is_upper | is_lower | is_digit | is_62 | is_63;
        const avx2::i8x32 off = (is_upper & off_upper) | (is_lower & off_lower) | (is_digit & off_digit) |
                                (is_62 & off_62) | (is_63 & off_63);
        const avx2::c8x32 v = reinterpret_cast<avx2::c8x32>(c + off);           // 32 values 0..63
        const avx2::i16x16 pairs = __builtin_ia32_pmaddubsw256(v, mul_pairs);   // _mm256_maddubs_epi16
        const avx2::i32x8 quads = __builtin_ia32_pmaddwd256(pairs, mul_quads);  // _mm256_madd_epi16
        const avx2::c8x32 bytes =
            __builtin_ia32_pshufb256(reinterpret_cast<avx2::c8x32>(quads), shuffle);  // _mm256_shuffle_epi8
        const avx2::i32x8 packed = __builtin_ia32_permvarsi256(reinterpret_cast<avx2::i32x8>(bytes), pack_lanes);
        std::memcpy(out, &packed, sizeof packed);  // _mm256_permutevar8x32_epi32, _mm256_storeu_si256
    }
    // _mm256_movemask_epi8: one bit per octet, its top bit.
    return static_cast<std::uint32_t>(__builtin_ia32_pmovmskb256(reinterpret_cast<avx2::c8x32>(all_valid))) ==
           0xFFFFFFFFu;
}

// Encodes `blocks` blocks of 24 bytes of `in` into 32 characters each at `out` (alphabet A-Z a-z
// 0-9 c62 c63, RFC 4648 §4/§5), and reads 4 bytes past the last block, which the caller must have.
// Constant time in the bytes: each 6-bit value is turned into its character by compares and a
// 16-entry shuffle of offsets, never by a table indexed by the secret (a JWK's "k" is encoded here
// too). The steps are the published SIMD base64 method (Muła and Lemire, "Faster Base64 Encoding
// and Decoding Using AVX2 Instructions", 2018): spread each 3 bytes over 4, cut the four 6-bit
// fields out with two multiplies, then add each field's offset to its character.
__attribute__((target("avx2"))) inline void base64_encode_avx2(const unsigned char* in, std::size_t blocks, char* out,
                                                               char c62, char c63) noexcept
{
    // Within each 128-bit lane (12 input bytes), bytes b0 b1 b2 of each group go to b1 b0 b2 b1, so
    // that each 16-bit half holds the two fields it must cut out.
    const avx2::c8x32 spread = {1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10};
    const avx2::i32x8 fields_ac = avx2::i32x8{} + 0x0FC0FC00, fields_bd = avx2::i32x8{} + 0x003F03F0;
    // 16-bit multipliers, low half first: the high product shifts a right by 10 and c by 6; the low
    // product shifts b left by 4 and d by 8. Each field then sits in the low 6 bits of its octet.
    const avx2::i16x16 shift_ac = {0x0040, 0x0400, 0x0040, 0x0400, 0x0040, 0x0400, 0x0040, 0x0400,
                                   0x0040, 0x0400, 0x0040, 0x0400, 0x0040, 0x0400, 0x0040, 0x0400};
    const avx2::i16x16 shift_bd = {0x0010, 0x0100, 0x0010, 0x0100, 0x0010, 0x0100, 0x0010, 0x0100,
                                   0x0010, 0x0100, 0x0010, 0x0100, 0x0010, 0x0100, 0x0010, 0x0100};
    // Offset from value to character, selected by class: 0 for 26..51 (a-z), 1..10 for 52..61
    // (0-9), 11 for 62, 12 for 63, 13 for 0..25 (A-Z).
    const auto d = [](int character, int value) { return static_cast<char>(character - value); };
    const avx2::c8x32 offsets = {d('a', 26), d('0', 52), d('0', 52), d('0', 52), d('0', 52), d('0', 52), d('0', 52),
                                 d('0', 52), d('0', 52), d('0', 52), d('0', 52), d(c62, 62), d(c63, 63), d('A', 0),
                                 0,          0,          d('a', 26), d('0', 52), d('0', 52), d('0', 52), d('0', 52),
                                 d('0', 52), d('0', 52), d('0', 52), d('0', 52), d('0', 52), d('0', 52), d(c62, 62),
                                 d(c63, 63), d('A', 0),  0,          0};
    const avx2::i8x32 v51 = avx2::splat(51), v26 = avx2::splat(26), v13 = avx2::splat(13);
    for (; blocks != 0; --blocks, in += 24, out += 32) {
        avx2::i64x2 lo, hi;  // bytes 0..11 in the low lane, 12..23 in the high lane
        std::memcpy(&lo, in, sizeof lo);
        std::memcpy(&hi, in + 12, sizeof hi);
        const auto x = reinterpret_cast<avx2::c8x32>(__builtin_shufflevector(lo, hi, 0, 1, 2, 3));  // vinserti128
        const auto g = reinterpret_cast<avx2::i32x8>(__builtin_ia32_pshufb256(x, spread));  // _mm256_shuffle_epi8
        const auto ac = reinterpret_cast<avx2::i16x16>(g & fields_ac);
        const auto bd = reinterpret_cast<avx2::i16x16>(g & fields_bd);
        const avx2::i8x32 values =
            reinterpret_cast<avx2::i8x32>(__builtin_ia32_pmulhuw256(ac, shift_ac)) |  // _mm256_mulhi_epu16
            reinterpret_cast<avx2::i8x32>(bd * shift_bd);                             // _mm256_mullo_epi16
        // The class of each value (0..63): 1..12 for 52..63, 13 below 26, else 0.
        const avx2::i8x32 cls = ((values - v51) & (values > v51)) | ((v26 > values) & v13);
        const avx2::c8x32 add =
            __builtin_ia32_pshufb256(offsets, reinterpret_cast<avx2::c8x32>(cls));  // _mm256_shuffle_epi8
        const avx2::i8x32 chars = values + reinterpret_cast<avx2::i8x32>(add);
        std::memcpy(out, &chars, sizeof chars);  // _mm256_storeu_si256
    }
}

#endif  // APIAUTH_BASE64_AVX2

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_BASE64_AVX2_HPP
