// The text helpers on the token paths, each checked against an independent implementation:
// UTF-8 validation (detail/utf8.hpp) against simdjson's validate_utf8, and the JSON string
// writer (detail/json_writer.hpp) against nlohmann/json's dump(). Both skip eight octets at
// a time, so the inputs put the interesting octet at every position around those blocks. And
// ASCII case-insensitive equality (detail/ascii.hpp, eight octets a step) against the C
// library's strncasecmp in the C locale and against the octet-by-octet definition; the scheme
// prefix test (istarts_with) against strncasecmp on every octet at every position.
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/json_writer.hpp>
#include <apiauth/detail/simdjson.hpp>
#include <apiauth/detail/utf8.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <clocale>
#include <random>
#include <string>
#include <string_view>

#include <strings.h>

namespace encoding_text_test {

namespace {

using apiauth::detail::append_json_string;
using apiauth::detail::is_utf8;

std::string json_of(std::string_view s)
{
    std::string out = "x";  // appends: what is there before stays
    append_json_string(out, s);
    return out.substr(1);
}

}  // namespace

TEST_CASE("is_utf8 agrees with simdjson::validate_utf8 (RFC 3629 §4) on 200,000 random strings", "[utf8][differential]")
{
    std::mt19937_64 rng(3629);
    // Octets that make UTF-8 interesting: ASCII, continuations, every lead byte class, the
    // bounds of overlong forms, surrogates and U+10FFFF.
    const unsigned char pool[] = {'a',  'Z',  0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                  0xA0, 0xED, 0x9F, 0xEF, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF};
    std::size_t valid = 0;
    for (int iter = 0; iter < 200000; ++iter) {
        const std::size_t len = rng() % 40;
        std::string s(len, 'a');
        // Mostly ASCII (so that the eight-octet steps run), a few special octets anywhere.
        const std::size_t specials = rng() % 4;
        for (std::size_t k = 0; k < specials && len != 0; ++k)
            s[rng() % len] = static_cast<char>(pool[rng() % sizeof(pool)]);
        const bool expected = simdjson::validate_utf8(s.data(), s.size());
        valid += expected;
        INFO("input octets: " << s.size());
        REQUIRE(is_utf8(s) == expected);
    }
    CHECK(valid > 20000);  // both answers were exercised
}

TEST_CASE("is_utf8: a bad octet after whole blocks of ASCII is found", "[utf8]")
{
    for (std::size_t at = 0; at < 33; ++at) {
        std::string s(33, 'q');
        s[at] = static_cast<char>(0xC0);  // never valid (overlong lead)
        CHECK_FALSE(is_utf8(s));
        s[at] = static_cast<char>(0xC3);  // a lead byte with no continuation after it...
        CHECK(is_utf8(s) == false);
        if (at + 1 < s.size()) {
            s[at + 1] = static_cast<char>(0xA9);  // ...then with one: "é"
            CHECK(is_utf8(s));
        }
    }
}

TEST_CASE("append_json_string writes what nlohmann::json::dump writes (RFC 8259 §7), 100,000 strings",
          "[json][differential]")
{
    std::mt19937_64 rng(8259);
    const std::string_view pool[] = {
        "a",    "~",    "\"",   "\\",       "\n",           "\t", "\b", "\f", "\r", std::string_view("\0", 1),
        "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "/",  " "};
    for (int iter = 0; iter < 100000; ++iter) {
        std::string s;
        const std::size_t len = rng() % 30;
        for (std::size_t i = 0; i < len; ++i) s += (rng() % 6 == 0) ? pool[rng() % std::size(pool)] : "k";
        REQUIRE(json_of(s) == nlohmann::json(s).dump());
    }
}

TEST_CASE("append_json_string escapes an octet at every position of the eight-octet blocks", "[json]")
{
    for (std::size_t at = 0; at < 24; ++at) {
        for (const char c : {'"', '\\', '\x1f', '\x00'}) {
            std::string s(24, 'v');
            s[at] = c;
            REQUIRE(json_of(s) == nlohmann::json(s).dump());
        }
    }
    CHECK(json_of("") == "\"\"");
    CHECK(json_of("https://api.example.com/v1") == "\"https://api.example.com/v1\"");
    CHECK(json_of("\x7f") == "\"\x7f\"");  // DEL is not a control JSON must escape
}

TEST_CASE("iequals agrees with strncasecmp (C locale) and the octet-by-octet fold, 300,000 pairs",
          "[ascii][differential]")
{
    // RFC 9110 §11.1: scheme names are ASCII case-insensitive. The word-at-a-time fold must
    // change 'A'..'Z' only: the octets next to the letters ('@' '[' '`' '{'), the same letters
    // with the high bit set (0xC1 0xDA 0xE1 0xFA) and the rest of Latin-1 stay as they are.
    REQUIRE(std::string_view(std::setlocale(LC_CTYPE, nullptr)) == "C");
    std::mt19937_64 rng(9110);
    const unsigned char pool[] = {'a',  'A',  'z',  'Z',  'q',  'Q',  '@',  '[',  '`',  '{',  '0',  ' ', 0x7F,
                                  0x80, 0xC1, 0xDA, 0xE1, 0xFA, 0xFF, 0x01, 0x20, 0x40, 0x5B, 0x60, 0x7B};
    const auto fold = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
            if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
        }
        return true;
    };
    std::size_t equal = 0;
    for (int iter = 0; iter < 300000; ++iter) {
        const std::size_t len = rng() % 41;
        std::string a(len, 'x');
        for (char& c : a) c = static_cast<char>(pool[rng() % sizeof(pool)]);
        std::string b = a;
        for (char& c : b)  // flip the case of some letters: still equal
            if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && rng() % 2) c = static_cast<char>(c ^ 0x20);
        if (len != 0 && rng() % 2) {  // and in half the pairs, one octet changed or its 0x20 bit flipped
            const std::size_t at = rng() % len;
            b[at] = rng() % 2 ? static_cast<char>(b[at] ^ 0x20) : static_cast<char>(pool[rng() % sizeof(pool)]);
        }
        const bool expected = fold(a, b);
        equal += expected;
        INFO("length " << len);
        REQUIRE(apiauth::detail::iequals(a, b) == expected);
        // strncasecmp stops at a NUL octet, and the pool holds none.
        REQUIRE((::strncasecmp(a.c_str(), b.c_str(), len) == 0) == expected);
    }
    CHECK(equal > 100000);
    CHECK(equal < 250000);
    CHECK_FALSE(apiauth::detail::iequals("Basic", "Basic "));  // lengths differ
    CHECK(apiauth::detail::iequals("", ""));
    static_assert(apiauth::detail::iequals("BEARER", "bearer"));  // the compile-time path
}

TEST_CASE("istarts_with agrees with strncasecmp (C locale) on every one- and two-octet prefix of the schemes",
          "[ascii][differential]")
{
    // RFC 9110 §11.1: "Basic" and "Bearer" in any case. The scheme tests of authenticate_api,
    // bearer::unchecked_header_token and the Basic API key decoder compare the first octets
    // with istarts_with: each letter matches itself and its capital only, never '@' '[' '`' '{'
    // or a Latin-1 octet whose low bits are those of a letter.
    REQUIRE(std::string_view(std::setlocale(LC_CTYPE, nullptr)) == "C");
    using apiauth::detail::istarts_with;
    const auto agrees = [](std::string s) {
        const bool basic = s.size() >= 5 && ::strncasecmp(s.c_str(), "basic", 5) == 0;
        const bool bearer = s.size() >= 6 && ::strncasecmp(s.c_str(), "bearer", 6) == 0;
        const bool token = s.size() >= 9 && ::strncasecmp(s.c_str(), "x-api_k3y", 9) == 0;
        return istarts_with(s, "basic") == basic && istarts_with(s, "bearer") == bearer &&
               istarts_with(s, "x-api_k3y") == token;
    };
    // Every octet (NUL aside: strncasecmp stops there) at every position of each word.
    std::size_t checked = 0;
    for (const std::string_view word : {"Basic", "bearer", "X-Api_K3y"}) {
        for (std::size_t at = 0; at < word.size(); ++at) {
            for (int c = 1; c < 256; ++c) {
                std::string s(word);
                s[at] = static_cast<char>(c);
                INFO("word " << word << ", octet " << c << " at " << at);
                REQUIRE(agrees(s));
                REQUIRE(agrees(s + " token68"));
                ++checked;
            }
        }
    }
    CHECK(checked == 20 * 255);
    CHECK(istarts_with("BASIC dXNlcjpwYXNz", "basic"));
    CHECK(istarts_with("bEaReR abc", "bearer"));
    CHECK_FALSE(istarts_with("Basi", "basic"));  // shorter than the prefix
    CHECK_FALSE(istarts_with("", "basic"));
    CHECK(istarts_with("anything", ""));
    static_assert(istarts_with("Basic x", "basic"));  // the compile-time path
    static_assert(!istarts_with("Basi\xE3", "basic"));
}

}  // namespace encoding_text_test
