// apiauth/detail/utf8.hpp — UTF-8 validation (RFC 3629 §4) on octets, no transcoding.
#ifndef APIAUTH_DETAIL_UTF8_HPP
#define APIAUTH_DETAIL_UTF8_HPP

#include <apiauth/config.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

/// True when `s` is well-formed UTF-8: no overlong forms, no surrogates
/// (U+D800-DFFF), nothing above U+10FFFF (RFC 3629 §4 UTF8-octets).
inline bool is_utf8(std::string_view s) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII octets at a time while there are eight left.
        while (n - i >= 8) {
            std::uint64_t v;
            std::memcpy(&v, p + i, 8);
            if ((v & 0x8080808080808080u) != 0) break;
            i += 8;
        }
        if (i == n) break;
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned lo = 0x80, hi = 0xBF;  // range of the second octet
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;  // overlong
            else if (c == 0xED)
                hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;  // overlong
            else if (c == 0xF4)
                hi = 0x8F;  // above U+10FFFF
        } else {
            return false;  // 0x80-0xC1 (continuation, overlong lead) and 0xF5-0xFF
        }
        if (n - i < len) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (std::size_t k = 2; k < len; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
        i += len;
    }
    return true;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_UTF8_HPP
