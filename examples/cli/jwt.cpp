// jwt.cpp — `apiauth jwt sign | verify`: make a JWT with a key file, and decide about one as a
// resource server would, saying what it answers when it refuses it.

#include "cli.hpp"

#include <apiauth/encoding/base64.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>

namespace apiauth_cli {

namespace jwt_cmd {

namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;

/// A NumericDate as a number, then as a UTC time and relative to `now` when it is a plausible one.
std::string describe_date(double t, double now)
{
    std::string out;
    char buf[32];
    if (std::isfinite(t) && t == std::floor(t) && std::fabs(t) < 9e15) {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(t));
        out.assign(buf, ec == std::errc() ? end : buf);
    } else {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, t);
        out.assign(buf, ec == std::errc() ? end : buf);
    }
    if (!std::isfinite(t) || t < 0 || t > 253402300799.0) return out;  // up to 9999-12-31T23:59:59Z
    const std::time_t secs = static_cast<std::time_t>(t);
    std::tm tm{};
    if (gmtime_r(&secs, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return out;
    const long long d = std::llround(t - now);
    const long long a = d < 0 ? -d : d;
    const std::string span = a < 120         ? std::to_string(a) + " s"
                             : a < 2 * 3600  ? std::to_string(a / 60) + " min"
                             : a < 2 * 86400 ? std::to_string(a / 3600) + " h"
                                             : std::to_string(a / 86400) + " days";
    out += std::string(" (") + buf + ", " + (d == 0 ? "now" : d > 0 ? "in " + span : span + " ago") + ")";
    return out;
}

}  // namespace jwt_cmd

// decode_segment and the print_* functions are shared with token.cpp (declared in cli.hpp).

/// The JSON object in the base64url segment `segment`, or a discarded value.
nlohmann::json decode_segment(std::string_view segment, std::string& problem)
{
    using namespace jwt_cmd;
    const auto bytes = apiauth::encoding::base64url::decode(segment);
    if (!bytes) {
        problem = describe_error(bytes.error());
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
    auto j = nlohmann::json::parse(*bytes, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        problem = "not a JSON object";
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
    return j;
}

/// alg, kid and typ of a JOSE header, as written in the token (when verification failed,
/// unverified). JSON: "header": {"alg", "kid", "typ"} (null when absent), or null.
void print_header(report& r, std::string_view token)
{
    using namespace jwt_cmd;
    r.heading("header");
    std::string problem;
    const auto h = decode_segment(token.substr(0, token.find('.')), problem);
    if (h.is_discarded()) {
        r.row("(cannot be read)", problem, 2);
        r["header"] = nullptr;
        return;
    }
    nlohmann::json out = nlohmann::json::object();
    for (const char* name : {"alg", "kid", "typ"}) {
        const auto it = h.find(name);
        out[name] = it == h.end() ? nlohmann::json() : *it;
        if (it == h.end())
            r.row(name, "(absent)", 2);
        else
            r.row(name,
                  it->is_string() ? quoted(std::string_view(it->get_ref<const std::string&>()), true)
                                  : printable(it->dump()),
                  2);
    }
    for (const char* name : {"crit", "jwk", "jku", "x5u", "x5c"})
        if (h.contains(name)) {
            r.row(name, "present (" + printable(h.at(name).dump().substr(0, 60), true) + ")", 2);
            out[name] = h.at(name);
        }
    r["header"] = std::move(out);
}

/// The registered claims of a verified token.
void print_claims(const report& r, const apiauth::jose::jwt::claims& c, double now)
{
    using namespace jwt_cmd;
    r.heading("claims (verified)");
    const auto str = [&](std::string_view label, std::optional<std::string_view> v) {
        if (v) r.row(label, quoted(*v, true), 2);
    };
    const auto date = [&](std::string_view label, std::optional<double> v) {
        if (v) r.row(label, describe_date(*v, now), 2);
    };
    str("iss", c.iss());
    str("sub", c.sub());
    if (c.has_registered("aud") == true) {
        std::string list;
        for (std::string_view a : c.aud()) list += (list.empty() ? "" : ", ") + quoted(a, true);
        r.row("aud", list.empty() ? "(empty list)" : list, 2);
    }
    date("exp", c.exp());
    date("nbf", c.nbf());
    date("iat", c.iat());
    str("jti", c.jti());
    str("scope", c.scope());
    str("client_id", c.client_id());
}

/// The registered claims of a token that was refused, read from the payload as it is: signed,
/// but refused by the policy, when `signature_valid`; else what anyone may have written.
void print_unverified_claims(const report& r, const nlohmann::json& j, std::string_view problem, double now,
                             bool signature_valid)
{
    using namespace jwt_cmd;
    r.heading(signature_valid ? "claims (the signature is valid, the claims are refused)"
                              : "claims (NOT verified: as the token states them)");
    if (j.is_discarded()) {
        r.row("(cannot be read)", problem, 2);
        return;
    }
    std::size_t shown = 0;
    for (const std::string_view name : {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "client_id"}) {
        const auto it = j.find(name);
        if (it == j.end()) continue;
        ++shown;
        const bool date = name == "exp" || name == "nbf" || name == "iat";
        if (date && it->is_number())
            r.row(name, describe_date(it->get<double>(), now), 2);
        else if (it->is_string())
            r.row(name, quoted(std::string_view(it->get_ref<const std::string&>()), true), 2);
        else
            r.row(name, printable(it->dump(), true), 2);
    }
    if (shown == 0) r.row("(none)", "no registered claim", 2);
}

namespace jwt_cmd {

/// "a,b,,c" as {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view s)
{
    std::vector<std::string> out;
    while (!s.empty()) {
        const std::size_t comma = s.find(',');
        if (const std::string_view item = s.substr(0, comma); !item.empty()) out.emplace_back(item);
        s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
    return out;
}

struct sign_options {
    std::string key_path;
    key_file_options key;
    std::string typ = "JWT";
    long long lifetime = 0;
    std::string claims;
};

exit_code run_sign(const context& ctx, const sign_options& opt)
{
    report r{ctx, "jwt sign"};
    nlohmann::json claims = nlohmann::json::object();
    if (!opt.claims.empty()) {
        claims = nlohmann::json::parse(opt.claims, nullptr, /*allow_exceptions=*/false);
        if (claims.is_discarded() || !claims.is_object()) throw usage_error("--claims must be a JSON object");
    }
    auto keys = load_keys(opt.key_path, opt.key, key_use::sign);
    if (!keys) return r.refuse("not a usable key", keys.error());
    const jose::key k = *keys->begin();
    const auto s = jwt::signer::make(k, opt.typ);
    if (!s) return r.refuse("cannot sign with this key", s.error());
    const auto token =
        s->sign(std::move(claims), {.lifetime = std::chrono::seconds(opt.lifetime), .set_iat = true, .set_jti = true});
    if (!token) return r.refuse("cannot sign", token.error());
    r.line(*token);
    r["token"] = *token;
    r["alg"] = jose::name(k.alg());
    r["kid"] = k.has_kid() ? nlohmann::json(k.kid()) : nlohmann::json();
    r["typ"] = opt.typ;
    return r.finish(exit_code::ok);
}

struct verify_options {
    std::string token;
    std::string keys_path;
    key_file_options key;
    std::string iss, aud, typ;
    long long leeway = 0;
    std::string require;
    CLI::Option* require_given = nullptr;
};

exit_code run_verify(const context& ctx, const verify_options& opt)
{
    report r{ctx, "jwt verify"};
    const std::string_view token = opt.token;
    jwt::policy policy;
    policy.issuer = opt.iss;
    if (!opt.aud.empty()) policy.audience = opt.aud;
    policy.typ = opt.typ;
    policy.leeway = std::chrono::seconds(opt.leeway);
    if (opt.require_given->count() > 0) policy.require.values = split_list(opt.require);
    auto keys = load_keys(opt.keys_path, opt.key, key_use::verify);
    if (!keys) return r.refuse("cannot use the keys in " + printable(opt.keys_path), keys.error());
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

    r.row("token", octets(token.size()) + ": " + preview(token));
    r.row("keys",
          std::to_string(keys->size()) + (keys->size() == 1 ? " key from " : " keys from ") + printable(opt.keys_path));
    std::string required;
    for (const std::string& q : policy.require.values) required += (required.empty() ? "" : ", ") + q;
    r.row("policy", "require " + (required.empty() ? std::string("nothing") : required) + "; leeway " +
                        std::to_string(policy.leeway.count()) + " s");
    if (!policy.issuer.empty()) r.row("iss", "must be " + quoted(std::string_view(policy.issuer)), 2);
    if (!policy.audience.empty())
        r.row("aud", "must contain " + quoted(std::string_view(policy.audience.values.front())), 2);
    if (!policy.typ.empty()) r.row("typ", "must be the media type " + quoted(std::string_view(policy.typ)), 2);
    r["token_octets"] = token.size();
    r["keys"] = keys->size();
    r["policy"] = {{"iss", opt.iss.empty() ? nlohmann::json() : nlohmann::json(opt.iss)},
                   {"aud", opt.aud.empty() ? nlohmann::json() : nlohmann::json(opt.aud)},
                   {"typ", opt.typ.empty() ? nlohmann::json() : nlohmann::json(opt.typ)},
                   {"require", policy.require.values},
                   {"leeway", policy.leeway.count()}};

    const jwt::verifier v{std::move(*keys), std::move(policy)};
    const auto result = v.verify(token);
    print_header(r, token);

    // The claims as the token states them (verified or not), for the JSON report.
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    std::string problem = "not a JWS in compact form";
    const nlohmann::json payload = dot2 == std::string_view::npos
                                       ? nlohmann::json(nlohmann::json::value_t::discarded)
                                       : decode_segment(token.substr(dot1 + 1, dot2 - dot1 - 1), problem);
    r["claims"] = payload.is_discarded() ? nlohmann::json() : payload;

    if (!result) {
        // Did the signature check out, and only the claims policy refuse the token?
        const bool signature_valid = jose::jws::verify(token, v.keys()).has_value();
        if (dot2 != std::string_view::npos) print_unverified_claims(r, payload, problem, now, signature_valid);
        r["signature_valid"] = signature_valid;
        r["claims_verified"] = false;
        return report_rejection(r, result.error(), scheme_kind::bearer);
    }
    print_claims(r, result->claims(), now);
    r.line("");
    r.row("verified with",
          std::string(jose::name(result->alg())) +
              (result->key().has_kid() ? " key " + quoted(result->key().kid()) : std::string(" key (no kid)")));
    r["signature_valid"] = true;
    r["claims_verified"] = true;
    r["verified_with"] = {{"alg", jose::name(result->alg())},
                          {"kid", result->key().has_kid() ? nlohmann::json(result->key().kid()) : nlohmann::json()}};
    return report_acceptance(r);
}

}  // namespace jwt_cmd

void add_jwt_commands(CLI::App& app, context& ctx)
{
    using namespace jwt_cmd;
    CLI::App* group = add_group(app, "jwt", "JSON Web Tokens: sign one, verify one as a resource server would");

    auto sign = std::make_shared<sign_options>();
    CLI::App* s =
        add_command(*group, ctx, "sign", "sign a JWT with a key file",
                    "Sign a JWT (RFC 7519) with a private (or HMAC) key and print the compact token.\n"
                    "The header is {\"alg\": the key's algorithm, \"typ\": T, \"kid\": the key's kid}. The\n"
                    "claims are --claims (a JSON object, {} by default) with \"iat\" (now) and a random\n"
                    "\"jti\" added, and \"exp\" = now + SECONDS when --lifetime is given; a claim already\n"
                    "in --claims is kept as it is.",
                    "JSON: command verdict token alg kid typ | error{name message}\n"
                    "exit status: 0 written, 1 refused, 2 usage error (also: a key without \"alg\" and no --alg)\n"
                    "example:\n"
                    "  apiauth jwt sign --key private.jwk --lifetime 600 --claims "
                    "'{\"sub\":\"alice\",\"aud\":\"https://api.example\"}'\n"
                    "  apiauth jwt sign --key ed25519.pem --alg EdDSA --claims '{\"sub\":\"alice\"}'",
                    [&ctx, sign] { return run_sign(ctx, *sign); });
    s->add_option("--key", sign->key_path, "a JWK with private members, an HMAC (oct) JWK, or a private PEM key")
        ->type_name("FILE")
        ->required();
    add_key_file_options(*s, sign->key);
    s->add_option("--typ", sign->typ, "the header typ (default JWT; e.g. at+jwt for RFC 9068 access tokens)")
        ->type_name("T");
    s->add_option("--lifetime", sign->lifetime, "add exp = iat + SECONDS")
        ->type_name("SECONDS")
        ->check(CLI::Range(1LL, 100LL * 366 * 24 * 3600));
    s->add_option("--claims", sign->claims, "the claims, e.g. '{\"iss\":\"https://as.example\",\"sub\":\"alice\"}'")
        ->type_name("JSON");

    auto verify = std::make_shared<verify_options>();
    CLI::App* v = add_command(
        *group, ctx, "verify", "verify a JWT, and say what a resource server answers",
        "Verify a JWT as a resource server would (RFC 7519 §7.2, RFC 8725): three segments,\n"
        "strict base64url, a JOSE header whose alg is the key's own (\"none\" never is), the\n"
        "key chosen from the file by kid, else by alg, the signature, then the claims: types,\n"
        "required claims, issuer, audience, exp, nbf and iat against the clock. Print the\n"
        "header (alg, kid, typ), the registered claims and the verdict; when the token is\n"
        "refused, the error, the HTTP status, the OAuth error and the WWW-Authenticate value\n"
        "to answer with (RFC 6750 §3), and the claims as the token states them (unverified).",
        "JSON: command verdict token_octets keys policy{iss aud typ require leeway}\n"
        "      header{alg kid typ} claims signature_valid claims_verified verified_with{alg kid}\n"
        "      error{name message http_status oauth_error} www_authenticate[]\n"
        "exit status: 0 accepted, 1 rejected (or the keys are refused), 2 usage error\n"
        "example:\n"
        "  apiauth jwt verify \"$token\" --keys jwks.json --iss https://as.example --aud https://api.example",
        [&ctx, verify] { return run_verify(ctx, *verify); });
    v->add_option("token", verify->token, "the compact JWT")->required();
    v->add_option("--keys", verify->keys_path,
                  "one public (or HMAC) JWK, a JWK Set {\"keys\":[...]}, or a public PEM key;\n"
                  "a private key is refused (a secret where a public key belongs): see apiauth jwk public")
        ->type_name("FILE")
        ->required();
    add_key_file_options(*v, verify->key);
    v->add_option("--iss", verify->iss, "iss must be exactly X")->type_name("X");
    v->add_option("--aud", verify->aud, "aud (a string or an array) must contain Y")->type_name("Y");
    v->add_option("--typ", verify->typ,
                  "the header typ must be the media type T (e.g. at+jwt; case-insensitive,\n"
                  "\"application/\" optional)")
        ->type_name("T");
    v->add_option("--leeway", verify->leeway, "allowed clock skew in seconds for exp, nbf and iat (default 0)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0LL, 24LL * 3600));
    verify->require_given =
        v->add_option("--require", verify->require, "the claims that must be present, a,b (default: exp; '' for none)")
            ->type_name("a,b");
}

}  // namespace apiauth_cli
