// apiauth/http/basic.hpp — the "Basic" scheme (RFC 7617) and OAuth 2.0 client
// passwords sent with it (RFC 6749 §2.3.1).
#ifndef APIAUTH_HTTP_BASIC_HPP
#define APIAUTH_HTTP_BASIC_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/http/request.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
struct basic_access;
}

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** How the octets of a user-id and password are interpreted (RFC 7617 §2.1). */
enum class charset_policy {
    octets,          ///< no check: any octets but CTLs (RFC 7617 leaves the encoding undefined)
    utf8,            ///< must be UTF-8 (what `charset="UTF-8"` in our challenge asks for); the default
    utf8_or_latin1,  ///< UTF-8 if it is valid UTF-8, else taken as ISO-8859-1 (flagged; see latin1_to_utf8)
};

/** Options for decoding Basic credentials. The defaults are strict. */
struct basic_options {
    /// What the decoded octets must be (RFC 7617 §2.1): UTF-8 by default.
    charset_policy charset = charset_policy::utf8;
    /// Accept a token68 whose '=' padding is missing (RFC 4648 §3.2 loosened;
    /// some clients omit it). Wrong padding is still refused.
    bool allow_missing_padding = false;
    /// Longest token68 accepted; longer is basic_token_too_large.
    std::size_t max_token_size = 4096;
};

/// What the octets of decoded credentials turned out to be.
enum class text_encoding {
    unchecked,  ///< charset_policy::octets: not inspected
    utf8,       ///< valid UTF-8 (ASCII included)
    latin1,     ///< not UTF-8; accepted as ISO-8859-1 under utf8_or_latin1
};

/** A decoded user-id and password. Owns its octets and wipes them.

    `user_id()` and `password()` view into this object: they are valid while
    it lives and is not moved from. Up to 128 decoded octets are kept inline
    (no allocation); longer credentials are kept on the heap. The storage is
    overwritten with zeros (detail::wipe) on destruction and on move.
*/
class basic_credentials {
public:
    basic_credentials() noexcept = default;
    /// A copy, with storage of its own (wiped in turn).
    basic_credentials(const basic_credentials& o) { assign(o); }
    /// Replaces these credentials with a copy of `o`, wiping the old ones.
    basic_credentials& operator=(const basic_credentials& o)
    {
        if (this != &o) {
            clear();
            assign(o);
        }
        return *this;
    }
    /// Takes over `o`'s credentials; `o`'s storage is wiped.
    basic_credentials(basic_credentials&& o) noexcept { take(o); }
    /// Takes over `o`'s credentials, wiping the old ones and `o`'s storage.
    basic_credentials& operator=(basic_credentials&& o) noexcept
    {
        if (this != &o) {
            clear();
            take(o);
        }
        return *this;
    }
    ~basic_credentials() { clear(); }

    /// The user-id octets (for OAuth: the client_id). Never contains ':' unless form-decoded.
    std::string_view user_id() const noexcept { return {data() + user_off_, user_len_}; }
    /// The password octets (for OAuth: the client_secret). May contain ':'.
    std::string_view password() const noexcept { return {data() + pass_off_, pass_len_}; }
    /// Whether the octets were checked to be UTF-8, or taken as Latin-1.
    text_encoding encoding() const noexcept { return encoding_; }

private:
    friend struct detail::basic_access;
    static constexpr std::size_t inline_capacity = 128;

    const char* data() const noexcept { return heap_ ? heap_.get() : inline_.data(); }
    char* data() noexcept { return heap_ ? heap_.get() : inline_.data(); }

    bool reserve(std::size_t n) noexcept
    {
        if (n <= inline_capacity) return true;
        heap_.reset(new (std::nothrow) char[n]);
        capacity_ = heap_ ? n : 0;
        return heap_ != nullptr;
    }

    void clear() noexcept
    {
        if (heap_) {
            detail::wipe(heap_.get(), capacity_);
            heap_.reset();
        }
        // used_ counts heap octets too (and still does after take() moved heap_ out).
        detail::wipe(inline_.data(), used_ < inline_capacity ? used_ : inline_capacity);
        capacity_ = used_ = user_off_ = user_len_ = pass_off_ = pass_len_ = 0;
    }

    void take(basic_credentials& o) noexcept
    {
        if (!o.heap_) std::memcpy(inline_.data(), o.inline_.data(), o.used_);
        heap_ = std::move(o.heap_);
        used_ = o.used_;
        capacity_ = o.capacity_;
        user_off_ = o.user_off_;
        user_len_ = o.user_len_;
        pass_off_ = o.pass_off_;
        pass_len_ = o.pass_len_;
        encoding_ = o.encoding_;
        o.capacity_ = 0;
        o.clear();
    }

    void assign(const basic_credentials& o)
    {
        if (o.heap_) {
            heap_.reset(new char[o.capacity_]);
            capacity_ = o.capacity_;
            std::memcpy(heap_.get(), o.heap_.get(), capacity_);
        } else {
            std::memcpy(inline_.data(), o.inline_.data(), o.used_);
        }
        used_ = o.used_;
        user_off_ = o.user_off_;
        user_len_ = o.user_len_;
        pass_off_ = o.pass_off_;
        pass_len_ = o.pass_len_;
        encoding_ = o.encoding_;
    }

    std::array<char, inline_capacity> inline_;  // only the first used_ octets are ever read, copied or wiped
    std::unique_ptr<char[]> heap_;
    std::size_t capacity_ = 0;  // of heap_
    std::size_t used_ = 0;      // octets written (wiped by clear)
    std::size_t user_off_ = 0, user_len_ = 0, pass_off_ = 0, pass_len_ = 0;
    text_encoding encoding_ = text_encoding::unchecked;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

struct basic_access {
    using basic_credentials = http::basic_credentials;
    using basic_options = http::basic_options;
    using charset_policy = http::charset_policy;
    using text_encoding = http::text_encoding;

    // The result is built in place and returned by name on every path, so the
    // credentials are neither moved nor copied (each move would copy and wipe).
    using credentials_result = result<basic_credentials>;

    static void fail(credentials_result& r, std::error_code e) noexcept { r = credentials_result(e); }

    // RFC 7617 §2: no CTL in either half; then the charset policy. Printable
    // ASCII (the usual case) settles both at once.
    static std::error_code check_text(basic_credentials& c, charset_policy p) noexcept
    {
        const std::string_view user = c.user_id(), pass = c.password();
        if (is_printable_ascii(user) && is_printable_ascii(pass)) {
            c.encoding_ = p == charset_policy::octets ? text_encoding::unchecked : text_encoding::utf8;
            return {};
        }
        if (has_ctl(user) || has_ctl(pass)) return errc::basic_control_character;
        if (p == charset_policy::octets) {
            c.encoding_ = text_encoding::unchecked;
            return {};
        }
        const bool utf8 = is_utf8(user) && is_utf8(pass);
        if (!utf8 && p == charset_policy::utf8) return errc::basic_invalid_utf8;
        c.encoding_ = utf8 ? text_encoding::utf8 : text_encoding::latin1;
        return {};
    }

    // Base64-decodes the token68, splits it at the first ':' and checks the text.
    static credentials_result decode(std::string_view token68, const basic_options& opt) noexcept
    {
        credentials_result r{boost::system::in_place_value};
        basic_credentials& c = *r;
        if (token68.size() > opt.max_token_size) {
            fail(r, errc::basic_token_too_large);
            return r;
        }
        const std::size_t cap = encoding::base64::decoded_size_max(token68.size());
        if (!c.reserve(cap)) {
            fail(r, std::make_error_code(std::errc::not_enough_memory));
            return r;
        }
        c.used_ = cap;  // the decoder may write up to cap octets before it knows of an error
        auto n = encoding::base64::decode(token68, {reinterpret_cast<std::byte*>(c.data()), cap},
                                          base64_options{.allow_missing_padding = opt.allow_missing_padding});
        if (!n) {
            fail(r, n.error());
            return r;
        }
        c.used_ = *n;
        const std::string_view all(c.data(), *n);
        const std::size_t colon = all.find(':');
        if (colon == std::string_view::npos) {
            fail(r, errc::basic_missing_colon);
            return r;
        }
        c.user_off_ = 0;
        c.user_len_ = colon;
        c.pass_off_ = colon + 1;
        c.pass_len_ = *n - colon - 1;
        if (auto e = check_text(c, opt.charset)) fail(r, e);
        return r;
    }

    // RFC 6749 Appendix B: application/x-www-form-urlencoded decoding of one
    // half, in place ('+' is SP, %XX an octet), by http/form.hpp. Only the
    // escapes are checked there; the caller applies RFC 7617's rules after.
    static bool form_decode(char* base, std::size_t off, std::size_t& len) noexcept
    {
        char* const p = base + off;
        const auto n = http::decode_form_component(std::string_view(p, len), std::span<char>(p, len));
        if (!n) return false;
        wipe(p + *n, len - *n);
        len = *n;
        return true;
    }

    static credentials_result decode_client(std::string_view token68, const basic_options& opt, bool raw) noexcept
    {
        credentials_result r = decode(token68, opt);
        if (!r || raw) return r;
        basic_credentials& c = *r;
        if (!form_decode(c.data(), c.user_off_, c.user_len_) || !form_decode(c.data(), c.pass_off_, c.pass_len_)) {
            fail(r, errc::basic_invalid_form_encoding);
            return r;
        }
        // %00-%1F and %7F decode to CTLs; client-id and client-secret are *VSCHAR
        // (RFC 6749 A.1, A.2) and RFC 7617 §2 forbids CTLs in either half.
        if (auto e = check_text(c, opt.charset)) fail(r, e);
        return r;
    }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http {

/** Decode the token68 of Basic credentials into user-id and password.

    Base64-decodes strictly (RFC 4648 §4 alphabet, padding required unless
    `opt.allow_missing_padding`, zero pad bits), splits at the first ':'
    (the password may contain ':'), and refuses control characters. The
    result owns its octets; it allocates only past 128 decoded octets.

    Errors: basic_token_too_large; the base64 errors (base64_invalid_character,
    base64_invalid_length, base64_invalid_padding, base64_noncanonical);
    basic_missing_colon; basic_control_character (any CTL, RFC 7617 §2);
    basic_invalid_utf8 under charset_policy::utf8 (the default).
    Empty user-id or password are syntactically valid (RFC 7617 §2): the
    verifier decides.

    @par Example
    @code
    auto c = apiauth::http::decode_basic("QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    assert(c && c->user_id() == "Aladdin" && c->password() == "open sesame");
    @endcode

    @par BNF
    @code
    credentials       = "Basic" 1*SP token68      ; token68 = base64 (RFC 4648 §4) of user-pass
    user-pass         = user-id ":" password
    user-id           = *<TEXT excluding ":" and CTLs>
    password          = *<TEXT excluding CTLs>
    @endcode

    @par Specification RFC 7617 §2, §2.1; RFC 4648 §3.2, §3.3, §3.5, §4.

    @see extract_basic, decode_oauth_client_basic, encode_basic.
*/
inline result<basic_credentials> decode_basic(std::string_view token68, basic_options opt = {}) noexcept
{
    return detail::basic_access::decode(token68, opt);
}

/** Options for OAuth 2.0 client authentication with Basic (RFC 6749 §2.3.1). */
struct oauth_basic_options {
    basic_options basic{};  ///< how the Basic token68 itself is decoded
    /// Compatibility switch for clients that send client_id and client_secret
    /// without the form-encoding RFC 6749 §2.3.1 requires: take the halves as
    /// they are. Set it per client, not globally: with it a secret containing
    /// '+' or '%' from an RFC-conforming client no longer matches.
    bool raw = false;
};

/** Decode Basic credentials carrying an OAuth 2.0 client_id and client_secret.

    As decode_basic, then form-decodes each half (RFC 6749 §2.3.1 and
    Appendix B: '+' is a space, %XX an octet, by decode_form_component), so that a
    client_id may contain ':' (sent as %3A). A malformed %-escape is
    basic_invalid_form_encoding (a client-authentication failure: 401
    invalid_client at the token endpoint); an escape that decodes to a
    control character is basic_control_character. Decoding happens once and
    in place (a secret sent as `a%2525b` is `a%25b`).

    @par Specification RFC 6749 §2.3.1, Appendix B; RFC 7617 §2.

    @see decode_basic, encode_oauth_client_basic.
*/
inline result<basic_credentials> decode_oauth_client_basic(std::string_view token68,
                                                           oauth_basic_options opt = {}) noexcept
{
    return detail::basic_access::decode_client(token68, opt.basic, opt.raw);
}

/** Read the Basic credentials of a request: header, then decode_basic.

    Errors before decoding: no_credentials (no Authorization field),
    duplicate_authorization (more than one field line, RFC 9110 §5.3), the
    parse_credentials errors, unsupported_scheme (a scheme other than Basic,
    matched case-insensitively), basic_missing_token (no token68, or
    auth-params instead). Every failure but the first and those of
    parse_credentials should be answered 401 with a Basic challenge.

    @par Specification RFC 7617 §2; RFC 9110 §11.4, §5.3.
*/
inline result<basic_credentials> extract_basic(const request_view& req, basic_options opt = {},
                                               parse_options popt = {}) noexcept
{
    if (req.authorization.empty()) return errc::no_credentials;
    if (req.authorization.size() > 1) return errc::duplicate_authorization;
    auto c = parse_credentials(req.authorization.front(), popt);
    if (!c) return c.error();
    if (!c->is("Basic")) return errc::unsupported_scheme;
    if (c->token68.empty()) return errc::basic_missing_token;
    return decode_basic(c->token68, opt);
}

/** Build the `Authorization` field value "Basic <base64(user-id:password)>".

    Refuses a user-id containing ':' (basic_colon_in_user_id: RFC 7617 §2
    says it cannot be encoded) and control characters in either part
    (basic_control_character). Octets are encoded as given: pass UTF-8 to
    match `charset="UTF-8"`.

    @par Specification RFC 7617 §2.
*/
inline result<std::string> encode_basic(std::string_view user_id, std::string_view password)
{
    if (user_id.find(':') != std::string_view::npos) return errc::basic_colon_in_user_id;
    if (detail::has_ctl(user_id) || detail::has_ctl(password)) return errc::basic_control_character;
    std::string user_pass;
    user_pass.reserve(user_id.size() + 1 + password.size());
    user_pass.append(user_id).append(1, ':').append(password);
    // Encoded straight into the result, sized first: a temporary would be freed unwiped.
    constexpr std::string_view scheme = "Basic ";
    std::string out(scheme.size() + encoding::base64::encoded_size(user_pass.size()), '\0');
    std::memcpy(out.data(), scheme.data(), scheme.size());
    (void)encoding::base64::encode(detail::as_bytes(user_pass), std::span(out).subspan(scheme.size()));  // fits
    detail::wipe(user_pass.data(), user_pass.size());
    return out;
}

/** Build "Basic …" for an OAuth 2.0 client: form-encode client_id and
    client_secret (RFC 6749 Appendix B), then encode as Basic. A ':' in the
    client_id is fine (it is sent as %3A); control characters are refused
    (basic_control_character), as the decoder refuses them.

    @par Specification RFC 6749 §2.3.1, Appendix B.
*/
inline result<std::string> encode_oauth_client_basic(std::string_view client_id, std::string_view client_secret)
{
    // Form-encoding would carry a CTL as %XX, which decode_oauth_client_basic refuses.
    if (detail::has_ctl(client_id) || detail::has_ctl(client_secret)) return errc::basic_control_character;
    std::string id = encode_form_component(client_id);
    std::string secret = encode_form_component(client_secret);
    auto r = encode_basic(id, secret);
    detail::wipe(secret.data(), secret.size());
    return r;
}

/** ISO-8859-1 octets as UTF-8 (each octet is the code point of the same
    value). For credentials decoded under charset_policy::utf8_or_latin1
    whose encoding() is latin1. Allocates. */
inline std::string latin1_to_utf8(std::string_view latin1)
{
    std::string out;
    out.reserve(latin1.size() * 2);
    for (const char ch : latin1) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out.push_back(ch);
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::http

#endif  // APIAUTH_HTTP_BASIC_HPP
