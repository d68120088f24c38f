"""Files (issue 9 §6): New, Open (dialog, drop, command line), Save, Save As, Recent; Lesson ▸ Properties."""

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from simulator import app as entry
from simulator.lessons.catalog import lessons_dir
from simulator.lessons.files import load_lesson
from simulator.ui.launch import make_window

from .settling import built

DERIVATIVE = str(lessons_dir() / "01-what-a-derivative-tells-you.lesson.json")
CIRCLE = str(lessons_dir() / "14-circle-network.lesson.json")
XOR = str(lessons_dir() / "13-xor-network.lesson.json")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    monkeypatch.setattr(w, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def save_as_here(monkeypatch, path):
    """Answer the Save As dialog with ``path``; return the list of times it was asked."""
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or (str(path), "")))
    return asked


def test_new_is_the_seed_formula_in_no_file(window, tmp_path, monkeypatch, qtbot):
    c = window.controller
    assert window.new_lesson()
    built(qtbot, c)  # its formula is worked out off the GUI thread
    ws = c.workspace
    assert ws.lesson.problem.expression == "w**2"
    assert ws.session.theta.tolist() == [3.0] and ws.session.step_count == 0
    assert c.path is None and c.undo_stack.isClean()
    assert window.windowTitle().startswith("New lesson")
    target = tmp_path / "fresh.lesson.json"
    asked = save_as_here(monkeypatch, target)
    window.save()  # a new lesson has no file: Save asks for one
    assert len(asked) == 1
    assert load_lesson(target).title == "New lesson"
    assert c.path == str(target)


def test_new_or_open_asks_about_unsaved_edits_and_cancel_keeps_them(window, monkeypatch):
    c = window.controller
    c.set_weight(0, 0.5)
    asked = []
    monkeypatch.setattr(window, "ask_to_replace",
                        lambda: asked.append(1) or QMessageBox.StandardButton.Cancel)
    assert not window.new_lesson()
    assert not window.open_asking(XOR)
    assert asked == [1, 1]
    assert c.workspace.session.theta[0] == 0.5 and c.path == CIRCLE
    monkeypatch.setattr(window, "ask_to_replace", lambda: QMessageBox.StandardButton.Discard)
    assert window.open_asking(XOR)
    assert c.path == XOR


def drop(window, path: str, accept_expected: bool) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(path)])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() is accept_expected
    if accept_expected:
        event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, event)


def test_a_dropped_lesson_file_opens(window, tmp_path):
    drop(window, XOR, accept_expected=True)
    assert window.controller.path == XOR
    assert window.windowTitle().startswith("13-xor-network.lesson.json")
    other = tmp_path / "picture.png"
    other.write_bytes(b"\x89PNG")
    drop(window, str(other), accept_expected=False)
    assert window.controller.path == XOR


def test_a_bad_dropped_file_leaves_the_lesson_and_says_why(window, tmp_path):
    bad = tmp_path / "broken.lesson.json"
    bad.write_text('{"format": "backprop-hiker-lesson", "version": 1}')
    messages = []
    window.controller.message.connect(lambda level, text: messages.append(text))
    drop(window, str(bad), accept_expected=True)
    assert window.controller.path == CIRCLE
    assert messages and "broken.lesson.json" in messages[-1]


def test_the_command_line_file_is_the_one_opened(monkeypatch, qtbot):
    opened = []
    monkeypatch.setattr(entry, "_no_display", lambda: False)
    monkeypatch.setattr("simulator.ui.launch.run_gui", lambda lesson, **kw: opened.append(lesson) or 0)
    assert entry.main([XOR]) == 0
    assert opened == [XOR]
    w = make_window(XOR, reset_layout=True)  # what run_gui does with it
    qtbot.addWidget(w)
    assert w.controller.path == XOR
    w.controller.grids.wait()


def test_save_as_then_save_write_the_current_state(window, tmp_path, monkeypatch):
    c = window.controller
    c.set_weight(0, 0.75)
    first = tmp_path / "a.lesson.json"
    save_as_here(monkeypatch, first)
    window.save_as()
    assert c.undo_stack.isClean() and c.path == str(first)
    assert load_lesson(first).problem.weights[0][0][0] == 0.75
    c.set_weight(0, -0.25)
    asked = save_as_here(monkeypatch, tmp_path / "never.lesson.json")
    window.save()  # the file is known now: no dialog
    assert asked == [] and load_lesson(first).problem.weights[0][0][0] == -0.25


def test_recent_lists_opened_files_newest_first_and_opens_them(window, tmp_path, qtbot):
    copy = tmp_path / "copy.lesson.json"
    copy.write_text(open(XOR, encoding="utf-8").read())
    assert window.open_lesson(str(copy))
    assert window.open_lesson(DERIVATIVE)
    built(qtbot, window.controller)
    window._fill_recent()
    actions = [a for a in window.recent_menu.actions() if a.isEnabled()]
    assert [a.toolTip() for a in actions][:3] == [DERIVATIVE, str(copy), CIRCLE]
    actions[1].trigger()
    assert window.controller.path == str(copy)


def test_properties_edit_the_texts_and_save_writes_them(window, tmp_path, monkeypatch, qtbot):
    assert window.open_lesson(DERIVATIVE)
    built(qtbot, window.controller)
    lesson = window.controller.workspace.lesson
    assert len(lesson.steps) >= 2

    def fill(dialog):
        dialog.title_edit.setText("Slopes, for 9B")
        dialog.description_edit.setPlainText("Thursday's lesson.")
        dialog.step_list.setCurrentRow(1)
        dialog.step_title_edit.setText("Nudge it")
        dialog.step_text_edit.setPlainText("Try **ε = 0.01** now.")
        dialog.step_list.setCurrentRow(0)  # moving on keeps what was typed
        return True
    monkeypatch.setattr(window, "run_dialog", fill)
    assert window.edit_properties()
    target = tmp_path / "slopes.lesson.json"
    save_as_here(monkeypatch, target)
    window.save()  # a built-in lesson is never overwritten: Save asks for a name
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved["title"] == "Slopes, for 9B"
    assert saved["description"] == "Thursday's lesson."
    assert saved["steps"][1]["title"] == "Nudge it"
    assert saved["steps"][1]["text"] == "Try **ε = 0.01** now."
    assert saved["steps"][0]["text"] == lesson.steps[0].text  # untouched steps stay
    assert [s.get("run") for s in saved["steps"]] == [
        json.loads(open(DERIVATIVE, encoding="utf-8").read())["steps"][k].get("run")
        for k in range(len(saved["steps"]))]  # what the steps do stays


def test_properties_cancelled_or_emptied_change_nothing(window, monkeypatch):
    title = window.controller.workspace.lesson.title
    monkeypatch.setattr(window, "run_dialog", lambda dialog: False)
    assert not window.edit_properties()

    def empty(dialog):
        dialog.title_edit.setText("   ")
        return True
    messages = []
    window.controller.message.connect(lambda level, text: messages.append(text))
    monkeypatch.setattr(window, "run_dialog", empty)
    assert not window.edit_properties()
    assert window.controller.workspace.lesson.title == title
    assert messages[-1] == "A lesson needs a title."
