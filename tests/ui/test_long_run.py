"""A million optimizer steps through the controller (issue 14 §7): bounded memory, the same work.

The controller plays 100 steps per frame for 10,000 frames, as the play timer does, with
its frames published. What would make a frame cost more as a run grows is the engine
working more per step, or the arrays handed to the views (histories, trails) growing; so
the frames at the end must hand the views no more than those near the start, and evaluate
J and its slope as often. The session keeps a thinned history, so the process's resident
memory may grow by at most 50 MB, and the last frame is right: a million steps, the loss a
fresh evaluation at its θ. The frame's wall time at the end against the start's is a
figure of ``bench`` (``gui.long_run_frame_end_ms``), not a test: it depends on the load.
"""

import dataclasses
import threading
from collections import Counter

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from simulator.benchmarks import LONG_RUN_LESSON, LONG_RUN_SETTLE, LONG_RUN_TIMED
from simulator.engine.problems import ExpressionProblem

STEPS, PER_FRAME = 1_000_000, 100
#: the frames compared with the end, bench's start (from step 10,000, past the record's
#: first thinning, to step 60,000: a whole cycle of its thinning)
START = range(LONG_RUN_SETTLE, LONG_RUN_SETTLE + LONG_RUN_TIMED)
EVALUATIONS = ("loss", "gradient", "loss_and_gradient", "test_loss")


def resident_bytes() -> int:
    """Return this process's resident memory (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


def handed(frame) -> dict[str, int]:
    """Return the size of every array a frame hands the views, by field."""
    return {f.name: np.asarray(getattr(frame, f.name)).size for f in dataclasses.fields(frame)
            if isinstance(getattr(frame, f.name), np.ndarray)}


def count_evaluations(monkeypatch) -> Counter:
    """Count the evaluations of J and its slope made on this thread (not the pool's grids)."""
    counts, here = Counter(), threading.get_ident()

    def counting(name, real):
        def counted(self, *args, **kwargs):
            if threading.get_ident() == here:
                counts[name] += 1
            return real(self, *args, **kwargs)
        return counted
    for name in EVALUATIONS:
        monkeypatch.setattr(ExpressionProblem, name, counting(name, getattr(ExpressionProblem, name)))
    return counts


@pytest.mark.slow
def test_a_million_steps_through_the_controller(make_controller, monkeypatch):
    c = make_controller()
    assert c.set_lesson_now(LONG_RUN_LESSON)
    frames = []
    c.frameChanged.connect(lambda frame: frames.append(handed(frame)))
    counts = count_evaluations(monkeypatch)
    # one frame a second from the timer: the frames are ticked here, back to back
    c.set_speed(steps_per_frame=PER_FRAME, fps=1)
    c.play()
    per_tick, k = [], 0
    while c.workspace.session.step_count < STEPS:
        if k == 200:
            before = resident_bytes()
        counted = counts.copy()
        c.tick()
        per_tick.append(counts - counted)
        k += 1
        if k % 500 == 0:
            QApplication.processEvents()  # the paced paints and grids go out meanwhile
    grown = resident_bytes() - before
    c.pause()
    frame = c.frame()
    assert frame.step == STEPS and frame.status == "stalled"
    problem = c.workspace.problem
    assert frame.loss == problem.loss(frame.theta)
    assert np.array_equal(frame.gradient, problem.gradient(frame.theta))
    assert len(frame.loss_steps) <= 4097 and STEPS - frame.loss_steps[-1] < 1024
    assert grown <= 50 * 2**20, f"memory grew by {grown / 2**20:.1f} MB"

    # the same work per frame throughout: one evaluation of J and its slope per step, and
    # the recording of the run's record (a row at each recorded step, fewer as it thins)
    assert all(tick["loss_and_gradient"] == PER_FRAME for tick in per_tick)
    recorded = [tick.total() - PER_FRAME * 3 for tick in per_tick]  # loss, gradient, both
    assert max(recorded[-LONG_RUN_TIMED:]) <= max(recorded[START.start:START.stop])
    # nothing handed to the views grows: each array at the end is no bigger than near the start
    largest = {name: max(sizes[name] for sizes in frames[START.start:START.stop])
               for name in frames[0]}
    for sizes in frames[-LONG_RUN_TIMED:]:
        assert all(sizes[name] <= largest[name] for name in sizes), (sizes, largest)
    assert max(largest.values()) <= 2 * 4097
