"""Starting the GUI: the QApplication, the theme, the first lesson, the window."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

PLATFORM_FAILURES = ("could not load the qt platform plugin", "could not connect to display",
                     "no qt platform plugin could be initialized")
EXIT_NO_DISPLAY = 2  # the command line's code for input the user must fix
EXIT_STARTUP_FAILED = 1


def run_gui(lesson: str | None = None, fullscreen: bool = False, reset_layout: bool = False,
            on_platform_failure: Callable[[str], None] | None = None) -> int:
    """Open the main window on a lesson (the first built-in one by default); return the exit code."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    earlier: list[str] = []  # Qt's warnings before a fatal one say why the plugin failed

    def handler(kind, context, text):
        # Qt aborts right after a fatal platform-plugin message: say what to do first.
        if kind == QtMsgType.QtFatalMsg and any(p in text.lower() for p in PLATFORM_FAILURES):
            print(text, file=sys.stderr)
            if on_platform_failure is not None:
                on_platform_failure("\n".join([*earlier, text]))
            sys.stderr.flush()
            os._exit(EXIT_NO_DISPLAY)  # Qt would abort (exit 134) on returning: end cleanly
        elif kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            print(text, file=sys.stderr)
        elif kind == QtMsgType.QtWarningMsg and len(earlier) < 20:
            earlier.append(text)

    qInstallMessageHandler(handler)
    from simulator.symbolic.budget import warm_up

    from .application import qt_application
    from .crash import CrashReporter

    app = qt_application(sys.argv[:1])
    name_application(app)
    reporter = CrashReporter().install()  # from here on an unexpected error gets a dialog

    window = open_window(reporter, lesson, reset_layout)  # shown before its formula is built
    if window is None:
        app.exec()  # the error's dialog is the only window: closing it ends the app
        return EXIT_STARTUP_FAILED
    # Only macOS sends a QFileOpenEvent; elsewhere an application-wide filter would be
    # called for every event of every widget (~5,000 before the first paint) for nothing.
    if sys.platform == "darwin":
        opener = open_files_sent_to(app, window)  # noqa: F841 - kept alive while the app runs
    show_window(window, fullscreen)
    # Once the window is on the screen, sympy and the formula worker load on a thread of
    # their own (before, they took the GUI thread's turns while it built the window).
    after_first_paint(window, lambda: threading.Thread(
        target=warm_up, name="backprop-hiker-warm-up", daemon=True).start())
    offer_recovery(window, lesson=lesson)
    window.autosaver.start()
    return app.exec()


def open_window(reporter, lesson: str | None = None, reset_layout: bool = False):
    """Return the main window (the crash reporter's dialogs' parent), or None when making it failed.

    A failure is reported as any unexpected error is: logged, and shown in a dialog.
    """
    try:
        window = start_window(lesson, reset_layout)
    except Exception:
        reporter.excepthook(*sys.exc_info())
        return None
    reporter.window = window
    return window


def open_files_sent_to(app, window):
    """Open the lessons the system sends the running app (macOS: a double-clicked file); return the filter.

    There a double-click arrives as a ``QFileOpenEvent``, not on the command line; the lesson
    opens as File ▸ Open would, asking first about unsaved edits.
    """
    from PySide6.QtCore import QEvent, QObject

    class FileOpener(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.FileOpen and event.file():
                window.open_asking(event.file())
                return True
            return super().eventFilter(watched, event)

    opener = FileOpener(window)
    app.installEventFilter(opener)
    return opener


def show_window(window, fullscreen: bool = False) -> None:
    """Show the window full screen, as its restored layout left it, or maximized on the screen."""
    if fullscreen:
        window.showFullScreen()
    elif window.layout_restored:
        window.show()
    else:
        window.showMaximized()  # the window manager fits its frame and panels around it


#: milliseconds after which ``after_first_paint`` runs its work even if no paint came
FIRST_PAINT_AT_LATEST = 3000


def after_first_paint(window, then: Callable[[], None]) -> None:
    """Run ``then`` once, on the GUI thread, after the window's first paint.

    A window that does not paint (started minimized) runs it ``FIRST_PAINT_AT_LATEST`` ms
    after this call.
    """
    from PySide6.QtCore import QEvent, QObject, QTimer

    ran: list[bool] = []

    def run() -> None:
        if not ran:
            ran.append(True)
            window.removeEventFilter(watcher)
            then()

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and not ran:
                QTimer.singleShot(0, self, run)  # after the paint
            return False

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)
    QTimer.singleShot(FIRST_PAINT_AT_LATEST, watcher, run)


def name_application(app) -> None:
    """Name the application (its settings and autosaves are found by the names) and give it its icon."""
    from .about import app_icon

    app.setApplicationName("Backprop Hiker")
    app.setWindowIcon(app_icon())
    app.setOrganizationName("Backprop Hiker")
    app.setDesktopFileName("backprop-hiker")


def ask_to_restore(window, recovered) -> bool:
    """Ask whether to restore work an autosave kept: Restore (True) or Discard (False)."""
    from PySide6.QtWidgets import QMessageBox

    when = time.strftime("%H:%M on %d %B", time.localtime(recovered.saved_at))
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                      "Backprop Hiker did not close properly last time. It had autosaved "
                      f"“{recovered.lesson.title}” at step {recovered.step:,} ({when}).",
                      QMessageBox.StandardButton.NoButton, window)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.exec()
    return box.clickedButton() is restore


def offer_recovery(window, ask: Callable | None = None, lesson: str | None = None) -> bool:
    """Offer back work from windows that did not close (newest first); return whether one is taken.

    ``ask(window, recovered)`` answers True to restore, False to discard (the dialog of
    ``ask_to_restore`` unless a test gives another). A discarded autosave is deleted; one
    that cannot be read is left where it is and named in a message. The restored work's
    formula is built off the GUI thread; if it cannot be, its autosave is kept, the next
    one is offered, and a window left with no lesson opens ``lesson`` (the app's first).
    """
    from .autosave import orphans

    return offer_next(window, orphans(), ask_to_restore if ask is None else ask, lesson)


def offer_next(window, pending, ask: Callable, lesson: str | None = None) -> bool:
    """Offer the next autosave of ``pending`` (``autosave.orphans``); see ``offer_recovery``."""
    from simulator.workspace.window_text import recovered_title

    from .autosave import discard, read_autosave

    for file, lock in pending:
        try:
            recovered = read_autosave(file)
        except ValueError as exc:
            lock.unlock()
            window.controller.message.emit(
                "warning", f"An autosave could not be read and was left at {file}: {exc}")
            continue
        if not ask(window, recovered):
            discard(file, lock)
            continue

        def restored(recovered=recovered, file=file, lock=lock) -> None:
            if recovered.path is None:
                window.setWindowTitle(recovered_title(recovered.lesson.title))
            window.autosaver.save_now()  # the work is this window's now, in its own autosave
            discard(file, lock)

        def refused(lock=lock) -> None:
            lock.unlock()
            offer_next(window, pending, ask, lesson)
        return window.controller.recover(recovered.lesson, recovered.step, recovered.path,
                                         then=restored, otherwise=refused)
    if not window.controller.ready and not window.controller.builds.busy:
        open_first_lesson(window, lesson)
    return False


def start_window(lesson: str | None = None, reset_layout: bool = False):
    """Return the main window at once, its first lesson on the way (the app).

    A formula lesson's sympy work is done off the GUI thread while the banner says so; a
    lesson that fails to open leaves its message in the banner over the first built-in one.
    """
    from .main_window import MainWindow

    window = MainWindow()
    if reset_layout:
        window.forget_settings()
    window.restore_settings()
    open_first_lesson(window, lesson)
    return window


def open_first_lesson(window, lesson: str | None = None) -> None:
    """Open ``lesson`` in a window with none yet, or the first built-in one if it fails."""
    from simulator.lessons.catalog import builtin_lessons

    first = str(builtin_lessons()[0])

    def instead() -> None:
        if not window.controller.ready:
            window.open_lesson(first)
    if lesson is None or lesson == first:
        window.open_lesson(first)
    else:
        window.open_lesson(lesson, otherwise=instead)


def make_window(lesson: str | None = None, reset_layout: bool = False):
    """Return the main window with its first lesson open (tests, the benchmark, the self-test).

    It waits for the lesson's formula, turning the event loop meanwhile.
    """
    window = start_window(lesson, reset_layout)
    settle(window)
    return window


def settle(window) -> None:
    """Turn the event loop until no formula build of the window's is under way."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    while window.controller.builds.busy:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
