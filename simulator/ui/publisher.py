"""The controller's outgoing half: its signals, and what goes out when, once, to the views.

``Publisher`` is ``SessionController``'s base. It holds the workspace and the services
that compute for the views off the GUI thread (``GridService``, ``BackgroundWork``,
``ExactNudges``) and the play timer with its speed, and publishes what changed since
the views were last told: a new ``ProblemInfo``, new ``Axes``, the lesson's frame, then
a ``Frame``.

Pacing (``workspace.pacing``): while playing, ``frameChanged`` fires every tick;
``paintFrame`` (the loss curve, the gradients) and ``diagramFrame`` (the network diagram,
with its sample trace) at their own pace and in ticks of their own; the neuron maps and
the moving grids are asked for at theirs. A pause or a step shows everything at once.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from simulator.workspace.frames import Frame
from simulator.workspace.pacing import PACE_MS, Pacing
from simulator.workspace.play_rules import MAX_FPS, faster, slower
from simulator.workspace.terrain import quietly
from simulator.workspace.workspace import Workspace

from .exact_nudges import ExactNudges
from .grids import BackgroundWork, FormulaBuilds, GridService


class Publisher(QObject):
    """The signals views subscribe to, and the sending of what changed (the controller's base).

    Signals
    -------
    problemChanged(ProblemInfo)
        A new problem (lesson loaded, network reshaped, dataset or formula changed).
    frameChanged(Frame)
        θ, loss, step or settings changed (every play tick).
    paintFrame(Frame)
        The same, at most every ``PACE_MS["paint"]`` ms while playing (costly views).
    diagramFrame(Frame)
        The same for the network diagram, at most every ``PACE_MS["diagram"]`` ms while
        playing, in another tick than ``paintFrame``.
    axesChanged(Axes)
        The landscape's axes changed.
    landscapeReady(LandscapeGrid), decisionReady(DecisionMap), neuronMapsReady(NeuronMaps),
    traceReady(SampleTrace)
        A background result arrived.
    playingChanged(bool), speedChanged(int, int)
        Play state; steps per frame and frames per second.
    message(str, str)
        (level, text) for the user; level "info" (in passing), "note" (worth reading: what
        else a choice changed), "warning" or "error".
    fileChanged(str)
        The lesson now lives in this file.
    formulaChecked(str)
        What is wrong with a typed formula, or "" when it was taken.
    formulaWorking(str)
        A new formula (typed, or a lesson's) is being worked out off the GUI thread (the
        text says so; "" when that stopped without a result).
    nudgeReady((θ, NudgeNumbers))
        A paused frame's nudge, worked out in exact fractions in the pool (``ExactNudges``).
    lessonChanged(LessonFrame)
        The lesson's texts or the step entered changed.
    stepperChanged(StepperFrame or None)
        The backprop stepper's walk or its operation changed (sent while a view wants the
        stepper; ``None`` when none does any more).
    """

    problemChanged = Signal(object)
    frameChanged = Signal(object)
    paintFrame = Signal(object)
    diagramFrame = Signal(object)
    axesChanged = Signal(object)
    landscapeReady = Signal(object)
    decisionReady = Signal(object)
    neuronMapsReady = Signal(object)
    traceReady = Signal(object)
    playingChanged = Signal(bool)
    speedChanged = Signal(int, int)
    message = Signal(str, str)
    fileChanged = Signal(str)
    formulaChecked = Signal(str)
    formulaWorking = Signal(str)
    nudgeReady = Signal(object)
    lessonChanged = Signal(object)
    stepperChanged = Signal(object)

    def __init__(self, parent: QObject | None = None, workspace: Workspace | None = None):
        super().__init__(parent)
        self.workspace = workspace or Workspace()
        self.grids = GridService(self)
        self.background = BackgroundWork(self.workspace, self.grids)
        self.workspace.exact_nudge_in_frames = False  # worked out in the pool instead:
        self.nudges = ExactNudges(self.grids, self.nudgeReady.emit, self._say)
        self.grids.ready.connect(self._grid_ready)
        self._timer = QTimer(self)  # the play timer: the controller starts it, runs its ticks
        self.steps_per_frame, self.fps = 1, 30
        self._timer.setInterval(1000 // self.fps)
        self._seen: tuple = (None, None)  # the problem revision and axes views last got
        self._seen_lesson: int | None = None  # the lesson revision views last got
        self._frame: Frame | None = None
        self._stepper_wanted = False  # the stepper's walk is made only while it is shown
        self._stepper_sent = None
        self.pacing = Pacing()
        self._late: dict[str, QTimer] = {}  # each asks the pacing again once its wait is over
        for key in PACE_MS:
            timer = self._late[key] = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda k=key: self._paced(k, late=True))

    @property
    def playing(self) -> bool:
        """Return whether the play timer runs."""
        return self._timer.isActive()

    @property
    def ready(self) -> bool:
        """Return whether a lesson is open."""
        return self.workspace.ready

    @property
    def path(self) -> str | None:
        """Return the file the lesson was opened from or saved to."""
        return self.workspace.path

    def frame(self) -> Frame:
        """Return the frame last published (for a view that starts late)."""
        return self._frame if self._frame is not None else self.workspace.frame(self.playing)

    def _say(self, refusal: str) -> None:
        self.message.emit("error" if "Could not" in refusal else "warning", refusal)

    @quietly  # views draw a diverged run's numbers without float warnings
    def _publish(self) -> Frame:
        """Emit what changed since views were last told: problem, axes, then the frame."""
        ws = self.workspace
        if not ws.ready:
            return None
        revision, axes = self._seen
        if ws.revision != revision:
            self.background.forget()
            self.problemChanged.emit(ws.problem_info())
            self.speedChanged.emit(self.steps_per_frame, self.fps)
        if ws.revision != revision or ws.axes is not axes:
            self._seen = (ws.revision, ws.axes)
            self.axesChanged.emit(ws.axes)
            self.background.landscape()
        if ws.lesson_revision != self._seen_lesson:
            self._seen_lesson = ws.lesson_revision
            self.lessonChanged.emit(ws.lesson_frame())
        frame = self._frame = ws.frame(self.playing)
        self.frameChanged.emit(frame)
        if self.playing:
            self.nudges.cancel()
            self.pacing.new_tick()
            for key in PACE_MS:
                self._paced(key)
        else:
            self.nudges.request(ws.exact_nudge_stage)
            for key in PACE_MS:
                self._paced(key, force=True)
        return frame

    @quietly  # views draw a diverged run's numbers without float warnings
    def _paced(self, key: str, force: bool = False, late: bool = False) -> None:
        """Send one paced thing now, or once its interval has passed (the latest frame then).

        ``late``: its timer fired after the interval, between ticks; ``force``: now, whatever.
        """
        wait = self.pacing.wait(key, time.monotonic(), self._timer.interval(), force, late)
        if wait is not None:
            if not self._late[key].isActive():
                self._late[key].start(wait)
            return
        self._late[key].stop()
        frame = self._frame
        if frame is None or not self.workspace.ready:
            return
        if key == "paint":
            self.paintFrame.emit(frame)
        elif key == "diagram":
            self.diagramFrame.emit(frame)
            self.background.trace()
            self._publish_stepper()
        elif key == "neurons":
            self.background.neuron_maps()
        else:
            recentred = self.background.moving_grids(self.playing)
            if recentred:
                self._seen = (self._seen[0], self.workspace.axes)
                self.axesChanged.emit(self.workspace.axes)

    @quietly  # views draw a diverged run's numbers without float warnings
    def _grid_ready(self, channel: str, result: object) -> None:
        if channel in (FormulaBuilds.CHANNEL, ExactNudges.CHANNEL):
            return  # theirs
        if isinstance(result, Exception):
            self.message.emit("error", f"Could not compute the {channel}: {result}")
            return
        {"landscape": self.landscapeReady, "decision": self.decisionReady,
         "neurons": self.neuronMapsReady, "trace": self.traceReady}[channel].emit(result)

    def replay_state(self) -> None:
        """Emit the whole current state again (for views created after the lesson)."""
        self._seen, self._seen_lesson = (None, None), None
        self._stepper_sent = None
        self.speedChanged.emit(self.steps_per_frame, self.fps)
        self._publish()

    # ----- the playing speed, and what views want drawn (not edits) ---------------------------

    def set_speed(self, steps_per_frame: int | None = None, fps: int | None = None) -> None:
        """Set steps per frame and frames per second (separate settings)."""
        if steps_per_frame is not None:
            self.steps_per_frame = int(min(max(steps_per_frame, 1), 10_000))
        if fps is not None:
            self.fps = int(min(max(fps, 1), MAX_FPS))
            self._timer.setInterval(max(1, round(1000 / self.fps)))
        self.speedChanged.emit(self.steps_per_frame, self.fps)

    def faster(self) -> None:
        """Next speed up (+)."""
        self.set_speed(faster(self.steps_per_frame))

    def slower(self) -> None:
        """Next speed down (−)."""
        self.set_speed(slower(self.steps_per_frame))

    def preview_weight(self, index: int, value: float | None) -> None:
        """Show the diagram as if θ[index] were ``value`` while it is dragged (None: stop)."""
        self.background.preview = None if value is None else (int(index), float(value))
        self.background.trace()
        self.background.neuron_maps()

    def want_neuron_maps(self, wanted: bool) -> None:
        """Say whether a view draws the neuron maps (they are computed only then)."""
        self.background.neuron_maps_wanted = bool(wanted)
        if wanted and self.ready:
            self.background.neuron_maps()

    def want_stepper(self, wanted: bool) -> None:
        """Say whether the stepper is shown (its walk is made and sent only then)."""
        self._stepper_wanted = bool(wanted)
        if wanted:
            self._publish_stepper()
        else:
            self._stepper_sent = None
            self.stepperChanged.emit(None)

    def _publish_stepper(self) -> None:
        """Send the stepper's frame if it is wanted and changed (one emission per change)."""
        if not self._stepper_wanted or not self.ready:
            return
        frame = self.workspace.stepper_frame()
        if frame is not self._stepper_sent:
            self._stepper_sent = frame
            self.stepperChanged.emit(frame)
