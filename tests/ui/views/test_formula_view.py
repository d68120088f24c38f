"""The formula panel: the seed's nudge numbers exactly, derivatives and graph against the engine."""

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from simulator import symbolic
from simulator.lessons.files import load_lesson
from simulator.ui.binding import bind
from simulator.ui.controller import SessionController
from simulator.ui.theme import theme_manager
from simulator.ui.views.formula_view import GRAPH_MIN_SCALE, NETWORK_NOTE, FormulaView
from simulator.workspace.formula_text import readable
from simulator.workspace.numbers import format_number

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
SEED = LESSONS / "09-seed-w-squared.lesson.json"
RAVINE = LESSONS / "10-ravine.lesson.json"
ROSENBROCK = LESSONS / "11-rosenbrock-adam.lesson.json"
HIMMELBLAU = LESSONS / "12-himmelblau-momentum.lesson.json"
CIRCLE = LESSONS / "14-circle-network.lesson.json"


@pytest.fixture
def controller(make_controller):
    return make_controller(SEED)


def _view(controller, qtbot, size=(470, 600)):
    view = bind(controller, FormulaView())
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    return view


@pytest.fixture
def view(controller, qtbot):
    return _view(controller, qtbot)


def _table(view) -> dict[str, str]:
    """Return the nudge table's texts, once a paused frame's exact nudge has come from the pool."""
    deadline = time.monotonic() + 30
    while view.nudge_pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    return {key: label.text().strip() for key, label in view.nudge_labels.items()}


def _number(text: str) -> float:
    return float(text.removeprefix("=").strip().replace("−", "-"))


def _type_epsilon(view, qtbot, text: str) -> None:
    edit = view.epsilon_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_seed_lesson_shows_the_seeds_nudge_numbers_exactly(view):
    assert view.epsilon_edit.text() == "0.001"
    assert _table(view) == {"J": "9", "J_plus": "9.006001", "delta": "0.006001",
                            "ratio": "6.001", "exact": "6", "error": "0.001"}
    assert view.sentence.text() == ("Nudging w by 0.001 changes J by 0.006001, so the slope is "
                                    "about 6.001; the exact slope is 6.")
    assert view.exact_nudge
    name, expression, value = view.cost_rows[0]
    assert (name.text(), expression.text(), value.text()) == ("J(w) =", "w²", "= 9")
    name, expression, value = view.cost_rows[1]
    assert (name.text(), expression.text(), value.text()) == ("dJ/dw =", "2·w", "= 6")
    assert view.note.isHidden() and not view.scroll.isHidden()


def test_derivative_after_a_step_equals_the_engines_gradient(controller, view):
    controller.step()
    snap = controller.frame()
    assert snap.step == 1 and snap.theta[0] != 3
    shown = _number(view.cost_rows[1][2].text())
    assert format_number(shown, 4) == format_number(float(snap.gradient[0]), 4)
    assert _number(view.cost_rows[0][2].text()) == pytest.approx(snap.loss, rel=1e-5)
    # the nudge follows the hiker, still in exact arithmetic while paused
    w = float(snap.theta[0])
    table = _table(view)
    assert _number(table["J_plus"]) == pytest.approx((w + 0.001) ** 2, rel=1e-9)
    assert _number(table["exact"]) == pytest.approx(snap.gradient[0], rel=1e-9)
    assert view.point_label.text().startswith(f"At the hiker's point w = {format_number(w)}")


def test_typing_epsilon_updates_the_table(controller, view, qtbot):
    controller.step()
    controller.seek(0)
    _type_epsilon(view, qtbot, "0.01")
    assert _table(view) == {"J": "9", "J_plus": "9.0601", "delta": "0.0601", "ratio": "6.01",
                            "exact": "6", "error": "0.01"}
    assert view.epsilon_error.isHidden()
    assert "by 0.01 changes J by 0.0601" in view.sentence.text()


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "5", ""])
def test_bad_epsilon_shows_an_inline_error_and_keeps_the_table(view, qtbot, bad):
    before = _table(view)
    _type_epsilon(view, qtbot, bad)
    assert not view.epsilon_error.isHidden()
    assert view.epsilon_error.text()
    assert _table(view) == before
    _type_epsilon(view, qtbot, "0.002")
    assert view.epsilon_error.isHidden()
    assert _table(view)["J_plus"] == "9.012004"


def test_graph_adjoints_of_the_variables_equal_the_gradient(controller, view):
    for _ in range(3):
        controller.step()
    snap = controller.frame()
    assert view.variable_adjoints()["w"] == pytest.approx(snap.gradient[0], rel=1e-12)
    item = next(i for i in view._drawing.node_items.values() if i.spec.is_variable)
    assert item.adjoint_text == format_number(float(snap.gradient[0]), 4)
    assert item.value_text == format_number(float(snap.theta[0]), 4)


@pytest.mark.parametrize("path", [RAVINE, ROSENBROCK, HIMMELBLAU])
def test_two_variable_graphs_backpropagate_to_the_gradient(controller, qtbot, path):
    controller.set_lesson_now(load_lesson(path))
    controller.step()
    view = _view(controller, qtbot)
    snap = controller.frame()
    adjoints = view.variable_adjoints()
    for k, name in enumerate(snap_names := controller.workspace.problem.names):
        assert adjoints[name] == pytest.approx(snap.gradient[k], rel=1e-9, abs=1e-12)
    # and the same as the symbolic package's own exact backward pass
    point = {name: float(value) for name, value in zip(snap_names, snap.theta, strict=True)}
    graph = symbolic.computation_graph(controller.workspace.problem.text, point)
    for name in snap_names:
        assert adjoints[name] == pytest.approx(graph.variable(name).adjoint, rel=1e-9, abs=1e-12)
    assert len(view._drawing.node_items) == len(graph.nodes)


def test_two_variable_lesson_shows_both_partials_and_nudges_either(controller, qtbot):
    controller.set_lesson_now(load_lesson(RAVINE))
    view = _view(controller, qtbot)
    snap = controller.frame()
    names = [row[0].text() for row in view.cost_rows]
    assert names == ["J(w1, w2) =", "∂J/∂w1 =", "∂J/∂w2 =", ]
    assert [row[1].text() for row in view.cost_rows] == ["w1² + 10·w2²", "2·w1", "20·w2"]
    for k in range(2):
        assert _number(view.cost_rows[k + 1][2].text()) == pytest.approx(snap.gradient[k])
    assert not view.chooser.isHidden()
    assert _number(_table(view)["exact"]) == pytest.approx(snap.gradient[0])
    qtbot.mouseClick(view.variable_buttons[1], Qt.MouseButton.LeftButton)
    assert view.nudge_names["J_plus"].text() == "J(w1, w2 + ε)"
    assert _number(_table(view)["exact"]) == pytest.approx(snap.gradient[1])
    w2 = float(snap.theta[1])
    # J = w1² + 10 w2², so ΔJ/ε − ∂J/∂w2 = 10 ε exactly
    assert _table(view)["error"] == "0.01"
    assert "Nudging w2 by 0.001 (with w1 held at −3.5)" in view.sentence.text()
    assert _number(_table(view)["ratio"]) == pytest.approx(20 * w2 + 0.01, rel=1e-12)


def test_network_lesson_shows_one_line(qtbot):
    c = SessionController()
    c.set_lesson_now(load_lesson(CIRCLE))
    try:
        view = _view(c, qtbot)
        assert view.note.text() == NETWORK_NOTE
        assert not view.note.isHidden() and view.scroll.isHidden()
        assert view.model is None
        c.set_lesson_now(load_lesson(SEED))  # and back to a formula
        assert view.note.isHidden() and _table(view)["J_plus"] == "9.006001"
        c.set_lesson_now(load_lesson(CIRCLE))
        assert view.scroll.isHidden() and not view.scene.items()
    finally:
        c.grids.cancel()
        c.grids.wait()


def test_floating_point_while_playing_and_exact_when_paused(controller, view, qtbot):
    with qtbot.waitSignal(controller.frameChanged, timeout=3000):
        controller.play()
    assert not view.exact_nudge
    assert "Floating point" in view.mode_label.text()
    with qtbot.waitSignal(controller.playingChanged, timeout=3000):
        controller.pause()
    assert "working out the exact fractions" in view.mode_label.text()
    qtbot.waitUntil(lambda: view.exact_nudge, timeout=10000)
    assert view.mode_label.text() == "Exact arithmetic with fractions (the run is paused)."
    w = float(controller.frame().theta[0])
    assert _number(_table(view)["error"]) == pytest.approx(0.001, rel=1e-9)
    assert _number(_table(view)["J"]) == pytest.approx(w * w, rel=1e-9)


def test_undefined_values_are_said_in_words(controller, view, qtbot):
    with qtbot.waitSignal(controller.formulaChecked, timeout=20000):
        assert controller.set_formula("log(w) + w") is None
    assert controller.move_hiker(-1.0, 0.0)
    texts = [label.text() for label in view.findChildren(type(view.sentence))]
    texts += [i.value_text + i.adjoint_text for i in view._drawing.node_items.values()]
    joined = " ".join(texts).lower()
    assert "nan" not in joined and "inf" not in joined
    assert "undefined" in view.cost_rows[0][2].text()
    assert "too large (or undefined)" in view.sentence.text()
    assert set(_table(view).values()) == {"undefined"}  # 1/w + 1 is 0 at −1, but J has no slope there


@pytest.mark.parametrize("size", [(470, 600), (700, 700), (1200, 500)])
@pytest.mark.parametrize("path", [ROSENBROCK, HIMMELBLAU])
def test_large_graph_is_legible_without_overlaps(controller, qtbot, path, size):
    controller.set_lesson_now(load_lesson(path))
    view = _view(controller, qtbot, size)
    view.fit_graph()
    assert view.graph_view.transform().m11() >= GRAPH_MIN_SCALE
    items = [*view._drawing.node_items.values(), *view._drawing.label_items]
    rects = [item.sceneBoundingRect().adjusted(1, 1, -1, -1) for item in items]
    overlapping = [(a.toolTip(), b.toolTip()) for i, a in enumerate(items)
                   for j, b in enumerate(items) if i < j and rects[i].intersects(rects[j])]
    assert not overlapping
    # the whole graph is shown in height: the view never scrolls vertically
    scene_height = view.scene.sceneRect().height() * view.graph_view.transform().m11()
    assert view.graph_view.viewport().height() >= math.floor(scene_height)
    root = view._drawing.node_items[view.model.root]
    assert root.toolTip().startswith(f"{readable(controller.workspace.problem.text)} = ")


def test_theme_change_restyles_the_legend(view):
    manager = theme_manager()
    try:
        manager.apply("dark")
        assert "(white)" in view.legend.text()
        manager.apply("light")
        assert "(black)" in view.legend.text()
    finally:
        manager.apply("light")


def test_a_network_lesson_never_loads_sympy():
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from simulator.lessons.files import load_lesson\n"
        "from simulator.ui.controller import SessionController\n"
        "from simulator.ui.views.formula_view import FormulaView\n"
        "c = SessionController()\n"
        f"c.set_lesson_now(load_lesson({str(CIRCLE)!r}))\n"
        "from simulator.ui.binding import bind\nview = bind(c, FormulaView())\n"
        "c.step()\n"
        "app.processEvents()\n"
        "c.grids.cancel()\n"
        "c.grids.wait()\n"
        "print('sympy' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
