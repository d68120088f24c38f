"""Formula problems for the engine: J typed as text, turned into numpy callables.

The engine's ``ExpressionProblem`` takes plain functions; this module builds them with
``numeric.compile_numpy`` from the parsed expression object (never from text), so the
engine itself never imports sympy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from ..engine.problems import ExpressionProblem
from .derivatives import gradient
from .numeric import compile_numpy
from .parsing import parse_formula

#: a formula problem walks on a line (one variable) or a surface (two)
MAX_VARIABLES = 2
#: half-width of the landscape around the start when no range is given
DEFAULT_HALF_RANGE = 4.0
#: why a formula whose derivatives sympy cannot walk (deeper than Python's recursion limit)
#: is refused
TOO_DEEP = ("it is nested too deep for sympy to work out its derivatives (a sigmoid counts "
            "as four levels)")

Array = np.ndarray


def expression_problem(
    text: str,
    start: Mapping[str, float],
    ranges: Mapping[str, tuple[float, float]] | None = None,
    minima: Sequence[Sequence[float]] = (),
) -> ExpressionProblem:
    """Return the engine problem of a formula in one or two variables.

    ``start`` gives every variable's starting value; ``ranges`` each variable's
    (low, high) for the landscape (default: start ± 4); ``minima`` the known minima,
    each with one value per variable in the formula's variable order. Raises
    ``FormulaError`` for the text and ``ValueError`` naming the field for the rest.
    """
    formula = parse_formula(text)
    names = list(formula.variables)
    if not names:
        raise ValueError("formula: it has no variable to descend along")
    if len(names) > MAX_VARIABLES:
        raise ValueError(f"formula: at most {MAX_VARIABLES} variables, got {', '.join(names)}")
    big = [n for n in formula.expression.atoms(sp.Number) if abs(n) > 1e300]
    if big:
        raise ValueError(f"formula: the number {sp.sstr(sp.N(big[0], 3))} is too large for floating "
                         "point")
    theta = [_start_value(start, name) for name in names]
    for name in start:
        if name not in names:
            raise ValueError(f"start: '{name}' is not a variable of the formula "
                             f"(its variables: {', '.join(names)})")
    spans = _ranges(ranges or {}, names, theta)
    points = [_minimum(point, names, k) for k, point in enumerate(minima)]
    # Unsimplified derivatives: a run needs their numbers, not a shorter text, and
    # simplifying can take minutes (or overflow where the derivative does not).
    try:
        # nan outside the formula's real domain, which sympy's form may have lost
        function = _vectorised(compile_numpy(names, formula.expression, formula.guards))
        partials = [_vectorised(compile_numpy(names, d, formula.guards))
                    for d in gradient(formula, simplify=False)]
    except RecursionError:  # sympy walks its trees recursively: sigmoid nested 45 deep
        raise ValueError(f"formula: {TOO_DEEP}") from None

    def gradient_function(*values: Array) -> tuple[Array, ...]:
        return tuple(partial(*values) for partial in partials)

    return ExpressionProblem(formula.plain, names, function, gradient_function,
                             np.array(theta), spans, points, text)


def _vectorised(compiled: Callable[..., object]) -> Callable[..., Array]:
    """Return a lambdified function that takes floats and broadcasts like numpy.

    A constant derivative (d/dw of 3w is 3) comes back as a bare number; it is spread
    to the shape of the inputs so every caller gets arrays alike.
    """
    def call(*values: Array) -> Array:
        arrays = [np.asarray(v, dtype=float) for v in values]
        result = np.asarray(compiled(*arrays), dtype=float)
        shape = np.broadcast_shapes(result.shape, *(a.shape for a in arrays))
        return result if result.shape == shape else np.broadcast_to(result, shape).copy()
    return call


def _start_value(start: Mapping[str, float], name: str) -> float:
    if name not in start:
        raise ValueError(f"start: missing value for {name}")
    return _finite(start[name], f"start: {name}")


def _ranges(
    ranges: Mapping[str, tuple[float, float]], names: list[str], theta: list[float]
) -> list[tuple[float, float]]:
    """Return each variable's (low, high), checked, defaulting to start ± 4."""
    for name in ranges:
        if name not in names:
            raise ValueError(f"ranges: '{name}' is not a variable of the formula "
                             f"(its variables: {', '.join(names)})")
    spans = []
    for name, value in zip(names, theta, strict=True):
        if name not in ranges:
            spans.append((value - DEFAULT_HALF_RANGE, value + DEFAULT_HALF_RANGE))
            continue
        try:
            low, high = ranges[name]
        except (TypeError, ValueError):
            raise ValueError(f"ranges: {name} must be a pair (low, high)") from None
        low, high = _finite(low, f"ranges: {name}"), _finite(high, f"ranges: {name}")
        if not low < high:
            raise ValueError(f"ranges: {name} needs low < high, got ({low:g}, {high:g})")
        spans.append((low, high))
    return spans


def _minimum(point: Sequence[float], names: list[str], index: int) -> tuple[float, ...]:
    values = tuple(point)
    if len(values) != len(names):
        raise ValueError(f"minima: entry {index} needs one value per variable "
                         f"({', '.join(names)}), got {len(values)}")
    return tuple(_finite(v, f"minima: entry {index}") for v in values)


def _finite(value: object, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return number
