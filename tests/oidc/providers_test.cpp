// Tests for apiauth/oidc/providers.hpp and apiauth/oidc/profile.hpp: the four presets, Facebook's
// appsecret_proof, and the normalised profile from each provider's documented user JSON
// (fixtures from research/social-login.md §2).
#include <apiauth/jose/sign.hpp>
#include <apiauth/oidc/profile.hpp>
#include <apiauth/oidc/providers.hpp>

#include "../support/jose_support.hpp"
#include "../support/test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace oidc_providers_test {

namespace {
namespace oidc = apiauth::oidc;
using apiauth::errc;
using apiauth::test::name;
using apiauth::test::outcome;
}  // namespace

TEST_CASE("oidc: research §2.5: the presets' protocol, endpoints and quirks", "[oidc][providers]")
{
    CHECK(oidc::google.openid);
    CHECK(oidc::google.legacy_issuer == "accounts.google.com");
    CHECK(oidc::linkedin.openid);
    CHECK(oidc::linkedin.issuer == "https://www.linkedin.com/oauth");
    CHECK_FALSE(oidc::linkedin.pkce);
    CHECK(oidc::linkedin.token_auth == oidc::client_auth::client_secret_post);
    CHECK_FALSE(oidc::github.openid);
    CHECK(oidc::github.form_token_response);
    CHECK(oidc::github.emails_endpoint == "https://api.github.com/user/emails");
    CHECK_FALSE(oidc::facebook.openid);
    CHECK(oidc::facebook.appsecret_proof);
    for (const oidc::provider_preset* p : {&oidc::google, &oidc::linkedin, &oidc::github, &oidc::facebook}) {
        const auto r = oidc::build_authorization_request(
            oidc::authorization_for(*p, "client-1", "https://app.example/cb/" + std::string(to_string(p->id))));
        CHECK(outcome(r) == "ok");
        if (r) CHECK(r->pending.nonce.empty() == !(p->openid && p->nonce));
        CHECK(outcome(oidc::build_token_request({.token_endpoint = p->token_endpoint,
                                                 .client_id = "client-1",
                                                 .client_secret = "secret",
                                                 .auth = p->token_auth,
                                                 .code = "c",
                                                 .redirect_uri = "https://app.example/cb"})) == "ok");
    }
    const auto o = oidc::id_token_options_for(oidc::google, "client-1");
    CHECK(o.issuer == "https://accounts.google.com");
    CHECK(o.additional_issuers.values == std::vector<std::string>{"accounts.google.com"});
    CHECK(o.algorithms == std::vector<apiauth::jose::algorithm>{apiauth::jose::algorithm::rs256});
}

TEST_CASE("oidc: Facebook appsecret_proof = hex(HMAC-SHA256(app secret, access token))", "[oidc][providers]")
{
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    CHECK(oidc::appsecret_proof("Jefe", "what do ya want for nothing?").value() ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(outcome(oidc::appsecret_proof("", "token")) == name(errc::invalid_configuration));
    CHECK(outcome(oidc::appsecret_proof("secret", "")) == name(errc::invalid_configuration));
}

TEST_CASE("oidc: OIDC Core §5.3.2: Google's userinfo (research §2.1)", "[oidc][profile]")
{
    const std::string doc = R"({"sub": "110169484474386276334", "name": "Ada Lovelace", "given_name": "Ada",
 "family_name": "Lovelace", "picture": "https://lh3.googleusercontent.com/a/x",
 "email": "ada@example.com", "email_verified": true, "locale": "en", "hd": "example.com"})";
    const auto p = oidc::parse_userinfo(oidc::provider_id::google, doc);
    REQUIRE(outcome(p) == "ok");
    CHECK(p->provider == oidc::provider_id::google);
    CHECK(p->subject == "110169484474386276334");
    CHECK(p->email == "ada@example.com");
    CHECK(p->email_verified);
    CHECK(p->name == "Ada Lovelace");
    CHECK(p->picture == "https://lh3.googleusercontent.com/a/x");
    // The older string form "true" (research §2.1), and "false".
    auto q = oidc::parse_userinfo(oidc::provider_id::google,
                                  R"({"sub":"1","email":"a@example.com","email_verified":"true"})");
    REQUIRE(outcome(q) == "ok");
    CHECK(q->email_verified);
    q = oidc::parse_userinfo(oidc::provider_id::google,
                             R"({"sub":"1","email":"a@example.com","email_verified":"false"})");
    REQUIRE(outcome(q) == "ok");
    CHECK_FALSE(q->email_verified);
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::google, R"({"sub":"1","email_verified":"yes"})")) ==
          name(errc::invalid_claim_type));
    // OIDC Core §5.3.2: the userinfo sub must be the ID token's.
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::google, doc,
                                       {.expected_subject = "110169484474386276334"})) == "ok");
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::google, doc, {.expected_subject = "someone-else"})) ==
          name(errc::subject_mismatch));
}

TEST_CASE("oidc: LinkedIn's userinfo, locale an object or a string (research §2.4)", "[oidc][profile]")
{
    const auto p = oidc::parse_userinfo(oidc::provider_id::linkedin, R"({"sub": "vaz8tJ1Aah", "email_verified": true,
 "name": "Example User", "locale": {"country": "US", "language": "en"}, "given_name": "Example",
 "family_name": "User", "email": "user@example.com", "picture": "https://media.licdn.com/dms/image/v2/example_user"})");
    REQUIRE(outcome(p) == "ok");
    CHECK(p->subject == "vaz8tJ1Aah");
    CHECK(p->email == "user@example.com");
    CHECK(p->email_verified);
    CHECK(p->name == "Example User");
    CHECK(p->picture == "https://media.licdn.com/dms/image/v2/example_user");
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::linkedin, R"({"sub":"x","locale":"en_US"})")) == "ok");
}

TEST_CASE("oidc: Facebook's Graph /me: picture.data.url, email never verified (research §2.3)", "[oidc][profile]")
{
    const auto p = oidc::parse_userinfo(oidc::provider_id::facebook, R"({"id": "104997728422575", "name": "Jane Smith",
 "email": "jsmith@example.com",
 "picture": {"data": {"url": "https://platform-lookaside.fbsbx.com/x", "is_silhouette": false}}})");
    REQUIRE(outcome(p) == "ok");
    CHECK(p->provider == oidc::provider_id::facebook);
    CHECK(p->subject == "104997728422575");
    CHECK(p->email == "jsmith@example.com");
    CHECK_FALSE(p->email_verified);
    CHECK(p->name == "Jane Smith");
    CHECK(p->picture == "https://platform-lookaside.fbsbx.com/x");
    // A Facebook document claiming email_verified changes nothing.
    const auto q =
        oidc::parse_userinfo(oidc::provider_id::facebook, R"({"id":"1","email":"a@b.c","email_verified":true})");
    REQUIRE(outcome(q) == "ok");
    CHECK_FALSE(q->email_verified);
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::facebook, R"({"id":"1","picture":"https://x"})")) ==
          name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::facebook, R"({"sub":"1"})")) == name(errc::missing_claim));
}

TEST_CASE("oidc: GitHub's /user and /user/emails: id as subject, primary verified email (research §2.2)",
          "[oidc][profile]")
{
    const std::string user = R"({"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "name": "The Octocat",
 "email": null, "avatar_url": "https://github.com/images/error/octocat_happy.gif"})";
    const std::string emails =
        R"([{"email": "old@example.com", "primary": false, "verified": true, "visibility": null},
 {"email": "octocat@github.com", "primary": true, "verified": true, "visibility": "private"}])";
    auto p = oidc::parse_github_user(user, emails);
    REQUIRE(outcome(p) == "ok");
    CHECK(p->provider == oidc::provider_id::github);
    CHECK(p->subject == "1");
    CHECK(p->email == "octocat@github.com");
    CHECK(p->email_verified);
    CHECK(p->name == "The Octocat");
    CHECK(p->picture == "https://github.com/images/error/octocat_happy.gif");
    // Without /user/emails: the public email, unverified; name null falls back to login.
    p = oidc::parse_github_user(R"({"login":"octocat","id":583231,"name":null,"email":"o@example.com"})");
    REQUIRE(outcome(p) == "ok");
    CHECK(p->subject == "583231");
    CHECK(p->name == "octocat");
    CHECK(p->email == "o@example.com");
    CHECK_FALSE(p->email_verified);
    // A primary email that is not verified is not used as verified.
    p = oidc::parse_github_user(user, R"([{"email":"x@example.com","primary":true,"verified":false}])");
    REQUIRE(outcome(p) == "ok");
    CHECK(p->email.empty());
    CHECK_FALSE(p->email_verified);
    // A primary verified entry without an address (found by fuzz_userinfo) verifies nothing.
    p = oidc::parse_github_user(user, R"([{"email":"","primary":true,"verified":true}])");
    REQUIRE(outcome(p) == "ok");
    CHECK(p->email.empty());
    CHECK_FALSE(p->email_verified);
    CHECK(outcome(oidc::parse_github_user(R"({"login":"octocat"})")) == name(errc::missing_claim));
    CHECK(outcome(oidc::parse_github_user(R"({"id":-1})")) == name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_github_user(R"({"id":1.5})")) == name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_github_user(user, R"({"email":"x"})")) == name(errc::invalid_claims));
    CHECK(outcome(oidc::parse_github_user(user, R"([{"email":"x","primary":"yes","verified":true}])")) ==
          name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_userinfo(oidc::provider_id::github, user)) == name(errc::invalid_configuration));
}

TEST_CASE("oidc: userinfo is read strictly: object, unique members, bounded, sub at most 255 octets", "[oidc][profile]")
{
    using P = oidc::provider_id;
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"({"sub":"1","sub":"2"})")) == name(errc::duplicate_member));
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"(["sub"])")) == name(errc::invalid_claims));
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"({"sub":""})")) == name(errc::missing_claim));
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"({"sub":null})")) == name(errc::missing_claim));
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"({"sub":true})")) == name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_userinfo(P::generic, "{\"sub\":\"" + std::string(256, 'a') + "\"}")) ==
          name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_userinfo(P::generic, R"({"sub":"1","email":5})")) == name(errc::invalid_claim_type));
    CHECK(outcome(oidc::parse_userinfo(P::generic, std::string(70 * 1024, ' '))) == name(errc::body_too_large));
    // An email_verified without an email says nothing.
    const auto p = oidc::parse_userinfo(P::generic, R"({"sub":"1","email_verified":true})");
    REQUIRE(outcome(p) == "ok");
    CHECK_FALSE(p->email_verified);
}

TEST_CASE("oidc: OIDC Core §5.1: the profile in a validated ID token", "[oidc][profile]")
{
    namespace jose = apiauth::jose;
    const auto k = jose::key::generate(jose::algorithm::es256, "k").value();
    const auto set = jose::key_set::from_jwks(jose::key_set(k).to_public_jwks().dump()).value();
    auto o = oidc::id_token_options_for(oidc::google, "client-1");
    o.algorithms = {jose::algorithm::es256};
    o.clock = apiauth::test::clock_at(1700000000);
    const auto v = oidc::id_token_verifier::make(set, o);
    REQUIRE(outcome(v) == "ok");
    const std::string token = jose::jwt::signer::make(k)
                                  .value()
                                  .sign({{"iss", "accounts.google.com"},
                                         {"sub", "110169484474386276334"},
                                         {"aud", "client-1"},
                                         {"exp", 1700000600},
                                         {"iat", 1700000000},
                                         {"email", "ada@example.com"},
                                         {"email_verified", true},
                                         {"name", "Ada Lovelace"},
                                         {"picture", "https://lh3.googleusercontent.com/a/x"}})
                                  .value();
    const auto t = v->verify(token);
    REQUIRE(outcome(t) == "ok");
    const auto p = oidc::profile_from_id_token(oidc::provider_id::google, *t);
    REQUIRE(outcome(p) == "ok");
    CHECK(p->subject == "110169484474386276334");
    CHECK(p->email == "ada@example.com");
    CHECK(p->email_verified);
    CHECK(p->name == "Ada Lovelace");
}

}  // namespace oidc_providers_test
