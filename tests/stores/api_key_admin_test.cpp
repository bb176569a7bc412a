// The stores::api_key_admin conformance suite (api_key_admin_conformance.hpp) against the memory
// store, the reference the PostgreSQL and Redis stores are held to.
#include <apiauth/stores/memory.hpp>

namespace {
struct memory_env {
    apiauth::stores::memory_api_key_store s;
    apiauth::stores::memory_api_key_store& store() { return s; }
};
}  // namespace

#define APIAUTH_ADMIN_ENV memory_env
#include "api_key_admin_conformance.hpp"
