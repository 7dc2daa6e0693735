#!/usr/bin/env python3
# crossprod_chol.py -- numpy peer of bench_core's crossprod + Cholesky row:
# C = X'X for an n x n float64 X, then the Cholesky factor of C, timed the
# same way (best of --reps after one warm-up). Threads: OPENBLAS_NUM_THREADS
# from the environment. Prints one JSON line.
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    try:
        import numpy as np
    except Exception as e:  # the caller prints this as the skip reason
        print(json.dumps({"peer": "numpy", "skipped": "numpy not importable: %s" % e}))
        return 0
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.uniform(-1.0, 1.0, size=(a.n, a.n)))
    best = {"crossprod_s": float("inf"), "cholesky_s": float("inf"), "total_s": float("inf")}
    for rep in range(a.reps + 1):
        t0 = time.perf_counter()
        C = X.T @ X
        t1 = time.perf_counter()
        L = np.linalg.cholesky(C)
        t2 = time.perf_counter()
        if rep == 0:
            continue  # warm-up
        best["crossprod_s"] = min(best["crossprod_s"], t1 - t0)
        best["cholesky_s"] = min(best["cholesky_s"], t2 - t1)
        best["total_s"] = min(best["total_s"], t2 - t0)
    # a check that the work was done: L L' reproduces C on a corner
    k = min(a.n, 50)
    err = float(np.max(np.abs(L[:k, :k] @ L[:k, :k].T - C[:k, :k])) / np.max(np.abs(C[:k, :k])))
    out = {"peer": "numpy", "numpy": np.__version__, "n": a.n, "reps": a.reps,
           "python": sys.executable, "check_rel_err": err}
    out.update(best)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
