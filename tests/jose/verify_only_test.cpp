// Tests for what a translation unit that only verifies includes (jose/jwt.hpp, jws.hpp, jwk.hpp,
// claims.hpp): it compiles without nlohmann/json (DESIGN.md: "Verifying needs no nlohmann/json"),
// and JWK/JWK Set text is read there with simdjson, as tokens are (RFC 7517 §4, §5; RFC 8259).
// This file must never include <nlohmann/json.hpp> nor <apiauth/jose/sign.hpp>.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#if defined(INCLUDE_NLOHMANN_JSON_HPP_) || defined(NLOHMANN_JSON_HPP)
#error "a verifying header includes nlohmann/json.hpp: verifying must not need it (issue 15)"
#endif

namespace jose_verify_only_test {

namespace {

namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64;
using apiauth::test::name;
using apiauth::test::outcome;
using jose::algorithm;

constexpr std::string_view secret = "verify-only-test-secret-0123456789";
// The same secret as an "oct" JWK.
std::string oct_jwk(std::string_view extra = {})
{
    return R"({"kty":"oct","alg":"HS256","kid":"v1","k":")" + b64(secret) + "\"" + std::string(extra) + "}";
}

// A compact JWS over `header` and `payload` with the HS256 key, signed by key::sign (no signer:
// that one takes nlohmann::json).
std::string sign_raw(const jose::key& k, std::string_view header, std::string_view payload)
{
    const std::string input = b64(header) + "." + b64(payload);
    std::array<std::byte, 64> sig{};
    const auto n = k.sign(apiauth::detail::as_bytes(input), sig);
    REQUIRE(n.has_value());
    return input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

}  // namespace

TEST_CASE("verify-only translation unit: keys from JWK text, a JWT verified and explained, no nlohmann/json",
          "[jose][jwt][jwk]")
{
    const auto k = jose::key::from_jwk(oct_jwk());
    REQUIRE(outcome(k) == "ok");
    CHECK(k->alg() == algorithm::hs256);
    CHECK(k->kid() == "v1");
    const auto set = jose::key_set::from_jwks(R"({"keys":[)" + oct_jwk() + "]}");
    REQUIRE(outcome(set) == "ok");

    const jwt::verifier v{*set, {.issuer = "https://as.example", .clock = apiauth::test::clock_at(1'700'000'000)}};
    const std::string token = sign_raw(*k, R"({"alg":"HS256","kid":"v1","typ":"JWT"})",
                                       R"({"iss":"https://as.example","sub":"u1","exp":1700000600})");
    const auto r = v.verify(token);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->claims().sub() == "u1");
    CHECK(v.explain(token) == "ok");
    CHECK(outcome(jose::jws::verify(token, *set)) == "ok");
}

TEST_CASE("jwt::verifier::explain: the header's alg, kid and typ, the last of duplicate names (RFC 7515 §4)",
          "[jose][jwt]")
{
    const auto k = jose::key::from_secret(algorithm::hs256, secret, "v1");
    REQUIRE(k.has_value());
    const jwt::verifier v{*k, {.typ = "at+jwt", .clock = apiauth::test::clock_at(1'700'000'000)}};
    const std::string payload = R"({"exp":1700000600})";
    const auto msg = [](errc e) { return apiauth::make_error_code(e).message(); };

    CHECK(v.explain(sign_raw(*k, R"({"alg":"HS256","kid":"v1","typ":"JWT"})", payload)) ==
          name(errc::wrong_token_type) + ": " + msg(errc::wrong_token_type) +
              R"( (header alg "HS256" kid "v1" typ "JWT"); the policy expects typ "at+jwt")");
    // A duplicate name is refused (duplicate_member); the explanation shows the last value.
    CHECK(v.explain(sign_raw(*k, R"({"alg":"HS256","alg":"none","typ":"at+jwt"})", payload)) ==
          name(errc::duplicate_member) + ": " + msg(errc::duplicate_member) + R"( (header alg "none" typ "at+jwt"))");
    // A header that is not a JSON object: the error alone.
    CHECK(v.explain(b64("[1]") + "." + b64(payload) + ".AAAA") ==
          name(errc::jws_invalid_header) + ": " + msg(errc::jws_invalid_header));
}

TEST_CASE("jose::key::from_jwk, key_set::from_jwks: strict JSON as simdjson reads it (RFC 8259, RFC 7517 §4)",
          "[jose][jwk]")
{
    // A leading byte order mark is skipped (RFC 8259 §8.1 allows it), as nlohmann/json did.
    CHECK(outcome(jose::key::from_jwk("\xEF\xBB\xBF" + oct_jwk())) == "ok");
    CHECK(outcome(jose::key_set::from_jwks("\xEF\xBB\xBF"
                                           R"({"keys":[)" +
                                           oct_jwk() + "]}")) == "ok");
    // Escaped member names are compared unescaped: "k\u0074y" is "kty", so twice is a duplicate.
    CHECK(outcome(jose::key::from_jwk(R"({"k\u0074y":"oct","alg":"HS256","k":")" + b64(secret) + "\"}")) == "ok");
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"k\u0074y":"oct")"))) == name(errc::invalid_key));
    // Numbers a 64-bit integer or a double cannot hold, in any member, are refused.
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"x-n":123456789012345678901234567890)"))) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"x-n":1e400)"))) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"x-n":18446744073709551615)"))) == "ok");
    // Nesting: 64 levels below the JWK are read, 65 are not; in a set the JWK is two levels down.
    const auto nested = [](int levels) {
        return R"(,"x-deep":)" + std::string(static_cast<std::size_t>(levels), '[') +
               std::string(static_cast<std::size_t>(levels), ']');
    };
    CHECK(outcome(jose::key::from_jwk(oct_jwk(nested(64)))) == "ok");
    CHECK(outcome(jose::key::from_jwk(oct_jwk(nested(65)))) == name(errc::invalid_key));
    CHECK(outcome(jose::key_set::from_jwks(R"({"keys":[)" + oct_jwk(nested(62)) + "]}")) == "ok");
    CHECK(outcome(jose::key_set::from_jwks(R"({"keys":[)" + oct_jwk(nested(63)) + "]}")) ==
          name(errc::invalid_key_set));
    CHECK(jose::explain_jwk(oct_jwk(nested(65))) ==
          "invalid_key: the JWK is not a JSON object (or has a duplicate member name)");
    // A NUL octet, raw or after the document, is never JSON; escaped, it is a character.
    CHECK(outcome(jose::key::from_jwk(oct_jwk() + std::string(1, '\0'))) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"x-s":"a\u0000b")"))) == "ok");
    CHECK(outcome(jose::key::from_jwk(oct_jwk(",\"x-s\":\"a" + std::string(1, '\0') + "b\""))) ==
          name(errc::invalid_key));
    // Not UTF-8, a lone surrogate escape: refused.
    CHECK(outcome(jose::key::from_jwk(oct_jwk(",\"x-s\":\"\xC3\x28\""))) == name(errc::invalid_key));
    CHECK(outcome(jose::key::from_jwk(oct_jwk(R"(,"x-s":"\ud800")"))) == name(errc::invalid_key));
}

}  // namespace jose_verify_only_test
