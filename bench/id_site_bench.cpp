// bench/id_site_bench.cpp — ID Site, both sides (id_site/application.hpp, id_site/login_site.hpp):
//
//   id_site/build_redirect_url/apiauth     application::build_redirect_url: jti from the CSPRNG reserve,
//                                          claims, HS256, the URL (accepting nonce store, below)
//   id_site/parse_request/apiauth          login_site::parse_request of that URL's path and query: the
//                                          form, the unverified iss, the directory, HS256 verification,
//                                          cb_uri allow-list (accepting nonce store)
//   id_site/build_response/apiauth         login_site::build_response for the parsed request
//   id_site/handle_callback/apiauth        application::handle_callback of that response: the form,
//                                          HS256 verification with 5 declared claims, irt, status, state
//                                          (accepting nonce store; target ≤ 1.5× jwt/hs256_verify/apiauth
//                                          of jwt_bench.cpp in the same run)
//   id_site/handle_callback/verify_only    jwt::verifier::verify of the same response token, with the
//                                          policy application::make builds (typ JWT, issuer, leeway 5 s,
//                                          exp required, the same 5 declared claims): what handle_callback
//                                          cannot go below; the rest is the target, the form and the checks
//   id_site/{build_redirect_url,parse_request,handle_callback}/apiauth_memory_store
//                                          the same with stores::memory_nonce_store: what the store adds
//
// The nonce store of the rows without a suffix (accepting_nonce_store) answers every issue() and
// consume() with true and does nothing else: one response (or request) can then be verified again
// and again, so these rows time the protocol work alone, with no PauseTiming in the loop. The
// memory_store rows use the real store. handle_callback and parse_request need a fresh id per
// iteration there: a batch of 4096 distinct responses (or requests) is built before the loop and
// walked; after each pass, outside the timed region (one PauseTiming/ResumeTiming per 4096
// iterations), the application's store issues the batch's ids again (a consumed id issued again is
// live) and the login site's store is replaced by an empty one. build_redirect_url's store records
// a new jti per iteration: it too is replaced by an empty one after each 4096 iterations.
#include "alloc_counter.hpp"

#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/stores/memory.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using apiauth_bench::fail;
namespace id_site = apiauth::id_site;
using namespace std::chrono_literals;

// Every issue() and consume() succeeds; nothing is stored. For the benchmarks only: a server that
// used it would have no replay protection.
struct accepting_nonce_store {
    apiauth::result<bool> issue(std::string_view, std::chrono::seconds) noexcept { return true; }
    apiauth::result<bool> consume(std::string_view) noexcept { return true; }
};
static_assert(apiauth::stores::nonce_store<accepting_nonce_store>);

constexpr std::string_view key_id = "2EV70AHRTYF0JOA7OEFO3SM29";
constexpr std::string_view key_secret = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8";
constexpr std::string_view href = "https://api.example.com/v1/applications/1gk4Dxzi6o4PbdlEXampLE";
constexpr std::string_view site_url = "https://login.example.com";
constexpr std::string_view callback = "https://app.example.com/idsite/callback";
constexpr std::string_view account = "https://api.example.com/v1/accounts/3apenYvL0Z9v9spdzpFfey";
constexpr std::string_view state_value = "af0ifjsldkj";
constexpr std::size_t batch = 4096;

const id_site::redirect_options& redirect_opts()
{
    static const id_site::redirect_options r{.callback_uri = callback, .path = "/", .state = state_value};
    return r;
}

struct id_site_fixture {
    std::optional<id_site::application> app;
    std::optional<id_site::login_site> site;
    id_site::memory_application_directory dir;
    std::string request_target;  // "/sso?jwtRequest=…"
    std::optional<id_site::site_request> request;
    std::string response;  // "<callback>?jwtResponse=…"
    std::string response_token;
    std::optional<apiauth::jose::jwt::verifier> response_verifier;  // application::make's policy
    std::size_t request_token_size = 0, response_token_size = 0;
};

std::string_view path_and_query(std::string_view url)
{
    if (url.substr(0, site_url.size()) != site_url) fail("the redirect URL is not under the login site");
    return url.substr(site_url.size());
}

void build(id_site_fixture& f)
{
    // Lifetimes of an hour: the pre-built responses and requests stay valid for a whole run.
    auto a = id_site::application::make({.api_key_id = std::string(key_id),
                                         .api_key_secret = std::string(key_secret),
                                         .application_href = std::string(href),
                                         .base_url = std::string(site_url),
                                         .login_site_issuer = std::string(site_url),
                                         .request_lifetime = 3600s});
    if (!a) fail("application::make");
    f.app.emplace(std::move(*a));
    auto s =
        id_site::login_site::make({.issuer = std::string(site_url), .iat_window = 3600s, .response_lifetime = 3600s});
    if (!s) fail("login_site::make");
    f.site.emplace(std::move(*s));
    auto reg = f.site->register_application(
        {std::string(key_id), std::string(key_secret), std::string(href), {std::string(callback)}});
    if (!reg) fail("register_application");
    f.dir.add(*reg);

    accepting_nonce_store any;
    auto red = f.app->build_redirect_url(redirect_opts(), any);
    if (!red) fail("build_redirect_url");
    f.request_target = std::string(path_and_query(red->url));
    f.request_token_size = f.request_target.size() - f.request_target.find('=') - 1;
    auto req = f.site->parse_request(f.request_target, f.dir, any);
    if (!req) fail("parse_request");
    f.request.emplace(std::move(*req));
    auto resp = f.site->build_response(*f.request, {.account_href = account});
    if (!resp) fail("build_response");
    f.response = std::move(*resp);
    f.response_token = f.response.substr(f.response.find("jwtResponse=") + 12);
    f.response_token_size = f.response_token.size();
    auto k = apiauth::jose::key::from_secret(apiauth::jose::algorithm::hs256, key_secret, key_id);
    if (!k) fail("jose::key::from_secret");
    f.response_verifier.emplace(
        apiauth::jose::key_set(*k),
        apiauth::jose::jwt::policy{.issuer = std::string(site_url),
                                   .typ = "JWT",
                                   .leeway = 5s,
                                   .require = {"exp"},
                                   .declare = {id_site::claim::irt, id_site::claim::status, id_site::claim::is_new_sub,
                                               id_site::claim::state, id_site::claim::err}});
    benchmark::AddCustomContext("id_site_token_bytes", "request=" + std::to_string(f.request_token_size) +
                                                           " response=" + std::to_string(f.response_token_size));
}

const id_site_fixture& fixture()
{
    static id_site_fixture f;  // the directory is not movable: built in place, once
    static const bool ready = (build(f), true);
    (void)ready;
    return f;
}

// `batch` distinct requests and the responses that answer them, for the memory_store rows: the
// application's store holds every request id (issued).
struct flow_batch {
    apiauth::stores::memory_nonce_store app_nonces{2 * batch};
    std::vector<std::string> jtis, targets, responses;
};

flow_batch& flows()
{
    static const std::unique_ptr<flow_batch> b = [] {
        const auto& f = fixture();
        auto x = std::make_unique<flow_batch>();
        apiauth::stores::memory_nonce_store scratch(2 * batch);
        for (std::size_t i = 0; i < batch; ++i) {
            auto red = f.app->build_redirect_url(redirect_opts(), x->app_nonces);
            if (!red) fail("build_redirect_url (batch)");
            auto req = f.site->parse_request(path_and_query(red->url), f.dir, scratch);
            if (!req) fail("parse_request (batch)");
            auto resp = f.site->build_response(*req, {.account_href = account});
            if (!resp) fail("build_response (batch)");
            x->jtis.push_back(std::move(red->jti));
            x->targets.emplace_back(path_and_query(red->url));
            x->responses.push_back(std::move(*resp));
        }
        return x;
    }();
    return *b;
}

// A verified callback is what it should be: AUTHENTICATED, the account, the state, and the request.
void check_assertion(const apiauth::result<id_site::assertion>& r, std::string_view irt)
{
    if (!r) fail("handle_callback");
    if (r->status() != id_site::status::authenticated || r->account_href() != account || r->state() != state_value ||
        r->in_response_to() != irt)
        fail("handle_callback: the assertion differs from the response");
}

void check_id_site()
{
    const auto& f = fixture();
    accepting_nonce_store any;
    check_assertion(f.app->handle_callback(f.response, any, state_value), f.request->jti());
    const auto v = f.response_verifier->verify(f.response_token);
    if (!v || v->claims().get(id_site::claim::irt) != f.request->jti()) fail("jwt::verifier on the response token");
    if (f.request->callback_uri() != callback || f.request->state() != state_value)
        fail("parse_request: the request differs from the redirect");

    // The real stores: a request once, its answer once.
    apiauth::stores::memory_nonce_store app_nonces(64), site_nonces(64);
    auto red = f.app->build_redirect_url(redirect_opts(), app_nonces);
    if (!red) fail("build_redirect_url (memory store)");
    const std::string_view target = path_and_query(red->url);
    auto req = f.site->parse_request(target, f.dir, site_nonces);
    if (!req || req->jti() != red->jti) fail("parse_request (memory store)");
    const auto again = f.site->parse_request(target, f.dir, site_nonces);
    if (again || again.error() != apiauth::make_error_code(apiauth::errc::nonce_replayed))
        fail("parse_request accepted a request twice");
    auto resp = f.site->build_response(*req, {.account_href = account});
    if (!resp) fail("build_response (memory store)");
    check_assertion(f.app->handle_callback(*resp, app_nonces, state_value), red->jti);
    const auto twice = f.app->handle_callback(*resp, app_nonces, state_value);
    if (twice || twice.error() != apiauth::make_error_code(apiauth::errc::nonce_replayed))
        fail("handle_callback accepted a response twice");

    // A tampered response, a wrong state.
    std::string bad = f.response;
    bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
    if (f.app->handle_callback(bad, any, state_value)) fail("handle_callback accepted a tampered response");
    if (f.app->handle_callback(f.response, any, "other")) fail("handle_callback accepted another state");
}
const apiauth_bench::register_check id_site_checks{check_id_site};

// ---- the accepting store: the protocol work alone ------------------------------------------

void build_redirect_url(benchmark::State& state)
{
    const auto& f = fixture();
    accepting_nonce_store any;
    if (!f.app->build_redirect_url(redirect_opts(), any)) fail("build_redirect_url");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.app->build_redirect_url(redirect_opts(), any);
        if (!r) fail("build_redirect_url");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(build_redirect_url)->Name("id_site/build_redirect_url/apiauth");

void parse_request(benchmark::State& state)
{
    const auto& f = fixture();
    accepting_nonce_store any;
    if (!f.site->parse_request(f.request_target, f.dir, any)) fail("parse_request");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.site->parse_request(f.request_target, f.dir, any);
        if (!r) fail("parse_request");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(parse_request)->Name("id_site/parse_request/apiauth");

void build_response(benchmark::State& state)
{
    const auto& f = fixture();
    const id_site::response_options opt{.account_href = account};
    if (!f.site->build_response(*f.request, opt)) fail("build_response");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.site->build_response(*f.request, opt);
        if (!r) fail("build_response");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(build_response)->Name("id_site/build_response/apiauth");

void handle_callback(benchmark::State& state)
{
    const auto& f = fixture();
    accepting_nonce_store any;
    if (!f.app->handle_callback(f.response, any, state_value)) fail("handle_callback");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.app->handle_callback(f.response, any, state_value);
        if (!r) fail("handle_callback");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(handle_callback)->Name("id_site/handle_callback/apiauth");

void handle_callback_verify_only(benchmark::State& state)
{
    const auto& f = fixture();
    if (!f.response_verifier->verify(f.response_token)) fail("jwt::verifier::verify");  // warm-up
    const apiauth_bench::alloc_meter meter;
    for (auto _ : state) {
        auto r = f.response_verifier->verify(f.response_token);
        if (!r) fail("jwt::verifier::verify");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(handle_callback_verify_only)->Name("id_site/handle_callback/verify_only");

// ---- the memory store ------------------------------------------------------------------------

void build_redirect_url_memory_store(benchmark::State& state)
{
    const auto& f = fixture();
    // Each iteration records a new jti for the request lifetime: a fresh store every `batch`
    // iterations (made outside the timed region), so that it never fills.
    auto nonces = std::make_unique<apiauth::stores::memory_nonce_store>(2 * batch);
    const apiauth_bench::alloc_meter meter;
    std::size_t i = 0;
    for (auto _ : state) {
        if (i++ == batch) {
            state.PauseTiming();
            nonces = std::make_unique<apiauth::stores::memory_nonce_store>(2 * batch);
            i = 1;
            state.ResumeTiming();
        }
        auto r = f.app->build_redirect_url(redirect_opts(), *nonces);
        if (!r) fail("build_redirect_url (memory store)");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(build_redirect_url_memory_store)->Name("id_site/build_redirect_url/apiauth_memory_store");

void parse_request_memory_store(benchmark::State& state)
{
    auto& b = flows();
    const auto& f = fixture();
    // The login site records each request id it accepts: a fresh store for every pass over the
    // batch (made outside the timed region), so that every request is new to it.
    auto nonces = std::make_unique<apiauth::stores::memory_nonce_store>(2 * batch);
    const apiauth_bench::alloc_meter meter;
    std::size_t i = 0;
    for (auto _ : state) {
        if (i == batch) {
            state.PauseTiming();
            nonces = std::make_unique<apiauth::stores::memory_nonce_store>(2 * batch);
            i = 0;
            state.ResumeTiming();
        }
        auto r = f.site->parse_request(b.targets[i++], f.dir, *nonces);
        if (!r) fail("parse_request (memory store)");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
}
BENCHMARK(parse_request_memory_store)->Name("id_site/parse_request/apiauth_memory_store");

void handle_callback_memory_store(benchmark::State& state)
{
    auto& b = flows();
    auto& nonces = b.app_nonces;
    const auto& f = fixture();
    const auto reissue = [&] {
        for (const auto& j : b.jtis)
            if (!nonces.issue(j, 3600s)) fail("memory_nonce_store::issue");
    };
    const apiauth_bench::alloc_meter meter;
    std::size_t i = 0;
    for (auto _ : state) {
        if (i == batch) {  // the batch's ids consumed: issued again (a consumed id issued again is live)
            state.PauseTiming();
            reissue();
            i = 0;
            state.ResumeTiming();
        }
        auto r = f.app->handle_callback(b.responses[i++], nonces, state_value);
        if (!r) fail("handle_callback (memory store)");
        benchmark::DoNotOptimize(r);
    }
    meter.stop(state);
    reissue();  // the next run starts with every id live
}
BENCHMARK(handle_callback_memory_store)->Name("id_site/handle_callback/apiauth_memory_store");

}  // namespace
