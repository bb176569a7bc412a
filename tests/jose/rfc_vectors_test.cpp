// Conformance of apiauth/jose with the published JWS examples: RFC 7515 Appendix A.1-A.4, RFC 8037
// Appendix A.4/A.5 and RFC 7520 §4.1-§4.4. Keys and tokens are copied from the RFCs (the RFC 7520
// data as the IETF JOSE cookbook publishes it). For each example: the key loads, jws::verify accepts
// the RFC's token and its payload is the RFC's bytes; deterministic algorithms (HS256, RS256, Ed25519)
// reproduce the RFC's token exactly; randomized ones (ECDSA, PSS) round-trip; tampering with any of
// the three segments is rejected with the precise error.
#include <apiauth/encoding/base64.hpp>
#include <apiauth/error.hpp>
#include <apiauth/jose/jwk.hpp>
#include <apiauth/jose/jws.hpp>
#include <apiauth/jose/jwt.hpp>
#include <apiauth/jose/sign.hpp>

#include "../support/jose_support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace jose_rfc_vectors_test {

namespace jose = apiauth::jose;
namespace jws = apiauth::jose::jws;
namespace jwt = apiauth::jose::jwt;
using apiauth::errc;
using apiauth::test::b64;
using apiauth::test::b64d;
using apiauth::test::name;
using apiauth::test::outcome;
using apiauth::test::segments;
using apiauth::test::split;
using jose::algorithm;

namespace {

// ---- helpers -----------------------------------------------------------------------------------------------

// A clock stopped at `seconds` after the epoch.
jwt::clock_function at(double seconds)
{
    return [seconds] {
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
    };
}

jose::key load_jwk(std::string_view json, jose::jwk_options opt)
{
    auto k = jose::key::from_jwk(json, opt);
    INFO("from_jwk: " << outcome(k));
    REQUIRE(k.has_value());
    return *k;
}

// The public half of `k` as a verification-only key (to_jwk without private members, re-imported).
jose::key public_of(const jose::key& k)
{
    auto j = k.to_jwk(false);
    REQUIRE(j.has_value());
    CHECK_FALSE(j->contains("d"));
    auto p = jose::key::from_jwk(*j);
    INFO("re-import: " << outcome(p));
    REQUIRE(p.has_value());
    CHECK_FALSE(p->can_sign());
    return *p;
}

// Any change to any segment of a valid token must be rejected, and with the error that names it.
void check_tampering(const std::string& token, const jose::key_set& keys)
{
    const segments s = split(token);
    REQUIRE(jws::verify(token, keys).has_value());

    // Header: the same JSON object with one more (insignificant) space: different signed bytes.
    segments h = s;
    h.header = b64(b64d(s.header) + " ");
    CHECK(outcome(jws::verify(h.join(), keys)) == name(errc::bad_signature));

    // Payload: one base64url character changed (not the last, so the encoding stays canonical).
    segments p = s;
    p.payload[0] = p.payload[0] == 'A' ? 'B' : 'A';
    CHECK(outcome(jws::verify(p.join(), keys)) == name(errc::bad_signature));

    // Signature: one bit of the first octet flipped, re-encoded.
    segments g = s;
    std::string sig = b64d(s.signature);
    sig[0] = static_cast<char>(sig[0] ^ 0x01);
    g.signature = b64(sig);
    CHECK(outcome(jws::verify(g.join(), keys)) == name(errc::bad_signature));
    // ... one bit of the last octet flipped.
    sig = b64d(s.signature);
    sig.back() = static_cast<char>(sig.back() ^ 0x01);
    g.signature = b64(sig);
    CHECK(outcome(jws::verify(g.join(), keys)) == name(errc::bad_signature));

    // Signature one octet short, one octet long, or missing: not the algorithm's length.
    g.signature = b64(b64d(s.signature).substr(1));
    CHECK(outcome(jws::verify(g.join(), keys)) == name(errc::bad_signature_length));
    g.signature = b64(b64d(s.signature) + '\0');
    CHECK(outcome(jws::verify(g.join(), keys)) == name(errc::bad_signature_length));
    g.signature.clear();
    CHECK(outcome(jws::verify(g.join(), keys)) == name(errc::bad_signature_length));

    // Segments swapped: the payload (a claims object without alg, or text) is not a JOSE header.
    segments w = s;
    std::swap(w.header, w.payload);
    CHECK(outcome(jws::verify(w.join(), keys)) == name(errc::jws_invalid_header));
}

// ---- RFC 7515 Appendix A data ----------------------------------------------------------------------------------

// A.1-A.3 share this JWS Payload (note the CR LF and the spaces: the bytes are signed as they are).
constexpr std::string_view rfc7515_claims = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
                                            " \"http://example.com/is_root\":true}";
constexpr std::string_view rfc7515_claims_b64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr double rfc7515_exp = 1300819380;

// A.1.1: the HMAC key (Figure in A.1.1) and the JWS (end of A.1.1).
constexpr std::string_view a1_jwk =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr std::string_view a1_header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
constexpr std::string_view a1_token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// A.2.1: the RSA key (public and private members).
constexpr std::string_view a2_jwk = "{\"kty\":\"RSA\","
                                    "\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
                                    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
                                    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
                                    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
                                    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
                                    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\","
                                    "\"e\":\"AQAB\","
                                    "\"d\":\"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97I"
                                    "jlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0"
                                    "BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn"
                                    "439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYT"
                                    "CBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLh"
                                    "BOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ\","
                                    "\"p\":\"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdi"
                                    "YrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPG"
                                    "BY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc\","
                                    "\"q\":\"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxa"
                                    "ewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA"
                                    "-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc\","
                                    "\"dp\":\"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3Q"
                                    "CLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb"
                                    "34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0\","
                                    "\"dq\":\"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa"
                                    "7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-ky"
                                    "NlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU\","
                                    "\"qi\":\"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2o"
                                    "y26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLU"
                                    "W0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U\"}";
constexpr std::string_view a2_token =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// A.3.1: the P-256 key.
constexpr std::string_view a3_jwk = R"({"kty":"EC","crv":"P-256",)"
                                    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
                                    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr std::string_view a3_token =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// A.4.1: the P-521 key; the payload is the ASCII text "Payload".
constexpr std::string_view a4_jwk =
    R"({"kty":"EC","crv":"P-521",)"
    R"("x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
    R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",)"
    R"("d":"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d53vM9mE15j2C"})";
constexpr std::string_view a4_token = "eyJhbGciOiJFUzUxMiJ9."
                                      "UGF5bG9hZA."
                                      "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
                                      "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
                                      "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// ---- RFC 8037 Appendix A data ----------------------------------------------------------------------------------

// A.1 (private key), A.2 (public key), A.4 (the JWS).
constexpr std::string_view rfc8037_private_jwk = R"({"kty":"OKP","crv":"Ed25519",)"
                                                 R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
                                                 R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view rfc8037_public_jwk =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view rfc8037_payload = "Example of Ed25519 signing";
constexpr std::string_view rfc8037_token =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// ---- RFC 7520 §3 keys and §4 data --------------------------------------------------------------------------------

// Figure 7: the payload; U+2019 is E2 80 99 in UTF-8.
constexpr std::string_view rfc7520_payload =
    "It\xe2\x80\x99"
    "s a dangerous business, Frodo, going out your door. You step onto the road, and if you don't keep your "
    "feet, there\xe2\x80\x99"
    "s no knowing where you might be swept off to.";
// Figure 8.
constexpr std::string_view rfc7520_payload_b64 =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZC"
    "wgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG"
    "9mZiB0by4";

// Figure 4 (§3.4): RSA 2048-bit private key; no "alg".
constexpr std::string_view rfc7520_rsa_jwk =
    R"({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig",)"
    R"("n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKr)"
    R"(Kb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpP)"
    R"(I9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwU)"
    R"(kRz5iaiQkqgc5gHdrNP5zw",)"
    R"("e":"AQAB",)"
    R"("d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCk)"
    R"(u9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdk)"
    R"(MXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoF)"
    R"(au7gdsPfHPxxjVOcOpBrQzwQ",)"
    R"("p":"3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAm)"
    R"(r_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k",)"
    R"("q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmK)"
    R"(vwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc",)"
    R"("dp":"B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYf)"
    R"(KU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik",)"
    R"("dq":"CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQG)"
    R"(IC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8",)"
    R"("qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssb)"
    R"(u0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4"})";

// Figure 2 (§3.2): P-521 private key; no "alg" (the curve implies ES512).
constexpr std::string_view rfc7520_ec_jwk =
    R"({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521",)"
    R"("x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",)"
    R"("y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",)"
    R"("d":"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"})";

// Figure 5 (§3.5): the HMAC key, with "alg".
constexpr std::string_view rfc7520_oct_jwk =
    R"({"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037",)"
    R"("use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})";

// Figure 13 (§4.1.3).
constexpr std::string_view rfc7520_4_1_token =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZC"
    "wgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG"
    "9mZiB0by4."
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDko"
    "BwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpER"
    "V0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7"
    "vjbU5y18kDquDg";

// Figure 20 (§4.2.3).
constexpr std::string_view rfc7520_4_2_token =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZC"
    "wgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG"
    "9mZiB0by4."
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLP"
    "pcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2l"
    "fJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4if"
    "Ko8DYM-X72Eaw";

// Figure 27 (§4.3.3).
constexpr std::string_view rfc7520_4_3_token =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZC"
    "wgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG"
    "9mZiB0by4."
    "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMD"
    "xXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";

// Figure 34 (§4.4.3).
constexpr std::string_view rfc7520_4_4_token =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZC"
    "wgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG"
    "9mZiB0by4."
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

}  // namespace

// ---- RFC 7515 Appendix A ------------------------------------------------------------------------------------

TEST_CASE("RFC 7515 A.1: the HS256 example verifies and its MAC is reproduced", "[jose][rfc]")
{
    // The JWK has no "alg" (kty oct allows three): the algorithm is bound by the caller (RFC 8725 §3.1).
    const jose::key k = load_jwk(a1_jwk, {.alg = algorithm::hs256});
    CHECK(k.alg() == algorithm::hs256);
    CHECK(k.signature_size() == 32);
    const jose::key_set keys(k);

    const auto v = jws::verify(a1_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::hs256);
    CHECK(v->header_json() == a1_header);
    CHECK(v->payload() == rfc7515_claims);
    CHECK(v->payload_b64() == rfc7515_claims_b64);

    // Signing: jws::sign serializes the header itself ({"alg":"HS256","typ":"JWT"}, compact and
    // sorted), not the RFC's {"typ":"JWT",CRLF "alg":"HS256"}; so the MAC is reproduced with
    // key::sign over the RFC's own signing input, the operation jws::sign performs.
    const segments s = split(a1_token);
    const std::string input = s.header + "." + s.payload;
    std::array<std::byte, 64> mac{};
    const auto n = k.sign(apiauth::detail::as_bytes(input), mac);
    REQUIRE(n.has_value());
    CHECK(apiauth::encoding::base64url::encode(std::span<const std::byte>(mac.data(), *n)) == s.signature);

    // jws::sign with the same header members gives a token that verifies (other header bytes).
    const auto t = jws::sign(R"({"typ":"JWT","alg":"HS256"})", rfc7515_claims, k);
    REQUIRE(t.has_value());
    CHECK(split(*t).header == b64(R"({"alg":"HS256","typ":"JWT"})"));
    CHECK(split(*t).payload == rfc7515_claims_b64);
    CHECK(jws::verify(*t, keys).has_value());

    check_tampering(std::string(a1_token), keys);
}

TEST_CASE("RFC 7515 A.1: the example's claims through jwt::verifier (typ JWT, exp 1300819380)", "[jose][rfc]")
{
    const jose::key_set keys(load_jwk(a1_jwk, {.alg = algorithm::hs256}));
    const jwt::verifier before{keys, {.issuer = "joe", .typ = "JWT", .clock = at(rfc7515_exp - 1)}};
    const auto r = before.verify(a1_token);
    INFO(outcome(r));
    REQUIRE(r.has_value());
    CHECK(r->claims().iss() == "joe");
    CHECK(r->claims().exp() == rfc7515_exp);
    CHECK(r->claims().get<bool>("http://example.com/is_root") == true);
    CHECK(r->claims().json() == rfc7515_claims);

    // RFC 7519 §4.1.4: at exp the token is no longer valid.
    const jwt::verifier at_exp{keys, {.issuer = "joe", .typ = "JWT", .clock = at(rfc7515_exp)}};
    CHECK(outcome(at_exp.verify(a1_token)) == name(errc::token_expired));
}

TEST_CASE("RFC 7515 A.2: the RS256 example verifies and jws::sign reproduces it exactly", "[jose][rfc]")
{
    // A.2.1 gives the private key; the JWK has no "alg".
    CHECK(outcome(jose::key::from_jwk(a2_jwk, {.alg = algorithm::rs256})) == name(errc::private_key_not_allowed));
    CHECK(outcome(jose::key::from_jwk(a2_jwk, {.allow_private = true})) == name(errc::key_alg_missing));
    const jose::key k = load_jwk(a2_jwk, {.alg = algorithm::rs256, .allow_private = true});
    CHECK(k.can_sign());
    CHECK(k.signature_size() == 256);
    const jose::key_set keys(k);

    const auto v = jws::verify(a2_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::rs256);
    CHECK(v->header_json() == R"({"alg":"RS256"})");
    CHECK(v->payload() == rfc7515_claims);

    // RSASSA-PKCS1-v1_5 is deterministic and {"alg":"RS256"} is what jws::sign writes: the exact token.
    const auto t = jws::sign("{}", rfc7515_claims, k);
    REQUIRE(t.has_value());
    CHECK(*t == a2_token);
    const auto t2 = jws::sign(R"({"alg":"RS256"})", rfc7515_claims, k);
    REQUIRE(t2.has_value());
    CHECK(*t2 == a2_token);

    // The public half alone verifies it.
    const jose::key_set pub(public_of(k));
    CHECK(jws::verify(a2_token, pub).has_value());
    check_tampering(std::string(a2_token), pub);

    const jwt::verifier ver{pub, {.issuer = "joe", .clock = at(rfc7515_exp - 0.5)}};
    const auto r = ver.verify(a2_token);
    INFO(outcome(r));
    CHECK(r.has_value());
}

TEST_CASE("RFC 7515 A.3: the ES256 example verifies and ES256 signatures round-trip", "[jose][rfc]")
{
    CHECK(outcome(jose::key::from_jwk(a3_jwk)) == name(errc::private_key_not_allowed));
    const jose::key k = load_jwk(a3_jwk, {.allow_private = true});
    CHECK(k.alg() == algorithm::es256);  // implied by crv P-256
    CHECK(k.signature_size() == 64);
    const jose::key_set keys(k);

    const auto v = jws::verify(a3_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::es256);
    CHECK(v->header_json() == R"({"alg":"ES256"})");
    CHECK(v->payload() == rfc7515_claims);

    // ECDSA is randomized: two signatures differ, both verify, with the public half too.
    const jose::key_set pub(public_of(k));
    const auto t1 = jws::sign("{}", rfc7515_claims, k);
    const auto t2 = jws::sign("{}", rfc7515_claims, k);
    REQUIRE(t1.has_value());
    REQUIRE(t2.has_value());
    CHECK(*t1 != *t2);
    CHECK(split(*t1).header == split(std::string(a3_token)).header);
    CHECK(split(*t1).signature.size() == 86);  // 64 octets R‖S (RFC 7518 §3.4)
    CHECK(jws::verify(*t1, pub).has_value());
    CHECK(jws::verify(*t2, pub).has_value());
    CHECK(jws::verify(a3_token, pub).has_value());
    check_tampering(std::string(a3_token), pub);
    check_tampering(*t1, pub);
}

TEST_CASE("RFC 7515 A.4: the ES512 example verifies and ES512 signatures round-trip", "[jose][rfc]")
{
    const jose::key k = load_jwk(a4_jwk, {.allow_private = true});
    CHECK(k.alg() == algorithm::es512);  // implied by crv P-521
    CHECK(k.signature_size() == 132);
    const jose::key_set keys(k);

    const auto v = jws::verify(a4_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->header_json() == R"({"alg":"ES512"})");
    CHECK(v->payload() == "Payload");
    // The payload is not JSON: jws::verify does not care, jwt::verifier refuses it as claims.
    const jwt::verifier ver{keys, {.require = {}}};
    CHECK(outcome(ver.verify(a4_token)) == name(errc::invalid_claims));

    const jose::key_set pub(public_of(k));
    const auto t = jws::sign("{}", "Payload", k);
    REQUIRE(t.has_value());
    CHECK(split(*t).signature.size() == 176);  // 132 octets R‖S
    CHECK(jws::verify(*t, pub).has_value());
    CHECK(jws::verify(a4_token, pub).has_value());
    check_tampering(std::string(a4_token), pub);
    check_tampering(*t, pub);
}

// ---- RFC 8037 Appendix A ------------------------------------------------------------------------------------

TEST_CASE("RFC 8037 A.4: Ed25519 signing reproduces the example token exactly", "[jose][rfc]")
{
    CHECK(outcome(jose::key::from_jwk(rfc8037_private_jwk)) == name(errc::private_key_not_allowed));
    const jose::key k = load_jwk(rfc8037_private_jwk, {.allow_private = true});
    CHECK(k.alg() == algorithm::eddsa);
    CHECK(k.can_sign());
    CHECK(k.signature_size() == 64);

    // Ed25519 (RFC 8032) is deterministic and {"alg":"EdDSA"} is jws::sign's own serialization.
    const auto t = jws::sign("{}", rfc8037_payload, k);
    REQUIRE(t.has_value());
    CHECK(*t == rfc8037_token);

    // A.2: the public key that goes with A.1's private key.
    const auto j = k.to_jwk(false);
    REQUIRE(j.has_value());
    CHECK(j->at("x") == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    CHECK(j->at("crv") == "Ed25519");
    CHECK(j->at("kty") == "OKP");
}

TEST_CASE("RFC 8037 A.5: the Ed25519 example verifies with the public key", "[jose][rfc]")
{
    const jose::key k = load_jwk(rfc8037_public_jwk, {});
    CHECK(k.alg() == algorithm::eddsa);
    CHECK_FALSE(k.can_sign());
    const jose::key_set keys(k);
    const auto v = jws::verify(rfc8037_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::eddsa);
    CHECK(v->header_json() == R"({"alg":"EdDSA"})");
    CHECK(v->payload() == rfc8037_payload);
    check_tampering(std::string(rfc8037_token), keys);
}

// ---- RFC 7520 §4 --------------------------------------------------------------------------------------------

TEST_CASE("RFC 7520 §4 Figure 8: the payload's base64url encoding", "[jose][rfc]")
{
    CHECK(b64(rfc7520_payload) == rfc7520_payload_b64);
}

TEST_CASE("RFC 7520 §4.1: the RS256 signature verifies and jws::sign reproduces it exactly", "[jose][rfc]")
{
    // Figure 4 has no "alg": RS256 is bound here. "use":"sig" and the kid are kept.
    CHECK(outcome(jose::key::from_jwk(rfc7520_rsa_jwk, {.allow_private = true})) == name(errc::key_alg_missing));
    const jose::key k = load_jwk(rfc7520_rsa_jwk, {.alg = algorithm::rs256, .allow_private = true});
    CHECK(k.kid() == "bilbo.baggins@hobbiton.example");
    const jose::key_set keys(k);

    const auto v = jws::verify(rfc7520_4_1_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->header_json() == R"({"alg":"RS256","kid":"bilbo.baggins@hobbiton.example"})");
    CHECK(v->payload() == rfc7520_payload);
    CHECK(v->payload_b64() == rfc7520_payload_b64);

    // The kid comes from the key; the compact sorted header equals Figure 11's.
    const auto t = jws::sign("{}", rfc7520_payload, k);
    REQUIRE(t.has_value());
    CHECK(*t == rfc7520_4_1_token);

    const jose::key_set pub(public_of(k));
    CHECK(jws::verify(rfc7520_4_1_token, pub).has_value());
    check_tampering(std::string(rfc7520_4_1_token), pub);
}

TEST_CASE("RFC 7520 §4.2: the PS384 signature verifies and PS384 signatures round-trip", "[jose][rfc]")
{
    // The same RSA key bound to PS384 (a key is bound to one algorithm: RFC 8725 §3.1).
    const jose::key k = load_jwk(rfc7520_rsa_jwk, {.alg = algorithm::ps384, .allow_private = true});
    const jose::key_set keys(k);
    const auto v = jws::verify(rfc7520_4_2_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->alg() == algorithm::ps384);
    CHECK(v->header_json() == R"({"alg":"PS384","kid":"bilbo.baggins@hobbiton.example"})");
    CHECK(v->payload() == rfc7520_payload);

    // The RS256 binding of the same key refuses the PS384 token: the kid matches, the alg does not.
    const jose::key_set rs(load_jwk(rfc7520_rsa_jwk, {.alg = algorithm::rs256, .allow_private = true}));
    CHECK(outcome(jws::verify(rfc7520_4_2_token, rs)) == name(errc::algorithm_mismatch));

    const jose::key_set pub(public_of(k));
    const auto t1 = jws::sign("{}", rfc7520_payload, k);
    const auto t2 = jws::sign("{}", rfc7520_payload, k);
    REQUIRE(t1.has_value());
    REQUIRE(t2.has_value());
    CHECK(*t1 != *t2);  // PSS salts are random
    CHECK(split(*t1).header == split(std::string(rfc7520_4_2_token)).header);
    CHECK(jws::verify(*t1, pub).has_value());
    CHECK(jws::verify(*t2, pub).has_value());
    check_tampering(std::string(rfc7520_4_2_token), pub);
    check_tampering(*t1, pub);
}

TEST_CASE("RFC 7520 §4.3: the ES512 signature verifies and ES512 signatures round-trip", "[jose][rfc]")
{
    const jose::key k = load_jwk(rfc7520_ec_jwk, {.allow_private = true});
    CHECK(k.alg() == algorithm::es512);
    CHECK(k.kid() == "bilbo.baggins@hobbiton.example");
    const jose::key_set keys(k);
    const auto v = jws::verify(rfc7520_4_3_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->header_json() == R"({"alg":"ES512","kid":"bilbo.baggins@hobbiton.example"})");
    CHECK(v->payload() == rfc7520_payload);

    const jose::key_set pub(public_of(k));
    const auto t = jws::sign("{}", rfc7520_payload, k);
    REQUIRE(t.has_value());
    CHECK(split(*t).header == split(std::string(rfc7520_4_3_token)).header);
    CHECK(jws::verify(*t, pub).has_value());
    check_tampering(std::string(rfc7520_4_3_token), pub);
    check_tampering(*t, pub);
}

TEST_CASE("RFC 7520 §4.4: the HS256 MAC verifies and jws::sign reproduces it exactly", "[jose][rfc]")
{
    const jose::key k = load_jwk(rfc7520_oct_jwk, {});
    CHECK(k.alg() == algorithm::hs256);
    CHECK(k.kid() == "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
    const jose::key_set keys(k);
    const auto v = jws::verify(rfc7520_4_4_token, keys);
    INFO(outcome(v));
    REQUIRE(v.has_value());
    CHECK(v->header_json() == R"({"alg":"HS256","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"})");
    CHECK(v->payload() == rfc7520_payload);

    const auto t = jws::sign("{}", rfc7520_payload, k);
    REQUIRE(t.has_value());
    CHECK(*t == rfc7520_4_4_token);
    check_tampering(std::string(rfc7520_4_4_token), keys);

    // The token's kid selects the key; another kid is unknown_key, even with a matching alg.
    const jose::key_set other(load_jwk(R"({"kty":"oct","kid":"someone-else","alg":"HS256",)"
                                       R"("k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})",
                                       {}));
    CHECK(outcome(jws::verify(rfc7520_4_4_token, other)) == name(errc::unknown_key));
}

}  // namespace jose_rfc_vectors_test
