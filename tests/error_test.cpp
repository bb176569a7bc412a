// Tests for apiauth/error.hpp: every code has a safe message and an HTTP answer.
#include <apiauth/error.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace error_test {

using apiauth::errc;

namespace {

// Every errc value, listed by hand: a new code must be added here, which
// makes its author decide its status and OAuth error.
const errc all_codes[] = {
    errc::no_credentials,
    errc::unsupported_scheme,
    errc::duplicate_authorization,
    errc::header_too_large,
    errc::invalid_field_value,
    errc::malformed_credentials,
    errc::duplicate_parameter,
    errc::too_many_parameters,
    errc::malformed_challenge,
    errc::base64_invalid_character,
    errc::base64_invalid_length,
    errc::base64_invalid_padding,
    errc::base64_noncanonical,
    errc::buffer_too_small,
    errc::basic_missing_token,
    errc::basic_missing_colon,
    errc::basic_control_character,
    errc::basic_invalid_utf8,
    errc::basic_invalid_form_encoding,
    errc::basic_colon_in_user_id,
    errc::basic_token_too_large,
    errc::bearer_missing_token,
    errc::bearer_invalid_syntax,
    errc::multiple_token_methods,
    errc::body_too_large,
    errc::malformed_form_body,
    errc::form_invalid_utf8,
    errc::invalid_challenge_value,
    errc::empty_challenge,
    errc::token_too_large,
    errc::jws_malformed,
    errc::jws_invalid_header,
    errc::duplicate_member,
    errc::unsupported_algorithm,
    errc::unsupported_critical_header,
    errc::unknown_key,
    errc::ambiguous_key,
    errc::algorithm_mismatch,
    errc::bad_signature_length,
    errc::bad_signature,
    errc::invalid_claims,
    errc::invalid_claim_type,
    errc::missing_claim,
    errc::wrong_token_type,
    errc::wrong_issuer,
    errc::wrong_audience,
    errc::token_expired,
    errc::token_not_yet_valid,
    errc::token_issued_in_future,
    errc::insufficient_scope,
    errc::invalid_key,
    errc::weak_key,
    errc::key_algorithm_mismatch,
    errc::key_use_not_allowed,
    errc::private_key_not_allowed,
    errc::not_a_signing_key,
    errc::invalid_key_set,
    errc::key_alg_missing,
    errc::unsupported_key_type,
    errc::json_invalid_utf8,
    errc::api_key_malformed,
    errc::api_key_unknown_prefix,
    errc::api_key_unsupported_version,
    errc::api_key_bad_checksum,
    errc::api_key_not_found,
    errc::api_key_bad_secret,
    errc::api_key_revoked,
    errc::api_key_expired,
    errc::api_key_not_yet_valid,
    errc::api_key_prefix_mismatch,
    errc::api_key_unknown_pepper,
    errc::invalid_configuration,
    errc::method_not_allowed,
    errc::unsupported_media_type,
    errc::credentials_in_query,
    errc::multiple_client_authentication,
    errc::client_id_mismatch,
    errc::missing_parameter,
    errc::unsupported_grant_type,
    errc::unauthorized_client,
    errc::invalid_scope_syntax,
    errc::too_many_scopes,
    errc::scope_not_allowed,
    errc::invalid_target,
    errc::client_secret_missing,
    errc::token_revoked,
    errc::store_unavailable,
    errc::resource_not_allowed,
    errc::token_key_unknown,
    errc::token_key_revoked,
    errc::token_key_expired,
    errc::token_key_not_yet_valid,
    errc::token_key_not_accepted,
    errc::nonce_replayed,
    errc::state_mismatch,
    errc::callback_uri_not_allowed,
    errc::unknown_application,
    errc::id_site_token_expired,
    errc::id_site_token_issued_in_future,
    errc::id_site_organization_not_found,
    errc::id_site_organization_disabled,
    errc::id_site_organization_not_mapped,
    errc::id_site_organization_name_key_empty,
    errc::id_site_token_reused,
    errc::id_site_session_timed_out,
    errc::id_site_error,
    errc::random_failure,
    errc::crypto_failure,
    errc::key_unknown,
    errc::key_owner_mismatch,
    errc::key_conflict,
    errc::provider_error,
    errc::invalid_token_response,
    errc::unsupported_token_type,
    errc::provider_unavailable,
    errc::nonce_mismatch,
    errc::azp_mismatch,
    errc::at_hash_mismatch,
    errc::invalid_provider_metadata,
    errc::subject_mismatch,
    errc::acr_not_satisfied,
    errc::refreshed_id_token_mismatch,
    errc::auth_time_too_old,
};

bool in_nqschar(const std::string& s)
{
    for (char c : s)
        if (!(c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E))) return false;
    return true;
}

}  // namespace

TEST_CASE("errc converts to std::error_code of the apiauth category", "[error]")
{
    const std::error_code ec = errc::bearer_missing_token;
    CHECK(ec.category().name() == std::string("apiauth"));
    CHECK(ec == errc::bearer_missing_token);
    CHECK(ec != errc::bearer_invalid_syntax);
    const apiauth::result<int> r = errc::malformed_credentials;
    REQUIRE(r.has_error());
    CHECK(r.error() == errc::malformed_credentials);
}

TEST_CASE("RFC 6750 §3: every message may be sent as error_description", "[error]")
{
    for (errc e : all_codes) {
        const std::string m = apiauth::make_error_code(e).message();
        INFO("errc " << static_cast<int>(e) << ": " << m);
        CHECK_FALSE(m.empty());
        CHECK(m != "Unknown apiauth error");
        CHECK(in_nqschar(m));
    }
}

namespace {

using apiauth::endpoint;

// The answer expected at each endpoint, columns in the order of apiauth::endpoint:
// resource, token, revocation, introspection, id_site_callback, oidc_callback.
struct expected {
    int status;
    const char* oauth;
};
using row = std::array<expected, 6>;

// Written from the RFCs, independently of error.hpp's table:
// RFC 6750 §3.1 (resource), RFC 6749 §5.2 (token), RFC 7009 §2.2.1, RFC 7662 §2.3,
// RFC 9110 §15.5.2 (a 401 needs a challenge, which a browser callback cannot use).
constexpr row malformed_request = {{{400, "invalid_request"},
                                    {400, "invalid_request"},
                                    {400, "invalid_request"},
                                    {400, "invalid_request"},
                                    {400, ""},
                                    {400, ""}}};
constexpr row header_too_large = {{{431, "invalid_request"},
                                   {431, "invalid_request"},
                                   {431, "invalid_request"},
                                   {431, "invalid_request"},
                                   {431, ""},
                                   {431, ""}}};
constexpr row body_too_large = {{{413, "invalid_request"},
                                 {413, "invalid_request"},
                                 {413, "invalid_request"},
                                 {413, "invalid_request"},
                                 {413, ""},
                                 {413, ""}}};
// Without credentials, or with Basic credentials that do not decode: a resource sends a challenge
// without error (RFC 6750 §3.1; Basic has no error parameter); an OAuth endpoint says invalid_client.
constexpr row client_authentication = {
    {{401, ""}, {401, "invalid_client"}, {401, "invalid_client"}, {401, "invalid_client"}, {400, ""}, {400, ""}}};
// A presented API key, or base64 that is not strict: a bearer credential at a resource, client
// authentication at an OAuth endpoint.
constexpr row presented_key = {{{401, "invalid_token"},
                                {401, "invalid_client"},
                                {401, "invalid_client"},
                                {401, "invalid_client"},
                                {400, ""},
                                {400, ""}}};
// A JWS/JWT: the access token at a resource or as the caller's bearer token at revocation and
// introspection; a grant at the token endpoint.
constexpr row token = {{{401, "invalid_token"},
                        {400, "invalid_grant"},
                        {401, "invalid_token"},
                        {401, "invalid_token"},
                        {400, ""},
                        {400, ""}}};
constexpr row scope = {{{403, "insufficient_scope"},
                        {400, "invalid_scope"},
                        {403, "insufficient_scope"},
                        {403, "insufficient_scope"},
                        {400, ""},
                        {400, ""}}};
// RFC 6749 §3.2: the token endpoint takes POST only (405 with Allow: POST), as do RFC 7009 and RFC 7662.
constexpr row method = {
    {{405, ""}, {405, "invalid_request"}, {405, "invalid_request"}, {405, "invalid_request"}, {405, ""}, {405, ""}}};
// RFC 6749 §5.2 errors that only the token endpoint names; elsewhere the request is malformed.
row token_only(const char* error)
{
    row r = {{{400, "invalid_request"},
              {400, ""},
              {400, "invalid_request"},
              {400, "invalid_request"},
              {400, ""},
              {400, ""}}};
    r[1].oauth = error;
    return r;
}
// RFC 6749 §5.2 unauthorized_client: a client authenticated but not allowed (RFC 7009 and RFC 7662 reuse it).
constexpr row unauthorized = {{{403, ""},
                               {400, "unauthorized_client"},
                               {400, "unauthorized_client"},
                               {400, "unauthorized_client"},
                               {400, ""},
                               {400, ""}}};
// A store that cannot answer: fail closed, 503 (RFC 9110 §15.6.4; RFC 7009 §2.2.1 names 503).
constexpr row unavailable = {
    {{503, ""}, {503, "server_error"}, {503, "server_error"}, {503, "server_error"}, {503, ""}, {503, ""}}};
constexpr row server = {
    {{500, ""}, {500, "server_error"}, {500, "server_error"}, {500, "server_error"}, {500, ""}, {500, ""}}};

const std::map<errc, row>& expected_answers()
{
    static const std::map<errc, row> m = {
        {errc::no_credentials, client_authentication},
        {errc::unsupported_scheme, client_authentication},
        {errc::duplicate_authorization, malformed_request},
        {errc::header_too_large, header_too_large},
        {errc::invalid_field_value, malformed_request},
        {errc::malformed_credentials, malformed_request},
        {errc::duplicate_parameter, malformed_request},
        {errc::too_many_parameters, malformed_request},
        {errc::malformed_challenge, malformed_request},
        {errc::base64_invalid_character, presented_key},
        {errc::base64_invalid_length, presented_key},
        {errc::base64_invalid_padding, presented_key},
        {errc::base64_noncanonical, presented_key},
        {errc::buffer_too_small, server},
        {errc::basic_missing_token, client_authentication},
        {errc::basic_missing_colon, client_authentication},
        {errc::basic_control_character, client_authentication},
        {errc::basic_invalid_utf8, client_authentication},
        {errc::basic_invalid_form_encoding, client_authentication},
        {errc::basic_colon_in_user_id, server},
        {errc::basic_token_too_large, client_authentication},
        {errc::bearer_missing_token, malformed_request},
        {errc::bearer_invalid_syntax, malformed_request},
        {errc::multiple_token_methods, malformed_request},
        {errc::body_too_large, body_too_large},
        {errc::malformed_form_body, malformed_request},
        {errc::form_invalid_utf8, malformed_request},
        {errc::invalid_challenge_value, server},
        {errc::empty_challenge, server},
        {errc::token_too_large, token},
        {errc::jws_malformed, token},
        {errc::jws_invalid_header, token},
        {errc::duplicate_member, token},
        {errc::unsupported_algorithm, token},
        {errc::unsupported_critical_header, token},
        {errc::unknown_key, token},
        {errc::ambiguous_key, token},
        {errc::algorithm_mismatch, token},
        {errc::bad_signature_length, token},
        {errc::bad_signature, token},
        {errc::invalid_claims, token},
        {errc::invalid_claim_type, token},
        {errc::missing_claim, token},
        {errc::wrong_token_type, token},
        {errc::wrong_issuer, token},
        {errc::wrong_audience, token},
        {errc::token_expired, token},
        {errc::token_not_yet_valid, token},
        {errc::token_issued_in_future, token},
        {errc::insufficient_scope, scope},
        {errc::invalid_key, server},
        {errc::weak_key, server},
        {errc::key_algorithm_mismatch, server},
        {errc::key_use_not_allowed, server},
        {errc::private_key_not_allowed, server},
        {errc::not_a_signing_key, server},
        {errc::invalid_key_set, server},
        {errc::key_alg_missing, server},
        {errc::unsupported_key_type, server},
        {errc::json_invalid_utf8, server},
        {errc::api_key_malformed, presented_key},
        {errc::api_key_unknown_prefix, presented_key},
        {errc::api_key_unsupported_version, presented_key},
        {errc::api_key_bad_checksum, presented_key},
        {errc::api_key_not_found, presented_key},
        {errc::api_key_bad_secret, presented_key},
        {errc::api_key_revoked, presented_key},
        {errc::api_key_expired, presented_key},
        {errc::api_key_not_yet_valid, presented_key},
        {errc::api_key_prefix_mismatch, presented_key},
        {errc::api_key_unknown_pepper, server},
        {errc::invalid_configuration, server},
        {errc::method_not_allowed, method},
        {errc::unsupported_media_type, malformed_request},
        {errc::credentials_in_query, malformed_request},
        {errc::multiple_client_authentication, malformed_request},
        {errc::client_id_mismatch, malformed_request},
        {errc::missing_parameter, malformed_request},
        {errc::unsupported_grant_type, token_only("unsupported_grant_type")},
        {errc::unauthorized_client, unauthorized},
        {errc::invalid_scope_syntax, token_only("invalid_scope")},
        {errc::too_many_scopes, token_only("invalid_scope")},
        {errc::scope_not_allowed, token_only("invalid_scope")},
        {errc::invalid_target, token_only("invalid_target")},
        {errc::client_secret_missing, client_authentication},
        {errc::token_revoked, token},
        {errc::store_unavailable, unavailable},
        {errc::resource_not_allowed, token_only("invalid_target")},
        {errc::token_key_unknown, token},
        {errc::token_key_revoked, token},
        {errc::token_key_expired, token},
        {errc::token_key_not_yet_valid, token},
        {errc::token_key_not_accepted, token},
        {errc::nonce_replayed, token},
        {errc::state_mismatch, token},
        {errc::callback_uri_not_allowed, malformed_request},
        {errc::unknown_application, token},
        {errc::id_site_token_expired, token},
        {errc::id_site_token_issued_in_future, token},
        {errc::id_site_organization_not_found, token},
        {errc::id_site_organization_disabled, token},
        {errc::id_site_organization_not_mapped, token},
        {errc::id_site_organization_name_key_empty, token},
        {errc::id_site_token_reused, token},
        {errc::id_site_session_timed_out, token},
        {errc::id_site_error, token},
        {errc::random_failure, server},
        {errc::crypto_failure, server},
        {errc::key_unknown, server},
        {errc::key_owner_mismatch, server},
        {errc::key_conflict, server},
        {errc::provider_error, token},
        {errc::invalid_token_response, server},
        {errc::unsupported_token_type, server},
        {errc::provider_unavailable, unavailable},
        {errc::nonce_mismatch, token},
        {errc::azp_mismatch, token},
        {errc::at_hash_mismatch, token},
        {errc::invalid_provider_metadata, server},
        {errc::subject_mismatch, token},
        {errc::acr_not_satisfied, token},
        {errc::refreshed_id_token_mismatch, token},
        {errc::auth_time_too_old, token},
    };
    return m;
}

constexpr endpoint all_endpoints[] = {endpoint::resource,         endpoint::token,
                                      endpoint::revocation,       endpoint::introspection,
                                      endpoint::id_site_callback, endpoint::oidc_callback};

}  // namespace

TEST_CASE("http_status and oauth_error: every code at every endpoint gets the answer its RFC gives", "[error]")
{
    REQUIRE(expected_answers().size() == std::size(all_codes));
    for (errc e : all_codes) {
        const auto it = expected_answers().find(e);
        INFO("errc " << apiauth::error_name(e));
        REQUIRE(it != expected_answers().end());
        for (std::size_t i = 0; i < std::size(all_endpoints); ++i) {
            INFO("endpoint " << i);
            CHECK(apiauth::http_status(e, all_endpoints[i]) == it->second[i].status);
            CHECK(apiauth::oauth_error(e, all_endpoints[i]) == it->second[i].oauth);
        }
        // Without an endpoint, the answer is the resource's.
        CHECK(apiauth::http_status(e) == it->second[0].status);
        CHECK(apiauth::oauth_error(e) == it->second[0].oauth);
    }
}

TEST_CASE("http_status and oauth_error: success, and codes of another category, at every endpoint", "[error]")
{
    const auto foreign = std::make_error_code(std::errc::not_enough_memory);
    for (std::size_t i = 0; i < std::size(all_endpoints); ++i) {
        INFO("endpoint " << i);
        CHECK(apiauth::http_status(std::error_code{}, all_endpoints[i]) == 200);
        CHECK(apiauth::oauth_error(std::error_code{}, all_endpoints[i]).empty());
        CHECK(apiauth::http_status(foreign, all_endpoints[i]) == server[i].status);
        CHECK(apiauth::oauth_error(foreign, all_endpoints[i]) == server[i].oauth);
    }
}

TEST_CASE("RFC 6750 §3.1 and RFC 6749 §5.2: each endpoint sends only the error values its RFC defines", "[error]")
{
    const std::set<std::string_view> resource = {"", "invalid_request", "invalid_token", "insufficient_scope"};
    const std::set<std::string_view> oauth = {"",
                                              "invalid_request",
                                              "invalid_client",
                                              "invalid_grant",
                                              "invalid_scope",
                                              "invalid_target",
                                              "unsupported_grant_type",
                                              "unauthorized_client",
                                              "invalid_token",
                                              "insufficient_scope",
                                              "server_error"};
    for (errc e : all_codes) {
        INFO("errc " << apiauth::error_name(e));
        CHECK(resource.count(apiauth::oauth_error(e, endpoint::resource)) == 1);
        CHECK(oauth.count(apiauth::oauth_error(e, endpoint::token)) == 1);
        CHECK(apiauth::oauth_error(e, endpoint::id_site_callback).empty());
        CHECK(apiauth::oauth_error(e, endpoint::oidc_callback).empty());
        // RFC 9110 §15.5.2: a 401 goes with a challenge; a browser at a callback gets none.
        CHECK(apiauth::http_status(e, endpoint::id_site_callback) != 401);
        CHECK(apiauth::http_status(e, endpoint::oidc_callback) != 401);
        // RFC 6749 §5.2: at the token endpoint invalid_client is the only 401.
        if (apiauth::http_status(e, endpoint::token) == 401)
            CHECK(apiauth::oauth_error(e, endpoint::token) == "invalid_client");
    }
}

TEST_CASE("error_name gives the enumerator's name", "[error]")
{
    CHECK(apiauth::error_name(errc::basic_missing_colon) == "basic_missing_colon");
    CHECK(apiauth::error_name(errc::crypto_failure) == "crypto_failure");
    CHECK(apiauth::error_name(std::error_code{}).empty());
    CHECK(apiauth::error_name(std::make_error_code(std::errc::not_enough_memory)).empty());
    for (errc e : all_codes) CHECK_FALSE(apiauth::error_name(e).empty());
}

}  // namespace error_test
