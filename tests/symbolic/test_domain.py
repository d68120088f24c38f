"""A formula's real domain survives sympy's simplifying constructor (issue 14).

``sqrt(w)**2`` is built as ``w``, ``exp(log(-w))`` as ``-w`` and ``sigmoid(log(-w))`` as
``1/(1 - 1/w)``: each is defined where the formula typed is not. The parser's guards
(``symbolic.domain``) make every evaluator say "undefined" there, and nowhere else.
"""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.symbolic.derivatives import derivative, nudge
from simulator.symbolic.errors import FormulaError
from simulator.symbolic.evaluation import exact_value, violated_guard
from simulator.symbolic.exact import to_float
from simulator.symbolic.numeric import compile_numpy
from simulator.symbolic.parsing import parse_formula
from simulator.symbolic.problems import expression_problem
from simulator.symbolic.report import derive_report
from tests.symbolic.test_parsing_properties import NAMES, render, trees

#: (formula, a point outside its real domain, a point inside it, J there)
LOST_DOMAINS = [
    ("sqrt(w)**2", -2, 3, 3),
    ("exp(log(-w))", 2, -3, 3),
    ("sigmoid(log(-w))", 2, -2, sp.Rational(2, 3)),
    ("sqrt(w)*sqrt(w)", -2, 3, 3),
    ("abs(log(w))", -1, 1, 0),
    ("(w - 1)/(w - 1)", 1, 3, 1),
]


@pytest.mark.parametrize("text, outside, inside, value", LOST_DOMAINS)
def test_exact_value_is_undefined_outside_the_typed_domain(text, outside, inside, value):
    formula = parse_formula(text)
    assert exact_value(formula.expression, {"w": outside}, formula.guards) is sp.nan
    assert violated_guard(formula.guards, {"w": outside}) is not None
    assert exact_value(formula.expression, {"w": inside}, formula.guards) == value
    assert violated_guard(formula.guards, {"w": inside}) is None


@pytest.mark.parametrize("text, outside, inside, value", LOST_DOMAINS)
def test_the_compiled_function_is_nan_outside_the_typed_domain(text, outside, inside, value):
    formula = parse_formula(text)
    function = compile_numpy(formula.variables, formula.expression, formula.guards)
    got = function(np.array([float(outside), float(inside)]))
    assert math.isnan(got[0])
    assert got[1] == pytest.approx(float(value))
    slope = compile_numpy(formula.variables, derivative(formula, "w"), formula.guards)
    assert math.isnan(np.asarray(slope(float(outside))))


def test_the_derivative_stays_exact_where_the_formula_is_defined():
    formula = parse_formula("sqrt(w)**2")
    assert derivative(formula, "w") == 1
    assert exact_value(derivative(formula, "w"), {"w": 3}, formula.guards) == 1
    seed = nudge(formula, "w", {"w": 3}, "0.001")
    assert (seed.J, seed.J_plus, seed.exact, seed.error) == (3, sp.Rational(3001, 1000), 1, 0)
    below = nudge(formula, "w", {"w": 0}, "-0.001")
    assert below.J == 0 and below.J_plus is sp.nan


def test_the_guards_name_the_typed_part_that_fails():
    report = derive_report("sigmoid(log(-w))", at={"w": "2"})
    assert report["expression_value"] is None and report["value"] is None
    assert report["undefined"] == {"J": "log(-w) needs -w > 0",
                                   "w": "J is undefined here: log(-w) needs -w > 0"}
    assert derive_report("sigmoid(log(-w))", at={"w": "-2"})["value"] == pytest.approx(-1 / 9)


def test_a_pole_stays_infinite_rather_than_outside_the_domain():
    report = derive_report("1/w", at={"w": "0"})
    assert report["undefined"]["J"].startswith("infinite")
    function = compile_numpy(("w",), parse_formula("1/w").expression,
                             parse_formula("1/w").guards)
    assert np.isinf(function(0.0))


def test_a_cancelled_variable_is_still_the_formula_s():
    formula = parse_formula("(w - 1)/(w - 1)")
    assert formula.expression == 1 and formula.variables == ("w",)


def test_guards_sympy_can_prove_are_not_kept():
    assert parse_formula("sqrt(w**2 + 1) + log(exp(w)) + 1/exp(w)").guards == ()
    assert [g.kind for g in parse_formula("log(w, w1)").guards] == [
        "positive", "positive", "nonzero"]


def test_a_variable_power_is_defined_for_integer_exponents_of_a_negative_base():
    formula = parse_formula("w**x")
    assert exact_value(formula.expression, {"w": -2, "x": 2}, formula.guards) == 4
    assert exact_value(formula.expression, {"w": -2, "x": "1/2"}, formula.guards) is not sp.nan
    function = compile_numpy(("w", "x"), formula.expression, formula.guards)
    assert function(-2.0, 2.0) == 4.0 and math.isnan(function(-2.0, 0.5))


@pytest.mark.parametrize("text, outside", [("sqrt(w)**2", -2.0), ("exp(log(-w))", 2.0),
                                           ("sigmoid(log(-w))", 2.0)])
def test_the_engine_s_formula_problem_is_undefined_there(text, outside):
    problem = expression_problem(text, {"w": outside})
    theta = np.array([outside])
    assert math.isnan(problem.loss(theta))
    assert np.isnan(problem.gradient(theta)).all()
    assert problem.typed == text
    grid = problem.function(np.array([outside, -outside]))
    assert math.isnan(grid[0]) and math.isfinite(grid[1])


# --- an independent evaluation of the text as typed, every part in real numbers ------------


def _real(tree, point):
    """Return the tree's value in mpmath, every part a real number, or None where one is not."""
    kind = tree[0]
    if kind == "num":
        return mpmath.mpf(Fraction(tree[1]).numerator) / Fraction(tree[1]).denominator
    if kind == "var":
        return point[tree[1]]
    if kind == "const":
        return {"pi": mpmath.pi, "e": mpmath.e}[tree[1]]
    parts = [_real(part, point) for part in
             ([tree[1]] if kind in ("neg", "pow") else
              [tree[2], tree[3]] if kind == "bin" else list(tree[2]))]
    if any(p is None for p in parts):
        return None
    if kind == "neg":
        return -parts[0]
    if kind == "bin":
        left, right = parts
        if tree[1] == "/" and right == 0:
            return None
        return {"+": left + right, "-": left - right, "*": left * right,
                "/": left / right if right else None}[tree[1]]
    if kind == "pow":
        exponent = Fraction(tree[2].strip("()"))
        base = parts[0]
        if (exponent < 0 and base == 0) or (exponent.denominator != 1 and base < 0):
            return None
        if exponent.denominator == 1:
            return base ** int(exponent)
        return mpmath.sqrt(base) ** (2 * exponent)
    return _call(tree[1], parts)


def _call(name, args):
    u = args[0]
    if name in ("log", "sqrt") and (u < 0 or (name == "log" and u == 0)):
        return None
    table = {
        "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "exp": mpmath.exp,
        "log": mpmath.log, "sqrt": mpmath.sqrt, "abs": abs, "tanh": mpmath.tanh,
        "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
        "relu": lambda v: max(mpmath.mpf(0), v),
        "softplus": lambda v: mpmath.log(1 + mpmath.exp(v)),
    }
    if name in ("max", "min"):
        return (max if name == "max" else min)(args)
    return table[name](u)


def _independent(tree, values):
    with mpmath.workdps(60):
        point = {n: mpmath.mpf(v.numerator) / v.denominator
                 for n, v in zip(NAMES, values, strict=True)}
        value = _real(tree, point)
        return None if value is None or not mpmath.isfinite(value) else float(value)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(trees, st.lists(st.fractions(-3, 3, max_denominator=4), min_size=5, max_size=5))
@example(("pow", ("call", "sqrt", (("var", "w"),)), "2", "**"), [Fraction(-2)] * 5)
@example(("call", "exp", (("call", "log", (("neg", ("var", "w")),)),)), [Fraction(2)] * 5)
@example(("call", "sigmoid", (("call", "log", (("neg", ("var", "w")),)),)), [Fraction(2)] * 5)
@example(("bin", "/", ("var", "w"), ("var", "w")), [Fraction(0)] * 5)
def test_a_value_reported_as_defined_is_the_typed_formula_s(tree, values):
    text = render(tree)
    try:
        formula = parse_formula(text)
    except FormulaError:
        return
    point = {n: sp.Rational(v.numerator, v.denominator)
             for n, v in zip(NAMES, values, strict=True)}
    want = _independent(tree, values)
    exact = to_float(exact_value(formula.expression, point, formula.guards))
    if math.isfinite(exact):
        assert want is not None, (text, point)
    if want is not None and math.isfinite(want):  # and the other way round
        assert math.isclose(exact, want, rel_tol=1e-9, abs_tol=1e-9), (text, point, exact)
    names = formula.variables
    function = compile_numpy(names, formula.expression, formula.guards)
    floating = float(np.real(np.asarray(function(*(float(point[n]) for n in names)))))
    if math.isfinite(floating):
        assert want is not None, (text, point)
