#!/usr/bin/python3
"""Interoperability of apiauth's JOSE module with PyJWT (Debian python3-jwt + python3-cryptography).

Usage: /usr/bin/python3 pyjwt_interop.py <path/to/apiauth_jwt_tool>

For every algorithm both sides support, in both directions and with keys made by either side
(RFC 7515, RFC 7518, RFC 7519, RFC 8037, RFC 8812):
  A  apiauth makes the key and signs; PyJWT imports the public JWK and verifies (signature, iss, aud, exp)
  B  apiauth makes the key; PyJWT imports the private JWK and signs; apiauth verifies (JWK Set, kid, typ)
  C  PyJWT makes the key and signs; apiauth imports PyJWT's public JWK and verifies
  D  PyJWT makes the key; apiauth imports PyJWT's private JWK and signs; PyJWT verifies
then tokens tampered in each segment, "none" and algorithm-confusion tokens, an embedded "jwk"
header, and expired tokens, each rejected by both sides with apiauth's error name asserted.
One line per check; exit status 1 if any check failed.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import jwt
    from jwt.algorithms import get_default_algorithms, has_crypto
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError as e:
    print(f"FAIL: PyJWT with cryptography is not importable by {sys.executable} ({e}).")
    print("      Install the Debian packages python3-jwt and python3-cryptography (./dev deps does).")
    sys.exit(1)

if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
    print("usage: /usr/bin/python3 pyjwt_interop.py <path/to/apiauth_jwt_tool>")
    sys.exit(2)
TOOL = sys.argv[1]

ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA"]
HASH_LEN = {"256": 32, "384": 48, "512": 64}
CURVES = {"ES256": (ec.SECP256R1, 32), "ES384": (ec.SECP384R1, 48), "ES512": (ec.SECP521R1, 66),
          "ES256K": (ec.SECP256K1, 32)}
# A second algorithm the same key material can be made to sign with (an algorithm swap that a
# verifier binding alg to the key must refuse; RFC 8725 §3.1).
SIBLING = {"HS256": "HS384", "HS384": "HS512", "HS512": "HS256", "RS256": "PS256", "RS384": "PS384",
           "RS512": "PS512", "PS256": "RS256", "PS384": "RS384", "PS512": "RS512", "ES256": "ES384",
           "ES384": "ES256", "ES512": "ES256", "ES256K": "ES256"}
ISS = "https://issuer.interop.example"
AUD = "https://api.interop.example"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

passed = failed = skipped = 0
notes = []


def report(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS  {name}" + (f"  ({detail})" if detail else ""))
    else:
        failed += 1
        print(f"FAIL  {name}" + (f": {detail}" if detail else ""))


def skip(name, reason):
    global skipped
    skipped += 1
    print(f"SKIP  {name}: {reason}")


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def family(alg):
    return {"H": "hmac", "R": "rsa", "P": "rsa", "E": "ec" if alg != "EdDSA" else "okp"}[alg[0]]


def claims(sub, lifetime=600, aud=AUD):
    now = int(time.time())
    return {"iss": ISS, "aud": aud, "sub": sub, "iat": now, "exp": now + lifetime, "jti": b64e(os.urandom(12)),
            "scope": "read write", "n": 1.5, "nested": {"list": [1, 2, "caf\u00e9"], "ok": True}}


# ---------------------------------------------------------------------------------------------
# apiauth, through the tool


class ToolError(Exception):
    pass


WORK = tempfile.mkdtemp(prefix="apiauth-pyjwt-")
_files = 0


def write_json(obj):
    global _files
    _files += 1
    path = os.path.join(WORK, f"k{_files}.json")
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def tool(*args):
    r = subprocess.run([TOOL, *args], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise ToolError(f"apiauth_jwt_tool {args[0]} exited {r.returncode}: {r.stderr.strip()}")
    return r.returncode, r.stdout.strip()


def tool_ok(*args):
    rc, out = tool(*args)
    if rc != 0:
        raise ToolError(f"apiauth_jwt_tool {args[0]} failed: {out}")
    return out


def alg_args(jwk, alg):
    """--alg for a JWK without "alg" (PyJWT's oct and RSA keys); EC and OKP keys follow their crv."""
    return [] if "alg" in jwk or jwk["kty"] in ("EC", "OKP") else ["--alg", alg]


def apiauth_verify(key_path, token, extra=()):
    """(error name or None, claims or None)."""
    rc, out = tool("verify", key_path, token, *extra)
    if rc == 0:
        return None, json.loads(out)
    return out, None


# ---------------------------------------------------------------------------------------------
# PyJWT


def peer_sign(alg, key, c, kid=None):
    return jwt.encode(c, key, algorithm=alg, headers={"kid": kid} if kid else None)


def peer_verify(alg, key, token, aud=AUD, iss=ISS):
    """(None, claims) or (exception class name, None)."""
    try:
        return None, jwt.decode(token, key, algorithms=[alg], audience=aud, issuer=iss,
                                options={"require": ["exp", "iss", "aud"]})
    except jwt.PyJWTError as e:
        return type(e).__name__, None


def peer_import(alg, jwk):
    return get_default_algorithms()[alg].from_jwk(json.dumps(jwk))


def full_length_ec(jwk, alg, who):
    """PyJWT 2.6's ECAlgorithm.to_jwk writes x, y and d with to_base64url_uint, which drops leading
    zero octets; RFC 7518 §6.2.1.2-3 requires the full coordinate length (apiauth refuses the short
    form with invalid_key; a separate check shows that). Pad, and say so."""
    size = CURVES[alg][1]
    out = dict(jwk)
    for m in ("x", "y", "d"):
        if m in out and len(b64d(out[m])) < size:
            out[m] = b64e(b64d(out[m]).rjust(size, b"\0"))
            notes.append(f"{who}: PyJWT exported {alg} JWK member '{m}' without its leading zero octets; padded")
    return out


def peer_keygen(alg, kid):
    """A key made by PyJWT/cryptography: (signing key, private JWK, public JWK, verification key)."""
    fam = family(alg)
    impl = get_default_algorithms()[alg]
    if fam == "hmac":
        secret = os.urandom(HASH_LEN[alg[2:]])
        jwk = json.loads(impl.to_jwk(secret))
        jwk["kid"] = kid
        return secret, jwk, jwk, secret
    if fam == "rsa":
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif fam == "ec":
        k = ec.generate_private_key(CURVES[alg][0]())
    else:
        k = ed25519.Ed25519PrivateKey.generate()
    priv = json.loads(impl.to_jwk(k))
    pub = json.loads(impl.to_jwk(k.public_key()))
    if fam == "ec":
        priv, pub = full_length_ec(priv, alg, f"{alg} private"), full_length_ec(pub, alg, f"{alg} public")
    priv["kid"] = pub["kid"] = kid
    return k, priv, pub, k.public_key()


def supported(alg):
    """None if PyJWT (with this cryptography/OpenSSL) can sign and verify `alg`, else the reason."""
    if not has_crypto and family(alg) != "hmac":
        return "PyJWT has no cryptography backend"
    if alg not in get_default_algorithms():
        return f"PyJWT {jwt.__version__} does not implement {alg}"
    try:
        k, _, _, vk = peer_keygen(alg, "probe")
        t = peer_sign(alg, k, {"exp": int(time.time()) + 60, "iss": ISS, "aud": AUD})
        err, _ = peer_verify(alg, vk, t)
        if err:
            return f"PyJWT cannot verify its own {alg} token ({err})"
    except (UnsupportedAlgorithm, NotImplementedError, ValueError, TypeError) as e:
        return f"cryptography {__import__('cryptography').__version__} cannot do {alg}: {e}"
    return None


# ---------------------------------------------------------------------------------------------
# Tampering


def change_char(seg, i):
    """seg with character i replaced by another base64url character (changing its high bits, so
    that the decoded octets differ even at a segment's last character)."""
    v = B64URL.index(seg[i]) ^ 0x20
    return seg[:i] + B64URL[v] + seg[i + 1:]


def no_dup_object(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate member")
    return dict(pairs)


def header_change_keeping_json(h):
    """A one-character change of the header segment whose decoded header is still a JSON object
    with the same members, alg and kid (so the same key is chosen and only the signature can fail)."""
    orig = json.loads(b64d(h))
    for i in range(len(h) - 1):
        for c in B64URL:
            if c == h[i]:
                continue
            cand = h[:i] + c + h[i + 1:]
            try:
                obj = json.loads(b64d(cand).decode("utf-8"), object_pairs_hook=no_dup_object)
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(obj, dict) and set(obj) == set(orig) and obj.get("alg") == orig.get("alg") \
                    and obj.get("kid") == orig.get("kid") and obj != orig:
                return cand
    return None


def noncanonical_last_char(seg):
    """seg with the unused low bits of its last character set (same octets for a lenient decoder),
    or None when the segment has no unused bits."""
    spare = (len(seg) * 6) % 8
    if spare == 0:
        return None
    v = B64URL.index(seg[-1]) | ((1 << spare) - 1)
    if B64URL[v] == seg[-1]:
        v = B64URL.index(seg[-1]) ^ 1
    return seg[:-1] + B64URL[v]


def hmac_token(alg, secret, header, payload_b64):
    h = b64e(json.dumps(header, separators=(",", ":")).encode())
    mac = hmac.new(secret, f"{h}.{payload_b64}".encode(), getattr(hashlib, "sha" + alg[2:])).digest()
    return f"{h}.{payload_b64}.{b64e(mac)}"


def raw_token(header, payload_b64, signer):
    h = b64e(json.dumps(header, separators=(",", ":")).encode())
    return f"{h}.{payload_b64}.{b64e(signer(f'{h}.{payload_b64}'.encode()))}"


def expect_both_reject(name, token, api_key_path, api_extra, peer_alg, peer_key, want):
    """apiauth must answer `want` (an error name); PyJWT must raise."""
    api_err, _ = apiauth_verify(api_key_path, token, api_extra)
    peer_err, _ = peer_verify(peer_alg, peer_key, token)
    ok = api_err == want and peer_err is not None
    report(ok, name, f"apiauth {api_err}, PyJWT {peer_err}" if ok else
           f"apiauth answered {api_err or 'VALID'} (want {want}), PyJWT {peer_err or 'ACCEPTED'}")


# ---------------------------------------------------------------------------------------------


def run(alg):
    fam = family(alg)
    pol = ["--iss", ISS, "--aud", AUD]

    # --- keys made by apiauth -----------------------------------------------------------------
    api_priv = json.loads(tool_ok("keygen", alg, f"apiauth-{alg}"))
    api_priv_path = write_json(api_priv)
    api_pub = api_priv if fam == "hmac" else json.loads(tool_ok("pubjwk", api_priv_path))
    api_pub_path = write_json(api_pub)
    api_jwks_path = write_json({"keys": [api_pub]})
    peer_api_pub = peer_import(alg, api_pub)

    # A: apiauth signs, PyJWT verifies
    c = claims(f"A-{alg}")
    token_a = tool_ok("sign", api_priv_path, json.dumps(c))
    err, got = peer_verify(alg, peer_api_pub, token_a)
    report(err is None and got == c, f"{alg} A apiauth key, apiauth signs, PyJWT verifies",
           err or ("" if got == c else f"claims differ: {got}"))
    err, _ = peer_verify(alg, peer_api_pub, token_a, aud="https://other.example")
    report(err == "InvalidAudienceError", f"{alg} A PyJWT refuses apiauth's token for another audience", err or "")
    err, _ = peer_verify(alg, peer_api_pub, token_a, iss="https://other.example")
    report(err == "InvalidIssuerError", f"{alg} A PyJWT refuses apiauth's token from another issuer", err or "")

    # B: PyJWT signs with apiauth's private JWK, apiauth verifies (JWK Set, kid, typ)
    peer_api_priv = peer_import(alg, api_priv)
    c = claims(f"B-{alg}")
    token_b = peer_sign(alg, peer_api_priv, c, kid=api_priv["kid"])
    err, got = apiauth_verify(api_jwks_path, token_b, pol + ["--typ", "JWT"])
    report(err is None and got == c, f"{alg} B apiauth key, PyJWT signs, apiauth verifies (JWKS, kid, typ)",
           err or ("" if got == c else f"claims differ: {got}"))
    err, _ = apiauth_verify(api_jwks_path, token_b, ["--iss", ISS, "--aud", "https://other.example"])
    report(err == "wrong_audience", f"{alg} B apiauth refuses PyJWT's token for another audience", err or "VALID")
    err, _ = apiauth_verify(api_jwks_path, token_b, ["--iss", "https://other.example", "--aud", AUD])
    report(err == "wrong_issuer", f"{alg} B apiauth refuses PyJWT's token from another issuer", err or "VALID")

    # --- keys made by PyJWT -------------------------------------------------------------------
    peer_k, peer_priv, peer_pub, peer_vk = peer_keygen(alg, f"pyjwt-{alg}")
    peer_priv_path, peer_pub_path = write_json(peer_priv), write_json(peer_pub)

    # C: PyJWT signs (no kid in the header: the key is chosen by alg), apiauth verifies
    c = claims(f"C-{alg}", aud=[AUD, "https://second.example"])
    token_c = peer_sign(alg, peer_k, c)
    err, got = apiauth_verify(peer_pub_path, token_c, pol + alg_args(peer_pub, alg))
    report(err is None and got == c, f"{alg} C PyJWT key, PyJWT signs, apiauth verifies (aud array)",
           err or ("" if got == c else f"claims differ: {got}"))

    # D: apiauth signs with PyJWT's private JWK, PyJWT verifies with its own key
    c = claims(f"D-{alg}")
    rc, token_d = tool("sign", peer_priv_path, json.dumps(c), *alg_args(peer_priv, alg))
    if rc != 0:
        report(False, f"{alg} D PyJWT key, apiauth signs, PyJWT verifies", f"apiauth refused the key: {token_d}")
    else:
        err, got = peer_verify(alg, peer_vk, token_d)
        report(err is None and got == c, f"{alg} D PyJWT key, apiauth signs, PyJWT verifies",
               err or ("" if got == c else f"claims differ: {got}"))

    # --- tampering: every segment, both tokens, both verifiers ------------------------------
    for label, token, key_path, extra, vkey in (("apiauth-signed", token_a, api_pub_path, pol, peer_api_pub),
                                                ("PyJWT-signed", token_c, peer_pub_path,
                                                 pol + alg_args(peer_pub, alg), peer_vk)):
        h, p, s = token.split(".")
        expect_both_reject(f"{alg} tamper {label}: signature char changed", f"{h}.{p}.{change_char(s, len(s) // 2)}",
                           key_path, extra, alg, vkey, "bad_signature")
        expect_both_reject(f"{alg} tamper {label}: payload char changed", f"{h}.{change_char(p, len(p) // 2)}.{s}",
                           key_path, extra, alg, vkey, "bad_signature")
        h2 = header_change_keeping_json(h)
        if h2 is None:
            report(False, f"{alg} tamper {label}: header char changed", "no such change found")
        else:
            expect_both_reject(f"{alg} tamper {label}: header char changed (still JSON: {b64d(h2).decode()})",
                               f"{h2}.{p}.{s}", key_path, extra, alg, vkey, "bad_signature")
        expect_both_reject(f"{alg} tamper {label}: header char changed (no longer JSON)",
                           f"{change_char(h, 0)}.{p}.{s}", key_path, extra, alg, vkey, "jws_invalid_header")
        expect_both_reject(f"{alg} tamper {label}: signature removed", f"{h}.{p}.", key_path, extra, alg, vkey,
                           "bad_signature_length")
        # Not a forgery (a lenient decoder reads the same octets) but not canonical base64url either
        # (RFC 4648 §3.5, RFC 7515 §2): apiauth refuses it; PyJWT's verdict is reported, not required.
        s2 = noncanonical_last_char(s)
        if s2 is not None:
            api_err, _ = apiauth_verify(key_path, f"{h}.{p}.{s2}", extra)
            peer_err, _ = peer_verify(alg, vkey, f"{h}.{p}.{s2}")
            report(api_err == "base64_noncanonical", f"{alg} {label}: signature with non-zero unused bits",
                   f"apiauth {api_err or 'VALID'}, PyJWT {peer_err or 'accepts (lenient base64)'}")

    # --- none and algorithm confusion (against apiauth's key) --------------------------------
    h, p, s = token_a.split(".")
    kid = api_priv["kid"]
    for none in ("none", "None", "NONE"):
        hn = b64e(json.dumps({"alg": none, "typ": "JWT", "kid": kid}).encode())
        expect_both_reject(f"{alg} alg:{none} with an empty signature", f"{hn}.{p}.", api_pub_path, pol, alg,
                           peer_api_pub, "unsupported_algorithm")
    hn = b64e(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    expect_both_reject(f"{alg} alg:none keeping the original signature", f"{hn}.{p}.{s}", api_pub_path, pol, alg,
                       peer_api_pub, "unsupported_algorithm")

    if fam != "hmac":
        # The public key as an HMAC secret (RFC 8725 §2.1): as PEM text, and as the JWK text.
        pem = peer_api_pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        for secret_name, secret in (("PEM", pem), ("JWK text", json.dumps(api_pub).encode())):
            t = hmac_token("HS256", secret, {"alg": "HS256", "typ": "JWT", "kid": kid}, p)
            expect_both_reject(f"{alg} confusion: HS256 keyed with the public {secret_name}, kid kept", t,
                               api_pub_path, pol, alg, peer_api_pub, "algorithm_mismatch")
        t = hmac_token("HS256", pem, {"alg": "HS256", "typ": "JWT"}, p)
        expect_both_reject(f"{alg} confusion: HS256 keyed with the public PEM, no kid", t, api_pub_path, pol, alg,
                           peer_api_pub, "unknown_key")
        # An attacker's own key in a "jwk" header (RFC 8725 §3.10: never a source of keys).
        atk_k, _, atk_pub, _ = peer_keygen(alg, kid)
        t = raw_token({"alg": alg, "typ": "JWT", "kid": kid, "jwk": atk_pub}, p,
                      lambda m: get_default_algorithms()[alg].sign(m, atk_k))
        expect_both_reject(f"{alg} embedded jwk header of an attacker's key", t, api_pub_path, pol, alg, peer_api_pub,
                           "bad_signature")
    if alg in SIBLING:
        sib = SIBLING[alg]
        sib_impl = get_default_algorithms()[sib]
        t = raw_token({"alg": sib, "typ": "JWT", "kid": kid}, p, lambda m: sib_impl.sign(m, peer_api_priv))
        expect_both_reject(f"{alg} algorithm swap: the same key signs as {sib}, kid kept", t, api_pub_path, pol, alg,
                           peer_api_pub, "algorithm_mismatch")
        t = raw_token({"alg": sib, "typ": "JWT"}, p, lambda m: sib_impl.sign(m, peer_api_priv))
        expect_both_reject(f"{alg} algorithm swap: the same key signs as {sib}, no kid", t, api_pub_path, pol, alg,
                           peer_api_pub, "unknown_key")

    # --- expiry -------------------------------------------------------------------------------
    c = claims(f"expired-{alg}", lifetime=-120)
    t = tool_ok("sign", api_priv_path, json.dumps(c))
    api_err, _ = apiauth_verify(api_pub_path, t, pol)
    peer_err, _ = peer_verify(alg, peer_api_pub, t)
    report(api_err == "token_expired" and peer_err == "ExpiredSignatureError",
           f"{alg} expired token signed by apiauth rejected by both", f"apiauth {api_err}, PyJWT {peer_err}")
    t = peer_sign(alg, peer_k, c)
    api_err, _ = apiauth_verify(peer_pub_path, t, pol + alg_args(peer_pub, alg))
    peer_err, _ = peer_verify(alg, peer_vk, t)
    report(api_err == "token_expired" and peer_err == "ExpiredSignatureError",
           f"{alg} expired token signed by PyJWT rejected by both", f"apiauth {api_err}, PyJWT {peer_err}")
    h, p, s = t.split(".")
    expect_both_reject(f"{alg} forged expired token: bad_signature, not token_expired",
                       f"{h}.{p}.{change_char(s, len(s) // 2)}", peer_pub_path, pol + alg_args(peer_pub, alg), alg,
                       peer_vk, "bad_signature")


def unpadded_ec_refused():
    """PyJWT 2.6 exports a P-521 coordinate with a leading zero octet (half of all keys) in 65
    octets; RFC 7518 §6.2.1.2 says the full 66. apiauth must refuse that JWK (invalid_key) and
    accept the padded one."""
    impl = get_default_algorithms()["ES512"]
    for _ in range(200):
        k = ec.generate_private_key(ec.SECP521R1())
        pub = json.loads(impl.to_jwk(k.public_key()))
        if len(b64d(pub["x"])) < 66 or len(b64d(pub["y"])) < 66:
            break
    else:
        report(False, "ES512 PyJWT unpadded JWK", "no key with a short coordinate in 200 tries")
        return
    t = jwt.encode(claims("unpadded"), k, algorithm="ES512")
    rc, out = tool("verify", write_json(pub), t)
    report(rc == 1 and out == "invalid_key", "ES512 apiauth refuses PyJWT's unpadded EC JWK (RFC 7518 §6.2.1.2)",
           f"apiauth {out if rc else 'ACCEPTED'}")
    rc, out = tool("verify", write_json(full_length_ec(pub, "ES512", "ES512 unpadded check")), t)
    report(rc == 0, "ES512 apiauth accepts the same JWK padded to full length", "" if rc == 0 else out)


def extras():
    """Less common but valid tokens and keys a peer makes."""
    # A kid with JSON escapes and non-ASCII (PyJWT writes \u escapes): matched after unescaping,
    # exactly, among keys whose kids differ only in those characters (RFC 7515 §4.1.4).
    k, _, pub, vk = peer_keygen("ES256", "x")
    decoy_k, _, decoy, _ = peer_keygen("ES256", "x")
    kid = 'caf\u00e9/"q"\\\U0001F600'
    pub["kid"], decoy["kid"] = kid, "caf\u00e9/\"q\"\\"
    jwks = write_json({"keys": [decoy, pub]})
    c = claims("kid-escapes")
    err, got = apiauth_verify(jwks, peer_sign("ES256", k, c, kid=kid), ["--iss", ISS, "--aud", AUD])
    report(err is None and got == c, "ES256 PyJWT token whose kid has JSON escapes and non-ASCII, JWKS of two",
           err or "")
    err, _ = apiauth_verify(jwks, peer_sign("ES256", decoy_k, c, kid=kid), ["--iss", ISS, "--aud", AUD])
    report(err == "bad_signature", "ES256 the other key of that JWKS signing under the same kid", err or "VALID")

    # Fractional NumericDates (RFC 7519 §2) and a 5 KB claims set (beyond the inline buffer).
    now = time.time()
    c = dict(claims("fractional"), iat=now - 0.5, exp=now + 600.25, big="x" * 5000)
    err, got = apiauth_verify(write_json(pub), peer_sign("ES256", k, c), ["--iss", ISS, "--aud", AUD])
    report(err is None and got == c, "ES256 PyJWT token with fractional iat/exp and a 5 KB claim", err or "")

    # RSA keys larger than 2048 bits, both ways.
    rk = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    impl = get_default_algorithms()["PS512"]
    rpriv, rpub = json.loads(impl.to_jwk(rk)), json.loads(impl.to_jwk(rk.public_key()))
    for alg in ("RS512", "PS512"):
        c = claims(f"rsa4096-{alg}")
        err, got = apiauth_verify(write_json(rpub), peer_sign(alg, rk, c), ["--iss", ISS, "--aud", AUD, "--alg", alg])
        report(err is None and got == c, f"{alg} PyJWT RSA-4096 key, PyJWT signs, apiauth verifies", err or "")
        rc, t = tool("sign", write_json(rpriv), json.dumps(c), "--alg", alg)
        err, got = peer_verify(alg, rk.public_key(), t) if rc == 0 else (t, None)
        report(err is None and got == c, f"{alg} PyJWT RSA-4096 key, apiauth signs, PyJWT verifies", err or "")


def main():
    print(f"PyJWT {jwt.__version__}, cryptography {__import__('cryptography').__version__}, "
          f"python {sys.version.split()[0]} ({sys.executable}); tool {TOOL}")
    results = {}
    for alg in ALGS:
        why = supported(alg)
        if why:
            skip(f"{alg} (all checks)", why)
            results[alg] = "skipped"
            continue
        before = failed
        try:
            run(alg)
        except (ToolError, jwt.PyJWTError, ValueError, KeyError) as e:
            report(False, f"{alg} harness", f"{type(e).__name__}: {e}")
        results[alg] = "ok" if failed == before else "FAILED"
    for f in (unpadded_ec_refused, extras):
        try:
            f()
        except (ToolError, jwt.PyJWTError, ValueError, KeyError) as e:
            report(False, f"{f.__name__} harness", f"{type(e).__name__}: {e}")
    print()
    for n in sorted(set(notes)):
        print(f"NOTE  {n}")
    print("per algorithm: " + ", ".join(f"{a} {r}" for a, r in results.items()))
    print(f"PyJWT: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for f in os.listdir(WORK):
            os.unlink(os.path.join(WORK, f))
        os.rmdir(WORK)
