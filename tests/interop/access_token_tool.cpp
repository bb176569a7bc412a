// access_token_tool.cpp — the apiauth side of the RFC 9068 access token interop tests
// (access_token_pyjwt.py, access_token_jose.mjs): oauth2::access_token_issuer and
// oauth2::access_token_verifier driven from the command line.
//
//   access_token_tool keygen <ALG> <kid>
//       a private JWK on stdout
//   access_token_tool issue <private-jwk-file> <request-json>
//       request: {"iss", "aud": [..], "lifetime", "sub", "client_id", "scope": [..], "resource": [..]}
//       prints {"token", "jti", "iat", "exp", "expires_in"}
//   access_token_tool verify <jwk-or-jwks-file> <token> <policy-json>
//       policy: {"iss", "aud", "leeway", "plain_typ", "scopes": [..], "revoked": [jti, ..]}
//       prints {"sub", "client_id", "jti", "scope", "scopes", "aud", "iat", "exp", "alg", "kid"}
//       (exit 0), or {"error", "status", "oauth_error"} for the resource endpoint (exit 1)
//
// A JWK without "alg" (a peer's "oct" or "RSA" key) takes the request's or policy's "alg".
// Usage and I/O errors exit 2.

#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>
#if __has_include(<apiauth/jose/sign.hpp>)
#include <apiauth/jose/sign.hpp>  // key::to_jwk, key_set::from_jwks of JSON (nlohmann/json)
#endif
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace jose = apiauth::jose;
namespace oauth2 = apiauth::oauth2;

int usage()
{
    std::fputs("usage: access_token_tool keygen <ALG> <kid>\n"
               "       access_token_tool issue <private-jwk-file> <request-json>\n"
               "       access_token_tool verify <jwk-or-jwks-file> <token> <policy-json>\n",
               stderr);
    return 2;
}

void out(const nlohmann::json& j)
{
    const std::string s = j.dump();
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
}

// An apiauth error, as the resource endpoint would answer it.
int fail(std::error_code ec, std::string_view what)
{
    out({{"error", std::string(apiauth::error_name(ec).empty() ? ec.message() : apiauth::error_name(ec))},
         {"status", apiauth::http_status(ec, apiauth::endpoint::resource)},
         {"oauth_error", std::string(apiauth::oauth_error(ec, apiauth::endpoint::resource))}});
    std::fprintf(stderr, "access_token_tool: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 ec.message().c_str());
    return 1;
}

std::optional<std::string> read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::optional<nlohmann::json> parse_object(const std::string& text, const char* what)
{
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
        std::fprintf(stderr, "access_token_tool: the %s is not a JSON object\n", what);
        return std::nullopt;
    }
    return j;
}

std::optional<jose::algorithm> alg_of(const nlohmann::json& j)
{
    if (!j.contains("alg")) return std::nullopt;
    return jose::parse_algorithm(j.at("alg").get<std::string>());
}

std::vector<std::string> strings(const nlohmann::json& j, const char* name)
{
    std::vector<std::string> v;
    if (j.contains(name))
        for (const auto& s : j.at(name)) v.push_back(s.get<std::string>());
    return v;
}

int keygen(const std::vector<std::string>& args)
{
    if (args.size() != 3) return usage();
    const auto a = jose::parse_algorithm(args[1]);
    if (!a) return usage();
    auto k = jose::key::generate(*a, args[2]);
    if (!k) return fail(k.error(), "generate");
    auto j = k->to_jwk(true);
    if (!j) return fail(j.error(), "to_jwk");
    out(*j);
    return 0;
}

int issue(const std::vector<std::string>& args)
{
    if (args.size() != 3) return usage();
    const auto text = read_file(args[1]);
    const auto req = parse_object(args[2], "request");
    if (!text || !req) return 2;
    auto k = jose::key::from_jwk(*text, {.alg = alg_of(*req), .allow_private = true});
    if (!k) return fail(k.error(), "from_jwk");
    auto issuer = oauth2::access_token_issuer::make(
        std::move(*k), {.issuer = req->value("iss", std::string()),
                        .audience = strings(*req, "aud"),
                        .lifetime = std::chrono::seconds(req->value("lifetime", std::int64_t{3600}))});
    if (!issuer) return fail(issuer.error(), "issuer");
    const std::string sub = req->value("sub", std::string()), client_id = req->value("client_id", std::string());
    const std::vector<std::string> scope = strings(*req, "scope"), resource = strings(*req, "resource");
    const std::vector<std::string_view> scope_views(scope.begin(), scope.end()),
        resource_views(resource.begin(), resource.end());
    auto t = issuer->issue({.subject = sub, .client_id = client_id, .scopes = scope_views, .audience = resource_views});
    if (!t) return fail(t.error(), "issue");
    out({{"token", t->token},
         {"jti", t->jti},
         {"iat", t->issued_at.time_since_epoch().count()},
         {"exp", t->expires_at.time_since_epoch().count()},
         {"expires_in", t->expires_in.count()}});
    return 0;
}

int verify(const std::vector<std::string>& args)
{
    if (args.size() != 4) return usage();
    const auto text = read_file(args[1]);
    const auto pol = parse_object(args[3], "policy");
    if (!text || !pol) return 2;
    // A JWK Set when the document has "keys", else one JWK.
    const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    jose::key_set keys;
    if (doc.is_object() && doc.contains("keys")) {
        auto s = jose::key_set::from_jwks(*text, {.alg = alg_of(*pol)});
        if (!s) return fail(s.error(), "from_jwks");
        keys = std::move(*s);
    } else {
        auto k = jose::key::from_jwk(*text, {.alg = alg_of(*pol)});
        if (!k) return fail(k.error(), "from_jwk");
        keys = jose::key_set(std::move(*k));
    }
    auto v = oauth2::access_token_verifier::make(
        std::move(keys), {.issuer = pol->value("iss", std::string()),
                          .audience = pol->value("aud", std::string()),
                          .leeway = std::chrono::seconds(pol->value("leeway", std::int64_t{30})),
                          .accept_plain_jwt_typ = pol->value("plain_typ", false)});
    if (!v) return fail(v.error(), "verifier");
    const std::vector<std::string> scopes = strings(*pol, "scopes");
    const std::vector<std::string_view> required(scopes.begin(), scopes.end());
    apiauth::stores::memory_revocation_store revoked;
    const auto until =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(24);
    for (const std::string& jti : strings(*pol, "revoked"))
        if (auto r = revoked.revoke(jti, until); !r) return fail(r.error(), "revoke");
    auto t = pol->contains("revoked") ? v->verify(args[2], required, revoked) : v->verify(args[2], required);
    if (!t) return fail(t.error(), "verify");
    nlohmann::json aud = nlohmann::json::array(), scope_list = nlohmann::json::array();
    for (std::string_view a : t->audience()) aud.push_back(std::string(a));
    for (std::string_view s : t->scopes()) scope_list.push_back(std::string(s));
    out({{"sub", std::string(t->subject())},
         {"client_id", std::string(t->client_id())},
         {"jti", std::string(t->jti())},
         {"scope", std::string(t->scope())},
         {"scopes", scope_list},
         {"aud", aud},
         {"iat", t->issued_at().time_since_epoch().count()},
         {"exp", t->expires_at().time_since_epoch().count()},
         {"alg", std::string(jose::name(t->alg()))},
         {"kid", std::string(t->key().kid())}});
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) return usage();
    try {
        const std::string& cmd = args[0];
        if (cmd == "keygen") return keygen(args);
        if (cmd == "issue") return issue(args);
        if (cmd == "verify") return verify(args);
        return usage();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "access_token_tool: %s\n", e.what());
        return 3;
    }
}
