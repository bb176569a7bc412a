// Tests for apiauth/oauth2/scope.hpp: the scope grammar of RFC 6749 §3.3 and Appendix A.4,
// and the decision of what is granted (§3.3: the server may ignore part of the request).
#include <apiauth/oauth2/scope.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace oauth2_scope_test {

using apiauth::errc;
using apiauth::oauth2::decide_scope;
using apiauth::oauth2::excess_scope;
using apiauth::oauth2::join_scope;
using apiauth::oauth2::parse_scope;
using apiauth::oauth2::scope_view;

namespace {
std::vector<std::string> tokens(scope_view s)
{
    return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("RFC 6749 §3.3: scope-token *( SP scope-token ), in order, case-sensitive", "[oauth2][scope]")
{
    const auto s = parse_scope("read write:items Read");
    REQUIRE(s.has_value());
    CHECK(tokens(*s) == std::vector<std::string>{"read", "write:items", "Read"});
    CHECK(s->size() == 3);
    CHECK(s->contains("Read"));
    CHECK_FALSE(s->contains("READ"));
    CHECK_FALSE(s->contains("rea"));
    // Every NQCHAR but SP: %x21 / %x23-5B / %x5D-7E (Appendix A.4).
    std::string all;
    for (int c = 0x21; c <= 0x7E; ++c)
        if (c != 0x22 && c != 0x5C) all.push_back(static_cast<char>(c));
    CHECK(parse_scope(all).has_value());
    // Empty: no scope (§3.1: a parameter without a value is omitted).
    const auto none = parse_scope("");
    REQUIRE(none.has_value());
    CHECK(none->empty());
    CHECK(none->size() == 0);
    CHECK(none->begin() == none->end());
}

TEST_CASE("RFC 6749 §3.3: a leading, trailing or doubled SP, a quote, a backslash, a CTL or non-ASCII is refused",
          "[oauth2][scope]")
{
    const std::string_view bad[] = {" read",       "read ",       "read  write", " ",     "\"admin\"",
                                    "read\\write", "read\twrite", "caf\xC3\xA9", "a\x7F", std::string_view("a\0b", 3)};
    for (const std::string_view s : bad) {
        INFO(s);
        const auto r = parse_scope(s);
        REQUIRE(r.has_error());
        CHECK(r.error() == errc::invalid_scope_syntax);
    }
}

TEST_CASE("Bounds: too many tokens or octets is too_many_scopes (research §7.2)", "[oauth2][scope]")
{
    std::string s = "a";
    for (int i = 1; i < 64; ++i) s += " a";
    CHECK(parse_scope(s).has_value());  // 64 tokens
    CHECK(parse_scope(s + " a").error() == errc::too_many_scopes);
    CHECK(parse_scope(std::string(2048, 'x')).has_value());
    CHECK(parse_scope(std::string(2049, 'x')).error() == errc::too_many_scopes);
    // The size bound comes before the grammar: an oversized malformed value is too_many_scopes.
    CHECK(parse_scope(std::string(2049, ' ')).error() == errc::too_many_scopes);
}

TEST_CASE("RFC 6749 §3.3: decide_scope grants the allowed part, refuses or narrows the rest", "[oauth2][scope]")
{
    const std::vector<std::string> allowed = {"read", "write"};
    const auto req = [](std::string_view s) { return *parse_scope(s); };
    auto g = decide_scope(req("write read write"), allowed);
    REQUIRE(g.has_value());
    CHECK(join_scope(*g) == "write read");  // in the order asked, once each
    CHECK(decide_scope(req("read admin"), allowed).error() == errc::scope_not_allowed);
    g = decide_scope(req("read admin"), allowed, excess_scope::narrow);
    REQUIRE(g.has_value());
    CHECK(join_scope(*g) == "read");
    CHECK(decide_scope(req("admin"), allowed, excess_scope::narrow).error() == errc::scope_not_allowed);
    // Nothing asked: the pre-defined default, everything allowed (§3.3).
    g = decide_scope(scope_view(), allowed);
    REQUIRE(g.has_value());
    CHECK(join_scope(*g) == "read write");
    // Nothing allowed and nothing asked: an empty grant.
    g = decide_scope(scope_view(), {});
    REQUIRE(g.has_value());
    CHECK(g->empty());
    CHECK(decide_scope(req("read"), {}).error() == errc::scope_not_allowed);
}

}  // namespace oauth2_scope_test
