// bench/peers_bench.cpp — apiauth_bench_peers, part 1: cpp-jwt 1.4 (Debian libcpp-jwt-dev)
// verifying the tokens of jwt_data.hpp, configured as jwt-peers.md §11 describes.
//
//   jwt/<alg>_verify/cpp-jwt   HS256, RS256, ES256 (cpp-jwt 1.4 has no PS* and no EdDSA)
//
// cpp-jwt's API is one call from the token string: jwt::decode(token, algorithms({…}), ec,
// secret(…), issuer(…), aud(…)). The allowed algorithm list and the key are built once and
// passed by reference; the key is a PEM string for RS256/ES256, which cpp-jwt parses
// (BIO_new_mem_buf + PEM_read_bio_PUBKEY) on every call: its API has no parsed-key form.
// Claims checked: iss and aud (exact match), exp (cpp-jwt checks it whenever present).
// libjwt is in peers_libjwt_bench.cpp: its C `struct jwt` and cpp-jwt's `namespace jwt`
// cannot share a translation unit.
//
// cpp-jwt's headers use `jwt::`; apiauth's are in `apiauth::jose::jwt`. Both fit here.
#include "alloc_counter.hpp"
#include "jwt_data.hpp"

#include <benchmark/benchmark.h>
#include <jwt/jwt.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace jd = apiauth_bench::jwt_data;
using apiauth_bench::fail;

// What one cpp-jwt verification needs, built once.
struct cppjwt_fixture {
    std::string token;
    std::vector<std::string> algorithms;  // exactly the token's algorithm
    std::string key;                      // the HMAC secret or the public PEM
    std::string issuer;
    std::string audience;

    bool verify() const
    {
        std::error_code ec;
        auto obj =
            ::jwt::decode(token, ::jwt::params::algorithms(algorithms), ec, ::jwt::params::secret(key),
                          ::jwt::params::issuer(issuer), ::jwt::params::aud(audience), ::jwt::params::verify(true));
        benchmark::DoNotOptimize(obj);
        return !ec;
    }
};

cppjwt_fixture make_fixture(std::size_t i)
{
    const jd::jwt_case& c = jd::cases()[i];
    std::string alg(apiauth::jose::name(c.alg));
    return cppjwt_fixture{c.token,
                          {alg},
                          c.private_pem.empty() ? std::string(jd::hmac_secret) : c.public_pem,
                          std::string(jd::issuer),
                          std::string(jd::audience)};
}

const cppjwt_fixture& fixture(std::size_t i)
{
    static const std::vector<cppjwt_fixture> all = [] {
        std::vector<cppjwt_fixture> v;
        for (std::size_t k = 0; k < jd::count; ++k) v.push_back(make_fixture(k));
        return v;
    }();
    return all[i];
}

// cpp-jwt accepts each token it supports, and refuses it with a changed signature, a wrong
// issuer and a wrong audience (so that the benchmark really exercises those checks).
void check_cppjwt()
{
    for (std::size_t i : {std::size_t{jd::hs256}, std::size_t{jd::rs256}, std::size_t{jd::es256}}) {
        const cppjwt_fixture& f = fixture(i);
        if (!f.verify()) fail("cpp-jwt refuses a benchmark token");
        cppjwt_fixture bad = f;
        bad.token[bad.token.size() - 3] = bad.token[bad.token.size() - 3] == 'A' ? 'B' : 'A';
        if (bad.verify()) fail("cpp-jwt accepts a token with a changed signature");
        bad = f;
        bad.issuer += "x";
        if (bad.verify()) fail("cpp-jwt accepts a wrong issuer");
        bad = f;
        bad.audience += "x";
        if (bad.verify()) fail("cpp-jwt accepts a wrong audience");
    }
}

const apiauth_bench::register_check check{check_cppjwt};

template <std::size_t I> void verify_cppjwt(benchmark::State& state)
{
    const cppjwt_fixture& f = fixture(I);
    if (!f.verify()) fail("cpp-jwt");
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        if (!f.verify()) fail("cpp-jwt");
    }
    meter.stop(state);
}

BENCHMARK(verify_cppjwt<jd::hs256>)->Name("jwt/hs256_verify/cpp-jwt");
BENCHMARK(verify_cppjwt<jd::rs256>)->Name("jwt/rs256_verify/cpp-jwt");
BENCHMARK(verify_cppjwt<jd::es256>)->Name("jwt/es256_verify/cpp-jwt");

}  // namespace
