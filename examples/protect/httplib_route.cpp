// examples/protect/httplib_route.cpp — README.md's "Protect a route: cpp-httplib", as a program.
//
// One route, GET /api/items, that needs an RFC 9068 access token with the scope items:read. The
// program makes its own HS256 key and prints two tokens it issued (one with the scope, one
// without), so that curl can try each:
//
//   build/dev/examples/protect/protect_httplib &
//   curl -i -H "Authorization: Bearer <token>" http://127.0.0.1:<port>/api/items
//
// A real server reads its key from a file or the environment (see examples/demo_api) and gets
// its tokens from a token endpoint; the route itself is the marked part, as in the README.
#include <apiauth/adapters/httplib.hpp>
#include <apiauth/oauth2/access_token.hpp>

#include <httplib.h>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>

int main()
{
    namespace oauth2 = apiauth::oauth2;
    auto key = apiauth::jose::key::generate(apiauth::jose::algorithm::hs256, "demo-1");
    auto issuer = oauth2::access_token_issuer::make(*key, {.issuer = "https://issuer.example", .audience = {"items"}});
    auto verifier = oauth2::access_token_verifier::make(apiauth::jose::key_set(std::move(*key)),
                                                        {.issuer = "https://issuer.example", .audience = "items"});
    if (!issuer || !verifier) return 1;
    const std::array<std::string_view, 1> granted = {"items:read"};
    const auto reader = issuer->issue({.subject = "reader", .client_id = "reader", .scopes = granted});
    const auto stranger = issuer->issue({.subject = "stranger", .client_id = "stranger"});
    if (!reader || !stranger) return 1;
    httplib::Server svr;
    const oauth2::access_token_verifier& tokens = *verifier;

    // [protect-route]
    static constexpr std::string_view read[] = {"items:read"};
    const apiauth::adapters::bearer_route items{.tokens = tokens, .scopes = read};
    svr.Get("/api/items", [&](const httplib::Request& req, httplib::Response& res) {
        if (auto who = apiauth::adapters::httplib::protect(req, res, items))
            res.set_content("items of " + std::string(who->subject()) + "\n", "text/plain");
    });  // otherwise res is already the exact 400/401/403 answer, challenge included
    // [protect-route]

    const int port = svr.bind_to_any_port("127.0.0.1");
    if (port <= 0) return 1;
    std::printf("port %d\ntoken %s\nno_scope_token %s\n", port, reader->token.c_str(), stranger->token.c_str());
    std::fflush(stdout);
    return svr.listen_after_bind() ? 0 : 1;
}
