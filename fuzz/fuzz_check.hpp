// fuzz/fuzz_check.hpp — the one assertion every fuzzer uses, and the line
// splitter of the fuzzers whose input is a request written as lines.
//
// FUZZ_CHECK(cond): when cond is false, print where and what to stderr and
// abort, so that libFuzzer records the input as a crash. Unlike assert it is
// never compiled out.
#ifndef APIAUTH_FUZZ_CHECK_HPP
#define APIAUTH_FUZZ_CHECK_HPP

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                              \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

namespace fuzz {

// The text of `in` up to its first LF (all of it if none); `in` moves past the LF.
inline std::string_view next_line(std::string_view& in)
{
    const std::size_t lf = in.find('\n');
    const std::string_view line = in.substr(0, lf);
    in = lf == std::string_view::npos ? std::string_view{} : in.substr(lf + 1);
    return line;
}

}  // namespace fuzz

#endif  // APIAUTH_FUZZ_CHECK_HPP
