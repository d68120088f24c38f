"""What lies ahead of the hiker on a formula's cost: J read along a line through θ, no Qt.

The words on screen must be true where the hiker stands. A cost can have no minimum at
all (w³ falls forever, 1/w flattens towards 0 as w grows), a pole the hiker is pulled
into (1/w from the left), or an edge past which it is undefined (the square root of a
negative number). ``look_along`` walks J along one direction — downhill, −∇J, for what
lies ahead — at distances growing tenfold from a thousandth of the point's scale to a
million times it, and says which of these it met first. ``crosses_pole`` says whether a
short segment (the nudge's) jumps through a pole.

A cost here is a function of points (k × variables) returning J at each (nan where
undefined), e.g. ``FormulaModel.costs``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Costs = Callable[[np.ndarray], np.ndarray]


def quietly(function):
    """Run a function with numpy's floating-point warnings off: huge or undefined numbers are expected."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
    return run

#: distances along the line, in units of the point's scale max(1, |θ|)
DISTANCES = 10.0 ** np.arange(-3.0, 7.0)
#: samples between two distances when looking closer at a rise or an undefined point
CLOSER = 256
#: how many times a segment is narrowed to tell a pole from a peak (``_grows_without_bound``)
POLE_LEVELS = 4
#: halvings of the gap when walking up to an undefined point
HALVINGS = 40


@dataclass(frozen=True)
class Ahead:
    """What J does along a line from θ.

    ``kind`` is "minimum" (J falls, then rises again: a valley floor near ``point``),
    "pole" (J falls without bound near ``point``), "edge" (J is undefined past
    ``point``), "falls" (J keeps falling as far as numbers go, ``value`` at ``point``
    the farthest seen) or "flattens" (J keeps falling ever more slowly, towards
    ``value``; ``point`` is the farthest point seen). ``distance`` is how far ``point``
    is from θ.
    """

    kind: str
    point: np.ndarray
    distance: float
    value: float


def scale_of(theta: np.ndarray) -> float:
    """Return the length the distances are measured in: max(1, largest |θᵢ|)."""
    return max(1.0, float(np.max(np.abs(theta)))) if len(theta) else 1.0


@quietly
def look_along(costs: Costs, theta: np.ndarray, direction: np.ndarray) -> Ahead | None:
    """Return what J does along ``direction`` from θ (None for no direction or J undefined at θ)."""
    theta = np.asarray(theta, dtype=float)
    length = float(np.linalg.norm(direction))
    if not math.isfinite(length) or length == 0.0:
        return None
    unit = np.asarray(direction, dtype=float) / length
    here = _costs(costs, theta[None, :])[0]
    if not math.isfinite(here):
        return None
    ts = np.concatenate([[0.0], DISTANCES * scale_of(theta)])
    values = _costs(costs, theta + ts[:, None] * unit)
    for k in range(1, len(ts)):
        if not math.isfinite(values[k]):
            return _towards_undefined(costs, theta, unit, ts[k - 1], ts[k])
        if values[k] > values[k - 1]:
            return _valley_or_pole(costs, theta, unit, ts[max(k - 2, 0)], ts[k])
    last = values[-1]
    falls = values[-2] - values[-1]
    total = values[0] - values[-1]
    if total > 0 and falls <= 1e-3 * total:
        return Ahead("flattens", theta + ts[-1] * unit, float(ts[-1]), float(last))
    return Ahead("falls", theta + ts[-1] * unit, float(ts[-1]), float(last))


def _valley_or_pole(costs: Costs, theta: np.ndarray, unit: np.ndarray, t0: float,
                    t1: float) -> Ahead:
    """J rose between t0 and t1: a valley floor in between, or a jump through a pole."""
    ts = np.linspace(t0, t1, CLOSER)
    values = _costs(costs, theta + ts[:, None] * unit)
    finite = np.isfinite(values)
    if not finite.all():
        first = int(np.argmin(finite))
        return _towards_undefined(costs, theta, unit, ts[max(first - 1, 0)], ts[first])
    k = int(np.argmin(values))
    spread = float(values.max() - values.min())
    jumps = np.abs(np.diff(values))
    if spread > 0 and k + 1 < len(values) and jumps[k] > 0.5 * spread:
        return Ahead("pole", theta + ts[k] * unit, float(ts[k]), float(values[k]))
    for _ in range(3):  # closer around the lowest sample, three times 256 finer
        ts = np.linspace(ts[max(k - 1, 0)], ts[min(k + 1, len(ts) - 1)], CLOSER)
        values = _costs(costs, theta + ts[:, None] * unit)
        if not np.all(np.isfinite(values)):
            break
        k = int(np.argmin(values))
    return Ahead("minimum", theta + ts[k] * unit, float(ts[k]), float(values[k]))


def _towards_undefined(costs: Costs, theta: np.ndarray, unit: np.ndarray, t0: float,
                       t1: float) -> Ahead:
    """J is defined at t0 and not at t1: find where it stops being defined, and how.

    Bisection finds the border; then J is read at points halving the gap to it. Where J
    keeps falling by as much or more with each halving it falls without bound (a pole,
    like 1/w or log w at 0); else it reaches the edge of where it is defined (√w at 0).
    """
    low, high = t0, t1
    for _ in range(60):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if math.isfinite(_costs(costs, (theta + middle * unit)[None, :])[0]):
            low = middle
        else:
            high = middle
    ts = high - (high - t0) * 0.5 ** np.arange(0, HALVINGS + 1)
    values = _costs(costs, theta + ts[:, None] * unit)
    finite = np.isfinite(values)
    values = values[finite]
    if len(values) >= 4:
        falls = -np.diff(values)
        if np.all(falls[-3:] > 0) and falls[-1] >= 0.5 * falls[-3]:
            return Ahead("pole", theta + high * unit, float(high), float(values[-1]))
    return Ahead("edge", theta + low * unit, float(low),
                 float(values[-1]) if len(values) else math.nan)


@quietly
def crosses_pole(costs: Costs, start: np.ndarray, end: np.ndarray) -> bool:
    """Return whether J jumps through a pole (or a hole) between two nearby points.

    On a short segment a smooth J stays about as large as at its ends. Near a pole it
    grows without bound (more than ``10×`` its ends at some sample, or slower, as
    log|w| does, but still growing as the segment narrows: ``_grows_without_bound``), or
    it changes sign by a jump that spans nearly every value the segment takes (1/w
    across 0).
    """
    ts = np.linspace(0.0, 1.0, CLOSER + 1)
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    values = _costs(costs, start + ts[:, None] * (end - start))
    if not (math.isfinite(values[0]) and math.isfinite(values[-1])):
        return False
    if not np.all(np.isfinite(values)):
        return True
    ends = max(abs(values[0]), abs(values[-1]))
    if np.abs(values).max() > 10 * ends:
        return True
    spread = float(values.max() - values.min())
    flips = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    if spread > 0 and len(flips) and np.abs(values[flips + 1] - values[flips]).max() > 0.5 * spread:
        return True
    return _grows_without_bound(costs, start, end, ends)


def _grows_without_bound(costs: Costs, start: np.ndarray, end: np.ndarray, ends: float) -> bool:
    """Return whether |J| keeps growing as a segment is narrowed around its largest value.

    Each narrowing keeps the samples either side of the largest |J| (``CLOSER / 2`` times
    nearer to each other), and notes |J| at them. At a smooth peak that value's growth
    dies away (by ``(CLOSER / 2)²`` a level; by ``CLOSER / 2`` at a kink); at a pole it
    does not: log|w| grows by about the same amount a level, 1/√|w| by more. (The largest
    sample itself may fall next to the pole by chance and stop growing.)
    """
    ts = np.linspace(0.0, 1.0, CLOSER + 1)
    sides = [ends]
    for _ in range(POLE_LEVELS):
        if np.max(np.abs(end - start)) <= 1e3 * np.finfo(float).eps * np.max(np.abs(start)):
            break  # as narrow as floating point resolves
        points = start + ts[:, None] * (end - start)
        size = np.abs(_costs(costs, points))
        if not np.all(np.isfinite(size)):
            return True
        k = int(np.argmax(size))
        low, high = max(k - 1, 0), min(k + 1, CLOSER)
        sides.append(max(size[low], size[high]))
        start, end = points[low], points[high]
    growth = np.diff(sides)
    return bool(len(growth) >= 2 and growth[-1] > 1e-9 * sides[-1]
                and growth[-1] >= 0.1 * growth[-2])


@quietly
def break_at_poles(costs: Costs, xs: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return a curve's values with a NaN wherever a pole lies between two samples.

    1/w sampled at w = ±0.01 is −100 and 100: joined, the line would run through the pole
    as a wall. A NaN ends one piece of the drawn line and starts the next. Each pair of
    neighbours where J changes sign or |J| peaks is looked at closer (``crosses_pole``);
    of a pair with a pole between them, the sample nearer the pole (larger |J|) is dropped.
    """
    z = np.array(z, dtype=float)
    if len(z) < 2:
        return z
    size = np.abs(z)
    both = np.isfinite(z[:-1]) & np.isfinite(z[1:])
    flips = np.sign(z[:-1]) * np.sign(z[1:]) < 0
    peaks = np.zeros(len(z), dtype=bool)
    left, mid, right = size[:-2], size[1:-1], size[2:]
    # a peak of |J|, or one side of a level pair (log|w| at ±0.01: a pole between them)
    peaks[1:-1] = (mid >= left) & (mid >= right) & ((mid > left) | (mid > right))
    for i in np.flatnonzero(both & (flips | peaks[:-1] | peaks[1:])):
        if crosses_pole(costs, xs[i:i + 1], xs[i + 1:i + 2]):
            z[i if size[i] >= size[i + 1] else i + 1] = math.nan
    return z


def _costs(costs: Costs, points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = np.asarray(costs(points), dtype=float)
    return np.broadcast_to(out, (len(points),)).copy()
