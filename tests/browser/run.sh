#!/usr/bin/env bash
# tests/browser/run.sh — the hosted login of the demo in a real browser: Debian's chromium,
# headless, driven by puppeteer-core (login.mjs beside this file says what is checked).
#
#   usage: tests/browser/run.sh path/to/demo_api path/to/login_site WORK_DIR
#
# CTest runs it (examples/CMakeLists.txt, label `example`) with WORK_DIR = <build dir>/browser:
#   WORK_DIR/node          package.json, package-lock.json, login.mjs, op.mjs and node_modules (`npm ci`,
#                          again only when the lock file changed: never in the source tree)
#   WORK_DIR/screenshots   one PNG per step, NN-name.png (emptied at each run)
# The two servers, and op.mjs (an OpenID Provider, oidc-provider, for demo_api's "Log in with …"),
# start on free loopback ports in a temporary directory that holds their generated secrets and
# users; all stop, and the directory is removed, however this script ends.
# A missing chromium, node or npm is a failure that says what to install, never a skip.
set -uo pipefail

usage='usage: tests/browser/run.sh path/to/demo_api path/to/login_site WORK_DIR'
demo_api=${1:?$usage}
login_site=${2:?$usage}
work=${3:?$usage}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}  # CHROMIUM=… for another build of Chromium or Chrome

fail() { echo "browser test: $*" >&2; exit 1; }

for p in "$demo_api" "$login_site"; do
    [ -x "$p" ] || fail "$p is not an executable (build it first: cmake --build … --target demo_api login_site)"
done
[ -x "$chromium" ] || fail "$chromium is missing: install Debian's chromium (./dev deps does)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    fail "node and npm are needed: install Node.js 20 with npm (./dev deps does)"
fi
# Python picks the free ports, as examples/demo_live.sh does (Debian's, or any on PATH).
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null || fail "python3 is missing (./dev deps installs it)"

# ---- puppeteer-core, into the build tree ----
node_dir=$work/node
mkdir -p "$node_dir" || fail "cannot create $node_dir"
cp "$here/package.json" "$here/package-lock.json" "$here/login.mjs" "$here/op.mjs" "$node_dir/" || fail "cannot copy into $node_dir"
# `npm ci` only when the lock differs from the one of the last successful install (a stamp kept
# inside node_modules, which npm ci replaces as a whole): an unchanged lock costs nothing.
stamp=$node_dir/node_modules/.apiauth-installed-lock.json
if ! cmp -s "$node_dir/package-lock.json" "$stamp"; then
    echo "browser test: npm ci in $node_dir (the lock file changed)"
    # --ignore-scripts: puppeteer-core has no install step (it never downloads a browser).
    (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund) ||
        fail "'npm ci' failed in $node_dir (is the npm registry reachable?)"
    cp "$node_dir/package-lock.json" "$stamp"
fi

# ---- the two servers ----
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-browser.XXXXXX") || fail "mktemp failed"
# The servers (and node) die with this script, even when it is SIGKILLed: examples/temp_servers.sh.
# shellcheck source=examples/temp_servers.sh
. "$here/../../examples/temp_servers.sh"
cleanup() {
    temp_servers_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r api_port site_port op_port < <(temp_free_ports 3)
[ -n "${op_port:-}" ] || fail "could not pick three free ports"
api=http://127.0.0.1:$api_port
site=http://127.0.0.1:$site_port
temp_servers_init "$tmp" || fail "cannot make the FIFO"

# The OpenID Provider of "Log in with …" (op.mjs: oidc-provider), registered with demo_api through
# --social; its client secret is made here, for this run.
op=http://127.0.0.1:$op_port
op_secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
temp_start op node "$node_dir/op.mjs" --port "$op_port" --client-id demo-api --client-secret="$op_secret" \
    --redirect-uri "$api/oidc/callback"
printf '{"providers": [{"name": "local", "display": "the local OpenID Provider", "issuer": "%s", "client_id": "demo-api", "client_secret": "%s"}]}\n' \
    "$op" "$op_secret" >"$tmp/social.json"
temp_start demo_api "$demo_api" --state-dir "$tmp/state" --port "$api_port" --login-site "$site" \
    --social "$tmp/social.json" --exit-on-stdin-eof
# alice, the account that signs in. scrypt at 2^12 (the servers' default is 2^15): this test
# checks the flow, not the cost, and each sign-in hashes once.
password='browser-password-42'
printf '%s\n' "$password" >"$tmp/alice.password"
"$login_site" add-user --users "$tmp/users.json" --username alice --password-file "$tmp/alice.password" \
    --name 'Alice Liddell' --email alice@example.com --scrypt-log-n 12 >/dev/null 2>"$tmp/add-user.log" ||
    { cat "$tmp/add-user.log" >&2; fail "login_site add-user failed"; }
temp_start login_site "$login_site" serve --apps "$tmp/state/login-site-apps.json" --users "$tmp/users.json" \
    --port "$site_port" --scrypt-log-n 12 --exit-on-stdin-eof
echo "browser test: demo_api $api, login_site $site"

# ---- the browser ----
shots=$work/screenshots
rm -rf "$shots"
mkdir -p "$shots" || fail "cannot create $shots"
# In the background, so that the traps above also stop it (and, through puppeteer's own SIGTERM
# handler, its chromium) when this script is interrupted. ESM resolves 'puppeteer-core' from the
# script's own directory: $node_dir/node_modules.
node "$node_dir/login.mjs" --api "$api" --site "$site" --op "$op" --username alice --password "$password" \
    --chromium "$chromium" --screenshots "$shots" </dev/null 7>&- &
temp_pids+=($!)
wait "${temp_pids[-1]}"
rc=$?
if [ "$rc" -ne 0 ]; then
    # The servers' own view of what happened (login_site logs one line per request, never a secret).
    printf '\n-- demo_api log --\n' >&2; tail -30 "$tmp/demo_api.log" >&2
    printf '\n-- login_site log --\n' >&2; tail -30 "$tmp/login_site.log" >&2
    printf '\nbrowser test: FAILED (exit status %d); screenshots in %s\n' "$rc" "$shots" >&2
    exit 1
fi
echo "browser test: passed in $SECONDS s in all (npm and the servers included); screenshots in $shots"
