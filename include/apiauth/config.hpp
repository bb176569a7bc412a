// apiauth/config.hpp — build choices that change what the headers compile to, and the ABI
// namespace that records them. Every public header includes it first.
#ifndef APIAUTH_CONFIG_HPP
#define APIAUTH_CONFIG_HPP

#include <apiauth/version.hpp>

#include <openssl/opensslconf.h>

// APIAUTH_USE_EVP:
//  defined (to 1) when SHA-2 and HMAC go through OpenSSL's EVP providers (FIPS-capable)
//  instead of the low-level SHA-2 contexts. Set it with the CMake option of the same name,
//  which puts it on apiauth::apiauth's compile definitions and in the installed package; an
//  OpenSSL built without its deprecated APIs selects it by itself.
#if !defined(APIAUTH_USE_EVP) && defined(OPENSSL_NO_DEPRECATED_3_0)
#define APIAUTH_USE_EVP 1
#endif

#define APIAUTH_DETAIL_CAT3_(a, b, c) a##b##c
#define APIAUTH_DETAIL_CAT3(a, b, c) APIAUTH_DETAIL_CAT3_(a, b, c)

#if defined(APIAUTH_USE_EVP)
#define APIAUTH_DETAIL_ABI_SUFFIX _evp
#else
#define APIAUTH_DETAIL_ABI_SUFFIX
#endif

// APIAUTH_ABI_NAMESPACE:
//  the inline namespace that holds everything in `apiauth`: `v<major>_<minor>` while the major
//  version is 0 (a 0.x minor release may change the ABI), then `v<major>`, with `_evp` appended
//  when APIAUTH_USE_EVP is defined. Code always writes `apiauth::…`; the linker sees the inline
//  namespace, so two translation units built with different versions or choices fail to link
//  together instead of sharing types whose layouts differ (an ODR violation).
#if APIAUTH_VERSION_MAJOR == 0
#define APIAUTH_ABI_NAMESPACE                                                                                          \
    APIAUTH_DETAIL_CAT3(APIAUTH_DETAIL_CAT3(v, APIAUTH_VERSION_MAJOR, _), APIAUTH_VERSION_MINOR,                       \
                        APIAUTH_DETAIL_ABI_SUFFIX)
#else
#define APIAUTH_ABI_NAMESPACE APIAUTH_DETAIL_CAT3(v, APIAUTH_VERSION_MAJOR, APIAUTH_DETAIL_ABI_SUFFIX)
#endif

#endif  // APIAUTH_CONFIG_HPP
