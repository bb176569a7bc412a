// apiauth/error.hpp — error codes, result<T>, and the HTTP answer for each error.
#ifndef APIAUTH_ERROR_HPP
#define APIAUTH_ERROR_HPP

#include <apiauth/config.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

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
    form_invalid_utf8,           ///< a form name or value does not decode to UTF-8 (RFC 6749 App. B)

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
    key_alg_missing,       ///< a JWK without "alg" whose algorithm cannot be implied: bind one (jwk_options::alg)
    unsupported_key_type,  ///< a JWK kty other than oct, RSA, EC, OKP (RFC 7518 §6.1)
    json_invalid_utf8,     ///< JSON to be written holds a string that is not valid UTF-8

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

    // ---- OAuth 2.0 endpoints (RFC 6749 §2.3, §3.2, §3.3, §5.2; RFC 7009; RFC 7662; RFC 8707) ----
    method_not_allowed = 700,  ///< not POST (RFC 6749 §3.2): 405 with `Allow: POST`
    unsupported_media_type,    ///< body not application/x-www-form-urlencoded (RFC 6749 §3.2, App. B)
    credentials_in_query,  ///< client_secret, client_id or a token to revoke or introspect in the request URI (RFC 6749
                           ///< §2.3.1, RFC 7009 §2.1)
    multiple_client_authentication,  ///< more than one client authentication method (RFC 6749 §2.3)
    client_id_mismatch,              ///< body client_id differs from the Basic user-id (RFC 6749 §3.2.1)
    missing_parameter,               ///< a required parameter (grant_type, token) is absent or empty (§3.2)
    unsupported_grant_type,          ///< grant_type not supported here (RFC 6749 §5.2)
    unauthorized_client,             ///< the client may not use this grant type (RFC 6749 §5.2)
    invalid_scope_syntax,            ///< scope not `scope-token *( SP scope-token )` (RFC 6749 §3.3)
    too_many_scopes,                 ///< more scope tokens or octets than the bound
    scope_not_allowed,               ///< a requested scope is outside the client's allowed set (RFC 6749 §3.3)
    invalid_target,                  ///< resource not an absolute URI without fragment (RFC 8707 §2)
    client_secret_missing,           ///< client_id without client_secret (RFC 6749 §2.3.1: confidential clients)
    token_revoked,                   ///< the access token's jti was revoked (RFC 7009)
    store_unavailable,               ///< a store could not answer: fail closed (503)
    resource_not_allowed,            ///< a resource (RFC 8707) this endpoint or client may not have tokens for
    token_key_unknown,        ///< the API key an access token was issued to (its `sub`) is no longer in the store
    token_key_revoked,        ///< the API key an access token was issued to was disabled (revoked_at reached)
    token_key_expired,        ///< the API key an access token was issued to has expired (expires_at, plus leeway)
    token_key_not_yet_valid,  ///< the API key an access token was issued to is before its not_before
    token_key_not_accepted,   ///< the API key an access token was issued to has a prefix (or format) no longer accepted

    // ---- ID Site (research/stormpath-protocol.md §1-§3) -------------------
    nonce_replayed = 800,                 ///< a jti or irt this side did not issue, already used, or expired (replay)
    state_mismatch,                       ///< the callback's state differs from the one the application expects
    callback_uri_not_allowed,             ///< cb_uri is not one of the application's registered callback URIs
    unknown_application,                  ///< no application is registered for the request's key id (iss)
    id_site_token_expired,                ///< ID Site error 10011: the request token expired
    id_site_token_issued_in_future,       ///< ID Site error 10012: the request's iat is after the login site's time
    id_site_organization_not_found,       ///< ID Site error 11001: no organization has that nameKey
    id_site_organization_disabled,        ///< ID Site error 11002: the organization is disabled
    id_site_organization_not_mapped,      ///< ID Site error 11003: the organization is not an account store of the
                                          ///< application
    id_site_organization_name_key_empty,  ///< ID Site error 11004: the onk claim is null or empty
    id_site_token_reused,                 ///< ID Site error 11005: the request's jti was already used
    id_site_session_timed_out,            ///< ID Site error 12001: the session on the login site timed out
    id_site_error,  ///< an ID Site error code apiauth does not know (its message is in the details)

    // ---- OpenSSL --------------------------------------------------------
    random_failure = 900,  ///< RAND_bytes failed
    crypto_failure,        ///< an OpenSSL call failed for a reason other than the input

    // ---- API key management (stores/api_key_admin.hpp) -------------------
    key_unknown = 1000,  ///< a management operation names a key id no record has
    key_owner_mismatch,  ///< the key belongs to another owner (answered as key_unknown would be)
    key_conflict,        ///< the key id is taken, or the record changed while the operation ran

    // ---- OpenID Connect and OAuth 2.0 clients (oidc/) -----------------------
    provider_error = 1100,      ///< the provider answered with an error (RFC 6749 §4.1.2.1, §5.2; details beside)
    invalid_token_response,     ///< the provider's token response is malformed (RFC 6749 §5.1)
    unsupported_token_type,     ///< the provider's token_type is not Bearer (RFC 6749 §7.1)
    provider_unavailable,       ///< the provider could not answer (a 5xx)
    nonce_mismatch,             ///< the ID token's nonce differs from the one sent (OIDC Core §3.1.3.7 step 11)
    azp_mismatch,               ///< the ID token's azp is not this client (OIDC Core §3.1.3.7 step 5)
    at_hash_mismatch,           ///< the ID token's at_hash does not match the access token (OIDC Core §3.2.2.9)
    invalid_provider_metadata,  ///< the provider metadata is malformed or names another issuer (Discovery §4.3)
    subject_mismatch,           ///< the user information is about another subject (OIDC Core §5.3.2)
    acr_not_satisfied,  ///< the ID token's acr is not one of the acr_values asked for (OIDC Core §3.1.3.7 step 12)
    refreshed_id_token_mismatch,  ///< a refreshed ID token differs from the original in iss, sub, aud, azp,
                                  ///< auth_time or nonce, or is older (OIDC Core §12.2)
    auth_time_too_old,  ///< the user logged in longer ago than the max_age asked for: ask again with prompt=login
                        ///< (OIDC Core §3.1.3.7 step 13)
};

/** Where a request met an error. The same failure is answered differently at each:
    `http_status(ec, ep)` and `oauth_error(ec, ep)` give the answer, from one
    table in this header that no flow writes again.

    At revocation and introspection the table answers for the request and the
    caller's own authentication. A token *parameter* that fails verification is
    not an error there (RFC 7009 §2.2: 200; RFC 7662 §2.2: `{"active":false}`),
    so a flow never asks this table about it.
*/
enum class endpoint {
    resource,          ///< a protected resource: RFC 6750 §3 (Bearer) and Basic API keys
    token,             ///< the token endpoint: RFC 6749 §5.2
    revocation,        ///< the revocation endpoint: RFC 7009 §2.2.1 (client authentication as at the token endpoint)
    introspection,     ///< the introspection endpoint: RFC 7662 §2.3 (client authentication, or a bearer token)
    id_site_callback,  ///< the application's ID Site callback: a browser is redirected there; no OAuth error body
    oidc_callback,     ///< an OAuth 2.0 / OpenID Connect client's redirect URI: a browser; no OAuth error body
};

/** The `std::error_category` of `errc`; its name is "apiauth". */
inline const std::error_category& error_category() noexcept;

/// The std::error_code of `e` (found by ADL, so that `std::error_code ec = errc::x;` works).
inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

template <> struct std::is_error_code_enum<apiauth::errc> : std::true_type {
};

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

namespace detail {

// What kind of failure an error is. The answer to a request depends on the
// kind and on the endpoint, not on the individual error: every error of a
// kind is answered alike, so the answer leaks no more than the kind.
enum class failure : unsigned char {
    request,             // the request is malformed (RFC 6749 §5.2, RFC 6750 §3.1 invalid_request)
    header_too_large,    // a header field over its bound (RFC 6585 §5)
    body_too_large,      // the body over its bound (RFC 9110 §15.5.14)
    no_credentials,      // no credentials of a scheme accepted here (RFC 6750 §3.1)
    client_credentials,  // Basic credentials that cannot be decoded (RFC 7617, RFC 6749 §2.3.1)
    encoding,            // base64 that is not strict: in Basic credentials or in a JWS segment
    api_key,             // an API key, or an API key pair as client credentials, was refused
    token,               // a bearer token (JWS/JWT) was refused
    scope,               // valid credentials without the scope asked for
    method,              // an OAuth endpoint asked with a method other than POST (RFC 6749 §3.2)
    grant_type,          // a grant type the token endpoint does not support (RFC 6749 §5.2)
    unauthorized,        // an authenticated client not allowed this grant or operation (RFC 6749 §5.2)
    requested_scope,     // the scope a client asked for is malformed or not allowed (RFC 6749 §3.3)
    target,              // a resource indicator that cannot be used (RFC 8707 §2)
    unavailable,         // a store or service the decision needs could not answer: fail closed
    server,              // the server's own failure: configuration, keys, OpenSSL, another category
    count_
};

// The answer to one kind of failure at one endpoint: the HTTP status and the
// OAuth 2.0 `error` value ("" when none may be sent).
struct answer {
    int status;
    std::string_view oauth;
};

inline constexpr std::size_t endpoint_count = 6;

// Rows: failure kinds in the order above. Columns: resource, token, revocation,
// introspection, id_site_callback, oidc_callback.
// - Resource (RFC 6750 §3.1): only invalid_request, invalid_token and
//   insufficient_scope may be sent; a request without Bearer credentials gets
//   none, and a Basic challenge has no error parameter at all.
// - Token, revocation, introspection (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7662
//   §2.3): every failure of client authentication is invalid_client with 401
//   (the client used the Authorization header, so a challenge goes with it);
//   a refused JWT presented as a grant is invalid_grant; a scope is invalid_scope.
// - Callbacks: a browser arrives there. No OAuth error body, and never a 401,
//   which would need a challenge (RFC 9110 §15.5.2): a refused callback is 400.
inline constexpr answer answers[static_cast<std::size_t>(failure::count_)][endpoint_count] = {
    /* request            */ {{400, "invalid_request"},
                              {400, "invalid_request"},
                              {400, "invalid_request"},
                              {400, "invalid_request"},
                              {400, ""},
                              {400, ""}},
    /* header_too_large   */
    {{431, "invalid_request"},
     {431, "invalid_request"},
     {431, "invalid_request"},
     {431, "invalid_request"},
     {431, ""},
     {431, ""}},
    /* body_too_large     */
    {{413, "invalid_request"},
     {413, "invalid_request"},
     {413, "invalid_request"},
     {413, "invalid_request"},
     {413, ""},
     {413, ""}},
    /* no_credentials     */
    {{401, ""}, {401, "invalid_client"}, {401, "invalid_client"}, {401, "invalid_client"}, {400, ""}, {400, ""}},
    /* client_credentials */
    {{401, ""}, {401, "invalid_client"}, {401, "invalid_client"}, {401, "invalid_client"}, {400, ""}, {400, ""}},
    /* encoding           */
    {{401, "invalid_token"},
     {401, "invalid_client"},
     {401, "invalid_client"},
     {401, "invalid_client"},
     {400, ""},
     {400, ""}},
    /* api_key            */
    {{401, "invalid_token"},
     {401, "invalid_client"},
     {401, "invalid_client"},
     {401, "invalid_client"},
     {400, ""},
     {400, ""}},
    /* token              */
    {{401, "invalid_token"},
     {400, "invalid_grant"},
     {401, "invalid_token"},
     {401, "invalid_token"},
     {400, ""},
     {400, ""}},
    /* scope              */
    {{403, "insufficient_scope"},
     {400, "invalid_scope"},
     {403, "insufficient_scope"},
     {403, "insufficient_scope"},
     {400, ""},
     {400, ""}},
    /* method             */
    {{405, ""}, {405, "invalid_request"}, {405, "invalid_request"}, {405, "invalid_request"}, {405, ""}, {405, ""}},
    /* grant_type         */
    {{400, "invalid_request"},
     {400, "unsupported_grant_type"},
     {400, "invalid_request"},
     {400, "invalid_request"},
     {400, ""},
     {400, ""}},
    /* unauthorized       */
    {{403, ""},
     {400, "unauthorized_client"},
     {400, "unauthorized_client"},
     {400, "unauthorized_client"},
     {400, ""},
     {400, ""}},
    /* requested_scope    */
    {{400, "invalid_request"},
     {400, "invalid_scope"},
     {400, "invalid_request"},
     {400, "invalid_request"},
     {400, ""},
     {400, ""}},
    /* target             */
    {{400, "invalid_request"},
     {400, "invalid_target"},
     {400, "invalid_request"},
     {400, "invalid_request"},
     {400, ""},
     {400, ""}},
    /* unavailable        */
    {{503, ""}, {503, "server_error"}, {503, "server_error"}, {503, "server_error"}, {503, ""}, {503, ""}},
    /* server             */
    {{500, ""}, {500, "server_error"}, {500, "server_error"}, {500, "server_error"}, {500, ""}, {500, ""}},
};

// What apiauth says about each error, in one place: its name, its message and
// its kind of failure (which, with the endpoint, gives the HTTP answer). A new
// errc gets one row here; tests/error_test.cpp lists every code with the
// answer it expects at every endpoint.
struct errc_info {
    errc code;
    std::string_view name;
    const char* message;
    failure kind;
};

inline constexpr errc_info errc_table[] = {
    {errc::no_credentials, "no_credentials", "No credentials were sent", failure::no_credentials},
    {errc::unsupported_scheme, "unsupported_scheme", "The authentication scheme is not supported here",
     failure::no_credentials},
    {errc::duplicate_authorization, "duplicate_authorization", "More than one Authorization header field was sent",
     failure::request},
    {errc::header_too_large, "header_too_large", "The header field value is too large", failure::header_too_large},
    {errc::invalid_field_value, "invalid_field_value", "The header field value contains a control character",
     failure::request},
    {errc::malformed_credentials, "malformed_credentials", "The credentials are malformed", failure::request},
    {errc::duplicate_parameter, "duplicate_parameter", "A parameter occurs more than once", failure::request},
    {errc::too_many_parameters, "too_many_parameters", "Too many parameters", failure::request},
    {errc::malformed_challenge, "malformed_challenge", "The challenge is malformed", failure::request},
    {errc::base64_invalid_character, "base64_invalid_character",
     "The base64 data contains a character outside its alphabet", failure::encoding},
    {errc::base64_invalid_length, "base64_invalid_length", "The base64 data has an impossible length",
     failure::encoding},
    {errc::base64_invalid_padding, "base64_invalid_padding", "The base64 padding is missing, misplaced or not allowed",
     failure::encoding},
    {errc::base64_noncanonical, "base64_noncanonical", "The base64 data has non-zero pad bits", failure::encoding},
    {errc::buffer_too_small, "buffer_too_small", "The output buffer is too small", failure::server},
    {errc::basic_missing_token, "basic_missing_token", "Basic credentials need exactly one token68",
     failure::client_credentials},
    {errc::basic_missing_colon, "basic_missing_colon", "The Basic user-pass has no colon", failure::client_credentials},
    {errc::basic_control_character, "basic_control_character",
     "The Basic user-id or password contains a control character", failure::client_credentials},
    {errc::basic_invalid_utf8, "basic_invalid_utf8", "The Basic user-id or password is not valid UTF-8",
     failure::client_credentials},
    {errc::basic_invalid_form_encoding, "basic_invalid_form_encoding",
     "The client credentials are not valid form encoding", failure::client_credentials},
    {errc::basic_colon_in_user_id, "basic_colon_in_user_id", "A Basic user-id cannot contain a colon", failure::server},
    {errc::basic_token_too_large, "basic_token_too_large", "The Basic credentials are too large",
     failure::client_credentials},
    {errc::bearer_missing_token, "bearer_missing_token", "The Bearer credentials carry no token", failure::request},
    {errc::bearer_invalid_syntax, "bearer_invalid_syntax", "The bearer token is not a valid b64token",
     failure::request},
    {errc::multiple_token_methods, "multiple_token_methods", "The access token was sent by more than one method",
     failure::request},
    {errc::body_too_large, "body_too_large", "The request body is too large", failure::body_too_large},
    {errc::malformed_form_body, "malformed_form_body", "The form-encoded parameters are malformed", failure::request},
    {errc::form_invalid_utf8, "form_invalid_utf8", "A form-encoded parameter is not valid UTF-8", failure::request},
    {errc::invalid_challenge_value, "invalid_challenge_value",
     "A challenge parameter has a character its syntax does not allow", failure::server},
    {errc::empty_challenge, "empty_challenge", "A challenge needs at least one parameter", failure::server},
    {errc::token_too_large, "token_too_large", "The token is too large", failure::token},
    {errc::jws_malformed, "jws_malformed", "The token is not a compact JWS", failure::token},
    {errc::jws_invalid_header, "jws_invalid_header", "The token header is not valid", failure::token},
    {errc::duplicate_member, "duplicate_member", "The token has a duplicate JSON member", failure::token},
    {errc::unsupported_algorithm, "unsupported_algorithm", "The token algorithm is not supported", failure::token},
    {errc::unsupported_critical_header, "unsupported_critical_header",
     "The token has a critical header this verifier does not understand", failure::token},
    {errc::unknown_key, "unknown_key", "No key is known for the token", failure::token},
    {errc::ambiguous_key, "ambiguous_key", "More than one key could verify the token", failure::token},
    {errc::algorithm_mismatch, "algorithm_mismatch", "The token algorithm does not match its key", failure::token},
    {errc::bad_signature_length, "bad_signature_length", "The token signature has the wrong length", failure::token},
    {errc::bad_signature, "bad_signature", "The token signature is not valid", failure::token},
    {errc::invalid_claims, "invalid_claims", "The token claims are not a valid JSON object", failure::token},
    {errc::invalid_claim_type, "invalid_claim_type", "A token claim has the wrong type", failure::token},
    {errc::missing_claim, "missing_claim", "A required token claim is missing", failure::token},
    {errc::wrong_token_type, "wrong_token_type", "The token type is not accepted here", failure::token},
    {errc::wrong_issuer, "wrong_issuer", "The token issuer is not accepted here", failure::token},
    {errc::wrong_audience, "wrong_audience", "The token audience does not include this resource", failure::token},
    {errc::token_expired, "token_expired", "The token expired", failure::token},
    {errc::token_not_yet_valid, "token_not_yet_valid", "The token is not valid yet", failure::token},
    {errc::token_issued_in_future, "token_issued_in_future", "The token was issued in the future", failure::token},
    {errc::insufficient_scope, "insufficient_scope", "The token does not grant the required scope", failure::scope},
    {errc::invalid_key, "invalid_key", "The key is not valid", failure::server},
    {errc::weak_key, "weak_key", "The key is too weak", failure::server},
    {errc::key_algorithm_mismatch, "key_algorithm_mismatch", "The key does not fit the algorithm", failure::server},
    {errc::key_use_not_allowed, "key_use_not_allowed", "The key may not be used this way", failure::server},
    {errc::private_key_not_allowed, "private_key_not_allowed", "A private key was given where a public key is expected",
     failure::server},
    {errc::not_a_signing_key, "not_a_signing_key", "The key cannot sign", failure::server},
    {errc::invalid_key_set, "invalid_key_set", "The key set is not valid", failure::server},
    {errc::key_alg_missing, "key_alg_missing",
     "The JWK has no alg and its algorithm cannot be implied; bind one with jwk_options alg or the CLI option --alg",
     failure::server},
    {errc::unsupported_key_type, "unsupported_key_type", "The JWK key type is not supported", failure::server},
    {errc::json_invalid_utf8, "json_invalid_utf8", "A JSON string to be written is not valid UTF-8", failure::server},
    {errc::api_key_malformed, "api_key_malformed", "The API key is malformed", failure::api_key},
    {errc::api_key_unknown_prefix, "api_key_unknown_prefix", "The API key prefix is not accepted here",
     failure::api_key},
    {errc::api_key_unsupported_version, "api_key_unsupported_version", "The API key format version is not supported",
     failure::api_key},
    {errc::api_key_bad_checksum, "api_key_bad_checksum", "The API key checksum does not match", failure::api_key},
    {errc::api_key_not_found, "api_key_not_found", "The API key is not valid", failure::api_key},
    {errc::api_key_bad_secret, "api_key_bad_secret", "The API key is not valid", failure::api_key},
    {errc::api_key_revoked, "api_key_revoked", "The API key was revoked", failure::api_key},
    {errc::api_key_expired, "api_key_expired", "The API key expired", failure::api_key},
    {errc::api_key_not_yet_valid, "api_key_not_yet_valid", "The API key is not valid yet", failure::api_key},
    {errc::api_key_prefix_mismatch, "api_key_prefix_mismatch", "The API key prefix does not match its record",
     failure::api_key},
    {errc::api_key_unknown_pepper, "api_key_unknown_pepper", "The API key record uses an unknown pepper version",
     failure::server},
    {errc::invalid_configuration, "invalid_configuration", "The configuration was refused", failure::server},
    {errc::method_not_allowed, "method_not_allowed", "The method must be POST", failure::method},
    {errc::unsupported_media_type, "unsupported_media_type",
     "The request body must be application/x-www-form-urlencoded", failure::request},
    {errc::credentials_in_query, "credentials_in_query",
     "Credentials (client credentials, a token) must not be sent in the request URI", failure::request},
    {errc::multiple_client_authentication, "multiple_client_authentication",
     "The client used more than one authentication method", failure::request},
    {errc::client_id_mismatch, "client_id_mismatch", "The client_id parameter differs from the authenticated client",
     failure::request},
    {errc::missing_parameter, "missing_parameter", "A required parameter is missing", failure::request},
    {errc::unsupported_grant_type, "unsupported_grant_type", "The grant type is not supported", failure::grant_type},
    {errc::unauthorized_client, "unauthorized_client", "The client is not allowed to use this grant type",
     failure::unauthorized},
    {errc::invalid_scope_syntax, "invalid_scope_syntax", "The scope is malformed", failure::requested_scope},
    {errc::too_many_scopes, "too_many_scopes", "The scope has too many values", failure::requested_scope},
    {errc::scope_not_allowed, "scope_not_allowed", "The requested scope is not allowed for this client",
     failure::requested_scope},
    {errc::invalid_target, "invalid_target", "The resource must be an absolute URI without a fragment",
     failure::target},
    {errc::client_secret_missing, "client_secret_missing", "The client credentials are not valid",
     failure::client_credentials},
    {errc::token_revoked, "token_revoked", "The access token was revoked", failure::token},
    {errc::store_unavailable, "store_unavailable", "A store could not answer", failure::unavailable},
    {errc::resource_not_allowed, "resource_not_allowed", "The requested resource is not one this client may use",
     failure::target},
    {errc::token_key_unknown, "token_key_unknown", "The API key the access token was issued to no longer exists",
     failure::token},
    {errc::token_key_revoked, "token_key_revoked", "The API key the access token was issued to was disabled",
     failure::token},
    {errc::token_key_expired, "token_key_expired", "The API key the access token was issued to has expired",
     failure::token},
    {errc::token_key_not_yet_valid, "token_key_not_yet_valid",
     "The API key the access token was issued to is not valid yet", failure::token},
    {errc::token_key_not_accepted, "token_key_not_accepted",
     "The API key the access token was issued to is no longer accepted here", failure::token},
    {errc::nonce_replayed, "nonce_replayed", "The identifier was not issued here, was already used, or expired",
     failure::token},
    {errc::state_mismatch, "state_mismatch", "The state differs from the one expected", failure::token},
    {errc::callback_uri_not_allowed, "callback_uri_not_allowed", "The callback URI is not registered",
     failure::request},
    {errc::unknown_application, "unknown_application", "No application is registered for the key id", failure::token},
    {errc::id_site_token_expired, "id_site_token_expired", "The login site says the request token expired",
     failure::token},
    {errc::id_site_token_issued_in_future, "id_site_token_issued_in_future",
     "The login site says the request token was issued in the future", failure::token},
    {errc::id_site_organization_not_found, "id_site_organization_not_found",
     "The login site found no organization with that name key", failure::token},
    {errc::id_site_organization_disabled, "id_site_organization_disabled",
     "The login site says the organization is disabled", failure::token},
    {errc::id_site_organization_not_mapped, "id_site_organization_not_mapped",
     "The login site says the organization is not an account store of the application", failure::token},
    {errc::id_site_organization_name_key_empty, "id_site_organization_name_key_empty",
     "The login site says the organization name key is empty", failure::token},
    {errc::id_site_token_reused, "id_site_token_reused", "The login site says the request token was already used",
     failure::token},
    {errc::id_site_session_timed_out, "id_site_session_timed_out", "The session on the login site timed out",
     failure::token},
    {errc::id_site_error, "id_site_error", "The login site answered with an error", failure::token},
    {errc::random_failure, "random_failure", "The random generator failed", failure::server},
    {errc::crypto_failure, "crypto_failure", "A cryptographic operation failed", failure::server},
    // Management errors reach no protocol endpoint: a management API answers them itself
    // (404 for key_unknown and key_owner_mismatch alike, 409 for key_conflict).
    {errc::key_unknown, "key_unknown", "No API key has that id", failure::server},
    {errc::key_owner_mismatch, "key_owner_mismatch", "No API key has that id for this owner", failure::server},
    {errc::key_conflict, "key_conflict", "The API key id is taken or the key changed meanwhile", failure::server},
    {errc::provider_error, "provider_error", "The provider answered with an error", failure::token},
    {errc::invalid_token_response, "invalid_token_response", "The provider's token response is malformed",
     failure::server},
    {errc::unsupported_token_type, "unsupported_token_type", "The provider's token type is not Bearer",
     failure::server},
    {errc::provider_unavailable, "provider_unavailable", "The provider could not answer", failure::unavailable},
    {errc::nonce_mismatch, "nonce_mismatch", "The ID token's nonce differs from the one sent", failure::token},
    {errc::azp_mismatch, "azp_mismatch", "The ID token's authorized party is not this client", failure::token},
    {errc::at_hash_mismatch, "at_hash_mismatch", "The ID token does not match the access token", failure::token},
    {errc::invalid_provider_metadata, "invalid_provider_metadata", "The provider metadata is not valid",
     failure::server},
    {errc::subject_mismatch, "subject_mismatch", "The user information is about another subject", failure::token},
    {errc::acr_not_satisfied, "acr_not_satisfied", "The authentication context is not one asked for", failure::token},
    {errc::refreshed_id_token_mismatch, "refreshed_id_token_mismatch",
     "The refreshed ID token does not match the original", failure::token},
    {errc::auth_time_too_old, "auth_time_too_old", "The user logged in longer ago than the request allows",
     failure::token},
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

namespace detail {
inline const answer& answer_for(std::error_code ec, endpoint ep) noexcept
{
    const errc_info* i = find_errc(ec);
    const failure k = i ? i->kind : failure::server;
    auto e = static_cast<std::size_t>(ep);
    if (e >= endpoint_count) e = 0;
    return answers[static_cast<std::size_t>(k)][e];
}
}  // namespace detail

/** The HTTP status code that answers a request which failed with `ec` at `ep`.

    At a resource: 400 malformed request (RFC 6750 §3.1), 401 missing or bad
    credentials (send a challenge with it, RFC 9110 §15.5.2), 403 valid
    credentials without the scope (RFC 6750 §3.1), 413 body and 431 header
    field too large (RFC 6585 §5), 500 the server's own failure (keys and
    policies refused when built, OpenSSL, a code of another category). At the
    token endpoint a refused grant or scope is 400 and client authentication
    401 (RFC 6749 §5.2); at a callback a refused request is 400, never 401.
    Success is 200.
*/
inline int http_status(std::error_code ec, endpoint ep = endpoint::resource) noexcept
{
    if (!ec) return 200;
    return detail::answer_for(ec, ep).status;
}

/** The OAuth 2.0 `error` value that answers `ec` at `ep`, or "" when none may be sent.

    At a resource (RFC 6750 §3.1): "invalid_request", "invalid_token" or
    "insufficient_scope"; nothing for a request without Bearer credentials,
    for refused Basic credentials (a Basic challenge has no error parameter)
    or for the server's own failures. At the token, revocation and
    introspection endpoints (RFC 6749 §5.2, RFC 7009, RFC 7662): every failure
    of client authentication is "invalid_client", a refused JWT grant
    "invalid_grant", a scope "invalid_scope", the server's own failures
    "server_error". At a callback: nothing, since a browser is answered.
*/
inline std::string_view oauth_error(std::error_code ec, endpoint ep = endpoint::resource) noexcept
{
    if (!ec) return "";
    return detail::answer_for(ec, ep).oauth;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_ERROR_HPP
