// apiauth/detail/json_writer.hpp — JSON text written by hand where the members
// are few and known (JOSE headers, access-token claims) and a JSON document
// would cost the hot path its allocations (BENCHMARKS.md, oauth2/token_endpoint).
#ifndef APIAUTH_DETAIL_JSON_WRITER_HPP
#define APIAUTH_DETAIL_JSON_WRITER_HPP

#include <apiauth/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Appends `s` as a JSON string (RFC 8259 §7), escaped as nlohmann/json's dump()
// escapes it, so that headers the signer wrote with nlohmann keep their bytes:
// '"', '\\' and the C0 controls (\b \f \n \r \t, else \u00xx in lower case);
// everything else as it is. `s` must be UTF-8 (the callers check). Runs of
// octets that need no escape are appended whole.
inline void append_json_string(std::string& out, std::string_view s)
{
    // Most strings need no escape: find the first octet that does, eight at a time (SWAR:
    // a byte below 0x20, or equal to '"' or '\\', sets its top bit in `hit`).
    std::size_t first = 0;
    for (; s.size() - first >= 8; first += 8) {
        std::uint64_t v;
        std::memcpy(&v, s.data() + first, 8);
        constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
        const std::uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
        const std::uint64_t hit = ((v - ones * 0x20) | (quote - ones) | (backslash - ones)) & ~v & high;
        if (hit != 0) break;
    }
    while (first < s.size()) {
        const auto c = static_cast<unsigned char>(s[first]);
        if (c < 0x20 || c == '"' || c == '\\') break;
        ++first;
    }
    if (first == s.size()) {
        out.reserve(out.size() + s.size() + 2);
        out += '"';
        out += s;
        out += '"';
        return;
    }
    constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // where the octets still to append as they are begin
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_JSON_WRITER_HPP
