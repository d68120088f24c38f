"""Failing gracefully: a slot that raises gets a dialog and a log entry, and the window stays usable.

pytest-qt's exception capture stays on: each test installs the reporter inside
``qtbot.capture_exceptions()``, so the reporter's own pass-on to the hook it replaced is
what pytest-qt records (and the test checks it), and the reporter is uninstalled before the
block ends.
"""

import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from simulator.ui import crash, launch
from simulator.ui.crash import LOG_NAME, CrashReporter, append_to_log, describe, log_dir
from simulator.ui.launch import make_window, open_window

CIRCLE = str(Path(__file__).resolve().parents[2] / "resources" / "lessons" / "14-circle-network.lesson.json")


@pytest.fixture
def window(qtbot):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


@contextmanager
def reporting(qtbot, window, folder):
    """Install a reporter logging into ``folder`` for the block; yield it and pytest-qt's captures."""
    with qtbot.capture_exceptions() as caught:
        reporter = CrashReporter(window, folder).install()
        try:
            yield reporter, caught
        finally:
            reporter.uninstall()
            if reporter.dialog is not None:
                reporter.dialog.close()


def broken_button(window) -> QPushButton:
    button = QPushButton("Divide by zero", window)
    button.clicked.connect(lambda: 1 / 0)
    button.show()
    return button


def test_a_slot_that_raises_shows_the_dialog_writes_the_log_and_the_window_runs_on(window, qtbot, tmp_path):
    folder = tmp_path / "logs"
    with reporting(qtbot, window, folder) as (reporter, caught):
        qtbot.mouseClick(broken_button(window), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        dialog = reporter.dialog
        assert "ZeroDivisionError: division by zero" in dialog.message.text()
        assert str(folder / LOG_NAME) in dialog.log_label.text()
        log = (folder / LOG_NAME).read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in log and "ZeroDivisionError: division by zero" in log
        assert "Backprop Hiker 0.1.0" in log
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == dialog.report
        assert "ZeroDivisionError" in dialog.report and dialog.copy_button.text() == "Copied"
        assert not dialog.isModal()
        # the window runs on: the keys still drive the hiker
        before = window.controller.frame().step
        window.act_step.trigger()
        assert window.controller.frame().step == before + 1
    assert [kind for kind, _, _ in caught] == [ZeroDivisionError]  # passed on to the earlier hook
    assert sys.excepthook is not reporter.excepthook


def test_more_errors_while_the_dialog_is_open_are_counted_in_it(window, qtbot, tmp_path):
    with reporting(qtbot, window, tmp_path) as (reporter, caught):
        button = broken_button(window)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        first = reporter.dialog
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: first.more == 2)
        assert reporter.dialog is first
        assert first.more_label.text().startswith("2 more errors since")
        assert first.report.count("ZeroDivisionError: division by zero") == 3
        assert (tmp_path / LOG_NAME).read_text(encoding="utf-8").count("Traceback") == 3
        first.close()
        qtbot.waitUntil(lambda: reporter.dialog is None)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # closed: the next one gets a new dialog
        qtbot.waitUntil(lambda: reporter.dialog is not None)
    assert len(caught) == 4


def test_an_unwritable_log_folder_is_said_in_the_dialog(window, qtbot, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way")
    with reporting(qtbot, window, not_a_folder) as (reporter, caught):
        qtbot.mouseClick(broken_button(window), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        note = reporter.dialog.log_label.text()
        assert note.startswith(f"The details could not be written to the log in {not_a_folder}")
        assert "use Copy details to keep them" in note
        assert "ZeroDivisionError" in reporter.dialog.report
    assert len(caught) == 1


def test_an_error_in_another_thread_is_shown_on_the_gui_thread(window, qtbot, tmp_path):
    with reporting(qtbot, window, tmp_path) as (reporter, caught):
        def work():
            raise RuntimeError("the worker fell over")

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        assert reporter.dialog.thread() is window.thread()
        assert "RuntimeError: the worker fell over" in reporter.dialog.message.text()
    assert [kind for kind, _, _ in caught] == [RuntimeError]


def test_keyboard_interrupt_passes_through_without_a_dialog_or_a_log(window, qtbot, tmp_path):
    with reporting(qtbot, window, tmp_path) as (reporter, caught):
        reporter.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
        qtbot.wait(50)
        assert reporter.dialog is None
    assert not (tmp_path / LOG_NAME).exists()
    assert [kind for kind, _, _ in caught] == [KeyboardInterrupt]


def test_a_window_that_fails_to_open_is_reported_and_no_window_is_returned(qtbot, tmp_path, monkeypatch):
    def fail(lesson, reset_layout):
        raise OSError("settings folder vanished")

    monkeypatch.setattr(launch, "start_window", fail)
    with reporting(qtbot, None, tmp_path) as (reporter, caught):
        assert open_window(reporter) is None
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        assert "OSError: settings folder vanished" in reporter.dialog.message.text()
    assert len(caught) == 1


def test_the_log_moves_aside_when_it_is_over_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(crash, "LOG_LIMIT_BYTES", 100)
    append_to_log("a" * 150, tmp_path)
    append_to_log("second", tmp_path)
    assert (tmp_path / (LOG_NAME + ".1")).read_text(encoding="utf-8") == "a" * 150 + "\n"
    assert (tmp_path / LOG_NAME).read_text(encoding="utf-8") == "second\n"


def test_the_log_folder_follows_xdg_state_home(monkeypatch, tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG applies to Linux and other Unix")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert log_dir() == tmp_path / "backprop-hiker"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/is/ignored")  # as the spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert log_dir() == tmp_path / "home" / ".local" / "state" / "backprop-hiker"


def test_describe_names_the_type_and_the_first_line():
    assert describe(ValueError("bad\nmore")) == "ValueError: bad"
    assert describe(RuntimeError()) == "RuntimeError"
