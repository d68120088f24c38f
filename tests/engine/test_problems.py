"""Problems: the network and expression kinds, and the gradient check on both."""

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset, points_dataset
from simulator.engine.functions import Regularization
from simulator.engine.network import Network
from simulator.engine.problems import ExpressionProblem, NetworkProblem, gradient_check


def saddle_problem(gradient=None) -> ExpressionProblem:
    """J(w1, w2) = w1² + 3·w1·w2 − w2³, with its gradient written by hand."""
    return ExpressionProblem(
        "w1**2 + 3*w1*w2 - w2**3", ["w1", "w2"],
        lambda a, b: a**2 + 3 * a * b - b**3,
        gradient or (lambda a, b: (2 * a + 3 * b, 3 * a - 3 * b**2)),
        np.array([1.0, -2.0]), [(-3.0, 3.0), (-3.0, 3.0)],
    )


def circle_problem(reg=None, train_fraction=0.8) -> NetworkProblem:
    net = Network((2, 5, 3, 1), ("tanh", "sigmoid"), "sigmoid", "bce", reg)
    data = make_dataset("circle", 60, 0.1, seed=3, train_fraction=train_fraction)
    return NetworkProblem(net, data, net.initial_theta(1))


@pytest.mark.parametrize("reg", [None, Regularization("l2", 0.01)])
def test_gradient_check_agrees_for_a_network(reg):
    problem = circle_problem(reg)
    analytic, numeric = gradient_check(problem, problem.initial_theta())
    assert analytic.shape == numeric.shape == (problem.network.parameter_count,)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
    assert np.linalg.norm(analytic) > 1e-3  # not trivially zero


def test_gradient_check_agrees_for_an_expression():
    problem = saddle_problem()
    theta = np.array([1.0, -2.0])
    analytic, numeric = gradient_check(problem, theta)
    np.testing.assert_allclose(analytic, [2 - 6, 3 - 12], rtol=1e-15)
    np.testing.assert_allclose(numeric, analytic, rtol=1e-8)


def test_gradient_check_exposes_a_wrong_gradient():
    problem = saddle_problem(gradient=lambda a, b: (2 * a + 3 * b, 3 * a - 2 * b**2))
    analytic, numeric = gradient_check(problem, np.array([1.0, -2.0]))
    assert abs(analytic[1] - numeric[1]) == pytest.approx(4.0, rel=1e-6)


def test_gradient_check_leaves_theta_alone():
    problem = circle_problem()
    theta = problem.initial_theta()
    kept = theta.copy()
    gradient_check(problem, theta)
    np.testing.assert_array_equal(theta, kept)


def test_network_problem_batches_and_test_loss():
    problem = circle_problem()
    theta = problem.initial_theta()
    net, data = problem.network, problem.dataset
    assert problem.sample_count == 48
    assert problem.names == net.parameter_names()
    batch = np.array([3, 7, 11])
    loss, grad = problem.loss_and_gradient(theta, batch)
    expected = net.loss_and_gradient(theta, data.x_train[batch], data.y_train[batch])
    assert loss == expected[0]
    np.testing.assert_array_equal(grad, expected[1])
    full = problem.loss_and_gradient(theta)
    assert full[0] == pytest.approx(problem.loss(theta), rel=1e-15)
    np.testing.assert_allclose(problem.gradient(theta), full[1], rtol=1e-15)
    test = net.loss_value(theta, net.forward(theta, data.x_test), data.y_test)
    assert problem.test_loss(theta) == pytest.approx(test, rel=1e-15)
    assert circle_problem(train_fraction=1.0).test_loss(theta) is None
    np.testing.assert_array_equal(problem.predict(theta, data.x_test[:2]),
                                  net.forward(theta, data.x_test[:2]).output)
    # initial_theta hands out copies
    problem.initial_theta()[0] = 1e9
    assert problem.initial_theta()[0] != 1e9


def test_network_problem_checks_the_length_of_theta():
    net = Network((2, 2, 1), ("tanh",))
    with pytest.raises(ValueError, match="θ must have 9 entries"):
        NetworkProblem(net, points_dataset([[0, 0, 1]], 2), np.zeros(8))


def test_expression_problem_values_curve_and_grid():
    problem = saddle_problem()
    theta = np.array([1.0, -2.0])
    assert problem.loss(theta) == 1 - 6 + 8
    np.testing.assert_array_equal(problem.gradient(theta), [-4.0, -9.0])
    out = np.zeros(2)
    loss, grad = problem.loss_and_gradient(theta, None, out)
    assert loss == 3.0 and grad is out and list(out) == [-4.0, -9.0]
    assert problem.sample_count == 0 and problem.test_loss(theta) is None
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([-1.0, 1.0])
    grid = problem.loss_grid(theta, 0, 1, xs, ys)
    expected = [[a**2 + 3 * a * b - b**3 for a in xs] for b in ys]
    np.testing.assert_allclose(grid, expected, rtol=1e-15)

    square = ExpressionProblem("w**2", ["w"], lambda w: w**2, lambda w: (2 * w,),
                               np.array([3.0]), [(-5.0, 5.0)])
    np.testing.assert_array_equal(square.loss_curve(np.array([-1.0, 0.5, 2.0])), [1, 0.25, 4])
    constant = ExpressionProblem("1", ["w"], lambda w: 1.0, lambda w: (0.0,), np.array([0.0]),
                                 [(-1.0, 1.0)])
    np.testing.assert_array_equal(constant.loss_curve(np.array([-1.0, 0.0, 1.0])), [1, 1, 1])
    np.testing.assert_array_equal(constant.loss_grid(np.array([0.0]), 0, 0, xs, ys),
                                  np.ones((2, 3)))


def test_expression_problem_hides_floating_point_warnings():
    problem = ExpressionProblem("log(w)", ["w"], np.log, lambda w: (1 / w,), np.array([1.0]),
                                [(0.1, 2.0)])
    assert problem.loss(np.array([-1.0])) != problem.loss(np.array([-1.0]))  # NaN, no warning
    assert np.isinf(problem.gradient(np.array([0.0]))[0])


def test_predict_in_slices_gives_the_forward_pass_of_every_row():
    """A decision map's many rows are run through in slices: the same outputs as one pass."""
    net = Network((2, 8, 3), ("tanh",), "softmax", "cross_entropy")
    data = make_dataset("xor", 40, 0.1, seed=2)
    problem = NetworkProblem(net, data, net.initial_theta(1))
    rows = np.random.default_rng(0).normal(size=(10_007, 2))  # many slices and a short last one
    whole = net.forward(problem.start, rows).output
    predicted = problem.predict(problem.start, rows)
    assert predicted.shape == (10_007, 3)
    np.testing.assert_allclose(predicted, whole, rtol=1e-14, atol=1e-15)
