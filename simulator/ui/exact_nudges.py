"""A paused frame's nudge in exact fractions, worked out in the pool; the newest one wins.

Exact fractions can take a third of a second on a hard formula, so the window's frames
carry the nudge in floating point and ask for the exact one here: a pool thread runs it
in the formula worker (``symbolic.budget``), within ``seconds``. One runs at a time; a
newer request waits for it (a worker killed for each point of a drag would restart
all the time) and replaces any older waiting one, whose result would be stale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .grids import GridService, without_collector

#: how long one exact nudge may take before it gives up (the slowest measured: 0.36 s)
NUDGE_SECONDS = 1.0


class ExactNudges:
    """Ask for exact nudges in the pool and deliver the newest one's result.

    ``request(make)`` takes ``Workspace.exact_nudge_stage``-like ``make(seconds,
    abandon)``, which returns the work (or None: nothing to work out); ``deliver(result)``
    gets its (θ, nudge) on the GUI thread, ``say(text)`` an unexpected failure.
    ``cancel`` drops the waiting request and abandons the one running (its worker is
    killed): a new problem, or play.
    """

    CHANNEL = "nudge"

    def __init__(self, service: GridService, deliver: Callable[[tuple], None],
                 say: Callable[[str], None], seconds: float = NUDGE_SECONDS):
        self.service, self.deliver, self.say, self.seconds = service, deliver, say, seconds
        self._running: int | None = None  # the generation under way
        self._waiting: Callable | None = None
        self._abandon = threading.Event()
        service.ready.connect(self._arrived)

    def request(self, make: Callable[[float, threading.Event], Callable | None]) -> None:
        """Work out the nudge ``make`` gives, after the one under way if any."""
        if self._running is not None and self._running == self.service.generation(self.CHANNEL):
            self._waiting = make
            return
        self._start(make)

    def cancel(self) -> None:
        """Drop the waiting request, and abandon the one under way."""
        self._waiting = None
        self._abandon.set()
        if self._running is not None and self._running == self.service.generation(self.CHANNEL):
            self.service.cancel(self.CHANNEL)
        self._running = None

    def _start(self, make: Callable) -> None:
        self._waiting = None
        self._abandon = threading.Event()
        stage = make(self.seconds, self._abandon)
        self._running = None if stage is None else \
            self.service.request(self.CHANNEL, [without_collector(stage)])

    def _arrived(self, channel: str, result: object) -> None:
        if channel != self.CHANNEL:
            return
        self._running = None
        if self._waiting is not None:
            self._start(self._waiting)  # this result is older than the point asked for
        elif isinstance(result, Exception):
            self.say(f"Could not work out the nudge in exact fractions: {result}")
        else:
            self.deliver(result)
