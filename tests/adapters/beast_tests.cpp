// Tests for apiauth/adapters/beast.hpp against a real Boost.Beast 1.81 server (request_parser with
// its default limits, asynchronous, one io_context thread) on a loopback port the kernel picks:
// every request case of research/http-auth-oauth2-spec.md's conformance list that Beast delivers
// reaches the core's verdict; what Beast itself refuses or changes is recorded below
// (beast_effects) and checked; protect() answers for each kind of route.
#include "adapter_support.hpp"

#include <apiauth/adapters/beast.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace adapter_support;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

// A Beast server whose handler protects the fixture's routes, on 127.0.0.1:<kernel's choice>,
// one connection at a time as the client sends them; its io_context runs in a thread, stopped
// by the destructor, pass or fail. A request the parser refuses is answered with
// status_for_read_error(), as a user's server would.
class beast_server {
public:
    explicit beast_server(const route_fixture& fx) : fx_(fx)
    {
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    beast_server(const beast_server&) = delete;
    beast_server& operator=(const beast_server&) = delete;
    ~beast_server()
    {
        ioc_.stop();
        thread_.join();
    }
    unsigned short port() const { return port_; }
    const server_log& log() const { return log_; }

private:
    struct session : std::enable_shared_from_this<session> {
        session(tcp::socket s, beast_server& server) : stream(std::move(s)), srv(server) {}
        boost::beast::tcp_stream stream;
        boost::beast::flat_buffer buffer;
        bhttp::request_parser<bhttp::string_body> parser;  // default limits: 8 KiB header, 1 MiB body
        response res;
        beast_server& srv;

        void run()
        {
            stream.expires_after(std::chrono::seconds(10));
            bhttp::async_read(
                stream, buffer, parser,
                [self = shared_from_this()](boost::beast::error_code ec, std::size_t) { self->on_read(ec); });
        }
        void on_read(boost::beast::error_code ec)
        {
            if (ec) {
                const int status = apiauth::adapters::beast::status_for_read_error(ec);
                if (status == 0) return;
                res.result(static_cast<unsigned>(status));
                res.version(11);
                res.keep_alive(false);
                res.prepare_payload();
            } else {
                srv.handle(parser.get(), res);
            }
            bhttp::async_write(stream, res,
                               [self = shared_from_this()](boost::beast::error_code, std::size_t) { self->finish(); });
        }
        // Half-close, then drain what the client still sends before closing, so that a close with
        // unread data does not reset the connection and discard the answer.
        void finish()
        {
            boost::beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            drain();
        }
        void drain()
        {
            stream.expires_after(std::chrono::seconds(2));
            stream.async_read_some(net::buffer(sink),
                                   [self = shared_from_this()](boost::beast::error_code e, std::size_t) {
                                       if (!e) self->drain();
                                   });
        }
        char sink[16384];
    };

    void accept()
    {
        acceptor_.async_accept([this](boost::beast::error_code ec, tcp::socket s) {
            if (!ec) std::make_shared<session>(std::move(s), *this)->run();
            accept();
        });
    }

    void handle(const request& req, response& res)
    {
        const apiauth::adapters::beast::viewed_request v(req, "X-API-Key");
        log_.record(capture(v.view(), v.api_key()));
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        const std::string_view path = path_of(v.view().target);
        if (path == "/response") {
            res.set(bhttp::field::content_type, "text/html");  // replaced, not doubled
            apiauth::adapters::beast::write_response(crafted_response(), res);
            return;
        }
        const bool routed = fx_.with_route(path, [&](const auto& route) {
            if (auto who = apiauth::adapters::beast::protect(req, res, route)) {
                res.result(bhttp::status::ok);
                res.set(bhttp::field::content_type, "text/plain");
                res.body() = ok_body(*who);
                res.prepare_payload();
            }
        });
        if (!routed) {
            res.result(bhttp::status::not_found);
            res.prepare_payload();
        }
    }

    const route_fixture& fx_;
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::thread thread_;
    server_log log_;
};

struct beast_fixture : route_fixture {
    beast_server server{*this};
};

// What Beast 1.81's request_parser does to a case before the adapter sees it; a case not named
// here is delivered as sent.
stack_effects beast_effects()
{
    stack_effects e;
    // A control character in a value, a bare LF, a name that is not a token: parse errors (400).
    e["A11-NUL"] = {.rejected = 400};
    e["A11-CR"] = {.rejected = 400};
    e["A11-LF"] = {.rejected = 400};
    e["X-bare-LF"] = {.rejected = 400};
    e["X-space-before-colon"] = {.rejected = 400};
    // Its own limits: the header section over header_limit (8 KiB) is http::error::header_limit,
    // a body over body_limit (1 MiB) http::error::body_limit (431 and 413 by status_for_read_error).
    e["C60"] = {.rejected = 431};
    e["E89-1M"] = {.rejected = 413};
    return e;
}

}  // namespace

TEST_CASE_METHOD(beast_fixture, "beast: A1-A11 RFC 9110 §11 credentials reach the core's verdict", "[adapters][beast]")
{
    check_cases(*this, server, cases_a(), beast_effects());
}

TEST_CASE_METHOD(beast_fixture, "beast: B19-B38 RFC 7617 Basic cases reach the core's verdict", "[adapters][beast]")
{
    check_cases(*this, server, cases_b(), beast_effects());
}

TEST_CASE_METHOD(beast_fixture, "beast: C41-C58 RFC 6750 Bearer cases reach the core's verdict", "[adapters][beast]")
{
    check_cases(*this, server, cases_c(*this), beast_effects());
}

TEST_CASE_METHOD(beast_fixture, "beast: D61-D85 RFC 6749 token endpoint cases reach the core's verdict",
                 "[adapters][beast]")
{
    check_cases(*this, server, cases_d(*this), beast_effects());
}

TEST_CASE_METHOD(beast_fixture,
                 "beast: what its parser changes (obs-fold joined, bad names and bare LF refused) is recorded",
                 "[adapters][beast]")
{
    check_cases(*this, server, cases_x(*this), beast_effects());
}

TEST_CASE_METHOD(beast_fixture, "beast: C60 and E89 oversized requests answer 431 and 413", "[adapters][beast]")
{
    check_cases(*this, server, cases_limits(*this), beast_effects());
}

TEST_CASE_METHOD(beast_fixture, "beast: protect(api_route) answers as authenticate_api (RFC 6750 §3.1, RFC 7617)",
                 "[adapters][beast]")
{
    check_api_route(*this, server);
}

TEST_CASE_METHOD(beast_fixture, "beast: protect(bearer_route) answers 200, 401, 403 scope=, 400 (RFC 6750 §3.1)",
                 "[adapters][beast]")
{
    check_bearer_route(*this, server);
}

TEST_CASE_METHOD(beast_fixture, "beast: protect(api_key_route) takes Basic or X-API-Key, 401 Basic, 403, 400",
                 "[adapters][beast]")
{
    check_api_key_route(*this, server);
}

TEST_CASE_METHOD(beast_fixture, "beast: 431 and 413 of the core's bounds pass through the adapter (RFC 6585 §5)",
                 "[adapters][beast]")
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
    // And the token endpoint's own bound (8 KiB), under Beast's 1 MiB: the core's 413.
    r = exchange(server.port(), token_request("", "", {"Basic " + basic_token68()},
                                              "grant_type=client_credentials&pad=" + std::string(9 * 1024, 'p'))
                                    .wire());
    CHECK(r.status == 413);
}

TEST_CASE_METHOD(beast_fixture,
                 "beast: write_response keeps repeated fields in order and one Content-Type (RFC 9110 §5.3)",
                 "[adapters][beast]")
{
    const wire_response r = exchange(server.port(), request_to("/response").wire());
    check_crafted(r);
    // Beast's fields::insert puts a field after the last field of its name: fields of one name
    // keep their order, names keep the order of their first field (RFC 9110 §5.3 allows it).
    CHECK(crafted_names(r) == std::vector<std::string>{"WWW-Authenticate", "WWW-Authenticate", "Set-Cookie",
                                                       "Set-Cookie", "Cache-Control", "Content-Type"});
}

TEST_CASE("beast: viewed_request views the message's own strings, every Authorization line in order",
          "[adapters][beast]")
{
    request req{bhttp::verb::post, "http://api.example.com/oauth/token?x=1", 11};
    req.body() = "grant_type=client_credentials";
    for (int i = 0; i < 6; ++i) req.insert(i % 2 ? "authorization" : "Authorization", "Bearer t" + std::to_string(i));
    req.insert(bhttp::field::content_type, "application/x-www-form-urlencoded");
    req.insert("content-type", "text/plain");
    req.insert("X-Api-Key", "k1");
    const apiauth::adapters::beast::viewed_request v(req, "X-API-Key");
    const apiauth::http::request_view& view = v;
    CHECK(view.method == "POST");
    CHECK(view.target == "/oauth/token?x=1");  // RFC 9112 §3.2.2: absolute-form, cut after the authority
    CHECK(view.body.data() == req.body().data());
    CHECK(view.content_type == "application/x-www-form-urlencoded");  // the first line
    REQUIRE(view.authorization.size() == 6);                          // past the four kept inline
    std::size_t i = 0;
    for (const auto& f : req) {
        if (f.name() != bhttp::field::authorization) continue;
        CHECK(view.authorization[i].data() == f.value().data());
        CHECK(view.authorization[i] == "Bearer t" + std::to_string(i));
        ++i;
    }
    REQUIRE(v.api_key().size() == 1);
    CHECK(v.api_key().front() == "k1");
    // Other bodies: empty_body, vector_body<char>, and a header with a body read elsewhere.
    const bhttp::request<bhttp::empty_body> empty{bhttp::verb::get, "/x", 11};
    CHECK(apiauth::adapters::beast::viewed_request(empty).view().body.empty());
    bhttp::request<bhttp::vector_body<char>> bytes{bhttp::verb::post, "/x", 11};
    bytes.body() = {'a', '=', 'b'};
    CHECK(apiauth::adapters::beast::viewed_request(bytes).view().body == "a=b");
    CHECK(apiauth::adapters::beast::viewed_request(empty.base(), "k=v").view().body == "k=v");
}

TEST_CASE("beast: status_for_read_error answers 431, 413, 400, or nothing (RFC 6585 §5, RFC 9112 §5.1)",
          "[adapters][beast]")
{
    using apiauth::adapters::beast::status_for_read_error;
    CHECK(status_for_read_error(bhttp::error::header_limit) == 431);
    CHECK(status_for_read_error(bhttp::error::body_limit) == 413);
    CHECK(status_for_read_error(bhttp::error::bad_field) == 400);
    CHECK(status_for_read_error(bhttp::error::bad_obs_fold) == 400);
    CHECK(status_for_read_error(bhttp::error::end_of_stream) == 0);
    CHECK(status_for_read_error(bhttp::error::partial_message) == 0);
    CHECK(status_for_read_error(net::error::operation_aborted) == 0);
    CHECK(status_for_read_error({}) == 0);
}
