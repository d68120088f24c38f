"""While playing, a moving grid that arrived rests for twice as long as it took; paused, it does not.

The clock is the test's own, so nothing depends on timing. The service records what is asked
and the test says when a result arrives.
"""

from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QObject, Signal

from simulator.ui.grids import BackgroundWork
from simulator.workspace.grid_requests import GridRequest


class Service(QObject):
    ready = Signal(str, object)

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def request(self, channel, stages):
        self.asked.append(channel)


class Moving:
    """A workspace whose θ moves by one on every ``step``."""

    def __init__(self):
        self.session = SimpleNamespace(theta=np.zeros(2))

    def step(self):
        self.session.theta = self.session.theta + 1

    def follow_hiker(self):
        return False

    def lead_session(self):
        return self.session

    def landscape_moves(self):
        return True

    def landscape_request(self, quick=False):
        return GridRequest("landscape", (lambda: None,))

    def decision_request(self):
        return None


def make(qtbot):
    now = [0.0]
    ws, service = Moving(), Service()
    return ws, service, BackgroundWork(ws, service, clock=lambda: now[0]), now


def test_a_playing_grid_rests_twice_its_time_after_it_arrives(qtbot):
    ws, service, work, now = make(qtbot)
    work.moving_grids(playing=True)
    assert service.asked == ["landscape"]
    now[0] = 1.0
    service.ready.emit("landscape", None)  # took 1 s: rests until 3 s
    for t in (1.0, 2.0, 2.9):
        now[0] = t
        ws.step()
        work.moving_grids(playing=True)
    assert service.asked == ["landscape"]
    now[0] = 3.0
    ws.step()
    work.moving_grids(playing=True)
    assert service.asked == ["landscape", "landscape"]


def test_paused_the_grid_is_asked_for_at_once(qtbot):
    ws, service, work, now = make(qtbot)
    work.moving_grids(playing=True)
    now[0] = 1.0
    service.ready.emit("landscape", None)
    ws.step()
    work.moving_grids(playing=False)
    assert service.asked == ["landscape", "landscape"]


def test_a_later_stage_of_the_same_request_does_not_lengthen_the_rest(qtbot):
    ws, service, work, now = make(qtbot)
    work.moving_grids(playing=False)  # coarse, then fine
    now[0] = 1.0
    service.ready.emit("landscape", None)
    now[0] = 10.0
    service.ready.emit("landscape", None)  # the fine stage: the rest still ends at 3 s
    ws.step()
    work.moving_grids(playing=True)
    assert service.asked == ["landscape", "landscape"]


def test_a_new_problem_forgets_the_rest(qtbot):
    ws, service, work, now = make(qtbot)
    service.cancel = lambda: None
    work.moving_grids(playing=True)
    now[0] = 1.0
    service.ready.emit("landscape", None)
    work.forget()
    work.moving_grids(playing=True)
    assert service.asked == ["landscape", "landscape"]
