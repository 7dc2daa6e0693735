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
build/tandem info
exec build/tandem bench "$@"
