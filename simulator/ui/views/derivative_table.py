"""The seed's table of common derivatives: click a row to see the curve and its slope.

Each row is a function J(w), the derivative sympy found for it, and both at w = 3; the
plot below draws the chosen row's J(w) and dJ/dw. A pole (1/w at 0) is drawn as a break
in both lines, never as a line joining −∞ to +∞. Everything comes from a
``workspace.derivative_table.DerivativeTable`` given to ``set_table``: the view computes
nothing.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.derivative_table import DerivativeTable
from simulator.workspace.numbers import format_number

from ..theme import Theme, current_theme, theme_manager, ui_font


class DerivativeTableView(QWidget):
    """The table of functions and their derivatives, with a plot of the chosen row."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table_data: DerivativeTable | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel("Common derivatives, as sympy finds them")
        self.title.setFont(ui_font(1.2, bold=True))
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = QTableWidget(0, 4)
        self.table.setFont(ui_font(1.2))
        self.table.horizontalHeader().setFont(ui_font(1.1, bold=True))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.currentCellChanged.connect(lambda row, *_: self.choose(row))
        # A new font (presenter mode) needs taller rows and a taller header.
        self.table.installEventFilter(self)
        self.table.horizontalHeader().installEventFilter(self)
        layout.addWidget(self.table)
        self.caption = QLabel()
        self.caption.setFont(ui_font(1.1))
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.getViewBox().setMouseEnabled(False, False)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTickFont(ui_font(1.0))
        # connect="finite": a NaN sample (a pole) ends one piece of the line and starts the next.
        self.function_curve = pg.PlotDataItem(connect="finite", antialias=True)
        self.derivative_curve = pg.PlotDataItem(connect="finite", antialias=True)
        self.plot.addItem(self.function_curve)
        self.plot.addItem(self.derivative_curve)
        self.pole_lines: list[pg.InfiniteLine] = []
        layout.addWidget(self.plot_widget, 1)
        self.row = -1
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    def set_table(self, table: DerivativeTable) -> None:
        """Show a derivative table and draw its first row."""
        self.table_data = table
        self.table.setRowCount(len(table.rows))
        v, p = table.variable, format_number(table.point)
        self.table.setHorizontalHeaderLabels(
            [f"J({v})", f"dJ/d{v}", f"J({p})", f"dJ/d{v} ({p})"])
        for k, row in enumerate(table.rows):
            cells = (row.function, row.derivative, format_number(row.value_at_point),
                     format_number(row.slope_at_point))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(k, column, item)
        self._fit_rows()
        self.row = -1
        self.table.setCurrentCell(0, 0)

    def _fit_rows(self) -> None:
        """Make the table just tall enough for every row, so it never scrolls."""
        self.table.resizeRowsToContents()
        header = self.table.horizontalHeader().sizeHint().height()
        rows = sum(self.table.rowHeight(k) for k in range(self.table.rowCount()))
        self.table.setFixedHeight(header + rows + 2 * self.table.frameWidth())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """Fit the rows again when the table's or its header's font changes."""
        if event.type() == QEvent.Type.FontChange and watched in (
                self.table, self.table.horizontalHeader()):
            self._fit_rows()
        return super().eventFilter(watched, event)

    def choose(self, row: int) -> None:
        """Draw one row's function and derivative (a click or an arrow key on the table)."""
        table = self.table_data
        if table is None or not 0 <= row < len(table.rows) or row == self.row:
            return
        self.row = row
        self.table.setCurrentCell(row, 0)  # a row chosen in code is marked as a clicked one
        data = table.rows[row]
        self.function_curve.setData(data.xs, data.function_values)
        self.derivative_curve.setData(data.xs, data.derivative_values)
        for line in self.pole_lines:
            self.plot.removeItem(line)
        self.pole_lines = [pg.InfiniteLine(pos=pole, angle=90, pen=self._pole_pen)
                           for pole in data.poles]
        for line in self.pole_lines:
            self.plot.addItem(line)
        self.plot.setXRange(*table.x_range, padding=0)
        self.plot.setYRange(*data.y_range, padding=0)
        theme = self._theme
        v = table.variable
        pole_text = ""
        if data.poles:
            where = ", ".join(f"{v} = {format_number(p)}" for p in data.poles)
            pole_text = f" Undefined at {where} (dotted line): the curves break there."
        self.caption.setText(
            f'<span style="color:{theme.text}"><b>━ J({v}) = {data.function}</b></span>'
            f'&nbsp;&nbsp;&nbsp;<span style="color:{theme.axis_x}"><b>╍ dJ/d{v} = '
            f"{data.derivative}</b></span>{pole_text}")

    def _restyle(self, theme: Theme) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.background)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
        self.function_curve.setPen(pg.mkPen(theme.text, width=3))
        self.derivative_curve.setPen(pg.mkPen(theme.axis_x, width=3, style=Qt.PenStyle.DashLine))
        self._pole_pen = pg.mkPen(theme.muted, width=1.5, style=Qt.PenStyle.DotLine)
        for line in self.pole_lines:
            line.setPen(self._pole_pen)
        self.caption.setStyleSheet(f"color: {theme.text};")
        row, self.row = self.row, -1
        self.choose(row)
