// The security probes of research/jwt-peers.md §7, each as its own test with the verdict apiauth must
// give. The peers (jwt-cpp 0.7.2, cpp-jwt 1.4/1.5.1, libjwt 1.10.2) accepted some of these tokens;
// apiauth must reject every one of those, with the error that names the reason. The crafted tokens are
// built here: the right bytes are signed with the library's key::sign (itself checked against the RFC
// examples in rfc_vectors_test.cpp) or, for the RSA PEM, with OpenSSL directly, and then mutated.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace jose_peer_probes_test {

namespace jose = apiauth::jose;
namespace jws = apiauth::jose::jws;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64;
using apiauth::test::b64d;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::segments;
using apiauth::test::split;
using jose::algorithm;

namespace {

// BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature by k), the header bytes exactly as given.
std::string sign_raw(std::string_view header, std::string_view payload, const jose::key& k)
{
    const std::string input = b64(header) + "." + b64(payload);
    std::array<std::byte, 1024> sig{};
    const auto n = k.sign(apiauth::detail::as_bytes(input), sig);
    REQUIRE(n.has_value());
    return input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

jwt::clock_function fixed_clock()
{
    return [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)); };
}

// The claims of a well-formed access token at `now`, with exp as given.
std::string claims(std::string_view exp = "1700000600")
{
    return R"({"iss":"https://issuer.example","aud":"https://api.example","sub":"alice","iat":1700000000,"exp":)" +
           std::string(exp) + "}";
}

jwt::policy probe_policy()
{
    return {.issuer = "https://issuer.example", .audience = "https://api.example", .clock = fixed_clock()};
}

// The 32-octet HS256 secret of the probes (RFC 7518 §3.2: at least the hash size).
const jose::key& hs256_key()
{
    static const jose::key k = jose::key::from_secret(algorithm::hs256, "peer-probe-secret-0123456789abcd").value();
    return k;
}

const jose::key& es256_key()
{
    static const jose::key k = jose::key::generate(algorithm::es256).value();
    return k;
}

const jwt::verifier& hs256_verifier()
{
    static const jwt::verifier v{jose::key_set(hs256_key()), probe_policy()};
    return v;
}

const jwt::verifier& es256_verifier()
{
    static const jwt::verifier v{jose::key_set(es256_key()), probe_policy()};
    return v;
}

std::string valid_hs256()
{
    return sign_raw(R"({"alg":"HS256","typ":"JWT"})", claims(), hs256_key());
}

std::string valid_es256()
{
    return sign_raw(R"({"alg":"ES256","typ":"JWT"})", claims(), es256_key());
}

// An RSA-2048 key pair made with OpenSSL: the public key as PEM, and the jose key (RS256, kid "rsa-1").
struct rsa_pair {
    std::string public_pem;
    jose::key key;
};

const rsa_pair& rsa()
{
    static const rsa_pair p = [] {
        EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
        REQUIRE(k != nullptr);
        BIO* bio = BIO_new(BIO_s_mem());
        REQUIRE(PEM_write_bio_PUBKEY(bio, k) == 1);
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio, &data);
        std::string pem(data, static_cast<std::size_t>(len));
        BIO_free(bio);
        EVP_PKEY_free(k);
        return rsa_pair{pem, jose::key::from_pem(algorithm::rs256, pem, "rsa-1").value()};
    }();
    return p;
}

// n − s for a P-256 signature R‖S (the other valid signature, "high S" when s was low).
std::string negate_s(const std::string& rs)
{
    REQUIRE(rs.size() == 64);
    BIGNUM* n = nullptr;
    REQUIRE(BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551") != 0);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(rs.data()) + 32, 32, nullptr);
    REQUIRE(s != nullptr);
    REQUIRE(BN_sub(s, n, s) == 1);
    std::string out = rs;
    REQUIRE(BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32) == 32);
    BN_free(s);
    BN_free(n);
    return out;
}

}  // namespace

TEST_CASE("jwt-peers §7: valid HS256 ⇒ accept", "[jose][peers]")
{
    const auto r = hs256_verifier().verify(valid_hs256());
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK(r->alg() == algorithm::hs256);
    CHECK(r->claims().sub() == "alice");
    CHECK(r->claims().iss() == "https://issuer.example");
}

TEST_CASE("jwt-peers §7: HS256 signature + '=' ⇒ reject (base64_invalid_padding)", "[jose][peers]")
{
    // 44 characters are not the 43 of a 32-octet MAC; on that failure the segment is checked as
    // base64url first, so the padding itself is named (jws.hpp check_signature).
    segments s = split(valid_hs256());
    s.signature += "=";
    CHECK(outcome(hs256_verifier().verify(s.join())) == name(errc::base64_invalid_padding));
    // Padding where the length does not give it away (the header segment) is base64_invalid_padding.
    segments h = split(valid_hs256());
    h.header += "=";
    CHECK(outcome(hs256_verifier().verify(h.join())) == name(errc::base64_invalid_padding));
}

TEST_CASE("jwt-peers §7: HS256 signature in the standard alphabet '+/' ⇒ reject (base64_invalid_character)",
          "[jose][peers]")
{
    // Find a MAC whose base64url form has a '-' or '_' (most do), then translate to '+' and '/'.
    std::string token;
    for (int i = 0; i < 64 && token.empty(); ++i) {
        const std::string t =
            sign_raw(R"({"alg":"HS256","typ":"JWT"})", claims(std::to_string(1700000600 + i)), hs256_key());
        const std::string sig = split(t).signature;
        if (sig.find_first_of("-_") != std::string::npos) token = t;
    }
    REQUIRE_FALSE(token.empty());
    REQUIRE(hs256_verifier().verify(token).has_value());
    segments s = split(token);
    for (char& c : s.signature) c = c == '-' ? '+' : c == '_' ? '/' : c;
    CHECK(outcome(hs256_verifier().verify(s.join())) == name(errc::base64_invalid_character));
}

TEST_CASE("jwt-peers §7: HS256 signature with a flipped unused bit ⇒ reject (base64_noncanonical)", "[jose][peers]")
{
    // 32 octets are 43 characters; the last one carries 4 bits of data and 2 unused (zero) bits.
    segments s = split(valid_hs256());
    REQUIRE(s.signature.size() == 43);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t v = alphabet.find(s.signature.back());
    REQUIRE(v != std::string_view::npos);
    REQUIRE((v & 0x03) == 0);
    s.signature.back() = alphabet[v ^ 0x01];
    // Same decoded octets (jwt-cpp accepted it): the decoder must refuse the second spelling.
    CHECK(outcome(apiauth::encoding::base64url::decode(s.signature)) == name(errc::base64_noncanonical));
    CHECK(outcome(hs256_verifier().verify(s.join())) == name(errc::base64_noncanonical));
}

TEST_CASE("jwt-peers §7: HS256 signature + '%3d' or '%3D' ⇒ reject (base64_invalid_character)", "[jose][peers]")
{
    for (const char* suffix : {"%3d", "%3D"}) {
        INFO(suffix);
        segments s = split(valid_hs256());
        s.signature += suffix;
        CHECK(outcome(hs256_verifier().verify(s.join())) == name(errc::base64_invalid_character));
    }
    // In a segment whose length does not give it away, '%' is not in the alphabet.
    segments h = split(valid_hs256());
    h.header += "%3d";
    CHECK(outcome(hs256_verifier().verify(h.join())) == name(errc::base64_invalid_character));
}

TEST_CASE("jwt-peers §7: 4 segments ⇒ reject (jws_malformed)", "[jose][peers]")
{
    const std::string t = valid_hs256();
    CHECK(outcome(hs256_verifier().verify(t + "." + split(t).signature)) == name(errc::jws_malformed));
    CHECK(outcome(hs256_verifier().verify(t + ".")) == name(errc::jws_malformed));
    CHECK(outcome(jws::verify(t + ".", jose::key_set(hs256_key()))) == name(errc::jws_malformed));
}

TEST_CASE("jwt-peers §7: alg none with an empty signature ⇒ reject (unsupported_algorithm)", "[jose][peers]")
{
    const std::string none = b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(claims()) + ".";
    CHECK(outcome(hs256_verifier().verify(none)) == name(errc::unsupported_algorithm));
    CHECK(outcome(jws::verify(none, jose::key_set(hs256_key()))) == name(errc::unsupported_algorithm));
    // With a signature attached, and with an empty key set: still no such algorithm.
    const std::string with_sig = none + split(valid_hs256()).signature;
    CHECK(outcome(hs256_verifier().verify(with_sig)) == name(errc::unsupported_algorithm));
    CHECK(outcome(jws::verify(none, jose::key_set())) == name(errc::unsupported_algorithm));
    CHECK_FALSE(jose::parse_algorithm("none").has_value());
}

TEST_CASE("jwt-peers §7: HS256 MACed with the RSA public PEM against an RS256 key ⇒ reject "
          "(unknown_key without kid, algorithm_mismatch with kid)",
          "[jose][peers]")
{
    // The attacker knows the public PEM and uses its bytes as an HMAC secret (the classic confusion).
    const rsa_pair& r = rsa();
    const auto mac_key = jose::key::from_secret(algorithm::hs256, r.public_pem);
    REQUIRE(mac_key.has_value());
    const jwt::verifier v{jose::key_set(r.key), probe_policy()};

    // No kid: the set has no HS256 key at all; nothing is derived from the RSA key.
    const std::string no_kid = sign_raw(R"({"alg":"HS256","typ":"JWT"})", claims(), *mac_key);
    CHECK(outcome(v.verify(no_kid)) == name(errc::unknown_key));
    CHECK(outcome(jws::verify(no_kid, jose::key_set(r.key))) == name(errc::unknown_key));

    // The RSA key's kid: the key is found, and it is bound to RS256, not HS256 (RFC 8725 §3.1).
    const std::string with_kid = sign_raw(R"({"alg":"HS256","kid":"rsa-1","typ":"JWT"})", claims(), *mac_key);
    CHECK(outcome(v.verify(with_kid)) == name(errc::algorithm_mismatch));

    // The genuine RS256 token of that key verifies (the verifier is not simply refusing everything).
    const auto rsa_priv = jose::key::generate(algorithm::rs256, "rsa-2");
    REQUIRE(rsa_priv.has_value());
    const jwt::verifier v2{jose::key_set(*rsa_priv), probe_policy()};
    CHECK(v2.verify(sign_raw(R"({"alg":"RS256","kid":"rsa-2"})", claims(), *rsa_priv)).has_value());
    // Whatever kid the attacker names, an RS256-bound key is never used as an HMAC key.
    CHECK(outcome(v2.verify(sign_raw(R"({"alg":"HS256","kid":"rsa-2"})", claims(), *mac_key))) ==
          name(errc::algorithm_mismatch));
}

TEST_CASE("jwt-peers §7: alg hs256 in lower case ⇒ reject (unsupported_algorithm)", "[jose][peers]")
{
    // RFC 7515 §4.1.1: alg values are case-sensitive.
    const std::string t = sign_raw(R"({"alg":"hs256","typ":"JWT"})", claims(), hs256_key());
    CHECK(outcome(hs256_verifier().verify(t)) == name(errc::unsupported_algorithm));
    const std::string t2 = sign_raw(R"({"alg":"Hs256","typ":"JWT"})", claims(), hs256_key());
    CHECK(outcome(hs256_verifier().verify(t2)) == name(errc::unsupported_algorithm));
}

TEST_CASE("jwt-peers §7: duplicate iss (bad first and good last) ⇒ reject (duplicate_member)", "[jose][peers]")
{
    // Peers kept the last member; RFC 7519 §4 allows rejecting, which apiauth does.
    const std::string payload = R"({"iss":"https://evil.example","iss":"https://issuer.example",)"
                                R"("aud":"https://api.example","exp":1700000600})";
    const std::string t = sign_raw(R"({"alg":"HS256"})", payload, hs256_key());
    CHECK(outcome(hs256_verifier().verify(t)) == name(errc::duplicate_member));
    // The good one first and the bad one last: the same.
    const std::string payload2 = R"({"iss":"https://issuer.example","aud":"https://api.example",)"
                                 R"("exp":1700000600,"iss":"https://evil.example"})";
    CHECK(outcome(hs256_verifier().verify(sign_raw(R"({"alg":"HS256"})", payload2, hs256_key()))) ==
          name(errc::duplicate_member));
}

TEST_CASE("jwt-peers §7: typ at+jwt ⇒ accept (also application/AT+JWT) when the policy expects at+jwt", "[jose][peers]")
{
    jwt::policy p = probe_policy();
    p.typ = "at+jwt";
    const jwt::verifier v{jose::key_set(hs256_key()), std::move(p)};
    for (const char* typ : {"at+jwt", "application/AT+JWT", "application/at+jwt", "AT+JWT"}) {
        INFO(typ);
        const std::string header = std::string(R"({"alg":"HS256","typ":")") + typ + "\"}";
        const auto r = v.verify(sign_raw(header, claims(), hs256_key()));
        INFO(outcome(r));
        CHECK(r.has_value());
    }
    // And "JWT" is not at+jwt (RFC 9068 §4 step 1).
    CHECK(outcome(v.verify(valid_hs256())) == name(errc::wrong_token_type));
}

TEST_CASE("jwt-peers §7: forged signature + expired ⇒ reject (bad_signature, not token_expired)", "[jose][peers]")
{
    const std::string expired = sign_raw(R"({"alg":"HS256","typ":"JWT"})", claims("1600000000"), hs256_key());
    CHECK(outcome(hs256_verifier().verify(expired)) == name(errc::token_expired));
    segments s = split(expired);
    std::string sig = b64d(s.signature);
    sig[5] = static_cast<char>(sig[5] ^ 0x40);
    s.signature = b64(sig);
    CHECK(outcome(hs256_verifier().verify(s.join())) == name(errc::bad_signature));
}

TEST_CASE("jwt-peers §7: aud as an array ⇒ accept (any-of)", "[jose][peers]")
{
    const std::string payload = R"({"iss":"https://issuer.example","aud":["https://other.example",)"
                                R"("https://api.example"],"exp":1700000600})";
    const auto r = hs256_verifier().verify(sign_raw(R"({"alg":"HS256"})", payload, hs256_key()));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK(r->claims().aud().size() == 2);
    CHECK(r->claims().has_audience("https://api.example"));
}

TEST_CASE("jwt-peers §7: exp as a string ⇒ reject (invalid_claim_type) and never an exception", "[jose][peers]")
{
    const std::string t = sign_raw(R"({"alg":"HS256"})", claims("\"1700000600\""), hs256_key());
    CHECK_NOTHROW(hs256_verifier().verify(t));
    CHECK(outcome(hs256_verifier().verify(t)) == name(errc::invalid_claim_type));
}

TEST_CASE("jwt-peers §7: no exp ⇒ reject (missing_claim) by default", "[jose][peers]")
{
    const std::string payload = R"({"iss":"https://issuer.example","aud":"https://api.example"})";
    const std::string t = sign_raw(R"({"alg":"HS256"})", payload, hs256_key());
    CHECK(outcome(hs256_verifier().verify(t)) == name(errc::missing_claim));
    // Only an explicit `.require = {}` lets a token without exp through.
    jwt::policy p = probe_policy();
    p.require = {};
    const jwt::verifier lax{jose::key_set(hs256_key()), std::move(p)};
    CHECK(lax.verify(t).has_value());
}

TEST_CASE("jwt-peers §7: unknown crit ⇒ reject (unsupported_critical_header)", "[jose][peers]")
{
    const std::string t = sign_raw(R"({"alg":"HS256","crit":["exp-ext"],"exp-ext":1})", claims(), hs256_key());
    CHECK(outcome(hs256_verifier().verify(t)) == name(errc::unsupported_critical_header));
    CHECK(outcome(jws::verify(t, jose::key_set(hs256_key()))) == name(errc::unsupported_critical_header));
}

TEST_CASE("jwt-peers §7: ES256 with a 66-octet zero-padded R‖S ⇒ reject (bad_signature_length)", "[jose][peers]")
{
    const std::string t = valid_es256();
    REQUIRE(es256_verifier().verify(t).has_value());
    segments s = split(t);
    const std::string rs = b64d(s.signature);
    REQUIRE(rs.size() == 64);
    // Each integer left-padded with a zero octet: the same values, 33 octets each (RFC 7518 §3.4 says 32).
    const std::string padded = std::string(1, '\0') + rs.substr(0, 32) + std::string(1, '\0') + rs.substr(32);
    s.signature = b64(padded);
    CHECK(outcome(es256_verifier().verify(s.join())) == name(errc::bad_signature_length));
    CHECK_FALSE(es256_key().verify(apiauth::detail::as_bytes(split(t).header + "." + split(t).payload),
                                   apiauth::detail::as_bytes(padded)));
}

TEST_CASE("jwt-peers §7: ES256 high-S (n - s) ⇒ accept (Wycheproof P1363 tc1 is valid)", "[jose][peers]")
{
    // JWS has no low-S rule; both s and n - s verify (Wycheproof "signature malleability": valid).
    const std::string t = valid_es256();
    segments s = split(t);
    const std::string other = negate_s(b64d(s.signature));
    REQUIRE(other != b64d(s.signature));
    s.signature = b64(other);
    const auto r = es256_verifier().verify(s.join());
    INFO(outcome(r));
    CHECK(r.has_value());
    CHECK(es256_verifier().verify(t).has_value());
}

TEST_CASE("jwt-peers §7: ES256 all-zero signature ⇒ reject (bad_signature)", "[jose][peers]")
{
    segments s = split(valid_es256());
    s.signature = b64(std::string(64, '\0'));
    CHECK(outcome(es256_verifier().verify(s.join())) == name(errc::bad_signature));
}

TEST_CASE("jwt-peers §7: ES256 signature + '==' ⇒ reject (base64_invalid_padding)", "[jose][peers]")
{
    // 64 octets are 86 characters; 88 are not, and the extra characters are padding base64url forbids.
    segments s = split(valid_es256());
    REQUIRE(s.signature.size() == 86);
    s.signature += "==";
    CHECK(outcome(es256_verifier().verify(s.join())) == name(errc::base64_invalid_padding));
    // Two extra alphabet characters instead: a well-formed segment of the wrong length.
    segments t = split(valid_es256());
    t.signature += "AA";
    CHECK(outcome(es256_verifier().verify(t.join())) == name(errc::bad_signature_length));
}

TEST_CASE("jwt-peers §7: ES256 signature + '%3d%3d' ⇒ reject (base64_invalid_character)", "[jose][peers]")
{
    segments s = split(valid_es256());
    s.signature += "%3d%3d";
    CHECK(outcome(es256_verifier().verify(s.join())) == name(errc::base64_invalid_character));
    // Replacing the last two characters instead (same length): '%' is not base64url.
    segments r = split(valid_es256());
    r.signature.replace(84, 2, "%3");
    CHECK(outcome(es256_verifier().verify(r.join())) == name(errc::base64_invalid_character));
}

}  // namespace jose_peer_probes_test
