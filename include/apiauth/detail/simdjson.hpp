// apiauth/detail/simdjson.hpp — simdjson.h, without the On-Demand code this translation unit
// could never use.
//
// apiauth reads JSON with simdjson's DOM parser, whose parsing code lives in libsimdjson and picks
// the best instruction set at run time (haswell, with AVX2, on the machines we measure): nothing
// below changes that. simdjson.h also declares its On-Demand API once per x86 instruction set
// (icelake, haswell, westmere, fallback), and each of those declarations pulls in <immintrin.h>.
// Only one of them, SIMDJSON_BUILTIN_IMPLEMENTATION, can serve `simdjson::ondemand` in a given
// translation unit, and which one depends on the compiler's flags: without -mavx2 it is westmere
// or fallback. Parsing the others costs every translation unit that verifies a token about half
// a second (BENCHMARKS.md, compile time).
//
// So, before the first inclusion of simdjson.h, each x86 implementation that the flags rule out
// as the builtin one is left out (SIMDJSON_IMPLEMENTATION_X = 0): icelake without AVX-512F,
// haswell without AVX2, westmere without SSE4.2. The builtin implementation, and so
// `simdjson::ondemand` in code that includes apiauth first, is the same as without this header.
// What is gone is naming another one explicitly (`simdjson::haswell::ondemand` in a file
// compiled without -mavx2). Such a file can include simdjson.h before apiauth, define
// APIAUTH_SIMDJSON_ALL_IMPLEMENTATIONS, or set the SIMDJSON_IMPLEMENTATION_* macros itself: any
// of them is respected.
#ifndef APIAUTH_DETAIL_SIMDJSON_HPP
#define APIAUTH_DETAIL_SIMDJSON_HPP

#if !defined(SIMDJSON_H) && !defined(APIAUTH_SIMDJSON_ALL_IMPLEMENTATIONS) && (defined(__x86_64__) || defined(_M_AMD64))
#if !defined(SIMDJSON_IMPLEMENTATION_ICELAKE) && !defined(__AVX512F__)
#define SIMDJSON_IMPLEMENTATION_ICELAKE 0
#endif
#if !defined(SIMDJSON_IMPLEMENTATION_HASWELL) && !defined(__AVX2__)
#define SIMDJSON_IMPLEMENTATION_HASWELL 0
#endif
#if !defined(SIMDJSON_IMPLEMENTATION_WESTMERE) && !defined(__SSE4_2__)
#define SIMDJSON_IMPLEMENTATION_WESTMERE 0
#endif
#endif

#include <simdjson.h>  // IWYU pragma: export

#endif  // APIAUTH_DETAIL_SIMDJSON_HPP
