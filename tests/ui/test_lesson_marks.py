"""A lesson step's ``select`` and ``highlight`` reach the network diagram, in the window and on stage."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import lessons_dir
from simulator.ui.theme import current_theme

from .test_presenter import opened, present, press

LESSON = str(lessons_dir() / "05-one-neuron-by-hand.lesson.json")


@pytest.fixture
def window(qtbot):
    yield from opened(qtbot, LESSON)


def marks(window) -> dict[str, bool]:
    """Return which of the one neuron's parts carry the lesson's red mark now."""
    red = QColor(current_theme().step_arrow)
    net = window.network
    edge = any(colour == red for _, colour, _ in net.bundles[0]._highlights)
    out = net.layers[1]
    return {"W1[0,0]": edge, "b1[0]": red in out.badge_highlights.get(0, []),
            "out[0]": out.neuron_highlights.get(0) == red}


def selected(window) -> str | None:
    net = window.network
    return None if net.selected is None else net.info.names[net.selected]


def enter(qtbot, window, key) -> None:
    press(qtbot, window, key)
    window.controller.grids.wait()
    QApplication.processEvents()


@pytest.mark.parametrize("presenting", [False, True], ids=["window", "presenter"])
def test_each_step_selects_and_marks_what_it_names(window, qtbot, presenting):
    if presenting:
        present(qtbot, window)
    assert selected(window) is None and not any(marks(window).values())
    # step: (selected, marked); select lasts until a step selects another, a mark one step
    expected = [("b1[0]", "out[0]"), ("b1[0]", "W1[0,0]"), ("b1[0]", "out[0]"), ("b1[0]", None),
                ("b1[0]", "out[0]"), ("W1[0,0]", "W1[0,0]"), ("b1[0]", "b1[0]"), ("W1[0,0]", None)]
    for k, (chosen, marked) in enumerate(expected):
        enter(qtbot, window, Qt.Key.Key_PageDown)
        assert window.controller.workspace.step_index == k
        assert selected(window) == chosen, k
        assert window.network.inspector.info is not None
        assert window.network.inspector.info.name == chosen, k
        assert marks(window) == {name: name == marked for name in marks(window)}, k
    for _ in expected:  # and back to the first step, which selects and marks again
        enter(qtbot, window, Qt.Key.Key_PageUp)
    assert window.controller.workspace.step_index == 0
    assert selected(window) == "b1[0]" and marks(window)["out[0]"]


def test_a_weight_clicked_on_stays_selected_until_the_next_step(window, qtbot):
    enter(qtbot, window, Qt.Key.Key_PageDown)
    w = window.network.info.names.index("W1[0,0]")
    window.network.select(w)  # as a click on the edge does
    window.controller.replay_state()  # the lesson told again: no new step
    QApplication.processEvents()
    assert selected(window) == "W1[0,0]"
    enter(qtbot, window, Qt.Key.Key_PageDown)  # entering a step puts its selection back
    assert selected(window) == "b1[0]"


def test_a_highlighted_neuron_s_ring_is_clear_of_the_stepper_s_ring(window, qtbot):
    present(qtbot, window)
    enter(qtbot, window, Qt.Key.Key_PageDown)  # step 1 marks out[0], which the stepper rings
    net = window.network
    out = net.layers[1]
    assert marks(window)["out[0]"] and net.step_overlay.isVisible()
    centre = QPointF(out.x, out.ys[0])
    rings = [(radius, width) for c, radius, _, width in net.step_overlay.marks.rings
             if c == centre]
    assert rings, "the stepper rings the output neuron at step 1"
    ring, width = out.neuron_ring()
    # the red ring's inner edge lies outside every stepper ring's outer edge: both show
    assert all(ring - width / 2 > radius + w / 2 for radius, w in rings)
    assert ring + width / 2 < out.boundingRect().bottom() - out.ys[0]  # and inside the item
