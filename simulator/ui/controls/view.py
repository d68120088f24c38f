"""The view's part of the controls: the landscape's two axes and the playing speed.

Each section shows what it is given and emits its ``INTENTS`` (signal → controller verb).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QSpinBox, QWidget

from simulator.workspace.frames import Axes, ProblemInfo
from simulator.workspace.play_rules import MAX_FPS, SPEEDS

from ..theme import current_theme
from .widgets import Note, Section, compact_combo

MAX_STEPS_PER_FRAME = SPEEDS[-1]  # the spin box tops out at the fastest speed + reaches


class AxesSection(Section):
    """Which two parameters (or directions) the landscape is drawn over."""

    axisChosen = Signal(str, int)  # "x" or "y", a θ index
    directionAxesChosen = Signal(str, int)  # "random" or "pca", a seed
    INTENTS = {"axisChosen": "set_axis", "directionAxesChosen": "set_direction_axes"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Landscape axes", "What the landscape's two axes show.", parent=parent)
        self._names: tuple[str, ...] = ()
        self._random_seed = 0
        self.x = compact_combo("The parameter along the landscape's horizontal axis; the "
                               "loss is drawn as it would be if only these two changed.", 6)
        self.x.setMaxVisibleItems(20)
        self.x.activated.connect(lambda index: self.axisChosen.emit("x", index))
        self.y = compact_combo("The parameter along the landscape's vertical axis; choosing "
                               "the X parameter here swaps the two.", 6)
        self.y.setMaxVisibleItems(20)
        self.y.activated.connect(lambda index: self.axisChosen.emit("y", index))
        self.x_label = self.add_row("X axis", self.x)
        self.y_label = self.add_row("Y axis", self.y)

        self.random = QPushButton("Random directions")
        self.random.setToolTip("Draw the landscape along two random directions through all "
                               "the weights at once (each click draws two new ones)")
        self.random.clicked.connect(self._random)
        self.pca = QPushButton("PCA of the path")
        self.pca.setToolTip("Draw the landscape along the two directions in which the hiker's "
                            "path has moved most so far (take some steps first)")
        self.pca.clicked.connect(lambda: self.directionAxesChosen.emit("pca", 0))
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.random)
        row.addWidget(self.pca)
        self.add_wide(buttons)
        self.note = Note("info")
        self.add_wide(self.note)
        self._is_network = False
        self.restyle()

    def _random(self) -> None:
        self._random_seed += 1
        self.directionAxesChosen.emit("random", self._random_seed)

    def restyle(self) -> None:
        """Colour the axis labels as the landscape colours its axes."""
        theme = current_theme()
        self.x_label.setStyleSheet(f"color: {theme.axis_x}; font-weight: bold;")
        self.y_label.setStyleSheet(f"color: {theme.axis_y}; font-weight: bold;")

    def set_problem(self, info: ProblemInfo) -> None:
        """List the problem's parameters in both axis choosers."""
        self._is_network = info.is_network
        if info.names != self._names:
            self._names = info.names
            for combo in (self.x, self.y):
                with QSignalBlocker(combo):
                    combo.clear()
                    for k, name in enumerate(info.names):
                        combo.addItem(name, k)
        several = len(info.names) > 1
        self.y.setEnabled(several)
        self.random.setEnabled(several)
        self.pca.setEnabled(several)

    def set_axes(self, axes: Axes) -> None:
        """Select the axes now drawn (directions show their names instead of a parameter)."""
        if axes is None:
            return
        if axes.kind == "parameters":
            for combo, index in ((self.x, axes.x), (self.y, axes.y)):
                with QSignalBlocker(combo):
                    combo.setCurrentIndex(index if index < combo.count() else -1)
        else:
            for combo, label in zip((self.x, self.y), axes.labels, strict=True):
                with QSignalBlocker(combo):
                    combo.setCurrentIndex(-1)
                    combo.setPlaceholderText(label)
        if axes.is_curve:
            text = "One variable: the landscape is the curve of J against it."
        elif axes.kind == "random":
            text = "Two random directions through all the weights at once."
        elif axes.kind == "pca":
            text = "The two directions the path has moved most in so far."
        elif self._is_network:
            text = "A slice through the current weights: it changes as the other weights learn."
        else:
            text = None
        self.note.show_text(text)


class SpeedSection(Section):
    """How fast Play goes: engine steps per frame and frames per second (separate settings)."""

    speedRequested = Signal(object, object)  # steps per frame, frames per second (None: keep)
    INTENTS = {"speedRequested": "set_speed"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Speed", "How fast Play goes.", parent=parent)
        self.steps = QSpinBox()
        self.steps.setRange(1, MAX_STEPS_PER_FRAME)
        self.steps.setToolTip(f"How many optimizer steps each frame of Play takes "
                              f"(1–{MAX_STEPS_PER_FRAME}); more is faster but jumps further "
                              f"between pictures. Keys + and − change it too.")
        self.steps_slider = QSlider(Qt.Orientation.Horizontal)
        self.steps_slider.setRange(0, len(SPEEDS) - 1)
        self.steps_slider.setPageStep(1)
        self.steps_slider.setToolTip("Steps per frame: " + ", ".join(map(str, SPEEDS)))
        self.fps = QSpinBox()
        self.fps.setRange(1, MAX_FPS)
        self.fps.setSuffix(" /s")
        self.fps.setToolTip(f"How many pictures Play draws each second (1–{MAX_FPS}); "
                            "fewer lets you follow each step.")
        self.fps_slider = QSlider(Qt.Orientation.Horizontal)
        self.fps_slider.setRange(1, MAX_FPS)
        self.fps_slider.setToolTip(self.fps.toolTip())
        for box in (self.steps, self.fps):
            box.setKeyboardTracking(False)
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.setMinimumWidth(70)
        self.add_row("Steps per frame", self._pair(self.steps_slider, self.steps),
                     self.steps.toolTip())
        self.add_row("Frames per second", self._pair(self.fps_slider, self.fps),
                     self.fps.toolTip())
        self.rate = Note("info")
        self.add_wide(self.rate)
        self.steps.valueChanged.connect(lambda v: self.speedRequested.emit(v, None))
        self.steps_slider.valueChanged.connect(
            lambda k: self.speedRequested.emit(SPEEDS[k], None))
        self.fps.valueChanged.connect(lambda v: self.speedRequested.emit(None, v))
        self.fps_slider.valueChanged.connect(lambda v: self.speedRequested.emit(None, v))

    @staticmethod
    def _pair(slider: QSlider, box: QSpinBox) -> QWidget:
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(slider, 1)
        row.addWidget(box)
        return host

    def set_speed(self, steps: int, fps: int) -> None:
        """Show the speed settings and how many steps a second they make."""
        index = max(k for k, s in enumerate(SPEEDS) if s <= steps or k == 0)
        for widget, value in ((self.steps, steps), (self.steps_slider, index),
                              (self.fps, fps), (self.fps_slider, fps)):
            with QSignalBlocker(widget):
                widget.setValue(value)
        self.rate.show_text(f"About {steps * fps:,} steps a second while playing.")
