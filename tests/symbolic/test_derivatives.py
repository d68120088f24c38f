import math
import time

import pytest
import sympy as sp

from simulator.symbolic.derivatives import derivative, gradient, hessian, nudge
from simulator.symbolic.evaluation import exact_value, float_value
from simulator.symbolic.parsing import parse_formula, plain_text
from simulator.symbolic.surfaces import SEED_TABLE

w = sp.Symbol("w", real=True)


def test_seed_nudge_is_exact():
    # The seed: J(w) = w^2 at w = 3, nudged by ε = 0.001.
    result = nudge("w^2", "w", {"w": 3}, "0.001")
    assert result.epsilon == sp.Rational("0.001")
    assert result.J == 9
    assert result.J_plus == sp.Rational("9.006001")
    assert result.delta == sp.Rational("0.006001")
    assert result.ratio == sp.Rational("6.001")
    assert result.exact == 6
    assert result.error == sp.Rational("0.001")
    assert all(isinstance(v, sp.Rational) for v in
               (result.J, result.J_plus, result.delta, result.ratio, result.exact, result.error))


def test_seed_nudge_floats():
    floats = nudge("w^2", "w", {"w": "3"}, 0.001).floats()
    assert floats == {"epsilon": 0.001, "J": 9.0, "J_plus": 9.006001, "delta": 0.006001,
                      "ratio": 6.001, "exact": 6.0, "error": 0.001}


def test_seed_derivative_with_sympy():
    assert plain_text(derivative("w^2", "w")) == "2*w"
    assert exact_value(derivative("w^2", "w"), {"w": 3}) == 6
    assert isinstance(exact_value(derivative("w^2", "w"), {"w": 3}), sp.Integer)


@pytest.mark.parametrize("row", SEED_TABLE, ids=lambda row: row.function)
def test_seed_table_derivatives(row):
    assert plain_text(derivative(row.function, "w")) == row.derivative


def test_seed_table_is_the_lesson_s():
    assert [(r.function, r.derivative) for r in SEED_TABLE] == [
        ("w^2", "2*w"), ("w^3", "3*w**2"), ("1/w", "-1/w**2")]


def test_nudge_error_shrinks_with_epsilon():
    errors = [abs(nudge("w^3", "w", {"w": 2}, eps).error) for eps in ("0.1", "0.01", "0.001")]
    assert errors[0] > errors[1] > errors[2]
    # for w^3 the error of the forward difference is exactly 3wε + ε²
    assert nudge("w^3", "w", {"w": 2}, "0.01").error == sp.Rational(3 * 2) / 100 + sp.Rational(
        1, 10000)


def test_nudge_of_a_transcendental_formula():
    result = nudge("sin(w)", "w", {"w": "0.5"}, "1e-6")
    floats = result.floats()
    assert floats["exact"] == pytest.approx(math.cos(0.5), rel=1e-15)
    assert floats["ratio"] == pytest.approx(math.cos(0.5), abs=1e-6)
    assert floats["delta"] == pytest.approx(math.sin(0.500001) - math.sin(0.5), rel=1e-9)


def test_nudge_checks_its_input():
    with pytest.raises(ValueError, match="epsilon must not be zero"):
        nudge("w^2", "w", {"w": 3}, "0")
    with pytest.raises(ValueError, match="missing value for w"):
        nudge("w^2", "w", {}, "0.1")
    with pytest.raises(ValueError, match="missing value for b"):
        nudge("w*b", "w", {"w": 1}, "0.1")
    with pytest.raises(ValueError, match="is not a number"):
        nudge("w^2", "w", {"w": "abc"}, "0.1")


def test_gradient_and_hessian():
    formula = parse_formula("w1^2*w2 + 3*w2")
    assert [plain_text(d) for d in gradient(formula)] == ["2*w1*w2", "w1**2 + 3"]
    h = hessian(formula)
    assert h.shape == (2, 2)
    assert [[plain_text(v) for v in row] for row in h.tolist()] == [
        ["2*w2", "2*w1"], ["2*w1", "0"]]
    assert hessian("w^3").tolist() == [[6 * w]]


def test_derivatives_read_like_a_textbook():
    # simplification may not bring in functions the formula did not have
    assert plain_text(derivative("tanh(w)", "w")) == "1 - tanh(w)**2"
    assert plain_text(derivative("sigmoid(w)", "w")) == "exp(-w)/(1 + exp(-w))**2"
    assert plain_text(derivative("relu(w)", "w")) == "Heaviside(w)"
    assert plain_text(derivative("abs(w)", "w")) == "sign(w)"


def test_large_derivatives_are_not_simplified_for_ever():
    start = time.perf_counter()
    assert plain_text(derivative("(w+1)^999", "w")) == "999*(w + 1)**998"
    assert time.perf_counter() - start < 2.0


def test_exact_values_at_a_point():
    expr = parse_formula("w1/3 + w2^2").expression
    assert exact_value(expr, {"w1": 1, "w2": "0.5"}) == sp.Rational(1, 3) + sp.Rational(1, 4)
    assert exact_value(expr, {"w1": "1/2", "w2": 0.1}) == sp.Rational(1, 6) + sp.Rational(1, 100)
    assert float_value(expr, {"w1": 3, "w2": 2}) == 5.0
    assert exact_value(parse_formula("sqrt(w)").expression, {"w": 4}) == 2
    with pytest.raises(ValueError, match="missing value for w2"):
        exact_value(expr, {"w1": 1})


def test_values_that_would_explode_fall_back_to_floats_at_once():
    start = time.perf_counter()
    assert float_value(parse_formula("w^w^w").expression, {"w": 1000}) == math.inf
    assert math.isnan(float_value(parse_formula("sin(exp(exp(w)))").expression, {"w": 100}))
    assert float_value(parse_formula("exp(-exp(exp(w)))").expression, {"w": 100}) == 0.0
    assert float_value(parse_formula("w^1000").expression, {"w": "1e1000"}) == math.inf
    assert time.perf_counter() - start < 5.0  # exact arithmetic here would take hours
    assert exact_value(parse_formula("w^w^w").expression, {"w": 2}) == 16
