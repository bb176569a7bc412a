// apiauth/crypto/signature.hpp — public-key signatures with contexts prepared once.
//
// Measured on OpenSSL 3.0 (BENCHMARKS.md): EVP_DigestVerifyInit builds a new
// EVP_PKEY_CTX on every call (25 allocations for an RSA-2048 verify); an
// EVP_PKEY_CTX initialised once for verification and reused with
// EVP_PKEY_verify over a digest computed here costs 14 and is faster. So a
// verifier keeps a small pool of initialised contexts; a call leases one,
// and copies the template (allocating) only when all are in use at once.
// Ed25519 has no pre-hashed form (RFC 8032 PureEdDSA): it reuses pooled
// EVP_MD_CTXs with EVP_DigestVerify.
#ifndef APIAUTH_CRYPTO_SIGNATURE_HPP
#define APIAUTH_CRYPTO_SIGNATURE_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/hash.hpp>
#include <apiauth/crypto/keys.hpp>
#include <apiauth/error.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/// The signature schemes of JWA (RFC 7518 §3.3-§3.5, RFC 8037).
enum class signature_scheme {
    rsa_pkcs1v15,  ///< RSASSA-PKCS1-v1_5 with DigestInfo for the hash
    rsa_pss,       ///< RSASSA-PSS, MGF1 with the same hash, salt length = hash length
    ecdsa,         ///< ECDSA over the hash; signatures in DER here (jose converts R‖S)
    ed25519,       ///< PureEdDSA (RFC 8032 §5.1)
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

inline constexpr std::size_t ctx_pool_size = 8;

// A few OpenSSL contexts leased to one caller at a time.
template <class Ctx> class ctx_pool {
public:
    ctx_pool() = default;
    ctx_pool(const ctx_pool&) = delete;
    ctx_pool& operator=(const ctx_pool&) = delete;
    ~ctx_pool()
    {
        for (Ctx* c : slots_) free_ctx(c);
    }

    // Fills every slot with make(); false if OpenSSL could not.
    template <class Make> bool fill(Make&& make)
    {
        for (Ctx*& c : slots_)
            if (!(c = make())) return false;
        return true;
    }

    class lease {
    public:
        lease(const ctx_pool* p, int slot, Ctx* c) noexcept : pool_(p), slot_(slot), ctx_(c) {}
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease()
        {
            if (slot_ >= 0)
                pool_->busy_[static_cast<std::size_t>(slot_)].clear(std::memory_order_release);
            else
                free_ctx(ctx_);
        }
        Ctx* get() const noexcept { return ctx_; }

    private:
        const ctx_pool* pool_;
        int slot_;
        Ctx* ctx_;
    };

    // A free slot, or (all busy) a fresh context from make_extra(), which may be null.
    template <class MakeExtra> lease acquire(MakeExtra&& make_extra) const noexcept
    {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (!busy_[i].test_and_set(std::memory_order_acquire)) return lease(this, static_cast<int>(i), slots_[i]);
        return lease(this, -1, make_extra());
    }

private:
    static void free_ctx(Ctx* c) noexcept
    {
        if constexpr (std::is_same_v<Ctx, EVP_PKEY_CTX>)
            EVP_PKEY_CTX_free(c);
        else
            EVP_MD_CTX_free(c);
    }

    std::array<Ctx*, ctx_pool_size> slots_{};
    mutable std::array<std::atomic_flag, ctx_pool_size> busy_{};
};

inline bool set_pss(EVP_PKEY_CTX* c) noexcept
{
    // JWA PS*: MGF1 uses the signature hash (OpenSSL's default) and the salt is
    // exactly the hash length, on signing and on verification (RFC 7518 §3.5).
    return EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) == 1;
}

// A context for `op` (verify or sign) on `k`, ready for EVP_PKEY_verify/sign over a digest.
inline EVP_PKEY_CTX* make_pkey_ctx(const crypto::pkey& k, crypto::signature_scheme s, crypto::hash h,
                                   bool sign) noexcept
{
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr);
    if (!c) return nullptr;
    const bool ok =
        (sign ? EVP_PKEY_sign_init(c) : EVP_PKEY_verify_init(c)) == 1 &&
        EVP_PKEY_CTX_set_signature_md(c, evp_md(h)) == 1 && (s != crypto::signature_scheme::rsa_pss || set_pss(c)) &&
        (s != crypto::signature_scheme::rsa_pkcs1v15 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1);
    if (!ok) {
        EVP_PKEY_CTX_free(c);
        return nullptr;
    }
    return c;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/** Verifies signatures made with one key under one scheme and hash.

    Built once (make); verify() is const, thread-safe and allocation-light
    (see the file comment). Holds a reference to the key. Not copyable: share
    it with std::shared_ptr.
*/
class signature_verifier {
public:
    /** Prepare verification contexts for `key`. Returns invalid_key if OpenSSL
        refuses the key for the scheme (e.g. an EC key for RSA), crypto_failure
        on other OpenSSL errors. `h` is ignored for ed25519. */
    static result<std::shared_ptr<const signature_verifier>> make(pkey key, signature_scheme s, hash h) noexcept
    {
        // The object and the shared_ptr's control block are both allocated: either may fail,
        // and neither may escape this noexcept function.
        std::shared_ptr<signature_verifier> v;
        try {
            v.reset(new signature_verifier());
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        v->key_ = std::move(key);
        v->scheme_ = s;
        v->hash_ = h;
        bool ok;
        if (s == signature_scheme::ed25519) {
            ok = v->md_pool_.fill([] { return EVP_MD_CTX_new(); });
        } else {
            v->template_ = detail::make_pkey_ctx(v->key_, s, h, false);
            ok = v->template_ != nullptr && v->pkey_pool_.fill([&] { return EVP_PKEY_CTX_dup(v->template_); });
        }
        ERR_clear_error();
        if (!ok) return errc::invalid_key;
        return std::shared_ptr<const signature_verifier>(std::move(v));
    }

    signature_verifier(const signature_verifier&) = delete;
    signature_verifier& operator=(const signature_verifier&) = delete;
    ~signature_verifier() { EVP_PKEY_CTX_free(template_); }

    /** True if `signature` (DER for ECDSA) is valid for `message`. Any
        OpenSSL failure is "not valid". The message is hashed here with the
        allocation-free SHA-2 of crypto/hash.hpp. */
    bool verify(std::span<const std::byte> message, std::span<const std::byte> signature) const noexcept
    {
        const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
        bool ok = false;
        if (scheme_ == signature_scheme::ed25519) {
            auto l = md_pool_.acquire([] { return EVP_MD_CTX_new(); });
            ok = l.get() && EVP_DigestVerifyInit(l.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
                 EVP_DigestVerify(l.get(), sig, signature.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
        } else {
            const digest_value d = digest(hash_, message);
            auto l = pkey_pool_.acquire([this] { return EVP_PKEY_CTX_dup(template_); });
            ok = d.size != 0 && l.get() &&
                 EVP_PKEY_verify(l.get(), sig, signature.size(), reinterpret_cast<const unsigned char*>(d.bytes.data()),
                                 d.size) == 1;
        }
        if (!ok) ERR_clear_error();
        return ok;
    }

    /// The public (or private) key signatures are checked against.
    const pkey& key() const noexcept { return key_; }
    /// The scheme this verifier was built for.
    signature_scheme scheme() const noexcept { return scheme_; }

private:
    signature_verifier() = default;

    pkey key_;
    signature_scheme scheme_ = signature_scheme::rsa_pkcs1v15;
    hash hash_ = hash::sha256;
    EVP_PKEY_CTX* template_ = nullptr;
    detail::ctx_pool<EVP_PKEY_CTX> pkey_pool_;
    detail::ctx_pool<EVP_MD_CTX> md_pool_;
};

/** Signs with one private key under one scheme and hash. Built once; sign()
    is const and thread-safe (a fresh OpenSSL context per call: signing is
    not on a hot path). */
class signature_signer {
public:
    /// A signer for `key` under scheme `s` with hash `h` (ignored for Ed25519).
    /// Refuses a key OpenSSL cannot prepare for signing (invalid_key).
    static result<std::shared_ptr<const signature_signer>> make(pkey key, signature_scheme s, hash h) noexcept
    {
        // The object and the shared_ptr's control block are both allocated: either may fail,
        // and neither may escape this noexcept function.
        std::shared_ptr<signature_signer> v;
        try {
            v.reset(new signature_signer());
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        v->key_ = std::move(key);
        v->scheme_ = s;
        v->hash_ = h;
        // Try once now so that an unusable key is refused when built, not when used.
        if (s != signature_scheme::ed25519) {
            EVP_PKEY_CTX* c = detail::make_pkey_ctx(v->key_, s, h, true);
            ERR_clear_error();
            if (!c) return errc::invalid_key;
            EVP_PKEY_CTX_free(c);
        }
        return std::shared_ptr<const signature_signer>(std::move(v));
    }

    /// Largest signature (DER for ECDSA) this key makes.
    std::size_t max_size() const noexcept { return static_cast<std::size_t>(EVP_PKEY_get_size(key_.get())); }

    /** Sign `message` into `out` (at least max_size() bytes); returns the
        length. ECDSA signatures are DER. crypto_failure if OpenSSL fails. */
    result<std::size_t> sign(std::span<const std::byte> message, std::span<std::byte> out) const noexcept
    {
        auto* o = reinterpret_cast<unsigned char*>(out.data());
        std::size_t n = out.size();
        bool ok = false;
        if (scheme_ == signature_scheme::ed25519) {
            EVP_MD_CTX* c = EVP_MD_CTX_new();
            ok = c && EVP_DigestSignInit(c, nullptr, nullptr, nullptr, key_.get()) == 1 &&
                 EVP_DigestSign(c, o, &n, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
            EVP_MD_CTX_free(c);
        } else {
            const digest_value d = digest(hash_, message);
            EVP_PKEY_CTX* c = detail::make_pkey_ctx(key_, scheme_, hash_, true);
            ok = c && d.size != 0 &&
                 EVP_PKEY_sign(c, o, &n, reinterpret_cast<const unsigned char*>(d.bytes.data()), d.size) == 1;
            EVP_PKEY_CTX_free(c);
        }
        if (!ok) {
            ERR_clear_error();
            return errc::crypto_failure;
        }
        return n;
    }

    /// The private key this signer signs with.
    const pkey& key() const noexcept { return key_; }

private:
    signature_signer() = default;
    pkey key_;
    signature_scheme scheme_ = signature_scheme::rsa_pkcs1v15;
    hash hash_ = hash::sha256;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_SIGNATURE_HPP
