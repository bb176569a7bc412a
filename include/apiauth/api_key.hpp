// apiauth/api_key.hpp — API keys: format, generation, stored verifiers, verification.
//
// The format is described at the top of api_key/format.hpp, the pair form (Basic, OAuth client
// credentials) at the top of api_key/verify.hpp.
//
// The module, one concept per header (internals in api_key/detail/):
//
//     api_key/format.hpp       sizes, the prefix grammar, api_key_view, parse_api_key, secret_api_key
//     api_key/record.hpp       api_key_verifier, api_key_record, api_key_hint, the api_key_store
//                              concept, verified_api_key
//     api_key/pepper_ring.hpp  pepper, pepper_ring
//     api_key/generate.hpp     generate_api_key, rotate_api_key, hash_api_key, make_api_key_record
//     api_key/options.hpp      api_key_options
//     api_key/presented.hpp    presented_api_key: a key between the two steps of verification
//     api_key/verify.hpp       verify_api_key, verify_api_key_pair, verify_basic_api_key; their two
//                              I/O-free steps present_*api_key* and verify_presented_api_key
//     api_key/stormpath.hpp    import_stormpath_api_key, wrap_api_key_record
#ifndef APIAUTH_API_KEY_HPP
#define APIAUTH_API_KEY_HPP

#include <apiauth/api_key/format.hpp>
#include <apiauth/api_key/generate.hpp>
#include <apiauth/api_key/options.hpp>
#include <apiauth/api_key/pepper_ring.hpp>
#include <apiauth/api_key/presented.hpp>
#include <apiauth/api_key/record.hpp>
#include <apiauth/api_key/stormpath.hpp>
#include <apiauth/api_key/verify.hpp>

#endif  // APIAUTH_API_KEY_HPP
