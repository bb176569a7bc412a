// apiauth/api_key/detail/basic.hpp — internals of verify_basic_api_key: the general path through
// extract_basic, and the one-pass decoder of its fast path.
#ifndef APIAUTH_API_KEY_DETAIL_BASIC_HPP
#define APIAUTH_API_KEY_DETAIL_BASIC_HPP

#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/detail/verify.hpp>
#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/presented.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/base64_avx2.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/request.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// The Basic credentials of a request through the general path: extract_basic,
// octets, no token68 longer than the base64 of a 100-octet pair.
template <class Observer>
std::error_code present_basic_general(presented_api_key& p, const http::request_view& req, const pepper_ring& ring,
                                      const api_key_options& opt, Observer& obs) noexcept
{
    auto c = http::extract_basic(req, {.charset = http::charset_policy::octets,
                                       .allow_missing_padding = false,
                                       .max_token_size = encoding::base64::encoded_size(api_key_max_size)});
    if (!c) return c.error();
    return present_pair(p, c->user_id(), c->password(), ring, opt, obs);
}

template <api_key_store Store, class Observer>
result<verified_api_key> verify_basic_general(const http::request_view& req, const Store& store,
                                              const pepper_ring& ring, const api_key_options& opt,
                                              Observer& obs) noexcept
{
    presented_api_key p = presented_access::make();
    if (auto e = present_basic_general(p, req, ring, opt, obs)) return e;
    result<std::shared_ptr<const api_key_record>> found = store.lookup(p.key_id());
    if (p.format() == api_key_format::stormpath) return finish_stormpath(p, found, ring, opt, obs);
    return finish_v1(p, found, ring, opt, obs);
}

/// Room decode_basic_pair needs: the longest pair, plus the octets a SIMD block writes past its end.
inline constexpr std::size_t basic_pair_buffer_size = framed_key::capacity;

// The fast path's decoder: `field` is "Basic" (any case), one SP and the
// padded, canonical base64 (RFC 4648 §4) of 69..100 octets. Decodes into
// `out` and returns the octet count, or 0 when the field is not of exactly
// that form; the caller then takes the general path, which reports the error
// (or accepts a form this decoder does not, e.g. several SPs). Blocks of 32
// characters with encoding/'s AVX2 block decoder where the processor has it
// (`simd`), the rest four characters at a time with base64_value_ct: no table
// is indexed by a character of the secret, and neither loop ends early at a bad
// character (each tests its errors once, after it has run). Only this path is
// table-free: a field it declines goes to the general path's base64_decode.
inline std::size_t decode_basic_pair(std::string_view field, std::span<char, basic_pair_buffer_size> out,
                                     bool simd = true) noexcept
{
    constexpr std::size_t min_chars = encoding::base64::encoded_size(api_key_min_size);  // 92
    constexpr std::size_t max_chars = encoding::base64::encoded_size(api_key_max_size);  // 136
    if (field.size() < 6 + min_chars || field.size() > 6 + max_chars || field[5] != ' ' ||
        !detail::istarts_with(field, "basic"))
        return 0;
    const std::string_view b64 = field.substr(6);
    if (b64.size() % 4 != 0) return 0;
    const auto value = [](unsigned char c) noexcept { return base64_value_ct(static_cast<char>(c), '+', '/'); };
    const auto* s = reinterpret_cast<const unsigned char*>(b64.data());
    const std::size_t pad = s[b64.size() - 1] != '=' ? 0 : s[b64.size() - 2] != '=' ? 1 : 2;
    const std::size_t full = b64.size() - (pad == 0 ? 0 : 4);  // characters in groups without '='
    const std::size_t n = full / 4 * 3 + (pad == 0 ? 0 : 3 - pad);
    if (n < api_key_min_size || n > api_key_max_size) return 0;
    unsigned bad = 0;
    std::size_t i = 0, w = 0;
#if defined(APIAUTH_BASE64_AVX2)
    if (simd && cpu_has_avx2()) {
        // Writes up to blocks·24 + 8 ≤ n + 8 octets: basic_pair_buffer_size has that room.
        const std::size_t blocks = full / base64_avx2_block_chars;
        if (!base64_decode_avx2(s, blocks, reinterpret_cast<unsigned char*>(out.data()), '+', '/')) return 0;
        i = blocks * base64_avx2_block_chars;
        w = blocks * base64_avx2_block_bytes;
    }
#else
    (void)simd;
#endif
    for (; i < full; i += 4, w += 3) {
        const unsigned a = value(s[i]), b = value(s[i + 1]), c = value(s[i + 2]), d = value(s[i + 3]);
        bad |= a | b | c | d;
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        out[w] = static_cast<char>(v >> 16);
        out[w + 1] = static_cast<char>(v >> 8);
        out[w + 2] = static_cast<char>(v);
    }
    if (pad != 0) {
        const unsigned a = value(s[i]), b = value(s[i + 1]), c = pad == 1 ? value(s[i + 2]) : 0;
        bad |= a | b | c;
        // RFC 4648 §3.5: the unused bits of the last character are zero.
        if ((pad == 1 ? c & 0x03 : b & 0x0F) != 0) bad |= 0x80;
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
        out[w] = static_cast<char>(v >> 16);
        if (pad == 1) out[w + 1] = static_cast<char>(v >> 8);
    }
    return (bad & 0x80) != 0 ? 0 : n;  // 0xFF marks a character outside the alphabet ('=' included)
}
// The first step for a request's Basic credentials. The form every client sends — one field,
// "Basic", one SP, padded base64 of a v1 pair — is decoded in one pass straight into the buffer
// the token is verified from; anything else takes the general path.
template <class Observer>
std::error_code present_basic(presented_api_key& p, const http::request_view& req, const pepper_ring& ring,
                              const api_key_options& opt, Observer& obs) noexcept
{
    if (req.authorization.size() == 1) {
        // The pair is decoded straight into the buffer the token is verified from.
        framed_key& f = presented_access::framed(p);
        const std::span<char, basic_pair_buffer_size> pair(f.token_data(), basic_pair_buffer_size);
        if (const std::size_t n = decode_basic_pair(req.authorization.front(), pair); n != 0) {
            // At the pair's cut the key's '_' goes back. A well-formed result has no other
            // ':' and no CTL, so the general path would split and rebuild it the same way.
            const bool cut = pair[n - 50] == ':';
            pair[n - 50] = '_';
            f.set_size(n);
            if (cut && well_formed_key(f.token())) {
                if (auto e = check_policy(ring, opt)) return e;
                return present_framed(f, opt, obs);
            }
        }
    }
    return present_basic_general(p, req, ring, opt, obs);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_API_KEY_DETAIL_BASIC_HPP
