// apiauth/jose/sign.hpp — building tokens and key documents, with nlohmann/json:
// jws::sign (RFC 7515 §5.1), and everything the verifying headers declare but
// leave to nlohmann/json: jwt::signer::sign (jwt.hpp), key::to_jwk,
// key_set::to_public_jwks and key::from_jwk of a nlohmann::json object
// (jwk.hpp), jwt::claims::get<nlohmann::json> (claims.hpp).
//
// A translation unit that only verifies includes jose/jwt.hpp (or jws.hpp,
// jwk.hpp) and so never compiles nlohmann/json; one that signs or publishes
// keys includes this header.
#ifndef APIAUTH_JOSE_SIGN_HPP
#define APIAUTH_JOSE_SIGN_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/json.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jws {

/** Sign `payload` into a compact JWS with `k` (RFC 7515 §5.1).

    `header_json` is the JOSE header as a JSON object (it may be "{}"): its
    `alg`, if present, must be the key's algorithm (key_algorithm_mismatch),
    else it is added; the key's kid is added when the header has none. The
    header is serialized compactly (members sorted by name). Errors:
    jws_invalid_header for a header that is not a JSON object or has
    duplicate names, key_algorithm_mismatch, not_a_signing_key,
    json_invalid_utf8. Never throws (not_enough_memory).

    @par Specification RFC 7515 §5.1, §7.1.
*/
inline result<std::string> sign(std::string_view header_json, std::span<const std::byte> payload, const key& k) noexcept
{
    try {
        if (!k.can_sign()) return errc::not_a_signing_key;
        auto h = detail::parse_json_unique(header_json);
        if (!h || !h->is_object()) return errc::jws_invalid_header;
        if (const auto it = h->find("alg"); it != h->end()) {
            if (!it->is_string() || it->get_ref<const std::string&>() != name(k.alg()))
                return errc::key_algorithm_mismatch;
        } else {
            (*h)["alg"] = std::string(name(k.alg()));
        }
        if (k.has_kid() && !h->contains("kid")) (*h)["kid"] = std::string(k.kid());
        auto text = detail::dump_json(*h);
        if (!text) return text.error();
        return detail::sign_encoded(encoding::base64url::encode(*text), payload, k);
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/// As above, for a payload given as text.
inline result<std::string> sign(std::string_view header_json, std::string_view payload, const key& k) noexcept
{
    return sign(header_json, detail::as_bytes(payload), k);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jws

#endif  // APIAUTH_JOSE_SIGN_HPP
