"""A typed formula's sympy work runs off the GUI thread, within a time budget (issue 14 §1, §4).

Our parser answers at once; the derivatives, the graph and the compiled functions are
worked out in the thread pool, first tried in the formula worker that is abandoned past
``FORMULA_SECONDS``. The field says "Working out…" meanwhile; a newer formula drops an
older one's result; a formula over the budget, or one that cannot be built, is refused
with a message and changes nothing.
"""

import json
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from simulator.lessons.catalog import lessons_dir
from simulator.lessons.model import ExpressionSpec, Lesson
from simulator.ui.controller import FORMULA_SECONDS
from simulator.ui.launch import make_window

from .controls.test_controls import type_into
from .settling import built, settle

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


# ----- every other way a formula arrives: files, surfaces, new lessons, undo (issue 14 §1) -----

def formula_lesson(tmp_path, name: str, expression: str, **extra) -> str:
    """Write a formula lesson file; return its path."""
    path = tmp_path / f"{name}.lesson.json"
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 2, "title": name,
        "problem": {"kind": "expression", "expression": expression, "start": {"w": 2.0}},
        "optimizer": {"name": "sgd", "learning_rate": 0.05}, **extra}), encoding="utf-8")
    return str(path)


def test_the_gui_thread_does_no_sympy_when_formulas_arrive_by_any_path(
        make_controller, qtbot, tmp_path, sympy_threads):
    # formulas no test has built before (the formula models are cached by their text)
    c = make_controller("14-circle-network.lesson.json")
    opened = formula_lesson(tmp_path, "opened", "w**4/4 + 7*w")
    chosen = formula_lesson(tmp_path, "chosen", "cosh(w/3) + w/4")
    with qtbot.waitSignal(c.fileChanged, timeout=60000):
        assert c.open_file(opened)
        assert c.workspace.problem_info().is_network  # not swapped in before it is built
    assert c.workspace.lesson.problem.expression == "w**4/4 + 7*w"
    assert c.workspace.problem_info().formula.derivative_texts == ("w³ + 7",)
    assert c.undo_stack.count() == 0 and c.path == opened
    with qtbot.waitSignal(c.formulaChecked, timeout=60000):
        assert c.set_formula("w**6/6 - 5*w") is None
    assert c.set_network_lesson(chosen)  # the lesson chooser: an undoable edit
    built(qtbot, c)
    assert c.workspace.lesson.problem.expression == "cosh(w/3) + w/4"
    assert c.set_surface("himmelblau")
    built(qtbot, c)
    assert c.workspace.problem.names == ["w1", "w2"]
    assert c.undo_stack.count() == 3
    # undo and redo swap back formulas built before: no sympy, at once
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.expression == "cosh(w/3) + w/4"
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.expression == "w**6/6 - 5*w"
    assert c.workspace.problem_info().formula.derivative_texts == ("w⁵ − 5",)
    c.undo_stack.redo()
    assert c.workspace.lesson.problem.expression == "cosh(w/3) + w/4"
    c.undo_stack.undo()
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.expression == "w**4/4 + 7*w"
    assert c.new_file(Lesson("New", ExpressionSpec("w**2 + 11*w", (("w", 3.0),))))
    built(qtbot, c)
    assert c.workspace.lesson.problem.expression == "w**2 + 11*w" and c.path is None
    c.step()
    c.frame()
    assert sympy_threads and not any(sympy_threads), "sympy differentiated on the GUI thread"


def test_a_slow_formula_in_a_lesson_file_is_refused_and_changes_nothing(make_controller, qtbot,
                                                                          tmp_path):
    c = make_controller(SEED)
    c.step()
    theta, lesson, path = c.workspace.session.theta.copy(), c.workspace.lesson, c.path
    slow = tmp_path / "slow.lesson.json"
    slow.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 1, "title": "slow",
        "problem": {"kind": "expression", "expression": SLOW,
                    "start": {"w1": 1.0, "w2": 1.0}}}), encoding="utf-8")
    said, ticks = [], []
    c.message.connect(lambda level, text: said.append((level, text)))
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    started = time.monotonic()
    with qtbot.waitSignal(c.message, timeout=60000,
                          check_params_cb=lambda level, text: level == "error"):
        assert c.open_file(str(slow))  # read and checked at once; its formula goes to the pool
    timer.stop()
    assert said[-1] == ("error", f"Could not open slow.lesson.json: Gave up after "
                                 f"{FORMULA_SECONDS:g} s: working out the derivatives of "
                                 f"J = {SLOW} takes too long, so the problem stays as it was.")
    assert len(said[-1][1]) < 200 + len(SLOW)
    assert c.workspace.lesson is lesson and c.path == path
    assert (c.workspace.session.theta == theta).all() and c.workspace.session.step_count == 1
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert len(ticks) >= 10 and max(gaps) < 1.0  # the GUI thread never waited


def test_rapid_successive_changes_end_in_the_last_one(make_controller, qtbot, tmp_path):
    c = make_controller(SEED)
    checked = []
    c.formulaChecked.connect(checked.append)
    assert c.open_file(formula_lesson(tmp_path, "first", "w**2 + 1.5*w"))
    assert c.set_surface("himmelblau")
    assert c.set_formula(SLOW) is None
    started = time.monotonic()
    assert c.set_formula("w**4 + 0.5*w") is None  # abandons the slow one's work at once
    built(qtbot, c)
    c.grids.wait()
    qtbot.wait(200)  # anything still queued for the GUI thread arrives
    assert c.workspace.lesson.problem.expression == "w**4 + 0.5*w"
    assert checked == [""]  # the slow formula was neither taken nor said to have given up
    assert c.undo_stack.count() == 1 and c.path is None
    assert time.monotonic() - started < FORMULA_SECONDS * 4  # not held by the stale work
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.expression == "w**2"


def test_a_newer_formula_gets_its_whole_budget_after_a_slow_one(make_controller, qtbot):
    # the slow formula holds the formula worker; the newer one must not give up on its account
    c = make_controller(SEED)
    checked = []
    c.formulaChecked.connect(checked.append)
    assert c.set_formula(SLOW) is None
    qtbot.wait(int(FORMULA_SECONDS * 700))  # the slow one is deep in the worker now
    with qtbot.waitSignal(c.formulaChecked, timeout=60000) as taken:
        assert c.set_formula("w**2 + 3*w") is None
    assert taken.args == [""] and checked == [""]
    assert c.workspace.lesson.problem.expression == "w**2 + 3*w"


def test_a_formula_lesson_with_steps_opens_in_presenter_mode_at_the_right_state(qtbot, tmp_path):
    path = formula_lesson(tmp_path, "stepped", "w**2 + 0.4321*w", steps=[
        {"title": "Look", "text": "Here."}, {"title": "Walk", "text": "Ten steps.", "run": 10}])
    window = make_window(str(lessons_dir() / "14-circle-network.lesson.json"), reset_layout=True)
    window.ask_to_save = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    c = window.controller
    try:
        window.presenter.enter()
        assert window.open_lesson(path)
        assert window.lesson_panel.frame.lesson_title != "stepped"  # not before it is built
        built(qtbot, c)
        assert window.lesson_panel.frame.lesson_title == "stepped"
        assert c.next_step() and c.next_step()
        assert c.frame().step == 10 and c.workspace.step_index == 1
        assert window.lesson_panel.frame.index == 1 and window.presenter.presenting
        assert window.status_fields["step"].text() == "Step 10"
    finally:
        window.presenter.leave()
        c.pause()
        settle(c)


@pytest.mark.parametrize(("problem", "steps", "said"), [
    ({"expression": "w**", "start": {"w": 1.0}}, [],
     "Could not open broken.lesson.json: problem.expression: column 2: the formula ends too "
     "early after '**'"),
    ({"expression": "w**2", "start": {"q": 1.0}}, [],
     "Could not open broken.lesson.json: problem.start: missing value for w"),
    ({"expression": "w*1e301", "start": {"w": 1.0}}, [],
     "Could not open broken.lesson.json: problem.expression: the number 1.00e+301 is too large"),
    ({"expression": "w**2", "start": {"w": 1.0}}, [{"title": "a", "text": "b", "set": {"select": "v"}}],
     "Could not open broken.lesson.json: steps[0].set.select: 'v' is not a parameter"),
])
def test_a_formula_lesson_refused_after_its_build_says_where_and_changes_nothing(
        make_controller, qtbot, tmp_path, problem, steps, said):
    c = make_controller(SEED)
    lesson, path = c.workspace.lesson, c.path
    broken = tmp_path / "broken.lesson.json"
    broken.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 2, "title": "broken",
        "problem": {"kind": "expression", **problem}, "steps": steps}), encoding="utf-8")
    with qtbot.waitSignal(c.message, timeout=60000) as refused:
        assert c.open_file(str(broken))  # read and checked; its formula goes to the pool
    assert refused.args[0] == "error" and refused.args[1].startswith(said), refused.args[1]
    assert len(refused.args[1]) < 200
    assert c.workspace.lesson is lesson and c.path == path and c.undo_stack.count() == 0
    assert not c.builds.busy
