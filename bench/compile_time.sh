#!/usr/bin/env bash
# bench/compile_time.sh — what including each public header costs a user's build.
#
#   bench/compile_time.sh [CXX] [RUNS]      (./dev compile-time runs it with g++ and 3 runs)
#
# For each public header (and the umbrella), compiles a translation unit that includes only that
# header, at -O2 -std=c++20 with the flags apiauth's users get, RUNS times, and prints the median
# wall time. Also reports whether the header pulls in nlohmann/json (a verify-only user should not
# pay for it). Output: a Markdown table for BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cxx=${1:-g++}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

headers=$(cd "$root/include" && find apiauth -name '*.hpp' -not -path '*/detail/*' | sort)
# stores/redis.hpp is optional (hiredis, libhiredis-dev): measured only where hiredis is installed.
if ! printf '#include <hiredis/hiredis.h>\n' | "$cxx" -x c++ -E - >/dev/null 2>&1; then
  headers=$(grep -vx 'apiauth/stores/redis.hpp' <<<"$headers")
fi
# stores/postgres.hpp is optional too (libpq, libpq-dev), and its header is in libpq's own directory.
pq_cflags=$(pkg-config --cflags libpq 2>/dev/null || true)
if ! printf '#include <libpq-fe.h>\n' | "$cxx" -x c++ $pq_cflags -E - >/dev/null 2>&1; then
  headers=$(grep -vx 'apiauth/stores/postgres.hpp' <<<"$headers")
fi

printf '| header | median s (%s runs, %s -O2) | pulls nlohmann/json |\n|---|---|---|\n' "$runs" "$("$cxx" -dumpfullversion 2>/dev/null || echo "$cxx")"
for h in $headers; do
  printf '#include <%s>\nint main() {}\n' "$h" >"$work/tu.cpp"
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$cxx" -std=c++20 -O2 -I"$root/include" $pq_cflags -c "$work/tu.cpp" -o "$work/tu.o"
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000000 ))")  # milliseconds
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  "$cxx" -std=c++20 -I"$root/include" $pq_cflags -E "$work/tu.cpp" -o "$work/tu.ii"
  if grep -q '^# [0-9]* ".*nlohmann/json.hpp"' "$work/tu.ii"; then
    nl=yes
  else
    nl=no
  fi
  printf '| `%s` | %d.%02d | %s |\n' "$h" $((ms / 1000)) $(( (ms % 1000) / 10 )) "$nl"
done
