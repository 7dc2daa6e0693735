#!/usr/bin/env bash
# deps.sh -- install every Debian package tandem's build, tests and benches need.
# Idempotent; run as root on a fresh Debian 12 machine. The CUDA toolkit is
# expected to be there already (nvcc on PATH or /usr/local/cuda); without it
# the CUDA module is simply not built.
set -euo pipefail
pkgs=(cmake make gcc clang pkg-config
      libopenblas-pthread-dev liblapacke-dev libsleef-dev libcriterion-dev
      valgrind python3-numpy python3-dev python3-venv libopenmpi-dev openmpi-bin)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The numpy peers run under whatever `python3` is first on PATH; give it numpy
# if it has none (a pyenv python does not see Debian's python3-numpy).
if command -v python3 >/dev/null && ! python3 -c 'import numpy' 2>/dev/null; then
  python3 -m pip install -q numpy || echo "deps.sh: numpy unavailable; peer rows will be skipped" >&2
fi
exit 0
