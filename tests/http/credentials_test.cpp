// Tests for apiauth/http/credentials.hpp: the RFC 9110 §11 credentials grammar.
// Conformance cases A1-A11 are from research/http-auth-oauth2-spec.md; the rest
// push parse_credentials through every error it can return.
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/request.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace http_credentials_test {

using apiauth::errc;
using apiauth::http::parse_credentials;
using apiauth::http::parse_options;
using namespace std::string_view_literals;

namespace {

// "Foo a0=0, a1=1, …" with n parameters.
std::string with_params(std::size_t n)
{
    std::string s = "Foo ";
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) s += ", ";
        s += "a" + std::to_string(i) + "=" + std::to_string(i);
    }
    return s;
}

std::vector<std::string> param_names(const apiauth::http::credentials_view& c)
{
    std::vector<std::string> names;
    for (const auto& p : c.params) names.emplace_back(p.name);
    return names;
}

}  // namespace

// ---- Conformance cases A1-A11 ---------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.4: credentials with an auth-param list (case A1)", "[credentials]")
{
    const auto c = parse_credentials(R"(Newauth realm="apps", type=1)");
    REQUIRE(c.has_value());
    CHECK(c->scheme == "Newauth");
    CHECK(c->token68.empty());
    REQUIRE(c->params.size() == 2);
    CHECK(param_names(*c) == std::vector<std::string>{"realm", "type"});
    const auto realm = c->params.find("realm");
    REQUIRE(realm.has_value());
    CHECK(*realm == "apps");
    CHECK(realm->is_quoted());
    const auto type = c->params.find("type");
    REQUIRE(type.has_value());
    CHECK(*type == "1");
    CHECK_FALSE(type->is_quoted());
}

TEST_CASE("RFC 9110 §11.2: a lone token with trailing '=' is a token68, not a param (case A2)", "[credentials]")
{
    const auto c = parse_credentials("Foo abc=");
    REQUIRE(c.has_value());
    CHECK(c->scheme == "Foo");
    CHECK(c->token68 == "abc=");
    CHECK(c->params.empty());
}

TEST_CASE("RFC 9110 §11.2: 'a=b' is an auth-param, since '=' in token68 is only trailing (case A3)", "[credentials]")
{
    const auto c = parse_credentials("Foo a=b");
    REQUIRE(c.has_value());
    CHECK(c->token68.empty());
    REQUIRE(c->params.size() == 1);
    CHECK(c->params.begin()->name == "a");
    CHECK(c->params.begin()->value == "b");
}

TEST_CASE("RFC 9110 §5.6.3: BWS around '=' is removed (case A4)", "[credentials]")
{
    for (const std::string_view v : {R"(Foo realm = "x")"sv, R"(Foo realm= "x")"sv, R"(Foo realm ="x")"sv,
                                     "Foo realm\t=\t\"x\""sv, "Foo realm \t= \t\"x\""sv}) {
        INFO(v);
        const auto c = parse_credentials(v);
        REQUIRE(c.has_value());
        REQUIRE(c->params.size() == 1);
        CHECK(c->params.begin()->name == "realm");
        CHECK(c->params.begin()->value == "x");
    }
}

TEST_CASE("RFC 9110 §11.2: parameter names are matched case-insensitively (case A5)", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo REALM="x")");
    REQUIRE(c.has_value());
    CHECK(c->params.begin()->name == "REALM");  // kept as written
    for (const std::string_view name : {"realm"sv, "REALM"sv, "Realm"sv}) {
        const auto v = c->params.find(name);
        REQUIRE(v.has_value());
        CHECK(*v == "x");
    }
    CHECK_FALSE(c->params.find("realmx").has_value());
    CHECK_FALSE(c->params.find("").has_value());
}

TEST_CASE("RFC 9110 §5.6.4: quoted-pairs are unescaped in parameter values (case A6)", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo title="Login to \"apps\"", x="a\\b")");
    REQUIRE(c.has_value());
    REQUIRE(c->params.size() == 2);
    const auto title = c->params.find("title");
    REQUIRE(title.has_value());
    CHECK(*title == R"(Login to "apps")");
    CHECK(title->str() == R"(Login to "apps")");
    CHECK(title->raw() == R"(Login to \"apps\")");
    const auto x = c->params.find("x");
    REQUIRE(x.has_value());
    CHECK(*x == R"(a\b)");
    CHECK(x->str() == R"(a\b)");
    CHECK(x->raw() == R"(a\\b)");
}

TEST_CASE("RFC 9110 §5.6.2: a delimiter in the scheme is malformed credentials (case A7)", "[credentials]")
{
    const auto c = parse_credentials("Fo(o abc");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::malformed_credentials);
    CHECK(apiauth::http_status(c.error()) == 400);
    CHECK(apiauth::oauth_error(c.error()) == "invalid_request");
}

TEST_CASE("RFC 9110 §11.4: two words are neither one token68 nor auth-params (case A8)", "[credentials]")
{
    const auto c = parse_credentials("Foo abc def");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::malformed_credentials);
    CHECK(apiauth::http_status(c.error()) == 400);
    CHECK(apiauth::oauth_error(c.error()) == "invalid_request");
}

TEST_CASE("RFC 9110 §11.2: a parameter name given twice is refused (case A9)", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo a="x", a="y")");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::duplicate_parameter);
    CHECK(apiauth::http_status(c.error()) == 400);
    CHECK(apiauth::oauth_error(c.error()) == "invalid_request");
}

TEST_CASE("RFC 9110 §5.3: two Authorization field lines are a 400, not first or last (case A10)", "[credentials]")
{
    const std::string_view lines[] = {"Bearer t1", "Bearer t2"};
    const apiauth::http::request_view req{.method = "GET", .target = "/resource", .authorization = lines};

    const auto bearer = apiauth::http::extract_bearer(req);
    REQUIRE(bearer.has_error());
    CHECK(bearer.error() == errc::duplicate_authorization);
    CHECK(apiauth::http_status(bearer.error()) == 400);
    CHECK(apiauth::oauth_error(bearer.error()) == "invalid_request");

    const std::string_view basic_lines[] = {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
    const apiauth::http::request_view basic_req{.method = "GET", .target = "/", .authorization = basic_lines};
    const auto basic = apiauth::http::extract_basic(basic_req);
    REQUIRE(basic.has_error());
    CHECK(basic.error() == errc::duplicate_authorization);
}

TEST_CASE("RFC 9110 §5.5: CR, LF or NUL in the field value is rejected with 400 (case A11)", "[credentials]")
{
    const std::string_view bad[] = {"Bearer abc\rdef"sv, "Bearer abc\ndef"sv, "Bearer abc\0def"sv,
                                    "Bearer abc\r\n"sv,  "Bearer\0abc"sv,     "\0Bearer abc"sv};
    for (const std::string_view v : bad) {
        INFO("value of " << v.size() << " octets");
        const auto c = parse_credentials(v);
        REQUIRE(c.has_error());
        CHECK(c.error() == errc::invalid_field_value);
        CHECK(apiauth::http_status(c.error()) == 400);
        CHECK(apiauth::oauth_error(c.error()) == "invalid_request");

        const std::string_view lines[] = {v};
        const auto b = apiauth::http::extract_bearer({.method = "GET", .target = "/", .authorization = lines});
        REQUIRE(b.has_error());
        CHECK(b.error() == errc::invalid_field_value);
    }
}

// ---- Shapes that parse ----------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.4: a scheme alone is valid credentials", "[credentials]")
{
    const auto c = parse_credentials("Negotiate");
    REQUIRE(c.has_value());
    CHECK(c->scheme == "Negotiate");
    CHECK(c->token68.empty());
    CHECK(c->params.empty());
    CHECK(c->params.size() == 0);
    CHECK(c->params.begin() == c->params.end());
}

TEST_CASE("RFC 9110 §11.1: credentials_view::is matches the scheme case-insensitively", "[credentials]")
{
    const auto c = parse_credentials("bEaReR abc");
    REQUIRE(c.has_value());
    CHECK(c->scheme == "bEaReR");
    CHECK(c->is("Bearer"));
    CHECK(c->is("BEARER"));
    CHECK_FALSE(c->is("Bear"));
    CHECK_FALSE(c->is("Bearerx"));
}

TEST_CASE("RFC 9110 §11.4: 1*SP between scheme and token68 accepts any number of spaces", "[credentials]")
{
    for (const std::string_view v : {"Foo abc"sv, "Foo  abc"sv, "Foo      abc"sv}) {
        const auto c = parse_credentials(v);
        REQUIRE(c.has_value());
        CHECK(c->token68 == "abc");
    }
}

TEST_CASE("RFC 9110 §5.5: leading and trailing OWS of the field value are ignored", "[credentials]")
{
    const auto c = parse_credentials(" \tFoo abc== \t");
    REQUIRE(c.has_value());
    CHECK(c->scheme == "Foo");
    CHECK(c->token68 == "abc==");

    const auto p = parse_credentials("\t Foo a=b \t ");
    REQUIRE(p.has_value());
    REQUIRE(p->params.size() == 1);
    CHECK(p->params.begin()->value == "b");

    const auto s = parse_credentials("  Foo   ");
    REQUIRE(s.has_value());
    CHECK(s->scheme == "Foo");
    CHECK(s->token68.empty());
    CHECK(s->params.empty());
}

TEST_CASE("RFC 9110 §11.2: token68 holds every t68char and any number of trailing '='", "[credentials]")
{
    const auto c = parse_credentials("Foo AZaz09-._~+/");
    REQUIRE(c.has_value());
    CHECK(c->token68 == "AZaz09-._~+/");
    const auto pad = parse_credentials("Foo abc===");
    REQUIRE(pad.has_value());
    CHECK(pad->token68 == "abc===");
    CHECK(pad->params.empty());
}

TEST_CASE("RFC 9110 §11.2: results view into the field value without copying", "[credentials]")
{
    const std::string value = R"(Foo realm="apps", type=1)";
    const auto c = parse_credentials(value);
    REQUIRE(c.has_value());
    CHECK(c->scheme.data() == value.data());
    const auto realm = c->params.find("realm");
    REQUIRE(realm.has_value());
    CHECK(realm->raw().data() == value.data() + value.find("apps"));
    CHECK(c->params.text() == R"(realm="apps", type=1)");

    const std::string t = "Foo abc=";
    const auto tok = parse_credentials(t);
    REQUIRE(tok.has_value());
    CHECK(tok->token68.data() == t.data() + 4);
}

TEST_CASE("RFC 9110 §5.6.2: a parameter value may be any token", "[credentials]")
{
    const auto c = parse_credentials("Foo a=!#$%&'*+-.^_`|~9Az, b=x");
    REQUIRE(c.has_value());
    REQUIRE(c->params.size() == 2);
    CHECK(*c->params.find("a") == "!#$%&'*+-.^_`|~9Az");
    CHECK(*c->params.find("b") == "x");
}

TEST_CASE("RFC 9110 §5.6.4: an empty quoted-string is an empty value", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo a="", b=1)");
    REQUIRE(c.has_value());
    const auto a = c->params.find("a");
    REQUIRE(a.has_value());
    CHECK(a->is_quoted());
    CHECK(a->raw().empty());
    CHECK(*a == "");
    CHECK(a->str().empty());
}

TEST_CASE("RFC 9110 §5.6.4: commas, '=' and HTAB inside a quoted-string are data", "[credentials]")
{
    const auto c = parse_credentials("Foo a=\"x, y=z\tw\", b=2");
    REQUIRE(c.has_value());
    REQUIRE(c->params.size() == 2);
    CHECK(*c->params.find("a") == "x, y=z\tw");
    CHECK(*c->params.find("b") == "2");
}

TEST_CASE("RFC 9110 §5.6.4: obs-text is opaque octets inside a quoted-string", "[credentials]")
{
    const auto c = parse_credentials("Foo a=\"caf\xC3\xA9\", b=\"\\\xE9\"");
    REQUIRE(c.has_value());
    CHECK(*c->params.find("a") == "caf\xC3\xA9");
    const auto b = c->params.find("b");
    REQUIRE(b.has_value());
    CHECK(b->has_escapes());
    CHECK(*b == "\xE9");  // quoted-pair may escape obs-text
}

TEST_CASE("RFC 9110 §5.6.1: OWS around list commas is removed", "[credentials]")
{
    for (const std::string_view v : {"Foo a=1,b=2"sv, "Foo a=1 , b=2"sv, "Foo a=1\t,\tb=2"sv, "Foo a=1 \t, \t b=2"sv}) {
        INFO(v);
        const auto c = parse_credentials(v);
        REQUIRE(c.has_value());
        CHECK(param_names(*c) == std::vector<std::string>{"a", "b"});
        CHECK(*c->params.find("b") == "2");
    }
}

TEST_CASE("RFC 9110 §5.6.1: empty list elements are ignored up to max_empty_elements", "[credentials]")
{
    for (const std::string_view v :
         {"Foo a=1,,b=2"sv, "Foo , a=1, b=2"sv, "Foo ,a=1,b=2,"sv, "Foo a=1, ,\t, b=2 ,"sv, "Foo \t, a=1, b=2"sv}) {
        INFO(v);
        const auto c = parse_credentials(v);
        REQUIRE(c.has_value());
        CHECK(param_names(*c) == std::vector<std::string>{"a", "b"});
    }
    // A list of nothing but empty elements is a scheme without parameters.
    const auto only = parse_credentials("Foo , ,");
    REQUIRE(only.has_value());
    CHECK(only->params.empty());
    CHECK(only->token68.empty());
}

TEST_CASE("RFC 9110 §11.2: iteration yields every parameter in order", "[credentials]")
{
    const std::string value = with_params(5);
    const auto c = parse_credentials(value);
    REQUIRE(c.has_value());
    CHECK(c->params.size() == 5);
    std::size_t i = 0;
    for (auto it = c->params.begin(); it != c->params.end(); it++, ++i) {
        CHECK(it->name == "a" + std::to_string(i));
        CHECK((*it).value == std::to_string(i));
    }
    CHECK(i == 5);
}

// ---- param_value ----------------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §5.6.4: param_value compares the unescaped value, raw() keeps the escapes", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo a="A\"B\\c\d", b=Token, c="plain")");
    REQUIRE(c.has_value());

    const auto a = *c->params.find("a");
    CHECK(a.is_quoted());
    CHECK(a.has_escapes());
    CHECK(a.raw() == R"(A\"B\\c\d)");
    CHECK(a.str() == R"(A"B\cd)");
    CHECK(a == R"(A"B\cd)");
    CHECK_FALSE(a == R"(A\"B\\c\d)");  // never the raw text
    CHECK_FALSE(a == R"(A"B\c)");      // a prefix
    CHECK_FALSE(a == R"(A"B\cdx)");    // longer
    CHECK_FALSE(a == R"(a"b\cd)");     // case-sensitive
    CHECK(a.iequals(R"(a"b\CD)"));
    CHECK_FALSE(a.iequals(R"(a"b\C)"));
    CHECK_FALSE(a.iequals(R"(a\"b\\c\d)"));

    const auto b = *c->params.find("b");
    CHECK_FALSE(b.is_quoted());
    CHECK_FALSE(b.has_escapes());
    CHECK(b.raw() == "Token");
    CHECK(b == "Token");
    CHECK_FALSE(b == "token");
    CHECK(b.iequals("tOKEN"));
    CHECK_FALSE(b.iequals("tokens"));

    const auto p = *c->params.find("c");
    CHECK(p.is_quoted());
    CHECK_FALSE(p.has_escapes());
    CHECK(p.raw() == "plain");
    CHECK(p.str() == "plain");
}

TEST_CASE("RFC 7617 §2.1: iequals matches charset=\"utf-8\" against UTF-8", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo charset="utf-8")");
    REQUIRE(c.has_value());
    const auto cs = c->params.find("CHARSET");
    REQUIRE(cs.has_value());
    CHECK(cs->iequals("UTF-8"));
    CHECK_FALSE(*cs == "UTF-8");
}

TEST_CASE("RFC 9110 §5.6.4: an escaped backslash before the closing quote ends the value", "[credentials]")
{
    const auto c = parse_credentials(R"(Foo a="x\\", b=1)");
    REQUIRE(c.has_value());
    REQUIRE(c->params.size() == 2);
    CHECK(*c->params.find("a") == R"(x\)");
    CHECK(c->params.find("a")->str() == R"(x\)");
}

// ---- header_too_large -----------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §5.4: a value of max_size octets is parsed, max_size+1 is header_too_large", "[credentials]")
{
    const parse_options defaults;
    REQUIRE(defaults.max_size == 8192);
    const std::string at = "Foo " + std::string(8192 - 4, 'a');
    REQUIRE(at.size() == 8192);
    const auto ok = parse_credentials(at);
    REQUIRE(ok.has_value());
    CHECK(ok->token68.size() == 8188);

    const auto big = parse_credentials(at + "a");
    REQUIRE(big.has_error());
    CHECK(big.error() == errc::header_too_large);
    CHECK(apiauth::http_status(big.error()) == 431);
    CHECK(apiauth::oauth_error(big.error()) == "invalid_request");

    const parse_options small{.max_size = 7};
    CHECK(parse_credentials("Foo abc", small).has_value());
    const auto over = parse_credentials("Foo abcd", small);
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::header_too_large);
}

TEST_CASE("RFC 9110 §5.4: the size bound counts OWS and is checked before anything else", "[credentials]")
{
    const parse_options small{.max_size = 7};
    const auto padded = parse_credentials("  Foo a  ", small);  // 9 octets, 5 after trimming
    REQUIRE(padded.has_error());
    CHECK(padded.error() == errc::header_too_large);

    const auto ctl = parse_credentials("Foo \r\n\0\0\0\0"sv, small);  // would be invalid_field_value
    REQUIRE(ctl.has_error());
    CHECK(ctl.error() == errc::header_too_large);
}

// ---- too_many_parameters --------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.2: max_params parameters are parsed, one more is too_many_parameters", "[credentials]")
{
    REQUIRE(parse_options{}.max_params == 32);
    const std::string p32 = with_params(32);
    const auto at = parse_credentials(p32);
    REQUIRE(at.has_value());
    CHECK(at->params.size() == 32);

    const auto over = parse_credentials(with_params(33));
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::too_many_parameters);
    CHECK(apiauth::http_status(over.error()) == 400);
    CHECK(apiauth::oauth_error(over.error()) == "invalid_request");

    const parse_options two{.max_params = 2};
    CHECK(parse_credentials(with_params(2), two).has_value());
    const auto three = parse_credentials(with_params(3), two);
    REQUIRE(three.has_error());
    CHECK(three.error() == errc::too_many_parameters);
}

TEST_CASE("RFC 9110 §11.2: max_params is capped at 64 whatever the options say", "[credentials]")
{
    const parse_options many{.max_size = 100000, .max_params = 1000};
    const std::string p64 = with_params(64);
    const auto at = parse_credentials(p64, many);
    REQUIRE(at.has_value());
    CHECK(at->params.size() == 64);
    const auto over = parse_credentials(with_params(65), many);
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::too_many_parameters);
}

TEST_CASE("RFC 9110 §5.6.1: more empty list elements than max_empty_elements is too_many_parameters", "[credentials]")
{
    REQUIRE(parse_options{}.max_empty_elements == 16);
    // Between two params: n+1 commas make n empty elements.
    CHECK(parse_credentials("Foo a=1" + std::string(17, ',') + "b=2").has_value());
    const auto middle = parse_credentials("Foo a=1" + std::string(18, ',') + "b=2");
    REQUIRE(middle.has_error());
    CHECK(middle.error() == errc::too_many_parameters);

    // Before the first param.
    CHECK(parse_credentials("Foo " + std::string(16, ',') + "a=1").has_value());
    const auto leading = parse_credentials("Foo " + std::string(17, ',') + "a=1");
    REQUIRE(leading.has_error());
    CHECK(leading.error() == errc::too_many_parameters);

    // After the last param.
    CHECK(parse_credentials("Foo a=1" + std::string(16, ',')).has_value());
    const auto trailing = parse_credentials("Foo a=1" + std::string(17, ','));
    REQUIRE(trailing.has_error());
    CHECK(trailing.error() == errc::too_many_parameters);

    // Only empty elements.
    const auto only = parse_credentials("Foo " + std::string(17, ','));
    REQUIRE(only.has_error());
    CHECK(only.error() == errc::too_many_parameters);
}

TEST_CASE("RFC 9110 §5.6.1: empty elements are counted over the whole value, spaces between them too", "[credentials]")
{
    const parse_options none{.max_empty_elements = 0};
    CHECK(parse_credentials("Foo a=1, b=2", none).has_value());
    for (const std::string_view v : {"Foo a=1,,b=2"sv, "Foo a=1, , b=2"sv, "Foo ,a=1"sv, "Foo a=1,"sv}) {
        INFO(v);
        const auto r = parse_credentials(v, none);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::too_many_parameters);
    }
    const parse_options two{.max_empty_elements = 2};
    CHECK(parse_credentials("Foo ,a=1,,b=2", two).has_value());   // 1 + 1
    const auto three = parse_credentials("Foo ,a=1,,b=2,", two);  // 1 + 1 + 1
    REQUIRE(three.has_error());
    CHECK(three.error() == errc::too_many_parameters);
}

// ---- duplicate_parameter --------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.2: duplicate names are found case-insensitively and in either value form", "[credentials]")
{
    for (const std::string_view v : {R"(Foo realm="a", REALM="b")"sv, R"(Foo Realm=a, rEaLm="a")"sv,
                                     R"(Foo a=1, b=2, c=3, B=4)"sv, "Foo x=1,,x=1"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::duplicate_parameter);
    }
    // Similar but different names are not duplicates.
    CHECK(parse_credentials("Foo realm=a, realm2=b, realmx=c").has_value());
}

TEST_CASE("RFC 9110 §11.2: a duplicate past the 32nd parameter is still found", "[credentials]")
{
    const parse_options many{.max_params = 64};
    const auto r = parse_credentials(with_params(40) + ", A3=x", many);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::duplicate_parameter);
}

// ---- invalid_field_value --------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §5.5: every CTL except HTAB is invalid_field_value wherever it occurs", "[credentials]")
{
    std::vector<char> ctls;
    for (int c = 0; c < 0x20; ++c)
        if (c != '\t') ctls.push_back(static_cast<char>(c));
    ctls.push_back('\x7F');

    // '#' marks where the CTL goes: scheme, separator, token68, name, BWS, token value, quoted value,
    // after a quoted-pair backslash, trailing.
    const std::string_view templates[] = {"Fo#o abc",      "Foo#abc",       "Foo ab#c",     "Foo a#=b",
                                          "Foo a=#b",      "Foo a=b#, c=d", "Foo a=\"x#\"", "Foo a=\"x\\#\"",
                                          "Foo a=b, c=d#", "#Foo abc"};
    for (const char ctl : ctls) {
        for (const std::string_view t : templates) {
            std::string v(t);
            v[v.find('#')] = ctl;
            INFO("CTL " << static_cast<int>(ctl) << " in template " << t);
            const auto r = parse_credentials(v);
            REQUIRE(r.has_error());
            CHECK(r.error() == errc::invalid_field_value);
            CHECK(apiauth::http_status(r.error()) == 400);
        }
    }
}

TEST_CASE("RFC 9110 §5.5: DEL is a control character", "[credentials]")
{
    const auto r = parse_credentials("Bearer abc\x7F");
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::invalid_field_value);
}

// ---- HTAB placement -------------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.4: HTAB is not allowed between the scheme and what follows", "[credentials]")
{
    // HTAB is not a forbidden CTL, so these are grammar errors, not invalid_field_value.
    for (const std::string_view v : {"Foo\tabc"sv, "Foo\ta=b"sv, "Foo \tabc"sv, "Foo \ta=b"sv, "Foo\t abc"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §11.2: HTAB inside a token68 or a token is malformed, inside quotes it is data", "[credentials]")
{
    for (const std::string_view v : {"Foo ab\tc"sv, "Foo a\tb=c"sv, "Foo a=b\tc"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
    const auto q = parse_credentials("Foo a=\"b\tc\"");
    REQUIRE(q.has_value());
    CHECK(*q->params.find("a") == "b\tc");
    const auto qp = parse_credentials("Foo a=\"b\\\tc\"");  // quoted-pair of HTAB
    REQUIRE(qp.has_value());
    CHECK(*qp->params.find("a") == "b\tc");
}

// ---- malformed_credentials ------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.1: an empty or missing scheme is malformed", "[credentials]")
{
    for (const std::string_view v : {""sv, " "sv, "\t"sv, " abc=="sv, "=abc"sv, ",a=b"sv, "\"Foo\" abc"sv}) {
        INFO("value: '" << v << "'");
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §11.4: the scheme must be followed by SP or the end", "[credentials]")
{
    for (const std::string_view v : {"Foo,a=b"sv, "Foo=abc"sv, "Foo/abc"sv, "Foo\"abc\""sv, "Foo:abc"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §11.2: '=' inside a token68 is malformed", "[credentials]")
{
    for (const std::string_view v : {"Foo ab=c="sv, "Foo a==b"sv, "Foo ="sv, "Foo ==abc"sv, "Foo a=b="sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §5.6.4: an unterminated quoted-string is malformed", "[credentials]")
{
    for (const std::string_view v :
         {R"(Foo a="abc)"sv, R"(Foo a="abc\")"sv, R"(Foo a=")"sv, R"(Foo a="x", b="y)"sv, R"(Foo a="abc\)"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §5.6.2: obs-text outside a quoted-string is malformed, not a CTL error", "[credentials]")
{
    for (const std::string_view v :
         {"Foo caf\xC3\xA9"sv, "Foo a=caf\xC3\xA9"sv, "Foo \xE9=1"sv, "F\xF6o abc"sv, "Foo abc\x80"sv}) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §11.2: auth-param values are a token or a quoted-string, nothing else", "[credentials]")
{
    const std::string_view bad[] = {
        "Foo a=,b=c"sv,         // empty token value
        "Foo a=b/c"sv,          // delimiter in an unquoted value
        "Foo a=b c=d"sv,        // missing comma
        "Foo a=\"b\"c"sv,       // text after the closing quote
        "Foo a=\"b\" \"c\""sv,  // two quoted-strings
        "Foo a=b,c"sv,          // a bare token after a param
        "Foo a=b, c"sv,         // the same with OWS
        "Foo abc, a=b"sv,       // token68 followed by params
        "Foo a=b=c"sv,          // '=' in the value
        "Foo (a)=b"sv,          // delimiter in a name
        "Foo a=b; c=d"sv,       // ';' is not a list separator
    };
    for (const std::string_view v : bad) {
        INFO(v);
        const auto r = parse_credentials(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_credentials);
    }
}

TEST_CASE("RFC 9110 §5.6.4: a quoted-pair may not escape a CTL", "[credentials]")
{
    const auto lf = parse_credentials("Foo a=\"x\\\ny\"");
    REQUIRE(lf.has_error());
    CHECK(lf.error() == errc::invalid_field_value);
    const auto del = parse_credentials("Foo a=\"x\\\x7Fy\"");
    REQUIRE(del.has_error());
    CHECK(del.error() == errc::invalid_field_value);
}

TEST_CASE("RFC 9110 §11.2: token68 read 16 octets a step agrees with the octet-at-a-time grammar, for every "
          "octet at every position",
          "[credentials]")
{
    // The oracle: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
    const auto is_t68 = [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~' || c == '+' || c == '/';
    };
    std::size_t checked = 0;
    for (const std::size_t len : {std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{40}}) {
        for (std::size_t at = 0; at < len; ++at) {
            for (unsigned c = 0; c < 256; ++c) {
                std::string token(len, 'a');
                token[at] = static_cast<char>(c);
                const std::string field = "Bearer " + token;
                const auto r = apiauth::http::parse_credentials(field);
                // A token68 octet anywhere, or '=' only in the last place: one token68.
                const bool whole = is_t68(static_cast<unsigned char>(c)) || (c == '=' && at == len - 1);
                INFO("length " << len << ", octet " << c << " at " << at);
                if (whole) {
                    REQUIRE(r.has_value());
                    CHECK(r->token68 == token);
                } else {
                    CHECK((!r.has_value() || r->token68 != token));
                }
                ++checked;
            }
        }
    }
    CHECK(checked == 256 * (15 + 16 + 17 + 40));
}

}  // namespace http_credentials_test
