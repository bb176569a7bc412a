// fuzz_userinfo — oidc::parse_userinfo for every provider_id and oidc::parse_github_user
// (apiauth/oidc/profile.hpp; OpenID Connect Core §5.1, §5.3.2; Graph `/me`; GitHub `/user`,
// `/user/emails`) on documents built from the input.
//
// Input: one control byte, then:
//     <ctl> expected-subject LF user-json [NUL emails-json]
// The user JSON goes to parse_userinfo (all of it, NUL and emails included) and, cut at the first
// NUL, to parse_github_user with the rest as the emails document. ctl & 1 passes the first line as
// userinfo_options::expected_subject (else none); ctl & 2 bounds the documents at 64 octets.
// Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - parse_userinfo(github) is invalid_configuration; body_too_large exactly when a document is
//    over max_size;
//  - success: a non-empty subject of at most 255 octets, equal to the expected subject when one
//    was given; the profile's provider is the one asked for; email_verified only with an email
//    (not checked for GitHub: see check_profile), never for Facebook;
//  - google, linkedin and generic read the same document alike (only `provider` differs);
//  - success again with the subject as expected_subject, subject_mismatch with another;
//  - parse_github_user: the same invariants, email_verified only when an emails document was given;
//  - the same calls again give the same outcome (determinism).
#include "fuzz_check.hpp"

#include <apiauth/error.hpp>
#include <apiauth/oidc/profile.hpp>
#include <apiauth/oidc/providers.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;
using oidc::provider_id;

bool same_fields(const oidc::profile& a, const oidc::profile& b)
{
    return a.subject == b.subject && a.email == b.email && a.email_verified == b.email_verified && a.name == b.name &&
           a.picture == b.picture;
}

bool same(const apiauth::result<oidc::profile>& a, const apiauth::result<oidc::profile>& b)
{
    if (a.has_value() != b.has_value()) return false;
    return a ? a->provider == b->provider && same_fields(*a, *b) : a.error() == b.error();
}

void check_profile(const oidc::profile& p, provider_id want, const oidc::userinfo_options& opt)
{
    FUZZ_CHECK(p.provider == want);
    FUZZ_CHECK(!p.subject.empty() && p.subject.size() <= 255);
    if (!opt.expected_subject.empty()) FUZZ_CHECK(p.subject == opt.expected_subject);
    // An empty address is never verified (a GitHub /user/emails entry {"email":"","primary":true,
    // "verified":true} included).
    if (p.email_verified) FUZZ_CHECK(!p.email.empty());
    if (want == provider_id::facebook) FUZZ_CHECK(!p.email_verified);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned ctl = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string_view expected = fuzz::next_line(in);
    const std::string_view json = in;

    oidc::userinfo_options opt;
    if (ctl & 1u) opt.expected_subject = expected;
    if (ctl & 2u) opt.max_size = 64;

    // parse_userinfo, every provider.
    std::optional<apiauth::result<oidc::profile>> oidc_like;
    for (const provider_id p : {provider_id::google, provider_id::facebook, provider_id::github, provider_id::linkedin,
                                provider_id::generic}) {
        const auto r = oidc::parse_userinfo(p, json, opt);
        FUZZ_CHECK(same(r, oidc::parse_userinfo(p, json, opt)));
        if (p == provider_id::github) {
            FUZZ_CHECK(!r && r.error() == errc::invalid_configuration);
            continue;
        }
        if (json.size() > opt.max_size)
            FUZZ_CHECK(!r && r.error() == errc::body_too_large);
        else
            FUZZ_CHECK(r || r.error() != errc::body_too_large);
        if (p != provider_id::facebook) {
            if (!oidc_like)
                oidc_like.emplace(r);
            else
                FUZZ_CHECK(r.has_value() == oidc_like->has_value() &&
                           (r ? same_fields(*r, **oidc_like) : r.error() == oidc_like->error()));
        }
        if (!r) continue;
        check_profile(*r, p, opt);
        oidc::userinfo_options o2 = opt;
        o2.expected_subject = r->subject;
        FUZZ_CHECK(same(r, oidc::parse_userinfo(p, json, o2)));
        const std::string other = r->subject + "x";
        o2.expected_subject = other;
        const auto mismatch = oidc::parse_userinfo(p, json, o2);
        FUZZ_CHECK(!mismatch && mismatch.error() == errc::subject_mismatch);
    }

    // parse_github_user: /user, then /user/emails after the first NUL.
    const std::size_t nul = json.find('\0');
    const std::string_view user = json.substr(0, nul);
    const std::string_view emails = nul == std::string_view::npos ? std::string_view() : json.substr(nul + 1);
    const auto g = oidc::parse_github_user(user, emails, opt);
    FUZZ_CHECK(same(g, oidc::parse_github_user(user, emails, opt)));
    if (user.size() > opt.max_size || emails.size() > opt.max_size)
        FUZZ_CHECK(!g && g.error() == errc::body_too_large);
    else
        FUZZ_CHECK(g || g.error() != errc::body_too_large);
    if (g) {
        check_profile(*g, provider_id::github, opt);
        if (emails.empty()) FUZZ_CHECK(!g->email_verified);
        oidc::userinfo_options o2 = opt;
        o2.expected_subject = g->subject;
        FUZZ_CHECK(same(g, oidc::parse_github_user(user, emails, o2)));
        const std::string other = g->subject + "x";
        o2.expected_subject = other;
        const auto mismatch = oidc::parse_github_user(user, emails, o2);
        FUZZ_CHECK(!mismatch && mismatch.error() == errc::subject_mismatch);
    }
    return 0;
}
