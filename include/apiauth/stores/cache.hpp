// apiauth/stores/cache.hpp — a read-through cache of API key records in front of a store whose
// lookup is a network round trip (PostgreSQL, Redis): cached_api_key_store.
#ifndef APIAUTH_STORES_CACHE_HPP
#define APIAUTH_STORES_CACHE_HPP

#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** How long a cached_api_key_store keeps what it read. */
struct api_key_cache_options {
    /** How long a record is served from memory. It is also the longest time another server's
        disable, delete or rotation can go unseen here: keep it short (seconds). */
    std::chrono::milliseconds ttl{5000};
    /** How long "no such key" is remembered (0: never). A positive value spares the database a
        flood of well-formed unknown ids, and delays a key created elsewhere by as much. */
    std::chrono::milliseconds negative_ttl{0};
    /// The most entries held; beyond it, expired entries go first, then arbitrary ones.
    std::size_t capacity = 100'000;
    /// The clock expiry is measured with (tests inject one); steady_clock by default.
    std::function<std::chrono::steady_clock::time_point()> clock{};
};

/** An api_key_store that answers from memory what `Store` answered less than ttl ago.

    lookup(key_id) returns the cached record while it is fresh; otherwise it asks the store
    and caches the answer (a record for ttl, a miss for negative_ttl). A store failure is
    returned as it is and never cached, so an outage fails closed at once and a recovery is
    seen at once. When `Store` models api_key_admin, so does the cache: each operation is
    forwarded and then drops the key it touched from this cache, so a change made through
    this process is seen here at once; a change made by another process is seen within ttl
    (invalidate() and clear() let an application act on its own notification channel).

    Thread-safety: every member may be called from many threads at once (16 shards, each
    with a std::shared_mutex; hits share the lock). A hit never allocates; a fill allocates
    its node. The store is held by reference: it must outlive the cache.
*/
template <api_key_store Store> class cached_api_key_store {
public:
    /// A cache in front of `store`. Throws std::invalid_argument for a ttl that is not positive,
    /// a negative negative_ttl or a capacity of 0.
    explicit cached_api_key_store(Store& store, api_key_cache_options options = {})
        : store_(store), options_(std::move(options))
    {
        if (options_.ttl <= std::chrono::milliseconds::zero() || options_.negative_ttl.count() < 0 ||
            options_.capacity == 0)
            throw std::invalid_argument("cached_api_key_store: ttl > 0, negative_ttl >= 0 and capacity > 0");
        per_shard_ = (options_.capacity + shard_count - 1) / shard_count;
    }
    cached_api_key_store(const cached_api_key_store&) = delete;
    cached_api_key_store& operator=(const cached_api_key_store&) = delete;

    /** The record with `key_id` (a null pointer for none), from memory while fresh, else from
        the store. The store's errors are passed on and not cached; an injected clock that
        throws fails closed with store_unavailable (the store is not asked).
        @par Specification research/api-keys.md §8.5 step 6. */
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        time_point t;
        try {
            t = now();
        } catch (...) {  // the injected clock: noexcept here, so it must not escape
            return errc::store_unavailable;
        }
        shard& s = shard_for(key_id);
        std::uint64_t generation = 0;
        try {
            const std::shared_lock lock(s.mutex);
            const auto it = s.map.find(key_id);
            if (it != s.map.end() && t < it->second.until) return it->second.record;
            generation = s.generation;
        } catch (const std::system_error& e) {
            return e.code();
        }
        auto found = store_.lookup(key_id);
        if (!found) return found;
        if (*found || options_.negative_ttl.count() > 0) {
            const auto until = t + (*found ? options_.ttl : options_.negative_ttl);
            try {
                const std::unique_lock lock(s.mutex);
                // An invalidate() or clear() since the store was asked: the answer may predate
                // the change it announced, so it is returned but not cached.
                if (s.generation == generation) {
                    if (s.map.size() >= per_shard_ && s.map.find(key_id) == s.map.end()) make_room(s, t);
                    s.map.insert_or_assign(std::string(key_id), entry{*found, until});
                }
            } catch (...) {  // no memory for the entry, or the lock: answer without caching
            }
        }
        return found;
    }

    /// Forget `key_id`: the next lookup asks the store.
    void invalidate(std::string_view key_id) noexcept
    {
        shard& s = shard_for(key_id);
        try {
            const std::unique_lock lock(s.mutex);
            ++s.generation;
            const auto it = s.map.find(key_id);
            if (it != s.map.end()) s.map.erase(it);
        } catch (...) {
        }
    }

    /// Forget everything.
    void clear() noexcept
    {
        for (shard& s : shards_) {
            try {
                const std::unique_lock lock(s.mutex);
                ++s.generation;
                s.map.clear();
            } catch (...) {
            }
        }
    }

    /// The number of entries held (fresh or not yet dropped).
    std::size_t size() const noexcept
    {
        std::size_t n = 0;
        for (const shard& s : shards_) {
            try {
                const std::shared_lock lock(s.mutex);
                n += s.map.size();
            } catch (...) {
            }
        }
        return n;
    }

    /// The store behind the cache.
    Store& store() const noexcept { return store_; }

    // ---- api_key_admin, when Store models it: forwarded, then the key dropped from here ----

    /// The store's create, then the key id dropped here (a cached miss).
    result<void> create(const api_key_record& r) requires api_key_admin<Store>
    {
        auto out = store_.create(r);
        invalidate(r.key_id);
        return out;
    }
    /// The store's get (never from the cache: a listing is for management, not the hot path).
    result<api_key_listing> get(std::string_view key_id, acting_owner owner) const requires api_key_admin<Store>
    {
        return store_.get(key_id, owner);
    }
    /// The store's list.
    result<std::vector<api_key_listing>> list(std::string_view owner) const requires api_key_admin<Store>
    {
        return store_.list(owner);
    }
    /// The store's disable, then the key dropped here: refused at once in this process.
    result<void> disable(std::string_view key_id, acting_owner owner,
                         std::chrono::sys_seconds when) requires api_key_admin<Store>
    {
        auto out = store_.disable(key_id, owner, when);
        invalidate(key_id);
        return out;
    }
    /// The store's enable, then the key dropped here.
    result<void> enable(std::string_view key_id, acting_owner owner) requires api_key_admin<Store>
    {
        auto out = store_.enable(key_id, owner);
        invalidate(key_id);
        return out;
    }
    /// The store's remove, then the key dropped here.
    result<bool> remove(std::string_view key_id, acting_owner owner) requires api_key_admin<Store>
    {
        auto out = store_.remove(key_id, owner);
        invalidate(key_id);
        return out;
    }
    /// The store's rotate, then the old and the new key dropped here.
    result<void> rotate(std::string_view key_id, acting_owner owner, const api_key_record& replacement,
                        std::chrono::sys_seconds old_until) requires api_key_admin<Store>
    {
        auto out = store_.rotate(key_id, owner, replacement, old_until);
        invalidate(key_id);
        invalidate(replacement.key_id);
        return out;
    }
    /// The store's replace_verifier, then the key dropped here.
    result<bool> replace_verifier(std::string_view key_id, const api_key_verifier& expected,
                                  const api_key_verifier& replacement) requires api_key_admin<Store>
    {
        auto out = store_.replace_verifier(key_id, expected, replacement);
        invalidate(key_id);
        return out;
    }
    /// The store's rewrap, then everything dropped here (any record may have changed).
    result<std::size_t> rewrap(const pepper_ring& ring, std::size_t batch) requires api_key_admin<Store>
    {
        auto out = store_.rewrap(ring, batch);
        clear();
        return out;
    }

private:
    static constexpr std::size_t shard_count = 16;
    using time_point = std::chrono::steady_clock::time_point;

    struct entry {
        std::shared_ptr<const api_key_record> record;  // null: a cached miss
        time_point until{};
    };
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct alignas(64) shard {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::string, entry, transparent_hash, std::equal_to<>> map;
        std::uint64_t generation = 0;  // bumped by invalidate() and clear()
    };

    time_point now() const { return options_.clock ? options_.clock() : std::chrono::steady_clock::now(); }

    shard& shard_for(std::string_view id) const noexcept { return shards_[transparent_hash{}(id) % shard_count]; }

    // Drops the expired entries of a full shard; if none was, an arbitrary one.
    void make_room(shard& s, time_point t) const noexcept
    {
        for (auto it = s.map.begin(); it != s.map.end();) it = t < it->second.until ? std::next(it) : s.map.erase(it);
        if (s.map.size() >= per_shard_ && !s.map.empty()) s.map.erase(s.map.begin());
    }

    Store& store_;
    api_key_cache_options options_;
    std::size_t per_shard_ = 0;
    mutable std::array<shard, shard_count> shards_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_CACHE_HPP
