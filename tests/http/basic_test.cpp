// Tests for apiauth/http/basic.hpp: the "Basic" scheme (RFC 7617, RFC 4648 §4)
// and OAuth 2.0 client passwords sent with it (RFC 6749 §2.3.1, Appendix B).
// Conformance cases B19-B38, B40 and D62-D64 are from research/http-auth-oauth2-spec.md.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/request.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http_basic_test {

using apiauth::errc;
using apiauth::http::basic_credentials;
using apiauth::http::basic_options;
using apiauth::http::charset_policy;
using apiauth::http::decode_basic;
using apiauth::http::decode_oauth_client_basic;
using apiauth::http::encode_basic;
using apiauth::http::encode_oauth_client_basic;
using apiauth::http::extract_basic;
using apiauth::http::oauth_basic_options;
using apiauth::http::text_encoding;
using namespace std::string_view_literals;

namespace {

// extract_basic on a request carrying one Authorization field line.
apiauth::result<basic_credentials> from_header(std::string_view field_value, basic_options opt = {},
                                               apiauth::http::parse_options popt = {})
{
    const std::string_view lines[] = {field_value};
    return extract_basic({.method = "GET", .target = "/", .authorization = lines}, opt, popt);
}

// The answer RFC 7617 asks for when Basic credentials fail: 401 with a Basic challenge.
void check_basic_401(std::error_code ec)
{
    CHECK(apiauth::http_status(ec) == 401);
    const auto challenge = apiauth::http::write_basic_challenge("api");
    REQUIRE(challenge.has_value());
    CHECK(*challenge == R"(Basic realm="api", charset="UTF-8")");
}

constexpr std::string_view aladdin = "QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

}  // namespace

// ---- Conformance cases B19-B38, B40 ---------------------------------------------------------------------------

TEST_CASE("RFC 7617 §2: the RFC example decodes to Aladdin / open sesame (case B19)", "[basic]")
{
    const auto c = from_header("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "Aladdin");
    CHECK(c->password() == "open sesame");
    CHECK(c->encoding() == text_encoding::utf8);

    const auto d = decode_basic(aladdin);
    REQUIRE(d.has_value());
    CHECK(d->user_id() == "Aladdin");
    CHECK(d->password() == "open sesame");
}

TEST_CASE("RFC 9110 §11.1: the Basic scheme name is case-insensitive (case B20)", "[basic]")
{
    for (const std::string_view v : {"basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="sv, "BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ=="sv,
                                     "bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ=="sv}) {
        INFO(v);
        const auto c = from_header(v);
        REQUIRE(c.has_value());
        CHECK(c->user_id() == "Aladdin");
        CHECK(c->password() == "open sesame");
    }
}

TEST_CASE("RFC 9110 §11.4: several SPs may separate Basic and the token68 (case B21)", "[basic]")
{
    const auto c = from_header("Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "Aladdin");
    CHECK(c->password() == "open sesame");
}

TEST_CASE("RFC 9110 §11.4: HTAB between Basic and the token68 is malformed (case B22)", "[basic]")
{
    // The case allows a lenient mode; basic.hpp offers none, so HTAB is always refused.
    const auto c = from_header("Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::malformed_credentials);
    CHECK(apiauth::http_status(c.error()) == 400);
    CHECK(apiauth::oauth_error(c.error()) == "invalid_request");
}

TEST_CASE("RFC 7617 §2: password may contain ':' (case B23)", "[basic]")
{
    const auto c = from_header("Basic dXNlcjpwYTpzcw==");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "user");
    CHECK(c->password() == "pa:ss");
}

TEST_CASE("RFC 7617 §2: a user-pass without ':' is refused with 401 and a Basic challenge (case B24)", "[basic]")
{
    const auto c = from_header("Basic dXNlcg==");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::basic_missing_colon);
    CHECK(apiauth::oauth_error(c.error(), apiauth::endpoint::token) == "invalid_client");
    check_basic_401(c.error());
}

TEST_CASE("RFC 7617 §2: ':' alone is an empty user-id and an empty password (case B25)", "[basic]")
{
    // Syntactically valid; the verifier refuses it with 401 (basic.hpp leaves that to it).
    const auto c = from_header("Basic Og==");
    REQUIRE(c.has_value());
    CHECK(c->user_id().empty());
    CHECK(c->password().empty());
}

TEST_CASE("RFC 7617 §2: 'user:' is an empty password (case B26)", "[basic]")
{
    const auto c = from_header("Basic dXNlcjo=");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "user");
    CHECK(c->password().empty());
}

TEST_CASE("RFC 4648 §3.2: missing padding is refused unless allow_missing_padding (case B27)", "[basic]")
{
    const auto strict = from_header("Basic dXNlcjpwYXM");
    REQUIRE(strict.has_error());
    CHECK(strict.error() == errc::base64_invalid_padding);
    CHECK(apiauth::http_status(strict.error()) == 401);
    CHECK(apiauth::oauth_error(strict.error()) == "invalid_token");  // base64 errors, as error.hpp documents

    const auto lenient = from_header("Basic dXNlcjpwYXM", {.allow_missing_padding = true});
    REQUIRE(lenient.has_value());
    CHECK(lenient->user_id() == "user");
    CHECK(lenient->password() == "pas");
}

TEST_CASE("RFC 4648 §3.2: allow_missing_padding still refuses wrong padding", "[basic]")
{
    const basic_options lenient{.allow_missing_padding = true};
    const auto full = decode_basic("dXNlcjpwYXM=", lenient);
    REQUIRE(full.has_value());
    CHECK(full->password() == "pas");
    for (const std::string_view t : {"dXNlcjpwYXM=="sv, "dXNlcjpwYXNz="sv, "dXNlcjo=="sv}) {
        INFO(t);
        const auto r = decode_basic(t, lenient);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::base64_invalid_padding);
    }
}

TEST_CASE("RFC 4648 §3.5: non-zero pad bits are refused (case B28)", "[basic]")
{
    const auto c = from_header("Basic dXNlcjpwYXN=");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::base64_noncanonical);
    CHECK(apiauth::http_status(c.error()) == 401);
    const auto two = decode_basic("dXNlcjpwYR==");  // "user:pa" is dXNlcjpwYQ==
    REQUIRE(two.has_error());
    CHECK(two.error() == errc::base64_noncanonical);
}

TEST_CASE("RFC 7617 §2: the RFC 4648 §4 alphabet, not base64url (case B29)", "[basic]")
{
    const auto c = from_header("Basic YTo+Pj4=");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "a");
    CHECK(c->password() == ">>>");

    // '-' and '_' are token68 characters, so the header parses, but base64 refuses them.
    for (const std::string_view v : {"Basic YTo-Pj4="sv, "Basic YTo_Pj4="sv, "Basic YTo~Pj4="sv, "Basic YTo.Pj4="sv}) {
        INFO(v);
        const auto r = from_header(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::base64_invalid_character);
        CHECK(apiauth::http_status(r.error()) == 401);
    }
}

TEST_CASE("RFC 9110 §11.2: text after '=' padding is not a token68 (case B30)", "[basic]")
{
    // "dXNlcjpwYXNz=junk" reads as the auth-param dXNlcjpwYXNz=junk: Basic needs a token68.
    const auto c = from_header("Basic dXNlcjpwYXNz=junk");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::basic_missing_token);
    check_basic_401(c.error());

    const auto d = decode_basic("dXNlcjpwYXNz=junk");
    REQUIRE(d.has_error());
    CHECK(d.error() == errc::base64_invalid_padding);
}

TEST_CASE("RFC 4648 §3.2: superfluous padding is refused (case B31)", "[basic]")
{
    for (const std::string_view v : {"Basic dXNlcjpwYXNz="sv, "Basic dXNlcjpwYXNz=="sv}) {
        INFO(v);
        const auto r = from_header(v);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::base64_invalid_padding);
    }
}

TEST_CASE("RFC 4648 §3.3: whitespace inside the token68 is refused (case B32)", "[basic]")
{
    const auto c = from_header("Basic dXNl cjpwYXNz");
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::malformed_credentials);  // two words: not credentials at all
    CHECK(apiauth::http_status(c.error()) == 400);

    for (const std::string_view t : {"dXNl cjpwYXNz"sv, "dXNl\ncjpwYXNz"sv, "dXNlcjpw\r\nYXNz"sv, "dXNl\tcjpwYXNz"sv}) {
        const auto d = decode_basic(t);
        REQUIRE(d.has_error());
        CHECK(d.error() == errc::base64_invalid_character);
    }
}

TEST_CASE("RFC 7617 §2: 'Basic' without a token68 is refused with 401 and a Basic challenge (case B33)", "[basic]")
{
    for (const std::string_view v : {"Basic"sv, "Basic   "sv, "basic"sv}) {
        INFO(v);
        const auto c = from_header(v);
        REQUIRE(c.has_error());
        CHECK(c.error() == errc::basic_missing_token);
        CHECK(apiauth::oauth_error(c.error(), apiauth::endpoint::token) == "invalid_client");
        check_basic_401(c.error());
    }
}

TEST_CASE("RFC 9110 §11.1: 'Basicx' is another scheme, not a prefix match (case B34)", "[basic]")
{
    for (const std::string_view v : {"Basicx dXNlcjpwYXNz"sv, "Basi dXNlcjpwYXNz"sv, "Bearer dXNlcjpwYXNz"sv}) {
        INFO(v);
        const auto c = from_header(v);
        REQUIRE(c.has_error());
        CHECK(c.error() == errc::unsupported_scheme);
        CHECK(apiauth::http_status(c.error()) == 401);
        CHECK(apiauth::oauth_error(c.error()).empty());
    }
}

TEST_CASE("RFC 7617 §2: a control character in the user-id or password is refused (case B35)", "[basic]")
{
    for (const std::string_view v : {"Basic dXMAZXI6cGFzcw=="sv, "Basic dXNlcjpwYQpzcw=="sv}) {
        INFO(v);
        const auto c = from_header(v);
        REQUIRE(c.has_error());
        CHECK(c.error() == errc::basic_control_character);
        CHECK(apiauth::oauth_error(c.error(), apiauth::endpoint::token) == "invalid_client");
        check_basic_401(c.error());
    }
}

TEST_CASE("RFC 7617 §2.1: UTF-8 credentials decode under the default policy (case B36)", "[basic]")
{
    const auto c = from_header("Basic dGVzdDoxMjPCow==");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "test");
    CHECK(c->password() == "123\xC2\xA3");
    CHECK(c->encoding() == text_encoding::utf8);
}

TEST_CASE("RFC 7617 §2.1: Latin-1 credentials under each charset policy (case B37)", "[basic]")
{
    constexpr std::string_view token = "dGVzdDoxMjOj";
    const std::string raw_octets = "test:123\xA3";

    const auto utf8 = decode_basic(token);
    REQUIRE(utf8.has_error());
    CHECK(utf8.error() == errc::basic_invalid_utf8);
    CHECK(apiauth::oauth_error(utf8.error(), apiauth::endpoint::token) == "invalid_client");
    check_basic_401(utf8.error());

    const auto fallback = decode_basic(token, {.charset = charset_policy::utf8_or_latin1});
    REQUIRE(fallback.has_value());
    CHECK(fallback->encoding() == text_encoding::latin1);
    CHECK(fallback->password() == "123\xA3");
    CHECK(apiauth::http::latin1_to_utf8(fallback->password()) == "123\xC2\xA3");

    const auto octets = decode_basic(token, {.charset = charset_policy::octets});
    REQUIRE(octets.has_value());
    CHECK(octets->encoding() == text_encoding::unchecked);
    CHECK(std::string(octets->user_id()) + ":" + std::string(octets->password()) == raw_octets);
}

TEST_CASE("RFC 7617 §2.1: a UTF-8 password with non-ASCII letters (case B38)", "[basic]")
{
    const auto c = from_header("Basic d2FsdGVyd2hpdGU6cMOkc3N3w7ZyZA==");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "walterwhite");
    CHECK(c->password() == "p\xC3\xA4ssw\xC3\xB6rd");
}

TEST_CASE("RFC 7617 §2: encode_basic refuses a user-id containing ':' (case B40)", "[basic]")
{
    for (const std::string_view id : {"a:b"sv, ":"sv, "ab:"sv, ":ab"sv}) {
        INFO(id);
        const auto r = encode_basic(id, "secret");
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::basic_colon_in_user_id);
        CHECK(apiauth::http_status(r.error()) == 500);  // a caller's mistake, not the client's
        CHECK(apiauth::oauth_error(r.error(), apiauth::endpoint::token) == "server_error");
    }
}

// ---- extract_basic: the request level -------------------------------------------------------------------------

TEST_CASE("RFC 7617 §2: no Authorization field is no_credentials", "[basic]")
{
    const auto c = extract_basic({.method = "GET", .target = "/"});
    REQUIRE(c.has_error());
    CHECK(c.error() == errc::no_credentials);
    CHECK(apiauth::http_status(c.error()) == 401);
    CHECK(apiauth::oauth_error(c.error()).empty());
}

TEST_CASE("RFC 7617 §2: Basic with auth-params instead of a token68 is basic_missing_token", "[basic]")
{
    for (const std::string_view v : {R"(Basic realm="x")"sv, "Basic a=b, c=d"sv, "Basic ,"sv}) {
        INFO(v);
        const auto c = from_header(v);
        REQUIRE(c.has_error());
        CHECK(c.error() == errc::basic_missing_token);
    }
}

TEST_CASE("RFC 9110 §11.4: parse_credentials errors pass through extract_basic", "[basic]")
{
    const auto too_large = from_header("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", {}, {.max_size = 20});
    REQUIRE(too_large.has_error());
    CHECK(too_large.error() == errc::header_too_large);
    CHECK(apiauth::http_status(too_large.error()) == 431);

    const auto ctl = from_header("Basic QWxh\rZGRpbjpvcGVuIHNlc2FtZQ==");
    REQUIRE(ctl.has_error());
    CHECK(ctl.error() == errc::invalid_field_value);

    const auto dup = from_header("Basic a=1, A=2");
    REQUIRE(dup.has_error());
    CHECK(dup.error() == errc::duplicate_parameter);

    const auto many = from_header("Basic a=1, b=2, c=3", {}, {.max_params = 2});
    REQUIRE(many.has_error());
    CHECK(many.error() == errc::too_many_parameters);

    const auto bad = from_header("Basic QWxh\"ZGRp");
    REQUIRE(bad.has_error());
    CHECK(bad.error() == errc::malformed_credentials);
}

TEST_CASE("RFC 9110 §5.5: OWS around the field value is ignored", "[basic]")
{
    const auto c = from_header(" \tBasic QWxhZGRpbjpvcGVuIHNlc2FtZQ== \t");
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "Aladdin");
}

// ---- decode_basic: every error --------------------------------------------------------------------------------

TEST_CASE("RFC 4648 §3.3: an octet outside the base64 alphabet is base64_invalid_character", "[basic]")
{
    for (const std::string_view t : {"QWxh!GRp"sv, "QWxh%ZGR"sv, "QWxh\xC3\xA9GR"sv, "QWxh\0GRp"sv, "QWxh*GRp"sv}) {
        const auto r = decode_basic(t);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::base64_invalid_character);
    }
    // A '=' before the end is misplaced padding.
    const auto pad = decode_basic("QW=hZGRp");
    REQUIRE(pad.has_error());
    CHECK(pad.error() == errc::base64_invalid_padding);
}

TEST_CASE("RFC 4648 §4: a length of 4k+1 characters is base64_invalid_length", "[basic]")
{
    for (const std::string_view t : {"Q"sv, "QWxhZ"sv, "QWxhZGRpb"sv}) {
        INFO(t);
        const auto r = decode_basic(t);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::base64_invalid_length);
        CHECK(apiauth::http_status(r.error()) == 401);
    }
}

TEST_CASE("RFC 7617 §2: an empty token68 decodes to nothing and has no ':'", "[basic]")
{
    const auto r = decode_basic("");
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::basic_missing_colon);
}

TEST_CASE("RFC 7617 §2: a token68 of max_token_size decodes, one more is basic_token_too_large", "[basic]")
{
    REQUIRE(basic_options{}.max_token_size == 4096);
    // 3072 octets encode to exactly 4096 characters.
    const std::string user_pass = "u:" + std::string(3070, 'p');
    const std::string token = apiauth::encoding::base64::encode(user_pass);
    REQUIRE(token.size() == 4096);
    const auto at = decode_basic(token);
    REQUIRE(at.has_value());
    CHECK(at->user_id() == "u");
    CHECK(at->password() == std::string(3070, 'p'));

    const auto over = decode_basic(token + "QQ==");
    REQUIRE(over.has_error());
    CHECK(over.error() == errc::basic_token_too_large);
    CHECK(apiauth::http_status(over.error()) == 401);
    CHECK(apiauth::oauth_error(over.error(), apiauth::endpoint::token) == "invalid_client");

    const basic_options small{.max_token_size = 8};
    const auto small_at = decode_basic("dXNlcjpw", small);  // "user:p"
    REQUIRE(small_at.has_value());
    CHECK(small_at->password() == "p");
    const auto small_over = decode_basic("dXNlcjpwYQ==", small);  // "user:pa", 12 characters
    REQUIRE(small_over.has_error());
    CHECK(small_over.error() == errc::basic_token_too_large);
    // The bound is checked before base64: a malformed token that is too long is too long.
    CHECK(decode_basic("!!!!!!!!!", small).error() == errc::basic_token_too_large);
}

TEST_CASE("RFC 7617 §2: every CTL, HTAB and DEL included, is refused in either half", "[basic]")
{
    std::vector<char> ctls;
    for (int c = 0; c < 0x20; ++c) ctls.push_back(static_cast<char>(c));
    ctls.push_back('\x7F');
    for (const char ctl : ctls) {
        const std::string in_user = std::string("us") + ctl + "er:pass";
        const std::string in_pass = std::string("user:pa") + ctl + "ss";
        const std::string at_end = std::string("user:pass") + ctl;
        for (const std::string& user_pass : {in_user, in_pass, at_end}) {
            INFO("CTL " << static_cast<int>(ctl));
            const auto r = decode_basic(apiauth::encoding::base64::encode(user_pass));
            REQUIRE(r.has_error());
            CHECK(r.error() == errc::basic_control_character);
        }
    }
    // Whatever the charset policy.
    const auto octets = decode_basic("dXMAZXI6cGFzcw==", {.charset = charset_policy::octets});
    REQUIRE(octets.has_error());
    CHECK(octets.error() == errc::basic_control_character);
}

TEST_CASE("RFC 3629 §4: the UTF-8 policy refuses overlong forms, surrogates and code points past U+10FFFF", "[basic]")
{
    for (const std::string_view bad : {"u:\xC0\xAF"sv, "u:\xE0\x80\xAF"sv, "u:\xED\xA0\x80"sv, "u:\xF4\x90\x80\x80"sv,
                                       "u:\xC3"sv, "u:\x80"sv, "\xFF:p"sv, "u:\xF5\x80\x80\x80"sv}) {
        const auto r = decode_basic(apiauth::encoding::base64::encode(bad));
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::basic_invalid_utf8);

        const auto latin1 =
            decode_basic(apiauth::encoding::base64::encode(bad), {.charset = charset_policy::utf8_or_latin1});
        REQUIRE(latin1.has_value());
        CHECK(latin1->encoding() == text_encoding::latin1);
    }
    const auto emoji = decode_basic(apiauth::encoding::base64::encode("u:\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
    REQUIRE(emoji.has_value());
    CHECK(emoji->encoding() == text_encoding::utf8);
    CHECK(emoji->password() == "\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
}

TEST_CASE("RFC 7617 §2.1: ASCII credentials are reported as UTF-8 under utf8_or_latin1", "[basic]")
{
    const auto c = decode_basic(aladdin, {.charset = charset_policy::utf8_or_latin1});
    REQUIRE(c.has_value());
    CHECK(c->encoding() == text_encoding::utf8);
}

TEST_CASE("ISO-8859-1: latin1_to_utf8 maps each octet to the code point of the same value", "[basic]")
{
    CHECK(apiauth::http::latin1_to_utf8("").empty());
    CHECK(apiauth::http::latin1_to_utf8("plain ASCII") == "plain ASCII");
    CHECK(apiauth::http::latin1_to_utf8("123\xA3") == "123\xC2\xA3");
    CHECK(apiauth::http::latin1_to_utf8("\x80\xBF\xC0\xFF") == "\xC2\x80\xC2\xBF\xC3\x80\xC3\xBF");
    CHECK(apiauth::http::latin1_to_utf8("p\xE4ssw\xF6rd") == "p\xC3\xA4ssw\xC3\xB6rd");
}

// ---- basic_credentials: ownership -----------------------------------------------------------------------------

TEST_CASE("RFC 7617 §2: credentials past the inline buffer are kept whole, copied and moved", "[basic]")
{
    for (const std::size_t n :
         {std::size_t{10}, std::size_t{126}, std::size_t{127}, std::size_t{300}, std::size_t{1000}}) {
        INFO("password of " << n << " octets");
        const std::string password(n, 'x');
        auto r = decode_basic(apiauth::encoding::base64::encode("user:" + password));
        REQUIRE(r.has_value());
        CHECK(r->password() == password);

        basic_credentials copy = *r;
        CHECK(copy.user_id() == "user");
        CHECK(copy.password() == password);
        CHECK(copy.password().data() != r->password().data());

        basic_credentials moved = std::move(*r);
        CHECK(moved.user_id() == "user");
        CHECK(moved.password() == password);
        CHECK(r->user_id().empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
        CHECK(r->password().empty());

        basic_credentials assigned;
        assigned = copy;
        CHECK(assigned.password() == password);
        basic_credentials move_assigned = decode_basic(aladdin).value();
        move_assigned = std::move(assigned);
        CHECK(move_assigned.user_id() == "user");
        CHECK(move_assigned.password() == password);
        copy = move_assigned;
        CHECK(copy.password() == password);
    }
}

// ---- encode_basic ---------------------------------------------------------------------------------------------

TEST_CASE("RFC 7617 §2: encode_basic builds the RFC examples", "[basic]")
{
    const auto a = encode_basic("Aladdin", "open sesame");
    REQUIRE(a.has_value());
    CHECK(*a == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    const auto t = encode_basic("test", "123\xC2\xA3");
    REQUIRE(t.has_value());
    CHECK(*t == "Basic dGVzdDoxMjPCow==");
    const auto e = encode_basic("", "");
    REQUIRE(e.has_value());
    CHECK(*e == "Basic Og==");
    const auto colon = encode_basic("user", "pa:ss");
    REQUIRE(colon.has_value());
    CHECK(*colon == "Basic dXNlcjpwYTpzcw==");
}

TEST_CASE("RFC 7617 §2: encode_basic refuses control characters in either part", "[basic]")
{
    for (const auto& [user, pass] : {std::pair{"a\nb"sv, "p"sv}, std::pair{"a"sv, "p\rq"sv}, std::pair{"a"sv, "\0"sv},
                                     std::pair{"a\x7F"sv, "p"sv}, std::pair{"a"sv, "p\tq"sv}}) {
        const auto r = encode_basic(user, pass);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::basic_control_character);
    }
}

TEST_CASE("RFC 7617 §2: what encode_basic writes, extract_basic reads back", "[basic]")
{
    const auto h = encode_basic("j\xC3\xBCrgen", "p@ss:w\xC3\xB6rd with spaces");
    REQUIRE(h.has_value());
    const auto c = from_header(*h);
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "j\xC3\xBCrgen");
    CHECK(c->password() == "p@ss:w\xC3\xB6rd with spaces");
}

// ---- decode_oauth_client_basic (RFC 6749 §2.3.1) --------------------------------------------------------------

TEST_CASE("RFC 6749 §2.3.1: client credentials are form-decoded after Basic (AppAuth vector, case D62)", "[basic]")
{
    constexpr std::string_view token = "MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRj"
                                       "hiTCUyQndmRlR0MXJGdyUzRA==";
    const auto c = decode_oauth_client_basic(token);
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "1PpG/Q 1");
    CHECK(c->password() == "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw=");
    CHECK(c->encoding() == text_encoding::utf8);

    // The encoder produces the same header, byte for byte.
    const auto h = encode_oauth_client_basic("1PpG/Q 1", "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw=");
    REQUIRE(h.has_value());
    CHECK(*h == "Basic " + std::string(token));
}

TEST_CASE("RFC 6749 App. B: '+' is a space and %2B a '+' (case D63)", "[basic]")
{
    const auto encoded = decode_oauth_client_basic("Y2xpZW50OjElMkIx");  // client:1%2B1
    REQUIRE(encoded.has_value());
    CHECK(encoded->user_id() == "client");
    CHECK(encoded->password() == "1+1");

    const auto plus = decode_oauth_client_basic("Y2xpZW50OjErMQ==");  // client:1+1
    REQUIRE(plus.has_value());
    CHECK(plus->password() == "1 1");

    // The per-client raw switch takes the halves as sent.
    const auto raw = decode_oauth_client_basic("Y2xpZW50OjErMQ==", {.raw = true});
    REQUIRE(raw.has_value());
    CHECK(raw->password() == "1+1");

    const auto both = decode_oauth_client_basic("YytkOnMrdA==");  // c+d:s+t
    REQUIRE(both.has_value());
    CHECK(both->user_id() == "c d");
    CHECK(both->password() == "s t");
}

TEST_CASE("RFC 6749 App. B: an invalid %-escape is basic_invalid_form_encoding (case D64)", "[basic]")
{
    // Policy (basic.hpp): a client-authentication failure, 401 invalid_client.
    const auto raw_secret = decode_oauth_client_basic("Y2xpZW50OjUwJW9mZg==");  // client:50%off
    REQUIRE(raw_secret.has_error());
    CHECK(raw_secret.error() == errc::basic_invalid_form_encoding);
    CHECK(apiauth::http_status(raw_secret.error()) == 401);
    CHECK(apiauth::oauth_error(raw_secret.error(), apiauth::endpoint::token) == "invalid_client");

    const auto with_raw = decode_oauth_client_basic("Y2xpZW50OjUwJW9mZg==", {.raw = true});
    REQUIRE(with_raw.has_value());
    CHECK(with_raw->password() == "50%off");

    const auto encoded = decode_oauth_client_basic("Y2xpZW50OjUwJTI1b2Zm");  // client:50%25off
    REQUIRE(encoded.has_value());
    CHECK(encoded->password() == "50%off");
}

TEST_CASE("RFC 6749 App. B: truncated or non-hex escapes in either half are refused", "[basic]")
{
    for (const std::string_view user_pass : {"c:%"sv, "c:%4"sv, "c:%zz"sv, "c:a%g1"sv, "%:s"sv, "c%2:s"sv}) {
        INFO(user_pass);
        const auto r = decode_oauth_client_basic(apiauth::encoding::base64::encode(user_pass));
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::basic_invalid_form_encoding);
    }
}

TEST_CASE("RFC 6749 §2.3.1: a ':' in the client_id is sent as %3A", "[basic]")
{
    const auto c = decode_oauth_client_basic("YSUzQWI6c2VjcmV0");  // a%3Ab:secret
    REQUIRE(c.has_value());
    CHECK(c->user_id() == "a:b");
    CHECK(c->password() == "secret");

    const auto two = decode_oauth_client_basic("YyUzQWQlM0FlOng=");  // c%3Ad%3Ae:x
    REQUIRE(two.has_value());
    CHECK(two->user_id() == "c:d:e");
    CHECK(two->password() == "x");

    // encode_oauth_client_basic never refuses the ':' that encode_basic does.
    const auto h = encode_oauth_client_basic("a:b", "secret");
    REQUIRE(h.has_value());
    CHECK(*h == "Basic YSUzQWI6c2VjcmV0");
}

TEST_CASE("RFC 6749 App. B: lower-case hex digits decode too", "[basic]")
{
    const auto c = decode_oauth_client_basic(apiauth::encoding::base64::encode("c:a%2fb%2Bc"));
    REQUIRE(c.has_value());
    CHECK(c->password() == "a/b+c");
}

TEST_CASE("RFC 6749 App. B: client credentials are decoded exactly once", "[basic]")
{
    const auto c = decode_oauth_client_basic("YzphJTI1MjVi");  // c:a%2525b
    REQUIRE(c.has_value());
    CHECK(c->password() == "a%25b");
}

TEST_CASE("RFC 7617 §2: an escape that decodes to a CTL is basic_control_character", "[basic]")
{
    for (const std::string_view user_pass : {"c:%00"sv, "c%0A:s"sv, "c:%7F"sv, "c:a%0Db"sv, "c:%09"sv}) {
        INFO(user_pass);
        const auto r = decode_oauth_client_basic(apiauth::encoding::base64::encode(user_pass));
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::basic_control_character);
        CHECK(apiauth::oauth_error(r.error(), apiauth::endpoint::token) == "invalid_client");
    }
    // Without decoding, "%00" is three harmless characters.
    const auto raw = decode_oauth_client_basic("YzolMDA=", {.raw = true});
    REQUIRE(raw.has_value());
    CHECK(raw->password() == "%00");
}

TEST_CASE("RFC 6749 App. B: decoded octets are checked against the charset policy", "[basic]")
{
    const auto utf8 = decode_oauth_client_basic("YzolQzMlQTk=");  // c:%C3%A9
    REQUIRE(utf8.has_value());
    CHECK(utf8->password() == "\xC3\xA9");
    CHECK(utf8->encoding() == text_encoding::utf8);

    const auto ff = decode_oauth_client_basic("YzolRkY=");  // c:%FF
    REQUIRE(ff.has_error());
    CHECK(ff.error() == errc::basic_invalid_utf8);
    const auto ff_octets = decode_oauth_client_basic("YzolRkY=", {.basic = {.charset = charset_policy::octets}});
    REQUIRE(ff_octets.has_value());
    CHECK(ff_octets->password() == "\xFF");
    CHECK(ff_octets->encoding() == text_encoding::unchecked);

    // The raw switch skips form-decoding, not the charset check.
    const auto raw = decode_oauth_client_basic("YzrD", {.raw = true});  // c:\xC3
    REQUIRE(raw.has_error());
    CHECK(raw.error() == errc::basic_invalid_utf8);
}

TEST_CASE("RFC 6749 §2.3.1: Basic decoding errors pass through decode_oauth_client_basic", "[basic]")
{
    for (const bool raw : {false, true}) {
        const oauth_basic_options opt{.raw = raw};
        CHECK(decode_oauth_client_basic("dXNlcg==", opt).error() == errc::basic_missing_colon);
        CHECK(decode_oauth_client_basic("YTo-Pj4=", opt).error() == errc::base64_invalid_character);
        CHECK(decode_oauth_client_basic("dXNlcjpwYXM", opt).error() == errc::base64_invalid_padding);
        CHECK(decode_oauth_client_basic("dXMAZXI6cGFzcw==", opt).error() == errc::basic_control_character);
        CHECK(decode_oauth_client_basic(std::string(4100, 'A'), opt).error() == errc::basic_token_too_large);
    }
    const auto padded = decode_oauth_client_basic("dXNlcjpwYXM", {.basic = {.allow_missing_padding = true}});
    REQUIRE(padded.has_value());
    CHECK(padded->password() == "pas");
}

TEST_CASE("RFC 6749 App. B: encode_oauth_client_basic and decode_oauth_client_basic round-trip", "[basic]")
{
    const std::string_view ids[] = {"plain", "with space", "a:b:c", "p%25", "+/=?&#", "caf\xC3\xA9", "a*-._~"};
    for (const std::string_view id : ids) {
        for (const std::string_view secret : ids) {
            INFO(id << " / " << secret);
            const auto h = encode_oauth_client_basic(id, secret);
            REQUIRE(h.has_value());
            REQUIRE(h->starts_with("Basic "));
            const auto c = decode_oauth_client_basic(std::string_view(*h).substr(6));
            REQUIRE(c.has_value());
            CHECK(c->user_id() == id);
            CHECK(c->password() == secret);
        }
    }
}

TEST_CASE("RFC 6749 App. B: a long form-encoded secret is decoded on the heap path", "[basic]")
{
    std::string secret;
    for (int i = 0; i < 100; ++i) secret += "a+b%2F";  // 600 octets, decodes to 400
    const auto c = decode_oauth_client_basic(apiauth::encoding::base64::encode("client:" + secret));
    REQUIRE(c.has_value());
    std::string want;
    for (int i = 0; i < 100; ++i) want += "a b/";
    CHECK(c->password() == want);
    const basic_credentials copy = *c;
    CHECK(copy.password() == want);
}

TEST_CASE("RFC 7617 §2: encode_oauth_client_basic refuses control characters the decoder would refuse", "[basic]")
{
    CHECK(encode_oauth_client_basic("c", "a\nb").error() == errc::basic_control_character);
    CHECK(encode_oauth_client_basic(std::string_view("c\0d", 3), "s").error() == errc::basic_control_character);
    CHECK(encode_oauth_client_basic("c", "a\x7f").error() == errc::basic_control_character);
    CHECK(encode_oauth_client_basic("c", "a b").has_value());  // SP is not a CTL
}

}  // namespace http_basic_test
