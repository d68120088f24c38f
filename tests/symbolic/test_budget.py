"""The formula worker: a task over its budget is abandoned, and the next one still runs."""

import time

import pytest

from simulator.symbolic.budget import run_within
from simulator.symbolic.errors import FormulaError

from .budget_tasks import refusing_task, sleep_task


def test_a_task_over_its_budget_gives_what_came_in_time():
    run_within(sleep_task, ("warm", 0), 30)  # the worker has imported the tasks' module
    started = time.monotonic()
    outcome = run_within(sleep_task, ("early", 30), 0.5)
    assert time.monotonic() - started < 10
    assert outcome.results == ("early",)
    assert not outcome.finished and "gave up after 0.5 s" in outcome.reason


def test_the_next_task_runs_in_a_fresh_worker():
    run_within(sleep_task, ("early", 30), 0.2)
    outcome = run_within(sleep_task, ("again", 0), 10)
    assert outcome.results == ("again", "late") and outcome.finished


def test_a_task_s_formula_error_is_raised_in_the_caller():
    with pytest.raises(FormulaError) as info:
        run_within(refusing_task, (), 10)
    assert info.value.column == 3 and info.value.token == "q"
