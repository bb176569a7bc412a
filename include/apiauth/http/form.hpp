// apiauth/http/form.hpp — application/x-www-form-urlencoded (RFC 6749 Appendix B,
// WHATWG URL §5.1 and §5.2): the one decoder behind Basic client credentials,
// bearer tokens in bodies and queries, token requests and callback queries.
#ifndef APIAUTH_HTTP_FORM_HPP
#define APIAUTH_HTTP_FORM_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/sse2.hpp>
#include <apiauth/error.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/grammar/alnum_chars.hpp>
#include <boost/url/grammar/charset.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form {

// The value of a hex digit, or -1 (RFC 3986 §2.1: either case).
inline constexpr std::array<signed char, 256> hex_value = [] {
    std::array<signed char, 256> t{};
    for (auto& v : t) v = -1;
    for (std::size_t i = 0; i < 10; ++i) t['0' + i] = static_cast<signed char>(i);
    for (std::size_t i = 0; i < 6; ++i) {
        t['a' + i] = static_cast<signed char>(10 + i);
        t['A' + i] = static_cast<signed char>(10 + i);
    }
    return t;
}();

inline constexpr bool is_hex(char c) noexcept
{
    return hex_value[static_cast<unsigned char>(c)] >= 0;
}

inline constexpr char hex_octet(char hi, char lo) noexcept
{
    return static_cast<char>((hex_value[static_cast<unsigned char>(hi)] << 4) |
                             hex_value[static_cast<unsigned char>(lo)]);
}

// Octets a form may carry as they are: the RFC 3986 §3.4 query characters
// (pchar / "/" / "?"; '&', '=' and '+' included). '%' is checked separately.
inline constexpr boost::urls::grammar::lut_chars query_chars = boost::urls::pchars + "/?";

// Octets a form may carry at all: the query characters and '%' (whose escapes count_escapes checks).
inline constexpr boost::urls::grammar::lut_chars form_chars = query_chars + "%";

// Whether every octet of `s` is in form_chars. Sixteen octets a step: a form's parameters are
// mostly ALPHA, DIGIT and "-./_~=&%+" (a JWT in a callback query is hundreds of them), tested as
// three signed ranges (an octet >= 0x80 is negative, in none of them) and six single octets; a
// step holding anything else is checked octet by octet against form_chars, so the answer is
// form_chars' own. Boost.URL 1.81's lut_chars find_if_not tests each octet through its table and
// only collects the answers with SSE2 (see scan_token68 in detail/auth_grammar.hpp).
inline bool all_form_chars(std::string_view s) noexcept
{
    std::size_t i = 0;
#if defined(__SSE2__)
    using sse2::equal, sse2::in_range;
    for (; i + 16 <= s.size(); i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        __m128i ok = _mm_or_si128(_mm_or_si128(in_range(v, 'A', 'Z'), in_range(v, 'a', 'z')), in_range(v, '-', '9'));
        ok = _mm_or_si128(ok, _mm_or_si128(equal(v, '_'), equal(v, '~')));
        ok = _mm_or_si128(ok, _mm_or_si128(equal(v, '='), equal(v, '&')));
        ok = _mm_or_si128(ok, _mm_or_si128(equal(v, '%'), equal(v, '+')));
        if (_mm_movemask_epi8(ok) == 0xFFFF) continue;
        for (std::size_t k = i; k < i + 16; ++k)
            if (!form_chars(static_cast<unsigned char>(s[k]))) return false;
    }
#endif
    for (; i < s.size(); ++i)
        if (!form_chars(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

// Octets the serializer leaves as they are (WHATWG URL §5.2: ALPHA DIGIT * - . _).
inline constexpr boost::urls::grammar::lut_chars unreserved =
    boost::urls::grammar::lut_chars(boost::urls::grammar::alnum_chars) + "*-._";

// The number of escapes in `s` if every '%' starts "%" HEXDIG HEXDIG, else npos.
inline std::size_t count_escapes(std::string_view s) noexcept
{
    std::size_t n = 0;
    for (std::size_t i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 3)) {
        if (s.size() - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return std::string_view::npos;
        ++n;
    }
    return n;
}

// Reads the decoded octet at s[i] of a validated component and moves i past it.
inline char next_octet(std::string_view s, std::size_t& i) noexcept
{
    const char c = s[i];
    if (c == '%') {
        i += 3;
        return hex_octet(s[i - 2], s[i - 1]);
    }
    ++i;
    return c == '+' ? ' ' : c;
}

// True when the validated component `enc` decodes to exactly `plain`.
inline bool decodes_to(std::string_view enc, std::string_view plain) noexcept
{
    if (enc.size() < plain.size()) return false;
    if (enc.size() == plain.size()) {  // an escape would leave the decoding shorter: '+' alone differs
        for (std::size_t i = 0; i < enc.size(); ++i)
            if (enc[i] == '%' || (enc[i] == '+' ? ' ' : enc[i]) != plain[i]) return false;
        return true;
    }
    std::size_t i = 0, k = 0;
    while (i < enc.size() && k < plain.size())
        if (next_octet(enc, i) != plain[k++]) return false;
    return i == enc.size() && k == plain.size();
}

// True when the validated components `a` and `b` decode to the same octets.
inline bool same_decoded(std::string_view a, std::string_view b) noexcept
{
    // Without escapes '+' matches only '+' (the grammar admits no raw space).
    if (a.find('%') == std::string_view::npos && b.find('%') == std::string_view::npos) return a == b;
    std::size_t i = 0, k = 0;
    while (i < a.size() && k < b.size())
        if (next_octet(a, i) != next_octet(b, k)) return false;
    return i == a.size() && k == b.size();
}

// UTF-8 read one octet at a time (RFC 3629 §4: no overlong form, no surrogate, nothing above
// U+10FFFF).
struct utf8_reader {
    unsigned need = 0;                   // continuation octets still expected
    unsigned char lo = 0x80, hi = 0xBF;  // range of the next one

    // False when `c` cannot come next.
    bool step(unsigned char c) noexcept
    {
        if (need != 0) {
            if (c < lo || c > hi) return false;
            lo = 0x80;
            hi = 0xBF;
            --need;
        } else if (c >= 0x80) {
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0) lo = 0xA0;  // overlong
                if (c == 0xED) hi = 0x9F;  // surrogates
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0) lo = 0x90;  // overlong
                if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
            } else {
                return false;  // a continuation octet first, C0, C1, F5-FF
            }
        }
        return true;
    }
};

// True when the validated component `s` decodes to UTF-8. Raw octets are ASCII (the grammar),
// so only a component with an escape needs decoding.
inline bool decodes_to_utf8(std::string_view s) noexcept
{
    if (s.find('%') == std::string_view::npos) return true;
    utf8_reader r;
    for (std::size_t i = 0; i < s.size();)
        if (!r.step(static_cast<unsigned char>(next_octet(s, i)))) return false;
    return r.need == 0;
}

// Decodes `enc`, a component parse_form validated (every '%' starts "%" HEXDIG HEXDIG), into
// `out` (room for enc.size() octets; it may be enc.data() itself): one pass, no validation.
// Returns the octets written.
inline std::size_t decode_valid(std::string_view enc, char* out) noexcept
{
    const char* r = enc.data();
    const char* const end = r + enc.size();
    char* w = out;
    while (r != end) {
        const char c = *r;
        if (c == '%') {
            *w++ = hex_octet(r[1], r[2]);
            r += 3;
        } else {
            *w++ = c == '+' ? ' ' : c;
            ++r;
        }
    }
    return static_cast<std::size_t>(w - out);
}

// One '&'-separated pair, split at its first '='.
struct split_pair {
    std::string_view name, value;
};

// The next non-empty pair of `text` at or after `pos`; pos moves past it.
// False when none is left.
inline bool next_pair(std::string_view text, std::size_t& pos, split_pair& out) noexcept
{
    while (pos < text.size()) {
        const std::size_t amp = text.find('&', pos);
        const std::size_t stop = amp == std::string_view::npos ? text.size() : amp;
        const std::string_view pair = text.substr(pos, stop - pos);
        pos = stop == text.size() ? stop : stop + 1;
        if (pair.empty()) continue;  // "&&", a leading or a trailing '&'
        const std::size_t eq = pair.find('=');
        out.name = pair.substr(0, eq);
        // Without '=', the empty value sits just past the name, still inside the text.
        out.value = eq == std::string_view::npos ? pair.substr(pair.size()) : pair.substr(eq + 1);
        return true;
    }
    return false;
}

// What one pass over a form's text found, for parse_form's fast path. `clean` says every check
// passed: every octet in form_chars, every '%' followed by two hex digits, every component
// decoding to UTF-8. `pairs` counts the non-empty '&'-separated pairs.
struct scanned {
    std::size_t pairs = 0;
    bool clean = false;
};

// The UTF-8 of the decoded components, fed one escape at a time: raw octets are ASCII (the
// grammar), so a sequence is made of escapes only, each right after the one before, and no
// sequence crosses a '&' or '=' (they are raw octets). RFC 3629 §4, as decodes_to_utf8.
struct escape_utf8 {
    utf8_reader utf8;
    std::size_t next = 0;  // where the next escape must be inside a sequence

    // The escape at `at`, decoding to `c`; false when the components cannot be UTF-8.
    bool feed(std::size_t at, unsigned char c) noexcept
    {
        if (utf8.need != 0 && at != next) return false;  // a raw octet inside a sequence
        next = at + 3;
        return utf8.step(c);
    }
};

// One pass over `s`, sixteen octets a step: the character check, the pairs, and each escape
// (its two hex digits, its place in a UTF-8 sequence). Anything wrong only leaves `clean`
// false: parse_form then runs its checks one after another, for the precise error in its order.
inline scanned scan_form(std::string_view s) noexcept
{
    scanned r;
    const char* const p = s.data();
    const std::size_t n = s.size();
    escape_utf8 escapes;
    std::uint32_t before = 1;  // bit 0: the octet before the block is '&', or the block starts the text
    // A block of `width` octets at `at`, from its masks of '&' and '%' (bit i: octet at + i): the
    // pairs that start in it (an octet other than '&' after a '&' or the start) and its escapes.
    const auto block = [&](std::size_t at, std::uint32_t amp, std::uint32_t pct, unsigned width) noexcept {
        const std::uint32_t all = (1u << width) - 1;
        std::uint32_t starts = ~amp & ((amp << 1) | before) & all;
        for (; starts != 0; starts &= starts - 1) ++r.pairs;  // a pair or two per block: no popcount call
        before = (amp >> (width - 1)) & 1u;
        for (; pct != 0; pct &= pct - 1) {
            const std::size_t i = at + static_cast<std::size_t>(__builtin_ctz(pct));
            if (n - i < 3 || !is_hex(p[i + 1]) || !is_hex(p[i + 2])) return false;
            if (!escapes.feed(i, static_cast<unsigned char>(hex_octet(p[i + 1], p[i + 2])))) return false;
        }
        return true;
    };
    std::size_t i = 0;
#if defined(__SSE2__)
    using sse2::equal, sse2::in_range;
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // form_chars exactly: '$'..';' is $ % & ' ( ) * + , - . / DIGIT : ; and '?'..'Z' is ? @ ALPHA.
        __m128i ok = _mm_or_si128(_mm_or_si128(in_range(v, '$', ';'), in_range(v, '?', 'Z')), in_range(v, 'a', 'z'));
        ok = _mm_or_si128(
            ok, _mm_or_si128(_mm_or_si128(equal(v, '='), equal(v, '_')), _mm_or_si128(equal(v, '~'), equal(v, '!'))));
        if (_mm_movemask_epi8(ok) != 0xFFFF) return r;
        const auto amp = static_cast<std::uint32_t>(_mm_movemask_epi8(equal(v, '&')));
        const auto pct = static_cast<std::uint32_t>(_mm_movemask_epi8(equal(v, '%')));
        if (!block(i, amp, pct, 16)) return r;
    }
#endif
    for (; i < n; i += 16) {  // the last octets, under sixteen (every octet without SSE2)
        const auto width = static_cast<unsigned>(n - i < 16 ? n - i : 16);
        std::uint32_t amp = 0, pct = 0;
        for (unsigned k = 0; k < width; ++k) {
            const char c = p[i + k];
            if (!form_chars(static_cast<unsigned char>(c))) return r;
            amp |= static_cast<std::uint32_t>(c == '&') << k;
            pct |= static_cast<std::uint32_t>(c == '%') << k;
        }
        if (!block(i, amp, pct, width)) return r;
    }
    r.clean = escapes.utf8.need == 0;
    return r;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form {
struct form_access;
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Bounds and checks of parse_form. The defaults are strict and fit OAuth 2.0
    (RFC 6749 §3.1, §3.2, Appendix B). */
struct form_options {
    /// Longest text accepted, in octets as sent; longer is body_too_large (HTTP 413).
    std::size_t max_size = 64 * 1024;
    /// Most parameters (empty pairs from `&&` do not count); more is too_many_parameters.
    std::size_t max_params = 64;
    /// Refuse a name sent twice, compared after decoding (`a=1&%61=2`), as
    /// duplicate_parameter (RFC 6749 §3.1, §3.2: "MUST NOT be included more than once").
    bool reject_duplicates = true;
    /// Refuse a name or value that does not decode to UTF-8 (RFC 3629 §4) as
    /// form_invalid_utf8 (RFC 6749 Appendix B and WHATWG URL §5.1 decode UTF-8).
    bool require_utf8 = true;
};

/** One parameter of a form as sent: both halves still encoded (`+` and `%XX`
    not decoded), viewing into the text given to parse_form. */
struct form_pair {
    std::string_view name;   ///< the name as sent
    std::string_view value;  ///< the value as sent; empty for `name=` and for `name` without '='
};

/** The parameters of a validated application/x-www-form-urlencoded text.

    A view into the text given to parse_form: it owns nothing, is cheap to
    copy, and re-splits the text as it is iterated. Iteration yields every
    parameter in the order sent (empty pairs from `&&` or a trailing `&` are
    not parameters), still encoded; decode with decode_form_component.
*/
class form_view {
public:
    /// A forward iterator over the parameters, in the order sent.
    class iterator {
    public:
        using value_type = form_pair;                         ///< a parameter, still encoded
        using difference_type = std::ptrdiff_t;               ///< distance between iterators
        using iterator_category = std::forward_iterator_tag;  ///< forward only
        using pointer = const form_pair*;                     ///< pointer to the current parameter
        using reference = const form_pair&;                   ///< the current parameter

        /// The end iterator.
        iterator() noexcept = default;
        /// The current parameter (valid until the iterator moves).
        reference operator*() const noexcept { return cur_; }
        /// The current parameter's members.
        pointer operator->() const noexcept { return &cur_; }
        /// Moves to the next parameter.
        iterator& operator++() noexcept
        {
            load();
            return *this;
        }
        /// Moves to the next parameter; returns the iterator as it was.
        iterator operator++(int) noexcept
        {
            iterator t = *this;
            load();
            return t;
        }
        /// Equal when both are at the same parameter of the same form, or both at the end.
        friend bool operator==(const iterator& a, const iterator& b) noexcept
        {
            return a.at_end_ == b.at_end_ && (a.at_end_ || a.cur_.name.data() == b.cur_.name.data());
        }

    private:
        friend class form_view;
        explicit iterator(std::string_view text) noexcept : text_(text), at_end_(false) { load(); }
        void load() noexcept
        {
            detail::form::split_pair p;
            if (!at_end_ && detail::form::next_pair(text_, pos_, p)) {
                cur_ = {p.name, p.value};
            } else {
                at_end_ = true;
                cur_ = {};
            }
        }
        std::string_view text_;
        std::size_t pos_ = 0;
        form_pair cur_{};
        bool at_end_ = true;
    };

    /// An empty form.
    constexpr form_view() noexcept = default;
    /// The first parameter.
    iterator begin() const noexcept { return iterator(text_); }
    /// Past the last parameter.
    iterator end() const noexcept { return iterator(); }
    /// The number of parameters.
    std::size_t size() const noexcept { return size_; }
    /// True when there is none.
    bool empty() const noexcept { return size_ == 0; }
    /// The validated text the parameters are read from.
    std::string_view text() const noexcept { return text_; }

    /** The value, still encoded, of the first parameter whose decoded name
        is exactly `name` (case-sensitive, RFC 6749 §3.1), or nullopt. An
        empty value (`name=` or `name`) is present-but-empty: "" is returned.
        OAuth callers treat it as absent (RFC 6749 §3.1: "Parameters sent
        without a value MUST be treated as if they were omitted"). No allocation. */
    std::optional<std::string_view> find(std::string_view name) const noexcept
    {
        for (const form_pair& p : *this)
            if (detail::form::decodes_to(p.name, name)) return p.value;
        return std::nullopt;
    }

private:
    friend result<form_view> parse_form(std::string_view, form_options) noexcept;
    friend struct detail::form::form_access;
    constexpr form_view(std::string_view text, std::size_t size) noexcept : text_(text), size_(size) {}
    std::string_view text_;
    std::size_t size_ = 0;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form {

struct form_access {
    static http::form_view make(std::string_view text, std::size_t count) noexcept
    {
        return http::form_view(text, count);
    }

    // Whether `name` was seen among the pairs before it: the first 64 names are kept in
    // `names`; a later one is compared by re-reading the text.
    static bool seen_before(std::string_view text, std::array<std::string_view, 64>& names, std::size_t seen,
                            std::string_view name) noexcept
    {
        constexpr std::size_t kept = 64;
        for (std::size_t i = 0; i < seen && i < kept; ++i)
            if (same_decoded(names[i], name)) return true;
        if (seen >= kept) {
            std::size_t again = 0;
            split_pair q;
            for (std::size_t k = 0; next_pair(text, again, q) && k < seen; ++k)
                if (k >= kept && same_decoded(q.name, name)) return true;
        } else {
            names[seen] = name;
        }
        return false;
    }

    // The rest of parse_form for a text that scan_form found clean: no name twice.
    static result<http::form_view> without_duplicates(std::string_view text, std::size_t count) noexcept
    {
        std::array<std::string_view, 64> names;
        std::size_t seen = 0, pos = 0;
        split_pair p;
        while (next_pair(text, pos, p)) {
            if (seen_before(text, names, seen, p.name)) return errc::duplicate_parameter;
            ++seen;
        }
        return http::form_view(text, count);
    }

    // parse_form's checks one after another, each with its error, in the documented order.
    static result<http::form_view> checked(std::string_view text, http::form_options opt) noexcept
    {
        namespace f = detail::form;
        // The count bound before anything reads the pairs: one '&' search per pair.
        std::size_t count = 0;
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t amp = text.find('&', pos);
            const std::size_t stop = amp == std::string_view::npos ? text.size() : amp;
            if (stop != pos && ++count > opt.max_params) return errc::too_many_parameters;
            pos = stop + 1;
        }
        // The grammar: Boost.URL's charset scan (SSE2 where available) over [data, data + size),
        // then every '%' followed by two hex digits. Not Boost.URL's parse_query: 1.81 rebuilds
        // its view from text.data() with strlen and reads past `text` (boostorg/url#757).
        if (!f::all_form_chars(text)) return errc::malformed_form_body;
        if (f::count_escapes(text) == std::string_view::npos) return errc::malformed_form_body;
        // Nothing more to check pair by pair: done.
        if (!opt.require_utf8 && !opt.reject_duplicates) return http::form_view(text, count);
        // Pair by pair: UTF-8, then duplicates.
        std::array<std::string_view, 64> names;
        std::size_t seen = 0, pos = 0;
        f::split_pair p;
        while (f::next_pair(text, pos, p)) {
            if (opt.require_utf8 && (!f::decodes_to_utf8(p.name) || !f::decodes_to_utf8(p.value)))
                return errc::form_invalid_utf8;
            if (opt.reject_duplicates && seen_before(text, names, seen, p.name)) return errc::duplicate_parameter;
            ++seen;
        }
        return http::form_view(text, count);
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::form

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Parse and validate an application/x-www-form-urlencoded text (a request
    body or a query) into a view of its parameters, without allocating.

    Checks in this order: the bounds (more than opt.max_size octets is
    body_too_large, more than opt.max_params parameters too_many_parameters);
    then the whole text: every octet a RFC 3986 §3.4 query character and
    every '%' followed by two hex digits (else malformed_form_body); then
    parameter by parameter: its decoded name and value UTF-8 (else
    form_invalid_utf8) and its decoded name not seen before (else
    duplicate_parameter). Only '&' separates pairs (';' is data); a pair is
    split at its first '='; `+` decodes to a space. Stricter than WHATWG URL
    §5.1, which passes a bad escape or a raw space through: a serializer
    never sends them. The view points into `text`, which must outlive it.

    @par Specification RFC 6749 Appendix B, §3.1, §3.2; WHATWG URL §5.1;
    RFC 3986 §2.1, §3.4; RFC 3629 §4.
*/
inline result<form_view> parse_form(std::string_view text, form_options opt = {}) noexcept
{
    namespace f = detail::form;
    if (text.size() > opt.max_size) return errc::body_too_large;
    // One pass for a form that passes every check (its UTF-8 included); any other form runs
    // the checks one after another, so that the error is the first in the order above.
    if (const f::scanned fast = f::scan_form(text); fast.clean && fast.pairs <= opt.max_params) {
        if (!opt.reject_duplicates) return f::form_access::make(text, fast.pairs);
        return f::form_access::without_duplicates(text, fast.pairs);
    }
    return f::form_access::checked(text, opt);
}

/** Decode one form name or value into `out`: `+` is a space, `%XX` the
    octet XX (RFC 6749 Appendix B, WHATWG URL §5.1 step 3). Returns the
    number of octets written (at most encoded.size()).

    Refuses a '%' not followed by two hex digits (malformed_form_body), then
    an `out` shorter than the decoded size (buffer_too_small). Other octets,
    '&' and '=' included, are taken as they are, and the result is not
    checked for UTF-8: parse_form did that for its components, and Basic
    (RFC 6749 §2.3.1) applies its own policy. `out` may begin at
    encoded.data() (decoding in place) or be disjoint from it. No allocation.
*/
inline result<std::size_t> decode_form_component(std::string_view encoded, std::span<char> out) noexcept
{
    const std::size_t escapes = detail::form::count_escapes(encoded);
    if (escapes == std::string_view::npos) return errc::malformed_form_body;
    const std::size_t n = encoded.size() - 2 * escapes;
    if (out.size() < n) return errc::buffer_too_small;
    const char* const r = encoded.data();
    char* const w = out.data();
    if (escapes == 0) {
        for (std::size_t i = 0; i < n; ++i) w[i] = r[i] == '+' ? ' ' : r[i];
        return n;
    }
    // Validated above; decode_valid reads each step's octets before it writes one at or behind them.
    return detail::form::decode_valid(encoded, w);
}

/** Decode one form name or value into a new string, as the span overload
    does: `+` is a space, `%XX` the octet XX; a bad escape is
    malformed_form_body. A failed allocation is std::errc::not_enough_memory,
    never an exception. RFC 6749 Appendix B; WHATWG URL §5.1.
*/
inline result<std::string> decode_form_component(std::string_view encoded) noexcept
{
    const std::size_t escapes = detail::form::count_escapes(encoded);
    if (escapes == std::string_view::npos) return errc::malformed_form_body;
    std::string out;
    try {
        out.resize(encoded.size() - 2 * escapes);
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    const auto n = decode_form_component(encoded, std::span<char>(out.data(), out.size()));
    if (!n) return n.error();  // cannot happen: validated and sized above
    return out;
}

/** Encode one name or value as the application/x-www-form-urlencoded
    serializer does (WHATWG URL §5.2, RFC 6749 Appendix B): ALPHA, DIGIT and
    `*-._` stay, a space becomes `+`, every other octet `%XX` (upper-case).
    For clients and tests: pass UTF-8; decode_form_component gives it back.
    Allocates; throws std::bad_alloc only.
*/
inline std::string encode_form_component(std::string_view s)
{
    boost::urls::encoding_opts eo;
    eo.space_as_plus = true;
    return boost::urls::encode(s, detail::form::unreserved, eo);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_FORM_HPP
