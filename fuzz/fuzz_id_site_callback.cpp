// fuzz_id_site_callback — id_site::application::handle_callback (research/stormpath-protocol.md
// §2-§3) on callback targets built from the input, against a fresh memory_nonce_store each time.
//
// Input: one control byte, then LF-separated fields:
//     <ctl> target LF expected-state LF claims
// "@TOKEN@" in the target becomes a JWT over the claims line (its bytes as they are), signed
// HS256 with the application's secret (ctl & 16: with another secret), header chosen by
// (ctl >> 2) & 3: the login site's {"alg","kid","typ":"JWT"}, no kid, no typ, typ "at+jwt".
// "@IRT@" in the claims becomes the one id issued in the store (unless ctl & 64), "@KID@" the
// application's key id. ctl & 1 passes the second line as the expected state; ctl & 32 writes the
// token's dots as %2E (the form-decoding path); ctl & 128 passes no error_details. The clocks of
// the application and of the store are fixed (1700000000), so that claims in the seeds stay valid.
// Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - success only with the issued id as irt (never when ctl & 64 issued nothing), a status of
//    the three, sub unless LOGOUT, the expected state when one was given (absent counts as
//    empty), aud this key (absent only when the header has a kid), iss the login site's, no err
//    claim;
//  - the same target again: nonce_replayed after a success, the same error after a failure;
//  - nothing consumed unless the first call succeeded (the issued id is then consumed once);
//  - error_details untouched unless is_login_site_error (an id_site_* error), and then its code
//    maps to that error;
//  - every error has an HTTP status at the callback endpoint (400-599).
#include "fuzz_check.hpp"

#include <apiauth/detail/bytes.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/stores/memory.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

namespace id_site = apiauth::id_site;
namespace jose = apiauth::jose;
using apiauth::errc;

// The seed corpus (fuzz/corpus/fuzz_id_site_callback/) is written against these.
constexpr std::string_view key_id = "2EV70AHRTYF0JOA7OEFO3SM29";
constexpr std::string_view secret = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8";
constexpr std::string_view other_secret = "another-application-secret-0123456789abcdef";
constexpr std::string_view issuer = "https://login.example";
constexpr std::string_view issued_id = "Hv3GqL2cE1bY0nQ7aXkR9w";  // 22 characters, as apiauth draws them
constexpr std::int64_t now = 1700000000;

std::chrono::system_clock::time_point fixed_clock()
{
    return std::chrono::system_clock::time_point(std::chrono::seconds(now));
}

struct world {
    std::optional<id_site::application> app;
    std::optional<jose::key> key, other_key;
    std::string headers[4];  // base64url, by (ctl >> 2) & 3
};

const world& the_world()
{
    static const world w = [] {
        world x;
        auto a = id_site::application::make({.api_key_id = std::string(key_id),
                                             .api_key_secret = std::string(secret),
                                             .application_href = "https://api.example/applications/1",
                                             .base_url = "https://login.example/",
                                             .login_site_issuer = std::string(issuer),
                                             .clock = fixed_clock});
        FUZZ_CHECK(a.has_value());
        x.app.emplace(std::move(*a));
        auto k = jose::key::from_secret(jose::algorithm::hs256, secret);
        auto o = jose::key::from_secret(jose::algorithm::hs256, other_secret);
        FUZZ_CHECK(k.has_value() && o.has_value());
        x.key.emplace(std::move(*k));
        x.other_key.emplace(std::move(*o));
        const std::string kid = "\"kid\":\"" + std::string(key_id) + "\"";
        const std::string h[4] = {"{\"alg\":\"HS256\"," + kid + ",\"typ\":\"JWT\"}",
                                  "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"alg\":\"HS256\"," + kid + "}",
                                  "{\"alg\":\"HS256\"," + kid + ",\"typ\":\"at+jwt\"}"};
        for (int i = 0; i < 4; ++i) x.headers[i] = apiauth::encoding::base64url::encode(h[i]);
        return x;
    }();
    return w;
}

void replace_all(std::string& s, std::string_view from, std::string_view to)
{
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const world& w = the_world();
    const unsigned ctl = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string target(fuzz::next_line(in));
    const std::string expected_state(fuzz::next_line(in));
    std::string claims(in);

    const bool issue = (ctl & 64u) == 0;
    replace_all(claims, "@IRT@", issued_id);
    replace_all(claims, "@KID@", key_id);
    if (target.find("@TOKEN@") != std::string::npos) {
        auto t = apiauth::detail::sign_encoded(w.headers[(ctl >> 2) & 3u], apiauth::detail::as_bytes(claims),
                                               (ctl & 16u) ? *w.other_key : *w.key);
        FUZZ_CHECK(t.has_value());
        if (ctl & 32u) replace_all(*t, ".", "%2E");
        replace_all(target, "@TOKEN@", *t);
    }

    apiauth::stores::memory_nonce_store nonces(64, fixed_clock);
    if (issue) FUZZ_CHECK(nonces.issue(issued_id, std::chrono::seconds(300)).value());
    const std::optional<std::string_view> state =
        (ctl & 1u) ? std::optional<std::string_view>(expected_state) : std::nullopt;

    const id_site::error_details sentinel{
        .code = -1, .status = -2, .message = "m", .developer_message = "d", .more_info = "i"};
    id_site::error_details details = sentinel;
    id_site::error_details* dp = (ctl & 128u) ? nullptr : &details;
    const id_site::state_binding binding = state ? id_site::state_binding(*state) : id_site::unbound;
    const auto r = w.app->handle_callback(target, nonces, binding, dp);

    if (r) {
        FUZZ_CHECK(issue);
        FUZZ_CHECK(r->in_response_to() == issued_id);
        FUZZ_CHECK(r->claims().get(id_site::claim::irt) == std::optional<std::string_view>(issued_id));
        const auto st = r->claims().get(id_site::claim::status);
        FUZZ_CHECK(st && id_site::parse_status(*st) == r->status());
        if (r->status() != id_site::status::logout) FUZZ_CHECK(r->account_href() && !r->account_href()->empty());
        // An absent state is the empty one (handle_callback's contract: build_redirect_url leaves an
        // empty state out), so an expected "" matches a response without the claim.
        if (state) FUZZ_CHECK(r->state().value_or(std::string_view()) == *state);
        FUZZ_CHECK(r->claims().aud().empty() || r->claims().has_audience(key_id));
        FUZZ_CHECK(((ctl >> 2) & 3u) != 1u || r->claims().has_audience(key_id));  // no kid: aud names the key
        FUZZ_CHECK(r->issuer() == std::optional<std::string_view>(issuer));
        FUZZ_CHECK(!r->claims().get(id_site::claim::err));
        FUZZ_CHECK(details.code == sentinel.code && details.message == sentinel.message);
        (void)r->is_new_account();
    } else {
        const std::error_code ec = r.error();
        FUZZ_CHECK(ec);
        const int status = apiauth::http_status(ec, apiauth::endpoint::id_site_callback);
        FUZZ_CHECK(status >= 400 && status <= 599);
        if (dp && id_site::is_login_site_error(ec)) {
            FUZZ_CHECK(ec == apiauth::make_error_code(id_site::errc_for_code(details.code)));
        } else {
            FUZZ_CHECK(details.code == sentinel.code && details.status == sentinel.status &&
                       details.message == sentinel.message && details.developer_message == sentinel.developer_message &&
                       details.more_info == sentinel.more_info);
        }
    }

    // The same target again.
    id_site::error_details again_details = sentinel;
    const auto again = w.app->handle_callback(target, nonces, binding, dp ? &again_details : nullptr);
    FUZZ_CHECK(!again);
    if (r)
        FUZZ_CHECK(again.error() == apiauth::make_error_code(errc::nonce_replayed));
    else
        FUZZ_CHECK(again.error() == r.error());

    // Nothing consumed unless the first call succeeded.
    const auto left = nonces.consume(issued_id);
    FUZZ_CHECK(left.has_value());
    FUZZ_CHECK(*left == (issue && !r));
    return 0;
}
