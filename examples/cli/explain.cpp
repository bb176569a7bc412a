// explain.cpp — `apiauth explain authorization | www-authenticate`: what a server makes of an
// Authorization value (and what it answers when it refuses it), and the challenges in
// WWW-Authenticate field lines, as a client reads them.

#include "cli.hpp"

#include <apiauth/http/basic.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/request.hpp>

#include <memory>
#include <span>

namespace apiauth_cli {

namespace explain_cmd {

namespace http = apiauth::http;

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

/// One line per auth-param: name, token or quoted-string, and the unescaped value. JSON:
/// [{"name", "value", "quoted"}].
nlohmann::json print_params(const report& r, const http::auth_params_view& params, std::size_t indent)
{
    nlohmann::json list = nlohmann::json::array();
    for (const http::auth_param& p : params) {
        std::string kind = p.value.is_quoted() ? "quoted-string" : "token";
        kind.resize(15, ' ');
        const std::string value = p.value.str();
        std::string shown = value.empty() ? "(empty)" : printable(value);
        if (p.value.has_escapes()) shown += "   (quoted-pairs removed)";
        r.row(printable(p.name), kind + shown, indent);
        list.push_back({{"name", std::string(p.name)}, {"value", value}, {"quoted", p.value.is_quoted()}});
    }
    return list;
}

/// What follows the scheme: a token68 (never shown for Basic: it is the password), auth-params,
/// or nothing. JSON: {"kind": "token68" | "auth-params" | "none", "token68_octets", "params"}.
nlohmann::json print_credentials_form(const report& r, const http::credentials_view& c, scheme_kind kind,
                                      std::size_t indent)
{
    nlohmann::json form;
    if (!c.token68.empty()) {
        form = {{"kind", "token68"}, {"token68_octets", c.token68.size()}};
        if (kind == scheme_kind::basic)
            r.row("form", "token68, " + octets(c.token68.size()) + " (base64 of user-id:password, not shown)", indent);
        else if (kind == scheme_kind::bearer)
            r.row("form", "token68, " + octets(c.token68.size()), indent);
        else
            r.row("form", "token68, " + octets(c.token68.size()) + ": " + preview(c.token68), indent);
    } else if (!c.params.empty()) {
        r.row("form", std::to_string(c.params.size()) + (c.params.size() == 1 ? " auth-param" : " auth-params"),
              indent);
        form = {{"kind", "auth-params"}, {"params", print_params(r, c.params, indent + 2)}};
    } else {
        r.row("form", "nothing after the scheme", indent);
        form = {{"kind", "none"}};
    }
    return form;
}

struct authorization_options {
    std::string value;
    bool basic_raw = false;
    bool latin1 = false;
};

/// Basic (RFC 7617) credentials, then the same token68 read as OAuth client credentials
/// (RFC 6749 §2.3.1). Only the Basic reading decides the verdict.
std::error_code explain_basic(report& r, const http::credentials_view& c, const authorization_options& opt)
{
    if (c.token68.empty()) return apiauth::errc::basic_missing_token;  // as extract_basic decides
    http::basic_options basic_opt{};
    if (opt.latin1) basic_opt.charset = http::charset_policy::utf8_or_latin1;
    auto basic = http::decode_basic(c.token68, basic_opt);
    if (!basic) return basic.error();
    const std::string_view enc = encoding_name(basic->encoding());
    const std::string user_id = as_text(basic->user_id(), basic->encoding());

    r.heading("Basic credentials (RFC 7617)");
    r.row("user-id", quoted(user_id, true) + " (" + octets(basic->user_id().size()) + ", " + std::string(enc) + ")", 2);
    r.row("password", "(" + octets(basic->password().size()) + ", " + std::string(enc) + ")", 2);
    r["basic"] = {{"user_id", user_id},
                  {"user_id_octets", basic->user_id().size()},
                  {"password_octets", basic->password().size()},
                  {"encoding", enc}};

    r.heading(opt.basic_raw ? "Read as OAuth client credentials (RFC 6749 §2.3.1; --basic-raw: not form-decoded)"
                            : "Read as OAuth client credentials (RFC 6749 §2.3.1: each half form-decoded)");
    nlohmann::json oauth = {{"form_decoded", !opt.basic_raw}};
    auto client = http::decode_oauth_client_basic(c.token68, {.basic = basic_opt, .raw = opt.basic_raw});
    if (!client) {
        r.row("refused", describe_error(client.error()) + ": " + client.error().message(), 2);
        oauth["refused"] = error_json(client.error());
    } else {
        const std::string client_id = as_text(client->user_id(), client->encoding());
        r.row("client_id", quoted(client_id, true) + " (" + octets(client->user_id().size()) + ")", 2);
        r.row("client_secret", "(" + octets(client->password().size()) + ")", 2);
        oauth["client_id"] = client_id;
        oauth["client_id_octets"] = client->user_id().size();
        oauth["client_secret_octets"] = client->password().size();
    }
    r["oauth_client"] = std::move(oauth);
    return {};
}

/// Bearer (RFC 6750 §2.1) credentials, checked by extract_bearer as a resource server would.
std::error_code explain_bearer(report& r, std::string_view field_value)
{
    const std::string_view lines[] = {field_value};
    const apiauth::http::request_view req{
        .method = "GET", .target = "/", .authorization = lines, .content_type = {}, .body = {}};
    auto token = http::extract_bearer(req);
    if (!token) return token.error();
    const std::string_view t = token->value();

    r.heading("Bearer token (RFC 6750 §2.1)");
    r.row("token", preview(t), 2);
    r.row("length", octets(t.size()), 2);
    std::size_t dots = 0;
    for (const char ch : t) dots += ch == '.' ? 1 : 0;
    nlohmann::json shape;
    if (dots == 2) {
        r.row("shape", "3 dot-separated parts: a JWS, as JWTs are (signature not checked here)", 2);
        shape = "jws";
    }
    if (dots == 4) {
        r.row("shape", "5 dot-separated parts: a JWE (not decrypted here)", 2);
        shape = "jwe";
    }
    r["bearer"] = {{"token_preview", preview(t)}, {"token_octets", t.size()}, {"shape", shape}};
    return {};
}

exit_code run_authorization(const context& ctx, const authorization_options& opt)
{
    report r{ctx, "explain authorization"};
    const std::string_view value = opt.value;
    r.row("field value", octets(value.size()));
    r["field_value_octets"] = value.size();
    const auto creds = http::parse_credentials(value);
    if (!creds) {
        const std::string_view word = leading_word(value);
        if (!word.empty()) {
            r.row("scheme", printable(word) + " (as far as the value can be read)");
            r["scheme"] = word;
        }
        if (const std::size_t at = first_control(value); at != std::string_view::npos) {
            r.row("control char", printable(value.substr(at, 1)) + " at offset " + std::to_string(at));
            r["control_char_offset"] = at;
        }
        return report_rejection(r, creds.error(), kind_of(word));
    }

    const scheme_kind kind = kind_of(creds->scheme);
    static constexpr std::string_view scheme_notes[] = {" (RFC 7617)", " (RFC 6750)", " (not accepted here)"};
    r.row("scheme", printable(creds->scheme) + std::string(scheme_notes[static_cast<int>(kind)]));
    r["scheme"] = creds->scheme;
    r["form"] = print_credentials_form(r, *creds, kind, 0);

    std::error_code ec;
    switch (kind) {
    case scheme_kind::basic: ec = explain_basic(r, *creds, opt); break;
    case scheme_kind::bearer: ec = explain_bearer(r, value); break;
    default: ec = apiauth::errc::unsupported_scheme; break;
    }
    return ec ? report_rejection(r, ec, kind) : report_acceptance(r);
}

exit_code run_www_authenticate(const context& ctx, const std::vector<std::string>& values)
{
    report r{ctx, "explain www-authenticate"};
    const std::vector<std::string_view> lines(values.begin(), values.end());
    for (std::size_t i = 0; i < lines.size(); ++i)
        r.row(lines.size() == 1 ? "field line" : "field line " + std::to_string(i + 1), printable(lines[i]));
    r["field_lines"] = values;
    const auto challenges = http::parse_challenges(std::span<const std::string_view>(lines));
    if (!challenges) return report_rejection(r, challenges.error(), scheme_kind::none);

    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < challenges->size(); ++i) {
        const http::challenge_view& c = (*challenges)[i];
        r.heading("challenge " + std::to_string(i + 1) + ": " + printable(c.scheme));
        nlohmann::json form = print_credentials_form(r, c, scheme_kind::other, 2);
        nlohmann::json entry = {{"scheme", c.scheme}};
        if (!c.token68.empty()) entry["token68"] = c.token68;
        entry["params"] = form.contains("params") ? form["params"] : nlohmann::json::array();
        list.push_back(std::move(entry));
    }
    r.line("");
    r.row("challenges", std::to_string(challenges->size()));
    r["challenges"] = std::move(list);
    return report_acceptance(r);
}

}  // namespace explain_cmd

void add_explain_commands(CLI::App& app, context& ctx)
{
    using namespace explain_cmd;
    CLI::App* group = add_group(app, "explain", "what a server makes of Authorization, a client of WWW-Authenticate");

    auto auth = std::make_shared<authorization_options>();
    CLI::App* a =
        add_command(*group, ctx, "authorization", "what an Authorization value is, and what a server answers",
                    "Parse an Authorization field value (RFC 9110 §11.4) as a server that accepts Basic and\n"
                    "Bearer would, say what it carries, and, if it is refused, what the server answers: the\n"
                    "error, the HTTP status, the OAuth error and the WWW-Authenticate challenge to send.\n"
                    "Basic credentials are also read as OAuth client credentials (RFC 6749 §2.3.1).\n"
                    "Passwords and client secrets are never printed, only their length.",
                    "JSON: command verdict field_value_octets scheme form{kind token68_octets params}\n"
                    "      basic{user_id user_id_octets password_octets encoding}\n"
                    "      oauth_client{form_decoded client_id client_id_octets client_secret_octets | refused}\n"
                    "      bearer{token_preview token_octets shape} control_char_offset\n"
                    "      error{name message http_status oauth_error} www_authenticate[]\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error\n"
                    "example:\n"
                    "  apiauth explain authorization 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='",
                    [&ctx, auth] { return run_authorization(ctx, *auth); });
    a->add_option("value", auth->value, "the Authorization field value, e.g. 'Basic dXNlcjpwYXNz'")->required();
    a->add_flag("--basic-raw", auth->basic_raw,
                "read the OAuth client credentials as sent, without form-decoding\n"
                "(for clients that do not form-encode client_id and client_secret)");
    a->add_flag("--latin1", auth->latin1,
                "accept a user-id or password that is not UTF-8 as ISO-8859-1\n"
                "(RFC 7617 §2.1; the default requires UTF-8)");

    auto lines = std::make_shared<std::vector<std::string>>();
    CLI::App* w =
        add_command(*group, ctx, "www-authenticate", "the challenges in WWW-Authenticate field lines",
                    "Parse the WWW-Authenticate field lines of a response (RFC 9110 §11.6.1), combined in\n"
                    "order, and list each challenge with its token68 or auth-params (values unescaped).",
                    "JSON: command verdict field_lines[] challenges[{scheme token68 params[{name value quoted}]}]\n"
                    "      error{name message http_status oauth_error}\n"
                    "exit status: 0 well-formed, 1 rejected, 2 usage error\n"
                    "example:\n"
                    "  apiauth explain www-authenticate 'Basic realm=\"simple\", Newauth realm=\"apps\", type=1'",
                    [&ctx, lines] { return run_www_authenticate(ctx, *lines); });
    w->add_option("values", *lines, "one or more WWW-Authenticate field values")->required();
}

}  // namespace apiauth_cli
