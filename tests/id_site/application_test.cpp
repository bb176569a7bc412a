// Tests for id_site::application (apiauth/id_site/application.hpp): the redirect to the login
// site and the callback, against research/stormpath-protocol.md §0-§3 and the verified
// Stormpath vectors (stormpath-sdk-java DefaultIdSiteCallbackHandlerTest.groovy).
#include "id_site_support.hpp"

#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace id_site_application_test {

using apiauth::errc;
using apiauth::id_site::application;
using apiauth::id_site::status;
using apiauth::id_site::unbound;
using apiauth::stores::memory_nonce_store;
using apiauth::test::b64;
using apiauth::test::b64d;
using apiauth::test::name;
using apiauth::test::outcome;
using namespace apiauth::test::id_site;
using namespace std::chrono_literals;

namespace {

// The vector's two tokens (research §0): the `kid` form and the older `aud` form.
const std::string vector_payload =
    R"({"iss":"https://sturdy-shield.id.stormpath.io","sub":"https://api.stormpath.com/v1/accounts/7Ora8KfVDEIQP38KzrYdAs",)"
    R"("exp":250246665000,"iat":1407198550,"jti":"436vkkHgk1x3057pCPqTah","irt":"1d02d335-fbfc-4ea8-b836-85b9e2a6f2a0",)"
    R"("isNewSub":false,"status":"REGISTERED"})";
const std::string vector_kid = b64(R"({"typ":"JWT","alg":"HS256","kid":"2EV70AHRTYF0JOA7OEFO3SM29"})") + "." +
                               b64(vector_payload) + ".0n-Sp5zDtiOIJ_Zq6IYdrDHoU3i95XPKhlH-2n9ALdg";
const std::string vector_aud =
    b64(R"({"typ":"JWT","alg":"HS256"})") + "." +
    b64(R"({"iss":"https://sturdy-shield.id.stormpath.io","sub":"https://api.stormpath.com/v1/accounts/7Ora8KfVDEIQP38KzrYdAs",)"
        R"("aud":"2EV70AHRTYF0JOA7OEFO3SM29","exp":250246665000,"iat":1407198550,"jti":"436vkkHgk1x3057pCPqTah",)"
        R"("irt":"1d02d335-fbfc-4ea8-b836-85b9e2a6f2a0","isNewSub":false,"status":"REGISTERED"})") +
    ".4_yCiF6Cik2wep3iwyinTTcn5GHAEvCbIezO1aA5Kkk";
const std::string vector_irt = "1d02d335-fbfc-4ea8-b836-85b9e2a6f2a0";

apiauth::id_site::application_options options(manual_clock& clock)
{
    return {.api_key_id = key_id,
            .api_key_secret = secret,
            .application_href = app_href,
            .base_url = site,
            .clock = clock.fn()};
}

application make_app(manual_clock& clock)
{
    auto a = application::make(options(clock));
    REQUIRE(outcome(a) == "ok");
    return std::move(*a);
}

// A response as Stormpath's login site signed it, for `irt`, with claims added or replaced.
std::string response(const std::string& irt, nlohmann::json extra = nlohmann::json::object(),
                     const std::string& header = response_header(), const std::string& key_secret = secret)
{
    nlohmann::json c = {{"iss", site},    {"sub", account},    {"aud", key_id},
                        {"exp", t0 + 60}, {"iat", t0},         {"jti", "436vkkHgk1x3057pCPqTah"},
                        {"irt", irt},     {"isNewSub", false}, {"status", "AUTHENTICATED"}};
    for (auto& [k, v] : extra.items()) {
        if (v.is_null())
            c.erase(k);
        else
            c[k] = v;
    }
    return hs256(header, c.dump(), key_secret);
}

std::string target(const std::string& token)
{
    return "/idsite/callback?jwtResponse=" + token;
}

// Issues `irt` as build_redirect_url would have.
void issue(memory_nonce_store& s, const std::string& irt)
{
    auto r = s.issue(irt, 300s);
    REQUIRE(r.has_value());
    REQUIRE(*r);
}

}  // namespace

TEST_CASE("id_site application: make refuses a configuration it cannot use", "[id_site][application]")
{
    manual_clock clock;
    const auto refused = [&](auto change) {
        auto o = options(clock);
        change(o);
        return outcome(application::make(o));
    };
    CHECK(refused([](auto&) {}) == "ok");
    CHECK(refused([](auto& o) { o.api_key_id.clear(); }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.application_href.clear(); }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.api_key_secret = "short"; }) == name(errc::weak_key));
    CHECK(refused([](auto& o) { o.base_url = "/relative"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.base_url = "ftp://login.example.com"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.base_url = "https://login.example.com/?a=1"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.base_url = "https://login.example.com/#f"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.request_lifetime = 0s; }) == name(errc::invalid_configuration));
    // Bounded to a day, so that now + lifetime (the request's exp) cannot overflow.
    CHECK(refused([](auto& o) { o.request_lifetime = std::chrono::seconds::max(); }) ==
          name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.request_lifetime = apiauth::id_site::max_lifetime + 1s; }) ==
          name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.request_lifetime = apiauth::id_site::max_lifetime; }) == "ok");
    CHECK(refused([](auto& o) { o.api_key_id = "\xff"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.application_href = "\xff"; }) == name(errc::invalid_configuration));
    CHECK(refused([](auto& o) { o.login_site_issuer = "\xff"; }) == name(errc::invalid_configuration));
}

TEST_CASE("id_site application: the API key secret is kept only as the key, its copy wiped (DESIGN.md: "
          "secrets wiped)",
          "[id_site][application][wipe]")
{
    manual_clock clock;
    auto o = options(clock);
    REQUIRE(o.api_key_secret.size() > 15);  // on the heap, not in the string's inline buffer
    // The string's buffer moves with it into the application: watch it there.
    const char* buffer = o.api_key_secret.data();
    auto made = application::make(std::move(o));
    REQUIRE(outcome(made) == "ok");
    const application app = std::move(*made);
    CHECK(app.options().api_key_secret.empty());
    CHECK(std::string_view(buffer, secret.size()) == std::string(secret.size(), '\0'));
    // The key still signs requests and verifies answers.
    memory_nonce_store nonces(1000, clock.fn());
    auto r = app.build_redirect_url({.callback_uri = callback}, nonces);
    REQUIRE(outcome(r) == "ok");
    CHECK(outcome(app.handle_callback(target(response(r->jti)), nonces, "")) == "ok");
}

TEST_CASE("id_site application: the redirect URL carries a signed jwtRequest (research §1)", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    const std::vector<std::string_view> mfa = {"sms", "google-authenticator"};
    auto r = app.build_redirect_url({.callback_uri = callback,
                                     .path = "/#/register",
                                     .state = "a b&c=%",
                                     .show_organization_field = false,
                                     .organization_name_key = "acme",
                                     .use_subdomain = true,
                                     .sp_token = "reset-token",
                                     .require_mfa = mfa},
                                    nonces);
    REQUIRE(outcome(r) == "ok");
    const std::string prefix = site + "/sso?jwtRequest=";
    REQUIRE(r->url.substr(0, prefix.size()) == prefix);
    const std::string token = r->url.substr(prefix.size());
    const auto seg = apiauth::test::split(token);
    // §1.2: {"typ":"JWT","alg":"HS256"}, no kid.
    CHECK(nlohmann::json::parse(b64d(seg.header)) == nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}});
    const auto c = nlohmann::json::parse(b64d(seg.payload));
    CHECK(c["iss"] == key_id);
    CHECK(c["sub"] == app_href);
    CHECK(c["cb_uri"] == callback);
    CHECK(c["jti"] == r->jti);
    CHECK(r->jti.size() == 22);  // 128 bits, base64url
    CHECK(c["iat"] == t0);
    CHECK(c["exp"] == t0 + 300);
    CHECK(c["path"] == "/#/register");
    CHECK(c["state"] == "a b&c=%");
    CHECK(c["sof"] == false);
    CHECK(c["onk"] == "acme");
    CHECK(c["usd"] == true);
    CHECK(c["sp_token"] == "reset-token");
    CHECK(c["require_mfa"] == nlohmann::json{"sms", "google-authenticator"});
    // HS256 with the secret's UTF-8 bytes (research §0).
    CHECK(hs256(b64d(seg.header), b64d(seg.payload)) == token);
    // The jti was issued: a response answering it is accepted once.
    CHECK(*nonces.consume(r->jti));
    CHECK_FALSE(*nonces.consume(r->jti));
}

TEST_CASE("id_site application: optional claims are left out, logout goes to /sso/logout", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    auto r = app.build_redirect_url({.callback_uri = callback, .logout = true}, nonces);
    REQUIRE(outcome(r) == "ok");
    const std::string prefix = site + "/sso/logout?jwtRequest=";
    REQUIRE(r->url.substr(0, prefix.size()) == prefix);
    const auto c = nlohmann::json::parse(b64d(apiauth::test::split(r->url.substr(prefix.size())).payload));
    for (const char* absent : {"path", "state", "sof", "onk", "usd", "sp_token", "require_mfa"})
        CHECK_FALSE(c.contains(absent));

    // A base URL with a path (and a trailing slash) keeps its path (java#184: never hard-coded).
    auto o = options(clock);
    o.base_url = "https://example.com/login/";
    auto app2 = application::make(o);
    REQUIRE(app2.has_value());
    auto r2 = app2->build_redirect_url({.callback_uri = callback}, nonces);
    REQUIRE(r2.has_value());
    CHECK(r2->url.rfind("https://example.com/login/sso?jwtRequest=", 0) == 0);

    // Every jti differs (CSPRNG).
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) seen.insert(app.build_redirect_url({.callback_uri = callback}, nonces)->jti);
    CHECK(seen.size() == 200);
}

TEST_CASE("id_site application: build_redirect_url refusals", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    CHECK(outcome(app.build_redirect_url({}, nonces)) == name(errc::invalid_configuration));
    CHECK(outcome(app.build_redirect_url({.callback_uri = callback, .state = "\xc3"}, nonces)) ==
          name(errc::json_invalid_utf8));
    const std::vector<std::string_view> bad = {"\xff"};
    CHECK(outcome(app.build_redirect_url({.callback_uri = callback, .require_mfa = bad}, nonces)) ==
          name(errc::json_invalid_utf8));
    // A store that cannot record the nonce: no URL (the callback could never be accepted).
    failing_nonce_store down;
    CHECK(outcome(app.build_redirect_url({.callback_uri = callback}, down)) == name(errc::store_unavailable));
    // A store that already holds every id: 128 random bits cannot collide, so the generator is broken.
    struct full_of_ids {
        apiauth::result<bool> issue(std::string_view, std::chrono::seconds) noexcept { return false; }
        apiauth::result<bool> consume(std::string_view) noexcept { return false; }
    } taken;
    CHECK(outcome(app.build_redirect_url({.callback_uri = callback}, taken)) == name(errc::random_failure));
}

TEST_CASE("id_site application: the Stormpath vectors are accepted in their window, once (research §0)",
          "[id_site][application][vectors]")
{
    manual_clock clock;
    clock.set(1407198550 + 10);
    const application app = make_app(clock);
    for (const std::string* token : {&vector_kid, &vector_aud}) {
        memory_nonce_store nonces(1000, clock.fn());
        issue(nonces, vector_irt);
        auto a = app.handle_callback(target(*token), nonces, unbound);
        REQUIRE(outcome(a) == "ok");
        CHECK(a->status() == status::registered);
        CHECK(a->account_href() == std::optional<std::string_view>(account));
        CHECK_FALSE(a->is_new_account());
        CHECK(a->in_response_to() == vector_irt);
        CHECK(a->issuer() == std::optional<std::string_view>("https://sturdy-shield.id.stormpath.io"));
        CHECK_FALSE(a->state().has_value());
        CHECK(a->claims().jti() == std::optional<std::string_view>("436vkkHgk1x3057pCPqTah"));
        // §3: the nonce is consumed; the same callback again is a replay.
        CHECK(outcome(app.handle_callback(target(*token), nonces, unbound)) == name(errc::nonce_replayed));
    }
}

TEST_CASE("id_site application: the vector with any one byte changed is refused", "[id_site][application][vectors]")
{
    manual_clock clock;
    clock.set(1407198550 + 10);
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    issue(nonces, vector_irt);
    for (const std::string* token : {&vector_kid, &vector_aud}) {
        for (std::size_t i = 0; i < token->size(); ++i) {
            std::string t = *token;
            t[i] = t[i] == 'A' ? 'B' : (t[i] == '.' ? 'x' : 'A');
            const auto r = app.handle_callback(target(t), nonces, unbound);
            INFO("byte " << i);
            CHECK_FALSE(r.has_value());
        }
    }
    // Nothing was consumed by the refusals.
    CHECK(outcome(app.handle_callback(target(vector_kid), nonces, unbound)) == "ok");
}

TEST_CASE("id_site application: the callback target", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    issue(nonces, "n1");
    const std::string t = response("n1");
    CHECK(outcome(app.handle_callback("/idsite/callback", nonces, unbound)) == name(errc::missing_parameter));
    CHECK(outcome(app.handle_callback("/idsite/callback?jwtResponse=", nonces, unbound)) ==
          name(errc::missing_parameter));
    CHECK(outcome(app.handle_callback("/idsite/callback?jwtresponse=" + t, nonces, unbound)) ==
          name(errc::missing_parameter));
    // python 2.0.8 took query.split('=')[1]; a second jwtResponse is refused, whichever comes first.
    CHECK(outcome(app.handle_callback(target(t) + "&jwtResponse=" + t, nonces, unbound)) ==
          name(errc::duplicate_parameter));
    CHECK(outcome(app.handle_callback("/idsite/callback?jwtResponse=%zz", nonces, unbound)) ==
          name(errc::malformed_form_body));
    CHECK(outcome(app.handle_callback("/idsite/callback?a b", nonces, unbound)) == name(errc::malformed_form_body));
    CHECK(outcome(app.handle_callback("/idsite/callback?jwtResponse=%FF", nonces, unbound)) ==
          name(errc::form_invalid_utf8));
    // A '?' inside the fragment does not start a query (RFC 3986 §3.5).
    CHECK(outcome(app.handle_callback("/idsite/callback#x?jwtResponse=" + t, nonces, unbound)) ==
          name(errc::missing_parameter));
    CHECK(outcome(app.handle_callback(target(t) + "&a=1&a=2", nonces, unbound)) == name(errc::duplicate_parameter));
    CHECK(outcome(app.handle_callback(target(t) + std::string(9000, 'a'), nonces, unbound)) ==
          name(errc::header_too_large));
    CHECK(outcome(app.handle_callback(target("not.a.jwt"), nonces, unbound)) != "ok");
    // An absolute URL, other parameters around it, and a percent-encoded token are all one token.
    std::string encoded = t;
    encoded.replace(encoded.find('.'), 1, "%2E");
    CHECK(outcome(app.handle_callback("https://app.example.com/idsite/callback?x=1&jwtResponse=" + encoded + "&y=2",
                                      nonces, unbound)) == "ok");
}

TEST_CASE("id_site application: no other kind of token is accepted as a jwtResponse", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());

    SECTION("the application's own jwtRequest reflected back: no irt")
    {
        auto r = app.build_redirect_url({.callback_uri = callback, .state = "s"}, nonces);
        REQUIRE(r.has_value());
        const std::string token = r->url.substr(r->url.find('=') + 1);
        CHECK(outcome(app.handle_callback(target(token), nonces, "s")) == name(errc::missing_claim));
        CHECK(*nonces.consume(r->jti));  // and its nonce is untouched
    }
    SECTION("an access token (typ at+jwt) signed with the same secret and kid")
    {
        issue(nonces, "n1");
        CHECK(outcome(app.handle_callback(
                  target(response("n1", {}, R"({"typ":"at+jwt","alg":"HS256","kid":")" + key_id + "\"}")), nonces,
                  unbound)) == name(errc::wrong_token_type));
        CHECK(outcome(app.handle_callback(target(response("n1", {}, R"({"alg":"HS256","kid":")" + key_id + "\"}")),
                                          nonces, unbound)) ==
              name(errc::wrong_token_type));  // typ is required: Stormpath always sent JWT
    }
    SECTION("a response minted for another application")
    {
        issue(nonces, "n1");
        // Its own kid: not a key of this application.
        CHECK(outcome(app.handle_callback(
                  target(response("n1", {{"aud", other_key_id}}, response_header(other_key_id), other_secret)), nonces,
                  unbound)) == name(errc::unknown_key));
        // This application's kid, the other's secret.
        CHECK(outcome(app.handle_callback(target(response("n1", {}, response_header(), other_secret)), nonces,
                                          unbound)) == name(errc::bad_signature));
        // The older aud form, the other's secret.
        CHECK(outcome(app.handle_callback(
                  target(response("n1", {{"aud", other_key_id}}, R"({"typ":"JWT","alg":"HS256"})", other_secret)),
                  nonces, unbound)) == name(errc::bad_signature));
        // Signed with this secret but addressed to another key id.
        CHECK(outcome(app.handle_callback(target(response("n1", {{"aud", other_key_id}})), nonces, unbound)) ==
              name(errc::wrong_audience));
        CHECK(*nonces.consume("n1"));
    }
    SECTION("alg none, another HMAC, a key id that is not a string")
    {
        issue(nonces, "n1");
        const std::string none = b64(R"({"typ":"JWT","alg":"none","kid":")" + key_id + "\"}") + "." +
                                 apiauth::test::split(response("n1")).payload + ".";
        CHECK(outcome(app.handle_callback(target(none), nonces, unbound)) == name(errc::unsupported_algorithm));
        CHECK(outcome(app.handle_callback(
                  target(response("n1", {}, R"({"typ":"JWT","alg":"HS512","kid":")" + key_id + "\"}")), nonces,
                  unbound)) == name(errc::algorithm_mismatch));
        CHECK(outcome(app.handle_callback(target(response("n1", {}, R"({"typ":"JWT","alg":"HS256","kid":7})")), nonces,
                                          unbound)) == name(errc::jws_invalid_header));
    }
}

TEST_CASE("id_site application: a response names this key by its kid header or else by aud (research §2.1)",
          "[id_site][application][aud]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    issue(nonces, "n1");
    const std::string no_kid = R"({"typ":"JWT","alg":"HS256"})";
    // Neither a kid nor an aud: nothing says the response is addressed to this key.
    CHECK(outcome(app.handle_callback(target(response("n1", {{"aud", nullptr}}, no_kid)), nonces, unbound)) ==
          name(errc::missing_claim));
    // No kid, an aud naming another key (signed with this secret): not addressed here.
    CHECK(outcome(app.handle_callback(target(response("n1", {{"aud", other_key_id}}, no_kid)), nonces, unbound)) ==
          name(errc::wrong_audience));
    CHECK(outcome(app.handle_callback(target(response("n1", {{"aud", nlohmann::json::array()}}, no_kid)), nonces,
                                      unbound)) == name(errc::missing_claim));
    // The kid alone names the key (the Stormpath vector's kid form has no aud) ...
    CHECK(outcome(app.handle_callback(target(response("n1", {{"aud", nullptr}})), nonces, unbound)) == "ok");
    // ... and the older form, no kid and aud naming this key, is accepted too.
    issue(nonces, "n2");
    CHECK(outcome(app.handle_callback(target(response("n2", {}, no_kid)), nonces, unbound)) == "ok");
    issue(nonces, "n3");
    CHECK(outcome(app.handle_callback(target(response("n3", {{"aud", {other_key_id, key_id}}}, no_kid)), nonces,
                                      unbound)) == "ok");
}

TEST_CASE("id_site application: claims of a response (research §2.1, §2.2)", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    const auto check = [&](nlohmann::json extra) {
        issue(nonces, "n");
        const auto r = app.handle_callback(target(response("n", std::move(extra))), nonces, unbound);
        (void)nonces.consume("n");
        return outcome(r);
    };
    CHECK(check({}) == "ok");
    CHECK(check({{"irt", nullptr}}) == name(errc::missing_claim));
    CHECK(check({{"irt", ""}}) == name(errc::missing_claim));
    CHECK(check({{"irt", 5}}) == name(errc::invalid_claim_type));
    CHECK(check({{"status", nullptr}}) == name(errc::missing_claim));
    CHECK(check({{"status", "authenticated"}}) == name(errc::invalid_claim_type));  // exact, as sent
    CHECK(check({{"status", true}}) == name(errc::invalid_claim_type));
    CHECK(check({{"sub", nullptr}}) == name(errc::missing_claim));
    CHECK(check({{"sub", nullptr}, {"status", "LOGOUT"}}) == "ok");  // Java: no sub only for LOGOUT
    CHECK(check({{"isNewSub", "true"}}) == name(errc::invalid_claim_type));
    CHECK(check({{"isNewSub", nullptr}}) == "ok");
    CHECK(check({{"exp", nullptr}}) == name(errc::missing_claim));
    CHECK(check({{"exp", "soon"}}) == name(errc::invalid_claim_type));
    CHECK(check({{"aud", nullptr}}) == "ok");  // Java ignores aud; the kid names the key
    CHECK(check({{"aud", nlohmann::json::array({"x", key_id})}}) == "ok");
    CHECK(check({{"state", 3}}) == name(errc::invalid_claim_type));

    issue(nonces, "n2");
    auto a =
        app.handle_callback(target(response("n2", {{"isNewSub", true}, {"status", "REGISTERED"}})), nonces, unbound);
    REQUIRE(outcome(a) == "ok");
    CHECK(a->is_new_account());
    CHECK(a->status() == status::registered);
    issue(nonces, "n3");
    a = app.handle_callback(target(response("n3", {{"sub", nullptr}, {"status", "LOGOUT"}})), nonces, unbound);
    REQUIRE(outcome(a) == "ok");
    CHECK(a->status() == status::logout);
    CHECK_FALSE(a->account_href().has_value());
}

TEST_CASE("id_site application: exp with leeway, iss when configured", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);  // leeway 5 s
    memory_nonce_store nonces(1000, clock.fn());
    issue(nonces, "n");
    clock.set(t0 + 60 + 4);
    CHECK(outcome(app.handle_callback(target(response("n")), nonces, unbound)) == "ok");
    issue(nonces, "n2");
    clock.set(t0 + 60 + 5);
    CHECK(outcome(app.handle_callback(target(response("n2")), nonces, unbound)) == name(errc::token_expired));
    clock.set(t0 - 6);
    CHECK(outcome(app.handle_callback(target(response("n2")), nonces, unbound)) == name(errc::token_issued_in_future));

    clock.set(t0);
    auto o = options(clock);
    o.login_site_issuer = site;
    auto strict = application::make(o);
    REQUIRE(strict.has_value());
    CHECK(outcome(strict->handle_callback(target(response("n2", {{"iss", site + "/"}})), nonces, unbound)) ==
          name(errc::wrong_issuer));
    CHECK(outcome(strict->handle_callback(target(response("n2")), nonces, unbound)) == "ok");
}

TEST_CASE("id_site application: state is compared when the application expects one", "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    issue(nonces, "n");
    const std::string with_state = target(response("n", {{"state", "xyz%20"}}));
    CHECK(outcome(app.handle_callback(with_state, nonces, "xyz ")) == name(errc::state_mismatch));
    CHECK(outcome(app.handle_callback(with_state, nonces, "xyz%2")) == name(errc::state_mismatch));
    CHECK(outcome(app.handle_callback(target(response("n")), nonces, "xyz%20")) == name(errc::state_mismatch));
    CHECK(outcome(app.handle_callback(with_state, nonces, "")) == name(errc::state_mismatch));
    // None of the refusals consumed the nonce; byte-for-byte equality is accepted.
    auto a = app.handle_callback(with_state, nonces, "xyz%20");
    REQUIRE(outcome(a) == "ok");
    CHECK(a->state() == std::optional<std::string_view>("xyz%20"));
    // An expected empty state is the absent one (build_redirect_url leaves an empty state out).
    issue(nonces, "e");
    CHECK(outcome(app.handle_callback(target(response("e")), nonces, "")) == "ok");
    // With the named opt-out (id_site::unbound), any state is accepted and returned.
    issue(nonces, "m");
    a = app.handle_callback(target(response("m", {{"state", "anything"}})), nonces, unbound);
    REQUIRE(outcome(a) == "ok");
    CHECK(a->state() == std::optional<std::string_view>("anything"));
}

// handle_callback without a state binding, or with an empty optional, does not compile: leaving the
// check out is written down as id_site::unbound.
template <class App, class Nonces>
concept callback_without_binding = requires(const App& a, Nonces& n)
{
    a.handle_callback(std::string_view(), n);
};
template <class App, class Nonces>
concept callback_with_nullopt = requires(const App& a, Nonces& n)
{
    a.handle_callback(std::string_view(), n, std::nullopt);
};

TEST_CASE("id_site application: an attacker's own response replayed into a victim's browser is refused "
          "(login CSRF, RFC 6749 §10.12, RFC 6819 §4.4.1.8)",
          "[id_site][application][state]")
{
    // The binding is a required parameter: no call leaves it out by default.
    CHECK_FALSE(callback_without_binding<application, memory_nonce_store>);
    CHECK_FALSE(callback_with_nullopt<application, memory_nonce_store>);

    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    // The attacker starts a login of their own at this application (their browser keeps
    // "attacker-state"), logs in at the login site, and keeps the answer instead of following it.
    auto attacker = app.build_redirect_url({.callback_uri = callback, .state = "attacker-state"}, nonces);
    REQUIRE(outcome(attacker) == "ok");
    const std::string attackers_answer = target(response(
        attacker->jti, {{"sub", "https://api.stormpath.com/v1/accounts/ATTACKER"}, {"state", "attacker-state"}}));
    // The victim's browser is sent to the callback with it: its own session kept another state
    // (or none at all, when it never started a login: the empty state).
    CHECK(outcome(app.handle_callback(attackers_answer, nonces, "victims-state")) == name(errc::state_mismatch));
    CHECK(outcome(app.handle_callback(attackers_answer, nonces, "")) == name(errc::state_mismatch));
    // Nothing was consumed: in the attacker's own browser, the answer is the attacker's login.
    CHECK(outcome(app.handle_callback(attackers_answer, nonces, "attacker-state")) == "ok");
}

TEST_CASE("id_site application: irt must be a live request this application issued (research §3)",
          "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    // Never issued.
    CHECK(outcome(app.handle_callback(target(response("made-up")), nonces, unbound)) == name(errc::nonce_replayed));
    // Issued, then expired in the store while the response itself is still valid.
    REQUIRE(*nonces.issue("short", 10s));
    clock.set(t0 + 11);
    CHECK(outcome(app.handle_callback(target(response("short")), nonces, unbound)) == name(errc::nonce_replayed));
    // A store that cannot answer fails closed.
    clock.set(t0);
    failing_nonce_store down;
    CHECK(outcome(app.handle_callback(target(response("short")), down, unbound)) == name(errc::store_unavailable));
}

TEST_CASE("id_site application: an err claim is a typed error with its message (research §2.1, python#201)",
          "[id_site][application]")
{
    manual_clock clock;
    const application app = make_app(clock);
    memory_nonce_store nonces(1000, clock.fn());
    const auto err_token = [&](nlohmann::json err) {
        nlohmann::json c = {{"iss", app_href}, {"exp", t0 + 60}, {"iat", t0}, {"jti", "j"}, {"err", std::move(err)}};
        return target(hs256(response_header(), c.dump()));
    };
    const std::vector<std::pair<int, errc>> codes = {{10011, errc::id_site_token_expired},
                                                     {10012, errc::id_site_token_issued_in_future},
                                                     {11001, errc::id_site_organization_not_found},
                                                     {11002, errc::id_site_organization_disabled},
                                                     {11003, errc::id_site_organization_not_mapped},
                                                     {11004, errc::id_site_organization_name_key_empty},
                                                     {11005, errc::id_site_token_reused},
                                                     {12001, errc::id_site_session_timed_out},
                                                     {99999, errc::id_site_error}};
    for (const auto& [code, e] : codes) {
        apiauth::id_site::error_details d;
        const auto r = app.handle_callback(err_token({{"code", code},
                                                      {"developerMessage", "dev"},
                                                      {"message", "The session on ID Site has timed out."},
                                                      {"moreInfo", "mailto:support@stormpath.com"},
                                                      {"status", 401}}),
                                           nonces, unbound, &d);
        INFO(code);
        CHECK(outcome(r) == name(e));
        CHECK(apiauth::id_site::is_login_site_error(r.error()));
        CHECK(d.code == code);
        CHECK(d.status == 401);
        CHECK(d.message == "The session on ID Site has timed out.");
        CHECK(d.developer_message == "dev");
        CHECK(d.more_info == "mailto:support@stormpath.com");
    }
    // Malformed err objects never crash: members of the wrong type are left empty.
    apiauth::id_site::error_details d;
    CHECK(outcome(app.handle_callback(err_token({{"code", "12001"}, {"message", 5}}), nonces, unbound, &d)) ==
          name(errc::id_site_error));
    CHECK(d.code == 0);
    CHECK(d.message.empty());
    CHECK(outcome(app.handle_callback(err_token(nlohmann::json::object()), nonces, unbound)) ==
          name(errc::id_site_error));
    CHECK(outcome(app.handle_callback(err_token("timed out"), nonces, unbound)) == name(errc::invalid_claim_type));
    CHECK_FALSE(apiauth::id_site::is_login_site_error(errc::invalid_claim_type));
    CHECK_FALSE(apiauth::id_site::is_login_site_error(errc::nonce_replayed));
    CHECK_FALSE(apiauth::id_site::is_login_site_error(std::make_error_code(std::errc::io_error)));
    CHECK(outcome(app.handle_callback(err_token(nlohmann::json::array({1})), nonces, unbound)) ==
          name(errc::invalid_claim_type));
    // An err token signed with another key is a bad signature first.
    nlohmann::json c = {{"iss", app_href}, {"exp", t0 + 60}, {"err", {{"code", 12001}}}};
    CHECK(outcome(app.handle_callback(target(hs256(response_header(), c.dump(), other_secret)), nonces, unbound)) ==
          name(errc::bad_signature));
}

TEST_CASE("id_site application: the error map answers a refused callback with 400 and no OAuth body",
          "[id_site][application]")
{
    for (errc e : {errc::nonce_replayed, errc::state_mismatch, errc::id_site_session_timed_out, errc::bad_signature,
                   errc::missing_parameter}) {
        CHECK(apiauth::http_status(e, apiauth::endpoint::id_site_callback) == 400);
        CHECK(apiauth::oauth_error(e, apiauth::endpoint::id_site_callback).empty());
    }
    CHECK(apiauth::http_status(errc::store_unavailable, apiauth::endpoint::id_site_callback) == 503);
}

}  // namespace id_site_application_test
