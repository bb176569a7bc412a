// apiauth/api_key/detail/verify.hpp — internals of api_key/verify.hpp: research/api-keys.md §8.5
// steps 3 to 9 behind verify_api_key and verify_api_key_pair, with the test hook that counts
// their checksum and MAC work.
#ifndef APIAUTH_API_KEY_DETAIL_VERIFY_HPP
#define APIAUTH_API_KEY_DETAIL_VERIFY_HPP

#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/presented.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/detail/base62.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <time.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Equality of two short public strings (key ids, prefixes) inline: 8-octet words,
// the last one overlapping, instead of a call to memcmp. Not for secrets: it
// returns at the first difference.
inline bool same_public(std::string_view a, std::string_view b) noexcept
{
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n < 8) {
        if (n < 4) {
            for (std::size_t i = 0; i < n; ++i)
                if (a[i] != b[i]) return false;
            return true;
        }
        std::uint32_t u, v, w, z;  // two words, overlapping when n < 8
        std::memcpy(&u, a.data(), 4);
        std::memcpy(&v, b.data(), 4);
        std::memcpy(&w, a.data() + n - 4, 4);
        std::memcpy(&z, b.data() + n - 4, 4);
        return u == v && w == z;
    }
    std::uint64_t x, y;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) return false;
    }
    std::memcpy(&x, a.data() + n - 8, 8);
    std::memcpy(&y, b.data() + n - 8, 8);
    return x == y;
}

// Compared against on a miss so that an unknown id costs what a wrong secret costs.
inline constexpr mac32 dummy_verifier{};

// Test hooks: verification reports its checksum and MAC steps to an observer,
// and generation draws from a byte source. The public functions pass these
// no-op / CSPRNG defaults; only the tests pass others.
struct no_observer {
    void checksum() noexcept {}
    void mac() noexcept {}
};

// A policy that can accept a key: a prefix or accept_stormpath, a leeway from 0 to a day.
inline std::error_code check_key_policy(const api_key_options& opt) noexcept
{
    if (opt.leeway.count() < 0 || opt.leeway > max_api_key_leeway || (opt.prefixes.empty() && !opt.accept_stormpath))
        return errc::invalid_configuration;
    return {};
}

inline std::error_code check_policy(const pepper_ring& ring, const api_key_options& opt) noexcept
{
    if (ring.size() == 0) return errc::invalid_configuration;
    return check_key_policy(opt);
}

inline bool prefix_allowed(std::span<const std::string_view> allowed, std::string_view prefix) noexcept
{
    for (const std::string_view p : allowed)
        if (same_public(p, prefix)) return true;
    return false;
}

// The time verification runs at: the injected one, else the system clock read
// once. On Linux at CLOCK_REALTIME_COARSE resolution (the last tick, a few
// milliseconds; a third of the cost of a precise read): record timestamps are
// whole seconds.
inline std::chrono::system_clock::time_point verification_time(const api_key_options& opt) noexcept
{
    if (opt.now) return *opt.now;
#if defined(__linux__) && defined(CLOCK_REALTIME_COARSE)
    timespec ts{};
    if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
        return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
    return std::chrono::system_clock::now();
}

// The MAC of the presented credential under a stored verifier's pepper(s): the
// inner MAC under pepper_version (`inner` caches one, keyed by its version: a
// previous verifier usually shares the current one's pepper), then the wrap
// layer if the verifier was re-wrapped. The result is the verifier the store
// would hold for this credential: not secret, not wiped.
struct inner_mac {
    std::uint32_t version = 0;
    bool valid = false;
    mac32 mac;
};

template <class Credential, class Observer>
std::error_code verifier_mac(const api_key_verifier& v, const Credential& cred, const pepper_ring& ring,
                             inner_mac& inner, Observer& obs, mac32& out) noexcept
{
    const crypto::hmac_key* k = ring.find(v.pepper_version);
    const crypto::hmac_key* kw = v.wrap_version ? ring.find(*v.wrap_version) : nullptr;
    if (k == nullptr || (v.wrap_version && kw == nullptr)) return errc::api_key_unknown_pepper;  // fail closed
    if (!inner.valid || inner.version != v.pepper_version) {
        if (!cred.mac(*k, inner.mac)) return errc::crypto_failure;
        obs.mac();
        inner.version = v.pepper_version;
        inner.valid = true;
    }
    if (kw == nullptr) {
        out = inner.mac;
        return {};
    }
    if (!wrap_mac(*kw, inner.mac, out)) return errc::crypto_failure;
    obs.mac();
    return {};
}

// §8.5 step 9's status at `now`, in whole seconds (as the record's times are: a record time
// beyond ±292 years, a store's "never" as 9999-12-31, would overflow a conversion to the
// clock's nanoseconds). check_policy bounds the leeway, so now ± leeway cannot overflow.
inline std::error_code record_status(const api_key_record& r, std::chrono::sys_seconds now,
                                     std::chrono::seconds leeway) noexcept
{
    if (r.revoked_at && *r.revoked_at <= now) return errc::api_key_revoked;
    if (r.not_before && now + leeway < *r.not_before) return errc::api_key_not_yet_valid;
    if (r.expires_at && now - leeway >= *r.expires_at) return errc::api_key_expired;
    return {};
}

// §8.5 steps 7 to 9 for a record the store returned: pepper, MAC, status.
template <class Credential, class Observer>
result<verified_api_key> check_record(std::shared_ptr<const api_key_record> rec, const Credential& cred,
                                      api_key_format format, std::string_view prefix, const pepper_ring& ring,
                                      const api_key_options& opt, Observer& obs) noexcept
{
    const api_key_record& r = *rec;
    // In whole seconds, as the record's times are: a record time beyond ±292 years (a store's
    // "never" as 9999-12-31, any bigint a database holds) would overflow a conversion to the
    // clock's nanoseconds. check_policy bounds the leeway, so now() ± leeway cannot overflow.
    std::chrono::sys_seconds clock{};
    bool have_clock = false;
    const auto now = [&]() noexcept {
        if (!have_clock) {
            clock = std::chrono::floor<std::chrono::seconds>(verification_time(opt));
            have_clock = true;
        }
        return clock;
    };

    // Step 8: the current verifier, then the previous one while its deadline lasts.
    // Both comparisons run when both apply (no early exit on the first match).
    inner_mac inner;
    mac32 m;
    if (auto e = verifier_mac(r.verifier, cred, ring, inner, obs, m)) return e;
    const bool current = crypto::equal_32(m, r.verifier.mac);
    bool previous = false;
    if (r.previous && now() < r.previous->valid_until) {
        if (auto e = verifier_mac(r.previous->verifier, cred, ring, inner, obs, m)) return e;
        previous = crypto::equal_32(m, r.previous->verifier.mac);
    }
    // A record of the other format can only match through a broken store: never accept it.
    if (!(current || previous) || r.format != format) return errc::api_key_bad_secret;

    // Step 9: status, only now that the caller has proved they hold the key (§3.4).
    if (auto e = record_status(r, now(), opt.leeway)) return e;
    if (!same_public(r.prefix, prefix)) return errc::api_key_prefix_mismatch;

    std::optional<api_key_verifier> rehash;
    if (current && (r.verifier.pepper_version != ring.current_version() || r.verifier.wrap_version)) {
        api_key_verifier fresh;
        fresh.pepper_version = ring.current_version();
        if (!cred.mac(ring.current(), fresh.mac)) return errc::crypto_failure;
        obs.mac();
        rehash = fresh;
    }
    return verified_api_key_access::make(std::move(rec), !current, rehash);
}

// §8.5 step 6 on a miss: the work a found key costs — the reference to its
// record taken and dropped (a shared_ptr's two atomic read-modify-writes, here
// on a counter of this thread's), its MAC compared against a fixed dummy, and
// the clock read of its status check — done and thrown away, so that an
// unknown id answers in about the time of a known one.
//
// Known limit (documented, not padded): that is the work of a record with one
// verifier, neither re-wrapped nor with a previous verifier under another
// pepper. check_record computes one HMAC per distinct pepper it needs before
// the comparison: +1 for a re-wrapped verifier (wrap_version), +1 for a
// previous verifier (within its deadline) under another pepper than the
// current one's, +1 more if that one is re-wrapped; at most 4 against the
// miss's 1 (each HMAC about 0.3 µs). So while a ring holds more than one
// pepper and records are re-wrapped or rotated across peppers, a caller
// without the secret can tell by timing that such a key id exists. Padding
// only the miss to 4 would invert the leak (a plain record's hit would then
// be the fast answer); padding every verification to 4 would cost up to three
// extra HMACs on every key whenever the ring has two peppers. Key ids are
// the public half of a key (research/api-keys.md §8), so this reveals no
// secret; see verify_api_key and README ("Pepper rotation and timing").
template <class Credential, class Observer>
void dummy_mac(const Credential& cred, const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    thread_local std::atomic<long> references{0};
    references.fetch_add(1, std::memory_order_relaxed);
    mac32 m{};
    (void)cred.mac(ring.current(), m);
    obs.mac();
    // The results are discarded; the asm in equal_32 keeps the comparison, and
    // the clock is read through a call the compiler cannot remove.
    (void)crypto::equal_32(m, dummy_verifier);
    (void)verification_time(opt);
    references.fetch_sub(1, std::memory_order_acq_rel);
}

// §8.5 steps 3 to 5 for a framed token whose policy and structure (steps 1, 2) were checked.
template <class Observer>
std::error_code present_framed(const framed_key& f, const api_key_options& opt, Observer& obs) noexcept
{
    const api_key_view key = api_key_access::view(f.token());
    if (!prefix_allowed(opt.prefixes, key.prefix())) return errc::api_key_unknown_prefix;  // 3
    if (key.version() != '1') return errc::api_key_unsupported_version;                    // 4
    obs.checksum();                                                                        //
    if (!framed_checksum_matches(f)) return errc::api_key_bad_checksum;                    // 5
    return {};
}

// The first step for a token: §8.5 steps 1 to 5 into `p`; no I/O.
template <class Observer>
std::error_code present_token(presented_api_key& p, std::string_view token, const pepper_ring& ring,
                              const api_key_options& opt, Observer& obs) noexcept
{
    if (auto e = check_policy(ring, opt)) return e;
    if (!well_formed_key(token)) return errc::api_key_malformed;  // 1, 2
    framed_key& f = presented_access::framed(p);
    f.assign(token);
    return present_framed(f, opt, obs);
}

// The first step for a pair: a Stormpath pair (with accept_stormpath) is only checked for its
// shape; a v1 pair is rebuilt into the token and checked as one.
template <class Observer>
std::error_code present_pair(presented_api_key& p, std::string_view id, std::string_view secret,
                             const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    if (auto e = check_policy(ring, opt)) return e;
    if (opt.accept_stormpath && id.size() == 25 && secret.size() == 43) {
        if (!valid_stormpath_id(id) || !valid_stormpath_secret(secret)) return errc::api_key_malformed;
        presented_access::set_stormpath(p, id, secret);
        return {};
    }
    // Only the canonical cut: the secret half is exactly secret ‖ checksum.
    if (secret.size() != api_key_client_secret_size || id.size() + 1 + secret.size() > api_key_max_size)
        return errc::api_key_malformed;
    framed_key& f = presented_access::framed(p);
    char* t = f.token_data();
    std::memcpy(t, id.data(), id.size());
    t[id.size()] = '_';
    std::memcpy(t + id.size() + 1, secret.data(), secret.size());
    f.set_size(id.size() + 1 + secret.size());
    if (!well_formed_key(f.token())) return errc::api_key_malformed;
    return present_framed(f, opt, obs);
}

// The second step for a v1 key: §8.5 step 6 from the store's answer (a miss or a store error
// still computes the MAC, against a dummy), then steps 7 to 9.
template <class Observer>
result<verified_api_key> finish_v1(const presented_api_key& p, result<std::shared_ptr<const api_key_record>>& found,
                                   const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    const framed_key& f = presented_access::framed(p);
    const v1_credential cred{f.mac_input()};
    if (!found || !*found) {
        dummy_mac(cred, ring, opt, obs);
        if (!found) return found.error();
        return errc::api_key_not_found;
    }
    const std::string_view prefix = api_key_access::view(f.token()).prefix();
    return check_record(std::move(*found), cred, api_key_format::v1, prefix, ring, opt, obs);  // 7-9
}

// The same for a Stormpath pair, in the "apikey-legacy:" domain.
template <class Observer>
result<verified_api_key> finish_stormpath(const presented_api_key& p,
                                          result<std::shared_ptr<const api_key_record>>& found, const pepper_ring& ring,
                                          const api_key_options& opt, Observer& obs) noexcept
{
    const stormpath_credential cred{presented_access::stormpath(p)};
    if (!found || !*found) {
        dummy_mac(cred, ring, opt, obs);
        if (!found) return found.error();
        return errc::api_key_not_found;
    }
    return check_record(std::move(*found), cred, api_key_format::stormpath, {}, ring, opt, obs);
}

// The second step for either format.
template <class Observer>
result<verified_api_key> finish_presented(const presented_api_key& p,
                                          result<std::shared_ptr<const api_key_record>> found, const pepper_ring& ring,
                                          const api_key_options& opt, Observer& obs) noexcept
{
    if (p.format() == api_key_format::stormpath) return finish_stormpath(p, found, ring, opt, obs);
    return finish_v1(p, found, ring, opt, obs);
}

// The synchronous paths: the two steps around the store's lookup.
template <api_key_store Store, class Observer>
result<verified_api_key> verify_token(std::string_view token, const Store& store, const pepper_ring& ring,
                                      const api_key_options& opt, Observer& obs) noexcept
{
    presented_api_key p = presented_access::make();
    if (auto e = present_token(p, token, ring, opt, obs)) return e;
    result<std::shared_ptr<const api_key_record>> found = store.lookup(p.key_id());  // 6
    return finish_v1(p, found, ring, opt, obs);                                      // 7-9
}

template <api_key_store Store, class Observer>
result<verified_api_key> verify_pair(std::string_view id, std::string_view secret, const Store& store,
                                     const pepper_ring& ring, const api_key_options& opt, Observer& obs) noexcept
{
    presented_api_key p = presented_access::make();
    if (auto e = present_pair(p, id, secret, ring, opt, obs)) return e;
    result<std::shared_ptr<const api_key_record>> found = store.lookup(p.key_id());
    if (p.format() == api_key_format::stormpath) return finish_stormpath(p, found, ring, opt, obs);
    return finish_v1(p, found, ring, opt, obs);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_API_KEY_DETAIL_VERIFY_HPP
