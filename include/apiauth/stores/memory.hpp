// apiauth/stores/memory.hpp — thread-safe in-memory stores.
#ifndef APIAUTH_STORES_MEMORY_HPP
#define APIAUTH_STORES_MEMORY_HPP

#include <apiauth/api_key.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/error.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/nonce.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores {

/** An api_key_store in memory: key id → immutable record, in a flat hash table.

    For tests, single-process servers, and as the shape a database-backed
    store copies: lookup by key id (never by secret), insert that refuses a
    duplicate id, and writes that replace the whole immutable record, so a
    reader holding the old record is never disturbed.

    Thread-safety: every member may be called from many threads at once
    (std::shared_mutex; lookups share the lock). Performance: lookup hashes
    the string_view (no std::string is built), probes an open-addressing
    table (linear probing, load ≤ 1/2, hashes kept beside the records so a
    probe compares strings only on a full 64-bit hash match) and copies a
    shared_ptr (an atomic increment); it never allocates. Key ids are
    expected to be server-generated (random): the hash is fast, not keyed.
*/
class memory_api_key_store {
public:
    memory_api_key_store() = default;
    memory_api_key_store(const memory_api_key_store&) = delete;
    memory_api_key_store& operator=(const memory_api_key_store&) = delete;

    /** The record with `key_id`, or a null pointer. Never fails, never allocates.
        @par Specification research/api-keys.md §8.5 step 6. */
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        try {
            const std::shared_lock lock(mutex_);
            if (slots_.empty()) return std::shared_ptr<const api_key_record>();
            return slots_[find(key_id, hash(key_id))].record;  // null when the slot is empty
        } catch (const std::system_error& e) {                 // the lock could not be taken (EAGAIN, EDEADLK)
            return e.code();
        }
    }

    /// Add `r`; false (and no change) if its key id is taken: generate a new key then.
    bool insert(api_key_record r)
    {
        auto p = std::make_shared<const api_key_record>(std::move(r));
        const std::uint64_t h = hash(p->key_id);
        const std::unique_lock lock(mutex_);
        reserve_one();
        slot& s = slots_[find(p->key_id, h)];
        if (s.record) return false;
        s = {h, std::move(p)};
        ++size_;
        return true;
    }

    /// Add or replace the record with r.key_id (revocation, rotation: rotate_api_key).
    void insert_or_assign(api_key_record r)
    {
        auto p = std::make_shared<const api_key_record>(std::move(r));
        const std::uint64_t h = hash(p->key_id);
        const std::unique_lock lock(mutex_);
        reserve_one();
        slot& s = slots_[find(p->key_id, h)];
        if (!s.record) ++size_;
        s = {h, std::move(p)};
    }

    /// Remove the record with `key_id`; false if there is none.
    bool erase(std::string_view key_id)
    {
        const std::unique_lock lock(mutex_);
        return erase_locked(key_id);
    }

    /** Store a rehashed verifier (verified_api_key::rehash): compare-and-set.

        Replaces the record's current verifier by `replacement` only if it is
        still `expected` (the verifier the key was verified against), so a
        rotation or revocation that happened in between is not undone.
        Returns whether it replaced it.
    */
    bool rehash(std::string_view key_id, const api_key_verifier& expected, const api_key_verifier& replacement)
    {
        const std::unique_lock lock(mutex_);
        slot* s = find_record(key_id);
        if (s == nullptr) return false;
        const api_key_verifier& v = s->record->verifier;
        if (v.pepper_version != expected.pepper_version || v.wrap_version != expected.wrap_version ||
            !crypto::equal(v.mac, expected.mac))
            return false;
        auto copy = std::make_shared<api_key_record>(*s->record);
        copy->verifier = replacement;
        s->record = std::move(copy);
        return true;
    }

    /// Set revoked_at of the record with `key_id` (if not revoked earlier); false if there is none.
    bool revoke(std::string_view key_id, std::chrono::sys_seconds when)
    {
        const std::unique_lock lock(mutex_);
        slot* s = find_record(key_id);
        if (s == nullptr) return false;
        if (s->record->revoked_at && *s->record->revoked_at <= when) return true;
        auto copy = std::make_shared<api_key_record>(*s->record);
        copy->revoked_at = when;
        s->record = std::move(copy);
        return true;
    }

    // ---- the lifecycle (stores::api_key_admin; every operation under the write lock) ----

    /// Keep `r`: key_conflict when its key id is taken, invalid_configuration (check_storable).
    /// Throws std::bad_alloc only.
    result<void> create(const api_key_record& r)
    {
        if (auto c = check_storable(r); !c) return c;
        if (!insert(r)) return errc::key_conflict;
        return {};
    }

    /// The listing of `key_id` (key_unknown, key_owner_mismatch). Throws std::bad_alloc only.
    result<api_key_listing> get(std::string_view key_id, acting_owner owner) const
    {
        const std::shared_lock lock(mutex_);
        auto found = owned(key_id, owner);
        if (!found) return found.error();
        return make_api_key_listing(***found);
    }

    /// The listings of `owner`'s keys, oldest first. Throws std::bad_alloc only.
    result<std::vector<api_key_listing>> list(std::string_view owner) const
    {
        std::vector<std::shared_ptr<const api_key_record>> mine;
        {
            const std::shared_lock lock(mutex_);
            for (const slot& s : slots_)
                if (s.record && s.record->owner == owner) mine.push_back(s.record);
        }
        std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
            return a->created_at != b->created_at ? a->created_at < b->created_at : a->key_id < b->key_id;
        });
        std::vector<api_key_listing> out;
        out.reserve(mine.size());
        for (const auto& r : mine) out.push_back(make_api_key_listing(*r));
        return out;
    }

    /// revoked_at = when, unless set earlier (idempotent). Throws std::bad_alloc only.
    result<void> disable(std::string_view key_id, acting_owner owner, std::chrono::sys_seconds when)
    {
        return update(key_id, owner, [&](api_key_record& r) {
            if (r.revoked_at && *r.revoked_at <= when) return false;
            r.revoked_at = when;
            return true;
        });
    }

    /// revoked_at cleared (idempotent). Throws std::bad_alloc only.
    result<void> enable(std::string_view key_id, acting_owner owner)
    {
        return update(key_id, owner, [](api_key_record& r) {
            if (!r.revoked_at) return false;
            r.revoked_at.reset();
            return true;
        });
    }

    /// Delete: true when deleted, false when there was none; key_owner_mismatch.
    result<bool> remove(std::string_view key_id, acting_owner owner)
    {
        const std::unique_lock lock(mutex_);  // the owner checked and the record erased in one step
        auto found = owned(key_id, owner);
        if (!found) {
            if (found.error() == make_error_code(errc::key_unknown)) return false;
            return result<bool>(boost::system::in_place_error, found.error());
        }
        return erase_locked(key_id);
    }

    /// Keep `replacement` and end the old key at min(expires_at, old_until), in one step.
    /// Throws std::bad_alloc only.
    result<void> rotate(std::string_view key_id, acting_owner owner, const api_key_record& replacement,
                        std::chrono::sys_seconds old_until)
    {
        if (auto c = check_storable(replacement); !c) return c;
        auto fresh = std::make_shared<const api_key_record>(replacement);
        const std::uint64_t h = hash(fresh->key_id);
        const std::unique_lock lock(mutex_);
        auto found = owned(key_id, owner);
        if (!found) return found.error();
        const api_key_record& old = ***found;
        if (old.revoked_at) return errc::api_key_revoked;
        if (old.owner != replacement.owner) return errc::invalid_configuration;
        reserve_one();
        slot& s = slots_[find(fresh->key_id, h)];
        if (s.record) return errc::key_conflict;
        s = {h, std::move(fresh)};
        ++size_;
        slot* o = find_record(key_id);  // reserve_one may have moved it
        if (!o->record->expires_at || *o->record->expires_at > old_until) {
            auto copy = std::make_shared<api_key_record>(*o->record);
            copy->expires_at = old_until;
            o->record = std::move(copy);
        }
        return {};
    }

    /// Compare-and-set of the current verifier (see rehash). Throws std::bad_alloc only.
    result<bool> replace_verifier(std::string_view key_id, const api_key_verifier& expected,
                                  const api_key_verifier& replacement)
    {
        return rehash(key_id, expected, replacement);
    }

    /// Re-wrap up to `batch` records under an old pepper (stores::api_key_admin). Throws
    /// std::bad_alloc only.
    result<std::size_t> rewrap(const pepper_ring& ring, std::size_t batch)
    {
        if (ring.size() == 0) return errc::invalid_configuration;
        const std::unique_lock lock(mutex_);
        std::size_t done = 0;
        for (slot& s : slots_) {
            if (done == batch) break;
            if (!s.record || !detail::needs_rewrap(*s.record, ring)) continue;
            auto copy = std::make_shared<api_key_record>(*s.record);
            if (auto w = wrap_api_key_record(*copy, ring); !w) return w.error();
            s.record = std::move(copy);
            ++done;
        }
        return done;
    }

    /// The number of records held.
    std::size_t size() const
    {
        const std::shared_lock lock(mutex_);
        return size_;
    }

private:
    struct slot {
        std::uint64_t hash = 0;
        std::shared_ptr<const api_key_record> record;  // null: empty
    };

    // Each 64-bit word of the id (and the partial last one) multiplied by an odd
    // constant after adding its position, the products XOR-ed (independent
    // multiplies, not a chain), then the SplitMix64 finaliser so that the low
    // bits used as the index depend on every octet.
    static std::uint64_t hash(std::string_view s) noexcept
    {
        std::uint64_t h = s.size() * 0x9E3779B97F4A7C15u;
        const char* p = s.data();
        std::size_t n = s.size();
        std::uint64_t pos = 0;
        for (; n >= 8; n -= 8, p += 8, pos += 0x632BE59BD9B4E019u) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h ^= (w + pos) * 0xBF58476D1CE4E5B9u;
        }
        if (n != 0) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, n);
            h ^= (w + pos) * 0x94D049BB133111EBu;
        }
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9u;
        return h ^ (h >> 29);
    }

    // The slot holding `key`, or the empty slot ending its probe run. slots_ is not empty.
    std::size_t find(std::string_view key, std::uint64_t h) const noexcept
    {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const slot& s = slots_[i];
            if (!s.record || (s.hash == h && apiauth::detail::same_public(s.record->key_id, key))) return i;
        }
    }

    // erase() under the write lock the caller holds.
    bool erase_locked(std::string_view key_id)
    {
        if (slots_.empty()) return false;
        std::size_t i = find(key_id, hash(key_id));
        if (!slots_[i].record) return false;
        // Backward-shift deletion: pull later members of the probe run into the hole,
        // so that no tombstones are needed and every run stays unbroken.
        const std::size_t mask = slots_.size() - 1;
        slots_[i] = {};
        for (std::size_t j = (i + 1) & mask; slots_[j].record; j = (j + 1) & mask) {
            const std::size_t home = slots_[j].hash & mask;
            const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                slots_[i] = std::move(slots_[j]);
                slots_[j] = {};
                i = j;
            }
        }
        --size_;
        return true;
    }

    // The record of `key` if `owner` may act on it (under a lock the caller holds).
    result<const std::shared_ptr<const api_key_record>*> owned(std::string_view key, acting_owner owner) const noexcept
    {
        if (slots_.empty()) return errc::key_unknown;
        const slot& s = slots_[find(key, hash(key))];
        if (!s.record) return errc::key_unknown;
        if (owner && s.record->owner != *owner) return errc::key_owner_mismatch;
        return &s.record;
    }

    // Replace the record of `key` by a copy that `change` edited, if it says it changed it.
    template <class Change> result<void> update(std::string_view key, acting_owner owner, Change change)
    {
        const std::unique_lock lock(mutex_);
        auto found = owned(key, owner);
        if (!found) return found.error();
        auto copy = std::make_shared<api_key_record>(***found);
        if (!change(*copy)) return {};
        find_record(key)->record = std::move(copy);
        return {};
    }

    slot* find_record(std::string_view key) noexcept
    {
        if (slots_.empty()) return nullptr;
        slot& s = slots_[find(key, hash(key))];
        return s.record ? &s : nullptr;
    }

    // Room for one more record at a load of at most 1/2 (strong guarantee: a
    // failed allocation leaves the table as it was).
    void reserve_one()
    {
        if ((size_ + 1) * 2 <= slots_.size()) return;
        std::vector<slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
        const std::size_t mask = bigger.size() - 1;
        for (slot& s : slots_) {
            if (!s.record) continue;
            std::size_t i = s.hash & mask;
            while (bigger[i].record) i = (i + 1) & mask;
            bigger[i] = std::move(s);
        }
        slots_.swap(bigger);
    }

    mutable std::shared_mutex mutex_;
    std::vector<slot> slots_;  // a power of two in size, or empty
    std::size_t size_ = 0;
};

static_assert(api_key_admin<memory_api_key_store>);

namespace detail {

/* Ids with an expiry, in 16 shards by a hash of the id, each with its own lock and cache line;
   an entry is dropped once its time has passed, in expiry order (a per-shard min-heap of
   records pointing at the keys in the map's nodes, which are stable across rehashing).

   The invariant that keeps those pointers valid: an entry's `until` never decreases while it
   is in the map. Every record of an entry but the last (the one whose `until` equals the
   entry's) pops before it, and only the last drops the entry. Entries leave the map only
   that way. `Extra` is what a store keeps beside the expiry. */
template <class Extra> class expiring_shards {
public:
    static constexpr std::size_t shard_count = 16;
    using time_point = std::chrono::system_clock::time_point;

    struct value {
        std::chrono::sys_seconds until;
        Extra extra{};
    };
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct expiry {
        std::chrono::sys_seconds until;
        const std::string* key;
    };
    struct later {
        bool operator()(const expiry& a, const expiry& b) const noexcept { return a.until > b.until; }
    };
    using map = std::unordered_map<std::string, value, transparent_hash, std::equal_to<>>;
    struct alignas(64) shard {
        mutable std::shared_mutex mutex;
        std::atomic<std::size_t> count{0};  // entries.size(), read without the lock
        map entries;
        std::vector<expiry> heap;  // a min-heap on until
    };

    expiring_shards(std::size_t capacity, std::function<time_point()> clock)
        : per_shard_(capacity / shard_count + (capacity % shard_count != 0 || capacity == 0 ? 1 : 0)),
          clock_(std::move(clock))
    {
    }

    // A new entry (the caller checked that `key` is absent and the shard has room). Under the
    // unique lock; may throw std::bad_alloc before anything changed.
    typename map::iterator insert(shard& s, std::string_view key, std::chrono::sys_seconds until)
    {
        reserve_one(s);  // before the change: push cannot fail
        const auto it = s.entries.emplace(std::string(key), value{until}).first;
        push(s, until, it->first);
        s.count.store(s.entries.size(), std::memory_order_release);
        return it;
    }

    // Moves an entry's expiry later (never earlier: the invariant). Under the unique lock.
    void extend(shard& s, typename map::iterator it, std::chrono::sys_seconds until)
    {
        if (!(it->second.until < until)) return;
        reserve_one(s);
        it->second.until = until;
        push(s, until, it->first);
    }

    // Pops every record whose time has come; an entry goes with its last record. Rebuilds the
    // heap when extensions have left it much larger than the map. Under the unique lock.
    static std::size_t drop_expired(shard& s, time_point t) noexcept
    {
        std::size_t dropped = 0;
        while (!s.heap.empty() && !(t < s.heap.front().until)) {
            const expiry e = s.heap.front();
            std::pop_heap(s.heap.begin(), s.heap.end(), later{});
            s.heap.pop_back();
            if (const auto it = s.entries.find(*e.key); it != s.entries.end() && it->second.until == e.until) {
                s.entries.erase(it);
                ++dropped;
            }
        }
        if (s.heap.size() > 2 * s.entries.size() + 64) {
            std::size_t i = 0;
            for (const auto& [key, v] : s.entries) s.heap[i++] = {v.until, &key};
            s.heap.resize(i);
            std::make_heap(s.heap.begin(), s.heap.end(), later{});
        }
        s.count.store(s.entries.size(), std::memory_order_release);
        return dropped;
    }

    // Drops the expired entries of every shard; store_unavailable if the clock throws or a lock
    // cannot be taken.
    result<std::size_t> purge_expired() noexcept
    {
        try {
            const auto t = now();
            std::size_t n = 0;
            for (shard& s : shards_) {
                const std::unique_lock lock(s.mutex);
                n += drop_expired(s, t);
            }
            return n;
        } catch (...) {
            return errc::store_unavailable;
        }
    }

    std::size_t size() const noexcept
    {
        std::size_t n = 0;
        for (const shard& s : shards_) n += s.count.load(std::memory_order_acquire);
        return n;
    }

    // The top bits of the multiplied hash: independent of the low bits the map's buckets use.
    static std::size_t shard_index(std::string_view id) noexcept
    {
        const std::uint64_t h = static_cast<std::uint64_t>(std::hash<std::string_view>{}(id));
        return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15u) >> 60);
    }
    const shard& shard_for(std::string_view id) const noexcept { return shards_[shard_index(id)]; }
    shard& shard_for(std::string_view id) noexcept { return shards_[shard_index(id)]; }
    time_point now() const { return clock_ ? clock_() : std::chrono::system_clock::now(); }
    std::size_t per_shard() const noexcept { return per_shard_; }

private:
    // Room for one more record, growing geometrically (reserve(size + 1) would copy the whole
    // heap on every insert: libstdc++ reserves exactly what is asked).
    static void reserve_one(shard& s)
    {
        if (s.heap.size() == s.heap.capacity()) s.heap.reserve(2 * s.heap.size() + 16);
    }

    static void push(shard& s, std::chrono::sys_seconds until, const std::string& key) noexcept
    {
        s.heap.push_back({until, &key});
        std::push_heap(s.heap.begin(), s.heap.end(), later{});
    }

    std::array<shard, shard_count> shards_;
    std::size_t per_shard_;
    std::function<time_point()> clock_;
};

struct no_extra {};

}  // namespace detail

/** Revoked access tokens in memory: a `jti` refused until the token's own `exp` (RFC 7009 §2).

    Models oauth2::revocation_store, for one process (a fleet shares a Redis store).

    Thread-safety: every member may be called from many threads at once. The store is sharded
    by a hash of the jti into 16 shards, each with its own lock and cache line, so threads
    checking or revoking different tokens seldom meet; is_revoked takes a shared lock, and
    none at all in a shard that holds nothing.

    Bounds: each shard holds at most ⌈capacity / 16⌉ entries (so the whole store at most
    `capacity` rounded up to a multiple of 16). An entry is dropped once its `exp` has passed
    (there is nothing left to refuse: the token is expired), at the next revocation into its
    shard or at purge_expired(); expiry is kept in a per-shard min-heap, so dropping costs
    O(log n) per entry, never a scan. When a shard is full of live revocations, revoke()
    refuses with store_unavailable rather than forget one (the revocation endpoint then answers
    503, and the client knows the token was not revoked, RFC 7009 §2.2.1). A jti longer than
    max_jti_size octets is refused too (token_too_large): memory per entry is bounded.

    The hash (std::hash) is not keyed: jtis reach the store only from tokens whose signature
    verified, so they are the issuer's choice, not an attacker's.
*/
class memory_revocation_store {
public:
    /// The longest jti kept, in octets (apiauth's own are 22; a UUID is 36).
    static constexpr std::size_t max_jti_size = 256;

    /** An empty store holding at most `capacity` revocations at a time (rounded up to a
        multiple of 16); `clock` (for tests) says now, system_clock::now when empty. */
    explicit memory_revocation_store(std::size_t capacity = 100000,
                                     std::function<std::chrono::system_clock::time_point()> clock = {})
        : set_(capacity, std::move(clock))
    {
    }
    memory_revocation_store(const memory_revocation_store&) = delete;
    memory_revocation_store& operator=(const memory_revocation_store&) = delete;

    /** True when `jti` was revoked and its token has not yet expired (RFC 7009 §2). Fails
        closed with store_unavailable only if the lock cannot be taken or the injected clock
        throws. Never allocates. */
    result<bool> is_revoked(std::string_view jti) const noexcept
    {
        try {
            if (jti.size() > max_jti_size) return false;  // revoke() never kept one
            const auto& s = set_.shard_for(jti);
            if (s.count.load(std::memory_order_acquire) == 0) return false;
            const auto t = set_.now();
            const std::shared_lock lock(s.mutex);
            const auto it = s.entries.find(jti);
            return it != s.entries.end() && t < it->second.until;
        } catch (...) {  // the injected clock, or the lock (std::system_error)
            return errc::store_unavailable;
        }
    }

    /// The longest a revocation is kept: a later `until` is kept this long (forever, in effect).
    static constexpr std::chrono::seconds longest_revocation = std::chrono::hours(24 * 36525);

    /** Revoke `jti` until `until` (its token's `exp`, RFC 7009 §2): idempotent; a later
        `until` extends an entry, an earlier one never shortens it; a token already expired is
        not kept (there is nothing to refuse); an `until` beyond longest_revocation (100 years)
        is kept that long. Refuses a jti that is empty or longer than
        max_jti_size (token_too_large), and, when the shard is still full of live revocations
        after its expired ones are dropped, store_unavailable. not_enough_memory; never
        throws. */
    result<void> revoke(std::string_view jti, std::chrono::sys_seconds until) noexcept
    {
        try {
            if (jti.empty() || jti.size() > max_jti_size) return errc::token_too_large;
            auto& s = set_.shard_for(jti);
            const auto t = set_.now();
            // In whole seconds, and at most 100 years on: a caller's "forever" (9999-12-31, or
            // sys_seconds::max) would overflow the clock's nanoseconds in every comparison.
            const auto now_s = std::chrono::floor<std::chrono::seconds>(t);
            if (!(now_s < until)) return {};  // already expired: nothing to refuse
            until = std::min(until, now_s + longest_revocation);
            const std::unique_lock lock(s.mutex);
            set_.drop_expired(s, t);
            if (const auto it = s.entries.find(jti); it != s.entries.end()) {
                set_.extend(s, it, until);
                return {};
            }
            if (s.entries.size() >= set_.per_shard()) return errc::store_unavailable;
            set_.insert(s, jti, until);
            return {};
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the injected clock, or the lock (std::system_error)
            return errc::store_unavailable;
        }
    }

    /** Drop every entry whose token has expired, in every shard (revoke() does it for its own
        shard; a server may call this on a timer to give the memory back sooner). Returns the
        number dropped; store_unavailable if the clock throws or a lock cannot be taken. */
    result<std::size_t> purge_expired() noexcept { return set_.purge_expired(); }

    /// The number of entries held (including expired ones not yet dropped).
    std::size_t size() const noexcept { return set_.size(); }

    /// The most entries the store holds at once: capacity rounded up to a multiple of 16.
    std::size_t capacity() const noexcept { return set_.per_shard() * set_.shard_count; }

private:
    detail::expiring_shards<detail::no_extra> set_;
};

/** Single-use ids in memory: the stores::nonce_store of one process (ID Site's replay
    protection; a fleet shares stores::redis_nonce_store instead).

    issue(id, lifetime) records `id` until now + lifetime (false when a live, unconsumed entry
    already has that id); consume(id) is true exactly once for a live, issued id, under the
    shard's lock, so of many threads racing for one id exactly one sees true.

    Bounds, and what happens when full: each of the 16 shards holds at most ⌈capacity / 16⌉
    entries. Expired entries are dropped first (O(log n) each, from a per-shard min-heap). A
    consumed entry stays, marked, until its lifetime ends: this keeps the heap's references
    valid and costs nothing a replay could use. When a shard is still full of live entries,
    issue() refuses with store_unavailable and forgets nothing. That is the decision that never
    accepts a replay: the application cannot start a login (503) until entries expire, where
    evicting one would either fail a user's login in flight or, at a login site that records
    every request jti it has seen, let that request be replayed. Size the store for
    (logins per second × lifetime). Ids are empty or longer than max_nonce_size: token_too_large.
*/
class memory_nonce_store {
public:
    /** An empty store holding at most `capacity` ids at a time (rounded up to a multiple of
        16); `clock` (for tests) says now, system_clock::now when empty. */
    explicit memory_nonce_store(std::size_t capacity = 100000,
                                std::function<std::chrono::system_clock::time_point()> clock = {})
        : set_(capacity, std::move(clock))
    {
    }
    memory_nonce_store(const memory_nonce_store&) = delete;
    memory_nonce_store& operator=(const memory_nonce_store&) = delete;

    /// The longest lifetime kept, 100 years: a longer one is taken as this (now + lifetime,
    /// compared with the clock's nanoseconds, must stay before 2262).
    static constexpr std::chrono::seconds longest_lifetime = std::chrono::hours(24 * 36525);

    /** Record `id` for `lifetime` (see the class comment): true when recorded, false when a
        live unconsumed entry holds it. A consumed id issued again is live again (its expiry
        never moves earlier). A lifetime that is not positive records nothing and changes
        nothing (it would expire at once): true unless a live unconsumed entry holds the id, as
        redis_nonce_store answers. A lifetime over longest_lifetime (100 years) is taken as
        100 years, so that now + lifetime cannot overflow. token_too_large, store_unavailable
        (full, or the clock threw), not_enough_memory; never throws. */
    result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        try {
            if (id.empty() || id.size() > max_nonce_size) return errc::token_too_large;
            auto& s = set_.shard_for(id);
            const auto t = set_.now();
            const std::unique_lock lock(s.mutex);
            set_.drop_expired(s, t);
            const auto it = s.entries.find(id);
            const bool held = it != s.entries.end() && !it->second.extra;  // live and not consumed
            // Expires at once: nothing to hold, and a consumed entry stays consumed.
            if (lifetime <= std::chrono::seconds::zero()) return !held;
            if (held) return false;
            const auto until = std::chrono::ceil<std::chrono::seconds>(t) + std::min(lifetime, longest_lifetime);
            if (it != s.entries.end()) {
                set_.extend(s, it, until);
                it->second.extra = false;
                return true;
            }
            if (s.entries.size() >= set_.per_shard()) return errc::store_unavailable;
            set_.insert(s, id, until);
            return true;
        } catch (const std::bad_alloc&) {
            return result<bool>(boost::system::in_place_error, std::make_error_code(std::errc::not_enough_memory));
        } catch (...) {  // the injected clock, or the lock (std::system_error)
            return errc::store_unavailable;
        }
    }

    /** True exactly once for an id that was issued, is not consumed and has not expired; false
        otherwise (never issued, consumed, expired, or too long to have been issued).
        store_unavailable if the clock throws or the lock cannot be taken. Never allocates. */
    result<bool> consume(std::string_view id) noexcept
    {
        try {
            if (id.empty() || id.size() > max_nonce_size) return false;  // issue() never kept one
            auto& s = set_.shard_for(id);
            if (s.count.load(std::memory_order_acquire) == 0) return false;
            const auto t = set_.now();
            const std::unique_lock lock(s.mutex);
            const auto it = s.entries.find(id);
            if (it == s.entries.end() || it->second.extra || !(t < it->second.until)) return false;
            it->second.extra = true;  // consumed
            return true;
        } catch (...) {
            return errc::store_unavailable;
        }
    }

    /** Drop every expired entry now (issue() does it for its own shard). Returns the number
        dropped; store_unavailable if the clock throws or a lock cannot be taken. */
    result<std::size_t> purge_expired() noexcept { return set_.purge_expired(); }

    /// The number of entries held (consumed ones and expired ones not yet dropped included).
    std::size_t size() const noexcept { return set_.size(); }

    /// The most entries the store holds at once: capacity rounded up to a multiple of 16.
    std::size_t capacity() const noexcept { return set_.per_shard() * set_.shard_count; }

private:
    detail::expiring_shards<bool> set_;  // extra: consumed
};

static_assert(nonce_store<memory_nonce_store>);

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_MEMORY_HPP
