"""Fitting the window to the screen: which docks share a tab group, and how large each is.

The landscape is what a room looks at, so it gets the space: on a small screen (a 1024×768
projector) every panel folds into one tab group beside it; on a laptop (1280×720,
1366×768) the controls keep their column and the other panels share a tab group; only on a
large screen (1920×1080 and up) do the network, data and loss panels show side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect

#: below this available width the controls fold into the tab group too
TABBED_ALL_BELOW = 1200
#: below this available width or height the network, data and loss panels share tabs
ROOMY_FROM = (1800, 1000)
#: fractions of the available size a column or the bottom row takes, and the floors in pixels
LEFT_SHARE, LEFT_FLOOR = 0.17, 300
RIGHT_SHARE, RIGHT_FLOOR = 0.22, 310
TABS_SHARE, TABS_FLOOR = 0.30, 320
BOTTOM_SHARE = 0.19


@dataclass(frozen=True)
class DockPlan:
    """How the docks are arranged for one screen size.

    Attributes
    ----------
    kind : str
        ``"tabs"`` (every dock in one tab group on the right), ``"side"`` (controls on the
        left, the other docks tabbed on the right) or ``"roomy"`` (controls left; network
        over data on the right; loss below the landscape).
    left, right, bottom : int
        The left column's width, the right column's width and the bottom row's height in
        pixels (0 where the plan has no such column or row).
    """

    kind: str
    left: int
    right: int
    bottom: int


def plan_for(width: int, height: int) -> DockPlan:
    """Return the dock arrangement for a window of this size (its available screen area)."""
    if width < TABBED_ALL_BELOW:
        return DockPlan("tabs", 0, max(TABS_FLOOR, round(TABS_SHARE * width)), 0)
    left = max(LEFT_FLOOR, round(LEFT_SHARE * width))
    right = max(RIGHT_FLOOR, round(RIGHT_SHARE * width))
    if width < ROOMY_FROM[0] or height < ROOMY_FROM[1]:
        return DockPlan("side", left, right, 0)
    return DockPlan("roomy", left, right, round(BOTTOM_SHARE * height))


def fits(frame: QRect, available: QRect) -> bool:
    """Return whether a window frame lies wholly inside the available screen area."""
    return available.contains(frame)
