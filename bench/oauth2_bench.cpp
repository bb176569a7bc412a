// bench/oauth2_bench.cpp — the OAuth 2.0 flows of issue 9, each beside what it is measured against:
//
//   oauth2/parse_token_request/apiauth   parse_token_request on a 120-byte body with Basic
//   oauth2/token_endpoint/apiauth        a whole Basic token request → 200 response with an HS256 token
//   oauth2/token_endpoint/floor          the API key MAC (pre-keyed SHA256_CTX, hmac_floor.hpp) and the
//                                        HS256 MAC of a same-sized token, nothing else (target ≤ 3.0×)
//   authenticate/bearer_hs256/apiauth    authenticate_api with a header HS256 access token (target
//                                        ≤ 1.10× authenticate/bearer_hs256/verify_only, and jwt/hs256_verify
//                                        of jwt_bench.cpp in the same run; 0 allocations); also with
//                                        2 threads (target: ≥ 1.9× the throughput of 1)
//   authenticate/bearer_hs256/verify_only  access_token_verifier::verify of the same token
//   authenticate/bearer_{hs256,es256}_cached/apiauth  the same token again with the token cache on
//                                        (target ≤ 150 ns, 0 allocations), beside the uncached ES256 row
//   authenticate/bearer_hs256{,_cached}_key_check/apiauth  the same with api_auth_config::check_token_key
//                                        (one lookup of the token's key in the memory store per request)
//   authenticate/basic_api_key/apiauth   authenticate_api with an API key over Basic, beside
//   authenticate/basic_api_key/verify_only  verify_basic_api_key of the same request (target ≤ 1.10×)
#include "alloc_counter.hpp"
#include "hmac_floor.hpp"

#include <apiauth/api_key.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/jose/sign.hpp>  // key_set::to_public_jwks
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/stores/memory.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace {

using apiauth_bench::fail;
using namespace std::chrono_literals;

struct oauth2_fixture {
    std::array<std::byte, 32> pepper{};
    std::array<std::byte, 32> hs_secret{};
    std::unique_ptr<apiauth::pepper_ring> ring;
    apiauth::stores::memory_api_key_store store;
    std::array<std::string_view, 1> prefixes{"acme_sk"};
    std::string client_token;  // the whole API key
    std::string basic;         // "Basic …" of its pair
    std::array<std::string_view, 1> basic_lines{};
    // 120 octets: the grant, two scopes, an RFC 8707 resource.
    std::string body = "grant_type=client_credentials&scope=items%3Aread+items%3Awrite&resource=https%3A%2F%2Fapi."
                       "example.com%2Fv1%2Fshop%2Fitem";
    // The endpoint's RFC 8707 list: the resource the request names (without a policy, only the
    // issuer's default audience could be named).
    std::array<std::string_view, 1> resources{"https://api.example.com/v1/shop/item"};
    std::optional<apiauth::oauth2::access_token_issuer> issuer;
    std::optional<apiauth::oauth2::access_token_verifier> verifier;
    std::optional<apiauth::oauth2::access_token_issuer> es_issuer;
    std::optional<apiauth::oauth2::access_token_verifier> es_verifier;
    std::string hs_token, es_token;
    std::string hs_bearer, es_bearer;
    std::array<std::string_view, 1> hs_lines{}, es_lines{};
    std::unique_ptr<apiauth_bench::hmac_sha256_floor> key_floor, token_floor;
    std::string key_message;  // "apikey-v1:" ‖ token
    std::string token_input;  // header.claims of hs_token
};

void build(oauth2_fixture& f)
{
    for (std::size_t i = 0; i < 32; ++i) {
        f.pepper[i] = static_cast<std::byte>(0x5A ^ (i * 13 + 1));
        f.hs_secret[i] = static_cast<std::byte>(0xC3 ^ (i * 7 + 3));
    }
    auto ring = apiauth::pepper_ring::make({{1, f.pepper}}, 1);
    if (!ring) fail("pepper_ring::make");
    f.ring = std::make_unique<apiauth::pepper_ring>(std::move(*ring));
    auto g = apiauth::generate_api_key("acme_sk", *f.ring, {.lifetime = 24h * 365});
    if (!g) fail("generate_api_key");
    g->record.scopes = {"items:read", "items:write"};
    f.client_token = g->token.reveal();
    if (!f.store.insert(g->record)) fail("insert");
    const auto k = apiauth::parse_api_key(f.client_token);
    auto b = apiauth::http::encode_oauth_client_basic(k->client_id(), k->client_secret());
    if (!b) fail("encode_oauth_client_basic");
    f.basic = *b;
    f.basic_lines[0] = f.basic;

    auto hk = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, f.hs_secret, "at-1");
    if (!hk) fail("hs256 key");
    auto hk2 = *hk;
    auto i = apiauth::oauth2::access_token_issuer::make(
        std::move(*hk), {.issuer = "https://auth.example.com", .audience = {"https://api.example.com/"}});
    if (!i) fail("issuer");
    f.issuer.emplace(std::move(*i));
    auto v = apiauth::oauth2::access_token_verifier::make(
        apiauth::jose::key_set(std::move(hk2)),
        {.issuer = "https://auth.example.com", .audience = "https://api.example.com/"});
    if (!v) fail("verifier");
    f.verifier.emplace(std::move(*v));

    auto ek = apiauth::jose::key::generate(apiauth::jose::algorithm::es256, "es-1");
    if (!ek) fail("es256 key");
    auto set = apiauth::jose::key_set::from_jwks(apiauth::jose::key_set(*ek).to_public_jwks().dump());
    if (!set) fail("es256 jwks");
    auto ei = apiauth::oauth2::access_token_issuer::make(
        std::move(*ek), {.issuer = "https://auth.example.com", .audience = {"https://api.example.com/"}});
    if (!ei) fail("es issuer");
    f.es_issuer.emplace(std::move(*ei));
    auto ev = apiauth::oauth2::access_token_verifier::make(
        std::move(*set), {.issuer = "https://auth.example.com", .audience = "https://api.example.com/"});
    if (!ev) fail("es verifier");
    f.es_verifier.emplace(std::move(*ev));

    const std::string_view scopes[] = {"items:read", "items:write"};
    const std::string id(k->key_id());
    auto ht = f.issuer->issue({.subject = id, .client_id = id, .scopes = scopes});
    auto et = f.es_issuer->issue({.subject = id, .client_id = id, .scopes = scopes});
    if (!ht || !et) fail("issue");
    f.hs_token = ht->token;
    f.es_token = et->token;
    f.hs_bearer = "Bearer " + f.hs_token;
    f.es_bearer = "Bearer " + f.es_token;
    f.hs_lines[0] = f.hs_bearer;
    f.es_lines[0] = f.es_bearer;

    f.key_floor = std::make_unique<apiauth_bench::hmac_sha256_floor>(std::span<const std::byte>(f.pepper));
    f.token_floor = std::make_unique<apiauth_bench::hmac_sha256_floor>(std::span<const std::byte>(f.hs_secret));
    f.key_message = "apikey-v1:" + f.client_token;
    f.token_input = f.hs_token.substr(0, f.hs_token.rfind('.'));
}

const oauth2_fixture& fixture()
{
    static oauth2_fixture f;
    static const bool ready = (build(f), true);
    (void)ready;
    return f;
}

apiauth::http::request_view token_request(const oauth2_fixture& f)
{
    return {.method = "POST",
            .target = "/oauth/token",
            .authorization = f.basic_lines,
            .content_type = "application/x-www-form-urlencoded",
            .body = f.body};
}

apiauth::http::request_view resource_request(std::span<const std::string_view> lines)
{
    return {.method = "GET", .target = "/api/items", .authorization = lines, .content_type = {}, .body = {}};
}

void check_oauth2()
{
    const auto& f = fixture();
    const auto p = apiauth::oauth2::parse_token_request(token_request(f));
    if (!p || p->grant_type() != "client_credentials") fail("parse_token_request");
    const auto o = apiauth::oauth2::token_endpoint(token_request(f), f.store, *f.ring, *f.issuer,
                                                   {.keys = {.prefixes = f.prefixes}, .resources = f.resources});
    if (o.response.status != 200) fail("token_endpoint");
    const apiauth::api_auth_config cfg{.token = {.keys = {.prefixes = f.prefixes}}};
    if (!apiauth::authenticate_api(resource_request(f.hs_lines), cfg, f.store, *f.ring, *f.verifier))
        fail("authenticate_api hs256");
    if (!apiauth::authenticate_api(resource_request(f.es_lines), cfg, f.store, *f.ring, *f.es_verifier))
        fail("authenticate_api es256");
    if (!apiauth::authenticate_api(resource_request(f.basic_lines), cfg, f.store, *f.ring, *f.verifier))
        fail("authenticate_api basic");
    apiauth::api_auth_config checked = cfg;
    checked.check_token_key = true;
    const auto k = apiauth::authenticate_api(resource_request(f.hs_lines), checked, f.store, *f.ring, *f.verifier);
    if (!k || k.identity->record() == nullptr) fail("authenticate_api hs256 with check_token_key");
    if (f.body.size() != 120) fail("the token request body is not 120 octets");
}
const apiauth_bench::register_check oauth2_checks{check_oauth2};

void parse_token_request(benchmark::State& state)
{
    const auto& f = fixture();
    const auto req = token_request(f);
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::oauth2::parse_token_request(req);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(parse_token_request)->Name("oauth2/parse_token_request/apiauth");

void token_endpoint(benchmark::State& state)
{
    const auto& f = fixture();
    const auto req = token_request(f);
    const apiauth::oauth2::token_endpoint_options opt{.keys = {.prefixes = f.prefixes}, .resources = f.resources};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto o = apiauth::oauth2::token_endpoint(req, f.store, *f.ring, *f.issuer, opt);
        benchmark::DoNotOptimize(o);
    }
    meter.stop(state);
}
BENCHMARK(token_endpoint)->Name("oauth2/token_endpoint/apiauth");

void token_endpoint_floor(benchmark::State& state)
{
    const auto& f = fixture();
    std::array<unsigned char, 32> a{}, b{};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        f.key_floor->compute(reinterpret_cast<const unsigned char*>(f.key_message.data()), f.key_message.size(),
                             a.data());
        f.token_floor->compute(reinterpret_cast<const unsigned char*>(f.token_input.data()), f.token_input.size(),
                               b.data());
        benchmark::DoNotOptimize(a);
        benchmark::DoNotOptimize(b);
    }
    meter.stop(state);
}
BENCHMARK(token_endpoint_floor)->Name("oauth2/token_endpoint/floor");

template <bool Es, bool Cached, bool KeyCheck = false> void bearer(benchmark::State& state)
{
    const auto& f = fixture();
    const auto req = resource_request(Es ? f.es_lines : f.hs_lines);
    const auto& v = Es ? *f.es_verifier : *f.verifier;
    static apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token> cache(
        [](const apiauth::oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at());
        });
    apiauth::api_auth_config cfg{.token = {.keys = {.prefixes = f.prefixes}}};
    if (Cached) cfg.token_cache = &cache;
    cfg.check_token_key = KeyCheck;
    const std::string_view scopes[] = {"items:read"};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto o = apiauth::authenticate_api(req, cfg, f.store, *f.ring, v, scopes);
        benchmark::DoNotOptimize(o);
    }
    meter.stop(state);
}
BENCHMARK(bearer<false, false>)->Name("authenticate/bearer_hs256/apiauth")->Threads(1)->Threads(2);
BENCHMARK(bearer<false, true>)->Name("authenticate/bearer_hs256_cached/apiauth");
BENCHMARK(bearer<true, false>)->Name("authenticate/bearer_es256/apiauth");
BENCHMARK(bearer<true, true>)->Name("authenticate/bearer_es256_cached/apiauth");
BENCHMARK(bearer<false, false, true>)->Name("authenticate/bearer_hs256_key_check/apiauth");
BENCHMARK(bearer<false, true, true>)->Name("authenticate/bearer_hs256_cached_key_check/apiauth");

void bearer_verify_only(benchmark::State& state)
{
    const auto& f = fixture();
    const std::string_view scopes[] = {"items:read"};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.verifier->verify(f.hs_token, scopes);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(bearer_verify_only)->Name("authenticate/bearer_hs256/verify_only");

void basic_api_key(benchmark::State& state)
{
    const auto& f = fixture();
    const auto req = resource_request(f.basic_lines);
    const apiauth::api_auth_config cfg{.token = {.keys = {.prefixes = f.prefixes}}};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto o = apiauth::authenticate_api(req, cfg, f.store, *f.ring, *f.verifier);
        benchmark::DoNotOptimize(o);
    }
    meter.stop(state);
}
BENCHMARK(basic_api_key)->Name("authenticate/basic_api_key/apiauth");

void basic_verify_only(benchmark::State& state)
{
    const auto& f = fixture();
    const auto req = resource_request(f.basic_lines);
    const apiauth::api_key_options opt{.prefixes = f.prefixes};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::verify_basic_api_key(req, f.store, *f.ring, opt);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(basic_verify_only)->Name("authenticate/basic_api_key/verify_only");

}  // namespace
