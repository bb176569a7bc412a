// apiauth/id_site/claims.hpp — the claim names, statuses and error codes of Stormpath's ID Site
// protocol (research/stormpath-protocol.md §1-§2), shared by both sides.
#ifndef APIAUTH_ID_SITE_CLAIMS_HPP
#define APIAUTH_ID_SITE_CLAIMS_HPP

#include <apiauth/config.hpp>
#include <apiauth/crypto/compare.hpp>
#include <apiauth/detail/json_writer.hpp>
#include <apiauth/detail/utf8.hpp>
#include <apiauth/error.hpp>
#include <apiauth/http/form.hpp>
#include <apiauth/jose/claims.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site {

/** The longest duration an ID Site make() accepts, a day: application_options::request_lifetime,
    login_site_options::iat_window and response_lifetime (invalid_configuration above it). A
    login takes minutes (Stormpath's SDKs: 300 s, a 60 s window); the bound keeps now + duration
    far from overflow. */
inline constexpr std::chrono::seconds max_lifetime = std::chrono::hours(24);

/// What a login ended in: a response's `status` claim (research §2.1).
enum class status {
    authenticated,  ///< "AUTHENTICATED": an existing account logged in
    registered,     ///< "REGISTERED": an account was created and logged in
    logout,         ///< "LOGOUT": the login-site session was ended
};

/// The claim value of `s`: "AUTHENTICATED", "REGISTERED" or "LOGOUT".
constexpr std::string_view to_string(status s) noexcept
{
    switch (s) {
    case status::registered: return "REGISTERED";
    case status::logout: return "LOGOUT";
    default: return "AUTHENTICATED";
    }
}

/// The status a claim value names (exactly, case-sensitive as Stormpath sent it), or nullopt.
constexpr std::optional<status> parse_status(std::string_view v) noexcept
{
    if (v == "AUTHENTICATED") return status::authenticated;
    if (v == "REGISTERED") return status::registered;
    if (v == "LOGOUT") return status::logout;
    return std::nullopt;
}

/** The claims of both ID Site tokens outside RFC 7519's registered set, with their JSON types
    (research §1.3 for the request, §2.1 for the response). Wire names are Stormpath's. */
namespace claim {
inline constexpr jose::jwt::string_claim cb_uri{"cb_uri"};             ///< request: where to send the answer
inline constexpr jose::jwt::string_claim state{"state"};               ///< both: the application's opaque state
inline constexpr jose::jwt::string_claim path{"path"};                 ///< request: the login page to show first
inline constexpr jose::jwt::bool_claim sof{"sof"};                     ///< request: show the organization field
inline constexpr jose::jwt::string_claim onk{"onk"};                   ///< request: the organization nameKey
inline constexpr jose::jwt::bool_claim usd{"usd"};                     ///< request: use the organization's subdomain
inline constexpr jose::jwt::string_claim sp_token{"sp_token"};         ///< request: a password-reset token
inline constexpr jose::jwt::strings_claim require_mfa{"require_mfa"};  ///< request: factor types required
inline constexpr jose::jwt::string_claim irt{"irt"};            ///< response: the request's jti ("in response to")
inline constexpr jose::jwt::string_claim status{"status"};      ///< response: AUTHENTICATED, REGISTERED, LOGOUT
inline constexpr jose::jwt::bool_claim is_new_sub{"isNewSub"};  ///< response: the account was just created
inline constexpr jose::jwt::object_claim err{"err"};            ///< error response: what went wrong
}  // namespace claim

/** An error the login site reported in an `err` claim (research §2.1, "Error JWT"): Stormpath's
    `{code, status, message, developerMessage, moreInfo}`. A member that is absent or of another
    type is left empty (0 for the numbers): a malformed `err` never crashes (python#201). */
struct error_details {
    std::int64_t code = 0;          ///< Stormpath's error code (10011, 12001, …)
    std::int64_t status = 0;        ///< the HTTP-like status the login site gave it (e.g. 401)
    std::string message;            ///< for the user
    std::string developer_message;  ///< for the developer
    std::string more_info;          ///< a link or address
};

/** The errc for Stormpath ID Site error `code` (research §2.1, §1.4): 10011 token expired, 10012
    issued in the future, 11001-11005 organization and replay errors, 12001 session timed out;
    any other code (including a missing one, 0) is id_site_error. */
constexpr errc errc_for_code(std::int64_t code) noexcept
{
    switch (code) {
    case 10011: return errc::id_site_token_expired;
    case 10012: return errc::id_site_token_issued_in_future;
    case 11001: return errc::id_site_organization_not_found;
    case 11002: return errc::id_site_organization_disabled;
    case 11003: return errc::id_site_organization_not_mapped;
    case 11004: return errc::id_site_organization_name_key_empty;
    case 11005: return errc::id_site_token_reused;
    case 12001: return errc::id_site_session_timed_out;
    default: return errc::id_site_error;
    }
}

/** True when `ec` is the errc of an `err` claim (errc_for_code): the login site answered with an
    error, and handle_callback filled its error_details. */
inline bool is_login_site_error(std::error_code ec) noexcept
{
    if (ec.category() != error_category()) return false;
    const int v = ec.value();
    return v >= static_cast<int>(errc::id_site_token_expired) && v <= static_cast<int>(errc::id_site_error);
}

/** The Stormpath error a login site sends back for a request refused with `ec` after its
    signature verified (so that its cb_uri can be trusted): token_expired → 10011,
    token_issued_in_future and token_not_yet_valid → 10012, nonce_replayed → 11005, the id_site_* codes → theirs;
    anything else → 0 (send no error assertion: show an error page). */
inline std::int64_t code_for(std::error_code ec) noexcept
{
    if (ec.category() != error_category()) return 0;
    switch (static_cast<errc>(ec.value())) {
    case errc::token_expired:
    case errc::id_site_token_expired: return 10011;
    case errc::token_issued_in_future:
    case errc::token_not_yet_valid:  // nbf: the nearest Stormpath code
    case errc::id_site_token_issued_in_future: return 10012;
    case errc::id_site_organization_not_found: return 11001;
    case errc::id_site_organization_disabled: return 11002;
    case errc::id_site_organization_not_mapped: return 11003;
    case errc::id_site_organization_name_key_empty: return 11004;
    case errc::nonce_replayed:
    case errc::id_site_token_reused: return 11005;
    case errc::id_site_session_timed_out: return 12001;
    default: return 0;
    }
}

/** Stormpath's error text for `code` (research §1.4, errors.rst), as `message`; an empty
    view for a code it did not document. */
constexpr std::string_view message_for(std::int64_t code) noexcept
{
    switch (code) {
    case 10011: return "Token is invalid because the specified expiration time (exp) has passed.";
    case 10012: return "Token is invalid because the issued at time (iat) is after the current time.";
    case 11001: return "Token is invalid because the specified organization nameKey does not exist.";
    case 11002: return "Token is invalid because the specified organization is disabled.";
    case 11003:
        return "Token is invalid because the specified organization is not one of the application's account stores.";
    case 11004: return "Token is invalid because the specified claim value cannot be null or empty.";
    case 11005: return "Token is invalid because a token with the same identifier (jti) has been already used.";
    case 12001: return "The session on ID Site has timed out.";
    default: return {};
    }
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::id_site

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::id_site {

// Reads Stormpath's `err` object (its JSON text, as jose kept it) into `d`. Members of another
// type, or absent, stay empty: never a throw (python#201). A thread's first call allocates
// simdjson's buffers; then only the strings copied out do.
inline void read_error(std::string_view json, apiauth::id_site::error_details& d)
{
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object o;
    if (parser.parse(json.data(), json.size(), true).get_object().get(o) != simdjson::SUCCESS) return;
    const auto integer = [&](const char* name, std::int64_t& out) {
        std::int64_t v = 0;
        if (o.at_key(name).get_int64().get(v) == simdjson::SUCCESS) out = v;
    };
    const auto text = [&](const char* name, std::string& out) {
        std::string_view v;
        if (o.at_key(name).get_string().get(v) == simdjson::SUCCESS) out.assign(v);
    };
    integer("code", d.code);
    integer("status", d.status);
    text("message", d.message);
    text("developerMessage", d.developer_message);
    text("moreInfo", d.more_info);
}

// The token in parameter `name` of the form `query` (exactly once: parse_form's duplicate check;
// absent or empty: missing_parameter). A token sent as it is (base64url and '.') is a view into
// `query`; one with '%' or '+' is decoded into `buf`, and the view points there.
inline result<std::string_view> token_parameter(std::string_view query, std::string_view name, std::size_t max_size,
                                                std::string& buf) noexcept
{
    auto form = http::parse_form(query, {.max_size = max_size});
    if (!form) return form.error();
    const auto encoded = form->find(name);
    if (!encoded || encoded->empty()) return errc::missing_parameter;
    if (encoded->find('%') == std::string_view::npos && encoded->find('+') == std::string_view::npos) return *encoded;
    auto d = http::decode_form_component(*encoded);
    if (!d) return d.error();
    buf = std::move(*d);
    return std::string_view(buf);
}

// Appends `"name":` and the JSON string `value` to `out`, with a ',' before unless first.
inline void append_member(std::string& out, std::string_view name, std::string_view value)
{
    if (out.size() > 1) out += ',';
    apiauth::detail::append_json_string(out, name);
    out += ':';
    apiauth::detail::append_json_string(out, value);
}

// Appends `"name":` and the raw JSON `value` (a number, true, false, an array).
inline void append_raw_member(std::string& out, std::string_view name, std::string_view value)
{
    if (out.size() > 1) out += ',';
    apiauth::detail::append_json_string(out, name);
    out += ':';
    out += value;
}

// Wipes a secret held in a std::string when it goes out of scope, whichever way a make() leaves.
class wipe_on_exit {
public:
    explicit wipe_on_exit(std::string& s) noexcept : s_(s) {}
    wipe_on_exit(const wipe_on_exit&) = delete;
    wipe_on_exit& operator=(const wipe_on_exit&) = delete;
    ~wipe_on_exit() { crypto::wipe(s_); }

private:
    std::string& s_;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail::id_site

#endif  // APIAUTH_ID_SITE_CLAIMS_HPP
