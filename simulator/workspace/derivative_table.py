"""The seed's table of common derivatives, worked out by sympy and sampled for drawing.

The seed lesson lists J(w) = w² → 2w, w³ → 3w², 1/w → −1/w² (``symbolic.SEED_TABLE``).
``derivative_table`` differentiates each function with sympy (the table's derivative
column is sympy's answer, not the seed's text), finds the poles where a function or its
derivative is undefined, and samples both curves on one range with a NaN at each pole,
so that a plot breaks the line there instead of joining +∞ to −∞. Sympy is loaded only
when the table is first asked for; the result is kept.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from .formula_text import readable

#: the range of w the curves are sampled on, and how many samples
X_RANGE = (-3.5, 3.5)
SAMPLES = 701
#: the point where each row gives J and dJ/dw (the seed's w = 3)
POINT = 3.0
#: samples this close to a pole (as a share of the range's width) do not set the y range
POLE_MARGIN = 0.1


@dataclass(frozen=True)
class DerivativeRow:
    """One function of the table, its derivative, and both sampled for a plot.

    ``xs`` are the sample points (each pole among them); ``function_values`` and
    ``derivative_values`` are NaN at a pole, so a line drawn through them breaks there.
    ``y_range`` is what a plot should show: both curves, leaving out the climb to ±∞
    next to a pole.
    """

    function: str  # as people write it: "w²"
    derivative: str  # sympy's derivative, as people write it: "2w"
    sympy_derivative: str  # sympy's plain text of it: "2*w"
    value_at_point: float  # J at POINT
    slope_at_point: float  # dJ/dw at POINT
    poles: tuple[float, ...]
    xs: np.ndarray
    function_values: np.ndarray
    derivative_values: np.ndarray
    y_range: tuple[float, float]


@dataclass(frozen=True)
class DerivativeTable:
    """The seed's table: its variable, the point its numbers are taken at, and its rows."""

    variable: str
    point: float
    x_range: tuple[float, float]
    rows: tuple[DerivativeRow, ...]


@functools.cache
def derivative_table() -> DerivativeTable:
    """Return the seed's derivative table, differentiated by sympy (once; then kept)."""
    from simulator import symbolic
    from simulator.symbolic.surfaces import SEED_TABLE

    rows = tuple(_row(symbolic, seed.function) for seed in SEED_TABLE)
    return DerivativeTable("w", POINT, X_RANGE, rows)


def _row(symbolic, text: str) -> DerivativeRow:
    """Return one row: differentiate ``text`` in w, find its poles, sample both curves."""
    formula = symbolic.parse_formula(text)
    # The seed's derivatives come out of sympy in their simplest form; simplifying them
    # would only start the formula worker process.
    slope = symbolic.derivative(formula, "w", simplify=False)
    poles = _poles(formula.expression, slope)
    function = symbolic.compile_numpy(("w",), formula.expression)
    derivative = symbolic.compile_numpy(("w",), slope)
    xs = np.union1d(np.linspace(*X_RANGE, SAMPLES), poles)
    values = _sample(function, xs, poles)
    slopes = _sample(derivative, xs, poles)
    plain = symbolic.plain_text(slope)
    return DerivativeRow(
        function=_written(readable(formula.plain)), derivative=_written(readable(plain)),
        sympy_derivative=plain,
        value_at_point=float(_sample(function, np.array([POINT]), ())[0]),
        slope_at_point=float(_sample(derivative, np.array([POINT]), ())[0]),
        poles=tuple(float(p) for p in poles), xs=xs, function_values=values,
        derivative_values=slopes, y_range=_y_range(xs, (values, slopes), poles))


def _poles(expression, slope) -> tuple[float, ...]:
    """Return the real points in the range where the function or its derivative has a pole."""
    import sympy as sp

    w = sp.Symbol("w", real=True)
    found: set[float] = set()
    for e in (expression, slope):
        e = e.subs({s: w for s in e.free_symbols})
        zeros = sp.solveset(sp.denom(sp.together(e)), w, domain=sp.S.Reals)
        if isinstance(zeros, sp.FiniteSet):
            found |= {float(z) for z in zeros if X_RANGE[0] <= float(z) <= X_RANGE[1]}
    return tuple(sorted(found))


def _sample(function, xs: np.ndarray, poles) -> np.ndarray:
    """Return a compiled function at ``xs`` as floats, NaN at the poles and wherever undefined."""
    with np.errstate(all="ignore"):
        values = np.asarray(function(xs), dtype=float) * np.ones_like(xs)
    values[~np.isfinite(values) | np.isin(xs, poles)] = np.nan
    return values


def _y_range(xs: np.ndarray, curves, poles) -> tuple[float, float]:
    """Return the y range that shows both curves, leaving out the samples next to a pole."""
    near = np.zeros(len(xs), dtype=bool)
    for pole in poles:
        near |= np.abs(xs - pole) < POLE_MARGIN * (X_RANGE[1] - X_RANGE[0])
    values = np.concatenate([c[~near] for c in curves])
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _written(text: str) -> str:
    """Return a readable formula with a number's product sign dropped: ``2·w`` → ``2w``."""
    return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)·(?=[a-zA-Zα-ω(])", r"\1", text)

