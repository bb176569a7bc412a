// apiauth/http/response.hpp — what an endpoint-like function decided to send: status, header
// fields in order, body. Any HTTP stack copies it into its own response as it is.
#ifndef APIAUTH_HTTP_RESPONSE_HPP
#define APIAUTH_HTTP_RESPONSE_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/ascii.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** One header field of a response: a name and its value, as they are sent. */
struct field {
    std::string name;   ///< the field name, e.g. "Cache-Control"
    std::string value;  ///< the field value, e.g. "no-store"
    /// Equal when name and value are the same octets.
    friend bool operator==(const field&, const field&) = default;
};

/** The HTTP answer apiauth decided on: status, header fields in order, body.

    Returned by every endpoint-like function (the token, revocation and
    introspection endpoints, authenticate_api's failures), so that an adapter
    only copies it into its stack's response: no flow makes up a status or a
    header of its own. The body of a token response holds a bearer token, so
    the body is wiped when the response is destroyed or assigned over.
*/
class response {
public:
    int status = 200;           ///< the HTTP status code (RFC 9110 §15)
    std::vector<field> fields;  ///< header fields in the order they are to be sent
    std::string body;           ///< the content, e.g. a JSON object; empty for none

    /// A 200 response with no field and no body.
    response() = default;
    /// A response with this status, no field and no body.
    explicit response(int s) noexcept : status(s) {}
    /// Takes `o`'s fields and body.
    response(response&& o) noexcept = default;
    /// A copy (the body is copied, not wiped: both copies wipe their own).
    response(const response& o) = default;
    /// Wipes this body, then takes `o`'s.
    response& operator=(response&& o) noexcept
    {
        if (this != &o) {
            crypto::wipe(body);
            status = o.status;
            fields = std::move(o.fields);
            body = std::move(o.body);
        }
        return *this;
    }
    /// Wipes this body, then copies `o`'s.
    response& operator=(const response& o)
    {
        if (this != &o) {
            crypto::wipe(body);
            status = o.status;
            fields = o.fields;
            body = o.body;
        }
        return *this;
    }
    /// Wipes the body.
    ~response() { crypto::wipe(body); }

    /** The value of the first field named `name` (compared case-insensitively,
        RFC 9110 §5.1), or nullptr. */
    const std::string* find(std::string_view name) const noexcept
    {
        for (const field& f : fields)
            if (detail::iequals(f.name, name)) return &f.value;
        return nullptr;
    }

    /** Appends a field. Allocates; throws std::bad_alloc only. */
    response& add(std::string_view name, std::string_view value)
    {
        fields.push_back({std::string(name), std::string(value)});
        return *this;
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_RESPONSE_HPP
