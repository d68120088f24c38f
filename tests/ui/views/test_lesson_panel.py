"""The lesson panel: a step's text and progress, Previous/Next, Page keys, and the lesson list."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from simulator.ui.binding import bind
from simulator.ui.views.lesson_panel import LessonPanel
from simulator.workspace.choices import lessons

LESSON = "02-sympy-does-it-for-us.lesson.json"


@pytest.fixture
def controller(make_controller):
    return make_controller(LESSON)


@pytest.fixture
def panel(qtbot, controller):
    panel = bind(controller, LessonPanel())
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=3000)
    return panel


def state(controller):
    ws = controller.workspace
    frame = controller.frame()
    return ws.step_index, frame.step, frame.theta.copy(), frame.config.learning_rate


def test_before_the_first_step_the_lesson_and_its_description_show(panel, controller):
    lesson = controller.workspace.lesson
    assert panel.lesson_title.text() == lesson.title
    assert panel.progress.text() == f"0 / {len(lesson.steps)}"
    assert panel.next_button.text() == "Start ▶"
    assert not panel.previous_button.isEnabled()
    assert "sympy's diff" in panel.text.toPlainText()


def test_next_shows_the_step_s_title_text_and_progress(panel, controller, qtbot):
    steps = controller.workspace.lesson.steps
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert controller.workspace.step_index == 0
    assert panel.step_title.text() == steps[0].title
    assert panel.progress.text() == f"1 / {len(steps)}"
    # The Markdown arrives as rich text: bold and code are marked, not shown as stars.
    html = panel.text.toHtml()
    plain = panel.text.toPlainText()
    assert "Python's SymPy finds" in plain and "**SymPy**" not in plain
    assert "J = w**2" in plain  # stars inside code stay
    assert "font-weight" in html and "monospace" in html
    assert panel.previous_button.isEnabled() is False


def test_previous_restores_the_earlier_step_exactly(panel, controller, qtbot):
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    controller.step()  # the student walks on inside step 1 …
    controller.step()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    third = state(controller)
    qtbot.mouseClick(panel.previous_button, Qt.MouseButton.LeftButton)
    second = state(controller)
    assert second[0] == 1 and panel.progress.text().startswith("2 /")
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    again = state(controller)
    assert again[:2] == third[:2] and again[3] == third[3]
    assert np.array_equal(again[2], third[2])  # bit for bit
    qtbot.mouseClick(panel.previous_button, Qt.MouseButton.LeftButton)
    assert state(controller)[1] == second[1]
    assert np.array_equal(state(controller)[2], second[2])


def test_page_down_and_page_up_step_through_the_lesson(panel, controller, qtbot):
    panel.text.setFocus()
    qtbot.keyClick(panel.text, Qt.Key.Key_PageDown)
    qtbot.keyClick(panel.text, Qt.Key.Key_PageDown)
    assert controller.workspace.step_index == 1
    qtbot.keyClick(panel.text, Qt.Key.Key_PageUp)
    assert controller.workspace.step_index == 0
    assert panel.progress.text().startswith("1 /")


def test_at_the_last_step_next_is_off(panel, controller, qtbot):
    count = len(controller.workspace.lesson.steps)
    controller.go_to_step(count - 1)
    assert panel.progress.text() == f"{count} / {count}"
    assert not panel.next_button.isEnabled() and not panel.next_action.isEnabled()
    qtbot.keyClick(panel, Qt.Key.Key_PageDown)
    assert controller.workspace.step_index == count - 1


def test_a_lesson_without_steps_hides_the_step_buttons(qtbot, make_controller):
    controller = make_controller("10-ravine.lesson.json")
    panel = bind(controller, LessonPanel())
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.next_button.isVisible() and not panel.progress.isVisible()
    assert panel.lesson_title.text() == controller.workspace.lesson.title


def test_the_list_has_every_built_in_lesson_by_title_then_recent_files(panel, tmp_path):
    titles = [panel.lesson_list.item(k).text() for k in range(len(lessons()))]
    assert titles == [choice.title for choice in lessons()]
    mine = tmp_path / "my-demo.lesson.json"
    builtin = str(lessons()[0].path)
    panel.set_recent([str(mine), builtin])  # a built-in one is listed once, as built-in
    texts = [panel.lesson_list.item(k).text() for k in range(panel.lesson_list.count())]
    assert texts[len(lessons()):] == ["Recent files", "my-demo.lesson.json"]
    assert panel.lesson_paths() == [str(c.path) for c in lessons()] + [str(mine)]


def test_choosing_a_lesson_opens_it(panel, controller, qtbot):
    target = lessons()[-1]
    item = panel.lesson_list.item(len(lessons()) - 1)
    panel.lesson_list.setCurrentItem(item)
    panel.lesson_list.setFocus()
    with qtbot.waitSignal(controller.lessonChanged, timeout=5000):
        qtbot.keyClick(panel.lesson_list, Qt.Key.Key_Return)
    assert controller.workspace.lesson.title == target.title
    assert panel.lesson_title.text() == target.title
    panel.set_current_file(str(target.path))
    assert item.font().bold()
    assert not panel.lesson_list.item(0).font().bold()


def test_the_header_of_recent_files_opens_nothing(panel, controller, qtbot):
    panel.set_recent([str(lessons()[0].path) + ".missing"])
    header = panel.lesson_list.item(len(lessons()))
    assert header.text() == "Recent files"
    with qtbot.assertNotEmitted(panel.openRequested):
        panel.lesson_list.itemActivated.emit(header)
        QApplication.processEvents()


def test_fitted_text_is_set_smaller_until_it_needs_no_scrolling(panel, controller, qtbot):
    controller.go_to_step(2)  # "Common derivatives": the longest text of the lesson
    panel.resize(420, 370)
    QApplication.processEvents()
    text = panel.text
    size = text.font().pointSizeF()
    assert text.verticalScrollBar().maximum() > 0  # in the window it scrolls
    panel.set_fit_text(True)
    QApplication.processEvents()
    assert text.verticalScrollBar().maximum() == 0
    assert 0.7 <= panel.text_fit < 1.0
    assert text.document().defaultFont().pointSizeF() == pytest.approx(size * panel.text_fit)
    fit = panel.text_fit
    panel.resize(420, 600)  # a taller box: larger again, still whole
    qtbot.waitUntil(lambda: panel.text_fit > fit, timeout=3000)
    assert text.verticalScrollBar().maximum() == 0
    panel.set_fit_text(False)
    assert panel.text_fit == 1.0
    assert text.document().defaultFont().pointSizeF() == pytest.approx(size)
