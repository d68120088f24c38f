"""The loss curve: training and test loss against the step, with a marker at the current step.

The engine keeps at most a few thousand (step, loss) pairs however long the run, so the
curves are redrawn in place from each painted ``Frame`` (``paint_frame``: at once when
paused, paced by the controller while playing). A click asks to seek to that step.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRunnable, QSignalBlocker, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from simulator.workspace.frames import Frame, ProblemInfo
from simulator.workspace.numbers import format_number, format_step

from ..items.rate_axis import RateOverlay
from ..theme import RACE_COLOURS, Theme, current_theme, theme_manager, ui_font
from .metrics_view import MetricsPanel
from .on_screen import DrawsWhenSeen

#: The loss must span more than this factor before the log scale is on by default.
LOG_DEFAULT_SPAN = 100.0

LOG_TIP = ("Plot the loss on a logarithmic scale: each factor of 10 gets the same height, "
           "so a long, slow descent stays visible.")
PLOT_TIP = ("Training loss (solid) and test loss (dashed) at each step; the dot marks the "
            "current step.\nClick the plot to jump to that step of the recorded run.\n"
            "Scroll to zoom the steps; the A button in the corner shows the whole run again.")




#: where the "diverged at step N" label may sit, tried in order: (height along the line
#: from the bottom of the plot, side of the line); the first that covers no curve wins
DIVERGED_SPOTS = tuple((height, side) for height in (0.9, 0.78, 0.66, 0.54, 0.42, 0.3, 0.18, 0.06)
                       for side in ("left", "right"))
LOSS_DIGITS = 3  # significant digits of a loss on screen
#: how long (s) the scores beside the curves wait to be renewed while playing: each is a
#: forward pass over every point (~5 ms for the biggest network, a frame's worth on top of
#: its step). Renewed twice a second, about as often as a reader can take in the accuracy
#: and the confusion matrix; a paused frame's are shown at once. While playing, the pass runs
#: in the thread pool (``_ScoresJob``), so no frame carries it.
SCORES_SECONDS = 0.5


NICE = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0)  # axis ends


def _nice_ceiling(value: float) -> float:
    """Return the smallest round number (``NICE`` × 10ᵏ, or its negative) at or above ``value``."""
    if value <= 0:
        return -_nice_floor(-value) if value < 0 else 0.0
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(m * power for m in NICE if m * power >= value * (1 - 1e-12)))


def _nice_floor(value: float) -> float:
    """Return the largest round number (``NICE`` × 10ᵏ, or its negative) at or below ``value``."""
    if value <= 0:
        return -_nice_ceiling(-value) if value < 0 else 0.0
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(m * power for m in reversed(NICE) if m * power <= value * (1 + 1e-12)))


class _ScoresRelay(QObject):
    """Carries a playing frame's scores from a pool thread to the GUI thread (queued)."""

    done = Signal(int, int, object)  # request number, step scored, the scores


class _ScoresJob(QRunnable):
    """Works out one playing frame's scores (its θ and problem are its own copies)."""

    def __init__(self, relay: _ScoresRelay, request: int, frame: Frame):
        super().__init__()
        self.relay, self.request, self.step, self.scores = relay, request, frame.step, frame.scores

    def run(self) -> None:
        try:
            metrics = self.scores()
        except Exception as exc:  # noqa: BLE001 - dropped on the GUI thread, never raised here
            metrics = exc
        self.relay.done.emit(self.request, self.step, metrics)


def style_step_plot(widget: pg.PlotWidget, item: pg.PlotItem, theme: Theme, quantity: str) -> None:
    """Colour a plot of some quantity over the steps in the theme: background, axes, labels."""
    widget.setBackground(theme.background)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(theme.muted)
        axis.setTextPen(theme.text)
    style = {"color": theme.text, "font-size": f"{ui_font(1.1).pointSizeF():.0f}pt"}
    item.setLabel("bottom", "step", **style)
    item.setLabel("left", quantity, **style)


class StepAxis(pg.AxisItem):
    """A step axis whose ticks read 250k and 1.5M rather than a shared ×1e+06 factor."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        """Return the tick labels for these step values."""
        return [format_step(v * scale, spacing * scale) for v in values]


class LossView(DrawsWhenSeen, QWidget):
    """Training and test loss against the step, a log-scale switch and the current step.

    Inbound: ``set_problem(ProblemInfo)`` and ``paint_frame(Frame)``. Outbound:
    ``seekRequested(step)`` when the plot is clicked.

    Parameters
    ----------
    parent
        The parent widget.
    """

    seekRequested = Signal(int)
    INTENTS = {"seekRequested": "seek"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._frame: Frame | None = None  # the frame last painted
        self._log_choice: bool | None = None  # None until the user clicks the switch
        self._has_test = True
        self._steps = np.zeros(0, dtype=np.int64)
        self._drawn = None  # which history the curves show
        self._ranges = None  # the axes' ranges last set
        self._train_name = "train"
        self._scored_at = -math.inf  # when the scores were last renewed
        # Playing frames' scores are worked out in the pool: each request is numbered and
        # only the newest one's answer is shown (a paused frame or a new problem drops the
        # rest); one runs at a time (``_scores_running``: its number, else None).
        self._scores_request = 0
        self._scores_running: int | None = None
        self.scores_step: int | None = None  # the step whose scores are shown
        self._scores_relay = _ScoresRelay()
        self._scores_relay.done.connect(self._scores_landed)

        self.values_label = QLabel()
        self.values_label.setFont(ui_font(1.1))
        self.values_label.setTextFormat(Qt.TextFormat.RichText)
        self.values_label.setWordWrap(True)
        self.values_label.setToolTip("The loss at the current step, on the training and the "
                                     "test points.")
        self.log_box = QCheckBox("log scale")
        self.log_box.setFont(ui_font(1.1))
        self.log_box.setToolTip(LOG_TIP)
        self.log_box.clicked.connect(self._log_clicked)

        self.plot_widget = pg.PlotWidget(axisItems={"bottom": StepAxis()})
        self.plot_widget.setToolTip(PLOT_TIP)
        self.plot_item = plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=True, y=False)
        plot.setAutoVisible(y=True)
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        # No grid: pyqtgraph repaints grid lines with their axis on every frame (13 ms here).
        plot.showGrid(x=False, y=False)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setTickFont(ui_font(1.0))
        left = plot.getAxis("left")
        left.setWidth(64)
        left.enableAutoSIPrefix(False)  # "loss (x0.001)" over log ticks would mislead
        # The legend sits in the plot's title row, above the data, so that no curve (a loss
        # shooting up as it diverges, or ending top right) can run behind it.
        self.legend = pg.LegendItem(colCount=2, labelTextSize=f"{ui_font(1.1).pointSizeF():.0f}pt",
                                    horSpacing=8, frame=False)
        plot.legend = self.legend  # plot(name=…) adds its curve here
        plot.layout.removeItem(plot.titleLabel)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        plot.layout.addItem(self.legend, 0, 1, Qt.AlignmentFlag.AlignRight)
        plot.layout.setRowFixedHeight(0, 2 * ui_font(1.1).pointSizeF() + 8)

        self.legend.setToolTip("Click a line's sample to hide or show that curve.")
        self.train_curve = plot.plot(name="train")
        self.test_curve = plot.plot(name="test")
        # One curve per hiker of a race, in the hikers' colours (the landscape's legend names them).
        self.race_curves = [plot.plot() for _ in RACE_COLOURS]
        for curve in self.race_curves:
            curve.setVisible(False)
        self._racing = False
        # Its label goes beside the line where it covers no curve (``_place_divergence_label``).
        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, label="diverged",
            labelOpts={"position": DIVERGED_SPOTS[0][0], "anchors": [(1.0, 0.5), (1.0, 0.5)]})
        self.divergence_line.label.setFont(ui_font(1.1))
        self.divergence_line.setVisible(False)
        plot.addItem(self.divergence_line, ignoreBounds=True)
        plot.getViewBox().sigResized.connect(self._place_divergence_label)
        plot.getViewBox().sigRangeChanged.connect(self._place_divergence_label)
        self.marker_line = pg.InfiniteLine(angle=90, movable=False)
        plot.addItem(self.marker_line, ignoreBounds=True)
        self.marker_dot = pg.PlotDataItem(symbol="o", symbolSize=13, pen=None)
        plot.addItem(self.marker_dot)
        self.marker_line.setVisible(False)
        self.marker_dot.setVisible(False)
        self.plot_widget.scene().sigMouseClicked.connect(self._plot_clicked)
        self.rates = RateOverlay(plot)  # η on a right axis, while a schedule changes it

        top = QHBoxLayout()
        top.addWidget(self.values_label, 1)
        top.addWidget(self.log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        self._body = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # the scores by the curves
        self._body.addWidget(self.plot_widget, 1)
        self.metrics = MetricsPanel()
        self.metrics.hide()
        self._body.addWidget(self.metrics)
        layout.addLayout(self._body, 1)

        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Put the scores beside the curves in a wide dock, under them in a narrow one."""
        super().resizeEvent(event)
        beside = self.width() >= 620 or self.width() > 1.6 * self.height()
        self._body.setDirection(QBoxLayout.Direction.LeftToRight if beside else
                                QBoxLayout.Direction.TopToBottom)
        self.metrics.set_beside(beside)

    # ----- drawing ------------------------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Start on a new problem: its run is drawn whole from the next frame."""
        # A new run starts at step 0: show the whole of it again.
        self._drawn = self._ranges = None
        self._scored_at = -math.inf
        self._scores_request += 1
        self.forget_drawings()
        # A formula has no training set: its curve is the cost J itself.
        self._train_name = "train" if info.is_network else "J"
        self.metrics.class_names = info.class_names if info.is_network else ()
        for sample, label in self.legend.items:
            if sample.item is self.train_curve:
                label.setText(self._train_name)

    def paint_frame(self, frame: Frame) -> None:
        """Draw a frame: the run's curves and marker, or each racer's curve in a race."""
        self._frame = frame
        self.draw_when_seen("frame", lambda: self._paint(frame))

    def _paint(self, frame: Frame) -> None:
        self._show_scores(frame)
        if frame.racers or self._racing:
            self._draw_race(frame.racers)
        if not frame.racers:
            self._draw(frame)

    def _show_scores(self, frame: Frame) -> None:
        """Show the frame's scores: at once when paused, every ``SCORES_SECONDS`` while playing.

        A playing frame's are worked out in the pool and shown when they land.
        """
        now = time.monotonic()
        if not frame.playing:
            self._scored_at = now
            self._scores_request += 1  # an answer still on its way is for an older frame
            self.metrics.set_metrics(frame.metrics)
            self.scores_step = frame.step
            return
        if self._scores_running is not None or now - self._scored_at < SCORES_SECONDS:
            return
        self._scored_at = now
        if frame.scores is None:
            self.metrics.set_metrics(None)
            self.scores_step = frame.step
            return
        self._scores_request += 1
        self._scores_running = self._scores_request
        QThreadPool.globalInstance().start(_ScoresJob(self._scores_relay, self._scores_request, frame))

    def _scores_landed(self, request: int, step: int, metrics) -> None:
        """Show a playing frame's scores (those of step ``step``) if no newer frame asked since."""
        if request == self._scores_running:
            self._scores_running = None
        if request != self._scores_request or isinstance(metrics, Exception):
            return
        self.metrics.set_metrics(metrics)
        self.scores_step = step

    def _draw_race(self, racers: tuple) -> None:
        """Draw each racer's loss in its colour; no racers ends the race."""
        racing = bool(racers)
        self.legend.setVisible(not racing)
        for curve in (self.train_curve, self.test_curve, self.marker_line, self.marker_dot):
            curve.setVisible(not racing and (curve is not self.test_curve or self._has_test))
        theme = current_theme()
        parts = []
        for k, curve in enumerate(self.race_curves):
            if k >= len(racers):
                curve.setVisible(False)
                continue
            racer = racers[k]
            ok = np.isfinite(racer.losses)
            curve.setData(np.asarray(racer.loss_steps, float)[ok], racer.losses[ok])
            curve.setPen(pg.mkPen(RACE_COLOURS[k], width=2.5))
            curve.setVisible(True)
            parts.append(f"<span style='color:{RACE_COLOURS[k]}'>{racer.label} "
                         f"{format_number(racer.loss, LOSS_DIGITS)}</span>")
        if racing:
            self.rates.show(np.zeros(0), np.zeros(0))
            values = np.concatenate([r.losses[np.isfinite(r.losses)] for r in racers])
            steps = np.concatenate([r.loss_steps for r in racers]).astype(float)
            if values.size:
                self._update_log(values)
                self._fit_ranges(np.sort(steps), values)
            self.values_label.setText(" · ".join(parts) + f" <span style='color:{theme.muted}'>"
                                      "(race)</span>")
        elif self._racing:
            self._drawn = self._ranges = None  # the single run is drawn afresh
        self._racing = racing

    def _draw(self, frame: Frame) -> None:
        steps, train, test = frame.loss_steps, frame.train_losses, frame.test_losses
        steps = np.asarray(steps, dtype=float)
        train_ok = np.isfinite(train)
        test_ok = np.isfinite(test)
        # A rewind moves only the marker: the recorded curve stays as it is.
        key = (len(steps), steps[-1] if len(steps) else None, train[-1] if len(train) else None)
        if key != self._drawn:
            self._drawn = key
            self._steps = steps[train_ok]
            self.train_curve.setData(steps[train_ok], np.asarray(train[train_ok], dtype=float))
            self._show_test(bool(test_ok.any()))
            self.test_curve.setData(steps[test_ok], np.asarray(test[test_ok], dtype=float))

        self.marker_line.setValue(frame.step)
        here = [float(frame.loss)] if np.isfinite(frame.loss) else []  # undefined: no dot
        self.marker_dot.setData([float(frame.step)] * len(here), here)
        self.marker_line.setVisible(True)
        self.marker_dot.setVisible(True)

        diverged = frame.status == "diverged" and frame.diverged_at is not None
        self.divergence_line.setVisible(diverged)
        if diverged:  # a hidden label ignores a new text: show the line first
            self.divergence_line.setValue(frame.diverged_at)
            self.divergence_line.label.setFormat(f"diverged at step {frame.diverged_at:,}")

        self.rates.show(frame.loss_steps, frame.learning_rates)
        values = np.concatenate([train[train_ok], test[test_ok], here])
        if not values.size:
            self._update_label(frame)
            return
        self._update_log(values)
        self._fit_ranges(steps, values)
        self._update_label(frame)
        self._place_divergence_label()

    def _place_divergence_label(self, *_args) -> None:
        """Put the "diverged at step N" label at its first spot that covers no curve or dot.

        A diverging loss shoots up at the line, so a fixed spot beside it lay on the curve.
        Each spot is tried in the plot's own coordinates: the label covers a curve when the
        curve, between the label's left and right edges, takes a height within the label's.
        Where every spot covers one (a small plot), the label is left out: the line above
        the plot says the same in words.
        """
        line = self.divergence_line
        if not line.isVisible():
            return
        label, box = line.label, self.plot_item.getViewBox()
        label.setVisible(True)
        shown = box.viewRect()
        # The loss curves and the dot in the plot's box; the learning rate in its own.
        drawn = [(box, c) for c in (self.train_curve, self.test_curve, *self.race_curves,
                                    self.marker_dot)] + [(self.rates.view, self.rates.curve)]
        curves = [(view, *c.getData()) for view, c in drawn if c.isVisible()]
        curves = [(view, x, y) for view, x, y in curves if x is not None and len(x)]
        for height, side in DIVERGED_SPOTS:
            anchor = (1.0, 0.5) if side == "left" else (0.0, 0.5)
            label.anchors = [anchor, anchor]
            label.setPosition(height)
            area = label.sceneBoundingRect()
            if not shown.contains(box.mapSceneToView(area).boundingRect()):
                continue
            if not any(_covers(view.mapSceneToView(area).boundingRect(), x, y)
                       for view, x, y in curves):
                return
        label.setVisible(False)

    def _fit_ranges(self, steps: np.ndarray, values: np.ndarray) -> None:
        """Frame the curves in round numbers that change rarely.

        Autoscaling would move the axes on every step, and pyqtgraph redraws an axis
        whenever its range moves; rounding out to 1-2-5 steps (decades on a log scale)
        keeps most frames free of that cost.
        """
        if not len(steps) or not values.size:
            return
        x_range = (float(steps[0]), _nice_ceiling(max(float(steps[-1]) * 1.02, 10.0)))
        # A loss near the largest float would make the padding, or the axis, overflow.
        limit = 1e300
        low, high = (float(np.clip(v, -limit, limit)) for v in (values.min(), values.max()))
        if self.plot_item.getAxis("left").logMode:
            y_range = (np.floor(np.log10(low)), np.ceil(np.log10(high)))
            if y_range[0] == y_range[1]:
                y_range = (y_range[0] - 1, y_range[1])
        else:
            pad = 0.05 * (high - low) or 0.1 * abs(high) or 1.0
            y_range = (_nice_floor(low - pad), _nice_ceiling(high + pad))
        if (x_range, y_range) != self._ranges:
            self._ranges = (x_range, y_range)
            self.plot_item.getViewBox().setRange(xRange=x_range, yRange=y_range, padding=0)

    def _show_test(self, show: bool) -> None:
        if show == self._has_test:
            return
        self._has_test = show
        self.test_curve.setVisible(show)
        if show:
            self.legend.addItem(self.test_curve, "test")
        else:
            self.legend.removeItem(self.test_curve)

    def _update_log(self, values: np.ndarray) -> None:
        positive = bool(values.size) and bool(np.all(values > 0))
        if not positive:
            low = float(values.min()) if values.size else 0.0
            reason = "reaches 0" if low == 0 else "goes below 0"
            self.log_box.setToolTip(f"Log scale is off: this loss {reason}, and a logarithm "
                                    "needs numbers above 0.")
            want = False
        else:
            self.log_box.setToolTip(LOG_TIP)
            span = float(values.max() / values.min())
            want = span > LOG_DEFAULT_SPAN if self._log_choice is None else self._log_choice
        with QSignalBlocker(self.log_box):
            self.log_box.setEnabled(positive)
            self.log_box.setChecked(want)
        self._set_log(want)

    def _set_log(self, on: bool) -> None:
        if self.plot_item.getAxis("left").logMode != on:
            self.plot_item.setLogMode(x=False, y=on)

    def _log_clicked(self, checked: bool) -> None:
        self._log_choice = checked
        self._set_log(checked)
        self._ranges = None
        if self._frame is not None:
            self.paint_frame(self._frame)

    def _update_label(self, frame: Frame) -> None:
        theme = current_theme()
        name = "train " if self._train_name == "train" else "J = "
        loss = format_number(frame.loss, LOSS_DIGITS)
        parts = [f"<span style='color:{theme.train_loss}'>{name}{loss}</span>"]
        if frame.test_loss is not None:
            parts.append(f"<span style='color:{theme.test_loss}'>"
                         f"test {format_number(frame.test_loss, LOSS_DIGITS)}</span>")
        parts.append(f"step {frame.step:,}")
        if frame.status == "diverged" and frame.diverged_at is not None:
            parts.append(f"<span style='color:{theme.error}'>diverged at step "
                         f"{frame.diverged_at:,}</span>")
        self.values_label.setText(" · ".join(parts))

    def _restyle(self, theme: Theme) -> None:
        style_step_plot(self.plot_widget, self.plot_item, theme, "loss")
        self.train_curve.setPen(pg.mkPen(theme.train_loss, width=2.5))
        self.test_curve.setPen(pg.mkPen(theme.test_loss, width=2.5, style=Qt.PenStyle.DashLine))
        self.legend.setLabelTextColor(theme.text)
        for _, label in self.legend.items:
            label.setText(label.text)  # a legend label takes a new colour only when redrawn
        self.legend.setBrush(pg.mkBrush(theme.background + "cc"))
        self.legend.setPen(pg.mkPen(theme.grid))
        self.marker_line.setPen(pg.mkPen(theme.hiker_edge, width=1.5, style=Qt.PenStyle.DotLine))
        self.marker_dot.setSymbolBrush(theme.hiker_edge)
        self.marker_dot.setSymbolPen(pg.mkPen(theme.background, width=2))
        self.divergence_line.setPen(pg.mkPen(theme.error, width=2, style=Qt.PenStyle.DashLine))
        self.divergence_line.label.setColor(theme.error)
        self.divergence_line.label.fill = pg.mkBrush(theme.background + "dd")
        self.rates.restyle(theme, f"{ui_font(1.1).pointSizeF():.0f}pt")
        if self._frame is not None and not self._frame.racers:
            self._update_label(self._frame)

    # ----- click to seek ------------------------------------------------------------------

    def _plot_clicked(self, event) -> None:
        if self._frame is None or event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        if event.isAccepted() or self.legend.sceneBoundingRect().contains(event.scenePos()):
            return  # the legend took it (a click on a sample hides that curve)
        view = self.plot_item.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        target = view.mapSceneToView(event.scenePos()).x()
        self.seekRequested.emit(self.nearest_step(target))

    def nearest_step(self, x: float) -> int:
        """Return the recorded step nearest to ``x`` that the run can rewind or replay to."""
        low, high = self._frame.earliest_step, self._frame.furthest_step
        steps = self._steps[(self._steps >= low) & (self._steps <= high)]
        candidates = np.append(steps, [low, high])
        return int(candidates[np.argmin(np.abs(candidates - x))])


def _covers(rect, x: np.ndarray, y: np.ndarray) -> bool:
    """Return whether a curve through the points (x, y), x rising, passes through a rectangle."""
    left, right = rect.left(), rect.right()
    ok = np.isfinite(y)
    x, y = np.asarray(x, dtype=float)[ok], np.asarray(y, dtype=float)[ok]
    if not len(x) or right < x[0] or left > x[-1]:
        return False
    inside = y[(x >= left) & (x <= right)]
    ends = np.interp([max(left, x[0]), min(right, x[-1])], x, y)
    heights = np.concatenate([inside, ends])
    return bool(heights.max() >= rect.top() and heights.min() <= rect.bottom())
