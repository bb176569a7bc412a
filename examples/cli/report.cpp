// report.cpp — the parts of cli.hpp every command group uses: registering commands, reading
// files, escaping text for the terminal, and the report with its verdict blocks.

#include "cli.hpp"

#include <apiauth/crypto/compare.hpp>
#include <apiauth/http/challenge.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

namespace apiauth_cli {

namespace report_cmd {

// The realm of every challenge a verdict proposes.
constexpr std::string_view example_realm = "example";

constexpr std::size_t label_width = 18;

/// The first line of a description: the summary a list of commands shows.
std::string summary_of(const CLI::App& app)
{
    const std::string& d = app.get_description();
    return d.substr(0, d.find('\n'));
}

class help_formatter : public CLI::Formatter {
public:
    std::string make_description(const CLI::App* app) const override
    {
        const std::string d = CLI::Formatter::make_description(app);
        return d.empty() ? d : d + '\n';
    }
    std::string make_subcommand(const CLI::App* sub) const override
    {
        std::stringstream out;
        CLI::detail::format_help(out, sub->get_display_name(true), summary_of(*sub), get_column_width());
        const CLI::App* parent = sub->get_parent();
        if (parent != nullptr && parent->get_parent() == nullptr)
            for (const CLI::App* s : sub->get_subcommands([](const CLI::App*) { return true; }))
                CLI::detail::format_help(out, "  " + s->get_name(), summary_of(*s), get_column_width());
        return out.str();
    }
};

}  // namespace report_cmd

std::string_view reason_phrase(int status)
{
    using namespace report_cmd;
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "";
    }
}

std::shared_ptr<CLI::Formatter> make_help_formatter()
{
    using namespace report_cmd;
    return std::make_shared<help_formatter>();
}

CLI::App* add_command(CLI::App& parent, context& ctx, std::string name, std::string_view summary,
                      std::string_view details, std::string footer, std::function<exit_code()> run, bool reports)
{
    std::string description(summary);
    if (!details.empty()) description.append("\n\n").append(details);
    CLI::App* cmd = parent.add_subcommand(std::move(name), std::move(description));
    cmd->footer(std::move(footer));
    if (reports) cmd->add_flag("--json", ctx.json, "print one JSON object on stdout instead of text");
    cmd->callback([&ctx, run = std::move(run)] { ctx.status = run(); });
    return cmd;
}

CLI::App* add_group(CLI::App& parent, std::string name, std::string description)
{
    using namespace report_cmd;
    CLI::App* group = parent.add_subcommand(std::move(name), std::move(description));
    group->require_subcommand(1);
    group->footer("Run 'apiauth " + group->get_name() + " <subcommand> --help' for one subcommand's options.");
    return group;
}

std::string command_path(const CLI::App& app)
{
    using namespace report_cmd;
    std::string path = app.get_name();
    for (const CLI::App* p = app.get_parent(); p != nullptr; p = p->get_parent()) path = p->get_name() + " " + path;
    return path;
}

std::optional<std::string> read_file(std::string_view path)
{
    using namespace report_cmd;
    std::ifstream in{std::string(path), std::ios::binary};
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    return text;
}

std::string read_stdin(std::string_view what, std::size_t max)
{
    using namespace report_cmd;
    std::string text;
    char buf[16384];
    for (;;) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
        text.append(buf, n);
        if (text.size() > max) {
            apiauth::crypto::wipe(text);  // it may hold credentials
            throw usage_error(std::string(what) + " on stdin is longer than " + octets(max));
        }
        if (n < sizeof buf) break;
    }
    if (std::ferror(stdin) != 0) throw std::runtime_error("cannot read stdin");
    return text;
}

// ---- text ---------------------------------------------------------------------------------------

std::string printable(std::string_view s, bool keep_non_ascii)
{
    using namespace report_cmd;
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '\r')
            out += "\\r";
        else if (ch == '\n')
            out += "\\n";
        else if (ch == '\t')
            out += "\\t";
        else if (u < 0x20 || u == 0x7F || (u > 0x7F && !keep_non_ascii))
            out.append("\\x").append(1, hex[u >> 4]).append(1, hex[u & 0x0F]);
        else
            out += ch;
    }
    return out;
}

std::string quoted(std::string_view s, bool keep_non_ascii)
{
    using namespace report_cmd;
    std::string out = "\"";
    for (const char ch : printable(s, keep_non_ascii)) {
        if (ch == '"') out += '\\';
        out += ch;
    }
    return out + '"';
}

std::string preview(std::string_view token)
{
    using namespace report_cmd;
    constexpr std::size_t shown = 12;
    return token.size() <= shown ? printable(token) : printable(token.substr(0, shown)) + "…";
}

std::string octets(std::size_t n)
{
    using namespace report_cmd;
    return std::to_string(n) + (n == 1 ? " octet" : " octets");
}

std::string describe_error(std::error_code ec)
{
    using namespace report_cmd;
    const std::string_view name = apiauth::error_name(ec);
    return name.empty() ? std::string(ec.category().name()) + ":" + std::to_string(ec.value()) : std::string(name);
}

// ---- reports ------------------------------------------------------------------------------------

report::report(const context& ctx, std::string command) : json_(ctx.json), command_(std::move(command)) {}

void report::row(std::string_view label, std::string_view value, std::size_t indent) const
{
    using namespace report_cmd;
    if (json_) return;
    const std::size_t used = indent + label.size();
    std::cout << std::string(indent, ' ') << label << std::string(used < label_width ? label_width - used : 2, ' ')
              << value << '\n';
}

void report::heading(std::string_view title) const
{
    using namespace report_cmd;
    if (!json_) std::cout << '\n' << title << '\n';
}

void report::line(std::string_view text) const
{
    using namespace report_cmd;
    if (!json_) std::cout << text << '\n';
}

exit_code report::finish(exit_code code)
{
    using namespace report_cmd;
    if (json_) {
        // "command" and "verdict" first, for people reading it; the rest in name order.
        nlohmann::ordered_json out = {{"command", command_},
                                      {"verdict", code == exit_code::ok ? "accepted" : "rejected"}};
        for (const auto& [name, value] : doc_.items()) out[name] = value;
        // Input is echoed in places (a scheme, a user-id): invalid UTF-8 becomes U+FFFD.
        std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    return code;
}

exit_code report::refuse(std::string_view what, std::error_code ec)
{
    using namespace report_cmd;
    if (!json_)
        std::cerr << "apiauth " << command_ << ": " << what << ": " << describe_error(ec) << ": " << ec.message()
                  << '\n';
    doc_["error"] = error_json(ec);
    return finish(exit_code::rejected);
}

nlohmann::json error_json(std::error_code ec)
{
    using namespace report_cmd;
    return {{"name", describe_error(ec)}, {"message", ec.message()}};
}

exit_code report_rejection(report& r, std::error_code ec, scheme_kind kind, std::string_view scope)
{
    using namespace report_cmd;
    const int status = apiauth::http_status(ec);
    const std::string_view oauth = apiauth::oauth_error(ec);
    std::vector<std::string> challenges;
    const auto add = [&](const apiauth::result<std::string>& h) {
        challenges.push_back(h ? *h : "(cannot be written: " + describe_error(h.error()) + ")");
    };
    if (kind == scheme_kind::basic || kind == scheme_kind::other)
        add(apiauth::http::write_basic_challenge(example_realm));
    if (kind == scheme_kind::bearer || kind == scheme_kind::other)
        add(apiauth::http::bearer_challenge_for(ec, example_realm, scope));

    r.line("");
    r.row("verdict", "rejected");
    r.row("error", describe_error(ec));
    r.row("message", ec.message());
    r.row("http status", std::to_string(status) + " " + std::string(reason_phrase(status)));
    r.row("oauth error", oauth.empty() ? "(none: the answer carries no error code)" : oauth);
    for (const std::string& c : challenges) r.row("WWW-Authenticate", c);

    nlohmann::json error = error_json(ec);
    error["http_status"] = status;
    error["oauth_error"] = oauth.empty() ? nlohmann::json() : nlohmann::json(oauth);
    r["error"] = std::move(error);
    if (kind != scheme_kind::none) r["www_authenticate"] = challenges;
    return r.finish(exit_code::rejected);
}

exit_code report_acceptance(report& r)
{
    using namespace report_cmd;
    r.line("");
    r.row("verdict", "accepted");
    return r.finish(exit_code::ok);
}

}  // namespace apiauth_cli
