// fuzz_provider_metadata — oidc::parse_provider_metadata (apiauth/oidc/discovery.hpp; OpenID Connect
// Discovery 1.0 §3, §4.3; RFC 8414 §2) and oidc::jwks_lifetime / jwks_schedule (Core §10.1.1,
// RFC 9111 §5.2.2.1).
//
// Input: one control byte, then LF-separated fields:
//     <ctl> expected-issuer LF cache-control LF metadata-json
// ctl & 1 turns require_token_endpoint off, ctl & 2 turns allow_loopback_http off, ctl & 4 bounds
// the document at 200 octets; (ctl >> 3) & 3 picks the cache policy (the defaults; min 0 max 5
// default 7; min 100 max 100; min 1 max 2^31+10 default 0).
// Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - success: issuer == expected issuer; the required members present; every endpoint (and the
//    issuer) an absolute https URL with a non-empty host, no userinfo and no '#' (scheme compared
//    case-insensitively, RFC 3986 §3.1), or http on a loopback host (localhost, 127.x.x.x, [::1])
//    only when allow_loopback_http; the issuer without '?'; one verifiable algorithm;
//  - success with another expected issuer is wrong_issuer; success stays success (same values)
//    with require_token_endpoint off and with allow_loopback_http on;
//  - body_too_large exactly when the document is over max_size;
//  - jwks_lifetime within [min_lifetime, max_lifetime] and equal to a model written here
//    (comma-split directives, max-age digits optionally quoted, capped at 2^31, no-store/no-cache);
//    jwks_schedule::fetched(now, cc) expires at now + that lifetime;
//  - the same calls again give the same outcome (determinism).
#include "fuzz_check.hpp"

#include <apiauth/error.hpp>
#include <apiauth/oidc/discovery.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;
using std::chrono::seconds;

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_dotted_loopback(std::string_view host)
{
    // Four decimal octets, the first 127.
    int parts = 0;
    std::size_t pos = 0;
    std::string_view first;
    while (true) {
        const std::size_t dot = host.find('.', pos);
        const std::string_view p = host.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
        if (std::stoi(std::string(p)) > 255) return false;
        if (parts == 0) first = p;
        ++parts;
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return parts == 4 && first == "127";
}

// The model of an acceptable endpoint, written from the documentation, not from is_endpoint.
bool endpoint_ok(std::string_view s, bool allow_loopback_http)
{
    if (s.find('#') != std::string_view::npos) return false;
    const std::string l = lower(s.substr(0, 8));
    bool http = false;
    if (l.starts_with("https://"))
        s.remove_prefix(8);
    else if (l.starts_with("http://"))
        s.remove_prefix(7), http = true;
    else
        return false;
    const std::string_view authority = s.substr(0, s.find_first_of("/?"));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
    std::string_view host = authority;
    if (host.front() == '[') {
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos) return false;
        host = host.substr(0, close + 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    if (host.empty()) return false;
    if (!http) return true;
    if (!allow_loopback_http) return false;
    const std::string h = lower(host);
    return h == "localhost" || is_dotted_loopback(h) || h.starts_with("[");  // IPv6: any spelling of ::1
}

bool same(const oidc::provider_metadata& a, const oidc::provider_metadata& b)
{
    return a.issuer == b.issuer && a.authorization_endpoint == b.authorization_endpoint &&
           a.token_endpoint == b.token_endpoint && a.userinfo_endpoint == b.userinfo_endpoint &&
           a.jwks_uri == b.jwks_uri && a.revocation_endpoint == b.revocation_endpoint &&
           a.end_session_endpoint == b.end_session_endpoint && a.scopes_supported == b.scopes_supported &&
           a.response_types_supported == b.response_types_supported &&
           a.subject_types_supported == b.subject_types_supported &&
           a.id_token_signing_alg_values_supported == b.id_token_signing_alg_values_supported &&
           a.token_endpoint_auth_methods_supported == b.token_endpoint_auth_methods_supported &&
           a.code_challenge_methods_supported == b.code_challenge_methods_supported &&
           a.grant_types_supported == b.grant_types_supported &&
           a.authorization_response_iss_parameter_supported == b.authorization_response_iss_parameter_supported;
}

bool same(const apiauth::result<oidc::provider_metadata>& a, const apiauth::result<oidc::provider_metadata>& b)
{
    if (a.has_value() != b.has_value()) return false;
    return a ? same(*a, *b) : a.error() == b.error();
}

std::string_view trim(std::string_view s)
{
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// jwks_lifetime as documented.
seconds model_lifetime(std::string_view cc, const oidc::jwks_cache_policy& p)
{
    constexpr std::int64_t cap = 2147483648;  // RFC 9111 §1.2.2
    std::int64_t max_age = -1;
    bool no_cache = false;
    std::size_t pos = 0;
    while (pos < cc.size()) {
        std::size_t comma = cc.find(',', pos);
        if (comma == std::string_view::npos) comma = cc.size();
        const std::string_view item = trim(cc.substr(pos, comma - pos));
        pos = comma + 1;
        const std::size_t eq = item.find('=');
        const std::string name = lower(item.substr(0, eq));
        if (name == "no-store" || name == "no-cache") no_cache = true;
        if (name != "max-age" || eq == std::string_view::npos) continue;
        std::string_view v = item.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos) continue;
        std::int64_t n = 0;
        for (const char c : v) n = std::min(cap, n * 10 + (c - '0'));
        max_age = n;
    }
    if (no_cache) return p.min_lifetime;
    return std::clamp(max_age < 0 ? p.default_lifetime : seconds(max_age), p.min_lifetime, p.max_lifetime);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned ctl = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string_view expected = fuzz::next_line(in);
    const std::string_view cache_control = fuzz::next_line(in);
    const std::string_view json = in;

    // The cache policy.
    const oidc::jwks_cache_policy policies[4] = {
        {},
        {.default_lifetime = seconds(7), .min_lifetime = seconds(0), .max_lifetime = seconds(5)},
        {.default_lifetime = seconds(600), .min_lifetime = seconds(100), .max_lifetime = seconds(100)},
        {.default_lifetime = seconds(0), .min_lifetime = seconds(1), .max_lifetime = seconds(2147483658)},
    };
    const oidc::jwks_cache_policy& p = policies[(ctl >> 3) & 3u];
    const seconds life = oidc::jwks_lifetime(cache_control, p);
    FUZZ_CHECK(life >= p.min_lifetime && life <= p.max_lifetime);
    FUZZ_CHECK(life == model_lifetime(cache_control, p));
    FUZZ_CHECK(life == oidc::jwks_lifetime(cache_control, p));
    {
        const oidc::jwks_schedule::time_point now{seconds(1700000000)};
        oidc::jwks_schedule sched(p);
        FUZZ_CHECK(sched.due(now));
        sched.fetched(now, cache_control);
        FUZZ_CHECK(sched.expires_at() == now + life);
        FUZZ_CHECK(sched.due(now + life));
        FUZZ_CHECK(sched.due(now) == (life == seconds(0)));
    }

    // The metadata.
    oidc::metadata_options opt;
    opt.require_token_endpoint = (ctl & 1u) == 0;
    opt.allow_loopback_http = (ctl & 2u) == 0;
    if (ctl & 4u) opt.max_size = 200;
    const auto m = oidc::parse_provider_metadata(json, expected, opt);
    FUZZ_CHECK(same(m, oidc::parse_provider_metadata(json, expected, opt)));

    if (json.size() > opt.max_size)
        FUZZ_CHECK(!m && m.error() == errc::body_too_large);
    else
        FUZZ_CHECK(m || m.error() != errc::body_too_large);
    if (!m) return 0;

    FUZZ_CHECK(m->issuer == expected && !m->issuer.empty());
    FUZZ_CHECK(m->issuer.find('?') == std::string::npos);
    FUZZ_CHECK(endpoint_ok(m->issuer, opt.allow_loopback_http));
    FUZZ_CHECK(!m->authorization_endpoint.empty() && !m->jwks_uri.empty());
    if (opt.require_token_endpoint) FUZZ_CHECK(!m->token_endpoint.empty());
    FUZZ_CHECK(!m->id_token_algorithms().empty());
    for (const std::string* e : {&m->authorization_endpoint, &m->token_endpoint, &m->userinfo_endpoint, &m->jwks_uri,
                                 &m->revocation_endpoint, &m->end_session_endpoint})
        if (!e->empty()) FUZZ_CHECK(endpoint_ok(*e, opt.allow_loopback_http));

    // Another expected issuer: refused as such.
    const std::string other = std::string(expected) + "x";
    const auto w = oidc::parse_provider_metadata(json, other, opt);
    FUZZ_CHECK(!w && w.error() == errc::wrong_issuer);
    // Looser options accept what stricter ones did, with the same values.
    oidc::metadata_options loose = opt;
    loose.require_token_endpoint = false;
    loose.allow_loopback_http = true;
    FUZZ_CHECK(same(m, oidc::parse_provider_metadata(json, expected, loose)));
    return 0;
}
