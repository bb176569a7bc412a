// bench/boost_url_credentials.hpp — the credentials grammar written with
// Boost.URL's grammar rules, as a peer for header/parse_bearer_jwt.
//
// DESIGN.md (http/credentials) asks to measure a Boost.URL-grammar parser
// against the hand-written scanner. This one covers the token68 form only
// (`auth-scheme [ 1*SP token68 ]`, the Bearer and Basic case): enough for the
// measurement, and checked against parse_credentials at startup. It is a
// measurement, not library code.
#ifndef APIAUTH_BENCH_BOOST_URL_CREDENTIALS_HPP
#define APIAUTH_BENCH_BOOST_URL_CREDENTIALS_HPP

#include <boost/url/error_types.hpp>
#include <boost/url/grammar/alnum_chars.hpp>
#include <boost/url/grammar/error.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/grammar/optional_rule.hpp>
#include <boost/url/grammar/parse.hpp>
#include <boost/url/grammar/token_rule.hpp>
#include <boost/url/grammar/tuple_rule.hpp>
#include <boost/url/string_view.hpp>

#include <cstddef>
#include <string_view>
#include <tuple>

namespace apiauth_bench::url_grammar {

namespace g = boost::urls::grammar;

// RFC 9110 §5.6.2 tchar; §11.2 token68 body (without the trailing '=').
inline constexpr g::lut_chars tchars = g::lut_chars(g::alnum_chars) + "!#$%&'*+-.^_`|~";
inline constexpr g::lut_chars token68_chars = g::lut_chars(g::alnum_chars) + "-._~+/";
inline constexpr g::lut_chars sp_chars(' ');
inline constexpr g::lut_chars eq_chars('=');

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// One view over both parts.
struct token68_rule_t {
    using value_type = boost::urls::string_view;

    boost::urls::result<value_type> parse(const char*& it, const char* end) const noexcept
    {
        const char* const start = it;
        auto r =
            g::parse(it, end, g::tuple_rule(g::token_rule(token68_chars), g::optional_rule(g::token_rule(eq_chars))));
        if (!r) return r.error();
        return value_type(start, static_cast<std::size_t>(it - start));
    }
};

inline constexpr token68_rule_t token68_rule{};

// credentials = auth-scheme [ 1*SP token68 ]
inline constexpr auto credentials_rule = g::tuple_rule(
    g::token_rule(tchars), g::optional_rule(g::tuple_rule(g::squelch(g::token_rule(sp_chars)), token68_rule)));

struct credentials {
    std::string_view scheme;
    std::string_view token68;  // empty when there is none
};

inline std::string_view sv(boost::urls::string_view s) noexcept
{
    return {s.data(), s.size()};
}

// Same bound and OWS trimming as parse_credentials, so that the two do the same work.
inline boost::urls::result<credentials> parse_credentials(std::string_view field, std::size_t max_size = 8192) noexcept
{
    if (field.size() > max_size) return boost::urls::grammar::error::mismatch;
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
    auto r = g::parse(boost::urls::string_view(field.data(), field.size()), credentials_rule);
    if (!r) return r.error();
    credentials c{sv(std::get<0>(*r)), {}};
    if (const auto& t = std::get<1>(*r)) c.token68 = sv(*t);
    return c;
}

}  // namespace apiauth_bench::url_grammar

#endif  // APIAUTH_BENCH_BOOST_URL_CREDENTIALS_HPP
