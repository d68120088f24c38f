"""Non-finite cases in the window (issue 14 §3) and true explanations on screen (issue 13 §7).

Each case is typed into the real formula field or set through the real controls; pytest-qt's
exception capture is on, so a slot that raised (the loss view's StopIteration on a start
that is not a number, "Cannot set range" on exp near 709) fails the test. Each checks the
words the window then shows: the banner, the status field, the curvature panel.
"""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.lessons.catalog import lessons_dir
from simulator.ui.launch import make_window

from .controls.test_controls import type_into
from .settling import settle

FIRST = str(lessons_dir() / "01-what-a-derivative-tells-you.lesson.json")
NETWORK = str(lessons_dir() / "06-backpropagation-through-a-network.lesson.json")


def open_window(qtbot, path):
    window = make_window(path, reset_layout=True)
    window.ask_to_save = lambda: QMessageBox.StandardButton.Discard  # the typed edits go
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    settle(window.controller)
    return window


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, FIRST)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def enter_formula(qtbot, window, text):
    with qtbot.waitSignal(window.controller.formulaChecked):
        type_into(qtbot, window.controls.problem.formula, text)
    settle(window.controller)


def shown(window):
    return (window.status_fields["state"].text(), window.banner.label.text()
            if window.banner.isVisibleTo(window) else "")


@pytest.mark.parametrize(("text", "why"), [
    ("sqrt(-w)", "J is not a real number there"),
    ("log(w - 4)", "J is not a real number there"),
    ("1/(w - 3)", "J is larger there than a computer's numbers go"),
])
def test_a_start_where_j_is_undefined_is_said_and_nothing_steps(window, qtbot, text, why):
    enter_formula(qtbot, window, text)
    state, banner = shown(window)
    assert state == "Undefined here"
    assert banner.startswith("J is undefined at w = 3: ") and why in banner
    assert window.status_fields["loss"].text() == ("Loss too large" if "larger" in why
                                                   else "Loss undefined")
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Space):
        qtbot.keyClick(window, key)
        QApplication.processEvents()
    assert not window.controller.playing
    assert window.controller.workspace.session.step_count == 0
    assert window.statusBar().currentMessage().startswith("J is undefined at w = 3")
    assert window.curvature.meaning.text().startswith("J is undefined at the hiker's point")


def test_a_formula_past_the_largest_float_draws_what_it_can(window, qtbot):
    enter_formula(qtbot, window, "exp(w + 703)")  # J reaches e^710 on the landscape's range
    _, ys = window.landscape.curve.getData()
    drawn = ys[ys == ys]  # the curve stops where J is past the largest float
    assert len(drawn) and drawn.max() <= 1e306 and len(drawn) < len(ys)
    assert shown(window)[0] == "Ready"
    qtbot.keyClick(window, Qt.Key.Key_Right)  # one step of e^709 · 0.1 flies off to −∞
    settle(window.controller)
    assert window.controller.workspace.session.step_count == 1


def test_one_over_w_far_out_says_walking_away_not_converged(window, qtbot):
    enter_formula(qtbot, window, "1/w")
    window.controller.move_hiker(245257.0, 0.0)
    settle(window.controller)
    state, banner = shown(window)
    assert state == "Walking away"
    assert banner.startswith("Not converged: there is no minimum here.")
    assert "the hiker is walking away" in banner
    meaning = window.curvature.meaning.text()
    assert meaning.startswith("No minimum ahead: downhill J flattens towards 0")
    assert "Stable while" not in meaning


def test_w_cubed_is_not_called_a_valley(window, qtbot):
    enter_formula(qtbot, window, "w**3")
    meaning = window.curvature.meaning.text()
    assert meaning.startswith("No minimum ahead") and "near a minimum" not in meaning
    assert shown(window) == ("Ready", "")


def test_a_nudge_across_the_pole_is_flagged_in_the_formula_panel(window, qtbot):
    enter_formula(qtbot, window, "1/w")
    window.controller.move_hiker(-0.000639, 0.0)
    settle(window.controller)
    assert window.formula.sentence.text().startswith("Careful: between w = −0.000639 and "
                                                     "0.000361 J jumps through a pole")


def test_eta_10_on_a_network_says_the_loss_stopped_falling(qtbot):
    window = open_window(qtbot, NETWORK)
    try:
        type_into(qtbot, window.controls.optimizer.lr_box, "10")
        assert window.controller.workspace.session.config.learning_rate == 10
        window.controller.set_speed(steps_per_frame=100)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.controller.workspace.session.step_count >= 300,
                        timeout=20000)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        settle(window.controller)
        state, banner = shown(window)
        assert state == "Stalled"
        assert banner.startswith("The loss has stopped falling: for the last")
        assert "went up and down between" in banner and "lower the learning rate" in banner
        # η = 100: the sigmoid neurons saturate, the loss is bounded and never diverges
        type_into(qtbot, window.controls.optimizer.lr_box, "100")
        before = window.controller.workspace.session.step_count
        qtbot.keyClick(window.controls.optimizer.lr_box, Qt.Key.Key_Escape)  # keys to the hiker
        for _ in range(20):
            qtbot.keyClick(window, Qt.Key.Key_Right)
        settle(window.controller)
        state, banner = shown(window)
        assert window.controller.workspace.session.step_count == before + 20
        assert state == "Stalled" and "hidden neurons are saturated" in banner
    finally:
        window.controller.pause()
        window.controller.grids.cancel()
        window.controller.grids.wait()
