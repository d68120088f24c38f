"""Failing gracefully: an unexpected exception is logged, shown in a dialog, and the app runs on.

``CrashReporter`` takes the place of ``sys.excepthook`` (which PySide6 calls for an exception
raised in a slot) and ``threading.excepthook``. For each exception it appends the traceback to
``backprop-hiker.log`` in the user's log folder, passes it on to the hook it replaced (which
prints it to the terminal), and shows ``CrashDialog``: the message, where the log is, and a
"Copy details" button. The dialog is not modal and is made on the GUI thread whichever thread
raised; while one is open, later exceptions are counted in it instead of opening more.
"""

from __future__ import annotations

import html
import os
import platform
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from simulator import __version__

LOG_NAME = "backprop-hiker.log"
LOG_LIMIT_BYTES = 1_000_000  # then the log moves to backprop-hiker.log.1 and starts afresh


def log_dir() -> Path:
    """Return the user's log folder for the app.

    Linux and other Unix: ``$XDG_STATE_HOME/backprop-hiker`` (``~/.local/state/…``), where the
    XDG base directory spec puts logs; macOS: ``~/Library/Logs/Backprop Hiker``; Windows:
    ``%LOCALAPPDATA%/Backprop Hiker/logs``.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Backprop Hiker" / "logs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "Backprop Hiker"
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "backprop-hiker"


def describe(exc: BaseException) -> str:
    """Return one line naming an exception: its type and message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def details(exc_type, exc: BaseException, tb) -> str:
    """Return the report of one exception: when, which versions, and the traceback."""
    lines = [
        f"Backprop Hiker {__version__} — {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Python {platform.python_version()}, Qt {qVersion()}, {platform.platform()}",
        "",
        *traceback.format_exception(exc_type, exc, tb),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def append_to_log(text: str, folder: Path) -> Path:
    """Append one report to the log in ``folder`` (made if missing); return the log's path.

    A log over ``LOG_LIMIT_BYTES`` is moved aside to ``….log.1`` first, so it stays small.
    Raises ``OSError`` when the folder cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / LOG_NAME
    if log.exists() and log.stat().st_size > LOG_LIMIT_BYTES:
        os.replace(log, log.with_name(LOG_NAME + ".1"))
    with open(log, "a", encoding="utf-8") as out:
        out.write(text + "\n")
    return log


class CrashDialog(QDialog):
    """What went wrong, where it was logged, and a "Copy details" button; the app stays open behind it."""

    def __init__(self, message: str, report: str, log_note: str, log: Path | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Backprop Hiker met an unexpected error")
        self.report = report
        self.more = 0
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        sign = QLabel()
        sign.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        sign.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(sign)
        self.message = QLabel(
            f"<p><b>Something went wrong:</b> {html.escape(message)}</p>"
            "<p>Backprop Hiker is still running and your lesson is still open; saving it under "
            "a new name now is a good idea. If this happens again, please send the details "
            "below with your report.</p>")
        self.message.setWordWrap(True)
        top.addWidget(self.message, 1)
        layout.addLayout(top)
        self.log_label = QLabel(html.escape(log_note))
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)
        self.more_label = QLabel()
        self.more_label.hide()
        layout.addWidget(self.more_label)
        self.text = QPlainTextEdit(report)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumSize(640, 220)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        if log is not None:
            folder = buttons.addButton("Open log folder", QDialogButtonBox.ButtonRole.ActionRole)
            folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log.parent))))
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        """Put the whole report (every exception this dialog has counted) on the clipboard."""
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied")

    def add(self, message: str, report: str) -> None:
        """Count one more exception in the open dialog and add its report to the details."""
        self.more += 1
        self.report += "\n" + report
        self.text.setPlainText(self.report)
        self.more_label.setText(f"{self.more} more error{'s' if self.more > 1 else ''} since: "
                                f"the latest was {message}")
        self.more_label.show()


class CrashReporter(QObject):
    """The hook that logs an unexpected exception, shows it, and lets the app run on.

    ``install()`` puts it in place of ``sys.excepthook`` and ``threading.excepthook``;
    ``uninstall()`` puts the earlier hooks back. ``caught`` carries (message, report, log
    note, log path or None) from whichever thread raised to the GUI thread.
    """

    caught = Signal(str, str, str, object)

    def __init__(self, window: QWidget | None = None, folder: Path | None = None):
        super().__init__()
        self.window = window
        self.folder = folder
        self.dialog: CrashDialog | None = None
        self._earlier_hook = None
        self._earlier_thread_hook = None
        self._lock = threading.Lock()
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashReporter:
        """Take the place of ``sys.excepthook`` and ``threading.excepthook``; return self."""
        self._earlier_hook, sys.excepthook = sys.excepthook, self.excepthook
        self._earlier_thread_hook, threading.excepthook = threading.excepthook, self._thread_hook
        return self

    def uninstall(self) -> None:
        """Put back the hooks this one replaced (where nothing else has replaced it since)."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._earlier_hook
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._earlier_thread_hook

    def excepthook(self, exc_type, exc, tb) -> None:
        """Log the exception, pass it to the earlier hook, and show it in the dialog."""
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            (self._earlier_hook or sys.__excepthook__)(exc_type, exc, tb)
            return
        report = details(exc_type, exc, tb)
        with self._lock:
            try:
                log = append_to_log(report, self.folder or log_dir())
                note = f"The details were written to {log}."
            except OSError as problem:
                log = None
                note = (f"The details could not be written to the log in {self.folder or log_dir()} "
                        f"({problem.strerror or problem}); use Copy details to keep them.")
        (self._earlier_hook or sys.__excepthook__)(exc_type, exc, tb)
        self.caught.emit(describe(exc), report, note, log)

    def _thread_hook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, message: str, report: str, note: str, log) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add(message, report)
            return
        self.dialog = CrashDialog(message, report, note, log, self.window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget_dialog)
        self.dialog.show()
        self.dialog.raise_()

    def _forget_dialog(self) -> None:
        self.dialog = None
