#!/usr/bin/env python3
"""eval_reduce.py -- the numpy peer of bench_eval_reduce: s = ((y - a*x)**2).sum()
for n float64 elements (argv[1], default 1e8). Prints one JSON object:
seconds (min and median of argv[2] reps) and the sum."""
import json
import sys
import time

import numpy as np


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    g = np.random.default_rng(1)
    x = g.uniform(-1.0, 1.0, n)
    y = g.uniform(-1.0, 1.0, n)
    a = 0.75
    times, s = [], 0.0
    for _ in range(reps):
        t = time.perf_counter()
        s = ((y - a * x) ** 2).sum()
        times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"peer": "numpy", "version": np.__version__, "n": n, "reps": reps,
                      "min_s": times[0], "median_s": times[len(times) // 2], "sum": float(s)}))


if __name__ == "__main__":
    main()
