"""Presenter mode: F5 and Esc, the keys clickers send, black and white screens, the scale."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import lessons_dir
from simulator.ui.launch import make_window
from simulator.ui.presenter import DEFAULT_SCALE, SETTINGS_KEY, Presenter
from simulator.ui.presenter_fit import fit_factor

LESSON = str(lessons_dir() / "02-sympy-does-it-for-us.lesson.json")


def opened(qtbot, lesson: str):
    """Yield a window with ``lesson`` open, shown and active; then out of presenter mode, idle."""
    w = make_window(lesson, reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    yield w
    if w.presenter.presenting:
        w.presenter.leave()
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


@pytest.fixture
def window(qtbot):
    yield from opened(qtbot, LESSON)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    """Press a key as the keyboard does: on the widget that has the focus."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
    QApplication.processEvents()


def present(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F5)
    assert window.presenter.presenting
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)


def on_stage(window, widget) -> bool:
    stage = window.presenter.stage
    return stage is not None and stage.isAncestorOf(widget) and widget.isVisible()


def test_f5_enters_full_screen_with_only_the_panel_and_the_step_s_views(window, qtbot):
    window.controller.go_to_step(0)  # shows formula and landscape, the formula large
    present(qtbot, window)
    assert window.centralWidget() is window.presenter.stage
    assert window.act_present.isChecked()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert on_stage(window, window.lesson_panel)
    assert on_stage(window, window.formula) and on_stage(window, window.landscape)
    for name in ("loss", "curvature", "network", "derivative_table", "landscape3d"):
        assert not on_stage(window, window.presenter_views()[name])
    assert not window.controls.isVisible()
    assert not window.lesson_panel.chooser.isVisible()  # the room goes to the text
    # The landscape is the biggest view, even where the step's large one is the formula.
    area = {w: w.width() * w.height() for w in (window.formula, window.landscape)}
    assert area[window.landscape] > area[window.formula]


def test_esc_puts_everything_back(window, qtbot):
    tabs_before = [window.views.tabText(k) for k in range(window.views.count())]
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presenter.presenting
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert not window.act_present.isChecked()
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    assert [window.views.tabText(k) for k in range(window.views.count())] == tabs_before
    assert window.views.widget(0) is window.landscape
    assert window.views.currentWidget() is window.landscape
    assert window.lesson_dock.widget() is window.lesson_panel
    assert window.docks[3].widget() is window.loss_tabs
    assert window.loss_tabs.indexOf(window.loss) == 0
    assert window.loss_tabs.indexOf(window.gradients) == 1
    assert window.explainer.indexOf(window.formula) == 1
    assert window.explainer.currentWidget() is window.formula
    assert window.lesson_panel.chooser.isVisible()
    assert window.landscape.isVisible()


def test_the_clicker_keys_step_through_the_lesson(window, qtbot):
    c, ws = window.controller, window.controller.workspace
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Right)  # no stepper on the stage: → is the next step
    assert ws.step_index == 0
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert ws.step_index == 1 and not c.playing
    theta = c.frame().theta.copy()
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert ws.step_index == 2
    press(qtbot, window, Qt.Key.Key_PageUp)
    assert ws.step_index == 1
    assert np.array_equal(c.frame().theta, theta)
    press(qtbot, window, Qt.Key.Key_Left)
    assert ws.step_index == 0
    assert window.lesson_panel.progress.text() == f"1 / {len(ws.lesson.steps)}"


def test_a_step_that_shows_the_derivative_table_puts_it_on_stage(window, qtbot):
    present(qtbot, window)
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_Right)
    assert window.controller.workspace.step_index == 2
    table = window.derivative_table
    assert on_stage(window, table) and table.table.rowCount() == 3
    assert not on_stage(window, window.formula)  # that step shows no formula panel
    assert table.width() * table.height() < window.landscape.width() * window.landscape.height()


@pytest.mark.parametrize(("key", "text", "colour"), [
    (Qt.Key.Key_B, "B", "#000000"), (Qt.Key.Key_Period, ".", "#000000"),
    (Qt.Key.Key_W, "W", "#ffffff")])
def test_b_and_dot_black_the_screen_w_whites_it_any_key_brings_it_back(
        window, qtbot, key, text, colour):
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Right)
    curtain = window.presenter.stage.curtain
    press(qtbot, window, key)
    assert curtain.isVisible() and curtain.colour.name() == colour
    assert curtain.geometry() == window.presenter.stage.rect()
    image = window.presenter.stage.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).name() == colour
    press(qtbot, window, Qt.Key.Key_Right)  # brings the lesson back, and only that
    assert not curtain.isVisible()
    assert window.controller.workspace.step_index == 0
    press(qtbot, window, Qt.Key.Key_Right)  # now it steps again
    assert window.controller.workspace.step_index == 1


def test_fonts_and_lines_are_scaled_and_come_back(window, qtbot):
    text_size = window.lesson_panel.text.font().pointSizeF()
    curve_width = window.landscape.curve.opts["pen"].widthF()
    present(qtbot, window)
    assert window.presenter.scale == DEFAULT_SCALE == 1.6
    scale = window.presenter.stage_scale  # fitted to the stage's size
    assert scale == pytest.approx(1.6 * fit_factor(window.presenter.stage.size()))
    assert window.lesson_panel.text.font().pointSizeF() == pytest.approx(scale * text_size)
    assert window.landscape.curve.opts["pen"].widthF() == pytest.approx(scale * curve_width)
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.lesson_panel.text.font().pointSizeF() == pytest.approx(text_size)
    assert window.landscape.curve.opts["pen"].widthF() == pytest.approx(curve_width)


def test_ctrl_plus_minus_and_zero_change_the_scale_and_it_is_remembered(window, qtbot):
    text_size = window.lesson_panel.text.font().pointSizeF()
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    bigger = window.presenter.scale
    fit = fit_factor(window.presenter.stage.size())
    assert bigger > DEFAULT_SCALE
    assert window.lesson_panel.text.font().pointSizeF() == pytest.approx(bigger * fit * text_size)
    assert float(QSettings("Backprop Hiker", "backprop-hiker").value(SETTINGS_KEY)) == bigger
    # A new presenter (the next start) takes the remembered scale.
    assert Presenter(window).scale == bigger
    press(qtbot, window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.presenter.scale < DEFAULT_SCALE
    press(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.presenter.scale == DEFAULT_SCALE
    assert window.lesson_panel.text.font().pointSizeF() == pytest.approx(
        DEFAULT_SCALE * fit * text_size)


def test_the_scale_stays_within_its_range(window):
    window.presenter.set_scale(50)
    assert window.presenter.scale == 3.0
    window.presenter.set_scale(0.1)
    assert window.presenter.scale == 1.0
    window.settings.setValue(SETTINGS_KEY, "huge")
    assert Presenter(window).scale == DEFAULT_SCALE


def test_a_restyle_while_presenting_keeps_the_scale(window, qtbot):
    from simulator.ui.theme import theme_manager

    curve_width = window.landscape.curve.opts["pen"].widthF()
    present(qtbot, window)
    theme_manager().apply("dark")  # the views set their own widths again …
    try:
        assert window.landscape.curve.opts["pen"].widthF() == pytest.approx(
            window.presenter.stage_scale * curve_width)
    finally:
        theme_manager().apply("light")


def test_outside_presenter_mode_page_keys_step_and_the_run_keys_still_work(window, qtbot):
    c = window.controller
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert c.workspace.step_index == 0
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Escape)
    press(qtbot, window, Qt.Key.Key_Space)  # Space plays again once presenting is over
    assert c.playing
    c.pause()


def test_closing_while_presenting_saves_the_usual_layout(window, qtbot):
    present(qtbot, window)
    window.close()
    assert not window.presenter.presenting
    assert window.centralWidget() is not window.presenter.stage
    assert window.menuBar().isVisible() or window.menuBar().isVisibleTo(window)
    assert window.lesson_dock.widget() is window.lesson_panel


def test_a_lesson_chosen_in_the_panel_opens_asking_about_unsaved_edits(window, qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(window, "may_replace", lambda: asked.append(True) or False)
    panel = window.lesson_panel
    title = window.controller.workspace.lesson.title
    panel.openRequested.emit(panel.lesson_paths()[-1])
    assert asked == [True]
    assert window.controller.workspace.lesson.title == title  # "Cancel": nothing opened


def test_outside_presenter_mode_a_step_showing_the_table_brings_its_dock_forward(window, qtbot):
    assert not window.derivative_dock.isVisible()
    window.controller.go_to_step(2)  # "Common derivatives": show lists derivative_table
    qtbot.waitUntil(window.derivative_table.isVisible, timeout=3000)
    assert window.derivative_table.table.rowCount() == 3
    assert window.derivative_table.table.item(2, 1).text() == "−1/w²"


def test_outside_presenter_mode_a_step_brings_its_panels_forward(qtbot):
    """A step's show raises its panels; the lesson's text is covered only by the large one."""
    w = make_window(str(lessons_dir() / "03-hiking-down-the-mountain.lesson.json"),
                    reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.views.setCurrentWidget(w.landscape_3d)
    w.controller.go_to_step(0)  # show: landscape (large) and loss
    qtbot.waitUntil(lambda: w.views.currentWidget() is w.landscape, timeout=3000)
    assert w.docks[3].isVisibleTo(w)
    if w.docks[3] not in w.tabifiedDockWidgets(w.lesson_dock):
        assert w.loss.isVisible()
    else:
        assert w.lesson_panel.isVisible()  # the step's text stays in front of the class
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def test_space_plays_and_pauses_on_the_stage_as_the_lessons_say(window, qtbot):
    c = window.controller
    present(qtbot, window)
    press(qtbot, window, Qt.Key.Key_PageDown)
    press(qtbot, window, Qt.Key.Key_Space)  # "Press Space to keep walking"
    assert c.playing and c.workspace.step_index == 0
    press(qtbot, window, Qt.Key.Key_Space)
    assert not c.playing


@pytest.fixture
def lesson_06(qtbot):
    """The window with lesson 06 open (its steps show the backprop stepper)."""
    yield from opened(qtbot, str(lessons_dir() / "06-backpropagation-through-a-network.lesson.json"))


def test_arrows_walk_the_stepper_while_it_is_on_the_stage(lesson_06, qtbot):
    """Lesson 06 says "press →": → and ← walk the stepper; Page Down / Up go through the steps."""
    w = lesson_06
    ws = w.controller.workspace
    present(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Right)  # step 1 has no stepper: → goes on
    press(qtbot, w, Qt.Key.Key_Right)
    assert ws.step_index == 1 and on_stage(w, w.stepper)
    qtbot.waitUntil(lambda: w.stepper.frame is not None and w.stepper.frame.count > 0,
                    timeout=5000)
    for _ in range(3):
        press(qtbot, w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.stepper.frame.index == 3, timeout=3000)
    assert ws.step_index == 1 and w.stepper.position_label.text().startswith("4 / ")
    press(qtbot, w, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: w.stepper.frame.index == 2, timeout=3000)
    assert ws.step_index == 1
    press(qtbot, w, Qt.Key.Key_PageDown)
    assert ws.step_index == 2
    press(qtbot, w, Qt.Key.Key_PageUp)
    assert ws.step_index == 1


def test_in_the_window_a_step_that_shows_the_stepper_gives_it_the_arrows(lesson_06, qtbot):
    w = lesson_06
    c, ws = w.controller, w.controller.workspace
    press(qtbot, w, Qt.Key.Key_PageDown)
    press(qtbot, w, Qt.Key.Key_PageDown)
    assert ws.step_index == 1
    qtbot.waitUntil(lambda: w.stepper.frame is not None and w.stepper.frame.count > 0,
                    timeout=5000)
    step = c.frame().step
    press(qtbot, w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.stepper.frame.index == 1, timeout=3000)
    assert c.frame().step == step  # the stepper's operation, not a step of the descent
    for _ in range(4):  # to step 6, "Train until it solves XOR": no stepper
        press(qtbot, w, Qt.Key.Key_PageDown)
    assert ws.step_index == 5
    step = c.frame().step
    press(qtbot, w, Qt.Key.Key_Right)
    assert c.frame().step == step + 1  # → takes a step of the descent again
