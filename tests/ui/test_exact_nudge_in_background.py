"""The formula panel's exact nudge is worked out off the GUI thread, within a budget (issue 14).

A paused frame carries the nudge in floating point; the exact fractions come from the
pool (in the formula worker) and replace it, the newest point's only. One over its
budget leaves floating point, and the panel says why.
"""

import threading

from simulator.ui.binding import bind
from simulator.ui.exact_nudges import NUDGE_SECONDS
from simulator.ui.views.formula_view import FormulaView
from simulator.workspace.formula import FormulaModel

SEED = "09-seed-w-squared.lesson.json"
#: log nested 8 deep: exact values at w = 2 take over 10 s of sympy's time
SLOW_EXACT = "log(" * 8 + "w" + ")" * 8


def _panel(controller, qtbot) -> FormulaView:
    view = bind(controller, FormulaView())
    qtbot.addWidget(view)
    view.show()
    return view


def _typed(controller, qtbot, text: str) -> None:
    with qtbot.waitSignal(controller.formulaChecked, timeout=30000) as taken:
        assert controller.set_formula(text) is None
    assert taken.args == [""]


def test_the_exact_nudge_is_worked_out_off_the_gui_thread(make_controller, qtbot, monkeypatch):
    threads = []
    original = FormulaModel.exact_nudge

    def recorded(self, *args, **kwargs):
        threads.append(threading.current_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FormulaModel, "exact_nudge", recorded)
    c = make_controller(SEED)
    view = _panel(c, qtbot)
    assert c.move_hiker(2.0, 0.0)
    assert not view.exact_nudge and "working out the exact fractions" in view.mode_label.text()
    qtbot.waitUntil(lambda: view.exact_nudge, timeout=20000)
    nudge = view.values.nudge
    assert (nudge.J, nudge.J_plus, nudge.ratio, nudge.error) == (4, 4.004001, 4.001, 0.001)
    assert threads and threading.main_thread() not in threads


def test_the_newest_point_wins(make_controller, qtbot):
    c = make_controller(SEED)
    view = _panel(c, qtbot)
    got = []
    c.nudgeReady.connect(got.append)
    for w in (1.0, 1.5, 2.5, 3.5):
        assert c.move_hiker(w, 0.0)
    qtbot.waitUntil(lambda: view.exact_nudge, timeout=20000)
    assert view.values.theta == (3.5,) and view.values.nudge.J == 12.25
    c.grids.wait()
    qtbot.wait(100)
    # the first point's was under way (its result dropped); the two between were replaced
    # before they started
    assert [theta for theta, _ in got] == [(3.5,)]


def test_an_exact_nudge_over_its_budget_says_so_and_the_panel_answers_meanwhile(
        make_controller, qtbot):
    c = make_controller(SEED)
    view = _panel(c, qtbot)
    _typed(c, qtbot, SLOW_EXACT)
    assert c.move_hiker(2.0, 0.0)
    assert view.nudge_pending
    # the GUI thread is free while the worker works: ε is taken, in floating point for now
    c.set_epsilon("0.01")
    assert view.values.nudge.epsilon == 0.01
    qtbot.waitUntil(lambda: not view.nudge_pending, timeout=60000)
    assert not view.exact_nudge
    assert view.mode_label.text() == ("Floating point: working it out in exact fractions took "
                                      f"longer than {NUDGE_SECONDS:g} s.")
    c.nudges.cancel()
