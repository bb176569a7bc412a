// bench/header_bench.cpp — the Authorization header hot paths.
#include "alloc_counter.hpp"
#include "boost_url_credentials.hpp"

#include <apiauth/crypto/hmac.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/request.hpp>
#if __has_include(<apiauth/http/form.hpp>)
#include <apiauth/http/form.hpp>
#endif

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;

struct header_fixture {
    std::string jwt;          // a real HS256 JWT, 260 characters
    std::string bearer;       // "Bearer " + jwt
    std::string basic_token;  // base64 of a 45-octet "key-id:secret": 60 characters
    std::array<std::string_view, 1> authorization{};
    apiauth::http::request_view request;
};

constexpr std::string_view basic_user = "ak_live_7Qm2xV9pL4sN8rT1";
constexpr std::string_view basic_password = "Zk3vB8nW5yH2jD6fQ9cX";

void build_fixture(header_fixture& f)
{
    // Header and claims of an access token as the library's verifier would see it.
    const std::string_view header = R"({"alg":"HS256","typ":"JWT"})";
    const std::string_view claims = R"({"iss":"https://api.example.com","sub":"acct_7f3k2p9q","aud":"api.example.com",)"
                                    R"("exp":1767225600,"iat":1767222000,"jti":"4f1c9e2b7a3d"})";
    const std::string signing_input =
        apiauth::encoding::base64url::encode(header) + "." + apiauth::encoding::base64url::encode(claims);
    const apiauth::crypto::hmac_key key(apiauth::crypto::hash::sha256, std::string(32, 'k'));
    const apiauth::crypto::digest_value tag = key.compute(signing_input);
    f.jwt = signing_input + "." + apiauth::encoding::base64url::encode(tag.span());
    f.bearer = "Bearer " + f.jwt;
    f.basic_token = apiauth::encoding::base64::encode(std::string(basic_user) + ":" + std::string(basic_password));
    f.authorization[0] = f.bearer;
    f.request = apiauth::http::request_view{.method = "GET",
                                            .target = "/api/items?limit=10",
                                            .authorization = std::span<const std::string_view>(f.authorization),
                                            .content_type = {},
                                            .body = {}};
}

// Built on first use, which main() arranges to be after the allocator is installed.
const header_fixture& fixture()
{
    static header_fixture f;
    static const bool ready = (build_fixture(f), true);
    (void)ready;
    return f;
}

// ---- header/decode_basic/floor ----------------------------------------------------
//
// The checks decode_basic makes on the same bytes, without the owning result
// (BENCHMARKS.md, "decode_basic"): strict base64 in one pass (the alphabet check
// folded into the decoding loop), the split at ':', and one 8-octets-a-step test
// for "ASCII and no CTL", which settles both the CTL rule and the UTF-8 rule
// (otherwise the library's has_ctl and is_utf8 decide). The octets go to a stack
// buffer that is wiped afterwards, as decode_basic's result wipes its own.

// Decodes a padding-free token68 (a multiple of 4 characters, the common case);
// anything else goes to the library's decoder, which also names errors.
std::size_t floor_base64(std::string_view in, unsigned char* out, std::size_t cap) noexcept
{
    const auto& dec = apiauth::detail::std_alphabet.dec;
    const auto* s = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    if (n == 0 || n % 4 != 0 || in[n - 1] == '=' || n / 4 * 3 > cap) {
        auto r = apiauth::encoding::base64::decode(in, {reinterpret_cast<std::byte*>(out), cap});
        return r ? *r : static_cast<std::size_t>(-1);
    }
    std::uint8_t bad = 0;
    std::size_t w = 0;
    for (std::size_t i = 0; i < n; i += 4) {
        const std::uint8_t a = dec[s[i]], b = dec[s[i + 1]], c = dec[s[i + 2]], d = dec[s[i + 3]];
        bad = static_cast<std::uint8_t>(bad | a | b | c | d);
        const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
        out[w++] = static_cast<unsigned char>(v >> 16);
        out[w++] = static_cast<unsigned char>(v >> 8);
        out[w++] = static_cast<unsigned char>(v);
    }
    return (bad & 0x80) != 0 ? static_cast<std::size_t>(-1) : w;
}

// True when every octet is in %x20-7E: then there is no CTL and the text is UTF-8.
bool printable_ascii(std::string_view s) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    std::uint64_t acc = 0;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        const std::uint64_t del = x ^ (0x7F * ones);                  // a 0x7F octet becomes 0x00
        acc |= x | ((x - 0x20 * ones) & ~x) | ((del - ones) & ~del);  // high bit: >= 0x80, < 0x20, == 0x7F
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) return false;
        acc |= c;
    }
    return (acc & high) == 0;
}

struct floor_basic_result {
    std::size_t user_len = 0;
    std::size_t pass_len = 0;
    bool ok = false;
};

// `seen`, for the startup check only: receives the decoded octets before the wipe.
floor_basic_result floor_decode_basic(std::string_view token68, std::string* seen = nullptr) noexcept
{
    floor_basic_result r;
    unsigned char buf[128];
    const std::size_t n = floor_base64(token68, buf, sizeof buf);
    if (n == static_cast<std::size_t>(-1)) {
        apiauth::detail::wipe(buf, sizeof buf);
        return r;
    }
    const std::string_view all(reinterpret_cast<const char*>(buf), n);
    const std::size_t colon = all.find(':');
    if (colon != std::string_view::npos &&
        (printable_ascii(all) || (!apiauth::detail::has_ctl(all) && apiauth::detail::is_utf8(all.substr(0, colon)) &&
                                  apiauth::detail::is_utf8(all.substr(colon + 1)))))
        r = {colon, n - colon - 1, true};
    if (seen != nullptr) seen->assign(all);
    apiauth::detail::wipe(buf, n);
    return r;
}

void check_headers()
{
    using apiauth_bench::fail;
    const header_fixture& f = fixture();
    if (f.jwt.size() != 260) fail("the JWT is not 260 characters");
    if (f.basic_token.size() != 60) fail("the Basic token68 is not 60 characters");

    const auto c = apiauth::http::parse_credentials(f.bearer);
    if (!c || !c->is("Bearer") || c->token68 != f.jwt) fail("parse_credentials on the JWT");

    const auto b = apiauth::http::extract_bearer(f.request);
    if (!b || b->value() != f.jwt || b->method() != apiauth::http::bearer_method::header) fail("extract_bearer");

    const auto d = apiauth::http::decode_basic(f.basic_token);
    if (!d || d->user_id() != basic_user || d->password() != basic_password) fail("decode_basic");

    std::string seen;
    const floor_basic_result fr = floor_decode_basic(f.basic_token, &seen);
    if (!fr.ok || seen.substr(0, fr.user_len) != basic_user || seen.substr(fr.user_len + 1) != basic_password)
        fail("decode_basic floor");
    for (const std::string_view bad : {"YWJj"sv, "YTpi\x01"sv, "YToBYg=="sv, "YTpi/w=="sv, "YTp/"sv, "YTpi!mM="sv}) {
        // no colon; bad character; a CTL; invalid UTF-8; DEL; bad character in a padded token
        if (floor_decode_basic(bad).ok || apiauth::http::decode_basic(bad))
            fail("decode_basic floor accepts bad input");
    }

    // The Boost.URL-grammar peer must agree with parse_credentials on the token68 form.
    const std::string cases[] = {f.bearer,         "Bearer mF_9.B5f-4.1JqM", "bearer   abc==",
                                 " \tBearer x\t ", "Basic " + f.basic_token, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                                 "Negotiate"};
    for (const std::string& s : cases) {
        const auto want = apiauth::http::parse_credentials(s);
        const auto got = apiauth_bench::url_grammar::parse_credentials(s);
        if (!want || !got || want->scheme != got->scheme || want->token68 != got->token68)
            fail("Boost.URL grammar parser disagrees with parse_credentials");
    }
    for (const std::string_view s : {"Bearer a b"sv, "Bearer\tx"sv, "Bearer =abc"sv, "Be@rer x"sv, ""sv}) {
        if (apiauth::http::parse_credentials(s) || apiauth_bench::url_grammar::parse_credentials(s))
            fail("an invalid token68 credentials value was accepted");
    }
}

const apiauth_bench::register_check check{check_headers};

// ---- benchmarks --------------------------------------------------------------

void parse_bearer_jwt(benchmark::State& state)
{
    const std::string_view field = fixture().bearer;
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::parse_credentials(field);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(parse_bearer_jwt)->Name("header/parse_bearer_jwt");

void parse_bearer_jwt_boost_url(benchmark::State& state)
{
    const std::string_view field = fixture().bearer;
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth_bench::url_grammar::parse_credentials(field);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(parse_bearer_jwt_boost_url)->Name("header/parse_bearer_jwt/boost_url_grammar");

void extract_bearer(benchmark::State& state)
{
    const apiauth::http::request_view& req = fixture().request;
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::extract_bearer(req);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(extract_bearer)->Name("header/extract_bearer");

void decode_basic(benchmark::State& state)
{
    const std::string_view token = fixture().basic_token;
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::decode_basic(token);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(decode_basic)->Name("header/decode_basic");

void decode_basic_floor(benchmark::State& state)
{
    const std::string_view token = fixture().basic_token;
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = floor_decode_basic(token);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(decode_basic_floor)->Name("header/decode_basic/floor");

// ---- OAuth client credentials in Basic, and form bodies (RFC 6749 §2.3.1, App. B) ----------

// The AppAuth vector of research/http-auth-oauth2-spec.md §4.2: both halves carry %XX escapes and '+'.
constexpr std::string_view appauth_token =
    "MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA==";

void decode_oauth_client_basic(benchmark::State& state)
{
    const std::string_view token = fixture().basic_token;  // nothing to unescape: the usual case
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::decode_oauth_client_basic(token);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(decode_oauth_client_basic)->Name("header/decode_oauth_client_basic");

void decode_oauth_client_basic_escaped(benchmark::State& state)
{
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::decode_oauth_client_basic(appauth_token);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(decode_oauth_client_basic_escaped)->Name("header/decode_oauth_client_basic/escaped");

// RFC 6750 §2.2: the JWT in a form body next to two other parameters.
const apiauth::http::request_view& body_request()
{
    static const std::string body = "lang=en&access_token=" + fixture().jwt + "&state=af0ifjsldkj";
    static const apiauth::http::request_view req{.method = "POST",
                                                 .target = "/api/items",
                                                 .authorization = {},
                                                 .content_type = "application/x-www-form-urlencoded",
                                                 .body = body};
    return req;
}

void extract_bearer_form_body(benchmark::State& state)
{
    const apiauth::http::request_view& req = body_request();
    const apiauth::http::bearer_options opt{.allow_form_body = true};
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = apiauth::http::extract_bearer(req, opt);
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(extract_bearer_form_body)->Name("header/extract_bearer/form_body");

#if __has_include(<apiauth/http/form.hpp>)
// An RFC 6749 §4.4.2 token request body with client credentials in it (§2.3.1), about 100 octets (116):
// parse_form (bounds, grammar, UTF-8, duplicates), then find and decode three values into a stack buffer.
constexpr std::string_view token_request_body = "grant_type=client_credentials&scope=read+write%3Aitems"
                                                "&client_id=ak_live_7Qm2xV9pL4&client_secret=Zk3vB8nW5yH2%2B%2F";

void parse_form_token_request(benchmark::State& state)
{
    const apiauth_bench::alloc_meter meter;
    std::array<char, 128> buf{};
    for (auto _ : state) {
        auto form = apiauth::http::parse_form(token_request_body);
        std::size_t total = 0;
        for (const std::string_view name : {"grant_type", "scope", "client_secret"}) {
            const auto v = form->find(name);
            const auto n = apiauth::http::decode_form_component(*v, buf);
            total += *n;
            benchmark::DoNotOptimize(buf.data());
        }
        benchmark::DoNotOptimize(total);
    }
    meter.stop(state);
}
BENCHMARK(parse_form_token_request)->Name("form/parse_token_request_body");
#endif

}  // namespace
