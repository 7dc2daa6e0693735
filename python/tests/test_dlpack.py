# test_dlpack.py -- DLPack both ways with numpy (no copy: the same address,
# writes seen), versioned and legacy capsules, read-only and copy flags,
# devices, tandem -> tandem, and bad capsules.
import ctypes
import gc

import numpy as np
import pytest

import tandem


def test_numpy_from_tandem_no_copy(cpu):
    x = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    a = cpu.asarray(x)
    y = np.from_dlpack(a)
    assert y.ctypes.data == x.ctypes.data and y.shape == (3, 4)
    np.testing.assert_array_equal(y, x)
    y[1, 2] = -1.0
    assert x[1, 2] == -1.0
    del a
    gc.collect()
    np.testing.assert_array_equal(y, x)  # the capsule keeps the array alive


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32, np.int64, np.uint32])
def test_tandem_from_numpy_no_copy(ctx, dt):
    x = np.arange(10).astype(dt)
    a = tandem.from_dlpack(x, ctx)
    assert a.host_address == x.ctypes.data and a.dtype == np.dtype(dt) and a.shape == (10,)
    np.testing.assert_array_equal(a.numpy(), x)
    f = np.asfortranarray(np.arange(6).reshape(2, 3).astype(dt))
    b = tandem.from_dlpack(f, ctx)
    assert b.host_address == f.ctypes.data and b.shape == (2, 3)
    np.testing.assert_array_equal(b.numpy(), f)


def test_c_order_copied_unless_forbidden(cpu):
    c = np.arange(6.0).reshape(2, 3)
    a = tandem.from_dlpack(c, cpu)
    assert a.host_address != c.ctypes.data
    np.testing.assert_array_equal(a.numpy(), c)
    with pytest.raises(BufferError):
        tandem.from_dlpack(c, cpu, copy=False)
    s = tandem.from_dlpack(np.arange(10.0)[::3], cpu)
    np.testing.assert_array_equal(s.numpy(), np.arange(10.0)[::3])


def test_copy_flag(cpu):
    x = np.arange(5.0)
    a = tandem.from_dlpack(x, cpu, copy=True)
    assert a.host_address != x.ctypes.data
    np.testing.assert_array_equal(a.numpy(), x)
    t = cpu.asarray(x)
    y = np.from_dlpack(t, copy=True)
    assert y.ctypes.data != x.ctypes.data
    np.testing.assert_array_equal(y, x)


def _capsule_name(cap):
    f = ctypes.pythonapi.PyCapsule_GetName
    f.restype, f.argtypes = ctypes.c_char_p, [ctypes.py_object]
    return f(cap).decode()


def test_versioned_and_legacy_capsules(cpu):
    x = np.arange(4.0)
    a = cpu.asarray(x)
    assert _capsule_name(a.__dlpack__(max_version=(1, 0))) == "dltensor_versioned"
    assert _capsule_name(a.__dlpack__()) == "dltensor"
    assert _capsule_name(a.__dlpack__(max_version=(0, 8))) == "dltensor"
    for cap in (a.__dlpack__(max_version=(1, 0)), a.__dlpack__()):
        b = tandem._tandem._from_capsule(cpu, cap)
        assert b.host_address == x.ctypes.data
        assert _capsule_name(cap).startswith("used_")
        with pytest.raises(ValueError, match="not an unused DLPack capsule"):
            tandem._tandem._from_capsule(cpu, cap)
    assert a.__dlpack_device__() == (1, 0)
    del a, b
    gc.collect()
    # an unconsumed capsule frees its tensor when it goes
    caps = [cpu.asarray(x).__dlpack__(max_version=(1, 0)) for _ in range(100)]
    del caps
    gc.collect()


def test_numpy_legacy_consumer(cpu):
    x = np.arange(4.0)
    a = cpu.asarray(x)

    class Legacy:  # a producer that only speaks the legacy protocol
        def __dlpack__(self, stream=None):
            return a.__dlpack__()

        def __dlpack_device__(self):
            return a.__dlpack_device__()

    b = tandem.from_dlpack(Legacy(), cpu)
    assert b.host_address == x.ctypes.data


def test_readonly_flag(cpu):
    x = np.arange(4.0)
    x.setflags(write=False)
    a = cpu.asarray(x)
    y = np.from_dlpack(a)  # versioned: numpy sees the read-only flag
    assert not y.flags.writeable and y.ctypes.data == x.ctypes.data
    with pytest.raises(BufferError, match="read-only"):
        a.__dlpack__()  # legacy cannot carry the flag
    b = tandem.from_dlpack(x, cpu)  # numpy's read-only export
    assert b.readonly
    with pytest.raises(ValueError):
        cpu.eval("x", x=b, out=b)


def test_tandem_roundtrip_and_devices(ctx):
    a = ctx.eval("x * 3", x=np.arange(6.0))
    b = tandem.from_dlpack(a, tandem.Context("cpu", threads=1))
    np.testing.assert_array_equal(b.numpy(), 3 * np.arange(6.0))
    assert a.__dlpack_device__() == (1, 0)  # sim and cpu arrays hand out host memory
    with pytest.raises(BufferError):
        a.__dlpack__(max_version=(1, 0), dl_device=(2, 0))
    with pytest.raises(BufferError):
        a.__dlpack__(max_version=(1, 0), stream=5)
    c = a.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=False)
    assert tandem._tandem._from_capsule(ctx, c).host_address == a.host_address


def test_bad_dlpack_input(cpu):
    with pytest.raises(TypeError):
        tandem.from_dlpack([1, 2, 3], cpu)
    with pytest.raises(ValueError):
        tandem._tandem._from_capsule(cpu, object())
    with pytest.raises(TypeError):
        tandem.from_dlpack(np.zeros(3, np.complex128), cpu)
    with pytest.raises((ValueError, BufferError)):
        tandem.from_dlpack(np.zeros((2, 2, 2)), cpu)
    with pytest.raises(TypeError):
        cpu.asarray(np.arange(3.0)).__dlpack__(max_version=5)
