// apiauth/crypto/hmac.hpp — an HMAC key keyed once and used from many threads.
#ifndef APIAUTH_CRYPTO_HMAC_HPP
#define APIAUTH_CRYPTO_HMAC_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

class hmac_key;

/** An HMAC computation in progress, started by `hmac_key::begin()`.

    For MACs over several pieces without concatenating them (e.g. a domain
    prefix and a token). One stream belongs to one thread; it must not
    outlive the key that began it. `finish()` may be called once.
*/
class hmac_stream {
public:
    hmac_stream(const hmac_stream&) = delete;
    hmac_stream& operator=(const hmac_stream&) = delete;
    /// Takes over `o`'s state; `o` may then only be destroyed.
    hmac_stream(hmac_stream&& o) noexcept;
    hmac_stream& operator=(hmac_stream&&) = delete;
    ~hmac_stream();

    /// Appends `data` to the message. Not after finish().
    void update(std::span<const std::byte> data) noexcept;
    /// Appends the octets of `data` to the message. Not after finish().
    void update(std::string_view data) noexcept { update(detail::as_bytes(data)); }

    /// The MAC of everything passed to update(); digest_size(algorithm) bytes.
    digest_value finish() noexcept;

private:
    friend class hmac_key;
#if !defined(APIAUTH_USE_EVP)
    explicit hmac_stream(const hmac_key& k) noexcept;
    const hmac_key* key_;
    detail::sha_state inner_;
    bool finished_ = false;  // after finish() the state no longer holds the keyed ipad state
#else
    explicit hmac_stream(const hmac_key& k) noexcept;
    const hmac_key* key_;
    EVP_MAC_CTX* ctx_ = nullptr;
    int slot_ = -1;  // pool slot, or -1 when ctx_ is a private copy
    bool failed_ = false;
#endif
};

/** An HMAC key (RFC 2104) with SHA-256, SHA-384 or SHA-512, keyed once.

    Construction does the key schedule once (hashing a long key, the ipad
    and opad blocks); each MAC afterwards starts from that prepared state.
    All const members may be called from many threads at once.

    Performance contract (see BENCHMARKS.md, the hmac/sha256_200B rows):
    default build — a MAC copies two pre-keyed SHA-2 context structs and
    does no heap allocation and no provider dispatch; this uses OpenSSL's
    low-level SHA API (deprecated in 3.0, not FIPS-provider aware).
    With APIAUTH_USE_EVP — keyed EVP_MAC_CTXs are kept in a small pool,
    re-initialised per MAC (EVP_MAC_init with no key); OpenSSL 3.0 still
    allocates twice per MAC inside that re-initialisation and the final
    step (measured), and a context is copied (allocating more) only when
    every pooled one is in use at that moment.

    The key may have any length, including zero (RFC 2104 §2); callers that
    need a minimum (JOSE, RFC 7518 §3.2; API key peppers) enforce it when
    they build their own key objects. Key material is wiped on destruction.
    The EVP build throws std::system_error(crypto_failure) from the
    constructor if OpenSSL cannot create the context; the default build
    never throws.

    @par Specification RFC 2104; test vectors RFC 4231 and Wycheproof.
*/
class hmac_key {
public:
    /// Prepares a key for HMAC with `h` from `key` (any length, RFC 2104 §2).
    hmac_key(hash h, std::span<const std::byte> key);
    /// Prepares a key for HMAC with `h` from the octets of `key`.
    hmac_key(hash h, std::string_view key) : hmac_key(h, detail::as_bytes(key)) {}

    /// A second key with the same prepared state (copies the key material).
    hmac_key(const hmac_key& o);
    /// Replaces this key's state with a copy of `o`'s, wiping the old one.
    hmac_key& operator=(const hmac_key& o);
    /// Takes over `o`'s prepared state; `o` may then only be destroyed or assigned.
    hmac_key(hmac_key&& o) noexcept;
    /// Takes over `o`'s prepared state, wiping this key's old one.
    hmac_key& operator=(hmac_key&& o) noexcept;
    ~hmac_key();

    /// The hash function this key was prepared for.
    hash algorithm() const noexcept { return h_; }

    /// Length of a MAC in bytes (the digest size).
    std::size_t size() const noexcept { return digest_size(h_); }

    /// HMAC of `message`. No allocation in the default build.
    digest_value compute(std::span<const std::byte> message) const noexcept
    {
        hmac_stream s = begin();
        s.update(message);
        return s.finish();
    }

    /// HMAC of the octets of `message`. No allocation in the default build.
    digest_value compute(std::string_view message) const noexcept { return compute(detail::as_bytes(message)); }

    /** True if `tag` is the HMAC of `message`, compared in constant time.

        A tag of the wrong length is false (the length is public). Truncated
        MACs are not accepted here; JOSE uses full-length tags (RFC 7518 §3.2).
    */
    bool verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept
    {
        const digest_value d = compute(message);
        return d.size == size() && equal(d.span(), tag);
    }

    /// Start a MAC over several pieces; see hmac_stream.
    hmac_stream begin() const noexcept { return hmac_stream(*this); }

private:
    friend class hmac_stream;
    hash h_;
#if !defined(APIAUTH_USE_EVP)
    detail::sha_state inner_;  // state after absorbing key XOR ipad
    detail::sha_state outer_;  // state after absorbing key XOR opad
#else
    static constexpr int pool_size = 8;
    void release() noexcept;
    void copy_from(const hmac_key& o);
    EVP_MAC_CTX* template_ = nullptr;  // keyed, never used directly: only copied
    std::array<EVP_MAC_CTX*, pool_size> pool_{};
    mutable std::array<std::atomic_flag, pool_size> busy_{};
#endif
};

// ------------------------------------------------------------------------
// Implementation

#if !defined(APIAUTH_USE_EVP)

inline hmac_key::hmac_key(hash h, std::span<const std::byte> key) : h_(h)
{
    const std::size_t block = block_size(h);
    std::array<unsigned char, 128> k{};  // K0 of FIPS 198-1 §4
    if (key.size() > block) {
        detail::sha_state s(h);
        s.update(key.data(), key.size());
        s.finish(k.data());
    } else if (!key.empty()) {
        std::memcpy(k.data(), key.data(), key.size());
    }
    std::array<unsigned char, 128> pad{};
    for (std::size_t i = 0; i < block; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    inner_ = detail::sha_state(h);
    inner_.update(pad.data(), block);
    for (std::size_t i = 0; i < block; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
    outer_ = detail::sha_state(h);
    outer_.update(pad.data(), block);
    detail::wipe(k.data(), k.size());
    detail::wipe(pad.data(), pad.size());
}

inline hmac_key::hmac_key(const hmac_key& o) = default;
inline hmac_key& hmac_key::operator=(const hmac_key& o) = default;
inline hmac_key::hmac_key(hmac_key&& o) noexcept = default;
inline hmac_key& hmac_key::operator=(hmac_key&& o) noexcept = default;

inline hmac_key::~hmac_key()
{
    detail::wipe(&inner_, sizeof inner_);
    detail::wipe(&outer_, sizeof outer_);
}

inline hmac_stream::hmac_stream(const hmac_key& k) noexcept : key_(&k), inner_(k.inner_) {}

inline hmac_stream::hmac_stream(hmac_stream&& o) noexcept : key_(o.key_), inner_(o.inner_), finished_(o.finished_)
{
    o.finished_ = true;
    detail::wipe(&o.inner_, sizeof o.inner_);
}

// An unfinished stream may still hold the keyed ipad state (secret-equivalent):
// wipe it. After finish() SHA*_Final has wiped the buffered block and the
// chaining value left is the inner hash, which reveals nothing of the key.
inline hmac_stream::~hmac_stream()
{
    if (!finished_) detail::wipe(&inner_, sizeof inner_);
}

inline void hmac_stream::update(std::span<const std::byte> data) noexcept
{
    inner_.update(data.data(), data.size());
}

inline digest_value hmac_stream::finish() noexcept
{
    digest_value d;
    const std::size_t n = digest_size(key_->h_);
    unsigned char ih[64];
    inner_.finish(ih);
    finished_ = true;
    detail::sha_state outer = key_->outer_;
    outer.update(ih, n);
    outer.finish(reinterpret_cast<unsigned char*>(d.bytes.data()));
    d.size = n;
    return d;
}

#else  // APIAUTH_USE_EVP

}  // namespace apiauth::crypto

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::hmac {

using namespace apiauth::crypto;  // the internals of apiauth::crypto
inline EVP_MAC* evp_hmac() noexcept
{
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::hmac

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

inline hmac_key::hmac_key(hash h, std::span<const std::byte> key) : h_(h)
{
    template_ = detail::hmac::evp_hmac() ? EVP_MAC_CTX_new(detail::hmac::evp_hmac()) : nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(openssl_name(h)), 0),
        OSSL_PARAM_construct_end()};
    static const unsigned char empty = 0;  // a non-null pointer: a null key means "re-initialise"
    const auto* kp = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (template_ == nullptr || EVP_MAC_init(template_, kp, key.size(), params) != 1) {
        release();
        throw std::system_error(make_error_code(errc::crypto_failure));
    }
    for (auto& c : pool_) {
        c = EVP_MAC_CTX_dup(template_);
        if (c == nullptr) {
            release();
            throw std::system_error(make_error_code(errc::crypto_failure));
        }
    }
}

inline void hmac_key::release() noexcept
{
    EVP_MAC_CTX_free(template_);  // EVP_MAC_CTX_free cleanses the key schedule
    template_ = nullptr;
    for (auto& c : pool_) {
        EVP_MAC_CTX_free(c);
        c = nullptr;
    }
}

inline void hmac_key::copy_from(const hmac_key& o)
{
    h_ = o.h_;
    template_ = EVP_MAC_CTX_dup(o.template_);
    bool ok = template_ != nullptr;
    for (auto& c : pool_) {
        c = ok ? EVP_MAC_CTX_dup(o.template_) : nullptr;
        ok = ok && c != nullptr;
    }
    if (!ok) {
        release();
        throw std::system_error(make_error_code(errc::crypto_failure));
    }
}

inline hmac_key::hmac_key(const hmac_key& o)
{
    copy_from(o);
}

inline hmac_key& hmac_key::operator=(const hmac_key& o)
{
    if (this != &o) {
        release();
        copy_from(o);
    }
    return *this;
}

inline hmac_key::hmac_key(hmac_key&& o) noexcept : h_(o.h_), template_(std::exchange(o.template_, nullptr))
{
    for (std::size_t i = 0; i < pool_.size(); ++i) pool_[i] = std::exchange(o.pool_[i], nullptr);
}

inline hmac_key& hmac_key::operator=(hmac_key&& o) noexcept
{
    if (this != &o) {
        release();
        h_ = o.h_;
        template_ = std::exchange(o.template_, nullptr);
        for (std::size_t i = 0; i < pool_.size(); ++i) pool_[i] = std::exchange(o.pool_[i], nullptr);
    }
    return *this;
}

inline hmac_key::~hmac_key()
{
    release();
}

inline hmac_stream::hmac_stream(const hmac_key& k) noexcept : key_(&k)
{
    for (int i = 0; i < hmac_key::pool_size; ++i) {
        if (k.pool_[static_cast<std::size_t>(i)] != nullptr &&
            !k.busy_[static_cast<std::size_t>(i)].test_and_set(std::memory_order_acquire)) {
            slot_ = i;
            ctx_ = k.pool_[static_cast<std::size_t>(i)];
            break;
        }
    }
    if (ctx_ == nullptr) ctx_ = k.template_ ? EVP_MAC_CTX_dup(k.template_) : nullptr;
    failed_ = ctx_ == nullptr || EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1;
}

inline hmac_stream::hmac_stream(hmac_stream&& o) noexcept
    : key_(o.key_), ctx_(std::exchange(o.ctx_, nullptr)), slot_(std::exchange(o.slot_, -1)), failed_(o.failed_)
{
}

inline hmac_stream::~hmac_stream()
{
    if (ctx_ == nullptr) return;
    if (slot_ >= 0)
        key_->busy_[static_cast<std::size_t>(slot_)].clear(std::memory_order_release);
    else
        EVP_MAC_CTX_free(ctx_);
}

inline void hmac_stream::update(std::span<const std::byte> data) noexcept
{
    if (!failed_ && !data.empty())
        failed_ = EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1;
}

// On an OpenSSL failure the result is empty (size 0), which no verify accepts.
inline digest_value hmac_stream::finish() noexcept
{
    digest_value d;
    std::size_t n = 0;
    if (!failed_ && EVP_MAC_final(ctx_, reinterpret_cast<unsigned char*>(d.bytes.data()), &n, d.bytes.size()) == 1)
        d.size = n;
    failed_ = true;
    return d;
}

#endif  // APIAUTH_USE_EVP

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_HMAC_HPP
