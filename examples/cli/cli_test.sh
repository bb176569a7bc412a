#!/usr/bin/env bash
# examples/cli/cli_test.sh — the apiauth CLI's contract: every --help, the exit codes
# (0 accepted, 1 rejected, 2 usage, 3 internal), the --json documents and their fields, and key
# files (jwk generate --out, PEM keys and JWKs without "alg" with --alg).
#
#   usage: examples/cli/cli_test.sh path/to/apiauth      (CTest runs it: "apiauth: cli ...")
#
# Needs bash, python3 (to read the JSON) and openssl (to make PEM keys).
set -uo pipefail

cli=${1:?usage: examples/cli/cli_test.sh path/to/apiauth}
cli=$(realpath "$cli")
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
    "key" "key generate" "key verify" "key basic" "key import-stormpath" "help"
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
run 2 key verify --record '{}' --pepper-hex 00
stderr_has "(see: apiauth key verify --help)"

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

pepper=$(openssl rand -hex 32)
run 0 key generate --prefix acme_sk --pepper-hex "$pepper" --scope read --scope write --record-out record.json --json
json_has command verdict token record.key_id record.verifier hint record_file
json_is 'doc["record"]["scopes"] == ["read", "write"]'
api_key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <out.txt)
run 0 key verify "$api_key" --record record.json --pepper-hex "$pepper" --json
json_has command verdict presented lookups key_id hint owner scopes matched_previous rehash
json_is 'doc["lookups"] == 1 and doc["presented"] == "single"'
tampered="${api_key:0:40}$([ "${api_key:40:1}" = A ] && echo B || echo A)${api_key:41}"
run 1 key verify "$tampered" --record record.json --pepper-hex "$pepper" --json
json_has error.name error.message error.http_status
json_is 'doc["lookups"] == 0'
run 0 key basic "$api_key" --json
json_has command verdict client_id authorization
authorization=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["authorization"])' <out.txt)
run 0 key verify --authorization "$authorization" --record record.json --pepper-hex "$pepper" --prefix acme_sk
run 1 key basic not-a-key --json
json_has error.name
run 0 key import-stormpath 5WGV0E7F2QPHNIQO3T2ZGJMOA 'Xd8n1L4sIVBMGrGcCjvqu/3yfOhNzz6jObfhnq2dCxo' \
    --pepper-hex "$pepper" --json
json_has command verdict record.key_id hint

echo
if [ "$failures" -ne 0 ]; then
    printf 'cli_test: %d of %d checks failed\n' "$failures" "$checks"
    exit 1
fi
printf 'cli_test: all %d checks passed\n' "$checks"
