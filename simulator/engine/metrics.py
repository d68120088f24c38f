"""How good the network's answers are, beside the loss: accuracy, confusion, RMSE and R².

The loss is what the hiker descends; these are what a person asks afterwards. For
classes: the share of points whose predicted class is right, and the confusion matrix
(row = true class, column = predicted class, each cell a count). The predicted class is
the most probable output (argmax), or for a single output whether it exceeds ½. For
numbers: the root-mean-square error √(mean (ŷ − y)²) and the coefficient of
determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over the outputs (1 is a perfect
fit, 0 is no better than always answering the mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def predicted_classes(outputs: Array) -> Array:
    """Return the class each row of outputs picks: argmax, or output > ½ for one output."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(int)
    return np.argmax(outputs, axis=1)


def true_classes(targets: Array) -> Array:
    """Return each target row's class index (a 0/1 value or a class index in one column)."""
    return np.rint(np.asarray(targets, dtype=float)[:, 0]).astype(int)


def confusion_matrix(true: Array, predicted: Array, classes: int) -> Array:
    """Return the classes × classes counts: cell [i, j] counts class i predicted as j."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=int), np.asarray(predicted, dtype=int)), 1)
    return matrix


def accuracy(matrix: Array) -> float | None:
    """Return the share of right answers, the diagonal over the total (None with no points)."""
    total = int(matrix.sum())
    return float(np.trace(matrix)) / total if total else None


def rmse(targets: Array, outputs: Array) -> float | None:
    """Return √(mean of (ŷ − y)² over every sample and output) (None with no points)."""
    if len(targets) == 0:
        return None
    return float(np.sqrt(np.mean((np.asarray(outputs) - np.asarray(targets)) ** 2)))


def r_squared(targets: Array, outputs: Array) -> float | None:
    """Return R² = 1 − SS_res / SS_tot per output, averaged (None when it is undefined).

    It is undefined with fewer than two points or targets that do not vary (SS_tot = 0).
    """
    targets, outputs = np.asarray(targets, dtype=float), np.asarray(outputs, dtype=float)
    if len(targets) < 2:
        return None
    residual = np.sum((targets - outputs) ** 2, axis=0)
    total = np.sum((targets - targets.mean(axis=0)) ** 2, axis=0)
    if np.any(total == 0):
        return None
    return float(np.mean(1.0 - residual / total))


@dataclass(frozen=True)
class Metrics:
    """The scores of one θ on the training and the test points.

    ``kind`` is ``"classification"`` (``accuracy``, ``confusion`` are set) or
    ``"regression"`` (``rmse``, ``r2``). A ``test_`` field is ``None`` without test points.
    """

    kind: str
    classes: int = 0
    accuracy: float | None = None
    test_accuracy: float | None = None
    confusion: Array | None = None
    test_confusion: Array | None = None
    rmse: float | None = None
    test_rmse: float | None = None
    r2: float | None = None
    test_r2: float | None = None


def score(kind: str, classes: int, train: tuple[Array, Array],
          test: tuple[Array, Array]) -> Metrics:
    """Return the metrics of (targets, outputs) pairs on the training and the test points."""
    if kind == "classification":
        k = max(classes, 2)

        def matrix(pair: tuple[Array, Array]) -> Array:
            targets, outputs = pair
            if len(targets) == 0:
                return np.zeros((k, k), dtype=np.int64)
            picked = np.clip(predicted_classes(outputs), 0, k - 1)
            return confusion_matrix(np.clip(true_classes(targets), 0, k - 1), picked, k)

        m_train, m_test = matrix(train), matrix(test)
        return Metrics(kind, k, accuracy(m_train), accuracy(m_test), m_train,
                       m_test if len(test[0]) else None)
    return Metrics(kind, 0, rmse=rmse(*train), test_rmse=rmse(*test),
                   r2=r_squared(*train), test_r2=r_squared(*test))
