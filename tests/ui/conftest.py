"""Fixtures of the Qt tests: QSettings in tmp, no window or thread left behind, controllers that stop."""

import gc
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from simulator.lessons.files import load_lesson
from simulator.ui.controller import SessionController

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path):
    """Keep QSettings of tests out of the user's real configuration, one folder per test."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "settings"))


@pytest.fixture(autouse=True)
def _no_leaked_windows_or_threads():
    """Fail a Qt test that leaves top-level windows open or pool threads running."""
    yield
    app = QApplication.instance()
    if app is None:
        return
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(5000), "background work still running after the test"
    # The test's widgets and controllers go now, on this thread: left to the cyclic
    # collector, they could be destroyed on whichever thread it next runs in (a pool
    # thread building a formula), which Qt's widgets do not survive.
    gc.collect()
    app.processEvents()
    open_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in open_windows:
        w.close()
    assert not open_windows, f"test left windows open: {[type(w).__name__ for w in open_windows]}"


@pytest.fixture(autouse=True)
def _clipboard_emptied():
    """Empty the clipboard after each Qt test.

    Offscreen, Qt destroys what a test copied (a QMimeData made in Python) only at process
    exit, after Python has gone; its wrapper's clean-up then crashes the run with a
    segmentation fault after every test has passed (exit 139). On X11 the clipboard goes
    with the application, so the app itself is not affected.
    """
    yield
    if QApplication.instance() is not None:
        QApplication.clipboard().clear()


@pytest.fixture
def make_controller(qtbot):
    """Return a factory of controllers (on a built-in lesson file's name, or none)."""
    made = []

    def make(lesson: str | Path | None = None) -> SessionController:
        controller = SessionController()
        if lesson is not None:
            controller.set_lesson_now(load_lesson(LESSONS / lesson))
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.pause()
        controller.grids.cancel()
        controller.grids.wait()


@pytest.fixture
def controller(make_controller):
    """Return a controller on the reference network lesson (2-8-8-1 on the circle)."""
    return make_controller("14-circle-network.lesson.json")


@pytest.fixture
def sympy_threads(monkeypatch):
    """Record the thread of every derivative sympy takes and every function it compiles."""
    import sympy

    calls: list[bool] = []  # True: on the GUI thread
    diff, lambdify = sympy.Expr.diff, sympy.lambdify

    def on_thread(function):
        def recorded(*args, **kwargs):
            calls.append(threading.current_thread() is threading.main_thread())
            return function(*args, **kwargs)
        return recorded
    monkeypatch.setattr(sympy.Expr, "diff", on_thread(diff))
    monkeypatch.setattr(sympy, "lambdify", on_thread(lambdify))
    return calls
