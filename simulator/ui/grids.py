"""Background grids: expensive arrays computed in the thread pool, stale results dropped.

A request names a channel ("landscape", "decision"…) and a list of functions to run in
order (coarse first, then fine). Each request bumps the channel's generation; results
of older generations are thrown away, so the GUI shows only what matches its state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    """Carries a result from a pool thread back to the GUI thread (queued signal)."""

    done = Signal(str, int, object)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, channel: str, generation: int,
                 stages: list[Callable[[], Any]], current: Callable[[str], int]):
        super().__init__()
        self.relay, self.channel, self.generation = relay, channel, generation
        self.stages, self.current = stages, current

    def run(self) -> None:
        for stage in self.stages:
            if self.current(self.channel) != self.generation:
                return  # a newer request exists: do not spend time on this one
            try:
                result = stage()
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
        """Drop every pending result (of one channel, or all)."""
        for key in [channel] if channel else list(self._generations):
            self._generations[key] = self._generations.get(key, 0) + 1

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for running jobs (for tests and shutdown); return whether all finished."""
        return self._pool.waitForDone(msecs)

    def _deliver(self, channel: str, generation: int, result: object) -> None:
        if generation != self._generations.get(channel):
            return
        self.ready.emit(channel, result)
