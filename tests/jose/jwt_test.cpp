// Tests for apiauth/jose/jws.hpp (compact JWS verify and sign, RFC 7515), apiauth/jose/jwt.hpp
// (jwt::verifier with its claims policy, jwt::signer; RFC 7519, RFC 8725, RFC 9068) and
// apiauth/jose/claims.hpp (the claims accessors). Every rejection is checked with its exact error;
// times come from an injected clock.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace jose_jwt_test {

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
using nlohmann::json;

namespace {

// The signature of `input` by k, base64url.
std::string signature_of(std::string_view input, const jose::key& k)
{
    std::array<std::byte, 1024> sig{};
    const auto n = k.sign(apiauth::detail::as_bytes(input), sig);
    REQUIRE(n.has_value());
    return apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

// A compact JWS with the header and payload segments exactly as given (already encoded), signed by k.
std::string sign_segments(std::string_view header_b64, std::string_view payload_b64, const jose::key& k)
{
    const std::string input = std::string(header_b64) + "." + std::string(payload_b64);
    return input + "." + signature_of(input, k);
}

// A compact JWS of these exact header and payload bytes, signed by k.
std::string sign_raw(std::string_view header, std::string_view payload, const jose::key& k)
{
    return sign_segments(b64(header), b64(payload), k);
}

constexpr double T = 1'700'000'000;

jwt::clock_function at(double seconds)
{
    return apiauth::test::clock_at(seconds);
}

const jose::key& hs256()
{
    static const jose::key k = jose::key::from_secret(algorithm::hs256, "jwt-test-secret-0123456789abcdef").value();
    return k;
}

const jose::key_set& hs256_set()
{
    static const jose::key_set s(hs256());
    return s;
}

// A policy at time T that checks nothing beyond the default (exp required).
jwt::policy at_T()
{
    jwt::policy p;
    p.clock = at(T);
    return p;
}

// Verify `payload` (JSON text, signed as is with header {"alg":"HS256"}) under `p`.
std::string verify_claims(std::string_view payload, jwt::policy p = at_T(),
                          std::string_view header = R"({"alg":"HS256"})")
{
    const jwt::verifier v{hs256_set(), std::move(p)};
    return outcome(v.verify(sign_raw(header, payload, hs256())));
}

const std::string good_exp = R"("exp":1700000600)";

// A JSON object text with `members` plus a valid exp.
std::string with_exp(std::string_view members)
{
    return "{" + std::string(members) + (members.empty() ? "" : ",") + good_exp + "}";
}

}  // namespace

// =====================================================================================================
// jws::verify
// =====================================================================================================

TEST_CASE("RFC 7515 §7.1: a compact JWS has exactly three segments (jws_malformed)", "[jose][jws]")
{
    const std::string t = sign_raw(R"({"alg":"HS256"})", "p", hs256());
    REQUIRE(jws::verify(t, hs256_set()).has_value());
    for (const std::string& s : {std::string(), std::string("abc"), std::string("a.b"), std::string("."), t + ".",
                                 "." + t, t + "." + split(t).signature, std::string("a.b.c.d"), std::string("....")}) {
        INFO(s);
        CHECK(outcome(jws::verify(s, hs256_set())) == name(errc::jws_malformed));
    }
}

TEST_CASE("RFC 7515 §7.1: empty segments: no header is jws_invalid_header, no signature is bad_signature_length, "
          "an empty payload is allowed",
          "[jose][jws]")
{
    CHECK(outcome(jws::verify("..", hs256_set())) == name(errc::jws_invalid_header));
    const segments s = split(sign_raw(R"({"alg":"HS256"})", "p", hs256()));
    CHECK(outcome(jws::verify("." + s.payload + "." + s.signature, hs256_set())) == name(errc::jws_invalid_header));
    CHECK(outcome(jws::verify(s.header + "." + s.payload + ".", hs256_set())) == name(errc::bad_signature_length));
    // RFC 7515 §7.1 / Appendix F: the payload may be empty (and is covered by the signature as such).
    const std::string empty_payload = sign_raw(R"({"alg":"HS256"})", "", hs256());
    REQUIRE(split(empty_payload).payload.empty());
    const auto v = jws::verify(empty_payload, hs256_set());
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->payload().empty());
    CHECK(v->payload_b64().empty());
}

TEST_CASE("RFC 7515 §5.2 step 3-4: the JOSE header is a JSON object of valid UTF-8 (jws_invalid_header)", "[jose][jws]")
{
    const std::string cases[] = {
        "[]",
        "\"HS256\"",
        "1",
        "null",
        "{",
        R"({"alg":"HS256")",
        R"({"alg":"HS256"} x)",
        R"({"alg":"HS256",})",
        R"({alg:"HS256"})",
        "{\"alg\":\"HS256\",\"x\":\"\xff\"}",          // invalid UTF-8
        "{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}",      // overlong encoding
        "{\"alg\":\"HS256\",\"x\":\"\xed\xa0\x80\"}",  // a UTF-16 surrogate in UTF-8
        std::string("{\"alg\":\"HS256\"}\0", 16),      // a NUL after the object
        "",
    };
    for (const auto& h : cases) {
        INFO(h);
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set())) == name(errc::jws_invalid_header));
    }
}

TEST_CASE("RFC 7515 §4.1.1: alg must be present and a string, kid and typ must be strings (jws_invalid_header)",
          "[jose][jws]")
{
    const std::string cases[] = {
        R"({})",
        R"({"typ":"JWT"})",
        R"({"alg":null})",
        R"({"alg":256})",
        R"({"alg":["HS256"]})",
        R"({"alg":{"name":"HS256"}})",
        R"({"alg":"HS256","kid":1})",
        R"({"alg":"HS256","kid":null})",
        R"({"alg":"HS256","kid":["a"]})",
        R"({"alg":"HS256","typ":1})",
        R"({"alg":"HS256","typ":null})",
        R"({"alg":"HS256","typ":{}})",
    };
    for (const auto& h : cases) {
        INFO(h);
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set())) == name(errc::jws_invalid_header));
    }
}

TEST_CASE("RFC 7515 §4.1.1 / RFC 8725 §3.2: alg names are exact, none and unknown names are unsupported_algorithm",
          "[jose][jws]")
{
    for (const char* alg : {"none", "None", "NONE", "hs256", "HS256 ", " HS256", "HS-256", "", "RS1", "HS1", "ES256K1",
                            "EDDSA", "Ed25519", "RSA-OAEP", "dir", "A128KW"}) {
        INFO(alg);
        const std::string h = std::string(R"({"alg":")") + alg + "\"}";
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set())) == name(errc::unsupported_algorithm));
    }
    // An escaped spelling of the right name is the right name (JSON strings are compared decoded).
    const auto escaped = jws::verify(sign_raw(R"({"alg":"HS\u0032\u00356"})", "p", hs256()), hs256_set());
    INFO(outcome(escaped));
    CHECK(escaped.has_value());
}

TEST_CASE("RFC 7515 §4: duplicate header member names anywhere are duplicate_member", "[jose][jws]")
{
    std::string many = R"({"alg":"HS256")";
    for (int i = 0; i < 20; ++i) many += ",\"m" + std::to_string(i) + "\":" + std::to_string(i);
    const std::string many_ok = many + "}";
    const std::string many_dup = many + R"(,"m7":0})";
    const std::string cases[] = {
        R"({"alg":"HS256","alg":"HS256"})",
        R"({"alg":"HS256","alg":"none"})",
        R"({"alg":"HS256","kid":"a","kid":"b"})",
        R"({"alg":"HS256","x":{"a":1,"a":2}})",
        R"({"alg":"HS256","x":[{"a":1},{"b":1,"b":1}]})",
        many_dup,
    };
    for (const auto& h : cases) {
        INFO(h);
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set())) == name(errc::duplicate_member));
    }
    // The same name in different objects, and 21 distinct names, are fine.
    CHECK(jws::verify(sign_raw(R"({"alg":"HS256","x":{"a":1},"y":{"a":1}})", "p", hs256()), hs256_set()).has_value());
    CHECK(jws::verify(sign_raw(many_ok, "p", hs256()), hs256_set()).has_value());
}

TEST_CASE("RFC 7515 §2: the header segment is strict base64url", "[jose][jws]")
{
    const segments s = split(sign_raw(R"({"alg":"HS256"})", "p", hs256()));
    const std::pair<std::string, errc> cases[] = {
        {s.header + "=", errc::base64_invalid_padding},
        {s.header + "A", errc::base64_invalid_length},  // 4k+1 characters
        {"+" + s.header.substr(1), errc::base64_invalid_character},
        {s.header.substr(0, 4) + " " + s.header.substr(4), errc::base64_invalid_character},
        {s.header.substr(0, 4) + "%3d" + s.header.substr(4), errc::base64_invalid_character},
    };
    for (const auto& [h, e] : cases) {
        INFO(h);
        CHECK(outcome(jws::verify(h + "." + s.payload + "." + s.signature, hs256_set())) == name(e));
    }
    // A non-canonical last character: the header {"alg":"HS256"} is 15 octets (20 characters, no
    // unused bits), so use one whose length leaves unused bits.
    const std::string h = b64(R"({"alg":"HS256","x":12})");  // 22 octets: 30 characters, 4 unused bits
    REQUIRE(h.size() % 4 == 2);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string bad = h;
    bad.back() = alphabet[alphabet.find(bad.back()) ^ 0x01];
    CHECK(outcome(jws::verify(sign_segments(bad, b64("p"), hs256()), hs256_set())) == name(errc::base64_noncanonical));
}

TEST_CASE("RFC 7515 §5.2 step 6: the payload segment is strict base64url too, after the signature", "[jose][jws]")
{
    // Signed by the key holder, so the signature is valid; the payload is still not base64url.
    const std::string h = b64(R"({"alg":"HS256"})");
    const std::pair<std::string, errc> cases[] = {
        {b64("payload") + "=", errc::base64_invalid_padding},
        {"cGF5bG9hZA+", errc::base64_invalid_character},
        {"cGF5 bG9hZA", errc::base64_invalid_character},
        {"cGF5bG9hZAB", errc::base64_noncanonical},  // 11 characters: the last has an unused bit set
        {"cGF5bG9hZ", errc::base64_invalid_length},
    };
    for (const auto& [p, e] : cases) {
        INFO(p);
        const std::string t = sign_segments(h, p, hs256());
        CHECK(outcome(jws::verify(t, hs256_set())) == name(e));
        CHECK(outcome(jwt::verifier(hs256_set(), at_T()).verify(t)) == name(e));
    }
    // Not looked at before the signature: a forged token with a bad payload is bad_signature.
    segments forged = split(sign_segments(h, "cGF5bG9hZA+", hs256()));
    forged.signature = split(sign_raw(R"({"alg":"HS256"})", "x", hs256())).signature;
    CHECK(outcome(jws::verify(forged.join(), hs256_set())) == name(errc::bad_signature));
}

TEST_CASE("RFC 7515 §4.1.11: crit rules (unsupported_critical_header) and understood extensions", "[jose][jws]")
{
    const std::string_view understood[] = {"ext", "other"};
    const jose::jws_options opt{.understood_critical = understood};
    const std::pair<std::string, std::string> refused[] = {
        {R"({"alg":"HS256","crit":[]})", "empty list"},
        {R"({"alg":"HS256","crit":["alg"]})", "registered name"},
        {R"({"alg":"HS256","crit":["kid"],"kid":"a"})", "registered name"},
        {R"({"alg":"HS256","crit":["typ"],"typ":"JWT"})", "registered name"},
        {R"({"alg":"HS256","crit":["ext"]})", "name not in the header"},
        {R"({"alg":"HS256","crit":["ext","ext"],"ext":1})", "duplicate names"},
        {R"({"alg":"HS256","crit":["ext","unknown"],"ext":1,"unknown":1})", "a name not understood"},
        {R"({"alg":"HS256","crit":["unknown"],"unknown":1})", "a name not understood"},
        {R"({"alg":"HS256","crit":"ext","ext":1})", "not an array"},
        {R"({"alg":"HS256","crit":{"ext":1},"ext":1})", "not an array"},
        {R"({"alg":"HS256","crit":[1],"ext":1})", "not a string"},
        {R"({"alg":"HS256","crit":null})", "null"},
    };
    for (const auto& [h, why] : refused) {
        INFO(why << ": " << h);
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set(), opt)) ==
              name(errc::unsupported_critical_header));
    }
    // Understood and present: accepted, in any order and with several.
    for (const char* h :
         {R"({"alg":"HS256","crit":["ext"],"ext":1})", R"({"ext":{"x":1},"crit":["ext"],"alg":"HS256"})",
          R"({"alg":"HS256","crit":["ext","other"],"ext":1,"other":"y"})"}) {
        INFO(h);
        const auto r = jws::verify(sign_raw(h, "p", hs256()), hs256_set(), opt);
        INFO(outcome(r));
        CHECK(r.has_value());
        // Without understood_critical, the same token is refused.
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set())) == name(errc::unsupported_critical_header));
    }
    // The same through jwt::verifier and policy::understood_critical.
    jwt::policy p = at_T();
    p.understood_critical = {"ext"};
    const jwt::verifier v{hs256_set(), std::move(p)};
    CHECK(v.verify(sign_raw(R"({"alg":"HS256","crit":["ext"],"ext":1})", with_exp(""), hs256())).has_value());
    CHECK(outcome(v.verify(sign_raw(R"({"alg":"HS256","crit":["other"],"other":1})", with_exp(""), hs256()))) ==
          name(errc::unsupported_critical_header));
}

TEST_CASE("RFC 7797 §6: \"b64\" cannot be understood_critical (the payload is always base64url here)", "[jose][jws]")
{
    // A token signed over the raw payload "$.02" with "b64":false (RFC 7797 §4.2's example shape,
    // here with HS256 and our key): its signature verifies, and a verifier that "understood" b64
    // would then hand out the base64url *decoding* of "$.02" as the payload, or refuse the payload
    // as bad base64 after accepting the signature. Either way, the option is refused outright.
    const std::string_view with_b64[] = {"ext", "b64"};
    const jose::jws_options opt{.understood_critical = with_b64};
    const std::string h = R"({"alg":"HS256","b64":false,"crit":["b64"]})";
    const std::string input = b64(h) + ".e30";  // payload segment "e30" = base64url("{}"), raw octets "e30"
    std::array<std::byte, 64> sig{};
    const auto n = hs256().sign(apiauth::detail::as_bytes(input), sig);
    REQUIRE(n.has_value());
    const std::string token =
        input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
    CHECK(outcome(jws::verify(token, hs256_set(), opt)) == name(errc::invalid_configuration));
    // Refused for any token, not only one that uses b64.
    CHECK(outcome(jws::verify(sign_raw(R"({"alg":"HS256"})", "p", hs256()), hs256_set(), opt)) ==
          name(errc::invalid_configuration));
    // Without it in the list, a b64 token is unsupported_critical_header (RFC 7515 §4.1.11).
    CHECK(outcome(jws::verify(token, hs256_set())) == name(errc::unsupported_critical_header));
    // jwt::verifier refuses such a policy when built, as it does other policy mistakes.
    jwt::policy p = at_T();
    p.understood_critical = {"ext", "b64"};
    CHECK_THROWS_AS(jwt::verifier(hs256_set(), std::move(p)), std::invalid_argument);
    jwt::policy ok = at_T();
    ok.understood_critical = {"ext"};
    CHECK_NOTHROW(jwt::verifier(hs256_set(), std::move(ok)));
}

TEST_CASE("RFC 7515 §4.1.9: jws_options::typ compares typ as a media type (wrong_token_type)", "[jose][jws]")
{
    const jose::jws_options opt{.typ = "JOSE"};
    for (const char* typ : {"JOSE", "jose", "application/jose", "Application/JOSE"}) {
        INFO(typ);
        const std::string h = std::string(R"({"alg":"HS256","typ":")") + typ + "\"}";
        CHECK(jws::verify(sign_raw(h, "p", hs256()), hs256_set(), opt).has_value());
    }
    for (const char* h : {R"({"alg":"HS256"})", R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"HS256","typ":""})",
                          R"({"alg":"HS256","typ":"text/jose"})", R"({"alg":"HS256","typ":"jose+json"})"}) {
        INFO(h);
        CHECK(outcome(jws::verify(sign_raw(h, "p", hs256()), hs256_set(), opt)) == name(errc::wrong_token_type));
    }
}

TEST_CASE("jws_options::max_size: a token one octet longer than the bound is token_too_large", "[jose][jws]")
{
    const std::string t = sign_raw(R"({"alg":"HS256"})", std::string(100, 'p'), hs256());
    CHECK(jws::verify(t, hs256_set(), {.max_size = t.size()}).has_value());
    CHECK(outcome(jws::verify(t, hs256_set(), {.max_size = t.size() - 1})) == name(errc::token_too_large));
    // The default bound is 16 KiB, checked before anything else (even a malformed token).
    const std::string big = sign_raw(R"({"alg":"HS256"})", std::string(13'000, 'p'), hs256());
    REQUIRE(big.size() > 16 * 1024);
    CHECK(outcome(jws::verify(big, hs256_set())) == name(errc::token_too_large));
    CHECK(outcome(jws::verify(std::string(16 * 1024 + 1, '.'), hs256_set())) == name(errc::token_too_large));
    CHECK(outcome(jws::verify(std::string(16 * 1024, '.'), hs256_set())) == name(errc::jws_malformed));
    // And through the jwt policy.
    jwt::policy p = at_T();
    p.require = {};
    p.max_size = t.size() - 1;
    CHECK(outcome(jwt::verifier(hs256_set(), std::move(p)).verify(t)) == name(errc::token_too_large));
}

TEST_CASE("RFC 8725 §3.10: a jwk, jku, x5u or x5c in the header is never used to find a key", "[jose][jws]")
{
    // The attacker's own ES256 key, embedded in the header (Wycheproof rejectsAttackerProvidedEmbeddedJwk).
    const auto attacker = jose::key::generate(algorithm::es256, "attacker");
    const auto victim = jose::key::generate(algorithm::es256, "victim");
    REQUIRE(attacker.has_value());
    REQUIRE(victim.has_value());
    const json attacker_jwk = attacker->to_jwk(false).value();
    const jose::key_set trusted(*victim);

    for (const char* member : {"jwk", "jku", "x5u", "x5c"}) {
        INFO(member);
        json h = {{"alg", "ES256"}};
        if (std::string_view(member) == "jwk")
            h[member] = attacker_jwk;
        else if (std::string_view(member) == "x5c")
            h[member] = json::array({"MIIB"});
        else
            h[member] = "https://attacker.example/keys";
        // No kid: the set's one ES256 key is chosen, and the attacker's signature does not verify with it.
        CHECK(outcome(jws::verify(sign_raw(h.dump(), "p", *attacker), trusted)) == name(errc::bad_signature));
        // An empty set stays empty.
        CHECK(outcome(jws::verify(sign_raw(h.dump(), "p", *attacker), jose::key_set())) == name(errc::unknown_key));
        // The attacker's kid is not in the set.
        h["kid"] = "attacker";
        CHECK(outcome(jws::verify(sign_raw(h.dump(), "p", *attacker), trusted)) == name(errc::unknown_key));
        // The same members in a token of the trusted key do not stop it from verifying.
        h["kid"] = "victim";
        const auto ok = jws::verify(sign_raw(h.dump(), "p", *victim), trusted);
        INFO(outcome(ok));
        CHECK(ok.has_value());
    }
}

TEST_CASE("RFC 7515 §7.1: jws::verify accepts any payload octets (Wycheproof-style non-JSON payloads)", "[jose][jws]")
{
    const std::pair<std::string, errc> payloads[] = {
        {"foo", errc::invalid_claims},
        {"[1,2]", errc::invalid_claims},
        {"\"str\"", errc::invalid_claims},
        {std::string("\0\x01\xff\xfe", 4), errc::invalid_claims},
        {"{\"a\":1,\"a\":2}", errc::duplicate_member},
        {std::string(3000, 'x'), errc::invalid_claims},
    };
    for (const auto& [p, jwt_error] : payloads) {
        INFO(p.size());
        const std::string t = sign_raw(R"({"alg":"HS256"})", p, hs256());
        const auto v = jws::verify(t, hs256_set());
        INFO(outcome(v));
        REQUIRE(v.has_value());
        CHECK(v->payload() == p);
        // The JWT layer asks for a claims object of unique names (RFC 7519 §7.2 step 10).
        jwt::policy pol = at_T();
        pol.require = {};
        CHECK(outcome(jwt::verifier(hs256_set(), std::move(pol)).verify(t)) == name(jwt_error));
    }
}

TEST_CASE("jws::verified: views into the token and the key set", "[jose][jws]")
{
    const std::string t = sign_raw(R"({"alg":"HS256","typ":"JOSE"})", "payload", hs256());
    const segments s = split(t);
    const auto v = jws::verify(t, hs256_set());
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::hs256);
    CHECK(&v->key() == &*hs256_set().begin());
    CHECK(v->header_b64() == s.header);
    CHECK(v->payload_b64() == s.payload);
    CHECK(v->signature_b64() == s.signature);
    CHECK(v->signing_input() == s.header + "." + s.payload);
    CHECK(v->header_json() == R"({"alg":"HS256","typ":"JOSE"})");
    CHECK(v->payload() == "payload");
    CHECK(v->signing_input().data() == t.data());  // a view, not a copy
}

TEST_CASE("RFC 7515 §5.2: the signature covers header and payload: segments moved between tokens fail", "[jose][jws]")
{
    const segments a = split(sign_raw(R"({"alg":"HS256"})", "a", hs256()));
    const segments b = split(sign_raw(R"({"alg":"HS256","typ":"JWT"})", "b", hs256()));
    CHECK(outcome(jws::verify(a.header + "." + b.payload + "." + a.signature, hs256_set())) ==
          name(errc::bad_signature));
    CHECK(outcome(jws::verify(b.header + "." + a.payload + "." + a.signature, hs256_set())) ==
          name(errc::bad_signature));
    CHECK(outcome(jws::verify(a.header + "." + a.payload + "." + b.signature, hs256_set())) ==
          name(errc::bad_signature));
}

// ---- jws::sign ----------------------------------------------------------------------------------------------

TEST_CASE("RFC 7515 §5.1: jws::sign adds alg and the key's kid and keeps other header members", "[jose][jws]")
{
    const auto k = jose::key::from_secret(algorithm::hs384, std::string(48, 's'), "k1");
    REQUIRE(k.has_value());
    const auto t = jws::sign(R"({"typ":"JOSE","x":[1,{"y":2}]})", "payload", *k);
    REQUIRE(t.has_value());
    CHECK(b64d(split(*t).header) == R"({"alg":"HS384","kid":"k1","typ":"JOSE","x":[1,{"y":2}]})");
    CHECK(b64d(split(*t).payload) == "payload");
    CHECK(jws::verify(*t, jose::key_set(*k)).has_value());
    // A kid already in the header is kept (the caller's choice).
    const auto own = jws::sign(R"({"kid":"mine"})", "p", *k);
    REQUIRE(own.has_value());
    CHECK(b64d(split(*own).header) == R"({"alg":"HS384","kid":"mine"})");
    // Binary payload octets.
    const std::string bin("\0\xff\x80", 3);
    const auto tb = jws::sign("{}", std::span<const std::byte>(reinterpret_cast<const std::byte*>(bin.data()), 3), *k);
    REQUIRE(tb.has_value());
    CHECK(jws::verify(*tb, jose::key_set(*k)).value().payload() == bin);
}

TEST_CASE("jws::sign: errors (key_algorithm_mismatch, jws_invalid_header, not_a_signing_key)", "[jose][jws]")
{
    CHECK(outcome(jws::sign(R"({"alg":"HS512"})", "p", hs256())) == name(errc::key_algorithm_mismatch));
    CHECK(outcome(jws::sign(R"({"alg":"hs256"})", "p", hs256())) == name(errc::key_algorithm_mismatch));
    CHECK(outcome(jws::sign(R"({"alg":"none"})", "p", hs256())) == name(errc::key_algorithm_mismatch));
    CHECK(outcome(jws::sign(R"({"alg":1})", "p", hs256())) == name(errc::key_algorithm_mismatch));
    for (const char* h : {"", "[]", "null", "\"x\"", "{", R"({"a":1,"a":2})", R"({"x":{"a":1,"a":2}})"}) {
        INFO(h);
        CHECK(outcome(jws::sign(h, "p", hs256())) == name(errc::jws_invalid_header));
    }
    const auto pub = jose::key::from_jwk(jose::key::generate(algorithm::es256).value().to_jwk(false).value());
    REQUIRE(pub.has_value());
    CHECK(outcome(jws::sign("{}", "p", *pub)) == name(errc::not_a_signing_key));
}

// =====================================================================================================
// jwt::verifier
// =====================================================================================================

TEST_CASE("RFC 7519 §7.2: a valid JWT verifies and its registered claims are read", "[jose][jwt]")
{
    const std::string payload =
        R"({"iss":"https://as.example.com","sub":"alice","aud":"https://api.example.com","exp":1700000600,)"
        R"("nbf":1699999990,"iat":1699999999,"jti":"id-1","scope":"read write","client_id":"c1"})";
    jwt::policy p = at_T();
    p.issuer = "https://as.example.com";
    p.audience = "https://api.example.com";
    p.require = {"exp", "iat", "sub", "jti", "client_id"};
    const jwt::verifier v{hs256_set(), std::move(p)};
    const auto r = v.verify(sign_raw(R"({"alg":"HS256","typ":"at+jwt"})", payload, hs256()));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    const jwt::claims& c = r->claims();
    CHECK(r->alg() == algorithm::hs256);
    CHECK(&r->key() == &*v.keys().begin());
    CHECK(c.iss() == "https://as.example.com");
    CHECK(c.sub() == "alice");
    CHECK(c.jti() == "id-1");
    CHECK(c.scope() == "read write");
    CHECK(c.client_id() == "c1");
    CHECK(c.exp() == 1700000600.0);
    CHECK(c.nbf() == 1699999990.0);
    CHECK(c.iat() == 1699999999.0);
    CHECK(c.aud().size() == 1);
    CHECK(c.aud()[0] == "https://api.example.com");
    CHECK(c.json() == payload);
    CHECK(v.policy().issuer == "https://as.example.com");
}

TEST_CASE("verify_into: a verified reused after a failure shows none of the earlier token's claims", "[jose][jwt]")
{
    // detail::jwt_verifier_access::verify_into writes a verification where its caller keeps it
    // (authenticate_api's identity) and may be given one that a failed call left. The claims
    // reader sets what it finds and leaves the rest: without the reset, a later token without
    // sub, scope or a declared claim would show the earlier token's.
    using apiauth::detail::jwt_verifier_access;
    static constexpr jwt::string_claim tenant{"tenant"};
    jwt::policy p = at_T();
    p.declare = {tenant};
    const jwt::verifier v{hs256_set(), std::move(p)};
    jwt::verified out = jwt_verifier_access::empty();
    const std::string first = sign_raw(
        R"({"alg":"HS256"})", with_exp(R"("sub":"alice","scope":"admin","aud":["a","b"],"tenant":"t1")"), hs256());
    // 1. A token that fails after its claims were read (expired): out holds alice's claims.
    const std::string expired =
        sign_raw(R"({"alg":"HS256"})", R"({"sub":"alice","scope":"admin","tenant":"t1","exp":1600000000})", hs256());
    CHECK(jwt_verifier_access::verify_into(v, expired, out) == apiauth::errc::token_expired);
    // 2. Then a valid token with none of those claims, into the same object.
    const std::string bare = sign_raw(R"({"alg":"HS256"})", with_exp(""), hs256());
    REQUIRE_FALSE(jwt_verifier_access::verify_into(v, bare, out));
    CHECK_FALSE(out.claims().sub().has_value());
    CHECK_FALSE(out.claims().scope().has_value());
    CHECK(out.claims().aud().size() == 0);
    CHECK_FALSE(out.claims().get(tenant).has_value());
    CHECK(out.claims().json() == with_exp(""));
    // 3. And after a success too: the first token, then the bare one again.
    REQUIRE_FALSE(jwt_verifier_access::verify_into(v, first, out));
    CHECK(out.claims().sub() == "alice");
    CHECK(out.claims().get(tenant) == "t1");
    CHECK(out.claims().aud().size() == 2);
    REQUIRE_FALSE(jwt_verifier_access::verify_into(v, bare, out));
    CHECK_FALSE(out.claims().sub().has_value());
    CHECK(out.claims().aud().size() == 0);
    // 4. A token whose signature fails leaves nothing readable as verified: the caller drops
    // it, and the next verify_into starts clean.
    std::string forged = first;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    CHECK(jwt_verifier_access::verify_into(v, forged, out) == apiauth::errc::bad_signature);
    REQUIRE_FALSE(jwt_verifier_access::verify_into(v, bare, out));
    CHECK_FALSE(out.claims().sub().has_value());
}

TEST_CASE("RFC 9068 §4 step 3: the issuer is compared exactly (wrong_issuer)", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.issuer = "https://as.example.com";
    CHECK(verify_claims(with_exp(R"("iss":"https://as.example.com")"), p) == "ok");
    for (const char* iss : {"https://as.example.com/", "https://AS.example.com", "https://as.example.com ",
                            "http://as.example.com", "https://as.example.com/.", ""}) {
        INFO(iss);
        CHECK(verify_claims(with_exp(std::string(R"("iss":")") + iss + "\""), p) == name(errc::wrong_issuer));
    }
    CHECK(verify_claims(with_exp(""), p) == name(errc::wrong_issuer));  // absent
    // A policy issuer with a trailing slash does not match the token's without.
    p.issuer = "https://as.example.com/";
    CHECK(verify_claims(with_exp(R"("iss":"https://as.example.com")"), p) == name(errc::wrong_issuer));
    CHECK(verify_claims(with_exp(R"("iss":"https://as.example.com/")"), p) == "ok");
    // An escaped spelling is the same string.
    CHECK(verify_claims(with_exp(R"("iss":"https:\/\/as.example.com\/")"), p) == "ok");
}

TEST_CASE("RFC 7519 §4.1.3: aud is a string or an array, any-of against the policy (wrong_audience)", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.audience = {"https://a.example", "https://b.example"};
    CHECK(verify_claims(with_exp(R"("aud":"https://a.example")"), p) == "ok");
    CHECK(verify_claims(with_exp(R"("aud":"https://b.example")"), p) == "ok");
    CHECK(verify_claims(with_exp(R"("aud":["https://x.example","https://b.example"])"), p) == "ok");
    CHECK(verify_claims(with_exp(R"("aud":["https://a.example","https://b.example"])"), p) == "ok");
    CHECK(verify_claims(with_exp(R"("aud":"https://c.example")"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(R"("aud":"https://A.example")"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(R"("aud":"https://a.example/")"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(R"("aud":["https://x.example"])"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(R"("aud":[])"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(R"("aud":"")"), p) == name(errc::wrong_audience));
    CHECK(verify_claims(with_exp(""), p) == name(errc::wrong_audience));  // absent
    // Many audiences (more than the inline eight), the match last.
    std::string many = R"("aud":[)";
    for (int i = 0; i < 20; ++i) many += "\"https://x" + std::to_string(i) + ".example\",";
    CHECK(verify_claims(with_exp(many + R"("https://b.example"])"), p) == "ok");
    CHECK(verify_claims(with_exp(many + R"("https://c.example"])"), p) == name(errc::wrong_audience));
    // Without an audience in the policy, aud is not checked (but its type is).
    CHECK(verify_claims(with_exp(R"("aud":"anything")")) == "ok");
    CHECK(verify_claims(with_exp(R"("aud":1)")) == name(errc::invalid_claim_type));
}

TEST_CASE("RFC 8725 §3.11 / RFC 9068 §4 step 1: typ is compared as a media type (wrong_token_type)", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.typ = "at+jwt";
    for (const char* typ : {"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "APPLICATION/AT+JWT"}) {
        INFO(typ);
        CHECK(verify_claims(with_exp(""), p, std::string(R"({"alg":"HS256","typ":")") + typ + "\"}") == "ok");
    }
    for (const char* typ :
         {"JWT", "jwt", "at+jwt ", " at+jwt", "application/jwt", "text/at+jwt", "at+jwt; charset=UTF-8",
          "application/at+jwt/x", "application/", "/at+jwt", "", "at jwt", "application/at+jwtx"}) {
        INFO(typ);
        CHECK(verify_claims(with_exp(""), p, std::string(R"({"alg":"HS256","typ":")") + typ + "\"}") ==
              name(errc::wrong_token_type));
    }
    CHECK(verify_claims(with_exp(""), p) == name(errc::wrong_token_type));  // no typ
    // A policy written with the prefix accepts the short form.
    p.typ = "application/at+jwt";
    CHECK(verify_claims(with_exp(""), p, R"({"alg":"HS256","typ":"at+jwt"})") == "ok");
    // No typ in the policy: typ is not checked (only its type).
    CHECK(verify_claims(with_exp(""), at_T(), R"({"alg":"HS256","typ":"anything/at-all"})") == "ok");
    CHECK(verify_claims(with_exp(""), at_T(), R"({"alg":"HS256","typ":1})") == name(errc::jws_invalid_header));
}

TEST_CASE("RFC 7519 §4.1.4: exp with leeway, at its exact edges (token_expired)", "[jose][jwt]")
{
    const std::string c = R"({"exp":1700000000})";
    const auto check_at = [&](double now, std::chrono::seconds leeway) {
        jwt::policy p;
        p.clock = at(now);
        p.leeway = leeway;
        return verify_claims(c, std::move(p));
    };
    // Valid while now < exp (+ leeway): at exp it has expired.
    CHECK(check_at(T - 1, std::chrono::seconds(0)) == "ok");
    CHECK(check_at(T - 0.001, std::chrono::seconds(0)) == "ok");
    CHECK(check_at(T, std::chrono::seconds(0)) == name(errc::token_expired));
    CHECK(check_at(T + 1, std::chrono::seconds(0)) == name(errc::token_expired));
    CHECK(check_at(T + 29.999, std::chrono::seconds(30)) == "ok");
    CHECK(check_at(T + 30, std::chrono::seconds(30)) == name(errc::token_expired));
    CHECK(check_at(T + 31, std::chrono::seconds(30)) == name(errc::token_expired));
}

TEST_CASE("RFC 7519 §4.1.5: nbf with leeway, at its exact edges (token_not_yet_valid)", "[jose][jwt]")
{
    const std::string c = R"({"nbf":1700000000,"exp":1800000000})";
    const auto check_at = [&](double now, std::chrono::seconds leeway) {
        jwt::policy p;
        p.clock = at(now);
        p.leeway = leeway;
        return verify_claims(c, std::move(p));
    };
    CHECK(check_at(T, std::chrono::seconds(0)) == "ok");  // valid from nbf on
    CHECK(check_at(T + 1, std::chrono::seconds(0)) == "ok");
    CHECK(check_at(T - 0.001, std::chrono::seconds(0)) == name(errc::token_not_yet_valid));
    CHECK(check_at(T - 30, std::chrono::seconds(30)) == "ok");
    CHECK(check_at(T - 30.001, std::chrono::seconds(30)) == name(errc::token_not_yet_valid));
}

TEST_CASE("RFC 7519 §4.1.6: iat later than now plus leeway is token_issued_in_future (unless allowed)", "[jose][jwt]")
{
    const std::string c = R"({"iat":1700000001,"exp":1800000000})";
    jwt::policy p = at_T();
    CHECK(verify_claims(c, p) == name(errc::token_issued_in_future));
    CHECK(verify_claims(R"({"iat":1700000000,"exp":1800000000})", p) == "ok");  // iat == now
    CHECK(verify_claims(R"({"iat":1700000000.001,"exp":1800000000})", p) == name(errc::token_issued_in_future));
    p.leeway = std::chrono::seconds(1);
    CHECK(verify_claims(c, p) == "ok");
    p.leeway = std::chrono::seconds(0);
    p.reject_future_iat = false;
    CHECK(verify_claims(c, p) == "ok");
}

TEST_CASE("RFC 7519 §2: NumericDates may be fractional or large", "[jose][jwt]")
{
    {
        jwt::policy p;
        p.clock = at(T + 0.4);
        CHECK(verify_claims(R"({"exp":1700000000.5})", p) == "ok");
        p.clock = at(T + 0.5);
        CHECK(verify_claims(R"({"exp":1700000000.5})", p) == name(errc::token_expired));
    }
    const jwt::verifier v{hs256_set(), at_T()};
    const auto r = v.verify(sign_raw(R"({"alg":"HS256"})", R"({"exp":1700000000.5e0,"iat":1.7e9})", hs256()));
    REQUIRE(r.has_value());
    CHECK(r->claims().exp() == 1700000000.5);
    CHECK(r->claims().iat() == 1.7e9);
    // Far future and far past.
    CHECK(verify_claims(R"({"exp":1e300})") == "ok");
    CHECK(verify_claims(R"({"exp":18446744073709551615})") == "ok");  // the largest uint64
    CHECK(verify_claims(R"({"exp":9223372036854775807})") == "ok");   // the largest int64
    CHECK(verify_claims(R"({"exp":-1e300})") == name(errc::token_expired));
    CHECK(verify_claims(R"({"exp":-1})") == name(errc::token_expired));
    CHECK(verify_claims(R"({"exp":0})") == name(errc::token_expired));
    CHECK(verify_claims(R"({"exp":1e300,"nbf":1e300})") == name(errc::token_not_yet_valid));
    CHECK(verify_claims(R"({"exp":1e300,"iat":1e300})") == name(errc::token_issued_in_future));
    CHECK(verify_claims(R"({"exp":1e300,"nbf":-1e300,"iat":-1e300})") == "ok");
    // Numbers JSON can write but a double cannot hold: the parser refuses the document.
    CHECK(verify_claims(R"({"exp":1e400})") == name(errc::invalid_claims));
    CHECK(verify_claims(R"({"exp":123456789012345678901234567890})") == name(errc::invalid_claims));
}

TEST_CASE("RFC 7519 §4.1: registered claims of the wrong JSON type are invalid_claim_type", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.require = {};
    const char* cases[] = {
        R"({"iss":1})",        R"({"iss":null})",    R"({"iss":["a"]})", R"({"sub":true})",
        R"({"sub":{}})",       R"({"jti":1})",       R"({"jti":[]})",    R"({"client_id":1})",
        R"({"client_id":{}})", R"({"scope":["a"]})", R"({"scope":1})",   R"({"exp":"1800000000"})",
        R"({"exp":null})",     R"({"exp":true})",    R"({"exp":[1]})",   R"({"nbf":"0"})",
        R"({"nbf":{}})",       R"({"iat":"0"})",     R"({"iat":false})", R"({"aud":1})",
        R"({"aud":null})",     R"({"aud":{}})",      R"({"aud":[1]})",   R"({"aud":["a",null]})",
        R"({"aud":[["a"]]})",  R"({"aud":true})",
    };
    for (const char* c : cases) {
        INFO(c);
        std::string r;
        CHECK_NOTHROW(r = verify_claims(c, p));
        CHECK(r == name(errc::invalid_claim_type));
    }
    // Other claims may have any type.
    CHECK(verify_claims(R"({"exp":1800000000,"typ":1,"custom":null,"roles":{"a":[1,2]}})") == "ok");
}

TEST_CASE("jwt::policy::require: registered and custom claims must be present (missing_claim)", "[jose][jwt]")
{
    CHECK(verify_claims(R"({"sub":"a"})") == name(errc::missing_claim));  // exp by default
    jwt::policy p = at_T();
    p.require = {"exp", "sub", "iat", "jti", "aud", "iss", "nbf", "scope", "client_id", "tenant"};
    const std::string all = R"({"exp":1800000000,"sub":"a","iat":1,"jti":"j","aud":"x","iss":"i","nbf":1,)"
                            R"("scope":"s","client_id":"c","tenant":null})";
    CHECK(verify_claims(all, p) == "ok");
    // Each one missing in turn.
    const json full = json::parse(all);
    for (const auto& [k, v] : full.items()) {
        INFO(k);
        json less = full;
        less.erase(k);
        CHECK(verify_claims(less.dump(), p) == name(errc::missing_claim));
    }
    // No requirement: a token without exp passes.
    p.require = {};
    CHECK(verify_claims(R"({"sub":"a"})", p) == "ok");
    CHECK(verify_claims("{}", p) == "ok");
    // The requirement comes before the issuer check: a missing iss is missing_claim when required.
    p.require = {"iss"};
    p.issuer = "https://as.example.com";
    CHECK(verify_claims("{}", p) == name(errc::missing_claim));
}

TEST_CASE("RFC 7519 §7.2 step 10: the payload must be a JSON object of valid UTF-8 (invalid_claims)", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.require = {};
    const std::string cases[] = {"",
                                 "[]",
                                 "[{\"exp\":1}]",
                                 "\"claims\"",
                                 "1",
                                 "null",
                                 "true",
                                 "foo",
                                 "{",
                                 "{\"exp\":1800000000",
                                 "{\"exp\":1800000000} {}",
                                 "{\"exp\":1800000000,}",
                                 "{\"sub\":\"\xff\",\"exp\":1800000000}",
                                 "{\"x\":\"\xed\xa0\x80\"}",
                                 std::string("{\"exp\":1800000000}\0", 19)};
    for (const auto& c : cases) {
        INFO(c);
        CHECK(verify_claims(c, p) == name(errc::invalid_claims));
    }
}

TEST_CASE("RFC 7519 §4: duplicate claim names at any depth are duplicate_member", "[jose][jwt]")
{
    std::string many = R"({"exp":1800000000)";
    for (int i = 0; i < 20; ++i) many += ",\"c" + std::to_string(i) + "\":" + std::to_string(i);
    std::string nested_many = R"({"exp":1800000000,"obj":{"z":0)";
    for (int i = 0; i < 20; ++i) nested_many += ",\"c" + std::to_string(i) + "\":" + std::to_string(i);
    const std::string cases[] = {
        R"({"exp":1800000000,"exp":1800000000})",
        R"({"sub":"a","exp":1800000000,"sub":"a"})",
        R"({"exp":1800000000,"custom":1,"custom":2})",
        R"({"exp":1800000000,"x":{"a":1,"a":2}})",
        R"({"exp":1800000000,"x":{"y":{"z":{"a":1,"a":1}}}})",
        R"({"exp":1800000000,"x":[{"a":1},{"b":1,"b":2}]})",
        R"({"exp":1800000000,"x":[[[{"a":1,"a":2}]]]})",
        many + R"(,"c3":3})",
        nested_many + R"(,"c3":3}})",
    };
    for (const auto& c : cases) {
        INFO(c);
        CHECK(verify_claims(c) == name(errc::duplicate_member));
    }
    CHECK(verify_claims(many + "}") == "ok");
    CHECK(verify_claims(nested_many + "}}") == "ok");
    CHECK(verify_claims(R"({"exp":1800000000,"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":1}]})") == "ok");
}

TEST_CASE("jwt::verifier: claims nested deeper than 64 levels are refused as invalid_claims", "[jose][jwt]")
{
    // detail/json.hpp check_members: nesting past max_json_depth (64) is malformed, not a duplicate.
    const auto nested = [](int depth) {
        return R"({"exp":1800000000,"x":)" + std::string(static_cast<std::size_t>(depth), '[') + "1" +
               std::string(static_cast<std::size_t>(depth), ']') + "}";
    };
    CHECK(verify_claims(nested(60)) == "ok");
    CHECK(verify_claims(nested(70)) == name(errc::invalid_claims));
}

TEST_CASE("RFC 7519 §7.2: the signature is checked before the claims (a forged token is bad_signature)", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.issuer = "https://as.example.com";
    p.audience = "https://api.example.com";
    p.require = {"exp", "sub"};
    const jwt::verifier v{hs256_set(), std::move(p)};
    const std::string forged_sig = split(sign_raw(R"({"alg":"HS256"})", "other", hs256())).signature;
    const std::pair<std::string, errc> cases[] = {
        {R"({"iss":"https://as.example.com","aud":"https://api.example.com","exp":1,"sub":"a"})", errc::token_expired},
        {R"({"iss":"evil","aud":"https://api.example.com","exp":1800000000,"sub":"a"})", errc::wrong_issuer},
        {R"({"iss":"https://as.example.com","aud":"x","exp":1800000000,"sub":"a"})", errc::wrong_audience},
        {R"({"iss":"https://as.example.com","aud":"https://api.example.com","exp":1800000000})", errc::missing_claim},
        {"not json", errc::invalid_claims},
        {R"({"a":1,"a":1})", errc::duplicate_member},
        {R"({"exp":"x"})", errc::invalid_claim_type},
    };
    for (const auto& [c, e] : cases) {
        INFO(c);
        segments s = split(sign_raw(R"({"alg":"HS256"})", c, hs256()));
        CHECK(outcome(v.verify(s.join())) == name(e));  // genuine: the claims error
        s.signature = forged_sig;
        CHECK(outcome(v.verify(s.join())) == name(errc::bad_signature));  // forged: the signature error
    }
    // The header comes before the signature (RFC 7515 §5.2): a forged token with a bad header says so.
    segments s = split(sign_raw(R"({"alg":"HS512"})", R"({"exp":1800000000})",
                                jose::key::from_secret(algorithm::hs512, std::string(64, 'z')).value()));
    CHECK(outcome(v.verify(s.join())) == name(errc::unknown_key));
}

TEST_CASE("jwt::verifier: every verification error is a 401 invalid_token (RFC 6750 §3.1)", "[jose][jwt]")
{
    for (errc e : {errc::token_too_large,
                   errc::jws_malformed,
                   errc::jws_invalid_header,
                   errc::duplicate_member,
                   errc::unsupported_algorithm,
                   errc::unsupported_critical_header,
                   errc::unknown_key,
                   errc::ambiguous_key,
                   errc::algorithm_mismatch,
                   errc::bad_signature_length,
                   errc::bad_signature,
                   errc::invalid_claims,
                   errc::invalid_claim_type,
                   errc::missing_claim,
                   errc::wrong_token_type,
                   errc::wrong_issuer,
                   errc::wrong_audience,
                   errc::token_expired,
                   errc::token_not_yet_valid,
                   errc::token_issued_in_future,
                   errc::base64_invalid_character,
                   errc::base64_invalid_padding,
                   errc::base64_noncanonical,
                   errc::base64_invalid_length}) {
        INFO(name(e));
        CHECK(apiauth::http_status(e) == 401);
        CHECK(apiauth::oauth_error(e) == "invalid_token");
    }
}

TEST_CASE("jwt::verifier: a copy verifies on its own after the original is gone", "[jose][jwt]")
{
    jwt::policy p = at_T();
    p.issuer = "https://as.example.com";
    p.understood_critical = {"ext"};
    p.typ = "at+jwt";
    auto original = std::make_unique<jwt::verifier>(hs256_set(), std::move(p));
    const std::string t = sign_raw(R"({"alg":"HS256","typ":"at+jwt","crit":["ext"],"ext":1})",
                                   R"({"iss":"https://as.example.com","exp":1800000000})", hs256());
    REQUIRE(original->verify(t).has_value());  // fills the original's header cache
    const jwt::verifier copy(*original);
    original.reset();
    const auto r = copy.verify(t);
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK(&r->key() == &*copy.keys().begin());
    CHECK(copy.policy().issuer == "https://as.example.com");
    CHECK(outcome(copy.verify(sign_raw(R"({"alg":"HS256","typ":"at+jwt","crit":["other"],"other":1})",
                                       R"({"iss":"https://as.example.com","exp":1800000000})", hs256()))) ==
          name(errc::unsupported_critical_header));
}

TEST_CASE("jwt::verifier header cache: the same header many times, forged tokens in between", "[jose][jwt]")
{
    const jwt::verifier v{hs256_set(), at_T()};
    const std::string header = R"({"alg":"HS256","typ":"JWT"})";
    for (int i = 0; i < 50; ++i) {
        const std::string sub = "user-" + std::to_string(i);
        const std::string t = sign_raw(header, R"({"exp":1800000000,"sub":")" + sub + "\"}", hs256());
        const auto r = v.verify(t);
        INFO(i << ": " << outcome(r));
        REQUIRE(r.has_value());
        CHECK(r->claims().sub() == sub);
        segments forged = split(t);
        forged.payload = b64(R"({"exp":1800000000,"sub":"admin"})");
        CHECK(outcome(v.verify(forged.join())) == name(errc::bad_signature));
    }
}

TEST_CASE("jwt::verifier header cache: a forged token first does not make its header trusted", "[jose][jwt]")
{
    const jwt::verifier v{hs256_set(), at_T()};
    const std::string header = R"({"alg":"HS256","kid":null})";  // fails the header checks (kid not a string)
    const auto attacker = jose::key::from_secret(algorithm::hs256, std::string(32, 'A')).value();
    // A header that is fine but a signature by another key: rejected, twice (not cached after the first).
    const std::string forged = sign_raw(R"({"alg":"HS256","typ":"JWT"})", R"({"exp":1800000000})", attacker);
    CHECK(outcome(v.verify(forged)) == name(errc::bad_signature));
    CHECK(outcome(v.verify(forged)) == name(errc::bad_signature));
    // A header that fails its own checks is never cached either.
    CHECK(outcome(v.verify(sign_raw(header, R"({"exp":1800000000})", hs256()))) == name(errc::jws_invalid_header));
    CHECK(outcome(v.verify(sign_raw(header, R"({"exp":1800000000})", hs256()))) == name(errc::jws_invalid_header));
    // The genuine token with the same header as the forged one, then the forged one again.
    const std::string good = sign_raw(R"({"alg":"HS256","typ":"JWT"})", R"({"exp":1800000000})", hs256());
    CHECK(v.verify(good).has_value());
    CHECK(outcome(v.verify(forged)) == name(errc::bad_signature));
    CHECK(v.verify(good).has_value());
    // A cached header still gets every claims check.
    CHECK(outcome(v.verify(sign_raw(R"({"alg":"HS256","typ":"JWT"})", R"({"exp":1})", hs256()))) ==
          name(errc::token_expired));
}

TEST_CASE("jwt::verifier header cache: more distinct headers than cache slots, from several threads", "[jose][jwt]")
{
    std::vector<jose::key> keys;
    for (int i = 0; i < 12; ++i)
        keys.push_back(jose::key::from_secret(algorithm::hs256, std::string(32, static_cast<char>('a' + i)),
                                              "k" + std::to_string(i))
                           .value());
    const jwt::verifier v{jose::key_set::make(keys).value(), at_T()};
    std::vector<std::string> good, forged;
    for (int i = 0; i < 12; ++i) {
        const std::string h = R"({"alg":"HS256","kid":"k)" + std::to_string(i) + "\"}";
        good.push_back(
            sign_raw(h, R"({"exp":1800000000,"sub":")" + std::to_string(i) + "\"}", keys[static_cast<std::size_t>(i)]));
        forged.push_back(sign_raw(h, R"({"exp":1800000000})", keys[static_cast<std::size_t>((i + 1) % 12)]));
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 50; ++round) {
                for (std::size_t i = 0; i < good.size(); ++i) {
                    const std::size_t j = (i + static_cast<std::size_t>(t) * 3) % good.size();
                    const auto r = v.verify(good[j]);
                    if (!r || r->claims().sub() != std::to_string(j) || r->key().kid() != "k" + std::to_string(j))
                        ++failures;
                    const auto f = v.verify(forged[j]);
                    if (f || f.error() != errc::bad_signature) ++failures;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
}

// =====================================================================================================
// jwt::signer
// =====================================================================================================

TEST_CASE("jwt::signer: the header has alg, kid and typ, sign round-trips through the verifier for every algorithm",
          "[jose][jwt]")
{
    for (algorithm a : {algorithm::hs256, algorithm::hs384, algorithm::hs512, algorithm::rs256, algorithm::rs384,
                        algorithm::rs512, algorithm::ps256, algorithm::ps384, algorithm::ps512, algorithm::es256,
                        algorithm::es384, algorithm::es512, algorithm::es256k, algorithm::eddsa}) {
        const std::string alg(jose::name(a));
        INFO(alg);
        const auto k = jose::key::generate(a, "kid-1");
        REQUIRE(k.has_value());
        const auto s = jwt::signer::make(*k, "at+jwt");
        REQUIRE(s.has_value());
        CHECK(s->key().kid() == "kid-1");
        const json c = {{"iss", "https://as.example.com"}, {"sub", "alice"}, {"exp", 1800000000}};
        const auto t = s->sign(c);
        REQUIRE(t.has_value());
        CHECK(b64d(split(*t).header) == R"({"alg":")" + alg + R"(","kid":"kid-1","typ":"at+jwt"})");
        CHECK(b64d(split(*t).payload) == c.dump());
        jwt::policy p = at_T();
        p.typ = "at+jwt";
        p.issuer = "https://as.example.com";
        const jwt::verifier v{jose::key_set(*k), std::move(p)};
        const auto r = v.verify(*t);
        INFO(outcome(r));
        REQUIRE(r.has_value());
        CHECK(r->claims().sub() == "alice");
        CHECK(r->alg() == a);
    }
}

TEST_CASE("jwt::signer::make: typ defaults to JWT, empty typ leaves it out, no kid without one", "[jose][jwt]")
{
    const auto a = jwt::signer::make(hs256());
    REQUIRE(a.has_value());
    CHECK(b64d(split(a->sign(json::object()).value()).header) == R"({"alg":"HS256","typ":"JWT"})");
    const auto b = jwt::signer::make(hs256(), "");
    REQUIRE(b.has_value());
    CHECK(b64d(split(b->sign(json::object()).value()).header) == R"({"alg":"HS256"})");
}

TEST_CASE("jwt::signer: a key that cannot sign is not_a_signing_key", "[jose][jwt]")
{
    const auto priv = jose::key::generate(algorithm::es256);
    REQUIRE(priv.has_value());
    const auto pub = jose::key::from_jwk(priv->to_jwk(false).value());
    REQUIRE(pub.has_value());
    CHECK(outcome(jwt::signer::make(*pub)) == name(errc::not_a_signing_key));
    json verify_only = priv->to_jwk(true).value();
    verify_only["key_ops"] = {"verify"};
    const auto vo = jose::key::from_jwk(verify_only, {.allow_private = true});
    REQUIRE(vo.has_value());
    CHECK(outcome(jwt::signer::make(*vo)) == name(errc::not_a_signing_key));
}

TEST_CASE("jwt::signer::sign: claims must be a JSON object (invalid_claims)", "[jose][jwt]")
{
    const auto s = jwt::signer::make(hs256()).value();
    for (const json& c : {json::array(), json("x"), json(nullptr), json(1), json(true)}) {
        INFO(c.dump());
        CHECK(outcome(s.sign(c)) == name(errc::invalid_claims));
    }
}

TEST_CASE("jwt::sign_options: a lifetime beyond ±100 years is invalid_configuration (now + lifetime would overflow)",
          "[jose][jwt]")
{
    // RFC 7519 §4.1.4: exp is a NumericDate; now + seconds::max() was signed overflow (undefined
    // behaviour; in practice a token whose exp wrapped to a date long past).
    const auto s = jwt::signer::make(hs256()).value();
    for (const auto l :
         {std::chrono::seconds::max(), std::chrono::seconds::min(), jwt::max_sign_lifetime + std::chrono::seconds(1),
          -jwt::max_sign_lifetime - std::chrono::seconds(1)}) {
        INFO(l.count());
        CHECK(outcome(s.sign(json{{"sub", "a"}}, {.lifetime = l, .clock = at(T)})) ==
              name(errc::invalid_configuration));
    }
    // The bound itself is accepted, and refused even when the claims bring their own exp.
    CHECK(jwt::max_sign_lifetime == std::chrono::seconds(3'155'695'200));  // 100 Gregorian years
    const auto t = s.sign(json::object(), {.lifetime = jwt::max_sign_lifetime, .clock = at(T)});
    REQUIRE(outcome(t) == "ok");
    CHECK(json::parse(b64d(split(*t).payload)) == json{{"exp", 1700000000 + 3'155'695'200}});
    CHECK(outcome(s.sign(json{{"exp", 1}}, {.lifetime = std::chrono::seconds::max(), .clock = at(T)})) ==
          name(errc::invalid_configuration));
}

TEST_CASE("jwt::sign_options: iat, exp and jti are set only when absent", "[jose][jwt]")
{
    const auto s = jwt::signer::make(hs256()).value();
    const jwt::sign_options opt{
        .lifetime = std::chrono::seconds(300), .set_iat = true, .set_jti = true, .clock = at(T)};
    const auto payload_of = [](const std::string& t) { return json::parse(b64d(split(t).payload)); };

    const json added = payload_of(s.sign(json{{"sub", "a"}}, opt).value());
    CHECK(added.at("iat") == 1700000000);
    CHECK(added.at("exp") == 1700000300);
    const std::string jti = added.at("jti").get<std::string>();
    CHECK(jti.size() == 22);  // 128 bits, base64url
    CHECK(b64d(jti).size() == 16);
    CHECK(added.at("sub") == "a");
    // A second token gets another jti.
    CHECK(payload_of(s.sign(json{{"sub", "a"}}, opt).value()).at("jti") != jti);

    // Present values are kept.
    const json kept = payload_of(s.sign(json{{"iat", 5}, {"exp", 6}, {"jti", "mine"}}, opt).value());
    CHECK(kept == json{{"iat", 5}, {"exp", 6}, {"jti", "mine"}});
    // Default options add nothing.
    CHECK(payload_of(s.sign(json{{"sub", "a"}}).value()) == json{{"sub", "a"}});
    // Each option alone.
    CHECK(payload_of(s.sign(json::object(), {.set_iat = true, .clock = at(T)}).value()) == json{{"iat", 1700000000}});
    CHECK(payload_of(s.sign(json::object(), {.lifetime = std::chrono::seconds(60), .clock = at(T)}).value()) ==
          json{{"exp", 1700000060}});
    // A token made with the options verifies under a policy that requires what they add.
    jwt::policy p = at_T();
    p.require = {"exp", "iat", "jti"};
    CHECK(jwt::verifier(hs256_set(), std::move(p)).verify(s.sign(json::object(), opt).value()).has_value());
    // The new_jti helper.
    const auto j1 = jwt::new_jti(), j2 = jwt::new_jti();
    REQUIRE(j1.has_value());
    REQUIRE(j2.has_value());
    CHECK(j1->size() == 22);
    CHECK(*j1 != *j2);
}

// =====================================================================================================
// jwt::claims
// =====================================================================================================

namespace {

// The claims of a token with this payload, verified with require = {} at T.
std::optional<jwt::verified> verified_claims(std::string_view payload)
{
    static const jwt::verifier v = [] {
        jwt::policy p = at_T();
        p.require = {};
        return jwt::verifier(hs256_set(), std::move(p));
    }();
    auto r = v.verify(sign_raw(R"({"alg":"HS256"})", payload, hs256()));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    return std::move(*r);
}

}  // namespace

TEST_CASE("jwt::claims: the aud list (RFC 7519 §4.1.3)", "[jose][jwt]")
{
    const auto none = verified_claims("{}");
    CHECK(none->claims().aud().empty());
    CHECK(none->claims().aud().size() == 0);
    CHECK_FALSE(none->claims().has_audience(""));
    CHECK(none->claims().has_registered("aud") == false);

    const auto one = verified_claims(R"({"aud":"https://a"})");
    CHECK(one->claims().aud().size() == 1);
    CHECK(one->claims().aud()[0] == "https://a");
    CHECK(one->claims().has_audience("https://a"));
    CHECK_FALSE(one->claims().has_audience("https://b"));
    CHECK(one->claims().has_registered("aud") == true);

    json many = json::array();
    for (int i = 0; i < 20; ++i) many.push_back("aud-" + std::to_string(i));
    const auto lots = verified_claims(json{{"aud", many}}.dump());
    const auto list = lots->claims().aud();
    REQUIRE(list.size() == 20);
    std::size_t i = 0;
    for (std::string_view a : list) CHECK(a == "aud-" + std::to_string(i++));
    CHECK(i == 20);
    CHECK(list[19] == "aud-19");
    CHECK(lots->claims().has_audience("aud-13"));
    CHECK_FALSE(lots->claims().has_audience("aud-20"));

    const auto empty = verified_claims(R"({"aud":[]})");
    CHECK(empty->claims().aud().empty());
    CHECK(empty->claims().has_registered("aud") == true);
}

TEST_CASE("jwt::claims::has_scope: space-delimited scope tokens (RFC 9068 §2.2.3, RFC 6749 §3.3)", "[jose][jwt]")
{
    const auto c = verified_claims(R"({"scope":"read write admin:all"})");
    for (const char* yes : {"read", "write", "admin:all"}) CHECK(c->claims().has_scope(yes));
    for (const char* no : {"rea", "ead", "", "read write", "admin", "all", "Read", " read"})
        CHECK_FALSE(c->claims().has_scope(no));
    const auto spaced = verified_claims(R"({"scope":" a  b "})");
    CHECK(spaced->claims().has_scope("a"));
    CHECK(spaced->claims().has_scope("b"));
    CHECK_FALSE(spaced->claims().has_scope(""));
    CHECK_FALSE(verified_claims("{}")->claims().has_scope("read"));
    CHECK_FALSE(verified_claims(R"({"scope":""})")->claims().has_scope("read"));
}

TEST_CASE("jwt::claims::get<T>: custom claims through nlohmann::json, absent or wrong type is nullopt", "[jose][jwt]")
{
    const std::string payload = R"({"sub":"alice","tenant":"t1","n":42,"ratio":0.5,"admin":true,)"
                                R"("roles":["a","b"],"obj":{"k":[1,{"x":null}]},"nothing":null})";
    const auto v = verified_claims(payload);
    const jwt::claims& c = v->claims();
    CHECK(c.get<std::string>("tenant") == "t1");
    CHECK(c.get<int>("n") == 42);
    CHECK(c.get<double>("ratio") == 0.5);
    CHECK(c.get<bool>("admin") == true);
    CHECK(c.get<std::vector<std::string>>("roles") == std::vector<std::string>{"a", "b"});
    CHECK(c.get("obj") == json::parse(R"({"k":[1,{"x":null}]})"));
    CHECK(c.get<json>("nothing") == json(nullptr));
    CHECK(c.get<std::string>("sub") == "alice");  // registered claims too
    // Wrong types and absent names.
    CHECK_FALSE(c.get<int>("tenant").has_value());
    CHECK_FALSE(c.get<std::string>("n").has_value());
    CHECK_FALSE(c.get<bool>("tenant").has_value());
    CHECK_FALSE(c.get<std::vector<std::string>>("obj").has_value());
    CHECK_FALSE(c.get<std::vector<int>>("roles").has_value());
    CHECK_FALSE(c.get<std::string>("nothing").has_value());
    CHECK_FALSE(c.get<json>("absent").has_value());
    CHECK_FALSE(c.get<std::string>("").has_value());
    // has_registered answers only for the registered names.
    CHECK(c.has_registered("sub") == true);
    CHECK(c.has_registered("iss") == false);
    CHECK_FALSE(c.has_registered("tenant").has_value());
    CHECK(c.json() == payload);
}

TEST_CASE("jwt::claims: string claims are unescaped, json() is the exact payload text", "[jose][jwt]")
{
    const std::string payload = R"({"sub":"caf\u00e9 \"q\" \\ \/","iss":"\ud83d\ude00","jti":"a\nb"})";
    const auto v = verified_claims(payload);
    CHECK(v->claims().sub() == "caf\xc3\xa9 \"q\" \\ /");
    CHECK(v->claims().iss() == "\xf0\x9f\x98\x80");
    CHECK(v->claims().jti() == "a\nb");
    CHECK(v->claims().json() == payload);
    CHECK_FALSE(v->claims().scope().has_value());
    CHECK_FALSE(v->claims().client_id().has_value());
    CHECK_FALSE(v->claims().exp().has_value());
}

TEST_CASE("jwt::claims: large claims sets (heap storage) and moves keep every accessor right", "[jose][jwt]")
{
    json c = {{"sub", "big"}, {"iss", "https://as.example.com"}, {"scope", "a b"}, {"blob", std::string(5000, 'x')}};
    json aud = json::array();
    for (int i = 0; i < 12; ++i) aud.push_back("aud-" + std::to_string(i));
    c["aud"] = aud;
    const std::string payload = c.dump();
    REQUIRE(payload.size() > 2048);
    auto v = verified_claims(payload);
    jwt::verified moved = std::move(*v);
    v.reset();
    const jwt::claims& m = moved.claims();
    CHECK(m.sub() == "big");
    CHECK(m.iss() == "https://as.example.com");
    CHECK(m.has_scope("b"));
    CHECK(m.aud().size() == 12);
    CHECK(m.aud()[11] == "aud-11");
    CHECK(m.json() == payload);
    CHECK(m.get<std::string>("blob")->size() == 5000);

    // A small claims set (inline storage) moved into another claims object.
    auto small = verified_claims(R"({"sub":"small","aud":["x","y"]})");
    jwt::verified target = std::move(*small);
    small.reset();
    CHECK(target.claims().sub() == "small");
    CHECK(target.claims().aud()[1] == "y");
    // Move assignment over a large one.
    moved = std::move(target);
    CHECK(moved.claims().sub() == "small");
    CHECK(moved.claims().aud().size() == 2);
    CHECK(moved.claims().json() == R"({"sub":"small","aud":["x","y"]})");
}

TEST_CASE("crypto/signature.hpp context pools: more threads than pooled contexts verify RS256, PS256, ES256 and "
          "EdDSA at once",
          "[jose][jwt]")
{
    // Eight contexts are pooled per key; twelve threads force the fallback copies too.
    for (const algorithm a : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::eddsa}) {
        INFO(jose::name(a));
        const auto k = jose::key::generate(a, "pool").value();
        const auto s = jwt::signer::make(k).value();
        const auto good = s.sign(json{{"sub", "alice"}, {"exp", 4102444800}}).value();
        auto forged = good;
        forged[forged.find('.') + 3] ^= 1;  // a payload character changed
        const jwt::verifier v{jose::key_set(jose::key::from_jwk(k.to_jwk(false).value()).value()), {}};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 12; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 6; ++i) {
                    const auto r = v.verify(good);
                    if (!r || r->claims().sub() != "alice") ++failures;
                    if (v.verify(forged).has_value()) ++failures;
                }
            });
        for (auto& th : threads) th.join();
        CHECK(failures.load() == 0);
    }
}

}  // namespace jose_jwt_test
