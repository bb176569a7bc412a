// apiauth/api_key/detail/credential.hpp — internals of api_key/: the presented credential framed
// in one buffer for its MAC and its checksum (v1 and Stormpath), and the MAC helpers.
#ifndef APIAUTH_API_KEY_DETAIL_CREDENTIAL_HPP
#define APIAUTH_API_KEY_DETAIL_CREDENTIAL_HPP

#include <apiauth/api_key/format.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/hmac.hpp>
#include <apiauth/detail/base62.hpp>
#include <apiauth/detail/base64_avx2.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/crc32.hpp>
#include <apiauth/encoding/base64.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

using mac32 = std::array<std::byte, 32>;

inline constexpr std::string_view domain_v1 = "apikey-v1:";
inline constexpr std::string_view domain_legacy = "apikey-legacy:";
inline constexpr std::string_view domain_wrap = "apikey-wrap:";

inline bool finish_mac(crypto::hmac_stream& s, mac32& out) noexcept
{
    const crypto::digest_value d = s.finish();
    if (d.size != out.size()) return false;  // only an OpenSSL failure in the EVP build
    std::memcpy(out.data(), d.bytes.data(), out.size());
    return true;
}

// The inner MAC of the credential presented, in its format's domain.
// A v1 key on its way through verification, in one stack buffer laid out as
//
//     16 zero octets | "apikey-v1:" | token | 4 spare octets
//
// so that (1) the MAC input "apikey-v1:" ‖ token is contiguous and hashed with
// one update (two updates, the domain then the token, cost ~10 ns more: the
// second re-buffers a partial block), and (2) the CRC-32 of the token's first
// n − 6 octets can be folded by the carry-less kernel in whole 16-octet blocks
// straight from the buffer: it starts k ≤ 15 zero octets before the domain,
// from a register that those zeros and the domain turn into the CRC's initial
// value (framed_crc_start), so no table is read at an address a secret octet
// selects. The spare octets take what a SIMD base64 block writes past the end.
// The token is wiped on destruction.
inline constexpr std::size_t frame_lead = 16;

class framed_key {
public:
    static constexpr std::size_t capacity = api_key_max_size + base64_avx2_overwrite;

    framed_key() noexcept
    {
        std::memset(buf_.data(), 0, frame_lead);
        std::memcpy(buf_.data() + frame_lead, domain_v1.data(), domain_v1.size());
    }
    framed_key(const framed_key&) = delete;
    framed_key& operator=(const framed_key&) = delete;
    ~framed_key() { wipe(token_data(), capacity); }

    /// Where the token goes (capacity octets); then set_size.
    char* token_data() noexcept { return buf_.data() + frame_lead + domain_v1.size(); }
    const char* token_data() const noexcept { return buf_.data() + frame_lead + domain_v1.size(); }
    void set_size(std::size_t n) noexcept { size_ = n; }
    void assign(std::string_view token) noexcept
    {
        std::memcpy(token_data(), token.data(), token.size());
        size_ = token.size();
    }

    std::string_view token() const noexcept { return {token_data(), size_}; }
    /// "apikey-v1:" ‖ token
    std::string_view mac_input() const noexcept { return {buf_.data() + frame_lead, domain_v1.size() + size_}; }
    /// CRC-32 of the token without its checksum; the token is at least 7 octets.
    std::uint32_t checksum_crc() const noexcept;

private:
    std::array<char, frame_lead + domain_v1.size() + capacity> buf_;
    std::size_t size_ = 0;
};

#if defined(APIAUTH_CRC32_CLMUL)
// framed_crc_start[k]: the register from which k zero octets and then "apikey-v1:"
// leave 0xFFFFFFFF, the CRC's initial value; found by running the table step
// backwards over the domain, then over the zeros (see crc32_zero_prefix).
inline constexpr std::array<std::uint32_t, 16> framed_crc_start = [] {
    const auto& t0 = crc32_tables[0];
    std::array<std::uint8_t, 256> index_of_top{};
    for (std::size_t i = 0; i < 256; ++i) index_of_top[t0[i] >> 24] = static_cast<std::uint8_t>(i);
    // One step backwards over octet b: the step was c' = t0[(c ^ b) & 0xFF] ^ (c >> 8).
    const auto back = [&](std::uint32_t c, unsigned char b) {
        const std::uint8_t i = index_of_top[c >> 24];
        return ((c ^ t0[i]) << 8) | static_cast<std::uint8_t>(i ^ b);
    };
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t j = domain_v1.size(); j-- > 0;) c = back(c, static_cast<unsigned char>(domain_v1[j]));
    std::array<std::uint32_t, 16> start{};
    for (std::size_t k = 0; k < start.size(); ++k) {
        start[k] = c;
        c = back(c, 0);
    }
    return start;
}();
#endif

inline std::uint32_t framed_key::checksum_crc() const noexcept
{
    const std::size_t m = size_ - 6;  // octets under the CRC
#if defined(APIAUTH_CRC32_CLMUL)
    const std::size_t span = domain_v1.size() + m;  // the domain and those octets
    if (span >= 64 && crc32_clmul_available()) {
        const std::size_t k = (16 - span % 16) % 16;
        return ~crc32_clmul(framed_crc_start[k], buf_.data() + frame_lead - k, k + span);
    }
#endif
    return crc32(std::string_view(token_data(), m));
}

struct v1_credential {
    std::string_view framed;  // "apikey-v1:" ‖ token
    bool mac(const crypto::hmac_key& k, mac32& out) const noexcept
    {
        crypto::hmac_stream s = k.begin();
        s.update(framed);
        return finish_mac(s, out);
    }
};

// The token's checksum against its CRC (§8.5 step 5; see key_checksum_matches).
inline bool framed_checksum_matches(const framed_key& f) noexcept
{
    const std::optional<std::uint32_t> stated = base62_decode6(f.token().substr(f.token().size() - 6));
    const std::uint32_t actual = f.checksum_crc();
    return stated && *stated == actual;
}

// A Stormpath pair's MAC input, "apikey-legacy:" ‖ id ":" secret, kept contiguous
// in the same way.
inline constexpr std::size_t framed_stormpath_size = domain_legacy.size() + 25 + 1 + 43;

struct stormpath_credential {
    std::string_view framed;  // "apikey-legacy:" ‖ id ":" secret
    bool mac(const crypto::hmac_key& k, mac32& out) const noexcept
    {
        crypto::hmac_stream s = k.begin();
        s.update(framed);
        return finish_mac(s, out);
    }
};

// `id` is 25 and `secret` 43 octets (checked by the caller); buf holds framed_stormpath_size.
inline std::string_view frame_stormpath(std::string_view id, std::string_view secret, char* buf) noexcept
{
    char* p = buf;
    std::memcpy(p, domain_legacy.data(), domain_legacy.size());
    p += domain_legacy.size();
    std::memcpy(p, id.data(), id.size());
    p += id.size();
    *p++ = ':';
    std::memcpy(p, secret.data(), secret.size());
    return {buf, domain_legacy.size() + id.size() + 1 + secret.size()};
}

inline bool wrap_mac(const crypto::hmac_key& k, const mac32& inner, mac32& out) noexcept
{
    crypto::hmac_stream s = k.begin();
    s.update(domain_wrap);
    s.update(std::span<const std::byte>(inner));
    return finish_mac(s, out);
}

// Stormpath ids: 25 × [0-9A-Z]; secrets: 43 characters of standard base64 with
// no padding whose last character has zero pad bits (exactly 32 bytes).
constexpr bool valid_stormpath_id(std::string_view id) noexcept
{
    if (id.size() != 25) return false;
    bool ok = true;
    for (const char c : id) ok &= (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    return ok;
}

constexpr bool valid_stormpath_secret(std::string_view s) noexcept
{
    if (s.size() != 43) return false;
    bool ok = true;
    for (const char c : s) ok &= base64_value_ct(c, '+', '/') != 0xFF;  // a secret: no table lookups
    return ok && (base64_value_ct(s[42], '+', '/') & 0x3) == 0;
}
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_API_KEY_DETAIL_CREDENTIAL_HPP
