// One half of the ABI test (tests/abi/run.cmake): defines a function over an apiauth type whose
// layout depends on APIAUTH_USE_EVP. Built once with and once without it.
#include <apiauth/crypto/hmac.hpp>

std::size_t mac_size(const apiauth::crypto::hmac_key& k)
{
    return k.size();
}
