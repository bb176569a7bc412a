// apiauth/crypto/compare.hpp — constant-time comparison of secrets.
#ifndef APIAUTH_CRYPTO_COMPARE_HPP
#define APIAUTH_CRYPTO_COMPARE_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/detail/bytes.hpp>

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/** Constant-time equality of two byte strings whose length is public.

    For MACs, digests and verifiers, whose length the algorithm fixes: the
    time depends only on the length, never on where the bytes differ
    (CRYPTO_memcmp). Strings of different length are unequal, and that is
    decided by the lengths alone.
*/
inline bool equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    if (a.size() != b.size()) return false;
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/** Constant-time equality of two 32-byte values (MACs, verifiers), inline.

    As libsodium's crypto_verify_32: the XOR of four 64-bit words OR-ed
    together, then one test; an empty asm makes the compiler materialise the
    whole reduction before the test, so no early exit can appear, and keeps
    a comparison whose result is unused (a dummy comparison on a miss). For
    hot paths where a call to CRYPTO_memcmp is a tenth of the work (API key
    verification); crypto::equal is the general form.
*/
inline bool equal_32(const std::array<std::byte, 32>& a, const std::array<std::byte, 32>& b) noexcept
{
    std::uint64_t d = 0;
    for (std::size_t i = 0; i < 32; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        d |= x ^ y;
    }
#if defined(__GNUC__) || defined(__clang__)
    __asm__ volatile("" : "+r"(d));
#else
    volatile std::uint64_t v = d;
    d = v;
#endif
    return d == 0;
}

/** Constant-time equality of two secrets whose lengths are secret too.

    Compares SHA-256(a) with SHA-256(b) in constant time, so there is no
    early return when the lengths differ and the time does not depend on
    where the strings differ. What remains observable is the time to hash
    each input, which grows with its length in 64-byte blocks: the
    attacker learns the length of their own guess, and the stored secret's
    length to within a block. Equal digests mean equal inputs (SHA-256
    collision resistance).
*/
inline bool secret_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    const digest_value da = digest(hash::sha256, a);
    const digest_value db = digest(hash::sha256, b);
    // Both sizes are 32 unless OpenSSL failed (EVP build); then never "equal".
    if (da.size != 32 || db.size != 32) return false;
    return CRYPTO_memcmp(da.bytes.data(), db.bytes.data(), 32) == 0;
}

/// As the overload above, for the octets of two strings.
inline bool secret_equal(std::string_view a, std::string_view b) noexcept
{
    return secret_equal(detail::as_bytes(a), detail::as_bytes(b));
}

/** Overwrite `n` bytes at `p` with zeros, in a way the compiler may not remove.

    For callers that hold secrets of their own (a decoded password, an API key
    before it is hashed, a client secret): call it before the memory is freed or
    reused. apiauth's own secret-holding types call it themselves.
*/
inline void wipe(void* p, std::size_t n) noexcept
{
    detail::wipe(p, n);
}

/** Overwrite every byte `s` holds, up to its capacity, then empty it.

    The whole buffer is wiped, not only the current size, so that what a
    shorter value left behind goes too. Never allocates.
*/
inline void wipe(std::string& s) noexcept
{
#if defined(__GNUC__) || defined(__clang__)
    // Every byte up to the capacity set to zero in one fill (no allocation: it fits), then an
    // empty asm that claims to read them, so that the fill is not removed as a dead store.
    s.assign(s.capacity(), '\0');
    __asm__ volatile("" : : "r"(s.data()) : "memory");
#else
    s.resize(s.capacity());  // within the capacity: no allocation; the new bytes are zeros
    detail::wipe(s.data(), s.size());
#endif
    s.clear();
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_COMPARE_HPP
