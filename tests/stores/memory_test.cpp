// Tests for apiauth/stores/memory.hpp: the in-memory api_key_store.
#include <apiauth/api_key.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace stores_memory_test {

using namespace std::chrono_literals;
using apiauth::api_key_record;
using apiauth::api_key_verifier;
using apiauth::errc;
using apiauth::pepper_ring;
using apiauth::stores::memory_api_key_store;

namespace {

const std::chrono::sys_seconds t_now{std::chrono::seconds{1767225600}};
const std::string_view allowed[] = {"acme_sk"};

pepper_ring make_ring()
{
    static const std::array<std::byte, 32> p{std::byte{1}, std::byte{2}, std::byte{3}};
    auto r = pepper_ring::make({{1, p}}, 1);
    REQUIRE(r.has_value());
    return std::move(*r);
}

api_key_record record(std::string id, std::uint32_t pepper_version = 1)
{
    api_key_record r;
    r.key_id = std::move(id);
    r.prefix = "acme_sk";
    r.verifier.pepper_version = pepper_version;
    r.verifier.mac[0] = std::byte{0x5A};
    return r;
}

}  // namespace

TEST_CASE("memory_api_key_store models api_key_store, lookup of an absent id is a null record, not an error",
          "[api_key][store]")
{
    STATIC_REQUIRE(apiauth::api_key_store<memory_api_key_store>);
    STATIC_REQUIRE(noexcept(std::declval<const memory_api_key_store&>().lookup(std::string_view{})));
    memory_api_key_store s;
    const auto r = s.lookup("10123456789ABCDEF");
    REQUIRE(r.has_value());
    CHECK(*r == nullptr);
    CHECK(s.size() == 0);
}

TEST_CASE("memory_api_key_store: insert refuses a taken key id, insert_or_assign replaces, erase removes",
          "[api_key][store]")
{
    memory_api_key_store s;
    REQUIRE(s.insert(record("A")));
    CHECK_FALSE(s.insert(record("A", 2)));
    CHECK(s.lookup("A").value()->verifier.pepper_version == 1);
    const auto before = s.lookup("A").value();

    s.insert_or_assign(record("A", 3));
    CHECK(s.lookup("A").value()->verifier.pepper_version == 3);
    CHECK(before->verifier.pepper_version == 1);  // a reader's record is never modified
    CHECK(s.size() == 1);

    // Lookup by a view into a larger buffer: heterogeneous, exact-length comparison.
    const std::string buffer = "AB";
    CHECK(s.lookup(std::string_view(buffer).substr(0, 1)).value() != nullptr);
    CHECK(s.lookup(buffer).value() == nullptr);
    CHECK(s.lookup("").value() == nullptr);

    CHECK(s.erase("A"));
    CHECK_FALSE(s.erase("A"));
    CHECK(s.lookup("A").value() == nullptr);
}

TEST_CASE("memory_api_key_store::rehash is a compare-and-set on the verifier", "[api_key][store]")
{
    memory_api_key_store s;
    REQUIRE(s.insert(record("A")));
    const auto seen = s.lookup("A").value();
    api_key_verifier fresh;
    fresh.pepper_version = 2;
    fresh.mac[31] = std::byte{1};

    // Not if the verifier changed meanwhile (a rotation), nor for another id.
    api_key_verifier other = seen->verifier;
    other.mac[1] = std::byte{1};
    CHECK_FALSE(s.rehash("A", other, fresh));
    api_key_verifier wrapped = seen->verifier;
    wrapped.wrap_version = 2;
    CHECK_FALSE(s.rehash("A", wrapped, fresh));
    CHECK_FALSE(s.rehash("B", seen->verifier, fresh));
    CHECK(s.lookup("A").value()->verifier.pepper_version == 1);

    CHECK(s.rehash("A", seen->verifier, fresh));
    const auto now = s.lookup("A").value();
    CHECK(now->verifier.pepper_version == 2);
    CHECK(now->verifier.mac == fresh.mac);
    CHECK(now->prefix == "acme_sk");
    CHECK(seen->verifier.pepper_version == 1);
}

TEST_CASE("memory_api_key_store::revoke sets revoked_at, never to a later time", "[api_key][store]")
{
    memory_api_key_store s;
    REQUIRE(s.insert(record("A")));
    CHECK_FALSE(s.revoke("B", t_now));
    CHECK(s.revoke("A", t_now));
    CHECK(s.lookup("A").value()->revoked_at == std::optional<std::chrono::sys_seconds>(t_now));
    CHECK(s.revoke("A", t_now + 1h));
    CHECK(s.lookup("A").value()->revoked_at == std::optional<std::chrono::sys_seconds>(t_now));
    CHECK(s.revoke("A", t_now - 1h));
    CHECK(s.lookup("A").value()->revoked_at == std::optional<std::chrono::sys_seconds>(t_now - 1h));
}

TEST_CASE("memory_api_key_store: verification from many threads while keys are rotated and added", "[api_key][store]")
{
    const pepper_ring ring = make_ring();
    memory_api_key_store s;
    auto g = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
    REQUIRE(g.has_value());
    REQUIRE(s.insert(g->record));
    const std::string token(g->token.reveal());

    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::atomic<long> verified{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                const auto r = apiauth::verify_api_key(token, s, ring, {.prefixes = allowed, .now = t_now});
                if (!r)
                    failures.fetch_add(1);
                else
                    verified.fetch_add(1);
            }
        });
    }
    // The writer: rotations keep the original key valid as the previous verifier, and
    // unrelated keys come and go.
    // Writes go on until the readers have verified 2,000 times (at least 200 writes; at most 10 s).
    api_key_record current = g->record;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (int i = 0; (i < 200 || verified.load() < 2000) && std::chrono::steady_clock::now() < deadline; ++i) {
        auto other = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
        REQUIRE(other.has_value());
        REQUIRE(s.insert(other->record));
        api_key_record next = current;
        next.owner = "owner-" + std::to_string(i);
        s.insert_or_assign(next);
        CHECK(s.erase(other->record.key_id));
    }
    stop = true;
    for (auto& th : readers) th.join();
    CHECK(failures.load() == 0);
    CHECK(verified.load() >= 2000);
    CHECK(s.size() == 1);
}

TEST_CASE("memory_api_key_store: the flat table keeps every record findable through growth and deletions",
          "[api_key][store]")
{
    memory_api_key_store s;
    std::vector<std::string> ids;
    for (int i = 0; i < 5000; ++i) ids.push_back("id-" + std::to_string(i * 7919));
    for (const auto& id : ids) REQUIRE(s.insert(record(id)));
    CHECK(s.size() == ids.size());
    // Delete every third, then check each id is present exactly when it was not deleted.
    for (std::size_t i = 0; i < ids.size(); i += 3) REQUIRE(s.erase(ids[i]));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto r = s.lookup(ids[i]).value();
        if ((r != nullptr) == (i % 3 == 0)) FAIL_CHECK("id " << ids[i] << " after deletions");
        if (r != nullptr && r->key_id != ids[i]) FAIL_CHECK("id " << ids[i] << " found another record");
    }
    CHECK(s.size() == ids.size() - (ids.size() + 2) / 3);
    // Re-insert the deleted ones, delete the rest: the table is consistent both ways.
    for (std::size_t i = 0; i < ids.size(); i += 3) REQUIRE(s.insert(record(ids[i])));
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (i % 3 != 0) REQUIRE(s.erase(ids[i]));
    for (std::size_t i = 0; i < ids.size(); ++i)
        if ((s.lookup(ids[i]).value() != nullptr) != (i % 3 == 0)) FAIL_CHECK("id " << ids[i] << " after churn");
    CHECK(s.lookup("id-unknown").value() == nullptr);
}

}  // namespace stores_memory_test
