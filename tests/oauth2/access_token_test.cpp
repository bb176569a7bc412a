// Tests for apiauth/oauth2/access_token.hpp: RFC 9068 access tokens issued and verified (case E90
// of research/http-auth-oauth2-spec.md and RFC 9068 §2.1, §2.2, §3, §4), the revocation check and
// scope enforcement (RFC 6750 §3.1). The memory revocation store itself: tests/stores/revocation_test.cpp.
#include "oauth2_support.hpp"

#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace oauth2_access_token_test {

using namespace oauth2_support;
using apiauth::errc;
using apiauth::oauth2::access_token_issuer;
using apiauth::oauth2::access_token_verifier;

namespace {

apiauth::jose::key hs_key(std::string_view kid = "at-1")
{
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), kid);
    REQUIRE(k.has_value());
    return std::move(*k);
}

std::function<std::chrono::system_clock::time_point()> fixed_clock(std::chrono::sys_seconds t)
{
    return [t] { return std::chrono::system_clock::time_point(t); };
}

// A JWT signed with `k` (by default the issuer's HS256 key), with any header and claims: what
// another kind of token, or a forger holding the key, would send.
std::string sign_raw(const nlohmann::json& header, const nlohmann::json& claims, const apiauth::jose::key& k)
{
    const std::string h = apiauth::encoding::base64url::encode(header.dump());
    const std::string c = apiauth::encoding::base64url::encode(claims.dump());
    const std::string input = h + "." + c;
    std::array<std::byte, 1024> sig{};
    auto n = k.sign(std::as_bytes(std::span(input.data(), input.size())), sig);
    REQUIRE(n.has_value());
    return input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

std::string sign_raw(const nlohmann::json& header, const nlohmann::json& claims)
{
    return sign_raw(header, claims, hs_key());
}

nlohmann::json good_claims()
{
    const auto now = t_now.time_since_epoch().count();
    return {{"iss", issuer_name}, {"sub", "c1"},  {"aud", audience_name}, {"exp", now + 600},
            {"iat", now},         {"jti", "j-1"}, {"client_id", "c1"},    {"scope", "read write"}};
}

nlohmann::json header(std::string_view typ, std::string_view alg = "HS256", std::string_view kid = "at-1")
{
    nlohmann::json h = {{"alg", alg}, {"kid", kid}};
    if (!typ.empty()) h["typ"] = typ;
    return h;
}

nlohmann::json decode_header(std::string_view jws)
{
    const auto h = apiauth::encoding::base64url::decode(jws.substr(0, jws.find('.')));
    REQUIRE(h.has_value());
    return nlohmann::json::parse(std::string(reinterpret_cast<const char*>(h->data()), h->size()));
}

access_token_verifier relaxed_verifier()
{
    auto v = access_token_verifier::make(apiauth::jose::key_set(hs_key()), {.issuer = std::string(issuer_name),
                                                                            .audience = std::string(audience_name),
                                                                            .accept_plain_jwt_typ = true,
                                                                            .clock = fixed_clock(t_now)});
    REQUIRE(v.has_value());
    return std::move(*v);
}

// Every failure of an access token at a resource is 401 invalid_token (RFC 9068 §4, RFC 6750 §3.1).
void check_invalid_token(std::error_code ec)
{
    INFO(ec.message());
    CHECK(apiauth::http_status(ec, apiauth::endpoint::resource) == 401);
    CHECK(apiauth::oauth_error(ec, apiauth::endpoint::resource) == "invalid_token");
}

}  // namespace

TEST_CASE_METHOD(client_fixture, "RFC 9068 §2.1, §2.2: an issued token has typ at+jwt, kid, and every required claim",
                 "[oauth2][access_token]")
{
    const std::string_view scopes[] = {"read", "write"};
    const auto t = issuer.issue({.subject = "c1", .client_id = "c1", .scopes = scopes});
    REQUIRE(t.has_value());
    CHECK(t->expires_in == std::chrono::seconds(3600));
    CHECK(t->issued_at == t_now);
    CHECK(t->expires_at == t_now + std::chrono::seconds(3600));
    CHECK(t->jti.size() == 22);  // 128 bits, base64url
    CHECK(decode_header(t->token) == nlohmann::json({{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "at-1"}}));
    const auto c = decode_payload(t->token);
    CHECK(c.size() == 8);
    CHECK(c.at("iss") == issuer_name);
    CHECK(c.at("sub") == "c1");
    CHECK(c.at("aud") == audience_name);
    CHECK(c.at("client_id") == "c1");
    CHECK(c.at("scope") == "read write");
    CHECK(c.at("jti") == t->jti);
    CHECK(c.at("iat") == t_now.time_since_epoch().count());
    CHECK(c.at("exp") == t_now.time_since_epoch().count() + 3600);
    const auto v = verifier.verify(t->token);
    REQUIRE(v.has_value());
    CHECK(v->subject() == "c1");
    CHECK(v->client_id() == "c1");
    CHECK(v->jti() == t->jti);
    CHECK(v->scope() == "read write");
    CHECK(v->has_scope("write"));
    CHECK_FALSE(v->has_scope("wri"));
    CHECK_FALSE(v->has_scope(""));
    CHECK(std::vector<std::string_view>(v->scopes().begin(), v->scopes().end()) ==
          std::vector<std::string_view>{"read", "write"});
    CHECK(std::vector<std::string_view>(v->audience().begin(), v->audience().end()) ==
          std::vector<std::string_view>{audience_name});
    CHECK(v->expires_at() == t->expires_at);
    CHECK(v->issued_at() == t->issued_at);
    CHECK(v->alg() == apiauth::jose::algorithm::hs256);
    CHECK(v->key().kid() == "at-1");
    CHECK(v->claims().iss() == issuer_name);
    // Two tokens never share a jti.
    CHECK(issuer.issue({.subject = "c1", .client_id = "c1"})->jti != t->jti);
    // No scope: no scope claim, and an empty scope list.
    const auto bare = issuer.issue({.subject = "c1", .client_id = "c1"});
    REQUIRE(bare.has_value());
    CHECK_FALSE(decode_payload(bare->token).contains("scope"));
    const auto vb = verifier.verify(bare->token);
    REQUIRE(vb.has_value());
    CHECK(vb->scopes().empty());
    CHECK(vb->scope().empty());
    CHECK_FALSE(vb->has_scope("read"));
}

TEST_CASE("RFC 9068 §2.2: a client credentials token's sub is the client, subject and client_id are separate claims",
          "[oauth2][access_token]")
{
    auto i = access_token_issuer::make(hs_key(), {.issuer = "https://as", .audience = {"https://rs"}});
    REQUIRE(i.has_value());
    const auto t = i->issue({.subject = "user-42", .client_id = "app-7"});
    REQUIRE(t.has_value());
    CHECK(decode_payload(t->token).at("sub") == "user-42");
    CHECK(decode_payload(t->token).at("client_id") == "app-7");
    // Strings are JSON-escaped, never spliced raw into the claims.
    const auto q = i->issue({.subject = "a\"b\\c\n", .client_id = "d"});
    REQUIRE(q.has_value());
    CHECK(decode_payload(q->token).at("sub") == "a\"b\\c\n");
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §3: resources become the audience, RFC 8707 several resources, an array",
                 "[oauth2][access_token]")
{
    const std::string_view one[] = {"https://api.example.com"};
    const std::string_view two[] = {"https://a.example/", "https://b.example/\"q"};
    CHECK(decode_payload(issuer.issue({.subject = "s", .client_id = "c", .audience = one})->token).at("aud") ==
          "https://api.example.com");
    const auto t = issuer.issue({.subject = "s", .client_id = "c", .audience = two});
    REQUIRE(t.has_value());
    CHECK(decode_payload(t->token).at("aud") == nlohmann::json({"https://a.example/", "https://b.example/\"q"}));
    // A default audience of several resources is an array too; each verifies where it is the resource.
    auto multi = access_token_issuer::make(
        hs_key(), {.issuer = std::string(issuer_name), .audience = {"https://x.example", std::string(audience_name)}});
    REQUIRE(multi.has_value());
    const auto m = multi->issue({.subject = "s", .client_id = "c"});
    REQUIRE(m.has_value());
    CHECK(decode_payload(m->token).at("aud") == nlohmann::json({"https://x.example", audience_name}));
    // The fixture's verifier runs 5 s after t_now; this issuer uses the system clock, so use a fresh verifier.
    auto v = access_token_verifier::make(apiauth::jose::key_set(hs_key()),
                                         {.issuer = std::string(issuer_name), .audience = std::string(audience_name)});
    REQUIRE(v.has_value());
    const auto ok = v->verify(m->token);
    REQUIRE(ok.has_value());
    CHECK(ok->audience().size() == 2);
}

TEST_CASE("RFC 9068 §2.2, §3: the issuer refuses a configuration it cannot honour", "[oauth2][access_token]")
{
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "", .audience = {"a"}}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {}}).error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {""}}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}, .lifetime = std::chrono::seconds(0)})
              .error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}, .lifetime = std::chrono::seconds(-5)})
              .error() == errc::invalid_configuration);
    // Beyond 100 years iat + lifetime could overflow (signed seconds).
    CHECK(
        access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}, .lifetime = std::chrono::seconds::max()})
            .error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(),
                                    {.issuer = "i",
                                     .audience = {"a"},
                                     .lifetime = apiauth::jose::jwt::max_sign_lifetime + std::chrono::seconds(1)})
              .error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "\xFF", .audience = {"a"}}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"\xC3"}}).error() ==
          errc::invalid_configuration);
    // A key that cannot sign (a public key) cannot issue.
    auto ec = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "es");
    REQUIRE(ec.has_value());
    auto pub = apiauth::jose::key::from_jwk(ec->to_jwk(false)->dump());
    REQUIRE(pub.has_value());
    CHECK(access_token_issuer::make(std::move(*pub), {.issuer = "i", .audience = {"a"}}).error() ==
          errc::not_a_signing_key);
    // The verifier's configuration.
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()), {.issuer = "", .audience = "a"}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()), {.issuer = "i", .audience = ""}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()),
                                      {.issuer = "i", .audience = "a", .leeway = std::chrono::seconds(-1)})
              .error() == errc::invalid_configuration);
    // Above a day (max_access_token_leeway): a revocation would have to outlast exp by that much,
    // and exp + leeway must not overflow.
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()),
                                      {.issuer = "i",
                                       .audience = "a",
                                       .leeway = apiauth::oauth2::max_access_token_leeway + std::chrono::seconds(1)})
              .error() == errc::invalid_configuration);
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()),
                                      {.issuer = "i", .audience = "a", .leeway = std::chrono::seconds::max()})
              .error() == errc::invalid_configuration);
    CHECK(access_token_verifier::make(
              apiauth::jose::key_set(hs_key()),
              {.issuer = "i", .audience = "a", .leeway = apiauth::oauth2::max_access_token_leeway})
              .has_value());
}

TEST_CASE("RFC 9068 §2.2, RFC 6749 §3.3: a grant the issuer cannot write faithfully is refused",
          "[oauth2][access_token]")
{
    auto i = access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}});
    REQUIRE(i.has_value());
    CHECK(i->issue({.subject = "", .client_id = "c"}).error() == errc::invalid_configuration);
    CHECK(i->issue({.subject = "s", .client_id = ""}).error() == errc::invalid_configuration);
    CHECK(i->issue({.subject = "s\xC3", .client_id = "c"}).error() == errc::json_invalid_utf8);
    CHECK(i->issue({.subject = "s", .client_id = "c\xFF"}).error() == errc::json_invalid_utf8);
    // One scope with a space would be two once joined: "read admin" must not grant admin.
    for (std::string_view bad : {"read admin", "", "a\"b", "a\\b", "caf\xC3\xA9", "tab\t"}) {
        INFO(bad);
        const std::string_view scopes[] = {"read", bad};
        CHECK(i->issue({.subject = "s", .client_id = "c", .scopes = scopes}).error() == errc::invalid_scope_syntax);
    }
    const std::string_view odd[] = {"a:b", "!#$%&'()*+,-./", "~[]^_`{|}"};  // every scope-token character class
    const auto t = i->issue({.subject = "s", .client_id = "c", .scopes = odd});
    REQUIRE(t.has_value());
    CHECK(decode_payload(t->token).at("scope") == "a:b !#$%&'()*+,-./ ~[]^_`{|}");
    const std::string_view empty_resource[] = {""};
    CHECK(i->issue({.subject = "s", .client_id = "c", .audience = empty_resource}).error() ==
          errc::invalid_configuration);
    const std::string_view bad_resource[] = {"https://x\xFF"};
    CHECK(i->issue({.subject = "s", .client_id = "c", .audience = bad_resource}).error() == errc::json_invalid_utf8);
}

TEST_CASE("RFC 9068 §2.1, §4: HS256 tokens round-trip, the injected clocks decide iat, exp and expiry",
          "[oauth2][access_token]")
{
    const auto t0 = t_now;
    auto i = access_token_issuer::make(
        hs_key(), {.issuer = "https://as", .audience = {"https://rs"}, .lifetime = 300s, .clock = fixed_clock(t0)});
    REQUIRE(i.has_value());
    const std::string_view scopes[] = {"items:read"};
    const auto t = i->issue({.subject = "s", .client_id = "c", .scopes = scopes});
    REQUIRE(t.has_value());
    CHECK(t->issued_at == t0);
    CHECK(t->expires_at == t0 + 300s);
    CHECK(t->expires_in == 300s);
    const auto at = [&](std::chrono::sys_seconds when) {
        auto v = access_token_verifier::make(
            apiauth::jose::key_set(hs_key()),
            {.issuer = "https://as", .audience = "https://rs", .leeway = 30s, .clock = fixed_clock(when)});
        REQUIRE(v.has_value());
        return v->verify(t->token);
    };
    CHECK(at(t0).has_value());
    CHECK(at(t0 + 329s).has_value());  // exp + leeway - 1
    CHECK(at(t0 + 330s).error() == errc::token_expired);
    CHECK(at(t0 - 30s).has_value());  // iat within the leeway
    CHECK(at(t0 - 31s).error() == errc::token_issued_in_future);
    // A fractional clock is floored: iat is whole seconds.
    auto j = access_token_issuer::make(hs_key(), {.issuer = "https://as", .audience = {"https://rs"}, .clock = [&] {
                                                      return std::chrono::system_clock::time_point(t0) + 999ms;
                                                  }});
    REQUIRE(j.has_value());
    CHECK(j->issue({.subject = "s", .client_id = "c"})->issued_at == t0);
    // A clock that throws: an error, never an exception.
    auto k = access_token_issuer::make(hs_key(), {.issuer = "https://as", .audience = {"https://rs"}, .clock = [] {
                                                      throw std::runtime_error("clock");
                                                      return std::chrono::system_clock::time_point();
                                                  }});
    REQUIRE(k.has_value());
    CHECK(k->issue({.subject = "s", .client_id = "c"}).error() == errc::invalid_configuration);
}

TEST_CASE("RFC 9068 §2.1, §4: ES256 tokens round-trip through a public JWKS", "[oauth2][access_token]")
{
    auto k = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "es-1");
    REQUIRE(k.has_value());
    auto set = apiauth::jose::key_set::from_jwks(apiauth::jose::key_set(*k).to_public_jwks().dump());
    REQUIRE(set.has_value());
    auto i = access_token_issuer::make(
        std::move(*k), {.issuer = "https://as", .audience = {"https://rs"}, .clock = fixed_clock(t_now)});
    REQUIRE(i.has_value());
    auto v = access_token_verifier::make(
        std::move(*set), {.issuer = "https://as", .audience = "https://rs", .clock = fixed_clock(t_now)});
    REQUIRE(v.has_value());
    const std::string_view scopes[] = {"read"};
    const auto t = i->issue({.subject = "s", .client_id = "c", .scopes = scopes});
    REQUIRE(t.has_value());
    CHECK(decode_header(t->token) == nlohmann::json({{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "es-1"}}));
    const auto ok = v->verify(t->token, scopes);
    REQUIRE(ok.has_value());
    CHECK(ok->client_id() == "c");
    CHECK(ok->alg() == apiauth::jose::algorithm::es256);
    // A token whose signature was altered is bad_signature.
    std::string forged = t->token;
    forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
    CHECK(v->verify(forged).error() == errc::bad_signature);
}

TEST_CASE_METHOD(client_fixture, "E90 RFC 9068 §4: typ, alg, aud, exp and iss are each enforced",
                 "[oauth2][access_token]")
{
    const auto c = good_claims();
    CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).has_value());
    // typ compares as a media type: application/AT+JWT is at+jwt (RFC 9068 §4 step 1).
    CHECK(verifier.verify(sign_raw(header("application/AT+JWT"), c)).has_value());
    CHECK(verifier.verify(sign_raw(header("AT+JWT"), c)).has_value());
    const auto typ_jwt = verifier.verify(sign_raw(header("JWT"), c));
    CHECK(typ_jwt.error() == errc::wrong_token_type);
    check_invalid_token(typ_jwt.error());
    CHECK(verifier.verify(sign_raw(header(""), c)).error() == errc::wrong_token_type);
    CHECK(verifier.verify(sign_raw(header("at+jwt+x"), c)).error() == errc::wrong_token_type);
    CHECK(verifier.verify(sign_raw(header("text/at+jwt"), c)).error() == errc::wrong_token_type);
    // alg none: refused whatever the typ, with or without a signature.
    for (const char* sig : {"", "AAAA"}) {
        const auto none = apiauth::encoding::base64url::encode(std::string(R"({"alg":"none","typ":"at+jwt"})")) + "." +
                          apiauth::encoding::base64url::encode(c.dump()) + "." + sig;
        const auto r = verifier.verify(none);
        CHECK(r.error() == errc::unsupported_algorithm);
        check_invalid_token(r.error());
    }
    auto other_aud = c;
    other_aud["aud"] = {"https://other.example.com"};
    const auto aud = verifier.verify(sign_raw(header("at+jwt"), other_aud));
    CHECK(aud.error() == errc::wrong_audience);
    check_invalid_token(aud.error());
    other_aud["aud"] = {"https://other.example.com", audience_name};  // any-of (RFC 9068 §4 step 4)
    CHECK(verifier.verify(sign_raw(header("at+jwt"), other_aud)).has_value());
    other_aud["aud"] = std::string(audience_name) + "/";
    CHECK(verifier.verify(sign_raw(header("at+jwt"), other_aud)).error() == errc::wrong_audience);
    auto expired = c;
    expired["exp"] = t_now.time_since_epoch().count() - 60;  // the verifier's clock is t_now + 5 s, leeway 30 s
    const auto exp = verifier.verify(sign_raw(header("at+jwt"), expired));
    CHECK(exp.error() == errc::token_expired);
    check_invalid_token(exp.error());
    expired["exp"] = t_now.time_since_epoch().count() - 24;  // 29 s past: within the leeway
    CHECK(verifier.verify(sign_raw(header("at+jwt"), expired)).has_value());
    expired["exp"] = t_now.time_since_epoch().count() - 25;  // exactly the leeway past: expired
    CHECK(verifier.verify(sign_raw(header("at+jwt"), expired)).error() == errc::token_expired);
    auto slash = c;
    slash["iss"] = std::string(issuer_name) + "/";
    const auto iss = verifier.verify(sign_raw(header("at+jwt"), slash));
    CHECK(iss.error() == errc::wrong_issuer);
    check_invalid_token(iss.error());
    slash["iss"] = "HTTPS://auth.example.com";
    CHECK(verifier.verify(sign_raw(header("at+jwt"), slash)).error() == errc::wrong_issuer);
    auto future = c;
    future["nbf"] = t_now.time_since_epoch().count() + 60;
    CHECK(verifier.verify(sign_raw(header("at+jwt"), future)).error() == errc::token_not_yet_valid);
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §2.2: each required claim missing (or empty) is missing_claim",
                 "[oauth2][access_token]")
{
    for (const char* name : {"iss", "exp", "aud", "sub", "client_id", "iat", "jti"}) {
        INFO(name);
        auto c = good_claims();
        c.erase(name);
        const auto r = verifier.verify(sign_raw(header("at+jwt"), c));
        CHECK(r.error() == errc::missing_claim);
        check_invalid_token(r.error());
    }
    // An empty identifier identifies nothing: a token with one cannot be revoked or attributed.
    for (const char* name : {"sub", "client_id", "jti"}) {
        INFO(name);
        auto c = good_claims();
        c[name] = "";
        CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).error() == errc::missing_claim);
    }
    // scope is optional (RFC 9068 §2.2.3).
    auto c = good_claims();
    c.erase("scope");
    CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).has_value());
}

TEST_CASE_METHOD(client_fixture, "RFC 7519 §4.1, RFC 9068 §2.2: claims of the wrong JSON type are refused",
                 "[oauth2][access_token]")
{
    const std::pair<const char*, nlohmann::json> wrong[] = {
        {"sub", 42},     {"client_id", nlohmann::json::array({"c1"})},
        {"jti", true},   {"scope", nlohmann::json::array()},
        {"exp", "soon"}, {"iss", nullptr},
        {"aud", 7},
    };
    for (const auto& [name, value] : wrong) {
        INFO(name);
        auto c = good_claims();
        c[name] = value;
        CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).error() == errc::invalid_claim_type);
    }
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §2.2.3, RFC 6749 §3.3: a scope claim outside the scope grammar is refused",
                 "[oauth2][access_token]")
{
    for (const char* bad : {"read  write", " read", "read ", "read\twrite", "caf\xC3\xA9", "a\"b"}) {
        INFO(bad);
        auto c = good_claims();
        c["scope"] = bad;
        const auto r = verifier.verify(sign_raw(header("at+jwt"), c));
        CHECK(r.error() == errc::invalid_claim_type);
        check_invalid_token(r.error());
    }
    auto c = good_claims();
    c["scope"] = "";  // present and empty: no scope
    const auto r = verifier.verify(sign_raw(header("at+jwt"), c));
    REQUIRE(r.has_value());
    CHECK(r->scopes().empty());
    const std::string_view read[] = {"read"};
    CHECK(verifier.verify(sign_raw(header("at+jwt"), c), read).error() == errc::insufficient_scope);
}

TEST_CASE_METHOD(client_fixture, "RFC 8725 §3.11, RFC 9068 §4: tokens of other kinds are never access tokens",
                 "[oauth2][access_token]")
{
    // An ID Site response (Stormpath's claim names; a plain JWT signed with the same secret).
    const auto now = t_now.time_since_epoch().count();
    const nlohmann::json id_site = {{"iss", issuer_name},   {"sub", "https://api.stormpath.com/v1/accounts/1"},
                                    {"aud", audience_name}, {"exp", now + 60},
                                    {"iat", now},           {"jti", "id-1"},
                                    {"irt", "req-1"},       {"status", "AUTHENTICATED"},
                                    {"client_id", "c1"}};
    CHECK(verifier.verify(sign_raw(header("JWT"), id_site)).error() == errc::wrong_token_type);
    // A token signed by a key that is not in the set: by kid, by alg, or by the secret.
    CHECK(verifier.verify(sign_raw(header("at+jwt", "HS256", "other"), good_claims(), hs_key("other"))).error() ==
          errc::unknown_key);
    auto stranger = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, std::string(32, 'k'), "at-1");
    REQUIRE(stranger.has_value());
    CHECK(verifier.verify(sign_raw(header("at+jwt"), good_claims(), *stranger)).error() == errc::bad_signature);
    auto es = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "at-1");
    REQUIRE(es.has_value());
    const auto es_token = sign_raw(header("at+jwt", "ES256"), good_claims(), *es);
    const auto r = verifier.verify(es_token);
    REQUIRE_FALSE(r.has_value());
    CHECK((r.error() == errc::algorithm_mismatch || r.error() == errc::unknown_key));
    check_invalid_token(r.error());
    // Not a JWS at all.
    CHECK(verifier.verify("").error() == errc::jws_malformed);
    CHECK(verifier.verify("a.b").error() == errc::jws_malformed);
    CHECK(verifier.verify(std::string(20000, 'a')).error() == errc::token_too_large);
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §4, research §5.1: typ JWT or none only when the resource opts in",
                 "[oauth2][access_token]")
{
    const auto relaxed = relaxed_verifier();
    CHECK(relaxed.verify(sign_raw(header("at+jwt"), good_claims())).has_value());
    CHECK(relaxed.verify(sign_raw(header("JWT"), good_claims())).has_value());
    CHECK(relaxed.verify(sign_raw(header("jwt"), good_claims())).has_value());
    CHECK(relaxed.verify(sign_raw(header("application/JWT"), good_claims())).has_value());
    CHECK(relaxed.verify(sign_raw(header(""), good_claims())).has_value());  // no typ (PingFederate)
    // Still strict about every other explicit type (RFC 8725 §3.11), about alg, and about claims.
    for (const char* typ : {"id-site+jwt", "logout+jwt", "dpop+jwt", "secevent+jwt", "JOSE", "text/jwt"}) {
        INFO(typ);
        CHECK(relaxed.verify(sign_raw(header(typ), good_claims())).error() == errc::wrong_token_type);
    }
    nlohmann::json numeric_typ = header("");
    numeric_typ["typ"] = 1;
    CHECK_FALSE(relaxed.verify(sign_raw(numeric_typ, good_claims())).has_value());
    const auto none = apiauth::encoding::base64url::encode(std::string(R"({"alg":"none"})")) + "." +
                      apiauth::encoding::base64url::encode(good_claims().dump()) + ".";
    CHECK(relaxed.verify(none).error() == errc::unsupported_algorithm);
    auto c = good_claims();
    c.erase("client_id");
    CHECK(relaxed.verify(sign_raw(header("JWT"), c)).error() == errc::missing_claim);
    CHECK(relaxed.verify(sign_raw(header("", "HS256", "x"), good_claims(), hs_key("x"))).error() == errc::unknown_key);
    // The default verifier refuses all of them.
    CHECK(verifier.verify(sign_raw(header("JWT"), good_claims())).error() == errc::wrong_token_type);
    CHECK(verifier.verify(sign_raw(header(""), good_claims())).error() == errc::wrong_token_type);
}

TEST_CASE_METHOD(client_fixture, "RFC 6750 §3.1: a token without a required scope is insufficient_scope (403)",
                 "[oauth2][access_token]")
{
    const std::string t = sign_raw(header("at+jwt"), good_claims());
    const std::string_view ok[] = {"read", "write"};
    const std::string_view one[] = {"write"};
    const std::string_view more[] = {"read", "admin"};
    const std::string_view prefix[] = {"rea"};
    const std::string_view upper[] = {"READ"};
    CHECK(verifier.verify(t, ok).has_value());
    CHECK(verifier.verify(t, one).has_value());
    CHECK(verifier.verify(t, {}).has_value());
    for (auto req : {std::span<const std::string_view>(more), std::span<const std::string_view>(prefix),
                     std::span<const std::string_view>(upper)}) {
        const auto r = verifier.verify(t, req);
        CHECK(r.error() == errc::insufficient_scope);
        CHECK(apiauth::http_status(r.error()) == 403);
        CHECK(apiauth::oauth_error(r.error()) == "insufficient_scope");
        CHECK(apiauth::http_status(r.error(), apiauth::endpoint::resource) == 403);
    }
    // An invalid token is invalid_token even when the scope would not do either.
    auto expired = good_claims();
    expired["exp"] = t_now.time_since_epoch().count() - 3600;
    CHECK(verifier.verify(sign_raw(header("at+jwt"), expired), more).error() == errc::token_expired);
}

TEST_CASE_METHOD(client_fixture, "RFC 7009 §2: a revoked jti is refused, a store outage fails closed",
                 "[oauth2][access_token][revocation]")
{
    apiauth::stores::memory_revocation_store revoked{100, fixed_clock(t_now)};
    static_assert(apiauth::oauth2::revocation_store<apiauth::stores::memory_revocation_store>);
    const std::string t = sign_raw(header("at+jwt"), good_claims());
    CHECK(verifier.verify(t, {}, revoked).has_value());
    REQUIRE(revoked.revoke("j-1", t_now + std::chrono::seconds(600)).has_value());
    const auto r = verifier.verify(t, {}, revoked);
    CHECK(r.error() == errc::token_revoked);
    check_invalid_token(r.error());
    CHECK(verifier.verify(t).has_value());  // without the store, the signature alone still holds
    // Revocation is decided before the scopes: a revoked token is 401, not 403.
    const std::string_view admin[] = {"admin"};
    CHECK(verifier.verify(t, admin, revoked).error() == errc::token_revoked);
    // An issued token, revoked by its jti until its exp.
    const auto issued = issuer.issue({.subject = "c1", .client_id = "c1"});
    REQUIRE(issued.has_value());
    CHECK(verifier.verify(issued->token, {}, revoked).has_value());
    REQUIRE(revoked.revoke(issued->jti, issued->expires_at).has_value());
    CHECK(verifier.verify(issued->token, {}, revoked).error() == errc::token_revoked);

    struct down_store {
        mutable int asked = 0;
        apiauth::result<bool> is_revoked(std::string_view) const noexcept
        {
            ++asked;
            return errc::store_unavailable;
        }
        apiauth::result<void> revoke(std::string_view, std::chrono::sys_seconds) noexcept
        {
            return errc::store_unavailable;
        }
    } down;
    static_assert(apiauth::oauth2::revocation_store<down_store>);
    const auto d = verifier.verify(sign_raw(header("at+jwt"), good_claims()), {}, down);
    CHECK(d.error() == errc::store_unavailable);
    CHECK(apiauth::http_status(errc::store_unavailable) == 503);
    CHECK(down.asked == 1);
    // The store is asked only about tokens that verified: a forged token never reaches it.
    CHECK(verifier.verify(sign_raw(header("JWT"), good_claims()), {}, down).error() == errc::wrong_token_type);
    CHECK(down.asked == 1);
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §4: one verifier from several threads at once",
                 "[oauth2][access_token][revocation]")
{
    apiauth::stores::memory_revocation_store revoked{1000, fixed_clock(t_now)};
    std::vector<std::string> tokens;
    for (int i = 0; i < 8; ++i) {
        const std::string_view scopes[] = {"read"};
        auto t = issuer.issue({.subject = "c1", .client_id = "c1", .scopes = scopes});
        REQUIRE(t.has_value());
        tokens.push_back(t->token);
        if (i % 2 == 1) REQUIRE(revoked.revoke(t->jti, t->expires_at).has_value());
    }
    std::atomic<int> wrong{0};
    const auto work = [&] {
        const std::string_view read[] = {"read"};
        for (int n = 0; n < 500; ++n)
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                const auto r = verifier.verify(tokens[i], read, revoked);
                if (r.has_value() != (i % 2 == 0)) ++wrong;
            }
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    CHECK(wrong == 0);
}

TEST_CASE("RFC 9068 §4: a copied verifier verifies as the original, issued tokens are wiped when replaced",
          "[oauth2][access_token]")
{
    auto i = access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}, .clock = fixed_clock(t_now)});
    REQUIRE(i.has_value());
    auto v = access_token_verifier::make(
        apiauth::jose::key_set(hs_key()),
        {.issuer = "i", .audience = "a", .accept_plain_jwt_typ = true, .clock = fixed_clock(t_now)});
    REQUIRE(v.has_value());
    const access_token_verifier copy = *v;
    const auto t = i->issue({.subject = "s", .client_id = "c"});
    REQUIRE(t.has_value());
    CHECK(copy.verify(t->token).has_value());
    CHECK(copy.policy().accept_plain_jwt_typ);
    apiauth::oauth2::issued_access_token a = *t;
    CHECK(a.token == t->token);
    apiauth::oauth2::issued_access_token b;
    b = a;
    CHECK(b.token == t->token);
    CHECK(b.jti == t->jti);
    b = apiauth::oauth2::issued_access_token{};
    CHECK(b.token.empty());
}

}  // namespace oauth2_access_token_test
