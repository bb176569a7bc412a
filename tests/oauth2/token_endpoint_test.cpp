// Tests for apiauth/oauth2/token_request.hpp, token_response.hpp and token_endpoint.hpp: the
// conformance cases D61–D86 and E87–E89, E93 of research/http-auth-oauth2-spec.md (RFC 6749
// §2.3.1, §3.2, §3.3, §4.4, §5.1, §5.2; RFC 8707), each checking status, every header field and
// the JSON body. Client credentials are real API key pairs, verified through the API key path.
#include "oauth2_support.hpp"

#include <apiauth/oauth2/token_endpoint.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace oauth2_token_endpoint_test {

using namespace oauth2_support;
using apiauth::errc;
using apiauth::oauth2::client_authentication;
using apiauth::oauth2::error_response;
using apiauth::oauth2::excess_scope;
using apiauth::oauth2::parse_token_request;
using apiauth::oauth2::token_endpoint;
using apiauth::oauth2::token_endpoint_options;

namespace {

constexpr std::string_view form = "application/x-www-form-urlencoded";

// The three fields every token endpoint JSON answer carries (RFC 6749 §5.1, §5.2).
void check_json_fields(const apiauth::http::response& r)
{
    REQUIRE(r.find("Content-Type") != nullptr);
    CHECK(*r.find("Content-Type") == "application/json");
    REQUIRE(r.find("Cache-Control") != nullptr);
    CHECK(*r.find("Cache-Control") == "no-store");
    REQUIRE(r.find("Pragma") != nullptr);
    CHECK(*r.find("Pragma") == "no-cache");
}

// RFC 6749 §5.2: status, error, the challenge a 401 needs (RFC 9110 §15.5.2), and nothing else.
void check_error(const apiauth::oauth2::token_outcome& o, int status, std::string_view error, std::error_code why)
{
    INFO("body: " << o.response.body);
    CHECK(o.error == why);
    CHECK(o.response.status == status);
    check_json_fields(o.response);
    const auto j = nlohmann::json::parse(o.response.body);
    CHECK(j.at("error") == error);
    CHECK(j.size() <= 2);
    std::size_t expected_fields = 3;
    if (status == 401) {
        REQUIRE(o.response.find("WWW-Authenticate") != nullptr);
        CHECK(*o.response.find("WWW-Authenticate") == "Basic realm=\"oauth2\", charset=\"UTF-8\"");
        ++expected_fields;
    }
    if (status == 405) {
        REQUIRE(o.response.find("Allow") != nullptr);
        CHECK(*o.response.find("Allow") == "POST");
        ++expected_fields;
    }
    CHECK(o.response.fields.size() == expected_fields);
    CHECK_FALSE(o.token.has_value());
}

// RFC 6749 §5.1: 200, the three fields, and access_token, token_type Bearer, expires_in, no refresh_token.
nlohmann::json check_success(const apiauth::oauth2::token_outcome& o)
{
    INFO("body: " << o.response.body << " error: " << o.error.message());
    REQUIRE(o.response.status == 200);
    CHECK_FALSE(o.error);
    check_json_fields(o.response);
    CHECK(o.response.fields.size() == 3);
    const auto j = nlohmann::json::parse(o.response.body);
    CHECK(j.at("access_token").is_string());
    CHECK(j.at("token_type") == "Bearer");
    CHECK(j.at("expires_in") == 3600);
    CHECK_FALSE(j.contains("refresh_token"));
    REQUIRE(o.token.has_value());
    CHECK(j.at("access_token") == o.token->token);
    return j;
}

struct call {
    std::string method = "POST";
    std::string target = "/oauth/token";
    std::vector<std::string> authorization{};
    std::string content_type = std::string(form);
    std::string body = "grant_type=client_credentials";
};

}  // namespace

struct token_fixture : client_fixture {
    token_endpoint_options opt{.keys = policy()};

    apiauth::oauth2::token_outcome run(const call& c) const
    {
        std::vector<std::string_view> auth(c.authorization.begin(), c.authorization.end());
        const apiauth::http::request_view req{.method = c.method,
                                              .target = c.target,
                                              .authorization = auth,
                                              .content_type = c.content_type,
                                              .body = c.body};
        return token_endpoint(req, store, ring, issuer, opt);
    }
    call basic(std::string body = "grant_type=client_credentials") const
    {
        return {.authorization = {basic_header(reader.id, reader.secret)}, .body = std::move(body)};
    }
};

// ---- D61–D64: the request and client authentication (RFC 6749 §2.3.1, §4.4.2, §5.1) ----------

TEST_CASE_METHOD(token_fixture, "D61 RFC 6749 §4.4.2, §5.1: Basic client credentials get a Bearer token", "[oauth2]")
{
    const auto o = run(basic());
    const auto j = check_success(o);
    // The client's record allows "read write"; nothing was asked, so all of it is granted, and
    // since that differs from the (empty) request, the response says so (§3.3).
    CHECK(j.at("scope") == "read write");
    CHECK(o.scope == "read write");
    REQUIRE(o.client != nullptr);
    CHECK(o.client->key_id == reader.key_id);
    // The token is an RFC 9068 access token for this client (verified in access_token_test too).
    const auto v = verifier.verify(o.token->token);
    REQUIRE(v.has_value());
    CHECK(v->client_id() == reader.id);  // the client_id it authenticated with (RFC 9068 §2.2)
    CHECK(v->subject() == reader.key_id);
}

TEST_CASE("D62 RFC 6749 §2.3.1, App. B: Basic halves are form-decoded: '+' is a space, %3A a colon", "[oauth2]")
{
    const std::string_view auth[] = {
        "Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA=="};
    const auto r = parse_token_request(
        {.method = "POST", .authorization = auth, .content_type = form, .body = "grant_type=client_credentials"});
    REQUIRE(r.has_value());
    CHECK(r->authentication() == client_authentication::client_secret_basic);
    CHECK(r->client_id() == "1PpG/Q 1");
    CHECK(r->client_secret() == "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw=");
}

TEST_CASE("D63 RFC 6749 §2.3.1: '+' in a secret must be sent as %2B, raw Basic is a per-client switch", "[oauth2]")
{
    const auto secret_of = [](std::string_view field, apiauth::oauth2::token_request_options opt = {}) {
        const std::string_view auth[] = {field};
        auto r = parse_token_request(
            {.method = "POST", .authorization = auth, .content_type = form, .body = "grant_type=client_credentials"},
            opt);
        REQUIRE(r.has_value());
        return std::string(r->client_secret());
    };
    CHECK(secret_of("Basic Y2xpZW50OjElMkIx") == "1+1");  // client:1%2B1
    CHECK(secret_of("Basic Y2xpZW50OjErMQ==") == "1 1");  // client:1+1, decoded as the RFC says
    const apiauth::oauth2::token_request_options raw_for_client{
        .raw_basic = [](std::string_view id) { return id == "client"; }};
    CHECK(secret_of("Basic Y2xpZW50OjErMQ==", raw_for_client) == "1+1");
    CHECK(secret_of("Basic b3RoZXI6MSsx", raw_for_client) == "1 1");  // other:1+1: not flagged
}

TEST_CASE_METHOD(token_fixture, "D64 RFC 6749 App. B: a bad %-escape in Basic is invalid_client with a Basic challenge",
                 "[oauth2]")
{
    check_error(run({.authorization = {"Basic Y2xpZW50OjUwJW9mZg=="}}), 401, "invalid_client",
                errc::basic_invalid_form_encoding);
    const std::string_view auth[] = {"Basic Y2xpZW50OjUwJTI1b2Zm"};  // client:50%25off
    const auto r = parse_token_request(
        {.method = "POST", .authorization = auth, .content_type = form, .body = "grant_type=client_credentials"});
    REQUIRE(r.has_value());
    CHECK(r->client_secret() == "50%off");
}

// ---- D65–D70: failed and conflicting client authentication (RFC 6749 §2.3, §3.2.1, §5.2) -----

TEST_CASE_METHOD(token_fixture, "D65 RFC 6749 §5.2: a wrong secret is 401 invalid_client with a Basic challenge",
                 "[oauth2]")
{
    const auto o = run({.authorization = {basic_header(reader.id, reader.wrong_secret)}});
    check_error(o, 401, "invalid_client", errc::api_key_bad_secret);
    CHECK(o.response.body == R"({"error":"invalid_client","error_description":"The API key is not valid"})");
}

TEST_CASE_METHOD(token_fixture, "D66 RFC 6749 §2.3.1: body credentials with a wrong secret are 401 invalid_client",
                 "[oauth2]")
{
    const std::string body =
        "grant_type=client_credentials&client_id=" + reader.id + "&client_secret=" + reader.wrong_secret;
    // Not enabled (the default): an unsupported method is invalid_client too (§5.2).
    check_error(run({.body = body}), 401, "invalid_client", errc::unsupported_scheme);
    opt.request.allow_client_secret_post = true;
    check_error(run({.body = body}), 401, "invalid_client", errc::api_key_bad_secret);
    // And the right secret in the body, when enabled, authenticates.
    const auto o =
        run({.body = "grant_type=client_credentials&client_id=" + reader.id + "&client_secret=" + reader.secret});
    check_success(o);
}

TEST_CASE_METHOD(token_fixture, "D67 RFC 6749 §5.2: no client authentication is 401 invalid_client", "[oauth2]")
{
    check_error(run({}), 401, "invalid_client", errc::no_credentials);
    // Another scheme than Basic is no client authentication this endpoint supports.
    check_error(run({.authorization = {"Bearer mF_9.B5f-4.1JqM"}}), 401, "invalid_client", errc::unsupported_scheme);
    // Two Authorization lines: a malformed request (RFC 9110 §5.3).
    auto twice = basic();
    twice.authorization.push_back(twice.authorization.front());
    check_error(run(twice), 400, "invalid_request", errc::duplicate_authorization);
}

TEST_CASE_METHOD(token_fixture, "D68 RFC 6749 §2.3: Basic and client_secret in the body is 400 invalid_request",
                 "[oauth2]")
{
    opt.request.allow_client_secret_post = true;
    check_error(run(basic("grant_type=client_credentials&client_secret=" + reader.secret)), 400, "invalid_request",
                errc::multiple_client_authentication);
}

TEST_CASE_METHOD(token_fixture, "D69 RFC 6749 §3.2.1: client_id beside Basic must name the same client", "[oauth2]")
{
    check_success(run(basic("grant_type=client_credentials&client_id=" + reader.id)));
    check_error(run(basic("grant_type=client_credentials&client_id=other")), 400, "invalid_request",
                errc::client_id_mismatch);
}

TEST_CASE_METHOD(token_fixture, "D70 RFC 6749 §2.3.1: client credentials in the URI are 400 invalid_request",
                 "[oauth2]")
{
    auto c = basic();
    c.target = "/oauth/token?client_secret=" + reader.secret;
    check_error(run(c), 400, "invalid_request", errc::credentials_in_query);
    c.target = "/oauth/token?client_id=" + reader.id;
    check_error(run(c), 400, "invalid_request", errc::credentials_in_query);
}

// ---- D71–D77, D81–D83: method, media type, parameters (RFC 6749 §3.2, §5.2) -------------------

TEST_CASE_METHOD(token_fixture, "D71 RFC 6749 §3.2: GET is 405 with Allow: POST, never a token", "[oauth2]")
{
    auto c = basic("");
    c.method = "GET";
    c.target = "/oauth/token?grant_type=client_credentials";
    check_error(run(c), 405, "invalid_request", errc::method_not_allowed);
}

TEST_CASE_METHOD(token_fixture, "D72 RFC 6749 §3.2: a JSON body is 400 invalid_request", "[oauth2]")
{
    auto c = basic(R"({"grant_type":"client_credentials"})");
    c.content_type = "application/json";
    check_error(run(c), 400, "invalid_request", errc::unsupported_media_type);
    // A charset parameter is tolerated; another parameter or charset is not.
    c = basic();
    c.content_type = "application/x-www-form-urlencoded; charset=\"utf-8\"";
    check_success(run(c));
    c.content_type = "Application/X-WWW-Form-Urlencoded;charset=UTF-8";
    check_success(run(c));
    c.content_type = "application/x-www-form-urlencoded; charset=ISO-8859-1";
    check_error(run(c), 400, "invalid_request", errc::unsupported_media_type);
    c.content_type = "multipart/form-data; boundary=x";
    check_error(run(c), 400, "invalid_request", errc::unsupported_media_type);
}

TEST_CASE_METHOD(token_fixture, "D73, D74 RFC 6749 §3.2: a parameter twice, in the body or with the query, is refused",
                 "[oauth2]")
{
    check_error(run(basic("grant_type=client_credentials&grant_type=client_credentials")), 400, "invalid_request",
                errc::duplicate_parameter);
    auto c = basic();
    c.target = "/oauth/token?grant_type=client_credentials";
    check_error(run(c), 400, "invalid_request", errc::duplicate_parameter);
    check_error(run(basic("grant_type=client_credentials&scope=read&scope=write")), 400, "invalid_request",
                errc::duplicate_parameter);
    // Names are compared after decoding.
    check_error(run(basic("grant_type=client_credentials&%73cope=read&scope=write")), 400, "invalid_request",
                errc::duplicate_parameter);
}

TEST_CASE_METHOD(token_fixture, "D75 RFC 6749 §3.1: an empty grant_type is absent: 400 invalid_request", "[oauth2]")
{
    check_error(run(basic("grant_type=")), 400, "invalid_request", errc::missing_parameter);
    check_error(run(basic("")), 400, "invalid_request", errc::missing_parameter);
}

TEST_CASE_METHOD(token_fixture, "D76 RFC 6749 §1.9, §5.2: grant types are case-sensitive, names too", "[oauth2]")
{
    check_error(run(basic("grant_type=password")), 400, "unsupported_grant_type", errc::unsupported_grant_type);
    check_error(run(basic("grant_type=Client_Credentials")), 400, "unsupported_grant_type",
                errc::unsupported_grant_type);
    check_error(run(basic("Grant_Type=client_credentials")), 400, "invalid_request", errc::missing_parameter);
}

TEST_CASE_METHOD(token_fixture, "D77 RFC 6749 §5.2: a client not registered for the grant is unauthorized_client",
                 "[oauth2]")
{
    const auto limited = add_client({"read"}, {"authorization_code"});
    const auto o = run({.authorization = {basic_header(limited.id, limited.secret)}});
    check_error(o, 400, "unauthorized_client", errc::unauthorized_client);
    REQUIRE(o.client != nullptr);  // it did authenticate
    const auto allowed = add_client({"read"}, {"authorization_code", "client_credentials"});
    check_success(run({.authorization = {basic_header(allowed.id, allowed.secret)}}));
}

TEST_CASE_METHOD(token_fixture, "D81 RFC 6749 §3.2: unrecognized parameters are ignored", "[oauth2]")
{
    check_success(run(basic("grant_type=client_credentials&foo=bar&foo=baz")));
}

TEST_CASE_METHOD(token_fixture, "D82 WHATWG URL §5.1: ',' does not separate parameters", "[oauth2]")
{
    check_error(run(basic("grant_type=client_credentials;scope=admin")), 400, "unsupported_grant_type",
                errc::unsupported_grant_type);
}

TEST_CASE_METHOD(token_fixture, "D83 RFC 6749 App. B: a bad escape or non-UTF-8 is 400 invalid_request", "[oauth2]")
{
    check_error(run(basic("grant_type=client_credentials&scope=%zz")), 400, "invalid_request",
                errc::malformed_form_body);
    check_error(run(basic("grant_type=client_credentials&scope=%FF")), 400, "invalid_request", errc::form_invalid_utf8);
}

TEST_CASE("D84 RFC 6749 App. B: body credentials are decoded exactly once", "[oauth2]")
{
    const auto r = parse_token_request({.method = "POST",
                                        .content_type = form,
                                        .body = "grant_type=client_credentials&client_id=c1&client_secret=a%2525b"},
                                       {.allow_client_secret_post = true});
    REQUIRE(r.has_value());
    CHECK(r->authentication() == client_authentication::client_secret_post);
    CHECK(r->client_id() == "c1");
    CHECK(r->client_secret() == "a%25b");
}

TEST_CASE("RFC 6749 §3.2, RFC 8707 §2: a token request's values stay valid when it moves", "[oauth2]")
{
    // Every value is decoded into one buffer that the request owns: the views its accessors
    // give must survive moves (a pending_token_request moves it while the store is awaited).
    const std::string basic_field = apiauth::http::encode_oauth_client_basic("c+1", "s:%2").value();
    const std::array<std::string_view, 1> lines{basic_field};
    auto r =
        parse_token_request({.method = "POST",
                             .target = "/oauth/token?resource=urn%3Aq",
                             .authorization = lines,
                             .content_type = form,
                             .body = "grant_type=client%5Fcredentials&scope=a+b%3Ac&resource=https%3A%2F%2Fx.test%2F"
                                     "&resource=&client_id=c%2B1"});
    REQUIRE(r.has_value());
    auto moved = std::move(*r);
    CHECK(r->grant_type().empty());  // the moved-from request keeps nothing
    CHECK(r->client_secret().empty());
    CHECK(r->resources().empty());
    apiauth::oauth2::token_request again = std::move(moved);
    CHECK(again.grant_type() == "client_credentials");
    CHECK(again.scope().text() == "a b:c");
    // Body first, then the query; an empty resource is absent (RFC 6749 §3.1).
    REQUIRE(again.resources().size() == 2);
    CHECK(again.resources()[0] == "https://x.test/");
    CHECK(again.resources()[1] == "urn:q");
    CHECK(again.client_id() == "c+1");
    CHECK(again.client_secret() == "s:%2");
    CHECK(again.client_id_in_body());
    CHECK(again.authentication() == client_authentication::client_secret_basic);
}

TEST_CASE("RFC 8707 §2: remembered resource indicators give Boost.URL's answer, 60,000 checks",
          "[oauth2][differential]")
{
    // is_resource_indicator remembers the last few indicators that passed on this thread, by
    // their exact octets. Drawn from a small pool, so that most checks hit the memo: each
    // answer must be Boost.URL's parse_absolute_uri on the same octets, including for strings
    // one octet away from a remembered one, over the memo's 128-octet bound, and after the
    // slots have been reused.
    using apiauth::detail::oauth2::is_resource_indicator;
    const std::string long_ok = "https://api.example.com/" + std::string(105, 'p');  // 129 octets
    REQUIRE(long_ok.size() == 129);
    std::vector<std::string> pool = {"https://api.example.com/items",
                                     "https://api.example.com/items#frag",  // RFC 8707 §2: no fragment
                                     "https://api.example.com/item",
                                     "https://api.example.com/itemsx",
                                     "urn:example:a",
                                     "urn:example:b",
                                     "urn:",
                                     "urn",
                                     "/relative/path",
                                     "https://[::1]/x",
                                     "https://[::1/x",
                                     "https://a b/",
                                     "http://x.test:80/?q=1",
                                     "http://x.test:8a/",
                                     "mailto:someone@example.com",
                                     long_ok,
                                     long_ok + "#f",
                                     ""};
    std::mt19937 rng(8707);
    for (int i = 0; i < 60000; ++i) {
        std::string s = pool[rng() % pool.size()];
        if (!s.empty() && rng() % 8 == 0) s[rng() % s.size()] = "# %:/[]"[rng() % 7];  // near a remembered one
        INFO("resource: " << s);
        REQUIRE(is_resource_indicator(s) == (!s.empty() && boost::urls::parse_absolute_uri(s).has_value()));
    }
}

TEST_CASE("RFC 8707 §2: more resources than max_resources is invalid_target, however they are split", "[oauth2]")
{
    const std::string body =
        "grant_type=client_credentials&resource=urn%3Aa&resource=urn%3Ab&client_id=c&client_secret=s";
    const apiauth::http::request_view within{.method = "POST", .target = "/t", .content_type = form, .body = body};
    CHECK(parse_token_request(within, {.allow_client_secret_post = true, .max_resources = 2}).has_value());
    CHECK(parse_token_request(within, {.allow_client_secret_post = true, .max_resources = 1}).error() ==
          errc::invalid_target);
    // The query's resources count with the body's (RFC 8707 §2 does not say where they go).
    const apiauth::http::request_view split{
        .method = "POST", .target = "/t?resource=urn%3Ac", .content_type = form, .body = body};
    CHECK(parse_token_request(split, {.allow_client_secret_post = true, .max_resources = 2}).error() ==
          errc::invalid_target);
    CHECK(parse_token_request(split, {.allow_client_secret_post = true, .max_resources = 3})->resources().size() == 3);
}

TEST_CASE_METHOD(token_fixture, "D85 RFC 6749 §2.3.1, §3.1: an empty client_secret is omitted: invalid_client",
                 "[oauth2]")
{
    opt.request.allow_client_secret_post = true;
    check_error(run({.body = "grant_type=client_credentials&client_id=" + reader.id + "&client_secret="}), 401,
                "invalid_client", errc::client_secret_missing);
    check_error(run({.body = "grant_type=client_credentials&client_secret=" + reader.secret}), 400, "invalid_request",
                errc::missing_parameter);
}

// ---- D78–D80: scope (RFC 6749 §3.3) -------------------------------------------------------------

TEST_CASE_METHOD(token_fixture, "D78 RFC 6749 §3.3: scope=read+write and read%20write ask for read and write",
                 "[oauth2]")
{
    for (const char* body :
         {"grant_type=client_credentials&scope=read+write", "grant_type=client_credentials&scope=read%20write",
          "grant_type=client_credentials&scope=write+read"}) {
        INFO(body);
        const auto o = run(basic(body));
        const auto j = check_success(o);
        CHECK_FALSE(j.contains("scope"));  // granted as requested (a set): may be omitted, §3.3
        const auto v = verifier.verify(o.token->token);
        REQUIRE(v.has_value());
        CHECK(v->has_scope("read"));
        CHECK(v->has_scope("write"));
    }
}

TEST_CASE_METHOD(token_fixture, "D79 RFC 6749 §3.3: scope outside scope-token *( SP scope-token ) is invalid_scope",
                 "[oauth2]")
{
    for (const char* scope :
         {"read%20%20write", "%20read", "read%20", "%22admin%22", "read%5Cwrite", "caf%C3%A9", "read%09write"}) {
        INFO(scope);
        check_error(run(basic(std::string("grant_type=client_credentials&scope=") + scope)), 400, "invalid_scope",
                    errc::invalid_scope_syntax);
    }
}

TEST_CASE_METHOD(token_fixture, "D80 RFC 6749 §3.3: a narrowed scope is in the response, refused by default",
                 "[oauth2]")
{
    const auto narrow = add_client({"read"});
    const call c{.authorization = {basic_header(narrow.id, narrow.secret)},
                 .body = "grant_type=client_credentials&scope=read+write"};
    check_error(run(c), 400, "invalid_scope", errc::scope_not_allowed);
    opt.on_excess_scope = excess_scope::narrow;
    const auto j = check_success(run(c));
    CHECK(j.at("scope") == "read");
    // Nothing allowed at all is still refused.
    check_error(run({.authorization = c.authorization, .body = "grant_type=client_credentials&scope=admin"}), 400,
                "invalid_scope", errc::scope_not_allowed);
}

TEST_CASE_METHOD(token_fixture, "Stormpath scopeFactory: an application's scope function decides the grant", "[oauth2]")
{
    opt.scope = [](const apiauth::api_key_record& client,
                   apiauth::oauth2::scope_view requested) -> apiauth::result<std::vector<std::string>> {
        if (requested.contains("admin")) return errc::scope_not_allowed;
        std::vector<std::string> out{"items:read"};
        if (client.owner == "acct-1") out.emplace_back("owner:acct-1");
        return out;
    };
    const auto j = check_success(run(basic("grant_type=client_credentials&scope=anything")));
    CHECK(j.at("scope") == "items:read owner:acct-1");
    check_error(run(basic("grant_type=client_credentials&scope=admin")), 400, "invalid_scope", errc::scope_not_allowed);
    // A function that writes a token outside the grammar is the server's fault, not the client's.
    opt.scope = [](const apiauth::api_key_record&,
                   apiauth::oauth2::scope_view) -> apiauth::result<std::vector<std::string>> {
        return std::vector<std::string>{"two words"};
    };
    check_error(run(basic()), 500, "server_error", errc::invalid_configuration);
    // One that throws too.
    opt.scope = [](const apiauth::api_key_record&,
                   apiauth::oauth2::scope_view) -> apiauth::result<std::vector<std::string>> {
        throw std::runtime_error("database gone");
    };
    const auto thrown = run(basic());
    check_error(thrown, 500, "server_error", errc::invalid_configuration);
    // The client authenticated before the function threw: the outcome names it, for logs.
    REQUIRE(thrown.client != nullptr);
    CHECK(thrown.client->key_id == reader.key_id);
}

// ---- D86: error bodies (RFC 6749 §5.2) -------------------------------------------------------

TEST_CASE("D86 RFC 6749 §5.2: every error body has a §5.2 code and, if any, a non-empty NQSCHAR description",
          "[oauth2]")
{
    const std::set<std::string> codes = {
        "invalid_request",        "invalid_client", "invalid_grant",  "unauthorized_client",
        "unsupported_grant_type", "invalid_scope",  "invalid_target", "server_error"};
    for (int v = 1; v < 1000; ++v) {
        const std::error_code ec(v, apiauth::error_category());
        if (apiauth::error_name(ec).empty()) continue;
        INFO(apiauth::error_name(ec));
        const auto r = error_response(ec, apiauth::endpoint::token);
        const auto j = nlohmann::json::parse(r.body);
        CHECK(codes.count(j.at("error").get<std::string>()) == 1);
        if (j.contains("error_description")) {
            const std::string d = j.at("error_description");
            CHECK_FALSE(d.empty());
            for (char c : d) CHECK((c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'));
        }
        if (j.at("error") == "server_error") CHECK_FALSE(j.contains("error_description"));
    }
    // A code of another category: no description (it could say anything).
    const auto r = error_response(std::make_error_code(std::errc::io_error), apiauth::endpoint::token);
    CHECK(r.status == 500);
    CHECK(r.body == R"({"error":"server_error"})");
    // At a callback, a browser: no OAuth body, never a 401.
    const auto cb = error_response(errc::api_key_bad_secret, apiauth::endpoint::id_site_callback);
    CHECK(cb.status == 400);
    CHECK(cb.body.empty());
    CHECK(cb.fields.empty());
}

// ---- E87–E89, E93 ---------------------------------------------------------------------------

TEST_CASE_METHOD(token_fixture, "E87: an unknown client and a wrong secret get byte-identical responses", "[oauth2]")
{
    const auto wrong = run({.authorization = {basic_header(reader.id, reader.wrong_secret)}});
    const auto unknown = run({.authorization = {basic_header(unknown_client.id, unknown_client.secret)}});
    CHECK(wrong.error == errc::api_key_bad_secret);
    CHECK(unknown.error == errc::api_key_not_found);
    CHECK(wrong.response.status == unknown.response.status);
    CHECK(wrong.response.body == unknown.response.body);
    REQUIRE(wrong.response.fields.size() == unknown.response.fields.size());
    for (std::size_t i = 0; i < wrong.response.fields.size(); ++i) {
        CHECK(wrong.response.fields[i].name == unknown.response.fields[i].name);
        CHECK(wrong.response.fields[i].value == unknown.response.fields[i].value);
    }
    // The unknown client cost a MAC all the same: the store was asked, and the dummy spent
    // (api_key/verify_test.cpp measures it); here, the lookup happened.
    CHECK(store_lookups() >= 2);
}

TEST_CASE_METHOD(token_fixture, "E89: a 1 MiB body is 413 before parsing, 10 000 scope tokens are invalid_scope",
                 "[oauth2]")
{
    std::string big = "grant_type=client_credentials&scope=";
    big.append(1 << 20, 'a');
    const auto o = run(basic(big));
    CHECK(o.error == errc::body_too_large);
    CHECK(o.response.status == 413);
    check_json_fields(o.response);

    std::string many = "grant_type=client_credentials&scope=s";
    for (int i = 1; i < 10000; ++i) many += "+s";
    opt.request.max_body = 64 * 1024;
    opt.request.scope.max_size = 64 * 1024;
    check_error(run(basic(many)), 400, "invalid_scope", errc::too_many_scopes);
    opt.request.scope.max_size = 2048;
    check_error(run(basic(many)), 400, "invalid_scope", errc::too_many_scopes);
}

TEST_CASE_METHOD(token_fixture, "E93 RFC 8707 §2: resource repeats, each is an absolute URI without fragment",
                 "[oauth2]")
{
    opt.any_resource = true;  // the grammar, not the policy
    const auto o = run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F"
                             "&resource=https%3A%2F%2Fb.example.com%2F"));
    check_success(o);
    // RFC 9068 §3: the token's aud is the resources.
    const auto payload = decode_payload(o.token->token);
    CHECK(payload.at("aud") == nlohmann::json({"https://api.example.com/app/", "https://b.example.com/"}));
    check_error(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2F%23frag")), 400,
                "invalid_target", errc::invalid_target);
    check_error(run(basic("grant_type=client_credentials&resource=%2Frelative")), 400, "invalid_target",
                errc::invalid_target);
}

TEST_CASE_METHOD(token_fixture,
                 "RFC 8707 §2: a resource outside the endpoint's list is invalid_target, compared octet for octet",
                 "[oauth2]")
{
    // One authorization server for two APIs: a client may name either, nothing else.
    const std::string_view apis[] = {"https://api.example.com/app/", "https://b.example.com/"};
    opt.resources = apis;
    const auto o = run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F"
                             "&resource=https%3A%2F%2Fb.example.com%2F"));
    check_success(o);
    CHECK(decode_payload(o.token->token).at("aud") ==
          nlohmann::json({"https://api.example.com/app/", "https://b.example.com/"}));
    // No resource named: the issuer's default audience, as without a list.
    const auto d = run(basic());
    check_success(d);
    CHECK(decode_payload(d.token->token).at("aud") == std::string(audience_name));
    // Another API, and near misses: no trailing '/', another case, a port, a query (RFC 3986
    // §6.2.1: the comparison is of the octets, with no normalization).
    for (const char* other :
         {"https%3A%2F%2Fc.example.com%2F", "https%3A%2F%2Fapi.example.com%2Fapp", "HTTPS%3A%2F%2Fb.example.com%2F",
          "https%3A%2F%2Fb.example.com%3A443%2F", "https%3A%2F%2Fb.example.com%2F%3Fx"}) {
        INFO(other);
        const auto r = run(basic(std::string("grant_type=client_credentials&resource=") + other));
        check_error(r, 400, "invalid_target", errc::resource_not_allowed);
        REQUIRE(r.client != nullptr);  // who asked, for the log
        CHECK(r.client->key_id == reader.key_id);
        // One allowed and one not: refused all the same.
        check_error(run(basic(std::string("grant_type=client_credentials&resource=https%3A%2F%2Fb.example.com%2F"
                                          "&resource=") +
                              other)),
                    400, "invalid_target", errc::resource_not_allowed);
    }
    // A malformed resource is still invalid_target from the parser, and a client that does not
    // authenticate learns nothing about the list: 401 first.
    check_error(run(basic("grant_type=client_credentials&resource=%2Frelative")), 400, "invalid_target",
                errc::invalid_target);
    check_error(run({.authorization = {basic_header(reader.id, reader.wrong_secret)},
                     .body = "grant_type=client_credentials&resource=https%3A%2F%2Fc.example.com%2F"}),
                401, "invalid_client", errc::api_key_bad_secret);
}

TEST_CASE_METHOD(token_fixture,
                 "RFC 8707 §2: with no resource policy, a client may name only the issuer's default audience, "
                 "any_resource opens it",
                 "[oauth2]")
{
    // Secure by default (DESIGN.md principle 2): an API that trusts this issuer but is not its
    // default audience gets no token by being named.
    const auto d = run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com"));
    check_success(d);
    CHECK(decode_payload(d.token->token).at("aud") == std::string(audience_name));
    for (const char* body : {"grant_type=client_credentials&resource=https%3A%2F%2Fpayments.example.com%2F",
                             "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2F",
                             "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com"
                             "&resource=https%3A%2F%2Fpayments.example.com%2F"}) {
        INFO(body);
        const auto r = run(basic(body));
        check_error(r, 400, "invalid_target", errc::resource_not_allowed);
        REQUIRE(r.client != nullptr);
        CHECK(r.client->key_id == reader.key_id);
    }
    opt.any_resource = true;
    const auto any = run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fpayments.example.com%2F"));
    check_success(any);
    CHECK(decode_payload(any.token->token).at("aud") == "https://payments.example.com/");
}

TEST_CASE_METHOD(token_fixture, "RFC 8707 §2: an application's resource function decides per client, after the list",
                 "[oauth2]")
{
    std::vector<std::string> asked;
    // acct-1's API is for the reader's key only.
    opt.resource = [&](const apiauth::api_key_record& client, std::string_view resource) {
        asked.emplace_back(resource);
        return client.key_id == reader.key_id && resource.starts_with("https://acct-1.example.com/");
    };
    check_success(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Facct-1.example.com%2Fv1")));
    CHECK(asked == std::vector<std::string>{"https://acct-1.example.com/v1"});
    check_error(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Facct-2.example.com%2Fv1")), 400,
                "invalid_target", errc::resource_not_allowed);
    // Another client, the same resource: refused, because the function was given that client.
    const auto other = add_client({"read", "write"});
    const auto o = run({.authorization = {basic_header(other.id, other.secret)},
                        .body = "grant_type=client_credentials&resource=https%3A%2F%2Facct-1.example.com%2Fv1"});
    check_error(o, 400, "invalid_target", errc::resource_not_allowed);
    REQUIRE(o.client != nullptr);
    CHECK(o.client->key_id == other.key_id);
    // With a list too, the list comes first: the function is asked only about listed resources.
    const std::string_view listed[] = {"https://acct-1.example.com/v1"};
    opt.resources = listed;
    asked.clear();
    check_error(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Facct-1.example.com%2Fv2")), 400,
                "invalid_target", errc::resource_not_allowed);
    CHECK(asked.empty());
    check_success(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Facct-1.example.com%2Fv1")));
    CHECK(asked.size() == 1);
    // No resource named: the function is not asked.
    asked.clear();
    check_success(run(basic()));
    CHECK(asked.empty());
    // A function that throws is the server's fault.
    opt.resource = [](const apiauth::api_key_record&, std::string_view) -> bool {
        throw std::runtime_error("policy service gone");
    };
    check_error(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Facct-1.example.com%2Fv1")), 500,
                "server_error", errc::invalid_configuration);
}

TEST_CASE_METHOD(token_fixture,
                 "RFC 8707 §2: a key record's resources restrict its client's tokens, the default audience included",
                 "[oauth2]")
{
    // The ledger client may have tokens for the ledger API only; the reader's record has no list.
    const auto ledger = add_client({"read"}, {}, {"https://ledger.example.com/", "urn:example:audit"});
    const auto as_ledger = [&](std::string body) {
        return run({.authorization = {basic_header(ledger.id, ledger.secret)}, .body = std::move(body)});
    };
    const auto o = as_ledger("grant_type=client_credentials&resource=https%3A%2F%2Fledger.example.com%2F");
    check_success(o);
    CHECK(decode_payload(o.token->token).at("aud") == "https://ledger.example.com/");
    const auto both = as_ledger("grant_type=client_credentials&resource=urn%3Aexample%3Aaudit"
                                "&resource=https%3A%2F%2Fledger.example.com%2F");
    check_success(both);
    CHECK(decode_payload(both.token->token).at("aud") ==
          nlohmann::json({"urn:example:audit", "https://ledger.example.com/"}));
    // Another resource, a near miss (compared octet for octet), or one listed beside one not.
    for (const char* body : {"grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F",
                             "grant_type=client_credentials&resource=https%3A%2F%2Fledger.example.com",
                             "grant_type=client_credentials&resource=https%3A%2F%2FLEDGER.example.com%2F",
                             "grant_type=client_credentials&resource=urn%3Aexample%3Aaudit"
                             "&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F"}) {
        INFO(body);
        const auto r = as_ledger(body);
        check_error(r, 400, "invalid_target", errc::resource_not_allowed);
        REQUIRE(r.client != nullptr);
        CHECK(r.client->key_id == ledger.key_id);
    }
    // Naming no resource would give the issuer's default audience, which the record does not list.
    const auto no_resource = as_ledger("grant_type=client_credentials");
    check_error(no_resource, 400, "invalid_target", errc::resource_not_allowed);
    REQUIRE(no_resource.client != nullptr);
    CHECK(no_resource.client->key_id == ledger.key_id);
    // The resource is decided before the scope: an unlisted resource with a scope the record
    // does not allow is invalid_target, not invalid_scope.
    check_error(as_ledger("grant_type=client_credentials&scope=write&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F"),
                400, "invalid_target", errc::resource_not_allowed);
    // A record that lists the default audience gets it when it names none.
    const auto with_default = add_client({"read"}, {}, {std::string(audience_name), "urn:example:audit"});
    const auto d = run({.authorization = {basic_header(with_default.id, with_default.secret)}});
    check_success(d);
    CHECK(decode_payload(d.token->token).at("aud") == std::string(audience_name));
    // An issuer with two default audiences: the record must list both (one is not enough).
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
    REQUIRE(k.has_value());
    auto two = apiauth::oauth2::access_token_issuer::make(
        std::move(*k), {.issuer = std::string(issuer_name),
                        .audience = {std::string(audience_name), "urn:example:audit"},
                        .clock = [] { return std::chrono::system_clock::time_point(t_now); }});
    REQUIRE(two.has_value());
    const auto with_two = [&](const client& c) {
        const std::string auth = basic_header(c.id, c.secret);
        const std::string_view fields[] = {auth};
        const apiauth::http::request_view req{.method = "POST",
                                              .target = "/oauth/token",
                                              .authorization = fields,
                                              .content_type = form,
                                              .body = "grant_type=client_credentials"};
        return token_endpoint(req, store, ring, *two, opt);
    };
    const auto both_defaults = with_two(with_default);
    check_success(both_defaults);
    CHECK(decode_payload(both_defaults.token->token).at("aud") ==
          nlohmann::json({std::string(audience_name), "urn:example:audit"}));
    const auto one_default = add_client({"read"}, {}, {std::string(audience_name)});
    check_error(with_two(one_default), 400, "invalid_target", errc::resource_not_allowed);
    // A record without resources is not restricted by another's: with any_resource the reader
    // may name any (without it, only the default audience: the next test).
    opt.any_resource = true;
    check_success(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fledger.example.com%2F")));
    check_success(run(basic("grant_type=client_credentials&resource=https%3A%2F%2Fother.example.com%2F")));
    opt.any_resource = false;
    // The wrong secret is 401 first, whatever the resource; and the endpoint's list and function
    // still apply to a restricted client (each must allow the resource).
    check_error(run({.authorization = {basic_header(ledger.id, ledger.wrong_secret)},
                     .body = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com%2Fapp%2F"}),
                401, "invalid_client", errc::api_key_bad_secret);
    const std::string_view endpoint_apis[] = {"urn:example:audit"};
    opt.resources = endpoint_apis;
    check_error(as_ledger("grant_type=client_credentials&resource=https%3A%2F%2Fledger.example.com%2F"), 400,
                "invalid_target", errc::resource_not_allowed);
    check_success(as_ledger("grant_type=client_credentials&resource=urn%3Aexample%3Aaudit"));
    opt.resource = [](const apiauth::api_key_record&, std::string_view) { return false; };
    check_error(as_ledger("grant_type=client_credentials&resource=urn%3Aexample%3Aaudit"), 400, "invalid_target",
                errc::resource_not_allowed);
}

// ---- the two I/O-free steps, and a store that fails --------------------------------------------

TEST_CASE_METHOD(token_fixture, "The token endpoint in two steps around an awaited store decides as the one call",
                 "[oauth2]")
{
    const auto c = basic("grant_type=client_credentials&scope=read");
    std::vector<std::string_view> auth(c.authorization.begin(), c.authorization.end());
    const apiauth::http::request_view req{
        .method = c.method, .target = c.target, .authorization = auth, .content_type = c.content_type, .body = c.body};
    auto pending = apiauth::oauth2::begin_token_request(req, ring, opt);
    REQUIRE(pending.has_value());
    CHECK(pending->key_id() == reader.key_id);
    // ... the server awaits its store here ...
    auto record = store.lookup(pending->key_id());
    const auto o = apiauth::oauth2::finish_token_request(*pending, std::move(record), ring, issuer, opt);
    check_success(o);
    CHECK(o.scope == "read");
    // A store that cannot answer fails closed: a server error, never a token, never invalid_client.
    const auto down = apiauth::oauth2::finish_token_request(
        *pending, std::make_error_code(std::errc::connection_refused), ring, issuer, opt);
    check_error(down, 500, "server_error", std::make_error_code(std::errc::connection_refused));
    const auto busy = apiauth::oauth2::finish_token_request(*pending, errc::store_unavailable, ring, issuer, opt);
    CHECK(busy.response.status == 503);
}

// ---- token_response for callers with their own tokens ------------------------------------------

TEST_CASE("RFC 6749 §5.1: token_response writes the body and headers, RFC 6750 §2.1: the token is a b64token",
          "[oauth2]")
{
    using apiauth::oauth2::scope_view;
    using apiauth::oauth2::token_response;
    using namespace std::chrono_literals;
    // §5.1: 200, JSON, no-store; scope left out when it is what was asked (§3.3), as a set.
    const auto r = token_response("abc.DEF-_~+/==", 3600s, scope_view("b a"), scope_view("a b a"));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    REQUIRE(r->find("Content-Type") != nullptr);
    CHECK(*r->find("Content-Type") == "application/json");
    CHECK(*r->find("Cache-Control") == "no-store");
    CHECK(*r->find("Pragma") == "no-cache");
    CHECK(r->body == R"({"access_token":"abc.DEF-_~+/==","token_type":"Bearer","expires_in":3600})");
    // §3.3: a narrowed scope is in the response.
    const auto narrowed = token_response("t", 60s, scope_view("a"), scope_view("a b"));
    REQUIRE(narrowed.has_value());
    CHECK(narrowed->body == R"({"access_token":"t","token_type":"Bearer","expires_in":60,"scope":"a"})");
    // Refused with invalid_configuration: what the client would send back in a header must be
    // a b64token (1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="), and an '='
    // only at its end.
    for (const std::string_view bad : {"", "=", "==", "a=b", "a==b.c", "a b", "a\"b", "a\\b", "ab\n", "a,b", "é"}) {
        INFO("token: " << bad);
        const auto e = token_response(bad, 60s, scope_view("a"), scope_view("a"));
        REQUIRE(e.has_error());
        CHECK(e.error() == errc::invalid_configuration);
    }
    CHECK(token_response("t", -1s, scope_view(), scope_view()).error() == errc::invalid_configuration);
    CHECK(token_response("t", 60s, scope_view("a  b"), scope_view()).error() == errc::invalid_configuration);
    CHECK(token_response("t", 60s, scope_view("a\"b"), scope_view()).error() == errc::invalid_configuration);
}

}  // namespace oauth2_token_endpoint_test
