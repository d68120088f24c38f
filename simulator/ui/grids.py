"""Background grids: expensive arrays computed in the thread pool, stale results dropped.

A request names a channel ("landscape", "decision"…) and a list of functions to run in
order (coarse first, then fine). Each request bumps the channel's generation; results
of older generations are thrown away, so the GUI shows only what matches its state.
A stale request runs no further stage, and a loss grid under way stops part-way
(``landscape.wanted_while``): a cancelled big network's landscape frees its thread at once.
Formulas are built the same way, on the "formula" channel (``FormulaBuilds``).
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from simulator.engine.landscape import Abandoned, wanted_while
from simulator.workspace.errors import EditError
from simulator.workspace.formula_builds import BuiltFormula, Change, build_formula
from simulator.workspace.grid_requests import GridRequest

_PAUSES = [0]  # how many stages run with the cyclic collector paused
_PAUSES_LOCK = threading.Lock()


def without_collector(stage: Callable[[], Any]) -> Callable[[], Any]:
    """Return a stage that runs with Python's cyclic collector paused (it is on again after).

    A long pure-Python stage (sympy's work on a formula) would otherwise set the collector
    off in its pool thread, and garbage holding Qt widgets would be destroyed there, which
    the widgets do not survive. The caller collects on the GUI thread first.
    """
    def run() -> Any:
        with _PAUSES_LOCK:
            _PAUSES[0] += 1
            gc.disable()
        try:
            return stage()
        finally:
            with _PAUSES_LOCK:
                _PAUSES[0] -= 1
                if not _PAUSES[0]:
                    gc.enable()
    return run


class _Relay(QObject):
    """Carries a result from a pool thread back to the GUI thread (queued signal)."""

    done = Signal(str, int, object)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, channel: str, generation: int,
                 stages: list[Callable[[], Any]], current: Callable[[str], int]):
        super().__init__()
        self.relay, self.channel, self.generation = relay, channel, generation
        self.stages, self.current = stages, current

    def wanted(self) -> bool:
        """Return whether this request is still the newest of its channel."""
        return self.current(self.channel) == self.generation

    def run(self) -> None:
        for stage in self.stages:
            if not self.wanted():
                return  # a newer request exists: do not spend time on this one
            try:
                with wanted_while(self.wanted):  # a landscape grid stops part-way once stale
                    result = stage()
            except Abandoned:
                return
            except Exception as exc:  # noqa: BLE001 - shown to the user, never raised in a thread
                result = exc
            self.relay.done.emit(self.channel, self.generation, result)


class GridService(QObject):
    """Runs grid computations off the GUI thread and reports the fresh ones.

    ``ready(channel, result)`` fires on the GUI thread once per stage of the newest
    request; a stage that raised delivers the exception object instead.
    """

    ready = Signal(str, object)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None):
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._generations: dict[str, int] = {}
        self._relay = _Relay()
        self._relay.done.connect(self._deliver)

    def request(self, channel: str, stages: list[Callable[[], Any]]) -> int:
        """Start computing a channel's stages; return the request's generation."""
        generation = self._generations.get(channel, 0) + 1
        self._generations[channel] = generation
        self._pool.start(_Job(self._relay, channel, generation, list(stages), self.generation))
        return generation

    def generation(self, channel: str) -> int:
        """Return the newest generation requested on a channel."""
        return self._generations.get(channel, 0)

    def cancel(self, channel: str | None = None) -> None:
        """Drop every pending result (of one channel, or all); a running loss grid stops soon after.

        Queued jobs stay in the pool (it is shared): each returns before its first stage.
        """
        for key in [channel] if channel else list(self._generations):
            self._generations[key] = self._generations.get(key, 0) + 1

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for running jobs (for tests and shutdown); return whether all finished."""
        return self._pool.waitForDone(msecs)

    def _deliver(self, channel: str, generation: int, result: object) -> None:
        if generation != self._generations.get(channel):
            return
        self.ready.emit(channel, result)


class BackgroundWork:
    """What the controller asks the grid service for, and when it need not ask again.

    It keeps the θ each moving grid was last asked for (a paused frame that did not move
    θ asks for nothing), the weight being dragged in the diagram (``preview``), whether a
    view draws the neuron maps, and which channels are still computing: while playing, a
    channel whose last request has not arrived is skipped, since a big network's slice
    can take longer than the refresh interval and asking again would only queue work.
    A moving grid that arrived also rests, while playing, for REST times as long as it
    took (``clock`` seconds): the pool then keeps at most 1 / (1 + REST) of a core per
    channel, and the GUI thread's frames keep the rest (the 8 × 32 network's grids
    otherwise ran back to back beside its frames).
    """

    REST = 2.0

    def __init__(self, workspace, service: GridService,
                 clock: Callable[[], float] = time.monotonic):
        self.workspace, self.service, self.clock = workspace, service, clock
        self.preview: tuple[int, float] | None = None
        self.neuron_maps_wanted = False
        self._in_flight: set[str] = set()
        self._asked: dict[str, float] = {}
        self._rest_until: dict[str, float] = {}
        self._landscape_theta: np.ndarray | None = None
        self._decision_theta: np.ndarray | None = None
        service.ready.connect(lambda channel, _result: self._arrived(channel))

    def forget(self) -> None:
        """Drop every pending result and what was asked for (a new problem)."""
        self.service.cancel()
        self._in_flight.clear()
        self._rest_until.clear()
        self._landscape_theta = self._decision_theta = None

    def landscape(self, quick: bool = False) -> None:
        """Ask for the landscape under the current axes (one mid-size grid if ``quick``)."""
        self._landscape_theta = self.workspace.lead_session().theta.copy()
        self._request(self.workspace.landscape_request(quick))

    def moving_grids(self, playing: bool) -> bool:
        """Ask again for the grids that move with θ; return whether the axes were recentred."""
        ws = self.workspace
        recentred = ws.follow_hiker()
        theta = ws.lead_session().theta
        moved = ws.landscape_moves() and not np.array_equal(theta, self._landscape_theta)
        if (recentred or moved) and not (playing and self._busy("landscape")):
            self.landscape(quick=playing)
        if not np.array_equal(theta, self._decision_theta) and \
                not (playing and self._busy("decision")):
            self._decision_theta = theta.copy()
            self._request(ws.decision_request())
        return recentred

    def trace(self) -> None:
        """Ask for the diagram's sample trace (at the dragged weight, while one is dragged)."""
        self._request(self.workspace.trace_request(self._previewed_theta()))

    def neuron_maps(self) -> None:
        """Ask for the neuron maps, if a view draws them."""
        if self.neuron_maps_wanted:
            self._request(self.workspace.neuron_maps_request(self._previewed_theta()))

    def _previewed_theta(self) -> np.ndarray | None:
        if self.preview is None:
            return None
        theta = self.workspace.lead_session().theta.copy()
        theta[self.preview[0]] = self.preview[1]
        return theta

    def _busy(self, channel: str) -> bool:
        """Return whether a channel is computing, or resting after its last grid."""
        return channel in self._in_flight or self.clock() < self._rest_until.get(channel, 0.0)

    def _arrived(self, channel: str) -> None:
        if channel in self._in_flight:
            now = self.clock()
            self._rest_until[channel] = now + self.REST * (now - self._asked[channel])
        self._in_flight.discard(channel)

    def _request(self, request: GridRequest | None) -> None:
        if request is not None:
            self._in_flight.add(request.channel)
            self._asked[request.channel] = self.clock()
            self.service.request(request.channel, list(request.stages))


class FormulaBuilds:
    """The sympy half of changes that bring a formula, done in the pool; the newest one wins.

    ``start(plan, made)`` asks the workspace for a ``Change`` (``plan()``), builds its
    formula on a pool thread (first in the formula worker, within ``seconds``) while
    ``working`` says so, then calls ``made(change, built)`` on the GUI thread. A plan
    refused, or a formula that cannot be built (or not in time), is said instead and
    changes nothing. A newer ``start``, or ``cancel``, abandons the older build at once
    (its worker is killed, so the newer one gets its whole budget) and drops its result.
    """

    CHANNEL = "formula"

    def __init__(self, service: GridService, seconds: float, working: Callable[[str], None],
                 say: Callable[[str], None]):
        self.service, self.seconds, self.working, self.say = service, seconds, working, say
        self._abandon = threading.Event()
        self._waiting: tuple[int, Callable, Callable] | None = None
        service.ready.connect(self._arrived)

    @property
    def busy(self) -> bool:
        """Return whether a build is under way whose result will be taken."""
        return self._waiting is not None and \
            self._waiting[0] == self.service.generation(self.CHANNEL)

    def start(self, plan: Callable[[], Change],
              made: Callable[[Change, BuiltFormula | None], bool],
              say: Callable[[str], None] | None = None, now: bool = False,
              failed: Callable[[], None] | None = None) -> bool:
        """Make a planned change once its formula is built; return whether it was made or is under way.

        ``say`` tells a refusal (else ``"Could not open …"`` in a message); ``failed`` runs
        after it. A change with no formula is made at once; ``now`` builds on this thread,
        within the budget (scripts and tests; the window never waits on sympy).
        """
        try:
            change = plan()
        except EditError as exc:
            (say or self.say)(str(exc))
            if failed is not None:
                failed()
            return False
        self.cancel()

        def refused(text: str) -> None:
            self.working("")
            say(text) if say else self.say(f"Could not open {change.name}: {text}")
            if failed is not None:
                failed()
        if change.formula is None or now:
            try:
                built = None if change.formula is None else \
                    build_formula(change.formula, self.seconds)
            except EditError as exc:
                refused(str(exc))
                return False
            return bool(made(change, built))
        self.working(f"Working out the derivatives of J = {change.formula.expression}…")
        abandon = self._abandon = threading.Event()
        gc.collect()  # garbage with widgets in it goes here, on the GUI thread, not in the pool
        stage = without_collector(functools.partial(build_formula, change.formula,
                                                    self.seconds, abandon))
        self._waiting = (self.service.request(self.CHANNEL, [stage]),
                         functools.partial(made, change), refused)
        return True

    def cancel(self) -> None:
        """Abandon the build under way, if any (its result will not be taken)."""
        self._abandon.set()
        if self.busy:
            self.service.cancel(self.CHANNEL)
        self._waiting = None

    def _arrived(self, channel: str, result: object) -> None:
        if channel != self.CHANNEL or not self.busy:
            return
        _, made, refused = self._waiting
        self._waiting = None
        if isinstance(result, Exception):
            refused(str(result) if isinstance(result, EditError) else
                    f"This formula could not be built: {result}")
        else:
            made(result)
