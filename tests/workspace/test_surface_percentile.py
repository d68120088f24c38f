"""The loss scale's percentile: the values np.percentile gives, without importing numpy.ma."""

import numpy as np
import pytest

from simulator.workspace.surface_scale import percentile


@pytest.mark.parametrize("size", [1, 2, 3, 10, 201, 4096])
@pytest.mark.parametrize("q", [0.0, 0.5, 2.0, 50.0, 99.9, 100.0])
def test_the_percentile_is_numpys_between_ranks(size, q):
    values = np.random.default_rng(size).lognormal(0.0, 3.0, size)
    values[::7] = values[0]  # ties, as a flat stretch of ground gives
    assert percentile(values, q) == pytest.approx(np.percentile(values, q), rel=1e-12, abs=0.0)


def test_the_array_is_left_as_it_was():
    values = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    assert percentile(values, 50.0) == 3.0
    assert values.tolist() == [5.0, 1.0, 4.0, 2.0, 3.0]
