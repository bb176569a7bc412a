// apiauth/version.hpp — the library's version, for the preprocessor and at compile time.
//
// The three numbers below are the only copy of the version in C++; they must equal
// project(apiauth VERSION ...) in CMakeLists.txt, which CTest checks
// ("apiauth: version.hpp matches project(VERSION)"). Everything else is derived from them.
//
// APIAUTH_VERSION follows fmt's convention: major * 10000 + minor * 100 + patch, so 0.1.0 is
// 100 and 1.2.3 is 10203 (minor and patch stay below 100). It is an integer constant
// expression, usable in #if:
//
//     #if APIAUTH_VERSION >= 200   // 0.2.0 or later
#ifndef APIAUTH_VERSION_HPP
#define APIAUTH_VERSION_HPP

#include <string_view>

#define APIAUTH_VERSION_MAJOR 0
#define APIAUTH_VERSION_MINOR 1
#define APIAUTH_VERSION_PATCH 0

#define APIAUTH_VERSION (APIAUTH_VERSION_MAJOR * 10000 + APIAUTH_VERSION_MINOR * 100 + APIAUTH_VERSION_PATCH)

#define APIAUTH_DETAIL_STRINGIZE_(x) #x
#define APIAUTH_DETAIL_STRINGIZE(x) APIAUTH_DETAIL_STRINGIZE_(x)

/// "major.minor.patch", e.g. "0.1.0": a string literal.
#define APIAUTH_VERSION_STRING                                                                                         \
    APIAUTH_DETAIL_STRINGIZE(APIAUTH_VERSION_MAJOR)                                                                    \
    "." APIAUTH_DETAIL_STRINGIZE(APIAUTH_VERSION_MINOR) "." APIAUTH_DETAIL_STRINGIZE(APIAUTH_VERSION_PATCH)

namespace apiauth {

/// The version of the headers this translation unit was compiled with, "major.minor.patch"
/// (APIAUTH_VERSION_STRING), for logs and `--version` output.
constexpr std::string_view version() noexcept
{
    return APIAUTH_VERSION_STRING;
}

}  // namespace apiauth

#endif  // APIAUTH_VERSION_HPP
