// key_db.cpp — `apiauth key migrate | create | list | show | disable | enable | delete | rotate |
// rewrap`: the operator's management of API keys kept in PostgreSQL (apiauth/stores/postgres.hpp,
// the operations of stores::api_key_admin), and the database behind `apiauth key verify --db`.
//
// The database is --db, a libpq connection string ("host=/run/postgresql dbname=app") or URI
// ("postgresql://apiauth@db.internal/app"), else the environment variable APIAUTH_DB (which keeps
// a password off the command line); the table is --table (the migrations' apiauth_api_keys by
// default). The database holds records only. The token is printed once, by create and rotate;
// the pepper is never in the database: the commands that make or re-wrap a verifier need the
// servers' pepper (--pepper-file or --pepper-env), and never make up a random one, since a verifier under a pepper
// no server holds is a key nobody can use.
//
// Without --owner a command acts as the operator (stores::any_owner): on any owner's key. With it,
// another owner's key is refused (key_owner_mismatch), as an application's account page would be.
//
// Exit status: 0 done (deleting a key that is not there is done too), 1 refused by the store
// (key_unknown, key_owner_mismatch, key_conflict, api_key_revoked, …: the error's name and message),
// 2 usage, 3 the database cannot answer: "database unavailable: <why>". Every wait is bounded by
// --timeout-ms; when the failure came fast, one more connection asks libpq why (refused,
// authentication, no such database, the table missing) within what is left of that bound.
//
// Built without libpq (APIAUTH_CLI_WITH_POSTGRES undefined: examples/CMakeLists.txt defines it when
// apiauth::postgres exists), the commands are still listed, with their help, and each one is a
// usage error saying so.

#include "cli.hpp"

#include <apiauth/stores/api_key_admin.hpp>

#if APIAUTH_CLI_WITH_POSTGRES
#include <apiauth/stores/postgres.hpp>

#include <libpq-fe.h>

#include <poll.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth_cli {

namespace key_db_cmd {

namespace stores = apiauth::stores;
using std::chrono::sys_seconds;

// ---- the pepper ring of create, rotate and rewrap -----------------------------------------------

using ring_options = pepper_source;

void add_ring_options(CLI::App& cmd, ring_options& opt)
{
    add_pepper_source_options(cmd, opt, "the servers' current pepper (required: it is never in the database)", true);
}

// ---- the options of each subcommand -------------------------------------------------------------

struct migrate_options {
    db_options db;
};

struct create_options {
    db_options db;
    ring_options pepper;
    std::string prefix, owner, name;
    std::vector<std::string> scopes, grant_types, resources;
    std::uint32_t lifetime_days = 0;
};

struct list_options {
    db_options db;
    std::string owner;
};

/// show, disable, enable, delete: one key, maybe on behalf of its owner.
struct key_options {
    db_options db;
    std::string key_id;
    std::string owner;
    CLI::Option* owner_given = nullptr;
    std::int64_t at = 0;  // disable --at
    CLI::Option* at_given = nullptr;
};

struct rotate_options {
    key_options key;
    ring_options pepper;
    std::int64_t grace = 0;
};

struct rewrap_options {
    db_options db;
    ring_options pepper;
    std::size_t batch = 500;
};

#if APIAUTH_CLI_WITH_POSTGRES

/// --db, else $APIAUTH_DB; usage_error when neither is given.
std::string conninfo_of(const db_options& opt)
{
    if (!opt.db.empty()) return opt.db;
    if (const char* env = std::getenv("APIAUTH_DB"); env != nullptr && *env != '\0') return env;
    throw usage_error("no database: give --db (a libpq connection string or postgresql:// URI) or set APIAUTH_DB");
}

// ---- text ---------------------------------------------------------------------------------------

/// One "label  value" line, labels 12 wide (the key commands' layout).
void line(const report& r, std::string_view label, std::string_view value)
{
    std::string text(label);
    text.resize(std::max<std::size_t>(label.size(), 12), ' ');
    r.line(text + ' ' + std::string(value));
}

sys_seconds now_seconds()
{
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::int64_t unix_seconds(sys_seconds t)
{
    return t.time_since_epoch().count();
}

/// "2024-05-01T12:00:00Z".
std::string utc(sys_seconds t)
{
    const auto s = static_cast<std::time_t>(unix_seconds(t));
    std::tm tm{};
    char text[40];
    if (gmtime_r(&s, &tm) == nullptr) return std::to_string(unix_seconds(t));
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return n == 0 ? std::to_string(unix_seconds(t)) : std::string(text, n);
}

/// "42 s", "17 min", "5 h", "30 days".
std::string span(std::chrono::seconds d)
{
    const std::int64_t s = d.count();
    if (s < 120) return std::to_string(s) + " s";
    if (s < 120 * 60) return std::to_string(s / 60) + " min";
    if (s < 48 * 3600) return std::to_string(s / 3600) + " h";
    return std::to_string(s / 86400) + " days";
}

/// "2024-05-01T12:00:00Z (in 30 days)", "… (5 s ago)", "… (now)".
std::string when(sys_seconds t, sys_seconds now)
{
    if (t == now) return utc(t) + " (now)";
    return utc(t) + (t > now ? " (in " + span(t - now) + ")" : " (" + span(now - t) + " ago)");
}

std::string joined(const std::vector<std::string>& v, std::string_view none)
{
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : " ") + printable(x);
    return s.empty() ? std::string(none) : s;
}

/// Columns as a terminal counts them: UTF-8 code points (the hint ends in "…").
std::size_t columns(std::string_view s)
{
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ---- listings -----------------------------------------------------------------------------------

/// enabled, disabled (revoked_at passed), expired, or not yet valid (not_before ahead).
std::string status_of(const stores::api_key_listing& l, sys_seconds now)
{
    if (l.revoked_at && *l.revoked_at <= now) return "disabled";
    if (l.expires_at && *l.expires_at <= now) return "expired";
    if (l.not_before && *l.not_before > now) return "not yet valid";
    return "enabled";
}

nlohmann::json time_json(const std::optional<sys_seconds>& t)
{
    return t ? nlohmann::json(unix_seconds(*t)) : nlohmann::json();
}

/// A listing as JSON: every field of stores::api_key_listing (times in Unix seconds, null when
/// unset) and its status now. Never a secret or a MAC: a listing has none.
nlohmann::json listing_json(const stores::api_key_listing& l, sys_seconds now)
{
    return {{"key_id", l.key_id},
            {"hint", l.hint},
            {"prefix", l.prefix},
            {"format", l.format == apiauth::api_key_format::v1 ? "v1" : "stormpath"},
            {"owner", l.owner},
            {"name", l.name},
            {"scopes", l.scopes},
            {"grant_types", l.grant_types},
            {"resources", l.resources},
            {"created_at", unix_seconds(l.created_at)},
            {"not_before", time_json(l.not_before)},
            {"expires_at", time_json(l.expires_at)},
            {"revoked_at", time_json(l.revoked_at)},
            {"previous_valid_until", time_json(l.previous_valid_until)},
            {"pepper_version", l.pepper_version},
            {"wrapped", l.wrapped},
            {"status", status_of(l, now)}};
}

void print_listing(const report& r, const stores::api_key_listing& l, sys_seconds now)
{
    line(r, "key_id", printable(l.key_id));
    line(r, "hint", printable(l.hint, true));
    if (l.format != apiauth::api_key_format::v1) line(r, "format", "stormpath (imported)");
    line(r, "owner", apiauth_cli::quoted(l.owner, true));
    if (!l.name.empty()) line(r, "name", apiauth_cli::quoted(l.name, true));
    line(r, "scopes", joined(l.scopes, "(none)"));
    line(r, "grant_types", joined(l.grant_types, "(all)"));
    line(r, "resources", joined(l.resources, "(any)"));
    line(r, "created", utc(l.created_at));
    if (l.not_before) line(r, "not_before", when(*l.not_before, now));
    line(r, "expires", l.expires_at ? when(*l.expires_at, now) : "never");
    if (l.revoked_at) line(r, "disabled_at", when(*l.revoked_at, now));
    if (l.previous_valid_until)
        line(r, "previous", "the secret before a rotation is accepted until " + when(*l.previous_valid_until, now));
    line(r, "pepper", "version " + std::to_string(l.pepper_version) + (l.wrapped ? ", wrapped" : ""));
    line(r, "status", status_of(l, now));
}

/// The keys of `list` as an aligned table, a header first.
void print_table(const report& r, const std::vector<stores::api_key_listing>& keys, sys_seconds now)
{
    std::vector<std::vector<std::string>> rows{{"key_id", "hint", "name", "created", "expires", "status", "scopes"}};
    for (const stores::api_key_listing& l : keys)
        rows.push_back({printable(l.key_id), printable(l.hint, true), l.name.empty() ? "-" : printable(l.name, true),
                        utc(l.created_at), l.expires_at ? utc(*l.expires_at) : "never", status_of(l, now),
                        joined(l.scopes, "-")});
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], columns(row[c]));
    for (const auto& row : rows) {
        std::string text;
        for (std::size_t c = 0; c < row.size(); ++c) {
            text += row[c];
            if (c + 1 < row.size()) text.append(width[c] - columns(row[c]) + 2, ' ');
        }
        r.line(text);
    }
}

// ---- the database -------------------------------------------------------------------------------

/// "line one; line two" for a libpq message (which ends in a newline, and may hold several).
std::string one_line(std::string_view message)
{
    std::string out;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (c == '\n') {
            while (i + 1 < message.size() && (message[i + 1] == '\t' || message[i + 1] == ' ')) ++i;
            if (i + 1 < message.size()) out += "; ";
        } else {
            out += c;
        }
    }
    return printable(out, true);
}

/// Waits until libpq's socket is ready for `write` (or reading) or the deadline passes.
bool wait_for(PGconn* c, bool write, std::chrono::steady_clock::time_point deadline)
{
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{PQsocket(c), static_cast<short>(write ? POLLOUT : POLLIN), 0};
        if (p.fd < 0) return false;
        const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

struct pg_conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pg_result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};

/** The database of one command: a pool of one connection (opened by the first call), the store
    on it, and why a call failed with store_unavailable. */
class database {
public:
    /// Throws usage_error for no database, a malformed --db, or a --table that is not a plain identifier.
    explicit database(const db_options& opt)
        : conninfo_(conninfo_of(opt)), table_(opt.table), timeout_(std::chrono::milliseconds(opt.timeout_ms))
    {
        if (opt.timeout_ms < 1 || opt.timeout_ms > 3'600'000)
            throw usage_error("--timeout-ms must be 1 to 3600000 milliseconds");
        char* error = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(conninfo_.c_str(), &error);
        if (parsed == nullptr) {
            const std::string why = error != nullptr ? one_line(error) : "out of memory";
            PQfreemem(error);
            throw usage_error("--db is not a libpq connection string or URI: " + why);
        }
        PQconninfoFree(parsed);
        auto pool = stores::postgres_pool::make({.conninfo = conninfo_,
                                                 .table = table_,
                                                 .max_connections = 1,
                                                 .connect_timeout = timeout_,
                                                 .command_timeout = timeout_,
                                                 .acquire_timeout = timeout_});
        if (!pool) throw usage_error("--table must be a plain identifier ([a-z_][a-z0-9_]*, at most 63 octets)");
        pool_ = std::move(*pool);
        store_ = std::make_unique<stores::postgres_api_key_store>(pool_);
    }

    /// The store, for a call about to start (its time is what why_unavailable measures from).
    stores::postgres_api_key_store& store() noexcept
    {
        started_ = std::chrono::steady_clock::now();
        return *store_;
    }
    stores::postgres_pool& pool() noexcept
    {
        started_ = std::chrono::steady_clock::now();
        return *pool_;
    }

    /** Why the last call failed with store_unavailable. A call that took the whole timeout had
        no answer; one that failed sooner is retried on a connection of our own, within what is
        left of the timeout, to read libpq's message, and whether the table exists. */
    std::string why_unavailable(bool migrating = false) const
    {
        const auto now = std::chrono::steady_clock::now();
        const auto left = timeout_ - std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
        if (left < std::chrono::milliseconds(50)) return no_answer();
        const auto deadline = now + left;

        std::unique_ptr<PGconn, pg_conn_deleter> c(PQconnectStart(conninfo_.c_str()));
        if (!c) return "libpq could not start a connection";
        for (PostgresPollingStatusType s = PGRES_POLLING_WRITING;
             PQstatus(c.get()) != CONNECTION_BAD && s != PGRES_POLLING_OK && s != PGRES_POLLING_FAILED;
             s = PQconnectPoll(c.get()))
            if (!wait_for(c.get(), s == PGRES_POLLING_WRITING, deadline)) return no_answer();
        if (PQstatus(c.get()) != CONNECTION_OK) return one_line(PQerrorMessage(c.get()));
        if (migrating)
            return "connected, but the migration failed: may this role create tables (and indexes) in the schema?";

        // Connected: is the table there? (Each connection of the store prepares its statements on it.)
        const char* values[] = {table_.c_str()};
        if (PQsetnonblocking(c.get(), 1) != 0 || PQsendQueryParams(c.get(), "SELECT to_regclass($1) IS NOT NULL", 1,
                                                                   nullptr, values, nullptr, nullptr, 0) == 0)
            return one_line(PQerrorMessage(c.get()));
        for (int f; (f = PQflush(c.get())) != 0;)
            if (f < 0 || !wait_for(c.get(), true, deadline)) return no_answer();
        while (PQisBusy(c.get()) != 0)
            if (!wait_for(c.get(), false, deadline) || PQconsumeInput(c.get()) == 0) return no_answer();
        const std::unique_ptr<PGresult, pg_result_deleter> r(PQgetResult(c.get()));
        if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1)
            return r ? one_line(PQresultErrorMessage(r.get())) : one_line(PQerrorMessage(c.get()));
        if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t")
            return "the table " + table_ + " does not exist: run `apiauth key migrate` first (or give --table)";
        return "connected, and the table " + table_ +
               " exists, but the statements on it failed: is it migrated (apiauth key migrate)? (or a statement "
               "took longer than --timeout-ms " +
               std::to_string(timeout_.count()) + ")";
    }

private:
    std::string no_answer() const
    {
        return "no answer within " + std::to_string(timeout_.count()) + " ms (--timeout-ms)";
    }

    std::string conninfo_;  // may hold a password: never printed
    std::string table_;
    std::chrono::milliseconds timeout_;
    std::shared_ptr<stores::postgres_pool> pool_;
    std::unique_ptr<stores::postgres_api_key_store> store_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

bool is(std::error_code ec, apiauth::errc e)
{
    return ec == apiauth::make_error_code(e);
}

/** A store operation that failed: store_unavailable is exit status 3, "database unavailable: why";
    a failure that is not a refusal (memory, OpenSSL) is 3 too; any refusal is 1 with its name and
    message (report::refuse). */
exit_code failed(report& r, const database& db, std::string_view what, std::error_code ec, bool migrating = false)
{
    if (is(ec, apiauth::errc::store_unavailable)) {
        const std::string why = db.why_unavailable(migrating);
        std::cerr << "apiauth " << r.command() << ": database unavailable: " << why << '\n';
        nlohmann::json error = error_json(ec);
        error["detail"] = why;
        r["error"] = std::move(error);
        return r.finish(exit_code::internal);
    }
    if (ec.category() != apiauth::error_category() || is(ec, apiauth::errc::crypto_failure)) {
        std::cerr << "apiauth " << r.command() << ": " << what << ": " << describe_error(ec) << ": " << ec.message()
                  << '\n';
        r["error"] = error_json(ec);
        return r.finish(exit_code::internal);
    }
    return r.refuse(what, ec);
}

stores::acting_owner acting(const key_options& opt)
{
    return opt.owner_given->count() > 0 ? stores::acting_owner(opt.owner) : stores::any_owner;
}

std::string key_what(const key_options& opt)
{
    return "key " + printable(opt.key_id) +
           (opt.owner_given->count() > 0 ? " of owner " + apiauth_cli::quoted(opt.owner) : "");
}

apiauth::pepper_ring ring_of(const ring_options& opt, std::string_view command)
{
    if (!pepper_given(opt))
        throw usage_error(std::string(command) +
                          " needs the servers' pepper (--pepper-file FILE or --pepper-env VAR): it is never kept in "
                          "the database, and a verifier under a pepper no server holds is a key nobody can use");
    return ring_from(opt);
}

// What a store refuses to keep (stores::api_key_record_bounds), said when it does.
constexpr std::string_view storable_rules =
    "the key's metadata was refused (an owner or a name over 256 octets, more than 64 scopes, grant types or "
    "resources, or one that is empty, over 128 octets (512 for a resource) or not visible ASCII, or a resource "
    "that is not an absolute URI without a fragment)";

// ---- the commands -------------------------------------------------------------------------------

exit_code run_migrate(const context& ctx, const migrate_options& opt)
{
    report r{ctx, "key migrate"};
    database db(opt.db);
    if (auto m = db.pool().migrate(); !m) return failed(r, db, "migrate", m.error(), /*migrating=*/true);
    line(r, "table", opt.db.table);
    line(r, "migration", "001, 002 applied (idempotent: applying them again changes nothing)");
    r["table"] = opt.db.table;
    r["migration"] = "002";
    return r.finish(exit_code::ok);
}

exit_code run_create(const context& ctx, const create_options& opt)
{
    report r{ctx, "key create"};
    if (!apiauth::is_api_key_prefix(opt.prefix))
        throw usage_error("the prefix must be lowercase labels joined by '_' (1..32 characters, e.g. acme_sk)");
    if (opt.owner.empty()) throw usage_error("--owner must not be empty");
    const apiauth::pepper_ring ring = ring_of(opt.pepper, "create");
    database db(opt.db);

    stores::new_api_key spec{.prefix = opt.prefix,
                             .owner = opt.owner,
                             .name = opt.name,
                             .scopes = opt.scopes,
                             .grant_types = opt.grant_types,
                             .resources = opt.resources};
    if (opt.lifetime_days > 0) spec.lifetime = std::chrono::days(opt.lifetime_days);
    auto g = stores::create_api_key(db.store(), spec, ring);
    if (!g)
        return failed(r, db, is(g.error(), apiauth::errc::invalid_configuration) ? storable_rules : "create",
                      g.error());
    const auto now = now_seconds();
    const stores::api_key_listing listing = stores::make_api_key_listing(g->record);
    line(r, "token", g->token.reveal());
    print_listing(r, listing, now);
    r["token"] = std::string(g->token.reveal());
    r["key"] = listing_json(listing, now);
    std::cerr << "note: the token is shown this once; the database holds only its verifier.\n";
    return r.finish(exit_code::ok);
}

exit_code run_list(const context& ctx, const list_options& opt)
{
    report r{ctx, "key list"};
    database db(opt.db);
    auto keys = db.store().list(opt.owner);
    if (!keys) return failed(r, db, "list", keys.error());
    const auto now = now_seconds();
    if (keys->empty())
        r.line("no keys for owner " + apiauth_cli::quoted(opt.owner, true));
    else
        print_table(r, *keys, now);
    nlohmann::json list = nlohmann::json::array();
    for (const stores::api_key_listing& l : *keys) list.push_back(listing_json(l, now));
    r["owner"] = opt.owner;
    r["keys"] = std::move(list);
    return r.finish(exit_code::ok);
}

/// The key after a change (or for show): its listing, printed and in the JSON as "key".
exit_code show_key(report& r, database& db, const key_options& opt)
{
    auto l = db.store().get(opt.key_id, acting(opt));
    if (!l) return failed(r, db, key_what(opt), l.error());
    const auto now = now_seconds();
    print_listing(r, *l, now);
    r["key"] = listing_json(*l, now);
    return r.finish(exit_code::ok);
}

exit_code run_show(const context& ctx, const key_options& opt)
{
    report r{ctx, "key show"};
    database db(opt.db);
    return show_key(r, db, opt);
}

exit_code run_disable(const context& ctx, const key_options& opt)
{
    report r{ctx, "key disable"};
    database db(opt.db);
    const sys_seconds at = opt.at_given->count() > 0 ? sys_seconds{std::chrono::seconds{opt.at}} : now_seconds();
    if (auto d = db.store().disable(opt.key_id, acting(opt), at); !d) return failed(r, db, key_what(opt), d.error());
    return show_key(r, db, opt);
}

exit_code run_enable(const context& ctx, const key_options& opt)
{
    report r{ctx, "key enable"};
    database db(opt.db);
    if (auto e = db.store().enable(opt.key_id, acting(opt)); !e) return failed(r, db, key_what(opt), e.error());
    return show_key(r, db, opt);
}

exit_code run_delete(const context& ctx, const key_options& opt)
{
    report r{ctx, "key delete"};
    database db(opt.db);
    auto d = db.store().remove(opt.key_id, acting(opt));
    if (!d) return failed(r, db, key_what(opt), d.error());
    line(r, "key_id", printable(opt.key_id));
    line(r, "result", *d ? "deleted" : "no such key (nothing to delete)");
    r["key_id"] = opt.key_id;
    r["deleted"] = *d;
    return r.finish(exit_code::ok);
}

exit_code run_rotate(const context& ctx, const rotate_options& opt)
{
    report r{ctx, "key rotate"};
    if (opt.grace < 0) throw usage_error("--grace must not be negative");
    const apiauth::pepper_ring ring = ring_of(opt.pepper, "rotate");
    database db(opt.key.db);
    auto g = stores::rotate_stored_api_key(db.store(), opt.key.key_id, acting(opt.key), ring,
                                           std::chrono::seconds(opt.grace));
    if (!g) return failed(r, db, key_what(opt.key), g.error());
    const auto now = now_seconds();
    const stores::api_key_listing listing = stores::make_api_key_listing(g->record);
    line(r, "token", g->token.reveal());
    print_listing(r, listing, now);
    r["token"] = std::string(g->token.reveal());
    r["key"] = listing_json(listing, now);
    std::cerr << "note: the new token is shown this once; the database holds only its verifier.\n";

    // When the old key stops working, as the database now says.
    r.line("");
    line(r, "old key_id", printable(opt.key.key_id));
    auto old = db.store().get(opt.key.key_id, stores::any_owner);
    if (!old) {
        line(r, "old key", "(not found after the rotation: " + describe_error(old.error()) + ")");
        r["old_key"] = nullptr;
    } else {
        const std::optional<sys_seconds> until = old->expires_at;
        line(r, "old works",
             until ? (*until <= now ? "no longer: it stopped at " + when(*until, now) : "until " + when(*until, now))
                   : "(no expiry)");
        r["old_key"] = listing_json(*old, now);
    }
    return r.finish(exit_code::ok);
}

exit_code run_rewrap(const context& ctx, const rewrap_options& opt)
{
    report r{ctx, "key rewrap"};
    if (opt.batch < 1 || opt.batch > 1'000'000) throw usage_error("--batch must be 1 to 1000000");
    const apiauth::pepper_ring ring = ring_of(opt.pepper, "rewrap");
    database db(opt.db);
    auto n = stores::rewrap_api_keys(db.store(), ring, opt.batch);
    if (!n) return failed(r, db, "rewrap", n.error());
    line(r, "rewrapped", std::to_string(*n) + (*n == 1 ? " record" : " records"));
    line(r, "wrapped",
         "under pepper version " + std::to_string(ring.current_version()) +
             ": servers need the old peppers and this one in their ring");
    r["rewrapped"] = *n;
    r["pepper_version"] = ring.current_version();
    return r.finish(exit_code::ok);
}

#else  // without PostgreSQL: every command is a usage error

constexpr std::string_view no_postgres = "this apiauth was built without PostgreSQL support (libpq-dev)";

[[noreturn]] exit_code unsupported()
{
    throw usage_error(std::string(no_postgres));
}

exit_code run_migrate(const context&, const migrate_options&)
{
    unsupported();
}
exit_code run_create(const context&, const create_options&)
{
    unsupported();
}
exit_code run_list(const context&, const list_options&)
{
    unsupported();
}
exit_code run_show(const context&, const key_options&)
{
    unsupported();
}
exit_code run_disable(const context&, const key_options&)
{
    unsupported();
}
exit_code run_enable(const context&, const key_options&)
{
    unsupported();
}
exit_code run_delete(const context&, const key_options&)
{
    unsupported();
}
exit_code run_rotate(const context&, const rotate_options&)
{
    unsupported();
}
exit_code run_rewrap(const context&, const rewrap_options&)
{
    unsupported();
}

#endif

// The shape of every subcommand's help: JSON members, exit status, an example.
std::string footer(std::string_view json, std::string_view status, std::string_view example)
{
    return "JSON: command verdict " + std::string(json) +
           "\n      error{name message detail} when refused or unavailable\n"
           "exit status: " +
           std::string(status) +
           "\n"
           "database: --db or APIAUTH_DB, a libpq connection string or postgresql:// URI\n"
           "example:\n  " +
           std::string(example);
}

constexpr std::string_view refused_status =
    "0 done, 1 refused (the error's name), 2 usage error, 3 database unavailable";

/// KEY_ID, --owner, and the database options of show, disable, enable, delete and rotate.
void add_key_arguments(CLI::App& cmd, key_options& opt)
{
    // A whole key given for its id: only the id is kept (and so echoed in messages), never the secret.
    cmd.add_option("key_id", opt.key_id, "the key's id (or the whole key: only its id is used)")
        ->required()
        ->transform([](std::string arg) {
            const auto k = apiauth::parse_api_key(arg);
            return k ? std::string(k->key_id()) : arg;
        });
    opt.owner_given = cmd.add_option("--owner", opt.owner,
                                     "act as this owner: another owner's key is refused\n"
                                     "(default: as the operator, on any key)")
                          ->type_name("O");
    add_db_options(cmd, opt.db, "the keys' database");
}

}  // namespace key_db_cmd

void add_db_options(CLI::App& cmd, db_options& opt, std::string_view what)
{
    using namespace key_db_cmd;
    cmd.add_option("--db", opt.db,
                   std::string(what) + ": a libpq connection string or\n"
                                       "postgresql:// URI (default: the environment variable APIAUTH_DB)")
        ->type_name("CONNINFO");
    cmd.add_option("--table", opt.table, "the keys' table (default apiauth_api_keys)")->type_name("NAME");
    cmd.add_option("--timeout-ms", opt.timeout_ms,
                   "the bound of each wait for the database: connect, each\n"
                   "statement (default 5000)")
        ->type_name("MS");
}

bool db_given(const db_options& opt)
{
    using namespace key_db_cmd;
    const char* env = std::getenv("APIAUTH_DB");
    return !opt.db.empty() || (env != nullptr && *env != '\0');
}

db_lookup open_db_lookup(const db_options& opt)
{
    using namespace key_db_cmd;
#if APIAUTH_CLI_WITH_POSTGRES
    auto db = std::make_shared<database>(opt);
    return {[db](std::string_view id) noexcept { return db->store().lookup(id); },
            [db] { return db->why_unavailable(); }};
#else
    (void)opt;
    unsupported();
#endif
}

void add_key_db_commands(CLI::App& group, context& ctx)
{
    using namespace key_db_cmd;
    auto mig = std::make_shared<migrate_options>();
    CLI::App* m =
        add_command(group, ctx, "migrate", "create the keys' table in PostgreSQL (idempotent)",
                    "Apply migrations 001 and 002 (sql/postgres/) to the database: the table of API key\n"
                    "records and its two indexes, then its resources column, each IF NOT EXISTS, so that\n"
                    "running them again changes nothing. The other database commands need it done once,\n"
                    "and again after an upgrade that adds a migration.",
                    footer("table migration", "0 applied, 2 usage error, 3 database unavailable (or the DDL refused)",
                           "apiauth key migrate --db postgresql://apiauth@db.internal/app"),
                    [&ctx, mig] { return run_migrate(ctx, *mig); });
    add_db_options(*m, mig->db, "the database");

    auto cre = std::make_shared<create_options>();
    CLI::App* c = add_command(
        group, ctx, "create", "create an API key for an owner and store its record",
        "Generate an API key <prefix>_<version><key id>_<secret><checksum> with its record\n"
        "(an HMAC-SHA-256 verifier under the servers' pepper) and insert the record. The\n"
        "token is printed once, on the first line; the database never holds it, nor the pepper.",
        footer("token key{key_id hint prefix format owner name scopes grant_types resources created_at\n"
               "      not_before expires_at revoked_at previous_valid_until pepper_version wrapped status}",
               refused_status,
               "apiauth key create --db \"$db\" --prefix acme_sk --owner alice --name ci --scope items:read \\\n"
               "      --pepper-file pepper.hex --lifetime-days 90"),
        [&ctx, cre] { return run_create(ctx, *cre); });
    c->add_option("--prefix", cre->prefix, "lowercase labels joined by '_', e.g. acme_sk")->type_name("P")->required();
    c->add_option("--owner", cre->owner, "the account or client the key belongs to")->type_name("O")->required();
    c->add_option("--name", cre->name, "what the owner calls the key")->type_name("N");
    c->add_option("--scope", cre->scopes, "a scope the key grants (repeat for more)")
        ->type_name("S")
        ->allow_extra_args(false);
    c->add_option("--grant-type", cre->grant_types,
                  "a grant the key may use at the token endpoint (repeat;\n"
                  "default: all)")
        ->type_name("G")
        ->allow_extra_args(false);
    c->add_option("--resource", cre->resources,
                  "an RFC 8707 resource (absolute URI) the key may have access\n"
                  "tokens for (repeat; default: any the token endpoint allows)")
        ->type_name("URI")
        ->allow_extra_args(false);
    c->add_option("--lifetime-days", cre->lifetime_days, "the key expires after D days (default: never)")
        ->type_name("D");
    add_ring_options(*c, cre->pepper);
    add_db_options(*c, cre->db, "the keys' database");

    auto lst = std::make_shared<list_options>();
    CLI::App* l = add_command(group, ctx, "list", "list an owner's keys (never a secret)",
                              "List an owner's keys, oldest first: key id, hint, name, dates, status (enabled,\n"
                              "disabled, expired) and scopes. A listing holds no secret and no MAC.",
                              footer("owner keys[{key_id hint … status}] (the members of create's key)", refused_status,
                                     "apiauth key list --db \"$db\" --owner alice --json | jq -r '.keys[].key_id'"),
                              [&ctx, lst] { return run_list(ctx, *lst); });
    l->add_option("--owner", lst->owner, "whose keys")->type_name("O")->required();
    add_db_options(*l, lst->db, "the keys' database");

    auto shw = std::make_shared<key_options>();
    CLI::App* s =
        add_command(group, ctx, "show", "show one key", "Show one key's listing: its metadata, dates and status.",
                    footer("key{…} (the members of create's key)", refused_status,
                           "apiauth key show 1AbCdEfGhIjKlMnOp --db \"$db\""),
                    [&ctx, shw] { return run_show(ctx, *shw); });
    add_key_arguments(*s, *shw);

    auto dis = std::make_shared<key_options>();
    CLI::App* d = add_command(
        group, ctx, "disable", "disable a key (verification refuses it: api_key_revoked)",
        "Disable a key from --at on (default: now): verification refuses it with\n"
        "api_key_revoked. An earlier disable time is kept; enable undoes it.",
        footer("key{…} (after the change)", refused_status, "apiauth key disable 1AbCdEfGhIjKlMnOp --db \"$db\""),
        [&ctx, dis] { return run_disable(ctx, *dis); });
    add_key_arguments(*d, *dis);
    dis->at_given = d->add_option("--at", dis->at, "disabled from this time, Unix seconds (default: now)")
                        ->type_name("UNIX-SECONDS");

    auto ena = std::make_shared<key_options>();
    CLI::App* e = add_command(
        group, ctx, "enable", "enable a disabled key again",
        "Clear a key's disable time: it verifies again (unless expired).",
        footer("key{…} (after the change)", refused_status, "apiauth key enable 1AbCdEfGhIjKlMnOp --db \"$db\""),
        [&ctx, ena] { return run_enable(ctx, *ena); });
    add_key_arguments(*e, *ena);

    auto del = std::make_shared<key_options>();
    CLI::App* x = add_command(
        group, ctx, "delete", "delete a key's record",
        "Delete a key's record: the key is then unknown everywhere. Deleting a key\n"
        "that is not there is done already (\"no such key (nothing to delete)\", 0).",
        footer("key_id deleted", refused_status, "apiauth key delete 1AbCdEfGhIjKlMnOp --db \"$db\" --owner alice"),
        [&ctx, del] { return run_delete(ctx, *del); });
    add_key_arguments(*x, *del);

    auto rot = std::make_shared<rotate_options>();
    CLI::App* o =
        add_command(group, ctx, "rotate", "replace a key: a new token, the old one ending after --grace",
                    "Create a new key with the old key's prefix, owner, name, scopes, grant types,\n"
                    "resources and remaining lifetime, and end the old key at now + --grace, rounded up to the second\n"
                    "(or at its own expiry if sooner), in one transaction. The new token is printed once.\n"
                    "A disabled key is refused (api_key_revoked): rotation never re-enables a key.",
                    footer("token key{…} (the new key) old_key{…}", refused_status,
                           "apiauth key rotate 1AbCdEfGhIjKlMnOp --db \"$db\" --grace 86400 --pepper-file pepper.hex"),
                    [&ctx, rot] { return run_rotate(ctx, *rot); });
    add_key_arguments(*o, rot->key);
    o->add_option("--grace", rot->grace,
                  "the old token keeps working at least this long (0: it\n"
                  "stops at the next whole second)")
        ->type_name("SECONDS")
        ->required();
    add_ring_options(*o, rot->pepper);

    auto rew = std::make_shared<rewrap_options>();
    CLI::App* w = add_command(group, ctx, "rewrap", "re-wrap every verifier under an old pepper with the current one",
                              "Re-wrap (HMAC again under the current pepper) every stored verifier made under\n"
                              "another pepper, --batch records per round, each by compare-and-set: safe while\n"
                              "servers verify. For a pepper that leaked: afterwards no record can be checked with\n"
                              "it alone. Servers then need the old peppers and the current one in their ring.",
                              footer("rewrapped pepper_version",
                                     "0 done (the count may be 0), 2 usage error, 3 database unavailable",
                                     "apiauth key rewrap --db \"$db\" --pepper-file pepper-2.hex --pepper-version 2 "
                                     "--pepper file:pepper-1.hex:1"),
                              [&ctx, rew] { return run_rewrap(ctx, *rew); });
    add_ring_options(*w, rew->pepper);
    w->add_option("--batch", rew->batch, "records per round, 1 to 1000000 (default 500)")->type_name("N");
    add_db_options(*w, rew->db, "the keys' database");
}

}  // namespace apiauth_cli
