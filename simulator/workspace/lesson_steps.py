"""Stepping through a lesson's demonstration: each step's state, built once and kept exactly.

The state of step k is the state of step k − 1 (for the first step: the lesson as it was
opened) with step k's ``set`` applied, then its ``run``. That makes a step's state depend
on the lesson alone, not on what was done in the window between steps, so a teacher's
demonstration comes out the same every time. Each state is kept as an exact copy of the
run (θ, step count, optimizer memory, history, batch order) beside the landscape's axes,
so going back to a step restores it bit for bit instead of recomputing it.

No Qt here: the ``Workspace`` owns a ``StepRunner`` and calls it from ``enter_step``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from simulator.engine.problems import NetworkProblem, Problem
from simulator.engine.session import Session
from simulator.lessons.checking import LessonError
from simulator.lessons.model import Lesson, Step, StepSettings, StepShow

from .errors import EditError
from .formula_text import parse_epsilon
from .frames import Axes

if TYPE_CHECKING:
    from .workspace import Workspace

#: a neuron as a lesson names it: ``x[0]`` an input, ``h2[3]`` hidden layer 2, ``out[0]``
NEURON = re.compile(r"^(x|out|h([1-9][0-9]?))\[([0-9]{1,3})\]$")


@dataclass(frozen=True)
class StepState:
    """The workspace's state at one moment of a demonstration (its own copy of the run)."""

    lesson: Lesson
    problem: Problem
    session: Session
    axes: Axes
    sample: int
    epsilon_text: str
    nudge_variable: int
    selection: str | None


def _copy_session(session: Session) -> Session:
    """Return an exact, independent copy of a run that shares its (unchanging) problem."""
    return copy.deepcopy(session, {id(session.problem): session.problem})


def capture(ws: Workspace) -> StepState:
    """Return a copy of the workspace's state, which later steps and edits cannot change."""
    return StepState(ws.lesson, ws.problem, _copy_session(ws.session), ws.axes, ws.sample,
                     ws.epsilon_text, ws.nudge_variable, ws.selection)


def put(ws: Workspace, state: StepState) -> None:
    """Put a copy of a state into the workspace (which then changes only its own copy).

    The lesson's texts stay as they are now: a title or a step's text edited after the
    state was recorded is not undone by going to that step.
    """
    texts = ws.lesson or state.lesson
    ws.lesson = replace(state.lesson, title=texts.title, description=texts.description,
                        steps=texts.steps)
    ws.problem = state.problem
    ws.session = _copy_session(state.session)
    ws.axes, ws.sample = state.axes, state.sample
    ws.selection, ws.nudge_variable = state.selection, state.nudge_variable
    if state.epsilon_text != ws.epsilon_text:  # (reading ε loads sympy: only when it changed)
        ws.set_epsilon(state.epsilon_text)


class StepRunner:
    """The states of a lesson's steps, computed in order the first time each is entered.

    ``base`` is the state the lesson was opened in; ``opened`` the same as a lesson (what
    Save writes while a demonstration runs: the steps build on it). Steps are computed in
    a scratch workspace, so one that cannot be applied leaves the real one untouched.
    """

    def __init__(self, ws: Workspace):
        self.base = capture(ws)
        self.opened = ws.current_lesson()
        self.states: list[StepState] = []
        self._scratch = type(ws)  # a fresh, empty workspace to compute a step in

    def enter(self, ws: Workspace, k: int) -> None:
        """Put step k's state into the workspace, computing the steps up to it first.

        A step that cannot be applied raises ``EditError`` naming it, and the workspace
        is left as it was.
        """
        steps = ws.lesson.steps
        for j in range(len(self.states), k + 1):
            scratch = self._scratch()
            put(scratch, self.states[j - 1] if j else self.base)
            apply_step(scratch, steps[j], j)
            self.states.append(capture(scratch))
        put(ws, self.states[k])
        ws.racers = []


# ----- one step ------------------------------------------------------------------------------

def _refused(k: int, step: Step, path: str, message: str) -> EditError:
    return EditError(f"Step {k + 1} “{step.title}” cannot be entered: steps[{k}].{path}: "
                     f"{message}")


def apply_step(ws: Workspace, step: Step, k: int) -> None:
    """Apply step k's ``set`` to the workspace, then take its ``run``."""
    if step.settings is not None:
        apply_settings(ws, step.settings, step, k)
    run_step(ws.session, step.run)


def apply_settings(ws: Workspace, s: StepSettings, step: Step, k: int) -> None:
    """Apply what a step sets, in an order where each part sees the ones before it.

    The optimizer comes before the learning rate (so ``learning_rate`` wins), the axes
    before the hiker (whose position is given on them).
    """
    def attempt(path: str, verb, *args) -> None:
        try:
            verb(*args)
        except EditError as exc:
            raise _refused(k, step, path, str(exc)) from None

    if s.init is not None:  # first: new weights start a new run, the rest applies to it
        kind, seed = s.init
        attempt("set.init", ws.reinitialise, kind,
                ws.network_spec().init_seed if seed is None else seed)

    if s.optimizer is not None:
        o = s.optimizer
        lr = ws.session.config.learning_rate if o.learning_rate is None else o.learning_rate
        attempt("set.optimizer", ws.set_optimizer_config,
                replace(ws.session.config, name=o.name, learning_rate=lr, hyper=o.hyper))
    if s.learning_rate is not None:
        attempt("set.learning_rate", ws.set_learning_rate, s.learning_rate)
    if s.schedule is not None:
        attempt("set.schedule", ws.set_schedule, s.schedule.kind, s.schedule.settings())
    names = ws.problem.names
    if s.parameters:
        for name, _ in s.parameters:
            if name not in names:
                raise _refused(k, step, f"set.parameters.{name}", _not_a_parameter(name, names))
        attempt("set.parameters", ws.set_parameters,
                {names.index(name): value for name, value in s.parameters})
    if s.landscape is not None:
        x, y = s.landscape
        for key, name in (("x", x), ("y", y)):
            if name not in names:
                raise _refused(k, step, f"set.landscape.{key}", _not_a_parameter(name, names))
        attempt("set.landscape", ws.set_axes, names.index(x), names.index(y))
    if s.hiker is not None:
        wanted = 1 if ws.axes.is_curve else 2
        if len(s.hiker) != wanted:
            raise _refused(k, step, "set.hiker", f"the landscape has {wanted} axis "
                                                 f"value{'s' if wanted > 1 else ''} here, "
                                                 f"got {len(s.hiker)}")
        x, y = (s.hiker * 2)[:2]
        attempt("set.hiker", ws.set_parameters, ws.hiker_values(x, y))
    if s.select is not None:
        problem = target_problem(ws.problem, s.select)
        if problem:
            raise _refused(k, step, "set.select", problem)
        ws.selection = s.select
    if s.epsilon is not None:
        attempt("set.epsilon", ws.set_epsilon, str(s.epsilon))
    if s.sample is not None:
        count = getattr(ws.problem, "sample_count", 0)
        if not isinstance(ws.problem, NetworkProblem):
            raise _refused(k, step, "set.sample", "a formula has no samples")
        if s.sample >= count:
            raise _refused(k, step, "set.sample", f"there are {count} training samples "
                                                  f"(0–{count - 1}), got {s.sample}")
        ws.set_sample(s.sample)


def run_step(session: Session, run: int | tuple[str, int] | None) -> None:
    """Take a step's optimizer steps: a number, or until converged (at most ``max``).

    A run that diverges stops there and the step still shows it: a lesson may be about
    what a too-large learning rate does.
    """
    from .workspace import CONVERGED_GRADIENT

    if run is None:
        return
    if isinstance(run, int):
        session.step(run)
        return
    _, most = run
    for _ in range(most):
        if session.status == "diverged" or session.is_converged(CONVERGED_GRADIENT):
            return
        session.step(1)


# ----- checking a lesson's steps against its problem ------------------------------------------

def _not_a_parameter(name: str, names: list[str]) -> str:
    return f"{name!r} is not a parameter of this problem (e.g. {', '.join(names[:3])})"


def neuron_place(name: str, sizes: tuple[int, ...] | list[int]) -> tuple[int, int] | None:
    """Return the (layer, neuron) a neuron's name means in a network of these layer sizes.

    Layers count from 0 (the inputs); ``None`` when the name is no neuron of that network.
    """
    match = NEURON.match(name)
    if match is None:
        return None
    kind, hidden, index = match.group(1), match.group(2), int(match.group(3))
    layer = 0 if kind == "x" else len(sizes) - 1 if kind == "out" else int(hidden)
    if (hidden is not None and layer > len(sizes) - 2) or index >= sizes[layer]:
        return None
    return layer, index


def target_problem(problem: Problem, name: str) -> str:
    """Return what is wrong with a parameter or neuron name for a problem ("" if nothing)."""
    if name in problem.names:
        return ""
    match = NEURON.match(name)
    if match is None or not isinstance(problem, NetworkProblem):
        kinds = "a parameter" if not isinstance(problem, NetworkProblem) else \
            "a parameter or a neuron (x[0], h1[0], out[0])"
        return f"{name!r} is not {kinds} of this problem (e.g. {', '.join(problem.names[:3])})"
    sizes = problem.network.sizes
    kind, hidden, index = match.group(1), match.group(2), int(match.group(3))
    if kind == "x":
        layer, what = 0, "inputs"
    elif kind == "out":
        layer, what = len(sizes) - 1, "outputs"
    else:
        layer, what = int(hidden), f"neurons in hidden layer {hidden}"
        if layer > len(sizes) - 2:
            return f"this network has {len(sizes) - 2} hidden layer(s), so there is no {name}"
    if index >= sizes[layer]:
        return f"there are {sizes[layer]} {what}, so there is no {name}"
    return ""


def check_steps(lesson: Lesson, problem: Problem) -> None:
    """Check the names a lesson's steps use against its problem; raise ``LessonError``.

    Parameter, axis, neuron and sample names are checked when the lesson is opened, so a
    mistake is found then, at its JSON path, not in front of a class at step 7.
    """
    names = problem.names
    for k, step in enumerate(lesson.steps):
        s = step.settings
        if s is None:
            continue
        at = f"steps[{k}].set"
        if s.init is not None and not isinstance(problem, NetworkProblem):
            raise LessonError(f"{at}.init", "a formula has no weights to initialise")
        for name, _ in s.parameters:
            if name not in names:
                raise LessonError(f"{at}.parameters.{name}", _not_a_parameter(name, names))
        if s.landscape is not None:
            for key, name in zip(("x", "y"), s.landscape, strict=True):
                if name not in names:
                    raise LessonError(f"{at}.landscape.{key}", _not_a_parameter(name, names))
            if s.landscape[0] == s.landscape[1] and len(names) > 1:
                raise LessonError(f"{at}.landscape.y", "must name another parameter than "
                                                       f"landscape.x ({s.landscape[0]})")
        if s.hiker is not None and len(s.hiker) != min(len(names), 2):
            wanted = min(len(names), 2)
            raise LessonError(f"{at}.hiker", f"this problem's landscape has {wanted} axis "
                                             f"value{'s' if wanted > 1 else ''}, got "
                                             f"{len(s.hiker)}")
        if s.select is not None and target_problem(problem, s.select):
            raise LessonError(f"{at}.select", target_problem(problem, s.select))
        if s.sample is not None:
            if not isinstance(problem, NetworkProblem):
                raise LessonError(f"{at}.sample", "a formula has no samples")
            if s.sample >= problem.sample_count:
                raise LessonError(f"{at}.sample", f"there are {problem.sample_count} training "
                                                  f"samples, got {s.sample}")
        if s.epsilon is not None:
            _, wrong = parse_epsilon(str(s.epsilon))
            if wrong:
                raise LessonError(f"{at}.epsilon", wrong)


def shown_at(steps: tuple[Step, ...], k: int) -> StepShow | None:
    """Return the panels step k shows: its own ``show``, else the last one before it."""
    for step in reversed(steps[:k + 1]):
        if step.show is not None:
            return step.show
    return None
