"""The learning-rate schedule's part of the controls: its kind, settings, warm-up and η's curve.

The section shows the frames it is given and emits ``scheduleChanged(kind, settings)``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QSpinBox, QWidget

from simulator.workspace.choices import SCHEDULE_GAMMAS, SCHEDULE_KINDS, SCHEDULE_SETTINGS
from simulator.workspace.frames import Frame
from simulator.workspace.numbers import format_editable

from ..theme import Theme, current_theme, theme_manager, ui_font
from ..views.on_screen import Deferred, hidden
from .widgets import Note, NumberBox, Section, compact_combo

LABELS = {"step_size": "Every (steps)", "gamma": "Factor γ", "steps": "Over T steps",
          "min_lr": "Floor η_min", "warmup": "Warm-up steps", "warmup_start": "Warm-up from"}
KIND_TIPS = {
    "constant": "η stays as set.",
    "step": "η is multiplied by γ every k steps (torch's StepLR).",
    "exponential": "η is multiplied by γ at every step (torch's ExponentialLR).",
    "cosine": "η falls along half a cosine to η_min over T steps (torch's CosineAnnealingLR).",
}
CURVE_POINTS = 400  # the curve samples η at this many steps at most
CURVE_HEIGHT = 110


def curve_horizon(frame: Frame) -> int:
    """Return the last step the η curve shows: the run so far, or the schedule's own span."""
    config = frame.config
    schedule = config.schedule
    if schedule.kind == "step":
        span = 4 * schedule.step_size
    elif schedule.kind == "exponential":  # until η is down to 1 % (γ = 1: a flat 100 steps)
        span = 100 if schedule.gamma >= 1 else math.ceil(math.log(0.01) / math.log(schedule.gamma))
    elif schedule.kind == "cosine":
        span = schedule.steps
    else:
        span = 100
    natural = config.schedule_start + schedule.warmup + min(span, 10**6)
    return max(natural, frame.furthest_step, frame.step, 10)


class ScheduleSection(Section):
    """Choose how η changes with the step; a small plot draws η over the steps."""

    scheduleChanged = Signal(str, object)  # the kind, and its settings by name
    INTENTS = {"scheduleChanged": "set_schedule"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Learning-rate schedule", "How η changes as the run goes on: decay it "
                         "to settle into the valley, warm it up to start gently.",
                         expanded=False, parent=parent)
        self._shown = None  # (schedule, η₀, start) the widgets show
        self._deferred = Deferred()  # the frame put off while the section is folded
        self.header.toggled.connect(self._unfolded)
        self._curve_key = None

        self.kind = compact_combo("How η changes with the step. The values are PyTorch's "
                                  "schedulers' (torch.optim.lr_scheduler), step for step.", 8)
        for kind, (label, _) in SCHEDULE_KINDS.items():
            self.kind.addItem(label, kind)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS[kind],
                                  Qt.ItemDataRole.ToolTipRole)
        self.kind.activated.connect(self._kind_chosen)
        self.add_row("Schedule", self.kind)

        self.boxes: dict[str, QWidget] = {}
        for key, (default, low, high, whole, meaning) in SCHEDULE_SETTINGS.items():
            if whole:
                box = QSpinBox()
                box.setRange(int(low), int(high))
                box.setKeyboardTracking(False)
                box.setAlignment(Qt.AlignmentFlag.AlignRight)
                box.setAccelerated(True)
                box.setMinimumWidth(64)  # not as wide as 10,000,000: the panel stays narrow
                if key == "warmup":
                    box.setSpecialValueText("none")
            else:
                box = NumberBox(low, high, step=0.05 if high <= 1 else 0.01)
            box.setValue(default)
            box.setToolTip(f"{meaning[0].upper()}{meaning[1:]}, from {format_editable(low)} "
                           f"to {format_editable(high)}. Press Enter to apply.")
            box.valueChanged.connect(self._changed)
            self.add_row(LABELS[key], box)
            self.boxes[key] = box

        self.summary = Note("info")
        self.add_wide(self.summary)
        # η's curve is made when the section is first unfolded (a plot costs ~25 ms of
        # start-up, and the section starts folded); it is None until then.
        self.plot: pg.PlotWidget | None = None
        self.curve: pg.PlotDataItem | None = None
        self.marker: pg.PlotDataItem | None = None
        self._frame: Frame | None = None  # the frame the widgets show, for the curve once made
        self._show_settings("constant", 0)
        theme_manager().changed.connect(self._restyle)

    def _unfolded(self, unfolded: bool) -> None:
        if unfolded:
            self.catch_up()
            if self.plot is None:
                self._build_plot()

    def _build_plot(self) -> None:
        """Make η's curve above the summary, and draw the frame shown."""
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(CURVE_HEIGHT)
        self.plot.setToolTip("η at each step of the run under this schedule; the dot is the "
                             "current step.")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        for name in ("left", "bottom"):
            item.getAxis(name).setTickFont(ui_font(0.85))
            item.getAxis(name).enableAutoSIPrefix(False)
        item.getAxis("left").setWidth(44)
        self.curve = item.plot()
        self.marker = pg.PlotDataItem(symbol="o", symbolSize=9, pen=None)
        item.addItem(self.marker)
        row, _ = self.form.getWidgetPosition(self.summary)
        self.form.insertRow(row, self.plot)
        self.plot.show()  # (a layout shows a new child of a shown widget only later)
        self._restyle(current_theme())
        if self._frame is not None:
            self._draw_curve(self._frame)

    # ----- edits ------------------------------------------------------------------------------

    def _kind_chosen(self, _index: int) -> None:
        kind = self.kind.currentData()
        if kind in SCHEDULE_GAMMAS:  # each kind's own γ: halving for steps, 1 % a step
            with QSignalBlocker(self.boxes["gamma"]):
                self.boxes["gamma"].setValue(SCHEDULE_GAMMAS[kind])
        self._changed()

    def _changed(self, *_args) -> None:
        kind = self.kind.currentData()
        warmup = self.boxes["warmup"].value()
        self._show_settings(kind, warmup)
        self.scheduleChanged.emit(kind, self.settings())

    def settings(self) -> dict[str, float]:
        """Return the chosen kind's settings and the warm-up's, as the boxes hold them."""
        kind = self.kind.currentData()
        keys = list(SCHEDULE_KINDS[kind][1]) + ["warmup"]
        if self.boxes["warmup"].value():
            keys.append("warmup_start")
        return {key: self._value(key) for key in keys}

    def _value(self, key: str) -> float:
        """Return a box's value; the default exactly if the box shows it (1/3 rounds to 15 digits)."""
        value, default = self.boxes[key].value(), SCHEDULE_SETTINGS[key][0]
        return default if math.isclose(value, default, rel_tol=1e-12) else value

    def _show_settings(self, kind: str, warmup: int) -> None:
        used = set(SCHEDULE_KINDS[kind][1]) | {"warmup"} | ({"warmup_start"} if warmup else set())
        for key, box in self.boxes.items():
            self.set_row_visible(box, key in used)

    # ----- showing the model ------------------------------------------------------------------

    def set_frame(self, frame: Frame) -> None:
        """Show the run's schedule and draw η over the steps (once unfolded)."""
        if not self._deferred.put_off(self.body, "frame", lambda: self._show_frame(frame), hidden):
            self._show_frame(frame)

    def catch_up(self) -> None:
        """Show the frame that came while the section was folded."""
        self._deferred.catch_up()

    def _show_frame(self, frame: Frame) -> None:
        config = frame.config
        schedule = config.schedule
        shown = (schedule, config.learning_rate, config.schedule_start)
        if shown != self._shown:
            self._shown = shown
            index = self.kind.findData(schedule.kind)
            with QSignalBlocker(self.kind):
                self.kind.setCurrentIndex(index)
            for key, box in self.boxes.items():
                with QSignalBlocker(box):
                    box.setValue(getattr(schedule, key))
            self._show_settings(schedule.kind, schedule.warmup)
        self._frame = frame
        if self.plot is not None:
            self._draw_curve(frame)
        text = f"η now {float(f'{frame.learning_rate:.3g}'):g} · {schedule.describe()}"
        if text != self.summary.text():
            self.summary.show_text(text)

    def _draw_curve(self, frame: Frame) -> None:
        """Draw η over the steps (again only when the schedule or the span changed), and the dot."""
        config = frame.config
        horizon = curve_horizon(frame)
        key = ((config.schedule, config.learning_rate, config.schedule_start), horizon)
        if key != self._curve_key:
            self._curve_key = key
            steps = np.unique(np.linspace(0, horizon, CURVE_POINTS).astype(np.int64))
            rates = np.array([config.rate_at(int(t)) for t in steps])
            self.curve.setData(steps.astype(float), rates)
            item = self.plot.getPlotItem()
            item.setXRange(0, horizon, padding=0.02)
            top = float(rates.max()) if rates.size else 1.0
            item.setYRange(0, top * 1.08 if top > 0 else 1.0, padding=0)
        self.marker.setData([float(frame.step)], [float(frame.learning_rate)])

    def _restyle(self, theme: Theme) -> None:
        if self.plot is None:
            return  # styled when made
        self.plot.setBackground(theme.background)
        for name in ("left", "bottom"):
            axis = self.plot.getPlotItem().getAxis(name)
            axis.setPen(theme.muted)
            axis.setTextPen(theme.text)
        self.curve.setPen(pg.mkPen(theme.axis_y, width=2))
        self.marker.setSymbolBrush(theme.hiker_edge)
        self.marker.setSymbolPen(pg.mkPen(theme.background, width=1.5))
