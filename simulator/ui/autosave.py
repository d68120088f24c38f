"""Autosave: unsaved work written every minute to the user's data folder, offered back after a crash.

Each running window writes its own file, ``autosave-<pid>.json``, and holds a lock file
beside it while it runs (``QLockFile``, which knows a dead owner from a live one). A file
whose lock nobody holds was left by a window that did not close: the next start offers it.

The file wraps the lesson (θ now as its start, the settings and texts now) with the step
count its run had reached, which the lesson format does not hold; restoring puts both
back exactly. The optimizer's memory (momentum, Adam's averages) and the rewind history
are not kept: the recovered run continues from θ with a fresh optimizer and rewinds no
further back than the recovered step.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer

from simulator.lessons.files import parse_lesson
from simulator.lessons.model import Lesson

INTERVAL_MS = 60_000
#: an environment variable that sets another interval in milliseconds (for tests)
INTERVAL_VARIABLE = "BACKPROP_HIKER_AUTOSAVE_MS"
FORMAT = "backprop-hiker-autosave"
VERSION = 1


def autosave_folder() -> Path:
    """Return the folder autosaves go to, in the user's data directory for this app."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "autosave"


def interval_ms() -> int:
    """Return the autosave interval: ``INTERVAL_MS``, or the environment's if it is valid."""
    text = os.environ.get(INTERVAL_VARIABLE, "")
    return int(text) if text.isdigit() and int(text) > 0 else INTERVAL_MS


@dataclass(frozen=True)
class Recovered:
    """Work read back from an autosave file.

    Attributes
    ----------
    file : Path
        The autosave file it came from.
    lesson : Lesson
        The lesson as it stood, θ at the time of the autosave as its start.
    step : int
        The step count its run had reached.
    path : str or None
        The lesson file the work belonged to (None for a lesson never saved).
    saved_at : float
        When it was written (seconds since the epoch).
    """

    file: Path
    lesson: Lesson
    step: int
    path: str | None
    saved_at: float


def autosave_text(lesson: Lesson, step: int, path: str | None) -> str:
    """Return the text of an autosave: the lesson, the step and the file, as JSON."""
    return json.dumps({"format": FORMAT, "version": VERSION, "step": step, "path": path,
                       "saved_at": time.time(), "lesson": lesson.to_json()},
                      indent=1, ensure_ascii=False) + "\n"


def read_autosave(file: Path) -> Recovered:
    """Read an autosave file; raise ``ValueError`` saying what is wrong with it."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{file.name}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{file.name}: not a Backprop Hiker autosave")
    step, path = document.get("step"), document.get("path")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"{file.name}: step must be a whole number ≥ 0, got {step!r}")
    if path is not None and not isinstance(path, str):
        raise ValueError(f"{file.name}: path must be text or null, got {path!r}")
    saved_at = document.get("saved_at")
    lesson = parse_lesson(json.dumps(document.get("lesson")), file.name)
    return Recovered(file, lesson, step, path,
                     float(saved_at) if isinstance(saved_at, (int, float)) else 0.0)


def _lock_of(file: Path) -> QLockFile:
    lock = QLockFile(str(file.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # stale only when its owner has died, however old it is
    return lock


def orphans(folder: Path | None = None) -> Iterator[tuple[Path, QLockFile]]:
    """Yield autosave files no running window owns, newest first, each with its lock taken.

    The caller holds the lock while it offers the file, so that a second window starting
    at the same time does not offer it too; it unlocks when done.
    """
    folder = autosave_folder() if folder is None else folder
    files = sorted(folder.glob("autosave-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
    for file in files:
        lock = _lock_of(file)
        if lock.tryLock(0):
            yield file, lock


def discard(file: Path, lock: QLockFile | None = None) -> None:
    """Remove an autosave file (and release its lock, if given)."""
    file.unlink(missing_ok=True)
    if lock is not None:
        lock.unlock()


class Autosaver(QObject):
    """Writes a controller's unsaved work to this window's autosave file on a timer.

    It writes only while there are unsaved changes (the undo stack is not clean) and
    only when the text differs from the last write; a clean save or a close removes it.
    """

    def __init__(self, controller, folder: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.folder = autosave_folder() if folder is None else folder
        self.file = self.folder / f"autosave-{os.getpid()}.json"
        self._lock = _lock_of(self.file)
        self._written: tuple | None = None  # what the file holds: (lesson, step, path)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms())
        self.timer.timeout.connect(self.save_now)
        controller.undo_stack.cleanChanged.connect(self._clean_changed)

    def start(self) -> None:
        """Start autosaving (the app does; tests that want it too)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock.tryLock(0)
        self.timer.start()

    def save_now(self) -> bool:
        """Write the work now if it is unsaved and changed since the last write; return whether."""
        c = self.controller
        if not c.ready or c.undo_stack.isClean():
            return False
        ws = c.workspace
        lesson, step = ws.current_lesson(), ws.session.step_count
        written = (lesson, step, ws.path)
        if written == self._written:
            return False
        text = autosave_text(lesson, step, ws.path)
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".autosave-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.file)  # whole or not at all, even if killed mid-write
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            c.message.emit("warning", f"Could not autosave to {self.folder}: {exc.strerror or exc}")
            return False
        self._written = written
        return True

    def stop(self) -> None:
        """Stop autosaving and remove this window's autosave (a clean close)."""
        self.timer.stop()
        self.remove()
        self._lock.unlock()

    def remove(self) -> None:
        """Remove this window's autosave (the work was saved or discarded)."""
        self.file.unlink(missing_ok=True)
        self._written = None

    def _clean_changed(self, clean: bool) -> None:
        if clean:
            self.remove()
