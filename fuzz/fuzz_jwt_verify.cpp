// fuzz_jwt_verify — jwt::verifier with a claims policy (RFC 7519 §7.2, §4.1; RFC 8725 §3).
//
// Keys: the fixed HS256 (kid "hs-1") and ES256 (kid "es-1") keys of fuzz_jws_verify. Policy:
// issuer, two audiences, leeway 30 s, require {exp, iat, sub, tenant}, a fixed clock
// (1700000000), and typ "at+jwt" when bit 0 of the first input byte is set. The rest of the
// input is the token; or, when bit 1 is set, a claims set that the fuzzer signs as raw payload
// bytes with the HS256 key (ES256 when bit 4 is set), header typ chosen by bits 2-3 ("at+jwt",
// "JWT", none, "application/AT+JWT"), so that the claims parser runs behind a valid signature.
// A claims set that nlohmann/json reads as an object is also signed with jwt::signer.
// Checks, abort() on failure:
//  - verify never crashes or throws, and fails with the error of jws::verify whenever that fails
//    (or wrong_token_type when typ is asked for);
//  - past the signature, the verdict is that of a model written here over nlohmann/json:
//    payload base64url and JSON object (simdjson may refuse only numbers it cannot hold, deep
//    nesting or a byte order mark), duplicate names anywhere, registered claim types, then in
//    order required claims, issuer, audience, exp, nbf, iat against the clock with leeway;
//  - an accepted token carries exp, iat, sub and tenant, the issuer, one of the audiences,
//    exp/nbf/iat consistent with the clock, and registered claims equal to nlohmann's reading;
//  - a second verifier without typ accepts whatever the first accepts, with the same claims.
#include "jose_fuzz_model.hpp"

#include <apiauth/detail/json.hpp>  // parse_json_unique: the models read JSON with nlohmann
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;
namespace base64url = apiauth::encoding::base64url;
using apiauth::errc;
using jose::algorithm;
using namespace apiauth_fuzz;

constexpr double now = 1700000000;
constexpr double leeway = 30;
constexpr std::string_view issuer = "https://issuer.example";
constexpr std::array<std::string_view, 2> audiences{"https://api.example/a", "https://api.example/b"};
constexpr std::array<std::string_view, 4> required{"exp", "iat", "sub", "tenant"};
constexpr std::string_view expected_typ = "at+jwt";

constexpr std::uint8_t flag_typ = 0x01, flag_sign = 0x02, flag_es256 = 0x10;

std::error_code code(errc e)
{
    return apiauth::make_error_code(e);
}

const apiauth_fuzz::fuzz_keys& the_world()
{
    static const apiauth_fuzz::fuzz_keys w = apiauth_fuzz::make_fuzz_keys();
    return w;
}

// Declared claims (jwt::policy::declare), read in the verification pass: the model checks their
// types, check_claims_equal their values against nlohmann's reading of the payload.
constexpr jwt::string_claim decl_state{"state"};
constexpr jwt::object_claim decl_err{"err"};
constexpr jwt::strings_claim decl_amr{"amr"};

jwt::policy make_policy(bool with_typ)
{
    return {
        .issuer = std::string(issuer),
        .audience = {std::string(audiences[0]), std::string(audiences[1])},
        .typ = with_typ ? std::string(expected_typ) : std::string(),
        .leeway = std::chrono::seconds(static_cast<int>(leeway)),
        .require = {std::string(required[0]), std::string(required[1]), std::string(required[2]),
                    std::string(required[3])},
        .clock =
            [] { return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(now))); },
        .declare = {decl_state, decl_err, decl_amr}};
}

// ---- the model ---------------------------------------------------------------------------------

// What the verifier must answer once the signature is valid: success, one exact error, or
// (several problems in one claims set, found in member order) one of a few.
struct expectation {
    std::vector<std::error_code> allowed;  // empty: accept
    bool accepts() const { return allowed.empty(); }
    bool allows(const std::error_code& ec) const
    {
        return std::find(allowed.begin(), allowed.end(), ec) != allowed.end();
    }
};

bool is_string_claim(std::string_view n)
{
    return n == "iss" || n == "sub" || n == "jti" || n == "client_id" || n == "scope";
}

bool is_date_claim(std::string_view n)
{
    return n == "exp" || n == "nbf" || n == "iat";
}

expectation model_claims(std::string_view payload_b64)
{
    expectation x;
    const auto payload = base64url::decode(payload_b64);
    if (!payload) return {{payload.error()}};
    const bool syntax = nlohmann_accepts(*payload);
    if (!simdjson_accepts(*payload, syntax) || !syntax) return {{code(errc::invalid_claims)}};
    const auto j = nlohmann::ordered_json::parse(*payload);
    if (!j.is_object()) return {{code(errc::invalid_claims)}};

    // Member by member: duplicates and registered claim types.
    const bool duplicates = !apiauth::detail::parse_json_unique(*payload);
    if (duplicates) x.allowed = {code(errc::duplicate_member), code(errc::invalid_claim_type)};
    for (const auto& [name, v] : j.items()) {
        bool bad_type = false;
        if (is_string_claim(name)) bad_type = !v.is_string();
        if (is_date_claim(name)) bad_type = !v.is_number();
        if (name == "state") bad_type = !v.is_string();
        if (name == "err") bad_type = !v.is_object();
        if (name == "amr")
            bad_type = !(v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& a) { return a.is_string(); }));
        if (name == "aud")
            bad_type = !v.is_string() &&
                       !(v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& a) { return a.is_string(); }));
        if (bad_type && !x.allows(code(errc::invalid_claim_type))) x.allowed.push_back(code(errc::invalid_claim_type));
        // Nesting past 64 levels is malformed (detail::check_members): invalid_claims.
        if (v.is_structured() && container_depth(v) > 63 && !x.allows(code(errc::invalid_claims)))
            x.allowed.push_back(code(errc::invalid_claims));
    }
    if (!x.accepts()) return x;

    // The policy, in the verifier's order.
    for (std::string_view r : required)
        if (!j.contains(r)) return {{code(errc::missing_claim)}};
    if (!j.contains("iss") || j["iss"].get<std::string>() != issuer) return {{code(errc::wrong_issuer)}};
    bool aud_ok = false;
    if (j.contains("aud")) {
        const auto& a = j["aud"];
        for (std::string_view want : audiences) {
            if (a.is_string()) aud_ok = aud_ok || a.get<std::string>() == want;
            if (a.is_array())
                for (const auto& e : a) aud_ok = aud_ok || e.get<std::string>() == want;
        }
    }
    if (!aud_ok) return {{code(errc::wrong_audience)}};
    if (j.contains("exp") && !(now < j["exp"].get<double>() + leeway)) return {{code(errc::token_expired)}};
    if (j.contains("nbf") && now + leeway < j["nbf"].get<double>()) return {{code(errc::token_not_yet_valid)}};
    if (j.contains("iat") && j["iat"].get<double>() > now + leeway) return {{code(errc::token_issued_in_future)}};
    return x;
}

// ---- checks ------------------------------------------------------------------------------------

void check_claims_equal(const jwt::claims& c, std::string_view payload_json)
{
    const auto j = nlohmann::json::parse(payload_json);
    const auto str = [&](const char* n, std::optional<std::string_view> got) {
        if (!j.contains(n)) {
            FUZZ_CHECK(!got);
            return;
        }
        FUZZ_CHECK(got && *got == j.at(n).get_ref<const std::string&>());
    };
    str("iss", c.iss());
    str("sub", c.sub());
    str("jti", c.jti());
    str("scope", c.scope());
    str("client_id", c.client_id());
    str("state", c.get(decl_state));
    if (j.contains("err")) {
        const auto text = c.get(decl_err);
        FUZZ_CHECK(text && nlohmann::json::parse(*text, nullptr, false) == j.at("err"));
    } else {
        FUZZ_CHECK(!c.get(decl_err));
    }
    if (j.contains("amr")) {
        const auto list = c.get(decl_amr);
        FUZZ_CHECK(list && list->size() == j.at("amr").size());
        std::size_t i = 0;
        for (std::string_view e : *list) FUZZ_CHECK(e == j.at("amr").at(i++).get_ref<const std::string&>());
    } else {
        FUZZ_CHECK(!c.get(decl_amr));
    }
    const auto num = [&](const char* n, std::optional<double> got) {
        if (!j.contains(n)) {
            FUZZ_CHECK(!got);
            return;
        }
        FUZZ_CHECK(got && *got == j.at(n).get<double>());
    };
    num("exp", c.exp());
    num("nbf", c.nbf());
    num("iat", c.iat());
    if (!j.contains("aud")) {
        FUZZ_CHECK(c.aud().empty() && c.has_registered("aud") == false);
    } else {
        const auto& a = j.at("aud");
        std::vector<std::string> want;
        if (a.is_string())
            want.push_back(a.get<std::string>());
        else
            for (const auto& e : a) want.push_back(e.get<std::string>());
        FUZZ_CHECK(c.aud().size() == want.size());
        std::size_t i = 0;
        for (std::string_view got : c.aud()) FUZZ_CHECK(got == want[i++]);
    }
    for (const char* n : {"iss", "sub", "jti", "scope", "client_id", "exp", "nbf", "iat", "aud"})
        FUZZ_CHECK(c.has_registered(n) == j.contains(n));
    FUZZ_CHECK(!c.has_registered("tenant").has_value());
    // Any claim, through nlohmann: never throws, even converted to the wrong type.
    FUZZ_CHECK(c.get<nlohmann::json>("tenant").has_value());
    (void)c.get<std::string>("exp");
    (void)c.get<std::int64_t>("sub");
    (void)c.get<std::vector<int>>("aud");
}

void check_accepted(const jwt::verified& v, std::string_view token)
{
    const jwt::claims& c = v.claims();
    // Every required registered claim is present; the policy holds.
    FUZZ_CHECK(c.exp() && c.iat() && c.sub());
    FUZZ_CHECK(c.get<nlohmann::json>("tenant").has_value());
    FUZZ_CHECK(c.iss() == issuer);
    FUZZ_CHECK(c.has_audience(audiences[0]) || c.has_audience(audiences[1]));
    FUZZ_CHECK(now < *c.exp() + leeway);
    FUZZ_CHECK(*c.iat() <= now + leeway);
    if (c.nbf()) FUZZ_CHECK(now + leeway >= *c.nbf());
    const std::size_t dot1 = token.find('.'), dot2 = token.rfind('.');
    const auto payload = base64url::decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    FUZZ_CHECK(payload && c.json() == *payload);
    check_claims_equal(c, *payload);
}

// The typ of the (verified) header, if it is a string.
std::optional<std::string> header_typ(const jose::jws::verified& v)
{
    const auto h = nlohmann::json::parse(v.header_json(), nullptr, false);
    if (!h.is_object() || !h.contains("typ") || !h["typ"].is_string()) return std::nullopt;
    return h["typ"].get<std::string>();
}

void check_token(std::string_view token, bool with_typ, bool signed_here)
{
    const apiauth_fuzz::fuzz_keys& w = the_world();
    const jwt::verifier v1{w.keys, make_policy(with_typ)};
    const jwt::verifier v2{w.keys, make_policy(false)};
    const auto r1 = v1.verify(token);
    const auto r2 = v2.verify(token);
    const auto jws_r = jose::jws::verify(token, w.keys);
    if (signed_here) FUZZ_CHECK(jws_r.has_value());

    if (!jws_r) {
        FUZZ_CHECK(!r1 && !r2);
        FUZZ_CHECK(r2.error() == jws_r.error());
        FUZZ_CHECK(r1.error() == jws_r.error() || (with_typ && is(r1.error(), errc::wrong_token_type)));
        return;
    }

    const expectation x = model_claims(jws_r->payload_b64());
    if (x.accepts()) {
        if (!r2) std::fprintf(stderr, "refused, the model accepts: %s\n", r2.error().message().c_str());
        FUZZ_CHECK(r2.has_value());
        check_accepted(*r2, token);
    } else {
        if (r2) std::fprintf(stderr, "accepted, the model refuses: %s\n", x.allowed.front().message().c_str());
        FUZZ_CHECK(!r2);
        if (!x.allows(r2.error()))
            std::fprintf(stderr, "verifier: %s, model: %s\n", r2.error().message().c_str(),
                         x.allowed.front().message().c_str());
        FUZZ_CHECK(x.allows(r2.error()));
    }

    // With typ asked for: the same answer when the header's typ matches, wrong_token_type if not.
    const auto typ = header_typ(*jws_r);
    if (with_typ && !(typ && same_media_type(*typ, expected_typ))) {
        FUZZ_CHECK(!r1 && is(r1.error(), errc::wrong_token_type));
        return;
    }
    FUZZ_CHECK(r1.has_value() == r2.has_value());
    if (!r1) {
        FUZZ_CHECK(r1.error() == r2.error());
        return;
    }
    check_accepted(*r1, token);
    FUZZ_CHECK(r1->claims().json() == r2->claims().json() && r1->key().kid() == r2->key().kid() &&
               r1->alg() == r2->alg());
}

void check_claims_input(std::uint8_t flags, std::string_view claims)
{
    const apiauth_fuzz::fuzz_keys& w = the_world();
    static constexpr std::string_view headers[] = {R"({"typ":"at+jwt"})", R"({"typ":"JWT"})", "{}",
                                                   R"({"typ":"application/AT+JWT"})"};
    const jose::key& k = (flags & flag_es256) != 0 ? *w.es_private : *w.hs;
    const auto token = jose::jws::sign(headers[(flags >> 2) & 3], claims, k);
    FUZZ_CHECK(token.has_value());
    check_token(*token, (flags & flag_typ) != 0, true);

    // The same claims through jwt::signer, which re-serializes them.
    const auto j = apiauth::detail::parse_json_unique(claims);
    if (!j || !j->is_object()) return;
    static const jwt::signer s = [] {
        auto r = jwt::signer::make(*the_world().hs, "at+jwt");
        FUZZ_CHECK(r.has_value());
        return std::move(*r);
    }();
    const auto t2 = s.sign(*j);
    FUZZ_CHECK(t2.has_value());
    check_token(*t2, (flags & flag_typ) != 0, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const std::uint8_t flags = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    if ((flags & flag_sign) != 0)
        check_claims_input(flags, rest);
    else
        check_token(rest, (flags & flag_typ) != 0, false);
    return 0;
}
