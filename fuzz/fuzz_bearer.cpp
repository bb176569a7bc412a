// fuzz_bearer — apiauth::http::extract_bearer (RFC 6750 §2) on requests built from the input.
//
// Input: one control byte, then LF-separated fields:
//     <ctl> method LF target LF authorization-line… LF content-type LF body
// ctl & 3 is the number of Authorization lines (0-3); ctl & 4 bounds the body at 16 octets, ctl & 8 bounds the
// header at 32 octets (so the seed prefixes '0'-'3' mean 0-3 lines with the default bounds). Missing fields are
// empty; the body is everything after the content type, LFs included.
// extract_bearer runs with every combination of allow_form_body and allow_query. Checks, abort() on failure:
//  - failures are documented errors; more than one Authorization line is always duplicate_authorization;
//  - a returned token is a non-empty b64token; a header token views into the one Authorization line and is its
//    token68; a body token needs allow_form_body and a body method, a query token needs allow_query and a '?';
//    cache_control() is "private" exactly for the query method; a token that views into the target or the body
//    (not decoded) lies within the query (before any '#') or within the body;
//  - with both methods off only the header can give a token;
//  - when some combination returns a header token, every combination that succeeds returns that same token.
#include "fuzz_check.hpp"

#include <apiauth/http/bearer.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using apiauth::errc;
using apiauth::http::bearer_method;
namespace d = apiauth::detail;

bool is_error(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool is_documented(const std::error_code& ec)
{
    for (const errc e :
         {errc::no_credentials, errc::unsupported_scheme, errc::duplicate_authorization, errc::header_too_large,
          errc::invalid_field_value, errc::malformed_credentials, errc::duplicate_parameter, errc::too_many_parameters,
          errc::bearer_missing_token, errc::bearer_invalid_syntax, errc::multiple_token_methods, errc::body_too_large,
          errc::malformed_form_body})
        if (is_error(ec, e)) return true;
    return false;
}

bool is_b64token(std::string_view s)
{
    std::size_t i = d::span_of(s, d::cc_token68);
    if (i == 0) return false;
    while (i < s.size() && s[i] == '=') ++i;
    return i == s.size();
}

bool within(std::string_view part, std::string_view whole)
{
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool starts_within(std::string_view part, std::string_view whole)
{
    return part.data() >= whole.data() && part.data() < whole.data() + whole.size();
}

// The next LF-terminated field of `rest` (all of it when there is no LF).
std::string_view next_field(std::string_view& rest)
{
    const std::size_t lf = rest.find('\n');
    const std::string_view f = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view() : rest.substr(lf + 1);
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned ctl = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

    const std::size_t n_auth = ctl & 3;
    std::string_view auth[3];
    apiauth::http::request_view req;
    req.method = next_field(rest);
    req.target = next_field(rest);
    for (std::size_t i = 0; i < n_auth; ++i) auth[i] = next_field(rest);
    req.authorization = std::span<const std::string_view>(auth, n_auth);
    req.content_type = next_field(rest);
    req.body = rest;

    apiauth::http::bearer_options base;
    if (ctl & 4) base.max_body_size = 16;
    if (ctl & 8) base.header.max_size = 32;

    const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    std::optional<std::string> header_token;
    bool other_success = false;
    for (const bool form : {false, true}) {
        for (const bool query : {false, true}) {
            apiauth::http::bearer_options opt = base;
            opt.allow_form_body = form;
            opt.allow_query = query;
            const auto r = apiauth::http::extract_bearer(req, opt);
            if (n_auth > 1) FUZZ_CHECK(!r && is_error(r.error(), errc::duplicate_authorization));
            if (!r) {
                FUZZ_CHECK(is_documented(r.error()));
                if (is_error(r.error(), errc::body_too_large))
                    FUZZ_CHECK(form && body_method && req.body.size() > opt.max_body_size);
                continue;
            }
            const std::string_view v = r->value();
            FUZZ_CHECK(!v.empty() && is_b64token(v));
            FUZZ_CHECK((r->cache_control() == "private") == (r->method() == bearer_method::query));
            FUZZ_CHECK(r->cache_control().empty() == (r->method() != bearer_method::query));
            switch (r->method()) {
            case bearer_method::header: {
                FUZZ_CHECK(n_auth == 1 && within(v, auth[0]));
                const auto c = apiauth::http::parse_credentials(auth[0], opt.header);
                FUZZ_CHECK(c && c->is("bearer") && c->token68 == v);
                if (header_token) FUZZ_CHECK(*header_token == v);
                header_token = std::string(v);
                break;
            }
            case bearer_method::form_body:
                FUZZ_CHECK(form && body_method && req.body.size() <= opt.max_body_size);
                if (starts_within(v, req.body)) FUZZ_CHECK(within(v, req.body));
                other_success = true;
                break;
            case bearer_method::query: {
                const std::size_t q = req.target.find('?');
                FUZZ_CHECK(query && q != std::string_view::npos);
                // A token left undecoded views into the query, never past it (or into the fragment).
                const std::string_view query_part = req.target.substr(q + 1, req.target.find('#', q) - q - 1);
                if (starts_within(v, req.target)) FUZZ_CHECK(within(v, query_part));
                other_success = true;
                break;
            }
            }
            if (!form && !query) FUZZ_CHECK(r->method() == bearer_method::header);
            // A copy owns (or views) the same token.
            const apiauth::http::bearer_token copy = *r;
            FUZZ_CHECK(copy.value() == v && copy.method() == r->method());
        }
    }
    FUZZ_CHECK(!(header_token && other_success));
    return 0;
}
