#!/usr/bin/python3
"""ID Site between apiauth and PyJWT (Debian python3-jwt), the JWT library of Stormpath's Python SDK.

Usage: /usr/bin/python3 id_site_pyjwt.py <path/to/apiauth_id_site_tool>

The tool runs both sides of apiauth's ID Site (id_site/application.hpp, id_site/login_site.hpp)
in one process, one JSON command per line. No network: the tool does no I/O but its pipes.
  A  Requests shaped as each Stormpath SDK made them (research/stormpath-protocol.md §1.3), signed
     with PyJWT, are accepted by login_site::parse_request: Python 2.5 (uuid4().hex jti, int iat,
     no exp, sof always False, urlencode'd query), Python 2.0.8 (the five required claims only),
     Java (UUID jti, int iat, typ JWT), Node (fractional iat, exp = iat + 3600, state
     encodeURIComponent'ed, path "/"); what parse_request must refuse, it refuses, and why.
  B  Responses from login_site::build_response decode as the Python SDK decoded them
     (research §2.2: parse_qs, jwt.decode(token, secret, audience=key_id, algorithms=["HS256"],
     leeway=2), irt the request's jti), Stormpath's claims and header included; error responses
     take the SDK's MissingRequiredClaimError("aud") path to their `err`.
  C  Responses minted with PyJWT as Stormpath's server made them are accepted by
     application::handle_callback, and the swaps the library promises are refused from PyJWT's
     side (an at+jwt token, our own request, another key's response, a response as a request).
One line per check; exit status 1 if any check failed. A KNOWN line is a difference between
what a peer or a header comment expects and what apiauth does today; it does not fail the test.
"""

import json
import math
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote, urlencode, urlparse

try:
    import jwt
except ImportError as e:
    print(f"FAIL: PyJWT is not importable by {sys.executable} ({e}).")
    print("      Install the Debian package python3-jwt (./dev deps does).")
    sys.exit(1)

if len(sys.argv) != 2:
    print("usage: /usr/bin/python3 id_site_pyjwt.py <path/to/apiauth_id_site_tool>")
    sys.exit(2)

# Stormpath's own test keys (research §0, §4).
KEY_ID = "2EV70AHRTYF0JOA7OEFO3SM29"
SECRET = "goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8"
OTHER_ID = "1S9H13Q61HLJHIVU7N357QI7U"
OTHER_SECRET = "rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ"
SITE = "https://login.interop.example"
APP_HREF = "https://api.interop.example/v1/applications/3kVdP4qZn1UTkS0fCkx9yD"
OTHER_HREF = "https://api.interop.example/v1/applications/5jRnN6t1Y2XzQ9pLmK3aBc"
CB = "https://app.interop.example/stormpath/callback"
CB_QUERY = "https://app.interop.example/cb?next=%2Fhome"
ACCOUNT = "https://api.interop.example/v1/accounts/7Ora8KfVDEIQP38KzrYdAs"
LEEWAY = 2  # the Python SDK's LEEWAY (stormpath/api_auth.py)

passed = failed = known = 0


def report(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS  {name}")
    else:
        failed += 1
        print(f"FAIL  {name}" + (f"  ({detail})" if detail != "" else ""))


def same(name, got, want):
    report(got == want, name, f"got {got!r}, want {want!r}")


def known_difference(name, ok, detail):
    """A difference reported, not asserted: KNOWN while it holds, NOW PASSES once the library
    changes (then make it a check)."""
    global known, passed
    if ok:
        passed += 1
        print(f"NOW PASSES  {name}: turn it into a check")
    else:
        known += 1
        print(f"KNOWN  {name}  ({detail})")


class Tool:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, name, args=None):
        self.p.stdin.write(f"{name} {json.dumps(args or {})}\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"the tool exited ({self.p.poll()}) on {name}")
        return json.loads(line)

    def must(self, name, args=None):
        r = self.call(name, args)
        if not r.get("ok"):
            raise RuntimeError(f"{name} {args}: {r}")
        return r

    def stop(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()
            self.p.wait()


def sign(claims, key=SECRET, alg="HS256", headers=None):
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def sso(token, logout=False, base="https://api.stormpath.com"):
    """A request URL the way the Python SDK built it: SSO_ENDPOINT + '?' + urlencode(...)."""
    return base + ("/sso/logout" if logout else "/sso") + "?" + urlencode({"jwtRequest": token})


def python_request(**options):
    """stormpath-sdk-python 2.5 build_id_site_redirect_url: iat a datetime (PyJWT writes an int),
    jti uuid4().hex, sof always present (False by default), the rest only when given."""
    claims = {"iat": datetime.now(timezone.utc), "jti": uuid.uuid4().hex, "iss": KEY_ID, "sub": APP_HREF,
              "cb_uri": options.get("callback_uri", CB), "sof": options.get("show_organization_field", False)}
    for option, claim in (("path", "path"), ("state", "state"), ("organization_name_key", "onk"),
                          ("sp_token", "sp_token")):
        if options.get(option):
            claims[claim] = options[option]
    if options.get("use_subdomain"):
        claims["usd"] = True
    return sign(claims, options.get("key", SECRET))


def python208_request(state=None):
    """stormpath-sdk-python 2.0.8: iat, jti, iss, sub, cb_uri, [path], [state]."""
    claims = {"iat": datetime.now(timezone.utc), "jti": uuid.uuid4().hex, "iss": KEY_ID, "sub": APP_HREF, "cb_uri": CB}
    if state:
        claims["state"] = state
    return sign(claims)


def java_request(state=None, path=None, kid=None):
    """stormpath-sdk-java DefaultIdSiteUrlBuilder: jti UUID, iat int (jjwt), iss, sub, cb_uri,
    [path], [state]; header typ JWT."""
    claims = {"jti": str(uuid.uuid4()), "iat": int(time.time()), "iss": KEY_ID, "sub": APP_HREF, "cb_uri": CB}
    if path:
        claims["path"] = path
    if state:
        claims["state"] = state
    headers = {"typ": "JWT"}
    if kid:
        headers["kid"] = kid
    return sign(claims, headers=headers)


def encode_uri_component(s):
    return quote(s, safe="-_.!~*'()")


def node_request(state="", logout=False):
    """stormpath-sdk-node createIdSiteUrl + njwt 0.4: iat with milliseconds, exp = now + 3600,
    state always, encodeURIComponent'ed, path "/"."""
    now = time.time()
    iat = math.floor(now * 1000) / 1000
    if iat.is_integer():
        iat += 0.001  # keep the fraction the test is about
    claims = {"jti": str(uuid.uuid4()), "iat": iat, "iss": KEY_ID, "sub": APP_HREF,
              "state": encode_uri_component(state), "path": "/", "cb_uri": CB, "exp": math.floor(now) + 3600}
    return claims, sign(claims)


def query_token(url, name):
    """The Python SDK's reading of a callback (2.4+): parse_qs, the parameter exactly once."""
    values = parse_qs(urlparse(url).query).get(name, [])
    return values[0] if len(values) == 1 else None


def python_sdk_decode(url, key_id=KEY_ID, secret=SECRET):
    """stormpath-sdk-python handle_stormpath_callback's decoding (research §2.2 steps 1-3):
    ("claims", dict) or ("err", dict) or ("error", exception name)."""
    token = query_token(url, "jwtResponse")
    if token is None:
        return ("error", "no jwtResponse")
    try:
        return ("claims", jwt.decode(token, secret, audience=key_id, algorithms=["HS256"], leeway=LEEWAY))
    except jwt.MissingRequiredClaimError as e:
        if e.claim != "aud":
            return ("error", type(e).__name__)
        decoded = jwt.decode(token, secret, algorithms=["HS256"], leeway=LEEWAY, options={"verify_aud": False})
        if "err" in decoded:
            return ("err", decoded["err"])
        return ("error", type(e).__name__)
    except jwt.PyJWTError as e:
        return ("error", type(e).__name__)


def main(t):
    t.must("site", {"issuer": SITE})
    t.must("register", {"api_key_id": KEY_ID, "api_key_secret": SECRET, "href": APP_HREF, "callback_uris": [CB, CB_QUERY]})
    t.must("register", {"api_key_id": OTHER_ID, "api_key_secret": OTHER_SECRET, "href": OTHER_HREF, "callback_uris": [CB]})
    t.must("app", {"api_key_id": KEY_ID, "api_key_secret": SECRET, "application_href": APP_HREF, "base_url": SITE})
    parse = lambda target: t.call("site-parse", {"target": target})

    # ---- A. requests shaped as each SDK made them --------------------------------------------
    tok = python_request(state="after=/dashboard&x=1", path="/#/register")
    p = parse(sso(tok))
    report(p.get("ok"), "A.1 Python SDK request (absolute URL, urlencode'd) accepted", p)
    if p.get("ok"):
        sent = jwt.decode(tok, options={"verify_signature": False})
        same("A.1 hex jti", p["jti"], sent["jti"])
        report(len(p["jti"]) == 32 and all(c in "0123456789abcdef" for c in p["jti"]), "A.1 jti is uuid4().hex", p["jti"])
        same("A.1 integer iat", p["iat"], sent["iat"])
        same("A.1 no exp", p["exp"], None)
        same("A.1 sof False read as false", p["sof"], False)
        same("A.1 state", p["state"], "after=/dashboard&x=1")
        same("A.1 path", p["path"], "/#/register")
        same("A.1 cb_uri, iss, sub", [p["cb_uri"], p["iss"], p["sub"]], [CB, KEY_ID, APP_HREF])
        same("A.1 not a logout", p["logout"], False)
    python_login = p

    p = parse(sso(python_request(path="/#/reset", sp_token="4jzCjzyH8lm3K1e8Kq0Y7O", organization_name_key="acme",
                                 use_subdomain=True, show_organization_field=True)))
    report(p.get("ok"), "A.2 Python SDK request with onk, usd, sof, sp_token accepted", p)
    if p.get("ok"):
        same("A.2 onk usd sof sp_token path", [p["onk"], p["usd"], p["sof"], p["sp_token"], p["path"]],
             ["acme", True, True, "4jzCjzyH8lm3K1e8Kq0Y7O", "/#/reset"])

    p = parse(sso(python_request(), logout=True))
    report(p.get("ok") and p["logout"] is True, "A.3 Python SDK logout (/sso/logout) accepted", p)
    python_logout = p

    p = parse("/sso?" + urlencode({"jwtRequest": python208_request()}))
    report(p.get("ok"), "A.4 Python SDK 2.0.8 request (iat jti iss sub cb_uri only) accepted", p)
    if p.get("ok"):
        same("A.4 state, path, sof, exp absent", [p["state"], p["path"], p["sof"], p["exp"]], [None, None, None, None])

    p = parse("/sso?" + urlencode({"jwtRequest": java_request(state="j", path="/")}))
    report(p.get("ok"), "A.5 Java SDK request (UUID jti, int iat, header typ JWT) accepted", p)
    java_login = p
    if p.get("ok"):
        report(isinstance(p["iat"], (int, float)) and float(p["iat"]).is_integer(), "A.5 int iat", p["iat"])
        same("A.5 state, path", [p["state"], p["path"]], ["j", "/"])
    # DefaultIdSiteUrlBuilder writes no kid; a request naming its own key id in kid (as the SAML
    # IdP builders did, research §1.5) is accepted too, and one naming another key is not.
    p = parse("/sso?" + urlencode({"jwtRequest": java_request(kid=KEY_ID)}))
    report(p.get("ok"), "A.5 a request with header kid = its key id (iss) accepted", p)
    p = parse("/sso?" + urlencode({"jwtRequest": java_request(kid=OTHER_ID)}))
    same("A.5 a request whose kid names another registered key: unknown_key", p.get("error"), "unknown_key")

    node_state = "a b&c/é?=%"
    claims, tok = node_request(state=node_state)
    p = parse("/sso?jwtRequest=" + tok)
    report(p.get("ok"), "A.6 Node SDK request (fractional iat, exp, encoded state) accepted", p)
    node_login = p
    if p.get("ok"):
        same("A.6 fractional iat exact", p["iat"], claims["iat"])
        report(not float(p["iat"]).is_integer(), "A.6 iat kept its fraction", p["iat"])
        same("A.6 exp", p["exp"], claims["exp"])
        same("A.6 state stays encodeURIComponent'ed, byte for byte", p["state"], encode_uri_component(node_state))
        same("A.6 path /", p["path"], "/")
    _, tok = node_request()
    p = parse("/sso?jwtRequest=" + tok)
    same("A.6 Node SDK request with state \"\" keeps \"\"", p.get("state"), "")

    # What parse_request refuses, made with PyJWT.
    def base_claims(**more):
        c = {"iss": KEY_ID, "sub": APP_HREF, "cb_uri": CB, "jti": str(uuid.uuid4()), "iat": int(time.time())}
        c.update(more)
        return {k: v for k, v in c.items() if v is not None}

    req = lambda claims, **kw: parse("/sso?jwtRequest=" + sign(claims, **kw))
    same("A.7 the same request twice: nonce_replayed", parse(sso(tok)).get("error"), "nonce_replayed")
    shared_jti = uuid.uuid4().hex
    first = req(base_claims(jti=shared_jti))
    second = req(base_claims(jti=shared_jti, iss=OTHER_ID, sub=OTHER_HREF), key=OTHER_SECRET)
    report(first.get("ok") and second.get("ok"), "A.7 one jti used by two applications: each accepted once",
           [first.get("error"), second.get("error")])
    same("A.7 ... and then a replay for the first", req(base_claims(jti=shared_jti)).get("error"), "nonce_replayed")
    same("A.7 typ at+jwt: wrong_token_type", req(base_claims(), headers={"typ": "at+jwt"}).get("error"), "wrong_token_type")
    for claim, value in (("irt", str(uuid.uuid4())), ("status", "AUTHENTICATED"), ("err", {"code": 11005})):
        same(f"A.7 a request with {claim}: wrong_token_type", req(base_claims(**{claim: value})).get("error"), "wrong_token_type")
    access_token = base_claims(aud=APP_HREF, exp=int(time.time()) + 300, client_id=KEY_ID, scope="read")
    same("A.7 an access token (typ at+jwt) as a request: wrong_token_type",
         req(access_token, headers={"typ": "at+jwt"}).get("error"), "wrong_token_type")
    same("A.7 signed with another secret: bad_signature", req(base_claims(), key=OTHER_SECRET).get("error"), "bad_signature")
    same("A.7 HS512: unknown_key (no HS512 key)", req(base_claims(), alg="HS512").get("error"), "unknown_key")
    none_token = jwt.encode(base_claims(), None, algorithm="none")
    same("A.7 alg none: unsupported_algorithm", parse("/sso?jwtRequest=" + none_token).get("error"), "unsupported_algorithm")
    same("A.7 unknown iss: unknown_application", req(base_claims(iss="UNKNOWNKEY0000000000000000")).get("error"),
         "unknown_application")
    same("A.7 another application's href: wrong_audience", req(base_claims(sub=OTHER_HREF)).get("error"), "wrong_audience")
    same("A.7 cb_uri not registered: callback_uri_not_allowed",
         req(base_claims(cb_uri="https://evil.example/cb")).get("error"), "callback_uri_not_allowed")
    same("A.7 cb_uri missing: missing_claim", req(base_claims(cb_uri=None)).get("error"), "missing_claim")
    same("A.7 jti missing: missing_claim", req(base_claims(jti=None)).get("error"), "missing_claim")
    old = req(base_claims(iat=int(time.time()) - 120))
    same("A.7 iat 120 s ago (window 60 s): token_expired", old.get("error"), "token_expired")
    report(isinstance(old.get("refused"), int), "A.7 an old request is answerable", old)
    same("A.7 iat 120 s ahead: token_issued_in_future", req(base_claims(iat=int(time.time()) + 120)).get("error"),
         "token_issued_in_future")
    same("A.7 exp passed: token_expired", req(base_claims(exp=int(time.time()) - 120)).get("error"), "token_expired")
    dup = sign(base_claims())
    same("A.7 jwtRequest twice: duplicate_parameter", parse(f"/sso?jwtRequest={dup}&jwtRequest={dup}").get("error"),
         "duplicate_parameter")
    same("A.7 another path: malformed_credentials", parse("/login?" + urlencode({"jwtRequest": dup})).get("error"),
         "malformed_credentials")
    pct = parse("/sso?jwtRequest=" + quote(sign(base_claims()), safe="").replace(".", "%2E"))
    report(pct.get("ok"), "A.7 a percent-encoded jwtRequest is decoded and accepted", pct)

    # ---- B. our responses, decoded as the Python SDK did ---------------------------------------
    r = t.must("site-respond", {"request": python_login["request"], "status": "AUTHENTICATED", "account_href": ACCOUNT})
    kind, c = python_sdk_decode(r["url"])
    same("B.1 jwt.decode(token, secret, audience=key_id, algorithms=[HS256], leeway=2) accepts it", kind, "claims")
    if kind == "claims":
        same("B.1 iss sub aud irt state isNewSub status",
             [c["iss"], c["sub"], c["aud"], c["irt"], c["state"], c["isNewSub"], c["status"]],
             [SITE, ACCOUNT, KEY_ID, python_login["jti"], "after=/dashboard&x=1", False, "AUTHENTICATED"])
        report(isinstance(c["iat"], int) and isinstance(c["exp"], int) and c["exp"] - c["iat"] == 60,
               "B.1 integer iat and exp, 60 s apart", c)
        report(isinstance(c.get("jti"), str) and len(c["jti"]) >= 16, "B.1 a jti of its own", c.get("jti"))
        same("B.1 the request's jti comes back as irt (the Python SDK's nonce)", c["irt"], python_login["jti"])
    same("B.1 header", jwt.get_unverified_header(query_token(r["url"], "jwtResponse")),
         {"alg": "HS256", "kid": KEY_ID, "typ": "JWT"})
    report(r["url"].startswith(CB + "?jwtResponse="), "B.1 sent to cb_uri", r["url"])
    kind, c = python_sdk_decode(r["url"], key_id=OTHER_ID)
    same("B.1 with another key id as audience: InvalidAudienceError", [kind, c], ["error", "InvalidAudienceError"])
    kind, c = python_sdk_decode(r["url"], secret=OTHER_SECRET)
    same("B.1 with another secret: InvalidSignatureError", [kind, c], ["error", "InvalidSignatureError"])
    response_for_python = r["url"]

    r = t.must("site-respond", {"request": java_login["request"], "status": "REGISTERED", "account_href": ACCOUNT,
                                "is_new": True})
    kind, c = python_sdk_decode(r["url"])
    same("B.2 REGISTERED, isNewSub true", [kind, c.get("status"), c.get("isNewSub"), c.get("state")],
         ["claims", "REGISTERED", True, "j"])

    r = t.must("site-respond", {"request": node_login["request"], "account_href": ACCOUNT})
    kind, c = python_sdk_decode(r["url"])
    same("B.3 a Node-shaped request's state is echoed still encoded", [kind, c.get("state")],
         ["claims", encode_uri_component(node_state)])

    r = t.must("site-respond", {"request": python_logout["request"], "status": "LOGOUT"})
    kind, c = python_sdk_decode(r["url"])
    same("B.4 LOGOUT with no one logged in: no sub", [kind, c.get("status"), "sub" in c], ["claims", "LOGOUT", False])
    known_difference("B.4 ... while the Python SDK (decoded['sub'], then `if account_href`) needs the member, null or not",
                     "sub" in c, "build_response leaves sub out")

    pq = parse(sso(python_request(callback_uri=CB_QUERY)))
    r = t.must("site-respond", {"request": pq["request"], "account_href": ACCOUNT})
    report(r["url"].startswith(CB_QUERY + "&jwtResponse="), "B.5 appended to cb_uri's own query", r["url"])
    same("B.5 parse_qs keeps cb_uri's parameter", parse_qs(urlparse(r["url"]).query).get("next"), ["/home"])
    same("B.5 and finds jwtResponse once", python_sdk_decode(r["url"])[0], "claims")

    e = t.must("site-error", {"refused": old["refused"], "error": "token_expired"})
    kind, err = python_sdk_decode(e["url"])
    same("B.6 error response: MissingRequiredClaimError(aud), then err", kind, "err")
    if kind == "err":
        same("B.6 err code status message", [err["code"], err["status"], err["message"]],
             [10011, 400, "Token is invalid because the specified expiration time (exp) has passed."])
        report(isinstance(err.get("developerMessage"), str), "B.6 err.developerMessage", err)
    claims_e = jwt.decode(query_token(e["url"], "jwtResponse"), SECRET, algorithms=["HS256"], options={"verify_aud": False})
    same("B.6 error JWT claims", sorted(claims_e), ["err", "exp", "iat", "iss", "jti"])

    # ---- C. Stormpath-server-shaped responses for our requests; swaps ------------------------------
    callback = lambda token, **kw: t.call("app-callback", {"target": "/stormpath/callback?" + urlencode({"jwtResponse": token}), **kw})

    def response_claims(irt, **more):
        now = int(time.time())
        c = {"iss": "https://sturdy-shield.id.stormpath.io", "sub": ACCOUNT, "exp": now + 60, "iat": now,
             "jti": uuid.uuid4().hex[:22], "irt": irt, "isNewSub": False, "status": "AUTHENTICATED"}
        c.update(more)
        return {k: v for k, v in c.items() if v is not None}

    u = t.must("app-url", {"callback_uri": CB, "state": "py"})
    got = jwt.decode(parse_qs(urlparse(u["url"]).query)["jwtRequest"][0], SECRET, algorithms=["HS256"])
    same("C.1 our jwtRequest decodes with PyJWT: iss sub cb_uri jti state",
         [got["iss"], got["sub"], got["cb_uri"], got["jti"], got["state"]], [KEY_ID, APP_HREF, CB, u["jti"], "py"])
    same("C.1 our jwtRequest header", jwt.get_unverified_header(parse_qs(urlparse(u["url"]).query)["jwtRequest"][0]),
         {"alg": "HS256", "typ": "JWT"})
    c = callback(sign(response_claims(u["jti"], state="py"), headers={"kid": KEY_ID}), expected_state="py")
    report(c.get("ok") and c["status"] == "AUTHENTICATED" and c["sub"] == ACCOUNT and c["irt"] == u["jti"],
           "C.1 a PyJWT response with kid accepted", c)
    same("C.1 the same response again: nonce_replayed",
         callback(sign(response_claims(u["jti"], state="py"), headers={"kid": KEY_ID})).get("error"), "nonce_replayed")

    u = t.must("app-url", {"callback_uri": CB})
    c = callback(sign(response_claims(u["jti"], aud=KEY_ID)))
    report(c.get("ok"), "C.2 the older aud-only response (no kid) accepted", c)

    u = t.must("app-url", {"callback_uri": CB, "state": "swap"})
    same("C.3 typ at+jwt: wrong_token_type",
         callback(sign(response_claims(u["jti"]), headers={"kid": KEY_ID, "typ": "at+jwt"})).get("error"), "wrong_token_type")
    same("C.3 an access token: wrong_token_type",
         callback(sign(access_token, headers={"kid": KEY_ID, "typ": "at+jwt"})).get("error"), "wrong_token_type")
    own = parse_qs(urlparse(u["url"]).query)["jwtRequest"][0]
    same("C.3 our own request reflected as the response: missing_claim", callback(own).get("error"), "missing_claim")
    same("C.3 a response for another key (its kid): unknown_key",
         callback(sign(response_claims(u["jti"], aud=OTHER_ID), key=OTHER_SECRET, headers={"kid": OTHER_ID})).get("error"),
         "unknown_key")
    same("C.3 a response for another key (aud only): bad_signature",
         callback(sign(response_claims(u["jti"], aud=OTHER_ID), key=OTHER_SECRET)).get("error"), "bad_signature")
    same("C.3 our aud, another key's secret: bad_signature",
         callback(sign(response_claims(u["jti"], aud=KEY_ID), key=OTHER_SECRET)).get("error"), "bad_signature")
    same("C.3 alg none: unsupported_algorithm",
         callback(jwt.encode(response_claims(u["jti"]), None, algorithm="none", headers={"kid": KEY_ID})).get("error"),
         "unsupported_algorithm")
    same("C.3 exp missing: missing_claim", callback(sign(response_claims(u["jti"], exp=None), headers={"kid": KEY_ID})).get("error"),
         "missing_claim")
    same("C.3 exp past the leeway: token_expired",
         callback(sign(response_claims(u["jti"], exp=int(time.time()) - 30), headers={"kid": KEY_ID})).get("error"), "token_expired")
    same("C.3 state differs: state_mismatch",
         callback(sign(response_claims(u["jti"], state="other"), headers={"kid": KEY_ID}), expected_state="swap").get("error"),
         "state_mismatch")
    same("C.3 irt we never issued: nonce_replayed",
         callback(sign(response_claims(uuid.uuid4().hex), headers={"kid": KEY_ID})).get("error"), "nonce_replayed")
    tok = sign(response_claims(u["jti"], state="swap"), headers={"kid": KEY_ID})
    same("C.3 jwtResponse twice: duplicate_parameter",
         t.call("app-callback", {"target": f"/cb?jwtResponse={tok}&jwtResponse={tok}"}).get("error"), "duplicate_parameter")
    c = callback(tok, expected_state="swap")
    report(c.get("ok"), "C.3 after every refusal the request is still answerable once", c)

    err = {"code": 11003, "developerMessage": "d", "message": "m", "moreInfo": "mailto:support@stormpath.com", "status": 400}
    c = callback(sign({"err": err, "iss": APP_HREF, "exp": int(time.time()) + 60, "iat": int(time.time()), "jti": "x"},
                      headers={"kid": KEY_ID}))
    same("C.4 a PyJWT error JWT: id_site_organization_not_mapped with details",
         [c.get("error"), c.get("details")],
         ["id_site_organization_not_mapped", {"code": 11003, "status": 400, "message": "m", "developer_message": "d",
                                              "more_info": "mailto:support@stormpath.com"}])

    # LOGOUT when no one was logged in: Stormpath's server could send "sub": null (research §2.1;
    # Java reads a null sub as absent, Python 2.0.x indexes decoded['sub'] then tests it).
    u = t.must("app-url", {"callback_uri": CB, "logout": True})
    c = callback(sign(response_claims(u["jti"], status="LOGOUT") | {"sub": None}, headers={"kid": KEY_ID}))
    known_difference('C.6 a LOGOUT response with "sub": null is accepted', c.get("ok"), f"handle_callback: {c.get('error')}")
    c = callback(sign(response_claims(u["jti"], status="LOGOUT", sub=None), headers={"kid": KEY_ID}))
    report(c.get("ok") and c["status"] == "LOGOUT" and c["sub"] is None, "C.6 a LOGOUT response without sub accepted", c)

    # A response from our login site fed back as a request, and a response read as a request.
    p = parse("/sso?jwtRequest=" + query_token(response_for_python, "jwtResponse"))
    report(p.get("error") is not None, "C.5 a response sent as a request is refused", p)
    known_difference("C.5 ... as wrong_token_type, as login_site.hpp's class comment says",
                          p.get("error") == "wrong_token_type", f"parse_request: {p.get('error')}")
    return failed == 0


if __name__ == "__main__":
    tool = Tool(sys.argv[1])
    try:
        ok = main(tool)
    except Exception as e:  # a broken tool or script: fail, and still stop the tool
        print(f"FAIL  exception: {e!r}")
        failed += 1
        ok = False
    finally:
        tool.stop()
    print(f"id_site_pyjwt (PyJWT {jwt.__version__}): {passed} passed, {failed} failed, {known} known differences")
    sys.exit(0 if failed == 0 else 1)
