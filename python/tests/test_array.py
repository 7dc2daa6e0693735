# test_array.py -- tandem.Array against numpy: shapes and dtypes, zero-copy
# wrapping (shared address, writes seen both ways), what gets copied
# (C-ordered 2-D, strided), lifetimes, read-only arrays, slicing (views
# when libtandem has tdm_buf_view), and bad input raising, not crashing.
import gc
import sys

import numpy as np
import pytest

import tandem
from conftest import on_view

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint32]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (5, 3), (1, 4), (4, 1), ()])
def test_roundtrip_shape_dtype(ctx, rs, dt, shape):
    x = np.asfortranarray((rs.standard_normal(shape) * 100).astype(dt))
    a = ctx.asarray(x)
    assert a.shape == x.shape and a.ndim == x.ndim and a.size == x.size
    assert a.dtype == np.dtype(dt) and a.nbytes == x.nbytes
    y = a.numpy()
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(np.asarray(a), x)


@pytest.mark.parametrize("dt", DTYPES)
def test_empty_zeros(ctx, dt):
    z = ctx.zeros((3, 4), dtype=dt)
    assert z.shape == (3, 4) and z.dtype == np.dtype(dt)
    np.testing.assert_array_equal(z.numpy(), np.zeros((3, 4), dt))
    e = ctx.empty(5)
    assert e.shape == (5,) and e.dtype == np.float64


@pytest.mark.parametrize("shape", [(1000,), (40, 25)])
def test_zero_copy_shares_memory(cpu, shape):
    x = np.asfortranarray(np.arange(np.prod(shape), dtype=np.float64).reshape(shape, order="F"))
    a = cpu.asarray(x)
    assert a.host_address == x.ctypes.data
    y = a.numpy()
    assert y.ctypes.data == x.ctypes.data and np.shares_memory(x, y)
    x.flat[3] = -7.0  # numpy -> tandem
    assert cpu.reduce(a, "min") == -7.0
    want = 2 * x
    cpu.eval("x * 2", x=a, out=a)  # tandem -> numpy
    assert x.flat[3] == -14.0
    np.testing.assert_array_equal(x, want)


def test_zero_copy_on_sim_with_touch():
    sim = tandem.Context("sim", threads=1)
    x = np.arange(6.0)
    a = sim.asarray(x)
    assert a.host_address == x.ctypes.data
    sim.eval("x + 1", x=a, out=a)  # runs on the sim device
    y = a.numpy()  # makes the host copy current: the same memory as x
    assert np.shares_memory(x, y)
    np.testing.assert_array_equal(x, np.arange(6.0) + 1)
    x[0] = 100.0
    a.touch()  # host written outside tandem: the device copy is stale
    assert sim.reduce(a, "max") == 100.0


def test_c_order_and_strided_are_copied(cpu):
    c = np.arange(12.0).reshape(3, 4)  # C order: tandem is column-major
    a = cpu.asarray(c)
    assert a.host_address != c.ctypes.data
    np.testing.assert_array_equal(a.numpy(), c)
    s = np.arange(20.0)[::2]  # strided
    b = cpu.asarray(s)
    np.testing.assert_array_equal(b.numpy(), s)
    with pytest.raises(ValueError, match="copy=False"):
        cpu.asarray(c, copy=False)
    f = np.asfortranarray(c)
    assert cpu.asarray(f, copy=True).host_address != f.ctypes.data
    assert cpu.asarray(f, copy=False).host_address == f.ctypes.data


def test_lists_and_scalars(cpu):
    np.testing.assert_array_equal(cpu.asarray([1.0, 2.0, 3.0]).numpy(), [1, 2, 3])
    np.testing.assert_array_equal(cpu.asarray([[1, 2], [3, 4]]).numpy(), [[1, 2], [3, 4]])
    assert cpu.asarray(2.5).shape == ()


def test_wrapped_array_outlives_numpy_name(ctx):
    x = np.asfortranarray(np.arange(10000.0))
    ref = x.copy()
    a = ctx.asarray(x)
    del x
    gc.collect()
    junk = [np.ones(10000) for _ in range(20)]  # would reuse freed memory
    np.testing.assert_array_equal(a.numpy(), ref)
    assert ctx.reduce(a, "sum") == ref.sum()
    del junk


def test_numpy_view_outlives_array(ctx):
    a = ctx.eval("x + 1", x=np.arange(5.0))
    y = a.numpy()
    del a
    gc.collect()
    np.testing.assert_array_equal(y, np.arange(5.0) + 1)


def test_readonly(cpu):
    x = np.arange(4.0)
    x.setflags(write=False)
    a = cpu.asarray(x)
    assert a.readonly and a.host_address == x.ctypes.data
    assert not a.numpy().flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        cpu.eval("x", x=a, out=a)
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 1.0
    assert cpu.eval("x * 3", x=a).numpy()[3] == 9.0


def test_slicing(ctx, rs):
    x = np.asfortranarray(rs.standard_normal((30, 8)))
    a = ctx.asarray(x)
    for key in [(slice(10, 20), slice(2, 5)), (slice(None), 3), (4, slice(1, 7)),
                (slice(-5, None),), (slice(0, 1), slice(0, 1))]:
        v = a[key]
        np.testing.assert_array_equal(v.numpy(), x[key])
        assert v.shape == x[key].shape
        assert v.dtype == x.dtype
    assert a[3, 4] == x[3, 4]
    assert a[-1, -1] == x[-1, -1]
    with pytest.raises(IndexError):
        a[::2]
    with pytest.raises(IndexError):
        a[40]
    with pytest.raises(IndexError):
        a[1, 2, 3]
    with pytest.raises(IndexError):
        a[5:5]
    v = a[10:20, 2:5]
    np.testing.assert_allclose(v.copy().numpy(), x[10:20, 2:5])
    np.testing.assert_allclose(on_view(ctx.reduce, v, "sum"), x[10:20, 2:5].sum(), rtol=1e-12)
    np.testing.assert_allclose(on_view(ctx.eval, "x * 2", x=v).numpy(), 2 * x[10:20, 2:5])


def test_slicing_views_write_through(cpu):
    if not tandem._tandem._have_views:
        pytest.skip("this libtandem has no tdm_buf_view yet: slices are copies (docs/python.md)")
    x = np.asfortranarray(np.zeros((6, 5)))
    a = cpu.asarray(x)
    v = a[1:4, 2:4]
    assert v.is_view and v.host_address == x[1:, 2:].ctypes.data
    cpu.copy(np.full((3, 2), 7.0, order="F"), out=v)  # tdm_copy writes into the view
    vn = v.numpy()  # a strided numpy view of the same memory
    assert vn.ctypes.data == x[1:, 2:].ctypes.data and vn.strides == (8, 48)
    expect = np.zeros((6, 5))
    expect[1:4, 2:4] = 7
    np.testing.assert_array_equal(x, expect)
    col = a[:, 4]  # a column: contiguous, so every op takes it
    cpu.eval("x + 5", x=col, out=col)
    expect[:, 4] += 5
    np.testing.assert_array_equal(x, expect)
    del a, col
    gc.collect()
    np.testing.assert_array_equal(v.numpy(), np.full((3, 2), 7.0))


def test_setitem(ctx):
    a = ctx.zeros((3, 3))
    a[1, :] = 5.0
    a.touch()
    assert ctx.reduce(a, "sum") == 15.0


def test_copy_method(ctx):
    a = ctx.asarray(np.arange(6.0))
    b = a.copy()
    assert b.host_address != a.host_address
    np.testing.assert_array_equal(b.numpy(), np.arange(6.0))


@pytest.mark.parametrize("bad", [
    np.zeros(3, dtype=np.complex128), np.zeros(3, dtype=np.int16), np.zeros(3, dtype=bool),
    np.zeros((2, 2, 2)), np.zeros(0), np.zeros((0, 3)), "text", {"a": 1}, object(),
])
def test_bad_input_raises(cpu, bad):
    with pytest.raises((TypeError, ValueError)):
        cpu.asarray(bad)


def test_bad_shapes_and_dtypes(cpu):
    with pytest.raises(tandem.InvalidError):
        cpu.zeros(0)
    with pytest.raises(ValueError):
        cpu.zeros(-3)
    with pytest.raises(TypeError):
        cpu.zeros((2, 2, 2))
    with pytest.raises(TypeError, match="not supported"):
        cpu.zeros(3, dtype=np.complex64)
    with pytest.raises(tandem.InvalidError, match="overflow"):
        cpu.empty((1 << 40, 1 << 30))


def test_refcounts_stable(cpu):
    x = np.arange(10.0)
    before = sys.getrefcount(x)
    for _ in range(100):
        a = cpu.asarray(x)
        del a
    assert sys.getrefcount(x) == before
