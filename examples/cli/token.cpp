// token.cpp — `apiauth token issue | verify | introspect`: OAuth 2.0 access tokens in the JWT
// profile of RFC 9068 (apiauth/oauth2/access_token.hpp), as the token endpoint issues them, as a
// resource server checks them (typ at+jwt, issuer, audience, dates, required scopes, revoked
// jtis), and as the introspection endpoint (RFC 7662, oauth2/introspection.hpp) describes them.
//
// Every answer is the library's: the HTTP status, OAuth error and challenge come from
// http_status / oauth_error / bearer_challenge_for at endpoint::resource, and the introspection
// body is oauth2::introspection_response, which introspection_endpoint itself sends.

#include "cli.hpp"

#include <apiauth/jose/jws.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/stores/memory.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <memory>

namespace apiauth_cli {

namespace token_cmd {

namespace jose = apiauth::jose;
namespace oauth2 = apiauth::oauth2;

// The longest token read from stdin ("-"): far above any token the library accepts.
constexpr std::size_t max_stdin_token = 1024 * 1024;

/// The scopes joined by one space (RFC 6749 §3.3), as the `scope` claim carries them.
std::string join(const std::vector<std::string>& scopes)
{
    std::string out;
    for (const std::string& s : scopes) out.append(out.empty() ? "" : " ").append(s);
    return out;
}

/// The TOKEN argument: itself, or for "-" stdin without the whitespace that ends it (what
/// `echo "$t" |` adds). An empty token is a usage error: there is nothing to decide about.
std::string token_argument(const std::string& arg)
{
    std::string text = arg;
    if (arg == "-") {
        text = read_stdin("the token", max_stdin_token);
        const std::size_t end = text.find_last_not_of(" \t\r\n");
        text.resize(end == std::string::npos ? 0 : end + 1);
    }
    if (text.empty()) throw usage_error(arg == "-" ? "no token on stdin" : "the token is empty");
    return text;
}

// ---- issue --------------------------------------------------------------------------------------

struct issue_options {
    std::string key_path;
    key_file_options key;
    std::string iss;
    std::vector<std::string> aud;
    std::string sub, client_id;
    std::vector<std::string> scopes;
    long long lifetime = 3600;
};

/// Issues one access token as the token endpoint would (access_token_issuer): the key file read
/// as `jwt sign --key` reads it, the client id defaulting to the subject (RFC 9068 §2.2: for the
/// client credentials grant the subject is the client). A key or option the library refuses
/// is exit 1, as in jwt sign.
exit_code run_issue(const context& ctx, const issue_options& opt)
{
    report r{ctx, "token issue"};
    auto keys = load_keys(opt.key_path, opt.key, key_use::sign);
    if (!keys) return r.refuse("not a usable key", keys.error());
    auto issuer = oauth2::access_token_issuer::make(
        *keys->begin(), {.issuer = opt.iss, .audience = opt.aud, .lifetime = std::chrono::seconds(opt.lifetime)});
    if (!issuer) return r.refuse("cannot issue access tokens with this key and these options", issuer.error());
    const std::vector<std::string_view> scopes(opt.scopes.begin(), opt.scopes.end());
    const auto t = issuer->issue(
        {.subject = opt.sub, .client_id = opt.client_id.empty() ? opt.sub : opt.client_id, .scopes = scopes});
    if (!t) return r.refuse("cannot issue the token", t.error());

    const jose::key& k = issuer->key();
    r.line(t->token);
    r["token"] = t->token;
    r["alg"] = jose::name(k.alg());
    r["kid"] = k.has_kid() ? nlohmann::json(k.kid()) : nlohmann::json();
    r["typ"] = "at+jwt";
    r["expires_in"] = t->expires_in.count();
    r["exp"] = t->expires_at.time_since_epoch().count();
    r["jti"] = t->jti;
    r["scope"] = scopes.empty() ? nlohmann::json() : nlohmann::json(join(opt.scopes));
    return r.finish(exit_code::ok);
}

// ---- the resource's policy (verify, introspect) --------------------------------------------

struct policy_options {
    std::string token;
    std::string keys_path;
    key_file_options key;
    std::string iss, aud;
    long long leeway = 30;  // the library's default (access_token_policy)
    long long now = 0;
    CLI::Option* now_given = nullptr;
    std::vector<std::string> revoked;
    std::vector<std::string> scopes;  // verify only: the scopes the resource requires
};

/// --now as the verifier's clock, or none (the system clock).
jose::jwt::clock_function clock_of(const policy_options& opt)
{
    if (opt.now_given->count() == 0) return {};
    const std::chrono::system_clock::time_point at{std::chrono::seconds(opt.now)};
    return [at] { return at; };
}

/// Now in Unix seconds, for the dates of the text report.
double now_of(const policy_options& opt)
{
    if (opt.now_given->count() > 0) return static_cast<double>(opt.now);
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Revokes each --revoked jti in `store` for a century: the store forgets an entry once the
/// `until` given has passed, and the tokens' own `exp` is not known here. A jti the store
/// refuses (empty, longer than 256 octets) is a usage error.
void revoke_all(apiauth::stores::memory_revocation_store& store, const policy_options& opt)
{
    const auto clock = clock_of(opt);
    const auto now = std::chrono::floor<std::chrono::seconds>(clock ? clock() : std::chrono::system_clock::now());
    for (const std::string& jti : opt.revoked)
        if (const auto done = store.revoke(jti, now + std::chrono::days(36525)); !done)
            throw usage_error("--revoked " + quoted(std::string_view(jti)) + ": " + done.error().message());
}

/// --keys, --alg, --kid, --iss, --aud, --leeway, --now and --revoked.
void add_policy_options(CLI::App& cmd, policy_options& opt)
{
    cmd.add_option("token", opt.token, "the access token (compact JWS); - reads it from stdin")->required();
    cmd.add_option("--keys", opt.keys_path,
                   "one public (or HMAC) JWK, a JWK Set {\"keys\":[...]}, or a public PEM key\n"
                   "(a private key is refused: see apiauth jwk public)")
        ->type_name("FILE")
        ->required();
    add_key_file_options(cmd, opt.key);
    cmd.add_option("--iss", opt.iss, "iss must be exactly X (RFC 9068 §4 step 3)")->type_name("X")->required();
    cmd.add_option("--aud", opt.aud, "aud must contain Y: this resource (RFC 9068 §4 step 4)")
        ->type_name("Y")
        ->required();
    cmd.add_option("--leeway", opt.leeway, "allowed clock skew in seconds for exp, nbf and iat (default 30)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0LL, 24LL * 3600));
    opt.now_given = cmd.add_option("--now", opt.now, "the time to verify at, in Unix seconds (default: now)")
                        ->type_name("UNIX-SECONDS");
    cmd.add_option("--revoked", opt.revoked, "a revoked jti (RFC 7009): the token with it is refused; repeatable")
        ->type_name("JTI")
        ->allow_extra_args(false);
}

/// The verifier of `opt` (access_token_verifier::make): the keys are read for verification;
/// keys or a policy the library refuses are returned as its error.
apiauth::result<oauth2::access_token_verifier> make_verifier(const policy_options& opt,
                                                             std::optional<jose::key_set>& keys_out)
{
    auto keys = load_keys(opt.keys_path, opt.key, key_use::verify);
    if (!keys) return keys.error();
    keys_out = *keys;
    return oauth2::access_token_verifier::make(
        std::move(*keys),
        {.issuer = opt.iss, .audience = opt.aud, .leeway = std::chrono::seconds(opt.leeway), .clock = clock_of(opt)});
}

/// What verify and introspect both stand on: the --revoked jtis in a store, the keys read for
/// verification and the verifier of the policy (its error when the keys or policy are refused).
struct resource_policy {
    apiauth::stores::memory_revocation_store revoked;
    std::optional<jose::key_set> keys;
    apiauth::result<oauth2::access_token_verifier> verifier;

    explicit resource_policy(const policy_options& opt)
        : revoked{opt.revoked.size() + 16, clock_of(opt)}, verifier(make_verifier(opt, keys))
    {
        revoke_all(revoked, opt);
    }
    /// The report's refusal when the verifier could not be made.
    exit_code refuse(report& r, const policy_options& opt) const
    {
        return r.refuse(keys ? "the policy is refused" : "cannot use the keys in " + printable(opt.keys_path),
                        verifier.error());
    }
};

/// The claims of RFC 9068 §2.2 as the payload `j` states them (null when absent), for JSON.
nlohmann::json access_token_claims(const nlohmann::json& j)
{
    if (j.is_discarded() || !j.is_object()) return nullptr;
    nlohmann::json out = nlohmann::json::object();
    for (const char* name : {"iss", "sub", "aud", "client_id", "scope", "jti", "iat", "exp"}) {
        const auto it = j.find(name);
        out[name] = it == j.end() ? nlohmann::json() : *it;
    }
    return out;
}

/// The first required scope the token's `scope` claim lacks: what authenticate_api puts in the
/// insufficient_scope challenge (RFC 6750 §3.1), so that the report shows the same answer.
std::string first_missing_scope(const nlohmann::json& payload, const std::vector<std::string>& required)
{
    std::vector<std::string_view> held;
    const auto it = payload.is_object() ? payload.find("scope") : payload.end();
    std::string_view text;  // a view of the claim itself (a ternary with "" would copy it)
    if (it != payload.end() && it->is_string()) text = it->get_ref<const std::string&>();
    while (!text.empty()) {
        const std::size_t sp = text.find(' ');
        held.push_back(text.substr(0, sp));
        text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    }
    for (const std::string& s : required)
        if (std::find(held.begin(), held.end(), s) == held.end()) return s;
    return {};
}

// ---- verify -------------------------------------------------------------------------------------

/// Verifies TOKEN as a resource server does (access_token_verifier::verify with the revocation
/// store and the required scopes), then shows the header, the claims and the verdict; a refusal
/// is the resource's answer (report_rejection: status, OAuth error, Bearer challenge).
exit_code run_verify(const context& ctx, const policy_options& opt)
{
    report r{ctx, "token verify"};
    const std::string token = token_argument(opt.token);
    const resource_policy policy(opt);
    if (!policy.verifier) return policy.refuse(r, opt);
    const auto& v = policy.verifier;
    const auto& keys = policy.keys;
    const auto& revoked = policy.revoked;
    const double now = now_of(opt);

    r.row("token", octets(token.size()) + ": " + preview(token));
    r.row("keys",
          std::to_string(keys->size()) + (keys->size() == 1 ? " key from " : " keys from ") + printable(opt.keys_path));
    r.row("policy", "typ at+jwt; leeway " + std::to_string(opt.leeway) + " s" +
                        (opt.now_given->count() > 0 ? "; at " + std::to_string(opt.now) : std::string()));
    r.row("iss", "must be " + quoted(std::string_view(opt.iss)), 2);
    r.row("aud", "must contain " + quoted(std::string_view(opt.aud)), 2);
    if (!opt.scopes.empty()) r.row("scope", "must include " + quoted(std::string_view(join(opt.scopes))), 2);
    if (!opt.revoked.empty()) r.row("revoked", std::to_string(opt.revoked.size()) + " jti", 2);
    r["token_octets"] = token.size();
    r["policy"] = {{"iss", opt.iss},
                   {"aud", opt.aud},
                   {"scope", opt.scopes},
                   {"leeway", opt.leeway},
                   {"now", opt.now_given->count() > 0 ? nlohmann::json(opt.now) : nlohmann::json()},
                   {"revoked", opt.revoked.size()}};

    const std::vector<std::string_view> required(opt.scopes.begin(), opt.scopes.end());
    const auto t = v->verify(token, required, revoked);
    print_header(r, token);
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    std::string problem = "not a JWS in compact form";
    const nlohmann::json payload =
        dot2 == std::string::npos ? nlohmann::json(nlohmann::json::value_t::discarded)
                                  : decode_segment(std::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1), problem);
    r["claims"] = access_token_claims(payload);

    if (!t) {
        const std::error_code ec = t.error();
        const bool signature_valid = jose::jws::verify(token, *keys).has_value();
        if (dot2 != std::string::npos) print_unverified_claims(r, payload, problem, now, signature_valid);
        r["signature_valid"] = signature_valid;
        r["claims_verified"] = false;
        const std::string scope =
            ec == apiauth::errc::insufficient_scope ? first_missing_scope(payload, opt.scopes) : std::string();
        return report_rejection(r, ec, scheme_kind::bearer, scope);
    }
    print_claims(r, t->claims(), now);
    r.line("");
    r.row("verified with", std::string(jose::name(t->alg())) +
                               (t->key().has_kid() ? " key " + quoted(t->key().kid()) : std::string(" key (no kid)")));
    r["signature_valid"] = true;
    r["claims_verified"] = true;
    r["verified_with"] = {{"alg", jose::name(t->alg())},
                          {"kid", t->key().has_kid() ? nlohmann::json(t->key().kid()) : nlohmann::json()}};
    return report_acceptance(r);
}

// ---- introspect ---------------------------------------------------------------------------------

/// Verifies TOKEN under the policy and prints the introspection answer for it
/// (oauth2::introspection_response, RFC 7662 §2.2): exactly the body a server's introspection
/// endpoint sends. Why a token is inactive goes to stderr.
exit_code run_introspect(const context& ctx, const policy_options& opt)
{
    report r{ctx, "token introspect"};
    const std::string token = token_argument(opt.token);
    const resource_policy policy(opt);
    if (!policy.verifier) return policy.refuse(r, opt);
    const auto& v = policy.verifier;
    const auto& revoked = policy.revoked;

    const auto t = v->verify(token, {}, revoked);
    const auto response = oauth2::introspection_response(t, *v);
    if (!response) throw std::runtime_error("no introspection answer: " + describe_error(response.error()));

    const bool active = t.has_value();
    r.line(response->body);
    if (!active && !r.json())
        std::cerr << "apiauth token introspect: not active: " << describe_error(t.error()) << ": "
                  << t.error().message() << '\n';
    r["active"] = active;
    r["body"] = response->body;
    r["introspection"] = nlohmann::json::parse(response->body, nullptr, false);
    r["token_error"] = active ? nlohmann::json() : error_json(t.error());
    return r.finish(active ? exit_code::ok : exit_code::rejected);
}

}  // namespace token_cmd

void add_token_commands(CLI::App& app, context& ctx)
{
    using namespace token_cmd;
    CLI::App* group =
        add_group(app, "token", "OAuth 2.0 access tokens (RFC 9068): issue, verify, introspect (RFC 7662)");

    auto issue = std::make_shared<issue_options>();
    CLI::App* i =
        add_command(*group, ctx, "issue", "issue an RFC 9068 access token with a key file",
                    "Issue a JWT access token (RFC 9068 §2) as apiauth's token endpoint does: header\n"
                    "{\"alg\": the key's, \"typ\": \"at+jwt\", \"kid\": the key's}, claims iss, sub, aud (one\n"
                    "--aud: a string; several: an array), exp = iat + --lifetime, iat, a random 128-bit jti,\n"
                    "client_id (default: the subject, as for the client credentials grant) and scope (the\n"
                    "--scope values joined by spaces; left out when none). The key file is read as jwt sign\n"
                    "--key reads it.",
                    "JSON: command verdict token alg kid typ expires_in exp jti scope | error{name message}\n"
                    "exit status: 0 written, 1 refused (the key or the options), 2 usage error\n"
                    "example:\n"
                    "  apiauth token issue --key es256.jwk --iss https://as.example --aud https://api.example \\\n"
                    "      --sub client-7 --scope read --lifetime 600",
                    [&ctx, issue] { return run_issue(ctx, *issue); });
    i->add_option("--key", issue->key_path, "a JWK with private members, an HMAC (oct) JWK, or a private PEM key")
        ->type_name("FILE")
        ->required();
    add_key_file_options(*i, issue->key);
    i->add_option("--iss", issue->iss, "the issuer identifier (iss)")->type_name("ISSUER")->required();
    i->add_option("--aud", issue->aud, "an audience (aud); repeatable")
        ->type_name("AUD")
        ->required()
        ->allow_extra_args(false);
    i->add_option("--sub", issue->sub, "the subject (sub)")->type_name("SUBJECT")->required();
    i->add_option("--client-id", issue->client_id, "the client_id claim (default: the subject)")->type_name("ID");
    i->add_option("--scope", issue->scopes, "a scope-token the token grants (RFC 6749 §3.3); repeatable")
        ->type_name("S")
        ->allow_extra_args(false);
    i->add_option("--lifetime", issue->lifetime, "exp = iat + SECONDS (default 3600)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1LL, 100LL * 366 * 24 * 3600));

    auto verify = std::make_shared<policy_options>();
    CLI::App* v = add_command(
        *group, ctx, "verify", "verify an access token as a resource server would",
        "Verify an access token as a resource server does (RFC 9068 §4): typ at+jwt, the key\n"
        "chosen by kid, else by alg, the signature, iss, exp, aud, sub, client_id, iat and jti\n"
        "present, iss exact, aud containing --aud, the dates against the clock (--now) with\n"
        "--leeway, then a --revoked jti (RFC 7009), then every --scope (RFC 6750 §3.1). When\n"
        "the token is refused: the error, the HTTP status, the OAuth error and the\n"
        "WWW-Authenticate value the resource answers with (403 insufficient_scope with scope=\n"
        "the first scope missing; 401 invalid_token otherwise).",
        "JSON: command verdict token_octets policy{iss aud scope leeway now revoked}\n"
        "      header{alg kid typ} claims{iss sub aud client_id scope jti iat exp}\n"
        "      signature_valid claims_verified verified_with{alg kid}\n"
        "      error{name message http_status oauth_error} www_authenticate[]\n"
        "exit status: 0 accepted, 1 rejected (or the keys are refused), 2 usage error\n"
        "example:\n"
        "  apiauth token verify \"$token\" --keys jwks.json --iss https://as.example --aud https://api.example \\\n"
        "      --scope read",
        [&ctx, verify] { return run_verify(ctx, *verify); });
    add_policy_options(*v, *verify);
    v->add_option("--scope", verify->scopes, "a scope the token must hold; repeatable")
        ->type_name("S")
        ->allow_extra_args(false);

    auto introspect = std::make_shared<policy_options>();
    CLI::App* n = add_command(
        *group, ctx, "introspect", "print what the introspection endpoint answers about a token",
        "Print the body apiauth's introspection endpoint (RFC 7662) answers about an access\n"
        "token, byte for byte: {\"active\":false} for a token that does not verify\n"
        "under the policy (signature, typ, iss, aud, dates, --revoked) and nothing else\n"
        "(§2.2); else {\"active\":true} with aud, client_id, exp, iat, iss, jti, scope, sub and\n"
        "token_type. Why a token is not active is said on stderr, never in the body. Required\n"
        "scopes are a resource's decision, not introspection's: there is no --scope.",
        "JSON: command verdict active body introspection token_error{name message}\n"
        "exit status: 0 active, 1 not active (or the keys are refused), 2 usage error\n"
        "example:\n"
        "  apiauth token introspect \"$token\" --keys jwks.json --iss https://as.example --aud https://api.example",
        [&ctx, introspect] { return run_introspect(ctx, *introspect); });
    add_policy_options(*n, *introspect);
}

}  // namespace apiauth_cli
