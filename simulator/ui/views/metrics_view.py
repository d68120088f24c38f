"""The scores beside the loss: accuracy and a confusion matrix, or RMSE and R².

A ``MetricsPanel`` draws the ``Metrics`` a frame carries (``Frame.metrics``); it is part
of the loss dock and is hidden for a formula, which has no data to score.
"""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QBoxLayout, QComboBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..theme import Theme, current_theme, theme_manager, ui_font
from .data_view import class_colours

MATRIX_TIP = ("The confusion matrix: row = the true class, column = the class the network "
              "picks; each cell counts points. The diagonal is right, everything else a "
              "mistake. A cell's shade is its share of its row.")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


class ConfusionMatrix(QWidget):
    """A painted grid of counts: rows are true classes, columns predicted ones."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.matrix: np.ndarray | None = None
        self.theme = current_theme()  # the one it was given the counts in (a figure's, too)
        self.setToolTip(MATRIX_TIP)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def set_matrix(self, matrix: np.ndarray | None) -> None:
        """Show these counts (None: an empty grid)."""
        self.matrix = None if matrix is None else np.asarray(matrix)
        self.theme = current_theme()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Return room for a 5 × 5 grid of counts with its labels."""
        return QSize(220, 200)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Draw the grid, its counts and the class labels along both sides."""
        matrix = self.matrix
        if matrix is None or matrix.size == 0:
            return
        theme = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        k = matrix.shape[0]
        font = ui_font(1.0)
        fm = QFontMetricsF(font)
        label_w = fm.horizontalAdvance("true 0 ●") + 8
        head_h = fm.height() * 2 + 4
        side = min(self.width() - label_w - 4, self.height() - head_h - 4)
        cell = max(8.0, side / k)
        x0, y0 = label_w, head_h
        colours = class_colours(theme, k)
        bg, accent = QColor(theme.background), QColor(theme.positive)
        totals = matrix.sum(axis=1)
        painter.setFont(font)
        painter.setPen(QColor(theme.text))
        painter.drawText(QRectF(x0, 0, cell * k, fm.height()), Qt.AlignmentFlag.AlignCenter,
                         "predicted")
        for j in range(k):
            painter.setPen(QColor(colours[min(j, len(colours) - 1)]))
            painter.drawText(QRectF(x0 + j * cell, fm.height() + 2, cell, fm.height()),
                             Qt.AlignmentFlag.AlignCenter, f"● {j}")
        for i in range(k):
            painter.setPen(QColor(colours[min(i, len(colours) - 1)]))
            painter.drawText(QRectF(0, y0 + i * cell, label_w - 4, cell),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"true {i} ●" if i == 0 else f"{i} ●")
            for j in range(k):
                share = matrix[i, j] / totals[i] if totals[i] else 0.0
                fill = QColor(*(round((1 - share * 0.85) * cb + share * 0.85 * ca) for ca, cb in
                                ((accent.red(), bg.red()), (accent.green(), bg.green()),
                                 (accent.blue(), bg.blue()))))
                rect = QRectF(x0 + j * cell, y0 + i * cell, cell, cell)
                painter.fillRect(rect, fill)
                painter.setPen(QPen(QColor(theme.grid), 1))
                painter.drawRect(rect)
                dark = share > 0.55
                painter.setPen(QColor("#ffffff" if dark else theme.text))
                if cell >= fm.height():
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(matrix[i, j])))
        painter.end()


class MetricsPanel(QWidget):
    """Accuracy (training and test) with a confusion matrix, or RMSE and R², for one θ."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._metrics = None
        self.class_names: tuple[str, ...] = ()  # the classes' imported names, if any
        self.scores = QLabel()
        self.scores.setFont(ui_font(1.15))
        self.scores.setTextFormat(Qt.TextFormat.RichText)
        self.scores.setWordWrap(True)
        self.which = QComboBox()
        self.which.addItem("training points", "train")
        self.which.addItem("test points", "test")
        self.which.setToolTip("Which points the confusion matrix counts")
        self.which.currentIndexChanged.connect(lambda _: self._show_matrix())
        self.matrix = ConfusionMatrix()
        words = QWidget()
        column = QVBoxLayout(words)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.scores)
        column.addWidget(self.which)
        column.addStretch(1)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._layout.setContentsMargins(6, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addWidget(words)
        self._layout.addWidget(self.matrix, 1)
        self.set_beside(True)
        theme_manager().changed.connect(self._restyle)

    def set_beside(self, beside: bool) -> None:
        """Stand beside the loss curves (a column), or lie under them (a row)."""
        self._layout.setDirection(QBoxLayout.Direction.TopToBottom if beside else
                                  QBoxLayout.Direction.LeftToRight)
        if beside:
            self.setMinimumHeight(0)
            self.setMaximumHeight(16777215)
            self.setFixedWidth(230)
        else:
            self.setMinimumWidth(0)
            self.setMaximumWidth(16777215)
            self.setFixedHeight(170)

    def set_metrics(self, metrics) -> None:
        """Show a frame's scores (``None`` for a formula: the panel hides)."""
        if metrics is self._metrics:
            return
        self._metrics = metrics
        self.setVisible(metrics is not None)
        if metrics is None:
            return
        theme = current_theme()
        classes = metrics.kind == "classification"
        self.which.setVisible(classes and metrics.test_confusion is not None)
        self.matrix.setVisible(classes)
        if classes:
            self.scores.setToolTip("The share of points whose most probable class is right, "
                                   "at the current step.")
            test = "" if metrics.test_confusion is None else (
                f"<br><span style='color:{theme.test_loss}'>test accuracy "
                f"<b>{_percent(metrics.test_accuracy)}</b></span>")
            names = "" if not self.class_names else "<br><span style='color:" + \
                theme.muted + "'>" + " · ".join(f"{k} {escape(n)}" for k, n in
                                                enumerate(self.class_names)) + "</span>"
            self.scores.setText(f"<span style='color:{theme.train_loss}'>accuracy "
                                f"<b>{_percent(metrics.accuracy)}</b></span>{test}{names}")
            self._show_matrix()
        else:
            self.scores.setToolTip("RMSE: the typical size of an error, √mean (ŷ − y)². "
                                   "R²: the share of the targets' variance the fit explains "
                                   "(1 perfect, 0 no better than their mean).")
            test = "" if metrics.test_rmse is None else (
                f"<br><span style='color:{theme.test_loss}'>test RMSE "
                f"<b>{_number(metrics.test_rmse)}</b> · R² <b>{_number(metrics.test_r2)}</b>"
                f"</span>")
            self.scores.setText(f"<span style='color:{theme.train_loss}'>RMSE "
                                f"<b>{_number(metrics.rmse)}</b> · R² "
                                f"<b>{_number(metrics.r2)}</b></span>{test}")

    def _show_matrix(self) -> None:
        m = self._metrics
        if m is None or m.kind != "classification":
            return
        test = self.which.currentData() == "test" and m.test_confusion is not None
        self.matrix.set_matrix(m.test_confusion if test else m.confusion)

    def _restyle(self, theme: Theme) -> None:
        metrics, self._metrics = self._metrics, None
        if metrics is not None:
            self.set_metrics(metrics)
        self.matrix.theme = theme
        self.matrix.update()
