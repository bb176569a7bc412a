// apiauth/jose/claims.hpp — the claims of a verified JWT (RFC 7519 §4.1).
#ifndef APIAUTH_JOSE_CLAIMS_HPP
#define APIAUTH_JOSE_CLAIMS_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>

#include <apiauth/detail/simdjson.hpp>
#include <nlohmann/json_fwd.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
struct claims_access;
}
namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt {
class verified;
}

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt {

/// A NumericDate (RFC 7519 §2): seconds since 1970-01-01T00:00:00Z UTC, possibly fractional.
using numeric_date = double;

/** The JSON type a declared claim must have (jwt::policy::declare). */
enum class claim_kind : std::uint8_t {
    string,   ///< a JSON string; read as std::string_view (unescaped)
    integer,  ///< a JSON integer that fits std::int64_t (a fraction or a larger number is the wrong type)
    number,   ///< any JSON number, as double; a NumericDate (RFC 7519 §2) such as OpenID's auth_time
    boolean,  ///< true or false
    strings,  ///< an array of strings (OpenID's amr); read as string_array_view
    object,   ///< a JSON object (ID Site's err); read as its JSON text, exactly as in the token
};

/** The strings of a declared `strings` claim, in token order. A view into
    the jwt::claims it came from. */
class string_array_view {
public:
    /// A forward iterator over the strings, in token order.
    class iterator {
    public:
        using value_type = std::string_view;                  ///< a string of the array
        using difference_type = std::ptrdiff_t;               ///< distance between iterators
        using iterator_category = std::forward_iterator_tag;  ///< forward only
        iterator() noexcept = default;
        /// The current string (a view into the claims).
        std::string_view operator*() const noexcept
        {
            std::size_t len = 0, shift = 0, i = 0;
            unsigned char b;
            do {
                b = static_cast<unsigned char>(p_[i++]);
                len |= static_cast<std::size_t>(b & 0x7f) << shift;
                shift += 7;
            } while (b & 0x80);
            return {p_ + i, len};
        }
        /// Moves to the next string.
        iterator& operator++() noexcept
        {
            const std::string_view s = **this;
            p_ = s.data() + s.size();
            --left_;
            return *this;
        }
        /// Moves to the next string; returns the iterator as it was.
        iterator operator++(int) noexcept
        {
            auto t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.left_ == b.left_; }

    private:
        friend class string_array_view;
        iterator(const char* p, std::size_t left) noexcept : p_(p), left_(left) {}
        const char* p_ = nullptr;
        std::size_t left_ = 0;
    };
    /// The number of strings.
    std::size_t size() const noexcept { return n_; }
    /// True if the array is empty.
    bool empty() const noexcept { return n_ == 0; }
    /// The first string.
    iterator begin() const noexcept { return {p_, n_}; }
    /// Past the last string.
    iterator end() const noexcept { return {p_, 0}; }
    /// True when one of the strings equals `s`.
    bool contains(std::string_view s) const noexcept
    {
        for (std::string_view e : *this)
            if (e == s) return true;
        return false;
    }

private:
    friend class claims;
    string_array_view(const char* p, std::size_t n) noexcept : p_(p), n_(n) {}
    const char* p_ = nullptr;  // each element: its length as a base-128 varint, then its octets
    std::size_t n_ = 0;
};

/** A claim outside the registered set, named once with its JSON type: the
    handle an application declares in jwt::policy::declare and reads with
    claims::get. The type travels with the name, so a claim cannot be
    declared as one type and read as another.

    @par Example
    @code
    constexpr jwt::string_claim state{"state"};
    constexpr jwt::bool_claim is_new_sub{"isNewSub"};
    constexpr jwt::object_claim err{"err"};
    jwt::verifier v{keys, {.issuer = "https://login.example.com", .declare = {state.required(), is_new_sub, err}}};
    auto r = v.verify(token);
    std::optional<std::string_view> s = r->claims().get(state);   // always set: required
    std::optional<bool> n = r->claims().get(is_new_sub);           // nullopt when absent
    @endcode
*/
template <claim_kind K> class claim {
public:
    /// A claim named `name`, optional unless required() is called.
    constexpr explicit claim(std::string_view name) noexcept : name_(name) {}
    /// The claim's member name in the JWT claims set.
    constexpr std::string_view name() const noexcept { return name_; }
    /// The same claim, required: a token without it is missing_claim.
    constexpr claim required() const noexcept
    {
        claim c = *this;
        c.required_ = true;
        return c;
    }
    /// True if the policy refuses a token without this claim (missing_claim).
    constexpr bool is_required() const noexcept { return required_; }

private:
    std::string_view name_;
    bool required_ = false;
};

using string_claim = claim<claim_kind::string>;    ///< read as std::string_view
using int_claim = claim<claim_kind::integer>;      ///< read as std::int64_t
using number_claim = claim<claim_kind::number>;    ///< read as double (NumericDate)
using bool_claim = claim<claim_kind::boolean>;     ///< read as bool
using strings_claim = claim<claim_kind::strings>;  ///< read as string_array_view
using object_claim = claim<claim_kind::object>;    ///< read as the object's JSON text (std::string_view)

/// What claims::get returns for a claim of kind K.
template <claim_kind K> struct claim_value;
/// A `string` claim reads as a view of its unescaped value.
template <> struct claim_value<claim_kind::string> {
    using type = std::string_view;  ///< the value type
};
/// An `integer` claim reads as a signed 64-bit integer.
template <> struct claim_value<claim_kind::integer> {
    using type = std::int64_t;  ///< the value type
};
/// A `number` claim reads as a double (e.g. a NumericDate, RFC 7519 §2).
template <> struct claim_value<claim_kind::number> {
    using type = double;  ///< the value type
};
/// A `boolean` claim reads as bool.
template <> struct claim_value<claim_kind::boolean> {
    using type = bool;  ///< the value type
};
/// A `strings` claim reads as a view of its strings.
template <> struct claim_value<claim_kind::strings> {
    using type = string_array_view;  ///< the value type
};
/// An `object` claim reads as its JSON text, exactly as in the token.
template <> struct claim_value<claim_kind::object> {
    using type = std::string_view;  ///< the value type
};

/** The claims of a verified JWT: the registered ones and those the policy
    declares (policy::declare), read once while verifying, and the whole
    claims set as JSON for anything else.

    Made only by jwt::verifier (it is part of the proof that a token was
    verified). Owns its data: the payload JSON, the registered and declared
    string claims (unescaped) and the declared claims' names live in an
    inline buffer of 2 KiB (no allocation for tokens up to about 1.2 KiB),
    on the heap beyond that; the values of up to 8 declared claims are held
    inline too. Accessors return views into this object, valid while it
    lives and is not moved from. Copying is not offered (move it, or keep
    the verified result).
*/
class claims {
public:
    claims(const claims&) = delete;
    claims& operator=(const claims&) = delete;
    /// Takes over `o`'s claims; `o` is left empty.
    claims(claims&& o) noexcept { take(o); }
    /// Takes over `o`'s claims; `o` is left empty.
    claims& operator=(claims&& o) noexcept
    {
        if (this != &o) {
            release();
            take(o);
        }
        return *this;
    }
    ~claims() { release(); }

    /// The `iss` claim (RFC 7519 §4.1.1), if present.
    std::optional<std::string_view> iss() const noexcept { return get_s(iss_); }
    /// The `sub` claim (RFC 7519 §4.1.2), if present.
    std::optional<std::string_view> sub() const noexcept { return get_s(sub_); }
    /// The `jti` claim (RFC 7519 §4.1.7), if present.
    std::optional<std::string_view> jti() const noexcept { return get_s(jti_); }
    /// The `client_id` claim (RFC 9068 §2.2, RFC 8693 §4.3), if present.
    std::optional<std::string_view> client_id() const noexcept { return get_s(client_id_); }
    /// The `scope` claim (RFC 8693 §4.2; RFC 9068 §2.2.3), space-delimited scope tokens, if present.
    std::optional<std::string_view> scope() const noexcept { return get_s(scope_); }
    /// The `exp` claim (RFC 7519 §4.1.4), if present.
    std::optional<numeric_date> exp() const noexcept { return get_d(exp_); }
    /// The `nbf` claim (RFC 7519 §4.1.5), if present.
    std::optional<numeric_date> nbf() const noexcept { return get_d(nbf_); }
    /// The `iat` claim (RFC 7519 §4.1.6), if present.
    std::optional<numeric_date> iat() const noexcept { return get_d(iat_); }

    /// The audiences: none when `aud` is absent, one for a string, each element of an array (RFC 7519 §4.1.3).
    class audience_list {
    public:
        /// The number of audiences.
        std::size_t size() const noexcept { return c_->aud_count_; }
        /// True if the token has no `aud`.
        bool empty() const noexcept { return size() == 0; }
        /// The audience at index `i` (i < size()).
        std::string_view operator[](std::size_t i) const noexcept { return c_->aud_at(i); }
        /// A forward iterator over the audiences, in token order.
        class iterator {
        public:
            using value_type = std::string_view;                  ///< an audience
            using difference_type = std::ptrdiff_t;               ///< distance between iterators
            using iterator_category = std::forward_iterator_tag;  ///< forward only
            iterator() noexcept = default;
            /// The iterator at index `i` of `c`'s audiences.
            iterator(const claims* c, std::size_t i) noexcept : c_(c), i_(i) {}
            /// The current audience.
            std::string_view operator*() const noexcept { return c_->aud_at(i_); }
            /// Moves to the next audience.
            iterator& operator++() noexcept
            {
                ++i_;
                return *this;
            }
            /// Moves to the next audience; returns the iterator as it was.
            iterator operator++(int) noexcept
            {
                auto t = *this;
                ++i_;
                return t;
            }
            friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }

        private:
            const claims* c_ = nullptr;
            std::size_t i_ = 0;
        };
        /// The first audience.
        iterator begin() const noexcept { return {c_, 0}; }
        /// Past the last audience.
        iterator end() const noexcept { return {c_, size()}; }

    private:
        friend class claims;
        explicit audience_list(const claims* c) noexcept : c_(c) {}
        const claims* c_;
    };
    /// The `aud` claim (RFC 7519 §4.1.3): one string or an array, as a list (empty when absent).
    audience_list aud() const noexcept { return audience_list(this); }

    /// True when `value` is one of the audiences.
    bool has_audience(std::string_view value) const noexcept
    {
        for (std::string_view a : aud())
            if (a == value) return true;
        return false;
    }

    /// True when the `scope` claim contains `token` as one of its space-delimited scope tokens.
    bool has_scope(std::string_view token) const noexcept
    {
        const auto s = scope();
        if (!s || token.empty()) return false;
        std::string_view rest = *s;
        while (!rest.empty()) {
            const auto sp = rest.find(' ');
            if (rest.substr(0, sp) == token) return true;
            if (sp == std::string_view::npos) break;
            rest.remove_prefix(sp + 1);
        }
        return false;
    }

    /** The registered claims (RFC 7519 §4.1 plus scope and client_id) as bits,
        in this order: iss sub aud exp nbf iat jti scope client_id. */
    static constexpr std::string_view registered_names[] = {"iss", "sub", "aud",   "exp",      "nbf",
                                                            "iat", "jti", "scope", "client_id"};
    /// The bit of a registered claim name, or 0 for any other name.
    static constexpr std::uint32_t registered_bit(std::string_view name) noexcept
    {
        for (std::size_t i = 0; i < std::size(registered_names); ++i)
            if (registered_names[i] == name) return 1u << i;
        return 0;
    }
    /// Which registered claims the token carries, as registered_bit() bits.
    std::uint32_t registered_present() const noexcept { return present_; }

    /** Whether a registered claim is present; nothing for any other name
        (use get<nlohmann::json>(name) for those). */
    std::optional<bool> has_registered(std::string_view name) const noexcept
    {
        const std::uint32_t bit = registered_bit(name);
        if (bit == 0) return std::nullopt;
        return (present_ & bit) != 0;
    }

    /// The claims set as JSON text, exactly as decoded from the token.
    std::string_view json() const noexcept { return {data(), json_len_}; }

    /** A claim the verifier's policy declared (policy::declare), read while
        verifying: nothing when the token does not have it, else its value,
        whose JSON type the verifier already checked (invalid_claim_type).
        No allocation, no parsing. A claim that the policy did not declare,
        or declared with another kind, is a programming error: it throws
        std::invalid_argument naming the claim (as Boost.URL throws on a
        violated precondition), never a quiet nullopt.
        @par Specification RFC 7519 §4.2, §4.3 (public and private claim names). */
    template <claim_kind K> std::optional<typename claim_value<K>::type> get(const claim<K>& c) const
    {
        const extra* e = find_extra(c.name());
        if (e == nullptr || e->kind != K) not_declared(c.name());
        if (!e->present) return std::nullopt;
        if constexpr (K == claim_kind::string || K == claim_kind::object) {
            return std::string_view(data() + e->off, e->len);
        } else if constexpr (K == claim_kind::strings) {
            return string_array_view(data() + e->off, e->len);
        } else if constexpr (K == claim_kind::integer) {
            return e->i;
        } else if constexpr (K == claim_kind::number) {
            return e->d;
        } else {
            return e->b;
        }
    }

    /** Any claim, converted with nlohmann/json: nothing if absent or not
        convertible to T. Parses json() on each call (allocates): for claims
        outside the registered set, off the hot path. Needs <nlohmann/json.hpp>
        (or <apiauth/jose/sign.hpp>) where it is called: this header declares
        nlohmann::json only, so that verifying compiles without nlohmann/json.
        `Json` is always nlohmann::json; it is a parameter only to defer the
        body to the call. */
    template <class T = nlohmann::json, class Json = nlohmann::json> std::optional<T> get(std::string_view name) const
    {
        static_assert(
            requires { sizeof(Json); },
            "jwt::claims::get<T>(name) needs nlohmann/json: include <nlohmann/json.hpp> or <apiauth/jose/sign.hpp>");
        const Json j = Json::parse(json(), nullptr, /*allow_exceptions=*/false);
        if (!j.is_object()) return std::nullopt;
        const auto it = j.find(name);
        if (it == j.end()) return std::nullopt;
        try {
            return it->template get<T>();
        } catch (const typename Json::exception&) {
            return std::nullopt;
        }
    }

private:
    friend struct apiauth::detail::claims_access;
    friend class verified;
    claims() noexcept {}  // user-provided: value-initialisation must not zero the 2 KiB buffer
    static constexpr std::size_t inline_capacity = 2048;
    struct str {
        std::uint32_t off = 0, len = 0;
        bool present = false;
    };
    struct num {
        double value = 0;
        bool present = false;
    };
    static constexpr std::size_t inline_aud = 8;
    // One declared claim: its name (copied into the buffer, so that the claims
    // outlive the verifier), its kind and its value. Trivial, so that the
    // inline array is not zeroed per verification.
    struct extra {
        std::uint32_t name_off, name_len;
        std::uint32_t off, len;  // string, object: the text; strings: the first element and the count
        union {
            std::int64_t i;
            double d;
            bool b;
        };
        claim_kind kind;
        bool present;
    };
    static constexpr std::size_t inline_extras = 8;

    const extra* extras() const noexcept { return extra_heap_ ? extra_heap_.get() : extra_inline_.data(); }
    extra* extras() noexcept { return extra_heap_ ? extra_heap_.get() : extra_inline_.data(); }
    const extra* find_extra(std::string_view name) const noexcept
    {
        const extra* x = extras();
        for (std::size_t i = 0; i < extra_count_; ++i)
            if (x[i].name_len == name.size() && std::string_view(data() + x[i].name_off, x[i].name_len) == name)
                return &x[i];
        return nullptr;
    }
    [[noreturn]] static void not_declared(std::string_view name)
    {
        throw std::invalid_argument("apiauth::jose::jwt::claims::get: the claim \"" + std::string(name) +
                                    "\" is not declared with this kind in the verifier's jwt::policy::declare");
    }
    std::size_t capacity() const noexcept { return heap_ ? capacity_ : inline_capacity; }

    const char* data() const noexcept { return heap_ ? heap_.get() : inline_.data(); }
    char* data() noexcept { return heap_ ? heap_.get() : inline_.data(); }
    std::optional<std::string_view> get_s(const str& s) const noexcept
    {
        if (!s.present) return std::nullopt;
        return std::string_view(data() + s.off, s.len);
    }
    static std::optional<numeric_date> get_d(const num& n) noexcept
    {
        if (!n.present) return std::nullopt;
        return n.value;
    }
    std::string_view aud_at(std::size_t i) const noexcept
    {
        const str& s = i < inline_aud ? aud_inline_[i] : aud_heap_[i - inline_aud];
        return {data() + s.off, s.len};
    }

    // Reserves room for `n` octets; the heap only when inline space is too small.
    bool reserve(std::size_t n) noexcept
    {
        if (n <= inline_capacity) return true;
        heap_.reset(new (std::nothrow) char[n]);
        capacity_ = heap_ ? n : 0;
        return heap_ != nullptr;
    }
    // Appends octets and returns where they are.
    str append(std::string_view s) noexcept
    {
        str r{static_cast<std::uint32_t>(used_), static_cast<std::uint32_t>(s.size()), true};
        if (!s.empty()) std::memcpy(data() + used_, s.data(), s.size());
        used_ += s.size();
        return r;
    }
    void release() noexcept
    {
        heap_.reset();
        aud_heap_.reset();
        extra_heap_.reset();
        used_ = json_len_ = capacity_ = aud_count_ = extra_count_ = 0;
        present_ = 0;
    }
    void take(claims& o) noexcept
    {
        if (!o.heap_) std::memcpy(inline_.data(), o.inline_.data(), o.used_);
        heap_ = std::move(o.heap_);
        capacity_ = o.capacity_;
        used_ = o.used_;
        json_len_ = o.json_len_;
        iss_ = o.iss_;
        sub_ = o.sub_;
        jti_ = o.jti_;
        client_id_ = o.client_id_;
        scope_ = o.scope_;
        exp_ = o.exp_;
        nbf_ = o.nbf_;
        iat_ = o.iat_;
        aud_count_ = o.aud_count_;
        present_ = o.present_;
        aud_inline_ = o.aud_inline_;
        aud_heap_ = std::move(o.aud_heap_);
        extra_count_ = o.extra_count_;
        if (!o.extra_heap_ && extra_count_ != 0)
            std::memcpy(static_cast<void*>(extra_inline_.data()), o.extra_inline_.data(), extra_count_ * sizeof(extra));
        extra_heap_ = std::move(o.extra_heap_);
        o.release();
    }

    std::array<char, inline_capacity> inline_;  // only [0, used_) is ever read
    std::unique_ptr<char[]> heap_;
    std::size_t capacity_ = 0, used_ = 0, json_len_ = 0;
    str iss_, sub_, jti_, client_id_, scope_;
    num exp_, nbf_, iat_;
    std::size_t aud_count_ = 0;
    std::uint32_t present_ = 0;  // registered_bit() of each registered claim read
    std::array<str, inline_aud> aud_inline_{};
    std::unique_ptr<str[]> aud_heap_;
    std::size_t extra_count_ = 0;
    std::array<extra, inline_extras> extra_inline_;  // only [0, extra_count_) is ever read
    std::unique_ptr<extra[]> extra_heap_;            // when more than inline_extras are declared
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jwt

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// A claim the policy declares, as the verifier keeps it: the name, a
// fingerprint of it (key_fingerprint), where the name lies in the verifier's
// block of all declared names, its kind, and whether it is required.
struct claim_decl {
    std::string name;
    std::uint64_t print = 0;  // key_fingerprint(name)
    std::uint32_t name_off = 0;
    jose::jwt::claim_kind kind = jose::jwt::claim_kind::string;
    bool required = false;
};

// Fills a jwt::claims from the parsed claims set (RFC 7519 §4), in one pass
// over its members: duplicate names (at this level by a fingerprint, below
// it by has_duplicate_member), the registered claims and their types. The
// DOM rather than On-Demand: measured here, On-Demand (simdjson 3.0's
// portable kernel, since the header-only build cannot assume AVX2) took
// 280 ns for a 180-byte claims set against 170 ns for DOM parse and fill.
struct claims_access {
    using claims = jose::jwt::claims;

    using kind = jose::jwt::claim_kind;

    // Copies the declared claims' names (`names`: all of them, one after the
    // other, as claim_decl::name_off says) into `c` (decode_into reserved
    // room for them) and marks every declared claim absent. One allocation
    // only when more than claims::inline_extras claims are declared.
    static std::error_code begin_extras(claims& c, std::span<const claim_decl> decls, std::string_view names) noexcept
    {
        c.extra_count_ = 0;
        if (decls.empty()) return {};
        if (decls.size() > claims::inline_extras) {
            c.extra_heap_.reset(new (std::nothrow) claims::extra[decls.size()]);
            if (!c.extra_heap_) return std::make_error_code(std::errc::not_enough_memory);
        }
        const std::size_t base = c.append(names).off;
        claims::extra* x = c.extras();
        for (std::size_t i = 0; i < decls.size(); ++i) {
            x[i].name_off = static_cast<std::uint32_t>(base + decls[i].name_off);
            x[i].name_len = static_cast<std::uint32_t>(decls[i].name.size());
            x[i].kind = decls[i].kind;
            x[i].present = false;
        }
        c.extra_count_ = decls.size();
        return {};
    }

    static bool present(const claims& c, std::size_t i) noexcept { return c.extras()[i].present; }

    // Reads member `v` into declared claim `x`, checking its JSON type.
    // `index` is the member's position in the object (for an object claim,
    // whose text is found after the pass by member_value_span).
    static std::error_code read_extra(simdjson::dom::element v, claims& c, claims::extra& x, std::size_t index) noexcept
    {
        switch (x.kind) {
        case kind::string: {
            std::string_view s;
            if (v.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
            const claims::str r = c.append(s);
            x.off = r.off;
            x.len = r.len;
            break;
        }
        case kind::integer:
            if (v.get_int64().get(x.i) != simdjson::SUCCESS) return errc::invalid_claim_type;
            break;
        case kind::number:
            if (v.get_double().get(x.d) != simdjson::SUCCESS) return errc::invalid_claim_type;
            break;
        case kind::boolean:
            if (v.get_bool().get(x.b) != simdjson::SUCCESS) return errc::invalid_claim_type;
            break;
        case kind::strings: {
            simdjson::dom::array a;
            if (v.get_array().get(a) != simdjson::SUCCESS) return errc::invalid_claim_type;
            x.off = static_cast<std::uint32_t>(c.used_);
            std::uint32_t n = 0;
            for (const auto e : a) {
                std::string_view s;
                if (e.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
                // Each element as a base-128 length and its octets. Room: an
                // element costs at least its length plus 3 octets ("",) of the
                // JSON text, the varint at most 3 below 2 MiB; checked anyway.
                if (c.capacity() - c.used_ < s.size() + 10) return errc::token_too_large;
                char* out = c.data() + c.used_;
                std::size_t len = s.size(), i = 0;
                do {
                    out[i++] = static_cast<char>((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
                    len >>= 7;
                } while (len != 0);
                if (!s.empty()) std::memcpy(out + i, s.data(), s.size());
                c.used_ += i + s.size();
                ++n;
            }
            x.len = n;
            break;
        }
        case kind::object:
            if (v.type() != simdjson::dom::element_type::OBJECT) return errc::invalid_claim_type;
            x.off = static_cast<std::uint32_t>(index);  // member_value_span turns it into the text
            break;
        }
        x.present = true;
        return {};
    }

    // Where the value of member number `index` of the object in `j` lies. `j`
    // is text simdjson accepted as an object, so a lexical walk suffices: the
    // DOM keeps members in text order but not their offsets. Only for object
    // claims, once per verification that has one.
    static bool member_value_span(std::string_view j, std::size_t index, std::size_t& begin, std::size_t& end) noexcept
    {
        std::size_t i = 0;
        const std::size_t n = j.size();
        const auto ws = [&] {
            while (i < n && (j[i] == ' ' || j[i] == '\t' || j[i] == '\n' || j[i] == '\r')) ++i;
        };
        const auto skip_string = [&] {  // at '"'
            for (++i; i < n;) {
                const char ch = j[i++];
                if (ch == '\\')
                    ++i;
                else if (ch == '"')
                    return true;
            }
            return false;
        };
        const auto skip_value = [&] {
            if (i >= n) return false;
            if (j[i] == '"') return skip_string();
            if (j[i] == '{' || j[i] == '[') {
                int depth = 0;
                while (i < n) {
                    const char ch = j[i];
                    if (ch == '"') {
                        if (!skip_string()) return false;
                        continue;
                    }
                    ++i;
                    if (ch == '{' || ch == '[')
                        ++depth;
                    else if ((ch == '}' || ch == ']') && --depth == 0)
                        return true;
                }
                return false;
            }
            while (i < n && j[i] != ',' && j[i] != '}' && j[i] != ' ' && j[i] != '\t' && j[i] != '\n' && j[i] != '\r')
                ++i;
            return true;
        };
        if (j.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a byte order mark simdjson skips
        ws();
        if (i >= n || j[i] != '{') return false;
        ++i;
        for (std::size_t m = 0;; ++m) {
            ws();
            if (i >= n || j[i] != '"' || !skip_string()) return false;
            ws();
            if (i >= n || j[i] != ':') return false;
            ++i;
            ws();
            const std::size_t b = i;
            if (!skip_value()) return false;
            if (m == index) {
                begin = b;
                end = i;
                return true;
            }
            ws();
            if (i >= n || j[i] != ',') return false;
            ++i;
        }
    }

    static std::error_code read_string(simdjson::dom::element v, claims& c, claims::str& out) noexcept
    {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
        out = c.append(s);
        return {};
    }

    static std::error_code read_number(simdjson::dom::element v, claims::num& out) noexcept
    {
        double d;
        // int64, uint64 and double all read as double: a NumericDate may be
        // fractional or large (RFC 7519 §2).
        if (v.get_double().get(d) != simdjson::SUCCESS) return errc::invalid_claim_type;
        out = {d, true};
        return {};
    }

    static std::error_code read_aud(simdjson::dom::element v, claims& c) noexcept
    {
        std::string_view s;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
            c.aud_inline_[0] = c.append(s);
            c.aud_count_ = 1;
            return {};
        }
        simdjson::dom::array a;
        if (v.get_array().get(a) != simdjson::SUCCESS) return errc::invalid_claim_type;
        const std::size_t n = a.size();
        if (n > claims::inline_aud) {
            c.aud_heap_.reset(new (std::nothrow) claims::str[n - claims::inline_aud]);
            if (!c.aud_heap_) return std::make_error_code(std::errc::not_enough_memory);
        }
        std::size_t i = 0;
        for (const auto e : a) {
            if (i >= n || e.get_string().get(s) != simdjson::SUCCESS) return errc::invalid_claim_type;
            (i < claims::inline_aud ? c.aud_inline_[i] : c.aud_heap_[i - claims::inline_aud]) = c.append(s);
            ++i;
        }
        c.aud_count_ = i;
        return {};
    }

    // Decodes the base64url claims set straight into the claims buffer (no
    // copy later), followed by the zeroed padding simdjson reads past a
    // document; the string claims go after it, and the declared claims'
    // names (`names` octets). Every string claim is at most as long as the
    // JSON text it came from, so twice the text plus the padding and the
    // names is always enough room.
    static result<std::string_view> decode_into(claims& c, std::string_view payload_b64, std::size_t names = 0) noexcept
    {
        const std::size_t max = encoding::base64url::decoded_size_max(payload_b64.size());
        if (!c.reserve(2 * max + simdjson::SIMDJSON_PADDING + names))
            return std::make_error_code(std::errc::not_enough_memory);
        auto n = encoding::base64url::decode(payload_b64, {reinterpret_cast<std::byte*>(c.data()), max});
        if (!n) return n.error();
        std::memset(c.data() + *n, 0, simdjson::SIMDJSON_PADDING);
        c.json_len_ = *n;
        c.used_ = *n + simdjson::SIMDJSON_PADDING;
        return std::string_view(c.data(), *n);
    }

    // `o` was parsed from the text decode_into() left in `c`.
    // A registered claim name of three letters as one integer, so that names
    // are told apart with one comparison instead of calls to memcmp.
    static constexpr std::uint32_t name3(const char* n) noexcept
    {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(n[0])) |
               static_cast<std::uint32_t>(static_cast<unsigned char>(n[1])) << 8 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(n[2])) << 16;
    }

    // A registered name's bit, computed at compile time.
    template <std::size_t N> static consteval std::uint32_t bit_of(const char (&name)[N]) noexcept
    {
        return claims::registered_bit(std::string_view(name, N - 1));
    }

    // `culprit` is set to the name of the member at fault on an error (for
    // verifier::explain); declared claims are read in the same pass.
    static std::error_code fill(claims& c, simdjson::dom::object o, std::vector<std::string_view>& scratch,
                                std::span<const claim_decl> decls, std::string_view& culprit) noexcept
    {
        std::size_t index = 0;
        bool objects = false;  // a declared object claim was read
        // The first 16 names, kept as pointer and length in arrays left
        // uninitialised (an array of string_view would be zeroed per call).
        const char* key_data[16];
        std::size_t key_size[16];
        std::uint64_t prints[16];
        std::size_t k = 0;
        bool many = false;
        for (const auto field : o) {
            const std::string_view key = field.key;
            const std::uint64_t fp = key_fingerprint(key);
            if (k < 16) {
                for (std::size_t i = 0; i < k; ++i)
                    if (prints[i] == fp && std::string_view(key_data[i], key_size[i]) == key) {
                        culprit = key;
                        return errc::duplicate_member;
                    }
                key_data[k] = key.data();
                key_size[k] = key.size();
                prints[k++] = fp;
            } else {
                many = true;
            }
            std::error_code e;
            std::uint32_t bit = 0;  // registered_bit(key), known from the dispatch
            const simdjson::dom::element v = field.value;
            if (key.size() == 3) {
                switch (name3(key.data())) {
                case name3("iss"): e = read_string(v, c, c.iss_), bit = bit_of("iss"); break;
                case name3("sub"): e = read_string(v, c, c.sub_), bit = bit_of("sub"); break;
                case name3("jti"): e = read_string(v, c, c.jti_), bit = bit_of("jti"); break;
                case name3("exp"): e = read_number(v, c.exp_), bit = bit_of("exp"); break;
                case name3("nbf"): e = read_number(v, c.nbf_), bit = bit_of("nbf"); break;
                case name3("iat"): e = read_number(v, c.iat_), bit = bit_of("iat"); break;
                case name3("aud"): e = read_aud(v, c), bit = bit_of("aud"); break;
                default: break;
                }
            } else if (key == "scope") {
                e = read_string(v, c, c.scope_), bit = bit_of("scope");
            } else if (key == "client_id") {
                e = read_string(v, c, c.client_id_), bit = bit_of("client_id");
            }
            if (bit == 0 && !decls.empty()) {
                for (std::size_t i = 0; i < decls.size(); ++i) {
                    // The print is a filter only: the whole name is compared, length first
                    // (a memcmp by the key's length read past a shorter declared name).
                    if (decls[i].print != fp || std::string_view(decls[i].name) != key) continue;
                    claims::extra& x = c.extras()[i];
                    e = read_extra(v, c, x, index);
                    objects = objects || x.kind == kind::object;
                    break;
                }
            }
            if (e) {
                culprit = key;
                return e;
            }
            c.present_ |= bit;
            ++index;
            const auto t = v.type();
            if (t == simdjson::dom::element_type::OBJECT || t == simdjson::dom::element_type::ARRAY)
                if (auto de = check_members(v, scratch, errc::invalid_claims, 1)) {
                    culprit = key;
                    return de;
                }
        }
        if (objects) {  // the declared object claims' text, from the JSON in the buffer
            claims::extra* x = c.extras();
            for (std::size_t i = 0; i < c.extra_count_; ++i) {
                if (x[i].kind != kind::object || !x[i].present) continue;
                std::size_t b = 0, end = 0;
                if (!member_value_span(c.json(), x[i].off, b, end)) return errc::invalid_claims;
                x[i].off = static_cast<std::uint32_t>(b);
                x[i].len = static_cast<std::uint32_t>(end - b);
            }
        }
        // More than 16 names: check this level by sorting (allocation-free once warm).
        if (many) {
            scratch.clear();
            try {
                for (const auto field : o) scratch.push_back(field.key);
            } catch (...) {
                return std::make_error_code(std::errc::not_enough_memory);
            }
            std::sort(scratch.begin(), scratch.end());
            if (const auto d = std::adjacent_find(scratch.begin(), scratch.end()); d != scratch.end()) {
                culprit = *d;
                return errc::duplicate_member;
            }
        }
        return {};
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_JOSE_CLAIMS_HPP
