"""The background grid service alone: stages in order, stale and cancelled results dropped, errors as results.

Stages that must still be running when the test acts wait on a ``threading.Event`` the test
sets, so no outcome depends on timing. Results reach the GUI thread as queued signals; a test
waits for the pool, then processes events, and has then seen everything the service will send.
"""

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool

from simulator.ui.grids import GridService

WAIT = 5  # seconds a stage waits for its gate before giving up, so a broken test cannot hang


class Recorder:
    """A grid service on its own two-thread pool, with every ``ready`` it sends kept in order."""

    def __init__(self, pool: QThreadPool):
        self.pool = pool
        self.service = GridService(pool=pool)
        self.delivered: list[tuple[str, object]] = []
        self.delivery_threads: set[int] = set()
        self.service.ready.connect(self._record)

    def _record(self, channel, result):
        self.delivered.append((channel, result))
        self.delivery_threads.add(threading.get_ident())

    def finish(self) -> list[tuple[str, object]]:
        """Wait for every job, take in every queued result, and return all delivered so far."""
        assert self.service.wait(WAIT * 1000)
        QCoreApplication.processEvents()
        return self.delivered


@pytest.fixture
def gate():
    """Return an event a blocked stage waits for; it is set at the end in any case."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def grids(qapp, gate):
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    recorder = Recorder(pool)
    yield recorder
    gate.set()
    recorder.service.cancel()
    assert pool.waitForDone(WAIT * 1000)


def blocked_until(gate, started, result, ran):
    """Return a stage that says it started, waits for the gate, then notes that it ran."""
    def stage():
        started.set()
        gate.wait(WAIT)
        ran.append(result)
        return result
    return stage


def noting(result, ran):
    def stage():
        ran.append(result)
        return result
    return stage


def test_stages_arrive_in_order_on_the_gui_thread(grids):
    stage_threads = set()

    def stage(i):
        stage_threads.add(threading.get_ident())
        return i

    generation = grids.service.request("landscape", [lambda i=i: stage(i) for i in range(5)])
    assert generation == 1 == grids.service.generation("landscape")
    assert grids.finish() == [("landscape", i) for i in range(5)]
    assert grids.delivery_threads == {threading.get_ident()}
    assert threading.get_ident() not in stage_threads


def test_a_newer_request_drops_the_older_ones_results_and_stops_its_stages(grids, gate):
    started, ran = threading.Event(), []
    first = grids.service.request("landscape", [blocked_until(gate, started, "old coarse", ran),
                                                noting("old fine", ran)])
    assert started.wait(WAIT)  # the old request is inside its coarse stage
    second = grids.service.request("landscape", [lambda: "new coarse", lambda: "new fine"])
    gate.set()
    assert grids.finish() == [("landscape", "new coarse"), ("landscape", "new fine")]
    assert ran == ["old coarse"]  # finished, then thrown away; its fine stage never started
    assert (first, second) == (1, 2)


def test_channels_have_their_own_generations(grids):
    grids.service.request("landscape", [lambda: "surface"])
    grids.service.request("decision", [lambda: "map"])
    grids.service.request("landscape", [lambda: "surface again"])
    assert sorted(grids.finish()) == [("decision", "map"), ("landscape", "surface again")]
    assert (grids.service.generation("landscape"), grids.service.generation("decision")) == (2, 1)


def test_cancel_drops_one_channel_and_leaves_the_others(grids, gate):
    started, ran = threading.Event(), []
    grids.service.request("landscape", [blocked_until(gate, started, "coarse", ran), noting("fine", ran)])
    assert started.wait(WAIT)
    grids.service.request("decision", [lambda: "map"])
    grids.service.cancel("landscape")
    gate.set()
    assert grids.finish() == [("decision", "map")]
    assert ran == ["coarse"]


def test_cancel_without_a_channel_drops_everything_pending(grids):
    grids.service.request("landscape", [lambda: "surface"])
    grids.service.request("decision", [lambda: "map"])
    assert grids.service.wait(WAIT * 1000)  # both finished: their results wait in the event queue
    grids.service.cancel()
    assert grids.finish() == []


def test_a_stage_that_raises_delivers_its_exception(grids):
    error = ValueError("the grid has no points")

    def broken():
        raise error

    grids.service.request("landscape", [broken])
    assert grids.finish() == [("landscape", error)]


def test_wait_reports_work_still_running_and_no_thread_is_left_after_it(grids, gate):
    started = threading.Event()
    grids.service.request("landscape", [blocked_until(gate, started, "grid", [])])
    assert started.wait(WAIT)
    assert not grids.service.wait(10)  # the stage is held at its gate
    assert grids.pool.activeThreadCount() == 1
    gate.set()
    assert grids.finish() == [("landscape", "grid")]
    assert grids.pool.activeThreadCount() == 0


def test_on_the_global_pool_by_default_and_leaves_it_idle(qapp):
    service = GridService()
    delivered = []
    service.ready.connect(lambda channel, result: delivered.append(result))
    service.request("neurons", [lambda: "maps"])
    assert service.wait(WAIT * 1000)
    QCoreApplication.processEvents()
    assert delivered == ["maps"]
    assert QThreadPool.globalInstance().activeThreadCount() == 0
