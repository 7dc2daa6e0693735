# test_leak.py -- no memory growth over 1e5 create/destroy cycles (wrap a
# numpy array, make an output, DLPack out and back), measured by RSS.
import gc

import numpy as np

import tandem


def _rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


def _cycles(ctx, n):
    x = np.arange(64.0)
    for _ in range(n):
        a = ctx.asarray(x)
        b = ctx.eval("x + 1", x=a)
        c = np.from_dlpack(b)
        d = tandem.from_dlpack(c, ctx)
        e = a[2:10]
        del a, b, c, d, e


def test_no_leak_over_1e5_cycles():
    ctx = tandem.Context("cpu", threads=1)
    _cycles(ctx, 10_000)  # warm: allocator pools, caches
    gc.collect()
    before = _rss_kib()
    _cycles(ctx, 100_000)
    gc.collect()
    grown = _rss_kib() - before
    assert grown < 2048, f"RSS grew {grown} KiB over 1e5 cycles"


def test_no_leak_contexts_and_rngs():
    for _ in range(200):
        c = tandem.Context("cpu", threads=1)
        c.rng(1, 2).normal(10)
        del c
    gc.collect()
    before = _rss_kib()
    for _ in range(2000):
        c = tandem.Context("sim", threads=1)
        r = c.rng(1, 2)
        r.normal(100).numpy()
        del c, r
    gc.collect()
    assert _rss_kib() - before < 4096
