"""The controls panel docked at the side: every setting of the problem, the optimizer and the view.

It is a view like the others: it shows what it is given (``set_problem``, ``set_frame``,
``set_axes``, ``set_speed``, ``set_formula_error``) and turns each edit into one intent.
Its sections live in the modules beside this one; each lists its own ``INTENTS``, and the
panel passes their signals on under the same names, so binding the panel binds them all.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from simulator.workspace.frames import Axes, Frame, ProblemInfo

from ..theme import theme_manager, ui_font
from .initialisation import InitialisationSection
from .optimizer import OptimizerSection, RaceSection
from .problem import DatasetSection, NetworkSection, ProblemSection
from .schedule import ScheduleSection
from .view import AxesSection, SpeedSection
from .widgets import Note

MINIMUM_WIDTH = 300
FONT_SCALE = 1.1  # a little larger than the app's text: the panel is read from the back row
#: what the panel says while no lesson is open (at start-up, before the first one arrives)
EMPTY_TEXT = ("No lesson is open yet. Open one (File ▸ Open, or the lesson list) and its "
              "settings appear here.")
SECTIONS = (ProblemSection, OptimizerSection, ScheduleSection, NetworkSection,
            InitialisationSection, DatasetSection, AxesSection, SpeedSection, RaceSection)


class ControlsPanel(QWidget):
    """The scrollable side panel of settings, in folding sections.

    Its signals are its sections' (see each section's ``INTENTS``), passed on unchanged.
    """

    # ProblemSection
    networkLessonChosen = Signal(str)
    surfaceChosen = Signal(str)
    formulaEntered = Signal(str)
    # OptimizerSection
    learningRateChanged = Signal(float)
    optimizerChosen = Signal(str)
    hyperparameterChanged = Signal(str, float)
    batchSizeChanged = Signal(object)
    # ScheduleSection
    scheduleChanged = Signal(str, object)
    # NetworkSection
    hiddenActivationChosen = Signal(str)
    outputChosen = Signal(str)
    lossChosen = Signal(str)
    regularizationChosen = Signal(object, float)
    # InitialisationSection
    reinitialiseRequested = Signal(str, int)
    # DatasetSection
    datasetChosen = Signal(str)
    datasetSettingChanged = Signal(str, object)
    regenerateRequested = Signal()
    featureToggled = Signal(str)
    # AxesSection
    axisChosen = Signal(str, int)
    directionAxesChosen = Signal(str, int)
    # SpeedSection
    speedRequested = Signal(object, object)
    # RaceSection
    raceStarted = Signal(object)
    raceStopped = Signal()
    INTENTS = {signal: verb for section in SECTIONS for signal, verb in section.INTENTS.items()}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumWidth(MINIMUM_WIDTH)
        self.setFont(ui_font(FONT_SCALE))

        self.problem = ProblemSection()
        self.optimizer = OptimizerSection()
        self.schedule = ScheduleSection()
        self.network = NetworkSection()
        self.initialisation = InitialisationSection()
        self.dataset = DatasetSection()
        self.axes = AxesSection()
        self.speed = SpeedSection()
        self.race = RaceSection()
        self.sections = (self.problem, self.optimizer, self.schedule, self.network,
                         self.initialisation, self.dataset, self.axes, self.speed, self.race)
        for section in self.sections:
            for signal in section.INTENTS:
                getattr(section, signal).connect(getattr(self, signal))

        captions = [label for section in self.sections for label in section.labels()]
        width = max(label.sizeHint().width() for label in captions)
        for label in captions:
            label.setMinimumWidth(width)

        self.empty_note = Note()
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 4, 6, 8)
        column.setSpacing(6)
        column.addWidget(self.empty_note)
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

        theme_manager().changed.connect(self._restyle)
        self._show_empty(True)  # until there is a problem to set

    def _show_empty(self, empty: bool) -> None:
        """With no lesson: every control disabled, the network's hidden, and a line saying why."""
        self.empty_note.show_text(EMPTY_TEXT if empty else None)
        for section in self.sections:
            section.setEnabled(not empty)
        if empty:
            for section in (self.network, self.initialisation, self.dataset):
                section.hide()

    # ----- inbound ------------------------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Show a new problem in every section (the network ones only for a network)."""
        self._show_empty(False)
        for section in (self.problem, self.optimizer, self.network, self.initialisation,
                        self.dataset, self.axes):
            section.set_problem(info)
        self.network.setVisible(info.is_network)
        self.initialisation.setVisible(info.is_network)
        self.dataset.setVisible(info.is_network)

    def set_frame(self, frame: Frame) -> None:
        """Show the run's optimizer settings and whether a race is on (every tick)."""
        self.optimizer.set_frame(frame)
        self.schedule.set_frame(frame)
        self.race.set_frame(frame)

    def set_axes(self, axes: Axes) -> None:
        """Select the landscape's axes."""
        self.axes.set_axes(axes)

    def set_speed(self, steps: int, fps: int) -> None:
        """Show the playing speed."""
        self.speed.set_speed(steps, fps)

    def set_formula_error(self, error: str) -> None:
        """Show what is wrong with the typed formula, or clear it ("")."""
        self.problem.set_formula_error(error)

    def set_formula_working(self, text: str) -> None:
        """Say under the formula field that the typed formula is being worked out."""
        self.problem.set_formula_working(text)

    def _restyle(self, _theme=None) -> None:
        for note in self.findChildren(Note):
            note.restyle()
        self.axes.restyle()
