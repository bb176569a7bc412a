#!/usr/bin/env bash
# examples/demo.sh — a short walk through what apiauth makes of Authorization and
# WWW-Authenticate values, of JWTs and API keys, of an OAuth 2.0 exchange of an API key for an
# access token, and of an ID Site hosted login, using the `apiauth` command-line tool.
#
#   usage: examples/demo.sh path/to/apiauth      (`./dev demo` builds the tool and runs this)
#
# Every example says whether the input must be accepted or rejected; the script checks the
# tool's exit status for each (0 accepted, 1 rejected; anything else is a failure) and exits
# non-zero if any example misbehaves.
set -uo pipefail

cli=${1:?usage: examples/demo.sh path/to/apiauth}
if [ ! -x "$cli" ]; then
    echo "demo: $cli is not an executable (build it first: ./dev build)" >&2
    exit 2
fi

examples=0
failures=0

if [ -t 1 ]; then bold=$'\033[1m' red=$'\033[31m' plain=$'\033[0m'; else bold='' red='' plain=''; fi

section() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
say() { printf '\n'; printf '%s\n' "$@"; }  # one line per argument

# One argument as it could be typed again: bare if it is safe, $'…' if it holds a control
# character, else in single quotes.
shell_word() {
    local q=\' s=$1
    if [[ $s =~ ^[A-Za-z0-9_./=:@%+-]+$ ]]; then
        printf '%s' "$s"
    elif [[ $s =~ [[:cntrl:]] ]]; then
        printf '%q' "$s"
    else
        printf "'%s'" "${s//$q/$q\\$q$q}"
    fi
}

# The command line; an argument too long to read is abbreviated.
show_command() {
    local line='$ apiauth' arg
    for arg in "$@"; do
        if [ ${#arg} -gt 200 ]; then
            line+=" $(shell_word "${arg:0:24}")…[${#arg} octets]"
        else
            line+=" $(shell_word "$arg")"
        fi
    done
    printf '%s\n' "$line"
}

# expect accept|reject <apiauth arguments…>: run the tool, show what it says, check its verdict.
expect() {
    local want=$1 status
    shift
    examples=$((examples + 1))
    echo
    show_command "$@"
    "$cli" "$@" 2>&1 | sed 's/^./    &/'
    status=${PIPESTATUS[0]}
    case "$want:$status" in
        accept:0 | reject:1) ;;
        *)
            failures=$((failures + 1))
            printf '%sdemo: UNEXPECTED: this example should be %sed, but apiauth exited with status %d%s\n' \
                "$red" "$want" "$status" "$plain"
            ;;
    esac
}

# expect_kept accept|reject FILE <apiauth arguments…>: as expect, and keep what the tool wrote on
# stdout in FILE for the examples that follow (what it wrote on stderr is shown, not kept).
expect_kept() {
    local want=$1 file=$2 status
    shift 2
    examples=$((examples + 1))
    echo
    show_command "$@"
    "$cli" "$@" >"$file" 2>"$file.stderr"
    status=$?
    cat "$file.stderr" "$file" | sed 's/^./    &/'
    case "$want:$status" in
        accept:0 | reject:1) ;;
        *)
            failures=$((failures + 1))
            printf '%sdemo: UNEXPECTED: this example should be %sed, but apiauth exited with status %d%s\n' \
                "$red" "$want" "$status" "$plain"
            ;;
    esac
}

# The line after the line "LABEL:" in FILE (the JSON documents `apiauth jwk` prints).
document_after() { awk -v label="$1:" '$0 == label { getline; print; exit }' "$2"; }

# base64url without padding (RFC 7515 §2) of standard input.
base64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

section "1. Credentials a server accepts"

say "The RFC 7617 example: user-id and password, base64-encoded. The password is never shown, only its length."
expect accept explain authorization 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='

say "A password may contain ':'; the user-pass is split at the first one (user / pa:ss)."
expect accept explain authorization 'Basic dXNlcjpwYTpzcw=='

say "OAuth clients form-encode client_id and client_secret before Basic (RFC 6749 §2.3.1)." \
    "This AppAuth vector decodes to client_id '1PpG/Q 1' ('+' is a space) and a 48-octet secret."
expect accept explain authorization \
    'Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA=='

say "A bearer token shaped like a JWT (RFC 6750 §2.1). Only its first 12 characters are shown."
jwt='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.'
jwt+='SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
expect accept explain authorization "Bearer $jwt"

section "2. Credentials a server refuses, and what it answers"

say "'user' has no colon: no user-pass (RFC 7617 §2)."
expect reject explain authorization 'Basic dXNlcg=='

say "'user:pas' without its '=' padding: strict base64 (RFC 4648 §3.2) requires it."
expect reject explain authorization 'Basic dXNlcjpwYXM'

say "'-' belongs to the base64url alphabet, not to the base64 Basic uses (RFC 4648 §4)."
expect reject explain authorization 'Basic YTo-Pj4='

say "A bearer token is one b64token: a space inside it makes the value malformed."
expect reject explain authorization 'Bearer a b'

say "The scheme alone: no token."
expect reject explain authorization 'Bearer'

say "Schemes match case-insensitively, but 'Basicx' is not 'Basic': both challenges are offered."
expect reject explain authorization 'Basicx dXNlcjpwYXNz'

say "A raw CR (and LF) in the value, as a header-injection attempt would carry (RFC 9110 §5.5)."
expect reject explain authorization $'Bearer mF_9.B5f-4.1JqM\r\nX-Admin: true'

say "A 10000-byte bearer token: the value is refused on its length before it is read (431)."
long_token=$(head -c 10000 /dev/zero | tr '\0' 'A')
expect reject explain authorization "Bearer $long_token"

say "Strict by default, explicit to loosen: 'José' in ISO-8859-1 is not UTF-8 …"
expect reject explain authorization 'Basic Sm9z6Tp4'
say "… unless the server opts in to Latin-1 (RFC 7617 §2.1)."
expect accept explain authorization --latin1 'Basic Sm9z6Tp4'

section "3. Reading WWW-Authenticate (what a client does)"

say "The RFC 9110 §11.6.1 example: two challenges in one line; commas and quotes inside quoted-strings are data."
expect accept explain www-authenticate 'Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\""'

say "The same parameter twice in one challenge is refused (RFC 9110 §11.2)."
expect reject explain www-authenticate 'Basic realm="a", realm="b"'

section "4. Writing challenges (what a server sends)"

expect accept challenge basic --realm example
expect accept challenge bearer --realm example --error invalid_token --description 'The access token expired'
expect accept challenge bearer --realm example --error insufficient_scope --scope 'read write'

say "A '\"' cannot appear in a scope (RFC 6750 §3), and a challenge needs at least one parameter."
expect reject challenge bearer --realm example --scope 'read "all"'
expect reject challenge bearer

say "What the server wrote, read back as a client would: two field lines, two challenges."
basic_header=$("$cli" challenge basic --realm example)
bearer_header=$("$cli" challenge bearer --realm example --error insufficient_scope --scope 'read write')
expect accept explain www-authenticate "$basic_header" "$bearer_header"

section "5. JWT: keys, signed tokens, and what a resource server decides"

# The keys and tokens live in a temporary directory, the working directory of this section.
cli=$(realpath "$cli")
jwt_dir=$(mktemp -d)
trap 'rm -rf "$jwt_dir"' EXIT
cd "$jwt_dir" || exit 2

say "An ES256 signing key (ECDSA on P-256, RFC 7518 §3.4), its id 'demo-es256'. The private JWK is a secret;" \
    "this one only lives in a temporary directory for the demo."
expect_kept accept generated.txt jwk generate --alg ES256 --kid demo-es256
document_after "private JWK" generated.txt >es256.jwk

say "What the authorization server publishes for resource servers: the public JWK Set (RFC 7517 §5); no 'd'."
expect_kept accept public.txt jwk public es256.jwk
document_after "public JWKS" public.txt >jwks.json

say "An access token (typ at+jwt, RFC 9068) for alice, valid for 10 minutes; iat and a random jti are added."
expect_kept accept token.txt jwt sign --key es256.jwk --typ at+jwt --lifetime 600 \
    --claims '{"iss":"https://as.example","sub":"alice","aud":"https://api.example","scope":"read"}'
token=$(<token.txt)

say "The resource server checks it against the JWK Set: signature, typ, issuer, audience, expiry."
expect accept jwt verify "$token" --keys jwks.json --iss https://as.example --aud https://api.example --typ at+jwt

say "The same token at another API: the audience does not match (RFC 7519 §4.1.3), even though the signature does."
expect reject jwt verify "$token" --keys jwks.json --iss https://as.example --aud https://other.example --typ at+jwt

say "The payload rewritten to make alice an admin for 100 years, the signature kept: bad_signature," \
    "decided before any claim is read (a forged expired token would not be reported as expired either)."
IFS=. read -r jwt_header jwt_payload jwt_signature <<<"$token"
forged_payload=$(printf '%s' '{"iss":"https://as.example","sub":"admin","aud":"https://api.example","exp":4102444800}' | base64url)
expect reject jwt verify "$jwt_header.$forged_payload.$jwt_signature" --keys jwks.json --aud https://api.example

say "The same claims as an unsecured JWS ('alg: none', RFC 7519 §6): there is no such algorithm to verify with" \
    "(RFC 8725 §3.2), whatever the keys."
none_header=$(printf '%s' '{"alg":"none","typ":"at+jwt"}' | base64url)
expect reject jwt verify "$none_header.$jwt_payload." --keys jwks.json --aud https://api.example

section "6. API keys: one string, checked before any lookup, stored only as a verifier"

# Still in the temporary directory of section 5. The pepper is the server's secret HMAC key
# (research/api-keys.md §3.3); a real one lives in a secret store, never beside the records.
# It is read from a file (or --pepper-env VAR), never given on the command line, where ps shows it.
"$cli" secret generate --encoding hex --out pepper.hex >/dev/null

say "A new key with the prefix acme_sk: printed once. Only the record (key id, HMAC verifier, dates) is stored."
expect_kept accept generated-key.txt key generate --prefix acme_sk --pepper-file pepper.hex --record-out record.json
api_key=$(awk '$1 == "token" { print $2 }' generated-key.txt)

say "The key presented whole (X-API-Key, or as a bearer credential): one lookup by its public key id, then a" \
    "constant-time comparison of HMAC-SHA-256(pepper, \"apikey-v1:\" ‖ key) with the stored verifier."
expect accept key verify "$api_key" --record record.json --pepper-file pepper.hex --prefix acme_sk

say "The same key split for HTTP Basic (and OAuth client_id / client_secret): id as user-id, secret as password."
expect_kept accept basic-form.txt key basic "$api_key"
basic_authorization=$(awk '$1 == "authorization" { $1 = ""; sub(/^ /, ""); print }' basic-form.txt)
expect accept key verify --authorization "$basic_authorization" --record record.json --pepper-file pepper.hex \
    --prefix acme_sk

say "One character of the secret changed: the CRC-32 checksum catches it, with no store lookup at all (lookups 0)."
tampered_key="${api_key:0:40}$([ "${api_key:40:1}" = A ] && echo B || echo A)${api_key:41}"
expect reject key verify "$tampered_key" --record record.json --pepper-file pepper.hex --prefix acme_sk

say "A key with another prefix (valid checksum, not on this server's allow-list): refused before any lookup too."
expect reject key verify "$api_key" --record record.json --pepper-file pepper.hex --prefix other_sk

section "7. OAuth 2.0: exchange an API key for a token, call a protected route"

# Still in the temporary directory. The API server of this section: the key records, the pepper,
# and an access token signing key; `apiauth authenticate` decides about one raw HTTP request on
# stdin as authenticate_api has the server decide, and prints the response it would send.

# show_request FILE: the request the next command reads on stdin, its credentials abbreviated.
show_request() {
    printf '\n(on stdin: %s)\n' "$1"
    sed -E 's/\r$//; s/^(Authorization: [A-Za-z]+) .*/\1 …/; s/^./    &/' "$1"
}

say "A client's API key allowed the scope 'read', and the API server's ES256 key for access tokens (RFC 9068)."
expect_kept accept client-key.txt key generate --prefix acme_sk --pepper-file pepper.hex --scope read \
    --owner acct-42 --record-out client.json
client_key=$(awk '$1 == "token" { print $2 }' client-key.txt)
client_basic=$("$cli" key basic "$client_key" | awk '$1 == "authorization" { $1 = ""; sub(/^ /, ""); print }')
expect accept jwk generate --alg ES256 --kid demo-at --out at.jwk
server=(authenticate --record client.json --pepper-file pepper.hex --token-key at.jwk --iss https://api.example
    --aud https://api.example)

say "The client exchanges its key for an access token at the token endpoint (RFC 6749 §4.4): client_id and" \
    "client_secret over Basic, grant_type=client_credentials. The answer is 200 with the token, no-store."
printf 'POST /oauth/token HTTP/1.1\r\nHost: api.example\r\nAuthorization: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=client_credentials&scope=read\r\n' \
    "$client_basic" >token-request.http
show_request token-request.http
expect_kept accept token-response.txt "${server[@]}" <token-request.http
access_token=$(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' token-response.txt)

say "The client calls a protected route with the token (RFC 6750 §2.1); the route requires the scope 'read'."
printf 'GET /orders HTTP/1.1\r\nHost: api.example\r\nAuthorization: Bearer %s\r\n\r\n' "$access_token" >orders.http
show_request orders.http
expect accept "${server[@]}" --scope read <orders.http

say "The same call on a route that requires 'write': the token is valid but does not grant it," \
    "403 insufficient_scope with the scope in the challenge (RFC 6750 §3.1)."
expect reject "${server[@]}" --scope read --scope write <orders.http

section "8. ID Site: a hosted login, the application's side and the login site's"

# Still in the temporary directory. One application as both sides know it: its API key id and
# secret (in a file: a secret is never an argument), its href and its callback. Each step is a
# process of its own, as the browser's redirects would be: the request ids live in nonce files.
printf 'goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8\n' >app-secret.txt
app=(--key-id 2EV70AHRTYF0JOA7OEFO3SM29 --secret-file app-secret.txt
    --app-href https://api.example.com/v1/applications/demo)
login_site=("${app[@]}" --callback https://app.example.com/callback --issuer https://login.example.com)
callback=(id-site callback "${app[@]}" --base-url https://login.example.com --issuer https://login.example.com
    --state cart-42 --nonce-file app.nonces)

say "The application sends the browser to the login site with a signed request (jwtRequest); its jti" \
    "is recorded, to be spent once by the answer."
expect_kept accept login-url.txt id-site url "${app[@]}" --base-url https://login.example.com \
    --callback https://app.example.com/callback --state cart-42 --nonce-file app.nonces
login_url=$(<login-url.txt)

say "The login site checks it: the application's key and signature, the registered callback, the time."
expect accept id-site request "${login_site[@]}" "$login_url"

say "alice logs in; the login site answers with a signed response (jwtResponse) sent to the callback."
expect_kept accept callback-url.txt id-site response "${login_site[@]}" --nonce-file site.nonces \
    --account https://api.example.com/v1/accounts/alice "$login_url"
callback_url=$(<callback-url.txt)

say "The application verifies the answer, its state, and spends the request's jti: alice is logged in."
expect accept "${callback[@]}" "$callback_url"

say "The same answer again (a reload, a leaked URL): its request was answered already, nonce_replayed."
expect reject "${callback[@]}" "$callback_url"

echo
if [ "$failures" -ne 0 ]; then
    printf '%sdemo: %d of %d examples did not behave as expected%s\n' "$red" "$failures" "$examples" "$plain"
    exit 1
fi
printf '%sdemo: all %d examples behaved as expected%s\n' "$bold" "$examples" "$plain"
