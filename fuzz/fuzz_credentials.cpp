// fuzz_credentials — apiauth::http::parse_credentials (RFC 9110 §11.4) on arbitrary field values.
//
// Input: one option byte, then the field value. The option byte XOR '0' picks the bounds (so a seed that starts
// with '0' runs with the defaults): bits 0-2 max_params, bits 3-4 max_size, bits 5-6 max_empty_elements.
// Every parameter is iterated and every value read through str(), raw(), ==, iequals and find, so each byte of
// the result is touched. Checks, abort() on any failure:
//  - failure is one of the documented errors; header_too_large only past max_size; malformed_credentials only
//    for a value without a CTL (else it is invalid_field_value);
//  - success: the value has no CTL but HTAB and fits max_size; the scheme is a non-empty token that views into
//    the input; token68 and params are never both set; token68 matches the token68 grammar; params.size()
//    equals the number of iterations and respects max_params; names are non-empty tokens, unique under ASCII
//    case folding, found by find() (in any case) with the same value; each value views into the input; the
//    unescaped value compares equal to itself, exactly and case-insensitively;
//  - parsing is deterministic (a second parse gives the same views).
#include "fuzz_check.hpp"

#include <apiauth/http/credentials.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using apiauth::errc;
namespace d = apiauth::detail;

bool is_error(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool within(std::string_view part, std::string_view whole)
{
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
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

std::string upper(std::string_view s)
{
    std::string u(s);
    for (char& c : u)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return u;
}

// The quoted-pair-free value as the parser must see it.
void check_value(const apiauth::http::param_value& v, std::string_view field)
{
    const std::string_view raw = v.raw();
    FUZZ_CHECK(within(raw, field));
    const std::string s = v.str();
    FUZZ_CHECK(s.size() <= raw.size());
    FUZZ_CHECK(v == s);
    FUZZ_CHECK(v.iequals(s));
    FUZZ_CHECK(v.iequals(upper(s)));
    if (!v.has_escapes()) FUZZ_CHECK(s == raw);
    if (v.has_escapes()) FUZZ_CHECK(v.is_quoted() && raw.find('\\') != std::string_view::npos && s.size() < raw.size());
    if (!v.is_quoted()) FUZZ_CHECK(is_token(raw));
    // A different value never compares equal.
    FUZZ_CHECK(!(v == s + "x"));
    if (!s.empty()) FUZZ_CHECK(!(v == std::string_view(s).substr(1)));
}

void check(std::string_view field, const apiauth::http::parse_options& opt)
{
    const auto r = apiauth::http::parse_credentials(field, opt);
    if (!r) {
        const std::error_code ec = r.error();
        FUZZ_CHECK(is_error(ec, errc::header_too_large) || is_error(ec, errc::invalid_field_value) ||
                   is_error(ec, errc::malformed_credentials) || is_error(ec, errc::duplicate_parameter) ||
                   is_error(ec, errc::too_many_parameters));
        FUZZ_CHECK(is_error(ec, errc::header_too_large) == (field.size() > opt.max_size));
        if (is_error(ec, errc::malformed_credentials)) FUZZ_CHECK(!d::has_forbidden_ctl(field));
        if (is_error(ec, errc::invalid_field_value)) FUZZ_CHECK(d::has_forbidden_ctl(field));
        return;
    }
    const apiauth::http::credentials_view& c = *r;
    FUZZ_CHECK(field.size() <= opt.max_size);
    FUZZ_CHECK(!d::has_forbidden_ctl(field));
    FUZZ_CHECK(is_token(c.scheme) && within(c.scheme, field));
    FUZZ_CHECK(c.is(c.scheme) && c.is(upper(c.scheme)));
    FUZZ_CHECK(c.token68.empty() || c.params.empty());
    if (!c.token68.empty()) FUZZ_CHECK(is_token68(c.token68) && within(c.token68, field));
    FUZZ_CHECK(within(c.params.text(), field) || c.params.empty());

    const std::size_t limit = opt.max_params < d::max_params_cap ? opt.max_params : d::max_params_cap;
    std::size_t n = 0;
    std::string_view names[d::max_params_cap];
    for (const auto& p : c.params) {
        FUZZ_CHECK(n < limit);
        FUZZ_CHECK(is_token(p.name) && within(p.name, field));
        for (std::size_t k = 0; k < n; ++k) FUZZ_CHECK(!d::iequals(names[k], p.name));
        names[n++] = p.name;
        check_value(p.value, field);
        const auto f = c.params.find(upper(p.name));
        FUZZ_CHECK(f && f->raw().data() == p.value.raw().data() && f->raw().size() == p.value.raw().size());
    }
    FUZZ_CHECK(n == c.params.size());
    FUZZ_CHECK(c.params.empty() == (n == 0));
    // Post-increment iteration sees the same sequence.
    std::size_t m = 0;
    for (auto it = c.params.begin(); it != c.params.end(); it++, ++m) FUZZ_CHECK(it->name.data() == names[m].data());
    FUZZ_CHECK(m == n);
    FUZZ_CHECK(!c.params.find("").has_value());

    const auto again = apiauth::http::parse_credentials(field, opt);
    FUZZ_CHECK(again && again->scheme.data() == c.scheme.data() && again->scheme.size() == c.scheme.size() &&
               again->token68.data() == c.token68.data() && again->token68.size() == c.token68.size() &&
               again->params.size() == c.params.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned v = data[0] ^ static_cast<unsigned>('0');
    static constexpr std::size_t max_params[] = {32, 0, 1, 2, 3, 64, 100, 5};
    static constexpr std::size_t max_size[] = {8192, 8, 32, 128};
    static constexpr std::size_t max_empty[] = {16, 0, 1, 3};
    const apiauth::http::parse_options opt{
        .max_size = max_size[(v >> 3) & 3],
        .max_params = max_params[v & 7],
        .max_empty_elements = max_empty[(v >> 5) & 3],
    };
    const std::string_view field(reinterpret_cast<const char*>(data) + 1, size - 1);
    check(field, opt);
    return 0;
}
