// bench/hmac_floor.hpp — the floor of every HMAC-SHA-256 benchmark (hmac/*, api_key/verify,
// jwt/hs256_verify): HMAC as fast as OpenSSL 3.0 allows, from ipad and opad SHA256_CTX states
// computed once and copied per MAC (DESIGN.md's table: the low-level API is the fastest honest
// floor). No apiauth header here.
#ifndef APIAUTH_BENCH_HMAC_FLOOR_HPP
#define APIAUTH_BENCH_HMAC_FLOOR_HPP

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace apiauth_bench {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// SHA-256 of `msg` through the low-level API (SHA256_CTX): no provider fetch, no allocation; the
/// hashing step of the RSA and ECDSA floors.
inline void sha256(std::string_view msg, unsigned char* out) noexcept
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, msg.data(), msg.size());
    SHA256_Final(out, &c);
}

class hmac_sha256_floor {
public:
    /// `key` of at most one block (64 octets): the benchmarks' keys all are, so it is never hashed.
    explicit hmac_sha256_floor(std::span<const std::byte> key) noexcept
    {
        std::array<unsigned char, 64> k{};
        std::copy_n(reinterpret_cast<const unsigned char*>(key.data()), std::min<std::size_t>(key.size(), k.size()),
                    k.begin());
        std::array<unsigned char, 64> pad{};
        for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
        SHA256_Init(&inner_);
        SHA256_Update(&inner_, pad.data(), pad.size());
        for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
        SHA256_Init(&outer_);
        SHA256_Update(&outer_, pad.data(), pad.size());
    }
    explicit hmac_sha256_floor(std::span<const unsigned char> key) noexcept : hmac_sha256_floor(std::as_bytes(key)) {}

    void compute(const unsigned char* msg, std::size_t n, unsigned char* out) const noexcept
    {
        SHA256_CTX c = inner_;
        SHA256_Update(&c, msg, n);
        unsigned char ih[SHA256_DIGEST_LENGTH];
        SHA256_Final(ih, &c);
        SHA256_CTX o = outer_;
        SHA256_Update(&o, ih, sizeof ih);
        SHA256_Final(out, &o);
    }

private:
    SHA256_CTX inner_{};
    SHA256_CTX outer_{};
};

#pragma GCC diagnostic pop

}  // namespace apiauth_bench

#endif  // APIAUTH_BENCH_HMAC_FLOOR_HPP
