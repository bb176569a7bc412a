// The stores::api_key_admin conformance suite (api_key_admin_conformance.hpp) against the memory
// store, the reference the PostgreSQL and Redis stores are held to, and against the same store
// behind a cached_api_key_store (whose operations must drop what they change from the cache).
#include <apiauth/stores/cache.hpp>
#include <apiauth/stores/memory.hpp>

#include <optional>

namespace {
struct memory_env {
    apiauth::stores::memory_api_key_store s;
    apiauth::stores::memory_api_key_store& store() { return s; }
};
struct cached_memory_env {
    apiauth::stores::memory_api_key_store inner;
    apiauth::stores::cached_api_key_store<apiauth::stores::memory_api_key_store> s{inner,
                                                                                   {.ttl = std::chrono::hours(1)}};
    auto& store() { return s; }
};
}  // namespace

#define APIAUTH_ADMIN_ENV memory_env, cached_memory_env
#include "api_key_admin_conformance.hpp"
