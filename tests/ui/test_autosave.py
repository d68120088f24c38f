"""Autosave (issue 9 §6): unsaved work survives kill -9 and comes back exactly at the next start."""

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.lessons.catalog import lessons_dir
from simulator.lessons.files import load_lesson
from simulator.ui import autosave
from simulator.ui.launch import make_window, name_application, offer_recovery

ROOT = Path(__file__).resolve().parents[2]
CIRCLE = str(lessons_dir() / "14-circle-network.lesson.json")


def edit_then_wait_to_be_killed() -> None:
    """In a child process: open a lesson as the app does, step, edit, step, autosave, wait.

    Prints θ (as exact hex floats), the step and the autosave file once the autosave
    holds that state, then waits to be killed.
    """
    from simulator.ui.launch import make_window, name_application

    app = QApplication([])
    name_application(app)
    window = make_window(CIRCLE)
    window.show()
    c = window.controller
    for _ in range(5):
        c.step()
    c.set_weight(3, 0.625)  # an undoable edit: the work is unsaved now
    for _ in range(4):
        c.step()
    window.autosaver.start()
    saver = window.autosaver
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        app.processEvents()
        if saver.file.exists() and json.loads(saver.file.read_text())["step"] == 9:
            break
        time.sleep(0.01)
    theta = c.workspace.session.theta
    print(json.dumps({"theta": [float(v).hex() for v in theta], "step": c.workspace.session.step_count,
                      "file": str(saver.file)}), flush=True)
    while True:
        app.processEvents()
        time.sleep(0.05)


@pytest.fixture
def data_home(tmp_path, monkeypatch, qapp):
    """Send the app's data folder (autosaves) to tmp, under the app's own names."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    names = (qapp.applicationName(), qapp.organizationName(), qapp.desktopFileName())
    name_application(qapp)
    yield tmp_path / "data"
    qapp.setApplicationName(names[0])
    qapp.setOrganizationName(names[1])
    qapp.setDesktopFileName(names[2])


@pytest.fixture
def window(qtbot, data_home, monkeypatch):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    monkeypatch.setattr(w, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def autosaves(folder: Path) -> list[Path]:
    return sorted((folder / "Backprop Hiker" / "Backprop Hiker" / "autosave").glob("autosave-*.json"))


def test_killed_work_is_restored_with_the_same_theta_and_step(data_home, qtbot, monkeypatch):
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(data_home.parent / "config"), autosave.INTERVAL_VARIABLE: "200"}
    child = subprocess.Popen(
        [sys.executable, "-c", "import tests.ui.test_autosave as t; t.edit_then_wait_to_be_killed()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 120)
        assert ready, "the child never reported its state"
        killed = json.loads(child.stdout.readline())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert killed["step"] == 9
    assert [Path(killed["file"])] == autosaves(data_home)  # left behind by the killed window

    w = make_window(None, reset_layout=True)
    qtbot.addWidget(w)
    monkeypatch.setattr(w, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    offered = []
    assert offer_recovery(w, ask=lambda window, recovered: offered.append(recovered) or True)
    assert [r.step for r in offered] == [9]
    session = w.controller.workspace.session
    assert [float(v).hex() for v in session.theta] == killed["theta"]  # bit for bit
    assert session.step_count == 9
    assert w.status_fields["step"].text() == "Step 9"
    assert w.controller.path == CIRCLE  # Save writes back to the file the work came from
    assert not w.controller.undo_stack.isClean()  # the recovered work is still unsaved
    assert autosaves(data_home) == [w.autosaver.file]  # the orphan went; this window's holds it
    w.close()
    assert autosaves(data_home) == []  # a clean close leaves nothing to offer
    w.controller.grids.wait()


def test_discard_deletes_the_autosave_and_keeps_the_lesson(window, data_home):
    folder = autosave.autosave_folder()
    folder.mkdir(parents=True)
    orphan = folder / "autosave-999999.json"
    spiral = load_lesson(lessons_dir() / "13-xor-network.lesson.json")
    orphan.write_text(autosave.autosave_text(spiral, 40, None))
    before = window.controller.workspace.session.theta.copy()
    assert not offer_recovery(window, ask=lambda w, r: False)
    assert not orphan.exists()
    assert np.array_equal(window.controller.workspace.session.theta, before)
    assert window.controller.workspace.session.step_count == 0


def test_an_unreadable_autosave_is_kept_and_named(window, data_home, qtbot):
    folder = autosave.autosave_folder()
    folder.mkdir(parents=True)
    broken = folder / "autosave-999998.json"
    broken.write_text('{"format": "backprop-hiker-autosave", "step": -3}')
    messages = []
    window.controller.message.connect(lambda level, text: messages.append((level, text)))
    assert not offer_recovery(window, ask=lambda w, r: pytest.fail("offered a broken file"))
    assert broken.exists()
    assert messages and messages[-1][0] == "warning" and "autosave-999998.json" in messages[-1][1]
    assert "step must be a whole number" in messages[-1][1]


def test_autosave_only_with_unsaved_changes_and_gone_after_a_save(window, data_home, tmp_path):
    saver = window.autosaver
    saver.start()
    c = window.controller
    c.step()
    assert not saver.save_now() and not saver.file.exists()  # steps alone are not edits
    c.set_weight(0, 0.5)
    assert saver.save_now() and saver.file.exists()
    assert not saver.save_now()  # nothing changed since: no rewrite
    written = json.loads(saver.file.read_text())
    assert written["step"] == 1 and written["path"] == CIRCLE
    assert c.save_file(str(tmp_path / "mine.lesson.json"))
    assert not saver.file.exists()  # a clean save removes it


def test_a_running_windows_autosave_is_not_offered(window, data_home):
    saver = window.autosaver
    saver.start()
    window.controller.set_weight(0, 0.5)
    assert saver.save_now()
    assert list(autosave.orphans()) == []  # its lock is held: the window is alive


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(autosave.INTERVAL_VARIABLE, "250")
    assert autosave.interval_ms() == 250
    for bad in ("", "0", "-5", "soon"):
        monkeypatch.setenv(autosave.INTERVAL_VARIABLE, bad)
        assert autosave.interval_ms() == autosave.INTERVAL_MS == 60_000
