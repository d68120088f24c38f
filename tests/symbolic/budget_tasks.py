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
