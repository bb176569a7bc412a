// apiauth/crypto/random.hpp — bytes from OpenSSL's CSPRNG.
#ifndef APIAUTH_CRYPTO_RANDOM_HPP
#define APIAUTH_CRYPTO_RANDOM_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <openssl/rand.h>

#include <climits>
#include <cstddef>
#include <span>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/** Fill `out` with cryptographically secure random bytes (OpenSSL RAND_bytes).

    Returns random_failure, and leaves `out` zeroed, if the generator fails:
    the caller must not use the buffer then. OpenSSL 3 reseeds its DRBGs in
    a child after fork(), so a child never repeats its parent's output.
    Thread-safe. Never allocates after OpenSSL's first use of the DRBG.
*/
inline result<void> random_bytes(std::span<std::byte> out) noexcept
{
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    std::size_t left = out.size();
    while (left != 0) {
        const int n = left > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(left);
        if (RAND_bytes(p, n) != 1) {
            OPENSSL_cleanse(out.data(), out.size());
            return errc::random_failure;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_RANDOM_HPP
