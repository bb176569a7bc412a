// Tests for apiauth/oidc/token.hpp: the code exchange as a request value (RFC 6749 §4.1.3,
// §2.3.1; RFC 7636 §4.5) and the strict reading of the token endpoint's answer (§5.1, §5.2),
// GitHub's form-encoded answer included (research/social-login.md §2.2).
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/oidc/token.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <string_view>

namespace oidc_token_test {

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;
using apiauth::test::name;
using apiauth::test::outcome;

constexpr std::string_view verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

oidc::token_request_options base()
{
    return {.token_endpoint = "https://op.example/token",
            .client_id = "s6BhdRkqt3",
            .client_secret = "7Fjfp0ZBr1KtDRbnfVdmIw",
            .code = "SplxlOBeZQQYbYS6WxSbIA",
            .redirect_uri = "https://client.example.com/cb",
            .code_verifier = verifier};
}

std::map<std::string, std::string> body_params(std::string_view body)
{
    const auto form = apiauth::http::parse_form(body);
    REQUIRE(outcome(form) == "ok");
    std::map<std::string, std::string> out;
    for (const auto& p : *form)
        out[apiauth::http::decode_form_component(p.name).value()] =
            apiauth::http::decode_form_component(p.value).value();
    return out;
}

}  // namespace

TEST_CASE("oidc: RFC 6749 §4.1.3, §2.3.1: the code exchange with client_secret_basic", "[oidc][token]")
{
    const auto r = oidc::build_token_request(base());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->method == "POST");
    CHECK(r->url == "https://op.example/token");
    // RFC 6749 §4.1.3's example: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW for s6BhdRkqt3:gX1fBat3bV.
    REQUIRE(r->find("authorization"));
    CHECK(*r->find("Authorization") ==
          "Basic " + apiauth::encoding::base64::encode(std::string_view("s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw")));
    CHECK(*r->find("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(*r->find("Accept") == "application/json");
    const auto p = body_params(r->body);
    CHECK(p.size() == 4);
    CHECK(p.at("grant_type") == "authorization_code");
    CHECK(p.at("code") == "SplxlOBeZQQYbYS6WxSbIA");
    CHECK(p.at("redirect_uri") == "https://client.example.com/cb");
    CHECK(p.at("code_verifier") == verifier);
    CHECK(r->body.starts_with("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2F"));
}

TEST_CASE("oidc: RFC 6749 §2.3.1: id and secret are form-encoded before Basic encodes them", "[oidc][token]")
{
    auto o = base();
    o.client_id = "app:1";
    o.client_secret = "p@ss w+rd%";
    const auto r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(*r->find("Authorization") ==
          "Basic " + apiauth::encoding::base64::encode(std::string_view("app%3A1:p%40ss+w%2Brd%25")));
    o.client_secret = "bad\nsecret";
    CHECK(outcome(oidc::build_token_request(o)) == name(errc::basic_control_character));
}

TEST_CASE("oidc: RFC 6749 §2.3.1, §4.1.3: client_secret_post and a public client put client_id in the body",
          "[oidc][token]")
{
    auto o = base();
    o.auth = oidc::client_auth::client_secret_post;
    auto r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->find("Authorization") == nullptr);
    auto p = body_params(r->body);
    CHECK(p.at("client_id") == "s6BhdRkqt3");
    CHECK(p.at("client_secret") == "7Fjfp0ZBr1KtDRbnfVdmIw");
    o.auth = oidc::client_auth::none;
    o.client_secret = {};
    r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    p = body_params(r->body);
    CHECK(p.at("client_id") == "s6BhdRkqt3");
    CHECK(p.count("client_secret") == 0);
    o.code_verifier = {};  // PKCE off
    r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(body_params(r->body).count("code_verifier") == 0);
}

TEST_CASE("oidc: RFC 6749 §4.1.3, §2.3.1: the code exchange's body, exactly, with each client authentication",
          "[oidc][token]")
{
    // build_token_request, build_refresh_request and build_revocation_request share one writer of
    // the body and of the client authentication: its order and encoding, pinned here.
    auto o = base();
    o.code = "a+b&c=d e";
    auto r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->body ==
          "grant_type=authorization_code&code=a%2Bb%26c%3Dd+e&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
          "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    REQUIRE(r->fields.size() == 3);
    CHECK(r->fields[0].name == "Authorization");
    CHECK(r->fields[1].name == "Content-Type");
    CHECK(r->fields[2].name == "Accept");
    o.auth = oidc::client_auth::client_secret_post;
    o.code_verifier = {};
    r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->body ==
          "grant_type=authorization_code&code=a%2Bb%26c%3Dd+e&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
          "&client_id=s6BhdRkqt3&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw");
    CHECK(r->fields.size() == 2);
    o.auth = oidc::client_auth::none;
    r = oidc::build_token_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->body.ends_with("%2Fcb&client_id=s6BhdRkqt3"));
}

TEST_CASE("oidc: RFC 6749 §3.2, RFC 7636 §4.1: token request configuration refused", "[oidc][token]")
{
    const auto refused = [](oidc::token_request_options o) {
        return outcome(oidc::build_token_request(o)) == name(errc::invalid_configuration);
    };
    auto o = base();
    o.token_endpoint = "http://op.example/token";
    CHECK(refused(o));
    o.token_endpoint = "https://op.example/token#x";
    CHECK(refused(o));
    o = base();
    o.client_id = {};
    CHECK(refused(o));
    o = base();
    o.code = {};
    CHECK(refused(o));
    o = base();
    o.redirect_uri = {};
    CHECK(refused(o));
    o = base();
    o.client_secret = {};
    CHECK(refused(o));
    o.auth = oidc::client_auth::client_secret_post;
    CHECK(refused(o));
    o = base();
    o.code_verifier = "too-short";
    CHECK(refused(o));
    o = base();
    o.token_endpoint = "http://127.0.0.1:3000/token";
    CHECK(outcome(oidc::build_token_request(o)) == "ok");
}

// ---- token response -----------------------------------------------------------------------

TEST_CASE("oidc: RFC 6749 §5.1, OIDC Core §3.1.3.3: a JSON token response", "[oidc][token]")
{
    const auto r = oidc::parse_token_response(
        200, "application/json;charset=UTF-8",
        R"({"access_token":"SlAV32hkKG","token_type":"Bearer","refresh_token":"8xLOxBtZp8","expires_in":3600,)"
        R"("id_token":"eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.e30.sig","scope":"openid email","x":{"y":[1]}})");
    REQUIRE(outcome(r) == "ok");
    CHECK(r->access_token == "SlAV32hkKG");
    CHECK(r->token_type == "Bearer");
    CHECK(r->refresh_token == "8xLOxBtZp8");
    CHECK(r->expires_in == 3600);
    CHECK(r->id_token.starts_with("eyJ"));
    CHECK(r->scope == "openid email");
    // token_type is case-insensitive (RFC 6749 §5.1, §7.1); expires_in optional; 0 allowed.
    const auto lower = oidc::parse_token_response(200, "application/json",
                                                  R"({"access_token":"a","token_type":"bearer","expires_in":0})");
    REQUIRE(outcome(lower) == "ok");
    CHECK(lower->expires_in == 0);
    const auto minimal = oidc::parse_token_response(200, "", " \n{\"access_token\":\"a\",\"token_type\":\"BEARER\"}");
    REQUIRE(outcome(minimal) == "ok");
    CHECK_FALSE(minimal->expires_in.has_value());
    CHECK(minimal->id_token.empty());
}

TEST_CASE("oidc: RFC 6749 §5.1: the token response is read strictly", "[oidc][token]")
{
    const auto parse = [](std::string_view body, int status = 200) {
        return outcome(oidc::parse_token_response(status, "application/json", body));
    };
    CHECK(parse(R"({"token_type":"Bearer"})") == name(errc::missing_parameter));
    CHECK(parse(R"({"access_token":"","token_type":"Bearer"})") == name(errc::missing_parameter));
    CHECK(parse(R"({"access_token":"a"})") == name(errc::missing_parameter));
    CHECK(parse(R"({"access_token":"a","token_type":"DPoP"})") == name(errc::unsupported_token_type));
    CHECK(parse(R"({"access_token":"a","token_type":"mac"})") == name(errc::unsupported_token_type));
    CHECK(parse(R"({"access_token":1,"token_type":"Bearer"})") == name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":-1})") == name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":3600.5})") == name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":"3600"})") == name(errc::invalid_claim_type));
    // At most 100 years (3,155,760,000 s), so that a caller's now + expires_in cannot overflow; a
    // provider's "never" (2^31 - 1) passes.
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":3155760000})") == "ok");
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":2147483647})") == "ok");
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":3155760001})") ==
          name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","expires_in":9223372036854775807})") ==
          name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","id_token":null})") == name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","scope":["openid"]})") == name(errc::invalid_claim_type));
    CHECK(parse(R"({"access_token":"a","access_token":"b","token_type":"Bearer"})") == name(errc::duplicate_member));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","x":{"k":1,"k":2}})") == name(errc::duplicate_member));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer")") == name(errc::invalid_token_response));
    CHECK(parse(R"(["access_token"])") == name(errc::malformed_form_body));  // not an object: read as a form
    CHECK(parse("{\"access_token\":\"\xC3\",\"token_type\":\"Bearer\"}") == name(errc::invalid_token_response));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer"})", 201) == name(errc::invalid_token_response));
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer"})", 502) == name(errc::provider_unavailable));
    // An empty error is absent, in JSON as in a form (RFC 6749 §3.1; found by fuzz_token_response).
    CHECK(parse(R"({"access_token":"a","token_type":"Bearer","error":""})") == "ok");
    CHECK(parse(R"({"error":""})", 400) == name(errc::invalid_token_response));
    CHECK(outcome(oidc::parse_token_response(200, "application/json", std::string(70 * 1024, ' '))) ==
          name(errc::body_too_large));
    CHECK(outcome(oidc::parse_token_response(200, "text/plain", "access_token=a&token_type=bearer", nullptr,
                                             {.accept_form = false})) == name(errc::invalid_token_response));
}

TEST_CASE("oidc: RFC 6749 §5.2: an error response becomes a typed error with the provider's text", "[oidc][token]")
{
    oidc::provider_error d;
    const auto r = oidc::parse_token_response(
        400, "application/json",
        R"({"error":"invalid_grant","error_description":"code expired","error_uri":"https://op.example/e"})", &d);
    CHECK(outcome(r) == name(errc::provider_error));
    CHECK(d.code == oidc::provider_error_code::invalid_grant);
    CHECK(d.error == "invalid_grant");
    CHECK(d.error_description == "code expired");
    CHECK(d.error_uri == "https://op.example/e");
    oidc::provider_error d2;
    CHECK(outcome(oidc::parse_token_response(401, "application/json", R"({"error":"invalid_client"})", &d2)) ==
          name(errc::provider_error));
    CHECK(d2.code == oidc::provider_error_code::invalid_client);
    CHECK(outcome(oidc::parse_token_response(400, "application/json", R"({"error":7})")) ==
          name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_token_response(400, "application/json", R"({})")) == name(errc::invalid_token_response));
}

TEST_CASE("oidc: GitHub (research §2.2): a form-encoded token response, even labelled JSON, and errors with 200",
          "[oidc][token]")
{
    auto r = oidc::parse_token_response(200, "application/x-www-form-urlencoded",
                                        "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist"
                                        "&token_type=bearer");
    REQUIRE(outcome(r) == "ok");
    CHECK(r->access_token == "gho_16C7e42F292c6912E7710c838347Ae178B4a");
    CHECK(r->scope == "repo,gist");
    CHECK(r->token_type == "bearer");
    // Mislabelled (github community discussion 101123): the shape decides.
    r = oidc::parse_token_response(200, "application/json",
                                   "access_token=ghu_x&expires_in=28800&refresh_token=ghr_y"
                                   "&refresh_token_expires_in=15811200&scope=&token_type=bearer");
    REQUIRE(outcome(r) == "ok");
    CHECK(r->expires_in == 28800);
    CHECK(r->refresh_token == "ghr_y");
    CHECK(r->scope.empty());
    oidc::provider_error d;
    CHECK(outcome(oidc::parse_token_response(
              200, "application/x-www-form-urlencoded",
              "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."
              "&error_uri=https%3A%2F%2Fdocs.github.com%2Fapps",
              &d)) == name(errc::provider_error));
    CHECK(d.code == oidc::provider_error_code::other);
    CHECK(d.error == "bad_verification_code");
    CHECK(d.error_description == "The code passed is incorrect or expired.");
    CHECK(d.error_uri == "https://docs.github.com/apps");
    const auto form = [](std::string_view body) {
        return outcome(oidc::parse_token_response(200, "application/x-www-form-urlencoded", body));
    };
    CHECK(form("access_token=a&access_token=b&token_type=bearer") == name(errc::duplicate_parameter));
    CHECK(form("access_token=a&token_type=bearer&expires_in=-1") == name(errc::invalid_claim_type));
    CHECK(form("access_token=a&token_type=bearer&expires_in=1e3") == name(errc::invalid_claim_type));
    CHECK(form("access_token=a&token_type=bearer&expires_in=3155760000") == "ok");
    CHECK(form("access_token=a&token_type=bearer&expires_in=3155760001") == name(errc::invalid_claim_type));
    CHECK(form("access_token=a&token_type=bearer&expires_in=999999999999999999") == name(errc::invalid_claim_type));
    CHECK(form("access_token=a&token_type=bearer&expires_in=9999999999999999999") == name(errc::invalid_claim_type));
    CHECK(form("access_token=a") == name(errc::missing_parameter));
    CHECK(form("<html>") == name(errc::malformed_form_body));
}

}  // namespace oidc_token_test
