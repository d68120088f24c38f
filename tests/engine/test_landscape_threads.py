"""A loss grid halved between two threads (``landscape.grid_threads``) is the one-thread grid.

float64: the same bits. float32: within one float32 ulp (relative); some points' last bits
differ (the reference slice: 2 of 3,721 points, 6e-9 relative; the linear net: 9 %).
"""

import threading

import numpy as np
import pytest

from simulator.engine import landscape
from simulator.engine.datasets import make_dataset, points_dataset
from simulator.engine.functions import Regularization
from simulator.engine.landscape import Abandoned, grid_threads, network_loss_grid, wanted_while
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem

SIDE = 61  # 3,721 points: above SPLIT_POINTS, and odd, so the halves differ by a point


def reference() -> NetworkProblem:
    net = Network((2, 8, 8, 1), ("tanh", "tanh"), "sigmoid", "mse")
    return NetworkProblem(net, make_dataset("circle", 200, 0.1, seed=1), net.initial_theta(3))


def softmax() -> NetworkProblem:
    rng = np.random.default_rng(1)
    points = np.column_stack([rng.normal(size=(40, 2)), rng.integers(0, 3, 40)])
    net = Network((2, 4, 3, 3), ("tanh", "relu"), "softmax", "cross_entropy",
                  Regularization("l2", 0.3))
    return NetworkProblem(net, points_dataset(points, 2, classes=3), net.initial_theta(4))


def linear() -> NetworkProblem:
    net = Network((1, 4, 3, 1), ("sigmoid", "tanh"), "linear", "mse", Regularization("l1", 0.1))
    return NetworkProblem(net, make_dataset("curve", 30, 0.1, seed=2), net.initial_theta(4))


def big() -> NetworkProblem:
    """Wide enough that the grid is cut into several chunks, each one halved."""
    net = Network((2, 32, 32, 1), ("tanh", "tanh"), "sigmoid", "mse")
    return NetworkProblem(net, make_dataset("circle", 50, 0.1, seed=1), net.initial_theta(3))


def grid(problem: NetworkProblem, name_x: str, name_y: str, dtype) -> np.ndarray:
    net, theta = problem.network, problem.initial_theta()
    ix, iy = net.index_of(name_x), net.index_of(name_y)
    xs = theta[ix] + np.linspace(-3, 3, SIDE)
    ys = theta[iy] + np.linspace(-2, 2.5, SIDE)
    return problem.loss_grid(theta, ix, iy, xs, ys, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("make", "name_x", "name_y"), [
    (reference, "W1[0,0]", "W1[1,0]"),  # the benchmark's slice
    (reference, "W2[0,0]", "W3[1,0]"),  # the layer before the output and the output
    (softmax, "W1[0,1]", "b2[0]"),
    (linear, "W1[0,2]", "W2[3,0]"),
    (big, "W1[0,0]", "W2[5,3]"),
])
def test_two_threads_give_the_one_thread_grid(make, name_x, name_y, dtype):
    problem = make()
    one = grid(problem, name_x, name_y, dtype)
    with grid_threads(2):
        two = grid(problem, name_x, name_y, dtype)
    assert two.shape == (SIDE, SIDE) and np.all(np.isfinite(two))
    if dtype == np.float64:
        np.testing.assert_array_equal(two, one)
    else:
        np.testing.assert_allclose(two, one, rtol=np.finfo(np.float32).eps, atol=0)
    assert getattr(landscape._local, "threads", 1) == 1  # the setting ended with its block


def test_a_halved_grid_is_split_and_asks_as_often_as_one_thread(monkeypatch):
    """Only the calling thread asks whether the grid is wanted: once per pass, as on one thread."""
    problem, calls = reference(), []
    original = landscape._run_split

    def spy(columns, chunk, wanted, threads):
        calls.append((chunk, threads))
        return original(columns, chunk, wanted, threads)
    monkeypatch.setattr(landscape, "_run_split", spy)
    counts = {}
    for threads in (1, 2):
        asked = []
        with grid_threads(threads), wanted_while(lambda asked=asked: asked.append(1) or True):
            grid(problem, "W1[0,0]", "W1[1,0]", np.float32)
        counts[threads] = len(asked)
    assert calls == [(SIDE * SIDE, 1), (SIDE * SIDE, 2)]
    assert counts[1] == counts[2] > 1


def test_a_halved_grid_stops_both_halves_when_no_longer_wanted(monkeypatch):
    problem, asked, helper_answers = reference(), [], []
    said_no = threading.Event()
    original = landscape._run_split

    def spy(columns, chunk, wanted, threads):
        def watched(low, high, go_on):
            if low == 0:
                return columns(low, high, go_on)

            def held() -> bool:  # the helper's first check waits for the calling thread's no
                if not helper_answers:
                    said_no.wait(10)
                helper_answers.append(go_on())
                return helper_answers[-1]
            return columns(low, high, held)
        return original(watched, chunk, wanted, threads)
    monkeypatch.setattr(landscape, "_run_split", spy)

    def wanted():
        asked.append(1)
        if len(asked) < 3:
            return True
        said_no.set()
        return False

    with grid_threads(2), wanted_while(wanted), pytest.raises(Abandoned):
        grid(problem, "W1[0,0]", "W1[1,0]", np.float64)
    assert len(asked) == 3
    assert helper_answers == [False]  # the helper stopped at its first pass after the no


def test_a_small_grid_stays_on_one_thread(monkeypatch):
    problem = reference()
    net, theta = problem.network, problem.initial_theta()
    monkeypatch.setattr(landscape.concurrent.futures.ThreadPoolExecutor, "submit",
                        lambda *args: pytest.fail("a 25 × 25 grid was handed to a helper"))
    xs = np.linspace(-3, 3, 25)
    with grid_threads(2):
        small = network_loss_grid(net, theta, problem.inputs.x_train, problem.inputs.y_train,
                                  0, 1, xs, xs, np.float32)
    assert small.shape == (25, 25) and np.all(np.isfinite(small))
