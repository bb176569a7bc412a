#!/usr/bin/env bash
# examples/cli/key_db_test.sh — `apiauth key migrate|create|list|show|disable|enable|delete|rotate|
# rewrap` and `apiauth key verify --db` against a PostgreSQL server this script starts itself:
# every subcommand, every refusal (exit status 1 with the error's name), the usage errors (2), and
# a database that cannot answer (3, within --timeout-ms). After each change the row is read back
# with psql, and the keys are verified through the database.
#
#   usage: examples/cli/key_db_test.sh path/to/apiauth   (CTest: "apiauth: cli key management on PostgreSQL")
#
# The server: initdb and postgres from $APIAUTH_PG_BINDIR (else the newest /usr/lib/postgresql/*/bin,
# Debian's postgresql package), in a fresh mktemp -d directory, listening on a Unix socket there
# only (port 54329, fsync off), as the postgres user when run as root (PostgreSQL refuses to run
# as root). A trap stops it and removes the directory on exit, pass or fail.
#
# Needs bash, python3 (to read the JSON) and openssl (for the peppers).
set -uo pipefail

cli=${1:?usage: examples/cli/key_db_test.sh path/to/apiauth}
cli=$(realpath "$cli")
bindir=${APIAUTH_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/postgres" ]; then
    echo "key_db_test: no PostgreSQL server programs (initdb, postgres) in '${bindir}': install postgresql" >&2
    exit 1
fi
psql_bin=$bindir/psql
[ -x "$psql_bin" ] || psql_bin=psql
unset APIAUTH_DB

work=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-key-db.XXXXXX")
pg=$work/pg  # data directory pg/data, socket pg/.s.PGSQL.54329, logs
port=54329
pgpid=""

# The server's postmaster (a child of this script): SIGCONT in case it was paused, SIGQUIT
# (immediate shutdown: it stops its backends and removes its shared memory), SIGKILL after 10 s.
stop_server() {
    [ -n "$pgpid" ] || return 0
    kill -CONT "$pgpid" 2>/dev/null
    kill -QUIT "$pgpid" 2>/dev/null
    local i
    for i in $(seq 100); do
        kill -0 "$pgpid" 2>/dev/null || break
        [ "$(awk '{print $3}' "/proc/$pgpid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1
    done
    kill -KILL "$pgpid" 2>/dev/null
    wait "$pgpid" 2>/dev/null
    pgpid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

as_postgres=()
mkdir "$pg"
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null; then
        as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    else
        as_postgres=(runuser -u postgres --)
    fi
    chmod 711 "$work"  # the postgres user reaches pg/ through it
    chown postgres:postgres "$pg"
fi

cd "$pg" || exit 1
if ! "${as_postgres[@]}" "$bindir/initdb" -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$pg/initdb.log" 2>&1; then
    echo "key_db_test: initdb failed:" >&2
    tail -20 "$pg/initdb.log" >&2
    exit 1
fi
# exec: the background job is the postmaster itself (setpriv execs too), so that $! is its pid.
(exec "${as_postgres[@]}" "$bindir/postgres" -D "$pg/data" -k "$pg" -c listen_addresses= -p "$port" \
    -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c dynamic_shared_memory_type=mmap \
    >"$pg/postgres.log" 2>&1) &
pgpid=$!
for i in $(seq 300); do
    "$bindir/pg_isready" -q -h "$pg" -p "$port" && break
    if ! kill -0 "$pgpid" 2>/dev/null; then
        echo "key_db_test: postgres exited while starting:" >&2
        tail -20 "$pg/postgres.log" >&2
        exit 1
    fi
    sleep 0.1
done
"$bindir/pg_isready" -q -h "$pg" -p "$port" || { echo "key_db_test: postgres did not start in 30 s" >&2; exit 1; }
cd "$work" || exit 1

db="host=$pg port=$port user=postgres dbname=postgres"
uri="postgresql:///postgres?host=$pg&port=$port&user=postgres"

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
        sed 's/^/    stdout: /' out.txt | head -8
        sed 's/^/    stderr: /' err.txt | head -5
    fi
}

# json_is EXPR: a Python expression about `doc` (the JSON in out.txt) is true.
json_is() {
    checks=$((checks + 1))
    if ! python3 -c 'import json, sys, time; doc = json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' \
        "$1" <out.txt 2>/dev/null; then
        fail "JSON of the last command: not ($1): $(head -c 1500 out.txt)"
    fi
}

# jget EXPR: a Python expression about `doc` (the JSON in out.txt), printed.
jget() { python3 -c 'import json, sys; doc = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <out.txt; }

# stderr_has TEXT / stdout_has TEXT: the last command said TEXT there.
stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" err.txt || fail "stderr lacks '$1': $(head -3 err.txt)"
}
stdout_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" out.txt || fail "stdout lacks '$1': $(head -5 out.txt)"
}

# sql QUERY: one value (or rows of |-separated values) read with psql, as the operator would.
sql() { "$psql_bin" -X -A -t -q -v ON_ERROR_STOP=1 -h "$pg" -p "$port" -U postgres -d postgres -c "$1"; }

# same WHAT GOT WANT: psql read back what the command should have written.
same() {
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$1: '$2', expected '$3'"
}

# The key id of a token <prefix>_<key id>_<secret+checksum>, and its secret part.
key_id_of() { local rest=${1#acme_sk_}; printf '%s' "${rest%%_*}"; }
secret_of() { printf '%s' "${1##*_}"; }

# The peppers in files (--pepper-file, --pepper file:PATH:N) and the environment (--pepper-env):
# never in argv, where ps shows them to every user of the machine.
pepper1=$(openssl rand -hex 32)
pepper2=$(openssl rand -hex 32)
(umask 077 && printf '%s\n' "$pepper1" >pepper-1.hex && printf '%s\n' "$pepper2" >pepper-2.hex)
export APIAUTH_TEST_PEPPER2=$pepper2
p1=(--pepper-file pepper-1.hex)
ring12=(--pepper-env APIAUTH_TEST_PEPPER2 --pepper-version 2 --pepper file:pepper-1.hex:1)

# ---- migrate --------------------------------------------------------------------------------------

# Before the migration the table is missing: the store cannot prepare its statements (3), and the
# message says what to do.
run 3 key list --db "$db" --owner alice
stderr_has "database unavailable"
stderr_has "does not exist: run \`apiauth key migrate\`"
run 0 key migrate --db "$db" --json
json_is 'doc["command"] == "key migrate" and doc["verdict"] == "accepted" and doc["table"] == "apiauth_api_keys"'
json_is 'doc["migration"] == "002"'
run 0 key migrate --db "$db"  # idempotent
stdout_has "001, 002 applied"
same "the resources column (migration 002)" \
    "$(sql "SELECT data_type, is_nullable, column_default FROM information_schema.columns
            WHERE table_name = 'apiauth_api_keys' AND column_name = 'resources'")" "text|NO|''::text"
same "table after migrate" "$(sql "SELECT count(*) FROM pg_indexes WHERE tablename = 'apiauth_api_keys'")" 3
APIAUTH_DB=$uri run 0 key migrate --table other_keys  # the URI form, from the environment
same "other_keys after migrate" "$(sql "SELECT to_regclass('other_keys') IS NOT NULL")" t
run 2 key migrate --db "$db" --table 'Bad-Name'
stderr_has "--table must be a plain identifier"

# ---- create ---------------------------------------------------------------------------------------

now=$(date +%s)
run 0 key create --db "$db" --prefix acme_sk --owner alice --name 'ci deploy' --scope items:read --scope items:write \
    --grant-type client_credentials --lifetime-days 30 "${p1[@]}" --json
json_is 'doc["command"] == "key create" and doc["verdict"] == "accepted" and doc["token"].startswith("acme_sk_")'
json_is 'doc["key"]["owner"] == "alice" and doc["key"]["name"] == "ci deploy" and doc["key"]["status"] == "enabled"'
json_is 'doc["key"]["scopes"] == ["items:read", "items:write"] and doc["key"]["grant_types"] == ["client_credentials"]'
json_is 'doc["key"]["resources"] == []'
json_is 'doc["key"]["pepper_version"] == 1 and not doc["key"]["wrapped"] and doc["key"]["revoked_at"] is None'
json_is 'abs(doc["key"]["expires_at"] - doc["key"]["created_at"] - 30 * 86400) == 0'
json_is 'set(doc["key"]) == {"key_id", "hint", "prefix", "format", "owner", "name", "scopes", "grant_types",
    "resources", "created_at", "not_before", "expires_at", "revoked_at", "previous_valid_until", "pepper_version",
    "wrapped", "status"}'
a1=$(jget 'doc["token"]')
a1_id=$(key_id_of "$a1")
a1_created=$(jget 'doc["key"]["created_at"]')
same "create: key_id in the JSON" "$(jget 'doc["key"]["key_id"]')" "$a1_id"
stderr_has "shown this once"
same "row of a1" "$(sql "SELECT owner, name, scopes, grant_types, pepper_version, wrap_version IS NULL, revoked_at IS NULL,
    expires_at - created_at, created_at >= $now FROM apiauth_api_keys WHERE key_id = '$a1_id'")" \
    "alice|ci deploy|items:read items:write|client_credentials|1|t|t|2592000|t"

# Text: the token once, on the first line (as key generate prints it); the URI form of --db.
# Made in a later second than a1: record times are whole seconds, and keys of the same second are
# listed by key id (random), which would make the oldest-first order checked below a coin toss.
while [ "$(date +%s)" -le "$a1_created" ]; do sleep 0.1; done
run 0 key create --db "$uri" --prefix acme_sk --owner alice "${p1[@]}"
a2=$(head -1 out.txt | awk '$1 == "token" { print $2 }')
a2_id=$(key_id_of "$a2")
checks=$((checks + 1))
[ -n "$a2" ] && [ "$(grep -cF -- "$(secret_of "$a2")" out.txt)" -eq 1 ] || fail "key create (text): the token is not once on line 1"
stdout_has "status       enabled"
stdout_has "expires      never"

# Bob's key, the database from the environment, for two RFC 8707 resources only.
APIAUTH_DB=$db run 0 key create --prefix acme_sk --owner bob --scope items:read "${p1[@]}" --json \
    --resource https://api.example.com/items --resource urn:example:ledger
json_is 'doc["key"]["resources"] == ["https://api.example.com/items", "urn:example:ledger"]'
b1=$(jget 'doc["token"]')
b1_id=$(key_id_of "$b1")
same "row of b1" "$(sql "SELECT resources FROM apiauth_api_keys WHERE key_id = '$b1_id'")" \
    "https://api.example.com/items urn:example:ledger"
run 0 key show "$b1_id" --db "$db"
stdout_has "resources    https://api.example.com/items urn:example:ledger"
same "alice's rows" "$(sql "SELECT count(*) FROM apiauth_api_keys WHERE owner = 'alice'")" 2
same "bob's rows" "$(sql "SELECT count(*) FROM apiauth_api_keys WHERE owner = 'bob'")" 1
# No secret anywhere in the table: only verifiers.
sql "SELECT t::text FROM apiauth_api_keys t" >rows.txt
for t in "$a1" "$a2" "$b1"; do
    checks=$((checks + 1))
    grep -qF -- "$(secret_of "$t")" rows.txt && fail "a token's secret is in the table"
done

# Refused before anything is written: no pepper (2: never a random one for a database), a bad
# prefix (2); a scope the stores cannot keep (1, invalid_configuration).
run 2 key create --db "$db" --prefix acme_sk --owner alice
stderr_has "needs the servers' pepper (--pepper-file FILE or --pepper-env VAR)"
run 2 key create --db "$db" --prefix Acme --owner alice "${p1[@]}"
run 2 key create --db "$db" --prefix acme_sk --owner alice --pepper-hex 00
run 1 key create --db "$db" --prefix acme_sk --owner alice --scope 'two words' "${p1[@]}" --json
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "invalid_configuration"'
run 1 key create --db "$db" --prefix acme_sk --owner alice --resource api.example.com "${p1[@]}" --json  # no scheme
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "invalid_configuration"'
run 1 key create --db "$db" --prefix acme_sk --owner alice --resource 'https://a.example/#x' "${p1[@]}"
stderr_has "not an absolute URI without a fragment"
run 2 key create --prefix acme_sk --owner alice "${p1[@]}"  # no --db, no APIAUTH_DB
stderr_has "no database"
run 2 key create --db 'not a conninfo' --prefix acme_sk --owner alice "${p1[@]}"
stderr_has "not a libpq connection string or URI"
same "rows after the refusals" "$(sql "SELECT count(*) FROM apiauth_api_keys")" 3

# ---- verify --db: the keys verify through the database -------------------------------------------

run 0 key verify "$a1" --db "$db" "${p1[@]}" --json
json_is 'doc["verdict"] == "accepted" and doc["key_id"] == "'"$a1_id"'" and doc["owner"] == "alice" and doc["lookups"] == 1'
run 0 key verify "$a2" --db "$uri" "${p1[@]}"
APIAUTH_DB=$db run 0 key verify "$b1" "${p1[@]}"
run 0 key basic "$b1" --json
b1_basic=$(jget 'doc["authorization"]')
run 0 key verify --authorization "$b1_basic" --db "$db" "${p1[@]}" --json
json_is 'doc["presented"] == "basic" and doc["owner"] == "bob"'
tampered="${a1:0:40}$([ "${a1:40:1}" = A ] && echo B || echo A)${a1:41}"
run 1 key verify "$tampered" --db "$db" "${p1[@]}" --json
json_is 'doc["lookups"] == 0 and doc["error"]["name"] in ("api_key_bad_checksum", "api_key_malformed")'
run 1 key verify "$a1" --db "$db" --pepper-file pepper-2.hex --json  # the wrong pepper
json_is 'doc["error"]["name"] == "api_key_bad_secret" and doc["lookups"] == 1'
run 1 key verify "$a1" --db "$db" "${p1[@]}" --prefix other_sk --json
json_is 'doc["error"]["name"] == "api_key_unknown_prefix"'
run 0 key generate --prefix acme_sk "${p1[@]}" --json  # a key the database does not hold
run 1 key verify "$(jget 'doc["token"]')" --db "$db" "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_not_found"'
run 2 key verify "$a1" "${p1[@]}"  # neither --record nor --db
stderr_has "--record JSON-OR-FILE, or --db"
run 2 key verify "$a1" --record '{}' --db "$db" "${p1[@]}"

# ---- list and show --------------------------------------------------------------------------------

run 0 key list --db "$db" --owner alice
same "list (text): lines" "$(wc -l <out.txt)" 3  # a header and two keys
head -1 out.txt | grep -q '^key_id  *hint  *name  *created  *expires  *status  *scopes$' ||
    fail "key list (text): header $(head -1 out.txt)"
stdout_has "$a1_id"
stdout_has "$a2_id"
grep -q "^$a1_id .*ci deploy.*enabled  *items:read items:write\$" out.txt || fail "key list (text): a1's row: $(cat out.txt)"
run 0 key list --db "$db" --owner alice --json
json_is 'doc["owner"] == "alice" and [k["key_id"] for k in doc["keys"]] == ["'"$a1_id"'", "'"$a2_id"'"]'
json_is 'all(k["status"] == "enabled" and "mac" not in json.dumps(k) and "verifier" not in k for k in doc["keys"])'
for t in "$a1" "$a2"; do  # never a secret, in text or JSON
    checks=$((checks + 1))
    grep -qF -- "$(secret_of "$t")" out.txt && fail "key list: a secret is printed"
done
run 0 key list --db "$db" --owner alice
for t in "$a1" "$a2"; do
    checks=$((checks + 1))
    grep -qF -- "$(secret_of "$t")" out.txt && fail "key list (text): a secret is printed"
done
run 0 key list --db "$db" --owner bob --json
json_is '[k["key_id"] for k in doc["keys"]] == ["'"$b1_id"'"]'
run 0 key list --db "$db" --owner carol
stdout_has 'no keys for owner "carol"'
run 2 key list --db "$db"  # --owner is required

run 0 key show "$a1_id" --db "$db" --json
json_is 'doc["key"]["key_id"] == "'"$a1_id"'" and doc["key"]["owner"] == "alice"'
run 0 key show "$a1_id" --db "$db" --owner alice
stdout_has 'owner        "alice"'
run 1 key show "$a1_id" --db "$db" --owner bob --json
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "key_owner_mismatch"'
run 1 key show "$a1_id" --db "$db" --owner bob
stderr_has "key_owner_mismatch"
run 1 key show 1NoSuchKeyAtAll00 --db "$db"
stderr_has "key_unknown"
run 2 key show --db "$db"  # KEY_ID is required

# ---- disable and enable ---------------------------------------------------------------------------

run 0 key disable "$a1_id" --db "$db" --json
json_is 'doc["key"]["status"] == "disabled" and doc["key"]["revoked_at"] is not None'
same "a1 revoked_at" "$(sql "SELECT revoked_at IS NOT NULL AND revoked_at <= extract(epoch FROM now())::bigint
    FROM apiauth_api_keys WHERE key_id = '$a1_id'")" t
run 1 key verify "$a1" --db "$db" "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_revoked"'
run 0 key disable "$a1_id" --db "$db" --owner alice  # idempotent
run 1 key disable "$a1_id" --db "$db" --owner bob --json
json_is 'doc["error"]["name"] == "key_owner_mismatch"'
run 1 key disable 1NoSuchKeyAtAll00 --db "$db" --json
json_is 'doc["error"]["name"] == "key_unknown"'
run 0 key list --db "$db" --owner alice
grep -q "^$a1_id .* disabled " out.txt || fail "key list: a1 not disabled: $(cat out.txt)"
run 0 key enable "$a1_id" --db "$db" --owner alice --json
json_is 'doc["key"]["status"] == "enabled" and doc["key"]["revoked_at"] is None'
same "a1 revoked_at after enable" "$(sql "SELECT revoked_at IS NULL FROM apiauth_api_keys WHERE key_id = '$a1_id'")" t
run 0 key verify "$a1" --db "$db" "${p1[@]}"
run 1 key enable "$a1_id" --db "$db" --owner bob --json
json_is 'doc["error"]["name"] == "key_owner_mismatch"'
run 1 key enable 1NoSuchKeyAtAll00 --db "$db"
stderr_has "key_unknown"
# Disabled from a time ahead: still verified until then.
later=$(($(date +%s) + 3600))
run 0 key disable "$a2_id" --db "$db" --at "$later" --json
json_is 'doc["key"]["revoked_at"] == '"$later"' and doc["key"]["status"] == "enabled"'
run 0 key verify "$a2" --db "$db" "${p1[@]}"
run 1 key verify "$a2" --db "$db" "${p1[@]}" --now $((later + 1)) --json
json_is 'doc["error"]["name"] == "api_key_revoked"'
run 0 key enable "$a2_id" --db "$db"

# ---- rotate ---------------------------------------------------------------------------------------

# --grace 0: the old key stops now (at the next whole second: record times are whole seconds,
# and the grace is rounded up), the new one works.
run 0 key rotate "$a1_id" --db "$db" --grace 0 "${p1[@]}" --json
json_is 'doc["token"].startswith("acme_sk_") and doc["key"]["owner"] == "alice" and doc["key"]["name"] == "ci deploy"'
json_is 'doc["key"]["scopes"] == ["items:read", "items:write"] and doc["key"]["grant_types"] == ["client_credentials"]'
json_is 'doc["old_key"]["key_id"] == "'"$a1_id"'" and doc["old_key"]["expires_at"] <= time.time() + 1'
json_is 'abs(doc["key"]["expires_at"] - doc["old_key"]["created_at"] - 30 * 86400) <= 2'  # the remaining lifetime
n1=$(jget 'doc["token"]')
n1_id=$(key_id_of "$n1")
a1_end=$(jget 'doc["old_key"]["expires_at"]')
while [ "$(date +%s)" -lt "$a1_end" ]; do sleep 0.1; done
same "a1 after rotate" "$(sql "SELECT expires_at <= extract(epoch FROM now())::bigint FROM apiauth_api_keys WHERE key_id = '$a1_id'")" t
run 0 key show "$a1_id" --db "$db" --json
json_is 'doc["key"]["status"] == "expired"'
same "n1 after rotate" "$(sql "SELECT owner, name, scopes FROM apiauth_api_keys WHERE key_id = '$n1_id'")" \
    "alice|ci deploy|items:read items:write"
run 1 key verify "$a1" --db "$db" "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_expired"'
run 0 key verify "$n1" --db "$db" "${p1[@]}"
run 1 key rotate "$a1_id" --db "$db" --grace 0 "${p1[@]}" --json  # an expired key has nothing to hand on
json_is 'doc["error"]["name"] == "api_key_expired"'

# Text, as the owner, with a grace period: the new token once on line 1; the old one still works.
run 0 key rotate "$a2_id" --db "$db" --owner alice --grace 3600 "${p1[@]}"
n2=$(head -1 out.txt | awk '$1 == "token" { print $2 }')
checks=$((checks + 1))
[ -n "$n2" ] && [ "$(grep -cF -- "$(secret_of "$n2")" out.txt)" -eq 1 ] || fail "key rotate (text): the token is not once on line 1"
stdout_has "old works    until "
stdout_has "(in 60 min)"
run 0 key verify "$a2" --db "$db" "${p1[@]}"
run 0 key verify "$n2" --db "$db" "${p1[@]}"
run 1 key verify "$a2" --db "$db" "${p1[@]}" --now $(($(date +%s) + 3601)) --json
json_is 'doc["error"]["name"] == "api_key_expired"'

# Refusals: another owner's key, an unknown key, a disabled key (rotation never re-enables), no pepper.
run 0 key show "$n2" --db "$db" --json  # the whole key for its id: the secret is not echoed
json_is 'doc["key"]["key_id"] == "'"$(key_id_of "$n2")"'"'
checks=$((checks + 1))
grep -qF -- "$(secret_of "$n2")" out.txt err.txt && fail "key show TOKEN: the secret is printed"
run 1 key rotate "$b1_id" --db "$db" --owner alice --grace 0 "${p1[@]}" --json
json_is 'doc["error"]["name"] == "key_owner_mismatch"'
run 1 key rotate 1NoSuchKeyAtAll00 --db "$db" --grace 0 "${p1[@]}"
stderr_has "key_unknown"
run 0 key disable "$b1_id" --db "$db"
run 1 key rotate "$b1_id" --db "$db" --grace 0 "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_revoked"'
run 0 key enable "$b1_id" --db "$db"
run 2 key rotate "$b1_id" --db "$db" --grace 0
stderr_has "--pepper-file"
run 2 key rotate "$b1_id" --db "$db" "${p1[@]}"  # --grace is required
run 2 key rotate "$b1_id" --db "$db" --grace -1 "${p1[@]}"
same "bob's rows after the refusals" "$(sql "SELECT count(*) FROM apiauth_api_keys WHERE owner = 'bob'")" 1

# ---- delete ---------------------------------------------------------------------------------------

run 1 key delete "$a1_id" --db "$db" --owner bob --json
json_is 'doc["error"]["name"] == "key_owner_mismatch"'
same "a1 kept after a refused delete" "$(sql "SELECT count(*) FROM apiauth_api_keys WHERE key_id = '$a1_id'")" 1
run 0 key delete "$a1_id" --db "$db" --owner alice
stdout_has "deleted"
same "a1 after delete" "$(sql "SELECT count(*) FROM apiauth_api_keys WHERE key_id = '$a1_id'")" 0
run 0 key delete "$a1_id" --db "$db" --json  # again: nothing to delete, not an error
json_is 'doc["verdict"] == "accepted" and doc["deleted"] is False and doc["key_id"] == "'"$a1_id"'"'
run 0 key delete "$a1_id" --db "$db"
stdout_has "no such key (nothing to delete)"
run 1 key verify "$a1" --db "$db" "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_not_found"'
run 1 key show "$a1_id" --db "$db" --json
json_is 'doc["error"]["name"] == "key_unknown"'

# ---- rewrap: the records under pepper 1 wrapped under pepper 2 ------------------------------------

unwrapped="SELECT count(*) FROM apiauth_api_keys WHERE pepper_version <> 2 AND wrap_version IS NULL AND prev_wrap_version IS NULL"
expected=$(sql "$unwrapped")
same "records under pepper 1 before rewrap" "$expected" "$(sql "SELECT count(*) FROM apiauth_api_keys")"
run 2 key rewrap --db "$db"
stderr_has "--pepper-file"
run 2 key rewrap --db "$db" "${ring12[@]}" --batch 0
run 0 key rewrap --db "$db" "${ring12[@]}" --batch 2 --json  # two rounds and a last empty one
json_is 'doc["rewrapped"] == '"$expected"' and doc["pepper_version"] == 2'
same "unwrapped records after rewrap" "$(sql "$unwrapped")" 0
same "wrap versions after rewrap" "$(sql "SELECT DISTINCT wrap_version FROM apiauth_api_keys")" 2
run 0 key rewrap --db "$db" "${ring12[@]}"
stdout_has "rewrapped    0 records"
# Still accepted with the ring of both peppers; refused with either alone (fail closed).
for t in "$a2" "$n1" "$n2" "$b1"; do
    run 0 key verify "$t" --db "$db" "${ring12[@]}" --json
    json_is 'doc["verdict"] == "accepted" and doc["rehash"] is not None'
done
# (A ring without a record's pepper is the server's misconfiguration: 500, exit status 3.)
run 3 key verify "$n1" --db "$db" "${p1[@]}" --json
json_is 'doc["error"]["name"] == "api_key_unknown_pepper"'
run 3 key verify "$n1" --db "$db" --pepper-file pepper-2.hex --pepper-version 2 --json
json_is 'doc["error"]["name"] == "api_key_unknown_pepper"'
# A key made under pepper 2 needs no rewrap.
run 0 key create --db "$db" --prefix acme_sk --owner bob --pepper-file pepper-2.hex --pepper-version 2 --json
json_is 'doc["key"]["pepper_version"] == 2'
b2=$(jget 'doc["token"]')
run 0 key rewrap --db "$db" "${ring12[@]}" --json
json_is 'doc["rewrapped"] == 0'
run 0 key verify "$b2" --db "$db" "${ring12[@]}" --json
json_is 'doc["rehash"] is None'

# ---- --table ---------------------------------------------------------------------------------------

run 0 key create --db "$db" --table other_keys --prefix acme_sk --owner dave "${p1[@]}" --json
d1=$(jget 'doc["token"]')
same "other_keys rows" "$(sql "SELECT owner FROM other_keys")" dave
run 0 key verify "$d1" --db "$db" --table other_keys "${p1[@]}"
run 1 key verify "$d1" --db "$db" "${p1[@]}" --json  # not in the default table
json_is 'doc["error"]["name"] == "api_key_not_found"'
run 0 key list --db "$db" --table other_keys --owner dave --json
json_is 'len(doc["keys"]) == 1'
run 3 key list --db "$db" --table no_such_table --owner dave
stderr_has "the table no_such_table does not exist"

# ---- a database that cannot answer: exit status 3, within --timeout-ms ----------------------------

# ms: milliseconds since the epoch.
ms() { date +%s%3N; }
# within MS: the last command took at most MS milliseconds.
within() {
    checks=$((checks + 1))
    [ "$elapsed" -le "$1" ] || fail "took $elapsed ms, more than $1"
}

run 3 key list --db "host=$work/nowhere port=$port user=postgres" --owner alice --json
json_is 'doc["error"]["name"] == "store_unavailable" and "No such file or directory" in doc["error"]["detail"]'
stderr_has "database unavailable: connection to server on socket"
run 2 key list --db "$db" --owner alice --timeout-ms 0

# A server that hangs (SIGSTOP): no answer within the timeout.
kill -STOP "$pgpid"
start=$(ms)
run 3 key list --db "$db" --owner alice --timeout-ms 1000
elapsed=$(($(ms) - start))
within 4000
checks=$((checks + 1))
[ "$elapsed" -ge 900 ] || fail "a hung server was given up after $elapsed ms, before the 1000 ms timeout"
stderr_has "database unavailable: no answer within 1000 ms"
start=$(ms)
run 3 key verify "$b1" --db "$db" "${p1[@]}" --timeout-ms 1000 --json
elapsed=$(($(ms) - start))
within 4000
json_is 'doc["error"]["name"] == "store_unavailable" and doc["error"]["http_status"] == 503'
kill -CONT "$pgpid"
run 0 key list --db "$db" --owner alice  # back

# A server that is gone (stopped): every command says so at once (the default timeout is 5 s).
stop_server
start=$(ms)
run 3 key list --db "$db" --owner alice
elapsed=$(($(ms) - start))
within 5000
stderr_has "database unavailable"
run 3 key migrate --db "$db"
stderr_has "database unavailable"
run 3 key create --db "$db" --prefix acme_sk --owner alice "${p1[@]}" --json
json_is 'doc["verdict"] == "rejected" and doc["error"]["name"] == "store_unavailable" and "token" not in doc'
run 3 key show "$b1_id" --db "$db"
run 3 key disable "$b1_id" --db "$db"
run 3 key enable "$b1_id" --db "$db"
run 3 key delete "$b1_id" --db "$db"
run 3 key rotate "$b1_id" --db "$db" --grace 0 "${p1[@]}"
run 3 key rewrap --db "$db" "${ring12[@]}"
run 3 key verify "$b1" --db "$db" "${p1[@]}"
stderr_has "database unavailable"

echo
if [ "$failures" -ne 0 ]; then
    printf 'key_db_test: %d of %d checks failed\n' "$failures" "$checks"
    exit 1
fi
printf 'key_db_test: all %d checks passed\n' "$checks"
