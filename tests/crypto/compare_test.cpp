// Tests for apiauth/crypto/compare.hpp and crypto/hash.hpp.
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/encoding/base64.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace crypto_compare_test {

namespace crypto = apiauth::crypto;
using apiauth::detail::as_bytes;

TEST_CASE("equal: constant-time comparison of equal-length values", "[crypto][compare]")
{
    CHECK(crypto::equal(as_bytes("abcdef"), as_bytes("abcdef")));
    CHECK_FALSE(crypto::equal(as_bytes("abcdef"), as_bytes("abcdeg")));
    CHECK_FALSE(crypto::equal(as_bytes("abcdef"), as_bytes("bbcdef")));
    CHECK_FALSE(crypto::equal(as_bytes("abcdef"), as_bytes("abcde")));  // length is public: unequal
    CHECK(crypto::equal(as_bytes(""), as_bytes("")));
}

TEST_CASE("secret_equal: lengths are hidden behind SHA-256 digests (spec digest case E88)", "[crypto][compare]")
{
    CHECK(crypto::secret_equal("gX1fBat3bV", "gX1fBat3bV"));
    CHECK_FALSE(crypto::secret_equal("abc", "abcd"));
    CHECK_FALSE(crypto::secret_equal("abcd", "abc"));
    CHECK_FALSE(crypto::secret_equal("", "a"));
    CHECK(crypto::secret_equal("", ""));
    const std::string a(1000, 'x');
    std::string b = a;
    b[999] = 'y';
    CHECK_FALSE(crypto::secret_equal(a, b));
    CHECK(crypto::secret_equal(a, std::string(1000, 'x')));
}

TEST_CASE("digest: FIPS 180-4 example values for SHA-256/384/512 of \"abc\"", "[crypto][hash]")
{
    const auto hex = [](const crypto::digest_value& d) {
        std::string s;
        const char* digits = "0123456789abcdef";
        for (std::size_t i = 0; i < d.size; ++i) {
            s += digits[static_cast<unsigned>(d.bytes[i]) >> 4];
            s += digits[static_cast<unsigned>(d.bytes[i]) & 15];
        }
        return s;
    };
    CHECK(hex(crypto::digest(crypto::hash::sha256, as_bytes("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(crypto::digest(crypto::hash::sha384, as_bytes("abc"))) ==
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    CHECK(hex(crypto::digest(crypto::hash::sha512, as_bytes("abc"))) ==
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
          "454d4423643ce80e2a9ac94fa54ca49f");
    CHECK(crypto::digest_size(crypto::hash::sha384) == 48);
    CHECK(crypto::block_size(crypto::hash::sha512) == 128);
}

TEST_CASE("equal_32: constant-time 32-byte equality sees a one-bit difference at every position", "[crypto][compare]")
{
    std::array<std::byte, 32> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(i * 37 + 1);
    const std::array<std::byte, 32> b = a;
    CHECK(crypto::equal_32(a, b));
    for (std::size_t i = 0; i < 32; ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            auto c = a;
            c[i] ^= static_cast<std::byte>(1 << bit);
            if (crypto::equal_32(a, c)) FAIL_CHECK("difference at byte " << i << " bit " << bit << " not seen");
        }
    }
    CHECK_FALSE(crypto::equal_32(a, std::array<std::byte, 32>{}));
}

TEST_CASE("detail::wipe zeroes the bytes it is given and nothing else", "[crypto][compare]")
{
    std::array<unsigned char, 48> buf;
    buf.fill(0xAB);
    apiauth::detail::wipe(buf.data() + 8, 32);
    for (std::size_t i = 0; i < buf.size(); ++i) CHECK(buf[i] == ((i >= 8 && i < 40) ? 0 : 0xAB));
    apiauth::detail::wipe(buf.data(), 0);  // nothing to do
    CHECK(buf[0] == 0xAB);
}

TEST_CASE("crypto::wipe(std::string&) zeroes the whole buffer, up to its capacity, and empties the string",
          "[crypto][compare]")
{
    std::string s(100, 'S');  // on the heap
    s.resize(10);             // what the shorter value left behind is still in the buffer
    const char* p = s.data();
    const std::size_t cap = s.capacity();
    REQUIRE(cap >= 100);
    crypto::wipe(s);
    CHECK(s.empty());
    CHECK(s.data() == p);  // no reallocation: the same buffer was wiped
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < cap; ++i) nonzero += p[i] != 0;
    CHECK(nonzero == 0);

    std::string small = "abc";  // in the string object itself (small-string buffer)
    crypto::wipe(small);
    CHECK(small.empty());
}

TEST_CASE("crypto::wipe(void*, size_t) is the public form of the wipe the library uses", "[crypto][compare]")
{
    std::array<unsigned char, 16> buf;
    buf.fill(0x5A);
    crypto::wipe(buf.data(), buf.size());
    for (unsigned char c : buf) CHECK(c == 0);
}

}  // namespace crypto_compare_test
