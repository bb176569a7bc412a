// Tests for apiauth/jose/claims.hpp's declared claims (jwt::policy::declare, claims::get(handle)),
// the policy's check hook, verifier::explain, the "made only by the verifier" types, and the
// non-throwing signer (RFC 7519 §4.2-§4.3, §7.1-§7.2; RFC 8259 §8.1; OpenID Connect Core §2).
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/claims.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace jose_claims_test {

namespace jose = apiauth::jose;
namespace jws = apiauth::jose::jws;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64;
using apiauth::test::name;
using apiauth::test::outcome;
using jose::algorithm;
using nlohmann::json;

// ---- types whose existence means "this was checked" (DESIGN.md, Core types) ------------------------
// Only jws::verify makes a jws::verified, only jwt::verifier a jwt::verified and its claims.
static_assert(!std::is_default_constructible_v<jws::verified>);
static_assert(
    !std::is_constructible_v<jws::verified, algorithm, const jose::key*, std::string_view, std::size_t, std::size_t>);
static_assert(std::is_copy_constructible_v<jws::verified>);  // a copy proves the same thing
static_assert(!std::is_default_constructible_v<jwt::verified>);
static_assert(!std::is_default_constructible_v<jwt::claims>);
static_assert(!std::is_copy_constructible_v<jwt::claims>);
// jwt::verified is built in place inside result<>, from a key only the verifier can make:
static_assert(!std::is_default_constructible_v<apiauth::detail::jwt_verified_key>);
static_assert(!std::is_copy_constructible_v<apiauth::detail::jwt_verified_key>);
static_assert(!std::is_move_constructible_v<apiauth::detail::jwt_verified_key>);
static_assert(std::is_move_constructible_v<jwt::verified>);
// A jose::key is made only by its factories (which refuse weak keys).
static_assert(!std::is_default_constructible_v<jose::key>);
static_assert(!std::is_constructible_v<jwt::verified, std::string_view>);

namespace {

constexpr double T = 1'700'000'000;

jwt::clock_function at(double seconds)
{
    return apiauth::test::clock_at(seconds);
}

const jose::key& hs256()
{
    static const jose::key k = jose::key::from_secret(algorithm::hs256, "claims-test-secret-0123456789abcd").value();
    return k;
}

std::string sign_raw(std::string_view header, std::string_view payload)
{
    const std::string input = b64(header) + "." + b64(payload);
    std::array<std::byte, 64> sig{};
    const auto n = hs256().sign(apiauth::detail::as_bytes(input), sig);
    REQUIRE(n.has_value());
    return input + "." + apiauth::encoding::base64url::encode(std::span<const std::byte>(sig.data(), *n));
}

std::string sign_claims(std::string_view payload)
{
    return sign_raw(R"({"alg":"HS256"})", payload);
}

// ID Site (research/stormpath-protocol.md) and OpenID Connect Core §2 claims.
constexpr jwt::string_claim state{"state"};
constexpr jwt::string_claim status{"status"};
constexpr jwt::bool_claim is_new_sub{"isNewSub"};
constexpr jwt::object_claim err{"err"};
constexpr jwt::string_claim nonce{"nonce"};
constexpr jwt::number_claim auth_time{"auth_time"};
constexpr jwt::strings_claim amr{"amr"};
constexpr jwt::int_claim level{"level"};

jwt::policy declaring(std::vector<jwt::claim_spec> d)
{
    jwt::policy p;
    p.clock = at(T);
    p.declare = std::move(d);
    return p;
}

}  // namespace

TEST_CASE("RFC 7519 §4.2-4.3: declared claims of every kind are read in the verification pass", "[jose][jwt][claims]")
{
    const jwt::verifier v{jose::key_set(hs256()),
                          declaring({state, status.required(), is_new_sub, err, nonce, auth_time, amr, level})};
    const std::string payload =
        R"({"exp":1700000600,"state":"a\"b\u00e9","status":"AUTHENTICATED","isNewSub":true,)"
        R"("err":{ "code" : 10011, "message":"x}\"]" , "moreInfo":[1,{"a":"}"}]},)"
        R"("auth_time":1699999999.5,"amr":["pwd","otp","\u0041"],"level":-42,"other":{"state":1}})";
    const auto r = v.verify(sign_claims(payload));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    const jwt::claims& c = r->claims();
    CHECK(c.get(state) == "a\"b\xc3\xa9");
    CHECK(c.get(status) == "AUTHENTICATED");
    CHECK(c.get(is_new_sub) == true);
    CHECK(c.get(err) == R"({ "code" : 10011, "message":"x}\"]" , "moreInfo":[1,{"a":"}"}]})");
    CHECK(json::parse(*c.get(err)).at("code") == 10011);
    CHECK_FALSE(c.get(nonce).has_value());  // declared, absent
    CHECK(c.get(auth_time) == 1699999999.5);
    REQUIRE(c.get(amr).has_value());
    const jwt::string_array_view methods = *c.get(amr);
    CHECK(methods.size() == 3);
    std::vector<std::string_view> got(methods.begin(), methods.end());
    CHECK(got == std::vector<std::string_view>{"pwd", "otp", "A"});
    CHECK(methods.contains("otp"));
    CHECK_FALSE(methods.contains("hwk"));
    CHECK(c.get(level) == -42);
    CHECK(c.exp() == 1700000600);
    // The generic reader still sees everything.
    CHECK(c.get<json>("other") == json{{"state", 1}});
}

TEST_CASE("jwt::claims::get: a claim the policy did not declare, or declared as another kind, throws",
          "[jose][jwt][claims]")
{
    const jwt::verifier v{jose::key_set(hs256()), declaring({state})};
    const auto r = v.verify(sign_claims(R"({"exp":1700000600,"state":"s","nonce":"n"})"));
    REQUIRE(r.has_value());
    CHECK(r->claims().get(state) == "s");
    CHECK_THROWS_AS(r->claims().get(nonce), std::invalid_argument);  // present in the token, never declared
    CHECK_THROWS_WITH(r->claims().get(nonce), Catch::Contains("\"nonce\""));
    constexpr jwt::int_claim state_as_int{"state"};
    CHECK_THROWS_AS(r->claims().get(state_as_int), std::invalid_argument);
}

TEST_CASE("RFC 7519 §7.2: a declared claim of the wrong JSON type is invalid_claim_type", "[jose][jwt][claims]")
{
    const jwt::verifier v{jose::key_set(hs256()), declaring({state, is_new_sub, err, auth_time, amr, level})};
    const char* wrong[] = {
        R"("state":1)",     R"("state":null)",
        R"("state":["s"])", R"("isNewSub":"true")",
        R"("isNewSub":1)",  R"("err":"oops")",
        R"("err":[1])",     R"("auth_time":"1")",
        R"("amr":"pwd")",   R"("amr":["pwd",1])",
        R"("amr":[null])",  R"("level":1.5)",
        R"("level":1e3)",   R"("level":9223372036854775808)",
    };
    for (const char* m : wrong) {
        INFO(m);
        const std::string payload = std::string(R"({"exp":1700000600,)") + m + "}";
        CHECK(outcome(v.verify(sign_claims(payload))) == name(errc::invalid_claim_type));
    }
    // The edges that are the right type.
    CHECK(v.verify(sign_claims(R"({"exp":1700000600,"level":-9223372036854775808,"amr":[],"err":{}})")).has_value());
}

TEST_CASE("jwt::policy::declare: a required declared claim that is absent is missing_claim", "[jose][jwt][claims]")
{
    const jwt::verifier v{jose::key_set(hs256()), declaring({state.required(), nonce})};
    CHECK(outcome(v.verify(sign_claims(R"({"exp":1700000600,"nonce":"n"})"))) == name(errc::missing_claim));
    CHECK(v.verify(sign_claims(R"({"exp":1700000600,"state":"s"})")).has_value());
    // `require` can make a declared claim required too.
    jwt::policy p = declaring({nonce});
    p.require = {"exp", "nonce"};
    const jwt::verifier w{jose::key_set(hs256()), p};
    CHECK(outcome(w.verify(sign_claims(R"({"exp":1700000600})"))) == name(errc::missing_claim));
    CHECK(w.verify(sign_claims(R"({"exp":1700000600,"nonce":"n"})")).has_value());
}

TEST_CASE("jwt::verifier: declaring a registered, empty or repeated name is refused when built", "[jose][jwt][claims]")
{
    CHECK_THROWS_AS(jwt::verifier(jose::key_set(hs256()), declaring({jwt::string_claim{"sub"}})),
                    std::invalid_argument);
    CHECK_THROWS_AS(jwt::verifier(jose::key_set(hs256()), declaring({jwt::string_claim{""}})), std::invalid_argument);
    CHECK_THROWS_AS(jwt::verifier(jose::key_set(hs256()), declaring({state, jwt::int_claim{"state"}})),
                    std::invalid_argument);
}

TEST_CASE("jwt::claims: declared claims survive moves, large tokens and more than 8 declarations",
          "[jose][jwt][claims]")
{
    std::vector<jwt::claim_spec> d;
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) names.push_back("c" + std::to_string(i));
    for (const auto& n : names) d.push_back(jwt::string_claim{n});
    d.push_back(amr);
    const jwt::verifier v{jose::key_set(hs256()), declaring(d)};
    json payload = {{"exp", 1700000600}, {"pad", std::string(3000, 'p')}, {"amr", {std::string(200, 'x'), "y"}}};
    for (const auto& n : names) payload[n] = n + "-value";
    auto r = v.verify(sign_claims(payload.dump()));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    const jwt::verified moved = std::move(*r);
    for (const auto& n : names) CHECK(moved.claims().get(jwt::string_claim{n}) == n + "-value");
    std::vector<std::string_view> got(moved.claims().get(amr)->begin(), moved.claims().get(amr)->end());
    CHECK(got == std::vector<std::string_view>{std::string(200, 'x'), "y"});
}

TEST_CASE("RFC 7519 §4.2-4.3: a declared claim matches only its exact name, also when the lengths differ by 65536",
          "[jose][jwt][claims]")
{
    // Member names were told apart by a 32-bit fingerprint that kept only the low 16 bits of the
    // length, and then compared with memcmp by the token's name length: a name 65536 octets
    // longer than a declared one with the same first and last octet read past the declared name
    // (heap-buffer-overflow under ASan), and a declared name 65536 octets longer than a token's
    // name with the same prefix and last octet matched that name.
    const std::string long_name = "state" + std::string(65535, 'x') + "e";  // 65541 octets, "s"…"e"
    const jwt::string_claim long_state{long_name};
    const auto large = [](std::vector<jwt::claim_spec> d) {
        jwt::policy p = declaring(std::move(d));
        p.max_size = 1 << 20;
        return p;
    };

    // A token's 65541-octet name is not the declared "state" (memcmp read 65541 octets of "state").
    const jwt::verifier short_only{jose::key_set(hs256()), large({state})};
    auto r = short_only.verify(sign_claims(json{{"exp", 1700000600}, {long_name, "long"}}.dump()));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK_FALSE(r->claims().get(state).has_value());

    // The token's "state" is not the declared 65541-octet claim (was read as it).
    const jwt::verifier both{jose::key_set(hs256()), large({long_state, state})};
    r = both.verify(sign_claims(R"({"exp":1700000600,"state":"short"})"));
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK(r->claims().get(state) == "short");
    CHECK_FALSE(r->claims().get(long_state).has_value());
    r = both.verify(sign_claims(json{{"exp", 1700000600}, {"state", "short"}, {long_name, "long"}}.dump()));
    INFO(outcome(r));
    REQUIRE(r.has_value());  // two claims, not a duplicate
    CHECK(r->claims().get(state) == "short");
    CHECK(r->claims().get(long_state) == "long");

    // Required, the long claim is missing from a token that has only "state".
    const jwt::verifier required{jose::key_set(hs256()), large({long_state.required()})};
    CHECK(outcome(required.verify(sign_claims(R"({"exp":1700000600,"state":"short"})"))) == name(errc::missing_claim));
}

TEST_CASE("jwt::claims: an object claim is the exact text, also with a byte order mark and nested arrays",
          "[jose][jwt][claims]")
{
    const jwt::verifier v{jose::key_set(hs256()), declaring({err, state})};
    const std::string payload =
        "\xEF\xBB\xBF"
        R"({ "a" : [ "]" , {"err":1} ] , "err" :	{"b":[{}],"c":"\\"}	, "exp":1700000600})";
    const auto r = v.verify(sign_claims(payload));
    if (r) {
        CHECK(r->claims().get(err) == R"({"b":[{}],"c":"\\"})");
    } else {
        // simdjson may refuse a byte order mark; then the token is invalid_claims as before.
        CHECK(outcome(r) == name(errc::invalid_claims));
    }
    const auto r2 = v.verify(sign_claims(payload.substr(3)));
    REQUIRE(r2.has_value());
    CHECK(r2->claims().get(err) == R"({"b":[{}],"c":"\\"})");
}

TEST_CASE("jwt::policy::check: sees the verified claims and refuses with its own error", "[jose][jwt][claims]")
{
    jwt::policy p = declaring({status.required(), err});
    p.check = [](const jwt::claims& c) -> std::error_code {
        if (c.get(err)) return errc::invalid_configuration;  // as an ID Site callback would map err
        if (c.get(status) != "AUTHENTICATED") return errc::wrong_token_type;
        return {};
    };
    const jwt::verifier v{jose::key_set(hs256()), p};
    CHECK(v.verify(sign_claims(R"({"exp":1700000600,"status":"AUTHENTICATED"})")).has_value());
    CHECK(outcome(v.verify(sign_claims(R"({"exp":1700000600,"status":"LOGOUT"})"))) == name(errc::wrong_token_type));
    CHECK(outcome(v.verify(sign_claims(R"({"exp":1700000600,"status":"AUTHENTICATED","err":{"code":1}})"))) ==
          name(errc::invalid_configuration));
    // Not called for a token that fails an earlier check.
    int calls = 0;
    jwt::policy q = declaring({});
    q.check = [&calls](const jwt::claims&) -> std::error_code {
        ++calls;
        return {};
    };
    const jwt::verifier w{jose::key_set(hs256()), q};
    CHECK(outcome(w.verify(sign_claims(R"({"exp":1699999999})"))) == name(errc::token_expired));
    CHECK(calls == 0);
    // A hook that throws refuses the token (invalid_configuration), verify() stays noexcept.
    jwt::policy t = declaring({});
    t.check = [](const jwt::claims&) -> std::error_code { throw std::runtime_error("bug"); };
    const jwt::verifier x{jose::key_set(hs256()), t};
    CHECK(outcome(x.verify(sign_claims(R"({"exp":1700000600})"))) == name(errc::invalid_configuration));
}

TEST_CASE("jwt::verifier::explain: which claim, how late, what was expected", "[jose][jwt][claims]")
{
    jwt::policy p = declaring({state.required(), is_new_sub});
    p.issuer = "https://login.example.com";
    p.audience = "app";
    p.leeway = std::chrono::seconds(30);
    p.typ = "JWT";
    const jwt::verifier v{jose::key_set(hs256()), p};
    const std::string h = R"({"alg":"HS256","typ":"JWT"})";
    const std::string ok = R"("iss":"https://login.example.com","aud":"app","state":"s")";
    CHECK(v.explain(sign_raw(h, "{" + ok + R"(,"exp":1700000600})")) == "ok");
    CHECK(v.explain(sign_raw(h, R"({"iss":"https://login.example.com","aud":"app","exp":1700000600})")) ==
          R"(missing_claim: the claim "state" is required by the policy and absent)");
    CHECK(v.explain(sign_raw(h, "{" + ok + R"(,"exp":1699999900})")) ==
          "token_expired: exp 1699999900 is 100 s before now 1700000000 (leeway 30 s)");
    CHECK(v.explain(sign_raw(h, "{" + ok + R"(,"exp":1700000600,"isNewSub":"yes"})")) ==
          R"(invalid_claim_type: the claim "isNewSub" must be true or false)");
    CHECK(v.explain(sign_raw(h, "{" + ok + R"(,"exp":"soon"})")) ==
          R"(invalid_claim_type: the claim "exp" must be a number (NumericDate))");
    CHECK(v.explain(sign_raw(h, R"({"iss":"https://evil","aud":"app","state":"s","exp":1700000600})")) ==
          R"(wrong_issuer: iss is "https://evil"; the policy expects "https://login.example.com")");
    CHECK(
        v.explain(sign_raw(h, R"({"iss":"https://login.example.com","aud":["a","b"],"state":"s","exp":1700000600})")) ==
        R"(wrong_audience: aud is "a" "b"; the policy expects one of "app")");
    CHECK(v.explain(sign_raw(R"({"alg":"HS256","typ":"at+jwt"})", "{" + ok + R"(,"exp":1700000600})"))
              .find(R"(typ "at+jwt")") != std::string::npos);
    CHECK(v.explain("a.b") == "jws_malformed: " + apiauth::make_error_code(errc::jws_malformed).message());
    // explain() agrees with verify() on the error.
    const std::string bad = sign_raw(h, "{" + ok + R"(,"exp":1700000600,"nbf":1700000100})");
    CHECK(v.explain(bad).rfind(outcome(v.verify(bad)) + ": ", 0) == 0);
}

TEST_CASE("RFC 8259 §8.1: jwt::signer::sign refuses a claim that is not valid UTF-8 instead of throwing",
          "[jose][jwt][claims]")
{
    const auto s = jwt::signer::make(hs256());
    REQUIRE(s.has_value());
    json claims = {{"sub", "ok"}, {"name", std::string("\xC3\x28", 2)}};
    CHECK(outcome(s->sign(claims)) == name(errc::json_invalid_utf8));
    json nested = {{"sub", "ok"}, {"deep", {{"list", {std::string("\xFF")}}}}};
    CHECK(outcome(s->sign(nested)) == name(errc::json_invalid_utf8));
    CHECK(outcome(jwt::signer::make(hs256(), std::string("\xFF"))) == name(errc::json_invalid_utf8));
    CHECK(outcome(jws::sign(R"({"alg":"HS256"})", "payload", hs256())) == "ok");
    // A kid must be a JSON string: a key with a kid that is not UTF-8 is refused when built.
    CHECK(outcome(jose::key::from_secret(algorithm::hs256, "claims-test-secret-0123456789abcd", "\xFF")) ==
          name(errc::invalid_key));
    // A clock that throws is an error too.
    jwt::sign_options o;
    o.set_iat = true;
    o.clock = []() -> std::chrono::system_clock::time_point { throw std::runtime_error("clock"); };
    CHECK(outcome(s->sign(json{{"sub", "x"}}, o)) == name(errc::invalid_configuration));
}

TEST_CASE("jwt::policy::declare: a verifier copy keeps its declarations, claims outlive the verifier",
          "[jose][jwt][claims]")
{
    std::optional<jwt::verified> kept;
    {
        const jwt::verifier v{jose::key_set(hs256()), declaring({jwt::string_claim{std::string("state")}})};
        const jwt::verifier copy = v;
        auto r = copy.verify(sign_claims(R"({"exp":1700000600,"state":"abc"})"));
        REQUIRE(r.has_value());
        kept.emplace(std::move(*r));
    }
    CHECK(kept->claims().get(state) == "abc");
}

}  // namespace jose_claims_test
