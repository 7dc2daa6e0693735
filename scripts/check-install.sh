#!/usr/bin/env bash
# check-install.sh -- installs the build into a temporary prefix, then builds
# examples/simulation-study against the INSTALLED tandem twice (CMake
# find_package(tandem), and make with pkg-config) and runs both, plus the
# installed `tandem` command. Usage: scripts/check-install.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
tmp=$(mktemp -d /tmp/tandem-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name tandem.pc | head -n1)")
libdir=$(dirname "$pcdir")
echo "installed into $prefix (libdir $libdir)"

echo "== installed tandem command"
"$prefix/bin/tandem" --version
"$prefix/bin/tandem" info | sed 's/^/   /'

# Runs the example; a module still a placeholder ("not built in this
# version") means built-but-not-runnable yet: said, not failed.
run_example() {
  local out=$1; shift
  if "$@" --reps 2000 > "$out" 2> "$tmp/err"; then cat "$out"; return 0; fi
  if grep -q "not built in this version" "$tmp/err"; then
    echo "built; not run: $(cat "$tmp/err")"
    : > "$out"
    return 0
  fi
  cat "$tmp/err" >&2
  return 1
}

echo "== example via CMake find_package(tandem)"
cmake -S examples/simulation-study -B "$tmp/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/ex-cmake" >/dev/null
run_example "$tmp/cmake.out" "$tmp/ex-cmake/simulation-study"

echo "== example via make and pkg-config"
PKG_CONFIG_PATH="$pcdir" make -s -C examples/simulation-study BUILD="$tmp/ex-make"
LD_LIBRARY_PATH="$libdir" run_example "$tmp/make.out" "$tmp/ex-make/simulation-study" >/dev/null
cmp -s "$tmp/make.out" "$tmp/cmake.out" || { echo "the two builds disagree"; diff "$tmp/make.out" "$tmp/cmake.out"; exit 1; }
echo "both builds print the same table"
