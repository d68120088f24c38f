import numpy as np
import pytest

from simulator.engine.problems import ExpressionProblem, gradient_check
from simulator.symbolic.errors import FormulaError
from simulator.symbolic.problems import expression_problem


def test_builds_an_engine_problem():
    problem = expression_problem("w1^2 + 3*w2", {"w2": 2.0, "w1": 1.0})
    assert isinstance(problem, ExpressionProblem)
    assert problem.names == ["w1", "w2"]
    assert problem.text == "w1**2 + 3*w2"
    np.testing.assert_array_equal(problem.initial_theta(), [1.0, 2.0])
    assert problem.loss(np.array([1.0, 2.0])) == 7.0
    np.testing.assert_array_equal(problem.gradient(np.array([1.0, 2.0])), [2.0, 3.0])
    assert problem.ranges == [(-3.0, 5.0), (-2.0, 6.0)]  # start ± 4 by default


def test_constant_derivatives_broadcast_to_the_inputs():
    problem = expression_problem("3*w1 + w2^2", {"w1": 0, "w2": 0})
    d_w1, d_w2 = problem.gradient_function(np.zeros((2, 3)), np.ones(3))
    assert d_w1.shape == (2, 3) and np.all(d_w1 == 3.0)
    assert d_w2.shape == (2, 3) and np.all(d_w2 == 2.0)
    assert problem.function(np.zeros(4), 0.0).shape == (4,)


def test_landscape_grid_and_curve():
    problem = expression_problem("w1 + 10*w2", {"w1": 0, "w2": 0})
    grid = problem.loss_grid(problem.initial_theta(), 0, 1, np.array([-1.0, 0.0, 1.0]),
                             np.array([0.0, 1.0]))
    np.testing.assert_array_equal(grid, [[-1, 0, 1], [9, 10, 11]])
    seed = expression_problem("w^2", {"w": 3})
    np.testing.assert_array_equal(seed.loss_curve(np.array([-2.0, 0.0, 3.0])), [4, 0, 9])


def test_gradient_agrees_with_central_differences():
    problem = expression_problem("sin(w1)*exp(w2/3) + w1*w2^2", {"w1": 0.3, "w2": -0.7})
    analytic, numeric = gradient_check(problem, np.array([0.3, -0.7]))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7)


def test_integer_powers_of_negative_or_integer_inputs():
    problem = expression_problem("1/w^2", {"w": -2})
    assert problem.loss(np.array([-2.0])) == 0.25
    assert problem.function(np.array([1, 2])).tolist() == [1.0, 0.25]  # int input is fine


def test_one_variable_natural_order_and_minima():
    problem = expression_problem("w^2", {"w": 3}, {"w": (-4, 4)}, [(0,)])
    assert problem.names == ["w"]
    assert problem.ranges == [(-4.0, 4.0)]
    assert problem.minima == [(0.0,)]
    assert expression_problem("w2 + w1^2", {"w1": 0, "w2": 0}).names == ["w1", "w2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("w", {}), "start: missing value for w"),
        (("w1 + w2", {"w1": 1}), "start: missing value for w2"),
        (("w", {"w": 1, "x": 2}), "start: 'x' is not a variable of the formula"),
        (("w", {"w": "a"}), "start: w: 'a' is not a number"),
        (("w", {"w": float("nan")}), "start: w: nan is not a finite number"),
        (("w", {"w": 1}, {"w": (2, 1)}), "ranges: w needs low < high"),
        (("w", {"w": 1}, {"w": (1, 1)}), "ranges: w needs low < high"),
        (("w", {"w": 1}, {"w": 3}), "ranges: w must be a pair"),
        (("w", {"w": 1}, {"b": (0, 1)}), "ranges: 'b' is not a variable of the formula"),
        (("w", {"w": 1}, None, [(1, 2)]), "minima: entry 0 needs one value per variable"),
        (("w*b*x", {"w": 1, "b": 1, "x": 1}), "formula: at most 2 variables"),
        (("3", {}), "formula: it has no variable"),
        (("w*1e400", {"w": 1}), "formula: the number 1.00e+400 is too large"),
    ],
)
def test_bad_fields_are_named(args, message):
    with pytest.raises(ValueError) as caught:
        expression_problem(*args)
    assert str(caught.value).startswith(message)


def test_bad_formula_is_a_formula_error():
    with pytest.raises(FormulaError, match="column 5: unknown name 'foo'"):
        expression_problem("w + foo", {"w": 1})
