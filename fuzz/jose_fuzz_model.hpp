// fuzz/jose_fuzz_model.hpp — what fuzz_jws_verify and fuzz_jwt_verify share: the
// fixed keys (also those of their seed corpora) and the pieces of their
// independent models written over nlohmann/json.
#ifndef APIAUTH_FUZZ_JOSE_FUZZ_MODEL_HPP
#define APIAUTH_FUZZ_JOSE_FUZZ_MODEL_HPP

#include "fuzz_check.hpp"

#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth_fuzz {

// The seed corpora (fuzz/corpus/fuzz_jws_verify/, fuzz_jwt_verify/) are signed with these.
inline constexpr std::string_view hs256_secret = "fuzz-hs256-secret-0123456789abcdef";
inline constexpr std::string_view es256_private_jwk =
    R"({"alg":"ES256","crv":"P-256","d":"vHzeN8xiVo1-YeBu7dKaU9qL8Gk-tPQ_GZ-6G4rfDbo","kid":"es-1","kty":"EC",)"
    R"("use":"sig","x":"C5YQOQU2gZ1e6JrS85MJTbyelJ5m4FRFhUyuFrWHGPE",)"
    R"("y":"gRtt4yvs9Sl03AI3sHtbeP7ts53BjSongPb2bgQ5jI8"})";

// HS256 (kid "hs-1", signs and verifies), the ES256 private key (kid "es-1", signs), and the
// set of the HS256 key and the public half of the ES256 one.
struct fuzz_keys {
    std::optional<apiauth::jose::key> hs;
    std::optional<apiauth::jose::key> es_private;
    apiauth::jose::key_set keys;
};

inline fuzz_keys make_fuzz_keys()
{
    namespace jose = apiauth::jose;
    fuzz_keys x;
    auto hs = jose::key::from_secret(jose::algorithm::hs256, hs256_secret, "hs-1");
    FUZZ_CHECK(hs.has_value());
    x.hs = *hs;
    auto es = jose::key::from_jwk(es256_private_jwk, {.allow_private = true});
    FUZZ_CHECK(es.has_value() && es->can_sign());
    x.es_private = *es;
    auto pub_jwk = es->to_jwk(false);
    FUZZ_CHECK(pub_jwk.has_value());
    auto es_pub = jose::key::from_jwk(*pub_jwk);
    FUZZ_CHECK(es_pub.has_value() && !es_pub->can_sign());
    auto set = jose::key_set::make({*hs, *es_pub});
    FUZZ_CHECK(set.has_value());
    x.keys = std::move(*set);
    return x;
}

inline bool is(const std::error_code& ec, apiauth::errc e)
{
    return ec == apiauth::make_error_code(e);
}

inline bool lower_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto l = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (l(a[i]) != l(b[i])) return false;
    }
    return true;
}

// RFC 7515 §4.1.9: "application/" may be left out of a typ.
inline bool same_media_type(std::string_view got, std::string_view want)
{
    const auto full = [](std::string_view s) {
        return s.find('/') == std::string_view::npos ? "application/" + std::string(s) : std::string(s);
    };
    return lower_equal(full(got), full(want));
}

// nlohmann's verdict, except that its lexer takes a NUL octet for the end of the input (so
// "{}\0junk" would pass); a raw NUL is never valid JSON.
inline bool nlohmann_accepts(std::string_view json)
{
    return json.find('\0') == std::string_view::npos && nlohmann::ordered_json::accept(json);
}

// Deepest container below the top one (the top is level 0).
inline int container_depth(const nlohmann::ordered_json& j, int level = 0)
{
    int deepest = level;
    if (j.is_structured())
        for (const auto& v : j)
            if (v.is_structured()) deepest = std::max(deepest, container_depth(v, level + 1));
    return deepest;
}

// simdjson's verdict on `json`, checked against nlohmann's (`nlohmann_ok`): simdjson accepts
// only what nlohmann accepts, and refuses what nlohmann reads only for a number it cannot hold
// (beyond 64-bit integers, beyond double), nesting beyond its depth limit, or a leading byte
// order mark (nlohmann skips one; RFC 8259 §8.1 allows either).
inline bool simdjson_accepts(std::string_view json, bool nlohmann_ok)
{
    simdjson::dom::parser p;
    const simdjson::padded_string padded(json);
    simdjson::dom::element e;
    const auto err = p.parse(padded).get(e);
    if (err == simdjson::SUCCESS) {
        FUZZ_CHECK(nlohmann_ok);
        return true;
    }
    if (nlohmann_ok && !json.starts_with("\xEF\xBB\xBF"))
        FUZZ_CHECK(err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE ||
                   err == simdjson::DEPTH_ERROR);
    return false;
}

}  // namespace apiauth_fuzz

#endif  // APIAUTH_FUZZ_JOSE_FUZZ_MODEL_HPP
