// Tests for apiauth/oauth2/revocation.hpp (RFC 7009) and introspection.hpp (RFC 7662): cases E91
// and E92 of research/http-auth-oauth2-spec.md, and what a token's owner and other clients may
// do, each checking status, header fields and body.
#include "oauth2_support.hpp"

#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace oauth2_endpoints_test {

using namespace oauth2_support;
using apiauth::errc;

namespace {

struct endpoints_fixture : client_fixture {
    apiauth::stores::memory_revocation_store revoked{1000, [] { return std::chrono::system_clock::time_point(t_now); }};
    apiauth::oauth2::token_endpoint_options opt{.keys = policy()};

    apiauth::http::request_view post(const std::vector<std::string>& auth, const std::string& body,
                                     std::vector<std::string_view>& keep) const
    {
        keep.assign(auth.begin(), auth.end());
        return {.method = "POST",
                .target = "/oauth/x",
                .authorization = keep,
                .content_type = "application/x-www-form-urlencoded",
                .body = body};
    }
    // A token issued to `c` at the token endpoint.
    std::string token_for(const client& c, const std::string& scope = "read")
    {
        std::vector<std::string_view> keep;
        const std::string body = "grant_type=client_credentials&scope=" + scope;
        const auto o =
            apiauth::oauth2::token_endpoint(post({basic_header(c.id, c.secret)}, body, keep), store, ring, issuer, opt);
        REQUIRE(o.token.has_value());
        return o.token->token;
    }
    apiauth::oauth2::endpoint_outcome revoke(const client& c, const std::string& body)
    {
        std::vector<std::string_view> keep;
        return apiauth::oauth2::revocation_endpoint(post({basic_header(c.id, c.secret)}, body, keep), store, ring,
                                                    verifier, revoked, opt);
    }
    apiauth::oauth2::endpoint_outcome introspect(const std::vector<std::string>& auth, const std::string& body,
                                                 const apiauth::oauth2::introspection_options& io = {})
    {
        std::vector<std::string_view> keep;
        return apiauth::oauth2::introspection_endpoint(post(auth, body, keep), store, ring, verifier, revoked, opt, io);
    }
};

void check_inactive(const apiauth::oauth2::endpoint_outcome& o)
{
    CHECK(o.response.status == 200);
    CHECK_FALSE(o.error);
    CHECK(o.response.body == R"({"active":false})");
    REQUIRE(o.response.find("Content-Type") != nullptr);
    CHECK(*o.response.find("Content-Type") == "application/json");
    REQUIRE(o.response.find("Cache-Control") != nullptr);
    CHECK(*o.response.find("Cache-Control") == "no-store");
}

}  // namespace

TEST_CASE_METHOD(endpoints_fixture, "RFC 7662 §2.2: an active token is described, the client sees its claims",
                 "[oauth2][introspection]")
{
    const std::string t = token_for(reader, "read");
    const auto o = introspect({basic_header(reader.id, reader.secret)}, "token=" + t + "&token_type_hint=access_token");
    INFO(o.response.body);
    REQUIRE(o.response.status == 200);
    const auto j = nlohmann::json::parse(o.response.body);
    CHECK(j.at("active") == true);
    CHECK(j.at("client_id") == reader.id);
    CHECK(j.at("sub") == reader.key_id);
    CHECK(j.at("scope") == "read");
    CHECK(j.at("token_type") == "Bearer");
    CHECK(j.at("exp").is_number_integer());
    CHECK(j.at("iat").is_number_integer());
    CHECK(j.at("iss") == issuer_name);
    CHECK(j.at("jti").is_string());
    CHECK(o.response.fields.size() == 3);
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7662 §2.2 with check_token_key: a token whose API key was disabled or deleted is inactive",
                 "[oauth2][introspection][token_key]")
{
    const client resource = add_client({"introspect"});
    const std::string t = token_for(reader, "read");
    const std::vector<std::string> as_resource = {basic_header(resource.id, resource.secret)};
    const apiauth::oauth2::introspection_options check{.check_token_key = true};
    // Active with the check while the key is enabled.
    const auto active = introspect(as_resource, "token=" + t, check);
    REQUIRE(active.response.status == 200);
    CHECK(nlohmann::json::parse(active.response.body).at("active") == true);

    // The reader's key disabled: inactive with the check, and why is in token_error only.
    {
        const auto r = store.inner.lookup(reader.key_id);
        REQUIRE((r.has_value() && *r != nullptr));
        apiauth::api_key_record copy = **r;
        copy.revoked_at = t_now;
        store.inner.insert_or_assign(std::move(copy));
    }
    const auto disabled = introspect(as_resource, "token=" + t, check);
    check_inactive(disabled);
    CHECK(disabled.token_error == errc::token_key_revoked);
    // Without the check (the default) the token alone decides: still active.
    CHECK(nlohmann::json::parse(introspect(as_resource, "token=" + t).response.body).at("active") == true);
    // Deleted: inactive, token_key_unknown.
    REQUIRE(store.inner.erase(reader.key_id));
    const auto deleted = introspect(as_resource, "token=" + t, check);
    check_inactive(deleted);
    CHECK(deleted.token_error == errc::token_key_unknown);
}

TEST_CASE_METHOD(endpoints_fixture, "RFC 7662 §2.2 with check_token_key: a store that cannot answer fails closed (503)",
                 "[oauth2][introspection][token_key]")
{
    const client resource = add_client({"introspect"});
    const std::string t = token_for(reader, "read");
    // A store that answers the caller's own lookup, then fails: the token's key cannot be read.
    struct failing_second {
        const counting_store* inner;
        mutable int calls = 0;
        apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view id) const noexcept
        {
            if (++calls > 1) return errc::store_unavailable;
            return inner->lookup(id);
        }
    } flaky{&store};
    std::vector<std::string_view> keep;
    const auto o =
        apiauth::oauth2::introspection_endpoint(post({basic_header(resource.id, resource.secret)}, "token=" + t, keep),
                                                flaky, ring, verifier, revoked, opt, {.check_token_key = true});
    CHECK(o.response.status == 503);
    CHECK(o.error == errc::store_unavailable);
    CHECK(o.response.body.find("\"active\"") == std::string::npos);  // never "active", never "inactive"
}

TEST_CASE_METHOD(endpoints_fixture, "E91 RFC 7662 §2.2: an unknown token is {\"active\":false} and nothing else",
                 "[oauth2][introspection]")
{
    check_inactive(introspect({basic_header(reader.id, reader.secret)}, "token=not-a-token"));
    check_inactive(introspect({basic_header(reader.id, reader.secret)}, "token=eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7662 §2.2: introspection_response, what a resource server that introspects its own tokens sends",
                 "[oauth2][introspection]")
{
    const std::string t = token_for(reader, "read");
    // The same body as the endpoint's, for the same token.
    const auto via_endpoint =
        introspect({basic_header(reader.id, reader.secret)}, "token=" + t + "&token_type_hint=access_token");
    const auto active = apiauth::oauth2::introspection_response(verifier.verify(t), verifier);
    REQUIRE(active.has_value());
    CHECK(active->status == 200);
    CHECK(active->body == via_endpoint.response.body);
    CHECK(active->fields == via_endpoint.response.fields);

    // Any apiauth verification error: {"active":false} and nothing else.
    for (const apiauth::errc e : {apiauth::errc::token_expired, apiauth::errc::bad_signature,
                                  apiauth::errc::token_revoked, apiauth::errc::wrong_token_type}) {
        const auto inactive = apiauth::oauth2::introspection_response(e, verifier);
        REQUIRE(inactive.has_value());
        CHECK(inactive->body == R"({"active":false})");
        CHECK(inactive->status == 200);
    }
    // An error that says nothing about the token fails closed: neither active nor inactive.
    const auto outage = apiauth::oauth2::introspection_response(apiauth::errc::store_unavailable, verifier);
    REQUIRE_FALSE(outage.has_value());
    CHECK(outage.error() == apiauth::errc::store_unavailable);
    const auto other =
        apiauth::oauth2::introspection_response(std::make_error_code(std::errc::not_enough_memory), verifier);
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error() == std::errc::not_enough_memory);
}

TEST_CASE_METHOD(endpoints_fixture, "E91 RFC 7662 §2.1: introspection without client authentication is 401",
                 "[oauth2][introspection]")
{
    const std::string t = token_for(reader);
    const auto o = introspect({}, "token=" + t);
    CHECK(o.error == errc::no_credentials);
    CHECK(o.response.status == 401);
    REQUIRE(o.response.find("WWW-Authenticate") != nullptr);
    CHECK(*o.response.find("WWW-Authenticate") == "Basic realm=\"oauth2\", charset=\"UTF-8\"");
    CHECK(nlohmann::json::parse(o.response.body).at("error") == "invalid_client");
    const auto wrong = introspect({basic_header(reader.id, reader.wrong_secret)}, "token=" + t);
    CHECK(wrong.response.status == 401);
    // A missing token parameter is a malformed request (RFC 7662 §2.1: REQUIRED).
    const auto none = introspect({basic_header(reader.id, reader.secret)}, "token_type_hint=access_token");
    CHECK(none.error == errc::missing_parameter);
    CHECK(none.response.status == 400);
}

TEST_CASE_METHOD(endpoints_fixture, "RFC 7662 §2.1, §4: who may introspect, and which tokens",
                 "[oauth2][introspection]")
{
    const std::string t = token_for(reader);
    const auto other = add_client({"introspect"});
    // A required scope the caller lacks: refused.
    const auto refused =
        introspect({basic_header(reader.id, reader.secret)}, "token=" + t, {.required_scope = "introspect"});
    CHECK(refused.error == errc::unauthorized_client);
    CHECK(refused.response.status == 400);
    // The resource server with the scope sees the token; limited to its own tokens, it does not.
    const auto seen =
        introspect({basic_header(other.id, other.secret)}, "token=" + t, {.required_scope = "introspect"});
    CHECK(nlohmann::json::parse(seen.response.body).at("active") == true);
    check_inactive(introspect({basic_header(other.id, other.secret)}, "token=" + t, {.own_tokens_only = true}));
}

TEST_CASE_METHOD(endpoints_fixture, "RFC 7009 §2.1, §2.2: the owner revokes its token, it is then inactive",
                 "[oauth2][revocation]")
{
    const std::string t = token_for(reader);
    const auto o = revoke(reader, "token=" + t + "&token_type_hint=access_token");
    CHECK(o.response.status == 200);
    CHECK_FALSE(o.error);
    CHECK(o.response.body.empty());
    CHECK_FALSE(o.token_error);
    // The token no longer verifies with the store, and introspection says inactive (token_revoked).
    const auto v = verifier.verify(t, {}, revoked);
    REQUIRE(v.has_error());
    CHECK(v.error() == errc::token_revoked);
    const auto i = introspect({basic_header(reader.id, reader.secret)}, "token=" + t);
    check_inactive(i);
    CHECK(i.token_error == errc::token_revoked);
    // Revoking again is still 200 (idempotent).
    CHECK(revoke(reader, "token=" + t).response.status == 200);
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7009 §2.1, RFC 7662 §2.2, RFC 8707: a token minted for another resource of this issuer is "
                 "introspected and revoked too",
                 "[oauth2][revocation][introspection]")
{
    const std::string_view apis[] = {"https://b.example.com/"};
    opt.resources = apis;
    std::vector<std::string_view> keep;
    const auto minted = apiauth::oauth2::token_endpoint(
        post({basic_header(reader.id, reader.secret)},
             "grant_type=client_credentials&resource=https%3A%2F%2Fb.example.com%2F", keep),
        store, ring, issuer, opt);
    REQUIRE(minted.token.has_value());
    const std::string t = minted.token->token;
    // The verifier given to the endpoints is for the default audience: it refuses the token as
    // a resource, and resource B accepts it.
    CHECK(verifier.verify(t).error() == errc::wrong_audience);
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    const auto b = apiauth::oauth2::access_token_verifier::make(
        apiauth::jose::key_set(std::move(*k)), {.issuer = std::string(issuer_name),
                                                .audience = "https://b.example.com/",
                                                .clock = [] { return std::chrono::system_clock::time_point(t_now); }});
    REQUIRE(b.has_value());
    REQUIRE(b->verify(t, {}, revoked).has_value());
    // Introspection: active, with its aud for the resource to check.
    const auto i = introspect({basic_header(reader.id, reader.secret)}, "token=" + t);
    CHECK(i.response.status == 200);
    CHECK_FALSE(i.token_error);
    const auto j = nlohmann::json::parse(i.response.body);
    CHECK(j.at("active") == true);
    CHECK(j.at("aud") == "https://b.example.com/");
    // Revocation: recorded, so resource B refuses it (it was answered 200 and not recorded).
    const auto r = revoke(reader, "token=" + t);
    CHECK(r.response.status == 200);
    CHECK_FALSE(r.token_error);
    CHECK(b->verify(t, {}, revoked).error() == errc::token_revoked);
    check_inactive(introspect({basic_header(reader.id, reader.secret)}, "token=" + t));
    // A token of another issuer is still not this issuer's: 200 and nothing recorded.
    auto other_key = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(other_key.has_value());
    auto other_issuer = apiauth::oauth2::access_token_issuer::make(
        std::move(*other_key), {.issuer = "https://other-as.example.com",
                                .audience = {"https://b.example.com/"},
                                .clock = [] { return std::chrono::system_clock::time_point(t_now); }});
    REQUIRE(other_issuer.has_value());
    const auto foreign =
        other_issuer->issue({.subject = reader.key_id, .client_id = reader.id, .scopes = {}, .audience = {}});
    REQUIRE(foreign.has_value());
    const auto fr = revoke(reader, "token=" + foreign->token);
    CHECK(fr.response.status == 200);
    CHECK(fr.token_error == errc::wrong_issuer);
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7009 §2: a revocation lasts until exp plus the verifier's leeway, even one made after exp",
                 "[oauth2][revocation]")
{
    // Verifiers accept a token until exp + leeway (RFC 9068 §4, 30 s here): a revocation that
    // ended at exp let the token work again for that long, and one made after exp was not kept.
    auto now = std::make_shared<std::chrono::sys_seconds>(t_now);
    const auto clock = [now] { return std::chrono::system_clock::time_point(*now); };
    apiauth::stores::memory_revocation_store store_at{1000, clock};
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    const auto v = apiauth::oauth2::access_token_verifier::make(apiauth::jose::key_set(std::move(*k)),
                                                                {.issuer = std::string(issuer_name),
                                                                 .audience = std::string(audience_name),
                                                                 .leeway = std::chrono::seconds(30),
                                                                 .clock = clock});
    REQUIRE(v.has_value());
    const auto revoke_at = [&](const std::string& t) {
        std::vector<std::string_view> keep;
        return apiauth::oauth2::revocation_endpoint(post({basic_header(reader.id, reader.secret)}, "token=" + t, keep),
                                                    store, ring, *v, store_at, opt);
    };
    const std::string a = token_for(reader);
    const auto exp = v->verify(a)->expires_at();
    REQUIRE(revoke_at(a).response.status == 200);
    *now = exp + std::chrono::seconds(10);
    CHECK(v->verify(a, {}, store_at).error() == errc::token_revoked);
    *now = exp + std::chrono::seconds(30);
    CHECK(v->verify(a).error() == errc::token_expired);  // then the verifier refuses it anyway

    *now = t_now;
    const std::string b = token_for(reader);
    *now = exp + std::chrono::seconds(5);
    REQUIRE(v->verify(b).has_value());  // within the leeway
    const auto r = revoke_at(b);
    CHECK(r.response.status == 200);
    CHECK_FALSE(r.token_error);
    CHECK(v->verify(b, {}, store_at).error() == errc::token_revoked);
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7009 §2.2.1: a verifier that cannot verify (moved from) is a server error, never 200 and never "
                 "a crash",
                 "[oauth2][revocation][introspection]")
{
    const std::string t = token_for(reader);
    apiauth::oauth2::access_token_verifier v = make_verifier();
    const apiauth::oauth2::access_token_verifier taken = std::move(v);
    std::vector<std::string_view> keep;
    const auto r =
        apiauth::oauth2::revocation_endpoint(post({basic_header(reader.id, reader.secret)}, "token=" + t, keep), store,
                                             ring, v, revoked, opt);  // NOLINT(bugprone-use-after-move)
    CHECK(r.error == errc::invalid_configuration);
    CHECK(r.response.status == 500);
    CHECK(taken.verify(t, {}, revoked).has_value());  // not revoked: the client was told so
    // Introspection fails closed: never active.
    const auto i =
        apiauth::oauth2::introspection_endpoint(post({basic_header(reader.id, reader.secret)}, "token=" + t, keep),
                                                store, ring, v, revoked, opt);  // NOLINT(bugprone-use-after-move)
    CHECK(i.response.body.find("\"active\":true") == std::string::npos);
}

TEST_CASE_METHOD(endpoints_fixture,
                 "RFC 7009 §2.1, RFC 7662 §2.1, RFC 6749 §2.3.1: the token in the request URI is credentials_in_query",
                 "[oauth2][revocation][introspection]")
{
    const std::string t = token_for(reader);
    std::vector<std::string_view> keep;
    const std::vector<std::string> auth{basic_header(reader.id, reader.secret)};  // outlives req
    auto req = post(auth, "", keep);
    const std::string target = "/oauth/revoke?token=" + t;
    req.target = target;
    const auto r = apiauth::oauth2::revocation_endpoint(req, store, ring, verifier, revoked, opt);
    CHECK(r.error == errc::credentials_in_query);
    CHECK(r.response.status == 400);
    CHECK(nlohmann::json::parse(r.response.body).at("error") == "invalid_request");
    CHECK(verifier.verify(t, {}, revoked).has_value());  // not revoked
    const auto i = apiauth::oauth2::introspection_endpoint(req, store, ring, verifier, revoked, opt);
    CHECK(i.error == errc::credentials_in_query);
    CHECK(i.response.status == 400);
    // Escaped name, and beside a token in the body (then a repeat, reported first).
    const std::string escaped = "/oauth/revoke?t%6Fken=" + t;
    req.target = escaped;
    CHECK(apiauth::oauth2::revocation_endpoint(req, store, ring, verifier, revoked, opt).error ==
          errc::credentials_in_query);
    const std::string body = "token=" + t;
    req.body = body;
    CHECK(apiauth::oauth2::revocation_endpoint(req, store, ring, verifier, revoked, opt).error ==
          errc::duplicate_parameter);
    // At the token endpoint, `token` is no parameter of its own: ignored in the query (§3.2).
    const std::string grant = "grant_type=client_credentials";
    req.body = grant;
    const std::string te_target = "/oauth/token?token=x";
    req.target = te_target;
    CHECK(apiauth::oauth2::token_endpoint(req, store, ring, issuer, opt).response.status == 200);
}

TEST_CASE_METHOD(endpoints_fixture, "E92 RFC 7009 §2.2: an unknown token is 200, an unknown hint is ignored",
                 "[oauth2][revocation]")
{
    const auto o = revoke(reader, "token=garbage");
    CHECK(o.response.status == 200);
    CHECK(o.token_error);
    const std::string t = token_for(reader);
    CHECK(revoke(reader, "token=" + t + "&token_type_hint=foo").response.status == 200);
    CHECK(verifier.verify(t, {}, revoked).error() == errc::token_revoked);
}

TEST_CASE_METHOD(endpoints_fixture, "RFC 7009 §2.1: another client's token is refused, and stays valid",
                 "[oauth2][revocation]")
{
    const std::string t = token_for(reader);
    const auto other = add_client({"read"});
    const auto o = revoke(other, "token=" + t);
    CHECK(o.error == errc::unauthorized_client);
    CHECK(o.response.status == 400);
    CHECK(nlohmann::json::parse(o.response.body).at("error") == "unauthorized_client");
    CHECK(verifier.verify(t, {}, revoked).has_value());
    // And a client that does not authenticate cannot revoke at all.
    std::vector<std::string_view> keep;
    const auto anon =
        apiauth::oauth2::revocation_endpoint(post({}, "token=" + t, keep), store, ring, verifier, revoked, opt);
    CHECK(anon.response.status == 401);
    CHECK(verifier.verify(t, {}, revoked).has_value());
}

TEST_CASE_METHOD(endpoints_fixture, "RFC 7009 §2.1, RFC 7662 §2.1: POST only, form only, token required",
                 "[oauth2][revocation][introspection]")
{
    std::vector<std::string_view> keep;
    auto req = post({basic_header(reader.id, reader.secret)}, "token=x", keep);
    req.method = "GET";
    const auto get = apiauth::oauth2::revocation_endpoint(req, store, ring, verifier, revoked, opt);
    CHECK(get.response.status == 405);
    REQUIRE(get.response.find("Allow") != nullptr);
    CHECK(*get.response.find("Allow") == "POST");
    req.method = "POST";
    req.content_type = "application/json";
    CHECK(apiauth::oauth2::revocation_endpoint(req, store, ring, verifier, revoked, opt).response.status == 400);
    CHECK(revoke(reader, "token=").error == errc::missing_parameter);
    CHECK(revoke(reader, "token=a&token=b").error == errc::duplicate_parameter);
}

}  // namespace oauth2_endpoints_test
