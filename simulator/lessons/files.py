"""Lesson files on disk: load with validation, save atomically."""

from __future__ import annotations

import glob
import json
import os
import stat
import tempfile
from pathlib import Path

from .checking import LessonError, read_float, read_int, read_object, refused_constant
from .model import Lesson, lesson_from_json

MAX_FILE_BYTES = 5 * 2**20
SUFFIX = ".lesson.json"


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Return the lesson in a file; every problem raises ``LessonError`` saying where.

    Only a regular file is read, and never more than ``MAX_FILE_BYTES`` of it: a FIFO or
    a link to ``/dev/zero`` is refused instead of hanging or filling memory.
    """
    path = Path(path)
    shown = shown_path(path)
    try:
        data = _read_regular_file(path)
    except FileNotFoundError:
        raise LessonError("", f"{shown}: no such file") from None
    except IsADirectoryError:
        raise LessonError("", f"{shown} is a folder, not a lesson file") from None
    except OSError as exc:
        raise LessonError("", f"{shown}: {exc.strerror or exc}") from None
    except LessonError:
        raise
    except ValueError:  # a NUL in the name (a path the system cannot take)
        raise LessonError("", f"{shown}: not a file name the system can open") from None
    if len(data) > MAX_FILE_BYTES:
        limit = (f"{MAX_FILE_BYTES / 2**20:g} MiB" if MAX_FILE_BYTES >= 2**20
                 else f"{MAX_FILE_BYTES} bytes")
        raise LessonError("", f"{path.name} is more than {limit}; lessons are at most {limit}")
    try:
        text = data.decode("utf-8-sig")  # Windows editors start UTF-8 with a byte-order mark
    except UnicodeDecodeError:
        raise LessonError("", f"{path.name} is not a text file (expected UTF-8 JSON)") from None
    return parse_lesson(text, path.name)


def shown_path(path: str | os.PathLike, longest: int = 100) -> str:
    """Return a path as a message shows it: a very long one cut in its middle.

    The reason after it then fits in a message's line (before, a 5,000-character path
    filled the whole message and "File name too long" was cut off).
    """
    text = str(path)
    return text if len(text) <= longest else f"{text[:40]}…{text[-(longest - 41):]}"


def _read_regular_file(path: Path) -> bytes:
    """Return up to MAX_FILE_BYTES + 1 bytes of a regular file; refuse anything else."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise LessonError("", f"{shown_path(path)} is not a regular file (a device, FIFO "
                                  "or socket), so it is not read")
        return handle.read(MAX_FILE_BYTES + 1)


def parse_lesson(text: str, name: str = "lesson") -> Lesson:
    """Return the lesson in a JSON text; ``name`` prefixes syntax errors."""
    try:
        document = json.loads(text.removeprefix("\ufeff"), parse_constant=refused_constant,
                              parse_float=read_float, parse_int=read_int,
                              object_pairs_hook=read_object)
    except json.JSONDecodeError as exc:
        raise LessonError("", f"{name}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # numbers Python cannot read at all
        raise LessonError("", f"{name}: {exc}") from None
    except RecursionError:
        raise LessonError("", f"{name}: nested too deeply") from None
    try:
        return lesson_from_json(document)
    except LessonError as exc:
        if exc.path:
            raise
        raise LessonError("", f"{name}: {exc}") from None  # the root has no path: name the file


def lesson_text(lesson: Lesson) -> str:
    """Return the lesson as pretty JSON text."""
    return json.dumps(lesson.to_json(), indent=2, ensure_ascii=False) + "\n"


def save_lesson(lesson: Lesson, path: str | os.PathLike) -> None:
    """Write a lesson atomically: a crash mid-save leaves the old file intact.

    The text goes to a hidden temporary file beside the target, which then replaces it.
    An existing file keeps its permissions; a new one gets the usual ones (0644 under the
    common umask), not the private 0600 of a temporary file. Temporary files left by an
    earlier save of the same file that was killed are removed first.
    """
    write_text_atomically(lesson_text(lesson), path)


def write_text_atomically(text: str, path: str | os.PathLike) -> None:
    """Write a text file so that a crash mid-write leaves the old file intact (see above)."""
    path = Path(path)
    folder = path.parent
    _remove_leftovers(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if hasattr(os, "fchmod"):  # not on Windows, whose files have no such mode
                os.fchmod(handle.fileno(), _mode_for(path))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TMP_SUFFIX = ".tmp"


def _mode_for(path: Path) -> int:
    """Return the permission bits a saved file gets: the old file's, or umask's default."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_leftovers(path: Path) -> None:
    """Remove the hidden temporary files a killed save of ``path`` left beside it."""
    pattern = f".{glob.escape(path.name)}.*{_TMP_SUFFIX}"
    for leftover in path.parent.glob(pattern):
        try:
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink()
        except OSError:
            pass  # another user's file, or gone already: the save itself still goes on
