"""A million optimizer steps through the controller (issue 14 §7): bounded memory, the same pace.

The controller plays 100 steps per frame for 10,000 frames, as the play timer does, with
its frames published. The session keeps a thinned history, so the process's resident
memory may grow by at most 50 MB; a frame at the end takes as long as one at the start
(medians, within the noise of a shared machine); and the last frame is right: a million
steps, the loss a fresh evaluation at its θ, the history still a few thousand points.
"""

import statistics
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec

STEPS, PER_FRAME = 1_000_000, 100
#: the bowl is 10× steeper along w2: at η = 0.1 each step flips w2 (1 − 0.1·20 = −1), so the
#: run neither converges nor diverges — a million steps all played
LESSON = Lesson("long run", ExpressionSpec("w1**2 + 10*w2**2", (("w1", 3.0), ("w2", 1.0))),
                OptimizerSpec("sgd", 0.1))


def resident_bytes() -> int:
    """Return this process's resident memory (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


@pytest.mark.slow
def test_a_million_steps_through_the_controller(make_controller, record_property):
    c = make_controller()
    assert c.set_lesson_now(LESSON)
    # one frame a second from the timer: the frames are ticked here, back to back
    c.set_speed(steps_per_frame=PER_FRAME, fps=1)
    c.play()
    times, k = [], 0
    while c.workspace.session.step_count < STEPS:
        if k == 200:
            before = resident_bytes()
        started = time.perf_counter()
        c.tick()
        times.append(time.perf_counter() - started)
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
    start, end = statistics.median(times[100:600]), statistics.median(times[-500:])
    record_property("memory_growth_mb", round(grown / 2**20, 1))
    record_property("frame_ms_start_end", (round(start * 1e3, 3), round(end * 1e3, 3)))
    assert end <= 1.5 * start + 0.5e-3, f"a frame took {start * 1e3:.2f} ms, at the end {end * 1e3:.2f} ms"
