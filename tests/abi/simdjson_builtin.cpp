// apiauth/detail/simdjson.hpp leaves out the On-Demand implementations that the compiler's flags
// rule out as simdjson's builtin one (see that header). This file is what a user's file looks
// like that includes apiauth first and then uses simdjson::ondemand itself: it must get the same
// builtin implementation as without apiauth. simdjson_builtin.cmake compiles it once per set of
// flags with APIAUTH_EXPECTED_BUILTIN set to what simdjson.h alone chooses under those flags.
#include <apiauth/detail/simdjson.hpp>
#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <type_traits>

static_assert(std::is_same_v<simdjson::ondemand::parser, simdjson::APIAUTH_EXPECTED_BUILTIN::ondemand::parser>,
              "including apiauth first changed simdjson's builtin On-Demand implementation");

// The On-Demand API still compiles and runs.
std::int64_t sum_of(std::string_view json)
{
    simdjson::ondemand::parser parser;
    simdjson::padded_string text(json);
    simdjson::ondemand::document doc;
    if (parser.iterate(text).get(doc) != simdjson::SUCCESS) return -1;
    std::int64_t sum = 0;
    for (auto v : doc.get_array()) sum += v.get_int64().value_unsafe();
    return sum;
}

#ifdef APIAUTH_RUN
int main()
{
    simdjson::dom::parser dom;
    simdjson::dom::element e;
    if (dom.parse(std::string_view("{\"a\":1}")).get(e) != simdjson::SUCCESS) return 1;
    return sum_of("[1,2,3]") == 6 ? 0 : 2;
}
#endif
