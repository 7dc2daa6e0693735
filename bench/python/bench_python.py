#!/usr/bin/env python3
"""bench_python.py -- what the Python binding costs.

1. Per-call overhead of a tiny op from Python: ctx.eval("x + 1", x=a,
   out=o) on 8 elements, a.sum() on 8 elements, and numpy's np.add(x, 1,
   out=o) for scale (goal: <= 2 us per tandem call).
2. vecmath: ctx.eval("exp(x) + 3*sin(x)", x=a, out=z) over N float64
   elements (default 1e8) from Python against the same tdm_eval from C
   (vecmath_c.c, compiled here against the installed package's libtandem),
   runs interleaved so machine load hits both alike (goal: within 5 %).

usage: python bench/python/bench_python.py [N] [REPS] [THREADS]
Prints one JSON object.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import timeit

import numpy as np

import tandem

HERE = pathlib.Path(__file__).resolve().parent


def per_call(stmt, number, repeat=7, timer=time.perf_counter):
    return min(timeit.repeat(stmt, number=number, repeat=repeat, timer=timer)) / number


def overhead(ctx):
    a = ctx.asarray(np.arange(8.0))
    o = ctx.zeros(8)
    x = np.arange(8.0)
    xo = np.zeros(8)
    ctx.eval("x + 1", x=a, out=o)
    n = 200_000
    return {
        "eval_tiny_us": 1e6 * per_call(lambda: ctx.eval("x + 1", x=a, out=o), n),
        "eval_tiny_new_out_us": 1e6 * per_call(lambda: ctx.eval("x + 1", x=a), n),
        "sum_tiny_us": 1e6 * per_call(a.sum, n),
        "numpy_add_tiny_us": 1e6 * per_call(lambda: np.add(x, 1, out=xo), n),
        # CPU time per call: what the call costs even when a loaded machine
        # takes the core away now and then (wall time counts those gaps)
        "eval_tiny_cpu_us": 1e6 * per_call(lambda: ctx.eval("x + 1", x=a, out=o), n,
                                           timer=time.process_time),
        "numpy_add_tiny_cpu_us": 1e6 * per_call(lambda: np.add(x, 1, out=xo), n,
                                                timer=time.process_time),
    }


def build_c():
    lib = pathlib.Path(tandem.__file__).parent
    exe = pathlib.Path(tempfile.mkdtemp()) / "vecmath_c"
    subprocess.run(["cc", "-O2", "-I", tandem.get_include(), str(HERE / "vecmath_c.c"), "-o",
                    str(exe), str(lib / "libtandem.so.0"), f"-Wl,-rpath,{lib}"], check=True)
    return exe


def vecmath_py(ctx, n, reps):
    a = ctx.rng(2024, 2).normal(n)
    z = ctx.zeros(n)
    ctx.eval("exp(x) + 3*sin(x)", x=a, out=z)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        ctx.eval("exp(x) + 3*sin(x)", x=a, out=z)
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    ctx = tandem.Context("cpu", threads=threads)
    out = {"tandem": tandem.__version__, "numpy": np.__version__, "threads": ctx.threads, "n": n,
           "reps": reps, "cpus": os.cpu_count()}
    out.update(overhead(ctx))
    exe = build_c()
    c_best, py_best = float("inf"), float("inf")
    for _ in range(2):  # interleaved rounds
        r = subprocess.run([str(exe), str(n), str(reps), str(ctx.threads)], check=True,
                           capture_output=True, text=True)
        c_best = min(c_best, json.loads(r.stdout)["min_s"])
        py_best = min(py_best, vecmath_py(ctx, n, reps))
    out["vecmath_f64_c_min_s"] = c_best
    out["vecmath_f64_py_min_s"] = py_best
    out["vecmath_py_over_c"] = py_best / c_best
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
