"""Tasks for the formula worker's tests: a module that imports nothing heavy.

The worker imports a task's module when the task arrives, inside the task's budget.
"""

import time

from simulator.symbolic.errors import FormulaError


def sleep_task(first, seconds):
    """Yield ``first``, sleep, then yield "late"."""
    yield first
    time.sleep(seconds)
    yield "late"


def refusing_task():
    """Raise a FormulaError (a generator, as every task is)."""
    raise FormulaError(3, "q", "unknown name 'q'")
    yield


class Unrebuildable(Exception):
    """An exception built from two arguments into one message (it does not unpickle)."""

    def __init__(self, part, reason):
        super().__init__(f"{part} and {reason}")


def unrebuildable_task():
    """Raise an exception that pickles but cannot be rebuilt from its args."""
    raise Unrebuildable("the part", "the reason")
    yield


def lesson_error_task():
    """Raise a lesson's error, as building a lesson's problem does."""
    from simulator.lessons.checking import LessonError

    raise LessonError("problem.expression", "column 3: something")
    yield
