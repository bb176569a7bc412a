// apiauth/error.hpp — error codes, result<T>, and the HTTP answer for each error.
#ifndef APIAUTH_ERROR_HPP
#define APIAUTH_ERROR_HPP

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace apiauth {

/** The result of every function that reads untrusted input.

    Holds either a `T` or a `std::error_code` (normally an `apiauth::errc`).
    This is Boost.System's `result`, the type Boost.URL returns, with the
    standard `std::error_code` so that callers need no Boost types to
    inspect an error. `r.value()` throws `std::system_error` on error;
    `r.has_value()`, `*r` and `r.error()` never throw.
*/
template <class T> using result = boost::system::result<T, std::error_code>;

/** Every error apiauth reports. Values are stable; new ones are appended.

    Messages (`std::error_code::message()`) are fixed English sentences that
    carry no input bytes and no secret, and use only the characters RFC 6750
    §3 allows in `error_description` (%x20-21 / %x23-5B / %x5D-7E), so a
    message may be sent to the client as it is.
*/
enum class errc {
    // ---- HTTP field level (RFC 9110 §5.5, §11) --------------------------
    no_credentials = 1,       ///< no Authorization field (RFC 6750 §3.1: answer without error)
    unsupported_scheme,       ///< credentials use a scheme this endpoint does not accept
    duplicate_authorization,  ///< more than one Authorization field line (RFC 9110 §5.3)
    header_too_large,         ///< field value longer than the configured bound
    invalid_field_value,      ///< CR, LF, NUL or another control character in a field value
    malformed_credentials,    ///< not `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`
    duplicate_parameter,      ///< an auth-param or form parameter occurs twice
    too_many_parameters,      ///< more auth-params or list elements than the bound
    malformed_challenge,      ///< a WWW-Authenticate value that is not `#challenge`

    // ---- base64 and base64url (RFC 4648) ---------------------------------
    base64_invalid_character = 100,  ///< octet outside the alphabet (§3.3)
    base64_invalid_length,           ///< length impossible for the encoding
    base64_invalid_padding,          ///< '=' missing, misplaced, or present where forbidden (§3.2)
    base64_noncanonical,             ///< non-zero pad bits (§3.5)
    buffer_too_small,                ///< caller's output span is shorter than needed

    // ---- Basic (RFC 7617, RFC 6749 §2.3.1) -------------------------------
    basic_missing_token = 200,    ///< "Basic" with no token68 (or with auth-params)
    basic_missing_colon,          ///< decoded user-pass has no ':' (RFC 7617 §2)
    basic_control_character,      ///< CTL in user-id or password (RFC 7617 §2)
    basic_invalid_utf8,           ///< not UTF-8 under the UTF-8 charset policy (RFC 7617 §2.1)
    basic_invalid_form_encoding,  ///< bad %-escape in an OAuth client credential (RFC 6749 App. B)
    basic_colon_in_user_id,       ///< encode_basic refused a user-id containing ':'
    basic_token_too_large,        ///< token68 longer than the configured bound

    // ---- Bearer (RFC 6750) -----------------------------------------------
    bearer_missing_token = 300,  ///< "Bearer" with nothing after it (RFC 6750 §2.1)
    bearer_invalid_syntax,       ///< not a b64token (RFC 6750 §2.1)
    multiple_token_methods,      ///< token sent by more than one method (RFC 6750 §2)
    body_too_large,              ///< request body longer than the configured bound
    malformed_form_body,         ///< body or query is not valid form encoding

    // ---- challenge writer (RFC 9110 §11.6.1, RFC 7617 §2, RFC 6750 §3) ----
    invalid_challenge_value = 400,  ///< realm/scope/error/error_uri outside its character set
    empty_challenge,                ///< a challenge would have no auth-param

    // ---- JOSE: JWS, JWT, keys (RFC 7515, 7518, 7519, 8725) -------------
    token_too_large = 500,        ///< longer than the configured bound
    jws_malformed,                ///< not three base64url segments (RFC 7515 §7.1)
    jws_invalid_header,           ///< JOSE header not a JSON object, bad JSON or UTF-8, or a member of the wrong type
    duplicate_member,             ///< a JSON member name occurs twice (RFC 7515 §4, RFC 7519 §4)
    unsupported_algorithm,        ///< alg unknown, or "none" (RFC 8725 §3.2)
    unsupported_critical_header,  ///< crit lists an unknown extension or is malformed (RFC 7515 §4.1.11)
    unknown_key,                  ///< no key matches the header's kid and alg
    ambiguous_key,                ///< the header does not select one key
    algorithm_mismatch,           ///< the key for kid is bound to another alg (RFC 8725 §3.1)
    bad_signature_length,         ///< not the exact length of the algorithm (RFC 7518 §3.2, §3.4)
    bad_signature,                ///< the signature or MAC does not verify
    invalid_claims,               ///< payload is not a JSON object (RFC 7519 §7.2)
    invalid_claim_type,           ///< a registered claim has the wrong JSON type
    missing_claim,                ///< a claim the policy requires is absent
    wrong_token_type,             ///< typ is not the expected media type (RFC 8725 §3.11)
    wrong_issuer,                 ///< iss differs from the expected issuer
    wrong_audience,               ///< aud does not contain the expected audience
    token_expired,                ///< now is past exp plus leeway
    token_not_yet_valid,          ///< now is before nbf minus leeway
    token_issued_in_future,       ///< iat is later than now plus leeway
    insufficient_scope,           ///< valid token, scope too narrow (RFC 6750 §3.1)
    invalid_key,                  ///< PEM, DER or JWK that cannot be used
    weak_key,                     ///< HMAC key shorter than the hash, RSA under 2048 bits
    key_algorithm_mismatch,       ///< key type, curve or JWK alg differs from the algorithm
    key_use_not_allowed,          ///< JWK use or key_ops forbid the operation
    private_key_not_allowed,      ///< private members in a verification key
    not_a_signing_key,            ///< a public key used to sign
    invalid_key_set,              ///< JWKS without keys, or with duplicate kid

    // ---- API keys (research/api-keys.md §8.5) ----------------------------
    api_key_malformed = 600,      ///< not the key grammar (bound, structure, alphabet)
    api_key_unknown_prefix,       ///< prefix not in the configured allow-list
    api_key_unsupported_version,  ///< version character not supported
    api_key_bad_checksum,         ///< CRC-32 does not match: a typo or a forgery, caught before any lookup
    api_key_not_found,            ///< no record for the key id (the MAC is computed all the same)
    api_key_bad_secret,           ///< the verifier does not match
    api_key_revoked,              ///< the key was revoked (reported only after the MAC matched)
    api_key_expired,              ///< past expires_at (plus skew)
    api_key_not_yet_valid,        ///< before not_before (minus skew)
    api_key_prefix_mismatch,      ///< the record was issued for another prefix
    api_key_unknown_pepper,       ///< the record's pepper version is not in the ring: fail closed
    invalid_configuration,        ///< refused when a key, ring or policy is built (short pepper, bad prefix…)

    // ---- OpenSSL --------------------------------------------------------
    random_failure = 900,  ///< RAND_bytes failed
    crypto_failure,        ///< an OpenSSL call failed for a reason other than the input
};

/** The `std::error_category` of `errc`; its name is "apiauth". */
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

}  // namespace apiauth

template <> struct std::is_error_code_enum<apiauth::errc> : std::true_type {
};

namespace apiauth {

namespace detail {

inline const char* errc_message(errc e) noexcept
{
    switch (e) {
    case errc::no_credentials: return "No credentials were sent";
    case errc::unsupported_scheme: return "The authentication scheme is not supported here";
    case errc::duplicate_authorization: return "More than one Authorization header field was sent";
    case errc::header_too_large: return "The header field value is too large";
    case errc::invalid_field_value: return "The header field value contains a control character";
    case errc::malformed_credentials: return "The credentials are malformed";
    case errc::duplicate_parameter: return "A parameter occurs more than once";
    case errc::too_many_parameters: return "Too many parameters";
    case errc::malformed_challenge: return "The challenge is malformed";
    case errc::base64_invalid_character: return "The base64 data contains a character outside its alphabet";
    case errc::base64_invalid_length: return "The base64 data has an impossible length";
    case errc::base64_invalid_padding: return "The base64 padding is missing, misplaced or not allowed";
    case errc::base64_noncanonical: return "The base64 data has non-zero pad bits";
    case errc::buffer_too_small: return "The output buffer is too small";
    case errc::basic_missing_token: return "Basic credentials need exactly one token68";
    case errc::basic_missing_colon: return "The Basic user-pass has no colon";
    case errc::basic_control_character: return "The Basic user-id or password contains a control character";
    case errc::basic_invalid_utf8: return "The Basic user-id or password is not valid UTF-8";
    case errc::basic_invalid_form_encoding: return "The client credentials are not valid form encoding";
    case errc::basic_colon_in_user_id: return "A Basic user-id cannot contain a colon";
    case errc::basic_token_too_large: return "The Basic credentials are too large";
    case errc::bearer_missing_token: return "The Bearer credentials carry no token";
    case errc::bearer_invalid_syntax: return "The bearer token is not a valid b64token";
    case errc::multiple_token_methods: return "The access token was sent by more than one method";
    case errc::body_too_large: return "The request body is too large";
    case errc::malformed_form_body: return "The form-encoded parameters are malformed";
    case errc::invalid_challenge_value: return "A challenge parameter has a character its syntax does not allow";
    case errc::empty_challenge: return "A challenge needs at least one parameter";
    case errc::token_too_large: return "The token is too large";
    case errc::jws_malformed: return "The token is not a compact JWS";
    case errc::jws_invalid_header: return "The token header is not valid";
    case errc::duplicate_member: return "The token has a duplicate JSON member";
    case errc::unsupported_algorithm: return "The token algorithm is not supported";
    case errc::unsupported_critical_header: return "The token has a critical header this verifier does not understand";
    case errc::unknown_key: return "No key is known for the token";
    case errc::ambiguous_key: return "More than one key could verify the token";
    case errc::algorithm_mismatch: return "The token algorithm does not match its key";
    case errc::bad_signature_length: return "The token signature has the wrong length";
    case errc::bad_signature: return "The token signature is not valid";
    case errc::invalid_claims: return "The token claims are not a valid JSON object";
    case errc::invalid_claim_type: return "A token claim has the wrong type";
    case errc::missing_claim: return "A required token claim is missing";
    case errc::wrong_token_type: return "The token type is not accepted here";
    case errc::wrong_issuer: return "The token issuer is not accepted here";
    case errc::wrong_audience: return "The token audience does not include this resource";
    case errc::token_expired: return "The token expired";
    case errc::token_not_yet_valid: return "The token is not valid yet";
    case errc::token_issued_in_future: return "The token was issued in the future";
    case errc::insufficient_scope: return "The token does not grant the required scope";
    case errc::invalid_key: return "The key is not valid";
    case errc::weak_key: return "The key is too weak";
    case errc::key_algorithm_mismatch: return "The key does not fit the algorithm";
    case errc::key_use_not_allowed: return "The key may not be used this way";
    case errc::private_key_not_allowed: return "A private key was given where a public key is expected";
    case errc::not_a_signing_key: return "The key cannot sign";
    case errc::invalid_key_set: return "The key set is not valid";
    case errc::api_key_malformed: return "The API key is malformed";
    case errc::api_key_unknown_prefix: return "The API key prefix is not accepted here";
    case errc::api_key_unsupported_version: return "The API key format version is not supported";
    case errc::api_key_bad_checksum: return "The API key checksum does not match";
    case errc::api_key_not_found: return "The API key is not valid";
    case errc::api_key_bad_secret: return "The API key is not valid";
    case errc::api_key_revoked: return "The API key was revoked";
    case errc::api_key_expired: return "The API key expired";
    case errc::api_key_not_yet_valid: return "The API key is not valid yet";
    case errc::api_key_prefix_mismatch: return "The API key prefix does not match its record";
    case errc::api_key_unknown_pepper: return "The API key record uses an unknown pepper version";
    case errc::invalid_configuration: return "The configuration was refused";
    case errc::random_failure: return "The random generator failed";
    case errc::crypto_failure: return "A cryptographic operation failed";
    }
    return "Unknown apiauth error";
}

class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "apiauth"; }
    std::string message(int ev) const override { return errc_message(static_cast<errc>(ev)); }
};

}  // namespace detail

inline const std::error_category& error_category() noexcept
{
    static const detail::error_category_impl category;
    return category;
}

/** The enumerator name of an apiauth error ("bearer_missing_token"), for
    logs and metrics; "" for success or a code of another category. */
inline std::string_view error_name(std::error_code ec) noexcept
{
    if (!ec || ec.category() != error_category()) return "";
    switch (static_cast<errc>(ec.value())) {
    case errc::no_credentials: return "no_credentials";
    case errc::unsupported_scheme: return "unsupported_scheme";
    case errc::duplicate_authorization: return "duplicate_authorization";
    case errc::header_too_large: return "header_too_large";
    case errc::invalid_field_value: return "invalid_field_value";
    case errc::malformed_credentials: return "malformed_credentials";
    case errc::duplicate_parameter: return "duplicate_parameter";
    case errc::too_many_parameters: return "too_many_parameters";
    case errc::malformed_challenge: return "malformed_challenge";
    case errc::base64_invalid_character: return "base64_invalid_character";
    case errc::base64_invalid_length: return "base64_invalid_length";
    case errc::base64_invalid_padding: return "base64_invalid_padding";
    case errc::base64_noncanonical: return "base64_noncanonical";
    case errc::buffer_too_small: return "buffer_too_small";
    case errc::basic_missing_token: return "basic_missing_token";
    case errc::basic_missing_colon: return "basic_missing_colon";
    case errc::basic_control_character: return "basic_control_character";
    case errc::basic_invalid_utf8: return "basic_invalid_utf8";
    case errc::basic_invalid_form_encoding: return "basic_invalid_form_encoding";
    case errc::basic_colon_in_user_id: return "basic_colon_in_user_id";
    case errc::basic_token_too_large: return "basic_token_too_large";
    case errc::bearer_missing_token: return "bearer_missing_token";
    case errc::bearer_invalid_syntax: return "bearer_invalid_syntax";
    case errc::multiple_token_methods: return "multiple_token_methods";
    case errc::body_too_large: return "body_too_large";
    case errc::malformed_form_body: return "malformed_form_body";
    case errc::invalid_challenge_value: return "invalid_challenge_value";
    case errc::empty_challenge: return "empty_challenge";
    case errc::token_too_large: return "token_too_large";
    case errc::jws_malformed: return "jws_malformed";
    case errc::jws_invalid_header: return "jws_invalid_header";
    case errc::duplicate_member: return "duplicate_member";
    case errc::unsupported_algorithm: return "unsupported_algorithm";
    case errc::unsupported_critical_header: return "unsupported_critical_header";
    case errc::unknown_key: return "unknown_key";
    case errc::ambiguous_key: return "ambiguous_key";
    case errc::algorithm_mismatch: return "algorithm_mismatch";
    case errc::bad_signature_length: return "bad_signature_length";
    case errc::bad_signature: return "bad_signature";
    case errc::invalid_claims: return "invalid_claims";
    case errc::invalid_claim_type: return "invalid_claim_type";
    case errc::missing_claim: return "missing_claim";
    case errc::wrong_token_type: return "wrong_token_type";
    case errc::wrong_issuer: return "wrong_issuer";
    case errc::wrong_audience: return "wrong_audience";
    case errc::token_expired: return "token_expired";
    case errc::token_not_yet_valid: return "token_not_yet_valid";
    case errc::token_issued_in_future: return "token_issued_in_future";
    case errc::insufficient_scope: return "insufficient_scope";
    case errc::invalid_key: return "invalid_key";
    case errc::weak_key: return "weak_key";
    case errc::key_algorithm_mismatch: return "key_algorithm_mismatch";
    case errc::key_use_not_allowed: return "key_use_not_allowed";
    case errc::private_key_not_allowed: return "private_key_not_allowed";
    case errc::not_a_signing_key: return "not_a_signing_key";
    case errc::invalid_key_set: return "invalid_key_set";
    case errc::api_key_malformed: return "api_key_malformed";
    case errc::api_key_unknown_prefix: return "api_key_unknown_prefix";
    case errc::api_key_unsupported_version: return "api_key_unsupported_version";
    case errc::api_key_bad_checksum: return "api_key_bad_checksum";
    case errc::api_key_not_found: return "api_key_not_found";
    case errc::api_key_bad_secret: return "api_key_bad_secret";
    case errc::api_key_revoked: return "api_key_revoked";
    case errc::api_key_expired: return "api_key_expired";
    case errc::api_key_not_yet_valid: return "api_key_not_yet_valid";
    case errc::api_key_prefix_mismatch: return "api_key_prefix_mismatch";
    case errc::api_key_unknown_pepper: return "api_key_unknown_pepper";
    case errc::invalid_configuration: return "invalid_configuration";
    case errc::random_failure: return "random_failure";
    case errc::crypto_failure: return "crypto_failure";
    }
    return "";
}

/** The HTTP status code that answers a request which failed with `ec`.

    400 malformed request (RFC 6750 §3.1 invalid_request), 401 missing or bad
    credentials (RFC 9110 §15.5.2: send a challenge with it), 413 body too
    large, 431 header field too large (RFC 6585 §5), 403 valid credentials
    without the required scope (RFC 6750 §3.1), 500 for failures that are
    the server's own (including keys and policies refused when built). A code from another category, or success, gives
   500 / 200.
*/
inline int http_status(std::error_code ec) noexcept
{
    if (!ec) return 200;
    if (ec.category() != error_category()) return 500;
    switch (static_cast<errc>(ec.value())) {
    case errc::header_too_large: return 431;
    case errc::body_too_large: return 413;
    case errc::duplicate_authorization:
    case errc::invalid_field_value:
    case errc::malformed_credentials:
    case errc::duplicate_parameter:
    case errc::too_many_parameters:
    case errc::malformed_challenge:
    case errc::bearer_missing_token:
    case errc::bearer_invalid_syntax:
    case errc::multiple_token_methods:
    case errc::malformed_form_body: return 400;
    case errc::insufficient_scope: return 403;
    case errc::no_credentials:
    case errc::unsupported_scheme:
    case errc::base64_invalid_character:
    case errc::base64_invalid_length:
    case errc::base64_invalid_padding:
    case errc::base64_noncanonical:
    case errc::basic_missing_token:
    case errc::basic_missing_colon:
    case errc::basic_control_character:
    case errc::basic_invalid_utf8:
    case errc::basic_invalid_form_encoding:
    case errc::basic_token_too_large:
    case errc::token_too_large:
    case errc::jws_malformed:
    case errc::jws_invalid_header:
    case errc::duplicate_member:
    case errc::unsupported_algorithm:
    case errc::unsupported_critical_header:
    case errc::unknown_key:
    case errc::ambiguous_key:
    case errc::algorithm_mismatch:
    case errc::bad_signature_length:
    case errc::bad_signature:
    case errc::invalid_claims:
    case errc::invalid_claim_type:
    case errc::missing_claim:
    case errc::wrong_token_type:
    case errc::wrong_issuer:
    case errc::wrong_audience:
    case errc::token_expired:
    case errc::token_not_yet_valid:
    case errc::token_issued_in_future:
    case errc::api_key_malformed:
    case errc::api_key_unknown_prefix:
    case errc::api_key_unsupported_version:
    case errc::api_key_bad_checksum:
    case errc::api_key_not_found:
    case errc::api_key_bad_secret:
    case errc::api_key_revoked:
    case errc::api_key_expired:
    case errc::api_key_not_yet_valid:
    case errc::api_key_prefix_mismatch: return 401;
    case errc::invalid_key:
    case errc::weak_key:
    case errc::key_algorithm_mismatch:
    case errc::key_use_not_allowed:
    case errc::private_key_not_allowed:
    case errc::not_a_signing_key:
    case errc::invalid_key_set:
    case errc::api_key_unknown_pepper:
    case errc::invalid_configuration:
    case errc::buffer_too_small:
    case errc::basic_colon_in_user_id:
    case errc::invalid_challenge_value:
    case errc::empty_challenge:
    case errc::random_failure:
    case errc::crypto_failure: return 500;
    }
    return 500;
}

/** The OAuth 2.0 `error` value for `ec`, or "" when none may be sent.

    RFC 6750 §3.1: a request that lacks authentication information
    (no_credentials, unsupported_scheme) gets a challenge with no `error`;
    malformed requests are "invalid_request"; bad tokens "invalid_token".
    Basic decoding failures are "invalid_client" (RFC 6749 §5.2), the only
    OAuth context in which Basic credentials occur. base64 and API key
    errors are "invalid_token" (both occur in bearer credentials); the token
    endpoint reports every client-authentication failure as "invalid_client"
    itself. Server-side failures: "server_error".
*/
inline std::string_view oauth_error(std::error_code ec) noexcept
{
    if (!ec) return "";
    if (ec.category() != error_category()) return "server_error";
    switch (static_cast<errc>(ec.value())) {
    case errc::insufficient_scope: return "insufficient_scope";
    case errc::no_credentials:
    case errc::unsupported_scheme: return "";
    case errc::header_too_large:
    case errc::body_too_large:
    case errc::duplicate_authorization:
    case errc::invalid_field_value:
    case errc::malformed_credentials:
    case errc::duplicate_parameter:
    case errc::too_many_parameters:
    case errc::malformed_challenge:
    case errc::bearer_missing_token:
    case errc::bearer_invalid_syntax:
    case errc::multiple_token_methods:
    case errc::malformed_form_body: return "invalid_request";
    case errc::base64_invalid_character:
    case errc::base64_invalid_length:
    case errc::base64_invalid_padding:
    case errc::base64_noncanonical:
    case errc::token_too_large:
    case errc::jws_malformed:
    case errc::jws_invalid_header:
    case errc::duplicate_member:
    case errc::unsupported_algorithm:
    case errc::unsupported_critical_header:
    case errc::unknown_key:
    case errc::ambiguous_key:
    case errc::algorithm_mismatch:
    case errc::bad_signature_length:
    case errc::bad_signature:
    case errc::invalid_claims:
    case errc::invalid_claim_type:
    case errc::missing_claim:
    case errc::wrong_token_type:
    case errc::wrong_issuer:
    case errc::wrong_audience:
    case errc::token_expired:
    case errc::token_not_yet_valid:
    case errc::token_issued_in_future:
    case errc::api_key_malformed:
    case errc::api_key_unknown_prefix:
    case errc::api_key_unsupported_version:
    case errc::api_key_bad_checksum:
    case errc::api_key_not_found:
    case errc::api_key_bad_secret:
    case errc::api_key_revoked:
    case errc::api_key_expired:
    case errc::api_key_not_yet_valid:
    case errc::api_key_prefix_mismatch: return "invalid_token";
    case errc::basic_missing_token:
    case errc::basic_missing_colon:
    case errc::basic_control_character:
    case errc::basic_invalid_utf8:
    case errc::basic_invalid_form_encoding:
    case errc::basic_token_too_large: return "invalid_client";
    case errc::invalid_key:
    case errc::weak_key:
    case errc::key_algorithm_mismatch:
    case errc::key_use_not_allowed:
    case errc::private_key_not_allowed:
    case errc::not_a_signing_key:
    case errc::invalid_key_set:
    case errc::api_key_unknown_pepper:
    case errc::invalid_configuration:
    case errc::buffer_too_small:
    case errc::basic_colon_in_user_id:
    case errc::invalid_challenge_value:
    case errc::empty_challenge:
    case errc::random_failure:
    case errc::crypto_failure: return "server_error";
    }
    return "server_error";
}

}  // namespace apiauth

#endif  // APIAUTH_ERROR_HPP
