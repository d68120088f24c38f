"""Compiling formulas to numpy: kinks, constants numpy cannot hold, and stable forms.

Each case is one the robustness issue found failing (a NameError for DiracDelta, a
TypeError from numpy's log of a large integer, KeyError 'ComplexInfinity', NaN gradients
of sigmoid's tails); each expected number is worked out by hand or by Python's math.
"""

import math
import pickle

import numpy as np
import pytest
import sympy as sp

from simulator.symbolic.derivatives import derivative, gradient, hessian, tidy
from simulator.symbolic.errors import FormulaError
from simulator.symbolic.numeric import KINK_NOTE, compile_numpy, kink_note
from simulator.symbolic.parsing import parse_formula
from simulator.symbolic.problems import expression_problem
from simulator.symbolic.report import derive_report

W = np.array([-2.0, 0.0, 3.0])


def _compiled(text):
    formula = parse_formula(text)
    names = list(formula.variables)
    return (compile_numpy(names, formula.expression),
            compile_numpy(names, gradient(formula, simplify=False)),
            compile_numpy(names, hessian(formula, simplify=False)))


@pytest.mark.parametrize("text, value, slope", [
    ("sign(w)", [-1, 0, 1], [0, 0, 0]),
    ("Heaviside(w)", [0, 0.5, 1], [0, 0, 0]),
    ("abs(w)", [2, 0, 3], [-1, 0, 1]),
    ("relu(w)", [0, 0, 3], [0, 0.5, 1]),
])
def test_kinks_compile_with_the_mean_slope_and_no_curvature(text, value, slope):
    function, first, second = _compiled(text)
    assert np.allclose(function(W), value)
    assert np.allclose(np.broadcast_to(first(W)[0], 3), slope)
    assert np.allclose(np.broadcast_to(second(W)[0][0], 3), 0)


def test_max_of_two_weights_has_a_curvature_panel():
    formula = parse_formula("max(w1, w2)")
    matrix = compile_numpy(["w1", "w2"], hessian(formula, simplify=False))
    assert np.allclose(np.array(matrix(1.0, 2.0), dtype=float), 0)
    slopes = compile_numpy(["w1", "w2"], gradient(formula, simplify=False))
    assert slopes(1.0, 1.0) == [0.5, 0.5]  # a tie: each side's mean, a subgradient


def test_the_kink_note_is_given_for_kinked_formulas_only():
    assert kink_note(parse_formula("abs(w) + 1").expression) == KINK_NOTE
    assert kink_note(parse_formula("relu(w)").expression) == KINK_NOTE
    assert kink_note(parse_formula("w**2").expression) is None
    assert derive_report("abs(w)")["note"] == KINK_NOTE
    assert derive_report("w**2")["note"] is None


@pytest.mark.parametrize("text", [
    "w*log(10**20)", "min(1/relu(w), 1)", "Heaviside(w/relu(w))", "max(625, (-relu(w))**abs(w))",
    "abs((Min(w2, sinh(sin(w1)), log(sin(0.5), w)))^5)",
])
def test_the_reported_compile_failures_compile(text):
    for compiled in _compiled(text):
        names = parse_formula(text).variables
        compiled(*[W] * len(names))  # numbers, nan where undefined; no exception


def test_a_large_integer_constant_is_computed_as_a_float():
    function, first, _ = _compiled("w*log(10**20)")
    assert function(2.0) == pytest.approx(2 * 20 * math.log(10))
    assert first(5.0)[0] == pytest.approx(20 * math.log(10))


def test_softplus_and_sigmoid_stay_finite_in_their_tails():
    softplus, softplus_slope, _ = _compiled("softplus(w)")
    assert softplus(1000.0) == 1000.0 and softplus(-1000.0) == 0.0
    assert softplus_slope(1000.0)[0] == 1.0
    _, sigmoid_slope, sigmoid_curve = _compiled("sigmoid(w)")
    assert sigmoid_slope(-1000.0)[0] == 0.0 and sigmoid_slope(1000.0)[0] == 0.0
    assert sigmoid_curve(-1000.0)[0][0] == 0.0
    log_sigmoid, log_slope, _ = _compiled("log(sigmoid(w))")
    assert log_sigmoid(-800.0) == pytest.approx(-800.0)
    assert log_slope(-800.0)[0] == pytest.approx(1.0)
    assert log_slope(0.0)[0] == pytest.approx(0.5)


def test_a_run_on_softplus_at_1000_has_a_finite_loss_and_gradient():
    problem = expression_problem("softplus(w)", {"w": 1000.0})
    assert problem.loss(problem.start) == 1000.0
    assert problem.gradient(problem.start).tolist() == [1.0]
    sigmoid = expression_problem("sigmoid(w)", {"w": -1000.0})
    assert sigmoid.gradient(sigmoid.start).tolist() == [0.0]


@pytest.mark.parametrize("text", ["log(w, 0)", "log(w, 1)", "log(w, -2)", "log(w, 0.0)"])
def test_a_logarithm_base_of_zero_one_or_below_is_refused(text):
    with pytest.raises(FormulaError, match="the base of a logarithm must be positive and not 1"):
        parse_formula(text)


def test_a_logarithm_with_a_good_base_still_reads():
    assert parse_formula("log(w, 2)").expression == sp.log(sp.Symbol("w", real=True)) / sp.log(2)


def test_a_simplification_that_overflows_is_not_taken():
    # simplify turns 6·ln(9.29)·9.29^(6w) into log(9.29^(6·642827.25…^w)), inf at w = 1
    report = derive_report("9.29**(6*w)", at={"w": "1"})
    assert report["value"] == pytest.approx(6 * math.log(9.29) * 9.29**6, rel=1e-12)
    assert report["value"] == pytest.approx(8596934.748, rel=1e-9)
    assert "log(" in report["derivative"] and "**w)" not in report["derivative"]


def test_a_good_simplification_is_still_taken():
    assert str(derivative("w**2*sin(w)**2 + w**2*cos(w)**2", "w")) == "2*w"
    w = sp.Symbol("w", real=True)
    assert tidy(sp.sin(w)**2 + sp.cos(w)**2) == 1


def test_a_formula_error_survives_pickling_from_the_worker():
    error = FormulaError(4, "zz", "unknown name 'zz'")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.column, copy.token, copy.reason, str(copy)) == (4, "zz", "unknown name 'zz'",
                                                                str(error))
