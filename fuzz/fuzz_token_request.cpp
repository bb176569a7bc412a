// fuzz_token_request — apiauth::oauth2::parse_token_request (RFC 6749 §2.3.1, §3.2, §3.3, §4.4.2;
// RFC 8707) and error_response on requests built from the input.
//
// Input: one control byte, then LF-separated fields:
//     <ctl> method LF target LF authorization-line… LF content-type LF body
// ctl & 3 is the number of Authorization lines (0-3); ctl & 4 enables client_secret_post; ctl & 8
// bounds the body at 64 octets; ctl & 16 flags every Basic client as "raw". Missing fields are empty.
// Checks, abort() on failure:
//  - no exception, no crash; a failure is an apiauth code whose error_response is well formed
//    (status from http_status, JSON body with the token endpoint's error, a challenge on a 401,
//    Allow on a 405);
//  - a success has a non-empty grant_type, a scope that parse_scope accepts again, resources
//    that are absolute URIs, a client authentication method consistent with the options and
//    the request (Basic needs exactly one Authorization line; client_secret_post needs ctl & 4,
//    no Authorization line and a non-empty secret), and the method POST;
//  - a body over the bound is body_too_large whatever else it holds.
#include "fuzz_check.hpp"

#include <apiauth/oauth2/token_request.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using apiauth::errc;
using apiauth::oauth2::client_authentication;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned ctl = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string_view method = fuzz::next_line(in);
    const std::string_view target = fuzz::next_line(in);
    std::vector<std::string_view> auth;
    for (unsigned i = 0; i < (ctl & 3u); ++i) auth.push_back(fuzz::next_line(in));
    const std::string_view content_type = fuzz::next_line(in);
    const std::string_view body = in;

    apiauth::oauth2::token_request_options opt;
    opt.allow_client_secret_post = (ctl & 4u) != 0;
    if (ctl & 8u) opt.max_body = 64;
    if (ctl & 16u) opt.raw_basic = [](std::string_view) { return true; };

    const apiauth::http::request_view req{
        .method = method, .target = target, .authorization = auth, .content_type = content_type, .body = body};
    const auto r = apiauth::oauth2::parse_token_request(req, opt);
    if (!r) {
        const std::error_code ec = r.error();
        FUZZ_CHECK(ec.category() == apiauth::error_category());
        FUZZ_CHECK(!apiauth::error_name(ec).empty());
        if (method == "POST" && body.size() > opt.max_body) FUZZ_CHECK(ec == errc::body_too_large);
        const auto resp = apiauth::oauth2::error_response(ec, apiauth::endpoint::token);
        FUZZ_CHECK(resp.status == apiauth::http_status(ec, apiauth::endpoint::token));
        const std::string expected =
            "{\"error\":\"" + std::string(apiauth::oauth_error(ec, apiauth::endpoint::token)) + "\"";
        FUZZ_CHECK(resp.body.compare(0, expected.size(), expected) == 0);
        FUZZ_CHECK(resp.body.back() == '}');
        FUZZ_CHECK((resp.status == 401) == (resp.find("WWW-Authenticate") != nullptr));
        FUZZ_CHECK((resp.status == 405) == (resp.find("Allow") != nullptr));
        return 0;
    }
    FUZZ_CHECK(method == "POST");
    FUZZ_CHECK(body.size() <= opt.max_body);
    FUZZ_CHECK(!r->grant_type().empty());
    FUZZ_CHECK(apiauth::oauth2::parse_scope(r->scope().text(), opt.scope).has_value());
    for (const std::string_view res : r->resources()) FUZZ_CHECK(boost::urls::parse_absolute_uri(res).has_value());
    FUZZ_CHECK(r->resources().size() <= opt.max_resources);
    switch (r->authentication()) {
    case client_authentication::client_secret_basic: FUZZ_CHECK(auth.size() == 1); break;
    case client_authentication::client_secret_post:
        FUZZ_CHECK(opt.allow_client_secret_post && auth.empty());
        FUZZ_CHECK(!r->client_secret().empty() && !r->client_id().empty());
        break;
    case client_authentication::none:
        FUZZ_CHECK(false);  // parse_token_request never returns a request without client authentication
    }
    return 0;
}
