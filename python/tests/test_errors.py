# test_errors.py -- every tdm_status maps to its own exception class, which
# derives from tandem.Error and the matching builtin; real failures carry
# tdm_last_error()'s message (function, argument, reason).
import numpy as np
import pytest

import tandem

EXPECT = {
    "TDM_ERR_INVALID": (tandem.InvalidError, ValueError),
    "TDM_ERR_NOMEM": (tandem.NoMemError, MemoryError),
    "TDM_ERR_DEVICE_NOMEM": (tandem.DeviceNoMemError, MemoryError),
    "TDM_ERR_NO_DEVICE": (tandem.NoDeviceError, RuntimeError),
    "TDM_ERR_NUMERIC": (tandem.NumericError, ArithmeticError),
    "TDM_ERR_PARSE": (tandem.ParseError, ValueError),
    "TDM_ERR_BACKEND": (tandem.BackendError, RuntimeError),
    "TDM_ERR_CANCELLED": (tandem.CancelledError, RuntimeError),
    "TDM_ERR_INTERNAL": (tandem.InternalError, RuntimeError),
    "TDM_ERR_UNSUPPORTED": (tandem.UnsupportedError, NotImplementedError),
}


def test_every_status_has_its_class():
    assert set(tandem.statuses) - {"TDM_OK"} == set(EXPECT)
    for name, (cls, builtin) in EXPECT.items():
        code = tandem.statuses[name]
        assert tandem._tandem._status_class(code) is cls
        assert issubclass(cls, tandem.Error) and issubclass(cls, builtin)
        assert cls.status == name
        with pytest.raises(cls, match=name) as e:
            tandem._tandem._raise_status(code)
        assert isinstance(e.value, builtin) and e.value.status == name


def test_real_failures_carry_the_message(cpu):
    with pytest.raises(tandem.InvalidError, match="backend: 'gpu' is not one of"):
        tandem.Context("gpu")
    # no GPU here: NO_DEVICE, or UNSUPPORTED from a build without the CUDA module
    with pytest.raises((tandem.NoDeviceError, tandem.UnsupportedError), match="CUDA|cuda") as e:
        tandem.Context("cuda")
    assert isinstance(e.value, (RuntimeError, NotImplementedError))
    with pytest.raises(tandem.ParseError, match=r"tdm_eval: unknown name 'yy' \(inputs: x\)"):
        cpu.eval("x + yy", x=np.ones(3))
    with pytest.raises(tandem.NumericError, match="tdm_cholesky"):
        cpu.cholesky(np.asfortranarray(np.diag([1.0, -1.0])))
    other = tandem.Context("cpu", threads=1)
    a, b = cpu.zeros(3), other.zeros(3)
    with pytest.raises(TypeError, match="of this context"):
        cpu.gemm(a, a, out=b)  # an input of another context is wrapped; out= must be ours
    np.testing.assert_array_equal(cpu.eval("x + 1", x=b).numpy(), [1, 1, 1])
    with pytest.raises(tandem.InvalidError, match="tdm_rng_uniform"):
        cpu.rng(1).uniform(3, 2.0, 1.0)
    with pytest.raises(tandem.InvalidError, match="tdm_gemm"):
        cpu.gemm(np.ones((2, 3), order="F"), np.ones((2, 3), order="F"))


def test_unsupported_device_pointer(cpu):
    with pytest.raises(BufferError):
        cpu.zeros(3).__dlpack__(max_version=(1, 0), dl_device=(2, 0))


def test_environment_errors(monkeypatch):
    monkeypatch.setenv("TDM_BACKEND", "gpu")
    with pytest.raises(tandem.InvalidError, match="TDM_BACKEND"):
        tandem.Context()
    monkeypatch.setenv("TDM_BACKEND", "cpu")
    monkeypatch.setenv("TDM_NUM_THREADS", "abc")
    with pytest.raises(tandem.InvalidError, match="TDM_NUM_THREADS"):
        tandem.Context()
    with pytest.raises(tandem.InvalidError, match="threads"):
        tandem.Context("cpu", threads=-1)


def test_errors_are_catchable_as_base(cpu):
    try:
        cpu.eval("(", x=np.ones(2))
    except tandem.Error as e:
        assert e.status == "TDM_ERR_PARSE" and "column" in str(e)
    else:
        pytest.fail("no exception")
