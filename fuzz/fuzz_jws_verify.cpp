// fuzz_jws_verify — JWS Compact Serialization verification (RFC 7515 §5.2, RFC 8725 §3).
//
// A key set holds two fixed keys: HS256 (kid "hs-1") and the public half of an ES256 key (kid
// "es-1"). The input is the compact token. An input that begins with 0x01 (HS256) or 0x02
// (ES256) is instead a signing input "header.payload" that the fuzzer signs with the fixed key
// before verifying, so that everything behind a valid signature is reached too. Each token is
// verified with the default options and with typ "JWT" plus one understood crit extension.
// Checks, abort() on failure:
//  - the verdict and the error are those of an independent model written here over
//    nlohmann/json: three segments, strict base64url header, a JSON object with unique names,
//    alg/kid/typ strings, crit honoured, typ as a media type, key by kid then alg, signature of
//    the exact length that verifies, payload segment strict base64url; simdjson may refuse JSON
//    that nlohmann reads only for a number it cannot hold, nesting deeper than its limit, or a
//    byte order mark;
//  - an accepted token: the key is one of the set, bound to alg; its signature re-checks with
//    key::verify over signing_input(); the payload segment is strict base64url and payload()
//    decodes it; header_json() is the header;
//  - jwt::verifier (no claims policy) fails with the JWS error whenever jws::verify fails, and
//    with a claims error or not at all when it passes; verifying again (its header cache) answers
//    the same.
#include "jose_fuzz_model.hpp"

#include <apiauth/detail/json.hpp>  // parse_json_unique: the models read JSON with nlohmann
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace jose = apiauth::jose;
namespace base64url = apiauth::encoding::base64url;
using apiauth::errc;
using jose::algorithm;
using namespace apiauth_fuzz;

constexpr std::string_view understood_ext = "urn:example:ext";

struct world : apiauth_fuzz::fuzz_keys {
    std::array<std::string_view, 1> crit{understood_ext};
    jose::jws_options strict{};
    jose::jws_options loose{};
};

const world& the_world()
{
    static const std::unique_ptr<world> w = [] {
        auto x = std::make_unique<world>();
        static_cast<apiauth_fuzz::fuzz_keys&>(*x) = apiauth_fuzz::make_fuzz_keys();
        x->loose.typ = "JWT";
        x->loose.understood_critical = x->crit;
        return x;
    }();
    return *w;
}

// ---- the model ---------------------------------------------------------------------------------

bool registered_header(std::string_view n)
{
    for (std::string_view r : {"alg",  "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
                               "crit", "enc", "zip", "epk", "apu", "apv", "iv",  "tag",      "p2s", "p2c"})
        if (r == n) return true;
    return false;
}

struct model_verdict {
    std::error_code error;
    const jose::key* key = nullptr;
    algorithm alg = algorithm::hs256;
};

// RFC 7515 §5.2 written out again, over nlohmann/json.
model_verdict model(std::string_view t, const jose::key_set& keys, const jose::jws_options& opt)
{
    model_verdict v;
    const auto fail = [&](errc e) {
        v.error = apiauth::make_error_code(e);
        return v;
    };
    if (t.size() > opt.max_size) return fail(errc::token_too_large);
    std::vector<std::size_t> dots;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i] == '.') dots.push_back(i);
    if (dots.size() != 2) return fail(errc::jws_malformed);

    const auto header = base64url::decode(t.substr(0, dots[0]));
    if (!header) {
        v.error = header.error();
        return v;
    }
    const bool syntax_ok = nlohmann_accepts(*header);
    if (!simdjson_accepts(*header, syntax_ok) || !syntax_ok) return fail(errc::jws_invalid_header);
    const auto h = nlohmann::ordered_json::parse(*header);
    if (!h.is_object()) return fail(errc::jws_invalid_header);
    // Past 64 levels of nesting the header is malformed; else a repeated name is a duplicate.
    if (container_depth(h) > 64) return fail(errc::jws_invalid_header);
    if (!apiauth::detail::parse_json_unique(*header)) return fail(errc::duplicate_member);

    std::optional<std::string> alg_name, kid, typ;
    const nlohmann::ordered_json* crit = nullptr;
    for (const auto& [name, value] : h.items()) {
        if (name == "alg" || name == "kid" || name == "typ") {
            if (!value.is_string()) return fail(errc::jws_invalid_header);
            (name == "alg" ? alg_name : name == "kid" ? kid : typ) = value.get<std::string>();
        } else if (name == "crit") {
            if (!value.is_array()) return fail(errc::unsupported_critical_header);
            crit = &value;
        }
    }
    if (!alg_name) return fail(errc::jws_invalid_header);
    std::optional<algorithm> alg;
    for (int i = 0; i < 14; ++i)
        if (jose::name(static_cast<algorithm>(i)) == *alg_name) alg = static_cast<algorithm>(i);
    if (!alg) return fail(errc::unsupported_algorithm);
    if (crit) {
        if (crit->empty()) return fail(errc::unsupported_critical_header);
        std::vector<std::string> seen;
        for (const auto& c : *crit) {
            if (!c.is_string()) return fail(errc::unsupported_critical_header);
            const auto& n = c.get_ref<const std::string&>();
            bool understood = false;
            for (std::string_view u : opt.understood_critical) understood = understood || u == n;
            if (registered_header(n) || !h.contains(n) || !understood) return fail(errc::unsupported_critical_header);
            for (const auto& s : seen)
                if (s == n) return fail(errc::unsupported_critical_header);
            seen.push_back(n);
        }
    }
    if (!opt.typ.empty() && (!typ || !same_media_type(*typ, opt.typ))) return fail(errc::wrong_token_type);

    const jose::key* chosen = nullptr;
    if (kid) {
        for (const jose::key& k : keys)
            if (k.has_kid() && k.kid() == *kid) chosen = &k;
        if (!chosen) return fail(errc::unknown_key);
        if (chosen->alg() != *alg) return fail(errc::algorithm_mismatch);
    } else {
        for (const jose::key& k : keys) {
            if (k.alg() != *alg) continue;
            if (chosen) return fail(errc::ambiguous_key);
            chosen = &k;
        }
        if (!chosen) return fail(errc::unknown_key);
    }
    v.key = chosen;
    v.alg = *alg;

    const std::string_view sig_b64 = t.substr(dots[1] + 1);
    if (sig_b64.size() != (chosen->signature_size() * 4 + 2) / 3) {
        // The wrong length, but a segment that is not base64url at all is named for that.
        if (const auto bad = base64url::decode(sig_b64); !bad) {
            v.error = bad.error();
            return v;
        }
        return fail(errc::bad_signature_length);
    }
    const auto sig = base64url::decode(sig_b64);
    if (!sig) {
        v.error = sig.error();
        return v;
    }
    if (!chosen->verify(apiauth::detail::as_bytes(t.substr(0, dots[1])), apiauth::detail::as_bytes(*sig)))
        return fail(errc::bad_signature);
    // RFC 7515 §5.2 step 6: the payload segment must be base64url too.
    if (const auto payload = base64url::decode(t.substr(dots[0] + 1, dots[1] - dots[0] - 1)); !payload)
        v.error = payload.error();
    return v;
}

// ---- checks ------------------------------------------------------------------------------------

bool is_claims_error(const std::error_code& ec)
{
    return is(ec, errc::invalid_claims) || is(ec, errc::invalid_claim_type) || is(ec, errc::duplicate_member) ||
           is(ec, errc::base64_invalid_character) || is(ec, errc::base64_invalid_length) ||
           is(ec, errc::base64_noncanonical) || is(ec, errc::base64_invalid_padding) || is(ec, errc::token_expired) ||
           is(ec, errc::token_not_yet_valid) || is(ec, errc::token_issued_in_future) ||
           ec == std::make_error_code(std::errc::not_enough_memory);
}

void check_accepted(const jose::jws::verified& v, std::string_view token, const model_verdict& m)
{
    const world& w = the_world();
    FUZZ_CHECK(&v.key() == m.key && v.alg() == m.alg && v.key().alg() == v.alg());
    bool in_set = false;
    for (const jose::key& k : w.keys) in_set = in_set || &k == &v.key();
    FUZZ_CHECK(in_set);
    FUZZ_CHECK(std::string(v.signing_input()) + "." + std::string(v.signature_b64()) == token);
    FUZZ_CHECK(v.signing_input() == std::string(v.header_b64()) + "." + std::string(v.payload_b64()));

    // The signature, again, over exactly signing_input().
    const auto sig = base64url::decode(v.signature_b64());
    FUZZ_CHECK(sig.has_value() && sig->size() == v.key().signature_size());
    FUZZ_CHECK(v.key().verify(apiauth::detail::as_bytes(v.signing_input()), apiauth::detail::as_bytes(*sig)));

    // The payload is any octets, but strict base64url (RFC 7515 §5.2 step 6).
    const auto payload = base64url::decode(v.payload_b64());
    FUZZ_CHECK(payload.has_value());
    FUZZ_CHECK(v.payload() == *payload);
    const auto header = base64url::decode(v.header_b64());
    FUZZ_CHECK(header.has_value() && v.header_json() == *header);
}

void check_token(std::string_view token)
{
    const world& w = the_world();
    for (const jose::jws_options* opt : {&w.strict, &w.loose}) {
        const auto r = jose::jws::verify(token, w.keys, *opt);
        const model_verdict m = model(token, w.keys, *opt);
        if (m.error) {
            FUZZ_CHECK(!r.has_value());
            if (r.error() != m.error)
                std::fprintf(stderr, "jws::verify: %s, model: %s\n", r.error().message().c_str(),
                             m.error.message().c_str());
            FUZZ_CHECK(r.error() == m.error);
        } else {
            if (!r) std::fprintf(stderr, "jws::verify refused a valid token: %s\n", r.error().message().c_str());
            FUZZ_CHECK(r.has_value());
            check_accepted(*r, token, m);
        }
    }

    // jwt::verifier runs the same JWS steps first; a second call goes through its header cache.
    const jose::jwt::verifier v{w.keys,
                                {.require = {}, .clock = [] {
                                     return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
                                 }}};
    const auto jws_result = jose::jws::verify(token, w.keys);
    const auto first = v.verify(token);
    const auto second = v.verify(token);
    FUZZ_CHECK(first.has_value() == second.has_value());
    if (!first) {
        FUZZ_CHECK(first.error() == second.error());
        if (!jws_result)
            FUZZ_CHECK(first.error() == jws_result.error());
        else
            FUZZ_CHECK(is_claims_error(first.error()));
    } else {
        FUZZ_CHECK(jws_result.has_value());
        FUZZ_CHECK(first->key().kid() == jws_result->key().kid() && first->alg() == jws_result->alg());
        FUZZ_CHECK(first->claims().json() == jws_result->payload());
        FUZZ_CHECK(second->claims().json() == first->claims().json());
    }
}

// 0x01 / 0x02 + "header.payload": sign it with the HS256 / ES256 key, then verify.
void check_signed(const jose::key& k, std::string_view signing_input)
{
    std::array<std::byte, 256> sig{};
    const auto n = k.sign(apiauth::detail::as_bytes(signing_input), sig);
    FUZZ_CHECK(n.has_value() && *n == k.signature_size());
    const std::string token =
        std::string(signing_input) + "." + base64url::encode(std::span<const std::byte>(sig.data(), *n));
    check_token(token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const world& w = the_world();
    if (!input.empty() && input[0] == '\x01')
        check_signed(*w.hs, input.substr(1));
    else if (!input.empty() && input[0] == '\x02')
        check_signed(*w.es_private, input.substr(1));
    else
        check_token(input);
    return 0;
}
