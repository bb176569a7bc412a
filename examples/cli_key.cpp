// cli_key.cpp — `apiauth key …`: generate, verify and convert API keys (apiauth/api_key.hpp).
//
//   apiauth key generate --prefix P [--pepper-hex HEX] [--pepper-version N] [--lifetime-days D]
//                        [--owner O] [--scope S]... [--record-out FILE]
//   apiauth key verify (TOKEN | --authorization 'Basic …') --record JSON-OR-FILE [--record …]...
//                      --pepper-hex HEX [--pepper-version N] [--pepper HEX:N]... [--prefix P]...
//                      [--leeway SECONDS] [--now UNIX-SECONDS] [--stormpath]
//   apiauth key basic TOKEN
//   apiauth key import-stormpath ID SECRET [--pepper-hex HEX] [--pepper-version N] [--record-out FILE]
//
// Entry point: `int cli_key(int argc, char** argv)`, with argv[0] = "key" and argv[1] the
// subcommand (a dispatcher calls it with the arguments from "key" on; a leading "key" may also
// be left out). Self-contained apart from the library and nlohmann/json.
//
// generate prints the token once (it exists nowhere else afterwards), then the record to store,
// as JSON, then the display hint. A pepper is needed to make the verifier: without --pepper-hex a
// random one is made and printed on stderr with a warning — that is for demonstrations only; a
// server keeps its peppers outside the database (research/api-keys.md §3.3).
//
// verify runs verify_api_key on TOKEN (or verify_basic_api_key on an Authorization value)
// against a store holding the given record(s), counting store lookups, so that it shows, e.g.,
// that a tampered key is refused before any lookup. The allow-list is --prefix, by default the
// prefixes of the records.
//
// Output follows the apiauth CLI: "label  value" lines on stdout; usage errors on stderr.
// Exit status: 0 accepted (or written), 1 rejected, 2 usage error, 3 internal error.

#include <apiauth/api_key.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/stores/memory.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

int cli_key(int argc, char** argv);

namespace {

enum exit_status : int { exit_ok = 0, exit_rejected = 1, exit_usage = 2, exit_internal = 3 };

constexpr std::string_view usage_text =
    "usage:\n"
    "  apiauth key generate --prefix P [--pepper-hex HEX] [--pepper-version N] [--lifetime-days D]\n"
    "                       [--owner O] [--scope S]... [--record-out FILE]\n"
    "  apiauth key verify (TOKEN | --authorization 'Basic ...') --record JSON-OR-FILE [--record ...]...\n"
    "                     --pepper-hex HEX [--pepper-version N] [--pepper HEX:N]... [--prefix P]...\n"
    "                     [--leeway SECONDS] [--now UNIX-SECONDS] [--stormpath]\n"
    "  apiauth key basic TOKEN\n"
    "  apiauth key import-stormpath ID SECRET [--pepper-hex HEX] [--pepper-version N] [--record-out FILE]\n";

/// A usage error: the message goes to stderr with the usage text, exit status 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---- arguments ---------------------------------------------------------------------------------

struct args {
    std::vector<std::string> operands;
    std::vector<std::pair<std::string, std::string>> options;  // name, value ("" for flags)

    std::optional<std::string> value(std::string_view name) const
    {
        std::optional<std::string> v;
        for (const auto& [n, val] : options)
            if (n == name) {
                if (v) throw usage_error("option " + std::string(name) + " given twice");
                v = val;
            }
        return v;
    }
    std::vector<std::string> values(std::string_view name) const
    {
        std::vector<std::string> v;
        for (const auto& [n, val] : options)
            if (n == name) v.push_back(val);
        return v;
    }
    bool flag(std::string_view name) const { return value(name).has_value(); }
};

// "--name value", "--name=value" or a flag; `with_value` lists the options that take one.
args parse(int argc, char** argv, int first, std::initializer_list<std::string_view> with_value,
           std::initializer_list<std::string_view> flags)
{
    args a;
    for (int i = first; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (!arg.starts_with("--")) {
            a.operands.emplace_back(arg);
            continue;
        }
        const std::size_t eq = arg.find('=');
        const std::string_view name = arg.substr(0, eq);
        bool known_value = false, known_flag = false;
        for (const std::string_view o : with_value) known_value = known_value || o == name;
        for (const std::string_view o : flags) known_flag = known_flag || o == name;
        if (known_flag && eq == std::string_view::npos) {
            a.options.emplace_back(name, "");
        } else if (known_value) {
            if (eq != std::string_view::npos) {
                a.options.emplace_back(name, arg.substr(eq + 1));
            } else {
                if (i + 1 >= argc) throw usage_error("option " + std::string(name) + " needs a value");
                a.options.emplace_back(name, argv[++i]);
            }
        } else {
            throw usage_error("unknown option " + std::string(arg));
        }
    }
    return a;
}

std::uint32_t parse_u32(std::string_view what, std::string_view s)
{
    std::uint32_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty())
        throw usage_error(std::string(what) + " is not a number: " + std::string(s));
    return v;
}

std::int64_t parse_i64(std::string_view what, std::string_view s)
{
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty())
        throw usage_error(std::string(what) + " is not a number: " + std::string(s));
    return v;
}

// ---- hex and peppers -----------------------------------------------------------------------------

std::string to_hex(std::span<const std::byte> b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (const std::byte x : b) {
        out += digits[std::to_integer<unsigned>(x) >> 4];
        out += digits[std::to_integer<unsigned>(x) & 15];
    }
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

/// Pepper bytes that wipe themselves.
struct pepper_bytes {
    std::vector<std::byte> key;
    std::uint32_t version = 1;
    pepper_bytes() = default;
    pepper_bytes(std::vector<std::byte> k, std::uint32_t v) : key(std::move(k)), version(v) {}
    pepper_bytes(pepper_bytes&&) = default;
    pepper_bytes& operator=(pepper_bytes&&) = default;
    ~pepper_bytes() { apiauth::detail::wipe(key.data(), key.size()); }
};

pepper_bytes pepper_from_hex(std::string_view hex, std::uint32_t version)
{
    auto bytes = from_hex(hex);
    if (!bytes) throw usage_error("a pepper must be hex (64 or more digits)");
    if (bytes->size() < apiauth::pepper_ring::min_pepper_size)
        throw usage_error("a pepper must have at least 32 bytes (64 hex digits)");
    return {std::move(*bytes), version};
}

apiauth::pepper_ring make_ring(const std::vector<pepper_bytes>& peppers, std::uint32_t current)
{
    std::vector<apiauth::pepper> list;
    for (const auto& p : peppers) list.push_back({p.version, p.key});
    auto ring = apiauth::pepper_ring::make(list, current);
    if (!ring) throw usage_error("the peppers were refused: " + ring.error().message());
    return std::move(*ring);
}

// ---- records as JSON --------------------------------------------------------------------------------

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
    r.owner = j.value("owner", std::string());
    return r;
}

// A record argument is a JSON text if it starts with '{' or '[', else the name of a file holding one.
std::vector<apiauth::api_key_record> records_from(std::string_view arg)
{
    std::string text(arg);
    if (!(arg.starts_with("{") || arg.starts_with("["))) {
        std::ifstream in{std::string(arg)};
        if (!in) throw usage_error("cannot read the record file " + std::string(arg));
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
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

void write_record_file(const std::optional<std::string>& path, const nlohmann::json& record)
{
    if (!path) return;
    std::ofstream out(*path);
    if (!out || !(out << record.dump(2) << '\n')) throw std::runtime_error("cannot write " + *path);
}

void line(std::string_view label, std::string_view value)
{
    std::cout << label;
    for (std::size_t i = label.size(); i < 12; ++i) std::cout << ' ';
    std::cout << ' ' << value << '\n';
}

// The pepper of generate and import-stormpath: --pepper-hex, or a fresh random one (demo only).
pepper_bytes pepper_for_new_record(const args& a)
{
    const std::uint32_t version =
        a.value("--pepper-version") ? parse_u32("--pepper-version", *a.value("--pepper-version")) : 1;
    if (const auto hex = a.value("--pepper-hex")) return pepper_from_hex(*hex, version);
    std::vector<std::byte> key(32);
    if (!apiauth::crypto::random_bytes(key)) throw std::runtime_error("the random generator failed");
    std::cerr << "warning: no --pepper-hex: made a random pepper for this demonstration only. A server keeps\n"
                 "         its peppers outside the database and never prints them. Verify with:\n"
                 "         --pepper-hex "
              << to_hex(key) << " --pepper-version " << version << '\n';
    return {std::move(key), version};
}

// ---- subcommands -----------------------------------------------------------------------------------

int run_generate(int argc, char** argv, int first)
{
    const args a = parse(
        argc, argv, first,
        {"--prefix", "--pepper-hex", "--pepper-version", "--lifetime-days", "--owner", "--scope", "--record-out"}, {});
    if (!a.operands.empty()) throw usage_error("generate takes no operands");
    const auto prefix = a.value("--prefix");
    if (!prefix) throw usage_error("generate needs --prefix");
    if (!apiauth::is_api_key_prefix(*prefix))
        throw usage_error("the prefix must be lowercase labels joined by '_' (1..32 characters, e.g. acme_sk)");
    std::vector<pepper_bytes> peppers;
    peppers.push_back(pepper_for_new_record(a));
    const apiauth::pepper_ring ring = make_ring(peppers, peppers.front().version);

    apiauth::api_key_generate_options opt;
    if (const auto days = a.value("--lifetime-days"))
        opt.lifetime = std::chrono::days(parse_u32("--lifetime-days", *days));
    auto g = apiauth::generate_api_key(*prefix, ring, opt);
    if (!g) {
        std::cerr << "apiauth key generate: " << g.error().message() << '\n';
        return exit_internal;
    }
    if (const auto owner = a.value("--owner")) g->record.owner = *owner;
    g->record.scopes = a.values("--scope");
    const nlohmann::json record = record_json(g->record);
    write_record_file(a.value("--record-out"), record);

    line("token", g->token.reveal());
    line("record", record.dump());
    line("hint", g->hint);
    std::cerr << "note: the token is shown this once; store only the record.\n";
    return exit_ok;
}

// A store that counts lookups, to show when a key was refused before reaching it.
struct counting_store {
    const apiauth::stores::memory_api_key_store* inner;
    mutable int lookups = 0;
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view id) const noexcept
    {
        ++lookups;
        return inner->lookup(id);
    }
};

int run_verify(int argc, char** argv, int first)
{
    const args a = parse(argc, argv, first,
                         {"--record", "--pepper-hex", "--pepper-version", "--pepper", "--prefix", "--leeway", "--now",
                          "--authorization"},
                         {"--stormpath"});
    const auto authorization = a.value("--authorization");
    if (authorization ? !a.operands.empty() : a.operands.size() != 1)
        throw usage_error("verify takes a TOKEN, or --authorization 'Basic ...'");
    const auto record_args = a.values("--record");
    if (record_args.empty()) throw usage_error("verify needs --record");

    // The pepper ring: --pepper-hex/--pepper-version is the current pepper; --pepper HEX:N adds older ones.
    const auto hex = a.value("--pepper-hex");
    if (!hex) throw usage_error("verify needs --pepper-hex");
    const std::uint32_t current =
        a.value("--pepper-version") ? parse_u32("--pepper-version", *a.value("--pepper-version")) : 1;
    std::vector<pepper_bytes> peppers;
    peppers.push_back(pepper_from_hex(*hex, current));
    for (const std::string& p : a.values("--pepper")) {
        const std::size_t colon = p.rfind(':');
        if (colon == std::string::npos) throw usage_error("--pepper takes HEX:VERSION");
        peppers.push_back(pepper_from_hex(std::string_view(p).substr(0, colon),
                                          parse_u32("--pepper version", std::string_view(p).substr(colon + 1))));
    }
    const apiauth::pepper_ring ring = make_ring(peppers, current);

    apiauth::stores::memory_api_key_store store;
    std::vector<std::string> prefixes = a.values("--prefix");
    const bool default_prefixes = prefixes.empty();
    for (const std::string& arg : record_args)
        for (apiauth::api_key_record& r : records_from(arg)) {
            if (default_prefixes && !r.prefix.empty()) prefixes.push_back(r.prefix);
            if (!store.insert(std::move(r))) throw usage_error("two records have the same key_id");
        }
    const std::vector<std::string_view> prefix_views(prefixes.begin(), prefixes.end());

    apiauth::api_key_options opt{.prefixes = prefix_views, .accept_stormpath = a.flag("--stormpath")};
    if (const auto leeway = a.value("--leeway")) opt.leeway = std::chrono::seconds(parse_i64("--leeway", *leeway));
    if (const auto now = a.value("--now")) opt.now = from_unix(parse_i64("--now", *now));

    counting_store counted{&store};
    apiauth::result<apiauth::verified_api_key> r = apiauth::errc::no_credentials;
    if (authorization) {
        const std::string_view fields[] = {*authorization};
        r = apiauth::verify_basic_api_key({.authorization = fields}, counted, ring, opt);
    } else {
        r = apiauth::verify_api_key(a.operands.front(), counted, ring, opt);
    }
    line("presented", authorization ? "HTTP Basic (client_id:client_secret)" : "single string");
    line("lookups", std::to_string(counted.lookups));
    if (!r) {
        const std::error_code& e = r.error();
        line("result", "rejected");
        line("error", std::string(apiauth::error_name(e)) + " (" + e.message() + ")");
        line("http", std::to_string(apiauth::http_status(e)));
        if (counted.lookups == 0) line("note", "refused before any store lookup");
        return apiauth::http_status(e) >= 500 ? exit_internal : exit_rejected;
    }
    const apiauth::api_key_record& rec = *r->record;
    line("result", "accepted");
    line("key_id", rec.key_id);
    line("hint", apiauth::api_key_hint(rec));
    if (!rec.owner.empty()) line("owner", rec.owner);
    std::string scopes;
    for (const std::string& s : rec.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    if (!scopes.empty()) line("scopes", scopes);
    if (r->matched_previous) line("note", "matched the previous verifier (rotation grace period)");
    if (r->rehash) line("rehash", verifier_json(*r->rehash).dump());
    return exit_ok;
}

int run_basic(int argc, char** argv, int first)
{
    const args a = parse(argc, argv, first, {}, {});
    if (a.operands.size() != 1) throw usage_error("basic takes one TOKEN");
    const auto k = apiauth::parse_api_key(a.operands.front());
    if (!k) {
        line("error", std::string(apiauth::error_name(k.error())) + " (" + k.error().message() + ")");
        return exit_rejected;
    }
    const auto header = apiauth::http::encode_basic(k->client_id(), k->client_secret());
    if (!header) throw std::runtime_error(header.error().message());
    line("client_id", k->client_id());
    line("authorization", *header);
    return exit_ok;
}

int run_import_stormpath(int argc, char** argv, int first)
{
    const args a = parse(argc, argv, first, {"--pepper-hex", "--pepper-version", "--record-out"}, {});
    if (a.operands.size() != 2) throw usage_error("import-stormpath takes ID and SECRET");
    std::vector<pepper_bytes> peppers;
    peppers.push_back(pepper_for_new_record(a));
    const apiauth::pepper_ring ring = make_ring(peppers, peppers.front().version);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto r = apiauth::import_stormpath_api_key(a.operands[0], a.operands[1], ring, now);
    if (!r) {
        line("error", std::string(apiauth::error_name(r.error())) + " (" + r.error().message() + ")");
        return exit_rejected;
    }
    const nlohmann::json record = record_json(*r);
    write_record_file(a.value("--record-out"), record);
    line("record", record.dump());
    line("hint", apiauth::api_key_hint(*r));
    return exit_ok;
}

}  // namespace

int cli_key(int argc, char** argv)
{
    int first = 0;
    if (first < argc && std::string_view(argv[first]) == "key") ++first;
    if (first >= argc) {
        std::cerr << usage_text;
        return exit_usage;
    }
    const std::string_view sub = argv[first];
    try {
        if (sub == "generate") return run_generate(argc, argv, first + 1);
        if (sub == "verify") return run_verify(argc, argv, first + 1);
        if (sub == "basic") return run_basic(argc, argv, first + 1);
        if (sub == "import-stormpath") return run_import_stormpath(argc, argv, first + 1);
        if (sub == "help" || sub == "--help" || sub == "-h") {
            std::cout << usage_text;
            return exit_ok;
        }
        throw usage_error("unknown subcommand key " + std::string(sub));
    } catch (const usage_error& e) {
        std::cerr << "apiauth key: " << e.what() << '\n' << usage_text;
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "apiauth key: " << e.what() << '\n';
        return exit_internal;
    }
}
