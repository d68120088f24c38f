"""What the curvature panel says: the Hessian's entries by name, and what they mean for η.

For a formula J, the second derivatives (the Hessian H) say why a learning rate works or
blows up. Near a minimum, plain gradient descent multiplies the distance along each
principal direction by (1 − η·λ) per step, where λ is an eigenvalue of H: the steps
shrink only while η < 2/λ for the largest λ. In a long narrow valley the eigenvalues are
far apart (a large condition number), so an η safe for the steep direction crawls along
the flat one — the ravine lesson's zig-zag.

That reading holds only near a minimum. ``describe_ground`` first says what the hiker's
point is (``terrain``): a minimum, a maximum, a saddle, an inflection, a slope with no
minimum ahead or a pole; the η bound is said only on the way to a real valley.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .diagnosis import FLAT_SLOPE
from .numbers import format_number
from .terrain import look_along, quietly, scale_of

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


@quietly
def describe_ground(costs, values, names: Sequence[str], learning_rate: float,
                    optimizer: str) -> str:
    """Return what is true at the hiker's point, and what η does there where a valley is ahead.

    The point is a minimum, a maximum, a saddle, an inflection, a slope with no minimum
    ahead, or near a pole.
    ``costs`` gives J at points (``FormulaModel.costs``); ``values`` are the formula's
    ``FormulaValues`` at θ. Only where the ground really curves up towards a minimum does
    the panel speak of the distance to it shrinking by |1 − η·λ| per step.
    """
    theta = np.asarray(values.theta, dtype=float)
    gradient = np.asarray(values.gradient, dtype=float)
    eigenvalues = np.asarray(values.eigenvalues, dtype=float)
    if not math.isfinite(values.cost):
        return ("J is undefined at the hiker's point, so it has no slope or curvature here. "
                "Move the hiker to where J is a number.")
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(eigenvalues))):
        return "The curvature is undefined here."
    ahead = look_along(costs, theta, -gradient) if np.any(gradient != 0) else None
    flat = float(np.linalg.norm(gradient)) < FLAT_SLOPE
    if flat and (ahead is None or ahead.kind == "minimum"):
        return _level_ground(costs, theta, eigenvalues, learning_rate, optimizer)
    behind = _pole_behind(costs, theta, gradient) if np.any(gradient != 0) else ""
    if ahead is None or ahead.kind == "minimum":
        where = ("" if ahead is None else f" Downhill lies a minimum near {_point(names, ahead.point)}."
                 if len(names) == 1 else " Downhill, J falls and then rises again: a valley lies ahead.")
        return describe_curvature(eigenvalues, learning_rate, optimizer) + where + behind
    at = _point(names, ahead.point)
    if ahead.kind == "pole":
        text = (f"No minimum ahead: downhill, near {at}, J falls without bound (a pole). "
                "Gradient descent is pulled into it, its steps growing as the slope steepens, "
                "until it diverges.")
    elif ahead.kind == "edge":
        text = (f"Downhill, J runs to the edge of where it is defined, near {at} (past it J "
                "is not a real number): a step may land where there is no J at all.")
    elif ahead.kind == "flattens":
        text = (f"No minimum ahead: downhill J flattens towards {_limit(ahead.value, values.cost)} as the "
                "hiker goes on for ever; the slope shrinks with every step and the hiker "
                "walks away, more and more slowly. The curvature here is only a bend in a "
                "slope, not a valley.")
    else:
        text = (f"No minimum ahead: downhill J keeps falling as far as numbers go "
                f"(J = {_number(ahead.value)} near {at}); the curvature here is a bend in the "
                "slope, not a valley, and gradient descent walks on for ever.")
    return text + behind


def _level_ground(costs, theta: np.ndarray, eigenvalues: np.ndarray, learning_rate: float,
                  optimizer: str) -> str:
    """Describe a point where the slope is flat: minimum, maximum, saddle or inflection."""
    low, high = float(eigenvalues.min()), float(eigenvalues.max())
    scale = 1e-9 * max(1.0, abs(high), abs(low))
    if low > scale:
        return "The hiker stands at a minimum: the slope is 0 and the ground curves up. " + \
            describe_curvature(eigenvalues, learning_rate, optimizer)
    if high < -scale:
        return ("The hiker stands on a maximum: the slope is 0 but the ground curves down "
                "every way; the smallest nudge sends it downhill.")
    if low < -scale and high > scale:
        return ("The hiker stands on a saddle: the slope is 0, the ground curves up one way "
                "and down the other. Gradient descent stands still here, but this is no "
                "minimum: a nudge along the downward direction slides it off.")
    delta = 1e-3 * max(1.0, float(np.max(np.abs(theta))))
    here = float(costs(theta[None, :])[0])
    around = []
    for k in range(len(theta)):
        for sign in (1.0, -1.0):
            moved = theta.copy()
            moved[k] += sign * delta
            around.append(moved)
    nearby = np.asarray(costs(np.array(around)), dtype=float)
    if np.all(nearby >= here):
        return ("The hiker stands at a flat-bottomed minimum: the slope and the curvature "
                "are 0, and J rises on every side.")
    if np.all(nearby <= here):
        return "The hiker stands on a flat-topped maximum: J falls on every side."
    return ("The hiker stands at an inflection point: the slope and the curvature are 0, but "
            "J falls on one side and rises on the other (like w³ at 0). Gradient descent "
            "stands still here, yet this is no minimum.")


def _pole_behind(costs, theta: np.ndarray, gradient: np.ndarray) -> str:
    """Return a note when J has a pole uphill within the point's own scale ("" if none)."""
    reach = scale_of(theta)
    unit = gradient / np.linalg.norm(gradient)
    ts = np.linspace(0.0, reach, 257)[1:]
    with np.errstate(all="ignore"):
        values = np.asarray(costs(theta + ts[:, None] * unit), dtype=float)
    values = np.broadcast_to(values, ts.shape)
    here = float(costs(theta[None, :])[0])
    bad = ~np.isfinite(values) | (np.abs(values) > 1e6 * max(1.0, abs(here)))
    if not bad.any():
        return ""
    distance = _number(float(ts[int(np.argmax(bad))]))
    return (f" Uphill, about {distance} behind the hiker, J has a pole: a step back that far "
            "would jump through it.")


def _point(names: Sequence[str], point: np.ndarray) -> str:
    """Return a point found by a search as ``w ≈ 0``: within a millionth of its scale, 0."""
    tiny = 1e-6 * scale_of(point)
    shown = [_number(0.0 if abs(v) < tiny else float(v)) for v in point]
    if len(names) == 1:
        return f"{names[0]} ≈ {shown[0]}"
    return "(" + ", ".join(f"{n} ≈ {v}" for n, v in zip(names, shown, strict=True)) + ")"


def _limit(value: float, here: float) -> str:
    return "0" if abs(value) <= 1e-3 * abs(here) or abs(value) < 1e-12 else f"about {_number(value)}"
