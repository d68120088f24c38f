"""The main window's decisions that need no Qt: a new lesson, where files go, the recent list, η lowered."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.lessons.catalog import is_builtin
from simulator.lessons.files import SUFFIX
from simulator.lessons.model import ExpressionSpec, Lesson

from .frames import Frame

NEW_LESSON_TITLE = "New lesson"
#: how many files File ▸ Open recent remembers
RECENT_CAP = 8


def new_lesson() -> Lesson:
    """Return the lesson File ▸ New starts: the seed's J(w) = w² with the hiker at w = 3."""
    return Lesson(title=NEW_LESSON_TITLE, problem=ExpressionSpec(
        "w**2", start=(("w", 3.0),), range=(("w", (-4.0, 4.0)),)),
        description="J(w) = w², the hiker at w = 3.")


def open_folder(current: str | None, home: Path) -> Path:
    """Return the folder File ▸ Open starts in: the current lesson's, else ``home``."""
    return Path(current).parent if current else home


def save_folder(current: str | None, home: Path) -> Path:
    """Return the folder Save As offers: the current lesson's, unless it is built in (read-only)."""
    return Path(current).parent if current and not is_builtin(current) else home


def lesson_path(chosen: str) -> str:
    """Return the file Save As writes for a name chosen: a name without ``.json`` gets the suffix."""
    return chosen if chosen.endswith(".json") else chosen + SUFFIX


def saves_in_place(current: str | None) -> bool:
    """Return whether Save writes to the current file (not when there is none, or it is built in)."""
    return bool(current) and not is_builtin(current)


def remembered(recent: Sequence[str], path: str, cap: int = RECENT_CAP) -> list[str]:
    """Return the recent files with ``path`` first, each once, at most ``cap`` of them."""
    return [path, *(p for p in recent if p != path)][:cap]


def still_there(recent: Sequence[str],
                exists: Callable[[str], bool] = os.path.exists) -> list[str]:
    """Return the recent files that still exist, in their order (the menu lists those)."""
    return [p for p in recent if exists(p)]


def lowered_rate(frame: Frame) -> tuple[bool, float]:
    """Return what the banner's "Lower η" does: whether to step back first, and the new η.

    A diverged run steps back to its last finite step first; η becomes a tenth of the
    frame's.
    """
    return frame.status == "diverged", frame.config.learning_rate / 10
