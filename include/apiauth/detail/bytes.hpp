// apiauth/detail/bytes.hpp — views between characters and octets, and wiping.
#ifndef APIAUTH_DETAIL_BYTES_HPP
#define APIAUTH_DETAIL_BYTES_HPP

#include <openssl/crypto.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace apiauth::detail {

inline std::span<const std::byte> as_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline std::string_view as_chars(std::span<const std::byte> b) noexcept
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Overwrite memory holding a secret; the call cannot be optimised away (OPENSSL_cleanse).
inline void wipe(void* p, std::size_t n) noexcept
{
    if (n != 0) OPENSSL_cleanse(p, n);
}

}  // namespace apiauth::detail

#endif  // APIAUTH_DETAIL_BYTES_HPP
