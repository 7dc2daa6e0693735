"""tandem: a numerical compute engine (CPU cores or a CUDA GPU) from Python.

    import numpy as np, tandem
    ctx = tandem.Context()                 # backend="auto", threads=0, device=0
    x = ctx.asarray(np.linspace(0, 1, 10)) # wraps the numpy array, no copy
    y = ctx.eval("exp(x) + 3*sin(x)", x=x)
    print(y.numpy(), ctx.reduce(y, ["mean", "sd"]))

See docs/python.md for the numpy and DLPack rules, threads and the GIL.
"""
from . import _tandem
from ._tandem import (  # noqa: F401
    Array, Context, Pool, info, __version__,
    Error, InvalidError, NoMemError, DeviceNoMemError, NoDeviceError, NumericError,
    ParseError, BackendError, CancelledError, InternalError, UnsupportedError,
)

__all__ = [
    "Array", "Context", "Pool", "Rng", "info", "get_include", "from_dlpack", "default_context", "statuses",
    "Error", "InvalidError", "NoMemError", "DeviceNoMemError", "NoDeviceError", "NumericError",
    "ParseError", "BackendError", "CancelledError", "InternalError", "UnsupportedError",
]

#: status name ("TDM_ERR_INVALID") -> code, as in include/tandem/tandem.h
statuses = _tandem._statuses()


class Rng(_tandem._Rng):
    """A Philox4x32-10 stream of a context: ``ctx.rng(seed, stream)``.

    Each draw fills a new array of ``shape`` (or ``out=``, an existing
    array); ``dtype`` defaults to float64 for real-valued draws and int64
    for counts and indices. Draws depend only on (seed, stream, offset):
    the same on every backend and thread count (docs/random.md).
    """

    def bits(self, shape, *, out=None):
        return self._draw("bits", shape, "uint32", out)

    def uniform(self, shape, lo=0.0, hi=1.0, *, dtype=None, out=None):
        return self._draw("uniform", shape, dtype, out, lo, hi)

    def normal(self, shape, mean=0.0, sd=1.0, *, dtype=None, out=None):
        return self._draw("normal", shape, dtype, out, mean, sd)

    def gamma(self, shape, k, scale=1.0, *, dtype=None, out=None):
        return self._draw("gamma", shape, dtype, out, k, scale)

    def exponential(self, shape, rate=1.0, *, dtype=None, out=None):
        return self._draw("exponential", shape, dtype, out, rate)

    def lognormal(self, shape, meanlog=0.0, sdlog=1.0, *, dtype=None, out=None):
        return self._draw("lognormal", shape, dtype, out, meanlog, sdlog)

    def beta(self, shape, a, b, *, dtype=None, out=None):
        return self._draw("beta", shape, dtype, out, a, b)

    def chisq(self, shape, df, *, dtype=None, out=None):
        return self._draw("chisq", shape, dtype, out, df)

    def poisson(self, shape, lam, *, dtype=None, out=None):
        return self._draw("poisson", shape, dtype, out, lam)

    def binomial(self, shape, n, p, *, dtype=None, out=None):
        return self._draw("binomial", shape, dtype, out, n, p)

    def bernoulli(self, shape, p, *, dtype=None, out=None):
        return self._draw("bernoulli", shape, dtype, out, p)

    def integers(self, shape, lo, hi, *, dtype=None, out=None):
        """Uniform integers on [lo, hi)."""
        return self._draw("integers", shape, dtype, out, lo, hi)

    def permutation(self, n, *, dtype=None, out=None):
        """A random permutation of 0 .. n-1."""
        return self._draw("permutation", n, dtype, out)

    def bootstrap(self, shape, n, *, dtype=None, out=None):
        """Indices drawn with replacement from [0, n)."""
        return self._draw("bootstrap", shape, dtype, out, n)

    def __repr__(self):
        return f"tandem.Rng(seed={self.seed}, stream={self.stream}, offset={self.offset})"


_tandem._set_rng_class(Rng)


def get_include():
    """The folder holding tandem/tandem.h, for C code built against the
    package's libtandem (which is in the folder of this file)."""
    import os

    return os.path.join(os.path.dirname(__file__), "include")

_default = None


def default_context():
    """The Context that module-level helpers (from_dlpack) use: made on first
    use with the environment's defaults (TDM_BACKEND, TDM_NUM_THREADS)."""
    global _default
    if _default is None:
        _default = Context()
    return _default


_HOST_DEVICES = (1, 3, 13)  # kDLCPU, kDLCUDAHost, kDLCUDAManaged


def from_dlpack(x, ctx=None, *, copy=None):
    """A tandem Array over the memory of any DLPack producer (numpy, CuPy,
    PyTorch, JAX, tandem): no copy for CPU memory in column-major (1-D or
    Fortran-ordered) layout; other layouts are copied (copy=False refuses).
    Device tensors are asked for a host copy (dl_device=(kDLCPU, 0))."""
    ctx = ctx if ctx is not None else default_context()
    if isinstance(x, Array) and x.ctx is ctx.root and not copy:
        return x
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"tandem.from_dlpack: {type(x).__name__} has no __dlpack__")
    dev = x.__dlpack_device__() if hasattr(x, "__dlpack_device__") else (1, 0)
    kw = {}
    if copy is not None:
        kw["copy"] = copy
    if int(dev[0]) not in _HOST_DEVICES:
        if copy is False:
            raise BufferError("tandem.from_dlpack: a device tensor cannot be taken without a copy")
        kw["dl_device"] = (1, 0)
        kw["copy"] = True
    try:
        cap = x.__dlpack__(max_version=(1, 0), **kw)
    except TypeError:  # a producer that predates DLPack 1.0's keywords
        cap = x.__dlpack__()
    return _tandem._from_capsule(ctx, cap, copy)
