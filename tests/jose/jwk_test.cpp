// Tests for apiauth/jose/jwk.hpp: keys bound to one algorithm (RFC 8725 §3.1) built from secrets, PEM
// and JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2), their export to JWK, and key sets that choose a key
// for a token without trusting the token (RFC 7515 §4.1.4, RFC 8725 §3.10). Every refusal is checked
// with the exact error; keys are generated here (jose::key::generate, or OpenSSL for what the library
// must refuse: RSA-1024, other curves, encrypted PEM).
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/sign.hpp>

#include "../support/jose_support.hpp"
#include "../support/test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jose_jwk_test {

namespace jose = apiauth::jose;
namespace jws = apiauth::jose::jws;
using apiauth::errc;
using apiauth::detail::as_bytes;
using apiauth::test::b64;
using apiauth::test::b64d;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::segments;
using apiauth::test::split;
using jose::algorithm;
using nlohmann::json;

namespace {

constexpr std::array all_algorithms = {algorithm::hs256,  algorithm::hs384, algorithm::hs512, algorithm::rs256,
                                       algorithm::rs384,  algorithm::rs512, algorithm::ps256, algorithm::ps384,
                                       algorithm::ps512,  algorithm::es256, algorithm::es384, algorithm::es512,
                                       algorithm::es256k, algorithm::eddsa};

// One generated private key per algorithm (RSA generation is slow: done once).
const jose::key& generated(algorithm a)
{
    static std::map<algorithm, jose::key> cache;
    auto it = cache.find(a);
    if (it == cache.end()) {
        auto k = jose::key::generate(a, "kid-" + std::string(jose::name(a)));
        REQUIRE(k.has_value());
        it = cache.emplace(a, *k).first;
    }
    return it->second;
}

json private_jwk(algorithm a)
{
    auto j = generated(a).to_jwk(true);
    REQUIRE(j.has_value());
    return *j;
}

json public_jwk(algorithm a)
{
    auto j = generated(a).to_jwk(false);
    REQUIRE(j.has_value());
    return *j;
}

// k signs `msg`; the signature verifies with `v`.
bool signs_for(const jose::key& k, const jose::key& v, std::string_view msg = "message")
{
    std::array<std::byte, 1024> sig{};
    const auto n = k.sign(as_bytes(msg), sig);
    REQUIRE(n.has_value());
    return v.verify(as_bytes(msg), std::span<const std::byte>(sig.data(), *n));
}

// ---- OpenSSL keys and PEM ---------------------------------------------------------------------------------

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

pkey_ptr rsa_key(std::size_t bits)
{
    pkey_ptr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
    REQUIRE(k != nullptr);
    return k;
}

pkey_ptr ec_key(const char* group)
{
    pkey_ptr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
    REQUIRE(k != nullptr);
    return k;
}

pkey_ptr ed25519_key()
{
    pkey_ptr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    REQUIRE(k != nullptr);
    return k;
}

enum class pem_kind { public_key, pkcs8, traditional, encrypted };

std::string pem(EVP_PKEY* k, pem_kind kind)
{
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(bio != nullptr);
    int ok = 0;
    switch (kind) {
    case pem_kind::public_key: ok = PEM_write_bio_PUBKEY(bio, k); break;
    case pem_kind::pkcs8: ok = PEM_write_bio_PKCS8PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr); break;
    case pem_kind::traditional:
        ok = PEM_write_bio_PrivateKey_traditional(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
        break;
    case pem_kind::encrypted: {
        static char password[] = "correct horse battery staple";
        ok = PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_256_cbc(), password, sizeof password - 1, nullptr, nullptr);
        break;
    }
    }
    REQUIRE(ok == 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

// The unsigned big-endian octets of an RSA parameter of `k` ("n", "e").
std::string rsa_param(EVP_PKEY* k, const char* param)
{
    BIGNUM* bn = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(k, param, &bn) == 1);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
}

}  // namespace

// ---- import of each kty and crv, export, round trip ---------------------------------------------------------

TEST_CASE("RFC 7517 §4 / RFC 7518 §6 / RFC 8037 §2: to_jwk and re-import round-trip for every algorithm", "[jose][jwk]")
{
    for (algorithm a : all_algorithms) {
        const std::string alg(jose::name(a));
        INFO(alg);
        const jose::key& k = generated(a);
        CHECK(k.alg() == a);
        CHECK(k.kid() == "kid-" + alg);
        CHECK(k.has_kid());
        CHECK(k.can_sign());
        CHECK(k.can_verify());

        const json priv = private_jwk(a);
        CHECK(priv.at("alg") == alg);
        CHECK(priv.at("use") == "sig");
        CHECK(priv.at("kid") == "kid-" + alg);
        switch (jose::family(a)) {
        case jose::key_family::hmac:
            CHECK(priv.at("kty") == "oct");
            CHECK(b64d(priv.at("k").get<std::string>()).size() == k.signature_size());
            // An HMAC key has no public form (RFC 7517 §9.3: never publish a symmetric key).
            CHECK(outcome(k.to_jwk(false)) == name(errc::key_use_not_allowed));
            break;
        case jose::key_family::rsa:
            CHECK(priv.at("kty") == "RSA");
            for (const char* m : {"n", "e", "d", "p", "q", "dp", "dq", "qi"}) CHECK(priv.contains(m));
            CHECK(b64d(priv.at("n").get<std::string>()).size() == 256);
            CHECK(priv.at("e") == "AQAB");
            break;
        case jose::key_family::ecdsa: {
            const auto c = *jose::curve_of(a);
            CHECK(priv.at("kty") == "EC");
            CHECK(priv.at("crv") == std::string(c.jwk_crv));
            // RFC 7518 §6.2.1.2, §6.2.2.1: full-length coordinates and d, even with leading zeros.
            CHECK(b64d(priv.at("x").get<std::string>()).size() == c.coordinate_size);
            CHECK(b64d(priv.at("y").get<std::string>()).size() == c.coordinate_size);
            CHECK(b64d(priv.at("d").get<std::string>()).size() == c.coordinate_size);
            break;
        }
        case jose::key_family::eddsa:
            CHECK(priv.at("kty") == "OKP");
            CHECK(priv.at("crv") == "Ed25519");
            CHECK(b64d(priv.at("x").get<std::string>()).size() == 32);
            CHECK(b64d(priv.at("d").get<std::string>()).size() == 32);
            break;
        }

        // Re-imported private key: signs what the original verifies, and the reverse.
        const auto back = jose::key::from_jwk(priv, {.allow_private = jose::family(a) != jose::key_family::hmac});
        INFO(outcome(back));
        REQUIRE(back.has_value());
        CHECK(back->alg() == a);
        CHECK(back->kid() == k.kid());
        CHECK(back->can_sign());
        CHECK(signs_for(*back, k));
        CHECK(signs_for(k, *back));
        CHECK(back->to_jwk(true).value() == priv);

        if (jose::family(a) == jose::key_family::hmac) continue;
        // Public export: no private member; re-imported it verifies and cannot sign.
        const json pub = public_jwk(a);
        for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "k"}) CHECK_FALSE(pub.contains(m));
        json expected_pub = priv;
        for (const char* m : {"d", "p", "q", "dp", "dq", "qi"}) expected_pub.erase(m);
        CHECK(pub == expected_pub);
        const auto p = jose::key::from_jwk(pub.dump());
        INFO(outcome(p));
        REQUIRE(p.has_value());
        CHECK_FALSE(p->can_sign());
        CHECK(p->can_verify());
        CHECK(signs_for(k, *p));
        // A public key asked for its private members gives the public ones only.
        CHECK(p->to_jwk(true).value() == pub);
        std::array<std::byte, 1024> sig{};
        CHECK(outcome(p->sign(as_bytes("x"), sig)) == name(errc::not_a_signing_key));
    }
}

TEST_CASE("jose::key: signature_size is the exact JWS signature length of each algorithm (RFC 7518 §3)", "[jose][jwk]")
{
    const std::map<algorithm, std::size_t> sizes = {
        {algorithm::hs256, 32},  {algorithm::hs384, 48},  {algorithm::hs512, 64},  {algorithm::rs256, 256},
        {algorithm::rs384, 256}, {algorithm::rs512, 256}, {algorithm::ps256, 256}, {algorithm::ps384, 256},
        {algorithm::ps512, 256}, {algorithm::es256, 64},  {algorithm::es384, 96},  {algorithm::es512, 132},
        {algorithm::es256k, 64}, {algorithm::eddsa, 64}};
    for (algorithm a : all_algorithms) {
        INFO(jose::name(a));
        const jose::key& k = generated(a);
        CHECK(k.signature_size() == sizes.at(a));
        std::array<std::byte, 1024> sig{};
        const auto n = k.sign(as_bytes("m"), sig);
        REQUIRE(n.has_value());
        CHECK(*n == sizes.at(a));
        const std::span<const std::byte> good(sig.data(), *n);
        CHECK(k.verify(as_bytes("m"), good));
        CHECK_FALSE(k.verify(as_bytes("n"), good));
        // Any other length is false before any cryptography (one octet more or less).
        CHECK_FALSE(k.verify(as_bytes("m"), good.first(*n - 1)));
        std::array<std::byte, 1025> longer{};
        std::copy(good.begin(), good.end(), longer.begin());
        CHECK_FALSE(k.verify(as_bytes("m"), std::span<const std::byte>(longer.data(), *n + 1)));
        CHECK_FALSE(k.verify(as_bytes("m"), {}));
        // The output buffer must hold signature_size() octets.
        std::vector<std::byte> small(sizes.at(a) - 1);
        CHECK(outcome(k.sign(as_bytes("m"), small)) == name(errc::buffer_too_small));
    }
}

TEST_CASE("jose::key: copies share the parsed key and keep working after the original is gone", "[jose][jwk]")
{
    std::optional<jose::key> original = jose::key::generate(algorithm::es256, "k1").value();
    const jose::key copy = *original;
    std::array<std::byte, 64> sig{};
    const auto n = original->sign(as_bytes("m"), sig);
    REQUIRE(n.has_value());
    original.reset();
    CHECK(copy.verify(as_bytes("m"), sig));
    CHECK(copy.kid() == "k1");
}

TEST_CASE("jose::key::generate: without a kid the key has none", "[jose][jwk]")
{
    const auto k = jose::key::generate(algorithm::hs256);
    REQUIRE(k.has_value());
    CHECK_FALSE(k->has_kid());
    CHECK(k->kid().empty());
    CHECK_FALSE(k->to_jwk(true).value().contains("kid"));
}

// ---- secrets ----------------------------------------------------------------------------------------------

TEST_CASE("RFC 7518 §3.2: an HMAC key shorter than the hash output is weak_key", "[jose][jwk]")
{
    const std::pair<algorithm, std::size_t> cases[] = {
        {algorithm::hs256, 32}, {algorithm::hs384, 48}, {algorithm::hs512, 64}};
    for (const auto& [a, size] : cases) {
        INFO(jose::name(a));
        CHECK(outcome(jose::key::from_secret(a, std::string(size - 1, 'k'))) == name(errc::weak_key));
        CHECK(outcome(jose::key::from_secret(a, std::string())) == name(errc::weak_key));
        const auto ok = jose::key::from_secret(a, std::string(size, 'k'));
        REQUIRE(ok.has_value());
        CHECK(ok->signature_size() == size);
        CHECK_FALSE(ok->has_kid());
        // The same rule for a JWK "oct" key.
        const json short_jwk = {{"kty", "oct"}, {"alg", jose::name(a)}, {"k", b64(std::string(size - 1, 'k'))}};
        CHECK(outcome(jose::key::from_jwk(short_jwk)) == name(errc::weak_key));
        const json empty_jwk = {{"kty", "oct"}, {"alg", jose::name(a)}, {"k", ""}};
        CHECK(outcome(jose::key::from_jwk(empty_jwk)) == name(errc::weak_key));
    }
    // Longer than the hash is fine (HMAC hashes keys longer than the block).
    CHECK(jose::key::from_secret(algorithm::hs256, std::string(200, 'k')).has_value());
}

TEST_CASE("jose::key::from_secret: only for HMAC algorithms (key_algorithm_mismatch)", "[jose][jwk]")
{
    for (algorithm a : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::es256k, algorithm::eddsa}) {
        INFO(jose::name(a));
        CHECK(outcome(jose::key::from_secret(a, std::string(64, 'k'))) == name(errc::key_algorithm_mismatch));
    }
    const auto k = jose::key::from_secret(algorithm::hs256, std::string(32, 'k'), "hmac-1");
    REQUIRE(k.has_value());
    CHECK(k->kid() == "hmac-1");
    CHECK(k->has_kid());
    CHECK(k->can_sign());
}

// ---- PEM --------------------------------------------------------------------------------------------------

TEST_CASE("jose::key::from_pem: public keys verify, PKCS#8 and traditional private keys sign", "[jose][jwk]")
{
    struct pem_case {
        algorithm alg;
        pkey_ptr k;
    };
    pem_case cases[] = {{algorithm::rs256, rsa_key(2048)},   {algorithm::ps384, rsa_key(2048)},
                        {algorithm::es256, ec_key("P-256")}, {algorithm::es384, ec_key("P-384")},
                        {algorithm::es512, ec_key("P-521")}, {algorithm::es256k, ec_key("secp256k1")},
                        {algorithm::eddsa, ed25519_key()}};
    for (auto& c : cases) {
        INFO(jose::name(c.alg));
        const auto pub = jose::key::from_pem(c.alg, pem(c.k.get(), pem_kind::public_key), "pem-kid");
        INFO("public: " << outcome(pub));
        REQUIRE(pub.has_value());
        CHECK_FALSE(pub->can_sign());
        CHECK(pub->kid() == "pem-kid");
        std::array<std::byte, 8> tiny{};
        CHECK(outcome(pub->sign(as_bytes("m"), tiny)) == name(errc::not_a_signing_key));
        for (pem_kind kind : {pem_kind::pkcs8, pem_kind::traditional}) {
            if (c.alg == algorithm::eddsa && kind == pem_kind::traditional)
                continue;  // Ed25519 has no traditional form
            const auto priv = jose::key::from_pem(c.alg, pem(c.k.get(), kind));
            INFO("private: " << outcome(priv));
            REQUIRE(priv.has_value());
            CHECK(priv->can_sign());
            CHECK_FALSE(priv->has_kid());
            CHECK(signs_for(*priv, *pub));
        }
    }
}

TEST_CASE("RFC 7518 §3.3: an RSA key under 2048 bits is weak_key (PEM and JWK)", "[jose][jwk]")
{
    const pkey_ptr k = rsa_key(1024);
    for (algorithm a : {algorithm::rs256, algorithm::ps256}) {
        INFO(jose::name(a));
        CHECK(outcome(jose::key::from_pem(a, pem(k.get(), pem_kind::public_key))) == name(errc::weak_key));
        CHECK(outcome(jose::key::from_pem(a, pem(k.get(), pem_kind::pkcs8))) == name(errc::weak_key));
    }
    // The same key as a JWK.
    const json jwk = {
        {"kty", "RSA"}, {"alg", "RS256"}, {"n", b64(rsa_param(k.get(), "n"))}, {"e", b64(rsa_param(k.get(), "e"))}};
    CHECK(b64d(jwk.at("n").get<std::string>()).size() == 128);
    CHECK(outcome(jose::key::from_jwk(jwk)) == name(errc::weak_key));
}

TEST_CASE("RFC 8725 §3.1: a PEM key of another type or curve is key_algorithm_mismatch", "[jose][jwk]")
{
    const pkey_ptr rsa = rsa_key(2048), p256 = ec_key("P-256"), p384 = ec_key("P-384"), k256 = ec_key("secp256k1"),
                   ed = ed25519_key();
    const std::string rsa_pem = pem(rsa.get(), pem_kind::public_key), p256_pem = pem(p256.get(), pem_kind::public_key),
                      p384_pem = pem(p384.get(), pem_kind::public_key),
                      k256_pem = pem(k256.get(), pem_kind::public_key), ed_pem = pem(ed.get(), pem_kind::public_key);
    const std::pair<algorithm, const std::string*> wrong[] = {
        {algorithm::es256, &p384_pem},  {algorithm::es384, &p256_pem}, {algorithm::es512, &p256_pem},
        {algorithm::es256k, &p256_pem}, {algorithm::es256, &k256_pem}, {algorithm::es256, &rsa_pem},
        {algorithm::rs256, &p256_pem},  {algorithm::ps256, &ed_pem},   {algorithm::eddsa, &p256_pem},
        {algorithm::eddsa, &rsa_pem},   {algorithm::es256, &ed_pem}};
    for (const auto& [a, p] : wrong) {
        INFO(jose::name(a) << " with " << p->substr(0, 40));
        CHECK(outcome(jose::key::from_pem(a, *p)) == name(errc::key_algorithm_mismatch));
    }
    // HMAC keys are never PEM.
    CHECK(outcome(jose::key::from_pem(algorithm::hs256, rsa_pem)) == name(errc::key_algorithm_mismatch));
}

TEST_CASE("jose::key::from_pem: an RSA-PSS (id-RSASSA-PSS) key is for PS* only", "[jose][jwk]")
{
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
    REQUIRE(c != nullptr);
    EVP_PKEY* raw = nullptr;
    const bool made = EVP_PKEY_keygen_init(c) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) == 1 &&
                      EVP_PKEY_generate(c, &raw) == 1;
    EVP_PKEY_CTX_free(c);
    REQUIRE(made);
    const pkey_ptr k(raw);
    const std::string pub = pem(k.get(), pem_kind::public_key);
    const auto ps = jose::key::from_pem(algorithm::ps256, pub);
    INFO(outcome(ps));
    CHECK(ps.has_value());
    CHECK(outcome(jose::key::from_pem(algorithm::rs256, pub)) == name(errc::key_algorithm_mismatch));
    const auto priv = jose::key::from_pem(algorithm::ps256, pem(k.get(), pem_kind::pkcs8));
    REQUIRE(priv.has_value());
    REQUIRE(ps.has_value());
    CHECK(signs_for(*priv, *ps));
}

TEST_CASE("jose::key::from_pem: garbage, other PEM blocks and encrypted keys are invalid_key", "[jose][jwk]")
{
    const pkey_ptr k = ec_key("P-256");
    const std::string good = pem(k.get(), pem_kind::public_key);
    const std::string truncated = good.substr(0, good.size() / 2);
    std::string corrupted = good;
    corrupted[40] = corrupted[40] == 'A' ? 'B' : 'A';
    const std::string cases[] = {
        "",
        "not a pem",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        truncated,
        corrupted,
        std::string("\0\0\0\0", 4),
        pem(k.get(), pem_kind::encrypted),
    };
    for (const auto& p : cases) {
        INFO(p);
        CHECK(outcome(jose::key::from_pem(algorithm::es256, p)) == name(errc::invalid_key));
    }
    // The encrypted key is not decrypted with an empty password either (no prompt, no guess).
    const pkey_ptr rsa = rsa_key(2048);
    CHECK(outcome(jose::key::from_pem(algorithm::rs256, pem(rsa.get(), pem_kind::encrypted))) ==
          name(errc::invalid_key));
}

// ---- JWK members ------------------------------------------------------------------------------------------

TEST_CASE("RFC 7517 §4.1 / RFC 8725 §3.1: the algorithm comes from the JWK alg or the caller, never a guess",
          "[jose][jwk]")
{
    // kty RSA and oct allow several algorithms: without "alg" and without jwk_options::alg,
    // key_alg_missing, whose message says how to bind one.
    json rsa = public_jwk(algorithm::rs256);
    rsa.erase("alg");
    CHECK(outcome(jose::key::from_jwk(rsa)) == name(errc::key_alg_missing));
    CHECK(apiauth::make_error_code(errc::key_alg_missing).message().find("jwk_options") != std::string::npos);
    CHECK(jose::key::from_jwk(rsa, {.alg = algorithm::rs256}).value().alg() == algorithm::rs256);
    CHECK(jose::key::from_jwk(rsa, {.alg = algorithm::ps512}).value().alg() == algorithm::ps512);
    json oct = private_jwk(algorithm::hs256);
    oct.erase("alg");
    CHECK(outcome(jose::key::from_jwk(oct)) == name(errc::key_alg_missing));
    CHECK(jose::key::from_jwk(oct, {.alg = algorithm::hs256}).value().alg() == algorithm::hs256);
    // EC follows crv, OKP Ed25519 is EdDSA.
    json ec = public_jwk(algorithm::es384);
    ec.erase("alg");
    CHECK(jose::key::from_jwk(ec).value().alg() == algorithm::es384);
    json k1 = public_jwk(algorithm::es256k);
    k1.erase("alg");
    CHECK(jose::key::from_jwk(k1).value().alg() == algorithm::es256k);
    json ed = public_jwk(algorithm::eddsa);
    ed.erase("alg");
    CHECK(jose::key::from_jwk(ed).value().alg() == algorithm::eddsa);
}

TEST_CASE("RFC 8725 §3.1: a JWK alg that differs from the caller's or from the key type is key_algorithm_mismatch",
          "[jose][jwk]")
{
    const json rsa = public_jwk(algorithm::rs256);
    CHECK(outcome(jose::key::from_jwk(rsa, {.alg = algorithm::ps256})) == name(errc::key_algorithm_mismatch));
    CHECK(outcome(jose::key::from_jwk(rsa, {.alg = algorithm::rs384})) == name(errc::key_algorithm_mismatch));
    CHECK(jose::key::from_jwk(rsa, {.alg = algorithm::rs256}).has_value());

    const std::pair<algorithm, std::string> wrong[] = {
        {algorithm::rs256, "ES256"},   {algorithm::rs256, "HS256"}, {algorithm::es256, "ES384"},
        {algorithm::es256, "ES256K"},  {algorithm::es256, "RS256"}, {algorithm::eddsa, "ES256"},
        {algorithm::hs256, "RS256"},   {algorithm::hs256, "EdDSA"}, {algorithm::rs256, "RSA-OAEP"},
        {algorithm::es256, "ECDH-ES"}, {algorithm::rs256, "none"},  {algorithm::hs256, "hs256"}};
    for (const auto& [a, alg] : wrong) {
        INFO(jose::name(a) << " key with alg " << alg);
        json j = jose::family(a) == jose::key_family::hmac ? private_jwk(a) : public_jwk(a);
        j["alg"] = alg;
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::key_algorithm_mismatch));
    }
    // kty against the caller's algorithm.
    json ec = public_jwk(algorithm::es256);
    ec.erase("alg");
    CHECK(outcome(jose::key::from_jwk(ec, {.alg = algorithm::es384})) == name(errc::key_algorithm_mismatch));
    CHECK(outcome(jose::key::from_jwk(ec, {.alg = algorithm::rs256})) == name(errc::key_algorithm_mismatch));
    json oct = private_jwk(algorithm::hs256);
    oct.erase("alg");
    CHECK(outcome(jose::key::from_jwk(oct, {.alg = algorithm::rs256})) == name(errc::key_algorithm_mismatch));
    // An unknown kty (kty names are case-sensitive, RFC 7517 §4.1), with or without an algorithm.
    json odd = private_jwk(algorithm::hs256);
    odd["kty"] = "OCT";
    CHECK(outcome(jose::key::from_jwk(odd)) == name(errc::unsupported_key_type));
    odd.erase("alg");
    CHECK(outcome(jose::key::from_jwk(odd)) == name(errc::unsupported_key_type));
    // A non-string alg is not an algorithm name at all.
    json num = public_jwk(algorithm::rs256);
    num["alg"] = 256;
    CHECK(outcome(jose::key::from_jwk(num)) == name(errc::invalid_key));
}

TEST_CASE("RFC 7517 §4.2: a JWK whose use is not sig is key_use_not_allowed", "[jose][jwk]")
{
    // RFC 7517 Appendix A.1, first key: an encryption key.
    const std::string rfc7517_a1_ec = R"({"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",)"
                                      R"("y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"})";
    CHECK(outcome(jose::key::from_jwk(rfc7517_a1_ec)) == name(errc::key_use_not_allowed));
    json sig = json::parse(rfc7517_a1_ec);
    sig["use"] = "sig";
    const auto k = jose::key::from_jwk(sig);
    INFO(outcome(k));
    CHECK(k.has_value());
    for (const json& use : {json("enc"), json("SIG"), json(""), json(1), json::array({"sig"})}) {
        INFO(use.dump());
        json j = public_jwk(algorithm::es256);
        j["use"] = use;
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::key_use_not_allowed));
    }
}

TEST_CASE("RFC 7517 §4.3: key_ops decide what a key may do", "[jose][jwk]")
{
    const json priv = private_jwk(algorithm::es256);
    std::array<std::byte, 64> sig{};

    SECTION("[\"verify\"] on a private key: verifies, does not sign (not_a_signing_key)")
    {
        json j = priv;
        j["key_ops"] = {"verify"};
        const auto k = jose::key::from_jwk(j, {.allow_private = true});
        REQUIRE(k.has_value());
        CHECK(k->can_verify());
        CHECK_FALSE(k->can_sign());
        CHECK(outcome(k->sign(as_bytes("m"), sig)) == name(errc::not_a_signing_key));
        CHECK(outcome(jws::sign("{}", "m", *k)) == name(errc::not_a_signing_key));
        CHECK(signs_for(generated(algorithm::es256), *k));
    }
    SECTION("[\"sign\"] without verify: the key signs but verifies nothing")
    {
        json j = priv;
        j["key_ops"] = {"sign"};
        const auto k = jose::key::from_jwk(j, {.allow_private = true});
        REQUIRE(k.has_value());
        CHECK(k->can_sign());
        CHECK_FALSE(k->can_verify());
        const auto n = k->sign(as_bytes("m"), sig);
        REQUIRE(n.has_value());
        CHECK(generated(algorithm::es256).verify(as_bytes("m"), sig));
        CHECK_FALSE(k->verify(as_bytes("m"), sig));  // a valid signature, and still false
        // key_set::select never chooses a key that may not verify: unknown_key.
        const auto t = jws::sign("{}", "m", *k);
        REQUIRE(t.has_value());
        CHECK(outcome(jws::verify(*t, jose::key_set(*k))) == name(errc::unknown_key));
        CHECK(jws::verify(*t, jose::key_set(generated(algorithm::es256))).has_value());
    }
    SECTION("[\"sign\"] on a public key is refused: it could neither sign nor verify")
    {
        json j = public_jwk(algorithm::es256);
        j["key_ops"] = {"sign"};
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::key_use_not_allowed));
    }
    SECTION("[\"sign\",\"verify\"]: both")
    {
        json j = priv;
        j["key_ops"] = {"sign", "verify"};
        const auto k = jose::key::from_jwk(j, {.allow_private = true});
        REQUIRE(k.has_value());
        CHECK(k->can_sign());
        CHECK(k->can_verify());
        CHECK(signs_for(*k, *k));
    }
    SECTION("no signature operation at all is key_use_not_allowed")
    {
        for (const json& ops : {json::array(), json::array({"encrypt"}), json::array({"wrapKey", "deriveKey"}),
                                json::array({"Verify"})}) {
            INFO(ops.dump());
            json j = public_jwk(algorithm::es256);
            j["key_ops"] = ops;
            CHECK(outcome(jose::key::from_jwk(j)) == name(errc::key_use_not_allowed));
        }
    }
    SECTION("malformed key_ops are invalid_key: not an array, a non-string, a duplicate")
    {
        for (const json& ops : {json("verify"), json::array({1}), json::array({"verify", "verify"}),
                                json::array({"sign", "verify", "sign"}), json(nullptr)}) {
            INFO(ops.dump());
            json j = public_jwk(algorithm::es256);
            j["key_ops"] = ops;
            CHECK(outcome(jose::key::from_jwk(j)) == name(errc::invalid_key));
        }
    }
    SECTION("key_ops on an HMAC key")
    {
        json j = private_jwk(algorithm::hs256);
        j["key_ops"] = {"verify"};
        const auto k = jose::key::from_jwk(j);
        REQUIRE(k.has_value());
        CHECK(k->can_verify());
        CHECK_FALSE(k->can_sign());
    }
}

TEST_CASE("jose::key::from_jwk: private members are private_key_not_allowed unless allow_private", "[jose][jwk]")
{
    for (algorithm a : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::es512, algorithm::es256k,
                        algorithm::eddsa}) {
        INFO(jose::name(a));
        const json priv = private_jwk(a);
        CHECK(outcome(jose::key::from_jwk(priv)) == name(errc::private_key_not_allowed));
        CHECK(outcome(jose::key::from_jwk(priv.dump())) == name(errc::private_key_not_allowed));
        CHECK(jose::key::from_jwk(priv, {.allow_private = true}).has_value());
    }
    // Any one RSA private member is enough to be refused, and without d it is not a usable private key.
    for (const char* m : {"d", "p", "q", "dp", "dq", "qi"}) {
        INFO(m);
        json j = public_jwk(algorithm::rs256);
        j[m] = private_jwk(algorithm::rs256).at(m);
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::private_key_not_allowed));
        if (std::string_view(m) != "d")
            CHECK(outcome(jose::key::from_jwk(j, {.allow_private = true})) == name(errc::invalid_key));
    }
    // "oct" keys are secret by nature: always allowed.
    CHECK(jose::key::from_jwk(private_jwk(algorithm::hs512)).has_value());
}

TEST_CASE("RFC 7518 §6.2.1.2: EC coordinates of the wrong length are invalid_key", "[jose][jwk]")
{
    for (algorithm a : {algorithm::es256, algorithm::es384, algorithm::es512, algorithm::es256k}) {
        INFO(jose::name(a));
        const json pub = public_jwk(a);
        for (const char* m : {"x", "y"}) {
            INFO(m);
            const std::string v = b64d(pub.at(m).get<std::string>());
            json shorter = pub, longer = pub, missing = pub, padded = pub, number = pub;
            shorter[m] = b64(v.substr(1));
            longer[m] = b64(std::string(1, '\0') + v);
            missing.erase(m);
            padded[m] = pub.at(m).get<std::string>() + "=";
            number[m] = 1;
            for (const json* j : {&shorter, &longer, &missing, &padded, &number})
                CHECK(outcome(jose::key::from_jwk(*j)) == name(errc::invalid_key));
        }
        // d of the wrong length, with allow_private.
        const json priv = private_jwk(a);
        json d_short = priv;
        d_short["d"] = b64(b64d(priv.at("d").get<std::string>()).substr(1));
        CHECK(outcome(jose::key::from_jwk(d_short, {.allow_private = true})) == name(errc::invalid_key));
    }
}

TEST_CASE("RFC 8725 §3.4: an EC point off the curve, or d not matching x and y, is invalid_key", "[jose][jwk]")
{
    for (algorithm a : {algorithm::es256, algorithm::es384, algorithm::es512, algorithm::es256k}) {
        INFO(jose::name(a));
        const json pub = public_jwk(a);
        json off = pub;
        std::string y = b64d(pub.at("y").get<std::string>());
        y.back() = static_cast<char>(y.back() ^ 0x01);
        off["y"] = b64(y);
        CHECK(outcome(jose::key::from_jwk(off)) == name(errc::invalid_key));
        json zero = pub;
        const std::size_t size = jose::curve_of(a)->coordinate_size;
        zero["x"] = b64(std::string(size, '\0'));
        zero["y"] = b64(std::string(size, '\0'));
        CHECK(outcome(jose::key::from_jwk(zero)) == name(errc::invalid_key));

        // Another key's d with this key's x and y.
        const auto other = jose::key::generate(a);
        REQUIRE(other.has_value());
        json mixed = private_jwk(a);
        mixed["d"] = other->to_jwk(true).value().at("d");
        CHECK(outcome(jose::key::from_jwk(mixed, {.allow_private = true})) == name(errc::invalid_key));
    }
}

TEST_CASE("RFC 7518 §6.2.1.1: EC curves other than P-256/384/521 and secp256k1 are refused", "[jose][jwk]")
{
    json j = public_jwk(algorithm::es256);
    j.erase("alg");
    for (const char* crv : {"P-192", "P-224", "p-256", "Ed25519", ""}) {
        INFO(crv);
        j["crv"] = crv;
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::invalid_key));  // no algorithm can be implied
        CHECK(outcome(jose::key::from_jwk(j, {.alg = algorithm::es256})) == name(errc::key_algorithm_mismatch));
    }
    j.erase("crv");
    CHECK(outcome(jose::key::from_jwk(j)) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(j, {.alg = algorithm::es256})) == name(errc::key_algorithm_mismatch));
}

TEST_CASE("RFC 7518 §6.3.1: RSA n and e are minimal unsigned integers, leading zeros are invalid_key", "[jose][jwk]")
{
    const json pub = public_jwk(algorithm::rs256);
    const std::string n = b64d(pub.at("n").get<std::string>()), e = b64d(pub.at("e").get<std::string>());
    REQUIRE(static_cast<unsigned char>(n[0]) != 0);
    json lead_n = pub, lead_e = pub, empty_n = pub, no_e = pub, bad_n = pub;
    lead_n["n"] = b64(std::string(1, '\0') + n);
    lead_e["e"] = b64(std::string(1, '\0') + e);
    empty_n["n"] = "";
    no_e.erase("e");
    bad_n["n"] = "!!!!";
    for (const json* j : {&lead_n, &lead_e, &empty_n, &no_e, &bad_n})
        CHECK(outcome(jose::key::from_jwk(*j)) == name(errc::invalid_key));
    // Multi-prime keys ("oth") are not supported.
    json oth = private_jwk(algorithm::rs256);
    oth["oth"] = json::array();
    CHECK(outcome(jose::key::from_jwk(oth, {.allow_private = true})) == name(errc::invalid_key));
}

TEST_CASE("jose::key::from_jwk: RSA exponents OpenSSL's public check refuses (e = 1, even e) are invalid_key",
          "[jose][jwk]")
{
    for (const std::string& e : {std::string("\x01"), std::string("\x01\x00\x00", 3), std::string("\x02")}) {
        INFO(apiauth::encoding::base64url::encode(e));
        json j = public_jwk(algorithm::rs256);
        j["e"] = b64(e);
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::invalid_key));
    }
}

TEST_CASE("jose::key::from_jwk: an RSA private key whose members do not belong together is invalid_key", "[jose][jwk]")
{
    const auto other = jose::key::generate(algorithm::rs256);
    REQUIRE(other.has_value());
    const json theirs = other->to_jwk(true).value();
    for (const char* m : {"d", "p", "qi"}) {
        INFO(m);
        json mixed = private_jwk(algorithm::rs256);
        mixed[m] = theirs.at(m);
        CHECK(outcome(jose::key::from_jwk(mixed, {.allow_private = true})) == name(errc::invalid_key));
    }
    // d alone (no CRT members) is a valid private key (RFC 7518 §6.3.2: the others SHOULD be present).
    json d_only = private_jwk(algorithm::rs256);
    for (const char* m : {"p", "q", "dp", "dq", "qi"}) d_only.erase(m);
    const auto k = jose::key::from_jwk(d_only, {.allow_private = true});
    INFO(outcome(k));
    REQUIRE(k.has_value());
    CHECK(signs_for(*k, generated(algorithm::rs256)));
    CHECK(signs_for(generated(algorithm::rs256), *k));
    // ... but it must still be this key's d (checked without the factors: (2^e)^d = 2 mod n).
    json wrong_d = d_only;
    wrong_d["d"] = theirs.at("d");
    CHECK(outcome(jose::key::from_jwk(wrong_d, {.allow_private = true})) == name(errc::invalid_key));
    json d_plus_one = d_only;
    std::string d = b64d(d_only.at("d").get<std::string>());
    d.back() = static_cast<char>(d.back() ^ 0x02);
    d_plus_one["d"] = b64(d);
    CHECK(outcome(jose::key::from_jwk(d_plus_one, {.allow_private = true})) == name(errc::invalid_key));
    // Some CRT members but not all: invalid_key.
    json partial = private_jwk(algorithm::rs256);
    partial.erase("dq");
    CHECK(outcome(jose::key::from_jwk(partial, {.allow_private = true})) == name(errc::invalid_key));
}

TEST_CASE("RFC 8037 §2: an Ed25519 d that does not give x, or members of the wrong length, are invalid_key",
          "[jose][jwk]")
{
    const json priv = private_jwk(algorithm::eddsa);
    const auto other = jose::key::generate(algorithm::eddsa);
    REQUIRE(other.has_value());
    json mixed = priv;
    mixed["d"] = other->to_jwk(true).value().at("d");
    CHECK(outcome(jose::key::from_jwk(mixed, {.allow_private = true})) == name(errc::invalid_key));
    json short_x = public_jwk(algorithm::eddsa), short_d = priv, no_x = priv;
    short_x["x"] = b64(b64d(short_x.at("x").get<std::string>()).substr(1));
    short_d["d"] = b64(b64d(priv.at("d").get<std::string>()).substr(1));
    no_x.erase("x");
    CHECK(outcome(jose::key::from_jwk(short_x)) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(short_d, {.allow_private = true})) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(no_x, {.allow_private = true})) == name(errc::invalid_key));
    // Other OKP curves are not signature curves here.
    for (const char* crv : {"Ed448", "X25519", "X448"}) {
        INFO(crv);
        json j = public_jwk(algorithm::eddsa);
        j.erase("alg");
        j["crv"] = crv;
        CHECK(outcome(jose::key::from_jwk(j)) == name(errc::invalid_key));
        CHECK(outcome(jose::key::from_jwk(j, {.alg = algorithm::eddsa})) == name(errc::key_algorithm_mismatch));
    }
}

TEST_CASE("RFC 7517 §4: a JWK that is not a JSON object or has duplicate members is invalid_key", "[jose][jwk]")
{
    const std::string k = b64(std::string(32, 'k'));
    const std::string cases[] = {
        "",
        "{",
        "[]",
        "\"oct\"",
        "null",
        R"({"kty":"oct","alg":"HS256","k":")" + k + R"(","k":")" + k + R"("})",
        R"({"kty":"oct","kty":"oct","alg":"HS256","k":")" + k + R"("})",
        R"({"kty":"oct","alg":"HS256","k":")" + k + R"(","ext":{"a":1,"a":2}})",
        R"({"kty":"oct","alg":"HS256","k":")" + k + R"(","x5c":[{"a":1,"a":1}]})",
        R"({"alg":"HS256","k":")" + k + R"("})",
        R"({"kty":1,"alg":"HS256","k":")" + k + R"("})",
        R"({"kty":"oct","alg":"HS256"})",
        R"({"kty":"oct","alg":"HS256","k":1})",
        R"({"kty":"oct","alg":"HS256","k":")" + k + R"(=="})",
        R"({"kty":"oct","alg":"HS256","kid":7,"k":")" + k + R"("})",
        "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"\xff\",\"k\":\"" + k + "\"}",
        R"({"kty":"oct","alg":"HS256","k":")" + k + R"("} trailing)",
    };
    for (const auto& c : cases) {
        INFO(c);
        CHECK(outcome(jose::key::from_jwk(c)) == name(errc::invalid_key));
    }
    // The well-formed one loads (the cases above each break one thing).
    CHECK(jose::key::from_jwk(R"({"kty":"oct","alg":"HS256","k":")" + k + R"("})").has_value());
    // Unknown members are ignored (RFC 7517 §4).
    CHECK(jose::key::from_jwk(R"({"kty":"oct","alg":"HS256","k":")" + k + R"(","ext":{"a":[1,2]}})").has_value());
}

// ---- key_set ----------------------------------------------------------------------------------------------

namespace {

jose::key hmac(std::string_view kid, algorithm a = algorithm::hs256)
{
    return jose::key::from_secret(a, std::string(64, static_cast<char>('a' + kid.size())), kid).value();
}

}  // namespace

TEST_CASE("RFC 7515 §4.1.4: key_set::select by kid, and the kid's key must have the header's alg", "[jose][jwk]")
{
    const auto set = jose::key_set::make({hmac("a"), hmac("bb"), hmac("ccc", algorithm::hs512)});
    REQUIRE(set.has_value());
    CHECK(set->size() == 3);
    const auto a = set->select(algorithm::hs256, "a", true);
    REQUIRE(a.has_value());
    CHECK((*a)->kid() == "a");
    const auto b = set->select(algorithm::hs256, "bb", true);
    REQUIRE(b.has_value());
    CHECK((*b)->kid() == "bb");
    CHECK((*set->select(algorithm::hs512, "ccc", true))->kid() == "ccc");
    // RFC 8725 §3.1: the kid's key is bound to HS256; a header saying HS384 or HS512 does not rebind it.
    CHECK(outcome(set->select(algorithm::hs384, "a", true)) == name(errc::algorithm_mismatch));
    CHECK(outcome(set->select(algorithm::hs512, "a", true)) == name(errc::algorithm_mismatch));
    // An unknown kid, even with an algorithm some key has.
    CHECK(outcome(set->select(algorithm::hs256, "zzz", true)) == name(errc::unknown_key));
    CHECK(outcome(set->select(algorithm::hs256, "", true)) == name(errc::unknown_key));
    CHECK(outcome(set->select(algorithm::hs256, "A", true)) == name(errc::unknown_key));  // kids are case-sensitive
}

TEST_CASE("RFC 8725 §3.1: key_set::select without kid takes the one key of the alg, several is ambiguous_key",
          "[jose][jwk]")
{
    const auto set =
        jose::key_set::make({hmac("a"), hmac("bb"), generated(algorithm::es256), generated(algorithm::eddsa)});
    REQUIRE(set.has_value());
    CHECK(outcome(set->select(algorithm::hs256, {}, false)) == name(errc::ambiguous_key));
    CHECK((*set->select(algorithm::es256, {}, false))->alg() == algorithm::es256);
    CHECK((*set->select(algorithm::eddsa, {}, false))->alg() == algorithm::eddsa);
    CHECK(outcome(set->select(algorithm::rs256, {}, false)) == name(errc::unknown_key));
    CHECK(outcome(set->select(algorithm::es384, {}, false)) == name(errc::unknown_key));
    CHECK(outcome(jose::key_set().select(algorithm::hs256, {}, false)) == name(errc::unknown_key));

    // The same through jws::verify: tokens without kid.
    const auto t =
        jws::sign(R"({"alg":"HS256"})", "p", jose::key::from_secret(algorithm::hs256, std::string(32, 'x')).value());
    REQUIRE(t.has_value());
    CHECK(outcome(jws::verify(*t, *set)) == name(errc::ambiguous_key));
    const auto e = jws::sign("{}", "p", generated(algorithm::es256));
    REQUIRE(e.has_value());
    // The key's kid is put in the header by jws::sign; without it the set still finds the one ES256 key.
    const auto e_nokid = [&] {
        std::array<std::byte, 64> sig{};
        const std::string input = b64(R"({"alg":"ES256"})") + "." + b64("p");
        const auto n = generated(algorithm::es256).sign(as_bytes(input), sig);
        REQUIRE(n.has_value());
        return input + "." + b64(std::string_view(reinterpret_cast<const char*>(sig.data()), *n));
    }();
    CHECK(jws::verify(e_nokid, *set).has_value());
    CHECK(jws::verify(*e, *set).has_value());
}

TEST_CASE("RFC 7515 §4.1.4: a header kid never falls back to a key without kid", "[jose][jwk]")
{
    const jose::key_set set(jose::key::from_secret(algorithm::hs256, std::string(32, 'k')).value());
    CHECK(outcome(set.select(algorithm::hs256, "some-kid", true)) == name(errc::unknown_key));
    CHECK(set.select(algorithm::hs256, {}, false).has_value());
}

TEST_CASE("jose::key_set: kids are unique (invalid_key_set), keys without kid may be several", "[jose][jwk]")
{
    CHECK(outcome(jose::key_set::make({hmac("a"), hmac("a", algorithm::hs512)})) == name(errc::invalid_key_set));
    jose::key_set s;
    CHECK(s.empty());
    CHECK(s.add(hmac("a")).has_value());
    CHECK(outcome(s.add(hmac("a"))) == name(errc::invalid_key_set));
    CHECK(s.size() == 1);
    CHECK(s.add(jose::key::from_secret(algorithm::hs256, std::string(32, '1')).value()).has_value());
    CHECK(s.add(jose::key::from_secret(algorithm::hs256, std::string(32, '2')).value()).has_value());
    CHECK(s.size() == 3);
    CHECK(jose::key_set::make({}).value().empty());
}

TEST_CASE("RFC 7517 §5: key_set::from_jwks skips encryption keys and non-JWS algorithms", "[jose][jwk]")
{
    json rsa_enc = public_jwk(algorithm::rs256);
    rsa_enc["use"] = "enc";
    rsa_enc["kid"] = "enc-1";
    json oaep = public_jwk(algorithm::rs256);
    oaep["alg"] = "RSA-OAEP";
    oaep["kid"] = "enc-2";
    json ecdh = public_jwk(algorithm::es256);
    ecdh["alg"] = "ECDH-ES";
    ecdh["kid"] = "enc-3";
    const json aes = {{"kty", "oct"}, {"alg", "A128KW"}, {"k", b64(std::string(16, 'a'))}, {"kid", "enc-4"}};
    const json doc = {{"keys",
                       {rsa_enc, oaep, ecdh, aes, public_jwk(algorithm::rs256), public_jwk(algorithm::es256),
                        public_jwk(algorithm::eddsa)}}};
    const auto set = jose::key_set::from_jwks(doc.dump());
    INFO(outcome(set));
    REQUIRE(set.has_value());
    CHECK(set->size() == 3);
    for (const jose::key& k : *set) CHECK(k.kid().substr(0, 4) == "kid-");
    CHECK(outcome(set->select(algorithm::rs256, "enc-1", true)) == name(errc::unknown_key));

    // Only skipped keys: nothing usable.
    const json only_enc = {{"keys", {rsa_enc, oaep, aes}}};
    CHECK(outcome(jose::key_set::from_jwks(only_enc.dump())) == name(errc::invalid_key_set));
}

TEST_CASE("RFC 7517 §5: key_set::from_jwks loads the usable keys and lists what it skipped, and why", "[jose][jwk]")
{
    json unknown_kty = public_jwk(algorithm::rs256);
    unknown_kty["kty"] = "RSA-PQ";
    unknown_kty["kid"] = "pq";
    json enc = public_jwk(algorithm::es256);
    enc["use"] = "enc";
    enc["kid"] = "enc";
    json wrap_only = public_jwk(algorithm::rs256);
    wrap_only["key_ops"] = {"wrapKey"};
    wrap_only["kid"] = "wrap";
    json sign_only = public_jwk(algorithm::es384);  // a public key that may only sign: nothing to do here
    sign_only["key_ops"] = {"sign"};
    sign_only["kid"] = "sign-only";
    json oaep = public_jwk(algorithm::rs256);
    oaep["alg"] = "RSA-OAEP-256";
    oaep.erase("kid");
    const json doc = {{"keys", {unknown_kty, public_jwk(algorithm::rs256), enc, wrap_only, sign_only, oaep}}};
    const auto set = jose::key_set::from_jwks(doc.dump());
    INFO(outcome(set));
    REQUIRE(set.has_value());
    CHECK(set->size() == 1);
    const auto& sk = set->skipped();
    REQUIRE(sk.size() == 5);
    CHECK((sk[0].index == 0 && sk[0].kid == "pq" && sk[0].why == errc::unsupported_key_type));
    CHECK((sk[1].index == 2 && sk[1].kid == "enc" && sk[1].why == errc::key_use_not_allowed));
    CHECK((sk[2].index == 3 && sk[2].kid == "wrap" && sk[2].why == errc::key_use_not_allowed));
    CHECK((sk[3].index == 4 && sk[3].kid == "sign-only" && sk[3].why == errc::key_use_not_allowed));
    CHECK((sk[4].index == 5 && sk[4].kid.empty() && sk[4].why == errc::unsupported_algorithm));
    CHECK(jose::key_set(jose::key::generate(algorithm::hs256).value()).skipped().empty());

    // Hygiene still fails the whole set, even beside keys that are skipped: a weak key,
    // private members in a public set, a kid twice, an RSA key without alg.
    const json weak = {{"kty", "RSA"}, {"alg", "RS256"}, {"n", b64(std::string(128, '\xC5'))}, {"e", "AQAB"}};
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {unknown_kty, public_jwk(algorithm::rs256), weak}}}.dump())) ==
          name(errc::weak_key));
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {enc, private_jwk(algorithm::es256)}}}.dump())) ==
          name(errc::private_key_not_allowed));
    json twin = public_jwk(algorithm::rs256);
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {enc, twin, twin}}}.dump())) == name(errc::invalid_key_set));
    json no_alg = public_jwk(algorithm::rs256);
    no_alg.erase("alg");
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {enc, no_alg}}}.dump())) == name(errc::key_alg_missing));
    // Nothing usable: the set fails, whatever was skipped.
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {unknown_kty, enc, wrap_only}}}.dump())) ==
          name(errc::invalid_key_set));
}

TEST_CASE("RFC 8037 §2, §3.2, RFC 7517 §5: OKP keys on X25519, X448 and Ed448 are skipped, not the set's failure",
          "[jose][jwk]")
{
    // RFC 8037 Appendix A.6's X25519 public key; an Ed448 and an X448 key of the right sizes.
    const json x25519 = {
        {"kty", "OKP"}, {"crv", "X25519"}, {"kid", "ecdh"}, {"x", "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}};
    const json x448 = {{"kty", "OKP"}, {"crv", "X448"}, {"kid", "ecdh448"}, {"x", b64(std::string(56, '\x09'))}};
    const json ed448 = {
        {"kty", "OKP"}, {"crv", "Ed448"}, {"alg", "EdDSA"}, {"kid", "ed448"}, {"x", b64(std::string(57, '\x07'))}};
    const json doc = {{"keys", {x25519, public_jwk(algorithm::rs256), ed448, x448}}};
    const auto set = jose::key_set::from_jwks(doc.dump());
    INFO(outcome(set));
    REQUIRE(set.has_value());
    CHECK(set->size() == 1);
    const auto& sk = set->skipped();
    REQUIRE(sk.size() == 3);
    CHECK((sk[0].index == 0 && sk[0].kid == "ecdh" && sk[0].why == errc::key_use_not_allowed));
    CHECK((sk[1].index == 2 && sk[1].kid == "ed448" && sk[1].why == errc::unsupported_key_type));
    CHECK((sk[2].index == 3 && sk[2].kid == "ecdh448" && sk[2].why == errc::key_use_not_allowed));
    // A crv no registry knows is still a mistake that fails the set.
    json odd = ed448;
    odd["crv"] = "Ed25519x";
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {public_jwk(algorithm::rs256), odd}}}.dump())) ==
          name(errc::key_algorithm_mismatch));
    odd.erase("alg");
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {public_jwk(algorithm::rs256), odd}}}.dump())) ==
          name(errc::invalid_key));
    // Only such keys: nothing usable.
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {x25519, ed448}}}.dump())) == name(errc::invalid_key_set));
}

TEST_CASE("jose::explain_jwk / explain_jwks: which member is wrong, the minimum size, how to bind an alg",
          "[jose][jwk]")
{
    json rsa = public_jwk(algorithm::rs256);
    CHECK(jose::explain_jwk(rsa.dump()) == "ok");
    rsa.erase("alg");
    CHECK(jose::explain_jwk(rsa.dump()) ==
          R"(key_alg_missing: the JWK (kty "RSA") has no "alg"; bind one with jwk_options{.alg = algorithm::rs256} )"
          "or the CLI's --alg");
    const json weak_rsa = {{"kty", "RSA"}, {"alg", "RS256"}, {"n", b64(std::string(128, '\xC5'))}, {"e", "AQAB"}};
    CHECK(jose::explain_jwk(weak_rsa.dump()) ==
          "weak_key: n has 1024 bits; RSA keys need at least 2048 (RFC 7518 §3.3)");
    const json weak_oct = {{"kty", "oct"}, {"alg", "HS384"}, {"k", b64(std::string(20, 'k'))}};
    CHECK(jose::explain_jwk(weak_oct.dump()) == "weak_key: k has 20 octets; HS384 needs at least 48 (RFC 7518 §3.2)");
    json short_x = public_jwk(algorithm::es256);
    short_x["x"] = b64(std::string(31, 'x'));
    CHECK(jose::explain_jwk(short_x.dump()) ==
          R"(invalid_key: member "x" has 31 octets; P-256 needs exactly 32 (RFC 7518 §6.2.1.2))");
    json bad_b64 = public_jwk(algorithm::rs256);
    bad_b64["n"] = "AQAB=";
    CHECK(jose::explain_jwk(bad_b64.dump()) == R"(invalid_key: member "n" is not strict base64url (RFC 7515 §2))");
    CHECK(jose::explain_jwk(private_jwk(algorithm::es256).dump())
              .rfind(R"(private_key_not_allowed: the JWK has the private member(s) "d")", 0) == 0);
    json odd = public_jwk(algorithm::es256);
    odd["kty"] = "PQ";
    CHECK(jose::explain_jwk(odd.dump()).rfind(R"(unsupported_key_type: kty is "PQ")", 0) == 0);
    // In a set: which key, by index and kid.
    json weak_in_set = weak_rsa;
    weak_in_set["kid"] = "old";
    CHECK(jose::explain_jwks(json{{"keys", {public_jwk(algorithm::es256), weak_in_set}}}.dump()) ==
          R"(keys[1] kid "old" weak_key: n has 1024 bits; RSA keys need at least 2048 (RFC 7518 §3.3))");
    json enc = public_jwk(algorithm::es256);
    enc["use"] = "enc";
    enc["kid"] = "e1";
    CHECK(jose::explain_jwks(json{{"keys", {enc, public_jwk(algorithm::rs256)}}}.dump()) ==
          R"(ok: 1 key(s); skipped keys[0] kid "e1": key_use_not_allowed)");
    CHECK(jose::explain_jwks("{}").rfind("invalid_key_set: not a JWK Set", 0) == 0);
}

TEST_CASE("RFC 7517 §5: key_set::from_jwks refuses malformed documents and duplicate kids", "[jose][jwk]")
{
    const std::string ok_key = public_jwk(algorithm::es256).dump();
    const std::string cases[] = {
        "",
        "[]",
        "{}",
        R"({"keys":{}})",
        R"({"keys":[]})",
        R"({"keys":[1]})",
        R"({"keys":[)" + ok_key + "," + ok_key + "]}",  // the same kid twice
        R"({"keys":[)" + ok_key + R"(],"keys":[]})",    // duplicate member
        R"({"keys":[)" + ok_key + "]",
    };
    for (const auto& c : cases) {
        INFO(c);
        CHECK(outcome(jose::key_set::from_jwks(c)) == name(errc::invalid_key_set));
    }
    CHECK(jose::key_set::from_jwks(R"({"keys":[)" + ok_key + "]}").has_value());
}

TEST_CASE("RFC 7517 §5: one bad key fails the whole JWK Set, with that key's error", "[jose][jwk]")
{
    json off = public_jwk(algorithm::es384);
    std::string y = b64d(off.at("y").get<std::string>());
    y.back() = static_cast<char>(y.back() ^ 1);
    off["y"] = b64(y);
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {public_jwk(algorithm::es256), off}}}.dump())) ==
          name(errc::invalid_key));
    // Private members in a verification set.
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {private_jwk(algorithm::es256)}}}.dump())) ==
          name(errc::private_key_not_allowed));
    CHECK(jose::key_set::from_jwks(json{{"keys", {private_jwk(algorithm::es256)}}}.dump(), {.allow_private = true})
              .has_value());
    // An RSA key without alg needs jwk_options::alg, which applies to the keys of its family only:
    // EC keys of the same set still follow their crv.
    json rsa = public_jwk(algorithm::rs256);
    rsa.erase("alg");
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {rsa}}}.dump())) == name(errc::key_alg_missing));
    CHECK(jose::key_set::from_jwks(json{{"keys", {rsa}}}.dump(), {.alg = algorithm::rs256}).has_value());
    json ec = public_jwk(algorithm::es256);
    ec.erase("alg");
    ec["kid"] = "ec-no-alg";
    const auto mixed = jose::key_set::from_jwks(json{{"keys", {rsa, ec}}}.dump(), {.alg = algorithm::rs256});
    REQUIRE(mixed.has_value());
    REQUIRE(mixed->size() == 2);
    CHECK(mixed->select(algorithm::es256, "ec-no-alg", true).has_value());
    // An oct key without alg in a set whose default is RS256 still cannot guess its algorithm.
    const json oct = {{"kty", "oct"}, {"k", b64(std::string(32, 'k'))}};
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {rsa, oct}}}.dump(), {.alg = algorithm::rs256})) ==
          name(errc::key_alg_missing));
    // A short HMAC key.
    const json weak = {{"kty", "oct"}, {"alg", "HS256"}, {"k", b64(std::string(16, 'k'))}};
    CHECK(outcome(jose::key_set::from_jwks(json{{"keys", {weak}}}.dump())) == name(errc::weak_key));
}

TEST_CASE("jose::key_set::to_public_jwks: public members only, HMAC keys left out, and it loads back", "[jose][jwk]")
{
    std::vector<jose::key> keys;
    for (algorithm a : all_algorithms) keys.push_back(generated(a));
    const auto set = jose::key_set::make(keys);
    REQUIRE(set.has_value());
    const json doc = set->to_public_jwks();
    REQUIRE(doc.at("keys").is_array());
    CHECK(doc.at("keys").size() == all_algorithms.size() - 3);  // without HS256/384/512
    for (const json& k : doc.at("keys")) {
        INFO(k.dump());
        CHECK(k.at("kty") != "oct");
        CHECK(k.at("use") == "sig");
        for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "k"}) CHECK_FALSE(k.contains(m));
    }
    const auto back = jose::key_set::from_jwks(doc.dump());
    INFO(outcome(back));
    REQUIRE(back.has_value());
    CHECK(back->size() == doc.at("keys").size());
    // Every token the private keys sign verifies with the published set.
    for (algorithm a : all_algorithms) {
        if (jose::family(a) == jose::key_family::hmac) continue;
        INFO(jose::name(a));
        const auto t = jws::sign("{}", "payload", generated(a));
        REQUIRE(t.has_value());
        const auto v = jws::verify(*t, *back);
        INFO(outcome(v));
        CHECK(v.has_value());
    }
    CHECK(jose::key_set().to_public_jwks() == json{{"keys", json::array()}});
}

TEST_CASE("RFC 7518 §6.3.1: an RSA public key needs an odd n and an odd e with 3 <= e < n, decided the same way "
          "every time",
          "[jose][jwk]")
{
    json j = jose::key::generate(algorithm::rs256).value().to_jwk(false).value();
    const std::string n = b64d(j["n"].get<std::string>());
    const auto with = [&](std::string_view member, std::string bytes) {
        json k = j;
        k[std::string(member)] = b64(bytes);
        return outcome(jose::key::from_jwk(k));
    };
    CHECK(with("e", std::string("\x01", 1)) == name(errc::invalid_key));          // e = 1
    CHECK(with("e", std::string("\x01\x00\x00", 3)) == name(errc::invalid_key));  // e = 65536, even
    CHECK(with("e", std::string("\x03", 1)) == "ok");                             // e = 3 (Wycheproof: valid)
    std::string even_n = n;
    even_n.back() = static_cast<char>(even_n.back() & ~1);
    CHECK(with("n", even_n) == name(errc::invalid_key));
    CHECK(with("e", n + "\x01") == name(errc::invalid_key));  // e > n
    // The same JWK gets the same answer every time (no randomized check).
    std::string odd = n;
    std::swap(odd[5], odd[100]);  // a modulus that is no product of two primes, still odd
    for (int i = 0; i < 200; ++i) CHECK(with("n", odd) == "ok");
}

// ---- Keys that come from outside (a provider's JWKS is untrusted input) ----------------------

namespace {

// Published ROCA-affected moduli, and one that is not, from the ROCA authors' detector tests
// (github.com/crocs-muni/roca, roca/tests/data: mod03.txt and pubkey03.pem are in its
// positive_samples, mod04.txt is not).
const char* const roca_mod03 =
    "9dcd7420e420c270a68060eb8b5aa7457a9f6648f86fafed2775cc1f79ae962f1e63f1b9e51c55f9ea6fdc7332e9b0058c9ff2eb1fc89855"
    "029cf6aafe21e689feb38ac9ffb12f1ce371bb5d0e9aae64161abce74b4244bf68f1edb4411f756a097c8929c14740245ea355f8332d1aa3"
    "6bb50c7dcb4505da8de02e4e53d38f8df06097da7524df0df93db48eac8cc4af2d3a16257eb2b2adca6ba464e5974fa92550d31b1babf161"
    "e7692d00b86e3dd886ecab4abfbe1a8f8cc263ff4af55cdb45f4249a5193925f5e983d762f0b6800943eb0267b08f42ed311ce1f5c86eacb"
    "c8ce4d3cb7a2fee1ef5641423a1cf4114e5ecf50034a60a412523af9e6f4aa11";
const char* const roca_pubkey03 = "-----BEGIN PUBLIC KEY-----\n"
                                  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEBqcWmh9uPsqMPgt/43aFU\n"
                                  "wpHvJ7BLJeGFuKsgxMal9gSFn+We3lSgr3wOcoiACtcZO7cxpb8eEXDXocZpMNQe\n"
                                  "o+sh3t97ivXUKpHDT3IEW5bv1XyxgjAd3MJpZ+VQjpq4iZhtV+g33+cPmfw3xJj0\n"
                                  "PBfDubBkz3BEQ9egM+A6ghaXqr8w+ynufTOzdnllqJBY47OXVL06HAB9KKI7DPp5\n"
                                  "+dcRrG5MS093sGNLHs1oWRrwPH1TtipfLZEWPU70+PJoMa5GHthexfeIxRI//BLI\n"
                                  "dCD9z+odG0pSw1IYJPs5mDSHObYqmG2OdrIom8Lri8BtE4FHhRuDoHGD0hBVn5Bj\n"
                                  "IQIDAQAB\n"
                                  "-----END PUBLIC KEY-----\n";
const char* const clean_mod04 =
    "af659676197f1db06da7ac111a0a0ec175b8b7ef07192ffcd1f6b854c327785f1a7fd3db7da45cd4a31b2b2e5ce0d823a68e28c8adf17473"
    "16becce1fe5768064039ad2062260c8d1a34e0586dce9bc13090fcc9fb8b8b2c08ed3ae8d61b29818a669689a7d9c1dab053b557fb8d3f9c"
    "44faad3e18c55e739b00d3c9126558bc8e980cd2af377126ef5b1374136774b8bd370e3c1c149db395c8f99696b628b105946fea20106fe2"
    "4d103ac062661a9248e8c3f628e00b308d33953aabe555132e218e74ef4b578716b4fe7cf340e8e604a319bf6e9951e1942601d342910"
    "32db54999d09e5d036dde3544ad35256bbb97d5e3fffd38166c21eae9199548853b";

std::string rsa_jwk_from_hex(const char* hex)
{
    return R"({"kty":"RSA","alg":"RS256","e":"AQAB","n":")" + b64(apiauth::test::from_hex(hex)) + "\"}";
}

bool roca(const char* number, bool decimal)
{
    BIGNUM* n = nullptr;
    REQUIRE((decimal ? BN_dec2bn(&n, number) : BN_hex2bn(&n, number)) > 0);
    const bool r = apiauth::detail::jwk::has_roca_fingerprint(n);
    BN_free(n);
    return r;
}

}  // namespace

TEST_CASE("jwk: an RSA modulus with the ROCA fingerprint is refused (CVE-2017-15361)", "[jose][jwk][hygiene]")
{
    CHECK(name(errc::weak_key) == apiauth::test::outcome(jose::key::from_jwk(rsa_jwk_from_hex(roca_mod03))));
    CHECK(name(errc::weak_key) == apiauth::test::outcome(jose::key::from_pem(jose::algorithm::rs256, roca_pubkey03)));
    const std::string no_alg = R"({"kty":"RSA","e":"AQAB","n":")" + b64(apiauth::test::from_hex(roca_mod03)) + "\"}";
    CHECK(name(errc::weak_key) == apiauth::test::outcome(jose::key::from_jwk(no_alg, {.alg = jose::algorithm::ps256})));
    const std::string set = R"({"keys":[)" + rsa_jwk_from_hex(clean_mod04) + "," + rsa_jwk_from_hex(roca_mod03) + "]}";
    CHECK(name(errc::weak_key) == apiauth::test::outcome(jose::key_set::from_jwks(set)));
    CHECK(jose::explain_jwk(rsa_jwk_from_hex(roca_mod03)).find("ROCA") != std::string::npos);
    // The same detector's negative sample loads.
    CHECK(apiauth::test::outcome(jose::key::from_jwk(rsa_jwk_from_hex(clean_mod04))) == "ok");
    // Keys OpenSSL generates do not have the fingerprint.
    for (int i = 0; i < 3; ++i) CHECK(apiauth::test::outcome(jose::key::generate(jose::algorithm::rs256)) == "ok");
}

TEST_CASE("jwk: the ROCA test needs one exponent for every prime, not a power per prime", "[jose][jwk][hygiene]")
{
    CHECK(roca(roca_mod03, false));
    CHECK_FALSE(roca(clean_mod04, false));
    // Moduli that pass the per-prime test but not the discrete-log one: the ROCA authors'
    // "fake_mods" (roca/tests/test_fingerprint.py, test_fake_mods), not fingerprinted.
    for (const char* fake :
         {"724141289739678726883327365350176142086203682420157971027960868278827540062602040617995470049837314267775964"
          "45"
          "658889886861027045033760014948048067467947960318205453778973975867532910489227970143091184725760290172935872"
          "752222320334100097730483600892686353719855397381316384244147860260153198611313067061116317",
          "138345973265163614694352477004469191286459111070564516299381495188624946671065451924677704628892476011773201"
          "61"
          "211759730331553074573801557915910625981120461064734766215015981477489478452436613822022643159899193705744202"
          "06"
          "94466365850170057813627445465881816985939192840583168136876337135351417253708364245923133",
          "127791896675045040395064468573109425010219774613093240038326469106056928318395608480165676859635771156871330"
          "13"
          "928159670375406320709545606578474774016297018488053659014464700349236475916950221785438816552199426820634678"
          "54"
          "03332622195574508223431200064645819724980706217912475871209058082764033948277691466089251"})
        CHECK_FALSE(roca(fake, true));
    // 65537^7 is a power of 65537 modulo every prime (the structure itself), 65537^7 + 2 is not.
    CHECK(roca("5192851481060515336695158019653633", true));
    CHECK_FALSE(roca("5192851481060515336695158019653635", true));
}

TEST_CASE("jwks: a secret key beside public keys is refused (RFC 8725 §3.1)", "[jose][jwk][hygiene]")
{
    const std::string oct = R"({"kty":"oct","alg":"HS256","kid":"s","k":")" + b64(std::string(32, 'k')) + "\"}";
    auto rsa = jose::key::generate(jose::algorithm::rs256, "r");
    auto ec = jose::key::generate(jose::algorithm::es256, "e");
    REQUIRE(rsa.has_value());
    REQUIRE(ec.has_value());
    const std::string rsa_jwk = rsa->to_jwk(false)->dump();
    const std::string ec_jwk = ec->to_jwk(false)->dump();
    CHECK(apiauth::test::outcome(jose::key_set::from_jwks(R"({"keys":[)" + oct + "," + rsa_jwk + "]}")) ==
          name(errc::invalid_key_set));
    CHECK(apiauth::test::outcome(jose::key_set::from_jwks(R"({"keys":[)" + ec_jwk + "," + oct + "]}")) ==
          name(errc::invalid_key_set));
    CHECK(jose::explain_jwks(R"({"keys":[)" + oct + "," + rsa_jwk + "]}").find("secret (oct)") != std::string::npos);
    // One kind at a time is fine: an application's own secrets, or a provider's public keys.
    CHECK(apiauth::test::outcome(jose::key_set::from_jwks(R"({"keys":[)" + oct + "]}")) == "ok");
    CHECK(apiauth::test::outcome(jose::key_set::from_jwks(R"({"keys":[)" + rsa_jwk + "," + ec_jwk + "]}")) == "ok");
}

}  // namespace jose_jwk_test
