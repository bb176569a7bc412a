// apiauth/oidc/discovery.hpp — OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3,
// §4.3) and when to (re)fetch the provider's JWKS (Core §10.1.1): pure values; the
// application fetches.
#ifndef APIAUTH_OIDC_DISCOVERY_HPP
#define APIAUTH_OIDC_DISCOVERY_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/oidc/detail/common.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** Where a provider's metadata lives: `issuer` + "/.well-known/openid-configuration"
    (one trailing '/' of the issuer dropped first). Allocates.
    @par Specification OpenID Connect Discovery 1.0 §4, §4.1. */
inline std::string discovery_url(std::string_view issuer)
{
    if (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
    std::string u(issuer);
    u += "/.well-known/openid-configuration";
    return u;
}

/** An OpenID Provider's metadata, as read by parse_provider_metadata (Discovery §3).
    Endpoints are absolute https URLs (http only on loopback, see metadata_options). */
struct provider_metadata {
    std::string issuer;                         ///< REQUIRED; equals the expected issuer exactly
    std::string authorization_endpoint;         ///< REQUIRED
    std::string token_endpoint;                 ///< REQUIRED unless only the implicit flow (see metadata_options)
    std::string userinfo_endpoint;              ///< RECOMMENDED; empty when absent
    std::string jwks_uri;                       ///< REQUIRED
    std::string revocation_endpoint;            ///< RFC 8414 §2; empty when absent
    std::string end_session_endpoint;           ///< RP-Initiated Logout §2.1; empty when absent
    std::vector<std::string> scopes_supported;  ///< RECOMMENDED
    std::vector<std::string> response_types_supported;               ///< REQUIRED
    std::vector<std::string> subject_types_supported;                ///< REQUIRED
    std::vector<std::string> id_token_signing_alg_values_supported;  ///< REQUIRED, as sent
    std::vector<std::string> token_endpoint_auth_methods_supported;  ///< default client_secret_basic
    std::vector<std::string> code_challenge_methods_supported;       ///< RFC 8414 §2; empty: PKCE not advertised
    std::vector<std::string> grant_types_supported;                  ///< default authorization_code, implicit
    bool authorization_response_iss_parameter_supported = false;     ///< RFC 9207 §3: callback must carry iss

    /** The ID token algorithms this library can verify, in the order listed:
        "none" and unknown names left out. Give them to id_token_options::algorithms. */
    std::vector<jose::algorithm> id_token_algorithms() const
    {
        std::vector<jose::algorithm> out;
        for (const std::string& s : id_token_signing_alg_values_supported)
            if (const auto a = jose::parse_algorithm(s)) out.push_back(*a);
        return out;
    }
    /// True when code_challenge_methods_supported lists "S256" (RFC 8414 §2, RFC 7636 §4.2).
    bool supports_s256() const noexcept
    {
        return std::find(code_challenge_methods_supported.begin(), code_challenge_methods_supported.end(), "S256") !=
               code_challenge_methods_supported.end();
    }
};

/** Bounds and choices of parse_provider_metadata. */
struct metadata_options {
    /// Longest document accepted (body_too_large).
    std::size_t max_size = 64 * 1024;
    /// Require token_endpoint (Discovery §3). Off for Facebook, whose document lacks it (research §2.3).
    bool require_token_endpoint = true;
    /// Accept http endpoints on a loopback host for a test provider whose expected issuer is
    /// itself http on a loopback host. A provider with an https issuer uses https everywhere:
    /// its document may not point the client, and its secret, at this machine's own services.
    bool allow_loopback_http = true;
};

/** Read a provider's metadata document, fetched from discovery_url(expected_issuer).

    Order: over opt.max_size, body_too_large; a JSON object with unique
    member names (invalid_provider_metadata, duplicate_member); the endpoint
    and issuer members strings (invalid_claim_type); `issuer` present
    (missing_parameter) and equal to `expected_issuer` octet for octet
    (wrong_issuer, Discovery §4.3: no normalisation, a trailing '/'
    matters); the lists arrays of strings (invalid_claim_type) and the
    REQUIRED members present (missing_parameter): authorization_endpoint,
    token_endpoint (unless opt says otherwise), jwks_uri,
    response_types_supported, subject_types_supported,
    id_token_signing_alg_values_supported; endpoints not https (http
    on loopback only, and only when `expected_issuer` is http on loopback
    too) or with a fragment, and an issuer with a query or
    fragment (invalid_provider_metadata, Discovery §3); an
    id_token_signing_alg_values_supported without one algorithm this
    library verifies (unsupported_algorithm). Unknown members are ignored.
    Never throws (not_enough_memory).

    @par Specification OpenID Connect Discovery 1.0 §3, §4.3; RFC 8414 §2; RFC 9207 §3.
*/
inline result<provider_metadata> parse_provider_metadata(std::string_view json, std::string_view expected_issuer,
                                                         metadata_options opt = {}) noexcept
{
    try {
        namespace d = detail::oidc;
        if (json.size() > opt.max_size) return errc::body_too_large;
        // http endpoints on loopback only for a provider that is itself there (a test provider).
        const bool local_http =
            opt.allow_loopback_http && d::is_endpoint(expected_issuer, true) && !d::is_endpoint(expected_issuer, false);
        detail::json_document doc;
        simdjson::dom::object o;
        if (auto e = d::parse_object(doc, json, o, errc::invalid_provider_metadata)) return e;
        provider_metadata m;
        struct str_member {
            std::string_view name;
            std::string* out;
            bool required;
            bool endpoint;
        };
        const str_member strs[] = {
            {"issuer", &m.issuer, true, false},
            {"authorization_endpoint", &m.authorization_endpoint, true, true},
            {"token_endpoint", &m.token_endpoint, opt.require_token_endpoint, true},
            {"userinfo_endpoint", &m.userinfo_endpoint, false, true},
            {"jwks_uri", &m.jwks_uri, true, true},
            {"revocation_endpoint", &m.revocation_endpoint, false, true},
            {"end_session_endpoint", &m.end_session_endpoint, false, true},
        };
        for (const str_member& s : strs)
            if (auto e = d::optional_string(o, s.name, *s.out)) return e;
        if (m.issuer.empty()) return errc::missing_parameter;
        if (m.issuer != expected_issuer) return errc::wrong_issuer;
        struct list_member {
            std::string_view name;
            std::vector<std::string>* out;
            bool required;
        };
        const list_member lists[] = {
            {"scopes_supported", &m.scopes_supported, false},
            {"response_types_supported", &m.response_types_supported, true},
            {"subject_types_supported", &m.subject_types_supported, true},
            {"id_token_signing_alg_values_supported", &m.id_token_signing_alg_values_supported, true},
            {"token_endpoint_auth_methods_supported", &m.token_endpoint_auth_methods_supported, false},
            {"code_challenge_methods_supported", &m.code_challenge_methods_supported, false},
            {"grant_types_supported", &m.grant_types_supported, false},
        };
        for (const list_member& l : lists) {
            const auto v = o.at_key(l.name);
            if (v.error() == simdjson::NO_SUCH_FIELD) {
                if (l.required) return errc::missing_parameter;
                continue;
            }
            simdjson::dom::array a;
            if (v.get_array().get(a) != simdjson::SUCCESS || a.size() > 256) return errc::invalid_claim_type;
            for (const auto e : a) {
                std::string_view s;
                if (e.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
                l.out->emplace_back(s);
            }
        }
        if (const auto v = o.at_key("authorization_response_iss_parameter_supported");
            v.error() != simdjson::NO_SUCH_FIELD)
            if (v.get_bool().get(m.authorization_response_iss_parameter_supported) != simdjson::SUCCESS)
                return errc::invalid_claim_type;
        for (const str_member& s : strs) {
            if (s.out->empty()) {
                if (s.required) return errc::missing_parameter;
                continue;
            }
            if (s.endpoint && !d::is_endpoint(*s.out, local_http)) return errc::invalid_provider_metadata;
        }
        // Discovery §3: the issuer is an https URL with no query or fragment.
        const auto iu = boost::urls::parse_absolute_uri(m.issuer);
        if (!d::is_endpoint(m.issuer, local_http) || !iu || iu->has_query()) return errc::invalid_provider_metadata;
        if (m.id_token_algorithms().empty()) return errc::unsupported_algorithm;
        return m;
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** How long keys from a JWKS are kept and how often they may be fetched
    again. The defaults are panva/jose's createRemoteJWKSet (research §1.9). */
struct jwks_cache_policy {
    /// Lifetime when the response has no usable max-age.
    std::chrono::seconds default_lifetime{600};
    /// Shortest lifetime (also for no-cache / no-store): protects the provider and the app.
    std::chrono::seconds min_lifetime{60};
    /// Longest lifetime, whatever max-age says: rotation must show up within it.
    std::chrono::seconds max_lifetime{24 * 3600};
    /// After a fetch (or a failed attempt), the earliest next fetch for an unknown kid.
    std::chrono::seconds cooldown{30};
};

/** How long to keep a JWKS fetched with this Cache-Control field value:
    `max-age` (delta-seconds, optionally quoted) clamped to
    [min_lifetime, max_lifetime]; `no-store` or `no-cache` give
    min_lifetime; no usable max-age gives default_lifetime (a max_lifetime
    below min_lifetime counts as min_lifetime). Directive names
    are case-insensitive; a malformed max-age is ignored. No allocation.
    @par Specification RFC 9111 §5.2.2.1, §5.2.2.4, §5.2.2.5, §1.2.2;
    OpenID Connect Core §10.1.1. */
inline std::chrono::seconds jwks_lifetime(std::string_view cache_control, const jwks_cache_policy& p = {}) noexcept
{
    std::int64_t max_age = -1;
    bool no_cache = false;
    while (!cache_control.empty()) {
        const std::size_t comma = cache_control.find(',');
        std::string_view item = cache_control.substr(0, comma);
        cache_control = comma == std::string_view::npos ? std::string_view() : cache_control.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        const std::size_t eq = item.find('=');
        const std::string_view name = item.substr(0, eq);
        if (detail::iequals(name, "no-store") || detail::iequals(name, "no-cache")) no_cache = true;
        if (!detail::iequals(name, "max-age") || eq == std::string_view::npos) continue;
        std::string_view v = item.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (v.empty()) continue;
        std::int64_t n = 0;
        bool ok = true;
        for (const char c : v) {
            if (c < '0' || c > '9') {
                ok = false;
                break;
            }
            if (n < 2147483648) n = n * 10 + (c - '0');  // RFC 9111 §1.2.2: cap at 2^31
        }
        if (ok) max_age = std::min<std::int64_t>(n, 2147483648);
    }
    // A policy whose max_lifetime is below its min_lifetime keeps min_lifetime (std::clamp with
    // its bounds the wrong way round is undefined behaviour).
    const std::chrono::seconds lo = p.min_lifetime, hi = std::max(p.max_lifetime, p.min_lifetime);
    if (no_cache) return lo;
    if (max_age < 0) return std::clamp(p.default_lifetime, lo, hi);
    return std::clamp(std::chrono::seconds(max_age), lo, hi);
}

/** When a cached JWKS must be fetched again: a small value the application
    keeps beside its key set and updates as it fetches. Not thread-safe by
    itself: guard it with the key set it describes.

    The rules (research §1.9): keys expire after jwks_lifetime(Cache-Control);
    an ID token whose kid is unknown (unknown_key) may trigger a fetch at
    most once per cooldown; a failed fetch keeps the old keys and also waits
    the cooldown.

    @par Example
    @code
    if (sched.due(now)) fetch();                          // then sched.fetched(now, cache_control)
    auto t = verifier.verify(id_token, expect);
    if (!t && sched.may_refetch(t.error(), now)) fetch(); // rotation: then verify once more
    @endcode
    @par Specification OpenID Connect Core §10.1.1; RFC 9111 §5.2.2.1.
*/
class jwks_schedule {
public:
    using time_point = std::chrono::system_clock::time_point;  ///< wall-clock time

    /// A schedule that has never fetched: due at once.
    explicit jwks_schedule(jwks_cache_policy p = {}) noexcept : p_(p) {}

    /// Records a successful fetch at `now` whose response had this Cache-Control value.
    void fetched(time_point now, std::string_view cache_control) noexcept
    {
        last_attempt_ = now;
        expires_ = now + jwks_lifetime(cache_control, p_);
        attempted_ = true;
    }
    /// Records a failed fetch at `now`: the old keys stay in use; the next try waits the cooldown.
    void fetch_failed(time_point now) noexcept
    {
        last_attempt_ = now;
        attempted_ = true;
        if (expires_ < now + p_.cooldown) expires_ = now + p_.cooldown;
    }
    /// True when the keys expired (or were never fetched): fetch before verifying.
    bool due(time_point now) const noexcept { return !attempted_ || now >= expires_; }
    /// True when a verification that failed with `ec` may fetch the keys again: `ec` is
    /// unknown_key (a kid not in the set: a rotation) and the cooldown since the last attempt passed.
    bool may_refetch(std::error_code ec, time_point now) const noexcept
    {
        return ec == errc::unknown_key && (!attempted_ || now >= last_attempt_ + p_.cooldown);
    }
    /// When the keys expire.
    time_point expires_at() const noexcept { return expires_; }
    /// The earliest time an unknown kid may trigger a fetch.
    time_point next_refetch_allowed() const noexcept { return last_attempt_ + p_.cooldown; }

private:
    jwks_cache_policy p_;
    time_point last_attempt_{};
    time_point expires_{};
    bool attempted_ = false;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_DISCOVERY_HPP
