// apiauth/oidc/refresh.hpp — the ID token a refresh returns, checked against the one of the
// original authentication (OpenID Connect Core §12.2). The refresh request itself is
// build_refresh_request in token.hpp; its answer is read by parse_token_response.
#ifndef APIAUTH_OIDC_REFRESH_HPP
#define APIAUTH_OIDC_REFRESH_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>
#include <apiauth/oidc/id_token.hpp>

#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {

// True when every audience of `a` is one of `b`'s (RFC 7519 §4.1.3: a set of strings).
template <class List> bool audiences_within(const List& a, const List& b) noexcept
{
    for (const std::string_view x : a) {
        bool found = false;
        for (const std::string_view y : b) found = found || x == y;
        if (!found) return false;
    }
    return true;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** Check an ID token returned by a refresh against the ID token of the
    original authentication (OpenID Connect Core §12.2). Both must already be
    validated by id_token_verifier: `original` as at login (with its nonce),
    `refreshed` with no nonce expected (a refresh sends none) and no max_age
    (its auth_time is the original's, §12.2), and with the new access token
    for at_hash. Returns no error when the refreshed token may replace the
    original; refreshed_id_token_mismatch otherwise.

    Order, each rule of §12.2 (errata set 2):
    - `iss` the same;
    - `iat` not before the original's (it is the new token's issue time; an
      older token is a stale one replayed; the same second is allowed, as a
      refresh right after the login has it);
    - `sub` the same (the same user: never switch accounts on a refresh);
    - `aud` the same set of audiences (order and repetition aside);
    - `auth_time`, when the refreshed token has one, present in the original
      and equal ("the time of the original authentication - not the time that
      the new ID token is issued"; an original without one gives nothing it
      could be shown equal to, so that is a mismatch too);
    - `azp` absent in both or equal (errata set 2 leaves this rule to
      extensions; id_token_verifier already holds any `azp` to client_id, and
      a token that gains or loses one is refused here);
    - `nonce`: a refreshed token SHOULD NOT carry one; one that does must carry
      the original's (present in the original, equal, compared in constant
      time).
    `exp` is not compared (id_token_verifier has checked it).

    Performance contract: no allocation; linear in the sizes of the values,
    quadratic in the number of audiences (a handful). Thread-safe: reads only.

    @par Example
    @code
    auto fresh = oidc::parse_token_response(status, content_type, body, &details);
    if (fresh && !fresh->id_token.empty()) {
        auto t = verifier.verify(fresh->id_token, {.access_token = fresh->access_token});
        if (!t) return t.error();
        if (auto ec = oidc::check_refreshed_id_token(original, *t)) return ec;
        original = std::move(*t);
    }
    @endcode
    @par Specification OpenID Connect Core 1.0 (errata set 2) §12.2; §2 (iss, sub, aud, auth_time,
    azp, nonce).
    @see build_refresh_request, id_token_verifier.
*/
inline std::error_code check_refreshed_id_token(const id_token& original, const id_token& refreshed) noexcept
{
    if (refreshed.issuer() != original.issuer()) return errc::refreshed_id_token_mismatch;
    // iat is the new token's issue time: never before the original's (a stale token replayed).
    if (*refreshed.claims().iat() < *original.claims().iat()) return errc::refreshed_id_token_mismatch;
    if (refreshed.subject() != original.subject()) return errc::refreshed_id_token_mismatch;
    const auto aud = refreshed.claims().aud();
    const auto original_aud = original.claims().aud();
    if (!detail::oidc::audiences_within(aud, original_aud) || !detail::oidc::audiences_within(original_aud, aud))
        return errc::refreshed_id_token_mismatch;
    if (const auto t = refreshed.auth_time()) {
        const auto o = original.auth_time();
        if (!o || *o != *t) return errc::refreshed_id_token_mismatch;
    }
    if (refreshed.azp() != original.azp()) return errc::refreshed_id_token_mismatch;
    if (const auto n = refreshed.nonce()) {
        const auto o = original.nonce();
        if (!o || !crypto::equal(detail::as_bytes(*n), detail::as_bytes(*o))) return errc::refreshed_id_token_mismatch;
    }
    return {};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_REFRESH_HPP
