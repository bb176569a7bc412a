#!/usr/bin/env bash
# examples/cli/cli_test.sh — the apiauth CLI's contract: every --help, the exit codes
# (0 accepted, 1 rejected, 2 usage, 3 internal), the --json documents and their fields, key
# files (jwk generate --out, PEM keys and JWKs without "alg" with --alg), access tokens (token
# issue/verify/introspect), raw HTTP requests decided by authenticate, and both sides of the ID Site
# hosted login (id-site url/request/response/callback), one process per step, with nonce files,
# and the client's side of the OpenID Connect code flow (oidc url/callback/token-request/
# token-response/id-token).
#
#   usage: examples/cli/cli_test.sh path/to/apiauth      (CTest runs it: "apiauth: cli ...")
#
# Needs bash, python3 (to read the JSON) and openssl (to make PEM keys).
set -uo pipefail

cli=${1:?usage: examples/cli/cli_test.sh path/to/apiauth}
cli=$(realpath "$cli")
unset APIAUTH_DB  # the database commands' default --db
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL: %s\n' "$*"
}

# run WANT <args…>: run the tool; stdout in out.txt, stderr in err.txt; check the exit status.
run() {
    local want=$1 status
    shift
    checks=$((checks + 1))
    "$cli" "$@" >out.txt 2>err.txt
    status=$?
    if [ "$status" -ne "$want" ]; then
        fail "apiauth $* exited with $status, expected $want"
        sed 's/^/    stdout: /' out.txt | head -5
        sed 's/^/    stderr: /' err.txt | head -5
    fi
}

# json_has FIELD…: out.txt is one JSON object with these members (a.b for nested ones).
json_has() {
    checks=$((checks + 1))
    if ! python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert isinstance(doc, dict), "not an object"
for path in sys.argv[1:]:
    node = doc
    for part in path.split("."):
        assert isinstance(node, dict) and part in node, "no member " + path
        node = node[part]
' "$@" <out.txt 2>json-err.txt; then
        fail "JSON of the last command lacks something ($(tail -1 json-err.txt)): $(head -c 300 out.txt)"
    fi
}

# json_is EXPR: a Python expression about `doc` (the JSON in out.txt) is true.
json_is() {
    checks=$((checks + 1))
    if ! python3 -c 'import json, sys; doc = json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" \
        <out.txt 2>/dev/null; then
        fail "JSON of the last command: not ($1): $(head -c 300 out.txt)"
    fi
}

# stderr_has TEXT: the last command said TEXT on stderr.
stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" err.txt || fail "stderr lacks '$1': $(head -3 err.txt)"
}

# ---- version ---------------------------------------------------------------------------------------
run 0 --version
grep -Eqx 'apiauth [0-9]+\.[0-9]+\.[0-9]+' out.txt || fail "apiauth --version: $(cat out.txt)"

# ---- help ----------------------------------------------------------------------------------------

commands=(
    "" "explain" "explain authorization" "explain www-authenticate"
    "challenge" "challenge basic" "challenge bearer"
    "jwk" "jwk generate" "jwk public" "jwt" "jwt sign" "jwt verify"
    "key" "key generate" "key verify" "key basic" "key import-stormpath"
    "key migrate" "key create" "key list" "key show" "key disable" "key enable" "key delete" "key rotate"
    "key rewrap" "secret" "secret generate"
    "token" "token issue" "token verify" "token introspect" "authenticate"
    "id-site" "id-site url" "id-site callback" "id-site request" "id-site response"
    "oidc" "oidc url" "oidc callback" "oidc token-request" "oidc token-response" "oidc id-token" "help"
)
for c in "${commands[@]}"; do
    # shellcheck disable=SC2086  # the words of the command
    run 0 $c --help
    grep -q '^Usage: apiauth' out.txt || fail "apiauth $c --help: no usage line"
    if [ -n "$c" ]; then
        cp out.txt help-flag.txt
        # shellcheck disable=SC2086
        run 0 help $c
        cmp -s out.txt help-flag.txt || fail "apiauth help $c differs from apiauth $c --help"
    fi
done
run 0 --help
grep -q 'Exit status' out.txt || fail "apiauth --help: no exit status footer"
run 0 help

# ---- usage errors: 2, for every group ----------------------------------------------------------

run 2
run 2 no-such-command
run 2 --no-such-option
run 2 help no-such-command
run 2 explain
run 2 explain authorization
run 2 explain authorization 'Basic a' --no-such-option
run 2 challenge basic
run 2 challenge basic --realm a --realm b
run 2 jwk generate
run 2 jwk generate --alg none
run 2 jwk public
run 2 jwt sign --key missing.jwk
run 2 jwt sign --key missing.jwk --lifetime 0
run 2 jwt verify token
run 2 key
run 2 key no-such-subcommand
run 2 key generate
run 2 key verify --record '{}' --pepper-env NO_SUCH_PEPPER_VARIABLE
stderr_has "(see: apiauth key verify --help)"
# The database commands (key_db_test.sh runs them against a server): usage errors found before
# any connection, with or without PostgreSQL support built in.
printf '%064d\n' 0 >zero-pepper.hex
run 2 key verify acme_sk_x --pepper-file zero-pepper.hex  # neither --record nor --db
run 2 key migrate --no-such-option
run 2 key create --prefix acme_sk --db 'host=/nonexistent'  # --owner is required
run 2 key create --prefix acme_sk --owner alice --db 'host=/nonexistent'  # no pepper: never a random one
checks=$((checks + 1))
grep -qE -- '--pepper-file|without PostgreSQL support' err.txt || fail "key create without a pepper: $(head -2 err.txt)"
run 2 key list --db 'host=/nonexistent'
run 2 key show
run 2 key disable --db 'host=/nonexistent'
run 2 key enable --db 'host=/nonexistent'
run 2 key delete --db 'host=/nonexistent'
run 2 key rotate 1AbCdEfGhIjKlMnOp --db 'host=/nonexistent'  # --grace is required
run 2 key rewrap --db 'host=/nonexistent' --batch 1
run 2 token
run 2 token issue --key missing.jwk --iss a --aud b
run 2 token verify token --keys missing.jwk --iss a --aud b
run 2 token introspect token --keys missing.jwk --aud b
run 2 authenticate --pepper-file zero-pepper.hex
run 2 id-site
run 2 id-site url --key-id a --app-href b --base-url https://login.example --callback https://app.example/cb
stderr_has "--secret-file FILE or --secret-env VAR"
run 2 oidc
run 2 oidc url --client-id a --redirect-uri https://app.example/cb  # neither --provider nor --metadata
stderr_has "exactly one of --provider NAME or --metadata FILE"
run 2 oidc url --provider google --metadata m.json --client-id a --redirect-uri https://app.example/cb
run 2 oidc url --provider nosuch --client-id a --redirect-uri https://app.example/cb
run 2 oidc callback '/cb?code=c&state=s'  # --state is required
run 2 oidc callback '/cb?code=c&state=s' --state s --require-iss  # --require-iss needs --issuer
run 2 oidc token-request --token-endpoint https://as.example/token --client-id a --code c \
    --redirect-uri https://app.example/cb --auth post  # post without a secret
run 2 oidc token-request --token-endpoint https://as.example/token --client-id a --code c \
    --redirect-uri https://app.example/cb --auth digest
run 2 oidc token-request --token-endpoint https://as.example/token --client-id a --code c \
    --redirect-uri https://app.example/cb --client-secret s --client-secret-file f
run 2 oidc token-response
run 2 oidc token-response --status 42 '{}'
run 2 oidc id-token tok --jwks missing.json --issuer https://op.example --client-id a
run 2 oidc id-token tok --jwks missing.json --issuer https://op.example --client-id a --alg NONE

# ---- explain and challenge: --json, exit 1 on a rejected value ----------------------------------

run 0 explain authorization --json 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='
json_has command verdict field_value_octets scheme form.kind basic.user_id basic.password_octets basic.encoding \
    oauth_client.client_id oauth_client.client_secret_octets
json_is 'doc["verdict"] == "accepted" and doc["basic"]["user_id"] == "Aladdin" and "open sesame" not in json.dumps(doc)'

run 0 explain authorization --json 'Bearer mF_9.B5f-4.1JqM'
json_has bearer.token_preview bearer.token_octets bearer.shape

run 1 explain authorization --json 'Basic dXNlcg=='
json_has command verdict error.name error.message error.http_status error.oauth_error www_authenticate
json_is 'doc["verdict"] == "rejected" and doc["error"]["http_status"] == 400 or doc["error"]["http_status"] == 401'

run 1 explain authorization 'Bearer a b'
grep -q 'verdict *rejected' out.txt || fail "text verdict missing"

run 0 explain www-authenticate --json 'Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\""'
json_has command verdict field_lines challenges
json_is 'len(doc["challenges"]) == 2 and doc["challenges"][1]["params"][2]["value"] == "Login to \"apps\""'
run 1 explain www-authenticate --json 'Basic realm="a", realm="b"'
json_has error.name

run 0 challenge basic --json --realm example
json_has command verdict header value
json_is 'doc["value"] == "Basic realm=\"example\", charset=\"UTF-8\""'
run 0 challenge bearer --realm example --error invalid_token --json
json_has value
run 1 challenge bearer --json --scope 'read "all"'
json_has error.name error.message
run 1 challenge bearer

# ---- jwk generate --out, jwt sign, jwt verify ---------------------------------------------------

run 0 jwk generate --alg ES256 --kid t1 --out es256.jwk --json
json_has command verdict alg kid private_jwk_file public_jwk jwks
json_is '"private_jwk" not in doc and "d" not in doc["public_jwk"]'
[ "$(stat -c %a es256.jwk)" = 600 ] || fail "jwk generate --out: mode $(stat -c %a es256.jwk), not 600"
grep -q '"d"' es256.jwk || fail "jwk generate --out: no private member in the file"
run 1 jwk generate --alg ES256 --out es256.jwk
stderr_has "--force"
chmod 644 es256.jwk
run 0 jwk generate --alg ES256 --kid t1 --out es256.jwk --force
[ "$(stat -c %a es256.jwk)" = 600 ] || fail "jwk generate --out --force: mode is not 600"

run 0 jwk public es256.jwk --json
json_has command verdict alg kid public_jwk jwks
python3 -c 'import json, sys; json.dump(json.load(sys.stdin)["jwks"], sys.stdout)' <out.txt >jwks.json

run 0 jwt sign --key es256.jwk --typ at+jwt --lifetime 600 --json \
    --claims '{"iss":"https://as.example","sub":"alice","aud":"https://api.example"}'
json_has command verdict token alg kid typ
token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)

run 0 jwt verify "$token" --keys jwks.json --iss https://as.example --aud https://api.example --typ at+jwt --json
json_has command verdict token_octets keys policy header.alg header.kid header.typ claims.sub signature_valid \
    claims_verified verified_with.alg verified_with.kid
json_is 'doc["claims"]["sub"] == "alice" and doc["verified_with"] == {"alg": "ES256", "kid": "t1"}'

run 1 jwt verify "$token" --keys jwks.json --aud https://other.example --json
json_has error.name error.http_status www_authenticate claims signature_valid
json_is 'doc["error"]["name"] == "wrong_audience" and doc["signature_valid"] and not doc["claims_verified"]'
last=${token: -1}
run 1 jwt verify "${token%?}$([ "$last" = A ] && echo Q || echo A)" --keys jwks.json --aud https://api.example
run 1 jwt verify "$token" --keys es256.jwk  # a private key where a public one belongs

# ---- keys without "alg": PEM files and JWKs, with --alg ------------------------------------------

openssl genpkey -algorithm ed25519 -out ed25519.pem 2>/dev/null || fail "openssl genpkey failed"
openssl pkey -in ed25519.pem -pubout -out ed25519.pub.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out p256.pem 2>/dev/null || fail "openssl ecparam failed"
openssl ec -in p256.pem -pubout -out p256.pub.pem 2>/dev/null

run 2 jwt sign --key ed25519.pem
stderr_has 'has no "alg"'
stderr_has '--alg'
run 0 jwt sign --key ed25519.pem --alg EdDSA --kid ed-1 --claims '{"sub":"bob"}' --lifetime 60 --json
json_is 'doc["alg"] == "EdDSA" and doc["kid"] == "ed-1"'
token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
run 0 jwt verify "$token" --keys ed25519.pub.pem --alg EdDSA --kid ed-1
run 1 jwt verify "$token" --keys ed25519.pub.pem --alg EdDSA --json  # the token names kid ed-1, the key has none
json_is 'doc["error"]["name"] == "unknown_key"'
run 1 jwt verify "$token" --keys ed25519.pem --alg EdDSA  # private PEM: refused for verification
run 1 jwt sign --key ed25519.pem --alg ES256              # the key does not fit the algorithm
run 0 jwk public ed25519.pem --alg EdDSA --kid ed-1 --json
json_is 'doc["public_jwk"]["kty"] == "OKP" and doc["public_jwk"]["kid"] == "ed-1" and "d" not in doc["public_jwk"]'

run 0 jwt sign --key p256.pem --alg ES256 --lifetime 60
token=$(<out.txt)
run 0 jwt verify "$token" --keys p256.pub.pem --alg ES256
run 2 jwk public p256.pem
stderr_has 'has no "alg"'

# A JWK without "alg": an RSA key needs --alg (RS256, PS256, … share it); so does an oct key.
run 0 jwk generate --alg RS256 --out rsa.jwk
python3 -c 'import json; k = json.load(open("rsa.jwk")); del k["alg"]; json.dump(k, open("rsa-noalg.jwk", "w"))'
run 2 jwt sign --key rsa-noalg.jwk
stderr_has 'has no "alg"'
stderr_has 'pass --alg'
run 0 jwt sign --key rsa-noalg.jwk --alg PS256 --lifetime 60 --json
json_is 'doc["alg"] == "PS256"'
token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
run 0 jwk public rsa-noalg.jwk --alg PS256 --json
python3 -c 'import json, sys; k = json.load(sys.stdin)["public_jwk"]; del k["alg"]; json.dump(k, sys.stdout)' \
    <out.txt >rsa-noalg.pub.jwk
run 2 jwt verify "$token" --keys rsa-noalg.pub.jwk
stderr_has 'has no "alg"'
run 0 jwt verify "$token" --keys rsa-noalg.pub.jwk --alg PS256
run 1 jwt sign --key rsa.jwk --alg ES256  # the JWK's own alg disagrees

run 0 jwk generate --alg HS256 --out hs.jwk
python3 -c 'import json; k = json.load(open("hs.jwk")); del k["alg"]; json.dump(k, open("hs-noalg.jwk", "w"))'
run 2 jwt sign --key hs-noalg.jwk
stderr_has 'has no "alg"'
run 0 jwt sign --key hs-noalg.jwk --alg HS256 --lifetime 60
token=$(<out.txt)
run 0 jwt verify "$token" --keys hs-noalg.jwk --alg HS256
run 1 jwk public hs.jwk --json  # an HMAC key has no public form
json_has error.name

# ---- API keys ------------------------------------------------------------------------------------

# The pepper is read from a file (--pepper-file) or the environment (--pepper-env), never needed
# in argv, where ps shows it to every user; --pepper-hex still works, with a warning.
pepper=$(openssl rand -hex 32)
(umask 077 && printf '%s\n' "$pepper" >server-pepper.hex)
run 0 key generate --prefix acme_sk --pepper-file server-pepper.hex --scope read --scope write --record-out record.json --json
json_has command verdict token record.key_id record.verifier hint record_file
json_is 'doc["record"]["scopes"] == ["read", "write"]'
checks=$((checks + 1))
grep -q warning err.txt && fail "key generate --pepper-file warned: $(cat err.txt)"
checks=$((checks + 1))
[ "$(stat -c %a record.json)" = 600 ] || fail "key generate --record-out: mode $(stat -c %a record.json), not 600"
api_key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
printf '%s\n' "$api_key" >key.txt
run 0 key verify "$api_key" --record record.json --pepper-file server-pepper.hex --json
json_has command verdict presented lookups key_id hint owner scopes matched_previous rehash
json_is 'doc["lookups"] == 1 and doc["presented"] == "single"'
run 0 key verify - --record record.json --pepper-file server-pepper.hex --json <key.txt  # the key from stdin
json_is 'doc["lookups"] == 1 and doc["verdict"] == "accepted"'
APP_PEPPER=$pepper run 0 key verify - --record record.json --pepper-env APP_PEPPER <key.txt
checks=$((checks + 1))
grep -q warning err.txt && fail "key verify --pepper-env warned: $(cat err.txt)"
run 0 key verify "$api_key" --record record.json --pepper-hex "$pepper"  # still accepted, with a warning
stderr_has "warning: --pepper-hex puts the pepper on the command line"
run 2 key verify "$api_key" --record record.json --pepper-file server-pepper.hex --pepper-hex "$pepper"  # one source
run 2 key verify "$api_key" --record record.json --pepper-file no-such-file.hex
run 2 key verify "$api_key" --record record.json --pepper-env NO_SUCH_PEPPER_VARIABLE
run 2 key verify "$api_key" --record record.json  # no pepper at all
stderr_has "--pepper-file"
old_pepper=$(openssl rand -hex 32)
(umask 077 && printf '%s\n' "$old_pepper" >pepper-0.hex)
run 0 key verify - --record record.json --pepper-file server-pepper.hex --pepper file:pepper-0.hex:7 <key.txt
run 2 key verify - --record record.json --pepper-file server-pepper.hex --pepper file:no-such-file.hex:7 <key.txt
tampered="${api_key:0:40}$([ "${api_key:40:1}" = A ] && echo B || echo A)${api_key:41}"
run 1 key verify "$tampered" --record record.json --pepper-file server-pepper.hex --json
json_has error.name error.message error.http_status
json_is 'doc["lookups"] == 0'
run 0 key basic "$api_key" --json
json_has command verdict client_id authorization
authorization=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["authorization"])' <out.txt)
run 0 key basic - --json <key.txt  # the key from stdin: the same answer
checks=$((checks + 1))
[ "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["authorization"])' <out.txt)" = "$authorization" ] ||
    fail "key basic - <key.txt: not the Authorization of key basic KEY"
run 2 key basic - </dev/null  # nothing on stdin
run 0 key verify --authorization "$authorization" --record record.json --pepper-file server-pepper.hex --prefix acme_sk
run 1 key basic not-a-key --json
json_has error.name
stormpath_secret='Xd8n1L4sIVBMGrGcCjvqu/3yfOhNzz6jObfhnq2dCxo'
(umask 077 && printf '%s\n' "$stormpath_secret" >stormpath-secret.txt)
run 0 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA --secret-file stormpath-secret.txt \
    --pepper-file server-pepper.hex --record-out stormpath.json --json
json_has command verdict record.key_id hint
checks=$((checks + 1))
grep -q warning err.txt && fail "key import-stormpath --secret-file warned: $(cat err.txt)"
SP_SECRET=$stormpath_secret run 0 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA --secret-env SP_SECRET \
    --pepper-file server-pepper.hex --json
run 0 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA - --pepper-file server-pepper.hex --json <stormpath-secret.txt
json_has record.key_id
run 0 key verify --stormpath --authorization "Basic $(printf '5WGV0E7F2QPHNIQO3T2ZGJMOA:%s' "$stormpath_secret" |
    base64 -w0)" --record stormpath.json --pepper-file server-pepper.hex
run 0 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA "$stormpath_secret" --pepper-file server-pepper.hex
stderr_has "warning: the Stormpath secret on the command line"
run 2 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA --pepper-file server-pepper.hex  # no secret
run 2 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA - --secret-file stormpath-secret.txt --pepper-file server-pepper.hex

# ---- secret generate: random secrets (peppers, key ids), printed or written mode 0600 ------------

# matches REGEX TEXT WHAT: TEXT is wholly REGEX (an extended regular expression).
matches() {
    checks=$((checks + 1))
    [[ $2 =~ ^($1)$ ]] || fail "$3: '$2' is not ^($1)\$"
}
run 0 secret generate --help
grep -q -- '--encoding' out.txt || fail "secret generate --help: no --encoding"
run 0 secret generate
matches '[A-Za-z0-9_-]{43}' "$(cat out.txt)" "secret generate (32 octets, base64url)"
[ "$(wc -l <out.txt)" = 1 ] || fail "secret generate: not one line"
[ -s err.txt ] && fail "secret generate: said something on stderr: $(head -1 err.txt)"
first=$(<out.txt)
run 0 secret generate
[ "$(<out.txt)" != "$first" ] || fail "secret generate: two runs gave the same secret"
run 0 secret generate --bytes 32 --encoding hex
matches '[0-9a-f]{64}' "$(<out.txt)" "secret generate --encoding hex"
run 0 secret generate --bytes 1024 --encoding hex
matches '[0-9a-f]{2048}' "$(<out.txt)" "secret generate --bytes 1024 --encoding hex"
run 0 secret generate --prefix demo --bytes 12
matches 'demo[A-Za-z0-9_-]{16}' "$(<out.txt)" "secret generate --prefix demo --bytes 12"
run 0 secret generate --json
json_has command verdict octets encoding secret
json_is 'doc["command"] == "secret generate" and doc["verdict"] == "accepted" and len(doc["secret"]) == 43'
json_is 'doc["octets"] == 32 and doc["encoding"] == "base64url" and doc["prefix"] is None'
run 0 secret generate --out pepper.hex --encoding hex --json
json_has command verdict secret_file
json_is '"secret" not in doc and doc["secret_file"] == "pepper.hex"'
[ "$(stat -c %a pepper.hex)" = 600 ] || fail "secret generate --out: mode $(stat -c %a pepper.hex), not 600"
matches '[0-9a-f]{64}' "$(<pepper.hex)" "secret generate --out pepper.hex: the file"
[ "$(wc -l <pepper.hex)" = 1 ] || fail "secret generate --out: the file is not one line"
grep -qF "$(<pepper.hex)" out.txt err.txt && fail "secret generate --out: the secret was printed"
cp pepper.hex pepper.before
run 1 secret generate --out pepper.hex --encoding hex
stderr_has "--force"
cmp -s pepper.hex pepper.before || fail "secret generate --out: an existing file was changed without --force"
run 1 secret generate --out pepper.hex --json
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "file_exists"'
chmod 644 pepper.hex
run 0 secret generate --out pepper.hex --encoding hex --force
[ "$(stat -c %a pepper.hex)" = 600 ] || fail "secret generate --out --force: mode is not 600"
cmp -s pepper.hex pepper.before && fail "secret generate --out --force: the file was not replaced"
# --force writes a new file and renames it over the old one: another link to the old file keeps
# the old text (it is not truncated and rewritten in place), a symbolic link is replaced, not
# followed, and no temporary file is left.
cp pepper.hex pepper.before
ln pepper.hex pepper.hardlink
run 0 secret generate --out pepper.hex --encoding hex --force
checks=$((checks + 1))
cmp -s pepper.hardlink pepper.before || fail "secret generate --out --force: the old file was rewritten in place"
printf 'not yours\n' >victim.txt
ln -s victim.txt linked.hex
run 0 secret generate --out linked.hex --encoding hex --force
checks=$((checks + 1))
[ "$(<victim.txt)" = "not yours" ] && [ ! -L linked.hex ] && [ "$(stat -c %a linked.hex)" = 600 ] ||
    fail "secret generate --out --force over a symbolic link: followed it or kept it"
run 1 secret generate --out victim.txt --encoding hex  # exists, no --force: untouched
checks=$((checks + 1))
[ "$(<victim.txt)" = "not yours" ] || fail "secret generate --out without --force changed an existing file"
checks=$((checks + 1))
ls | grep -q 'XXXXXX\|\.hex\.\|victim\.txt\.' && fail "secret generate left a temporary file: $(ls)"
run 3 secret generate --out no-such-directory/secret
for bad in "--bytes 11" "--bytes 1025" "--bytes x" "--bytes" "--encoding base64" "--encoding HEX" \
    "--prefix a.b" "--prefix a/b" "--prefix ''" "--prefix $(printf 'p%.0s' {1..65})" "no-such-argument"; do
    eval "run 2 secret generate $bad"
    grep -q 'Usage: apiauth secret generate' err.txt || fail "secret generate $bad: no usage line on stderr"
    [ -s out.txt ] && fail "secret generate $bad: printed on stdout: $(head -c 100 out.txt)"
done
run 0 secret generate --prefix "$(printf 'p%.0s' {1..64})" --bytes 12 --encoding hex
matches 'p{64}[0-9a-f]{24}' "$(<out.txt)" "secret generate with a prefix of 64 characters"
run 0 secret generate --prefix "A-z_9"
matches 'A-z_9[A-Za-z0-9_-]{43}' "$(<out.txt)" "secret generate --prefix A-z_9"

# ---- token issue, verify, introspect (RFC 9068 access tokens, RFC 7662) -------------------------

as_iss=https://as.example
api_aud=https://api.example
run 0 jwk generate --alg HS256 --kid at-hs --out at-hs.jwk
run 0 jwk generate --alg ES256 --kid at-es --out at-es.jwk
run 0 jwk public at-es.jwk --json
python3 -c 'import json, sys; json.dump(json.load(sys.stdin)["jwks"], sys.stdout)' <out.txt >at-es-jwks.json
python3 -c 'import json, sys; json.dump(json.load(sys.stdin)["public_jwk"], sys.stdout)' <out.txt >at-es-pub.jwk

# HS256: issue, then verify the round trip (JSON members, claims, header).
run 0 token issue --key at-hs.jwk --iss "$as_iss" --aud "$api_aud" --sub client-7 --scope read --scope write \
    --lifetime 600 --json
json_has command verdict token alg kid typ expires_in scope jti
json_is 'doc["command"] == "token issue" and doc["typ"] == "at+jwt" and doc["alg"] == "HS256" and doc["kid"] == "at-hs"'
json_is 'doc["expires_in"] == 600 and doc["scope"] == "read write"'
at_hs=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
at_hs_jti=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["jti"])' <out.txt)
run 0 token issue --key at-hs.jwk --iss "$as_iss" --aud "$api_aud" --sub client-7
if [ "$(wc -l <out.txt)" -ne 1 ] || ! grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' out.txt; then
    fail "token issue (text): not one compact JWS: $(head -c 200 out.txt)"
fi

run 0 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --scope read --scope write --json
json_has command verdict header.alg header.kid header.typ claims.iss claims.sub claims.aud claims.client_id \
    claims.scope claims.jti claims.iat claims.exp
json_is 'doc["command"] == "token verify" and doc["verdict"] == "accepted"'
json_is 'doc["header"] == {"alg": "HS256", "kid": "at-hs", "typ": "at+jwt"}'
json_is 'doc["claims"]["sub"] == "client-7" and doc["claims"]["client_id"] == "client-7" and doc["claims"]["scope"] == "read write"'
json_is 'doc["claims"]["iss"] == "https://as.example" and doc["claims"]["aud"] == "https://api.example"'
json_is 'doc["claims"]["exp"] - doc["claims"]["iat"] == 600 and "error" not in doc'
run 0 token verify - --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" <<<"$at_hs"  # TOKEN - reads stdin
grep -q 'verdict *accepted' out.txt || fail "token verify - (text): no accepted verdict"

# ES256 made with jwk generate --out: signed with the private JWK, verified with the published JWKS.
run 0 token issue --key at-es.jwk --iss "$as_iss" --aud "$api_aud" --aud https://b.example --sub client-8 \
    --client-id app-8 --scope read --json
json_is 'doc["alg"] == "ES256" and doc["kid"] == "at-es"'
at_es=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
run 0 token verify "$at_es" --keys at-es-jwks.json --iss "$as_iss" --aud https://b.example --json
json_is 'doc["claims"]["aud"] == ["https://api.example", "https://b.example"] and doc["claims"]["client_id"] == "app-8"'
json_is 'doc["verified_with"] == {"alg": "ES256", "kid": "at-es"}'
run 1 token verify "$at_es" --keys at-es.jwk --iss "$as_iss" --aud "$api_aud"  # a private key where a public one belongs
run 1 token issue --key at-es-pub.jwk --iss "$as_iss" --aud "$api_aud" --sub x --json  # a public key cannot sign
json_is 'doc["error"]["name"] == "not_a_signing_key"'
run 1 token issue --key at-hs.jwk --iss "$as_iss" --aud "$api_aud" --sub x --scope 'read write' --json
json_is 'doc["error"]["name"] == "invalid_scope_syntax"'  # one --scope is one scope-token (RFC 6749 §3.3)

# Refusals, answered as a resource server answers them (RFC 6750 §3.1).
run 1 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --scope read --scope admin --json
json_has error.name error.message error.http_status error.oauth_error www_authenticate header claims
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "insufficient_scope"'
json_is 'doc["error"]["http_status"] == 403 and doc["error"]["oauth_error"] == "insufficient_scope"'
json_is 'doc["www_authenticate"][0].startswith("Bearer ") and "error=\"insufficient_scope\"" in doc["www_authenticate"][0] and "scope=\"admin\"" in doc["www_authenticate"][0]'
run 1 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud https://other.example --json
json_is 'doc["error"]["name"] == "wrong_audience" and doc["error"]["http_status"] == 401'
json_is 'doc["error"]["oauth_error"] == "invalid_token" and "error=\"invalid_token\"" in doc["www_authenticate"][0]'
json_is 'doc["signature_valid"] and not doc["claims_verified"]'
run 1 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --now 4102444800 --json
json_is 'doc["error"]["name"] == "token_expired" and doc["error"]["http_status"] == 401'
run 0 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --now "$(($(date +%s) + 620))" \
    --leeway 60  # 20 s past exp, within the leeway
run 1 token verify "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --revoked "$at_hs_jti" --json
json_is 'doc["error"]["name"] == "token_revoked" and doc["error"]["oauth_error"] == "invalid_token"'
run 1 token verify "$at_hs" --keys at-hs.jwk --iss https://evil.example --aud "$api_aud" --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
run 1 token verify "$token" --keys hs-noalg.jwk --alg HS256 --iss "$as_iss" --aud "$api_aud" --json  # typ JWT
json_is 'doc["error"]["name"] == "wrong_token_type"'

# Introspection: the body the library's endpoint writes, byte for byte.
run 0 token introspect "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud"
python3 -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
body = dict(active=True, token_type="Bearer", **{k: c[k] for k in ("aud", "client_id", "exp", "iat", "iss", "jti", "scope", "sub")})
print(json.dumps(body, separators=(",", ":"), sort_keys=True))' "$at_hs" >introspect-want.txt
cmp -s out.txt introspect-want.txt || fail "token introspect (active): $(cat out.txt) is not $(cat introspect-want.txt)"
run 0 token introspect "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --json
json_has command verdict active body introspection token_error
json_is 'doc["active"] and doc["introspection"]["sub"] == "client-7" and doc["token_error"] is None'
run 1 token introspect "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --now 4102444800
printf '{"active":false}\n' >inactive-want.txt
cmp -s out.txt inactive-want.txt || fail "token introspect (expired): $(cat out.txt)"
stderr_has "token_expired"
run 1 token introspect "$at_hs" --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --revoked "$at_hs_jti"
cmp -s out.txt inactive-want.txt || fail "token introspect (revoked): $(cat out.txt)"
run 1 token introspect not-a-token --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" --json
json_is 'doc["body"] == "{\"active\":false}" and doc["token_error"]["name"] == "jws_malformed"'
run 2 token introspect - --keys at-hs.jwk --iss "$as_iss" --aud "$api_aud" </dev/null
stderr_has "no token on stdin"

# ---- authenticate: a raw HTTP request on stdin, decided by authenticate_api --------------------

run 0 key generate --prefix acme_sk --pepper-file server-pepper.hex --scope read --owner acct-1 --record-out client.json --json
client_key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
run 0 key generate --prefix acme_sk --pepper-file server-pepper.hex --record-out other.json --json
other_key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
client_id=${client_key:0:${#client_key}-50}
client_secret=${client_key: -49}
client_basic="Basic $(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)"
wrong_basic="Basic $(printf '%s:%s' "$client_id" "${other_key: -49}" | base64 -w0)"
auth=(authenticate --record client.json --record other.json --pepper-file server-pepper.hex)
auth_tokens=("${auth[@]}" --token-key at-es.jwk --iss "$as_iss" --aud "$api_aud")

# field NAME: the value of the first response field NAME in out.txt (the JSON of authenticate).
field() {
    python3 -c 'import json, sys; print(next((f["value"] for f in json.load(sys.stdin)["response"]["fields"] if f["name"] == sys.argv[1]), ""))' "$1" <out.txt
}

printf 'GET /items HTTP/1.1\r\nHost: api.example\r\nAuthorization: %s\r\n\r\n' "$client_basic" >req-basic.txt
run 0 "${auth[@]}" --json <req-basic.txt
json_has command verdict method identity.method identity.key_id identity.subject identity.scopes response.status \
    response.fields response.body request.method request.path
json_is 'doc["command"] == "authenticate" and doc["method"] == "api_key" and doc["identity"]["subject"] == "acct-1"'
json_is 'doc["identity"]["scopes"] == ["read"] and "error" not in doc'
json_is "'$client_secret' not in json.dumps(doc)"
run 0 "${auth[@]}" --scope read <req-basic.txt
grep -q 'verdict *accepted' out.txt || fail "authenticate (text): no accepted verdict"
grep -qF "$client_secret" out.txt && fail "authenticate (text) printed the client secret"

printf 'GET /items HTTP/1.1\r\nAuthorization: %s\r\n\r\n' "$wrong_basic" >req-wrong.txt
run 1 "${auth[@]}" --json <req-wrong.txt
json_has error.name error.message response.status
json_is 'doc["verdict"] == "rejected" and doc["response"]["status"] == 401 and "identity" not in doc'
[ "$(field WWW-Authenticate)" = 'Basic realm="api", charset="UTF-8"' ] || fail "wrong secret: WWW-Authenticate $(field WWW-Authenticate)"
run 1 "${auth[@]}" <req-wrong.txt
grep -q '^HTTP/1.1 401 Unauthorized' out.txt || fail "authenticate (text): no 401 status line"
grep -q '^WWW-Authenticate: Basic realm=' out.txt || fail "authenticate (text): no Basic challenge"
# The secret's checksum is right but its MAC is not the stored one: the constant-time comparison refuses it.
python3 -c 'import json; c = json.load(open("client.json")); c["verifier"] = json.load(open("other.json"))["verifier"]
json.dump(c, open("client-other-mac.json", "w"))'
run 1 authenticate --record client-other-mac.json --pepper-file server-pepper.hex --json <req-basic.txt
json_is 'doc["error"]["name"] == "api_key_bad_secret" and doc["response"]["status"] == 401'
[ "$(field WWW-Authenticate)" = 'Basic realm="api", charset="UTF-8"' ] || fail "bad secret: WWW-Authenticate $(field WWW-Authenticate)"

# The token endpoint (client credentials, RFC 6749 §4.4), then the token it minted as a Bearer credential.
body='grant_type=client_credentials&scope=read'
printf 'POST /oauth/token HTTP/1.1\r\nHost: api.example\r\nAuthorization: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
    "$client_basic" ${#body} "$body" >req-token.txt
run 0 "${auth_tokens[@]}" --json <req-token.txt
json_is 'doc["method"] == "token_request" and doc["response"]["status"] == 200'
json_is 'set(json.loads(doc["response"]["body"])) >= {"access_token", "token_type", "expires_in"}'
json_is 'json.loads(doc["response"]["body"])["token_type"] == "Bearer" and json.loads(doc["response"]["body"])["expires_in"] == 3600'
[ "$(field Cache-Control)" = no-store ] || fail "token response: Cache-Control $(field Cache-Control)"
bearer=$(python3 -c 'import json, sys; print(json.loads(json.load(sys.stdin)["response"]["body"])["access_token"])' <out.txt)
run 0 token verify "$bearer" --keys at-es-jwks.json --iss "$as_iss" --aud "$api_aud" --scope read --json
json_is 'doc["claims"]["client_id"] == "'"$client_id"'"'
# LF line ends and a body ended by a newline (a here-document), without Content-Length.
printf 'POST /oauth/token HTTP/1.1\nAuthorization: %s\nContent-Type: application/x-www-form-urlencoded\n\n%s\n' \
    "$client_basic" "$body" >req-token-lf.txt
run 0 "${auth_tokens[@]}" <req-token-lf.txt
grep -q '^HTTP/1.1 200 OK' out.txt || fail "authenticate (LF request): no 200 status line"
# A record restricted to one RFC 8707 resource: a token for it, none for the default audience.
python3 -c 'import json; c = json.load(open("client.json")); c["resources"] = ["https://ledger.example/"]
json.dump(c, open("client-ledger.json", "w"))'
ledger_auth=(authenticate --record client-ledger.json --pepper-file server-pepper.hex --token-key at-es.jwk --iss "$as_iss"
    --aud "$api_aud")
run 1 "${ledger_auth[@]}" --json <req-token.txt
json_is 'doc["response"]["status"] == 400 and doc["error"]["name"] == "resource_not_allowed"'
json_is 'json.loads(doc["response"]["body"])["error"] == "invalid_target"'
ledger_body='grant_type=client_credentials&resource=https%3A%2F%2Fledger.example%2F'
printf 'POST /oauth/token HTTP/1.1\r\nAuthorization: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
    "$client_basic" ${#ledger_body} "$ledger_body" >req-token-ledger.txt
run 0 "${ledger_auth[@]}" --json <req-token-ledger.txt
json_is 'doc["response"]["status"] == 200'

printf 'GET /items HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n' "$bearer" >req-bearer.txt
run 0 "${auth_tokens[@]}" --scope read --json <req-bearer.txt
json_is 'doc["method"] == "access_token" and doc["identity"]["scopes"] == ["read"] and doc["identity"]["bearer_method"] == "header"'
json_is 'doc["identity"]["client_id"] == "'"$client_id"'"'
run 1 "${auth_tokens[@]}" --scope read --scope admin --json <req-bearer.txt
json_is 'doc["response"]["status"] == 403 and doc["error"]["name"] == "insufficient_scope"'
field WWW-Authenticate | grep -q '^Bearer realm="api", error="insufficient_scope".*scope="admin"' ||
    fail "insufficient scope: WWW-Authenticate $(field WWW-Authenticate)"
run 1 "${auth[@]}" --json <req-bearer.txt  # no --token-key: no token verifies
json_is 'doc["response"]["status"] == 401 and doc["error"]["name"] == "unknown_key"'
# --check-token-key: the token's API key (its sub) must be among the records and active.
run 0 "${auth_tokens[@]}" --check-token-key --json <req-bearer.txt
json_is 'doc["method"] == "access_token"'
python3 -c 'import json; c = json.load(open("client.json")); c["revoked_at"] = 1000000000
json.dump(c, open("client-disabled.json", "w"))'
disabled_auth=(authenticate --record client-disabled.json --record other.json --pepper-file server-pepper.hex
    --token-key at-es.jwk --iss "$as_iss" --aud "$api_aud")
run 0 "${disabled_auth[@]}" --json <req-bearer.txt  # without the check, the token alone decides
run 1 "${disabled_auth[@]}" --check-token-key --json <req-bearer.txt
json_is 'doc["response"]["status"] == 401 and doc["error"]["name"] == "token_key_revoked"'
field WWW-Authenticate | grep -q '^Bearer realm="api", error="invalid_token"' ||
    fail "disabled key: WWW-Authenticate $(field WWW-Authenticate)"
run 1 authenticate --record other.json --pepper-file server-pepper.hex --token-key at-es.jwk --iss "$as_iss" \
    --aud "$api_aud" --check-token-key --json <req-bearer.txt
json_is 'doc["response"]["status"] == 401 and doc["error"]["name"] == "token_key_unknown"'

printf 'GET /oauth/token HTTP/1.1\r\n\r\n' >req-get-token.txt
run 1 "${auth_tokens[@]}" --json <req-get-token.txt
json_is 'doc["response"]["status"] == 405 and doc["method"] == "token_request"'
[ "$(field Allow)" = POST ] || fail "GET at the token path: Allow $(field Allow)"
printf 'GET /items HTTP/1.1\r\n\r\n' >req-none.txt
run 1 "${auth_tokens[@]}" --realm shop --json <req-none.txt
json_is '[f["value"] for f in doc["response"]["fields"] if f["name"] == "WWW-Authenticate"] == ["Bearer realm=\"shop\"", "Basic realm=\"shop\", charset=\"UTF-8\""]'

# Not an HTTP/1.1 request: usage errors.
printf 'GET /items\r\n\r\n' >req-bad.txt
run 2 "${auth[@]}" <req-bad.txt
stderr_has "not a request line"
printf 'GET /items HTTP/1.1\r\nAuthorization %s\r\n\r\n' "$client_basic" >req-bad.txt
run 2 "${auth[@]}" <req-bad.txt
stderr_has "line 2 is not a field line"
grep -qF "$client_secret" err.txt && fail "authenticate: a malformed line was echoed with its credentials"
head -c 1100000 /dev/zero | tr '\0' 'a' >req-big.txt
run 2 "${auth[@]}" <req-big.txt
stderr_has "longer than"

# ---- id-site: both sides of the hosted login, one process per step -------------------------------

# One application, as both sides know it: its API key (the secret only in a file or the
# environment), its href and its registered callback. The application's request ids live in
# app.nonces between `url` and `callback`; the login site remembers the request ids it saw in
# site.nonces.
printf 'goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8\n' >id-secret.txt
id_key=2EV70AHRTYF0JOA7OEFO3SM29
id_href=https://api.example.com/v1/applications/app-1
id_cb=https://app.example.com/cb
login=https://login.example.com
account=https://api.example.com/v1/accounts/acct-1
id_app=(--key-id "$id_key" --secret-file id-secret.txt --app-href "$id_href")
id_url_to=(id-site url "${id_app[@]}" --base-url "$login" --nonce-file app.nonces)  # + --callback
id_url=("${id_url_to[@]}" --callback "$id_cb")
id_cb_from=(id-site callback "${id_app[@]}" --base-url "$login" --nonce-file app.nonces)  # + --issuer
id_cb_cmd=("${id_cb_from[@]}" --issuer "$login")
id_site=("${id_app[@]}" --callback "$id_cb" --issuer "$login")
id_response=(id-site response "${id_site[@]}" --nonce-file site.nonces)
# jget EXPR: a Python expression about `doc` (the JSON in out.txt), printed.
jget() { python3 -c 'import json, sys; doc = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <out.txt; }

# The round trip: url → request → response → callback accepted → the same callback refused.
run 0 "${id_url[@]}" --state s1 --json
json_has command verdict url jti exp logout nonce_file
json_is 'doc["url"].startswith("https://login.example.com/sso?jwtRequest=ey") and doc["nonce_file"] == "app.nonces"'
req_url=$(jget 'doc["url"]')
req_jti=$(jget 'doc["jti"]')
grep -Eq "^$req_jti [0-9]+ 0\$" app.nonces || fail "id-site url: the jti is not in app.nonces: $(cat app.nonces)"
[ "$(stat -c %a app.nonces)" = 600 ] || fail "id-site url: app.nonces has mode $(stat -c %a app.nonces), not 600"
run 0 id-site request "${id_site[@]}" "$req_url" --json
json_has command verdict application.key_id application.href request.logout request.jti request.cb_uri \
    request.state request.path request.iat request.exp
json_is 'doc["request"]["jti"] == "'"$req_jti"'" and doc["request"]["cb_uri"] == "'"$id_cb"'"'
json_is 'doc["request"]["state"] == "s1" and doc["request"]["logout"] is False and doc["request"]["path"] is None'
run 0 "${id_response[@]}" --account "$account" --new-account --status REGISTERED "$req_url" --json
json_has command verdict url irt status sub isNewSub
json_is 'doc["url"].startswith("https://app.example.com/cb?jwtResponse=ey") and doc["irt"] == "'"$req_jti"'"'
resp_url=$(jget 'doc["url"]')
run 0 "${id_cb_cmd[@]}" --state s1 "$resp_url" --json
json_has command verdict assertion.status assertion.sub assertion.isNewSub assertion.state assertion.irt assertion.iss
json_is 'doc["assertion"]["status"] == "REGISTERED" and doc["assertion"]["sub"] == "'"$account"'"'
json_is 'doc["assertion"]["isNewSub"] is True and doc["assertion"]["state"] == "s1"'
json_is 'doc["assertion"]["irt"] == "'"$req_jti"'" and doc["assertion"]["iss"] == "'"$login"'"'
grep -Eq "^$req_jti [0-9]+ 1\$" app.nonces || fail "id-site callback: the jti is not consumed in app.nonces"
run 1 "${id_cb_cmd[@]}" --state s1 "$resp_url" --json  # the same answer again
json_is 'doc["error"]["name"] == "nonce_replayed" and doc["error"]["http_status"] == 400'

# Text: the URL alone on stdout (for $(…)), the jti on stderr; the target on stdin with -.
run 0 "${id_url[@]}" --state s2
if [ "$(wc -l <out.txt)" -ne 1 ] || ! grep -q '^https://login.example.com/sso?jwtRequest=' out.txt; then
    fail "id-site url (text): not one URL: $(head -c 200 out.txt)"
fi
stderr_has "recorded in app.nonces"
req2_url=$(<out.txt)
run 0 "${id_response[@]}" --account "$account" - <<<"$req2_url"
resp2_url=$(<out.txt)
# A wrong state is refused, and consumes nothing: the right state is accepted afterwards.
run 1 "${id_cb_cmd[@]}" --state other "$resp2_url" --json
json_is 'doc["error"]["name"] == "state_mismatch"'
run 0 "${id_cb_cmd[@]}" --state s2 - <<<"$resp2_url"
grep -q 'verdict *accepted' out.txt || fail "id-site callback (text): no accepted verdict"

# The login site remembers the request: a second sight is refused (11005), and the error
# assertion it sends goes back to the application, which reads the Stormpath code.
run 1 "${id_response[@]}" --account "$account" "$req2_url" --json
json_is 'doc["error"]["name"] == "nonce_replayed" and doc["login_site_error"]["code"] == 11005'
json_is 'doc["url"].startswith("https://app.example.com/cb?jwtResponse=")'
err_url=$(jget 'doc["url"]')
run 1 id-site request "${id_site[@]}" --nonce-file site.nonces "$req2_url" --json
json_is 'doc["error"]["name"] == "nonce_replayed" and doc["refused"]["answerable"] and doc["refused"]["code"] == 11005'
run 1 "${id_cb_cmd[@]}" "$err_url" --json
json_has error.name error.http_status login_site_error.code login_site_error.status login_site_error.message \
    login_site_error.developerMessage
json_is 'doc["error"]["name"] == "id_site_token_reused" and doc["login_site_error"]["code"] == 11005'
json_is '"already used" in doc["login_site_error"]["message"] and doc["login_site_error"]["status"] == 400'
run 1 "${id_cb_cmd[@]}" "$err_url"
grep -q 'code *11005' out.txt || fail "id-site callback (text): no code 11005: $(cat out.txt)"

# The other refusals, each with its precise error.
run 0 "${id_url_to[@]}" --callback https://evil.example/cb --json  # cb_uri not registered at the login site
run 1 id-site request "${id_site[@]}" "$(jget 'doc["url"]')" --json
json_is 'doc["error"]["name"] == "callback_uri_not_allowed" and doc["refused"]["answerable"] is False'
run 0 "${id_url[@]}"
req3_url=$(<out.txt)
run 1 id-site request "${id_site[@]}" "${req3_url%?}$([ "${req3_url: -1}" = A ] && echo Q || echo A)" --json
json_is 'doc["error"]["name"] == "bad_signature"'
run 0 "${id_response[@]}" --account "$account" "$req3_url"
resp3_url=$(<out.txt)
run 1 "${id_cb_cmd[@]}" "${resp3_url%?}$([ "${resp3_url: -1}" = A ] && echo Q || echo A)" --json
json_is 'doc["error"]["name"] == "bad_signature"'
run 1 "${id_cb_from[@]}" --issuer https://other.example "$resp3_url" --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
run 1 id-site callback "${id_app[@]}" --base-url "$login" "$resp3_url" --json  # no --nonce-file
json_is 'doc["error"]["name"] == "nonce_replayed"'
run 0 "${id_cb_cmd[@]}" "$resp3_url"  # every refusal above consumed nothing

# Time, with --now: a request signed 100 s ago is past the login site's 60 s iat window (10011,
# answerable); one 1000 s old is past its exp (answerable, 10011); one from the future is refused
# (answerable, 10012).
now=$(date +%s)
run 0 "${id_url[@]}" --now $((now - 100))
old_url=$(<out.txt)
run 1 id-site request "${id_site[@]}" "$old_url" --json
json_is 'doc["error"]["name"] == "token_expired" and doc["refused"]["code"] == 10011'
run 0 id-site request "${id_site[@]}" "$old_url" --now $((now - 90))
run 1 "${id_response[@]}" --account "$account" "$old_url" --json
json_is 'doc["login_site_error"]["code"] == 10011'
run 1 "${id_cb_cmd[@]}" "$(jget 'doc["url"]')" --json
json_is 'doc["error"]["name"] == "id_site_token_expired" and doc["login_site_error"]["code"] == 10011'
run 0 "${id_url[@]}" --now $((now - 1000))
run 1 id-site request "${id_site[@]}" "$(<out.txt)" --json
json_is 'doc["error"]["name"] == "token_expired" and doc["refused"]["code"] == 10011'
run 0 "${id_url[@]}" --now $((now + 600))
future_url=$(<out.txt)
run 1 id-site request "${id_site[@]}" "$future_url" --json
json_is 'doc["error"]["name"] == "token_issued_in_future" and doc["refused"]["code"] == 10012'
run 0 id-site request "${id_site[@]}" "$future_url" --now $((now + 600))

# Logout, an explicit error code, and the request's options; the secret from the environment.
run 0 "${id_url[@]}" --logout
logout_url=$(<out.txt)
grep -q '^https://login.example.com/sso/logout?jwtRequest=' out.txt || fail "id-site url --logout: $(cat out.txt)"
run 0 "${id_response[@]}" "$logout_url" --json
json_is 'doc["status"] == "LOGOUT" and doc["sub"] is None'
run 0 "${id_cb_cmd[@]}" "$(jget 'doc["url"]')" --json
json_is 'doc["assertion"]["status"] == "LOGOUT" and doc["assertion"]["sub"] is None'
run 0 "${id_url[@]}"
org_url=$(<out.txt)
run 0 "${id_response[@]}" --error 11001 "$org_url" --json
json_is 'doc["login_site_error"]["code"] == 11001'
run 1 "${id_cb_cmd[@]}" "$(jget 'doc["url"]')" --json
json_is 'doc["error"]["name"] == "id_site_organization_not_found" and doc["login_site_error"]["code"] == 11001'
run 0 "${id_url[@]}" --path /#/register --organization acme --show-organization --subdomain --sp-token t0k \
    --require-mfa sms --require-mfa totp
run 0 id-site request "${id_site[@]}" "$(<out.txt)" --json
json_is 'doc["request"]["path"] == "/#/register" and doc["request"]["onk"] == "acme" and doc["request"]["sof"] is True'
json_is 'doc["request"]["usd"] is True and doc["request"]["sp_token"] == "t0k" and doc["request"]["require_mfa"] == ["sms", "totp"]'
ID_SECRET=$(<id-secret.txt) run 0 id-site url --key-id "$id_key" --secret-env ID_SECRET --app-href "$id_href" \
    --base-url "$login" --callback "$id_cb"
run 2 id-site url --key-id "$id_key" --secret-env NO_SUCH_VARIABLE --app-href "$id_href" --base-url "$login" \
    --callback "$id_cb"
stderr_has "is not set"
run 2 id-site url "${id_app[@]}" --secret-env ID_SECRET --base-url "$login" --callback "$id_cb"
printf 'short\n' >short-secret.txt
run 1 id-site url --key-id "$id_key" --secret-file short-secret.txt --app-href "$id_href" --base-url "$login" \
    --callback "$id_cb" --json
json_is 'doc["error"]["name"] == "weak_key"'
run 2 "${id_response[@]}" "$org_url" --status DONE
grep -qF 'goPUHQMk' out.txt err.txt && fail "id-site: the secret was printed"

# The nonce file fails closed: one that cannot be read as one is a store outage (3), never a pass.
printf 'not a nonce file\n' >bad.nonces
run 3 id-site url "${id_app[@]}" --base-url "$login" --callback "$id_cb" --nonce-file bad.nonces
stderr_has "store_unavailable"
run 3 id-site callback "${id_app[@]}" --base-url "$login" --nonce-file bad.nonces "$resp3_url" --json
json_is 'doc["error"]["name"] == "store_unavailable" and "not a nonce file" in doc["error"]["nonce_file"]'

# Concurrent consumers in separate processes: of 8 callbacks racing with one answer, one wins.
run 0 "${id_url[@]}"
run 0 "${id_response[@]}" --account "$account" "$(<out.txt)"
race_url=$(<out.txt)
for i in 1 2 3 4 5 6 7 8; do "$cli" "${id_cb_cmd[@]}" "$race_url" >"race-$i.txt" 2>&1 & done
wait
checks=$((checks + 1))
[ "$(grep -l 'verdict *accepted' race-*.txt | wc -l)" -eq 1 ] ||
    fail "id-site callback race: $(grep -l 'verdict *accepted' race-*.txt | wc -l) of 8 accepted, not 1"

# ---- oidc: the client's side of the code flow, one process per step ------------------------------

# url: the Google preset, its host, PKCE S256, the pending values (a warning on stderr), --json.
run 0 oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google --json
json_has command verdict url pending.state pending.nonce pending.code_verifier code_challenge issuer token_endpoint
stderr_has "secrets: keep them server-side"
json_is 'doc["url"].startswith("https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=app-1&")'
json_is '"code_challenge_method=S256" in doc["url"] and "code_challenge=" + doc["code_challenge"] in doc["url"]'
json_is '"state=" + doc["pending"]["state"] in doc["url"] and "nonce=" + doc["pending"]["nonce"] in doc["url"]'
json_is 'len(doc["pending"]["code_verifier"]) == 43 and doc["pending"]["code_verifier"] not in doc["url"]'
json_is 'doc["issuer"] == "https://accounts.google.com" and "scope=openid+email+profile" in doc["url"]'
run 0 oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google --prompt consent
head -1 out.txt | grep -q '^https://accounts.google.com/.*code_challenge_method=S256.*&prompt=consent' ||
    fail "oidc url (text): first line is not the URL: $(head -c 200 out.txt)"
stderr_has "secrets: keep them server-side"
run 0 oidc url --provider linkedin --client-id app-1 --redirect-uri https://app.example/cb/li --json
json_is 'doc["pending"]["code_verifier"] is None and doc["pending"]["nonce"] is None and "code_challenge" not in doc["url"]'
run 0 oidc url --provider github --client-id app-1 --redirect-uri https://app.example/cb/gh --scope read:user --json
json_is 'doc["url"].startswith("https://github.com/login/oauth/authorize?") and doc["issuer"] is None'
run 1 oidc url --provider google --client-id app-1 --redirect-uri /relative --json
json_is 'doc["error"]["name"] == "invalid_configuration"'
# --max-age and --acr-values: sent, and kept among the pending values for the ID token check.
run 0 oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google \
    --max-age 300 --acr-values 'urn:example:pwd urn:example:mfa' --json
json_is '"&max_age=300&" in doc["url"] and "acr_values=urn%3Aexample%3Apwd+urn%3Aexample%3Amfa" in doc["url"]'
json_is 'doc["pending"]["max_age"] == 300 and doc["pending"]["acr_values"] == "urn:example:pwd urn:example:mfa"'
run 1 oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google \
    --acr-values 'a  b' --json
json_is 'doc["error"]["name"] == "invalid_configuration"'
run 2 oidc url --provider google --client-id app-1 --redirect-uri https://app.example/cb/google --max-age -1
# From a metadata document, checked against the issuer it was fetched for.
cat >op-meta.json <<'JSON'
{"issuer":"https://op.example","authorization_endpoint":"https://op.example/authorize",
 "token_endpoint":"https://op.example/token","jwks_uri":"https://op.example/jwks",
 "response_types_supported":["code"],"subject_types_supported":["public"],
 "id_token_signing_alg_values_supported":["ES256"],"code_challenge_methods_supported":["S256"],
 "token_endpoint_auth_methods_supported":["client_secret_post"],
 "authorization_response_iss_parameter_supported":true}
JSON
run 0 oidc url --metadata op-meta.json --issuer https://op.example --client-id app-1 \
    --redirect-uri https://app.example/cb/op --json
json_is 'doc["url"].startswith("https://op.example/authorize?") and "scope=openid" in doc["url"]'
json_is 'doc["require_iss"] is True and doc["token_auth"] == "post" and doc["token_endpoint"] == "https://op.example/token"'
run 1 oidc url --metadata op-meta.json --issuer https://op.example/ --client-id app-1 \
    --redirect-uri https://app.example/cb/op --json
json_is 'doc["error"]["name"] == "wrong_issuer"'

# callback: accepted with the right state (and iss); refused for another state, another issuer
# (mix-up), a missing iss when required; the provider's own error with its description.
run 0 oidc callback 'https://app.example/cb/op?code=SplxlOBeZQQYbYS6WxSbIA&state=s-1&iss=https%3A%2F%2Fop.example' \
    --state s-1 --issuer https://op.example --require-iss --json
json_has command verdict callback_octets policy.iss code iss
json_is 'doc["code"] == "SplxlOBeZQQYbYS6WxSbIA" and doc["iss"] == "https://op.example"'
run 0 oidc callback --state s-1 - <<<'/cb?state=s-1&code=c%2B1'
grep -q '^code  *c+1$' out.txt || fail "oidc callback (text): no code line: $(cat out.txt)"
run 1 oidc callback '/cb?code=c&state=s-2' --state s-1 --json
json_is 'doc["error"]["name"] == "state_mismatch" and "code" not in doc'
run 1 oidc callback '/cb?code=c&state=s-1&iss=https%3A%2F%2Fevil.example' --state s-1 --issuer https://op.example --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
run 1 oidc callback '/cb?code=c&state=s-1' --state s-1 --issuer https://op.example --require-iss --json
json_is 'doc["error"]["name"] == "missing_parameter"'
run 1 oidc callback '/cb?code=c&state=s-1&state=s-1' --state s-1 --json
json_is 'doc["error"]["name"] == "duplicate_parameter"'
run 1 oidc callback '/cb?error=access_denied&error_description=The+user+said+no&state=s-1' --state s-1 --json
json_is 'doc["error"]["name"] == "provider_error" and doc["provider_error"]["error"] == "access_denied"'
json_is 'doc["provider_error"]["error_description"] == "The user said no"'
run 1 oidc callback '/cb?error=access_denied&error_description=The+user+said+no&state=s-1' --state s-1
grep -q 'access_denied' out.txt && grep -q 'The user said no' out.txt || fail "oidc callback (text): no provider error"
run 1 oidc callback '/cb?error=access_denied&state=other' --state s-1 --json  # state first: no one else's error
json_is 'doc["error"]["name"] == "state_mismatch" and "provider_error" not in doc'

# token-request: Basic with the id and secret form-encoded first (RFC 6749 §2.3.1), then post.
printf 'p@ss w:rd\n' >client-secret.txt
verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
tq=(oidc token-request --token-endpoint https://op.example/token --code 'SplxlOBe+ZQ' --redirect-uri https://app.example/cb/op)
run 0 "${tq[@]}" --client-id 'app:1' --client-secret-file client-secret.txt --code-verifier "$verifier"
stderr_has "carries the client secret"
checks=$((checks + 1))
python3 - <<'PY' || fail "oidc token-request (text): $(cat out.txt)"
import base64, urllib.parse
lines = open("out.txt").read().split("\n")
assert lines[0] == "POST https://op.example/token", lines[0]
auth = [l for l in lines if l.startswith("Authorization: Basic ")]
assert len(auth) == 1, lines
assert base64.b64decode(auth[0].split(" ", 2)[2]).decode() == "app%3A1:p%40ss+w%3Ard"
assert "Content-Type: application/x-www-form-urlencoded" in lines and "Accept: application/json" in lines
body = lines[lines.index("") + 1]
form = urllib.parse.parse_qs(body, strict_parsing=True)
assert form == {"grant_type": ["authorization_code"], "code": ["SplxlOBe+ZQ"],
                "redirect_uri": ["https://app.example/cb/op"],
                "code_verifier": ["dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"]}, form
PY
run 0 "${tq[@]}" --client-id app-1 --client-secret 's3cret' --auth post --json
json_has command verdict method url fields body client_auth
json_is 'doc["client_auth"] == "client_secret_post" and "client_secret=s3cret" in doc["body"] and "client_id=app-1" in doc["body"]'
json_is 'all(f["name"] != "Authorization" for f in doc["fields"])'
run 0 "${tq[@]}" --client-id app-1 --json  # a public client: client_id only, no secret
json_is 'doc["client_auth"] == "none" and "client_secret" not in doc["body"]'
run 1 oidc token-request --token-endpoint http://op.example/token --client-id a --code c \
    --redirect-uri https://app.example/cb --json  # not https
json_is 'doc["error"]["name"] == "invalid_configuration"'
run 1 "${tq[@]}" --client-id app-1 --code-verifier short --json
json_is 'doc["error"]["name"] == "invalid_configuration"'

# token-response: the tokens; the provider's error (even with 200, as GitHub sends it); 5xx.
run 0 oidc token-response '{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"id_token":"x.y.z"}' --json
json_has command verdict status access_token token_type expires_in refresh_token scope id_token
json_is 'doc["access_token"] == "at-1" and doc["expires_in"] == 3600 and doc["id_token"] == "x.y.z"'
run 0 oidc token-response --content-type application/x-www-form-urlencoded - \
    <<<'access_token=gho_1&token_type=bearer&scope=read%3Auser'
grep -q '^access_token  *gho_1$' out.txt || fail "oidc token-response (form): $(cat out.txt)"
run 1 oidc token-response --status 400 '{"error":"invalid_grant","error_description":"Bad code"}' --json
json_is 'doc["error"]["name"] == "provider_error" and doc["provider_error"]["error"] == "invalid_grant"'
json_is 'doc["provider_error"]["error_description"] == "Bad code"'
run 1 oidc token-response '{"error":"bad_verification_code"}'
grep -q 'provider_error' out.txt || fail "oidc token-response (text): no provider_error: $(cat out.txt)"
run 1 oidc token-response --status 503 'busy' --json
json_is 'doc["error"]["name"] == "provider_unavailable"'
run 1 oidc token-response '{"access_token":"a","token_type":"mac"}' --json
json_is 'doc["error"]["name"] == "unsupported_token_type"'

# id-token: a provider key made with jwk generate, an ID token signed with jwt sign.
op=https://op.example
run 0 jwk generate --alg RS256 --kid op-1 --out op.jwk
run 0 jwk public op.jwk --json
python3 -c 'import json, sys; json.dump(json.load(sys.stdin)["jwks"], sys.stdout)' <out.txt >op-jwks.json
now=$(date +%s)
run 0 jwt sign --key op.jwk --lifetime 600 \
    --claims '{"iss":"'"$op"'","sub":"user-42","aud":"app-1","nonce":"n-0S6_WzA2Mj","auth_time":'"$now"'}'
id_token=$(<out.txt)
idt=(oidc id-token --jwks op-jwks.json --issuer "$op" --client-id app-1)
run 0 "${idt[@]}" "$id_token" --nonce n-0S6_WzA2Mj --json
json_has command verdict token_octets policy.iss header.alg header.kid claims.iss claims.sub claims.aud claims.azp \
    claims.nonce claims.auth_time claims.exp claims.iat alg
json_is 'doc["claims"]["sub"] == "user-42" and doc["claims"]["aud"] == ["app-1"] and doc["claims"]["nonce"] == "n-0S6_WzA2Mj"'
json_is 'doc["alg"] == "RS256" and doc["header"]["kid"] == "op-1" and doc["claims"]["azp"] is None'
run 0 "${idt[@]}" "$id_token"
grep -q '^  sub  *"user-42"$' out.txt && grep -q 'verdict *accepted' out.txt || fail "oidc id-token (text): $(cat out.txt)"
run 1 "${idt[@]}" "$id_token" --nonce n-other --json
json_is 'doc["error"]["name"] == "nonce_mismatch"'
run 1 oidc id-token "$id_token" --jwks op-jwks.json --issuer "$op" --client-id app-2 --json
json_is 'doc["error"]["name"] == "wrong_audience"'
run 1 oidc id-token "$id_token" --jwks op-jwks.json --issuer https://evil.example --client-id app-1 --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
run 1 "${idt[@]}" "$id_token" --now $((now + 3600)) --json
json_is 'doc["error"]["name"] == "token_expired"'
run 1 "${idt[@]}" "$id_token" --alg ES256 --json  # RS256 not allowed: no key left for ES256
json_has error.name
run 1 "${idt[@]}" "${id_token%?}$([ "${id_token: -1}" = A ] && echo Q || echo A)" --json
json_is 'doc["error"]["name"] == "bad_signature"'
# Two audiences: the other audience is not one the client trusts.
run 0 jwt sign --key op.jwk --lifetime 600 --claims '{"iss":"'"$op"'","sub":"u","aud":["app-1","other"],"azp":"app-1"}'
run 1 "${idt[@]}" "$(<out.txt)" --json
json_is 'doc["error"]["name"] == "wrong_audience"'
# A JWK Set whose RSA key has no "alg" (oidc::provider_key_set): bound to the one RSA algorithm
# allowed (RS256 by default), a usage error when --alg allows two; a secret (oct) key refuses the set.
python3 -c 'import json; s = json.load(open("op-jwks.json")); [k.pop("alg") for k in s["keys"]]; json.dump(s, open("op-jwks-noalg.json", "w"))'
run 0 oidc id-token "$id_token" --jwks op-jwks-noalg.json --issuer "$op" --client-id app-1
run 0 oidc id-token "$id_token" --jwks op-jwks-noalg.json --issuer "$op" --client-id app-1 --alg RS256 --alg ES256
run 2 oidc id-token "$id_token" --jwks op-jwks-noalg.json --issuer "$op" --client-id app-1 --alg RS256 --alg PS256
stderr_has 'more than one RSA algorithm'
run 1 oidc id-token "$id_token" --jwks op-jwks-noalg.json --issuer "$op" --client-id app-1 --alg PS256 --json
json_is 'doc["error"]["name"] == "unsupported_algorithm"'  # the key is PS256 now; the token says RS256
python3 -c 'import json; s = json.load(open("op-jwks.json")); s["keys"].append({"kty": "oct", "kid": "s", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}); json.dump(s, open("op-jwks-oct.json", "w"))'
run 1 oidc id-token "$id_token" --jwks op-jwks-oct.json --issuer "$op" --client-id app-1 --json
json_is 'doc["error"]["name"] == "invalid_key_set"'
# One JWK without "alg" (not a set): exactly one --alg binds it.
python3 -c 'import json; k = json.load(open("op-jwks-noalg.json"))["keys"][0]; json.dump(k, open("op-noalg.jwk", "w"))'
run 2 oidc id-token "$id_token" --jwks op-noalg.jwk --issuer "$op" --client-id app-1
stderr_has 'exactly one --alg'
run 0 oidc id-token "$id_token" --jwks op-noalg.jwk --issuer "$op" --client-id app-1 --alg RS256
# --additional-issuer: Google's legacy issuer beside the configured one, and nothing else.
run 0 jwt sign --key op.jwk --lifetime 600 --claims '{"iss":"op.example","sub":"u","aud":"app-1"}'
legacy_token=$(<out.txt)
run 1 "${idt[@]}" "$legacy_token" --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
run 0 "${idt[@]}" "$legacy_token" --additional-issuer op.example --json
json_is 'doc["policy"]["additional_issuers"] == ["op.example"] and doc["claims"]["iss"] == "op.example"'
run 1 "${idt[@]}" "$legacy_token" --additional-issuer other.example --json
json_is 'doc["error"]["name"] == "wrong_issuer"'
# --max-age (auth_time, OIDC Core §3.1.3.7 step 13) and --acr-values (acr, step 12).
run 0 jwt sign --key op.jwk --lifetime 600 \
    --claims '{"iss":"'"$op"'","sub":"u","aud":"app-1","auth_time":'"$((now - 120))"',"acr":"urn:example:mfa"}'
acr_token=$(<out.txt)
run 0 "${idt[@]}" "$acr_token" --max-age 300 --acr-values 'urn:example:pwd urn:example:mfa' --json
json_is 'doc["claims"]["acr"] == "urn:example:mfa" and doc["policy"]["max_age"] == 300'
run 1 "${idt[@]}" "$acr_token" --max-age 30 --json
json_is 'doc["error"]["name"] == "auth_time_too_old"'
run 1 "${idt[@]}" "$acr_token" --acr-values urn:example:pwd --json
json_is 'doc["error"]["name"] == "acr_not_satisfied"'
run 1 "${idt[@]}" "$id_token" --acr-values urn:example:mfa --json  # no acr claim at all
json_is 'doc["error"]["name"] == "missing_claim"'
run 2 "${idt[@]}" "$acr_token" --acr-values 'urn:example:mfa  urn:example:pwd'  # two spaces
stderr_has 'single spaces'
# --client-secret: HS256 ID tokens keyed with the client secret, only when --alg HS256 says so.
printf 'a-client-secret-of-at-least-32-octets!\n' >op-client-secret.txt
python3 -c 'import base64, json; k = base64.urlsafe_b64encode(b"a-client-secret-of-at-least-32-octets!").decode().rstrip("="); json.dump({"kty": "oct", "alg": "HS256", "k": k}, open("op-hs.jwk", "w"))'
run 0 jwt sign --key op-hs.jwk --lifetime 600 --claims '{"iss":"'"$op"'","sub":"u","aud":"app-1"}'
hs_token=$(<out.txt)
# The secret is never printed, on either stream, whichever way it came.
no_secret() { checks=$((checks + 1)); ! grep -qF "$1" out.txt err.txt || fail "oidc id-token printed the client secret"; }
run 0 "${idt[@]}" "$hs_token" --alg RS256 --alg HS256 --client-secret-file op-client-secret.txt --json
json_is 'doc["alg"] == "HS256"'
no_secret 'a-client-secret-of-at-least-32'
run 0 "${idt[@]}" "$hs_token" --alg RS256 --alg HS256 --client-secret 'a-client-secret-of-at-least-32-octets!'
no_secret 'a-client-secret-of-at-least-32'
run 1 "${idt[@]}" "$hs_token" --client-secret-file op-client-secret.txt --json  # HS256 not in --alg
json_is 'doc["error"]["name"] == "unsupported_algorithm"'
no_secret 'a-client-secret-of-at-least-32'
run 1 "${idt[@]}" "$hs_token" --alg RS256 --alg HS256 --client-secret 'another-secret-of-at-least-32-octets' --json
json_is 'doc["error"]["name"] == "bad_signature"'
no_secret 'another-secret-of-at-least-32'
# at_hash: the access token that came with the ID token must match it when the token has one.
at_hash=$(printf '%s' 'at-1' | openssl dgst -sha256 -binary | head -c 16 | base64 | tr '+/' '-_' | tr -d '=')
run 0 jwt sign --key op.jwk --lifetime 600 --claims '{"iss":"'"$op"'","sub":"u","aud":"app-1","at_hash":"'"$at_hash"'"}'
at_token=$(<out.txt)
run 0 "${idt[@]}" "$at_token" --access-token at-1
run 1 "${idt[@]}" "$at_token" --access-token at-2 --json
json_is 'doc["error"]["name"] == "at_hash_mismatch"'
grep -qF 'p@ss w:rd' err.txt && fail "oidc: the client secret went to stderr"

echo
if [ "$failures" -ne 0 ]; then
    printf 'cli_test: %d of %d checks failed\n' "$failures" "$checks"
    exit 1
fi
printf 'cli_test: all %d checks passed\n' "$checks"
