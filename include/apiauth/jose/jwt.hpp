// apiauth/jose/jwt.hpp — JSON Web Tokens: a verifier with a claims policy, and a signer (RFC 7519, RFC 8725).
//
// What a translation unit that verifies tokens includes: it does not include
// nlohmann/json. jwt::signer::sign takes a nlohmann::json and so needs
// <nlohmann/json.hpp>, or <apiauth/jose/sign.hpp>, where it is called.
#ifndef APIAUTH_JOSE_JWT_HPP
#define APIAUTH_JOSE_JWT_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/detail/json_writer.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>

#include <apiauth/detail/simdjson.hpp>
#include <nlohmann/json_fwd.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <time.h>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt {

/// Where "now" comes from; tests inject a fixed time.
using clock_function = std::function<std::chrono::system_clock::time_point()>;

/// One string, or several, written either way in a designated initializer:
/// `.audience = "https://api.example.com"` or `.audience = {"a", "b"}`.
struct string_list {
    std::vector<std::string> values;  ///< the strings, in order
    string_list() = default;
    /// One string.
    string_list(const char* s) : values{s} {}
    /// One string.
    string_list(std::string s) : values{std::move(s)} {}
    /// Several strings.
    string_list(std::initializer_list<std::string> l) : values(l) {}
    /// True if there is none.
    bool empty() const noexcept { return values.empty(); }
};

/** A declared claim as jwt::policy::declare holds it: made from a typed
    handle (string_claim, int_claim, …), so the name and the kind are stated
    once, where the handle is defined. */
struct claim_spec {
    std::string name;  ///< the claim's member name
    claim_kind kind;   ///< the JSON type it must have
    bool required;     ///< whether a token without it is refused
    template <claim_kind K>
    /// The declaration of `c` (its name, type and whether it is required).
    claim_spec(const claim<K>& c) : name(c.name()), kind(K), required(c.is_required())  // NOLINT: implicit on purpose
    {
    }
};

/// A last check on verified claims (policy::check): an error refuses the token with that error.
using claims_check = std::function<std::error_code(const claims&)>;

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
    /// Never "b64" (RFC 7797: the payload is always base64url here; the verifier throws).
    string_list understood_critical{};
    /** Claims outside the registered set read in the same pass as the
        registered ones, each with its JSON type (invalid_claim_type
        otherwise) and, if `.required()`, present (missing_claim); read them
        with claims::get(handle). Names must be distinct and not registered
        (std::invalid_argument from the verifier). Up to 8 cost no
        allocation. RFC 7519 §4.2, §4.3. */
    std::vector<claim_spec> declare{};
    /** Called last, on claims that passed every other check: a non-zero
        error_code refuses the token with that code (e.g. an ID Site `err`
        mapped to an error, a nonce that was not issued). It must not throw;
        if it does, the token is refused with invalid_configuration. */
    claims_check check{};
};

class verifier;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
// The key to jwt::verified's constructor, which only jwt::verifier can make
// (the verified result is built in place inside boost::system::result, so the
// constructor itself cannot be private; this key is).
class jwt_verified_key {
    friend class jose::jwt::verifier;
    friend struct jwt_verifier_access;
    jwt_verified_key() noexcept = default;

public:
    jwt_verified_key(const jwt_verified_key&) = delete;
    jwt_verified_key& operator=(const jwt_verified_key&) = delete;
};

// For a caller that keeps the verified token inside an object of its own (an access token,
// an identity): the verification is written where it is kept, not moved there. A moved
// jwt::verified copies its claims' text (an inline buffer). Only detail code can make an
// empty jwt::verified, and it must drop one whose verify_into failed.
struct jwt_verifier_access {
    // A verified with nothing in it yet, to give to verify_into.
    static jose::jwt::verified empty() noexcept;
    // verifier::verify(token) into `out`: empty on success, else the error verify() gives.
    // `out` is one empty() made, or one a failed verify_into left (it is made empty again).
    static std::error_code verify_into(const jose::jwt::verifier& v, std::string_view token,
                                       jose::jwt::verified& out) noexcept;
};
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt {

/** A verified JWT: its algorithm, the key that verified it, and its claims.
    Only jwt::verifier makes one: holding one means the token verified. */
class verified {
public:
    /// Made only by jwt::verifier (the key type is the verifier's).
    explicit verified(const detail::jwt_verified_key&) noexcept {}  // no zeroing of the claims' inline buffer
    /// The algorithm that verified the token.
    algorithm alg() const noexcept { return alg_; }
    /// The key from the verifier's key set (valid while the verifier lives).
    const jose::key& key() const noexcept { return *key_; }
    /// The verified claims.
    const jwt::claims& claims() const noexcept { return claims_; }

private:
    friend class verifier;
    friend struct detail::jwt_verifier_access;
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
    (token_issued_in_future); declared claims (policy::declare) are read
    and type-checked with the registered ones, in the same pass; last, the
    policy's `check` hook. Why a token failed, in words a person reads
    (which claim, how late): explain(), a separate call that costs verify()
    nothing.

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
    /** A verifier for `keys` and `p`. Throws std::invalid_argument for a
        policy that declares a claim twice, an empty name, or a registered
        claim (those have their own accessors; require them with `require`),
        or that lists "b64" in understood_critical (RFC 7797 §6: unencoded
        payloads are not implemented, the payload is always base64url). */
    verifier(key_set keys, policy p) : keys_(std::move(keys)), policy_(std::move(p))
    {
        for (const claim_spec& d : policy_.declare) {
            if (d.name.empty() || claims::registered_bit(d.name) != 0)
                throw std::invalid_argument("apiauth::jose::jwt::verifier: cannot declare the claim \"" + d.name +
                                            "\" (empty or registered)");
            for (const auto& o : decls_)
                if (o.name == d.name)
                    throw std::invalid_argument("apiauth::jose::jwt::verifier: the claim \"" + d.name +
                                                "\" is declared twice");
            decls_.push_back({d.name, detail::key_fingerprint(d.name), static_cast<std::uint32_t>(names_.size()),
                              d.kind, d.required});
            names_ += d.name;
        }
        // Required claims: the registered ones become a bit mask checked
        // against what the claims reader saw, the declared ones are marked,
        // the others are looked up.
        for (const auto& name : policy_.require.values) {
            const std::uint32_t bit = claims::registered_bit(name);
            bool declared = false;
            for (auto& d : decls_)
                if (d.name == name) declared = d.required = true;
            if (bit != 0)
                required_registered_ |= bit;
            else if (!declared)
                required_other_.push_back(name);
        }
        for (const auto& d : decls_) any_required_decl_ = any_required_decl_ || d.required;

        for (const auto& s : policy_.understood_critical.values) crit_views_.push_back(s);
        if (!detail::understood_critical_supported(crit_views_))
            throw std::invalid_argument(
                "apiauth::jose::jwt::verifier: \"b64\" cannot be understood_critical (RFC 7797 is not implemented)");
        jws_opt_.max_size = policy_.max_size;
        jws_opt_.typ = policy_.typ;
        jws_opt_.understood_critical = crit_views_;
    }
    /// A verifier with the same keys and policy.
    verifier(const verifier& o) : verifier(o.keys_, o.policy_) {}
    verifier& operator=(const verifier&) = delete;
    ~verifier()
    {
        for (auto& slot : header_cache_) delete slot.load();
    }

    /// Verify `token`; see the class comment for the checks and errors.
    result<verified> verify(std::string_view token) const noexcept
    {
        const detail::jwt_verified_key key;
        result<verified> r{boost::system::in_place_value, key};
        if (auto e = verify_into(token, *r)) r = result<verified>(e);
        return r;
    }

    /** Why verify(token) fails, for a person: the error's name and what was
        wrong where ("missing_claim: the claim \"state\" is required by the
        policy and absent", "token_expired: exp 1700000000 is 95 s before now
        1700000125 (leeway 30 s)"), or "ok" when it verifies. Runs the same
        checks again, so verify() pays nothing for it. The text quotes claim
        names and values from the token (never key material): log it, do not
        send it to the client. Allocates; may throw std::bad_alloc. */
    std::string explain(std::string_view token) const
    {
        const detail::jwt_verified_key key;
        result<verified> r{boost::system::in_place_value, key};
        std::string why;
        const std::error_code e = run(token, *r, detail::tls_jose_workspace(), &why);
        if (!e) return "ok";
        std::string out(error_name(e).empty() ? e.message() : std::string(error_name(e)));
        out += ": ";
        out += why.empty() ? e.message() : why;
        return out;
    }

    /// The keys this verifier selects from.
    const key_set& keys() const noexcept { return keys_; }
    /// The policy this verifier applies.
    const jwt::policy& policy() const noexcept { return policy_; }

private:
    friend struct detail::jwt_verifier_access;
    std::error_code verify_into(std::string_view token, verified& out) const noexcept
    {
        try {
            return run(token, out, detail::tls_jose_workspace(), nullptr);
        } catch (...) {  // the per-thread workspace's first allocation
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }
    // `why`, when not null, receives the explanation of a failure (explain()).
    std::error_code run(std::string_view token, verified& out, detail::jose_workspace& ws, std::string* why) const
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
            if (!choice) {
                if (why) *why = explain_header(header_b64, choice.error());
                return choice.error();
            }
            out.alg_ = choice->alg;
            out.key_ = choice->key;
        }
        if (auto e = detail::check_signature(token, dots->second, *out.key_)) return e;
        if (!cached) remember_header(header_b64, out.alg_, out.key_);
        const auto parts = detail::jws_parts{out.alg_, out.key_, dots->first, dots->second};

        claims& c = out.claims_;
        using access = detail::claims_access;
        auto json = access::decode_into(c, token.substr(parts.dot1 + 1, parts.dot2 - parts.dot1 - 1), names_.size());
        if (!json) return json.error();
        if (auto e = access::begin_extras(c, decls_, names_)) return e;
        auto doc = ws.parse(*json);
        if (!doc) return fail(why, errc::invalid_claims, [] { return std::string("the payload is not valid JSON"); });
        simdjson::dom::object o;
        if (doc->get_object().get(o) != simdjson::SUCCESS)  // RFC 7519 §7.2 step 10
            return fail(why, errc::invalid_claims, [] { return std::string("the payload is not a JSON object"); });
        std::string_view culprit;
        if (auto e = access::fill(c, o, ws.names, decls_, culprit))
            return fail(why, e, [&] { return explain_member(e, culprit); });
        if (const std::uint32_t missing = required_registered_ & ~c.registered_present(); missing != 0)
            return fail(why, errc::missing_claim, [&] {
                for (std::size_t i = 0; i < std::size(claims::registered_names); ++i)
                    if (missing & (1u << i)) return missing_text(claims::registered_names[i]);
                return std::string();
            });
        if (any_required_decl_)
            for (std::size_t i = 0; i < decls_.size(); ++i)
                if (decls_[i].required && !access::present(c, i))
                    return fail(why, errc::missing_claim, [&] { return missing_text(decls_[i].name); });
        for (const std::string& name : required_other_)
            if (o.at_key(name).error() != simdjson::SUCCESS)
                return fail(why, errc::missing_claim, [&] { return missing_text(name); });
        if (!policy_.issuer.empty() && c.iss() != std::string_view(policy_.issuer))
            return fail(why, errc::wrong_issuer, [&] {
                return (c.iss() ? "iss is " + quote(*c.iss()) : std::string("the token has no iss")) +
                       "; the policy expects " + quote(policy_.issuer);
            });
        if (!policy_.audience.empty()) {
            bool found = false;
            for (const std::string& a : policy_.audience.values) found = found || c.has_audience(a);
            if (!found)
                return fail(why, errc::wrong_audience, [&] {
                    std::string s = c.aud().empty() ? std::string("the token has no aud") : "aud is";
                    for (std::string_view a : c.aud()) s += " " + quote(a);
                    s += "; the policy expects one of";
                    for (const std::string& a : policy_.audience.values) s += " " + quote(a);
                    return s;
                });
        }
        double t = 0;
        try {
            t = now_seconds();
        } catch (...) {  // the policy's clock threw
            return errc::invalid_configuration;
        }
        const double skew = static_cast<double>(policy_.leeway.count());
        if (const auto exp = c.exp(); exp && !(t < *exp + skew))
            return fail(why, errc::token_expired, [&] { return time_text("exp", *exp, "before", t); });
        if (const auto nbf = c.nbf(); nbf && t + skew < *nbf)
            return fail(why, errc::token_not_yet_valid, [&] { return time_text("nbf", *nbf, "after", t); });
        if (const auto iat = c.iat(); policy_.reject_future_iat && iat && *iat > t + skew)
            return fail(why, errc::token_issued_in_future, [&] { return time_text("iat", *iat, "after", t); });
        if (policy_.check) {
            std::error_code e;
            try {
                e = policy_.check(c);
            } catch (...) {
                return fail(why, errc::invalid_configuration,
                            [] { return std::string("the policy's check threw an exception"); });
            }
            if (e) return fail(why, e, [&] { return "the policy's check refused the claims: " + e.message(); });
        }
        return {};
    }

    // ---- explain(): the words for each failure, built only when asked --------------

    template <class Text> static std::error_code fail(std::string* why, std::error_code e, Text&& text)
    {
        if (why) *why = text();
        return e;
    }

    // A value from the token, quoted and cut to 80 octets.
    static std::string quote(std::string_view s)
    {
        std::string q = "\"";
        q += s.substr(0, 80);
        if (s.size() > 80) q += "...";
        q += '"';
        return q;
    }

    static std::string missing_text(std::string_view name)
    {
        return "the claim " + quote(name) + " is required by the policy and absent";
    }

    std::string explain_member(std::error_code e, std::string_view name) const
    {
        if (e == errc::duplicate_member) return "the claim " + quote(name) + " occurs twice (at its level or inside)";
        if (e != errc::invalid_claim_type) return "in the claim " + quote(name) + ": " + e.message();
        std::string want = "a number (NumericDate)";
        if (name == "aud")
            want = "a string or an array of strings";
        else if (const std::uint32_t bit = claims::registered_bit(name);
                 bit != 0 && name != "exp" && name != "nbf" && name != "iat")
            want = "a string";
        for (const auto& d : decls_) {
            if (d.name != name) continue;
            constexpr const char* kinds[] = {"a string",      "an integer (int64)",  "a number",
                                             "true or false", "an array of strings", "an object"};
            want = kinds[static_cast<std::size_t>(d.kind)];
        }
        return "the claim " + quote(name) + " must be " + want;
    }

    std::string time_text(const char* claim, double value, const char* side, double now) const
    {
        const auto num = [](double v) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.0f", v);
            return std::string(buf);
        };
        return std::string(claim) + " " + num(value) + " is " + num(std::fabs(now - value)) + " s " + side + " now " +
               num(now) + " (leeway " + std::to_string(policy_.leeway.count()) + " s)";
    }

    // The header's alg, kid and typ, with the error read_header gave. The
    // header may be anything here, duplicate names included (the last one
    // counts, as in most JSON readers) and text after a NUL octet ignored.
    std::string explain_header(std::string_view header_b64, std::error_code e) const
    {
        std::string s = e.message();
        const auto text = encoding::base64url::decode(header_b64);
        if (!text) return s;
        detail::json_document doc;
        simdjson::dom::object h;
        if (!doc.parse(std::string_view(*text).substr(0, text->find('\0')), /*unique=*/false) ||
            doc.root().get_object().get(h) != simdjson::SUCCESS)
            return s;
        s += " (header";
        for (const std::string_view m : {"alg", "kid", "typ"}) {
            std::optional<std::string_view> last;
            for (const auto field : h) {
                if (field.key != m) continue;
                std::string_view v;
                last = field.value.get_string().get(v) == simdjson::SUCCESS ? std::optional(v) : std::nullopt;
            }
            if (last) s += " " + std::string(m) + " " + quote(*last);
        }
        s += ")";
        if (e == errc::wrong_token_type) s += "; the policy expects typ " + quote(policy_.typ);
        return s;
    }

    double now_seconds() const
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
    std::vector<detail::claim_decl> decls_;
    std::string names_;  // the declared names one after the other (claim_decl::name_off)
    bool any_required_decl_ = false;
    mutable std::array<std::atomic<const header_entry*>, header_slots> header_cache_{};
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
inline jose::jwt::verified jwt_verifier_access::empty() noexcept
{
    return jose::jwt::verified(jwt_verified_key());
}

inline std::error_code jwt_verifier_access::verify_into(const jose::jwt::verifier& v, std::string_view token,
                                                        jose::jwt::verified& out) noexcept
{
    // run() sets the key before it writes a claim, and reads claims over what it finds: a
    // verified that a failed run left holds another token's claims, which must not show.
    if (out.key_ != nullptr) out = empty();
    return v.verify_into(token, out);
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt {

/// The longest signer lifetime (sign_options::lifetime), either way: 100 years. Beyond it, now +
/// lifetime could overflow the 64-bit NumericDate (signed overflow), and no token needs it.
inline constexpr std::chrono::seconds max_sign_lifetime =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years(100));

/// What signer::sign adds to the claims it is given.
struct sign_options {
    /** When non-zero: `exp` = now + lifetime (unless the claims have an exp). At most
        max_sign_lifetime (100 years) either way: sign() refuses more with invalid_configuration. */
    std::chrono::seconds lifetime{0};
    /// Add `iat` = now (unless present).
    bool set_iat = false;
    /// Add a random `jti` (128 bits, base64url) unless present.
    bool set_jti = false;
    /// The clock; system_clock::now when empty.
    clock_function clock{};
};

/// A fresh token identifier: 128 random bits, base64url (22 characters). May throw std::bad_alloc.
inline result<std::string> new_jti()
{
    std::array<std::byte, 16> b{};
    if (auto r = crypto::random_bytes(b); !r) return r.error();
    return encoding::base64url::encode(b);
}

/** Signs JWTs with one key: header `{"alg":…,"kid":…,"typ":…}`, claims from a
    nlohmann::json object.

    sign() takes a nlohmann::json: include <nlohmann/json.hpp> (or
    <apiauth/jose/sign.hpp>) where it is called. This header itself does not
    include nlohmann/json, so that code that only verifies does not compile
    it. */
class signer {
public:
    /** A signer for `k` (not_a_signing_key unless it holds private material).
        `typ` is the header typ ("JWT", "at+jwt", …; empty for none); one that
        is not valid UTF-8 is json_invalid_utf8. Never throws (not_enough_memory). */
    static result<signer> make(key k, std::string typ = "JWT") noexcept
    {
        try {
            if (!k.can_sign()) return errc::not_a_signing_key;
            if (!detail::is_utf8(typ)) return errc::json_invalid_utf8;
            // Members sorted by name, compact: the header nlohmann/json wrote before.
            std::string h = "{\"alg\":";
            detail::append_json_string(h, name(k.alg()));
            if (k.has_kid()) {
                h += ",\"kid\":";
                detail::append_json_string(h, k.kid());
            }
            if (!typ.empty()) {
                h += ",\"typ\":";
                detail::append_json_string(h, typ);
            }
            h += '}';
            return signer(std::move(k), encoding::base64url::encode(h));
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /** The compact JWT for `claims` (RFC 7519 §7.1): a JSON object
        (invalid_claims otherwise) whose strings are valid UTF-8
        (json_invalid_utf8: nlohmann would throw type_error 316, and RFC 8259
        §8.1 wants UTF-8). With `opt`, iat/exp/jti are added unless present;
        a lifetime beyond ±max_sign_lifetime is invalid_configuration.
        Never throws: a failing clock is invalid_configuration, memory
        exhaustion not_enough_memory. A template only so that this header
        needs no nlohmann/json (see the class comment): `Json` is always
        nlohmann::json, and `sign({{"sub", "x"}})` works as before. */
    template <std::same_as<nlohmann::json> Json = nlohmann::json>
    result<std::string> sign(Json claims, const sign_options& opt = {}) const noexcept
    {
        static_assert(
            requires { sizeof(Json); },
            "jwt::signer::sign needs nlohmann/json: include <nlohmann/json.hpp> or <apiauth/jose/sign.hpp>");
        try {
            if (!claims.is_object()) return errc::invalid_claims;
            if (opt.lifetime > max_sign_lifetime || opt.lifetime < -max_sign_lifetime)
                return errc::invalid_configuration;  // now + lifetime would overflow (seconds::max())
            const auto now = opt.clock ? opt.clock() : std::chrono::system_clock::now();
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
            if (opt.set_iat && !claims.contains("iat")) claims["iat"] = secs;
            if (opt.lifetime.count() != 0 && !claims.contains("exp")) claims["exp"] = secs + opt.lifetime.count();
            if (opt.set_jti && !claims.contains("jti")) {
                auto j = new_jti();
                if (!j) return j.error();
                claims["jti"] = std::move(*j);
            }
            std::string text;
            try {
                // strict: json_invalid_utf8 instead of signing other text than the caller gave
                text = claims.dump(-1, ' ', false, Json::error_handler_t::strict);
            } catch (const typename Json::type_error&) {
                return errc::json_invalid_utf8;
            }
            return detail::sign_encoded(header_b64_, detail::as_bytes(text), key_);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the caller's clock
            return errc::invalid_configuration;
        }
    }

    /// The key this signer signs with.
    const jose::key& key() const noexcept { return key_; }

private:
    signer(jose::key k, std::string header_b64) : key_(std::move(k)), header_b64_(std::move(header_b64)) {}
    jose::key key_;
    std::string header_b64_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt

#endif  // APIAUTH_JOSE_JWT_HPP
