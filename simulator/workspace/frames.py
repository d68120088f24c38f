"""Frozen descriptions that the controller hands to views: never live model objects to edit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.problems import NetworkProblem, Problem
from simulator.lessons.model import Lesson


@dataclass(frozen=True)
class ProblemInfo:
    """The problem now being descended, and the lesson it came from.

    Views may *read* ``problem`` (its network, dataset, formula) but change nothing.
    """

    lesson: Lesson
    problem: Problem
    names: tuple[str, ...]

    @property
    def is_network(self) -> bool:
        """Return whether θ is a network's weights (else a formula's variables)."""
        return isinstance(self.problem, NetworkProblem)


@dataclass(frozen=True)
class Axes:
    """What the landscape's two axes are.

    ``kind`` is ``"parameters"`` (``x``/``y`` are θ indices; coordinates are the
    parameter values), ``"random"`` or ``"pca"`` (``directions`` are whole-θ vectors and
    coordinates are offsets along them from ``origin``). A one-variable problem has
    ``x == y == 0`` and is drawn as a curve.
    """

    kind: str
    x: int
    y: int
    labels: tuple[str, str]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    directions: tuple[np.ndarray, np.ndarray] | None = None
    origin: np.ndarray | None = None

    @property
    def is_curve(self) -> bool:
        """Return whether the landscape is a curve J(w) (a one-variable problem)."""
        return self.kind == "parameters" and self.x == self.y

    def project(self, theta: np.ndarray) -> tuple[float, float]:
        """Return the (x, y) coordinates of θ on these axes."""
        if self.kind == "parameters":
            return float(theta[self.x]), float(theta[self.y])
        return tuple(float(c) for c in self.project_many(theta[None, :])[0])

    def project_many(self, thetas: np.ndarray) -> np.ndarray:
        """Return the (x, y) coordinates of each row of a steps × parameters array."""
        if self.kind == "parameters":
            return thetas[:, [self.x, self.y]]
        d = np.column_stack(self.directions)
        offsets = thetas - self.origin
        # Least squares: the point of the plane nearest to θ (directions need not be orthogonal).
        coords, *_ = np.linalg.lstsq(d, offsets.T, rcond=None)
        return coords.T


@dataclass(frozen=True)
class LandscapeGrid:
    """The loss over the axes' grid: ``z[i, j]`` is at ``ys[i]``, ``xs[j]`` (row-major).

    For a curve, ``ys`` is empty and ``z`` is one row. ``fine`` is False for the quick
    coarse grid that comes first. ``contours`` holds contour segments as point pairs
    (computed with the grid, off the GUI thread), or ``None``.
    """

    axes: Axes
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    fine: bool
    contours: np.ndarray | None = None


@dataclass(frozen=True)
class Racer:
    """One hiker of a race: its settings and where it is."""

    label: str
    config_name: str
    learning_rate: float
    step: int
    loss: float
    theta: np.ndarray
    path: np.ndarray
    state: str  # "running", "converged" or "diverged"
    loss_steps: np.ndarray  # the steps of the recorded losses (thinned on long runs)
    losses: np.ndarray  # the training loss at each of those steps
