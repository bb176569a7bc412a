// apiauth/api_key/verify.hpp — verifying a presented API key against a store (research/api-keys.md
// §8.5).
//
// The same key may be presented whole (X-API-Key, a bearer credential: verify_api_key) or as a
// pair (HTTP Basic user-id/password, OAuth 2.0 client_id/client_secret: verify_api_key_pair,
// verify_basic_api_key). The pair is the token cut at its last '_' but one:
//
//     client-id     = prefix "_" version keyid     ; public: the hint, the logs
//     client-secret = secret checksum              ; exactly 49 B62
//     token         = client-id "_" client-secret
//
// so the verifier and the checksum are those of the single string; the server rebuilds the token
// on the stack (no allocation). Legacy Stormpath pairs (25-character id, 43-character base64
// secret) can be imported and are verified on the pair path only (api_key_options::accept_stormpath).
#ifndef APIAUTH_API_KEY_VERIFY_HPP
#define APIAUTH_API_KEY_VERIFY_HPP

#include <apiauth/api_key/detail/basic.hpp>
#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/detail/verify.hpp>
#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/presented.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/request.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** Verify an API key presented as one string (X-API-Key, a bearer credential).

    Steps, in this order, each stopping at its failure (research/api-keys.md
    §8.5): 1–2 the length and the structure read from the right
    (api_key_malformed); 3 the prefix allow-list (api_key_unknown_prefix);
    4 the version (api_key_unsupported_version); 5 the checksum
    (api_key_bad_checksum) — no store access before this point; 6 the store
    lookup by key id: on a miss the MAC is computed all the same and
    compared against a fixed dummy (api_key_not_found), a store error is
    returned as it is; 7 the record's pepper version(s) are in the ring
    (api_key_unknown_pepper, fail closed); 8 the constant-time comparison with
    the current verifier, then the previous one while now < its deadline
    (api_key_bad_secret); 9 status, only after a match: revoked_at ≤ now
    (api_key_revoked), not_before > now + leeway (api_key_not_yet_valid),
    expires_at ≤ now − leeway (api_key_expired), record prefix ≠ token prefix
    (api_key_prefix_mismatch). invalid_configuration for an empty allow-list
    (without accept_stormpath), a negative leeway or a moved-from ring.
    Every client failure maps to 401 (http_status), unknown id and wrong
    secret alike. No allocation (after the store's own warm-up); no
    exception; thread-safe if the store is.

    Timing: an unknown id costs one HMAC, as does a found record with one
    verifier under one pepper. A found record costs one HMAC more for a
    re-wrapped verifier (wrap_api_key_record) and one or two more for a
    previous verifier (rotate_api_key, within its deadline) under another
    pepper: while such records exist, a caller without the secret can tell
    by timing (about 0.3–0.6 µs) that their key id exists. Key ids are not
    secret (the key's first half: the OAuth client_id, the Basic user-id);
    the secret is never revealed. Finish re-wraps and keep rotation grace
    periods short; rate-limit failures.

    @par BNF
    @code
    token     = prefix "_" version keyid "_" secret checksum
    prefix    = label *( "_" label )            ; 1..32 chars total
    label     = LOWER *15( LOWER / DIGIT )
    version   = "1" ; keyid = 16 B62 ; secret = 43 B62 ; checksum = 6 B62
    @endcode

    @par Specification research/api-keys.md §8.1, §8.5.

    @see verify_api_key_pair, verify_basic_api_key, parse_api_key.
*/
template <api_key_store Store>
result<verified_api_key> verify_api_key(std::string_view token, const Store& store, const pepper_ring& ring,
                                        const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    return detail::verify_token(token, store, ring, opt, obs);
}

/** Verify an API key presented as a pair: Basic user-id and password, or
    OAuth 2.0 client_id and client_secret (after their form-decoding).

    For a v1 key the pair is `client_id = prefix "_" version keyid` and
    `client_secret = secret checksum` (exactly 49 characters; any other cut
    is api_key_malformed); the token `client_id "_" client_secret` is
    rebuilt in a stack buffer, wiped afterwards, and verified exactly as
    verify_api_key does. With opt.accept_stormpath, a pair of a 25-character
    id and a 43-character secret is an imported Stormpath key: structure
    (api_key_malformed), lookup (dummy MAC on a miss, api_key_not_found),
    MAC in the "apikey-legacy:" domain, status — the same steps 6 to 9.
    An empty secret is malformed: there is no optional secret.

    @par BNF
    @code
    client-id     = prefix "_" version keyid
    client-secret = secret checksum             ; 49 B62
    legacy-pair   = 25( DIGIT / UPPER ) , 43 base64 characters without "="
    @endcode

    @par Specification research/api-keys.md §8.5; research/stormpath-protocol.md §4; RFC 6749 §2.3.1.
*/
template <api_key_store Store>
result<verified_api_key> verify_api_key_pair(std::string_view client_id, std::string_view client_secret,
                                             const Store& store, const pepper_ring& ring,
                                             const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    return detail::verify_pair(client_id, client_secret, store, ring, opt, obs);
}

/** Verify the API key sent with HTTP Basic in a request's Authorization field.

    extract_basic (no field: no_credentials; two: duplicate_authorization;
    another scheme: unsupported_scheme; the base64 and Basic errors; a
    token68 longer than 136 characters, which no key pair needs, is
    basic_token_too_large), then verify_api_key_pair on the user-id and
    password, taken as octets (the key grammar admits ASCII only). No
    allocation: the decoded pair is kept in a stack buffer, wiped after use.

    Performance: the form every client sends — one field, "Basic", one SP,
    padded base64 of a v1 pair — is decoded in one pass straight into the
    buffer the token is rebuilt in, and verified if it then has the token's
    structure; anything else takes the general path (detail/basic.hpp). The two paths
    give the same answer for every input (checked by fuzz_api_key).

    @par Example
    @code
    const std::string_view fields[] = {request_authorization_header};
    auto v = apiauth::verify_basic_api_key({.authorization = fields}, store, ring, {.prefixes = allowed});
    if (!v) return reply(apiauth::http_status(v.error()));  // 401 with a Basic challenge
    @endcode

    @par BNF
    @code
    credentials   = "Basic" 1*SP token68          ; token68 = base64 of user-pass (RFC 7617 §2)
    user-pass     = client-id ":" client-secret
    client-id     = prefix "_" version keyid
    client-secret = secret checksum                ; 49 B62
    @endcode

    @par Specification RFC 7617 §2; research/api-keys.md §8.5.
*/
template <api_key_store Store>
result<verified_api_key> verify_basic_api_key(const http::request_view& req, const Store& store,
                                              const pepper_ring& ring, const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    presented_api_key p = detail::presented_access::make();
    if (auto e = detail::present_basic(p, req, ring, opt, obs)) return e;
    result<std::shared_ptr<const api_key_record>> found = store.lookup(p.key_id());
    if (p.format() == api_key_format::stormpath) return detail::finish_stormpath(p, found, ring, opt, obs);
    return detail::finish_v1(p, found, ring, opt, obs);
}

/** The first of the two I/O-free steps of verify_api_key, for a server that awaits its store.

    Checks the token as verify_api_key does up to the lookup — the policy
    (invalid_configuration), length and structure (api_key_malformed), the prefix
    allow-list (api_key_unknown_prefix), the version (api_key_unsupported_version),
    the checksum (api_key_bad_checksum) — and returns the key, copied into the
    result, whose key_id() the store is then asked about. No allocation, no I/O.

    @par Example
    @code
    auto key = apiauth::present_api_key(token, ring, opt);
    if (!key) return reply(apiauth::http_status(key.error()));
    auto found = co_await store.lookup(key->key_id());       // the server's own store
    if (!found) return reply(500);                              // an outage fails closed
    auto v = apiauth::verify_presented_api_key(*key, *found, ring, opt);
    @endcode

    @par Specification research/api-keys.md §8.5 steps 1 to 5.
*/
inline result<presented_api_key> present_api_key(std::string_view token, const pepper_ring& ring,
                                                 const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    presented_api_key p = detail::presented_access::make();
    if (auto e = detail::present_token(p, token, ring, opt, obs)) return e;
    return p;
}

/** The first step of verify_api_key_pair: the pair checked as verify_api_key_pair does up to
    the lookup (a Stormpath pair, with accept_stormpath, for its shape only). No allocation.

    @par Specification research/api-keys.md §8.5 steps 1 to 5; RFC 6749 §2.3.1.
*/
inline result<presented_api_key> present_api_key_pair(std::string_view client_id, std::string_view client_secret,
                                                      const pepper_ring& ring, const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    presented_api_key p = detail::presented_access::make();
    if (auto e = detail::present_pair(p, client_id, client_secret, ring, opt, obs)) return e;
    return p;
}

/** The first step of verify_basic_api_key: the Authorization field read and the pair checked as
    verify_basic_api_key does up to the lookup. The pair is decoded into the result's own
    buffer (wiped when it is destroyed), so the request need not outlive the lookup.

    @par Specification RFC 7617 §2; research/api-keys.md §8.5 steps 1 to 5.
*/
inline result<presented_api_key> present_basic_api_key(const http::request_view& req, const pepper_ring& ring,
                                                       const api_key_options& opt) noexcept
{
    detail::no_observer obs;
    presented_api_key p = detail::presented_access::make();
    if (auto e = detail::present_basic(p, req, ring, opt, obs)) return e;
    return p;
}

/** The second I/O-free step: `key` (from one of the present_* functions) against the record
    the store returned for key.key_id(), or a null pointer if it has none.

    On a null record the MAC is computed all the same, against a dummy, and the answer is
    api_key_not_found; otherwise the pepper version(s), the constant-time comparison and the
    status are checked, with the errors and the rehash of verify_api_key. If the store failed,
    return its error instead of calling this (fail closed). Pass the ring and options of the
    first step. No allocation, no exception.

    @par Specification research/api-keys.md §8.5 steps 6 to 9.
*/
inline result<verified_api_key> verify_presented_api_key(const presented_api_key& key,
                                                         std::shared_ptr<const api_key_record> record,
                                                         const pepper_ring& ring, const api_key_options& opt) noexcept
{
    if (auto e = detail::check_policy(ring, opt)) return e;
    detail::no_observer obs;
    return detail::finish_presented(key, std::move(record), ring, opt, obs);
}

/** Whether a stored key is active at opt's time (opt.now, else the clock), as verification
    checks it once the secret matched (step 9): revoked_at ≤ now (api_key_revoked), not_before
    > now + leeway (api_key_not_yet_valid), expires_at ≤ now − leeway (api_key_expired); empty
    when it is active. No secret is checked: this says whether the key would be accepted, not
    that anyone holds it (oauth2::check_token_key checks the same for the key an access token
    was issued to). invalid_configuration for a leeway outside 0 to
    max_api_key_leeway. Compared in whole seconds. Never throws.

    @par Specification research/api-keys.md §8.5 step 9.
*/
inline std::error_code api_key_status(const api_key_record& record, const api_key_options& opt = {}) noexcept
{
    if (opt.leeway.count() < 0 || opt.leeway > max_api_key_leeway) return errc::invalid_configuration;
    return detail::record_status(record, std::chrono::floor<std::chrono::seconds>(detail::verification_time(opt)),
                                 opt.leeway);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_VERIFY_HPP
