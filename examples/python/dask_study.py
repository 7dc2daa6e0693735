#!/usr/bin/env python3
"""dask_study.py -- the seed's simulation study on a Dask cluster.

How often does the nominal 95% t-interval for a mean cover the truth when
the data are skewed (Gamma(shape 2, scale 1), mean 2)? The same study as
examples/simulation-study/main.c, run as dask.distributed tasks on a
LocalCluster: each task takes a block of replicates of one sample size and
runs them on its worker's tandem Context (a task pool, replicate i drawing
from its own random stream i). Workers x tandem threads = the machine's
cores, so nothing is oversubscribed. Because the streams are fixed by the
replicate index, the table is identical to a single-process run, which the
script checks at the end (exit status 1 if not).

    pip install "dask[distributed]"
    python examples/python/dask_study.py --reps 10000 --workers 2
"""
import argparse
import os
import sys

import numpy as np

import tandem

SEED = 20240501
SHAPE = 2.0
SIZES = (5, 10, 30, 100, 1000)


def t975(nu):
    """97.5% quantile of Student's t (Cornish-Fisher; error < 1e-4 for nu >= 4)."""
    z = 1.959963984540054
    z3, z5, z7 = z**3, z**5, z**7
    return (z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu**3))


def run_block(ctx, n, lo, hi):
    """Replicates lo..hi-1 of sample size n: (covered, width) arrays."""
    q = t975(n - 1.0)

    def replicate(lane, k):
        i = lo + k
        x = lane.rng(SEED, i).gamma(n, SHAPE, 1.0)  # stream = replicate index
        mean, sd = lane.reduce(x, ("mean", "sd"))  # one pass
        half = q * sd / np.sqrt(n)
        return abs(mean - SHAPE) <= half, 2 * half

    out = ctx.pool().map(replicate, hi - lo, schedule="static")
    return np.array([c for c, _ in out]), np.array([w for _, w in out])


def worker_block(n, lo, hi, threads):
    """A Dask task: one block on this worker's own tandem Context."""
    from distributed import get_worker

    w = get_worker()
    ctx = getattr(w, "_tandem_ctx", None)
    if ctx is None:
        ctx = w._tandem_ctx = tandem.Context("cpu", threads=threads)
    return run_block(ctx, n, lo, hi)


def blocks(reps, size):
    return [(lo, min(reps, lo + size)) for lo in range(0, reps, size)]


def table(results, reps):
    rows = []
    for n in SIZES:
        cov = np.concatenate([c for c, _ in results[n]])
        width = np.concatenate([w for _, w in results[n]])
        assert cov.size == reps
        p = cov.mean()
        rows.append((n, p, np.sqrt(p * (1 - p) / reps), width.mean(), cov, width))
    return rows


def show(title, rows):
    print(title)
    print(f"{'n':>8} {'coverage':>10} {'MC s.e.':>10} {'mean width':>12}")
    for n, p, se, w, _, _ in rows:
        print(f"{n:8d} {p:10.4f} {se:10.4f} {w:12.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--block", type=int, default=500, help="replicates per Dask task")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    workers = max(1, min(args.workers, cores))
    threads = max(1, cores // workers)  # workers x threads = cores

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        futs = {n: [client.submit(worker_block, n, lo, hi, threads, pure=False)
                    for lo, hi in blocks(args.reps, args.block)] for n in SIZES}
        dist = {n: client.gather(f) for n, f in futs.items()}
    rows_d = table(dist, args.reps)
    show(f"coverage of the 95% t-interval, Gamma(2,1) data, {args.reps} replicates "
         f"(tandem {tandem.__version__}, Dask: {workers} workers x {threads} threads)", rows_d)

    ctx = tandem.Context("cpu", threads=cores)  # the single-process run
    single = {n: [run_block(ctx, n, 0, args.reps)] for n in SIZES}
    rows_s = table(single, args.reps)
    same = all(np.array_equal(a[4], b[4]) and np.array_equal(a[5], b[5])
               for a, b in zip(rows_d, rows_s))
    print(f"identical to the single-process run ({cores} threads): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
