#!/usr/bin/env bash
# bench.sh -- the README's main job: installs the Debian packages (as root),
# builds, and runs `tandem bench` on this machine's default backend (the GPU
# when one is usable, else the CPU). Extra arguments go to `tandem bench`,
# e.g. scripts/bench.sh --size small --peers --json bench.json
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh; fi
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
# Debian's OpenBLAS 0.3.21 falls back to its slow Prescott kernels on CPUs it
# does not know; `tandem info` says so, and the bench then asks for the
# kernels the CPU can run (unless OPENBLAS_CORETYPE is already set).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && build/tandem info | grep -q "OPENBLAS_CORETYPE=SkylakeX"; then
  export OPENBLAS_CORETYPE=SkylakeX
elif [ -z "${OPENBLAS_CORETYPE:-}" ] && build/tandem info | grep -q "OPENBLAS_CORETYPE=Haswell"; then
  export OPENBLAS_CORETYPE=Haswell
fi
build/tandem info
exec build/tandem bench "$@"
