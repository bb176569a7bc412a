// examples/demo_api/common.hpp — the names, secrets and page helpers every part uses.
// Part of demo_api (main.cpp says what the program does); one translation unit includes it.
#ifndef APIAUTH_EXAMPLES_DEMO_API_COMMON_HPP
#define APIAUTH_EXAMPLES_DEMO_API_COMMON_HPP

#include <apiauth/adapters/beast.hpp>
#include <apiauth/api_key.hpp>
#include <apiauth/authenticate.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/sign.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/introspection.hpp>
#include <apiauth/oauth2/revocation.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oidc/oidc.hpp>
#include <apiauth/stores/api_key_admin.hpp>
#include <apiauth/stores/memory.hpp>
#if APIAUTH_DEMO_WITH_POSTGRES
#include <apiauth/stores/postgres.hpp>
#endif
#if APIAUTH_DEMO_WITH_REDIS
#include <apiauth/stores/redis.hpp>
#endif

#include "../common/html.hpp"
#include "../common/private_file.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace demo_api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace oauth2 = apiauth::oauth2;
namespace stores = apiauth::stores;
namespace id_site = apiauth::id_site;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

constexpr std::string_view key_prefix = "demo_sk";
const std::string_view prefixes[] = {key_prefix};

[[noreturn]] inline void die(const std::string& what, std::error_code ec = {})
{
    std::fprintf(stderr, "demo_api: %s%s%s\n", what.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
    std::exit(2);
}

template <class T> T must(apiauth::result<T> r, const std::string& what)
{
    if (!r) die(what, r.error());
    return std::move(*r);
}

// ---------------------------------------------------------------------------------------------
// Secrets: from the environment, else from a file of the state directory, else generated once.

inline std::string random_text(std::size_t octets)
{
    std::vector<std::byte> b(octets);
    if (auto r = apiauth::crypto::random_bytes(b); !r) die("random", r.error());
    std::string s = apiauth::encoding::base64url::encode(std::span<const std::byte>(b));
    apiauth::crypto::wipe(b.data(), b.size());
    return s;
}

inline std::optional<std::string> read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// Writes `text` to `path` with mode 0600, replacing it when `replace`
// (apiauth_examples::write_private_file); dies if it cannot.
inline void write_private_file(const std::string& path, std::string_view text, bool replace)
{
    if (const int e = apiauth_examples::write_private_file(path, text, replace)) {
        if (e == EEXIST && !replace) die(path + " appeared while generating it");
        die("cannot write " + path + ": " + std::strerror(e));
    }
}

inline std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// The value of the environment variable `env`, or the file `dir/name`, or `make()` written there.
inline std::string secret(const char* env, const std::string& dir, const char* name,
                          const std::function<std::string()>& make, std::vector<std::string>& generated)
{
    if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
    const std::string path = dir + "/" + name;
    if (auto s = read_file(path)) return trimmed(std::move(*s));
    std::string v = make();
    write_private_file(path, v + "\n", false);
    generated.push_back(path);
    return v;
}

inline std::vector<std::byte> hex_bytes(std::string_view hex)
{
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::vector<std::byte> out;
    if (hex.size() % 2 != 0) return {};
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<std::byte>(hi * 16 + lo));
    }
    return out;
}

inline std::string to_hex(std::span<const std::byte> b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (const std::byte x : b) {
        s += digits[std::to_integer<unsigned>(x) >> 4];
        s += digits[std::to_integer<unsigned>(x) & 15];
    }
    return s;
}

inline std::optional<std::string_view> cookie(const request& req, std::string_view name)
{
    for (const auto& f : req) {
        if (f.name() != bhttp::field::cookie) continue;
        std::string_view v = f.value();
        while (!v.empty()) {
            const std::size_t end = v.find(';');
            std::string_view pair = v.substr(0, end);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            const std::size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
            if (end == std::string_view::npos) break;
            v.remove_prefix(end + 1);
        }
    }
    return std::nullopt;
}

using apiauth_examples::html_escape;

inline std::string page(std::string_view title, std::string_view body)
{
    std::string s = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
    s += html_escape(title);
    s += "</title><style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
         "color:#222}code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;overflow-wrap:anywhere}"
         "pre{padding:.6rem;white-space:pre-wrap}.error{color:#a00;font-weight:600}table{border-collapse:collapse}"
         "td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}button{padding:.3rem .8rem}"
         "</style></head><body>\n<h1>";
    s += html_escape(title);
    s += "</h1>\n";
    s += body;
    s += "\n</body></html>\n";
    return s;
}

// `form_action`: an origin a form of the page may be redirected to, beside 'self'.
inline void html(response& res, unsigned status, std::string body, std::string_view form_action = {})
{
    res.result(status);
    res.set(bhttp::field::content_type, "text/html; charset=utf-8");
    res.set(bhttp::field::cache_control, "no-store");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" +
                                           std::string(form_action.empty() ? "" : " ") + std::string(form_action) +
                                           "; frame-ancestors 'none'; base-uri 'none'");
    res.body() = std::move(body);
}

inline void json(response& res, unsigned status, const nlohmann::json& j)
{
    res.result(status);
    res.set(bhttp::field::content_type, "application/json");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = j.dump();
}

inline void redirect(response& res, unsigned status, std::string_view location)
{
    res.result(status);
    res.set(bhttp::field::location, location);
    res.set(bhttp::field::cache_control, "no-store");
}

inline std::string iso_date(std::chrono::sys_seconds t)
{
    const auto d = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd(d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

}  // namespace demo_api

#endif  // APIAUTH_EXAMPLES_DEMO_API_COMMON_HPP
