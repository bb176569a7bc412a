// examples/demo_api/app.hpp — the routes: what demo_api answers to each request.
// Part of demo_api (main.cpp says what the program does); one translation unit includes it.
#ifndef APIAUTH_EXAMPLES_DEMO_API_APP_HPP
#define APIAUTH_EXAMPLES_DEMO_API_APP_HPP

#include "common.hpp"
#include "social.hpp"
#include "stores.hpp"

namespace demo_api {

struct item {
    int id;
    std::string name;
    std::string created_by;
};

class demo {
public:
    demo(const std::string& public_url, key_backend& keys, nonce_backend& nonces, revocation_backend& revoked,
         apiauth::pepper_ring ring, apiauth::jose::key signing, id_site::application idsite,
         const std::vector<std::unique_ptr<social_provider>>& social)
        : social_(social), public_url_(public_url), keys_(keys), nonces_(nonces), revoked_(revoked),
          ring_(std::move(ring)),
          issuer_(must(oauth2::access_token_issuer::make(
                           signing, {.issuer = public_url, .audience = {public_url + "/api"}, .lifetime = 3600s}),
                       "access token issuer")),
          verifying_(verifying_key(signing)),
          verifier_(must(oauth2::access_token_verifier::make(apiauth::jose::key_set(verifying_),
                                                             {.issuer = public_url, .audience = public_url + "/api"}),
                         "access token verifier")),
          idsite_(std::move(idsite)), callback_uri_(public_url + "/idsite/callback"),
          jwks_(signing.alg() == apiauth::jose::algorithm::hs256
                    ? std::string()
                    : apiauth::jose::key_set(verifying_).to_public_jwks().dump()),
          read_items_{.config = cfg_,
                      .store = keys_,
                      .ring = ring_,
                      .tokens = verifier_,
                      .scopes = read_scope,
                      .revoked = revoked_},
          write_items_{.config = cfg_,
                       .store = keys_,
                       .ring = ring_,
                       .tokens = verifier_,
                       .scopes = write_scope,
                       .revoked = revoked_}
    {
        // RFC 8707: the one API this server issues tokens for. A token request naming any other
        // resource is invalid_target, so no client gets a token for another API that trusts
        // this issuer.
        // Over https every cookie is Secure, and the session cookie is __Host-demo_session
        // (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so neither a sibling subdomain nor a
        // plain-http page of this host can set or shadow it); the cookies with a narrower Path
        // take the __Secure- prefix. Over plain http (the dev set-up on 127.0.0.1) a browser would
        // not send a Secure cookie back: the names and attributes stay as they are.
        secure_ = public_url.starts_with("https://");
        session_cookie_ = secure_ ? "__Host-demo_session" : "demo_session";
        state_cookie_ = secure_ ? "__Secure-demo_login_state" : "demo_login_state";
        oidc_cookie_ = secure_ ? "__Secure-demo_oidc" : "demo_oidc";
        if (const auto u = boost::urls::parse_absolute_uri(idsite_.options().base_url))
            login_site_origin_ = std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
        api_audience_ = public_url + "/api";
        resources_[0] = api_audience_;
        topt_.resources = resources_;
        cfg_.token.resources = resources_;
        items_.push_back({1, "alpha", "seed"});
        items_.push_back({2, "beta", "seed"});
    }

    // `client`: the client's address (its /64 for IPv6), for the login routes' rate limit.
    void handle(const request& req, response& res, const std::string& client = {})
    {
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        const std::string_view target = req.target();
        const std::string_view path = target.substr(0, target.find('?'));
        const bool get = req.method() == bhttp::verb::get;
        const bool post = req.method() == bhttp::verb::post;
        try {
            // The OAuth 2.0 endpoints take every method: their 405 with `Allow: POST` is the library's.
            if (path == "/oauth/token") {
                const apiauth::adapters::beast::viewed_request v(req);
                const auto t = oauth2::token_endpoint(v.view(), keys_, ring_, issuer_, topt_);
                if (t.rehash) (void)keys_.store_rehash(t.client, t.rehash);  // harmless if it fails: next use
                return endpoint(res, t.response);
            }
            if (path == "/oauth/revoke") {
                const apiauth::adapters::beast::viewed_request v(req);
                return endpoint(
                    res, oauth2::revocation_endpoint(v.view(), keys_, ring_, verifier_, revoked_, topt_).response);
            }
            if (path == "/oauth/introspect") {
                const apiauth::adapters::beast::viewed_request v(req);
                return endpoint(
                    res, oauth2::introspection_endpoint(v.view(), keys_, ring_, verifier_, revoked_, topt_).response);
            }
            if (path == "/api/items" && get) return list_items(req, res);
            if (path == "/api/items" && post) return add_item(req, res);
            if (path == "/api/items/public" && get) return public_items(res);
            if (path == "/.well-known/jwks.json" && get && !jwks_.empty()) {
                res.result(200);
                res.set(bhttp::field::content_type, "application/jwk-set+json");
                res.set(bhttp::field::cache_control, "max-age=300");
                res.body() = jwks_;
                return;
            }
            if (path == "/health" && get) {
                res.result(200);
                res.set(bhttp::field::content_type, "text/plain");
                res.body() = "ok\n";
                return;
            }
            if (path == "/" && get) return home(req, res);
            // Each of these GETs, anonymous, costs memory (a request id kept 300 s, or a pending
            // social login): a bounded number per client address (login_rate_limiter).
            if (get && (path == "/login" || path == "/register" || path.starts_with("/login/oidc/")))
                if (const std::int64_t wait = login_starts_.try_start(client); wait > 0) return too_many(res, wait);
            if (path == "/login" && get) return to_login_site(res, false, false);
            if (path == "/register" && get) return to_login_site(res, false, true);
            if (path == "/logout" && post) return logout(req, res);
            if (path == "/idsite/callback" && get) return callback(req, res);
            if (path.starts_with("/login/oidc/") && get) return to_provider(path.substr(12), res);
            if (path == "/oidc/callback" && get) return social_callback(req, res);
            if (path == "/account/keys" && post) return create_key(req, res);
            if (path == "/account/keys/disable" && post) return disable_key(req, res);
            if (path == "/api/items" || path == "/" || path == "/login" || path == "/logout" ||
                path == "/idsite/callback" || path == "/account/keys") {
                res.result(405);
                res.set(bhttp::field::allow, path == "/api/items"                           ? "GET, POST"
                                             : path == "/account/keys" || path == "/logout" ? "POST"
                                                                                            : "GET");
                return;
            }
            res.result(404);
            res.set(bhttp::field::content_type, "text/plain");
            res.body() = "not found\n";
        } catch (const std::exception& e) {
            std::fprintf(stderr, "demo_api: %s %.*s: %s\n", std::string(req.method_string()).c_str(),
                         static_cast<int>(path.size()), path.data(), e.what());
            res = response(bhttp::status::internal_server_error, req.version());
            res.keep_alive(false);
        }
    }

private:
    static apiauth::jose::key verifying_key(const apiauth::jose::key& signing)
    {
        // The resources' key: the secret itself for HS256, the public half otherwise.
        const bool secret = signing.alg() == apiauth::jose::algorithm::hs256;
        return must(apiauth::jose::key::from_jwk(must(signing.to_jwk(secret), "to_jwk")), "from_jwk");
    }

    // One Set-Cookie line: HttpOnly, SameSite=Lax, and Secure over https. An empty value with
    // max_age 0 deletes the cookie.
    void set_cookie(response& res, std::string_view name, std::string_view value, std::string_view path,
                    int max_age) const
    {
        std::string c(name);
        c += '=';
        c += value;
        c += "; Path=";
        c += path;
        c += "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
        if (secure_) c += "; Secure";
        res.insert(bhttp::field::set_cookie, c);
    }

    static void endpoint(response& res, const apiauth::http::response& answer)
    {
        apiauth::adapters::beast::write_response(answer, res);
    }

    nlohmann::json items_json()
    {
        const std::lock_guard lock(items_mutex_);
        nlohmann::json a = nlohmann::json::array();
        for (const item& i : items_) a.push_back({{"id", i.id}, {"name", i.name}});
        return {{"items", std::move(a)}};
    }

    static nlohmann::json who_json(const apiauth::authenticated& who)
    {
        return {{"method", who.method() == apiauth::auth_method::access_token ? "access_token" : "api_key"},
                {"key_id", std::string(who.key_id())},
                {"subject", std::string(who.subject())}};
    }

    // The same document as GET /api/items, for nobody: the load test's baseline (bench/load.sh), so
    // that the two routes differ by the authentication alone.
    void public_items(response& res)
    {
        nlohmann::json j = items_json();
        j["authenticated"] = {{"method", "none"}, {"key_id", ""}, {"subject", ""}};
        json(res, 200, j);
    }

    // research/api-keys.md §3.3: an API key that verified under an older pepper is stored again
    // under the current one, so that the old pepper can be retired. A failure is harmless: the
    // key still verifies, and its next use tries again.
    void rehash_on_use(const apiauth::authenticated& who)
    {
        if (who.needs_rehash()) (void)keys_.store_rehash(who.record(), who.rehash());
    }

    void list_items(const request& req, response& res)
    {
        const auto who = apiauth::adapters::beast::protect(req, res, read_items_);
        if (!who) return;
        rehash_on_use(*who);
        nlohmann::json j = items_json();
        j["authenticated"] = who_json(*who);
        json(res, 200, j);
    }

    void add_item(const request& req, response& res)
    {
        const auto who = apiauth::adapters::beast::protect(req, res, write_items_);
        if (!who) return;
        rehash_on_use(*who);
        // JSON only when labelled so: a cross-site <form enctype="text/plain"> can post a body
        // that parses as JSON, and a browser sends cached Basic credentials with it; it cannot
        // send Content-Type: application/json without a CORS preflight, which this API never
        // grants. 415 for anything else (RFC 9110 §15.5.16), with the type it accepts.
        if (!is_json_media_type(req[bhttp::field::content_type])) {
            json(res, 415, {{"error", "the body must be application/json"}});
            res.set("Accept-Post", "application/json");
            return;
        }
        const nlohmann::json in = nlohmann::json::parse(req.body(), nullptr, false);
        if (!in.is_object() || !in.contains("name") || !in["name"].is_string() ||
            in["name"].get_ref<const std::string&>().empty() || in["name"].get_ref<const std::string&>().size() > 100)
            return json(res, 400, {{"error", "the body must be {\"name\": \"1 to 100 characters\"}"}});
        item added;
        {
            const std::lock_guard lock(items_mutex_);
            if (items_.size() >= 1000) return json(res, 507, {{"error", "the demo keeps at most 1000 items"}});
            added = {static_cast<int>(items_.size()) + 1, in["name"].get<std::string>(), std::string(who->subject())};
            items_.push_back(added);
        }
        json(res, 201, {{"created", {{"id", added.id}, {"name", added.name}}}, {"authenticated", who_json(*who)}});
    }

    // "application/json", in any case, with optional parameters ("; charset=utf-8").
    static bool is_json_media_type(std::string_view v)
    {
        v = v.substr(0, v.find(';'));
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        constexpr std::string_view want = "application/json";
        return v.size() == want.size() && std::equal(v.begin(), v.end(), want.begin(), [](char a, char b) {
                   return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
               });
    }

    std::optional<std::pair<std::string, browser_session>> signed_in(const request& req)
    {
        const auto id = cookie(req, session_cookie_);
        if (!id) return std::nullopt;
        auto s = sessions_.find(*id);
        if (!s) return std::nullopt;
        return std::pair{std::string(*id), std::move(*s)};
    }

    void home(const request& req, response& res)
    {
        const auto s = signed_in(req);
        std::string b;
        if (!s) {
            b = "<p id=\"who\" data-signed-in=\"false\">Not signed in.</p>\n"
                "<p><a id=\"login\" href=\"/login\">Sign in</a> or <a id=\"register\" href=\"/register\">create an "
                "account</a> on the hosted login site (ID Site).</p>\n";
            for (const auto& p : social_)
                b += "<p><a id=\"login-oidc-" + html_escape(p->name) + "\" href=\"/login/oidc/" + html_escape(p->name) +
                     "\">Log in with " + html_escape(p->display) + "</a></p>\n";
        } else {
            const browser_session& bs = s->second;
            b = "<p id=\"who\" data-signed-in=\"true\">Signed in as <code id=\"account\">" + html_escape(bs.account) +
                "</code>" + (bs.is_new ? " <em id=\"new-account\">(new account)</em>" : "") +
                (bs.display.empty() ? "" : " <span id=\"profile\">" + html_escape(bs.display) + "</span>") + ".</p>\n";
            // A form, not a link: a POST with the session's CSRF token, so that no other site can
            // sign this browser out by sending it to /logout (an image, a link, a redirect).
            b += "<form id=\"logout-form\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
                 "value=\"" +
                 html_escape(bs.csrf) + "\"><button id=\"logout\">Sign out</button></form>\n<h2>Your API keys</h2>\n";
            auto keys = keys_.list(bs.account);
            if (!keys) {
                b += "<p class=\"error\" id=\"error\">The key store cannot answer: " +
                     html_escape(keys.error().message()) + "</p>\n";
            } else if (keys->empty()) {
                b += "<p id=\"no-keys\">None yet.</p>\n";
            } else {
                b += "<table id=\"keys\"><tr><th>key</th><th>name</th><th>scopes</th><th>created</th><th>status</th>"
                     "<th></th></tr>\n";
                for (const auto& k : *keys) {
                    std::string scopes;
                    for (const auto& sc : k.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
                    b += "<tr data-key-id=\"" + html_escape(k.key_id) + "\"><td><code>" + html_escape(k.hint) +
                         "</code></td><td>" + html_escape(k.name) + "</td><td>" + html_escape(scopes) + "</td><td>" +
                         iso_date(k.created_at) + "</td><td class=\"status\">" +
                         (k.disabled() ? "disabled" : "enabled") + "</td><td>";
                    if (!k.disabled())
                        b += "<form method=\"post\" action=\"/account/keys/disable\"><input type=\"hidden\" "
                             "name=\"csrf\" value=\"" +
                             html_escape(bs.csrf) + "\"><input type=\"hidden\" name=\"key_id\" value=\"" +
                             html_escape(k.key_id) + "\"><button>Disable</button></form>";
                    b += "</td></tr>\n";
                }
                b += "</table>\n";
            }
            b +=
                "<form id=\"create-key\" method=\"post\" action=\"/account/keys\"><input type=\"hidden\" name=\"csrf\" "
                "value=\"" +
                html_escape(bs.csrf) +
                "\"><label>Name <input id=\"key-name\" name=\"name\" maxlength=\"100\" value=\"my key\"></label> "
                "<button id=\"create-key-button\">Create an API key</button></form>\n";
        }
        b += "<h2>The API</h2>\n<p>Exchange an API key for an access token at <code>POST /oauth/token</code> "
             "(client credentials), then call <code>GET /api/items</code> with it as a Bearer token, or send the key "
             "pair over HTTP Basic. Keys live in " +
             std::string(keys_.name()) + "; login nonces and revoked tokens in " + nonces_.name() + ".</p>\n";
        // The sign-out form's answer is a redirect to the login site: CSP form-action covers the
        // redirects after a form too, so that origin is allowed beside 'self'.
        html(res, 200, page("apiauth demo API", b), login_site_origin_);
    }

    static void too_many(response& res, std::int64_t retry_after)
    {
        html(res, 429,
             page("Too many sign-ins", "<p class=\"error\" id=\"error\" data-error=\"too_many_requests\">Too many "
                                       "sign-ins were started from your address; try again later.</p>"));
        res.set(bhttp::field::retry_after, std::to_string(retry_after));
    }

    // RFC 6749 §10.12-style defence for the login: the request's `state` is random and kept in a
    // cookie of this browser; the callback must bring back the same (constant-time compare).
    void to_login_site(response& res, bool logout, bool register_page)
    {
        const std::string state = random_text(16);
        auto r = idsite_.build_redirect_url({.callback_uri = callback_uri_,
                                             .path = register_page ? "/#/register" : "",
                                             .state = state,
                                             .logout = logout},
                                            nonces_);
        if (!r) {
            html(
                res, 503,
                page("Cannot sign in", "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        redirect(res, 302, r->url);
        set_cookie(res, state_cookie_, state, "/idsite", 300);
    }

    // POST /logout with the session's CSRF token (form_session): 401 without a session, 403
    // without the token.
    void logout(const request& req, response& res)
    {
        apiauth::http::form_view form;
        if (!form_session(req, res, form)) return;
        if (const auto s = signed_in(req)) sessions_.erase(s->first);
        to_login_site(res, true, false);
        set_cookie(res, session_cookie_, "", "/", 0);
    }

    void callback(const request& req, response& res)
    {
        const std::string_view expected = cookie(req, state_cookie_).value_or(std::string_view());
        id_site::error_details details;
        auto a = idsite_.handle_callback(req.target(), nonces_, expected, &details);
        set_cookie(res, state_cookie_, "", "/idsite", 0);
        if (!a) {
            std::string b = "<p class=\"error\" id=\"error\" data-error=\"" +
                            html_escape(apiauth::error_name(a.error())) +
                            "\">The login site's answer was refused: " + html_escape(a.error().message()) + ".</p>\n";
            if (!details.message.empty()) b += "<p>The login site said: " + html_escape(details.message) + "</p>\n";
            b += "<p><a href=\"/\">Back</a></p>";
            html(res, apiauth::http_status(a.error(), apiauth::endpoint::id_site_callback) >= 500 ? 503 : 400,
                 page("Sign-in refused", b));
            return;
        }
        if (a->status() == id_site::status::logout) {
            if (const auto s = signed_in(req)) sessions_.erase(s->first);
            redirect(res, 303, "/");
            set_cookie(res, session_cookie_, "", "/", 0);
            return;
        }
        if (const auto old = signed_in(req)) sessions_.erase(old->first);  // a new id at each login
        const std::string id = sessions_.create(std::string(*a->account_href()), a->is_new_account());
        redirect(res, 303, "/");
        set_cookie(res, session_cookie_, id, "/", 28800);
    }

    // "Log in with …": an authorization request (RFC 6749 §4.1.1, PKCE S256 RFC 7636, OpenID
    // Connect nonce) whose state, nonce and verifier stay here, under a cookie of this browser.
    void to_provider(std::string_view name, response& res)
    {
        const social_provider* p = nullptr;
        for (const auto& q : social_)
            if (q->name == name) p = q.get();
        if (p == nullptr) {
            html(res, 404, page("No such provider", "<p class=\"error\" id=\"error\">No provider of that name.</p>"));
            return;
        }
        auto r =
            apiauth::oidc::build_authorization_request({.authorization_endpoint = p->metadata.authorization_endpoint,
                                                        .client_id = p->client_id,
                                                        .redirect_uri = p->redirect_uri,
                                                        .scope = "openid email profile"});
        if (!r) {
            html(res, 500,
                 page("Cannot log in", "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        const std::string id = logins_.add(*p, std::move(r->pending));
        redirect(res, 302, r->url);
        set_cookie(res, oidc_cookie_, id, "/oidc", 600);
    }

    // The provider's answer: the callback checked (state in constant time, RFC 9207 `iss`), the
    // code exchanged at the token endpoint (this program's I/O), the ID token verified (OpenID
    // Connect Core §3.1.3.7: signature by the provider's JWKS, iss, aud, exp, nonce, at_hash).
    void social_callback(const request& req, response& res)
    {
        set_cookie(res, oidc_cookie_, "", "/oidc", 0);
        const auto refuse = [&](unsigned status, std::string_view name, const std::string& why) {
            html(res, status,
                 page("Log-in refused", "<p class=\"error\" id=\"error\" data-error=\"" + html_escape(name) + "\">" +
                                            html_escape(why) + "</p><p><a href=\"/\">Back</a></p>"));
        };
        const auto cookie_id = cookie(req, oidc_cookie_);
        auto e = cookie_id ? logins_.take(*cookie_id) : std::nullopt;
        if (!e) return refuse(400, "no_login_in_progress", "No log-in is in progress in this browser (or it expired).");
        const social_provider& p = *e->provider;
        apiauth::oidc::provider_error pe;
        // RFC 9207: iss compared when sent, and required when the provider's metadata promises it.
        auto cb = apiauth::oidc::handle_callback(req.target(),
                                                 apiauth::oidc::callback_options_for(p.metadata, e->pending), &pe);
        if (!cb) {
            std::string why = cb.error().message();
            if (cb.error() == apiauth::errc::provider_error)
                why = p.display + " said: " + pe.error + " " + pe.error_description;
            return refuse(400, apiauth::error_name(cb.error()), why);
        }
        auto tr = apiauth::oidc::build_token_request({.token_endpoint = p.metadata.token_endpoint,
                                                      .client_id = p.client_id,
                                                      .client_secret = p.client_secret,
                                                      .code = cb->code,
                                                      .redirect_uri = p.redirect_uri,
                                                      .code_verifier = e->pending.code_verifier});
        if (!tr) return refuse(500, apiauth::error_name(tr.error()), tr.error().message());
        std::string error;
        const auto answer = http_fetch(tr->method, tr->url, tr->fields, tr->body, error);
        if (!answer) return refuse(502, "provider_unavailable", error);
        auto tokens = apiauth::oidc::parse_token_response(static_cast<int>(answer->status), answer->content_type,
                                                          answer->body, &pe);
        if (!tokens) {
            std::string why = tokens.error().message();
            if (tokens.error() == apiauth::errc::provider_error)
                why = p.display + " said: " + pe.error + " " + pe.error_description;
            return refuse(502, apiauth::error_name(tokens.error()), why);
        }
        auto id = p.verifier->verify(tokens->id_token, apiauth::oidc::expectation(e->pending, tokens->access_token));
        if (!id) return refuse(400, apiauth::error_name(id.error()), id.error().message());
        std::string display;
        if (auto prof = apiauth::oidc::profile_from_id_token(apiauth::oidc::provider_id::generic, *id)) {
            display = prof->name;
            if (!prof->email.empty())
                display += (display.empty() ? "" : ", ") + prof->email + (prof->email_verified ? "" : " (unverified)");
        }
        // Accounts are keyed on (provider, sub), never on an email (research/social-login.md §3).
        if (const auto old = signed_in(req)) sessions_.erase(old->first);
        const std::string sid = sessions_.create(p.name + ":" + std::string(id->subject()), false, std::move(display));
        redirect(res, 303, "/");
        set_cookie(res, session_cookie_, sid, "/", 28800);
    }

    // The session of a form post, or the answer already written (401, 403).
    std::optional<browser_session> form_session(const request& req, response& res, apiauth::http::form_view& form)
    {
        const auto s = signed_in(req);
        if (!s) {
            html(res, 401,
                 page("Not signed in",
                      "<p class=\"error\" id=\"error\">Sign in first.</p><p><a href=\"/login\">Sign in</a></p>"));
            return std::nullopt;
        }
        auto f = apiauth::http::parse_form(req.body(), {.max_size = 4096, .max_params = 8});
        const auto csrf = f ? f->find("csrf") : std::nullopt;
        if (!csrf || !apiauth::crypto::secret_equal(*csrf, s->second.csrf)) {
            html(res, 403,
                 page("Refused", "<p class=\"error\" id=\"error\">This form is stale or was not sent by this "
                                 "site (CSRF token).</p><p><a href=\"/\">Back</a></p>"));
            return std::nullopt;
        }
        form = *f;
        return s->second;
    }

    static std::string field(const apiauth::http::form_view& form, std::string_view name)
    {
        const auto v = form.find(name);
        if (!v) return {};
        auto d = apiauth::http::decode_form_component(*v);
        return d ? std::move(*d) : std::string();
    }

    void create_key(const request& req, response& res)
    {
        apiauth::http::form_view form;
        const auto s = form_session(req, res, form);
        if (!s) return;
        std::string name = field(form, "name");
        if (name.empty()) name = "my key";
        if (name.size() > 100) name.resize(100);
        auto k = keys_.create({.prefix = key_prefix,
                               .owner = s->account,
                               .name = name,
                               .scopes = {"items:read", "items:write"},
                               .lifetime = std::chrono::days(90)},
                              ring_);
        if (!k) {
            html(res, 503,
                 page("Cannot create a key",
                      "<p class=\"error\" id=\"error\">" + html_escape(k.error().message()) + "</p>"));
            return;
        }
        // The whole key is "<client_id>_<client_secret>": the pair is the token cut at its last '_'.
        const std::string token(k->token.reveal());
        const std::size_t cut = token.rfind('_');
        const std::string id = token.substr(0, cut), secret = token.substr(cut + 1);
        std::string b = "<p>Your new API key, shown only this once (the server keeps a peppered verifier, never the "
                        "key):</p>\n<pre id=\"api-key\">" +
                        html_escape(token) +
                        "</pre>\n<p>As an OAuth 2.0 client: <code>client_id</code> <code id=\"client-id\">" +
                        html_escape(id) + "</code>, <code>client_secret</code> <code id=\"client-secret\">" +
                        html_escape(secret) + "</code>.</p>\n<pre>curl -u '" + html_escape(id) + ":" +
                        html_escape(secret) + "' -d grant_type=client_credentials -d scope=items:read " +
                        html_escape(public_url_) + "/oauth/token</pre>\n<p><a id=\"home\" href=\"/\">Back</a></p>";
        html(res, 201, page("API key created", b));
    }

    void disable_key(const request& req, response& res)
    {
        apiauth::http::form_view form;
        const auto s = form_session(req, res, form);
        if (!s) return;
        const std::string id = field(form, "key_id");
        auto r = keys_.disable(id, s->account);
        if (!r) {
            html(res, apiauth::http_status(r.error(), apiauth::endpoint::resource) >= 500 ? 503 : 404,
                 page("Cannot disable the key",
                      "<p class=\"error\" id=\"error\">" + html_escape(r.error().message()) + "</p>"));
            return;
        }
        redirect(res, 303, "/");
    }

    static constexpr std::string_view read_scope[] = {"items:read"};
    static constexpr std::string_view write_scope[] = {"items:write"};

    const std::vector<std::unique_ptr<social_provider>>& social_;
    pending_logins logins_;
    std::string public_url_;
    bool secure_ = false;                          // public_url_ is https: Secure cookies, prefixed names
    std::string session_cookie_;                   // demo_session, or __Host-demo_session over https
    std::string state_cookie_;                     // demo_login_state (Path=/idsite), or __Secure-demo_login_state
    std::string oidc_cookie_;                      // demo_oidc (Path=/oidc), or __Secure-demo_oidc
    std::string login_site_origin_;                // where POST /logout redirects (the home page's form-action)
    std::string api_audience_;                     // public_url_ + "/api": the `aud` of every access token
    std::array<std::string_view, 1> resources_{};  // the RFC 8707 resources: api_audience_
    key_backend& keys_;
    nonce_backend& nonces_;
    revocation_backend& revoked_;
    apiauth::pepper_ring ring_;
    oauth2::access_token_issuer issuer_;
    apiauth::jose::key verifying_;
    oauth2::access_token_verifier verifier_;
    // Verified access tokens, kept until they expire: a token seen again skips its signature and
    // JSON (an ES256 verification costs tens of microseconds); revocation and scopes are still
    // checked on every request (authenticate_api, api_auth_config::token_cache).
    oauth2::verified_token_cache<oauth2::verified_access_token> cache_{
        [leeway = verifier_.policy().leeway](const oauth2::verified_access_token& t) {
            return std::chrono::system_clock::time_point(t.expires_at() + leeway);
        }};
    id_site::application idsite_;
    std::string callback_uri_;
    std::string jwks_;
    oauth2::token_endpoint_options topt_{
        .request = {.allow_client_secret_post = true}, .keys = {.prefixes = prefixes}, .errors = {.realm = "demo"}};
    // check_token_key: a Bearer token is accepted only while the API key it was issued to is
    // enabled, as Stormpath checked: disabling a key on the account page stops its tokens too.
    apiauth::api_auth_config cfg_{.token_endpoint_path = "/oauth/token",
                                  .realm = "demo",
                                  .token = topt_,
                                  .token_cache = &cache_,
                                  .check_token_key = true};
    apiauth::adapters::api_route read_items_;
    apiauth::adapters::api_route write_items_;
    session_table sessions_;
    login_rate_limiter login_starts_;
    std::mutex items_mutex_;
    std::vector<item> items_;
};

}  // namespace demo_api

#endif  // APIAUTH_EXAMPLES_DEMO_API_APP_HPP
