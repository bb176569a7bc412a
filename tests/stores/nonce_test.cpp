// Tests for stores::memory_nonce_store (apiauth/stores/memory.hpp) against the nonce_store
// contract (apiauth/stores/nonce.hpp): issued ids consumed exactly once, from many threads,
// gone when expired, bounded memory that never forgets a live id (research/stormpath-protocol.md
// §3: Stormpath's SDKs checked then put, non-atomically, in a per-process cache).
#include <apiauth/error.hpp>
#include <apiauth/stores/memory.hpp>
#include <apiauth/stores/nonce.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stores_nonce_test {

using apiauth::errc;
using apiauth::stores::memory_nonce_store;
using namespace std::chrono_literals;

namespace {

// 2026-01-01T00:00:00Z.
constexpr std::int64_t t0 = 1767225600;

struct manual_clock {
    std::atomic<std::int64_t> seconds{t0};
    std::function<std::chrono::system_clock::time_point()> fn()
    {
        return [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(seconds.load())); };
    }
};

bool yes(const apiauth::result<bool>& r)
{
    REQUIRE(r.has_value());
    return *r;
}

}  // namespace

static_assert(apiauth::stores::nonce_store<memory_nonce_store>);

TEST_CASE("memory_nonce_store: an issued id is consumed exactly once", "[stores][nonce]")
{
    manual_clock clock;
    memory_nonce_store s(100, clock.fn());
    CHECK_FALSE(yes(s.consume("never-issued")));
    CHECK(yes(s.issue("a", 60s)));
    CHECK_FALSE(yes(s.issue("a", 60s)));  // held: a collision or a replay, the caller decides
    CHECK(yes(s.consume("a")));
    CHECK_FALSE(yes(s.consume("a")));
    // Consumed ids are no longer held: issuing one again makes it live again.
    CHECK(yes(s.issue("a", 60s)));
    CHECK(yes(s.consume("a")));
    // Binary-safe ids.
    const std::string bin("a\0b c", 5);
    CHECK(yes(s.issue(bin, 60s)));
    CHECK_FALSE(yes(s.consume(std::string("a\0b d", 5))));
    CHECK(yes(s.consume(bin)));
}

TEST_CASE("memory_nonce_store: an expired id is gone", "[stores][nonce]")
{
    manual_clock clock;
    memory_nonce_store s(100, clock.fn());
    REQUIRE(yes(s.issue("a", 10s)));
    REQUIRE(yes(s.issue("b", 10s)));
    clock.seconds = t0 + 9;
    CHECK(yes(s.consume("a")));
    clock.seconds = t0 + 10;
    CHECK_FALSE(yes(s.consume("b")));
    CHECK(yes(s.issue("b", 10s)));  // expired: not held, so it can be issued again
    CHECK(s.size() == 2);
    clock.seconds = t0 + 100;
    auto purged = s.purge_expired();
    REQUIRE(purged.has_value());
    CHECK(*purged == 2);
    CHECK(s.size() == 0);
    // A lifetime of zero holds nothing.
    CHECK(yes(s.issue("z", 0s)));
    CHECK_FALSE(yes(s.consume("z")));
}

TEST_CASE("memory_nonce_store: a lifetime that is not positive changes nothing (the nonce_store contract, "
          "as redis_nonce_store)",
          "[stores][nonce][zero]")
{
    manual_clock clock;
    memory_nonce_store s(100, clock.fn());
    // A consumed id issued for 0 s (or less) stays consumed: it is not accepted a second time.
    REQUIRE(yes(s.issue("n", 300s)));
    REQUIRE(yes(s.consume("n")));
    CHECK(yes(s.issue("n", 0s)));  // not held: true, as Redis' EXISTS answers, but nothing recorded
    CHECK_FALSE(yes(s.consume("n")));
    CHECK(yes(s.issue("n", -5s)));
    CHECK_FALSE(yes(s.consume("n")));
    // A live unconsumed id is held: false, and it stays live for its own lifetime.
    REQUIRE(yes(s.issue("m", 300s)));
    CHECK_FALSE(yes(s.issue("m", 0s)));
    CHECK(yes(s.consume("m")));
    // A fresh id: true, nothing recorded.
    CHECK(yes(s.issue("fresh", 0s)));
    CHECK_FALSE(yes(s.consume("fresh")));
    CHECK(s.size() == 2);
}

TEST_CASE("memory_nonce_store: a huge lifetime is taken as the longest kept, never overflowing",
          "[stores][nonce][huge]")
{
    manual_clock clock;
    memory_nonce_store s(100, clock.fn());
    CHECK(yes(s.issue("forever", std::chrono::seconds::max())));
    clock.seconds = t0 + std::chrono::duration_cast<std::chrono::seconds>(std::chrono::hours(24 * 365 * 99)).count();
    CHECK(yes(s.consume("forever")));
    CHECK(memory_nonce_store::longest_lifetime == std::chrono::hours(24 * 36525));
}

TEST_CASE("memory_nonce_store: ids are bounded in length", "[stores][nonce]")
{
    memory_nonce_store s(100);
    CHECK(yes(s.issue(std::string(apiauth::stores::max_nonce_size, 'x'), 60s)));
    CHECK(s.issue(std::string(apiauth::stores::max_nonce_size + 1, 'x'), 60s).error() == errc::token_too_large);
    CHECK(s.issue("", 60s).error() == errc::token_too_large);
    CHECK_FALSE(yes(s.consume(std::string(apiauth::stores::max_nonce_size + 1, 'x'))));
    CHECK_FALSE(yes(s.consume("")));
}

TEST_CASE("memory_nonce_store: when full, issue refuses and no live id is forgotten", "[stores][nonce]")
{
    manual_clock clock;
    memory_nonce_store s(32, clock.fn());  // 2 per shard
    CHECK(s.capacity() == 32);
    std::vector<std::string> held;
    int refused = 0;
    for (int i = 0; i < 500; ++i) {
        const std::string id = "id-" + std::to_string(i);
        auto r = s.issue(id, 60s);
        if (r.has_value()) {
            REQUIRE(*r);
            held.push_back(id);
        } else {
            CHECK(r.error() == errc::store_unavailable);
            ++refused;
        }
    }
    CHECK(held.size() == 32);
    CHECK(refused == 500 - 32);
    // Every id that was accepted is still there, exactly once.
    for (const auto& id : held) CHECK(yes(s.consume(id)));
    // Consumed entries keep their room until they expire; then the room comes back.
    CHECK(s.issue("late", 60s).error() == errc::store_unavailable);
    clock.seconds = t0 + 60;
    CHECK(yes(s.issue("late", 60s)));
}

TEST_CASE("memory_nonce_store: of many threads racing for the same ids, one wins each", "[stores][nonce]")
{
    memory_nonce_store s(100000);
    constexpr std::size_t ids = 5000;
    for (std::size_t i = 0; i < ids; ++i) REQUIRE(yes(s.issue("n" + std::to_string(i), 600s)));
    std::atomic<std::size_t> wins{0};
    std::vector<std::atomic<int>> per_id(ids);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (std::size_t k = 0; k < ids; ++k) {
                const std::size_t i = (k * 7 + t * 613) % ids;  // each thread in its own order
                auto r = s.consume("n" + std::to_string(i));
                if (r.has_value() && *r) {
                    ++wins;
                    ++per_id[i];
                }
            }
        });
    for (auto& th : threads) th.join();
    CHECK(wins == ids);
    for (std::size_t i = 0; i < ids; ++i) CHECK(per_id[i] == 1);
}

TEST_CASE("memory_nonce_store: a clock that throws fails closed", "[stores][nonce]")
{
    bool fail = false;
    memory_nonce_store s(100, [&] {
        if (fail) throw std::runtime_error("clock");
        return std::chrono::system_clock::time_point(std::chrono::seconds(t0));
    });
    REQUIRE(yes(s.issue("a", 60s)));
    fail = true;
    CHECK(s.issue("b", 60s).error() == errc::store_unavailable);
    CHECK(s.consume("a").error() == errc::store_unavailable);
    CHECK(s.purge_expired().error() == errc::store_unavailable);
    fail = false;
    CHECK(yes(s.consume("a")));
}

}  // namespace stores_nonce_test
