// apiauth/oidc/detail/common.hpp — internals shared by the OpenID Connect client headers:
// endpoint URL checks, a query cut out of a redirect target, small JSON readers.
#ifndef APIAUTH_OIDC_DETAIL_COMMON_HPP
#define APIAUTH_OIDC_DETAIL_COMMON_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {

// True for a host that names this machine: "localhost", 127.0.0.0/8, [::1]
// (RFC 8252 §7.3, §8.3: loopback redirects and test providers may use http).
inline bool is_loopback_host(const boost::urls::url_view& u) noexcept
{
    switch (u.host_type()) {
    case boost::urls::host_type::ipv4: return u.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6: return u.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name: return iequals(u.encoded_host(), "localhost");
    default: return false;
    }
}

// With an authority, the path is empty or begins with '/' (RFC 3986 §3.3 path-abempty).
// Boost.URL 1.81 parses "http://127.0.0.1.evil.example/" as host 127.0.0.1 and path
// ".evil.example/": an HTTP client would connect to the other host.
inline bool path_after_authority_ok(const boost::urls::url_view& u) noexcept
{
    return !u.has_authority() || u.encoded_path().empty() || u.encoded_path().front() == '/';
}

// An endpoint a client may send credentials or a browser to: an absolute
// https URL with a host and no fragment (RFC 6749 §3.1, §3.2: TLS required;
// no fragment), or http on a loopback host when `allow_loopback_http`.
inline bool is_endpoint(std::string_view s, bool allow_loopback_http = true) noexcept
{
    const auto u = boost::urls::parse_absolute_uri(s);
    if (!u || u->has_fragment() || !u->has_authority() || u->encoded_host().empty() || u->has_userinfo() ||
        !path_after_authority_ok(*u))
        return false;
    if (u->scheme_id() == boost::urls::scheme::https) return true;
    return allow_loopback_http && u->scheme_id() == boost::urls::scheme::http && is_loopback_host(*u);
}

// The query of a request target or absolute URL: after the first '?', before
// a '#' (RFC 3986 §3.4, §3.5).
inline std::string_view query_of(std::string_view target) noexcept
{
    const std::string_view before_fragment = target.substr(0, target.find('#'));
    const std::size_t q = before_fragment.find('?');
    return q == std::string_view::npos ? std::string_view() : before_fragment.substr(q + 1);
}

// The decoded value of form parameter `name`, or nullopt when absent or
// empty (RFC 6749 §3.1: a parameter without a value is treated as omitted).
inline result<std::optional<std::string>> form_value(const http::form_view& f, std::string_view name)
{
    const auto v = f.find(name);
    if (!v || v->empty()) return std::optional<std::string>();
    auto d = http::decode_form_component(*v);
    if (!d) return d.error();
    return std::optional<std::string>(std::move(*d));
}

// A JSON member read strictly: absent is fine, present must be a string.
inline std::error_code optional_string(simdjson::dom::object o, std::string_view name, std::string& out,
                                       errc wrong = errc::invalid_claim_type)
{
    const auto v = o.at_key(name);
    if (v.error() == simdjson::NO_SUCH_FIELD) return {};
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return wrong;
    out.assign(s);
    return {};
}

// Reads `text` as one JSON object with unique member names at every level
// (RFC 8259 §4, RFC 7519 §4 practice): not JSON or not an object is
// `malformed`, a repeated name duplicate_member. Bounded by the caller.
inline std::error_code parse_object(json_document& doc, std::string_view text, simdjson::dom::object& out,
                                    errc malformed)
{
    if (!doc.parse(text, /*unique=*/false)) return malformed;
    if (doc.root().get_object().get(out) != simdjson::SUCCESS) return malformed;
    std::vector<std::string_view> scratch;
    if (const std::error_code e = check_members(doc.root(), scratch, malformed)) return e;
    return {};
}

// Lower-case hex of `bytes`.
inline std::string to_hex(std::span<const std::byte> bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (const std::byte b : bytes) {
        const auto c = static_cast<unsigned char>(b);
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

#endif  // APIAUTH_OIDC_DETAIL_COMMON_HPP
