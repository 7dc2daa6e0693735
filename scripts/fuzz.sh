#!/usr/bin/env bash
# fuzz.sh -- builds the expression-compiler fuzzer with clang
# (-fsanitize=fuzzer,address,undefined) over the library CMake builds in
# build-fuzz/ and runs it for SECONDS (default 60) on a copy of the seed
# corpus tests/fuzz/corpus_expr. Exit status non-zero if it finds a crash,
# a leak, undefined behaviour or a timeout. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"
# The library as CMake builds it (every source of its target, the SIMD tiers
# with their ISA flags), instrumented for libFuzzer, then the target linked.
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 \
  -DTDM_SANITIZE=fuzzer-no-link,address,undefined -DTDM_WERROR=OFF -DTDM_CUDA=OFF \
  -DTDM_BENCH=OFF -DTDM_TESTS=OFF -DTDM_MPI=OFF >/dev/null
cmake --build "$out" --target tandem_static -j"$(nproc)" >/dev/null
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -DTDM_STATIC_DEFINE -fsanitize=fuzzer,address,undefined \
  -Iinclude -I"$out/include" -Isrc tests/fuzz/fuzz_expr.c "$out/libtandem.a" \
  $(pkg-config --libs sleef openblas lapacke) -lm -lpthread -ldl -o "$out/fuzz_expr"
cp -n tests/fuzz/corpus_expr/* "$out/corpus/" 2>/dev/null || true
"$out/fuzz_expr" "$out/corpus" -max_total_time="$secs" -max_len=4096 -timeout=10 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1
