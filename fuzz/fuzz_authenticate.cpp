// fuzz_authenticate — apiauth::authenticate_api (issue 9) on whole requests built from the input:
// the Basic API key path, the token endpoint, and Bearer access tokens (header, body, query).
//
// Input: one control byte, then LF-separated fields:
//     <ctl> method LF target LF authorization-line… LF content-type LF body
// ctl & 3 is the number of Authorization lines (0-3); ctl & 4 allows the form-body method, ctl & 8
// the query method; ctl & 16 turns the token cache on; ctl & 32 requires the scope "items:read";
// ctl & 64 gives the token endpoint a list of RFC 8707 resources, ctl & 128 a resource function.
// @KEY@ and @KEY2@ expand to the Basic credentials of two clients; the second's record allows
// tokens for https://rs/ledger only.
// The store holds one API key; the verifier trusts one HS256 key. "@KEY@" in a field becomes the
// Basic credentials of that key and "@TOKEN@" a valid access token for it, so the fuzzer reaches
// the accepting paths too. Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - an outcome is either an identity (and then no error, an empty response) or a response whose
//    status is http_status(error) at its endpoint, or the token endpoint's own answer;
//  - every 401 carries a WWW-Authenticate field, every 405 an Allow field;
//  - an identity from a token holds the required scope and names the stored key;
//  - a Bearer request's error is what extract_bearer, then the verifier, give (no shortcut
//    changes an answer);
//  - resource_not_allowed only when a resource policy is set (the endpoint's, or the second
//    client's record), or, with none, when a resource other than the default audience is named.
#include "fuzz_check.hpp"

#include <apiauth/api_key.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/stores/memory.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct world {
    std::array<std::byte, 32> pepper{};
    std::optional<apiauth::pepper_ring> ring;
    apiauth::stores::memory_api_key_store store;
    std::array<std::string_view, 1> prefixes{"acme_sk"};
    std::optional<apiauth::oauth2::access_token_issuer> issuer;
    std::optional<apiauth::oauth2::access_token_verifier> verifier;
    std::optional<apiauth::oauth2::verified_token_cache<apiauth::oauth2::verified_access_token>> cache;
    apiauth::stores::memory_revocation_store revoked{64};
    std::string key_id, basic, token;
    // A second client whose record restricts its tokens to one RFC 8707 resource.
    std::string key_id2, client_id2, basic2;
};

void build(world& x)
{
    for (std::size_t i = 0; i < 32; ++i) x.pepper[i] = static_cast<std::byte>(i * 5 + 1);
    x.ring.emplace(*apiauth::pepper_ring::make({{1, x.pepper}}, 1));
    auto g = apiauth::generate_api_key("acme_sk", *x.ring, {});
    g->record.scopes = {"items:read"};
    x.key_id = g->record.key_id;
    FUZZ_CHECK(x.store.insert(g->record));
    const auto k = apiauth::parse_api_key(g->token.reveal());
    x.basic = *apiauth::http::encode_oauth_client_basic(k->client_id(), k->client_secret());
    auto g2 = apiauth::generate_api_key("acme_sk", *x.ring, {});
    g2->record.scopes = {"items:read"};
    g2->record.resources = {"https://rs/ledger"};
    x.key_id2 = g2->record.key_id;
    FUZZ_CHECK(x.store.insert(g2->record));
    const auto k2 = apiauth::parse_api_key(g2->token.reveal());
    x.client_id2 = std::string(k2->client_id());
    x.basic2 = *apiauth::http::encode_oauth_client_basic(k2->client_id(), k2->client_secret());
    std::array<std::byte, 32> secret{};
    for (std::size_t i = 0; i < 32; ++i) secret[i] = static_cast<std::byte>(0x77 ^ i);
    auto key = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, secret, "k");
    auto key2 = *key;
    x.issuer.emplace(*apiauth::oauth2::access_token_issuer::make(std::move(*key),
                                                                 {.issuer = "https://as", .audience = {"https://rs"}}));
    x.verifier.emplace(*apiauth::oauth2::access_token_verifier::make(
        apiauth::jose::key_set(std::move(key2)), {.issuer = "https://as", .audience = "https://rs"}));
    x.cache.emplace([](const apiauth::oauth2::verified_access_token& t) {
        return std::chrono::system_clock::time_point(t.expires_at());
    });
    const std::string_view scopes[] = {"items:read"};
    x.token = x.issuer->issue({.subject = x.key_id, .client_id = k->client_id(), .scopes = scopes})->token;
}

world& the_world()
{
    static world w;  // the stores are not copyable: built in place, once
    static const bool ready = (build(w), true);
    (void)ready;
    return w;
}

std::string expand(std::string_view s, const world& w)
{
    std::string out(s);
    for (const auto& [from, to] : {std::pair<std::string_view, std::string_view>{"@KEY@", w.basic},
                                   std::pair<std::string_view, std::string_view>{"@KEY2@", w.basic2},
                                   std::pair<std::string_view, std::string_view>{"@TOKEN@", w.token}}) {
        for (std::size_t p = out.find(from); p != std::string::npos; p = out.find(from, p + to.size()))
            out.replace(p, from.size(), to);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    world& w = the_world();
    const unsigned ctl = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string method = expand(fuzz::next_line(in), w);
    const std::string target = expand(fuzz::next_line(in), w);
    std::vector<std::string> lines;
    for (unsigned i = 0; i < (ctl & 3u); ++i) lines.push_back(expand(fuzz::next_line(in), w));
    const std::string content_type = expand(fuzz::next_line(in), w);
    const std::string body = expand(in, w);
    std::vector<std::string_view> auth(lines.begin(), lines.end());

    apiauth::api_auth_config cfg{.token = {.keys = {.prefixes = w.prefixes}}};
    cfg.bearer.allow_form_body = (ctl & 4u) != 0;
    cfg.bearer.allow_query = (ctl & 8u) != 0;
    if (ctl & 16u) cfg.token_cache = &*w.cache;
    // The token endpoint's RFC 8707 resource policy: a list, and a function of the client.
    const std::string_view apis[] = {"https://api.example.com/", "urn:example:api"};
    if (ctl & 64u) cfg.token.resources = apis;
    if (ctl & 128u)
        cfg.token.resource = [](const apiauth::api_key_record& client, std::string_view r) {
            return !client.key_id.empty() && r.size() % 2 == 0;
        };
    const std::string_view read[] = {"items:read"};
    const std::span<const std::string_view> scopes =
        (ctl & 32u) ? std::span<const std::string_view>(read) : std::span<const std::string_view>();
    const apiauth::http::request_view req{
        .method = method, .target = target, .authorization = auth, .content_type = content_type, .body = body};
    const auto o = apiauth::authenticate_api(req, cfg, w.store, *w.ring, *w.verifier, scopes, &*w.issuer, &w.revoked);

    // A Bearer request gets what extract_bearer and the verifier say, in that order, whatever
    // shortcut authenticate_api takes (a header token verified or looked up in the cache before
    // the field is parsed in full).
    if (o.method == apiauth::auth_method::access_token) {
        std::error_code want;
        const auto b = apiauth::http::extract_bearer(req, cfg.bearer);
        if (!b) {
            want = b.error();
        } else if (const auto t = w.verifier->verify(b->value(), scopes, w.revoked); !t) {
            want = t.error();
        }
        FUZZ_CHECK(o.error == want);
    }
    if (o.identity) {
        FUZZ_CHECK(!o.error);
        FUZZ_CHECK(o.response.fields.empty() && o.response.body.empty());
        FUZZ_CHECK(o.identity->key_id() == w.key_id || o.identity->key_id() == w.key_id2);
        for (std::string_view s : scopes) FUZZ_CHECK(o.identity->has_scope(s));
        return 0;
    }
    // Only a policy refuses a resource: the endpoint's (ctl) or the second client's record (its
    // credentials or id somewhere in the request).
    bool second_in_header = false;
    for (const std::string& l : lines) second_in_header = second_in_header || l.find(w.basic2) != std::string::npos;
    if (o.error == apiauth::errc::resource_not_allowed) {
        // With no policy, only the issuer's default audience may be named (secure by default).
        bool foreign = false;
        if (const auto parsed = apiauth::oauth2::parse_token_request(req))
            for (const std::string_view r : parsed->resources()) foreign = foreign || r != "https://rs";
        FUZZ_CHECK((ctl & (64u | 128u)) != 0 || second_in_header || target.find(w.client_id2) != std::string::npos ||
                   body.find(w.client_id2) != std::string::npos || foreign);
    }
    if (o.method == apiauth::auth_method::token_request) {
        FUZZ_CHECK(o.response.status == (o.error ? apiauth::http_status(o.error, apiauth::endpoint::token) : 200));
        // A token for the second client (its Basic credentials, which exclude any other client
        // authentication) is for its one resource: every audience is https://rs/ledger.
        if (!o.error && second_in_header) {
            const std::string_view out = o.response.body;
            const std::size_t at = out.find("\"access_token\":\"");
            FUZZ_CHECK(at != std::string_view::npos);
            const std::size_t start = at + 16, end = out.find('"', start);
            const std::string_view token = out.substr(start, end - start);
            const std::size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
            FUZZ_CHECK(d1 != std::string_view::npos && d2 != std::string_view::npos);
            const auto payload = apiauth::encoding::base64url::decode(token.substr(d1 + 1, d2 - d1 - 1));
            FUZZ_CHECK(payload.has_value());
            const std::string_view p = *payload;
            FUZZ_CHECK(p.find("\"https://rs/ledger\"") != std::string_view::npos);
            for (std::size_t i = p.find("https://rs"); i != std::string_view::npos; i = p.find("https://rs", i + 1))
                FUZZ_CHECK(p.substr(i, 18) == "https://rs/ledger\"");
        }
    } else {
        FUZZ_CHECK(o.error);
        FUZZ_CHECK(o.response.status == apiauth::http_status(o.error, apiauth::endpoint::resource));
    }
    if (o.response.status == 401) FUZZ_CHECK(o.response.find("WWW-Authenticate") != nullptr);
    if (o.response.status == 405) FUZZ_CHECK(o.response.find("Allow") != nullptr);
    return 0;
}
