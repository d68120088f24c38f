"""The curvature panel: how the ground bends under the hiker, and which steps stay stable.

For a formula J, the second derivatives (the Hessian H) say why a learning rate works or
blows up. Near a minimum, plain gradient descent multiplies the distance along each
principal direction by (1 − η·λ) per step, where λ is an eigenvalue of H: the steps
shrink only while η < 2/λ for the largest λ. In a long narrow valley the eigenvalues are
far apart (a large condition number), so an η safe for the steep direction crawls along
the flat one — the ravine lesson's zig-zag.

The Hessian is worked out once per formula (through ``simulator.symbolic``) and evaluated
at every snapshot with numpy.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from simulator.workspace.frames import ProblemInfo

from ..theme import Theme, current_theme, theme_manager, ui_font


def _number(value: float) -> str:
    """Return a number for the panel (never nan or inf)."""
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "too large"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3e}"


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


class CurvatureView(QWidget):
    """The Hessian at the hiker, its eigenvalues, and what they mean for the learning rate."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self._hessian = None  # numpy function of the variables → matrix, per formula
        self._names: tuple[str, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.title = QLabel("Curvature where the hiker stands")
        self.title.setFont(ui_font(1.2, bold=True))
        self.title.setToolTip("The second derivatives of J: how the ground bends under the hiker.")
        layout.addWidget(self.title)
        self.matrix = QGridLayout()
        self.matrix.setHorizontalSpacing(28)
        row = QHBoxLayout()  # the matrix keeps its own width; the rest of the row is empty
        row.addLayout(self.matrix)
        row.addStretch(1)
        layout.addLayout(row)
        self.cells: list[QLabel] = []
        self.eigen = QLabel()
        self.eigen.setFont(ui_font(1.1))
        self.eigen.setToolTip("The eigenvalues of the Hessian: the curvature along its two "
                              "principal directions.")
        layout.addWidget(self.eigen)
        self.meaning = QLabel()
        self.meaning.setWordWrap(True)
        self.meaning.setFont(ui_font(1.1))
        self.meaning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.meaning)
        layout.addStretch(1)
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)
        controller.problemChanged.connect(self._on_problem)
        controller.snapshotChanged.connect(self._on_snapshot)
        if controller.session is not None:
            problem = controller.problem
            self._on_problem(ProblemInfo(controller.lesson, problem, tuple(problem.names)))
            self._on_snapshot(controller.snapshot())

    def _on_problem(self, info: ProblemInfo) -> None:
        if info.is_network:
            self._hessian = None
            return
        from simulator import symbolic

        self._names = info.names
        matrix = symbolic.hessian(info.problem.text, list(info.names))
        self._hessian = symbolic.compile_numpy(info.names, matrix.tolist())
        for cell in self.cells:
            self.matrix.removeWidget(cell)
            cell.setParent(None)  # gone now: a deferred delete would still be drawn
            cell.deleteLater()
        self.cells = []
        n = len(info.names)
        for i in range(n):
            for j in range(n):
                cell = QLabel()
                cell.setFont(ui_font(1.15))
                cell.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                a, b = info.names[i], info.names[j]
                cell.setToolTip(f"∂²J/∂{a}∂{b}: how the slope along {a} changes as {b} moves"
                                if a != b else f"∂²J/∂{a}²: how fast the slope along {a} "
                                               f"changes — the bend of the ground along {a}")
                self.matrix.addWidget(cell, i, j)
                self.cells.append(cell)

    def _on_snapshot(self, snap) -> None:
        if self._hessian is None or len(snap.theta) != len(self._names):
            return
        n = len(self._names)
        with np.errstate(all="ignore"):
            h = np.array(self._hessian(*snap.theta), dtype=float).reshape(n, n)
        for cell, value, (i, j) in zip(self.cells, h.ravel(), np.ndindex(n, n), strict=True):
            a, b = self._names[i], self._names[j]
            name = "J''" if n == 1 else f"∂²J/∂{a}²" if a == b else f"∂²J/∂{a}∂{b}"
            cell.setText(f"{name} = {_number(value)}")
        if np.all(np.isfinite(h)):
            eigenvalues = np.linalg.eigvalsh(h)
            self.eigen.setText("eigenvalues λ: " + ", ".join(_number(v) for v in eigenvalues)
                               if n > 1 else "")
        else:
            eigenvalues = np.full(n, np.nan)
            self.eigen.setText("")
        self.eigen.setVisible(n > 1)
        self.meaning.setText(describe_curvature(eigenvalues, snap.config.learning_rate,
                                                snap.config.name))

    def _restyle(self, theme: Theme) -> None:
        self.meaning.setStyleSheet(f"color: {theme.text};")
        self.eigen.setStyleSheet(f"color: {theme.muted};")
