// Tests for stores::memory_revocation_store (apiauth/stores/memory.hpp): a revoked access token's
// jti is refused until the token's exp (RFC 7009 §2), from many threads, within a bound, and
// never forgotten while it is live; an outage fails closed.
#include <apiauth/error.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

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

namespace stores_revocation_test {

using apiauth::errc;
using apiauth::stores::memory_revocation_store;
using namespace std::chrono_literals;

namespace {

// 2026-01-01T00:00:00Z.
const std::chrono::sys_seconds t0{std::chrono::seconds{1767225600}};

// A clock the test moves by hand (atomic: the store may read it from several threads).
struct manual_clock {
    std::atomic<std::int64_t> seconds{t0.time_since_epoch().count()};
    void set(std::chrono::sys_seconds t) { seconds = t.time_since_epoch().count(); }
    std::function<std::chrono::system_clock::time_point()> fn()
    {
        return [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(seconds.load())); };
    }
};

}  // namespace

static_assert(apiauth::oauth2::revocation_store<memory_revocation_store>);

TEST_CASE("RFC 7009 §2: a revoked jti is refused until its token's exp, then forgotten", "[stores][revocation]")
{
    manual_clock clock;
    memory_revocation_store s{64, clock.fn()};
    CHECK_FALSE(*s.is_revoked("a"));
    REQUIRE(s.revoke("a", t0 + 10s).has_value());
    CHECK(*s.is_revoked("a"));
    CHECK_FALSE(*s.is_revoked("b"));
    CHECK_FALSE(*s.is_revoked("A"));  // jtis compare exactly
    CHECK_FALSE(*s.is_revoked("a "));
    CHECK(s.size() == 1);
    clock.set(t0 + 9s);
    CHECK(*s.is_revoked("a"));
    clock.set(t0 + 10s);
    CHECK_FALSE(*s.is_revoked("a"));  // the token is expired: there is nothing left to refuse
    CHECK(s.size() == 1);             // not yet dropped: readers do not write
    REQUIRE(s.purge_expired().has_value());
    CHECK(s.size() == 0);
}

TEST_CASE("RFC 7009 §2: a revocation 'forever' (9999-12-31, sys_seconds max) is kept 100 years, and one far in the "
          "past is not kept, without overflow",
          "[stores][revocation]")
{
    // Compared in the clock's nanoseconds these overflowed (beyond ±292 years): wrapped, a
    // revocation for ever could end at once.
    manual_clock clock;
    memory_revocation_store s{64, clock.fn()};
    REQUIRE(s.revoke("far", std::chrono::sys_seconds{253402300799s}).has_value());
    REQUIRE(s.revoke("max", std::chrono::sys_seconds{std::chrono::seconds::max()}).has_value());
    CHECK(*s.is_revoked("far"));
    CHECK(*s.is_revoked("max"));
    clock.set(t0 + std::chrono::hours(24 * 365 * 99));
    CHECK(*s.is_revoked("far"));
    CHECK(*s.is_revoked("max"));
    clock.set(t0);
    REQUIRE(s.revoke("past", std::chrono::sys_seconds{std::chrono::seconds::min()}).has_value());
    CHECK_FALSE(*s.is_revoked("past"));
    CHECK(s.size() == 2);
}

TEST_CASE("RFC 7009 §2: revoking is idempotent, a later exp extends, an earlier one never shortens",
          "[stores][revocation]")
{
    manual_clock clock;
    memory_revocation_store s{64, clock.fn()};
    REQUIRE(s.revoke("a", t0 + 10s).has_value());
    REQUIRE(s.revoke("a", t0 + 10s).has_value());
    REQUIRE(s.revoke("a", t0 + 5s).has_value());
    CHECK(s.size() == 1);
    clock.set(t0 + 9s);
    CHECK(*s.is_revoked("a"));
    REQUIRE(s.revoke("a", t0 + 20s).has_value());
    CHECK(s.size() == 1);
    clock.set(t0 + 15s);
    CHECK(*s.is_revoked("a"));  // the stale expiry record at +10 s did not drop the entry
    REQUIRE(s.purge_expired().has_value());
    CHECK(s.size() == 1);
    CHECK(*s.is_revoked("a"));
    clock.set(t0 + 20s);
    CHECK(*s.purge_expired() == 1);
    CHECK_FALSE(*s.is_revoked("a"));
    CHECK(s.size() == 0);
    // A token already expired is not kept, and that is not an error.
    REQUIRE(s.revoke("old", t0 + 20s).has_value());
    REQUIRE(s.revoke("older", t0).has_value());
    CHECK(s.size() == 0);
    CHECK_FALSE(*s.is_revoked("old"));
}

TEST_CASE("RFC 7009 §2: expired revocations are dropped as new ones arrive, without a scan", "[stores][revocation]")
{
    manual_clock clock;
    memory_revocation_store s{3200, clock.fn()};
    for (int i = 0; i < 1000; ++i) REQUIRE(s.revoke("short-" + std::to_string(i), t0 + 60s).has_value());
    for (int i = 0; i < 100; ++i) REQUIRE(s.revoke("long-" + std::to_string(i), t0 + 3600s).has_value());
    CHECK(s.size() == 1100);
    clock.set(t0 + 61s);
    // One revocation into each shard drops that shard's expired entries.
    for (int i = 0; i < 400; ++i) REQUIRE(s.revoke("new-" + std::to_string(i), t0 + 3600s).has_value());
    CHECK(s.size() == 500);
    for (int i = 0; i < 100; ++i) CHECK(*s.is_revoked("long-" + std::to_string(i)));
    for (int i = 0; i < 1000; i += 97) CHECK_FALSE(*s.is_revoked("short-" + std::to_string(i)));
}

TEST_CASE("RFC 7009 §2.2.1: bounded, a full store refuses (503) rather than forget a live revocation",
          "[stores][revocation]")
{
    manual_clock clock;
    memory_revocation_store s{32, clock.fn()};
    CHECK(s.capacity() == 32);
    CHECK(memory_revocation_store{33}.capacity() == 48);  // rounded up to a multiple of the 16 shards
    CHECK(memory_revocation_store{0}.capacity() == 16);
    std::vector<std::string> kept;
    int refused = 0;
    for (int i = 0; i < 500; ++i) {
        const std::string j = "j" + std::to_string(i);
        const auto r = s.revoke(j, t0 + 100s);
        if (r) {
            kept.push_back(j);
        } else {
            CHECK(r.error() == errc::store_unavailable);
            ++refused;
        }
    }
    CHECK(refused == 500 - static_cast<int>(kept.size()));
    CHECK(kept.size() == 32);  // every shard filled to its bound, no more
    CHECK(s.size() == 32);
    // Every revocation that was accepted still holds: none was evicted to make room.
    for (const std::string& j : kept) CHECK(*s.is_revoked(j));
    // A refusal is an error the revocation endpoint turns into 503 (RFC 7009 §2.2.1).
    CHECK(apiauth::http_status(errc::store_unavailable, apiauth::endpoint::revocation) == 503);
    // An entry already held can still be extended when its shard is full.
    REQUIRE(s.revoke(kept.front(), t0 + 200s).has_value());
    // Once the revoked tokens expire, room is made again.
    clock.set(t0 + 100s);
    std::vector<std::string> late;
    for (int i = 0; i < 500; ++i)
        if (s.revoke("late" + std::to_string(i), t0 + 300s)) late.push_back("late" + std::to_string(i));
    CHECK(late.size() == 31);            // every place but the one still held
    CHECK(*s.is_revoked(kept.front()));  // extended to +200 s: still held
    CHECK(s.size() == 32);
    for (const std::string& j : late) CHECK(*s.is_revoked(j));
}

TEST_CASE("RFC 7519 §4.1.7: a jti that is empty or over the bound is refused, never stored", "[stores][revocation]")
{
    memory_revocation_store s{64};
    const auto until = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + 60s;
    const std::string longest(memory_revocation_store::max_jti_size, 'x');
    const std::string over(memory_revocation_store::max_jti_size + 1, 'x');
    REQUIRE(s.revoke(longest, until).has_value());
    CHECK(*s.is_revoked(longest));
    CHECK(s.revoke(over, until).error() == errc::token_too_large);
    CHECK_FALSE(*s.is_revoked(over));
    CHECK(s.revoke("", until).error() == errc::token_too_large);
    CHECK(s.size() == 1);
}

TEST_CASE("RFC 7009 §2.2.1: a clock that throws makes the store fail closed (store_unavailable)",
          "[stores][revocation]")
{
    std::atomic<bool> broken{false};
    memory_revocation_store s{64, [&] {
                                  if (broken) throw std::runtime_error("clock");
                                  return std::chrono::system_clock::time_point(t0);
                              }};
    REQUIRE(s.revoke("a", t0 + 60s).has_value());
    broken = true;
    CHECK(s.is_revoked("a").error() == errc::store_unavailable);
    CHECK(s.revoke("b", t0 + 60s).error() == errc::store_unavailable);
    CHECK(s.purge_expired().error() == errc::store_unavailable);
    broken = false;
    CHECK(*s.is_revoked("a"));
}

TEST_CASE("RFC 7009 §2: two threads revoking and checking at once lose nothing", "[stores][revocation]")
{
    memory_revocation_store big{100000};
    const auto until = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + 600s;
    std::atomic<int> wrong{0};
    std::atomic<bool> go{false};
    const auto work = [&](int seed) {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < 5000; ++i) {
            const std::string j = std::to_string(seed) + "-" + std::to_string(i);
            if (*big.is_revoked(j)) ++wrong;  // not yet revoked by anyone
            if (!big.revoke(j, until) || !*big.is_revoked(j)) ++wrong;
            // The other thread's earlier revocations are visible too.
            if (i > 100) {
                const std::string other = std::to_string(3 - seed) + "-" + std::to_string(i - 100);
                (void)big.is_revoked(other);
            }
        }
    };
    std::thread a(work, 1), b(work, 2);
    go = true;
    a.join();
    b.join();
    CHECK(wrong == 0);
    CHECK(big.size() == 10000);
    for (int seed : {1, 2})
        for (int i = 0; i < 5000; i += 7) CHECK(*big.is_revoked(std::to_string(seed) + "-" + std::to_string(i)));
}

TEST_CASE("RFC 7009 §2.2.1: two threads fill a bounded store: exactly its capacity is kept, the rest refused",
          "[stores][revocation]")
{
    memory_revocation_store s{160};
    const auto until = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + 600s;
    std::atomic<int> accepted{0}, refused{0}, other{0};
    const auto work = [&](int seed) {
        for (int i = 0; i < 2000; ++i) {
            const auto r = s.revoke(std::to_string(seed) + ":" + std::to_string(i), until);
            if (r)
                ++accepted;
            else if (r.error() == errc::store_unavailable)
                ++refused;
            else
                ++other;
        }
    };
    std::thread a(work, 1), b(work, 2);
    a.join();
    b.join();
    CHECK(other == 0);
    CHECK(accepted == 160);
    CHECK(refused == 4000 - 160);
    CHECK(s.size() == 160);
}

}  // namespace stores_revocation_test
