// oidc.cpp — `apiauth oidc url | callback | token-request | token-response | id-token`: the
// client's side of the OpenID Connect / OAuth 2.0 code flow (apiauth/oidc/), one process per
// step, as the browser's redirects and the application's HTTP calls would be.
//
// `url` builds the authorization request (build_authorization_request) for a provider preset
// or a metadata document and prints the URL and the values the application keeps; `callback`
// reads the browser's return to the redirect URI (handle_callback); `token-request` prints the
// code exchange to send (build_token_request); `token-response` reads the token endpoint's
// answer (parse_token_response); `id-token` validates an ID token (id_token_verifier). Nothing
// here talks to the network: the requests are printed, the answers read from arguments.

#include "cli.hpp"

#include <apiauth/crypto/compare.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oidc/authorization.hpp>
#include <apiauth/oidc/callback.hpp>
#include <apiauth/oidc/discovery.hpp>
#include <apiauth/oidc/id_token.hpp>
#include <apiauth/oidc/provider_error.hpp>
#include <apiauth/oidc/providers.hpp>
#include <apiauth/oidc/token.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth_cli {

namespace oidc_cmd {

namespace oidc = apiauth::oidc;
namespace jose = apiauth::jose;
using apiauth::errc;

// The longest argument read from stdin ("-"): above what any step accepts (64 KiB bodies).
constexpr std::size_t max_stdin_argument = 1024 * 1024;

/// The argument itself, or for "-" stdin without the whitespace that ends it.
std::string argument_or_stdin(const std::string& arg, std::string_view what)
{
    if (arg != "-") return arg;
    std::string text = read_stdin(what, max_stdin_argument);
    const std::size_t end = text.find_last_not_of(" \t\r\n");
    text.resize(end == std::string::npos ? 0 : end + 1);
    if (text.empty()) throw usage_error("no " + std::string(what) + " on stdin");
    return text;
}

/// 1 for a refusal, 3 when no decision could be made: the random generator, memory (an error
/// of another category).
exit_code exit_for(std::error_code ec)
{
    const bool internal = ec == errc::random_failure || ec.category() != apiauth::error_category();
    return internal ? exit_code::internal : exit_code::rejected;
}

/// "apiauth oidc X: <what>: <error>: <message>" (text) or "error" (JSON); exit 1 or 3.
exit_code refuse(report& r, std::string_view what, std::error_code ec)
{
    if (!r.json())
        std::cerr << "apiauth " << r.command() << ": " << what << ": " << describe_error(ec) << ": " << ec.message()
                  << '\n';
    r["error"] = error_json(ec);
    return r.finish(exit_for(ec));
}

nlohmann::json optional_json(std::string_view v)
{
    return v.empty() ? nlohmann::json() : nlohmann::json(std::string(v));
}

/// The provider's own error (text rows; JSON "provider_error").
void provider_error_rows(report& r, const oidc::provider_error& pe)
{
    r.heading("the provider's error");
    r.row("error", quoted(std::string_view(pe.error), true), 2);
    if (!pe.error_description.empty())
        r.row("error_description", quoted(std::string_view(pe.error_description), true), 2);
    if (!pe.error_uri.empty()) r.row("error_uri", quoted(std::string_view(pe.error_uri), true), 2);
    r["provider_error"] = {{"error", pe.error},
                           {"error_description", optional_json(pe.error_description)},
                           {"error_uri", optional_json(pe.error_uri)}};
}

/// The verdict block of a refusal (text rows; JSON "error"), with the provider's error when
/// it sent one. Exit status 1 (3 for an internal error).
exit_code rejection(report& r, std::error_code ec, const oidc::provider_error* pe)
{
    r.line("");
    r.row("verdict", "rejected");
    r.row("error", describe_error(ec));
    r.row("message", ec.message());
    r["error"] = error_json(ec);
    if (ec == errc::provider_error && pe != nullptr && !pe->error.empty()) provider_error_rows(r, *pe);
    return r.finish(exit_for(ec));
}

/// A secret from --X or --X-file (line ends at the end of the file dropped); "" when neither.
std::string secret_from(const std::string& value, const std::string& file, std::string_view what)
{
    if (file.empty()) return value;
    auto text = read_file(file);
    if (!text) throw usage_error("cannot read the " + std::string(what) + " file " + printable(file));
    std::string s = std::move(*text);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.empty()) throw usage_error("the " + std::string(what) + " file " + printable(file) + " is empty");
    return s;
}

// ---- url ----------------------------------------------------------------------------------------

struct url_options {
    std::string provider, metadata, issuer, client_id, redirect_uri, scope, prompt, login_hint, acr_values;
    long long max_age = -1;
    CLI::Option* scope_given = nullptr;
    CLI::Option* max_age_given = nullptr;
};

const oidc::provider_preset* preset_named(std::string_view name)
{
    if (name == "google") return &oidc::google;
    if (name == "github") return &oidc::github;
    if (name == "facebook") return &oidc::facebook;
    if (name == "linkedin") return &oidc::linkedin;
    return nullptr;
}

exit_code run_url(const context& ctx, const url_options& opt)
{
    report r{ctx, "oidc url"};
    if (opt.provider.empty() == opt.metadata.empty())
        throw usage_error("give the provider with exactly one of --provider NAME or --metadata FILE");
    if (!opt.provider.empty() && !opt.issuer.empty())
        throw usage_error("--issuer goes with --metadata (a preset knows its issuer)");

    oidc::authorization_options ao;
    std::string issuer, token_endpoint, jwks_uri, token_auth, name;
    std::optional<oidc::provider_metadata> meta;
    bool iss_required = false;
    if (!opt.provider.empty()) {
        const oidc::provider_preset* p = preset_named(opt.provider);
        if (p == nullptr) throw usage_error("--provider must be google, github, facebook or linkedin");
        ao = oidc::authorization_for(*p, opt.client_id, opt.redirect_uri);
        name = opt.provider;
        issuer = p->issuer;
        token_endpoint = p->token_endpoint;
        jwks_uri = p->jwks_uri;
        token_auth = p->token_auth == oidc::client_auth::client_secret_basic  ? "basic"
                     : p->token_auth == oidc::client_auth::client_secret_post ? "post"
                                                                              : "none";
    } else {
        const auto text = read_file(opt.metadata);
        if (!text) throw usage_error("cannot read " + printable(opt.metadata));
        std::string expected = opt.issuer;
        if (expected.empty()) {  // the document's own issuer: compared with itself, so say so
            const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
            if (!doc.is_discarded() && doc.is_object() && doc.contains("issuer") && doc["issuer"].is_string())
                expected = doc["issuer"].get<std::string>();
            std::cerr << "apiauth oidc url: note: no --issuer: the document's own issuer is trusted;\n"
                         "  give --issuer with the issuer you fetched it for\n";
        }
        auto m = oidc::parse_provider_metadata(*text, expected);
        if (!m) return refuse(r, "the provider metadata is refused", m.error());
        meta = std::move(*m);
        ao.authorization_endpoint = meta->authorization_endpoint;
        ao.client_id = opt.client_id;
        ao.redirect_uri = opt.redirect_uri;
        ao.scope = "openid";
        name = "metadata";
        issuer = meta->issuer;
        token_endpoint = meta->token_endpoint;
        jwks_uri = meta->jwks_uri;
        iss_required = meta->authorization_response_iss_parameter_supported;
        const auto& methods = meta->token_endpoint_auth_methods_supported;
        const auto has = [&](std::string_view s) {
            for (const std::string& x : methods)
                if (x == s) return true;
            return false;
        };
        token_auth = methods.empty() || has("client_secret_basic") ? "basic"
                     : has("client_secret_post")                   ? "post"
                     : has("none")                                 ? "none"
                                                                   : "basic";
        if (!meta->supports_s256())
            std::cerr
                << "apiauth oidc url: note: the metadata does not list S256 in code_challenge_methods_supported:\n"
                   "  PKCE is sent anyway (RFC 9700 §2.1.1)\n";
    }
    if (opt.scope_given->count() > 0) ao.scope = opt.scope;
    ao.prompt = opt.prompt;
    ao.login_hint = opt.login_hint;
    if (opt.max_age_given->count() > 0) ao.max_age = std::chrono::seconds(opt.max_age);
    ao.acr_values = opt.acr_values;

    const auto req = oidc::build_authorization_request(ao);
    if (!req) return refuse(r, "cannot build the authorization request", req.error());
    std::string challenge;
    if (!req->pending.code_verifier.empty())
        if (auto c = oidc::code_challenge_s256(req->pending.code_verifier)) challenge = std::move(*c);

    const oidc::pending_authorization& p = req->pending;
    r.line(req->url);
    r.heading("pending (keep server-side, bound to the browser, until the callback)");
    r.row("state", p.state, 2);
    r.row("nonce", p.nonce.empty() ? "(none: not sent)" : p.nonce, 2);
    r.row("code_verifier", p.code_verifier.empty() ? "(none: no PKCE)" : p.code_verifier, 2);
    r.row("code_challenge", challenge.empty() ? "(none)" : challenge + " (S256)", 2);
    if (p.max_age) r.row("max_age", std::to_string(p.max_age->count()) + " s (id-token --max-age)", 2);
    if (!p.acr_values.empty()) r.row("acr_values", p.acr_values + " (id-token --acr-values)", 2);
    r.heading("next steps");
    r.row("issuer", issuer.empty() ? "(none: not OpenID Connect)" : issuer, 2);
    r.row("callback iss", iss_required ? "required (--require-iss)" : "checked when sent", 2);
    r.row("token endpoint", token_endpoint.empty() ? "(none)" : token_endpoint, 2);
    r.row("client auth", token_auth, 2);
    r.row("jwks_uri", jwks_uri.empty() ? "(none)" : jwks_uri, 2);
    std::cerr << "apiauth oidc url: warning: state, nonce and code_verifier are secrets: keep them server-side "
                 "(a session, or a sealed HttpOnly cookie), never in the page\n";
    r["url"] = req->url;
    r["pending"] = {{"state", p.state},
                    {"nonce", optional_json(p.nonce)},
                    {"code_verifier", optional_json(p.code_verifier)},
                    {"max_age", p.max_age ? nlohmann::json(p.max_age->count()) : nlohmann::json()},
                    {"acr_values", optional_json(p.acr_values)}};
    r["code_challenge"] = optional_json(challenge);
    r["provider"] = name;
    r["issuer"] = optional_json(issuer);
    r["require_iss"] = iss_required;
    r["token_endpoint"] = optional_json(token_endpoint);
    r["token_auth"] = token_auth;
    r["jwks_uri"] = optional_json(jwks_uri);
    return r.finish(exit_code::ok);
}

// ---- callback -----------------------------------------------------------------------------------

struct callback_options {
    std::string target, state, issuer;
    bool require_iss = false;
};

exit_code run_callback(const context& ctx, const callback_options& opt)
{
    report r{ctx, "oidc callback"};
    if (opt.state.empty()) throw usage_error("--state is empty: give the state `apiauth oidc url` made");
    if (opt.require_iss && opt.issuer.empty()) throw usage_error("--require-iss needs --issuer");
    const std::string target = argument_or_stdin(opt.target, "target");
    oidc::provider_error pe;
    const auto a =
        oidc::handle_callback(target, {.state = opt.state, .issuer = opt.issuer, .require_iss = opt.require_iss}, &pe);

    r.row("callback", preview(target) + " (" + octets(target.size()) + ")");
    r.row("policy", "state must match" + (opt.issuer.empty() ? std::string("; iss not compared")
                                                             : "; iss must be " + quoted(std::string_view(opt.issuer)) +
                                                                   (opt.require_iss ? " (required)" : " when sent")));
    r["callback_octets"] = target.size();
    r["policy"] = {{"iss", optional_json(opt.issuer)}, {"require_iss", opt.require_iss}};
    if (!a) return rejection(r, a.error(), &pe);

    r.row("code", printable(a->code));
    r.row("iss", a->iss.empty() ? "(not sent)" : quoted(std::string_view(a->iss), true));
    r["code"] = a->code;
    r["iss"] = optional_json(a->iss);
    return report_acceptance(r);
}

// ---- token-request ------------------------------------------------------------------------------

struct token_request_options {
    std::string endpoint, client_id, client_secret, client_secret_file, auth, code, redirect_uri, code_verifier;
};

exit_code run_token_request(const context& ctx, const token_request_options& opt)
{
    report r{ctx, "oidc token-request"};
    std::string secret = secret_from(opt.client_secret, opt.client_secret_file, "client secret");
    oidc::client_auth auth = secret.empty() ? oidc::client_auth::none : oidc::client_auth::client_secret_basic;
    if (opt.auth == "basic")
        auth = oidc::client_auth::client_secret_basic;
    else if (opt.auth == "post")
        auth = oidc::client_auth::client_secret_post;
    else if (opt.auth == "none")
        auth = oidc::client_auth::none;
    else if (!opt.auth.empty())
        throw usage_error("--auth must be basic, post or none");
    if (auth != oidc::client_auth::none && secret.empty())
        throw usage_error("--auth " + (opt.auth.empty() ? std::string("basic") : opt.auth) +
                          " needs --client-secret S or --client-secret-file F");
    if (auth == oidc::client_auth::none && !secret.empty())
        throw usage_error("--auth none sends no client secret: leave out --client-secret");

    const auto req = oidc::build_token_request({.token_endpoint = opt.endpoint,
                                                .client_id = opt.client_id,
                                                .client_secret = secret,
                                                .auth = auth,
                                                .code = opt.code,
                                                .redirect_uri = opt.redirect_uri,
                                                .code_verifier = opt.code_verifier});
    const std::size_t secret_octets = secret.size();
    apiauth::crypto::wipe(secret);
    if (!req) return refuse(r, "cannot build the token request", req.error());

    r.line(req->method + " " + req->url);
    nlohmann::json fields = nlohmann::json::array();
    for (const apiauth::http::field& f : req->fields) {
        r.line(std::string(f.name) + ": " + std::string(f.value));
        fields.push_back({{"name", f.name}, {"value", f.value}});
    }
    r.line("");
    r.line(req->body);
    if (secret_octets > 0)
        std::cerr << "apiauth oidc token-request: warning: the request carries the client secret and the code: "
                     "send it over TLS only, never log it\n";
    r["method"] = req->method;
    r["url"] = req->url;
    r["fields"] = std::move(fields);
    r["body"] = req->body;
    r["client_auth"] = auth == oidc::client_auth::client_secret_basic  ? "client_secret_basic"
                       : auth == oidc::client_auth::client_secret_post ? "client_secret_post"
                                                                       : "none";
    return r.finish(exit_code::ok);
}

// ---- token-response -----------------------------------------------------------------------------

struct token_response_options {
    std::string body, content_type = "application/json";
    int status = 200;
};

exit_code run_token_response(const context& ctx, const token_response_options& opt)
{
    report r{ctx, "oidc token-response"};
    const std::string body = argument_or_stdin(opt.body, "response body");
    oidc::provider_error pe;
    const auto t = oidc::parse_token_response(opt.status, opt.content_type, body, &pe);
    r.row("response", std::to_string(opt.status) + ", " + printable(opt.content_type) + ", " + octets(body.size()));
    r["status"] = opt.status;
    r["body_octets"] = body.size();
    if (!t) return rejection(r, t.error(), &pe);

    r.row("access_token", printable(t->access_token));
    r.row("token_type", quoted(std::string_view(t->token_type)));
    r.row("expires_in", t->expires_in ? std::to_string(*t->expires_in) + " s" : "(not sent)");
    r.row("refresh_token", t->refresh_token.empty() ? "(not sent)" : printable(t->refresh_token));
    r.row("scope", t->scope.empty() ? "(not sent: as requested)" : quoted(std::string_view(t->scope), true));
    r.row("id_token", t->id_token.empty() ? "(not sent)" : printable(t->id_token));
    r["access_token"] = t->access_token;
    r["token_type"] = t->token_type;
    r["expires_in"] = t->expires_in ? nlohmann::json(*t->expires_in) : nlohmann::json();
    r["refresh_token"] = optional_json(t->refresh_token);
    r["scope"] = optional_json(t->scope);
    r["id_token"] = optional_json(t->id_token);
    return report_acceptance(r);
}

// ---- id-token -----------------------------------------------------------------------------------

struct id_token_options {
    std::string token, jwks, issuer, client_id, nonce, access_token, client_secret, client_secret_file, acr_values;
    std::vector<std::string> algs, additional_issuers;
    long long leeway = 60;
    long long now = 0;
    long long max_age = 0;
    CLI::Option* now_given = nullptr;
    CLI::Option* max_age_given = nullptr;
};

/// True when the text is a JWK Set document ({"keys": […]}).
bool is_jwk_set(const std::string& text)
{
    const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return !doc.is_discarded() && doc.is_object() && doc.contains("keys");
}

/// True when the key file (one JWK or a PEM key) holds a key whose algorithm its own text does
/// not say and cannot follow from it: a PEM key, or an RSA or oct JWK without "alg".
bool needs_alg(const std::string& text)
{
    if (text.find("-----BEGIN") != std::string::npos) return true;
    const auto k = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (k.is_discarded() || !k.is_object() || k.contains("alg")) return false;
    const auto kty = k.find("kty");
    return kty != k.end() && kty->is_string() && (*kty == "RSA" || *kty == "oct");
}

std::string date_row(double t)
{
    return std::to_string(static_cast<long long>(t));
}

exit_code run_id_token(const context& ctx, const id_token_options& opt)
{
    report r{ctx, "oidc id-token"};
    const std::string token = argument_or_stdin(opt.token, "ID token");
    std::vector<jose::algorithm> algs;
    for (const std::string& a : opt.algs) {
        const auto alg = jose::parse_algorithm(a);
        if (!alg)
            throw usage_error("unknown algorithm '" + printable(a) +
                              "' (names are case-sensitive: " + algorithm_list() + ")");
        algs.push_back(*alg);
    }
    if (!opt.acr_values.empty() && !apiauth::oauth2::parse_scope(opt.acr_values))
        throw usage_error("--acr-values: values of printable ASCII separated by single spaces, as sent");
    const auto text = read_file(opt.jwks);
    if (!text) throw usage_error("cannot read " + printable(opt.jwks));
    apiauth::result<jose::key_set> keys = apiauth::errc::invalid_key_set;
    if (is_jwk_set(*text)) {
        // A provider's JWKS: no secret keys, an RSA key without alg bound to the one RSA --alg.
        keys = oidc::provider_key_set(*text, algs);
        if (!keys && keys.error() == errc::key_alg_missing)
            throw usage_error("an RSA key in " + printable(opt.jwks) +
                              " has no \"alg\" and --alg allows more than one RSA algorithm: "
                              "give only the one the provider signs with");
    } else {
        key_file_options kf;
        if (needs_alg(*text)) {
            if (algs.size() != 1)
                throw usage_error("the key in " + printable(opt.jwks) +
                                  " has no \"alg\" (an RSA JWK or a PEM key): give exactly one --alg to bind it to (" +
                                  std::to_string(algs.size()) + " given)");
            kf.alg = opt.algs.front();
        }
        keys = load_keys(opt.jwks, kf, key_use::verify);
    }
    if (!keys) return refuse(r, "the key set is refused", keys.error());

    oidc::id_token_options o;
    o.issuer = opt.issuer;
    o.client_id = opt.client_id;
    o.algorithms = algs;
    o.additional_issuers.values = opt.additional_issuers;
    o.client_secret = secret_from(opt.client_secret, opt.client_secret_file, "client secret");
    o.leeway = std::chrono::seconds(opt.leeway);
    const bool fixed_now = opt.now_given->count() > 0;
    if (fixed_now) {
        const std::chrono::system_clock::time_point at{std::chrono::seconds(opt.now)};
        o.clock = [at] { return at; };
    }
    const double now = fixed_now
                           ? static_cast<double>(opt.now)
                           : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto v = oidc::id_token_verifier::make(*keys, std::move(o));
    if (!v) return refuse(r, "the verifier cannot be made with these keys", v.error());
    const std::optional<std::chrono::seconds> max_age =
        opt.max_age_given->count() > 0 ? std::optional(std::chrono::seconds(opt.max_age)) : std::nullopt;

    nlohmann::json alg_names = nlohmann::json::array();
    for (const jose::algorithm a : v->options().algorithms) alg_names.push_back(std::string(jose::name(a)));
    r.row("token", preview(token) + " (" + octets(token.size()) + ")");
    r.row("policy", "iss " + quoted(std::string_view(opt.issuer)) + "; aud " + quoted(std::string_view(opt.client_id)) +
                        "; alg " + alg_names.dump() +
                        (opt.nonce.empty() ? "; nonce not checked" : "; nonce must match") +
                        (opt.access_token.empty() ? "" : "; at_hash checked when present") +
                        (max_age ? "; auth_time within " + std::to_string(max_age->count()) + " s" : "") +
                        (opt.acr_values.empty() ? "" : "; acr one of " + quoted(std::string_view(opt.acr_values))) +
                        (opt.additional_issuers.empty() ? "" : "; other issuers accepted"));
    r["token_octets"] = token.size();
    r["policy"] = {{"iss", opt.issuer},
                   {"additional_issuers", opt.additional_issuers},
                   {"client_id", opt.client_id},
                   {"algorithms", alg_names},
                   {"nonce", optional_json(opt.nonce)},
                   {"max_age", max_age ? nlohmann::json(max_age->count()) : nlohmann::json()},
                   {"acr_values", optional_json(opt.acr_values)},
                   {"leeway", opt.leeway},
                   {"now", static_cast<long long>(now)}};
    print_header(r, token);

    const auto t = v->verify(
        token,
        {.nonce = opt.nonce, .access_token = opt.access_token, .max_age = max_age, .acr_values = opt.acr_values});
    if (!t) return rejection(r, t.error(), nullptr);

    const jose::jwt::claims& c = t->claims();
    nlohmann::json aud = nlohmann::json::array();
    for (const std::string_view a : c.aud()) aud.push_back(std::string(a));
    const auto opt_s = [](std::optional<std::string_view> s) {
        return s ? nlohmann::json(std::string(*s)) : nlohmann::json();
    };
    const auto opt_d = [](std::optional<double> d) { return d ? nlohmann::json(*d) : nlohmann::json(); };
    r.heading("claims (verified)");
    r.row("iss", quoted(t->issuer(), true), 2);
    r.row("sub", quoted(t->subject(), true), 2);
    r.row("aud", aud.dump(), 2);
    r.row("azp", t->azp() ? quoted(*t->azp(), true) : "(absent)", 2);
    r.row("nonce", t->nonce() ? quoted(*t->nonce(), true) : "(absent)", 2);
    r.row("auth_time", t->auth_time() ? date_row(*t->auth_time()) : "(absent)", 2);
    r.row("acr", t->acr() ? quoted(*t->acr(), true) : "(absent)", 2);
    r.row("exp", date_row(*c.exp()) + " (in " + std::to_string(static_cast<long long>(*c.exp() - now)) + " s)", 2);
    r.row("iat", date_row(*c.iat()), 2);
    r.row("verified with", std::string(jose::name(t->alg())), 2);
    r["claims"] = {{"iss", std::string(t->issuer())},
                   {"sub", std::string(t->subject())},
                   {"aud", aud},
                   {"azp", opt_s(t->azp())},
                   {"nonce", opt_s(t->nonce())},
                   {"auth_time", opt_d(t->auth_time())},
                   {"acr", opt_s(t->acr())},
                   {"exp", opt_d(c.exp())},
                   {"iat", opt_d(c.iat())}};
    r["alg"] = std::string(jose::name(t->alg()));
    return report_acceptance(r);
}

}  // namespace oidc_cmd

void add_oidc_commands(CLI::App& app, context& ctx)
{
    using namespace oidc_cmd;
    CLI::App* group = add_group(app, "oidc",
                                "OpenID Connect / OAuth 2.0 code flow, the client's side: authorization URL, "
                                "callback, token request and response, ID token");

    auto url = std::make_shared<url_options>();
    CLI::App* u = add_command(
        *group, ctx, "url", "build the authorization URL and the values to keep (state, nonce, PKCE)",
        "Build an authorization request (oidc::build_authorization_request) for a provider preset\n"
        "(--provider: its endpoint, default scope, PKCE and nonce choices) or an OpenID Provider\n"
        "metadata document (--metadata FILE, checked by parse_provider_metadata against --issuer;\n"
        "scope \"openid\" by default, PKCE S256 always). Prints the URL to send the browser to, then\n"
        "the pending values the application must keep server-side until the callback: state,\n"
        "nonce (OpenID Connect), code_verifier (PKCE), each 32 random octets; and what the next\n"
        "steps need (issuer, token endpoint, client authentication, jwks_uri).",
        "JSON: command verdict url pending{state nonce code_verifier max_age acr_values} code_challenge\n"
        "      provider issuer\n"
        "      require_iss token_endpoint token_auth jwks_uri | error{name message}\n"
        "exit status: 0 written, 1 refused (the metadata, the redirect URI, the scope), 2 usage error\n"
        "example:\n"
        "  apiauth oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google",
        [&ctx, url] { return run_url(ctx, *url); });
    u->add_option("--provider", url->provider, "a preset: google, github, facebook or linkedin")
        ->type_name("NAME")
        ->check(CLI::IsMember({"google", "github", "facebook", "linkedin"}));
    u->add_option("--metadata", url->metadata, "an OpenID Provider metadata document (openid-configuration)")
        ->type_name("FILE");
    u->add_option("--issuer", url->issuer,
                  "the issuer the metadata was fetched for: its \"issuer\" must equal it\n"
                  "(default: the document's own)")
        ->type_name("ISS");
    u->add_option("--client-id", url->client_id, "the client identifier")->type_name("ID")->required();
    u->add_option("--redirect-uri", url->redirect_uri, "the redirect URI registered with the provider")
        ->type_name("URI")
        ->required();
    url->scope_given =
        u->add_option("--scope", url->scope, "space-separated scopes (default: the preset's, or \"openid\")")
            ->type_name("S");
    u->add_option("--prompt", url->prompt, "prompt: none, login, consent, select_account")->type_name("P");
    u->add_option("--login-hint", url->login_hint, "login_hint: the user's address or id")->type_name("H");
    url->max_age_given = u->add_option("--max-age", url->max_age,
                                       "max_age: the user must have logged in at most SECONDS ago\n"
                                       "(0: a fresh login); check it with id-token --max-age")
                             ->type_name("SECONDS")
                             ->check(CLI::Range(0LL, 31536000LL));
    u->add_option("--acr-values", url->acr_values,
                  "acr_values: space-separated authentication context classes, preferred\n"
                  "first; check the answer with id-token --acr-values")
        ->type_name("V");

    auto cb = std::make_shared<callback_options>();
    CLI::App* c =
        add_command(*group, ctx, "callback", "read the browser's return to the redirect URI: the code, or the refusal",
                    "Read the authorization response as the redirect URI's handler does (oidc::handle_callback):\n"
                    "the query as a form (a parameter sent twice is refused), state compared with --state in\n"
                    "constant time (state_mismatch), iss compared with --issuer when sent (wrong_issuer: the\n"
                    "mix-up defence of RFC 9207) or required with --require-iss, then the provider's error\n"
                    "(provider_error, with its error and error_description), then the code.",
                    "JSON: command verdict callback_octets policy{iss require_iss} code iss\n"
                    "      | error{name message} provider_error{error error_description error_uri}\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error\n"
                    "example:\n"
                    "  apiauth oidc callback --state \"$state\" --issuer https://accounts.google.com \\\n"
                    "      'https://app.example/cb/google?code=4%2F0Ab&state=…&iss=https%3A%2F%2Faccounts.google.com'",
                    [&ctx, cb] { return run_callback(ctx, *cb); });
    c->add_option("--state", cb->state, "the state `apiauth oidc url` made")->type_name("S")->required();
    c->add_option("--issuer", cb->issuer, "iss, when sent, must be exactly ISS (default: not compared)")
        ->type_name("ISS");
    c->add_flag("--require-iss", cb->require_iss,
                "refuse a response without iss (metadata\n"
                "authorization_response_iss_parameter_supported)");
    c->add_option("target", cb->target,
                  "the URL the browser came back with, its origin-form (/cb?code=…&state=…),\n"
                  "or - to read it from stdin")
        ->required();

    auto tq = std::make_shared<token_request_options>();
    CLI::App* q =
        add_command(*group, ctx, "token-request", "print the code exchange to send to the token endpoint",
                    "Build the code exchange (oidc::build_token_request) and print it exactly as to be sent:\n"
                    "the method and URL, each header field, a blank line, the body (grant_type=authorization_code,\n"
                    "code, redirect_uri, code_verifier, and client_id / client_secret unless Basic). With\n"
                    "--auth basic (the default with a secret) the id and secret are form-encoded, then base64 in\n"
                    "Authorization: Basic (RFC 6749 §2.3.1); post puts them in the body; none (the default\n"
                    "without a secret) sends client_id only. The output holds the secret: a warning says so.",
                    "JSON: command verdict method url fields[{name value}] body client_auth | error{name message}\n"
                    "exit status: 0 written, 1 refused (an endpoint not https, a malformed code_verifier), 2 usage\n"
                    "example:\n"
                    "  apiauth oidc token-request --token-endpoint https://oauth2.googleapis.com/token \\\n"
                    "      --client-id app-1 --client-secret-file secret.txt --code \"$code\" \\\n"
                    "      --redirect-uri https://app.example/cb/google --code-verifier \"$verifier\"",
                    [&ctx, tq] { return run_token_request(ctx, *tq); });
    q->add_option("--token-endpoint", tq->endpoint, "the token endpoint, https (http on loopback)")
        ->type_name("URL")
        ->required();
    q->add_option("--client-id", tq->client_id, "the client identifier")->type_name("ID")->required();
    CLI::Option* sec =
        q->add_option("--client-secret", tq->client_secret, "the client secret (prefer --client-secret-file)")
            ->type_name("S");
    CLI::Option* secf = q->add_option("--client-secret-file", tq->client_secret_file,
                                      "a file holding the client secret (line ends at its end dropped)")
                            ->type_name("FILE");
    sec->excludes(secf);
    q->add_option("--auth", tq->auth,
                  "client authentication: basic, post or none (default: basic with a\n"
                  "secret, none without)")
        ->type_name("METHOD")
        ->check(CLI::IsMember({"basic", "post", "none"}));
    q->add_option("--code", tq->code, "the code from `apiauth oidc callback`")->type_name("C")->required();
    q->add_option("--redirect-uri", tq->redirect_uri, "the redirect URI of the authorization request")
        ->type_name("URI")
        ->required();
    q->add_option("--code-verifier", tq->code_verifier, "the PKCE code_verifier `apiauth oidc url` made")
        ->type_name("V");

    auto tr = std::make_shared<token_response_options>();
    CLI::App* p =
        add_command(*group, ctx, "token-response", "read the token endpoint's answer: the tokens, or the refusal",
                    "Read the token endpoint's answer to the code exchange (oidc::parse_token_response): a status\n"
                    "of 500 or more is provider_unavailable; the body by its shape (a JSON object, or a form as\n"
                    "GitHub may send), unique member names and their types; an error member, whatever the status,\n"
                    "is provider_error (its error and error_description shown); then status 200, access_token,\n"
                    "token_type Bearer, expires_in an integer. The tokens are printed: verify the id_token with\n"
                    "`apiauth oidc id-token`.",
                    "JSON: command verdict status body_octets access_token token_type expires_in refresh_token\n"
                    "      scope id_token | error{name message} provider_error{error error_description error_uri}\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error\n"
                    "example:\n"
                    "  curl -s … | apiauth oidc token-response --status 200 -",
                    [&ctx, tr] { return run_token_response(ctx, *tr); });
    p->add_option("--status", tr->status, "the HTTP status of the answer (default 200)")
        ->type_name("N")
        ->check(CLI::Range(100, 599));
    p->add_option("--content-type", tr->content_type, "its Content-Type (default application/json)")->type_name("T");
    p->add_option("body", tr->body, "the response body, or - to read it from stdin")->required();

    auto it = std::make_shared<id_token_options>();
    CLI::App* i = add_command(
        *group, ctx, "id-token", "verify an ID token and print its claims",
        "Validate an ID token as the client does (oidc::id_token_verifier, OpenID Connect Core\n"
        "§3.1.3.7): the signature with a key of --jwks (the provider's JWK Set, read by\n"
        "oidc::provider_key_set: a secret \"oct\" key refuses it, an RSA key without \"alg\" is bound\n"
        "to the one RSA --alg; or one JWK or PEM key, bound to the one --alg when it has no \"alg\"),\n"
        "or HS256 with --client-secret when --alg HS256 is given; alg one of --alg (default RS256),\n"
        "iss exactly --issuer (or an --additional-issuer), aud containing --client-id and no other,\n"
        "azp, exp and iat with --leeway, nonce equal to --nonce (nonce_mismatch), at_hash of\n"
        "--access-token when present, acr one of --acr-values (acr_not_satisfied), auth_time within\n"
        "--max-age (auth_time_too_old). Prints the claims.",
        "JSON: command verdict token_octets policy{iss additional_issuers client_id algorithms nonce\n"
        "      max_age acr_values leeway now} header{alg kid typ}\n"
        "      claims{iss sub aud azp nonce auth_time acr exp iat} alg | error{name message}\n"
        "exit status: 0 accepted, 1 rejected, 2 usage error (also: a key without \"alg\" and no one --alg)\n"
        "example:\n"
        "  apiauth oidc id-token \"$id_token\" --jwks google.jwks --issuer https://accounts.google.com \\\n"
        "      --client-id app-1 --nonce \"$nonce\"",
        [&ctx, it] { return run_id_token(ctx, *it); });
    i->add_option("token", it->token, "the id_token, or - to read it from stdin")->required();
    i->add_option("--jwks", it->jwks, "the provider's keys: a JWK Set (jwks_uri), a JWK or a PEM public key")
        ->type_name("FILE")
        ->required();
    i->add_option("--issuer", it->issuer, "iss must be exactly ISS")->type_name("ISS")->required();
    i->add_option("--client-id", it->client_id, "the client identifier: aud must contain it")
        ->type_name("ID")
        ->required();
    i->add_option("--alg", it->algs, "an algorithm ID tokens may use; repeatable (default RS256)")
        ->type_name("ALG")
        ->allow_extra_args(false);
    i->add_option("--nonce", it->nonce, "the nonce `apiauth oidc url` made: the token must carry it")->type_name("N");
    i->add_option("--access-token", it->access_token, "the access token that came with it: at_hash must match")
        ->type_name("AT");
    i->add_option("--additional-issuer", it->additional_issuers,
                  "another accepted iss (Google's legacy accounts.google.com); repeatable")
        ->type_name("ISS")
        ->allow_extra_args(false);
    CLI::Option* isec = i->add_option("--client-secret", it->client_secret,
                                      "the client secret: the HMAC key for HS256/384/512 ID tokens\n"
                                      "(only with that --alg; prefer --client-secret-file)")
                            ->type_name("S");
    CLI::Option* isecf =
        i->add_option("--client-secret-file", it->client_secret_file, "a file holding the client secret")
            ->type_name("FILE");
    isec->excludes(isecf);
    it->max_age_given = i->add_option("--max-age", it->max_age,
                                      "the max_age the request sent: auth_time must be present and\n"
                                      "no older (auth_time_too_old: log in again)")
                            ->type_name("SECONDS")
                            ->check(CLI::Range(0LL, 31536000LL));
    i->add_option("--acr-values", it->acr_values,
                  "the acr_values the request sent: acr must be one of them\n"
                  "(acr_not_satisfied; missing_claim when absent)")
        ->type_name("V");
    i->add_option("--leeway", it->leeway, "allowed clock skew in seconds for exp and iat (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0LL, 3600LL));
    it->now_given =
        i->add_option("--now", it->now, "the time to verify at, in Unix seconds (default: now)")->type_name("UNIX");
}

}  // namespace apiauth_cli
