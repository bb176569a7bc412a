#!/usr/bin/env python3
"""demo_api under faults: each gets its precise answer, the server keeps serving, and nothing is
accepted that should not be (issue 12, "Faults").

    faults_test.py path/to/demo_api [path/to/redis-server] [--require-redis]

Starts demo_api on a free loopback port (and, when given, a redis-server of its own on a Unix
socket in a temporary directory), sends raw bytes over sockets, and stops everything at the end,
pass or fail. Without a redis-server the Redis case is skipped, unless --require-redis (CMake
passes it when APIAUTH_REQUIRE_REDIS is ON, as in the dev preset): then it is a failure. Cases:

  - 100 Authorization lines: 400 invalid_request (RFC 6750 §2: one method, once; RFC 9110 §5.3).
  - a 1 MiB header field: 431 (RFC 6585 §5), then the connection is closed.
  - a 1 MiB form body carrying a token at the token endpoint: 413 (RFC 9110 §15.5.14), before the
    body is read.
  - a slow client (one octet every 200 ms): at --read-timeout-ms (1 s here), 408 Request Timeout
    with Connection: close (RFC 9110 §15.5.9), then the connection is closed; another client is
    answered at once meanwhile. The same for a body that stops coming: 408, nothing accepted.
  - an idle keep-alive connection, and a new one that sends nothing: closed at --read-timeout-ms
    without a word (no 408: nothing of a request came).
  - Redis gone during an ID Site login: the callback of a login started before the outage is
    refused with 503 and starts no session; /login answers 503; the server keeps serving; once
    Redis is back (empty), the old callback is refused as a replay and a new login works.

The ID Site answer is signed here with PyJWT (python3-jwt), an implementation apiauth did not
write, from the application key demo_api generated in its state directory.
"""
import argparse
import base64
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
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


def read_response(s, timeout=10.0):
    """Reads one response from the connected socket `s`: (status, headers dict of lists, body); 0
    when the connection closed (or was reset) without one."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    if b"\r\n\r\n" not in data:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get("content-length", ["0"])[0])
    try:
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return status, headers, body


def closed_by_server(s, timeout=5.0):
    """(True, octets received first) when the server closes `s` within `timeout`; (False, …) otherwise."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True, data
            data += chunk
    except ConnectionResetError:
        return True, data
    except socket.timeout:
        return False, data


def exchange(port, raw, timeout=10.0):
    """Sends `raw`, returns (status, headers dict of lists, body) of the first response; 0 when the
    connection closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        return read_response(s, timeout)


def get(port, target, extra=""):
    return exchange(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode())


def serving(port):
    status, _, body = get(port, "/health")
    return status == 200 and body == b"ok\n"


class Servers:
    def __init__(self, demo_api, redis_server):
        self.tmp = tempfile.mkdtemp(prefix="apiauth-faults.")
        self.procs = []
        self.demo_api = demo_api
        self.redis_server = redis_server
        self.redis_socket = os.path.join(self.tmp, "redis.sock")
        self.redis = None

    def start_redis(self):
        self.redis = subprocess.Popen(
            [self.redis_server, "--port", "0", "--unixsocket", self.redis_socket, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", self.tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(self.redis)
        for _ in range(100):
            if os.path.exists(self.redis_socket):
                try:
                    with socket.socket(socket.AF_UNIX) as s:
                        s.connect(self.redis_socket)
                        s.sendall(b"PING\r\n")
                        if s.recv(16).startswith(b"+PONG"):
                            return
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop_redis(self):
        self.redis.send_signal(signal.SIGKILL)
        self.redis.wait()
        if os.path.exists(self.redis_socket):
            os.unlink(self.redis_socket)

    def start_demo(self, *args, state_name="state"):
        state = os.path.join(self.tmp, state_name)
        p = subprocess.Popen([self.demo_api, "--state-dir", state, "--login-site", "http://127.0.0.1:9",
                              "--read-timeout-ms", "1000", *args],
                             stdout=subprocess.PIPE, stderr=open(os.path.join(self.tmp, "demo_api.log"), "ab"),
                             stdin=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("demo_api did not start: " + open(os.path.join(self.tmp, "demo_api.log")).read())
        return int(line.split()[1]), state

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def header_faults(port):
    lines = "".join("Authorization: Bearer abc.def.ghi\r\n" for _ in range(100))
    status, headers, _ = get(port, "/api/items", lines)
    check("100 Authorization lines: 400", status == 400, str(status))
    check("  with error=\"invalid_request\" in the Bearer challenge",
          any('error="invalid_request"' in v for v in headers.get("www-authenticate", [])), str(headers))
    check("  and the server keeps serving", serving(port))

    status, headers, _ = get(port, "/api/items", "X-Big: " + "a" * (1 << 20) + "\r\n")
    check("a 1 MiB header field: 431", status == 431, str(status))
    check("  and the connection is closed", headers.get("connection") == ["close"], str(headers))
    check("  and the server keeps serving", serving(port))

    big = b"grant_type=client_credentials&client_id=x&client_secret=" + b"A" * (1 << 20)
    raw = (b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: " + str(len(big)).encode() + b"\r\n\r\n" + big)
    status, _, _ = exchange(port, raw)
    check("a 1 MiB token request body: 413", status == 413, str(status))
    big = b"access_token=" + b"A" * (1 << 20)
    raw = (b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: " + str(len(big)).encode() + b"\r\n\r\n" + big)
    status, _, _ = exchange(port, raw)
    check("a 1 MiB body token at a resource: 413", status == 413, str(status))
    check("  and the server keeps serving", serving(port))


def check_408(what, answered_after, s):
    """The precise answer to a request too slow to come: 408 at the read timeout (1 s), closing."""
    status, headers, body = read_response(s)
    check(f"{what}: 408 Request Timeout at --read-timeout-ms (1 s)",
          status == 408 and answered_after is not None and 0.9 <= answered_after < 3,
          f"{status} after {answered_after}")
    check("  with Connection: close, Content-Type: text/plain and the reason",
          headers.get("connection") == ["close"] and headers.get("content-type") == ["text/plain"]
          and body == b"Request Timeout\n", f"{headers} {body!r}")
    closed, extra = closed_by_server(s)
    check("  then the server closes the connection", closed and extra == b"", f"closed={closed} {extra[:100]!r}")


def slow_client(port):
    # The header, one octet every 200 ms: it would take 25 s.
    s = socket.create_connection(("127.0.0.1", port))
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 100 + b"\r\n\r\n"
    started = time.monotonic()
    answered_after = None
    other_ok = None
    for i, octet in enumerate(request):
        try:
            s.send(bytes([octet]))
        except OSError:
            break
        if i == 2:
            t = time.monotonic()
            other_ok = serving(port) and time.monotonic() - t < 0.5
        if select.select([s], [], [], 0.2)[0]:
            answered_after = time.monotonic() - started
            break
        if time.monotonic() - started > 6:
            break
    check_408("a slow client (its header, one octet every 200 ms)", answered_after, s)
    s.close()
    check("  while another client is answered at once", other_ok is True)
    check("  and the server keeps serving", serving(port))

    # A whole header, then a body that stops coming: 10 of the 100 octets announced.
    s = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    s.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type")
    answered_after = time.monotonic() - started if select.select([s], [], [], 6)[0] else None
    check_408("a body that stops coming (10 of 100 octets)", answered_after, s)
    s.close()
    check("  and the server keeps serving", serving(port))

    # A keep-alive connection: one request answered, then nothing. And a connection that never sends.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, headers, _ = read_response(s)
    started = time.monotonic()
    closed, data = closed_by_server(s)
    after = time.monotonic() - started
    check("an idle keep-alive connection (200, then nothing): closed near --read-timeout-ms, without a 408",
          status == 200 and closed and data == b"" and 0.8 <= after < 3,
          f"{status} closed={closed} after {after:.2f} s {data[:100]!r}")
    s.close()
    s = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    closed, data = closed_by_server(s)
    after = time.monotonic() - started
    check("a connection that never sends: closed near --read-timeout-ms, without a 408",
          closed and data == b"" and 0.8 <= after < 3, f"closed={closed} after {after:.2f} s {data[:100]!r}")
    s.close()
    check("  and the server keeps serving", serving(port))


def login_request(port, cookie_name="demo_login_state", full=False):
    """GET /login: (the request's jti, the state cookie name=value, or its whole Set-Cookie line
    with `full`)."""
    status, headers, _ = get(port, "/login")
    if status != 302:
        return status, None, None
    location = headers["location"][0]
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["jwtRequest"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    cookies = [c for c in headers.get("set-cookie", []) if c.startswith(cookie_name + "=")]
    if not cookies:
        return 0, claims, None  # no such cookie: not a login this test can go on with
    return status, claims, cookies[0] if full else cookies[0].split(";")[0]


def set_cookie_lines(headers, name):
    return [c for c in headers.get("set-cookie", []) if c.startswith(name + "=")]


def cookie_attributes(line):
    """The attributes of one Set-Cookie line, names lower-cased: {"path": "/", "secure": ""}."""
    attributes = {}
    for part in line.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def page_headers_and_json_posts(servers):
    """Every HTML page says nosniff and may not be framed nor rebased (CSP frame-ancestors 'none',
    base-uri 'none'); POST /api/items takes application/json only: a cross-site form posting
    text/plain (which a browser sends with cached Basic credentials) is 415, not an item."""
    key_file = os.path.join(servers.tmp, "operator-key")
    port, _ = servers.start_demo("--bootstrap-key", key_file, state_name="state-headers")
    status, headers, _ = get(port, "/")
    csp = headers.get("content-security-policy", [""])[0]
    check("GET /: X-Content-Type-Options: nosniff", headers.get("x-content-type-options") == ["nosniff"],
          str(headers))
    check("  and CSP frame-ancestors 'none'; base-uri 'none'",
          "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, csp)
    key = open(key_file).read().strip()
    cut = key.rfind("_")
    basic = base64.b64encode(f"{key[:cut]}:{key[cut + 1:]}".encode()).decode()
    body = b'{"name": "posted as text/plain"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        raw = (b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic " +
               basic.encode() + b"\r\n" + (f"Content-Type: {content_type}\r\n".encode() if content_type else b"") +
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        status, headers, answer = exchange(port, raw)
        check(f"POST /api/items with {content_type or 'no Content-Type'} and a JSON body: 415", status == 415,
              f"{status} {answer[:200]!r}")
    status, _, answer = get(port, "/api/items", f"Authorization: Basic {basic}\r\n")
    check("  and no item was added", status == 200 and b"posted as text/plain" not in answer, repr(answer[:300]))
    raw = (b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic " +
           basic.encode() + b"\r\nContent-Type: Application/JSON; charset=utf-8\r\nContent-Length: " +
           str(len(body)).encode() + b"\r\n\r\n" + body)
    status, headers, answer = exchange(port, raw)
    check("POST /api/items with application/json: 201", status == 201, f"{status} {answer[:200]!r}")


def login_flood(servers):
    """A flood of anonymous GET /login from one address: each used to put a request id into the
    in-memory nonce store, and once it was full every visitor's /login was answered 503. Here the
    store holds 256 (--nonce-capacity; 16 shards of 16) and 400 GETs come from 127.0.0.1: the
    first 30 (the limit per address per 300 s) get their 302, the rest 429 with Retry-After, and
    a visitor from another address (127.0.0.2) still gets a login."""
    port, _ = servers.start_demo("--nonce-capacity", "256", state_name="state-flood")
    counts = {}
    with socket.create_connection(("127.0.0.1", port)) as s:
        for _ in range(400):
            s.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, headers, _ = read_response(s)
            counts[status] = counts.get(status, 0) + 1
            if status == 429:
                retry = headers.get("retry-after", ["0"])[0]
    check("a flood of 400 GET /login from one address: 30 x 302, then 429", counts == {302: 30, 429: 370},
          str(counts))
    check("  the 429 says when to retry (Retry-After, at most 300 s)", 0 < int(retry) <= 300, retry)
    with socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0)) as s:
        s.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status, _, _ = read_response(s)
    check("  and a visitor from another address still gets its login (302, not 503)", status == 302, str(status))
    status, _, _ = get(port, "/register")
    check("  /register from the flooding address: 429 as well", status == 429, str(status))


def planted_files(servers):
    """The secret files of a first start are new files of mode 0600 whatever the state directory
    holds: a `<file>.tmp` left there with mode 0644 is not reused (the pepper would stay 0644), a
    symbolic link under that name is not followed (the registration, with the ID Site secret,
    would be written to wherever it points)."""
    state = os.path.join(servers.tmp, "state-planted")
    os.mkdir(state, 0o700)
    with open(os.path.join(state, "pepper-1.hex.tmp"), "w") as f:
        f.write("stale\n")
    os.chmod(os.path.join(state, "pepper-1.hex.tmp"), 0o644)
    victim = os.path.join(servers.tmp, "victim.txt")
    with open(victim, "w") as f:
        f.write("not yours\n")
    os.symlink(victim, os.path.join(state, "login-site-apps.json.tmp"))
    servers.start_demo(state_name="state-planted")
    modes = {name: stat.S_IMODE(os.lstat(os.path.join(state, name)).st_mode)
             for name in ("pepper-1.hex", "id-site-secret", "access-token-ES256.jwk", "login-site-apps.json")
             if os.path.exists(os.path.join(state, name))}
    check("secret files written beside a planted <file>.tmp (0644) are mode 0600",
          len(modes) == 4 and all(m == 0o600 for m in modes.values()), str({k: oct(v) for k, v in modes.items()}))
    check("  and a symbolic link planted as login-site-apps.json.tmp is not followed",
          open(victim).read() == "not yours\n" and not os.path.islink(os.path.join(state, "login-site-apps.json")),
          open(victim).read()[:100])
    check("  and no temporary file is left behind",
          not [n for n in os.listdir(state) if ("json." in n or "hex." in n or "secret." in n or "id." in n)
               and n not in ("pepper-1.hex.tmp", "login-site-apps.json.tmp")],
          str(sorted(os.listdir(state))))


def https_cookies(servers, http_port):
    """Behind https (--public-url https://…) every cookie is Secure, the session cookie is
    __Host-demo_session (Path=/, no Domain); over plain http the cookies stay as they were."""
    status, _, line = login_request(http_port, full=True)
    check("over http, /login's demo_login_state cookie is not Secure (a browser would not send it back)",
          status == 302 and "secure" not in cookie_attributes(line), str(line))

    port, state = servers.start_demo("--public-url", "https://demo.example", state_name="state-https")
    status, claims, line = login_request(port, "__Secure-demo_login_state", full=True)
    attributes = cookie_attributes(line) if line else {}
    check("over https, /login sets __Secure-demo_login_state; Secure; HttpOnly; Path=/idsite",
          status == 302 and "secure" in attributes and "httponly" in attributes
          and attributes.get("path") == "/idsite", str(line))
    if status != 302:
        return
    cookie = line.split(";")[0]
    status, headers, _ = get(port, login_answer(state, claims), f"Cookie: {cookie}\r\n")
    sessions = [c for c in set_cookie_lines(headers, "__Host-demo_session") if not c.startswith("__Host-demo_session=;")]
    attributes = cookie_attributes(sessions[0]) if sessions else {}
    check("  its callback sets __Host-demo_session; Secure; HttpOnly; Path=/ and no Domain",
          status == 303 and len(sessions) == 1 and "secure" in attributes and "httponly" in attributes
          and attributes.get("path") == "/" and "domain" not in attributes, f"{status} {headers.get('set-cookie')}")
    check("  and no unprefixed demo_session cookie", not set_cookie_lines(headers, "demo_session"),
          str(headers.get("set-cookie")))
    cleared = set_cookie_lines(headers, "__Secure-demo_login_state")
    check("  and clears the state cookie, Secure too",
          len(cleared) == 1 and "secure" in cookie_attributes(cleared[0]), str(cleared))
    if sessions:
        status, _, body = get(port, "/", f"Cookie: {sessions[0].split(';')[0]}\r\n")
        check("  and the session cookie signs the browser in", status == 200 and b'data-signed-in="true"' in body,
              f"{status} {body[:200]!r}")


def login_answer(state_dir, claims, login_site="http://127.0.0.1:9"):
    """The login site's jwtResponse for `claims` (Stormpath's claim names), signed with PyJWT."""
    key_id = open(os.path.join(state_dir, "id-site-key-id")).read().strip()
    secret = open(os.path.join(state_dir, "id-site-secret")).read().strip()
    now = int(time.time())
    answer = {"iss": login_site, "sub": login_site + "/accounts/faulty", "aud": key_id, "exp": now + 60, "iat": now,
              "jti": base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="), "irt": claims["jti"],
              "state": claims["state"], "isNewSub": False, "status": "AUTHENTICATED"}
    token = jwt.encode(answer, secret.encode(), algorithm="HS256", headers={"kid": key_id, "typ": "JWT"})
    return "/idsite/callback?jwtResponse=" + token


def redis_outage(servers):
    servers.start_redis()
    port, state = servers.start_demo("--redis", "unix:" + servers.redis_socket)
    status, claims, cookie = login_request(port)
    check("with Redis up, /login: 302 (its request id recorded in Redis)", status == 302, str(status))
    callback = login_answer(state, claims)

    servers.stop_redis()
    status, headers, body = get(port, callback, f"Cookie: {cookie}\r\n")
    check("Redis gone: the callback of a login begun before is refused with 503", status == 503, str(status))
    check("  and starts no session",
          not any(c.startswith("demo_session=") and not c.startswith("demo_session=;")
                  for c in headers.get("set-cookie", [])), str(headers.get("set-cookie")))
    status, _, _ = get(port, "/login")
    check("Redis gone: /login answers 503 (it cannot record the request id)", status == 503, str(status))
    check("  and the server keeps serving", serving(port))

    servers.start_redis()  # back, empty: the request id of before is not there
    status, headers, body = get(port, callback, f"Cookie: {cookie}\r\n")
    check("Redis back: the old callback is refused as a replay (400)", status == 400 and b"nonce_replayed" in body,
          f"{status} {body[:200]!r}")
    status, claims, cookie = login_request(port)
    check("Redis back: a new login begins (302)", status == 302, str(status))
    if status == 302:
        status, headers, _ = get(port, login_answer(state, claims), f"Cookie: {cookie}\r\n")
        check("  and its callback starts a session (303, demo_session cookie)",
              status == 303 and any(c.startswith("demo_session=") and not c.startswith("demo_session=;")
                                    for c in headers.get("set-cookie", [])), f"{status} {headers}")
        status, _, _ = get(port, login_answer(state, claims), f"Cookie: {cookie}\r\n")
        check("  and only once (a second answer to the same request: 400)", status == 400, str(status))


def main():
    parser = argparse.ArgumentParser(description="demo_api under faults (issue 12)")
    parser.add_argument("demo_api")
    parser.add_argument("redis_server", nargs="?", help="a redis-server program: the Redis outage case")
    parser.add_argument("--require-redis", action="store_true",
                        help="without a redis-server, fail instead of skipping the Redis outage case")
    args = parser.parse_args()
    servers = Servers(args.demo_api, args.redis_server)
    try:
        port, _ = servers.start_demo()
        page_headers_and_json_posts(servers)
        login_flood(servers)
        planted_files(servers)
        https_cookies(servers, port)
        header_faults(port)
        slow_client(port)
        if servers.redis_server:
            redis_outage(servers)
        elif args.require_redis:
            check("Redis outage: required (--require-redis, APIAUTH_REQUIRE_REDIS) but no redis-server given", False)
        else:
            print("skip  Redis outage (no redis-server given)")
    finally:
        servers.close()
    print(f"{'all passed' if failures == 0 else f'{failures} FAILED'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
