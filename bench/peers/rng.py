#!/usr/bin/env python3
"""rng.py -- numpy's Generator (PCG64 and Philox) on the draws bench_rng times:
uniform and standard normal, f64 and f32, into preallocated arrays.
Usage: rng.py N REPS. Prints one line per row:
"numpy-<bitgen> <draw> <dtype> <median wall seconds> <median CPU seconds>".
numpy draws on one thread."""
import sys
import time

try:
    import numpy as np
except ImportError:
    print("skip numpy is not installed")
    sys.exit(0)


def median_time(fn, reps):
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    ts.sort()
    cs.sort()
    return f"{ts[len(ts) // 2]:.6f} {cs[len(cs) // 2]:.6f}"


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**8
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for name, bitgen in (("pcg64", np.random.PCG64), ("philox", np.random.Philox)):
        g = np.random.Generator(bitgen(12345))
        for dt in (np.float64, np.float32):
            out = np.empty(n, dtype=dt)
            out.fill(0)  # touch the pages first, as the C side does
            tag = "f64" if dt == np.float64 else "f32"
            t = median_time(lambda: g.random(out=out, dtype=dt), reps)
            print(f"numpy-{name} uniform {tag} {t}", flush=True)
            t = median_time(lambda: g.standard_normal(out=out, dtype=dt), reps)
            print(f"numpy-{name} normal {tag} {t}", flush=True)
            del out


if __name__ == "__main__":
    main()
