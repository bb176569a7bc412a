// apiauth — the command-line face of the apiauth library.
//
//   apiauth explain authorization '<field value>' [--basic-raw] [--latin1]
//   apiauth explain www-authenticate '<value>' ['<value>' ...]
//   apiauth challenge basic --realm R [--no-charset]
//   apiauth challenge bearer [--realm R] [--error E] [--description D] [--uri U] [--scope S]
//   apiauth jwk generate --alg ALG [--kid K]
//   apiauth jwk public <private-jwk-file>
//   apiauth jwt sign --key <jwk-file> [--typ T] [--lifetime SECONDS] [--claims JSON]
//   apiauth jwt verify <token> --keys <jwk-or-jwks-file> [--iss X] [--aud Y] [--typ T] [--leeway S] [--require a,b]
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

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <ctime>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
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
namespace jose = apiauth::jose;
namespace jwt = apiauth::jose::jwt;

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
    // The `key` commands parse their own arguments (examples/cli_key.cpp).
    out << "  key generate | verify | basic | import-stormpath\n"
           "                              API keys: generate, verify, the Basic form, Stormpath import\n"
           "                              (apiauth key --help)\n";
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

// ---- jwk and jwt -----------------------------------------------------------------------------

/// The whole of a file, or nothing if it cannot be read.
std::optional<std::string> read_file(std::string_view path)
{
    std::ifstream in{std::string(path), std::ios::binary};
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    return text;
}

/// A whole number of seconds in [min, max], or nothing.
std::optional<long long> parse_seconds(std::string_view s, long long min, long long max)
{
    long long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
    return v;
}

/// "HS256, HS384, …, EdDSA".
std::string algorithm_list()
{
    using enum jose::algorithm;
    std::string out;
    for (const jose::algorithm a :
         {hs256, hs384, hs512, rs256, rs384, rs512, ps256, ps384, ps512, es256, es384, es512, es256k, eddsa})
        out.append(out.empty() ? "" : ", ").append(jose::name(a));
    return out;
}

/// A refusal by the library, on stderr: exit status 1.
int refused(const command& cmd, std::string_view what, std::error_code ec)
{
    std::cerr << "apiauth " << cmd.path << ": " << what << ": " << describe_error(ec) << ": " << ec.message() << '\n';
    return exit_rejected;
}

int run_jwk_generate(const command& cmd, const parsed_args& args)
{
    const auto alg_name = args.value("--alg");
    if (!alg_name) return usage_error(cmd, "--alg is required (one of " + algorithm_list() + ")");
    const auto alg = jose::parse_algorithm(*alg_name);
    if (!alg)
        return usage_error(cmd, "unknown algorithm '" + printable(*alg_name) +
                                    "' (names are case-sensitive: " + algorithm_list() + "; there is no 'none')");
    const auto k = jose::key::generate(*alg, args.value("--kid").value_or(""));
    if (!k) return refused(cmd, "cannot generate the key", k.error());
    const auto secret = k->to_jwk(true);
    if (!secret) return refused(cmd, "cannot export the key", secret.error());

    const bool hmac = jose::family(*alg) == jose::key_family::hmac;
    std::cerr << "apiauth " << cmd.path << ": the " << (hmac ? "secret" : "private")
              << " JWK below must stay secret: store it like a password, never publish it\n";
    std::cout << (hmac ? "secret JWK (kty oct: signs and verifies; there is no public form)" : "private JWK") << ":\n"
              << secret->dump() << '\n';
    if (hmac) return exit_ok;
    const auto pub = k->to_jwk(false);
    if (!pub) return refused(cmd, "cannot export the public key", pub.error());
    std::cout << "\npublic JWK:\n"
              << pub->dump() << "\n\npublic JWKS:\n"
              << nlohmann::json{{"keys", nlohmann::json::array({*pub})}}.dump() << '\n';
    return exit_ok;
}

int run_jwk_public(const command& cmd, const parsed_args& args)
{
    const std::string_view path = args.operands.front();
    const auto text = read_file(path);
    if (!text) return usage_error(cmd, "cannot read " + printable(path));
    const auto k = jose::key::from_jwk(*text, {.allow_private = true});
    if (!k) return refused(cmd, "not a usable JWK", k.error());
    const auto pub = k->to_jwk(false);
    if (!pub) {
        std::cerr << "apiauth " << cmd.path << ": " << name(k->alg())
                  << " is an HMAC key: a shared secret, with no public form to publish\n";
        return exit_rejected;
    }
    std::cout << "public JWK:\n"
              << pub->dump() << "\n\npublic JWKS:\n"
              << nlohmann::json{{"keys", nlohmann::json::array({*pub})}}.dump() << '\n';
    return exit_ok;
}

int run_jwt_sign(const command& cmd, const parsed_args& args)
{
    const auto key_path = args.value("--key");
    if (!key_path) return usage_error(cmd, "--key is required");
    std::chrono::seconds lifetime{0};
    if (const auto l = args.value("--lifetime")) {
        const auto v = parse_seconds(*l, 1, 100LL * 366 * 24 * 3600);
        if (!v) return usage_error(cmd, "--lifetime must be a whole number of seconds, at least 1");
        lifetime = std::chrono::seconds(*v);
    }
    nlohmann::json claims = nlohmann::json::object();
    if (const auto c = args.value("--claims")) {
        claims = nlohmann::json::parse(*c, nullptr, /*allow_exceptions=*/false);
        if (claims.is_discarded() || !claims.is_object()) return usage_error(cmd, "--claims must be a JSON object");
    }
    const auto text = read_file(*key_path);
    if (!text) return usage_error(cmd, "cannot read " + printable(*key_path));
    auto k = jose::key::from_jwk(*text, {.allow_private = true});
    if (!k) return refused(cmd, "not a usable JWK", k.error());
    const auto s = jwt::signer::make(std::move(*k), std::string(args.value("--typ").value_or("JWT")));
    if (!s) return refused(cmd, "cannot sign with this key", s.error());
    const auto token = s->sign(std::move(claims), {.lifetime = lifetime, .set_iat = true, .set_jti = true});
    if (!token) return refused(cmd, "cannot sign", token.error());
    std::cout << *token << '\n';
    return exit_ok;
}

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

/// alg, kid and typ of a JOSE header, as written in the token (when verification failed, unverified).
void print_header(std::string_view token)
{
    heading("header");
    const auto header = apiauth::base64url::decode(token.substr(0, token.find('.')));
    const auto h = header ? nlohmann::json::parse(*header, nullptr, false) : nlohmann::json();
    if (!header || h.is_discarded() || !h.is_object()) {
        row("(cannot be read)", header ? "not a JSON object" : describe_error(header.error()), 2);
        return;
    }
    for (const char* name : {"alg", "kid", "typ"}) {
        const auto it = h.find(name);
        if (it == h.end()) {
            row(name, "(absent)", 2);
        } else {
            row(name,
                it->is_string() ? quoted(std::string_view(it->get_ref<const std::string&>()), true)
                                : printable(it->dump()),
                2);
        }
    }
    for (const char* name : {"crit", "jwk", "jku", "x5u", "x5c"})
        if (h.contains(name)) row(name, "present (" + printable(h.at(name).dump().substr(0, 60), true) + ")", 2);
}

/// The registered claims of a verified token.
void print_claims(const jwt::claims& c, double now)
{
    heading("claims (verified)");
    const auto str = [](std::string_view label, std::optional<std::string_view> v) {
        if (v) row(label, quoted(*v, true), 2);
    };
    const auto date = [&](std::string_view label, std::optional<double> v) {
        if (v) row(label, describe_date(*v, now), 2);
    };
    str("iss", c.iss());
    str("sub", c.sub());
    if (c.has_registered("aud") == true) {
        std::string list;
        for (std::string_view a : c.aud()) list += (list.empty() ? "" : ", ") + quoted(a, true);
        row("aud", list.empty() ? "(empty list)" : list, 2);
    }
    date("exp", c.exp());
    date("nbf", c.nbf());
    date("iat", c.iat());
    str("jti", c.jti());
    str("scope", c.scope());
    str("client_id", c.client_id());
}

/// The registered claims of a token that was refused, read from the payload as it is: signed, but
/// refused by the policy, when `signature_valid`; else what anyone may have written.
void print_unverified_claims(std::string_view token, double now, bool signature_valid)
{
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos) return;
    heading(signature_valid ? "claims (the signature is valid, the claims are refused)"
                            : "claims (NOT verified: as the token states them)");
    const auto payload = apiauth::base64url::decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto j = payload ? nlohmann::json::parse(*payload, nullptr, false) : nlohmann::json();
    if (!payload || j.is_discarded() || !j.is_object()) {
        row("(cannot be read)", payload ? "not a JSON object" : describe_error(payload.error()), 2);
        return;
    }
    std::size_t shown = 0;
    for (const std::string_view name : {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "client_id"}) {
        const auto it = j.find(name);
        if (it == j.end()) continue;
        ++shown;
        const bool date = name == "exp" || name == "nbf" || name == "iat";
        if (date && it->is_number())
            row(name, describe_date(it->get<double>(), now), 2);
        else if (it->is_string())
            row(name, quoted(std::string_view(it->get_ref<const std::string&>()), true), 2);
        else
            row(name, printable(it->dump(), true), 2);
    }
    if (shown == 0) row("(none)", "no registered claim", 2);
}

/// The keys of a file holding one JWK or a JWK Set ({"keys":[…]}).
apiauth::result<jose::key_set> load_verification_keys(std::string_view text)
{
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("keys")) return jose::key_set::from_jwks(text);
    auto k = jose::key::from_jwk(text);
    if (!k) return k.error();
    return jose::key_set(std::move(*k));
}

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

int run_jwt_verify(const command& cmd, const parsed_args& args)
{
    const std::string_view token = args.operands.front();
    const auto keys_path = args.value("--keys");
    if (!keys_path) return usage_error(cmd, "--keys is required (a JWK or a JWK Set file)");
    jwt::policy policy;
    policy.issuer = std::string(args.value("--iss").value_or(""));
    if (const auto aud = args.value("--aud")) policy.audience = std::string(*aud);
    policy.typ = std::string(args.value("--typ").value_or(""));
    if (const auto l = args.value("--leeway")) {
        const auto v = parse_seconds(*l, 0, 24 * 3600);
        if (!v) return usage_error(cmd, "--leeway must be a whole number of seconds from 0 to 86400");
        policy.leeway = std::chrono::seconds(*v);
    }
    if (const auto r = args.value("--require")) policy.require.values = split_list(*r);
    const auto text = read_file(*keys_path);
    if (!text) return usage_error(cmd, "cannot read " + printable(*keys_path));
    auto keys = load_verification_keys(*text);
    if (!keys) {
        std::cerr << "apiauth " << cmd.path << ": cannot use the keys in " << printable(*keys_path) << ": "
                  << describe_error(keys.error()) << ": " << keys.error().message() << '\n';
        return exit_usage;
    }
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

    row("token", octets(token.size()) + ": " + preview(token));
    row("keys",
        std::to_string(keys->size()) + (keys->size() == 1 ? " key from " : " keys from ") + printable(*keys_path));
    std::string required;
    for (const std::string& r : policy.require.values) required += (required.empty() ? "" : ", ") + r;
    row("policy", "require " + (required.empty() ? std::string("nothing") : required) + "; leeway " +
                      std::to_string(policy.leeway.count()) + " s");
    if (!policy.issuer.empty()) row("iss", "must be " + quoted(std::string_view(policy.issuer)), 2);
    if (!policy.audience.empty())
        row("aud", "must contain " + quoted(std::string_view(policy.audience.values.front())), 2);
    if (!policy.typ.empty()) row("typ", "must be the media type " + quoted(std::string_view(policy.typ)), 2);

    const jwt::verifier v{std::move(*keys), std::move(policy)};
    const auto r = v.verify(token);
    print_header(token);
    if (!r) {
        // Did the signature check out, and only the claims policy refuse the token?
        print_unverified_claims(token, now, jose::jws::verify(token, v.keys()).has_value());
        return report_rejection(r.error(), scheme_kind::bearer);
    }
    print_claims(r->claims(), now);
    std::cout << '\n';
    row("verified with", std::string(name(r->alg())) +
                             (r->key().has_kid() ? " key " + quoted(r->key().kid()) : std::string(" key (no kid)")));
    return report_acceptance();
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

constexpr std::string_view jwk_generate_usage =
    R"(usage: apiauth jwk generate --alg ALG [--kid K]

Generate a signing key for a JWS algorithm and print it as a JWK (RFC 7517): the
private JWK, which is a secret (a warning says so on stderr), then the public JWK
and a JWK Set ({"keys":[...]}, RFC 7517 §5) to publish. An HMAC key (HS256,
HS384, HS512) is a shared secret with no public form: only the secret JWK is
printed. RSA keys have 2048 bits; EC keys are on the algorithm's curve.

options:
  --alg ALG   HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512
              ES256 ES384 ES512 ES256K EdDSA (case-sensitive; there is no 'none')
  --kid K     the key id, written into the JWK and into the tokens it signs

exit status: 0 written, 1 refused, 2 usage error

example:
  apiauth jwk generate --alg ES256 --kid 2024-01
)";

constexpr std::string_view jwk_public_usage =
    R"(usage: apiauth jwk public <private-jwk-file>

Read a private JWK and print its public JWK and a JWK Set holding it, to publish
(RFC 7517 §4, §5). Private members (d, p, q, dp, dq, qi) are never printed. An
HMAC (kty oct) key has no public form and is refused.

exit status: 0 written, 1 refused, 2 usage error
)";

constexpr std::string_view jwt_sign_usage =
    R"(usage: apiauth jwt sign --key <jwk-file> [--typ T] [--lifetime SECONDS] [--claims JSON]

Sign a JWT (RFC 7519) with a private (or HMAC) JWK and print the compact token.
The header is {"alg": the key's algorithm, "typ": T, "kid": the key's kid}. The
claims are --claims (a JSON object, {} by default) with "iat" (now) and a random
"jti" added, and "exp" = now + SECONDS when --lifetime is given; a claim already
in --claims is kept as it is.

options:
  --key FILE          a JWK with private members, or an HMAC (oct) JWK
  --typ T             the header typ (default JWT; e.g. at+jwt for RFC 9068 access tokens)
  --lifetime SECONDS  add exp = iat + SECONDS
  --claims JSON       the claims, e.g. '{"iss":"https://as.example","sub":"alice"}'

exit status: 0 written, 1 refused, 2 usage error

example:
  apiauth jwt sign --key private.jwk --lifetime 600 --claims '{"sub":"alice","aud":"https://api.example"}'
)";

constexpr std::string_view jwt_verify_usage =
    R"(usage: apiauth jwt verify <token> --keys FILE [--iss X] [--aud Y] [--typ T] [--leeway S] [--require a,b]

Verify a JWT as a resource server would (RFC 7519 §7.2, RFC 8725): three segments,
strict base64url, a JOSE header whose alg is the key's own ("none" never is), the
key chosen from the file by kid, else by alg, the signature, then the claims: types,
required claims, issuer, audience, exp, nbf and iat against the clock. Print the
header (alg, kid, typ), the registered claims and the verdict; when the token is
refused, the error, the HTTP status, the OAuth error and the WWW-Authenticate value
to answer with (RFC 6750 §3), and the claims as the token states them (unverified).

options:
  --keys FILE     one public (or HMAC) JWK, or a JWK Set {"keys":[...]}; a private JWK is
                  refused (a secret where a public key belongs): see apiauth jwk public
  --iss X         iss must be exactly X
  --aud Y         aud (a string or an array) must contain Y
  --typ T         the header typ must be the media type T (e.g. at+jwt; case-insensitive,
                  "application/" optional)
  --leeway S      allowed clock skew in seconds for exp, nbf and iat (default 0)
  --require a,b   the claims that must be present (default: exp; --require '' for none)

exit status: 0 accepted, 1 rejected, 2 usage error

example:
  apiauth jwt verify "$token" --keys jwks.json --iss https://as.example --aud https://api.example
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
constexpr option_spec jwk_generate_options[] = {{"--alg", true}, {"--kid", true}};
constexpr option_spec jwt_sign_options[] = {{"--key", true}, {"--typ", true}, {"--lifetime", true}, {"--claims", true}};
constexpr option_spec jwt_verify_options[] = {{"--keys", true}, {"--iss", true},    {"--aud", true},
                                              {"--typ", true},  {"--leeway", true}, {"--require", true}};

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
    {"jwk generate", "generate a signing key; print its JWK, public JWK and JWKS", jwk_generate_usage,
     jwk_generate_options, 0, 0, run_jwk_generate},
    {"jwk public", "print the public JWK and JWKS of a private JWK", jwk_public_usage, {}, 1, 1, run_jwk_public},
    {"jwt sign", "sign a JWT with a JWK", jwt_sign_usage, jwt_sign_options, 0, 0, run_jwt_sign},
    {"jwt verify", "verify a JWT, and say what a resource server answers", jwt_verify_usage, jwt_verify_options, 1, 1,
     run_jwt_verify},
    {"help", "list the commands, or show one command's usage", help_usage, {}, 0, any_number, run_help},
};

std::span<const command> all_commands() noexcept
{
    return commands;
}

}  // namespace

int cli_key(int argc, char** argv);  // examples/cli_key.cpp

int main(int argc, char** argv)
{
    try {
        if (argc > 1 && std::string_view(argv[1]) == "key") return cli_key(argc - 1, argv + 1);
        const std::vector<std::string_view> args(argv + 1, argv + argc);
        return dispatch(args);
    } catch (const std::exception& e) {
        std::cerr << "apiauth: internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "apiauth: internal error\n";
    }
    return exit_internal;
}
