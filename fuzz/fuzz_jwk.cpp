// fuzz_jwk — JWK and JWK Set import and export (RFC 7517, RFC 7518 §6, RFC 8037 §2).
//
// The input is read as one JWK by key::from_jwk with and without allow_private, with and
// without an alg option (the algorithm picked by the input's length), and as a JWK Set by
// key_set::from_jwks; a JWK that nlohmann/json reads as one object (and simdjson too, as the
// library reads JWKs) is also wrapped into a set of one. Checks, abort() on failure:
//  - import never crashes or throws, and fails only with a key error; what loads is strict JSON
//    (simdjson agrees, a leading byte order mark skipped); JSON that nlohmann reads as an object
//    but simdjson refuses (a number it cannot hold, nesting past 64 levels) is invalid_key;
//  - allowing more never refuses more: a key that loads without allow_private loads with it (same
//    alg, kid, signing ability); one that loads only with it was refused as
//    private_key_not_allowed; a key that loads with alg option X carries X, and a key bound to X
//    loads with option X;
//  - a set of one answers as the key alone (a JWK marked for encryption, with a non-JWS alg, an
//    unknown kty or key_ops without verify is skipped, so the set is empty: invalid_key_set);
//    what a set skips is listed with a skip reason and an index inside the document;
//  - a loaded key: signature_size fits its algorithm; to_jwk(false) (refused for HMAC) has no
//    private member, keeps the public members exactly as given, and re-imports to a key with the
//    same alg, kid and signature size that cannot sign; to_jwk(true) re-imports with
//    allow_private to a key that signs as the original does; a signing key's signature verifies
//    with the key, with its public export, and not on another message; a key whose key_ops
//    exclude verify verifies nothing, one that cannot sign refuses to;
//  - a set's public JWKS re-imports to a set of its non-HMAC keys;
//  - oidc::provider_key_set (a provider's JWKS) never holds an HMAC key, fails only with a key
//    error or invalid_key_set; a document with any "oct" key (even one from_jwks skips) or with
//    more than 64 keys is invalid_key_set; otherwise, with two RSA algorithms allowed (so nothing is bound), it
//    loads exactly the keys key_set::from_jwks loads.
#include "fuzz_check.hpp"

#include <apiauth/crypto/hash.hpp>
#include <apiauth/detail/json.hpp>  // parse_json_unique: the models read JSON with nlohmann
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oidc/id_token.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

namespace jose = apiauth::jose;
using apiauth::errc;
using jose::algorithm;
using jose::key_family;

bool is(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool is_key_error(const std::error_code& ec)
{
    return is(ec, errc::invalid_key) || is(ec, errc::weak_key) || is(ec, errc::key_algorithm_mismatch) ||
           is(ec, errc::key_use_not_allowed) || is(ec, errc::private_key_not_allowed) ||
           is(ec, errc::key_alg_missing) || is(ec, errc::unsupported_key_type);
}

// A JWK that loads is JSON as strict parsers read it: simdjson accepts it, or refuses it only
// for a number it cannot hold, nesting beyond its limit, or a leading byte order mark (which
// RFC 8259 §8.1 lets a parser ignore).
void check_strict_json(std::string_view text)
{
    simdjson::dom::parser p;
    const simdjson::padded_string padded(text);
    simdjson::dom::element e;
    const auto err = p.parse(padded).get(e);
    if (err == simdjson::SUCCESS || text.starts_with("\xEF\xBB\xBF")) return;
    FUZZ_CHECK(err == simdjson::NUMBER_ERROR || err == simdjson::NUMBER_OUT_OF_RANGE || err == simdjson::DEPTH_ERROR);
}

// Deepest container below the top one (the top is level 0).
int container_depth(const nlohmann::json& j, int level = 0)
{
    int deepest = level;
    if (j.is_structured())
        for (const auto& v : j)
            if (v.is_structured()) deepest = std::max(deepest, container_depth(v, level + 1));
    return deepest;
}

// The JWK object as the library reads it: nlohmann's reading when simdjson reads the same text
// (a byte order mark skipped) and it nests at most `max_depth` levels (detail::max_json_depth).
std::optional<nlohmann::json> library_object(std::string_view input, const std::optional<nlohmann::json>& object,
                                             int max_depth)
{
    if (!object) return std::nullopt;
    if (input.starts_with("\xEF\xBB\xBF")) input.remove_prefix(3);
    simdjson::dom::parser p;
    const simdjson::padded_string padded(input);
    simdjson::dom::element e;
    if (p.parse(padded).get(e) != simdjson::SUCCESS || container_depth(*object) > max_depth) return std::nullopt;
    return object;
}

bool same_identity(const jose::key& a, const jose::key& b)
{
    return a.alg() == b.alg() && a.has_kid() == b.has_kid() && a.kid() == b.kid() &&
           a.signature_size() == b.signature_size();
}

std::size_t expected_signature_size(const jose::key& k)
{
    const algorithm a = k.alg();
    switch (jose::family(a)) {
    case key_family::hmac: return apiauth::crypto::digest_size(*jose::hash_of(a));
    case key_family::ecdsa: return 2 * jose::curve_of(a)->coordinate_size;
    case key_family::eddsa: return 64;
    case key_family::rsa: return k.signature_size() >= 256 && k.signature_size() <= 1024 ? k.signature_size() : 0;
    }
    return 0;
}

// The members of `exported` that the input had must be spelled exactly as in the input: a key
// has one encoding (RFC 7518 §6.2.1.2 fixed-length coordinates, §6.3.1.1 minimal integers).
void check_same_members(const nlohmann::json& exported, const nlohmann::json& input,
                        std::initializer_list<const char*> names)
{
    for (const char* n : names) {
        if (!exported.contains(n)) continue;
        FUZZ_CHECK(input.contains(n) && input.at(n) == exported.at(n));
    }
}

void check_key(const jose::key& k, const std::optional<nlohmann::json>& input)
{
    FUZZ_CHECK(k.signature_size() == expected_signature_size(k));
    const bool hmac = jose::family(k.alg()) == key_family::hmac;
    const std::string message = "fuzz_jwk message";
    const std::string other = "fuzz_jwk messagf";
    const auto msg = apiauth::detail::as_bytes(message);

    // The public export.
    std::optional<jose::key> pub;
    const auto pub_jwk = k.to_jwk(false);
    if (hmac) {
        FUZZ_CHECK(!pub_jwk && is(pub_jwk.error(), errc::key_use_not_allowed));
    } else {
        FUZZ_CHECK(pub_jwk.has_value());
        for (const char* n : {"d", "p", "q", "dp", "dq", "qi", "k"}) FUZZ_CHECK(!pub_jwk->contains(n));
        FUZZ_CHECK(pub_jwk->at("alg") == std::string(jose::name(k.alg())));
        FUZZ_CHECK(pub_jwk->contains("kid") == k.has_kid());
        if (input) check_same_members(*pub_jwk, *input, {"n", "e", "x", "y", "crv", "kty", "kid"});
        auto r = jose::key::from_jwk(pub_jwk->dump());
        if (!r) std::fprintf(stderr, "public export does not re-import: %s\n", r.error().message().c_str());
        FUZZ_CHECK(r.has_value());
        FUZZ_CHECK(same_identity(*r, k) && !r->can_sign() && r->can_verify());
        pub = std::move(*r);
    }

    // The private export.
    const auto priv_jwk = k.to_jwk(true);
    FUZZ_CHECK(priv_jwk.has_value());
    if (input) {
        check_same_members(*priv_jwk, *input, {"k", "kty", "kid"});
        if (jose::family(k.alg()) == key_family::ecdsa || jose::family(k.alg()) == key_family::eddsa)
            check_same_members(*priv_jwk, *input, {"d"});
    }
    auto full = jose::key::from_jwk(priv_jwk->dump(), {.allow_private = true});
    if (!full) std::fprintf(stderr, "private export does not re-import: %s\n", full.error().message().c_str());
    FUZZ_CHECK(full.has_value() && same_identity(*full, k));

    // Signing.
    std::array<std::byte, 1024> sig{};
    const auto n = k.sign(msg, sig);
    if (!k.can_sign()) {
        FUZZ_CHECK(!n && is(n.error(), errc::not_a_signing_key));
        return;
    }
    FUZZ_CHECK(full->can_sign());
    FUZZ_CHECK(n.has_value() && *n == k.signature_size());
    const std::span<const std::byte> s(sig.data(), *n);
    FUZZ_CHECK(k.verify(msg, s) == k.can_verify());
    FUZZ_CHECK(!k.verify(apiauth::detail::as_bytes(other), s));
    FUZZ_CHECK(full->verify(msg, s));
    if (pub) FUZZ_CHECK(pub->verify(msg, s) && !pub->verify(apiauth::detail::as_bytes(other), s));
    if (hmac) {  // the same secret, the same MAC
        std::array<std::byte, 64> again{};
        const auto m = full->sign(msg, again);
        FUZZ_CHECK(m.has_value() && *m == *n && std::equal(s.begin(), s.end(), again.begin()));
    }
}

void check_verify_only(const jose::key& k)
{
    if (k.can_verify()) return;
    std::array<std::byte, 1024> sig{};
    FUZZ_CHECK(!k.verify(apiauth::detail::as_bytes(std::string_view("x")),
                         std::span<const std::byte>(sig.data(), k.signature_size())));
}

void check_jwk(std::string_view input)
{
    const auto parsed = apiauth::detail::parse_json_unique(input);
    const std::optional<nlohmann::json> nlohmann_object = parsed && parsed->is_object() ? parsed : std::nullopt;
    const std::optional<nlohmann::json> object =
        library_object(input, nlohmann_object, apiauth::detail::max_json_depth);
    const auto option_alg = static_cast<algorithm>(input.size() % 14);

    const auto pub = jose::key::from_jwk(input);
    const auto priv = jose::key::from_jwk(input, {.allow_private = true});
    const auto pub_alg = jose::key::from_jwk(input, {.alg = option_alg});
    const auto priv_alg = jose::key::from_jwk(input, {.alg = option_alg, .allow_private = true});
    for (const auto* r : {&pub, &priv, &pub_alg, &priv_alg}) {
        if (*r) {
            FUZZ_CHECK(object.has_value());
            check_strict_json(input);
            check_verify_only(**r);
        } else {
            if (!is_key_error(r->error())) std::fprintf(stderr, "from_jwk: %s\n", r->error().message().c_str());
            FUZZ_CHECK(is_key_error(r->error()));
        }
    }

    // An object nlohmann reads but the library's JSON reader refuses is invalid_key.
    if (nlohmann_object && !object)
        for (const auto* r : {&pub, &priv, &pub_alg, &priv_alg}) FUZZ_CHECK(!*r && is(r->error(), errc::invalid_key));

    // Allowing more never refuses more.
    if (pub) {
        FUZZ_CHECK(priv && same_identity(*pub, *priv) && pub->can_sign() == priv->can_sign());
        if (jose::family(pub->alg()) != key_family::hmac) FUZZ_CHECK(!pub->can_sign());
    }
    if (priv && !pub) FUZZ_CHECK(is(pub.error(), errc::private_key_not_allowed));
    // With an alg option: that alg, and a key that also loads without it unless its alg could
    // not be told (an "oct" or "RSA" JWK without "alg").
    for (const auto& [with, without] : {std::pair{&pub_alg, &pub}, std::pair{&priv_alg, &priv}}) {
        if (!*with) continue;
        FUZZ_CHECK((*with)->alg() == option_alg);
        if (*without)
            FUZZ_CHECK(same_identity(**with, **without));
        else
            FUZZ_CHECK(is((*without).error(), errc::key_alg_missing) && object && !object->contains("alg"));
    }
    if (pub && pub->alg() == option_alg) FUZZ_CHECK(pub_alg.has_value());
    if (priv && priv->alg() == option_alg) FUZZ_CHECK(priv_alg.has_value());
    if (priv) {
        const auto bound = jose::key::from_jwk(input, {.alg = priv->alg(), .allow_private = true});
        FUZZ_CHECK(bound && same_identity(*bound, *priv));
        check_key(*priv, object);
    }

    // A set of one answers as the key alone (when wrapping keeps it readable: two levels deeper,
    // no byte order mark inside the set).
    if (library_object(input, object, apiauth::detail::max_json_depth - 2) && !input.starts_with("\xEF\xBB\xBF")) {
        const std::string wrapped = R"({"keys":[)" + std::string(input) + "]}";
        const auto set = jose::key_set::from_jwks(wrapped, {.allow_private = true});
        const auto* use = apiauth::detail::json_string(*object, "use");
        const auto* alg = apiauth::detail::json_string(*object, "alg");
        const auto* kty = apiauth::detail::json_string(*object, "kty");
        const auto* crv = apiauth::detail::json_string(*object, "crv");
        // Left out of a set (key_set::skipped): not for signatures (use enc; an OKP key agreement
        // curve, RFC 8037 §3.2), or of a type or curve not supported (Ed448).
        const bool skipped =
            (use && *use == "enc") || (alg && !jose::parse_algorithm(*alg)) ||
            (kty && *kty == "OKP" && crv && (*crv == "X25519" || *crv == "X448" || *crv == "Ed448")) ||
            (!priv && (is(priv.error(), errc::unsupported_key_type) || is(priv.error(), errc::key_use_not_allowed)));
        if (skipped) {
            FUZZ_CHECK(!priv && !set && is(set.error(), errc::invalid_key_set));
        } else if (priv) {
            FUZZ_CHECK(set && set->size() == 1 && same_identity(*set->begin(), *priv));
        } else {
            FUZZ_CHECK(!set && set.error() == priv.error());
        }
    }
}

// True when provider_key_set must refuse the document before reading a key: its "keys" array
// holds an object whose "kty" is "oct", or more keys than provider_jwks_options::max_keys.
bool provider_refuses_outright(std::string_view input)
{
    // The key set readers accept a leading UTF-8 byte order mark (RFC 8259 §8.1); this model
    // must read such a document too.
    if (input.substr(0, 3) == "\xEF\xBB\xBF") input.remove_prefix(3);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array keys;
    if (parser.parse(input.data(), input.size()).get(root) != simdjson::SUCCESS ||
        root["keys"].get_array().get(keys) != simdjson::SUCCESS)
        return false;
    if (keys.size() > apiauth::oidc::provider_jwks_options{}.max_keys) return true;
    for (const auto k : keys) {
        std::string_view kty;
        if (k["kty"].get_string().get(kty) == simdjson::SUCCESS && kty == "oct") return true;
    }
    return false;
}

void check_jwks(std::string_view input)
{
    const auto pub = jose::key_set::from_jwks(input);
    const auto priv = jose::key_set::from_jwks(input, {.allow_private = true});
    const jose::algorithm ps256_only[] = {jose::algorithm::ps256};
    for (const std::span<const jose::algorithm> allowed :
         {std::span<const jose::algorithm>(), std::span<const jose::algorithm>(ps256_only)}) {
        const auto provider = apiauth::oidc::provider_key_set(input, allowed);
        if (!provider) {
            FUZZ_CHECK(is_key_error(provider.error()) || is(provider.error(), errc::invalid_key_set));
            continue;
        }
        for (const jose::key& k : *provider) FUZZ_CHECK(jose::family(k.alg()) != key_family::hmac);
    }
    for (const auto* r : {&pub, &priv})
        if (!*r) FUZZ_CHECK(is_key_error(r->error()) || is(r->error(), errc::invalid_key_set));
    if (pub) FUZZ_CHECK(priv && priv->size() == pub->size());
    if (!priv) return;
    check_strict_json(input);
    std::size_t last = 0;
    for (const jose::skipped_key& sk : priv->skipped()) {
        FUZZ_CHECK(is(sk.why, errc::unsupported_key_type) || is(sk.why, errc::key_use_not_allowed) ||
                   is(sk.why, errc::unsupported_algorithm));
        FUZZ_CHECK(sk.index >= last);
        last = sk.index + 1;
    }

    std::size_t i = 0, asymmetric = 0;
    for (const jose::key& k : *priv) {
        if (pub) FUZZ_CHECK(same_identity(k, *std::next(pub->begin(), static_cast<std::ptrdiff_t>(i))));
        asymmetric += jose::family(k.alg()) == key_family::hmac ? 0 : 1;
        check_verify_only(k);
        if (i++ < 4) check_key(k, std::nullopt);
    }
    const auto jwks = priv->to_public_jwks();
    FUZZ_CHECK(jwks.at("keys").size() == asymmetric);
    if (pub && asymmetric == pub->size()) {
        const jose::algorithm two_rsa[] = {jose::algorithm::rs256, jose::algorithm::ps256};
        const auto provider = apiauth::oidc::provider_key_set(input, two_rsa);
        if (provider_refuses_outright(input)) {  // a secret key from_jwks skipped (use enc, …), or too many
            FUZZ_CHECK(!provider && is(provider.error(), errc::invalid_key_set));
        } else {
            FUZZ_CHECK(provider && provider->size() == pub->size());
            auto it = pub->begin();
            for (const jose::key& k : *provider) FUZZ_CHECK(same_identity(k, *it++));
        }
    }
    const auto again = jose::key_set::from_jwks(jwks.dump());
    if (asymmetric == 0) {
        FUZZ_CHECK(!again && is(again.error(), errc::invalid_key_set));
    } else {
        FUZZ_CHECK(again && again->size() == asymmetric);
        auto it = again->begin();
        for (const jose::key& k : *priv)
            if (jose::family(k.alg()) != key_family::hmac) FUZZ_CHECK(same_identity(k, *it++));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_jwk(input);
    check_jwks(input);
    return 0;
}
