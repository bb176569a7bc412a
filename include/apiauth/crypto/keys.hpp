// apiauth/crypto/keys.hpp — an owning, shareable EVP_PKEY, loaded once.
#ifndef APIAUTH_CRYPTO_KEYS_HPP
#define APIAUTH_CRYPTO_KEYS_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>
#include <string_view>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto {

/** A reference-counted OpenSSL key (EVP_PKEY_up_ref on copy, EVP_PKEY_free
    on destruction). Copies share one parsed key; OpenSSL keys are safe to
    use from many threads for signing and verification. */
class pkey {
public:
    pkey() noexcept = default;
    /// Takes ownership of `p` (may be null).
    explicit pkey(EVP_PKEY* p) noexcept : p_(p) {}
    /// Shares `o`'s key (one more reference).
    pkey(const pkey& o) noexcept : p_(o.p_)
    {
        if (p_) EVP_PKEY_up_ref(p_);
    }
    /// Shares `o`'s key, releasing the one held before.
    pkey& operator=(const pkey& o) noexcept
    {
        pkey t(o);
        std::swap(p_, t.p_);
        return *this;
    }
    /// Takes over `o`'s reference; `o` becomes empty.
    pkey(pkey&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    /// Exchanges the keys of this and `o`.
    pkey& operator=(pkey&& o) noexcept
    {
        std::swap(p_, o.p_);
        return *this;
    }
    ~pkey() { EVP_PKEY_free(p_); }

    /// The OpenSSL key, still owned by this object (null when empty).
    EVP_PKEY* get() const noexcept { return p_; }
    /// True when a key is held.
    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// EVP_PKEY_RSA, EVP_PKEY_RSA_PSS, EVP_PKEY_EC, EVP_PKEY_ED25519, …
    int type() const noexcept { return p_ ? EVP_PKEY_get_base_id(p_) : 0; }
    /// Size in bits: the RSA modulus, the EC group order, 253 for Ed25519.
    int bits() const noexcept { return p_ ? EVP_PKEY_get_bits(p_) : 0; }

private:
    EVP_PKEY* p_ = nullptr;
};

/** A key read from PEM, and whether it holds private material. */
struct loaded_key {
    pkey key;                 ///< the parsed key
    bool is_private = false;  ///< true when the PEM held private material
};

/** Read one key from PEM: a "PUBLIC KEY" (SubjectPublicKeyInfo), or a
    private key ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY";
    unencrypted). Other PEM blocks, encrypted keys and garbage are
    invalid_key. Runs once per key; never on a verification path. */
inline result<loaded_key> load_pem(std::string_view pem) noexcept
{
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) return errc::invalid_key;
    const auto read = [&](bool priv) -> EVP_PKEY* {
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        if (!bio) return nullptr;
        // A null password callback with an empty password: encrypted keys fail instead of prompting.
        static char empty[] = "";
        EVP_PKEY* k = priv ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, empty)
                           : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, empty);
        BIO_free(bio);
        return k;
    };
    EVP_PKEY* pub = read(false);
    EVP_PKEY* priv = pub ? nullptr : read(true);
    ERR_clear_error();  // a failed attempt leaves entries on the thread's error queue
    if (pub) return loaded_key{pkey(pub), false};
    if (priv) return loaded_key{pkey(priv), true};
    return errc::invalid_key;
}

/** EVP_PKEY_public_check: the point is on the curve and not the identity, the
    RSA modulus and exponent are sane. OpenSSL's own check. */
inline bool public_check(const pkey& k) noexcept
{
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr);
    if (!c) return false;
    const bool ok = EVP_PKEY_public_check(c) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::crypto

#endif  // APIAUTH_CRYPTO_KEYS_HPP
