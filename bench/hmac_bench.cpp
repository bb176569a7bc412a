// bench/hmac_bench.cpp — HMAC-SHA-256 of 200 bytes with a 32-byte key: the
// library, the floor (OpenSSL used as well as it can be), and the other ways
// OpenSSL 3.0 offers (DESIGN.md, "What OpenSSL 3.0 costs here").
#include "alloc_counter.hpp"
#include "hmac_data.hpp"
#include "hmac_floor.hpp"

#include <apiauth/crypto/hmac.hpp>

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <span>

namespace {

using apiauth_bench::hmac_inputs;
using tag = std::array<unsigned char, 32>;

// ---- the floor: pre-keyed SHA256_CTX structs, copied per MAC -----------------

using floor_key = apiauth_bench::hmac_sha256_floor;  // bench/hmac_floor.hpp

// ---- EVP contexts, built once -------------------------------------------------

struct evp_fixture {
    EVP_MAC* mac = nullptr;
    EVP_MAC_CTX* keyed = nullptr;      // keyed; re-initialised and used by evp_mac_reinit
    EVP_MAC_CTX* template_ = nullptr;  // keyed and never used: only copied by evp_mac_dup
    EVP_MD* md = nullptr;
    EVP_MD_CTX* md_inner = nullptr;  // SHA-256 after key ^ ipad
    EVP_MD_CTX* md_outer = nullptr;  // SHA-256 after key ^ opad
    EVP_MD_CTX* md_work = nullptr;   // reused copy target
};

const evp_fixture& evp()
{
    static const evp_fixture f = [] {
        using apiauth_bench::fail;
        const auto& d = hmac_inputs();
        evp_fixture x;
        x.mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (x.mac == nullptr || (x.keyed = EVP_MAC_CTX_new(x.mac)) == nullptr) fail("EVP_MAC_CTX_new");
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                     OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(x.keyed, d.key.data(), d.key.size(), params) != 1) fail("EVP_MAC_init");
        // A used (finalised) context copies its finished state: dup from one that never runs.
        if ((x.template_ = EVP_MAC_CTX_dup(x.keyed)) == nullptr) fail("EVP_MAC_CTX_dup");

        x.md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        x.md_inner = EVP_MD_CTX_new();
        x.md_outer = EVP_MD_CTX_new();
        x.md_work = EVP_MD_CTX_new();
        std::array<unsigned char, 64> ipad{}, opad{};
        for (std::size_t i = 0; i < 64; ++i) {
            const unsigned char k = i < d.key.size() ? d.key[i] : 0;
            ipad[i] = static_cast<unsigned char>(k ^ 0x36);
            opad[i] = static_cast<unsigned char>(k ^ 0x5c);
        }
        if (x.md == nullptr || x.md_inner == nullptr || x.md_outer == nullptr || x.md_work == nullptr ||
            EVP_DigestInit_ex(x.md_inner, x.md, nullptr) != 1 ||
            EVP_DigestUpdate(x.md_inner, ipad.data(), ipad.size()) != 1 ||
            EVP_DigestInit_ex(x.md_outer, x.md, nullptr) != 1 ||
            EVP_DigestUpdate(x.md_outer, opad.data(), opad.size()) != 1)
            fail("EVP_MD_CTX setup");
        return x;
    }();
    return f;
}

const floor_key& prepared_floor()
{
    static const floor_key k(hmac_inputs().key);
    return k;
}

const apiauth::crypto::hmac_key& library_key()
{
    static const apiauth::crypto::hmac_key k(apiauth::crypto::hash::sha256,
                                             std::as_bytes(std::span(hmac_inputs().key)));
    return k;
}

// ---- one MAC each way ------------------------------------------------------------

inline bool evp_mac_reinit(const evp_fixture& f, const unsigned char* msg, std::size_t n, unsigned char* out) noexcept
{
    std::size_t len = 0;
    return EVP_MAC_init(f.keyed, nullptr, 0, nullptr) == 1 && EVP_MAC_update(f.keyed, msg, n) == 1 &&
           EVP_MAC_final(f.keyed, out, &len, 32) == 1 && len == 32;
}

inline bool evp_mac_dup(const evp_fixture& f, const unsigned char* msg, std::size_t n, unsigned char* out) noexcept
{
    EVP_MAC_CTX* c = EVP_MAC_CTX_dup(f.template_);
    std::size_t len = 0;
    const bool ok = c != nullptr && EVP_MAC_update(c, msg, n) == 1 && EVP_MAC_final(c, out, &len, 32) == 1 && len == 32;
    EVP_MAC_CTX_free(c);
    return ok;
}

inline bool evp_md_ctx_copy(const evp_fixture& f, const unsigned char* msg, std::size_t n, unsigned char* out) noexcept
{
    unsigned char ih[32];
    unsigned int len = 0;
    return EVP_MD_CTX_copy_ex(f.md_work, f.md_inner) == 1 && EVP_DigestUpdate(f.md_work, msg, n) == 1 &&
           EVP_DigestFinal_ex(f.md_work, ih, &len) == 1 && EVP_MD_CTX_copy_ex(f.md_work, f.md_outer) == 1 &&
           EVP_DigestUpdate(f.md_work, ih, len) == 1 && EVP_DigestFinal_ex(f.md_work, out, &len) == 1 && len == 32;
}

inline bool oneshot(const unsigned char* key, const unsigned char* msg, std::size_t n, unsigned char* out) noexcept
{
    unsigned int len = 0;
    return HMAC(EVP_sha256(), key, 32, msg, n, out, &len) != nullptr && len == 32;
}

// Every way must give the same tag as HMAC(); the floor also the RFC 4231 §4.2 vector.
void check_hmac()
{
    using apiauth_bench::fail;
    const auto& d = hmac_inputs();
    const tag want = apiauth_bench::hmac_reference();
    if (want == tag{}) fail("HMAC() one-shot");

    const std::array<unsigned char, 20> k1 = [] {
        std::array<unsigned char, 20> k{};
        k.fill(0x0b);
        return k;
    }();
    const tag rfc4231_1 = {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf,
                           0xce, 0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83,
                           0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7};
    tag t{};
    floor_key(k1).compute(reinterpret_cast<const unsigned char*>("Hi There"), 8, t.data());
    if (t != rfc4231_1) fail("floor HMAC differs from RFC 4231 test case 1");

    t = {};
    prepared_floor().compute(d.message.data(), d.message.size(), t.data());
    if (t != want) fail("floor HMAC differs from HMAC()");

    const apiauth::crypto::digest_value v = library_key().compute(std::as_bytes(std::span(d.message)));
    if (v.size != 32 || std::memcmp(v.bytes.data(), want.data(), 32) != 0) fail("apiauth HMAC differs from HMAC()");

    t = {};
    if (!oneshot(d.key.data(), d.message.data(), d.message.size(), t.data()) || t != want) fail("one-shot HMAC");
    for (int i = 0; i < 2; ++i) {  // twice: the re-initialised context must give the same tag again
        t = {};
        if (!evp_mac_reinit(evp(), d.message.data(), d.message.size(), t.data()) || t != want)
            fail("EVP_MAC_init re-initialisation HMAC differs from HMAC()");
        t = {};
        if (!evp_mac_dup(evp(), d.message.data(), d.message.size(), t.data()) || t != want)
            fail("EVP_MAC_CTX_dup HMAC differs from HMAC()");
        t = {};
        if (!evp_md_ctx_copy(evp(), d.message.data(), d.message.size(), t.data()) || t != want)
            fail("EVP_MD_CTX_copy_ex HMAC differs from HMAC()");
    }
}

const apiauth_bench::register_check check{check_hmac};

// ---- benchmarks --------------------------------------------------------------

void hmac_apiauth(benchmark::State& state)
{
    const apiauth::crypto::hmac_key& key = library_key();
    const std::span<const std::byte> msg = std::as_bytes(std::span(hmac_inputs().message));
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto d = key.compute(msg);
        benchmark::DoNotOptimize(d);
    }
    meter.stop(state);
}
BENCHMARK(hmac_apiauth)->Name("hmac/sha256_200B/apiauth");

void hmac_floor(benchmark::State& state)
{
    const floor_key& key = prepared_floor();
    const auto& d = hmac_inputs();
    tag out{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        key.compute(d.message.data(), d.message.size(), out.data());
        benchmark::DoNotOptimize(out);
    }
    meter.stop(state);
}
BENCHMARK(hmac_floor)->Name("hmac/sha256_200B/floor");

void hmac_oneshot(benchmark::State& state)
{
    const auto& d = hmac_inputs();
    tag out{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        benchmark::DoNotOptimize(oneshot(d.key.data(), d.message.data(), d.message.size(), out.data()));
        benchmark::DoNotOptimize(out);
    }
    meter.stop(state);
}
BENCHMARK(hmac_oneshot)->Name("hmac/sha256_200B/openssl_oneshot");

void hmac_evp_mac_reinit(benchmark::State& state)
{
    const evp_fixture& f = evp();
    const auto& d = hmac_inputs();
    tag out{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        benchmark::DoNotOptimize(evp_mac_reinit(f, d.message.data(), d.message.size(), out.data()));
        benchmark::DoNotOptimize(out);
    }
    meter.stop(state);
}
BENCHMARK(hmac_evp_mac_reinit)->Name("hmac/sha256_200B/evp_mac_reinit");

void hmac_evp_mac_dup(benchmark::State& state)
{
    const evp_fixture& f = evp();
    const auto& d = hmac_inputs();
    tag out{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        benchmark::DoNotOptimize(evp_mac_dup(f, d.message.data(), d.message.size(), out.data()));
        benchmark::DoNotOptimize(out);
    }
    meter.stop(state);
}
BENCHMARK(hmac_evp_mac_dup)->Name("hmac/sha256_200B/evp_mac_dup");

void hmac_evp_md_ctx_copy(benchmark::State& state)
{
    const evp_fixture& f = evp();
    const auto& d = hmac_inputs();
    tag out{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        benchmark::DoNotOptimize(evp_md_ctx_copy(f, d.message.data(), d.message.size(), out.data()));
        benchmark::DoNotOptimize(out);
    }
    meter.stop(state);
}
BENCHMARK(hmac_evp_md_ctx_copy)->Name("hmac/sha256_200B/evp_md_ctx_copy");

}  // namespace
