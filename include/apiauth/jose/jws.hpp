// apiauth/jose/jws.hpp — JWS Compact Serialization: verify (RFC 7515). No
// nlohmann/json: jws::sign, which takes its header as JSON text to rewrite,
// is in <apiauth/jose/sign.hpp>.
#ifndef APIAUTH_JOSE_JWS_HPP
#define APIAUTH_JOSE_JWS_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose {

/** Checks shared by JWS and JWT verification. */
struct jws_options {
    /// Longest compact token accepted; longer is token_too_large before any decoding.
    std::size_t max_size = 16 * 1024;
    /// Expected `typ` (RFC 7515 §4.1.9, RFC 8725 §3.11), compared as a media
    /// type: ASCII case-insensitive, "application/" implied when the value has
    /// no '/', so "at+jwt" accepts "AT+JWT" and "application/at+jwt". Empty:
    /// typ is not checked.
    std::string_view typ{};
    /// Header parameters the caller processes itself and so may be listed in
    /// `crit` (RFC 7515 §4.1.11). By default none: any `crit` is refused.
    /// Never "b64" (invalid_configuration): the payload is always base64url,
    /// so RFC 7797's unencoded payload ("b64":false) would be misread.
    std::span<const std::string_view> understood_critical{};
};

namespace jws {

class verified;
inline result<verified> verify(std::string_view compact, const key_set& keys, const jws_options& opt) noexcept;

/** A JWS whose signature checked out. Views into the token string, which the
    caller keeps alive; the key is the one from the key set (the set must
    outlive this too). Owns nothing and never allocates. Only jws::verify
    makes one (copies are fine: they prove the same thing). */
class verified {
public:
    /// The algorithm that verified the signature (the key's).
    algorithm alg() const noexcept { return alg_; }
    /// The key that verified the signature.
    const jose::key& key() const noexcept { return *key_; }
    /// BASE64URL(header) "." BASE64URL(payload): the bytes the signature covers.
    std::string_view signing_input() const noexcept { return token_.substr(0, dot2_); }
    /// The protected header as sent (base64url).
    std::string_view header_b64() const noexcept { return token_.substr(0, dot1_); }
    /// The payload as sent (base64url).
    std::string_view payload_b64() const noexcept { return token_.substr(dot1_ + 1, dot2_ - dot1_ - 1); }
    /// The signature as sent (base64url).
    std::string_view signature_b64() const noexcept { return token_.substr(dot2_ + 1); }

    /// The payload octets, decoded (allocates). Not necessarily JSON (RFC 7515 §7.1).
    std::string payload() const { return encoding::base64url::decode(payload_b64()).value(); }
    /// The JOSE header's JSON text, decoded (allocates).
    std::string header_json() const { return encoding::base64url::decode(header_b64()).value(); }

private:
    friend result<verified> verify(std::string_view compact, const key_set& keys, const jws_options& opt) noexcept;
    verified(algorithm a, const jose::key* k, std::string_view compact, std::size_t dot1, std::size_t dot2) noexcept
        : alg_(a), key_(k), token_(compact), dot1_(dot1), dot2_(dot2)
    {
    }
    algorithm alg_;
    const jose::key* key_;
    std::string_view token_;
    std::size_t dot1_, dot2_;
};

}  // namespace jws
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Scratch space of one thread's verifications: decode buffers and simdjson
// parsers. Two parsers: simdjson's parse time grows with the capacity it was
// allocated for (measured: 115 ns at 1 KiB, 160 ns at 16 KiB for a 180-byte
// claims set), so documents up to 1 KiB use a parser that stays that small
// and larger ones a second parser that grows to the largest seen (the
// warm-up). Nothing is ever shrunk.
struct jose_workspace {
    static constexpr std::size_t small_capacity = 1024;
    std::vector<char> header;
    std::vector<char> payload;
    std::vector<std::string_view> names;  // duplicate check of large objects
    simdjson::dom::parser small;
    simdjson::dom::parser large;

    jose_workspace()
    {
        if (small.allocate(small_capacity) != simdjson::SUCCESS) throw std::bad_alloc();
        header.resize(small_capacity);
        payload.resize(small_capacity);
    }

    // Decodes base64url `b64` into `buf`, followed by SIMDJSON_PADDING bytes.
    static result<std::string_view> decode(std::string_view b64, std::vector<char>& buf) noexcept
    {
        const std::size_t need = encoding::base64url::decoded_size_max(b64.size()) + simdjson::SIMDJSON_PADDING;
        if (buf.size() < need) {
            try {
                buf.resize(need);
            } catch (const std::bad_alloc&) {
                return std::make_error_code(std::errc::not_enough_memory);
            }
        }
        auto n = encoding::base64url::decode(b64, std::as_writable_bytes(std::span(buf)));
        if (!n) return n.error();
        return std::string_view(buf.data(), *n);
    }

    // Parses `json` (which lies in a buffer padded as decode() leaves it). The
    // element views into the parser used, valid until its next parse.
    result<simdjson::dom::element> parse(std::string_view json) noexcept
    {
        simdjson::dom::parser* p = &small;
        if (json.size() > small_capacity) {
            p = &large;
            if (json.size() > large.capacity() && large.allocate(json.size()) != simdjson::SUCCESS)
                return std::make_error_code(std::errc::not_enough_memory);
        }
        simdjson::dom::element e;
        if (p->parse(json.data(), json.size(), false).get(e) != simdjson::SUCCESS)
            return make_error_code(errc::invalid_claims);  // callers map to their own error
        return e;
    }
};

inline jose_workspace& tls_jose_workspace()
{
    static thread_local jose_workspace ws;
    return ws;
}

// typ as a media type (RFC 7515 §4.1.9): "application/" is implied when the
// value has no '/'; type and subtype compare ASCII case-insensitively.
inline bool media_type_equal(std::string_view got, std::string_view want) noexcept
{
    const auto split = [](std::string_view s) -> std::pair<std::string_view, std::string_view> {
        const auto slash = s.find('/');
        if (slash == std::string_view::npos) return {"application", s};
        return {s.substr(0, slash), s.substr(slash + 1)};
    };
    const auto g = split(got), w = split(want);
    return iequals(g.first, w.first) && iequals(g.second, w.second);
}

// Header Parameters RFC 7515 §4.1 and RFC 7518 §4.1/§4.6/§4.7/§4.8 define:
// a crit list may not name them (RFC 7515 §4.1.11).
inline bool is_registered_header(std::string_view n) noexcept
{
    constexpr std::string_view reg[] = {"alg",  "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
                                        "crit", "enc", "zip", "epk", "apu", "apv", "iv",  "tag",      "p2s", "p2c"};
    for (std::string_view r : reg)
        if (r == n) return true;
    return false;
}

// False when `understood` lists "b64" (RFC 7797 §3, §6): this library always
// base64url-decodes the payload, so a token with "b64":false under crit would
// be verified over other octets than its signer meant. Its signature, computed
// over the raw payload, could still verify here; RFC 7797 §6 wants such a
// token refused by a verifier that does not implement it.
inline bool understood_critical_supported(std::span<const std::string_view> understood) noexcept
{
    for (std::string_view u : understood)
        if (u == "b64") return false;
    return true;
}

// The two dots of a compact JWS, or jws_malformed unless there are exactly
// three segments (RFC 7515 §7.1).
inline result<std::pair<std::size_t, std::size_t>> split_compact(std::string_view t, std::size_t max) noexcept
{
    if (t.size() > max) return errc::token_too_large;
    const std::size_t dot1 = t.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : t.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || t.find('.', dot2 + 1) != std::string_view::npos) return errc::jws_malformed;
    return std::pair{dot1, dot2};
}

// What a JOSE header selects: the algorithm and the key (RFC 7515 §5.2 steps
// 2-5, RFC 8725 §3.1, §3.10).
struct header_choice {
    jose::algorithm alg;
    const jose::key* key;
};

inline result<header_choice> read_header(std::string_view header_b64, const jose::key_set& keys,
                                         const jose::jws_options& opt, jose_workspace& ws) noexcept
{
    // Strict base64url, a JSON object with unique names (RFC 7515 §4, §5.2 steps 2-4).
    auto hjson = jose_workspace::decode(header_b64, ws.header);
    if (!hjson) return hjson.error();
    auto hdoc = ws.parse(*hjson);
    if (!hdoc || !hdoc->is_object()) return errc::jws_invalid_header;
    if (auto e = check_members(*hdoc, ws.names, errc::jws_invalid_header)) return e;
    simdjson::dom::object h;
    if (hdoc->get_object().get(h) != simdjson::SUCCESS) return errc::jws_invalid_header;

    std::string_view alg_name, kid, typ;
    bool has_alg = false, has_kid = false, has_typ = false;
    simdjson::dom::array crit;
    bool has_crit = false;
    for (const auto field : h) {
        if (field.key == "alg") {
            if (field.value.get_string().get(alg_name) != simdjson::SUCCESS) return errc::jws_invalid_header;
            has_alg = true;
        } else if (field.key == "kid") {
            if (field.value.get_string().get(kid) != simdjson::SUCCESS) return errc::jws_invalid_header;
            has_kid = true;
        } else if (field.key == "typ") {
            if (field.value.get_string().get(typ) != simdjson::SUCCESS) return errc::jws_invalid_header;
            has_typ = true;
        } else if (field.key == "crit") {
            if (field.value.get_array().get(crit) != simdjson::SUCCESS) return errc::unsupported_critical_header;
            has_crit = true;
        }
    }
    if (!has_alg) return errc::jws_invalid_header;
    const auto alg = jose::parse_algorithm(alg_name);
    if (!alg) return errc::unsupported_algorithm;  // includes "none" (RFC 8725 §3.2)

    // crit (RFC 7515 §4.1.11): a non-empty list of distinct extension names that
    // occur in this header, none registered, each one the caller understands.
    if (has_crit) {
        if (crit.size() == 0) return errc::unsupported_critical_header;
        std::size_t i = 0;
        for (const auto v : crit) {
            std::string_view n;
            if (v.get_string().get(n) != simdjson::SUCCESS || is_registered_header(n))
                return errc::unsupported_critical_header;
            std::size_t j = 0;
            for (const auto w : crit) {
                std::string_view m;
                if (j++ < i && w.get_string().get(m) == simdjson::SUCCESS && m == n)
                    return errc::unsupported_critical_header;
            }
            ++i;
            if (h.at_key(n).error() != simdjson::SUCCESS) return errc::unsupported_critical_header;
            bool understood = false;
            for (std::string_view u : opt.understood_critical) understood = understood || u == n;
            if (!understood) return errc::unsupported_critical_header;
        }
    }
    if (!opt.typ.empty() && (!has_typ || !media_type_equal(typ, opt.typ))) return errc::wrong_token_type;

    // Key: from the set only, by kid then alg (RFC 8725 §3.1, §3.10).
    auto k = keys.select(*alg, kid, has_kid);
    if (!k) return k.error();
    return header_choice{*alg, *k};
}

// The signature segment: exactly the algorithm's length (RFC 7518 §3.2,
// §3.4), strict base64url, valid for the signing input.
inline std::error_code check_signature(std::string_view t, std::size_t dot2, const jose::key& k) noexcept
{
    const std::string_view sig_b64 = t.substr(dot2 + 1);
    const std::size_t want = k.signature_size();
    std::array<std::byte, 1024> sig;  // RSA up to 8192 bits
    if (want > sig.size() || sig_b64.size() != encoding::base64url::encoded_size(want)) {
        // The wrong length; but a segment that is not base64url at all ("=",
        // "%3d", "+") is named for that first (only on this failure path).
        if (auto e = base64_check(url_alphabet, padding_rule::forbidden, sig_b64)) return e;
        return errc::bad_signature_length;
    }
    auto n = encoding::base64url::decode(sig_b64, std::span(sig).first(want));
    if (!n) return n.error();
    if (!k.verify(as_bytes(t.substr(0, dot2)), std::span(sig).first(*n))) return errc::bad_signature;
    return {};
}

// What the JWS layer learned from a token whose signature verified.
struct jws_parts {
    jose::algorithm alg;
    const jose::key* key;
    std::size_t dot1, dot2;
};

// RFC 7515 §5.2 in the order of DESIGN.md: split, header, key, signature.
// Of the payload, only its base64url is checked (step 6), after the signature.
inline result<jws_parts> verify_compact(std::string_view t, const jose::key_set& keys, const jose::jws_options& opt,
                                        jose_workspace& ws) noexcept
{
    auto dots = split_compact(t, opt.max_size);
    if (!dots) return dots.error();
    auto choice = read_header(t.substr(0, dots->first), keys, opt, ws);
    if (!choice) return choice.error();
    if (auto e = check_signature(t, dots->second, *choice->key)) return e;
    const std::string_view payload_b64 = t.substr(dots->first + 1, dots->second - dots->first - 1);
    if (auto e = base64_check(url_alphabet, padding_rule::forbidden, payload_b64)) return e;
    return jws_parts{choice->alg, choice->key, dots->first, dots->second};
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature), with the
// header already encoded (jwt::signer encodes its header once).
inline result<std::string> sign_encoded(std::string_view header_b64, std::span<const std::byte> payload,
                                        const jose::key& k)
{
    // One allocation: the token is written in place, the signature's room sized by the key.
    const std::size_t signing_input = header_b64.size() + 1 + encoding::base64url::encoded_size(payload.size());
    std::string out(signing_input + 1 + encoding::base64url::encoded_size(k.signature_size()), '\0');
    if (!header_b64.empty()) std::memcpy(out.data(), header_b64.data(), header_b64.size());
    out[header_b64.size()] = '.';
    base64_encode(url_alphabet, false, payload, out.data() + header_b64.size() + 1);
    std::array<std::byte, 1024> sig;  // the largest signature: RSA-8192
    auto n = k.sign(as_bytes(std::string_view(out.data(), signing_input)), sig);
    if (!n) return n.error();
    out[signing_input] = '.';
    const std::size_t written =
        base64_encode(url_alphabet, false, std::span<const std::byte>(sig.data(), *n), out.data() + signing_input + 1);
    out.resize(signing_input + 1 + written);
    return out;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jws {

/** Verify a JWS in Compact Serialization against a key set (RFC 7515 §5.2).

    Order: options (invalid_configuration: "b64" in understood_critical,
    RFC 7797 §6) → bound (token_too_large) → exactly three segments (jws_malformed)
    → header: strict base64url (the base64 errors), a JSON object of valid
    UTF-8 (jws_invalid_header), unique member names (duplicate_member),
    `alg` a string naming a supported algorithm exactly (unsupported_algorithm;
    "none" is never supported), `crit` honoured
    (unsupported_critical_header), `typ` if `opt.typ` is set
    (wrong_token_type) → key chosen by key_set::select (unknown_key,
    ambiguous_key, algorithm_mismatch) → signature of exactly the algorithm's
    length (bad_signature_length) and valid (bad_signature) → payload segment
    strict base64url (the base64 errors; RFC 7515 §5.2 step 6), so that
    verified::payload() always decodes. The payload is not decoded: it is any
    octets (RFC 7515 §7.1).

    noexcept; allocation-free after the calling thread's first verification
    (a per-thread simdjson parser and decode buffers, grown to the largest
    token seen).

    @par BNF
    @code
    JWS = BASE64URL(UTF8(JWS Protected Header)) "." BASE64URL(JWS Payload) "." BASE64URL(JWS Signature)
    @endcode

    @par Specification RFC 7515 §5.2, §7.1, §4.1.1, §4.1.11; RFC 7518 §3; RFC 7797 §6; RFC 8725 §3.1, §3.2, §3.10.

    @see jwt::verifier, jws::sign (in <apiauth/jose/sign.hpp>).
*/
inline result<verified> verify(std::string_view compact, const key_set& keys, const jws_options& opt = {}) noexcept;
inline result<verified> verify(std::string_view compact, const key_set& keys, const jws_options& opt) noexcept
{
    if (!detail::understood_critical_supported(opt.understood_critical)) return errc::invalid_configuration;
    try {
        auto p = detail::verify_compact(compact, keys, opt, detail::tls_jose_workspace());
        if (!p) return p.error();
        return verified(p->alg, p->key, compact, p->dot1, p->dot2);
    } catch (...) {  // the per-thread workspace's first allocation
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::jose::jws

#endif  // APIAUTH_JOSE_JWS_HPP
