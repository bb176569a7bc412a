// Tests for apiauth/oauth2/token_cache.hpp: the opt-in cache of verified bearer tokens (issue 9,
// "A verified-token cache"): a hit only for the very same token, unexpired by the clock of the
// call; failures never cached; bounded memory; many threads at once.
#include <apiauth/oauth2/token_cache.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace oauth2_token_cache_test {

using apiauth::errc;
using apiauth::result;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::system_clock;
const clock_type::time_point t0{std::chrono::seconds{1767225600}};

// What a verifier would return: a view into the token it verified, and an expiry.
struct fake_verified {
    std::string_view token;
    clock_type::time_point exp;
};

struct counting_verifier {
    std::atomic<int> calls{0};
    clock_type::time_point exp = t0 + 60s;
    result<fake_verified> operator()(std::string_view t)
    {
        ++calls;
        if (t.starts_with("bad")) return errc::bad_signature;
        return fake_verified{t, exp};
    }
};

using cache = apiauth::oauth2::verified_token_cache<fake_verified>;

cache make(apiauth::oauth2::token_cache_options opt = {})
{
    return cache([](const fake_verified& v) { return v.exp; }, opt);
}

}  // namespace

TEST_CASE("token cache: the same token again is answered without verifying, its views point into the cache",
          "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    std::string token = "eyJ.header.payload.sig-1";
    auto first = c.verify(token, t0, [&](std::string_view t) { return v(t); });
    REQUIRE(first.has_value());
    auto again = c.verify(token, t0 + 10s, [&](std::string_view t) { return v(t); });
    REQUIRE(again.has_value());
    CHECK(v.calls == 1);
    CHECK(*first == *again);  // the same shared entry
    // The value views into the cache's copy, not into the caller's buffer.
    token.assign(token.size(), 'x');
    CHECK((*again)->value().token == "eyJ.header.payload.sig-1");
    CHECK((*again)->token() == "eyJ.header.payload.sig-1");
    CHECK(c.size() == 1);
}

TEST_CASE("token cache: only the very same token hits (full comparison, not a prefix or the hash)",
          "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    REQUIRE(c.verify("tok-aaaa", t0, f).has_value());
    REQUIRE(c.verify("tok-aaab", t0, f).has_value());
    REQUIRE(c.verify("tok-aaa", t0, f).has_value());
    REQUIRE(c.verify("tok-aaaaa", t0, f).has_value());
    CHECK(v.calls == 4);
    REQUIRE(c.verify("tok-aaab", t0, f).has_value());
    CHECK(v.calls == 4);
    // Long tokens that end alike (the slots are found by the last 32 octets) differ all the same.
    const std::string tail(40, 's');
    REQUIRE(c.verify("header.payload-A." + tail, t0, f).has_value());
    REQUIRE(c.verify("header.payload-B." + tail, t0, f).has_value());
    CHECK(v.calls == 6);
    const auto a = c.verify("header.payload-A." + tail, t0, f);
    REQUIRE(a.has_value());
    CHECK((*a)->value().token == "header.payload-A." + tail);
    CHECK(v.calls == 6);
}

TEST_CASE("token cache: the clock is checked on every hit, an expired entry is verified again", "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    REQUIRE(c.verify("tok", t0, f).has_value());
    REQUIRE(c.verify("tok", t0 + 59s, f).has_value());
    CHECK(v.calls == 1);
    // At exp: not from the cache. The verifier decides (here it still accepts; a real one refuses).
    v.exp = t0 + 120s;
    REQUIRE(c.verify("tok", t0 + 60s, f).has_value());
    CHECK(v.calls == 2);
    // A value already expired at `now` is returned but never cached.
    v.exp = t0;
    REQUIRE(c.verify("old", t0 + 1s, f).has_value());
    REQUIRE(c.verify("old", t0 + 1s, f).has_value());
    CHECK(v.calls == 4);
}

TEST_CASE("token cache: a token that failed is never cached", "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    for (int i = 0; i < 3; ++i) {
        const auto r = c.verify("bad-token", t0, f);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::bad_signature);
    }
    CHECK(v.calls == 3);
    CHECK(c.size() == 0);
}

TEST_CASE("token cache: only a b64token is cached (RFC 6750 §2.1), so a hit proves the syntax", "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    // Whatever fn accepts is returned, but what is not a b64token is verified every time.
    for (const std::string_view t : {"tok en", "tok,en", "tok\"en", "=tok", "tok=x", "tok\x80", "t%6Fk"}) {
        INFO(t);
        REQUIRE(c.verify(t, t0, f).has_value());
        REQUIRE(c.verify(t, t0, f).has_value());
        CHECK(c.find(t, t0) == nullptr);
    }
    CHECK(v.calls == 14);
    CHECK(c.size() == 0);
    // Every b64token character, and trailing '=' padding, is cached.
    const std::string_view good = "AZaz09-._~+/tok==";
    REQUIRE(c.verify(good, t0, f).has_value());
    REQUIRE(c.verify(good, t0, f).has_value());
    CHECK(v.calls == 15);
    CHECK(c.size() == 1);
}

TEST_CASE("token cache: find is the lookup alone (the same token, unexpired), and never verifies",
          "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    CHECK(c.find("tok", t0) == nullptr);
    const auto first = c.verify("tok", t0, f);
    REQUIRE(first.has_value());
    const auto hit = c.find("tok", t0 + 59s);
    REQUIRE(hit != nullptr);
    CHECK(hit == *first);
    CHECK(c.find("tok", t0 + 60s) == nullptr);  // at the expiry: gone from the lookup
    CHECK(c.find("toK", t0) == nullptr);
    CHECK(c.find("to", t0) == nullptr);
    CHECK(c.find("", t0) == nullptr);
    CHECK(v.calls == 1);
}

TEST_CASE("token cache: an entry is found only under the tag it was cached with (one verifier's verdict is not "
          "another's)",
          "[oauth2][token_cache]")
{
    auto c = make();
    counting_verifier v;
    const std::string token = "eyJ.header.payload.sig-tag";
    REQUIRE(c.verify(
                 token, t0, [&](std::string_view t) { return v(t); }, 1)
                .has_value());
    CHECK(c.find(token, t0, 1) != nullptr);
    CHECK(c.find(token, t0, 2) == nullptr);
    CHECK(c.find(token, t0) == nullptr);  // tag 0
    // Another tag verifies afresh (its verifier may refuse), and both entries then live.
    CHECK(c.verify(
               token, t0, [&](std::string_view) -> result<fake_verified> { return errc::wrong_audience; }, 2)
              .error() == errc::wrong_audience);
    REQUIRE(c.verify(
                 token, t0, [&](std::string_view t) { return v(t); }, 2)
                .has_value());
    CHECK(v.calls == 2);
    CHECK(c.find(token, t0, 1) != nullptr);
    CHECK(c.find(token, t0, 2) != nullptr);
    CHECK(c.find(token, t0, 1)->tag() == 1);
}

TEST_CASE("token cache: no expiry function is refused at construction, and one that throws fails the call, uncached",
          "[oauth2][token_cache]")
{
    CHECK_THROWS_AS(cache(cache::expiry_function{}), std::invalid_argument);
    cache throwing([](const fake_verified&) -> clock_type::time_point { throw std::runtime_error("clock gone"); });
    counting_verifier v;
    const auto r = throwing.verify("eyJ.a.b", t0, [&](std::string_view t) { return v(t); });
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::invalid_configuration);
    CHECK(throwing.size() == 0);
}

TEST_CASE("token cache: memory is bounded by capacity and token size", "[oauth2][token_cache]")
{
    auto c = make({.capacity = 32, .shards = 4, .max_token_size = 64});
    counting_verifier v;
    const auto f = [&](std::string_view t) { return v(t); };
    for (int i = 0; i < 1000; ++i) REQUIRE(c.verify("tok-" + std::to_string(i), t0, f).has_value());
    CHECK(c.size() <= 32);
    CHECK(c.size() > 0);
    // Longer than max_token_size: verified every time, never kept.
    const std::string big(65, 'a');
    const int before = v.calls;
    REQUIRE(c.verify(big, t0, f).has_value());
    REQUIRE(c.verify(big, t0, f).has_value());
    CHECK(v.calls == before + 2);
    c.clear();
    CHECK(c.size() == 0);
}

TEST_CASE("token cache: two threads hitting and filling it at once stay consistent", "[oauth2][token_cache]")
{
    auto c = make({.capacity = 64, .shards = 4});
    std::atomic<int> wrong{0};
    const auto work = [&](int seed) {
        counting_verifier v;
        const auto f = [&](std::string_view t) { return v(t); };
        for (int i = 0; i < 5000; ++i) {
            const std::string t = "tok-" + std::to_string((i * 7 + seed) % 200);
            const auto r = c.verify(t, t0, f);
            if (!r || (*r)->value().token != t || (*r)->token() != t) ++wrong;
        }
    };
    std::thread a(work, 1), b(work, 2);
    a.join();
    b.join();
    CHECK(wrong == 0);
    CHECK(c.size() <= 64);
}

}  // namespace oauth2_token_cache_test
