"""The optimizer's part of the controls: learning rate, optimizer, hyper-parameters, batch, race.

Each section shows the frames it is given and emits its ``INTENTS`` (signal → controller verb).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from simulator.workspace.choices import MAX_SAMPLES, OPTIMIZERS, OptimizerConfig
from simulator.workspace.frames import Frame, ProblemInfo
from simulator.workspace.numbers import format_editable

from ..theme import RACE_COLOURS
from .widgets import Note, NumberBox, Section, compact_combo, select_data

#: The TensorFlow Playground's learning rates.
LEARNING_RATE_PRESETS = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
SLIDER_LOW, SLIDER_HIGH = -5, 1  # the slider spans 10^-5 … 10^1
SLIDER_TICKS = 100  # slider positions per factor of ten
LR_LOW, LR_HIGH = 1e-7, 100.0  # what a lesson may hold, so the box shows it exactly

SHORT_NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
               "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
HYPER_LABELS = {"momentum": "Momentum μ", "beta1": "β₁ (beta 1)", "beta2": "β₂ (beta 2)",
                "eps": "ε (epsilon)", "rho": "ρ (rho)",
                "weight_decay": "Weight decay λ"}
DEFAULT_RACE = ("sgd", "momentum", "adam")
MAX_RACERS = 6

LR_TIP = ("The learning rate η: how far the hiker moves along the downhill slope in one step. "
          "Too small crawls, too large overshoots the valley and diverges.")


def slider_position(lr: float) -> int:
    """Return the log-slider position of a learning rate (clipped to the slider's ends)."""
    position = (math.log10(lr) - SLIDER_LOW) * SLIDER_TICKS
    return int(round(min(max(position, 0), (SLIDER_HIGH - SLIDER_LOW) * SLIDER_TICKS)))


def slider_rate(position: int) -> float:
    """Return the learning rate at a slider position, rounded to two significant digits."""
    return float(f"{10.0 ** (SLIDER_LOW + position / SLIDER_TICKS):.2g}")


def optimizer_summary(name: str) -> str:
    """Return the first line of an optimizer's description (its update rule in words)."""
    doc = OPTIMIZERS[name].__doc__ or OPTIMIZERS[name].label
    return doc.strip().splitlines()[0]


def hyper_box(name: str, key: str) -> NumberBox:
    """Return a number box for one hyper-parameter, with its range and meaning as a tooltip."""
    default, low, high, meaning = OPTIMIZERS[name].hyper[key]
    if default < 1e-3:
        box = NumberBox(low, high, log_steps=True)
    else:
        box = NumberBox(low, high, step=(1.0 - default) / 10 if default < 1 else 0.1)
    box.setValue(default)
    box.setToolTip(f"{HYPER_LABELS.get(key, key)} of {OPTIMIZERS[name].label}: {meaning}. "
                   f"From {format_editable(low)} to {format_editable(high)}; "
                   f"usually {format_editable(default)}. Type a value and press Enter.")
    return box


class OptimizerSection(Section):
    """Learning rate (log slider, exact box, presets), optimizer, its hyper-parameters, batch."""

    learningRateChanged = Signal(float)
    optimizerChosen = Signal(str)
    hyperparameterChanged = Signal(str, float)
    batchSizeChanged = Signal(object)  # a number of points, or None for the full batch
    INTENTS = {"learningRateChanged": "set_learning_rate", "optimizerChosen": "set_optimizer",
               "hyperparameterChanged": "set_hyperparameter",
               "batchSizeChanged": "set_batch_size"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Optimizer", "How the hiker steps: its learning rate and update rule.",
                         parent=parent)
        self._config: OptimizerConfig | None = None
        self._batch: int | None = None

        self.lr_box = NumberBox(LR_LOW, LR_HIGH, presets=LEARNING_RATE_PRESETS)
        self.lr_box.setValue(0.1)
        self.lr_box.setToolTip(LR_TIP + " Type an exact value (0.05, 1e-4) and press Enter; "
                               "the arrows step through the presets.")
        self.add_row("Learning rate η", self.lr_box)

        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setRange(0, (SLIDER_HIGH - SLIDER_LOW) * SLIDER_TICKS)
        self.lr_slider.setPageStep(SLIDER_TICKS // 2)
        self.lr_slider.setTickInterval(SLIDER_TICKS)
        self.lr_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.lr_slider.setToolTip(LR_TIP + " Drag from 0.00001 (left) to 10 (right); each tick "
                                  "is ten times the one before.")
        self.lr_slider.valueChanged.connect(self._slider_moved)
        slider_row = QWidget()
        row = QHBoxLayout(slider_row)
        row.setContentsMargins(0, 0, 0, 0)
        ends = []
        for text in ("0.00001", "10"):
            end = QLabel(text)
            end.setToolTip("The ends of the learning-rate slider")
            ends.append(end)
        row.addWidget(ends[0])
        row.addWidget(self.lr_slider, 1)
        row.addWidget(ends[1])
        self.add_wide(slider_row)

        self.lr_presets = compact_combo("The learning rates the TensorFlow Playground offers: "
                                        "pick one to use it at once.", 6)
        for value in LEARNING_RATE_PRESETS:
            self.lr_presets.addItem(format_editable(value), value)
        self.lr_presets.setPlaceholderText("other")
        self.lr_presets.activated.connect(self._preset_chosen)
        self.add_row("Preset", self.lr_presets)
        self.lr_box.valueChanged.connect(self._box_changed)

        self.optimizer = compact_combo("The update rule that turns the slope into a step. "
                                       "Switching keeps the hiker where it is.", 10)
        for name, cls in OPTIMIZERS.items():
            self.optimizer.addItem(cls.label, name)
            self.optimizer.setItemData(self.optimizer.count() - 1, optimizer_summary(name),
                                       Qt.ItemDataRole.ToolTipRole)
        self.optimizer.activated.connect(self._optimizer_chosen)
        self.add_row("Optimizer", self.optimizer)

        self.hyper: dict[str, dict[str, NumberBox]] = {}
        for name, cls in OPTIMIZERS.items():
            boxes = {}
            for key in cls.hyper:
                box = hyper_box(name, key)
                box.valueChanged.connect(lambda value, k=key: self._hyper_changed(k, value))
                self.add_row(HYPER_LABELS.get(key, key), box)
                boxes[key] = box
            self.hyper[name] = boxes

        self.batch = QSpinBox()
        self.batch.setRange(0, MAX_SAMPLES)
        self.batch.setSpecialValueText("Full batch")
        self.batch.setKeyboardTracking(False)
        self.batch.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.batch.setToolTip("How many training points each step looks at. Full batch uses "
                              "them all (a smooth path); a small batch gives a quicker, noisier "
                              "step (stochastic gradient descent). Press Enter to apply.")
        self.batch.valueChanged.connect(self._batch_changed)
        self.add_row("Batch size", self.batch)
        self._show_hyper(self.optimizer.currentData())

    # ----- edits ------------------------------------------------------------------------------

    def _apply_rate(self, lr: float) -> None:
        self._show_rate(lr)
        self.learningRateChanged.emit(lr)

    def _slider_moved(self, position: int) -> None:
        self._apply_rate(slider_rate(position))

    def _box_changed(self, value: float) -> None:
        if value > 0:
            self._apply_rate(value)

    def _preset_chosen(self, index: int) -> None:
        self._apply_rate(float(self.lr_presets.itemData(index)))

    def _optimizer_chosen(self, index: int) -> None:
        name = self.optimizer.itemData(index)
        self._show_hyper(name)
        self.optimizerChosen.emit(name)

    def _hyper_changed(self, key: str, value: float) -> None:
        self.hyperparameterChanged.emit(key, value)

    def _batch_changed(self, value: int) -> None:
        self.batchSizeChanged.emit(None if value == 0 else value)

    # ----- showing the model ------------------------------------------------------------------

    def _show_rate(self, lr: float) -> None:
        with QSignalBlocker(self.lr_box), QSignalBlocker(self.lr_slider):
            self.lr_box.setValue(lr)
            # A slider position stands for a rounded rate: leave it where it is if it
            # already means this rate, so a drag never jumps back a tick.
            if slider_rate(self.lr_slider.value()) != lr:
                self.lr_slider.setValue(slider_position(lr))
        preset = next((k for k, p in enumerate(LEARNING_RATE_PRESETS)
                       if math.isclose(p, lr, rel_tol=1e-9)), -1)
        with QSignalBlocker(self.lr_presets):
            self.lr_presets.setCurrentIndex(preset)

    def _show_hyper(self, name: str) -> None:
        for optimizer, boxes in self.hyper.items():
            for box in boxes.values():
                self.set_row_visible(box, optimizer == name)

    def set_frame(self, frame: Frame) -> None:
        """Show the run's optimizer settings (cheap when nothing changed: called every frame)."""
        config = frame.config
        if config != self._config:
            self._config = config
            self._show_rate(config.learning_rate)
            select_data(self.optimizer, config.name)
            self._show_hyper(config.name)
            values = dict(config.hyper)
            for key, box in self.hyper[config.name].items():
                with QSignalBlocker(box):
                    box.setValue(values.get(key, OPTIMIZERS[config.name].hyper[key][0]))
        if frame.batch_size != self._batch or self.batch.value() != (frame.batch_size or 0):
            self._batch = frame.batch_size
            with QSignalBlocker(self.batch):
                self.batch.setValue(frame.batch_size or 0)

    def set_problem(self, info: ProblemInfo) -> None:
        """Enable the batch size for networks only; it can be at most the training set."""
        training = info.problem.dataset.x_train.shape[0] if info.is_network else 0
        self.batch.setEnabled(info.is_network)
        with QSignalBlocker(self.batch):
            self.batch.setMaximum(max(1, training) if info.is_network else MAX_SAMPLES)
            self.batch.setValue(self._batch or 0)


class RaceRow:
    """One hiker of a race being set up: its colour and optimizer."""

    def __init__(self, name: str, on_remove):
        self.swatch = QLabel()
        self.swatch.setFixedSize(16, 16)
        self.swatch.setToolTip("This hiker's colour on the landscape and in the loss plot")
        self.optimizer = compact_combo("The optimizer this hiker uses in the race", 6)
        for key, cls in OPTIMIZERS.items():
            self.optimizer.addItem(SHORT_NAMES.get(key, cls.label), key)
            self.optimizer.setItemData(self.optimizer.count() - 1, optimizer_summary(key),
                                       Qt.ItemDataRole.ToolTipRole)
        select_data(self.optimizer, name)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Take this hiker out of the race")
        self.remove.clicked.connect(lambda: on_remove(self))

    def widgets(self) -> tuple[QWidget, ...]:
        """Return the row's widgets, left to right."""
        return self.swatch, self.optimizer, self.remove

    def name(self) -> str:
        """Return the name of this hiker's optimizer."""
        return self.optimizer.currentData()


class RaceSection(Section):
    """Set up 2–6 hikers with different optimizers and start them from the same point.

    Every hiker starts at the run's learning rate, so the race compares update rules alone.
    """

    raceStarted = Signal(object)  # the optimizers' names, one per hiker
    raceStopped = Signal()
    INTENTS = {"raceStarted": "start_race", "raceStopped": "stop_race"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Race", "Several hikers with different optimizers start from the same "
                         "point, so you can compare them.", expanded=False, parent=parent)
        self.rows: list[RaceRow] = []
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        self.add_wide(self.grid_host)
        self.rate_note = Note("info")
        self.add_wide(self.rate_note)

        self.add_button = QPushButton("Add a hiker")
        self.add_button.setToolTip(f"Add another hiker to the race (up to {MAX_RACERS})")
        self.add_button.clicked.connect(lambda: self._add_row("sgd"))
        self.start_button = QPushButton("Start race")
        self.start_button.setToolTip("Put these hikers at the current point and race them: "
                                     "press Play to watch, Reset to start the race again")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop race")
        self.stop_button.setToolTip("End the race and go back to the single hiker")
        self.stop_button.clicked.connect(self.raceStopped)
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 4, 0, 0)
        for button in (self.add_button, self.start_button, self.stop_button):
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            row.addWidget(button)
        self.add_wide(buttons)
        for name in DEFAULT_RACE:
            self._add_row(name)
        self._show_racing(False)

    def _add_row(self, name: str) -> None:
        if len(self.rows) >= MAX_RACERS:
            return
        self.rows.append(RaceRow(name, self._remove_row))
        self._lay_out()

    def _remove_row(self, row: RaceRow) -> None:
        if len(self.rows) <= 2:
            return
        self.rows.remove(row)
        for widget in row.widgets():
            self.grid.removeWidget(widget)
            widget.hide()
            widget.setParent(None)  # gone now: a deferred delete would still be drawn
            widget.deleteLater()
        self._lay_out()

    def _lay_out(self) -> None:
        for row in self.rows:
            for widget in row.widgets():
                self.grid.removeWidget(widget)
        for k, row in enumerate(self.rows):
            for column, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, k, column)
            row.swatch.setStyleSheet(f"background: {RACE_COLOURS[k]}; border-radius: 8px;")
            row.remove.setEnabled(len(self.rows) > 2)
        self.add_button.setEnabled(len(self.rows) < MAX_RACERS)

    def names(self) -> list[str]:
        """Return the optimizer of each hiker, in the rows' order."""
        return [row.name() for row in self.rows]

    def start(self) -> None:
        """Ask for the race with these rows."""
        self.raceStarted.emit(self.names())

    def set_frame(self, frame: Frame) -> None:
        """Show whether a race is on, and the learning rate its hikers start at."""
        self._show_racing(bool(frame.racers))
        rate = frame.racers[0].learning_rate if frame.racers else frame.config.learning_rate
        self.rate_note.show_text(f"Every hiker starts at the learning rate η = "
                                 f"{format_editable(rate)}.")

    def _show_racing(self, racing: bool) -> None:
        self.start_button.setText("Restart race" if racing else "Start race")
        self.stop_button.setEnabled(racing)
