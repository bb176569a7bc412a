// apiauth/oauth2/scope.hpp — the OAuth 2.0 scope parameter (RFC 6749 §3.3): its strict
// grammar, a view of its tokens, and the decision of what a client is granted.
#ifndef APIAUTH_OAUTH2_SCOPE_HPP
#define APIAUTH_OAUTH2_SCOPE_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <cstddef>
#include <iterator>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** Bounds of parse_scope (research/http-auth-oauth2-spec.md §7.2: 64 tokens, 2048 octets). */
struct scope_limits {
    std::size_t max_tokens = 64;  ///< more scope-tokens is too_many_scopes
    std::size_t max_size = 2048;  ///< a longer value is too_many_scopes, before it is read
};

/** The tokens of a validated scope value, `scope-token *( SP scope-token )`.

    A view into the text given to parse_scope (or to scope_view's constructor
    for a value already known to be valid, such as one this library wrote).
    Iterates over the tokens in the order written; compares them exactly
    (scope tokens are case-sensitive, RFC 6749 §3.3). No allocation.
*/
class scope_view {
public:
    /// A forward iterator over the scope tokens.
    class iterator {
    public:
        using value_type = std::string_view;                  ///< one scope token
        using difference_type = std::ptrdiff_t;               ///< distance between iterators
        using iterator_category = std::forward_iterator_tag;  ///< forward only
        using pointer = const std::string_view*;              ///< pointer to the current token
        using reference = const std::string_view&;            ///< the current token

        /// The end iterator.
        iterator() noexcept = default;
        /// The current token.
        reference operator*() const noexcept { return cur_; }
        /// The current token's members.
        pointer operator->() const noexcept { return &cur_; }
        /// Moves to the next token.
        iterator& operator++() noexcept
        {
            next();
            return *this;
        }
        /// Moves to the next token; returns the iterator as it was.
        iterator operator++(int) noexcept
        {
            iterator t = *this;
            next();
            return t;
        }
        /// Equal when both are at the same token, or both at the end.
        friend bool operator==(const iterator& a, const iterator& b) noexcept
        {
            return a.cur_.data() == b.cur_.data() && a.cur_.size() == b.cur_.size();
        }

    private:
        friend class scope_view;
        explicit iterator(std::string_view rest) noexcept : rest_(rest) { next(); }
        void next() noexcept
        {
            if (rest_.data() == nullptr) {
                cur_ = {};
                return;
            }
            const std::size_t sp = rest_.find(' ');
            cur_ = rest_.substr(0, sp);
            rest_ = sp == std::string_view::npos ? std::string_view{} : rest_.substr(sp + 1);
            if (cur_.empty()) cur_ = {};
        }
        std::string_view rest_{};
        std::string_view cur_{};
    };

    /// No scope.
    constexpr scope_view() noexcept = default;
    /// A view of `valid`, which must already satisfy the grammar (it is not checked).
    constexpr explicit scope_view(std::string_view valid) noexcept : text_(valid) {}

    /// The first token.
    iterator begin() const noexcept { return text_.empty() ? iterator() : iterator(text_); }
    /// Past the last token.
    iterator end() const noexcept { return iterator(); }
    /// True when there is no token.
    bool empty() const noexcept { return text_.empty(); }
    /// The number of tokens.
    std::size_t size() const noexcept
    {
        if (text_.empty()) return 0;
        std::size_t n = 1;
        for (char c : text_) n += c == ' ';
        return n;
    }
    /// The value as written: tokens separated by one SP.
    std::string_view text() const noexcept { return text_; }
    /// True when `token` is one of the tokens (exact, case-sensitive comparison).
    bool contains(std::string_view token) const noexcept
    {
        for (std::string_view t : *this)
            if (t == token) return true;
        return false;
    }

private:
    std::string_view text_{};
};

/** True when `c` may appear in a scope-token: NQCHAR without SP, %x21 / %x23-5B / %x5D-7E
    (RFC 6749 Appendix A.4). */
constexpr bool is_scope_char(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7E && u != 0x22 && u != 0x5C;
}

/** Parse a scope value (already form-decoded) by RFC 6749 §3.3:
    `scope = scope-token *( SP scope-token )`, `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.

    Refuses, in this order: a value longer than limits.max_size (too_many_scopes,
    before it is read); a leading, trailing or doubled SP, or any octet outside
    the grammar (a quote, a backslash, a control character, anything not ASCII)
    as invalid_scope_syntax; more than limits.max_tokens tokens (too_many_scopes).
    An empty value is an empty scope (RFC 6749 §3.1: a parameter sent without a
    value is omitted). A token written twice is kept: order and repetition do
    not change what is asked (§3.3). Linear in the size; no allocation.
*/
inline result<scope_view> parse_scope(std::string_view value, scope_limits limits = {}) noexcept
{
    if (value.size() > limits.max_size) return errc::too_many_scopes;
    if (value.empty()) return scope_view();
    std::size_t tokens = 1;
    bool after_sp = true;  // at the start, as after a separator: a token must follow
    for (const char c : value) {
        if (c == ' ') {
            if (after_sp) return errc::invalid_scope_syntax;
            after_sp = true;
            ++tokens;
        } else if (is_scope_char(c)) {
            after_sp = false;
        } else {
            return errc::invalid_scope_syntax;
        }
    }
    if (after_sp) return errc::invalid_scope_syntax;  // a trailing SP
    if (tokens > limits.max_tokens) return errc::too_many_scopes;
    return scope_view(value);
}

/** What to do when a client asks for a scope it is not allowed (RFC 6749 §3.3: the
    server "MAY fully or partially ignore the scope requested by the client"). */
enum class excess_scope {
    refuse,  ///< refuse the request: invalid_scope (scope_not_allowed)
    narrow,  ///< grant the allowed part; the token response then carries "scope" (§3.3, §5.1)
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2 {

// decide_scope into `granted` (cleared first), so that a caller can reuse its capacity: the
// token endpoint keeps one per thread.
inline std::error_code decide_scope_into(apiauth::oauth2::scope_view requested, std::span<const std::string> allowed,
                                         apiauth::oauth2::excess_scope policy,
                                         std::vector<std::string_view>& granted) noexcept
{
    granted.clear();
    try {
        const auto is_allowed = [&](std::string_view t) {
            for (const std::string& a : allowed)
                if (a == t) return true;
            return false;
        };
        const auto already = [&](std::string_view t) {
            for (std::string_view g : granted)
                if (g == t) return true;
            return false;
        };
        if (requested.empty()) {
            granted.reserve(allowed.size());
            for (const std::string& a : allowed)
                if (!already(a)) granted.emplace_back(a);
            return {};
        }
        granted.reserve(requested.size());
        bool excess = false;
        for (std::string_view t : requested) {
            if (!is_allowed(t))
                excess = true;
            else if (!already(t))
                granted.push_back(t);
        }
        if (excess && (policy == apiauth::oauth2::excess_scope::refuse || granted.empty()))
            return errc::scope_not_allowed;
        return {};
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::oauth2

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** The scope granted for `requested` to a client allowed `allowed`.

    Every requested token that is in `allowed` is granted, in the order
    requested, once each. If some requested token is not allowed: with
    excess_scope::refuse the answer is scope_not_allowed (400 invalid_scope at
    the token endpoint); with excess_scope::narrow the allowed part is granted,
    and if nothing is left, scope_not_allowed. An empty request is granted
    `allowed` in full (the "pre-defined default value" of §3.3). The granted
    tokens are views into `requested` or `allowed`. Allocates the vector
    (bounded by the tokens given); a failed allocation is an error, never an exception.
*/
inline result<std::vector<std::string_view>> decide_scope(scope_view requested, std::span<const std::string> allowed,
                                                          excess_scope policy = excess_scope::refuse) noexcept
{
    std::vector<std::string_view> granted;
    if (auto e = detail::oauth2::decide_scope_into(requested, allowed, policy, granted)) return e;
    return granted;
}

/** The granted tokens joined with one SP, as the "scope" claim and response member carry
    them (RFC 6749 §3.3, RFC 9068 §2.2.3). Allocates; throws std::bad_alloc only. */
inline std::string join_scope(std::span<const std::string_view> tokens)
{
    std::string out;
    std::size_t n = 0;
    for (std::string_view t : tokens) n += t.size() + 1;
    out.reserve(n);
    for (std::string_view t : tokens) {
        if (!out.empty()) out += ' ';
        out += t;
    }
    return out;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_SCOPE_HPP
