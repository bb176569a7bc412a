// fuzz/fuzz_check.hpp — the one assertion every fuzzer uses.
//
// FUZZ_CHECK(cond): when cond is false, print where and what to stderr and
// abort, so that libFuzzer records the input as a crash. Unlike assert it is
// never compiled out.
#ifndef APIAUTH_FUZZ_CHECK_HPP
#define APIAUTH_FUZZ_CHECK_HPP

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                              \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

#endif  // APIAUTH_FUZZ_CHECK_HPP
