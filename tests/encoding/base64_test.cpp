// Tests for apiauth/encoding/base64.hpp: RFC 4648 vectors, every rejection
// path, and a differential test against OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
#include <apiauth/encoding/base64.hpp>

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace encoding_base64_test {

using apiauth::errc;
namespace b64 = apiauth::encoding::base64;
namespace b64url = apiauth::encoding::base64url;

namespace {

struct vector_case {
    std::string_view plain, std64, url;
};

// RFC 4648 §10.
constexpr vector_case rfc4648_vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

std::error_code decode_error(std::string_view s, apiauth::base64_options o = {})
{
    auto r = b64::decode(s, o);
    return r ? std::error_code{} : r.error();
}

std::error_code decode_url_error(std::string_view s)
{
    auto r = b64url::decode(s);
    return r ? std::error_code{} : r.error();
}

}  // namespace

TEST_CASE("RFC 4648 §10 test vectors, base64 and base64url", "[base64]")
{
    for (const auto& v : rfc4648_vectors) {
        INFO("plain: " << v.plain);
        CHECK(b64::encode(v.plain) == v.std64);
        CHECK(b64url::encode(v.plain) == v.url);
        CHECK(b64::decode(v.std64).value() == v.plain);
        CHECK(b64url::decode(v.url).value() == v.plain);
        CHECK(b64::encoded_size(v.plain.size()) == v.std64.size());
        CHECK(b64url::encoded_size(v.plain.size()) == v.url.size());
    }
}

TEST_CASE("RFC 4648 §4 and §5: the two alphabets differ in exactly two characters", "[base64]")
{
    const std::string bytes = "\xfb\xff\xbf";  // 111110 111111 111110 111111
    CHECK(b64::encode(bytes) == "+/+/");
    CHECK(b64url::encode(bytes) == "-_-_");
    CHECK(b64::decode("+/+/").value() == bytes);
    CHECK(b64url::decode("-_-_").value() == bytes);
    CHECK(decode_error("-_-_") == errc::base64_invalid_character);
    CHECK(decode_url_error("+/+/") == errc::base64_invalid_character);
}

TEST_CASE("RFC 4648 §3.3: characters outside the alphabet are rejected", "[base64]")
{
    CHECK(decode_error("Zm9v Yg==") == errc::base64_invalid_character);   // space
    CHECK(decode_error("Zm9v\nYg==") == errc::base64_invalid_character);  // line feed (§3.1)
    CHECK(decode_error("Zm9v\r\nYg==") == errc::base64_invalid_character);
    CHECK(decode_error(" Zm9v") == errc::base64_invalid_character);
    CHECK(decode_error("Zm9v\t") == errc::base64_invalid_character);
    CHECK(decode_error("Zm9!") == errc::base64_invalid_character);
    CHECK(decode_error(std::string_view("Zm\0v", 4)) == errc::base64_invalid_character);
    CHECK(decode_error("Zm9v\xc3\xa9") == errc::base64_invalid_character);
    CHECK(decode_url_error("Zm9v%3d") == errc::base64_invalid_character);  // percent-encoded padding
    CHECK(decode_url_error("Zm9v.") == errc::base64_invalid_character);
}

TEST_CASE("RFC 4648 §3.2: base64 requires padding unless told otherwise", "[base64]")
{
    CHECK(decode_error("Zg") == errc::base64_invalid_padding);
    CHECK(decode_error("Zm8") == errc::base64_invalid_padding);
    CHECK(decode_error("Zg=") == errc::base64_invalid_padding);    // one '=' short
    CHECK(decode_error("Zm9v=") == errc::base64_invalid_padding);  // superfluous
    CHECK(decode_error("Zm9v==") == errc::base64_invalid_padding);
    CHECK(decode_error("Zm8==") == errc::base64_invalid_padding);  // one too many
    CHECK(decode_error("Zg===") == errc::base64_invalid_padding);
    CHECK(decode_error("====") == errc::base64_invalid_padding);
    CHECK(decode_error("=") == errc::base64_invalid_padding);
    CHECK(decode_error("Zg==Zg==") == errc::base64_invalid_padding);  // padding in the middle
    CHECK(decode_error("Z=g=") == errc::base64_invalid_padding);

    const apiauth::base64_options loose{.allow_missing_padding = true};
    CHECK(b64::decode("Zg", loose).value() == "f");
    CHECK(b64::decode("Zm8", loose).value() == "fo");
    CHECK(b64::decode("Zm8=", loose).value() == "fo");                  // padding that is present still works
    CHECK(decode_error("Zg=", loose) == errc::base64_invalid_padding);  // present but wrong
    CHECK(decode_error("Zm9v=", loose) == errc::base64_invalid_padding);
}

TEST_CASE("RFC 7515 §2: base64url is never padded", "[base64]")
{
    CHECK(decode_url_error("Zg==") == errc::base64_invalid_padding);
    CHECK(decode_url_error("Zm8=") == errc::base64_invalid_padding);
    CHECK(decode_url_error("Zm9v=") == errc::base64_invalid_padding);
    CHECK(decode_url_error("=") == errc::base64_invalid_padding);
}

TEST_CASE("RFC 4648 §4: a length of 4k+1 characters is impossible", "[base64]")
{
    CHECK(decode_error("Z") == errc::base64_invalid_length);
    CHECK(decode_error("Zm9vY") == errc::base64_invalid_length);
    CHECK(decode_error("Zm9vY===") == errc::base64_invalid_length);
    CHECK(decode_url_error("Z") == errc::base64_invalid_length);
    CHECK(decode_url_error("Zm9vYmFyZ") == errc::base64_invalid_length);
}

TEST_CASE("RFC 4648 §3.5: non-zero pad bits are rejected (one encoding per byte string)", "[base64]")
{
    // "Zg==" is canonical for "f"; Zh, Zi, … Zv decode to "f" in lenient decoders.
    CHECK(decode_error("Zh==") == errc::base64_noncanonical);
    CHECK(decode_error("Zv==") == errc::base64_noncanonical);
    CHECK(decode_error("Zm9=") == errc::base64_noncanonical);          // "fo" is Zm8=
    CHECK(decode_error("dXNlcjpwYXN=") == errc::base64_noncanonical);  // case B28
    CHECK(decode_url_error("Zh") == errc::base64_noncanonical);
    CHECK(decode_url_error("Zm9") == errc::base64_noncanonical);
    // every wrong low bit of the last character, for both final-quantum sizes
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (std::size_t v = 0; v < 64; ++v) {
        const std::string two = std::string("Z") + alphabet[v];
        const std::string three = std::string("Zm") + alphabet[v];
        CHECK(b64url::decode(two).has_value() == ((v & 0x0F) == 0));
        CHECK(b64url::decode(three).has_value() == ((v & 0x03) == 0));
    }
}

TEST_CASE("Errors are reported in a fixed order: alphabet, length, padding, pad bits", "[base64]")
{
    CHECK(decode_error("Z!") == errc::base64_invalid_character);  // and it is also too short
    CHECK(decode_error("Zm9vY!==") == errc::base64_invalid_character);
    CHECK(decode_error("Zm9vY=") == errc::base64_invalid_length);  // length before padding
    CHECK(decode_error("Zh=") == errc::base64_invalid_padding);    // padding before pad bits
}

TEST_CASE("Span API: exact sizes, and buffer_too_small only for valid input", "[base64]")
{
    std::array<std::byte, 6> out{};
    auto n = b64::decode("Zm9vYmFy", out);
    REQUIRE(n);
    CHECK(*n == 6);
    std::array<std::byte, 5> small{};
    CHECK(b64::decode("Zm9vYmFy", small).error() == errc::buffer_too_small);
    CHECK(b64url::decode("Zm9vYmE", std::span<std::byte>(small.data(), 4)).error() == errc::buffer_too_small);

    // Invalid input is reported as invalid even when the buffer is also too small.
    CHECK(b64::decode("Zm9v!mFy", small).error() == errc::base64_invalid_character);
    CHECK(b64::decode("Zm9vYmF", small).error() == errc::base64_invalid_padding);
    std::array<char, 8> enc{};
    const std::array<std::byte, 6> src{std::byte{'f'}, std::byte{'o'}, std::byte{'o'},
                                       std::byte{'b'}, std::byte{'a'}, std::byte{'r'}};
    CHECK(b64::encode(src, enc).value() == 8);
    CHECK(std::string_view(enc.data(), 8) == "Zm9vYmFy");
    CHECK(b64::encode(src, std::span<char>(enc.data(), 7)).error() == errc::buffer_too_small);
    CHECK(b64url::encode(std::span(src).first(4), std::span<char>(enc.data(), 6)).value() == 6);
    CHECK(b64url::encode(std::span(src).first(4), std::span<char>(enc.data(), 5)).error() == errc::buffer_too_small);
    CHECK(b64::decoded_size_max(8) >= 6);
}

namespace {

// Independent oracle: OpenSSL accepts `s` and re-encoding its output with
// OpenSSL gives back `s` exactly. That is the definition of "strict,
// canonical, padded base64" used by apiauth, expressed through another
// implementation.
bool openssl_accepts_canonical(std::string_view s, std::string* out)
{
    if (s.size() % 4 != 0) return false;
    for (char c : s)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return false;  // EVP_DecodeBlock skips these
    std::vector<unsigned char> buf(s.size() / 4 * 3 + 3);
    const int n =
        EVP_DecodeBlock(buf.data(), reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
    if (n < 0) return false;
    std::size_t pads = 0;
    while (pads < s.size() && s[s.size() - 1 - pads] == '=') ++pads;
    if (pads > 2 || static_cast<std::size_t>(n) < pads) return false;
    const std::size_t len = static_cast<std::size_t>(n) - pads;
    std::vector<unsigned char> re(len / 3 * 4 + 5);
    const int m = EVP_EncodeBlock(re.data(), buf.data(), static_cast<int>(len));
    if (std::string_view(reinterpret_cast<const char*>(re.data()), static_cast<std::size_t>(m)) != s) return false;
    out->assign(reinterpret_cast<const char*>(buf.data()), len);
    return true;
}

std::string to_url(std::string_view padded)
{
    std::string s(padded);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return s;
}

}  // namespace

TEST_CASE("RFC 4648 §4 and §5 alphabets: base64_value_ct gives the table's value for every octet, without the table",
          "[base64]")
{
    using apiauth::detail::base64_value_ct;
    for (int c = 0; c < 256; ++c) {
        const auto ch = static_cast<char>(c);
        CHECK(base64_value_ct(ch, '+', '/') == apiauth::detail::std_alphabet.dec[static_cast<std::size_t>(c)]);
        CHECK(base64_value_ct(ch, '-', '_') == apiauth::detail::url_alphabet.dec[static_cast<std::size_t>(c)]);
    }
    static_assert(base64_value_ct('A', '+', '/') == 0 && base64_value_ct('/', '+', '/') == 63);
    static_assert(base64_value_ct('=', '+', '/') == 0xFF && base64_value_ct('-', '+', '/') == 0xFF);
}

TEST_CASE("Span API: a buffer of exactly the decoded size is never written past, whatever the length", "[base64]")
{
    // The SIMD blocks write 8 scratch octets past each 24 they produce; they may
    // only run while `out` has that room, so a buffer of exactly the decoded
    // size ends the block loop early and the scalar loop finishes. Each buffer
    // is its own heap allocation of that size: the asan preset reports a write
    // past it. Lengths 0..300 octets cover every block count and remainder.
    std::mt19937_64 rng(0x5A5A);
    for (std::size_t len = 0; len <= 300; ++len) {
        std::string bytes(len, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        const std::string padded = b64::encode(bytes);
        const std::string url = to_url(padded);
        for (std::size_t extra = 0; extra <= 9; ++extra) {
            auto a = std::make_unique<std::byte[]>(len + extra);
            auto b = std::make_unique<std::byte[]>(len + extra);
            const auto na = b64::decode(padded, std::span<std::byte>(a.get(), len + extra));
            const auto nb = b64url::decode(url, std::span<std::byte>(b.get(), len + extra));
            REQUIRE(na);
            REQUIRE(nb);
            REQUIRE(*na == len);
            REQUIRE(*nb == len);
            CHECK(std::memcmp(a.get(), bytes.data(), len) == 0);
            CHECK(std::memcmp(b.get(), bytes.data(), len) == 0);
        }
        if (len > 0) {
            auto small = std::make_unique<std::byte[]>(len - 1);
            CHECK(b64::decode(padded, std::span<std::byte>(small.get(), len - 1)).error() == errc::buffer_too_small);
        }
    }
}

// Up to 400 octets: where the CPU has AVX2, inputs of 28 octets and more are encoded 24 at a step
// (every block count up to 16), and the last 0 to 27 octets through a zeroed copy; the scalar
// encoder, which runs elsewhere, is checked on the same inputs.
TEST_CASE("Differential: encoding equals OpenSSL EVP_EncodeBlock on 100,000 random inputs", "[base64][differential]")
{
#if defined(APIAUTH_BASE64_AVX2)
    if (!apiauth::detail::cpu_has_avx2()) WARN("this processor has no AVX2: the SIMD encoder is not run");
#endif
    std::mt19937_64 rng(20261128);
    std::vector<unsigned char> ref(600);
    for (int iter = 0; iter < 100000; ++iter) {
        const std::size_t len = rng() % 400;
        std::string bytes(len, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        const int m =
            EVP_EncodeBlock(ref.data(), reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(len));
        const std::string_view expected(reinterpret_cast<const char*>(ref.data()), static_cast<std::size_t>(m));
        const std::string ours = b64::encode(bytes);
        REQUIRE(ours == expected);
        REQUIRE(b64url::encode(bytes) == to_url(expected));
        const auto in = std::as_bytes(std::span(bytes));
        std::string scalar(apiauth::detail::base64_encoded_size(len, true), '\0');
        REQUIRE(apiauth::detail::base64_encode_scalar(apiauth::detail::std_alphabet, true, in, scalar.data()) ==
                scalar.size());
        REQUIRE(scalar == expected);
        scalar.assign(apiauth::detail::base64_encoded_size(len, false), '\0');
        REQUIRE(apiauth::detail::base64_encode_scalar(apiauth::detail::url_alphabet, false, in, scalar.data()) ==
                scalar.size());
        REQUIRE(scalar == to_url(expected));
        REQUIRE(b64::decode(ours).value() == bytes);
        REQUIRE(b64url::decode(to_url(expected)).value() == bytes);
    }
}

// RFC 4648 Table 1 (§4) and Table 2 (§5): the arithmetic mapping the encoders use gives every value's
// character, the one the alphabet table holds.
TEST_CASE("RFC 4648 §4, §5: base64_char_ct maps each of the 64 values to its alphabet's character", "[base64]")
{
    for (unsigned v = 0; v < 64; ++v) {
        INFO(v);
        CHECK(apiauth::detail::base64_char_ct(v, '+', '/') == apiauth::detail::std_alphabet.enc[v]);
        CHECK(apiauth::detail::base64_char_ct(v, '-', '_') == apiauth::detail::url_alphabet.enc[v]);
    }
    static_assert(apiauth::detail::base64_char_ct(0, '+', '/') == 'A');
    static_assert(apiauth::detail::base64_char_ct(25, '+', '/') == 'Z');
    static_assert(apiauth::detail::base64_char_ct(26, '+', '/') == 'a');
    static_assert(apiauth::detail::base64_char_ct(51, '+', '/') == 'z');
    static_assert(apiauth::detail::base64_char_ct(52, '+', '/') == '0');
    static_assert(apiauth::detail::base64_char_ct(61, '+', '/') == '9');
    static_assert(apiauth::detail::base64_char_ct(62, '-', '_') == '-');
    static_assert(apiauth::detail::base64_char_ct(63, '-', '_') == '_');
}

TEST_CASE("Differential: strict decoding accepts exactly OpenSSL's canonical encodings (100,000 random strings)",
          "[base64][differential]")
{
    std::mt19937_64 rng(4648);
    const std::string_view pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string_view odd = "= -_\n.%";
    std::size_t accepted = 0;
    for (int iter = 0; iter < 100000; ++iter) {
        std::string s;
        if (iter % 2 == 0) {
            // Random strings: mostly alphabet, sometimes '=', whitespace or foreign characters.
            const std::size_t len = rng() % 17;
            for (std::size_t i = 0; i < len; ++i) s += (rng() % 8 == 0) ? odd[rng() % odd.size()] : pool[rng() % 64];
        } else {
            // A valid encoding with one mutation: a changed, dropped or added character.
            std::string bytes(rng() % 20, '\0');
            for (auto& c : bytes) c = static_cast<char>(rng());
            s = b64::encode(bytes);
            const std::size_t at = s.empty() ? 0 : rng() % s.size();
            switch (rng() % 4) {
            case 0:
                if (!s.empty()) s[at] = pool[rng() % 64];
                break;
            case 1:
                if (!s.empty()) s.erase(at, 1);
                break;
            case 2: s.insert(at, 1, odd[rng() % odd.size()]); break;
            default: break;  // unchanged
            }
        }
        std::string expected;
        const bool oracle = openssl_accepts_canonical(s, &expected);
        auto ours = b64::decode(s);
        INFO("input: \"" << s << "\"");
        REQUIRE(ours.has_value() == oracle);
        if (oracle) {
            REQUIRE(*ours == expected);
            ++accepted;
            // base64url is the same language under the alphabet change, without padding.
            REQUIRE(b64url::decode(to_url(s)).value() == expected);
        }
    }
    CHECK(accepted > 30000);  // the test exercises both answers substantially
}

TEST_CASE("Differential: long inputs with one bad character anywhere (the AVX2 block path and the scalar tail)",
          "[base64][differential]")
{
    // Long encodings go through the 32-character SIMD blocks when the CPU has
    // AVX2; a mutation at any position must give the scalar decoder's answer,
    // which the OpenSSL oracle checks.
    std::mt19937_64 rng(32);
    const std::string_view odd = "= -_\n.%\x80\xff";
    for (int iter = 0; iter < 20000; ++iter) {
        std::string bytes(24 + rng() % 400, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        std::string s = b64::encode(bytes);
        if (iter % 4 != 0) {
            const std::size_t at = rng() % s.size();
            if (iter % 4 == 1)
                s[at] = odd[rng() % odd.size()];
            else if (iter % 4 == 2)
                s.erase(at, 1);
            else
                s[at] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng() % 64];
        }
        std::string expected;
        const bool oracle = openssl_accepts_canonical(s, &expected);
        auto ours = b64::decode(s);
        INFO("length " << s.size());
        REQUIRE(ours.has_value() == oracle);
        if (oracle) REQUIRE(*ours == expected);
        // The same language in the other alphabet, where the translation keeps it
        // one: '-', '_' or '=' in a mutated input mean different things there,
        // and base64url needs no padding, so lengths of 4k+2 and 4k+3 are fine.
        auto url = b64url::decode(to_url(s));
        if (oracle || (s.find_first_of("-_=") == std::string::npos && s.size() % 4 == 0))
            REQUIRE(url.has_value() == oracle);
        if (oracle) REQUIRE(*url == expected);
        // Decoding into a buffer of exactly the decoded size (no slack for block stores).
        if (oracle) {
            std::vector<std::byte> exact(expected.size());
            REQUIRE(b64::decode(s, exact).value() == expected.size());
            REQUIRE(std::string_view(reinterpret_cast<const char*>(exact.data()), exact.size()) == expected);
        }
    }
}

}  // namespace encoding_base64_test
