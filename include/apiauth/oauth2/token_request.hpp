// apiauth/oauth2/token_request.hpp — an access token request at the token endpoint, read
// strictly (RFC 6749 §2.3, §3.2, §3.3, §4.4.2; RFC 8707 §2), without I/O.
#ifndef APIAUTH_OAUTH2_TOKEN_REQUEST_HPP
#define APIAUTH_OAUTH2_TOKEN_REQUEST_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/wiped_buffer.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/oauth2/scope.hpp>

#include <boost/url/parse.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** How the client authenticated (RFC 6749 §2.3.1; the names are RFC 8414's). */
enum class client_authentication {
    none,                 ///< no client authentication
    client_secret_basic,  ///< HTTP Basic, each half form-encoded (RFC 6749 §2.3.1)
    client_secret_post,   ///< client_id and client_secret in the form body (RFC 6749 §2.3.1, NOT RECOMMENDED)
};

/** Bounds and choices of parse_token_request. The defaults are strict. */
struct token_request_options {
    /// Longest body, and longest query, in octets; longer is body_too_large (413), before parsing.
    std::size_t max_body = 8 * 1024;
    /// Most parameters in the body, and in the query; more is too_many_parameters.
    std::size_t max_params = 32;
    /// Accept client_id and client_secret in the body (client_secret_post). Off by default:
    /// RFC 6749 §2.3.1 makes Basic the one method a server MUST support.
    bool allow_client_secret_post = false;
    /// How the Basic token68 is decoded (bounds, charset policy).
    http::basic_options basic{};
    /// The per-client compatibility switch of RFC 6749 §2.3.1 (research §4.2): given the
    /// Basic user-id as sent, true takes both halves as they are, without form-decoding.
    /// Empty: every client form-encodes, as the RFC requires.
    std::function<bool(std::string_view client_id)> raw_basic{};
    /// Bounds of the scope parameter (RFC 6749 §3.3).
    scope_limits scope{};
    /// Most resource parameters (RFC 8707 §2); more is invalid_target.
    std::size_t max_resources = 8;
};

class token_request;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {
struct token_request_access;
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** An access token request, read and checked: the grant type, the scope, the resources, and
    the client credentials, all decoded exactly once.

    Made only by parse_token_request. Owns its values, decoded into one buffer (one
    allocation, which also holds the list of resources); the views its accessors return live
    as long as it does, and moving it keeps them valid. The buffer, which holds the client
    secret, is wiped when the request is destroyed or assigned over. Move-only.
*/
class token_request {
public:
    token_request(const token_request&) = delete;             ///< move-only: it holds a secret
    token_request& operator=(const token_request&) = delete;  ///< move-only: it holds a secret
    /// Takes `o`'s values; `o` keeps none.
    token_request(token_request&& o) noexcept
        : buf_(std::move(o.buf_)), grant_type_(o.grant_type_), scope_(o.scope_), resources_(o.resources_),
          client_id_(o.client_id_), client_secret_(o.client_secret_), auth_(o.auth_),
          client_id_param_(o.client_id_param_)
    {
        o.forget();
    }
    /// Wipes this request's buffer, then takes `o`'s values.
    token_request& operator=(token_request&& o) noexcept
    {
        if (this != &o) {
            buf_ = std::move(o.buf_);
            grant_type_ = o.grant_type_;
            scope_ = o.scope_;
            resources_ = o.resources_;
            client_id_ = o.client_id_;
            client_secret_ = o.client_secret_;
            auth_ = o.auth_;
            client_id_param_ = o.client_id_param_;
            o.forget();
        }
        return *this;
    }
    ~token_request() = default;

    /// The grant_type value, decoded (case-sensitive, RFC 6749 §1.9); never empty.
    std::string_view grant_type() const noexcept { return grant_type_; }
    /// The requested scope, validated by parse_scope; empty when none was sent.
    scope_view scope() const noexcept { return scope_view(scope_); }
    /// The resource indicators (RFC 8707 §2), absolute URIs without fragment, in the order sent.
    std::span<const std::string_view> resources() const noexcept { return resources_; }
    /// How the client authenticated.
    client_authentication authentication() const noexcept { return auth_; }
    /// The client identifier, decoded (RFC 6749 §2.3.1).
    std::string_view client_id() const noexcept { return client_id_; }
    /// The client secret, decoded exactly once. A secret: compare it only through API key
    /// verification, never print it.
    std::string_view client_secret() const noexcept { return client_secret_; }
    /// True when the body also named the client with client_id (allowed beside Basic when
    /// equal, RFC 6749 §3.2.1).
    bool client_id_in_body() const noexcept { return client_id_param_; }

private:
    friend struct apiauth::detail::oauth2::token_request_access;
    token_request() = default;
    void forget() noexcept
    {
        grant_type_ = scope_ = client_id_ = client_secret_ = {};
        resources_ = {};
    }
    apiauth::detail::wiped_buffer buf_;
    std::string_view grant_type_;
    std::string_view scope_;
    std::span<const std::string_view> resources_;  // in buf_
    std::string_view client_id_;
    std::string_view client_secret_;
    client_authentication auth_ = client_authentication::none;
    bool client_id_param_ = false;
};

/** A request about one token at the revocation endpoint (RFC 7009 §2.1) or the introspection
    endpoint (RFC 7662 §2.1): the token, the optional hint, and the client credentials.

    Made only by parse_token_operation_request. Owns its values, decoded into one buffer;
    the views its accessors return live as long as it does, and moving it keeps them valid.
    The buffer, which holds the token and the client secret, is wiped when the request is
    destroyed or assigned over. Move-only.
*/
class token_operation_request {
public:
    token_operation_request(const token_operation_request&) = delete;             ///< move-only: it holds secrets
    token_operation_request& operator=(const token_operation_request&) = delete;  ///< move-only: it holds secrets
    /// Takes `o`'s values; `o` keeps none.
    token_operation_request(token_operation_request&& o) noexcept
        : buf_(std::move(o.buf_)), token_(o.token_), hint_(o.hint_), client_id_(o.client_id_),
          client_secret_(o.client_secret_), auth_(o.auth_), client_id_param_(o.client_id_param_)
    {
        o.forget();
    }
    /// Wipes this request's buffer, then takes `o`'s values.
    token_operation_request& operator=(token_operation_request&& o) noexcept
    {
        if (this != &o) {
            buf_ = std::move(o.buf_);
            token_ = o.token_;
            hint_ = o.hint_;
            client_id_ = o.client_id_;
            client_secret_ = o.client_secret_;
            auth_ = o.auth_;
            client_id_param_ = o.client_id_param_;
            o.forget();
        }
        return *this;
    }
    ~token_operation_request() = default;

    /// The token parameter, decoded; never empty. A secret: never print it.
    std::string_view token() const noexcept { return token_; }
    /// The token_type_hint parameter, decoded, or "" (RFC 7009 §2.1: an unknown hint is ignored).
    std::string_view token_type_hint() const noexcept { return hint_; }
    /// How the client authenticated.
    client_authentication authentication() const noexcept { return auth_; }
    /// The client identifier, decoded.
    std::string_view client_id() const noexcept { return client_id_; }
    /// The client secret, decoded exactly once. A secret: never print it.
    std::string_view client_secret() const noexcept { return client_secret_; }

private:
    friend struct apiauth::detail::oauth2::token_request_access;
    token_operation_request() = default;
    void forget() noexcept { token_ = hint_ = client_id_ = client_secret_ = {}; }
    apiauth::detail::wiped_buffer buf_;
    std::string_view token_;
    std::string_view hint_;
    std::string_view client_id_;
    std::string_view client_secret_;
    client_authentication auth_ = client_authentication::none;
    bool client_id_param_ = false;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

using namespace apiauth::oauth2;

// The query of an origin-form target ("" when it has none).
inline std::string_view query_of(std::string_view target) noexcept
{
    const std::size_t q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view s = target.substr(q + 1);
    return s.substr(0, s.find('#'));
}

// True for "application/x-www-form-urlencoded", optionally with charset=UTF-8 (any case,
// quoted or not) and nothing else (RFC 9110 §8.3.1; RFC 6749 Appendix B: UTF-8).
inline bool is_form_content_type(std::string_view ct) noexcept
{
    if (ct == "application/x-www-form-urlencoded") return true;  // what nearly every client sends
    if (!iequals(media_type(ct), "application/x-www-form-urlencoded")) return false;
    const std::size_t first = ct.find(';');
    std::string_view rest = first == std::string_view::npos ? std::string_view{} : ct.substr(first + 1);
    while (!rest.empty()) {
        const std::size_t semi = rest.find(';');
        std::string_view p = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        while (!p.empty() && (p.front() == ' ' || p.front() == '\t')) p.remove_prefix(1);
        while (!p.empty() && (p.back() == ' ' || p.back() == '\t')) p.remove_suffix(1);
        if (p.empty()) continue;
        const std::size_t eq = p.find('=');
        if (eq == std::string_view::npos || !iequals(p.substr(0, eq), "charset")) return false;
        std::string_view v = p.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (!iequals(v, "utf-8")) return false;
    }
    return true;
}

// Decodes a form component that parse_form validated into `buf`; `out` views the decoded
// octets. The callers size `buf` first (decoding never lengthens), so it always fits.
inline std::error_code decode_into(std::string_view encoded, wiped_buffer& buf, std::string_view& out) noexcept
{
    if (encoded.size() > buf.available()) return std::make_error_code(std::errc::not_enough_memory);
    out = buf.commit(detail::form::decode_valid(encoded, buf.tail()));
    return {};
}

// Room for every value a request decodes: the encoded values (decoding never lengthens
// them) and the Authorization field (a Basic token68 decodes to fewer octets than it has).
inline bool reserve_values(wiped_buffer& buf, const http::request_view& req, std::size_t form_values,
                           std::size_t views = 0) noexcept
{
    const std::size_t header = req.authorization.size() == 1 ? req.authorization.front().size() : 0;
    return buf.reserve(form_values + header, views);
}

// The last few resource indicators that passed is_resource_indicator on this thread, by their
// exact octets. Boost.URL's parse_absolute_uri takes about 3,000 instructions for a short URI
// (a third of parse_token_request), and a token endpoint is asked for the same few resources
// again and again. The answer is a pure function of the octets, so a match is the answer Boost.URL
// gave; only accepted indicators of at most `longest` octets are kept, in `slots` fixed slots.
struct resource_memo {
    static constexpr std::size_t slots = 4, longest = 128;
    std::array<std::array<char, longest>, slots> text;
    std::array<std::size_t, slots> size;  // 0: an empty slot (an indicator is never empty)
    std::size_t next;

    bool holds(std::string_view s) const noexcept
    {
        for (std::size_t i = 0; i < slots; ++i)
            if (size[i] == s.size() && std::memcmp(text[i].data(), s.data(), s.size()) == 0) return true;
        return false;
    }
    void keep(std::string_view s) noexcept
    {
        if (s.empty() || s.size() > longest) return;
        std::memcpy(text[next].data(), s.data(), s.size());
        size[next] = s.size();
        next = (next + 1) % slots;
    }
};

// RFC 8707 §2: an absolute URI (RFC 3986 §4.3), which has no fragment.
inline bool is_resource_indicator(std::string_view s) noexcept
{
    if (s.empty()) return false;
    thread_local resource_memo memo{};  // trivial: zero-filled once per thread, no guard
    if (memo.holds(s)) return true;
    if (!boost::urls::parse_absolute_uri(s).has_value()) return false;
    memo.keep(s);
    return true;
}

// The two forms of a request at an OAuth endpoint, validated, and the parameters read_forms
// was asked for, found in one pass over both.
struct endpoint_forms {
    static constexpr std::size_t max_single = 4;
    http::form_view body, query;
    std::array<std::string_view, max_single> names{};   // what read_forms looked for
    std::array<std::string_view, max_single> values{};  // each one's value, still encoded
    std::size_t count = 0;
    std::string_view repeatable{};  // set before read_forms: a parameter that may repeat
    std::size_t repeats = 0;        // how often it came with a value, in body and query
    std::size_t repeat_octets = 0;  // the octets of those values, still encoded
    static constexpr std::size_t max_kept = 8;
    std::array<std::string_view, max_kept> repeat_values{};  // the first max_kept of them

    // The value of `name` (one read_forms looked for) in the body or the query, still
    // encoded; "" when absent or empty (RFC 6749 §3.1: a parameter sent without a value is
    // omitted).
    std::string_view param(std::string_view name) const noexcept
    {
        for (std::size_t i = 0; i < count; ++i)
            if (names[i] == name) return values[i];
        return {};
    }
};

// What every OAuth endpoint checks before it reads a parameter (RFC 6749 §3.2, §2.3.1; RFC
// 7009 §2.1; RFC 7662 §2.1): POST, the bounds, the content type, the form encoding of body
// and query, none of the `single` parameters twice (across both), no client credentials in
// the query. One pass over the parameters finds every `single` one (at most max_single).
inline std::error_code read_forms(const http::request_view& req, const token_request_options& opt,
                                  std::initializer_list<std::string_view> single, endpoint_forms& out) noexcept
{
    namespace f = detail::form;
    // RFC 6749 §3.2: POST only (the caller answers 405 with Allow: POST).
    if (req.method != "POST") return errc::method_not_allowed;
    // The bounds before anything reads the parameters.
    const std::string_view query_text = query_of(req.target);
    if (req.body.size() > opt.max_body || query_text.size() > opt.max_body) return errc::body_too_large;
    if (!is_form_content_type(req.content_type)) return errc::unsupported_media_type;
    const http::form_options fo{
        .max_size = opt.max_body, .max_params = opt.max_params, .reject_duplicates = false, .require_utf8 = true};
    const auto body = http::parse_form(req.body, fo);
    if (!body) return body.error();
    const auto query = http::parse_form(query_text, fo);
    if (!query) return query.error();
    out.body = *body;
    out.query = *query;
    out.count = 0;
    bool reads_token = false;  // revocation and introspection: the token is a credential too
    for (const std::string_view name : single) {
        if (out.count < endpoint_forms::max_single) out.names[out.count++] = name;
        reads_token = reads_token || name == "token";
    }

    // RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once",
    // in the body and the query together, names compared after decoding. Checked for the
    // parameters this endpoint reads; an unrecognized one is ignored (§3.2), repeated or not,
    // and RFC 8707 `resource` may repeat. RFC 6749 §2.3.1: client credentials "MUST NOT be
    // included in the request URI"; nor may the token revocation and introspection name
    // (RFC 7009 §2.1, RFC 7662 §2.1 put it in the entity-body; URIs end up in logs, RFC 6750
    // §5.3). A repeat is reported before credentials in the query.
    std::array<bool, endpoint_forms::max_single> seen{};
    bool repeated = false, credentials_in_query = false;
    for (const http::form_view* form : {&*body, &*query}) {
        for (const http::form_pair& p : *form) {
            // A name without an escape or a '+' is its own decoding (nearly every name sent).
            bool plain = true;
            for (const char c : p.name) plain = plain && c != '%' && c != '+';
            const auto is = [&](std::string_view n) { return plain ? p.name == n : f::decodes_to(p.name, n); };
            for (std::size_t i = 0; i < out.count; ++i) {
                if (!is(out.names[i])) continue;
                repeated = repeated || seen[i];
                if (!seen[i]) out.values[i] = p.value;
                seen[i] = true;
            }
            if (form == &*query && (is("client_id") || is("client_secret") || (reads_token && is("token"))))
                credentials_in_query = true;
            if (!out.repeatable.empty() && !p.value.empty() && is(out.repeatable)) {
                if (out.repeats < endpoint_forms::max_kept) out.repeat_values[out.repeats] = p.value;
                ++out.repeats;
                out.repeat_octets += p.value.size();
            }
        }
    }
    if (repeated) return errc::duplicate_parameter;
    if (credentials_in_query) return errc::credentials_in_query;
    return {};
}

// Where read_client_authentication writes what it found.
struct client_credentials_out {
    wiped_buffer& buf;
    std::string_view& id;
    std::string_view& secret;
    client_authentication& method;
    bool& id_in_body;
};

// RFC 6749 §2.3: exactly one client authentication method. Basic with form-decoded halves
// (§2.3.1), client_id beside it only if equal (§3.2.1); or, when enabled, client_id and
// client_secret in the body.
inline std::error_code read_client_authentication(const http::request_view& req, const endpoint_forms& forms,
                                                  const token_request_options& opt,
                                                  const client_credentials_out& out) noexcept
{
    // Neither is in the query (read_forms refused that).
    const std::string_view body_id = forms.param("client_id");
    const std::string_view body_secret = forms.param("client_secret");
    out.id_in_body = !body_id.empty();
    if (req.authorization.size() > 1) return errc::duplicate_authorization;
    if (req.authorization.size() == 1) {
        const auto c = http::parse_credentials(req.authorization.front());
        if (!c) return c.error();
        if (!c->is("Basic")) return errc::unsupported_scheme;
        if (c->token68.empty()) return errc::basic_missing_token;
        // §2.3: "MUST NOT use more than one authentication method in each request".
        if (!body_secret.empty()) return errc::multiple_client_authentication;
        bool raw = false;
        if (opt.raw_basic) {
            const auto plain = http::decode_basic(c->token68, opt.basic);
            if (!plain) return plain.error();
            try {
                raw = opt.raw_basic(plain->user_id());
            } catch (...) {
                return errc::invalid_configuration;
            }
        }
        const auto pair = http::decode_oauth_client_basic(c->token68, {.basic = opt.basic, .raw = raw});
        if (!pair) return pair.error();
        if (pair->user_id().size() + pair->password().size() > out.buf.available())
            return std::make_error_code(std::errc::not_enough_memory);
        out.id = out.buf.append(pair->user_id());
        out.secret = out.buf.append(pair->password());
        // §3.2.1: client_id beside Basic names the same client, or the request is refused.
        if (out.id_in_body) {
            std::string_view named;
            if (auto e = decode_into(body_id, out.buf, named)) return e;
            if (named != out.id) return errc::client_id_mismatch;
        }
        out.method = client_authentication::client_secret_basic;
        return {};
    }
    if (!body_id.empty() || !body_secret.empty()) {
        if (!opt.allow_client_secret_post) return errc::unsupported_scheme;
        if (body_id.empty()) return errc::missing_parameter;
        // §2.3.1: a confidential client (the only kind client_credentials serves) has a secret.
        if (body_secret.empty()) return errc::client_secret_missing;
        if (auto e = decode_into(body_id, out.buf, out.id)) return e;
        if (auto e = decode_into(body_secret, out.buf, out.secret)) return e;
        out.method = client_authentication::client_secret_post;
        return {};
    }
    return errc::no_credentials;
}

struct token_request_access {
    static token_request make() noexcept { return token_request(); }
    static token_operation_request make_operation() noexcept { return token_operation_request(); }

    static std::error_code parse(token_operation_request& r, const http::request_view& req,
                                 const token_request_options& opt) noexcept
    {
        endpoint_forms forms;
        if (auto e = read_forms(req, opt, {"token", "token_type_hint", "client_id", "client_secret"}, forms)) return e;
        const std::string_view token = forms.param("token");
        if (token.empty()) return errc::missing_parameter;
        const std::string_view hint = forms.param("token_type_hint");
        if (!reserve_values(r.buf_, req,
                            token.size() + hint.size() + forms.param("client_id").size() +
                                forms.param("client_secret").size()))
            return std::make_error_code(std::errc::not_enough_memory);
        if (auto e = decode_into(token, r.buf_, r.token_)) return e;
        if (!hint.empty())
            if (auto e = decode_into(hint, r.buf_, r.hint_)) return e;
        return read_client_authentication(req, forms, opt,
                                          {r.buf_, r.client_id_, r.client_secret_, r.auth_, r.client_id_param_});
    }

    static std::error_code parse(token_request& r, const http::request_view& req,
                                 const token_request_options& opt) noexcept
    {
        namespace f = detail::form;
        endpoint_forms forms;
        forms.repeatable = "resource";  // RFC 8707 §2
        if (auto e = read_forms(req, opt, {"grant_type", "scope", "client_id", "client_secret"}, forms)) return e;

        const std::string_view grant = forms.param("grant_type");
        if (grant.empty()) return errc::missing_parameter;
        const std::string_view scope = forms.param("scope");

        // read_forms counted the resources and summed their octets: one buffer holds the list
        // of their views and every decoded value (at most max_params per form of them).
        const std::size_t resources = forms.repeats;
        if (!reserve_values(r.buf_, req,
                            grant.size() + scope.size() + forms.repeat_octets + forms.param("client_id").size() +
                                forms.param("client_secret").size(),
                            resources))
            return std::make_error_code(std::errc::not_enough_memory);

        if (auto e = decode_into(grant, r.buf_, r.grant_type_)) return e;
        if (!scope.empty()) {
            if (auto e = decode_into(scope, r.buf_, r.scope_)) return e;
            if (const auto v = parse_scope(r.scope_, opt.scope); !v) return v.error();
        }
        if (resources > opt.max_resources) return errc::invalid_target;  // before any is decoded

        std::string_view* const list = r.buf_.views();
        std::size_t kept = 0;
        const auto keep = [&](std::string_view encoded) noexcept -> std::error_code {
            std::string_view v;
            if (auto e = decode_into(encoded, r.buf_, v)) return e;
            if (!is_resource_indicator(v)) return errc::invalid_target;
            list[kept++] = v;
            return {};
        };
        if (resources <= endpoint_forms::max_kept) {
            for (std::size_t i = 0; i < resources; ++i)
                if (auto e = keep(forms.repeat_values[i])) return e;
        } else {  // more than read_forms kept (a max_resources above its default): read them again
            for (const http::form_view* form : {&forms.body, &forms.query})
                for (const http::form_pair& p : *form)
                    if (!p.value.empty() && f::decodes_to(p.name, "resource"))
                        if (auto e = keep(p.value)) return e;
        }
        r.resources_ = std::span<const std::string_view>(list, kept);
        return read_client_authentication(req, forms, opt,
                                          {r.buf_, r.client_id_, r.client_secret_, r.auth_, r.client_id_param_});
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** Read an access token request (RFC 6749 §3.2, §4.4.2) from any HTTP stack's request.

    Checks, in this order, each with its error: the method (POST, else
    method_not_allowed: answer 405 with `Allow: POST`); the body and query sizes
    (body_too_large, before anything is parsed); the content type
    (application/x-www-form-urlencoded, a `charset=UTF-8` parameter tolerated, else
    unsupported_media_type); the form encoding of body and query (http::parse_form:
    malformed_form_body, form_invalid_utf8, too_many_parameters); none of grant_type,
    scope, client_id, client_secret twice in the body and the query together, names
    compared after decoding (duplicate_parameter, §3.2; `resource` may repeat, RFC 8707,
    and an unrecognized parameter is ignored, repeated or not); no client_id or client_secret in the query
    (credentials_in_query, §2.3.1); grant_type present and not empty
    (missing_parameter); the scope grammar (parse_scope: invalid_scope_syntax,
    too_many_scopes); each resource an absolute URI without fragment, at most
    opt.max_resources (invalid_target, RFC 8707 §2); then client authentication,
    exactly one method (§2.3): Basic with form-decoded halves (RFC 6749 §2.3.1, the
    Basic errors, duplicate_authorization, unsupported_scheme for another scheme),
    client_secret in the body beside Basic (multiple_client_authentication), a
    body client_id beside Basic that names another client (client_id_mismatch), or,
    when enabled, client_id and client_secret in the body (unsupported_scheme when
    not enabled; client_secret_missing without a secret); none at all is
    no_credentials. Unrecognized parameters are ignored (§3.2). Values are decoded
    exactly once and compared case-sensitively (§1.9). Which grant types are
    supported, and whether the credentials are right, is the token endpoint's
    decision (oauth2/token_endpoint.hpp). Never throws.

    @par Specification RFC 6749 §1.9, §2.3, §2.3.1, §3.1, §3.2, §3.2.1, §3.3, §4.4.2,
    Appendix B; RFC 8707 §2.
*/
inline result<token_request> parse_token_request(const http::request_view& req,
                                                 const token_request_options& opt = {}) noexcept
{
    using access = apiauth::detail::oauth2::token_request_access;
    token_request r = access::make();
    if (auto e = access::parse(r, req, opt)) return e;
    return r;
}

/** Read a revocation request (RFC 7009 §2.1) or an introspection request (RFC 7662 §2.1):
    `token` (required) and `token_type_hint` (optional) in a form body, with client
    authentication.

    The checks, their order and their errors are parse_token_request's (method, bounds,
    content type, form encoding, duplicates, credentials in the query — the token too:
    credentials_in_query, as RFC 7009 §2.1 and RFC 7662 §2.1 put it in the body — then
    exactly one client authentication method), with `token` in place of grant_type
    (missing_parameter when absent or empty); token, token_type_hint, client_id and
    client_secret at most once. The hint is kept as sent:
   RFC 7009 §2.2 ignores a value it does not know, and so does this library. Never throws.
    @par Specification RFC 7009 §2.1; RFC 7662 §2.1; RFC 6749 §2.3.1, §3.2.
*/
inline result<token_operation_request> parse_token_operation_request(const http::request_view& req,
                                                                     const token_request_options& opt = {}) noexcept
{
    using access = apiauth::detail::oauth2::token_request_access;
    token_operation_request r = access::make_operation();
    if (auto e = access::parse(r, req, opt)) return e;
    return r;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_TOKEN_REQUEST_HPP
