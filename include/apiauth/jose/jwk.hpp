// apiauth/jose/jwk.hpp — keys bound to one algorithm (RFC 8725 §3.1), built
// once from a secret, PEM or JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2), and
// key sets that choose a key for a token without trusting the token.
//
// JWK and JWK Set text is read with simdjson, as tokens are: this header does
// not include nlohmann/json. The members that build or take nlohmann::json
// objects (key::to_jwk, key_set::to_public_jwks, key::from_jwk of an object)
// are templates that need <nlohmann/json.hpp> only where they are called:
// include it, or <apiauth/jose/sign.hpp>, there.
#ifndef APIAUTH_JOSE_JWK_HPP
#define APIAUTH_JOSE_JWK_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/crypto/keys.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/crypto/signature.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/ecdsa_der.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/detail/json_writer.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>

#include <apiauth/detail/simdjson.hpp>
#include <nlohmann/json_fwd.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <concepts>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk {
struct loader;

// Wipes a string's whole buffer when it goes out of scope (also on an exception).
struct wipe_on_exit {
    std::string& s;
    ~wipe_on_exit() { apiauth::crypto::wipe(s); }
};

// The compact JSON text of `j`, as j.dump() writes it (members in the object's order,
// UTF-8 as it is, control characters escaped): appended to `*out`, or, when `out` is
// null, an upper bound of its length added to `bound` (6 octets per string octet, so
// that writing into a buffer reserved for the bound never reallocates). False for a
// string or name that is not valid UTF-8, a binary value, or nesting deeper than
// max_json_depth. Only Json's public interface: this header does not include
// nlohmann/json. May throw std::bad_alloc (numbers are written with dump()).
template <class Json> bool json_text(const Json& j, std::string* out, std::size_t& bound, int depth = 0)
{
    using value_t = typename Json::value_t;
    if (depth > apiauth::detail::max_json_depth) return false;
    const auto put = [&](std::string_view t) {
        if (out)
            out->append(t);
        else
            bound += t.size();
    };
    const auto str = [&](std::string_view t) {
        if (!apiauth::detail::is_utf8(t)) return false;
        if (out)
            apiauth::detail::append_json_string(*out, t);
        else
            bound += 2 + 6 * t.size();
        return true;
    };
    switch (j.type()) {
    case value_t::object: {
        put("{");
        bool first = true;
        for (auto it = j.cbegin(); it != j.cend(); ++it) {
            if (!first) put(",");
            first = false;
            if (!str(it.key())) return false;
            put(":");
            if (!json_text(it.value(), out, bound, depth + 1)) return false;
        }
        put("}");
        return true;
    }
    case value_t::array: {
        put("[");
        bool first = true;
        for (const auto& v : j) {
            if (!first) put(",");
            first = false;
            if (!json_text(v, out, bound, depth + 1)) return false;
        }
        put("]");
        return true;
    }
    case value_t::string: return str(j.template get_ref<const typename Json::string_t&>());
    case value_t::boolean: put(j.template get<bool>() ? "true" : "false"); return true;
    case value_t::null: put("null"); return true;
    case value_t::number_integer:
    case value_t::number_unsigned:
    case value_t::number_float: put(j.dump()); return true;
    default: return false;  // binary, discarded
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

/** How a JWK becomes a key. */
struct jwk_options {
    /// The algorithm to bind the key to when the JWK has no "alg". Needed for
    /// "oct" and "RSA" keys without one (their kty allows several
    /// algorithms, and guessing is what RFC 8725 §3.1 forbids: without it
    /// they are key_alg_missing); EC keys follow their "crv", OKP Ed25519
    /// keys are EdDSA. When both are given they must agree
    /// (key_algorithm_mismatch). In a JWK Set it applies to the keys of its
    /// family only.
    std::optional<algorithm> alg{};
    /// With `alg`: bind only JWKs that name no "alg" of their own; a JWK that
    /// names another (JWS) algorithm keeps it instead of being
    /// key_algorithm_mismatch. For a provider's JWKS, whose keys for other
    /// algorithms are not errors (oidc::provider_key_set).
    bool alg_only_when_absent = false;
    /// Accept private members (RSA d, p, q, dp, dq, qi; EC and OKP d) and so
    /// build a signing key. Off: a private JWK in a verification key set is
    /// refused (private_key_not_allowed), which catches a secret pasted where
    /// a public key belongs. "oct" keys are secret by nature and always allowed.
    bool allow_private = false;
};

/** A key bound to exactly one JWS algorithm and an optional `kid`.

    Built once: the secret is keyed into an HMAC state, PEM and JWK are
    parsed into OpenSSL objects with verification contexts prepared (see
    crypto/signature.hpp); verify() and sign() never parse anything. Keys
    are refused when built if they are weak (HMAC shorter than its hash,
    RFC 7518 §3.2; RSA under 2048 bits, §3.3; an RSA modulus with the ROCA
    fingerprint, CVE-2017-15361, which can be factored), are larger than the JWS
    layer handles (RSA over 8192 bits: invalid_key), do not fit the algorithm
    (RSA key for ES256, P-384 key for ES256), fail OpenSSL's public-key
    check (point not on the curve), or are marked for another use.

    Copies share the parsed key (a reference count). All const members are
    thread-safe. The factories never throw on bad input; they may throw
    std::bad_alloc. Public keys are checked deterministically: OpenSSL's
    EVP_PKEY_public_check for EC (point on the curve, not the identity) and
    Ed25519; for RSA n odd and e odd with 3 <= e < n (OpenSSL's RSA check
    adds a randomized primality test of n, whose verdict on a malformed
    modulus varies from call to call).
*/
class key {
public:
    /** An HMAC key (HS256/384/512) from secret octets; refused (weak_key) if
        shorter than the hash output (RFC 7518 §3.2), key_algorithm_mismatch
        for a non-HMAC algorithm. */
    static result<key> from_secret(algorithm a, std::span<const std::byte> secret, std::string_view kid = {});
    /// A key from the octets of `secret` (see the overload above).
    static result<key> from_secret(algorithm a, std::string_view secret, std::string_view kid = {})
    {
        return from_secret(a, detail::as_bytes(secret), kid);
    }

    /** A key from PEM: a public key (SubjectPublicKeyInfo) verifies; a private
        key (PKCS#8, or traditional RSA/EC, unencrypted) verifies and signs. */
    static result<key> from_pem(algorithm a, std::string_view pem, std::string_view kid = {});

    /** A key from one JWK (JSON text or a parsed object). kty "oct", "RSA",
        "EC" (P-256, P-384, P-521, secp256k1) or "OKP" (Ed25519); any other is
        unsupported_key_type. Honours "alg" (an oct or RSA key without one
        is key_alg_missing unless jwk_options::alg binds one), "kid", "use"
        (must be "sig") and "key_ops" ("verify" needed to verify, "sign" to
        sign). Members are strict base64url; EC
        coordinates and private values must have the full length of the curve
        (RFC 7518 §6.2.1.2), RSA integers the minimal length (§6.3.1.1).
        The text is strict JSON (RFC 8259; a leading byte order mark is
        skipped), read as tokens are: duplicate member names, nesting deeper
        than 64 levels and numbers beyond 64-bit integers or double are
        invalid_key. */
    static result<key> from_jwk(std::string_view jwk_json, jwk_options opt = {});
    /** As above, from a nlohmann::json object, serialized and read as text (a
        string that is not valid UTF-8 is invalid_key). A template so that a
        std::string argument picks the text overload, and so that only callers
        need <nlohmann/json.hpp>; `Json` is always nlohmann::json. */
    template <std::same_as<nlohmann::json> Json> static result<key> from_jwk(const Json& jwk, jwk_options opt = {})
    {
        static_assert(
            requires { sizeof(Json); }, "key::from_jwk(const nlohmann::json&) needs nlohmann/json: include "
                                        "<nlohmann/json.hpp> or <apiauth/jose/sign.hpp>");
        // Not jwk.dump(): its string grows by reallocation and frees each smaller buffer, holding
        // a prefix of the private JWK, unwiped. Measured first, written into one buffer reserved
        // for it (no reallocation), wiped whatever happens.
        std::size_t bound = 0;
        if (!detail::jwk::json_text(jwk, nullptr, bound)) return errc::invalid_key;
        std::string text;
        const detail::jwk::wipe_on_exit guard{text};
        text.reserve(bound);
        detail::jwk::json_text(jwk, &text, bound);
        return from_jwk(text, opt);
    }

    /** A new random key for `a` (HMAC: hash-length secret from the CSPRNG;
        RSA: 2048 bits; EC on the algorithm's curve; Ed25519). */
    static result<key> generate(algorithm a, std::string_view kid = {});

    /// The one algorithm this key is bound to.
    algorithm alg() const noexcept { return p_->alg; }
    /// The key id, empty when the key has none.
    std::string_view kid() const noexcept { return p_->kid; }
    /// True if the key has a `kid` (which may be the empty string).
    bool has_kid() const noexcept { return p_->has_kid; }
    /// Holds private material and key_ops (if given) include "sign".
    bool can_sign() const noexcept { return p_->is_private && p_->sign_allowed; }
    /// key_ops (if given) include "verify".
    bool can_verify() const noexcept { return p_->verify_allowed; }

    /** The exact length of a JWS signature with this key: the hash length for
        HMAC, the modulus length for RSA, 2 × coordinate for ECDSA
        (64/96/132), 64 for Ed25519. */
    std::size_t signature_size() const noexcept { return p_->sig_size; }

    /** True if `signature` (JWS form: the MAC, the RSA signature, ECDSA R‖S,
        or the Ed25519 signature) is valid for `message`. A signature of any
        other length is false before any cryptography runs. MACs are compared
        in constant time. False as well if the key may not verify. */
    bool verify(std::span<const std::byte> message, std::span<const std::byte> signature) const noexcept;

    /** Sign `message` into `out` (at least signature_size() bytes) in JWS form;
        returns the length. not_a_signing_key without private material or when
        key_ops exclude "sign"; buffer_too_small; crypto_failure. */
    result<std::size_t> sign(std::span<const std::byte> message, std::span<std::byte> out) const noexcept;

    /** The key as a JWK object: kty, alg, use "sig", kid (if any) and the
        public members; private members only if `include_private`. An HMAC key
        has no public form: key_use_not_allowed unless `include_private`.
        Builds a nlohmann::json: include <nlohmann/json.hpp> (or
        <apiauth/jose/sign.hpp>) where you call it. A template only so that
        code that never calls it needs no nlohmann/json; `Json` is always
        nlohmann::json. May throw std::bad_alloc. */
    template <std::same_as<nlohmann::json> Json = nlohmann::json>
    result<Json> to_jwk(bool include_private = false) const;

private:
    struct impl {
        algorithm alg = algorithm::hs256;
        std::string kid;
        bool has_kid = false;
        bool is_private = false;
        bool verify_allowed = true;
        bool sign_allowed = true;
        std::size_t sig_size = 0;
        std::optional<crypto::hmac_key> hmac;
        std::vector<std::byte> secret;  // HMAC only, for to_jwk(true); wiped
        crypto::pkey pk;
        std::shared_ptr<const crypto::signature_verifier> verifier;
        std::shared_ptr<const crypto::signature_signer> signer;
        ~impl() { detail::wipe(secret.data(), secret.size()); }
    };
    explicit key(std::shared_ptr<const impl> p) noexcept : p_(std::move(p)) {}
    static result<key> from_pkey(algorithm a, crypto::pkey k, bool is_private, std::string_view kid, bool has_kid,
                                 bool verify_allowed, bool sign_allowed);
    static result<key> from_hmac(algorithm a, std::span<const std::byte> secret, std::string_view kid, bool has_kid,
                                 bool verify_allowed, bool sign_allowed);
    friend struct detail::jwk::loader;  // reads a JWK object (from_jwk, key_set::from_jwks)
    std::shared_ptr<const impl> p_;
};

/** A JWK that key_set::from_jwks left out of the set, and why. */
struct skipped_key {
    std::size_t index;    ///< its position in the "keys" array
    std::string kid;      ///< its "kid", if it has a string one
    std::error_code why;  ///< unsupported_key_type, key_use_not_allowed ("use":"enc", key_ops) or unsupported_algorithm
};

/** The keys a verifier trusts, and the rule that picks one for a token.

    Selection (RFC 7515 §4.1.4, RFC 8725 §3.1, §3.10): when the token header
    has a `kid`, the key with that kid, whose algorithm must equal the
    header's `alg` exactly (else algorithm_mismatch); without a kid, the one
    key bound to that `alg` (none: unknown_key; several: ambiguous_key — an
    error, not a guess). A `jwk`, `jku`, `x5u` or `x5c` in a token header is
    never used: keys come only from this set. Kids are unique in a set. A
    token whose header names a kid is only verified by the key with that
    kid: give keys loaded from PEM a kid when tokens carry one. Keys whose
    key_ops exclude "verify" are never selected.

    Mixed sets: the constructor, make() and add() accept HMAC (secret) keys
    beside public keys; only from_jwks refuses a secret key among public ones
    (RFC 8725 §3.1). A locally configured mixed set is safe because every
    key is bound to one algorithm when it is built and select() requires the
    token's `alg` to equal the chosen key's exactly: an RSA or EC public key
    is never used as an HMAC secret (the algorithm-confusion attack of RFC
    8725 §2.1), and an HMAC key never verifies an RS/PS/ES/EdDSA signature.
    A JWKS from elsewhere is refused instead because a provider's set never
    holds a secret: one there is a mistake or an attack, not a configuration.
*/
class key_set {
public:
    key_set() = default;
    /// A set of one key.
    key_set(key k) { keys_.push_back(std::move(k)); }

    /// A set from keys; invalid_key_set if two share a kid.
    static result<key_set> make(std::vector<key> keys);

    /** A set from a JWK Set document ({"keys":[…]}, RFC 7517 §5). Keys that
        cannot verify JWS signatures are left out and listed in skipped(), as
        RFC 7517 §5 lets a reader ignore keys it does not understand: an
        unknown "kty" (unsupported_key_type), "use" other than "sig" or
        "key_ops" without "verify" (key_use_not_allowed), a non-JWS "alg"
        such as "RSA-OAEP" (unsupported_algorithm), an OKP key on X25519 or X448
        (key agreement keys, RFC 8037 §3.2: key_use_not_allowed) or on Ed448
        (not implemented: unsupported_key_type). Any other key that does
        not load fails the whole set with its error (weak_key, invalid_key,
        private_key_not_allowed, key_alg_missing, …): those are a provider's
        or an operator's mistake, not a key meant for something else.
        invalid_key_set for a document without "keys", with duplicate kids,
        with no usable key, or with a secret ("oct") key beside public keys
        (a provider's JWKS never holds a secret: RFC 8725 §3.1), and for text
        that key::from_jwk would refuse as JSON. An RSA key whose modulus has
        the ROCA fingerprint (CVE-2017-15361) is weak_key, as everywhere. opt.alg
        applies to the keys of its family only. */
    static result<key_set> from_jwks(std::string_view jwks_json, jwk_options opt = {});

    /// The JWKs from_jwks left out, in document order (empty for other sets).
    const std::vector<skipped_key>& skipped() const noexcept { return skipped_; }

    /// Adds a key; invalid_key_set if its kid is already in the set.
    result<void> add(key k);

    /** The key for a token whose header has `alg` and, if `has_kid`, `kid`
        (see the class comment). No allocation. */
    result<const key*> select(algorithm alg, std::string_view kid, bool has_kid) const noexcept
    {
        if (has_kid) {
            for (const key& k : keys_) {
                if (k.can_verify() && k.has_kid() && k.kid() == kid) {
                    if (k.alg() != alg) return errc::algorithm_mismatch;
                    return &k;
                }
            }
            return errc::unknown_key;
        }
        const key* found = nullptr;
        for (const key& k : keys_) {
            if (k.alg() != alg || !k.can_verify()) continue;
            if (found) return errc::ambiguous_key;
            found = &k;
        }
        if (!found) return errc::unknown_key;
        return found;
    }

    /** The public keys as a JWK Set document; HMAC keys are left out. Builds
        a nlohmann::json: include <nlohmann/json.hpp> (or
        <apiauth/jose/sign.hpp>) where you call it (see key::to_jwk). */
    template <std::same_as<nlohmann::json> Json = nlohmann::json> Json to_public_jwks() const;

    /// The number of keys.
    std::size_t size() const noexcept { return keys_.size(); }
    /// True if the set has no key.
    bool empty() const noexcept { return keys_.empty(); }
    /// The first key.
    auto begin() const noexcept { return keys_.begin(); }
    /// Past the last key.
    auto end() const noexcept { return keys_.end(); }

private:
    std::vector<key> keys_;
    std::vector<skipped_key> skipped_;
};

/** Why key::from_jwk(jwk_json, opt) fails, for a person: the error's name
    and which member is wrong and how ("weak_key: n has 1024 bits; RSA keys
    need at least 2048 (RFC 7518 §3.3)", "key_alg_missing: the JWK (kty
    "RSA") has no "alg"; bind one with jwk_options{.alg = algorithm::rs256}
    or the CLI's --alg"), or "ok". A separate call: loading keys pays
    nothing for it. Quotes no key material. Allocates. */
std::string explain_jwk(std::string_view jwk_json, jwk_options opt = {});

/** As explain_jwk, for key_set::from_jwks: the error, and for an error of
    one key, its index and kid; "ok" plus what was skipped otherwise. */
std::string explain_jwks(std::string_view jwks_json, jwk_options opt = {});

// ------------------------------------------------------------------------
// Implementation

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk {

using namespace apiauth::jose;  // the internals of apiauth::jose

inline crypto::signature_scheme scheme_of(algorithm a) noexcept
{
    switch (family(a)) {
    case key_family::rsa: return is_pss(a) ? crypto::signature_scheme::rsa_pss : crypto::signature_scheme::rsa_pkcs1v15;
    case key_family::ecdsa: return crypto::signature_scheme::ecdsa;
    default: return crypto::signature_scheme::ed25519;
    }
}

// BIGNUM from unsigned big-endian octets; the caller frees.
inline BIGNUM* to_bn(const std::string& b) noexcept
{
    return BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()), static_cast<int>(b.size()), nullptr);
}

// The same for a private value: a BIGNUM with BN_FLG_SECURE, so that
// OSSL_PARAM_BLD_push_BN puts it in the builder's secure block, which
// OSSL_PARAM_free releases with OPENSSL_secure_clear_free (cleansed; without
// a secure heap, OPENSSL_cleanse then free). From an ordinary BIGNUM, OpenSSL
// 3.0 copies the value into the ordinary block and frees it uncleansed.
inline BIGNUM* to_secure_bn(const std::string& b) noexcept
{
    BIGNUM* bn = BN_secure_new();
    if (bn && !BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()), static_cast<int>(b.size()), bn)) {
        BN_clear_free(bn);
        return nullptr;
    }
    return bn;
}

// Octets of an integer key parameter, minimal length (or `pad` octets when non-zero).
inline std::optional<std::string> bn_param(const crypto::pkey& k, const char* name, std::size_t pad = 0)
{
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(k.get(), name, &bn) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    const std::size_t n = pad ? pad : static_cast<std::size_t>(BN_num_bytes(bn));
    std::string out(n == 0 ? 1 : n, '\0');  // the value 0 is one zero octet
    const int w = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_clear_free(bn);
    if (w < 0) return std::nullopt;
    return out;
}

// The ROCA fingerprint (CVE-2017-15361; Nemec, Sys, Svenda, Klinec, Matyas, "The Return of
// Coppersmith's Attack", ACM CCS 2017). Infineon's RSA library made each prime as
// p = k·M + (65537^a mod M), M a primorial, so n = p·q ≡ 65537^(a+b) (mod M): n mod M lies in
// the subgroup 65537 generates, and such an n can be factored. For each small prime r | M
// (those up to 167 divide M at every key size), n mod r must be a power 65537^e_r mod r; and
// one exponent must explain them all (by the CRT: e_r ≡ e_s modulo gcd(ord_r, ord_s)).
// A random modulus passes with a probability far below 2^-100; the per-prime test alone is
// weaker (the CRT step rules out moduli that only look fingerprinted). Takes microseconds.
inline bool has_roca_fingerprint(const BIGNUM* n) noexcept
{
    constexpr unsigned primes[] = {3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,
                                   47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103,
                                   107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};
    constexpr std::size_t count = sizeof primes / sizeof primes[0];
    unsigned exponent[count];
    unsigned order[count];
    for (std::size_t i = 0; i < count; ++i) {
        const unsigned r = primes[i];
        const BN_ULONG w = BN_mod_word(n, r);
        if (w == static_cast<BN_ULONG>(-1)) return false;
        const unsigned target = static_cast<unsigned>(w);
        const unsigned g = 65537u % r;
        unsigned x = 1;
        unsigned e = 0;
        bool found = false;
        do {  // walk the cyclic subgroup <g>: its order divides r - 1
            if (x == target && !found) {
                exponent[i] = e;
                found = true;
            }
            x = x * g % r;
            ++e;
        } while (x != 1);
        if (!found) return false;
        order[i] = e;
    }
    const auto gcd = [](unsigned a, unsigned b) {
        while (b != 0) {
            const unsigned t = a % b;
            a = b;
            b = t;
        }
        return a;
    };
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t j = i + 1; j < count; ++j) {
            const unsigned d = gcd(order[i], order[j]);
            if (exponent[i] % d != exponent[j] % d) return false;
        }
    return true;
}

// True when the RSA key's modulus has the ROCA fingerprint (has_roca_fingerprint).
inline bool rsa_roca(const crypto::pkey& k) noexcept
{
    BIGNUM* n = nullptr;
    if (EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1) {
        ERR_clear_error();
        return false;
    }
    const bool roca = has_roca_fingerprint(n);
    BN_free(n);
    return roca;
}

// An RSA public key that can verify: n odd, e odd with 3 <= e < n (the
// deterministic part of SP 800-56B §6.4.2.2's public-key checks).
inline bool rsa_public_sane(const crypto::pkey& k) noexcept
{
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    const bool got = EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                     EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1;
    const bool ok = got && BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e) && BN_cmp(e, n) < 0;
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    return ok;
}

inline std::string group_name(const crypto::pkey& k)
{
    char buf[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k.get(), OSSL_PKEY_PARAM_GROUP_NAME, buf, sizeof buf, &len) != 1) {
        ERR_clear_error();
        return {};
    }
    return std::string(buf, len);
}

// EVP_PKEY from OSSL_PARAMs (RSA or EC components).
inline crypto::pkey from_params(const char* type, OSSL_PARAM* params, bool priv) noexcept
{
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* k = nullptr;
    if (c && EVP_PKEY_fromdata_init(c) == 1)
        EVP_PKEY_fromdata(c, &k, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return crypto::pkey(k);
}

// (2^e)^d ≡ 2 (mod n): d inverts e for n. The check an RSA private key without
// its factors allows (OpenSSL's pairwise check needs p and q). d is secret: the
// exponentiation by d is constant-time.
inline bool rsa_d_matches(const BIGNUM* n, const BIGNUM* e, BIGNUM* d) noexcept
{
    BN_CTX* ctx = BN_CTX_new();
    BIGNUM* two = BN_new();
    BIGNUM* c = BN_new();
    if (d) BN_set_flags(d, BN_FLG_CONSTTIME);
    const bool ok = ctx && two && c && d && BN_set_word(two, 2) == 1 && BN_mod_exp(c, two, e, n, ctx) == 1 &&
                    BN_mod_exp(c, c, d, n, ctx) == 1 && BN_cmp(c, two) == 0;
    BN_free(two);
    BN_clear_free(c);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

// A strict base64url member of a JWK, or nothing (absent, not a string, bad encoding).
struct b64_member {
    bool present = false;
    bool valid = false;
    std::string bytes;
    ~b64_member() { apiauth::detail::wipe(bytes.data(), bytes.size()); }
};

inline b64_member member(simdjson::dom::object j, std::string_view name)
{
    b64_member m;
    simdjson::dom::element v;
    if (j.at_key(name).get(v) != simdjson::SUCCESS) return m;
    m.present = true;
    std::string_view text;
    if (v.get_string().get(text) != simdjson::SUCCESS) return m;
    auto d = encoding::base64url::decode(text);
    if (!d) return m;
    m.bytes = std::move(*d);
    m.valid = true;
    return m;
}

// Builds keys from JWK objects read by simdjson (key::from_jwk,
// key_set::from_jwks, explain_jwks); a friend of key.
struct loader {
    static result<key> load(simdjson::dom::element jwk, jwk_options opt);
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

inline result<key> key::from_hmac(algorithm a, std::span<const std::byte> secret, std::string_view kid, bool has_kid,
                                  bool verify_allowed, bool sign_allowed)
{
    if (family(a) != key_family::hmac) return errc::key_algorithm_mismatch;
    if (!detail::is_utf8(kid)) return errc::invalid_key;  // a kid is a JSON string (RFC 7515 §4.1.4)
    const crypto::hash h = *hash_of(a);
    if (secret.size() < crypto::digest_size(h)) return errc::weak_key;  // RFC 7518 §3.2
    auto p = std::make_shared<impl>();
    p->alg = a;
    p->kid = std::string(kid);
    p->has_kid = has_kid;
    p->is_private = true;
    p->verify_allowed = verify_allowed;
    p->sign_allowed = sign_allowed;
    p->sig_size = crypto::digest_size(h);
    p->hmac.emplace(h, secret);
    p->secret.assign(secret.begin(), secret.end());
    return key(std::move(p));
}

inline result<key> key::from_secret(algorithm a, std::span<const std::byte> secret, std::string_view kid)
{
    return from_hmac(a, secret, kid, !kid.empty(), true, true);
}

inline result<key> key::from_pkey(algorithm a, crypto::pkey k, bool is_private, std::string_view kid, bool has_kid,
                                  bool verify_allowed, bool sign_allowed)
{
    if (!detail::is_utf8(kid)) return errc::invalid_key;  // a kid is a JSON string (RFC 7515 §4.1.4)
    switch (family(a)) {
    case key_family::hmac: return errc::key_algorithm_mismatch;
    case key_family::rsa:
        if (k.type() != EVP_PKEY_RSA && !(k.type() == EVP_PKEY_RSA_PSS && is_pss(a)))
            return errc::key_algorithm_mismatch;
        if (k.bits() < 2048) return errc::weak_key;           // RFC 7518 §3.3, §3.5
        if (detail::jwk::rsa_roca(k)) return errc::weak_key;  // CVE-2017-15361: n can be factored
        // Larger than the JWS layer's signature buffers (jws.hpp: RSA up to 8192 bits) can hold.
        if (k.bits() > 8192) return errc::invalid_key;
        break;
    case key_family::ecdsa:
        if (k.type() != EVP_PKEY_EC || detail::jwk::group_name(k) != curve_of(a)->openssl_group)
            return errc::key_algorithm_mismatch;
        break;
    case key_family::eddsa:
        if (k.type() != EVP_PKEY_ED25519) return errc::key_algorithm_mismatch;
        break;
    }
    // RSA: deterministic checks here. OpenSSL's EVP_PKEY_public_check also tests
    // that n is not prime with random Miller-Rabin bases, whose verdict on a
    // malformed modulus changes from call to call (fuzz_jwk found one refused 8
    // times in 2000); a key must load the same way every time.
    if (family(a) == key_family::rsa ? !detail::jwk::rsa_public_sane(k) : !crypto::public_check(k))
        return errc::invalid_key;

    auto p = std::make_shared<impl>();
    p->alg = a;
    p->kid = std::string(kid);
    p->has_kid = has_kid;
    p->is_private = is_private;
    p->verify_allowed = verify_allowed;
    p->sign_allowed = sign_allowed;
    switch (family(a)) {
    case key_family::rsa: p->sig_size = static_cast<std::size_t>(EVP_PKEY_get_size(k.get())); break;
    case key_family::ecdsa: p->sig_size = 2 * curve_of(a)->coordinate_size; break;
    default: p->sig_size = 64; break;
    }
    const crypto::hash h = hash_of(a).value_or(crypto::hash::sha512);
    auto v = crypto::signature_verifier::make(k, detail::jwk::scheme_of(a), h);
    if (!v) return v.error();
    p->verifier = std::move(*v);
    if (is_private) {
        auto s = crypto::signature_signer::make(k, detail::jwk::scheme_of(a), h);
        if (!s) return s.error();
        p->signer = std::move(*s);
    }
    p->pk = std::move(k);
    return key(std::move(p));
}

inline result<key> key::from_pem(algorithm a, std::string_view pem, std::string_view kid)
{
    if (family(a) == key_family::hmac) return errc::key_algorithm_mismatch;
    auto l = crypto::load_pem(pem);
    if (!l) return l.error();
    return from_pkey(a, std::move(l->key), l->is_private, kid, !kid.empty(), true, true);
}

inline result<key> key::from_jwk(std::string_view jwk_json, jwk_options opt)
{
    detail::json_document doc;
    if (!doc.parse(jwk_json)) return errc::invalid_key;
    return detail::jwk::loader::load(doc.root(), opt);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk {

inline result<key> loader::load(simdjson::dom::element jwk, jwk_options opt)
{
    simdjson::dom::object j;
    if (jwk.get_object().get(j) != simdjson::SUCCESS) return errc::invalid_key;
    const std::optional<std::string_view> kty = member_string(j, "kty");
    if (!kty) return errc::invalid_key;
    if (*kty != "oct" && *kty != "RSA" && *kty != "EC" && *kty != "OKP") return errc::unsupported_key_type;

    // alg: the JWK's, the caller's, or (EC, OKP) the one the curve implies.
    std::optional<algorithm> a = opt.alg;
    simdjson::dom::element v;
    if (j.at_key("alg").get(v) == simdjson::SUCCESS) {
        std::string_view alg;
        if (v.get_string().get(alg) != simdjson::SUCCESS) return errc::invalid_key;
        const auto named = parse_algorithm(alg);
        if (!named || (a && *a != *named && !opt.alg_only_when_absent)) return errc::key_algorithm_mismatch;
        a = named;
    }
    const std::optional<std::string_view> crv = member_string(j, "crv");
    if (!a && *kty == "EC" && crv) {
        for (algorithm c : {algorithm::es256, algorithm::es384, algorithm::es512, algorithm::es256k})
            if (curve_of(c)->jwk_crv == *crv) a = c;
    }
    if (!a && *kty == "OKP" && crv && *crv == "Ed25519") a = algorithm::eddsa;
    // RFC 8725 §3.1: the key's algorithm cannot be guessed. oct and RSA keys
    // need an "alg" or jwk_options::alg; an EC or OKP key without one has a
    // crv that implies none (invalid_key, as for any bad member).
    if (!a) return *kty == "oct" || *kty == "RSA" ? errc::key_alg_missing : errc::invalid_key;

    const key_family f = family(*a);
    if ((*kty == "oct") != (f == key_family::hmac) || (*kty == "RSA") != (f == key_family::rsa) ||
        (*kty == "EC") != (f == key_family::ecdsa) || (*kty == "OKP") != (f == key_family::eddsa))
        return errc::key_algorithm_mismatch;

    // use and key_ops (RFC 7517 §4.2, §4.3).
    if (j.at_key("use").get(v) == simdjson::SUCCESS) {
        std::string_view use;
        if (v.get_string().get(use) != simdjson::SUCCESS || use != "sig") return errc::key_use_not_allowed;
    }
    bool verify_allowed = true, sign_allowed = true;
    if (j.at_key("key_ops").get(v) == simdjson::SUCCESS) {
        simdjson::dom::array ops;
        if (v.get_array().get(ops) != simdjson::SUCCESS) return errc::invalid_key;
        verify_allowed = sign_allowed = false;
        std::vector<std::string_view> seen;
        for (const auto op : ops) {
            std::string_view s;
            if (op.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_key;
            for (const auto& x : seen)
                if (x == s) return errc::invalid_key;  // "Duplicate key operation values MUST NOT be present"
            seen.push_back(s);
            verify_allowed = verify_allowed || s == "verify";
            sign_allowed = sign_allowed || s == "sign";
        }
        if (!verify_allowed && !sign_allowed) return errc::key_use_not_allowed;
    }
    std::string_view kid;
    bool has_kid = false;
    if (j.at_key("kid").get(v) == simdjson::SUCCESS) {
        if (v.get_string().get(kid) != simdjson::SUCCESS) return errc::invalid_key;
        has_kid = true;
    }

    if (f == key_family::hmac) {
        const auto k = member(j, "k");
        if (!k.valid) return errc::invalid_key;
        return key::from_hmac(*a, as_bytes(k.bytes), kid, has_kid, verify_allowed, sign_allowed);
    }

    crypto::pkey pk;
    bool priv = false;
    bool pairwise = true;  // OpenSSL's pairwise check applies (not to an RSA key without p and q)
    if (f == key_family::rsa) {
        if (has_member(j, "oth")) return errc::invalid_key;  // multi-prime RSA is not supported
        const auto n = member(j, "n"), e = member(j, "e"), d = member(j, "d");
        if (!n.valid || !e.valid || n.bytes.empty() || e.bytes.empty()) return errc::invalid_key;
        // RFC 7518 §6.3.1.1-2: the minimum number of octets (no leading zero).
        if (n.bytes[0] == '\0' || e.bytes[0] == '\0') return errc::invalid_key;
        const char* crt[] = {"p", "q", "dp", "dq", "qi"};
        bool any_private = d.present;
        for (const char* c : crt) any_private = any_private || has_member(j, c);
        if (any_private && !opt.allow_private) return errc::private_key_not_allowed;
        if (any_private && !d.valid) return errc::invalid_key;
        priv = any_private;
        OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
        std::vector<BIGNUM*> bns;
        bool ok = bld != nullptr;
        const auto push = [&](const char* name, const std::string& bytes, bool secret = true) {
            BIGNUM* bn = secret ? to_secure_bn(bytes) : to_bn(bytes);
            bns.push_back(bn);
            ok = ok && bn && OSSL_PARAM_BLD_push_BN(bld, name, bn) == 1;
        };
        push(OSSL_PKEY_PARAM_RSA_N, n.bytes, false);
        push(OSSL_PKEY_PARAM_RSA_E, e.bytes, false);
        if (priv) {
            push(OSSL_PKEY_PARAM_RSA_D, d.bytes);
            const auto p = member(j, "p"), q = member(j, "q"), dp = member(j, "dp"), dq = member(j, "dq"),
                       qi = member(j, "qi");
            const bool all = p.valid && q.valid && dp.valid && dq.valid && qi.valid;
            const bool none = !p.present && !q.present && !dp.present && !dq.present && !qi.present;
            if (!all && !none) ok = false;  // RFC 7518 §6.3.2: the CRT members come together
            pairwise = all;                 // §6.3.2: "d" alone is a private key too
            if (all) {
                push(OSSL_PKEY_PARAM_RSA_FACTOR1, p.bytes);
                push(OSSL_PKEY_PARAM_RSA_FACTOR2, q.bytes);
                push(OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.bytes);
                push(OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.bytes);
                push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi.bytes);
            }
        }
        OSSL_PARAM* params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
        if (params) pk = from_params("RSA", params, priv);
        if (ok && pk && priv && !pairwise) ok = rsa_d_matches(bns[0], bns[1], bns[2]);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        for (BIGNUM* bn : bns) BN_clear_free(bn);
        if (!ok || !pk) return errc::invalid_key;
    } else if (f == key_family::ecdsa) {
        const curve_info ci = *curve_of(*a);
        if (!crv || *crv != ci.jwk_crv) return errc::key_algorithm_mismatch;
        const auto x = member(j, "x"), y = member(j, "y"), d = member(j, "d");
        if (!x.valid || !y.valid || x.bytes.size() != ci.coordinate_size || y.bytes.size() != ci.coordinate_size)
            return errc::invalid_key;
        if (d.present && !opt.allow_private) return errc::private_key_not_allowed;
        if (d.present && (!d.valid || d.bytes.size() != ci.coordinate_size)) return errc::invalid_key;
        priv = d.present;
        std::string point = "\x04" + x.bytes + y.bytes;
        OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
        BIGNUM* dbn = priv ? to_secure_bn(d.bytes) : nullptr;
        bool ok = bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ci.openssl_group, 0) == 1 &&
                  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1 &&
                  (!priv || (dbn && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, dbn) == 1));
        OSSL_PARAM* params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
        if (params) pk = from_params("EC", params, priv);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        BN_clear_free(dbn);
        if (!pk) return errc::invalid_key;
    } else {
        if (!crv || *crv != "Ed25519") return errc::key_algorithm_mismatch;
        const auto x = member(j, "x"), d = member(j, "d");
        if (!x.valid || x.bytes.size() != 32) return errc::invalid_key;
        if (d.present && !opt.allow_private) return errc::private_key_not_allowed;
        if (d.present && (!d.valid || d.bytes.size() != 32)) return errc::invalid_key;
        priv = d.present;
        const auto* xb = reinterpret_cast<const unsigned char*>(x.bytes.data());
        pk =
            crypto::pkey(priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                             reinterpret_cast<const unsigned char*>(d.bytes.data()), 32)
                              : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, xb, 32));
        ERR_clear_error();
        if (!pk) return errc::invalid_key;
        if (priv) {  // the public key derived from d must be x
            unsigned char derived[32];
            std::size_t len = sizeof derived;
            if (EVP_PKEY_get_raw_public_key(pk.get(), derived, &len) != 1 || len != 32 ||
                !crypto::equal({reinterpret_cast<const std::byte*>(derived), 32}, as_bytes(x.bytes)))
                return errc::invalid_key;
        }
    }
    if (priv && pairwise) {  // a private key must match its public part (OpenSSL's pairwise check)
        EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, pk.get(), nullptr);
        const bool ok = c && EVP_PKEY_pairwise_check(c) == 1;
        EVP_PKEY_CTX_free(c);
        ERR_clear_error();
        if (!ok) return errc::invalid_key;
    }
    // key_ops that leave a key nothing to do: a public key that may not verify.
    if (!verify_allowed && !(priv && sign_allowed)) return errc::key_use_not_allowed;
    return key::from_pkey(*a, std::move(pk), priv, kid, has_kid, verify_allowed, sign_allowed);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

inline result<key> key::generate(algorithm a, std::string_view kid)
{
    if (family(a) == key_family::hmac) {
        std::vector<std::byte> secret(crypto::digest_size(*hash_of(a)));
        if (auto r = crypto::random_bytes(secret); !r) return r.error();
        auto k = from_secret(a, secret, kid);
        detail::wipe(secret.data(), secret.size());
        return k;
    }
    EVP_PKEY* pk = nullptr;
    switch (family(a)) {
    case key_family::rsa: pk = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)); break;
    case key_family::ecdsa: pk = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_of(a)->openssl_group); break;
    default: pk = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    }
    ERR_clear_error();
    if (!pk) return errc::crypto_failure;
    return from_pkey(a, crypto::pkey(pk), true, kid, !kid.empty(), true, true);
}

inline bool key::verify(std::span<const std::byte> message, std::span<const std::byte> signature) const noexcept
{
    const impl& p = *p_;
    if (!p.verify_allowed || signature.size() != p.sig_size) return false;
    switch (family(p.alg)) {
    case key_family::hmac: return p.hmac->verify(message, signature);
    case key_family::ecdsa: {
        unsigned char der[detail::ecdsa_der_max];
        const std::size_t n = detail::ecdsa_rs_to_der(signature, der);
        return p.verifier->verify(message, {reinterpret_cast<const std::byte*>(der), n});
    }
    default: return p.verifier->verify(message, signature);
    }
}

inline result<std::size_t> key::sign(std::span<const std::byte> message, std::span<std::byte> out) const noexcept
{
    const impl& p = *p_;
    if (!can_sign()) return errc::not_a_signing_key;
    if (out.size() < p.sig_size) return errc::buffer_too_small;
    switch (family(p.alg)) {
    case key_family::hmac: {
        const auto d = p.hmac->compute(message);
        std::memcpy(out.data(), d.bytes.data(), d.size);
        return d.size;
    }
    case key_family::ecdsa: {
        std::byte der[detail::ecdsa_der_max + 16];
        auto n = p.signer->sign(message, der);
        if (!n) return n.error();
        if (!detail::ecdsa_der_to_rs({der, *n}, p.sig_size / 2, out)) return errc::crypto_failure;
        return p.sig_size;
    }
    default: {
        if (out.size() < p.signer->max_size()) return errc::buffer_too_small;
        return p.signer->sign(message, out);
    }
    }
}

template <std::same_as<nlohmann::json> Json> inline result<Json> key::to_jwk(bool include_private) const
{
    static_assert(
        requires { sizeof(Json); },
        "key::to_jwk needs nlohmann/json: include <nlohmann/json.hpp> or <apiauth/jose/sign.hpp>");
    const impl& p = *p_;
    Json j;
    const auto b64 = [](const std::string& s) { return encoding::base64url::encode(s); };
    switch (family(p.alg)) {
    case key_family::hmac:
        if (!include_private) return make_error_code(errc::key_use_not_allowed);
        j["kty"] = "oct";
        j["k"] = encoding::base64url::encode(p.secret);
        break;
    case key_family::rsa: {
        j["kty"] = "RSA";
        const auto n = detail::jwk::bn_param(p.pk, OSSL_PKEY_PARAM_RSA_N),
                   e = detail::jwk::bn_param(p.pk, OSSL_PKEY_PARAM_RSA_E);
        if (!n || !e) return make_error_code(errc::crypto_failure);
        j["n"] = b64(*n);
        j["e"] = b64(*e);
        if (include_private && p.is_private) {
            const std::pair<const char*, const char*> priv[] = {
                {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
                {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
                {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
            for (const auto& [member, param] : priv)
                if (auto v = detail::jwk::bn_param(p.pk, param)) {
                    j[member] = b64(*v);
                    crypto::wipe(*v);  // the private value's octets
                }
        }
        break;
    }
    case key_family::ecdsa: {
        const curve_info ci = *curve_of(p.alg);
        j["kty"] = "EC";
        j["crv"] = std::string(ci.jwk_crv);
        const auto x = detail::jwk::bn_param(p.pk, OSSL_PKEY_PARAM_EC_PUB_X, ci.coordinate_size);
        const auto y = detail::jwk::bn_param(p.pk, OSSL_PKEY_PARAM_EC_PUB_Y, ci.coordinate_size);
        if (!x || !y) return make_error_code(errc::crypto_failure);
        j["x"] = b64(*x);
        j["y"] = b64(*y);
        if (include_private && p.is_private)
            if (auto d = detail::jwk::bn_param(p.pk, OSSL_PKEY_PARAM_PRIV_KEY, ci.coordinate_size)) {
                j["d"] = b64(*d);
                crypto::wipe(*d);
            }
        break;
    }
    case key_family::eddsa: {
        j["kty"] = "OKP";
        j["crv"] = "Ed25519";
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(p.pk.get(), raw, &len) != 1) return make_error_code(errc::crypto_failure);
        j["x"] = encoding::base64url::encode(std::span<const std::byte>(reinterpret_cast<std::byte*>(raw), len));
        if (include_private && p.is_private) {
            len = sizeof raw;
            if (EVP_PKEY_get_raw_private_key(p.pk.get(), raw, &len) == 1)
                j["d"] =
                    encoding::base64url::encode(std::span<const std::byte>(reinterpret_cast<std::byte*>(raw), len));
            detail::wipe(raw, sizeof raw);
        }
        break;
    }
    }
    j["alg"] = std::string(name(p.alg));
    j["use"] = "sig";
    if (p.has_kid) j["kid"] = p.kid;
    return j;
}

inline result<void> key_set::add(key k)
{
    if (k.has_kid())
        for (const key& o : keys_)
            if (o.has_kid() && o.kid() == k.kid()) return errc::invalid_key_set;
    keys_.push_back(std::move(k));
    return {};
}

inline result<key_set> key_set::make(std::vector<key> keys)
{
    key_set s;
    for (key& k : keys)
        if (auto r = s.add(std::move(k)); !r) return r.error();
    return s;
}

inline result<key_set> key_set::from_jwks(std::string_view jwks_json, jwk_options opt)
{
    detail::json_document doc;
    simdjson::dom::array keys;
    if (!doc.parse(jwks_json) || doc.root().at_key("keys").get_array().get(keys) != simdjson::SUCCESS)
        return errc::invalid_key_set;
    key_set s;
    std::size_t index = 0;
    for (const auto element : keys) {
        const std::size_t at = index++;
        simdjson::dom::object jwk;
        if (element.get_object().get(jwk) != simdjson::SUCCESS) return errc::invalid_key_set;
        const auto skip = [&](errc why) {
            const auto kid = detail::member_string(jwk, "kid");
            s.skipped_.push_back({at, std::string(kid.value_or(std::string_view())), make_error_code(why)});
        };
        if (const auto use = detail::member_string(jwk, "use"); use && *use == "enc") {
            skip(errc::key_use_not_allowed);
            continue;
        }
        if (const auto alg = detail::member_string(jwk, "alg"); alg && !parse_algorithm(*alg)) {
            skip(errc::unsupported_algorithm);
            continue;
        }
        // Registered OKP curves (RFC 8037 §2) this library does not sign with: X25519 and X448 are
        // for key agreement only (§3.2), Ed448 is not implemented. A provider may publish them
        // beside its signing keys; an unregistered crv is still the set's error (a mistake).
        if (const auto kty = detail::member_string(jwk, "kty"); kty && *kty == "OKP") {
            const auto crv = detail::member_string(jwk, "crv");
            if (crv && (*crv == "X25519" || *crv == "X448")) {
                skip(errc::key_use_not_allowed);
                continue;
            }
            if (crv && *crv == "Ed448") {
                skip(errc::unsupported_key_type);
                continue;
            }
        }
        // opt.alg is the default for keys of its family only: an RS256 default
        // does not stop the EC keys of the same set from following their crv.
        jwk_options per_key = opt;
        if (opt.alg) {
            const auto kty = detail::member_string(jwk, "kty");
            const key_family f = family(*opt.alg);
            const bool fits =
                kty && ((*kty == "oct" && f == key_family::hmac) || (*kty == "RSA" && f == key_family::rsa) ||
                        (*kty == "EC" && f == key_family::ecdsa) || (*kty == "OKP" && f == key_family::eddsa));
            if (!fits) per_key.alg.reset();
        }
        auto k = detail::jwk::loader::load(element, per_key);
        if (!k && (k.error() == errc::unsupported_key_type || k.error() == errc::key_use_not_allowed)) {
            skip(static_cast<errc>(k.error().value()));
            continue;
        }
        if (!k) return k.error();
        if (auto r = s.add(std::move(*k)); !r) return r.error();
    }
    if (s.empty()) return errc::invalid_key_set;
    // A secret (oct) key beside public keys: no provider publishes a secret, and a mixed set is
    // how a public key's bytes end up verifying as an HMAC secret (RFC 8725 §2.1, §3.1).
    bool secret = false;
    bool asymmetric = false;
    for (const key& k : s.keys_) (family(k.alg()) == key_family::hmac ? secret : asymmetric) = true;
    if (secret && asymmetric) return errc::invalid_key_set;
    return s;
}

template <std::same_as<nlohmann::json> Json> inline Json key_set::to_public_jwks() const
{
    static_assert(
        requires { sizeof(Json); },
        "key_set::to_public_jwks needs nlohmann/json: include <nlohmann/json.hpp> or <apiauth/jose/sign.hpp>");
    Json keys = Json::array();
    for (const key& k : keys_)
        if (auto j = k.template to_jwk<Json>(false)) keys.push_back(std::move(*j));
    Json set = Json::object();
    set["keys"] = std::move(keys);
    return set;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk {

using namespace apiauth::jose;  // the internals of apiauth::jose

// The words for a JWK that loader::load refused with `e`: found by looking at
// the members again, off the loading path. `j` is null when the text was not
// a JSON object (or had a duplicate member name).
inline std::string explain_object(const simdjson::dom::object* j, const jwk_options& opt, std::error_code e)
{
    const auto q = [](std::string_view v) { return "\"" + std::string(v.substr(0, 40)) + "\""; };
    const auto str = [&](std::string_view m) { return j ? member_string(*j, m) : std::nullopt; };
    const auto has = [&](std::string_view m) { return j && has_member(*j, m); };
    const std::optional<std::string_view> kty = str("kty");
    const std::optional<std::string_view> alg = str("alg");
    const std::optional<std::string_view> crv = str("crv");
    const std::string ktyq = kty ? q(*kty) : std::string("(none)");
    const auto b64len = [&](std::string_view m) -> std::optional<std::size_t> {
        const auto v = str(m);
        if (!v) return std::nullopt;
        auto d = encoding::base64url::decode(*v);
        if (!d) return std::nullopt;
        const std::size_t n = d->size();
        apiauth::detail::wipe(d->data(), d->size());
        return n;
    };
    if (e == errc::key_alg_missing)
        return "the JWK (kty " + ktyq + ") has no \"alg\"; bind one with jwk_options{.alg = algorithm::" +
               (kty && *kty == "oct" ? std::string("hs256") : std::string("rs256")) + "} or the CLI's --alg";
    if (e == errc::unsupported_key_type)
        return "kty is " + ktyq + "; supported: \"oct\", \"RSA\", \"EC\", \"OKP\" (RFC 7518 §6.1, RFC 8037 §2)";
    if (e == errc::weak_key) {
        if (kty && *kty == "oct") {
            const std::size_t need = alg && *alg == "HS512" ? 64 : alg && *alg == "HS384" ? 48 : 32;
            return "k has " + std::to_string(b64len("k").value_or(0)) + " octets; " +
                   std::string(alg ? *alg : "HS256") + " needs at least " + std::to_string(need) + " (RFC 7518 §3.2)";
        }
        std::size_t bits = 8 * b64len("n").value_or(0);
        if (const auto n = str("n")) {
            auto d = encoding::base64url::decode(*n);
            if (d && !d->empty())
                for (unsigned c = static_cast<unsigned char>((*d)[0]); c < 0x80 && bits > 0; c = (c << 1) & 0xff)
                    --bits;
        }
        if (bits >= 2048)
            return "n has the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): the modulus can be factored";
        return "n has " + std::to_string(bits) + " bits; RSA keys need at least 2048 (RFC 7518 §3.3)";
    }
    if (e == errc::private_key_not_allowed) {
        std::string found;
        for (const char* m : {"d", "p", "q", "dp", "dq", "qi"})
            if (has(m)) found += found.empty() ? q(m) : ", " + q(m);
        return "the JWK has the private member(s) " + found +
               " where a public key is expected; leave them out, or set jwk_options{.allow_private = true} to sign";
    }
    if (e == errc::key_use_not_allowed) {
        if (has("use")) {
            const auto use = str("use");
            return "use is " + (use ? q(*use) : std::string("not a string")) +
                   "; a signature key has \"sig\" (RFC 7517 §4.2)";
        }
        return "key_ops allow neither \"verify\" nor (for a private key) \"sign\" (RFC 7517 §4.3)";
    }
    if (e == errc::key_algorithm_mismatch) {
        std::string s = "alg " + (alg ? q(*alg) : std::string("(none)"));
        if (opt.alg) s += ", jwk_options::alg " + q(name(*opt.alg));
        s += ", kty " + ktyq;
        if (crv) s += ", crv " + q(*crv);
        return s + ": they do not fit together (RFC 7518 §6, RFC 8725 §3.1)";
    }
    if (e == errc::invalid_key) {
        if (!j) return "the JWK is not a JSON object (or has a duplicate member name)";
        if (!kty) return "\"kty\" is missing or not a string (RFC 7517 §4.1)";
        if (has("alg") && !alg) return "\"alg\" is not a string";
        if (has("kid") && !str("kid")) return "\"kid\" is not a string";
        if (has("key_ops") && !j->at_key("key_ops").is_array()) return "\"key_ops\" is not an array";
        const auto need = [&](const char* m) -> std::string {
            if (!has(m)) return std::string("member \"") + m + "\" is missing";
            if (!b64len(m)) return std::string("member \"") + m + "\" is not strict base64url (RFC 7515 §2)";
            return {};
        };
        std::vector<const char*> members;
        if (*kty == "oct") members = {"k"};
        if (*kty == "RSA") members = {"n", "e"};
        if (*kty == "EC") members = {"x", "y"};
        if (*kty == "OKP") members = {"x"};
        for (const char* m : members)
            if (auto w = need(m); !w.empty()) return w;
        if ((*kty == "EC" || *kty == "OKP") && !alg && !opt.alg)
            return "crv " + (crv ? q(*crv) : std::string("(none)")) +
                   " implies no supported algorithm (P-256, P-384, P-521, secp256k1, Ed25519)";
        if (*kty == "EC" && crv) {
            const std::size_t size = *crv == "P-384" ? 48 : *crv == "P-521" ? 66 : 32;
            for (const char* m : {"x", "y", "d"})
                if (const auto n = b64len(m); n && *n != size)
                    return std::string("member \"") + m + "\" has " + std::to_string(*n) + " octets; " +
                           std::string(*crv) + " needs exactly " + std::to_string(size) + " (RFC 7518 §6.2.1.2)";
        }
        if (*kty == "RSA")
            for (const char* m : {"n", "e"})
                if (const auto v = str(m)) {
                    auto d = encoding::base64url::decode(*v);
                    if (d && !d->empty() && (*d)[0] == '\0')
                        return std::string("member \"") + m + "\" has a leading zero octet (RFC 7518 §6.3.1)";
                }
        return "the key material was refused: an EC point off its curve, an RSA modulus or exponent that cannot "
               "verify (n and e odd, 3 <= e < n), or private members that do not match the public ones";
    }
    return e.message();
}

// explain_jwk for a JWK that is already read (alone, or one of a set's keys).
inline std::string explain_element(simdjson::dom::element jwk, const jwk_options& opt)
{
    const auto k = loader::load(jwk, opt);
    if (k) return "ok";
    simdjson::dom::object o;
    const bool is_object = jwk.get_object().get(o) == simdjson::SUCCESS;
    return std::string(error_name(k.error())) + ": " + explain_object(is_object ? &o : nullptr, opt, k.error());
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::jwk

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

inline std::string explain_jwk(std::string_view jwk_json, jwk_options opt)
{
    detail::json_document doc;
    if (!doc.parse(jwk_json))
        return std::string(error_name(errc::invalid_key)) + ": " +
               detail::jwk::explain_object(nullptr, opt, make_error_code(errc::invalid_key));
    return detail::jwk::explain_element(doc.root(), opt);
}

inline std::string explain_jwks(std::string_view jwks_json, jwk_options opt)
{
    const auto set = key_set::from_jwks(jwks_json, opt);
    if (set) {
        std::string s = "ok: " + std::to_string(set->size()) + " key(s)";
        for (const skipped_key& k : set->skipped())
            s += "; skipped keys[" + std::to_string(k.index) + "]" + (k.kid.empty() ? "" : " kid \"" + k.kid + "\"") +
                 ": " + std::string(error_name(k.why));
        return s;
    }
    const std::string head = std::string(error_name(set.error())) + ": ";
    detail::json_document doc;
    simdjson::dom::array keys;
    if (!doc.parse(jwks_json) || doc.root().at_key("keys").get_array().get(keys) != simdjson::SUCCESS)
        return head + "not a JWK Set: a JSON object with a \"keys\" array (RFC 7517 §5)";
    std::size_t i = 0;
    for (const auto jwk : keys) {
        const std::size_t at = i++;
        simdjson::dom::object o;
        if (jwk.get_object().get(o) != simdjson::SUCCESS)
            return head + "keys[" + std::to_string(at) + "] is not a JSON object";
        const auto one = detail::jwk::explain_element(jwk, opt);
        if (one == "ok" || one.rfind(std::string(error_name(set.error())) + ":", 0) != 0) continue;
        const auto kid = detail::member_string(o, "kid");
        return "keys[" + std::to_string(at) + "]" + (kid ? " kid \"" + std::string(*kid) + "\"" : "") + " " + one;
    }
    if (set.error() == errc::invalid_key_set)
        return head + "no usable key, two keys with the same kid (RFC 7517 §4.5), or a secret (oct) key beside "
                      "public keys (RFC 8725 §3.1)";
    return head + set.error().message();
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

#endif  // APIAUTH_JOSE_JWK_HPP
