// fuzz_id_site_request — id_site::login_site::parse_request (research/stormpath-protocol.md §1.4,
// §2) on request targets built from the input, then build_response / build_error_response and the
// application's handle_callback on what it accepted. Fresh memory_nonce_stores each time.
//
// The site (issuer https://login.example, sso_path /sso) knows two applications, A and B (their
// key ids, secrets, hrefs and callback URIs below); A and B also exist as id_site::application
// objects on the other side. Every clock is fixed at 1700000000.
//
// Input: one control byte, then LF-separated fields. When ctl & 1 is clear ("raw"):
//     <ctl> target LF claims
// "@TOKEN@" in the target becomes a JWT over the claims line, signed HS256 with (ctl >> 3) & 3:
// A's secret, B's secret, a secret no one registered, A's again; header by (ctl >> 1) & 3: the
// application's {"alg","typ":"JWT"}, with a kid, no typ, typ "at+jwt". "@A@"/"@B@" in the claims
// become A's/B's key id, "@HREF_A@"/"@HREF_B@" their hrefs. ctl & 32 writes the token's dots as %2E.
// When ctl & 1 is set ("flow"):
//     <ctl> callback-uri LF state LF path LF account-href
// application A (B when ctl & 2) builds the redirect with build_redirect_url (logout when ctl & 4),
// sent whole (ctl & 8) or as its path and query; the site answers it with status (ctl >> 4) % 3,
// isNewSub ctl & 64; the application takes the answer with the state expected when ctl & 128 (and
// the state is not empty: an empty state is left out of the request, so none comes back).
// Checks, abort() on failure:
//  - no exception, no crash, no sanitizer report;
//  - a success has its path /sso or /sso/logout (logout() says which), an application whose key
//    id is the iss and whose href is the sub, and a cb_uri that application registered;
//  - the same target again: nonce_replayed after a success (and answerable: refused names the
//    application and cb_uri), the same error after a failure; `refused` is filled only for a
//    refusal for time (token_expired, token_not_yet_valid, token_issued_in_future) or a replay,
//    with a registered cb_uri;
//  - on a success, build_response's URL is accepted once by the matching application (whose store
//    issued the request's jti) and refused by the other; build_error_response's answer to a
//    refusal it may answer is made, and comes back there as the id_site_* error of its code
//    (10011, 10012, 11005), with that code in error_details;
//  - flow: a redirect that build_redirect_url made, to a registered cb_uri, within the size bound,
//    is accepted, with the state, path and logout it was built with; the answer comes back with
//    the status, account, isNewSub and state it was given, once.
#include "fuzz_check.hpp"

#include <apiauth/detail/bytes.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/stores/memory.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace id_site = apiauth::id_site;
namespace jose = apiauth::jose;
using apiauth::errc;

// The seed corpus (fuzz/corpus/fuzz_id_site_request/) is written against these.
struct app_data {
    std::string_view key_id, secret, href;
    std::vector<std::string> callback_uris;
};
const app_data apps[2] = {
    {"2EV70AHRTYF0JOA7OEFO3SM29",
     "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8",
     "https://api.example/applications/a",
     {"https://app.example/cb", "https://app.example/cb2?x=1#f"}},
    {"7QX2BDKQ9M4R1ZP3WJ8VN5T0L",
     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     "https://api.example/applications/b",
     {"https://b.example/callback"}},
};
constexpr std::string_view unregistered_secret = "nobody-registered-this-secret-0123456789";
constexpr std::string_view site_issuer = "https://login.example";
constexpr std::int64_t now = 1700000000;

std::chrono::system_clock::time_point fixed_clock()
{
    return std::chrono::system_clock::time_point(std::chrono::seconds(now));
}

struct world {
    std::optional<id_site::login_site> site;
    id_site::memory_application_directory dir;
    std::optional<id_site::application> app[2];
    std::optional<jose::key> keys[4];  // by (ctl >> 3) & 3
    std::string headers[4];            // base64url, by (ctl >> 1) & 3
};

void build(world& x)
{
    auto s = id_site::login_site::make({.issuer = std::string(site_issuer), .clock = fixed_clock});
    FUZZ_CHECK(s.has_value());
    x.site.emplace(std::move(*s));
    for (int i = 0; i < 2; ++i) {
        const app_data& d = apps[i];
        auto r = x.site->register_application(
            {std::string(d.key_id), std::string(d.secret), std::string(d.href), d.callback_uris});
        FUZZ_CHECK(r.has_value());
        x.dir.add(*r);
        auto a = id_site::application::make({.api_key_id = std::string(d.key_id),
                                             .api_key_secret = std::string(d.secret),
                                             .application_href = std::string(d.href),
                                             .base_url = std::string(site_issuer),
                                             .login_site_issuer = std::string(site_issuer),
                                             .clock = fixed_clock});
        FUZZ_CHECK(a.has_value());
        x.app[i].emplace(std::move(*a));
    }
    const std::string_view secrets[4] = {apps[0].secret, apps[1].secret, unregistered_secret, apps[0].secret};
    for (int i = 0; i < 4; ++i) {
        auto k = jose::key::from_secret(jose::algorithm::hs256, secrets[i]);
        FUZZ_CHECK(k.has_value());
        x.keys[i].emplace(std::move(*k));
    }
    const std::string h[4] = {"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                              "{\"alg\":\"HS256\",\"kid\":\"" + std::string(apps[0].key_id) + "\",\"typ\":\"JWT\"}",
                              "{\"alg\":\"HS256\"}", "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"};
    for (int i = 0; i < 4; ++i) x.headers[i] = apiauth::encoding::base64url::encode(h[i]);
}

world& the_world()
{
    static world w;  // the directory is not movable: built in place, once
    static const bool ready = (build(w), true);
    (void)ready;
    return w;
}

void replace_all(std::string& s, std::string_view from, std::string_view to)
{
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

std::error_code code(errc e)
{
    return apiauth::make_error_code(e);
}

// The refusals parse_request may fill `refused` for: for its time alone, or as a replay.
bool answerable(const std::error_code& ec)
{
    return ec == code(errc::token_expired) || ec == code(errc::token_not_yet_valid) ||
           ec == code(errc::token_issued_in_future) || ec == code(errc::nonce_replayed);
}

// Which of A and B a site_application is (-1: neither, which cannot happen).
int index_of(const id_site::site_application& a)
{
    for (int i = 0; i < 2; ++i)
        if (a.api_key_id() == apps[i].key_id) return i;
    return -1;
}

bool registered(int app, std::string_view cb)
{
    const auto& u = apps[app].callback_uris;
    return std::find(u.begin(), u.end(), cb) != u.end();
}

// The checks every parse_request result gets, and the second parse of the same target.
void check_parse(const world& w, std::string_view target, const apiauth::result<id_site::site_request>& r,
                 const id_site::refused_request& refused, apiauth::stores::memory_nonce_store& site_nonces)
{
    if (refused.application) {
        FUZZ_CHECK(!r);
        FUZZ_CHECK(answerable(r.error()));
        const int i = index_of(*refused.application);
        FUZZ_CHECK(i >= 0 && registered(i, refused.callback_uri));
    }
    if (r) {
        const auto ref = boost::urls::parse_uri_reference(target);
        FUZZ_CHECK(ref.has_value());
        const std::string_view path = ref->encoded_path();
        FUZZ_CHECK(path == "/sso" || path == "/sso/logout");
        FUZZ_CHECK(r->logout() == (path == "/sso/logout"));
        const int i = index_of(*r->application());
        FUZZ_CHECK(i >= 0);
        FUZZ_CHECK(r->claims().iss() == std::optional<std::string_view>(apps[i].key_id));
        FUZZ_CHECK(r->claims().sub() == std::optional<std::string_view>(apps[i].href));
        FUZZ_CHECK(registered(i, r->callback_uri()));
        FUZZ_CHECK(!r->claims().get(id_site::claim::irt) && !r->claims().get(id_site::claim::status) &&
                   !r->claims().get(id_site::claim::err));
    } else {
        const int status = apiauth::http_status(r.error(), apiauth::endpoint::resource);
        FUZZ_CHECK(status >= 400 && status <= 599);
    }

    id_site::refused_request again_refused;
    const auto again = w.site->parse_request(target, w.dir, site_nonces, &again_refused);
    FUZZ_CHECK(!again);
    if (r) {
        FUZZ_CHECK(again.error() == code(errc::nonce_replayed));
        FUZZ_CHECK(again_refused.application == r->application());
        FUZZ_CHECK(again_refused.callback_uri == r->callback_uri());
    } else {
        FUZZ_CHECK(again.error() == r.error());
        FUZZ_CHECK(again_refused.application == refused.application);
        FUZZ_CHECK(again_refused.callback_uri == refused.callback_uri);
    }
}

// An accepted request answered: the matching application (whose store issued the request's jti)
// accepts the answer once, the other refuses it; the replay's error answer maps back to 11005.
// `state` is what the application expects (id_site::unbound: no check).
struct expectation {
    id_site::status status;
    std::string_view account;
    bool is_new;
};

void check_answer(const world& w, const id_site::site_request& req, const expectation& e, id_site::state_binding state,
                  apiauth::stores::memory_nonce_store& app_nonces)
{
    const int i = index_of(*req.application());
    const auto resp =
        w.site->build_response(req, {.status = e.status, .account_href = e.account, .is_new_account = e.is_new});
    if (e.account.empty() && e.status != id_site::status::logout) {
        FUZZ_CHECK(!resp && resp.error() == code(errc::invalid_configuration));
        return;
    }
    if (!resp) {
        FUZZ_CHECK(resp.error() == code(errc::json_invalid_utf8));
        return;
    }
    const auto& app = *w.app[i];
    if (resp->size() > app.options().max_callback_size) {
        FUZZ_CHECK(app.handle_callback(*resp, app_nonces, state).error() == code(errc::header_too_large));
        return;
    }
    // The other application: another kid (or another secret); nothing of app_nonces consumed.
    const auto other = w.app[1 - i]->handle_callback(*resp, app_nonces, state);
    FUZZ_CHECK(!other && other.error() != code(errc::nonce_replayed));

    const auto got = app.handle_callback(*resp, app_nonces, state);
    FUZZ_CHECK(got.has_value());
    FUZZ_CHECK(got->status() == e.status);
    FUZZ_CHECK(got->in_response_to() == req.jti());
    FUZZ_CHECK(got->state() == req.state());
    FUZZ_CHECK(got->is_new_account() == e.is_new);
    if (e.account.empty())
        FUZZ_CHECK(!got->account_href());
    else
        FUZZ_CHECK(got->account_href() == std::optional<std::string_view>(e.account));
    const auto twice = app.handle_callback(*resp, app_nonces, state);
    FUZZ_CHECK(!twice && twice.error() == code(errc::nonce_replayed));
}

// A request refused with its application and cb_uri (for its time, or as a replay): answered with
// an error assertion (parse_request: `refused` "holds what build_error_response needs to answer
// it"), which the application reads as the id_site_* error of its Stormpath code (10011, 10012,
// 11005), whether or not its request id is still held.
void check_error_answer(const world& w, const id_site::refused_request& refused, std::error_code ec,
                        apiauth::stores::memory_nonce_store& app_nonces)
{
    const auto er = w.site->build_error_response(refused, ec);
    FUZZ_CHECK(er.has_value());
    const std::int64_t c = id_site::code_for(ec);
    FUZZ_CHECK(c == 10011 || c == 10012 || c == 11005);
    const int i = index_of(*refused.application);
    const auto& app = *w.app[i];
    if (er->size() > app.options().max_callback_size) return;
    id_site::error_details d;
    const auto got = app.handle_callback(*er, app_nonces, id_site::unbound, &d);
    FUZZ_CHECK(!got && got.error() == code(id_site::errc_for_code(c)));
    FUZZ_CHECK(d.code == c && d.status == 400 && d.message == id_site::message_for(c));
}

void raw(const world& w, unsigned ctl, std::string_view in)
{
    std::string target(fuzz::next_line(in));
    std::string claims(in);
    replace_all(claims, "@A@", apps[0].key_id);
    replace_all(claims, "@B@", apps[1].key_id);
    replace_all(claims, "@HREF_A@", apps[0].href);
    replace_all(claims, "@HREF_B@", apps[1].href);
    if (target.find("@TOKEN@") != std::string::npos) {
        auto t = apiauth::detail::sign_encoded(w.headers[(ctl >> 1) & 3u], apiauth::detail::as_bytes(claims),
                                               *w.keys[(ctl >> 3) & 3u]);
        FUZZ_CHECK(t.has_value());
        if (ctl & 32u) replace_all(*t, ".", "%2E");
        replace_all(target, "@TOKEN@", *t);
    }

    apiauth::stores::memory_nonce_store site_nonces(64, fixed_clock), app_nonces(64, fixed_clock);
    id_site::refused_request refused;
    const auto r = w.site->parse_request(target, w.dir, site_nonces, &refused);
    check_parse(w, target, r, refused, site_nonces);
    if (!r) {
        if (refused.application) check_error_answer(w, refused, r.error(), app_nonces);
        return;
    }
    // The matching application sent it (as far as its store knows): its jti is issued there.
    const auto issued = app_nonces.issue(r->jti(), std::chrono::seconds(300));
    if (!issued) return;  // an id the store will not keep (too long)
    FUZZ_CHECK(*issued);
    check_answer(w, *r,
                 {.status = r->logout() ? id_site::status::logout : id_site::status::authenticated,
                  .account = "https://api.example/accounts/1",
                  .is_new = false},
                 r->state() ? id_site::state_binding(*r->state()) : id_site::state_binding(id_site::unbound),
                 app_nonces);
}

void flow(const world& w, unsigned ctl, std::string_view in)
{
    const std::string cb(fuzz::next_line(in));
    const std::string state(fuzz::next_line(in));
    const std::string path(fuzz::next_line(in));
    const std::string account(in);
    const int i = (ctl & 2u) ? 1 : 0;
    const auto& app = *w.app[i];

    apiauth::stores::memory_nonce_store site_nonces(64, fixed_clock), app_nonces(64, fixed_clock);
    const auto red = app.build_redirect_url(
        {.callback_uri = cb, .path = path, .state = state, .logout = (ctl & 4u) != 0}, app_nonces);
    if (!red) {
        FUZZ_CHECK(red.error() == code(errc::invalid_configuration) || red.error() == code(errc::json_invalid_utf8));
        return;
    }
    std::string_view target = red->url;
    FUZZ_CHECK(target.substr(0, site_issuer.size()) == site_issuer);
    if (!(ctl & 8u)) target.remove_prefix(site_issuer.size());

    id_site::refused_request refused;
    const auto r = w.site->parse_request(target, w.dir, site_nonces, &refused);
    if (target.size() > w.site->options().max_request_size) {
        FUZZ_CHECK(!r && r.error() == code(errc::header_too_large));
        return;
    }
    if (!registered(i, cb)) {
        FUZZ_CHECK(!r && r.error() == code(errc::callback_uri_not_allowed) && !refused.application);
        return;
    }
    FUZZ_CHECK(r.has_value());
    FUZZ_CHECK(r->application()->api_key_id() == apps[i].key_id);
    FUZZ_CHECK(r->jti() == red->jti);
    FUZZ_CHECK(r->callback_uri() == cb);
    FUZZ_CHECK(r->logout() == ((ctl & 4u) != 0));
    FUZZ_CHECK(r->state() == (state.empty() ? std::nullopt : std::optional<std::string_view>(state)));
    FUZZ_CHECK(r->path() == (path.empty() ? std::nullopt : std::optional<std::string_view>(path)));
    check_parse(w, target, r, refused, site_nonces);

    static constexpr id_site::status statuses[3] = {id_site::status::authenticated, id_site::status::registered,
                                                    id_site::status::logout};
    check_answer(w, *r, {.status = statuses[(ctl >> 4) % 3u], .account = account, .is_new = (ctl & 64u) != 0},
                 (ctl & 128u) && !state.empty() ? id_site::state_binding(state)
                                                : id_site::state_binding(id_site::unbound),
                 app_nonces);

    id_site::refused_request replayed;
    const auto again = w.site->parse_request(target, w.dir, site_nonces, &replayed);
    FUZZ_CHECK(!again && again.error() == code(errc::nonce_replayed) && replayed.application);
    check_error_answer(w, replayed, again.error(), app_nonces);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const world& w = the_world();
    const unsigned ctl = data[0];
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (ctl & 1u)
        flow(w, ctl, in);
    else
        raw(w, ctl, in);
    return 0;
}
