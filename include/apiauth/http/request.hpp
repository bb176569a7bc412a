// apiauth/http/request.hpp — what apiauth needs to know about an HTTP request.
#ifndef APIAUTH_HTTP_REQUEST_HPP
#define APIAUTH_HTTP_REQUEST_HPP

#include <apiauth/config.hpp>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** A view of the parts of an HTTP request that authentication reads.

    Any HTTP stack fills it (see adapters/); the core never sees the stack's
    own types. Every member is a view: the caller keeps the request alive
    while the view and anything parsed from it are in use.

    `authorization` holds every `Authorization` field line of the request in
    the order received, so that a duplicate is visible (RFC 9110 §5.3: it is
    a singleton field; apiauth answers two lines with duplicate_authorization
    rather than choosing one). Field values are as received after the HTTP
    parser removed leading and trailing whitespace (RFC 9110 §5.5).
*/
struct request_view {
    std::string_view method{};                          ///< "GET", "POST", … (case-sensitive, RFC 9110 §9.1)
    std::string_view target{};                          ///< origin-form: "/path?query"
    std::span<const std::string_view> authorization{};  ///< every Authorization field line (0, 1 or more)
    std::string_view content_type{};                    ///< Content-Type field value, or empty
    std::string_view body{};                            ///< the whole request body, or empty
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_REQUEST_HPP
