// Tests for apiauth/jose/sign.hpp, the header for building tokens and key documents with
// nlohmann/json: jws::sign (RFC 7515 §5.1) lives there, and with it jwt::signer::sign,
// key::to_jwk, key_set::to_public_jwks and claims::get<nlohmann::json> (declared by the verifying
// headers) can be used without including <nlohmann/json.hpp> by hand.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/sign.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#if !defined(INCLUDE_NLOHMANN_JSON_HPP_) && !defined(NLOHMANN_JSON_HPP)
#error "jose/sign.hpp is the header that brings nlohmann/json"
#endif

namespace jose_sign_test {

namespace {

namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64d;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::split;
using jose::algorithm;

constexpr std::string_view secret = "sign-test-secret-0123456789abcdefgh";

}  // namespace

TEST_CASE("jwt::signer::make: the header nlohmann/json wrote, byte for byte (RFC 7515 §4, RFC 8259 §7)", "[jose][jwt]")
{
    // Names sorted, compact, '"' '\\' and C0 controls escaped (\u00xx in lower case), the rest as is.
    const std::string kids[] = {"k1", "", "q\"b\\s/", std::string("c\b\f\n\r\t\x01\x1f\x7f", 9),
                                "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"};
    const std::string typs[] = {"JWT", "", "at+jwt", "t\"\x02\xC3\xA9"};
    for (const auto& kid : kids)
        for (const auto& typ : typs) {
            const auto k = jose::key::from_secret(algorithm::hs384, std::string(48, 'k'), kid);
            REQUIRE(k.has_value());
            const auto s = jwt::signer::make(*k, typ);
            REQUIRE(outcome(s) == "ok");
            const auto t = s->sign(nlohmann::json{{"sub", "x"}});
            REQUIRE(outcome(t) == "ok");
            nlohmann::json h = {{"alg", "HS384"}};
            if (!kid.empty()) h["kid"] = kid;
            if (!typ.empty()) h["typ"] = typ;
            CHECK(b64d(split(*t).header) == h.dump());
        }
    const auto k = jose::key::from_secret(algorithm::hs256, secret);
    REQUIRE(k.has_value());
    CHECK(outcome(jwt::signer::make(*k, "bad\xC3")) == name(errc::json_invalid_utf8));
    CHECK(outcome(jwt::signer::make(*k, "\xED\xA0\x80")) == name(errc::json_invalid_utf8));  // a surrogate
}

TEST_CASE("jose/sign.hpp: jws::sign, signer::sign, to_jwk, to_public_jwks, claims::get<json> in one include",
          "[jose][jws][jwt][jwk]")
{
    const auto k = jose::key::from_secret(algorithm::hs256, secret, "s1");
    REQUIRE(k.has_value());
    const auto set = jose::key_set::make({*k});
    REQUIRE(set.has_value());

    const auto jws = jose::jws::sign(R"({"typ":"JOSE"})", std::string_view("payload"), *k);
    REQUIRE(outcome(jws) == "ok");
    CHECK(b64d(split(*jws).header) == R"({"alg":"HS256","kid":"s1","typ":"JOSE"})");
    CHECK(outcome(jose::jws::verify(*jws, *set)) == "ok");

    const auto s = jwt::signer::make(*k);
    REQUIRE(s.has_value());
    const auto t = s->sign({{"sub", "u"}, {"tenant", {{"id", 7}}}}, {.lifetime = std::chrono::seconds(60)});
    REQUIRE(outcome(t) == "ok");
    const jwt::verifier v{*set, {}};
    const auto r = v.verify(*t);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->claims().get<nlohmann::json>("tenant") == nlohmann::json{{"id", 7}});
    CHECK(r->claims().get<int>("absent") == std::nullopt);

    const auto priv = k->to_jwk(true);
    REQUIRE(outcome(priv) == "ok");
    CHECK(priv->at("kty") == "oct");
    CHECK(outcome(jose::key::from_jwk(*priv)) == "ok");
    // An object with a string that is not UTF-8 is serialized strictly: refused.
    nlohmann::json bad = *priv;
    bad["x-note"] = "\xC3";
    CHECK(outcome(jose::key::from_jwk(bad)) == name(errc::invalid_key));

    const auto es = jose::key::generate(algorithm::es256, "e1");
    REQUIRE(es.has_value());
    const auto both = jose::key_set::make({*k, *es});
    REQUIRE(both.has_value());
    const nlohmann::json jwks = both->to_public_jwks();
    REQUIRE(jwks.at("keys").size() == 1);
    CHECK(jwks.at("keys").at(0).at("kid") == "e1");
    CHECK(outcome(jose::key_set::from_jwks(jwks.dump())) == "ok");
}

}  // namespace jose_sign_test
