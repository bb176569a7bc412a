// Tests for apiauth/api_key/format.hpp: the primitive vectors of research/api-keys.md §9.1, the token
// vectors of §9.2, parse_api_key, and the checksum and base62 internals against independent
// references.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here (api_key_support.hpp).

#include "api_key_support.hpp"

namespace api_key_format_test {

using namespace api_key_support;

// =================================================================================================
// §9.1 primitive vectors
// =================================================================================================

TEST_CASE("api-keys.md §9.1: CRC-32/ISO-HDLC of \"123456789\" is 0xCBF43926", "[api_key]")
{
    CHECK(apiauth::detail::crc32("123456789") == 0xCBF43926u);
    CHECK(zlib_crc("123456789") == 0xCBF43926u);
    STATIC_REQUIRE(apiauth::detail::crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("api-keys.md §9.1: base62 of 2^32 - 1 is 4gfFC3, 4gfFC4 (2^32) is never emitted nor accepted", "[api_key]")
{
    const auto max = apiauth::detail::base62_encode6(0xFFFFFFFFu);
    CHECK(std::string_view(max.data(), 6) == "4gfFC3");
    CHECK(b62_6(0xFFFFFFFFull) == "4gfFC3");
    CHECK(b62_6(0x100000000ull) == "4gfFC4");
    CHECK(apiauth::detail::base62_decode6("4gfFC3") == 0xFFFFFFFFu);
    CHECK_FALSE(apiauth::detail::base62_decode6("4gfFC4").has_value());
    // Every encoded CRC starts with 0..4.
    std::mt19937_64 rng(62);
    for (int i = 0; i < 10000; ++i) {
        const auto v = static_cast<std::uint32_t>(rng());
        const auto e = apiauth::detail::base62_encode6(v);
        CHECK(std::string_view(e.data(), 6) == b62_6(v));
        CHECK((e[0] >= '0' && e[0] <= '4'));
        CHECK(apiauth::detail::base62_decode6(std::string_view(e.data(), 6)) == v);
    }
}

TEST_CASE("api-keys.md §9.1: base62 decoding refuses values of 2^32 and more without overflow (zzzzzz, 90NFKc)",
          "[api_key]")
{
    using apiauth::detail::base62_decode6;
    CHECK(b62_value64("zzzzzz") == 56800235583ull);  // 62^6 - 1
    CHECK_FALSE(base62_decode6("zzzzzz").has_value());
    CHECK_FALSE(base62_decode6("90NFKc").has_value());
    CHECK_FALSE(base62_decode6("4gfFC4").has_value());
    CHECK(base62_decode6("000000") == 0u);
    CHECK_FALSE(base62_decode6("00000").has_value());
    CHECK_FALSE(base62_decode6("0000000").has_value());
    CHECK_FALSE(base62_decode6("00000_").has_value());
    CHECK_FALSE(base62_decode6("00000\xC3").has_value());
    CHECK_FALSE(base62_decode6(std::string_view("00000\0", 6)).has_value());
}

TEST_CASE("api-keys.md §9.1: SHA-256 of \"abc\" and of \"\"", "[api_key]")
{
    using apiauth::crypto::digest;
    using apiauth::crypto::hash;
    const auto hex = [](const apiauth::crypto::digest_value& d) { return to_hex(apiauth::detail::as_chars(d.span())); };
    CHECK(hex(digest(hash::sha256, apiauth::detail::as_bytes("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(digest(hash::sha256, apiauth::detail::as_bytes(""))) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("api-keys.md §9.1: HMAC-SHA-256 RFC 4231 test case 1", "[api_key]")
{
    const apiauth::crypto::hmac_key k(apiauth::crypto::hash::sha256, std::string(20, '\x0b'));
    const auto d = k.compute("Hi There");
    CHECK(to_hex(apiauth::detail::as_chars(d.span())) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("CRC-32 equals zlib's crc32() on 100,000 random inputs, whole and in pieces", "[api_key]")
{
    std::mt19937_64 rng(0xC3C32);
    std::uniform_int_distribution<std::size_t> len(0, 300);
    std::string s;
    for (int i = 0; i < 100000; ++i) {
        s.resize(len(rng));
        for (char& c : s) c = static_cast<char>(rng());
        const std::uint32_t want = zlib_crc(s);
        const std::uint32_t got = apiauth::detail::crc32(s);
        if (got != want) FAIL_CHECK("CRC mismatch at input " << i << " of length " << s.size());
        const std::size_t cut = s.empty() ? 0 : rng() % s.size();
        const std::string_view v(s);
        if (apiauth::detail::crc32_update(apiauth::detail::crc32(v.substr(0, cut)), v.substr(cut)) != want)
            FAIL_CHECK("incremental CRC mismatch at input " << i);
    }
    // Every byte value, every alignment of the 8-byte slices.
    std::string all(256, '\0');
    for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<char>(i);
    for (std::size_t off = 0; off < 16; ++off)
        CHECK(apiauth::detail::crc32(all.substr(off)) == zlib_crc(all.substr(off)));
}

// =================================================================================================
// §9.2 token and verifier vectors
// =================================================================================================

TEST_CASE("api-keys.md §9.2: T0's key id, hint, CRC-32 (3955768674) and checksum 4Ji08Y", "[api_key]")
{
    REQUIRE(T0.size() == 75);
    const auto k = apiauth::parse_api_key(T0);
    REQUIRE(k.has_value());
    CHECK(k->token() == T0);
    CHECK(k->prefix() == "acme_sk");
    CHECK(k->version() == '1');
    CHECK(k->key_id() == "10123456789ABCDEF");
    CHECK(k->hint() == "acme_sk_1012345\xE2\x80\xA6");
    CHECK(k->checksum() == "4Ji08Y");
    CHECK(apiauth::detail::crc32(T0.substr(0, 69)) == 3955768674u);
    CHECK(zlib_crc(T0.substr(0, 69)) == 3955768674u);
    CHECK(k->client_id() == "acme_sk_10123456789ABCDEF");
    CHECK(k->client_secret() == "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y");
    CHECK(std::string(k->client_id()) + "_" + std::string(k->client_secret()) == T0);
}

TEST_CASE("api-keys.md §9.2: T1-T6 carry valid checksums (T1 CRC 410078250, T2 80 characters)", "[api_key]")
{
    CHECK(zlib_crc(T1.substr(0, 69)) == 410078250u);
    CHECK(T2.size() == 80);
    for (const std::string_view t : {T0, T1, T2, T3, T4, T5, T6}) {
        INFO(t);
        CHECK(apiauth::detail::key_checksum_matches(t));
        CHECK(b62_6(zlib_crc(t.substr(0, t.size() - 6))) == t.substr(t.size() - 6));
    }
    CHECK(apiauth::parse_api_key(T1)->checksum() == "0Rke5K");
    CHECK(apiauth::parse_api_key(T2)->prefix() == "acme_test_sk");
    CHECK(apiauth::parse_api_key(T6)->prefix() == "other_sk");
    CHECK(what(apiauth::parse_api_key(T5)) == what(errc::api_key_unsupported_version));
}

TEST_CASE("parse_api_key views into the caller's buffer, its steps are constexpr", "[api_key]")
{
    STATIC_REQUIRE(apiauth::detail::well_formed_key(T0));
    STATIC_REQUIRE(apiauth::detail::key_checksum_matches(T0));
    STATIC_REQUIRE_FALSE(apiauth::detail::well_formed_key(T3.substr(0, 74)));
    STATIC_REQUIRE_FALSE(apiauth::detail::key_checksum_matches(doc_example));
    const std::string owned(T2);
    const auto k = apiauth::parse_api_key(owned);
    REQUIRE(k.has_value());
    CHECK(k->token().data() == owned.data());
    CHECK(k->prefix() == "acme_test_sk");
    CHECK(k->hint() == "acme_test_sk_1012345\xE2\x80\xA6");
}

// =================================================================================================
// Internals on the hot path, against independent references
// =================================================================================================

TEST_CASE("CRC-32: the table path and the carry-less (PCLMULQDQ) path both equal zlib on every length 0-600",
          "[api_key]")
{
    std::mt19937_64 rng(0x5EED);
    std::string s(600, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    for (std::size_t n = 0; n <= s.size(); ++n) {
        const std::string_view v(s.data(), n);
        const std::uint32_t want = zlib_crc(v);
        if (~apiauth::detail::crc32_raw(~0u, v.data(), v.size()) != want) FAIL_CHECK("table path, length " << n);
        if (apiauth::detail::crc32(v) != want) FAIL_CHECK("dispatched path, length " << n);
#if defined(APIAUTH_CRC32_CLMUL)
        if (apiauth::detail::crc32_clmul_available() && n >= 64) {
            const std::size_t blocks = n & ~std::size_t{15};
            const std::uint32_t c = apiauth::detail::crc32_clmul(~0u, v.data(), blocks);
            if (~apiauth::detail::crc32_raw(c, v.data() + blocks, n - blocks) != want)
                FAIL_CHECK("carry-less path, length " << n);
        }
#endif
    }
#if defined(APIAUTH_CRC32_CLMUL)
    if (!apiauth::detail::crc32_clmul_available()) WARN("this processor has no PCLMULQDQ: carry-less path not run");
#endif
}

TEST_CASE("framed_key: the CRC folded from the framed buffer equals zlib's for every token length", "[api_key]")
{
    std::mt19937_64 rng(0xF4A3ED);
    for (std::size_t n = apiauth::api_key_min_size; n <= apiauth::api_key_max_size; ++n) {
        for (int i = 0; i < 200; ++i) {
            std::string t(n, '\0');
            for (char& c : t) c = static_cast<char>(rng());
            apiauth::detail::framed_key f;
            f.assign(t);
            CHECK(f.token() == t);
            CHECK(f.mac_input() == "apikey-v1:" + t);
            if (f.checksum_crc() != zlib_crc(std::string_view(t).substr(0, n - 6)))
                FAIL_CHECK("length " << n << " input " << i);
        }
    }
#if defined(APIAUTH_CRC32_CLMUL)
    // Each start register turns its zeros and the domain into the CRC's initial value.
    for (std::size_t k = 0; k < 16; ++k) {
        std::uint32_t c = apiauth::detail::framed_crc_start[k];
        const std::string lead = std::string(k, '\0') + "apikey-v1:";
        c = apiauth::detail::crc32_raw(c, lead.data(), lead.size());
        CHECK(c == 0xFFFFFFFFu);
    }
#endif
}

TEST_CASE("base62 digits and values by arithmetic agree with the alphabet table on all 256 octets", "[api_key]")
{
    using namespace apiauth::detail;
    for (unsigned d = 0; d < 62; ++d) CHECK(base62_digit(d) == base62_alphabet[d]);
    for (int c = 0; c < 256; ++c) {
        const char ch = static_cast<char>(c);
        const unsigned want = base62_values[static_cast<std::size_t>(c)];
        if (base62_value(ch) != want) FAIL_CHECK("base62_value of octet " << c);
        if (all_base62(std::string_view(&ch, 1)) != (want != base62_invalid)) FAIL_CHECK("all_base62 of octet " << c);
    }
    // In the middle of longer strings too (the vectorised loop).
    std::string s(64, 'a');
    CHECK(all_base62(s));
    for (int c = 0; c < 256; ++c) {
        s[37] = static_cast<char>(c);
        if (all_base62(s) != (base62_values[static_cast<std::size_t>(c)] != base62_invalid))
            FAIL_CHECK("all_base62 with octet " << c << " inside");
    }
}

}  // namespace api_key_format_test
