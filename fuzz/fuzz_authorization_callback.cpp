// fuzz_authorization_callback — oidc::handle_callback (apiauth/oidc/callback.hpp; RFC 6749 §4.1.2,
// §4.1.2.1, §10.12; RFC 9207 §2.4) on redirect targets built from the input.
//
// Input: LF-separated fields:
//     expected-state LF issuer LF target
// Each input runs handle_callback with require_iss false and true, and once more with max_size 48
// (the header_too_large path).
// Checks, abort() on failure:
//  - no exception (noexcept: a throw terminates), no crash, no sanitizer report;
//  - the outcome is exactly that of a model written here from the documented order (the query
//    cut at the first '?' and before '#', re-parsed with http::parse_form, state, iss, error, code);
//  - success: the code is non-empty and is the decoded `code` parameter, the decoded `state` of the
//    target equals the expected state, iss is the decoded `iss` (empty when absent), equal to the
//    issuer when one is configured, present when require_iss;
//  - the provider_error is filled only for errc::provider_error, and then the state matched, the
//    issuer check passed, and its fields are the decoded error, error_description, error_uri and
//    code = parse_provider_error_code(error); any other outcome leaves it untouched;
//  - the same call again gives the same outcome (determinism).
#include "fuzz_check.hpp"

#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/oidc/callback.hpp>
#include <apiauth/oidc/provider_error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;

// The query of a target: after the first '?', before the first '#' (RFC 3986 §3.4, §3.5).
std::string_view model_query(std::string_view target)
{
    const std::size_t hash = target.find('#');
    if (hash != std::string_view::npos) target = target.substr(0, hash);
    const std::size_t q = target.find('?');
    return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// A parameter decoded; nullopt when absent or empty (RFC 6749 §3.1).
std::optional<std::string> param(const apiauth::http::form_view& f, std::string_view name)
{
    const auto v = f.find(name);
    if (!v || v->empty()) return std::nullopt;
    auto d = apiauth::http::decode_form_component(*v);
    FUZZ_CHECK(d.has_value());  // parse_form validated every escape
    return std::move(*d);
}

struct model_result {
    std::optional<std::error_code> error;
    std::string code, iss;
    std::optional<oidc::provider_error> details;
};

model_result model(std::string_view target, const oidc::callback_options& o)
{
    const auto fail = [](std::error_code e) { return model_result{e, {}, {}, {}}; };
    if (o.state.empty() || (o.require_iss && o.issuer.empty()))
        return fail(apiauth::make_error_code(errc::invalid_configuration));
    if (target.size() > o.max_size) return fail(apiauth::make_error_code(errc::header_too_large));
    const auto form = apiauth::http::parse_form(model_query(target), {.max_size = o.max_size});
    if (!form) return fail(form.error());
    const auto state = param(*form, "state");
    if (!state) return fail(apiauth::make_error_code(errc::missing_parameter));
    if (*state != o.state) return fail(apiauth::make_error_code(errc::state_mismatch));
    const auto iss = param(*form, "iss");
    if (iss && !o.issuer.empty() && *iss != o.issuer) return fail(apiauth::make_error_code(errc::wrong_issuer));
    if (!iss && o.require_iss) return fail(apiauth::make_error_code(errc::missing_parameter));
    if (const auto error = param(*form, "error")) {
        model_result m = fail(apiauth::make_error_code(errc::provider_error));
        oidc::provider_error pe;
        pe.error = *error;
        pe.code = oidc::parse_provider_error_code(*error);
        pe.error_description = param(*form, "error_description").value_or("");
        pe.error_uri = param(*form, "error_uri").value_or("");
        m.details = pe;
        return m;
    }
    const auto code = param(*form, "code");
    if (!code) return fail(apiauth::make_error_code(errc::missing_parameter));
    return {std::nullopt, *code, iss.value_or(""), {}};
}

bool same(const oidc::provider_error& a, const oidc::provider_error& b)
{
    return a.code == b.code && a.error == b.error && a.error_description == b.error_description &&
           a.error_uri == b.error_uri;
}

void run(std::string_view target, const oidc::callback_options& o)
{
    const oidc::provider_error sentinel{.code = oidc::provider_error_code::consent_required,
                                        .error = "sentinel",
                                        .error_description = "d",
                                        .error_uri = "u"};
    oidc::provider_error details = sentinel;
    const auto r = oidc::handle_callback(target, o, &details);
    const model_result want = model(target, o);

    if (r) {
        FUZZ_CHECK(!want.error);
        FUZZ_CHECK(!r->code.empty() && r->code == want.code && r->iss == want.iss);
        // Independently of the model: the target's own state is the expected one.
        const auto form = apiauth::http::parse_form(model_query(target), {.max_size = o.max_size});
        FUZZ_CHECK(form.has_value());
        FUZZ_CHECK(param(*form, "state") == std::optional<std::string>(std::string(o.state)));
        if (!o.issuer.empty() && !r->iss.empty()) FUZZ_CHECK(r->iss == o.issuer);
        if (o.require_iss) FUZZ_CHECK(r->iss == o.issuer);
        FUZZ_CHECK(same(details, sentinel));
    } else {
        FUZZ_CHECK(r.error());
        FUZZ_CHECK(want.error && r.error() == *want.error);
        if (r.error() == errc::provider_error) {
            // Filled only when the state (and issuer) matched: the model got that far.
            FUZZ_CHECK(want.details && same(details, *want.details));
            const auto form = apiauth::http::parse_form(model_query(target), {.max_size = o.max_size});
            FUZZ_CHECK(form && param(*form, "state") == std::optional<std::string>(std::string(o.state)));
            FUZZ_CHECK(!details.error.empty() && details.code == oidc::parse_provider_error_code(details.error));
        } else {
            FUZZ_CHECK(same(details, sentinel));
        }
    }

    // The same call again, without details: the same outcome.
    const auto again = oidc::handle_callback(target, o);
    FUZZ_CHECK(again.has_value() == r.has_value());
    if (r)
        FUZZ_CHECK(again->code == r->code && again->iss == r->iss);
    else
        FUZZ_CHECK(again.error() == r.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const std::string_view state = fuzz::next_line(in);
    const std::string_view issuer = fuzz::next_line(in);
    const std::string_view target = in;

    for (const bool require_iss : {false, true})
        run(target, {.state = state, .issuer = issuer, .require_iss = require_iss});
    run(target, {.state = state, .issuer = issuer, .require_iss = false, .max_size = 48});
    return 0;
}
