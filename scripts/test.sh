#!/usr/bin/env bash
# test.sh -- the project's test command (README, CI): installs the Debian
# packages, builds, and runs every test five ways: plain (RelWithDebInfo,
# then the install check and the Python package's pytest suite);
# built as users build it (Release); under AddressSanitizer + UBSan; the CPU
# path under valgrind memcheck; the task suite under ThreadSanitizer; then a
# 60 s fuzz of the expression compiler.
# GPU tests skip with a reason on machines without one. Set TDM_TEST_QUICK=1
# to run only the plain pass.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh; fi
J=$(nproc)
step() { printf '\n==== %s\n' "$*"; }

step "build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$J"
step "tests"
ctest --test-dir build --output-on-failure -j"$J"
step "install, then build and run the examples against the install (shared, static, dist)"
bash scripts/check-install.sh build
step "Python package: build, install into build/pyvenv, pytest (cpu, sim)"
bash scripts/python-test.sh
[ "${TDM_TEST_QUICK:-0}" = 1 ] && exit 0

step "tests built as users build tandem (Release: -O3, no assertions)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DTDM_BENCH=OFF >/dev/null
cmake --build build-release -j"$J"
ctest --test-dir build-release --output-on-failure -j"$J" -LE mpi

step "tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTDM_SANITIZE=address,undefined \
      -DTDM_BENCH=OFF -DTDM_CUDA=OFF >/dev/null
cmake --build build-asan -j"$J"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$J"

step "CPU path under valgrind memcheck"
TDM_BACKEND=cpu ctest --test-dir build --output-on-failure -L memcheck \
  --overwrite MemoryCheckCommand=/usr/bin/valgrind \
  --overwrite MemoryCheckCommandOptions="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=yes --quiet" \
  -T memcheck -j"$J"

step "task layer under ThreadSanitizer"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DTDM_SANITIZE=thread \
      -DTDM_BENCH=OFF -DTDM_CUDA=OFF >/dev/null
cmake --build build-tsan -j"$J"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -L task -j"$J"
step "expression-compiler fuzzer smoke (60 s, clang libFuzzer + ASan/UBSan)"
if echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
   clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  bash scripts/fuzz.sh 60
else
  echo "skipped: clang with libFuzzer not found"
fi
echo "all test passes done"
