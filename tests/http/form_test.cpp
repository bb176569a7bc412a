// Tests for apiauth/http/form.hpp: application/x-www-form-urlencoded (RFC 6749
// Appendix B, WHATWG URL §5.1 parser and §5.2 serializer, RFC 3986 §2.1
// percent-encoding), with RFC 6749 §3.1/§3.2 on empty and repeated parameters.
// The last test compares parse_form with Python's urllib.parse.parse_qsl.
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace http_form_test {

using apiauth::errc;
using apiauth::http::decode_form_component;
using apiauth::http::encode_form_component;
using apiauth::http::form_options;
using apiauth::http::form_pair;
using apiauth::http::form_view;
using apiauth::http::parse_form;
using namespace std::string_view_literals;

namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

std::string dec(std::string_view s)
{
    return decode_form_component(s).value();
}

// Every parameter of a form, decoded.
pairs decoded(const form_view& f)
{
    pairs out;
    for (const form_pair& p : f) out.emplace_back(dec(p.name), dec(p.value));
    return out;
}

// parse_form must fail on `text` with `e`.
void check_refused(std::string_view text, errc e, form_options opt = {})
{
    INFO("form: " << text);
    const auto f = parse_form(text, opt);
    REQUIRE(f.has_error());
    CHECK(f.error() == e);
}

}  // namespace

// ---- good input -------------------------------------------------------------------------------------------------

TEST_CASE("RFC 6749 App. B / WHATWG URL §5.1: '+' is a space, %20 a space, %2B a '+'", "[form]")
{
    const auto f = parse_form("a=x+y&b=x%20y&c=x%2By&d=%2B+%2b");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"a", "x y"}, {"b", "x y"}, {"c", "x+y"}, {"d", "+ +"}});
    CHECK(f->begin()->value == "x+y");  // iteration yields the pairs still encoded
    CHECK(f->text() == "a=x+y&b=x%20y&c=x%2By&d=%2B+%2b");
}

TEST_CASE("RFC 6749 App. B: names are decoded like values before they are compared", "[form]")
{
    const auto f = parse_form("grant%5Ftype=client_credentials&my+name=1");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"grant_type", "client_credentials"}, {"my name", "1"}});
    CHECK(f->find("grant_type") == "client_credentials");
    CHECK(f->find("my name") == "1");
    CHECK(f->find("my+name") == std::nullopt);
}

TEST_CASE("RFC 3986 §2.1: the hex digits of an escape may be either case", "[form]")
{
    const auto f = parse_form("a=%c3%a9%C3%A9");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"a", "\xC3\xA9\xC3\xA9"}});
}

TEST_CASE("RFC 6749 App. B: UTF-8 names and values decode (RFC 3629)", "[form]")
{
    const auto f = parse_form("caf%C3%A9=%E2%82%AC%F0%9F%98%80&x=%F4%8F%BF%BF");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"caf\xC3\xA9", "\xE2\x82\xAC\xF0\x9F\x98\x80"}, {"x", "\xF4\x8F\xBF\xBF"}});
}

TEST_CASE("WHATWG URL §5.1: empty pairs ('&&', a leading or trailing '&') are not parameters", "[form]")
{
    const auto f = parse_form("&a=1&&b=2&");
    REQUIRE(f.has_value());
    CHECK(f->size() == 2);
    CHECK(decoded(*f) == pairs{{"a", "1"}, {"b", "2"}});
    for (const std::string_view text : {""sv, "&"sv, "&&&"sv}) {
        const auto e = parse_form(text);
        REQUIRE(e.has_value());
        CHECK(e->empty());
        CHECK(e->begin() == e->end());
    }
}

TEST_CASE("WHATWG URL §5.1: a pair is split at its first '=', '=' inside a value is data", "[form]")
{
    const auto f = parse_form("a==b=c&d=%3D");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"a", "=b=c"}, {"d", "="}});
}

TEST_CASE("WHATWG URL §5.1: only '&' separates pairs, a semicolon is data", "[form]")
{
    const auto f = parse_form("a=1;b=2");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"a", "1;b=2"}});
}

TEST_CASE("RFC 6749 §3.1: an empty value is present-but-empty for find(), OAuth callers treat it as absent", "[form]")
{
    const auto f = parse_form("scope=&state&=x&code=abc");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"scope", ""}, {"state", ""}, {"", "x"}, {"code", "abc"}});
    CHECK(f->find("scope") == ""sv);  // present, empty: the caller treats it as omitted
    CHECK(f->find("state") == ""sv);  // no '=' at all: the same
    CHECK(f->find("") == "x"sv);
    CHECK(f->find("missing") == std::nullopt);
    CHECK(f->find("code") == "abc"sv);
}

TEST_CASE("RFC 6749 §3.1: find() matches decoded names exactly and case-sensitively", "[form]")
{
    const auto f = parse_form("Grant_Type=x&grant_type2=y");
    REQUIRE(f.has_value());
    CHECK(f->find("grant_type") == std::nullopt);
    CHECK(f->find("grant_typ") == std::nullopt);
    CHECK(f->find("Grant_Type") == "x"sv);
}

TEST_CASE("RFC 3986 §3.4: every query character but '&' and '=' is data, '/' and '?' too", "[form]")
{
    const auto f = parse_form("redirect_uri=https://a.example/cb?x=1&s=!$'()*,;:@~-._");
    REQUIRE(f.has_value());
    CHECK(decoded(*f) == pairs{{"redirect_uri", "https://a.example/cb?x=1"}, {"s", "!$'()*,;:@~-._"}});
}

TEST_CASE("form_view: a forward iterator over views into the text, nothing copied", "[form]")
{
    static_assert(std::forward_iterator<form_view::iterator>);
    const std::string text = "a=1&b=2&c";
    const auto f = parse_form(text);
    REQUIRE(f.has_value());
    const form_view copy = *f;
    CHECK(std::distance(copy.begin(), copy.end()) == 3);
    auto it = copy.begin();
    const auto old = it++;
    CHECK(old->name == "a");
    CHECK(it->name == "b");
    CHECK(it->name.data() == text.data() + 4);
    ++it;
    CHECK(it->value.empty());
    CHECK(it->value.data() == text.data() + text.size());  // an absent value sits just past its name
    CHECK(++it == copy.end());
    CHECK(form_view().empty());
}

// ---- rejections -------------------------------------------------------------------------------------------------

TEST_CASE("RFC 3986 §2.1: '%4', '%zz' and a '%' at the end are malformed_form_body", "[form]")
{
    for (const std::string_view text : {"a=%4"sv, "a=%zz"sv, "a=%"sv, "a=%4g"sv, "%=1"sv, "a%2=1"sv, "a=1&b=%"sv}) {
        check_refused(text, errc::malformed_form_body);
    }
    CHECK(apiauth::http_status(apiauth::make_error_code(errc::malformed_form_body)) == 400);
    CHECK(apiauth::oauth_error(apiauth::make_error_code(errc::malformed_form_body), apiauth::endpoint::token) ==
          "invalid_request");
}

TEST_CASE("RFC 3986 §3.4: octets outside the query grammar are malformed_form_body", "[form]")
{
    // A form serializer escapes all of these (WHATWG URL §5.2); the parser does not guess.
    for (const std::string_view text :
         {"a=b c"sv, "a=\"x\""sv, "a=#"sv, "a=<"sv, "a=[]"sv, "a=\\"sv, "a=^"sv, "a=`"sv, "a={}"sv, "a=|"sv,
          "a=caf\xC3\xA9"sv, "a=\x7F"sv, "a=\t"sv, "a=1\r\n"sv, "a=\0"sv}) {
        check_refused(text, errc::malformed_form_body);
    }
}

TEST_CASE("RFC 3986 §3.4: the 16-octet character check agrees with Boost.URL's query charset on every octet", "[form]")
{
    // all_form_chars tests sixteen octets at a time (SSE2) and falls back to form_chars octet by
    // octet; Boost.URL's own find_if_not over the same charset is the independent answer. Every
    // octet value at every position of 40- and 47-octet texts (full steps and a tail), then
    // random texts over a mix of the fast set, other query characters and arbitrary octets.
    namespace f = apiauth::detail::form;
    const auto boost_answer = [](std::string_view s) {
        return boost::urls::grammar::find_if_not(s.data(), s.data() + s.size(), f::form_chars) == s.data() + s.size();
    };
    std::size_t refused = 0;
    for (const std::size_t len : {std::size_t{40}, std::size_t{47}}) {
        const std::string base(len, 'a');
        for (std::size_t pos = 0; pos < len; ++pos)
            for (int c = 0; c < 256; ++c) {
                std::string s = base;
                s[pos] = static_cast<char>(c);
                const bool want = boost_answer(s);
                refused += want ? 0 : 1;
                if (f::all_form_chars(s) != want) FAIL("octet " << c << " at " << pos << " of " << len);
            }
    }
    // 82 octets are allowed: ALPHA DIGIT "-._~" (66), the sub-delims (11), ":@/?" and "%".
    CHECK(refused == (40 + 47) * (256 - 82));
    std::mt19937 rng(20261206);
    const std::string fast = "ABCxyz0129-._~=&%+";
    const std::string other = "!$'()*,;:@/?";
    std::size_t accepted = 0;
    for (int n = 0; n < 20000; ++n) {
        std::string s(rng() % 70, '\0');
        for (char& c : s) {
            const auto r = rng() % 100;
            c = r < 90 ? fast[rng() % fast.size()] : r < 97 ? other[rng() % other.size()] : static_cast<char>(rng());
        }
        const bool want = boost_answer(s);
        accepted += want ? 1 : 0;
        REQUIRE(f::all_form_chars(s) == want);
    }
    CHECK(accepted > 1000);
    CHECK(accepted < 19000);
}

TEST_CASE("RFC 3629 §4: a name or value that does not decode to UTF-8 is form_invalid_utf8", "[form]")
{
    for (const std::string_view text : {"a=%FF"sv, "a=%C3"sv, "a=%A9"sv, "%C3=1"sv, "a=%C3%28"sv,
                                        "a=%C0%AF"sv,              // overlong '/'
                                        "a=%E0%80%AF"sv,           // overlong, three octets
                                        "a=%ED%A0%80"sv,           // U+D800, a surrogate
                                        "a=%ED%BF%BF"sv,           // U+DFFF
                                        "a=%F4%90%80%80"sv,        // past U+10FFFF
                                        "a=%F8%88%80%80%80"sv}) {  // five octets
        check_refused(text, errc::form_invalid_utf8);
    }
    const auto raw = parse_form("a=%FF&b=%ED%A0%80", {.require_utf8 = false});
    REQUIRE(raw.has_value());
    CHECK(decoded(*raw) == pairs{{"a", "\xFF"}, {"b", "\xED\xA0\x80"}});
}

TEST_CASE("Bounds: a text longer than max_size (64 KiB) is body_too_large, before anything else", "[form]")
{
    const std::string ok(64 * 1024, 'a');
    CHECK(parse_form(ok).has_value());
    check_refused(ok + "a", errc::body_too_large);
    check_refused("a=%zz&b", errc::body_too_large, {.max_size = 6});  // the bound comes first
    CHECK(parse_form("a=1", {.max_size = 3}).has_value());
    CHECK(apiauth::http_status(apiauth::make_error_code(errc::body_too_large)) == 413);
}

TEST_CASE("Bounds: more than max_params (64) parameters is too_many_parameters, before the grammar", "[form]")
{
    std::string text;
    for (int i = 0; i < 64; ++i) text += "p" + std::to_string(i) + "=1&";
    const auto f = parse_form(text);
    REQUIRE(f.has_value());
    CHECK(f->size() == 64);
    check_refused(text + "p64=1", errc::too_many_parameters);
    check_refused("a&b&c", errc::too_many_parameters, {.max_params = 2});
    check_refused("a&b&%zz", errc::too_many_parameters, {.max_params = 2});  // a bound, checked first
    CHECK(parse_form("a&&&&b&", {.max_params = 2}).has_value());             // empty pairs do not count
}

TEST_CASE("RFC 6749 §3.1, §3.2: a name sent twice is duplicate_parameter, raw or after decoding", "[form]")
{
    check_refused("a=1&a=2", errc::duplicate_parameter);
    check_refused("a=1&%61=2", errc::duplicate_parameter);
    check_refused("a+b=1&a%20b=2", errc::duplicate_parameter);
    check_refused("a=&a=1", errc::duplicate_parameter);  // an empty value is still a parameter sent
    check_refused("a&a", errc::duplicate_parameter);
    check_refused("=1&=2", errc::duplicate_parameter);
    CHECK(parse_form("a=1&A=2&a+=3&ab=4&%61b%2B=5").has_value());  // exact, case-sensitive
    const auto both = parse_form("a=1&a=2", {.reject_duplicates = false});
    REQUIRE(both.has_value());
    CHECK(both->find("a") == "1"sv);  // the first occurrence
}

TEST_CASE("RFC 6749 §3.1: duplicates are found past the 64th parameter when max_params is raised", "[form]")
{
    std::string text;
    for (int i = 0; i < 100; ++i) text += "p" + std::to_string(i) + "=1&";
    CHECK(parse_form(text, {.max_params = 200}).has_value());
    check_refused(text + "p3=2", errc::duplicate_parameter, {.max_params = 200});
    check_refused(text + "p%37%30=2", errc::duplicate_parameter, {.max_params = 200});  // p70, after the 64th
}

TEST_CASE("parse_form: errors come in a fixed order (bounds, grammar, then pair by pair)", "[form]")
{
    check_refused("a=1&a=%zz", errc::malformed_form_body);  // the grammar of the whole text before duplicates
    check_refused("a=1&a=%FF", errc::form_invalid_utf8);    // a pair's UTF-8 before its name is compared
    check_refused("a=1&a=2&c=%FF", errc::duplicate_parameter);
}

TEST_CASE("parse_form's one-pass scan gives every answer its checks one after another give, 400,000 forms",
          "[form][differential]")
{
    // parse_form first scans the text once (characters, pairs, escapes and their UTF-8 at once,
    // sixteen octets a step); a text that is not clean, or has too many pairs, takes the checks
    // one after another (detail::form::form_access::checked), which give the error in its
    // order. The scan must never call clean what those checks refuse, and must count the same
    // pairs: the two are compared here on forms built from the pieces that matter (RFC 3986
    // §2.1 escapes, RFC 3629 §4 sequences split or broken, '&&', '=', '+', octets outside the
    // grammar), at every offset around the 16-octet steps.
    // clang-format off
    const std::string_view pieces[] = {
        "a", "a=1&", "=", "%61=2&", "&", "&", "&&", "+", "x=1", "grant_type", "client_credentials", "%3A", "%2f", "%41", "%25",
        "%C3%A9", "%c3%a9", "%C3", "%A9", "%E2%82%AC", "%E2%82", "%F0%9F%98%80", "%F0%9F%98", "%E0%80%80", "%ED%A0%80",
        "%F4%90%80%80", "%C0%80", "%FF", "%80", "%7F", "%00", "%4", "%zz", "%", "%%41", " ", "#", "<", ">", "\"",
        "\x80", "\xC3\xA9", "[", "{", "|", "^", "`", ";", ":", "@", "/", "?", "!", "$", "'", "(", ")", "*", ",", "~",
        "_", "-", ".", "0123456789abcdef", "ABCDEFGHIJKLMNOP"};
    // clang-format on
    const form_options options[] = {
        {},
        {.reject_duplicates = false},
        {.require_utf8 = false},
        {.reject_duplicates = false, .require_utf8 = false},
        {.max_params = 2},
        {.max_params = 3, .reject_duplicates = false},
    };
    std::mt19937_64 rng(6749);
    std::size_t accepted = 0;
    std::map<errc, std::size_t> refused;
    for (int iter = 0; iter < 400000; ++iter) {
        std::string text(rng() % 24, 'k');  // a run of plain octets first: shifts the rest across the steps
        const std::size_t n = rng() % 14;
        for (std::size_t k = 0; k < n; ++k) {
            // Mostly well-formed pieces, so that half the forms are accepted.
            const std::size_t pick = rng() % 4 == 0 ? rng() % std::size(pieces) : rng() % 20;
            text += pieces[pick];
        }
        const form_options& opt = options[rng() % std::size(options)];
        const auto fast = parse_form(text, opt);
        const auto checked = apiauth::detail::form::form_access::checked(text, opt);
        INFO("form: " << text << "; max_params " << opt.max_params << ", reject_duplicates " << opt.reject_duplicates
                      << ", require_utf8 " << opt.require_utf8);
        REQUIRE(fast.has_value() == checked.has_value());
        if (fast) {
            ++accepted;
            CHECK(fast->size() == checked->size());
            CHECK(fast->text().data() == checked->text().data());
            CHECK(static_cast<std::size_t>(std::distance(fast->begin(), fast->end())) == fast->size());
        } else {
            REQUIRE(fast.error() == checked.error());
            ++refused[static_cast<errc>(fast.error().value())];
        }
    }
    for (const auto& [e, k] : refused) UNSCOPED_INFO(apiauth::make_error_code(e).message() << ": " << k);
    CHECK(accepted > 100000);  // each answer was exercised
    CHECK(refused[errc::malformed_form_body] > 10000);
    CHECK(refused[errc::form_invalid_utf8] > 10000);
    CHECK(refused[errc::duplicate_parameter] > 500);  // only once every earlier check passed
    CHECK(refused[errc::too_many_parameters] > 10000);
}

// ---- decode_form_component and encode_form_component ------------------------------------------------------------

TEST_CASE("RFC 6749 App. B: decode_form_component into a caller's buffer, in place, or a new string", "[form]")
{
    std::array<char, 16> buf{};
    const auto n = decode_form_component("a+b%2Fc", buf);
    REQUIRE(n.has_value());
    CHECK(std::string_view(buf.data(), *n) == "a b/c");

    std::string in_place = "x%3Ay+z";
    const auto m = decode_form_component(in_place, std::span<char>(in_place));
    REQUIRE(m.has_value());
    CHECK(in_place.substr(0, *m) == "x:y z");

    CHECK(decode_form_component("%E2%82%AC+1").value() == "\xE2\x82\xAC 1");
    CHECK(decode_form_component("").value().empty());
    // Only the escapes are checked (RFC 6749 §2.3.1 credentials are decoded this way).
    CHECK(decode_form_component("a&b=c d").value() == "a&b=c d");
    CHECK(decode_form_component("%FF%00").value() == std::string("\xFF\0", 2));
}

TEST_CASE("RFC 3986 §2.1: decode_form_component refuses bad escapes and a short buffer", "[form]")
{
    for (const std::string_view bad : {"%4"sv, "%zz"sv, "%"sv, "a%"sv, "%%41"sv, "%4%41"sv}) {
        INFO(bad);
        const auto r = decode_form_component(bad);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::malformed_form_body);
        std::array<char, 8> buf{};
        CHECK(decode_form_component(bad, buf).error() == errc::malformed_form_body);
    }
    std::array<char, 2> small{};
    CHECK(decode_form_component("abc", small).error() == errc::buffer_too_small);
    CHECK(decode_form_component("%41%42", small).value() == 2);  // the decoded size is what counts
}

TEST_CASE("WHATWG URL §5.2: encode_form_component keeps ALPHA DIGIT *-._, writes SP as '+', escapes the rest", "[form]")
{
    CHECK(encode_form_component("abcXYZ019*-._") == "abcXYZ019*-._");
    CHECK(encode_form_component("a b+c") == "a+b%2Bc");
    CHECK(encode_form_component("~!'()/:?=&%;") == "%7E%21%27%28%29%2F%3A%3F%3D%26%25%3B");
    CHECK(encode_form_component("caf\xC3\xA9") == "caf%C3%A9");
}

TEST_CASE("RFC 6749 App. B: every octet survives encode_form_component, parse_form and decoding", "[form]")
{
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    const std::string enc = encode_form_component(all);
    CHECK(decode_form_component(enc).value() == all);
    const std::string body = "k=" + enc;
    const auto f = parse_form(body, {.require_utf8 = false});
    REQUIRE(f.has_value());
    CHECK(dec(f->find("k").value()) == all);
    check_refused(body, errc::form_invalid_utf8);  // not UTF-8 as a whole
}

// ---- differential test against Python ---------------------------------------------------------------------------

namespace {

// The reference, run once over a file of hex-encoded forms: Python's
// parse_qsl with UTF-8 decoding that refuses invalid UTF-8. Per form: "E" if
// Python refuses it, else "K" and the decoded pairs, "<hex name>:<hex value>".
constexpr std::string_view python_reference = R"py(
import sys
from urllib.parse import parse_qsl
for line in open(sys.argv[1]):
    try:
        s = bytes.fromhex(line.strip()).decode("utf-8", "strict")
        pairs = parse_qsl(s, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        print("E")
        continue
    print(" ".join(["K"] + [n.encode().hex() + ":" + v.encode().hex() for n, v in pairs]))
)py";

std::string hex(std::string_view s)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : s) {
        out.push_back(digits[static_cast<unsigned char>(c) >> 4]);
        out.push_back(digits[static_cast<unsigned char>(c) & 15]);
    }
    return out;
}

// Written independently of form.hpp: an escape that is not "%" HEXDIG HEXDIG,
// or an octet outside the RFC 3986 §3.4 query characters.
bool outside_grammar(std::string_view s)
{
    constexpr std::string_view other = "-._~!$&'()*+,;=:@/?";
    const auto hexdig = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '%') {
            if (s.size() - i < 3 || !hexdig(s[i + 1]) || !hexdig(s[i + 2])) return true;
            i += 2;
        } else if (!(std::isalnum(c) && c < 0x80) && other.find(static_cast<char>(c)) == std::string_view::npos) {
            return true;
        }
    }
    return false;
}

// Random forms from an alphabet rich in '%', '+', '&', '=', hex digits and
// UTF-8 (escaped and raw, good and bad), with names from a few so that they repeat.
std::vector<std::string> generate_forms(std::size_t count)
{
    static constexpr std::string_view good[] = {"+",
                                                "+",
                                                "&",
                                                "&",
                                                "=",
                                                "=",
                                                "a",
                                                "b",
                                                "F",
                                                "0",
                                                "9",
                                                "c",
                                                "e",
                                                "3",
                                                "~",
                                                ";",
                                                "/",
                                                "?",
                                                "x",
                                                "%41",
                                                "%61",
                                                "%2B",
                                                "%2b",
                                                "%20",
                                                "%3D",
                                                "%26",
                                                "%25",
                                                "%C3%A9",
                                                "%c3%a9",
                                                "%E2%82%AC",
                                                "%F0%9F%98%80",
                                                "%F4%8F%BF%BF"};
    // Refused by parse_form: Python tolerates the first four, and refuses the rest (not UTF-8).
    static constexpr std::string_view bad[] = {"%",   "%4",  "%zz", " ",      "\xC3\xA9", "%E2%82",
                                               "%C3", "%FF", "%80", "%C0%AF", "%ED%A0%80"};
    static constexpr std::string_view names[] = {"a", "b", "%61", "a+", "a%20", "client_id", "", "c", "%C3%A9"};
    std::mt19937 rng(20261205);  // fixed: the same forms on every run
    std::uniform_int_distribution<std::size_t> pairs_of(0, 10), pieces_of(0, 4), coin(0, 9), rare(0, 39);
    const auto one_of = [&rng](const auto& list) {
        return list[std::uniform_int_distribution<std::size_t>(0, std::size(list) - 1)(rng)];
    };
    const auto piece = [&] { return rare(rng) == 0 ? one_of(bad) : one_of(good); };
    std::vector<std::string> forms;
    forms.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::string s;
        const std::size_t n = pairs_of(rng);
        for (std::size_t k = 0; k < n; ++k) {
            if (k > 0) s += coin(rng) == 0 ? "&&" : "&";
            if (coin(rng) < 5) {
                s += one_of(names);
            } else {
                for (std::size_t m = pieces_of(rng) + 1; m > 0; --m) s += piece();
            }
            if (coin(rng) < 8) s += '=';
            for (std::size_t m = pieces_of(rng); m > 0; --m) s += piece();
        }
        forms.push_back(std::move(s));
    }
    return forms;
}

}  // namespace

TEST_CASE("WHATWG URL §5.1 / RFC 6749 App. B: parse_form agrees with Python's parse_qsl on 5 000 random forms",
          "[form][python]")
{
    constexpr const char* python = "/usr/bin/python3";
    REQUIRE(::access(python, X_OK) == 0);  // a declared test dependency: missing, the test fails

    const form_options opt{.max_params = 8};
    const std::vector<std::string> forms = generate_forms(5000);
    const auto dir = std::filesystem::temp_directory_path() / ("apiauth-form-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto input = dir / "forms.txt", script = dir / "reference.py";
    {
        std::ofstream in(input);
        for (const std::string& f : forms) in << hex(f) << '\n';
        std::ofstream(script) << python_reference;
    }
    const std::string cmd = std::string(python) + " " + script.string() + " " + input.string();
    FILE* const out = ::popen(cmd.c_str(), "r");
    REQUIRE(out != nullptr);
    std::vector<std::string> answers;
    {
        std::string line;
        std::array<char, 4096> buf{};
        while (std::fgets(buf.data(), static_cast<int>(buf.size()), out) != nullptr) {
            line += buf.data();
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
                answers.push_back(std::move(line));
                line.clear();
            }
        }
    }
    REQUIRE(::pclose(out) == 0);
    std::filesystem::remove_all(dir);
    REQUIRE(answers.size() == forms.size());

    std::map<std::string, std::size_t> outcomes;
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < forms.size(); ++i) {
        const std::string& line = answers[i];
        const bool python_accepts = line.starts_with("K");
        const auto ours = parse_form(forms[i], opt);
        std::string why;  // empty: consistent
        std::string outcome;
        if (ours && python_accepts) {
            std::string mine = "K";
            for (const form_pair& p : *ours) {
                // The owning and the span decoders agree.
                const std::string n = dec(p.name), v = dec(p.value);
                std::array<char, 256> buf{};
                const auto k = decode_form_component(p.value, buf);
                if (!k || std::string_view(buf.data(), *k) != v) why = "decoders disagree";
                mine += " " + hex(n) + ":" + hex(v);
            }
            if (mine != line) why = "different pairs: " + mine;
            outcome = "both accept";
        } else if (ours) {
            why = "python refuses what parse_form accepts";
        } else if (python_accepts) {
            // By design: parse_form is stricter. Each refusal is checked against Python's own pairs.
            std::vector<std::string> names;
            for (std::size_t p = 2; p < line.size();) {
                const std::size_t sp = std::min(line.find(' ', p), line.size());
                names.push_back(line.substr(p, line.find(':', p) - p));
                p = sp + 1;
            }
            const std::set<std::string> distinct(names.begin(), names.end());
            const std::error_code e = ours.error();
            if (e == errc::malformed_form_body) {
                if (!outside_grammar(forms[i])) why = "malformed_form_body without a bad escape or octet";
                outcome = "python tolerates a bad escape or octet";
            } else if (e == errc::too_many_parameters) {
                if (names.size() <= opt.max_params) why = "too_many_parameters, yet python has few";
                outcome = "over max_params";
            } else if (e == errc::duplicate_parameter) {
                if (distinct.size() == names.size()) why = "duplicate_parameter, yet python's names are distinct";
                outcome = "duplicate name";
            } else {
                why = "unexpected error " + e.message();
            }
        } else {
            outcome = "both refuse";
        }
        ++outcomes[outcome];
        if (!why.empty() && ++mismatches <= 5) {
            INFO("form (hex): " << hex(forms[i]));
            INFO("python: " << line);
            FAIL_CHECK(why);
        }
    }
    CHECK(mismatches == 0);
    // The generator must reach every outcome, or the comparison proves little.
    for (const char* o : {"both accept", "both refuse", "python tolerates a bad escape or octet", "over max_params",
                          "duplicate name"}) {
        INFO(o);
        CHECK(outcomes[o] > 100);
    }
    std::string spread;
    for (const auto& [o, n] : outcomes) spread += "\n  " + o + ": " + std::to_string(n);
    WARN("python differential: " << forms.size() << " forms, " << mismatches << " mismatches" << spread);
}

}  // namespace http_form_test
