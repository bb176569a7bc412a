#!/usr/bin/env bash
# examples/protect/protect_test.sh — the README's two "Protect a route" snippets, compiled and run.
#
#   protect_test.sh SOURCE_DIR PROTECT_HTTPLIB PROTECT_BEAST
#
# First, each README code block must be exactly the marked region of its program (so the README
# never shows code that does not compile). Then each program is started on a loopback port and
# asked, with curl: no credentials (401 and the Bearer challenge), a token with the route's scope
# (allowed, the subject named), a token without it (403 insufficient_scope with the scope), and
# a token with one character changed (401 invalid_token). The programs are stopped on exit.
set -euo pipefail
src=$1 httplib_bin=$2 beast_bin=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# ---- the README shows the programs' code ----
/usr/bin/python3 - "$src" <<'PY'
import sys, textwrap
src = sys.argv[1]
readme = open(f"{src}/README.md", encoding="utf-8").read()
for heading, path in (("### Protect a route: cpp-httplib", "examples/protect/httplib_route.cpp"),
                      ("### Protect a route: Boost.Beast", "examples/protect/beast_route.cpp")):
    at = readme.find(heading + "\n")
    if at < 0:
        sys.exit(f"README.md has no heading {heading!r}")
    start = readme.index("```cpp\n", at) + len("```cpp\n")
    block = readme[start:readme.index("```\n", start)]
    code = open(f"{src}/{path}", encoding="utf-8").read().split("    // [protect-route]\n")
    if len(code) != 3:
        sys.exit(f"{path}: expected one region between two '// [protect-route]' lines")
    region = textwrap.dedent(code[1])
    if block != region:
        sys.exit(f"README.md under {heading!r} differs from the marked region of {path}:\n"
                 f"--- README\n{block}--- {path}\n{region}")
    if len(block.splitlines()) > 15:
        sys.exit(f"README.md under {heading!r}: more than 15 lines")
    print(f"ok: README.md {heading[4:]!r} is {path}'s marked region, {len(block.splitlines())} lines")
PY

start() {  # start NAME BIN: runs BIN, waits for its port and tokens
  local name=$1 bin=$2
  "$bin" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q '^no_scope_token ' "$work/$name.out" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || fail "$name exited: $(cat "$work/$name.err")"
    sleep 0.1
  done
  fail "$name did not print its port and tokens"
}
field() { sed -n "s/^$1 //p" "$2"; }

# request NAME METHOD URL [AUTHORIZATION]: sets status, headers, body
request() {
  local args=(-s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$2" "$3")
  [[ $# -ge 4 ]] && args+=(-H "Authorization: $4")
  status=$(curl "${args[@]}") || fail "$1: curl failed"
  headers=$(tr -d '\r' <"$work/headers")
  body=$(cat "$work/body")
}
expect() {  # expect WHAT STATUS [HEADER-SUBSTRING] [BODY-SUBSTRING]
  [[ $status == "$2" ]] || fail "$1: status $status, expected $2; headers: $headers"
  [[ -z ${3:-} || $headers == *"$3"* ]] || fail "$1: no '$3' in headers: $headers"
  [[ -z ${4:-} || $body == *"$4"* ]] || fail "$1: no '$4' in body: $body"
  ok "$1"
}

check_program() {  # check_program NAME BIN METHOD SCOPE ALLOWED-STATUS SUBJECT
  local name=$1 method=$3 scope=$4 allowed=$5 subject=$6
  start "$name" "$2"
  local port token stranger url
  port=$(field port "$work/$name.out")
  token=$(field token "$work/$name.out")
  stranger=$(field no_scope_token "$work/$name.out")
  url="http://127.0.0.1:$port/api/items"
  request "$name" "$method" "$url"
  expect "$name: no credentials: 401 with the Bearer challenge (RFC 6750 §3)" 401 \
    'WWW-Authenticate: Bearer realm="api"'
  request "$name" "$method" "$url" "Bearer $token"
  expect "$name: a token with $scope: $allowed, the subject named" "$allowed" "" " $subject"
  request "$name" "$method" "$url" "Bearer $stranger"
  expect "$name: a token without $scope: 403 insufficient_scope naming it (RFC 6750 §3.1)" 403 \
    "error=\"insufficient_scope\", error_description=\"The token does not grant the required scope\", scope=\"$scope\""
  local last=${token: -1} other=A
  [[ $last == A ]] && other=B
  request "$name" "$method" "$url" "Bearer ${token%?}$other"
  expect "$name: a token with its signature changed: 401 invalid_token" 401 'error="invalid_token"'
  request "$name" "$method" "http://127.0.0.1:$port/elsewhere" "Bearer $token"
  expect "$name: another path: 404" 404
}

check_program httplib "$httplib_bin" GET items:read 200 reader
check_program beast "$beast_bin" POST items:write 201 writer
echo "protect_test: both README snippets compile, and answer as the README says"
