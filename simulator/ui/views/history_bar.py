"""The history slider under the landscape: scrub to any recorded step; playing continues from there."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


class HistoryBar(QWidget):
    """A slider over the recorded run (earliest … furthest step) with a step label.

    Signals
    -------
    seekRequested(int)
        Put the run back in its exact state at this recorded step.
    """

    seekRequested = Signal(int)
    INTENTS = {"seekRequested": "seek"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._step: int | None = None  # the step on screen
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        title = QLabel("History")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag to rewind to any earlier step, exactly as it was; "
                               "Play continues from there. Left arrow steps back one.")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to step / step back
        self.label = QLabel()
        # A fixed width, so a longer step number does not re-lay out the window each frame.
        widest = "step 10,000,000 of 10,000,000"
        self.label.setFixedWidth(self.label.fontMetrics().horizontalAdvance(widest) + 8)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._scrubbed)

    def set_frame(self, frame) -> None:
        """Move the slider to the frame's step within the recorded range.

        Rewind follows the single hiker: it rests while a race runs.
        """
        self._step = frame.step
        with QSignalBlocker(self.slider):
            self.slider.setRange(frame.earliest_step, max(frame.furthest_step, frame.step))
            self.slider.setValue(frame.step)
        racing = bool(frame.racers)
        self.slider.setEnabled(not racing)
        # Step counts are whole numbers, grouped by thousands to read at a glance.
        self.label.setText("race: rewind after it" if racing else
                           f"step {frame.step:,} of {frame.furthest_step:,}")

    def _scrubbed(self, value: int) -> None:
        if value != self._step:
            self._step = value
            self.seekRequested.emit(value)
