"""The controls panel docked at the side: every setting of the problem, the optimizer and the view.

It is a view like the others: it shows the controller's state (``problemChanged``,
``snapshotChanged``, ``axesChanged``, ``speedChanged``, ``raceChanged``) and turns each
edit into one controller call. Its sections live in ``controls_*`` modules.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from simulator.workspace.frames import ProblemInfo

from ..theme import theme_manager, ui_font
from .optimizer import OptimizerSection, RaceSection
from .problem import DatasetSection, NetworkSection, ProblemSection
from .view import AxesSection, SpeedSection
from .widgets import Note

MINIMUM_WIDTH = 300
FONT_SCALE = 1.1  # a little larger than the app's text: the panel is read from the back row


class ControlsPanel(QWidget):
    """The scrollable side panel of settings, in folding sections."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setMinimumWidth(MINIMUM_WIDTH)
        self.setFont(ui_font(FONT_SCALE))

        self.problem = ProblemSection(controller)
        self.optimizer = OptimizerSection(controller)
        self.network = NetworkSection(controller)
        self.dataset = DatasetSection(controller)
        self.axes = AxesSection(controller)
        self.speed = SpeedSection(controller)
        self.race = RaceSection(controller)
        self.sections = (self.problem, self.optimizer, self.network, self.dataset, self.axes,
                         self.speed, self.race)

        captions = [label for section in self.sections for label in section.labels()]
        width = max(label.sizeHint().width() for label in captions)
        for label in captions:
            label.setMinimumWidth(width)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 4, 6, 8)
        column.setSpacing(6)
        for section in self.sections:
            column.addWidget(section)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(content)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

        controller.problemChanged.connect(self._problem_changed)
        controller.snapshotChanged.connect(self.optimizer.show_snapshot)
        controller.axesChanged.connect(self.axes.show_axes)
        controller.speedChanged.connect(self.speed.show_speed)
        controller.raceChanged.connect(self.race.show_race)
        theme_manager().changed.connect(self._restyle)

        if controller.session is not None:
            self._problem_changed(ProblemInfo(controller.lesson, controller.problem,
                                              tuple(controller.problem.names)))
            self.axes.show_axes(controller.axes)
            self.optimizer.show_snapshot(controller.snapshot())
            self.race.show_race(controller.racers)
        else:
            self.setEnabled(False)

    def _problem_changed(self, info: ProblemInfo) -> None:
        self.setEnabled(True)
        self.problem.show_problem(info)
        self.network.show_problem(info)
        self.dataset.show_problem(info)
        self.axes.show_problem(info)
        training = info.problem.dataset.x_train.shape[0] if info.is_network else 0
        self.optimizer.show_problem(info.is_network, training)
        self.network.setVisible(info.is_network)
        self.dataset.setVisible(info.is_network)

    def _restyle(self, _theme=None) -> None:
        for note in self.findChildren(Note):
            note.restyle()
        self.axes.restyle()
