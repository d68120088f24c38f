"""The formula worker: a task over its budget is abandoned, and the next one still runs."""

import time

import pytest

from simulator.symbolic.budget import run_within
from simulator.symbolic.errors import FormulaError


def _sleep_task(first, seconds):
    yield first
    time.sleep(seconds)
    yield "late"


def _refusing_task():
    raise FormulaError(3, "q", "unknown name 'q'")
    yield  # a generator, as every task is


def test_a_task_over_its_budget_gives_what_came_in_time():
    # The budget leaves the worker ample time to send its first result even on a busy
    # machine; the task then sleeps far past it.
    started = time.monotonic()
    outcome = run_within(_sleep_task, ("early", 60), 3.0)
    assert time.monotonic() - started < 30
    assert outcome.results == ("early",)
    assert not outcome.finished and "gave up after 3 s" in outcome.reason


def test_the_next_task_runs_in_a_fresh_worker():
    run_within(_sleep_task, ("early", 30), 0.2)
    outcome = run_within(_sleep_task, ("again", 0), 10)
    assert outcome.results == ("again", "late") and outcome.finished


def test_a_task_s_formula_error_is_raised_in_the_caller():
    with pytest.raises(FormulaError) as info:
        run_within(_refusing_task, (), 10)
    assert info.value.column == 3 and info.value.token == "q"
