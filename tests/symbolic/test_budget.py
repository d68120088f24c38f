"""The formula worker: a task over its budget is abandoned, and the next one still runs."""

import signal
import threading
import time

import pytest

from simulator.lessons.checking import LessonError
from simulator.symbolic.budget import (
    ABANDONED,
    Outcome,
    OverBudget,
    can_bound_here,
    run_within,
    within_here,
)
from simulator.symbolic.errors import FormulaError

from .budget_tasks import lesson_error_task, refusing_task, sleep_task, unrebuildable_task


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


def test_an_abandoned_task_frees_the_worker_for_the_next_at_once():
    # a stale task holds the worker for 30 s; the newer one, with a budget of 1 s, would
    # otherwise wait that budget out and give up ("other formula work took the whole 1 s")
    run_within(sleep_task, ("warm", 0), 30)
    stale = threading.Event()
    outcomes = {}
    holder = threading.Thread(target=lambda: outcomes.setdefault(
        "stale", run_within(sleep_task, ("stale", 30), 20, abandon=stale)))
    holder.start()
    time.sleep(0.5)  # the stale task is in the worker now
    started = time.monotonic()
    stale.set()
    fresh = run_within(sleep_task, ("fresh", 0.2), 1)
    took = time.monotonic() - started
    holder.join(10)
    assert not holder.is_alive()
    assert outcomes["stale"].results == ("stale",)
    assert not outcomes["stale"].finished and outcomes["stale"].reason == ABANDONED
    assert fresh.finished and fresh.results == ("fresh", "late")
    assert took < 15  # a fresh worker's start, not the stale task's 30 s


def test_a_task_abandoned_while_it_waits_for_the_worker_does_not_run():
    run_within(sleep_task, ("warm", 0), 30)
    gone = threading.Event()
    outcomes = {}
    holder = threading.Thread(target=lambda: outcomes.setdefault(
        "first", run_within(sleep_task, ("first", 1.0), 10)))
    holder.start()
    time.sleep(0.3)
    gone.set()
    started = time.monotonic()
    waiting = run_within(sleep_task, ("never", 0), 10, abandon=gone)
    assert time.monotonic() - started < 0.5
    assert waiting == Outcome((), False, ABANDONED)
    holder.join(10)
    assert outcomes["first"].finished  # the task that was not abandoned ran to its end


def test_an_error_that_cannot_be_rebuilt_in_the_caller_still_says_what_it_was():
    # an exception whose __init__ takes other arguments than its args pickles, but does not
    # unpickle: the caller gets a RuntimeError naming it, not a TypeError from the pipe
    with pytest.raises(RuntimeError) as info:
        run_within(unrebuildable_task, (), 10)
    assert str(info.value) == "Unrebuildable: the part and the reason"


def test_a_lesson_error_crosses_from_the_worker_with_its_path():
    with pytest.raises(LessonError) as info:
        run_within(lesson_error_task, (), 10)
    assert info.value.path == "problem.expression" and str(info.value) == \
        "problem.expression: column 3: something"


def test_a_deadline_stops_a_task_whatever_its_budget():
    run_within(sleep_task, ("warm", 0), 30)
    started = time.monotonic()
    outcome = run_within(sleep_task, ("early", 30), 30, deadline=started + 0.5)
    assert time.monotonic() - started < 10
    assert outcome.results == ("early",)
    assert not outcome.finished and outcome.reason == "gave up at its deadline"


def test_a_deadline_already_past_gives_up_without_running():
    outcome = run_within(sleep_task, ("never", 0), 30, deadline=time.monotonic() - 1)
    assert outcome.results == () and outcome.reason.startswith("gave up")


def test_work_on_the_main_thread_over_its_budget_is_stopped_there():
    assert can_bound_here()
    before = signal.getsignal(signal.SIGPROF), signal.getsignal(signal.SIGALRM)
    with pytest.raises(OverBudget), within_here(0.2):
        while True:  # CPU time, which is what the budget counts
            sum(range(1000))
    assert (signal.getsignal(signal.SIGPROF), signal.getsignal(signal.SIGALRM)) == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    with within_here(5.0):
        value = sum(range(1000))
    assert value == 499500 and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_only_the_main_thread_can_bound_its_own_work():
    answers = []
    worker = threading.Thread(target=lambda: answers.append(can_bound_here()))
    worker.start()
    worker.join()
    assert answers == [False]
