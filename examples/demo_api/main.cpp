// demo_api — an HTTP API on Boost.Beast protected by apiauth: the whole of what Stormpath's
// `authenticate_api`, API keys and ID Site gave an application, as one program to copy.
//
//   demo_api --state-dir DIR --login-site URL [--port N] [--bind ADDR] [--public-url URL]
//            [--token-alg ES256|HS256] [--db CONNINFO] [--redis unix:PATH|HOST:PORT]
//            [--threads N] [--read-timeout-ms MS] [--bootstrap-key FILE] [--social FILE]
//            [--social-ca FILE] [--nonce-capacity N] [--exit-on-stdin-eof]
//
// Routes (README.md, "The demo", says more):
//
//   GET  /                       who is signed in, their API keys, a form to create one
//   GET  /login, /register       302 to the login site (ID Site request, signed with HS256)
//   GET  /idsite/callback        the login site's answer: verified, its request id consumed once
//   POST /logout                 (csrf) 302 to the login site's logout, the session ended here
//   POST /account/keys           create an API key for the signed-in account (shown once)
//   POST /account/keys/disable   disable one of them
//   POST /oauth/token            OAuth 2.0 client credentials (RFC 6749 §4.4): an API key pair
//                                for an RFC 9068 access token
//   POST /oauth/revoke           RFC 7009;   POST /oauth/introspect   RFC 7662
//   GET  /api/items              Bearer with scope items:read, or the API key pair over Basic
//   POST /api/items              the same with items:write
//   GET  /api/items/public       the same document, unprotected (the load test's baseline)
//   GET  /login/oidc/NAME        social login (--social): 302 to provider NAME's authorization
//                                endpoint (OAuth 2.0 code flow, PKCE S256, OpenID Connect nonce)
//   GET  /oidc/callback          its answer: code exchanged, ID token verified, a session
//   GET  /.well-known/jwks.json  the access tokens' public key (ES256; 404 with HS256)
//   GET  /health                 200 "ok"
//
// Secrets never live in the source: the pepper of the API key verifiers, the access tokens'
// signing key and the ID Site application key come from the environment
// (APIAUTH_DEMO_PEPPER_HEX, APIAUTH_DEMO_TOKEN_JWK, APIAUTH_DEMO_IDSITE_KEY_ID and
// APIAUTH_DEMO_IDSITE_SECRET) or from files in --state-dir. On a first run `./dev demo`
// (demo_live.sh) makes the four files with the apiauth CLI (`secret generate`, `jwk generate`;
// README.md, "Secrets"); one found in neither place is generated here into its file (mode 0600),
// a fallback for a start without the CLI. Each start also writes <state-dir>/login-site-apps.json:
// this application's registration, as `login_site serve --apps` reads it (it holds the ID Site key).
//
// A request must arrive within --read-timeout-ms: a client too slow is answered 408 and cut off;
// a connection that has sent nothing of a new request is closed silently.
//
// API keys live in PostgreSQL with --db (the table of `apiauth key migrate`, applied at start),
// in memory otherwise; ID Site nonces and revoked tokens in Redis with --redis, in memory
// otherwise. --bootstrap-key FILE creates, at start, one API key for the account "operator" with
// both scopes and writes it to FILE (mode 0600): a key without a browser, for scripts and the
// load test (`./dev load`). --social FILE names OpenID Providers for "Log in with …":
// {"providers": [{"name", "display", "issuer", "client_id", "client_secret"}]}; each provider's
// discovery document and JWKS are fetched at start, and the program refuses to start when they
// cannot be. https is verified (TLS 1.2 at least, the certificate chain to the system's CA store,
// the host name): real providers such as Google work as they are; --social-ca FILE adds the CA
// certificates of FILE (PEM) to that trust, for a provider under a private CA. Plain http works
// too, for local providers such as tests/browser's oidc-provider (README.md beside this file).
// Prints "PORT <n>" once listening; stops on SIGINT or SIGTERM (and at the end of
// stdin with --exit-on-stdin-eof).
//
// The parts, all in this one translation unit: common.hpp (names, secrets, page helpers),
// stores.hpp (the stores behind one interface each, browser sessions), social.hpp (the HTTP
// client and the providers of "Log in with …"), app.hpp (the routes), and this file (the HTTP
// server and the start-up).

#include "app.hpp"
#include "common.hpp"
#include "social.hpp"
#include "stores.hpp"

namespace demo_api {

struct options {
    std::string state_dir;
    std::string login_site;
    std::string bind = "127.0.0.1";
    unsigned short port = 0;
    std::string public_url;
    std::string token_alg = "ES256";
    std::string db;
    std::string redis;
    unsigned threads = 2;
    unsigned read_timeout_ms = 10000;
    std::string bootstrap_key;
    std::string social;
    std::string social_ca;
    bool exit_on_stdin_eof = false;
    std::size_t nonce_capacity = 100000;
};

// ---------------------------------------------------------------------------------------------
// The HTTP server: Beast's asynchronous model, one strand per connection, a thread pool. Header
// section bounded to 8 KiB (431), body to 64 KiB (413), a whole request to --read-timeout-ms:
// a client too slow to send its request is answered 408 and cut off, and the others are not held
// up. A connection closed after an answer lingers a moment (see close()) so that the client reads
// that answer.

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(tcp::socket s, demo& app, std::chrono::milliseconds timeout)
        : client_(client_key(s)), stream_(std::move(s)), deadline_(stream_.get_executor()), app_(app), timeout_(timeout)
    {
    }
    void run()
    {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&connection::read, shared_from_this()));
    }

private:
    // The client's address as the login routes' rate limit counts it: an IPv4 address, or the /64
    // of an IPv6 one (one host usually has a whole /64).
    static std::string client_key(const tcp::socket& s)
    {
        beast::error_code ec;
        const auto ep = s.remote_endpoint(ec);
        if (ec) return {};
        auto a = ep.address();
        if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
        if (a.is_v4()) return a.to_string();
        auto bytes = a.to_v6().to_bytes();
        std::fill(bytes.begin() + 8, bytes.end(), 0);
        return asio::ip::address_v6(bytes).to_string() + "/64";
    }

    // Reading a request is timed by deadline_, not by the stream's own timeout: that one closes the
    // socket when it expires, and then no 408 can be sent. deadline_ cancels the read instead.
    void read()
    {
        parser_.emplace();
        parser_->header_limit(8 * 1024);
        parser_->body_limit(64 * 1024);
        stream_.expires_never();
        reading_ = true;
        timed_out_ = false;
        deadline_.expires_after(timeout_);
        deadline_.async_wait(beast::bind_front_handler(&connection::on_deadline, shared_from_this(), ++generation_));
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&connection::on_read, shared_from_this()));
    }

    void on_deadline(std::uint64_t generation, beast::error_code ec)
    {
        if (ec || generation != generation_ || !reading_) return;  // the request came in time
        timed_out_ = true;
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
        // cancel() stops the socket read pending now; between two of them (one just completed, its
        // handler queued on this strand) there is none, and async_read would start another. Cancel
        // again shortly until on_read has run.
        deadline_.expires_after(50ms);
        deadline_.async_wait(beast::bind_front_handler(&connection::on_deadline, shared_from_this(), generation));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        reading_ = false;
        deadline_.cancel();
        if (ec && timed_out_) {
            // Too slow. Part of a request came: 408 Request Timeout (RFC 9110 §15.5.9), then close.
            // Nothing of a new request came (an idle keep-alive connection, or a new one that never
            // sent anything): close without a word, as the RFC allows and servers do, since a client
            // may be sending its next request at this very moment on a connection it thinks is open.
            if (!parser_->got_some() && buffer_.size() == 0) return close();
            return answer_error(bhttp::status::request_timeout);
        }
        if (ec) {
            const int status = apiauth::adapters::beast::status_for_read_error(ec);
            if (status == 0) return close();
            return answer_error(static_cast<bhttp::status>(status));
        }
        res_ = {};
        app_.handle(parser_->get(), res_, client_);
        res_.prepare_payload();
        write();
    }

    // An answer to a request that could not be read (408, 413, 431, 400): plain text, and the
    // connection closes after it.
    void answer_error(bhttp::status status)
    {
        res_ = response(status, 11);
        res_.set(bhttp::field::content_type, "text/plain");
        res_.body() = std::string(bhttp::obsolete_reason(res_.result())) + "\n";
        res_.keep_alive(false);
        res_.prepare_payload();
        write();
    }

    void write()
    {
        stream_.expires_after(timeout_);
        bhttp::async_write(stream_, res_, beast::bind_front_handler(&connection::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec || !res_.keep_alive()) return close();
        read();
    }

    // A lingering close: the end of sending (FIN), then whatever the client still sends is read
    // and dropped until it closes too, for at most 2 s (and 4 MiB). Closing a socket that has unread
    // octets makes TCP send a reset, which can destroy an answer the client has not read yet (the
    // 413 to a 1 MiB body, the 408 to a client still trickling its header).
    void close()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        buffer_.clear();
        stream_.expires_after(std::min<std::chrono::milliseconds>(timeout_, 2s));
        drain(0, {}, 0);
    }

    void drain(std::size_t drained, beast::error_code ec, std::size_t n)
    {
        drained += n;
        if (ec || drained > 4 * 1024 * 1024) return;  // closed by the client, the deadline, or enough
        stream_.async_read_some(asio::buffer(drain_),
                                beast::bind_front_handler(&connection::drain, shared_from_this(), drained));
    }

    std::string client_;  // client_key: first, made from the socket before it moves into stream_
    beast::tcp_stream stream_;
    asio::steady_timer deadline_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    response res_;
    demo& app_;
    std::chrono::milliseconds timeout_;
    std::uint64_t generation_ = 0;
    bool reading_ = false;
    bool timed_out_ = false;
    std::array<char, 4096> drain_{};
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(asio::io_context& ioc, tcp::acceptor acceptor, demo& app, std::chrono::milliseconds timeout)
        : ioc_(ioc), acceptor_(std::move(acceptor)), app_(app), timeout_(timeout)
    {
    }
    void accept()
    {
        acceptor_.async_accept(asio::make_strand(ioc_),
                               beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec, tcp::socket s)
    {
        if (!ec) std::make_shared<connection>(std::move(s), app_, timeout_)->run();
        if (acceptor_.is_open()) accept();
    }
    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    demo& app_;
    std::chrono::milliseconds timeout_;
};

// ---------------------------------------------------------------------------------------------

int serve(const options& o)
{
    if (::mkdir(o.state_dir.c_str(), 0700) != 0 && errno != EEXIST) die("cannot create " + o.state_dir);

    asio::io_context ioc(static_cast<int>(o.threads));
    beast::error_code ec;
    const auto address = asio::ip::make_address(o.bind, ec);
    if (ec) die("--bind " + o.bind + ": not an IP address");
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint at(address, o.port);
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) die("cannot listen on " + o.bind + ":" + std::to_string(o.port) + ": " + ec.message());
    const unsigned short port = acceptor.local_endpoint().port();
    const std::string public_url =
        o.public_url.empty() ? "http://" + o.bind + ":" + std::to_string(port) : o.public_url;

    // The secrets.
    std::vector<std::string> generated;
    const std::string pepper_hex = secret(
        "APIAUTH_DEMO_PEPPER_HEX", o.state_dir, "pepper-1.hex",
        [] {
            std::array<std::byte, 32> p{};
            if (auto r = apiauth::crypto::random_bytes(p); !r) die("random", r.error());
            return to_hex(p);
        },
        generated);
    std::vector<std::byte> pepper = hex_bytes(pepper_hex);
    if (pepper.size() < 32) die("the pepper must be at least 32 octets, in hex");
    apiauth::pepper_ring ring = must(apiauth::pepper_ring::make({{1, pepper}}, 1), "pepper ring");
    apiauth::crypto::wipe(pepper.data(), pepper.size());

    const auto alg = apiauth::jose::parse_algorithm(o.token_alg);
    if (!alg || (*alg != apiauth::jose::algorithm::es256 && *alg != apiauth::jose::algorithm::hs256))
        die("--token-alg must be ES256 or HS256");
    const std::string jwk_file = "access-token-" + o.token_alg + ".jwk";
    const std::string jwk_text = secret(
        "APIAUTH_DEMO_TOKEN_JWK", o.state_dir, jwk_file.c_str(),
        [&] {
            const std::string kid = "demo-" + o.token_alg + "-" + random_text(6);
            auto k = must(apiauth::jose::key::generate(*alg, kid), "key generation");
            return must(k.to_jwk(true), "to_jwk").dump();
        },
        generated);
    apiauth::jose::key signing =
        must(apiauth::jose::key::from_jwk(std::string_view(jwk_text), {.allow_private = true}), "the access-token JWK");
    if (signing.alg() != *alg) die("the access-token JWK is not a " + o.token_alg + " key");

    const std::string idsite_id = secret(
        "APIAUTH_DEMO_IDSITE_KEY_ID", o.state_dir, "id-site-key-id", [] { return "demo" + random_text(12); },
        generated);
    const std::string idsite_secret = secret(
        "APIAUTH_DEMO_IDSITE_SECRET", o.state_dir, "id-site-secret", [] { return random_text(32); }, generated);
    for (const auto& g : generated) std::fprintf(stderr, "demo_api: generated %s (mode 0600)\n", g.c_str());

    const std::string app_href = public_url + "/applications/demo";
    id_site::application idsite = must(id_site::application::make({.api_key_id = idsite_id,
                                                                   .api_key_secret = idsite_secret,
                                                                   .application_href = app_href,
                                                                   .base_url = o.login_site}),
                                       "ID Site application (--login-site must be an absolute http(s) URL)");
    const nlohmann::json registration = {{"applications",
                                          {{{"api_key_id", idsite_id},
                                            {"api_key_secret", idsite_secret},
                                            {"href", app_href},
                                            {"callback_uris", {public_url + "/idsite/callback"}}}}}};
    write_private_file(o.state_dir + "/login-site-apps.json", registration.dump(2) + "\n", true);

    // The stores.
    stores::memory_api_key_store memory_keys;
    stores::memory_nonce_store memory_nonces(o.nonce_capacity);
    stores::memory_revocation_store memory_revoked;
    std::unique_ptr<key_backend> keys =
        std::make_unique<key_backend_of<stores::memory_api_key_store>>(memory_keys, "memory");
    std::optional<nonce_backend> nonces(std::in_place, memory_nonces, "memory");
    std::optional<revocation_backend> revoked(std::in_place, memory_revoked, "memory");
#if APIAUTH_DEMO_WITH_POSTGRES
    std::optional<stores::postgres_api_key_store> pg_keys;
    if (!o.db.empty()) {
        auto pool = must(stores::postgres_pool::make({.conninfo = o.db}), "PostgreSQL pool");
        if (auto m = pool->migrate(); !m) die("PostgreSQL (--db): cannot apply the migration", m.error());
        pg_keys.emplace(pool);
        keys = std::make_unique<key_backend_of<stores::postgres_api_key_store>>(*pg_keys, "PostgreSQL");
    }
#else
    if (!o.db.empty()) die("--db: this demo_api was built without PostgreSQL (libpq-dev)");
#endif
#if APIAUTH_DEMO_WITH_REDIS
    std::optional<stores::redis_nonce_store> redis_nonces;
    std::optional<stores::redis_revocation_store> redis_revoked;
    if (!o.redis.empty()) {
        stores::redis_options ro;
        if (o.redis.starts_with("unix:")) {
            ro.unix_socket = o.redis.substr(5);
        } else {
            const auto colon = o.redis.rfind(':');
            if (colon == std::string::npos) die("--redis: unix:PATH or HOST:PORT");
            ro.host = o.redis.substr(0, colon);
            ro.port = static_cast<std::uint16_t>(std::stoul(o.redis.substr(colon + 1)));
        }
        ro.key_prefix = "apiauth-demo:";
        auto pool = must(stores::redis_pool::make(ro), "Redis pool");
        redis_nonces.emplace(pool);
        redis_revoked.emplace(pool);
        nonces.emplace(*redis_nonces, "Redis");
        revoked.emplace(*redis_revoked, "Redis");
    }
#else
    if (!o.redis.empty()) die("--redis: this demo_api was built without hiredis (libhiredis-dev)");
#endif

    if (!o.bootstrap_key.empty()) {
        auto k = must(keys->create({.prefix = key_prefix,
                                    .owner = "operator",
                                    .name = "bootstrap",
                                    .scopes = {"items:read", "items:write"},
                                    .lifetime = std::chrono::days(1)},
                                   ring),
                      "--bootstrap-key: creating the key");
        write_private_file(o.bootstrap_key, std::string(k.token.reveal()) + "\n", true);
        std::fprintf(stderr, "demo_api: API key %s for \"operator\" written to %s (mode 0600)\n", k.hint.c_str(),
                     o.bootstrap_key.c_str());
    }

    if (!o.social_ca.empty()) {
        if (o.social.empty()) die("--social-ca without --social: there is no provider to trust it for");
        set_social_ca(o.social_ca);
    }
    const auto social =
        o.social.empty() ? std::vector<std::unique_ptr<social_provider>>() : load_social(o.social, public_url);
    for (const auto& p : social)
        std::fprintf(stderr, "demo_api: \"Log in with %s\": %s\n", p->display.c_str(), p->metadata.issuer.c_str());

    demo app(public_url, *keys, *nonces, *revoked, std::move(ring), std::move(signing), std::move(idsite), social);

    std::make_shared<listener>(ioc, std::move(acceptor), app, std::chrono::milliseconds(o.read_timeout_ms))->accept();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    if (o.exit_on_stdin_eof) {
        std::thread([&ioc] {
            char buf[256];
            while (::read(STDIN_FILENO, buf, sizeof buf) > 0) {
            }
            ioc.stop();
        }).detach();
    }
    std::fprintf(stderr, "demo_api: %s (keys in %s, nonces and revocations in %s, access tokens %s), login site %s\n",
                 public_url.c_str(), keys->name(), nonces->name(), o.token_alg.c_str(), o.login_site.c_str());
    std::printf("PORT %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < o.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
}

}  // namespace demo_api

int main(int argc, char** argv)
{
    demo_api::options o;
    CLI::App cli{"demo_api: an API protected by apiauth (OAuth 2.0 client credentials, Bearer and API key routes, "
                 "ID Site login)"};
    cli.add_option("--state-dir", o.state_dir, "directory of the generated secrets and login-site-apps.json")
        ->required();
    cli.add_option("--login-site", o.login_site, "the login site's base URL (ID Site: <URL>/sso)")->required();
    cli.add_option("--bind", o.bind, "address to listen on")->capture_default_str();
    cli.add_option("--port", o.port, "port to listen on (0: the kernel picks; printed as PORT n)")
        ->capture_default_str();
    cli.add_option("--public-url", o.public_url, "this server's URL as browsers see it (default http://BIND:PORT)");
    cli.add_option("--token-alg", o.token_alg, "access token algorithm: ES256 or HS256")->capture_default_str();
    cli.add_option("--db", o.db, "PostgreSQL connection string: API keys in PostgreSQL instead of memory");
    cli.add_option("--redis", o.redis, "unix:PATH or HOST:PORT: nonces and revoked tokens in Redis instead of memory");
    cli.add_option("--threads", o.threads, "threads serving requests")->capture_default_str()->check(CLI::Range(1, 64));
    cli.add_option("--read-timeout-ms", o.read_timeout_ms, "time allowed to send one whole request (then 408)")
        ->capture_default_str()
        ->check(CLI::Range(10, 600000));
    cli.add_option("--bootstrap-key", o.bootstrap_key, "create an API key for \"operator\" and write it to this file");
    cli.add_option("--social", o.social, "JSON file of OpenID Providers for \"Log in with …\" (http or https)");
    cli.add_option("--social-ca", o.social_ca,
                   "PEM file of CA certificates trusted for the providers' https, besides the system's store");
    cli.add_option("--nonce-capacity", o.nonce_capacity,
                   "ID Site request ids the in-memory nonce store holds (kept 300 s each, in 16 shards);\n"
                   "keep it well above the login routes' limit: 30 per address, 2,000 addresses (60,000)")
        ->capture_default_str()
        ->check(CLI::Range(16, 10000000));
    cli.add_flag("--exit-on-stdin-eof", o.exit_on_stdin_eof, "stop when standard input reaches end of file");
    CLI11_PARSE(cli, argc, argv);
    return demo_api::serve(o);
}
