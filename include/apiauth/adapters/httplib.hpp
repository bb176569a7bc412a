// apiauth/adapters/httplib.hpp — cpp-httplib (0.11, Debian libcpp-httplib-dev): its request as a
// request_view, apiauth's response into its response, and protect(), one line per route.
//
// Link apiauth::httplib (CMake): Debian builds cpp-httplib as a library whose types depend on
// CPPHTTPLIB_OPENSSL_SUPPORT, _ZLIB_SUPPORT and _BROTLI_SUPPORT; that target carries the same
// definitions (pkg-config cpp-httplib), without which httplib::Request has another layout.
//
// What cpp-httplib 0.11 does to a request before any adapter sees it (tests/adapters record
// each): field values are percent-decoded (`%41` arrives as `A`, `%0D%0A` as CR LF); a line
// that does not end in CRLF is skipped, and so is a field with an empty value or a line
// without ':' (an obs-fold continuation); a field name is not checked (`Authorization :` is
// another field); a request line or field line over 8192 octets is answered 400 (414 for the
// request line), a form-encoded body over 8192 octets 413, by the stack itself. Response
// fields are kept in a multimap ordered by name: repeated fields keep their order, fields of
// different names are sent sorted by name (RFC 9110 §5.3: their order is not significant).
// A Server::set_error_handler replaces every 4xx/5xx response, protect()'s answers included.
#ifndef APIAUTH_ADAPTERS_HTTPLIB_HPP
#define APIAUTH_ADAPTERS_HTTPLIB_HPP

#include <apiauth/adapters/detail/fields.hpp>
#include <apiauth/adapters/route.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>

#include <httplib.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters::httplib {

/** A cpp-httplib server request seen as an http::request_view, without copying a string.

    view() holds: the method; the request-target as received (`Request::target`, which
    cpp-httplib 0.11 keeps without its fragment), in origin-form (an absolute-form target is
    cut after its authority); every `Authorization` field line in the order received (so that
    two lines are refused as duplicate_authorization by the core); the first `Content-Type`
    value; the body. api_key() holds every line of the field named `api_key_header`.

    The views point into `req` and into this object: keep both alive while the view, and
    anything parsed from it, is in use. Not copyable nor movable (make it where it is used).
    One pass over the fields, case-insensitive names (RFC 9110 §5.1); allocates only past
    four lines of one name. Never throws.

    @par Example
    @code
    apiauth::adapters::httplib::viewed_request v(req);
    auto outcome = apiauth::authenticate_api(v.view(), cfg, store, ring, verifier);
    @endcode

    @par Specification RFC 9110 §5.3, §11.6.2; RFC 9112 §3.2.
*/
class viewed_request {
public:
    /// The view of `req`; also collects the lines of `api_key_header` when it is not empty.
    explicit viewed_request(const ::httplib::Request& req, std::string_view api_key_header = {}) noexcept
    {
        bool have_type = false;
        for (const auto& [name, value] : req.headers) {
            if (apiauth::detail::iequals(name, "Authorization")) {
                authorization_.push_back(value);
            } else if (!have_type && apiauth::detail::iequals(name, "Content-Type")) {
                view_.content_type = value;
                have_type = true;
            } else if (!api_key_header.empty() && apiauth::detail::iequals(name, api_key_header)) {
                api_key_.push_back(value);
            }
        }
        view_.method = req.method;
        view_.target = apiauth::detail::adapters::origin_form(req.target);
        view_.authorization = authorization_.lines();
        view_.body = req.body;
    }
    viewed_request(const viewed_request&) = delete;
    viewed_request& operator=(const viewed_request&) = delete;

    /// The request as apiauth reads it.
    const http::request_view& view() const noexcept { return view_; }
    /// The request as apiauth reads it.
    operator const http::request_view&() const noexcept { return view_; }  // NOLINT: implicit on purpose
    /// Every line of the field named at construction (e.g. X-API-Key), in order.
    std::span<const std::string_view> api_key() const noexcept { return api_key_.lines(); }

private:
    apiauth::detail::adapters::field_lines authorization_;
    apiauth::detail::adapters::field_lines api_key_;
    http::request_view view_{};
};

/** Copy apiauth's answer into a cpp-httplib response: the status, every field (a repeated
    field, such as two WWW-Authenticate challenges, keeps its order), the body.

    Fields of the names `from` carries are first removed from `to`, so that the Content-Type
    sent is apiauth's and only it (the body is assigned, not set with set_content, which
    would write a Content-Type of its own). Content-Length and Transfer-Encoding are left to
    cpp-httplib, which frames the body it sends; a field with a CR, LF or other control
    character is not written (cpp-httplib's set_header refuses it too). Throws std::bad_alloc
    only.
    @par Specification RFC 9110 §5.3, §11.6.1, §15; RFC 9112 §6.
*/
inline void write_response(const http::response& from, ::httplib::Response& to)
{
    for (const http::field& f : from.fields) to.headers.erase(f.name);
    to.status = from.status;
    for (const http::field& f : from.fields)
        if (apiauth::detail::adapters::is_sendable_field(f.name, f.value) &&
            !apiauth::detail::adapters::is_framing_field(f.name))
            to.set_header(f.name, f.value);
    to.body = from.body;
}

/** Protect a route: the identity the request authenticated as, or nothing, and then `res`
    already holds the complete answer (400, 401 with its challenge, 403 insufficient_scope with
    `scope`, 405, 413, 431, a token response at the token endpoint, 500/503) and the handler
    returns. See authenticate_route for each kind of route. A token sent in the query (RFC 6750
    §2.3) sets `Cache-Control: private` on `res`. Never throws: if the answer cannot be copied
    (std::bad_alloc), `res` is a bare 500.

    @par Example
    @code
    svr.Get("/api/items", [&](const httplib::Request& req, httplib::Response& res) {
        if (auto who = apiauth::adapters::httplib::protect(req, res, items_read))
            res.set_content(list_items(who->key_id()), "application/json");
    });
    @endcode

    @par Specification RFC 6750 §2, §3.1; RFC 7617 §2; RFC 9110 §15.5.2.
*/
template <route_requirement Route>
std::optional<authenticated> protect(const ::httplib::Request& req, ::httplib::Response& res,
                                     const Route& route) noexcept
{
    std::string_view api_key_header;
    if constexpr (std::same_as<Route, api_key_route>) api_key_header = route.header;
    const viewed_request v(req, api_key_header);
    auth_outcome o = [&] {
        if constexpr (std::same_as<Route, api_key_route>)
            return authenticate_route(v.view(), route, v.api_key());
        else
            return authenticate_route(v.view(), route);
    }();
    try {
        if (!o.identity) {
            write_response(o.response, res);
            return std::nullopt;
        }
        if (const std::string_view cc = o.identity->cache_control(); !cc.empty()) {
            res.headers.erase("Cache-Control");
            res.set_header("Cache-Control", std::string(cc));
        }
    } catch (...) {  // std::bad_alloc while copying into the stack's strings
        res.status = 500;
        res.headers.clear();
        res.body.clear();
        return std::nullopt;
    }
    return std::move(o.identity);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters::httplib

#endif  // APIAUTH_ADAPTERS_HTTPLIB_HPP
