"""Datasets the network learns from: 2-D classification, 1-D regression, or explicit points.

Every generator is deterministic for a seed. Inputs ``x`` are samples × features; targets
``y`` are samples × outputs (regression, binary classes 0/1) or samples × 1 class
indices (``cross_entropy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

MAX_SAMPLES = 5000  # the most points a generator draws
MAX_POINTS = 10_000  # the most explicit points a dataset holds (your own data)


class DatasetError(ValueError):
    """A dataset that cannot be made (unknown name, bad sizes, bad points)."""


@dataclass(frozen=True)
class Dataset:
    """Training and test points, split once by the seed.

    ``kind`` is ``"classification"`` or ``"regression"``; ``classes`` counts the classes
    (0 for regression).
    """

    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    kind: str
    classes: int
    name: str = "points"

    @property
    def inputs(self) -> int:
        """Return the number of input features."""
        return self.x_train.shape[1]

    @property
    def outputs(self) -> int:
        """Return the number of target columns."""
        return self.y_train.shape[1]

    def with_point(self, x: Array, y: float) -> Dataset:
        """Return a copy with one more training point."""
        x = np.asarray(x, dtype=float).reshape(1, -1)
        return Dataset(np.vstack([self.x_train, x]), np.vstack([self.y_train, [[y]]]),
                       self.x_test, self.y_test, self.kind, self.classes, self.name)

    def without_point(self, index: int, test: bool = False) -> Dataset:
        """Return a copy without training (or test) point ``index``."""
        if test:
            return Dataset(self.x_train, self.y_train, np.delete(self.x_test, index, 0),
                           np.delete(self.y_test, index, 0), self.kind, self.classes, self.name)
        return Dataset(np.delete(self.x_train, index, 0), np.delete(self.y_train, index, 0),
                       self.x_test, self.y_test, self.kind, self.classes, self.name)


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Class 1 inside radius 2, class 0 on a ring from 3 to 5 (like the Playground's circle).
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2, half), rng.uniform(3, 5, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.column_stack([r * np.cos(angle), r * np.sin(angle)]) / 5.0
    x += rng.normal(0, noise, x.shape)
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    return x, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Four quadrants; class 1 where the signs of x1 and x2 agree.
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.05  # a small gap around the axes so the classes do not touch
    y = (x[:, 0] * x[:, 1] > 0).astype(float)
    return x + rng.normal(0, noise, x.shape), y


def _gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    spread = 0.15 + noise
    x = np.vstack([rng.normal([0.5, 0.5], spread, (half, 2)),
                   rng.normal([-0.5, -0.5], spread, (n - half, 2))])
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    return x, y


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Two interleaved arms; each point's radius grows with its angle.
    half = n // 2
    t = np.concatenate([np.linspace(0, 1, half), np.linspace(0, 1, n - half)])
    offset = np.concatenate([np.zeros(half), np.full(n - half, np.pi)])
    angle = 1.75 * t * 2 * np.pi + offset
    x = np.column_stack([t * np.sin(angle), t * np.cos(angle)])
    x += rng.normal(0, noise, x.shape)
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    return x, y


def _three_spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Three arms a third of a turn apart (CS231n's spiral): class k is arm k.
    k = np.arange(n) % 3
    t = rng.uniform(0.05, 1.0, n)
    angle = 1.4 * t * 2 * np.pi + k * 2 * np.pi / 3
    x = np.column_stack([t * np.sin(angle), t * np.cos(angle)])
    return x + rng.normal(0, noise, x.shape), k.astype(float)


def _yin_yang_class(x: Array) -> Array:
    """Return 0 (yin), 1 (yang) or 2 (the dots) for points in the unit disc."""
    up = np.hypot(x[:, 0], x[:, 1] - 0.5)
    down = np.hypot(x[:, 0], x[:, 1] + 0.5)
    # The S-curve: two half-size discs, the upper one yin and the lower one yang; the
    # rest of the disc is yin on the left, yang on the right.
    label = np.where(up <= 0.5, 0, np.where(down <= 0.5, 1, np.where(x[:, 0] < 0, 0, 1)))
    dots = (up <= 1 / 6) | (down <= 1 / 6)
    return np.where(dots, 2, label)


def _yin_yang(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Like Karpathy's micrograd demo: as many points of each class, the dots included
    # (they cover a twentieth of the disc, so each class is drawn until it has its share).
    wanted = np.arange(n) % 3
    x = np.empty((n, 2))
    for k in range(3):
        need = int(np.sum(wanted == k))
        found = np.zeros((0, 2))
        while len(found) < need:
            r = np.sqrt(rng.uniform(0, 1, 4 * need + 64))
            angle = rng.uniform(0, 2 * np.pi, r.size)
            candidates = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
            found = np.vstack([found, candidates[_yin_yang_class(candidates) == k]])
        x[wanted == k] = found[:need]
    return x + rng.normal(0, noise, x.shape), wanted.astype(float)


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # Five round clouds on a ring, one per class.
    k = np.arange(n) % 5
    angle = k * 2 * np.pi / 5 + np.pi / 2
    centres = 0.65 * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(0, 0.12 + noise, (n, 2)), k.astype(float)


def _line(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(-1, 1, (n, 1))
    return x, 0.8 * x[:, 0] - 0.2 + rng.normal(0, noise, n)


def _curve(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(-1, 1, (n, 1))
    return x, np.sin(3.0 * x[:, 0]) * 0.8 + rng.normal(0, noise, n)


GENERATORS = {
    "circle": (_circle, "classification"),
    "xor": (_xor, "classification"),
    "gaussians": (_gaussians, "classification"),
    "spiral": (_spiral, "classification"),
    "spiral3": (_three_spirals, "classification"),
    "yinyang": (_yin_yang, "classification"),
    "blobs": (_blobs, "classification"),
    "line": (_line, "regression"),
    "curve": (_curve, "regression"),
}

DESCRIPTIONS = {
    "circle": "a disc of one class inside a ring of the other",
    "xor": "four quadrants: the class is whether x₁ and x₂ have the same sign",
    "gaussians": "two overlapping clouds",
    "spiral": "two interleaved spiral arms (hard)",
    "spiral3": "three spiral arms, one class each (softmax)",
    "yinyang": "a yin-yang: yin, yang and the two dots (three classes, softmax)",
    "blobs": "five round clouds, one class each (softmax)",
    "line": "noisy points on a straight line (regression)",
    "curve": "noisy points on a sine curve (regression)",
}


#: the number of classes of each classification set (the others have two)
CLASS_COUNTS = {"spiral3": 3, "yinyang": 3, "blobs": 5}


def class_count(name: str) -> int:
    """Return how many classes a generated dataset has (0 for a regression)."""
    return 0 if GENERATORS[name][1] == "regression" else CLASS_COUNTS.get(name, 2)


def make_dataset(
    name: str, samples: int = 200, noise: float = 0.1, seed: int = 0,
    train_fraction: float = 0.8,
) -> Dataset:
    """Return the named dataset, split into training and test points by the seed."""
    if name not in GENERATORS:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(GENERATORS)}")
    if not 4 <= samples <= MAX_SAMPLES:
        raise DatasetError(f"samples must be 4–{MAX_SAMPLES}, got {samples}")
    if not 0.0 <= noise <= 1.0:
        raise DatasetError(f"noise must be 0–1, got {noise}")
    if not 0.1 <= train_fraction <= 1.0:
        raise DatasetError(f"train_fraction must be 0.1–1, got {train_fraction}")
    generate, kind = GENERATORS[name]
    rng = np.random.default_rng(seed)
    x, y = generate(samples, noise, rng)
    order = rng.permutation(samples)
    n_train = max(1, int(round(train_fraction * samples)))
    train, test = order[:n_train], order[n_train:]
    y = y.reshape(-1, 1)
    classes = class_count(name)
    return Dataset(x[train], y[train], x[test], y[test], kind, classes, name)


def points_dataset(points: Array, inputs: int, classes: int = 0, test_points: Array = ()) -> Dataset:
    """Return a dataset of explicit points: each row is the inputs, then the targets.

    ``points`` are training points, ``test_points`` (same columns) held-out ones.
    ``classes`` > 0 marks a classification set whose last column is the class index.
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[0] < 1:
        raise DatasetError("points must be a list of rows [x1, …, y]")
    if points.shape[1] <= inputs:
        raise DatasetError(f"each point needs {inputs} inputs and at least one target, "
                           f"got {points.shape[1]} values")
    test = np.asarray(test_points, dtype=float).reshape(-1, points.shape[1])
    if not (np.all(np.isfinite(points)) and np.all(np.isfinite(test))):
        raise DatasetError("points must be finite numbers")
    x, y = points[:, :inputs], points[:, inputs:]
    values = np.unique(y)
    kind = "classification" if classes or np.all(np.isin(values, (0.0, 1.0))) else "regression"
    n_classes = classes or (2 if kind == "classification" else 0)
    return Dataset(x, y, test[:, :inputs], test[:, inputs:], kind, n_classes, "points")
