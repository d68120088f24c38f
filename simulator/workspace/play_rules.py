"""The rules of play: the speeds, when a run may start playing, and which tick ends it.

Qt-free: the controller's play timer asks these before it starts and after each tick.
"""

from __future__ import annotations

from .frames import Frame
from .workspace import Workspace, describe_convergence, describe_divergence

#: the steps-per-frame choices that + and − move between
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
#: the most frames per second Play draws (the speed control's top, the controller's cap)
MAX_FPS = 120


def faster(steps_per_frame: int) -> int:
    """Return the next speed in ``SPEEDS`` above this one (this one, above them all)."""
    higher = [s for s in SPEEDS if s > steps_per_frame]
    return higher[0] if higher else steps_per_frame


def slower(steps_per_frame: int) -> int:
    """Return the next speed in ``SPEEDS`` below this one (this one, below them all)."""
    lower = [s for s in SPEEDS if s < steps_per_frame]
    return lower[-1] if lower else steps_per_frame


def refusal_to_play(workspace: Workspace, frame: Frame) -> str | None:
    """Return why the run may not play from ``frame`` (diverged, or J undefined), or None.

    A race plays on whatever one hiker does.
    """
    if workspace.racers:
        return None
    if workspace.status() == "diverged":
        return describe_divergence(frame)
    if frame.status == "undefined":
        return frame.explanation
    return None


def end_of_play(workspace: Workspace, frame: Frame) -> tuple[bool, str | None]:
    """Return whether the tick that made ``frame`` ends play, and what to say then (or None).

    A race ends once every hiker has stopped; a run once it diverged, converged, or is
    escaping (the slope looks flat, but there is no bottom).
    """
    if workspace.racers:
        over = workspace.race_over()
        return over, "Race over: every hiker has stopped." if over else None
    if frame.status == "converged":
        return True, describe_convergence(frame)
    return frame.status in ("diverged", "escaping"), None
