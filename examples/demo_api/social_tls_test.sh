#!/usr/bin/env bash
# examples/demo_api/social_tls_test.sh — demo_api's "Log in with …" over verified TLS: the OpenID
# Provider of tests/browser (op.mjs, oidc-provider) serving https with a certificate of a CA made
# here, for this run.
#
#   usage: examples/demo_api/social_tls_test.sh path/to/demo_api WORK_DIR
#
# CTest runs it (examples/CMakeLists.txt, label `example`) with WORK_DIR = <build dir>/social_tls;
# WORK_DIR/node holds op.mjs and the node_modules of tests/browser's lock file (`npm ci`, again
# only when the lock changed), as tests/browser/run.sh does for its own copy. Checked:
#   1. demo_api without the CA (the system's store only): refuses to start, saying the
#      certificate did not verify and why (OpenSSL's reason), and naming the URL
#   2. with --social-ca: starts; /login/oidc/local answers 302 to the provider's https
#      authorization endpoint (discovery and JWKS came over verified TLS); then the login and
#      consent are answered over HTTP with curl, as a browser would, and the callback makes
#      demo_api POST the code to the token endpoint over TLS and verify the ID token: signed in
#   3. a certificate of the same CA for another name (DNS:other.example): refused, by name
#      (issuer https://localhost:…, "hostname mismatch") and by address (https://127.0.0.1:…,
#      "IP address mismatch"); and one naming localhost in its subject's CN only, without a
#      subjectAltName: refused too (never the CN, RFC 6125 §6.4.4)
# Everything listens on 127.0.0.1, in a temporary directory removed however this script ends,
# with every server stopped (examples/temp_servers.sh); curl never uses a proxy.
set -uo pipefail

usage='usage: examples/demo_api/social_tls_test.sh path/to/demo_api WORK_DIR'
demo_api=${1:?$usage}
work=${2:?$usage}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
browser=$here/../../tests/browser

fail() {
    echo "social TLS test: FAILED: $*" >&2
    exit 1
}
passed=0
ok() {
    passed=$((passed + 1))
    echo "ok   $*"
}

[ -x "$demo_api" ] || fail "$demo_api is not an executable (build it first: cmake --build … --target demo_api)"
for p in node npm openssl curl; do
    command -v "$p" >/dev/null || fail "$p is missing (./dev deps installs it)"
done
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null || fail "python3 is missing (./dev deps installs it)"

# ---- oidc-provider, into the build tree (the lock file of tests/browser) ----
node_dir=$work/node
mkdir -p "$node_dir" || fail "cannot create $node_dir"
cp "$browser/package.json" "$browser/package-lock.json" "$browser/op.mjs" "$node_dir/" || fail "cannot copy into $node_dir"
stamp=$node_dir/node_modules/.apiauth-installed-lock.json
if ! cmp -s "$node_dir/package-lock.json" "$stamp"; then
    echo "social TLS test: npm ci in $node_dir (the lock file changed)"
    (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund) ||
        fail "'npm ci' failed in $node_dir (is the npm registry reachable?)"
    cp "$node_dir/package-lock.json" "$stamp"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-social-tls.XXXXXX") || fail "mktemp failed"
# shellcheck source=examples/temp_servers.sh
. "$here/../temp_servers.sh"
cleanup() {
    temp_servers_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
temp_servers_init "$tmp" || fail "cannot make the FIFO"

# ---- a CA and two server certificates of it ----
# The CA: basicConstraints CA:TRUE and keyCertSign (req -x509's defaults with -addext), EC P-256
# (fast to make). The good leaf names localhost and 127.0.0.1; the other one only other.example.
# The servers send the leaf alone, so that a client without the CA cannot build a chain.
pki=$tmp/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj '/CN=apiauth test CA' \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>"$pki/openssl.log" || { cat "$pki/openssl.log" >&2; fail "openssl: the CA"; }
leaf() {  # leaf FILE CN SAN: no subjectAltName when SAN is empty
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
        >"$pki/$1.ext"
    [ -z "$3" ] || printf 'subjectAltName=%s\n' "$3" >>"$pki/$1.ext"
    if ! openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
        -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>"$pki/openssl.log" ||
        ! openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
            -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>>"$pki/openssl.log"; then
        cat "$pki/openssl.log" >&2
        fail "openssl: the certificate for $1"
    fi
}
leaf localhost localhost 'DNS:localhost,IP:127.0.0.1'
leaf other.example other.example 'DNS:other.example'
leaf cn-only localhost ''  # the name in the subject's CN only: not enough (RFC 6125 §6.4.4)
openssl verify -CAfile "$pki/ca.pem" "$pki/localhost.pem" "$pki/other.example.pem" "$pki/cn-only.pem" >/dev/null ||
    fail "the certificates made do not verify with their own CA"

# ---- the providers: op (good certificate), bad_op (other.example's) ----
read -r api_port op_port bad_port cn_port < <(temp_free_ports 4)
[ -n "${cn_port:-}" ] || fail "could not pick four free ports"
api=http://127.0.0.1:$api_port
op=https://localhost:$op_port
secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
temp_start op node "$node_dir/op.mjs" --port "$op_port" --client-id demo-api --client-secret="$secret" \
    --redirect-uri "$api/oidc/callback" --https-cert "$pki/localhost.pem" --https-key "$pki/localhost.key" --host localhost
temp_start bad_op node "$node_dir/op.mjs" --port "$bad_port" --client-id demo-api --client-secret="$secret" \
    --redirect-uri "$api/oidc/callback" --https-cert "$pki/other.example.pem" --https-key "$pki/other.example.key" \
    --host localhost
temp_start cn_op node "$node_dir/op.mjs" --port "$cn_port" --client-id demo-api --client-secret="$secret" \
    --redirect-uri "$api/oidc/callback" --https-cert "$pki/cn-only.pem" --https-key "$pki/cn-only.key" --host localhost
echo "social TLS test: provider $op (and $bad_port, other.example's certificate)"

social() {  # social FILE ISSUER
    printf '{"providers": [{"name": "local", "display": "the local OpenID Provider", "issuer": "%s", "client_id": "demo-api", "client_secret": "%s"}]}\n' \
        "$2" "$secret" >"$1"
}
# demo_api that must refuse to start: run in the foreground, standard input at its end (so that
# if it did start, --exit-on-stdin-eof would stop it at once, "PORT" printed).
refused() {  # refused NAME ISSUER TEXT… : exit status 2, stderr holding each TEXT
    local name=$1 issuer=$2 rc t
    shift 2
    social "$tmp/$name.json" "$issuer"
    timeout 30 "$demo_api" --state-dir "$tmp/state" --port 0 --login-site http://127.0.0.1:9 \
        --social "$tmp/$name.json" --social-ca "$pki/ca.pem" --exit-on-stdin-eof \
        </dev/null >"$tmp/$name.out" 2>"$tmp/$name.log"
    rc=$?
    [ "$rc" -eq 2 ] || { cat "$tmp/$name.log" >&2; fail "$name: demo_api exited $rc, not 2 (refusing to start)"; }
    for t in "$@"; do
        grep -qF -- "$t" "$tmp/$name.log" || { cat "$tmp/$name.log" >&2; fail "$name: its error does not say '$t'"; }
    done
    echo "     $(tail -1 "$tmp/$name.log")"
}

# ---- 1. no CA: the system's store does not know this one ----
social "$tmp/social.json" "$op"
timeout 30 "$demo_api" --state-dir "$tmp/state" --port 0 --login-site http://127.0.0.1:9 \
    --social "$tmp/social.json" --exit-on-stdin-eof </dev/null >"$tmp/no-ca.out" 2>"$tmp/no-ca.log"
rc=$?
[ "$rc" -eq 2 ] || { cat "$tmp/no-ca.log" >&2; fail "without the CA, demo_api exited $rc, not 2 (refusing to start)"; }
for t in "$op/.well-known/openid-configuration" "TLS handshake failed" "certificate verification failed" \
    "unable to get local issuer certificate"; do
    grep -qF -- "$t" "$tmp/no-ca.log" || { cat "$tmp/no-ca.log" >&2; fail "without the CA: the error does not say '$t'"; }
done
echo "     $(tail -1 "$tmp/no-ca.log")"
ok "1 without the CA: demo_api refuses to start, the certificate did not verify (no issuer known)"

# ---- 2. with the CA: discovery, JWKS, the login, the code exchange ----
temp_start demo_api "$demo_api" --state-dir "$tmp/state" --port "$api_port" --login-site http://127.0.0.1:9 \
    --social "$tmp/social.json" --social-ca "$pki/ca.pem" --exit-on-stdin-eof
grep -qF "\"Log in with the local OpenID Provider\": $op" "$tmp/demo_api.log" ||
    { cat "$tmp/demo_api.log" >&2; fail "demo_api did not list the provider"; }

# curl as a browser: one cookie jar per site, redirects followed by hand, no proxy; the provider
# trusted through the same CA, and localhost pinned to 127.0.0.1.
web() {  # web JAR URL [curl args…]: prints "STATUS LOCATION", the body in $tmp/body
    local jar=$1 url=$2
    shift 2
    curl -sS --noproxy '*' --max-time 10 --cacert "$pki/ca.pem" --resolve "localhost:$op_port:127.0.0.1" \
        -b "$tmp/$jar.jar" -c "$tmp/$jar.jar" -o "$tmp/body" -w '%{http_code} %{redirect_url}\n' "$@" "$url"
}
# The token endpoint the code goes to is the provider's, on https too.
read -r status _ < <(web op "$op/.well-known/openid-configuration") || fail "curl: the provider's discovery failed"
token_endpoint=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).token_endpoint)' "$tmp/body")
case $token_endpoint in "$op/"*) ;; *) fail "the provider's token endpoint is '$token_endpoint', not under $op" ;; esac
read -r status location < <(web api "$api/login/oidc/local") || fail "curl $api/login/oidc/local failed"
[ "$status" = 302 ] || fail "/login/oidc/local answered $status, not 302"
case $location in
"$op/auth?"*) ;;
*) fail "/login/oidc/local went to '$location', not the provider's authorization endpoint $op/auth" ;;
esac
ok "2a with --social-ca: demo_api started (discovery and JWKS over TLS), /login/oidc/local: 302 to $op/auth"

url=$location
steps=()
for _ in $(seq 1 12); do
    case $url in "$api/oidc/callback?"*) break ;; esac
    read -r status next < <(web op "$url") || fail "curl $url failed"
    steps+=("GET ${url%%\?*} $status")
    if [ "${status:0:1}" = 3 ] && [ -n "$next" ]; then
        url=$next
        continue
    fi
    [ "$status" = 200 ] || fail "the provider answered $status at $url: $(head -c 300 "$tmp/body")"
    # oidc-provider's development pages: a login form (any login, any password), then consent.
    if grep -q 'name="prompt" value="login"' "$tmp/body"; then
        form=(--data-urlencode prompt=login --data-urlencode login=carol --data-urlencode 'password=any password')
    elif grep -q 'name="prompt" value="consent"' "$tmp/body"; then
        form=(--data-urlencode prompt=consent)
    else
        fail "no login or consent form at $url: $(head -c 300 "$tmp/body")"
    fi
    read -r status next < <(web op "$url" "${form[@]}") || fail "curl POST $url failed"
    steps+=("POST ${url%%\?*} $status")
    if [ "${status:0:1}" != 3 ] || [ -z "$next" ]; then
        fail "the form at $url answered $status: $(head -c 300 "$tmp/body")"
    fi
    url=$next
done
case $url in "$api/oidc/callback?"*) ;; *) fail "never sent back to $api/oidc/callback: ${steps[*]}" ;; esac
echo "     ${steps[*]}"
read -r status location < <(web api "$url") || fail "curl $api/oidc/callback failed"
if [ "$status" != 303 ] || [ "$location" != "$api/" ]; then
    fail "the callback answered $status ($location), not 303 to /: $(grep -o '<p class="error"[^<]*' "$tmp/body")"
fi
read -r status _ < <(web api "$api/") || fail "curl $api/ failed"
grep -qF 'Signed in as <code id="account">local:carol</code>' "$tmp/body" ||
    fail "not signed in as local:carol after the callback: $(grep -o '<p id="who".*' "$tmp/body")"
grep -qF 'User carol, carol@example.org' "$tmp/body" || fail "the ID token's name and email are not shown"
ok "2b login and consent, then the code exchanged at $token_endpoint over TLS, ID token verified: signed in as local:carol"

# ---- 3. the same CA, another name in the certificate ----
refused by-name "https://localhost:$bad_port" "https://localhost:$bad_port/.well-known/openid-configuration" \
    "certificate verification failed" "hostname mismatch"
ok "3a a certificate for other.example at https://localhost: refused (host name verification)"
refused by-address "https://127.0.0.1:$bad_port" "https://127.0.0.1:$bad_port/.well-known/openid-configuration" \
    "certificate verification failed" "IP address mismatch"
ok "3b the same at https://127.0.0.1: refused (IP address verification)"
refused cn-only "https://localhost:$cn_port" "https://localhost:$cn_port/.well-known/openid-configuration" \
    "certificate verification failed" "hostname mismatch"
ok "3c a certificate naming localhost in its CN only, no subjectAltName: refused"

grep -q 'server_error' "$tmp/op.log" && fail "the provider logged a server error: $(grep server_error "$tmp/op.log")"
echo "social TLS test: $passed checks passed in $SECONDS s"
