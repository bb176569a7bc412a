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
inline const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

}  // namespace apiauth

template <> struct std::is_error_code_enum<apiauth::errc> : std::true_type {
};

namespace apiauth {

namespace detail {

// What apiauth says about each error, in one place: its name, its message,
// the HTTP status that answers it and the OAuth 2.0 error value ("" when none
// may be sent). A new errc gets one row here; tests/error_test.cpp checks
// every row (safe message, consistent status and OAuth error).
struct errc_info {
    errc code;
    std::string_view name;
    const char* message;
    int status;
    std::string_view oauth;
};

inline constexpr errc_info errc_table[] = {
    {errc::no_credentials, "no_credentials", "No credentials were sent", 401, ""},
    {errc::unsupported_scheme, "unsupported_scheme", "The authentication scheme is not supported here", 401, ""},
    {errc::duplicate_authorization, "duplicate_authorization", "More than one Authorization header field was sent", 400,
     "invalid_request"},
    {errc::header_too_large, "header_too_large", "The header field value is too large", 431, "invalid_request"},
    {errc::invalid_field_value, "invalid_field_value", "The header field value contains a control character", 400,
     "invalid_request"},
    {errc::malformed_credentials, "malformed_credentials", "The credentials are malformed", 400, "invalid_request"},
    {errc::duplicate_parameter, "duplicate_parameter", "A parameter occurs more than once", 400, "invalid_request"},
    {errc::too_many_parameters, "too_many_parameters", "Too many parameters", 400, "invalid_request"},
    {errc::malformed_challenge, "malformed_challenge", "The challenge is malformed", 400, "invalid_request"},
    {errc::base64_invalid_character, "base64_invalid_character",
     "The base64 data contains a character outside its alphabet", 401, "invalid_token"},
    {errc::base64_invalid_length, "base64_invalid_length", "The base64 data has an impossible length", 401,
     "invalid_token"},
    {errc::base64_invalid_padding, "base64_invalid_padding", "The base64 padding is missing, misplaced or not allowed",
     401, "invalid_token"},
    {errc::base64_noncanonical, "base64_noncanonical", "The base64 data has non-zero pad bits", 401, "invalid_token"},
    {errc::buffer_too_small, "buffer_too_small", "The output buffer is too small", 500, "server_error"},
    {errc::basic_missing_token, "basic_missing_token", "Basic credentials need exactly one token68", 401,
     "invalid_client"},
    {errc::basic_missing_colon, "basic_missing_colon", "The Basic user-pass has no colon", 401, "invalid_client"},
    {errc::basic_control_character, "basic_control_character",
     "The Basic user-id or password contains a control character", 401, "invalid_client"},
    {errc::basic_invalid_utf8, "basic_invalid_utf8", "The Basic user-id or password is not valid UTF-8", 401,
     "invalid_client"},
    {errc::basic_invalid_form_encoding, "basic_invalid_form_encoding",
     "The client credentials are not valid form encoding", 401, "invalid_client"},
    {errc::basic_colon_in_user_id, "basic_colon_in_user_id", "A Basic user-id cannot contain a colon", 500,
     "server_error"},
    {errc::basic_token_too_large, "basic_token_too_large", "The Basic credentials are too large", 401,
     "invalid_client"},
    {errc::bearer_missing_token, "bearer_missing_token", "The Bearer credentials carry no token", 400,
     "invalid_request"},
    {errc::bearer_invalid_syntax, "bearer_invalid_syntax", "The bearer token is not a valid b64token", 400,
     "invalid_request"},
    {errc::multiple_token_methods, "multiple_token_methods", "The access token was sent by more than one method", 400,
     "invalid_request"},
    {errc::body_too_large, "body_too_large", "The request body is too large", 413, "invalid_request"},
    {errc::malformed_form_body, "malformed_form_body", "The form-encoded parameters are malformed", 400,
     "invalid_request"},
    {errc::invalid_challenge_value, "invalid_challenge_value",
     "A challenge parameter has a character its syntax does not allow", 500, "server_error"},
    {errc::empty_challenge, "empty_challenge", "A challenge needs at least one parameter", 500, "server_error"},
    {errc::token_too_large, "token_too_large", "The token is too large", 401, "invalid_token"},
    {errc::jws_malformed, "jws_malformed", "The token is not a compact JWS", 401, "invalid_token"},
    {errc::jws_invalid_header, "jws_invalid_header", "The token header is not valid", 401, "invalid_token"},
    {errc::duplicate_member, "duplicate_member", "The token has a duplicate JSON member", 401, "invalid_token"},
    {errc::unsupported_algorithm, "unsupported_algorithm", "The token algorithm is not supported", 401,
     "invalid_token"},
    {errc::unsupported_critical_header, "unsupported_critical_header",
     "The token has a critical header this verifier does not understand", 401, "invalid_token"},
    {errc::unknown_key, "unknown_key", "No key is known for the token", 401, "invalid_token"},
    {errc::ambiguous_key, "ambiguous_key", "More than one key could verify the token", 401, "invalid_token"},
    {errc::algorithm_mismatch, "algorithm_mismatch", "The token algorithm does not match its key", 401,
     "invalid_token"},
    {errc::bad_signature_length, "bad_signature_length", "The token signature has the wrong length", 401,
     "invalid_token"},
    {errc::bad_signature, "bad_signature", "The token signature is not valid", 401, "invalid_token"},
    {errc::invalid_claims, "invalid_claims", "The token claims are not a valid JSON object", 401, "invalid_token"},
    {errc::invalid_claim_type, "invalid_claim_type", "A token claim has the wrong type", 401, "invalid_token"},
    {errc::missing_claim, "missing_claim", "A required token claim is missing", 401, "invalid_token"},
    {errc::wrong_token_type, "wrong_token_type", "The token type is not accepted here", 401, "invalid_token"},
    {errc::wrong_issuer, "wrong_issuer", "The token issuer is not accepted here", 401, "invalid_token"},
    {errc::wrong_audience, "wrong_audience", "The token audience does not include this resource", 401, "invalid_token"},
    {errc::token_expired, "token_expired", "The token expired", 401, "invalid_token"},
    {errc::token_not_yet_valid, "token_not_yet_valid", "The token is not valid yet", 401, "invalid_token"},
    {errc::token_issued_in_future, "token_issued_in_future", "The token was issued in the future", 401,
     "invalid_token"},
    {errc::insufficient_scope, "insufficient_scope", "The token does not grant the required scope", 403,
     "insufficient_scope"},
    {errc::invalid_key, "invalid_key", "The key is not valid", 500, "server_error"},
    {errc::weak_key, "weak_key", "The key is too weak", 500, "server_error"},
    {errc::key_algorithm_mismatch, "key_algorithm_mismatch", "The key does not fit the algorithm", 500, "server_error"},
    {errc::key_use_not_allowed, "key_use_not_allowed", "The key may not be used this way", 500, "server_error"},
    {errc::private_key_not_allowed, "private_key_not_allowed", "A private key was given where a public key is expected",
     500, "server_error"},
    {errc::not_a_signing_key, "not_a_signing_key", "The key cannot sign", 500, "server_error"},
    {errc::invalid_key_set, "invalid_key_set", "The key set is not valid", 500, "server_error"},
    {errc::api_key_malformed, "api_key_malformed", "The API key is malformed", 401, "invalid_token"},
    {errc::api_key_unknown_prefix, "api_key_unknown_prefix", "The API key prefix is not accepted here", 401,
     "invalid_token"},
    {errc::api_key_unsupported_version, "api_key_unsupported_version", "The API key format version is not supported",
     401, "invalid_token"},
    {errc::api_key_bad_checksum, "api_key_bad_checksum", "The API key checksum does not match", 401, "invalid_token"},
    {errc::api_key_not_found, "api_key_not_found", "The API key is not valid", 401, "invalid_token"},
    {errc::api_key_bad_secret, "api_key_bad_secret", "The API key is not valid", 401, "invalid_token"},
    {errc::api_key_revoked, "api_key_revoked", "The API key was revoked", 401, "invalid_token"},
    {errc::api_key_expired, "api_key_expired", "The API key expired", 401, "invalid_token"},
    {errc::api_key_not_yet_valid, "api_key_not_yet_valid", "The API key is not valid yet", 401, "invalid_token"},
    {errc::api_key_prefix_mismatch, "api_key_prefix_mismatch", "The API key prefix does not match its record", 401,
     "invalid_token"},
    {errc::api_key_unknown_pepper, "api_key_unknown_pepper", "The API key record uses an unknown pepper version", 500,
     "server_error"},
    {errc::invalid_configuration, "invalid_configuration", "The configuration was refused", 500, "server_error"},
    {errc::random_failure, "random_failure", "The random generator failed", 500, "server_error"},
    {errc::crypto_failure, "crypto_failure", "A cryptographic operation failed", 500, "server_error"},
};

inline const errc_info* find_errc(std::error_code ec) noexcept
{
    if (ec.category() != error_category()) return nullptr;
    for (const errc_info& i : errc_table)
        if (static_cast<int>(i.code) == ec.value()) return &i;
    return nullptr;
}

class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "apiauth"; }
    std::string message(int ev) const override;
};

}  // namespace detail

inline const std::error_category& error_category() noexcept
{
    static const detail::error_category_impl category;
    return category;
}

inline std::string detail::error_category_impl::message(int ev) const
{
    for (const errc_info& i : errc_table)
        if (static_cast<int>(i.code) == ev) return i.message;
    return "Unknown apiauth error";
}

/** The enumerator name of an apiauth error ("bearer_missing_token"), for
    logs and metrics; "" for success or a code of another category. */
inline std::string_view error_name(std::error_code ec) noexcept
{
    const detail::errc_info* i = ec ? detail::find_errc(ec) : nullptr;
    return i ? i->name : std::string_view{};
}

/** The HTTP status code that answers a request which failed with `ec`.

    400 malformed request (RFC 6750 §3.1 invalid_request), 401 missing or bad
    credentials (RFC 9110 §15.5.2: send a challenge with it), 413 body too
    large, 431 header field too large (RFC 6585 §5), 403 valid credentials
    without the required scope (RFC 6750 §3.1), 500 for failures that are
    the server's own (including keys and policies refused when built). A
    code from another category gives 500, success 200.
*/
inline int http_status(std::error_code ec) noexcept
{
    if (!ec) return 200;
    const detail::errc_info* i = detail::find_errc(ec);
    return i ? i->status : 500;
}

/** The OAuth 2.0 `error` value for `ec`, or "" when none may be sent.

    RFC 6750 §3.1: a request that lacks authentication information
    (no_credentials, unsupported_scheme) gets a challenge with no `error`;
    malformed requests are "invalid_request"; bad tokens "invalid_token".
    Basic decoding failures are "invalid_client" (RFC 6749 §5.2), the only
    OAuth context in which Basic credentials occur. base64 and API key
    errors are "invalid_token" (both occur in bearer credentials); the token
    endpoint reports every client-authentication failure as "invalid_client"
    itself. Server-side failures, and codes of other categories: "server_error".
*/
inline std::string_view oauth_error(std::error_code ec) noexcept
{
    if (!ec) return "";
    const detail::errc_info* i = detail::find_errc(ec);
    return i ? i->oauth : "server_error";
}

}  // namespace apiauth

#endif  // APIAUTH_ERROR_HPP
