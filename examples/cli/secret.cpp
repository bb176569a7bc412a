// secret.cpp — `apiauth secret generate`: random secrets as text, for what a server keeps outside
// its source and its database: a pepper (hex), an application key id or secret (base64url), a
// session or cookie key. The octets come from OpenSSL's CSPRNG (apiauth::crypto::random_bytes)
// and are wiped once encoded; with --out the secret goes to a new file of mode 0600 only.

#include "cli.hpp"

#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>

#include <iostream>
#include <memory>
#include <unistd.h>

namespace apiauth_cli {

namespace secret_cmd {

constexpr int min_octets = 12;  // 96 bits: enough for an identifier (a key id); secrets take 32
constexpr int max_octets = 1024;
constexpr std::size_t max_prefix = 64;

struct generate_options {
    int octets = 32;
    std::string encoding = "base64url";
    std::string prefix;
    std::string out;
    bool force = false;
};

/// 1..64 characters of [A-Za-z0-9_-]: nothing that needs quoting in a file, a URL or a header.
bool valid_prefix(std::string_view p)
{
    if (p.empty() || p.size() > max_prefix) return false;
    for (const char c : p)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

/// The random octets, encoded, after the prefix: encoded in place (no copy of the secret is
/// left behind in freed memory), with room for the newline of --out; the octets are wiped.
std::string make_secret(const generate_options& opt)
{
    std::vector<std::byte> b(static_cast<std::size_t>(opt.octets));
    if (!apiauth::crypto::random_bytes(b)) throw std::runtime_error("the random generator failed");
    const std::size_t length =
        opt.encoding == "hex" ? b.size() * 2 : apiauth::encoding::base64url::encoded_size(b.size());
    std::string s;
    s.reserve(opt.prefix.size() + length + 1);
    s = opt.prefix;
    s.resize(opt.prefix.size() + length);
    const std::span<char> out(s.data() + opt.prefix.size(), length);
    if (opt.encoding == "hex") {
        write_hex(b, out);
    } else if (!apiauth::encoding::base64url::encode(b, out)) {
        throw std::runtime_error("base64url encoding failed");
    }
    apiauth::crypto::wipe(b.data(), b.size());
    return s;
}

exit_code run_generate(const context& ctx, const generate_options& opt, bool prefix_given)
{
    report r{ctx, "secret generate"};
    if (prefix_given && !valid_prefix(opt.prefix))
        throw usage_error("--prefix must be 1.." + std::to_string(max_prefix) + " characters of A-Z a-z 0-9 _ -");
    r["octets"] = opt.octets;
    r["encoding"] = opt.encoding;
    r["prefix"] = prefix_given ? nlohmann::json(opt.prefix) : nlohmann::json();

    if (!opt.out.empty() && !opt.force && ::access(opt.out.c_str(), F_OK) == 0) {
        std::cerr << "apiauth secret generate: " << printable(opt.out)
                  << " exists: not overwritten (--force replaces it)\n";
        r["error"] = {{"name", "file_exists"}, {"message", "the --out file exists; --force replaces it"}};
        return r.finish(exit_code::rejected);
    }

    std::string secret = make_secret(opt);
    if (!opt.out.empty()) {
        secret += '\n';
        const std::string problem = write_secret_file(opt.out, secret, opt.force);
        const std::size_t size = secret.size();
        apiauth::crypto::wipe(secret);
        if (!problem.empty()) {
            std::cerr << "apiauth secret generate: cannot write " << printable(opt.out) << ": " << problem << '\n';
            return exit_code::internal;
        }
        r.line("secret written to " + printable(opt.out) + " (mode 0600, " + octets(size) + ")");
        r["secret_file"] = opt.out;
        return r.finish(exit_code::ok);
    }
    if (r.json()) {
        r["secret"] = secret;
        const exit_code code = r.finish(exit_code::ok);
        apiauth::crypto::wipe(r["secret"].get_ref<std::string&>());
        apiauth::crypto::wipe(secret);
        return code;
    }
    secret += '\n';
    std::cout << secret << std::flush;
    apiauth::crypto::wipe(secret);
    return r.finish(exit_code::ok);
}

}  // namespace secret_cmd

void add_secret_commands(CLI::App& app, context& ctx)
{
    using namespace secret_cmd;
    CLI::App* group = add_group(app, "secret", "random secrets: peppers, application key ids and secrets");

    auto gen = std::make_shared<generate_options>();
    auto prefix = std::make_shared<CLI::Option*>(nullptr);
    CLI::App* g =
        add_command(*group, ctx, "generate", "print (or write to a file) a random secret",
                    "Draw --bytes random octets from OpenSSL's CSPRNG and print them as one line, base64url\n"
                    "without padding (RFC 4648 §5; 32 octets make 43 characters) or lower-case hex (64\n"
                    "characters), after --prefix if given. For the secrets a server keeps outside its source:\n"
                    "an API key pepper (hex, 32 octets or more), an application's key id and secret. The octets\n"
                    "are wiped once encoded. With --out FILE the secret goes to a new FILE (mode 0600) and is\n"
                    "not printed; an existing FILE is not overwritten unless --force.",
                    "JSON: command verdict octets encoding prefix secret | secret_file\n"
                    "exit status: 0 written, 1 FILE exists (not overwritten), 2 usage error, 3 cannot write FILE\n"
                    "examples:\n"
                    "  apiauth secret generate --encoding hex --out pepper-1.hex\n"
                    "  apiauth secret generate --bytes 12 --prefix demo --out id-site-key-id",
                    [&ctx, gen, prefix] { return run_generate(ctx, *gen, (*prefix)->count() > 0); });
    g->add_option("--bytes", gen->octets,
                  "random octets, 12..1024 (default 32; 12 is for identifiers,\n"
                  "a secret takes 32 or more)")
        ->type_name("N")
        ->check(CLI::Range(min_octets, max_octets));
    g->add_option("--encoding", gen->encoding, "base64url (default) or hex (lower case)")
        ->type_name("ENC")
        ->check(CLI::IsMember({"base64url", "hex"}));
    *prefix = g->add_option("--prefix", gen->prefix,
                            "text put before the secret, e.g. for a key id:\n"
                            "1..64 characters of A-Z a-z 0-9 _ -")
                  ->type_name("TEXT");
    g->add_option("--out", gen->out, "write the secret to FILE (mode 0600) instead of stdout")->type_name("FILE");
    g->add_flag("--force", gen->force, "replace FILE if it exists");
}

}  // namespace apiauth_cli
