// apiauth/stores/postgres.hpp — API key records in PostgreSQL (libpq), shared by a fleet of
// servers: lookup by key id as a prepared statement on a pooled connection, and the lifecycle of
// stores::api_key_admin in single statements or transactions. Optional: nothing else in apiauth
// includes it; link apiauth::postgres (apiauth::apiauth and libpq) to use it.
//
// The schema is sql/postgres/001_api_keys.sql and 002_resources.sql (installed under
// share/apiauth/sql/postgres), the same text postgres_schema_sql() returns; `apiauth key migrate`
// applies it.
#ifndef APIAUTH_STORES_POSTGRES_HPP
#define APIAUTH_STORES_POSTGRES_HPP

#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/stormpath.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>

#include <libpq-fe.h>

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** Where the database is and how long to wait for it: what postgres_pool::make needs.

    Every wait is bounded: a store call takes at most about acquire_timeout +
    connect_timeout + command_timeout per statement it sends (a pooled connection
    found dead is replaced once). A host name is resolved by libpq without a
    bound: give an IP address or a Unix socket directory for a strict one.
*/
struct postgres_options {
    /// A libpq connection string: "host=/run/postgresql dbname=app" or "postgresql://u@h:5432/app".
    std::string conninfo;
    /// The table of the migrations (a plain identifier: [a-z_][a-z0-9_]*, at most 63 octets).
    std::string table = "apiauth_api_keys";
    /// The most connections the pool holds open at once (a libpq connection is one thread's).
    std::size_t max_connections = 8;
    /// How long a new connection may take (TCP or socket connect, TLS, authentication, setup).
    std::chrono::milliseconds connect_timeout{2000};
    /// How long one statement may take, measured here and set as the server's statement_timeout.
    std::chrono::milliseconds command_timeout{2000};
    /// How long a call waits for a free connection when max_connections are all in use.
    std::chrono::milliseconds acquire_timeout{2000};
};

/** The DDL of migrations 001 and 002 for `table` (sql/postgres/001_api_keys.sql, then
    002_resources.sql, without their comments): CREATE TABLE and its two indexes, IF NOT EXISTS,
    then ADD COLUMN resources unless it is there (without a lock then). It brings a new
    database, or one at migration 001, to the schema this version reads. Empty for a table
    name that is not a plain identifier. Throws std::bad_alloc only. */
inline std::string postgres_schema_sql(std::string_view table = "apiauth_api_keys");

namespace detail {

struct pg_result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, pg_result_deleter>;

struct pg_conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using pg_conn = std::unique_ptr<PGconn, pg_conn_deleter>;

inline bool pg_identifier(std::string_view s) noexcept
{
    if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
    for (const char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// Waits until the connection's socket is readable (or writable) or the deadline passes.
inline bool pg_wait(PGconn* c, bool write, std::chrono::steady_clock::time_point deadline) noexcept
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

// ---- the text form of a row (text result format; bytea as \x hex) ----------------------------

inline bool pg_parse_mac(std::string_view s, std::array<std::byte, 32>& out) noexcept
{
    return s.size() == 66 && s[0] == '\\' && s[1] == 'x' && parse_mac_hex(s.substr(2), out, true);
}

// "\x" + 64 hex digits: a bytea parameter in text form (NUL-terminated).
inline std::array<char, 67> pg_mac_text(const std::array<std::byte, 32>& mac) noexcept
{
    std::array<char, 67> t{'\\', 'x'};
    const std::array<char, 64> hex = mac_hex(mac);
    std::copy(hex.begin(), hex.end(), t.begin() + 2);
    return t;  // t[66] is the terminator
}

template <class Int> bool pg_parse_int(std::string_view s, Int& out) noexcept
{
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// The text of an integer parameter, kept in a small buffer.
struct pg_number {
    char text[24];
    std::size_t size = 0;
    bool null = true;
    pg_number() = default;
    template <class Int> explicit pg_number(Int v) noexcept : null(false)
    {
        size = static_cast<std::size_t>(std::to_chars(text, text + sizeof text - 1, v).ptr - text);
        text[size] = '\0';
    }
    template <class Int> explicit pg_number(const std::optional<Int>& v) noexcept
    {
        if (v) *this = pg_number(*v);
    }
    const char* c_str() const noexcept { return null ? nullptr : text; }
};

inline pg_number pg_seconds(std::chrono::sys_seconds t) noexcept
{
    return pg_number(static_cast<std::int64_t>(t.time_since_epoch().count()));
}

inline pg_number pg_seconds(const std::optional<std::chrono::sys_seconds>& t) noexcept
{
    return t ? pg_seconds(*t) : pg_number();
}

// The columns every row-reading statement returns, in this order.
inline constexpr std::string_view pg_columns =
    "key_id, prefix, format, mac, pepper_version, wrap_version, prev_mac, prev_pepper_version, "
    "prev_wrap_version, prev_valid_until, created_at, not_before, expires_at, revoked_at, scopes, "
    "grant_types, owner, name, resources";
inline constexpr int pg_column_count = 19;

// Reads row `i` of `r` (columns pg_columns) into `out`; false for anything a row of migrations
// 001 and 002 cannot hold (the database is not trusted blindly: a hand-edited row fails closed).
inline bool pg_read_row(const PGresult* r, int i, api_key_record& out)
{
    if (PQnfields(r) != pg_column_count) return false;
    const auto text = [&](int c) {
        return std::string_view(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
    };
    const auto null = [&](int c) { return PQgetisnull(r, i, c) != 0; };
    const auto seconds = [&](int c, std::optional<std::chrono::sys_seconds>& t) {
        if (null(c)) return t.reset(), true;
        std::int64_t v = 0;
        if (!pg_parse_int(text(c), v)) return false;
        t = std::chrono::sys_seconds{std::chrono::seconds{v}};
        return true;
    };
    const auto version = [&](int c, std::optional<std::uint32_t>& v) {
        if (null(c)) return v.reset(), true;
        std::uint32_t x = 0;
        if (!pg_parse_int(text(c), x)) return false;
        v = x;
        return true;
    };
    for (const int c : {0, 1, 2, 3, 4, 10, 14, 15, 16, 17, 18})
        if (null(c)) return false;
    out.key_id.assign(text(0));
    out.prefix.assign(text(1));
    if (text(2) == "0")
        out.format = api_key_format::v1;
    else if (text(2) == "1")
        out.format = api_key_format::stormpath;
    else
        return false;
    if (!pg_parse_mac(text(3), out.verifier.mac) || !pg_parse_int(text(4), out.verifier.pepper_version) ||
        !version(5, out.verifier.wrap_version))
        return false;
    if (null(6) != null(7) || null(6) != null(9) || (null(6) && !null(8))) return false;
    if (null(6)) {
        out.previous.reset();
    } else {
        api_key_previous_verifier p;
        std::optional<std::chrono::sys_seconds> until;
        if (!pg_parse_mac(text(6), p.verifier.mac) || !pg_parse_int(text(7), p.verifier.pepper_version) ||
            !version(8, p.verifier.wrap_version) || !seconds(9, until))
            return false;
        p.valid_until = *until;
        out.previous = p;
    }
    std::optional<std::chrono::sys_seconds> created;
    if (!seconds(10, created) || !seconds(11, out.not_before) || !seconds(12, out.expires_at) ||
        !seconds(13, out.revoked_at))
        return false;
    out.created_at = *created;
    if (!split_list(text(14), out.scopes) || !split_list(text(15), out.grant_types) ||
        !split_list(text(18), out.resources))
        return false;
    out.owner.assign(text(16));
    out.name.assign(text(17));
    return true;
}

}  // namespace detail

class postgres_api_key_store;

/** Connections to one PostgreSQL database, lent to one store call at a time.

    Connections are opened lazily (none at construction: a server that is down
    when the process starts is reached once it is up), each with its statements
    prepared and statement_timeout set in one round trip. Each wait has a
    deadline (postgres_options): a call that cannot get an answer in time
    closes the connection it used (the server then ends the statement and rolls
    back its transaction) and fails with store_unavailable. A pooled connection
    found dead (the server restarted) is replaced once within the same call,
    and every idle connection is closed with it.

    That retry resends the statement. A connection is taken for dead only when
    the server closed it, so the statement almost never ran; but if a write did
    run and commit before the connection broke (the server went away between
    its commit and the reply), the retry sees its effect: a create answers
    key_conflict for the key it just created, a disable or delete is idempotent
    and answers as if done (a delete answers false, none). The error is then
    misleading but fails closed (nothing is accepted that should not be); a
    caller that must know re-reads the record. rotate's transaction is retried
    only when BEGIN itself failed, so it never runs twice.

    Thread-safety: every member may be called from many threads at once. After
    fork(), a child makes its own pool: connections are never shared between
    processes.
*/
class postgres_pool {
public:
    /** A pool for `options`. Connects to nothing yet. Refuses (invalid_configuration) an empty
        conninfo, a table name that is not a plain identifier, max_connections 0 and a timeout
        that is not positive; not_enough_memory if the pool cannot be allocated. */
    static result<std::shared_ptr<postgres_pool>> make(postgres_options options) noexcept
    {
        const auto positive = [](std::chrono::milliseconds d) { return d > std::chrono::milliseconds::zero(); };
        if (options.conninfo.empty() || !detail::pg_identifier(options.table) || options.max_connections == 0 ||
            !positive(options.connect_timeout) || !positive(options.command_timeout) ||
            !positive(options.acquire_timeout))
            return errc::invalid_configuration;
        try {
            return std::shared_ptr<postgres_pool>(new postgres_pool(std::move(options)));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    postgres_pool(const postgres_pool&) = delete;
    postgres_pool& operator=(const postgres_pool&) = delete;
    /// Closes the idle connections. The stores hold the pool by shared_ptr, so none is lent then.
    ~postgres_pool()
    {
        for (PGconn* c : idle_) PQfinish(c);
    }

    /// The options the pool was made with.
    const postgres_options& options() const noexcept { return options_; }

    /// The number of connections open now, idle or lent (at most options().max_connections).
    std::size_t open_connections() const noexcept { return open_.load(std::memory_order_relaxed); }

    /** Apply migrations 001 and 002 (postgres_schema_sql for the pool's table): idempotent. Errors:
        store_unavailable when the database cannot be reached or refuses the DDL. */
    result<void> migrate() noexcept
    {
        try {
            // On a connection of its own: a pooled one prepares statements on a table that
            // may not exist yet.
            const std::string ddl = postgres_schema_sql(options_.table);
            detail::pg_conn c(connect(false));
            if (!c || !send_simple(c.get(), ddl) || !all_ok(c.get())) return errc::store_unavailable;
            return {};
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /// One round trip (`SELECT 1` on a pooled connection): how far the database is, for benchmarks.
    result<void> ping() noexcept
    {
        lease l = acquire();
        if (!l) return errc::store_unavailable;
        if (!send_simple(l.get(), "SELECT 1") || !all_ok(l.get())) return errc::store_unavailable;
        l.keep();
        return {};
    }

private:
    friend class postgres_api_key_store;

    explicit postgres_pool(postgres_options options) : options_(std::move(options))
    {
        idle_.reserve(options_.max_connections);
        const std::string& t = options_.table;
        const std::string cols(detail::pg_columns);
        setup_ = "SET statement_timeout = " + std::to_string(options_.command_timeout.count()) +
                 "; SET idle_in_transaction_session_timeout = " +
                 std::to_string(std::max<std::int64_t>(options_.command_timeout.count() * 4, 1000)) + "; ";
        const auto prepare = [&](std::string_view name, std::string_view types, const std::string& sql) {
            setup_.append("PREPARE ").append(name).append(" (").append(types).append(") AS ").append(sql).append("; ");
        };
        prepare("apiauth_lookup", "text", "SELECT " + cols + " FROM " + t + " WHERE key_id = $1");
        prepare("apiauth_lock", "text", "SELECT " + cols + " FROM " + t + " WHERE key_id = $1 FOR UPDATE");
        prepare("apiauth_list", "text",
                "SELECT " + cols + " FROM " + t + " WHERE owner = $1 ORDER BY created_at, key_id");
        prepare("apiauth_insert",
                "text, text, smallint, bytea, bigint, bigint, bytea, bigint, bigint, bigint, bigint, bigint, "
                "bigint, bigint, text, text, text, text, text",
                "INSERT INTO " + t + " (" + cols +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
                    "$19) "
                    "ON CONFLICT (key_id) DO NOTHING RETURNING 1");
        prepare("apiauth_disable", "text, text, bigint",
                "UPDATE " + t +
                    " SET revoked_at = LEAST(COALESCE(revoked_at, $3), $3) WHERE key_id = $1 AND "
                    "($2::text IS NULL OR owner = $2) RETURNING 1");
        prepare("apiauth_enable", "text, text",
                "UPDATE " + t +
                    " SET revoked_at = NULL WHERE key_id = $1 AND ($2::text IS NULL OR owner = $2) "
                    "RETURNING 1");
        prepare("apiauth_delete", "text, text",
                "DELETE FROM " + t + " WHERE key_id = $1 AND ($2::text IS NULL OR owner = $2) RETURNING 1");
        prepare("apiauth_owner", "text", "SELECT owner FROM " + t + " WHERE key_id = $1");
        prepare("apiauth_end", "text, bigint",
                "UPDATE " + t + " SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE key_id = $1");
        // Compare-and-set of the verifiers: the current one must still be the expected one.
        prepare("apiauth_cas", "text, bytea, bigint, bigint, bytea, bigint, bigint, bytea, bigint, bigint",
                "UPDATE " + t +
                    " SET mac = $5, pepper_version = $6, wrap_version = $7, prev_mac = COALESCE($8, prev_mac), "
                    "prev_pepper_version = COALESCE($9, prev_pepper_version), "
                    "prev_wrap_version = CASE WHEN $8::bytea IS NULL THEN prev_wrap_version ELSE $10 END "
                    "WHERE key_id = $1 AND mac = $2 AND pepper_version = $3 AND wrap_version IS NOT DISTINCT "
                    "FROM $4 RETURNING 1");
        prepare("apiauth_unwrapped", "bigint, bigint",
                "SELECT " + cols + " FROM " + t +
                    " WHERE pepper_version <> $1 AND wrap_version IS NULL AND prev_wrap_version IS NULL "
                    "ORDER BY pepper_version, key_id LIMIT $2");
    }

    // A lent connection: given back to the pool when it goes, kept for reuse only if keep()
    // was called (every exchange on it completed), else closed.
    class lease {
    public:
        lease() = default;
        lease(postgres_pool* pool, PGconn* c, bool reused) noexcept : pool_(pool), c_(c), reused_(reused) {}
        lease(lease&& o) noexcept : pool_(o.pool_), c_(std::exchange(o.c_, nullptr)), reused_(o.reused_), keep_(o.keep_)
        {
        }
        lease& operator=(lease&& o) noexcept
        {
            if (this != &o) {
                reset();
                pool_ = o.pool_;
                c_ = std::exchange(o.c_, nullptr);
                reused_ = o.reused_;
                keep_ = o.keep_;
            }
            return *this;
        }
        ~lease() { reset(); }
        explicit operator bool() const noexcept { return c_ != nullptr; }
        PGconn* get() const noexcept { return c_; }
        bool reused() const noexcept { return reused_; }
        void keep() noexcept { keep_ = true; }

    private:
        void reset() noexcept
        {
            if (c_ != nullptr) pool_->release(std::exchange(c_, nullptr), keep_);
            keep_ = false;
        }
        postgres_pool* pool_ = nullptr;
        PGconn* c_ = nullptr;
        bool reused_ = false;
        bool keep_ = false;
    };

    lease acquire() noexcept
    {
        try {
            std::unique_lock lock(mutex_);
            if (!returned_.wait_for(lock, options_.acquire_timeout,
                                    [&] { return !idle_.empty() || open_ < options_.max_connections; }))
                return {};
            if (!idle_.empty()) {
                PGconn* c = idle_.back();
                idle_.pop_back();
                return {this, c, true};
            }
            ++open_;
            lock.unlock();
            PGconn* c = connect();
            if (c == nullptr) {
                give_back_slot();
                return {};
            }
            return {this, c, false};
        } catch (...) {  // the lock (std::system_error)
            return {};
        }
    }

    void release(PGconn* c, bool healthy) noexcept
    {
        if (healthy && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
            try {
                const std::lock_guard lock(mutex_);
                idle_.push_back(c);  // capacity reserved: cannot throw
                returned_.notify_one();
                return;
            } catch (...) {
            }
        }
        PQfinish(c);
        give_back_slot();
    }

    void close_idle() noexcept
    {
        try {
            const std::lock_guard lock(mutex_);
            for (PGconn* c : idle_) PQfinish(c);
            open_ -= idle_.size();
            idle_.clear();
        } catch (...) {
        }
        returned_.notify_all();
    }

    void give_back_slot() noexcept
    {
        try {
            const std::lock_guard lock(mutex_);
            --open_;
        } catch (...) {
            --open_;
        }
        returned_.notify_one();
    }

    // A new connection, with the statements prepared when `prepare`; null on any failure or at
    // the deadline (a missing table makes PREPARE, so the connection, fail).
    PGconn* connect(bool prepare = true) noexcept
    {
        const auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
        detail::pg_conn c(PQconnectStart(options_.conninfo.c_str()));
        if (!c || PQstatus(c.get()) == CONNECTION_BAD) return nullptr;
        for (PostgresPollingStatusType s = PGRES_POLLING_WRITING;;) {
            if (s == PGRES_POLLING_OK) break;
            if (s == PGRES_POLLING_FAILED) return nullptr;
            if (!detail::pg_wait(c.get(), s == PGRES_POLLING_WRITING, deadline)) return nullptr;
            s = PQconnectPoll(c.get());
        }
        if (PQsetnonblocking(c.get(), 1) != 0) return nullptr;
        // libpq prints the server's notices on stderr by default; a library stays quiet.
        PQsetNoticeProcessor(
            c.get(), [](void*, const char*) {}, nullptr);
        if (prepare && (!send_simple(c.get(), setup_, deadline) || !all_ok(c.get(), deadline))) return nullptr;
        return c.release();
    }

    std::chrono::steady_clock::time_point command_deadline() const noexcept
    {
        return std::chrono::steady_clock::now() + options_.command_timeout;
    }

    // Sends everything queued on a non-blocking connection.
    static bool flush(PGconn* c, std::chrono::steady_clock::time_point deadline) noexcept
    {
        for (;;) {
            const int f = PQflush(c);
            if (f == 0) return true;
            if (f < 0) return false;
            if (!detail::pg_wait(c, true, deadline)) return false;
            if (PQconsumeInput(c) == 0) return false;
        }
    }

    bool send_simple(PGconn* c, const std::string& sql) noexcept { return send_simple(c, sql, command_deadline()); }
    static bool send_simple(PGconn* c, const std::string& sql, std::chrono::steady_clock::time_point deadline) noexcept
    {
        return PQsendQuery(c, sql.c_str()) != 0 && flush(c, deadline);
    }

    // The next result of the statement sent last, or null at its end or on failure (then
    // `failed` is set).
    static detail::pg_result next_result(PGconn* c, std::chrono::steady_clock::time_point deadline,
                                         bool& failed) noexcept
    {
        while (PQisBusy(c) != 0) {
            if (!detail::pg_wait(c, false, deadline) || PQconsumeInput(c) == 0) {
                failed = true;
                return nullptr;
            }
        }
        return detail::pg_result(PQgetResult(c));
    }

    // Reads every result of the statement(s) sent last; true when each one succeeded.
    bool all_ok(PGconn* c) noexcept { return all_ok(c, command_deadline()); }
    static bool all_ok(PGconn* c, std::chrono::steady_clock::time_point deadline) noexcept
    {
        bool failed = false, ok = true;
        for (;;) {
            detail::pg_result r = next_result(c, deadline, failed);
            if (failed) return false;
            if (!r) return ok;
            const ExecStatusType s = PQresultStatus(r.get());
            if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) ok = false;
        }
    }

    /* Runs one prepared statement and returns its single result (tuples or command); null on
       any failure: no answer in time, an error from the server, or a connection that broke. */
    detail::pg_result exec(lease& l, const char* statement, int n, const char* const* values,
                           const int* lengths) noexcept
    {
        const auto deadline = command_deadline();
        if (PQsendQueryPrepared(l.get(), statement, n, values, lengths, nullptr, 0) == 0 || !flush(l.get(), deadline))
            return nullptr;
        bool failed = false;
        detail::pg_result r = next_result(l.get(), deadline, failed);
        if (failed || !r) return nullptr;
        const ExecStatusType s = PQresultStatus(r.get());
        // The statement's end: there is exactly one result, then null.
        detail::pg_result end = next_result(l.get(), deadline, failed);
        if (failed || end) return nullptr;
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) return nullptr;
        return r;
    }

    // Runs a statement that needs no parameters' lengths (all text) on `l`.
    template <std::size_t N>
    detail::pg_result exec(lease& l, const char* statement, const std::array<const char*, N>& values) noexcept
    {
        return exec(l, statement, static_cast<int>(N), values.data(), nullptr);
    }

    /* One statement on a pooled connection, retried once on a new connection when the pooled
       one turned out dead (the server restarted); the lease is returned healthy. A write that
       did commit before the connection died is sent again (see the class comment). */
    template <std::size_t N>
    detail::pg_result run(const char* statement, const std::array<const char*, N>& values) noexcept
    {
        for (int attempt = 0; attempt < 2; ++attempt) {
            lease l = acquire();
            if (!l) return nullptr;
            detail::pg_result r = exec(l, statement, values);
            if (r) {
                l.keep();
                return r;
            }
            const bool dead = l.reused() && PQstatus(l.get()) == CONNECTION_BAD;
            if (!dead) return nullptr;
            close_idle();
        }
        return nullptr;
    }

    postgres_options options_;
    std::string setup_;  // SET and PREPARE statements sent on each new connection
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<PGconn*> idle_;
    std::atomic<std::size_t> open_{0};
};

/** An api_key_store and api_key_admin in PostgreSQL: the records of migrations 001-002, shared by
    every server that reaches the same database.

    lookup(key_id) is one prepared statement on a pooled connection (one round trip); a miss is
    a null record, and a store that cannot answer (no connection, a timeout, an error from the
    server, a row that the migrations could not hold) is store_unavailable: verification then
    fails closed with 503, never "not found" and never an acceptance. The lifecycle operations
    (see api_key_admin) are single statements, except rotate, which is one transaction that
    locks the old row (SELECT … FOR UPDATE), so that two rotations or a rotation and a disable
    of the same key are serialised. A record is refused (invalid_configuration) unless
    check_storable accepts it, so every store holds the same records.

    Thread-safety: every member may be called from many threads at once (the pool lends each
    call its own connection). lookup allocates the record it returns (a database round trip
    costs far more); put a cached_api_key_store in front of it for the hot path.
*/
class postgres_api_key_store {
public:
    /// A store over `pool`'s database and table (apply postgres_pool::migrate once first). A null
    /// pool makes every call store_unavailable, as the Redis stores do.
    explicit postgres_api_key_store(std::shared_ptr<postgres_pool> pool) noexcept : pool_(std::move(pool)) {}

    /** The record with `key_id`: a null pointer when there is none (or the id is longer than a
        stored id can be), store_unavailable when the database cannot answer.
        @par Specification research/api-keys.md §8.5 step 6. */
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        char id[api_key_record_bounds::max_key_id + 1];
        if (!c_string(key_id, id)) return std::shared_ptr<const api_key_record>();
        if (!pool_) return errc::store_unavailable;
        const detail::pg_result r = pool_->run("apiauth_lookup", std::array<const char*, 1>{id});
        if (!r) return errc::store_unavailable;
        if (PQntuples(r.get()) == 0) return std::shared_ptr<const api_key_record>();
        try {
            auto rec = std::make_shared<api_key_record>();
            if (PQntuples(r.get()) != 1 || !detail::pg_read_row(r.get(), 0, *rec) || rec->key_id != key_id)
                return errc::store_unavailable;
            return std::shared_ptr<const api_key_record>(std::move(rec));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    /// Keep `r` (api_key_admin::create): key_conflict when its id is taken. Throws std::bad_alloc only.
    result<void> create(const api_key_record& r)
    {
        if (auto c = check_storable(r); !c) return c;
        if (!pool_) return errc::store_unavailable;
        row_params p(r);
        const detail::pg_result res = pool_->run("apiauth_insert", p.values);
        if (!res) return errc::store_unavailable;
        if (PQntuples(res.get()) != 1) return errc::key_conflict;
        return {};
    }

    /// The listing of `key_id` (key_unknown, key_owner_mismatch). Throws std::bad_alloc only.
    result<api_key_listing> get(std::string_view key_id, acting_owner owner) const
    {
        auto rec = lookup(key_id);
        if (!rec) return rec.error();
        if (!*rec) return errc::key_unknown;
        if (owner && (*rec)->owner != *owner) return errc::key_owner_mismatch;
        return make_api_key_listing(**rec);
    }

    /// The listings of `owner`'s keys, oldest first. Throws std::bad_alloc only.
    result<std::vector<api_key_listing>> list(std::string_view owner) const
    {
        const std::string o(owner);
        if (o.find('\0') != std::string::npos) return std::vector<api_key_listing>();
        if (!pool_) return errc::store_unavailable;
        const detail::pg_result r = pool_->run("apiauth_list", std::array<const char*, 1>{o.c_str()});
        if (!r) return errc::store_unavailable;
        std::vector<api_key_listing> out;
        out.reserve(static_cast<std::size_t>(PQntuples(r.get())));
        api_key_record rec;
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            if (!detail::pg_read_row(r.get(), i, rec)) return errc::store_unavailable;
            out.push_back(make_api_key_listing(rec));
        }
        return out;
    }

    /// revoked_at = when, unless set earlier (idempotent). Throws std::bad_alloc only.
    result<void> disable(std::string_view key_id, acting_owner owner, std::chrono::sys_seconds when)
    {
        const detail::pg_number t = detail::pg_seconds(when);
        return change("apiauth_disable", key_id, owner, &t);
    }

    /// revoked_at cleared (idempotent). Throws std::bad_alloc only.
    result<void> enable(std::string_view key_id, acting_owner owner)
    {
        return change("apiauth_enable", key_id, owner, nullptr);
    }

    /// Delete: true when deleted, false when there was none; key_owner_mismatch. Throws std::bad_alloc only.
    result<bool> remove(std::string_view key_id, acting_owner owner)
    {
        auto r = change("apiauth_delete", key_id, owner, nullptr);
        if (r) return true;
        if (r.error() == make_error_code(errc::key_unknown)) return false;
        return result<bool>(boost::system::in_place_error, r.error());
    }

    /** Keep `replacement` and end the old key at min(expires_at, old_until), in one transaction
        (api_key_admin::rotate). Throws std::bad_alloc only. */
    result<void> rotate(std::string_view key_id, acting_owner owner, const api_key_record& replacement,
                        std::chrono::sys_seconds old_until)
    {
        if (auto c = check_storable(replacement); !c) return c;
        if (!pool_) return errc::store_unavailable;
        const std::string id(key_id);
        row_params p(replacement);
        const detail::pg_number until = detail::pg_seconds(old_until);
        for (int attempt = 0; attempt < 2; ++attempt) {
            postgres_pool::lease l = pool_->acquire();
            if (!l) return errc::store_unavailable;
            if (!pool_->send_simple(l.get(), "BEGIN") || !pool_->all_ok(l.get())) {
                if (l.reused() && PQstatus(l.get()) == CONNECTION_BAD) {
                    pool_->close_idle();
                    continue;  // nothing was done: try once on a new connection
                }
                return errc::store_unavailable;
            }
            const result<void> done = rotate_in(l, id, owner, replacement, p, until);
            const bool commit = done.has_value();
            if (!pool_->send_simple(l.get(), commit ? "COMMIT" : "ROLLBACK") || !pool_->all_ok(l.get()))
                return errc::store_unavailable;  // the connection is closed: the server rolls back
            l.keep();
            return done;
        }
        return errc::store_unavailable;
    }

    /// Compare-and-set of the current verifier (api_key_admin::replace_verifier). Throws std::bad_alloc only.
    result<bool> replace_verifier(std::string_view key_id, const api_key_verifier& expected,
                                  const api_key_verifier& replacement)
    {
        return cas(key_id, expected, replacement, nullptr);
    }

    /// Re-wrap up to `batch` records under an old pepper (api_key_admin::rewrap). Throws std::bad_alloc only.
    result<std::size_t> rewrap(const pepper_ring& ring, std::size_t batch)
    {
        if (ring.size() == 0) return errc::invalid_configuration;
        if (!pool_) return errc::store_unavailable;
        const detail::pg_number current(ring.current_version());
        const detail::pg_number limit(static_cast<std::int64_t>(std::min<std::size_t>(batch, 1'000'000)));
        // A row changed between the SELECT and its compare-and-set is skipped; if every row of a
        // batch was, select again (a few times), so that 0 keeps meaning "none is left".
        for (int round = 0;; ++round) {
            const detail::pg_result r =
                pool_->run("apiauth_unwrapped", std::array<const char*, 2>{current.c_str(), limit.c_str()});
            if (!r) return errc::store_unavailable;
            std::size_t done = 0;
            api_key_record rec;
            for (int i = 0; i < PQntuples(r.get()); ++i) {
                if (!detail::pg_read_row(r.get(), i, rec)) return errc::store_unavailable;
                const api_key_verifier before = rec.verifier;
                if (auto w = wrap_api_key_record(rec, ring); !w) return w.error();
                auto swapped = cas(rec.key_id, before, rec.verifier, rec.previous ? &rec.previous->verifier : nullptr);
                if (!swapped) return swapped.error();
                if (*swapped) ++done;
            }
            if (done != 0 || PQntuples(r.get()) == 0) return done;
            if (round == 3) return errc::key_conflict;  // the rows keep changing under us: try later
        }
    }

    /// The pool this store uses.
    const std::shared_ptr<postgres_pool>& pool() const noexcept { return pool_; }

private:
    // `s` NUL-terminated in `out` (max_key_id + 1 octets); false when it cannot be a stored id.
    static bool c_string(std::string_view s, char* out) noexcept
    {
        if (s.size() > api_key_record_bounds::max_key_id || s.find('\0') != std::string_view::npos) return false;
        std::memcpy(out, s.data(), s.size());
        out[s.size()] = '\0';
        return true;
    }

    // The 19 text parameters of a row, in the order of detail::pg_columns.
    struct row_params {
        std::string key_id, prefix, scopes, grant_types, owner, name, resources;
        std::array<char, 67> mac{}, prev_mac{};
        detail::pg_number format, pv, wv, ppv, pwv, prev_until, created, nbf, exp, rev;
        std::array<const char*, detail::pg_column_count> values{};

        explicit row_params(const api_key_record& r)
            : key_id(r.key_id), prefix(r.prefix), scopes(detail::join_list(r.scopes)),
              grant_types(detail::join_list(r.grant_types)), owner(r.owner), name(r.name),
              resources(detail::join_list(r.resources)), mac(detail::pg_mac_text(r.verifier.mac)),
              format(r.format == api_key_format::v1 ? 0 : 1), pv(r.verifier.pepper_version),
              wv(r.verifier.wrap_version), created(detail::pg_seconds(r.created_at)),
              nbf(detail::pg_seconds(r.not_before)), exp(detail::pg_seconds(r.expires_at)),
              rev(detail::pg_seconds(r.revoked_at))
        {
            if (r.previous) {
                prev_mac = detail::pg_mac_text(r.previous->verifier.mac);
                ppv = detail::pg_number(r.previous->verifier.pepper_version);
                pwv = detail::pg_number(r.previous->verifier.wrap_version);
                prev_until = detail::pg_seconds(r.previous->valid_until);
            }
            values = {key_id.c_str(),
                      prefix.c_str(),
                      format.c_str(),
                      mac.data(),
                      pv.c_str(),
                      wv.c_str(),
                      r.previous ? prev_mac.data() : nullptr,
                      ppv.c_str(),
                      pwv.c_str(),
                      prev_until.c_str(),
                      created.c_str(),
                      nbf.c_str(),
                      exp.c_str(),
                      rev.c_str(),
                      scopes.c_str(),
                      grant_types.c_str(),
                      owner.c_str(),
                      name.c_str(),
                      resources.c_str()};
        }
        row_params(const row_params&) = delete;
        row_params& operator=(const row_params&) = delete;
    };

    // disable / enable / delete: one statement on (key_id, owner[, time]); when no row was
    // touched, key_owner_mismatch if the key exists, else key_unknown.
    result<void> change(const char* statement, std::string_view key_id, acting_owner owner,
                        const detail::pg_number* time)
    {
        char id[api_key_record_bounds::max_key_id + 1];
        if (!c_string(key_id, id)) return errc::key_unknown;
        std::string o;
        if (owner) {
            if (owner->find('\0') != std::string_view::npos) return errc::key_owner_mismatch;
            o.assign(*owner);
        }
        const char* who = owner ? o.c_str() : nullptr;
        if (!pool_) return errc::store_unavailable;
        const detail::pg_result r = time ? pool_->run(statement, std::array<const char*, 3>{id, who, time->c_str()})
                                         : pool_->run(statement, std::array<const char*, 2>{id, who});
        if (!r) return errc::store_unavailable;
        if (PQntuples(r.get()) == 1) return {};
        const detail::pg_result exists = pool_->run("apiauth_owner", std::array<const char*, 1>{id});
        if (!exists) return errc::store_unavailable;
        return PQntuples(exists.get()) == 0 ? errc::key_unknown : errc::key_owner_mismatch;
    }

    // Inside rotate's transaction: lock the old row, check it, insert, end the old key.
    result<void> rotate_in(postgres_pool::lease& l, const std::string& id, acting_owner owner,
                           const api_key_record& replacement, row_params& p, const detail::pg_number& until)
    {
        if (id.size() > api_key_record_bounds::max_key_id || id.find('\0') != std::string::npos)
            return errc::key_unknown;
        const detail::pg_result old = pool_->exec(l, "apiauth_lock", std::array<const char*, 1>{id.c_str()});
        if (!old) return errc::store_unavailable;
        if (PQntuples(old.get()) == 0) return errc::key_unknown;
        api_key_record rec;
        if (!detail::pg_read_row(old.get(), 0, rec)) return errc::store_unavailable;
        if (owner && rec.owner != *owner) return errc::key_owner_mismatch;
        if (rec.revoked_at) return errc::api_key_revoked;
        if (rec.owner != replacement.owner) return errc::invalid_configuration;
        const detail::pg_result ins = pool_->exec(l, "apiauth_insert", p.values);
        if (!ins) return errc::store_unavailable;
        if (PQntuples(ins.get()) != 1) return errc::key_conflict;
        const detail::pg_result end =
            pool_->exec(l, "apiauth_end", std::array<const char*, 2>{id.c_str(), until.c_str()});
        if (!end) return errc::store_unavailable;
        return {};
    }

    result<bool> cas(std::string_view key_id, const api_key_verifier& expected, const api_key_verifier& replacement,
                     const api_key_verifier* previous)
    {
        char id[api_key_record_bounds::max_key_id + 1];
        if (!c_string(key_id, id)) return false;
        if (!pool_) return result<bool>(boost::system::in_place_error, make_error_code(errc::store_unavailable));
        const auto exp_mac = detail::pg_mac_text(expected.mac), new_mac = detail::pg_mac_text(replacement.mac);
        const auto prev_mac = previous ? detail::pg_mac_text(previous->mac) : std::array<char, 67>{};
        const detail::pg_number epv(expected.pepper_version), ewv(expected.wrap_version),
            npv(replacement.pepper_version), nwv(replacement.wrap_version),
            ppv = previous ? detail::pg_number(previous->pepper_version) : detail::pg_number(),
            pwv = previous ? detail::pg_number(previous->wrap_version) : detail::pg_number();
        const detail::pg_result r = pool_->run(
            "apiauth_cas",
            std::array<const char*, 10>{id, exp_mac.data(), epv.c_str(), ewv.c_str(), new_mac.data(), npv.c_str(),
                                        nwv.c_str(), previous ? prev_mac.data() : nullptr, ppv.c_str(), pwv.c_str()});
        if (!r) return result<bool>(boost::system::in_place_error, make_error_code(errc::store_unavailable));
        return PQntuples(r.get()) == 1;
    }

    std::shared_ptr<postgres_pool> pool_;
};

static_assert(api_key_admin<postgres_api_key_store>);

inline std::string postgres_schema_sql(std::string_view table)
{
    if (!detail::pg_identifier(table)) return {};
    static constexpr std::string_view ddl = R"sql(CREATE TABLE IF NOT EXISTS apiauth_api_keys (
    key_id              text     PRIMARY KEY CHECK (octet_length(key_id) BETWEEN 1 AND 64),
    prefix              text     NOT NULL CHECK (octet_length(prefix) <= 32),
    format              smallint NOT NULL CHECK (format IN (0, 1)),
    mac                 bytea    NOT NULL CHECK (octet_length(mac) = 32),
    pepper_version      bigint   NOT NULL CHECK (pepper_version BETWEEN 0 AND 4294967295),
    wrap_version        bigint   CHECK (wrap_version BETWEEN 0 AND 4294967295),
    prev_mac            bytea    CHECK (octet_length(prev_mac) = 32),
    prev_pepper_version bigint   CHECK (prev_pepper_version BETWEEN 0 AND 4294967295),
    prev_wrap_version   bigint   CHECK (prev_wrap_version BETWEEN 0 AND 4294967295),
    prev_valid_until    bigint,
    created_at          bigint   NOT NULL,
    not_before          bigint,
    expires_at          bigint,
    revoked_at          bigint,
    scopes              text     NOT NULL DEFAULT '',
    grant_types         text     NOT NULL DEFAULT '',
    owner               text     NOT NULL CHECK (octet_length(owner) <= 256),
    name                text     NOT NULL DEFAULT '' CHECK (octet_length(name) <= 256),
    CHECK ((prev_mac IS NULL) = (prev_pepper_version IS NULL)
           AND (prev_mac IS NULL) = (prev_valid_until IS NULL)
           AND (prev_mac IS NOT NULL OR prev_wrap_version IS NULL))
);
CREATE INDEX IF NOT EXISTS apiauth_api_keys_owner ON apiauth_api_keys (owner, created_at, key_id);
CREATE INDEX IF NOT EXISTS apiauth_api_keys_unwrapped ON apiauth_api_keys (pepper_version, key_id)
    WHERE wrap_version IS NULL AND prev_wrap_version IS NULL;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'apiauth_api_keys'::regclass
                   AND attname = 'resources' AND NOT attisdropped) THEN
        ALTER TABLE apiauth_api_keys ADD COLUMN IF NOT EXISTS resources text NOT NULL DEFAULT '';
    END IF;
END
$$;
)sql";
    constexpr std::string_view name = "apiauth_api_keys";
    std::string out;
    for (std::string_view rest = ddl;;) {
        const std::size_t at = rest.find(name);
        out.append(rest.substr(0, at));
        if (at == std::string_view::npos) return out;
        out.append(table);
        rest.remove_prefix(at + name.size());
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_POSTGRES_HPP
