// bench/jwt_data.hpp — the keys, claims and tokens of the jwt/* benchmarks, shared by
// apiauth_bench and apiauth_bench_peers so that both verify the same tokens.
//
// The keys are fixed (generated once with `openssl genpkey`; test keys, never used
// anywhere else), so HS256, RS256 and EdDSA tokens are byte-identical in both programs;
// PS256 and ES256 signatures are randomised, so those tokens differ in their signature
// only. Tokens are signed with apiauth's jwt::signer when first asked for, which main()
// arranges to be after the counting allocator is installed.
#ifndef APIAUTH_BENCH_JWT_DATA_HPP
#define APIAUTH_BENCH_JWT_DATA_HPP

#include "alloc_counter.hpp"

#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace apiauth_bench::jwt_data {

using apiauth::jose::algorithm;

inline constexpr std::string_view issuer = "https://as.example";
inline constexpr std::string_view audience = "api.example";
inline constexpr long long issued_at = 1767222000;   // 2025-12-31T23:00:00Z
inline constexpr long long expires_at = 4102444800;  // 2100-01-01T00:00:00Z: the tokens stay valid

// 32 octets: HS256's minimum (RFC 7518 §3.2). Printable, because cpp-jwt takes the secret as a string.
inline constexpr std::string_view hmac_secret = "k7Qm2xV9pL4sN8rT1Zk3vB8nW5yH2jD6";

inline constexpr std::string_view rsa_private_pem = R"(
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCmvgxIimP+w9om
wgbZy5kfLXb7HqIZ5HPZNwq+RD/CIR0QLtHjwahaFFdPB/WKHZfomd0V5dPeu7bv
8Uh9FOnIu+2iAIxTH/iv6GEfk1aPa0Xq9N/HloievyETyIIrbdGAWc8vpd+EvF8T
4Evs65whRK9HEMEtGJv2JO2gJt3ZM2pAHdw8Zxt5UjwZWj1em0IzByjZUvkzxGrr
FHRXzZaFHOqeI0fFuGVlU1Nueo19tmDXYt8bdN7o1xq5oK34kP1ZDzKH3GC9D0xf
LViJ2/0vafz2OHTVTbVnJqDV8x7fMFgN23IqvpQ14XIt/xADj899ZfqGVNR0JqVm
dTMd0IbBAgMBAAECggEAASr1lRB7EM64WWskdyQI54H/AlU9l2bVNOFAzwJVW/u1
Y2agi7LQhgj8b45DtvrsFHH3bW7VpAq2hkmvU0jxNjmyuV69nNttd3XuMDVs9sYu
kC2034X7YPk/tw7BcqJrRDXc0J2dyiUzmUUJ4xfnWQhNHfdNEw7IENpDW8rJ5PqH
T2hVBY8o5aig78c8zj1n88SM56x4glyjan3q97vnJ2aQ4DbS68mF0vKFN39ViZbe
Iw0mzf1Xee5gb9ZYTXXkIraWY9VsVPC7ClS+Rw5z1tghbcJW5GI7pYh8c9mh0vAD
bMJ+888DMsuuDSvOIki+0Mimapq2UMe70Xfp/DjlQQKBgQDXuf3e1cW8zfOXoKrM
oVGodbpVqP8dmTICTNyg0dR8SxGQPNnh3sEv0aLmgwCtb+C9TNHDaZMlcfEn3Ftf
FIQoajpdc0uoji+BWnehENiCoZx4HwFCllnBO2vLIKo4E3lm8dBYmuuBTuR+QlR3
rlB3fmnCwkNCwtnDwYgh3XH/CQKBgQDF3wETNpBiHfg+vKG6ptwtcSr8VgtAFt1E
2bWeLM7G9HvcdGrJZVLlAEFYRhRZIAOGlY+D6ZLS99EbdadkMXeVkmbmsWSQ8F+G
Yfjc892caQJZ9OeigUDneS5LM9fc/x3rqKL2z/vI1KaW3LAAlFa2hAYlOAFwgvse
Uxak+Zp/+QKBgE6XkAnSz8tNLOWcvxz12I4K9eunOepKmZGE9wwP5d2ya5+ky6wi
PzdwpGxeZazKCZJtni4XFGib7kObYB5vlwYyTTkme/XYdy4lC1g+juJohlyszwS3
SdPAFjFWoSz0y1HZ3xGovwvI9i2ZdLR1aRNflqBBrcdwvW034KSVzKYhAoGATjmk
XikjGXcJrhu6wGS5BMoJmWqW1gZ0AYUkNN03/hWnZfcsRGRnShs4uiIyZy2t1yYH
b7oGjprkMzvnKkgYI6yWO7uDq30r9p+C2C8cvHoTMOcOMANzWk9hCt/7BeZhuMmZ
a4O74aCYH2ottnzubwdwuoQSpZ1Sk6F7gUsgVlkCgYA2EU/5DxXQjH4JHxCpi5hx
B5E1AZOKIo+tk8QM8P605cWh/btloNi2q9cjTpCQ5CiqUgPb7MO/WoHZuZZZjXCJ
8EdLIbecmnqMZWOD/LOmxZ+dwo47Dcs4lS3wxyyG4Fj+j4yAPiR1XJynoHV8bi0X
DG7oW77LIBIX59y7o2XP4w==
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view ec_private_pem = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5KccidBiD6H0UyGH
o4PWFVz3jzYED1NP+RRE3DIzTkChRANCAAQx5YWn3CA5BpZcB26PZ21epaPjHgpI
Ltxavx5r9djEszQYkha/PGcrmrMrGthg3i4eLuP+IaKoMaUUCbfH86XS
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view ed25519_private_pem = R"(
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIATxU7O9WRK3NLUfsJhU4qui3hQfK4Einj5e3KIQH94i
-----END PRIVATE KEY-----
)";

// iss sub aud exp iat jti scope: 130 octets of JSON, 255 characters as an HS256 token.
inline nlohmann::json claims()
{
    return nlohmann::json{{"iss", issuer},    {"sub", "acct_7f"},  {"aud", audience}, {"exp", expires_at},
                          {"iat", issued_at}, {"jti", "4f1c9e2b"}, {"scope", "read"}};
}

// What every verifier checks: iss, aud, and exp (required by default).
inline apiauth::jose::jwt::policy policy()
{
    return apiauth::jose::jwt::policy{.issuer = std::string(issuer), .audience = std::string(audience)};
}

struct jwt_case {
    std::string_view name;  // "hs256", … as in the benchmark names
    algorithm alg;
    std::string_view private_pem;  // empty for HS256
    std::string public_pem;        // SubjectPublicKeyInfo, for the floors and the peers; empty for HS256
    std::string token;             // signed by apiauth
    std::size_t dot2 = 0;          // the signing input is token[0, dot2)
};

enum index : std::size_t { hs256, rs256, ps256, es256, eddsa, count };

// The public half of a private PEM, as OpenSSL writes it.
inline std::string public_pem_of(std::string_view private_pem)
{
    BIO* in = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
    EVP_PKEY* k = in ? PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(in);
    BIO* out = BIO_new(BIO_s_mem());
    if (!k || !out || PEM_write_bio_PUBKEY(out, k) != 1) fail("cannot export a public key as PEM");
    char* p = nullptr;
    const long n = BIO_get_mem_data(out, &p);
    std::string s(p, static_cast<std::size_t>(n));
    BIO_free(out);
    EVP_PKEY_free(k);
    return s;
}

// The signing key of a case: apiauth's key from the secret or the private PEM.
inline apiauth::jose::key signing_key(const jwt_case& c)
{
    auto k = c.private_pem.empty() ? apiauth::jose::key::from_secret(c.alg, hmac_secret)
                                   : apiauth::jose::key::from_pem(c.alg, c.private_pem);
    if (!k) fail("apiauth refused a benchmark signing key");
    return *k;
}

// The verification key of a case: the secret, or the public PEM.
inline apiauth::jose::key verification_key(const jwt_case& c)
{
    auto k = c.private_pem.empty() ? apiauth::jose::key::from_secret(c.alg, hmac_secret)
                                   : apiauth::jose::key::from_pem(c.alg, c.public_pem);
    if (!k) fail("apiauth refused a benchmark verification key");
    return *k;
}

inline const std::array<jwt_case, count>& cases()
{
    static const std::array<jwt_case, count> all = [] {
        std::array<jwt_case, count> a{{
            {"hs256", algorithm::hs256, {}, {}, {}, 0},
            {"rs256", algorithm::rs256, rsa_private_pem, {}, {}, 0},
            {"ps256", algorithm::ps256, rsa_private_pem, {}, {}, 0},
            {"es256", algorithm::es256, ec_private_pem, {}, {}, 0},
            {"eddsa", algorithm::eddsa, ed25519_private_pem, {}, {}, 0},
        }};
        std::string sizes;
        for (jwt_case& c : a) {
            if (!c.private_pem.empty()) c.public_pem = public_pem_of(c.private_pem);
            auto s = apiauth::jose::jwt::signer::make(signing_key(c));  // header {"alg":…,"typ":"JWT"}
            if (!s) fail("jwt::signer::make");
            auto t = s->sign(claims());
            if (!t) fail("jwt::signer::sign");
            c.token = std::move(*t);
            c.dot2 = c.token.rfind('.');
            if (!sizes.empty()) sizes += ' ';
            sizes.append(c.name).append("=").append(std::to_string(c.token.size()));
        }
        // Printed once, in the context block of the output (and of --benchmark_out JSON).
        benchmark::AddCustomContext("jwt_token_bytes", sizes);
        return a;
    }();
    return all;
}

}  // namespace apiauth_bench::jwt_data

#endif  // APIAUTH_BENCH_JWT_DATA_HPP
