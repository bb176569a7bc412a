// Shared setup of the oauth2 tests: a pepper ring, a store of API key clients that counts its
// lookups, an HS256 access token issuer and the verifier that goes with it.
#ifndef APIAUTH_TESTS_OAUTH2_SUPPORT_HPP
#define APIAUTH_TESTS_OAUTH2_SUPPORT_HPP

#include <apiauth/api_key.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/stores/memory.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oauth2_support {

using namespace std::chrono_literals;

inline const std::string_view prefixes[] = {"acme_sk"};

// The access tokens' issuer and default audience (RFC 9068 §2.2).
inline constexpr std::string_view issuer_name = "https://auth.example.com";
inline constexpr std::string_view audience_name = "https://api.example.com";

// 2026-01-01T00:00:00Z: the clock of every key verification and token here.
inline const std::chrono::sys_seconds t_now{std::chrono::seconds{1767225600}};

inline apiauth::api_key_options policy()
{
    return {.prefixes = prefixes, .now = t_now};
}

inline apiauth::pepper_ring make_ring()
{
    std::array<std::byte, 32> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(0x40 + i);
    auto r = apiauth::pepper_ring::make({{1, p}}, 1);
    REQUIRE(r.has_value());
    return std::move(*r);
}

// A memory store that counts how often it was asked (the unknown-client path must ask too).
struct counting_store {
    apiauth::stores::memory_api_key_store inner;
    mutable std::atomic<int> lookups{0};
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view key_id) const noexcept
    {
        ++lookups;
        return inner.lookup(key_id);
    }
};

// An API key as an OAuth client holds it: the pair, and a wrong secret that passes every check
// before the MAC (same key id, a valid checksum).
struct client {
    std::string key_id, id, secret, wrong_secret;
};

inline std::string basic_header(std::string_view id, std::string_view secret)
{
    auto v = apiauth::http::encode_oauth_client_basic(id, secret);
    REQUIRE(v.has_value());
    return *v;  // already "Basic <token68>"
}

// The claims of a compact JWS, decoded without verification (tests only).
inline nlohmann::json decode_payload(std::string_view jws)
{
    const auto a = jws.find('.'), b = jws.rfind('.');
    auto bytes = apiauth::encoding::base64url::decode(jws.substr(a + 1, b - a - 1));
    REQUIRE(bytes.has_value());
    return nlohmann::json::parse(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

inline std::vector<std::byte> hs256_secret()
{
    std::vector<std::byte> k(32);
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0xA0 ^ i);
    return k;
}

struct client_fixture {
    apiauth::pepper_ring ring = make_ring();
    counting_store store;
    apiauth::oauth2::access_token_issuer issuer = make_issuer();
    apiauth::oauth2::access_token_verifier verifier = make_verifier();
    client reader = add_client({"read", "write"});
    client unknown_client = make_client({}, {}, false);

    static apiauth::oauth2::access_token_issuer make_issuer()
    {
        auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
        REQUIRE(k.has_value());
        auto i = apiauth::oauth2::access_token_issuer::make(
            std::move(*k), {.issuer = std::string(issuer_name), .audience = {std::string(audience_name)}, .clock = [] {
                                return std::chrono::system_clock::time_point(t_now);
                            }});
        REQUIRE(i.has_value());
        return std::move(*i);
    }
    static apiauth::oauth2::access_token_verifier make_verifier()
    {
        auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, hs256_secret(), "at-1");
        REQUIRE(k.has_value());
        auto v = apiauth::oauth2::access_token_verifier::make(
            apiauth::jose::key_set(std::move(*k)),
            {.issuer = std::string(issuer_name), .audience = std::string(audience_name), .clock = [] {
                 return std::chrono::system_clock::time_point(t_now + std::chrono::seconds(5));
             }});
        REQUIRE(v.has_value());
        return std::move(*v);
    }

    client make_client(std::vector<std::string> scopes, std::vector<std::string> grants, bool insert,
                       std::vector<std::string> resources = {})
    {
        auto g = apiauth::generate_api_key("acme_sk", ring, {.now = t_now});
        REQUIRE(g.has_value());
        g->record.scopes = std::move(scopes);
        g->record.grant_types = std::move(grants);
        g->record.resources = std::move(resources);
        g->record.owner = "acct-1";
        const std::string token(g->token.reveal());
        client c;
        c.key_id = g->record.key_id;
        c.id = token.substr(0, token.size() - 50);
        c.secret = token.substr(token.size() - 49);
        auto other = apiauth::rotate_api_key(g->record, ring, t_now, {.now = t_now});
        REQUIRE(other.has_value());
        const std::string other_token(other->token.reveal());
        c.wrong_secret = other_token.substr(other_token.size() - 49);
        REQUIRE(c.wrong_secret != c.secret);
        if (insert) REQUIRE(store.inner.insert(g->record));
        return c;
    }
    client add_client(std::vector<std::string> scopes, std::vector<std::string> grants = {},
                      std::vector<std::string> resources = {})
    {
        return make_client(std::move(scopes), std::move(grants), true, std::move(resources));
    }
    int store_lookups() const { return store.lookups.load(); }
};

}  // namespace oauth2_support

#endif  // APIAUTH_TESTS_OAUTH2_SUPPORT_HPP
