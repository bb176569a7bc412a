// apiauth/oauth2/access_token.hpp — JWT access tokens (RFC 9068): issued by the token endpoint,
// verified at resources with scope enforcement and, optionally, a revocation store.
#ifndef APIAUTH_OAUTH2_ACCESS_TOKEN_HPP
#define APIAUTH_OAUTH2_ACCESS_TOKEN_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** What the issuer puts in every access token (RFC 9068 §2.2, §3). */
struct access_token_options {
    /// `iss`: the authorization server's issuer identifier, exactly as resources compare it.
    std::string issuer;
    /// `aud` when the request names no resource (RFC 9068 §3: "MUST use a default resource
    /// indicator"); at least one.
    std::vector<std::string> audience;
    /// `exp` = `iat` + lifetime; `expires_in` of the token response (Stormpath's default 3600 s).
    std::chrono::seconds lifetime{3600};
    /// The clock; system_clock::now when empty (tests inject one).
    jose::jwt::clock_function clock{};
};

/** What one token says about whom: views, copied into the token. */
struct access_token_grant {
    std::string_view subject;                      ///< `sub` (client credentials: the client, RFC 9068 §2.2)
    std::string_view client_id;                    ///< `client_id` (RFC 9068 §2.2, RFC 8693 §4.3)
    std::span<const std::string_view> scopes{};    ///< `scope`, space-joined; left out when empty
    std::span<const std::string_view> audience{};  ///< RFC 8707 resources for `aud`; empty: the default
};

/** An access token just issued, with what the token response needs. The token is wiped when
    this object is destroyed or assigned over. */
struct issued_access_token {
    std::string token;                      ///< the compact JWS; a secret: never log it
    std::string jti;                        ///< its `jti` (for revocation and logs)
    std::chrono::sys_seconds issued_at{};   ///< its `iat`
    std::chrono::sys_seconds expires_at{};  ///< its `exp`
    std::chrono::seconds expires_in{0};     ///< exp - iat: the token response's expires_in (RFC 6749 §5.1)

    issued_access_token() = default;                                         ///< empty
    issued_access_token(const issued_access_token&) = default;               ///< a copy (wiped in turn)
    issued_access_token(issued_access_token&& o) noexcept = default;         ///< takes `o`'s token
    issued_access_token& operator=(const issued_access_token& o) = default;  ///< copies `o`
    /// Wipes this token, then takes `o`'s.
    issued_access_token& operator=(issued_access_token&& o) noexcept
    {
        if (this != &o) {
            crypto::wipe(token);
            token = std::move(o.token);
            jti = std::move(o.jti);
            issued_at = o.issued_at;
            expires_at = o.expires_at;
            expires_in = o.expires_in;
        }
        return *this;
    }
    ~issued_access_token() { crypto::wipe(token); }  ///< wipes the token
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

// Appends `s` as a JSON string (RFC 8259 §7): '"' and '\' escaped, control characters as
// \u00XX; `s` must be UTF-8 (checked by the caller). The token's claims are few and known,
// so they are written here rather than through a JSON document: the token endpoint is a hot
// path (BENCHMARKS.md, oauth2/token_endpoint).
inline void append_json_string(std::string& out, std::string_view s)
{
    out += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

inline bool json_safe(std::string_view s) noexcept
{
    return apiauth::detail::is_utf8(s);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** Issues RFC 9068 access tokens with one signing key. Built once, used from many threads.

    Header `{"alg":…,"typ":"at+jwt","kid":…}` (kid when the key has one); claims `iss sub aud
    exp iat jti client_id` and `scope` when a scope is granted (RFC 9068 §2.2). `jti` is 128
    bits from the CSPRNG. Any signing algorithm of jose (HS256 with a secret shared with the
    resources, ES256 or RS256 with a published JWKS).
*/
class access_token_issuer {
public:
    /** An issuer signing with `k`. Refuses (invalid_configuration) an empty issuer, no
        default audience, a non-positive lifetime, or strings that are not UTF-8; a key that
        cannot sign is not_a_signing_key. Never throws. */
    static result<access_token_issuer> make(jose::key k, access_token_options opt) noexcept
    {
        try {
            if (!k.can_sign()) return errc::not_a_signing_key;
            if (opt.issuer.empty() || opt.audience.empty() || opt.lifetime.count() <= 0 ||
                !detail::oauth2::json_safe(opt.issuer))
                return errc::invalid_configuration;
            for (const std::string& a : opt.audience)
                if (a.empty() || !detail::oauth2::json_safe(a)) return errc::invalid_configuration;
            if (k.has_kid() && !detail::oauth2::json_safe(k.kid())) return errc::invalid_configuration;
            std::string h = "{\"alg\":\"";
            h += jose::name(k.alg());
            h += "\",\"typ\":\"at+jwt\"";
            if (k.has_kid()) {
                h += ",\"kid\":";
                detail::oauth2::append_json_string(h, k.kid());
            }
            h += '}';
            return access_token_issuer(std::move(k), std::move(opt), encoding::base64url::encode(h));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /** A new access token for `g` (RFC 9068 §2.2): `aud` is g.audience when given (RFC 8707,
        RFC 9068 §3), else the default; the scopes are space-joined into `scope`. Refuses an
        empty subject or client_id (invalid_configuration) and strings that are not UTF-8
        (json_invalid_utf8). Never throws: random_failure, crypto_failure, not_enough_memory. */
    result<issued_access_token> issue(const access_token_grant& g) const noexcept
    {
        try {
            if (g.subject.empty() || g.client_id.empty()) return errc::invalid_configuration;
            if (!detail::oauth2::json_safe(g.subject) || !detail::oauth2::json_safe(g.client_id))
                return errc::json_invalid_utf8;
            for (std::string_view s : g.scopes)
                if (!detail::oauth2::json_safe(s)) return errc::json_invalid_utf8;
            for (std::string_view a : g.audience)
                if (!detail::oauth2::json_safe(a)) return errc::json_invalid_utf8;

            issued_access_token t;
            const auto now = opt_.clock ? opt_.clock() : std::chrono::system_clock::now();
            t.issued_at = std::chrono::floor<std::chrono::seconds>(now);
            t.expires_at = t.issued_at + opt_.lifetime;
            t.expires_in = opt_.lifetime;
            std::array<std::byte, 16> id{};
            if (auto r = crypto::random_bytes(id); !r) return r.error();
            t.jti = encoding::base64url::encode(id);

            std::string c;
            c.reserve(256);
            c += "{\"iss\":";
            detail::oauth2::append_json_string(c, opt_.issuer);
            c += ",\"sub\":";
            detail::oauth2::append_json_string(c, g.subject);
            c += ",\"aud\":";
            const auto write_aud = [&](const auto& list) {
                if (list.size() == 1) {
                    detail::oauth2::append_json_string(c, list.front());
                    return;
                }
                c += '[';
                bool first = true;
                for (const auto& a : list) {
                    if (!first) c += ',';
                    first = false;
                    detail::oauth2::append_json_string(c, a);
                }
                c += ']';
            };
            if (g.audience.empty())
                write_aud(opt_.audience);
            else
                write_aud(g.audience);
            c += ",\"exp\":";
            c += std::to_string(t.expires_at.time_since_epoch().count());
            c += ",\"iat\":";
            c += std::to_string(t.issued_at.time_since_epoch().count());
            c += ",\"jti\":";
            detail::oauth2::append_json_string(c, t.jti);
            c += ",\"client_id\":";
            detail::oauth2::append_json_string(c, g.client_id);
            if (!g.scopes.empty()) {
                std::string scope;
                for (std::string_view s : g.scopes) {
                    if (!scope.empty()) scope += ' ';
                    scope += s;
                }
                c += ",\"scope\":";
                detail::oauth2::append_json_string(c, scope);
            }
            c += '}';
            auto token = apiauth::detail::sign_encoded(header_b64_, apiauth::detail::as_bytes(c), key_);
            if (!token) return token.error();
            t.token = std::move(*token);
            return t;
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the caller's clock
            return errc::invalid_configuration;
        }
    }

    /// The options the issuer was made with.
    const access_token_options& options() const noexcept { return opt_; }
    /// The signing key (publish its public half, e.g. key_set::to_public_jwks, for resources).
    const jose::key& key() const noexcept { return key_; }

private:
    access_token_issuer(jose::key k, access_token_options opt, std::string header_b64)
        : key_(std::move(k)), opt_(std::move(opt)), header_b64_(std::move(header_b64))
    {
    }
    jose::key key_;
    access_token_options opt_;
    std::string header_b64_;
};

/** What a resource requires of an access token (RFC 9068 §4). */
struct access_token_policy {
    std::string issuer;               ///< `iss` must equal this exactly (§4 step 3)
    std::string audience;             ///< `aud` must contain this (§4 step 4)
    std::chrono::seconds leeway{30};  ///< clock skew allowed on exp, nbf, iat (§4 step 6)
    /// Opt-in relaxation for servers that send `typ: "JWT"` or no typ (Entra ID, PingFederate;
    /// research §5.1): the typ is then not checked. Off: only at+jwt (§4 step 1).
    bool accept_plain_jwt_typ = false;
    jose::jwt::clock_function clock{};  ///< the clock; system_clock::now when empty
};

class access_token_verifier;

/** An access token that verified: made only by access_token_verifier. Owns its claims (no view
    into the token string), so it may outlive the request. */
class verified_access_token {
public:
    /// `sub` (RFC 9068 §2.2).
    std::string_view subject() const noexcept { return c().sub().value_or(""); }
    /// `client_id` (RFC 9068 §2.2).
    std::string_view client_id() const noexcept { return c().client_id().value_or(""); }
    /// `jti` (RFC 9068 §2.2).
    std::string_view jti() const noexcept { return c().jti().value_or(""); }
    /// `scope` as sent (space-separated), or "" when the token has none.
    std::string_view scope() const noexcept { return c().scope().value_or(""); }
    /// True when `token` is one of the scope tokens.
    bool has_scope(std::string_view token) const noexcept { return c().has_scope(token); }
    /// `aud`: iterable string views.
    jose::jwt::claims::audience_list audience() const noexcept { return c().aud(); }
    /// `iat` (whole seconds).
    std::chrono::sys_seconds issued_at() const noexcept { return seconds_of(c().iat()); }
    /// `exp` (whole seconds, rounded down).
    std::chrono::sys_seconds expires_at() const noexcept { return seconds_of(c().exp()); }
    /// Every claim, for anything else (claims::json(), declared claims).
    const jose::jwt::claims& claims() const noexcept { return v_.claims(); }

private:
    friend class access_token_verifier;
    explicit verified_access_token(jose::jwt::verified v) noexcept : v_(std::move(v)) {}
    const jose::jwt::claims& c() const noexcept { return v_.claims(); }
    // A NumericDate (RFC 7519 §2, a JSON number) as whole seconds, rounded down and clamped
    // to what sys_seconds holds.
    static std::chrono::sys_seconds seconds_of(const std::optional<double>& d) noexcept
    {
        if (!d) return {};
        constexpr double lo = -9.2e18, hi = 9.2e18;
        const double v = *d;
        if (!(v > lo)) return std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(lo)}};
        if (!(v < hi)) return std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(hi)}};
        return std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(std::floor(v))}};
    }
    jose::jwt::verified v_;
};

/** What access-token verification needs from a revocation store: whether a `jti` was revoked,
    and to revoke one until an instant. An error is an outage: verification then fails closed
    with that error, never accepts. stores/memory.hpp has one; a shared (Redis) one lets every
    server of a fleet refuse a revoked token. */
template <class R>
concept revocation_store = requires(const R& cr, R& r, std::string_view jti, std::chrono::sys_seconds until)
{
    {
        cr.is_revoked(jti)
    }
    noexcept->std::same_as<result<bool>>;
    {
        r.revoke(jti, until)
    }
    noexcept->std::same_as<result<void>>;
};

/** Verifies RFC 9068 access tokens at a resource. Built once, used from many threads.

    Order (RFC 9068 §4): the JWT verification of jose::jwt::verifier — `typ` at+jwt (or
    application/at+jwt, compared as a media type: wrong_token_type otherwise, unless
    accept_plain_jwt_typ), the key from the set by kid and alg (never `none`), the
    signature, `iss` exact (wrong_issuer), `aud` containing the audience (wrong_audience),
    exp/nbf/iat with leeway — with iss exp aud sub client_id iat jti required
    (missing_claim); then, when a store is given, revocation (token_revoked, or the store's
    error); then every required scope (insufficient_scope: 403 with `scope` in the challenge,
    RFC 6750 §3.1). Every other failure is 401 invalid_token. HS256 verification allocates
    nothing after a thread's first call (jose's contract).
*/
class access_token_verifier {
public:
    /** A verifier for tokens signed by a key of `keys`. Refuses (invalid_configuration) an
        empty issuer or audience. Never throws. */
    static result<access_token_verifier> make(jose::key_set keys, access_token_policy p) noexcept
    {
        try {
            if (p.issuer.empty() || p.audience.empty() || p.leeway.count() < 0) return errc::invalid_configuration;
            jose::jwt::policy jp{.issuer = p.issuer,
                                 .audience = p.audience,
                                 .typ = p.accept_plain_jwt_typ ? std::string() : std::string("at+jwt"),
                                 .leeway = p.leeway,
                                 .require = {"iss", "exp", "aud", "sub", "client_id", "iat", "jti"},
                                 .clock = p.clock};
            return access_token_verifier(std::move(keys), std::move(jp), std::move(p));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (const std::invalid_argument&) {
            return errc::invalid_configuration;
        }
    }

    /// A copy with the same keys and policy.
    access_token_verifier(const access_token_verifier& o) : v_(o.v_), policy_(o.policy_) {}
    /// Takes `o`'s keys and policy.
    access_token_verifier(access_token_verifier&& o) : v_(o.v_), policy_(std::move(o.policy_)) {}

    /// Verify `token` and require `required_scopes`; see the class comment.
    result<verified_access_token> verify(std::string_view token,
                                         std::span<const std::string_view> required_scopes = {}) const noexcept
    {
        auto v = v_.verify(token);
        if (!v) return v.error();
        verified_access_token t(std::move(*v));
        for (std::string_view s : required_scopes)
            if (!t.has_scope(s)) return errc::insufficient_scope;
        return t;
    }

    /// As verify(token, required_scopes), and the token's jti must not be revoked in `revoked`.
    template <class R>
    requires revocation_store<R> result<verified_access_token>
    verify(std::string_view token, std::span<const std::string_view> required_scopes, const R& revoked)
    const noexcept
    {
        auto v = v_.verify(token);
        if (!v) return v.error();
        verified_access_token t(std::move(*v));
        const auto r = revoked.is_revoked(t.jti());
        if (!r) return r.error();
        if (*r) return errc::token_revoked;
        for (std::string_view s : required_scopes)
            if (!t.has_scope(s)) return errc::insufficient_scope;
        return t;
    }

    /// The policy the verifier was made with.
    const access_token_policy& policy() const noexcept { return policy_; }
    /// The verifier's clock: now (what the token cache compares expiries with).
    std::chrono::system_clock::time_point now() const
    {
        return policy_.clock ? policy_.clock() : std::chrono::system_clock::now();
    }

private:
    access_token_verifier(jose::key_set keys, jose::jwt::policy jp, access_token_policy p)
        : v_(std::move(keys), std::move(jp)), policy_(std::move(p))
    {
    }
    jose::jwt::verifier v_;
    access_token_policy policy_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_ACCESS_TOKEN_HPP
