// apiauth — the command-line face of the apiauth library.
//
//   apiauth explain authorization '<field value>' [--basic-raw] [--latin1]
//   apiauth explain www-authenticate '<value>' ['<value>' ...]
//   apiauth challenge basic --realm R [--no-charset]
//   apiauth challenge bearer [--realm R] [--error E] [--description D] [--uri U] [--scope S]
//   apiauth help [command]
//
// Every subcommand is one row of the `commands` table at the end of this file: the words that
// name it, a one-line summary, its usage text, the options it takes, how many operands, and
// the function that runs it. The dispatcher parses the options; a subcommand only reads them.
// To add one, write `int run_x(const command&, const parsed_args&)` and add a row.
//
// Output is for people: aligned "label  value" lines on stdout. What `explain` finds wrong
// with its input is the answer, so it goes to stdout too; usage errors go to stderr.
// Passwords and client secrets are never printed, only their length.
//
// Exit status: 0 accepted (or written), 1 rejected, 2 usage error, 3 internal error.

#include <apiauth/apiauth.hpp>

#include <cstddef>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace http = apiauth::http;

enum exit_status : int { exit_ok = 0, exit_rejected = 1, exit_usage = 2, exit_internal = 3 };

// The realm of every challenge `explain` proposes.
constexpr std::string_view example_realm = "example";

// ---- command table and argument parsing ------------------------------------------------------

struct option_spec {
    std::string_view name;  // "--realm"
    bool takes_value;       // "--realm R" / "--realm=R", or a flag
};

/// The arguments of one subcommand, checked against its option_specs and operand counts.
struct parsed_args {
    std::vector<std::string_view> operands;
    std::vector<std::pair<std::string_view, std::string_view>> options;  // name, value ("" for flags)

    bool flag(std::string_view name) const { return value(name).has_value(); }

    std::optional<std::string_view> value(std::string_view name) const
    {
        for (const auto& [n, v] : options)
            if (n == name) return v;
        return std::nullopt;
    }
};

struct command;
using command_fn = int (*)(const command&, const parsed_args&);

constexpr std::size_t any_number = std::numeric_limits<std::size_t>::max();

struct command {
    std::string_view path;     // the words after `apiauth`: "explain authorization"
    std::string_view summary;  // one line for `apiauth help`
    std::string_view usage;    // printed by --help and after a usage error
    std::span<const option_spec> options;
    std::size_t min_operands;
    std::size_t max_operands;
    command_fn run;
};

std::span<const command> all_commands() noexcept;

/// The problem, the command's "usage:" line, and where to read more.
int usage_error(const command& cmd, std::string_view message)
{
    std::cerr << "apiauth " << cmd.path << ": " << message << '\n'
              << cmd.usage.substr(0, cmd.usage.find('\n') + 1) << "(see: apiauth " << cmd.path << " --help)\n";
    return exit_usage;
}

// Options may come before, between or after operands; "--" ends them (for an operand that
// begins with '-'). Returns an empty string, or what is wrong.
std::string parse_args(const command& cmd, std::span<const std::string_view> args, parsed_args& out)
{
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (options_done || a.size() < 2 || a[0] != '-') {
            out.operands.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        std::string_view name = a;
        std::optional<std::string_view> inline_value;
        if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
            name = a.substr(0, eq);
            inline_value = a.substr(eq + 1);
        }
        const option_spec* spec = nullptr;
        for (const option_spec& s : cmd.options)
            if (s.name == name) spec = &s;
        if (spec == nullptr) return "unknown option " + std::string(name);
        if (out.flag(spec->name)) return std::string(name) + " is given more than once";
        std::string_view value;
        if (spec->takes_value) {
            if (inline_value)
                value = *inline_value;
            else if (i + 1 < args.size())
                value = args[++i];
            else
                return std::string(name) + " needs a value";
        } else if (inline_value) {
            return std::string(name) + " takes no value";
        }
        out.options.emplace_back(spec->name, value);
    }
    if (out.operands.size() < cmd.min_operands) return "missing operand";
    if (out.operands.size() > cmd.max_operands) return "too many operands";
    return {};
}

bool wants_help(std::span<const std::string_view> args)
{
    for (const std::string_view a : args) {
        if (a == "--") return false;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

// The number of words of `path` that `args` begins with, if it begins with all of them; else 0.
std::size_t match_path(std::string_view path, std::span<const std::string_view> args)
{
    std::size_t n = 0;
    while (!path.empty()) {
        const std::size_t sp = path.find(' ');
        const std::string_view word = path.substr(0, sp);
        if (n == args.size() || args[n] != word) return 0;
        ++n;
        path = sp == std::string_view::npos ? std::string_view() : path.substr(sp + 1);
    }
    return n;
}

std::string_view first_word(std::string_view path)
{
    return path.substr(0, path.find(' '));
}

void print_command_list(std::ostream& out, std::string_view group = {})
{
    for (const command& c : all_commands()) {
        if (!group.empty() && first_word(c.path) != group) continue;
        out << "  " << c.path << std::string(c.path.size() < 26 ? 26 - c.path.size() : 2, ' ') << c.summary << '\n';
    }
}

void print_overview(std::ostream& out)
{
    out << "apiauth: HTTP and API authentication, explained (the command-line tool of the apiauth library)\n"
           "\n"
           "usage: apiauth <command> [arguments]\n"
           "       apiauth help <command>      or      apiauth <command> --help\n"
           "\n"
           "commands:\n";
    print_command_list(out);
    out << "\n"
           "exit status: 0 accepted (or written), 1 rejected, 2 usage error\n";
}

bool is_group(std::string_view word)
{
    for (const command& c : all_commands())
        if (c.path != word && first_word(c.path) == word) return true;
    return false;
}

int dispatch(std::span<const std::string_view> args)
{
    if (args.empty()) {
        print_overview(std::cerr);
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h") {
        print_overview(std::cout);
        return exit_ok;
    }
    const command* cmd = nullptr;
    std::size_t words = 0;
    for (const command& c : all_commands()) {
        if (const std::size_t n = match_path(c.path, args); n > words) {
            cmd = &c;
            words = n;
        }
    }
    if (cmd == nullptr) {
        if (is_group(args[0])) {
            const bool help = wants_help(args.subspan(1));
            std::ostream& out = help ? std::cout : std::cerr;
            if (!help)
                out << "apiauth " << args[0] << ": "
                    << (args.size() > 1 ? "unknown subcommand '" + std::string(args[1]) + "'"
                                        : "a subcommand is needed")
                    << "\n\n";
            out << "usage: apiauth " << args[0] << " <subcommand> [arguments]\n\nsubcommands:\n";
            print_command_list(out, args[0]);
            return help ? exit_ok : exit_usage;
        }
        std::cerr << "apiauth: unknown command '" << args[0] << "'\n\n";
        print_overview(std::cerr);
        return exit_usage;
    }
    const auto rest = args.subspan(words);
    if (wants_help(rest)) {
        std::cout << cmd->usage;
        return exit_ok;
    }
    parsed_args parsed;
    if (const std::string problem = parse_args(*cmd, rest, parsed); !problem.empty()) return usage_error(*cmd, problem);
    return cmd->run(*cmd, parsed);
}

// ---- output helpers --------------------------------------------------------------------------

constexpr std::size_t label_width = 18;

/// One aligned "label  value" line.
void row(std::string_view label, std::string_view value, std::size_t indent = 0)
{
    const std::size_t used = indent + label.size();
    std::cout << std::string(indent, ' ') << label << std::string(used < label_width ? label_width - used : 2, ' ')
              << value << '\n';
}

void heading(std::string_view title)
{
    std::cout << '\n' << title << '\n';
}

std::string octets(std::size_t n)
{
    return std::to_string(n) + (n == 1 ? " octet" : " octets");
}

/// `s` with control characters (and, unless `keep_non_ascii`, octets above 0x7E) escaped,
/// so that nothing read from the input can move the cursor or break the terminal.
std::string printable(std::string_view s, bool keep_non_ascii = false)
{
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

/// `s` between double quotes, '"' and '\' escaped as quoted-pairs.
std::string quoted(std::string_view s, bool keep_non_ascii = false)
{
    std::string out = "\"";
    for (const char ch : printable(s, keep_non_ascii)) {
        if (ch == '"') out += '\\';
        out += ch;
    }
    return out + '"';
}

/// The first 12 characters of a token, then "…" if there is more.
std::string preview(std::string_view token)
{
    constexpr std::size_t shown = 12;
    return token.size() <= shown ? printable(token) : printable(token.substr(0, shown)) + "…";
}

std::string_view encoding_name(http::text_encoding e)
{
    switch (e) {
    case http::text_encoding::unchecked: return "unchecked";
    case http::text_encoding::utf8: return "UTF-8";
    case http::text_encoding::latin1: return "ISO-8859-1";
    }
    return "?";
}

/// Octets of a user-id or client_id as UTF-8 for the terminal.
std::string as_text(std::string_view s, http::text_encoding e)
{
    return e == http::text_encoding::latin1 ? http::latin1_to_utf8(s) : std::string(s);
}

std::string_view reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "";
    }
}

std::string describe_error(std::error_code ec)
{
    const std::string_view name = apiauth::error_name(ec);
    return name.empty() ? std::string(ec.category().name()) + ":" + std::to_string(ec.value()) : std::string(name);
}

// ---- explain ---------------------------------------------------------------------------------

enum class scheme_kind { basic, bearer, other };

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + ('a' - 'A')) : a[i];
        const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + ('a' - 'A')) : b[i];
        if (x != y) return false;
    }
    return true;
}

scheme_kind kind_of(std::string_view scheme)
{
    if (iequals(scheme, "Basic")) return scheme_kind::basic;
    if (iequals(scheme, "Bearer")) return scheme_kind::bearer;
    return scheme_kind::other;
}

/// The scheme a value that did not parse seems to use: its first word, up to SP, HTAB,
/// a control character or a comma. Picks the challenge to answer with.
std::string_view leading_word(std::string_view v)
{
    std::size_t b = 0;
    while (b < v.size() && (v[b] == ' ' || v[b] == '\t')) ++b;
    std::size_t e = b;
    while (e < v.size() && static_cast<unsigned char>(v[e]) > 0x20 && v[e] != 0x7F && v[e] != ',') ++e;
    return v.substr(b, e - b);
}

/// The offset of the first CTL other than HTAB (RFC 9110 §5.5 forbids them in field values), or npos.
std::size_t first_control(std::string_view v)
{
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto u = static_cast<unsigned char>(v[i]);
        if ((u < 0x20 && u != '\t') || u == 0x7F) return i;
    }
    return std::string_view::npos;
}

/// The WWW-Authenticate field lines a server accepting Basic and Bearer sends with the error:
/// the challenge of the scheme the client tried, or both when it tried another one.
std::vector<std::string> challenges_for(std::error_code ec, scheme_kind kind)
{
    std::vector<std::string> lines;
    const auto add = [&](const apiauth::result<std::string>& h) {
        lines.push_back(h ? *h : "(cannot be written: " + describe_error(h.error()) + ")");
    };
    if (kind != scheme_kind::bearer) add(http::write_basic_challenge(example_realm));
    if (kind != scheme_kind::basic) add(http::bearer_challenge_for(ec, example_realm));
    return lines;
}

/// The verdict block for an error: its name, message, HTTP status, OAuth error and, when
/// `kind` is given, the challenges to send.
int report_rejection(std::error_code ec, std::optional<scheme_kind> kind)
{
    std::cout << '\n';
    row("verdict", "rejected");
    row("error", describe_error(ec));
    row("message", ec.message());
    const int status = apiauth::http_status(ec);
    row("http status", std::to_string(status) + " " + std::string(reason_phrase(status)));
    const std::string_view oauth = apiauth::oauth_error(ec);
    row("oauth error", oauth.empty() ? "(none: the answer carries no error code)" : oauth);
    if (kind)
        for (const std::string& line : challenges_for(ec, *kind)) row("WWW-Authenticate", line);
    return exit_rejected;
}

int report_acceptance()
{
    std::cout << '\n';
    row("verdict", "accepted");
    return exit_ok;
}

/// One line per auth-param: name, token or quoted-string, and the unescaped value.
void print_params(const http::auth_params_view& params, std::size_t indent)
{
    for (const http::auth_param& p : params) {
        std::string kind = p.value.is_quoted() ? "quoted-string" : "token";
        kind.resize(15, ' ');
        const std::string value = p.value.str();
        std::string shown = value.empty() ? "(empty)" : printable(value);
        if (p.value.has_escapes()) shown += "   (quoted-pairs removed)";
        row(printable(p.name), kind + shown, indent);
    }
}

/// What follows the scheme: a token68 (never shown for Basic: it is the password), auth-params, or nothing.
void print_credentials_form(const http::credentials_view& c, scheme_kind kind, std::size_t indent)
{
    if (!c.token68.empty()) {
        if (kind == scheme_kind::basic)
            row("form", "token68, " + octets(c.token68.size()) + " (base64 of user-id:password, not shown)", indent);
        else if (kind == scheme_kind::bearer)
            row("form", "token68, " + octets(c.token68.size()), indent);
        else
            row("form", "token68, " + octets(c.token68.size()) + ": " + preview(c.token68), indent);
    } else if (!c.params.empty()) {
        row("form", std::to_string(c.params.size()) + (c.params.size() == 1 ? " auth-param" : " auth-params"), indent);
        print_params(c.params, indent + 2);
    } else {
        row("form", "nothing after the scheme", indent);
    }
}

struct explain_options {
    http::basic_options basic{};
    bool oauth_raw = false;
};

/// Basic (RFC 7617) credentials, then the same token68 read as OAuth client credentials
/// (RFC 6749 §2.3.1). Only the Basic reading decides the verdict.
std::error_code explain_basic(const http::credentials_view& c, const explain_options& opt)
{
    if (c.token68.empty()) return apiauth::errc::basic_missing_token;  // as extract_basic decides
    auto basic = http::decode_basic(c.token68, opt.basic);
    if (!basic) return basic.error();
    const std::string_view enc = encoding_name(basic->encoding());

    heading("Basic credentials (RFC 7617)");
    row("user-id",
        quoted(as_text(basic->user_id(), basic->encoding()), true) + " (" + octets(basic->user_id().size()) + ", " +
            std::string(enc) + ")",
        2);
    row("password", "(" + octets(basic->password().size()) + ", " + std::string(enc) + ")", 2);

    heading(opt.oauth_raw ? "Read as OAuth client credentials (RFC 6749 §2.3.1; --basic-raw: not form-decoded)"
                          : "Read as OAuth client credentials (RFC 6749 §2.3.1: each half form-decoded)");
    auto client = http::decode_oauth_client_basic(c.token68, {.basic = opt.basic, .raw = opt.oauth_raw});
    if (!client) {
        row("refused", describe_error(client.error()) + ": " + client.error().message(), 2);
        return {};
    }
    row("client_id",
        quoted(as_text(client->user_id(), client->encoding()), true) + " (" + octets(client->user_id().size()) + ")",
        2);
    row("client_secret", "(" + octets(client->password().size()) + ")", 2);
    return {};
}

/// Bearer (RFC 6750 §2.1) credentials, checked by extract_bearer as a resource server would.
std::error_code explain_bearer(std::string_view field_value)
{
    const std::string_view lines[] = {field_value};
    const apiauth::request_view req{
        .method = "GET", .target = "/", .authorization = lines, .content_type = {}, .body = {}};
    auto token = http::extract_bearer(req);
    if (!token) return token.error();
    const std::string_view t = token->value();

    heading("Bearer token (RFC 6750 §2.1)");
    row("token", preview(t), 2);
    row("length", octets(t.size()), 2);
    std::size_t dots = 0;
    for (const char ch : t) dots += ch == '.' ? 1 : 0;
    if (dots == 2) row("shape", "3 dot-separated parts: a JWS, as JWTs are (signature not checked here)", 2);
    if (dots == 4) row("shape", "5 dot-separated parts: a JWE (not decrypted here)", 2);
    return {};
}

int run_explain_authorization(const command&, const parsed_args& args)
{
    const std::string_view value = args.operands.front();
    explain_options opt;
    opt.oauth_raw = args.flag("--basic-raw");
    if (args.flag("--latin1")) opt.basic.charset = http::charset_policy::utf8_or_latin1;

    row("field value", octets(value.size()));
    const auto creds = http::parse_credentials(value);
    if (!creds) {
        const std::string_view word = leading_word(value);
        if (!word.empty()) row("scheme", printable(word) + " (as far as the value can be read)");
        if (const std::size_t at = first_control(value); at != std::string_view::npos)
            row("control char", printable(value.substr(at, 1)) + " at offset " + std::to_string(at));
        return report_rejection(creds.error(), kind_of(word));
    }

    const scheme_kind kind = kind_of(creds->scheme);
    static constexpr std::string_view scheme_notes[] = {" (RFC 7617)", " (RFC 6750)", " (not accepted here)"};
    row("scheme", printable(creds->scheme) + std::string(scheme_notes[static_cast<int>(kind)]));
    print_credentials_form(*creds, kind, 0);

    std::error_code ec;
    switch (kind) {
    case scheme_kind::basic: ec = explain_basic(*creds, opt); break;
    case scheme_kind::bearer: ec = explain_bearer(value); break;
    case scheme_kind::other: ec = apiauth::errc::unsupported_scheme; break;
    }
    return ec ? report_rejection(ec, kind) : report_acceptance();
}

int run_explain_www_authenticate(const command&, const parsed_args& args)
{
    const std::span<const std::string_view> lines = args.operands;
    for (std::size_t i = 0; i < lines.size(); ++i)
        row(lines.size() == 1 ? "field line" : "field line " + std::to_string(i + 1), printable(lines[i]));
    const auto challenges = http::parse_challenges(lines);
    if (!challenges) return report_rejection(challenges.error(), std::nullopt);

    for (std::size_t i = 0; i < challenges->size(); ++i) {
        const http::challenge_view& c = (*challenges)[i];
        heading("challenge " + std::to_string(i + 1) + ": " + printable(c.scheme));
        print_credentials_form(c, scheme_kind::other, 2);
    }
    std::cout << '\n';
    row("challenges", std::to_string(challenges->size()));
    return report_acceptance();
}

// ---- challenge -------------------------------------------------------------------------------

int print_written(const command& cmd, const apiauth::result<std::string>& header)
{
    if (header) {
        std::cout << *header << '\n';
        return exit_ok;
    }
    std::cerr << "apiauth " << cmd.path << ": refused: " << describe_error(header.error()) << ": "
              << header.error().message() << '\n';
    return exit_rejected;
}

int run_challenge_basic(const command& cmd, const parsed_args& args)
{
    const auto realm = args.value("--realm");
    if (!realm) return usage_error(cmd, "--realm is required (RFC 7617 §2)");
    return print_written(cmd, http::write_basic_challenge(*realm, !args.flag("--no-charset")));
}

int run_challenge_bearer(const command& cmd, const parsed_args& args)
{
    const http::bearer_challenge c{.realm = args.value("--realm").value_or(""),
                                   .error = args.value("--error").value_or(""),
                                   .error_description = args.value("--description").value_or(""),
                                   .error_uri = args.value("--uri").value_or(""),
                                   .scope = args.value("--scope").value_or("")};
    return print_written(cmd, http::write_bearer_challenge(c));
}

// ---- help ------------------------------------------------------------------------------------

int run_help(const command& self, const parsed_args& args)
{
    if (args.operands.empty()) {
        print_overview(std::cout);
        return exit_ok;
    }
    for (const command& c : all_commands()) {
        if (match_path(c.path, args.operands) == args.operands.size()) {
            std::cout << c.usage;
            return exit_ok;
        }
    }
    if (args.operands.size() == 1 && is_group(args.operands.front())) {
        std::cout << "usage: apiauth " << args.operands.front() << " <subcommand> [arguments]\n\nsubcommands:\n";
        print_command_list(std::cout, args.operands.front());
        return exit_ok;
    }
    return usage_error(self, "no such command");
}

// ---- the table -------------------------------------------------------------------------------

constexpr std::string_view explain_authorization_usage =
    R"(usage: apiauth explain authorization '<field value>' [--basic-raw] [--latin1]

Parse an Authorization field value (RFC 9110 §11.4) as a server that accepts Basic and
Bearer would, say what it carries, and, if it is refused, what the server answers: the
error, the HTTP status, the OAuth error and the WWW-Authenticate challenge to send.
Basic credentials are also read as OAuth client credentials (RFC 6749 §2.3.1).
Passwords and client secrets are never printed, only their length.

options:
  --basic-raw   read the OAuth client credentials as sent, without form-decoding
                (for clients that do not form-encode client_id and client_secret)
  --latin1      accept a user-id or password that is not UTF-8 as ISO-8859-1
                (RFC 7617 §2.1; the default requires UTF-8)

exit status: 0 accepted, 1 rejected, 2 usage error

example:
  apiauth explain authorization 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='
)";

constexpr std::string_view explain_www_authenticate_usage =
    R"(usage: apiauth explain www-authenticate '<field value>' ['<field value>' ...]

Parse the WWW-Authenticate field lines of a response (RFC 9110 §11.6.1), combined in
order, and list each challenge with its token68 or auth-params (values unescaped).

exit status: 0 well-formed, 1 rejected, 2 usage error

example:
  apiauth explain www-authenticate 'Basic realm="simple", Newauth realm="apps", type=1'
)";

constexpr std::string_view challenge_basic_usage =
    R"(usage: apiauth challenge basic --realm R [--no-charset]

Write the WWW-Authenticate value for Basic (RFC 7617 §2): realm="R", and
charset="UTF-8" unless --no-charset. An empty realm is allowed; a realm with a
control character or a non-ASCII octet is refused.

exit status: 0 written, 1 refused, 2 usage error
)";

constexpr std::string_view challenge_bearer_usage =
    R"(usage: apiauth challenge bearer [--realm R] [--error E] [--description D] [--uri U] [--scope S]

Write the WWW-Authenticate value for Bearer (RFC 6750 §3). error, error_uri and
scope must use the characters RFC 6750 allows (they are refused otherwise); the
description is human text, and characters it may not hold are replaced. At least
one parameter is needed.

exit status: 0 written, 1 refused, 2 usage error

example:
  apiauth challenge bearer --realm example --error invalid_token --description 'The token expired'
)";

constexpr std::string_view help_usage =
    R"(usage: apiauth help [command]

List the commands, or show the usage of one.
)";

constexpr option_spec explain_authorization_options[] = {{"--basic-raw", false}, {"--latin1", false}};
constexpr option_spec challenge_basic_options[] = {{"--realm", true}, {"--no-charset", false}};
constexpr option_spec challenge_bearer_options[] = {
    {"--realm", true}, {"--error", true}, {"--description", true}, {"--uri", true}, {"--scope", true},
};

constexpr command commands[] = {
    {"explain authorization", "what an Authorization value is, and what a server answers", explain_authorization_usage,
     explain_authorization_options, 1, 1, run_explain_authorization},
    {"explain www-authenticate",
     "the challenges in WWW-Authenticate field lines",
     explain_www_authenticate_usage,
     {},
     1,
     any_number,
     run_explain_www_authenticate},
    {"challenge basic", "write a Basic challenge", challenge_basic_usage, challenge_basic_options, 0, 0,
     run_challenge_basic},
    {"challenge bearer", "write a Bearer challenge", challenge_bearer_usage, challenge_bearer_options, 0, 0,
     run_challenge_bearer},
    {"help", "list the commands, or show one command's usage", help_usage, {}, 0, any_number, run_help},
};

std::span<const command> all_commands() noexcept
{
    return commands;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        const std::vector<std::string_view> args(argv + 1, argv + argc);
        return dispatch(args);
    } catch (const std::exception& e) {
        std::cerr << "apiauth: internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "apiauth: internal error\n";
    }
    return exit_internal;
}
