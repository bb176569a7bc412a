// A program outside the apiauth tree: it compiles against the umbrella header
// and checks a few answers, so a broken package fails loudly.
#include <apiauth/apiauth.hpp>

#include <cstdio>

int main()
{
    const std::string_view lines[] = {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
    const apiauth::request_view req{.method = "GET", .target = "/", .authorization = lines};
    auto basic = apiauth::http::extract_basic(req);
    if (!basic || basic->user_id() != "Aladdin" || basic->password() != "open sesame") return 1;

    const apiauth::crypto::hmac_key key(apiauth::crypto::hash::sha256, std::string_view("key"));
    const auto tag = key.compute(std::string_view("The quick brown fox jumps over the lazy dog"));
    if (apiauth::base64url::encode(tag.span()) != "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg") return 2;

    std::puts("apiauth consumer: ok");
    return 0;
}
