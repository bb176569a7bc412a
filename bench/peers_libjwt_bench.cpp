// bench/peers_libjwt_bench.cpp — apiauth_bench_peers, part 2: libjwt 1.10.2 (Debian libjwt-dev)
// verifying the tokens of jwt_data.hpp, configured as jwt-peers.md §11 describes.
//
//   jwt/<alg>_verify/libjwt    HS256, RS256, ES256 (libjwt 1.10.2 has no PS* and no EdDSA)
//
// libjwt 1.10.2 has one call, jwt_decode(&jwt, token, key, key_len), then accessors and
// jwt_free. The key is passed per call (a PEM for RS256/ES256, which it parses every time:
// there is no parsed-key form). It has no claim validation (jwt_valid_* came in 1.12), so
// what an application must do itself is done here, as the maintainer asks (issue #43): the
// algorithm is checked with jwt_get_alg, and iss, aud and exp with jwt_get_grant[_int].
//
// Allocations: operator new and OpenSSL as everywhere, plus Jansson's, routed through the
// counted operator new with json_set_alloc_funcs when the program is linked with Jansson
// (APIAUTH_BENCH_COUNT_JANSSON). libjwt's own malloc/strdup/calloc calls are not counted.
#include "alloc_counter.hpp"
#include "jwt_data.hpp"

#include <benchmark/benchmark.h>
#include <jwt.h>
#if defined(APIAUTH_BENCH_COUNT_JANSSON)
#include <jansson.h>
#endif

#include <cerrno>
#include <cstddef>
#include <ctime>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace jd = apiauth_bench::jwt_data;
using apiauth_bench::fail;

struct libjwt_fixture {
    std::string token;
    jwt_alg_t alg = JWT_ALG_NONE;
    std::string key;  // the HMAC secret or the public PEM
    std::string issuer;
    std::string audience;

    bool verify() const
    {
        jwt_t* t = nullptr;
        if (jwt_decode(&t, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                       static_cast<int>(key.size())) != 0)
            return false;
        bool ok = jwt_get_alg(t) == alg;
        const char* iss = jwt_get_grant(t, "iss");
        const char* aud = jwt_get_grant(t, "aud");
        ok = ok && iss && issuer == iss && aud && audience == aud;
        errno = 0;
        const long exp = jwt_get_grant_int(t, "exp");
        ok = ok && errno == 0 && std::time(nullptr) < exp;
        jwt_free(t);
        return ok;
    }
};

jwt_alg_t libjwt_alg(apiauth::jose::algorithm a)
{
    switch (a) {
    case apiauth::jose::algorithm::hs256: return JWT_ALG_HS256;
    case apiauth::jose::algorithm::rs256: return JWT_ALG_RS256;
    case apiauth::jose::algorithm::es256: return JWT_ALG_ES256;
    default: return JWT_ALG_INVAL;
    }
}

const libjwt_fixture& fixture(std::size_t i)
{
    static const std::vector<libjwt_fixture> all = [] {
        std::vector<libjwt_fixture> v;
        for (const jd::jwt_case& c : jd::cases())
            v.push_back(libjwt_fixture{c.token, libjwt_alg(c.alg),
                                       c.private_pem.empty() ? std::string(jd::hmac_secret) : c.public_pem,
                                       std::string(jd::issuer), std::string(jd::audience)});
        return v;
    }();
    return all[i];
}

#if defined(APIAUTH_BENCH_COUNT_JANSSON)
void* jansson_malloc(std::size_t n)
{
    return ::operator new(n, std::nothrow);  // the counted allocator
}
void jansson_free(void* p)
{
    ::operator delete(p);
}
#endif

// Jansson's allocator first (before libjwt has parsed anything), then: libjwt accepts each
// token it supports and refuses it with a changed signature, a wrong issuer and a wrong audience.
void check_libjwt()
{
#if defined(APIAUTH_BENCH_COUNT_JANSSON)
    json_set_alloc_funcs(jansson_malloc, jansson_free);
    const std::uint64_t before = apiauth_bench::allocations();
    json_decref(json_object());
    if (apiauth_bench::allocations() == before) fail("Jansson's allocations are not counted");
#endif
    for (std::size_t i : {std::size_t{jd::hs256}, std::size_t{jd::rs256}, std::size_t{jd::es256}}) {
        const libjwt_fixture& f = fixture(i);
        if (!f.verify()) fail("libjwt refuses a benchmark token");
        libjwt_fixture bad = f;
        bad.token[bad.token.size() - 3] = bad.token[bad.token.size() - 3] == 'A' ? 'B' : 'A';
        if (bad.verify()) fail("libjwt accepts a token with a changed signature");
        bad = f;
        bad.issuer += "x";
        if (bad.verify()) fail("libjwt accepts a wrong issuer");
        bad = f;
        bad.audience += "x";
        if (bad.verify()) fail("libjwt accepts a wrong audience");
    }
}

const apiauth_bench::register_check check{check_libjwt};

template <std::size_t I> void verify_libjwt(benchmark::State& state)
{
    const libjwt_fixture& f = fixture(I);
    if (!f.verify()) fail("libjwt");
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        if (!f.verify()) fail("libjwt");
    }
    meter.stop(state);
}

BENCHMARK(verify_libjwt<jd::hs256>)->Name("jwt/hs256_verify/libjwt");
BENCHMARK(verify_libjwt<jd::rs256>)->Name("jwt/rs256_verify/libjwt");
BENCHMARK(verify_libjwt<jd::es256>)->Name("jwt/es256_verify/libjwt");

}  // namespace
