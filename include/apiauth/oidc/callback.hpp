// apiauth/oidc/callback.hpp — the authorization response at the client's redirect URI:
// state, mix-up defence, the provider's error, the code (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).
#ifndef APIAUTH_OIDC_CALLBACK_HPP
#define APIAUTH_OIDC_CALLBACK_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/oidc/detail/common.hpp>
#include <apiauth/oidc/discovery.hpp>
#include <apiauth/oidc/pending.hpp>
#include <apiauth/oidc/provider_error.hpp>

#include <cstddef>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** What the callback must match: the request's state, and who must have answered. */
struct callback_options {
    /// The `state` of the pending authorization (pending_authorization::state); must not be empty.
    std::string_view state;
    /// The provider's issuer identifier (metadata `issuer`); the `iss` parameter, when sent,
    /// must equal it exactly (RFC 9207 §2.4). Empty: `iss` is not compared (plain OAuth 2.0
    /// providers without metadata, such as GitHub).
    std::string_view issuer{};
    /// The provider promised `iss` (metadata authorization_response_iss_parameter_supported):
    /// a response without it is refused (RFC 9207 §2.4, §3). Needs `issuer`.
    bool require_iss = false;
    /// Longest target accepted (header_too_large: the request line is a header).
    std::size_t max_size = 8 * 1024;
};

/** The callback_options of an authorization `p` began at the OpenID Provider of metadata `m`:
    its state, the metadata's issuer, and `iss` required when the provider promised to send it
    (authorization_response_iss_parameter_supported: RFC 9207 §2.4 has such a response without
    `iss` refused). The options view into `m` and `p`: keep both while the callback is read.

    @par Example
    @code
    auto code = apiauth::oidc::handle_callback(req.target(), apiauth::oidc::callback_options_for(meta, pending));
    @endcode
*/
inline callback_options callback_options_for(const provider_metadata& m, const pending_authorization& p) noexcept
{
    return {.state = p.state, .issuer = m.issuer, .require_iss = m.authorization_response_iss_parameter_supported};
}

/** A successful authorization response: the code to exchange, and the issuer that sent it. */
struct authorization_response {
    std::string code;  ///< `code` (RFC 6749 §4.1.2), decoded; exchange it once, at once
    std::string iss;   ///< `iss` (RFC 9207 §2), decoded; empty when not sent

    authorization_response() = default;
    /// A copy (both wipe their own code).
    authorization_response(const authorization_response&) = default;
    /// Takes `o`'s values.
    authorization_response(authorization_response&&) noexcept = default;
    /// Copies `o`'s values.
    authorization_response& operator=(const authorization_response&) = default;
    /// Takes `o`'s values.
    authorization_response& operator=(authorization_response&&) noexcept = default;
    /// Wipes the code.
    ~authorization_response() { crypto::wipe(code); }
};

/** Read the authorization response the browser brought back to the redirect
    URI: `target` is the request target ("/cb?code=…&state=…") or an absolute
    URL; its query (after the first '?', before a '#') is the response.

    Order: over o.max_size, header_too_large; the query as a form
    (http::parse_form: malformed_form_body, form_invalid_utf8,
    too_many_parameters, and duplicate_parameter for any parameter sent
    twice, RFC 6749 §3.1); `state` absent or empty is missing_parameter, and
    otherwise compared with o.state in constant time (state_mismatch,
    RFC 6749 §10.12); `iss` (RFC 9207 §2.4): different from o.issuer is
    wrong_issuer, absent while o.require_iss is missing_parameter; an `error`
    parameter is the provider's error (see provider_error_errc), its
    `error`, `error_description` and `error_uri` copied into `*details` when
    given; last, `code` absent or empty is missing_parameter. State and
    issuer are checked before the error is believed, so that no one else's
    error text reaches the application. invalid_configuration for an empty
    o.state, or o.require_iss without o.issuer. Never throws.

    @par BNF
    @code
    query = form-urlencoded ( code state [ iss ] / error [ error_description ] [ error_uri ] state [ iss ] )
    @endcode
    @par Specification RFC 6749 §4.1.2, §4.1.2.1, §10.12; RFC 9207 §2, §2.4;
    OpenID Connect Core §3.1.2.5, §3.1.2.6, §3.1.2.7.
*/
inline result<authorization_response> handle_callback(std::string_view target, const callback_options& o,
                                                      provider_error* details = nullptr) noexcept
{
    try {
        namespace d = detail::oidc;
        if (o.state.empty() || (o.require_iss && o.issuer.empty())) return errc::invalid_configuration;
        if (target.size() > o.max_size) return errc::header_too_large;
        const auto form = http::parse_form(d::query_of(target), {.max_size = o.max_size});
        if (!form) return form.error();

        const auto state = d::form_value(*form, "state");
        if (!state) return state.error();
        if (!*state) return errc::missing_parameter;
        if (!crypto::equal(detail::as_bytes(**state), detail::as_bytes(o.state))) return errc::state_mismatch;

        auto iss = d::form_value(*form, "iss");
        if (!iss) return iss.error();
        if (*iss) {
            if (!o.issuer.empty() && **iss != o.issuer) return errc::wrong_issuer;
        } else if (o.require_iss) {
            return errc::missing_parameter;
        }

        auto error = d::form_value(*form, "error");
        if (!error) return error.error();
        if (*error) {
            provider_error pe;
            pe.code = parse_provider_error_code(**error);
            pe.error = std::move(**error);
            for (auto [name, out] :
                 {std::pair{"error_description", &pe.error_description}, std::pair{"error_uri", &pe.error_uri}}) {
                auto v = d::form_value(*form, name);
                if (v && *v) *out = std::move(**v);
            }
            const errc e = provider_error_errc(pe.code);
            if (details) *details = std::move(pe);
            return e;
        }

        auto code = d::form_value(*form, "code");
        if (!code) return code.error();
        if (!*code) return errc::missing_parameter;
        authorization_response out;
        out.code = std::move(**code);
        if (*iss) out.iss = std::move(**iss);
        return out;
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_CALLBACK_HPP
