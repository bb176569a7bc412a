// apiauth/stores/redis.hpp — the nonce store, the revocation store and the API key store shared
// by a fleet of server processes through Redis (hiredis). Optional: nothing else in apiauth
// includes it; link apiauth::redis (apiauth::apiauth and hiredis) to use it. The server must run
// with `maxmemory-policy noeviction` (Redis' default): each new connection checks it, and the
// stores refuse to serve otherwise (redis_options::verify_noeviction).
#ifndef APIAUTH_STORES_REDIS_HPP
#define APIAUTH_STORES_REDIS_HPP

#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/stormpath.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/nonce.hpp>

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** Where the Redis server is and how to talk to it: what redis_pool::make needs.

    Every wait is bounded by one of the three timeouts, so a store call never blocks for
    longer than about acquire_timeout + connect_timeout + 2 × command_timeout (a dead pooled
    connection is replaced once, see redis_pool). The defaults suit a Redis on the same host
    or in the same data centre; a host name is resolved by getaddrinfo, which no timeout
    bounds: give an IP address (or a Unix socket) for a strict bound.
*/
struct redis_options {
    /// Path of the server's Unix socket; when not empty it is used, and host and port are not.
    std::string unix_socket{};
    /// The server's IP address (or host name) for TCP.
    std::string host = "127.0.0.1";
    /// The server's TCP port.
    std::uint16_t port = 6379;
    /// ACL user name (Redis 6+) sent with `AUTH`; empty: `AUTH <password>` as the default user.
    std::string username{};
    /// Password sent with `AUTH` on each new connection; empty: no `AUTH`.
    std::string password{};
    /// Database index selected with `SELECT` on each new connection (0, the default, sends none).
    int database = 0;
    /** Prepended to every key, so that apiauth's keys live in their own namespace:
        `<prefix>nonce:<id>`, `<prefix>revoked:<jti>`, and redis_api_key_store's
        `<prefix>apikey:<key id>`, `<prefix>apikey-owner:<owner>` and `<prefix>apikey-pepper`.
        Two fleets sharing one server keep apart by giving different prefixes. */
    std::string key_prefix = "apiauth:";
    /// The most connections the pool holds open at once (hiredis contexts are one thread's each).
    std::size_t max_connections = 8;
    /// How long a new connection may take to be established (TCP or Unix socket `connect`).
    std::chrono::milliseconds connect_timeout{250};
    /// How long one command may wait for its reply (`redisSetTimeout`: send and receive).
    std::chrono::milliseconds command_timeout{250};
    /// How long a call waits for a free connection when max_connections are all in use.
    std::chrono::milliseconds acquire_timeout{250};
    /** Check, on each new connection, that the server never evicts keys: `CONFIG GET
        maxmemory-policy` must answer `noeviction`. Under any other policy (volatile-*,
        allkeys-*) a server at maxmemory silently drops revocations and nonces, so a revoked
        token would verify and a consumed nonce could be issued again: the connection is
        refused, and every call fails closed (store_unavailable). A server that denies CONFIG
        (an ACL user without it, a managed Redis that renames it) is refused too, since the
        policy cannot be known. Turn this off only where the policy is guaranteed some other way
        (a managed service configured with noeviction that denies CONFIG). */
    bool verify_noeviction = true;
};

namespace detail {

struct redis_reply_free {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using redis_reply = std::unique_ptr<redisReply, redis_reply_free>;

struct redis_context_free {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using redis_context = std::unique_ptr<redisContext, redis_context_free>;

inline timeval redis_timeval(std::chrono::milliseconds d) noexcept
{
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
    return tv;
}

inline bool redis_status_is(const redisReply& r, std::string_view s) noexcept
{
    return r.type == REDIS_REPLY_STATUS && std::string_view(r.str, r.len) == s;
}

// hiredis writes with write(2), so a server that went away raises SIGPIPE, whose default
// action ends the process. For the duration of one exchange SIGPIPE is blocked in the calling
// thread; a SIGPIPE that the exchange raised is then taken out of the pending set (one that
// was pending before is left alone) and the thread's mask restored (libpq does the same).
class sigpipe_guard {
public:
    sigpipe_guard() noexcept
    {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
        blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
    }
    sigpipe_guard(const sigpipe_guard&) = delete;
    sigpipe_guard& operator=(const sigpipe_guard&) = delete;
    ~sigpipe_guard()
    {
        if (!blocked_) return;
        const int saved = errno;
        sigset_t pending;
        sigemptyset(&pending);
        if (!was_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
            const timespec zero{};
            while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
        errno = saved;
    }

private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool was_pending_ = false;
    bool blocked_ = false;
};

// The exchange failed because the connection was already dead (the server closed it, or went
// away: EOF, EPIPE, ECONNRESET), as opposed to a timeout or a protocol error.
inline bool redis_connection_was_dead(const redisContext& c, int error) noexcept
{
    return c.err == REDIS_ERR_EOF || (c.err == REDIS_ERR_IO && (error == EPIPE || error == ECONNRESET));
}

// `CONFIG GET maxmemory-policy` answers ["maxmemory-policy", "noeviction"]: the server never
// evicts a key (it refuses writes with OOM at maxmemory instead). False for any other policy, an
// error reply (NOPERM, an unknown or renamed command) or no reply.
inline bool redis_never_evicts(redisContext& c) noexcept
{
    const char* argv[] = {"CONFIG", "GET", "maxmemory-policy"};
    const std::size_t lengths[] = {6, 3, 16};
    const redis_reply r(static_cast<redisReply*>(redisCommandArgv(&c, 3, argv, lengths)));
    if (!r || c.err != 0 || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return false;
    const redisReply* v = r->element[1];
    return v != nullptr && (v->type == REDIS_REPLY_STRING || v->type == REDIS_REPLY_STATUS) &&
           std::string_view(v->str, v->len) == "noeviction";
}

}  // namespace detail

class redis_nonce_store;
class redis_revocation_store;
class redis_api_key_store;

/** A bounded, thread-safe pool of connections to one Redis server, shared by the Redis stores.

    hiredis contexts belong to one thread each; the pool lends one to each call and takes it
    back. It opens connections lazily (none at construction, so a server that is down at
    start-up is no error) up to redis_options::max_connections; a call that finds them all
    lent waits at most acquire_timeout. Each new connection is authenticated, selects its
    database and, unless redis_options::verify_noeviction is off, checks that the server's
    maxmemory-policy is noeviction (else it is closed and the call fails closed with
    store_unavailable: the check runs per connection, not once per pool, so that a server
    restarted or failed over with another policy is caught when the pool reconnects to it; a
    policy changed with CONFIG SET on a live server is seen by the next new connection). A
    connection that saw an I/O error, a timeout or a protocol error is closed, and the next
    call makes a new one: the stores recover by themselves when the server comes back. A
    pooled connection found dead on its first use (EOF, EPIPE, ECONNRESET: the server
    restarted, or closed an idle client) is replaced once within the same call, and every
    other idle connection is closed with it (it reached the same server); a timeout is never
    retried. That retry resends the command: the connection is taken for dead only when the
    server had closed it, so the command almost never reached it; but if a write did run
    before the connection broke, the retry sees its effect and answers misleadingly, yet
    closed: an issue answers false (held) for the id it just recorded, a consume false for the
    id it just consumed (that login then fails; nothing is accepted twice), a revoke is
    idempotent. SIGPIPE is blocked in the calling thread during each exchange, so a vanished
    server cannot end the process.

    Thread-safety: every member may be called from many threads at once. After fork(), a child
    makes its own pool: connections are never shared between processes. Memory: apiauth's own
    allocations failing give store_unavailable, but hiredis 0.14 calls abort() when one of its
    own allocations fails (hi_malloc).
*/
class redis_pool {
public:
    /** A pool for `options`, shared by the stores built from it. Connects to nothing yet.
        Refuses (invalid_configuration) max_connections 0, a timeout that is not positive,
        a negative database, a username without a password, and neither a socket nor a host.
        not_enough_memory if the pool cannot be allocated. */
    static result<std::shared_ptr<redis_pool>> make(redis_options options) noexcept
    {
        const auto positive = [](std::chrono::milliseconds d) { return d > std::chrono::milliseconds::zero(); };
        if (options.max_connections == 0 || !positive(options.connect_timeout) || !positive(options.command_timeout) ||
            !positive(options.acquire_timeout) || options.database < 0 ||
            (!options.username.empty() && options.password.empty()) ||
            (options.unix_socket.empty() && options.host.empty()))
            return errc::invalid_configuration;
        try {
            return std::shared_ptr<redis_pool>(new redis_pool(std::move(options)));
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    redis_pool(const redis_pool&) = delete;
    redis_pool& operator=(const redis_pool&) = delete;

    /// Closes the idle connections. The stores hold the pool by shared_ptr, so none is lent then.
    ~redis_pool()
    {
        for (redisContext* c : idle_) redisFree(c);
    }

    /// The options the pool was made with.
    const redis_options& options() const noexcept { return options_; }

    /// The number of connections open now, idle or lent (at most options().max_connections).
    std::size_t open_connections() const noexcept { return open_.load(std::memory_order_relaxed); }

private:
    friend class redis_nonce_store;
    friend class redis_revocation_store;
    friend class redis_api_key_store;

    explicit redis_pool(redis_options options) : options_(std::move(options))
    {
        idle_.reserve(options_.max_connections);  // release() then never allocates
    }

    // `<prefix><space><id>`, or an empty string if it cannot be allocated.
    std::string key(std::string_view space, std::string_view id) const noexcept
    {
        std::string k;
        try {
            k.reserve(options_.key_prefix.size() + space.size() + id.size());
            k.append(options_.key_prefix).append(space).append(id);
        } catch (...) {
            k.clear();
        }
        return k;
    }

    // Sends one command (every argument binary-safe: hiredis sends its length) and returns
    // its reply; null on any failure to get one (no connection, I/O error, timeout, protocol
    // error, out of memory). An error reply is a reply: the caller judges its type. A pooled
    // connection found dead is replaced and the command resent once (a write that did run is
    // then seen by the resend: see the class comment).
    detail::redis_reply command(std::initializer_list<std::string_view> args) noexcept
    {
        return command(std::span<const std::string_view>(args.begin(), args.size()));
    }

    // The same for an argument list of any length: up to 8 arguments on the stack, more in
    // vectors (whose allocation failing is a failure to get a reply).
    detail::redis_reply command(std::span<const std::string_view> args) noexcept
    {
        constexpr std::size_t on_stack = 8;
        if (args.empty() || args.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
        const char* small_argv[on_stack];
        std::size_t small_lengths[on_stack];
        std::vector<const char*> big_argv;
        std::vector<std::size_t> big_lengths;
        const char** argv = small_argv;
        std::size_t* lengths = small_lengths;
        if (args.size() > on_stack) {
            try {
                big_argv.resize(args.size());
                big_lengths.resize(args.size());
            } catch (...) {
                return nullptr;
            }
            argv = big_argv.data();
            lengths = big_lengths.data();
        }
        int argc = 0;
        for (const std::string_view a : args) {
            argv[argc] = a.data();
            lengths[argc++] = a.size();
        }
        for (int attempt = 0; attempt < 2; ++attempt) {
            bool reused = false;
            redisContext* c = acquire(reused);
            if (c == nullptr) return nullptr;
            void* reply = nullptr;
            int error = 0;
            {
                const detail::sigpipe_guard guard;
                errno = 0;
                reply = redisCommandArgv(c, argc, argv, lengths);
                error = errno;
            }
            if (reply != nullptr && c->err == 0) {
                release(c, true);
                return detail::redis_reply(static_cast<redisReply*>(reply));
            }
            if (reply != nullptr) freeReplyObject(reply);
            const bool dead = detail::redis_connection_was_dead(*c, error);
            release(c, false);
            if (!reused || !dead) break;  // only a pooled connection found dead is worth a second try
            close_idle();                 // they went to the same server: the retry makes a new one
        }
        return nullptr;
    }

    // An idle connection (reused = true), else a new one while fewer than max_connections are
    // open; waits at most acquire_timeout for one to come back. Null when none can be had.
    redisContext* acquire(bool& reused) noexcept
    {
        try {
            std::unique_lock lock(mutex_);
            if (!returned_.wait_for(lock, options_.acquire_timeout,
                                    [&] { return !idle_.empty() || open_ < options_.max_connections; }))
                return nullptr;
            if (!idle_.empty()) {
                redisContext* c = idle_.back();
                idle_.pop_back();
                reused = true;
                return c;
            }
            ++open_;
            lock.unlock();
            redisContext* c = connect();
            if (c == nullptr) give_back_slot();
            return c;
        } catch (...) {  // the lock (std::system_error)
            return nullptr;
        }
    }

    // Takes a lent connection back: kept for the next call when it is healthy, else closed.
    void release(redisContext* c, bool healthy) noexcept
    {
        if (healthy && c->err == 0) {
            try {
                const std::lock_guard lock(mutex_);
                idle_.push_back(c);  // capacity reserved at construction: cannot throw
                returned_.notify_one();
                return;
            } catch (...) {  // the lock: close the connection instead
            }
        }
        redisFree(c);
        give_back_slot();
    }

    // Closes every idle connection (the server they reached went away or restarted).
    void close_idle() noexcept
    {
        try {
            const std::lock_guard lock(mutex_);
            for (redisContext* c : idle_) redisFree(c);
            open_ -= idle_.size();
            idle_.clear();
        } catch (...) {  // the lock: the idle connections are found dead one by one instead
        }
        returned_.notify_all();
    }

    void give_back_slot() noexcept
    {
        try {
            const std::lock_guard lock(mutex_);
            --open_;
        } catch (...) {
            --open_;  // the lock failed: a waiter sees the slot at its timeout at the latest
        }
        returned_.notify_one();
    }

    // A new connection, authenticated, on its database, on a server that never evicts keys
    // (options_.verify_noeviction), with the command timeout set; null on any failure.
    redisContext* connect() noexcept
    {
        const timeval connect_timeout = detail::redis_timeval(options_.connect_timeout);
        detail::redis_context c(options_.unix_socket.empty()
                                    ? redisConnectWithTimeout(options_.host.c_str(), options_.port, connect_timeout)
                                    : redisConnectUnixWithTimeout(options_.unix_socket.c_str(), connect_timeout));
        if (!c || c->err != 0) return nullptr;
        if (redisSetTimeout(c.get(), detail::redis_timeval(options_.command_timeout)) != REDIS_OK) return nullptr;
        const detail::sigpipe_guard guard;
        if (!options_.password.empty()) {
            // AUTH [username] password: the argument list without the user name when it is empty.
            const bool user = !options_.username.empty();
            const char* argv[] = {"AUTH", options_.username.data(), options_.password.data()};
            std::size_t lengths[] = {4, options_.username.size(), options_.password.size()};
            if (!user) {
                argv[1] = argv[2];
                lengths[1] = lengths[2];
            }
            const detail::redis_reply r(
                static_cast<redisReply*>(redisCommandArgv(c.get(), user ? 3 : 2, argv, lengths)));
            if (!r || c->err != 0 || !detail::redis_status_is(*r, "OK")) return nullptr;
        }
        if (options_.database != 0) {
            char digits[16];
            const auto end = std::to_chars(digits, digits + sizeof digits, options_.database).ptr;
            const std::string_view select = "SELECT";
            const char* argv[] = {select.data(), digits};
            const std::size_t lengths[] = {select.size(), static_cast<std::size_t>(end - digits)};
            const detail::redis_reply r(static_cast<redisReply*>(redisCommandArgv(c.get(), 2, argv, lengths)));
            if (!r || c->err != 0 || !detail::redis_status_is(*r, "OK")) return nullptr;
        }
        if (options_.verify_noeviction && !detail::redis_never_evicts(*c)) return nullptr;
        return c.release();
    }

    redis_options options_;
    std::mutex mutex_;
    std::condition_variable returned_;  // a connection came back, or a slot was freed
    std::vector<redisContext*> idle_;   // capacity max_connections
    std::atomic<std::size_t> open_{0};  // idle and lent; changed under mutex_
};

/** A nonce_store in Redis: single-use ids shared by every process that uses the same server
    and key prefix (ID Site replay protection across a fleet, research/stormpath-protocol.md §3).

    - issue(id, lifetime) is `SET <prefix>nonce:<id> 1 NX PX <lifetime ms>`: one command, so
      "record unless held" is atomic in Redis; the key expires with the lifetime.
    - consume(id) is `DEL <prefix>nonce:<id>`: Redis runs commands one at a time and answers 1
      to exactly one DEL of a live key (0 to the others and to an expired key), so of any
      number of consumers in any number of processes exactly one sees true.

    Ids are binary-safe (sent as counted arguments, never formatted into a command). Fails
    closed: any failure to get the expected reply (no connection, timeout, an error reply
    such as OOM or NOPERM, a reply of another type) is store_unavailable, never true or false.
    A call that timed out may still be carried out by the server later (a consume then
    consumes, an issue records): the caller has already failed closed. Thread-safety: every
    member may be called from many threads at once (the pool lends each call a connection).
*/
class redis_nonce_store {
public:
    /** A store using `pool`'s connections (several stores may share one pool). A null pool
        makes every call store_unavailable. */
    explicit redis_nonce_store(std::shared_ptr<redis_pool> pool) noexcept : pool_(std::move(pool)) {}

    /** Records `id` for `lifetime` unless a live entry holds it: true if recorded, false if
        held (nothing changes then). As memory_nonce_store: refuses an id that is empty or
        longer than max_nonce_size (token_too_large); a lifetime that is not positive records
        nothing (it would expire at once) and is true unless the id is held (`EXISTS`); one
        longer than 10,000 years is taken as 10,000 years. An outage is store_unavailable. */
    result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        if (id.empty() || id.size() > max_nonce_size) return errc::token_too_large;
        if (!pool_) return errc::store_unavailable;
        const std::string k = pool_->key("nonce:", id);
        if (k.empty()) return errc::store_unavailable;
        if (lifetime <= std::chrono::seconds::zero()) {
            const detail::redis_reply r = pool_->command({"EXISTS", k});
            if (r && r->type == REDIS_REPLY_INTEGER && (r->integer == 0 || r->integer == 1)) return r->integer == 0;
            return errc::store_unavailable;
        }
        // Bounded so that Redis' now + lifetime cannot overflow.
        constexpr std::int64_t longest = std::int64_t{10000} * 31556952;  // 10,000 Gregorian years, in seconds
        char ms[24];
        const auto end =
            std::to_chars(ms, ms + sizeof ms, std::min<std::int64_t>(lifetime.count(), longest) * 1000).ptr;
        const detail::redis_reply r = pool_->command({"SET", k, "1", "NX", "PX", std::string_view(ms, end)});
        if (r && detail::redis_status_is(*r, "OK")) return true;
        if (r && r->type == REDIS_REPLY_NIL) return false;
        return errc::store_unavailable;
    }

    /** Removes `id` and returns true if it was held and alive, else false, atomically across
        every process sharing the server (exactly one concurrent consumer sees true). An id that
        is empty or longer than max_nonce_size is false without asking (issue() never records
        one), as memory_nonce_store. An outage is store_unavailable, never false or true. */
    result<bool> consume(std::string_view id) noexcept
    {
        if (id.empty() || id.size() > max_nonce_size) return false;
        if (!pool_) return errc::store_unavailable;
        const std::string k = pool_->key("nonce:", id);
        if (k.empty()) return errc::store_unavailable;
        const detail::redis_reply r = pool_->command({"DEL", k});
        if (r && r->type == REDIS_REPLY_INTEGER && (r->integer == 0 || r->integer == 1)) return r->integer == 1;
        return errc::store_unavailable;
    }

private:
    std::shared_ptr<redis_pool> pool_;
};

static_assert(nonce_store<redis_nonce_store>);

/** Revoked access tokens in Redis: a `jti` refused by every process of a fleet until the
    token's own `exp` (RFC 7009 §2), with the semantics of memory_revocation_store.

    Models oauth2::revocation_store. is_revoked(jti) is `EXISTS <prefix>revoked:<jti>` (Redis
    never reports a key whose expiry has passed). revoke(jti, until) is one Lua script (EVAL),
    which Redis runs atomically, with no other command in between and with time frozen for the
    script's keys: it compares `until` with the server's clock (TIME; an already expired token
    is not stored), reads the entry's expiry (PEXPIRETIME) and only if it is earlier sets it
    (`SET … PXAT until`), so that revoking is idempotent, a later `until` extends and an
    earlier one never shortens. A script rather than `SET NX PXAT` followed by `PEXPIREAT GT`:
    between those two commands the entry could expire and the extension be lost; a script
    needs no MULTI state on the connection. PEXPIRETIME needs Redis 7.0 (Debian 12 ships
    7.0.15); an older server answers with an error, so revoke fails closed. "Now" is the Redis
    server's clock, the one clock the whole fleet shares.

    Fails closed: any failure to get the expected reply is store_unavailable, never "not
    revoked". The store cannot tell a server that lost its data from one that never held it:
    a Redis restarted without persistence (`appendonly yes`) forgets every revocation, so run
    it with persistence and replicas. Thread-safety: every member may be called from many
    threads at once.
*/
class redis_revocation_store {
public:
    /// The longest jti kept, in octets (as memory_revocation_store::max_jti_size).
    static constexpr std::size_t max_jti_size = 256;

    /** A store using `pool`'s connections (several stores may share one pool). A null pool
        makes every call store_unavailable. */
    explicit redis_revocation_store(std::shared_ptr<redis_pool> pool) noexcept : pool_(std::move(pool)) {}

    /** True when `jti` was revoked and its token has not yet expired by the server's clock
        (RFC 7009 §2). A jti that is empty or longer than max_jti_size is false without asking
        (revoke() never stores one); an outage is store_unavailable, never false. */
    result<bool> is_revoked(std::string_view jti) const noexcept
    {
        if (jti.empty() || jti.size() > max_jti_size) return false;
        if (!pool_) return errc::store_unavailable;
        const std::string k = pool_->key("revoked:", jti);
        if (k.empty()) return errc::store_unavailable;
        const detail::redis_reply r = pool_->command({"EXISTS", k});
        if (r && r->type == REDIS_REPLY_INTEGER && (r->integer == 0 || r->integer == 1)) return r->integer == 1;
        return errc::store_unavailable;
    }

    /** Revokes `jti` until `until` (its token's `exp`, RFC 7009 §2), atomically: idempotent; a
        later `until` extends, an earlier one never shortens; a token already expired is not
        stored (and that is no error). Refuses a jti that is empty or longer than max_jti_size
        (token_too_large); an outage is store_unavailable. An `until` after year 9999 is
        taken as the end of year 9999. */
    result<void> revoke(std::string_view jti, std::chrono::sys_seconds until) noexcept
    {
        if (jti.empty() || jti.size() > max_jti_size) return errc::token_too_large;
        if (!pool_) return errc::store_unavailable;
        const std::string k = pool_->key("revoked:", jti);
        if (k.empty()) return errc::store_unavailable;
        constexpr std::int64_t last_second = 253402300799;  // 9999-12-31T23:59:59Z
        const std::int64_t s = std::clamp<std::int64_t>(until.time_since_epoch().count(), -1, last_second);
        char ms[24];
        const auto end = std::to_chars(ms, ms + sizeof ms, s * 1000).ptr;
        const detail::redis_reply r = pool_->command({"EVAL", revoke_script, "1", k, std::string_view(ms, end)});
        if (r && r->type == REDIS_REPLY_INTEGER && (r->integer == 0 || r->integer == 1)) return {};
        return errc::store_unavailable;
    }

private:
    // KEYS[1]: the entry; ARGV[1]: until, in Unix milliseconds. 1 when it set the expiry.
    // Lua numbers are doubles: milliseconds up to year 9999 (2.5e14) are exact.
    static constexpr std::string_view revoke_script =
        "local at = tonumber(ARGV[1])\n"
        "local t = redis.call('TIME')\n"
        "if at <= tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then return 0 end\n"
        "local held = redis.call('PEXPIRETIME', KEYS[1])\n"
        "if held == -1 or held >= at then return 0 end\n"
        "redis.call('SET', KEYS[1], '1', 'PXAT', ARGV[1])\n"
        "return 1\n";

    std::shared_ptr<redis_pool> pool_;
};

namespace detail {

// ---- the text form of an API key record in a Redis hash (redis_api_key_store) ----------------

// The fields of a record's hash, in this order (field index = position).
inline constexpr std::string_view redis_record_fields[] = {
    "prefix",  "format", "mac", "pv",  "wv",     "prev_mac",    "prev_pv", "prev_wv", "prev_until",
    "created", "nbf",    "exp", "rev", "scopes", "grant_types", "owner",   "name",    "resources"};
// clang-format off
enum redis_record_field : unsigned {
    rf_prefix, rf_format, rf_mac, rf_pv, rf_wv, rf_prev_mac, rf_prev_pv, rf_prev_wv, rf_prev_until,
    rf_created, rf_nbf, rf_exp, rf_rev, rf_scopes, rf_grant_types, rf_owner, rf_name, rf_resources, rf_count
};
// clang-format on
static_assert(std::size(redis_record_fields) == rf_count);

// A decimal integer as std::to_chars writes it, and nothing else: the whole string, in range,
// no sign but a leading '-' of a negative number, no leading zero ("0" itself, not "-0").
template <class Int> bool redis_parse_int(std::string_view s, Int& out) noexcept
{
    const std::size_t digits_at = !s.empty() && s[0] == '-' ? 1 : 0;
    if (s.size() == digits_at || s.size() > 20) return false;
    if (s[digits_at] == '0' && (s.size() > 1 || digits_at == 1)) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

inline bool redis_parse_time(std::string_view s, std::chrono::sys_seconds& out) noexcept
{
    std::int64_t n = 0;
    if (!redis_parse_int(s, n)) return false;
    out = std::chrono::sys_seconds(std::chrono::seconds(n));
    return true;
}

// The decimal text of an integer, in a buffer of its own.
struct redis_number {
    char text[24]{};
    std::size_t size = 0;
    redis_number() = default;
    template <class Int>
    explicit redis_number(Int v) noexcept
        : size(static_cast<std::size_t>(std::to_chars(text, text + sizeof text, v).ptr - text))
    {
    }
    std::string_view view() const noexcept { return {text, size}; }
};

inline redis_number redis_seconds(std::chrono::sys_seconds t) noexcept
{
    return redis_number(static_cast<std::int64_t>(t.time_since_epoch().count()));
}

/* Reads a record from the field/value pairs of its hash (HGETALL's reply: an array of
   strings); out.key_id is the caller's. False, with `out` in an unspecified state, for
   anything but what redis_record_text writes: a reply of another type, a field this version
   does not know (it could be a restriction a newer version added: refused rather than
   ignored), a required field missing (prefix, format, mac, pv, created, scopes, grant_types,
   owner, name; resources is written only when the list is not empty, and an empty one is
   refused), a previous verifier in part (prev_mac, prev_pv and prev_until go together), a MAC
   that is not 64 lowercase hex digits, a number that is not canonical decimal or out of range
   (pepper and wrap versions: 32 bits unsigned; times: 64-bit signed seconds), a format other
   than 0 or 1, a list with an empty item, and what check_storable refuses. Throws
   std::bad_alloc only. */
inline bool redis_parse_record(const redisReply& hash, api_key_record& out)
{
    if (hash.type != REDIS_REPLY_ARRAY || hash.elements % 2 != 0) return false;
    std::string_view v[rf_count];
    unsigned seen = 0;
    for (std::size_t i = 0; i < hash.elements; i += 2) {
        const redisReply* f = hash.element[i];
        const redisReply* x = hash.element[i + 1];
        if (f == nullptr || x == nullptr || f->type != REDIS_REPLY_STRING || x->type != REDIS_REPLY_STRING)
            return false;
        const std::string_view name(f->str, f->len);
        unsigned k = 0;
        while (k < rf_count && redis_record_fields[k] != name) ++k;
        if (k == rf_count || (seen & (1u << k)) != 0) return false;
        seen |= 1u << k;
        v[k] = std::string_view(x->str, x->len);
    }
    const auto has = [&](unsigned k) { return (seen & (1u << k)) != 0; };
    constexpr unsigned required = 1u << rf_prefix | 1u << rf_format | 1u << rf_mac | 1u << rf_pv | 1u << rf_created |
                                  1u << rf_scopes | 1u << rf_grant_types | 1u << rf_owner | 1u << rf_name;
    if ((seen & required) != required) return false;

    if (v[rf_format] == "0")
        out.format = api_key_format::v1;
    else if (v[rf_format] == "1")
        out.format = api_key_format::stormpath;
    else
        return false;
    if (!parse_mac_hex(v[rf_mac], out.verifier.mac, false) || !redis_parse_int(v[rf_pv], out.verifier.pepper_version))
        return false;
    out.verifier.wrap_version.reset();
    if (has(rf_wv) && !redis_parse_int(v[rf_wv], out.verifier.wrap_version.emplace())) return false;

    const bool prev = has(rf_prev_mac);
    if (has(rf_prev_pv) != prev || has(rf_prev_until) != prev || (has(rf_prev_wv) && !prev)) return false;
    out.previous.reset();
    if (prev) {
        api_key_previous_verifier& p = out.previous.emplace();
        if (!parse_mac_hex(v[rf_prev_mac], p.verifier.mac, false) ||
            !redis_parse_int(v[rf_prev_pv], p.verifier.pepper_version) ||
            !redis_parse_time(v[rf_prev_until], p.valid_until))
            return false;
        if (has(rf_prev_wv) && !redis_parse_int(v[rf_prev_wv], p.verifier.wrap_version.emplace())) return false;
    }

    if (!redis_parse_time(v[rf_created], out.created_at)) return false;
    const auto optional_time = [&](unsigned k, std::optional<std::chrono::sys_seconds>& t) {
        t.reset();
        return !has(k) || redis_parse_time(v[k], t.emplace());
    };
    if (!optional_time(rf_nbf, out.not_before) || !optional_time(rf_exp, out.expires_at) ||
        !optional_time(rf_rev, out.revoked_at))
        return false;

    if (!split_list(v[rf_scopes], out.scopes) || !split_list(v[rf_grant_types], out.grant_types)) return false;
    out.resources.clear();
    if (has(rf_resources) && (v[rf_resources].empty() || !split_list(v[rf_resources], out.resources))) return false;
    out.prefix.assign(v[rf_prefix]);
    out.owner.assign(v[rf_owner]);
    out.name.assign(v[rf_name]);
    return check_storable(out).has_value();
}

// A record's fields as the text its hash holds (absent optional fields are not written).
// Holds the texts that are not in the record; field_args() refers to both.
class redis_record_text {
public:
    // Throws std::bad_alloc only.
    explicit redis_record_text(const api_key_record& r)
        : r_(r), mac_(mac_hex(r.verifier.mac)), pv_(r.verifier.pepper_version), created_(redis_seconds(r.created_at)),
          scopes_(join_list(r.scopes)), grant_types_(join_list(r.grant_types)), resources_(join_list(r.resources))
    {
        if (r.verifier.wrap_version) wv_ = redis_number(*r.verifier.wrap_version);
        if (r.previous) {
            prev_mac_ = mac_hex(r.previous->verifier.mac);
            prev_pv_ = redis_number(r.previous->verifier.pepper_version);
            if (r.previous->verifier.wrap_version) prev_wv_ = redis_number(*r.previous->verifier.wrap_version);
            prev_until_ = redis_seconds(r.previous->valid_until);
        }
        if (r.not_before) nbf_ = redis_seconds(*r.not_before);
        if (r.expires_at) exp_ = redis_seconds(*r.expires_at);
        if (r.revoked_at) rev_ = redis_seconds(*r.revoked_at);
        // The record's score in the pepper index: its pepper version while rewrap may take it.
        const bool wrapped = r.verifier.wrap_version || (r.previous && r.previous->verifier.wrap_version);
        score_ = wrapped ? redis_number(-1) : redis_number(r.verifier.pepper_version);
    }

    std::string_view score() const noexcept { return score_.view(); }

    // Appends field, value, field, value… (throws std::bad_alloc only).
    void field_args(std::vector<std::string_view>& a) const
    {
        const auto put = [&](redis_record_field k, std::string_view value) {
            a.push_back(redis_record_fields[k]);
            a.push_back(value);
        };
        put(rf_prefix, r_.prefix);
        put(rf_format, r_.format == api_key_format::v1 ? "0" : "1");
        put(rf_mac, std::string_view(mac_.data(), mac_.size()));
        put(rf_pv, pv_.view());
        if (r_.verifier.wrap_version) put(rf_wv, wv_.view());
        if (r_.previous) {
            put(rf_prev_mac, std::string_view(prev_mac_.data(), prev_mac_.size()));
            put(rf_prev_pv, prev_pv_.view());
            if (r_.previous->verifier.wrap_version) put(rf_prev_wv, prev_wv_.view());
            put(rf_prev_until, prev_until_.view());
        }
        put(rf_created, created_.view());
        if (r_.not_before) put(rf_nbf, nbf_.view());
        if (r_.expires_at) put(rf_exp, exp_.view());
        if (r_.revoked_at) put(rf_rev, rev_.view());
        put(rf_scopes, scopes_);
        put(rf_grant_types, grant_types_);
        put(rf_owner, r_.owner);
        put(rf_name, r_.name);
        // Only when restricted: a record without it is read by earlier versions as before, and
        // one with it is refused by them (a field they do not know), never read as unrestricted.
        if (!r_.resources.empty()) put(rf_resources, resources_);
    }

private:
    const api_key_record& r_;
    std::array<char, 64> mac_;
    std::array<char, 64> prev_mac_{};
    redis_number pv_, wv_, prev_pv_, prev_wv_, prev_until_, created_, nbf_, exp_, rev_, score_;
    std::string scopes_, grant_types_, resources_;
};

// The parts of a Lua script, joined at compile time (no terminator).
template <std::size_t... N> consteval std::array<char, ((N - 1) + ...)> redis_lua(const char (&... parts)[N])
{
    std::array<char, ((N - 1) + ...)> out{};
    std::size_t at = 0;
    const auto put = [&](const char* p, std::size_t n) {
        for (std::size_t i = 0; i + 1 < n; ++i) out[at++] = p[i];
    };
    (put(parts, N), ...);
    return out;
}

template <std::size_t N> constexpr std::string_view redis_lua_text(const std::array<char, N>& a) noexcept
{
    return {a.data(), a.size()};
}

/* What the scripts of redis_api_key_store share. int(s): s is canonical decimal (as
   std::to_chars writes it, at most 20 characters). lt(a, b): a < b for two such numbers, exactly
   (Lua's numbers are doubles: 64-bit seconds are compared as text). owned(key): the record's
   owner when ARGV[1] ~= '1' or it equals ARGV[2]; else nil and -1 (no record) or -2 (another
   owner's); a hash without an owner is an error. */
inline constexpr char redis_lua_prelude[] =
    "local function int(s)\n"
    "  return #s <= 20 and (s == '0' or string.find(s, '^%-?[1-9]%d*$') ~= nil)\n"
    "end\n"
    "local function lt(a, b)\n"
    "  local na, nb = string.byte(a, 1) == 45, string.byte(b, 1) == 45\n"
    "  if na ~= nb then return na end\n"
    "  if #a ~= #b then return (#a < #b) ~= na end\n"
    "  if na then return a > b end\n"
    "  return a < b\n"
    "end\n"
    "local function owned(key)\n"
    "  local owner = redis.call('HGET', key, 'owner')\n"
    "  if not owner then\n"
    "    if redis.call('EXISTS', key) == 1 then error('apiauth: a record without an owner') end\n"
    "    return nil, -1\n"
    "  end\n"
    "  if ARGV[1] == '1' and owner ~= ARGV[2] then return nil, -2 end\n"
    "  return owner, 0\n"
    "end\n";

}  // namespace detail

/** An api_key_store and api_key_admin in Redis: API key records shared by every process of a
    fleet that uses the same server and key prefix, with the semantics of memory_api_key_store.

    Layout (`<prefix>` is redis_options::key_prefix):
    - `<prefix>apikey:<key id>`: a hash per record. Fields: prefix, format (0 v1, 1 stormpath),
      mac (64 lowercase hex digits), pv (pepper version), wv (wrap version), prev_mac, prev_pv,
      prev_wv, prev_until (the previous verifier), created, nbf, exp, rev (Unix seconds, signed
      64-bit decimal), scopes and grant_types (space-separated: check_storable allows no space
      in an item), owner, name (binary-safe), resources (space-separated; absent when the list
      is empty, so that an earlier version refuses a restricted record rather than read it
      unrestricted). An optional field is absent when unset.
    - `<prefix>apikey-owner:<owner>`: a set of the owner's key ids (list).
    - `<prefix>apikey-pepper`: a sorted set of every key id, scored by the record's pepper version,
      or -1 once a verifier is wrapped (rewrap finds what it must do by score, never by a scan).

    lookup and get are one HGETALL each; every write is one Lua script (EVAL), which Redis runs
    atomically with no other command in between, so each operation is atomic per key and keeps
    the two indexes in step with the records: create refuses a taken id (key_conflict), disable
    keeps the earlier revoked_at, rotate checks and writes both records in one script, and
    replace_verifier is a compare-and-set. list is one script too; rewrap is two (find a batch,
    then compare-and-set each record of it). Scripts reach keys they compute from the prefix
    (a record's owner set, the records of an index), so the store needs one Redis server (with
    replicas), not Redis Cluster.

    Redis content is not trusted blindly: a record that is not exactly what this store writes
    (a field missing or unknown, a MAC that is not 64 lowercase hex digits, a number that is not
    canonical decimal or out of range, a key of another type) is store_unavailable, never a
    record, never a miss. Fails closed: an outage, a timeout, an error reply or a reply of
    another type is store_unavailable (a write that timed out may still have been carried out).
    Persistence is the server's: run it with `appendonly yes`, or a restart forgets every key.

    Thread-safety: every member may be called from many threads at once (the pool lends each
    call a connection). lookup never throws and allocates only the record it returns (one
    make_shared and the strings that do not fit in place; the key is built on the stack), beside
    hiredis' own allocations for the command and its reply (about two per field); the lifecycle
    operations throw std::bad_alloc only.
*/
class redis_api_key_store {
public:
    /// The most records one rewrap call takes (one script must not hold the server for long).
    static constexpr std::size_t max_rewrap_batch = 1000;

    /** A store using `pool`'s connections (several stores may share one pool). A null pool
        makes every call store_unavailable. */
    explicit redis_api_key_store(std::shared_ptr<redis_pool> pool) noexcept : pool_(std::move(pool)) {}

    /** The record with `key_id`, or a null pointer when there is none (an id that is empty or
        longer than 64 octets is a miss without asking: create never stores one). One HGETALL.
        store_unavailable for an outage, a timeout, and a stored value that does not parse:
        never a miss. Never throws. @par Specification research/api-keys.md §8.5 step 6. */
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id)
            return std::shared_ptr<const api_key_record>();
        if (!pool_) return errc::store_unavailable;
        try {
            // The key in a buffer on the stack unless the prefix is long.
            char buffer[160];
            std::string heap;
            const std::string& prefix = pool_->options().key_prefix;
            std::string_view k;
            if (prefix.size() + record_space.size() + key_id.size() <= sizeof buffer) {
                char* end = std::copy(prefix.begin(), prefix.end(), buffer);
                end = std::copy(record_space.begin(), record_space.end(), end);
                end = std::copy(key_id.begin(), key_id.end(), end);
                k = std::string_view(buffer, static_cast<std::size_t>(end - buffer));
            } else {
                heap = key(record_space, key_id);
                k = heap;
            }
            const detail::redis_reply r = pool_->command({"HGETALL", k});
            if (!r || r->type != REDIS_REPLY_ARRAY) return errc::store_unavailable;
            if (r->elements == 0) return std::shared_ptr<const api_key_record>();  // Redis keeps no empty hash
            auto record = std::make_shared<api_key_record>();
            record->key_id.assign(key_id);
            if (!detail::redis_parse_record(*r, *record)) return errc::store_unavailable;
            return std::shared_ptr<const api_key_record>(std::move(record));
        } catch (...) {  // std::bad_alloc
            return errc::store_unavailable;
        }
    }

    // ---- the lifecycle (stores::api_key_admin) ---------------------------------------------

    /** Keep `r` (one script: EXISTS, HSET, SADD to its owner's set, ZADD to the pepper index):
        key_conflict when a key with its id exists (of any type), invalid_configuration for what
        check_storable refuses. store_unavailable on failure. Throws std::bad_alloc only. */
    result<void> create(const api_key_record& r)
    {
        if (auto c = check_storable(r); !c) return c;
        if (!pool_) return errc::store_unavailable;
        const detail::redis_record_text text(r);
        const std::string k = key(record_space, r.key_id), owner_set = key(owner_space, r.owner),
                          index = key(index_name, {});
        std::vector<std::string_view> a{"EVAL", create_script, "3", k, owner_set, index, r.key_id, text.score()};
        a.reserve(a.size() + 2 * detail::rf_count);
        text.field_args(a);
        const auto code = integer(pool_->command(a));
        if (code == 1) return {};
        if (code == 0) return errc::key_conflict;
        return errc::store_unavailable;
    }

    /** The listing of `key_id` (one HGETALL): key_unknown when there is none, key_owner_mismatch
        when `owner` is given and is not the record's. store_unavailable for an outage or a
        record that does not parse. Throws std::bad_alloc only. */
    result<api_key_listing> get(std::string_view key_id, acting_owner owner) const
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return errc::key_unknown;
        if (!pool_) return errc::store_unavailable;
        const detail::redis_reply r = pool_->command({"HGETALL", key(record_space, key_id)});
        if (!r || r->type != REDIS_REPLY_ARRAY) return errc::store_unavailable;
        if (r->elements == 0) return errc::key_unknown;
        api_key_record record;
        record.key_id.assign(key_id);
        if (!detail::redis_parse_record(*r, record)) return errc::store_unavailable;
        if (owner && record.owner != *owner) return errc::key_owner_mismatch;
        return make_api_key_listing(record);
    }

    /** The listings of `owner`'s keys, oldest first (created_at, then key id): one script reads
        the owner's set and each record of it. An owner without keys is an empty list; a record
        that does not parse is store_unavailable. Throws std::bad_alloc only. */
    result<std::vector<api_key_listing>> list(std::string_view owner) const
    {
        std::vector<api_key_listing> out;
        if (owner.size() > api_key_record_bounds::max_text) return out;  // create never stores one
        if (!pool_) return errc::store_unavailable;
        const detail::redis_reply r =
            pool_->command({"EVAL", list_script, "1", key(owner_space, owner), key(record_space, {})});
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) return errc::store_unavailable;
        out.reserve(r->elements / 2);
        api_key_record record;
        for (std::size_t i = 0; i < r->elements; i += 2) {
            const redisReply* id = r->element[i];
            const redisReply* hash = r->element[i + 1];
            if (id == nullptr || hash == nullptr || id->type != REDIS_REPLY_STRING) return errc::store_unavailable;
            if (hash->type == REDIS_REPLY_ARRAY && hash->elements == 0) continue;  // an index entry without its record
            record.key_id.assign(id->str, id->len);
            if (!detail::redis_parse_record(*hash, record)) return errc::store_unavailable;
            if (record.owner != owner) continue;
            out.push_back(make_api_key_listing(record));
        }
        std::sort(out.begin(), out.end(), [](const api_key_listing& a, const api_key_listing& b) {
            return a.created_at != b.created_at ? a.created_at < b.created_at : a.key_id < b.key_id;
        });
        return out;
    }

    /** revoked_at = when, unless set earlier (idempotent; one script). key_unknown,
        key_owner_mismatch; store_unavailable on failure or a stored rev that is not a number.
        Throws std::bad_alloc only. */
    result<void> disable(std::string_view key_id, acting_owner owner, std::chrono::sys_seconds when)
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return errc::key_unknown;
        if (!pool_) return errc::store_unavailable;
        const detail::redis_number t = detail::redis_seconds(when);
        const auto code = integer(pool_->command(
            {"EVAL", disable_script, "1", key(record_space, key_id), owner ? "1" : "0", owner.value_or(""), t.view()}));
        return void_outcome(code);
    }

    /** revoked_at cleared (idempotent; one script). key_unknown, key_owner_mismatch. Throws
        std::bad_alloc only. */
    result<void> enable(std::string_view key_id, acting_owner owner)
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return errc::key_unknown;
        if (!pool_) return errc::store_unavailable;
        const auto code = integer(pool_->command(
            {"EVAL", enable_script, "1", key(record_space, key_id), owner ? "1" : "0", owner.value_or("")}));
        return void_outcome(code);
    }

    /** Delete the record and its index entries (one script): true when deleted, false when
        there was none (idempotent); key_owner_mismatch for another owner's key. Throws
        std::bad_alloc only. */
    result<bool> remove(std::string_view key_id, acting_owner owner)
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return false;
        if (!pool_) return errc::store_unavailable;
        const auto code =
            integer(pool_->command({"EVAL", remove_script, "2", key(record_space, key_id), key(index_name, {}),
                                    owner ? "1" : "0", owner.value_or(""), key(owner_space, {}), key_id}));
        if (code == 1 || code == 0) return code == 1;
        if (code == -2) return errc::key_owner_mismatch;
        return errc::store_unavailable;
    }

    /** Keep `replacement` and end the old key at min(its expires_at, old_until), in one script
        that first checks, in this order: the old key exists (key_unknown), `owner` may act on
        it (key_owner_mismatch), it is not disabled (api_key_revoked), the replacement has its
        owner (invalid_configuration), the replacement's id is free (key_conflict). check_storable
        first (invalid_configuration). Throws std::bad_alloc only. */
    result<void> rotate(std::string_view key_id, acting_owner owner, const api_key_record& replacement,
                        std::chrono::sys_seconds old_until)
    {
        if (auto c = check_storable(replacement); !c) return c;
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return errc::key_unknown;
        if (!pool_) return errc::store_unavailable;
        const detail::redis_record_text text(replacement);
        const detail::redis_number until = detail::redis_seconds(old_until);
        const std::string old_key = key(record_space, key_id), new_key = key(record_space, replacement.key_id),
                          owner_set = key(owner_space, replacement.owner), index = key(index_name, {});
        std::vector<std::string_view> a{"EVAL", rotate_script, "4", old_key, new_key, owner_set, index};
        a.reserve(a.size() + 6 + 2 * detail::rf_count);
        a.insert(a.end(), {owner ? "1" : "0", owner.value_or(""), until.view(), replacement.key_id, replacement.owner,
                           text.score()});
        text.field_args(a);
        return void_outcome(integer(pool_->command(a)));
    }

    /** Compare-and-set of the current verifier (verified_api_key::rehash, one script): replaced
        by `replacement` only while it is still `expected` (MAC, pepper version and wrap version);
        true when replaced, false when the key is gone or its verifier changed. Throws
        std::bad_alloc only. */
    result<bool> replace_verifier(std::string_view key_id, const api_key_verifier& expected,
                                  const api_key_verifier& replacement)
    {
        if (key_id.empty() || key_id.size() > api_key_record_bounds::max_key_id) return false;
        if (!pool_) return errc::store_unavailable;
        const auto old_mac = detail::mac_hex(expected.mac), new_mac = detail::mac_hex(replacement.mac);
        const detail::redis_number old_pv(expected.pepper_version), new_pv(replacement.pepper_version);
        detail::redis_number old_wv, new_wv;
        if (expected.wrap_version) old_wv = detail::redis_number(*expected.wrap_version);
        if (replacement.wrap_version) new_wv = detail::redis_number(*replacement.wrap_version);
        const auto code =
            integer(pool_->command({"EVAL", replace_verifier_script, "2", key(record_space, key_id),
                                    key(index_name, {}), key_id, detail::redis_lua_text(old_mac), old_pv.view(),
                                    old_wv.view(), detail::redis_lua_text(new_mac), new_pv.view(), new_wv.view()}));
        if (code == 1 || code == 0) return code == 1;
        return errc::store_unavailable;
    }

    /** Re-wrap (wrap_api_key_record) up to `batch` records whose verifier is neither under the
        ring's current pepper nor wrapped (at most max_rewrap_batch per call); returns how many,
        0 once none is left. Two scripts: one takes the batch from the pepper index with each
        record, the other stores each wrapped record by compare-and-set of both verifiers (a
        record changed meanwhile is left alone, and taken again by a later call if it still
        needs it). invalid_configuration for an empty ring; store_unavailable for a record that
        does not parse; key_conflict if records kept changing under 8 attempts in a row. Throws
        std::bad_alloc only. */
    result<std::size_t> rewrap(const pepper_ring& ring, std::size_t batch)
    {
        if (ring.size() == 0) return errc::invalid_configuration;
        if (!pool_) return errc::store_unavailable;
        if (batch == 0) return std::size_t{0};
        const detail::redis_number current(ring.current_version()), count(std::min(batch, max_rewrap_batch));
        const std::string index = key(index_name, {}), records = key(record_space, {});
        for (int attempt = 0; attempt < 8; ++attempt) {
            const detail::redis_reply found =
                pool_->command({"EVAL", rewrap_find_script, "1", index, current.view(), count.view(), records});
            if (!found || found->type != REDIS_REPLY_ARRAY || found->elements % 2 != 0) return errc::store_unavailable;
            if (found->elements == 0) return std::size_t{0};
            std::vector<rewrap_entry> entries(found->elements / 2);
            api_key_record record;
            for (std::size_t i = 0; i < entries.size(); ++i) {
                const redisReply* id = found->element[2 * i];
                const redisReply* hash = found->element[2 * i + 1];
                if (id == nullptr || hash == nullptr || id->type != REDIS_REPLY_STRING ||
                    hash->type != REDIS_REPLY_ARRAY)
                    return errc::store_unavailable;
                rewrap_entry& e = entries[i];
                e.id = std::string_view(id->str, id->len);
                if (hash->elements == 0) continue;  // an index entry without its record: reindexed
                record.key_id.assign(e.id);
                if (!detail::redis_parse_record(*hash, record)) return errc::store_unavailable;
                if (!detail::needs_rewrap(record, ring)) continue;  // the index was stale: reindexed
                api_key_record wrapped = record;
                if (auto w = wrap_api_key_record(wrapped, ring); !w) return w.error();
                e.set(record, wrapped);
            }
            std::vector<std::string_view> a{"EVAL", rewrap_store_script, "1", index, records};
            a.reserve(a.size() + entries.size() * rewrap_entry::args);
            for (const rewrap_entry& e : entries) e.append(a);
            const auto done = integer(pool_->command(a));
            if (!done || *done < 0) return errc::store_unavailable;
            if (*done > 0) return static_cast<std::size_t>(*done);
        }
        return errc::key_conflict;
    }

private:
    static constexpr std::string_view record_space = "apikey:";
    static constexpr std::string_view owner_space = "apikey-owner:";
    static constexpr std::string_view index_name = "apikey-pepper";

    // `<prefix><space><id>`. Throws std::bad_alloc only.
    std::string key(std::string_view space, std::string_view id) const
    {
        const std::string& prefix = pool_->options().key_prefix;
        std::string k;
        k.reserve(prefix.size() + space.size() + id.size());
        k.append(prefix).append(space).append(id);
        return k;
    }

    // The integer a script answered, or nothing for a failure, an error reply or another type.
    static std::optional<long long> integer(const detail::redis_reply& r) noexcept
    {
        if (r && r->type == REDIS_REPLY_INTEGER) return r->integer;
        return std::nullopt;
    }

    // The scripts' answers: 1 done, -1 key_unknown, -2 key_owner_mismatch, -3 api_key_revoked,
    // -4 invalid_configuration, -5 key_conflict; anything else store_unavailable.
    static result<void> void_outcome(std::optional<long long> code) noexcept
    {
        if (!code) return errc::store_unavailable;
        switch (*code) {
        case 1: return {};
        case -1: return errc::key_unknown;
        case -2: return errc::key_owner_mismatch;
        case -3: return errc::api_key_revoked;
        case -4: return errc::invalid_configuration;
        case -5: return errc::key_conflict;
        default: return errc::store_unavailable;
        }
    }

    // One record of a rewrap batch: its id, the verifiers expected and their wrapped
    // replacements; with no replacement (new MAC empty) the store script only reindexes it.
    struct rewrap_entry {
        static constexpr std::size_t args = 11;
        std::string_view id;
        std::array<char, 64> mac{}, prev_mac{}, new_mac{}, new_prev_mac{};
        detail::redis_number pv, prev_pv, new_wv, new_prev_wv;
        bool replace = false, previous = false;

        void set(const api_key_record& old, const api_key_record& wrapped) noexcept
        {
            replace = true;
            mac = detail::mac_hex(old.verifier.mac);
            pv = detail::redis_number(old.verifier.pepper_version);
            new_mac = detail::mac_hex(wrapped.verifier.mac);
            new_wv = detail::redis_number(*wrapped.verifier.wrap_version);
            previous = old.previous.has_value();
            if (previous) {
                prev_mac = detail::mac_hex(old.previous->verifier.mac);
                prev_pv = detail::redis_number(old.previous->verifier.pepper_version);
                new_prev_mac = detail::mac_hex(wrapped.previous->verifier.mac);
                new_prev_wv = detail::redis_number(*wrapped.previous->verifier.wrap_version);
            }
        }

        // id, mac, pv, wv, prev_mac, prev_pv, prev_wv (expected: needs_rewrap means neither
        // wrap version is set), new mac, new wv, new prev_mac, new prev_wv.
        void append(std::vector<std::string_view>& a) const
        {
            const std::string_view none;
            const auto hex = [&](const std::array<char, 64>& h, bool present) {
                return present ? detail::redis_lua_text(h) : none;
            };
            a.insert(a.end(),
                     {id, hex(mac, replace), replace ? pv.view() : none, none, hex(prev_mac, replace && previous),
                      replace && previous ? prev_pv.view() : none, none, hex(new_mac, replace),
                      replace ? new_wv.view() : none, hex(new_prev_mac, replace && previous),
                      replace && previous ? new_prev_wv.view() : none});
        }
    };

    // KEYS: the record, its owner's set, the pepper index. ARGV: key id, index score, fields.
    static constexpr std::string_view create_script = "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
                                                      "redis.call('HSET', KEYS[1], unpack(ARGV, 3))\n"
                                                      "redis.call('SADD', KEYS[2], ARGV[1])\n"
                                                      "redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])\n"
                                                      "return 1\n";

    // KEYS: the owner's set. ARGV: `<prefix>apikey:`. Answers id, HGETALL, id, HGETALL…
    static constexpr std::string_view list_script = "local out = {}\n"
                                                    "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                                    "  out[#out + 1] = id\n"
                                                    "  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. id)\n"
                                                    "end\n"
                                                    "return out\n";

    // KEYS: the record. ARGV: '1' and the acting owner (or '0', ''), when.
    static constexpr auto disable_text = detail::redis_lua(
        detail::redis_lua_prelude, "local owner, code = owned(KEYS[1])\n"
                                   "if not owner then return code end\n"
                                   "local rev = redis.call('HGET', KEYS[1], 'rev')\n"
                                   "if rev then\n"
                                   "  if not int(rev) then error('apiauth: a rev that is not a number') end\n"
                                   "  if not lt(ARGV[3], rev) then return 1 end\n"
                                   "end\n"
                                   "redis.call('HSET', KEYS[1], 'rev', ARGV[3])\n"
                                   "return 1\n");
    static constexpr std::string_view disable_script = detail::redis_lua_text(disable_text);

    // KEYS: the record. ARGV: '1' and the acting owner (or '0', '').
    static constexpr auto enable_text =
        detail::redis_lua(detail::redis_lua_prelude, "local owner, code = owned(KEYS[1])\n"
                                                     "if not owner then return code end\n"
                                                     "redis.call('HDEL', KEYS[1], 'rev')\n"
                                                     "return 1\n");
    static constexpr std::string_view enable_script = detail::redis_lua_text(enable_text);

    // KEYS: the record, the pepper index. ARGV: '1' and the acting owner (or '0', ''),
    // `<prefix>apikey-owner:`, key id. 1 deleted, 0 none.
    static constexpr auto remove_text =
        detail::redis_lua(detail::redis_lua_prelude, "local owner, code = owned(KEYS[1])\n"
                                                     "if not owner then\n"
                                                     "  if code == -1 then return 0 end\n"
                                                     "  return code\n"
                                                     "end\n"
                                                     "redis.call('DEL', KEYS[1])\n"
                                                     "redis.call('SREM', ARGV[3] .. owner, ARGV[4])\n"
                                                     "redis.call('ZREM', KEYS[2], ARGV[4])\n"
                                                     "return 1\n");
    static constexpr std::string_view remove_script = detail::redis_lua_text(remove_text);

    // KEYS: the old record, the replacement, the replacement owner's set, the pepper index.
    // ARGV: '1' and the acting owner (or '0', ''), old_until, the replacement's id, owner,
    // index score, fields. Every check before the first write.
    static constexpr auto rotate_text =
        detail::redis_lua(detail::redis_lua_prelude,
                          "local owner, code = owned(KEYS[1])\n"
                          "if not owner then return code end\n"
                          "if redis.call('HEXISTS', KEYS[1], 'rev') == 1 then return -3 end\n"
                          "if owner ~= ARGV[5] then return -4 end\n"
                          "if redis.call('EXISTS', KEYS[2]) == 1 then return -5 end\n"
                          "local exp = redis.call('HGET', KEYS[1], 'exp')\n"
                          "if exp and not int(exp) then error('apiauth: an exp that is not a number') end\n"
                          "redis.call('HSET', KEYS[2], unpack(ARGV, 7))\n"
                          "redis.call('SADD', KEYS[3], ARGV[4])\n"
                          "redis.call('ZADD', KEYS[4], ARGV[6], ARGV[4])\n"
                          "if not exp or lt(ARGV[3], exp) then redis.call('HSET', KEYS[1], 'exp', ARGV[3]) end\n"
                          "return 1\n");
    static constexpr std::string_view rotate_script = detail::redis_lua_text(rotate_text);

    // KEYS: the record, the pepper index. ARGV: key id, expected mac, pv, wv ('' none),
    // replacement mac, pv, wv ('' none). 1 replaced, 0 gone or changed.
    static constexpr std::string_view replace_verifier_script =
        "local c = redis.call('HMGET', KEYS[1], 'mac', 'pv', 'wv', 'prev_wv')\n"
        "if not c[1] then\n"
        "  if redis.call('EXISTS', KEYS[1]) == 1 then error('apiauth: a record without a mac') end\n"
        "  return 0\n"
        "end\n"
        "if c[1] ~= ARGV[2] or c[2] ~= ARGV[3] or (c[3] or '') ~= ARGV[4] then return 0 end\n"
        "redis.call('HSET', KEYS[1], 'mac', ARGV[5], 'pv', ARGV[6])\n"
        "if ARGV[7] == '' then redis.call('HDEL', KEYS[1], 'wv') else redis.call('HSET', KEYS[1], 'wv', ARGV[7]) end\n"
        "if ARGV[7] == '' and not c[4] then redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])\n"
        "else redis.call('ZADD', KEYS[2], '-1', ARGV[1]) end\n"
        "return 1\n";

    // KEYS: the pepper index. ARGV: the current pepper version, batch, `<prefix>apikey:`.
    // Up to batch ids scored below or above the current version (never -1: wrapped), each
    // followed by its record's HGETALL.
    static constexpr std::string_view rewrap_find_script =
        "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '0', '(' .. ARGV[1], 'LIMIT', '0', ARGV[2])\n"
        "local left = tonumber(ARGV[2]) - #ids\n"
        "if left > 0 then\n"
        "  local more = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', '0', tostring(left))\n"
        "  for _, id in ipairs(more) do ids[#ids + 1] = id end\n"
        "end\n"
        "local out = {}\n"
        "for _, id in ipairs(ids) do\n"
        "  out[#out + 1] = id\n"
        "  out[#out + 1] = redis.call('HGETALL', ARGV[3] .. id)\n"
        "end\n"
        "return out\n";

    // KEYS: the pepper index. ARGV: `<prefix>apikey:`, then 11 per record (rewrap_entry): the
    // record's verifiers are replaced only if all six expected values still hold; then its
    // index entry is set from what the record holds (removed if the record is gone). Answers
    // the number replaced.
    static constexpr std::string_view rewrap_store_script =
        "local n = 0\n"
        "for i = 2, #ARGV, 11 do\n"
        "  local id = ARGV[i]\n"
        "  local key = ARGV[1] .. id\n"
        "  if ARGV[i + 7] ~= '' then\n"
        "    local c = redis.call('HMGET', key, 'mac', 'pv', 'wv', 'prev_mac', 'prev_pv', 'prev_wv')\n"
        "    if c[1] == ARGV[i + 1] and c[2] == ARGV[i + 2] and (c[3] or '') == ARGV[i + 3] and\n"
        "       (c[4] or '') == ARGV[i + 4] and (c[5] or '') == ARGV[i + 5] and (c[6] or '') == ARGV[i + 6] then\n"
        "      redis.call('HSET', key, 'mac', ARGV[i + 7], 'wv', ARGV[i + 8])\n"
        "      if ARGV[i + 9] ~= '' then redis.call('HSET', key, 'prev_mac', ARGV[i + 9], 'prev_wv', ARGV[i + 10]) "
        "end\n"
        "      n = n + 1\n"
        "    end\n"
        "  end\n"
        "  local v = redis.call('HMGET', key, 'pv', 'wv', 'prev_wv')\n"
        "  if not v[1] then\n"
        "    if redis.call('EXISTS', key) == 0 then redis.call('ZREM', KEYS[1], id) end\n"
        "  elseif v[2] or v[3] or not string.find(v[1], '^%d+$') then redis.call('ZADD', KEYS[1], '-1', id)\n"
        "  else redis.call('ZADD', KEYS[1], v[1], id) end\n"
        "end\n"
        "return n\n";

    std::shared_ptr<redis_pool> pool_;
};

static_assert(api_key_store<redis_api_key_store>);
static_assert(api_key_admin<redis_api_key_store>);

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_REDIS_HPP
