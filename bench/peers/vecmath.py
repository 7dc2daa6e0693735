#!/usr/bin/env python3
"""vecmath.py -- the numpy peer of bench_vecmath: z = exp(x) + 3*sin(x) for
n elements (argv[1], default 1e8) in float64 and float32, x uniform in
[-5, 5). Prints one JSON object: seconds (min and median of reps)."""
import json
import sys
import time

import numpy as np


def run(n, dtype, reps):
    x = np.random.default_rng(1).uniform(-5.0, 5.0, n).astype(dtype)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        z = np.exp(x) + 3 * np.sin(x)
        times.append(time.perf_counter() - t)
        del z
    times.sort()
    return times[0], times[len(times) // 2]


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    out = {"peer": "numpy", "version": np.__version__, "n": n, "reps": reps}
    for name, dt in (("f64", np.float64), ("f32", np.float32)):
        mn, med = run(n, dt, reps)
        out[name + "_min_s"] = mn
        out[name + "_median_s"] = med
    print(json.dumps(out))


if __name__ == "__main__":
    main()
