// Project Wycheproof vectors (C2SP/wycheproof testvectors_v1, see tests/vectors/wycheproof/README.md)
// through apiauth's public key import and JWS signature verification.
//
// Each group's public key is loaded twice, with jose::key::from_jwk (the group's publicKeyJwk or keyJwk,
// with the algorithm supplied through jwk_options when the JWK has no "alg") and with jose::key::from_pem
// (publicKeyPem); every test is checked with key::verify(msg, sig) on both keys, which must agree.
//
// Why key::verify and not jws::verify: Wycheproof signs raw messages, not JWS signing inputs
// (BASE64URL(header) "." BASE64URL(payload)), so no compact token can be built for these signatures.
// key::verify IS the primitive jws::verify and jwt::verifier call on the signing input once the header
// has chosen the key (jws.hpp check_signature): same length rule (the exact JWS signature size, checked
// before any cryptography), same R‖S-to-DER conversion for ECDSA, same OpenSSL contexts.
//
// The HMAC files (already run through crypto::hmac_key by tests/crypto/hmac_test.cpp) are run here
// through jose::key::from_secret: groups whose key is at least the hash size and whose tag is the full
// MAC must give Wycheproof's verdicts; shorter keys must be refused at construction (weak_key, RFC 7518
// §3.2), and truncated tags never verify (a JWS MAC is the full HMAC output, RFC 7518 §3.2).
//
// Verdicts: every `valid` accepted and every `invalid` rejected, unless the difference is one of the
// documented deviations below (each counted; the counts are pinned so that a change is noticed);
// every `acceptable` decided, and the decision pinned and explained:
//
//   | files            | flag        | Wycheproof says                        | apiauth | why                        |
//   |------------------|-------------|----------------------------------------|---------|----------------------------|
//   | rsa_signature_*  | MissingNull | DigestInfo without the NULL parameters | reject  | OpenSSL 3 RSA_verify       |
//   |                  |             | of the hash AlgorithmIdentifier        |         | compares the whole encoded |
//   |                  |             | ("LEGACY": some libraries accept it)   |         | DigestInfo with the one it |
//   |                  |             |                                        |         | builds (with NULL); RFC    |
//   |                  |             |                                        |         | 8017 §9.2 defines the      |
//   |                  |             |                                        |         | encoding with NULL, and    |
//   |                  |             |                                        |         | JWA RS* signers write it.  |
//
// No other file in the folder has `acceptable` tests (ECDSA P1363, PSS and Ed25519 are all
// valid/invalid); a new acceptable flag fails the test until it is added to this table.
//
// Documented deviations (`valid` vectors apiauth does not accept, by policy): only in the hmac_* files,
// keys shorter than the hash (weak_key, RFC 7518 §3.2) and truncated tags (RFC 7518 §3.2: the JWS MAC
// is the full output), see above. Every public key of the signature files loads, including the two
// RSA-2048 keys with e = 3 (rsa_signature_2048_sha256 tcId 258, 259: valid, and accepted): apiauth has
// no exponent rule of its own and OpenSSL 3.0's EVP_PKEY_public_check (run on every key) accepts e = 3;
// OpenSSL's PKCS#1 v1.5 check compares the whole encoded block (MissingNull above is rejected), so a
// small e does not open Bleichenbacher's 2006 forgery. Were a key refused, every test of its group
// would be listed as unexplained and fail the test.
//
// In each P1363 file the last nine groups (ten tests: the "r = small, x = small" and "s = 2^128" edge
// cases) have no publicKeyJwk; their JWK is written here from the group's publicKey wx/wy (left-padded
// to the coordinate size, RFC 7518 §6.2.1.2) and imported through the same from_jwk.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>

#include "../support/jose_support.hpp"
#include "../support/test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace jose_wycheproof_test {

namespace jose = apiauth::jose;
using apiauth::errc;
using apiauth::detail::as_bytes;
using apiauth::test::b64;
using apiauth::test::b64d;
using apiauth::test::from_hex;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::segments;
using apiauth::test::split;
using jose::algorithm;

namespace {

// Reasons for documented deviations (used as keys of the pinned counts).
constexpr std::string_view reason_hmac_weak = "HMAC key shorter than the hash refused (weak_key, RFC 7518 §3.2)";
constexpr std::string_view reason_hmac_truncated = "truncated HMAC tag never verifies (RFC 7518 §3.2)";

// What one file gave.
struct tally {
    std::size_t valid = 0, valid_accepted = 0;
    std::size_t invalid = 0, invalid_rejected = 0;
    std::map<std::string, std::size_t> acceptable_accepted, acceptable_rejected;  // by flag
    std::map<std::string, std::size_t> deviations;                                // by reason
    std::vector<std::string> unexplained;

    std::string summary(const std::string& file) const
    {
        std::ostringstream o;
        o << file << ": valid accepted " << valid_accepted << "/" << valid << ", invalid rejected " << invalid_rejected
          << "/" << invalid;
        for (const auto& [flag, n] : acceptable_accepted) o << ", acceptable " << flag << " accepted " << n;
        for (const auto& [flag, n] : acceptable_rejected) o << ", acceptable " << flag << " rejected " << n;
        for (const auto& [why, n] : deviations) o << "; documented deviation x" << n << ": " << why;
        if (!unexplained.empty()) o << "; UNEXPLAINED: " << unexplained.size();
        return o.str();
    }
};

std::string test_id(const nlohmann::json& t)
{
    return "tcId " + std::to_string(t.at("tcId").get<int>()) + " (" + t.at("comment").get<std::string>() + ")";
}

std::string flags_of(const nlohmann::json& t)
{
    std::string f;
    for (const auto& x : t.at("flags")) f += (f.empty() ? "" : ",") + x.get<std::string>();
    return f;
}

// Records one test's verdict against Wycheproof's. `refused` is the documented reason (a deviation
// reason) why no key exists or why a valid tag cannot verify, if there is one.
void record(tally& out, const nlohmann::json& t, bool accepted, std::optional<std::string_view> refused)
{
    const std::string result = t.at("result").get<std::string>();
    if (result == "valid") {
        ++out.valid;
        if (accepted) {
            ++out.valid_accepted;
        } else if (refused) {
            ++out.deviations[std::string(*refused)];
        } else {
            out.unexplained.push_back("valid " + test_id(t) + " rejected");
        }
    } else if (result == "invalid") {
        ++out.invalid;
        if (!accepted)
            ++out.invalid_rejected;
        else
            out.unexplained.push_back("invalid " + test_id(t) + " accepted");
    } else if (result == "acceptable") {
        const std::string f = flags_of(t);
        ++(accepted ? out.acceptable_accepted : out.acceptable_rejected)[f];
    } else {
        out.unexplained.push_back("unknown result '" + result + "' in " + test_id(t));
    }
}

// The vectors ship in tests/vectors/wycheproof; a missing file fails the test that needs it.
std::optional<nlohmann::json> load(const std::string& file)
{
    return apiauth::test::load_wycheproof(file);
}

// The group's public key as a JWK: publicKeyJwk (ECDSA, PSS, EdDSA) or keyJwk (PKCS#1), else (the
// ECDSA edge-case groups without one) a JWK written from publicKey wx/wy.
nlohmann::json group_jwk(const nlohmann::json& g, algorithm a)
{
    if (g.contains("publicKeyJwk")) return g.at("publicKeyJwk");
    if (g.contains("keyJwk")) return g.at("keyJwk");
    const auto curve = jose::curve_of(a);
    REQUIRE(curve.has_value());
    const auto coordinate = [&](const char* member) {
        std::string v = from_hex(g.at("publicKey").at(member).get<std::string>());
        while (v.size() > curve->coordinate_size && v.front() == '\0') v.erase(0, 1);
        REQUIRE(v.size() <= curve->coordinate_size);
        return apiauth::encoding::base64url::encode(std::string(curve->coordinate_size - v.size(), '\0') + v);
    };
    return {{"kty", "EC"}, {"crv", std::string(curve->jwk_crv)}, {"x", coordinate("wx")}, {"y", coordinate("wy")}};
}

// Runs a signature file (ECDSA P1363, RSA PKCS#1 v1.5, RSA-PSS, Ed25519) for algorithm `a`.
std::optional<tally> run_signature_file(const std::string& file, algorithm a)
{
    const auto doc = load(file);
    if (!doc) return std::nullopt;
    tally out;
    std::size_t group_index = 0;
    for (const auto& g : doc->at("testGroups")) {
        const std::string where = file + " group " + std::to_string(group_index++);
        INFO(where);
        const nlohmann::json jwk = group_jwk(g, a);
        jose::jwk_options opt;
        if (!jwk.contains("alg")) opt.alg = a;
        const auto by_jwk = jose::key::from_jwk(jwk, opt);
        const auto by_pem = jose::key::from_pem(a, g.at("publicKeyPem").get<std::string>());
        if (by_jwk && by_pem) {
            CHECK(by_jwk->alg() == a);
            CHECK(by_pem->alg() == a);
            CHECK_FALSE(by_jwk->can_sign());
            CHECK_FALSE(by_pem->can_sign());
        } else {
            out.unexplained.push_back(where + ": key refused (JWK " + outcome(by_jwk) + ", PEM " + outcome(by_pem) +
                                      "); its valid tests count as rejected");
        }

        for (const auto& t : g.at("tests")) {
            const std::string msg = from_hex(t.at("msg").get<std::string>());
            const std::string sig = from_hex(t.at("sig").get<std::string>());
            bool accepted = false;
            if (by_jwk && by_pem) {
                const bool j = by_jwk->verify(as_bytes(msg), as_bytes(sig));
                const bool p = by_pem->verify(as_bytes(msg), as_bytes(sig));
                if (j != p) out.unexplained.push_back(where + " " + test_id(t) + ": JWK and PEM keys disagree");
                accepted = j && p;
            }
            record(out, t, accepted, std::nullopt);
        }
    }
    return out;
}

// Runs an HMAC file through jose::key::from_secret for HS256/384/512.
std::optional<tally> run_hmac_file(const std::string& file, algorithm a)
{
    const auto doc = load(file);
    if (!doc) return std::nullopt;
    const std::size_t hash_bits = a == algorithm::hs256 ? 256 : a == algorithm::hs384 ? 384 : 512;
    tally out;
    std::size_t group_index = 0;
    for (const auto& g : doc->at("testGroups")) {
        const std::string where = file + " group " + std::to_string(group_index++);
        INFO(where);
        const std::size_t key_bits = g.at("keySize").get<std::size_t>();
        const std::size_t tag_bits = g.at("tagSize").get<std::size_t>();
        for (const auto& t : g.at("tests")) {
            const std::string key = from_hex(t.at("key").get<std::string>());
            const std::string msg = from_hex(t.at("msg").get<std::string>());
            const std::string tag = from_hex(t.at("tag").get<std::string>());
            REQUIRE(key.size() * 8 == key_bits);
            const auto k = jose::key::from_secret(a, key);
            if (key_bits < hash_bits) {
                // Refused when built: every test of the group is rejected, for this reason.
                if (outcome(k) != name(errc::weak_key))
                    out.unexplained.push_back(where + " " + test_id(t) + ": short key gave " + outcome(k));
                record(out, t, false, reason_hmac_weak);
                continue;
            }
            if (!k) {
                out.unexplained.push_back(where + " " + test_id(t) + ": key refused: " + outcome(k));
                record(out, t, false, std::nullopt);
                continue;
            }
            CHECK(k->signature_size() * 8 == hash_bits);
            const bool accepted = k->verify(as_bytes(msg), as_bytes(tag));
            record(out, t, accepted, tag_bits < hash_bits ? std::optional(reason_hmac_truncated) : std::nullopt);
        }
    }
    return out;
}

// The pinned outcome of a file: its documented deviations and its acceptable decisions.
struct expectation {
    std::map<std::string, std::size_t> deviations{};
    std::map<std::string, std::size_t> acceptable_accepted{};
    std::map<std::string, std::size_t> acceptable_rejected{};
};

void check(const std::string& file, const std::optional<tally>& t, const expectation& e)
{
    if (!t) return;  // skipped, already reported
    WARN(t->summary(file));
    for (const auto& u : t->unexplained) FAIL_CHECK("unexplained deviation in " << file << ": " << u);
    CHECK(t->unexplained.empty());
    CHECK(t->valid > 0);
    CHECK(t->invalid > 0);
    CHECK(t->deviations == e.deviations);
    CHECK(t->acceptable_accepted == e.acceptable_accepted);
    CHECK(t->acceptable_rejected == e.acceptable_rejected);
    // Everything counted: each valid vector either accepted or a documented deviation.
    std::size_t documented = 0;
    for (const auto& [why, n] : t->deviations) documented += n;
    CHECK(t->valid_accepted + documented == t->valid);
    CHECK(t->invalid_rejected == t->invalid);
}

}  // namespace

// ---- ECDSA, IEEE P1363 R‖S: the JWS signature form (RFC 7518 §3.4, RFC 8812 §3.2) ----------------------------

TEST_CASE("Wycheproof ecdsa_secp256r1_sha256_p1363_test.json: ES256", "[jose][wycheproof]")
{
    const std::string f = "ecdsa_secp256r1_sha256_p1363_test.json";
    check(f, run_signature_file(f, algorithm::es256), {});
}

TEST_CASE("Wycheproof ecdsa_secp384r1_sha384_p1363_test.json: ES384", "[jose][wycheproof]")
{
    const std::string f = "ecdsa_secp384r1_sha384_p1363_test.json";
    check(f, run_signature_file(f, algorithm::es384), {});
}

TEST_CASE("Wycheproof ecdsa_secp521r1_sha512_p1363_test.json: ES512", "[jose][wycheproof]")
{
    const std::string f = "ecdsa_secp521r1_sha512_p1363_test.json";
    check(f, run_signature_file(f, algorithm::es512), {});
}

TEST_CASE("Wycheproof ecdsa_secp256k1_sha256_p1363_test.json: ES256K", "[jose][wycheproof]")
{
    const std::string f = "ecdsa_secp256k1_sha256_p1363_test.json";
    check(f, run_signature_file(f, algorithm::es256k), {});
}

// ---- RSASSA-PKCS1-v1_5 (RFC 7518 §3.3) ----------------------------------------------------------------------

TEST_CASE("Wycheproof rsa_signature_2048_sha256_test.json: RS256", "[jose][wycheproof]")
{
    const std::string f = "rsa_signature_2048_sha256_test.json";
    check(f, run_signature_file(f, algorithm::rs256), {.acceptable_rejected = {{"MissingNull", 1}}});
}

TEST_CASE("Wycheproof rsa_signature_3072_sha384_test.json: RS384", "[jose][wycheproof]")
{
    const std::string f = "rsa_signature_3072_sha384_test.json";
    check(f, run_signature_file(f, algorithm::rs384), {.acceptable_rejected = {{"MissingNull", 1}}});
}

TEST_CASE("Wycheproof rsa_signature_4096_sha512_test.json: RS512", "[jose][wycheproof]")
{
    const std::string f = "rsa_signature_4096_sha512_test.json";
    check(f, run_signature_file(f, algorithm::rs512), {.acceptable_rejected = {{"MissingNull", 1}}});
}

// ---- RSASSA-PSS, MGF1 with the same hash, salt = hash length (RFC 7518 §3.5) ------------------------------------

TEST_CASE("Wycheproof rsa_pss_2048_sha256_mgf1_32_test.json: PS256", "[jose][wycheproof]")
{
    const std::string f = "rsa_pss_2048_sha256_mgf1_32_test.json";
    check(f, run_signature_file(f, algorithm::ps256), {});
}

TEST_CASE("Wycheproof rsa_pss_2048_sha384_mgf1_48_test.json: PS384", "[jose][wycheproof]")
{
    const std::string f = "rsa_pss_2048_sha384_mgf1_48_test.json";
    check(f, run_signature_file(f, algorithm::ps384), {});
}

TEST_CASE("Wycheproof rsa_pss_4096_sha512_mgf1_64_test.json: PS512", "[jose][wycheproof]")
{
    const std::string f = "rsa_pss_4096_sha512_mgf1_64_test.json";
    check(f, run_signature_file(f, algorithm::ps512), {});
}

// ---- Ed25519 (RFC 8037 §3.1) --------------------------------------------------------------------------------

TEST_CASE("Wycheproof ed25519_test.json: EdDSA", "[jose][wycheproof]")
{
    const std::string f = "ed25519_test.json";
    check(f, run_signature_file(f, algorithm::eddsa), {});
}

// ---- HMAC through jose::key (RFC 7518 §3.2) -------------------------------------------------------------------

TEST_CASE("Wycheproof hmac_sha256_test.json through jose::key::from_secret: HS256", "[jose][wycheproof]")
{
    const std::string f = "hmac_sha256_test.json";
    check(f, run_hmac_file(f, algorithm::hs256),
          {.deviations = {{std::string(reason_hmac_weak), 6}, {std::string(reason_hmac_truncated), 30}}});
}

TEST_CASE("Wycheproof hmac_sha384_test.json through jose::key::from_secret: HS384", "[jose][wycheproof]")
{
    const std::string f = "hmac_sha384_test.json";
    check(f, run_hmac_file(f, algorithm::hs384),
          {.deviations = {{std::string(reason_hmac_weak), 6}, {std::string(reason_hmac_truncated), 30}}});
}

TEST_CASE("Wycheproof hmac_sha512_test.json through jose::key::from_secret: HS512", "[jose][wycheproof]")
{
    const std::string f = "hmac_sha512_test.json";
    check(f, run_hmac_file(f, algorithm::hs512),
          {.deviations = {{std::string(reason_hmac_weak), 6}, {std::string(reason_hmac_truncated), 30}}});
}

TEST_CASE("Wycheproof folder: every vector file is run by a test above", "[jose][wycheproof]")
{
    const auto dir = apiauth::test::wycheproof_dir();
    std::error_code ec;
    REQUIRE(std::filesystem::is_directory(dir, ec));
    const std::vector<std::string> covered = {"ecdsa_secp256k1_sha256_p1363_test.json",
                                              "ecdsa_secp256r1_sha256_p1363_test.json",
                                              "ecdsa_secp384r1_sha384_p1363_test.json",
                                              "ecdsa_secp521r1_sha512_p1363_test.json",
                                              "ed25519_test.json",
                                              "hmac_sha256_test.json",
                                              "hmac_sha384_test.json",
                                              "hmac_sha512_test.json",
                                              "rsa_pss_2048_sha256_mgf1_32_test.json",
                                              "rsa_pss_2048_sha384_mgf1_48_test.json",
                                              "rsa_pss_4096_sha512_mgf1_64_test.json",
                                              "rsa_signature_2048_sha256_test.json",
                                              "rsa_signature_3072_sha384_test.json",
                                              "rsa_signature_4096_sha512_test.json"};
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string n = e.path().filename().string();
        if (e.path().extension() != ".json") continue;
        INFO(n);
        CHECK(std::find(covered.begin(), covered.end(), n) != covered.end());
    }
}

}  // namespace jose_wycheproof_test
