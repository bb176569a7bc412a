// bench/alloc_counter.hpp — heap allocations per benchmark iteration.
//
// alloc_counter.cpp replaces every global operator new (plain, array,
// nothrow, aligned) and, once main() has called count_openssl_allocations(),
// OpenSSL's allocator (CRYPTO_set_mem_functions). Both feed one atomic
// counter, so `allocs` counts C++ and OpenSSL allocations alike.
//
// This file and alloc_counter.cpp / main.cpp include no apiauth header, so the
// same objects link into apiauth_bench and into apiauth_bench_evp (the EVP
// build of the inline library functions) without an ODR clash.
#ifndef APIAUTH_BENCH_ALLOC_COUNTER_HPP
#define APIAUTH_BENCH_ALLOC_COUNTER_HPP

#include <benchmark/benchmark.h>

#include <cstdint>

namespace apiauth_bench {

/// Allocations so far in this process (operator new and, once installed, OpenSSL).
std::uint64_t allocations() noexcept;

/// Route OpenSSL's CRYPTO_malloc/realloc/free through the counter. Must run
/// before OpenSSL allocates anything; returns CRYPTO_set_mem_functions' result.
bool count_openssl_allocations() noexcept;

/// Snapshot the counter before the timed loop; stop() after it reports the
/// counter `allocs` = allocations per iteration.
class alloc_meter {
public:
    alloc_meter() noexcept : start_(allocations()) {}

    void stop(benchmark::State& state) const
    {
        const std::uint64_t n = allocations() - start_;  // read before the counters map allocates
        state.counters["allocs"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgIterations);
    }

private:
    std::uint64_t start_;
};

/// Print `what` and abort: a startup self-check failed.
[[noreturn]] void fail(const char* what) noexcept;

/// A check run by main() after the allocator is installed and before any
/// benchmark (fixtures are built there, and results compared across variants).
using startup_check = void (*)();

struct register_check {
    explicit register_check(startup_check f) noexcept;
};

void run_startup_checks();

}  // namespace apiauth_bench

#endif  // APIAUTH_BENCH_ALLOC_COUNTER_HPP
