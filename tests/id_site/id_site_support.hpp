// Helpers shared by the ID Site tests: the Stormpath vector's key, tokens signed with exact
// header and payload bytes, a clock the test moves, and stores that fail on purpose.
#ifndef APIAUTH_TESTS_ID_SITE_SUPPORT_HPP
#define APIAUTH_TESTS_ID_SITE_SUPPORT_HPP

#include "../support/jose_support.hpp"

#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace apiauth::test::id_site {

// The client API key of the verified Stormpath vector (research/stormpath-protocol.md §0,
// stormpath-sdk-java DefaultIdSiteCallbackHandlerTest.groovy).
inline const std::string key_id = "2EV70AHRTYF0JOA7OEFO3SM29";
inline const std::string secret = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8";
// Another application's key.
inline const std::string other_key_id = "1S9H13Q61HLJHIVU7N357QI7U";
inline const std::string other_secret = "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ";

inline const std::string app_href = "https://api.stormpath.com/v1/applications/2eqbyZ8qo34eDE4gTo1R93";
inline const std::string account = "https://api.stormpath.com/v1/accounts/7Ora8KfVDEIQP38KzrYdAs";
inline const std::string site = "https://login.example.com";
inline const std::string callback = "https://app.example.com/idsite/callback";

// 2026-01-01T00:00:00Z.
inline constexpr std::int64_t t0 = 1767225600;

// A clock the test moves by hand (atomic: stores may read it from several threads).
struct manual_clock {
    std::atomic<double> seconds{static_cast<double>(t0)};
    void set(double s) { seconds = s; }
    std::function<std::chrono::system_clock::time_point()> fn()
    {
        return [this] {
            return std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::duration<double>(seconds.load())));
        };
    }
};

// A compact JWS over exactly these header and payload bytes, HS256 with `key_secret`.
inline std::string hs256(std::string_view header, std::string_view payload, const std::string& key_secret = secret)
{
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, key_secret);
    REQUIRE(k.has_value());
    auto t = apiauth::detail::sign_encoded(b64(header), apiauth::detail::as_bytes(payload), *k);
    REQUIRE(t.has_value());
    return *t;
}

// The response header Stormpath's login site sent (research §2.1) for `kid`.
inline std::string response_header(const std::string& kid = key_id)
{
    return R"({"typ":"JWT","alg":"HS256","kid":")" + kid + R"("})";
}

// A nonce store whose every call fails as a store outage does.
struct failing_nonce_store {
    apiauth::result<bool> issue(std::string_view, std::chrono::seconds) noexcept
    {
        return apiauth::errc::store_unavailable;
    }
    apiauth::result<bool> consume(std::string_view) noexcept { return apiauth::errc::store_unavailable; }
};

}  // namespace apiauth::test::id_site

#endif  // APIAUTH_TESTS_ID_SITE_SUPPORT_HPP
