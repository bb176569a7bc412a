// apiauth — the command-line face of the apiauth library: explains Authorization and
// WWW-Authenticate values, writes challenges, makes and checks JWKs, JWTs, API keys and OAuth 2.0
// access tokens, makes random secrets (peppers, key ids), authenticates raw HTTP requests, and
// plays both sides of an ID Site hosted login.
//
// Arguments are parsed by CLI11. Each command group lives in its own file and registers itself
// with add_<group>_commands (cli.hpp); this file builds the app, adds `help [command...]`,
// runs the parse and turns every outcome into one of the documented exit codes:
//
//   0 accepted (or written)   1 rejected   2 usage error   3 internal error
//
// CLI11's own exit codes are not used: every CLI::ParseError is a usage error (2), except the
// requests for help, which print to stdout and exit 0.

#include "cli.hpp"

#include <apiauth/version.hpp>

#include <exception>
#include <iostream>
#include <memory>

namespace main_cmd {

using apiauth_cli::exit_code;

constexpr std::string_view exit_codes_footer =
    "Exit status (every command):\n"
    "  0  accepted (or written)\n"
    "  1  rejected: the header, token, key or value to write was refused\n"
    "  2  usage error (also: a key without \"alg\" and no --alg)\n"
    "  3  internal error\n"
    "\n"
    "With --json a command prints one JSON object on stdout, with \"command\" and \"verdict\"\n"
    "(\"accepted\" or \"rejected\"); usage errors go to stderr only.\n"
    "\n"
    "apiauth help <command> [<subcommand>]   or   apiauth <command> [<subcommand>] --help";

/// The deepest subcommand the parse reached (the app itself if none).
const CLI::App& selected(const CLI::App& app)
{
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
    return *at;
}

/// A usage problem: the message, the command's usage line, and where its help is. Exit status 2.
exit_code usage(const CLI::App& cmd, std::string_view message)
{
    const std::string path = apiauth_cli::command_path(cmd);
    std::cerr << path << ": " << message << '\n';
    if (const auto f = std::dynamic_pointer_cast<CLI::Formatter>(cmd.get_formatter()))
        std::cerr << f->make_usage(&cmd, path);
    std::cerr << "(see: " << path << " --help)\n";
    return exit_code::usage;
}

/// `apiauth help [command...]`: the help `apiauth command... --help` prints.
void add_help_command(CLI::App& app, apiauth_cli::context& ctx)
{
    auto words = std::make_shared<std::vector<std::string>>();
    CLI::App* help = apiauth_cli::add_command(
        app, ctx, "help", "list the commands, or show the help of one", "", "example:\n  apiauth help key verify",
        [&app, words] {
            const CLI::App* at = &app;
            for (const std::string& w : *words) {
                const CLI::App* next = nullptr;
                for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
                    if (sub->get_name() == w) next = sub;
                if (next == nullptr) throw apiauth_cli::usage_error("no command '" + w + "' in " + at->get_name());
                at = next;
            }
            const std::string parent = at->get_parent() ? apiauth_cli::command_path(*at->get_parent()) : "";
            std::cout << at->get_formatter()->make_help(
                at, parent.empty() ? at->get_name() : parent + " " + at->get_name(), CLI::AppFormatMode::Normal);
            return exit_code::ok;
        },
        /*reports=*/false);
    help->add_option("command", *words, "a command and its subcommand, e.g. key verify");
}

int run(int argc, char** argv)
{
    CLI::App app{"apiauth: HTTP and API authentication, explained (the command-line tool of the apiauth library)",
                 "apiauth"};
    apiauth_cli::context ctx;
    app.formatter(apiauth_cli::make_help_formatter());
    app.require_subcommand(1);

    // One line per command group; a new group is one more line here.
    apiauth_cli::add_explain_commands(app, ctx);
    apiauth_cli::add_challenge_commands(app, ctx);
    apiauth_cli::add_jwk_commands(app, ctx);
    apiauth_cli::add_jwt_commands(app, ctx);
    apiauth_cli::add_key_commands(app, ctx);
    apiauth_cli::add_secret_commands(app, ctx);
    apiauth_cli::add_token_commands(app, ctx);
    apiauth_cli::add_authenticate_commands(app, ctx);
    apiauth_cli::add_id_site_commands(app, ctx);
    apiauth_cli::add_oidc_commands(app, ctx);
    add_help_command(app, ctx);
    app.footer(std::string(exit_codes_footer));
    app.set_version_flag("--version", "apiauth " + std::string(apiauth::version()));

    if (argc < 2) {
        std::cerr << app.help();
        return static_cast<int>(exit_code::usage);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return static_cast<int>(exit_code::ok);
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << '\n';
        return static_cast<int>(exit_code::ok);
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return static_cast<int>(exit_code::ok);
    } catch (const CLI::RequiredError& e) {
        // "A subcommand is required" after a word CLI11 did not know: say which word.
        const CLI::App& at = selected(app);
        const std::vector<std::string> extra = at.remaining();
        if (!extra.empty() && !at.get_subcommands([](const CLI::App*) { return true; }).empty())
            return static_cast<int>(
                usage(at, (extra.front().starts_with("-") ? "unknown option " : "unknown command ") + extra.front()));
        return static_cast<int>(usage(at, e.what()));
    } catch (const CLI::ParseError& e) {
        return static_cast<int>(usage(selected(app), e.what()));
    } catch (const apiauth_cli::usage_error& e) {
        return static_cast<int>(usage(selected(app), e.what()));
    }
    return static_cast<int>(ctx.status);
}

}  // namespace main_cmd

int main(int argc, char** argv)
{
    using namespace main_cmd;
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "apiauth: internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "apiauth: internal error\n";
    }
    return static_cast<int>(exit_code::internal);
}
