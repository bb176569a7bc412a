// apiauth/jose/algorithm.hpp — the JWS algorithms apiauth signs and verifies (RFC 7518 §3, RFC 8037, RFC 8812).
#ifndef APIAUTH_JOSE_ALGORITHM_HPP
#define APIAUTH_JOSE_ALGORITHM_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/hash.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

/** A JWS `alg` value. `none` is not one: an unsecured JWS cannot be verified
    here (RFC 8725 §3.2), and there is nothing to opt into. */
enum class algorithm : std::uint8_t {
    hs256,
    hs384,
    hs512,  ///< HMAC with SHA-2 (RFC 7518 §3.2)
    rs256,
    rs384,
    rs512,  ///< RSASSA-PKCS1-v1_5 (RFC 7518 §3.3)
    ps256,
    ps384,
    ps512,  ///< RSASSA-PSS, MGF1 with the same hash, salt = hash length (RFC 7518 §3.5)
    es256,
    es384,
    es512,   ///< ECDSA on P-256 / P-384 / P-521, R‖S signatures (RFC 7518 §3.4)
    es256k,  ///< ECDSA on secp256k1 (RFC 8812 §3.2)
    eddsa,   ///< Ed25519 (RFC 8037 §3.1)
};

/// The key family an algorithm needs.
enum class key_family : std::uint8_t { hmac, rsa, ecdsa, eddsa };

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
inline constexpr std::array<std::string_view, 14> algorithm_names = {"HS256", "HS384", "HS512",  "RS256", "RS384",
                                                                     "RS512", "PS256", "PS384",  "PS512", "ES256",
                                                                     "ES384", "ES512", "ES256K", "EdDSA"};
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

/// The registered name, e.g. "RS256", "ES256K", "EdDSA" (RFC 7518 §3.1, RFC 8037 §3.1).
constexpr std::string_view name(algorithm a) noexcept
{
    return detail::algorithm_names[static_cast<std::size_t>(a)];
}

/** The algorithm named exactly `s`. Names are case-sensitive (RFC 7515
    §4.1.1): "hs256" is not HS256. "none" and every unknown name give nothing. */
constexpr std::optional<algorithm> parse_algorithm(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < detail::algorithm_names.size(); ++i)
        if (detail::algorithm_names[i] == s) return static_cast<algorithm>(i);
    return std::nullopt;
}

/// The kind of key `a` needs: an HMAC secret, RSA, ECDSA or EdDSA.
constexpr key_family family(algorithm a) noexcept
{
    switch (a) {
    case algorithm::hs256:
    case algorithm::hs384:
    case algorithm::hs512: return key_family::hmac;
    case algorithm::rs256:
    case algorithm::rs384:
    case algorithm::rs512:
    case algorithm::ps256:
    case algorithm::ps384:
    case algorithm::ps512: return key_family::rsa;
    case algorithm::es256:
    case algorithm::es384:
    case algorithm::es512:
    case algorithm::es256k: return key_family::ecdsa;
    case algorithm::eddsa: return key_family::eddsa;
    }
    return key_family::hmac;
}

/// True for PS256/384/512.
constexpr bool is_pss(algorithm a) noexcept
{
    return a == algorithm::ps256 || a == algorithm::ps384 || a == algorithm::ps512;
}

/// The SHA-2 function of the algorithm. EdDSA hashes internally (SHA-512) and has none here.
constexpr std::optional<crypto::hash> hash_of(algorithm a) noexcept
{
    switch (a) {
    case algorithm::hs256:
    case algorithm::rs256:
    case algorithm::ps256:
    case algorithm::es256:
    case algorithm::es256k: return crypto::hash::sha256;
    case algorithm::hs384:
    case algorithm::rs384:
    case algorithm::ps384:
    case algorithm::es384: return crypto::hash::sha384;
    case algorithm::hs512:
    case algorithm::rs512:
    case algorithm::ps512:
    case algorithm::es512: return crypto::hash::sha512;
    case algorithm::eddsa: return std::nullopt;
    }
    return std::nullopt;
}

/** The JWK `crv` and OpenSSL group of an ECDSA algorithm, and the byte length
    of one coordinate (so R‖S is twice that: 64, 96, 132, 64; RFC 7518 §3.4). */
struct curve_info {
    std::string_view jwk_crv;     ///< "P-256", "P-384", "P-521", "secp256k1"
    const char* openssl_group;    ///< "prime256v1", "secp384r1", "secp521r1", "secp256k1"
    std::size_t coordinate_size;  ///< 32, 48, 66, 32
};

/// The curve of an ECDSA algorithm (RFC 7518 §3.4, RFC 8812 for ES256K); none for the others.
constexpr std::optional<curve_info> curve_of(algorithm a) noexcept
{
    switch (a) {
    case algorithm::es256: return curve_info{"P-256", "prime256v1", 32};
    case algorithm::es384: return curve_info{"P-384", "secp384r1", 48};
    case algorithm::es512: return curve_info{"P-521", "secp521r1", 66};
    case algorithm::es256k: return curve_info{"secp256k1", "secp256k1", 32};
    default: return std::nullopt;
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

#endif  // APIAUTH_JOSE_ALGORITHM_HPP
