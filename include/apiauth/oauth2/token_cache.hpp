// apiauth/oauth2/token_cache.hpp — an opt-in cache of verified bearer tokens (as Envoy's
// jwt_authn offers): a token seen before and still valid skips the signature and the JSON.
#ifndef APIAUTH_OAUTH2_TOKEN_CACHE_HPP
#define APIAUTH_OAUTH2_TOKEN_CACHE_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/auth_grammar.hpp>
#include <apiauth/error.hpp>

#include <openssl/crypto.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2 {

/** One cached verification: the token (a copy the value may view into) and what verifying it
    gave. Shared and immutable: a hit hands out a reference, never a copy. */
template <class Value> class cached_token {
public:
    /// What verifying the token gave (views in it point into token()).
    const Value& value() const noexcept { return value_; }
    /// The token, as cached. A secret: never print it.
    std::string_view token() const noexcept { return *token_; }
    /// The instant from which the cache no longer answers for it (exp plus leeway).
    std::chrono::system_clock::time_point expires() const noexcept { return expires_; }
    /// Which verifier's verification this is (the `tag` given to verify): a lookup with another
    /// tag does not find it.
    std::uint64_t tag() const noexcept { return tag_; }
    /// Wipes the token copy.
    ~cached_token() { crypto::wipe(*token_); }

    /// Made by verified_token_cache (public for std::make_shared; the key type is private to it).
    template <class Key>
    cached_token(Key, std::unique_ptr<std::string> token, Value v, std::chrono::system_clock::time_point expires,
                 std::uint64_t tag)
        : token_(std::move(token)), value_(std::move(v)), expires_(expires), tag_(tag)
    {
    }
    cached_token(const cached_token&) = delete;             ///< not copyable: shared by pointer
    cached_token& operator=(const cached_token&) = delete;  ///< not assignable

private:
    std::unique_ptr<std::string> token_;  // on the heap: value_ may view into it
    Value value_;
    std::chrono::system_clock::time_point expires_;
    std::uint64_t tag_;
};

/** Bounds of verified_token_cache. */
struct token_cache_options {
    std::size_t capacity = 4096;  ///< most tokens kept (rounded up to a multiple of `shards`)
    std::size_t shards = 16;      ///< independent parts, each with its own lock: threads seldom meet
    /// Tokens longer than this are never cached (verified every time): memory stays bounded.
    std::size_t max_token_size = 4096;
};

/** A bounded, sharded cache of verified bearer tokens.

    `verify(token, now, fn, tag)` returns the cached verification of `token` when the very same
    token (compared in full, in constant time; found through a hash of its last 32 octets, the
    signature, in a window of 8 slots) was verified before with the same `tag` and `now` is
    before the cached expiry; otherwise it copies the token, calls `fn` on the copy (so that what `fn`
    returns may view into it), and caches the result only if it succeeded: a token that
    failed is never cached as good, and a failure is not cached at all. `find(token, now, tag)`
    is the lookup alone.

    The tag names the verifier (its policy: issuer, audience, accepted `typ`, keys): a cache
    shared by routes or APIs whose verifiers differ never answers one with another's verdict.
    authenticate_api passes the access_token_verifier's own tag (one per make(), kept by its
    copies), and checks exp again with that verifier's leeway on every hit, since the cache has
    one expiry function for all; a caller with one verifier may leave the tag 0.

    Only a b64token (RFC 6750 §2.1, the syntax of every bearer token; a JWS compact
    serialization is one) is cached: whatever else `fn` accepts is verified every time. So a
    hit proves the token's syntax too, and authenticate_api looks a header token up before it
    parses the field in full. The expiry is what
    `expiry(value)` says (pass exp plus the verifier's leeway), and the clock is checked on
    every hit, so a token expires from the cache exactly when it would fail verification.
    What verification does not decide — a revocation store, the scopes a route requires —
    the caller checks on every hit as on every miss.

    Memory is bounded by options.capacity entries of at most options.max_token_size octets;
    when a shard is full the entry nearest its expiry is replaced. A hit allocates nothing and
    takes a shared lock on one shard. Thread-safe.
*/
template <class Value> class verified_token_cache {
public:
    /// What a lookup gives: the shared cached verification.
    using entry = std::shared_ptr<const cached_token<Value>>;
    /// How the expiry of a value is read (e.g. its exp plus the verifier's leeway).
    using expiry_function = std::function<std::chrono::system_clock::time_point(const Value&)>;

    /// An empty cache. `expiry` must not be empty (std::invalid_argument) and should not
    /// throw (if it does, the verification is not cached and verify gives
    /// invalid_configuration).
    explicit verified_token_cache(expiry_function expiry, token_cache_options opt = {})
        : expiry_(std::move(expiry)), opt_(opt)
    {
        if (!expiry_) throw std::invalid_argument("verified_token_cache: no expiry function");
        if (opt_.shards == 0) opt_.shards = 1;
        const std::size_t per = (opt_.capacity + opt_.shards - 1) / opt_.shards;
        per_shard_ = per == 0 ? 1 : per;
        shards_ = std::make_unique<shard[]>(opt_.shards);
        for (std::size_t i = 0; i < opt_.shards; ++i) shards_[i].slots.resize(per_shard_);
    }

    /** The verification of `token`: from the cache when it holds this token unexpired at
        `now` under `tag`, else `fn(copy_of_token)` (a result<Value>), cached under `tag` when
        it succeeded. Errors are fn's, std::errc::not_enough_memory, or invalid_configuration
        when the expiry function throws. Never throws (fn must not either). */
    template <class Verify>
    result<entry> verify(std::string_view token, std::chrono::system_clock::time_point now, Verify&& fn,
                         std::uint64_t tag = 0) noexcept
    {
        const std::size_t h = hash_of(token);
        shard& s = shards_[h % opt_.shards];
        if (entry hit = find(s, h, token, now, tag)) return hit;
        std::unique_ptr<std::string> copy;
        try {
            copy = std::make_unique<std::string>(token);
            const std::string_view stable = *copy;
            result<Value> v = fn(stable);
            if (!v) {
                crypto::wipe(*copy);
                return v.error();
            }
            const auto expires = expiry_(*v);
            auto e = std::make_shared<const cached_token<Value>>(key{}, std::move(copy), std::move(*v), expires, tag);
            if (token.size() <= opt_.max_token_size && now < expires && apiauth::detail::is_b64token(token))
                store(s, h, e, now);
            return entry(std::move(e));
        } catch (const std::bad_alloc&) {
            if (copy) crypto::wipe(*copy);
            return std::make_error_code(std::errc::not_enough_memory);
        } catch (...) {  // the expiry function
            if (copy) crypto::wipe(*copy);
            return errc::invalid_configuration;
        }
    }

    /** The cached verification of `token` when the cache holds this very token (a b64token)
        unexpired at `now` under `tag`, else null. Allocates nothing; takes a shared lock on
        one shard. */
    entry find(std::string_view token, std::chrono::system_clock::time_point now, std::uint64_t tag = 0) const noexcept
    {
        const std::size_t h = hash_of(token);
        return find(shards_[h % opt_.shards], h, token, now, tag);
    }

    /// The number of live entries (for tests and metrics).
    std::size_t size() const noexcept
    {
        std::size_t n = 0;
        for (std::size_t i = 0; i < opt_.shards; ++i) {
            std::shared_lock lock(shards_[i].mutex);
            for (const slot& sl : shards_[i].slots) n += sl.value != nullptr;
        }
        return n;
    }

    /// Drops every entry (after a key rotation, or to forget every token at once).
    void clear() noexcept
    {
        for (std::size_t i = 0; i < opt_.shards; ++i) {
            std::unique_lock lock(shards_[i].mutex);
            for (slot& sl : shards_[i].slots) sl = slot{};
        }
    }

private:
    struct key {};
    struct slot {
        std::size_t hash = 0;
        entry value;
    };
    struct shard {
        mutable std::shared_mutex mutex;
        std::vector<slot> slots;
    };

    entry find(const shard& s, std::size_t h, std::string_view token, std::chrono::system_clock::time_point now,
               std::uint64_t tag) const noexcept
    {
        std::shared_lock lock(s.mutex);
        const std::size_t start = (h / opt_.shards) % per_shard_;
        for (std::size_t k = 0; k < window(); ++k) {
            const slot& sl = s.slots[(start + k) % per_shard_];
            if (sl.hash != h || !sl.value || sl.value->tag() != tag) continue;
            if (same_token(sl.value->token(), token) && now < sl.value->expires()) return sl.value;
        }
        return nullptr;
    }

    // The probe window: a token lives in one of these slots after its home slot.
    std::size_t window() const noexcept { return per_shard_ < 8 ? per_shard_ : 8; }

    // Where a token's slots are: the tail of a JWS is its signature (or MAC), as good as random
    // for a token that verified, so 32 octets of it are hashed, not the whole token. Equality
    // is always decided on the whole token (same_token).
    static std::size_t hash_of(std::string_view token) noexcept
    {
        return std::hash<std::string_view>{}(token.size() > 32 ? token.substr(token.size() - 32) : token);
    }

    // Constant-time equality of the whole token (its length is public: it was sent).
    static bool same_token(std::string_view a, std::string_view b) noexcept
    {
        if (a.size() != b.size()) return false;
        std::uint64_t diff = 0;
        std::size_t i = 0;
        for (; i + 8 <= a.size(); i += 8) {
            std::uint64_t x, y;
            std::memcpy(&x, a.data() + i, 8);
            std::memcpy(&y, b.data() + i, 8);
            diff |= x ^ y;
        }
        for (; i < a.size(); ++i) diff |= static_cast<std::uint64_t>(static_cast<unsigned char>(a[i] ^ b[i]));
        return diff == 0;
    }

    // Into an empty or expired slot of the token's window, else over the one nearest its
    // expiry there (the shard is a fixed array: memory never grows).
    void store(shard& s, std::size_t h, entry e, std::chrono::system_clock::time_point now) noexcept
    {
        std::unique_lock lock(s.mutex);
        const std::size_t start = (h / opt_.shards) % per_shard_;
        slot* victim = nullptr;
        for (std::size_t k = 0; k < window(); ++k) {
            slot& sl = s.slots[(start + k) % per_shard_];
            if (!sl.value || !(now < sl.value->expires())) {
                victim = &sl;
                break;
            }
            if (sl.hash == h && sl.value->tag() == e->tag() && same_token(sl.value->token(), e->token()))
                return;  // another thread cached it
            if (victim == nullptr || sl.value->expires() < victim->value->expires()) victim = &sl;
        }
        entry old = std::move(victim->value);  // released after the lock, below
        victim->hash = h;
        victim->value = std::move(e);
        lock.unlock();
    }

    expiry_function expiry_;
    token_cache_options opt_;
    std::size_t per_shard_ = 1;
    std::unique_ptr<shard[]> shards_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::oauth2

#endif  // APIAUTH_OAUTH2_TOKEN_CACHE_HPP
