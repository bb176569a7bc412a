#!/usr/bin/env python3
"""demo_api with every secret in the environment (issue 12: "Keys, peppers and secrets come from
files or the environment, never from the source").

    secrets_env_test.py path/to/demo_api path/to/apiauth

  1. The access tokens' signing key is made by the apiauth CLI (`apiauth jwk generate --alg
     ES256 --json`), the pepper and the ID Site application key (id and secret) from
     os.urandom; the four go into the environment: APIAUTH_DEMO_TOKEN_JWK,
     APIAUTH_DEMO_PEPPER_HEX, APIAUTH_DEMO_IDSITE_KEY_ID, APIAUTH_DEMO_IDSITE_SECRET.
  2. demo_api starts with an empty --state-dir. It generates nothing and writes no secret file
     there: only login-site-apps.json, the login site's registration (mode 0600), which carries
     the ID Site key of the environment because login_site needs it. Its JWKS is the key of the
     environment, its ID Site requests are signed with the secret of the environment, and an
     access token for the API key of --bootstrap-key (written outside the state directory) is
     accepted at /api/items.
  3. Restarted with the same environment: still no secret file, and the token of the first run
     verifies (the same signing key). It is then refused only because the API key it was issued
     to, kept in memory, did not survive the restart: demo_api checks every token's key
     (api_auth_config::check_token_key), after the signature.
  4. Restarted with another signing key: that token is refused for its signature (401
     invalid_token, another description), so step 3 proves something.

Servers on loopback, a temporary directory, everything stopped and removed at the end, pass or
fail. PyJWT (python3-jwt) checks the ID Site request's signature.
"""
import base64
import http.client
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.parse

import jwt  # PyJWT

failures = 0


def check(what, cond, detail=""):
    global failures
    if cond:
        print(f"ok    {what}")
    else:
        failures += 1
        print(f"FAIL  {what}{': ' + detail if detail else ''}")


def request(port, method, target, headers=None, body=None):
    """(status, headers as a dict of lowercase names, body as text)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, target, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def token_for(port, key):
    """An access token with items:read for the API key `key` (client credentials over Basic)."""
    client_id, _, client_secret = key.rpartition("_")
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    status, _, body = request(port, "POST", "/oauth/token",
                              {"Authorization": "Basic " + basic,
                               "Content-Type": "application/x-www-form-urlencoded"},
                              "grant_type=client_credentials&scope=items%3Aread")
    return status, (json.loads(body).get("access_token") if status == 200 else None)


def items_with(port, token):
    status, headers, _ = request(port, "GET", "/api/items", {"Authorization": "Bearer " + token})
    return status, headers.get("www-authenticate", "")


def new_token_jwk(cli, kid):
    """The private JWK of a new ES256 key, made by `apiauth jwk generate`."""
    out = subprocess.run([cli, "jwk", "generate", "--alg", "ES256", "--kid", kid, "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["private_jwk"]


class Demo:
    """demo_api with `env`, stopped by stop()."""

    def __init__(self, demo_api, tmp, state, env, *args):
        self.log = os.path.join(tmp, "demo_api.log")
        # One public URL for every start, as a deployment keeps it: it is the tokens' iss and aud
        # (by default it would hold the port, a new one at each start).
        self.proc = subprocess.Popen([demo_api, "--state-dir", state, "--login-site", "http://127.0.0.1:9",
                                      "--public-url", "http://demo-api.test", *args],
                                     stdout=subprocess.PIPE, stderr=open(self.log, "w"), stdin=subprocess.DEVNULL,
                                     env=env, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("demo_api did not start: " + open(self.log).read())
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def said(self):
        return open(self.log).read()


def state_files(state):
    return sorted(os.listdir(state))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    demo_api, cli = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="apiauth-secrets-env.")
    state = os.path.join(tmp, "state")
    os.mkdir(state, 0o700)
    demos = []
    # The error_description of token_key_unknown (apiauth/error.hpp), reached only after the
    # token's signature verified.
    key_gone = "The API key the access token was issued to no longer exists"
    try:
        kid = "env-es256-" + os.urandom(4).hex()
        token_jwk = new_token_jwk(cli, kid)
        pepper_hex = os.urandom(32).hex()
        idsite_id = "envapp" + os.urandom(6).hex()
        idsite_secret = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        env = {k: v for k, v in os.environ.items() if not k.startswith("APIAUTH_DEMO_")}
        env.update({"APIAUTH_DEMO_TOKEN_JWK": json.dumps(token_jwk), "APIAUTH_DEMO_PEPPER_HEX": pepper_hex,
                    "APIAUTH_DEMO_IDSITE_KEY_ID": idsite_id, "APIAUTH_DEMO_IDSITE_SECRET": idsite_secret})
        print(f"info  the four secrets in the environment; the access-token key ({kid}) made by "
              "`apiauth jwk generate --alg ES256 --json`")

        # 1. The first start, the state directory empty.
        key_file = os.path.join(tmp, "bootstrap.key")
        d = Demo(demo_api, tmp, state, env, "--bootstrap-key", key_file)
        demos.append(d)
        status, _, body = request(d.port, "GET", "/health")
        check("first start, secrets from the environment, empty state directory: serving (/health 200)",
              status == 200 and body == "ok\n", f"{status} {body!r}")
        check("  it generated nothing (no \"generated\" line in its log)", "generated" not in d.said(), d.said())
        files = state_files(state)
        mode = stat.S_IMODE(os.stat(os.path.join(state, "login-site-apps.json")).st_mode) if files else None
        check("  the state directory holds no secret file: only login-site-apps.json (mode 0600)",
              files == ["login-site-apps.json"] and mode == 0o600, f"{files} mode {mode and oct(mode)}")
        apps = json.load(open(os.path.join(state, "login-site-apps.json")))["applications"]
        check("  login-site-apps.json registers the ID Site key of the environment, for login_site",
              len(apps) == 1 and apps[0]["api_key_id"] == idsite_id and apps[0]["api_key_secret"] == idsite_secret,
              json.dumps(apps))
        written = "".join(open(os.path.join(state, f)).read() for f in files)
        check("  and no file there holds the pepper or the signing key's private part",
              pepper_hex not in written and token_jwk["d"] not in written)

        status, headers, body = request(d.port, "GET", "/.well-known/jwks.json")
        keys = json.loads(body)["keys"] if status == 200 else []
        check(f"  its JWKS is the public half of the key of the environment (kid {kid})",
              len(keys) == 1 and keys[0]["kid"] == kid and keys[0]["x"] == token_jwk["x"]
              and keys[0]["y"] == token_jwk["y"] and "d" not in keys[0], f"{status} {body[:300]}")

        status, headers, _ = request(d.port, "GET", "/login")
        location = headers.get("location", "")
        jwt_request = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("jwtRequest", [""])[0]
        try:
            claims = jwt.decode(jwt_request, idsite_secret, algorithms=["HS256"])
        except jwt.PyJWTError as e:
            claims = {"error": str(e)}
        check("  GET /login: its ID Site request is signed with the secret of the environment (PyJWT), iss its key id",
              status == 302 and claims.get("iss") == idsite_id, f"{status} {claims}")

        key = open(key_file).read().strip()
        status, token = token_for(d.port, key)
        check("  an access token for the --bootstrap-key API key (POST /oauth/token): 200", status == 200, str(status))
        header = jwt.get_unverified_header(token) if token else {}
        check(f"  signed with the key of the environment (kid {kid})", header.get("kid") == kid, str(header))
        status, _ = items_with(d.port, token or "x")
        check("  GET /api/items with it: 200", status == 200, str(status))
        d.stop()

        # 2. The same environment again.
        d = Demo(demo_api, tmp, state, env)
        demos.append(d)
        check("restarted with the same environment: still no secret file in the state directory",
              state_files(state) == ["login-site-apps.json"] and "generated" not in d.said(),
              f"{state_files(state)} {d.said()}")
        status, challenge = items_with(d.port, token or "x")
        check("  the access token of the first run verifies; refused only for its API key, gone with the "
              "memory store (401, token_key_unknown)",
              status == 401 and 'error="invalid_token"' in challenge and key_gone in challenge,
              f"{status} {challenge}")
        d.stop()

        # 3. Another signing key: the same token must now be refused.
        other = dict(env, APIAUTH_DEMO_TOKEN_JWK=json.dumps(new_token_jwk(cli, kid)))
        d = Demo(demo_api, tmp, state, other)
        demos.append(d)
        status, challenge = items_with(d.port, token or "x")
        check("restarted with another signing key (same kid): that token is refused for its signature "
              "(401 invalid_token)",
              status == 401 and 'error="invalid_token"' in challenge and key_gone not in challenge,
              f"{status} {challenge}")
        d.stop()
    finally:
        for d in demos:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'all passed' if failures == 0 else f'{failures} FAILED'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
