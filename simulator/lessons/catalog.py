"""The built-in lessons: where they are and in which order they are taught."""

from __future__ import annotations

from pathlib import Path

from simulator.locations import resources_dir

from .files import SUFFIX


def lessons_dir() -> Path:
    """Return the folder of the built-in lesson files."""
    return resources_dir() / "lessons"


def builtin_lessons() -> list[Path]:
    """Return the built-in lesson files, in their teaching order (their names sort so)."""
    return sorted(lessons_dir().glob(f"*{SUFFIX}"))


def builtin_lesson(name: str) -> Path:
    """Return the path of one built-in lesson by its file name."""
    return lessons_dir() / name


def is_builtin(path: str | Path) -> bool:
    """Return whether a path lies among the built-in lessons (which are never saved over)."""
    return Path(path).resolve().is_relative_to(lessons_dir().resolve())
