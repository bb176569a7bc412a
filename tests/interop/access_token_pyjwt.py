#!/usr/bin/python3
"""RFC 9068 access tokens between apiauth and PyJWT (Debian python3-jwt + python3-cryptography).

Usage: /usr/bin/python3 access_token_pyjwt.py <path/to/access_token_tool>

For HS256, RS256, PS256, ES256 and EdDSA, with keys made by PyJWT's side (cryptography) and,
for ES256, by apiauth:
  A  apiauth issues (oauth2::access_token_issuer); PyJWT verifies the signature, the header
     (alg, typ "at+jwt", kid) and every RFC 9068 §2.2 claim (iss sub aud exp iat jti client_id
     scope), with PyJWT's own iss/aud/exp checks and require list.
  B  PyJWT signs access tokens with typ "at+jwt"; apiauth verifies them (oauth2::
     access_token_verifier) and reports the claims PyJWT wrote.
then the E90 cases (research/http-auth-oauth2-spec.md) on PyJWT-made tokens: typ "JWT" refused,
"application/AT+JWT" accepted, alg "none" refused, a foreign aud, an exp past the leeway, an iss
with a trailing "/", each required claim missing, a revoked jti, an insufficient scope (403), a
key not in the set, and the opt-in plain-JWT relaxation (JWT and no typ accepted, other types not).
One line per check; exit status 1 if any check failed.
"""

import atexit
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import jwt
    from jwt.algorithms import get_default_algorithms
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError as e:
    print(f"FAIL: PyJWT with cryptography is not importable by {sys.executable} ({e}).")
    print("      Install the Debian packages python3-jwt and python3-cryptography (./dev deps does).")
    sys.exit(1)

if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
    print("usage: /usr/bin/python3 access_token_pyjwt.py <path/to/access_token_tool>")
    sys.exit(2)
TOOL = sys.argv[1]

ISS = "https://as.interop.example"
AUD = "https://rs.interop.example"
ALGS = ["HS256", "RS256", "PS256", "ES256", "EdDSA"]
REQUIRED = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]

passed = failed = 0
tmp = tempfile.mkdtemp(prefix="apiauth-at-pyjwt-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)


def report(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS  {name}" + (f"  ({detail})" if detail else ""))
    else:
        failed += 1
        print(f"FAIL  {name}" + (f": {detail}" if detail else ""))


def tool(*argv):
    p = subprocess.run([TOOL, *argv], capture_output=True, text=True, timeout=60)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"access_token_tool {argv[0]} exited {p.returncode}: {p.stderr.strip()}")
    return p.returncode, json.loads(p.stdout)


def write(name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def es256_full_length(jwk):
    """PyJWT 2.6's to_jwk drops leading zero octets of x, y and d (to_base64url_uint), about one
    key in 85; RFC 7518 §6.2.1.2-3 requires all 32 octets and apiauth refuses the short form
    (invalid_key, tested in tests/jose). Pad what PyJWT wrote, so the test never flakes on it."""
    out = dict(jwk)
    for m in ("x", "y", "d"):
        if m in out:
            raw = base64.urlsafe_b64decode(out[m] + "=" * (-len(out[m]) % 4))
            out[m] = base64.urlsafe_b64encode(raw.rjust(32, b"\0")).rstrip(b"=").decode()
    return out


class Keys:
    """One signing key: the private JWK for apiauth, PyJWT's signing and verifying objects."""

    made = 0

    def __init__(self, alg, kid, made_by="pyjwt"):
        self.alg, self.kid = alg, kid
        algo = get_default_algorithms()[alg]
        if made_by == "apiauth":
            rc, jwk = tool("keygen", alg, kid)
            assert rc == 0, jwk
            self.private_jwk = jwk
            self.sign_key = jwt.PyJWK(jwk, alg).key
        else:
            if alg == "HS256":
                self.sign_key = os.urandom(32)
            elif alg in ("RS256", "PS256"):
                self.sign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            elif alg == "ES256":
                self.sign_key = ec.generate_private_key(ec.SECP256R1())
            else:
                self.sign_key = ed25519.Ed25519PrivateKey.generate()
            jwk = json.loads(algo.to_jwk(self.sign_key))
            if alg == "ES256":
                jwk = es256_full_length(jwk)
            jwk.update({"alg": alg, "kid": kid})
            self.private_jwk = jwk
        if alg == "HS256":
            self.verify_key = self.sign_key
            self.public_jwk = self.private_jwk  # a shared secret
        else:
            self.verify_key = self.sign_key.public_key()
            pub = json.loads(algo.to_jwk(self.verify_key))
            if alg == "ES256":
                pub = es256_full_length(pub)
            pub.update({"alg": alg, "kid": kid, "use": "sig"})
            self.public_jwk = pub
        Keys.made += 1  # one pair of files per key, even when two keys share a kid
        self.private_path = write(f"{Keys.made}-{kid}-private.json", self.private_jwk)
        self.jwks_path = write(f"{Keys.made}-{kid}-jwks.json", {"keys": [self.public_jwk]})


def claims(**over):
    now = int(time.time())
    c = {"iss": ISS, "sub": "client-7", "aud": AUD, "exp": now + 600, "iat": now, "jti": f"jti-{time.time_ns()}",
         "client_id": "client-7", "scope": "items:read items:write"}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def pyjwt_token(keys, typ="at+jwt", kid=None, **over):
    headers = {"kid": kid or keys.kid, "typ": typ}
    return jwt.encode(claims(**over), keys.sign_key, algorithm=keys.alg, headers=headers)


def verify(keys, token, **policy):
    p = {"iss": ISS, "aud": AUD, "alg": keys.alg}
    p.update(policy)
    return tool("verify", keys.jwks_path, token, json.dumps(p))


def expect_error(name, keys, token, error, status=401, oauth_error="invalid_token", **policy):
    rc, r = verify(keys, token, **policy)
    ok = rc == 1 and r.get("error") == error and r.get("status") == status and r.get("oauth_error") == oauth_error
    report(ok, name, f"{r}" if not ok else f"{error}, {status} {oauth_error}")


def expect_ok(name, keys, token, **policy):
    rc, r = verify(keys, token, **policy)
    report(rc == 0, name, f"{r}" if rc != 0 else "")
    return r


# ---- A: apiauth issues, PyJWT verifies ------------------------------------------------------

def apiauth_issues(keys):
    req = {"iss": ISS, "aud": [AUD], "lifetime": 900, "sub": "client-7", "client_id": "client-7",
           "scope": ["items:read", "items:write"], "alg": keys.alg}
    rc, t = tool("issue", keys.private_path, json.dumps(req))
    if rc != 0:
        report(False, f"A {keys.alg} ({keys.kid}): apiauth issues", str(t))
        return
    token = t["token"]
    header = jwt.get_unverified_header(token)
    report(header == {"alg": keys.alg, "typ": "at+jwt", "kid": keys.kid},
           f"A {keys.alg} ({keys.kid}): header is alg, typ at+jwt, kid (RFC 9068 §2.1)", json.dumps(header))
    try:
        c = jwt.decode(token, keys.verify_key, algorithms=[keys.alg], audience=AUD, issuer=ISS,
                       options={"require": REQUIRED})
    except jwt.InvalidTokenError as e:
        report(False, f"A {keys.alg} ({keys.kid}): PyJWT verifies the signature, iss, aud, exp", repr(e))
        return
    report(True, f"A {keys.alg} ({keys.kid}): PyJWT verifies the signature, iss, aud, exp")
    ok = (c["sub"] == "client-7" and c["client_id"] == "client-7" and c["scope"] == "items:read items:write"
          and c["aud"] == AUD and c["iss"] == ISS and c["jti"] == t["jti"] and len(c["jti"]) == 22
          and c["iat"] == t["iat"] and c["exp"] == t["exp"] and c["exp"] - c["iat"] == 900
          and t["expires_in"] == 900 and abs(c["iat"] - time.time()) < 60 and set(c) == set(REQUIRED) | {"scope"})
    report(ok, f"A {keys.alg} ({keys.kid}): every RFC 9068 §2.2 claim as issued", json.dumps(c))
    # RFC 8707 resources become the audience (RFC 9068 §3).
    req["resource"] = ["https://a.interop.example/", "https://b.interop.example/"]
    rc, t2 = tool("issue", keys.private_path, json.dumps(req))
    try:
        c2 = jwt.decode(t2["token"], keys.verify_key, algorithms=[keys.alg], audience="https://b.interop.example/",
                        issuer=ISS)
        report(c2["aud"] == req["resource"], f"A {keys.alg} ({keys.kid}): resources as an aud array (RFC 9068 §3)",
               json.dumps(c2["aud"]))
    except (jwt.InvalidTokenError, KeyError) as e:
        report(False, f"A {keys.alg} ({keys.kid}): resources as an aud array (RFC 9068 §3)", repr(e))
    # And apiauth's own verifier takes the token PyJWT accepted.
    expect_ok(f"A {keys.alg} ({keys.kid}): apiauth verifies its own token with the published key", keys, token,
              scopes=["items:read"])
    # PyJWT refuses it for another audience: the aud really is checked on both sides.
    try:
        jwt.decode(token, keys.verify_key, algorithms=[keys.alg], audience="https://other.example", issuer=ISS)
        report(False, f"A {keys.alg} ({keys.kid}): PyJWT refuses another audience")
    except jwt.InvalidAudienceError:
        report(True, f"A {keys.alg} ({keys.kid}): PyJWT refuses another audience")


# ---- B: PyJWT signs, apiauth verifies --------------------------------------------------------

def pyjwt_issues(keys):
    c = claims()
    token = jwt.encode(c, keys.sign_key, algorithm=keys.alg, headers={"kid": keys.kid, "typ": "at+jwt"})
    rc, r = verify(keys, token, scopes=["items:read"])
    ok = (rc == 0 and r["sub"] == c["sub"] and r["client_id"] == c["client_id"] and r["jti"] == c["jti"]
          and r["scopes"] == ["items:read", "items:write"] and r["aud"] == [AUD] and r["iat"] == c["iat"]
          and r["exp"] == c["exp"] and r["alg"] == keys.alg and r["kid"] == keys.kid)
    report(ok, f"B {keys.alg} ({keys.kid}): apiauth verifies PyJWT's typ at+jwt token and reads its claims",
           json.dumps(r))


# ---- E90 and the rest, on PyJWT-made tokens ---------------------------------------------------

def e90(keys):
    a = keys.alg
    expect_error(f"E90 {a}: typ JWT is wrong_token_type (RFC 9068 §4 step 1)", keys, pyjwt_token(keys, typ="JWT"),
                 "wrong_token_type")
    expect_ok(f"E90 {a}: typ application/AT+JWT is accepted (a media type, case-insensitive)", keys,
              pyjwt_token(keys, typ="application/AT+JWT"))
    expect_error(f"E90 {a}: no typ is wrong_token_type", keys, pyjwt_token(keys, typ=None), "wrong_token_type")
    expect_error(f"E90 {a}: aud without this resource is wrong_audience (§4 step 4)", keys,
                 pyjwt_token(keys, aud=["https://other.example"]), "wrong_audience")
    expect_ok(f"E90 {a}: aud an array containing this resource is accepted", keys,
              pyjwt_token(keys, aud=["https://other.example", AUD]))
    now = int(time.time())
    expect_error(f"E90 {a}: exp past by more than the leeway is token_expired (§4 step 6)", keys,
                 pyjwt_token(keys, exp=now - 120), "token_expired", leeway=30)
    expect_ok(f"E90 {a}: exp past within the leeway is accepted", keys, pyjwt_token(keys, exp=now - 10), leeway=60)
    expect_error(f"E90 {a}: iss with a trailing '/' is wrong_issuer (§4 step 3: exact)", keys,
                 pyjwt_token(keys, iss=ISS + "/"), "wrong_issuer")
    for name in REQUIRED:
        expect_error(f"RFC 9068 §2.2 {a}: no {name} is missing_claim", keys, pyjwt_token(keys, **{name: None}),
                     "missing_claim")
    expect_error(f"RFC 6750 §3.1 {a}: a scope the token lacks is insufficient_scope, 403", keys, pyjwt_token(keys),
                 "insufficient_scope", status=403, oauth_error="insufficient_scope", scopes=["items:delete"])
    t = pyjwt_token(keys, jti="revoked-1")
    expect_error(f"RFC 7009 {a}: a revoked jti is token_revoked", keys, t, "token_revoked", revoked=["revoked-1"])
    expect_ok(f"RFC 7009 {a}: another jti revoked: accepted", keys, t, revoked=["revoked-2"])
    expect_error(f"RFC 9068 §4 {a}: a kid not in the set is unknown_key", keys, pyjwt_token(keys, kid="stranger"),
                 "unknown_key")
    # Relaxation (research §5.1): typ JWT and no typ, opt-in; other explicit types still refused.
    expect_ok(f"research §5.1 {a}: plain_typ accepts typ JWT", keys, pyjwt_token(keys, typ="JWT"), plain_typ=True)
    expect_ok(f"research §5.1 {a}: plain_typ accepts no typ", keys, pyjwt_token(keys, typ=None), plain_typ=True)
    expect_error(f"RFC 8725 §3.11 {a}: plain_typ still refuses typ dpop+jwt", keys,
                 pyjwt_token(keys, typ="dpop+jwt"), "wrong_token_type", plain_typ=True)


def other_key_and_none():
    hs = Keys("HS256", "hs-main")
    other = Keys("HS256", "hs-main-other")
    forged = jwt.encode(claims(), other.sign_key, algorithm="HS256", headers={"kid": hs.kid, "typ": "at+jwt"})
    expect_error("RFC 9068 §4 step 5: a token signed with another secret is bad_signature", hs, forged,
                 "bad_signature")
    none = jwt.encode(claims(), None, algorithm="none", headers={"typ": "at+jwt"})
    expect_error("E90: alg none is unsupported_algorithm (RFC 9068 §4 step 5)", hs, none, "unsupported_algorithm")
    expect_error("E90: alg none is refused with plain_typ too", hs, none, "unsupported_algorithm", plain_typ=True)
    # A PyJWT token for ES256 presented to an HS256 resource: the key's algorithm is bound.
    es = Keys("ES256", "hs-main")
    cross = jwt.encode(claims(), es.sign_key, algorithm="ES256", headers={"kid": "hs-main", "typ": "at+jwt"})
    rc, r = verify(hs, cross)
    report(rc == 1 and r.get("error") in ("algorithm_mismatch", "unknown_key") and r.get("status") == 401,
           "RFC 8725 §3.1: an ES256 token under an HS256 key's kid is refused", json.dumps(r))


def main():
    print(f"PyJWT {jwt.__version__}, tool {TOOL}")
    for alg in ALGS:
        keys = Keys(alg, f"{alg.lower()}-py")
        apiauth_issues(keys)
        pyjwt_issues(keys)
        e90(keys)
    made = Keys("ES256", "es256-apiauth", made_by="apiauth")
    apiauth_issues(made)
    pyjwt_issues(made)
    other_key_and_none()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is a failure, never a skip
        print(f"FAIL  unexpected {type(e).__name__}: {e}")
        sys.exit(1)
