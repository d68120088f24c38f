"""Test setup for every test, Qt-free: the Qt tests' own fixtures are in ``tests/ui/conftest.py``.

Qt runs offscreen unless a test is marked ``x11`` and a real X server is there (the variables are
set here because the command-line tests start the app in subprocesses). Hypothesis runs from the
derandomized ``ci`` profile unless ``HYPOTHESIS_PROFILE=explore`` asks for long random runs.
"""

import os
import sys

import pytest
from hypothesis import settings

X11_RUN = os.environ.get("BACKPROP_HIKER_X11") == "1"
if not X11_RUN:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-backprop-hiker")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

# `ci` gives the same examples on every run, so `make test` cannot fail by chance; a failure
# prints the blob that replays it. `explore` draws fresh random examples, ten times as many.
settings.register_profile("ci", derandomize=True, max_examples=100, deadline=None, database=None,
                          print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")

# tests/test_layers.py runs the Qt-free folders with this set, to show they never import Qt.
NO_QT = os.environ.get("BACKPROP_HIKER_NO_QT") == "1"
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def pytest_configure(config):
    """Share OpenGL contexts, as the app does, before pytest-qt or a test makes the QApplication."""
    if not NO_QT:
        from simulator.ui.application import share_opengl_contexts

        share_opengl_contexts()


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


def _move_home(monkeypatch, home):
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))


@pytest.fixture(scope="session", autouse=True)
def _session_home_in_tmp(tmp_path_factory):
    """Keep the user's configuration away from module fixtures too (they run before ``_home_in_tmp``)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _move_home(monkeypatch, tmp_path_factory.mktemp("session") / "home")
        yield


@pytest.fixture(autouse=True)
def _home_in_tmp(tmp_path, monkeypatch):
    """Give each test its own HOME, so nothing it starts writes to the user's configuration."""
    _move_home(monkeypatch, tmp_path / "home")


@pytest.fixture(autouse=True)
def _no_qt_when_forbidden():
    """With BACKPROP_HIKER_NO_QT=1, fail a test after which Qt is imported (or was while collecting)."""
    if not NO_QT:
        yield
        return
    loaded = [name for name in QT_MODULES if name in sys.modules]
    assert not loaded, (f"{loaded} imported before the test ran: by a test module, a conftest or a "
                        "plugin (pytest-qt imports PySide6: run with -p no:pytest-qt)")
    yield
    loaded = [name for name in QT_MODULES if name in sys.modules]
    assert not loaded, f"this test imported {loaded}, but its folder's tests must run without Qt"
