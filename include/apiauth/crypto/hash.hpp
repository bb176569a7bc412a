// apiauth/crypto/hash.hpp — the SHA-2 functions apiauth uses, without per-call allocation.
//
// Two implementations, chosen at compile time:
//  - default: OpenSSL's low-level SHA256_CTX / SHA512_CTX. The context is a
//    plain struct, so a pre-keyed HMAC state is copied by assignment and a
//    digest costs no allocation and no provider dispatch. These functions are
//    deprecated in OpenSSL 3.0 and bypass providers (not FIPS-provider aware).
//  - APIAUTH_USE_EVP defined (or OpenSSL built without deprecated APIs):
//    the EVP provider API, for FIPS builds. See crypto/hmac.hpp for its cost.
#ifndef APIAUTH_CRYPTO_HASH_HPP
#define APIAUTH_CRYPTO_HASH_HPP

#include <apiauth/config.hpp>
// (apiauth/config.hpp chooses: APIAUTH_USE_EVP, or an OpenSSL without deprecated APIs.)

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/// The SHA-2 functions of JWA (RFC 7518 §3.2) and of the API key verifier.
enum class hash { sha256, sha384, sha512 };

/// Output length in bytes: 32, 48, 64.
constexpr std::size_t digest_size(hash h) noexcept
{
    return h == hash::sha256 ? 32 : h == hash::sha384 ? 48 : 64;
}

/// Input block length in bytes: 64 for SHA-256, 128 for SHA-384/512 (FIPS 180-4).
constexpr std::size_t block_size(hash h) noexcept
{
    return h == hash::sha256 ? 64 : 128;
}

/// "SHA256", "SHA384", "SHA512": the OpenSSL algorithm names.
constexpr const char* openssl_name(hash h) noexcept
{
    return h == hash::sha256 ? "SHA256" : h == hash::sha384 ? "SHA384" : "SHA512";
}

/// A digest or MAC value of up to 64 bytes. Not secret by itself; trivially copyable.
struct digest_value {
    std::array<std::byte, 64> bytes{};  ///< the value in its first `size` bytes; the rest are zero
    std::size_t size = 0;               ///< 32, 48 or 64

    /// The value's `size` bytes.
    std::span<const std::byte> span() const noexcept { return {bytes.data(), size}; }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

#if !defined(APIAUTH_USE_EVP)

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

// A running SHA-2 computation in a plain struct: copyable by assignment,
// no allocation, safe to copy from a shared const original in many threads.
class sha_state {
public:
    sha_state() noexcept = default;

    explicit sha_state(crypto::hash h) noexcept : h_(h)
    {
        switch (h_) {
        case crypto::hash::sha256: SHA256_Init(&u_.s256); break;
        case crypto::hash::sha384: SHA384_Init(&u_.s512); break;
        case crypto::hash::sha512: SHA512_Init(&u_.s512); break;
        }
    }

    void update(const void* p, std::size_t n) noexcept
    {
        if (h_ == crypto::hash::sha256)
            SHA256_Update(&u_.s256, p, n);
        else
            SHA512_Update(&u_.s512, p, n);  // SHA384_Update is SHA512_Update
    }

    // Writes digest_size(h) bytes. OpenSSL wipes the buffered block; the
    // chaining value left behind is the digest itself.
    void finish(unsigned char* out) noexcept
    {
        switch (h_) {
        case crypto::hash::sha256: SHA256_Final(out, &u_.s256); break;
        case crypto::hash::sha384: SHA384_Final(out, &u_.s512); break;
        case crypto::hash::sha512: SHA512_Final(out, &u_.s512); break;
        }
    }

    // Copies only the active context (112 bytes for SHA-256, not the union's 216).
    sha_state(const sha_state& o) noexcept : h_(o.h_) { copy_from(o); }
    sha_state& operator=(const sha_state& o) noexcept
    {
        h_ = o.h_;
        copy_from(o);
        return *this;
    }

    crypto::hash algorithm() const noexcept { return h_; }

private:
    void copy_from(const sha_state& o) noexcept
    {
        if (h_ == crypto::hash::sha256)
            u_.s256 = o.u_.s256;
        else
            u_.s512 = o.u_.s512;
    }

    crypto::hash h_ = crypto::hash::sha256;
    union {
        SHA256_CTX s256;
        SHA512_CTX s512;
    } u_{};
};

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif  // !APIAUTH_USE_EVP

// The EVP_MD of `h`, fetched once per process: an explicitly fetched EVP_MD
// saves the implicit fetch EVP does per call for EVP_sha256() and friends.
// Kept for the life of the process; safe to share between threads.
inline const EVP_MD* evp_md(crypto::hash h) noexcept
{
    static const EVP_MD* const mds[3] = {EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                         EVP_MD_fetch(nullptr, "SHA384", nullptr),
                                         EVP_MD_fetch(nullptr, "SHA512", nullptr)};
    return mds[static_cast<int>(h)];
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/** SHA-2 digest of `data`. Allocation-free in the default build; in the EVP
    build it allocates a context per call. Returns an empty value (size 0)
    only if OpenSSL fails in the EVP build. */
inline digest_value digest(hash h, std::span<const std::byte> data) noexcept
{
    digest_value d;
#if !defined(APIAUTH_USE_EVP)
    detail::sha_state s(h);
    s.update(data.data(), data.size());
    s.finish(reinterpret_cast<unsigned char*>(d.bytes.data()));
    d.size = digest_size(h);
#else
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(d.bytes.data()), &n, detail::evp_md(h),
                   nullptr) == 1)
        d.size = n;
#endif
    return d;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_HASH_HPP
