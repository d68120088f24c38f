"""The gradient's size per layer: ‖∂L/∂W_l‖ of each layer against the step, on a log scale.

Vanishing and exploding gradients made visible: through many sigmoid layers the first
layer's curve lies decades below the last's. The curves are the run's recorded history
(``Frame.gradient_norms`` beside ``Frame.loss_steps``), so a rewind shows the run as it was;
a click asks to seek to that step, as on the loss plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from simulator.workspace.frames import Frame, ProblemInfo
from simulator.workspace.numbers import format_number

from ..theme import Theme, current_theme, theme_manager, ui_font
from .loss_view import StepAxis, style_step_plot
from .on_screen import DrawsWhenSeen

#: one colour per layer, the first layer first (Okabe–Ito's, colour-blind safe, without its
#: yellow, which a white background washes out; then grey, brown and the text's colour)
LAYER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999",
                 "#8C510A", None)
MAX_LAYERS = len(LAYER_COLOURS)
DOT_ROOM = 10  # pixels inside each edge of the plot: half a dot (11 px, larger in print) and its ring
MIN_SIDE = 60  # the least side a plot is taken to have while it is being laid out
PLOT_TIP = ("The size of the gradient of each layer's weights, ‖∂L/∂W‖, at each step, on a "
            "log scale (each factor of 10 the same height).\nCurves far apart: the gradient "
            "vanishes (or explodes) on its way back through the layers.\nClick to jump to "
            "that step of the recorded run.")


def ratio_sentence(norms: np.ndarray) -> str:
    """Return how the first layer's gradient compares with the last's, in words."""
    first, last = float(norms[0]), float(norms[-1])
    if first == 0 and last == 0:
        return "every layer's gradient is 0: nothing learns"
    if first == 0:
        return "the first layer's gradient is 0: it does not learn"
    ratio = last / first
    if 0.5 <= ratio <= 2:
        return "the first layer's gradient is about as large as the last's"
    if ratio > 2:
        return f"the first layer's gradient is {format_number(ratio, 2)}× smaller than the last's"
    return f"the first layer's gradient is {format_number(1 / ratio, 2)}× larger than the last's"


class GradientView(DrawsWhenSeen, QWidget):
    """‖∂L/∂W_l‖ of every layer against the step, log scale, with the current step marked.

    Inbound: ``set_problem(ProblemInfo)`` and ``paint_frame(Frame)``. Outbound:
    ``seekRequested(step)`` when the plot is clicked.
    """

    seekRequested = Signal(int)
    INTENTS = {"seekRequested": "seek"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._frame: Frame | None = None
        self._drawn = None
        self._framed = None  # the steps and norms last framed
        self._layers = 0
        self.values_label = QLabel()
        self.values_label.setFont(ui_font(1.1))
        self.values_label.setTextFormat(Qt.TextFormat.RichText)
        self.values_label.setWordWrap(True)
        self.values_label.setToolTip("Each layer's ‖∂L/∂W‖ at the current step.")

        self.plot_widget = pg.PlotWidget(axisItems={"bottom": StepAxis()})
        self.plot_widget.setToolTip(PLOT_TIP)
        self.plot_item = plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=True, y=False)
        plot.setLogMode(x=False, y=True)
        for name in ("left", "bottom"):
            plot.getAxis(name).setTickFont(ui_font(1.0))
        plot.getAxis("left").setWidth(64)
        plot.getAxis("left").enableAutoSIPrefix(False)
        # No legend in the plot: the line above names each layer in its curve's colour.
        self.curves = [plot.plot() for _ in range(MAX_LAYERS)]
        self.marker_line = pg.InfiniteLine(angle=90, movable=False)
        plot.addItem(self.marker_line, ignoreBounds=True)
        # each layer's value at the current step, a dot in its colour on the marker line
        self.dots = pg.PlotDataItem(pen=None, symbol="o", symbolSize=11)
        plot.addItem(self.dots)
        self.plot_widget.scene().sigMouseClicked.connect(self._plot_clicked)
        plot.getViewBox().sigResized.connect(self._refit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.values_label)
        layout.addWidget(self.plot_widget, 1)
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    # ----- drawing ------------------------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Start on a new problem: one curve per layer of a network, none for a formula."""
        self._drawn = self._framed = None
        self.forget_drawings()
        layers = len(info.problem.network.sizes) - 1 if info.is_network else 0
        self._layers = min(layers, MAX_LAYERS)
        for k, curve in enumerate(self.curves):
            curve.setVisible(k < self._layers)
        self.plot_widget.setVisible(info.is_network)
        if not info.is_network:
            self.values_label.setText("A formula has no layers: the gradient's size per layer "
                                      "is drawn for networks.")

    def paint_frame(self, frame: Frame) -> None:
        """Draw each layer's recorded gradient size and mark the current step (once on screen)."""
        self._frame = frame
        self.draw_when_seen("frame", lambda: self._draw(frame))

    def _draw(self, frame: Frame) -> None:
        norms = frame.gradient_norms
        if not self._layers or norms.ndim != 2 or norms.shape[1] < self._layers:
            return
        steps = np.asarray(frame.loss_steps, dtype=float)
        key = (len(steps), steps[-1] if len(steps) else None,
               tuple(norms[-1]) if len(norms) else None)
        if key != self._drawn:
            self._drawn = key
            for k in range(self._layers):
                values = norms[:, k]
                shown = np.isfinite(values) & (values > 0)  # a log scale has no 0
                self.curves[k].setData(steps[shown], values[shown])
            self._fit(steps, norms)
        self.marker_line.setValue(frame.step)
        self.marker_line.setVisible(True)
        self._update_label(frame)

    def _fit(self, steps: np.ndarray, norms: np.ndarray) -> None:
        """Frame the curves: the recorded steps, and whole decades of the norms.

        ``DOT_ROOM`` pixels are kept inside each edge, so a dot at the last step or on a
        decade's line is drawn whole; the plot is framed again when it changes size.
        """
        self._framed = (steps, norms)
        view = self.plot_item.getViewBox()
        across, up = (DOT_ROOM / max(MIN_SIDE, side) for side in (view.width(), view.height()))
        if len(steps):
            end = max(float(steps[-1]) * 1.02, 10.0)
            view.setXRange(float(steps[0]) - 0.02 * end, end, padding=across)
        values = norms[:, :self._layers]
        positive = values[np.isfinite(values) & (values > 0)]
        if not positive.size:
            return
        low, high = np.floor(np.log10(positive.min())), np.ceil(np.log10(positive.max()))
        # a little over the top decade, so that its tick label is not cut in half
        view.setYRange(low - (low == high), high + 0.08, padding=up)

    def _refit(self, *_) -> None:
        if self._framed is not None:
            self._fit(*self._framed)

    def _current_norms(self, frame: Frame) -> np.ndarray | None:
        """Return the norms recorded at the current step (the nearest recorded one before it)."""
        steps = np.asarray(frame.loss_steps)
        if not len(steps):
            return None
        row = max(int(np.searchsorted(steps, frame.step, side="right")) - 1, 0)
        return frame.gradient_norms[row, :self._layers]

    def _update_label(self, frame: Frame) -> None:
        norms = self._current_norms(frame)
        if norms is None:
            return
        theme = current_theme()
        colours = self._colours(theme)
        shown = [k for k, v in enumerate(norms) if np.isfinite(v) and v > 0]
        self.dots.setData([float(frame.step)] * len(shown), [float(norms[k]) for k in shown],
                          symbolBrush=[pg.mkBrush(colours[k]) for k in shown],
                          symbolPen=pg.mkPen(theme.background, width=1.5))
        parts = [f"<span style='color:{colours[k]}'>W{k + 1} "
                 f"{format_number(float(v), 2)}</span>" for k, v in enumerate(norms)]
        muted = theme.muted
        self.values_label.setText("‖∂L/∂W‖ · " + " · ".join(parts) +
                                  f"<br><span style='color:{muted}'>step {frame.step:,}: "
                                  f"{ratio_sentence(norms)}</span>")

    def _restyle(self, theme: Theme) -> None:
        style_step_plot(self.plot_widget, self.plot_item, theme, "‖∂L/∂W‖")
        for curve, colour in zip(self.curves, self._colours(theme), strict=True):
            curve.setPen(pg.mkPen(colour, width=2.5))
        self.marker_line.setPen(pg.mkPen(theme.hiker_edge, width=1.5, style=Qt.PenStyle.DotLine))
        if self._frame is not None and self._layers:
            self._update_label(self._frame)

    @staticmethod
    def _colours(theme: Theme) -> list[str]:
        """Return the layers' colours; the ninth is the text's, dark or light."""
        return [theme.text if colour is None else colour for colour in LAYER_COLOURS]

    # ----- click to seek ------------------------------------------------------------------

    def _plot_clicked(self, event) -> None:
        if self._frame is None or event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        view = self.plot_item.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        frame = self._frame
        target = view.mapSceneToView(event.scenePos()).x()
        steps = np.asarray(frame.loss_steps)
        steps = steps[(steps >= frame.earliest_step) & (steps <= frame.furthest_step)]
        candidates = np.append(steps, [frame.earliest_step, frame.furthest_step])
        self.seekRequested.emit(int(candidates[np.argmin(np.abs(candidates - target))]))
