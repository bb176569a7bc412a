// examples/demo_api/social.hpp — "Log in with …": the HTTP client, the providers, the logins in progress.
// Part of demo_api (main.cpp says what the program does); one translation unit includes it.
#ifndef APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP
#define APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP

#include "common.hpp"

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

// One HTTP/1.1 exchange with `url` (http only), bounded: 5 s in all, a 256 KiB body. It runs on
// its own io_context, so it blocks the calling thread (a server's handler here) until done: a
// demo's trade. Empty, with `error` set, when it could not be done.
inline std::optional<fetched> http_fetch(std::string_view method, std::string_view url,
                                         const std::vector<apiauth::http::field>& fields, std::string_view body,
                                         std::string& error)
{
    const auto u = boost::urls::parse_absolute_uri(url);
    if (!u || u->scheme() != "http" || u->host().empty()) {
        error = "not an http:// URL (this demo speaks no TLS): " + std::string(url);
        return std::nullopt;
    }
    const std::string host = u->host();
    const std::string port = u->has_port() ? std::string(u->port()) : "80";
    std::string target(u->encoded_path());
    if (target.empty()) target = "/";
    if (u->has_query()) target += "?" + std::string(u->encoded_query());

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    request req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, host + ":" + port);
    req.set(bhttp::field::user_agent, "apiauth-demo_api");
    for (const auto& f : fields) req.set(f.name, f.value);
    req.body() = std::string(body);
    req.prepare_payload();
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024);
    beast::error_code failure;
    stream.expires_after(5s);
    resolver.async_resolve(host, port, [&](beast::error_code ec, const tcp::resolver::results_type& where) {
        if (ec) return void(failure = ec);
        stream.async_connect(where, [&](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return void(failure = ec2);
            bhttp::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                if (ec3) return void(failure = ec3);
                bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) { failure = ec4; });
            });
        });
    });
    ioc.run();
    if (failure) {
        error = std::string(url) + ": " + failure.message();
        return std::nullopt;
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
        const auto keys = must(apiauth::jose::key_set::from_jwks(jwks->body), "--social " + p->name + ": its JWKS");
        apiauth::oidc::id_token_options o{.issuer = p->metadata.issuer, .client_id = p->client_id};
        o.algorithms = p->metadata.id_token_algorithms();
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
        std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires < now; });
        if (entries_.size() >= 10000) entries_.erase(entries_.begin());
        entries_.emplace(id, entry{&p, std::move(a), now + 10min});
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
    std::mutex mutex_;
    std::map<std::string, entry, std::less<>> entries_;
};

}  // namespace demo_api

#endif  // APIAUTH_EXAMPLES_DEMO_API_SOCIAL_HPP
