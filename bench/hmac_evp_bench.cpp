// bench/hmac_evp_bench.cpp — hmac_key built with APIAUTH_USE_EVP (the FIPS-capable
// path: pooled keyed EVP_MAC_CTXs re-initialised per MAC).
//
// A separate executable: the default and the EVP builds of the same inline
// functions cannot both live in one program (ODR). Compare its result with
// hmac/sha256_200B/floor and /evp_mac_reinit of apiauth_bench.
#if !defined(APIAUTH_USE_EVP)
#error "hmac_evp_bench.cpp is built with APIAUTH_USE_EVP defined (see bench/CMakeLists.txt)"
#endif

#include "alloc_counter.hpp"
#include "hmac_data.hpp"

#include <apiauth/crypto/hmac.hpp>

#include <benchmark/benchmark.h>

#include <cstring>
#include <span>

namespace {

const apiauth::crypto::hmac_key& library_key()
{
    static const apiauth::crypto::hmac_key k(apiauth::crypto::hash::sha256,
                                             std::as_bytes(std::span(apiauth_bench::hmac_inputs().key)));
    return k;
}

void check_hmac_evp()
{
    const auto want = apiauth_bench::hmac_reference();
    const auto msg = std::as_bytes(std::span(apiauth_bench::hmac_inputs().message));
    for (int i = 0; i < 2; ++i) {  // the second MAC reuses the re-initialised pooled context
        const apiauth::crypto::digest_value v = library_key().compute(msg);
        if (v.size != 32 || std::memcmp(v.bytes.data(), want.data(), 32) != 0)
            apiauth_bench::fail("apiauth (EVP build) HMAC differs from HMAC()");
    }
}

const apiauth_bench::register_check check{check_hmac_evp};

void hmac_apiauth_evp(benchmark::State& state)
{
    const apiauth::crypto::hmac_key& key = library_key();
    const std::span<const std::byte> msg = std::as_bytes(std::span(apiauth_bench::hmac_inputs().message));
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto d = key.compute(msg);
        benchmark::DoNotOptimize(d);
    }
    meter.stop(state);
}
BENCHMARK(hmac_apiauth_evp)->Name("hmac/sha256_200B/apiauth_evp");

}  // namespace
