// fuzz_token_response — oidc::parse_token_response (apiauth/oidc/token.hpp; RFC 6749 §5.1, §5.2,
// §7.1; GitHub's form-encoded answers) on token endpoint answers built from the input, and
// oidc::parse_revocation_response (apiauth/oidc/revocation.hpp; RFC 7009 §2.2) on the same
// status and body as a revocation endpoint's answer.
//
// Input: two status octets (big-endian, 0-65535), one control byte, then the body.
// ctl & 7 picks the Content-Type (application/json, with charset, form, text/plain, empty, text/html,
// a long junk value, "application/json" again); ctl & 8 bounds the body at 40 octets.
// Each input is parsed with accept_form true and false.
// Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - body_too_large exactly when the body is over max_size; provider_unavailable for a status of
//    500 or more (body within bounds);
//  - success: status 200, a non-empty access_token, token_type "bearer" in any case, expires_in >= 0
//    when present; for a form body, the tokens are the decoded form parameters (http::parse_form);
//  - provider_error fills the details (error non-empty, code =
//    parse_provider_error_code(error)), and nothing else touches them;
//  - the Content-Type does not change the outcome (the body's shape decides);
//  - accept_form false: the same outcome for a body starting (after whitespace) with '{', else
//    invalid_token_response;
//  - the same call again gives the same outcome (determinism);
//  - revocation: success exactly for status 200; provider_unavailable for 500 or more; otherwise
//    body_too_large exactly when over max_size; provider_error only for a 4xx JSON body, with
//    details filled as above and equal to what parse_token_response reports for that body and
//    status; details untouched on any other outcome.
#include "fuzz_check.hpp"

#include <apiauth/detail/ascii.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/oidc/provider_error.hpp>
#include <apiauth/oidc/revocation.hpp>
#include <apiauth/oidc/token.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;

constexpr std::string_view content_types[8] = {"application/json",
                                               "application/json; charset=utf-8",
                                               "application/x-www-form-urlencoded",
                                               "text/plain",
                                               "",
                                               "text/html; charset=ISO-8859-1",
                                               "application/xml;;;;\x01\xff junk",
                                               "APPLICATION/JSON"};

bool same(const oidc::provider_error& a, const oidc::provider_error& b)
{
    return a.code == b.code && a.error == b.error && a.error_description == b.error_description &&
           a.error_uri == b.error_uri;
}

bool same(const apiauth::result<oidc::token_set>& a, const apiauth::result<oidc::token_set>& b)
{
    if (a.has_value() != b.has_value()) return false;
    if (!a) return a.error() == b.error();
    return a->access_token == b->access_token && a->token_type == b->token_type && a->expires_in == b->expires_in &&
           a->refresh_token == b->refresh_token && a->scope == b->scope && a->id_token == b->id_token;
}

std::optional<std::string> form_param(const apiauth::http::form_view& f, std::string_view name)
{
    const auto v = f.find(name);
    if (!v || v->empty()) return std::nullopt;
    auto d = apiauth::http::decode_form_component(*v);
    FUZZ_CHECK(d.has_value());
    return std::move(*d);
}

bool starts_with_brace(std::string_view body)
{
    const std::size_t i = body.find_first_not_of(" \t\r\n");
    return i != std::string_view::npos && body[i] == '{';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3) return 0;
    const int status = data[0] * 256 + data[1];
    const unsigned ctl = data[2];
    const std::string_view body(reinterpret_cast<const char*>(data) + 3, size - 3);
    const std::string_view content_type = content_types[ctl & 7u];
    const std::size_t max_size = (ctl & 8u) ? 40 : oidc::token_response_options{}.max_size;

    const oidc::provider_error sentinel{.code = oidc::provider_error_code::consent_required,
                                        .error = "sentinel",
                                        .error_description = "d",
                                        .error_uri = "u"};
    std::optional<apiauth::result<oidc::token_set>> with_form;
    for (const bool accept_form : {true, false}) {
        const oidc::token_response_options opt{.max_size = max_size, .accept_form = accept_form};
        oidc::provider_error details = sentinel;
        const auto r = oidc::parse_token_response(status, content_type, body, &details, opt);

        if (body.size() > max_size) {
            FUZZ_CHECK(!r && r.error() == errc::body_too_large);
        } else {
            FUZZ_CHECK(r || r.error() != errc::body_too_large);
            if (status >= 500) FUZZ_CHECK(!r && r.error() == errc::provider_unavailable);
        }

        if (r) {
            FUZZ_CHECK(status == 200);
            FUZZ_CHECK(!r->access_token.empty());
            FUZZ_CHECK(apiauth::detail::iequals(r->token_type, "bearer"));
            FUZZ_CHECK(!r->expires_in || *r->expires_in >= 0);
            if (!starts_with_brace(body)) {
                // A form body: the tokens are its decoded parameters.
                FUZZ_CHECK(accept_form);
                const auto f = apiauth::http::parse_form(body, {.max_size = max_size});
                FUZZ_CHECK(f.has_value());
                FUZZ_CHECK(form_param(*f, "access_token") == std::optional<std::string>(r->access_token));
                FUZZ_CHECK(form_param(*f, "token_type") == std::optional<std::string>(r->token_type));
                FUZZ_CHECK(form_param(*f, "refresh_token").value_or("") == r->refresh_token);
                FUZZ_CHECK(form_param(*f, "id_token").value_or("") == r->id_token);
                FUZZ_CHECK(form_param(*f, "scope").value_or("") == r->scope);
                FUZZ_CHECK(!form_param(*f, "error"));
            }
        }
        if (!r && r.error() == errc::provider_error) {
            // An empty `error`, JSON or form, is absent (RFC 6749 §3.1).
            FUZZ_CHECK(!details.error.empty());
            FUZZ_CHECK(details.code == oidc::parse_provider_error_code(details.error));
        } else {
            FUZZ_CHECK(same(details, sentinel));
        }

        // The Content-Type is not what decides; nor does asking again.
        FUZZ_CHECK(same(r, oidc::parse_token_response(status, content_types[(ctl + 1) & 7u], body, nullptr, opt)));
        FUZZ_CHECK(same(r, oidc::parse_token_response(status, content_type, body, nullptr, opt)));

        if (accept_form) {
            with_form.emplace(r);
        } else if (body.size() <= max_size && status < 500) {
            if (starts_with_brace(body))
                FUZZ_CHECK(same(r, *with_form));
            else
                FUZZ_CHECK(!r && r.error() == errc::invalid_token_response);
        }
    }
    // The same answer from a revocation endpoint (RFC 7009 §2.2, §2.2.1).
    oidc::provider_error rd = sentinel;
    const std::error_code rv = oidc::parse_revocation_response(status, body, &rd, {.max_size = max_size});
    if (status == 200) {
        FUZZ_CHECK(!rv);
    } else if (status >= 500) {
        FUZZ_CHECK(rv == errc::provider_unavailable);
    } else {
        FUZZ_CHECK(rv);
        FUZZ_CHECK((rv == errc::body_too_large) == (status >= 400 && body.size() > max_size));
    }
    if (rv == errc::provider_error) {
        FUZZ_CHECK(status >= 400 && status < 500 && starts_with_brace(body));
        FUZZ_CHECK(!rd.error.empty() && rd.code == oidc::parse_provider_error_code(rd.error));
        oidc::provider_error td;
        const auto t = oidc::parse_token_response(status, "application/json", body, &td,
                                                  {.max_size = max_size, .accept_form = false});
        FUZZ_CHECK(!t && t.error() == errc::provider_error && same(td, rd));
    } else {
        FUZZ_CHECK(same(rd, sentinel));
    }
    FUZZ_CHECK(oidc::parse_revocation_response(status, body, nullptr, {.max_size = max_size}) == rv);
    return 0;
}