// apiauth/adapters/detail/fields.hpp — what every adapter does the same way: collecting field
// lines without copying them, the origin-form of a request-target, and which response fields
// an adapter may hand to its stack.
#ifndef APIAUTH_ADAPTERS_DETAIL_FIELDS_HPP
#define APIAUTH_ADAPTERS_DETAIL_FIELDS_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters {

// The field lines of one name, in the order received, as views into the stack's request.
// Four lines are kept inline (a request has one Authorization line, two at most when it is
// refused as a duplicate); more spill to the heap. If that allocation fails the first four are
// kept: the core answers any two or more lines alike (duplicate_authorization), so the verdict
// does not change. Never throws. Not copyable: the span it hands out points into it.
class field_lines {
public:
    field_lines() = default;
    field_lines(const field_lines&) = delete;
    field_lines& operator=(const field_lines&) = delete;

    void push_back(std::string_view line) noexcept
    {
        if (!spilled_ && size_ < inline_.size()) {
            inline_[size_++] = line;
            return;
        }
        try {
            if (!spilled_) {
                std::vector<std::string_view> v;
                v.reserve(2 * inline_.size());
                v.assign(inline_.begin(), inline_.end());
                v.push_back(line);
                spill_ = std::move(v);
                spilled_ = true;
            } else {
                spill_.push_back(line);  // strong guarantee: unchanged if it throws
            }
        } catch (...) {  // std::bad_alloc: keep the lines held (four or more: the verdict is the same)
        }
    }
    std::span<const std::string_view> lines() const noexcept
    {
        if (spilled_) return spill_;
        return std::span<const std::string_view>(inline_.data(), size_);
    }
    std::size_t size() const noexcept { return lines().size(); }

private:
    std::array<std::string_view, 4> inline_{};
    std::size_t size_ = 0;
    std::vector<std::string_view> spill_;
    bool spilled_ = false;
};

// The origin-form of a request-target (RFC 9112 §3.2.1), as a view into it: an origin-form or
// asterisk-form target as it is; for an absolute-form target (§3.2.2, which a server MUST
// accept) the part after the authority: "http://h/p?q" → "/p?q", "http://h" → "/", and
// "http://h?q" → "?q" (an empty path, which no route is named by: nothing is allocated to
// write "/?q"). An authority-form target (CONNECT) has no path: it is returned as it is.
constexpr std::string_view origin_form(std::string_view target) noexcept
{
    if (target.empty() || target.front() == '/' || target == "*") return target;
    const std::size_t colon = target.find(':');
    if (colon == std::string_view::npos || colon == 0) return target;
    for (const char c : target.substr(0, colon))  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        if (!is(c, cc_alnum) && c != '+' && c != '-' && c != '.') return target;
    if (target.substr(colon, 3) != "://") return target;  // authority-form "host:port"
    const std::size_t rest = target.find_first_of("/?#", colon + 3);
    if (rest == std::string_view::npos || target[rest] == '#') return "/";
    return target.substr(rest);
}

// True for a field an adapter may hand to its stack: a token name (RFC 9110 §5.1) and a value
// without CR, LF, NUL or another control character but HTAB (§5.5), so that no value can
// split the response. apiauth writes no other kind; a stack that checks nothing (Beast 1.81)
// is protected all the same.
constexpr bool is_sendable_field(std::string_view name, std::string_view value) noexcept
{
    if (name.empty() || !all_of(name, cc_tchar)) return false;
    for (const char c : value)
        if (c != '\t' && is(c, cc_ctl)) return false;
    return true;
}

// Fields that frame the message (RFC 9112 §6): the stack computes them from the body it sends.
constexpr bool is_framing_field(std::string_view name) noexcept
{
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::adapters

#endif  // APIAUTH_ADAPTERS_DETAIL_FIELDS_HPP
