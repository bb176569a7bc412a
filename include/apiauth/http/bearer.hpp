// apiauth/http/bearer.hpp — finding the bearer token of a request (RFC 6750 §2).
#ifndef APIAUTH_HTTP_BEARER_HPP
#define APIAUTH_HTTP_BEARER_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/auth_grammar.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/http/request.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Which transmission methods of RFC 6750 §2 a resource accepts.

    The header method is always on (§2.1: resource servers MUST support it).
    The form-body method (§2.2) and the query method (§2.3, removed by
    OAuth 2.1, "SHOULD NOT be used") are off unless asked for.
*/
struct bearer_options {
    bool allow_form_body = false;      ///< accept `access_token` in a form-encoded POST/PUT/PATCH body
    bool allow_query = false;          ///< accept `access_token` in the request-target query
    std::size_t max_body_size = 8192;  ///< longest body read when the body method is on (body_too_large)
    parse_options header{};            ///< bounds for the Authorization field value
};

/// How the token arrived.
enum class bearer_method { header, form_body, query };

/** A bearer token found in a request.

    For the header method, `value()` views into the Authorization field
    value (no allocation). A token from the body or query is form-decoded
    once and owned here when decoding changed it.
*/
class bearer_token {
public:
    /// A token that views `view` (the header method, or a form value that needed no decoding).
    bearer_token(std::string_view view, bearer_method m) noexcept : view_(view), method_(m) {}
    /// A token owning its form-decoded octets (wiped when this object dies).
    bearer_token(std::string decoded, bearer_method m) noexcept : decoded_(std::move(decoded)), method_(m)
    {
        owned_ = true;
    }
    /// A copy (owning its own copy of a decoded token).
    bearer_token(const bearer_token& o) = default;
    /// Takes over `o`'s token and wipes what `o` held.
    bearer_token(bearer_token&& o) noexcept
        : view_(o.view_), decoded_(std::move(o.decoded_)), method_(o.method_), owned_(o.owned_)
    {
        crypto::wipe(o.decoded_);
    }
    /// Replaces this token with a copy of `o`, wiping the old one first.
    bearer_token& operator=(const bearer_token& o)
    {
        if (this != &o) {
            crypto::wipe(decoded_);
            view_ = o.view_;
            decoded_ = o.decoded_;
            method_ = o.method_;
            owned_ = o.owned_;
        }
        return *this;
    }
    /// Replaces this token with `o`'s, wiping the old one and what `o` held.
    bearer_token& operator=(bearer_token&& o) noexcept
    {
        if (this != &o) {
            crypto::wipe(decoded_);
            view_ = o.view_;
            decoded_ = std::move(o.decoded_);
            crypto::wipe(o.decoded_);
            method_ = o.method_;
            owned_ = o.owned_;
        }
        return *this;
    }
    /// Wipes a decoded token: an access token is a secret until it expires.
    ~bearer_token() { crypto::wipe(decoded_); }

    /// The token: a view into the request, or into this object when form-decoded.
    std::string_view value() const noexcept { return owned_ ? std::string_view(decoded_) : view_; }
    /// Where the token was found (RFC 6750 §2.1–§2.3).
    bearer_method method() const noexcept { return method_; }

    /// RFC 6750 §2.3: a 2xx answer to a request that used the query method
    /// SHOULD carry `Cache-Control: private`; this returns "private" then, else "".
    std::string_view cache_control() const noexcept { return method_ == bearer_method::query ? "private" : ""; }

private:
    std::string_view view_;
    std::string decoded_;
    bearer_method method_;
    bool owned_ = false;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::bearer {

using namespace apiauth::http;  // the internals of apiauth::http

struct form_lookup {
    std::size_t count = 0;   // occurrences of access_token
    bool malformed = false;  // not valid form encoding
    std::string_view value;  // of the first occurrence, still encoded ("" without '=')
};

// What RFC 6750 §2.2 and §2.3 read with http/form.hpp: the grammar and the
// escapes only. Other parameters belong to the application: they may repeat,
// be many (extract_bearer bounds the size) and decode to any octets; the
// token itself must be a b64token, which extract_bearer checks after decoding.
inline constexpr form_options token_form{.max_size = std::numeric_limits<std::size_t>::max(),
                                         .max_params = std::numeric_limits<std::size_t>::max(),
                                         .reject_duplicates = false,
                                         .require_utf8 = false};

// Finds `access_token` in application/x-www-form-urlencoded text (only '&'
// separates pairs; '+' is a space). Keys are compared after decoding.
inline form_lookup find_access_token(std::string_view text) noexcept
{
    form_lookup r;
    // Cheap filter: a request without the parameter pays one substring search.
    if (text.find("access_token") == std::string_view::npos && text.find('%') == std::string_view::npos) return r;
    const auto form = parse_form(text, token_form);
    if (!form) {
        r.malformed = true;  // malformed_form_body: token_form lets nothing else fail
        return r;
    }
    for (const form_pair& p : *form) {
        if (detail::form::decodes_to(p.name, "access_token") && ++r.count == 1) r.value = p.value;
    }
    return r;
}

inline bool body_method_allowed(std::string_view method) noexcept
{
    // RFC 6750 §2.2: a method whose request body has defined semantics; GET MUST NOT be used.
    return method == "POST" || method == "PUT" || method == "PATCH";
}

inline std::string_view query_of(std::string_view target) noexcept
{
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view s = target.substr(q + 1);
    return s.substr(0, s.find('#'));
}

// What follows `Bearer` SP in the request's only Authorization field when extract_bearer, given
// that it is a b64token, would answer that token from the header: the scheme (any case) and one
// SP, within opt.header.max_size, and no `access_token` (nor anything malformed) in the query or
// in a form body that extract_bearer reads. Else "" (extract_bearer decides). The token's syntax
// is NOT checked: a caller may take it as the token only once something else proves it a
// b64token: equality with a token the token cache holds (it keeps only b64tokens), or a
// successful verification as a JWS (strict base64url and two dots). Otherwise it must ask
// extract_bearer.
inline std::string_view unchecked_header_token(const request_view& req, const bearer_options& opt) noexcept
{
    if (req.authorization.size() != 1) return {};
    const std::string_view f = req.authorization.front();
    if (f.size() <= 7 || f.size() > opt.header.max_size || f[6] != ' ' || !detail::istarts_with(f, "bearer")) return {};
    if (body_method_allowed(req.method) &&
        detail::iequals(detail::media_type(req.content_type), "application/x-www-form-urlencoded")) {
        if (req.body.size() > opt.max_body_size) return {};
        const form_lookup b = find_access_token(req.body);
        if (b.count != 0 || b.malformed) return {};
    }
    const form_lookup q = find_access_token(query_of(req.target));
    if (q.count != 0 || q.malformed) return {};
    return f.substr(7);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::bearer

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Find the bearer token of a request by the methods of RFC 6750 §2.

    Header (§2.1): `Authorization: Bearer <b64token>`, scheme matched
    case-insensitively, `1*SP` before the token, padding kept. Body (§2.2,
    if `opt.allow_form_body`): `access_token` in a POST, PUT or PATCH body
    whose media type is application/x-www-form-urlencoded (parameters such
    as charset ignored). Query (§2.3, if `opt.allow_query`): `access_token`
    in the target's query. A token from the body or query must also be a
    b64token.

    More than one method is multiple_token_methods (§2: clients MUST NOT),
    and so is a token in the body or query next to an Authorization field of
    another scheme. A token in a disabled method counts for this check
    (never as credentials), so `Bearer x` plus `?access_token=y` is refused
    even with the query method off; a disabled body longer than
    `opt.max_body_size` is not scanned for it (the bound holds first).

    Errors: no_credentials (nothing found: answer 401 without `error`,
    §3.1), unsupported_scheme (only another scheme: same answer),
    duplicate_authorization, the parse_credentials errors,
    bearer_missing_token (`Bearer` alone), bearer_invalid_syntax (not a
    b64token, e.g. `Bearer a=b`), duplicate_parameter (access_token twice),
    multiple_token_methods, body_too_large, malformed_form_body.
    http_status() gives 400 for each malformed request (invalid_request).
    The header path does not allocate; a body or query token that decoding
    changes is copied, and if that allocation fails the answer is
    std::errc::not_enough_memory (500), never an exception.

    @par BNF
    @code
    credentials = "Bearer" 1*SP b64token
    b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    @endcode

    @par Specification RFC 6750 §2.1, §2.2, §2.3, §3.1.

    @see parse_credentials, write_bearer_challenge.
*/
inline result<bearer_token> extract_bearer(const request_view& req, bearer_options opt = {}) noexcept
{
    std::string_view header_token;
    bool other_scheme = false;
    if (req.authorization.size() > 1) return errc::duplicate_authorization;
    if (req.authorization.size() == 1) {
        auto c = parse_credentials(req.authorization.front(), opt.header);
        if (!c) return c.error();
        if (c->is("Bearer")) {
            if (!c->token68.empty())
                header_token = c->token68;
            else if (!c->params.empty())
                return errc::bearer_invalid_syntax;
            else
                return errc::bearer_missing_token;
        } else {
            other_scheme = true;
        }
    }

    // Form body: only a form-encoded body of a method with body semantics.
    detail::bearer::form_lookup body;
    const bool body_applies =
        detail::bearer::body_method_allowed(req.method) &&
        detail::iequals(detail::media_type(req.content_type), "application/x-www-form-urlencoded");
    if (body_applies) {
        if (opt.allow_form_body && req.body.size() > opt.max_body_size) return errc::body_too_large;
        if (req.body.size() <= opt.max_body_size) body = detail::bearer::find_access_token(req.body);
        if (opt.allow_form_body && body.malformed) return errc::malformed_form_body;
    }
    detail::bearer::form_lookup query = detail::bearer::find_access_token(detail::bearer::query_of(req.target));
    if (opt.allow_query && query.malformed) return errc::malformed_form_body;

    const int methods = (header_token.empty() ? 0 : 1) + (body.count ? 1 : 0) + (query.count ? 1 : 0);
    if (methods > 1 || (other_scheme && methods > 0)) return errc::multiple_token_methods;
    if (!header_token.empty()) return bearer_token(header_token, bearer_method::header);

    const auto from_form = [](const detail::bearer::form_lookup& f, bearer_method m) -> result<bearer_token> {
        if (f.count > 1) return errc::duplicate_parameter;
        if (f.value.empty()) return errc::bearer_missing_token;  // RFC 6749 §3.2: empty is absent
        // A b64token has neither '%' nor a space: one that needs no decoding is used in place.
        if (f.value.find('%') == std::string_view::npos && f.value.find('+') == std::string_view::npos) {
            if (!detail::is_b64token(f.value)) return errc::bearer_invalid_syntax;
            return bearer_token(f.value, m);
        }
        auto decoded = decode_form_component(f.value);
        if (!decoded) return decoded.error();  // only not_enough_memory: the escapes were validated
        if (!detail::is_b64token(*decoded)) {
            crypto::wipe(*decoded);
            return errc::bearer_invalid_syntax;
        }
        return bearer_token(std::move(*decoded), m);
    };
    if (body.count && opt.allow_form_body) return from_form(body, bearer_method::form_body);
    if (query.count && opt.allow_query) return from_form(query, bearer_method::query);
    return other_scheme ? errc::unsupported_scheme : errc::no_credentials;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_BEARER_HPP
