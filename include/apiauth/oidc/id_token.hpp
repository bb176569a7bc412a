// apiauth/oidc/id_token.hpp — ID token validation by the relying party (OpenID Connect Core
// §3.1.3.7, §3.1.3.8 at_hash), on top of jose::jwt::verifier.
#ifndef APIAUTH_OIDC_ID_TOKEN_HPP
#define APIAUTH_OIDC_ID_TOKEN_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/oidc/pending.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {
// Room for the longest token hash: half of SHA-512, base64url (43 characters).
using token_hash_buffer = std::array<char, encoding::base64url::encoded_size(64 / 2)>;
// oidc::token_hash written into `out`, without an allocation; a view into `out`.
inline std::string_view write_token_hash(jose::algorithm alg, std::string_view token, token_hash_buffer& out) noexcept
{
    const crypto::hash h = jose::hash_of(alg).value_or(crypto::hash::sha512);
    const crypto::digest_value d = crypto::digest(h, as_bytes(token));
    const auto n = encoding::base64url::encode(d.span().first(d.size / 2), out);  // always fits
    return {out.data(), n ? *n : 0};
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/// The ID token claims beyond RFC 7519 that validation reads (OpenID Connect Core §2), declared
/// to jose::jwt::verifier so that they are read in the same pass as the registered ones.
namespace id_claim {
inline constexpr jose::jwt::string_claim nonce{"nonce"};          ///< §2, §3.1.3.7 step 11
inline constexpr jose::jwt::string_claim azp{"azp"};              ///< §2, §3.1.3.7 steps 4-5
inline constexpr jose::jwt::string_claim at_hash{"at_hash"};      ///< §3.1.3.6, §3.1.3.8
inline constexpr jose::jwt::number_claim auth_time{"auth_time"};  ///< §2, §3.1.3.7 step 13
inline constexpr jose::jwt::string_claim acr{"acr"};              ///< §2, §3.1.3.7 step 12
}  // namespace id_claim

/** The at_hash (or c_hash) of `token` for an ID token signed with `alg`:
    base64url of the left-most half of the hash of its ASCII octets, the hash
    being the one of `alg` (SHA-256 for *256, SHA-384, SHA-512; SHA-512 for
    EdDSA with Ed25519). Allocates; may throw std::bad_alloc.

    @par Example
    "dNZX1hEZ9wBCzNL40Upu646bdzQA" with RS256 gives "wfgvmE9VxjAudsl9lc6TqA".
    @par Specification OpenID Connect Core §3.1.3.6, §3.3.2.11.
*/
inline std::string token_hash(jose::algorithm alg, std::string_view token)
{
    detail::oidc::token_hash_buffer out;
    return std::string(detail::oidc::write_token_hash(alg, token, out));
}

/** Bounds of provider_key_set: a provider's JWKS comes from the network. */
struct provider_jwks_options {
    /// Longest document read (body_too_large). Google's JWKS is about 1 KiB.
    std::size_t max_size = 256 * 1024;
    /// Most keys in the document (invalid_key_set); each RSA key costs an import.
    std::size_t max_keys = 64;
};

/** The keys of a provider's JWK Set (its `jwks_uri`), read as the untrusted
    input it is, for id_token_verifier. First the bounds of `opt`
    (body_too_large, invalid_key_set). Then, on top of
    jose::key_set::from_jwks's checks (sizes, ROCA moduli, private members,
    keys for other uses left out): a set holding any `oct` key is
    invalid_key_set, even one of only `oct` keys (a provider never publishes
    a secret, and a secret read from a JWKS is how a public key's bytes end
    up as an HMAC key: RFC 8725 §2.1, §3.1). An RSA key without `alg` (some
    providers leave it out) is bound to the one RSA algorithm `algorithms`
    allows (the metadata's id_token_algorithms(); empty means RS256, as for
    id_token_options; with no RSA algorithm allowed it is bound to RS256,
    and id_token_verifier::make leaves it out). When `algorithms` allows
    several (RS256 and PS256), such a key is key_alg_missing, because
    guessing between them is what RFC 8725 §3.1 forbids. A key that names
    its own `alg` keeps it, whatever `algorithms` says (the verifier uses
    only the allowed ones). EC and Ed25519 keys follow their curve. Never
    throws (not_enough_memory).

    @par Example
    @code
    auto keys = oidc::provider_key_set(jwks_body, meta.id_token_algorithms());
    auto v = oidc::id_token_verifier::make(*keys, {.issuer = meta.issuer, .client_id = "app",
                                                   .algorithms = meta.id_token_algorithms()});
    @endcode
    @par Specification RFC 7517 §5; RFC 8725 §2.1, §3.1; OpenID Connect Core §10.1.
*/
inline result<jose::key_set> provider_key_set(std::string_view jwks_json,
                                              std::span<const jose::algorithm> algorithms = {},
                                              provider_jwks_options opt = {}) noexcept
{
    try {
        if (jwks_json.size() > opt.max_size) return errc::body_too_large;
        {  // bounds and secrets first, before a key without alg could stop the reading with another error
            detail::json_document doc;
            simdjson::dom::array keys;
            if (!doc.parse(jwks_json) || doc.root().at_key("keys").get_array().get(keys) != simdjson::SUCCESS)
                return errc::invalid_key_set;
            if (keys.size() > opt.max_keys) return errc::invalid_key_set;
            for (const auto k : keys) {
                simdjson::dom::object jwk;
                if (k.get_object().get(jwk) != simdjson::SUCCESS) return errc::invalid_key_set;
                const auto kty = detail::member_string(jwk, "kty");
                if (kty && *kty == "oct") return errc::invalid_key_set;
            }
        }
        std::optional<jose::algorithm> rsa;
        std::size_t rsa_count = 0;
        for (const jose::algorithm a : algorithms) {
            if (jose::family(a) != jose::key_family::rsa || a == rsa) continue;
            rsa = a;
            ++rsa_count;
        }
        jose::jwk_options jo{.alg_only_when_absent = true};
        if (rsa_count == 0) jo.alg = jose::algorithm::rs256;  // the default, or a key the verifier will leave out
        if (rsa_count == 1) jo.alg = rsa;
        return jose::key_set::from_jwks(jwks_json, jo);
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** How ID tokens from one provider to one client are validated. Built once, with the verifier. */
struct id_token_options {
    /// `iss` must equal this exactly (§3.1.3.7 step 2; the metadata `issuer`).
    std::string issuer;
    /// Other values accepted for `iss` (Google's legacy "accounts.google.com"); normally none.
    jose::jwt::string_list additional_issuers{};
    /// The client's client_id: `aud` must contain it (step 3), `azp` must equal it (step 5).
    std::string client_id;
    /// Audiences besides client_id the client trusts; any other is wrong_audience (step 3).
    jose::jwt::string_list trusted_audiences{};
    /// The algorithms the provider signs ID tokens with (metadata
    /// id_token_signing_alg_values_supported, or the registered id_token_signed_response_alg):
    /// empty means RS256 (step 7, §15.1). A token with any other alg is unsupported_algorithm.
    std::vector<jose::algorithm> algorithms{};
    /// The client secret: only when non-empty, and only for HS256/384/512 listed in
    /// `algorithms`, is its UTF-8 octets' HMAC key added (step 8). Never from the JWKS.
    /// Wiped by id_token_verifier::make once the keys are made: options() shows it empty.
    std::string client_secret{};
    /// Clock skew allowed for exp and iat (RFC 7519 §4.1.4: a few minutes at most).
    std::chrono::seconds leeway{60};
    /// When non-zero: an `iat` older than now - max_iat_age - leeway is token_expired (step 10).
    std::chrono::seconds max_iat_age{0};
    /// With several audiences, `azp` must be present (step 4; optional since errata set 2).
    bool require_azp_with_several_audiences = true;
    /// Refuse an ID token without `at_hash` when an access token is checked against it.
    bool require_at_hash = false;
    /// The clock; system_clock::now when empty (tests inject one).
    jose::jwt::clock_function clock{};
    /// Longest ID token accepted (token_too_large).
    std::size_t max_size = 16 * 1024;
};

class id_token_verifier;

/** A validated ID token. Made only by id_token_verifier::verify: holding one
    means every check of OpenID Connect Core §3.1.3.7 passed. Accessors view
    into this object. */
class id_token {
public:
    /// `iss`: the provider.
    std::string_view issuer() const noexcept { return *v_.claims().iss(); }
    /// `sub`: the user at this provider; the account key is (issuer, subject) (Core §5.7).
    std::string_view subject() const noexcept { return *v_.claims().sub(); }
    /// `nonce`, when present.
    std::optional<std::string_view> nonce() const noexcept { return v_.claims().get(id_claim::nonce); }
    /// `azp`, when present.
    std::optional<std::string_view> azp() const noexcept { return v_.claims().get(id_claim::azp); }
    /// `auth_time`, when present (NumericDate).
    std::optional<double> auth_time() const noexcept { return v_.claims().get(id_claim::auth_time); }
    /// `acr`, the Authentication Context Class Reference the provider asserts, when present.
    std::optional<std::string_view> acr() const noexcept { return v_.claims().get(id_claim::acr); }
    /// The algorithm that verified the token.
    jose::algorithm alg() const noexcept { return v_.alg(); }
    /// Every claim (exp, iat, aud, and the JSON for email, name, … : see profile.hpp).
    const jose::jwt::claims& claims() const noexcept { return v_.claims(); }

private:
    friend class id_token_verifier;
    explicit id_token(jose::jwt::verified&& v) noexcept : v_(std::move(v)) {}
    jose::jwt::verified v_;
};

/** Validates the ID tokens of one provider for one client (OpenID Connect
    Core §3.1.3.7). Built once per key set (rebuild it when the JWKS
    changes); used from many threads.

    Order: jose::jwt::verifier's (size, header, key, signature, then claims:
    duplicate members, types; `iss sub aud exp iat` required, missing_claim;
    `iss` exact, wrong_issuer; `aud` contains client_id, wrong_audience;
    exp, token_expired; iat not in the future, token_issued_in_future);
    an alg outside options().algorithms or without a key is
    unsupported_algorithm ("none" always is); then here: every audience
    trusted (wrong_audience); several audiences without `azp`
    (missing_claim); `azp` not client_id (azp_mismatch); iat older than
    max_iat_age (token_expired); nonce absent (missing_claim) or different,
    compared in constant time (nonce_mismatch); at_hash different
    (at_hash_mismatch) or absent while require_at_hash (missing_claim);
    acr absent (missing_claim) or not one of the expected acr_values
    (acr_not_satisfied); with max_age, auth_time absent (missing_claim),
    later than now (token_issued_in_future) or older than max_age
    (auth_time_too_old: send the user to log in again, prompt=login).

    Performance contract: jose::jwt::verifier's (no allocation after warm-up
    for tokens up to about 1.2 KiB), plus one SHA-2 and one base64url
    encoding on the stack when at_hash is checked: no allocation either.

    @par Specification OpenID Connect Core §2, §3.1.3.7, §3.1.3.8; RFC 8725 §3.1.
*/
class id_token_verifier {
public:
    /** A verifier for `keys` (the provider's JWKS, key_set::from_jwks) and
        `o`. Refuses: an empty issuer or client_id (invalid_configuration); an
        HMAC key in `keys` (invalid_key_set: a provider's JWKS never holds a
        secret, RFC 8725 §3.1); a client secret too short for its HMAC
        (weak_key); no key left for any allowed algorithm (invalid_key_set).
        Never throws (not_enough_memory). */
    static result<id_token_verifier> make(const jose::key_set& keys, id_token_options o) noexcept
    {
        try {
            if (o.issuer.empty() || o.client_id.empty()) return errc::invalid_configuration;
            if (o.algorithms.empty()) o.algorithms = {jose::algorithm::rs256};
            std::vector<jose::key> chosen;
            std::vector<jose::algorithm> usable;
            const auto allowed = [&](jose::algorithm a) {
                return std::find(o.algorithms.begin(), o.algorithms.end(), a) != o.algorithms.end();
            };
            const auto mark = [&](jose::algorithm a) {
                if (std::find(usable.begin(), usable.end(), a) == usable.end()) usable.push_back(a);
            };
            for (const jose::key& k : keys) {
                if (jose::family(k.alg()) == jose::key_family::hmac) return errc::invalid_key_set;
                if (!allowed(k.alg())) continue;
                chosen.push_back(k);
                mark(k.alg());
            }
            if (!o.client_secret.empty()) {
                for (const jose::algorithm a :
                     {jose::algorithm::hs256, jose::algorithm::hs384, jose::algorithm::hs512}) {
                    if (!allowed(a)) continue;
                    auto k = jose::key::from_secret(a, o.client_secret);
                    if (!k) return k.error();
                    chosen.push_back(std::move(*k));
                    mark(a);
                }
            }
            if (chosen.empty()) return errc::invalid_key_set;
            auto set = jose::key_set::make(std::move(chosen));
            if (!set) return set.error();
            jose::jwt::policy p{
                .issuer = o.additional_issuers.empty() ? o.issuer : std::string(),
                .audience = o.client_id,
                .leeway = o.leeway,
                .require = {"iss", "sub", "aud", "exp", "iat"},
                .clock = o.clock,
                .max_size = o.max_size,
                .declare = {id_claim::nonce, id_claim::azp, id_claim::at_hash, id_claim::auth_time, id_claim::acr}};
            auto v = std::make_unique<jose::jwt::verifier>(std::move(*set), std::move(p));
            crypto::wipe(o.client_secret);  // its keys are made; the verifier keeps no other copy
            return id_token_verifier(std::move(o), std::move(v), std::move(usable));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {
            return errc::invalid_configuration;
        }
    }

    /** Validate `token` (the `id_token` of a token response) against
        options() and `e`; see the class comment for the order and the
        errors. Never throws. */
    result<id_token> verify(std::string_view token, const id_token_expectation& e = {}) const noexcept
    {
        try {
            auto v = verifier_->verify(token);
            if (!v) {
                const std::error_code ec = v.error();
                if (ec == errc::unknown_key || ec == errc::algorithm_mismatch || ec == errc::ambiguous_key)
                    if (!header_alg_usable(token)) return errc::unsupported_algorithm;
                return ec;
            }
            if (auto ec = check(*v, e)) return ec;
            return id_token(std::move(*v));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the caller's clock
            return errc::invalid_configuration;
        }
    }

    /// The options the verifier was made with (algorithms filled in: RS256 when none were given).
    const id_token_options& options() const noexcept { return opt_; }
    /// The algorithms a token may use: options().algorithms that have a key.
    const std::vector<jose::algorithm>& usable_algorithms() const noexcept { return usable_; }

private:
    id_token_verifier(id_token_options o, std::unique_ptr<jose::jwt::verifier> v, std::vector<jose::algorithm> u)
        : opt_(std::move(o)), verifier_(std::move(v)), usable_(std::move(u))
    {
    }

    // False when the token's header names an alg without a key here: the
    // metadata or the key set does not allow it (step 7, RFC 8725 §3.1).
    bool header_alg_usable(std::string_view token) const
    {
        const auto header = encoding::base64url::decode(token.substr(0, token.find('.')));
        if (!header) return true;  // the verifier's own error stands
        detail::json_document doc;
        simdjson::dom::object h;
        if (!doc.parse(*header) || doc.root().get_object().get(h) != simdjson::SUCCESS) return true;
        const auto name = detail::member_string(h, "alg");
        if (!name) return true;
        const auto a = jose::parse_algorithm(*name);
        return a && std::find(usable_.begin(), usable_.end(), *a) != usable_.end();
    }

    double now() const
    {
        const auto t = opt_.clock ? opt_.clock() : std::chrono::system_clock::now();
        return std::chrono::duration<double>(t.time_since_epoch()).count();
    }

    std::error_code check(const jose::jwt::verified& v, const id_token_expectation& e) const
    {
        const jose::jwt::claims& c = v.claims();
        if (!opt_.additional_issuers.empty()) {  // the policy left iss to this check
            const std::string_view iss = *c.iss();
            bool ok = iss == opt_.issuer;
            for (const std::string& i : opt_.additional_issuers.values) ok = ok || iss == i;
            if (!ok) return errc::wrong_issuer;
        }
        for (const std::string_view a : c.aud()) {  // step 3: no audience the client does not trust
            bool trusted = a == opt_.client_id;
            for (const std::string& t : opt_.trusted_audiences.values) trusted = trusted || a == t;
            if (!trusted) return errc::wrong_audience;
        }
        const auto azp = c.get(id_claim::azp);
        if (!azp && c.aud().size() > 1 && opt_.require_azp_with_several_audiences) return errc::missing_claim;
        if (azp && *azp != opt_.client_id) return errc::azp_mismatch;
        const double skew = static_cast<double>(opt_.leeway.count());
        if (opt_.max_iat_age.count() > 0 && *c.iat() + static_cast<double>(opt_.max_iat_age.count()) + skew < now())
            return errc::token_expired;
        if (!e.nonce.empty()) {
            const auto nonce = c.get(id_claim::nonce);
            if (!nonce) return errc::missing_claim;
            if (!crypto::equal(detail::as_bytes(*nonce), detail::as_bytes(e.nonce))) return errc::nonce_mismatch;
        }
        if (!e.access_token.empty()) {
            const auto at_hash = c.get(id_claim::at_hash);
            if (!at_hash) {
                if (opt_.require_at_hash) return errc::missing_claim;
            } else {
                detail::oidc::token_hash_buffer buf;  // token_hash on the stack: no allocation
                const std::string_view want = detail::oidc::write_token_hash(v.alg(), e.access_token, buf);
                if (!crypto::equal(detail::as_bytes(*at_hash), detail::as_bytes(want))) return errc::at_hash_mismatch;
            }
        }
        if (!e.acr_values.empty()) {  // step 12: the acr asked for (any of them)
            const auto acr = c.get(id_claim::acr);
            if (!acr) return errc::missing_claim;
            bool asked = false;
            std::string_view rest = e.acr_values;
            while (!rest.empty()) {
                const std::size_t sp = rest.find(' ');
                const std::string_view value = rest.substr(0, sp);  // empty between doubled spaces: matches nothing
                asked = asked || (!value.empty() && value == *acr);
                rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
            }
            if (!asked) return errc::acr_not_satisfied;
        }
        if (e.max_age) {
            const auto auth_time = c.get(id_claim::auth_time);
            if (!auth_time) return errc::missing_claim;
            const double t = now();
            if (*auth_time > t + skew) return errc::token_issued_in_future;  // a future login meets any max_age
            if (*auth_time + static_cast<double>(e.max_age->count()) + skew < t) return errc::auth_time_too_old;
        }
        return {};
    }

    id_token_options opt_;
    std::unique_ptr<jose::jwt::verifier> verifier_;
    std::vector<jose::algorithm> usable_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_ID_TOKEN_HPP
