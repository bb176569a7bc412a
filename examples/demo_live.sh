#!/usr/bin/env bash
# examples/demo_live.sh — the whole mission, as a user of an API protected by apiauth sees it:
# two real servers on loopback ports, driven with curl and with Python's requests-oauthlib.
#
#   usage: examples/demo_live.sh path/to/demo_api path/to/login_site [--stores] [--cli path/to/apiauth]
#
# --cli names the apiauth command-line tool (examples/cli), which makes demo_api's secrets before
# its first start (secret generate, jwk generate) and checks an access token against the API's
# published JWKS; without it, the one of the same build tree is used when it is there
# (build/<preset>/examples/apiauth, beside demo_api's directory). With --stores, demo_api keeps its API keys in PostgreSQL and its ID Site nonces and revoked
# tokens in Redis, servers this script starts in its temporary directory (examples/temp_servers.sh),
# and the walk also checks what lands in them. Without it, everything is in demo_api's memory.
#
#   1. demo_api (examples/demo_api, Boost.Beast) and login_site (examples/login_site,
#      cpp-httplib, the hosted login page of the ID Site protocol) start on free loopback ports,
#      in a temporary directory that holds their secrets, generated with the apiauth CLI before
#      demo_api's first start (by demo_api itself when there is no CLI); both stop when this
#      script ends, however it ends.
#   2. A person signs in through the hosted login page (ID Site): the signed jwtRequest, a wrong
#      password, the right one, the signed jwtResponse coming back, a replay of it refused.
#   3. They create an API key, exchange it for an access token (OAuth 2.0 client credentials) with
#      curl and with requests-oauthlib, call the API with it, and see the exact refusals: no
#      credentials, a forged token, a missing scope, a revoked token, a disabled key.
#   4. An access token is checked offline with the API's published key set (JWKS) by the apiauth
#      CLI, as another resource server would.
#   5. They sign out.
#
# Every step says what must happen and is checked; the script exits non-zero if any step did not
# happen as said. `./dev demo` builds the servers and runs this; `./dev test` runs it too.
set -uo pipefail

usage="usage: examples/demo_live.sh path/to/demo_api path/to/login_site [--stores] [--cli path/to/apiauth]"
demo_api=${1:?$usage}
login_site=${2:?$usage}
shift 2
real_stores=false
cli=
while [ $# -gt 0 ]; do
    case $1 in
        --stores) real_stores=true ;;
        --cli) cli=${2:?$usage}; shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done
for p in "$demo_api" "$login_site" ${cli:+"$cli"}; do
    [ -x "$p" ] || { echo "demo: $p is not an executable (build it first: ./dev build)" >&2; exit 2; }
done
# Without --cli, the apiauth CLI of the same build tree, when it was built.
if [ -z "$cli" ] && [ -x "$(dirname "$demo_api")/../apiauth" ]; then cli=$(dirname "$demo_api")/../apiauth; fi
command -v curl >/dev/null || { echo "demo: curl is missing (./dev deps installs it)" >&2; exit 2; }
# Debian's python3, where python3-requests-oauthlib lives (a pyenv python may come first on PATH).
py=/usr/bin/python3
[ -x "$py" ] || py=python3

if [ -t 1 ]; then bold=$'\033[1m' red=$'\033[31m' green=$'\033[32m' dim=$'\033[2m' plain=$'\033[0m'
else bold='' red='' green='' dim='' plain=''; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-demo.XXXXXX")
# shellcheck source=examples/temp_servers.sh
. "$(dirname "${BASH_SOURCE[0]}")/temp_servers.sh"
cleanup() {
    temp_servers_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

steps=0
failures=0
section() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
say() { printf '%s\n' "$@"; }
ok() { steps=$((steps + 1)); printf '   %s✓ %s%s\n' "$green" "$*" "$plain"; }
bad() { steps=$((steps + 1)); failures=$((failures + 1)); printf '   %s✗ %s%s\n' "$red" "$*" "$plain"; }
# check <description> <got> <want>
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$3', got '$2'"; fi; }
# check_has <description> <haystack> <needle>
check_has() { if [[ $2 == *"$3"* ]]; then ok "$1"; else bad "$1: '$3' not found in: ${2:0:400}"; fi; }
show() { printf '   %s%s%s\n' "$dim" "$*" "$plain"; }

# Two free loopback ports; the servers die with this script (examples/temp_servers.sh).
read -r api_port site_port < <(temp_free_ports 2)
api=http://127.0.0.1:$api_port
site=http://127.0.0.1:$site_port
temp_servers_init "$tmp"

# HTTP with curl: status, headers and body saved; `last_status`, `last_headers`, `last_body`.
# http <curl arguments…>  (a cookie jar per browser: $jar)
jar=$tmp/cookies
http() {
    local code
    code=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -b "$jar" -c "$jar" "$@") || code=000
    last_status=$code
    last_headers=$(tr -d '\r' <"$tmp/headers")
    last_body=$(cat "$tmp/body")
}
header() { printf '%s\n' "$last_headers" | sed -n "s/^$1: //Ip" | head -1; }
headers_all() { printf '%s\n' "$last_headers" | sed -n "s/^$1: //Ip"; }
# The value of the <input name=NAME> or the text of the element with id=ID in $last_body.
form_value() { "$py" - "$1" "$tmp/body" <<'EOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    found = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == sys.argv[1] and self.found is None:
            self.found = a.get("value", "")
p = P(); p.feed(open(sys.argv[2], encoding="utf-8").read()); print(p.found or "")
EOF
}
element_text() { "$py" - "$1" "$tmp/body" <<'EOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    depth = 0; text = []
    def handle_starttag(self, tag, attrs):
        if self.depth: self.depth += 1
        elif dict(attrs).get("id") == sys.argv[1]: self.depth = 1
    def handle_endtag(self, tag):
        if self.depth: self.depth -= 1
    def handle_data(self, d):
        if self.depth: self.text.append(d)
p = P(); p.feed(open(sys.argv[2], encoding="utf-8").read()); print("".join(p.text).strip())
EOF
}
# The claims of a compact JWT, as JSON (decoded only, to show them: the servers verify).
jwt_claims() { "$py" -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.dumps(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))), sort_keys=True))' "$1"; }
query_param() { "$py" -c '
import sys, urllib.parse
print(urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query).get(sys.argv[2], [""])[0])' "$1" "$2"; }

section "Starting the servers"
store_args=()
stores_said="API keys, nonces and revoked tokens in memory"
if $real_stores; then
    temp_postgres || exit 1
    temp_redis || exit 1
    store_args=(--db "$pg_conninfo" --redis "unix:$redis_socket")
    stores_said="API keys in PostgreSQL, nonces and revoked tokens in Redis"
fi
# demo_api's secrets: the API key pepper, the access tokens' signing key (a private JWK) and the ID
# Site application key (id and secret), one file each in its --state-dir, mode 0600. On a first
# run (none of the four there) the apiauth CLI makes them, as an operator would; without the CLI,
# demo_api makes the missing ones itself at start (and says so on stderr).
state=$tmp/state
token_alg=ES256
secret_files=(pepper-1.hex "access-token-$token_alg.jwk" id-site-key-id id-site-secret)
first_run=true
for f in "${secret_files[@]}"; do [ -e "$state/$f" ] && first_run=false; done
made_by_cli=false
if $first_run && [ -n "$cli" ]; then
    [ -d "$state" ] || mkdir -m 700 "$state"
    say "Their secrets, generated with the apiauth CLI into a temporary directory (mode 0600, never printed):"
    # cli_secret FILE WHAT <apiauth arguments…>: one file made by the CLI, and one line saying so.
    cli_secret() {
        local file=$1 what=$2
        shift 2
        if "$cli" "$@" --out "$state/$file" >>"$tmp/cli-secrets.log" 2>&1; then
            say "   generated with the apiauth CLI: $file  ($what: apiauth $*)"
        else
            bad "apiauth $* --out $state/$file failed: $(tail -1 "$tmp/cli-secrets.log")"
        fi
    }
    cli_secret pepper-1.hex "the API key pepper" secret generate --bytes 32 --encoding hex
    cli_secret "access-token-$token_alg.jwk" "the access tokens' signing key" \
        jwk generate --alg "$token_alg" --kid "demo-$token_alg-$("$cli" secret generate --bytes 12)"
    cli_secret id-site-key-id "the ID Site application key id" secret generate --bytes 12 --prefix demo
    cli_secret id-site-secret "the ID Site application key secret" secret generate --bytes 32
    made_by_cli=true
elif $first_run; then
    say "Their secrets: no apiauth CLI beside demo_api (./dev build makes it, or pass --cli PATH), so demo_api"
    say "generates them itself at its first start, into a temporary directory (mode 0600):"
fi
temp_start demo_api "$demo_api" --state-dir "$state" --port "$api_port" --login-site "$site" \
    --token-alg "$token_alg" "${store_args[@]}" --exit-on-stdin-eof
printf 'demo-password-42\n' >"$tmp/alice.password"
"$login_site" add-user --users "$tmp/users.json" --username alice --password-file "$tmp/alice.password" \
    --name 'Alice Liddell' --email alice@example.com --scrypt-log-n 14 >/dev/null 2>"$tmp/add-user.log" ||
    { cat "$tmp/add-user.log" >&2; exit 1; }
temp_start login_site "$login_site" serve --apps "$tmp/state/login-site-apps.json" --users "$tmp/users.json" \
    --port "$site_port" --exit-on-stdin-eof
say "demo_api   $api    (Boost.Beast; $stores_said)" \
    "login_site $site   (cpp-httplib; the hosted login page, one user: alice)"
if $made_by_cli; then
    check "demo_api read the four files and generated no secret itself" \
        "$(grep -c '^demo_api: generated' "$tmp/demo_api.log")" 0
else
    sed -n 's/^demo_api: \(generated .*\)/   \1 by demo_api/p' "$tmp/demo_api.log"
fi

section "1. A visitor opens the application"
http "$api/"
check "GET / answers 200" "$last_status" 200
check "nobody is signed in" "$(element_text who)" "Not signed in."

section "2. Sign in through the hosted login site (ID Site)"
say "GET /login: the application signs a jwtRequest (HS256 with its API key secret) and redirects:"
http "$api/login"
check "GET /login answers 302" "$last_status" 302
location=$(header Location)
check_has "to the login site's /sso" "$location" "$site/sso?jwtRequest="
show "jwtRequest claims: $(jwt_claims "$(query_param "$location" jwtRequest)")"
if $real_stores; then
    request_jti=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["jti"])' "$(jwt_claims "$(query_param "$location" jwtRequest)")")
    check "its jti is recorded in Redis, with a lifetime" "$("${redis_cli[@]}" ttl "apiauth-demo:nonce:$request_jti" | awk '{print ($1 > 0)}')" 1
fi
check_has "a state cookie binds the login to this browser" "$(headers_all Set-Cookie)" "demo_login_state="

http "$location"
check "the login site verifies it and shows its login page (200)" "$last_status" 200
flow=$(form_value flow)
csrf=$(form_value csrf)
[ -n "$flow" ] && [ -n "$csrf" ] && ok "the form carries a flow id and a CSRF token" || bad "no flow or csrf field in the login page"

http "$location"
check "the same jwtRequest a second time is refused (its jti is single use)" "$last_status" 302
refusal=$(header Location)
check_has "answered to the application's callback as an error assertion" "$refusal" "$api/idsite/callback?jwtResponse="
show "its claims: $(jwt_claims "$(query_param "$refusal" jwtResponse)")"

http "$site/login" --data-urlencode "flow=$flow" --data-urlencode "csrf=$csrf" \
    --data-urlencode username=alice --data-urlencode password=wrong-password
check "a wrong password: 401" "$last_status" 401
show "the page says: $(element_text error)"

http "$site/login" --data-urlencode "flow=$flow" --data-urlencode "csrf=$csrf" \
    --data-urlencode username=alice --data-urlencode password=demo-password-42
check "the right password: 302 back to the application" "$last_status" 302
callback=$(header Location)
check_has "to its registered callback" "$callback" "$api/idsite/callback?jwtResponse="
show "jwtResponse claims: $(jwt_claims "$(query_param "$callback" jwtResponse)")"

http "$callback"
check "the application verifies the jwtResponse, consumes its request id, and starts a session (303)" "$last_status" 303
check_has "in an HttpOnly cookie" "$(headers_all Set-Cookie)" "demo_session="
http "$api/"
check_has "the application shows who is signed in" "$(element_text who)" "Signed in as $site/accounts/"
say "   $(element_text who)"
account=$(element_text account)

# A replay: the same callback URL again. This browser's state cookie was cleared at the callback,
# so here it is sent back as it was, to reach the request-id check; without it, the state check
# refuses first (a callback URL replayed from another browser).
login_state=$(jwt_claims "$(query_param "$callback" jwtResponse)" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["state"])')
error_name() { "$py" -c '
import re, sys
m = re.search(r"data-error=\"([^\"]*)\"", open(sys.argv[1]).read()); print(m.group(1) if m else "")' "$tmp/body"; }
jar=/dev/null http "$callback" -H "Cookie: demo_login_state=$login_state"
check "the same callback URL replayed with the login's state cookie: refused (400)" "$last_status" 400
check "  because its request id was already consumed" "$(error_name)" nonce_replayed
jar=/dev/null http "$callback"
check "replayed from another browser (no state cookie): refused (400)" "$last_status" 400
check "  because its state is not this browser's" "$(error_name)" state_mismatch

section "3. Create an API key (shown once; the server keeps a peppered verifier)"
http "$api/"
home_csrf=$(form_value csrf)
http "$api/account/keys" --data-urlencode "csrf=$home_csrf" --data-urlencode "name=demo laptop"
check "POST /account/keys: 201" "$last_status" 201
client_id=$(element_text client-id)
client_secret=$(element_text client-secret)
say "   client_id     $client_id" "   client_secret ${client_secret:0:6}… (${#client_secret} characters)"
if $real_stores; then
    row=$("${pg_psql[@]}" -c "select owner || '|' || name || '|' || scopes from apiauth_api_keys where key_id = '${client_id##*_}'")
    check "the key is a row in PostgreSQL, owned by the account" "$row" "$account|demo laptop|items:read items:write"
    check "which holds no secret" "$("${pg_psql[@]}" -c "select count(*) from apiauth_api_keys where position('$client_secret' in row_to_json(apiauth_api_keys)::text) > 0")" 0
fi
http "$api/account/keys" --data-urlencode "csrf=forged" --data-urlencode "name=x"
check "the same form with a forged CSRF token: 403" "$last_status" 403

section "4. Exchange the key for an access token (OAuth 2.0 client credentials, RFC 6749 §4.4)"
say '$ curl -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=items:read '"$api/oauth/token"
http "$api/oauth/token" -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=items:read
check "200 with a token response" "$last_status" 200
check "Cache-Control: no-store (RFC 6749 §5.1)" "$(header Cache-Control)" no-store
read_token=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$last_body")
show "$("$py" -c 'import json,sys; j=json.loads(sys.argv[1]); j["access_token"]=j["access_token"][:24]+"…"; print(json.dumps(j))' "$last_body")"
show "access token claims: $(jwt_claims "$read_token")"

http "$api/oauth/token" -u "$client_id:not-the-secret" -d grant_type=client_credentials
check "a wrong secret: 401" "$last_status" 401
check "invalid_client, with the challenge of the scheme the client used" "$(header WWW-Authenticate)" 'Basic realm="demo", charset="UTF-8"'
http "$api/oauth/token" -u "$client_id:$client_secret" -d grant_type=client_credentials --data-urlencode "resource=$api/api"
check "a token for this API, named as its RFC 8707 resource: 200" "$last_status" 200
resource_token=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$last_body")
http "$api/oauth/token" -u "$client_id:$client_secret" -d grant_type=client_credentials --data-urlencode "resource=https://payroll.example.com/"
check "a token for another API that trusts this issuer: 400" "$last_status" 400
check "invalid_target (RFC 8707 §2)" "$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["error"])' "$last_body")" invalid_target

section "5. Call the API"
say '$ curl -H "Authorization: Bearer $token" '"$api/api/items"
http "$api/api/items" -H "Authorization: Bearer $read_token"
check "GET /api/items with the token: 200" "$last_status" 200
show "$last_body"
http "$api/api/items" -H "Authorization: Bearer $resource_token"
check "and with the token named for this API (RFC 8707): 200" "$last_status" 200
http "$api/api/items" -u "$client_id:$client_secret"
check "GET /api/items with the key pair over Basic: 200" "$last_status" 200

http "$api/api/items"
check "no credentials: 401" "$last_status" 401
check "with both challenges (RFC 9110 §11.6.1)" "$(headers_all WWW-Authenticate | paste -sd'|')" 'Bearer realm="demo"|Basic realm="demo", charset="UTF-8"'
forged=${read_token%?}
if [ "${read_token: -1}" = A ]; then forged+=Q; else forged+=A; fi
http "$api/api/items" -H "Authorization: Bearer $forged"
check "a token whose signature was altered: 401" "$last_status" 401
check_has "error=\"invalid_token\" (RFC 6750 §3.1)" "$(header WWW-Authenticate)" 'error="invalid_token"'
http "$api/api/items" -H "Authorization: Bearer $read_token" -H 'Content-Type: application/json' -d '{"name":"gamma"}'
check "POST /api/items with a token that has only items:read: 403" "$last_status" 403
check_has "insufficient_scope" "$(header WWW-Authenticate)" 'Bearer realm="demo", error="insufficient_scope"'
check_has "naming the scope needed (RFC 6750 §3.1)" "$(header WWW-Authenticate)" 'scope="items:write"'
show "WWW-Authenticate: $(header WWW-Authenticate)"
http "$api/api/items" -H "Authorization: Bearer $read_token" -H "Authorization: Bearer $read_token"
check "two Authorization lines: 400 (RFC 6750 §2: one method, once)" "$last_status" 400

section "6. Check a token offline with the API's published key (JWKS, RFC 7517)"
say "Another resource server needs no secret to check these tokens: the API publishes the public key."
say '$ curl '"$api/.well-known/jwks.json"
http "$api/.well-known/jwks.json"
check "GET /.well-known/jwks.json: 200" "$last_status" 200
check "Content-Type: application/jwk-set+json (RFC 7517 §8.5.1)" "$(header Content-Type)" application/jwk-set+json
printf '%s' "$last_body" >"$tmp/jwks.json"
show "$last_body"
jwks_kids=$("$py" -c 'import json,sys; print(" ".join(k.get("kid", "") for k in json.load(open(sys.argv[1]))["keys"]))' "$tmp/jwks.json")
jwks_private=$("$py" -c '
import json, sys
print(sorted({m for k in json.load(open(sys.argv[1]))["keys"] for m in k} & {"d", "p", "q", "dp", "dq", "qi", "k"}))' "$tmp/jwks.json")
check "no private member in the set (no d, no k)" "$jwks_private" "[]"
token_kid=$("$py" -c '
import base64, json, sys
h = sys.argv[1].split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4))).get("kid", ""))' "$read_token")
check_has "the access token's kid ($token_kid) is in the set" " $jwks_kids " " ${token_kid:-(none)} "
if [ -n "$cli" ]; then
    say '$ apiauth token verify "$token" --keys jwks.json --iss '"$api"' --aud '"$api/api"' --scope items:read'
    "$cli" token verify "$read_token" --keys "$tmp/jwks.json" --iss "$api" --aud "$api/api" --scope items:read \
        >"$tmp/verify.out" 2>&1
    check "the apiauth CLI verifies the token of step 4 with that JWKS alone (exit 0: accepted)" "$?" 0
    show "$(grep -iE '^(verdict|verified with)' "$tmp/verify.out" | paste -sd';' | sed 's/;/;  /g')"
    "$cli" token verify "$forged" --keys "$tmp/jwks.json" --iss "$api" --aud "$api/api" >/dev/null 2>&1
    check "and refuses the token whose signature was altered (exit 1: rejected)" "$?" 1
else
    say "   (skipped: the apiauth CLI was not found beside demo_api; ./dev build makes it, or pass --cli PATH)"
fi

section "7. The same with Python's requests-oauthlib (an independent OAuth 2.0 client)"
# oauthlib refuses http:// URLs unless told this is a test over loopback (it is).
OAUTHLIB_INSECURE_TRANSPORT=1 "$py" - "$api" "$client_id" "$client_secret" >"$tmp/oauthlib.out" 2>&1 <<'EOF'
import base64, json, sys
from oauthlib.oauth2 import BackendApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session
api, client_id, client_secret = sys.argv[1:4]
session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
token = session.fetch_token(token_url=api + "/oauth/token", auth=HTTPBasicAuth(client_id, client_secret),
                            scope=["items:read", "items:write"])
# RFC 6749 §5.1: no `scope` in the response when it is the one requested; the token's claims say it.
claims = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "=="))
print("token", token["token_type"], token["expires_in"], claims["scope"])
r = session.post(api + "/api/items", json={"name": "from requests-oauthlib"})
print("post", r.status_code, r.json()["created"]["name"])
r = session.get(api + "/api/items")
print("get", r.status_code, len(r.json()["items"]))
EOF
oauthlib=$(cat "$tmp/oauthlib.out")
check_has "fetch_token: a Bearer token with both scopes" "$oauthlib" "token Bearer 3600 items:read items:write"
check_has "POST /api/items: 201" "$oauthlib" "post 201 from requests-oauthlib"
check_has "GET /api/items: 200, three items" "$oauthlib" "get 200 3"
show "$oauthlib"

section "8. Revoke a token (RFC 7009), introspect it (RFC 7662), disable the key"
http "$api/oauth/revoke" -u "$client_id:$client_secret" --data-urlencode "token=$read_token"
check "POST /oauth/revoke: 200" "$last_status" 200
http "$api/api/items" -H "Authorization: Bearer $read_token"
check "the revoked token is refused: 401" "$last_status" 401
if $real_stores; then
    check "its jti is in Redis until it expires" "$("${redis_cli[@]}" --scan --pattern 'apiauth-demo:revoked:*' | wc -l)" 1
fi
http "$api/oauth/introspect" -u "$client_id:$client_secret" --data-urlencode "token=$read_token"
check "introspection says it is not active" "$last_body" '{"active":false}'

http "$api/"
key_id=$("$py" -c '
import re, sys
m = re.search(r"data-key-id=\"([^\"]*)\"", open(sys.argv[1]).read()); print(m.group(1) if m else "")' "$tmp/body")
home_csrf=$(form_value csrf)
http "$api/account/keys/disable" --data-urlencode "csrf=$home_csrf" --data-urlencode "key_id=$key_id"
check "disable the key from the account page (303)" "$last_status" 303
http "$api/oauth/token" -u "$client_id:$client_secret" -d grant_type=client_credentials
check "the disabled key cannot get a token: 401" "$last_status" 401
check_has "invalid_client" "$last_body" '"error":"invalid_client"'
http "$api/api/items" -u "$client_id:$client_secret"
check "nor call the API over Basic: 401" "$last_status" 401
http "$api/api/items" -H "Authorization: Bearer $resource_token"
check "nor use a token it got before, still unexpired: 401" "$last_status" 401
check_has "invalid_token (the key is checked on every request, as Stormpath did)" "$(header WWW-Authenticate)" 'error="invalid_token"'

section "9. Sign out"
# Sign-out is a POST with the session's CSRF token: a GET /logout (a link, an image, a redirect
# from any other site) signs nobody out.
http "$api/logout"
check "GET /logout: 405, it signs nobody out" "$last_status" 405
http "$api/logout" --data-urlencode "csrf=forged"
check "POST /logout with a forged CSRF token: 403" "$last_status" 403
http "$api/"
check_has "still signed in after both" "$(element_text who)" "Signed in as $site/accounts/"
home_csrf=$(form_value csrf)
http "$api/logout" --data-urlencode "csrf=$home_csrf"
check "POST /logout (the page's Sign out button, with its CSRF token): 302 to the login site's /sso/logout" \
    "$last_status" 302
location=$(header Location)
check_has "with a signed logout request" "$location" "$site/sso/logout?jwtRequest="
http "$location"
check "the login site shows its signed-out page (200)" "$last_status" 200
# The page goes on by itself to the callback (a meta refresh, no script), with a link as well.
logout_answer=$("$py" - "$tmp/body" <<'EOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    refresh = link = ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refresh = (a.get("content") or "").partition("url=")[2]
        if tag == "a" and a.get("id") == "continue-link":
            self.link = a.get("href") or ""
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print(p.refresh if p.refresh == p.link else "")
EOF
)
check_has "which goes on to the application's callback with the LOGOUT answer" "$logout_answer" "$api/idsite/callback?jwtResponse="
show "its claims: $(jwt_claims "$(query_param "$logout_answer" jwtResponse)")"
http "$logout_answer"
check "the application accepts it (303)" "$last_status" 303
http "$api/"
check "nobody is signed in any more" "$(element_text who)" "Not signed in."

printf '\n'
if [ "$failures" -eq 0 ]; then
    printf '%s%d steps, all as expected.%s\n' "$bold" "$steps" "$plain"
else
    printf '%s%d of %d steps did not go as expected.%s\n' "$red" "$failures" "$steps" "$plain"
    printf '\n-- demo_api log --\n'; tail -20 "$tmp/demo_api.log"
    printf '\n-- login_site log --\n'; tail -20 "$tmp/login_site.log"
    exit 1
fi
