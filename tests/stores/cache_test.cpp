// Tests for apiauth/stores/cache.hpp (cached_api_key_store): what is served from memory, for how
// long, what is never cached (a store failure), and what a change through the cache drops.
#include "../api_key/api_key_support.hpp"

#include <apiauth/stores/cache.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>

namespace stores_cache_test {

using namespace api_key_support;

using apiauth::stores::any_owner;
using apiauth::stores::api_key_cache_options;
using apiauth::stores::cached_api_key_store;

namespace {

// The memory store, counting the lookups that reach it, failing on demand, and calling a hook
// while a lookup is in flight (to race an invalidation against it).
struct probe_store {
    memory_api_key_store inner;
    mutable std::atomic<int> lookups{0};
    std::atomic<bool> down{false};
    std::function<void()> during_lookup;
    apiauth::result<std::shared_ptr<const api_key_record>> lookup(std::string_view id) const noexcept
    {
        ++lookups;
        if (down) return errc::store_unavailable;
        auto r = inner.lookup(id);
        if (during_lookup) during_lookup();  // after the read: the answer is already stale
        return r;
    }
};
static_assert(apiauth::api_key_store<probe_store>);

struct fake_clock {
    std::shared_ptr<std::chrono::steady_clock::time_point> t =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point{} + 1h);
    std::function<std::chrono::steady_clock::time_point()> fn() const
    {
        return [p = t] { return *p; };
    }
    void advance(std::chrono::milliseconds d) const { *t += d; }
};

}  // namespace

TEST_CASE("cache: a record is served from memory for ttl, then read again (a change made elsewhere is seen "
          "within ttl)",
          "[stores][cache]")
{
    probe_store store;
    const pepper_ring ring = ring_v1();
    REQUIRE(store.inner.insert(record_of(T0, ring)));
    fake_clock clock;
    cached_api_key_store cache(store, {.ttl = 2000ms, .clock = clock.fn()});

    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
    CHECK(store.lookups == 1);
    // Another server disables the key (straight in the shared store, not through this cache).
    REQUIRE(store.inner.revoke("10123456789ABCDEF", t_now));
    clock.advance(1999ms);
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");  // still cached: the documented window
    clock.advance(1ms);
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_revoked));
    CHECK(store.lookups == 2);
}

TEST_CASE("cache: a miss is cached only with a negative_ttl, and a create through the cache drops it",
          "[stores][cache]")
{
    const pepper_ring ring = ring_v1();
    fake_clock clock;
    {
        probe_store store;
        cached_api_key_store cache(store, {.clock = clock.fn()});
        CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_not_found));
        CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_not_found));
        CHECK(store.lookups == 2);  // negative_ttl 0: never cached
        CHECK(cache.size() == 0);
    }
    memory_api_key_store inner;
    cached_api_key_store cache(inner, {.negative_ttl = 500ms, .clock = clock.fn()});
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_not_found));
    CHECK(cache.size() == 1);
    REQUIRE(inner.insert(record_of(T0, ring)));  // created elsewhere: unseen for negative_ttl
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_not_found));
    clock.advance(500ms);
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
    // Through the cache, a create is seen at once.
    CHECK(what(apiauth::verify_api_key(T4, cache, ring, policy())) == what(errc::api_key_not_found));
    api_key_record r4 = record_of(T4, ring);
    REQUIRE(cache.create(r4).has_value());
    CHECK(what(apiauth::verify_api_key(T4, cache, ring, policy())) != what(errc::api_key_not_found));
}

TEST_CASE("cache: a store failure is passed on and never cached, so recovery is seen at once", "[stores][cache]")
{
    probe_store store;
    const pepper_ring ring = ring_v1();
    REQUIRE(store.inner.insert(record_of(T0, ring)));
    cached_api_key_store cache(store, {.negative_ttl = 60000ms});
    store.down = true;
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::store_unavailable));
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::store_unavailable));
    CHECK(store.lookups == 2);
    CHECK(cache.size() == 0);
    store.down = false;
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
    // Once cached, an outage of the store does not matter until ttl.
    store.down = true;
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
}

TEST_CASE("cache: an injected clock that throws fails closed, never terminates (lookup is noexcept, DESIGN.md "
          "principle 1)",
          "[stores][cache][clock]")
{
    probe_store store;
    const pepper_ring ring = ring_v1();
    REQUIRE(store.inner.insert(record_of(T0, ring)));
    std::atomic<bool> broken{false};
    cached_api_key_store cache(store, {.clock = [&] {
                                   if (broken) throw std::runtime_error("clock");
                                   return std::chrono::steady_clock::time_point{} + 1h;
                               }});
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");
    broken = true;
    const auto r = cache.lookup(record_of(T0, ring).key_id);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::store_unavailable);
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::store_unavailable));
    CHECK(store.lookups == 1);  // the store is not asked without a time to cache its answer by
}

TEST_CASE("cache: disable, delete and rotation through the cache take effect at once", "[stores][cache]")
{
    memory_api_key_store inner;
    cached_api_key_store cache(inner, {.ttl = std::chrono::hours(1)});
    const pepper_ring ring = ring_v1();
    auto k = apiauth::stores::create_api_key(
        cache, {.prefix = "acme_sk", .owner = "acct", .scopes = {"a"}, .now = t_now}, ring);
    REQUIRE(k.has_value());
    const std::string token(k->token.reveal());
    CHECK(what(apiauth::verify_api_key(token, cache, ring, policy())) == "ok");
    REQUIRE(cache.disable(k->record.key_id, any_owner, t_now).has_value());
    CHECK(what(apiauth::verify_api_key(token, cache, ring, policy())) == what(errc::api_key_revoked));
    REQUIRE(cache.enable(k->record.key_id, "acct").has_value());
    CHECK(what(apiauth::verify_api_key(token, cache, ring, policy())) == "ok");
    auto fresh = apiauth::stores::rotate_stored_api_key(cache, k->record.key_id, "acct", ring, 0s, t_now);
    REQUIRE(fresh.has_value());
    CHECK(what(apiauth::verify_api_key(token, cache, ring, policy())) == what(errc::api_key_expired));
    CHECK(what(apiauth::verify_api_key(fresh->token.reveal(), cache, ring, policy())) == "ok");
    REQUIRE(*cache.remove(fresh->record.key_id, "acct"));
    CHECK(what(apiauth::verify_api_key(fresh->token.reveal(), cache, ring, policy())) == what(errc::api_key_not_found));
}

TEST_CASE("cache: an answer read before an invalidate() is not cached after it (no stale record outlives a "
          "change)",
          "[stores][cache]")
{
    probe_store store;
    const pepper_ring ring = ring_v1();
    REQUIRE(store.inner.insert(record_of(T0, ring)));
    cached_api_key_store cache(store, {.ttl = std::chrono::hours(1)});
    // While the store answers with the enabled record, this process disables the key.
    store.during_lookup = [&] {
        store.during_lookup = nullptr;
        REQUIRE(store.inner.revoke("10123456789ABCDEF", t_now));
        cache.invalidate("10123456789ABCDEF");
    };
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == "ok");  // the answer in flight
    CHECK(what(apiauth::verify_api_key(T0, cache, ring, policy())) == what(errc::api_key_revoked));
    CHECK(store.lookups == 2);
}

TEST_CASE("cache: the number of entries stays within capacity, expired entries going first", "[stores][cache]")
{
    memory_api_key_store inner;
    const pepper_ring ring = ring_v1();
    fake_clock clock;
    cached_api_key_store cache(inner, {.ttl = 1000ms, .negative_ttl = 1000ms, .capacity = 32, .clock = clock.fn()});
    for (int i = 0; i < 1000; ++i) {
        const std::string id = "1" + std::to_string(1'000'000'000'000'000 + i);
        (void)cache.lookup(id);
        if (i % 100 == 0) clock.advance(300ms);
    }
    CHECK(cache.size() <= 32);
    CHECK(cache.size() > 0);
    cache.clear();
    CHECK(cache.size() == 0);
    CHECK_THROWS_AS(cached_api_key_store(inner, {.ttl = 0ms}), std::invalid_argument);
    CHECK_THROWS_AS(cached_api_key_store(inner, {.negative_ttl = -1ms}), std::invalid_argument);
    CHECK_THROWS_AS(cached_api_key_store(inner, {.capacity = 0}), std::invalid_argument);
}

TEST_CASE("cache: lookups from 4 threads while another invalidates never see a torn or wrong record", "[stores][cache]")
{
    memory_api_key_store inner;
    const pepper_ring ring = ring_v1();
    REQUIRE(inner.insert(record_of(T0, ring)));
    cached_api_key_store cache(inner, {.ttl = 1ms, .negative_ttl = 1ms});
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            while (!stop) {
                if (!apiauth::verify_api_key(T0, cache, ring, policy())) ++bad;
                if (apiauth::verify_api_key(T4, cache, ring, policy())) ++bad;
            }
        });
    for (int i = 0; i < 2000; ++i) cache.invalidate(i % 2 ? "10123456789ABCDEF" : "10123456789ABCDEG");
    stop = true;
    for (auto& t : threads) t.join();
    CHECK(bad == 0);
}

}  // namespace stores_cache_test
