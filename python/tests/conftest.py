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
