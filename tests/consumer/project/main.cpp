// A program outside the apiauth tree: it compiles against the umbrella header
// and checks a few answers, so a broken package fails loudly.
//
// The build that compiles it may say what the package it found should contain:
//   APIAUTH_CONSUMER_EXPECT_VERSION  "x.y.z", the version CMake or pkg-config reported
//   APIAUTH_CONSUMER_EXPECT_EVP      1 when the package was configured with APIAUTH_USE_EVP, else 0
#include <apiauth/apiauth.hpp>

#include <cstdio>

#if defined(APIAUTH_CONSUMER_EXPECT_VERSION)
static_assert(apiauth::version() == APIAUTH_CONSUMER_EXPECT_VERSION,
              "apiauth/version.hpp disagrees with the version of the package that was found");
#endif
static_assert(APIAUTH_VERSION == APIAUTH_VERSION_MAJOR * 10000 + APIAUTH_VERSION_MINOR * 100 + APIAUTH_VERSION_PATCH);

#if defined(APIAUTH_CONSUMER_EXPECT_EVP)
#if APIAUTH_CONSUMER_EXPECT_EVP && !defined(APIAUTH_USE_EVP)
#error "the package was configured with APIAUTH_USE_EVP, but its users do not get APIAUTH_USE_EVP"
#elif !APIAUTH_CONSUMER_EXPECT_EVP && defined(APIAUTH_USE_EVP) && !defined(OPENSSL_NO_DEPRECATED_3_0)
#error "the package was configured without APIAUTH_USE_EVP, but its users get APIAUTH_USE_EVP"
#endif
#endif

int main()
{
    const std::string_view lines[] = {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
    const apiauth::http::request_view req{.method = "GET", .target = "/", .authorization = lines};
    auto basic = apiauth::http::extract_basic(req);
    if (!basic || basic->user_id() != "Aladdin" || basic->password() != "open sesame") return 1;

    const apiauth::crypto::hmac_key key(apiauth::crypto::hash::sha256, std::string_view("key"));
    const auto tag = key.compute(std::string_view("The quick brown fox jumps over the lazy dog"));
    if (apiauth::encoding::base64url::encode(tag.span()) != "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg") return 2;

#if defined(APIAUTH_USE_EVP)
    std::printf("apiauth consumer: ok (apiauth %s, EVP)\n", APIAUTH_VERSION_STRING);
#else
    std::printf("apiauth consumer: ok (apiauth %s)\n", APIAUTH_VERSION_STRING);
#endif
    return 0;
}
