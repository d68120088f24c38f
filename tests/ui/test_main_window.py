"""The whole window driven from the keyboard, as a teacher would on a projector."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from simulator.lessons.catalog import builtin_lessons, lessons_dir
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.launch import make_window

from .settling import built

LESSONS_DIR = lessons_dir()

CIRCLE = str(LESSONS_DIR / "14-circle-network.lesson.json")


@pytest.fixture
def window(qtbot):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    show_active(qtbot, w)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def show_active(qtbot, window):
    """Show the window and make it the active one, as the desktop does for a new window."""
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, key, modifier)
    QApplication.processEvents()


def test_space_plays_and_pauses(window, qtbot):
    c = window.controller
    press(qtbot, window, Qt.Key.Key_Space)
    assert c.playing
    qtbot.waitUntil(lambda: c.workspace.session.step_count >= 3, timeout=5000)
    press(qtbot, window, Qt.Key.Key_Space)
    assert not c.playing
    assert window.status_fields["state"].text() in ("Ready", "Converged")


def test_arrows_step_and_rewind_exactly(window, qtbot):
    c = window.controller
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Right)
    after_one = None
    press(qtbot, window, Qt.Key.Key_Left)
    assert c.workspace.session.step_count == 1
    after_one = c.workspace.session.theta.copy()
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Left)
    assert np.array_equal(c.workspace.session.theta, after_one)
    assert window.status_fields["step"].text() == "Step 1"


def test_reset_and_speed_keys(window, qtbot):
    c = window.controller
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_R)
    assert c.workspace.session.step_count == 0
    press(qtbot, window, Qt.Key.Key_Plus)
    assert c.steps_per_frame == 2
    assert window.speed.currentData() == 2
    press(qtbot, window, Qt.Key.Key_Minus)
    assert c.steps_per_frame == 1


def test_history_slider_scrubs_to_an_exact_step(window, qtbot):
    c = window.controller
    for _ in range(6):
        c.step()
    c.seek(2)
    at_two = c.workspace.session.theta.copy()
    c.seek(6)
    window.history.slider.setValue(2)
    assert c.workspace.session.step_count == 2
    assert np.array_equal(c.workspace.session.theta, at_two)
    assert window.history.label.text() == "step 2 of 6"


def test_divergence_shows_a_banner_and_no_nan(qtbot):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    c = w.controller
    c.set_lesson_now(Lesson("regression", NetworkSpec(
        layers=(1, 4, 1), activation=("linear",), output_activation="linear", loss="mse",
        dataset=DatasetSpec(name="line")), OptimizerSpec("sgd", 5.0)))
    for _ in range(100):
        c.step()
        if c.workspace.session.status == "diverged":
            break
    assert c.workspace.session.status == "diverged"
    assert w.banner.isVisible()
    assert w.banner.label.text().startswith("Diverged at step")
    texts = [label.text() for label in w.findChildren(QLabel)]
    assert not any("nan" in t.lower().split() for t in texts)
    assert w.status_fields["state"].text() == "Diverged"
    w.banner.rewind.click()
    assert c.workspace.session.status == "ready"
    c.grids.cancel()
    c.grids.wait()


def test_bad_lesson_file_gives_a_message_and_keeps_the_lesson(window, qtbot, tmp_path):
    bad = tmp_path / "bad.lesson.json"
    bad.write_text("{not json")
    title = window.controller.workspace.lesson.title
    assert not window.open_lesson(str(bad))
    assert window.banner.isVisible()
    assert "bad.lesson.json" in window.banner.label.text()
    assert "line 1" in window.banner.label.text()
    assert window.controller.workspace.lesson.title == title


def test_no_arguments_opens_the_first_builtin_lesson(qtbot):
    w = make_window(None, reset_layout=True)
    qtbot.addWidget(w)
    first = builtin_lessons()[0]
    assert w.controller.path == str(first)
    show_active(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.controller.workspace.session.step_count > 0, timeout=5000)
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def test_layout_theme_and_last_file_persist(qtbot):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    w.set_theme("dark")
    w.docks[3].hide()
    w.close()
    settings = QSettings("Backprop Hiker", "backprop-hiker")
    assert settings.value("theme") == "dark"
    assert settings.value("last_file") == CIRCLE
    again = make_window(CIRCLE)
    qtbot.addWidget(again)
    again.show()
    assert again.theme_actions["dark"].isChecked()
    assert not again.docks[3].isVisible()
    again.set_theme("light")
    again.close()


def test_status_bar_shows_step_loss_and_gradient(window):
    c = window.controller
    c.step()
    snap = c.frame()
    assert window.status_fields["step"].text() == "Step 1"
    shown = float(window.status_fields["loss"].text().split()[-1])
    assert math.isclose(shown, snap.loss, rel_tol=1e-3)


def test_shortcuts_are_listed_under_help(window, qtbot):
    window.act_keys.trigger()
    boxes = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Keyboard shortcuts"]
    assert boxes and "Space" in boxes[0].text()
    boxes[0].close()


def test_switching_between_formula_and_network_lessons(window, qtbot):
    c = window.controller
    assert window.open_lesson(str(LESSONS_DIR / "09-seed-w-squared.lesson.json"))
    built(qtbot, c)  # a formula lesson opens once its sympy work arrives from the pool
    assert c.workspace.lesson.problem.expression == "w**2"
    c.step()
    assert window.open_lesson(CIRCLE)
    c.step()
    assert c.set_surface("himmelblau")
    built(qtbot, c)
    assert c.workspace.problem.names == ["w1", "w2"]
    c.step()
    c.undo_stack.undo()
    c.step()
    c.grids.wait()
    QApplication.processEvents()
    assert c.workspace.problem.network.sizes == (2, 8, 8, 1)
    assert window.landscape.isVisible()


def test_starting_a_network_lesson_does_not_import_sympy():
    import subprocess
    import sys

    script = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
              "from PySide6.QtWidgets import QApplication\napp = QApplication([])\n"
              "from simulator.ui.launch import make_window\n"
              f"w = make_window({CIRCLE!r}, reset_layout=True); w.show(); app.processEvents()\n"
              "w.controller.grids.wait(); print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_edit_menu_names_the_undo(window):
    c = window.controller
    c.set_weight(c.workspace.problem.network.index_of("W2[1,0]"), 0.5)
    assert window.act_undo.text().replace("&", "") == "Undo Set W2[1,0] to 0.5"
    window.act_undo.trigger()
    assert window.act_redo.text().replace("&", "") == "Redo Set W2[1,0] to 0.5"


def test_escape_leaves_a_text_field_so_space_plays(window, qtbot):
    field = window.controls.findChildren(QLineEdit)[0]
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Space)
    assert not window.controller.playing  # Space typed into the field, as it should
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert window.landscape.hasFocus()
    press(qtbot, window, Qt.Key.Key_Space)
    assert window.controller.playing
    window.controller.pause()


@pytest.mark.parametrize("answer, closes, saved", [("Discard", True, False),
                                                   ("Cancel", False, False),
                                                   ("Save", True, True)])
def test_closing_with_unsaved_edits_asks_first(qtbot, tmp_path, monkeypatch, answer, closes, saved):
    """Issue 8 §6.6: added data points are not lost without a word."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    show_active(qtbot, w)
    target = tmp_path / "mine.lesson.json"
    asked = []
    monkeypatch.setattr(w, "ask_to_save", lambda: asked.append(1) or
                        getattr(QMessageBox.StandardButton, answer))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert w.controller.add_point(0.1, 0.2, 1.0)
    w.controller.grids.cancel()
    w.controller.grids.wait()
    w.close()
    assert asked == [1]
    assert w.isVisible() is not closes
    assert target.exists() is saved
    if not closes:
        monkeypatch.setattr(w, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
        w.close()
        assert not w.isVisible()


def test_closing_with_nothing_to_save_asks_nothing(window, monkeypatch):
    monkeypatch.setattr(window, "ask_to_save", lambda: pytest.fail("asked to save"))
    window.controller.step()  # steps are not edits: nothing to lose
    window.close()
    assert not window.isVisible()
