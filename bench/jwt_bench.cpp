// bench/jwt_bench.cpp — JWT verification and signing (issue 3, "Benchmarks"):
// jwt::verifier::verify from the token string, its floor (the bare cryptographic
// check of the same token, OpenSSL used as fast as it allows, no JSON), and
// jwt::signer::sign. The peers are in apiauth_bench_peers (peers_bench.cpp, peers_libjwt_bench.cpp).
//
//   jwt/<alg>_verify/apiauth             verifier::verify(token): split, header, key,
//                                        signature, claims (iss, aud, exp) — every result checked
//   jwt/<alg>_verify/floor               the signature alone: signature decoded (ECDSA in DER),
//                                        key parsed, context prepared, before the loop
//   jwt/<alg>_verify/floor_digestverify  the other way OpenSSL offers (RS256, PS256, ES256):
//                                        EVP_DigestVerifyInit + EVP_DigestVerify on a reused
//                                        EVP_MD_CTX, so that the choice of floor is shown by numbers
//   jwt/<alg>_sign/apiauth               signer::sign(claims) (HS256, ES256)
//   jwt/hs256_verify/{apiauth,floor}_1KiB  the same with an HS256 token of at most 1 KiB (a padded
//                                        custom claim): the size bound of the zero-allocation target
//   jwt/hs256_verify_extra_claims/apiauth  the HS256 token plus 4 string claims (ID Site's state,
//                                        status, cb_uri, path) that the policy declares and the
//                                        verifier reads in the same pass (target: within 1.10x of
//                                        jwt/hs256_verify/apiauth, no allocation)
//   jwt/hs256_verify_extra_claims/undeclared  the same token, verified without declaring them: the
//                                        difference is what reading 4 declared claims costs, the
//                                        rest is the longer token (HMAC, base64url, parse)
#include "alloc_counter.hpp"
#include "hmac_floor.hpp"
#include "jwt_data.hpp"

#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/jwt.hpp>

#include <benchmark/benchmark.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace jd = apiauth_bench::jwt_data;
using apiauth_bench::fail;

// ---- the floors ------------------------------------------------------------------

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

// HMAC-SHA-256 from pre-keyed SHA256_CTX structs (bench/hmac_floor.hpp), then CRYPTO_memcmp.
class hmac_floor {
public:
    explicit hmac_floor(std::string_view key) noexcept : mac_(std::as_bytes(std::span(key.data(), key.size()))) {}

    bool verify(std::string_view msg, const unsigned char* tag) const noexcept
    {
        unsigned char mac[SHA256_DIGEST_LENGTH];
        mac_.compute(reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac);
        return CRYPTO_memcmp(mac, tag, sizeof mac) == 0;
    }

private:
    apiauth_bench::hmac_sha256_floor mac_;
};

#pragma GCC diagnostic pop

// Everything a floor needs, prepared once per algorithm.
struct floor_fixture {
    const jd::jwt_case* c = nullptr;
    std::string_view signing_input;
    std::vector<unsigned char> sig;  // decoded; DER for ECDSA
    std::optional<hmac_floor> hmac;  // HS256
    EVP_PKEY* pkey = nullptr;        // the others
    EVP_MD* md = nullptr;            // SHA-256, fetched once (floor_digestverify)
    EVP_PKEY_CTX* pctx = nullptr;    // verify-initialised once: EVP_PKEY_verify over a digest
    EVP_MD_CTX* mdctx = nullptr;     // reused: EVP_DigestVerifyInit + EVP_DigestVerify

    // The pre-hashed check: SHA256_CTX digest, EVP_PKEY_verify on the prepared context.
    bool verify_pkey_ctx() const noexcept
    {
        unsigned char d[SHA256_DIGEST_LENGTH];
        apiauth_bench::sha256(signing_input, d);
        return EVP_PKEY_verify(pctx, sig.data(), sig.size(), d, sizeof d) == 1;
    }

    // EVP_DigestVerifyInit + EVP_DigestVerify on the reused EVP_MD_CTX (md null for Ed25519).
    bool verify_digest_verify() const noexcept
    {
        EVP_PKEY_CTX* pc = nullptr;
        if (EVP_DigestVerifyInit(mdctx, &pc, md, nullptr, pkey) != 1) return false;
        if (c->alg == jd::algorithm::ps256 && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
                                               EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1))
            return false;
        return EVP_DigestVerify(mdctx, sig.data(), sig.size(),
                                reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size()) == 1;
    }

    // The floor of the algorithm: HMAC struct copies; Ed25519 (no pre-hashed form) the
    // DigestVerify pair; RSA and ECDSA the prepared EVP_PKEY_CTX, which measures faster
    // (BENCHMARKS.md, floor_digestverify rows).
    bool verify() const noexcept
    {
        if (hmac) return hmac->verify(signing_input, sig.data());
        if (c->alg == jd::algorithm::eddsa) return verify_digest_verify();
        return verify_pkey_ctx();
    }
};

std::vector<unsigned char> decode_signature(const jd::jwt_case& c)
{
    auto raw = apiauth::encoding::base64url::decode(std::string_view(c.token).substr(c.dot2 + 1));
    if (!raw) fail("cannot decode a benchmark token's signature");
    std::vector<unsigned char> sig(raw->begin(), raw->end());
    if (c.alg != jd::algorithm::es256) return sig;
    // JOSE R‖S to DER through OpenSSL's own encoder (not the library's converter).
    if (sig.size() != 64) fail("ES256 signature is not 64 octets");
    ECDSA_SIG* e = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(sig.data(), 32, nullptr);
    BIGNUM* s = BN_bin2bn(sig.data() + 32, 32, nullptr);
    if (!e || !r || !s || ECDSA_SIG_set0(e, r, s) != 1) fail("ECDSA_SIG");
    unsigned char* der = nullptr;
    const int n = i2d_ECDSA_SIG(e, &der);
    if (n <= 0) fail("i2d_ECDSA_SIG");
    std::vector<unsigned char> out(der, der + n);
    OPENSSL_free(der);
    ECDSA_SIG_free(e);
    return out;
}

floor_fixture make_floor(const jd::jwt_case& c)
{
    floor_fixture f;
    f.c = &c;
    f.signing_input = std::string_view(c.token).substr(0, c.dot2);
    f.sig = decode_signature(c);
    if (c.alg == jd::algorithm::hs256) {
        f.hmac.emplace(jd::hmac_secret);
        return f;
    }
    BIO* bio = BIO_new_mem_buf(c.public_pem.data(), static_cast<int>(c.public_pem.size()));
    f.pkey = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (!f.pkey) fail("floor: PEM_read_bio_PUBKEY");
    f.mdctx = EVP_MD_CTX_new();
    if (!f.mdctx) fail("floor: EVP_MD_CTX_new");
    if (c.alg == jd::algorithm::eddsa) return f;
    f.md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    f.pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, f.pkey, nullptr);
    if (!f.md || !f.pctx || EVP_PKEY_verify_init(f.pctx) != 1 || EVP_PKEY_CTX_set_signature_md(f.pctx, f.md) != 1)
        fail("floor: EVP_PKEY_CTX setup");
    if (c.alg == jd::algorithm::rs256 && EVP_PKEY_CTX_set_rsa_padding(f.pctx, RSA_PKCS1_PADDING) != 1)
        fail("floor: RS256 padding");
    if (c.alg == jd::algorithm::ps256 && (EVP_PKEY_CTX_set_rsa_padding(f.pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                          EVP_PKEY_CTX_set_rsa_pss_saltlen(f.pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        fail("floor: PS256 padding");
    return f;
}

// Built on first use (after the allocator is installed); never freed.
const std::array<floor_fixture, jd::count>& floors()
{
    static const std::array<floor_fixture, jd::count> all = [] {
        std::array<floor_fixture, jd::count> a;
        for (std::size_t i = 0; i < jd::count; ++i) a[i] = make_floor(jd::cases()[i]);
        return a;
    }();
    return all;
}

// ---- the library -------------------------------------------------------------------

const apiauth::jose::jwt::verifier& library_verifier(std::size_t i)
{
    static const std::array<std::optional<apiauth::jose::jwt::verifier>, jd::count> all = [] {
        std::array<std::optional<apiauth::jose::jwt::verifier>, jd::count> a;
        for (std::size_t k = 0; k < jd::count; ++k)
            a[k].emplace(apiauth::jose::key_set(jd::verification_key(jd::cases()[k])), jd::policy());
        return a;
    }();
    return *all[i];
}

const apiauth::jose::jwt::signer& library_signer(std::size_t i)
{
    static const std::array<std::optional<apiauth::jose::jwt::signer>, jd::count> all = [] {
        std::array<std::optional<apiauth::jose::jwt::signer>, jd::count> a;
        for (std::size_t k = 0; k < jd::count; ++k) {
            auto s = apiauth::jose::jwt::signer::make(jd::signing_key(jd::cases()[k]));
            if (!s) fail("jwt::signer::make");
            a[k].emplace(std::move(*s));
        }
        return a;
    }();
    return *all[i];
}

// An HS256 token of at most 1 KiB, the bound of issue 3's zero-allocation target: the
// claims above plus a custom claim that pads them out.
const jd::jwt_case& hs256_1kib()
{
    static const jd::jwt_case c = [] {
        jd::jwt_case x = jd::cases()[jd::hs256];
        const apiauth::jose::jwt::signer& s = library_signer(jd::hs256);
        std::string best;
        for (std::size_t n = 1;; ++n) {
            nlohmann::json claims = jd::claims();
            claims["ext"] = std::string(n, 'x');
            auto t = s.sign(claims);
            if (!t) fail("jwt::signer::sign");
            if (t->size() > 1024) break;
            best = std::move(*t);
        }
        x.token = std::move(best);
        x.dot2 = x.token.rfind('.');
        benchmark::AddCustomContext("jwt_token_bytes_1KiB", "hs256=" + std::to_string(x.token.size()));
        return x;
    }();
    return c;
}

// The 4 declared claims of jwt/hs256_verify_extra_claims, as an ID Site callback reads them.
constexpr apiauth::jose::jwt::string_claim x_state{"state"}, x_status{"status"}, x_cb_uri{"cb_uri"}, x_path{"path"};

// The HS256 token with 4 extra string claims, and a verifier whose policy declares them.
const std::string& hs256_extra_token()
{
    static const std::string t = [] {
        nlohmann::json claims = jd::claims();
        claims["state"] = "af0ifjsldkj";
        claims["status"] = "AUTHENTICATED";
        claims["cb_uri"] = "https://app.example/idsite/callback";
        claims["path"] = "/login";
        auto r = library_signer(jd::hs256).sign(claims);
        if (!r) fail("jwt::signer::sign");
        benchmark::AddCustomContext("jwt_token_bytes_extra_claims", "hs256=" + std::to_string(r->size()));
        return *r;
    }();
    return t;
}

const apiauth::jose::jwt::verifier& extra_claims_verifier()
{
    static const apiauth::jose::jwt::verifier v = [] {
        auto p = jd::policy();
        p.declare = {x_state.required(), x_status, x_cb_uri, x_path};
        return apiauth::jose::jwt::verifier(apiauth::jose::key_set(jd::verification_key(jd::cases()[jd::hs256])),
                                            std::move(p));
    }();
    return v;
}

const floor_fixture& floor_1kib()
{
    static const floor_fixture f = make_floor(hs256_1kib());
    return f;
}

// Each floor and the library accept their token; each floor refuses it with one signing-input
// octet changed (so that it really checks the signature over those bytes).
void check_jwt()
{
    for (std::size_t i = 0; i < jd::count; ++i) {
        const jd::jwt_case& c = jd::cases()[i];
        floor_fixture f = floors()[i];  // a copy whose signing input can point elsewhere
        if (!f.verify()) fail("a jwt floor refuses its token");
        if (f.c->alg != jd::algorithm::hs256 && f.c->alg != jd::algorithm::eddsa && !f.verify_digest_verify())
            fail("a jwt floor_digestverify refuses its token");
        std::string tampered(f.signing_input);
        tampered[tampered.size() / 2] ^= 1;
        f.signing_input = tampered;
        if (f.verify() || (f.pkey && f.verify_digest_verify())) fail("a jwt floor accepts a tampered token");
        ERR_clear_error();

        auto r = library_verifier(i).verify(c.token);
        if (!r) fail("jwt::verifier refuses its benchmark token");
        if (r->claims().iss() != jd::issuer || r->claims().sub() != "acct_7f") fail("jwt::verifier claims");
        auto s = library_signer(i).sign(jd::claims());
        if (!s || !library_verifier(i).verify(*s)) fail("a token from jwt::signer does not verify");
    }
    if (!floor_1kib().verify() || !library_verifier(jd::hs256).verify(hs256_1kib().token))
        fail("the 1 KiB HS256 token does not verify");
    auto x = extra_claims_verifier().verify(hs256_extra_token());
    if (!x || x->claims().get(x_state) != "af0ifjsldkj" || x->claims().get(x_status) != "AUTHENTICATED" ||
        x->claims().get(x_cb_uri) != "https://app.example/idsite/callback" || x->claims().get(x_path) != "/login")
        fail("jwt::verifier with declared claims");
}

const apiauth_bench::register_check check{check_jwt};

// ---- benchmarks ----------------------------------------------------------------------

template <std::size_t I> void verify_apiauth(benchmark::State& state)
{
    const apiauth::jose::jwt::verifier& v = library_verifier(I);
    const std::string& token = jd::cases()[I].token;
    if (!v.verify(token)) fail("jwt::verifier::verify");  // warm-up: the thread's workspace, the header cache
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = v.verify(token);
        if (!r) fail("jwt::verifier::verify");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}

void verify_apiauth_1kib(benchmark::State& state)
{
    const apiauth::jose::jwt::verifier& v = library_verifier(jd::hs256);
    const std::string& token = hs256_1kib().token;
    if (!v.verify(token)) fail("jwt::verifier::verify");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = v.verify(token);
        if (!r) fail("jwt::verifier::verify");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}

template <bool Declared> void verify_apiauth_extra_claims(benchmark::State& state)
{
    const apiauth::jose::jwt::verifier& v = Declared ? extra_claims_verifier() : library_verifier(jd::hs256);
    const std::string& token = hs256_extra_token();
    if (!v.verify(token)) fail("jwt::verifier::verify");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = v.verify(token);
        if (!r) fail("jwt::verifier::verify");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}

void verify_floor_1kib(benchmark::State& state)
{
    const floor_fixture& f = floor_1kib();
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        if (!f.verify()) fail("jwt floor");
    }
    meter.stop(state);
}

template <std::size_t I> void verify_floor(benchmark::State& state)
{
    const floor_fixture& f = floors()[I];
    if (!f.verify()) fail("jwt floor");
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        if (!f.verify()) fail("jwt floor");
    }
    meter.stop(state);
}

template <std::size_t I> void verify_floor_digestverify(benchmark::State& state)
{
    const floor_fixture& f = floors()[I];
    if (!f.verify_digest_verify()) fail("jwt floor_digestverify");
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        if (!f.verify_digest_verify()) fail("jwt floor_digestverify");
    }
    meter.stop(state);
}

template <std::size_t I> void sign_apiauth(benchmark::State& state)
{
    const apiauth::jose::jwt::signer& s = library_signer(I);
    const nlohmann::json claims = jd::claims();
    if (!s.sign(claims)) fail("jwt::signer::sign");
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto t = s.sign(claims);
        if (!t) fail("jwt::signer::sign");
        benchmark::DoNotOptimize(t);
    }
    meter.stop(state);
}

BENCHMARK(verify_apiauth<jd::hs256>)->Name("jwt/hs256_verify/apiauth");
BENCHMARK(verify_apiauth_extra_claims<true>)->Name("jwt/hs256_verify_extra_claims/apiauth");
BENCHMARK(verify_apiauth_extra_claims<false>)->Name("jwt/hs256_verify_extra_claims/undeclared");
BENCHMARK(verify_floor<jd::hs256>)->Name("jwt/hs256_verify/floor");
BENCHMARK(verify_apiauth_1kib)->Name("jwt/hs256_verify/apiauth_1KiB");
BENCHMARK(verify_floor_1kib)->Name("jwt/hs256_verify/floor_1KiB");
BENCHMARK(verify_apiauth<jd::rs256>)->Name("jwt/rs256_verify/apiauth");
BENCHMARK(verify_floor<jd::rs256>)->Name("jwt/rs256_verify/floor");
BENCHMARK(verify_floor_digestverify<jd::rs256>)->Name("jwt/rs256_verify/floor_digestverify");
BENCHMARK(verify_apiauth<jd::ps256>)->Name("jwt/ps256_verify/apiauth");
BENCHMARK(verify_floor<jd::ps256>)->Name("jwt/ps256_verify/floor");
BENCHMARK(verify_floor_digestverify<jd::ps256>)->Name("jwt/ps256_verify/floor_digestverify");
BENCHMARK(verify_apiauth<jd::es256>)->Name("jwt/es256_verify/apiauth");
BENCHMARK(verify_floor<jd::es256>)->Name("jwt/es256_verify/floor");
BENCHMARK(verify_floor_digestverify<jd::es256>)->Name("jwt/es256_verify/floor_digestverify");
BENCHMARK(verify_apiauth<jd::eddsa>)->Name("jwt/eddsa_verify/apiauth");
BENCHMARK(verify_floor<jd::eddsa>)->Name("jwt/eddsa_verify/floor");
BENCHMARK(sign_apiauth<jd::hs256>)->Name("jwt/hs256_sign/apiauth");
BENCHMARK(sign_apiauth<jd::es256>)->Name("jwt/es256_sign/apiauth");

}  // namespace
