// apiauth/http/challenge.hpp — WWW-Authenticate: writing challenges (servers)
// and parsing challenge lists (clients, tests).
#ifndef APIAUTH_HTTP_CHALLENGE_HPP
#define APIAUTH_HTTP_CHALLENGE_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/auth_grammar.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/credentials.hpp>

#include <boost/url/parse.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// realm is a quoted-string (RFC 9110 §11.5): '"' and '\' are escaped as
// quoted-pairs; CTLs (HTAB included) and non-ASCII are refused, since
// obs-text is obsolete and a realm is configuration, not user input.
inline bool append_realm(std::string& out, std::string_view realm)
{
    out += "realm=\"";
    for (const char c : realm) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) return false;
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return true;
}

// scope = scope-token *( SP scope-token ), scope-token = 1*NQCHAR (RFC 6749 §3.3, RFC 6750 §3).
inline bool is_scope(std::string_view s) noexcept
{
    if (s.empty()) return false;
    std::size_t i = 0;
    while (true) {
        const std::size_t e = span_of(s, cc_nqchar, i);
        if (e == i) return false;
        if (e == s.size()) return true;
        if (s[e] != ' ') return false;
        i = e + 1;
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** The parameters of a Bearer challenge (RFC 6750 §3), in the order they are written.
    Empty members are left out. */
struct bearer_challenge {
    std::string_view realm{};              ///< any printable ASCII; '"' and '\' are escaped
    std::string_view error{};              ///< 1*( %x20-21 / %x23-5B / %x5D-7E ), e.g. "invalid_token"
    std::string_view error_description{};  ///< human text; characters outside the allowed set are replaced
    std::string_view error_uri{};          ///< an absolute or relative URI, %x21 / %x23-5B / %x5D-7E only
    std::string_view scope{};              ///< space-delimited scope-tokens (%x21 / %x23-5B / %x5D-7E)
};

/** Write `Basic realm="…"` and, unless `utf8` is false, `, charset="UTF-8"`.

    The realm is always a quoted-string (RFC 9110 §11.5: senders MUST
    generate it) with '"' and '\' escaped; an empty realm is allowed (the
    parameter is present, RFC 7617 §2 REQUIRED). A realm with a control
    character or a non-ASCII octet is invalid_challenge_value.

    @par Example
    @code
    assert(*apiauth::http::write_basic_challenge("api") == R"(Basic realm="api", charset="UTF-8")");
    @endcode

    @par Specification RFC 7617 §2, §2.1; RFC 9110 §11.5, §5.6.4.
*/
inline result<std::string> write_basic_challenge(std::string_view realm, bool utf8 = true)
{
    std::string out = "Basic ";
    if (!detail::append_realm(out, realm)) return errc::invalid_challenge_value;
    if (utf8) out += ", charset=\"UTF-8\"";
    return out;
}

/** Write a Bearer challenge: `Bearer realm="…", error="…", error_description="…", error_uri="…", scope="…"`.

    Parameters appear in that order, each at most once, separated by ", ",
    with no leading comma. The value sets of RFC 6750 §3 are enforced so the
    challenge never needs, and never carries, a quoted-pair except in realm:
    - scope must be scope-tokens separated by single SPs, error 1*NQSCHAR,
      error_uri a URI-reference of %x21 / %x23-5B / %x5D-7E: otherwise the
      whole call fails with invalid_challenge_value (these are identifiers:
      changing them would change their meaning);
    - error_description is human text: each octet outside
      %x20-21 / %x23-5B / %x5D-7E is replaced ('"' by '\'', '\' by '/', a
      control character by SP, each UTF-8 sequence of a non-ASCII character
      by '?'), and an empty description is left out (RFC 6749 A.8: 1*NQSCHAR).
    A challenge with no parameter at all is empty_challenge (RFC 6750 §3:
    "MUST be followed by one or more auth-param values").

    @par Specification RFC 6750 §3, §3.1; RFC 6749 Appendix A.7-A.9; RFC 9110 §11.6.1.

    @see bearer_challenge_for, write_basic_challenge.
*/
inline result<std::string> write_bearer_challenge(const bearer_challenge& c)
{
    std::string out = "Bearer ";
    bool first = true;
    const auto sep = [&] {
        if (!first) out += ", ";
        first = false;
    };
    if (!c.realm.empty()) {
        sep();
        if (!detail::append_realm(out, c.realm)) return errc::invalid_challenge_value;
    }
    if (!c.error.empty()) {
        if (!detail::all_of(c.error, detail::cc_nqschar)) return errc::invalid_challenge_value;
        sep();
        out.append("error=\"").append(c.error).append("\"");
    }
    if (!c.error_description.empty()) {
        std::string d;
        d.reserve(c.error_description.size());
        const std::string_view s = c.error_description;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const auto u = static_cast<unsigned char>(s[i]);
            if (u == '"')
                d += '\'';
            else if (u == '\\')
                d += '/';
            else if (u < 0x20 || u == 0x7F)
                d += ' ';
            else if (u >= 0x80) {
                d += '?';
                while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) ++i;
            } else
                d += s[i];
        }
        sep();
        out.append("error_description=\"").append(d).append("\"");
    }
    if (!c.error_uri.empty()) {
        if (!detail::all_of(c.error_uri, detail::cc_nqchar) || !boost::urls::parse_uri_reference(c.error_uri))
            return errc::invalid_challenge_value;
        sep();
        out.append("error_uri=\"").append(c.error_uri).append("\"");
    }
    if (!c.scope.empty()) {
        if (!detail::is_scope(c.scope)) return errc::invalid_challenge_value;
        sep();
        out.append("scope=\"").append(c.scope).append("\"");
    }
    if (first) return errc::empty_challenge;
    return out;
}

/** The Bearer challenge that answers a request which failed with `ec`.

    RFC 6750 §3.1: when the request carried no usable credentials
    (oauth_error(ec) is empty: no_credentials, unsupported_scheme) the
    challenge has no error information; a server-side failure
    ("server_error", a 500) has none either, since it is not about the
    token. Otherwise `error` is oauth_error(ec) and `error_description` is
    ec.message(). `scope` is included whenever given (RFC 6750 §3.1 for
    insufficient_scope). Pair it with http_status(ec). Meant for errors of
    the bearer path; Basic failures are answered with write_basic_challenge.

    @par Example
    @code
    // 401, WWW-Authenticate: Bearer realm="example"
    auto h = apiauth::http::bearer_challenge_for(apiauth::errc::no_credentials, "example");
    @endcode
*/
inline result<std::string> bearer_challenge_for(std::error_code ec, std::string_view realm, std::string_view scope = {})
{
    bearer_challenge c{.realm = realm, .scope = scope};
    const std::string_view err = oauth_error(ec);
    std::string msg;
    if (!err.empty() && err != "server_error") {
        msg = ec.message();
        c.error = err;
        c.error_description = msg;
    }
    return write_bearer_challenge(c);
}

/** One challenge: the same shape as credentials (RFC 9110 §11.3). */
using challenge_view = credentials_view;

/** Parse the `WWW-Authenticate` (or `Proxy-Authenticate`) field lines of a response.

    The field is a list (RFC 9110 §11.6.1): the lines are combined in order,
    each line may hold several challenges, and commas inside quoted-strings
    are data. Empty list elements are skipped (up to
    `opt.max_empty_elements`). After a comma, a token followed by `=` is a
    parameter of the current challenge (also right after a scheme:
    `Basic, realm="x"`); any other token starts a new challenge, which may
    have no parameters (`Basic`). The result views into
    the lines, which must outlive it; the vector is the only allocation.

    Errors: header_too_large (a line over `opt.max_size`),
    invalid_field_value (a CTL other than HTAB), malformed_challenge,
    duplicate_parameter, too_many_parameters (also past
    `opt.max_challenges` challenges).

    @par BNF
    @code
    WWW-Authenticate = [ challenge *( OWS "," OWS challenge ) ]
    challenge   = auth-scheme [ 1*SP ( token68 / [ auth-param *( OWS "," OWS auth-param ) ] ) ]
    @endcode

    @par Specification RFC 9110 §11.3, §11.6.1, §5.6.1, §5.6.4.
*/
inline result<std::vector<challenge_view>> parse_challenges(std::span<const std::string_view> field_lines,
                                                            parse_options opt = {})
{
    std::vector<challenge_view> out;
    std::size_t empties = 0;
    for (const std::string_view line : field_lines) {
        if (line.size() > opt.max_size) return errc::header_too_large;
        const std::string_view s = detail::trim_ows(line);
        const auto fail = [&](errc e) -> std::error_code {
            if (e == errc::malformed_challenge && detail::has_forbidden_ctl(line)) return errc::invalid_field_value;
            return e;
        };
        std::size_t i = 0;
        bool first = true;
        while (true) {
            // OWS "," OWS between elements; extra commas are empty elements.
            std::size_t commas = 0;
            while (i < s.size() && (s[i] == ',' || s[i] == ' ' || s[i] == '\t')) commas += s[i++] == ',';
            if (!first && commas == 0 && i < s.size()) return fail(errc::malformed_challenge);
            const std::size_t empty_here = first ? commas : (commas == 0 ? 0 : commas - 1);
            if (i == s.size() && !first)
                empties += commas;  // trailing commas
            else
                empties += empty_here;
            if (empties > opt.max_empty_elements) return errc::too_many_parameters;
            if (i == s.size()) break;
            first = false;

            challenge_view ch;
            const std::size_t se = detail::scan(s, i, detail::cc_tchar);
            if (se == i) return fail(errc::malformed_challenge);
            ch.scheme = s.substr(i, se - i);
            if (out.size() == opt.max_challenges) return errc::too_many_parameters;
            i = se;
            std::size_t k = detail::skip_ows(s, i);
            if (k < s.size() && s[k] == ',') {
                // "Basic, realm=x": a token followed by '=' after the comma can only be
                // a parameter of this challenge, the leading comma an empty element.
                std::size_t j = k, lead = 0;
                while (j < s.size() && (s[j] == ',' || s[j] == ' ' || s[j] == '\t')) lead += s[j++] == ',';
                detail::raw_param probe;
                if (j < s.size() && detail::scan_auth_param(s, j, probe) != std::string_view::npos) {
                    if ((empties += lead) > opt.max_empty_elements) return errc::too_many_parameters;
                    auto r = detail::scan_params(s, j, true, opt, errc::malformed_challenge, empties);
                    if (!r) return fail(static_cast<errc>(r.error().value()));
                    ch.params = detail::params_access::make(s.substr(r->first, r->end - r->first), r->count);
                    out.push_back(ch);
                    i = r->end;
                    continue;
                }
            }
            if (k == s.size() || s[k] == ',') {  // a challenge without parameters
                out.push_back(ch);
                i = k;
                continue;
            }
            if (s[i] != ' ') return fail(errc::malformed_challenge);
            while (i < s.size() && s[i] == ' ') ++i;
            if (const std::size_t te = detail::scan_token68(s, i); te != i) {
                k = detail::skip_ows(s, te);
                if (k == s.size() || s[k] == ',') {
                    ch.token68 = s.substr(i, te - i);
                    out.push_back(ch);
                    i = k;
                    continue;
                }
            }
            auto r = detail::scan_params(s, i, true, opt, errc::malformed_challenge, empties);
            if (!r) return fail(static_cast<errc>(r.error().value()));
            ch.params = detail::params_access::make(s.substr(r->first, r->end - r->first), r->count);
            out.push_back(ch);
            i = r->end;
        }
    }
    return out;
}

/// parse_challenges for a single field line.
inline result<std::vector<challenge_view>> parse_challenges(std::string_view field_value, parse_options opt = {})
{
    return parse_challenges(std::span<const std::string_view>(&field_value, 1), opt);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_CHALLENGE_HPP
