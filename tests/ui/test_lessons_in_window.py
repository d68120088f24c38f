"""Every built-in lesson, stepped through in the real window: no slot raises, each step shows."""

import pytest
from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import builtin_lessons
from simulator.ui.launch import make_window


@pytest.mark.parametrize("path", builtin_lessons(), ids=lambda p: p.name.split(".")[0])
def test_the_lesson_steps_through_in_the_window(path, qtbot):
    window = make_window(str(path), reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    c = window.controller
    count = len(c.workspace.lesson.steps)
    for k in range(count):
        c.next_step()
        c.grids.wait()
        QApplication.processEvents()
        frame = c.workspace.lesson_frame()
        assert frame.index == k and frame.count == count
        assert window.lesson_panel.isVisibleTo(window)
        assert window.lesson_panel.progress.text() == f"{k + 1} / {count}"
    for k in reversed(range(count - 1)):  # and back again, to the first step
        c.previous_step()
        assert c.workspace.lesson_frame().index == k
    c.pause()
    c.grids.cancel()
    c.grids.wait()
