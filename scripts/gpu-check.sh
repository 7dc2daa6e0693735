#!/usr/bin/env bash
# gpu-check.sh -- one command for a GPU machine that has the CUDA toolkit but
# no package registry: unpacks the .deb files of scripts/fetch-debs.sh
# (.deps/) into a local prefix with `dpkg -x`, builds tandem against it with
# the CUDA module required, runs every test (GPU ones included), runs the
# GPU-vs-CPU benchmarks, and writes a markdown report to $OUT/gpu-report.md
# (OUT defaults to out/gpu-check). Without a GPU it still builds and runs
# the tests (GPU tests skip with the reason) and says there is no GPU.
# Options: --quick (small bench sizes), --no-bench.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/out/gpu-check}
mkdir -p "$OUT"
REPORT=$OUT/gpu-report.md
QUICK=0 BENCH=1
for a in "$@"; do
  case $a in
  --quick) QUICK=1 ;;
  --no-bench) BENCH=0 ;;
  *) echo "usage: scripts/gpu-check.sh [--quick] [--no-bench]" >&2; exit 2 ;;
  esac
done
J=$(nproc)
ARCH=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
step() { printf '\n==== %s\n' "$*"; }
note() { printf '%s\n' "$*" >>"$REPORT.notes"; }
rm -f "$REPORT.notes"

# ---- the machine -------------------------------------------------------------
step "machine"
GPU=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  GPU=1
  CARD=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
else
  CARD="none (nvidia-smi absent or sees no GPU)"
fi
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
TOOLKIT=$([ -n "$NVCC" ] && "$NVCC" --version | tail -2 | head -1 || echo "none")
echo "GPU: $CARD"
echo "CUDA toolkit: $TOOLKIT"

# ---- the prefix of carried packages -----------------------------------------
step "dependencies"
P=""
if ls .deps/*.deb >/dev/null 2>&1; then
  P=${TDM_DEPS_PREFIX:-/tmp/tandem-deps}
  rm -rf "$P" && mkdir -p "$P"
  for f in .deps/*.deb; do
    if command -v dpkg >/dev/null; then
      dpkg -x "$f" "$P"
    else # a .deb is an ar archive holding data.tar.{xz,zst,gz}
      m=$(ar t "$f" | grep '^data\.tar')
      ar p "$f" "$m" | case $m in
        *.xz) tar -xJ -C "$P" ;; *.zst) zstd -dc | tar -x -C "$P" ;; *) tar -xz -C "$P" ;;
      esac
    fi
  done
  L=$P/usr/lib/$ARCH
  # Debian's update-alternatives links, which dpkg -x does not make.
  for lib in libblas.so.3 liblapack.so.3 libblas.so liblapack.so; do
    [ -e "$L/openblas-pthread/$lib" ] && ln -sf "openblas-pthread/$lib" "$L/$lib"
  done
  # Relocated .pc files in one directory; empty stubs for private
  # requirements that were not carried (only static links would use them).
  PC=$P/pkgconfig
  mkdir -p "$PC"
  for f in "$L"/pkgconfig/*.pc "$P"/usr/share/pkgconfig/*.pc "$L"/openblas-pthread/pkgconfig/*.pc; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    case $name in blas-openblas.pc) name=blas.pc ;; lapack-openblas.pc) name=lapack.pc ;; esac
    sed -E "s#(^|[^A-Za-z0-9_./])/usr(/|\"|$)#\1$P/usr\2#g" "$f" >"$PC/$name"
  done
  for req in $(sed -n -E 's/^Requires(\.private)?:(.*)$/\2/p' "$PC"/*.pc | tr ', ' '\n\n' |
    grep -E '^[A-Za-z][A-Za-z0-9_.+-]*$' | sort -u); do
    [ -e "$PC/$req.pc" ] || printf 'Name: %s\nDescription: stub (not carried)\nVersion: 999\n' "$req" >"$PC/$req.pc"
  done
  export PATH=$P/usr/bin:$PATH
  export PKG_CONFIG_LIBDIR=$PC PKG_CONFIG_PATH=
  export LD_LIBRARY_PATH=$L:$L/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  # Debian's lapacke.pc names /usr/include/<triplet> while lapacke.h sits in
  # /usr/include: give the compiler the prefix's include dirs explicitly.
  export CFLAGS="-I$P/usr/include -I$P/usr/include/$ARCH ${CFLAGS:-}"
  export LDFLAGS="-L$L -L$L/openblas-pthread -Wl,-rpath-link,$L:$L/openblas-pthread ${LDFLAGS:-}"
  echo "unpacked $(ls .deps/*.deb | wc -l) packages into $P"
  for m in openblas lapacke sleef criterion; do
    printf '  pkg-config %-9s %s\n' "$m" "$(pkg-config --cflags --libs $m 2>&1)"
  done
else
  echo "no .deps/ (run scripts/fetch-debs.sh where apt works): using the system's packages"
fi

# ---- build ------------------------------------------------------------------
step "build"
B=$ROOT/build-gpu
CUDA_OPT=AUTO
[ -n "$NVCC" ] && CUDA_OPT=ON
GEN=(-G "Unix Makefiles")
command -v ninja >/dev/null && GEN=(-G Ninja)
# a build directory made by another generator cannot be reused
grep -qs "^CMAKE_GENERATOR:INTERNAL=${GEN[1]}\$" "$B/CMakeCache.txt" || rm -rf "$B"
BUILD=ok
if ! cmake -S . -B "$B" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DTDM_CUDA=$CUDA_OPT \
  ${NVCC:+-DCMAKE_CUDA_COMPILER=$NVCC} >"$OUT/configure.log" 2>&1; then
  BUILD="configure failed (see configure.log)"
elif ! cmake --build "$B" -j"$J" >"$OUT/build.log" 2>&1; then
  BUILD="build failed (see build.log)"
fi
tail -5 "$OUT/build.log" 2>/dev/null
echo "build: $BUILD"
MODULE=absent
[ -f "$B/libtandem_cuda.so" ] && MODULE=built
if [ -n "$P" ] && [ "$BUILD" = ok ]; then
  # Every library of the test programs must resolve, carried ones from the prefix.
  for f in "$B"/tests/test_* "$B"/libtandem.so "$B"/libtandem_cuda.so; do
    [ -x "$f" ] || [ -f "$f" ] || continue
    ldd "$f" 2>/dev/null | grep -q "not found" && note "- $(basename "$f"): $(ldd "$f" | grep 'not found' | tr -s ' \t' ' ' | tr '\n' ';')"
  done
  for lib in libopenblas libsleef libcriterion liblapacke; do
    where=$(ldd "$B/libtandem.so" "$B/tests/$(ls "$B/tests" | grep '^test_' | head -1)" 2>/dev/null |
      grep "$lib" | awk '{print $3}' | head -1)
    echo "  $lib -> ${where:-(not linked)}"
  done
fi

# ---- tests ------------------------------------------------------------------
step "tests"
TESTS="not run"
if [ "$BUILD" = ok ]; then
  ctest --test-dir "$B" --output-on-failure -LE gpu -j"$J" >"$OUT/ctest.log" 2>&1
  c1=$?
  ctest --test-dir "$B" --output-on-failure -L gpu -j1 >"$OUT/ctest-gpu.log" 2>&1
  c2=$?
  sum() { grep -E "tests passed|tests failed" "$1" | tail -1; }
  TESTS="other tests: $(sum "$OUT/ctest.log"); GPU-labelled tests: $(sum "$OUT/ctest-gpu.log")"
  [ $c1 -eq 0 ] && [ $c2 -eq 0 ] && TESTS="all passed ($TESTS)" || TESTS="FAILURES ($TESTS)"
  : >"$OUT/gpu-tests.txt"
  for t in "$B"/tests/test_gpu_* "$B"/tests/test_cuda_*; do
    [ -x "$t" ] && "$t" --jobs 1 --verbose 2>&1 | grep -E '^\[(PASS|SKIP|FAIL)\]' >>"$OUT/gpu-tests.txt"
  done
  grep -q '^\[SKIP\]' "$OUT/gpu-tests.txt" && grep '^\[SKIP\]' "$OUT/gpu-tests.txt" | head -3
fi
echo "tests: $TESTS"

# ---- benchmarks ---------------------------------------------------------------
step "benchmarks"
BENCHMD=""
if [ $GPU = 1 ] && [ $BENCH = 1 ] && [ -x "$B/bench/bench_gpu" ]; then
  args=()
  [ $QUICK = 1 ] && args=(--n 4000 --reduce-n 2e8 --mib 256 --reps 3)
  timeout 900 "$B/bench/bench_gpu" "${args[@]}" --md "$OUT/bench_gpu.md" >"$OUT/bench_gpu.log" 2>&1 ||
    note "- bench_gpu failed: $(tail -2 "$OUT/bench_gpu.log" | tr '\n' ' ')"
  [ -f "$OUT/bench_gpu.md" ] && BENCHMD=$(cat "$OUT/bench_gpu.md")
  if [ -x "$B/tandem" ]; then
    size=default
    [ $QUICK = 1 ] && size=small
    timeout 1200 "$B/tandem" bench --backend both --size $size --json "$OUT/bench.json" >"$OUT/tandem-bench.log" 2>&1 ||
      note "- tandem bench failed: $(tail -2 "$OUT/tandem-bench.log" | tr '\n' ' ')"
  else
    note "- the tandem command is not built in this tree (the CLI issue): no scenario benchmarks"
  fi
elif [ $GPU = 0 ]; then
  echo "no GPU: benchmarks skipped"
fi

# ---- report -----------------------------------------------------------------
{
  echo "# GPU check"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- host: $(uname -srm), $(nproc) CPUs"
  echo "- GPU: $CARD"
  echo "- CUDA toolkit: $TOOLKIT"
  if [ -n "$P" ]; then echo "- dependencies: the carried .deb files of .deps/, unpacked into $P"
  else echo "- dependencies: the system's packages"; fi
  echo "- build: $BUILD; CUDA module: $MODULE"
  echo "- tests: $TESTS"
  [ $GPU = 0 ] && echo "- **no GPU on this machine**: GPU tests skipped, no benchmarks"
  echo
  if [ -s "$OUT/gpu-tests.txt" ]; then
    echo "## CUDA and GPU tests"
    echo
    echo '```'
    cat "$OUT/gpu-tests.txt"
    echo '```'
    echo
  fi
  if [ -n "$BENCHMD" ]; then
    echo "## bench_gpu: tandem vs the card's ceilings (same run)"
    echo
    echo "$BENCHMD"
    echo
  fi
  if [ -f "$OUT/bench.json" ] && command -v python3 >/dev/null; then
    echo "## tandem bench --backend both"
    echo
    python3 - "$OUT/bench.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
print("| scenario | backend | size | dtype | median s | rate | check |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("skipped"):
        print(f"| {r.get('scenario')} | {r.get('backend')} | | | | | skipped: {r['skipped']} |")
        continue
    print(f"| {r.get('scenario')} | {r.get('backend')} | {r.get('size')} | {r.get('dtype')} | "
          f"{r.get('median_s', 0):.4g} | {r.get('rate', 0):.4g} {r.get('rate_unit', '')} | {r.get('check')} |")
EOF
    echo
  fi
  if [ -f "$REPORT.notes" ]; then
    echo "## notes"
    echo
    cat "$REPORT.notes"
  fi
} >"$REPORT"
rm -f "$REPORT.notes"
step "report: $REPORT"
cat "$REPORT"
[ "$BUILD" = ok ] && [[ $TESTS == "all passed"* ]]
