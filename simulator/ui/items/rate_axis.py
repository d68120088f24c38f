"""A second y axis on a plot, at its right: the learning rate η over the same steps.

A ``RateOverlay`` puts its own view box over a plot's, linked to its steps (x) and scaled
on its own (y), with the axis on the right; the curve is drawn only while η varies (a
schedule), so a constant rate adds nothing to the plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..theme import Theme, ui_font


class RateOverlay:
    """The η curve of a plot item, on its right axis."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.view = pg.ViewBox(enableMouse=False)
        self.view.setMenuEnabled(False)
        plot.scene().addItem(self.view)
        plot.showAxis("right")
        self.axis = plot.getAxis("right")
        self.axis.linkToView(self.view)
        self.axis.setTickFont(ui_font(1.0))
        self.axis.enableAutoSIPrefix(False)
        self.view.setXLink(plot)
        self.curve = pg.PlotDataItem()
        self.view.addItem(self.curve)
        plot.getViewBox().sigResized.connect(self._follow)
        self._shown = True
        self._drawn = None
        self.show(np.zeros(0), np.zeros(0))

    def _follow(self) -> None:
        self.view.setGeometry(self.plot.getViewBox().sceneBoundingRect())

    def show(self, steps: np.ndarray, rates: np.ndarray) -> None:
        """Draw η against the steps, or hide the axis when η never changes."""
        ok = np.isfinite(rates)
        steps, rates = np.asarray(steps, dtype=float)[ok], np.asarray(rates, dtype=float)[ok]
        varies = rates.size > 1 and float(rates.max()) != float(rates.min())
        if varies != self._shown:
            self._shown = varies
            self.plot.showAxis("right", varies)
            self.curve.setVisible(varies)
        key = (len(steps), float(steps[-1]) if len(steps) else None,
               float(rates[-1]) if len(rates) else None)
        if varies and key != self._drawn:
            self._drawn = key
            self.curve.setData(steps, rates)
            top = float(rates.max())
            self.view.setYRange(0.0, top * 1.05, padding=0)

    def restyle(self, theme: Theme, label_size: str) -> None:
        """Take the theme's colours: η is drawn in the colour of its axis."""
        self.curve.setPen(pg.mkPen(theme.axis_y, width=2, style=Qt.PenStyle.DotLine))
        self.axis.setPen(theme.axis_y)
        self.axis.setTextPen(theme.axis_y)
        self.axis.setLabel("learning rate η", color=theme.axis_y, **{"font-size": label_size})
