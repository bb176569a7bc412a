// apiauth/api_key/presented.hpp — a presented API key that passed the checks needing no store:
// the value between the two I/O-free steps of verification (verify.hpp).
#ifndef APIAUTH_API_KEY_PRESENTED_HPP
#define APIAUTH_API_KEY_PRESENTED_HPP

#include <apiauth/api_key/detail/credential.hpp>
#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

namespace detail {
struct presented_access;
}

/** A presented key whose length, structure, prefix, version and checksum were checked (or,
    with accept_stormpath, a Stormpath pair of the right shape): what the store is asked about.

    Made only by present_api_key, present_api_key_pair and present_basic_api_key; consumed by
    verify_presented_api_key. Owns a copy of the key in an inline buffer (no allocation; a Basic
    pair is decoded straight into it), so the request may go away while the store is awaited;
    the buffer is wiped on destruction. Move-only; not printable: only key_id() is exposed.

    @par Specification research/api-keys.md §8.5 steps 1 to 5.
*/
class presented_api_key {
public:
    presented_api_key(const presented_api_key&) = delete;
    presented_api_key& operator=(const presented_api_key&) = delete;
    presented_api_key& operator=(presented_api_key&&) = delete;
    /// Copies the key (a move of a fixed buffer); the source still wipes its copy when destroyed.
    presented_api_key(presented_api_key&& o) noexcept : format_(o.format_)
    {
        if (format_ == api_key_format::v1)
            v1_.assign(o.v1_.token());
        else
            std::memcpy(stormpath_.data(), o.stormpath_.data(), stormpath_.size());
    }
    ~presented_api_key()
    {
        if (format_ == api_key_format::stormpath) detail::wipe(stormpath_.data(), stormpath_.size());
    }

    /// The store's lookup key: version ‖ keyid (17 characters) for a v1 key, the 25-character id
    /// of a Stormpath pair. Public, safe to log. Views into this object.
    std::string_view key_id() const noexcept
    {
        if (format_ == api_key_format::stormpath) return {stormpath_.data() + detail::domain_legacy.size(), 25};
        const std::string_view t = v1_.token();
        if (t.size() < api_key_min_size) return {};
        return t.substr(t.size() - 67, api_key_id_size);
    }
    /// The grammar the key was read in.
    api_key_format format() const noexcept { return format_; }

private:
    friend struct detail::presented_access;
    presented_api_key() noexcept = default;

    detail::framed_key v1_;                                      // wiped by its destructor
    std::array<char, detail::framed_stormpath_size> stormpath_;  // set for a Stormpath pair only
    api_key_format format_ = api_key_format::v1;
};

namespace detail {

struct presented_access {
    static presented_api_key make() noexcept { return presented_api_key(); }
    static framed_key& framed(presented_api_key& p) noexcept { return p.v1_; }
    static const framed_key& framed(const presented_api_key& p) noexcept { return p.v1_; }
    // `id` is 25 and `secret` 43 octets of the Stormpath grammar (checked by the caller).
    static void set_stormpath(presented_api_key& p, std::string_view id, std::string_view secret) noexcept
    {
        (void)frame_stormpath(id, secret, p.stormpath_.data());
        p.format_ = api_key_format::stormpath;
    }
    // "apikey-legacy:" ‖ id ":" secret
    static std::string_view stormpath(const presented_api_key& p) noexcept
    {
        return {p.stormpath_.data(), p.stormpath_.size()};
    }
};

}  // namespace detail

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_API_KEY_PRESENTED_HPP
