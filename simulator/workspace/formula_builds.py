"""A formula's sympy work, done apart from the change it is for: on any thread, within a budget.

Every change that gives the workspace a new formula (typing one, opening a formula lesson,
choosing a surface, starting a new lesson) is made in two halves. ``build_formula`` does
the sympy work (parsing, derivatives, compiling, the formula model) and may run in a
pool thread; ``Change.make`` then swaps the new state in at once, and runs no sympy. A
change with nothing to build (a network lesson) is made at once. The window builds in
the background and drops a stale build; the command line and tests call ``Change.now``.

Undo needs no sympy either: a memento keeps the ``BuiltFormula`` of its state, moved to
its start with ``restarted``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from simulator.lessons.building import build_problem
from simulator.lessons.checking import LessonError
from simulator.lessons.model import ExpressionSpec, Lesson

from .errors import EditError

#: the landscape's half-width around the start when a formula's spec gives no range
#: (as ``symbolic.problems`` builds it)
HALF_RANGE = 4.0
#: how long the sympy work on a lesson's formula may take in the headless commands, ``run``
#: and ``export`` (the formula worker's CPU time; ``symbolic.budget``)
COMMAND_SECONDS = 10.0


@dataclass(frozen=True)
class BuiltFormula:
    """A formula's engine problem and formula model, built on any thread.

    ``model`` is None when it is not made yet, or (with ``why`` saying so) when sympy
    could not analyse the formula: the hiker can still walk on it.
    """

    spec: ExpressionSpec
    problem: object
    model: object | None
    why: str = ""


class GaveUp(EditError):
    """A formula's sympy work did not fit its time budget (``seconds``); nothing was built."""

    def __init__(self, seconds: float, expression: str):
        super().__init__(f"Gave up after {seconds:g} s: working out the derivatives of "
                         f"J = {expression} takes too long, so the problem stays as it was.")
        self.seconds, self.expression = seconds, expression

    def __reduce__(self):
        return GaveUp, (self.seconds, self.expression)

    def line(self, file: str, longest: int = 60) -> str:
        """Return the command line's one line for this, naming the lesson file.

        The formula is quoted up to ``longest`` characters.
        """
        text = self.expression if len(self.expression) <= longest else \
            self.expression[:longest] + "…"
        return (f"{file}: gave up after {self.seconds:g} s: working out the derivatives of "
                f"J = {text} takes too long")


def build_formula(spec: ExpressionSpec, seconds: float | None = None,
                  abandon: threading.Event | None = None, model: bool = True) -> BuiltFormula:
    """Do a formula's sympy work, on any thread: its engine problem and its formula model.

    With ``seconds`` the same work is first done in the formula worker (``symbolic.budget``),
    which is abandoned past that budget, or as soon as ``abandon`` is set: a formula that
    does not fit the budget raises ``GaveUp`` saying so, and nothing is built here.
    ``EditError`` also says why a formula cannot be built. Without ``model`` only the
    engine problem is built (a run needs no formula model: ``model`` is None).
    """
    from simulator.symbolic.budget import ABANDONED, run_within

    from .formula import build_formula_model, formula_work, problem_work

    reason = ""  # why the worker did not finish (it did, or there is none: "")
    try:
        if seconds is not None:
            outcome = run_within(formula_work if model else problem_work, (spec,), seconds,
                                 abandon)
            reason = "" if outcome.finished else outcome.reason
        if not reason.startswith((ABANDONED, "gave up", "other formula")):
            problem = build_problem(spec)
    except LessonError as exc:
        raise EditError(str(exc).removeprefix("problem: ")) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise EditError(str(exc)) from None
    if reason == ABANDONED:
        raise EditError(f"J = {spec.expression} was replaced by a newer change.")
    if reason.startswith(("gave up", "other formula")):
        raise GaveUp(seconds, spec.expression)
    if not model:
        return BuiltFormula(spec, problem, None)
    return BuiltFormula(spec, problem, *analysed(problem, build_formula_model))


def build_within_budget(spec: ExpressionSpec, model: bool, fork_here: bool) -> BuiltFormula:
    """Return a headless command's formula built (a ``BuiltFormula``) within its budget.

    The sympy work may take ``COMMAND_SECONDS`` of CPU time; past that ``GaveUp`` is
    raised. It is done once, here, bounded by a timer (``budget.within_here``); where
    there are no interval timers (Windows) or off the main thread, in the formula worker
    first, then again here. ``fork_here``: that worker may be forked from this process
    (no Qt threads in it). ``model``: the formula model too (for drawing). Raises
    ``EditError`` for a formula that cannot be built.
    """
    from simulator.symbolic import budget

    seconds = COMMAND_SECONDS
    if budget.can_bound_here():
        try:
            with budget.within_here(seconds):
                return build_formula(spec, model=model)
        except budget.OverBudget:
            raise GaveUp(seconds, spec.expression) from None
    if fork_here:
        # sympy loaded here first, so the worker forked from this process starts at once
        import simulator.symbolic.report  # noqa: F401

        budget.fork_workers_here()
    return build_formula(spec, seconds, model=model)


def analysed(problem, build_model: Callable) -> tuple[object | None, str]:
    """Return a formula's model and "", or None and why sympy could not analyse it."""
    from simulator.symbolic.problems import TOO_DEEP

    try:
        return build_model(problem), ""
    except (ValueError, TypeError, ArithmeticError) as exc:
        return None, f"This formula could not be analysed: {exc}"
    except RecursionError:
        return None, f"This formula could not be analysed: {TOO_DEEP}"


def restarted(built: BuiltFormula, spec: ExpressionSpec) -> BuiltFormula:
    """Return a built formula moved to another start and range of the same formula (no sympy).

    ``spec`` is the formula's spec as a memento holds it (its start is θ then); the
    compiled functions and the model are shared.
    """
    start = dict(spec.start)
    theta = np.array([float(start[name]) for name in built.problem.names])
    ranges = dict(spec.range)
    spans = [tuple(ranges[name]) if name in ranges else (t - HALF_RANGE, t + HALF_RANGE)
             for name, t in zip(built.problem.names, theta.tolist(), strict=True)]
    return replace(built, spec=spec, problem=replace(built.problem, start=theta, ranges=spans))


def formula_of(lesson: Lesson) -> ExpressionSpec | None:
    """Return the formula a lesson's problem needs built, or None (a network needs no sympy)."""
    return lesson.problem if isinstance(lesson.problem, ExpressionSpec) else None


@dataclass(frozen=True)
class Change:
    """A change to the workspace in two halves: build ``formula`` (any thread), then ``make``.

    ``make(built)`` swaps the new state in on the workspace's thread, given the built
    formula (None when ``formula`` is None: nothing to build); it raises ``EditError``
    and changes nothing if the new state cannot be made. ``name`` says what is opened or
    typed, for messages ("seed.lesson.json", "J = w**2").
    """

    make: Callable[[BuiltFormula | None], None]
    formula: ExpressionSpec | None = None
    name: str = ""

    def now(self, seconds: float | None = None) -> None:
        """Build (within ``seconds`` if given) and make the change, all on this thread."""
        self.make(None if self.formula is None else build_formula(self.formula, seconds))
