// fuzz_base64 — differential fuzzer of apiauth::encoding::base64 / apiauth::encoding::base64url against OpenSSL.
//
// The input is used whole, both as text to decode and as octets to encode. Checks, abort() on any failure:
//  - strict base64: whenever apiauth accepts, EVP_DecodeBlock accepts and gives the same octets (EVP counts each
//    '=' as a zero octet: trimmed), and re-encoding with apiauth and with EVP_EncodeBlock gives back exactly the
//    input (a strict decoder accepts only the canonical encoding);
//  - allow_missing_padding: accepts everything strict accepts with the same octets; what it accepts re-encodes to
//    the input plus the padding it left out;
//  - base64url: accepted input round-trips exactly through encode, and decodes to the same octets as the input
//    translated to the base64 alphabet and padded; '=' is never accepted;
//  - encoding arbitrary octets: apiauth and EVP_EncodeBlock agree, base64url is the same text translated and
//    unpadded, both decode back to the input;
//  - the span APIs write exactly the sizes they promise (exact-size heap buffers, so ASan sees any overrun) and
//    refuse a buffer one byte short with buffer_too_small; the std::string APIs agree with the span APIs.
#include "fuzz_check.hpp"

#include <apiauth/encoding/base64.hpp>

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace {

using apiauth::errc;

bool is_error(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool is_base64_error(const std::error_code& ec)
{
    return is_error(ec, errc::base64_invalid_character) || is_error(ec, errc::base64_invalid_length) ||
           is_error(ec, errc::base64_invalid_padding) || is_error(ec, errc::base64_noncanonical);
}

std::string_view chars(const std::byte* p, std::size_t n)
{
    return {reinterpret_cast<const char*>(p), n};
}

// EVP_DecodeBlock: the octets of `in`, or nullopt-like false. Pad characters decode as zero octets that are
// counted in its return value; `pad` of them are trimmed.
bool evp_decode(std::string_view in, std::size_t pad, std::string& out)
{
    if (in.size() > static_cast<std::size_t>(INT32_MAX / 2)) return false;
    auto buf = std::make_unique<unsigned char[]>(in.size() / 4 * 3 + 3);
    const int n =
        EVP_DecodeBlock(buf.get(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n < 0) return false;
    const auto len = static_cast<std::size_t>(n);
    if (len < pad) return false;
    out.assign(reinterpret_cast<const char*>(buf.get()), len - pad);
    return true;
}

std::string evp_encode(std::string_view in)
{
    auto buf = std::make_unique<unsigned char[]>((in.size() + 2) / 3 * 4 + 1);
    const int n =
        EVP_EncodeBlock(buf.get(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    FUZZ_CHECK(n >= 0);
    return {reinterpret_cast<const char*>(buf.get()), static_cast<std::size_t>(n)};
}

std::size_t trailing_pad(std::string_view s)
{
    std::size_t n = 0;
    while (n < s.size() && s[s.size() - 1 - n] == '=') ++n;
    return n;
}

std::string to_std_alphabet(std::string_view s)
{
    std::string t(s);
    for (char& c : t) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/')
            c = '!';  // not in the base64url alphabet: keep it invalid after translation
    }
    return t;
}

std::string to_url_alphabet(std::string_view s)
{
    std::string t(s);
    for (char& c : t) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    while (!t.empty() && t.back() == '=') t.pop_back();
    return t;
}

// Decode `in` with a span API into an exact-size heap buffer; also check that one octet less is refused.
template <class Decode> apiauth::result<std::string> decode_exact(std::string_view in, Decode&& decode)
{
    // First learn the size with a generous buffer.
    const std::size_t max = apiauth::encoding::base64::decoded_size_max(in.size());
    auto big = std::make_unique<std::byte[]>(max + 1);
    auto r = decode(in, std::span<std::byte>(big.get(), max));
    if (!r) return r.error();
    const std::size_t n = *r;
    FUZZ_CHECK(n <= max);
    auto exact = std::make_unique<std::byte[]>(n == 0 ? 1 : n);
    auto r2 = decode(in, std::span<std::byte>(exact.get(), n));
    FUZZ_CHECK(r2 && *r2 == n);
    FUZZ_CHECK(chars(exact.get(), n) == chars(big.get(), n));
    if (n > 0) {
        auto r3 = decode(in, std::span<std::byte>(exact.get(), n - 1));
        FUZZ_CHECK(!r3 && is_error(r3.error(), errc::buffer_too_small));
    }
    return std::string(chars(big.get(), n));
}

template <class Encode> std::string encode_exact(std::string_view in, std::size_t size, Encode&& encode)
{
    auto buf = std::make_unique<char[]>(size == 0 ? 1 : size);
    auto r = encode(apiauth::detail::as_bytes(in), std::span<char>(buf.get(), size));
    FUZZ_CHECK(r && *r == size);
    if (size > 0) {
        auto r2 = encode(apiauth::detail::as_bytes(in), std::span<char>(buf.get(), size - 1));
        FUZZ_CHECK(!r2 && is_error(r2.error(), errc::buffer_too_small));
    }
    return {buf.get(), size};
}

void check_base64(std::string_view in)
{
    namespace b64 = apiauth::encoding::base64;
    const auto strict = decode_exact(in, [](std::string_view s, std::span<std::byte> o) { return b64::decode(s, o); });
    const auto loose = decode_exact(in, [](std::string_view s, std::span<std::byte> o) {
        return b64::decode(s, o, {.allow_missing_padding = true});
    });

    // The allocating API agrees with the span API.
    const auto strict_s = b64::decode(in);
    FUZZ_CHECK(strict.has_value() == strict_s.has_value());
    if (strict) FUZZ_CHECK(*strict == *strict_s);
    if (!strict) FUZZ_CHECK(strict.error() == strict_s.error() && is_base64_error(strict.error()));
    const auto loose_s = b64::decode(in, {.allow_missing_padding = true});
    FUZZ_CHECK(loose.has_value() == loose_s.has_value());
    if (loose) FUZZ_CHECK(*loose == *loose_s);
    if (!loose) FUZZ_CHECK(loose.error() == loose_s.error() && is_base64_error(loose.error()));

    if (strict) {
        FUZZ_CHECK(in.size() % 4 == 0);
        std::string ossl;
        FUZZ_CHECK(evp_decode(in, trailing_pad(in), ossl));
        FUZZ_CHECK(ossl == *strict);
        FUZZ_CHECK(b64::encode(*strict) == in);
        FUZZ_CHECK(evp_encode(*strict) == in);
        FUZZ_CHECK(loose && *loose == *strict);
    }
    if (loose) {
        // Missing padding restored, the input is what a strict decoder accepts.
        std::string padded(in);
        while (padded.size() % 4 != 0) padded.push_back('=');
        FUZZ_CHECK(b64::encode(*loose) == padded);
        const auto again = b64::decode(padded);
        FUZZ_CHECK(again && *again == *loose);
        std::string ossl;
        FUZZ_CHECK(evp_decode(padded, trailing_pad(padded), ossl));
        FUZZ_CHECK(ossl == *loose);
        if (!strict) FUZZ_CHECK(is_error(strict.error(), errc::base64_invalid_padding) && padded != in);
    }
}

void check_base64url(std::string_view in)
{
    namespace url = apiauth::encoding::base64url;
    const auto r = decode_exact(in, [](std::string_view s, std::span<std::byte> o) { return url::decode(s, o); });
    const auto rs = url::decode(in);
    FUZZ_CHECK(r.has_value() == rs.has_value());
    if (!r) {
        FUZZ_CHECK(r.error() == rs.error() && is_base64_error(r.error()));
        return;
    }
    FUZZ_CHECK(*r == *rs);
    FUZZ_CHECK(in.find('=') == std::string_view::npos);
    FUZZ_CHECK(url::encode(*r) == in);
    // The same octets through the base64 alphabet, padded.
    std::string t = to_std_alphabet(in);
    while (t.size() % 4 != 0) t.push_back('=');
    const auto std_r = apiauth::encoding::base64::decode(t);
    FUZZ_CHECK(std_r && *std_r == *r);
}

void check_encode(std::string_view in)
{
    namespace b64 = apiauth::encoding::base64;
    namespace url = apiauth::encoding::base64url;
    const std::string e = b64::encode(in);
    FUZZ_CHECK(e.size() == b64::encoded_size(in.size()));
    FUZZ_CHECK(e == evp_encode(in));
    FUZZ_CHECK(e == encode_exact(in, e.size(), [](auto i, auto o) { return b64::encode(i, o); }));
    const std::string u = url::encode(in);
    FUZZ_CHECK(u.size() == url::encoded_size(in.size()));
    FUZZ_CHECK(u == to_url_alphabet(e));
    FUZZ_CHECK(u == encode_exact(in, u.size(), [](auto i, auto o) { return url::encode(i, o); }));

    const auto d = b64::decode(e);
    FUZZ_CHECK(d && *d == in);
    const auto du = url::decode(u);
    FUZZ_CHECK(du && *du == in);
    // Without its padding, base64 is accepted only by the loosened decoder.
    const std::string_view unpadded = std::string_view(e).substr(0, e.size() - trailing_pad(e));
    const auto dl = b64::decode(unpadded, {.allow_missing_padding = true});
    FUZZ_CHECK(dl && *dl == in);
    if (unpadded.size() != e.size()) FUZZ_CHECK(!b64::decode(unpadded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    check_base64(in);
    check_base64url(in);
    check_encode(in);
    return 0;
}
