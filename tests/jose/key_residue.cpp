// Private key material left in freed heap memory by apiauth/jose/jwk.hpp (key::from_jwk of text
// and of a nlohmann::json object, key::to_jwk(true)). DESIGN.md: secrets are wiped.
//
// A program of its own (tests/CMakeLists.txt), not a file of apiauth_tests: OpenSSL's allocator
// can only be replaced (CRYPTO_set_mem_functions) before OpenSSL's first allocation, so main()
// installs it before anything else runs, and it replaces the global operator new/delete, which
// no other test should see. While "armed", every block OpenSSL or C++ frees is scanned, before
// it is freed, for 16-octet slices of the private values: big-endian (their octets, as in a
// JWK) and little-endian (as in a BIGNUM's words on this machine), or for a slice of their
// base64url text.
#define CATCH_CONFIG_RUNNER
#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/sign.hpp>

#include <catch2/catch.hpp>
#include <malloc.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

bool armed = false;
constexpr std::size_t max_patterns = 16;
unsigned char patterns[max_patterns][16];
std::size_t pattern_count = 0;
int hits_openssl = 0, hits_cxx = 0;

void scan(void* p, int& hits) noexcept
{
    if (!armed || p == nullptr) return;
    const std::size_t n = malloc_usable_size(p);
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t k = 0; k < pattern_count; ++k)
        if (n >= 16 && std::search(b, b + n, patterns[k], patterns[k] + 16) != b + n) ++hits;
}

void* hook_malloc(std::size_t n, const char*, int)
{
    return std::malloc(n);
}

void* hook_realloc(void* p, std::size_t n, const char*, int)
{
    if (armed && p != nullptr) {  // realloc may move the block and free the old one: scan it first
        void* q = std::malloc(n);
        if (q == nullptr) return nullptr;
        std::memcpy(q, p, std::min(n, malloc_usable_size(p)));
        scan(p, hits_openssl);
        std::free(p);
        return q;
    }
    return std::realloc(p, n);
}

void hook_free(void* p, const char*, int)
{
    scan(p, hits_openssl);
    std::free(p);
}

// Patterns: slices of each value, big- and little-endian.
void clear_patterns() noexcept
{
    pattern_count = 0;
}

void add_pattern(std::string_view bytes)
{
    REQUIRE(bytes.size() >= 32);
    REQUIRE(pattern_count + 2 <= max_patterns);
    std::memcpy(patterns[pattern_count++], bytes.data() + bytes.size() / 2 - 8, 16);
    const std::string le(bytes.rbegin(), bytes.rend());
    std::memcpy(patterns[pattern_count++], le.data() + le.size() / 2 - 8, 16);
}

std::string b64d(const nlohmann::json& j, const char* member)
{
    return apiauth::encoding::base64url::decode(j.at(member).get<std::string>()).value();
}

// Runs `f` armed; the number of freed blocks (OpenSSL's, C++'s) that held a pattern.
template <class F> std::pair<int, int> freed_with_secret(F&& f)
{
    hits_openssl = hits_cxx = 0;
    armed = true;
    f();
    armed = false;
    return {hits_openssl, hits_cxx};
}

}  // namespace

// Every non-aligned form, so that each block is allocated and freed through the same pair (the
// ASan preset replaces them all: replacing only some mismatches them).
void* operator new(std::size_t n)
{
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n)
{
    return ::operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept
{
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept
{
    scan(p, hits_cxx);
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    ::operator delete(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    ::operator delete(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    ::operator delete(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept
{
    ::operator delete(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
    ::operator delete(p);
}

namespace jose = apiauth::jose;
using jose::algorithm;

TEST_CASE("key::from_jwk(text): the private RSA and EC values are not left in freed OpenSSL or C++ blocks",
          "[jose][jwk][residue]")
{
    for (const algorithm a : {algorithm::rs256, algorithm::es256}) {
        INFO(jose::name(a));
        const auto k = jose::key::generate(a, "k1");
        REQUIRE(k.has_value());
        const nlohmann::json j = k->to_jwk(true).value();
        const std::string text = j.dump();
        clear_patterns();
        add_pattern(b64d(j, "d"));
        // Not dq and qi: OpenSSL's own RSA key-pair check (EVP_PKEY_pairwise_check, OpenSSL
        // 3.0) recomputes them and frees its copies with BN_free, out of this library's reach.
        if (a == algorithm::rs256)
            for (const char* m : {"p", "q", "dp"}) add_pattern(b64d(j, m));
        // OpenSSL's param builder copied ordinary BIGNUMs into its ordinary block and freed it
        // uncleansed (OpenSSL 3.0); private values now go through its secure block.
        const auto [openssl, cxx] = freed_with_secret([&] {
            const auto loaded = jose::key::from_jwk(std::string_view(text), {.allow_private = true});
            CHECK(loaded.has_value());
        });
        CHECK(openssl == 0);
        CHECK(cxx == 0);
    }
}

TEST_CASE("key::to_jwk(true): the private RSA and EC values' octets are wiped, not freed as they are",
          "[jose][jwk][residue]")
{
    for (const algorithm a : {algorithm::rs256, algorithm::es256}) {
        INFO(jose::name(a));
        const auto k = jose::key::generate(a, "k1");
        REQUIRE(k.has_value());
        const nlohmann::json j = k->to_jwk(true).value();
        clear_patterns();
        add_pattern(b64d(j, "d"));
        if (a == algorithm::rs256) add_pattern(b64d(j, "p"));
        const auto [openssl, cxx] = freed_with_secret([&] {
            auto again = k->to_jwk(true);
            CHECK(again.has_value());
            armed = false;  // the result itself holds the private JWK: the caller's to keep
        });
        CHECK(openssl == 0);
        CHECK(cxx == 0);
    }
}

TEST_CASE("key::from_jwk(nlohmann::json): the text it serializes is not left in freed blocks", "[jose][jwk][residue]")
{
    const auto k = jose::key::generate(algorithm::rs256, "k1");
    REQUIRE(k.has_value());
    const nlohmann::json j = k->to_jwk(true).value();
    const std::string d = j.at("d").get<std::string>();  // base64url text, as in the serialized JWK
    clear_patterns();
    for (const std::size_t at : {std::size_t{0}, d.size() / 2, d.size() - 16})
        std::memcpy(patterns[pattern_count++], d.data() + at, 16);
    // dump() grew its string by reallocation and freed each smaller buffer unwiped.
    const auto [openssl, cxx] = freed_with_secret([&] {
        const auto loaded = jose::key::from_jwk(j, {.allow_private = true});
        CHECK(loaded.has_value());
    });
    CHECK(openssl == 0);
    CHECK(cxx == 0);
    // The same text as dump() wrote, key for key: an object with every JSON type loads as before.
    nlohmann::json extra = j;
    extra["x-note"] = {{"a", {1, -2, 3.5, true, false, nullptr, "\u00e9\n\"\\"}}};
    const auto loaded = jose::key::from_jwk(extra, {.allow_private = true});
    REQUIRE(loaded.has_value());
    CHECK(loaded->to_jwk(true).value() == j);
    nlohmann::json bad = j;
    bad["x-note"] = std::string("\xC3");
    CHECK(jose::key::from_jwk(bad, {.allow_private = true}).error() == apiauth::errc::invalid_key);
}

int main(int argc, char* argv[])
{
    // Before OpenSSL allocates anything: it refuses once it has.
    if (CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) != 1) {
        std::fputs("key_residue: CRYPTO_set_mem_functions refused (OpenSSL allocated before main)\n", stderr);
        return 1;
    }
    return Catch::Session().run(argc, argv);
}
