// apiauth/detail/ecdsa_der.hpp — ECDSA signatures between JOSE's R‖S and DER.
#ifndef APIAUTH_DETAIL_ECDSA_DER_HPP
#define APIAUTH_DETAIL_ECDSA_DER_HPP

#include <apiauth/config.hpp>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Largest DER for a P-521 signature: SEQUENCE(3) + 2 × INTEGER(2 + 67).
inline constexpr std::size_t ecdsa_der_max = 3 + 2 * (2 + 67);

// Appends DER INTEGER for the unsigned big-endian `v` (minimal: leading zero
// octets dropped, one 0x00 added when the top bit is set; zero is 02 01 00).
inline std::size_t der_integer(std::span<const std::byte> v, unsigned char* out) noexcept
{
    std::size_t i = 0;
    while (i + 1 < v.size() && v[i] == std::byte{0}) ++i;
    const auto* p = reinterpret_cast<const unsigned char*>(v.data()) + i;
    const std::size_t n = v.size() - i;
    const bool pad = n != 0 && (p[0] & 0x80) != 0;
    std::size_t o = 0;
    out[o++] = 0x02;
    out[o++] = static_cast<unsigned char>(n + (pad ? 1 : 0));
    if (pad) out[o++] = 0x00;
    for (std::size_t k = 0; k < n; ++k) out[o++] = p[k];
    return o;
}

// JOSE R‖S (RFC 7518 §3.4: two big-endian integers of the same fixed size)
// to the DER ECDSA-Sig-Value OpenSSL verifies. `rs.size()` is 2 × coordinate
// size (≤ 132); `out` holds ecdsa_der_max bytes. Written by hand because it is
// on the verification path and OpenSSL's route (ECDSA_SIG + two BIGNUMs +
// i2d) allocates; tests compare it with i2d_ECDSA_SIG. OpenSSL range-checks
// r and s when it verifies.
inline std::size_t ecdsa_rs_to_der(std::span<const std::byte> rs, unsigned char* out) noexcept
{
    const std::size_t half = rs.size() / 2;
    unsigned char body[ecdsa_der_max];
    std::size_t n = der_integer(rs.first(half), body);
    n += der_integer(rs.subspan(half), body + n);
    std::size_t o = 0;
    out[o++] = 0x30;
    if (n >= 0x80) out[o++] = 0x81;  // long form: P-521 bodies reach 138 octets
    out[o++] = static_cast<unsigned char>(n);
    for (std::size_t k = 0; k < n; ++k) out[o++] = body[k];
    return o;
}

// DER from OpenSSL's signer to JOSE R‖S with each integer left-padded to
// `coordinate` bytes. False if the DER does not parse or a value is too long.
inline bool ecdsa_der_to_rs(std::span<const std::byte> der, std::size_t coordinate, std::span<std::byte> out) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (!sig) return false;
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    const bool ok = out.size() >= 2 * coordinate && BN_bn2binpad(r, o, static_cast<int>(coordinate)) > 0 &&
                    BN_bn2binpad(s, o + coordinate, static_cast<int>(coordinate)) > 0;
    ECDSA_SIG_free(sig);
    return ok;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_ECDSA_DER_HPP
