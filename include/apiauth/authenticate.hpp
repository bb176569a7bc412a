// apiauth/authenticate.hpp — authenticate_api: one call that authenticates an API request the
// way Stormpath's authenticate_api did (an API key over Basic, a token request at the token
// endpoint, or a Bearer access token), without its bugs, and says exactly what to answer.
#ifndef APIAUTH_AUTHENTICATE_HPP
#define APIAUTH_AUTHENTICATE_HPP

#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/verify.hpp>
#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/ascii.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/bearer.hpp>
#include <apiauth/http/challenge.hpp>
#include <apiauth/http/credentials.hpp>
#include <apiauth/http/request.hpp>
#include <apiauth/http/response.hpp>
#include <apiauth/oauth2/access_token.hpp>
#include <apiauth/oauth2/scope.hpp>
#include <apiauth/oauth2/token_cache.hpp>
#include <apiauth/oauth2/token_endpoint.hpp>
#include <apiauth/oauth2/token_key.hpp>
#include <apiauth/oauth2/token_response.hpp>

#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** How a request authenticated. */
enum class auth_method {
    api_key,        ///< an API key pair over HTTP Basic (RFC 7617)
    access_token,   ///< a Bearer access token (RFC 6750, RFC 9068)
    token_request,  ///< a client credentials token request at the token endpoint (RFC 6749 §4.4)
};

/** How authenticate_api reads requests. One per protected API; the defaults are strict. */
struct api_auth_config {
    /// The path of the token endpoint (the target without its query). Empty: none here.
    std::string_view token_endpoint_path = "/oauth/token";
    /// Where a Bearer token may be sent: the header always; a form body or the query only if
    /// enabled (RFC 6750 §2.2, §2.3; the query is NOT RECOMMENDED).
    http::bearer_options bearer{};
    /// Accept an API key pair over Basic at a resource (Stormpath's Basic API authentication).
    bool allow_api_key_basic = true;
    /// The realm of every challenge (RFC 9110 §11.5).
    std::string_view realm = "api";
    /// How the token endpoint answers (request bounds, key policy, scope decision).
    oauth2::token_endpoint_options token{};
    /// Opt-in: a cache of verified access tokens (oauth2/token_cache.hpp). A token seen
    /// before and unexpired skips the signature and the JSON; the revocation store and the
    /// scopes are still checked on every request. Entries are bound to the verifier that made
    /// them, so one cache may serve routes with different verifiers. Not owned; null: no cache.
    oauth2::verified_token_cache<oauth2::verified_access_token>* token_cache = nullptr;
    /// Opt-in: a Bearer access token is accepted only while the API key it was issued to (its
    /// `sub`: the token endpoint writes the key id there) is in the store and active
    /// and still accepted by `token.keys` (oauth2::check_token_key: its prefix allowed, not
    /// disabled, not expired), as Stormpath's SDKs checked on every request
    /// (research/stormpath-protocol.md §5.3). Disabling a key then stops its tokens at once
    /// (within the TTL of a stores::cached_api_key_store) rather than at their `exp`. Refused:
    /// token_key_unknown, token_key_not_accepted, token_key_revoked, token_key_expired,
    /// token_key_not_yet_valid (401 invalid_token); a store failure fails closed with its own
    /// error (503 for store_unavailable). The identity then carries the key's record. Costs
    /// one store lookup per Bearer request, cache hits included. Only for tokens whose `sub`
    /// is an API key id of this store: the tokens of this library's token endpoint.
    /// adapters::bearer_route has no store and does not check: use an api_route (Basic off).
    bool check_token_key = false;
};

class authenticated;

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {
struct authenticated_access;

// The pass only authenticated_access can make: it opens authenticated's public constructor,
// which std::optional::emplace needs, to nothing else.
class authenticated_pass {
    friend struct authenticated_access;
    authenticated_pass() = default;
};

// Deletes a string that held a token after wiping it.
struct wiping_delete {
    void operator()(std::string* s) const noexcept
    {
        crypto::wipe(*s);
        delete s;
    }
};
using kept_token = std::unique_ptr<std::string, wiping_delete>;
}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** Who a request authenticated as. Made only by authenticate_api.

    For an API key: the key's record (its key id, owner and scopes). For an access token:
    the verified token (its subject, client_id, scopes). Views returned here live as long as
    this object (and, for a header token, as long as the request).
*/
class authenticated {
public:
    /// How the request authenticated: api_key or access_token.
    auth_method method() const noexcept { return method_; }
    /// The API key id of the client: the key's own id, or the token's `sub` (the token endpoint
    /// issues `sub` = the key id and `client_id` = the client_id the client authenticated with).
    std::string_view key_id() const noexcept
    {
        const oauth2::verified_access_token* t = token();
        return t != nullptr ? t->subject() : std::string_view(record_->key_id);
    }
    /// The subject: the token's sub, or the key's owner (empty if the record has none).
    std::string_view subject() const noexcept
    {
        const oauth2::verified_access_token* t = token();
        return t != nullptr ? t->subject() : std::string_view(record_->owner);
    }
    /// True when the request holds `scope`: in the token's scope claim, or the key's scopes.
    bool has_scope(std::string_view scope) const noexcept
    {
        if (const oauth2::verified_access_token* t = token()) return t->has_scope(scope);
        for (const std::string& s : record_->scopes)
            if (s == scope) return true;
        return false;
    }
    /// The API key's record (method api_key); for an access token, the record of the key it
    /// was issued to when api_auth_config::check_token_key looked it up; else null.
    const std::shared_ptr<const api_key_record>& record() const noexcept { return record_; }
    /// The API key matched the record's previous secret, within its rotation grace period.
    bool matched_previous() const noexcept { return matched_previous_; }
    /// True when the API key's record has a verifier under an older pepper (or a wrapped one):
    /// store rehash() in its place (stores::store_rehash) so that the old pepper can be retired
    /// (research/api-keys.md §3.3, "rehash on use").
    bool needs_rehash() const noexcept { return rehash_.has_value(); }
    /// The key's verifier under the current pepper, when needs_rehash().
    const std::optional<api_key_verifier>& rehash() const noexcept { return rehash_; }
    /// The verified access token (method access_token), else null.
    const oauth2::verified_access_token* token() const noexcept
    {
        if (cached_) return &cached_->value();
        return has_token_ ? &token_ : nullptr;
    }
    /// True when the token's verification is held by the token cache (this request filled
    /// the entry or found it there).
    bool in_cache() const noexcept { return cached_ != nullptr; }
    /// How the token arrived (method access_token).
    http::bearer_method bearer_method() const noexcept { return bearer_; }
    /// "private" when the token came in the query: RFC 6750 §2.3 asks the response to carry
    /// `Cache-Control: private`; else "".
    std::string_view cache_control() const noexcept
    {
        return token() != nullptr && bearer_ == http::bearer_method::query ? "private" : "";
    }

    /// Made by authenticate_api only (the pass has no public constructor): the identity of an
    /// access token, whose verification authenticate_api then writes where it is kept (a moved
    /// token copies its claims). An identity whose token fails is dropped, never returned.
    authenticated(detail::authenticated_pass, http::bearer_method m, detail::kept_token kept) noexcept
        : method_(auth_method::access_token), bearer_(m), kept_(std::move(kept))
    {
        ::new (static_cast<void*>(&token_)) oauth2::verified_access_token(detail::oauth2::access_token_access::empty());
        has_token_ = true;
    }
    /// Made by authenticate_api only: the identity of an API key that verified.
    authenticated(detail::authenticated_pass, verified_api_key&& v) noexcept
        : method_(auth_method::api_key), record_(detail::verified_api_key_access::take_record(v)),
          matched_previous_(v.matched_previous()), rehash_(v.rehash())
    {
    }
    /// Made by authenticate_api only: the identity of an access token held by the token cache.
    authenticated(detail::authenticated_pass,
                  std::shared_ptr<const oauth2::cached_token<oauth2::verified_access_token>> e,
                  http::bearer_method m) noexcept
        : method_(auth_method::access_token), bearer_(m), cached_(std::move(e))
    {
    }
    /// Takes over `o`'s identity (a verified token moves: its claims are an inline buffer).
    authenticated(authenticated&& o) noexcept
        : method_(o.method_), record_(std::move(o.record_)), matched_previous_(o.matched_previous_), rehash_(o.rehash_),
          bearer_(o.bearer_), kept_(std::move(o.kept_)), cached_(std::move(o.cached_))
    {
        if (o.has_token_) {
            ::new (static_cast<void*>(&token_)) oauth2::verified_access_token(std::move(o.token_));
            has_token_ = true;
        }
    }
    /// Replaces this identity with `o`'s.
    authenticated& operator=(authenticated&& o) noexcept
    {
        if (this != &o) {
            this->~authenticated();
            ::new (static_cast<void*>(this)) authenticated(std::move(o));
        }
        return *this;
    }
    authenticated(const authenticated&) = delete;             ///< not copyable: it may own a kept token
    authenticated& operator=(const authenticated&) = delete;  ///< not copyable
    ~authenticated()
    {
        if (has_token_) token_.~verified_access_token();
    }

private:
    friend struct detail::authenticated_access;
    auth_method method_ = auth_method::api_key;
    std::shared_ptr<const api_key_record> record_;
    bool matched_previous_ = false;
    std::optional<api_key_verifier> rehash_{};
    // The verified token when has_token_ (a verification of this request, not the cache's).
    // Not a std::optional: GCC 12 zero-fills an optional's 2.6 KiB when it is default-made,
    // which was a third of an API key request and of a cache hit (callgrind).
    union {
        oauth2::verified_access_token token_;
    };
    bool has_token_ = false;
    http::bearer_method bearer_ = http::bearer_method::header;
    detail::kept_token kept_;  // a form-decoded token the verified token views into
    std::shared_ptr<const oauth2::cached_token<oauth2::verified_access_token>> cached_;  // from the cache
};

/** What authenticate_api decided.

    Either `identity` is set (the request is authenticated: serve it), or `response` is the
    complete answer to send as it is (a failure with its status and challenge, or, at the
    token endpoint, the token response). `error` (never sent) is empty on success, else why.
*/
struct auth_outcome {
    std::optional<authenticated> identity{};    ///< who, when the request may be served
    http::response response{};                  ///< what to send when identity is empty
    std::error_code error{};                    ///< why it failed; empty on success
    auth_method method = auth_method::api_key;  ///< the method the request tried (or used)

    /// True when the request is authenticated and may be served.
    explicit operator bool() const noexcept { return identity.has_value(); }
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// The first of `required` that `who` (an identity or a verified token) does not hold, or ""
// (RFC 6750 §3.1 `scope`).
template <class Identity>
std::string_view missing_scope(const Identity& who, std::span<const std::string_view> required) noexcept
{
    for (const std::string_view s : required)
        if (!who.has_scope(s)) return s;
    return {};
}

struct authenticated_access {
    // The outcome for an API key that verified: its identity made where it is kept and, when it
    // lacks a scope of `required`, replaced by refuse(that scope). One object returned on every
    // path, so never moved: a move would copy the identity (and a returned temporary is one
    // more outcome to destroy, its response wiped): a sixth of authenticate_api's own work
    // for an API key.
    template <class Refuse>
    static auth_outcome key_outcome(verified_api_key&& v, std::span<const std::string_view> required,
                                    Refuse&& refuse) noexcept
    {
        auth_outcome o;
        o.method = auth_method::api_key;
        o.identity.emplace(authenticated_pass(), std::move(v));
        if (required.empty()) return o;
        if (const std::string_view s = missing_scope(*o.identity, required); !s.empty()) o = refuse(s);
        return o;
    }
    // The outcome at the token endpoint: its answer, nothing to serve.
    static auth_outcome endpoint_outcome(oauth2::token_outcome&& t) noexcept
    {
        auth_outcome o;
        o.method = auth_method::token_request;
        o.error = t.error;
        o.response = std::move(t.response);
        return o;
    }
    // The outcome for a token the cache holds.
    static auth_outcome cache_outcome(std::shared_ptr<const oauth2::cached_token<oauth2::verified_access_token>> e,
                                      http::bearer_method m) noexcept
    {
        auth_outcome o;
        o.method = auth_method::access_token;
        o.identity.emplace(authenticated_pass(), std::move(e), m);
        return o;
    }
    // The record of the key an access token was issued to (api_auth_config::check_token_key).
    static void set_record(authenticated& who, std::shared_ptr<const api_key_record> r) noexcept
    {
        who.record_ = std::move(r);
    }
    // Makes `o`'s identity an access token's (replacing any) and returns its token, still
    // empty, for the verifier to write into: verified where it is kept, never moved (its claims
    // are an inline buffer, so each move would copy them). The caller replaces `o` when the
    // token fails.
    static oauth2::verified_access_token& token_identity(auth_outcome& o, http::bearer_method m,
                                                         kept_token kept) noexcept
    {
        o.method = auth_method::access_token;
        o.identity.emplace(authenticated_pass(), m, std::move(kept));
        return o.identity->token_;
    }
};

// True when `part` lies within `whole`.
inline bool within(std::string_view part, std::string_view whole) noexcept
{
    return !whole.empty() && part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// The path of an origin-form target: up to '?' or '#'.
constexpr std::string_view path_of(std::string_view target) noexcept
{
    return target.substr(0, target.find_first_of("?#"));
}

// The failure at a resource: status and challenges (RFC 6750 §3, RFC 7617 §2, RFC 9110
// §15.5.2), and the RFC 6750 error as a JSON body when there is one.
inline auth_outcome resource_failure(std::error_code ec, auth_method m, const api_auth_config& cfg,
                                     std::string_view required_scope) noexcept
{
    auth_outcome o;
    o.error = ec;
    o.method = m;
    try {
        o.response = http::response(http_status(ec, endpoint::resource));
        const std::string_view err = oauth_error(ec, endpoint::resource);
        const bool no_credentials = err.empty() && o.response.status == 401;
        // A Bearer challenge for a Bearer failure and for no credentials; a Basic challenge for
        // a Basic failure and, when Basic is accepted, for no credentials.
        if (m == auth_method::access_token || no_credentials) {
            auto c = http::bearer_challenge_for(ec, cfg.realm,
                                                ec == errc::insufficient_scope ? required_scope : std::string_view{});
            if (c && (o.response.status == 401 || o.response.status == 403 || o.response.status == 400))
                o.response.add("WWW-Authenticate", *c);
        }
        if (o.response.status == 401 && cfg.allow_api_key_basic && (m == auth_method::api_key || no_credentials)) {
            auto c = http::write_basic_challenge(cfg.realm);
            if (c) o.response.add("WWW-Authenticate", *c);
        }
        // RFC 6750 §3.1 errors describe Bearer requests; a Basic answer carries none.
        if (!err.empty() && m != auth_method::api_key) {
            o.response.add("Content-Type", "application/json");
            o.response.body = "{\"error\":\"" + std::string(err) + "\"}";
        }
    } catch (const std::bad_alloc&) {
        o.response = http::response(500);
    }
    return o;
}

// The Bearer step without a cache, shared by authenticate_api and adapters::authenticate_route:
// `verify_into(token, out)` verifies an access token into `out` (with the revocation store, if
// any; detail::oauth2::access_token_access::verify_into), `header` is
// bearer::unchecked_header_token of the request. Every scope in `required` must be held.
//
// A header token is verified before the field is parsed in full: a token that verifies is a JWS
// compact serialization, strict base64url and two dots, so a b64token that extract_bearer would
// give as it is. Only a failure asks extract_bearer for the precise answer (400 for bad syntax),
// and the same token is not verified twice. Any other token is extract_bearer's: one that views
// into the request stays valid as long as the request; a form-decoded one is kept on the heap,
// where the verified token's views stay put when it moves.
//
// One outcome, returned on every path (so never moved): the token is verified inside its
// identity, and a failure replaces it. `after(identity)` runs once the token verified, before
// the scopes: a non-empty error refuses it (api_auth_config::check_token_key).
template <class VerifyInto, class After>
auth_outcome bearer_outcome(const http::request_view& req, const api_auth_config& cfg, std::string_view header,
                            std::span<const std::string_view> required, VerifyInto&& verify_into,
                            After&& after) noexcept
{
    auth_outcome o;
    o.method = auth_method::access_token;
    const auto fail = [&](std::error_code ec, std::string_view scope) noexcept {
        o = resource_failure(ec, auth_method::access_token, cfg, scope);
    };
    // Verifies `value` into o's identity; empty when it verified (the scopes still to check).
    const auto verify = [&](std::string_view value, http::bearer_method m, kept_token kept) noexcept {
        return verify_into(value, authenticated_access::token_identity(o, m, std::move(kept)));
    };
    const auto decide = [&](std::error_code verified) noexcept {
        if (verified) return fail(verified, {});
        if (const std::error_code e = after(*o.identity)) return fail(e, {});
        if (const std::string_view s = missing_scope(*o.identity, required); !s.empty())
            fail(errc::insufficient_scope, s);
    };
    const auto extracted = [&](const http::bearer_token& b) noexcept {
        std::string_view value = b.value();
        kept_token kept;
        bool in_request = within(value, req.target) || within(value, req.body);
        for (const std::string_view line : req.authorization) in_request = in_request || within(value, line);
        if (!in_request) {
            try {
                kept.reset(new std::string(value));
            } catch (const std::bad_alloc&) {
                return fail(std::make_error_code(std::errc::not_enough_memory), {});
            }
            value = *kept;
        }
        decide(verify(value, b.method(), std::move(kept)));
    };
    if (header.empty()) {
        auto b = http::extract_bearer(req, cfg.bearer);
        if (!b)
            fail(b.error(), {});
        else
            extracted(*b);
        return o;
    }
    const std::error_code first = verify(header, http::bearer_method::header, {});
    if (!first) {
        decide(first);
        return o;
    }
    auto b = http::extract_bearer(req, cfg.bearer);
    if (!b)
        fail(b.error(), {});
    else if (b->value().data() == header.data() && b->value().size() == header.size())
        decide(first);
    else
        extracted(*b);
    return o;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

namespace apiauth::inline APIAUTH_ABI_NAMESPACE {

/** Authenticate an API request, as Stormpath's authenticate_api did, and say exactly what to
    answer when it fails.

    Dispatch, in this order (research/stormpath-protocol.md §5.1, without its bugs):
    1. The target's path is cfg.token_endpoint_path and `issuer` is given: a token request,
       answered by oauth2::token_endpoint (the outcome's response is the token response or
       its RFC 6749 §5.2 error; identity stays empty: there is nothing to serve).
    2. One Authorization field with the Basic scheme, and cfg.allow_api_key_basic: the API
       key pair is verified (verify_basic_api_key); a failure is 401 with a Basic challenge.
    3. Otherwise a Bearer token (http::extract_bearer with cfg.bearer: header, and the body or
       the query only if enabled) verified as an RFC 9068 access token (`tokens`), with the
       revocation store when given; a failure is 401 `invalid_token` (or 400
       `invalid_request`) with a Bearer challenge carrying the error (RFC 6750 §3.1).
       With cfg.check_token_key, the API key the token was issued to must still be in `store`
       and active (401 `invalid_token`: token_key_unknown, token_key_revoked, …).
    Then every scope in `required_scopes` must be held (403 `insufficient_scope`, with
    `scope` in the Bearer challenge for a token). No credentials at all is 401 with a Bearer
    challenge without error (RFC 6750 §3.1) and, when Basic is accepted, a Basic challenge.
    Never a silent "not authenticated": every failure has its precise error and answer.
    Never throws. On success nothing is allocated for a header token or an API key.

    A header token (`Bearer` SP token, no token in the query or a form body) is looked up in
    the cache, or verified, before the field is parsed in full: the cache holds only
    b64tokens, and a token that verifies is a JWS of base64url and dots, so either proves the
    syntax. Any failure then takes the order above, so the answer is always the one it states.
    @par Specification RFC 6750 §2, §3, §3.1; RFC 7617 §2; RFC 6749 §4.4; RFC 9068 §4;
    RFC 9110 §15.5.2.
*/
template <api_key_store Store, class Revocations = void>
auth_outcome
authenticate_api(const http::request_view& req, const api_auth_config& cfg, const Store& store, const pepper_ring& ring,
                 const oauth2::access_token_verifier& tokens, std::span<const std::string_view> required_scopes = {},
                 const oauth2::access_token_issuer* issuer = nullptr, const Revocations* revoked = nullptr) noexcept
{
    // 1. The token endpoint.
    if (issuer != nullptr && !cfg.token_endpoint_path.empty() &&
        detail::path_of(req.target) == cfg.token_endpoint_path) {
        return detail::authenticated_access::endpoint_outcome(
            oauth2::token_endpoint(req, store, ring, *issuer, cfg.token));
    }

    // 2. An API key over Basic.
    if (cfg.allow_api_key_basic && req.authorization.size() == 1) {
        // Only the scheme is read here (RFC 9110 §11.4: "Basic" 1*SP ...); verify_basic_api_key
        // parses the field, so a Bearer request pays for no second scan of its token.
        const std::string_view field = req.authorization.front();
        if (detail::istarts_with(field, "basic") && (field.size() == 5 || field[5] == ' ')) {
            auto v = verify_basic_api_key(req, store, ring, cfg.token.keys);
            if (!v) return detail::resource_failure(v.error(), auth_method::api_key, cfg, {});
            return detail::authenticated_access::key_outcome(
                std::move(*v), required_scopes, [&](std::string_view missing) noexcept {
                    return detail::resource_failure(errc::insufficient_scope, auth_method::api_key, cfg, missing);
                });
        }
    }

    // 3. A Bearer access token.
    // The token of `Bearer` SP <token> when extract_bearer could give nothing else, unchecked
    // (detail::bearer::unchecked_header_token); "" for every other request.
    const std::string_view header = detail::bearer::unchecked_header_token(req, cfg.bearer);

    // cfg.check_token_key, once the token verified and is not revoked: the API key it was
    // issued to must still be accepted; its record becomes the identity's.
    const auto token_key = [&](authenticated& who) noexcept -> std::error_code {
        if (!cfg.check_token_key) return {};
        auto k = oauth2::check_token_key(store, *who.token(), cfg.token.keys);
        if (!k) return k.error();
        detail::authenticated_access::set_record(who, std::move(*k));
        return {};
    };

    // With a cache: the verification of this very token, if it is cached and unexpired; the
    // revocation store and the scopes are still checked on every request.
    if (cfg.token_cache != nullptr) {
        // The verifier's clock (an injected one may throw: fail closed) and its tag, so that a
        // cache shared with routes whose verifiers differ never gives their verdict here.
        std::chrono::system_clock::time_point now;
        try {
            now = tokens.now();
        } catch (...) {
            return detail::resource_failure(errc::invalid_configuration, auth_method::access_token, cfg, {});
        }
        const std::uint64_t tag = detail::oauth2::access_token_access::cache_tag(tokens);
        const auto identity = [&](oauth2::verified_token_cache<oauth2::verified_access_token>::entry e,
                                  http::bearer_method m) noexcept -> auth_outcome {
            // The cache's one expiry function may allow more leeway than this verifier (a cache
            // shared by routes): exp is checked again with this verifier's own (RFC 9068 §4).
            if (!(std::chrono::floor<std::chrono::seconds>(now) < e->value().expires_at() + tokens.policy().leeway))
                return detail::resource_failure(errc::token_expired, auth_method::access_token, cfg, {});
            if constexpr (!std::is_void_v<Revocations>) {
                if (revoked != nullptr) {
                    const auto r = revoked->is_revoked(e->value().jti());
                    if (!r) return detail::resource_failure(r.error(), auth_method::access_token, cfg, {});
                    if (*r) return detail::resource_failure(errc::token_revoked, auth_method::access_token, cfg, {});
                }
            }
            auth_outcome o = detail::authenticated_access::cache_outcome(std::move(e), m);
            if (const std::error_code k = token_key(*o.identity))
                return detail::resource_failure(k, auth_method::access_token, cfg, {});
            if (const std::string_view s = detail::missing_scope(*o.identity, required_scopes); !s.empty())
                return detail::resource_failure(errc::insufficient_scope, auth_method::access_token, cfg, s);
            return o;
        };
        // The cache holds only b64tokens that extract_bearer gave, so a hit is a token it would
        // give again: the field need not be parsed in full. A miss costs one lookup.
        if (!header.empty()) {
            if (auto e = cfg.token_cache->find(header, now, tag))
                return identity(std::move(e), http::bearer_method::header);
        }
        auto b = http::extract_bearer(req, cfg.bearer);
        if (!b) return detail::resource_failure(b.error(), auth_method::access_token, cfg, {});
        auto e = cfg.token_cache->verify(
            b->value(), now, [&](std::string_view copy) { return tokens.verify(copy); }, tag);
        if (!e) return detail::resource_failure(e.error(), auth_method::access_token, cfg, {});
        return identity(std::move(*e), b->method());
    }

    return detail::bearer_outcome(
        req, cfg, header, required_scopes,
        [&](std::string_view value, oauth2::verified_access_token& out) noexcept -> std::error_code {
            using detail::oauth2::access_token_access;
            if constexpr (!std::is_void_v<Revocations>) {
                if (revoked != nullptr) return access_token_access::verify_into(tokens, value, out, *revoked);
            }
            return access_token_access::verify_into(tokens, value, out);
        },
        token_key);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE

#endif  // APIAUTH_AUTHENTICATE_HPP
