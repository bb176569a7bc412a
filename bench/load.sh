#!/usr/bin/env bash
# bench/load.sh — load on demo_api (examples/demo_api) with wrk: what protecting a route costs a
# real server, next to the same route unprotected. `./dev load` builds demo_api (release preset)
# and runs this; BENCHMARKS.md records the results.
#
#   usage: bench/load.sh path/to/demo_api [SECONDS_PER_ROUTE (20)] [THREADS (2)] [CONNECTIONS (64)]
#   (each route's seconds are spread over 4 interleaved rounds, below)
#
# demo_api runs on a free loopback port with HS256 access tokens, keys in memory and two threads;
# --bootstrap-key gives an API key without a browser. Four routes, one after the other:
#   open    GET  /api/items/public   the same JSON as /api/items, no authentication
#   open_padded                      the same with an X-Padding field as long as the Bearer one
#   bearer  GET  /api/items          Authorization: Bearer <HS256 access token> (scope items:read)
#   basic   GET  /api/items          Authorization: Basic <API key pair> (a peppered HMAC per request)
#   token   POST /oauth/token        client credentials over Basic: verify the key, sign a token
# Prints requests/s, p50 and p99 latency, the responses that were not 2xx (wrk counts them), and
# each route's throughput as a ratio of the open route's. Exits non-zero if any response was not
# 2xx. wrk and the server share this machine's cores: quote ratios, not absolute numbers.
set -euo pipefail

demo_api=${1:?usage: bench/load.sh path/to/demo_api [seconds] [threads] [connections]}
secs=${2:-20}
threads=${3:-2}
conns=${4:-64}
command -v wrk >/dev/null || { echo "load: wrk is missing (./dev deps installs it)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-load.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

"$demo_api" --state-dir "$tmp/state" --login-site http://127.0.0.1:9 --token-alg HS256 --threads 2 \
    --bootstrap-key "$tmp/key" >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 100); do grep -q '^PORT ' "$tmp/out" && break; sleep 0.1; done
port=$(sed -n 's/^PORT //p' "$tmp/out")
[ -n "$port" ] || { cat "$tmp/log" >&2; exit 1; }
api=http://127.0.0.1:$port

key=$(cat "$tmp/key")
client_id=${key%_*}
client_secret=${key##*_}
basic=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
token=$(curl -sS -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=items:read "$api/oauth/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# The open route again with a header as long as the Bearer one: what the longer request costs
# the client, the kernel and the parser, apart from any authentication.
padding=$(printf '%*s' "${#token}" '' | tr ' ' x)

cat >"$tmp/token.lua" <<EOF
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=items%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
EOF

# Each route answers 200 once before the load, so a misconfiguration is not measured.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/api/items/public")" = 200 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$api/api/items")" = 200 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $basic" "$api/api/items")" = 200 ]

# The machine is shared (a VM whose throughput drifts by tens of percent from one minute to the
# next), so the routes are interleaved: `rounds` rounds, each running every route for
# SECONDS/rounds, and a route's figures are over its rounds: requests/s the mean, p50 and p99
# the median of the rounds' percentiles, non-2xx the sum.
rounds=4
slice=$(( secs / rounds ))
[ "$slice" -ge 1 ] || slice=1
declare -A rps_all p50_all p99_all non2xx
run() {  # run <name> <wrk arguments…>
    local name=$1 out n
    shift
    out=$(wrk -t"$threads" -c"$conns" -d"${slice}s" --latency "$@")
    rps_all[$name]+=" $(sed -n 's/^Requests\/sec: *//p' <<<"$out")"
    p50_all[$name]+=" $(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99_all[$name]+=" $(awk '$1 == "99%" {print $2}' <<<"$out")"
    n=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
    non2xx[$name]=$(( ${non2xx[$name]:-0} + ${n:-0} ))
    local errors
    errors=$(sed -n 's/^ *Socket errors: *//p' <<<"$out")
    [ -z "$errors" ] || echo "   $name: socket errors: $errors" >&2
}
for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds: wrk -t$threads -c$conns -d${slice}s --latency on open, open_padded, bearer, basic, token" >&2
    run open "$api/api/items/public"
    run open_padded -H "X-Padding: $padding" "$api/api/items/public"
    run bearer -H "Authorization: Bearer $token" "$api/api/items"
    run basic -H "Authorization: Basic $basic" "$api/api/items"
    run token -s "$tmp/token.lua" "$api/oauth/token"
done
summary() {  # summary mean|median <values…>: wrk's latencies carry units (us, ms, s)
    python3 - "$@" <<'PY'
import statistics, sys
how, values = sys.argv[1], sys.argv[2:]
def seconds(v):
    for unit, f in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float(v)
if how == "mean":
    print(f"{statistics.mean(float(v) for v in values):.0f}")
else:
    print(f"{statistics.median(seconds(v) for v in values) * 1e3:.2f}ms")
PY
}
declare -A rps p50 p99
for r in open open_padded bearer basic token; do
    # shellcheck disable=SC2086  # the values are words
    rps[$r]=$(summary mean ${rps_all[$r]})
    p50[$r]=$(summary median ${p50_all[$r]})
    p99[$r]=$(summary median ${p99_all[$r]})
done

printf '\n| route | requests/s | p50 | p99 | non-2xx | throughput / open |\n|---|---:|---:|---:|---:|---:|\n'
status=0
for r in open open_padded bearer basic token; do
    ratio=$(python3 -c "print(f'{float(\"${rps[$r]}\") / float(\"${rps[open]}\"):.2f}')")
    printf '| %s | %s | %s | %s | %s | %s× |\n' "$r" "${rps[$r]}" "${p50[$r]}" "${p99[$r]}" "${non2xx[$r]}" "$ratio"
    [ "${non2xx[$r]}" = 0 ] || status=1
done
exit $status
