"""The curvature panel: how the ground bends under the hiker, and which steps stay stable.

For a formula J it shows the Hessian H at the hiker, its eigenvalues and what they mean
for the learning rate (``simulator.workspace.curvature`` writes the words). The Hessian
comes from the workspace's formula model, built once per formula and evaluated at every
snapshot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from simulator.workspace.curvature import describe_ground, eigenvalue_text, entry_text
from simulator.workspace.formula import FormulaModel
from simulator.workspace.frames import ProblemInfo

from ..theme import Theme, current_theme, theme_manager, ui_font


class CurvatureView(QWidget):
    """The Hessian at the hiker, its eigenvalues, and what they mean for the learning rate."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model: FormulaModel | None = None
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

    def set_problem(self, info: ProblemInfo) -> None:
        """Lay out the Hessian's cells for a formula.

        A network, or a formula that could not be analysed, leaves the panel empty (the
        formula panel says why).
        """
        self.model = None if info.is_network else info.formula
        if self.model is None:
            return
        for cell in self.cells:
            self.matrix.removeWidget(cell)
            cell.hide()
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

    def set_frame(self, frame) -> None:
        """Show the curvature where the hiker stands now."""
        model, values = self.model, frame.formula
        if model is None or values is None or len(values.theta) != len(model.names):
            return
        n = len(model.names)
        for cell, (i, j) in zip(self.cells, ((i, j) for i in range(n) for j in range(n)),
                                strict=True):
            cell.setText(entry_text(model.names, i, j, values.hessian[i][j]))
        self.eigen.setText(eigenvalue_text(values.eigenvalues))
        self.eigen.setVisible(n > 1)
        self.meaning.setText(describe_ground(model.costs, values, model.names,
                                             frame.config.learning_rate, frame.config.name))

    def _restyle(self, theme: Theme) -> None:
        self.meaning.setStyleSheet(f"color: {theme.text};")
        self.eigen.setStyleSheet(f"color: {theme.muted};")
