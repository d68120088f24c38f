"""The formula model: the seed's numbers exactly, derivatives against sympy and differences."""

import dataclasses
import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

from simulator.symbolic import FormulaError, computation_graph, expression_problem, nudge
from simulator.symbolic.parsing import parse_formula, symbol
from simulator.workspace.formula import build_formula_model

FORMULAS = [
    ("w**2", {"w": 3.0}),
    ("sin(w)*exp(-w/3) + w**4/10", {"w": 0.7}),
    ("w1**2 + 10*w2**2", {"w1": -3.5, "w2": 1.0}),
    ("(1 - w1)**2 + 100*(w2 - w1**2)**2", {"w1": -1.5, "w2": 2.0}),
    ("(w1**2 + w2 - 11)**2 + (w1 + w2**2 - 7)**2", {"w1": 0.3, "w2": -1.2}),
    ("sigmoid(w1*w2) + log(1 + w1**2)*tanh(w2)", {"w1": 0.8, "w2": -0.4}),
]


def _model(text, start):
    problem = expression_problem(text, start)
    return build_formula_model(problem), np.array(problem.initial_theta())


def _point(model, theta):
    """Return θ as {name: value} in Python floats (the exact reader takes no numpy scalars)."""
    return {name: float(t) for name, t in zip(model.names, theta, strict=True)}


def _sympy_at(expression, names, theta):
    values = {symbol(n): sp.Float(t, 30) for n, t in zip(names, theta, strict=True)}
    return float(expression.xreplace(values).evalf(30))


def test_the_seeds_nudge_numbers_come_out_exactly():
    model, theta = _model("w**2", {"w": 3})
    values = model.at(theta, "0.001", exact=True)
    n = values.nudge
    assert n.exact_arithmetic and n.variable == 0
    assert (n.epsilon, n.J, n.J_plus, n.delta, n.ratio, n.exact, n.error) == (
        0.001, 9, 9.006001, 0.006001, 6.001, 6, 0.001)
    assert (values.cost, values.gradient, values.hessian, values.eigenvalues) == (
        9.0, (6.0,), ((2.0,),), (2.0,))
    # ε given as a float reads as the decimal it prints as: the same exact numbers
    assert model.at(theta, 0.001, exact=True).nudge == n


def test_the_floating_point_nudge_is_close_and_says_so():
    model, theta = _model("w**2", {"w": 3})
    n = model.at(theta, "0.001", exact=False).nudge
    assert not n.exact_arithmetic
    assert n.J_plus == pytest.approx(9.006001, rel=1e-15)
    assert n.ratio == pytest.approx(6.001, rel=1e-9) and n.ratio != 6.001  # rounding shows
    assert n.exact == 6.0


def test_the_model_describes_the_formula_once():
    model, _ = _model("w1**2 + 10*w2**2", {"w1": -3.5, "w2": 1})
    assert model.text == "w1² + 10·w2²"
    assert model.names == ("w1", "w2")
    assert model.derivative_texts == ("2·w1", "20·w2")
    assert [n.label for n in model.nodes] == ["w1", "(·)²", "w2", "(·)²", "10 ×", "+"]
    assert model.nodes[model.root].is_root and model.nodes[model.root].text == model.text
    assert [model.nodes[k].text for k in model.variable_nodes] == ["w1", "w2"]
    assert all(e.child < e.parent for e in model.edges)
    # a constant local derivative (∂(10·u)/∂u = 10) is shown by its value only
    constant = next(e for e in model.edges if model.nodes[e.parent].label == "10 ×")
    assert not constant.varies and constant.local == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.text = "changed"


@pytest.mark.parametrize(("text", "start"), FORMULAS)
def test_gradient_and_hessian_match_sympy_and_central_differences(text, start):
    model, theta = _model(text, start)
    formula = parse_formula(text)
    names = model.names
    values = model.at(theta)
    assert values.cost == pytest.approx(_sympy_at(formula.expression, names, theta), rel=1e-12)
    for i, a in enumerate(names):
        first = sp.diff(formula.expression, symbol(a))
        assert values.gradient[i] == pytest.approx(_sympy_at(first, names, theta),
                                                   rel=1e-10, abs=1e-12)
        for j, b in enumerate(names):
            second = sp.diff(first, symbol(b))
            assert values.hessian[i][j] == pytest.approx(_sympy_at(second, names, theta),
                                                         rel=1e-10, abs=1e-10)
    # central differences, independent of sympy: of J for the gradient, of it for the Hessian
    h = 1e-5
    for i in range(len(names)):
        step = np.zeros(len(names))
        step[i] = h
        up, down = model.at(theta + step), model.at(theta - step)
        assert values.gradient[i] == pytest.approx((up.cost - down.cost) / (2 * h),
                                                   rel=1e-6, abs=1e-6)
        for j in range(len(names)):
            slope = (up.gradient[j] - down.gradient[j]) / (2 * h)
            assert values.hessian[j][i] == pytest.approx(slope, rel=1e-5, abs=1e-5)
    hessian = np.array(values.hessian)
    assert np.allclose(hessian, hessian.T)
    assert values.eigenvalues == pytest.approx(sorted(np.linalg.eigvalsh(hessian)))


@pytest.mark.parametrize(("text", "start"), FORMULAS)
def test_the_backward_sweep_gives_the_gradient_and_the_symbolic_graphs_numbers(text, start):
    model, theta = _model(text, start)
    values = model.at(theta)
    assert values.variable_adjoints == pytest.approx(values.gradient, rel=1e-12, abs=1e-12)
    assert values.adjoints[model.root] == 1.0
    assert values.node_values[model.root] == pytest.approx(values.cost, rel=1e-14)
    # the same graph, node for node, as symbolic's exact computation_graph at that point
    graph = computation_graph(text, _point(model, theta))
    assert len(graph.nodes) == len(model.nodes) and len(graph.edges) == len(model.edges)
    for node, value, adjoint in zip(graph.nodes, values.node_values, values.adjoints,
                                    strict=True):
        assert value == pytest.approx(node.value, rel=1e-12, abs=1e-14)
        assert adjoint == pytest.approx(node.adjoint, rel=1e-10, abs=1e-12)
    for edge, local in zip(graph.edges, values.local_derivatives, strict=True):
        assert local == pytest.approx(edge.local_value, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize(("text", "start"), FORMULAS)
@pytest.mark.parametrize("epsilon", ["0.001", "1/3"])
def test_the_exact_nudge_is_symbolics_nudge(text, start, epsilon):
    model, theta = _model(text, start)
    point = _point(model, theta)
    for k, name in enumerate(model.names):
        got = model.at(theta, epsilon, exact=True, variable=k).nudge
        want = nudge(text, name, point, epsilon).floats()
        assert got.exact_arithmetic and got.variable == k
        for key, value in got.as_dict().items():
            assert value == pytest.approx(want[key], rel=1e-14, abs=1e-300), key


def test_nudging_the_second_variable():
    model, theta = _model("w1**2 + 10*w2**2", {"w1": -3.5, "w2": 1})
    values = model.at(theta, "0.001", exact=True, variable=1)
    n = values.nudge
    # J = w1² + 10 w2²: ΔJ/ε − ∂J/∂w2 = 10 ε exactly
    assert (n.variable, n.exact, n.ratio, n.error) == (1, 20.0, 20.01, 0.01)
    assert values.eigenvalues == (2.0, 20.0)


def test_undefined_values_stay_floats_and_spread_to_what_depends_on_them():
    model, theta = _model("log(w) + w", {"w": -1.0})
    for exact in (True, False):
        values = model.at(theta, "0.001", exact=exact)
        n = values.nudge
        assert math.isnan(values.cost) and math.isnan(n.J) and math.isnan(n.J_plus)
        assert math.isnan(n.delta) and math.isnan(n.ratio) and math.isnan(n.error)
        # 1/w + 1 is 0 at −1, but J has no value there, so it has no slope (as derive says)
        assert math.isnan(n.exact) and math.isnan(values.gradient[0])
        every = [values.cost, *values.gradient, *values.node_values, *values.adjoints,
                 *values.local_derivatives, *values.eigenvalues, *n.as_dict().values()]
        assert all(type(x) is float for x in every)


def test_no_slope_where_j_is_undefined_but_one_where_j_is_only_too_large():
    model, theta = _model("log(w, 2)", {"w": -1.0})  # the partial 1/(w·ln 2) gives −1.44 here
    assert math.isnan(model.at(theta).gradient[0])
    problem = expression_problem("log(w, 2)", {"w": -1.0})
    loss, grad = problem.loss_and_gradient(problem.initial_theta())
    assert math.isnan(loss) and math.isnan(grad[0]) and math.isnan(problem.gradient(theta)[0])
    big = expression_problem("w1*exp(w2)", {"w1": 1.0, "w2": 800.0})  # J overflows to inf
    assert math.isinf(big.loss(big.initial_theta()))
    assert big.gradient(big.initial_theta())[0] == math.inf  # ∂J/∂w1 = exp(800): a slope all the same


def test_a_point_that_is_not_finite_falls_back_to_floating_point():
    model, _ = _model("w**2", {"w": 3})
    values = model.at([math.inf], "0.001", exact=True)
    assert not values.nudge.exact_arithmetic
    assert values.cost == math.inf and values.eigenvalues == (2.0,)


def test_a_hessian_that_is_undefined_has_undefined_eigenvalues():
    model, _ = _model("sqrt(w1) + w2**2", {"w1": 1, "w2": 1})
    values = model.at([-1.0, 1.0])
    assert all(math.isnan(v) for v in values.eigenvalues)


def test_bad_calls_say_what_is_wrong():
    model, _ = _model("w1*w2", {"w1": 1, "w2": 2})
    with pytest.raises(ValueError, match="θ has 1 values"):
        model.at([1.0])
    with pytest.raises(ValueError, match="no variable number 2"):
        model.at([1.0, 2.0], variable=2)
    with pytest.raises(FormulaError):
        build_formula_model(SimpleNamespace(text="w +* 2", names=["w"], typed=""))


def test_the_model_of_a_formula_is_built_once():
    first, _ = _model("w**3 - w", {"w": 2})
    again, _ = _model("w**3 - w", {"w": -1})
    assert again is first


def test_importing_the_model_loads_no_sympy():
    # the panels import it for network lessons too, which must never pay for sympy
    code = ("import sys\n"
            "import simulator.workspace.formula, simulator.workspace.formula_text\n"
            "import simulator.workspace.curvature, simulator.workspace.graph_layout\n"
            "print('sympy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "False"


#: log nested 8 deep: at w = 2 its exact values run through complex logarithms for
#: over 10 s of sympy's time (it hung the GUI thread when the nudge was worked out there)
SLOW_EXACT = "log(" * 8 + "w" + ")" * 8


def test_the_exact_nudge_in_the_formula_worker_is_the_one_worked_out_here():
    model, theta = _model("w**2", {"w": 3})
    here = model.exact_nudge(theta, "0.001")
    there = model.exact_nudge(theta, "0.001", seconds=30)
    assert there == here and there.exact_arithmetic and not there.inexact
    assert (there.J_plus, there.ratio, there.error) == (9.006001, 6.001, 0.001)


def test_an_exact_nudge_over_its_budget_is_floating_point_and_says_why():
    model, _ = _model(SLOW_EXACT, {"w": 2})
    n = model.exact_nudge((2.0,), "0.001", seconds=0.5)
    assert not n.exact_arithmetic
    assert n.inexact == "working it out in exact fractions took longer than 0.5 s"
    assert n.epsilon == 0.001 and math.isnan(n.J)  # log of a negative number: undefined


def test_an_exact_nudge_at_a_point_that_is_not_finite_says_why():
    model, _ = _model("w**2", {"w": 3})
    n = model.exact_nudge((math.inf,), "0.001")
    assert not n.exact_arithmetic and n.inexact == "the point is not a finite number"


def test_the_panels_say_undefined_outside_the_typed_domain():
    # sympy builds sqrt(w)**2 as w; the model reads the typed text, and its guards with it
    model, theta = _model("sqrt(w)**2", {"w": -2})
    assert model.text == "w"
    values = model.at(theta, exact=True)
    assert np.isnan(values.cost) and np.isnan(values.gradient).all()
    assert np.isnan(values.nudge.J) and np.isnan(values.nudge.exact)
    inside = model.at([3.0], exact=True)
    assert (inside.cost, inside.gradient, inside.nudge.J_plus) == (3.0, (1.0,), 3.001)
