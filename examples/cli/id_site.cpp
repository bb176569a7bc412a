// id_site.cpp — `apiauth id-site url | callback | request | response`: both sides of the ID Site
// hosted login (apiauth/id_site/, research/stormpath-protocol.md §1-§3), one process per step.
//
// The application's side: `url` signs a `jwtRequest` and prints the redirect to the login site;
// `callback` verifies the `jwtResponse` the browser comes back with. The login site's side:
// `request` verifies a `jwtRequest` and shows what it asks; `response` answers it with a signed
// `jwtResponse` (or an error assertion). The application's request ids (jti) must outlive the
// process that issued them, and the login site must remember the request ids it has seen: both
// live in a nonce file (--nonce-file), a stores::nonce_store kept here, not in the library.
//
// The API key secret is never an argument: it is read from --secret-file or --secret-env.

#include "cli.hpp"

#include <apiauth/crypto/compare.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/claims.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/stores/memory.hpp>
#include <apiauth/stores/nonce.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth_cli {

namespace id_site_cmd {

namespace id_site = apiauth::id_site;
using apiauth::errc;
using clock_function = apiauth::jose::jwt::clock_function;

// The longest target (URL) read from stdin ("-"): far above what either side accepts (8 KiB).
constexpr std::size_t max_stdin_target = 1024 * 1024;

// ---- the nonce file -------------------------------------------------------------------------------

/** A stores::nonce_store in a file, so that the processes of one shell session share their ids.

    One line per id: `<id> <expiry> <consumed>`, the id percent-encoded outside [A-Za-z0-9._~-]
    (a login site records request ids it did not choose), the expiry in Unix seconds, consumed
    0 or 1. Every issue and consume opens the file (created with mode 0600), takes an exclusive
    flock(2), reads it whole, drops the expired lines, applies its change and rewrites it before
    the lock is released: of processes racing to consume one id, one sees true. Semantics are
    memory_nonce_store's: an id is live until its expiry; a consumed line stays until then; a
    consumed id issued again is live again; an id empty or over max_nonce_size is token_too_large
    (issue) or never held (consume). A file that cannot be opened, locked, read, written or
    parsed, or one over 16 MiB, is store_unavailable (problem() says why): the flow fails closed.
*/
class file_nonce_store {
public:
    file_nonce_store(std::string path, clock_function clock) : path_(std::move(path)), clock_(std::move(clock)) {}

    apiauth::result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        if (id.empty() || id.size() > apiauth::stores::max_nonce_size) return errc::token_too_large;
        return update([&](entries& e, time_point now) {
            const std::int64_t until =
                std::chrono::ceil<std::chrono::seconds>(now).time_since_epoch().count() + lifetime.count();
            if (const auto it = e.find(id); it != e.end()) {
                if (!it->second.consumed) return false;  // live and not consumed
                it->second = {std::max(until, it->second.until), false};
                return true;
            }
            if (lifetime <= std::chrono::seconds::zero()) return true;  // expires at once: nothing to hold
            e.emplace(std::string(id), entry{until, false});
            return true;
        });
    }

    apiauth::result<bool> consume(std::string_view id) noexcept
    {
        if (id.empty() || id.size() > apiauth::stores::max_nonce_size) return false;  // issue() never kept one
        return update([&](entries& e, time_point) {
            const auto it = e.find(id);
            if (it == e.end() || it->second.consumed) return false;
            it->second.consumed = true;
            return true;
        });
    }

    /// Why the last call answered store_unavailable ("" when it did not).
    const std::string& problem() const noexcept { return problem_; }
    const std::string& path() const noexcept { return path_; }

private:
    using time_point = std::chrono::system_clock::time_point;
    struct entry {
        std::int64_t until = 0;  // Unix seconds: live while now < until
        bool consumed = false;
    };
    using entries = std::map<std::string, entry, std::less<>>;
    static constexpr std::size_t max_file_size = 16 * 1024 * 1024;

    struct fd_guard {
        int fd;
        ~fd_guard() { ::close(fd); }  // releases the flock too
    };

    template <class F> apiauth::result<bool> update(F&& change) noexcept
    {
        problem_.clear();
        try {
            const auto fail = [&](std::string why) -> apiauth::result<bool> {
                problem_ = printable(path_) + ": " + std::move(why);
                return errc::store_unavailable;
            };
            const auto sys = [&](const char* what) {
                const int e = errno;  // before anything below may change it
                return fail(std::string(what) + ": " + std::strerror(e));
            };
            const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) return sys("cannot open");
            const fd_guard guard{fd};
            int locked = -1;
            do locked = ::flock(fd, LOCK_EX);
            while (locked != 0 && errno == EINTR);
            if (locked != 0) return sys("cannot lock");

            std::string text;
            char buf[16384];
            for (;;) {
                const ssize_t n = ::read(fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) return sys("cannot read");
                if (n == 0) break;
                text.append(buf, static_cast<std::size_t>(n));
                if (text.size() > max_file_size) return fail("longer than " + octets(max_file_size));
            }
            entries e;
            if (!parse(text, e)) return fail("not a nonce file (lines of: id expiry consumed)");

            const time_point now = clock_ ? clock_() : std::chrono::system_clock::now();
            std::erase_if(e,
                          [&](const auto& kv) { return !(now < time_point(std::chrono::seconds(kv.second.until))); });
            const bool answer = change(e, now);

            std::string out;
            for (const auto& [id, en] : e)
                out.append(encode(id))
                    .append(" ")
                    .append(std::to_string(en.until))
                    .append(en.consumed ? " 1\n" : " 0\n");
            if (::lseek(fd, 0, SEEK_SET) != 0) return sys("cannot rewind");
            for (std::size_t done = 0; done < out.size();) {
                const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) return sys("cannot write");
                done += static_cast<std::size_t>(n);
            }
            if (::ftruncate(fd, static_cast<off_t>(out.size())) != 0) return sys("cannot truncate");
            if (::fdatasync(fd) != 0) return sys("cannot sync");
            return answer;
        } catch (const std::bad_alloc&) {
            return apiauth::result<bool>(boost::system::in_place_error,
                                         std::make_error_code(std::errc::not_enough_memory));
        } catch (...) {  // the injected clock
            return errc::store_unavailable;
        }
    }

    static bool safe(char c) noexcept
    {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '~' || c == '-';
    }

    static std::string encode(std::string_view id)
    {
        static constexpr char hex[] = "0123456789ABCDEF";
        std::string out;
        for (const char c : id) {
            if (safe(c)) {
                out += c;
            } else {
                const auto u = static_cast<unsigned char>(c);
                out.append(1, '%').append(1, hex[u >> 4]).append(1, hex[u & 15]);
            }
        }
        return out;
    }

    static bool decode(std::string_view s, std::string& out)
    {
        const auto nib = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        out.clear();
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (safe(s[i])) {
                out += s[i];
                continue;
            }
            if (s[i] != '%' || i + 2 >= s.size() || nib(s[i + 1]) < 0 || nib(s[i + 2]) < 0) return false;
            out += static_cast<char>(nib(s[i + 1]) << 4 | nib(s[i + 2]));
            i += 2;
        }
        return !out.empty() && out.size() <= apiauth::stores::max_nonce_size;
    }

    static bool parse(std::string_view text, entries& e)
    {
        while (!text.empty()) {
            const std::size_t nl = text.find('\n');
            if (nl == std::string_view::npos) return false;  // a line cut short: a write that did not finish
            const std::string_view line = text.substr(0, nl);
            text.remove_prefix(nl + 1);
            const std::size_t a = line.find(' ');
            const std::size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
            if (b == std::string_view::npos) return false;
            std::string id;
            if (!decode(line.substr(0, a), id)) return false;
            const std::string_view until = line.substr(a + 1, b - a - 1), consumed = line.substr(b + 1);
            entry en;
            const auto [end, ec] = std::from_chars(until.data(), until.data() + until.size(), en.until);
            if (ec != std::errc() || end != until.data() + until.size() || (consumed != "0" && consumed != "1"))
                return false;
            en.consumed = consumed == "1";
            if (!e.emplace(std::move(id), en).second) return false;
        }
        return true;
    }

    std::string path_;
    clock_function clock_;
    std::string problem_;
};

static_assert(apiauth::stores::nonce_store<file_nonce_store>);

/// The nonce store of a command: the --nonce-file, or without one an empty store in memory
/// that ends with the process (nothing recorded survives it).
class cli_nonce_store {
public:
    cli_nonce_store(const std::string& path, const clock_function& clock) : memory_(16, clock)
    {
        if (!path.empty()) file_.emplace(path, clock);
    }
    apiauth::result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        return file_ ? file_->issue(id, lifetime) : memory_.issue(id, lifetime);
    }
    apiauth::result<bool> consume(std::string_view id) noexcept
    {
        return file_ ? file_->consume(id) : memory_.consume(id);
    }
    bool has_file() const noexcept { return file_.has_value(); }
    std::string problem() const { return file_ ? file_->problem() : std::string(); }

private:
    std::optional<file_nonce_store> file_;
    apiauth::stores::memory_nonce_store memory_;
};

static_assert(apiauth::stores::nonce_store<cli_nonce_store>);

// ---- options every command shares ---------------------------------------------------------

/// The application's API key and href, as both sides know them. The secret comes from a file
/// or the environment only: an argument would be in the shell history and in `ps`.
struct app_key_options {
    std::string key_id, secret_file, secret_env, href;
};

void add_app_key_options(CLI::App& cmd, app_key_options& o)
{
    cmd.add_option("--key-id", o.key_id, "the application's API key id (iss of requests, kid of responses)")
        ->type_name("ID")
        ->required();
    CLI::Option* file = cmd.add_option("--secret-file", o.secret_file,
                                       "a file holding the API key secret (its UTF-8 bytes are the HS256 key;\n"
                                       "line ends at its end are dropped)")
                            ->type_name("FILE");
    CLI::Option* env =
        cmd.add_option("--secret-env", o.secret_env, "an environment variable holding the API key secret")
            ->type_name("VAR");
    file->excludes(env);
    cmd.add_option("--app-href", o.href, "the application's href (sub of requests)")->type_name("HREF")->required();
}

/// The secret named by --secret-file or --secret-env; a usage error when neither (or an empty
/// or unreadable one) is given.
std::string load_secret(const app_key_options& o)
{
    std::string secret;
    if (!o.secret_file.empty()) {
        auto text = read_file(o.secret_file);
        if (!text) throw usage_error("cannot read the secret file " + printable(o.secret_file));
        secret = std::move(*text);
        while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    } else if (!o.secret_env.empty()) {
        const char* v = std::getenv(o.secret_env.c_str());
        if (v == nullptr) throw usage_error("the environment variable " + printable(o.secret_env) + " is not set");
        secret = v;
    } else {
        throw usage_error("give the API key secret with --secret-file FILE or --secret-env VAR "
                          "(never on the command line)");
    }
    if (secret.empty()) throw usage_error("the API key secret is empty");
    return secret;
}

/// --now as a clock, as token verify and key verify take it.
struct clock_options {
    long long now = 0;
    CLI::Option* given = nullptr;

    clock_function clock() const
    {
        if (given->count() == 0) return {};
        const std::chrono::system_clock::time_point at{std::chrono::seconds(now)};
        return [at] { return at; };
    }
    /// Now in Unix seconds.
    std::int64_t seconds() const
    {
        if (given->count() > 0) return now;
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()).time_since_epoch().count();
    }
};

void add_clock_option(CLI::App& cmd, clock_options& c, std::string_view what)
{
    c.given = cmd.add_option("--now", c.now, std::string(what) + ", in Unix seconds (default: now)")
                  ->type_name("UNIX-SECONDS");
}

void add_nonce_file_option(CLI::App& cmd, std::string& path, std::string_view what)
{
    cmd.add_option("--nonce-file", path, std::string(what))->type_name("FILE");
}

/// The TARGET_OR_URL argument: itself, or for "-" stdin without the whitespace that ends it.
std::string target_argument(const std::string& arg)
{
    std::string text = arg;
    if (arg == "-") {
        text = read_stdin("the URL", max_stdin_target);
        const std::size_t end = text.find_last_not_of(" \t\r\n");
        text.resize(end == std::string::npos ? 0 : end + 1);
    }
    if (text.empty()) throw usage_error(arg == "-" ? "no URL on stdin" : "the URL is empty");
    return text;
}

/// The URL as far as its `param=`, the first characters of the token, and its length:
/// "https://login.example/sso?jwtRequest=eyJhbGciOiJI… (409 octets)".
std::string target_summary(std::string_view target, std::string_view param)
{
    const std::size_t at = target.find(std::string(param) + "=");
    if (at == std::string_view::npos) return preview(target) + " (" + octets(target.size()) + ")";
    const std::size_t value = at + param.size() + 1;
    return printable(target.substr(0, value)) + preview(target.substr(value)) + " (" + octets(target.size()) + ")";
}

/// 1 for a refusal, 3 when no decision could be made: a store that cannot answer, the random
/// generator, memory (an error of another category).
exit_code exit_for(std::error_code ec)
{
    const bool internal =
        ec == errc::store_unavailable || ec == errc::random_failure || ec.category() != apiauth::error_category();
    return internal ? exit_code::internal : exit_code::rejected;
}

/// "apiauth id-site X: <what>: <error>: <message>" (text) or "error" (JSON), with the nonce
/// file's problem when there is one. Exit status 1, or 3 for a store that cannot answer.
exit_code refuse(report& r, std::string_view what, std::error_code ec, const cli_nonce_store* nonces = nullptr)
{
    const std::string problem = nonces ? nonces->problem() : std::string();
    if (!r.json()) {
        std::cerr << "apiauth " << r.command() << ": " << what << ": " << describe_error(ec) << ": " << ec.message()
                  << '\n';
        if (!problem.empty()) std::cerr << "apiauth " << r.command() << ": nonce file " << problem << '\n';
    }
    r["error"] = error_json(ec);
    if (!problem.empty()) r["error"]["nonce_file"] = problem;
    return r.finish(exit_for(ec));
}

/// The verdict block of a refused token (text rows; JSON "error").
void rejection_rows(report& r, std::error_code ec, const cli_nonce_store& nonces)
{
    r.line("");
    r.row("verdict", "rejected");
    r.row("error", describe_error(ec));
    r.row("message", ec.message());
    nlohmann::json error = error_json(ec);
    if (const std::string p = nonces.problem(); !p.empty()) {
        r.row("nonce file", p);
        error["nonce_file"] = p;
    }
    r["error"] = std::move(error);
}

/// A Stormpath error as the login site sends it and the application reads it.
nlohmann::json details_json(const id_site::error_details& d)
{
    return {{"code", d.code},
            {"status", d.status},
            {"message", d.message},
            {"developerMessage", d.developer_message},
            {"moreInfo", d.more_info}};
}

void details_rows(const report& r, const id_site::error_details& d)
{
    r.row("code", std::to_string(d.code), 2);
    r.row("status", std::to_string(d.status), 2);
    r.row("message", quoted(d.message, true), 2);
    if (d.developer_message != d.message) r.row("developerMessage", quoted(d.developer_message, true), 2);
    if (!d.more_info.empty()) r.row("moreInfo", quoted(d.more_info, true), 2);
}

nlohmann::json optional_json(std::optional<std::string_view> v)
{
    return v ? nlohmann::json(std::string(*v)) : nlohmann::json();
}

// ---- url ----------------------------------------------------------------------------------------

struct url_options {
    app_key_options key;
    std::string base_url, callback, state, path, organization, sp_token, nonce_file;
    std::vector<std::string> require_mfa;
    bool logout = false, show_organization = false, subdomain = false;
    long long lifetime = 300;
    clock_options clock;
};

/// Signs a request (application::build_redirect_url), records its jti in the nonce file and
/// prints the redirect URL (stdout) and the jti (stderr).
exit_code run_url(const context& ctx, const url_options& opt)
{
    report r{ctx, "id-site url"};
    std::string secret = load_secret(opt.key);
    const clock_function clock = opt.clock.clock();
    auto app = id_site::application::make({.api_key_id = opt.key.key_id,
                                           .api_key_secret = secret,
                                           .application_href = opt.key.href,
                                           .base_url = opt.base_url,
                                           .request_lifetime = std::chrono::seconds(opt.lifetime),
                                           .clock = clock});
    apiauth::crypto::wipe(secret);
    if (!app) return refuse(r, "the application is refused", app.error());

    cli_nonce_store nonces(opt.nonce_file, clock);
    const std::vector<std::string_view> mfa(opt.require_mfa.begin(), opt.require_mfa.end());
    const auto red = app->build_redirect_url(
        {.callback_uri = opt.callback,
         .path = opt.path,
         .state = opt.state,
         .show_organization_field = opt.show_organization ? std::optional<bool>(true) : std::nullopt,
         .organization_name_key = opt.organization,
         .use_subdomain = opt.subdomain ? std::optional<bool>(true) : std::nullopt,
         .sp_token = opt.sp_token,
         .require_mfa = mfa,
         .logout = opt.logout},
        nonces);
    if (!red) return refuse(r, "cannot build the redirect", red.error(), &nonces);

    const std::int64_t exp = opt.clock.seconds() + opt.lifetime;
    r.line(red->url);
    if (!r.json()) {
        if (nonces.has_file())
            std::cerr << "jti " << red->jti << " (recorded in " << printable(opt.nonce_file) << " until " << exp
                      << ")\n";
        else
            std::cerr << "jti " << red->jti << "\nwarning: no --nonce-file: the jti is not recorded, so no callback "
                      << "will accept the answer\n";
    }
    r["url"] = red->url;
    r["jti"] = red->jti;
    r["exp"] = exp;
    r["logout"] = opt.logout;
    r["nonce_file"] = nonces.has_file() ? nlohmann::json(opt.nonce_file) : nlohmann::json();
    return r.finish(exit_code::ok);
}

// ---- callback -----------------------------------------------------------------------------------

struct callback_options {
    app_key_options key;
    std::string base_url, issuer, state, nonce_file, target;
    CLI::Option* state_given = nullptr;
    long long leeway = 5;
    clock_options clock;
};

/// Verifies the login site's answer (application::handle_callback) and consumes its irt from
/// the nonce file; prints the assertion, or the refusal with the login site's error if it sent one.
exit_code run_callback(const context& ctx, const callback_options& opt)
{
    report r{ctx, "id-site callback"};
    const std::string target = target_argument(opt.target);
    std::string secret = load_secret(opt.key);
    const clock_function clock = opt.clock.clock();
    auto app = id_site::application::make({.api_key_id = opt.key.key_id,
                                           .api_key_secret = secret,
                                           .application_href = opt.key.href,
                                           .base_url = opt.base_url,
                                           .login_site_issuer = opt.issuer,
                                           .leeway = std::chrono::seconds(opt.leeway),
                                           .clock = clock});
    apiauth::crypto::wipe(secret);
    if (!app) return refuse(r, "the application is refused", app.error());

    cli_nonce_store nonces(opt.nonce_file, clock);
    const std::optional<std::string_view> expected =
        opt.state_given->count() > 0 ? std::optional<std::string_view>(opt.state) : std::nullopt;
    id_site::error_details details;
    // Without --state the operator asked for no binding: the report says "state not checked".
    const auto a = app->handle_callback(
        target, nonces, expected ? id_site::state_binding(*expected) : id_site::state_binding(id_site::unbound),
        &details);

    r.row("callback", target_summary(target, "jwtResponse"));
    r.row("policy", "key " + quoted(std::string_view(opt.key.key_id)) +
                        (opt.issuer.empty() ? "; any iss" : "; iss must be " + quoted(std::string_view(opt.issuer))) +
                        (expected ? "; state must be " + quoted(*expected) : "; state not checked"));
    r["callback_octets"] = target.size();
    r["policy"] = {{"key_id", opt.key.key_id},
                   {"iss", opt.issuer.empty() ? nlohmann::json() : nlohmann::json(opt.issuer)},
                   {"state", expected ? nlohmann::json(opt.state) : nlohmann::json()},
                   {"nonce_file", nonces.has_file() ? nlohmann::json(opt.nonce_file) : nlohmann::json()}};

    if (!a) {
        const std::error_code ec = a.error();
        rejection_rows(r, ec, nonces);
        const int status = apiauth::http_status(ec, apiauth::endpoint::id_site_callback);
        r.row("http status", std::to_string(status) + " " + std::string(reason_phrase(status)));
        r["error"]["http_status"] = status;
        if (id_site::is_login_site_error(ec)) {
            r.heading("the login site's error (err claim)");
            details_rows(r, details);
            r["login_site_error"] = details_json(details);
        }
        if (ec == errc::nonce_replayed && !nonces.has_file())
            r.row("note", "no --nonce-file: no request was recorded, so no answer can be accepted");
        return r.finish(exit_for(ec));
    }

    const std::string status(id_site::to_string(a->status()));
    r.heading("assertion (verified; its irt consumed)");
    r.row("status", status, 2);
    r.row("sub", a->account_href() ? quoted(*a->account_href(), true) : "(none)", 2);
    r.row("isNewSub", a->is_new_account() ? "true" : "false", 2);
    r.row("state", a->state() ? quoted(*a->state(), true) : "(none)", 2);
    r.row("irt", quoted(a->in_response_to()), 2);
    r.row("iss", a->issuer() ? quoted(*a->issuer(), true) : "(none)", 2);
    r["assertion"] = {{"status", status},
                      {"sub", optional_json(a->account_href())},
                      {"isNewSub", a->is_new_account()},
                      {"state", optional_json(a->state())},
                      {"irt", std::string(a->in_response_to())},
                      {"iss", optional_json(a->issuer())},
                      {"jti", optional_json(a->claims().jti())},
                      {"iat", a->claims().iat() ? nlohmann::json(*a->claims().iat()) : nlohmann::json()},
                      {"exp", a->claims().exp() ? nlohmann::json(*a->claims().exp()) : nlohmann::json()}};
    return report_acceptance(r);
}

// ---- request and response (the login site) ------------------------------------------------

struct site_options {
    app_key_options key;
    std::vector<std::string> callbacks;
    std::string issuer, sso_path = "/sso", nonce_file, target;
    clock_options clock;
};

/// The login site with the one application of the options registered: what request and
/// response both parse with.
struct site {
    apiauth::result<id_site::login_site> login;
    id_site::memory_application_directory directory;
    std::error_code problem;  // the site or the registration was refused

    explicit site(const site_options& opt, std::string_view issuer)
        : login(id_site::login_site::make(
              {.issuer = std::string(issuer), .sso_path = opt.sso_path, .clock = opt.clock.clock()}))
    {
        if (!login) {
            problem = login.error();
            return;
        }
        std::string secret = load_secret(opt.key);
        auto app = login->register_application({opt.key.key_id, secret, opt.key.href, opt.callbacks});
        apiauth::crypto::wipe(secret);
        if (!app) {
            problem = app.error();
            return;
        }
        directory.add(*app);
    }
};

void add_site_options(CLI::App& cmd, site_options& opt, bool issuer_required)
{
    add_app_key_options(cmd, opt.key);
    cmd.add_option("--callback", opt.callbacks, "a callback URI registered for the application; repeatable")
        ->type_name("URI")
        ->required()
        ->allow_extra_args(false);
    CLI::Option* iss =
        cmd.add_option("--issuer", opt.issuer,
                       issuer_required ? "the login site's URL: iss of its responses"
                                       : "the login site's URL (iss of responses: not used to read a request)")
            ->type_name("ISS");
    if (issuer_required) iss->required();
    cmd.add_option("--sso-path", opt.sso_path, "the path requests arrive at (default /sso; logout at <path>/logout)")
        ->type_name("PATH");
    add_nonce_file_option(cmd, opt.nonce_file,
                          "the login site's nonce file: each request jti is recorded when first seen,\n"
                          "and a second sight is refused (default: none, nothing is remembered)");
    add_clock_option(cmd, opt.clock, "the login site's time");
    cmd.add_option("target", opt.target,
                   "the URL the browser arrived with (https://login.example/sso?jwtRequest=…), its\n"
                   "origin-form (/sso?jwtRequest=…), or - to read it from stdin")
        ->required();
}

/// What a refused request still allows (parse_request's refused_request): the login site may
/// send the application an error assertion at the registered cb_uri. Text rows and JSON "refused".
void answerable_rows(report& r, std::error_code ec, const id_site::refused_request& refused)
{
    const std::int64_t code = refused.application ? id_site::code_for(ec) : 0;
    if (code != 0) {
        r.row("answerable", "yes: error " + std::to_string(code) + " to " + quoted(refused.callback_uri, true) +
                                " (apiauth id-site response)");
    } else {
        r.row("answerable", "no: the login site shows an error page");
    }
    r["refused"] = {{"answerable", code != 0},
                    {"key_id", refused.application ? nlohmann::json(std::string(refused.application->api_key_id()))
                                                   : nlohmann::json()},
                    {"callback_uri", refused.application ? nlohmann::json(refused.callback_uri) : nlohmann::json()},
                    {"code", code != 0 ? nlohmann::json(code) : nlohmann::json()}};
}

/// Verifies a request as the login site does (login_site::parse_request) and shows what it asks.
exit_code run_request(const context& ctx, const site_options& opt)
{
    report r{ctx, "id-site request"};
    const std::string target = target_argument(opt.target);
    site s(opt, opt.issuer.empty() ? std::string_view("https://login.invalid") : std::string_view(opt.issuer));
    if (s.problem) return refuse(r, "the login site or the application is refused", s.problem);

    cli_nonce_store nonces(opt.nonce_file, opt.clock.clock());
    id_site::refused_request refused;
    const auto req = s.login->parse_request(target, s.directory, nonces, &refused);
    r.row("request", target_summary(target, "jwtRequest"));
    r["request_octets"] = target.size();
    if (!req) {
        const std::error_code ec = req.error();
        rejection_rows(r, ec, nonces);
        answerable_rows(r, ec, refused);
        return r.finish(exit_for(ec));
    }

    const id_site::site_request& q = *req;
    const auto& c = q.claims();
    const double now = static_cast<double>(opt.clock.seconds());
    r.heading("request (verified; its jti recorded)");
    r.row("application", quoted(q.application()->api_key_id()) + " " + quoted(q.application()->href(), true), 2);
    r.row("kind", q.logout() ? "logout (end the login-site session; answer LOGOUT)" : "login", 2);
    r.row("jti", quoted(q.jti(), true), 2);
    r.row("cb_uri", quoted(q.callback_uri(), true) + " (registered)", 2);
    const auto str = [&](std::string_view label, std::optional<std::string_view> v) {
        if (v) r.row(label, quoted(*v, true), 2);
    };
    const auto flag = [&](std::string_view label, std::optional<bool> v) {
        if (v) r.row(label, *v ? "true" : "false", 2);
    };
    str("state", q.state());
    str("path", q.path());
    flag("sof", q.show_organization_field());
    str("onk", q.organization_name_key());
    flag("usd", q.use_subdomain());
    if (q.sp_token()) r.row("sp_token", octets(q.sp_token()->size()) + ": " + preview(*q.sp_token()), 2);
    nlohmann::json mfa;
    if (const auto m = q.require_mfa()) {
        mfa = nlohmann::json::array();
        std::string list;
        for (std::string_view f : *m) {
            mfa.push_back(std::string(f));
            list += (list.empty() ? "" : ", ") + quoted(f, true);
        }
        r.row("require_mfa", list, 2);
    }
    const auto date = [&](std::string_view label, std::optional<double> v) {
        if (!v) return;
        const auto d = static_cast<long long>(*v - now);
        r.row(label,
              std::to_string(static_cast<long long>(*v)) + " (" +
                  (d == 0  ? std::string("now")
                   : d > 0 ? "in " + std::to_string(d) + " s"
                           : std::to_string(-d) + " s ago") +
                  ")",
              2);
    };
    date("iat", c.iat());
    date("exp", c.exp());
    const auto opt_bool = [](std::optional<bool> v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    r["application"] = {{"key_id", std::string(q.application()->api_key_id())},
                        {"href", std::string(q.application()->href())}};
    r["request"] = {{"logout", q.logout()},
                    {"jti", std::string(q.jti())},
                    {"cb_uri", std::string(q.callback_uri())},
                    {"state", optional_json(q.state())},
                    {"path", optional_json(q.path())},
                    {"sof", opt_bool(q.show_organization_field())},
                    {"onk", optional_json(q.organization_name_key())},
                    {"usd", opt_bool(q.use_subdomain())},
                    {"sp_token", optional_json(q.sp_token())},
                    {"require_mfa", mfa},
                    {"iat", c.iat() ? nlohmann::json(*c.iat()) : nlohmann::json()},
                    {"exp", c.exp() ? nlohmann::json(*c.exp()) : nlohmann::json()}};
    r["nonce_file"] = nonces.has_file() ? nlohmann::json(opt.nonce_file) : nlohmann::json();
    return report_acceptance(r);
}

struct response_options {
    site_options site;
    std::string account, status, error_message;
    bool new_account = false;
    std::int64_t error_code = 0;
    CLI::Option* error_given = nullptr;
};

/// Parses the request, then prints the redirect that answers it (stdout): build_response, or
/// build_error_response with --error, or — for a request refused after its signature and cb_uri
/// verified (a replay, an old iat) — the error assertion a login site sends then (exit 1).
exit_code run_response(const context& ctx, const response_options& opt)
{
    report r{ctx, "id-site response"};
    std::optional<id_site::status> status;
    if (!opt.status.empty()) {
        status = id_site::parse_status(opt.status);
        if (!status) throw usage_error("--status must be AUTHENTICATED, REGISTERED or LOGOUT");
    }
    if (opt.error_given->count() > 0 && opt.error_code <= 0)
        throw usage_error("--error takes a Stormpath error code, e.g. 11001");
    const std::string target = target_argument(opt.site.target);
    site s(opt.site, opt.site.issuer);
    if (s.problem) return refuse(r, "the login site or the application is refused", s.problem);

    cli_nonce_store nonces(opt.site.nonce_file, opt.site.clock.clock());
    id_site::refused_request refused;
    const auto req = s.login->parse_request(target, s.directory, nonces, &refused);

    // Prints the URL (stdout), what it says (stderr), and finishes with `code`.
    const auto answer = [&](const std::string& url, exit_code code) {
        r.line(url);
        r["url"] = url;
        return r.finish(code);
    };
    const auto error_answer = [&](const id_site::refused_request& to, std::error_code ec,
                                  const id_site::error_details& given, exit_code code) {
        const auto url = s.login->build_error_response(to, ec, given);
        if (!url) return refuse(r, "cannot build the error response", url.error());
        id_site::error_details sent = given;  // what build_error_response filled in
        if (sent.code == 0) sent.code = id_site::code_for(ec);
        if (sent.status == 0) sent.status = 400;
        if (sent.message.empty()) sent.message = std::string(id_site::message_for(sent.code));
        if (sent.developer_message.empty()) sent.developer_message = sent.message;
        if (!r.json())
            std::cerr << "answers with error " << sent.code << " (" << sent.message << ") at "
                      << printable(to.callback_uri) << '\n';
        r["login_site_error"] = details_json(sent);
        return answer(*url, code);
    };

    if (!req) {
        const std::error_code ec = req.error();
        const bool answerable = refused.application && id_site::code_for(ec) != 0;
        if (!answerable) return refuse(r, "the request is refused", ec, &nonces);
        if (!r.json())
            std::cerr << "apiauth id-site response: the request is refused: " << describe_error(ec) << ": "
                      << ec.message() << '\n';
        r["error"] = error_json(ec);
        return error_answer(refused, ec, {}, exit_code::rejected);
    }

    const id_site::refused_request to{req->application(), std::string(req->callback_uri())};
    if (opt.error_given->count() > 0) {
        id_site::error_details d;
        d.code = opt.error_code;
        d.message = opt.error_message;
        return error_answer(to, id_site::errc_for_code(opt.error_code), d, exit_code::ok);
    }
    const id_site::status st =
        status.value_or(req->logout() ? id_site::status::logout : id_site::status::authenticated);
    if (opt.account.empty() && st != id_site::status::logout)
        throw usage_error("--account is required unless the status is LOGOUT");
    const auto url =
        s.login->build_response(*req, {.status = st, .account_href = opt.account, .is_new_account = opt.new_account});
    if (!url) return refuse(r, "cannot build the response", url.error());
    if (!r.json())
        std::cerr << "answers request " << printable(req->jti()) << " with " << id_site::to_string(st) << " at "
                  << printable(req->callback_uri()) << '\n';
    r["irt"] = std::string(req->jti());
    r["status"] = std::string(id_site::to_string(st));
    r["sub"] = opt.account.empty() ? nlohmann::json() : nlohmann::json(opt.account);
    r["isNewSub"] = opt.new_account;
    return answer(*url, exit_code::ok);
}

}  // namespace id_site_cmd

void add_id_site_commands(CLI::App& app, context& ctx)
{
    using namespace id_site_cmd;
    CLI::App* group = add_group(app, "id-site",
                                "ID Site hosted login: the application's redirect and callback, the login "
                                "site's request and response");

    auto url = std::make_shared<url_options>();
    CLI::App* u = add_command(
        *group, ctx, "url", "the application's redirect to the login site (a signed jwtRequest)",
        "Sign an ID Site request as the application does (HS256 with the API key secret; claims\n"
        "iss sub cb_uri jti iat exp and the options given) and print the redirect\n"
        "<base-url>/sso?jwtRequest=<JWT> (/sso/logout with --logout) on stdout. Its jti, 128\n"
        "random bits, goes to stderr and is recorded in --nonce-file until exp, so that a later\n"
        "`apiauth id-site callback` with the same file accepts the answer once.",
        "JSON: command verdict url jti exp logout nonce_file | error{name message nonce_file}\n"
        "exit status: 0 written, 1 refused (the key, the base URL, an option), 2 usage error,\n"
        "             3 the nonce file cannot be used\n"
        "example:\n"
        "  apiauth id-site url --key-id \"$id\" --secret-file secret.txt --app-href \"$href\" \\\n"
        "      --base-url https://login.example --callback https://app.example/cb --state s1 --nonce-file app.nonces",
        [&ctx, url] { return run_url(ctx, *url); });
    add_app_key_options(*u, url->key);
    u->add_option("--base-url", url->base_url, "the login site, an absolute http(s) URL")->type_name("URL")->required();
    u->add_option("--callback", url->callback, "cb_uri: where the login site sends the answer")
        ->type_name("URI")
        ->required();
    u->add_option("--state", url->state, "state: echoed back byte for byte")->type_name("S");
    u->add_option("--path", url->path, "path: the page to show first, e.g. /#/register")->type_name("P");
    u->add_flag("--logout", url->logout, "to <base-url>/sso/logout: end the login-site session");
    u->add_option("--organization", url->organization, "onk: the organization nameKey")->type_name("K");
    u->add_flag("--show-organization", url->show_organization, "sof: show the organization field");
    u->add_flag("--subdomain", url->subdomain, "usd: use the organization's subdomain");
    u->add_option("--sp-token", url->sp_token, "sp_token: a password-reset token")->type_name("T");
    u->add_option("--require-mfa", url->require_mfa, "require_mfa: a factor type required; repeatable")
        ->type_name("F")
        ->allow_extra_args(false);
    u->add_option("--lifetime", url->lifetime, "exp = iat + SECONDS, and the jti's lifetime (default 300)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1LL, 24LL * 3600));
    add_nonce_file_option(*u, url->nonce_file,
                          "the application's nonce file: the jti is recorded there (default: nowhere,\n"
                          "and no callback can accept the answer)");
    add_clock_option(*u, url->clock, "the time to sign at (iat)");

    auto cb = std::make_shared<callback_options>();
    CLI::App* c =
        add_command(*group, ctx, "callback", "verify the login site's answer as the application does",
                    "Verify the jwtResponse the browser comes back with, as the application's callback does\n"
                    "(application::handle_callback): typ JWT, the key named by kid, HS256, the signature,\n"
                    "exp with --leeway, aud naming the key, --issuer, then an err claim (the login site's\n"
                    "error: its Stormpath code and messages are shown), irt and status, sub, --state\n"
                    "(constant time), and last the irt consumed from --nonce-file: a second use, or an irt\n"
                    "this application did not issue, is nonce_replayed. Nothing is consumed when an earlier\n"
                    "check fails.",
                    "JSON: command verdict callback_octets policy{key_id iss state nonce_file}\n"
                    "      assertion{status sub isNewSub state irt iss jti iat exp}\n"
                    "      | error{name message http_status nonce_file} login_site_error{code status message\n"
                    "        developerMessage moreInfo}\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error, 3 the nonce file cannot be used\n"
                    "example:\n"
                    "  apiauth id-site callback --key-id \"$id\" --secret-file secret.txt --app-href \"$href\" \\\n"
                    "      --base-url https://login.example --issuer https://login.example --state s1 \\\n"
                    "      --nonce-file app.nonces \"$callback_url\"",
                    [&ctx, cb] { return run_callback(ctx, *cb); });
    add_app_key_options(*c, cb->key);
    c->add_option("--base-url", cb->base_url, "the login site, an absolute http(s) URL")->type_name("URL")->required();
    c->add_option("--issuer", cb->issuer, "iss must be exactly ISS (default: any)")->type_name("ISS");
    cb->state_given =
        c->add_option("--state", cb->state, "state must be exactly S (default: not checked)")->type_name("S");
    c->add_option("--leeway", cb->leeway, "allowed clock skew in seconds for exp, nbf and iat (default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0LL, 3600LL));
    add_nonce_file_option(*c, cb->nonce_file,
                          "the application's nonce file, where url recorded the jti (default: none,\n"
                          "so every answer is nonce_replayed)");
    add_clock_option(*c, cb->clock, "the time to verify at");
    c->add_option("target", cb->target,
                  "the URL the browser came back with (https://app.example/cb?jwtResponse=…), its\n"
                  "origin-form, or - to read it from stdin")
        ->required();

    auto req = std::make_shared<site_options>();
    CLI::App* q =
        add_command(*group, ctx, "request", "verify an application's request as the login site does",
                    "Verify a jwtRequest as the login site does (login_site::parse_request): the path\n"
                    "(--sso-path or its /logout), the application named by iss (the one given here), typ JWT,\n"
                    "HS256, the signature, iss sub jti iat cb_uri present, sub the application's href, cb_uri\n"
                    "one of the --callback URIs, iat within 60 s, and last the jti recorded in --nonce-file (a\n"
                    "second sight is nonce_replayed). Prints what the request asks. A request refused after\n"
                    "its signature and cb_uri verified (an old iat, a replay) is answerable: the login site\n"
                    "may send the application an error assertion (apiauth id-site response does).",
                    "JSON: command verdict request_octets application{key_id href}\n"
                    "      request{logout jti cb_uri state path sof onk usd sp_token require_mfa iat exp} nonce_file\n"
                    "      | error{name message nonce_file} refused{answerable key_id callback_uri code}\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error, 3 the nonce file cannot be used\n"
                    "example:\n"
                    "  apiauth id-site request --key-id \"$id\" --secret-file secret.txt --app-href \"$href\" \\\n"
                    "      --callback https://app.example/cb \"$url\"",
                    [&ctx, req] { return run_request(ctx, *req); });
    add_site_options(*q, *req, false);

    auto resp = std::make_shared<response_options>();
    CLI::App* p =
        add_command(*group, ctx, "response", "answer an application's request as the login site does",
                    "Verify the request as `apiauth id-site request` does, then print the redirect that\n"
                    "answers it on stdout: <cb_uri>?jwtResponse=<JWT>, signed with the application's secret\n"
                    "(login_site::build_response: iss sub aud irt state isNewSub status; LOGOUT by default for\n"
                    "a logout request, AUTHENTICATED otherwise), or with --error CODE an error assertion\n"
                    "(build_error_response: err{code developerMessage message status}). A request refused\n"
                    "after its signature and cb_uri verified (an old iat: 10011; a replay: 11005) is answered\n"
                    "with that error assertion, and the exit status is 1.",
                    "JSON: command verdict url irt status sub isNewSub | login_site_error{code status message\n"
                    "      developerMessage moreInfo} | error{name message nonce_file}\n"
                    "exit status: 0 written, 1 the request is refused (url holds the error assertion when it\n"
                    "             is answerable), 2 usage error, 3 the nonce file cannot be used\n"
                    "example:\n"
                    "  apiauth id-site response --key-id \"$id\" --secret-file secret.txt --app-href \"$href\" \\\n"
                    "      --callback https://app.example/cb --issuer https://login.example \\\n"
                    "      --account https://api.example/accounts/1 --nonce-file site.nonces \"$url\"",
                    [&ctx, resp] { return run_response(ctx, *resp); });
    add_site_options(*p, resp->site, true);
    p->add_option("--account", resp->account, "sub: the account's href (not needed for LOGOUT)")->type_name("HREF");
    p->add_option("--status", resp->status,
                  "AUTHENTICATED, REGISTERED or LOGOUT (default: LOGOUT for a logout\n"
                  "request, AUTHENTICATED otherwise)")
        ->type_name("STATUS");
    p->add_flag("--new-account", resp->new_account, "isNewSub: the account was just created");
    resp->error_given =
        p->add_option("--error", resp->error_code, "answer with an error assertion of this Stormpath code (e.g. 11001)")
            ->type_name("CODE");
    p->add_option("--error-message", resp->error_message, "its message (default: Stormpath's text for the code)")
        ->type_name("TEXT");
}

}  // namespace apiauth_cli
