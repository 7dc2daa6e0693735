#!/usr/bin/env python3
"""scenarios.py -- the peers of `tandem bench`: the same workloads, written
the way a numpy user would (concurrent.futures for the task scenarios, as
the course's Python examples do), and where a stronger library does the
same work, with it too (numexpr and JAX for vecmath, numpy's Philox
generator for random draws, pandas for group statistics, scipy's LAPACK
for linear algebra); timed the same way, printed as the same JSON records
(backend = the library) on stdout. Progress on stderr.

usage: python3 scenarios.py [--size small|default|full] [--threads N]
                            [--reps N] [--detail] [SCENARIO...]

Missing numpy: every requested scenario gets a skipped record with the
reason (exit status 0), so `tandem bench --peers` can show why."""
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peerlib import (OPTS, SIZE, W, count, fail, finish, optional, pick, progress,  # noqa: E402
                     reps, row, skipped, timed)

try:
    import numpy as np
except Exception as e:  # noqa: BLE001 -- any import failure is a reason to skip
    print(json.dumps([skipped(n, "numpy is not importable by %s: %s" % (sys.executable, e))
                      for n in OPTS["names"]], indent=1))
    sys.exit(0)

from concurrent.futures import ThreadPoolExecutor  # noqa: E402


# ---- scenarios ------------------------------------------------------------------
def crossprod_chol():
    n = pick(400, 3000, 6000)
    size = "n=%d" % n
    rows = []
    variant = ("%d thread%s" % (W, "" if W == 1 else "s"))
    if OPTS["only"] is None and W != 1:  # the 1-thread row: BLAS threads are fixed per process
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        args = [sys.executable, __file__, "--size", SIZE, "--threads", "1", "--only-variant",
                "1 thread", "crossprod-chol"] + (["--reps", str(OPTS["reps"])] if OPTS["reps"] else [])
        out = subprocess.run(args, env=env, stdout=subprocess.PIPE, check=False)
        try:
            rows += json.loads(out.stdout)
        except ValueError:
            rows.append(skipped("crossprod-chol", "1-thread subprocess failed (%d)" % out.returncode))
    if OPTS["only"]:
        variant = OPTS["only"]
    rng = np.random.default_rng(2024)
    X = rng.standard_normal((n, n))
    L = None

    def once():
        C = X.T @ X
        return np.linalg.cholesky(C)

    t = timed("crossprod-chol", variant, reps({"small": 3, "default": 5, "full": 2}[SIZE]), once)
    L = t[3]
    r = row("crossprod-chol", variant, size, "f64", threads=1 if variant == "1 thread" else W)
    finish(r, t, (n * n * (n + 1) + n ** 3 / 3) / 1e9, "GFLOP/s")
    idx = np.random.default_rng(7).integers(0, n, size=(100, 2))
    for i, j in idx:
        cij = float(np.dot(X[:, i], X[:, j]))
        scale = math.sqrt(float(np.dot(X[:, i], X[:, i]) * np.dot(X[:, j], X[:, j])))
        if abs(float(np.dot(L[i], L[j])) - cij) > 4 * n * 2.3e-16 * scale:
            fail(r, "L L' vs X'X at (%d,%d)" % (i, j))
            break
    rows.append(r)
    la, why = optional("scipy.linalg")
    if OPTS["only"] is None and la:  # scipy's own LAPACK: syrk then potrf, as tandem calls them
        syrk = la.get_blas_funcs("syrk", (X,))
        t = timed("crossprod-chol", "scipy " + variant, reps({"small": 3, "default": 5, "full": 2}[SIZE]),
                  lambda: la.cholesky(syrk(1.0, X, trans=1, lower=0), lower=False,
                                      overwrite_a=True, check_finite=False))
        sr = finish(row("crossprod-chol", variant, size, "f64", backend="scipy", threads=W), t,
                    (n * n * (n + 1) + n ** 3 / 3) / 1e9, "GFLOP/s")
        R = t[3]
        for i, j in idx:
            cij = float(np.dot(X[:, i], X[:, j]))
            scale = math.sqrt(float(np.dot(X[:, i], X[:, i]) * np.dot(X[:, j], X[:, j])))
            if abs(float(np.dot(R[:, i], R[:, j])) - cij) > 4 * n * 2.3e-16 * scale:
                fail(sr, "R'R vs X'X at (%d,%d)" % (i, j))
                break
        rows.append(sr)
    elif OPTS["only"] is None:
        rows.append(skipped("crossprod-chol", why, backend="scipy"))
    return rows


def matmul():
    n = pick(500, 4000, 10000)
    rows = []
    for dt, name, u in ((np.float64, "f64", 2.0 ** -53), (np.float32, "f32", 2.0 ** -24)):
        rng = np.random.default_rng(2024)
        A = rng.standard_normal((n, n), dtype=dt)
        B = rng.standard_normal((n, n), dtype=dt)
        t = timed("matmul", name, reps({"small": 3, "default": 5, "full": 2}[SIZE]), lambda: A @ B)
        r = finish(row("matmul", "", "n=%d" % n, name), t, 2.0 * n ** 3 / 1e9, "GFLOP/s")
        C = t[3]
        v = np.where(np.random.default_rng(11).random(n) < 0.5, -1.0, 1.0)
        w = A.astype(np.float64) @ (B.astype(np.float64) @ v)
        scale = np.abs(A).astype(np.float64) @ (np.abs(B).astype(np.float64) @ np.ones(n))
        if np.any(np.abs(C.astype(np.float64) @ v - w) > 2 * n * u * scale):
            fail(r, "Freivalds: C v vs A (B v)")
        rows.append(r)
        del A, B, C
    return rows


def vecmath():
    n = int(pick(1e6, 1e8, 5e8))
    rows = []
    for dt, name, tol in ((np.float64, "f64", 1e-12), (np.float32, "f32", 2e-5)):
        x = np.random.default_rng(2024).standard_normal(n, dtype=dt)
        t = timed("vecmath", name, reps(3 if SIZE == "full" else 5),
                  lambda: np.exp(x) + 3 * np.sin(x))
        es = np.dtype(dt).itemsize
        r = finish(row("vecmath", "", "n=%s" % count(n), name), t, 2.0 * n * es / 1e9, "GB/s")
        z = t[3]
        for i in np.random.default_rng(5).integers(0, n, 1000):
            xi = float(x[i])
            ref = math.exp(xi) + 3 * math.sin(xi)
            if abs(float(z[i]) - ref) > tol * (math.exp(xi) + 3 * abs(math.sin(xi))):
                fail(r, "z[%d] vs math.exp + 3 math.sin" % i)
                break
        rows.append(r)
        del z
        for peer, fn in vecmath_peers(x):
            if isinstance(fn, str):
                rows.append(skipped("vecmath", fn, backend=peer))
                continue
            t = timed("vecmath", "%s %s" % (peer, name), reps(3 if SIZE == "full" else 5), fn)
            pr = finish(row("vecmath", "", "n=%s" % count(n), name, backend=peer), t,
                        2.0 * n * es / 1e9, "GB/s")
            z = np.asarray(t[3])
            for i in np.random.default_rng(5).integers(0, n, 1000):
                xi = float(x[i])
                if abs(float(z[i]) - (math.exp(xi) + 3 * math.sin(xi))) > \
                        tol * (math.exp(xi) + 3 * abs(math.sin(xi))):
                    fail(pr, "z[%d] vs math.exp + 3 math.sin" % i)
                    break
            rows.append(pr)
            del z
        del x
    return rows


def vecmath_peers(x):
    """(name, fn) per stronger peer of exp(x)+3*sin(x); fn a reason if missing."""
    out = []
    ne, why = optional("numexpr")
    if ne:
        ne.set_num_threads(W)
        out.append(("numexpr", lambda: ne.evaluate("exp(x) + 3 * sin(x)", local_dict={"x": x})))
    else:
        out.append(("numexpr", why))
    jax, why = optional("jax")
    if jax:
        import jax.numpy as jnp
        f = jax.jit(lambda v: jnp.exp(v) + 3 * jnp.sin(v))
        if x.dtype == np.float64:
            jax.config.update("jax_enable_x64", True)
        xd = jax.device_put(x)
        f(xd).block_until_ready()  # compile outside the timing
        out.append(("jax", lambda: f(xd).block_until_ready()))
    else:
        out.append(("jax", why))
    return out


def three_tasks():
    n = int(pick(1e6, 2.5e7, 2.5e8))
    size = "n=%s per task" % count(n)
    chunk = 1 << 16

    def task(k, bitgen=None):
        g = np.random.Generator(bitgen(np.random.SeedSequence([2024, k]))) if bitgen \
            else np.random.default_rng([2024, k])
        total, done = 0.0, 0
        while done < n:
            m = min(chunk, n - done)
            x = g.normal(size=m) if k == 0 else g.gamma(1.0, 1.0, size=m) if k == 1 else g.random(m)
            total += float(x.sum())
            done += m
        return total / n

    rows = []
    results = {}
    with ThreadPoolExecutor(max_workers=W) as ex:
        for variant in ("serial", "parallel"):
            if variant == "serial":
                def once():
                    return [task(k) for k in range(3)]
            else:
                def once():
                    return [f.result() for f in [ex.submit(task, k) for k in range(3)]]
            t = timed("three-tasks", variant, reps(3), once)
            r = finish(row("three-tasks", variant, size, "f64"), t, 3.0 * n * 16 / 1e9, "GB/s")
            for k, (mu, sd) in enumerate(((0.0, 1.0), (1.0, 1.0), (0.5, math.sqrt(1 / 12)))):
                if abs(t[3][k] - mu) > 6 * sd / math.sqrt(n):
                    fail(r, "task %d mean %.6g" % (k, t[3][k]))
            results[variant] = t[3]
            rows.append(r)
    if results["serial"] != results["parallel"]:
        fail(rows[1], "parallel vs serial means differ")
    rows[1]["note"] = "%.2fx faster than serial" % (rows[0]["median_s"] / rows[1]["median_s"])
    # numpy's counter-based generator (Philox, tandem's own algorithm) as a second peer
    with ThreadPoolExecutor(max_workers=W) as ex:
        for variant in ("serial", "parallel"):
            if variant == "serial":
                def once():
                    return [task(k, np.random.Philox) for k in range(3)]
            else:
                def once():
                    return [f.result() for f in [ex.submit(task, k, np.random.Philox) for k in range(3)]]
            t = timed("three-tasks", "philox " + variant, reps(3), once)
            r = finish(row("three-tasks", variant, size, "f64", backend="numpy-philox"), t,
                       3.0 * n * 16 / 1e9, "GB/s")
            for k, (mu, sd) in enumerate(((0.0, 1.0), (1.0, 1.0), (0.5, math.sqrt(1 / 12)))):
                if abs(t[3][k] - mu) > 6 * sd / math.sqrt(n):
                    fail(r, "task %d mean %.6g" % (k, t[3][k]))
            rows.append(r)
    return rows


def ridge_data(n, p=50, folds=10):
    g = np.random.default_rng(2024)
    X = np.empty((n, p + 1))
    X[:, 0] = 1.0
    X[:, 1:] = g.standard_normal((n, p))
    y = X[:, 1] + np.sqrt(np.abs(X[:, 2] * X[:, 3])) + X[:, 2] - X[:, 3] + g.standard_normal(n)
    start = [k * n // folds for k in range(folds + 1)]
    return X, y, start


def ridge_fold(X, y, start, k, lam):
    test = slice(start[k], start[k + 1])
    train = np.ones(len(y), bool)
    train[test] = False
    Xtr, ytr = X[train], y[train]
    G = Xtr.T @ Xtr
    G[np.arange(1, G.shape[0]), np.arange(1, G.shape[0])] += lam
    beta = np.linalg.solve(G, Xtr.T @ ytr)
    res = y[test] - X[test] @ beta
    return float(np.mean(res * res))


def cv_folds():
    n = pick(20000, 100000, 1000000)
    X, y, start = ridge_data(n)
    size = "n=%s p=50 10 folds" % count(n)
    flops = sum(2.0 * (n - (start[k + 1] - start[k])) * 51 ** 2 for k in range(10))
    rows, out = [], {}
    with ThreadPoolExecutor(max_workers=W) as ex:
        for variant in ("loop, threaded BLAS", "map over folds"):
            if variant.startswith("loop"):
                def once():
                    return [ridge_fold(X, y, start, k, 1.0) for k in range(10)]
            else:
                def once():
                    return list(ex.map(lambda k: ridge_fold(X, y, start, k, 1.0), range(10)))
            t = timed("cv-folds", variant, reps(3), once)
            out[variant] = t[3]
            rows.append(finish(row("cv-folds", variant, size, "f64"), t, flops / 1e9, "GFLOP/s"))
    if max(abs(a - b) / b for a, b in zip(*out.values())) > 1e-9:
        fail(rows[1], "map vs loop fold MSEs differ")
    return rows


def lgamma_fn():
    try:
        from scipy.special import gammaln
        return gammaln, "scipy.special.gammaln"
    except Exception:  # noqa: BLE001
        pass

    def stirling(x):  # lgamma(x), x > 0: lgamma(x + 8) by Stirling's series, less log x(x+1)..(x+7)
        prod = x.copy()
        for k in range(1, 8):
            prod *= x + k
        y = x + 8.0
        inv = 1.0 / y
        inv2 = inv * inv
        series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680))))
        return (y - 0.5) * np.log(y) - y + 0.5 * math.log(2 * math.pi) + series - np.log(prod)
    return stirling, "lgamma by a numpy Stirling series (scipy not installed)"


def alloc():
    slow, fast = (2000000, 100000) if SIZE == "small" else (50000000, 1000000)
    ns = [slow] * 4 + [fast] * 12
    lgam, how = lgamma_fn()
    size = "4x%s+12x%s %dw" % (count(slow), count(fast), W)
    secs = [0.0] * 16

    def task(i):
        t0 = time.perf_counter()
        g = np.random.default_rng([2024, 30 + i])
        total, done, n = 0.0, 0, ns[i]
        while done < n:
            m = min(1 << 16, n - done)
            total += float(lgam(np.exp(g.standard_normal(m))).sum())
            done += m
        secs[i] = time.perf_counter() - t0
        return total / n

    def static_block(w):
        per = (16 + W - 1) // W
        return [task(i) for i in range(w * per, min(16, (w + 1) * per))]

    rows, means = [], {}
    with ThreadPoolExecutor(max_workers=W) as ex:
        for variant in ("static", "dynamic"):
            if variant == "static":
                def once():
                    return [m for block in ex.map(static_block, range(W)) for m in block]
            else:
                def once():
                    return list(ex.map(task, range(16)))
            t = timed("alloc", variant, reps(3), once)
            means[variant] = t[3]
            rows.append(finish(row("alloc", variant, size, "f64", note=how), t,
                               sum(ns) * 32.0 / 1e9, "GB/s"))
    load = [0.0] * W
    for s in sorted(secs, reverse=True):
        load[load.index(min(load))] += s
    lpt = max(load)
    rows.append(finish(row("alloc", "LPT bound", size, "f64", note="computed from task times"),
                       (lpt, lpt, lpt, None), sum(ns) * 32.0 / 1e9, "GB/s"))
    rows[2]["reps"] = 1
    if means["static"] != means["dynamic"]:
        fail(rows[1], "dynamic vs static means differ")
    return rows


def nested():
    n = pick(10000, 100000, 1000000)
    X, y, start = ridge_data(n)
    lams = (0.0, 1.0, 10.0, 100.0)
    size = "n=%s p=50 10x4 tasks" % count(n)
    flops = 4 * sum(2.0 * (n - (start[k + 1] - start[k])) * 51 ** 2 for k in range(10))
    rows, out = [], {}

    def fold(k):
        with ThreadPoolExecutor(max_workers=W) as inner:  # naive nesting: a pool per task
            return list(inner.map(lambda lam: ridge_fold(X, y, start, k, lam), lams))

    with ThreadPoolExecutor(max_workers=W) as ex:
        for variant in ("nested maps", "flattened"):
            if variant == "nested maps":
                def once():
                    return [m for f in ex.map(fold, range(10)) for m in f]
            else:
                def once():
                    return list(ex.map(lambda i: ridge_fold(X, y, start, i // 4, lams[i % 4]),
                                       range(40)))
            t = timed("nested", variant, reps(3), once)
            out[variant] = t[3]
            rows.append(finish(row("nested", variant, size, "f64"), t, flops / 1e9, "GFLOP/s"))
    if out["nested maps"] != out["flattened"]:
        fail(rows[1], "flattened vs nested MSEs differ")
    return rows


def stratified():
    n, G = (1000000, 100) if SIZE == "small" else (50000000, 1000)
    w = np.array([1 + (g * 7919) % 10 for g in range(G)], float)
    start = np.concatenate([(n * np.cumsum(np.concatenate([[0], w[:-1]])) / w.sum()).astype(np.int64), [n]])
    g = np.random.default_rng(2024)
    x = g.standard_normal(n)
    gid = np.repeat(np.arange(G, dtype=np.int32), np.diff(start))
    a = np.arange(G) / G
    b = 1 + np.sin(np.arange(G))
    y = a[gid] + b[gid] * x + g.standard_normal(n)
    size = "%s rows %d groups" % (count(n), G)
    rows = []
    def count_mean_sd():
        c = np.bincount(gid, minlength=G)
        m = np.bincount(gid, weights=y, minlength=G) / c
        d = y - m[gid]
        return c, m, np.sqrt(np.bincount(gid, weights=d * d, minlength=G) / (c - 1))
    t = timed("stratified", "count mean sd, group_stats", reps(3), count_mean_sd)
    r = finish(row("stratified", "count mean sd, group_stats", size, "f64", note="np.bincount"), t,
               n * 12.0 / 1e9, "GB/s")
    if abs(t[3][1][0] - y[start[0]:start[1]].mean()) > 1e-10:
        fail(r, "group 0 mean")
    rows.append(r)
    pd, why = optional("pandas")
    if pd:
        s = pd.Series(y)
        t = timed("stratified", "pandas count mean sd", reps(3),
                  lambda: s.groupby(gid).agg(["count", "mean", "std"]).to_numpy())
        r = finish(row("stratified", "count mean sd, group_stats", size, "f64", backend="pandas",
                       note="Series.groupby().agg()"), t, n * 12.0 / 1e9, "GB/s")
        if abs(t[3][0][1] - y[start[0]:start[1]].mean()) > 1e-10:
            fail(r, "group 0 mean")
        rows.append(r)
    else:
        rows.append(skipped("stratified", why, backend="pandas"))

    def group(k):
        xs, ys = x[start[k]:start[k + 1]], y[start[k]:start[k + 1]]  # views: no copies
        mx, my = xs.mean(), ys.mean()
        slope = float(np.dot(xs - mx, ys - my) / np.dot(xs - mx, xs - mx))
        return slope, my - slope * mx

    with ThreadPoolExecutor(max_workers=W) as ex:
        t = timed("stratified", "regression, map", reps(3), lambda: list(ex.map(group, range(G))))
    r = finish(row("stratified", "regression, map", size, "f64"), t, n * 24.0 / 1e9, "GB/s")
    if any(abs(s - bb) > 0.05 for (s, _), bb in zip(t[3], b)):
        fail(r, "a group's slope is far from the truth")
    rows.append(r)
    return rows


def simulation():
    n, R = pick((1000, 100), (10000, 1000), (100000, 1000))
    size = "%d reps n=%s" % (R, count(n))

    def rep(i):
        g = np.random.default_rng([7, i])
        x = g.standard_normal(n)
        y = 1 + 2 * x + g.standard_normal(n)
        cxy = float(np.dot(x - x.mean(), y - y.mean()))
        cxx = float(np.dot(x - x.mean(), x - x.mean()))
        return cxy / cxx, cxy / (cxx + 0.1 * n)

    rows, out = [], {}
    for workers, variant in ((1, "1 worker"), (W, ("%d worker%s" % (W, "" if W == 1 else "s")))):
        with ThreadPoolExecutor(max_workers=workers) as ex:
            t = timed("simulation", variant, reps(3), lambda: list(ex.map(rep, range(R))))
        out[variant] = t[3]
        rows.append(finish(row("simulation", variant, size, "f64", threads=workers), t,
                           R * n * 72.0 / 1e9, "GB/s"))
    vals = list(out.values())
    if vals[0] != vals[-1]:
        fail(rows[-1], "estimates differ between 1 and %d workers" % W)
    ols = np.array([o for o, _ in vals[0]])
    if abs(ols.mean() - 2) > 6 * ols.std() / math.sqrt(R):
        fail(rows[0], "mean OLS slope %.5g" % ols.mean())
    return rows


def compute_once():
    n = int(pick(1e6, 1e8, 5e8))
    x = np.random.default_rng(2024).normal(3.0, 2.0, n)
    t = timed("compute-once", "four passes", reps(5),
              lambda: (x.min(), x.max(), x.mean(), x.var(ddof=1)))
    r = finish(row("compute-once", "four passes", "n=%s" % count(n), "f64",
                   note="numpy has no fused min/max/mean/var"), t, n * 8.0 / 1e9, "GB/s")
    mn, mx, mean, var = t[3]
    if not (mn <= mean <= mx and abs(var - 4.0) < 0.1):
        fail(r, "implausible moments")
    if not OPTS["detail"]:
        return [r]
    del x  # --detail: the fused reduction of an expression, s = sum((y - a*x)^2)
    g = np.random.default_rng(2024)
    x, y, a = g.uniform(-1.0, 1.0, n), g.uniform(-1.0, 1.0, n), 0.75
    t = timed("compute-once", "sum((y-a*x)^2)", reps(5), lambda: ((y - a * x) ** 2).sum())
    f = finish(row("compute-once", "sum((y-a*x)^2)", "n=%s" % count(n), "f64",
                   note="numpy stores y - a*x and its square"), t, n * 16.0 / 1e9, "GB/s")
    if not abs(t[3] / n - (1 + a * a) / 3) < 0.01:
        fail(f, "sum/n %.6g vs %.6g" % (t[3] / n, (1 + a * a) / 3))
    return [r, f]


def bootstrap():
    n, B = (10000, 200) if SIZE == "small" else (100000, 1000)
    g = np.random.default_rng(2024)
    x = g.standard_normal(n)
    y = 1 + 2 * x + g.standard_normal(n)
    size = "B=%d n=%s" % (B, count(n))

    def rep(b):
        idx = np.random.default_rng([99, b]).integers(0, n, n)
        xs, ys = x[idx], y[idx]
        dx = xs - xs.mean()
        return float(np.median(ys)), float(np.dot(dx, ys - ys.mean()) / np.dot(dx, dx))

    def study(ex):
        res = np.array(list(ex.map(rep, range(B))))
        return np.quantile(res, [0.025, 0.975], axis=0)

    rows, out = [], {}
    for workers, variant in ((1, "1 worker"), (W, "%d workers" % W)):
        with ThreadPoolExecutor(max_workers=workers) as ex:
            t = timed("bootstrap", variant, reps(3), lambda: study(ex))
        out[variant] = t[3]
        rows.append(finish(row("bootstrap", variant, size, "f64", threads=workers), t,
                           B * n * 40.0 / 1e9, "GB/s"))
    ci = list(out.values())[0]
    if not (ci[0][1] < 2 < ci[1][1]):
        fail(rows[0], "slope interval misses the true 2")
    return rows


def stats():
    n, G, ns = (1000000, 100, 1000000) if SIZE == "small" else (50000000, 1000, 100000000)
    g = np.random.default_rng(2024)
    x = g.normal(10.0, 3.0, n)
    gid = g.integers(0, G, n).astype(np.int32)
    v = g.standard_normal(ns)
    gsize, vsize = "%s rows %d groups" % (count(n), G), "n=%s" % count(ns)

    def grouped():
        c = np.bincount(gid, minlength=G)
        s = np.bincount(gid, weights=x, minlength=G)
        m = s / c
        d = x - m[gid]
        var = np.bincount(gid, weights=d * d, minlength=G) / (c - 1)
        mn = np.full(G, np.inf)
        mx = np.full(G, -np.inf)
        np.minimum.at(mn, gid, x)
        np.maximum.at(mx, gid, x)
        return c, s, m, var, mn, mx
    rows = []
    t = timed("stats", "group_stats 6 ops", reps(3), grouped)
    rows.append(finish(row("stats", "group_stats 6 ops", gsize, "f64",
                           note="np.bincount + np.minimum.at/maximum.at"), t, n * 12.0 / 1e9, "GB/s"))
    t = timed("stats", "sort", reps(3), lambda: np.sort(v))
    rows.append(finish(row("stats", "sort", vsize, "f64", note="np.sort"), t, ns * 8.0 / 1e9, "GB/s"))
    t = timed("stats", "quantile 3 q", reps(3), lambda: np.quantile(v, [0.025, 0.5, 0.975]))
    rows.append(finish(row("stats", "quantile 3 q", vsize, "f64", note="np.quantile"), t,
                       ns * 8.0 / 1e9, "GB/s"))
    pd, why = optional("pandas")
    if not pd:
        rows.append(skipped("stats", why, backend="pandas"))
        return rows
    df = pd.DataFrame({"g": gid, "x": x})
    t = timed("stats", "pandas group_stats 6 ops", reps(3),
              lambda: df.groupby("g")["x"].agg(["count", "sum", "mean", "var", "min", "max"]))
    rows.append(finish(row("stats", "group_stats 6 ops", gsize, "f64", backend="pandas",
                           note="DataFrame.groupby().agg()"), t, n * 12.0 / 1e9, "GB/s"))
    return rows


def take():
    """numpy's fancy indexing: rows of an (n/8) x 8 array gathered by a
    bootstrap index vector, then by the same indices sorted."""
    rows_n = int(pick(1e6, 1e7, 1e8)) // 8
    g = np.random.default_rng(2024)
    X = g.standard_normal((rows_n, 8))
    idx = g.integers(0, rows_n, rows_n)
    out = []
    for variant, ix in (("bootstrap rows", idx), ("sorted rows", np.sort(idx))):
        t = timed("take", variant, reps(5), lambda: X[ix])
        r = finish(row("take", variant, "n=%s, rows of 8" % count(rows_n * 8), "f64", note="X[idx]"),
                   t, 2.0 * rows_n * 8 * 8 / 1e9, "GB/s")
        if not np.array_equal(t[3][:100], X[ix[:100]]):
            fail(r, "X[idx] rows")
        out.append(r)
    return out


def rng_draws():
    """numpy's generators filling n values on W threads, one generator per
    thread from spawned seeds (numpy's documented multithreaded pattern):
    PCG64 (default_rng) and Philox."""
    n = int(pick(1e6, 1e8, 5e8))
    kinds = (("normal", 1, lambda g, o: g.standard_normal(out=o)),
             ("uniform", 1, lambda g, o: g.random(out=o)),
             ("gamma(1,1)", 0, lambda g, o: g.standard_gamma(1.0, out=o)),
             ("gamma(2,1)", 0, lambda g, o: g.standard_gamma(2.0, out=o)),
             ("beta(2,3)", 0, lambda g, o: o.__setitem__(slice(None), g.beta(2.0, 3.0, o.size))))
    rows = []
    with ThreadPoolExecutor(max_workers=W) as ex:
        for bitgen, backend in ((np.random.PCG64, "numpy"), (np.random.Philox, "numpy-philox")):
            gens = [np.random.Generator(bitgen(s)) for s in np.random.SeedSequence(2024).spawn(W)]
            for name, big, fill in kinds:
                m = n if big else n // 4
                x = np.empty(m)
                parts = [x[i * m // W:(i + 1) * m // W] for i in range(W)]
                fill(gens[0], x[:1])  # warm up
                t = timed("rng", "%s %s" % (backend, name), reps(3 if SIZE == "full" else 5),
                          lambda: list(ex.map(lambda i: fill(gens[i], parts[i]), range(W))))
                rows.append(finish(row("rng", name, "n=%s" % count(m), "f64", backend=backend,
                                       note="%d threads" % W), t, 8.0 * m / 1e9, "GB/s"))
                del x, parts
    return rows

def _mix(x):
    """splitmix64 on uint64 arrays, as bench/glm.h's glm_mix."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _u(x):
    return (_mix(x) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def glm():
    """IRLS for logistic regression as a numpy user writes it; the data are
    bench/glm.h's, bit for bit (the same hashed uniforms)."""
    n, p = pick(100000, 1000000, 4000000), 50
    X = np.empty((n, p), order="F")
    X[:, 0] = 1.0
    i = np.arange(n, dtype=np.uint64)
    for j in range(1, p):
        X[:, j] = 2.0 * _u(np.uint64(0x5EED0000) + i + np.uint64(j * n)) - 1.0
    eta = np.zeros(n)
    for j in range(p):
        eta += 0.1 * ((j % 5) - 2) * X[:, j]
    y = (_u(np.uint64(0xBEEF000000000000) + i) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    del eta

    def once():
        b = np.zeros(p)
        step, its = np.inf, 0
        while True:
            e = X @ b
            dev = 2.0 * np.sum(np.maximum(e, 0) + np.log1p(np.exp(-np.abs(e))) - y * e)
            if step <= 1e-11 or its == 30:
                return b, dev, its
            mu = 1.0 / (1.0 + np.exp(-e))
            w = mu * (1.0 - mu)
            H = X.T @ (X * w[:, None])
            g = X.T @ (w * e + y - mu)
            nb = np.linalg.solve(H, g)
            step = np.max(np.abs(nb - b)) / np.max(np.abs(nb))
            b, its = nb, its + 1

    variant = "%d threads" % W
    t = timed("glm", variant, reps({"small": 3, "default": 3, "full": 2}[SIZE]), once)
    b, dev, its = t[3]
    r = row("glm", variant, "n=%s p=%d" % (count(n), p), "f64", threads=W)
    finish(r, t, its * n * p * (p + 6) / 1e9, "GFLOP/s")
    mu = 1.0 / (1.0 + np.exp(-(X @ b)))
    sc = np.max(np.abs(X.T @ (y - mu)) / (np.abs(X).T @ np.abs(y - mu)))
    if sc > 1e-11:
        fail(r, "score at b is %.3g of its scale" % sc)
    r["note"] = "%d steps, deviance %.12g, b0 %.12f, b1 %.12f" % (its, dev, b[0], b[1])
    return [r]


def pca():
    n, p = pick(100000, 1000000, 4000000), 100
    i = np.arange(n, dtype=np.uint64)
    f1 = 2.0 * _u(np.uint64(0xFAC7000000) + i) - 1.0
    f2 = 2.0 * _u(np.uint64(0xFAC8000000) + i) - 1.0
    X = np.empty((n, p), order="F")
    for j in range(p):
        X[:, j] = (3.0 + (2.0 * _u(np.uint64(0x9CA0000000) + i + np.uint64(j * n)) - 1.0) * (0.2 + 0.01 * j)
                   + f1 * math.sin(0.1 * j) * 2.0 + f2 * math.cos(0.07 * j))
    Xc = X - X.mean(axis=0)
    del X
    size = "n=%s p=%d" % (count(n), p)
    nr = reps({"small": 3, "default": 3, "full": 2}[SIZE])
    te = timed("pca", "eigh of X'X", nr, lambda: np.linalg.eigvalsh(Xc.T @ Xc))
    ts = timed("pca", "svd of X", nr, lambda: np.linalg.svd(Xc, compute_uv=False))
    lam, s = te[3], ts[3]
    worst = float(np.max(np.abs(lam[::-1] - s * s)) / (s[0] * s[0]))
    out = []
    for t, name, work in ((te, "eigh of X'X", n * p * p), (ts, "svd of X", 2 * n * p * p)):
        r = row("pca", name, size, "f64", threads=W)
        finish(r, t, work / 1e9, "GFLOP/s")
        if worst > 1e-10:
            fail(r, "eigh vs svd: %.3g of the largest" % worst)
        r["note"] = "spectra agree to %.2g of the largest" % worst
        out.append(r)
    return out


RUN = {"crossprod-chol": crossprod_chol, "matmul": matmul, "vecmath": vecmath,
       "three-tasks": three_tasks, "cv-folds": cv_folds, "alloc": alloc, "nested": nested,
       "stratified": stratified, "simulation": simulation, "compute-once": compute_once,
       "rng": rng_draws, "take": take, "bootstrap": bootstrap, "stats": stats, "glm": glm, "pca": pca}


def main():
    out = []
    for name in OPTS["names"]:
        if name not in RUN:
            out.append(skipped(name, "no peer does this scenario's work"))
            continue
        progress("%s (numpy %s, %d threads, size %s)" % (name, np.__version__, W, SIZE))
        try:
            out += RUN[name]()
        except MemoryError:
            out.append(skipped(name, "out of memory"))
        except Exception as e:  # noqa: BLE001 -- report, never crash the suite
            out.append(row(name, "", "", "", check="error: %s: %s" % (type(e).__name__, e)))
    clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
              for k, v in r.items()} for r in out]  # JSON has no NaN
    print(json.dumps(clean, indent=1))


if __name__ == "__main__":
    main()
