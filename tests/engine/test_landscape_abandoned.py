"""A loss grid stops part-way once it is no longer wanted (``landscape.wanted_while``)."""

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset
from simulator.engine.landscape import Abandoned, network_loss_grid, wanted_while
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem


def problem() -> NetworkProblem:
    data = make_dataset("circle", 200, 0.05, seed=1)
    net = Network((2, 8, 8, 1), ("tanh", "tanh"), "sigmoid", "mse")
    return NetworkProblem(net, data, net.initial_theta(3))


def grid(p: NetworkProblem) -> np.ndarray:
    xs = np.linspace(-3, 3, 101)
    return network_loss_grid(p.network, p.start, p.inputs.x_train, p.inputs.y_train,
                             0, 1, xs, xs, np.float32)


def test_a_grid_asks_as_it_goes_and_stops_at_the_first_no():
    p, asked = problem(), []

    def wanted():
        asked.append(len(asked))
        return len(asked) < 3

    with wanted_while(wanted), pytest.raises(Abandoned):
        grid(p)
    assert len(asked) == 3  # no further pass once told


def test_a_grid_still_wanted_is_the_same_grid_and_asks_once_per_pass():
    p, asked = problem(), []
    plain = grid(p)
    with wanted_while(lambda: asked.append(1) or True):
        checked = grid(p)
    np.testing.assert_array_equal(checked, plain)
    assert 1 < len(asked) < 500  # per pass over a few samples, not per point (10,201)


def test_the_check_is_this_threads_and_ends_with_the_block():
    p = problem()
    with wanted_while(lambda: False):
        pass
    assert grid(p).shape == (101, 101)  # no check left behind
