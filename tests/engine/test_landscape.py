"""The vectorised loss grid against a plain loop over grid points, and the directions."""

import numpy as np
import pytest

from simulator.engine import landscape
from simulator.engine.datasets import make_dataset, points_dataset
from simulator.engine.functions import Regularization
from simulator.engine.landscape import (
    filter_normalized_directions,
    network_loss_grid,
    pca_directions,
)
from simulator.engine.network import Network
from simulator.engine.problems import ExpressionProblem, NetworkProblem


def make_problem(kind: str, reg: str | None) -> NetworkProblem:
    rng = np.random.default_rng(1)
    regularization = Regularization(reg, 0.3) if reg else None
    if kind == "cross_entropy":
        points = np.column_stack([rng.normal(size=(20, 2)), rng.integers(0, 3, 20)])
        data = points_dataset(points, 2, classes=3)
        net = Network((2, 4, 3, 3), ("tanh", "relu"), "softmax", "cross_entropy", regularization)
    elif kind == "bce":
        data = make_dataset("xor", 40, 0.1, seed=2)
        net = Network((2, 4, 3, 1), ("tanh", "leaky_relu"), "sigmoid", "bce", regularization)
    else:
        data = make_dataset("curve", 30, 0.1, seed=2)
        net = Network((1, 4, 3, 1), ("sigmoid", "tanh"), "linear", "mse", regularization)
    start = net.initial_theta(4) + rng.normal(0, 0.3, net.parameter_count)
    return NetworkProblem(net, data, start)


def loop_grid(problem, theta, axis_x, axis_y, xs, ys):
    """The straightforward way: set the two parameters (or move along the directions)."""
    out = np.empty((len(ys), len(xs)))
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            t = theta.copy()
            if isinstance(axis_x, np.ndarray):
                t = t + xv * axis_x
            else:
                t[axis_x] = xv
            if isinstance(axis_y, np.ndarray):
                t = t + yv * axis_y
            else:
                t[axis_y] = yv
            out[i, j] = problem.loss(t)
    return out


AXES = [
    ("W1[0,0]", "W1[0,2]"),  # same layer
    ("W1[0,1]", "W3[2,0]"),  # first and last layer
    ("W2[3,0]", "W3[1,0]"),  # two later layers (the first layer is computed once)
    ("b2[1]", "W2[3,0]"),  # a bias
    ("b3[0]", "b1[0]"),  # two biases
    ("W3[0,0]", "b3[0]"),  # the output layer only
]


@pytest.mark.parametrize("reg", [None, "l2", "l1"])
@pytest.mark.parametrize("kind", ["mse", "bce", "cross_entropy"])
@pytest.mark.parametrize(("name_x", "name_y"), AXES)
def test_parameter_grid_equals_a_loop(kind, reg, name_x, name_y):
    problem = make_problem(kind, reg)
    net, theta = problem.network, problem.initial_theta()
    ix, iy = net.index_of(name_x), net.index_of(name_y)
    # different lengths, so a transposed result cannot pass
    xs = theta[ix] + np.linspace(-1.5, 1.3, 5)
    ys = theta[iy] + np.linspace(-1.1, 0.7, 4)
    grid = problem.loss_grid(theta, ix, iy, xs, ys)
    assert grid.shape == (4, 5)
    np.testing.assert_allclose(grid, loop_grid(problem, theta, ix, iy, xs, ys), rtol=1e-12,
                               atol=1e-13)
    # the grid point at the current values is the current loss
    xs0 = np.array([theta[ix]])
    ys0 = np.array([theta[iy]])
    assert problem.loss_grid(theta, ix, iy, xs0, ys0)[0, 0] == pytest.approx(
        problem.loss(theta), rel=1e-12)


@pytest.mark.parametrize("reg", [None, "l2", "l1"])
@pytest.mark.parametrize("kind", ["mse", "bce", "cross_entropy"])
def test_direction_grid_equals_a_loop(kind, reg):
    problem = make_problem(kind, reg)
    theta = problem.initial_theta()
    d1, d2 = filter_normalized_directions(problem.network, theta, seed=3)
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-0.5, 1.5, 3)
    grid = problem.loss_grid(theta, d1, d2, xs, ys)
    np.testing.assert_allclose(grid, loop_grid(problem, theta, d1, d2, xs, ys), rtol=1e-12,
                               atol=1e-13)
    # one direction, one parameter (a bias direction touches layers apart from the weights)
    ib = problem.network.index_of("b2[0]")
    ys = theta[ib] + np.array([-0.4, 0.0, 0.9])
    grid = problem.loss_grid(theta, d1, ib, xs, ys)
    np.testing.assert_allclose(grid, loop_grid(problem, theta, d1, ib, xs, ys), rtol=1e-12,
                               atol=1e-13)


def test_dense_random_directions_through_every_layer():
    problem = make_problem("bce", "l1")
    theta = problem.initial_theta()
    rng = np.random.default_rng(0)
    d1, d2 = rng.normal(size=theta.size), rng.normal(size=theta.size)
    xs, ys = np.linspace(-0.3, 0.3, 4), np.linspace(-0.2, 0.4, 3)
    np.testing.assert_allclose(problem.loss_grid(theta, d1, d2, xs, ys),
                               loop_grid(problem, theta, d1, d2, xs, ys), rtol=1e-12, atol=1e-13)


def test_grid_survives_chunking(monkeypatch):
    """A chunk smaller than the grid gives the same numbers as one chunk."""
    problem = make_problem("mse", "l1")
    theta = problem.initial_theta()
    ix, iy = problem.network.index_of("W1[0,1]"), problem.network.index_of("W2[2,0]")
    xs, ys = theta[ix] + np.linspace(-1, 1, 7), theta[iy] + np.linspace(-1, 1, 6)
    whole = problem.loss_grid(theta, ix, iy, xs, ys)
    monkeypatch.setattr(landscape, "CHUNK_ELEMENTS", 50)
    chunked = problem.loss_grid(theta, ix, iy, xs, ys)
    np.testing.assert_allclose(chunked, whole, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(chunked, loop_grid(problem, theta, ix, iy, xs, ys), rtol=1e-12)


def test_grid_orientation_row_is_y_column_is_x():
    """result[i, j] is the loss at ys[i], xs[j], checked on a surface that tells them apart."""
    net = Network((1, 1), (), "linear", "mse")
    data = points_dataset([[1.0, 0.0]], inputs=1)  # one point x = 1, y = 0: L = (w + b)²
    problem = NetworkProblem(net, data, np.array([0.0, 0.0]))
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    grid = problem.loss_grid(problem.start, 0, 1, xs, ys)  # x: W1[0,0], y: b1[0]
    np.testing.assert_allclose(grid, [[100, 121, 144], [400, 441, 484]], rtol=1e-15)
    direct = network_loss_grid(net, problem.start, data.x_train, data.y_train, 0, 1, xs, ys)
    np.testing.assert_array_equal(direct, grid)

    expression = ExpressionProblem("w1 + 10*w2", ["w1", "w2"], lambda a, b: a + 10 * b,
                                   lambda a, b: (np.ones_like(a), 10 * np.ones_like(b)),
                                   np.array([0.0, 0.0]), [(-1, 1), (-1, 1)])
    grid = expression.loss_grid(np.array([0.0, 0.0]), 0, 1, xs, ys)
    np.testing.assert_allclose(grid, xs[None, :] + 10 * ys[:, None])


def test_axes_that_touch_nothing_give_the_current_loss_everywhere():
    problem = make_problem("mse", "l2")
    theta = problem.initial_theta()
    zero = np.zeros_like(theta)
    grid = problem.loss_grid(theta, zero, zero, np.linspace(-1, 1, 3), np.linspace(0, 1, 2))
    np.testing.assert_allclose(grid, problem.loss(theta), rtol=1e-14)


def test_filter_normalized_directions_match_neuron_norms():
    problem = make_problem("cross_entropy", None)
    net, theta = problem.network, problem.initial_theta()
    weights, _ = net.unpack(theta)
    d1, d2 = filter_normalized_directions(net, theta, seed=7)
    for d in (d1, d2):
        d_weights, d_biases = net.unpack(d)
        for w, dw in zip(weights, d_weights, strict=True):
            # column j holds neuron j's incoming weights
            np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0),
                                       rtol=1e-12)
        for b in d_biases:
            np.testing.assert_array_equal(b, 0.0)
    assert not np.allclose(d1, d2)
    again = filter_normalized_directions(net, theta, seed=7)
    np.testing.assert_array_equal(again[0], d1)
    np.testing.assert_array_equal(again[1], d2)
    other = filter_normalized_directions(net, theta, seed=8)
    assert not np.allclose(other[0], d1)


def test_filter_normalized_direction_is_zero_for_a_dead_neuron():
    net = Network((2, 3, 1), ("tanh",))
    theta = np.random.default_rng(0).normal(size=net.parameter_count)
    net.unpack(theta)[0][0][:, 1] = 0.0
    d1, _ = filter_normalized_directions(net, theta, seed=1)
    assert np.all(net.unpack(d1)[0][0][:, 1] == 0.0)
    assert np.all(np.isfinite(d1))


def test_pca_directions_are_orthonormal_and_end_at_the_origin():
    rng = np.random.default_rng(5)
    # a path that lies in a 2-D plane through the last point: PCA must recover it exactly
    basis = np.linalg.qr(rng.normal(size=(9, 2)))[0].T
    coefficients = np.column_stack([np.linspace(3, 0, 30) ** 2, np.sin(np.linspace(0, 3, 30))])
    end = rng.normal(size=9)
    path = end + coefficients @ basis - coefficients[-1] @ basis
    d1, d2, coords = pca_directions(path)
    assert d1 @ d1 == pytest.approx(1.0, abs=1e-12) and d2 @ d2 == pytest.approx(1.0, abs=1e-12)
    assert d1 @ d2 == pytest.approx(0.0, abs=1e-12)
    assert coords.shape == (30, 2)
    np.testing.assert_allclose(coords[-1], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(path[-1] + coords @ np.vstack([d1, d2]), path, atol=1e-10)
    # the first direction carries the most spread
    assert np.var(coords[:, 0]) >= np.var(coords[:, 1])


def test_pca_directions_of_a_noisy_path():
    rng = np.random.default_rng(6)
    path = np.cumsum(rng.normal(size=(50, 13)), axis=0)
    d1, d2, coords = pca_directions(path)
    np.testing.assert_allclose(np.vstack([d1, d2]) @ np.vstack([d1, d2]).T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(coords[-1], 0.0, atol=1e-12)
    np.testing.assert_allclose(coords, (path - path[-1]) @ np.column_stack([d1, d2]), atol=1e-12)


def test_pca_needs_three_points():
    with pytest.raises(ValueError, match="at least 3"):
        pca_directions(np.zeros((2, 4)))


def test_a_grid_after_another_problems_grid_is_its_own():
    """Work arrays kept between grid calls hold nothing over from the last call."""
    first, second = make_problem("mse", None), make_problem("mse", None)
    second.start = second.start + 0.5  # other weights, the same shapes and samples
    theta1, theta2 = first.initial_theta(), second.initial_theta()
    ix, iy = first.network.index_of("W1[0,0]"), first.network.index_of("W2[1,0]")
    xs, ys = theta1[ix] + np.linspace(-1, 1, 9), theta1[iy] + np.linspace(-1, 1, 8)
    before = first.loss_grid(theta1, ix, iy, xs, ys)
    second.loss_grid(theta2, ix, iy, xs, ys)
    np.testing.assert_array_equal(first.loss_grid(theta1, ix, iy, xs, ys), before)
    np.testing.assert_allclose(before, loop_grid(first, theta1, ix, iy, xs, ys), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name_x", "name_y"), [
    ("W1[0,0]", "W1[1,0]"),  # into one neuron of the first layer
    ("W2[0,0]", "W2[3,1]"),  # into the layer before the output
    ("W1[1,2]", "b2[0]"),  # two layers below the output
    ("W2[1,1]", "b3[0]"),  # the output layer touched too
])
def test_sigmoid_output_under_mse_equals_a_loop(dtype, name_x, name_y):
    """The reference network's kind: a sigmoid output under mse (the landscape folds σ into the loss)."""
    net = Network((2, 5, 4, 1), ("tanh", "tanh"), "sigmoid", "mse")
    problem = NetworkProblem(net, make_dataset("circle", 30, 0.1, seed=3), net.initial_theta(2))
    theta = problem.initial_theta()
    ix, iy = net.index_of(name_x), net.index_of(name_y)
    xs, ys = theta[ix] + np.linspace(-2, 2, 5), theta[iy] + np.linspace(-1, 3, 4)
    grid = problem.loss_grid(theta, ix, iy, xs, ys, dtype)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(grid, loop_grid(problem, theta, ix, iy, xs, ys), rtol=tolerance)
