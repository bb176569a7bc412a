// apiauth/http/credentials.hpp — the RFC 9110 §11 credentials grammar.
#ifndef APIAUTH_HTTP_CREDENTIALS_HPP
#define APIAUTH_HTTP_CREDENTIALS_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/auth_grammar.hpp>
#include <apiauth/error.hpp>

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
struct params_access;
}

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Bounds applied before any other work on an untrusted field value. */
struct parse_options {
    /// Longest field value accepted; longer is header_too_large (HTTP 431).
    std::size_t max_size = 8192;
    /// Most auth-params in one credentials or challenge (capped at 64);
    /// more is too_many_parameters.
    std::size_t max_params = 32;
    /// Most empty list elements ("a=1, , b=2") tolerated in one value
    /// (RFC 9110 §5.6.1: "a reasonable number"); more is too_many_parameters.
    std::size_t max_empty_elements = 16;
    /// Most challenges read from WWW-Authenticate lines (parse_challenges).
    std::size_t max_challenges = 16;
};

/** The value of an auth-param: a token, or the content of a quoted-string.

    A view into the field value. `raw()` is the value as written (for a
    quoted-string, without its DQUOTEs but with any quoted-pair still in);
    comparisons and `str()` see the value with each quoted-pair replaced by
    the octet after the backslash (RFC 9110 §5.6.4).
*/
class param_value {
public:
    constexpr param_value() noexcept = default;
    /// A value over `raw` as it appears in the field (a quoted-string without
    /// its DQUOTEs); `escaped` says whether it holds a quoted-pair.
    constexpr param_value(std::string_view raw, bool quoted, bool escaped) noexcept
        : raw_(raw), quoted_(quoted), escaped_(escaped)
    {
    }

    /// The value as it appears in the field, quoted-pairs still escaped.
    constexpr std::string_view raw() const noexcept { return raw_; }
    /// True if the value was a quoted-string rather than a token.
    constexpr bool is_quoted() const noexcept { return quoted_; }
    /// True if the quoted-string contains at least one quoted-pair.
    constexpr bool has_escapes() const noexcept { return escaped_; }

    /// The unescaped value (allocates).
    std::string str() const
    {
        std::string out;
        out.reserve(raw_.size());
        for_each([&](char c) { out.push_back(c); });
        return out;
    }

    /// Exact, octet-wise comparison of the unescaped value with `s`; no allocation.
    constexpr bool operator==(std::string_view s) const noexcept { return compare(s, false); }

    /// ASCII case-insensitive comparison (e.g. charset="utf-8", RFC 7617 §2.1).
    constexpr bool iequals(std::string_view s) const noexcept { return compare(s, true); }

private:
    template <class F> constexpr void for_each(F&& f) const
    {
        for (std::size_t i = 0; i < raw_.size(); ++i) {
            if (escaped_ && raw_[i] == '\\' && i + 1 < raw_.size()) ++i;
            f(raw_[i]);
        }
    }

    constexpr bool compare(std::string_view s, bool fold) const noexcept
    {
        if (!escaped_) return fold ? detail::iequals(raw_, s) : raw_ == s;
        std::size_t j = 0;
        for (std::size_t i = 0; i < raw_.size(); ++i, ++j) {
            if (raw_[i] == '\\' && i + 1 < raw_.size()) ++i;
            if (j >= s.size()) return false;
            const char a = fold ? detail::to_lower(raw_[i]) : raw_[i];
            const char b = fold ? detail::to_lower(s[j]) : s[j];
            if (a != b) return false;
        }
        return j == s.size();
    }

    std::string_view raw_;
    bool quoted_ = false;
    bool escaped_ = false;
};

/// One auth-param: a name (compare it case-insensitively) and its value.
struct auth_param {
    std::string_view name{};  ///< the parameter name as sent
    param_value value{};      ///< its value
};

/** The auth-params of one credentials or challenge, validated and unique.

    A view into the field value that re-reads the (already validated) text
    as it is iterated: it owns nothing and costs nothing to copy. Names are
    unique under ASCII case folding (RFC 9110 §11.2).
*/
class auth_params_view {
public:
    /// A forward iterator over the auth-params, in the order sent.
    class iterator {
    public:
        using value_type = auth_param;                        ///< an auth-param
        using difference_type = std::ptrdiff_t;               ///< distance between iterators
        using iterator_category = std::forward_iterator_tag;  ///< forward only
        using pointer = const auth_param*;                    ///< pointer to the current param
        using reference = const auth_param&;                  ///< the current param

        /// The end iterator.
        iterator() noexcept = default;
        /// The current auth-param (valid until the iterator moves).
        reference operator*() const noexcept { return cur_; }
        /// The current auth-param's members.
        pointer operator->() const noexcept { return &cur_; }
        /// Moves to the next auth-param.
        iterator& operator++() noexcept
        {
            load();
            return *this;
        }
        /// Moves to the next auth-param; returns the iterator as it was.
        iterator operator++(int) noexcept
        {
            auto t = *this;
            load();
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.left_ == b.left_; }

    private:
        friend class auth_params_view;
        iterator(std::string_view s, std::size_t count) noexcept : s_(s), left_(count + 1) { load(); }

        void load() noexcept
        {
            if (left_ == 0) return;
            if (--left_ == 0) return;
            while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
            detail::raw_param p;
            i_ = detail::scan_auth_param(s_, i_, p);  // validated when parsed: cannot fail
            cur_ = {p.name, param_value(p.value, p.quoted, p.escaped)};
        }

        std::string_view s_;
        std::size_t i_ = 0;
        std::size_t left_ = 0;
        auth_param cur_;
    };

    constexpr auth_params_view() noexcept = default;

    /// The first auth-param.
    iterator begin() const noexcept { return iterator(text_, size_); }
    /// Past the last auth-param.
    iterator end() const noexcept { return iterator(); }
    /// The number of auth-params.
    std::size_t size() const noexcept { return size_; }
    /// True if there are none.
    bool empty() const noexcept { return size_ == 0; }

    /// The value of the parameter named `name` (ASCII case-insensitive), if present.
    std::optional<param_value> find(std::string_view name) const noexcept
    {
        for (const auth_param& p : *this)
            if (detail::iequals(p.name, name)) return p.value;
        return std::nullopt;
    }

    /// The validated text the parameters were read from.
    std::string_view text() const noexcept { return text_; }

private:
    friend struct detail::params_access;
    constexpr auth_params_view(std::string_view text, std::size_t size) noexcept : text_(text), size_(size) {}
    std::string_view text_;
    std::size_t size_ = 0;
};

/** Parsed credentials: a scheme and either a token68 or auth-params (or neither).

    Views into the field value that was parsed; the caller keeps it alive.
*/
struct credentials_view {
    std::string_view scheme{};   ///< as written; compare with is()
    std::string_view token68{};  ///< non-empty when the credentials are a token68
    auth_params_view params{};   ///< non-empty when they are auth-params

    /// ASCII case-insensitive scheme match (RFC 9110 §11.1).
    bool is(std::string_view name) const noexcept { return detail::iequals(scheme, name); }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

struct params_access {
    static http::auth_params_view make(std::string_view text, std::size_t n) noexcept { return {text, n}; }
};

struct params_result {
    std::size_t end = 0;    // index after the last param (or where scanning stopped)
    std::size_t count = 0;  // number of params
    std::size_t first = 0;  // index of the first param
};

// #auth-param at i (just after the 1*SP that follows the scheme).
// in_list: the value is a #challenge list; stop (successfully) before a ','
// that is followed by something that is not an auth-param (a new challenge).
// Otherwise anything but an auth-param, OWS and commas is malformed.
inline result<params_result> scan_params(std::string_view s, std::size_t i, bool in_list,
                                         const http::parse_options& opt, errc malformed, std::size_t& empties) noexcept
{
    const std::size_t limit = opt.max_params < max_params_cap ? opt.max_params : max_params_cap;
    std::array<std::string_view, max_params_cap> names;
    params_result r;
    r.first = r.end = i;
    bool first = true;
    while (true) {
        // Before a param: at the start, nothing to skip; after one, OWS "," OWS,
        // and any further empty elements.
        std::size_t j = i;
        std::size_t commas = 0;
        if (!first) {
            j = skip_ows(s, j);
            if (j >= s.size()) return r;
            if (s[j] != ',') return malformed;
            while (j < s.size() && (s[j] == ',' || s[j] == ' ' || s[j] == '\t')) {
                if (s[j] == ',') ++commas;
                ++j;
            }
            if (j >= s.size()) {  // trailing empty elements
                if (!in_list && (empties += commas) > opt.max_empty_elements) return errc::too_many_parameters;
                return r;
            }
        }
        raw_param p;
        const std::size_t e = scan_auth_param(s, j, p);
        if (e == std::string_view::npos) {
            if (in_list && !first) return r;  // a new challenge begins after the comma(s)
            return malformed;
        }
        if (commas > 1 && (empties += commas - 1) > opt.max_empty_elements) return errc::too_many_parameters;
        if (r.count == limit) return errc::too_many_parameters;
        for (std::size_t k = 0; k < r.count; ++k)
            if (iequals(names[k], p.name)) return errc::duplicate_parameter;
        names[r.count++] = p.name;
        if (first) r.first = j;
        first = false;
        i = r.end = e;
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Parse an `Authorization` (or `Proxy-Authorization`) field value.

    Returns the scheme and a token68 or the auth-params. Ownership of the
    string is not transferred: the result views into `field_value`, which
    must outlive it. No allocation, no exception; the value is read once
    (plus once more to name the error on failure).

    Leading and trailing OWS are ignored (RFC 9110 §5.5). Between the scheme
    and what follows only SP is allowed (`1*SP`); OWS around list commas and
    BWS around `=` are removed. When the remainder is one token68 it is a
    token68 (so `abc=` is a token68 and `a=b` an auth-param, RFC 9110 §11.2).

    Errors, in the order checked: header_too_large (longer than
    `opt.max_size`), then for text that does not match the grammar
    invalid_field_value if it contains CR, LF, NUL or another CTL but HTAB
    (RFC 9110 §5.5), else malformed_credentials; duplicate_parameter for a
    parameter name given twice (case-insensitively, RFC 9110 §11.2);
    too_many_parameters past `opt.max_params` or `opt.max_empty_elements`.

    @par Example
    @code
    auto c = apiauth::http::parse_credentials("Bearer mF_9.B5f-4.1JqM");
    assert(c && c->is("bearer") && c->token68 == "mF_9.B5f-4.1JqM");
    @endcode

    @par BNF
    @code
    credentials = auth-scheme [ 1*SP ( token68 / [ auth-param *( OWS "," OWS auth-param ) ] ) ]
    auth-scheme = token
    token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    auth-param  = token BWS "=" BWS ( token / quoted-string )
    token       = 1*tchar
    quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
    qdtext      = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    @endcode

    @par Specification
    RFC 9110 §11.4 (credentials), §11.2 (parameters), §5.6.2-§5.6.4, §5.5.

    @see parse_challenges, decode_basic, extract_bearer.
*/
inline result<credentials_view> parse_credentials(std::string_view field_value, parse_options opt = {}) noexcept
{
    if (field_value.size() > opt.max_size) return errc::header_too_large;
    const std::string_view s = detail::trim_ows(field_value);
    const auto fail = [&](errc e) -> result<credentials_view> {
        if (e == errc::malformed_credentials && detail::has_forbidden_ctl(field_value))
            return errc::invalid_field_value;
        return e;
    };

    credentials_view c;
    const std::size_t se = detail::scan(s, 0, detail::cc_tchar);
    if (se == 0) return fail(errc::malformed_credentials);
    c.scheme = s.substr(0, se);
    if (se == s.size()) return c;
    if (s[se] != ' ') return fail(errc::malformed_credentials);
    std::size_t i = se;
    while (i < s.size() && s[i] == ' ') ++i;  // 1*SP

    // token68, if it is the whole remainder.
    if (const std::size_t te = detail::scan_token68(s, i); te != i && te == s.size()) {
        c.token68 = s.substr(i, te - i);
        return c;
    }
    std::size_t empties = 0;
    // A list may open with empty elements: "Foo , a=b" (RFC 9110 §5.6.1).
    const std::size_t list_start = i;
    while (i < s.size() && (s[i] == ',' || s[i] == ' ' || s[i] == '\t')) {
        if (s[i] == ',' && ++empties > opt.max_empty_elements) return errc::too_many_parameters;
        ++i;
    }
    // HTAB (OWS) may stand next to a list comma, never alone after the 1*SP: "Foo \ta=b".
    if (i != list_start && empties == 0) return fail(errc::malformed_credentials);
    if (i == s.size()) return c;
    auto r = detail::scan_params(s, i, false, opt, errc::malformed_credentials, empties);
    if (!r) return fail(static_cast<errc>(r.error().value()));
    c.params = detail::params_access::make(s.substr(r->first, r->end - r->first), r->count);
    return c;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_CREDENTIALS_HPP
