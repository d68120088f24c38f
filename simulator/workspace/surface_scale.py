"""The loss surface's numbers for drawing: colour scale, contour levels and contour lines.

Qt-free numpy, so the controller can compute contour lines in the background along with
the grid, and the views only draw them.
"""

from __future__ import annotations

import math

import numpy as np

from .numbers import format_number

CONTOUR_LEVELS = 10
WIDE_RATIO = 100.0  # a loss range wider than this (max / low) is shown on a log scale

# Marching squares: for each of the 16 corner patterns of a cell (bit 0: bottom-left,
# 1: bottom-right, 2: top-right, 3: top-left above the level) the pairs of cell edges
# (0 bottom, 1 right, 2 top, 3 left) that a contour line joins. The two saddle patterns
# (5 and 10) are resolved by the value at the cell's centre.
_SEGMENTS = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 6: ((0, 2),), 7: ((3, 2),),
    8: ((2, 3),), 9: ((0, 2),), 11: ((1, 2),), 12: ((1, 3),), 13: ((0, 1),), 14: ((3, 0),),
}
_SADDLES = {  # pattern: (segments when the centre is above the level, when below)
    5: (((0, 1), (2, 3)), ((3, 0), (1, 2))),
    10: (((3, 0), (1, 2)), ((0, 1), (2, 3))),
}


def contour_segments(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels) -> np.ndarray:
    """Return the contour lines of ``z`` (``z[i, j]`` at ``ys[i], xs[j]``) as point pairs.

    The result has shape (2k, 2): rows 2m and 2m+1 are the ends of segment m, ready for
    a line item drawn with ``connect="pairs"``.
    """
    if z.shape[0] < 2 or z.shape[1] < 2:
        return np.zeros((0, 2))
    a, b = z[:-1, :-1], z[:-1, 1:]  # bottom-left, bottom-right corners of every cell
    c, d = z[1:, 1:], z[1:, :-1]  # top-right, top-left
    x0, x1 = np.meshgrid(xs[:-1], ys[:-1])[0], np.meshgrid(xs[1:], ys[:-1])[0]
    y0, y1 = np.meshgrid(xs[:-1], ys[:-1])[1], np.meshgrid(xs[:-1], ys[1:])[1]
    pieces = []
    for level in levels:
        case = (a > level) * 1 + (b > level) * 2 + (c > level) * 4 + (d > level) * 8
        with np.errstate(all="ignore"):
            t0, t1 = (level - a) / (b - a), (level - b) / (c - b)
            t2, t3 = (level - d) / (c - d), (level - a) / (d - a)
        # Where each cell edge meets the level (only used on edges the level crosses).
        edges = (
            (x0 + t0 * (x1 - x0), y0),
            (x1, y0 + t1 * (y1 - y0)),
            (x0 + t2 * (x1 - x0), y1),
            (x0, y0 + t3 * (y1 - y0)),
        )
        centre_above = (a + b + c + d) * 0.25 > level
        jobs = [(case == k, pairs) for k, pairs in _SEGMENTS.items()]
        for k, (above, below) in _SADDLES.items():
            jobs.append(((case == k) & centre_above, above))
            jobs.append(((case == k) & ~centre_above, below))
        for mask, pairs in jobs:
            if not mask.any():
                continue
            for e, f in pairs:
                start = np.column_stack([edges[e][0][mask], edges[e][1][mask]])
                end = np.column_stack([edges[f][0][mask], edges[f][1][mask]])
                seg = np.empty((2 * len(start), 2))
                seg[0::2], seg[1::2] = start, end
                pieces.append(seg)
    return np.vstack(pieces) if pieces else np.zeros((0, 2))



def percentile(values: np.ndarray, q: float) -> float:
    """Return the ``q``-th percentile of a 1-D array, between ranks as ``np.percentile`` does.

    (``np.percentile`` imports ``numpy.ma`` when first called: ~20 ms of the app's start,
    on the grid thread while the window is being made.)
    """
    position = q / 100.0 * (values.size - 1)
    low = math.floor(position)
    high = min(low + 1, values.size - 1)
    part = np.partition(values, (low, high))
    return float(part[low] + (part[high] - part[low]) * (position - low))


class LossScale:
    """How a grid's loss values become colours and contour levels.

    ``low``/``high`` are the colour bar's ends in loss units; in log mode the image holds
    log10 of the loss, with values at or below ``low`` drawn in the lowest colour.
    """

    def __init__(self, z: np.ndarray):
        finite = z[np.isfinite(z)]
        self.empty = finite.size == 0
        if self.empty:
            finite = np.zeros(1)
        self.low, self.high = float(finite.min()), float(finite.max())
        self.can_log = self.low >= 0 and self.high > 0
        positive = finite[finite > 0]
        if self.can_log and positive.size:
            # A loss of exactly 0 at one grid point would stretch a log scale without end:
            # the log scale starts at a low percentile of the positive values instead.
            self.log_low = float(max(percentile(positive, 0.5), self.high * 1e-12))
            typical_low = float(max(percentile(finite, 2.0), self.high * 1e-12))
        else:
            self.log_low, typical_low = 1.0, 1.0
        if self.log_low >= self.high:
            self.log_low = self.high / 10.0 if self.high > 0 else 1.0
        self.wide = self.can_log and self.high / max(typical_low, 1e-300) > WIDE_RATIO

    def image(self, z: np.ndarray, log: bool) -> np.ndarray:
        """Return the float32 image to draw (log10 of the loss in log mode)."""
        fill = self.high
        with np.errstate(all="ignore"):
            data = np.where(np.isfinite(z), z, fill)
            if log:
                data = np.log10(np.clip(data, self.log_low, None))
            data = np.clip(data, -3e38, 3e38)
        return np.ascontiguousarray(data, dtype=np.float32)

    def levels(self, log: bool) -> tuple[float, float]:
        """Return the colour levels of the image (in log10 units in log mode)."""
        if log:
            low, high = math.log10(self.log_low), math.log10(self.high)
        else:
            low, high = self.low, self.high
        if not high > low:
            high = low + (abs(low) * 1e-6 or 1e-6)
        return low, high

    def contour_levels(self) -> np.ndarray:
        """Return about ten loss values for contour lines: log-spaced on a wide range."""
        if self.empty or self.high <= self.low:
            return np.zeros(0)
        if self.wide:
            return np.geomspace(self.log_low, self.high, CONTOUR_LEVELS + 2)[1:-1]
        return np.linspace(self.low, self.high, CONTOUR_LEVELS + 2)[1:-1]

    def ticks(self, log: bool) -> list[tuple[float, str]] | None:
        """Return the colour bar's ticks in log mode (real loss values), else ``None``."""
        if not log:
            return None
        low, high = self.levels(True)
        ticks = []
        for decade in range(math.floor(low), math.ceil(high) + 1):
            for m in (1, 2, 5):
                ticks.append((math.log10(m) + decade, m * 10.0 ** decade, m))
        inside = [(p, v, m) for p, v, m in ticks if low - 1e-9 <= p <= high + 1e-9]
        decades = [t for t in inside if t[2] == 1]
        chosen = decades if len(decades) >= 3 else inside
        if len(chosen) < 2:
            chosen = [(low, self.log_low, 0), (high, self.high, 0)]
        return [(p, format_number(v, 3)) for p, v, _ in chosen]


def surface_contours(xs: np.ndarray, ys: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return the contour segments of a loss grid at its scale's levels (see ``LossScale``)."""
    scale = LossScale(z)
    filled = np.where(np.isfinite(z), z, scale.high)
    return contour_segments(np.asarray(xs, float), np.asarray(ys, float),
                            np.asarray(filled, float), scale.contour_levels())
