// Tests for apiauth/http/bearer.hpp: finding the bearer token of a request by the
// three methods of RFC 6750 §2. Conformance cases C41-C54 and C60 are from
// research/http-auth-oauth2-spec.md.
#include <apiauth/error.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/request.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace http_bearer_test {

using apiauth::errc;
using apiauth::http::bearer_method;
using apiauth::http::bearer_options;
using apiauth::http::bearer_token;
using apiauth::http::extract_bearer;
using namespace std::string_view_literals;

namespace {

constexpr std::string_view form = "application/x-www-form-urlencoded";
constexpr std::string_view token = "mF_9.B5f-4.1JqM";

// extract_bearer on a GET carrying one Authorization field line.
apiauth::result<bearer_token> from_header(std::string_view field_value, bearer_options opt = {})
{
    const std::string_view lines[] = {field_value};
    return extract_bearer({.method = "GET", .target = "/resource", .authorization = lines}, opt);
}

// Not default arguments: GCC 12 gives every function taking a bearer_options default argument
// written with designated initializers the first such default it saw in the translation unit.
const bearer_options body_on{.allow_form_body = true};
const bearer_options query_on{.allow_query = true};

// extract_bearer on a form-encoded POST without an Authorization field.
apiauth::result<bearer_token> from_body(std::string_view body, const bearer_options& opt = body_on)
{
    return extract_bearer({.method = "POST", .target = "/resource", .content_type = form, .body = body}, opt);
}

// extract_bearer on a GET whose target carries a query.
apiauth::result<bearer_token> from_query(std::string_view target, const bearer_options& opt = query_on)
{
    return extract_bearer({.method = "GET", .target = target}, opt);
}

// The RFC 6750 §3.1 answer to a request that lacks authentication information.
void check_plain_401(std::error_code ec)
{
    CHECK(apiauth::http_status(ec) == 401);
    CHECK(apiauth::oauth_error(ec).empty());
    const auto h = apiauth::http::bearer_challenge_for(ec, "example");
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example")");
}

// The RFC 6750 §3.1 answer to a malformed request: 400 invalid_request.
void check_invalid_request(std::error_code ec)
{
    CHECK(apiauth::http_status(ec) == 400);
    CHECK(apiauth::oauth_error(ec) == "invalid_request");
}

}  // namespace

// ---- Conformance cases C41-C54, C60 ---------------------------------------------------------------------------

TEST_CASE("RFC 6750 §2.1: the token of 'Authorization: Bearer <b64token>' (case C41)", "[bearer]")
{
    const std::string value = "Bearer mF_9.B5f-4.1JqM";
    const std::string_view lines[] = {value};
    const auto t = extract_bearer({.method = "GET", .target = "/resource", .authorization = lines});
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
    CHECK(t->method() == bearer_method::header);
    CHECK(t->cache_control().empty());
    CHECK(t->value().data() == value.data() + 7);  // a view into the field value, no copy
}

TEST_CASE("RFC 9110 §11.1: the Bearer scheme name is case-insensitive (case C42)", "[bearer]")
{
    for (const std::string_view v :
         {"bearer mF_9.B5f-4.1JqM"sv, "BEARER mF_9.B5f-4.1JqM"sv, "bEaReR mF_9.B5f-4.1JqM"sv}) {
        INFO(v);
        const auto t = from_header(v);
        REQUIRE(t.has_value());
        CHECK(t->value() == token);
    }
}

TEST_CASE("RFC 6750 §2.1: '1*SP' accepts two spaces before the token (case C43)", "[bearer]")
{
    const auto t = from_header("Bearer  mF_9.B5f-4.1JqM");
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
}

TEST_CASE("RFC 6750 §2.1: HTAB before the token is a 400 invalid_request (case C44)", "[bearer]")
{
    for (const std::string_view v : {"Bearer\tmF_9.B5f-4.1JqM"sv, "Bearer \tmF_9.B5f-4.1JqM"sv}) {
        INFO(v);
        const auto t = from_header(v);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::malformed_credentials);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6750 §2.1: trailing '=' padding is part of the token (case C45)", "[bearer]")
{
    const auto t = from_header("Bearer mF_9.B5f-4.1JqM==");
    REQUIRE(t.has_value());
    CHECK(t->value() == "mF_9.B5f-4.1JqM==");
}

TEST_CASE("RFC 6750 §2.1: a JWT is a b64token (case C46)", "[bearer]")
{
    const auto t = from_header("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln");
    REQUIRE(t.has_value());
    CHECK(t->value() == "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln");
}

TEST_CASE("RFC 6750 §2.1: 'Bearer' without a token is a 400 invalid_request (case C47)", "[bearer]")
{
    for (const std::string_view v : {"Bearer"sv, "Bearer "sv, "bearer   "sv, "Bearer ,"sv}) {
        INFO("'" << v << "'");
        const auto t = from_header(v);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::bearer_missing_token);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6750 §2.1: what is not a b64token is a 400 invalid_request (case C48)", "[bearer]")
{
    // 'ab=cd' is a well-formed auth-param, so it is bearer_invalid_syntax; the others do not
    // match the credentials grammar at all and fail in parse_credentials with
    // malformed_credentials. Both are 400 invalid_request.
    const auto param = from_header("Bearer ab=cd");
    REQUIRE(param.has_error());
    CHECK(param.error() == errc::bearer_invalid_syntax);
    check_invalid_request(param.error());

    for (const std::string_view v : {"Bearer =="sv, "Bearer a,b"sv, "Bearer a b"sv, R"(Bearer "abc")"sv}) {
        INFO(v);
        const auto t = from_header(v);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::malformed_credentials);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6750 §2: a header token and a query token are more than one method (case C49)", "[bearer]")
{
    const std::string_view lines[] = {"Bearer mF_9.B5f-4.1JqM"};
    const apiauth::http::request_view req{
        .method = "GET", .target = "/resource?access_token=x", .authorization = lines};
    // Whether or not the query method is enabled: a disabled method's token still counts.
    for (const bool allow_query : {false, true}) {
        const auto t = extract_bearer(req, {.allow_query = allow_query});
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::multiple_token_methods);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6750 §2: a header token and a body token are more than one method (case C50)", "[bearer]")
{
    const std::string_view lines[] = {"Bearer mF_9.B5f-4.1JqM"};
    const apiauth::http::request_view req{.method = "POST",
                                          .target = "/resource",
                                          .authorization = lines,
                                          .content_type = form,
                                          .body = "access_token=x"};
    for (const bool allow_form_body : {false, true}) {
        const auto t = extract_bearer(req, {.allow_form_body = allow_form_body});
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::multiple_token_methods);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6750 §2.2: a form body token is accepted with a charset parameter (case C51)", "[bearer]")
{
    const auto t = extract_bearer({.method = "POST",
                                   .target = "/resource",
                                   .content_type = "application/x-www-form-urlencoded; charset=UTF-8",
                                   .body = "access_token=mF_9.B5f-4.1JqM&p=q"},
                                  {.allow_form_body = true});
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
    CHECK(t->method() == bearer_method::form_body);
    CHECK(t->cache_control().empty());
}

TEST_CASE("RFC 6750 §2.2: a body token in a GET or a multipart body is no credentials (case C52)", "[bearer]")
{
    const bearer_options opt{.allow_form_body = true};
    const auto get = extract_bearer(
        {.method = "GET", .target = "/resource", .content_type = form, .body = "access_token=mF_9.B5f-4.1JqM"}, opt);
    REQUIRE(get.has_error());
    CHECK(get.error() == errc::no_credentials);
    check_plain_401(get.error());

    const auto multipart =
        extract_bearer({.method = "POST",
                        .target = "/resource",
                        .content_type = "multipart/form-data; boundary=x",
                        .body = "--x\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n"
                                "mF_9.B5f-4.1JqM\r\n--x--\r\n"},
                       opt);
    REQUIRE(multipart.has_error());
    CHECK(multipart.error() == errc::no_credentials);
    check_plain_401(multipart.error());
}

TEST_CASE("RFC 6750 §2.3: with the query method off, a query token is no credentials (case C53)", "[bearer]")
{
    const auto t = from_query("/resource?access_token=mF_9.B5f-4.1JqM", {});
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
    check_plain_401(t.error());
}

TEST_CASE("RFC 6750 §2.3: with the query method on, the answer must be Cache-Control: private (case C54)", "[bearer]")
{
    const auto t = from_query("/resource?access_token=mF_9.B5f-4.1JqM");
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
    CHECK(t->method() == bearer_method::query);
    CHECK(t->cache_control() == "private");
}

TEST_CASE("RFC 9110 §5.4: a 100 000-octet bearer token is refused with 431 before any other work (case C60)",
          "[bearer]")
{
    const std::string huge = "Bearer " + std::string(100000, 'a');
    const auto t = from_header(huge);
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::header_too_large);
    CHECK(apiauth::http_status(t.error()) == 431);
    CHECK(apiauth::oauth_error(t.error()) == "invalid_request");

    // The bound is header.max_size, inclusive.
    const std::string at = "Bearer " + std::string(8192 - 7, 'a');
    REQUIRE(at.size() == 8192);
    const auto ok = from_header(at);
    REQUIRE(ok.has_value());
    CHECK(ok->value().size() == 8185);
    const auto over = from_header(at + "a");
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::header_too_large);
    const auto small = from_header("Bearer abcdef", {.header = {.max_size = 12}});
    REQUIRE(small.has_error());
    CHECK(small.error() == errc::header_too_large);
}

// ---- Header method: more errors -------------------------------------------------------------------------------

TEST_CASE("RFC 6750 §3.1: a request without any token is no_credentials", "[bearer]")
{
    const auto t = extract_bearer({.method = "GET", .target = "/resource?a=1"});
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §3.1: another scheme alone is unsupported_scheme, answered without error", "[bearer]")
{
    for (const std::string_view v : {"Basic dXNlcjpwYXNz"sv, "Bearerx mF_9"sv, "Bear mF_9"sv, "Negotiate"sv}) {
        INFO(v);
        const auto t = from_header(v);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::unsupported_scheme);
        check_plain_401(t.error());
    }
}

TEST_CASE("RFC 9110 §5.3: two Authorization lines are duplicate_authorization", "[bearer]")
{
    const std::string_view lines[] = {"Bearer a", "Basic dXNlcjpwYXNz"};
    const auto t = extract_bearer({.method = "GET", .target = "/", .authorization = lines});
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::duplicate_authorization);
    check_invalid_request(t.error());
}

TEST_CASE("RFC 6750 §2.1: auth-params after Bearer are bearer_invalid_syntax", "[bearer]")
{
    for (const std::string_view v : {R"(Bearer realm="x")"sv, "Bearer a=b, c=d"sv, "Bearer a = b"sv}) {
        INFO(v);
        const auto t = from_header(v);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::bearer_invalid_syntax);
    }
}

TEST_CASE("RFC 9110 §11.4: parse_credentials errors pass through extract_bearer", "[bearer]")
{
    const auto ctl = from_header("Bearer abc\x01"sv);
    REQUIRE(ctl.has_error());
    CHECK(ctl.error() == errc::invalid_field_value);
    check_invalid_request(ctl.error());

    const auto dup = from_header("Bearer a=1, A=2");
    REQUIRE(dup.has_error());
    CHECK(dup.error() == errc::duplicate_parameter);
    check_invalid_request(dup.error());

    const auto many = from_header("Bearer a=1, b=2", {.header = {.max_params = 1}});
    REQUIRE(many.has_error());
    CHECK(many.error() == errc::too_many_parameters);
    check_invalid_request(many.error());
}

TEST_CASE("RFC 9110 §5.5: OWS around the field value is not part of the token", "[bearer]")
{
    const auto t = from_header(" \tBearer mF_9.B5f-4.1JqM \t");
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
}

TEST_CASE("RFC 6750 §2: a header token next to a body or query without access_token is fine", "[bearer]")
{
    const std::string_view lines[] = {"Bearer mF_9.B5f-4.1JqM"};
    const auto t = extract_bearer({.method = "POST",
                                   .target = "/resource?access=1&token=2&xaccess_token=3",
                                   .authorization = lines,
                                   .content_type = form,
                                   .body = "p=q&access_tokens=x"},
                                  {.allow_form_body = true, .allow_query = true});
    REQUIRE(t.has_value());
    CHECK(t->value() == token);
    CHECK(t->method() == bearer_method::header);
}

TEST_CASE("RFC 6750 §2: another scheme next to a body or query token is more than one method", "[bearer]")
{
    const std::string_view lines[] = {"Basic dXNlcjpwYXNz"};
    const auto query = extract_bearer({.method = "GET", .target = "/r?access_token=abc", .authorization = lines});
    REQUIRE(query.has_error());
    CHECK(query.error() == errc::multiple_token_methods);

    const auto body = extract_bearer(
        {.method = "POST", .target = "/r", .authorization = lines, .content_type = form, .body = "access_token=abc"},
        {.allow_form_body = true});
    REQUIRE(body.has_error());
    CHECK(body.error() == errc::multiple_token_methods);
}

// ---- Form-body method -----------------------------------------------------------------------------------------

TEST_CASE("RFC 6750 §2.2: the body method is off by default", "[bearer]")
{
    const auto t = from_body("access_token=mF_9.B5f-4.1JqM", {});
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §2.2: POST, PUT and PATCH may carry the token, other methods may not", "[bearer]")
{
    const bearer_options opt{.allow_form_body = true};
    for (const std::string_view m : {"POST"sv, "PUT"sv, "PATCH"sv}) {
        INFO(m);
        const auto t =
            extract_bearer({.method = m, .target = "/r", .content_type = form, .body = "access_token=abc"}, opt);
        REQUIRE(t.has_value());
        CHECK(t->value() == "abc");
    }
    // Methods are case-sensitive (RFC 9110 §9.1).
    for (const std::string_view m : {"GET"sv, "HEAD"sv, "DELETE"sv, "OPTIONS"sv, "post"sv}) {
        INFO(m);
        const auto t =
            extract_bearer({.method = m, .target = "/r", .content_type = form, .body = "access_token=abc"}, opt);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::no_credentials);
    }
}

TEST_CASE("RFC 6750 §2.2: the media type is compared case-insensitively, without its parameters", "[bearer]")
{
    const bearer_options opt{.allow_form_body = true};
    for (const std::string_view ct :
         {"APPLICATION/X-WWW-FORM-URLENCODED"sv, "application/x-www-form-urlencoded ; charset=utf-8"sv,
          " application/x-www-form-urlencoded"sv}) {
        INFO(ct);
        const auto t =
            extract_bearer({.method = "POST", .target = "/r", .content_type = ct, .body = "access_token=abc"}, opt);
        REQUIRE(t.has_value());
        CHECK(t->value() == "abc");
    }
    for (const std::string_view ct :
         {""sv, "application/json"sv, "text/plain"sv, "application/x-www-form-urlencodedx"sv}) {
        INFO(ct);
        const auto t =
            extract_bearer({.method = "POST", .target = "/r", .content_type = ct, .body = "access_token=abc"}, opt);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::no_credentials);
    }
}

TEST_CASE("RFC 6750 §2.2: a body token is form-decoded once", "[bearer]")
{
    const auto enc = from_body("access_token=abc%2B%2F%3D");
    REQUIRE(enc.has_value());
    CHECK(enc->value() == "abc+/=");

    const auto twice = from_body("access_token=abc%252B");  // decodes to "abc%2B", not a b64token
    REQUIRE(twice.has_error());
    CHECK(twice.error() == errc::bearer_invalid_syntax);

    const auto key = from_body("access%5Ftoken=abc");  // the key is decoded too
    REQUIRE(key.has_value());
    CHECK(key->value() == "abc");
}

TEST_CASE("RFC 6750 §2.2: a plain body token views into the body, a decoded one is owned", "[bearer]")
{
    const std::string body = "p=q&access_token=abc.def";
    const auto plain = from_body(body);
    REQUIRE(plain.has_value());
    CHECK(plain->value().data() == body.data() + 17);

    std::string encoded = "access_token=abc%2Ddef";
    auto owned = from_body(encoded);
    REQUIRE(owned.has_value());
    encoded.assign(encoded.size(), 'X');  // the request buffer is gone
    CHECK(owned->value() == "abc-def");
    const bearer_token moved = std::move(*owned);
    CHECK(moved.value() == "abc-def");
    CHECK(moved.method() == bearer_method::form_body);
}

TEST_CASE("RFC 6750 §2.2: '+' in a form body is a space, so a raw '+' is not a b64token", "[bearer]")
{
    const auto t = from_body("access_token=abc+def");
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::bearer_invalid_syntax);
    check_invalid_request(t.error());
}

TEST_CASE("RFC 6750 §2.2: a body token must be a b64token", "[bearer]")
{
    for (const std::string_view body : {"access_token=a%20b"sv, "access_token=a%22b"sv, "access_token=%3Dabc"sv,
                                        "access_token=a%2Cb"sv, "access_token=a%C3%A9"sv}) {
        INFO(body);
        const auto t = from_body(body);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::bearer_invalid_syntax);
    }
}

TEST_CASE("RFC 6749 §3.2: an empty access_token is no token", "[bearer]")
{
    for (const std::string_view body : {"access_token="sv, "access_token"sv, "p=q&access_token=&r=s"sv}) {
        INFO(body);
        const auto t = from_body(body);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::bearer_missing_token);
        check_invalid_request(t.error());
    }
}

TEST_CASE("RFC 6749 §3.2: access_token twice in the body is duplicate_parameter", "[bearer]")
{
    const auto t = from_body("access_token=a&access_token=a");
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::duplicate_parameter);
    check_invalid_request(t.error());
    const auto enc = from_body("access_token=a&access%5Ftoken=b");
    REQUIRE(enc.has_error());
    CHECK(enc.error() == errc::duplicate_parameter);
}

TEST_CASE("RFC 6749 §1.9: parameter names are case-sensitive", "[bearer]")
{
    const auto t = from_body("Access_Token=abc");
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §2.2: a body of max_body_size octets is read, one more is body_too_large", "[bearer]")
{
    const bearer_options opt{.allow_form_body = true, .max_body_size = 20};
    const std::string at = "access_token=" + std::string(7, 'a');
    REQUIRE(at.size() == 20);
    const auto ok = from_body(at, opt);
    REQUIRE(ok.has_value());
    CHECK(ok->value() == "aaaaaaa");
    const auto over = from_body(at + "a", opt);
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::body_too_large);
    CHECK(apiauth::http_status(over.error()) == 413);
    CHECK(apiauth::oauth_error(over.error()) == "invalid_request");

    // With the body method off, a large body is not read at all.
    const auto off = from_body(at + "a", {.max_body_size = 20});
    REQUIRE(off.has_error());
    CHECK(off.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §2.2: a body that is not form encoding is malformed_form_body", "[bearer]")
{
    for (const std::string_view body : {"access_token=%zz"sv, "access_token=abc%"sv, "access_token=a%2"sv}) {
        INFO(body);
        const auto t = from_body(body);
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::malformed_form_body);
        check_invalid_request(t.error());
    }
    // With the body method off, the body is not ours to judge.
    const auto off = from_body("access_token=%zz", {});
    REQUIRE(off.has_error());
    CHECK(off.error() == errc::no_credentials);
}

// ---- Query method ---------------------------------------------------------------------------------------------

TEST_CASE("RFC 6750 §2.3: the query token is found among other parameters and before a fragment", "[bearer]")
{
    for (const std::string_view target : {"/r?access_token=abc"sv, "/r?a=1&access_token=abc&b=2"sv,
                                          "/r?access_token=abc#frag"sv, "/r?x=%20&access_token=abc"sv}) {
        INFO(target);
        const auto t = from_query(target);
        REQUIRE(t.has_value());
        CHECK(t->value() == "abc");
        CHECK(t->method() == bearer_method::query);
    }
}

TEST_CASE("RFC 6750 §2.3: a query token after the fragment mark is not a query token", "[bearer]")
{
    const auto t = from_query("/r?a=1#access_token=abc");
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §2.3: query token errors", "[bearer]")
{
    const auto dup = from_query("/r?access_token=a&access_token=b");
    REQUIRE(dup.has_error());
    CHECK(dup.error() == errc::duplicate_parameter);

    const auto empty = from_query("/r?access_token=");
    REQUIRE(empty.has_error());
    CHECK(empty.error() == errc::bearer_missing_token);

    const auto bad = from_query("/r?access_token=a%20b");
    REQUIRE(bad.has_error());
    CHECK(bad.error() == errc::bearer_invalid_syntax);

    const auto malformed = from_query("/r?access_token=%zz");
    REQUIRE(malformed.has_error());
    CHECK(malformed.error() == errc::malformed_form_body);
    check_invalid_request(malformed.error());

    // With the query method off, a malformed query is ignored.
    const auto off = from_query("/r?access_token=%zz", {});
    REQUIRE(off.has_error());
    CHECK(off.error() == errc::no_credentials);
}

TEST_CASE("RFC 6750 §2: a body token and a query token are more than one method", "[bearer]")
{
    const apiauth::http::request_view req{
        .method = "POST", .target = "/r?access_token=a", .content_type = form, .body = "access_token=b"};
    for (const bool allow_query : {false, true}) {
        const auto t = extract_bearer(req, {.allow_form_body = true, .allow_query = allow_query});
        REQUIRE(t.has_error());
        CHECK(t.error() == errc::multiple_token_methods);
    }
}

TEST_CASE("A form-decoded bearer token is owned, and a move leaves nothing of it behind", "[bearer]")
{
    using apiauth::http::bearer_method;
    using apiauth::http::bearer_token;
    const std::string secret(64, 't');  // long enough to live on the heap
    bearer_token a(std::string(secret), bearer_method::form_body);
    CHECK(a.value() == secret);
    bearer_token b(std::move(a));
    CHECK(b.value() == secret);
    CHECK(a.value().empty());  // NOLINT(bugprone-use-after-move): the moved-from token is wiped and empty
    bearer_token c(std::string("other"), bearer_method::query);
    c = std::move(b);
    CHECK(c.value() == secret);
    CHECK(c.method() == bearer_method::form_body);
    CHECK(b.value().empty());  // NOLINT(bugprone-use-after-move)
    const bearer_token d = c;  // a copy owns its own bytes
    CHECK(d.value() == secret);
    CHECK(d.value().data() != c.value().data());
}

}  // namespace http_bearer_test
