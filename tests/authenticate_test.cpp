// Tests for apiauth/authenticate.hpp: authenticate_api dispatching as Stormpath's did
// (research/stormpath-protocol.md §5.1) — an API key over Basic, a token request at the token
// endpoint, a Bearer access token — with the C cases of research/http-auth-oauth2-spec.md (RFC
// 6750 §2, §3) checked through it: status, every WWW-Authenticate challenge, the body.
#include "oauth2/oauth2_support.hpp"

#include <apiauth/authenticate.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace authenticate_test {

using namespace oauth2_support;
using apiauth::auth_method;
using apiauth::errc;

namespace {

struct request {
    std::string method = "GET";
    std::string target = "/api/items";
    std::vector<std::string> authorization{};
    std::string content_type{};
    std::string body{};
};

struct auth_fixture : client_fixture {
    apiauth::api_auth_config cfg{.token = {.keys = policy()}};
    apiauth::stores::memory_revocation_store revoked{1000, [] { return std::chrono::system_clock::time_point(t_now); }};

    apiauth::auth_outcome run(const request& r, std::span<const std::string_view> scopes = {})
    {
        keep.assign(r.authorization.begin(), r.authorization.end());
        const apiauth::http::request_view req{.method = r.method,
                                              .target = r.target,
                                              .authorization = keep,
                                              .content_type = r.content_type,
                                              .body = r.body};
        return apiauth::authenticate_api(req, cfg, store, ring, verifier, scopes, &issuer, &revoked);
    }
    std::string token(const std::string& scope = "read")
    {
        const auto o = run({.method = "POST",
                            .target = "/oauth/token",
                            .authorization = {basic_header(reader.id, reader.secret)},
                            .content_type = "application/x-www-form-urlencoded",
                            .body = "grant_type=client_credentials&scope=" + scope});
        REQUIRE(o.response.status == 200);
        return nlohmann::json::parse(o.response.body).at("access_token");
    }
    std::vector<std::string_view> keep;
};

// The WWW-Authenticate values of a response, in order.
std::vector<std::string> challenges(const apiauth::http::response& r)
{
    std::vector<std::string> out;
    for (const auto& f : r.fields)
        if (f.name == "WWW-Authenticate") out.push_back(f.value);
    return out;
}

}  // namespace

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.1: an API key over Basic authenticates as its record", "[authenticate]")
{
    const auto o = run({.authorization = {basic_header(reader.id, reader.secret)}});
    REQUIRE(o);
    CHECK(o.identity->method() == auth_method::api_key);
    CHECK(o.identity->key_id() == reader.key_id);
    CHECK(o.identity->subject() == "acct-1");
    CHECK(o.identity->has_scope("read"));
    CHECK(o.identity->token() == nullptr);
    REQUIRE(o.identity->record() != nullptr);
    CHECK(o.identity->record()->key_id == reader.key_id);
}

TEST_CASE_METHOD(auth_fixture, "RFC 7617 §2: a wrong API key secret is 401 with a Basic challenge", "[authenticate]")
{
    const auto o = run({.authorization = {basic_header(reader.id, reader.wrong_secret)}});
    CHECK_FALSE(o);
    CHECK(o.error == errc::api_key_bad_secret);
    CHECK(o.response.status == 401);
    CHECK(challenges(o.response) == std::vector<std::string>{"Basic realm=\"api\", charset=\"UTF-8\""});
    // And Basic turned off: the same request has no accepted credentials (RFC 6750 §3.1).
    cfg.allow_api_key_basic = false;
    const auto off = run({.authorization = {basic_header(reader.id, reader.secret)}});
    CHECK(off.error == errc::unsupported_scheme);
    CHECK(challenges(off.response) == std::vector<std::string>{"Bearer realm=\"api\""});
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.2: a token request at the token endpoint is answered there",
                 "[authenticate]")
{
    const auto o = run({.method = "POST",
                        .target = "/oauth/token?x=1",
                        .authorization = {basic_header(reader.id, reader.secret)},
                        .content_type = "application/x-www-form-urlencoded",
                        .body = "grant_type=client_credentials"});
    CHECK_FALSE(o);  // nothing to serve: the response is the answer
    CHECK(o.method == auth_method::token_request);
    CHECK(o.response.status == 200);
    CHECK(nlohmann::json::parse(o.response.body).at("token_type") == "Bearer");
    const auto bad = run({.method = "GET", .target = "/oauth/token"});
    CHECK(bad.response.status == 405);
}

TEST_CASE_METHOD(auth_fixture, "C41 RFC 6750 §2.1: a Bearer access token authenticates with its claims",
                 "[authenticate]")
{
    const std::string t = token("read");
    const std::string_view read[] = {"read"};
    const auto o = run({.authorization = {"Bearer " + t}}, read);
    REQUIRE(o);
    CHECK(o.identity->method() == auth_method::access_token);
    CHECK(o.identity->key_id() == reader.key_id);
    CHECK(o.identity->subject() == reader.key_id);
    REQUIRE(o.identity->token() != nullptr);
    CHECK(o.identity->cache_control().empty());
    CHECK(o.response.fields.empty());
}

TEST_CASE_METHOD(auth_fixture, "C53-C55 RFC 6750 §3.1: no credentials is 401 with challenges and no error",
                 "[authenticate]")
{
    const auto o = run({});
    CHECK(o.error == errc::no_credentials);
    CHECK(o.response.status == 401);
    CHECK(challenges(o.response) ==
          std::vector<std::string>{"Bearer realm=\"api\"", "Basic realm=\"api\", charset=\"UTF-8\""});
    CHECK(o.response.body.empty());
    // C53: a query token with the query method off (the default) is no credentials.
    const std::string t = token();
    const auto q = run({.target = "/api/items?access_token=" + t});
    CHECK(q.error == errc::no_credentials);
    CHECK(q.response.status == 401);
}

TEST_CASE_METHOD(auth_fixture, "C54 RFC 6750 §2.3: the query method, when enabled, asks for Cache-Control: private",
                 "[authenticate]")
{
    cfg.bearer.allow_query = true;
    const std::string t = token();
    const auto o = run({.target = "/api/items?access_token=" + t});
    REQUIRE(o);
    CHECK(o.identity->cache_control() == "private");
    CHECK(o.identity->bearer_method() == apiauth::http::bearer_method::query);
}

TEST_CASE_METHOD(auth_fixture, "C51 RFC 6750 §2.2: a form-body token, decoded, authenticates and outlives the request",
                 "[authenticate]")
{
    cfg.bearer.allow_form_body = true;
    const std::string t = token();
    apiauth::auth_outcome o;
    {
        // The token sent with a needless escape, so that it is decoded into a buffer of its own.
        std::string body = "access_token=" + t + "&p=q";
        body.replace(body.find('.'), 1, "%2E");
        o = run({.method = "POST", .content_type = "application/x-www-form-urlencoded; charset=UTF-8", .body = body});
    }
    REQUIRE(o);
    CHECK(o.identity->token() != nullptr);
    CHECK(o.identity->key_id() == reader.key_id);  // views still valid: the decoded token was kept
}

TEST_CASE_METHOD(auth_fixture, "C48, C49 RFC 6750 §2, §3.1: a malformed token or two methods is 400 invalid_request",
                 "[authenticate]")
{
    const auto o = run({.authorization = {"Bearer a b"}});
    CHECK(o.response.status == 400);
    CHECK(challenges(o.response).size() == 1);
    CHECK(challenges(o.response).front().rfind("Bearer realm=\"api\", error=\"invalid_request\"", 0) == 0);
    CHECK(nlohmann::json::parse(o.response.body).at("error") == "invalid_request");
    cfg.bearer.allow_query = true;
    const std::string t = token();
    const auto two = run({.target = "/api/items?access_token=" + t, .authorization = {"Bearer " + t}});
    CHECK(two.error == errc::multiple_token_methods);
    CHECK(two.response.status == 400);
}

TEST_CASE_METHOD(auth_fixture, "C57 RFC 6750 §3.1: a bad or revoked token is 401 invalid_token", "[authenticate]")
{
    std::string t = token();
    t.back() = t.back() == 'A' ? 'B' : 'A';
    const auto o = run({.authorization = {"Bearer " + t}});
    CHECK(o.response.status == 401);
    REQUIRE(challenges(o.response).size() == 1);
    CHECK(
        challenges(o.response).front().rfind("Bearer realm=\"api\", error=\"invalid_token\", error_description=", 0) ==
        0);
    // Revoked in the store authenticate_api was given: refused as well.
    const std::string good = token();
    const auto v = verifier.verify(good);
    REQUIRE(v.has_value());
    REQUIRE(revoked.revoke(v->jti(), v->expires_at()).has_value());
    const auto r = run({.authorization = {"Bearer " + good}});
    CHECK(r.error == errc::token_revoked);
    CHECK(r.response.status == 401);
}

TEST_CASE_METHOD(auth_fixture, "C58 RFC 6750 §3.1: a valid token without the scope is 403 insufficient_scope",
                 "[authenticate]")
{
    const std::string t = token("read");
    const std::string_view write[] = {"write"};
    const auto o = run({.authorization = {"Bearer " + t}}, write);
    CHECK(o.error == errc::insufficient_scope);
    CHECK(o.response.status == 403);
    REQUIRE(challenges(o.response).size() == 1);
    const std::string c = challenges(o.response).front();
    CHECK(c.rfind("Bearer realm=\"api\", error=\"insufficient_scope\"", 0) == 0);
    CHECK(c.find("scope=\"write\"") != std::string::npos);
    // An API key without the scope: 403 too, with no Bearer challenge.
    const auto limited = add_client({"read"});
    const auto k = run({.authorization = {basic_header(limited.id, limited.secret)}}, write);
    CHECK(k.response.status == 403);
    CHECK(challenges(k.response).empty());
}

TEST_CASE_METHOD(auth_fixture, "C56 RFC 6750 §3.1: another scheme is no credentials, never 'None'", "[authenticate]")
{
    const auto o = run({.authorization = {"Digest username=\"x\""}});
    CHECK(o.error == errc::unsupported_scheme);
    CHECK(o.response.status == 401);
    CHECK(challenges(o.response).size() == 2);
}

TEST_CASE_METHOD(auth_fixture,
                 "Issue 9: a cached header token answers exactly what the request would get without the cache "
                 "(RFC 6750 §2, §2.1, §3.1)",
                 "[authenticate]")
{
    // authenticate_api looks a header token up in the cache before it parses the field in full;
    // every request below, sent after the token was cached, must get the answer it gets with no
    // cache at all.
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at());
        });
    const std::string t = token("read");
    const std::string_view read[] = {"read"};
    cfg.token_cache = &cache;
    REQUIRE(run({.authorization = {"Bearer " + t}}, read));
    REQUIRE(cache.size() == 1);
    struct named {
        const char* what;
        request r;
        int status;  // what the request gets without the cache
    };
    const std::vector<named> cases = {
        {"the plain header", {.authorization = {"Bearer " + t}}, 200},
        {"the scheme in lower case (RFC 9110 §11.1)", {.authorization = {"bearer " + t}}, 200},
        {"two SP before the token (1*SP)", {.authorization = {"Bearer  " + t}}, 200},
        {"a query without access_token", {.target = "/api/items?page=2&q=%41", .authorization = {"Bearer " + t}}, 200},
        {"a JSON POST body",
         {.method = "POST",
          .authorization = {"Bearer " + t},
          .content_type = "application/json",
          .body = "{\"access_token\":1}"},
         200},
        {"a form POST body without access_token",
         {.method = "POST",
          .authorization = {"Bearer " + t},
          .content_type = "application/x-www-form-urlencoded",
          .body = "a=1&b=%42"},
         200},
        {"the token in the query too, the query method off (§2: one method)",
         {.target = "/api/items?access_token=" + t, .authorization = {"Bearer " + t}},
         400},
        {"an escaped access_token name in the query",
         {.target = "/api/items?access%5Ftoken=x", .authorization = {"Bearer " + t}},
         400},
        {"the token in a form body too, the body method off",
         {.method = "PUT",
          .authorization = {"Bearer " + t},
          .content_type = "application/x-www-form-urlencoded",
          .body = "access_token=" + t},
         400},
        {"two Authorization fields", {.authorization = {"Bearer " + t, "Bearer " + t}}, 400},
        {"something after the token", {.authorization = {"Bearer " + t + " x"}}, 400},
        {"a comma after the token", {.authorization = {"Bearer " + t + ","}}, 400},
        {"the token with a trailing SP (OWS)", {.authorization = {"Bearer " + t + " "}}, 200},
        {"an HTAB instead of the SP", {.authorization = {"Bearer\t" + t}}, 400},
        {"a prefix of the token", {.authorization = {"Bearer " + t.substr(0, t.size() - 1)}}, 401},
        {"another scheme", {.authorization = {"Bearerx " + t}}, 401},
    };
    for (const bool allow_body : {false, true}) {
        for (const named& c : cases) {
            INFO(c.what << (allow_body ? " (body method on)" : ""));
            cfg.bearer.allow_form_body = allow_body;
            cfg.token_cache = nullptr;
            const auto plain = run(c.r, read);
            cfg.token_cache = &cache;
            const auto cached = run(c.r, read);
            CHECK(plain.response.status == c.status);
            CHECK(cached.response.status == plain.response.status);
            CHECK(cached.error == plain.error);
            CHECK(cached.response.fields == plain.response.fields);
            CHECK(cached.response.body == plain.response.body);
            CHECK(bool(cached) == bool(plain));
            if (cached) CHECK(cached.identity->in_cache());
        }
    }
    // A field longer than the header bound is 431 even for a cached token.
    cfg.bearer.header.max_size = t.size();
    cfg.token_cache = &cache;
    const auto big = run({.authorization = {"Bearer " + t}}, read);
    CHECK(big.error == errc::header_too_large);
    CHECK(big.response.status == 431);
    CHECK(cache.size() == 1);
}

TEST_CASE_METHOD(auth_fixture, "Issue 9: with the token cache, a repeated token skips verification, not revocation",
                 "[authenticate]")
{
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + std::chrono::seconds(30));
        });
    cfg.token_cache = &cache;
    const std::string t = token("read");
    const std::string_view read[] = {"read"};
    const auto first = run({.authorization = {"Bearer " + t}}, read);
    REQUIRE(first);
    CHECK(first.identity->in_cache());
    CHECK(cache.size() == 1);
    const auto second = run({.authorization = {"Bearer " + t}}, read);
    REQUIRE(second);
    CHECK(second.identity->in_cache());
    CHECK(second.identity->token() == first.identity->token());  // the very same cached verification
    CHECK(second.identity->key_id() == reader.key_id);
    CHECK(cache.size() == 1);
    // Scopes are still checked on a hit.
    const std::string_view write[] = {"write"};
    CHECK(run({.authorization = {"Bearer " + t}}, write).response.status == 403);
    // A revocation still refuses a cached token.
    REQUIRE(revoked.revoke(second.identity->token()->jti(), t_now + std::chrono::seconds(3600)).has_value());
    const auto third = run({.authorization = {"Bearer " + t}}, read);
    CHECK(third.error == errc::token_revoked);
    CHECK(third.response.status == 401);
    // A bad token is never cached.
    std::string bad = token("read");
    bad.back() = bad.back() == 'A' ? 'B' : 'A';
    CHECK(run({.authorization = {"Bearer " + bad}}).response.status == 401);
    CHECK(cache.size() == 1);  // only the token that verified
}

TEST_CASE_METHOD(auth_fixture,
                 "Issue 9: one token cache shared by two APIs with different verifiers never answers one with the "
                 "other's verdict (RFC 9068 §4 step 4)",
                 "[authenticate]")
{
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + std::chrono::seconds(30));
        });
    cfg.token_cache = &cache;
    const std::string t = token("read");  // aud: audience_name
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    const auto payments = apiauth::oauth2::access_token_verifier::make(
        apiauth::jose::key_set(std::move(*k)),
        {.issuer = std::string(issuer_name), .audience = "https://payments.example.com/", .clock = [] {
             return std::chrono::system_clock::time_point(t_now + std::chrono::seconds(5));
         }});
    REQUIRE(payments.has_value());
    const auto at = [&](const apiauth::oauth2::access_token_verifier& v) {
        std::vector<std::string> own{"Bearer " + t};
        std::vector<std::string_view> lines(own.begin(), own.end());
        const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
        return apiauth::authenticate_api(req, cfg, store, ring, v, {}, &issuer, &revoked);
    };
    REQUIRE(at(verifier));  // cached for the API it was minted for
    CHECK(cache.size() == 1);
    const auto other = at(*payments);
    CHECK(other.error == errc::wrong_audience);
    CHECK(other.response.status == 401);
    CHECK(at(verifier));  // still a hit for its own API
    // A copy of a verifier verifies alike, and finds the entry.
    const apiauth::oauth2::access_token_verifier copy = verifier;
    const auto hit = at(copy);
    REQUIRE(hit);
    CHECK(hit.identity->in_cache());
}

TEST_CASE_METHOD(auth_fixture,
                 "Issue 9, RFC 9068 §4: a shared cache whose expiry allows one verifier's leeway does not stretch "
                 "another's",
                 "[authenticate]")
{
    auto now = std::make_shared<std::chrono::sys_seconds>(t_now);
    const auto clock = [now] { return std::chrono::system_clock::time_point(*now); };
    const auto make = [&](std::chrono::seconds leeway) {
        auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
        REQUIRE(k.has_value());
        auto v = apiauth::oauth2::access_token_verifier::make(apiauth::jose::key_set(std::move(*k)),
                                                              {.issuer = std::string(issuer_name),
                                                               .audience = std::string(audience_name),
                                                               .leeway = leeway,
                                                               .clock = clock});
        REQUIRE(v.has_value());
        return std::move(*v);
    };
    const auto lenient = make(std::chrono::seconds(600));
    const auto strict = make(std::chrono::seconds(0));
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + std::chrono::seconds(600));
        });
    cfg.token_cache = &cache;
    const std::string t = token("read");
    std::vector<std::string> own{"Bearer " + t};
    std::vector<std::string_view> lines(own.begin(), own.end());
    const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
    const auto at = [&](const apiauth::oauth2::access_token_verifier& v) {
        return apiauth::authenticate_api(req, cfg, store, ring, v, {}, &issuer, &revoked);
    };
    REQUIRE(at(strict));  // cached, until exp + 600 s
    REQUIRE(at(lenient));
    const auto exp = strict.verify(t)->expires_at();
    *now = exp + std::chrono::seconds(60);
    CHECK(strict.verify(t).error() == errc::token_expired);
    const auto late = at(strict);
    CHECK(late.error == errc::token_expired);
    CHECK(late.response.status == 401);
    CHECK(at(lenient));  // within its own leeway
}

TEST_CASE_METHOD(auth_fixture, "Issue 9: a verifier clock that throws fails a cached Bearer request closed (500)",
                 "[authenticate]")
{
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at());
        });
    cfg.token_cache = &cache;
    const std::string t = token("read");
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    const auto broken = apiauth::oauth2::access_token_verifier::make(
        apiauth::jose::key_set(std::move(*k)),
        {.issuer = std::string(issuer_name),
         .audience = std::string(audience_name),
         .clock = []() -> std::chrono::system_clock::time_point { throw std::runtime_error("no time service"); }});
    REQUIRE(broken.has_value());
    std::vector<std::string> own{"Bearer " + t};
    std::vector<std::string_view> lines(own.begin(), own.end());
    const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
    const auto o = apiauth::authenticate_api(req, cfg, store, ring, *broken, {}, &issuer, &revoked);
    CHECK(o.error == errc::invalid_configuration);
    CHECK(o.response.status == 500);
    CHECK(cache.size() == 0);
}

TEST_CASE_METHOD(auth_fixture,
                 "research/api-keys.md §3.3: a key under an older pepper is rehashed on use through authenticate_api "
                 "and the token endpoint",
                 "[authenticate]")
{
    // A token, issued while the fixture's ring (pepper 1 alone) still verifies the reader.
    const std::string t = token("read");
    // The fixture's keys are under pepper 1; the ring now has pepper 2 as its current one.
    std::array<std::byte, 32> p1{}, p2{};
    for (std::size_t i = 0; i < 32; ++i) {
        p1[i] = static_cast<std::byte>(0x40 + i);
        p2[i] = static_cast<std::byte>(0x90 ^ i);
    }
    auto ring2 = apiauth::pepper_ring::make({{1, p1}, {2, p2}}, 2);
    REQUIRE(ring2.has_value());
    const std::string basic = basic_header(reader.id, reader.secret);
    const std::string_view lines[] = {basic};
    const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
    const auto o = apiauth::authenticate_api(req, cfg, store, *ring2, verifier);
    REQUIRE(o);
    REQUIRE(o.identity->record() != nullptr);
    CHECK(o.identity->record()->verifier.pepper_version == 1);
    REQUIRE(o.identity->needs_rehash());
    CHECK(o.identity->rehash()->pepper_version == 2);
    CHECK_FALSE(o.identity->matched_previous());
    // Stored (compare-and-set on the verifier the key matched): the next use needs nothing.
    const auto stored = apiauth::stores::store_rehash(store.inner, o.identity->record(), o.identity->rehash());
    REQUIRE(stored.has_value());
    CHECK(*stored);
    const auto again = apiauth::authenticate_api(req, cfg, store, *ring2, verifier);
    REQUIRE(again);
    CHECK(again.identity->record()->verifier.pepper_version == 2);
    CHECK_FALSE(again.identity->needs_rehash());
    CHECK_FALSE(again.identity->rehash().has_value());
    // A second store of the same rehash finds the verifier changed: nothing written.
    const auto stale = apiauth::stores::store_rehash(store.inner, o.identity->record(), o.identity->rehash());
    REQUIRE(stale.has_value());
    CHECK_FALSE(*stale);
    // A token identity has nothing to rehash.
    const auto b = run({.authorization = {"Bearer " + t}});
    REQUIRE(b);
    CHECK_FALSE(b.identity->needs_rehash());
    CHECK(apiauth::stores::store_rehash(store.inner, b.identity->record(), b.identity->rehash()) == false);

    // The token endpoint reports it too, for a client under pepper 1.
    const client other = add_client({"read"});
    const std::string other_basic = basic_header(other.id, other.secret);
    const std::string_view other_lines[] = {other_basic};
    const apiauth::http::request_view token_req{.method = "POST",
                                                .target = "/oauth/token",
                                                .authorization = other_lines,
                                                .content_type = "application/x-www-form-urlencoded",
                                                .body = "grant_type=client_credentials"};
    const auto te = apiauth::oauth2::token_endpoint(token_req, store, *ring2, issuer, cfg.token);
    REQUIRE(te.response.status == 200);
    REQUIRE(te.client != nullptr);
    REQUIRE(te.rehash.has_value());
    CHECK(te.rehash->pepper_version == 2);
    const auto te_stored = apiauth::stores::store_rehash(store.inner, te.client, te.rehash);
    REQUIRE(te_stored.has_value());
    CHECK(*te_stored);
    const auto te_again = apiauth::oauth2::token_endpoint(token_req, store, *ring2, issuer, cfg.token);
    CHECK(te_again.response.status == 200);
    CHECK_FALSE(te_again.rehash.has_value());
}

// A store in front of the fixture's that can be made to fail (a Redis or PostgreSQL outage).
struct outage_store {
    const counting_store* inner;
    bool down = false;
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        if (down) return errc::store_unavailable;
        return inner->lookup(key_id);
    }
};

// The record of `key_id` in the fixture's store, changed by `edit` and written back.
template <class Edit> void edit_record(client_fixture& f, const std::string& key_id, Edit edit)
{
    const auto r = f.store.inner.lookup(key_id);
    REQUIRE(r.has_value());
    REQUIRE(*r != nullptr);
    apiauth::api_key_record copy = **r;
    edit(copy);
    f.store.inner.insert_or_assign(std::move(copy));
}

TEST_CASE_METHOD(auth_fixture,
                 "Stormpath §5.3: with check_token_key, a token is accepted only while its API key is active",
                 "[authenticate][token_key]")
{
    const std::string t = token("read");
    const std::string bearer = "Bearer " + t;

    // Off (the default): the token alone decides, and the identity has no record.
    const auto off = run({.authorization = {bearer}});
    REQUIRE(off);
    CHECK(off.identity->record() == nullptr);

    // On: the key is looked up by the token's sub, and its record is the identity's.
    cfg.check_token_key = true;
    const int before = store_lookups();
    const auto on = run({.authorization = {bearer}});
    REQUIRE(on);
    CHECK(store_lookups() == before + 1);
    REQUIRE(on.identity->record() != nullptr);
    CHECK(on.identity->record()->key_id == reader.key_id);
    CHECK(on.identity->record()->owner == "acct-1");
    CHECK(on.identity->key_id() == reader.key_id);
    CHECK(on.identity->has_scope("read"));  // the token's scopes, as before

    // The key disabled (revoked_at reached): the token that is still unexpired stops at once.
    edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.revoked_at = t_now; });
    const auto disabled = run({.authorization = {bearer}});
    CHECK_FALSE(disabled);
    CHECK(disabled.error == errc::token_key_revoked);
    CHECK(disabled.method == auth_method::access_token);
    CHECK(disabled.response.status == 401);
    REQUIRE(challenges(disabled.response).size() == 1);
    CHECK(challenges(disabled.response).front().rfind("Bearer realm=\"api\", error=\"invalid_token\"", 0) == 0);
    CHECK(nlohmann::json::parse(disabled.response.body) == nlohmann::json{{"error", "invalid_token"}});
    // Off again, the same request passes: the check is what refused it.
    cfg.check_token_key = false;
    CHECK(run({.authorization = {bearer}}));
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: each reason a token's API key is not active has its own error",
                 "[authenticate][token_key]")
{
    cfg.check_token_key = true;
    const std::string bearer = "Bearer " + token("read");
    REQUIRE(run({.authorization = {bearer}}));

    SECTION("expired: expires_at at now minus the leeway (api_key_options::leeway, 0 here) is expired")
    {
        edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.expires_at = t_now; });
        const auto o = run({.authorization = {bearer}});
        CHECK(o.error == errc::token_key_expired);
        CHECK(o.response.status == 401);
        // One second of leeway lets it through.
        cfg.token.keys.leeway = std::chrono::seconds(1);
        CHECK(run({.authorization = {bearer}}));
    }
    SECTION("not yet valid: not_before after now plus the leeway")
    {
        edit_record(*this, reader.key_id,
                    [](apiauth::api_key_record& r) { r.not_before = t_now + std::chrono::seconds(60); });
        const auto o = run({.authorization = {bearer}});
        CHECK(o.error == errc::token_key_not_yet_valid);
        CHECK(o.response.status == 401);
    }
    SECTION("a disabled key revoked later than now is still active until then")
    {
        edit_record(*this, reader.key_id,
                    [](apiauth::api_key_record& r) { r.revoked_at = t_now + std::chrono::seconds(1); });
        CHECK(run({.authorization = {bearer}}));
    }
    SECTION("deleted: no record for the token's sub")
    {
        REQUIRE(store.inner.erase(reader.key_id));
        const auto o = run({.authorization = {bearer}});
        CHECK(o.error == errc::token_key_unknown);
        CHECK(o.response.status == 401);
        CHECK(challenges(o.response).front().find("error=\"invalid_token\"") != std::string::npos);
    }
    SECTION("a leeway beyond max_api_key_leeway is the server's mistake: 500")
    {
        cfg.token.keys.leeway = apiauth::max_api_key_leeway + std::chrono::seconds(1);
        const auto o = run({.authorization = {bearer}});
        CHECK(o.error == errc::invalid_configuration);
        CHECK(o.response.status == 500);
    }
    SECTION("the store cannot answer: fail closed with its error (503), never accept")
    {
        outage_store down{&store, true};
        const std::string_view lines[] = {bearer};
        const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
        const auto o = apiauth::authenticate_api(req, cfg, down, ring, verifier);
        CHECK_FALSE(o);
        CHECK(o.error == errc::store_unavailable);
        CHECK(o.response.status == 503);
        // The same store up: accepted.
        down.down = false;
        CHECK(apiauth::authenticate_api(req, cfg, down, ring, verifier));
    }
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: a cached token is refused once its API key is disabled",
                 "[authenticate][token_key]")
{
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + std::chrono::seconds(30));
        });
    cfg.token_cache = &cache;
    cfg.check_token_key = true;
    const std::string bearer = "Bearer " + token("read");
    const std::string_view read[] = {"read"};
    const auto first = run({.authorization = {bearer}}, read);
    REQUIRE(first);
    CHECK(first.identity->in_cache());
    REQUIRE(first.identity->record() != nullptr);
    CHECK(first.identity->record()->key_id == reader.key_id);
    const int before = store_lookups();
    const auto hit = run({.authorization = {bearer}}, read);
    REQUIRE(hit);
    CHECK(hit.identity->in_cache());
    CHECK(store_lookups() == before + 1);  // a hit still asks the store
    REQUIRE(hit.identity->record() != nullptr);

    edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.revoked_at = t_now; });
    const auto refused = run({.authorization = {bearer}}, read);
    CHECK(refused.error == errc::token_key_revoked);
    CHECK(refused.response.status == 401);
    CHECK(cache.size() == 1);  // the verification stays cached; the key is checked on every hit

    // The key deleted: unknown, on the cached path too.
    REQUIRE(store.inner.erase(reader.key_id));
    CHECK(run({.authorization = {bearer}}, read).error == errc::token_key_unknown);
    // An outage on a hit fails closed.
    outage_store down{&store, true};
    const std::string_view lines[] = {bearer};
    const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
    const auto o = apiauth::authenticate_api(req, cfg, down, ring, verifier, read);
    CHECK(o.error == errc::store_unavailable);
    CHECK(o.response.status == 503);
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: the token's key is checked after revocation and before the scopes",
                 "[authenticate][token_key]")
{
    cfg.check_token_key = true;
    const std::string t = token("read");
    const std::string bearer = "Bearer " + t;
    edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.revoked_at = t_now; });
    // A missing scope on a token whose key is disabled: the key's error, not 403.
    const std::string_view write[] = {"write"};
    CHECK(run({.authorization = {bearer}}, write).error == errc::token_key_revoked);
    // A revoked token whose key is disabled too: the token's own revocation comes first.
    const auto v = verifier.verify(t);
    REQUIRE(v.has_value());
    REQUIRE(revoked.revoke(v->jti(), v->expires_at()).has_value());
    CHECK(run({.authorization = {bearer}}).error == errc::token_revoked);
    // A bad signature is refused before any lookup.
    std::string bad = t;
    bad.back() = bad.back() == 'A' ? 'B' : 'A';
    const int before = store_lookups();
    CHECK(run({.authorization = {"Bearer " + bad}}).response.status == 401);
    CHECK(store_lookups() == before);
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: a form-body or query token whose API key is disabled is refused too",
                 "[authenticate][token_key]")
{
    cfg.check_token_key = true;
    cfg.bearer.allow_form_body = true;
    cfg.bearer.allow_query = true;
    const std::string t = token("read");
    const request body{.method = "POST",
                       .target = "/api/items",
                       .content_type = "application/x-www-form-urlencoded",
                       .body = "access_token=" + t};
    const request query{.target = "/api/items?access_token=" + t};
    REQUIRE(run(body));
    REQUIRE(run(query));
    edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.revoked_at = t_now; });
    for (const request& r : {body, query}) {
        const auto o = run(r);
        CHECK_FALSE(o);
        CHECK(o.error == errc::token_key_revoked);
        CHECK(o.response.status == 401);
    }
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: a record under another key id than the token's sub is not its key",
                 "[authenticate][token_key]")
{
    cfg.check_token_key = true;
    const std::string bearer = "Bearer " + token("read");
    const client other = add_client({"read"});
    // A store that answers every lookup with another key's (active) record: a broken store.
    struct wrong_record_store {
        const counting_store* inner;
        std::string other_id;
        apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view) const noexcept
        {
            return inner->lookup(other_id);
        }
    } wrong{&store, other.key_id};
    const std::string_view lines[] = {bearer};
    const apiauth::http::request_view req{.method = "GET", .target = "/api/items", .authorization = lines};
    const auto o = apiauth::authenticate_api(req, cfg, wrong, ring, verifier);
    CHECK(o.error == errc::token_key_unknown);
    CHECK(o.response.status == 401);
}

TEST_CASE_METHOD(auth_fixture, "Stormpath §5.3: on the cached path, revocation before the key, the key on miss and hit",
                 "[authenticate][token_key]")
{
    apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + std::chrono::seconds(30));
        });
    cfg.token_cache = &cache;
    cfg.check_token_key = true;
    const std::string t = token("read");
    const std::string bearer = "Bearer " + t;
    edit_record(*this, reader.key_id, [](apiauth::api_key_record& r) { r.revoked_at = t_now; });
    // Disabled before the first request: refused on the miss (which still caches the
    // verification), and on the hit.
    CHECK(run({.authorization = {bearer}}).error == errc::token_key_revoked);
    CHECK(cache.size() == 1);
    CHECK(run({.authorization = {bearer}}).error == errc::token_key_revoked);
    // Revoked as well: the token's own revocation is the answer, and the key is not looked up.
    const auto v = verifier.verify(t);
    REQUIRE(v.has_value());
    REQUIRE(revoked.revoke(v->jti(), v->expires_at()).has_value());
    const int before = store_lookups();
    CHECK(run({.authorization = {bearer}}).error == errc::token_revoked);
    CHECK(store_lookups() == before);
}

TEST_CASE_METHOD(auth_fixture,
                 "Stormpath §5.3: oauth2::check_token_key also requires the key's prefix to be accepted, and a policy",
                 "[authenticate][token_key]")
{
    const std::string t = token("read");
    const auto v = verifier.verify(t);
    REQUIRE(v.has_value());
    const apiauth::api_key_options keys = policy();
    const auto ok = apiauth::oauth2::check_token_key(store, *v, keys);
    REQUIRE(ok.has_value());
    CHECK((*ok)->key_id == reader.key_id);

    // The prefix retired from the allow-list: Basic refuses the key, so its tokens are refused.
    static constexpr std::string_view other_prefixes[] = {"other_sk"};
    apiauth::api_key_options retired = keys;
    retired.prefixes = other_prefixes;
    const auto r = apiauth::oauth2::check_token_key(store, *v, retired);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::token_key_not_accepted);
    cfg.check_token_key = true;
    cfg.token.keys.prefixes = other_prefixes;
    const auto refused = run({.authorization = {"Bearer " + t}});
    CHECK(refused.error == errc::token_key_not_accepted);
    CHECK(refused.response.status == 401);

    // A record of the Stormpath format is accepted only with accept_stormpath.
    edit_record(*this, reader.key_id, [](apiauth::api_key_record& rec) {
        rec.format = apiauth::api_key_format::stormpath;
        rec.prefix.clear();
    });
    CHECK(apiauth::oauth2::check_token_key(store, *v, keys).error() == errc::token_key_not_accepted);
    apiauth::api_key_options stormpath = keys;
    stormpath.accept_stormpath = true;
    CHECK(apiauth::oauth2::check_token_key(store, *v, stormpath).has_value());

    // A policy that accepts no key at all is the server's mistake, before any lookup.
    const int before = store_lookups();
    CHECK(apiauth::oauth2::check_token_key(store, *v, apiauth::api_key_options{.now = t_now}).error() ==
          errc::invalid_configuration);
    CHECK(store_lookups() == before);
}

}  // namespace authenticate_test
