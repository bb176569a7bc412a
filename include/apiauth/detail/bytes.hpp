// apiauth/detail/bytes.hpp — views between characters and octets, and wiping.
#ifndef APIAUTH_DETAIL_BYTES_HPP
#define APIAUTH_DETAIL_BYTES_HPP

#include <apiauth/config.hpp>
#include <openssl/crypto.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

inline std::span<const std::byte> as_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline std::string_view as_chars(std::span<const std::byte> b) noexcept
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Overwrite memory holding a secret with zeros, in a way the compiler may
/// not remove as dead stores: memset followed by an empty asm that claims to
/// read the memory (Linux's memzero_explicit), inline; OPENSSL_cleanse (a call
/// through a volatile function pointer) where that asm is not available.
inline void wipe(void* p, std::size_t n) noexcept
{
    if (n == 0) return;
#if defined(__GNUC__) || defined(__clang__)
    std::memset(p, 0, n);
    __asm__ volatile("" : : "r"(p) : "memory");
#else
    OPENSSL_cleanse(p, n);
#endif
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_BYTES_HPP
