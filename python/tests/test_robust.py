# test_robust.py -- bad input gives exceptions, never a crash: every
# Context, Array, Rng and Pool method called with wrong types, shapes,
# dtypes, read-only and foreign arrays.
import itertools

import numpy as np
import pytest

import tandem

JUNK = [None, "x", 3, -1, 2.5, [1, "a"], {}, object(), np.zeros(0), np.zeros((2, 2, 2)),
        np.zeros(3, np.complex64), np.arange(6.0).reshape(2, 3), np.zeros(3, np.float16)]


def _call(f, *args, **kw):
    try:
        f(*args, **kw)
    except Exception:  # any exception is fine; a crash is not
        pass


def test_context_methods_with_junk(cpu):
    good = cpu.asarray(np.arange(4.0))
    methods = ["reduce", "group_reduce", "gemm", "crossprod", "cholesky", "solve_spd", "asarray",
               "empty", "zeros", "rng", "pool"]
    for name in methods:
        f = getattr(cpu, name)
        for a in JUNK:
            _call(f, a)
            _call(f, good, a)
            _call(f, a, good, a)
    for a, b in itertools.product(JUNK, repeat=2):
        _call(cpu.eval, "x + y", x=a, y=b)
    _call(cpu.eval)
    _call(cpu.eval, "x", good)
    _call(cpu.eval, "x", x=good, out=good, dtype="int32")
    _call(cpu.eval, "x" * 5000, x=good)
    _call(cpu.eval, "+".join(f"a{i}" for i in range(20)), **{f"a{i}": good for i in range(20)})


def test_array_methods_with_junk(cpu):
    a = cpu.asarray(np.asfortranarray(np.arange(12.0).reshape(3, 4)))
    for k in JUNK + [(1, 2, 3), (slice(None), "a"), (slice(0, 2, 2),), Ellipsis, (None,)]:
        _call(a.__getitem__, k)
        _call(a.__setitem__, k, 1.0)
    for kw in [dict(max_version="a"), dict(max_version=(1,)), dict(dl_device=(99, 0)),
               dict(copy="yes"), dict(stream=object())]:
        _call(a.__dlpack__, **kw)
    _call(a.__array__, dtype="nonsense")
    _call(lambda: a @ 3)
    _call(lambda: a @ a)


def test_rng_and_pool_with_junk(cpu):
    r = cpu.rng(1, 2)
    for name in ["bits", "uniform", "normal", "gamma", "exponential", "lognormal", "beta",
                 "chisq", "poisson", "binomial", "bernoulli", "integers", "permutation",
                 "bootstrap"]:
        f = getattr(r, name)
        for a in JUNK + [(0,), (3, 0), (1 << 62, 1 << 62)]:
            _call(f, a)
            _call(f, 3, a)
            _call(f, 3, a, a)
    _call(r._draw, "nope", 3, None, None)
    _call(r.seek, -1)
    p = cpu.pool(cpu_workers=1)
    for a in JUNK:
        _call(p.map, a, 3)
        _call(p.map, lambda c, i: i, a)
    assert p.map(lambda c, i: i, 3) == [0, 1, 2]  # still works


def test_context_args(cpu):
    for kw in [dict(backend=3), dict(backend=""), dict(threads="a"), dict(device=-1),
               dict(device="x"), dict(threads=1 << 40)]:
        with pytest.raises((TypeError, ValueError, OverflowError, tandem.Error)):
            tandem.Context(**kw)
