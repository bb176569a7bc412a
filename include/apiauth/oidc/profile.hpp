// apiauth/oidc/profile.hpp — one normalised profile from each provider's user JSON: OpenID
// Connect userinfo (Core §5.1, §5.3.2) for Google, LinkedIn and others, Facebook's Graph `/me`,
// GitHub's `/user` with `/user/emails` (research/social-login.md §2).
#ifndef APIAUTH_OIDC_PROFILE_HPP
#define APIAUTH_OIDC_PROFILE_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/error.hpp>
#include <apiauth/oidc/detail/common.hpp>
#include <apiauth/oidc/id_token.hpp>
#include <apiauth/oidc/providers.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** Who logged in, the same for every provider. Key accounts on (provider,
    subject), never on email; link by email only when email_verified
    (research §3: account takeover through unverified emails). */
struct profile {
    provider_id provider = provider_id::generic;  ///< where the user logged in
    std::string subject;                          ///< the provider's stable user id (`sub`, Facebook `id`, GitHub `id`)
    std::string email;                            ///< empty when none was given
    bool email_verified = false;                  ///< true only when the provider says so (never for Facebook)
    std::string name;                             ///< display name; empty when none
    std::string picture;                          ///< picture URL; empty when none (Facebook's expire)
};

/** Bounds and checks of parse_userinfo. */
struct userinfo_options {
    /// Longest document accepted (body_too_large).
    std::size_t max_size = 64 * 1024;
    /// When not empty, the userinfo `sub` must equal it: the ID token's `sub` (OIDC Core §5.3.2).
    std::string_view expected_subject{};
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc {

// A member that may be absent or null (GitHub's "email": null): both leave `out` empty.
inline std::error_code nullable_string(simdjson::dom::object o, std::string_view name, std::string& out)
{
    const auto v = o.at_key(name);
    if (v.error() == simdjson::NO_SUCH_FIELD || v.is_null()) return {};
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
    out.assign(s);
    return {};
}

// email_verified: a boolean (OIDC Core §5.1), or the string "true"/"false" of an older Google
// example (research §2.1).
inline std::error_code read_email_verified(simdjson::dom::object o, bool& out)
{
    const auto v = o.at_key("email_verified");
    if (v.error() == simdjson::NO_SUCH_FIELD || v.is_null()) return {};
    if (v.get_bool().get(out) == simdjson::SUCCESS) return {};
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS && (s == "true" || s == "false")) {
        out = s == "true";
        return {};
    }
    return errc::invalid_claim_type;
}

// An id that is a JSON string, or (GitHub) a non-negative integer written in decimal.
inline std::error_code read_id(simdjson::dom::object o, std::string_view name, std::string& out)
{
    const auto v = o.at_key(name);
    if (v.error() == simdjson::NO_SUCH_FIELD || v.is_null()) return errc::missing_claim;
    std::string_view s;
    std::uint64_t n = 0;
    if (v.get_string().get(s) == simdjson::SUCCESS)
        out.assign(s);
    else if (v.get_uint64().get(n) == simdjson::SUCCESS)
        out = std::to_string(n);
    else
        return errc::invalid_claim_type;
    // OIDC Core §2: at most 255 ASCII characters.
    if (out.empty()) return errc::missing_claim;
    if (out.size() > 255) return errc::invalid_claim_type;
    return {};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oidc

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc {

/** The profile in a userinfo document of provider `p`: OpenID Connect
    userinfo (`sub`, `email`, `email_verified`, `name`, `picture`) for
    google, linkedin and generic; Graph `/me` (`id`, `name`, `email`,
    `picture.data.url`; email never verified) for facebook; for github use
    parse_github_user.

    Order: over opt.max_size, body_too_large; a JSON object with unique
    member names (invalid_claims, duplicate_member); the subject absent,
    null or empty (missing_claim), not a string, or over 255 octets
    (invalid_claim_type); the subject different from opt.expected_subject
    (subject_mismatch, OIDC Core §5.3.2); email, name, picture neither string nor null, and an
    email_verified neither boolean nor "true"/"false" (invalid_claim_type).
    Other members are ignored. Never throws.

    @par Specification OpenID Connect Core §5.1, §5.3.2; Graph API User reference.
*/
inline result<profile> parse_userinfo(provider_id p, std::string_view json, userinfo_options opt = {}) noexcept
{
    try {
        namespace d = detail::oidc;
        if (p == provider_id::github) return errc::invalid_configuration;
        if (json.size() > opt.max_size) return errc::body_too_large;
        detail::json_document doc;
        simdjson::dom::object o;
        if (auto e = d::parse_object(doc, json, o, errc::invalid_claims)) return e;
        profile out;
        out.provider = p;
        if (auto e = d::read_id(o, p == provider_id::facebook ? "id" : "sub", out.subject)) return e;
        if (!opt.expected_subject.empty() && out.subject != opt.expected_subject) return errc::subject_mismatch;
        if (auto e = d::nullable_string(o, "email", out.email)) return e;
        if (auto e = d::nullable_string(o, "name", out.name)) return e;
        if (p == provider_id::facebook) {
            const auto pic = o.at_key("picture");  // {"data":{"url":…}}
            if (pic.error() != simdjson::NO_SUCH_FIELD && !pic.is_null()) {
                simdjson::dom::object data;
                if (pic.at_key("data").get_object().get(data) != simdjson::SUCCESS) return errc::invalid_claim_type;
                if (auto e = d::nullable_string(data, "url", out.picture)) return e;
            }
        } else {
            if (auto e = d::nullable_string(o, "picture", out.picture)) return e;
            if (auto e = d::read_email_verified(o, out.email_verified)) return e;
        }
        if (out.email.empty()) out.email_verified = false;
        return out;
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** The profile of a GitHub user from `/user` (`id` an integer, `login`,
    `name`, `avatar_url`) and `/user/emails` (an array of `{email, primary,
    verified}`): the subject is the id in decimal (a login can be renamed);
    the email is the primary verified one (verified true), else the public
    `/user` email (verified false); the name is `name`, else `login`.
    `emails_json` may be empty (scope without user:email). Errors as
    parse_userinfo; an emails document that is not an array of objects is
    invalid_claims. Never throws.
    @par Specification GitHub REST API: users, emails (research §2.2). */
inline result<profile> parse_github_user(std::string_view user_json, std::string_view emails_json = {},
                                         userinfo_options opt = {}) noexcept
{
    try {
        namespace d = detail::oidc;
        if (user_json.size() > opt.max_size || emails_json.size() > opt.max_size) return errc::body_too_large;
        detail::json_document doc;
        simdjson::dom::object o;
        if (auto e = d::parse_object(doc, user_json, o, errc::invalid_claims)) return e;
        profile out;
        out.provider = provider_id::github;
        if (auto e = d::read_id(o, "id", out.subject)) return e;
        if (!opt.expected_subject.empty() && out.subject != opt.expected_subject) return errc::subject_mismatch;
        if (auto e = d::nullable_string(o, "email", out.email)) return e;
        if (auto e = d::nullable_string(o, "name", out.name)) return e;
        if (out.name.empty())
            if (auto e = d::nullable_string(o, "login", out.name)) return e;
        if (auto e = d::nullable_string(o, "avatar_url", out.picture)) return e;
        if (!emails_json.empty()) {
            detail::json_document edoc;
            if (!edoc.parse(emails_json)) return errc::invalid_claims;
            simdjson::dom::array a;
            if (edoc.root().get_array().get(a) != simdjson::SUCCESS) return errc::invalid_claims;
            for (const auto el : a) {
                simdjson::dom::object e;
                if (el.get_object().get(e) != simdjson::SUCCESS) return errc::invalid_claims;
                bool primary = false, verified = false;
                std::string_view addr;
                if (e["email"].get_string().get(addr) != simdjson::SUCCESS) return errc::invalid_claim_type;
                if (e["primary"].get_bool().get(primary) != simdjson::SUCCESS ||
                    e["verified"].get_bool().get(verified) != simdjson::SUCCESS)
                    return errc::invalid_claim_type;
                if (primary && verified) {
                    out.email.assign(addr);
                    out.email_verified = true;
                }
            }
        }
        if (out.email.empty()) out.email_verified = false;  // verified, but no address: nothing to link by
        return out;
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/** The profile in a validated ID token's claims (OpenID Connect Core §5.1:
    `sub`, `email`, `email_verified`, `name`, `picture`), for a provider whose
    ID token carries them (Google). Errors as parse_userinfo. Never throws. */
inline result<profile> profile_from_id_token(provider_id p, const id_token& t) noexcept
{
    return parse_userinfo(p == provider_id::facebook ? provider_id::generic : p, t.claims().json(),
                          {.max_size = 64 * 1024, .expected_subject = t.subject()});
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oidc

#endif  // APIAUTH_OIDC_PROFILE_HPP
