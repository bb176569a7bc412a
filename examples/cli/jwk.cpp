// jwk.cpp — `apiauth jwk generate | public`: signing keys as JWKs (RFC 7517), and the key files
// every JOSE command reads (a JWK, a JWK Set, or a PEM key with --alg).

#include "cli.hpp"

#include "../common/private_file.hpp"

#include <apiauth/jose/sign.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace apiauth_cli {

namespace jose = apiauth::jose;

std::string algorithm_list()
{
    using enum jose::algorithm;
    std::string out;
    for (const jose::algorithm a :
         {hs256, hs384, hs512, rs256, rs384, rs512, ps256, ps384, ps512, es256, es384, es512, es256k, eddsa})
        out.append(out.empty() ? "" : ", ").append(jose::name(a));
    return out;
}

void add_key_file_options(CLI::App& cmd, key_file_options& opt)
{
    cmd.add_option("--alg", opt.alg,
                   "the algorithm of a key without \"alg\": a PEM key, or an RSA or oct JWK\n"
                   "(a JWK's own \"alg\" must agree)")
        ->type_name("ALG");
    cmd.add_option("--kid", opt.kid, "the key id of a PEM key (a JWK carries its own)")->type_name("KID");
}

namespace jwk_cmd {

/// A PEM document: its first non-blank line is a "-----BEGIN" line.
bool is_pem(std::string_view text)
{
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    return start != std::string_view::npos && text.substr(start).starts_with("-----BEGIN");
}

/// The kty of a JWK object that has no "alg" and cannot be bound to one without it (oct and
/// RSA allow several algorithms; EC follows its crv, OKP Ed25519 is EdDSA); else empty.
std::string kty_needing_alg(const nlohmann::json& jwk)
{
    if (!jwk.is_object() || jwk.contains("alg")) return {};
    const auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string()) return {};
    const std::string& k = kty->get_ref<const std::string&>();
    return k == "oct" || k == "RSA" ? k : std::string();
}

[[noreturn]] void no_alg(std::string_view path, std::string_view what)
{
    throw usage_error(std::string(what) + " in " + printable(path) +
                      " has no \"alg\": pass --alg ALG to say which algorithm it is for (one of " + algorithm_list() +
                      ")");
}

}  // namespace jwk_cmd

apiauth::result<jose::key_set> load_keys(std::string_view path, const key_file_options& opt, key_use use)
{
    using namespace jwk_cmd;
    const auto text = read_file(path);
    if (!text) throw usage_error("cannot read " + printable(path));
    std::optional<jose::algorithm> alg;
    if (!opt.alg.empty()) {
        alg = jose::parse_algorithm(opt.alg);
        if (!alg)
            throw usage_error("unknown algorithm '" + printable(opt.alg) +
                              "' (names are case-sensitive: " + algorithm_list() + "; there is no 'none')");
    }

    if (is_pem(*text)) {
        if (!alg) no_alg(path, "the PEM key");
        auto k = jose::key::from_pem(*alg, *text, opt.kid);
        if (!k) return k.error();
        // As for JWKs: a private key where a public one belongs is refused (a published secret).
        if (use == key_use::verify && k->can_sign()) return apiauth::errc::private_key_not_allowed;
        return jose::key_set(std::move(*k));
    }

    if (!opt.kid.empty()) throw usage_error("--kid is for PEM keys: a JWK carries its own \"kid\"");
    const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    const jose::jwk_options jwk_opt{.alg = alg, .allow_private = use != key_use::verify};
    if (!doc.is_discarded() && doc.is_object() && doc.contains("keys")) {
        if (use != key_use::verify)
            throw usage_error(printable(path) + " is a JWK Set: give a file with one JWK (e.g. jq '.keys[0]')");
        if (!alg && doc["keys"].is_array())
            for (const nlohmann::json& k : doc["keys"])
                if (const std::string kty = kty_needing_alg(k); !kty.empty()) no_alg(path, "a " + kty + " key");
        return jose::key_set::from_jwks(*text, jwk_opt);
    }
    if (!alg && !doc.is_discarded())
        if (const std::string kty = kty_needing_alg(doc); !kty.empty()) no_alg(path, "the " + kty + " key");
    auto k = jose::key::from_jwk(*text, jwk_opt);
    if (!k) return k.error();
    return jose::key_set(std::move(*k));
}

// write_secret_file is shared with secret.cpp (cli.hpp).

std::string write_secret_file(const std::string& path, const std::string& text, bool force)
{
    // With --force by rename (the old file stays whole if anything fails), without by link
    // (EEXIST if `path` exists).
    if (const int e = apiauth_examples::write_private_file(path, text, force)) return std::strerror(e);
    return {};
}

namespace jwk_cmd {

/// "public JWK:" and "public JWKS:" with the documents (text); "public_jwk", "jwks" (JSON).
void print_public(report& r, const nlohmann::json& pub)
{
    const nlohmann::json jwks = {{"keys", nlohmann::json::array({pub})}};
    r.line("public JWK:");
    r.line(pub.dump());
    r.line("");
    r.line("public JWKS:");
    r.line(jwks.dump());
    r["public_jwk"] = pub;
    r["jwks"] = jwks;
}

struct generate_options {
    std::string alg, kid, out;
    bool force = false;
};

exit_code run_generate(const context& ctx, const generate_options& opt)
{
    report r{ctx, "jwk generate"};
    const auto alg = jose::parse_algorithm(opt.alg);
    if (!alg)
        throw usage_error("unknown algorithm '" + printable(opt.alg) +
                          "' (names are case-sensitive: " + algorithm_list() + "; there is no 'none')");
    const auto k = jose::key::generate(*alg, opt.kid);
    if (!k) return r.refuse("cannot generate the key", k.error());
    const auto secret = k->to_jwk(true);
    if (!secret) return r.refuse("cannot export the key", secret.error());
    r["alg"] = jose::name(*alg);
    r["kid"] = opt.kid.empty() ? nlohmann::json() : nlohmann::json(opt.kid);

    const bool hmac = jose::family(*alg) == jose::key_family::hmac;
    const std::string kind = hmac ? "secret" : "private";
    if (!opt.out.empty()) {
        const std::string text = secret->dump() + '\n';
        if (!opt.force && ::access(opt.out.c_str(), F_OK) == 0) {
            std::cerr << "apiauth jwk generate: " << printable(opt.out)
                      << " exists: not overwritten (--force replaces it)\n";
            r["error"] = {{"name", "file_exists"}, {"message", "the --out file exists; --force replaces it"}};
            return r.finish(exit_code::rejected);
        }
        if (const std::string problem = write_secret_file(opt.out, text, opt.force); !problem.empty()) {
            std::cerr << "apiauth jwk generate: cannot write " << printable(opt.out) << ": " << problem << '\n';
            return exit_code::internal;
        }
        std::cerr << "apiauth jwk generate: the " << kind << " JWK in " << printable(opt.out)
                  << " (mode 0600) must stay secret: never publish it\n";
        r.line(kind + " JWK written to " + printable(opt.out) + " (mode 0600, " + octets(text.size()) + ")");
        r["private_jwk_file"] = opt.out;
    } else {
        std::cerr << "apiauth jwk generate: the " << kind
                  << " JWK below must stay secret: store it like a password, never publish it\n";
        r.line(hmac ? "secret JWK (kty oct: signs and verifies; there is no public form):" : "private JWK:");
        r.line(secret->dump());
        r["private_jwk"] = *secret;
    }
    if (hmac) return r.finish(exit_code::ok);
    const auto pub = k->to_jwk(false);
    if (!pub) return r.refuse("cannot export the public key", pub.error());
    r.line("");
    print_public(r, *pub);
    return r.finish(exit_code::ok);
}

struct public_options {
    std::string path;
    key_file_options key;
};

exit_code run_public(const context& ctx, const public_options& opt)
{
    report r{ctx, "jwk public"};
    const auto keys = load_keys(opt.path, opt.key, key_use::publish);
    if (!keys) return r.refuse("not a usable key", keys.error());
    const jose::key& k = *keys->begin();
    r["alg"] = jose::name(k.alg());
    r["kid"] = k.has_kid() ? nlohmann::json(k.kid()) : nlohmann::json();
    const auto pub = k.to_jwk(false);
    if (!pub) {
        if (!r.json())
            std::cerr << "apiauth jwk public: " << jose::name(k.alg())
                      << " is an HMAC key: a shared secret, with no public form to publish\n";
        r["error"] = error_json(pub.error());
        return r.finish(exit_code::rejected);
    }
    print_public(r, *pub);
    return r.finish(exit_code::ok);
}

}  // namespace jwk_cmd

void add_jwk_commands(CLI::App& app, context& ctx)
{
    using namespace jwk_cmd;
    CLI::App* group = add_group(app, "jwk", "JSON Web Keys: generate a signing key, publish its public part");

    auto gen = std::make_shared<generate_options>();
    CLI::App* g =
        add_command(*group, ctx, "generate", "generate a signing key; print its JWK, public JWK and JWKS",
                    "Generate a signing key for a JWS algorithm and print it as a JWK (RFC 7517): the\n"
                    "private JWK, which is a secret (a warning says so on stderr), then the public JWK\n"
                    "and a JWK Set ({\"keys\":[...]}, RFC 7517 §5) to publish. With --out FILE the private\n"
                    "JWK goes to FILE (mode 0600) instead of stdout, as jwt sign --key and jwk public read\n"
                    "it. An HMAC key (HS256, HS384, HS512) is a shared secret with no public form: only\n"
                    "the secret JWK is written. RSA keys have 2048 bits; EC keys are on the algorithm's curve.",
                    "JSON: command verdict alg kid private_jwk | private_jwk_file public_jwk jwks\n"
                    "exit status: 0 written, 1 refused (or FILE exists), 2 usage error, 3 cannot write FILE\n"
                    "example:\n"
                    "  apiauth jwk generate --alg ES256 --kid 2024-01 --out es256.jwk",
                    [&ctx, gen] { return run_generate(ctx, *gen); });
    g->add_option("--alg", gen->alg,
                  "HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512\n"
                  "ES256 ES384 ES512 ES256K EdDSA (case-sensitive; there is no 'none')")
        ->type_name("ALG")
        ->required();
    g->add_option("--kid", gen->kid, "the key id, written into the JWK and into the tokens it signs")->type_name("KID");
    g->add_option("--out", gen->out, "write the private JWK to FILE (mode 0600) instead of stdout")->type_name("FILE");
    g->add_flag("--force", gen->force, "replace FILE if it exists");

    auto pub = std::make_shared<public_options>();
    CLI::App* p =
        add_command(*group, ctx, "public", "print the public JWK and JWKS of a private key",
                    "Read a private key (a JWK, or a PEM key with --alg) and print its public JWK and a\n"
                    "JWK Set holding it, to publish (RFC 7517 §4, §5). Private members (d, p, q, dp, dq,\n"
                    "qi) are never printed. An HMAC (kty oct) key has no public form and is refused.",
                    "JSON: command verdict alg kid public_jwk jwks | error{name message}\n"
                    "exit status: 0 written, 1 refused, 2 usage error (also: a key without \"alg\" and no --alg)\n"
                    "example:\n"
                    "  apiauth jwk public es256.jwk\n"
                    "  apiauth jwk public ed25519.pem --alg EdDSA --kid ed-1",
                    [&ctx, pub] { return run_public(ctx, *pub); });
    p->add_option("file", pub->path, "a private JWK, or a PEM key (private or public)")->required();
    add_key_file_options(*p, pub->key);
}

}  // namespace apiauth_cli
