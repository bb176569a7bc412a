// apiauth/jose/jwt.hpp — JSON Web Tokens: a verifier with a claims policy, and a signer (RFC 7519, RFC 8725).
#ifndef APIAUTH_JOSE_JWT_HPP
#define APIAUTH_JOSE_JWT_HPP

#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/json.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <time.h>

namespace apiauth::jose::jwt {

/// Where "now" comes from; tests inject a fixed time.
using clock_function = std::function<std::chrono::system_clock::time_point()>;

/// One string, or several, written either way in a designated initializer:
/// `.audience = "https://api.example.com"` or `.audience = {"a", "b"}`.
struct string_list {
    std::vector<std::string> values;
    string_list() = default;
    string_list(const char* s) : values{s} {}
    string_list(std::string s) : values{std::move(s)} {}
    string_list(std::initializer_list<std::string> l) : values(l) {}
    bool empty() const noexcept { return values.empty(); }
};

/** What a JWT must satisfy beyond its signature (RFC 7519 §4.1, §7.2; RFC 8725 §3.8-§3.12).

    Strings are owned: the policy is built once, with the verifier. Empty
    members are not checked, except `require`, whose default asks for `exp`
    (a token that never expires must be allowed explicitly: `.require = {}`).
*/
struct policy {
    /// `iss` must equal this exactly (RFC 9068 §4 step 3: no normalisation, a trailing '/' matters).
    std::string issuer{};
    /// `aud` (a string or an array) must contain at least one of these (RFC 7519 §4.1.3).
    string_list audience{};
    /// The JOSE header `typ`, compared as a media type (see jws_options::typ); e.g. "at+jwt".
    std::string typ{};
    /// Allowed clock skew for exp, nbf and iat (RFC 7519 §4.1.4: "usually no more than a few minutes").
    std::chrono::seconds leeway{0};
    /// Claims that must be present (missing_claim). Registered or not.
    string_list require{"exp"};
    /// Refuse an `iat` later than now + leeway (token_issued_in_future).
    bool reject_future_iat = true;
    /// The clock; system_clock::now when empty.
    clock_function clock{};
    /// Longest token accepted (token_too_large).
    std::size_t max_size = 16 * 1024;
    /// Header parameters the application processes itself and so may appear in `crit`.
    string_list understood_critical{};
};

/** A verified JWT: its algorithm, the key that verified it, and its claims. */
class verified {
public:
    verified() noexcept {}  // user-provided, like claims(): no zeroing of the inline buffer
    algorithm alg() const noexcept { return alg_; }
    /// The key from the verifier's key set (valid while the verifier lives).
    const jose::key& key() const noexcept { return *key_; }
    const jwt::claims& claims() const noexcept { return claims_; }

private:
    friend class verifier;
    algorithm alg_ = algorithm::hs256;
    const jose::key* key_ = nullptr;
    jwt::claims claims_;
};

/** Verifies JWTs against a key set and a policy. Built once, used from many threads.

    Order (RFC 7515 §5.2, RFC 7519 §7.2, DESIGN.md): split → header → key →
    signature → claims. Nothing of the payload is read before the signature
    checks out, so a forged token is bad_signature whatever its claims say.
    Then: the payload must be a JSON object of valid UTF-8 with unique member
    names anywhere in it (invalid_claims, duplicate_member); registered
    claims must have their types (invalid_claim_type: `iss sub jti client_id
    scope` strings, `exp nbf iat` numbers, `aud` a string or an array of
    strings); `require`d claims present (missing_claim); issuer
    (wrong_issuer); audience (wrong_audience); exp (token_expired: now ≥ exp
    + leeway), nbf (token_not_yet_valid: now + leeway < nbf), iat
    (token_issued_in_future).

    Performance contract (BENCHMARKS.md, the jwt verify rows): the JOSE header and
    claims are parsed with simdjson; keys were parsed when built; after a
    thread's first call, HS256 verification of a token up to 1 KiB does not
    allocate. Every error maps to 401 invalid_token (http_status, oauth_error).

    @par Example
    @code
    jwt::verifier v{keys, {.issuer = "https://as.example.com", .audience = "https://api.example.com",
                           .typ = "at+jwt", .leeway = 30s, .require = {"exp", "iat", "sub", "jti"}}};
    auto r = v.verify(token);
    if (r) use(r->claims().sub(), r->claims().scope());
    @endcode

    @par Specification RFC 7519 §7.2, §4.1; RFC 7515 §5.2; RFC 8725 §3; RFC 9068 §4.
*/
class verifier {
public:
    verifier(key_set keys, policy p) : keys_(std::move(keys)), policy_(std::move(p))
    {
        // Required claims: the registered ones become a bit mask checked
        // against what the claims reader saw, the others are looked up.
        for (const auto& name : policy_.require.values) {
            const std::uint32_t bit = claims::registered_bit(name);
            if (bit != 0)
                required_registered_ |= bit;
            else
                required_other_.push_back(name);
        }
        for (const auto& s : policy_.understood_critical.values) crit_views_.push_back(s);
        jws_opt_.max_size = policy_.max_size;
        jws_opt_.typ = policy_.typ;
        jws_opt_.understood_critical = crit_views_;
    }
    verifier(const verifier& o) : verifier(o.keys_, o.policy_) {}
    verifier& operator=(const verifier&) = delete;
    ~verifier()
    {
        for (auto& slot : header_cache_) delete slot.load();
    }

    /// Verify `token`; see the class comment for the checks and errors.
    result<verified> verify(std::string_view token) const noexcept
    {
        result<verified> r{boost::system::in_place_value};
        try {
            if (auto e = run(token, *r, detail::tls_jose_workspace())) r = result<verified>(e);
        } catch (...) {  // the per-thread workspace's first allocation
            r = result<verified>(std::make_error_code(std::errc::not_enough_memory));
        }
        return r;
    }

    const key_set& keys() const noexcept { return keys_; }
    const jwt::policy& policy() const noexcept { return policy_; }

private:
    std::error_code run(std::string_view token, verified& out, detail::jose_workspace& ws) const noexcept
    {
        auto dots = detail::split_compact(token, jws_opt_.max_size);
        if (!dots) return dots.error();
        const std::string_view header_b64 = token.substr(0, dots->first);
        const header_entry* cached = find_header(header_b64);
        if (cached) {
            out.alg_ = cached->alg;
            out.key_ = cached->key;
        } else {
            auto choice = detail::read_header(header_b64, keys_, jws_opt_, ws);
            if (!choice) return choice.error();
            out.alg_ = choice->alg;
            out.key_ = choice->key;
        }
        if (auto e = detail::check_signature(token, dots->second, *out.key_)) return e;
        if (!cached) remember_header(header_b64, out.alg_, out.key_);
        const auto parts = detail::jws_parts{out.alg_, out.key_, dots->first, dots->second};

        claims& c = out.claims_;
        auto json = detail::claims_access::decode_into(c, token.substr(parts.dot1 + 1, parts.dot2 - parts.dot1 - 1));
        if (!json) return json.error();
        auto doc = ws.parse(*json);
        if (!doc) return errc::invalid_claims;
        simdjson::dom::object o;
        if (doc->get_object().get(o) != simdjson::SUCCESS) return errc::invalid_claims;  // RFC 7519 §7.2 step 10
        if (auto e = detail::claims_access::fill(c, o, ws.names)) return e;
        if ((required_registered_ & ~c.registered_present()) != 0) return errc::missing_claim;
        for (const std::string& name : required_other_)
            if (o.at_key(name).error() != simdjson::SUCCESS) return errc::missing_claim;
        if (!policy_.issuer.empty() && c.iss() != std::string_view(policy_.issuer)) return errc::wrong_issuer;
        if (!policy_.audience.empty()) {
            bool found = false;
            for (const std::string& a : policy_.audience.values) found = found || c.has_audience(a);
            if (!found) return errc::wrong_audience;
        }
        const double t = now_seconds();
        const double skew = static_cast<double>(policy_.leeway.count());
        if (const auto exp = c.exp(); exp && !(t < *exp + skew)) return errc::token_expired;
        if (const auto nbf = c.nbf(); nbf && t + skew < *nbf) return errc::token_not_yet_valid;
        if (const auto iat = c.iat(); policy_.reject_future_iat && iat && *iat > t + skew)
            return errc::token_issued_in_future;
        return {};
    }

    double now_seconds() const noexcept
    {
        if (policy_.clock) return std::chrono::duration<double>(policy_.clock().time_since_epoch()).count();
#if defined(CLOCK_REALTIME_COARSE)
        // NumericDates are seconds: the coarse clock (a few ms of resolution)
        // is enough and costs a fifth of system_clock::now().
        timespec ts{};
        if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
            return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
#endif
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    // Headers whose tokens verified before, with what they select. A JOSE
    // header's bytes always select the same algorithm and key from this
    // verifier's (immutable) key set, so an exact match skips decoding and
    // parsing it. Only headers of tokens whose signature verified get in, so
    // only a key holder can add entries; a few slots, first come, then none.
    struct header_entry {
        std::string b64;
        algorithm alg;
        const jose::key* key;
    };
    static constexpr std::size_t header_slots = 8;

    const header_entry* find_header(std::string_view b64) const noexcept
    {
        for (const auto& slot : header_cache_) {
            const header_entry* e = slot.load(std::memory_order_acquire);
            if (!e) return nullptr;
            if (e->b64 == b64) return e;
        }
        return nullptr;
    }

    void remember_header(std::string_view b64, algorithm a, const jose::key* k) const noexcept
    {
        if (b64.size() > 1024) return;
        for (auto& slot : header_cache_) {
            if (slot.load(std::memory_order_acquire) != nullptr) continue;
            header_entry* e = nullptr;
            try {
                e = new header_entry{std::string(b64), a, k};
            } catch (...) {
                return;
            }
            const header_entry* expected = nullptr;
            if (slot.compare_exchange_strong(expected, e, std::memory_order_acq_rel)) return;
            delete e;
            if (expected->b64 == b64) return;  // another thread added the same header
        }
    }

    key_set keys_;
    jwt::policy policy_;
    std::vector<std::string_view> crit_views_;
    jws_options jws_opt_;
    std::uint32_t required_registered_ = 0;
    std::vector<std::string> required_other_;
    mutable std::array<std::atomic<const header_entry*>, header_slots> header_cache_{};
};

/// What signer::sign adds to the claims it is given.
struct sign_options {
    /// When non-zero: `exp` = now + lifetime (unless the claims have an exp).
    std::chrono::seconds lifetime{0};
    /// Add `iat` = now (unless present).
    bool set_iat = false;
    /// Add a random `jti` (128 bits, base64url) unless present.
    bool set_jti = false;
    /// The clock; system_clock::now when empty.
    clock_function clock{};
};

/// A fresh token identifier: 128 random bits, base64url (22 characters).
inline result<std::string> new_jti()
{
    std::array<std::byte, 16> b{};
    if (auto r = crypto::random_bytes(b); !r) return r.error();
    return base64url::encode(b);
}

/** Signs JWTs with one key: header `{"alg":…,"typ":…,"kid":…}`, claims from a
    nlohmann::json object. */
class signer {
public:
    /** A signer for `k` (not_a_signing_key unless it holds private material).
        `typ` is the header typ ("JWT", "at+jwt", …; empty for none). */
    static result<signer> make(key k, std::string typ = "JWT")
    {
        if (!k.can_sign()) return errc::not_a_signing_key;
        nlohmann::json h;
        h["alg"] = std::string(name(k.alg()));
        if (!typ.empty()) h["typ"] = std::move(typ);
        if (k.has_kid()) h["kid"] = std::string(k.kid());
        return signer(std::move(k), base64url::encode(h.dump()));
    }

    /** The compact JWT for `claims` (a JSON object; invalid_claims otherwise).
        With `opt`, iat/exp/jti are added unless present. */
    result<std::string> sign(nlohmann::json claims, const sign_options& opt = {}) const
    {
        if (!claims.is_object()) return errc::invalid_claims;
        const auto now = opt.clock ? opt.clock() : std::chrono::system_clock::now();
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        if (opt.set_iat && !claims.contains("iat")) claims["iat"] = secs;
        if (opt.lifetime.count() != 0 && !claims.contains("exp")) claims["exp"] = secs + opt.lifetime.count();
        if (opt.set_jti && !claims.contains("jti")) {
            auto j = new_jti();
            if (!j) return j.error();
            claims["jti"] = std::move(*j);
        }
        return detail::sign_encoded(header_b64_, detail::as_bytes(claims.dump()), key_);
    }

    const jose::key& key() const noexcept { return key_; }

private:
    signer(jose::key k, std::string header_b64) : key_(std::move(k)), header_b64_(std::move(header_b64)) {}
    jose::key key_;
    std::string header_b64_;
};

}  // namespace apiauth::jose::jwt

#endif  // APIAUTH_JOSE_JWT_HPP
