// fuzz_basic — Basic credentials (RFC 7617) and OAuth 2.0 client passwords (RFC 6749 §2.3.1).
//
// The whole input is a token68. It is decoded with decode_basic under every charset policy with
// allow_missing_padding off and on, with decode_oauth_client_basic raw and form-decoding, and read back from a
// request with extract_basic ("Basic " + input, and the input as a whole field value). Checks, abort() on failure:
//  - failures are documented errors; the policies are consistent with each other (the charset check comes last,
//    so all policies fail alike on anything else; utf8 accepts exactly what utf8_or_latin1 reports as utf8;
//    loosened padding accepts all that strict accepts, with the same octets);
//  - success: user_id() has no ':' (except form-decoded), neither half has a CTL, encoding() matches the
//    policy and the octets, the halves are exactly the base64-decoded octets split at the first ':', and
//    encode_basic(user, password) gives back "Basic " + the input (with its '=' padding restored);
//  - decode_oauth_client_basic: raw is decode_basic; form-decoded credentials survive
//    encode_oauth_client_basic + decode_oauth_client_basic unchanged;
//  - copies and moves of basic_credentials (inline and heap storage) keep their octets;
//  - extract_basic agrees with parse_credentials + decode_basic.
#include "fuzz_check.hpp"

#include <apiauth/detail/utf8.hpp>
#include <apiauth/http/basic.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace {

using apiauth::errc;
using apiauth::result;
using apiauth::http::basic_credentials;
using apiauth::http::basic_options;
using apiauth::http::charset_policy;
using apiauth::http::text_encoding;
namespace d = apiauth::detail;

bool is_error(const std::error_code& ec, errc e)
{
    return ec == apiauth::make_error_code(e);
}

bool is_decode_error(const std::error_code& ec)
{
    return is_error(ec, errc::basic_token_too_large) || is_error(ec, errc::base64_invalid_character) ||
           is_error(ec, errc::base64_invalid_length) || is_error(ec, errc::base64_invalid_padding) ||
           is_error(ec, errc::base64_noncanonical) || is_error(ec, errc::basic_missing_colon) ||
           is_error(ec, errc::basic_control_character) || is_error(ec, errc::basic_invalid_utf8);
}

bool same(const result<basic_credentials>& a, const result<basic_credentials>& b)
{
    if (a.has_value() != b.has_value()) return false;
    if (!a) return a.error() == b.error();
    return a->user_id() == b->user_id() && a->password() == b->password() && a->encoding() == b->encoding();
}

std::string padded(std::string_view in)
{
    std::string s(in);
    while (s.size() % 4 != 0) s.push_back('=');
    return s;
}

void check_encoding(const basic_credentials& c, charset_policy p)
{
    const bool utf8 = d::is_utf8(c.user_id()) && d::is_utf8(c.password());
    switch (p) {
    case charset_policy::octets: FUZZ_CHECK(c.encoding() == text_encoding::unchecked); break;
    case charset_policy::utf8: FUZZ_CHECK(utf8 && c.encoding() == text_encoding::utf8); break;
    case charset_policy::utf8_or_latin1:
        FUZZ_CHECK(c.encoding() == (utf8 ? text_encoding::utf8 : text_encoding::latin1));
        if (!utf8) {
            FUZZ_CHECK(d::is_utf8(apiauth::http::latin1_to_utf8(c.user_id())));
            FUZZ_CHECK(d::is_utf8(apiauth::http::latin1_to_utf8(c.password())));
        }
        break;
    }
}

// Copies and moves keep the octets; the moved-from object is empty.
void check_copies(const basic_credentials& c)
{
    basic_credentials copy(c);
    FUZZ_CHECK(copy.user_id() == c.user_id() && copy.password() == c.password());
    basic_credentials assigned;
    assigned = copy;
    FUZZ_CHECK(assigned.user_id() == c.user_id() && assigned.password() == c.password());
    basic_credentials moved(std::move(copy));
    FUZZ_CHECK(moved.user_id() == c.user_id() && moved.password() == c.password());
    FUZZ_CHECK(copy.user_id().empty() && copy.password().empty());  // NOLINT(bugprone-use-after-move)
    assigned = std::move(moved);
    FUZZ_CHECK(assigned.user_id() == c.user_id() && assigned.password() == c.password());
    const basic_credentials& self = assigned;
    assigned = self;  // self-assignment
    FUZZ_CHECK(assigned.user_id() == c.user_id() && assigned.password() == c.password());
}

// decode_basic under one set of options; returns the result for cross-checks.
result<basic_credentials> check_decode(std::string_view token, basic_options opt)
{
    auto r = apiauth::http::decode_basic(token, opt);
    if (!r) {
        FUZZ_CHECK(is_decode_error(r.error()));
        FUZZ_CHECK(is_error(r.error(), errc::basic_token_too_large) == (token.size() > opt.max_token_size));
        return r;
    }
    const basic_credentials& c = *r;
    FUZZ_CHECK(c.user_id().find(':') == std::string_view::npos);
    FUZZ_CHECK(!d::has_ctl(c.user_id()) && !d::has_ctl(c.password()));
    check_encoding(c, opt.charset);

    // Exactly the base64 octets, split at the first ':'.
    const auto raw = apiauth::encoding::base64::decode(token, {.allow_missing_padding = opt.allow_missing_padding});
    FUZZ_CHECK(raw && raw->size() == c.user_id().size() + 1 + c.password().size());
    FUZZ_CHECK(*raw == std::string(c.user_id()) + ":" + std::string(c.password()));

    // A strict decoder accepted only the canonical encoding: encode_basic gives the input back.
    const auto e = apiauth::http::encode_basic(c.user_id(), c.password());
    FUZZ_CHECK(e && *e == "Basic " + padded(token));
    if (!opt.allow_missing_padding) FUZZ_CHECK(*e == "Basic " + std::string(token));
    return r;
}

void check_oauth(std::string_view token, basic_options opt, const result<basic_credentials>& plain)
{
    using apiauth::http::decode_oauth_client_basic;
    // raw: the halves as sent, exactly decode_basic.
    const auto raw = decode_oauth_client_basic(token, {.basic = opt, .raw = true});
    FUZZ_CHECK(same(raw, plain));

    const auto r = decode_oauth_client_basic(token, {.basic = opt, .raw = false});
    if (!r) {
        FUZZ_CHECK(is_decode_error(r.error()) || is_error(r.error(), errc::basic_invalid_form_encoding));
        return;
    }
    const basic_credentials& c = *r;
    FUZZ_CHECK(!d::has_ctl(c.user_id()) && !d::has_ctl(c.password()));
    check_encoding(c, opt.charset);
    check_copies(c);
    // Form-decoding only shrinks (%XX is three octets for one).
    const auto octets = apiauth::encoding::base64::decode(token, {.allow_missing_padding = opt.allow_missing_padding});
    FUZZ_CHECK(octets && c.user_id().size() + 1 + c.password().size() <= octets->size());

    // What an RFC 6749 client would send for these halves decodes to them again.
    const auto e = apiauth::http::encode_oauth_client_basic(c.user_id(), c.password());
    FUZZ_CHECK(e && e->starts_with("Basic "));
    basic_options big = opt;
    big.max_token_size = e->size();
    const auto back = decode_oauth_client_basic(std::string_view(*e).substr(6), {.basic = big, .raw = false});
    FUZZ_CHECK(back && back->user_id() == c.user_id() && back->password() == c.password());
}

void check_extract(std::string_view token, const result<basic_credentials>& plain)
{
    using apiauth::http::extract_basic;
    // "Basic " + input: the header path agrees with parse_credentials + decode_basic.
    const std::string header = "Basic " + std::string(token);
    const std::string_view one[] = {header};
    const auto r = extract_basic({.authorization = one});
    const auto c = apiauth::http::parse_credentials(header);
    if (!c) {
        FUZZ_CHECK(!r && r.error() == c.error());
    } else if (c->token68.empty()) {
        FUZZ_CHECK(!r && is_error(r.error(), errc::basic_missing_token));
    } else {
        FUZZ_CHECK(same(r, apiauth::http::decode_basic(c->token68)));
        if (c->token68 == token) FUZZ_CHECK(same(r, plain));
    }

    // The input as a whole field value, whatever its scheme.
    const std::string_view whole[] = {token};
    const auto w = extract_basic({.authorization = whole}, {}, {.max_size = 512, .max_params = 4});
    if (w) {
        const auto wc = apiauth::http::parse_credentials(token, {.max_size = 512, .max_params = 4});
        FUZZ_CHECK(wc && wc->is("basic") && !wc->token68.empty());
        FUZZ_CHECK(same(w, apiauth::http::decode_basic(wc->token68)));
    }

    // No field, and a duplicate field.
    const auto none = extract_basic({});
    FUZZ_CHECK(!none && is_error(none.error(), errc::no_credentials));
    const std::string_view two[] = {header, header};
    const auto dup = extract_basic({.authorization = two});
    FUZZ_CHECK(!dup && is_error(dup.error(), errc::duplicate_authorization));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view token(reinterpret_cast<const char*>(data), size);

    const auto strict_octets = check_decode(token, {.charset = charset_policy::octets});
    for (const bool loose : {false, true}) {
        const auto octets = check_decode(token, {.charset = charset_policy::octets, .allow_missing_padding = loose});
        const auto utf8 = check_decode(token, {.charset = charset_policy::utf8, .allow_missing_padding = loose});
        const auto either =
            check_decode(token, {.charset = charset_policy::utf8_or_latin1, .allow_missing_padding = loose});
        // The charset check is the last step: every other failure is shared by all policies.
        FUZZ_CHECK(octets.has_value() == either.has_value());
        if (!octets) FUZZ_CHECK(octets.error() == either.error() && octets.error() == utf8.error());
        if (octets) {
            FUZZ_CHECK(octets->user_id() == either->user_id() && octets->password() == either->password());
            const bool is_utf8 = either->encoding() == text_encoding::utf8;
            FUZZ_CHECK(utf8.has_value() == is_utf8);
            if (!is_utf8) FUZZ_CHECK(is_error(utf8.error(), errc::basic_invalid_utf8));
            check_copies(*octets);
        }
        if (loose && strict_octets) FUZZ_CHECK(same(octets, strict_octets));

        check_oauth(token, {.charset = charset_policy::octets, .allow_missing_padding = loose}, octets);
        check_oauth(token, {.charset = charset_policy::utf8, .allow_missing_padding = loose}, utf8);
        check_oauth(token, {.charset = charset_policy::utf8_or_latin1, .allow_missing_padding = loose}, either);
    }

    // The bound is checked first: one octet under the input size refuses it.
    if (size > 0) {
        const auto small = apiauth::http::decode_basic(token, {.max_token_size = size - 1});
        FUZZ_CHECK(!small && is_error(small.error(), errc::basic_token_too_large));
    }
    check_extract(token, apiauth::http::decode_basic(token));
    return 0;
}
