"""Input features through the real widgets: click an input node, press a Data toggle, undo."""

import numpy as np
from PySide6.QtCore import Qt

from simulator.ui.binding import bind
from simulator.ui.controls.panel import ControlsPanel
from simulator.ui.views.network_view import NetworkView

FEATURES = "15-circle-features.lesson.json"


def diagram(controller, qtbot) -> NetworkView:
    view = bind(controller, NetworkView())
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.trace is not None)
    return view


def click_input(view, qtbot, row: int) -> None:
    item = view.layers[0]
    pos = view.diagram.mapFromScene(item.x, float(item.ys[row]))
    qtbot.mouseClick(view.diagram.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_the_input_column_offers_all_seven_and_marks_the_ones_fed(make_controller, qtbot):
    controller = make_controller(FEATURES)
    view = diagram(controller, qtbot)
    assert view.layers[0].labels == ["x₁", "x₂", "x₁²", "x₂²", "x₁·x₂", "sin x₁", "sin x₂"]
    assert view.layers[0].inactive == {0, 1, 4, 5, 6}
    # the edges leave from the two nodes fed, x₁² and x₂²
    bundle = view.bundles[0]
    assert bundle.n_in == 2


def test_clicking_an_input_node_toggles_its_feature_and_undo_brings_it_back(make_controller,
                                                                           qtbot):
    controller = make_controller(FEATURES)
    view = diagram(controller, qtbot)
    weights_before = controller.workspace.problem.network.unpack(
        controller.workspace.session.theta)[0][0].copy()
    with qtbot.waitSignal(controller.problemChanged):
        click_input(view, qtbot, 4)  # x₁·x₂
    problem = controller.workspace.problem
    assert problem.features.names == ("x1^2", "x2^2", "x1*x2")
    assert problem.network.sizes == (3, 1)
    assert view.layers[0].inactive == {0, 1, 5, 6}
    assert controller.undo_stack.undoText() == "Input feature x1*x2"
    with qtbot.waitSignal(controller.problemChanged):
        click_input(view, qtbot, 2)  # x₁² off
    assert controller.workspace.problem.features.names == ("x2^2", "x1*x2")
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    problem = controller.workspace.problem
    assert problem.features.names == ("x1^2", "x2^2")
    np.testing.assert_array_equal(
        problem.network.unpack(controller.workspace.session.theta)[0][0], weights_before)
    assert view.layers[0].inactive == {0, 1, 4, 5, 6}


def test_the_last_input_cannot_be_clicked_away(make_controller, qtbot):
    controller = make_controller(FEATURES)
    view = diagram(controller, qtbot)
    with qtbot.waitSignal(controller.problemChanged):
        click_input(view, qtbot, 2)
    messages = []
    controller.message.connect(lambda kind, text: messages.append(text))
    click_input(view, qtbot, 3)  # x₂², now the only input
    assert controller.workspace.problem.features.names == ("x2^2",)
    assert any("at least one input" in m for m in messages)


def test_the_data_section_toggles_features_and_follows_the_diagram(make_controller, qtbot):
    controller = make_controller(FEATURES)
    panel = bind(controller, ControlsPanel())
    qtbot.addWidget(panel)
    panel.resize(340, 1000)
    panel.show()
    qtbot.waitExposed(panel)
    buttons = panel.dataset.feature_buttons
    assert list(buttons) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert [b.isChecked() for b in buttons.values()] == [False, False, True, True, False, False,
                                                         False]
    qtbot.mouseClick(buttons["sin(x1)"], Qt.MouseButton.LeftButton)
    assert controller.workspace.problem.features.names == ("x1^2", "x2^2", "sin(x1)")
    assert panel.dataset.feature_buttons["sin(x1)"].isChecked()
    controller.undo_stack.undo()
    assert not panel.dataset.feature_buttons["sin(x1)"].isChecked()
    assert controller.workspace.problem.features.names == ("x1^2", "x2^2")


def test_a_plain_network_offers_the_features_once_asked(make_controller, qtbot):
    controller = make_controller("14-circle-network.lesson.json")
    view = diagram(controller, qtbot)
    assert view.layers[0].labels == ["x[0]", "x[1]"] and not view.layers[0].inactive
    click_input(view, qtbot, 0)  # without the offer a click on an input changes nothing
    assert controller.workspace.problem.features is None
    qtbot.mouseClick(view.features_check, Qt.MouseButton.LeftButton)
    assert len(view.layers[0].labels) == 7 and view.layers[0].inactive == {2, 3, 4, 5, 6}
    with qtbot.waitSignal(controller.problemChanged):
        click_input(view, qtbot, 2)  # x₁² on
    assert controller.workspace.problem.features.names == ("x1", "x2", "x1^2")
    assert controller.workspace.problem.network.sizes[:2] == (3, 8)
