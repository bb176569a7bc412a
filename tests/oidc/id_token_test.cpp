// Tests for apiauth/oidc/id_token.hpp: ID token validation by the relying party (OpenID Connect
// Core §3.1.3.7), with tokens made here by jose/sign.hpp (RS256, ES256 keys generated per run).
#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oidc/id_token.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace oidc_id_token_test {

namespace {

namespace oidc = apiauth::oidc;
namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64;
using apiauth::test::clock_at;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::split;
using jose::algorithm;

constexpr double now = 1700000000;
constexpr std::string_view issuer = "https://op.example";
constexpr std::string_view client = "client-1";
constexpr std::string_view nonce = "n-0S6_WzA2Mj";

// The provider's keys: generated once per run (RSA generation is slow).
struct provider_keys {
    jose::key rsa = jose::key::generate(algorithm::rs256, "rsa-1").value();
    jose::key ec = jose::key::generate(algorithm::es256, "ec-1").value();
    // What the client loads: the public JWKS document, as a provider publishes it.
    jose::key_set jwks = jose::key_set::from_jwks([this] {
                             auto set = jose::key_set::make({rsa, ec}).value();
                             return set.to_public_jwks().dump();
                         }())
                             .value();
};
const provider_keys& keys()
{
    static const provider_keys k;
    return k;
}

nlohmann::json claims()
{
    return {{"iss", issuer}, {"sub", "248289761001"}, {"aud", client},        {"exp", now + 600},
            {"iat", now},    {"nonce", nonce},        {"auth_time", now - 30}};
}

std::string sign(const nlohmann::json& c, const jose::key& k)
{
    return jwt::signer::make(k).value().sign(c).value();
}
std::string sign(const nlohmann::json& c)
{
    return sign(c, keys().rsa);
}

oidc::id_token_options options()
{
    oidc::id_token_options o;
    o.issuer = std::string(issuer);
    o.client_id = std::string(client);
    o.algorithms = {algorithm::rs256, algorithm::es256};
    o.leeway = std::chrono::seconds(60);
    o.clock = clock_at(now);
    return o;
}

oidc::id_token_verifier verifier(oidc::id_token_options o = options())
{
    auto v = oidc::id_token_verifier::make(keys().jwks, std::move(o));
    REQUIRE(outcome(v) == "ok");
    return std::move(*v);
}

const oidc::id_token_expectation expect{.nonce = nonce};

}  // namespace

TEST_CASE("oidc: OIDC Core §3.1.3.6: at_hash of the published example (RS256)", "[oidc][id_token]")
{
    // research/social-login.md §1.5, from Ping Identity's documentation.
    CHECK(oidc::token_hash(algorithm::rs256, "dNZX1hEZ9wBCzNL40Upu646bdzQA") == "wfgvmE9VxjAudsl9lc6TqA");
    // The left half of SHA-384 / SHA-512: 24 and 32 octets, 32 and 43 characters.
    CHECK(oidc::token_hash(algorithm::es384, "x").size() == 32);
    CHECK(oidc::token_hash(algorithm::ps512, "x").size() == 43);
    CHECK(oidc::token_hash(algorithm::eddsa, "x") == oidc::token_hash(algorithm::rs512, "x"));  // Ed25519: SHA-512
}

TEST_CASE("oidc: OIDC Core §3.1.3.7: a good ID token, RS256 and ES256", "[oidc][id_token]")
{
    const auto v = verifier();
    for (const jose::key* k : {&keys().rsa, &keys().ec}) {
        const auto t = v.verify(sign(claims(), *k), expect);
        REQUIRE(outcome(t) == "ok");
        CHECK(t->issuer() == issuer);
        CHECK(t->subject() == "248289761001");
        CHECK(t->nonce() == nonce);
        CHECK_FALSE(t->azp().has_value());
        CHECK(t->auth_time() == now - 30);
        CHECK(t->alg() == k->alg());
    }
    // Within the leeway on both sides (RFC 7519 §4.1.4).
    auto c = claims();
    c["exp"] = now - 59;
    c["iat"] = now + 59;
    CHECK(outcome(v.verify(sign(c), expect)) == "ok");
    // No nonce expected (the request sent none): a token with or without one passes.
    c = claims();
    c.erase("nonce");
    CHECK(outcome(v.verify(sign(c))) == "ok");
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 6: a tampered token is bad_signature", "[oidc][id_token]")
{
    const auto v = verifier();
    auto s = split(sign(claims()));
    auto c = claims();
    c["sub"] = "someone-else";
    s.payload = b64(c.dump());
    CHECK(outcome(v.verify(s.join(), expect)) == name(errc::bad_signature));
    // Signed by a key the provider does not have, with its kid: bad_signature too.
    const auto other = jose::key::generate(algorithm::es256, "ec-1").value();
    CHECK(outcome(v.verify(sign(claims(), other), expect)) == name(errc::bad_signature));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 steps 2-5: iss exact, aud contains client_id, azp", "[oidc][id_token]")
{
    const auto v = verifier();
    auto c = claims();
    c["iss"] = "https://op.example/";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::wrong_issuer));
    c = claims();
    c["aud"] = "another-client";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::wrong_audience));
    // Several audiences without azp (step 4).
    c = claims();
    c["aud"] = {client, "another-client"};
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::wrong_audience));  // untrusted extra audience (step 3)
    auto o = options();
    o.trusted_audiences = "another-client";
    const auto trusting = verifier(o);
    CHECK(outcome(trusting.verify(sign(c), expect)) == name(errc::missing_claim));
    c["azp"] = client;
    CHECK(outcome(trusting.verify(sign(c), expect)) == "ok");
    // azp present and not this client (step 5), with one or several audiences.
    c["azp"] = "another-client";
    CHECK(outcome(trusting.verify(sign(c), expect)) == name(errc::azp_mismatch));
    c = claims();
    c["azp"] = "another-client";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::azp_mismatch));
    c["azp"] = client;
    CHECK(outcome(v.verify(sign(c), expect)) == "ok");
    // Errata set 2 made step 4 optional: a policy may accept several audiences without azp.
    o.require_azp_with_several_audiences = false;
    c = claims();
    c["aud"] = {client, "another-client"};
    CHECK(outcome(verifier(o).verify(sign(c), expect)) == "ok");
    // Google's two issuer spellings (research §2.1).
    o = options();
    o.issuer = "https://accounts.google.com";
    o.additional_issuers = "accounts.google.com";
    const auto google = verifier(o);
    c = claims();
    for (const char* iss : {"https://accounts.google.com", "accounts.google.com"}) {
        c["iss"] = iss;
        CHECK(outcome(google.verify(sign(c), expect)) == "ok");
    }
    c["iss"] = "https://accounts.google.com/";
    CHECK(outcome(google.verify(sign(c), expect)) == name(errc::wrong_issuer));
}

TEST_CASE("oidc: OIDC Core §2: iss sub aud exp iat are required", "[oidc][id_token]")
{
    const auto v = verifier();
    for (const char* m : {"iss", "sub", "aud", "exp", "iat"}) {
        auto c = claims();
        c.erase(m);
        CHECK(outcome(v.verify(sign(c), expect)) == name(errc::missing_claim));
    }
    auto c = claims();
    c["nonce"] = 5;
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::invalid_claim_type));
    c = claims();
    c["auth_time"] = "yesterday";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::invalid_claim_type));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 steps 9-10: exp and iat with leeway", "[oidc][id_token]")
{
    const auto v = verifier();
    auto c = claims();
    c["exp"] = now - 61;
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::token_expired));
    c = claims();
    c["iat"] = now + 61;
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::token_issued_in_future));
    // Step 10: iat too far in the past, when the client bounds it.
    auto o = options();
    o.max_iat_age = std::chrono::seconds(300);
    c = claims();
    c["iat"] = now - 361;
    CHECK(outcome(verifier(o).verify(sign(c), expect)) == name(errc::token_expired));
    c["iat"] = now - 359;
    CHECK(outcome(verifier(o).verify(sign(c), expect)) == "ok");
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 11: nonce required and equal when one was sent", "[oidc][id_token]")
{
    const auto v = verifier();
    auto c = claims();
    c["nonce"] = "n-0S6_WzA2Mk";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::nonce_mismatch));
    c["nonce"] = std::string(nonce) + "x";
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::nonce_mismatch));
    c.erase("nonce");  // librefang#3364: a token without nonce must not pass
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::missing_claim));
}

TEST_CASE("oidc: OIDC Core §3.1.3.8: at_hash checked when an access token came with the ID token", "[oidc][id_token]")
{
    const auto v = verifier();
    const std::string at = "dNZX1hEZ9wBCzNL40Upu646bdzQA";
    auto c = claims();
    c["at_hash"] = "wfgvmE9VxjAudsl9lc6TqA";
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .access_token = at})) == "ok");
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .access_token = at + "x"})) == name(errc::at_hash_mismatch));
    // ES256 uses SHA-256 too; ES256's hash of another token does not match.
    c["at_hash"] = oidc::token_hash(algorithm::es256, "other-token");
    CHECK(outcome(v.verify(sign(c, keys().ec), {.nonce = nonce, .access_token = at})) == name(errc::at_hash_mismatch));
    c["at_hash"] = oidc::token_hash(algorithm::es256, at);
    CHECK(outcome(v.verify(sign(c, keys().ec), {.nonce = nonce, .access_token = at})) == "ok");
    // Absent at_hash: accepted (oidc-provider 9 omits it in the code flow) unless required.
    c.erase("at_hash");
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .access_token = at})) == "ok");
    auto o = options();
    o.require_at_hash = true;
    CHECK(outcome(verifier(o).verify(sign(c), {.nonce = nonce, .access_token = at})) == name(errc::missing_claim));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 13: auth_time with max_age", "[oidc][id_token]")
{
    const auto v = verifier();
    auto c = claims();
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .max_age = std::chrono::seconds(60)})) == "ok");
    c["auth_time"] = now - 200;  // re-authentication needed, not an expired token: its own error
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .max_age = std::chrono::seconds(60)})) ==
          name(errc::auth_time_too_old));
    c["auth_time"] = now - 60 - 59;  // within max_age plus the leeway
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .max_age = std::chrono::seconds(60)})) == "ok");
    c["auth_time"] = now + 3600;  // a login in the future would meet any max_age
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .max_age = std::chrono::seconds(60)})) ==
          name(errc::token_issued_in_future));
    CHECK(outcome(v.verify(sign(c), expect)) == "ok");  // not checked without max_age
    c.erase("auth_time");
    CHECK(outcome(v.verify(sign(c), {.nonce = nonce, .max_age = std::chrono::seconds(60)})) ==
          name(errc::missing_claim));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 12: acr is one of the acr_values asked for", "[oidc][id_token]")
{
    const auto v = verifier();
    auto c = claims();
    c["acr"] = "urn:mace:incommon:iap:silver";
    const std::string token = sign(c);
    const auto ok = v.verify(token, {.nonce = nonce, .acr_values = "phr urn:mace:incommon:iap:silver"});
    REQUIRE(outcome(ok) == "ok");
    CHECK(ok->acr() == "urn:mace:incommon:iap:silver");
    CHECK(outcome(v.verify(token, {.nonce = nonce, .acr_values = "urn:mace:incommon:iap:silver"})) == "ok");
    // Another class, a prefix of the asked one, or one asked value extended: not satisfied.
    CHECK(outcome(v.verify(token, {.nonce = nonce, .acr_values = "phr phrh"})) == name(errc::acr_not_satisfied));
    CHECK(outcome(v.verify(token, {.nonce = nonce, .acr_values = "urn:mace:incommon:iap:silver2"})) ==
          name(errc::acr_not_satisfied));
    CHECK(outcome(v.verify(token, {.nonce = nonce, .acr_values = "urn:mace:incommon:iap"})) ==
          name(errc::acr_not_satisfied));
    // No acr at all while one was asked for.
    CHECK(outcome(v.verify(sign(claims()), {.nonce = nonce, .acr_values = "phr"})) == name(errc::missing_claim));
    // Not asked: any acr, or none, passes, and the application can read it.
    CHECK(outcome(v.verify(token, expect)) == "ok");
    CHECK_FALSE(v.verify(sign(claims()), expect).value().acr().has_value());
    // acr of the wrong type (OIDC Core §2: a string).
    c["acr"] = 2;
    CHECK(outcome(v.verify(sign(c), expect)) == name(errc::invalid_claim_type));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 steps 11-13: expectation() carries what the request asked", "[oidc][id_token]")
{
    const auto v = verifier();
    oidc::pending_authorization p;
    p.nonce = std::string(nonce);
    p.max_age = std::chrono::seconds(60);
    p.acr_values = "phr";
    auto c = claims();
    c["acr"] = "phr";
    CHECK(outcome(v.verify(sign(c), oidc::expectation(p))) == "ok");
    c["auth_time"] = now - 200;  // older than max_age
    CHECK(outcome(v.verify(sign(c), oidc::expectation(p))) == name(errc::auth_time_too_old));
    c["auth_time"] = now - 30;
    c["acr"] = "other";
    CHECK(outcome(v.verify(sign(c), oidc::expectation(p))) == name(errc::acr_not_satisfied));
    c["acr"] = "phr";
    c["nonce"] = "another";
    CHECK(outcome(v.verify(sign(c), oidc::expectation(p))) == name(errc::nonce_mismatch));
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 7, RFC 8725 §3.1: only the metadata's algorithms, never none",
          "[oidc][id_token]")
{
    // The provider's metadata lists RS256 only: an ES256 token is refused though its key is in the JWKS.
    auto o = options();
    o.algorithms = {algorithm::rs256};
    const auto rs_only = verifier(o);
    CHECK(rs_only.usable_algorithms() == std::vector<algorithm>{algorithm::rs256});
    CHECK(outcome(rs_only.verify(sign(claims(), keys().ec), expect)) == name(errc::unsupported_algorithm));
    CHECK(outcome(rs_only.verify(sign(claims()), expect)) == "ok");
    // Default when the metadata gives nothing: RS256 (OIDC Core §15.1).
    o.algorithms = {};
    CHECK(verifier(o).usable_algorithms() == std::vector<algorithm>{algorithm::rs256});
    // alg none: unsecured JWS, with and without a kid.
    const auto v = verifier();
    const std::string payload = b64(claims().dump());
    CHECK(outcome(v.verify(b64(R"({"alg":"none"})") + "." + payload + ".", expect)) ==
          name(errc::unsupported_algorithm));
    CHECK(outcome(v.verify(b64(R"({"alg":"none","kid":"rsa-1"})") + "." + payload + ".", expect)) ==
          name(errc::unsupported_algorithm));
    // An unknown kid with an allowed alg stays unknown_key: that is what triggers a JWKS refetch.
    const auto rotated = jose::key::generate(algorithm::es256, "ec-2").value();
    CHECK(outcome(v.verify(sign(claims(), rotated), expect)) == name(errc::unknown_key));
}

TEST_CASE("oidc: RFC 8725 §2.1, §3.1: HS256 with the provider's public key as the secret is refused",
          "[oidc][id_token]")
{
    // The attacker knows the public JWK and PEM-like bytes; they sign HS256 with them.
    const std::string pub = keys().rsa.to_jwk(false).value().dump();
    const auto forged_key = jose::key::from_secret(algorithm::hs256, pub).value();
    const std::string body = claims().dump();
    for (const char* header : {R"({"alg":"HS256","kid":"rsa-1"})", R"({"alg":"HS256"})"}) {
        const auto token = jose::jws::sign(header, body, forged_key);
        REQUIRE(outcome(token) == "ok");
        CHECK(outcome(verifier().verify(*token, expect)) == name(errc::unsupported_algorithm));
        // Even with HS256 listed by the metadata: no secret configured, no HMAC key.
        auto o = options();
        o.algorithms = {algorithm::rs256, algorithm::hs256};
        CHECK(outcome(verifier(o).verify(*token, expect)) == name(errc::unsupported_algorithm));
    }
}

TEST_CASE("oidc: OIDC Core §3.1.3.7 step 8: HS256 only with the client secret, explicitly configured",
          "[oidc][id_token]")
{
    const std::string secret = "a-client-secret-of-at-least-32-octets!";
    auto o = options();
    o.algorithms = {algorithm::rs256, algorithm::hs256};
    o.client_secret = secret;
    const auto v = verifier(o);
    // The verifier keeps the secret only as its HMAC key: its copy of the options holds none.
    CHECK(v.options().client_secret.empty());
    CHECK(o.client_secret == secret);  // the caller's own copy is the caller's
    const auto k = jose::key::from_secret(algorithm::hs256, secret).value();
    CHECK(outcome(v.verify(sign(claims(), k), expect)) == "ok");
    const auto wrong = jose::key::from_secret(algorithm::hs256, secret + "x").value();
    CHECK(outcome(v.verify(sign(claims(), wrong), expect)) == name(errc::bad_signature));
    // The secret without HS256 in the list: HS256 still refused.
    o.algorithms = {algorithm::rs256};
    CHECK(outcome(verifier(o).verify(sign(claims(), k), expect)) == name(errc::unsupported_algorithm));
    // A client secret too short for HS256 (RFC 7518 §3.2).
    o.algorithms = {algorithm::hs256, algorithm::rs256};
    o.client_secret = "short";
    CHECK(outcome(oidc::id_token_verifier::make(keys().jwks, o)) == name(errc::weak_key));
}

TEST_CASE("oidc: id_token_verifier::make refuses HMAC keys from a JWKS and empty configurations", "[oidc][id_token]")
{
    const auto hmac = jose::key::from_secret(algorithm::hs256, std::string(32, 's')).value();
    CHECK(outcome(oidc::id_token_verifier::make(jose::key_set(hmac), options())) == name(errc::invalid_key_set));
    auto o = options();
    o.algorithms = {algorithm::ps256};  // no key for it
    CHECK(outcome(oidc::id_token_verifier::make(keys().jwks, o)) == name(errc::invalid_key_set));
    o = options();
    o.issuer.clear();
    CHECK(outcome(oidc::id_token_verifier::make(keys().jwks, o)) == name(errc::invalid_configuration));
    o = options();
    o.client_id.clear();
    CHECK(outcome(oidc::id_token_verifier::make(keys().jwks, o)) == name(errc::invalid_configuration));
    // Token size bound.
    o = options();
    o.max_size = 64;
    CHECK(outcome(verifier(o).verify(sign(claims()), expect)) == name(errc::token_too_large));
}

// ---- provider_key_set: a provider's JWKS as untrusted input -------------------------------------

namespace {
// The public JWK of `k` with its alg (and anything else) removed or changed by `edit`.
template <class Edit> nlohmann::json jwk_of(const jose::key& k, Edit edit)
{
    nlohmann::json j = k.to_jwk(false).value();
    edit(j);
    return j;
}
std::optional<algorithm> alg_of(const jose::key_set& set, std::string_view kid)
{
    for (const jose::key& k : set)
        if (k.kid() == kid) return k.alg();
    return std::nullopt;
}
std::string jwks_of(std::initializer_list<nlohmann::json> keys)
{
    return nlohmann::json{{"keys", nlohmann::json::array_t(keys)}}.dump();
}
}  // namespace

TEST_CASE("oidc: RFC 8725 §3.1: an RSA key without alg is bound to the metadata's one RSA algorithm",
          "[oidc][id_token][jwks]")
{
    const auto no_alg = [](nlohmann::json& j) { j.erase("alg"); };
    const std::string doc = jwks_of({jwk_of(keys().rsa, no_alg), jwk_of(keys().ec, no_alg)});
    // jose alone cannot read it: the RSA key's algorithm is not known.
    CHECK(outcome(jose::key_set::from_jwks(doc)) == name(errc::key_alg_missing));
    // The metadata lists RS256 and ES256: the RSA key is RS256, the EC key follows its curve.
    const std::vector<algorithm> meta = {algorithm::rs256, algorithm::es256};
    const auto set = oidc::provider_key_set(doc, meta);
    REQUIRE(outcome(set) == "ok");
    REQUIRE(set->size() == 2);
    CHECK(alg_of(*set, "rsa-1") == algorithm::rs256);
    CHECK(alg_of(*set, "ec-1") == algorithm::es256);
    auto o = options();
    const auto v = oidc::id_token_verifier::make(*set, o);
    REQUIRE(outcome(v) == "ok");
    CHECK(outcome(v->verify(sign(claims()), expect)) == "ok");
    // No algorithms given: RS256, the OpenID Connect default (Core §15.1).
    CHECK(alg_of(oidc::provider_key_set(doc).value(), "rsa-1") == algorithm::rs256);
    // PS256 only: the key is PS256, and an RS256 token under it is refused.
    const std::vector<algorithm> ps = {algorithm::ps256};
    CHECK(alg_of(oidc::provider_key_set(doc, ps).value(), "rsa-1") == algorithm::ps256);
    // RS256 and PS256 both allowed: which one the key is for cannot be told, so it is not guessed.
    const std::vector<algorithm> both = {algorithm::rs256, algorithm::ps256, algorithm::rs256};
    CHECK(outcome(oidc::provider_key_set(doc, both)) == name(errc::key_alg_missing));
    // ... unless the JWK names its alg, which always wins.
    const std::string named = jwks_of({jwk_of(keys().rsa, [](nlohmann::json&) {})});
    CHECK(alg_of(oidc::provider_key_set(named, both).value(), "rsa-1") == algorithm::rs256);
    // A JWK naming another algorithm keeps it (jose alone, with alg bound, would refuse the whole
    // set): a provider's key for something this client does not allow is not an error, and the
    // verifier leaves it out.
    const std::string ps_named =
        jwks_of({jwk_of(keys().rsa, [](nlohmann::json& j) { j["alg"] = "PS256"; }), jwk_of(keys().ec, no_alg)});
    CHECK(outcome(jose::key_set::from_jwks(ps_named, {.alg = algorithm::rs256})) == name(errc::key_algorithm_mismatch));
    const auto kept = oidc::provider_key_set(ps_named, meta);
    REQUIRE(outcome(kept) == "ok");
    CHECK(alg_of(*kept, "rsa-1") == algorithm::ps256);
    CHECK(outcome(oidc::id_token_verifier::make(*kept, o).value().verify(sign(claims(), keys().ec), expect)) == "ok");
    // No RSA algorithm allowed (ES256 only): an RSA key without alg does not stop the set; it is
    // bound to RS256 and the verifier, allowing ES256 only, leaves it out.
    const std::vector<algorithm> es_only = {algorithm::es256};
    const auto es = oidc::provider_key_set(doc, es_only);
    REQUIRE(outcome(es) == "ok");
    CHECK(alg_of(*es, "rsa-1") == algorithm::rs256);
    auto eo = options();
    eo.algorithms = es_only;
    const auto ev = oidc::id_token_verifier::make(*es, eo);
    REQUIRE(outcome(ev) == "ok");
    CHECK(outcome(ev->verify(sign(claims()), expect)) == name(errc::unsupported_algorithm));
    CHECK(outcome(ev->verify(sign(claims(), keys().ec), expect)) == "ok");
}

TEST_CASE("oidc: RFC 8725 §2.1, §3.1: a provider JWKS with any oct key is refused, even one of only oct keys",
          "[oidc][id_token][jwks]")
{
    const nlohmann::json oct = {{"kty", "oct"}, {"kid", "s"}, {"alg", "HS256"}, {"k", b64(std::string(32, 'k'))}};
    const nlohmann::json oct_no_alg = {{"kty", "oct"}, {"kid", "s"}, {"k", b64(std::string(32, 'k'))}};
    const auto rsa = jwk_of(keys().rsa, [](nlohmann::json&) {});
    // jose reads an all-oct set (an application's own secrets); a provider's is refused.
    CHECK(outcome(jose::key_set::from_jwks(jwks_of({oct}))) == "ok");
    CHECK(outcome(oidc::provider_key_set(jwks_of({oct}))) == name(errc::invalid_key_set));
    CHECK(outcome(oidc::provider_key_set(jwks_of({oct_no_alg}))) == name(errc::invalid_key_set));
    CHECK(outcome(oidc::provider_key_set(jwks_of({rsa, oct}))) == name(errc::invalid_key_set));
    CHECK(outcome(oidc::provider_key_set(jwks_of({oct_no_alg, rsa}))) == name(errc::invalid_key_set));
    // Not a JWK Set at all.
    for (std::string_view bad : {"", "{}", "[]", R"({"keys":{}})", R"({"keys":[1]})", R"({"keys":[]})"})
        CHECK(outcome(oidc::provider_key_set(bad)) == name(errc::invalid_key_set));
    // Bounds: the document's size and its number of keys (the network's input).
    const auto rsa_pub = jwk_of(keys().rsa, [](nlohmann::json&) {});
    const std::string one = jwks_of({rsa_pub});
    CHECK(outcome(oidc::provider_key_set(one, {}, {.max_size = one.size()})) == "ok");
    CHECK(outcome(oidc::provider_key_set(one, {}, {.max_size = one.size() - 1})) == name(errc::body_too_large));
    nlohmann::json many = nlohmann::json::array();
    for (int i = 0; i < 3; ++i)
        many.push_back(jwk_of(keys().ec, [i](nlohmann::json& j) { j["kid"] = "ec-" + std::to_string(i); }));
    const std::string three = nlohmann::json{{"keys", many}}.dump();
    CHECK(outcome(oidc::provider_key_set(three, {}, {.max_keys = 3})) == "ok");
    CHECK(outcome(oidc::provider_key_set(three, {}, {.max_keys = 2})) == name(errc::invalid_key_set));
    // A private key published by mistake: refused as jose refuses it.
    const nlohmann::json priv = keys().rsa.to_jwk(true).value();
    CHECK(outcome(oidc::provider_key_set(jwks_of({priv}))) == name(errc::private_key_not_allowed));
}

}  // namespace oidc_id_token_test
