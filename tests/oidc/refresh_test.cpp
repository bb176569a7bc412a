// Tests for the refresh and revocation steps of apiauth/oidc: build_refresh_request
// (token.hpp; RFC 6749 §6, §2.3.1), parse_token_response on refresh answers (§6, §5.2),
// check_refreshed_id_token (refresh.hpp; OpenID Connect Core §12.2), build_revocation_request
// and parse_revocation_response (revocation.hpp; RFC 7009 §2.1, §2.2, §2.2.1). ID tokens are
// made here by jose/sign.hpp, as tests/oidc/id_token_test.cpp makes them.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oidc/oidc.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <system_error>

namespace oidc_refresh_test {

namespace {

namespace oidc = apiauth::oidc;
namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::clock_at;
using apiauth::test::name;
using apiauth::test::outcome;

// "ok" or the error's name, for functions that return a std::error_code.
std::string ec_outcome(std::error_code ec)
{
    return ec ? std::string(apiauth::error_name(ec)) : "ok";
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

std::string basic_of(std::string_view encoded_pair)
{
    return "Basic " + apiauth::encoding::base64::encode(encoded_pair);
}

// A refresh token with every character that form-encoding must escape.
constexpr std::string_view awkward_refresh_token = "tGzv3JOkF0XG5Qx2TlKWIA+a&b=c d%e";

oidc::refresh_request_options refresh_base()
{
    return {.token_endpoint = "https://op.example/token",
            .client_id = "s6BhdRkqt3",
            .client_secret = "7Fjfp0ZBr1KtDRbnfVdmIw",
            .refresh_token = "tGzv3JOkF0XG5Qx2TlKWIA"};
}

oidc::revocation_request_options revocation_base()
{
    return {.revocation_endpoint = "https://op.example/revoke",
            .client_id = "s6BhdRkqt3",
            .client_secret = "7Fjfp0ZBr1KtDRbnfVdmIw",
            .token = "45ghiukldjahdnhzdauz",
            .token_type_hint = "refresh_token"};
}

// ---- ID tokens ------------------------------------------------------------------------------

constexpr double now = 1700000000;
constexpr std::string_view issuer = "https://op.example";
constexpr std::string_view other_issuer = "https://op2.example";  // accepted too, to test iss
constexpr std::string_view client = "client-1";
constexpr std::string_view other_audience = "api-2";  // trusted, to test aud sets
constexpr std::string_view nonce = "n-0S6_WzA2Mj";

struct provider_keys {
    jose::key rsa = jose::key::generate(jose::algorithm::rs256, "rsa-1").value();
    jose::key_set jwks = jose::key_set::from_jwks(jose::key_set::make({rsa}).value().to_public_jwks().dump()).value();
};
const provider_keys& keys()
{
    static const provider_keys k;
    return k;
}

// The ID token of the original authentication (Core §3.1.3.7).
nlohmann::json original_claims()
{
    return {{"iss", issuer}, {"sub", "248289761001"}, {"aud", client},        {"exp", now + 600},
            {"iat", now},    {"nonce", nonce},        {"auth_time", now - 30}};
}

// The ID token of a refresh as §12.2 describes it: same iss, sub, aud, auth_time; new iat and
// exp; no nonce.
nlohmann::json refreshed_claims()
{
    auto c = original_claims();
    c["iat"] = now + 300;
    c["exp"] = now + 900;
    c.erase("nonce");
    return c;
}

const oidc::id_token_verifier& verifier()
{
    static const oidc::id_token_verifier v = [] {
        oidc::id_token_options o;
        o.issuer = std::string(issuer);
        o.additional_issuers = std::string(other_issuer);
        o.client_id = std::string(client);
        o.trusted_audiences = std::string(other_audience);
        o.require_azp_with_several_audiences = false;
        o.clock = clock_at(now + 300);
        return oidc::id_token_verifier::make(keys().jwks, std::move(o)).value();
    }();
    return v;
}

// Signs `c` and verifies it as the application would: the original with its nonce, a refreshed
// token with no nonce expected.
oidc::id_token verified(const nlohmann::json& c, std::string_view expected_nonce = {})
{
    const std::string token = jwt::signer::make(keys().rsa).value().sign(c).value();
    auto t = verifier().verify(token, {.nonce = expected_nonce});
    REQUIRE(outcome(t) == "ok");
    return std::move(*t);
}

std::string check(const nlohmann::json& original, const nlohmann::json& refreshed)
{
    const bool has_nonce = original.contains("nonce");
    const auto o = verified(original, has_nonce ? std::string_view(nonce) : std::string_view());
    return ec_outcome(oidc::check_refreshed_id_token(o, verified(refreshed)));
}

}  // namespace

// ---- refresh request --------------------------------------------------------------------------

TEST_CASE("oidc: RFC 6749 §6, §2.3.1: a refresh with client_secret_basic", "[oidc][refresh]")
{
    const auto r = oidc::build_refresh_request(refresh_base());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->method == "POST");
    CHECK(r->url == "https://op.example/token");
    REQUIRE(r->find("Authorization"));
    CHECK(*r->find("Authorization") == basic_of("s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw"));
    CHECK(*r->find("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(*r->find("Accept") == "application/json");
    CHECK(r->fields.size() == 3);
    // RFC 6749 §6's example body.
    CHECK(r->body == "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA");
}

TEST_CASE("oidc: RFC 6749 §6, Appendix B: the refresh token and scope are form-encoded", "[oidc][refresh]")
{
    auto o = refresh_base();
    o.refresh_token = awkward_refresh_token;
    o.scope = "openid email https://www.googleapis.com/auth/drive.file";
    const auto r = oidc::build_refresh_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->body == "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA%2Ba%26b%3Dc+d%25e"
                     "&scope=openid+email+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdrive.file");
    const auto p = body_params(r->body);
    CHECK(p.size() == 3);
    CHECK(p.at("refresh_token") == awkward_refresh_token);
    CHECK(p.at("scope") == "openid email https://www.googleapis.com/auth/drive.file");
}

TEST_CASE("oidc: RFC 6749 §2.3.1: a refresh's Basic id and secret are form-encoded before base64", "[oidc][refresh]")
{
    auto o = refresh_base();
    o.client_id = "app:1";
    o.client_secret = "p@ss w+rd%&=";
    const auto r = oidc::build_refresh_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(*r->find("Authorization") == basic_of("app%3A1:p%40ss+w%2Brd%25%26%3D"));
    CHECK(body_params(r->body).count("client_id") == 0);
    o.client_secret = "bad\rsecret";
    CHECK(outcome(oidc::build_refresh_request(o)) == name(errc::basic_control_character));
}

TEST_CASE("oidc: RFC 6749 §6, §2.3.1: a refresh with client_secret_post and as a public client", "[oidc][refresh]")
{
    auto o = refresh_base();
    o.auth = oidc::client_auth::client_secret_post;
    o.client_secret = "s e+c&r=t";
    auto r = oidc::build_refresh_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->find("Authorization") == nullptr);
    CHECK(r->body == "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=s6BhdRkqt3"
                     "&client_secret=s+e%2Bc%26r%3Dt");
    o.auth = oidc::client_auth::none;
    o.client_secret = {};
    r = oidc::build_refresh_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->find("Authorization") == nullptr);
    CHECK(r->body == "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=s6BhdRkqt3");
}

TEST_CASE("oidc: RFC 6749 §6, §3.1, §3.2: refresh configuration refused", "[oidc][refresh]")
{
    const auto refused = [](const oidc::refresh_request_options& o) {
        return outcome(oidc::build_refresh_request(o)) == name(errc::invalid_configuration);
    };
    auto o = refresh_base();
    o.token_endpoint = "http://op.example/token";  // §3.2: TLS; http only on loopback
    CHECK(refused(o));
    o.token_endpoint = "https://op.example/token#f";  // §3.2: no fragment
    CHECK(refused(o));
    o.token_endpoint = "/token";
    CHECK(refused(o));
    o = refresh_base();
    o.client_id = {};
    CHECK(refused(o));
    o = refresh_base();
    o.refresh_token = {};
    CHECK(refused(o));
    o = refresh_base();
    o.client_secret = {};
    CHECK(refused(o));
    o.auth = oidc::client_auth::client_secret_post;
    CHECK(refused(o));
    o.auth = oidc::client_auth::none;
    CHECK(outcome(oidc::build_refresh_request(o)) == "ok");
    o = refresh_base();
    o.token_endpoint = "http://127.0.0.1:3000/token";
    CHECK(outcome(oidc::build_refresh_request(o)) == "ok");
}

TEST_CASE("oidc: RFC 6749 §6, §3.3: a refresh's scope must follow the scope grammar", "[oidc][refresh]")
{
    auto o = refresh_base();
    for (const std::string_view bad : {" openid", "openid ", "openid  email", "open\"id", "open\\id", "op\x01"}) {
        o.scope = bad;
        CHECK(outcome(oidc::build_refresh_request(o)) == name(errc::invalid_scope_syntax));
    }
    std::string many;
    for (int i = 0; i < 65; ++i) many += (i ? " s" : "s") + std::to_string(i);
    o.scope = many;
    CHECK(outcome(oidc::build_refresh_request(o)) == name(errc::too_many_scopes));
    // A configuration error is reported before the scope's.
    o.refresh_token = {};
    CHECK(outcome(oidc::build_refresh_request(o)) == name(errc::invalid_configuration));
}

TEST_CASE("oidc: RFC 6749 §6: a refresh answer may omit refresh_token and id_token", "[oidc][refresh]")
{
    auto t = oidc::parse_token_response(200, "application/json",
                                        R"({"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer",)"
                                        R"("expires_in":3600})");
    REQUIRE(outcome(t) == "ok");
    CHECK(t->access_token == "2YotnFZFEjr1zCsicMWpAA");
    CHECK(t->refresh_token.empty());  // keep the old one (RFC 6749 §6)
    CHECK(t->id_token.empty());       // no new ID token (OIDC Core §12.2)
    // A rotated refresh token replaces the old one.
    t = oidc::parse_token_response(200, "application/json",
                                   R"({"access_token":"a","token_type":"Bearer","refresh_token":"new-rt"})");
    REQUIRE(outcome(t) == "ok");
    CHECK(t->refresh_token == "new-rt");
}

TEST_CASE("oidc: RFC 6749 §5.2, §6: a revoked or expired refresh token is the provider's invalid_grant",
          "[oidc][refresh]")
{
    oidc::provider_error d;
    CHECK(outcome(oidc::parse_token_response(
              400, "application/json", R"({"error":"invalid_grant","error_description":"grant request is invalid"})",
              &d)) == name(errc::provider_error));
    CHECK(d.code == oidc::provider_error_code::invalid_grant);
    CHECK(d.error_description == "grant request is invalid");
    oidc::provider_error s;
    CHECK(outcome(oidc::parse_token_response(400, "application/json", R"({"error":"invalid_scope"})", &s)) ==
          name(errc::provider_error));
    CHECK(s.code == oidc::provider_error_code::invalid_scope);  // §6: a scope wider than the grant
}

// ---- refreshed ID token -----------------------------------------------------------------------

TEST_CASE("oidc: OIDC Core §12.2: a refreshed ID token as §12.2 describes it is accepted", "[oidc][refresh]")
{
    CHECK(check(original_claims(), refreshed_claims()) == "ok");
    // Without auth_time (§12.2: only "if the ID Token contains an auth_time Claim").
    auto r = refreshed_claims();
    r.erase("auth_time");
    CHECK(check(original_claims(), r) == "ok");
    // With the original's nonce (SHOULD NOT, but allowed: errata set 2).
    r = refreshed_claims();
    r["nonce"] = nonce;
    CHECK(check(original_claims(), r) == "ok");
    // The same audiences in another order, and an audience repeated, are the same set.
    auto o = original_claims();
    o["aud"] = {client, other_audience};
    r = refreshed_claims();
    r["aud"] = {other_audience, client, client};
    CHECK(check(o, r) == "ok");
    // azp equal in both.
    o = original_claims();
    o["azp"] = client;
    r = refreshed_claims();
    r["azp"] = client;
    CHECK(check(o, r) == "ok");
    // An original without nonce, refreshed without nonce.
    o = original_claims();
    o.erase("nonce");
    CHECK(check(o, refreshed_claims()) == "ok");
}

TEST_CASE("oidc: OIDC Core §12.2: iss and sub must be the same", "[oidc][refresh]")
{
    const std::string mismatch = name(errc::refreshed_id_token_mismatch);
    auto r = refreshed_claims();
    r["iss"] = other_issuer;  // an issuer the verifier accepts, but not the original's
    CHECK(check(original_claims(), r) == mismatch);
    r = refreshed_claims();
    r["sub"] = "248289761002";  // another user: never switch accounts on a refresh
    CHECK(check(original_claims(), r) == mismatch);
    r["sub"] = "248289761001 ";
    CHECK(check(original_claims(), r) == mismatch);
}

TEST_CASE("oidc: OIDC Core §12.2: iat is the new token's, never before the original's", "[oidc][refresh]")
{
    auto r = refreshed_claims();
    r["iat"] = now - 10;  // issued before the original: a stale token replayed as the refresh
    CHECK(check(original_claims(), r) == name(errc::refreshed_id_token_mismatch));
    r["iat"] = now;  // the same second: a refresh right after the login
    CHECK(check(original_claims(), r) == "ok");
}

TEST_CASE("oidc: OIDC Core §12.2: aud must be the same set", "[oidc][refresh]")
{
    const std::string mismatch = name(errc::refreshed_id_token_mismatch);
    auto o = original_claims();
    auto r = refreshed_claims();
    r["aud"] = {client, other_audience};  // one more audience
    CHECK(check(o, r) == mismatch);
    o["aud"] = {client, other_audience};
    r["aud"] = client;  // one fewer
    CHECK(check(o, r) == mismatch);
    r["aud"] = {client, client};  // same size, another set
    CHECK(check(o, r) == mismatch);
}

TEST_CASE("oidc: OIDC Core §12.2: auth_time, when present, is the original authentication's", "[oidc][refresh]")
{
    const std::string mismatch = name(errc::refreshed_id_token_mismatch);
    auto r = refreshed_claims();
    r["auth_time"] = now + 300;  // the time of the refresh, not of the authentication
    CHECK(check(original_claims(), r) == mismatch);
    r["auth_time"] = now - 30.5;
    CHECK(check(original_claims(), r) == mismatch);
    // An original without auth_time gives nothing to compare a new one with.
    auto o = original_claims();
    o.erase("auth_time");
    CHECK(check(o, refreshed_claims()) == mismatch);
}

TEST_CASE("oidc: OIDC Core §12.2: azp absent in both or the same", "[oidc][refresh]")
{
    const std::string mismatch = name(errc::refreshed_id_token_mismatch);
    auto r = refreshed_claims();
    r["azp"] = client;  // "if no azp Claim was present in the original ID Token, one MUST NOT be present"
    CHECK(check(original_claims(), r) == mismatch);
    auto o = original_claims();
    o["azp"] = client;
    CHECK(check(o, refreshed_claims()) == mismatch);  // azp dropped
}

TEST_CASE("oidc: OIDC Core §12.2: a nonce in a refreshed ID token must be the original's", "[oidc][refresh]")
{
    const std::string mismatch = name(errc::refreshed_id_token_mismatch);
    auto r = refreshed_claims();
    r["nonce"] = "n-another";
    CHECK(check(original_claims(), r) == mismatch);
    r["nonce"] = std::string(nonce) + "x";  // one character more
    CHECK(check(original_claims(), r) == mismatch);
    auto o = original_claims();
    o.erase("nonce");
    r["nonce"] = nonce;  // the original had none
    CHECK(check(o, r) == mismatch);
}

// ---- revocation -------------------------------------------------------------------------------

TEST_CASE("oidc: RFC 7009 §2.1: a revocation with client_secret_basic and a token_type_hint", "[oidc][revocation]")
{
    const auto r = oidc::build_revocation_request(revocation_base());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->method == "POST");
    CHECK(r->url == "https://op.example/revoke");
    CHECK(*r->find("Authorization") == basic_of("s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw"));
    CHECK(*r->find("Content-Type") == "application/x-www-form-urlencoded");
    // RFC 7009 §2.1's example body.
    CHECK(r->body == "token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token");
    auto o = revocation_base();
    o.token_type_hint = "access_token";
    CHECK(oidc::build_revocation_request(o)->body == "token=45ghiukldjahdnhzdauz&token_type_hint=access_token");
    o.token_type_hint = {};  // no hint: none sent
    CHECK(oidc::build_revocation_request(o)->body == "token=45ghiukldjahdnhzdauz");
}

TEST_CASE("oidc: RFC 7009 §2.1, RFC 6749 Appendix B: the token and the client credentials are form-encoded",
          "[oidc][revocation]")
{
    auto o = revocation_base();
    o.token = awkward_refresh_token;
    o.client_id = "app:1";
    o.client_secret = "p@ss w+rd%";
    auto r = oidc::build_revocation_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->body == "token=tGzv3JOkF0XG5Qx2TlKWIA%2Ba%26b%3Dc+d%25e&token_type_hint=refresh_token");
    CHECK(body_params(r->body).at("token") == awkward_refresh_token);
    CHECK(*r->find("Authorization") == basic_of("app%3A1:p%40ss+w%2Brd%25"));
    o.auth = oidc::client_auth::client_secret_post;
    r = oidc::build_revocation_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->find("Authorization") == nullptr);
    CHECK(r->body == "token=tGzv3JOkF0XG5Qx2TlKWIA%2Ba%26b%3Dc+d%25e&token_type_hint=refresh_token&client_id=app%3A1"
                     "&client_secret=p%40ss+w%2Brd%25");
    o.auth = oidc::client_auth::none;
    o.client_secret = {};
    r = oidc::build_revocation_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(body_params(r->body).count("client_secret") == 0);
    CHECK(body_params(r->body).at("client_id") == "app:1");
}

TEST_CASE("oidc: RFC 7009 §2.1: revocation configuration refused", "[oidc][revocation]")
{
    const auto refused = [](const oidc::revocation_request_options& o) {
        return outcome(oidc::build_revocation_request(o)) == name(errc::invalid_configuration);
    };
    auto o = revocation_base();
    o.revocation_endpoint = {};  // the provider published none
    CHECK(refused(o));
    o.revocation_endpoint = "http://op.example/revoke";
    CHECK(refused(o));
    o.revocation_endpoint = "https://op.example/revoke#x";
    CHECK(refused(o));
    o = revocation_base();
    o.client_id = {};
    CHECK(refused(o));
    o = revocation_base();
    o.token = {};
    CHECK(refused(o));
    o = revocation_base();
    o.client_secret = {};
    CHECK(refused(o));
    o.auth = oidc::client_auth::client_secret_post;
    CHECK(refused(o));
    for (const std::string_view hint : {"id_token", "Refresh_Token", "refresh_token ", "access_token&x=1"}) {
        o = revocation_base();
        o.token_type_hint = hint;
        CHECK(refused(o));
    }
    o = revocation_base();
    o.client_secret = "a\nb";
    CHECK(outcome(oidc::build_revocation_request(o)) == name(errc::basic_control_character));
}

TEST_CASE("oidc: RFC 7009 §2.2: 200 is success whatever the body", "[oidc][revocation]")
{
    for (const std::string_view body : {"", "{}", "not json", R"({"error":"invalid_request"})"})
        CHECK(ec_outcome(oidc::parse_revocation_response(200, body)) == "ok");
    CHECK(ec_outcome(oidc::parse_revocation_response(200, std::string(100 * 1024, 'x'))) == "ok");
}

TEST_CASE("oidc: RFC 7009 §2.2.1: 503 and other 5xx are provider_unavailable", "[oidc][revocation]")
{
    for (const int status : {500, 502, 503, 504, 599})
        CHECK(ec_outcome(oidc::parse_revocation_response(status, R"({"error":"invalid_request"})")) ==
              name(errc::provider_unavailable));
}

TEST_CASE("oidc: RFC 7009 §2.2.1, RFC 6749 §5.2: a 4xx error body is the provider's error", "[oidc][revocation]")
{
    oidc::provider_error d;
    CHECK(ec_outcome(oidc::parse_revocation_response(
              400, R"({"error":"unsupported_token_type","error_description":"only refresh tokens"})", &d)) ==
          name(errc::provider_error));
    CHECK(d.code == oidc::provider_error_code::unsupported_token_type);  // RFC 7009 §2.2.1's own code
    CHECK(d.error == "unsupported_token_type");
    CHECK(d.error_description == "only refresh tokens");
    oidc::provider_error c;
    CHECK(ec_outcome(oidc::parse_revocation_response(401,
                                                     R"({"error":"invalid_client","error_uri":"https://op.example/e"})",
                                                     &c)) == name(errc::provider_error));
    CHECK(c.code == oidc::provider_error_code::invalid_client);
    CHECK(c.error_uri == "https://op.example/e");
    CHECK(ec_outcome(oidc::parse_revocation_response(400, " \n{\"error\":\"invalid_request\"}")) ==
          name(errc::provider_error));
    CHECK(ec_outcome(oidc::parse_revocation_response(400, R"({"error":"invalid_request"})", nullptr)) ==
          name(errc::provider_error));
}

TEST_CASE("oidc: RFC 7009 §2.2: any other answer is invalid_token_response", "[oidc][revocation]")
{
    const auto parse = [](int status, std::string_view body) {
        return ec_outcome(oidc::parse_revocation_response(status, body));
    };
    const std::string invalid = name(errc::invalid_token_response);
    CHECK(parse(204, "") == invalid);  // §2.2 answers 200
    CHECK(parse(201, "{}") == invalid);
    CHECK(parse(302, R"({"error":"invalid_request"})") == invalid);
    CHECK(parse(400, "") == invalid);
    CHECK(parse(400, "error=invalid_request") == invalid);  // §5.2: JSON
    CHECK(parse(400, "<html>Bad Request</html>") == invalid);
    CHECK(parse(400, "{}") == invalid);
    CHECK(parse(400, R"({"error":""})") == invalid);
    CHECK(parse(400, R"({"error":"invalid_request")") == invalid);
    CHECK(parse(400, "{\"error\":\"\xC3\"}") == invalid);  // not UTF-8
    CHECK(parse(400, R"([{"error":"invalid_request"}])") == invalid);
    CHECK(parse(400, R"({"error":7})") == name(errc::invalid_claim_type));
    CHECK(parse(400, R"({"error":"invalid_request","error_description":null})") == name(errc::invalid_claim_type));
    CHECK(parse(400, R"({"error":"invalid_request","error":"invalid_client"})") == name(errc::duplicate_member));
    CHECK(parse(400, std::string(70 * 1024, ' ')) == name(errc::body_too_large));
    CHECK(ec_outcome(oidc::parse_revocation_response(400, std::string(2048, ' ') + R"({"error":"invalid_request"})",
                                                     nullptr, {.max_size = 1024})) == name(errc::body_too_large));
}

}  // namespace oidc_refresh_test
