// apiauth/adapters/beast.hpp — Boost.Beast (1.81, header-only): its request as a request_view,
// apiauth's response into its response, and protect(), one line per route.
//
// Link apiauth::beast (CMake): Boost's headers and Threads (Asio).
//
// What Beast 1.81's request_parser does before any adapter sees a request (tests/adapters
// record each): an obs-fold is joined into the value with one SP; leading and trailing SP/HTAB
// of a value are removed; a field name with a character outside tchar (`Authorization :`), a
// control character in a value, a bare LF or a lone CR is an error (the server answers 400);
// a header section over header_limit (8192 octets by default) is http::error::header_limit,
// a body over body_limit (1 MiB) http::error::body_limit: status_for_read_error() turns them
// into 431 and 413. A response field is inserted after the last field of its name
// (fields::insert): repeated fields keep their order, and names the order of their first field.
#ifndef APIAUTH_ADAPTERS_BEAST_HPP
#define APIAUTH_ADAPTERS_BEAST_HPP

#include <apiauth/adapters/detail/fields.hpp>
#include <apiauth/adapters/route.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>

#include <boost/beast/core/string_type.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <concepts>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters {

template <class T> inline constexpr bool always_false = false;

// The body of a Beast message as contiguous octets: string_body, vector_body<char>,
// span_body<char> (anything with data() and size() of one-octet elements); empty_body is empty.
template <class Body> std::string_view beast_body(const typename Body::value_type& b) noexcept
{
    if constexpr (std::is_same_v<Body, ::boost::beast::http::empty_body>) {
        return {};
    } else if constexpr (requires {
                             {
                                 b.data()
                                 } -> std::convertible_to<const void*>;
                             {
                                 b.size()
                                 } -> std::convertible_to<std::size_t>;
                         } &&
                         sizeof(*b.data()) == 1) {
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    } else {
        static_assert(always_false<Body>, "apiauth::adapters::beast: the request body must be contiguous octets "
                                          "(string_body, vector_body<char>, span_body<char>) or empty_body; "
                                          "otherwise construct viewed_request from the header and a body view");
        return {};
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters::beast {

/** A Boost.Beast request seen as an http::request_view, without copying a string.

    view() holds: the method (`method_string()`); the request-target in origin-form (an
    absolute-form target is cut after its authority; a fragment, which Beast passes on, is
    left for the core to ignore); every `Authorization` field line in the order received
    (so that two lines are refused as duplicate_authorization by the core); the first
    `Content-Type` value; the body. api_key() holds every line of the field named
    `api_key_header`.

    The views point into the request and into this object: keep both alive while the view,
    and anything parsed from it, is in use. Not copyable nor movable. One pass over the fields
    in the order received, case-insensitive names (RFC 9110 §5.1); allocates only past four
    lines of one name. Never throws.

    @par Example
    @code
    apiauth::adapters::beast::viewed_request v(req);   // http::request<http::string_body>
    auto outcome = apiauth::authenticate_api(v.view(), cfg, store, ring, verifier);
    @endcode

    @par Specification RFC 9110 §5.3, §11.6.2; RFC 9112 §3.2.
*/
class viewed_request {
public:
    /// The view of a request's header and `body` (a body read elsewhere, or none yet).
    template <class Fields>
    viewed_request(const ::boost::beast::http::header<true, Fields>& h, std::string_view body,
                   std::string_view api_key_header = {}) noexcept
    {
        bool have_type = false;
        for (const auto& f : h) {
            if (f.name() == ::boost::beast::http::field::authorization) {
                authorization_.push_back(f.value());
            } else if (f.name() == ::boost::beast::http::field::content_type) {
                if (!have_type) view_.content_type = f.value();
                have_type = true;
            } else if (!api_key_header.empty() &&
                       apiauth::detail::iequals(std::string_view(f.name_string()), api_key_header)) {
                api_key_.push_back(f.value());
            }
        }
        view_.method = h.method_string();
        view_.target = apiauth::detail::adapters::origin_form(h.target());
        view_.authorization = authorization_.lines();
        view_.body = body;
    }
    /// The view of `req`, body included (string_body, vector_body<char>, span_body<char>,
    /// empty_body); also collects the lines of `api_key_header` when it is not empty.
    template <class Body, class Fields>
    explicit viewed_request(const ::boost::beast::http::request<Body, Fields>& req,
                            std::string_view api_key_header = {}) noexcept
        : viewed_request(static_cast<const ::boost::beast::http::header<true, Fields>&>(req),
                         apiauth::detail::adapters::beast_body<Body>(req.body()), api_key_header)
    {
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

/** Copy apiauth's answer into a Beast response: the status, every field (a repeated field,
    such as two WWW-Authenticate challenges, stays as many lines in its order; Beast groups
    lines of one name, RFC 9110 §5.3), the body; then prepare_payload() sets Content-Length.

    Fields of the names `from` carries are first removed from `to`, so that the Content-Type
    sent is apiauth's and only it. Content-Length and Transfer-Encoding are left to Beast,
    which frames the body; a field with a CR, LF or other control character is not written
    (Beast 1.81 does not check). The version and keep-alive are the caller's (protect() takes
    them from the request). Throws std::bad_alloc only.
    @par Specification RFC 9110 §5.3, §11.6.1, §15; RFC 9112 §6.
*/
template <class Fields>
void write_response(const http::response& from,
                    ::boost::beast::http::response<::boost::beast::http::string_body, Fields>& to)
{
    for (const http::field& f : from.fields) to.erase(::boost::beast::string_view(f.name.data(), f.name.size()));
    to.result(static_cast<unsigned>(from.status));
    for (const http::field& f : from.fields)
        if (apiauth::detail::adapters::is_sendable_field(f.name, f.value) &&
            !apiauth::detail::adapters::is_framing_field(f.name))
            to.insert(::boost::beast::string_view(f.name.data(), f.name.size()),
                      ::boost::beast::string_view(f.value.data(), f.value.size()));
    to.body() = from.body;
    to.prepare_payload();
}

/** Protect a route: the identity the request authenticated as, or nothing, and then `res`
    already holds the complete answer (400, 401 with its challenge, 403 insufficient_scope with
    `scope`, 405, 413, 431, a token response at the token endpoint, 500/503), with the
    request's version and keep-alive, ready to be written. See authenticate_route for each
    kind of route. A token sent in the query (RFC 6750 §2.3) sets `Cache-Control: private` on
    `res`. Never throws: if the answer cannot be copied (std::bad_alloc), `res` is a bare 500.

    @par Example
    @code
    http::response<http::string_body> res;
    if (auto who = apiauth::adapters::beast::protect(req, res, items_read)) {
        res.result(http::status::ok);
        res.body() = list_items(who->key_id());
    }
    @endcode

    @par Specification RFC 6750 §2, §3.1; RFC 7617 §2; RFC 9110 §15.5.2.
*/
template <class Body, class Fields, class ResFields, route_requirement Route>
std::optional<authenticated> protect(const ::boost::beast::http::request<Body, Fields>& req,
                                     ::boost::beast::http::response<::boost::beast::http::string_body, ResFields>& res,
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
            res.version(req.version());
            write_response(o.response, res);
            res.keep_alive(req.keep_alive());
            return std::nullopt;
        }
        if (const std::string_view cc = o.identity->cache_control(); !cc.empty())
            res.set(::boost::beast::http::field::cache_control, ::boost::beast::string_view(cc.data(), cc.size()));
    } catch (...) {  // std::bad_alloc while copying into the stack's strings
        res.result(::boost::beast::http::status::internal_server_error);
        res.clear();
        res.body().clear();
        try {
            res.prepare_payload();
        } catch (...) {  // no Content-Length then: the connection must close after the answer
        }
        return std::nullopt;
    }
    return std::move(o.identity);
}

/** The status that answers a request Beast's parser refused: 431 for http::error::header_limit
    (RFC 6585 §5), 413 for http::error::body_limit (RFC 9110 §15.5.14), 400 for every other
    parse error (a bad field name, a control character, a bare LF, an obs-fold over 4 KiB: RFC
    9112 §2.2, §5.1); 0 when there is nothing to answer (end_of_stream, partial_message, or an
    error of the connection itself, e.g. a timeout). Write the answer, then close the
    connection: the parser cannot go on.
*/
inline int status_for_read_error(const ::boost::system::error_code& ec) noexcept
{
    namespace http_ = ::boost::beast::http;
    if (!ec) return 0;
    if (ec == http_::error::header_limit) return 431;
    if (ec == http_::error::body_limit) return 413;
    if (ec == http_::error::end_of_stream || ec == http_::error::partial_message) return 0;
    if (ec.category() == http_::make_error_code(http_::error::bad_method).category()) return 400;
    return 0;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::adapters::beast

#endif  // APIAUTH_ADAPTERS_BEAST_HPP
