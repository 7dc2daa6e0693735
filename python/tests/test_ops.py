# test_ops.py -- every op of the C API bound so far, against numpy on the
# cpu and sim backends: expressions (broadcast numbers, dtypes, out=),
# reductions, group reduce, gemm/crossprod/cholesky/solve_spd and @, every
# random distribution (moments, ranges, reproducibility), stats.
import numpy as np
import pytest

import tandem
from conftest import on_view


def test_eval_matches_numpy(ctx, rs):
    x = rs.uniform(-2, 2, 1000)
    y = rs.uniform(0.5, 3, 1000)
    a = ctx.asarray(x)
    got = ctx.eval("exp(x) + 3*sin(x)", x=a).numpy()
    np.testing.assert_allclose(got, np.exp(x) + 3 * np.sin(x), rtol=1e-13)
    got = ctx.eval("where(x > 0, log(y) * x, y^2)", x=x, y=y).numpy()
    np.testing.assert_allclose(got, np.where(x > 0, np.log(y) * x, y**2), rtol=1e-13)
    got = ctx.eval("a*x + b", x=a, a=2.5, b=-1).numpy()  # numbers broadcast
    np.testing.assert_allclose(got, 2.5 * x - 1, rtol=1e-15)


def test_eval_shapes_dtypes_out(ctx, rs):
    x = np.asfortranarray(rs.standard_normal((20, 7)))
    r = ctx.eval("x * x", x=x)
    assert r.shape == (20, 7) and r.dtype == np.float64
    np.testing.assert_allclose(r.numpy(), x * x)
    f = x.astype(np.float32, order="F")
    r32 = ctx.eval("x * 2", x=f)
    assert r32.dtype == np.float32
    np.testing.assert_allclose(r32.numpy(), 2 * f, rtol=1e-6)
    r64 = ctx.eval("x * 2", x=f, dtype=np.float64)
    assert r64.dtype == np.float64
    i = np.arange(10, dtype=np.int32)
    ri = ctx.eval("x / 2", x=i)
    assert ri.dtype == np.float64
    np.testing.assert_array_equal(ri.numpy(), i / 2)
    out = ctx.zeros((20, 7))
    assert ctx.eval("x + 1", x=x, out=out) is out
    np.testing.assert_allclose(out.numpy(), x + 1)
    s = ctx.eval("2 + 3")
    assert s.shape == () and s[()] == 5.0


def test_eval_errors(ctx):
    a = ctx.asarray(np.arange(4.0))
    with pytest.raises(tandem.ParseError, match="unknown function 'fo'"):
        ctx.eval("fo(x)", x=a)
    with pytest.raises(tandem.InvalidError):
        ctx.eval("x + y", x=a, y=np.arange(3.0))  # element counts differ
    with pytest.raises(TypeError):
        ctx.eval(3, x=a)
    with pytest.raises(TypeError):
        ctx.eval("x", x=a, out=np.zeros(4))


REDUCE = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max,
          "var": lambda v: np.var(v, ddof=1), "sd": lambda v: np.std(v, ddof=1)}


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_reduce(ctx, rs, dt):
    x = np.asfortranarray(rs.standard_normal((300, 7)).astype(dt))
    a = ctx.asarray(x)
    tol = 1e-5 if dt == np.float32 else 1e-12
    names = list(REDUCE)
    got = ctx.reduce(a, names)
    for n, g in zip(names, got):
        np.testing.assert_allclose(g, REDUCE[n](x.astype(np.float64)), rtol=tol, atol=tol)
    assert ctx.reduce(a, "max") == x.max()
    np.testing.assert_allclose(a.sum(), x.astype(np.float64).sum(), rtol=tol)
    np.testing.assert_allclose(a.mean(), x.astype(np.float64).mean(), rtol=tol)
    np.testing.assert_allclose(a.std(), np.std(x.astype(np.float64), ddof=1), rtol=tol)
    np.testing.assert_allclose(a.var(), np.var(x.astype(np.float64), ddof=1), rtol=tol)
    assert a.min() == x.min() and a.max() == x.max()
    assert on_view(ctx.reduce, a[10:20, 1:3], "sum") == pytest.approx(x[10:20, 1:3].astype(np.float64).sum(), rel=tol)


def test_reduce_count_and_errors(ctx):
    a = ctx.asarray(np.arange(10.0))
    try:
        assert ctx.reduce(a, "count") == 10
    except (tandem.InvalidError, tandem.UnsupportedError):
        pass  # TDM_COUNT lands with the statistics stream
    with pytest.raises(tandem.InvalidError, match="not a reduction"):
        ctx.reduce(a, "median")
    with pytest.raises(tandem.InvalidError):
        ctx.reduce(ctx.asarray(np.arange(3, dtype=np.int32)), "sum")


@pytest.mark.parametrize("op", ["sum", "mean", "min", "max", "var", "sd"])
def test_group_reduce(ctx, rs, op):
    x = rs.standard_normal(5000)
    g = rs.integers(0, 7, 5000).astype(np.int32)
    got = ctx.group_reduce(x, g, 7, op).numpy()
    want = np.array([REDUCE[op](x[g == k]) for k in range(7)])
    assert got.shape == (7,)
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_group_reduce_errors(ctx):
    x = np.arange(4.0)
    with pytest.raises(tandem.InvalidError):
        ctx.group_reduce(x, np.array([0, 1, 5, 0], np.int32), 2)  # id out of range
    with pytest.raises(tandem.InvalidError):
        ctx.group_reduce(x, np.zeros(4, np.int32), 0)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_gemm_crossprod(ctx, rs, dt):
    tol = 1e-4 if dt == np.float32 else 1e-12
    A = np.asfortranarray(rs.standard_normal((30, 20)).astype(dt))
    B = np.asfortranarray(rs.standard_normal((20, 10)).astype(dt))
    np.testing.assert_allclose(ctx.gemm(A, B).numpy(), A @ B, rtol=tol, atol=tol)
    C = np.asfortranarray(rs.standard_normal((20, 20)).astype(dt))
    out = ctx.asarray(C.copy(order="F"))
    ctx.gemm(A, A, alpha=0.5, beta=2.0, out=out, trans_a=True)
    np.testing.assert_allclose(out.numpy(), 0.5 * A.T @ A + 2 * C, rtol=tol, atol=tol)
    np.testing.assert_allclose(ctx.gemm(B, A, trans_a=True, trans_b=True).numpy(), B.T @ A.T,
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(ctx.crossprod(A).numpy(), A.T @ A, rtol=tol, atol=tol * 10)
    a, b = ctx.asarray(A), ctx.asarray(B)
    np.testing.assert_allclose((a @ b).numpy(), A @ B, rtol=tol, atol=tol)
    v = rs.standard_normal(20).astype(dt)
    np.testing.assert_allclose((a @ ctx.asarray(v)).numpy(), A @ v, rtol=tol, atol=tol)
    w = rs.standard_normal(30).astype(dt)
    np.testing.assert_allclose((ctx.asarray(w) @ a).numpy(), w @ A, rtol=tol, atol=tol)
    np.testing.assert_allclose(ctx.asarray(v) @ ctx.asarray(v), v @ v, rtol=tol)
    with pytest.raises(tandem.InvalidError):
        ctx.gemm(A, A)  # 30x20 times 30x20


def test_cholesky_solve(ctx, rs):
    X = rs.standard_normal((200, 12))
    S = np.asfortranarray(X.T @ X / 200 + np.eye(12))
    R = ctx.cholesky(S).numpy()
    np.testing.assert_allclose(R, np.linalg.cholesky(S).T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.tril(R, -1), 0)
    B = np.asfortranarray(rs.standard_normal((12, 3)))
    Xs = ctx.solve_spd(S, B).numpy()
    np.testing.assert_allclose(Xs, np.linalg.solve(S, B), rtol=1e-10)
    s = ctx.asarray(S.copy(order="F"))
    b = ctx.asarray(B.copy(order="F"))
    assert ctx.solve_spd(s, b, overwrite=True) is b  # in place: b holds X, s holds R
    np.testing.assert_allclose(b.numpy(), np.linalg.solve(S, B), rtol=1e-10)
    np.testing.assert_allclose(s.numpy(), R, rtol=1e-10)
    with pytest.raises(tandem.NumericError):
        ctx.cholesky(np.asfortranarray(-np.eye(3)))
    with pytest.raises(ArithmeticError):  # the builtin base
        ctx.cholesky(np.asfortranarray(-np.eye(3)))


def _moments(ctx, draw, n=200_000):
    a = draw(n)
    v = a.numpy().astype(np.float64)
    return v, v.mean(), v.var()


DISTS = [  # name, call, mean, var
    ("uniform", lambda r, n: r.uniform(n, 2, 5), 3.5, 9 / 12),
    ("normal", lambda r, n: r.normal(n, 1, 2), 1.0, 4.0),
    ("gamma", lambda r, n: r.gamma(n, 2.5, 2.0), 5.0, 10.0),
    ("exponential", lambda r, n: r.exponential(n, 4.0), 0.25, 1 / 16),
    ("lognormal", lambda r, n: r.lognormal(n, 0.1, 0.4), np.exp(0.1 + 0.08),
     (np.exp(0.16) - 1) * np.exp(0.2 + 0.16)),
    ("beta", lambda r, n: r.beta(n, 2.0, 3.0), 0.4, 6 / (25 * 6)),
    ("chisq", lambda r, n: r.chisq(n, 3.0), 3.0, 6.0),
    ("poisson", lambda r, n: r.poisson(n, 6.5), 6.5, 6.5),
    ("binomial", lambda r, n: r.binomial(n, 20, 0.3), 6.0, 4.2),
    ("bernoulli", lambda r, n: r.bernoulli(n, 0.3), 0.3, 0.21),
    ("integers", lambda r, n: r.integers(n, -3, 7), 1.5, (10**2 - 1) / 12),
]


@pytest.mark.parametrize("name,call,mean,var", DISTS, ids=[d[0] for d in DISTS])
def test_distributions(ctx, name, call, mean, var):
    r = ctx.rng(42, 3)
    v, m, s2 = _moments(ctx, lambda n: call(r, n))
    n = v.size
    assert abs(m - mean) < 6 * np.sqrt(var / n), (m, mean)
    assert abs(s2 - var) < 0.05 * var, (s2, var)
    # reproducible from (seed, stream); another stream differs
    np.testing.assert_array_equal(call(ctx.rng(42, 3), 1000).numpy(), v[:1000].astype(v.dtype))
    assert not np.array_equal(call(ctx.rng(42, 4), 1000).numpy(), v[:1000])


def test_distribution_dtypes_ranges(ctx):
    r = ctx.rng(7)
    assert r.normal(10).dtype == np.float64
    assert r.normal(10, dtype=np.float32).dtype == np.float32
    assert r.poisson(10, 3.0).dtype == np.int64
    assert r.poisson(10, 3.0, dtype=np.int32).dtype == np.int32
    b = r.bits((4, 5))
    assert b.dtype == np.uint32 and b.shape == (4, 5)
    i = r.integers(10000, 5, 9).numpy()
    assert i.min() == 5 and i.max() == 8
    p = r.permutation(1000).numpy()
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    bs = r.bootstrap(5000, 17).numpy()
    assert bs.min() == 0 and bs.max() == 16
    out = ctx.zeros((3, 3))
    assert r.uniform(None, out=out) is out and 0 < out.numpy().min()
    off = r.offset
    x = r.normal(8).numpy()
    r.seek(off)
    np.testing.assert_array_equal(r.normal(8).numpy(), x)
    with pytest.raises(tandem.InvalidError):
        r.uniform(5, 3, 1)  # lo >= hi
    with pytest.raises(tandem.InvalidError):
        r.bernoulli(5, 1.5)
    with pytest.raises(tandem.InvalidError):
        r.normal(5, dtype=np.int32)


def test_rng_same_on_cpu_and_sim():
    a = tandem.Context("cpu", threads=2).rng(9, 1).gamma(5000, 0.7).numpy()
    b = tandem.Context("sim", threads=1).rng(9, 1).gamma(5000, 0.7).numpy()
    np.testing.assert_array_equal(a, b)


def test_stats(ctx):
    ctx.stats_reset()
    a = ctx.asarray(np.arange(1000.0))
    ctx.eval("x + 1", x=a, out=a)
    a.numpy()
    st = ctx.stats()
    assert set(st) == {"h2d_count", "h2d_bytes", "d2h_count", "d2h_bytes", "cpu_ops", "device_ops"}
    if ctx.backend == "sim":
        assert st["device_ops"] == 1 and st["h2d_count"] == 1 and st["d2h_count"] == 1
        assert st["h2d_bytes"] == 8000
    else:
        assert st["cpu_ops"] == 1 and st["h2d_count"] == 0
    ctx.sync()
