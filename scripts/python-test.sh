#!/usr/bin/env bash
# python-test.sh -- the Python package's tests: a virtualenv in build/pyvenv
# (made once), numpy, pytest and scikit-build-core from PyPI, the package
# built from python/ (libtandem, the CUDA module where nvcc is found, the C
# extension) and installed into it, then pytest python/tests on the cpu and
# sim backends. Idempotent: a second run reuses the venv and the CMake build
# folder (python/build), so it takes seconds. Exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
V=build/pyvenv
if [ ! -x "$V/bin/python" ]; then
  rm -rf "$V"
  "$PY" -m venv "$V"
fi
"$V/bin/python" -m pip install -q --disable-pip-version-check numpy pytest "scikit-build-core>=0.8"
# No build isolation: the venv's scikit-build-core builds, and python/build is reused.
"$V/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation ./python
# From outside the source tree, so `import tandem` is the installed package.
cd python/tests
exec "../../$V/bin/python" -m pytest -q -p no:cacheprovider .
