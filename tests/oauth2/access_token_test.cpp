// Tests for apiauth/oauth2/access_token.hpp: RFC 9068 access tokens issued and verified (case E90
// of research/http-auth-oauth2-spec.md and RFC 9068 §2.1, §2.2, §3, §4), the revocation check and
// scope enforcement (RFC 6750 §3.1).
#include "oauth2_support.hpp"

#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>

using namespace oauth2_support;
using apiauth::errc;
using apiauth::oauth2::access_token_issuer;
using apiauth::oauth2::access_token_verifier;

namespace {

apiauth::jose::key hs_key()
{
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    return std::move(*k);
}

// A JWT signed with the same HS256 key as the issuer's, with any header and claims: what
// another kind of token, or a forger holding the key, would send.
std::string sign_raw(const nlohmann::json& header, const nlohmann::json& claims)
{
    const std::string h = apiauth::encoding::base64url::encode(header.dump());
    const std::string c = apiauth::encoding::base64url::encode(claims.dump());
    auto k = hs_key();
    const std::string input = h + "." + c;
    std::array<std::byte, 64> sig{};
    auto n = k.sign(std::as_bytes(std::span(input.data(), input.size())), sig);
    REQUIRE(n.has_value());
    return input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

nlohmann::json good_claims()
{
    const auto now = t_now.time_since_epoch().count();
    return {{"iss", issuer_name}, {"sub", "c1"},  {"aud", audience_name}, {"exp", now + 600},
            {"iat", now},         {"jti", "j-1"}, {"client_id", "c1"},    {"scope", "read write"}};
}

nlohmann::json header(std::string_view typ)
{
    nlohmann::json h = {{"alg", "HS256"}, {"kid", "at-1"}};
    if (!typ.empty()) h["typ"] = typ;
    return h;
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
    const auto dot = t->token.find('.');
    const auto h = apiauth::encoding::base64url::decode(std::string_view(t->token).substr(0, dot));
    REQUIRE(h.has_value());
    const auto hj = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(h->data()), h->size()));
    CHECK(hj == nlohmann::json({{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "at-1"}}));
    const auto c = decode_payload(t->token);
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
    CHECK(v->expires_at() == t->expires_at);
    CHECK(v->issued_at() == t->issued_at);
    // Two tokens never share a jti.
    CHECK(issuer.issue({.subject = "c1", .client_id = "c1"})->jti != t->jti);
    // No scope: no scope claim.
    CHECK_FALSE(decode_payload(issuer.issue({.subject = "c1", .client_id = "c1"})->token).contains("scope"));
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §3: resources become the audience; RFC 8707 several resources, an array",
                 "[oauth2][access_token]")
{
    const std::string_view one[] = {"https://api.example.com"};
    const std::string_view two[] = {"https://a.example/", "https://b.example/\"q"};
    CHECK(decode_payload(issuer.issue({.subject = "s", .client_id = "c", .audience = one})->token).at("aud") ==
          "https://api.example.com");
    const auto t = issuer.issue({.subject = "s", .client_id = "c", .audience = two});
    REQUIRE(t.has_value());
    CHECK(decode_payload(t->token).at("aud") == nlohmann::json({"https://a.example/", "https://b.example/\"q"}));
}

TEST_CASE("RFC 9068: the issuer refuses a configuration it cannot honour", "[oauth2][access_token]")
{
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "", .audience = {"a"}}).error() ==
          errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {}}).error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}, .lifetime = std::chrono::seconds(0)})
              .error() == errc::invalid_configuration);
    CHECK(access_token_issuer::make(hs_key(), {.issuer = "\xFF", .audience = {"a"}}).error() ==
          errc::invalid_configuration);
    auto ec = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "es");
    REQUIRE(ec.has_value());
    auto pub = apiauth::jose::key::from_jwk(ec->to_jwk(false)->dump());
    REQUIRE(pub.has_value());
    CHECK(access_token_issuer::make(std::move(*pub), {.issuer = "i", .audience = {"a"}}).error() ==
          errc::not_a_signing_key);
    CHECK(access_token_verifier::make(apiauth::jose::key_set(hs_key()), {.issuer = "", .audience = "a"}).error() ==
          errc::invalid_configuration);
    auto i = access_token_issuer::make(hs_key(), {.issuer = "i", .audience = {"a"}});
    REQUIRE(i.has_value());
    CHECK(i->issue({.subject = "", .client_id = "c"}).error() == errc::invalid_configuration);
    CHECK(i->issue({.subject = "s\xC3", .client_id = "c"}).error() == errc::json_invalid_utf8);
}

TEST_CASE("RFC 9068 §2.1, §4: ES256 tokens round-trip through a public JWKS", "[oauth2][access_token]")
{
    auto k = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "es-1");
    REQUIRE(k.has_value());
    auto set = apiauth::jose::key_set::from_jwks(apiauth::jose::key_set(*k).to_public_jwks().dump());
    REQUIRE(set.has_value());
    const auto clock = [] { return std::chrono::system_clock::time_point(t_now); };
    auto i =
        access_token_issuer::make(std::move(*k), {.issuer = "https://as", .audience = {"https://rs"}, .clock = clock});
    REQUIRE(i.has_value());
    auto v = access_token_verifier::make(std::move(*set),
                                         {.issuer = "https://as", .audience = "https://rs", .clock = clock});
    REQUIRE(v.has_value());
    const auto t = i->issue({.subject = "s", .client_id = "c"});
    REQUIRE(t.has_value());
    const auto ok = v->verify(t->token);
    REQUIRE(ok.has_value());
    CHECK(ok->client_id() == "c");
}

TEST_CASE_METHOD(client_fixture, "E90 RFC 9068 §4: typ, alg, aud, exp and iss are each enforced",
                 "[oauth2][access_token]")
{
    const auto c = good_claims();
    CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).has_value());
    // typ compares as a media type: application/AT+JWT is at+jwt (RFC 9068 §4 step 1).
    CHECK(verifier.verify(sign_raw(header("application/AT+JWT"), c)).has_value());
    CHECK(verifier.verify(sign_raw(header("JWT"), c)).error() == errc::wrong_token_type);
    CHECK(verifier.verify(sign_raw(header(""), c)).error() == errc::wrong_token_type);
    const auto none = apiauth::encoding::base64url::encode(std::string(R"({"alg":"none","typ":"at+jwt"})")) + "." +
                      apiauth::encoding::base64url::encode(c.dump()) + ".";
    CHECK(verifier.verify(none).error() == errc::unsupported_algorithm);
    auto other_aud = c;
    other_aud["aud"] = {"https://other.example.com"};
    CHECK(verifier.verify(sign_raw(header("at+jwt"), other_aud)).error() == errc::wrong_audience);
    auto expired = c;
    expired["exp"] = t_now.time_since_epoch().count() - 60;  // the verifier's clock is t_now + 5 s, leeway 30 s
    CHECK(verifier.verify(sign_raw(header("at+jwt"), expired)).error() == errc::token_expired);
    auto slash = c;
    slash["iss"] = std::string(issuer_name) + "/";
    CHECK(verifier.verify(sign_raw(header("at+jwt"), slash)).error() == errc::wrong_issuer);
    // Every failure is 401 invalid_token at a resource (RFC 9068 §4).
    CHECK(apiauth::http_status(errc::wrong_token_type) == 401);
    CHECK(apiauth::oauth_error(errc::wrong_token_type) == "invalid_token");
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §2.2: each required claim missing is missing_claim",
                 "[oauth2][access_token]")
{
    for (const char* name : {"iss", "exp", "aud", "sub", "client_id", "iat", "jti"}) {
        INFO(name);
        auto c = good_claims();
        c.erase(name);
        CHECK(verifier.verify(sign_raw(header("at+jwt"), c)).error() == errc::missing_claim);
    }
}

TEST_CASE_METHOD(client_fixture, "RFC 9068 §4, research §5.1: plain JWT typ only when the resource opts in",
                 "[oauth2][access_token]")
{
    auto relaxed = access_token_verifier::make(apiauth::jose::key_set(hs_key()),
                                               {.issuer = std::string(issuer_name),
                                                .audience = std::string(audience_name),
                                                .accept_plain_jwt_typ = true,
                                                .clock = [] { return std::chrono::system_clock::time_point(t_now); }});
    REQUIRE(relaxed.has_value());
    CHECK(relaxed->verify(sign_raw(header("JWT"), good_claims())).has_value());
    CHECK(relaxed->verify(sign_raw(header(""), good_claims())).has_value());
}

TEST_CASE_METHOD(client_fixture, "RFC 6750 §3.1: a token without a required scope is insufficient_scope (403)",
                 "[oauth2][access_token]")
{
    const std::string t = sign_raw(header("at+jwt"), good_claims());
    const std::string_view ok[] = {"read", "write"};
    const std::string_view more[] = {"read", "admin"};
    CHECK(verifier.verify(t, ok).has_value());
    const auto r = verifier.verify(t, more);
    CHECK(r.error() == errc::insufficient_scope);
    CHECK(apiauth::http_status(r.error()) == 403);
    CHECK(apiauth::oauth_error(r.error()) == "insufficient_scope");
}

TEST_CASE_METHOD(client_fixture, "RFC 7009: a revoked jti is refused; a store outage fails closed",
                 "[oauth2][access_token]")
{
    apiauth::stores::memory_revocation_store revoked{100, [] { return std::chrono::system_clock::time_point(t_now); }};
    const std::string t = sign_raw(header("at+jwt"), good_claims());
    CHECK(verifier.verify(t, {}, revoked).has_value());
    REQUIRE(revoked.revoke("j-1", t_now + std::chrono::seconds(600)).has_value());
    CHECK(verifier.verify(t, {}, revoked).error() == errc::token_revoked);
    CHECK(verifier.verify(t).has_value());  // without the store, the signature alone still holds
    struct down_store {
        apiauth::result<bool> is_revoked(std::string_view) const noexcept { return errc::store_unavailable; }
        apiauth::result<void> revoke(std::string_view, std::chrono::sys_seconds) noexcept
        {
            return errc::store_unavailable;
        }
    } down;
    CHECK(verifier.verify(sign_raw(header("at+jwt"), good_claims()), {}, down).error() == errc::store_unavailable);
    CHECK(apiauth::http_status(errc::store_unavailable) == 503);
}

TEST_CASE("stores: memory_revocation_store holds a jti until its exp, bounded, from two threads",
          "[oauth2][revocation]")
{
    auto now = t_now;
    apiauth::stores::memory_revocation_store s{32, [&] { return std::chrono::system_clock::time_point(now); }};
    REQUIRE(s.revoke("a", t_now + std::chrono::seconds(10)).has_value());
    CHECK(*s.is_revoked("a"));
    CHECK_FALSE(*s.is_revoked("b"));
    REQUIRE(s.revoke("a", t_now + std::chrono::seconds(5)).has_value());  // idempotent; never shortened
    now = t_now + std::chrono::seconds(9);
    CHECK(*s.is_revoked("a"));
    now = t_now + std::chrono::seconds(10);
    CHECK_FALSE(*s.is_revoked("a"));            // the token is expired: nothing left to refuse
    CHECK(s.revoke("old", t_now).has_value());  // already expired: nothing kept
    // Bounded: live revocations beyond the capacity are refused, never forgotten.
    now = t_now;
    int refused = 0;
    for (int i = 0; i < 200; ++i)
        if (!s.revoke("j" + std::to_string(i), t_now + std::chrono::seconds(100))) ++refused;
    CHECK(refused > 0);
    CHECK(s.size() <= 32 + 16);
    for (int i = 0; i < 200; ++i) {
        const bool r = *s.is_revoked("j" + std::to_string(i));
        if (!r) continue;
        CHECK(r);
    }
    // Once they expire, room is made again.
    now = t_now + std::chrono::seconds(200);
    CHECK(s.revoke("late", t_now + std::chrono::seconds(300)).has_value());
    // Two threads revoking and checking at once.
    apiauth::stores::memory_revocation_store big{100000};
    std::atomic<int> wrong{0};
    const auto work = [&](int seed) {
        const auto until =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::seconds(60);
        for (int i = 0; i < 2000; ++i) {
            const std::string j = std::to_string(seed) + "-" + std::to_string(i);
            if (!big.revoke(j, until) || !*big.is_revoked(j)) ++wrong;
        }
    };
    std::thread a(work, 1), b(work, 2);
    a.join();
    b.join();
    CHECK(wrong == 0);
    CHECK(big.size() == 4000);
}
