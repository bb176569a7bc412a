// bench/hmac_data.hpp — the key and message of the hmac/sha256_200B benchmarks,
// shared by apiauth_bench and apiauth_bench_evp. No apiauth header here.
#ifndef APIAUTH_BENCH_HMAC_DATA_HPP
#define APIAUTH_BENCH_HMAC_DATA_HPP

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>

namespace apiauth_bench {

inline constexpr std::size_t hmac_key_size = 32;
inline constexpr std::size_t hmac_message_size = 200;

struct hmac_data {
    std::array<unsigned char, hmac_key_size> key{};
    std::array<unsigned char, hmac_message_size> message{};
};

// Fixed, arbitrary bytes; the same in every build.
inline const hmac_data& hmac_inputs() noexcept
{
    static const hmac_data d = [] {
        hmac_data x;
        for (std::size_t i = 0; i < x.key.size(); ++i) x.key[i] = static_cast<unsigned char>(0xA5 ^ (i * 29 + 7));
        for (std::size_t i = 0; i < x.message.size(); ++i) x.message[i] = static_cast<unsigned char>(i * 131 + 17);
        return x;
    }();
    return d;
}

// OpenSSL's one-shot HMAC() of the benchmark input: the reference tag.
inline std::array<unsigned char, 32> hmac_reference() noexcept
{
    const hmac_data& d = hmac_inputs();
    std::array<unsigned char, 32> out{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), d.key.data(), static_cast<int>(d.key.size()), d.message.data(), d.message.size(), out.data(),
             &len) == nullptr ||
        len != out.size())
        out.fill(0);
    return out;
}

}  // namespace apiauth_bench

#endif  // APIAUTH_BENCH_HMAC_DATA_HPP
