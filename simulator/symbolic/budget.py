"""Time budgets for sympy work on user text: a worker process that can be abandoned.

Sympy has no way to stop a computation: ``simplify`` of ``cosh(w**5)*sigmoid(w - 6000)``
runs for minutes, and so does the exact value of ``log`` nested 40 deep. A thread cannot
be stopped either, so the work runs in one long-lived worker process; when a task is over
its budget the worker is killed, and the next task starts a fresh one (forked from a
server that has already imported sympy, where the platform allows it). The budget is the
worker's CPU time where the system says it (Linux), so a busy machine does not make a
simple formula give up; wall time is capped at ``WALL_FACTOR`` budgets all the same.

A task is a module-level generator function. It may yield several results, each better
than the last (a derivative, then the same derivative simplified); the caller gets every
result that arrived in time. Inside the worker, ``run_within`` runs tasks inline.

Callers on a GUI may call ``run_within`` from any thread; tasks run one at a time. A
caller whose task went stale (a newer formula was typed) sets the task's ``abandon``
event: the worker is killed at once, so the newer task gets the worker, and its whole
budget, at once too. A task's budget starts when it gets the worker, not while it waits.

A command line on a system with interval timers (Linux, macOS) that wants a result it can
use needs no worker at all: ``within_here`` bounds work on its own main thread with
signals, so the work is done once, where its result is wanted (a compiled formula does not
cross a pipe).

A command line that must answer by a time of the wall clock (``derive``: 2 s from the
process's start) gives ``run_within`` a ``deadline``, and calls ``fork_workers_here``
first: its worker is then forked from the command's own process, which has sympy loaded
already, and starts in milliseconds instead of the forkserver's second.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: how long the worker may take to start (not counted in a task's budget)
START_SECONDS = 60.0
#: a task gives up after its budget of the worker's CPU time, or this many budgets of
#: wall time, whichever comes first (the same on an idle machine, not on a busy one)
WALL_FACTOR = 4.0
_CPU_CHECK_SECONDS = 0.05
#: the reason of a task given up because its caller no longer wants it
ABANDONED = "abandoned: a newer request came"
_GAVE_UP_AT_DEADLINE = "gave up at its deadline"

_LOCK = threading.Lock()
_in_worker = False
_worker: _Worker | None = None
_fork_here = False


@dataclass(frozen=True)
class Outcome:
    """What a task gave within its budget.

    ``results`` are the values it yielded in time, in order; ``finished`` says whether it
    ran to its end; ``reason`` says why not ("" when finished).
    """

    results: tuple[Any, ...]
    finished: bool
    reason: str = ""


def run_within(task: Callable[..., Iterator[Any]], args: tuple, seconds: float,
               abandon: threading.Event | None = None,
               deadline: float | None = None) -> Outcome:
    """Run ``task(*args)`` for at most ``seconds``; return what it yielded by then.

    Once ``abandon`` is set the task stops at once (waiting for the worker, or in it),
    with the reason ``ABANDONED``. ``deadline``, a ``time.monotonic()`` time, is an end
    on the wall clock besides: the task stops by then whatever the worker's CPU time,
    and waiting for the worker and its start count. An exception the task raises is
    raised here (a ``FormulaError`` stays one).
    """
    if _in_worker:
        return Outcome(tuple(task(*args)), True)
    waited_until = time.monotonic() + seconds
    if deadline is not None:
        waited_until = min(waited_until, deadline)
    while not _LOCK.acquire(timeout=_CPU_CHECK_SECONDS):
        if abandon is not None and abandon.is_set():
            return Outcome((), False, ABANDONED)
        if time.monotonic() >= waited_until:
            return Outcome((), False, f"other formula work took the whole {seconds:g} s")
    try:
        if abandon is not None and abandon.is_set():
            return Outcome((), False, ABANDONED)
        return _run(task, args, time.monotonic() + seconds, seconds, abandon, deadline)
    finally:
        _LOCK.release()


def _run(task: Callable[..., Iterator[Any]], args: tuple, budget_end: float,
         seconds: float, abandon: threading.Event | None, deadline: float | None) -> Outcome:
    global _worker
    if _worker is None or not _worker.alive():
        try:
            _worker = _Worker()
            # Starting the worker is not the task's time (but for a wall-clock deadline).
            budget_end += _worker.wait_ready(deadline)
        except (OSError, EOFError, RuntimeError) as error:
            # e.g. a script read from stdin, whose main module a worker cannot import
            _worker = None
            if deadline is not None and time.monotonic() >= deadline:
                return Outcome((), False, _GAVE_UP_AT_DEADLINE)
            return Outcome((), False, f"the formula worker could not start ({error})")
    results: list[Any] = []
    cpu_at_start = _worker.cpu_seconds()
    hard_deadline = budget_end + (WALL_FACTOR - 1) * seconds
    if deadline is not None:
        budget_end, hard_deadline = min(budget_end, deadline), min(hard_deadline, deadline)
    try:
        _worker.connection.send((task, args))
        while True:
            if abandon is not None and abandon.is_set():
                _worker.stop()
                _worker = None
                return Outcome(tuple(results), False, ABANDONED)
            remaining = budget_end - time.monotonic()
            if remaining <= 0 and not _worker.connection.poll(0):
                # Past the budget in wall time: on a busy machine the worker may have had
                # little of it, so it goes on while its own CPU time is within the budget.
                used = _worker.cpu_seconds()
                if (used is None or cpu_at_start is None or used - cpu_at_start >= seconds
                        or time.monotonic() >= hard_deadline):
                    _worker.stop()
                    _worker = None
                    cut = deadline is not None and time.monotonic() >= deadline
                    return Outcome(tuple(results), False, _GAVE_UP_AT_DEADLINE if cut
                                   else f"gave up after {seconds:g} s")
                remaining = min(_CPU_CHECK_SECONDS, hard_deadline - time.monotonic())
            if abandon is not None:  # look at the event often
                remaining = min(remaining, _CPU_CHECK_SECONDS)
            if not _worker.connection.poll(max(0.0, remaining)):
                continue
            kind, value = _worker.connection.recv()
            if kind == "result":
                results.append(value)
            elif kind == "error":
                raise value
            else:
                return Outcome(tuple(results), True)
    except (EOFError, OSError, BrokenPipeError):
        # The worker died (out of memory, killed from outside): this task gives up.
        _worker.stop()
        _worker = None
        return Outcome(tuple(results), False, "the formula worker stopped")


class _Worker:
    """The worker process and the parent's end of its pipe."""

    def __init__(self) -> None:
        context = _context()
        self.connection, child = context.Pipe()
        # A forked worker inherits the parent's end too, and must close it to see it go.
        inherited = self.connection if _fork_here else None
        self.process = context.Process(target=_serve, args=(child, inherited), daemon=True,
                                       name="backprop-hiker-formulas")
        self.process.start()
        child.close()

    def wait_ready(self, deadline: float | None = None) -> float:
        """Wait until the worker has started (by ``deadline`` at the latest); return how long."""
        started = time.monotonic()
        wait = START_SECONDS if deadline is None else min(START_SECONDS, deadline - started)
        if not self.connection.poll(max(0.0, wait)):
            self.stop()
            raise RuntimeError(f"no answer within {wait:.3g} s")
        try:
            self.connection.recv()
        except EOFError:
            self.stop()
            raise RuntimeError("it stopped while starting") from None
        return time.monotonic() - started

    def cpu_seconds(self) -> float | None:
        """Return the CPU time the worker has used, or None where it cannot be read."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            # utime and stime, fields 14 and 15 of proc(5), after the ")" of the name
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        """Return whether the process is still running."""
        return self.process.is_alive()

    def stop(self) -> None:
        """Kill the process (it may be deep in sympy) and close the pipe."""
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class OverBudget(BaseException):
    """Work under ``within_here`` that ran over its budget.

    A BaseException, so that sympy's own ``except Exception`` blocks do not swallow it.
    """


def can_bound_here() -> bool:
    """Return whether ``within_here`` works here: the main thread, with interval timers."""
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


@contextlib.contextmanager
def within_here(seconds: float) -> Iterator[None]:
    """Bound the work in the ``with`` body to ``seconds`` of this process's CPU time.

    Past it, or past ``WALL_FACTOR`` budgets of wall time, ``OverBudget`` is raised in
    the body. Only for a command line's main thread (``can_bound_here``), whose other
    signal handlers it borrows (SIGPROF, SIGALRM) for the while.
    """
    finished = False

    def over(signum, frame):
        if not finished:
            raise OverBudget(f"over {seconds:g} s")

    previous = {number: signal.signal(number, over)
                for number in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, WALL_FACTOR * seconds)
    try:
        yield
    finally:
        finished = True
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)


def fork_workers_here() -> None:
    """Fork the formula workers to come from this process, which has sympy loaded.

    Only for a command line: forking a process that runs other threads (Qt's) is unsafe.
    """
    global _fork_here
    _fork_here = True


def _context() -> multiprocessing.context.BaseContext:
    if _fork_here:
        return multiprocessing.get_context("fork")
    # forkserver forks each new worker from a clean server that has imported sympy once:
    # cheap restarts, and safe from a process with Qt's threads. Elsewhere: spawn.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["simulator.symbolic.report"])
        return context
    return multiprocessing.get_context("spawn")


def _serve(connection, inherited=None) -> None:
    """Run tasks from the pipe until it closes (the worker's main loop).

    ``inherited``: the parent's end of the pipe, which a forked worker holds as well.
    """
    global _in_worker
    _in_worker = True
    if inherited is not None:
        inherited.close()
    if not _fork_here:
        from simulator.symbolic.report import derive_report

        # One small derivative first: sympy's caches and lazily loaded printers are warm
        # before the first task's time starts, so a fresh worker answers a simple formula
        # at once. A worker forked for a deadline has no time to spare for it.
        derive_report("w**2 + abs(w)", at={"w": "1"})
    connection.send(("ready", None))
    while True:
        try:
            task, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            for result in task(*args):
                connection.send(("result", result))
            connection.send(("done", None))
        except Exception as error:  # sent back and raised in the parent
            try:
                pickle.loads(pickle.dumps(error))  # one the parent could not rebuild fails here
                connection.send(("error", error))
            except Exception:  # an exception that does not pickle still says what it was
                connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def warm_up() -> None:
    """Load sympy and start the formula worker now, so the first formula opened need not wait.

    Both take seconds on a cold start; the app calls this on a thread of its own at launch.
    """
    import sympy  # noqa: F401 - loaded for the formulas to come

    run_within(_ready, (), START_SECONDS)


def _ready() -> Iterator[bool]:
    """Yield True (the worker is up)."""
    yield True
