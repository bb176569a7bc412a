// apiauth/stores/redis.hpp — the nonce store and the revocation store shared by a fleet of
// server processes through Redis (hiredis). Optional: nothing else in apiauth includes it; link
// apiauth::redis (apiauth::apiauth and hiredis) to use it.
#ifndef APIAUTH_STORES_REDIS_HPP
#define APIAUTH_STORES_REDIS_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/nonce.hpp>

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
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
        `<prefix>nonce:<id>` and `<prefix>revoked:<jti>`. Two fleets sharing one server keep
        apart by giving different prefixes. */
    std::string key_prefix = "apiauth:";
    /// The most connections the pool holds open at once (hiredis contexts are one thread's each).
    std::size_t max_connections = 8;
    /// How long a new connection may take to be established (TCP or Unix socket `connect`).
    std::chrono::milliseconds connect_timeout{250};
    /// How long one command may wait for its reply (`redisSetTimeout`: send and receive).
    std::chrono::milliseconds command_timeout{250};
    /// How long a call waits for a free connection when max_connections are all in use.
    std::chrono::milliseconds acquire_timeout{250};
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

}  // namespace detail

class redis_nonce_store;
class redis_revocation_store;

/** A bounded, thread-safe pool of connections to one Redis server, shared by the Redis stores.

    hiredis contexts belong to one thread each; the pool lends one to each call and takes it
    back. It opens connections lazily (none at construction, so a server that is down at
    start-up is no error) up to redis_options::max_connections; a call that finds them all
    lent waits at most acquire_timeout. A connection that saw an I/O error, a timeout or a
    protocol error is closed, and the next call makes a new one: the stores recover by
    themselves when the server comes back. A pooled connection found dead on its first use
    (EOF, EPIPE, ECONNRESET: the server restarted, or closed an idle client) is replaced once
    within the same call, and every other idle connection is closed with it (it reached the
    same server); a timeout is never retried. SIGPIPE is blocked in the calling thread
    during each exchange, so a vanished server cannot end the process.

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
    // error, out of memory). An error reply is a reply: the caller judges its type.
    detail::redis_reply command(std::initializer_list<std::string_view> args) noexcept
    {
        constexpr std::size_t max_args = 8;
        if (args.size() > max_args) return nullptr;
        const char* argv[max_args];
        std::size_t lengths[max_args];
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

    // A new connection, authenticated and on its database, with the command timeout set; null
    // on any failure.
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

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_REDIS_HPP
