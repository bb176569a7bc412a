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

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                              \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

namespace jose = apiauth::jose;
namespace base64url = apiauth::base64url;
using apiauth::errc;
using jose::algorithm;

// Shared with fuzz_jwt_verify and the seed corpus (fuzz/corpus/fuzz_jws_verify/).
constexpr std::string_view hs256_secret = "fuzz-hs256-secret-0123456789abcdef";
constexpr std::string_view es256_private_jwk =
    R"({"alg":"ES256","crv":"P-256","d":"vHzeN8xiVo1-YeBu7dKaU9qL8Gk-tPQ_GZ-6G4rfDbo","kid":"es-1","kty":"EC",)"
    R"("use":"sig","x":"C5YQOQU2gZ1e6JrS85MJTbyelJ5m4FRFhUyuFrWHGPE",)"
    R"("y":"gRtt4yvs9Sl03AI3sHtbeP7ts53BjSongPb2bgQ5jI8"})";
constexpr std::string_view understood_ext = "urn:example:ext";

bool is(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

struct world {
    std::optional<jose::key> hs;          // HS256, signs and verifies
    std::optional<jose::key> es_private;  // ES256, signs
    jose::key_set keys;                   // hs and the public half of es
    std::array<std::string_view, 1> crit{understood_ext};
    jose::jws_options strict{};
    jose::jws_options loose{};
};

const world& the_world()
{
    static const std::unique_ptr<world> w = [] {
        auto x = std::make_unique<world>();
        auto hs = jose::key::from_secret(algorithm::hs256, hs256_secret, "hs-1");
        FUZZ_CHECK(hs.has_value());
        x->hs = *hs;
        auto es = jose::key::from_jwk(es256_private_jwk, {.allow_private = true});
        FUZZ_CHECK(es.has_value() && es->can_sign());
        x->es_private = *es;
        auto pub_jwk = es->to_jwk(false);
        FUZZ_CHECK(pub_jwk.has_value());
        auto es_pub = jose::key::from_jwk(*pub_jwk);
        FUZZ_CHECK(es_pub.has_value() && !es_pub->can_sign());
        auto set = jose::key_set::make({*hs, *es_pub});
        FUZZ_CHECK(set.has_value());
        x->keys = std::move(*set);
        x->loose.typ = "JWT";
        x->loose.understood_critical = x->crit;
        return x;
    }();
    return *w;
}

// ---- the model ---------------------------------------------------------------------------------

bool lower_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto l = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (l(a[i]) != l(b[i])) return false;
    }
    return true;
}

// RFC 7515 §4.1.9: "application/" may be left out of a typ.
bool same_media_type(std::string_view got, std::string_view want)
{
    const auto full = [](std::string_view s) {
        return s.find('/') == std::string_view::npos ? "application/" + std::string(s) : std::string(s);
    };
    return lower_equal(full(got), full(want));
}

// nlohmann's verdict, except that its lexer takes a NUL octet for the end of the input (so
// "{}\0junk" would pass); a raw NUL is never valid JSON.
bool nlohmann_accepts(std::string_view json)
{
    return json.find('\0') == std::string_view::npos && nlohmann::ordered_json::accept(json);
}

// Deepest container below the top one (the top is level 0).
int container_depth(const nlohmann::ordered_json& j, int level = 0)
{
    int deepest = level;
    if (j.is_structured())
        for (const auto& v : j)
            if (v.is_structured()) deepest = std::max(deepest, container_depth(v, level + 1));
    return deepest;
}

// simdjson may refuse what nlohmann reads only for these reasons: a number it cannot hold
// (beyond 64-bit integers, beyond double), nesting beyond its depth limit, or a leading byte
// order mark.
void check_simdjson_refusal(std::string_view json, bool nlohmann_ok)
{
    simdjson::dom::parser p;
    const simdjson::padded_string padded(json);
    simdjson::dom::element e;
    const auto err = p.parse(padded).get(e);
    if (err == simdjson::SUCCESS) {
        FUZZ_CHECK(nlohmann_ok);  // simdjson accepts only what nlohmann accepts
        return;
    }
    if (!nlohmann_ok) return;
    if (json.starts_with("\xEF\xBB\xBF")) return;  // nlohmann skips a byte order mark, RFC 8259 §8.1 allows either
    FUZZ_CHECK(err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE || err == simdjson::DEPTH_ERROR);
}

bool simdjson_accepts(std::string_view json)
{
    simdjson::dom::parser p;
    const simdjson::padded_string padded(json);
    simdjson::dom::element e;
    return p.parse(padded).get(e) == simdjson::SUCCESS;
}

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
    check_simdjson_refusal(*header, syntax_ok);
    if (!syntax_ok || !simdjson_accepts(*header)) return fail(errc::jws_invalid_header);
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
