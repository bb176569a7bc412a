// cli.hpp — what the command groups of the `apiauth` tool share: exit codes, the context the
// commands run in, the report every command writes (aligned text for people, or one JSON
// object with --json), and reading files.
//
// A command group is one file that defines `void add_<group>_commands(CLI::App&, context&)`,
// declared below and called from main.cpp. Each subcommand's CLI11 callback runs the command
// and stores its exit code in context::status. A usage problem found after parsing (a value
// CLI11 cannot check) is thrown as usage_error; main.cpp prints it like a CLI11 parse error.
#ifndef APIAUTH_EXAMPLES_CLI_CLI_HPP
#define APIAUTH_EXAMPLES_CLI_CLI_HPP

#include <apiauth/api_key.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth_cli {

/// The exit status of every command (documented in `apiauth --help` and README.md).
enum class exit_code : int {
    ok = 0,        ///< accepted, or written
    rejected = 1,  ///< the input (header, token, key, value to write) was refused
    usage = 2,     ///< the command line is wrong (CLI11 parse errors too)
    internal = 3,  ///< anything else: I/O, OpenSSL, a store that cannot answer
};

/// What every command reads and writes besides its own options.
struct context {
    bool json = false;                 ///< --json: one JSON object on stdout instead of text
    exit_code status = exit_code::ok;  ///< set by the command that ran
};

/// A problem with the command line found by a command itself; exit status 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Command groups, in the order `apiauth --help` lists them. A new group is one file defining
// its add_*_commands and one line in main.cpp.
void add_explain_commands(CLI::App& app, context& ctx);       // explain.cpp
void add_challenge_commands(CLI::App& app, context& ctx);     // challenge.cpp
void add_jwk_commands(CLI::App& app, context& ctx);           // jwk.cpp
void add_jwt_commands(CLI::App& app, context& ctx);           // jwt.cpp
void add_key_commands(CLI::App& app, context& ctx);           // key.cpp
void add_secret_commands(CLI::App& app, context& ctx);        // secret.cpp
void add_token_commands(CLI::App& app, context& ctx);         // token.cpp
void add_authenticate_commands(CLI::App& app, context& ctx);  // authenticate.cpp
void add_id_site_commands(CLI::App& app, context& ctx);       // id_site.cpp
void add_oidc_commands(CLI::App& app, context& ctx);          // oidc.cpp

/** A subcommand of `parent` that runs `run()` and makes its result the exit status. `summary`
    (one line) lists it in its parent's help; its own --help prints the summary, `details`,
    the options and `footer` (its JSON fields, exit status, an example). It takes --json when
    `reports` is set (every command that reports something does). */
CLI::App* add_command(CLI::App& parent, context& ctx, std::string name, std::string_view summary,
                      std::string_view details, std::string footer, std::function<exit_code()> run,
                      bool reports = true);

/// The help layout of every command: a blank line after the description, one line per
/// subcommand in a list, and the top-level list showing each group's subcommands.
std::shared_ptr<CLI::Formatter> make_help_formatter();

/// A command group: needs one of its subcommands.
CLI::App* add_group(CLI::App& parent, std::string name, std::string description);

/// "apiauth jwt verify" for the App of `jwt verify`.
std::string command_path(const CLI::App& app);

/// The whole of a file, or nothing if it cannot be read.
std::optional<std::string> read_file(std::string_view path);
/// All of stdin. More than `max` octets is a usage_error naming `what` ("the request"); a read
/// error throws std::runtime_error (internal error).
std::string read_stdin(std::string_view what, std::size_t max);

// ---- text ---------------------------------------------------------------------------------------

/// `s` with control characters (and, unless `keep_non_ascii`, octets above 0x7E) escaped,
/// so that nothing read from the input can move the cursor or break the terminal.
std::string printable(std::string_view s, bool keep_non_ascii = false);
/// `s` between double quotes, '"' and '\' escaped as quoted-pairs.
std::string quoted(std::string_view s, bool keep_non_ascii = false);
/// The first 12 characters of a token, then "…" if there is more.
std::string preview(std::string_view token);
/// "1 octet", "12 octets".
std::string octets(std::size_t n);
/// The library's name for an error ("bad_signature"), or category:value.
std::string describe_error(std::error_code ec);
/// The reason phrase of an HTTP status code the library answers with ("Unauthorized"), or "".
std::string_view reason_phrase(int status);

// ---- reports ------------------------------------------------------------------------------------

/** What one command says. In text mode (the default) the row/heading/line calls print at
    once, as before CLI11; in JSON mode they print nothing and the command fills the object
    instead, which finish() prints as one line on stdout with "command" and "verdict"
    ("accepted" or "rejected") added. Secrets (passwords, client secrets, private keys given
    as input) go into neither, only their lengths. */
class report {
public:
    report(const context& ctx, std::string command);

    bool json() const noexcept { return json_; }
    const std::string& command() const noexcept { return command_; }

    /// Text mode: one aligned "label  value" line.
    void row(std::string_view label, std::string_view value, std::size_t indent = 0) const;
    /// Text mode: a blank line, then `title`.
    void heading(std::string_view title) const;
    /// Text mode: `text` and a newline.
    void line(std::string_view text) const;

    /// The JSON object (filled in both modes; printed only in JSON mode).
    nlohmann::json& operator[](const char* key) { return doc_[key]; }
    nlohmann::json& doc() noexcept { return doc_; }

    /// Prints the JSON object (JSON mode) with its verdict, and returns `code`.
    exit_code finish(exit_code code);
    /// A refusal by the library: "apiauth <command>: <what>: <error>: <message>" on stderr in
    /// text mode; "error": {"name", "message"} in JSON mode. Exit status 1.
    exit_code refuse(std::string_view what, std::error_code ec);

private:
    bool json_;
    std::string command_;
    nlohmann::json doc_ = nlohmann::json::object();
};

/// How a server that accepts Basic and Bearer answers: the challenge of the scheme the
/// client tried, or both when it tried another one (none: no challenge is proposed).
enum class scheme_kind { basic, bearer, other, none };

/** The verdict block of a rejected credential or token: error name and message, HTTP status,
    OAuth error and the WWW-Authenticate values to send (realm "example"; `scope` goes into
    the Bearer challenge, RFC 6750 §3.1 insufficient_scope). JSON: "error": {"name",
    "message", "http_status", "oauth_error"} and "www_authenticate": [...]. */
exit_code report_rejection(report& r, std::error_code ec, scheme_kind kind, std::string_view scope = {});
/// A blank line and "verdict  accepted" (text).
exit_code report_acceptance(report& r);

/// The error object of the JSON reports: {"name", "message"}.
nlohmann::json error_json(std::error_code ec);

// ---- keys (jwk.cpp; also used by jwt.cpp) -----------------------------------------------------

/// The --alg and --kid options of the commands that read a key file.
struct key_file_options {
    std::string alg;  ///< for a key without "alg" (a JWK whose kty allows several, or PEM)
    std::string kid;  ///< for a PEM key (a JWK carries its own)
};

/// Adds --alg and --kid (for keys without them) to `cmd`.
void add_key_file_options(CLI::App& cmd, key_file_options& opt);

/// What a key file is read for: signing (one private or HMAC key), publishing its public
/// form (one key), or verifying (one public or HMAC key, or a JWK Set; private keys refused).
enum class key_use { sign, publish, verify };

/** The keys in the file `path`: a JWK, a JWK Set ({"keys": [...]}, verify only) or a PEM key
    (recognised by its "-----BEGIN" line). A key without "alg" takes --alg; when it has none
    and none is given (PEM keys, RSA and oct JWKs), or the file cannot be read, or --alg is not
    an algorithm name, throws usage_error. What the library refuses is the error. */
apiauth::result<apiauth::jose::key_set> load_keys(std::string_view path, const key_file_options& opt, key_use use);

/// "HS256, HS384, …, EdDSA".
std::string algorithm_list();

/// Writes `text` to a new file `path` with mode 0600 (replacing one only if `force`): the
/// secret never exists, even for a moment, in a file others may read. Returns an error
/// message, or an empty string. (jwk.cpp; also used by secret.cpp)
std::string write_secret_file(const std::string& path, const std::string& text, bool force);

/// Lower-case hex of `b` into `out` (2 characters an octet; what does not fit is left out), in
/// place, so a secret's text can be wiped where it lies. (key.cpp; also used by secret.cpp)
void write_hex(std::span<const std::byte> b, std::span<char> out) noexcept;

// ---- JWTs as the reports show them (jwt.cpp; also used by token.cpp) ---------------------------

/// The JSON object in the base64url segment `segment` of a JWS, or a discarded value (and
/// `problem` says why).
nlohmann::json decode_segment(std::string_view segment, std::string& problem);
/// alg, kid and typ of a token's JOSE header as written (unverified when it was refused).
/// JSON: "header": {"alg", "kid", "typ"} (null when absent), or null.
void print_header(report& r, std::string_view token);
/// The registered claims of a verified token, dates relative to `now` (text only).
void print_claims(const report& r, const apiauth::jose::jwt::claims& c, double now);
/// The registered claims of a refused token as its payload `j` states them (text only).
void print_unverified_claims(const report& r, const nlohmann::json& j, std::string_view problem, double now,
                             bool signature_valid);

// ---- API key records and peppers (key.cpp; also used by authenticate.cpp) ---------------------

/// Pepper bytes that wipe themselves.
struct pepper_bytes {
    std::vector<std::byte> key;
    std::uint32_t version = 1;
    pepper_bytes() = default;
    pepper_bytes(std::vector<std::byte> k, std::uint32_t v) : key(std::move(k)), version(v) {}
    pepper_bytes(pepper_bytes&&) = default;
    pepper_bytes& operator=(pepper_bytes&&) = default;
    ~pepper_bytes() { apiauth::crypto::wipe(key.data(), key.size()); }
};

/// A pepper given as hex; throws usage_error unless it is hex of at least 32 bytes.
pepper_bytes pepper_from_hex(std::string_view hex, std::uint32_t version);
/// The ring of `peppers` with `current` as the version new verifiers use; usage_error if refused.
apiauth::pepper_ring make_ring(const std::vector<pepper_bytes>& peppers, std::uint32_t current);
/// The records of a --record argument: a JSON text ('{' or '['), else a file holding one
/// record or an array of them. Throws usage_error for anything else.
std::vector<apiauth::api_key_record> records_from(std::string_view arg);

/** Where the peppers come from. The current one: --pepper-file PATH (a file holding its hex, as
    `apiauth secret generate --encoding hex --out` writes it), --pepper-env NAME (an environment
    variable holding it), or --pepper-hex HEX, which puts the secret in the process's argv
    (visible to every user through ps and /proc, kept in shell history) and so prints a warning
    on stderr. Older ones (--pepper, with `older`): HEX:N (warned the same), file:PATH:N or
    env:NAME:N. */
struct pepper_source {
    std::string hex, file, env;
    std::uint32_t version = 1;
    std::vector<std::string> older;
};
/// Adds --pepper-file, --pepper-env, --pepper-hex (mutually exclusive), --pepper-version and, with
/// `older`, --pepper to `cmd`; `what` describes the pepper ("the servers' current pepper").
void add_pepper_source_options(CLI::App& cmd, pepper_source& src, std::string_view what, bool older);
/// Whether a current pepper was given (by any of the three options).
bool pepper_given(const pepper_source& src);
/// The current pepper; usage_error when none was given or it cannot be read or is not a pepper.
pepper_bytes current_pepper(const pepper_source& src);
/// The ring of the current pepper and the older ones; usage_error for a malformed or refused one.
apiauth::pepper_ring ring_from(const pepper_source& src);

// ---- API keys in PostgreSQL (key_db.cpp; also used by key.cpp's `key verify --db`) -------------

/// The subcommands of `apiauth key` that manage keys in a database (migrate, create, list, show,
/// disable, enable, delete, rotate, rewrap). Without PostgreSQL support at build time
/// (APIAUTH_CLI_WITH_POSTGRES) they exist and are usage errors.
void add_key_db_commands(CLI::App& key_group, context& ctx);

/// Where the key records are: --db, --table, --timeout-ms.
struct db_options {
    std::string db;                          ///< libpq conninfo or URI; "" = the environment's APIAUTH_DB
    std::string table = "apiauth_api_keys";  ///< the migrations' table
    std::int64_t timeout_ms = 5000;          ///< the bound of each connect and statement
};

/// Adds --db, --table and --timeout-ms to `cmd`; `what` describes --db.
void add_db_options(CLI::App& cmd, db_options& opt, std::string_view what);
/// Whether --db, or else the environment variable APIAUTH_DB, names a database.
bool db_given(const db_options& opt);

/// A store's lookup, as verify_api_key calls it.
using record_lookup = std::function<apiauth::result<std::shared_ptr<const apiauth::api_key_record>>(std::string_view)>;

/// The database of `key verify --db`: its lookup, and why its last lookup failed with
/// store_unavailable (a libpq message, or "no answer within ... ms").
struct db_lookup {
    record_lookup lookup;
    std::function<std::string()> why_unavailable;
};
/// Opens (lazily: nothing is connected yet) the database of `opt`. Throws usage_error for a
/// malformed --db or --table, no database given, or a build without PostgreSQL support.
db_lookup open_db_lookup(const db_options& opt);

}  // namespace apiauth_cli

#endif
