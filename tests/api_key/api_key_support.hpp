// Shared inputs, independent references and instrumented stores of the api_key tests
// (tests/api_key/*_test.cpp): the §9.2 tokens and peppers, the §9.3 setup.
#ifndef APIAUTH_TESTS_API_KEY_SUPPORT_HPP
#define APIAUTH_TESTS_API_KEY_SUPPORT_HPP

#include <apiauth/api_key.hpp>
#include <apiauth/stores/memory.hpp>

#include "../support/test_support.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

// Built with a sanitizer (gcc: -fsanitize=address; clang: address or undefined): timings then
// measure the instrumentation, not the code, and vary from run to run, so the tests that
// measure time skip their timing checks (with a WARN) instead of passing or failing them.
#if defined(__SANITIZE_ADDRESS__)
#define APIAUTH_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define APIAUTH_TEST_SANITIZED 1
#endif
#endif

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using apiauth::api_key_format;
using apiauth::api_key_options;
using apiauth::api_key_record;
using apiauth::api_key_verifier;
using apiauth::errc;
using apiauth::pepper;
using apiauth::pepper_ring;
using apiauth::result;
using apiauth::secret_api_key;
using apiauth::verified_api_key;
using apiauth::stores::memory_api_key_store;
using apiauth::test::from_hex;
using apiauth::test::to_hex;

namespace api_key_support {

// ---- §9.2 shared inputs -------------------------------------------------------------------------

inline constexpr std::string_view T0 = "acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y";
inline constexpr std::string_view T1 = "acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPC0Rke5K";
inline constexpr std::string_view T2 =
    "acme_test_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ0FF7ao";
inline constexpr std::string_view T3 = "acme_sk_10123456789ABCDEF_bbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ0dimZb";
inline constexpr std::string_view T4 = "acme_sk_10123456789ABCDEG_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ1KALT4";
inline constexpr std::string_view T5 = "acme_sk_20123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ20T551";
inline constexpr std::string_view T6 = "other_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ3NUDVA";

inline constexpr std::string_view T0_v1_hex = "edc309c374838f3223c5f3372ca40c9669bdda9695e2195a44f16d1047820fca";
inline constexpr std::string_view T0_v2_hex = "136f402b908add01c58abd4840402b2c4a285b3b56509ccaf0d203cdfc2c9bbd";
inline constexpr std::string_view T0_wrap_hex = "7d062f5f70729ae9fbff91027d0f78de49d3ad6d4ccfc0472113d97e0c18291f";

// The documentation example of api_key.hpp: the right shape, a deliberately wrong checksum.
inline constexpr std::string_view doc_example =
    "acme_sk_1AbCdEfGhIjKlMnOp_EXAMPLEexampleEXAMPLEexampleEXAMPLEexampleE000000";

inline const std::array<std::byte, 32> pepper_v1 = [] {
    std::array<std::byte, 32> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(i);
    return p;
}();
inline const std::array<std::byte, 32> pepper_v2 = [] {
    std::array<std::byte, 32> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(0x20 + i);
    return p;
}();

inline const std::string_view allowed[] = {"acme_sk", "acme_test_sk"};

// 2026-01-01T00:00:00Z: the injected clock of every verification here.
inline const std::chrono::sys_seconds t_now{std::chrono::seconds{1767225600}};

inline api_key_options policy(std::chrono::seconds leeway = 0s)
{
    return {.prefixes = allowed, .leeway = leeway, .now = t_now};
}

inline pepper_ring ring_v1()
{
    auto r = pepper_ring::make({{1, pepper_v1}}, 1);
    REQUIRE(r.has_value());
    return std::move(*r);
}

inline pepper_ring ring_v12(std::uint32_t current)
{
    auto r = pepper_ring::make({{1, pepper_v1}, {2, pepper_v2}}, current);
    REQUIRE(r.has_value());
    return std::move(*r);
}

template <class T> inline std::string what(const result<T>& r)
{
    if (r) return "ok";
    const std::string_view n = apiauth::error_name(r.error());
    return n.empty() ? r.error().message() : std::string(n);
}

inline std::string what(errc e)
{
    return std::string(apiauth::error_name(e));
}

inline std::string mac_hex(const std::array<std::byte, 32>& m)
{
    return to_hex(std::string_view(reinterpret_cast<const char*>(m.data()), m.size()));
}

// Published Stormpath example pairs (research/stormpath-protocol.md §4).
inline constexpr std::string_view sp_id = "2ZFMV4WVVCVG35XATII9T96J7";
inline constexpr std::string_view sp_secret = "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ";
inline constexpr std::string_view sp_id2 = "1S9H13Q61HLJHIVU7N357QI7U";
inline constexpr std::string_view sp_secret2 = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8";

// ---- independent references ---------------------------------------------------------------------

inline std::uint32_t zlib_crc(std::string_view s)
{
    return static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

inline std::string b62_6(std::uint64_t v)
{
    static constexpr char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string s(6, '0');
    for (int i = 5; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = a[v % 62];
        v /= 62;
    }
    return s;
}

inline std::uint64_t b62_value64(std::string_view s)
{
    static constexpr std::string_view a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::uint64_t v = 0;
    for (char c : s) v = v * 62 + a.find(c);
    return v;
}

// A token with a correct checksum, assembled with zlib and the loop above.
inline std::string make_token(std::string_view prefix, char version, std::string_view id16, std::string_view secret43)
{
    std::string t = std::string(prefix) + "_" + version + std::string(id16) + "_" + std::string(secret43);
    return t + b62_6(zlib_crc(t));
}

inline std::string openssl_hmac_hex(std::span<const std::byte> key, std::string_view msg)
{
    unsigned char out[32];
    unsigned int n = 0;
    REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &n) != nullptr);
    return to_hex(std::string_view(reinterpret_cast<const char*>(out), n));
}

// ---- a store that counts lookups, an observer that counts checksums and MACs ---------------------

struct counting_store {
    const memory_api_key_store* inner;
    mutable int lookups = 0;
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view id) const noexcept
    {
        ++lookups;
        return inner->lookup(id);
    }
};
static_assert(apiauth::api_key_store<counting_store>);

// A store whose backend is down.
struct failing_store {
    result<std::shared_ptr<const api_key_record>> lookup(std::string_view) const noexcept
    {
        return std::make_error_code(std::errc::connection_refused);
    }
};
static_assert(apiauth::api_key_store<failing_store>);

struct counting_observer {
    int checksums = 0;
    int macs = 0;
    void checksum() noexcept { ++checksums; }
    void mac() noexcept { ++macs; }
};

struct outcome {
    result<verified_api_key> r;
    int lookups = 0;
    int checksums = 0;
    int macs = 0;
};

inline outcome run(std::string_view token, const memory_api_key_store& store, const pepper_ring& ring,
                   const api_key_options& opt)
{
    counting_store cs{&store};
    counting_observer obs;
    auto r = apiauth::detail::verify_token(token, cs, ring, opt, obs);
    // The public entry point is the same code with no observer: same answer.
    const auto pub = apiauth::verify_api_key(token, store, ring, opt);
    CHECK(what(pub) == what(r));
    return {std::move(r), cs.lookups, obs.checksums, obs.macs};
}

inline outcome run_pair(std::string_view id, std::string_view secret, const memory_api_key_store& store,
                        const pepper_ring& ring, const api_key_options& opt)
{
    counting_store cs{&store};
    counting_observer obs;
    auto r = apiauth::detail::verify_pair(id, secret, cs, ring, opt, obs);
    const auto pub = apiauth::verify_api_key_pair(id, secret, store, ring, opt);
    CHECK(what(pub) == what(r));
    return {std::move(r), cs.lookups, obs.checksums, obs.macs};
}

inline api_key_record record_of(std::string_view token, const pepper_ring& ring)
{
    auto r = apiauth::make_api_key_record(token, ring, t_now - 24h);
    REQUIRE(r.has_value());
    return std::move(*r);
}

// The §9.3 setup: the allow-list {acme_sk, acme_test_sk}, the store holding T0 under pepper_v1.
// (T1 and T2 share T0's key id; the cases that need them use stores of their own.)
struct setup {
    pepper_ring ring = ring_v1();
    memory_api_key_store store;
    explicit setup(std::string_view token = T0) { REQUIRE(store.insert(record_of(token, ring))); }
    explicit setup(api_key_record r) { REQUIRE(store.insert(std::move(r))); }
};

// Assert a rejection that happened before any store access (§8.5 steps 1-5).
inline void check_rejected_offline(const outcome& o, errc e)
{
    CHECK(what(o.r) == what(e));
    CHECK(o.lookups == 0);
    CHECK(o.macs == 0);
}

}  // namespace api_key_support

#endif  // APIAUTH_TESTS_API_KEY_SUPPORT_HPP
