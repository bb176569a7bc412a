// examples/demo_api/social.hpp — "Log in with …": the HTTP client, the providers, the logins in progress.
// Part of demo_api (main.cpp says what the program does); one translation unit includes it.
#ifndef APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP
#define APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP

#include "common.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <type_traits>

namespace demo_api {

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Social login (apiauth::oidc): the library builds each request and judges each answer; this
// program does the I/O, with a small HTTP client on Beast.

struct fetched {
    unsigned status = 0;
    std::string content_type;
    std::string body;
};

// The trust of every https fetch: the system's store (Debian's ca-certificates) plus, with
// --social-ca, one more file of CA certificates, for a provider whose certificate comes from a
// private CA (a company's, a test's). One file for all providers rather than one per provider:
// the token exchange (app.hpp) fetches with nothing but the endpoint's URL, and an extra CA is
// what adding it to the system store would do anyway. Set by main before the first fetch.
inline std::string& social_ca_file()
{
    static std::string file;
    return file;
}

// One TLS client context for the process, made at the first https fetch: reading the system's
// bundle (some 140 certificates) at every fetch would be wasted work, and an SSL_CTX, once set
// up, is safe to share between threads. Throws boost::system::system_error when the store or
// --social-ca cannot be read (then the next call tries again).
inline asio::ssl::context& tls_client_context()
{
    static asio::ssl::context context = [] {
        asio::ssl::context c(asio::ssl::context::tls_client);
        // TLS 1.2 at least (RFC 8996 deprecated 1.0 and 1.1; OpenID Connect Core §16.17 asks for
        // current TLS); 1.3 when the provider offers it.
        if (SSL_CTX_set_min_proto_version(c.native_handle(), TLS1_2_VERSION) != 1)
            throw boost::system::system_error(asio::error::invalid_argument, "TLS 1.2 minimum");
        c.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
        c.set_verify_mode(asio::ssl::verify_peer);
        c.set_default_verify_paths();
        if (!social_ca_file().empty()) c.load_verify_file(social_ca_file());
        return c;
    }();
    return context;
}

// --social-ca FILE: checked at start, so that an unreadable file stops the program even when no
// provider is https (yet).
inline void set_social_ca(const std::string& file)
{
    social_ca_file() = file;
    try {
        tls_client_context();
    } catch (const boost::system::system_error& e) {
        die("--social-ca " + file + ": not a readable file of PEM certificates (" + e.code().message() + ")");
    }
}

namespace detail {

// Connect, the TLS handshake when Stream is an ssl_stream, write, read: one callback chain on the
// caller's io_context. `tcp` is the TCP layer (the stream itself for http), whose deadline bounds
// every step after the name lookup; `step` names the step that failed.
template <class Stream>
void exchange(Stream& stream, beast::tcp_stream& tcp, tcp::resolver& resolver, const std::string& host,
              const std::string& port, request& req, beast::flat_buffer& buffer,
              bhttp::response_parser<bhttp::string_body>& parser, beast::error_code& failure, const char*& step)
{
    step = "resolving the host";
    resolver.async_resolve(host, port, [&](beast::error_code ec, const tcp::resolver::results_type& where) {
        if (ec) return void(failure = ec);
        step = "connecting";
        tcp.async_connect(where, [&](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return void(failure = ec2);
            const auto send = [&] {
                step = "sending the request";
                bhttp::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                    if (ec3) return void(failure = ec3);
                    step = "reading the response";
                    bhttp::async_read(stream, buffer, parser,
                                      [&](beast::error_code ec4, std::size_t) { failure = ec4; });
                });
            };
            if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                send();
            } else {
                step = "TLS handshake";
                stream.async_handshake(asio::ssl::stream_base::client, [&, send](beast::error_code ec3) {
                    if (ec3) return void(failure = ec3);
                    send();
                });
            }
        });
    });
}

}  // namespace detail

// One HTTP/1.1 exchange with `url`, http:// or https://, bounded: 5 s in all after the name
// lookup, a 256 KiB body. https is verified: the certificate chain up to the trust above
// (verify_peer), the host name (or IP address) of the URL in the certificate, TLS 1.2 at least,
// SNI sent. It runs on its own io_context, so it blocks the calling thread (a server's handler
// here) until done: a demo's trade. Empty, with `error` set (the URL, the step, and for a
// certificate OpenSSL's reason), when it could not be done.
inline std::optional<fetched> http_fetch(std::string_view method, std::string_view url,
                                         const std::vector<apiauth::http::field>& fields, std::string_view body,
                                         std::string& error)
{
    const auto u = boost::urls::parse_absolute_uri(url);
    const bool tls = u && u->scheme() == "https";
    if (!u || (!tls && u->scheme() != "http") || u->host_address().empty()) {
        error = "not an http:// or https:// URL: " + std::string(url);
        return std::nullopt;
    }
    // host_address: an IPv6 literal without its brackets, as the resolver and the certificate
    // check want it; the Host header keeps the URL's own spelling.
    const std::string host = u->host_address();
    const std::string port = u->has_port() ? std::string(u->port()) : tls ? "443" : "80";
    std::string target(u->encoded_path());
    if (target.empty()) target = "/";
    if (u->has_query()) target += "?" + std::string(u->encoded_query());

    request req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, u->encoded_host_and_port());
    req.set(bhttp::field::user_agent, "apiauth-demo_api");
    for (const auto& f : fields) req.set(f.name, f.value);
    req.body() = std::string(body);
    req.prepare_payload();
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024);
    beast::error_code failure;
    const char* step = "";
    const auto failed = [&](const std::string& why) {
        error = std::string(url) + ": " + step + " failed: " + why;
        return std::nullopt;
    };

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    if (!tls) {
        beast::tcp_stream stream(ioc);
        stream.expires_after(5s);
        detail::exchange(stream, stream, resolver, host, port, req, buffer, parser, failure, step);
        ioc.run();
        if (failure) return failed(failure.message());
    } else {
        asio::ssl::context* context = nullptr;
        try {
            context = &tls_client_context();
        } catch (const boost::system::system_error& e) {
            step = "setting up TLS";
            return failed(e.what());
        }
        beast::ssl_stream<beast::tcp_stream> stream(ioc, *context);
        beast::get_lowest_layer(stream).expires_after(5s);
        const bool is_name = u->host_type() == boost::urls::host_type::name;
        // SNI (RFC 6066 §3): the name of the host, never an IP address; servers hosting several
        // names need it to pick the certificate.
        if (is_name && SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
            step = "setting up TLS";
            return failed("SNI: " + host);
        }
        // Without this, any certificate of a trusted CA, for any host, would do. OpenSSL checks the
        // leaf during the chain's verification and names a mismatch itself (hostname mismatch, IP
        // address mismatch). A name must be in the subjectAltName (never the subject's CN, which
        // RFC 6125 §6.4.4 leaves to clients without SANs), and a wildcard must be a whole label.
        SSL* ssl = stream.native_handle();
        const bool pinned =
            is_name
                ? (SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT),
                   SSL_set1_host(ssl, host.c_str()) == 1)
                : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
        if (!pinned) {
            step = "setting up TLS";
            return failed("cannot check the certificate against " + host);
        }
        detail::exchange(stream, beast::get_lowest_layer(stream), resolver, host, port, req, buffer, parser, failure,
                         step);
        ioc.run();
        // Beast reads no further than the end of a message, so a server closing without
        // close_notify after one with a length (most do) costs nothing. stream_truncated comes
        // here when the body was to end at the close (no Content-Length, not chunked): anyone on
        // the path could have cut it short, so that stays a failure; a message the parser saw
        // complete is kept.
        if (failure == asio::ssl::error::stream_truncated && parser.is_done()) failure = {};
        if (failure) {
            const long verdict = SSL_get_verify_result(stream.native_handle());
            if (verdict != X509_V_OK)
                return failed("certificate verification failed: " +
                              std::string(X509_verify_cert_error_string(verdict)) + " (" + failure.message() + ")");
            return failed(failure.message());
        }
        // No TLS shutdown: the answer is complete, and waiting for the server's close_notify
        // (which many never send) would only add a round trip; the socket is closed here.
    }
    const auto& res = parser.get();
    return fetched{res.result_int(), std::string(res[bhttp::field::content_type]), res.body()};
}

// A provider of "Log in with …": its metadata and keys, fetched once at start.
struct social_provider {
    std::string name;     // in URLs: /login/oidc/<name>
    std::string display;  // "Log in with <display>"
    std::string client_id;
    std::string client_secret;
    std::string redirect_uri;  // <public URL>/oidc/callback
    apiauth::oidc::provider_metadata metadata;
    std::optional<apiauth::oidc::id_token_verifier> verifier;
};

inline std::vector<std::unique_ptr<social_provider>> load_social(const std::string& file, const std::string& public_url)
{
    std::vector<std::unique_ptr<social_provider>> out;
    const auto text = read_file(file);
    if (!text) die("--social: cannot read " + file);
    const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("providers") || !j["providers"].is_array())
        die("--social: " + file +
            " must be {\"providers\": [{\"name\", \"display\", \"issuer\", \"client_id\", "
            "\"client_secret\"}]}");
    for (const auto& e : j["providers"]) {
        auto p = std::make_unique<social_provider>();
        const auto field = [&](const char* k) {
            if (!e.contains(k) || !e[k].is_string() || e[k].get_ref<const std::string&>().empty())
                die(std::string("--social: every provider needs a non-empty \"") + k + "\"");
            return e[k].get<std::string>();
        };
        p->name = field("name");
        p->display = field("display");
        p->client_id = field("client_id");
        p->client_secret = field("client_secret");
        p->redirect_uri = public_url + "/oidc/callback";
        const std::string issuer = field("issuer");
        std::string error;
        // OpenID Connect Discovery §4: the metadata at the issuer's well-known path, whose `issuer`
        // must be exactly the one configured (§4.3).
        const auto doc = http_fetch("GET", issuer + "/.well-known/openid-configuration", {}, {}, error);
        if (!doc || doc->status != 200)
            die("--social " + p->name + ": discovery failed: " + (doc ? "HTTP " + std::to_string(doc->status) : error));
        p->metadata =
            must(apiauth::oidc::parse_provider_metadata(doc->body, issuer), "--social " + p->name + ": its metadata");
        const auto jwks = http_fetch("GET", p->metadata.jwks_uri, {}, {}, error);
        if (!jwks || jwks->status != 200)
            die("--social " + p->name + ": its JWKS: " + (jwks ? "HTTP " + std::to_string(jwks->status) : error));
        // The provider's JWKS is untrusted input: provider_key_set refuses a secret key in it and
        // binds an RSA key published without "alg" to the metadata's one RSA algorithm.
        const std::vector<apiauth::jose::algorithm> algs = p->metadata.id_token_algorithms();
        const auto keys = must(apiauth::oidc::provider_key_set(jwks->body, algs), "--social " + p->name + ": its JWKS");
        apiauth::oidc::id_token_options o{.issuer = p->metadata.issuer, .client_id = p->client_id};
        o.algorithms = algs;
        p->verifier.emplace(must(apiauth::oidc::id_token_verifier::make(keys, std::move(o)),
                                 "--social " + p->name + ": ID token verifier"));
        out.push_back(std::move(p));
    }
    return out;
}

// Logins in progress: the state, nonce and PKCE verifier of each, server side, under an
// unguessable id in a cookie of the browser that began it; ten minutes, one use, bounded.
class pending_logins {
public:
    struct entry {
        const social_provider* provider;
        apiauth::oidc::pending_authorization pending;
        std::chrono::steady_clock::time_point expires;
    };
    std::string add(const social_provider& p, apiauth::oidc::pending_authorization a)
    {
        std::string id = random_text(32);
        const std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        // order_ is the order of creation, which is the order of expiry (one lifetime for all):
        // the expired are at its front, and when the table is full the oldest entry goes, not
        // whichever id sorts first (a random one: that evicted live logins at random, and a
        // login just begun as readily as one about to expire).
        while (!order_.empty()) {
            const auto it = entries_.find(order_.front());
            if (it != entries_.end() && it->second.expires >= now && entries_.size() < capacity) break;
            if (it != entries_.end()) entries_.erase(it);
            order_.pop_front();
        }
        // Ids taken stay in order_ until reached: drop them before they pile up.
        if (order_.size() >= 2 * capacity)
            std::erase_if(order_, [this](const std::string& old) { return !entries_.contains(old); });
        entries_.emplace(id, entry{&p, std::move(a), now + 10min});
        order_.push_back(id);
        return id;
    }
    std::optional<entry> take(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const auto it = entries_.find(id);
        if (it == entries_.end()) return std::nullopt;
        entry e = std::move(it->second);
        entries_.erase(it);
        if (e.expires < std::chrono::steady_clock::now()) return std::nullopt;
        return e;
    }

private:
    static constexpr std::size_t capacity = 10000;
    std::mutex mutex_;
    std::map<std::string, entry, std::less<>> entries_;
    std::deque<std::string> order_;  // ids by creation; a taken id is skipped when reached
};

}  // namespace demo_api

#endif  // APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP
