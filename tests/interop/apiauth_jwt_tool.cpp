// apiauth_jwt_tool.cpp — the apiauth side of the interoperability tests (tests/interop/*).
//
//   apiauth_jwt_tool keygen <ALG> <kid>                       private JWK on stdout (JSON)
//   apiauth_jwt_tool sign <private-jwk-file> <claims-json> [--alg A] [--typ T]
//                                                             a compact JWT on stdout
//   apiauth_jwt_tool verify <public-jwk-or-jwks-file> <token> [--iss X] [--aud Y] [--typ T] [--alg A]
//                                                             the verified claims JSON (exit 0), or
//                                                             the error name (exit 1)
//   apiauth_jwt_tool pubjwk <private-jwk-file> [--alg A]      the public JWK on stdout
//
// --alg binds a JWK that has no "alg" member (a peer's "oct" or "RSA" key) to an algorithm
// (jwk_options::alg); EC and OKP keys follow their "crv". A file holding {"keys": [...]} is read
// as a JWK Set. Every apiauth error is printed as its name (apiauth::error_name) on stdout with
// exit status 1, so that the scripts can assert it; usage and I/O errors exit 2.

#include <apiauth/error.hpp>
#include <apiauth/jose/algorithm.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>

#include <nlohmann/json.hpp>

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

int usage()
{
    std::fputs("usage: apiauth_jwt_tool keygen <ALG> <kid>\n"
               "       apiauth_jwt_tool sign <private-jwk-file> <claims-json> [--alg A] [--typ T]\n"
               "       apiauth_jwt_tool verify <public-jwk-or-jwks-file> <token> [--iss X] [--aud Y] [--typ T] "
               "[--alg A]\n"
               "       apiauth_jwt_tool pubjwk <private-jwk-file> [--alg A]\n",
               stderr);
    return 2;
}

void out(std::string_view s)
{
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
}

// An apiauth error: its name on stdout (what the scripts compare), a word of context on stderr.
int fail(std::error_code ec, std::string_view what)
{
    const std::string_view name = apiauth::error_name(ec);
    const std::string message = ec.message();
    out(name.empty() ? std::string_view(message) : name);
    std::fprintf(stderr, "apiauth_jwt_tool: %.*s: %s\n", static_cast<int>(what.size()), what.data(), message.c_str());
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

// The options after the positional arguments: --name value pairs.
struct options {
    std::optional<std::string> iss, aud, typ, alg;
    bool ok = true;
};

options parse_options(const std::vector<std::string>& args, std::size_t from)
{
    options o;
    for (std::size_t i = from; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
            o.ok = false;
            break;
        }
        const std::string& n = args[i];
        const std::string& v = args[i + 1];
        if (n == "--iss")
            o.iss = v;
        else if (n == "--aud")
            o.aud = v;
        else if (n == "--typ")
            o.typ = v;
        else if (n == "--alg")
            o.alg = v;
        else
            o.ok = false;
    }
    return o;
}

std::optional<jose::algorithm> alg_option(const options& o, bool& bad)
{
    bad = false;
    if (!o.alg) return std::nullopt;
    const auto a = jose::parse_algorithm(*o.alg);
    if (!a) bad = true;
    return a;
}

int keygen(const std::vector<std::string>& args)
{
    if (args.size() != 3) return usage();
    const auto a = jose::parse_algorithm(args[1]);
    if (!a) {
        std::fprintf(stderr, "apiauth_jwt_tool: unknown algorithm %s\n", args[1].c_str());
        return 2;
    }
    auto k = jose::key::generate(*a, args[2]);
    if (!k) return fail(k.error(), "generate");
    auto j = k->to_jwk(true);
    if (!j) return fail(j.error(), "to_jwk");
    out(j->dump());
    return 0;
}

// A private JWK from a file (allow_private; --alg for JWKs without "alg").
int load_private(const std::string& path, const options& o, std::optional<jose::key>& k)
{
    bool bad_alg = false;
    const auto a = alg_option(o, bad_alg);
    if (bad_alg) return usage();
    const auto text = read_file(path);
    if (!text) {
        std::fprintf(stderr, "apiauth_jwt_tool: cannot read %s\n", path.c_str());
        return 2;
    }
    auto r = jose::key::from_jwk(*text, {.alg = a, .allow_private = true});
    if (!r) return fail(r.error(), "from_jwk");
    k = std::move(*r);
    return 0;
}

int sign(const std::vector<std::string>& args)
{
    if (args.size() < 3) return usage();
    const options o = parse_options(args, 3);
    if (!o.ok || o.iss || o.aud) return usage();
    std::optional<jose::key> k;
    if (int rc = load_private(args[1], o, k); rc != 0) return rc;
    const auto claims = nlohmann::json::parse(args[2], nullptr, /*allow_exceptions=*/false);
    if (claims.is_discarded()) {
        std::fputs("apiauth_jwt_tool: the claims are not JSON\n", stderr);
        return 2;
    }
    auto s = jose::jwt::signer::make(std::move(*k), o.typ.value_or("JWT"));
    if (!s) return fail(s.error(), "signer");
    auto t = s->sign(claims);
    if (!t) return fail(t.error(), "sign");
    out(*t);
    return 0;
}

int pubjwk(const std::vector<std::string>& args)
{
    if (args.size() < 2) return usage();
    const options o = parse_options(args, 2);
    if (!o.ok || o.iss || o.aud || o.typ) return usage();
    std::optional<jose::key> k;
    if (int rc = load_private(args[1], o, k); rc != 0) return rc;
    auto j = k->to_jwk(false);
    if (!j) return fail(j.error(), "to_jwk");
    out(j->dump());
    return 0;
}

int verify(const std::vector<std::string>& args)
{
    if (args.size() < 3) return usage();
    const options o = parse_options(args, 3);
    if (!o.ok) return usage();
    bool bad_alg = false;
    const auto a = alg_option(o, bad_alg);
    if (bad_alg) return usage();
    const auto text = read_file(args[1]);
    if (!text) {
        std::fprintf(stderr, "apiauth_jwt_tool: cannot read %s\n", args[1].c_str());
        return 2;
    }
    // A JWK Set when the document has "keys", else one JWK. Verification keys only: a private
    // asymmetric JWK here is refused (private_key_not_allowed).
    const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    jose::key_set keys;
    if (doc.is_object() && doc.contains("keys")) {
        auto s = jose::key_set::from_jwks(*text, {.alg = a});
        if (!s) return fail(s.error(), "from_jwks");
        keys = std::move(*s);
    } else {
        auto k = jose::key::from_jwk(*text, {.alg = a});
        if (!k) return fail(k.error(), "from_jwk");
        keys = jose::key_set(std::move(*k));
    }
    jose::jwt::policy p;
    if (o.iss) p.issuer = *o.iss;
    if (o.aud) p.audience = *o.aud;
    if (o.typ) p.typ = *o.typ;
    const jose::jwt::verifier v{std::move(keys), std::move(p)};
    auto r = v.verify(args[2]);
    if (!r) return fail(r.error(), "verify");
    out(r->claims().json());
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
        if (cmd == "sign") return sign(args);
        if (cmd == "verify") return verify(args);
        if (cmd == "pubjwk") return pubjwk(args);
        return usage();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "apiauth_jwt_tool: %s\n", e.what());
        return 3;
    }
}
