"""A typed formula's sympy work runs off the GUI thread, within a time budget (issue 14 §1, §4).

Our parser answers at once; the derivatives, the graph and the compiled functions are
worked out in the thread pool, first tried in the formula worker that is abandoned past
``FORMULA_SECONDS``. The field says "Working out…" meanwhile; a newer formula drops an
older one's result; a formula over the budget, or one that cannot be built, is refused
with a message and changes nothing.
"""

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from simulator.lessons.catalog import lessons_dir
from simulator.ui.controller import FORMULA_SECONDS
from simulator.ui.launch import make_window

from .controls.test_controls import type_into
from .settling import settle

#: 16 s of sympy's processor time here, unsimplified: far past the budget
SLOW = "*".join(f"(w1**{k}+w2)**w1" for k in range(2, 30))
SEED = "09-seed-w-squared.lesson.json"


def test_a_typed_formula_is_taken_when_its_work_arrives(make_controller, qtbot):
    c = make_controller(SEED)
    working, checked = [], []
    c.formulaWorking.connect(working.append)
    c.formulaChecked.connect(checked.append)
    with qtbot.waitSignal(c.formulaChecked, timeout=30000) as taken:
        assert c.set_formula("w**4 + w") is None
        # returned before the sympy work was done: the problem is still the old one
        assert c.workspace.lesson.problem.expression == "w**2"
        assert working == ["Working out the derivatives of J = w**4 + w…"]
    assert taken.args == [""]
    assert c.workspace.lesson.problem.expression == "w**4 + w"
    assert c.workspace.problem_info().formula.derivative_texts == ("4·w³ + 1",)
    assert c.undo_stack.count() == 1
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.expression == "w**2"


def test_a_newer_formula_drops_the_older_ones_result(make_controller, qtbot):
    c = make_controller(SEED)
    checked = []
    c.formulaChecked.connect(checked.append)
    c.set_formula("w**4")
    c.set_formula("w**6 + 1")
    qtbot.waitUntil(lambda: bool(checked), timeout=30000)
    c.grids.wait()
    qtbot.wait(200)  # anything still queued for the GUI thread arrives
    assert checked == [""]
    assert c.workspace.lesson.problem.expression == "w**6 + 1"
    assert c.undo_stack.count() == 1


def test_a_formula_over_the_budget_is_refused_and_the_gui_keeps_running(make_controller, qtbot):
    c = make_controller(SEED)
    theta = c.workspace.session.theta.copy()
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    started = time.monotonic()
    with qtbot.waitSignal(c.formulaChecked, timeout=60000) as refused:
        assert c.set_formula(SLOW) is None
    timer.stop()
    waited = time.monotonic() - started
    assert refused.args[0].startswith(f"Gave up after {FORMULA_SECONDS:g} s: working out the "
                                      "derivatives of J = (w1**2+w2)**w1")
    assert refused.args[0].endswith("takes too long, so the problem stays as it was.")
    assert c.workspace.lesson.problem.expression == "w**2"
    assert (c.workspace.session.theta == theta).all() and c.undo_stack.count() == 0
    assert waited >= FORMULA_SECONDS
    # the GUI thread's timer kept firing while sympy worked: never a gap of a second
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert len(ticks) >= 10 and max(gaps) < 1.0


def test_a_formula_that_cannot_be_built_changes_nothing(make_controller, qtbot):
    c = make_controller(SEED)
    with qtbot.waitSignal(c.formulaChecked, timeout=30000) as refused:
        assert c.set_formula("sinh(.688 + softplus(.406-w1)) * -(w2 * abs(w1/w2))") is None
    assert "cannot be computed in float" in refused.args[0]
    assert c.workspace.lesson.problem.expression == "w**2" and c.undo_stack.count() == 0


def test_the_field_says_working_then_why_it_gave_up(qtbot):
    window = make_window(str(lessons_dir() / SEED), reset_layout=True)
    window.ask_to_save = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    note = window.controls.problem.formula_error
    try:
        with qtbot.waitSignal(window.controller.formulaChecked, timeout=60000):
            type_into(qtbot, window.controls.problem.formula, SLOW)
            assert note.isVisibleTo(window) and note.level == "info"
            assert note.text() == f"Working out the derivatives of J = {SLOW}…"
        assert note.level == "error" and note.text().startswith("Gave up after 2 s")
        assert window.controller.workspace.lesson.problem.expression == "w**2"
        with qtbot.waitSignal(window.controller.formulaChecked, timeout=30000):
            type_into(qtbot, window.controls.problem.formula, "w**2 + w")
        assert not note.isVisibleTo(window)
        assert window.status_fields["loss"].text() == "Loss 12"  # J = 3² + 3 at the start kept
        assert window.controller.workspace.lesson.problem.expression == "w**2 + w"
    finally:
        window.controller.pause()
        settle(window.controller)
