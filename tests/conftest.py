"""Test setup: Qt runs offscreen unless a test is marked ``x11`` and a real X server is there."""

import os
import sys

import pytest

X11_RUN = os.environ.get("BACKPROP_HIKER_X11") == "1"
if not X11_RUN:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-backprop-hiker")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)


def pytest_collection_modifyitems(config, items):
    """Skip X11 tests offscreen, with the reason; `make test` reruns them under xvfb-run."""
    if X11_RUN and not os.environ.get("DISPLAY"):
        reason = "BACKPROP_HIKER_X11=1 but no DISPLAY: run under xvfb-run"
    elif X11_RUN:
        return
    else:
        reason = "needs a real X server with OpenGL; `make test` runs these under xvfb-run"
    for item in items:
        if "x11" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path, monkeypatch):
    """Keep QSettings of tests out of the user's real configuration, one folder per test."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def _no_leaked_windows_or_threads(request):
    """Fail a Qt test that leaves top-level windows open or pool threads running."""
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(5000), "background work still running after the test"
    app.processEvents()
    open_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in open_windows:
        w.close()
    assert not open_windows, f"test left windows open: {[type(w).__name__ for w in open_windows]}"
