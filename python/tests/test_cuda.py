# test_cuda.py -- on a machine with a GPU (skipped elsewhere): a CUDA
# context's arrays report kDLCUDA, hand out the device copy (a device
# pointer, not the host address) in the versioned capsule, and a CPU
# consumer asking for dl_device=(kDLCPU, 0) gets the host copy with the
# device's results in it.
import ctypes

import numpy as np
import pytest

import tandem


@pytest.fixture
def cuda():
    try:
        return tandem.Context("cuda")
    except (tandem.NoDeviceError, tandem.UnsupportedError) as e:
        pytest.skip(f"no GPU: {e}")


class DLTensorHead(ctypes.Structure):  # DLManagedTensorVersioned up to dl_tensor.device
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("data", ctypes.c_void_p),
                ("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


def _head(cap, name=b"dltensor_versioned"):
    f = ctypes.pythonapi.PyCapsule_GetPointer
    f.restype, f.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return DLTensorHead.from_address(f(cap, name))


def test_cuda_dlpack_export(cuda):
    a = cuda.eval("x * 2", x=np.arange(1000.0))  # runs on the GPU
    assert a.__dlpack_device__() == (2, cuda.device)
    cap = a.__dlpack__(max_version=(1, 0), stream=1)
    h = _head(cap)
    assert (h.major, h.device_type, h.device_id) == (1, 2, cuda.device)
    assert h.data and h.data != a.host_address
    host = np.from_dlpack(a, device="cpu")  # dl_device=(kDLCPU, 0): the host copy
    np.testing.assert_array_equal(host, 2 * np.arange(1000.0))
    b = tandem.from_dlpack(a, tandem.Context("cpu", threads=1))
    np.testing.assert_array_equal(b.numpy(), 2 * np.arange(1000.0))
