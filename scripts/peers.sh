#!/usr/bin/env bash
# peers.sh -- makes .peers/, the virtualenv `tandem bench --peers` runs its
# peers with: numpy, numexpr, JAX (CPU), pandas and scipy from PyPI.
# Idempotent (an existing, complete venv is kept); prints the Python it made.
# The bench finds it by itself; TDM_PEERS_PYTHON=/path/to/python overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.peers
pkgs=(numpy numexpr jax pandas scipy)
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python3" ]; then
  "$py" -m venv "$venv" || {
    echo "peers.sh: '$py -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
if ! "$venv/bin/python3" -c 'import numpy, numexpr, jax, pandas, scipy' 2>/dev/null; then
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${pkgs[@]}"
fi
"$venv/bin/python3" - <<'PY'
import importlib
for m in ("numpy", "numexpr", "jax", "pandas", "scipy"):
    print("%-8s %s" % (m, importlib.import_module(m).__version__))
PY
echo "peers python: $(pwd)/$venv/bin/python3"
