// bench/alloc_counter.cpp — the replaced global allocation functions and
// OpenSSL's counted allocator.
#include "alloc_counter.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

namespace {

std::atomic<std::uint64_t> g_allocations{0};

void* counted_malloc(std::size_t n) noexcept
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    for (;;) {
        if (void* p = std::malloc(n)) return p;
        std::new_handler h = std::get_new_handler();
        if (h == nullptr) return nullptr;
        try {
            h();
        } catch (...) {
            return nullptr;
        }
    }
}

void* counted_aligned(std::size_t n, std::align_val_t al) noexcept
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(al);
    const std::size_t size = ((n == 0 ? 1 : n) + a - 1) / a * a;  // aligned_alloc wants a multiple of a
    for (;;) {
        if (void* p = std::aligned_alloc(a, size)) return p;
        std::new_handler h = std::get_new_handler();
        if (h == nullptr) return nullptr;
        try {
            h();
        } catch (...) {
            return nullptr;
        }
    }
}

void* or_throw(void* p)
{
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

// OpenSSL's hooks. A realloc counts as an allocation: it may move the block.
void* ossl_malloc(std::size_t n, const char*, int) noexcept
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n);
}

void* ossl_realloc(void* p, std::size_t n, const char*, int) noexcept
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::realloc(p, n);
}

void ossl_free(void* p, const char*, int) noexcept
{
    std::free(p);
}

std::vector<apiauth_bench::startup_check>& checks()
{
    static std::vector<apiauth_bench::startup_check> v;
    return v;
}

}  // namespace

// ---- replaced global allocation functions ([new.delete]) -------------------

void* operator new(std::size_t n)
{
    return or_throw(counted_malloc(n));
}
void* operator new[](std::size_t n)
{
    return or_throw(counted_malloc(n));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
    return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept
{
    return counted_malloc(n);
}
void* operator new(std::size_t n, std::align_val_t a)
{
    return or_throw(counted_aligned(n, a));
}
void* operator new[](std::size_t n, std::align_val_t a)
{
    return or_throw(counted_aligned(n, a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return counted_aligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return counted_aligned(n, a);
}

void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept
{
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
    std::free(p);
}

namespace apiauth_bench {

std::uint64_t allocations() noexcept
{
    return g_allocations.load(std::memory_order_relaxed);
}

bool count_openssl_allocations() noexcept
{
    return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1;
}

void fail(const char* what) noexcept
{
    std::fprintf(stderr, "apiauth_bench: startup check failed: %s\n", what);
    std::abort();
}

register_check::register_check(startup_check f) noexcept
{
    try {
        checks().push_back(f);
    } catch (...) {
        fail("cannot register a startup check");
    }
}

void run_startup_checks()
{
    // The counter itself: one operator new and one OpenSSL allocation must count two.
    const std::uint64_t before = allocations();
    void* volatile p = ::operator new(24);
    ::operator delete(p);
    void* volatile q = OPENSSL_malloc(24);
    OPENSSL_free(q);
    if (allocations() - before != 2) fail("the allocation counter does not see operator new and OpenSSL");

    for (startup_check f : checks()) f();
}

}  // namespace apiauth_bench
