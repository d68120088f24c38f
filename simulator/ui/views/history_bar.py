"""The history slider under the landscape: scrub to any recorded step; playing continues from there."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from simulator.engine.session import Snapshot

from ..controller import SessionController


class HistoryBar(QWidget):
    """A slider over the recorded run (earliest … furthest step) with a step label."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
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
        controller.snapshotChanged.connect(self.show_snapshot)
        controller.raceChanged.connect(self._race_changed)
        if controller.session is not None:
            self.show_snapshot(controller.snapshot())

    def show_snapshot(self, snap: Snapshot) -> None:
        """Move the slider to the snapshot's step within the recorded range."""
        session = self.controller.session
        with QSignalBlocker(self.slider):
            self.slider.setRange(session.earliest_step, max(snap.furthest_step, snap.step))
            self.slider.setValue(snap.step)
        self.label.setText(f"step {snap.step:,} of {snap.furthest_step:,}")

    def _race_changed(self, racers: list) -> None:
        """Rewind follows the single hiker: it rests while a race runs."""
        self.slider.setEnabled(not racers)
        if racers:
            self.label.setText("race: rewind after it")

    def _scrubbed(self, value: int) -> None:
        if value != self.controller.session.step_count:
            self.controller.seek(value)
