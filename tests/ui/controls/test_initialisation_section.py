"""The starting weights' controls: choose an initialisation, re-initialise, undo — by clicks."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from .test_controls import _made, choose, type_into


@pytest.fixture
def panel(controller, qtbot):
    panel = _made(controller, qtbot)
    panel.resize(340, 1600)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.mouseClick(panel.initialisation.header, Qt.MouseButton.LeftButton)
    assert panel.initialisation.expanded
    return panel


def test_choosing_an_initialisation_draws_its_weights_and_undo_brings_the_old_back(
        controller, panel, qtbot):
    section = panel.initialisation
    assert section.kind.currentData() == "auto"
    controller.workspace.step(10)
    old = controller.workspace.session.theta.copy()
    choose(qtbot, section.kind, "zeros")
    ws = controller.workspace
    assert not ws.session.theta.any() and ws.session.step_count == 0
    assert controller.undo_stack.undoText() == "Re-initialise the weights (zeros, seed 3)"
    controller.undo_stack.undo()
    np.testing.assert_array_equal(controller.workspace.session.theta, old)
    assert section.kind.currentData() == "auto"  # the controls follow the undo
    controller.undo_stack.redo()
    assert not controller.workspace.session.theta.any()
    assert section.kind.currentData() == "zeros"


def test_the_seed_and_the_button_draw_new_weights(controller, panel, qtbot):
    section = panel.initialisation
    choose(qtbot, section.kind, "he_uniform")
    net = controller.workspace.problem.network
    type_into(qtbot, section.seed, "7")
    np.testing.assert_array_equal(controller.workspace.session.theta,
                                  net.initial_theta(7, "he_uniform"))
    qtbot.mouseClick(section.button, Qt.MouseButton.LeftButton)
    assert section.seed.value() == 8
    np.testing.assert_array_equal(controller.workspace.session.theta,
                                  net.initial_theta(8, "he_uniform"))
    assert "He uniform, seed 8" in section.note.text()


def test_the_section_is_hidden_for_a_formula(make_controller, qtbot):
    panel = _made(make_controller("09-seed-w-squared.lesson.json"), qtbot)
    assert not panel.initialisation.isVisibleTo(panel)
