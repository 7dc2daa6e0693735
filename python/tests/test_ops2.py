# test_ops2.py -- the second wave of C calls against numpy (copies and
# indexing, statistics, model-fitting linear algebra). Each test skips
# while the libtandem it runs on lacks the call (tandem.UnsupportedError
# names it), and checks values once the call has landed.
import numpy as np
import pytest

import tandem


def call(f, *a, **k):
    try:
        return f(*a, **k)
    except tandem.UnsupportedError as e:
        pytest.skip(str(e))


def F(x):
    return np.asfortranarray(x)


def test_copy_converts(ctx):
    x = np.array([1.5, -2.7, 3.0, 1e6])
    got = call(ctx.copy, x, dtype=np.int32)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.numpy(), x.astype(np.int32))
    np.testing.assert_array_equal(ctx.copy(x, dtype=np.float32).numpy(), x.astype(np.float32))
    with pytest.raises(tandem.InvalidError):
        ctx.copy(np.array([np.nan]), dtype=np.int32)


def test_take_nonzero(ctx, rs):
    X = F(rs.standard_normal((10, 4)))
    idx = np.array([3, 0, 9, 3], np.int64)
    np.testing.assert_array_equal(call(ctx.take, X, idx).numpy(), X[idx])
    np.testing.assert_array_equal(ctx.take(X, np.array([2, 1], np.int32), axis=1).numpy(), X[:, [2, 1]])
    with pytest.raises(tandem.InvalidError):
        ctx.take(X, np.array([10], np.int64))
    m = F(np.array([[0.0, 1.0], [np.nan, -0.0], [2.0, 0.0]]))
    got = call(ctx.nonzero, m)
    np.testing.assert_array_equal(got, np.flatnonzero(m.ravel(order="F") != 0))


def test_eval_reduce(ctx, rs):
    x = rs.standard_normal(10000)
    got = call(ctx.eval_reduce, "exp(x) * a", x=x, a=2.0, ops=["sum", "max"])
    v = np.exp(x) * 2
    np.testing.assert_allclose(got, (v.sum(), v.max()), rtol=1e-12)
    assert ctx.eval_reduce("x", x=x) == pytest.approx(x.sum(), rel=1e-12)


def test_reduce_axis(ctx, rs):
    X = F(rs.standard_normal((50, 6)))
    np.testing.assert_allclose(call(ctx.reduce_axis, X, 0, "mean").numpy(), X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(ctx.reduce_axis(X, 1, "max").numpy(), X.max(1))


def test_group_stats(ctx, rs):
    x = rs.standard_normal(3000)
    g = rs.integers(0, 5, 3000).astype(np.int32)
    got = call(ctx.group_stats, x, g, 6, ["count", "mean", "sd"]).numpy()
    assert got.shape == (6, 3)
    for k in range(5):
        v = x[g == k]
        np.testing.assert_allclose(got[k], [v.size, v.mean(), v.std(ddof=1)], rtol=1e-11)
    assert got[5, 0] == 0 and np.isnan(got[5, 1])


def test_sort_argsort_quantile(ctx, rs):
    X = F(rs.standard_normal((100, 3)))
    np.testing.assert_array_equal(call(ctx.sort, X).numpy(), np.sort(X, axis=0))
    v = rs.integers(0, 10, 200).astype(np.float64)
    np.testing.assert_array_equal(call(ctx.argsort, v).numpy(), np.argsort(v, kind="stable"))
    q = [0.0, 0.1, 0.5, 0.99, 1.0]
    np.testing.assert_allclose(call(ctx.quantile, X, q).numpy(), np.quantile(X, q, axis=0), rtol=1e-12)


def test_gemv_crossprod_w(ctx, rs):
    A = F(rs.standard_normal((30, 8)))
    x, y = rs.standard_normal(8), rs.standard_normal(30)
    np.testing.assert_allclose(call(ctx.gemv, A, x).numpy(), A @ x, rtol=1e-12)
    np.testing.assert_allclose(ctx.gemv(A, y, trans=True).numpy(), A.T @ y, rtol=1e-12)
    w = rs.uniform(-1, 2, 30)
    np.testing.assert_allclose(call(ctx.crossprod_w, A, w).numpy(), A.T @ np.diag(w) @ A, rtol=1e-10, atol=1e-12)


def test_triangular_and_inverse(ctx, rs):
    X = rs.standard_normal((100, 6))
    S = F(X.T @ X / 100 + np.eye(6))
    R = ctx.cholesky(S).numpy()
    B = F(rs.standard_normal((6, 2)))
    np.testing.assert_allclose(call(ctx.solve_tri, R, B).numpy(), np.linalg.solve(R, B), rtol=1e-10)
    np.testing.assert_allclose(ctx.solve_tri(R, B, trans=True).numpy(), np.linalg.solve(R.T, B), rtol=1e-10)
    np.testing.assert_allclose(call(ctx.chol_inverse, R).numpy(), np.linalg.inv(S), rtol=1e-10)


def test_lstsq_eigh_svd(ctx, rs):
    X = F(rs.standard_normal((60, 5)))
    Y = F(rs.standard_normal((60, 2)))
    np.testing.assert_allclose(call(ctx.lstsq, X, Y).numpy(), np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-10)
    S = F(X.T @ X)
    w, V = call(ctx.eigh, S)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(S), rtol=1e-10)
    Vn = V.numpy()
    np.testing.assert_allclose(Vn @ np.diag(w.numpy()) @ Vn.T, S, rtol=1e-9, atol=1e-9)
    U, s, Vt = call(ctx.svd, X)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(X, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose(U.numpy() @ np.diag(s.numpy()) @ Vt.numpy(), X, atol=1e-10)
    np.testing.assert_allclose(ctx.svd(X, vectors=False).numpy(), s.numpy())
