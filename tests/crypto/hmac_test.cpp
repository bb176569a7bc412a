// Tests for apiauth/crypto/hmac.hpp: RFC 4231 and Wycheproof vectors, the
// streaming interface, copies, and use from many threads at once. This file
// is compiled twice: with the default low-level SHA-2 implementation and with
// APIAUTH_USE_EVP (apiauth_tests_evp).
#include <apiauth/crypto/hmac.hpp>

#include "../support/test_support.hpp"

#include <catch2/catch.hpp>
#include <openssl/hmac.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace crypto_hmac_test {

namespace crypto = apiauth::crypto;
using apiauth::detail::as_bytes;
using apiauth::test::from_hex;
using apiauth::test::to_hex;

namespace {

std::string mac_hex(const crypto::hmac_key& k, std::string_view msg)
{
    const auto d = k.compute(msg);
    return to_hex(apiauth::detail::as_chars(d.span()));
}

struct rfc4231_case {
    std::string key, data;
    std::string_view sha256, sha384, sha512;  // test case 5 is truncated to 128 bits
};

std::vector<rfc4231_case> rfc4231_cases()
{
    std::string k4;
    for (int i = 1; i <= 25; ++i) k4 += static_cast<char>(i);
    return {
        {std::string(20, '\x0b'), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4"
         "be9d914eeb61f1702e696c203a126854"},
        {"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
         "caeab1a34d4a6b4b636e070a38bce737"},
        {std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
         "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
         "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807"
         "b946a337bee8942674278859e13292fb"},
        {k4, std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
         "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
         "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063"
         "a5f19741120c4f2de2adebeb10a298dd"},
        {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b",
         "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6"},
        {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e52"
         "95e64f73f63f0aec8b915a985d786598"},
        {std::string(131, '\xaa'),
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
         "to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
         "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
         "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15"
         "134676fb6de0446065c97440fa8c6a58"},
    };
}

}  // namespace

TEST_CASE("RFC 4231 §4.2-§4.8: HMAC-SHA-256/384/512 test cases 1-7", "[crypto][hmac]")
{
    int n = 0;
    for (const auto& c : rfc4231_cases()) {
        ++n;
        INFO("RFC 4231 test case " << n);
        const crypto::hmac_key k256(crypto::hash::sha256, c.key), k384(crypto::hash::sha384, c.key),
            k512(crypto::hash::sha512, c.key);
        // Case 5 gives only the leftmost 128 bits (RFC 4231 §4.6).
        CHECK(mac_hex(k256, c.data).substr(0, c.sha256.size()) == c.sha256);
        CHECK(mac_hex(k384, c.data).substr(0, c.sha384.size()) == c.sha384);
        CHECK(mac_hex(k512, c.data).substr(0, c.sha512.size()) == c.sha512);
        if (c.sha256.size() == 64) {
            CHECK(k256.verify(as_bytes(c.data), as_bytes(from_hex(c.sha256))));
            CHECK(k512.verify(as_bytes(c.data), as_bytes(from_hex(c.sha512))));
            // A truncated tag is never accepted by verify() (JOSE uses full tags, RFC 7518 §3.2).
            CHECK_FALSE(k256.verify(as_bytes(c.data), as_bytes(from_hex(c.sha256.substr(0, 32)))));
        }
    }
}

namespace {

void run_wycheproof(const char* file, crypto::hash h)
{
    const auto doc = apiauth::test::load_wycheproof(file);
    std::size_t valid = 0, invalid = 0;
    for (const auto& g : doc["testGroups"]) {
        const std::size_t tag_bytes = g["tagSize"].get<std::size_t>() / 8;
        for (const auto& t : g["tests"]) {
            const std::string key = from_hex(t["key"].get<std::string>());
            const std::string msg = from_hex(t["msg"].get<std::string>());
            const std::string tag = from_hex(t["tag"].get<std::string>());
            const std::string result = t["result"].get<std::string>();
            INFO(file << " tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
            const crypto::hmac_key k(h, key);
            const auto mac = k.compute(msg);
            REQUIRE(mac.size == crypto::digest_size(h));
            // Truncated-tag groups check the leftmost tagSize bits, as Wycheproof defines.
            const bool match = tag.size() == tag_bytes && tag_bytes <= mac.size &&
                               crypto::equal(mac.span().first(tag_bytes), as_bytes(tag));
            if (result == "valid") {
                CHECK(match);
                if (tag_bytes == mac.size) CHECK(k.verify(as_bytes(msg), as_bytes(tag)));
                ++valid;
            } else {
                REQUIRE(result == "invalid");  // HMAC files have no "acceptable" cases
                CHECK_FALSE(match);
                CHECK_FALSE(k.verify(as_bytes(msg), as_bytes(tag)));
                ++invalid;
            }
        }
    }
    CHECK(valid > 0);
    CHECK(invalid > 0);
}

}  // namespace

TEST_CASE("Wycheproof hmac_sha256_test.json", "[crypto][hmac][wycheproof]")
{
    run_wycheproof("hmac_sha256_test.json", crypto::hash::sha256);
}

TEST_CASE("Wycheproof hmac_sha384_test.json", "[crypto][hmac][wycheproof]")
{
    run_wycheproof("hmac_sha384_test.json", crypto::hash::sha384);
}

TEST_CASE("Wycheproof hmac_sha512_test.json", "[crypto][hmac][wycheproof]")
{
    run_wycheproof("hmac_sha512_test.json", crypto::hash::sha512);
}

TEST_CASE("HMAC equals OpenSSL's one-shot HMAC() for every key and message length around the block size",
          "[crypto][hmac]")
{
    std::mt19937 rng(2104);
    for (auto h : {crypto::hash::sha256, crypto::hash::sha384, crypto::hash::sha512}) {
        const EVP_MD* md = h == crypto::hash::sha256   ? EVP_sha256()
                           : h == crypto::hash::sha384 ? EVP_sha384()
                                                       : EVP_sha512();
        for (std::size_t klen : {0u, 1u, 31u, 32u, 63u, 64u, 65u, 127u, 128u, 129u, 300u}) {
            std::string key(klen, '\0');
            for (auto& c : key) c = static_cast<char>(rng());
            const crypto::hmac_key k(h, key);
            for (std::size_t mlen : {0u, 1u, 55u, 56u, 64u, 111u, 112u, 128u, 200u, 1000u}) {
                std::string msg(mlen, '\0');
                for (auto& c : msg) c = static_cast<char>(rng());
                unsigned char ref[64];
                unsigned int n = 0;
                REQUIRE(HMAC(md, key.data(), static_cast<int>(key.size()),
                             reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), ref, &n) != nullptr);
                INFO("key " << klen << " message " << mlen);
                CHECK(mac_hex(k, msg) == to_hex(std::string_view(reinterpret_cast<char*>(ref), n)));
            }
        }
    }
}

TEST_CASE("hmac_stream over pieces equals compute over their concatenation", "[crypto][hmac]")
{
    const crypto::hmac_key k(crypto::hash::sha256, std::string(32, 'k'));
    auto s = k.begin();
    s.update(std::string_view("apikey-v1:"));
    s.update(std::string_view(""));
    s.update(std::string_view("pfx_1abcdef"));
    const auto a = s.finish();
    const auto b = k.compute(std::string_view("apikey-v1:pfx_1abcdef"));
    CHECK(crypto::equal(a.span(), b.span()));
}

TEST_CASE("hmac_key copies and moves compute the same MACs", "[crypto][hmac]")
{
    const crypto::hmac_key k(crypto::hash::sha384, std::string_view("a key of some length"));
    const std::string expected = mac_hex(k, "message");
    crypto::hmac_key copy = k;
    CHECK(mac_hex(copy, "message") == expected);
    crypto::hmac_key moved = std::move(copy);
    CHECK(mac_hex(moved, "message") == expected);
    crypto::hmac_key assigned(crypto::hash::sha256, std::string_view("other"));
    assigned = k;
    CHECK(mac_hex(assigned, "message") == expected);
    CHECK(assigned.algorithm() == crypto::hash::sha384);
    CHECK(assigned.size() == 48);
}

TEST_CASE("one hmac_key used from 8 threads at once gives the same MACs", "[crypto][hmac][threads]")
{
    // More threads than the EVP build keeps pooled contexts, to exercise its fallback.
    const crypto::hmac_key k(crypto::hash::sha256, std::string(32, '\x42'));
    const std::string expected = mac_hex(k, "concurrent message");
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i)
                if (mac_hex(k, "concurrent message") != expected) ++wrong;
        });
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
}

}  // namespace crypto_hmac_test
