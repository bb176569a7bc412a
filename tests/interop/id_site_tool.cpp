// id_site_tool.cpp — the apiauth side of the ID Site interop tests (id_site_stormpath.mjs against
// the Stormpath Node SDK, id_site_pyjwt.py against PyJWT): both sides of id_site/ in one process
// that keeps its state (nonce stores, parsed requests) between commands.
//
// It reads one command per line on stdin, `<name> <json-object>`, and answers each with one JSON
// line on stdout: {"ok": true, ...} or {"error": "<errc name>", "message": "<ec.message()>", ...}.
//
//   app {"api_key_id", "api_key_secret", "application_href", "base_url", "login_site_issuer"?,
//        "leeway"?, "request_lifetime"?}                       an application (replaces the last)
//   site {"issuer", "iat_window"?, "response_lifetime"?, "sso_path"?}    a login site (and an
//        empty application directory)
//   register {"api_key_id", "api_key_secret", "href", "callback_uris": [..]}   at the login site
//   clock {"offset": seconds}        both sides' clocks (and their nonce stores) run that far ahead
//   app-url {"callback_uri", "path"?, "state"?, "sof"?, "onk"?, "usd"?, "sp_token"?,
//            "require_mfa"?: [..], "logout"?}                 -> {"url", "jti"}
//   app-callback {"target", "expected_state"?}               -> {"status", "sub", "is_new", "state",
//                                                                "irt", "iss", "claims"}, or an error
//                                                                with "details" for an `err` claim
//   site-parse {"target"}        -> {"request": n, "logout", "iss", "sub", "jti", "iat", "exp",
//                                    "cb_uri", "state", "path", "sof", "onk", "usd", "sp_token",
//                                    "require_mfa", "claims"}, or an error with "refused": n|null
//   site-respond {"request": n, "status"?, "account_href"?, "is_new"?}   -> {"url"}
//   site-error {"refused": n, "error": "<errc name>", "code"?, "status"?, "message"?,
//               "developer_message"?, "more_info"?}                    -> {"url"}
//
// Absent optional members print as null. A line that is not a command answers
// {"error": "usage", ...}; the tool exits at end of input.

#include <apiauth/error.hpp>
#include <apiauth/id_site/application.hpp>
#include <apiauth/id_site/claims.hpp>
#include <apiauth/id_site/login_site.hpp>
#include <apiauth/stores/memory.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace id_site = apiauth::id_site;
using json = nlohmann::json;

std::atomic<std::int64_t> clock_offset{0};

std::chrono::system_clock::time_point now()
{
    return std::chrono::system_clock::now() + std::chrono::seconds(clock_offset.load());
}

json error(std::error_code ec)
{
    const std::string_view name = apiauth::error_name(ec);
    return {{"error", name.empty() ? ec.message() : std::string(name)}, {"message", ec.message()}};
}

json usage(std::string what)
{
    return {{"error", "usage"}, {"message", std::move(what)}};
}

template <class T> json optional_value(const std::optional<T>& v)
{
    if (!v) return nullptr;
    if constexpr (std::is_same_v<T, std::string_view>)
        return std::string(*v);
    else
        return *v;
}

// The errc whose enumerator name is `name` (every value apiauth defines is below 1000).
std::optional<std::error_code> errc_named(std::string_view name)
{
    for (int i = 1; i < 1000; ++i) {
        const auto ec = apiauth::make_error_code(static_cast<apiauth::errc>(i));
        if (apiauth::error_name(ec) == name) return ec;
    }
    return std::nullopt;
}

std::optional<id_site::status> status_named(const json& j)
{
    if (!j.contains("status")) return id_site::status::authenticated;
    return id_site::parse_status(j.at("status").get<std::string>());
}

class tool {
public:
    json run(std::string_view name, const json& a)
    {
        if (name == "app") return make_app(a);
        if (name == "site") return make_site(a);
        if (name == "register") return register_app(a);
        if (name == "clock") {
            clock_offset = a.value("offset", std::int64_t{0});
            return {{"ok", true}};
        }
        if (name == "app-url") return app_url(a);
        if (name == "app-callback") return app_callback(a);
        if (name == "site-parse") return site_parse(a);
        if (name == "site-respond") return site_respond(a);
        if (name == "site-error") return site_error(a);
        return usage("unknown command");
    }

private:
    json make_app(const json& a)
    {
        auto app = id_site::application::make({
            .api_key_id = a.value("api_key_id", std::string()),
            .api_key_secret = a.value("api_key_secret", std::string()),
            .application_href = a.value("application_href", std::string()),
            .base_url = a.value("base_url", std::string()),
            .login_site_issuer = a.value("login_site_issuer", std::string()),
            .request_lifetime = std::chrono::seconds(a.value("request_lifetime", std::int64_t{300})),
            .leeway = std::chrono::seconds(a.value("leeway", std::int64_t{5})),
            .clock = now,
        });
        if (!app) return error(app.error());
        app_.emplace(std::move(*app));
        return {{"ok", true}};
    }

    json make_site(const json& a)
    {
        auto site = id_site::login_site::make({
            .issuer = a.value("issuer", std::string()),
            .sso_path = a.value("sso_path", std::string("/sso")),
            .iat_window = std::chrono::seconds(a.value("iat_window", std::int64_t{60})),
            .response_lifetime = std::chrono::seconds(a.value("response_lifetime", std::int64_t{60})),
            .clock = now,
        });
        if (!site) return error(site.error());
        site_.emplace(std::move(*site));
        directory_ = std::make_unique<id_site::memory_application_directory>();
        return {{"ok", true}};
    }

    json register_app(const json& a)
    {
        if (!site_) return usage("no site");
        id_site::application_registration reg{
            .api_key_id = a.value("api_key_id", std::string()),
            .api_key_secret = a.value("api_key_secret", std::string()),
            .href = a.value("href", std::string()),
            .callback_uris = a.value("callback_uris", std::vector<std::string>{}),
        };
        auto r = site_->register_application(std::move(reg));
        if (!r) return error(r.error());
        directory_->add(std::move(*r));
        return {{"ok", true}};
    }

    json app_url(const json& a)
    {
        if (!app_) return usage("no app");
        const std::string cb = a.value("callback_uri", std::string()), path = a.value("path", std::string()),
                          state = a.value("state", std::string()), onk = a.value("onk", std::string()),
                          sp_token = a.value("sp_token", std::string());
        const std::vector<std::string> mfa = a.value("require_mfa", std::vector<std::string>{});
        const std::vector<std::string_view> mfa_views(mfa.begin(), mfa.end());
        id_site::redirect_options o{.callback_uri = cb,
                                    .path = path,
                                    .state = state,
                                    .organization_name_key = onk,
                                    .sp_token = sp_token,
                                    .require_mfa = mfa_views,
                                    .logout = a.value("logout", false)};
        if (a.contains("sof")) o.show_organization_field = a.at("sof").get<bool>();
        if (a.contains("usd")) o.use_subdomain = a.at("usd").get<bool>();
        auto r = app_->build_redirect_url(o, app_nonces_);
        if (!r) return error(r.error());
        return {{"ok", true}, {"url", r->url}, {"jti", r->jti}};
    }

    json app_callback(const json& a)
    {
        if (!app_) return usage("no app");
        const std::string target = a.value("target", std::string());
        std::optional<std::string> expected;
        if (a.contains("expected_state")) expected = a.at("expected_state").get<std::string>();
        id_site::error_details d;
        const id_site::state_binding binding =
            expected ? id_site::state_binding(*expected) : id_site::state_binding(id_site::unbound);
        auto r = app_->handle_callback(target, app_nonces_, binding, &d);
        if (!r) {
            json e = error(r.error());
            if (d.code != 0)
                e["details"] = {{"code", d.code},
                                {"status", d.status},
                                {"message", d.message},
                                {"developer_message", d.developer_message},
                                {"more_info", d.more_info}};
            return e;
        }
        return {{"ok", true},
                {"status", std::string(id_site::to_string(r->status()))},
                {"sub", optional_value(r->account_href())},
                {"is_new", r->is_new_account()},
                {"state", optional_value(r->state())},
                {"irt", std::string(r->in_response_to())},
                {"iss", optional_value(r->issuer())},
                {"claims", json::parse(r->claims().json())}};
    }

    json site_parse(const json& a)
    {
        if (!site_) return usage("no site");
        const std::string target = a.value("target", std::string());
        id_site::refused_request refused;
        auto r = site_->parse_request(target, *directory_, site_nonces_, &refused);
        if (!r) {
            json e = error(r.error());
            e["refused"] = nullptr;
            if (refused.application) {
                refusals_.push_back(std::move(refused));
                e["refused"] = refusals_.size() - 1;
            }
            return e;
        }
        const auto& c = r->claims();
        json mfa = nullptr;
        if (const auto m = r->require_mfa()) {
            mfa = json::array();
            for (std::string_view f : *m) mfa.push_back(std::string(f));
        }
        json out{{"ok", true},
                 {"logout", r->logout()},
                 {"iss", optional_value(c.iss())},
                 {"sub", optional_value(c.sub())},
                 {"jti", std::string(r->jti())},
                 {"iat", optional_value(c.iat())},
                 {"exp", optional_value(c.exp())},
                 {"cb_uri", std::string(r->callback_uri())},
                 {"state", optional_value(r->state())},
                 {"path", optional_value(r->path())},
                 {"sof", optional_value(r->show_organization_field())},
                 {"onk", optional_value(r->organization_name_key())},
                 {"usd", optional_value(r->use_subdomain())},
                 {"sp_token", optional_value(r->sp_token())},
                 {"require_mfa", mfa},
                 {"app", std::string(r->application()->api_key_id())},
                 {"claims", json::parse(c.json())}};
        requests_.push_back(std::move(*r));
        out["request"] = requests_.size() - 1;
        return out;
    }

    json site_respond(const json& a)
    {
        if (!site_) return usage("no site");
        const std::size_t n = a.value("request", std::size_t{0});
        if (n >= requests_.size()) return usage("no such request");
        const auto s = status_named(a);
        if (!s) return usage("bad status");
        const std::string href = a.value("account_href", std::string());
        auto r = site_->build_response(
            requests_[n], {.status = *s, .account_href = href, .is_new_account = a.value("is_new", false)});
        if (!r) return error(r.error());
        return {{"ok", true}, {"url", *r}};
    }

    json site_error(const json& a)
    {
        if (!site_) return usage("no site");
        const std::size_t n = a.value("refused", std::size_t{0});
        if (n >= refusals_.size()) return usage("no such refusal");
        const auto ec = errc_named(a.value("error", std::string()));
        if (!ec) return usage("no such error name");
        id_site::error_details d{.code = a.value("code", std::int64_t{0}),
                                 .status = a.value("status", std::int64_t{0}),
                                 .message = a.value("message", std::string()),
                                 .developer_message = a.value("developer_message", std::string()),
                                 .more_info = a.value("more_info", std::string())};
        auto r = site_->build_error_response(refusals_[n], *ec, d);
        if (!r) return error(r.error());
        return {{"ok", true}, {"url", *r}};
    }

    std::optional<id_site::application> app_;
    apiauth::stores::memory_nonce_store app_nonces_{1024, now};
    std::optional<id_site::login_site> site_;
    std::unique_ptr<id_site::memory_application_directory> directory_;
    apiauth::stores::memory_nonce_store site_nonces_{1024, now};
    std::vector<id_site::site_request> requests_;
    std::vector<id_site::refused_request> refusals_;
};

}  // namespace

int main()
{
    tool t;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        const auto space = line.find(' ');
        const std::string name = line.substr(0, space);
        json answer;
        try {
            const json args = space == std::string::npos ? json::object() : json::parse(line.substr(space + 1));
            answer = args.is_object() ? t.run(name, args) : usage("arguments are not a JSON object");
        } catch (const std::exception& e) {
            answer = usage(e.what());
        }
        const std::string s = answer.dump();
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }
    return 0;
}
