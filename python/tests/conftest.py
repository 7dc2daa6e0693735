# conftest.py -- shared fixtures: a context per backend (cpu and the sim
# device, so every op is checked where data lives off the host too), and a
# seeded numpy generator for test data.
import numpy as np
import pytest

import tandem

BACKENDS = ["cpu", "sim"]


@pytest.fixture(params=BACKENDS)
def ctx(request):
    return tandem.Context(request.param, threads=2)


@pytest.fixture
def cpu():
    return tandem.Context("cpu", threads=2)


@pytest.fixture
def rs():
    return np.random.default_rng(12345)


def on_view(f, *a, **k):
    """Runs an op on a strided view; skips while libtandem's op refuses
    views with a leading dimension (the views stream's interim message)."""
    try:
        return f(*a, **k)
    except tandem.InvalidError as e:
        if "not supported by this op yet" in str(e):
            pytest.skip(str(e))
        raise
