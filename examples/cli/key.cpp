// key.cpp — `apiauth key generate | verify | basic | import-stormpath`: API keys
// (apiauth/api_key.hpp). The same group's management of keys in PostgreSQL (migrate, create,
// list, show, disable, enable, delete, rotate, rewrap) is key_db.cpp, added here.
//
// generate prints the token once (it exists nowhere else afterwards), then the record to store,
// as JSON, then the display hint. A pepper is needed to make the verifier: without one
// (--pepper-file, --pepper-env, or --pepper-hex with a warning) a random one is made and printed
// on stderr with a warning — that is for demonstrations only; a server keeps its peppers outside
// the database (research/api-keys.md §3.3).
//
// verify runs verify_api_key on TOKEN (or verify_basic_api_key on an Authorization value)
// against a store holding the given record(s), or against the database of --db (key_db.cpp),
// counting store lookups, so that it shows, e.g., that a tampered key is refused before any
// lookup. The allow-list is --prefix, by default the prefixes of the records (with --db: the
// token's own prefix, the record's being checked against it anyway).

#include "cli.hpp"

#include <apiauth/api_key.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/stores/memory.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace apiauth_cli {

void write_hex(std::span<const std::byte> b, std::span<char> out) noexcept
{
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < b.size() && 2 * i + 1 < out.size(); ++i) {
        out[2 * i] = digits[std::to_integer<unsigned>(b[i]) >> 4];
        out[2 * i + 1] = digits[std::to_integer<unsigned>(b[i]) & 15];
    }
}

namespace key_cmd {

// ---- hex and peppers ----------------------------------------------------------------------------

std::string to_hex(std::span<const std::byte> b)
{
    std::string out(b.size() * 2, '\0');
    write_hex(b, out);
    return out;
}

std::optional<std::vector<std::byte>> from_hex(std::string_view h)
{
    const auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (h.size() % 2 != 0) return std::nullopt;
    std::vector<std::byte> out(h.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nib(h[2 * i]), lo = nib(h[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<std::byte>(hi << 4 | lo);
    }
    return out;
}

}  // namespace key_cmd

// pepper_from_hex, make_ring and records_from are shared with authenticate.cpp (cli.hpp).

pepper_bytes pepper_from_hex(std::string_view hex, std::uint32_t version)
{
    using namespace key_cmd;
    auto bytes = from_hex(hex);
    if (!bytes) throw usage_error("a pepper must be hex (64 or more digits)");
    if (bytes->size() < apiauth::pepper_ring::min_pepper_size)
        throw usage_error("a pepper must have at least 32 bytes (64 hex digits)");
    return {std::move(*bytes), version};
}

apiauth::pepper_ring make_ring(const std::vector<pepper_bytes>& peppers, std::uint32_t current)
{
    using namespace key_cmd;
    std::vector<apiauth::pepper> list;
    for (const auto& p : peppers) list.push_back({p.version, p.key});
    auto ring = apiauth::pepper_ring::make(list, current);
    if (!ring) throw usage_error("the peppers were refused: " + ring.error().message());
    return std::move(*ring);
}

namespace {

// Text of a file or environment variable holding hex, without the line end a file has.
std::string trimmed_secret(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

std::string pepper_text_from_env(const std::string& name)
{
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') throw usage_error("the environment variable " + printable(name) + " is not set");
    return trimmed_secret(v);
}

}  // namespace

std::string read_secret_text_file(const std::string& path, std::string_view what)
{
    auto text = read_file(path);
    if (!text) throw usage_error("cannot read " + std::string(what) + " " + printable(path));
    return trimmed_secret(std::move(*text));
}

namespace {

void warn_pepper_in_argv(std::string_view option)
{
    std::cerr << "warning: " << option
              << " puts the pepper on the command line, where every user of this machine can read it\n"
                 "         (ps, /proc/PID/cmdline) and the shell keeps it in its history: use --pepper-file\n"
                 "         FILE or --pepper-env VAR (for --pepper, file:PATH:N or env:NAME:N)\n";
}

}  // namespace

void add_pepper_source_options(CLI::App& cmd, pepper_source& src, std::string_view what, bool older)
{
    CLI::Option* file = cmd.add_option("--pepper-file", src.file,
                                       std::string(what) + ": a file holding it as hex\n(apiauth secret generate "
                                                           "--encoding hex --out FILE)")
                            ->type_name("FILE");
    CLI::Option* env =
        cmd.add_option("--pepper-env", src.env, "an environment variable holding the pepper (hex)")->type_name("VAR");
    CLI::Option* hex =
        cmd.add_option("--pepper-hex", src.hex, "the pepper as hex on the command line (discouraged: visible in ps)")
            ->type_name("HEX");
    file->excludes(env)->excludes(hex);
    env->excludes(hex);
    cmd.add_option("--pepper-version", src.version, "its version (default 1)")->type_name("N");
    if (older)
        cmd.add_option("--pepper", src.older,
                       "an older pepper: file:PATH:N, env:NAME:N or HEX:N (discouraged);\nrepeatable")
            ->type_name("SOURCE:N")
            ->allow_extra_args(false);
}

bool pepper_given(const pepper_source& src)
{
    return !src.hex.empty() || !src.file.empty() || !src.env.empty();
}

pepper_bytes current_pepper(const pepper_source& src)
{
    if (!src.file.empty()) return pepper_from_hex(read_secret_text_file(src.file, "the pepper file"), src.version);
    if (!src.env.empty()) return pepper_from_hex(pepper_text_from_env(src.env), src.version);
    if (src.hex.empty()) throw usage_error("no pepper: give --pepper-file FILE or --pepper-env VAR");
    warn_pepper_in_argv("--pepper-hex");
    return pepper_from_hex(src.hex, src.version);
}

apiauth::pepper_ring ring_from(const pepper_source& src)
{
    // The current pepper, then --pepper SOURCE:N for older ones.
    std::vector<pepper_bytes> peppers;
    peppers.push_back(current_pepper(src));
    bool warned = false;
    for (const std::string& p : src.older) {
        const std::size_t colon = p.rfind(':');
        std::uint32_t v = 0;
        const std::string_view digits = std::string_view(p).substr(colon == std::string::npos ? 0 : colon + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (colon == std::string::npos || digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
            throw usage_error("--pepper takes file:PATH:VERSION, env:NAME:VERSION or HEX:VERSION");
        const std::string source = p.substr(0, colon);
        if (source.starts_with("file:")) {
            peppers.push_back(pepper_from_hex(read_secret_text_file(source.substr(5), "the pepper file"), v));
        } else if (source.starts_with("env:")) {
            peppers.push_back(pepper_from_hex(pepper_text_from_env(source.substr(4)), v));
        } else {
            if (!warned) warn_pepper_in_argv("--pepper HEX:N");
            warned = true;
            peppers.push_back(pepper_from_hex(source, v));
        }
    }
    return make_ring(peppers, src.version);
}

namespace key_cmd {

// ---- records as JSON ----------------------------------------------------------------------------

std::int64_t unix_seconds(std::chrono::sys_seconds t)
{
    return t.time_since_epoch().count();
}

std::chrono::sys_seconds from_unix(std::int64_t s)
{
    return std::chrono::sys_seconds{std::chrono::seconds{s}};
}

nlohmann::json verifier_json(const apiauth::api_key_verifier& v)
{
    nlohmann::json j = {{"mac", to_hex(v.mac)}, {"pepper_version", v.pepper_version}};
    if (v.wrap_version) j["wrap_version"] = *v.wrap_version;
    return j;
}

nlohmann::json record_json(const apiauth::api_key_record& r)
{
    nlohmann::json j = {{"key_id", r.key_id},
                        {"prefix", r.prefix},
                        {"format", r.format == apiauth::api_key_format::v1 ? "v1" : "stormpath"},
                        {"verifier", verifier_json(r.verifier)},
                        {"created_at", unix_seconds(r.created_at)},
                        {"scopes", r.scopes},
                        {"owner", r.owner}};
    if (r.previous) {
        j["previous"] = verifier_json(r.previous->verifier);
        j["previous"]["valid_until"] = unix_seconds(r.previous->valid_until);
    }
    if (r.not_before) j["not_before"] = unix_seconds(*r.not_before);
    if (r.expires_at) j["expires_at"] = unix_seconds(*r.expires_at);
    if (r.revoked_at) j["revoked_at"] = unix_seconds(*r.revoked_at);
    if (!r.grant_types.empty()) j["grant_types"] = r.grant_types;
    if (!r.resources.empty()) j["resources"] = r.resources;
    return j;
}

apiauth::api_key_verifier verifier_from(const nlohmann::json& j)
{
    apiauth::api_key_verifier v;
    const auto mac = from_hex(j.at("mac").get<std::string>());
    if (!mac || mac->size() != v.mac.size()) throw usage_error("a verifier mac must be 64 hex digits");
    std::copy(mac->begin(), mac->end(), v.mac.begin());
    v.pepper_version = j.at("pepper_version").get<std::uint32_t>();
    if (j.contains("wrap_version")) v.wrap_version = j.at("wrap_version").get<std::uint32_t>();
    return v;
}

apiauth::api_key_record record_from(const nlohmann::json& j)
{
    if (!j.is_object()) throw usage_error("a record must be a JSON object");
    apiauth::api_key_record r;
    r.key_id = j.at("key_id").get<std::string>();
    r.prefix = j.value("prefix", std::string());
    const std::string format = j.value("format", std::string("v1"));
    if (format != "v1" && format != "stormpath") throw usage_error("record format must be v1 or stormpath");
    r.format = format == "v1" ? apiauth::api_key_format::v1 : apiauth::api_key_format::stormpath;
    r.verifier = verifier_from(j.at("verifier"));
    if (j.contains("previous"))
        r.previous = apiauth::api_key_previous_verifier{
            verifier_from(j.at("previous")), from_unix(j.at("previous").at("valid_until").get<std::int64_t>())};
    r.created_at = from_unix(j.value("created_at", std::int64_t{0}));
    if (j.contains("not_before")) r.not_before = from_unix(j.at("not_before").get<std::int64_t>());
    if (j.contains("expires_at")) r.expires_at = from_unix(j.at("expires_at").get<std::int64_t>());
    if (j.contains("revoked_at")) r.revoked_at = from_unix(j.at("revoked_at").get<std::int64_t>());
    r.scopes = j.value("scopes", std::vector<std::string>{});
    r.grant_types = j.value("grant_types", std::vector<std::string>{});
    r.resources = j.value("resources", std::vector<std::string>{});
    r.owner = j.value("owner", std::string());
    return r;
}

}  // namespace key_cmd

// A record argument is a JSON text if it starts with '{' or '[', else the name of a file holding one.
std::vector<apiauth::api_key_record> records_from(std::string_view arg)
{
    using namespace key_cmd;
    std::string text(arg);
    if (!(arg.starts_with("{") || arg.starts_with("["))) {
        auto file = read_file(arg);
        if (!file) throw usage_error("cannot read the record file " + printable(arg));
        text = std::move(*file);
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw usage_error(std::string("the record is not JSON: ") + e.what());
    }
    std::vector<apiauth::api_key_record> out;
    try {
        if (j.is_array())
            for (const auto& e : j) out.push_back(record_from(e));
        else
            out.push_back(record_from(j));
    } catch (const nlohmann::json::exception& e) {
        throw usage_error(std::string("the record is not a valid api_key_record: ") + e.what());
    }
    return out;
}

namespace key_cmd {

void write_record_file(report& r, const std::string& path, const nlohmann::json& record)
{
    if (path.empty()) return;
    // Mode 0600 (write_secret_file: a temporary beside it, renamed over it): a record is no key,
    // but its verifier is what an offline guess is checked against.
    if (const std::string problem = write_secret_file(path, record.dump(2) + '\n', true); !problem.empty())
        throw std::runtime_error("cannot write " + path + ": " + problem);
    r["record_file"] = path;
}

/// One "label  value" line, labels 12 wide (the key commands' layout).
void line(const report& r, std::string_view label, std::string_view value)
{
    std::string text(label);
    text.resize(std::max<std::size_t>(label.size(), 12), ' ');
    r.line(text + ' ' + std::string(value));
}

/// "bad_checksum (The API key checksum does not match)".
std::string error_line(std::error_code e)
{
    return std::string(apiauth::error_name(e)) + " (" + e.message() + ")";
}

// The pepper of generate and import-stormpath: --pepper-file, --pepper-env or --pepper-hex, or a
// fresh random one (demo only).
pepper_bytes pepper_for_new_record(const pepper_source& opt)
{
    if (pepper_given(opt)) return current_pepper(opt);
    std::vector<std::byte> key(32);
    if (!apiauth::crypto::random_bytes(key)) throw std::runtime_error("the random generator failed");
    std::cerr << "warning: no --pepper-file: made a random pepper for this demonstration only. A server keeps\n"
                 "         its peppers outside the database and never prints them. Verify with:\n"
                 "         --pepper-hex "
              << to_hex(key) << " --pepper-version " << opt.version << '\n';
    return {std::move(key), opt.version};
}

void add_pepper_options(CLI::App& cmd, pepper_source& opt)
{
    add_pepper_source_options(cmd, opt,
                              "the server's pepper (default: a random one,\nprinted on stderr: for "
                              "demonstrations only)",
                              false);
}

// ---- subcommands --------------------------------------------------------------------------------

struct generate_options {
    std::string prefix;
    pepper_source pepper;
    std::uint32_t lifetime_days = 0;
    std::string owner;
    std::vector<std::string> scopes;
    std::string record_out;
};

exit_code run_generate(const context& ctx, const generate_options& opt)
{
    report r{ctx, "key generate"};
    if (!apiauth::is_api_key_prefix(opt.prefix))
        throw usage_error("the prefix must be lowercase labels joined by '_' (1..32 characters, e.g. acme_sk)");
    std::vector<pepper_bytes> peppers;
    peppers.push_back(pepper_for_new_record(opt.pepper));
    const apiauth::pepper_ring ring = make_ring(peppers, peppers.front().version);

    apiauth::api_key_generate_options gen;
    if (opt.lifetime_days > 0) gen.lifetime = std::chrono::days(opt.lifetime_days);
    auto g = apiauth::generate_api_key(opt.prefix, ring, gen);
    if (!g) {
        std::cerr << "apiauth key generate: " << g.error().message() << '\n';
        return exit_code::internal;
    }
    g->record.owner = opt.owner;
    g->record.scopes = opt.scopes;
    const nlohmann::json record = record_json(g->record);
    write_record_file(r, opt.record_out, record);

    line(r, "token", g->token.reveal());
    line(r, "record", record.dump());
    line(r, "hint", g->hint);
    r["token"] = std::string(g->token.reveal());
    r["record"] = record;
    r["hint"] = g->hint;
    std::cerr << "note: the token is shown this once; store only the record.\n";
    return r.finish(exit_code::ok);
}

// The key of a TOKEN argument: itself, or for "-" the first line of stdin (so that the key is not in
// argv, where ps shows it to every user).
std::string key_argument(const std::string& arg)
{
    if (arg != "-") return arg;
    std::string text = read_stdin("the API key", 4096);
    const std::size_t end = text.find_first_of("\r\n");
    if (end != std::string::npos) text.resize(end);
    if (text.empty()) throw usage_error("no API key on stdin");
    return text;
}

// A store that counts lookups, to show when a key was refused before reaching it: the records
// of --record in memory, or the database of --db.
struct counting_store {
    record_lookup inner;
    mutable int lookups = 0;
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view id) const noexcept
    {
        ++lookups;
        return inner(id);
    }
};

// The prefix of an API key given whole or as 'Basic ...', where the key's layout puts it
// (<prefix>_<17-character key id>_<49 characters>; the Basic user-id is <prefix>_<key id>),
// whether or not the rest is valid: verification judges that. "" when there is none.
std::string prefix_of(std::string_view token, std::string_view authorization)
{
    constexpr std::size_t after_prefix = 68, after_prefix_in_user_id = 18;
    if (authorization.empty())
        return token.size() > after_prefix ? std::string(token.substr(0, token.size() - after_prefix)) : "";
    const std::string_view fields[] = {authorization};
    const auto c = apiauth::http::extract_basic({.authorization = fields});
    if (!c || c->user_id().size() <= after_prefix_in_user_id) return {};
    return std::string(c->user_id().substr(0, c->user_id().size() - after_prefix_in_user_id));
}

struct verify_options {
    std::string token;
    std::string authorization;
    std::vector<std::string> records;
    pepper_source pepper;
    std::vector<std::string> prefixes;
    std::int64_t leeway = 0;
    std::int64_t now = 0;
    bool stormpath = false;
    db_options db;
    CLI::Option* authorization_given = nullptr;
    CLI::Option* now_given = nullptr;
};

exit_code run_verify(const context& ctx, const verify_options& given)
{
    report r{ctx, "key verify"};
    verify_options opt = given;
    opt.token = key_argument(opt.token);
    const bool basic = opt.authorization_given->count() > 0;
    if (basic ? !opt.token.empty() : opt.token.empty())
        throw usage_error("verify takes a TOKEN, or --authorization 'Basic ...'");

    // The records: --record, or the database of --db (or APIAUTH_DB when there is no --record).
    const bool from_db = opt.records.empty();
    if (from_db && !db_given(opt.db))
        throw usage_error("verify needs the stored records: --record JSON-OR-FILE, or --db (or APIAUTH_DB)");
    if (!from_db && !opt.db.db.empty()) throw usage_error("give the records with --record or --db, not both");
    if (!pepper_given(opt.pepper))
        throw usage_error("verify needs the pepper of the records: --pepper-file FILE or --pepper-env VAR");
    const apiauth::pepper_ring ring = ring_from(opt.pepper);

    apiauth::stores::memory_api_key_store store;
    std::vector<std::string> prefixes = opt.prefixes;
    const bool default_prefixes = prefixes.empty();
    for (const std::string& arg : opt.records)
        for (apiauth::api_key_record& rec : records_from(arg)) {
            if (default_prefixes && !rec.prefix.empty()) prefixes.push_back(rec.prefix);
            if (!store.insert(std::move(rec))) throw usage_error("two records have the same key_id");
        }
    db_lookup db;
    if (from_db) {
        db = open_db_lookup(opt.db);
        // The records are not known before the lookup: the key's own prefix (a record's prefix
        // must still equal the token's). A token without one is malformed, refused before the
        // allow-list is read, which must not be empty all the same.
        if (default_prefixes) prefixes.push_back(prefix_of(opt.token, basic ? opt.authorization : ""));
        if (prefixes.front().empty()) prefixes.front() = "none";
    }
    const std::vector<std::string_view> prefix_views(prefixes.begin(), prefixes.end());

    apiauth::api_key_options verify_opt{.prefixes = prefix_views, .accept_stormpath = opt.stormpath};
    verify_opt.leeway = std::chrono::seconds(opt.leeway);
    if (opt.now_given->count() > 0) verify_opt.now = from_unix(opt.now);

    counting_store counted{
        from_db ? db.lookup : record_lookup([&store](std::string_view id) noexcept { return store.lookup(id); })};
    apiauth::result<apiauth::verified_api_key> v = apiauth::errc::no_credentials;
    if (basic) {
        const std::string_view fields[] = {opt.authorization};
        v = apiauth::verify_basic_api_key({.authorization = fields}, counted, ring, verify_opt);
    } else {
        v = apiauth::verify_api_key(opt.token, counted, ring, verify_opt);
    }
    line(r, "presented", basic ? "HTTP Basic (client_id:client_secret)" : "single string");
    line(r, "lookups", std::to_string(counted.lookups));
    r["presented"] = basic ? "basic" : "single";
    r["lookups"] = counted.lookups;
    if (!v) {
        const std::error_code& e = v.error();
        const int status = apiauth::http_status(e);
        line(r, "result", "rejected");
        line(r, "error", error_line(e));
        line(r, "http", std::to_string(status));
        if (counted.lookups == 0) line(r, "note", "refused before any store lookup");
        nlohmann::json error = error_json(e);
        error["http_status"] = status;
        if (from_db && e == apiauth::make_error_code(apiauth::errc::store_unavailable)) {
            const std::string why = db.why_unavailable();
            std::cerr << "apiauth key verify: database unavailable: " << why << '\n';
            error["detail"] = why;
        }
        r["error"] = std::move(error);
        // A store that cannot answer is not a verdict about the key.
        return r.finish(status >= 500 ? exit_code::internal : exit_code::rejected);
    }
    const apiauth::api_key_record& rec = *v->record();
    line(r, "result", "accepted");
    line(r, "key_id", rec.key_id);
    line(r, "hint", apiauth::api_key_hint(rec));
    if (!rec.owner.empty()) line(r, "owner", rec.owner);
    std::string scopes;
    for (const std::string& s : rec.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    if (!scopes.empty()) line(r, "scopes", scopes);
    if (v->matched_previous()) line(r, "note", "matched the previous verifier (rotation grace period)");
    if (v->rehash()) line(r, "rehash", verifier_json(*v->rehash()).dump());
    r["key_id"] = rec.key_id;
    r["hint"] = apiauth::api_key_hint(rec);
    r["owner"] = rec.owner;
    r["scopes"] = rec.scopes;
    r["matched_previous"] = v->matched_previous();
    r["rehash"] = v->rehash() ? verifier_json(*v->rehash()) : nlohmann::json();
    return r.finish(exit_code::ok);
}

exit_code run_basic(const context& ctx, const std::string& arg)
{
    report r{ctx, "key basic"};
    const std::string token = key_argument(arg);
    const auto k = apiauth::parse_api_key(token);
    if (!k) {
        line(r, "error", error_line(k.error()));
        r["error"] = error_json(k.error());
        return r.finish(exit_code::rejected);
    }
    const auto header = apiauth::http::encode_basic(k->client_id(), k->client_secret());
    if (!header) throw std::runtime_error(header.error().message());
    line(r, "client_id", k->client_id());
    line(r, "authorization", *header);
    r["client_id"] = std::string(k->client_id());
    r["authorization"] = *header;
    return r.finish(exit_code::ok);
}

struct import_options {
    std::string id, secret, secret_file, secret_env;
    pepper_source pepper;
    std::string record_out;
};

exit_code run_import_stormpath(const context& ctx, const import_options& opt)
{
    report r{ctx, "key import-stormpath"};
    // The secret: --secret-file, --secret-env, "-" (the first line of stdin), or the argument.
    std::string secret;
    const int sources = int(!opt.secret.empty()) + int(!opt.secret_file.empty()) + int(!opt.secret_env.empty());
    if (sources != 1)
        throw usage_error("give the Stormpath secret once: --secret-file FILE, --secret-env VAR or - (stdin)");
    if (!opt.secret_file.empty()) {
        secret = read_secret_text_file(opt.secret_file, "the secret file");
    } else if (!opt.secret_env.empty()) {
        const char* v = std::getenv(opt.secret_env.c_str());
        if (v == nullptr || *v == '\0')
            throw usage_error("the environment variable " + printable(opt.secret_env) + " is not set");
        secret = v;
    } else if (opt.secret == "-") {
        secret = read_stdin("the Stormpath secret", 4096);
        if (const std::size_t end = secret.find_first_of("\r\n"); end != std::string::npos) secret.resize(end);
    } else {
        std::cerr << "warning: the Stormpath secret on the command line is visible to every user of this machine\n"
                     "         (ps, /proc/PID/cmdline): use --secret-file FILE, --secret-env VAR or - (stdin)\n";
        secret = opt.secret;
    }
    if (secret.empty()) throw usage_error("the Stormpath secret is empty");
    std::vector<pepper_bytes> peppers;
    peppers.push_back(pepper_for_new_record(opt.pepper));
    const apiauth::pepper_ring ring = make_ring(peppers, peppers.front().version);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto rec = apiauth::import_stormpath_api_key(opt.id, secret, ring, now);
    apiauth::crypto::wipe(secret.data(), secret.size());
    if (!rec) {
        line(r, "error", error_line(rec.error()));
        r["error"] = error_json(rec.error());
        return r.finish(exit_code::rejected);
    }
    const nlohmann::json record = record_json(*rec);
    write_record_file(r, opt.record_out, record);
    line(r, "record", record.dump());
    line(r, "hint", apiauth::api_key_hint(*rec));
    r["record"] = record;
    r["hint"] = apiauth::api_key_hint(*rec);
    return r.finish(exit_code::ok);
}

}  // namespace key_cmd

void add_key_commands(CLI::App& app, context& ctx)
{
    using namespace key_cmd;
    CLI::App* group =
        add_group(app, "key", "API keys: generate, verify, the Basic form, Stormpath import; keys in PostgreSQL");

    auto gen = std::make_shared<generate_options>();
    CLI::App* g =
        add_command(*group, ctx, "generate", "generate an API key and the record to store",
                    "Generate an API key <prefix>_<version><key id>_<secret><checksum> and print it once,\n"
                    "with the record a server stores (key id, HMAC-SHA-256 verifier under the pepper, dates)\n"
                    "and a display hint. Only the record is kept; the key exists nowhere else.",
                    "JSON: command verdict token record hint record_file\n"
                    "exit status: 0 written, 2 usage error, 3 internal error\n"
                    "example:\n"
                    "  apiauth secret generate --encoding hex --out pepper.hex\n"
                    "  apiauth key generate --prefix acme_sk --pepper-file pepper.hex --record-out record.json",
                    [&ctx, gen] { return run_generate(ctx, *gen); });
    g->add_option("--prefix", gen->prefix, "lowercase labels joined by '_', e.g. acme_sk")->type_name("P")->required();
    add_pepper_options(*g, gen->pepper);
    g->add_option("--lifetime-days", gen->lifetime_days, "the key expires after D days")->type_name("D");
    g->add_option("--owner", gen->owner, "who the key belongs to (stored in the record)")->type_name("O");
    g->add_option("--scope", gen->scopes, "a scope the key grants (repeat for more)")
        ->type_name("S")
        ->allow_extra_args(false);
    g->add_option("--record-out", gen->record_out, "also write the record to FILE")->type_name("FILE");

    auto ver = std::make_shared<verify_options>();
    CLI::App* v =
        add_command(*group, ctx, "verify", "verify an API key against stored records",
                    "Verify an API key against stored records as a server would: bound, structure,\n"
                    "prefix, version and checksum first (no lookup), then one lookup by key id and a\n"
                    "constant-time comparison of the HMAC verifier, then status and dates. The key is\n"
                    "given whole (TOKEN) or as HTTP Basic (--authorization 'Basic ...', id:secret).\n"
                    "The records are --record, or the PostgreSQL table of --db (or APIAUTH_DB), which\n"
                    "is only read: a rehash the verification asks for is shown, not stored.",
                    "JSON: command verdict presented lookups key_id hint owner scopes matched_previous rehash\n"
                    "      error{name message http_status detail}\n"
                    "exit status: 0 accepted, 1 rejected, 2 usage error, 3 the store cannot answer\n"
                    "examples:\n"
                    "  apiauth key verify - --record record.json --pepper-file pepper.hex --prefix acme_sk < key.txt\n"
                    "  apiauth key verify - --db postgresql:///app --pepper-env APP_PEPPER < key.txt",
                    [&ctx, ver] { return run_verify(ctx, *ver); });
    v->add_option("token", ver->token, "the API key, whole, or - to read it from stdin");
    ver->authorization_given =
        v->add_option("--authorization", ver->authorization, "an Authorization value 'Basic ...' instead of TOKEN")
            ->type_name("'Basic ...'");
    v->add_option("--record", ver->records,
                  "a record (JSON text, or a file holding one or an array); repeatable\n"
                  "(or the records of --db)")
        ->type_name("JSON-OR-FILE")
        ->allow_extra_args(false);
    add_pepper_source_options(*v, ver->pepper, "the current pepper (required)", true);
    v->add_option("--prefix", ver->prefixes, "an accepted prefix; repeatable (default: the records' prefixes)")
        ->type_name("P")
        ->allow_extra_args(false);
    v->add_option("--leeway", ver->leeway, "allowed clock skew in seconds for the key's dates")->type_name("SECONDS");
    ver->now_given = v->add_option("--now", ver->now, "the time to verify at, in Unix seconds (default: now)")
                         ->type_name("UNIX-SECONDS");
    v->add_flag("--stormpath", ver->stormpath, "also accept Stormpath key id and secret pairs");
    add_db_options(*v, ver->db, "the records' database instead of --record");

    auto basic_token = std::make_shared<std::string>();
    CLI::App* b = add_command(*group, ctx, "basic", "the HTTP Basic form of an API key (client_id, client_secret)",
                              "Split an API key into its HTTP Basic form (and OAuth client_id / client_secret):\n"
                              "the key id as user-id, the whole key as password.",
                              "JSON: command verdict client_id authorization | error{name message}\n"
                              "exit status: 0 written, 1 not an API key, 2 usage error\n"
                              "example:\n"
                              "  apiauth key basic - < key.txt",
                              [&ctx, basic_token] { return run_basic(ctx, *basic_token); });
    b->add_option("token", *basic_token, "the API key, or - to read it from stdin")->required();

    auto imp = std::make_shared<import_options>();
    CLI::App* i = add_command(
        *group, ctx, "import-stormpath", "a record for a Stormpath API key id and secret",
        "Make a record for a Stormpath API key id and secret, so that a migrated client keeps\n"
        "its key (verify with --stormpath). The secret is never printed.",
        "JSON: command verdict record hint record_file | error{name message}\n"
        "exit status: 0 written, 1 refused, 2 usage error\n"
        "example:\n"
        "  apiauth key import-stormpath \"$id\" --secret-file stormpath-secret.txt --pepper-file pepper.hex \\\n"
        "      --record-out record.json",
        [&ctx, imp] { return run_import_stormpath(ctx, *imp); });
    i->add_option("id", imp->id, "the Stormpath API key id")->required();
    i->add_option("secret", imp->secret,
                  "the Stormpath API key secret, or - to read it from stdin\n(prefer --secret-file or --secret-env)");
    i->add_option("--secret-file", imp->secret_file, "a file holding the Stormpath API key secret")->type_name("FILE");
    i->add_option("--secret-env", imp->secret_env, "an environment variable holding it")->type_name("VAR");
    add_pepper_options(*i, imp->pepper);
    i->add_option("--record-out", imp->record_out, "also write the record to FILE")->type_name("FILE");

    add_key_db_commands(*group, ctx);
}

}  // namespace apiauth_cli
