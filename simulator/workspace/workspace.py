"""The workspace: the lesson, its problem, the run, the landscape's axes and the racers.

It is the app's model, with no Qt: every verb a control or a view can ask for is a
method here. A verb changes the state and returns nothing, or raises ``EditError``
with a message for the user and changes nothing (the new state is built and checked
first, then swapped in). ``frame()`` returns what views draw now. ``memento()`` and
``restore()`` give undo a copy of the state to go back to, so an undo never depends on
which ``Session`` object is live.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from simulator.engine.initializers import INITIALIZERS
from simulator.engine.landscape import filter_normalized_directions, pca_directions
from simulator.engine.metrics import Metrics
from simulator.engine.optimizers import OPTIMIZERS, OptimizerError
from simulator.engine.problems import NetworkProblem, Problem
from simulator.engine.schedules import ScheduleError, make_schedule
from simulator.engine.session import OptimizerConfig, Session
from simulator.lessons.building import build_problem, landscape_axes, optimizer_config
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, save_lesson, write_text_atomically
from simulator.lessons.model import (
    MAX_STEP_TEXT,
    DatasetSpec,
    ExpressionSpec,
    Lesson,
    NetworkSpec,
    OptimizerSpec,
    as_tuples,
)

from . import network_edits
from .diagnosis import FLAT_SLOPE, judge
from .errors import EditError
from .formula import build_formula_model
from .formula_builds import BuiltFormula, Change, analysed, formula_of, restarted
from .formula_text import DEFAULT_EPSILON, parse_epsilon
from .frames import Axes, Frame, LessonFrame, OptimizerMemory, ProblemInfo, Racer
from .grid_requests import (
    GridRequest,
    decision_request,
    landscape_request,
    neuron_maps_request,
    sample_trace_request,
)
from .lesson_steps import StepRunner, check_steps, shown_at
from .markdown import to_rich_text
from .numbers import format_number
from .stepper_state import StepperState
from .table_import import ImportedPoints, points_csv

CONVERGED_GRADIENT = FLAT_SLOPE  # a slope flatter than this counts as the bottom: "converged"
MAX_RACERS = 6
DRAWABLE = 1e150  # the landscape's axes stay within ±this


@dataclass(frozen=True)
class Memento:
    """A copy of the workspace's state to go back to: the lesson with θ as its start.

    ``lesson`` holds the problem (with the current weights or start), the optimizer
    settings and the batch size; ``axes`` names the landscape's parameters;
    ``schedule_start`` is the step the learning-rate schedule counts from; ``formula`` is
    a formula's problem and model at that start, built already.
    """

    lesson: Lesson
    axes: tuple[str, str] | None
    schedule_start: int = 0
    formula: BuiltFormula | None = field(default=None, compare=False)  # built: no sympy to go back


def describe_divergence(frame: Frame) -> str:
    """Return a sentence that explains a divergence in words (no NaN in it)."""
    lr = frame.config.learning_rate
    if frame.config.schedule.varies and frame.diverged_at:  # the η of the step that diverged
        lr = frame.config.rate_at(frame.diverged_at - 1)
    if frame.diverged_loss is not None:
        grew = (f"the loss went from {format_number(frame.start_loss, 3)} to "
                f"{format_number(frame.diverged_loss, 3)}")
    else:
        grew = (f"the loss went from {format_number(frame.start_loss, 3)} past the largest number "
                f"a computer can hold")
    return (f"Diverged at step {frame.diverged_at}: with learning rate {lr:g} each step "
            f"overshoots the valley; {grew}. Rewind or lower the learning rate.")


def describe_convergence(frame: Frame) -> str:
    """Return the sentence said when the hiker reaches a flat spot."""
    return (f"Converged at step {frame.step}: the slope is flat "
            f"(|∇L| = {frame.gradient_norm:.2g}).")


def drawable_span(span: tuple[float, float]) -> tuple[float, float]:
    """Return a range the landscape can draw: within ±``DRAWABLE``, and wide enough to resolve.

    A lesson may ask for ±1e308 (a grid's spacing would overflow) or start at 1e200
    (start ± 4 is one float); the drawing keeps what it can.
    """
    low, high = (float(np.clip(v, -DRAWABLE, DRAWABLE)) for v in span)
    centre = 0.5 * low + 0.5 * high
    if not high - low > 1e-9 * max(1.0, abs(centre)):
        half = max(4.0, 1e-3 * abs(centre))
        low, high = centre - half, centre + half
    return (low, high)


def safe_file_name(title: str) -> str:
    """Return a lesson title as a file name every system accepts: ``xor-a-network``."""
    kept = "".join(c if c.isalnum() else "-" for c in title.lower())
    name = "-".join(part for part in kept.split("-") if part)[:40].strip("-")
    return name or "lesson"


class Workspace:
    """One open lesson and everything done with it since it was opened."""

    def __init__(self) -> None:
        self.lesson: Lesson | None = None
        self.problem = None
        self.session: Session | None = None
        self.axes: Axes | None = None
        self.path: str | None = None
        self.racers: list[tuple[str, Session]] = []
        self._race_start: np.ndarray | None = None  # where every racer set off
        self.sample = 0  # the training sample the diagram and the stepper follow
        self.revision = 0  # grows with each new problem
        self._info: ProblemInfo | None = None
        self._formula: BuiltFormula | None = None  # the formula's problem and model, once made
        self.epsilon_text = DEFAULT_EPSILON  # the nudge test's ε, as typed
        self._epsilon = None  # the same as an exact number, made when a formula first needs it
        self.nudge_variable = 0  # which variable the nudge test moves
        # whether a paused frame's nudge is worked out exactly here (the window asks the
        # pool for it instead, with exact_nudge_stage, and frames carry floating point)
        self.exact_nudge_in_frames = True
        self.selection: str | None = None  # the parameter or neuron a lesson step selected
        self.step_index: int | None = None  # the lesson step entered last; None before the first
        self._steps: StepRunner | None = None  # the states of the lesson's steps, once computed
        self.lesson_revision = 0  # grows whenever the lesson's texts or the step change
        self._lesson_frame: LessonFrame | None = None
        self._metrics: tuple | None = None  # (problem, θ's bytes, its scores), the last made
        self.stepper = StepperState()  # the backprop stepper's place in its walk

    # ----- the lesson ---------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Return whether a lesson is open."""
        return self.session is not None

    def open_file(self, path: str) -> None:
        """Open a lesson file (raises ``EditError`` naming the file and the place)."""
        self.opening(path).now()

    def opening(self, path: str, keep_path: bool = False) -> Change:
        """Return the change that opens a lesson file (``keep_path``: Save still writes to ours).

        The file is read and checked now (``EditError`` names the file and the place).
        """
        try:
            lesson = load_lesson(path)
        except LessonError as exc:
            raise EditError(f"Could not open {Path(path).name}: {exc}") from None

        def make(built: BuiltFormula | None) -> None:
            try:
                self.set_lesson(lesson, formula=built)
            except EditError as exc:
                raise EditError(f"Could not open {Path(path).name}: {exc}") from None
            if not keep_path:
                self.path = str(path)
        return Change(make, formula_of(lesson), Path(path).name)

    def open_lesson(self, path: str) -> None:
        """Switch to a lesson file's problem and settings, keeping the workspace's own file."""
        self.opening(path, keep_path=True).now()

    def save_file(self, path: str) -> None:
        """Save the lesson (weights included, see ``lesson_to_save``), atomically."""
        try:
            save_lesson(self.lesson_to_save(), path)
        except OSError as exc:
            raise EditError(f"Could not save {Path(path).name}: {exc.strerror or exc}") from None
        self.path = str(path)

    def resume(self, lesson: Lesson, step: int, path: str | None) -> None:
        """Open a lesson recovered from an autosave, at the step its run had reached."""
        self.resuming(lesson, step, path).now()

    def resuming(self, lesson: Lesson, step: int, path: str | None) -> Change:
        """Return the change that opens a recovered lesson at the step its run had reached.

        ``path`` is the file the lesson had been opened from or saved to (None if none),
        so that Save writes back there.
        """
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise EditError(f"Could not restore the autosave: its step count {step!r} is not "
                            "a whole number ≥ 0.")

        def make(built: BuiltFormula | None) -> None:
            self.set_lesson(lesson, formula=built)
            self.session.resume_at(step)
            self.path = path
        return Change(make, formula_of(lesson), lesson.title)

    def starting(self, lesson: Lesson) -> Change:
        """Return the change that starts afresh on a lesson (``set_lesson``)."""
        return Change(lambda built: self.set_lesson(lesson, formula=built), formula_of(lesson),
                      lesson.title)

    def suggested_file_name(self) -> str:
        """Return the file name Save As offers: the title, safe on every system."""
        return safe_file_name(self.lesson.title if self.lesson else "") + ".lesson.json"

    def lesson_to_save(self) -> Lesson:
        """Return the lesson Save writes: its texts as edited, and its starting state.

        Outside a lesson's steps that is the state now (the current θ as the start). Once
        a step has been entered it is the state the steps build on, the lesson as opened:
        saving at step 5 must not make step 5's θ the start of step 1.
        """
        if self.step_index is None or self._steps is None:
            return self.current_lesson()
        texts = self.lesson
        return replace(self._steps.opened, title=texts.title, description=texts.description,
                       steps=texts.steps)

    def current_lesson(self) -> Lesson:
        """Return the lesson as it stands now: its texts, settings and θ as its start."""
        lesson, session = self.lesson, self.session
        o = session.config
        lesson = replace(lesson, optimizer=OptimizerSpec(o.name, o.learning_rate, o.hyper,
                                                         o.schedule),
                         batch_size=session.batch_size)
        named = self._axis_names()
        if named is not None:
            lesson = replace(lesson, landscape=named)
        return lesson.with_problem(self._spec_with_theta(lesson.problem, session.theta))

    def twin(self) -> Workspace:
        """Return a new workspace on the lesson as it stands now, to walk on and leave this run as it is.

        Its lesson is ``current_lesson``. A formula is not worked out again: the twin
        shares this workspace's compiled functions and formula model, so no sympy runs
        (the Export dialog walks a twin on the GUI thread); its frames carry the nudge in
        exact fractions only if this workspace's do.
        """
        lesson = self.current_lesson()
        built = None
        if formula_of(lesson) is not None:
            model, why = self._formula_model()
            built = restarted(BuiltFormula(lesson.problem, self.problem, model, why),
                              lesson.problem)
        twin = Workspace()
        twin.exact_nudge_in_frames = self.exact_nudge_in_frames
        twin.set_lesson(lesson, formula=built)
        return twin

    def _spec_with_theta(self, spec, theta: np.ndarray):
        if isinstance(spec, NetworkSpec):
            weights, biases = self.problem.network.unpack(theta)
            return replace(spec, weights=as_tuples([w.tolist() for w in weights]),
                           biases=as_tuples([b.tolist() for b in biases]))
        return replace(spec, start=tuple(zip(self.problem.names, theta.tolist(), strict=True)))

    def _axis_names(self) -> tuple[str, str] | None:
        axes = self.axes
        if axes is None or axes.kind != "parameters" or axes.is_curve:
            return None
        return self.problem.names[axes.x], self.problem.names[axes.y]

    def set_lesson(self, lesson: Lesson, config: OptimizerConfig | None = None,
                   batch_size: int | None = ..., axes: tuple[str, str] | None = None,
                   formula: BuiltFormula | None = None) -> None:
        """Start a fresh run on a lesson; ``axes`` names parameters to keep on the landscape.

        Everything is built and checked (its steps too) before anything changes: a lesson
        that cannot be built raises ``EditError`` and leaves the workspace as it was. No
        step is entered yet. ``formula`` is the lesson's formula built already (else it is
        built here, sympy and all).
        """
        self._start_run(lesson, config, batch_size, axes, steps=True, formula=formula)

    def _start_run(self, lesson: Lesson, config: OptimizerConfig | None = None,
                   batch_size: int | None = ..., axes: tuple[str, str] | None = None,
                   steps: bool = False, formula: BuiltFormula | None = None) -> None:
        """Start a fresh run on a lesson; ``steps``: its demonstration starts afresh too.

        ``formula`` is the lesson's formula if it was built already.
        """
        try:
            problem = build_problem(lesson.problem) if formula is None else formula.problem
            if steps:
                check_steps(lesson, problem)
            # a new run starts at step 0, and a schedule's clock with it
            config = optimizer_config(lesson) if config is None else \
                replace(config, schedule_start=0)
            batch = lesson.batch_size if batch_size is ... else batch_size
            kept = self._axes_by_name(problem, axes)
            indices = kept if kept is not None else landscape_axes(lesson, problem)
            session = Session(problem, config, batch)
        except LessonError as exc:
            raise EditError(str(exc).removeprefix("problem: ")) from None
        except (OptimizerError, ValueError) as exc:
            raise EditError(str(exc)) from None
        self.lesson, self.problem, self.session = lesson, problem, session
        self._formula = formula
        self.racers = []
        self.revision += 1
        self._info = None
        if isinstance(problem, NetworkProblem):
            self.sample = min(self.sample, problem.sample_count - 1)
        else:
            self.sample = 0
        self._set_parameter_axes(*indices)
        if steps:
            self._begin_steps()

    def _begin_steps(self) -> None:
        """Make the lesson's steps start from the state now, none entered yet."""
        self._steps = StepRunner(self) if self.lesson.steps else None
        self.step_index, self.selection = None, None
        self._lesson_changed()

    def _lesson_changed(self) -> None:
        self.lesson_revision += 1
        self._lesson_frame = None

    # ----- the lesson's steps ---------------------------------------------------------------

    def step_after(self, delta: int) -> int:
        """Return the index of the lesson step ``delta`` away (+1 next, −1 back).

        Before any step, +1 is the first; past either end ``EditError`` says where we are.
        """
        steps = self.lesson.steps
        if not steps:
            raise EditError("This lesson has no steps.")
        if delta < 0 and not self.step_index:
            raise EditError("This is the first step of the lesson.")
        k = (-1 if self.step_index is None else self.step_index) + delta
        if k >= len(steps):
            raise EditError("This is the last step of the lesson.")
        return max(k, 0)

    def enter_step(self, k: int) -> None:
        """Enter step k (0-based): the state it had, exactly, then what it shows.

        Step k's state is step k − 1's (the lesson as opened, for the first) with step k's
        ``set`` applied, then its ``run``; each is computed once and kept as an exact copy,
        so going back restores θ, the step count, the optimizer's memory and the axes bit
        for bit. Raises ``EditError`` (naming the step) for a step the lesson does not have
        or one that cannot be applied; the workspace then stays as it was.
        """
        count = len(self.lesson.steps) if self.lesson else 0
        if self._steps is None or isinstance(k, bool) or not isinstance(k, int) \
                or not 0 <= k < count:
            shown = k + 1 if isinstance(k, int) else k
            raise EditError(f"This lesson has {count} step{'' if count == 1 else 's'}: "
                            f"there is no step {shown}.")
        problem = self.problem
        self._steps.enter(self, k)
        if self.problem is not problem:
            self.revision += 1  # views learn of the problem again
            self._info = None
        self.step_index = k
        self._lesson_changed()

    def lesson_frame(self) -> LessonFrame:
        """Return what the lesson panel shows now (the same object until it changes)."""
        if self._lesson_frame is None:
            lesson, k = self.lesson, self.step_index
            steps = lesson.steps
            step = steps[k] if k is not None else None
            text = step.text if step is not None else lesson.description
            self._lesson_frame = LessonFrame(
                lesson_title=lesson.title, description=lesson.description, index=k,
                count=len(steps), step_title=step.title if step is not None else "",
                text=text, html=to_rich_text(text),
                show=shown_at(steps, k) if k is not None else None,
                highlight=step.highlight if step is not None else None,
                selection=self.selection)
        return self._lesson_frame

    def set_lesson_text(self, title: str, description: str, step_texts=()) -> None:
        """Change the lesson's title, its description and its steps' texts (Lesson ▸ Properties).

        ``step_texts`` has one entry per step: its text, or a (title, text) pair. What
        the steps set, show and run stays; Save writes the new texts.
        """
        steps = self.lesson.steps
        step_texts = list(step_texts)
        title = str(title).strip()
        if not title:
            raise EditError("A lesson needs a title.")
        if len(title) > 200 or len(description) > 5000:
            raise EditError("A lesson's title is at most 200 characters and its description "
                            "at most 5000.")
        if len(step_texts) != len(steps):
            raise EditError(f"This lesson has {len(steps)} steps, got texts for "
                            f"{len(step_texts)}.")
        new_steps = []
        for k, (step, entry) in enumerate(zip(steps, step_texts, strict=True)):
            step_title, text = (step.title, entry) if isinstance(entry, str) else entry
            step_title = str(step_title).strip()
            if not step_title:
                raise EditError(f"Step {k + 1} needs a title.")
            if len(step_title) > 200 or len(text) > MAX_STEP_TEXT:
                raise EditError(f"Step {k + 1}: a title is at most 200 characters and a "
                                f"text at most {MAX_STEP_TEXT}.")
            new_steps.append(replace(step, title=step_title, text=str(text)))
        lesson = replace(self.lesson, title=title, description=str(description),
                         steps=tuple(new_steps))
        if lesson != self.lesson:
            self._set_texts(lesson)

    def _set_texts(self, texts: Lesson) -> None:
        """Take the title, description and step texts of ``texts``; nothing else changes."""
        self.lesson = replace(self.lesson, title=texts.title, description=texts.description,
                              steps=texts.steps)
        if self._info is not None:
            self._info = replace(self._info, lesson=self.lesson)
        self._lesson_changed()

    @staticmethod
    def _axes_by_name(problem, names: tuple[str, str] | None) -> tuple[int, int] | None:
        """Return the θ indices of two parameter names in a problem, if it has both."""
        if names is None or len(problem.names) < 2:
            return None
        try:
            x, y = (problem.names.index(n) for n in names)
        except ValueError:
            return None
        return (x, y) if x != y else None

    def problem_info(self) -> ProblemInfo:
        """Return what views need to know of the problem (the same object until it changes).

        For a formula it carries the formula model (its derivatives, graph and compiled
        functions), or why the formula could not be analysed.
        """
        if self._info is None:
            model, why = None, ""
            if not isinstance(self.problem, NetworkProblem):
                model, why = self._formula_model()
            self._info = ProblemInfo(self.lesson, self.problem, tuple(self.problem.names),
                                     self.revision, model, why)
        return self._info

    def _built(self) -> BuiltFormula | None:
        """Return the build of the formula descended now, if known (a step may have put back another)."""
        built = self._formula
        if built is None or built.problem.function is not getattr(self.problem, "function", None):
            return None
        return built

    def _formula_model(self) -> tuple[object | None, str]:
        """Return the formula's model and "" (or None and why): as built, else made here (sympy)."""
        built = self._built()
        if built is None or (built.model is None and not built.why):
            # only a problem built on this thread (the command line, the first lesson) gets here
            built = self._formula = BuiltFormula(self.lesson.problem, self.problem,
                                                 *analysed(self.problem, build_formula_model))
        return built.model, built.why

    # ----- the nudge test ------------------------------------------------------------------

    def set_epsilon(self, text: str) -> None:
        """Nudge by another ε, typed as text (0.001, 1e-6, 1/1000)."""
        value, problem = parse_epsilon(text)
        if problem is not None:
            raise EditError(problem)
        self._epsilon, self.epsilon_text = value, text.strip()

    def set_nudge_variable(self, index: int) -> None:
        """Choose which variable the nudge test moves."""
        if not 0 <= index < len(self.problem.names):
            raise EditError(f"This formula has no variable #{index}.")
        self.nudge_variable = int(index)

    def _formula_values(self, theta: np.ndarray, exact: bool):
        """Return the formula's values at θ (None for a network or an unanalysable formula)."""
        model = self.problem_info().formula
        if model is None:
            return None
        if self._epsilon is None:
            self._epsilon, _ = parse_epsilon(self.epsilon_text)
        variable = min(self.nudge_variable, len(model.names) - 1)
        return model.at(theta, self._epsilon, exact and self.exact_nudge_in_frames,
                        variable=variable)

    def exact_nudge_stage(self, seconds: float, abandon: threading.Event
                          ) -> Callable[[], tuple] | None:
        """Return work for any thread: (θ, the nudge at the lead run's θ in exact fractions).

        None for a network or an unanalysable formula. The work takes at most ``seconds``
        (``FormulaModel.exact_nudge``), or stops when ``abandon`` is set.
        """
        model = self.problem_info().formula
        if model is None:
            return None
        if self._epsilon is None:
            self._epsilon, _ = parse_epsilon(self.epsilon_text)
        theta, epsilon = tuple(self.lead_session().theta.tolist()), self._epsilon
        variable = min(self.nudge_variable, len(model.names) - 1)

        def stage() -> tuple:
            return theta, model.exact_nudge(theta, epsilon, variable, seconds, abandon)
        return stage

    # ----- stepping -----------------------------------------------------------------------

    def lead_session(self) -> Session:
        """Return the run the views follow: the first racer in a race, else the one run."""
        return self.racers[0][1] if self.racers else self.session

    def step(self, n: int = 1) -> None:
        """Take n optimizer steps (each racer still running, in a race)."""
        if self.racers:
            for _, session in self.racers:
                if self._status(session) == "ready":
                    session.step(n)
            return
        if self.session.status == "diverged":
            raise EditError(describe_divergence(self.frame()))
        if not isinstance(self.problem, NetworkProblem) and not (
                math.isfinite(self.session.loss) and np.all(np.isfinite(self.session.gradient()))):
            raise EditError(self.frame().explanation)  # J or its slope is undefined here
        self.session.step(n)

    def step_back(self) -> None:
        """Go back one step, exactly."""
        target = self.session.step_count - 1
        if target < self.session.earliest_step:
            raise EditError("This is the first step: there is nothing before it.")
        self.seek(target)

    def seek(self, step: int) -> None:
        """Put the run in its exact state at a recorded step."""
        session = self.session
        session.seek(int(np.clip(step, session.earliest_step, session.furthest_step)))

    def reset(self) -> None:
        """Back to step 0 (a race starts again from its start)."""
        if self.racers:
            self.start_race([(label, s.config) for label, s in self.racers])
            return
        self.session.reset()

    def status(self) -> str:
        """Return the lead run's status: "ready", "converged" or "diverged"."""
        return self._status(self.lead_session())

    @staticmethod
    def _status(session: Session) -> str:
        if session.status == "diverged":
            return "diverged"
        return "converged" if session.is_converged(CONVERGED_GRADIENT) else "ready"

    def race_over(self) -> bool:
        """Return whether every racer has stopped (converged or diverged)."""
        return bool(self.racers) and all(self._status(s) != "ready" for _, s in self.racers)

    # ----- optimizer settings (take effect at once, reset nothing) ---------------------------

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate from this step on."""
        self._set_config(replace(self.session.config, learning_rate=float(lr)))

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer from this step on (the new one starts without memory)."""
        if name not in OPTIMIZERS:
            raise EditError(f"There is no optimizer called {name!r}.")
        if name == self.session.config.name:
            return
        config = self.session.config
        hyper = {k: v for k, v in config.hyper if k in OPTIMIZERS[name].hyper}
        self._set_config(replace(config, name=name, hyper=tuple(sorted(hyper.items()))))

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyper-parameter of the current optimizer (momentum, β₁…)."""
        self._set_config(self.session.config.with_hyper(**{key: float(value)}))

    def set_schedule(self, kind: str, settings: dict[str, float] | None = None) -> None:
        """Change how η varies with the step; a new kind of schedule starts its clock now.

        ``settings`` are the kind's (``step_size``, ``gamma``…) and the warm-up's, by name.
        """
        try:
            schedule = make_schedule(kind, **(settings or {}))
        except ScheduleError as exc:
            raise EditError(f"Learning-rate schedule: {exc}.") from None
        config = self.session.config
        start = config.schedule_start if kind == config.schedule.kind else \
            self.session.step_count
        self._set_config(replace(config, schedule=schedule, schedule_start=start))

    def set_optimizer_config(self, config: OptimizerConfig) -> None:
        """Use these optimizer settings from this step on (a new optimizer starts fresh)."""
        self._set_config(config)

    def _set_config(self, config: OptimizerConfig) -> None:
        try:
            config.build()
        except OptimizerError as exc:
            raise EditError(str(exc)) from None
        if config != self.session.config:
            self.session.set_config(config)

    def set_batch_size(self, batch_size: int | None) -> None:
        """Change the batch size (``None``: full batch) from this step on."""
        if batch_size == self.session.batch_size:
            return
        try:
            self.session.set_batch_size(batch_size)
        except ValueError as exc:
            raise EditError(str(exc)) from None

    # ----- θ -------------------------------------------------------------------------------

    def set_parameters(self, values: dict[int, float]) -> None:
        """Set some entries of θ (moves the hiker; the optimizer forgets its state)."""
        values = {int(k): float(v) for k, v in values.items()}
        if not all(math.isfinite(v) for v in values.values()):
            raise EditError("A parameter must be a finite number.")
        if not all(0 <= k < len(self.problem.names) for k in values):
            raise EditError("There is no such parameter.")
        theta = self.session.theta.copy()
        for k, v in values.items():
            theta[k] = v
        self.session.set_theta(theta)

    def hiker_values(self, x: float, y: float) -> dict[int, float]:
        """Return the θ entries that put the hiker at (x, y) on the landscape's axes."""
        axes = self.axes
        if axes.kind == "parameters":
            return {axes.x: x} if axes.is_curve else {axes.x: x, axes.y: y}
        theta = axes.origin + x * axes.directions[0] + y * axes.directions[1]
        changed = np.flatnonzero(theta != self.session.theta)
        return {int(k): float(theta[k]) for k in changed}

    def describe_values(self, values: dict[int, float]) -> str:
        """Return a short text of θ entries for an undo entry: ``w1=0.5, w2=1``."""
        return ", ".join(f"{self.problem.names[k]}={v:.3g}" for k, v in list(values.items())[:2])

    # ----- the problem (a new run) ------------------------------------------------------------

    def change_problem(self, spec, keep_weights: bool = True,
                       formula: BuiltFormula | None = None) -> None:
        """Replace the problem spec with the settings kept; ``EditError`` if it cannot be built.

        ``formula`` is the spec's formula when it was built already (off the GUI thread).
        """
        # The axes are kept by name where the new problem has both parameters, else chosen
        # afresh: the lesson's own names may not exist any more.
        lesson = replace(self.current_lesson().with_problem(spec), landscape=None)
        if not keep_weights and isinstance(spec, NetworkSpec):
            lesson = lesson.with_problem(replace(spec, weights=None, biases=None))
        self._start_run(lesson, self.session.config, self.session.batch_size,
                        self._axis_names(), formula=formula)

    def reinitialise(self, kind: str, seed: int) -> None:
        """Start afresh from weights drawn by an initialisation (``zeros``, ``he_normal``…)."""
        if kind not in INITIALIZERS:
            raise EditError(f"There is no initialisation called {kind!r}; choose one of "
                            f"{', '.join(INITIALIZERS)}.")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise EditError(f"A seed is a whole number 0–4294967295, got {seed!r}.")
        spec = replace(self.network_spec(), init=kind, init_seed=seed)
        self.change_problem(spec, keep_weights=False)

    def network_spec(self) -> NetworkSpec:
        """Return the network spec with the current weights (``EditError`` for a formula)."""
        spec = self.current_lesson().problem
        if not isinstance(spec, NetworkSpec):
            raise EditError("This lesson's problem is a formula, not a network.")
        return spec

    def add_neuron(self, layer: int) -> None:
        """Add a neuron to hidden layer ``layer`` (1-based), keeping every weight."""
        self.change_problem(network_edits.add_neuron(self.network_spec(), layer))

    def remove_neuron(self, layer: int, neuron: int | None = None) -> None:
        """Remove a neuron (the last, by default) from a hidden layer; only its weights go."""
        self.change_problem(network_edits.remove_neuron(self.network_spec(), layer, neuron))

    def add_layer(self) -> None:
        """Add a hidden layer before the output."""
        self.change_problem(network_edits.add_layer(self.network_spec()))

    def remove_layer(self) -> None:
        """Remove the last hidden layer."""
        self.change_problem(network_edits.remove_layer(self.network_spec()))

    def set_layer_activation(self, layer: int, name: str) -> None:
        """Set the activation of one hidden layer (1-based)."""
        self.change_problem(network_edits.set_layer_activation(self.network_spec(), layer, name))

    def set_network_option(self, **changes) -> None:
        """Change network fields (activation for all layers, output, loss, regularization…)."""
        spec = self.network_spec()
        if "activation" in changes and isinstance(changes["activation"], str):
            changes["activation"] = (changes["activation"],) * len(spec.activation)
        new = replace(spec, **changes)
        if new != spec:
            self.change_problem(new)

    def set_hidden_activation(self, name: str) -> None:
        """Use one activation in every hidden layer."""
        self.set_network_option(activation=name)

    def set_regularization(self, kind: str | None, rate: float) -> None:
        """Penalize large weights ("l2" or "l1" at ``rate``), or not at all (``None``)."""
        self.set_network_option(regularization=None if kind is None else (kind, float(rate)))

    def set_features(self, names) -> None:
        """Feed the network these features of the data's columns (``x1^2``, ``sin(x2)``…)."""
        self.change_problem(network_edits.set_features(self.network_spec(), names,
                                                       self.problem.dataset.inputs))

    def toggle_feature(self, name: str) -> None:
        """Switch one input feature on or off (the network's first layer follows)."""
        self.change_problem(network_edits.toggle_feature(self.network_spec(), name,
                                                         self.problem.dataset.inputs))

    def set_dataset_setting(self, key: str, value: float) -> None:
        """Change one dataset setting (``noise``, ``samples``, ``train_fraction``, ``seed``)."""
        self.set_dataset(**{key: value})

    def plan_choice(self, **choice: str) -> list[str]:
        """Apply an output, loss or dataset choice with what it needs; return what else changed.

        ``choice`` is one of ``output=``, ``loss=`` or ``dataset=`` (a generator's name).
        """
        spec = self.network_spec()
        data = self.problem.dataset
        changes, said = network_edits.plan_network_change(spec, data.kind, data.classes,
                                                          columns=data.inputs, **choice)
        if "dataset" in choice:
            changes["dataset"] = replace(spec.dataset, name=choice["dataset"], points=None,
                                         test_points=())
        if changes:
            self.change_problem(replace(spec, **changes))
        return said

    def set_dataset(self, **changes) -> None:
        """Change the dataset (name, samples, noise, seed, train_fraction): a new run."""
        spec = self.network_spec()
        dataset = replace(spec.dataset, **changes)
        if changes.get("name") is not None:
            dataset = replace(dataset, points=None, test_points=())
        self.change_problem(replace(spec, dataset=dataset))

    def regenerate_dataset(self) -> None:
        """Draw the dataset again with the next seed."""
        self.set_dataset(seed=self.network_spec().dataset.seed + 1)

    def add_point(self, *values: float) -> None:
        """Add a training point: its inputs then its target (x₁, x₂, class or x, y).

        A generated dataset becomes explicit points, its test points kept apart.
        """
        spec = self.network_spec()
        train, test = self._points(spec)
        row = tuple(float(v) for v in values)
        if len(row) != len(train[0]):
            raise EditError(f"A point of this dataset has {len(train[0])} values, got {len(row)}.")
        self.change_problem(replace(spec, dataset=DatasetSpec(
            name=None, points=train + (row,), test_points=test,
            class_names=spec.dataset.class_names)))

    def remove_point(self, index: int) -> None:
        """Remove a point: an index into the training points, then the test points."""
        spec = self.network_spec()
        train, test = (list(p) for p in self._points(spec))
        if not 0 <= index < len(train) + len(test):
            raise EditError(f"There is no point #{index}.")
        if index < len(train):
            if len(train) <= 1:
                raise EditError("The last training point cannot be removed.")
            del train[index]
        else:
            del test[index - len(train)]
        self.change_problem(replace(spec, dataset=DatasetSpec(
            name=None, points=tuple(train), test_points=tuple(test),
            class_names=spec.dataset.class_names)))

    def import_points(self, points: ImportedPoints) -> str:
        """Learn imported points (``table_import``): a fresh network whose ends fit them.

        The hidden layers stay (a formula gets one of eight tanh neurons); the inputs are
        the imported columns, and the output and loss follow the labels: a sigmoid and
        binary cross-entropy for two classes, a softmax and cross-entropy for more, a
        linear output and squared error for numbers. Returns a sentence saying what came in.
        """
        old = self.lesson.problem
        spec = old if isinstance(old, NetworkSpec) else \
            NetworkSpec(layers=(2, 8, 1), activation=("tanh",))
        classes = len(points.classes)
        if points.kind == "regression":
            out, loss, outputs = "linear", "mse", 1
        elif classes == 2:
            out, loss, outputs = "sigmoid", "bce", 1
        else:
            out, loss, outputs = "softmax", "cross_entropy", classes
        spec = replace(spec, layers=(points.inputs, *spec.layers[1:-1], outputs),
                       output_activation=out, loss=loss, features=None, weights=None,
                       biases=None, dataset=DatasetSpec(name=None, points=points.train,
                                                        test_points=points.test,
                                                        class_names=points.classes))
        self.change_problem(spec, keep_weights=False)
        taken = len(points.train) + len(points.test)
        what = (f"{classes} classes ({', '.join(points.classes)})" if classes else
                "numbers to fit")
        kept = "" if taken == points.total else f" of the file's {points.total:,}"
        return (f"Imported {taken:,} points{kept} ({len(points.train):,} training, "
                f"{len(points.test):,} test) with {points.inputs} input"
                f"{'s' if points.inputs != 1 else ''} and {what}.")

    def export_points(self, path: str) -> int:
        """Write the current points (training, then test) as a CSV file, atomically.

        Returns how many rows were written; ``EditError`` when they cannot be.
        """
        spec = self.network_spec()
        train, test = self._points(spec)
        inputs = self.problem.dataset.inputs
        try:
            write_text_atomically(points_csv(train, test, inputs, spec.dataset.class_names),
                                  path)
        except OSError as exc:
            raise EditError(f"Could not write {Path(path).name}: {exc.strerror or exc}") from None
        return len(train) + len(test)

    def _points(self, spec: NetworkSpec) -> tuple[tuple, tuple]:
        """Return the (training, test) rows of the dataset now in use."""
        if spec.dataset.points is not None:
            return spec.dataset.points, spec.dataset.test_points
        d = self.problem.dataset
        return (as_tuples(np.column_stack([d.x_train, d.y_train]).tolist()),
                as_tuples(np.column_stack([d.x_test, d.y_test]).tolist()))

    def set_formula(self, text: str) -> None:
        """Descend a typed formula in one or two variables (``EditError`` says what is wrong).

        All of it on this thread, with no time budget: the window builds a typed formula
        off its thread instead (``typing``).
        """
        self.typing(text).now()

    def typing(self, text: str) -> Change:
        """Return the change to a typed formula, its settings kept (``EditError`` if it does not parse)."""
        return Change(self.adopt_formula, self.formula_spec(text), f"J = {text}")

    def formula_spec(self, text: str) -> ExpressionSpec:
        """Return the problem of a typed formula, its start kept (``EditError`` if it does not parse).

        Only our own parser runs here (fast); the sympy work is ``build_formula``'s.
        """
        from simulator.symbolic.parsing import FormulaError, parse_formula

        try:
            formula = parse_formula(text)
        except FormulaError as exc:
            raise EditError(str(exc)) from None
        variables = [str(v) for v in formula.variables]
        if not 1 <= len(variables) <= 2:
            raise EditError(f"a formula for the hiker needs one or two variables, "
                            f"got {len(variables)}: {', '.join(variables) or 'none'}")
        old = self.lesson.problem
        old_start = dict(old.start) if isinstance(old, ExpressionSpec) else {}
        start = {v: old_start.get(v, 1.0) for v in variables}
        ranges = {v: (start[v] - 4.0, start[v] + 4.0) for v in variables}
        return ExpressionSpec(text, tuple(start.items()), tuple(ranges.items()))

    def adopt_formula(self, built: BuiltFormula) -> None:
        """Descend a formula built by ``build_formula``: a new run, the settings kept."""
        self.change_problem(built.spec, formula=built)

    def set_surface(self, name: str) -> None:
        """Descend a built-in surface with its own start, range and learning rate."""
        self.surface(name).now()

    def surface(self, name: str) -> Change:
        """Return the change to a built-in surface (``EditError`` for an unknown name)."""
        from simulator.symbolic.surfaces import SURFACES

        if name not in SURFACES:
            raise EditError(f"There is no built-in surface called {name!r}.")
        s = SURFACES[name]
        spec = ExpressionSpec(s.expression, tuple(zip(s.variables, s.start, strict=True)),
                              tuple(zip(s.variables, map(tuple, s.ranges), strict=True)), name)
        return self.starting(Lesson(s.title, spec, OptimizerSpec("sgd", s.learning_rate), None,
                                    None, s.description))

    # ----- landscape axes -----------------------------------------------------------------------

    def set_axes(self, x: int, y: int) -> None:
        """Draw the landscape over two parameters (θ indices)."""
        n = len(self.problem.names)
        if not (0 <= x < n and 0 <= y < n):
            raise EditError("There is no such parameter.")
        if x == y and n > 1:
            raise EditError("Choose two different parameters for the axes.")
        self._set_parameter_axes(x, y)

    def set_axis(self, which: str, index: int) -> None:
        """Use one parameter as the landscape's X or Y axis (they swap if it is the other)."""
        axes = self.axes
        x, y = (axes.x, axes.y) if axes.kind == "parameters" else (0, 1)
        if which == "x":
            x, y = (index, y) if index != y else (index, x)
        else:
            x, y = (x, index) if index != x else (y, index)
        self.set_axes(x, y)

    def _set_parameter_axes(self, x: int, y: int) -> None:
        names = self.problem.names
        theta = self.session.theta
        if isinstance(self.problem, NetworkProblem):
            def span(k):
                half = max(2.0, 2.0 * abs(theta[k]))
                return (float(theta[k] - half), float(theta[k] + half))
            x_range, y_range = span(x), span(y)
        else:
            ranges = self.problem.ranges
            x_range, y_range = drawable_span(ranges[x]), drawable_span(ranges[y])
        self.axes = Axes("parameters", x, y, (names[x], names[y]), x_range, y_range)

    def set_direction_axes(self, kind: str, seed: int = 0) -> None:
        """Draw the landscape along two directions: ``"random"`` or ``"pca"`` of the path."""
        theta = self.session.theta.copy()
        if kind == "random":
            if isinstance(self.problem, NetworkProblem):
                d1, d2 = filter_normalized_directions(self.problem.network, theta, seed)
            else:
                rng = np.random.default_rng(seed)
                d1, d2 = rng.normal(size=theta.size), rng.normal(size=theta.size)
            x_range = y_range = (-1.0, 1.0)
        elif kind == "pca":
            _, path = self.session.path_history()
            if len(path) < 3:
                raise EditError("Take a few steps first: PCA needs a path.")
            d1, d2, coords = pca_directions(path)
            pad_x = max(1e-3, np.ptp(coords[:, 0])) * 0.6
            pad_y = max(1e-3, np.ptp(coords[:, 1]), pad_x * 0.2) * 0.6
            x_range = (float(coords[:, 0].min() - pad_x), float(coords[:, 0].max() + pad_x))
            y_range = (float(coords[:, 1].min() - pad_y), float(coords[:, 1].max() + pad_y))
        else:
            raise EditError(f"Unknown kind of axes {kind!r}: random or pca.")
        labels = ("direction 1", "direction 2") if kind == "random" else ("PC 1", "PC 2")
        self.axes = Axes(kind, -1, -1, labels, x_range, y_range, (d1, d2), theta)

    def follow_hiker(self) -> bool:
        """Recentre a network slice's axes on the hiker when it walks off the edge."""
        axes = self.axes
        if not isinstance(self.problem, NetworkProblem) or axes.kind != "parameters":
            return False
        x, y = axes.project(self.lead_session().theta)

        def recentred(value, span):
            low, high = span
            margin = 0.05 * (high - low)
            if low + margin <= value <= high - margin:
                return span
            half = max(0.5 * (high - low), 2.0 * abs(value))
            return (value - half, value + half)

        x_range, y_range = recentred(x, axes.x_range), recentred(y, axes.y_range)
        if (x_range, y_range) == (axes.x_range, axes.y_range):
            return False
        self.axes = replace(axes, x_range=x_range, y_range=y_range)
        return True

    def landscape_moves(self) -> bool:
        """Return whether the landscape changes as the run goes on (a slice through θ)."""
        return isinstance(self.problem, NetworkProblem) and self.axes.kind == "parameters"

    # ----- background requests --------------------------------------------------------------------

    def landscape_request(self, quick: bool = False) -> GridRequest:
        """Return the request for the landscape under the current axes."""
        return landscape_request(self.problem, self.axes, self.lead_session().theta, quick)

    def decision_request(self) -> GridRequest | None:
        """Return the request for the network's decision map (None for a formula)."""
        if not isinstance(self.problem, NetworkProblem):
            return None
        return decision_request(self.problem, self.lead_session().theta)

    def neuron_maps_request(self, theta: np.ndarray | None = None) -> GridRequest | None:
        """Return the request for every neuron's map (at θ, or at a previewed θ)."""
        if not isinstance(self.problem, NetworkProblem):
            return None
        return neuron_maps_request(self.problem, self.session.theta if theta is None else theta)

    def trace_request(self, theta: np.ndarray | None = None) -> GridRequest | None:
        """Return the request for the chosen sample's forward and backward pass."""
        if not isinstance(self.problem, NetworkProblem):
            return None
        return sample_trace_request(self.problem, self.session.theta if theta is None else theta,
                                    self.sample)

    def set_sample(self, sample: int) -> None:
        """Choose the training sample the diagram (and the stepper) follows."""
        if not isinstance(self.problem, NetworkProblem):
            raise EditError("A formula has no samples.")
        self.sample = int(np.clip(sample, 0, self.problem.sample_count - 1))

    # ----- the backprop stepper -----------------------------------------------------------------

    def stepper_frame(self):
        """Return what the backprop stepper shows now (``StepperFrame``)."""
        return self.stepper.frame(self)

    def stepper_go(self, index: int) -> None:
        """Go to one operation of the stepper's walk (by its number, from 0)."""
        self.stepper.go(self, index)

    def stepper_next(self) -> None:
        """Go to the next operation of the walk."""
        self.stepper.move(self, 1)

    def stepper_previous(self) -> None:
        """Go back one operation of the walk."""
        self.stepper.move(self, -1)

    def stepper_jump(self, phase: str) -> None:
        """Go to the start of the forward pass, the backward pass or the update."""
        self.stepper.jump(self, phase)

    def set_stepper_batch(self, batch: bool) -> None:
        """Step through the mean over every training sample (True) or one sample (False)."""
        self.stepper.set_batch(self, batch)

    # ----- race -------------------------------------------------------------------------------

    def start_race(self, entries: list[tuple[str, OptimizerConfig]]) -> None:
        """Start 2–6 hikers from the same point, one per (label, optimizer settings)."""
        if not 2 <= len(entries) <= MAX_RACERS:
            raise EditError(f"A race needs 2–{MAX_RACERS} hikers.")
        theta = self._race_start if self.racers else self.session.theta.copy()
        racers = []
        for label, config in entries:
            try:
                config.build()
            except OptimizerError as exc:
                raise EditError(f"{label}: {exc}") from None
            session = Session(self.problem, config, self.session.batch_size)
            session.set_theta(theta)
            racers.append((label, session))
        self.racers, self._race_start = racers, theta

    def race_entries(self, names: list[str]) -> list[tuple[str, OptimizerConfig]]:
        """Return race entries for optimizer names, each at the lesson's rate and schedule."""
        lr, schedule = self.session.config.learning_rate, self.session.config.schedule
        entries = []
        for k, name in enumerate(names):
            if name not in OPTIMIZERS:
                raise EditError(f"There is no optimizer called {name!r}.")
            hyper = {k: v for k, v in self.session.config.hyper if k in OPTIMIZERS[name].hyper}
            label = OPTIMIZERS[name].label
            if names.count(name) > 1:  # two Adams are told apart: "Adam (2)"
                label += f" ({names[:k + 1].count(name)})"
            entries.append((label, OptimizerConfig(name, lr, tuple(sorted(hyper.items())),
                                                   schedule)))
        return entries

    def start_race_of(self, names: list[str]) -> None:
        """Race hikers with these optimizers from the same point, at the lesson's rate."""
        self.start_race(self.race_entries(names))

    def stop_race(self) -> None:
        """End the race and go back to the single hiker."""
        self.racers = []

    def _racers(self) -> tuple[Racer, ...]:
        racers = []
        for label, session in self.racers:
            _, path = session.path_history()
            steps, losses, _ = session.loss_history()
            racers.append(Racer(label, session.config.name, session.config.learning_rate,
                                session.step_count, session.loss, session.theta.copy(),
                                path, self._status(session), steps, losses))
        return tuple(racers)

    # ----- undo -------------------------------------------------------------------------------

    def memento(self) -> Memento:
        """Return a copy of the state to come back to (a formula's build with it)."""
        lesson = self.current_lesson()
        built = self._built()
        return Memento(lesson, self._axis_names(), self.session.config.schedule_start,
                       None if built is None else restarted(built, lesson.problem))

    def restore(self, memento: Memento) -> None:
        """Go back to a memento: the same problem keeps its run (θ is an edit), else a new run."""
        lesson = memento.lesson
        now = self.current_lesson()
        if _without_texts(lesson.steps) != _without_texts(now.steps):
            # another lesson's demonstration (undoing a switch of lesson): it starts afresh
            self._start_run(lesson, optimizer_config(lesson), lesson.batch_size, memento.axes,
                            formula=memento.formula)
            self._begin_steps()
            return
        if (lesson.title, lesson.description, lesson.steps) != (now.title, now.description,
                                                                 now.steps):
            self._set_texts(lesson)
        if _without_start(lesson.problem) != _without_start(now.problem):
            self._start_run(lesson, optimizer_config(lesson), lesson.batch_size, memento.axes,
                            formula=memento.formula)
            return
        restored = self._theta_of(lesson.problem)
        if not np.array_equal(restored, self.session.theta):
            self.session.set_theta(restored)
        self._set_config(replace(optimizer_config(lesson), schedule_start=memento.schedule_start))
        self.set_batch_size(lesson.batch_size)
        kept = self._axes_by_name(self.problem, memento.axes)
        if kept is not None and self.axes.kind == "parameters" and kept != (self.axes.x, self.axes.y):
            self._set_parameter_axes(*kept)

    def _path_xy(self, session: Session) -> tuple[np.ndarray, np.ndarray]:
        """Return the path's steps and its points on the axes (current θ last).

        On parameter axes only the two columns are read, so a big network's path is not
        copied whole on every frame.
        """
        axes = self.axes
        if axes.kind != "parameters":
            steps, path = session.path_history()
            return steps, axes.project_many(path) if len(path) else np.zeros((0, 2))
        columns = [axes.x, axes.y]
        steps, rows = session.path.steps, session.path.rows
        last = steps[-1] if len(steps) else -1
        newer = [(s, t) for s, t in session.recent if s > last]
        points = rows[:, columns] if len(rows) else np.zeros((0, 2))
        if newer:
            steps = np.concatenate([steps, [s for s, _ in newer]])
            points = np.vstack([points, [t[columns] for _, t in newer]])
        return np.array(steps, dtype=np.int64), np.array(points, dtype=float)

    def _theta_of(self, spec) -> np.ndarray:
        """Return the θ a spec of the current problem starts from (its weights or start)."""
        if isinstance(spec, NetworkSpec):
            return self.problem.network.pack([np.array(w, dtype=float) for w in spec.weights],
                                             [np.array(b, dtype=float) for b in spec.biases])
        start = dict(spec.start)
        return np.array([float(start[name]) for name in self.problem.names])

    # ----- what views draw -------------------------------------------------------------------------

    def frame(self, playing: bool = False) -> Frame:
        """Return the state of the lead run now, for drawing (copies; never NaN)."""
        session = self.lead_session()
        snap = session.snapshot()
        path_steps, path_xy = self._path_xy(session)
        loss_steps, train, test = session.loss_history()
        verdict = judge(self.problem, snap, loss_steps, train)
        status = verdict.status
        return Frame(
            step=snap.step, theta=snap.theta, loss=snap.loss, test_loss=snap.test_loss,
            gradient=snap.gradient, gradient_norm=snap.gradient_norm, next_step=snap.next_step,
            velocity=snap.velocity, config=snap.config, batch_size=snap.batch_size,
            status=status, diverged_at=snap.diverged_at, diverged_loss=snap.diverged_loss,
            start_loss=snap.start_loss, earliest_step=session.earliest_step,
            furthest_step=snap.furthest_step, playing=playing, path_steps=path_steps,
            path_xy=path_xy, loss_steps=loss_steps, train_losses=train, test_losses=test,
            memory=OptimizerMemory.of(session.optimizer), racers=self._racers(),
            formula=self._formula_values(snap.theta, exact=not playing),
            learning_rate=snap.learning_rate, learning_rates=session.rate_history(),
            gradient_norms=session.gradient_norm_history(),
            scores=partial(self.metrics, snap.theta, self.problem), explanation=verdict.sentence)

    def metrics(self, theta: np.ndarray, problem: Problem | None = None):
        """Return the network's scores at θ (None for a formula), computed once per θ.

        ``problem`` is the one θ is of (the current one when not given): a frame scored
        after the problem changed still scores its own.
        """
        problem = self.problem if problem is None else problem
        if not isinstance(problem, NetworkProblem):
            return None
        known, at = self._metrics, theta.tobytes()
        if known is None or known[0] is not problem or known[1] != at:
            known = self._metrics = (problem, at, finite_metrics(problem.metrics(theta)))
        return known[2]


def finite_metrics(metrics: Metrics) -> Metrics:
    """Return scores with every value that is not a finite number replaced by None."""
    def clean(value):
        return value if value is None or math.isfinite(value) else None
    return replace(metrics, **{name: clean(getattr(metrics, name)) for name in
                               ("accuracy", "test_accuracy", "rmse", "test_rmse", "r2",
                                "test_r2")})


def _without_texts(steps) -> tuple:
    """Return steps without their titles and texts (what makes them the same steps)."""
    return tuple(replace(step, title="", text="") for step in steps)


def _without_start(spec):
    """Return a problem spec without its weights or start (what makes it the same problem)."""
    if isinstance(spec, NetworkSpec):
        return replace(spec, weights=None, biases=None)
    return replace(spec, start=())
