// examples/protect/beast_route.cpp — README.md's "Protect a route: Boost.Beast", as a program.
//
// One route, POST /api/items, that needs an RFC 9068 access token with the scope items:write.
// The program makes its own HS256 key and prints two tokens it issued (one with the scope, one
// without), so that curl can try each:
//
//   build/dev/examples/protect/protect_beast &
//   curl -i -X POST -H "Authorization: Bearer <token>" http://127.0.0.1:<port>/api/items
//
// A synchronous server, one connection at a time, to keep the example short; examples/demo_api
// is the asynchronous one. The route itself is the marked part, as in the README.
#include <apiauth/adapters/beast.hpp>
#include <apiauth/oauth2/access_token.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// The answer to one request: the protected route, or 404.
http::response<http::string_body> handle(const http::request<http::string_body>& req,
                                         const apiauth::oauth2::access_token_verifier& tokens)
{
    if (req.target() != "/api/items" || req.method() != http::verb::post) {
        http::response<http::string_body> res{http::status::not_found, req.version()};
        res.prepare_payload();
        return res;
    }
    // [protect-route]
    static constexpr std::string_view write[] = {"items:write"};
    const apiauth::adapters::bearer_route items_write{.tokens = tokens, .scopes = write};
    http::response<http::string_body> res;
    if (auto who = apiauth::adapters::beast::protect(req, res, items_write)) {
        res.result(http::status::created);
        res.body() = "created by " + std::string(who->subject()) + "\n";
        res.prepare_payload();
    }  // otherwise res is already the exact 400/401/403 answer, challenge included
    // [protect-route]
    return res;
}

}  // namespace

int main()
{
    namespace oauth2 = apiauth::oauth2;
    auto key = apiauth::jose::key::generate(apiauth::jose::algorithm::hs256, "demo-1");
    auto issuer = oauth2::access_token_issuer::make(*key, {.issuer = "https://issuer.example", .audience = {"items"}});
    auto verifier = oauth2::access_token_verifier::make(apiauth::jose::key_set(std::move(*key)),
                                                        {.issuer = "https://issuer.example", .audience = "items"});
    if (!issuer || !verifier) return 1;
    const std::array<std::string_view, 1> granted = {"items:write"};
    const auto writer = issuer->issue({.subject = "writer", .client_id = "writer", .scopes = granted});
    const auto stranger = issuer->issue({.subject = "stranger", .client_id = "stranger"});
    if (!writer || !stranger) return 1;

    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::printf("port %u\ntoken %s\nno_scope_token %s\n", static_cast<unsigned>(acceptor.local_endpoint().port()),
                writer->token.c_str(), stranger->token.c_str());
    std::fflush(stdout);
    for (;;) {
        asio::ip::tcp::socket socket = acceptor.accept();
        beast::flat_buffer buffer;
        beast::error_code ec;
        for (;;) {
            http::request<http::string_body> req;
            http::read(socket, buffer, req, ec);
            if (ec) break;  // the client closed, or sent what Beast cannot parse
            auto res = handle(req, *verifier);
            http::write(socket, res, ec);
            if (ec || !res.keep_alive()) break;
        }
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
}
