#!/usr/bin/env bash
# check-install.sh -- installs the build into a temporary prefix, then builds
# programs against the INSTALLED tandem the two ways users do, for every
# target: examples/simulation-study with CMake find_package (tandem::tandem
# and tandem::tandem_static) and with make + pkg-config (shared, and static
# with --static); where tandem_dist was built, docs/examples/dist_example.c
# with CMake (tandem::tandem_dist) and with pkg-config (tandem-dist) under
# mpirun. Every binary is run straight from where it was built (no
# LD_LIBRARY_PATH: the shared builds carry a run path). The outputs of one
# program must agree across its builds. Usage: scripts/check-install.sh [BUILD_DIR]
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
export PKG_CONFIG_PATH="$pcdir"

echo "== pkg-config --cflags tandem: $(pkg-config --cflags tandem)"
case " $(pkg-config --cflags tandem) " in
  *" -I/usr/include"*) echo "pkg-config --cflags tandem names a system include path"; exit 1 ;;
esac

echo "== installed tandem command"
"$prefix/bin/tandem" --version
"$prefix/bin/tandem" info | sed 's/^/   /'

sim() { "$1" --reps 2000 > "$2"; }
same() { cmp -s "$1" "$2" || { echo "$3: the builds disagree"; diff "$1" "$2"; exit 1; }; }

echo "== simulation-study: CMake find_package, tandem::tandem"
cmake -S examples/simulation-study -B "$tmp/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/ex-cmake" >/dev/null
sim "$tmp/ex-cmake/simulation-study" "$tmp/cmake.out"
cat "$tmp/cmake.out"
echo "== simulation-study: CMake find_package, tandem::tandem_static"
cmake -S examples/simulation-study -B "$tmp/ex-cmake-static" -DCMAKE_PREFIX_PATH="$prefix" \
      -DTDM_LINK=static >/dev/null
cmake --build "$tmp/ex-cmake-static" >/dev/null
if ldd "$tmp/ex-cmake-static/simulation-study" | grep -q libtandem; then
  echo "the static build links libtandem.so"; exit 1
fi
sim "$tmp/ex-cmake-static/simulation-study" "$tmp/cmake-static.out"
same "$tmp/cmake.out" "$tmp/cmake-static.out" "simulation-study (CMake static)"
echo "== simulation-study: make + pkg-config, shared"
make -s -C examples/simulation-study BUILD="$tmp/ex-make"
sim "$tmp/ex-make/simulation-study" "$tmp/make.out"
same "$tmp/cmake.out" "$tmp/make.out" "simulation-study (make)"
echo "== simulation-study: make + pkg-config --static"
make -s -C examples/simulation-study BUILD="$tmp/ex-make-static" STATIC=1
sim "$tmp/ex-make-static/simulation-study" "$tmp/make-static.out"
same "$tmp/cmake.out" "$tmp/make-static.out" "simulation-study (make static)"
echo "every simulation-study build prints the same table"

if [ ! -f "$pcdir/tandem-dist.pc" ]; then
  echo "== tandem_dist: not built here (no MPI found by CMake): its checks skipped"
  exit 0
fi
mpirun=(mpirun -np 2)
if mpirun --version 2>/dev/null | grep -q "Open MPI"; then mpirun+=(--allow-run-as-root --oversubscribe); fi
echo "== dist_example: CMake find_package, tandem::tandem_dist"
mkdir -p "$tmp/dist-src"
cp docs/examples/dist_example.c "$tmp/dist-src/main.c"
cat > "$tmp/dist-src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(dist_example LANGUAGES C)
find_package(tandem REQUIRED)
add_executable(dist_example main.c)
target_link_libraries(dist_example PRIVATE tandem::tandem_dist m)
CM
cmake -S "$tmp/dist-src" -B "$tmp/dist-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/dist-cmake" >/dev/null
"${mpirun[@]}" "$tmp/dist-cmake/dist_example" > "$tmp/dist-cmake.out"
grep -q "same on every rank: yes" "$tmp/dist-cmake.out" || { cat "$tmp/dist-cmake.out"; exit 1; }
echo "== dist_example: mpicc + pkg-config tandem-dist (the example calls MPI itself)"
mpicc -O2 docs/examples/dist_example.c $(pkg-config --cflags tandem-dist) -o "$tmp/dist-pc" \
   $(pkg-config --libs tandem-dist) -Wl,-rpath,"$(pkg-config --variable=libdir tandem-dist)" -lm
"${mpirun[@]}" "$tmp/dist-pc" > "$tmp/dist-pc.out"
sort "$tmp/dist-cmake.out" -o "$tmp/dist-cmake.out" # ranks print in any order
sort "$tmp/dist-pc.out" -o "$tmp/dist-pc.out"
same "$tmp/dist-cmake.out" "$tmp/dist-pc.out" "dist_example"
echo "both dist_example builds agree on every rank"
