// apiauth/oauth2/token_response.hpp — the answers of the token, revocation and introspection
// endpoints: a successful token response (RFC 6749 §5.1) and an error response (§5.2), each a
// complete http::response.
#ifndef APIAUTH_OAUTH2_TOKEN_RESPONSE_HPP
#define APIAUTH_OAUTH2_TOKEN_RESPONSE_HPP

#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/auth_grammar.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/scope.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

// RFC 6749 §5.2: error and error_description are 1*( %x20-21 / %x23-5B / %x5D-7E ). Such a
// value needs no JSON escaping, so the bodies here are written without a JSON library.
constexpr bool is_nqschar_text(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7E || u == 0x22 || u == 0x5C) return false;
    }
    return true;
}

inline void add_no_store(http::response& r)
{
    // RFC 6749 §5.1: "MUST include ... Cache-Control ... no-store ... Pragma ... no-cache".
    r.add("Cache-Control", "no-store");
    r.add("Pragma", "no-cache");
}

// The granted scope is the requested one as a set: order and repetition do not count
// (RFC 6749 §3.3). No scope granted is the same as none requested.
inline bool same_scope(apiauth::oauth2::scope_view granted, apiauth::oauth2::scope_view requested) noexcept
{
    if (granted.empty() || requested.empty()) return granted.empty() == requested.empty();
    if (granted.text() == requested.text()) return true;  // the usual answer: all that was asked
    for (std::string_view t : granted)
        if (!requested.contains(t)) return false;
    for (std::string_view t : requested)
        if (!granted.contains(t)) return false;
    return true;
}

// The 200 token response (RFC 6749 §5.1) for a token and scope the caller has checked: a
// b64token, a non-negative lifetime, a scope in the §3.3 grammar. `scope` is in the body
// when `with_scope`.
inline result<http::response> write_token_response(std::string_view access_token, std::chrono::seconds expires_in,
                                                   apiauth::oauth2::scope_view scope, bool with_scope) noexcept
{
    try {
        http::response r(200);
        r.fields.reserve(3);
        r.add("Content-Type", "application/json");
        add_no_store(r);
        std::array<char, 24> digits{};
        const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), expires_in.count()).ptr;
        const std::string_view lifetime(digits.data(), static_cast<std::size_t>(end - digits.data()));
        constexpr std::string_view open = "{\"access_token\":\"",
                                   middle = "\",\"token_type\":\"Bearer\",\"expires_in\":",
                                   scope_open = ",\"scope\":\"";
        r.body.reserve(open.size() + access_token.size() + middle.size() + lifetime.size() +
                       (with_scope ? scope_open.size() + scope.text().size() + 1 : 0) + 1);
        r.body += open;
        r.body += access_token;
        r.body += middle;
        r.body += lifetime;
        if (with_scope) {
            r.body += scope_open;
            r.body += scope.text();
            r.body += '"';
        }
        r.body += '}';
        return r;
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** What the revocation or introspection endpoint decided: the response to send, and why.

    `response` is complete; send it as it is. `error` (never sent) is empty on success, else
    the precise code of a refused request; a token parameter that does not verify is not an
    error at these endpoints (RFC 7009 §2.2: 200; RFC 7662 §2.2: `{"active":false}`), and
    `token_error` says why for logs.
*/
struct endpoint_outcome {
    http::response response;                       ///< what to send
    std::error_code error{};                       ///< why the request was refused; empty otherwise
    std::error_code token_error{};                 ///< why the token parameter did not verify, if it did not
    std::shared_ptr<const api_key_record> client;  ///< the authenticated client, when it authenticated
};

/** How error_response writes its answer. */
struct error_response_options {
    /// The realm of the `WWW-Authenticate: Basic` challenge a 401 carries (RFC 7617 §2).
    std::string_view realm = "oauth2";
    /// Send the error's message as error_description (RFC 6749 §5.2). The messages of
    /// apiauth's codes are fixed sentences that carry no input and satisfy the §5.2
    /// character set; a code of another category never gets one.
    bool describe = true;
};

/** The error response for `ec` at endpoint `ep` (RFC 6749 §5.2; RFC 7009 §2.2.1; RFC 7662 §2.3).

    Status and `error` come from the one table in error.hpp (http_status, oauth_error).
    The body is the JSON object `{"error":…,"error_description":…}` (the description
    only when opt.describe and ec is an apiauth code; never for server_error), with
    `Content-Type: application/json`, `Cache-Control: no-store` and `Pragma: no-cache`.
    A 401 carries `WWW-Authenticate: Basic realm="…", charset="UTF-8"`: client
    authentication at these endpoints is Basic (RFC 6749 §2.3.1), and a 401 needs a
    challenge whatever the client sent (RFC 9110 §15.5.2). A 405 carries `Allow: POST`
    (RFC 9110 §15.5.6). Two failures with the same code get byte-identical answers; so
    do an unknown client and a wrong secret (api_key_not_found, api_key_bad_secret share
    their message). At a callback endpoint there is no OAuth body: status only.
    Allocates; throws std::bad_alloc only.
*/
inline http::response error_response(std::error_code ec, endpoint ep = endpoint::token,
                                     const error_response_options& opt = {})
{
    http::response r(http_status(ec, ep));
    const std::string_view error = oauth_error(ec, ep);
    r.fields.reserve(4);
    if (r.status == 405) r.add("Allow", "POST");
    if (r.status == 401) {
        auto challenge = http::write_basic_challenge(opt.realm);
        r.add("WWW-Authenticate", challenge ? *challenge : std::string("Basic charset=\"UTF-8\""));
    }
    if (error.empty()) return r;  // a callback answers a browser: no OAuth body
    r.add("Content-Type", "application/json");
    detail::oauth2::add_no_store(r);
    r.body.reserve(96);
    r.body += "{\"error\":\"";
    r.body += error;
    r.body += '"';
    if (opt.describe && error != "server_error" && ec.category() == error_category()) {
        const std::string d = ec.message();
        if (detail::oauth2::is_nqschar_text(d)) {
            r.body += ",\"error_description\":\"";
            r.body += d;
            r.body += '"';
        }
    }
    r.body += '}';
    return r;
}

/** The successful token response (RFC 6749 §5.1): 200, `Content-Type: application/json`,
    `Cache-Control: no-store`, `Pragma: no-cache`, and the JSON object
    `{"access_token":…,"token_type":"Bearer","expires_in":…}` with `"scope":…` when
    `granted_scope` is not `requested_scope` (§3.3: "MUST include" it then), as a set:
    order and repetition do not count. No refresh token (§4.4.3).

    Refuses with invalid_configuration an access token that is not a b64token (RFC
    6750 §2.1: the client sends it back in a header) or a scope outside the §3.3
    grammar: what this library issues always passes. Allocates; a failed allocation is
    an error, never an exception.
*/
inline result<http::response> token_response(std::string_view access_token, std::chrono::seconds expires_in,
                                             scope_view granted_scope, scope_view requested_scope = {}) noexcept
{
    // RFC 6749 Appendix A.12, RFC 6750 §2.1: a b64token, which needs no JSON escaping either.
    if (!detail::is_b64token(access_token) || expires_in.count() < 0) return errc::invalid_configuration;
    if (!granted_scope.empty() && !parse_scope(granted_scope.text(), {.max_tokens = SIZE_MAX, .max_size = SIZE_MAX}))
        return errc::invalid_configuration;
    return detail::oauth2::write_token_response(access_token, expires_in, granted_scope,
                                                !detail::oauth2::same_scope(granted_scope, requested_scope));
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_TOKEN_RESPONSE_HPP
