// fuzz_api_key — API key parsing and verification (research/api-keys.md §8.1, §8.5).
//
// A small in-memory store holds two v1 keys (T0 of §9.2 and one more) and one imported Stormpath pair.
// The input is tried as a whole token, as a client_id:client_secret pair (split at its first ':'),
// and as an Authorization field ("Basic " + input, and the input as it is). Checks, abort() on failure:
//  - nothing but a stored key verifies: a success is exactly T0, the second key, or the Stormpath
//    pair (or their canonical Basic encodings), and returns that key's record;
//  - every failure is one of the documented errors, and the steps keep their order: what
//    parse_api_key calls malformed, verify_api_key calls malformed; a token parse_api_key accepts
//    passes verification's first five steps unless its prefix is not allow-listed;
//  - parse_api_key accepts exactly the grammar: structure, version '1', and a checksum equal to a
//    bit-by-bit CRC-32 written here, re-encoded in base62;
//  - hash_api_key succeeds exactly when parse_api_key does;
//  - CRC-32 (tables and the carry-less kernel) equals the bit-by-bit CRC on the input;
//  - the Basic fast path decoder (AVX2 blocks and scalar) equals encoding::base64::decode or declines, and
//    verify_basic_api_key (fast path) answers as the general path does.
#include "fuzz_check.hpp"

#include <apiauth/api_key.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/basic.hpp>
#include <apiauth/stores/memory.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using apiauth::errc;
using apiauth::result;
using apiauth::verified_api_key;

constexpr std::string_view T0 = "acme_sk_10123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ4Ji08Y";
constexpr std::string_view sp_id = "2ZFMV4WVVCVG35XATII9T96J7";
constexpr std::string_view sp_secret = "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ";

bool is(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

// CRC-32/ISO-HDLC one bit at a time: the reference the table and carry-less paths are held to.
std::uint32_t crc_bitwise(std::string_view s)
{
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char ch : s) {
        c ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

std::string base62_6(std::uint32_t v)
{
    static constexpr char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string s(6, '0');
    for (int i = 5; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = a[v % 62];
        v /= 62;
    }
    return s;
}

bool lower(char c)
{
    return c >= 'a' && c <= 'z';
}
bool digit(char c)
{
    return c >= '0' && c <= '9';
}
bool b62(char c)
{
    return digit(c) || lower(c) || (c >= 'A' && c <= 'Z');
}

// The §8.1 grammar, written out again without the library's tables.
bool grammar(std::string_view t)
{
    const std::size_t n = t.size();
    if (n < 69 || n > 100 || t[n - 68] != '_' || t[n - 50] != '_') return false;
    for (std::size_t i = n - 67; i < n; ++i)
        if (i != n - 50 && !b62(t[i])) return false;
    const std::string_view prefix = t.substr(0, n - 68);
    std::size_t label = 0;
    for (const char c : prefix) {
        if (c == '_') {
            if (label == 0) return false;
            label = 0;
        } else if (label == 0 ? !lower(c) : !(lower(c) || digit(c))) {
            return false;
        } else if (++label > 16) {
            return false;
        }
    }
    return label != 0;
}

struct world {
    std::array<std::byte, 32> pepper{};
    std::unique_ptr<apiauth::pepper_ring> ring;
    apiauth::stores::memory_api_key_store store;
    std::string second;  // a second stored v1 key
    std::array<std::string_view, 2> prefixes{"acme_sk", "acme_test_sk"};
    apiauth::api_key_options opt;
};

const world& the_world()
{
    static const std::unique_ptr<world> w = [] {
        auto x = std::make_unique<world>();
        for (std::size_t i = 0; i < x->pepper.size(); ++i) x->pepper[i] = static_cast<std::byte>(i);
        auto ring = apiauth::pepper_ring::make({{1, x->pepper}}, 1);
        FUZZ_CHECK(ring.has_value());
        x->ring = std::make_unique<apiauth::pepper_ring>(std::move(*ring));
        const std::chrono::sys_seconds t{std::chrono::seconds{1767225600}};
        auto r0 = apiauth::make_api_key_record(T0, *x->ring, t);
        FUZZ_CHECK(r0.has_value() && x->store.insert(std::move(*r0)));
        const std::string body = "acme_test_sk_1ZYXWVUTSRQPONMLK_0123456789abcdefghijABCDEFGHIJ0123456789abc";
        x->second = body + base62_6(crc_bitwise(body));
        auto r1 = apiauth::make_api_key_record(x->second, *x->ring, t);
        FUZZ_CHECK(r1.has_value() && x->store.insert(std::move(*r1)));
        auto sp = apiauth::import_stormpath_api_key(sp_id, sp_secret, *x->ring, t);
        FUZZ_CHECK(sp.has_value() && x->store.insert(std::move(*sp)));
        x->opt = {.prefixes = x->prefixes, .now = t, .accept_stormpath = true};
        return x;
    }();
    return *w;
}

bool is_token_error(const std::error_code& ec)
{
    return is(ec, errc::api_key_malformed) || is(ec, errc::api_key_unknown_prefix) ||
           is(ec, errc::api_key_unsupported_version) || is(ec, errc::api_key_bad_checksum) ||
           is(ec, errc::api_key_not_found) || is(ec, errc::api_key_bad_secret);
}

// A success must be one of the stored keys, with its own record.
void check_success(const result<verified_api_key>& r, std::string_view presented_id)
{
    FUZZ_CHECK(r->record() != nullptr);
    FUZZ_CHECK(r->record()->key_id == presented_id);
    FUZZ_CHECK(!r->matched_previous() && !r->needs_rehash());
}

void check_token(std::string_view token)
{
    const world& w = the_world();
    const auto parsed = apiauth::parse_api_key(token);
    const auto verified = apiauth::verify_api_key(token, w.store, *w.ring, w.opt);
    const auto hashed = apiauth::hash_api_key(token, *w.ring);
    FUZZ_CHECK(hashed.has_value() == parsed.has_value());

    // parse_api_key accepts exactly the grammar with version '1' and the right checksum.
    const bool shape = grammar(token);
    const bool version = shape && token[token.size() - 67] == '1';
    const bool checksum =
        shape && base62_6(crc_bitwise(token.substr(0, token.size() - 6))) == token.substr(token.size() - 6);
    FUZZ_CHECK(parsed.has_value() == (version && checksum));
    if (!parsed) {
        const std::error_code& e = parsed.error();
        FUZZ_CHECK(is(e, errc::api_key_malformed) == !shape);
        FUZZ_CHECK(is(e, errc::api_key_unsupported_version) == (shape && !version));
        FUZZ_CHECK(is(e, errc::api_key_bad_checksum) == (version && !checksum));
        FUZZ_CHECK(hashed.error() == e);
    } else {
        FUZZ_CHECK(parsed->token() == token);
        FUZZ_CHECK(parsed->key_id().size() == 17 && parsed->client_secret().size() == 49);
        FUZZ_CHECK(std::string(parsed->client_id()) + "_" + std::string(parsed->client_secret()) == token);
    }

    // Verification: the steps in order, and nothing but a stored key.
    if (verified) {
        FUZZ_CHECK(token == T0 || token == w.second);
        check_success(verified, token.substr(token.size() - 67, 17));
        return;
    }
    const std::error_code& e = verified.error();
    FUZZ_CHECK(is_token_error(e));
    if (!shape) FUZZ_CHECK(is(e, errc::api_key_malformed));
    if (shape) {
        const std::string_view prefix = token.substr(0, token.size() - 68);
        const bool allowed = prefix == "acme_sk" || prefix == "acme_test_sk";
        FUZZ_CHECK(is(e, errc::api_key_unknown_prefix) == !allowed);
        if (allowed) {
            FUZZ_CHECK(is(e, errc::api_key_unsupported_version) == !version);
            if (version) FUZZ_CHECK(is(e, errc::api_key_bad_checksum) == !checksum);
            if (parsed) FUZZ_CHECK(is(e, errc::api_key_not_found) || is(e, errc::api_key_bad_secret));
        }
    }
}

void check_pair(std::string_view input)
{
    const world& w = the_world();
    const std::size_t colon = input.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view id = input.substr(0, colon), secret = input.substr(colon + 1);
    const auto r = apiauth::verify_api_key_pair(id, secret, w.store, *w.ring, w.opt);
    if (r) {
        const bool legacy = id == sp_id && secret == sp_secret;
        const std::string token = std::string(id) + "_" + std::string(secret);
        FUZZ_CHECK(legacy || token == T0 || token == w.second);
        check_success(r, legacy ? id : std::string_view(token).substr(token.size() - 67, 17));
    } else {
        FUZZ_CHECK(is_token_error(r.error()));
    }
}

void check_basic(std::string_view field)
{
    const world& w = the_world();
    const std::string_view one[] = {field};
    const apiauth::http::request_view req{.authorization = one};
    apiauth::detail::no_observer obs;
    const auto fast = apiauth::verify_basic_api_key(req, w.store, *w.ring, w.opt);
    const auto general = apiauth::detail::verify_basic_general(req, w.store, *w.ring, w.opt, obs);
    FUZZ_CHECK(fast.has_value() == general.has_value());
    if (!fast) {
        FUZZ_CHECK(fast.error() == general.error());
        return;
    }
    FUZZ_CHECK(fast->record() == general->record());
    const auto c = apiauth::http::extract_basic(req, {.charset = apiauth::http::charset_policy::octets});
    FUZZ_CHECK(c.has_value());
    const bool legacy = c->user_id() == sp_id && c->password() == sp_secret;
    const std::string token = std::string(c->user_id()) + "_" + std::string(c->password());
    FUZZ_CHECK(legacy || token == T0 || token == w.second);
}

void check_decoders(std::string_view input)
{
    // CRC: every path equals the bit-by-bit reference.
    const std::uint32_t want = crc_bitwise(input);
    FUZZ_CHECK(apiauth::detail::crc32(input) == want);
    FUZZ_CHECK(~apiauth::detail::crc32_raw(~0u, input.data(), input.size()) == want);

    // The Basic fast path decoder, both ways, against the strict decoder.
    const std::string field = "Basic " + std::string(input);
    std::array<char, apiauth::detail::basic_pair_buffer_size> a{}, b{};
    const std::size_t na = apiauth::detail::decode_basic_pair(field, a, true);
    const std::size_t nb = apiauth::detail::decode_basic_pair(field, b, false);
    FUZZ_CHECK(na == nb);
    if (na == 0) return;
    FUZZ_CHECK(std::string_view(a.data(), na) == std::string_view(b.data(), nb));
    const auto strict = apiauth::encoding::base64::decode(input);
    FUZZ_CHECK(strict && *strict == std::string_view(a.data(), na));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_token(input);
    check_pair(input);
    check_basic("Basic " + std::string(input));
    check_basic(input);
    check_decoders(input);
    return 0;
}
