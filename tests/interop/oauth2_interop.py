#!/usr/bin/python3
"""The OAuth 2.0 client credentials flow of apiauth, driven over real HTTP on 127.0.0.1 by clients
apiauth did not write: requests-oauthlib (Debian python3-requests-oauthlib), PyJWT (python3-jwt)
and curl.

Usage: /usr/bin/python3 oauth2_interop.py <path/to/apiauth_oauth2_server> [--curl <curl>]
       [--config HS256|ES256|ES256+cache]...

For each server configuration (access tokens signed with HS256, with ES256, and with ES256 and
authenticate_api's verified-token cache on, unless --config says), the script starts
apiauth_oauth2_server (tests/interop/oauth2_server.cpp) in a temporary folder, reads the clients'
credentials and the token key from the file it writes, and runs named checks:
  requests-oauthlib  BackendApplicationClient + OAuth2Session.fetch_token with HTTP Basic and with
                     client_id/client_secret in the body, the token then used by the session on a
                     protected route; a wrong secret, an unknown scope (RFC 6749 §5.2)
  PyJWT              the issued token verified with the server's key: header (alg, typ at+jwt, kid)
                     and the RFC 9068 §2.2 claims
  curl               token request, API call, introspection (RFC 7662), revocation (RFC 7009), the
                     revoked token refused (RFC 6750 §3.1), insufficient_scope, 405, duplicate
                     Authorization lines, no credentials, an API key over Basic
One line per check (PASS/FAIL); exit status 1 if any check failed. The server is stopped in every
case (its stdin is closed, then SIGTERM, then SIGKILL).
"""

import argparse
import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import time
import zlib

try:
    import jwt
    import oauthlib.oauth2
    import requests
    from requests.auth import HTTPBasicAuth
    from requests_oauthlib import OAuth2Session
except ImportError as e:
    print(f"FAIL: a peer is not importable by {sys.executable} ({e}).")
    print("      Install the Debian packages python3-requests python3-requests-oauthlib python3-jwt "
          "python3-cryptography (./dev deps does).")
    sys.exit(1)

# oauthlib refuses http:// token endpoints unless told otherwise; everything here is on loopback.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

parser = argparse.ArgumentParser()
parser.add_argument("server")
parser.add_argument("--curl", default="curl")
parser.add_argument("--config", action="append", choices=["HS256", "ES256", "ES256+cache"],
                    help="server configurations to run (default: all three)")
args = parser.parse_args()
args.server = os.path.abspath(args.server)
if not os.access(args.server, os.X_OK):
    print(f"FAIL: {args.server} is not an executable (build the target apiauth_oauth2_server)")
    sys.exit(2)

passed = failed = 0
failures = []
current_config = ""
current_server = None


class ServerDied(Exception):
    pass


def report(ok, name, detail=""):
    global passed, failed
    name = f"[{current_config}] {name}"
    if ok:
        passed += 1
        print(f"PASS  {name}" + (f"  ({detail})" if detail else ""), flush=True)
    else:
        failed += 1
        failures.append(name)
        print(f"FAIL  {name}" + (f": {detail}" if detail else ""), flush=True)


def check(name, fn):
    """Runs fn(); it returns (ok, detail) or raises. An exception is a failure with its message."""
    try:
        ok, detail = fn()
    except Exception as e:  # noqa: BLE001: every unexpected error is a failed check, with its text
        ok, detail = False, f"{type(e).__name__}: {e}"
    report(ok, name, detail)
    # A server that died takes every later check with it: say so once and stop this configuration.
    if current_server is not None and current_server.proc.poll() is not None:
        raise ServerDied(f"the server died during this check (exit status {current_server.proc.returncode}; "
                         "a negative status is the signal that killed it)")
    return ok


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


class Server:
    """apiauth_oauth2_server in a temporary folder; stopped on exit, whatever happened."""

    def __init__(self, config):
        self.alg, _, cache = config.partition("+")
        self.extra = [cache] if cache else []
        self.proc = None
        self.tmp = tempfile.TemporaryDirectory(prefix="apiauth-oauth2-")
        self.exit_status = None

    def __enter__(self):
        info_path = os.path.join(self.tmp.name, "server.json")
        self.proc = subprocess.Popen([args.server, info_path, self.alg, *self.extra], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, cwd=self.tmp.name)
        try:
            ready, _, _ = select.select([self.proc.stdout], [], [], 30)
            line = self.proc.stdout.readline().decode() if ready else ""
            if not line.startswith("PORT "):
                raise RuntimeError(f"the server did not print its port (got {line!r})")
            self.port = int(line.split()[1])
            with open(info_path) as f:
                self.info = json.load(f)
            if self.info["port"] != self.port:
                raise RuntimeError("the port printed and the port in the info file differ")
        except BaseException:
            self.stop()
            self.tmp.cleanup()
            raise
        self.base = f"http://127.0.0.1:{self.port}"
        return self

    def stop(self):
        if self.proc is None or self.exit_status is not None:
            return
        try:
            self.proc.stdin.close()  # the server stops when its stdin closes
            self.exit_status = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.exit_status = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.exit_status = self.proc.wait()
        finally:
            self.proc.stdout.close()

    def __exit__(self, *exc):
        self.stop()
        self.tmp.cleanup()
        return False


# ---- helpers ------------------------------------------------------------------------------------

def plain_session():
    s = requests.Session()
    s.trust_env = False  # no proxy from the environment: loopback only
    return s


def oauth_session(client_id, scope=None):
    s = OAuth2Session(client=oauthlib.oauth2.BackendApplicationClient(client_id=client_id, scope=scope))
    s.trust_env = False
    seen = []
    s.register_compliance_hook("access_token_response", lambda r: (seen.append(r), r)[1])
    return s, seen


def no_store(headers):
    return headers.get("Cache-Control") == "no-store" and headers.get("Pragma") == "no-cache"


def curl(*argv):
    """curl with the response's status, header fields (a list of (name, value)) and body."""
    out = subprocess.run([args.curl, "-sS", "--noproxy", "*", "--max-time", "20", "-D", "-", *argv],
                         capture_output=True, check=True).stdout.decode()
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields.append((name.strip(), value.strip()))
    return status, fields, body


def field(fields, name):
    values = [v for n, v in fields if n.lower() == name.lower()]
    return values


PREFIX = "acme_sk"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def random_b62(n):
    return "".join(secrets.choice(B62) for _ in range(n))


def with_checksum(client_id, secret):
    """The client_secret half of a well-formed key: secret, then base62(CRC-32(whole key so far)) in
    6 digits (research/api-keys.md §8; apiauth/api_key/format.hpp)."""
    crc = zlib.crc32(f"{client_id}_{secret}".encode())
    digits = ""
    for _ in range(6):
        crc, d = divmod(crc, 62)
        digits = B62[d] + digits
    return secret + digits


# ---- the checks, once per server ------------------------------------------------------------------

def run_checks(srv):
    info = srv.info
    reader, other = info["clients"]["reader"], info["clients"]["other"]
    token_url = srv.base + "/oauth/token"
    items_url = srv.base + "/api/items"
    state = {}

    # requests-oauthlib: HTTP Basic (RFC 6749 §2.3.1).
    def basic():
        s, seen = oauth_session(reader["client_id"])
        tok = s.fetch_token(token_url, auth=HTTPBasicAuth(reader["client_id"], reader["client_secret"]))
        r = seen[-1]
        expect(r.status_code == 200, f"status {r.status_code}")
        expect(r.request.headers.get("Authorization", "").startswith("Basic "), "the request did not use Basic")
        expect("client_secret" not in (r.request.body or ""), "the secret was in the body too")
        expect(r.headers.get("Content-Type") == "application/json", f"Content-Type {r.headers.get('Content-Type')}")
        expect(no_store(r.headers), "Cache-Control: no-store and Pragma: no-cache missing")
        expect(tok["token_type"] == "Bearer", f"token_type {tok['token_type']}")
        expect(tok["expires_in"] == info["lifetime"], f"expires_in {tok['expires_in']}")
        expect(sorted(tok["scope"]) == sorted(reader["scopes"]), f"scope {tok['scope']}")
        expect("refresh_token" not in tok, "a refresh token in a client credentials response (RFC 6749 §4.4.3)")
        state["session"], state["token"] = s, tok["access_token"]
        return True, f"scope {' '.join(tok['scope'])}, expires_in {tok['expires_in']}"
    check("requests-oauthlib: fetch_token with HTTP Basic (client_secret_basic)", basic)

    def session_call():
        r = state["session"].get(items_url)
        expect(r.status_code == 200, f"status {r.status_code}: {r.text}")
        j = r.json()
        expect(j["authenticated"]["method"] == "access_token", f"method {j['authenticated']['method']}")
        expect(len(j["items"]) == 2, "items")
        return True, "GET /api/items 200 as access_token"
    if "session" in state:
        check("requests-oauthlib: the session calls the protected route with its token", session_call)

    # requests-oauthlib: client_id and client_secret in the body.
    def body_auth():
        s, seen = oauth_session(reader["client_id"])
        s.fetch_token(token_url, client_id=reader["client_id"], client_secret=reader["client_secret"],
                      include_client_id=True)
        r = seen[-1]
        expect(r.status_code == 200, f"status {r.status_code}")
        expect("Authorization" not in r.request.headers, "an Authorization header was sent as well")
        expect("client_secret=" in r.request.body and "client_id=" in r.request.body, "credentials not in body")
        ctype = r.request.headers.get("Content-Type")
        call = s.get(items_url)
        expect(call.status_code == 200, f"API call status {call.status_code}")
        return True, f"request Content-Type {ctype!r}; token used: 200"
    check("requests-oauthlib: fetch_token with client_id/client_secret in the body (client_secret_post)", body_auth)

    # RFC 6749 §3.2.1: a client authenticating with Basic may also send its client_id in the body.
    def basic_and_body_client_id():
        s, seen = oauth_session(reader["client_id"])
        s.fetch_token(token_url, auth=HTTPBasicAuth(reader["client_id"], reader["client_secret"]),
                      include_client_id=True)
        r = seen[-1]
        expect(r.status_code == 200, f"status {r.status_code}: {r.text}")
        expect("client_id=" in r.request.body and "client_secret" not in r.request.body, r.request.body)
        return True, "200"
    check("requests-oauthlib: fetch_token with Basic and include_client_id=True (client_id in the body too)",
          basic_and_body_client_id)

    # A narrower scope than the client may have: the response omits scope (RFC 6749 §5.1, same as
    # requested); the token then lacks items:write.
    def narrow():
        s, seen = oauth_session(reader["client_id"], scope=["items:read"])
        tok = s.fetch_token(token_url, auth=HTTPBasicAuth(reader["client_id"], reader["client_secret"]))
        r = seen[-1]
        expect(r.status_code == 200, f"status {r.status_code}")
        expect("scope" not in r.json(), f"scope in the response although granted as requested: {r.text}")
        # oauthlib keeps no "scope" in the token when the response has none; the scope is the
        # one requested (RFC 6749 §5.1).
        expect(tok.get("scope", ["items:read"]) == ["items:read"], f"scope {tok.get('scope')}")
        state["read_token"] = tok["access_token"]
        return True, "scope=items:read granted, not repeated in the response"
    check("requests-oauthlib: fetch_token with scope=items:read", narrow)

    # A wrong secret that passes every check before the MAC (a valid checksum), and an unknown
    # client of the same shape: both 401 invalid_client, byte for byte the same answer (case E87).
    wrong = with_checksum(reader["client_id"], random_b62(43))
    unknown_id = f"{PREFIX}_1{random_b62(16)}"
    unknown = with_checksum(unknown_id, random_b62(43))

    def wrong_secret():
        s, seen = oauth_session(reader["client_id"])
        try:
            s.fetch_token(token_url, auth=HTTPBasicAuth(reader["client_id"], wrong))
            return False, "fetch_token succeeded"
        except oauthlib.oauth2.rfc6749.errors.InvalidClientError as e:
            r = seen[-1]
            expect(r.status_code == 401, f"status {r.status_code}")
            challenge = r.headers.get("WWW-Authenticate", "")
            expect(challenge.startswith("Basic "), f"WWW-Authenticate {challenge!r}")
            expect(no_store(r.headers), "Cache-Control: no-store and Pragma: no-cache missing")
            expect("checksum" not in r.text, f"refused before the MAC: {r.text}")
            state["wrong_secret"] = (r.status_code, sorted(r.headers.items()), r.text)
            return True, f"InvalidClientError ({e.description}); 401, WWW-Authenticate: {challenge}"
    check("requests-oauthlib: a wrong secret raises invalid_client (401, Basic challenge)", wrong_secret)

    def unknown_client_same_answer():
        s, seen = oauth_session(unknown_id)
        try:
            s.fetch_token(token_url, auth=HTTPBasicAuth(unknown_id, unknown))
            return False, "fetch_token succeeded"
        except oauthlib.oauth2.rfc6749.errors.InvalidClientError:
            r = seen[-1]
            got = (r.status_code, sorted(r.headers.items()), r.text)
            expect(got == state.get("wrong_secret"), f"{got} != {state.get('wrong_secret')}")
            return True, "same status, header fields and body"
    check("requests-oauthlib: an unknown client gets the wrong secret's answer, byte for byte", unknown_client_same_answer)

    def bad_checksum():
        bad = reader["client_secret"][:-1] + ("A" if reader["client_secret"][-1] != "A" else "B")
        r = plain_session().post(token_url, data={"grant_type": "client_credentials"},
                                 auth=HTTPBasicAuth(reader["client_id"], bad))
        expect(r.status_code == 401 and r.json()["error"] == "invalid_client", f"{r.status_code} {r.text}")
        expect(r.headers.get("WWW-Authenticate", "").startswith("Basic "), "no Basic challenge")
        return True, r.json().get("error_description", "")
    check("requests: a secret with a bad checksum is 401 invalid_client", bad_checksum)

    def bad_scope():
        s, seen = oauth_session(reader["client_id"], scope=["items:delete"])
        try:
            s.fetch_token(token_url, auth=HTTPBasicAuth(reader["client_id"], reader["client_secret"]))
            return False, "fetch_token succeeded"
        except oauthlib.oauth2.rfc6749.errors.InvalidScopeError:
            r = seen[-1]
            expect(r.status_code == 400, f"status {r.status_code}")
            return True, "InvalidScopeError, 400"
    check("requests-oauthlib: a scope the client may not have raises invalid_scope", bad_scope)

    # PyJWT: the token as a resource server that did not use apiauth verifies it (RFC 9068 §4).
    def pyjwt():
        token = state["token"]
        header = jwt.get_unverified_header(token)
        expect(header.get("alg") == info["alg"], f"alg {header.get('alg')}")
        expect(header.get("typ") == "at+jwt", f"typ {header.get('typ')} (RFC 9068 §2.1)")
        expect(header.get("kid") == info["kid"], f"kid {header.get('kid')}")
        key = jwt.PyJWK(info["jwk"]).key
        claims = jwt.decode(token, key, algorithms=[info["alg"]], audience=info["audience"], issuer=info["issuer"],
                            options={"require": ["iss", "exp", "aud", "sub", "iat", "jti"]})
        for name in ("sub", "client_id", "jti", "scope"):
            expect(isinstance(claims.get(name), str) and claims[name], f"{name} missing or not a string")
        expect(claims["exp"] - claims["iat"] == info["lifetime"], "exp - iat is not the lifetime")
        expect(abs(claims["iat"] - time.time()) < 120, "iat is not now")
        expect(sorted(claims["scope"].split(" ")) == sorted(reader["scopes"]), f"scope {claims['scope']}")
        state["claims"] = claims
        return True, f"claims {sorted(claims)}"
    if "token" in state:
        check("PyJWT: verifies the access token's signature, header (typ at+jwt, kid) and claims", pyjwt)

    # RFC 9068 §2.2: client_id is "the client identifier of the OAuth 2.0 client that requested the
    # token" (RFC 8693 §4.3), i.e. the client_id this client authenticated with (RFC 6749 §2.2).
    def client_id_claim():
        c = state["claims"]
        expect(c["client_id"] == reader["client_id"],
               f"client_id claim {c['client_id']!r}, the client authenticated as {reader['client_id']!r}")
        return True, c["client_id"]
    if "claims" in state:
        check("PyJWT: the client_id claim is the client_id the client authenticated with (RFC 9068 §2.2)",
              client_id_claim)

    def pyjwt_rejects_other_key():
        try:
            jwt.decode(state["token"], "x" * 32 if info["alg"] == "HS256" else jwt.PyJWK(info["jwk"]).key,
                       algorithms=["HS256" if info["alg"] == "ES256" else "ES256"], audience=info["audience"])
            return False, "decoded with the wrong key or algorithm"
        except jwt.InvalidTokenError as e:
            return True, type(e).__name__
    if "token" in state:
        check("PyJWT: the token does not verify with another algorithm or key", pyjwt_rejects_other_key)

    # curl: the whole flow as a shell script would write it.
    def curl_token():
        status, fields, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}",
                                    "--data", "grant_type=client_credentials", token_url)
        expect(status == 200, f"status {status}: {body}")
        expect(field(fields, "Content-Type") == ["application/json"], f"Content-Type {field(fields, 'Content-Type')}")
        expect(field(fields, "Cache-Control") == ["no-store"], "Cache-Control")
        expect(field(fields, "Pragma") == ["no-cache"], "Pragma")
        j = json.loads(body)
        expect(j["token_type"] == "Bearer" and j["expires_in"] == info["lifetime"], body)
        state["curl_token"] = j["access_token"]
        return True, "200 with a Bearer token"
    check("curl: token request with -u id:secret --data grant_type=client_credentials", curl_token)

    def bearer(t):
        return ["-H", f"Authorization: Bearer {t}"]

    def curl_call():
        status, _, body = curl(*bearer(state["curl_token"]), items_url)
        expect(status == 200, f"status {status}: {body}")
        return True, "200"
    if "curl_token" in state:
        check("curl: GET /api/items with -H 'Authorization: Bearer …'", curl_call)

    def curl_lowercase_scheme():
        status, _, body = curl("-H", f"Authorization: bearer {state['curl_token']}", items_url)
        expect(status == 200, f"status {status}: {body}")
        return True, "200"
    if "curl_token" in state:
        check("curl: the auth-scheme is case-insensitive: 'Authorization: bearer …' (RFC 9110 §11.1)",
              curl_lowercase_scheme)

    def curl_introspect_active():
        status, fields, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}",
                                    "--data-urlencode", f"token={state['curl_token']}", srv.base + "/oauth/introspect")
        expect(status == 200, f"status {status}: {body}")
        expect(field(fields, "Content-Type") == ["application/json"], "Content-Type")
        expect(field(fields, "Cache-Control") == ["no-store"], "Cache-Control")
        j = json.loads(body)
        claims = jwt.decode(state["curl_token"], options={"verify_signature": False})
        expect(j["active"] is True, body)
        for name in ("sub", "client_id", "jti", "iat", "exp", "iss", "aud", "scope"):
            expect(j.get(name) == claims.get(name), f"{name}: introspection {j.get(name)!r}, token {claims.get(name)!r}")
        expect(j.get("token_type") == "Bearer", f"token_type {j.get('token_type')}")
        expect(j["iss"] == info["issuer"] and j["aud"] == info["audience"], "iss or aud")
        return True, f"members {sorted(j)}"
    if "curl_token" in state:
        check("curl: introspection of the live token: active, with the token's members (RFC 7662 §2.2)",
              curl_introspect_active)

    def curl_other_client_revokes():
        status, _, body = curl("-u", f"{other['client_id']}:{other['client_secret']}",
                               "--data-urlencode", f"token={state['curl_token']}", srv.base + "/oauth/revoke")
        expect(status == 400 and json.loads(body)["error"] == "unauthorized_client", f"{status} {body}")
        status, _, body = curl(*bearer(state["curl_token"]), items_url)
        expect(status == 200, f"the token stopped working: {status}")
        return True, "400 unauthorized_client; the token still works"
    if "curl_token" in state:
        check("curl: another client cannot revoke the token (RFC 7009 §2.1)", curl_other_client_revokes)

    def curl_revoke():
        status, fields, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}",
                                    "--data-urlencode", f"token={state['curl_token']}",
                                    "--data", "token_type_hint=access_token", srv.base + "/oauth/revoke")
        expect(status == 200, f"status {status}: {body}")
        expect(field(fields, "Cache-Control") == ["no-store"], "Cache-Control")
        return True, f"200, body {body!r}"
    if "curl_token" in state:
        check("curl: revocation of the token (RFC 7009 §2.2)", curl_revoke)

    def curl_revoked_call():
        status, fields, body = curl(*bearer(state["curl_token"]), items_url)
        expect(status == 401, f"status {status}: {body}")
        challenges = field(fields, "WWW-Authenticate")
        expect(len(challenges) == 1 and challenges[0].startswith("Bearer ") and 'error="invalid_token"' in challenges[0],
               f"WWW-Authenticate {challenges}")
        return True, f"401, WWW-Authenticate: {challenges[0]}"
    if "curl_token" in state:
        check("curl: the revoked token is refused: 401 Bearer error=\"invalid_token\" (RFC 6750 §3.1)",
              curl_revoked_call)

    def curl_introspect_inactive():
        status, _, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}",
                               "--data-urlencode", f"token={state['curl_token']}", srv.base + "/oauth/introspect")
        expect(status == 200 and body == '{"active":false}', f"{status} {body!r}")
        return True, body
    if "curl_token" in state:
        check("curl: introspection of the revoked token is exactly {\"active\":false} (RFC 7662 §2.2)",
              curl_introspect_inactive)

    def curl_revoke_again_and_garbage():
        for token in (state["curl_token"], "not-a-token-at-all"):
            status, _, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}",
                                   "--data-urlencode", f"token={token}", srv.base + "/oauth/revoke")
            expect(status == 200, f"status {status} for {token[:12]}…: {body}")
        return True, "200 both"
    if "curl_token" in state:
        check("curl: revoking again, and revoking an invalid token, are 200 (RFC 7009 §2.2)",
              curl_revoke_again_and_garbage)

    def curl_insufficient_scope():
        status, _, body = curl("-u", f"{other['client_id']}:{other['client_secret']}",
                               "--data", "grant_type=client_credentials", token_url)
        expect(status == 200, f"token for the other client: {status} {body}")
        other_token = json.loads(body)["access_token"]
        results = []
        # (httplib itself answers 400 to a POST without Content-Length: send a JSON body.)
        post = ["-H", "Content-Type: application/json", "--data", '{"name":"gamma"}']
        for token, method, scope in ((other_token, "GET", "items:read"), (state["read_token"], "POST", "items:write")):
            status, fields, body = curl(*(post if method == "POST" else []), *bearer(token), items_url)
            challenges = field(fields, "WWW-Authenticate")
            expect(status == 403, f"{method}: status {status}: {body}")
            expect(len(challenges) == 1 and challenges[0].startswith("Bearer ")
                   and 'error="insufficient_scope"' in challenges[0] and f'scope="{scope}"' in challenges[0],
                   f"{method}: WWW-Authenticate {challenges}")
            results.append(f"{method} 403 {challenges[0]}")
        status, _, body = curl(*post, *bearer(state["token"]), items_url)
        expect(status == 201, f"POST with items:write: {status} {body}")
        return True, "; ".join(results) + "; POST with items:write 201"
    if "read_token" in state and "token" in state:
        check("curl: a token without the route's scope is 403 insufficient_scope (RFC 6750 §3.1)",
              curl_insufficient_scope)

    def curl_405():
        status, fields, body = curl(token_url)
        expect(status == 405 and field(fields, "Allow") == ["POST"], f"{status} {fields}")
        expect(json.loads(body)["error"] == "invalid_request", body)
        return True, "405, Allow: POST"
    check("curl: GET at the token endpoint is 405 with Allow: POST", curl_405)

    def curl_no_credentials():
        status, fields, body = curl(items_url)
        challenges = field(fields, "WWW-Authenticate")
        expect(status == 401, f"status {status}")
        expect(any(c.startswith("Bearer") and "error=" not in c for c in challenges), f"{challenges}")
        expect(any(c.startswith("Basic ") for c in challenges), f"{challenges}")
        return True, "; ".join(challenges)
    check("curl: no credentials: 401 with a Bearer challenge without error, and Basic (RFC 6750 §3.1)",
          curl_no_credentials)

    def curl_two_authorization_lines():
        status, fields, body = curl(*bearer(state["token"]), *bearer(state["token"]), items_url)
        expect(status in (400, 401), f"status {status}: {body}")
        return True, f"{status} {field(fields, 'WWW-Authenticate')}"
    if "token" in state:
        check("curl: two Authorization lines are refused, not one picked (RFC 9110 §5.3)",
              curl_two_authorization_lines)

    def curl_query_token():
        status, _, body = curl(f"{items_url}?access_token={state['token']}")
        expect(status in (400, 401), f"status {status}: {body}")
        return True, f"{status}"
    if "token" in state:
        check("curl: access_token in the query is not accepted by default (RFC 6750 §2.3)", curl_query_token)

    def curl_api_key_basic():
        status, _, body = curl("-u", f"{reader['client_id']}:{reader['client_secret']}", items_url)
        expect(status == 200 and json.loads(body)["authenticated"]["method"] == "api_key", f"{status} {body}")
        return True, "200 as api_key"
    check("curl: the API key pair over Basic at the protected route", curl_api_key_basic)


def main():
    global current_config, current_server
    for config in args.config or ["HS256", "ES256", "ES256+cache"]:
        current_config = config
        srv = None
        try:
            with Server(config) as srv:
                current_server = srv
                run_checks(srv)
        except ServerDied as e:
            report(False, "server", str(e))
        except Exception as e:  # noqa: BLE001
            report(False, "server", f"{type(e).__name__}: {e}")
        finally:
            current_server = None
        if srv is not None:
            report(srv.exit_status == 0, "the server stops cleanly when its stdin closes",
                   f"exit status {srv.exit_status}")
    print(f"\n{passed} passed, {failed} failed")
    for name in failures:
        print(f"  FAILED: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
