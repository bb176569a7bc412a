// Tests for apiauth/oidc/discovery.hpp: OpenID Provider Metadata (Discovery 1.0 §3, §4.3) and the
// JWKS fetch schedule (OpenID Connect Core §10.1.1, RFC 9111 §5.2.2.1).
#include <apiauth/oidc/discovery.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace oidc_discovery_test {

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;
using apiauth::test::name;
using apiauth::test::outcome;
using namespace std::chrono_literals;

// Google's document (research §2.1), trimmed to what matters.
nlohmann::json google()
{
    return {{"issuer", "https://accounts.google.com"},
            {"authorization_endpoint", "https://accounts.google.com/o/oauth2/v2/auth"},
            {"token_endpoint", "https://oauth2.googleapis.com/token"},
            {"userinfo_endpoint", "https://openidconnect.googleapis.com/v1/userinfo"},
            {"revocation_endpoint", "https://oauth2.googleapis.com/revoke"},
            {"jwks_uri", "https://www.googleapis.com/oauth2/v3/certs"},
            {"response_types_supported", {"code", "token", "id_token", "code token"}},
            {"subject_types_supported", {"public"}},
            {"id_token_signing_alg_values_supported", {"RS256"}},
            {"scopes_supported", {"openid", "email", "profile"}},
            {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic"}},
            {"code_challenge_methods_supported", {"plain", "S256"}},
            {"claims_supported", {"aud", "email", "email_verified", "sub"}}};
}

}  // namespace

TEST_CASE("oidc: Discovery §4: the metadata URL of an issuer", "[oidc][discovery]")
{
    CHECK(oidc::discovery_url("https://accounts.google.com") ==
          "https://accounts.google.com/.well-known/openid-configuration");
    CHECK(oidc::discovery_url("https://www.linkedin.com/oauth") ==
          "https://www.linkedin.com/oauth/.well-known/openid-configuration");
    CHECK(oidc::discovery_url("https://op.example/") == "https://op.example/.well-known/openid-configuration");
}

TEST_CASE("oidc: Discovery §3, §4.3: Google's metadata read", "[oidc][discovery]")
{
    const auto m = oidc::parse_provider_metadata(google().dump(), "https://accounts.google.com");
    REQUIRE(outcome(m) == "ok");
    CHECK(m->token_endpoint == "https://oauth2.googleapis.com/token");
    CHECK(m->userinfo_endpoint == "https://openidconnect.googleapis.com/v1/userinfo");
    CHECK(m->jwks_uri == "https://www.googleapis.com/oauth2/v3/certs");
    CHECK(m->revocation_endpoint == "https://oauth2.googleapis.com/revoke");
    CHECK(m->end_session_endpoint.empty());
    CHECK(m->id_token_algorithms() == std::vector<apiauth::jose::algorithm>{apiauth::jose::algorithm::rs256});
    CHECK(m->supports_s256());
    CHECK_FALSE(m->authorization_response_iss_parameter_supported);
    CHECK(m->token_endpoint_auth_methods_supported.size() == 2);
    // oidc-provider on loopback http with RFC 9207 (research §4).
    auto local = google();
    local["issuer"] = "http://localhost:3000";
    local["authorization_endpoint"] = "http://localhost:3000/auth";
    local["token_endpoint"] = "http://localhost:3000/token";
    local["jwks_uri"] = "http://localhost:3000/jwks";
    local["userinfo_endpoint"] = "http://localhost:3000/me";
    local["authorization_response_iss_parameter_supported"] = true;
    local["id_token_signing_alg_values_supported"] = {"none", "RS256", "ES256", "FOO"};
    const auto l = oidc::parse_provider_metadata(local.dump(), "http://localhost:3000");
    REQUIRE(outcome(l) == "ok");
    CHECK(l->authorization_response_iss_parameter_supported);
    CHECK(l->id_token_algorithms() ==
          std::vector<apiauth::jose::algorithm>{apiauth::jose::algorithm::rs256, apiauth::jose::algorithm::es256});
    CHECK(
        outcome(oidc::parse_provider_metadata(local.dump(), "http://localhost:3000", {.allow_loopback_http = false})) ==
        name(errc::invalid_provider_metadata));
    // A provider on https may not send the client to http on this machine: its token endpoint
    // would receive the client secret in clear, at whatever listens there.
    for (const char* endpoint : {"token_endpoint", "jwks_uri", "userinfo_endpoint", "authorization_endpoint"}) {
        INFO(endpoint);
        auto remote = google();
        remote[endpoint] = "http://127.0.0.1:8080/steal";
        CHECK(outcome(oidc::parse_provider_metadata(remote.dump(), "https://accounts.google.com")) ==
              name(errc::invalid_provider_metadata));
        remote[endpoint] = "https://127.0.0.1:8443/ok";  // https on loopback: TLS still verifies who answers
        CHECK(outcome(oidc::parse_provider_metadata(remote.dump(), "https://accounts.google.com")) == "ok");
    }
}

TEST_CASE("oidc: Discovery §4.3: issuer identical to the expected one", "[oidc][discovery]")
{
    const std::string doc = google().dump();
    CHECK(outcome(oidc::parse_provider_metadata(doc, "https://accounts.google.com/")) == name(errc::wrong_issuer));
    CHECK(outcome(oidc::parse_provider_metadata(doc, "accounts.google.com")) == name(errc::wrong_issuer));
    CHECK(outcome(oidc::parse_provider_metadata(doc, "https://attacker.example")) == name(errc::wrong_issuer));
}

TEST_CASE("oidc: Discovery §3: required members, types, https endpoints", "[oidc][discovery]")
{
    const auto parse = [](const nlohmann::json& j, oidc::metadata_options o = {}) {
        return outcome(oidc::parse_provider_metadata(j.dump(), "https://accounts.google.com", o));
    };
    for (const char* m : {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
                          "subject_types_supported", "id_token_signing_alg_values_supported"}) {
        auto j = google();
        j.erase(m);
        CHECK(parse(j) == name(errc::missing_parameter));
    }
    auto j = google();
    j.erase("token_endpoint");  // Facebook's document (research §2.3)
    CHECK(parse(j, {.require_token_endpoint = false}) == "ok");
    j = google();
    j["jwks_uri"] = "http://www.googleapis.com/oauth2/v3/certs";
    CHECK(parse(j) == name(errc::invalid_provider_metadata));
    j = google();
    j["token_endpoint"] = "https://oauth2.googleapis.com/token#f";
    CHECK(parse(j) == name(errc::invalid_provider_metadata));
    j = google();
    j["issuer"] = "https://accounts.google.com?x=1";
    CHECK(outcome(oidc::parse_provider_metadata(j.dump(), "https://accounts.google.com?x=1")) ==
          name(errc::invalid_provider_metadata));
    j = google();
    j["token_endpoint"] = 5;
    CHECK(parse(j) == name(errc::invalid_claim_type));
    j = google();
    j["scopes_supported"] = "openid";
    CHECK(parse(j) == name(errc::invalid_claim_type));
    j = google();
    j["subject_types_supported"] = {"public", 1};
    CHECK(parse(j) == name(errc::invalid_claim_type));
    j = google();
    j["authorization_response_iss_parameter_supported"] = "true";
    CHECK(parse(j) == name(errc::invalid_claim_type));
    j = google();
    j["id_token_signing_alg_values_supported"] = {"none"};
    CHECK(parse(j) == name(errc::unsupported_algorithm));
    CHECK(outcome(oidc::parse_provider_metadata(R"({"issuer":"a","issuer":"b"})", "a")) ==
          name(errc::duplicate_member));
    CHECK(outcome(oidc::parse_provider_metadata("[1]", "a")) == name(errc::invalid_provider_metadata));
    CHECK(outcome(oidc::parse_provider_metadata("{", "a")) == name(errc::invalid_provider_metadata));
    CHECK(outcome(oidc::parse_provider_metadata(std::string(70 * 1024, ' '), "a")) == name(errc::body_too_large));
}

TEST_CASE("oidc: RFC 9111 §5.2.2.1, OIDC Core §10.1.1: JWKS lifetime from Cache-Control, bounded", "[oidc][discovery]")
{
    CHECK(oidc::jwks_lifetime("public, max-age=19800, must-revalidate, no-transform") == 19800s);  // Google's
    CHECK(oidc::jwks_lifetime("") == 600s);
    CHECK(oidc::jwks_lifetime("public") == 600s);
    CHECK(oidc::jwks_lifetime("MAX-AGE=120") == 120s);
    CHECK(oidc::jwks_lifetime("max-age=\"300\"") == 300s);
    CHECK(oidc::jwks_lifetime("max-age=5") == 60s);                  // at least min_lifetime
    CHECK(oidc::jwks_lifetime("max-age=99999999999999") == 86400s);  // at most max_lifetime
    CHECK(oidc::jwks_lifetime("max-age=abc") == 600s);
    CHECK(oidc::jwks_lifetime("max-age=") == 600s);
    CHECK(oidc::jwks_lifetime("no-store") == 60s);
    CHECK(oidc::jwks_lifetime("max-age=3000, no-cache") == 60s);
    CHECK(oidc::jwks_lifetime("max-age=3000", {.default_lifetime = 10s, .min_lifetime = 1s, .max_lifetime = 100s}) ==
          100s);
    // Bounds the wrong way round: min_lifetime wins (std::clamp would be undefined behaviour).
    const oidc::jwks_cache_policy upside_down{.default_lifetime = 600s, .min_lifetime = 300s, .max_lifetime = 60s};
    CHECK(oidc::jwks_lifetime("max-age=3000", upside_down) == 300s);
    CHECK(oidc::jwks_lifetime("max-age=5", upside_down) == 300s);
    CHECK(oidc::jwks_lifetime("", upside_down) == 300s);
    CHECK(oidc::jwks_lifetime("no-store", upside_down) == 300s);
}

TEST_CASE("oidc: research §1.9: refetch on an unknown kid at most once per cooldown", "[oidc][discovery]")
{
    using clock = std::chrono::system_clock;
    const clock::time_point t0 = clock::time_point(std::chrono::seconds(1700000000));
    oidc::jwks_schedule s;
    CHECK(s.due(t0));
    CHECK(s.may_refetch(apiauth::errc::unknown_key, t0));
    s.fetched(t0, "max-age=3600");
    CHECK_FALSE(s.due(t0 + 3599s));
    CHECK(s.due(t0 + 3600s));
    CHECK(s.expires_at() == t0 + 3600s);
    CHECK_FALSE(s.may_refetch(apiauth::errc::unknown_key, t0 + 29s));
    CHECK(s.may_refetch(apiauth::errc::unknown_key, t0 + 30s));
    CHECK(s.next_refetch_allowed() == t0 + 30s);
    // Only an unknown kid triggers a fetch: a bad signature or an expired token does not.
    CHECK_FALSE(s.may_refetch(apiauth::errc::bad_signature, t0 + 100s));
    CHECK_FALSE(s.may_refetch(apiauth::errc::token_expired, t0 + 100s));
    // A failed fetch keeps the keys and waits the cooldown before trying again.
    s.fetch_failed(t0 + 4000s);
    CHECK_FALSE(s.due(t0 + 4029s));
    CHECK(s.due(t0 + 4030s));
    CHECK_FALSE(s.may_refetch(apiauth::errc::unknown_key, t0 + 4010s));
}

}  // namespace oidc_discovery_test
