// Tests for apiauth/error.hpp: every code has a safe message and an HTTP answer.
#include <apiauth/error.hpp>

#include <catch2/catch.hpp>

#include <string>

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
    errc::random_failure,
    errc::crypto_failure,
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

TEST_CASE("http_status and oauth_error give one answer for each code", "[error]")
{
    for (errc e : all_codes) {
        const int s = apiauth::http_status(e);
        const std::string_view o = apiauth::oauth_error(e);
        INFO("errc " << static_cast<int>(e));
        CHECK((s == 400 || s == 401 || s == 403 || s == 413 || s == 431 || s == 500));
        if (s == 403) CHECK(o == "insufficient_scope");
        if (s == 400 || s == 413 || s == 431) CHECK(o == "invalid_request");
        if (s == 500) CHECK(o == "server_error");
    }
    // RFC 6750 §3.1: no error information when the request lacks credentials.
    CHECK(apiauth::oauth_error(errc::no_credentials).empty());
    CHECK(apiauth::oauth_error(errc::unsupported_scheme).empty());
    CHECK(apiauth::http_status(errc::no_credentials) == 401);
    CHECK(apiauth::http_status(errc::header_too_large) == 431);
    CHECK(apiauth::http_status(errc::body_too_large) == 413);
    CHECK(apiauth::http_status(errc::bearer_invalid_syntax) == 400);
    CHECK(apiauth::oauth_error(errc::basic_missing_colon) == "invalid_client");
    CHECK(apiauth::http_status(std::error_code{}) == 200);
    CHECK(apiauth::http_status(std::make_error_code(std::errc::not_enough_memory)) == 500);
    CHECK(apiauth::oauth_error(std::make_error_code(std::errc::not_enough_memory)) == "server_error");
}

TEST_CASE("error_name gives the enumerator's name", "[error]")
{
    CHECK(apiauth::error_name(errc::basic_missing_colon) == "basic_missing_colon");
    CHECK(apiauth::error_name(errc::crypto_failure) == "crypto_failure");
    CHECK(apiauth::error_name(std::error_code{}).empty());
    CHECK(apiauth::error_name(std::make_error_code(std::errc::not_enough_memory)).empty());
    for (errc e : all_codes) CHECK_FALSE(apiauth::error_name(e).empty());
}
