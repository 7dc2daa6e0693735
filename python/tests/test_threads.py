# test_threads.py -- the GIL is released in tandem calls (two Python
# threads running a long ctx.eval overlap in time), and Pool.map runs a
# Python callable per index with a lane context, results in index order,
# the lowest failing index's exception re-raised.
import threading
import time

import numpy as np
import pytest

import tandem

HEAVY = "sqrt(exp(sin(x)) + cos(x)^2) + log1p(abs(x)) + atan(x)"


def _long_eval(ctx, a, out):
    for _ in range(3):
        ctx.eval(HEAVY, x=a, out=out)


def test_gil_released_two_threads_overlap():
    ctxs = [tandem.Context("cpu", threads=1) for _ in range(2)]
    n = 2_000_000
    data = [(c, c.asarray(np.linspace(-3, 3, n)), c.zeros(n)) for c in ctxs]
    _long_eval(*data[0])  # warm: compile once
    t0 = time.perf_counter()
    _long_eval(*data[0])
    single = time.perf_counter() - t0
    spans = [None, None]
    barrier = threading.Barrier(2)

    def work(k):
        barrier.wait()
        s = time.perf_counter()
        _long_eval(*data[k])
        spans[k] = (s, time.perf_counter())

    ts = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    overlap = min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0])
    shorter = min(e - s for s, e in spans)
    # With the GIL held the second thread could not even start its clock
    # until the first returned: no overlap at all.
    assert overlap > 0.5 * shorter, (spans, single)


def test_pool_map(ctx):
    x = np.arange(1000.0)
    a = ctx.asarray(x)
    pool = ctx.pool(cpu_workers=2)
    seen = []

    def task(tctx, i):
        assert tctx.lane in ("cpu", "gpu") and tctx.root is ctx
        seen.append(tctx.worker)
        return tctx.reduce(tctx.eval("x * k", x=a, k=float(i)), "sum")

    try:
        assert pool.cpu_workers == 2 and pool.gpu_lanes >= 0
    except tandem.UnsupportedError:
        pass  # a libtandem without tdm_pool_workers
    got = pool.map(task, 20, schedule="dynamic")
    assert got == [i * x.sum() for i in range(20)]
    for sched in ("static", "guided"):
        assert pool.map(lambda c, i: i * i, 10, schedule=sched, chunk=2) == [i * i for i in range(10)]
    assert pool.map(lambda c, i: i, 0) == []


def test_pool_map_rng_streams_independent_of_schedule(cpu):
    pool = cpu.pool(cpu_workers=2)

    def rep(c, i):
        return c.rng(2024, i).normal(100).mean()

    a = pool.map(rep, 16, schedule="dynamic")
    b = pool.map(rep, 16, schedule="static")
    assert a == b == [cpu.rng(2024, i).normal(100).mean() for i in range(16)]


def test_pool_map_exception(cpu):
    pool = cpu.pool(cpu_workers=2)

    def task(c, i):
        if i in (5, 9):
            raise KeyError(f"bad {i}")
        return i

    with pytest.raises(KeyError, match="bad 5"):
        pool.map(task, 12, schedule="static")
    with pytest.raises(tandem.ParseError):
        pool.map(lambda c, i: c.eval("(", x=np.ones(2)), 3)
    with pytest.raises(tandem.InvalidError, match="schedule"):
        pool.map(task, 3, schedule="fast")
    with pytest.raises(TypeError):
        pool.map(3, 3)
    kept = []
    pool.map(lambda c, i: kept.append(c), 2)
    with pytest.raises(tandem.InvalidError, match="lane context is gone"):
        kept[0].eval("x", x=np.ones(2))


def test_pool_tasks_run_in_parallel(cpu):
    ctx = tandem.Context("cpu", threads=2)
    pool = ctx.pool(cpu_workers=2)
    n = 1_000_000
    a = ctx.asarray(np.linspace(-3, 3, n))
    outs = [ctx.zeros(n) for _ in range(2)]
    spans = {}

    def task(c, i):
        s = time.perf_counter()
        for _ in range(3):
            c.eval(HEAVY, x=a, out=outs[i])
        spans[i] = (s, time.perf_counter())

    pool.map(task, 2, schedule="static", chunk=1)
    overlap = min(spans[0][1], spans[1][1]) - max(spans[0][0], spans[1][0])
    assert overlap > 0.3 * min(e - s for s, e in spans.values()), spans
