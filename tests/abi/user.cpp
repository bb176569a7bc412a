// The other half of the ABI test: calls mac_size() with a key built in this translation unit.
// Linked against a provider.o built the same way it must link; built the other way it must not
// (the inline ABI namespace names the choice, so the symbols differ).
#include <apiauth/crypto/hmac.hpp>

#include <cstdio>

std::size_t mac_size(const apiauth::crypto::hmac_key& k);

int main()
{
    const apiauth::crypto::hmac_key k(apiauth::crypto::hash::sha256,
                                      std::string_view("0123456789abcdef0123456789abcdef"));
    std::printf("%zu\n", mac_size(k));
    return mac_size(k) == 32 ? 0 : 1;
}
