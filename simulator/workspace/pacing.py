"""How often each costly thing goes out while playing, and when the next may: the frame pacing.

While playing, every tick makes a frame, but the views that are costly to redraw get one
at most every ``PACE_MS["paint"]`` ms, the network diagram as often, and the neuron maps
and the moving grids (a network's landscape slice and its decision map) at their own
intervals. The paints in ``STAGGERED`` never go out in the same tick: each costly repaint
gets a frame of its own, so no frame pays for all of them. A pause or a step sends
everything at once. ``Pacing`` decides; the controller's timers ask again when it says.
"""

from __future__ import annotations

#: how often (ms) each costly thing is refreshed while playing; at once when paused
PACE_MS = {"paint": 40, "diagram": 40, "neurons": 400, "moving_grids": 500}
#: paced paints that go out in different ticks while playing (one waits for the next tick)
STAGGERED = ("paint", "diagram")


class Pacing:
    """When each paced thing last went out, and whether one may go out now."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}  # when each paced thing last went out (s)
        self._staggered_sent = False  # whether a STAGGERED paint went out in this tick
        self._staggered_at = 0.0  # when the last one went out (s)

    def new_tick(self) -> None:
        """Start a play tick: no STAGGERED paint has gone out in it yet."""
        self._staggered_sent = False

    def wait(self, key: str, now: float, tick_ms: float, force: bool = False,
             late: bool = False) -> int | None:
        """Return in how many ms to ask again for ``key``, or None: send it now (noted as sent).

        ``now`` is a monotonic time in seconds and ``tick_ms`` the play timer's interval.
        ``late``: asked again between ticks, once a wait said passed; ``force``: now, whatever.
        """
        wait = PACE_MS[key] - (now - self._last.get(key, 0.0)) * 1000
        if not force and not late and wait > 0:
            return int(wait) + 1
        if not force and key in STAGGERED:
            # Not in the tick of another (nor, between ticks, within half a tick of it).
            apart = tick_ms / 2 - (now - self._staggered_at) * 1000
            if (late and apart > 0) or (not late and self._staggered_sent):
                return max(1, int(apart) + 1)
        self._last[key] = now
        if key in STAGGERED:
            self._staggered_sent, self._staggered_at = True, now
        return None
