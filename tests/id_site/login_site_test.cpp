// Tests for id_site::login_site (apiauth/id_site/login_site.hpp): the login site's half of ID
// Site — requests as each Stormpath SDK shaped them (research/stormpath-protocol.md §1.3), the
// checks Stormpath's server made (§1.4), and the answers (§2.1), round-tripped through
// id_site::application.
#include "id_site_support.hpp"

#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace id_site_login_site_test {

using apiauth::errc;
using apiauth::id_site::application;
using apiauth::id_site::login_site;
using apiauth::id_site::memory_application_directory;
using apiauth::id_site::refused_request;
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

struct fixture {
    manual_clock clock;
    login_site site_ = make_site();
    memory_application_directory apps;
    memory_nonce_store site_nonces{1000, clock.fn()};
    memory_nonce_store app_nonces{1000, clock.fn()};
    application app = make_app();

    fixture()
    {
        auto a = site_.register_application({.api_key_id = key_id,
                                             .api_key_secret = secret,
                                             .href = app_href,
                                             .callback_uris = {callback, "https://app.example.com/cb?x=1#top"}});
        REQUIRE(outcome(a) == "ok");
        apps.add(*a);
    }
    login_site make_site()
    {
        auto s = login_site::make({.issuer = site, .clock = clock.fn()});
        REQUIRE(outcome(s) == "ok");
        return std::move(*s);
    }
    application make_app()
    {
        auto a = application::make({.api_key_id = key_id,
                                    .api_key_secret = secret,
                                    .application_href = app_href,
                                    .base_url = site,
                                    .login_site_issuer = site,
                                    .clock = clock.fn()});
        REQUIRE(outcome(a) == "ok");
        return std::move(*a);
    }
    // The request target of a URL the application built.
    std::string request(const apiauth::id_site::redirect_options& o)
    {
        auto r = app.build_redirect_url(o, app_nonces);
        REQUIRE(outcome(r) == "ok");
        return r->url.substr(site.size());
    }
    auto parse(const std::string& target, refused_request* refused = nullptr)
    {
        return site_.parse_request(target, apps, site_nonces, refused);
    }
};

// A request token with exactly these header and claims, signed with `key_secret`.
std::string request_token(const nlohmann::json& claims, const std::string& header = R"({"typ":"JWT","alg":"HS256"})",
                          const std::string& key_secret = secret)
{
    return hs256(header, claims.dump(), key_secret);
}

nlohmann::json request_claims(nlohmann::json extra = nlohmann::json::object())
{
    nlohmann::json c = {{"iss", key_id}, {"sub", app_href}, {"cb_uri", callback}, {"jti", "j1"}, {"iat", t0}};
    for (auto& [k, v] : extra.items()) {
        if (v.is_null())
            c.erase(k);
        else
            c[k] = v;
    }
    return c;
}

std::string sso(const std::string& token)
{
    return "/sso?jwtRequest=" + token;
}

}  // namespace

TEST_CASE("id_site login_site: make and register_application refuse what they cannot use", "[id_site][login_site]")
{
    CHECK(outcome(login_site::make({})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .sso_path = "sso"})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .iat_window = 0s})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .response_lifetime = -1s})) == name(errc::invalid_configuration));
    // Bounded to a day, so that now + duration (a response's exp, the nonce's lifetime of twice
    // the window) cannot overflow.
    const auto huge = std::chrono::seconds::max();
    const auto day = apiauth::id_site::max_lifetime;
    CHECK(outcome(login_site::make({.issuer = site, .iat_window = huge})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .response_lifetime = huge})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .iat_window = day + 1s})) == name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .response_lifetime = day + 1s})) ==
          name(errc::invalid_configuration));
    CHECK(outcome(login_site::make({.issuer = site, .iat_window = day, .response_lifetime = day})) == "ok");
    auto s = login_site::make({.issuer = site});
    REQUIRE(s.has_value());
    CHECK(outcome(s->register_application({key_id, secret, app_href, {}})) == name(errc::invalid_configuration));
    CHECK(outcome(s->register_application({"", secret, app_href, {callback}})) == name(errc::invalid_configuration));
    CHECK(outcome(s->register_application({key_id, secret, "", {callback}})) == name(errc::invalid_configuration));
    CHECK(outcome(s->register_application({key_id, secret, app_href, {""}})) == name(errc::invalid_configuration));
    CHECK(outcome(s->register_application({key_id, "short", app_href, {callback}})) == name(errc::weak_key));
    CHECK(outcome(s->register_application({key_id, secret, app_href, {callback}})) == "ok");
}

TEST_CASE("id_site login_site: a registration's secret is kept only as the key, its copy wiped (DESIGN.md: "
          "secrets wiped)",
          "[id_site][login_site][wipe]")
{
    fixture f;
    apiauth::id_site::application_registration reg{.api_key_id = other_key_id,
                                                   .api_key_secret = other_secret,
                                                   .href = "https://api.example.com/applications/other",
                                                   .callback_uris = {callback}};
    REQUIRE(reg.api_key_secret.size() > 15);  // on the heap, not in the string's inline buffer
    // The string's buffer moves with the registration into the site_application: watch it there.
    const char* buffer = reg.api_key_secret.data();
    auto a = f.site_.register_application(std::move(reg));
    REQUIRE(outcome(a) == "ok");
    CHECK(std::string_view(buffer, other_secret.size()) == std::string(other_secret.size(), '\0'));
    // The key still verifies the application's requests.
    f.apps.add(*a);
    const std::string t = sso(
        request_token(request_claims({{"iss", other_key_id}, {"sub", "https://api.example.com/applications/other"}}),
                      R"({"typ":"JWT","alg":"HS256"})", other_secret));
    CHECK(outcome(f.parse(t)) == "ok");
}

TEST_CASE("id_site login_site: a request from id_site::application, answered and accepted once",
          "[id_site][login_site]")
{
    fixture f;
    const std::vector<std::string_view> mfa = {"sms"};
    const std::string target = f.request({.callback_uri = callback,
                                          .path = "/#/register",
                                          .state = "a b&c=%",
                                          .show_organization_field = true,
                                          .organization_name_key = "acme",
                                          .use_subdomain = false,
                                          .sp_token = "tok",
                                          .require_mfa = mfa});
    auto req = f.parse(target);
    REQUIRE(outcome(req) == "ok");
    CHECK_FALSE(req->logout());
    CHECK(req->callback_uri() == callback);
    CHECK(req->state() == std::optional<std::string_view>("a b&c=%"));
    CHECK(req->path() == std::optional<std::string_view>("/#/register"));
    CHECK(req->organization_name_key() == std::optional<std::string_view>("acme"));
    CHECK(req->show_organization_field() == std::optional<bool>(true));
    CHECK(req->use_subdomain() == std::optional<bool>(false));
    CHECK(req->sp_token() == std::optional<std::string_view>("tok"));
    REQUIRE(req->require_mfa().has_value());
    CHECK(req->require_mfa()->contains("sms"));
    CHECK(req->application()->api_key_id() == key_id);

    auto url =
        f.site_.build_response(*req, {.status = status::registered, .account_href = account, .is_new_account = true});
    REQUIRE(outcome(url) == "ok");
    const std::string prefix = callback + "?jwtResponse=";
    REQUIRE(url->substr(0, prefix.size()) == prefix);
    const auto seg = apiauth::test::split(url->substr(prefix.size()));
    // §2.1: kid header, Stormpath's claim names, state byte for byte, a short lifetime.
    CHECK(nlohmann::json::parse(b64d(seg.header)) == nlohmann::json{{"alg", "HS256"}, {"kid", key_id}, {"typ", "JWT"}});
    const auto c = nlohmann::json::parse(b64d(seg.payload));
    CHECK(c["iss"] == site);
    CHECK(c["sub"] == account);
    CHECK(c["aud"] == key_id);
    CHECK(c["irt"] == std::string(req->jti()));
    CHECK(c["state"] == "a b&c=%");
    CHECK(c["isNewSub"] == true);
    CHECK(c["status"] == "REGISTERED");
    CHECK(c["iat"] == t0);
    CHECK(c["exp"] == t0 + 60);
    CHECK(c["jti"].get<std::string>().size() == 22);

    auto a = f.app.handle_callback(*url, f.app_nonces, "a b&c=%");
    REQUIRE(outcome(a) == "ok");
    CHECK(a->status() == status::registered);
    CHECK(a->is_new_account());
    CHECK(a->account_href() == std::optional<std::string_view>(account));
    CHECK(outcome(f.app.handle_callback(*url, f.app_nonces, "a b&c=%")) == name(errc::nonce_replayed));
}

TEST_CASE("id_site login_site: the jti is single use, a replay can be answered with error 11005 (research §1.4)",
          "[id_site][login_site]")
{
    fixture f;
    const std::string target = f.request({.callback_uri = callback, .state = "s"});
    REQUIRE(outcome(f.parse(target)) == "ok");
    refused_request refused;
    CHECK(outcome(f.parse(target, &refused)) == name(errc::nonce_replayed));
    REQUIRE(refused.application);
    CHECK(refused.callback_uri == callback);
    auto err = f.site_.build_error_response(refused, errc::nonce_replayed);
    REQUIRE(outcome(err) == "ok");
    const auto c = nlohmann::json::parse(b64d(apiauth::test::split(err->substr(err->find('=') + 1)).payload));
    CHECK(c["err"]["code"] == 11005);
    CHECK(c["err"]["status"] == 400);
    CHECK(c["err"]["message"] == std::string(apiauth::id_site::message_for(11005)));
    for (const char* absent : {"aud", "irt", "sub", "status"}) CHECK_FALSE(c.contains(absent));
    apiauth::id_site::error_details d;
    CHECK(outcome(f.app.handle_callback(*err, f.app_nonces, unbound, &d)) == name(errc::id_site_token_reused));
    CHECK(d.code == 11005);
    // Only an answerable refusal can be answered.
    CHECK(outcome(f.site_.build_error_response({}, errc::nonce_replayed)) == name(errc::invalid_configuration));
    CHECK(outcome(f.site_.build_error_response(refused, errc::bad_signature)) == name(errc::invalid_configuration));
    apiauth::id_site::error_details bad_text;
    bad_text.message = "\xc3";
    CHECK(outcome(f.site_.build_error_response(refused, errc::nonce_replayed, bad_text)) ==
          name(errc::json_invalid_utf8));
    apiauth::id_site::error_details custom;
    custom.code = 12001;
    custom.status = 401;
    custom.message = "timed out";
    auto timeout = f.site_.build_error_response(refused, errc::bad_signature, custom);
    REQUIRE(timeout.has_value());
    CHECK(outcome(f.app.handle_callback(*timeout, f.app_nonces, unbound, &d)) == name(errc::id_site_session_timed_out));
    CHECK(d.message == "timed out");
}

TEST_CASE("id_site login_site: one application cannot spend another's jti, whatever its key id holds "
          "(research §1.4)",
          "[id_site][login_site][tenants]")
{
    // Key ids may hold a space: "tenant" + ' ' + "a VICTIMJTI" was "tenant a" + ' ' + "VICTIMJTI".
    fixture f;
    const auto add = [&](const std::string& id, const std::string& key_secret, const std::string& href) {
        auto a = f.site_.register_application(
            {.api_key_id = id, .api_key_secret = key_secret, .href = href, .callback_uris = {callback}});
        REQUIRE(outcome(a) == "ok");
        f.apps.add(*a);
    };
    const std::string secret_a(32, 'A'), secret_b(32, 'B');
    add("tenant a", secret_a, "https://api.example.com/applications/a");
    add("tenant", secret_b, "https://api.example.com/applications/b");
    const auto req = [&](const std::string& iss, const std::string& jti, const std::string& key_secret,
                         const std::string& href) {
        return sso(request_token(request_claims({{"iss", iss}, {"sub", href}, {"jti", jti}}),
                                 R"({"typ":"JWT","alg":"HS256"})", key_secret));
    };
    CHECK(outcome(f.parse(req("tenant", "a VICTIMJTI", secret_b, "https://api.example.com/applications/b"))) == "ok");
    CHECK(outcome(f.parse(req("tenant a", "VICTIMJTI", secret_a, "https://api.example.com/applications/a"))) == "ok");
    // Each is still single use.
    CHECK(outcome(f.parse(req("tenant a", "VICTIMJTI", secret_a, "https://api.example.com/applications/a"))) ==
          name(errc::nonce_replayed));
    CHECK(outcome(f.parse(req("tenant", "a VICTIMJTI", secret_b, "https://api.example.com/applications/b"))) ==
          name(errc::nonce_replayed));
}

TEST_CASE("id_site login_site: logout requests go to /sso/logout and answer LOGOUT", "[id_site][login_site]")
{
    fixture f;
    auto req = f.parse(f.request({.callback_uri = callback, .logout = true}));
    REQUIRE(outcome(req) == "ok");
    CHECK(req->logout());
    auto url = f.site_.build_response(*req, {.status = status::logout});
    REQUIRE(outcome(url) == "ok");
    const auto c = nlohmann::json::parse(b64d(apiauth::test::split(url->substr(url->find('=') + 1)).payload));
    CHECK_FALSE(c.contains("sub"));
    CHECK(c["status"] == "LOGOUT");
    auto a = f.app.handle_callback(*url, f.app_nonces, unbound);
    REQUIRE(outcome(a) == "ok");
    CHECK(a->status() == status::logout);
    CHECK(outcome(f.site_.build_response(*req, {.status = status::authenticated})) ==
          name(errc::invalid_configuration));
    CHECK(outcome(f.site_.build_response(*req, {.account_href = "\xff"})) == name(errc::json_invalid_utf8));
}

TEST_CASE("id_site login_site: the answer keeps cb_uri's own query and fragment", "[id_site][login_site]")
{
    fixture f;
    auto req = f.parse(f.request({.callback_uri = "https://app.example.com/cb?x=1#top"}));
    REQUIRE(outcome(req) == "ok");
    auto url = f.site_.build_response(*req, {.account_href = account});
    REQUIRE(outcome(url) == "ok");
    CHECK(url->rfind("https://app.example.com/cb?x=1&jwtResponse=", 0) == 0);
    CHECK(url->substr(url->size() - 4) == "#top");
    CHECK(outcome(f.app.handle_callback(*url, f.app_nonces, unbound)) == "ok");

    // An empty query, and a fragment without a query.
    for (const auto& [cb, start, end] :
         {std::tuple{std::string("https://app.example.com/e?"), std::string("https://app.example.com/e?jwtResponse="),
                     std::string()},
          std::tuple{std::string("https://app.example.com/f#frag"),
                     std::string("https://app.example.com/f?jwtResponse="), std::string("#frag")}}) {
        auto a = f.site_.register_application({key_id, secret, app_href, {cb}});
        REQUIRE(a.has_value());
        f.apps.add(*a);
        auto r = f.parse(f.request({.callback_uri = cb}));
        REQUIRE(outcome(r) == "ok");
        auto u = f.site_.build_response(*r, {.account_href = account});
        REQUIRE(u.has_value());
        CHECK(u->rfind(start, 0) == 0);
        CHECK(u->substr(u->size() - end.size()) == end);
        CHECK(u->find('#') == (end.empty() ? std::string::npos : u->size() - end.size()));
        CHECK(outcome(f.app.handle_callback(*u, f.app_nonces, unbound)) == "ok");
    }
}

TEST_CASE("id_site login_site: the request target", "[id_site][login_site]")
{
    fixture f;
    const std::string token = request_token(request_claims());
    CHECK(outcome(f.parse("/login?jwtRequest=" + token)) == name(errc::malformed_credentials));
    CHECK(outcome(f.parse("/sso/other?jwtRequest=" + token)) == name(errc::malformed_credentials));
    CHECK(outcome(f.parse("/sso")) == name(errc::missing_parameter));
    CHECK(outcome(f.parse("/sso?jwtRequest=")) == name(errc::missing_parameter));
    CHECK(outcome(f.parse(sso(token) + "&jwtRequest=" + token)) == name(errc::duplicate_parameter));
    CHECK(outcome(f.parse("/sso?jwtRequest=%zz")) == name(errc::malformed_form_body));
    CHECK(outcome(f.parse(sso(token) + std::string(9000, 'a'))) == name(errc::header_too_large));
    CHECK(outcome(f.parse(sso("abc"))) == name(errc::jws_malformed));
    CHECK(outcome(f.parse(sso("abc.%%%.def"))) == name(errc::malformed_form_body));
    CHECK(outcome(f.parse(sso("abc.e30.def"))) != "ok");
    CHECK(outcome(f.parse(sso("abc.a*b.def"))) == name(errc::base64_invalid_character));
    CHECK(outcome(f.parse(sso(b64("{}") + "." + b64("[1]") + ".x"))) == name(errc::invalid_claims));
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"iss", nullptr}}))))) == name(errc::missing_claim));
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"iss", 5}}))))) == name(errc::invalid_claim_type));
    CHECK(outcome(f.parse("https://login.example.com" + sso(token))) == "ok");
}

TEST_CASE("id_site login_site: the key is the application's, found by iss (research §1.4)", "[id_site][login_site]")
{
    fixture f;
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"iss", other_key_id}}))))) ==
          name(errc::unknown_application));
    CHECK(outcome(f.parse(sso(request_token(request_claims(), R"({"typ":"JWT","alg":"HS256"})", other_secret)))) ==
          name(errc::bad_signature));
    // A directory that cannot answer fails closed.
    struct down_directory {
        apiauth::result<std::shared_ptr<const apiauth::id_site::site_application>> find(std::string_view) const noexcept
        {
            return errc::store_unavailable;
        }
    };
    CHECK(outcome(f.site_.parse_request(sso(request_token(request_claims())), down_directory{}, f.site_nonces)) ==
          name(errc::store_unavailable));
    failing_nonce_store no_nonces;
    CHECK(outcome(f.site_.parse_request(sso(request_token(request_claims())), f.apps, no_nonces)) ==
          name(errc::store_unavailable));
}

TEST_CASE("id_site login_site: claims of a request", "[id_site][login_site]")
{
    fixture f;
    int n = 0;
    const auto check = [&](nlohmann::json extra, refused_request* refused = nullptr) {
        extra["jti"] = "j" + std::to_string(++n);
        return outcome(f.parse(sso(request_token(request_claims(std::move(extra)))), refused));
    };
    CHECK(check({}) == "ok");
    for (const char* required : {"sub", "jti", "iat", "cb_uri"}) {
        nlohmann::json e = {{required, nullptr}};
        if (std::string(required) == "jti") {
            CHECK(outcome(f.parse(sso(request_token(request_claims(e))))) == name(errc::missing_claim));
            continue;
        }
        CHECK(check(e) == name(errc::missing_claim));
    }
    CHECK(check({{"sub", "https://api.stormpath.com/v1/applications/other"}}) == name(errc::wrong_audience));
    CHECK(check({{"cb_uri", callback + "/"}}) == name(errc::callback_uri_not_allowed));  // exact match only
    CHECK(check({{"cb_uri", "https://evil.example.com/"}}) == name(errc::callback_uri_not_allowed));
    CHECK(check({{"cb_uri", 1}}) == name(errc::invalid_claim_type));
    CHECK(check({{"sof", "false"}}) == name(errc::invalid_claim_type));
    CHECK(check({{"require_mfa", "sms"}}) == name(errc::invalid_claim_type));
    // An empty jti: no answer could carry it as irt.
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"jti", ""}}))))) == name(errc::missing_claim));
    // A jti too long for the store to keep: refused, never forgotten.
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"jti", std::string(300, 'j')}}))))) ==
          name(errc::token_too_large));
    // A response sent back as a request (its claims), or an access token: another kind.
    CHECK(check({{"irt", "x"}}) == name(errc::wrong_token_type));
    CHECK(check({{"status", "AUTHENTICATED"}}) == name(errc::wrong_token_type));
    CHECK(check({{"err", {{"code", 1}}}}) == name(errc::wrong_token_type));
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"jti", "at"}}), R"({"typ":"at+jwt","alg":"HS256"})")))) ==
          name(errc::wrong_token_type));
    // A response the login site itself signed is not a request (its iss is the site).
    auto req = f.parse(f.request({.callback_uri = callback}));
    REQUIRE(req.has_value());
    auto url = f.site_.build_response(*req, {.account_href = account});
    REQUIRE(url.has_value());
    CHECK(outcome(f.parse(sso(url->substr(url->find('=') + 1)))) == name(errc::unknown_application));
}

TEST_CASE("id_site login_site: the iat window is ±60 s, exp is honoured (research §1.4)", "[id_site][login_site]")
{
    fixture f;
    int n = 0;
    const auto at = [&](nlohmann::json iat, nlohmann::json extra = nlohmann::json::object(),
                        refused_request* refused = nullptr) {
        extra["iat"] = std::move(iat);
        extra["jti"] = "w" + std::to_string(++n);
        return outcome(f.parse(sso(request_token(request_claims(std::move(extra)))), refused));
    };
    CHECK(at(t0 + 59) == "ok");
    CHECK(at(t0 + 61) == name(errc::token_issued_in_future));
    CHECK(at(t0 - 59) == "ok");
    refused_request refused;
    CHECK(at(t0 - 61, {}, &refused) == name(errc::token_expired));
    CHECK(refused.application);  // answerable: error 10011
    CHECK(apiauth::id_site::code_for(errc::token_expired) == 10011);
    CHECK(at(static_cast<double>(t0) - 0.25) == "ok");  // Node's fractional iat
    CHECK(at("now") == name(errc::invalid_claim_type));
    CHECK(at(t0, {{"exp", t0 + 3600}}) == "ok");
    CHECK(at(t0 - 30, {{"exp", t0 - 61}}) == name(errc::token_expired));
    refused = {};
    CHECK(at(t0, {{"nbf", t0 + 120}}, &refused) == name(errc::token_not_yet_valid));
    REQUIRE(refused.application);  // answerable, as 10012 (the nearest Stormpath code)
    CHECK(apiauth::id_site::code_for(errc::token_not_yet_valid) == 10012);
    CHECK(outcome(f.site_.build_error_response(refused, errc::token_not_yet_valid)) == "ok");

    // Refused for its time inside jose, after the signature verified: answerable when the request
    // fits the application (10012, 10011), not when its cb_uri is not registered.
    refused = {};
    CHECK(at(t0 + 61, {}, &refused) == name(errc::token_issued_in_future));
    CHECK(refused.application);
    CHECK(refused.callback_uri == callback);
    CHECK(apiauth::id_site::code_for(errc::token_issued_in_future) == 10012);
    refused = {};
    CHECK(at(t0 - 30, {{"exp", t0 - 61}}, &refused) == name(errc::token_expired));
    CHECK(refused.application);
    refused = {};
    CHECK(at(t0 + 61, {{"cb_uri", "https://evil.example.com/"}}, &refused) == name(errc::token_issued_in_future));
    CHECK_FALSE(refused.application);
    refused = {};
    CHECK(at(t0 + 61, {{"status", "AUTHENTICATED"}}, &refused) == name(errc::token_issued_in_future));
    CHECK_FALSE(refused.application);
}

TEST_CASE("id_site login_site: requests shaped as each Stormpath SDK made them (research §1.3)",
          "[id_site][login_site]")
{
    fixture f;
    // Python: uuid4().hex jti, int iat, no exp, sof always present.
    CHECK(outcome(f.parse(sso(request_token(
              request_claims({{"jti", "9f4c2a5e0b3d4e6f8a1b2c3d4e5f6a7b"}, {"sof", false}, {"path", "/"}}))))) == "ok");
    // Java: a kid header (the SAML variant), UUID jti, int iat.
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"jti", "8a3c1f0e-2b4d-4c6e-9f1a-3b5d7e9f1a2c"}}),
                                            R"({"typ":"JWT","alg":"HS256","kid":")" + key_id + "\"}")))) == "ok");
    // A kid naming another key is not this application's.
    CHECK(outcome(f.parse(sso(request_token(request_claims({{"jti", "k2"}}),
                                            R"({"typ":"JWT","alg":"HS256","kid":")" + other_key_id + "\"}")))) ==
          name(errc::unknown_key));
    // Node (njwt 0.4): fractional iat, exp = iat + 3600, path and state always (state URI-encoded).
    auto node = f.parse(sso(request_token(request_claims({{"jti", "5d1b0c2e-7f6a-4b3c-8d9e-0f1a2b3c4d5e"},
                                                          {"iat", static_cast<double>(t0) + 0.123},
                                                          {"exp", static_cast<double>(t0) + 3600.123},
                                                          {"path", "/"},
                                                          {"state", "a%20b"}}))));
    REQUIRE(outcome(node) == "ok");
    CHECK(node->state() == std::optional<std::string_view>("a%20b"));
}

}  // namespace id_site_login_site_test
