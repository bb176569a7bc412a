// apiauth/stores/memory.hpp — thread-safe in-memory stores.
#ifndef APIAUTH_STORES_MEMORY_HPP
#define APIAUTH_STORES_MEMORY_HPP

#include <apiauth/api_key.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/error.hpp>

#include <array>
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
            if (!s.record || (s.hash == h && detail::same_public(s.record->key_id, key))) return i;
        }
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

static_assert(api_key_store<memory_api_key_store>);

/** Revoked access tokens in memory: a `jti` refused until the token's own `exp` (RFC 7009).

    Thread-safe and sharded by the hash of the jti (16 shards, each with its own lock), so
    threads checking different tokens seldom meet. Bounded: at most `capacity` live entries;
    when a shard is full its expired entries are dropped first, and if it is still full the
    revocation is refused with store_unavailable rather than a live revocation forgotten (the
    revocation endpoint then answers 503, and the client knows the token was not revoked).
    Models oauth2::revocation_store. For one process; a fleet shares a Redis store.
*/
class memory_revocation_store {
public:
    /// An empty store holding at most `capacity` revocations at a time; `clock` (for tests)
    /// says now, system_clock by default.
    explicit memory_revocation_store(std::size_t capacity = 100000,
                                     std::function<std::chrono::system_clock::time_point()> clock = {})
        : per_shard_(capacity / shard_count + 1), clock_(std::move(clock))
    {
    }

    /// True when `jti` is revoked and its token not yet expired. Fails only if the injected
    /// clock throws (store_unavailable).
    result<bool> is_revoked(std::string_view jti) const noexcept
    {
        try {
            const auto t = now();
            const shard& s = shard_for(jti);
            std::shared_lock lock(s.mutex);
            const auto it = s.entries.find(jti);
            return it != s.entries.end() && t < it->second;
        } catch (...) {  // the injected clock
            return errc::store_unavailable;
        }
    }

    /// Revoke `jti` until `until` (its token's exp): idempotent; a later `until` extends it.
    /// store_unavailable when the store is full of live revocations; not_enough_memory.
    result<void> revoke(std::string_view jti, std::chrono::sys_seconds until) noexcept
    {
        try {
            shard& s = shard_for(jti);
            const auto t = now();
            std::unique_lock lock(s.mutex);
            if (const auto it = s.entries.find(jti); it != s.entries.end()) {
                if (it->second < until) it->second = until;
                return {};
            }
            if (!(t < until)) return {};  // the token is expired already: nothing to refuse
            if (s.entries.size() >= per_shard_) {
                std::erase_if(s.entries, [&](const auto& e) { return !(t < e.second); });
                if (s.entries.size() >= per_shard_) return errc::store_unavailable;
            }
            s.entries.emplace(std::string(jti), until);
            return {};
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the injected clock
            return errc::store_unavailable;
        }
    }

    /// The number of entries held (expired ones not yet dropped included).
    std::size_t size() const noexcept
    {
        std::size_t n = 0;
        for (const shard& s : shards_) {
            std::shared_lock lock(s.mutex);
            n += s.entries.size();
        }
        return n;
    }

private:
    static constexpr std::size_t shard_count = 16;
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct shard {
        mutable std::shared_mutex mutex;
        std::unordered_map<std::string, std::chrono::sys_seconds, transparent_hash, std::equal_to<>> entries;
    };
    const shard& shard_for(std::string_view jti) const noexcept
    {
        return shards_[std::hash<std::string_view>{}(jti) % shard_count];
    }
    shard& shard_for(std::string_view jti) noexcept
    {
        return shards_[std::hash<std::string_view>{}(jti) % shard_count];
    }
    std::chrono::system_clock::time_point now() const { return clock_ ? clock_() : std::chrono::system_clock::now(); }
    std::array<shard, shard_count> shards_;
    std::size_t per_shard_;
    std::function<std::chrono::system_clock::time_point()> clock_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::stores

#endif  // APIAUTH_STORES_MEMORY_HPP
