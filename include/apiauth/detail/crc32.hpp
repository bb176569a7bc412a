// apiauth/detail/crc32.hpp — CRC-32/ISO-HDLC (the zlib CRC): slicing-by-16 with constexpr
// tables, and carry-less multiplication (PCLMULQDQ) on x86-64 processors that have it, chosen
// at run time. The carry-less path reads no table at an address the data selects; the table
// path does (a cache-timing trace of the data, which for an API key is secret): it serves
// other processors, and builds with APIAUTH_NO_CLMUL defined.
#ifndef APIAUTH_DETAIL_CRC32_HPP
#define APIAUTH_DETAIL_CRC32_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(APIAUTH_NO_CLMUL)
#define APIAUTH_CRC32_CLMUL 1
#include <immintrin.h>
#endif

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// CRC-32/ISO-HDLC: reflected polynomial 0xEDB88320, init and xorout 0xFFFFFFFF,
// check value crc32("123456789") = 0xCBF43926 (research/api-keys.md §8.1; the
// CRC zlib's crc32() computes). The CRC of an API key (63..94 octets) is on the
// verification hot path, before any store access.
//
// Table k gives the contribution of an octet followed by k zero octets, so 16
// octets are folded with 16 independent lookups (slicing-by-16) instead of a
// chain of 16 dependent ones. 16 KiB.
inline constexpr std::array<std::array<std::uint32_t, 256>, 16> crc32_tables = [] {
    std::array<std::array<std::uint32_t, 256>, 16> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (std::size_t k = 1; k < t.size(); ++k)
        for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    return t;
}();

// The register after the octets [p, p + n) from register c (no pre- or
// post-inversion): slicing-by-16, then 8, 4 and single octets.
constexpr std::uint32_t crc32_raw(std::uint32_t c, const char* p, std::size_t n) noexcept
{
    const auto& t = crc32_tables;
    // Four octets as a little-endian word (one load once optimised; constexpr-friendly).
    const auto word = [](const char* q) noexcept {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(q[0])) |
               static_cast<std::uint32_t>(static_cast<unsigned char>(q[1])) << 8 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(q[2])) << 16 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(q[3])) << 24;
    };
    // The contribution of word w when it is followed by k more words (k = 0..3).
    const auto fold = [](std::uint32_t w, std::size_t k) noexcept {
        const auto& tab = crc32_tables;
        return tab[4 * k + 3][w & 0xFFu] ^ tab[4 * k + 2][(w >> 8) & 0xFFu] ^ tab[4 * k + 1][(w >> 16) & 0xFFu] ^
               tab[4 * k][w >> 24];
    };
    for (; n >= 16; n -= 16, p += 16)
        c = fold(c ^ word(p), 3) ^ fold(word(p + 4), 2) ^ fold(word(p + 8), 1) ^ fold(word(p + 12), 0);
    if (n >= 8) {
        c = fold(c ^ word(p), 1) ^ fold(word(p + 4), 0);
        n -= 8;
        p += 8;
    }
    if (n >= 4) {
        c = fold(c ^ word(p), 0);
        n -= 4;
        p += 4;
    }
    for (; n != 0; --n, ++p) c = t[0][(c ^ static_cast<unsigned char>(*p)) & 0xFFu] ^ (c >> 8);
    return c;
}

#if defined(APIAUTH_CRC32_CLMUL)

#define APIAUTH_CRC32_CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

// Folding constants for a distance of D = 128·m bits (m = 1..6), as the kernel
// uses them: {x^(D−32) mod P, x^(D+32) mod P}, bit-reflected over 33 bits (the
// high and the low lane). m = 1 and m = 4 are the k4, k3 and k2, k1 of the paper.
inline constexpr std::uint64_t crc32_fold_constants[7][2] = {
    {0, 0},                        // unused
    {0x00CCAA009E, 0x01751997D0},  // 128 bits
    {0x015A546366, 0x00F1DA05AA},  // 256 bits
    {0x0174359406, 0x003DB1ECDC},  // 384 bits
    {0x01C6E41596, 0x0154442BD4},  // 512 bits
    {0x00AE0B5394, 0x01C7569E54},  // 640 bits
    {0x018CB44E58, 0x00DF068DC2},  // 768 bits
};

// x moved m blocks (128·m bits) further along the message.
APIAUTH_CRC32_CLMUL_TARGET inline __m128i crc32_fold_by(__m128i x, std::size_t m) noexcept
{
    const __m128i k = _mm_set_epi64x(static_cast<long long>(crc32_fold_constants[m][0]),
                                     static_cast<long long>(crc32_fold_constants[m][1]));
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

// The register after [p, p + n) from register c, n ≥ 64 and a multiple of 16, by
// folding 128-bit blocks with carry-less multiplications and a Barrett reduction:
// V. Gopal, E. Ozturk et al., "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ Instruction" (Intel, 2009), with the bit-reflected constants of its
// appendix for this polynomial (zlib-chromium's crc32_simd.c has the same kernel).
// Four chains 512 bits apart run through the message; at its end each chain
// and each block left over is folded by its own distance to the last block, all
// at once, rather than one after the other: an API key is 5 or 6 blocks, so the
// latency of that final combination is most of the CRC's. Only called when the
// processor has PCLMULQDQ and SSE4.1 (crc32_clmul_available).
APIAUTH_CRC32_CLMUL_TARGET inline std::uint32_t crc32_clmul(std::uint32_t c, const char* p, std::size_t n) noexcept
{
    const auto* q = reinterpret_cast<const __m128i*>(p);
    __m128i x1 = _mm_xor_si128(_mm_loadu_si128(q), _mm_cvtsi32_si128(static_cast<int>(c)));
    __m128i x2 = _mm_loadu_si128(q + 1), x3 = _mm_loadu_si128(q + 2), x4 = _mm_loadu_si128(q + 3);
    q += 4;
    n -= 64;
    for (; n >= 64; n -= 64, q += 4) {
        x1 = _mm_xor_si128(crc32_fold_by(x1, 4), _mm_loadu_si128(q));
        x2 = _mm_xor_si128(crc32_fold_by(x2, 4), _mm_loadu_si128(q + 1));
        x3 = _mm_xor_si128(crc32_fold_by(x3, 4), _mm_loadu_si128(q + 2));
        x4 = _mm_xor_si128(crc32_fold_by(x4, 4), _mm_loadu_si128(q + 3));
    }
    // r blocks remain (0..3); the last of them, or x4 if none, is not moved.
    const std::size_t r = n / 16;
    __m128i x =
        _mm_xor_si128(_mm_xor_si128(crc32_fold_by(x1, 3 + r), crc32_fold_by(x2, 2 + r)), crc32_fold_by(x3, 1 + r));
    x = _mm_xor_si128(x, r == 0 ? x4 : crc32_fold_by(x4, r));
    for (std::size_t j = 0; j < r; ++j) {
        const __m128i y = _mm_loadu_si128(q + j);
        x = _mm_xor_si128(x, j + 1 == r ? y : crc32_fold_by(y, r - 1 - j));
    }

    // 128 bits to 64, 64 to 32, then the Barrett reduction.
    const __m128i k3k4 = _mm_set_epi64x(0x00CCAA009E, 0x01751997D0);
    const __m128i k5 = _mm_set_epi64x(0, 0x0163CD6124);               // x^64 mod P
    const __m128i poly = _mm_set_epi64x(0x01F7011641, 0x01DB710641);  // Barrett: mu, P (bit-reflected)
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
    x = _mm_xor_si128(_mm_srli_si128(x, 8), _mm_clmulepi64_si128(x, k3k4, 0x10));
    x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), k5, 0x00), _mm_srli_si128(x, 4));
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x, low32), poly, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), poly, 0x00);
    return static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x, t), 1));
}

/// True if this processor runs crc32_clmul (PCLMULQDQ and SSE4.1); asked once.
inline bool crc32_clmul_available() noexcept
{
    static const bool available = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    }();
    return available;
}

#endif  // APIAUTH_CRC32_CLMUL

/// Continue a CRC-32: `crc` is the CRC of the bytes before `s` (0 for none),
/// as zlib's crc32(crc, buf, len). crc32_update(crc32(a), b) == crc32(a ‖ b).
/// The tables alone in constant evaluation; from 64 octets on, the carry-less
/// kernel over the longest multiple of 16 where the processor has it.
constexpr std::uint32_t crc32_update(std::uint32_t crc, std::string_view s) noexcept
{
    std::uint32_t c = ~crc;
    const char* p = s.data();
    std::size_t n = s.size();
#if defined(APIAUTH_CRC32_CLMUL)
    if (!std::is_constant_evaluated() && n >= 64 && crc32_clmul_available()) {
        const std::size_t blocks = n & ~std::size_t{15};
        c = crc32_clmul(c, p, blocks);
        p += blocks;
        n -= blocks;
    }
#endif
    return ~crc32_raw(c, p, n);
}

#if defined(APIAUTH_CRC32_CLMUL)

// For the carry-less kernel, which takes whole 16-octet blocks, a message is
// padded at the front with k zero octets. Zeros change the register but not
// the information in it: running k zero octets is multiplication by x^(8k)
// mod P, invertible because P has a constant term. crc32_zero_prefix[k] is the
// start register that k zero octets turn into 0xFFFFFFFF (the CRC's initial
// value), found by running the table step backwards: the top octet of
// crc32_tables[0][i] is different for each i, so it names i.
inline constexpr std::array<std::uint32_t, 16> crc32_zero_prefix = [] {
    std::array<std::uint8_t, 256> index_of_top{};
    for (std::size_t i = 0; i < 256; ++i) index_of_top[crc32_tables[0][i] >> 24] = static_cast<std::uint8_t>(i);
    std::array<std::uint32_t, 16> start{};
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t k = 0; k < start.size(); ++k) {
        start[k] = c;
        const std::uint8_t i = index_of_top[c >> 24];  // one zero octet backwards
        c = ((c ^ crc32_tables[0][i]) << 8) | i;
    }
    return start;
}();

static_assert([] {
    for (std::size_t k = 0; k < 16; ++k) {
        std::uint32_t c = crc32_zero_prefix[k];
        for (std::size_t z = 0; z < k; ++z) c = crc32_tables[0][c & 0xFFu] ^ (c >> 8);
        if (c != 0xFFFFFFFFu) return false;
    }
    return true;
}());

#endif  // APIAUTH_CRC32_CLMUL

/// CRC-32/ISO-HDLC of `s`.
///
/// From 49 to 256 octets on a processor with PCLMULQDQ (every API key), the
/// message is copied behind k = -n mod 16 zero octets and folded by the
/// carry-less kernel alone, from the start register crc32_zero_prefix[k]: no
/// memory is read at an address the message selects, so the time and the cache
/// footprint do not depend on its contents (a key's checksum covers its secret).
/// The copy is wiped. Elsewhere, tables (slicing-by-16).
constexpr std::uint32_t crc32(std::string_view s) noexcept
{
#if defined(APIAUTH_CRC32_CLMUL)
    if (!std::is_constant_evaluated() && s.size() >= 49 && s.size() <= 256 && crc32_clmul_available()) {
        const std::size_t k = (16 - s.size() % 16) % 16;
        std::array<char, 256 + 16> buf;
        for (std::size_t i = 0; i < k; ++i) buf[i] = 0;
        std::memcpy(buf.data() + k, s.data(), s.size());
        const std::uint32_t c = crc32_clmul(crc32_zero_prefix[k], buf.data(), k + s.size());
        wipe(buf.data() + k, s.size());
        return ~c;
    }
#endif
    return crc32_update(0, s);
}

static_assert(crc32("123456789") == 0xCBF43926u, "CRC-32/ISO-HDLC check value");
static_assert(crc32("") == 0);

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_CRC32_HPP
