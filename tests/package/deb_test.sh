#!/usr/bin/env bash
# tests/package/deb_test.sh [BUILD_DIR] — the Debian package, built and used as a user would.
#
#  1. configures a release build (CMAKE_INSTALL_PREFIX=/usr, examples on, tests off) in
#     BUILD_DIR (default: a temporary directory), builds the one thing it packages that is
#     compiled, the `apiauth` CLI, and runs `cpack -G DEB`;
#  2. checks the .deb: its name, architecture and Depends, and that it holds every public
#     header, the CMake package, apiauth.pc and /usr/bin/apiauth;
#  3. installs it with `dpkg -i` when running as root in CI (CI=true; removed again with
#     `dpkg -r apiauth` on exit, so the machine is left as found); anywhere else it extracts
#     it with `dpkg-deb -x` into a temporary root instead;
#  4. builds tests/consumer/project against the installed or extracted package with
#     find_package(apiauth) and with pkg-config, runs both, and runs `apiauth --help` and
#     `apiauth help` from the package.
# Environment: CXX (default c++), JOBS (default 2), CI.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apiauth-deb.XXXXXX")
build=${1:-$tmp/build}
cxx=${CXX:-c++}
jobs=${JOBS:-2}
installed=""

log() { printf '\033[1m==> deb: %s\033[0m\n' "$*" >&2; }
fail() { printf 'deb_test: FAILED: %s\n' "$*" >&2; exit 1; }

cleanup() {
  if [ -n "$installed" ]; then
    log "dpkg -r apiauth"
    dpkg -r apiauth >/dev/null || printf 'deb_test: could not remove the apiauth package\n' >&2
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in cmake cpack dpkg-deb dpkg-shlibdeps pkg-config "$cxx"; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (./dev deps installs it)"
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# 1. The package. Only the CLI is compiled: `all` is not a dependency of install, so a
# growing examples/ does not make the package slower to build.
log "configure and build the CLI (release) in $build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" "${generator[@]}" >/dev/null \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
    -DAPIAUTH_BUILD_TESTS=OFF -DAPIAUTH_BUILD_EXAMPLES=ON -DAPIAUTH_BUILD_BENCH=OFF -DAPIAUTH_BUILD_FUZZ=OFF
else
  cmake "$build" >/dev/null  # picks up changed CMakeLists.txt and cmake/*.cmake
fi
cmake --build "$build" --target apiauth_cli -j "$jobs"
out=$build/deb
rm -rf "$out"
log "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
debs=("$out"/apiauth_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then fail "expected one apiauth_*.deb in $out, found: ${debs[*]}"; fi
deb=${debs[0]}

# 2. What is in it.
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
depends=$(dpkg-deb -f "$deb" Depends)
header_version=$(sed -n 's/^#define APIAUTH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
  "$src/include/apiauth/version.hpp" | paste -sd.)
[ "$version" = "$header_version" ] || fail "package version $version, version.hpp says $header_version"
[ "$arch" = "$(dpkg --print-architecture)" ] || fail "Architecture: $arch (the CLI is inside: expected $(dpkg --print-architecture))"
[ "$(basename "$deb")" = "apiauth_${version}_${arch}.deb" ] || fail "file name $(basename "$deb")"
# The -dev packages the headers need, and what dpkg-shlibdeps found the CLI needs.
depends_names=$(tr , '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for dep in libssl-dev nlohmann-json3-dev libsimdjson-dev libboost-url1.81-dev libssl3 libstdc++6; do
  grep -qxF "$dep" <<<"$depends_names" || fail "Depends lacks $dep: $depends"
done
log "$(basename "$deb"): Depends: $depends"

contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
expected=(/usr/bin/apiauth /usr/share/pkgconfig/apiauth.pc
          /usr/share/cmake/apiauth/apiauthConfig.cmake /usr/share/cmake/apiauth/apiauthConfigVersion.cmake
          /usr/share/cmake/apiauth/apiauthTargets.cmake)
while IFS= read -r h; do expected+=("/usr/include/${h#"$src/include/"}"); done \
  < <(find "$src/include/apiauth" -name '*.hpp' | sort)
missing=()
for f in "${expected[@]}"; do grep -qxF "$f" <<<"$contents" || missing+=("$f"); done
[ ${#missing[@]} -eq 0 ] || fail "not in the package: ${missing[*]}"
log "contents: ${#expected[@]} expected files present (every header, CMake package, apiauth.pc, /usr/bin/apiauth)"

# 3. Install it, or extract it.
if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ] && ! dpkg-query -W -f='${Status}' apiauth 2>/dev/null | grep -q 'install ok installed'; then
  log "dpkg -i $(basename "$deb") (CI, root)"
  installed=yes
  dpkg -i "$deb" >/dev/null
  sysroot=""
else
  [ "${CI:-}" = true ] && log "not installing into the system (not root, or an apiauth package is already installed)"
  sysroot=$tmp/root
  log "dpkg-deb -x into $sysroot"
  dpkg-deb -x "$deb" "$sysroot"
fi
usr=$sysroot/usr

# 4a. find_package(apiauth CONFIG), from the package's own prefix.
log "consumer via find_package"
cmake -S "$src/tests/consumer/project" -B "$tmp/consumer-cmake" "${generator[@]}" >/dev/null \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$usr"
found=$(sed -n 's/^apiauth_DIR:PATH=//p' "$tmp/consumer-cmake/CMakeCache.txt")
[ "$found" = "$usr/share/cmake/apiauth" ] || fail "find_package found apiauth in '$found', not in the package"
cmake --build "$tmp/consumer-cmake" >/dev/null
"$tmp/consumer-cmake/consumer"

# 4b. pkg-config: Debian's default search path holds <prefix>/share/pkgconfig; an extracted
# package is a sysroot.
log "consumer via pkg-config"
pkg-config --variable pc_path pkg-config | tr : '\n' | grep -qx /usr/share/pkgconfig \
  || fail "pkg-config does not search /usr/share/pkgconfig by default"
pc_env=()
[ -n "$sysroot" ] && pc_env=(PKG_CONFIG_PATH="$usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$sysroot")
pc() { env "${pc_env[@]}" pkg-config "$@"; }
pc_version=$(pc --modversion apiauth)
[ "$pc_version" = "$version" ] || fail "pkg-config --modversion apiauth: $pc_version, package $version"
cflags=$(pc --cflags apiauth)
libs=$(pc --libs apiauth)
if [ -n "$sysroot" ]; then
  grep -q -- "-I$usr/include" <<<"$cflags" || fail "pkg-config --cflags does not point into the package: $cflags"
fi
# shellcheck disable=SC2086  # pkg-config's output is a list of arguments
"$cxx" -std=c++20 $cflags -DAPIAUTH_CONSUMER_EXPECT_VERSION="\"$version\"" -DAPIAUTH_CONSUMER_EXPECT_EVP=0 \
  "$src/tests/consumer/project/main.cpp" -o "$tmp/consumer-pc" $libs
"$tmp/consumer-pc"

# 4c. The CLI from the package.
cli=$usr/bin/apiauth
if [ -n "$installed" ]; then
  [ "$(command -v apiauth)" = /usr/bin/apiauth ] || fail "apiauth on PATH is $(command -v apiauth || echo nothing)"
fi
log "$cli --help, $cli help"
"$cli" --help >"$tmp/help.txt" || fail "apiauth --help exited $?"
[ -s "$tmp/help.txt" ] || fail "apiauth --help printed nothing"
"$cli" help >/dev/null || fail "apiauth help exited $?"

log "ok: $(basename "$deb") builds, installs$([ -n "$installed" ] || echo ' (extracted)'), and serves find_package, pkg-config and the CLI"
