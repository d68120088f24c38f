"""Launch and autosave recovery build their formula off the GUI thread (issue 14 §1).

The window shows at once, its banner saying "Working out…" while it has no lesson yet;
the event loop turns meanwhile. The built lesson is swapped in when it arrives; one that
cannot be built in time is refused with the same message as elsewhere, and the window
works on the first built-in lesson (a launch) or keeps what it had (a recovery).
"""

import json

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from simulator.lessons.catalog import builtin_lessons, lessons_dir
from simulator.lessons.files import load_lesson
from simulator.ui import autosave, launch
from simulator.ui.launch import offer_recovery, start_window
from simulator.workspace.window_text import shortened

from .settling import built
from .test_autosave import data_home  # noqa: F401 - the fixture
from .test_formula_in_background import SLOW, formula_lesson

CIRCLE = str(lessons_dir() / "14-circle-network.lesson.json")


def slow_lesson(tmp_path) -> str:
    """Write a lesson whose formula's sympy work is far past the budget; return its path."""
    path = tmp_path / "slow.lesson.json"
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 2, "title": "slow",
        "problem": {"kind": "expression", "expression": SLOW, "start": {"w1": 0.5, "w2": 1.0}},
        "optimizer": {"name": "sgd", "learning_rate": 0.05}}), encoding="utf-8")
    return str(path)


class Ticks:
    """Counts the turns of the event loop: a 10 ms timer's firings."""

    def __init__(self):
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        self.count += 1


def opened(qtbot, lesson):
    """Return a window started on ``lesson`` and shown, its first lesson still on the way."""
    window = start_window(lesson, reset_layout=True)
    qtbot.addWidget(window)
    window.ask_to_save = lambda: QMessageBox.StandardButton.Discard
    window.show()
    return window


def wait_for_lesson(qtbot, window):
    """Wait for every build of the window's to land, counting the event loop's turns."""
    ticks = Ticks()
    built(qtbot, window.controller)
    qtbot.waitUntil(lambda: window.controller.ready, timeout=60000)
    ticks.timer.stop()
    return ticks.count


@pytest.fixture
def closing():
    windows = []
    yield windows.append
    for window in windows:
        window.controller.pause()
        window.controller.grids.cancel()
        window.controller.grids.wait()


def test_a_formula_lesson_shows_the_window_first_then_its_lesson(qtbot, closing):
    window = opened(qtbot, str(lessons_dir() / "09-seed-w-squared.lesson.json"))
    closing(window)
    assert not window.controller.ready  # shown before sympy did its work
    assert window.banner.isVisibleTo(window) and window.banner.level == "info"
    assert window.banner.label.text() == "Working out the derivatives of J = w**2…"
    assert wait_for_lesson(qtbot, window) > 0  # the event loop turned meanwhile
    assert window.controller.workspace.lesson.problem.expression == "w**2"
    assert not window.banner.isVisibleTo(window)  # "Working out…" went with the lesson's arrival
    assert window.status_fields["loss"].text() == "Loss 9"
    assert window.docks[1].windowTitle() == "Formula"


def test_a_formula_over_the_budget_at_launch_is_refused_and_the_first_lesson_opens(
        qtbot, tmp_path, closing):
    window = opened(qtbot, slow_lesson(tmp_path))
    closing(window)
    messages = []
    window.controller.message.connect(lambda level, text: messages.append((level, text)))
    working = f"Working out the derivatives of J = {SLOW}…"
    assert window.banner.label.text() == shortened(working)  # no longer than the window
    assert len(shortened(working)) < 100 < len(working)
    c = window.controller  # a window with no lesson yet takes its verbs and does nothing
    c.step(), c.step_back(), c.reset(), c.toggle_play(), c.seek(3)
    assert not any((c.set_learning_rate(0.1), c.add_neuron(0), c.set_weight(0, 1.0),
                    c.move_hiker(0.0, 0.0), c.go_to_step(0), c.next_step(),
                    c.save_file(str(tmp_path / "x.lesson.json")), c.start_race(["sgd"])))
    assert c.set_formula("w**2") is None and not c.ready
    assert wait_for_lesson(qtbot, window) > 5
    assert messages[0][1].startswith("Could not open slow.lesson.json: Gave up after 2 s")
    first = load_lesson(builtin_lessons()[0])
    assert window.controller.workspace.lesson.title == first.title
    assert window.banner.level == "error"  # the refusal stays over the first lesson
    assert window.banner.label.text() == shortened(messages[0][1])
    window.controller.step()
    assert window.controller.frame().step == 1


def test_a_lesson_that_cannot_be_read_opens_the_first_one_at_once(qtbot, tmp_path, closing):
    bad = tmp_path / "bad.lesson.json"
    bad.write_text("{", encoding="utf-8")
    window = opened(qtbot, str(bad))
    closing(window)
    assert window.banner.level == "error" and "bad.lesson.json" in window.banner.label.text()
    wait_for_lesson(qtbot, window)
    assert window.controller.workspace.lesson.title == load_lesson(builtin_lessons()[0]).title


def orphan(lesson_path: str, step: int) -> str:
    """Write an autosave of a lesson file's lesson at a step, as a killed window leaves it."""
    folder = autosave.autosave_folder()
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "autosave-999997.json"
    file.write_text(autosave.autosave_text(load_lesson(lesson_path), step, None))
    return file


def test_recovered_formula_work_arrives_off_the_gui_thread(qtbot, tmp_path, data_home,  # noqa: F811
                                                           closing):
    window = opened(qtbot, CIRCLE)
    closing(window)
    file = orphan(formula_lesson(tmp_path, "fine", "w**4 + w"), 7)
    assert offer_recovery(window, ask=lambda w, r: True)
    assert window.controller.workspace.lesson.title.startswith("A circle")  # until the formula arrives
    assert wait_for_lesson(qtbot, window) >= 0
    qtbot.waitUntil(lambda: not file.exists(), timeout=30000)
    ws = window.controller.workspace
    assert ws.lesson.problem.expression == "w**4 + w" and ws.session.step_count == 7
    assert window.windowTitle() == "fine (recovered)[*] — Backprop Hiker"
    assert not window.controller.undo_stack.isClean()


def test_recovered_work_over_the_budget_is_refused_and_kept(qtbot, tmp_path, data_home,  # noqa: F811
                                                            closing):
    window = opened(qtbot, CIRCLE)
    closing(window)
    before = window.controller.workspace.session.theta.copy()
    file = orphan(slow_lesson(tmp_path), 3)
    messages = []
    window.controller.message.connect(lambda level, text: messages.append((level, text)))
    ticks = Ticks()
    assert offer_recovery(window, ask=lambda w, r: True)
    qtbot.waitUntil(lambda: bool(messages), timeout=60000)
    ticks.timer.stop()
    assert ticks.count > 5  # the event loop turned while sympy worked
    assert messages[0] == ("error", "Could not open slow: " + messages[0][1].split(": ", 1)[1])
    assert "Gave up after 2 s" in messages[0][1]
    assert file.exists()  # kept, to be offered again
    ws = window.controller.workspace
    assert ws.lesson.title.startswith("A circle") and (ws.session.theta == before).all()


def test_a_refused_recovery_in_a_window_with_no_lesson_yet_opens_the_first(
        qtbot, tmp_path, data_home, closing):  # noqa: F811
    window = opened(qtbot, None)  # its first lesson's build is replaced by the recovery's
    closing(window)
    orphan(slow_lesson(tmp_path), 3)
    assert offer_recovery(window, ask=lambda w, r: True)
    wait_for_lesson(qtbot, window)
    assert window.controller.workspace.lesson.title == load_lesson(builtin_lessons()[0]).title



def test_the_warm_up_waits_for_the_window_s_first_paint(qtbot, monkeypatch):
    """``after_first_paint`` runs its work once, after the first paint; never before it."""
    monkeypatch.setattr(launch, "FIRST_PAINT_AT_LATEST", 60_000)  # only the paint can run it
    window = QWidget()
    qtbot.addWidget(window)
    ran = []
    launch.after_first_paint(window, lambda: ran.append(window.isVisible()))
    qtbot.wait(50)
    assert ran == []  # not shown, not painted
    window.show()
    qtbot.waitUntil(lambda: ran == [True], timeout=3000)
    window.repaint()
    window.update()
    qtbot.wait(50)
    assert ran == [True]  # once


def test_a_window_that_never_paints_gets_the_warm_up_all_the_same(qtbot, monkeypatch):
    monkeypatch.setattr(launch, "FIRST_PAINT_AT_LATEST", 20)
    window = QWidget()  # never shown
    qtbot.addWidget(window)
    ran = []
    launch.after_first_paint(window, lambda: ran.append(True))
    qtbot.waitUntil(lambda: ran == [True], timeout=3000)
    qtbot.wait(50)
    assert ran == [True]
