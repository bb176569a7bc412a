// fuzz_challenge — WWW-Authenticate: parse_challenges (RFC 9110 §11.6.1) and the challenge writers.
//
// Input: one control byte, then up to five LF-separated pieces (the fifth takes the rest, LFs included):
//     <ctl> piece0 LF piece1 LF piece2 LF piece3 LF piece4
// (ctl XOR '0') & 3 is the number of field lines parsed, 1-3 ('0' and '1' both mean one line); bits 2-4 pick
// small bounds (max_params, max_challenges, max_empty_elements).
// Parser: the first 1-3 pieces are the field lines, and each line is also parsed on its own. Checks: failures are
// documented errors; on success no line holds a CTL but HTAB, there are at most max_challenges challenges, each
// scheme is a token that views into a line, token68 and params are never both set, params.size() equals the
// iteration count and respects max_params, names are unique case-insensitively and found by find(), and
// str()/raw()/==/iequals of every value agree.
// Writers: the pieces are realm, error, error_description, error_uri and scope of a Bearer challenge (all five,
// then each alone) and the realm of a Basic challenge (with and without charset). When a writer succeeds its
// output parses back to exactly one challenge of the same scheme whose parameters are the ones given, with the
// same values (error_description as sanitized: equal when the input needed no change, else within
// %x20-21 / %x23-5B / %x5D-7E). Any failure abort()s.
#include "fuzz_check.hpp"

#include <apiauth/http/challenge.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using apiauth::errc;
using apiauth::http::challenge_view;
using apiauth::http::parse_options;
namespace d = apiauth::detail;

bool is_error(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool is_token(std::string_view s)
{
    return !s.empty() && d::all_of(s, d::cc_tchar);
}

bool is_token68(std::string_view s)
{
    std::size_t i = d::span_of(s, d::cc_token68);
    if (i == 0) return false;
    while (i < s.size() && s[i] == '=') ++i;
    return i == s.size();
}

bool within_any(std::string_view part, std::span<const std::string_view> lines)
{
    for (const std::string_view l : lines)
        if (part.data() >= l.data() && part.data() + part.size() <= l.data() + l.size()) return true;
    return false;
}

std::string upper(std::string_view s)
{
    std::string u(s);
    for (char& c : u)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return u;
}

// Iterates every parameter of `ch` and checks the invariants of a parsed challenge.
void check_challenge(const challenge_view& ch, std::span<const std::string_view> lines, const parse_options& opt)
{
    FUZZ_CHECK(is_token(ch.scheme) && within_any(ch.scheme, lines));
    FUZZ_CHECK(ch.is(upper(ch.scheme)));
    FUZZ_CHECK(ch.token68.empty() || ch.params.empty());
    if (!ch.token68.empty()) FUZZ_CHECK(is_token68(ch.token68) && within_any(ch.token68, lines));
    const std::size_t limit = opt.max_params < d::max_params_cap ? opt.max_params : d::max_params_cap;
    std::string_view names[d::max_params_cap];
    std::size_t n = 0;
    for (const auto& p : ch.params) {
        FUZZ_CHECK(n < limit);
        FUZZ_CHECK(is_token(p.name) && within_any(p.name, lines));
        for (std::size_t k = 0; k < n; ++k) FUZZ_CHECK(!d::iequals(names[k], p.name));
        names[n++] = p.name;
        const std::string_view raw = p.value.raw();
        FUZZ_CHECK(within_any(raw, lines));
        const std::string s = p.value.str();
        FUZZ_CHECK(p.value == s && p.value.iequals(upper(s)) && !(p.value == s + "!"));
        if (!p.value.has_escapes()) FUZZ_CHECK(s == raw);
        if (!p.value.is_quoted()) FUZZ_CHECK(is_token(raw));
        const auto f = ch.params.find(upper(p.name));
        FUZZ_CHECK(f && f->raw().data() == raw.data());
    }
    FUZZ_CHECK(n == ch.params.size());
}

void check_parse(std::span<const std::string_view> lines, const parse_options& opt)
{
    const auto r = apiauth::http::parse_challenges(lines, opt);
    if (!r) {
        const std::error_code ec = r.error();
        FUZZ_CHECK(is_error(ec, errc::header_too_large) || is_error(ec, errc::invalid_field_value) ||
                   is_error(ec, errc::malformed_challenge) || is_error(ec, errc::duplicate_parameter) ||
                   is_error(ec, errc::too_many_parameters));
        if (is_error(ec, errc::invalid_field_value)) {
            bool ctl = false;
            for (const std::string_view l : lines) ctl = ctl || d::has_forbidden_ctl(l);
            FUZZ_CHECK(ctl);
        }
        return;
    }
    FUZZ_CHECK(r->size() <= opt.max_challenges);
    for (const std::string_view l : lines) FUZZ_CHECK(l.size() <= opt.max_size && !d::has_forbidden_ctl(l));
    for (const challenge_view& ch : *r) check_challenge(ch, lines, opt);
}

// `header` must parse back to one challenge of `scheme` whose parameters are exactly `want` (name, value).
struct expected_param {
    std::string_view name;
    std::string_view value;
    bool sanitized;  // error_description: the value as written may differ from the input
};

void check_round_trip(const std::string& header, std::string_view scheme, std::span<const expected_param> want)
{
    const parse_options big{.max_size = header.size(), .max_params = 8};
    const auto r = apiauth::http::parse_challenges(header, big);
    FUZZ_CHECK(r && r->size() == 1);
    const challenge_view& ch = r->front();
    FUZZ_CHECK(ch.scheme == scheme && ch.token68.empty());
    FUZZ_CHECK(ch.params.size() == want.size());
    std::size_t i = 0;
    for (const auto& p : ch.params) {
        FUZZ_CHECK(i < want.size() && p.name == want[i].name);
        FUZZ_CHECK(p.value.is_quoted());
        if (!want[i].sanitized) {
            FUZZ_CHECK(p.value == want[i].value && p.value.str() == want[i].value);
        } else {
            const std::string s = p.value.str();
            FUZZ_CHECK(!s.empty() && s.size() <= want[i].value.size() && d::all_of(s, d::cc_nqschar));
            if (d::all_of(want[i].value, d::cc_nqschar)) FUZZ_CHECK(s == want[i].value);
        }
        ++i;
    }
}

void check_bearer_writer(const apiauth::http::bearer_challenge& c)
{
    const auto w = apiauth::http::write_bearer_challenge(c);
    if (!w) {
        FUZZ_CHECK(is_error(w.error(), errc::invalid_challenge_value) || is_error(w.error(), errc::empty_challenge));
        if (is_error(w.error(), errc::empty_challenge))
            FUZZ_CHECK(c.realm.empty() && c.scope.empty() && c.error.empty() && c.error_description.empty() &&
                       c.error_uri.empty());
        return;
    }
    FUZZ_CHECK(!d::has_ctl(*w));
    expected_param want[5];
    std::size_t n = 0;
    if (!c.realm.empty()) want[n++] = {"realm", c.realm, false};
    if (!c.error.empty()) want[n++] = {"error", c.error, false};
    if (!c.error_description.empty()) want[n++] = {"error_description", c.error_description, true};
    if (!c.error_uri.empty()) want[n++] = {"error_uri", c.error_uri, false};
    if (!c.scope.empty()) want[n++] = {"scope", c.scope, false};
    check_round_trip(*w, "Bearer", std::span<const expected_param>(want, n));
}

void check_basic_writer(std::string_view realm, bool utf8)
{
    const auto w = apiauth::http::write_basic_challenge(realm, utf8);
    if (!w) {
        FUZZ_CHECK(is_error(w.error(), errc::invalid_challenge_value));
        FUZZ_CHECK(d::has_ctl(realm) || d::span_of(realm, d::cc_vschar) != realm.size());
        return;
    }
    FUZZ_CHECK(!d::has_ctl(*w));
    const expected_param want[] = {{"realm", realm, false}, {"charset", "UTF-8", false}};
    check_round_trip(*w, "Basic", std::span<const expected_param>(want, utf8 ? 2 : 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned v = data[0] ^ static_cast<unsigned>('0');
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::string_view pieces[5];
    std::size_t n_pieces = 0;
    while (n_pieces < 5) {
        const std::size_t lf = n_pieces < 4 ? rest.find('\n') : std::string_view::npos;
        pieces[n_pieces++] = rest.substr(0, lf);
        if (lf == std::string_view::npos) break;
        rest.remove_prefix(lf + 1);
    }

    // Parser.
    const std::size_t want_lines = (v & 3) == 0 ? 1 : (v & 3);
    const std::size_t n_lines = want_lines < n_pieces ? want_lines : n_pieces;
    static constexpr std::size_t max_params[] = {32, 1, 2, 64};
    static constexpr std::size_t max_challenges[] = {16, 1};
    static constexpr std::size_t max_empty[] = {16, 0};
    parse_options opt;
    opt.max_params = max_params[(v >> 2) & 3];
    opt.max_challenges = max_challenges[(v >> 4) & 1];
    opt.max_empty_elements = max_empty[(v >> 5) & 1];
    const std::span<const std::string_view> lines(pieces, n_lines);
    check_parse(lines, opt);
    for (std::size_t i = 0; i < n_lines; ++i) check_parse(std::span<const std::string_view>(&pieces[i], 1), opt);

    // Writers.
    const apiauth::http::bearer_challenge all{.realm = pieces[0],
                                              .error = pieces[1],
                                              .error_description = pieces[2],
                                              .error_uri = pieces[3],
                                              .scope = pieces[4]};
    check_bearer_writer(all);
    for (std::size_t i = 0; i < n_pieces; ++i) {
        check_bearer_writer({.realm = pieces[i]});
        check_bearer_writer({.scope = pieces[i]});
        check_bearer_writer({.error = pieces[i]});
        check_bearer_writer({.error_description = pieces[i]});
        check_bearer_writer({.error_uri = pieces[i]});
        check_basic_writer(pieces[i], true);
        check_basic_writer(pieces[i], false);
    }
    return 0;
}
