// bench/main.cpp — counted allocators first, then the self-checks, then Google Benchmark.
#include "alloc_counter.hpp"

#include <benchmark/benchmark.h>

int main(int argc, char** argv)
{
    // Before anything can reach OpenSSL: CRYPTO_set_mem_functions refuses (returns 0)
    // once OpenSSL has allocated, and then OpenSSL's allocations would go uncounted.
    if (!apiauth_bench::count_openssl_allocations()) apiauth_bench::fail("CRYPTO_set_mem_functions returned 0");
    apiauth_bench::run_startup_checks();

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
