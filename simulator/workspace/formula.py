"""The formula model: what the formula and curvature panels show about a cost J, no Qt.

It teaches the seed lesson top to bottom. The cost J and what sympy's ``diff`` says its
derivatives are; the nudge: move one variable by a small ε, watch J change by ΔJ, and see
that ΔJ/ε is almost dJ/dw (J = w² at w = 3: 9 → 9.006001, so the slope is about 6.001 and
exactly 6); the computation graph, every operation of J as a box with its forward value
and ∂J/∂box from the backward pass; and the Hessian, whose eigenvalues say which
learning rates are stable.

``build_formula_model`` does all the sympy work once per formula (parsing, derivatives,
the graph's shape, the Hessian, compiling them to numpy); it may take a while on a large
formula and can run off the GUI thread. ``FormulaModel.at`` then only evaluates the
compiled functions at a point, and runs the one backward sweep of
``simulator.symbolic.graph`` over the graph's local derivatives. The nudge can be done in
exact arithmetic (as the panel does when the run is paused), still on the expressions
built once.

This module imports no sympy itself: a network lesson never loads it.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from simulator.engine.problems import ExpressionProblem

from .formula_text import DEFAULT_EPSILON, readable, readable_operation
from .graph_layout import EdgeSpec, NodeSpec

#: formulas whose models are kept, so going back to a lesson does not run sympy again
CACHE_SIZE = 8
#: longest local derivative written on its edge's tag (longer ones: in the tooltip only)
LOCAL_TEXT_LIMIT = 14

Compiled = Callable[..., object]


@dataclass(frozen=True)
class NudgeNumbers:
    """The seed's experiment at a point: move one variable by ε, compare ΔJ/ε with the slope.

    ``variable`` is the index of the nudged variable; ``exact_arithmetic`` says whether
    the numbers come from exact fractions (else floating point). A value that is
    undefined or too large is nan or ±inf, and so is everything computed from it.
    """

    variable: int
    epsilon: float
    J: float  # J at the point
    J_plus: float  # J with the variable moved by ε
    delta: float  # ΔJ = J_plus − J
    ratio: float  # ΔJ / ε, the slope the nudge measures
    exact: float  # ∂J/∂variable at the point, the slope itself
    error: float  # ratio − exact (shrinks with ε)
    exact_arithmetic: bool
    crosses_pole: bool = False  # J jumps through a pole between the two points: ΔJ/ε is no slope
    inexact: str = ""  # why it is floating point where exact fractions were asked for

    def as_dict(self) -> dict[str, float]:
        """Return epsilon, J, J_plus, delta, ratio, exact and error by name."""
        return {name: getattr(self, name) for name in
                ("epsilon", "J", "J_plus", "delta", "ratio", "exact", "error")}


@dataclass(frozen=True)
class FormulaValues:
    """Everything the panels show of J at one point: plain floats, computed once.

    nan stands for a value that is undefined there (``log`` of a negative number) and
    ±inf for one too large; ``workspace.numbers.format_number`` writes both in words, so
    no NaN reaches the screen. Graph values are in the model's node and edge order.
    """

    theta: tuple[float, ...]
    cost: float
    gradient: tuple[float, ...]  # ∂J/∂variable from the compiled derivatives
    nudge: NudgeNumbers
    node_values: tuple[float, ...]  # each box's forward value
    local_derivatives: tuple[float, ...]  # each edge's ∂parent/∂child
    adjoints: tuple[float, ...]  # each box's ∂J/∂box, from the backward sweep
    variable_adjoints: tuple[float, ...]  # ∂J/∂variable as the backward sweep found it
    hessian: tuple[tuple[float, ...], ...]  # ∂²J/∂vᵢ∂vⱼ
    eigenvalues: tuple[float, ...]  # of the Hessian, ascending (nan where it is undefined)


@dataclass(frozen=True)
class _Compiled:
    """The numpy functions of one formula, and the expressions the exact nudge evaluates."""

    cost: Compiled
    partials: Compiled
    node_values: Compiled
    local_derivatives: Compiled | None
    hessian: Compiled
    expression: object  # J as a sympy expression
    slopes: tuple[object, ...]  # ∂J/∂variable as sympy expressions
    guards: tuple[object, ...] = ()  # where J is defined (symbolic.domain)


@dataclass(frozen=True)
class FormulaModel:
    """What is fixed about a formula: its texts, its variables and its computation graph.

    ``text`` is J as people write it (``w²``), ``derivative_texts`` each ∂J/∂variable;
    ``nodes`` and ``edges`` the computation graph children first with J (``root``) last,
    ready to be measured and placed by ``graph_layout.layered_layout``;
    ``edge_local_texts`` each edge's ∂parent/∂child in full; ``latex`` and
    ``derivative_latex`` are J and each ∂J/∂variable as LaTeX (for lecture notes). ``at``
    gives the numbers.
    """

    text: str
    names: tuple[str, ...]
    derivative_texts: tuple[str, ...]
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    edge_local_texts: tuple[str, ...]
    root: int
    variable_nodes: tuple[int, ...]  # the node of each variable, in ``names`` order
    _compiled: _Compiled = field(repr=False, compare=False)
    latex: str = ""
    derivative_latex: tuple[str, ...] = ()

    def costs(self, points: np.ndarray) -> np.ndarray:
        """Return J at each row of ``points`` (k × variables), nan where it is undefined."""
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            try:
                out = np.asarray(self._compiled.cost(*points.T), dtype=complex)
            except (ArithmeticError, ValueError, TypeError):
                return np.full(len(points), math.nan)
        real = np.where(np.abs(out.imag) > 0, math.nan, out.real)
        return np.broadcast_to(real, (len(points),)).astype(float)

    def at(self, theta: Sequence[float], epsilon: object = DEFAULT_EPSILON,
           exact: bool = False, *, variable: int = 0) -> FormulaValues:
        """Return J, its derivatives, the nudge of one variable, the graph and the Hessian at θ.

        ``epsilon`` is the nudge, a positive number or its text (``"0.001"``);
        ``variable`` the index of the variable it moves. With ``exact`` the nudge is
        computed in exact fractions (3.001² is exactly 9.006001), falling back to
        floating point where that is impossible (θ not finite, a value sympy cannot
        evaluate exactly).
        """
        theta = tuple(float(t) for t in theta)
        if len(theta) != len(self.names):
            raise ValueError(f"θ has {len(theta)} values; the formula's variables are "
                             f"{', '.join(self.names)}")
        if not 0 <= variable < len(self.names):
            raise ValueError(f"no variable number {variable} to nudge")
        compiled = self._compiled
        cost = _evaluate(compiled.cost, theta, 1)[0]
        gradient = _evaluate(compiled.partials, theta, len(self.names))
        if math.isnan(cost):  # J has no value here, nor has its slope (log(w, 2) at −1)
            gradient = (math.nan,) * len(self.names)
        if exact:
            nudge = self.exact_nudge(theta, epsilon, variable)
        else:
            nudge = self._check_pole(theta, self._float_nudge(theta, float(epsilon), variable,
                                                              cost, gradient[variable]))
        node_values = _evaluate(compiled.node_values, theta, len(self.nodes))
        locals_ = _evaluate(compiled.local_derivatives, theta, len(self.edges))
        adjoints = _backward(len(self.nodes), self.root,
                             [(e.parent, e.child, d) for e, d in zip(self.edges, locals_,
                                                                     strict=True)])
        n = len(self.names)
        hessian = np.array(_evaluate(compiled.hessian, theta, n * n)).reshape(n, n)
        if np.all(np.isfinite(hessian)):
            eigenvalues = tuple(float(v) for v in np.linalg.eigvalsh(hessian))
        else:
            eigenvalues = (math.nan,) * n
        return FormulaValues(theta, cost, gradient, nudge, node_values, locals_, adjoints,
                             tuple(adjoints[k] for k in self.variable_nodes),
                             tuple(tuple(float(v) for v in row) for row in hessian), eigenvalues)

    def _check_pole(self, theta: tuple[float, ...], nudge: NudgeNumbers) -> NudgeNumbers:
        """Return the nudge, marked when J jumps through a pole between θ and θ + ε."""
        from .terrain import crosses_pole

        if not all(math.isfinite(t) for t in theta) or not math.isfinite(nudge.epsilon):
            return nudge
        moved = list(theta)
        moved[nudge.variable] += nudge.epsilon
        if not crosses_pole(self.costs, np.array(theta), np.array(moved)):
            return nudge
        return replace(nudge, crosses_pole=True)

    def exact_nudge(self, theta: Sequence[float], epsilon: object = DEFAULT_EPSILON,
                    variable: int = 0, seconds: float | None = None,
                    abandon: threading.Event | None = None) -> NudgeNumbers:
        """Return the nudge of one variable at θ in exact fractions (3.001² is 9.006001).

        With ``seconds`` the fractions are worked out in the formula worker
        (``symbolic.budget``) for at most that long, or until ``abandon`` is set; else
        here, bounded only by ``symbolic.bounds``. Where they cannot be had (θ not finite,
        a value sympy cannot evaluate exactly, out of time) the nudge is in floating
        point, and ``inexact`` says why.
        """
        from simulator.symbolic.budget import ABANDONED, run_within

        theta = tuple(float(t) for t in theta)
        compiled = self._compiled
        args = (compiled.expression, compiled.slopes[variable], self.names, theta, epsilon,
                variable, compiled.guards)
        if not all(math.isfinite(t) for t in theta):
            numbers, why = None, "the point is not a finite number"
        elif seconds is None:
            numbers, why = next(_exact_nudge_task(*args)), ""
        else:
            outcome = run_within(_exact_nudge_task, args, seconds, abandon)
            numbers = outcome.results[0] if outcome.results else None
            why = ("a newer point was asked for" if outcome.reason == ABANDONED else
                   f"working it out in exact fractions took longer than {seconds:g} s")
        if numbers is not None:
            return self._check_pole(theta, _undefined_spread(variable, *numbers,
                                                             exact_arithmetic=True))
        cost = _evaluate(compiled.cost, theta, 1)[0]
        slope = _evaluate(compiled.partials, theta, len(self.names))[variable]
        nudge = self._float_nudge(theta, float(epsilon), variable, cost, slope)
        return replace(self._check_pole(theta, nudge),
                       inexact=why or "sympy cannot work out this point in exact fractions")

    def _float_nudge(self, theta: tuple[float, ...], epsilon: float, variable: int,
                     before: float, slope: float) -> NudgeNumbers:
        """Return the nudge in floating point (as fast as a snapshot while playing)."""
        moved = list(theta)
        moved[variable] += epsilon
        after = _evaluate(self._compiled.cost, moved, 1)[0]
        with np.errstate(all="ignore"):
            delta = float(np.float64(after) - np.float64(before))
            ratio = float(np.float64(delta) / np.float64(epsilon))
            error = float(np.float64(ratio) - np.float64(slope))
        return _undefined_spread(variable, epsilon, before, after, delta, ratio, slope, error,
                                 exact_arithmetic=False)


def _undefined_spread(variable: int, epsilon: float, before: float, after: float, delta: float,
                      ratio: float, slope: float, error: float, *,
                      exact_arithmetic: bool) -> NudgeNumbers:
    """Return the nudge's numbers with every value computed from an undefined one undefined.

    Exact arithmetic may subtract two complex values (log of a negative number) into a
    real ΔJ: J itself is undefined there, and so are the measured slope and the exact one.
    """
    if not (math.isfinite(before) and math.isfinite(after)):
        delta = ratio = error = math.nan
    if math.isnan(before):
        slope = math.nan
    if not math.isfinite(slope):
        error = math.nan
    return NudgeNumbers(variable, epsilon, before, after, delta, ratio, slope, error,
                        exact_arithmetic)


def _exact_nudge_task(expression, slope_expression, names: tuple[str, ...],
                      theta: tuple[float, ...], epsilon: object,
                      variable: int, guards=()) -> Iterator[tuple[float, ...] | None]:
    """Yield the nudge's seven numbers worked out in exact fractions, or None where they cannot be.

    They are ε, J, J(θ + ε), ΔJ, ΔJ/ε, the slope and the error (a task of the formula
    worker; run inline too).
    """
    from simulator.symbolic.evaluation import exact_value
    from simulator.symbolic.exact import exact_number, to_float

    point = dict(zip(names, theta, strict=True))
    try:
        step = exact_number(epsilon)
        moved = {**point, names[variable]: exact_number(theta[variable]) + step}
        before = exact_value(expression, point, guards)
        after = exact_value(expression, moved, guards)
        delta = after - before
        ratio = delta / step
        slope = exact_value(slope_expression, point, guards)
        yield tuple(to_float(x) for x in (step, before, after, delta, ratio, slope,
                                          ratio - slope))
    except (ValueError, TypeError, ArithmeticError):
        yield None


def formula_work(spec) -> Iterator[bool]:
    """Do a formula's whole sympy work once, then yield True (a task of the formula worker).

    It is the work of ``build_problem`` and ``build_formula_model`` but for simplifying
    the derivatives' texts, which has its own budget: done within a budget there, it will
    be done here too.
    """
    from simulator.lessons.building import build_problem

    problem = build_problem(spec)
    _build.__wrapped__(problem.typed or problem.text, tuple(problem.names), False)
    yield True


def problem_work(spec) -> Iterator[bool]:
    """Build a formula's engine problem once, then yield True (a task of the formula worker)."""
    from simulator.lessons.building import build_problem

    build_problem(spec)
    yield True


def build_formula_model(problem: ExpressionProblem) -> FormulaModel:
    """Return the formula model of an expression problem (its text and variable names).

    All the sympy work happens here, once per formula (and is remembered for the last
    few formulas). Raises ``FormulaError`` (a ``ValueError``) or ``ValueError`` /
    ``ArithmeticError`` when sympy cannot analyse the formula.
    """
    return _build(problem.typed or problem.text, tuple(problem.names))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _build(text: str, names: tuple[str, ...], tidy: bool = True) -> FormulaModel:
    """Return the model of J's text: parse, differentiate, shape the graph, compile.

    ``tidy``: simplify the derivatives' texts (each within its own time budget).
    """
    from simulator import symbolic
    from simulator.symbolic.graph import graph_shape
    from simulator.symbolic.parsing import symbol

    formula = symbolic.parse_formula(text)
    partials = symbolic.gradient(formula, list(names), simplify=tidy)
    shape = graph_shape(formula)
    nodes = tuple(NodeSpec(k, readable_operation(label), readable(symbolic.plain_text(expr)),
                           not children, k == shape.root)
                  for k, (expr, label, children) in enumerate(
                      zip(shape.expressions, shape.labels, shape.children, strict=True)))
    edges, local_texts = [], []
    for parent, child, local in shape.locals:
        constant = not local.free_symbols
        shown = readable(symbolic.plain_text(local))
        local_texts.append(shown)
        edges.append(EdgeSpec(parent, child,
                              "" if constant or len(shown) > LOCAL_TEXT_LIMIT else shown,
                              not constant))
    by_text = {node.text: node.id for node in nodes if node.is_variable}
    # Unsimplified second derivatives: only their values are shown, and simplifying them
    # (as symbolic.hessian does for display) can take many seconds on a transcendental J.
    first = [formula.expression.diff(symbol(name)) for name in names]
    hessian = [[d.diff(symbol(name)) for name in names] for d in first]
    guards = formula.guards  # nan outside J's real domain, which sympy's form may have lost
    compiled = _Compiled(
        cost=symbolic.compile_numpy(names, formula.expression, guards),
        partials=symbolic.compile_numpy(names, list(partials), guards),
        node_values=symbolic.compile_numpy(names, list(shape.expressions), guards),
        local_derivatives=(symbolic.compile_numpy(names, [d for _, _, d in shape.locals],
                                                  guards) if shape.locals else None),
        hessian=symbolic.compile_numpy(names, hessian, guards),
        expression=formula.expression,
        slopes=tuple(partials),
        guards=guards,
    )
    return FormulaModel(readable(formula.plain), names,
                        tuple(readable(symbolic.plain_text(d)) for d in partials),
                        nodes, tuple(edges), tuple(local_texts), shape.root,
                        tuple(by_text[name] for name in names), compiled,
                        symbolic.latex_text(formula.expression),
                        tuple(symbolic.latex_text(d) for d in partials))


def _backward(count: int, root: int, edges: list[tuple[int, int, float]]) -> tuple[float, ...]:
    """Return ∂J/∂node for every node through symbolic.graph's backward sweep."""
    from simulator.symbolic.graph import backward_sweep  # loaded by the build already

    return tuple(backward_sweep(count, root, edges))


def _evaluate(function: Compiled | None, theta: Sequence[float],
              count: int) -> tuple[float, ...]:
    """Return a compiled function's ``count`` results at a point as floats (nan: undefined)."""
    if function is None:
        return ()
    with np.errstate(all="ignore"):
        try:
            out = function(*(np.float64(v) for v in theta))
        except (ArithmeticError, ValueError, TypeError):
            return (math.nan,) * count
        items = np.asarray(out, dtype=object).ravel()
    result = []
    for item in items:
        try:
            result.append(float(item))
        except (TypeError, ValueError):
            result.append(math.nan)  # a complex value: not real here
    return tuple(result)
