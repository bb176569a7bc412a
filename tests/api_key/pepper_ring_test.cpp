// Tests for apiauth/api_key/pepper_ring.hpp: research/api-keys.md §9.3 I-28.
//
// Expected values come from outside the code under test: zlib's crc32(), OpenSSL's one-shot HMAC(),
// the published vectors, and a base62 loop written here (api_key_support.hpp).

#include "api_key_support.hpp"

namespace api_key_pepper_ring_test {

using namespace api_key_support;

TEST_CASE("api-keys.md §9.3 I-28: an empty pepper or one under 32 bytes is refused when the ring is built", "[api_key]")
{
    const std::array<std::byte, 31> short_key{};
    const std::array<std::byte, 32> ok_key{};
    CHECK(what(pepper_ring::make({{1, {}}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, short_key}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, ok_key}, {2, short_key}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make(std::span<const pepper>{}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, pepper_v1}, {1, pepper_v2}}, 1)) == what(errc::invalid_configuration));
    CHECK(what(pepper_ring::make({{1, pepper_v1}}, 2)) == what(errc::invalid_configuration));
    CHECK(apiauth::http_status(apiauth::make_error_code(errc::invalid_configuration)) == 500);

    const auto r = pepper_ring::make({{7, ok_key}, {3, pepper_v1}}, 3);
    REQUIRE(r.has_value());
    CHECK(r->size() == 2);
    CHECK(r->current_version() == 3);
    CHECK(r->find(7) != nullptr);
    CHECK(r->find(3) == &r->current());
    CHECK(r->find(4) == nullptr);
    // There is no default pepper: a ring cannot be made without one.
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<pepper_ring>);
}

}  // namespace api_key_pepper_ring_test
