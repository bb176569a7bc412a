// authenticate.cpp — `apiauth authenticate`: one raw HTTP/1.1 request on stdin, decided by
// apiauth::authenticate_api as an API server protecting itself with the library decides it: an
// API key over Basic, a client credentials token request at the token endpoint (which mints an
// access token when --token-key holds a private or HMAC key), or a Bearer access token.
//
// The command prints the response the library would have the server send (status line, every
// header field, body) and why: the error, or who the request authenticated as. Credentials read
// from the request (an Authorization value, a client secret in the body, a token in the query)
// are never printed, only their lengths; the access token the token endpoint mints is printed,
// since it is the answer.

#include "cli.hpp"

#include <apiauth/authenticate.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/stores/memory.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>

namespace apiauth_cli {

namespace authenticate_cmd {

namespace jose = apiauth::jose;
namespace oauth2 = apiauth::oauth2;

// The longest request read from stdin.
constexpr std::size_t max_request = 1024 * 1024;

// The issuer and audience of the verifier when there is no --token-key: the library requires
// both, and with no key in the set every Bearer token is refused (unknown_key) anyway.
constexpr std::string_view no_token_key = "urn:apiauth:cli:no-token-key";

// ---- the request on stdin -----------------------------------------------------------------------

/// The parts of a raw HTTP/1.1 request that request_view holds; views into the text read.
struct raw_request {
    std::string_view method, target;
    std::vector<std::string_view> authorization;  // every Authorization field line, in order
    std::string_view content_type;
    std::string_view body;
    std::size_t field_lines = 0;
};

/// tchar of RFC 9110 §5.6.2: what a method and a field name are made of.
bool is_token(std::string_view s)
{
    if (s.empty()) return false;
    for (const char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
            return false;
    return true;
}

/// ASCII case-insensitive equality, as field names compare (RFC 9110 §5.1).
bool iequals(std::string_view a, std::string_view b)
{
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

/// `s` without the optional whitespace (SP, HTAB) around a field value (RFC 9110 §5.5).
std::string_view trim_ows(std::string_view s)
{
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/** Reads `text` as one HTTP/1.1 request (RFC 9112 §2–§6): request line, field lines, empty
    line, body; lines end in CRLF or LF. Without Content-Length the body is the rest, less one
    final line ending (what a here-document or echo adds); with it, exactly that many octets.
    Throws usage_error for a malformed request line or field line (never echoing a line: it may
    hold credentials), obsolete line folding, two Content-Type or conflicting Content-Length
    fields, a body shorter than Content-Length, and Transfer-Encoding. */
raw_request parse_request(std::string_view text)
{
    raw_request r;
    std::size_t pos = 0, number = 0;
    std::string_view line;
    const auto next_line = [&] {
        if (pos >= text.size()) return false;
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        line = text.substr(pos, end - pos);
        if (line.ends_with('\r')) line.remove_suffix(1);
        pos = end == text.size() ? end : end + 1;
        ++number;
        return true;
    };

    // RFC 9112 §2.2: empty lines before the request line are ignored.
    do {
        if (!next_line())
            throw usage_error("no request on stdin: give one HTTP/1.1 request (request line, fields, body)");
    } while (line.empty());
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    bool ok = sp2 != std::string_view::npos && line.find(' ', sp2 + 1) == std::string_view::npos;
    if (ok) {
        r.method = line.substr(0, sp1);
        r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        const std::string_view version = line.substr(sp2 + 1);
        ok = is_token(r.method) && r.target.starts_with('/') && (version == "HTTP/1.1" || version == "HTTP/1.0");
        for (const char c : r.target) ok = ok && static_cast<unsigned char>(c) > 0x20 && c != 0x7F;
    }
    if (!ok)
        throw usage_error("line " + std::to_string(number) +
                          " is not a request line: expected METHOD /path?query HTTP/1.1 (RFC 9112 §3, "
                          "origin-form target)");

    bool content_type_seen = false;
    std::optional<std::size_t> length;
    while (next_line() && !line.empty()) {
        const std::string where = "line " + std::to_string(number);
        if (line.front() == ' ' || line.front() == '\t')
            throw usage_error(where + " continues a field value (obsolete line folding, refused by RFC 9112 §5.2)");
        const std::size_t colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        if (colon == std::string_view::npos || !is_token(name))
            throw usage_error(where + " is not a field line: expected Name: value (RFC 9112 §5.1)");
        const std::string_view value = trim_ows(line.substr(colon + 1));
        ++r.field_lines;
        if (iequals(name, "Authorization")) {
            r.authorization.push_back(value);
        } else if (iequals(name, "Content-Type")) {
            if (content_type_seen) throw usage_error(where + ": a second Content-Type field");
            content_type_seen = true;
            r.content_type = value;
        } else if (iequals(name, "Content-Length")) {
            std::size_t n = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (value.empty() || ec != std::errc() || end != value.data() + value.size())
                throw usage_error(where + ": Content-Length must be a decimal number of octets");
            if (length && *length != n) throw usage_error(where + ": a second, different Content-Length");
            length = n;
        } else if (iequals(name, "Transfer-Encoding")) {
            throw usage_error(where + ": Transfer-Encoding is not supported: send the body as it is");
        }
    }

    std::string_view rest = text.substr(pos);
    if (length) {
        if (rest.size() < *length)
            throw usage_error("the body has " + octets(rest.size()) + ", Content-Length says " + octets(*length));
        r.body = rest.substr(0, *length);
    } else {
        if (rest.ends_with("\r\n"))
            rest.remove_suffix(2);
        else if (rest.ends_with('\n'))
            rest.remove_suffix(1);
        r.body = rest;
    }
    return r;
}

// ---- names --------------------------------------------------------------------------------------

std::string_view method_name(apiauth::auth_method m)
{
    switch (m) {
    case apiauth::auth_method::api_key: return "api_key";
    case apiauth::auth_method::access_token: return "access_token";
    case apiauth::auth_method::token_request: return "token_request";
    }
    return "";
}

std::string_view bearer_method_name(apiauth::http::bearer_method m)
{
    switch (m) {
    case apiauth::http::bearer_method::header: return "header";
    case apiauth::http::bearer_method::form_body: return "form_body";
    case apiauth::http::bearer_method::query: return "query";
    }
    return "";
}

// ---- the command --------------------------------------------------------------------------------

struct authenticate_options {
    std::vector<std::string> records;
    pepper_source pepper;
    std::vector<std::string> prefixes;
    std::string token_key;
    key_file_options key;
    std::string iss, aud;
    std::vector<std::string> scopes;
    std::string token_path = "/oauth/token";
    bool allow_body = false;
    bool allow_query = false;
    bool check_token_key = false;
    std::string realm;
    std::int64_t now = 0;
    CLI::Option* now_given = nullptr;
};

/// What the request presented, without a credential: the method, the target's path (the
/// query may carry a token: only its length), the scheme of each Authorization line, the
/// Content-Type and the body's length.
void print_request(report& r, const raw_request& req)
{
    const std::size_t q = req.target.find_first_of("?#");
    const std::string_view path = req.target.substr(0, q);
    std::string schemes;
    for (const std::string_view a : req.authorization)
        schemes.append(schemes.empty() ? "" : ", ").append(printable(a.substr(0, a.find(' '))));
    r.row("request",
          printable(req.method) + " " + printable(path) +
              (q == std::string_view::npos ? std::string() : " (query " + octets(req.target.size() - q) + ")"));
    r.row("authorization",
          req.authorization.empty()
              ? std::string("(none)")
              : std::to_string(req.authorization.size()) +
                    (req.authorization.size() == 1 ? " field line: " : " field lines: ") + schemes,
          2);
    if (!req.content_type.empty()) r.row("content-type", printable(req.content_type), 2);
    r.row("body", octets(req.body.size()), 2);
    r["request"] = {{"method", std::string(req.method)},
                    {"path", std::string(path)},
                    {"query_octets", q == std::string_view::npos ? 0 : req.target.size() - q},
                    {"field_lines", req.field_lines},
                    {"authorization_fields", req.authorization.size()},
                    {"content_type", std::string(req.content_type)},
                    {"body_octets", req.body.size()}};
}

/// The response as it goes on the wire (text) and as {status, fields[{name, value}], body}.
void print_response(report& r, const apiauth::http::response& resp, bool sent)
{
    r.heading("response");
    if (!sent) {
        r.line("(none from apiauth: the application serves the request)");
    } else {
        r.line("HTTP/1.1 " + std::to_string(resp.status) + " " + std::string(reason_phrase(resp.status)));
        for (const apiauth::http::field& f : resp.fields) r.line(printable(f.name) + ": " + printable(f.value, true));
        r.line("");
        if (!resp.body.empty()) r.line(printable(resp.body, true));
    }
    nlohmann::json fields = nlohmann::json::array();
    for (const apiauth::http::field& f : resp.fields) fields.push_back({{"name", f.name}, {"value", f.value}});
    r["response"] = {{"status", resp.status}, {"fields", std::move(fields)}, {"body", resp.body}};
}

/// Who the request authenticated as: the API key's record, or the verified access token.
void print_identity(report& r, const apiauth::authenticated& a)
{
    std::vector<std::string> scopes;
    nlohmann::json id = {{"method", method_name(a.method())},
                         {"key_id", std::string(a.key_id())},
                         {"subject", std::string(a.subject())}};
    if (const oauth2::verified_access_token* t = a.token()) {
        for (const std::string_view s : t->scopes()) scopes.emplace_back(s);
        id["client_id"] = std::string(t->client_id());
        id["jti"] = std::string(t->jti());
        id["expires_at"] = t->expires_at().time_since_epoch().count();
        id["bearer_method"] = bearer_method_name(a.bearer_method());
        id["cache_control"] = std::string(a.cache_control());
    } else {
        scopes = a.record()->scopes;
        id["hint"] = apiauth::api_key_hint(*a.record());
    }
    id["scopes"] = scopes;

    std::string joined;
    for (const std::string& s : scopes) joined.append(joined.empty() ? "" : " ").append(s);
    r.row("key id", printable(a.key_id()));
    r.row("subject", a.subject().empty() ? std::string("(none)") : quoted(a.subject(), true));
    r.row("scopes", joined.empty() ? std::string("(none)") : printable(joined));
    if (const oauth2::verified_access_token* t = a.token()) {
        r.row("client_id", quoted(t->client_id(), true));
        r.row("token", "sent in the " + std::string(bearer_method_name(a.bearer_method())));
        if (!a.cache_control().empty())
            r.row("note",
                  "the response must carry Cache-Control: " + std::string(a.cache_control()) + " (RFC 6750 §2.3)");
    }
    r["identity"] = std::move(id);
}

/** The command: the server's configuration from the options (records, pepper, token key,
    policy), then the request from stdin, then authenticate_api, then the answer. A private or
    HMAC --token-key both mints tokens at --token-path and verifies Bearer tokens; a public one
    only verifies them (no token endpoint). Exit 0 when the request authenticated or the token
    endpoint answered 200, 1 for any other answer, 3 for a 5xx (the server's own failure). */
exit_code run_authenticate(const context& ctx, const authenticate_options& opt)
{
    report r{ctx, "authenticate"};

    // The server: API key records under the pepper, and the prefixes it accepts.
    if (!pepper_given(opt.pepper))
        throw usage_error("authenticate needs the pepper of the records: --pepper-file FILE or --pepper-env VAR");
    const apiauth::pepper_ring ring = ring_from(opt.pepper);
    apiauth::stores::memory_api_key_store store;
    std::vector<std::string> prefixes = opt.prefixes;
    const bool default_prefixes = prefixes.empty();
    for (const std::string& arg : opt.records)
        for (apiauth::api_key_record& rec : records_from(arg)) {
            if (default_prefixes && !rec.prefix.empty() &&
                std::find(prefixes.begin(), prefixes.end(), rec.prefix) == prefixes.end())
                prefixes.push_back(rec.prefix);
            if (!store.insert(std::move(rec))) throw usage_error("two records have the same key_id");
        }
    if (prefixes.empty()) throw usage_error("no API key prefix: give --prefix, or records that have one");
    const std::vector<std::string_view> prefix_views(prefixes.begin(), prefixes.end());

    jose::jwt::clock_function clock;
    if (opt.now_given->count() > 0)
        clock = [at = std::chrono::system_clock::time_point(std::chrono::seconds(opt.now))] { return at; };

    // The access tokens: minted with the key when it can sign, verified with it always.
    if (opt.token_key.empty() && (!opt.iss.empty() || !opt.aud.empty()))
        throw usage_error("--iss and --aud go with --token-key");
    if (!opt.token_key.empty() && (opt.iss.empty() || opt.aud.empty()))
        throw usage_error("--token-key needs --iss and --aud");
    jose::key_set token_keys;
    std::optional<oauth2::access_token_issuer> issuer;
    if (!opt.token_key.empty()) {
        auto keys = load_keys(opt.token_key, opt.key, key_use::publish);
        if (!keys) return r.refuse("cannot use the key in " + printable(opt.token_key), keys.error());
        token_keys = *keys;
        if (const jose::key& k = *keys->begin(); k.can_sign()) {
            auto i = oauth2::access_token_issuer::make(k, {.issuer = opt.iss, .audience = {opt.aud}, .clock = clock});
            if (!i) return r.refuse("cannot issue access tokens with this key", i.error());
            issuer.emplace(std::move(*i));
        }
    }
    const bool with_key = !opt.token_key.empty();
    const auto verifier = oauth2::access_token_verifier::make(
        std::move(token_keys), {.issuer = with_key ? opt.iss : std::string(no_token_key),
                                .audience = with_key ? opt.aud : std::string(no_token_key),
                                .clock = clock});
    if (!verifier) return r.refuse("the access token policy is refused", verifier.error());

    apiauth::api_auth_config cfg;
    cfg.token_endpoint_path = opt.token_path;
    cfg.bearer.allow_form_body = opt.allow_body;
    cfg.bearer.allow_query = opt.allow_query;
    cfg.check_token_key = opt.check_token_key;
    if (!opt.realm.empty()) {
        cfg.realm = opt.realm;
        cfg.token.errors.realm = opt.realm;
    }
    cfg.token.keys.prefixes = prefix_views;
    if (clock) cfg.token.keys.now = clock();

    // The request, then the decision. The text read holds credentials: wiped at the end.
    std::string text = read_stdin("the request", max_request);
    struct wipe_on_exit {
        std::string& s;
        ~wipe_on_exit() { apiauth::crypto::wipe(s); }
    } wiper{text};
    const raw_request raw = parse_request(text);
    const apiauth::http::request_view req{.method = raw.method,
                                          .target = raw.target,
                                          .authorization = raw.authorization,
                                          .content_type = raw.content_type,
                                          .body = raw.body};
    const std::vector<std::string_view> required(opt.scopes.begin(), opt.scopes.end());
    const apiauth::auth_outcome o =
        apiauth::authenticate_api(req, cfg, store, ring, *verifier, required, issuer ? &*issuer : nullptr);

    print_request(r, raw);
    print_response(r, o.response, !o.identity);
    r.line("");
    r["method"] = method_name(o.method);
    if (o.identity) {
        r.row("verdict", "accepted: serve the request");
        r.row("method", method_name(o.method));
        print_identity(r, *o.identity);
        return r.finish(exit_code::ok);
    }
    if (!o.error && o.response.status == 200) {
        r.row("verdict", "accepted: the token endpoint issued an access token");
        r.row("method", method_name(o.method));
        return r.finish(exit_code::ok);
    }
    r.row("verdict", "rejected");
    r.row("method", method_name(o.method));
    r.row("error", describe_error(o.error));
    r.row("message", o.error.message());
    r["error"] = error_json(o.error);
    // A 5xx is the server's own failure (a store, a key), not a verdict about the request.
    return r.finish(o.response.status >= 500 ? exit_code::internal : exit_code::rejected);
}

}  // namespace authenticate_cmd

void add_authenticate_commands(CLI::App& app, context& ctx)
{
    using namespace authenticate_cmd;
    auto opt = std::make_shared<authenticate_options>();
    CLI::App* a = add_command(
        app, ctx, "authenticate", "decide about a raw HTTP request on stdin as an API server would",
        "Read one HTTP/1.1 request on stdin (request line, field lines, empty line, body; CRLF or\n"
        "LF; at most 1 MiB; without Content-Length the body is the rest, less one final line\n"
        "ending) and decide about it with authenticate_api, as a server protecting an API does:\n"
        "  1. at --token-path, with a private or HMAC --token-key: the token endpoint of the\n"
        "     client credentials grant (RFC 6749 §4.4), the client an API key over Basic; it\n"
        "     answers with an access token (RFC 9068) or an RFC 6749 §5.2 error;\n"
        "  2. an API key over Basic (RFC 7617): the key pair checked against the records;\n"
        "  3. else a Bearer access token (RFC 6750: the header; the body or the query only when\n"
        "     allowed) verified with --token-key, --iss and --aud;\n"
        "then every --scope must be held (403 insufficient_scope). Print the response the\n"
        "library has the server send (status line, header fields, body), and why: the error,\n"
        "or who the request authenticated as. Credentials in the request are never printed.",
        "JSON: command verdict method request{method path query_octets field_lines\n"
        "      authorization_fields content_type body_octets}\n"
        "      identity{method key_id subject scopes hint | client_id jti expires_at bearer_method cache_control}\n"
        "      error{name message} response{status fields[{name value}] body}\n"
        "exit status: 0 authenticated, or the token endpoint answered 200; 1 any other answer;\n"
        "             2 usage error (also: a request on stdin that is not HTTP/1.1); 3 a 5xx answer\n"
        "example:\n"
        "  printf 'GET /items HTTP/1.1\\r\\nAuthorization: %s\\r\\n\\r\\n' \"$(apiauth key basic \"$key\" --json |\n"
        "      jq -r .authorization)\" | apiauth authenticate --record record.json --pepper-file pepper.hex",
        [&ctx, opt] { return run_authenticate(ctx, *opt); });
    a->add_option("--record", opt->records,
                  "an API key record (JSON text, or a file holding one or an array); repeatable")
        ->type_name("JSON-OR-FILE")
        ->required()
        ->allow_extra_args(false);
    add_pepper_source_options(*a, opt->pepper, "the pepper of the records (required)", false);
    a->add_option("--prefix", opt->prefixes, "an accepted API key prefix; repeatable (default: the records' prefixes)")
        ->type_name("P")
        ->allow_extra_args(false);
    a->add_option("--token-key", opt->token_key,
                  "the access token key: private or HMAC (mints at --token-path and verifies),\n"
                  "or public (verifies only); one JWK or PEM key")
        ->type_name("FILE");
    add_key_file_options(*a, opt->key);
    a->add_option("--iss", opt->iss, "the access tokens' issuer (with --token-key)")->type_name("X");
    a->add_option("--aud", opt->aud, "this API as the tokens' audience (with --token-key)")->type_name("Y");
    a->add_option("--scope", opt->scopes, "a scope the request must hold; repeatable")
        ->type_name("S")
        ->allow_extra_args(false);
    a->add_option("--token-path", opt->token_path, "the path of the token endpoint (default /oauth/token)")
        ->type_name("PATH");
    a->add_flag("--allow-body", opt->allow_body, "accept access_token in a form body (RFC 6750 §2.2)");
    a->add_flag("--allow-query", opt->allow_query, "accept access_token in the query (RFC 6750 §2.3; not recommended)");
    a->add_flag("--check-token-key", opt->check_token_key,
                "accept an access token only while the API key it was issued to (its sub) is among\n"
                "the --record records and active, as Stormpath did (token_key_revoked, …)");
    a->add_option("--realm", opt->realm,
                  "the realm of every challenge (default: api, and oauth2 at the token endpoint)")
        ->type_name("R");
    opt->now_given = a->add_option("--now", opt->now, "the time to decide at, in Unix seconds (default: now)")
                         ->type_name("UNIX-SECONDS");
}

}  // namespace apiauth_cli
