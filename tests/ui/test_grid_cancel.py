"""Cancelling the grids stops a running landscape stage part-way (issue 14 §4's leaked thread).

The 8 × 32 network's fine landscape (``BIG_LESSON``, 1,000 points) takes about 3 s alone
and over 5 s under load: a stage checked its generation only between stages, so a
teardown's 5 s wait after ``cancel`` saw it still running. Its grid now asks whether it is
still wanted once per pass over a few samples. The test holds the fine grid at one of those
checks until ``cancel`` has been called, so the order of events does not depend on timing.
"""

import json
import threading

from PySide6.QtCore import QCoreApplication, QThreadPool

from simulator.benchmarks import BIG_LESSON
from simulator.engine import landscape
from simulator.ui import grids

WAIT = 5  # seconds: the teardown's wait, and the most a held check waits for the test


def test_cancel_stops_the_big_networks_fine_landscape_part_way(make_controller, qtbot,
                                                               monkeypatch, tmp_path):
    original = grids._Job.wanted
    inside_fine, cancelled = threading.Event(), threading.Event()
    outside: dict[int, int] = {}  # a landscape job's checks between its stages
    after_cancel: list[bool] = []  # the fine grid's answers once cancelled

    def wanted(job):
        in_grid = getattr(landscape._local, "wanted", None) is not None
        if job.channel != "landscape":
            return original(job)
        if not in_grid:
            outside[id(job)] = outside.get(id(job), 0) + 1
        elif outside.get(id(job)) == 2:  # inside the second stage: the fine grid
            if not inside_fine.is_set():
                inside_fine.set()
                cancelled.wait(WAIT)
            after_cancel.append(original(job))
            return after_cancel[-1]
        return original(job)

    monkeypatch.setattr(grids._Job, "wanted", wanted)
    delivered = []
    path = tmp_path / "big.lesson.json"
    path.write_text(json.dumps(BIG_LESSON), encoding="utf-8")
    controller = make_controller(path)
    controller.grids.ready.connect(lambda channel, result: delivered.append((channel, result)))
    qtbot.waitUntil(inside_fine.is_set, timeout=60_000)  # the coarse grid came first
    fine_landscapes = sum(1 for channel, r in delivered if channel == "landscape" and r.fine)
    controller.grids.cancel()
    cancelled.set()
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=WAIT * 1000)
    assert after_cancel == [False]  # the first check after cancel stopped the grid
    QCoreApplication.processEvents()  # results are queued before a job ends: none may come
    assert sum(1 for channel, r in delivered
               if channel == "landscape" and r.fine) == fine_landscapes == 0
