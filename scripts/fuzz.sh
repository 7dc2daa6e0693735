#!/usr/bin/env bash
# fuzz.sh -- builds the expression-compiler fuzzer with clang
# (-fsanitize=fuzzer,address,undefined) straight from the sources into
# build-fuzz/ and runs it for SECONDS (default 60) on a copy of the seed
# corpus tests/fuzz/corpus_expr. Exit status non-zero if it finds a crash,
# a leak, undefined behaviour or a timeout. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"
cflags="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined
        -fno-sanitize-recover=undefined -Iinclude -Isrc $(pkg-config --cflags sleef openblas lapacke)"
objs=()
for f in src/core/*.c src/cpu/*.c src/sim/*.c src/expr/*.c src/rng/*.c src/task/*.c; do
  [ -e "$f" ] || continue
  case "$f" in # the SIMD tiers are built for their ISA, as in CMakeLists.txt
    */vexec_avx512.c) isa="-mavx512f -mavx512dq -mavx2 -mfma" ;;
    */vexec_avx2.c) isa="-mavx2 -mfma" ;;
    *) isa="" ;;
  esac
  o="$out/obj/$(echo "$f" | tr / _).o"
  mkdir -p "$out/obj"
  clang $cflags $isa -c "$f" -o "$o"
  objs+=("$o")
done
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
  tests/fuzz/fuzz_expr.c "${objs[@]}" $(pkg-config --libs sleef openblas lapacke) \
  -lm -lpthread -ldl -o "$out/fuzz_expr"
cp -n tests/fuzz/corpus_expr/* "$out/corpus/" 2>/dev/null || true
"$out/fuzz_expr" "$out/corpus" -max_total_time="$secs" -max_len=4096 -timeout=10 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1
