"""The computation graph of a formula: forward values and the backward pass's adjoints.

Each operation of J is a node holding its value at a point; each edge holds the local
derivative ∂parent/∂child. The backward pass starts with ∂J/∂J = 1 at the root and,
parents before children, adds ∂J/∂parent · ∂parent/∂child into each child's ∂J/∂child
(its *adjoint*). A variable used twice gathers both contributions, so its adjoint is
∂J/∂variable — the chain rule, one edge at a time.

Constants are folded into their parent's label (``**2``, ``3*``), so every node depends
on a variable and every edge has a derivative worth showing.

``graph_shape`` gives the graph as expressions (compile them once, evaluate them at many
points); ``backward_sweep`` is the one backward pass, over plain numbers, that both
``computation_graph`` and the app's formula model run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from .derivatives import as_formula, real_diff
from .evaluation import Point, exact_point, exact_value
from .exact import to_float
from .parsing import Formula, plain_text, symbol


@dataclass(frozen=True)
class GraphNode:
    """One operation (or variable) of the formula, evaluated at the point.

    ``label`` is the operation as drawn (``+``, ``*``, ``**2``, ``sin``, ``w1``); ``text``
    the whole subexpression (``w1**2``); ``adjoint`` is ∂J/∂(this node).
    """

    id: int
    label: str
    text: str
    value: float
    children: tuple[int, ...]
    adjoint: float


@dataclass(frozen=True)
class GraphEdge:
    """A parent's dependence on a child: the local derivative ∂parent/∂child."""

    parent: int
    child: int
    local: str  # ∂parent/∂child as plain text in the formula's variables
    local_value: float


@dataclass(frozen=True)
class Graph:
    """A formula's computation graph: nodes children-first, the root (J itself) last."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    root: int

    def variable(self, name: str) -> GraphNode:
        """Return the node of a variable."""
        for node in self.nodes:
            if not node.children and node.text == name:
                return node
        raise KeyError(name)


@dataclass(frozen=True)
class GraphShape:
    """A formula's computation graph before any point is chosen.

    ``expressions`` are the nodes' subexpressions, children first and the root (J) last;
    ``labels`` their operations as drawn; ``children`` each node's operands; ``locals``
    one (parent, child, ∂parent/∂child) per edge. Compile the expressions once and
    evaluate them at every point; ``backward_sweep`` turns the local values into adjoints.
    """

    expressions: tuple[sp.Expr, ...]
    labels: tuple[str, ...]
    children: tuple[tuple[int, ...], ...]
    locals: tuple[tuple[int, int, sp.Expr], ...]
    root: int


def graph_shape(formula: Formula | str) -> GraphShape:
    """Return the nodes and edges of a formula's computation graph, as expressions."""
    formula = as_formula(formula)
    order: list[sp.Expr] = []  # post-order: every node after all it depends on
    ids: dict[sp.Expr, int] = {}

    def visit(expr: sp.Expr) -> None:
        if expr in ids:
            return
        for child in _operands(expr):
            visit(child)
        ids[expr] = len(order)
        order.append(expr)

    visit(formula.expression)
    locals_ = tuple((ids[parent], ids[child], local) for parent in order
                    for child, local in _local_derivatives(parent))
    return GraphShape(tuple(order), tuple(_label(expr) for expr in order),
                      tuple(tuple(ids[c] for c in _operands(expr)) for expr in order),
                      locals_, ids[formula.expression])


def backward_sweep(count: int, root: int,
                   edges: Sequence[tuple[int, int, float]]) -> list[float]:
    """Return ∂J/∂node for each of ``count`` nodes: the backward pass over the edges.

    ``edges`` are (parent, child, ∂parent/∂child at the point). Nodes are numbered
    children first, so walking them from the root down visits every parent before its
    children; each edge adds ∂J/∂parent · ∂parent/∂child into the child. Undefined or
    overflowing values spread as nan and ±inf (float arithmetic never raises here).
    """
    adjoints = [0.0] * count
    adjoints[root] = 1.0
    outgoing: dict[int, list[tuple[int, float]]] = {}
    for parent, child, local in edges:
        outgoing.setdefault(parent, []).append((child, float(local)))
    for node in reversed(range(count)):  # parents before children
        for child, local in outgoing.get(node, ()):
            adjoints[child] += adjoints[node] * local
    return adjoints


def computation_graph(formula: Formula | str, point: Point) -> Graph:
    """Return the computation graph of a formula at a point, with every adjoint."""
    formula = as_formula(formula)
    values = exact_point(point)
    missing = [name for name in formula.variables if symbol(name) not in values]
    if missing:
        raise ValueError(f"missing value for {missing[0]}")
    shape = graph_shape(formula)
    edges = tuple(GraphEdge(parent, child, plain_text(local), to_float(exact_value(local, point)))
                  for parent, child, local in shape.locals)
    adjoints = backward_sweep(len(shape.expressions), shape.root,
                              [(e.parent, e.child, e.local_value) for e in edges])
    nodes = tuple(
        GraphNode(k, label, plain_text(expr), to_float(exact_value(expr, point)), children,
                  adjoints[k])
        for k, (expr, label, children) in enumerate(
            zip(shape.expressions, shape.labels, shape.children, strict=True))
    )
    return Graph(nodes, edges, shape.root)


def _operands(expr: sp.Expr) -> list[sp.Expr]:
    """Return the arguments of an operation that depend on a variable."""
    if expr.is_Symbol or expr.is_number:
        return []
    return [arg for arg in expr.args if not arg.is_number]


def _local_derivatives(parent: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """Return (child, ∂parent/∂child) for each operand, the others held fixed."""
    operands = _operands(parent)
    if not operands:
        return []
    stand_ins = [sp.Dummy(real=True) for _ in operands]
    swap = dict(zip(operands, stand_ins, strict=True))
    rebuilt = parent.func(*(swap.get(arg, arg) for arg in parent.args))
    back = dict(zip(stand_ins, operands, strict=True))
    return [(child, real_diff(rebuilt, u).xreplace(back))
            for child, u in zip(operands, stand_ins, strict=True)]


def _label(expr: sp.Expr) -> str:
    """Return how a node is drawn: its operation, with its constant operands folded in."""
    if expr.is_Symbol or expr.is_number:
        return plain_text(expr)
    constants = [arg for arg in expr.args if arg.is_number]
    if expr.is_Add:
        if not constants:
            return "+"
        total = sp.Add(*constants)
        return f"+ {plain_text(total)}" if not total.could_extract_minus_sign() else (
            f"- {plain_text(-total)}")
    if expr.is_Mul:
        return f"{plain_text(sp.Mul(*constants))}*" if constants else "*"
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_number:
            return "sqrt" if exponent == sp.Rational(1, 2) else f"**{_grouped(exponent)}"
        return f"{_grouped(base)}**" if base.is_number else "**"
    name = getattr(expr.func, "__name__", type(expr).__name__)
    if not constants:
        return name
    shown = ", ".join(plain_text(arg) if arg.is_number else "·" for arg in expr.args)
    return f"{name}({shown})"


def _grouped(number: sp.Expr) -> str:
    text = plain_text(number)
    return text if text.isalnum() else f"({text})"
