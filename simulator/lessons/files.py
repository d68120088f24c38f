"""Lesson files on disk: load with validation, save atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .checking import LessonError
from .model import Lesson, lesson_from_json

MAX_FILE_BYTES = 5 * 2**20
SUFFIX = ".lesson.json"


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Return the lesson in a file; every problem raises ``LessonError`` saying where."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LessonError("", f"{path.name} is {size / 2**20:.1f} MiB; lessons are at most "
                                  f"{MAX_FILE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError("", f"{path}: no such file") from None
    except IsADirectoryError:
        raise LessonError("", f"{path} is a folder, not a lesson file") from None
    except UnicodeDecodeError:
        raise LessonError("", f"{path.name} is not a text file (expected UTF-8 JSON)") from None
    except OSError as exc:
        raise LessonError("", f"{path}: {exc.strerror or exc}") from None
    return parse_lesson(text, path.name)


def parse_lesson(text: str, name: str = "lesson") -> Lesson:
    """Return the lesson in a JSON text; ``name`` prefixes syntax errors."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise LessonError("", f"{name}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # NaN/Infinity, or numbers too long to read
        raise LessonError("", f"{name}: {exc}") from None
    except RecursionError:
        raise LessonError("", f"{name}: nested too deeply") from None
    try:
        return lesson_from_json(document)
    except LessonError as exc:
        if exc.path:
            raise
        raise LessonError("", f"{name}: {exc}") from None  # the root has no path: name the file


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a lesson may contain")


def lesson_text(lesson: Lesson) -> str:
    """Return the lesson as pretty JSON text."""
    return json.dumps(lesson.to_json(), indent=2, ensure_ascii=False) + "\n"


def save_lesson(lesson: Lesson, path: str | os.PathLike) -> None:
    """Write a lesson atomically: a crash mid-save leaves the old file intact."""
    path = Path(path)
    text = lesson_text(lesson)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
