// json_document (detail/json_reader.hpp): what it leaves behind. simdjson keeps every string and
// member name of a document, unescaped, in its parser's buffer, which it frees without wiping;
// json_document zeroes them before it reads another text and when it is destroyed.
#include <apiauth/detail/json_reader.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace detail_json_reader_test {

using apiauth::detail::json_document;

TEST_CASE("json_document: the strings and names of a document read before are zeroed in the parser's buffer", "[json]")
{
    json_document doc;
    // A token response's shape: names, a nested object, an array, an escaped string.
    REQUIRE(doc.parse(R"({"access_token":"SECRET-ACCESS-TOKEN","x":{"refresh_token":"SECRET-REFRESH"},)"
                      R"("list":["SECRET-IN-ARRAY"],"escaped":"SECRET\u0041ESCAPED","n":3})"));
    simdjson::dom::object o;
    REQUIRE(doc.root().get_object().get(o) == simdjson::SUCCESS);
    const auto str = [](simdjson::dom::element e) {
        std::string_view s;
        REQUIRE(e.get_string().get(s) == simdjson::SUCCESS);
        return s;
    };
    // Views into the parser's buffer, which stays allocated while the next text is smaller.
    const std::string_view access = str(o["access_token"]);
    const std::string_view refresh = str(o["x"]["refresh_token"]);
    const std::string_view in_array = str(o["list"].at(0));
    const std::string_view escaped = str(o["escaped"]);
    CHECK(access == "SECRET-ACCESS-TOKEN");
    CHECK(escaped == "SECRETAESCAPED");
    std::string_view name;
    for (const auto f : o) {
        if (f.key == "access_token") name = f.key;
    }
    REQUIRE(name == "access_token");

    REQUIRE(doc.parse("1"));  // no string: nothing of its own goes into the buffer
    const auto zeroed = [](std::string_view s) { return s.find_first_not_of('\0') == std::string_view::npos; };
    CHECK(zeroed(access));
    CHECK(zeroed(refresh));
    CHECK(zeroed(in_array));
    CHECK(zeroed(escaped));
    CHECK(zeroed(name));
    CHECK(access.size() == 19);  // the views still cover the bytes they did
}

TEST_CASE("json_document: a text that is not JSON leaves nothing to walk, and reading again still works", "[json]")
{
    json_document doc;
    CHECK_FALSE(doc.parse(R"({"access_token":"SECRET")"));
    REQUIRE(doc.parse(R"({"a":"b"})"));
    std::string_view s;
    REQUIRE(doc.root()["a"].get_string().get(s) == simdjson::SUCCESS);
    CHECK(s == "b");
}

}  // namespace detail_json_reader_test
