// Tests for apiauth/oidc/authorization.hpp and apiauth/oidc/callback.hpp: the authorization
// request (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1) and the response at the
// redirect URI (RFC 6749 §4.1.2, §4.1.2.1, RFC 9207).
#include <apiauth/http/form.hpp>
#include <apiauth/oidc/authorization.hpp>
#include <apiauth/oidc/callback.hpp>

#include "../support/jose_support.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace oidc_authorization_test {

namespace {

namespace oidc = apiauth::oidc;
using apiauth::errc;
using apiauth::test::name;
using apiauth::test::outcome;

// The decoded query parameters of a URL (each name once).
std::map<std::string, std::string> query_params(std::string_view url)
{
    const auto u = boost::urls::parse_absolute_uri(url);
    REQUIRE(u.has_value());
    const auto form = apiauth::http::parse_form(u->encoded_query());
    REQUIRE(outcome(form) == "ok");
    std::map<std::string, std::string> out;
    for (const auto& p : *form)
        out[apiauth::http::decode_form_component(p.name).value()] =
            apiauth::http::decode_form_component(p.value).value();
    return out;
}

oidc::authorization_options base()
{
    return {.authorization_endpoint = "https://op.example/authorize",
            .client_id = "client 1",
            .redirect_uri = "https://app.example/cb/op?x=1",
            .scope = "openid email"};
}

}  // namespace

TEST_CASE("oidc: RFC 7636 Appendix B: the S256 challenge of the example verifier", "[oidc][pkce]")
{
    CHECK(oidc::code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").value() ==
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("oidc: RFC 7636 §4.1: a code_verifier is 43 to 128 unreserved characters", "[oidc][pkce]")
{
    CHECK(oidc::is_code_verifier(std::string(43, 'a')));
    CHECK(oidc::is_code_verifier(std::string(128, '~')));
    CHECK(oidc::is_code_verifier("AZaz09-._~" + std::string(33, 'x')));
    CHECK_FALSE(oidc::is_code_verifier(std::string(42, 'a')));
    CHECK_FALSE(oidc::is_code_verifier(std::string(129, 'a')));
    CHECK_FALSE(oidc::is_code_verifier(std::string(42, 'a') + "+"));
    CHECK_FALSE(oidc::is_code_verifier(std::string(42, 'a') + "="));
    CHECK(outcome(oidc::code_challenge_s256("short")) == name(errc::invalid_configuration));
}

TEST_CASE("oidc: RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1: the authorization URL", "[oidc][authorization]")
{
    const auto r = oidc::build_authorization_request(base());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->url.starts_with("https://op.example/authorize?response_type=code&client_id=client+1&"));
    const auto q = query_params(r->url);
    CHECK(q.size() == 8);
    CHECK(q.at("response_type") == "code");
    CHECK(q.at("client_id") == "client 1");
    CHECK(q.at("redirect_uri") == "https://app.example/cb/op?x=1");
    CHECK(q.at("scope") == "openid email");
    CHECK(q.at("state") == r->pending.state);
    CHECK(q.at("nonce") == r->pending.nonce);
    CHECK(q.at("code_challenge") == oidc::code_challenge_s256(r->pending.code_verifier).value());
    CHECK(q.at("code_challenge_method") == "S256");
    // 32 random octets each, base64url: 43 characters, and fresh every time (RFC 7636 §7.1).
    CHECK(r->pending.state.size() == 43);
    CHECK(r->pending.nonce.size() == 43);
    CHECK(oidc::is_code_verifier(r->pending.code_verifier));
    CHECK(r->pending.code_verifier.size() == 43);
    const auto again = oidc::build_authorization_request(base());
    REQUIRE(outcome(again) == "ok");
    CHECK(again->pending.state != r->pending.state);
    CHECK(again->pending.nonce != r->pending.nonce);
    CHECK(again->pending.code_verifier != r->pending.code_verifier);
    CHECK(r->pending.state != r->pending.nonce);
}

TEST_CASE("oidc: RFC 6749 Appendix B: a '+' in a value is sent as %2B, a space as '+'", "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    const oidc::query_parameter extra[] = {{"ui_locales", "fr en"}, {"hd", "a+b&c=d"}};
    o.extra = extra;
    o.login_hint = "user+tag@example.com";
    o.prompt = "consent";
    const auto r = oidc::build_authorization_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->url.find("login_hint=user%2Btag%40example.com") != std::string::npos);
    CHECK(r->url.find("hd=a%2Bb%26c%3Dd") != std::string::npos);
    const auto q = query_params(r->url);
    CHECK(q.at("ui_locales") == "fr en");
    CHECK(q.at("hd") == "a+b&c=d");
    CHECK(q.at("prompt") == "consent");
    CHECK(q.at("login_hint") == "user+tag@example.com");
}

TEST_CASE("oidc: OIDC Core §3.1.2.1: no nonce without openid, PKCE and nonce can be turned off",
          "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    o.scope = "read:user user:email";
    auto r = oidc::build_authorization_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->pending.nonce.empty());
    CHECK(query_params(r->url).count("nonce") == 0);
    o = base();
    o.pkce = false;
    o.nonce = false;
    r = oidc::build_authorization_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->pending.code_verifier.empty());
    CHECK(r->pending.nonce.empty());
    const auto q = query_params(r->url);
    CHECK(q.count("code_challenge") == 0);
    CHECK(q.count("code_challenge_method") == 0);
    CHECK(q.count("nonce") == 0);
    o = base();
    o.scope = {};
    r = oidc::build_authorization_request(o);
    REQUIRE(outcome(r) == "ok");
    CHECK(query_params(r->url).count("scope") == 0);
}

TEST_CASE("oidc: RFC 6749 §3.1: endpoint https (http on loopback), with a query kept, without a fragment",
          "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    for (const char* ok : {"https://op.example/a?tenant=x", "http://127.0.0.1:3000/auth", "http://localhost/auth",
                           "http://[::1]:8080/auth", "http://127.1.2.3/auth"}) {
        o.authorization_endpoint = ok;
        const auto r = oidc::build_authorization_request(o);
        CHECK(outcome(r) == "ok");
        if (r) CHECK(r->url.starts_with(ok));
    }
    for (const char* bad : {"http://op.example/auth", "https://op.example/auth#f", "ftp://op.example/x", "/authorize",
                            "https:op.example", "https://user@op.example/auth", "http://127.0.0.1.evil.example/a",
                            "https://op.example/a?client_id=other", "https://op.example/a?state=x"}) {
        o.authorization_endpoint = bad;
        CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    }
}

TEST_CASE("oidc: RFC 6749 §3.1.2, §3.3: redirect URI absolute without fragment, client_id, scope grammar, extras",
          "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    o.redirect_uri = "/cb";
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o.redirect_uri = "https://app.example/cb#x";
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o.redirect_uri = "https://127.0.0.1.evil.example/cb";  // Boost.URL 1.81 reads host 127.0.0.1, path ".evil…"
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o.redirect_uri = "com.example.app:/oauth2redirect";  // a native app's private-use scheme (RFC 8252 §7.1)
    CHECK(outcome(oidc::build_authorization_request(o)) == "ok");
    o = base();
    o.client_id = {};
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o = base();
    o.scope = "openid  email";  // two spaces
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_scope_syntax));
    o.scope = "openid \"email\"";
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_scope_syntax));
    o = base();
    o.login_hint = "\xC3";
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o = base();
    for (std::string_view reserved : {"state", "nonce", "code_challenge", "client_id", "redirect_uri"}) {
        const oidc::query_parameter extra[] = {{reserved, "x"}};
        o.extra = extra;
        CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    }
    const oidc::query_parameter empty_name[] = {{"", "x"}};
    o.extra = empty_name;
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
}

TEST_CASE("oidc: OIDC Core §3.1.2.1: max_age and acr_values are sent and kept for the ID token check",
          "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    o.max_age = std::chrono::seconds(300);
    o.acr_values = "urn:mace:incommon:iap:silver phr";
    const auto r = oidc::build_authorization_request(o);
    REQUIRE(outcome(r) == "ok");
    const auto q = query_params(r->url);
    CHECK(q.at("max_age") == "300");
    CHECK(q.at("acr_values") == "urn:mace:incommon:iap:silver phr");
    CHECK(r->url.find("acr_values=urn%3Amace%3Aincommon%3Aiap%3Asilver+phr") != std::string::npos);
    CHECK(r->pending.max_age == std::chrono::seconds(300));
    CHECK(r->pending.acr_values == "urn:mace:incommon:iap:silver phr");
    // What the ID token is checked against: all of it, from the pending values.
    const oidc::id_token_expectation e = oidc::expectation(r->pending, "access-token");
    CHECK(e.nonce == r->pending.nonce);
    CHECK(e.access_token == "access-token");
    CHECK(e.max_age == std::chrono::seconds(300));
    CHECK(e.acr_values == r->pending.acr_values);
    // max_age=0 asks for a fresh login and is sent as 0.
    o.max_age = std::chrono::seconds(0);
    CHECK(query_params(oidc::build_authorization_request(o).value().url).at("max_age") == "0");
    // Neither: neither parameter, nothing kept.
    const auto plain = oidc::build_authorization_request(base());
    REQUIRE(outcome(plain) == "ok");
    CHECK(query_params(plain->url).count("max_age") == 0);
    CHECK(query_params(plain->url).count("acr_values") == 0);
    CHECK_FALSE(plain->pending.max_age.has_value());
    CHECK(plain->pending.acr_values.empty());
}

TEST_CASE("oidc: OIDC Core §3.1.2.1: a negative max_age and malformed acr_values are refused", "[oidc][authorization]")
{
    oidc::authorization_options o = base();
    o.max_age = std::chrono::seconds(-1);
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    o = base();
    for (std::string_view bad : {"a  b", " a", "a ", "a\"b", "a\\b", "caf\xC3\xA9", "a\tb"}) {
        o.acr_values = bad;
        CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    }
    // Written by build_authorization_request itself: not an extra, not in the endpoint's query.
    o = base();
    for (std::string_view reserved : {"max_age", "acr_values"}) {
        const oidc::query_parameter extra[] = {{reserved, "1"}};
        o.extra = extra;
        CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
    }
    o = base();
    o.authorization_endpoint = "https://op.example/authorize?max_age=0";
    CHECK(outcome(oidc::build_authorization_request(o)) == name(errc::invalid_configuration));
}

// ---- callback ----------------------------------------------------------------------------

namespace {
constexpr std::string_view state = "k2vM8wX1q0oP3nL5hS9dF7gJ4aZ6cV2bN8mQ1wE3rT5";
oidc::callback_options cb(std::string_view issuer = "https://op.example", bool require_iss = false)
{
    return {.state = state, .issuer = issuer, .require_iss = require_iss};
}
std::string target(std::string_view query)
{
    return "/cb/op?" + std::string(query);
}
}  // namespace

TEST_CASE("oidc: RFC 6749 §4.1.2: code and state, the code decoded, RFC 9207 iss returned", "[oidc][callback]")
{
    auto r = oidc::handle_callback(target("code=Spl%2BxAbc+d&state=" + std::string(state)), cb());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->code == "Spl+xAbc d");
    CHECK(r->iss.empty());
    r = oidc::handle_callback(
        target("code=c&state=" + std::string(state) + "&iss=https%3A%2F%2Fop.example&session_state=z#frag"), cb());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->code == "c");
    CHECK(r->iss == "https://op.example");
    // An absolute URL works as well as a request target.
    r = oidc::handle_callback("https://app.example/cb/op?state=" + std::string(state) + "&code=x", cb());
    REQUIRE(outcome(r) == "ok");
    CHECK(r->code == "x");
}

TEST_CASE("oidc: RFC 9207 §2.4: callback_options_for requires iss exactly when the metadata promises it",
          "[oidc][callback]")
{
    oidc::provider_metadata m;
    m.issuer = "https://op.example";
    oidc::pending_authorization p;
    p.state = std::string(state);
    const std::string without_iss = target("code=c&state=" + std::string(state));
    const std::string with_iss = target("code=c&state=" + std::string(state) + "&iss=https%3A%2F%2Fop.example");
    const std::string other_iss = target("code=c&state=" + std::string(state) + "&iss=https%3A%2F%2Fevil.example");
    // Not promised: iss checked when sent, not required.
    CHECK(outcome(oidc::handle_callback(without_iss, oidc::callback_options_for(m, p))) == "ok");
    CHECK(outcome(oidc::handle_callback(with_iss, oidc::callback_options_for(m, p))) == "ok");
    CHECK(outcome(oidc::handle_callback(other_iss, oidc::callback_options_for(m, p))) == name(errc::wrong_issuer));
    // Promised: a response without it is refused (the mix-up defence of §4).
    m.authorization_response_iss_parameter_supported = true;
    const auto o = oidc::callback_options_for(m, p);
    CHECK(o.state == state);
    CHECK(o.issuer == "https://op.example");
    CHECK(o.require_iss);
    CHECK(outcome(oidc::handle_callback(without_iss, o)) == name(errc::missing_parameter));
    CHECK(outcome(oidc::handle_callback(with_iss, o)) == "ok");
    CHECK(outcome(oidc::handle_callback(other_iss, o)) == name(errc::wrong_issuer));
}

TEST_CASE("oidc: RFC 6749 §10.12: state missing, empty or different is refused", "[oidc][callback]")
{
    CHECK(outcome(oidc::handle_callback(target("code=c"), cb())) == name(errc::missing_parameter));
    CHECK(outcome(oidc::handle_callback(target("code=c&state="), cb())) == name(errc::missing_parameter));
    std::string other(state);
    other.back() = 'X';
    CHECK(outcome(oidc::handle_callback(target("code=c&state=" + other), cb())) == name(errc::state_mismatch));
    CHECK(outcome(oidc::handle_callback(target("code=c&state=" + std::string(state) + "x"), cb())) ==
          name(errc::state_mismatch));
    CHECK(outcome(oidc::handle_callback(target("code=c&state=" + std::string(state)), {.state = ""})) ==
          name(errc::invalid_configuration));
}

TEST_CASE("oidc: RFC 6749 §3.1: each parameter at most once, the query must be form encoding", "[oidc][callback]")
{
    const std::string s = "&state=" + std::string(state);
    CHECK(outcome(oidc::handle_callback(target("code=a&code=b" + s), cb())) == name(errc::duplicate_parameter));
    CHECK(outcome(oidc::handle_callback(target("code=a" + s + s), cb())) == name(errc::duplicate_parameter));
    CHECK(outcome(oidc::handle_callback(target("code=a&%63ode=b" + s), cb())) == name(errc::duplicate_parameter));
    CHECK(outcome(oidc::handle_callback(target("code=%zz" + s), cb())) == name(errc::malformed_form_body));
    CHECK(outcome(oidc::handle_callback(target("code=a b" + s), cb())) == name(errc::malformed_form_body));
    CHECK(outcome(oidc::handle_callback(target("code=%C3" + s), cb())) == name(errc::form_invalid_utf8));
    CHECK(outcome(oidc::handle_callback(target("code=" + std::string(9000, 'a') + s), cb())) ==
          name(errc::header_too_large));
    CHECK(outcome(oidc::handle_callback(target(s.substr(1)), cb())) == name(errc::missing_parameter));  // no code
    CHECK(outcome(oidc::handle_callback(target("code=" + s), cb())) == name(errc::missing_parameter));  // empty code
    CHECK(outcome(oidc::handle_callback("/cb/op", cb())) == name(errc::missing_parameter));
}

TEST_CASE("oidc: RFC 9207 §2.4: iss mix-up refused, iss required when the metadata promises it", "[oidc][callback]")
{
    const std::string s = "code=c&state=" + std::string(state);
    // A response from another authorization server (mix-up attack).
    CHECK(outcome(oidc::handle_callback(target(s + "&iss=https%3A%2F%2Fattacker.example"), cb())) ==
          name(errc::wrong_issuer));
    // Simple string comparison: no normalisation (trailing slash, case).
    CHECK(outcome(oidc::handle_callback(target(s + "&iss=https%3A%2F%2Fop.example%2F"), cb())) ==
          name(errc::wrong_issuer));
    CHECK(outcome(oidc::handle_callback(target(s + "&iss=https%3A%2F%2FOP.example"), cb())) ==
          name(errc::wrong_issuer));
    CHECK(outcome(oidc::handle_callback(target(s), cb("https://op.example", true))) == name(errc::missing_parameter));
    CHECK(outcome(oidc::handle_callback(target(s + "&iss=https%3A%2F%2Fop.example"), cb("https://op.example", true))) ==
          "ok");
    // Not advertised and absent: accepted (research §1.8).
    CHECK(outcome(oidc::handle_callback(target(s), cb())) == "ok");
    // No issuer configured (GitHub): iss is returned, not compared.
    const auto r = oidc::handle_callback(target(s + "&iss=https%3A%2F%2Fgithub.com"), cb(""));
    REQUIRE(outcome(r) == "ok");
    CHECK(r->iss == "https://github.com");
    CHECK(outcome(oidc::handle_callback(target(s), cb("", true))) == name(errc::invalid_configuration));
    // The issuer is checked before the error is believed.
    CHECK(outcome(oidc::handle_callback(
              target("error=access_denied&state=" + std::string(state) + "&iss=https%3A%2F%2Fattacker.example"),
              cb())) == name(errc::wrong_issuer));
}

TEST_CASE("oidc: RFC 6749 §4.1.2.1: an error response becomes a typed error with the provider's text",
          "[oidc][callback]")
{
    oidc::provider_error d;
    const auto r = oidc::handle_callback(
        target("error=access_denied&error_description=The+user+said+no&error_uri=https%3A%2F%2Fop.example%2Fe&state=" +
               std::string(state)),
        cb(), &d);
    CHECK(outcome(r) == name(oidc::provider_error_errc(oidc::provider_error_code::access_denied)));
    CHECK(d.code == oidc::provider_error_code::access_denied);
    CHECK(d.error == "access_denied");
    CHECK(d.error_description == "The user said no");
    CHECK(d.error_uri == "https://op.example/e");
    // An error wins over a code sent with it; an unknown code is `other`, its text kept.
    oidc::provider_error d2;
    CHECK(outcome(oidc::handle_callback(target("error=weird_thing&code=c&state=" + std::string(state)), cb(), &d2)) ==
          name(errc::provider_error));
    CHECK(d2.code == oidc::provider_error_code::other);
    CHECK(d2.error == "weird_thing");
    CHECK(d2.error_description.empty());
    // An error without the state is refused before its text is read: no details.
    oidc::provider_error d3;
    CHECK(outcome(oidc::handle_callback(target("error=access_denied&error_description=x"), cb(), &d3)) ==
          name(errc::missing_parameter));
    CHECK(d3.error.empty());
}

TEST_CASE("oidc: RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, RFC 7009 §2.2.1: every registered error code is typed",
          "[oidc][callback]")
{
    using c = oidc::provider_error_code;
    const std::pair<std::string_view, c> all[] = {{"invalid_request", c::invalid_request},
                                                  {"unauthorized_client", c::unauthorized_client},
                                                  {"access_denied", c::access_denied},
                                                  {"unsupported_response_type", c::unsupported_response_type},
                                                  {"invalid_scope", c::invalid_scope},
                                                  {"server_error", c::server_error},
                                                  {"temporarily_unavailable", c::temporarily_unavailable},
                                                  {"invalid_client", c::invalid_client},
                                                  {"invalid_grant", c::invalid_grant},
                                                  {"unsupported_grant_type", c::unsupported_grant_type},
                                                  {"interaction_required", c::interaction_required},
                                                  {"login_required", c::login_required},
                                                  {"account_selection_required", c::account_selection_required},
                                                  {"consent_required", c::consent_required},
                                                  {"unsupported_token_type", c::unsupported_token_type},  // RFC 7009
                                                  {"Access_Denied", c::other},
                                                  {"", c::other}};
    for (const auto& [text, code] : all) CHECK(oidc::parse_provider_error_code(text) == code);
}

}  // namespace oidc_authorization_test
