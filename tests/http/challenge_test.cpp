// Tests for apiauth/http/challenge.hpp: the WWW-Authenticate writer (RFC 7617 §2,
// RFC 6750 §3) and the challenge-list parser (RFC 9110 §11.3, §11.6.1).
// Conformance cases A12-A18, B39 and C55-C59 are from research/http-auth-oauth2-spec.md.
#include <apiauth/error.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/request.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace http_challenge_test {

using apiauth::errc;
using apiauth::http::bearer_challenge;
using apiauth::http::bearer_challenge_for;
using apiauth::http::parse_challenges;
using apiauth::http::parse_options;
using apiauth::http::write_basic_challenge;
using apiauth::http::write_bearer_challenge;
using namespace std::string_view_literals;

namespace {

// The unescaped value of parameter `name` of a challenge, or "<absent>".
std::string param(const apiauth::http::challenge_view& c, std::string_view name)
{
    const auto v = c.params.find(name);
    return v ? v->str() : std::string("<absent>");
}

// RFC 6750 §3: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ).
bool in_nqschar(std::string_view s)
{
    for (const char c : s)
        if (!(c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E))) return false;
    return true;
}

// "Sn" for n = 0 … count-1, each a parameterless challenge.
std::string many_challenges(std::size_t count)
{
    std::string s;
    for (std::size_t i = 0; i < count; ++i) s += (i ? ", S" : "S") + std::to_string(i);
    return s;
}

}  // namespace

// ---- Parser: conformance cases A12-A18 ------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.6.1: one field line holding two challenges, one with an escaped quote (case A12)",
          "[challenge]")
{
    const auto r = parse_challenges(R"(Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    const auto& basic = (*r)[0];
    CHECK(basic.scheme == "Basic");
    CHECK(basic.token68.empty());
    CHECK(basic.params.size() == 1);
    CHECK(param(basic, "realm") == "simple");
    const auto& newauth = (*r)[1];
    CHECK(newauth.scheme == "Newauth");
    CHECK(newauth.params.size() == 3);
    CHECK(param(newauth, "realm") == "apps");
    CHECK(param(newauth, "type") == "1");
    CHECK(param(newauth, "title") == R"(Login to "apps")");
}

TEST_CASE("RFC 9110 §11.6.1: several field lines are combined in order (case A13)", "[challenge]")
{
    const std::string_view lines[] = {R"(Basic realm="a")", R"(Bearer realm="b", error="invalid_token")"};
    const auto r = parse_challenges(lines);
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].scheme == "Basic");
    CHECK(param((*r)[0], "realm") == "a");
    CHECK((*r)[1].scheme == "Bearer");
    CHECK(param((*r)[1], "realm") == "b");
    CHECK(param((*r)[1], "error") == "invalid_token");
}

TEST_CASE("RFC 9110 §5.6.1: empty list elements around a challenge are ignored (case A14)", "[challenge]")
{
    const auto r = parse_challenges(R"(, Basic realm="x" ,)");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK((*r)[0].scheme == "Basic");
    CHECK(param((*r)[0], "realm") == "x");
}

TEST_CASE("RFC 9110 §11.3: a challenge may be a scheme alone (case A15)", "[challenge]")
{
    const auto r = parse_challenges("Basic");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK((*r)[0].scheme == "Basic");
    CHECK((*r)[0].token68.empty());
    CHECK((*r)[0].params.empty());
}

TEST_CASE("RFC 6750 §3: a comma inside a quoted scope is data, not a list separator (case A16)", "[challenge]")
{
    const auto r = parse_challenges(R"(Bearer scope="urn:example:channel=HBO&urn:example:rating=G,PG-13")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK((*r)[0].params.size() == 1);
    CHECK(param((*r)[0], "scope") == "urn:example:channel=HBO&urn:example:rating=G,PG-13");
}

TEST_CASE("RFC 9110 §11.3: a token68 challenge followed by another challenge (case A17)", "[challenge]")
{
    const auto r = parse_challenges(R"(Negotiate YIIBhgYGKwYBBQUCoA==, Basic realm="x")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].scheme == "Negotiate");
    CHECK((*r)[0].token68 == "YIIBhgYGKwYBBQUCoA==");
    CHECK((*r)[0].params.empty());
    CHECK((*r)[1].scheme == "Basic");
    CHECK(param((*r)[1], "realm") == "x");
}

TEST_CASE("RFC 9110 §11.5: recipients accept a token realm, the writer always quotes it (case A18)", "[challenge]")
{
    const auto r = parse_challenges("Bearer realm=example");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    const auto realm = (*r)[0].params.find("realm");
    REQUIRE(realm.has_value());
    CHECK(*realm == "example");
    CHECK_FALSE(realm->is_quoted());

    const auto bearer = write_bearer_challenge({.realm = "example"});
    REQUIRE(bearer.has_value());
    CHECK(*bearer == R"(Bearer realm="example")");
    const auto basic = write_basic_challenge("example");
    REQUIRE(basic.has_value());
    CHECK(*basic == R"(Basic realm="example", charset="UTF-8")");
}

// ---- Parser: more shapes that parse ---------------------------------------------------------------------------

TEST_CASE("RFC 9110 §11.6.1: parameterless challenges in a list", "[challenge]")
{
    const auto r = parse_challenges("Basic, Bearer ,Negotiate abc== , Digest");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 4);
    CHECK((*r)[0].scheme == "Basic");
    CHECK((*r)[1].scheme == "Bearer");
    CHECK((*r)[2].scheme == "Negotiate");
    CHECK((*r)[2].token68 == "abc==");
    CHECK((*r)[3].scheme == "Digest");
    for (const auto& c : *r) CHECK(c.params.empty());
}

TEST_CASE("RFC 9110 §11.3: a token68 with '=' right before a list comma is a token68", "[challenge]")
{
    const auto r = parse_challenges(R"(Foo abc=, Basic realm="x")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].token68 == "abc=");
    CHECK((*r)[1].scheme == "Basic");
}

TEST_CASE("RFC 9110 §11.6.1: a parameterless challenge may be followed by one with params", "[challenge]")
{
    const auto r = parse_challenges(R"(Bearer realm="x", Basic, Newauth type = 1,, title="t")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 3);
    CHECK(param((*r)[0], "realm") == "x");
    CHECK((*r)[1].scheme == "Basic");
    CHECK((*r)[1].params.empty());
    CHECK((*r)[2].scheme == "Newauth");
    CHECK(param((*r)[2], "type") == "1");
    CHECK(param((*r)[2], "title") == "t");
}

TEST_CASE("RFC 9110 §11.2: the same parameter name in two challenges is not a duplicate", "[challenge]")
{
    const auto r = parse_challenges(R"(Basic realm="a", Bearer realm="b")");
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    CHECK(param((*r)[0], "realm") == "a");
    CHECK(param((*r)[1], "realm") == "b");
}

TEST_CASE("RFC 9110 §11.6.1: no field lines, an empty line or only commas give no challenges", "[challenge]")
{
    const auto none = parse_challenges(std::span<const std::string_view>{});
    REQUIRE(none.has_value());
    CHECK(none->empty());
    for (const std::string_view v : {""sv, "  "sv, " , ,\t,"sv}) {
        const auto r = parse_challenges(v);
        REQUIRE(r.has_value());
        CHECK(r->empty());
    }
}

TEST_CASE("RFC 9110 §11.6.1: challenges view into the field lines", "[challenge]")
{
    const std::string line = R"(Basic realm="x")";
    const auto r = parse_challenges(line);
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK((*r)[0].scheme.data() == line.data());
    CHECK((*r)[0].params.find("realm")->raw().data() == line.data() + 13);
}

// ---- Parser: errors -------------------------------------------------------------------------------------------

TEST_CASE("RFC 9110 §5.4: a challenge line of max_size octets parses, max_size+1 is header_too_large", "[challenge]")
{
    const parse_options opt{.max_size = 16};
    const std::string at = "Negotiate " + std::string(6, 'a');
    REQUIRE(at.size() == 16);
    CHECK(parse_challenges(at, opt).has_value());
    const auto r = parse_challenges(at + "a", opt);
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::header_too_large);
    CHECK(apiauth::http_status(r.error()) == 431);

    // The bound applies to each line, not to their sum.
    const std::string_view lines[] = {"Basic", at, "Bearer realm=x"};
    const auto each = parse_challenges(lines, opt);
    REQUIRE(each.has_value());
    CHECK(each->size() == 3);
    const std::string second = at + "a";
    const std::string_view bad_lines[] = {"Basic", second};
    const auto bad = parse_challenges(bad_lines, opt);
    REQUIRE(bad.has_error());
    CHECK(bad.error() == errc::header_too_large);
}

TEST_CASE("RFC 9110 §5.5: a control character in a challenge line is invalid_field_value", "[challenge]")
{
    for (const std::string_view v : {"Basic realm=\"a\r\nb\""sv, "Basic\0"sv, "Basic realm=\"x\"\n, Foo"sv,
                                     "Bas\x7Fic"sv, "Basic realm=\"x\x01\""sv}) {
        INFO("line of " << v.size() << " octets");
        const auto r = parse_challenges(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::invalid_field_value);
        CHECK(apiauth::http_status(r.error()) == 400);
    }
}

TEST_CASE("RFC 9110 §11.3: text that is not a challenge list is malformed_challenge", "[challenge]")
{
    const std::string_view bad[] = {
        R"(Basic realm="x" junk)"sv,           // text after a param without a comma
        R"((Basic realm="x")"sv,               // delimiter instead of a scheme
        "Basic\trealm=\"x\""sv,                // HTAB after the scheme
        R"(Basic realm="x)"sv,                 // unterminated quoted-string
        R"(Basic realm="x", "y")"sv,           // a quoted-string where a challenge should be
        "Basic a=b, realm="sv,                 // no value ("realm=" alone would be a token68)
        "Foo abc, realm=x"sv,                  // a param after a token68
        "Basic realm=a/b"sv,                   // delimiter in a token value
        "Basic realm=\"caf\xC3\xA9\" \xE9"sv,  // obs-text outside quotes
        "Basic =x"sv,                          // no name
    };
    for (const std::string_view v : bad) {
        INFO(v);
        const auto r = parse_challenges(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_challenge);
        CHECK(apiauth::http_status(r.error()) == 400);
    }
}

TEST_CASE("RFC 9110 §11.2: a parameter name twice in one challenge is duplicate_parameter", "[challenge]")
{
    for (const std::string_view v : {R"(Basic realm="a", REALM="b")"sv, R"(Basic, Bearer realm=a, Realm="a")"sv}) {
        INFO(v);
        const auto r = parse_challenges(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::duplicate_parameter);
    }
}

TEST_CASE("RFC 9110 §11.6.1: more than max_challenges challenges is too_many_parameters", "[challenge]")
{
    REQUIRE(parse_options{}.max_challenges == 16);
    const std::string sixteen = many_challenges(16);
    const auto at = parse_challenges(sixteen);
    REQUIRE(at.has_value());
    CHECK(at->size() == 16);
    const auto over = parse_challenges(many_challenges(17));
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::too_many_parameters);

    // Counted across field lines.
    const parse_options two{.max_challenges = 2};
    const std::string_view lines[] = {"Basic", "Bearer", "Digest"};
    const auto across = parse_challenges(lines, two);
    REQUIRE(across.has_error());
    CHECK(across.error() == errc::too_many_parameters);
    CHECK(parse_challenges(std::span<const std::string_view>(lines, 2), two).has_value());
}

TEST_CASE("RFC 9110 §11.2: more than max_params params in a challenge is too_many_parameters", "[challenge]")
{
    const parse_options two{.max_params = 2};
    const auto ok = parse_challenges("Foo a=1, b=2, Bar c=3, d=4", two);
    REQUIRE(ok.has_value());
    CHECK(ok->size() == 2);
    const auto over = parse_challenges("Foo a=1, b=2, c=3", two);
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::too_many_parameters);
}

TEST_CASE("RFC 9110 §5.6.1: empty elements of a challenge list past max_empty_elements are too_many_parameters",
          "[challenge]")
{
    REQUIRE(parse_options{}.max_empty_elements == 16);
    CHECK(parse_challenges(std::string(16, ',') + "Basic").has_value());
    const auto leading = parse_challenges(std::string(17, ',') + "Basic");
    REQUIRE(leading.has_error());
    CHECK(leading.error() == errc::too_many_parameters);

    CHECK(parse_challenges("Basic" + std::string(17, ',') + "Bearer").has_value());
    const auto middle = parse_challenges("Basic" + std::string(18, ',') + "Bearer");
    REQUIRE(middle.has_error());
    CHECK(middle.error() == errc::too_many_parameters);

    CHECK(parse_challenges("Basic realm=x" + std::string(16, ',')).has_value());
    const auto trailing = parse_challenges("Basic realm=x" + std::string(17, ','));
    REQUIRE(trailing.has_error());
    CHECK(trailing.error() == errc::too_many_parameters);

    // The count runs over all the field lines of the response.
    const parse_options one{.max_empty_elements = 1};
    const std::string_view lines[] = {"Basic,", "Bearer,"};
    const auto across = parse_challenges(lines, one);
    REQUIRE(across.has_error());
    CHECK(across.error() == errc::too_many_parameters);
    CHECK(parse_challenges(std::span<const std::string_view>(lines, 1), one).has_value());
}

// ---- Basic writer: case B39 -----------------------------------------------------------------------------------

TEST_CASE("RFC 7617 §2, §2.1: Basic challenge with realm and charset, quotes escaped (case B39)", "[challenge]")
{
    const auto api = write_basic_challenge("api");
    REQUIRE(api.has_value());
    CHECK(*api == R"(Basic realm="api", charset="UTF-8")");

    const auto escaped = write_basic_challenge(R"(a"b\c)");
    REQUIRE(escaped.has_value());
    CHECK(*escaped == R"(Basic realm="a\"b\\c", charset="UTF-8")");

    // What the writer escapes, the parser unescapes.
    const auto back = parse_challenges(*escaped);
    REQUIRE(back.has_value());
    REQUIRE(back->size() == 1);
    CHECK(param((*back)[0], "realm") == R"(a"b\c)");
    CHECK(param((*back)[0], "charset") == "UTF-8");
}

TEST_CASE("RFC 7617 §2: the charset parameter can be left out, the realm cannot", "[challenge]")
{
    const auto plain = write_basic_challenge("api", false);
    REQUIRE(plain.has_value());
    CHECK(*plain == R"(Basic realm="api")");
    const auto empty = write_basic_challenge("");
    REQUIRE(empty.has_value());
    CHECK(*empty == R"(Basic realm="", charset="UTF-8")");
}

TEST_CASE("RFC 9110 §11.5: a realm with a CTL or a non-ASCII octet is invalid_challenge_value", "[challenge]")
{
    for (const std::string_view realm : {"a\tb"sv, "a\nb"sv, "a\rb"sv, "a\0b"sv, "a\x7F"sv, "caf\xC3\xA9"sv}) {
        INFO("realm of " << realm.size() << " octets");
        const auto basic = write_basic_challenge(realm);
        REQUIRE(basic.has_error());
        CHECK(basic.error() == errc::invalid_challenge_value);
        CHECK(apiauth::http_status(basic.error()) == 500);
        const auto bearer = write_bearer_challenge({.realm = realm});
        REQUIRE(bearer.has_error());
        CHECK(bearer.error() == errc::invalid_challenge_value);
    }
}

// ---- Bearer writer: cases C55-C59 -----------------------------------------------------------------------------

TEST_CASE("RFC 6750 §3.1: no credentials is a 401 challenge without error information (case C55)", "[challenge]")
{
    const apiauth::http::request_view req{.method = "GET", .target = "/resource"};
    const auto t = apiauth::http::extract_bearer(req);
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::no_credentials);
    CHECK(apiauth::http_status(t.error()) == 401);
    CHECK(apiauth::oauth_error(t.error()).empty());
    const auto h = bearer_challenge_for(t.error(), "example");
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example")");
}

TEST_CASE("RFC 6750 §3.1: Basic credentials at a Bearer-only resource get a challenge without error (case C56)",
          "[challenge]")
{
    const std::string_view lines[] = {"Basic dXNlcjpwYXNz"};
    const apiauth::http::request_view req{.method = "GET", .target = "/resource", .authorization = lines};
    const auto t = apiauth::http::extract_bearer(req);
    REQUIRE(t.has_error());
    CHECK(t.error() == errc::unsupported_scheme);
    CHECK(apiauth::http_status(t.error()) == 401);
    CHECK(apiauth::oauth_error(t.error()).empty());
    const auto h = bearer_challenge_for(t.error(), "example");
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example")");
}

TEST_CASE("RFC 6750 §3: invalid_token challenge with a description (case C57)", "[challenge]")
{
    // There is no "token expired" errc yet (JWT verification is a later issue), so this
    // checks the writer with the values the expired-token answer will carry.
    const auto h = write_bearer_challenge(
        {.realm = "example", .error = "invalid_token", .error_description = "The access token expired"});
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example", error="invalid_token", error_description="The access token expired")");
}

TEST_CASE("RFC 6750 §3.1: insufficient_scope challenge names the scope needed (case C58)", "[challenge]")
{
    // The 403 status comes with the scope check of a later issue; this checks the header value.
    const auto h = write_bearer_challenge({.realm = "example", .error = "insufficient_scope", .scope = "write"});
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example", error="insufficient_scope", scope="write")");
}

TEST_CASE("RFC 6750 §3: the writer never emits a bare 'Bearer' (case C59)", "[challenge]")
{
    const auto empty = write_bearer_challenge({});
    REQUIRE(empty.has_error());
    CHECK(empty.error() == errc::empty_challenge);
    CHECK(apiauth::http_status(empty.error()) == 500);

    // bearer_challenge_for with no realm and no error information would be bare.
    const auto bare = bearer_challenge_for(errc::no_credentials, "");
    REQUIRE(bare.has_error());
    CHECK(bare.error() == errc::empty_challenge);
}

TEST_CASE("RFC 6750 §3: the writer never emits a stray comma (case C59)", "[challenge]")
{
    const auto error_only = write_bearer_challenge({.error = "invalid_token"});
    REQUIRE(error_only.has_value());
    CHECK(*error_only == R"(Bearer error="invalid_token")");
    const auto scope_only = write_bearer_challenge({.scope = "read"});
    REQUIRE(scope_only.has_value());
    CHECK(*scope_only == R"(Bearer scope="read")");
    const auto uri_only = write_bearer_challenge({.error_uri = "/errors/token"});
    REQUIRE(uri_only.has_value());
    CHECK(*uri_only == R"(Bearer error_uri="/errors/token")");
    const auto desc_only = write_bearer_challenge({.error_description = "Nope"});
    REQUIRE(desc_only.has_value());
    CHECK(*desc_only == R"(Bearer error_description="Nope")");
}

TEST_CASE("RFC 6750 §3: all five attributes appear once each, in a fixed order (case C59)", "[challenge]")
{
    const auto h = write_bearer_challenge({.realm = "example",
                                           .error = "invalid_token",
                                           .error_description = "The access token expired",
                                           .error_uri = "https://example.com/errors#token",
                                           .scope = "read write"});
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example", error="invalid_token", error_description="The access token expired", )"
                R"(error_uri="https://example.com/errors#token", scope="read write")");

    // The parser finds no duplicate and reads back every value.
    const auto back = parse_challenges(*h);
    REQUIRE(back.has_value());
    REQUIRE(back->size() == 1);
    CHECK((*back)[0].params.size() == 5);
    CHECK(param((*back)[0], "realm") == "example");
    CHECK(param((*back)[0], "error") == "invalid_token");
    CHECK(param((*back)[0], "error_description") == "The access token expired");
    CHECK(param((*back)[0], "error_uri") == "https://example.com/errors#token");
    CHECK(param((*back)[0], "scope") == "read write");
}

TEST_CASE("RFC 6750 §3: error_description characters outside NQSCHAR are replaced (case C59)", "[challenge]")
{
    // Policy (challenge.hpp): '"' -> '\'', '\' -> '/', CTL -> SP, each UTF-8 sequence -> '?'.
    const auto h = write_bearer_challenge({.error = "invalid_token",
                                           .error_description = "a\"b\\c\r\nd\xE2\x80\x93"
                                                                "e\x7F"
                                                                "f\tg\xC3\xA9h\xE9i\x80\x80j"});
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer error="invalid_token", error_description="a'b/c  d?e f g?h?i?j")");
    const std::string_view prefix = R"(Bearer error="invalid_token", error_description=")";
    REQUIRE(h->size() > prefix.size() + 1);
    CHECK(in_nqschar(std::string_view(*h).substr(prefix.size(), h->size() - prefix.size() - 1)));
}

TEST_CASE("RFC 6750 §3: the ASCII punctuation NQSCHAR allows is kept in error_description", "[challenge]")
{
    const std::string_view all = " !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~";
    const auto h = write_bearer_challenge({.error_description = all});
    REQUIRE(h.has_value());
    CHECK(*h == "Bearer error_description=\"" + std::string(all) + "\"");
}

TEST_CASE("RFC 6750 §3: an error outside NQSCHAR is refused, not altered", "[challenge]")
{
    for (const std::string_view e : {"invalid\"token"sv, "invalid\\token"sv, "caf\xC3\xA9"sv, "a\tb"sv, "a\nb"sv}) {
        INFO(e);
        const auto h = write_bearer_challenge({.realm = "example", .error = e});
        REQUIRE(h.has_error());
        CHECK(h.error() == errc::invalid_challenge_value);
    }
    // SP is in NQSCHAR (RFC 6749 A.7).
    const auto sp = write_bearer_challenge({.error = "custom error"});
    REQUIRE(sp.has_value());
    CHECK(*sp == R"(Bearer error="custom error")");
}

TEST_CASE("RFC 6749 §3.3: a scope that is not scope-tokens joined by single SPs is refused", "[challenge]")
{
    for (const std::string_view s : {" read"sv, "read "sv, "read  write"sv, "read\twrite"sv, "re\"ad"sv,
                                     "read\\write"sv, "caf\xC3\xA9"sv, " "sv}) {
        INFO("scope '" << s << "'");
        const auto h = write_bearer_challenge({.realm = "example", .scope = s});
        REQUIRE(h.has_error());
        CHECK(h.error() == errc::invalid_challenge_value);
    }
    const auto rfc = write_bearer_challenge({.scope = "urn:example:channel=HBO&urn:example:rating=G,PG-13 b"});
    REQUIRE(rfc.has_value());
    CHECK(*rfc == R"(Bearer scope="urn:example:channel=HBO&urn:example:rating=G,PG-13 b")");
}

TEST_CASE("RFC 6750 §3: an error_uri that is not a URI-reference in %x21 / %x23-5B / %x5D-7E is refused", "[challenge]")
{
    for (const std::string_view u :
         {"https://example.com/a b"sv, "https://example.com/\"x\""sv, "https://example.com/\\x"sv, "http://[::1"sv,
          "/a%zz"sv, "https://example.com/caf\xC3\xA9"sv}) {
        INFO(u);
        const auto h = write_bearer_challenge({.realm = "example", .error_uri = u});
        REQUIRE(h.has_error());
        CHECK(h.error() == errc::invalid_challenge_value);
    }
    const auto rel = write_bearer_challenge({.error_uri = "/errors?code=1"});
    REQUIRE(rel.has_value());
    CHECK(*rel == R"(Bearer error_uri="/errors?code=1")");
}

TEST_CASE("RFC 6750 §3.1: bearer_challenge_for carries error and description for a malformed request", "[challenge]")
{
    const auto h = bearer_challenge_for(errc::bearer_invalid_syntax, "example");
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="example", error="invalid_request", )"
                R"(error_description="The bearer token is not a valid b64token")");
    CHECK(apiauth::http_status(errc::bearer_invalid_syntax) == 400);

    const auto missing = bearer_challenge_for(errc::bearer_missing_token, "example");
    REQUIRE(missing.has_value());
    CHECK(*missing == R"(Bearer realm="example", error="invalid_request", )"
                      R"(error_description="The Bearer credentials carry no token")");
}

TEST_CASE("RFC 6750 §3.1: bearer_challenge_for gives invalid_token for a token that does not decode", "[challenge]")
{
    const auto h = bearer_challenge_for(errc::base64_noncanonical, "example");
    REQUIRE(h.has_value());
    CHECK(
        *h ==
        R"(Bearer realm="example", error="invalid_token", error_description="The base64 data has non-zero pad bits")");
}

TEST_CASE("RFC 6750 §3: bearer_challenge_for adds a given scope, with or without error information", "[challenge]")
{
    const auto none = bearer_challenge_for(errc::no_credentials, "example", "read write");
    REQUIRE(none.has_value());
    CHECK(*none == R"(Bearer realm="example", scope="read write")");
    const auto err = bearer_challenge_for(errc::multiple_token_methods, "example", "read");
    REQUIRE(err.has_value());
    CHECK(*err == R"(Bearer realm="example", error="invalid_request", )"
                  R"(error_description="The access token was sent by more than one method", scope="read")");
    const auto bad = bearer_challenge_for(errc::no_credentials, "example", "a  b");
    REQUIRE(bad.has_error());
    CHECK(bad.error() == errc::invalid_challenge_value);
}

TEST_CASE("RFC 9110 §11.5: the Bearer realm is escaped like the Basic realm", "[challenge]")
{
    const auto h = write_bearer_challenge({.realm = R"(a"b\c)", .error = "invalid_token"});
    REQUIRE(h.has_value());
    CHECK(*h == R"(Bearer realm="a\"b\\c", error="invalid_token")");
    const auto back = parse_challenges(*h);
    REQUIRE(back.has_value());
    CHECK(param((*back)[0], "realm") == R"(a"b\c)");
}

TEST_CASE("RFC 9110 §11.6.1: after a comma, a token followed by '=' belongs to the challenge before it", "[challenge]")
{
    // The leading comma is an empty list element of the challenge's #auth-param (RFC 9110 §5.6.1).
    for (const std::string_view v : {R"(Basic, realm="x")", R"(Basic , realm="x")", R"(Basic ,, realm="x", Bearer)"}) {
        INFO(v);
        const auto r = apiauth::http::parse_challenges(v);
        REQUIRE(r.has_value());
        REQUIRE_FALSE(r->empty());
        CHECK((*r)[0].is("basic"));
        REQUIRE((*r)[0].params.size() == 1);
        CHECK(*(*r)[0].params.find("realm") == "x");
    }
    const auto two = apiauth::http::parse_challenges(R"(Basic ,, realm="x", Bearer)");
    REQUIRE(two.has_value());
    REQUIRE(two->size() == 2);
    CHECK((*two)[1].is("Bearer"));
    CHECK((*two)[1].params.empty());
}

}  // namespace http_challenge_test
