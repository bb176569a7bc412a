// Tests for apiauth/adapters/httplib.hpp against a real cpp-httplib 0.11 server on a loopback port
// the kernel picks: every request case of research/http-auth-oauth2-spec.md's conformance list
// that cpp-httplib delivers reaches the core's verdict; what cpp-httplib itself refuses or changes
// is recorded below (httplib_effects) and checked; protect() answers for each kind of route.
#include "adapter_support.hpp"

#include <apiauth/adapters/httplib.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace adapter_support;

namespace {

// A cpp-httplib server whose handler protects the fixture's routes, on 127.0.0.1:<kernel's
// choice>, in a thread; stopped by the destructor, pass or fail.
class httplib_server {
public:
    explicit httplib_server(const route_fixture& fx) : fx_(fx)
    {
        const auto h = [this](const ::httplib::Request& req, ::httplib::Response& res) { handle(req, res); };
        svr_.Get(".*", h);
        svr_.Post(".*", h);
        svr_.Put(".*", h);
        svr_.Delete(".*", h);
        port_ = svr_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { svr_.listen_after_bind(); });
        for (int i = 0; i < 500 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        REQUIRE(svr_.is_running());
    }
    httplib_server(const httplib_server&) = delete;
    httplib_server& operator=(const httplib_server&) = delete;
    ~httplib_server()
    {
        svr_.stop();
        thread_.join();
    }
    unsigned short port() const { return static_cast<unsigned short>(port_); }
    const server_log& log() const { return log_; }

private:
    void handle(const ::httplib::Request& req, ::httplib::Response& res)
    {
        const apiauth::adapters::httplib::viewed_request v(req, "X-API-Key");
        log_.record(capture(v.view(), v.api_key()));
        const std::string_view path = path_of(v.view().target);
        if (path == "/response") {
            res.set_header("Content-Type", "text/html");  // replaced, not doubled
            apiauth::adapters::httplib::write_response(crafted_response(), res);
            return;
        }
        const bool routed = fx_.with_route(path, [&](const auto& route) {
            if (auto who = apiauth::adapters::httplib::protect(req, res, route)) {
                res.status = 200;
                res.set_content(ok_body(*who), "text/plain");
            }
        });
        if (!routed) res.status = 404;
    }

    const route_fixture& fx_;
    ::httplib::Server svr_;
    int port_ = 0;
    std::thread thread_;
    server_log log_;
};

struct httplib_fixture : route_fixture {
    httplib_server server{*this};
};

// What cpp-httplib 0.11.4 (Debian 0.11.4+ds-1+deb12u1) does to a case before the adapter sees
// it; a case not named here is delivered as sent.
stack_effects httplib_effects(const route_fixture& fx)
{
    const std::string t = fx.live_token();
    stack_effects e;
    // A line that does not end in CRLF is skipped (no CPPHTTPLIB_ALLOW_LF_AS_LINE_TERMINATOR),
    // and so is the next line, "b", which has no ':'.
    e["A11-LF"] = {.authorization = std::vector<std::string>{}, .verdict_changes = true};
    e["X-bare-LF"] = {.authorization = std::vector<std::string>{}, .verdict_changes = true};
    // An obs-fold continuation has no ':': it is dropped, the value is what preceded it.
    e["X-obs-fold"] = {.authorization = std::vector<std::string>{"Bearer"}, .verdict_changes = true};
    // The field name is not checked: "Authorization " is another field.
    e["X-space-before-colon"] = {.authorization = std::vector<std::string>{}, .verdict_changes = true};
    // A field with an empty value is dropped.
    e["X-empty"] = {.authorization = std::vector<std::string>{}, .verdict_changes = true};
    e["X-blank"] = {.authorization = std::vector<std::string>{}, .verdict_changes = true};
    // Every field value is percent-decoded (detail::decode_url(value, false)).
    e["X-pct-scheme"] = {.authorization = std::vector<std::string>{"Bearer " + t}, .verdict_changes = true};
    e["X-pct-token"] = {.authorization = std::vector<std::string>{"Bearer Abc"}, .verdict_changes = true};
    e["X-pct-crlf"] = {.authorization = std::vector<std::string>{"Bearer a\r\nb"}, .verdict_changes = true};
    // The fragment is cut from Request::target.
    e["X-fragment"] = {.target = "/api/open?access_token=" + t};
    // The body of a GET is not read; a multipart body goes to Request::files, not Request::body.
    e["C52-GET"] = {.body = std::string()};
    e["C52-multipart"] = {.body = std::string()};
    // Its own limits: a field line over CPPHTTPLIB_HEADER_MAX_LENGTH (8192) is 400; a form
    // body over CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH (8192) is 413.
    e["C60"] = {.rejected = 400};
    e["E89-9k"] = {.rejected = 413};
    e["E89-1M"] = {.rejected = 413};
    return e;
}

}  // namespace

TEST_CASE_METHOD(httplib_fixture, "httplib: A1-A11 RFC 9110 §11 credentials reach the core's verdict",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_a(), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture, "httplib: B19-B38 RFC 7617 Basic cases reach the core's verdict",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_b(), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture, "httplib: C41-C58 RFC 6750 Bearer cases reach the core's verdict",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_c(*this), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture, "httplib: D61-D85 RFC 6749 token endpoint cases reach the core's verdict",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_d(*this), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture,
                 "httplib: what its parser changes (obs-fold, bare LF, empty values, percent-decoding) is recorded",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_x(*this), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture, "httplib: C60 and E89 oversized requests are refused by cpp-httplib itself",
                 "[adapters][httplib]")
{
    check_cases(*this, server, cases_limits(*this), httplib_effects(*this));
}

TEST_CASE_METHOD(httplib_fixture, "httplib: protect(api_route) answers as authenticate_api (RFC 6750 §3.1, RFC 7617)",
                 "[adapters][httplib]")
{
    check_api_route(*this, server);
}

TEST_CASE_METHOD(httplib_fixture, "httplib: protect(bearer_route) answers 200, 401, 403 scope=, 400 (RFC 6750 §3.1)",
                 "[adapters][httplib]")
{
    check_bearer_route(*this, server);
}

TEST_CASE_METHOD(httplib_fixture, "httplib: protect(api_key_route) takes Basic or X-API-Key, 401 Basic, 403, 400",
                 "[adapters][httplib]")
{
    check_api_key_route(*this, server);
}

TEST_CASE_METHOD(httplib_fixture, "httplib: 431 and 413 of the core's bounds pass through the adapter (RFC 6585 §5)",
                 "[adapters][httplib]")
{
    const std::string big(6000, 'a');
    auto r = exchange(server.port(), request_to("/api/small", "Authorization: Bearer " + big + "\r\n").wire());
    // The core's answer: the status, and the RFC 6750 error in the body; a challenge goes with
    // 400, 401 and 403 only.
    CHECK(r.status == 431);
    CHECK(r.values("WWW-Authenticate").empty());
    CHECK(r.values("Content-Type") == std::vector<std::string>{"application/json"});
    CHECK(r.body == R"({"error":"invalid_request"})");
    wire_case body{.id = "", .what = "", .method = "POST", .target = "/api/small"};
    body.content_type = "application/x-www-form-urlencoded";
    body.body = "access_token=" + token({"read"}) + "&pad=" + std::string(2000, 'p');
    r = exchange(server.port(), body.wire());
    CHECK(r.status == 413);
    CHECK(r.body == R"({"error":"invalid_request"})");
}

TEST_CASE_METHOD(httplib_fixture,
                 "httplib: write_response keeps repeated fields in order and one Content-Type (RFC 9110 §5.3)",
                 "[adapters][httplib]")
{
    const wire_response r = exchange(server.port(), request_to("/response").wire());
    check_crafted(r);
    // cpp-httplib keeps response fields in a multimap ordered by name: fields of one name keep
    // their order, fields of different names are sent sorted (RFC 9110 §5.3 allows it).
    CHECK(crafted_names(r) == std::vector<std::string>{"Cache-Control", "Content-Type", "Set-Cookie", "Set-Cookie",
                                                       "WWW-Authenticate", "WWW-Authenticate"});
}

TEST_CASE("httplib: viewed_request views the request's own strings, every Authorization line in order",
          "[adapters][httplib]")
{
    ::httplib::Request req;
    req.method = "POST";
    req.target = "http://api.example.com/oauth/token?x=1";
    req.body = "grant_type=client_credentials";
    for (int i = 0; i < 6; ++i)
        req.headers.emplace(i % 2 ? "authorization" : "Authorization", "Bearer t" + std::to_string(i));
    req.headers.emplace("Content-Type", "application/x-www-form-urlencoded");
    req.headers.emplace("content-type", "text/plain");
    req.headers.emplace("X-Api-Key", "k1");
    const apiauth::adapters::httplib::viewed_request v(req, "X-API-Key");
    const apiauth::http::request_view& view = v;
    CHECK(view.method.data() == req.method.data());
    CHECK(view.target == "/oauth/token?x=1");  // RFC 9112 §3.2.2: absolute-form, cut after the authority
    CHECK(view.body.data() == req.body.data());
    CHECK(view.content_type == "application/x-www-form-urlencoded");  // the first line
    REQUIRE(view.authorization.size() == 6);                          // past the four kept inline
    auto [first, last] = req.headers.equal_range("Authorization");
    for (std::size_t i = 0; first != last; ++first, ++i) {
        CHECK(view.authorization[i].data() == first->second.data());
        CHECK(view.authorization[i] == "Bearer t" + std::to_string(i));
    }
    REQUIRE(v.api_key().size() == 1);
    CHECK(v.api_key().front() == "k1");
}
