"""What the curvature panel says: the Hessian's entries by name, and what they mean for η.

For a formula J, the second derivatives (the Hessian H) say why a learning rate works or
blows up. Near a minimum, plain gradient descent multiplies the distance along each
principal direction by (1 − η·λ) per step, where λ is an eigenvalue of H: the steps
shrink only while η < 2/λ for the largest λ. In a long narrow valley the eigenvalues are
far apart (a large condition number), so an η safe for the steep direction crawls along
the flat one — the ravine lesson's zig-zag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .numbers import format_number

#: significant digits of the panel's numbers
DIGITS = 4


def _number(value: float) -> str:
    return format_number(value, DIGITS)


def entry_name(names: Sequence[str], i: int, j: int) -> str:
    """Return the name of the Hessian's entry (i, j): J'' for one variable, else ∂²J/∂a∂b."""
    a, b = names[i], names[j]
    if len(names) == 1:
        return "J''"
    return f"∂²J/∂{a}²" if a == b else f"∂²J/∂{a}∂{b}"


def entry_text(names: Sequence[str], i: int, j: int, value: float) -> str:
    """Return an entry as the panel shows it: ``∂²J/∂w1² = 2``."""
    return f"{entry_name(names, i, j)} = {_number(value)}"


def eigenvalue_text(eigenvalues: Sequence[float]) -> str:
    """Return the eigenvalues line of a two-variable Hessian ("" when undefined or one variable)."""
    if len(eigenvalues) < 2 or not all(math.isfinite(v) for v in eigenvalues):
        return ""
    return "eigenvalues λ: " + ", ".join(_number(v) for v in eigenvalues)


def describe_curvature(eigenvalues: np.ndarray, learning_rate: float, optimizer: str) -> str:
    """Return what the curvature means for the next steps, in a teacher's words."""
    values = np.sort(np.asarray(eigenvalues, dtype=float))
    if not np.all(np.isfinite(values)):
        return "The curvature is undefined here."
    low, high = values[0], values[-1]
    if len(values) == 1:
        if high <= 0:
            return ("The curve bends downward here (J'' ≤ 0): there is no valley floor "
                    "nearby for the hiker to settle in.")
        factor = abs(1 - learning_rate * high)
        limit = 2 / high
        verdict = ("each step shrinks the distance to the bottom" if factor < 1 else
                   "each step overshoots further than the last: it will diverge")
        return (f"J'' = {_number(high)}: near a minimum, plain gradient descent multiplies the "
                f"distance to it by |1 − η·J''| = {_number(factor)} per step, so {verdict}. "
                f"Stable while η < 2/J'' = {_number(limit)}.")
    if low < 0 < high:
        return ("A saddle: the ground curves up one way and down the other. The hiker "
                "slides off along the downward direction.")
    if high <= 0:
        return "A hilltop: the ground curves down every way from here."
    limit = 2 / high
    condition = high / low if low > 0 else math.inf
    stable = learning_rate < limit
    note = "" if optimizer == "sgd" else (" (That bound is for plain gradient descent; "
                                          f"{optimizer} scales its steps differently.)")
    return (f"A bowl: curvatures {_number(low)} and {_number(high)}. Plain gradient descent is "
            f"stable while η < 2/λmax = {_number(limit)}; η = {_number(learning_rate)} is "
            f"{'inside' if stable else 'outside'} that. The bowl is {_number(condition)}× "
            "steeper one way than the other: the larger that ratio, the more a safe step "
            f"zig-zags across the valley and crawls along it.{note}")
