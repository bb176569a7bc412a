// Helpers shared by the JOSE tests: error names Catch can print, base64url, token segments.
#ifndef APIAUTH_TESTS_JOSE_SUPPORT_HPP
#define APIAUTH_TESTS_JOSE_SUPPORT_HPP

#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwt.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace apiauth::test {

/// "ok", or the name of the error (errc name, else category:message), so that Catch prints it.
template <class R> std::string outcome(const R& r)
{
    if (r) return "ok";
    const std::string_view n = apiauth::error_name(r.error());
    return n.empty() ? std::string(r.error().category().name()) + ":" + r.error().message() : std::string(n);
}

/// A verifier clock stopped at `seconds` since the epoch (fractions kept: NumericDate, RFC 7519 §2).
inline apiauth::jose::jwt::clock_function clock_at(double seconds)
{
    return [seconds] {
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
    };
}

inline std::string name(apiauth::errc e)
{
    return std::string(apiauth::error_name(e));
}

inline std::string b64(std::string_view s)
{
    return apiauth::encoding::base64url::encode(s);
}

inline std::string b64d(std::string_view s)
{
    auto r = apiauth::encoding::base64url::decode(s);
    REQUIRE(r.has_value());
    return *r;
}

/// The three segments of a compact JWS, to be changed one at a time.
struct segments {
    std::string header, payload, signature;
    std::string join() const { return header + "." + payload + "." + signature; }
};

inline segments split(std::string_view t)
{
    const auto d1 = t.find('.');
    const auto d2 = t.find('.', d1 + 1);
    REQUIRE(d1 != std::string_view::npos);
    REQUIRE(d2 != std::string_view::npos);
    return {std::string(t.substr(0, d1)), std::string(t.substr(d1 + 1, d2 - d1 - 1)), std::string(t.substr(d2 + 1))};
}

}  // namespace apiauth::test

#endif
