// Helpers shared by the tests: hex, and where the Wycheproof vectors are.
#ifndef APIAUTH_TESTS_SUPPORT_HPP
#define APIAUTH_TESTS_SUPPORT_HPP

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace apiauth::test {

inline std::string from_hex(std::string_view h)
{
    if (h.size() % 2 != 0) throw std::invalid_argument("odd hex length");
    const auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("bad hex digit");
    };
    std::string out(h.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(nib(h[2 * i]) << 4 | nib(h[2 * i + 1]));
    return out;
}

inline std::string to_hex(std::string_view b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char ch : b) {
        const auto c = static_cast<unsigned char>(ch);
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

/// The Wycheproof folder: $APIAUTH_WYCHEPROOF_DIR, else the path CMake
/// configured (tests/vectors/wycheproof in the repository).
inline std::filesystem::path wycheproof_dir()
{
    if (const char* e = std::getenv("APIAUTH_WYCHEPROOF_DIR")) return e;
#ifdef APIAUTH_WYCHEPROOF_DIR
    return APIAUTH_WYCHEPROOF_DIR;
#else
    return {};
#endif
}

/// The parsed vector file. The vectors ship with the repository, so a missing
/// file fails the calling test (naming the path) instead of skipping it.
inline nlohmann::json load_wycheproof(const std::string& file)
{
    const auto p = wycheproof_dir() / file;
    std::ifstream in(p);
    if (!in)
        FAIL("Wycheproof vectors not found: " << p.string()
                                              << " (tests/vectors/wycheproof, or APIAUTH_WYCHEPROOF_DIR)");
    return nlohmann::json::parse(in);
}

}  // namespace apiauth::test

#endif
