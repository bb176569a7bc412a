// oidc_tool.cpp — the relying-party side of the OpenID Connect end-to-end test (oidc_e2e.mjs,
// which drives a real node oidc-provider): each step of apiauth::oidc as a subcommand, the
// refresh (RFC 6749 §6, OpenID Connect Core §12.2) and the revocation (RFC 7009) included.
//
//   oidc_tool <subcommand>      reads one JSON object on stdin, prints one JSON object on stdout:
//                               the result, or {"error": "<errc name>", "message": "..."} (plus
//                               "provider_error": {"error", "error_description", "error_uri"}
//                               when the provider answered with an error). Exit status 0 either
//                               way; 2 for a usage error (unreadable input, unknown subcommand).
//
//   authorize      {"metadata": "<discovery JSON text>", "issuer", "client_id", "redirect_uri",
//                   "scope"?, "prompt"?}
//                  -> {"url", "state", "nonce", "code_verifier", "token_endpoint", "jwks_uri",
//                      "revocation_endpoint", "iss_parameter_supported", "id_token_algorithms": [..]}
//                     (parse_provider_metadata, then build_authorization_request)
//   callback       {"target", "state", "issuer"?, "require_iss"?}   -> {"code", "iss"}
//                     (handle_callback)
//   token-request  {"token_endpoint", "client_id", "client_secret", "auth"?: "client_secret_basic"|
//                   "client_secret_post"|"none", "code", "redirect_uri", "code_verifier"?}
//                  -> {"method", "url", "headers": [[name, value], ..], "body"}
//                     (build_token_request)
//   token-response {"status", "content_type", "body"}
//                  -> {"access_token", "token_type", "expires_in", "refresh_token", "scope",
//                      "id_token"}   (parse_token_response)
//   verify         {"jwks": "<JWKS JSON text>", "metadata": "<discovery JSON text>", "issuer",
//                   "client_id", "nonce"?, "access_token"?, "id_token", "now"?: unix seconds,
//                   "leeway"?: seconds}
//                  -> {"ok": true, "iss", "sub", "nonce", "azp", "alg", "aud": [..]}
//                     (oidc::provider_key_set, id_token_verifier with the metadata's algorithms)
//   refresh-request {"token_endpoint", "client_id", "client_secret", "auth"?, "refresh_token",
//                    "scope"?}
//                  -> {"method", "url", "headers": [[name, value], ..], "body"}
//                     (build_refresh_request; its answer is read by token-response)
//   check-refreshed {"jwks", "metadata", "issuer", "client_id", "nonce"?, "original",
//                    "refreshed", "access_token"?, "now"?, "leeway"?}
//                  -> {"ok": true, "sub", "nonce", "auth_time"}, or the error with "stage":
//                     "original" (verified with the nonce), "refreshed" (verified with no nonce
//                     and at_hash against access_token) or "check" (check_refreshed_id_token)
//   revocation-request {"revocation_endpoint", "client_id", "client_secret", "auth"?, "token",
//                       "token_type_hint"?}
//                  -> {"method", "url", "headers": [[name, value], ..], "body"}
//                     (build_revocation_request)
//   revocation-response {"status", "body"} -> {"ok": true}   (parse_revocation_response)

#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/oidc/oidc.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace oidc = apiauth::oidc;
using json = nlohmann::json;

json error(std::error_code ec, const oidc::provider_error* pe = nullptr)
{
    const std::string_view name = apiauth::error_name(ec);
    json out{{"error", name.empty() ? ec.message() : std::string(name)}, {"message", ec.message()}};
    if (pe && ec == apiauth::errc::provider_error)
        out["provider_error"] = {
            {"error", pe->error}, {"error_description", pe->error_description}, {"error_uri", pe->error_uri}};
    return out;
}

std::string str(const json& in, const char* name, std::string fallback = {})
{
    const auto it = in.find(name);
    if (it == in.end() || it->is_null()) return fallback;
    return it->get<std::string>();
}

template <class T> json optional_value(const std::optional<T>& v)
{
    if (!v) return nullptr;
    return std::string(*v);
}

json authorize(const json& in)
{
    const std::string metadata = str(in, "metadata");
    const std::string issuer = str(in, "issuer");
    auto meta = oidc::parse_provider_metadata(metadata, issuer);
    if (!meta) return error(meta.error());
    const std::string client_id = str(in, "client_id");
    const std::string redirect_uri = str(in, "redirect_uri");
    const std::string scope = str(in, "scope", "openid");
    const std::string prompt = str(in, "prompt");
    auto r = oidc::build_authorization_request({.authorization_endpoint = meta->authorization_endpoint,
                                                .client_id = client_id,
                                                .redirect_uri = redirect_uri,
                                                .scope = scope,
                                                .prompt = prompt});
    if (!r) return error(r.error());
    json algs = json::array();
    for (const auto a : meta->id_token_algorithms()) algs.push_back(std::string(apiauth::jose::name(a)));
    return {{"url", r->url},
            {"state", r->pending.state},
            {"nonce", r->pending.nonce},
            {"code_verifier", r->pending.code_verifier},
            {"token_endpoint", meta->token_endpoint},
            {"jwks_uri", meta->jwks_uri},
            {"revocation_endpoint", meta->revocation_endpoint},
            {"iss_parameter_supported", meta->authorization_response_iss_parameter_supported},
            {"supports_s256", meta->supports_s256()},
            {"id_token_algorithms", algs}};
}

json callback(const json& in)
{
    const std::string target = str(in, "target");
    const std::string state = str(in, "state");
    const std::string issuer = str(in, "issuer");
    const bool require_iss = in.value("require_iss", false);
    oidc::provider_error pe;
    auto r = oidc::handle_callback(target, {.state = state, .issuer = issuer, .require_iss = require_iss}, &pe);
    if (!r) return error(r.error(), &pe);
    return {{"code", r->code}, {"iss", r->iss}};
}

std::optional<oidc::client_auth> client_auth_of(std::string_view auth)
{
    if (auth == "client_secret_basic") return oidc::client_auth::client_secret_basic;
    if (auth == "client_secret_post") return oidc::client_auth::client_secret_post;
    if (auth == "none") return oidc::client_auth::none;
    return std::nullopt;
}

json usage_auth()
{
    return {{"error", "usage"}, {"message", "auth: client_secret_basic, client_secret_post or none"}};
}

// An outgoing_request as JSON: what the script sends, exactly.
json request_json(const apiauth::result<oidc::outgoing_request>& r)
{
    if (!r) return error(r.error());
    json headers = json::array();
    for (const auto& f : r->fields) headers.push_back(json::array({f.name, f.value}));
    return {{"method", r->method}, {"url", r->url}, {"headers", headers}, {"body", r->body}};
}

json token_request(const json& in)
{
    const std::string endpoint = str(in, "token_endpoint");
    const std::string client_id = str(in, "client_id");
    const std::string secret = str(in, "client_secret");
    const std::string auth = str(in, "auth", "client_secret_basic");
    const std::string code = str(in, "code");
    const std::string redirect_uri = str(in, "redirect_uri");
    const std::string verifier = str(in, "code_verifier");
    const auto a = client_auth_of(auth);
    if (!a) return usage_auth();
    return request_json(oidc::build_token_request({.token_endpoint = endpoint,
                                                   .client_id = client_id,
                                                   .client_secret = secret,
                                                   .auth = *a,
                                                   .code = code,
                                                   .redirect_uri = redirect_uri,
                                                   .code_verifier = verifier}));
}

json refresh_request(const json& in)
{
    const std::string endpoint = str(in, "token_endpoint");
    const std::string client_id = str(in, "client_id");
    const std::string secret = str(in, "client_secret");
    const auto a = client_auth_of(str(in, "auth", "client_secret_basic"));
    if (!a) return usage_auth();
    const std::string refresh_token = str(in, "refresh_token");
    const std::string scope = str(in, "scope");
    return request_json(oidc::build_refresh_request({.token_endpoint = endpoint,
                                                     .client_id = client_id,
                                                     .client_secret = secret,
                                                     .auth = *a,
                                                     .refresh_token = refresh_token,
                                                     .scope = scope}));
}

json revocation_request(const json& in)
{
    const std::string endpoint = str(in, "revocation_endpoint");
    const std::string client_id = str(in, "client_id");
    const std::string secret = str(in, "client_secret");
    const auto a = client_auth_of(str(in, "auth", "client_secret_basic"));
    if (!a) return usage_auth();
    const std::string token = str(in, "token");
    const std::string hint = str(in, "token_type_hint");
    return request_json(oidc::build_revocation_request({.revocation_endpoint = endpoint,
                                                        .client_id = client_id,
                                                        .client_secret = secret,
                                                        .auth = *a,
                                                        .token = token,
                                                        .token_type_hint = hint}));
}

json revocation_response(const json& in)
{
    const int status = in.value("status", 0);
    const std::string body = str(in, "body");
    oidc::provider_error pe;
    if (const std::error_code ec = oidc::parse_revocation_response(status, body, &pe)) return error(ec, &pe);
    return {{"ok", true}};
}

json token_response(const json& in)
{
    const int status = in.value("status", 0);
    const std::string content_type = str(in, "content_type");
    const std::string body = str(in, "body");
    oidc::provider_error pe;
    auto r = oidc::parse_token_response(status, content_type, body, &pe);
    if (!r) return error(r.error(), &pe);
    return {{"access_token", r->access_token},
            {"token_type", r->token_type},
            {"expires_in", r->expires_in ? json(*r->expires_in) : json(nullptr)},
            {"refresh_token", r->refresh_token},
            {"scope", r->scope},
            {"id_token", r->id_token}};
}

// The verifier of `in`: its metadata's issuer and algorithms, its JWKS, client_id, now, leeway.
apiauth::result<oidc::id_token_verifier> make_verifier(const json& in)
{
    const std::string issuer = str(in, "issuer");
    auto meta = oidc::parse_provider_metadata(str(in, "metadata"), issuer);
    if (!meta) return meta.error();
    const std::vector<apiauth::jose::algorithm> algs = meta->id_token_algorithms();
    auto keys = oidc::provider_key_set(str(in, "jwks"), algs);
    if (!keys) return keys.error();
    oidc::id_token_options o{.issuer = meta->issuer, .client_id = str(in, "client_id")};
    o.algorithms = algs;
    if (in.contains("leeway")) o.leeway = std::chrono::seconds(in.at("leeway").get<std::int64_t>());
    if (in.contains("now")) {
        const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(in.at("now").get<std::int64_t>()));
        o.clock = [now] { return now; };
    }
    return oidc::id_token_verifier::make(*keys, std::move(o));
}

json check_refreshed(const json& in)
{
    auto v = make_verifier(in);
    if (!v) return error(v.error());
    const std::string original_token = str(in, "original");
    const std::string refreshed_token = str(in, "refreshed");
    const std::string nonce = str(in, "nonce");
    const std::string access_token = str(in, "access_token");
    const auto staged = [](std::error_code ec, const char* stage) {
        json e = error(ec);
        e["stage"] = stage;
        return e;
    };
    auto original = v->verify(original_token, {.nonce = nonce});
    if (!original) return staged(original.error(), "original");
    auto refreshed = v->verify(refreshed_token, {.access_token = access_token});  // no nonce: none was sent
    if (!refreshed) return staged(refreshed.error(), "refreshed");
    if (const std::error_code ec = oidc::check_refreshed_id_token(*original, *refreshed)) return staged(ec, "check");
    const auto auth_time = refreshed->auth_time();
    return {{"ok", true},
            {"sub", std::string(refreshed->subject())},
            {"nonce", optional_value(refreshed->nonce())},
            {"auth_time", auth_time ? json(*auth_time) : json(nullptr)}};
}

json verify(const json& in)
{
    auto v = make_verifier(in);
    if (!v) return error(v.error());
    const std::string token = str(in, "id_token");
    const std::string nonce = str(in, "nonce");
    const std::string access_token = str(in, "access_token");
    auto t = v->verify(token, {.nonce = nonce, .access_token = access_token});
    if (!t) return error(t.error());
    json aud = json::array();
    for (const std::string_view a : t->claims().aud()) aud.push_back(std::string(a));
    return {{"ok", true},
            {"iss", std::string(t->issuer())},
            {"sub", std::string(t->subject())},
            {"nonce", optional_value(t->nonce())},
            {"azp", optional_value(t->azp())},
            {"alg", std::string(apiauth::jose::name(t->alg()))},
            {"aud", aud}};
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: oidc_tool authorize|callback|token-request|token-response|verify|refresh-request|"
                     "check-refreshed|revocation-request|revocation-response < input.json\n";
        return 2;
    }
    const std::string_view sub = argv[1];
    try {
        const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
        const json in = json::parse(text);
        json out;
        if (sub == "authorize")
            out = authorize(in);
        else if (sub == "callback")
            out = callback(in);
        else if (sub == "token-request")
            out = token_request(in);
        else if (sub == "token-response")
            out = token_response(in);
        else if (sub == "verify")
            out = verify(in);
        else if (sub == "refresh-request")
            out = refresh_request(in);
        else if (sub == "check-refreshed")
            out = check_refreshed(in);
        else if (sub == "revocation-request")
            out = revocation_request(in);
        else if (sub == "revocation-response")
            out = revocation_response(in);
        else {
            std::cerr << "oidc_tool: unknown subcommand " << sub << '\n';
            return 2;
        }
        std::cout << out.dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "oidc_tool " << sub << ": " << e.what() << '\n';
        return 2;
    }
}
