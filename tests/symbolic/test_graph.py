import math

import pytest
import sympy as sp

from simulator.symbolic.exact import to_float
from simulator.symbolic.graph import backward_sweep, computation_graph, graph_shape
from simulator.symbolic.parsing import parse_formula, plain_text, symbol


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("w^2", {"w": 3}),
        ("w1^2*w2 + sin(w1)", {"w1": 1, "w2": 2}),
        ("sigmoid(w*x + b)", {"w": "0.5", "x": 2, "b": -1}),
        ("(w1 - w2)^2/2", {"w1": 1, "w2": 3}),
        ("relu(w) + 2^w + log(w, 2)", {"w": 2}),
        ("tanh(w1*w2)*exp(-w1) + sqrt(w2)", {"w1": "0.3", "w2": "1.7"}),
        ("max(w1, w2) * min(w1, 2*w2) + abs(w1 - 3)", {"w1": "1.5", "w2": "-0.25"}),
    ],
)
def test_adjoint_of_each_variable_is_the_derivative(text, point):
    formula = parse_formula(text)
    graph = computation_graph(formula, point)
    values = {symbol(k): sp.Rational(str(v)) for k, v in point.items()}
    for name in formula.variables:
        want = to_float(sp.diff(formula.expression, symbol(name)).xreplace(values))
        assert graph.variable(name).adjoint == pytest.approx(want, rel=1e-12, abs=1e-15)
    root = graph.nodes[graph.root]
    assert root.adjoint == 1.0
    assert root.value == pytest.approx(to_float(formula.expression.xreplace(values)))


def test_seed_graph():
    graph = computation_graph("w^2", {"w": 3})
    assert [(n.label, n.text, n.value) for n in graph.nodes] == [
        ("w", "w", 3.0), ("**2", "w**2", 9.0)]
    (edge,) = graph.edges
    assert (edge.parent, edge.child, edge.local, edge.local_value) == (1, 0, "2*w", 6.0)
    assert graph.variable("w").adjoint == 6.0


def test_a_shared_variable_gathers_every_path():
    graph = computation_graph("w1^2*w2 + sin(w1)", {"w1": 0, "w2": 5})
    w1 = graph.variable("w1")
    parents = [e for e in graph.edges if e.child == w1.id]
    assert len(parents) == 2  # through w1**2 and through sin(w1)
    assert w1.adjoint == pytest.approx(1.0)  # 2·0·5 + cos(0)


def test_nodes_come_children_first_and_labels_fold_constants():
    graph = computation_graph("3*w^2 + 1", {"w": 2})
    for node in graph.nodes:
        assert all(child < node.id for child in node.children)
    assert [n.label for n in graph.nodes] == ["w", "**2", "3*", "+ 1"]
    assert graph.root == len(graph.nodes) - 1


def test_missing_value():
    with pytest.raises(ValueError, match="missing value for w2"):
        computation_graph("w1*w2", {"w1": 1})


def test_graph_shape_holds_the_expressions_that_computation_graph_evaluates():
    formula = parse_formula("w1^2*w2 + sin(w1)")
    shape = graph_shape(formula)
    graph = computation_graph(formula, {"w1": 1, "w2": 2})
    assert shape.root == graph.root and shape.expressions[shape.root] == formula.expression
    assert [plain_text(e) for e in shape.expressions] == [n.text for n in graph.nodes]
    assert list(shape.labels) == [n.label for n in graph.nodes]
    assert [(p, c, plain_text(d)) for p, c, d in shape.locals] == [
        (e.parent, e.child, e.local) for e in graph.edges]


def test_backward_sweep_over_numbers_gathers_every_path():
    # J = a·b with a = 2w and b = 3w (nodes: w, a, b, J): ∂J/∂w = 3w·2 + 2w·3 = 12w
    w = 1.5
    edges = [(3, 1, 3 * w), (3, 2, 2 * w), (1, 0, 2.0), (2, 0, 3.0)]
    adjoints = backward_sweep(4, 3, edges)
    assert adjoints == [12 * w, 3 * w, 2 * w, 1.0]


def test_backward_sweep_spreads_undefined_values_without_raising():
    adjoints = backward_sweep(3, 2, [(2, 1, float("nan")), (1, 0, 1e200), (2, 0, 1e200)])
    assert math.isnan(adjoints[1]) and math.isnan(adjoints[0])
    assert backward_sweep(2, 1, [(1, 0, 1e300)]) == [1e300, 1.0]
