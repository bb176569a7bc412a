#!/usr/bin/env python3
"""demo_api under faults: each gets its precise answer, the server keeps serving, and nothing is
accepted that should not be (issue 12, "Faults").

    faults_test.py path/to/demo_api [path/to/redis-server]

Starts demo_api on a free loopback port (and, when given, a redis-server of its own on a Unix
socket in a temporary directory), sends raw bytes over sockets, and stops everything at the end,
pass or fail. Cases:

  - 100 Authorization lines: 400 invalid_request (RFC 6750 §2: one method, once; RFC 9110 §5.3).
  - a 1 MiB header field: 431 (RFC 6585 §5), then the connection is closed.
  - a 1 MiB form body carrying a token at the token endpoint: 413 (RFC 9110 §15.5.14), before the
    body is read.
  - a slow client (one octet every 300 ms): cut off at --read-timeout-ms, while another client is
    answered at once.
  - Redis gone during an ID Site login: the callback of a login started before the outage is
    refused with 503 and starts no session; /login answers 503; the server keeps serving; once
    Redis is back (empty), the old callback is refused as a replay and a new login works.

The ID Site answer is signed here with PyJWT (python3-jwt), an implementation apiauth did not
write, from the application key demo_api generated in its state directory.
"""
import base64
import json
import os
import shutil
import signal
import socket
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exchange(port, raw, timeout=10.0):
    """Sends `raw`, returns (status, headers dict of lists, body) of the first response; 0 when the
    connection closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
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
        except ConnectionResetError:
            pass
        return status, headers, body


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

    def start_demo(self, *args):
        state = os.path.join(self.tmp, "state")
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


def slow_client(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(0.1)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 100 + b"\r\n\r\n"
    started = time.monotonic()
    closed_after = None
    other_ok = None
    for i, octet in enumerate(request):
        try:
            s.send(bytes([octet]))
        except OSError:
            closed_after = time.monotonic() - started
            break
        if i == 2:
            t = time.monotonic()
            other_ok = serving(port) and time.monotonic() - t < 0.5
        try:
            if s.recv(1) == b"":
                closed_after = time.monotonic() - started
                break
        except socket.timeout:
            pass
        except OSError:
            closed_after = time.monotonic() - started
            break
        time.sleep(0.2)
        if time.monotonic() - started > 6:
            break
    s.close()
    check("a slow client is cut off near --read-timeout-ms (1 s)", closed_after is not None and closed_after < 3,
          f"after {closed_after}")
    check("  while another client is answered at once", other_ok is True)
    check("  and the server keeps serving", serving(port))


def login_request(port):
    """GET /login: (the request's jti, the state cookie)."""
    status, headers, _ = get(port, "/login")
    if status != 302:
        return status, None, None
    location = headers["location"][0]
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["jwtRequest"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    cookie = [c for c in headers.get("set-cookie", []) if c.startswith("demo_login_state=")][0].split(";")[0]
    return status, claims, cookie


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
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    servers = Servers(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
    try:
        port, _ = servers.start_demo()
        header_faults(port)
        slow_client(port)
        if servers.redis_server:
            redis_outage(servers)
        else:
            print("skip  Redis outage (no redis-server given)")
    finally:
        servers.close()
    print(f"{'all passed' if failures == 0 else f'{failures} FAILED'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
