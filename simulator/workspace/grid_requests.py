"""Expensive arrays as pure requests: what to compute, as functions to run off the GUI thread.

Each builder takes frozen inputs (a problem, a copy of θ, the axes) and returns the
stages to run in order, coarse first: plain callables with no reference to a live
session, so a background thread can run them while the run goes on. The controller's
grid service runs them and drops stale results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import isqrt
from typing import Any

import numpy as np

from simulator.engine.landscape import grid_threads
from simulator.engine.problems import NetworkProblem, Problem

from .frames import Axes, DecisionMap, LandscapeGrid, NeuronMaps, SampleTrace
from .surface_scale import contour_segments, surface_contours
from .terrain import break_at_poles

COARSE, FINE, CURVE_POINTS = 25, 101, 400
PLAYING_GRID = 51  # a moving slice is drawn at most this size while playing, fine when paused
SMALLEST_PLAYING_GRID = 21
#: the work of one playing grid (samples × parameters per point): the reference 2-8-8-1
#: network's (105 parameters, 200 points) at PLAYING_GRID
PLAYING_BUDGET = PLAYING_GRID ** 2 * 105 * 200
DECISION_GRID, DECISION_LINE = 80, 200
NEURON_MAP_GRID = 24


@dataclass(frozen=True)
class GridRequest:
    """A channel ("landscape", "decision", "neurons", "trace") and its stages, coarse first."""

    channel: str
    stages: tuple[Callable[[], Any], ...]


def playing_size(problem: Problem) -> int:
    """Return the side of a network's grid while playing: the one that keeps to the budget.

    A grid point costs a forward pass over the training data, so samples × parameters;
    the 8 × 32 network's (7,521 × 1,000) is 360 times the reference's, and its 51 grid
    took 2 s per job in the pool, a core taken from the frames while playing. The side
    shrinks with the square root of that cost, never below SMALLEST_PLAYING_GRID.
    """
    if not isinstance(problem, NetworkProblem):
        return PLAYING_GRID
    cost = problem.network.parameter_count * max(len(problem.inputs.x_train), 1)
    return int(np.clip(isqrt(PLAYING_BUDGET // cost), SMALLEST_PLAYING_GRID, PLAYING_GRID))


def landscape_request(problem: Problem, axes: Axes, theta: np.ndarray,
                      quick: bool = False) -> GridRequest:
    """Return the loss over the axes' grid; ``quick`` asks for one grid (``playing_size``)."""
    if axes.is_curve:
        xs = np.linspace(*axes.x_range, CURVE_POINTS)

        def costs(points: np.ndarray) -> np.ndarray:
            ws = np.asarray(points, dtype=float)[:, 0]
            with np.errstate(all="ignore"):
                return problem.loss_curve(ws) if hasattr(problem, "loss_curve") else \
                    np.array([problem.loss(np.array([v])) for v in ws])

        def curve() -> LandscapeGrid:
            z = break_at_poles(costs, xs, costs(xs[:, None]))  # the line breaks at a pole
            return LandscapeGrid(axes, xs, np.zeros(0), z[None, :], True)
        return GridRequest("landscape", (curve,))

    if axes.kind == "parameters":
        ax, ay, origin = axes.x, axes.y, theta.copy()
    else:
        ax, ay = axes.directions
        origin = axes.origin  # direction grids are offsets from the plane's origin

    def grid(n: int, fine: bool) -> Callable[[], LandscapeGrid]:
        def run() -> LandscapeGrid:
            xs = np.linspace(*axes.x_range, n)
            ys = np.linspace(*axes.y_range, n)
            # the fine grid (paused: the frames need little) halves its points between two
            # threads; a playing grid stays on one, beside the frames
            with np.errstate(all="ignore"), grid_threads(2 if fine else 1):
                z = np.ascontiguousarray(problem.loss_grid(origin, ax, ay, xs, ys, np.float32),
                                         dtype=np.float32)
            return LandscapeGrid(axes, xs, ys, z, fine, surface_contours(xs, ys, z))
        return run
    if quick:
        return GridRequest("landscape", (grid(playing_size(problem), False),))
    return GridRequest("landscape", (grid(COARSE, False), grid(FINE, True)))


def input_bounds(problem: NetworkProblem) -> tuple[np.ndarray, np.ndarray]:
    """Return the low and high corners of the input plane drawn around the data (10 % pad)."""
    d = problem.dataset
    x_all = np.vstack([d.x_train, d.x_test]) if d.x_test.size else d.x_train
    low, high = x_all.min(axis=0), x_all.max(axis=0)
    pad = np.maximum((high - low) * 0.1, 0.1)
    return low - pad, high + pad


def plane_rows(problem: NetworkProblem, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Return data rows at (x1, x2) with every further column held at its training mean.

    Data with more than two columns is drawn over its first two: the plane through the
    mean of the others.
    """
    d = problem.dataset
    rows = np.tile(d.x_train.mean(axis=0), (len(x1), 1))
    rows[:, 0], rows[:, 1] = x1, x2
    return rows


def decision_request(problem: NetworkProblem, theta: np.ndarray) -> GridRequest | None:
    """Return the network's output over the input plane (over x1, x2 for wider data)."""
    theta = theta.copy()
    low, high = input_bounds(problem)

    def run() -> DecisionMap:
        with np.errstate(all="ignore"):
            if problem.dataset.inputs == 1:
                xs = np.linspace(low[0], high[0], DECISION_LINE)
                return DecisionMap(xs, None, problem.predict(theta, xs[:, None]))
            xs = np.linspace(low[0], high[0], DECISION_GRID)
            ys = np.linspace(low[1], high[1], DECISION_GRID)
            gx, gy = np.meshgrid(xs, ys)
            out = problem.predict(theta, plane_rows(problem, gx.ravel(), gy.ravel()))
            out = out.reshape(len(ys), len(xs), -1)
            boundary = None
            if problem.dataset.kind == "classification" and out.shape[2] <= 2:
                # Traced here, not on the GUI thread (pyqtgraph's isocurve took it 8-16 ms).
                boundary = contour_segments(xs, ys, class_one_probability(out), (0.5,))
            return DecisionMap(xs, ys, out, boundary)
    return GridRequest("decision", (run,))


def class_one_probability(outputs: np.ndarray) -> np.ndarray:
    """Return a two-class plane's probability of class 1 (float32, in [0, 1]; NaN as 0.5).

    ``outputs`` is rows × columns × 1 (a sigmoid's) or × 2 (a softmax's, class 1 last).
    """
    p = np.nan_to_num(outputs[:, :, -1], nan=0.5, posinf=1.0, neginf=0.0)
    return np.ascontiguousarray(np.clip(p, 0.0, 1.0), dtype=np.float32)


def neuron_points(problem: NetworkProblem, grid: int = NEURON_MAP_GRID) -> np.ndarray:
    """Return the grid·grid input points the neuron maps are drawn over (rows from the top)."""
    low, high = input_bounds(problem)
    xs = np.linspace(low[0], high[0], grid)
    ys = np.linspace(high[1], low[1], grid)  # the image's first row is the top of the plane
    gx, gy = np.meshgrid(xs, ys)
    return plane_rows(problem, gx.ravel(), gy.ravel())


def neuron_maps_request(problem: NetworkProblem, theta: np.ndarray,
                        grid: int = NEURON_MAP_GRID) -> GridRequest | None:
    """Return every neuron's activation over the input plane, in one forward pass."""
    if problem.dataset.inputs < 2:
        return None
    theta = theta.copy()

    def run() -> NeuronMaps:
        with np.errstate(all="ignore"):
            points = problem.network_inputs(neuron_points(problem, grid))
            trace = problem.network.forward(theta, points)
        return NeuronMaps(grid, theta, tuple(np.array(a) for a in trace.a))
    return GridRequest("neurons", (run,))


def sample_trace_request(problem: NetworkProblem, theta: np.ndarray,
                         sample: int) -> GridRequest:
    """Return one training sample's forward and backward pass at θ (what the diagram shows)."""
    theta = theta.copy()
    d = problem.inputs  # the input neurons show the sample's features
    sample = int(np.clip(sample, 0, len(d.x_train) - 1))
    x, y = d.x_train[sample:sample + 1], d.y_train[sample:sample + 1]

    def run() -> SampleTrace:
        net = problem.network
        with np.errstate(all="ignore"):
            trace = net.forward(theta, x)
            grads = net.backward(theta, trace, y)
        copy = lambda arrays: tuple(None if a is None else np.array(a) for a in arrays)  # noqa: E731
        return SampleTrace(sample, theta, copy(trace.a), copy(trace.z), copy(grads.dL_dz))
    return GridRequest("trace", (run,))
