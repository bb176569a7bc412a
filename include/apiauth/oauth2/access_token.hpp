// apiauth/oauth2/access_token.hpp — JWT access tokens (RFC 9068): issued by the token endpoint,
// verified at resources with scope enforcement and, optionally, a revocation store.
#ifndef APIAUTH_OAUTH2_ACCESS_TOKEN_HPP
#define APIAUTH_OAUTH2_ACCESS_TOKEN_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/json_writer.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/oauth2/scope.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
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

    issued_access_token() = default;                                  ///< empty
    issued_access_token(const issued_access_token&) = default;        ///< a copy (wiped in turn)
    issued_access_token(issued_access_token&& o) noexcept = default;  ///< takes `o`'s token
    /// Wipes this token, then copies `o`.
    issued_access_token& operator=(const issued_access_token& o)
    {
        if (this != &o) {
            crypto::wipe(token);
            token = o.token;
            jti = o.jti;
            issued_at = o.issued_at;
            expires_at = o.expires_at;
            expires_in = o.expires_in;
        }
        return *this;
    }
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

inline bool json_safe(std::string_view s) noexcept
{
    return apiauth::detail::is_utf8(s);
}

// `aud` as JSON: the one audience as a string, more as an array (RFC 7519 §4.1.3).
template <class String> void append_audience(std::string& out, std::span<const String> list)
{
    if (list.size() == 1) {
        apiauth::detail::append_json_string(out, list.front());
        return;
    }
    out += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out += ',';
        apiauth::detail::append_json_string(out, list[i]);
    }
    out += ']';
}

// A scope-token as RFC 6749 §3.3 writes it: one or more of %x21 / %x23-5B / %x5D-7E. A token
// with a space in it would become two scopes once joined into the claim.
inline bool is_scope_token(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (const char c : s)
        if (!apiauth::oauth2::is_scope_char(c)) return false;
    return true;
}

// For access_token_policy::accept_plain_jwt_typ (research §5.1): true when the JOSE header of
// `token` has no `typ`, or typ "JWT" as a media type (RFC 7519 §5.1: JWT, jwt, application/jwt).
// False for any other typ (an explicitly typed token of another kind, RFC 8725 §3.11), and for a
// header that is not strict base64url of a JSON object of at most 2 KiB. Called only after the
// at+jwt verification failed on the typ; a thread's first call allocates simdjson's buffers.
inline bool plain_jwt_typ(std::string_view token) noexcept
{
    constexpr std::size_t max_json = 2048;
    const std::string_view h = token.substr(0, token.find('.'));
    if (h.size() > encoding::base64url::encoded_size(max_json)) return false;
    std::array<std::byte, max_json + simdjson::SIMDJSON_PADDING> buf;  // NOLINT: filled up to n, padding zeroed
    const auto n = encoding::base64url::decode(h, std::span(buf).first(max_json));
    if (!n) return false;
    std::memset(buf.data() + *n, 0, simdjson::SIMDJSON_PADDING);
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object header;
    if (parser.parse(reinterpret_cast<const std::uint8_t*>(buf.data()), *n, false).get_object().get(header) !=
        simdjson::SUCCESS)
        return false;
    const auto typ = header.at_key("typ");
    if (typ.error() == simdjson::NO_SUCH_FIELD) return true;
    std::string_view t;
    if (typ.get_string().get(t) != simdjson::SUCCESS) return false;
    return apiauth::detail::iequals(t, "JWT") || apiauth::detail::iequals(t, "application/jwt");
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
        default audience, a lifetime that is not positive or is beyond
        jose::jwt::max_sign_lifetime (100 years: iat + lifetime must not overflow), or strings
        that are not UTF-8; a key that cannot sign is not_a_signing_key. Never throws. */
    static result<access_token_issuer> make(jose::key k, access_token_options opt) noexcept
    {
        try {
            if (!k.can_sign()) return errc::not_a_signing_key;
            if (opt.issuer.empty() || opt.audience.empty() || opt.lifetime.count() <= 0 ||
                opt.lifetime > jose::jwt::max_sign_lifetime || !detail::oauth2::json_safe(opt.issuer))
                return errc::invalid_configuration;
            for (const std::string& a : opt.audience)
                if (a.empty() || !detail::oauth2::json_safe(a)) return errc::invalid_configuration;
            if (k.has_kid() && !detail::oauth2::json_safe(k.kid())) return errc::invalid_configuration;
            std::string h = "{\"alg\":\"";
            h += jose::name(k.alg());
            h += "\",\"typ\":\"at+jwt\"";
            if (k.has_kid()) {
                h += ",\"kid\":";
                apiauth::detail::append_json_string(h, k.kid());
            }
            h += '}';
            // What every token's claims begin with, and the default `aud`, written once.
            std::string head = "{\"iss\":";
            apiauth::detail::append_json_string(head, opt.issuer);
            head += ",\"sub\":";
            std::string aud;
            detail::oauth2::append_audience(aud, std::span<const std::string>(opt.audience));
            return access_token_issuer(std::move(k), std::move(opt), encoding::base64url::encode(h), std::move(head),
                                       std::move(aud));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /** A new access token for `g` (RFC 9068 §2.2): `aud` is g.audience when given (RFC 8707,
        RFC 9068 §3), else the default; the scopes are space-joined into `scope`. Refuses an
        empty subject, client_id or audience (invalid_configuration), a scope that is not one
        RFC 6749 §3.3 scope-token (invalid_scope_syntax: "read write" as one scope would grant
        both), and strings that are not UTF-8 (json_invalid_utf8). Never throws:
        random_failure, crypto_failure, not_enough_memory. */
    result<issued_access_token> issue(const access_token_grant& g) const noexcept
    {
        try {
            if (g.subject.empty() || g.client_id.empty()) return errc::invalid_configuration;
            if (!detail::oauth2::json_safe(g.subject) || !detail::oauth2::json_safe(g.client_id))
                return errc::json_invalid_utf8;
            for (std::string_view s : g.scopes)
                if (!detail::oauth2::is_scope_token(s)) return errc::invalid_scope_syntax;
            for (std::string_view a : g.audience) {
                if (a.empty()) return errc::invalid_configuration;
                if (!detail::oauth2::json_safe(a)) return errc::json_invalid_utf8;
            }

            issued_access_token t;
            const auto now = opt_.clock ? opt_.clock() : std::chrono::system_clock::now();
            t.issued_at = std::chrono::floor<std::chrono::seconds>(now);
            t.expires_at = t.issued_at + opt_.lifetime;
            t.expires_in = opt_.lifetime;
            std::array<std::byte, 16> id{};
            if (auto r = crypto::random_bytes_buffered(id); !r) return r.error();
            std::array<char, encoding::base64url::encoded_size(16)> jti{};
            apiauth::detail::base64_encode(apiauth::detail::url_alphabet, false, id, jti.data());
            t.jti.assign(jti.data(), jti.size());

            // The claims are written into a buffer of the calling thread that keeps its capacity,
            // so a token costs no allocation but its own. Nothing in them is secret.
            thread_local std::string c;
            c.clear();
            c += claims_head_;
            apiauth::detail::append_json_string(c, g.subject);
            c += ",\"aud\":";
            if (g.audience.empty())
                c += default_audience_;
            else
                detail::oauth2::append_audience(c, g.audience);
            const auto append_number = [&](std::int64_t v) {
                std::array<char, 24> digits{};
                const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr;
                c.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
            };
            c += ",\"exp\":";
            append_number(t.expires_at.time_since_epoch().count());
            c += ",\"iat\":";
            append_number(t.issued_at.time_since_epoch().count());
            c += ",\"jti\":\"";
            c.append(jti.data(), jti.size());  // base64url: nothing to escape
            c += "\",\"client_id\":";
            apiauth::detail::append_json_string(c, g.client_id);
            if (!g.scopes.empty()) {
                // scope-tokens (checked above) hold neither '"' nor '\\' nor a control: no escape.
                c += ",\"scope\":\"";
                for (std::size_t i = 0; i < g.scopes.size(); ++i) {
                    if (i != 0) c += ' ';
                    c += g.scopes[i];
                }
                c += '"';
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
    access_token_issuer(jose::key k, access_token_options opt, std::string header_b64, std::string claims_head,
                        std::string default_audience)
        : key_(std::move(k)), opt_(std::move(opt)), header_b64_(std::move(header_b64)),
          claims_head_(std::move(claims_head)), default_audience_(std::move(default_audience))
    {
    }
    jose::key key_;
    access_token_options opt_;
    std::string header_b64_;
    std::string claims_head_;       // {"iss":…,"sub":
    std::string default_audience_;  // the default `aud` as JSON
};

/// The largest access_token_policy::leeway: a day. A larger one is invalid_configuration.
inline constexpr std::chrono::seconds max_access_token_leeway{86400};

/** What a resource requires of an access token (RFC 9068 §4). */
struct access_token_policy {
    std::string issuer;               ///< `iss` must equal this exactly (§4 step 3)
    std::string audience;             ///< `aud` must contain this (§4 step 4)
    std::chrono::seconds leeway{30};  ///< clock skew allowed on exp, nbf, iat (§4 step 6); 0 to a day
    /// Opt-in relaxation for servers that send `typ: "JWT"` or no typ (Entra ID, PingFederate;
    /// research §5.1): such tokens are then accepted too. Any other typ (an ID Site token, a
    /// logout token, anything explicitly typed as another kind, RFC 8725 §3.11) is still
    /// wrong_token_type. Off: only at+jwt and application/at+jwt (§4 step 1).
    bool accept_plain_jwt_typ = false;
    jose::jwt::clock_function clock{};  ///< the clock; system_clock::now when empty
};

class access_token_verifier;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {
struct access_token_access;
// The key to verified_access_token's empty constructor, which boost::system::result calls
// when the token is made where it is returned: only the verifier and access_token_access
// make one.
class empty_token_key {
    friend class apiauth::oauth2::access_token_verifier;
    friend struct access_token_access;
    empty_token_key() noexcept = default;
};
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** An access token that verified: made only by access_token_verifier. Owns its claims (no view
    into the token string), so it may outlive the request; the views its accessors return live
    as long as it does. */
class verified_access_token {
public:
    /// `sub` (RFC 9068 §2.2): for the client credentials grant, the client.
    std::string_view subject() const noexcept { return c().sub().value_or(""); }
    /// `client_id` (RFC 9068 §2.2, RFC 8693 §4.3).
    std::string_view client_id() const noexcept { return c().client_id().value_or(""); }
    /// `jti` (RFC 9068 §2.2): what revocation and logs name the token by.
    std::string_view jti() const noexcept { return c().jti().value_or(""); }
    /// `scope` as sent (scope-tokens separated by one SP, RFC 6749 §3.3), or "" when absent.
    std::string_view scope() const noexcept { return c().scope().value_or(""); }
    /// The scope-tokens of `scope`, in token order (RFC 9068 §2.2.3); empty when absent.
    scope_view scopes() const noexcept { return scope_view(scope()); }
    /// True when `token` is one of the scope-tokens (exact, case-sensitive: RFC 6749 §3.3).
    bool has_scope(std::string_view token) const noexcept { return !token.empty() && scopes().contains(token); }
    /// `aud` (RFC 7519 §4.1.3): iterable string views, one or more.
    jose::jwt::claims::audience_list audience() const noexcept { return c().aud(); }
    /// `iat` (whole seconds, rounded down).
    std::chrono::sys_seconds issued_at() const noexcept { return seconds_of(c().iat()); }
    /// `exp` (whole seconds, rounded down).
    std::chrono::sys_seconds expires_at() const noexcept { return seconds_of(c().exp()); }
    /// Every claim, for anything else (claims::json(), declared claims).
    const jose::jwt::claims& claims() const noexcept { return v_.claims(); }
    /// The algorithm that verified the signature.
    jose::algorithm alg() const noexcept { return v_.alg(); }
    /// The key of the verifier's set that verified it (valid while the verifier lives).
    const jose::key& key() const noexcept { return v_.key(); }

    /// Made only by access_token_verifier (the key is its own): empty, for it to verify into.
    explicit verified_access_token(detail::oauth2::empty_token_key) noexcept : v_(detail::jwt_verifier_access::empty())
    {
    }

private:
    friend class access_token_verifier;
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

/** What access-token verification needs from a revocation store (RFC 7009 §2: a revoked
    token is refused until it expires): `is_revoked(jti)` says whether a `jti` was revoked;
    `revoke(jti, until)` revokes one until an instant (the token's `exp`). Both are noexcept
    and return an error for an outage: verification then fails closed with that error, never
    accepts. stores::memory_revocation_store is one; a shared (Redis) one lets every server of
    a fleet refuse a revoked token. */
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

    Order (RFC 9068 §4): the JWT verification of jose::jwt::verifier — `typ` at+jwt or
    application/at+jwt, compared as a media type (wrong_token_type otherwise; see
    access_token_policy::accept_plain_jwt_typ), the key from the set by kid and alg (never
    `none`: unsupported_algorithm; a key not in the set: unknown_key), the signature, `iss`
    `exp` `aud` `sub` `client_id` `iat` `jti` present (missing_claim; an empty `sub`,
    `client_id` or `jti` counts as missing), `iss` exact (wrong_issuer), `aud` containing the
    audience (wrong_audience), exp/nbf/iat with leeway (token_expired, token_not_yet_valid,
    token_issued_in_future); a `scope` claim that is not `scope-token *( SP scope-token )`
    (RFC 6749 §3.3) is invalid_claim_type. Then, when a store is given, revocation
    (token_revoked, or the store's error); then every required scope (insufficient_scope:
    403 with `scope` in the challenge, RFC 6750 §3.1). Every other failure is 401
    invalid_token. Verification of an HS256 token allocates nothing after a thread's first
    call (jose's contract); the claims are read once, in jose's one pass.
*/
class access_token_verifier {
public:
    /** A verifier for tokens signed by a key of `keys`. Refuses (invalid_configuration) an
        empty issuer or audience and a leeway that is negative or above
        max_access_token_leeway. Never throws. */
    static result<access_token_verifier> make(jose::key_set keys, access_token_policy p) noexcept
    {
        try {
            if (p.issuer.empty() || p.audience.empty() || p.leeway.count() < 0 || p.leeway > max_access_token_leeway)
                return errc::invalid_configuration;
            jose::jwt::policy jp{.issuer = p.issuer,
                                 .audience = p.audience,
                                 .typ = "at+jwt",
                                 .leeway = p.leeway,
                                 .require = {"iss", "exp", "aud", "sub", "client_id", "iat", "jti"},
                                 .clock = p.clock};
            const auto plain_of = [&](const jose::jwt::policy& base) {
                std::optional<jose::jwt::verifier> plain;
                if (p.accept_plain_jwt_typ) {
                    jose::jwt::policy pp = base;
                    pp.typ.clear();  // checked by detail::oauth2::plain_jwt_typ instead
                    plain.emplace(keys, std::move(pp));
                }
                return plain;
            };
            // The authorization server's own view (revocation, introspection): every token of
            // this issuer, whatever audience it was minted for (RFC 8707 resources).
            jose::jwt::policy any_audience = jp;
            any_audience.audience = {};
            verifier_pair issued{jose::jwt::verifier(keys, any_audience), plain_of(any_audience)};
            std::optional<jose::jwt::verifier> plain = plain_of(jp);
            return access_token_verifier(std::move(keys), std::move(jp), std::move(plain), std::move(issued),
                                         std::move(p));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (const std::invalid_argument&) {
            return errc::invalid_configuration;
        }
    }

    /** Verify `token` and require each of `required_scopes` (RFC 9068 §4, RFC 6750 §3.1);
        see the class comment for the order and the errors. Never throws. */
    result<verified_access_token> verify(std::string_view token,
                                         std::span<const std::string_view> required_scopes = {}) const noexcept
    {
        // Verified where it is returned: one object, never moved (its claims are an inline buffer).
        result<verified_access_token> t{boost::system::in_place_value, detail::oauth2::empty_token_key()};
        if (auto e = check_into(token, *t))
            t = e;
        else if (!has_scopes(*t, required_scopes))
            t = errc::insufficient_scope;
        return t;
    }

    /** As verify(token, required_scopes), and the token's `jti` must not be revoked in
        `revoked` (RFC 7009 §2): token_revoked if it is; the store's own error (e.g.
        store_unavailable, 503) if it cannot answer: an outage never lets a token through.
        The store is asked after every other check of the token, before the scopes. */
    template <revocation_store R>
    result<verified_access_token> verify(std::string_view token, std::span<const std::string_view> required_scopes,
                                         const R& revoked) const noexcept
    {
        result<verified_access_token> t{boost::system::in_place_value, detail::oauth2::empty_token_key()};
        if (auto e = check_into(token, *t))
            t = e;
        else if (auto r = check_revoked(*t, revoked))
            t = r;
        else if (!has_scopes(*t, required_scopes))
            t = errc::insufficient_scope;
        return t;
    }

    /// The policy the verifier was made with.
    const access_token_policy& policy() const noexcept { return policy_; }
    /// The verifier's clock: now (what the token cache compares expiries with). Throws what
    /// the injected clock throws.
    std::chrono::system_clock::time_point now() const
    {
        return policy_.clock ? policy_.clock() : std::chrono::system_clock::now();
    }

private:
    struct verifier_pair {
        jose::jwt::verifier typed;                 // typ at+jwt
        std::optional<jose::jwt::verifier> plain;  // typ unchecked: only with accept_plain_jwt_typ
    };

    access_token_verifier(jose::key_set keys, jose::jwt::policy jp, std::optional<jose::jwt::verifier> plain,
                          verifier_pair issued, access_token_policy p)
        : v_(std::move(keys), std::move(jp)), plain_(std::move(plain)),
          issued_(std::make_shared<const verifier_pair>(std::move(issued))), policy_(std::move(p)), tag_(next_tag())
    {
    }

    // A number no other make() gave: what the token cache binds its entries to.
    static std::uint64_t next_tag() noexcept
    {
        static std::atomic<std::uint64_t> last{0};
        return last.fetch_add(1, std::memory_order_relaxed) + 1;
    }

    friend struct detail::oauth2::access_token_access;

    // Everything but revocation and the required scopes, into `out` (made empty, or left by a
    // failed check_into): empty on success. `out` must be dropped when this fails.
    std::error_code check_into(std::string_view token, verified_access_token& out) const noexcept
    {
        return check_into(v_, plain_, token, out);
    }

    // The same with `typed` and `plain` (this resource's verifiers, or the issuer's any-audience pair).
    std::error_code check_into(const jose::jwt::verifier& typed, const std::optional<jose::jwt::verifier>& plain,
                               std::string_view token, verified_access_token& out) const noexcept
    {
        using detail::jwt_verifier_access;
        std::error_code e = jwt_verifier_access::verify_into(typed, token, out.v_);
        if (e && plain && e == errc::wrong_token_type) {
            if (!detail::oauth2::plain_jwt_typ(token)) return errc::wrong_token_type;
            e = jwt_verifier_access::verify_into(*plain, token, out.v_);
        }
        if (e) return e;
        const jose::jwt::claims& c = out.claims();
        if (c.sub()->empty() || c.client_id()->empty() || c.jti()->empty()) return errc::missing_claim;
        if (const auto s = c.scope()) {
            constexpr std::size_t any = std::numeric_limits<std::size_t>::max();
            if (!parse_scope(*s, {.max_tokens = any, .max_size = any})) return errc::invalid_claim_type;
        }
        return {};
    }

    // token_revoked when `revoked` holds the token's jti, the store's error when it cannot say.
    template <revocation_store R>
    static std::error_code check_revoked(const verified_access_token& t, const R& revoked) noexcept
    {
        const result<bool> r = revoked.is_revoked(t.jti());
        if (!r) return r.error();
        if (*r) return errc::token_revoked;
        return {};
    }

    static bool has_scopes(const verified_access_token& t, std::span<const std::string_view> required) noexcept
    {
        for (std::string_view s : required)
            if (!t.has_scope(s)) return false;
        return true;
    }

    jose::jwt::verifier v_;                        // typ at+jwt
    std::optional<jose::jwt::verifier> plain_;     // typ unchecked: only with accept_plain_jwt_typ
    std::shared_ptr<const verifier_pair> issued_;  // the same, any audience (shared by copies)
    access_token_policy policy_;
    std::uint64_t tag_ = 0;  // kept by copies: they verify alike
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

// Verification written where the token is kept (authenticate_api's identity), for callers
// that would otherwise move a verified_access_token into place: each move copies its claims.
struct access_token_access {
    // A token with nothing in it: only for verify_into, and dropped when that fails.
    static apiauth::oauth2::verified_access_token empty() noexcept
    {
        return apiauth::oauth2::verified_access_token(empty_token_key());
    }
    // access_token_verifier::verify(token) into `out`, without the scopes: empty on success.
    static std::error_code verify_into(const apiauth::oauth2::access_token_verifier& v, std::string_view token,
                                       apiauth::oauth2::verified_access_token& out) noexcept
    {
        return v.check_into(token, out);
    }
    // The same, and `revoked` must not hold the token's jti (verify(token, {}, revoked)).
    template <apiauth::oauth2::revocation_store R>
    static std::error_code verify_into(const apiauth::oauth2::access_token_verifier& v, std::string_view token,
                                       apiauth::oauth2::verified_access_token& out, const R& revoked) noexcept
    {
        if (auto e = v.check_into(token, out)) return e;
        return apiauth::oauth2::access_token_verifier::check_revoked(out, revoked);
    }
    // The authorization server's view, for its revocation and introspection endpoints: every
    // check of verify(token) but the audience, so that a token minted for any resource
    // (RFC 8707) of this issuer is found (RFC 7009 §2.1, RFC 7662 §2.2). Never for a resource.
    static apiauth::result<apiauth::oauth2::verified_access_token>
    verify_issued(const apiauth::oauth2::access_token_verifier& v, std::string_view token) noexcept
    {
        if (!v.issued_) return apiauth::errc::invalid_configuration;  // a moved-from verifier
        apiauth::result<apiauth::oauth2::verified_access_token> t{boost::system::in_place_value, empty_token_key()};
        if (auto e = v.check_into(v.issued_->typed, v.issued_->plain, token, *t)) t = e;
        return t;
    }
    // As verify_issued, and `revoked` must not hold the token's jti.
    template <apiauth::oauth2::revocation_store R>
    static apiauth::result<apiauth::oauth2::verified_access_token>
    verify_issued(const apiauth::oauth2::access_token_verifier& v, std::string_view token, const R& revoked) noexcept
    {
        auto t = verify_issued(v, token);
        if (t) {
            if (auto r = apiauth::oauth2::access_token_verifier::check_revoked(*t, revoked)) t = r;
        }
        return t;
    }
    // What the token cache binds its entries to: equal for copies of one make(), else different.
    static std::uint64_t cache_tag(const apiauth::oauth2::access_token_verifier& v) noexcept { return v.tag_; }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

#endif  // APIAUTH_OAUTH2_ACCESS_TOKEN_HPP
