// apiauth/api_key/pepper_ring.hpp — the versioned server-side keys ("peppers") of API key
// verifiers.
#ifndef APIAUTH_API_KEY_PEPPER_RING_HPP
#define APIAUTH_API_KEY_PEPPER_RING_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/error.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <system_error>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/// One pepper given to pepper_ring::make: a version number and at least 32 secret bytes.
struct pepper {
    std::uint32_t version = 0;         ///< the version records name (api_key_verifier::pepper_version)
    std::span<const std::byte> key{};  ///< the secret pepper; copied into the ring
};

/** The versioned server-side keys ("peppers") of the API key verifiers.

    Built once at startup by make(); then immutable and safe to share
    between threads. Each pepper is keyed once into an hmac_key, whose
    state is wiped on destruction; the ring keeps no other copy. There is
    no default pepper. Records under a version other than the current one
    still verify, and are reported for rehashing.

    @par Specification research/api-keys.md §3.3, §8.7; NIST SP 800-63B §5.1.2.2.
*/
class pepper_ring {
public:
    /// Shortest pepper accepted, in bytes.
    static constexpr std::size_t min_pepper_size = 32;

    /** A ring of `peppers` whose `current` version keys new verifiers.

        Refuses, with invalid_configuration: no pepper; a pepper shorter
        than 32 bytes; two peppers with one version; a `current` that is
        not among them. crypto_failure if OpenSSL cannot key an HMAC (EVP
        build). Throws std::bad_alloc only.
    */
    static result<pepper_ring> make(std::span<const pepper> peppers, std::uint32_t current)
    {
        if (peppers.empty()) return errc::invalid_configuration;
        bool has_current = false;
        for (std::size_t i = 0; i < peppers.size(); ++i) {
            if (peppers[i].key.size() < min_pepper_size) return errc::invalid_configuration;
            for (std::size_t j = 0; j < i; ++j)
                if (peppers[j].version == peppers[i].version) return errc::invalid_configuration;
            has_current = has_current || peppers[i].version == current;
        }
        if (!has_current) return errc::invalid_configuration;
        pepper_ring ring;
        ring.entries_.reserve(peppers.size());
        for (const pepper& p : peppers) {
            try {
                ring.entries_.push_back({p.version, crypto::hmac_key(crypto::hash::sha256, p.key)});
            } catch (const std::system_error& e) {
                return e.code();
            }
            if (p.version == current) ring.current_ = ring.entries_.size() - 1;
        }
        return ring;
    }

    /// As the overload above, from a braced list of peppers.
    static result<pepper_ring> make(std::initializer_list<pepper> peppers, std::uint32_t current)
    {
        return make(std::span<const pepper>(peppers.begin(), peppers.size()), current);
    }

    /// The version new verifiers are made under.
    std::uint32_t current_version() const noexcept { return entries_[current_].version; }
    /// The HMAC key of the current version.
    const crypto::hmac_key& current() const noexcept { return entries_[current_].key; }
    /// The HMAC key of `version`, or nullptr if the ring does not hold it.
    const crypto::hmac_key* find(std::uint32_t version) const noexcept
    {
        for (const entry& e : entries_)
            if (e.version == version) return &e.key;
        return nullptr;
    }
    /// Number of peppers (0 only for a moved-from ring).
    std::size_t size() const noexcept { return entries_.size(); }

private:
    pepper_ring() = default;
    struct entry {
        std::uint32_t version;
        crypto::hmac_key key;
    };
    std::vector<entry> entries_;
    std::size_t current_ = 0;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_PEPPER_RING_HPP
