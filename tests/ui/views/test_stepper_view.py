"""The backprop stepper panel, driven through its real buttons, keys, slider and list."""

import re

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import lessons_dir
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.launch import make_window
from simulator.ui.views.data_view import DataView
from simulator.ui.views.formula_view import FormulaView
from simulator.ui.views.network_view import NetworkView
from simulator.ui.views.stepper_view import StepperView

XOR = "13-xor-network.lesson.json"


def make_views(controller, qtbot, *others):
    """Return a shown stepper (and other views) bound to the controller, with a frame in."""
    views = [bind(controller, view) for view in (StepperView(), *others)]
    for view in views:
        qtbot.addWidget(view)
        view.resize(700, 600)
        view.show()
        qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: views[0].frame is not None and views[0].frame.count > 0)
    return views


def marks_of(view: NetworkView):
    """Return what the diagram's stepper overlay draws, comparable between two moments."""
    m = view.step_overlay.marks
    return (view.step_overlay.isVisible(), m.veil_alpha,
            tuple((r.x(), r.y(), r.width(), r.height()) for r in m.veil_rects),
            len(m.veil_circles), len(m.veil_lines),
            tuple((c.x(), c.y(), radius, colour.name(), width) for c, radius, colour, width in m.rings),
            tuple((line.x1(), line.y1(), line.x2(), line.y2()) for line, _, _ in m.halos),
            tuple(text for _, text, _, _ in m.tags))


def test_buttons_keys_and_slider_walk_through_the_operations(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, = make_views(c, qtbot)
    assert stepper.frame.index == 0 and "z" in stepper.formula_label.text()
    qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
    assert stepper.frame.index == 1
    assert stepper.frame.current.target.text == "a1[0]"
    assert "tanh" in stepper.formula_label.text()
    stepper.setFocus()
    qtbot.keyClick(stepper, Qt.Key.Key_Right)
    qtbot.keyClick(stepper, Qt.Key.Key_Right)
    assert stepper.frame.index == 3
    qtbot.keyClick(stepper, Qt.Key.Key_Left)
    assert stepper.frame.index == 2
    qtbot.mouseClick(stepper.phase_buttons["backward"], Qt.MouseButton.LeftButton)
    assert stepper.frame.index == stepper.frame.phase_starts["backward"]
    assert stepper.frame.current.phase == "backward"
    assert "backward pass" in stepper.position_label.text()
    qtbot.mouseClick(stepper.phase_buttons["update"], Qt.MouseButton.LeftButton)
    assert stepper.frame.current.phase == "update"
    stepper.slider.setValue(stepper.frame.count - 1)
    assert stepper.frame.index == stepper.frame.count - 1
    assert not stepper.next_button.isEnabled()
    qtbot.mouseClick(stepper.phase_buttons["forward"], Qt.MouseButton.LeftButton)
    assert stepper.frame.index == 0 and not stepper.previous_button.isEnabled()
    assert c.workspace.session.step_count == 0  # walking the pass takes no optimizer step


def test_a_click_in_the_list_goes_to_that_operation_and_the_list_shows_it(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, = make_views(c, qtbot)
    row = stepper.list.visualRect(stepper.model.index(4))
    qtbot.mouseClick(stepper.list.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    assert stepper.frame.index == 4
    assert stepper.delegate.current == 4
    text = stepper.model.data(stepper.model.index(4))
    assert "<sup>" in text or "<sub>" in text  # rendered math, not code
    qtbot.keyClick(stepper.list, Qt.Key.Key_Down)  # the list has the keys now: ↓ is next
    assert stepper.frame.index == 5


def test_copy_as_latex_copies_the_line_and_copy_all_the_walk(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, = make_views(c, qtbot)
    qtbot.mouseClick(stepper.phase_buttons["backward"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stepper.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == stepper.frame.current.latex
    assert copied.count("{") == copied.count("}") and r"\frac{\partial L}" in copied
    # the copy link at the end of a row copies that row
    rect = stepper.list.visualRect(stepper.model.index(2))
    qtbot.mouseClick(stepper.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.right() - 10, rect.center().y()))
    assert QGuiApplication.clipboard().text() == stepper.frame.operations[2].latex
    stepper.list.setFocus()
    qtbot.keyClick(stepper.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == stepper.frame.current.latex  # the reached one
    qtbot.mouseClick(stepper.copy_all_button, Qt.MouseButton.LeftButton)
    whole = QGuiApplication.clipboard().text()
    assert whole.startswith("\\begin{align*}") and whole.count("\\\\\n") == stepper.frame.count
    assert whole.count("{") == whole.count("}")


def test_previous_next_and_jumps_restore_the_same_marks_on_the_diagram(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, network = make_views(c, qtbot, NetworkView())
    qtbot.waitUntil(lambda: network.step_overlay.isVisible())
    seen = {}
    for k in (0, 3, 6, 9, 15, 30):
        c.stepper_go(k)
        seen[k] = marks_of(network)
    assert len(set(seen.values())) == len(seen)  # each operation marks something else
    for k in (15, 3, 30, 0, 9, 6):
        c.stepper_go(k)
        assert marks_of(network) == seen[k]
    c.stepper_go(9)
    qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stepper.previous_button, Qt.MouseButton.LeftButton)
    assert marks_of(network) == seen[9]
    qtbot.mouseClick(stepper.phase_buttons["update"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stepper.phase_buttons["forward"], Qt.MouseButton.LeftButton)
    assert marks_of(network) == seen[0]


def test_the_diagram_veils_what_is_not_computed_and_writes_the_value(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, network = make_views(c, qtbot, NetworkView())
    qtbot.waitUntil(lambda: network.step_overlay.isVisible())
    m = network.step_overlay.marks
    assert m.veil_alpha > 0.5 and m.veil_rects  # forward: everything after layer 1 veiled
    assert m.tags[-1][1].startswith("z = ") and m.tags[-1][2] == "#0072B2"  # forward blue
    c.stepper_jump("backward")
    m = network.step_overlay.marks
    assert m.tags[-1][1].startswith("∂L/∂a") and m.tags[-1][2] == "#E69F00"  # gradient orange
    c.stepper_jump("update")
    assert not network.step_overlay.marks.veil_rects
    stepper.hide()  # the stepper goes: so do its marks
    assert not network.step_overlay.isVisible()


def test_the_panel_keeps_the_arrows_and_the_window_keeps_them_elsewhere(qtbot):
    window = make_window(str(lessons_dir() / XOR), reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    try:
        window.show_stepper()
        stepper = window.stepper
        qtbot.waitUntil(lambda: stepper.frame is not None and stepper.frame.count > 0)
        qtbot.waitUntil(stepper.hasFocus)
        qtbot.keyClick(stepper, Qt.Key.Key_Right)
        QApplication.processEvents()
        assert stepper.frame.index == 1
        assert window.controller.workspace.session.step_count == 0
        window.landscape.setFocus()
        qtbot.keyClick(window.landscape, Qt.Key.Key_Right)
        QApplication.processEvents()
        assert window.controller.workspace.session.step_count == 1  # an optimizer step
        qtbot.waitUntil(lambda: stepper.frame.step == 1)
        assert stepper.frame.index == 1  # the same operation, at the new θ
        assert window.view_widget("stepper") is stepper
        assert "stepper" in window.presenter_views()
        window.docks[1].raise_()  # the diagram's tab (on a small screen it hides the stepper's)
        QApplication.processEvents()
        assert window.network.stepper_frame is not None  # its marks stay while the dock is open
        window.stepper_dock.close()
        QApplication.processEvents()
        assert window.network.stepper_frame is None and not window.network.step_overlay.isVisible()
    finally:
        window.controller.pause()
        window.controller.grids.cancel()
        window.controller.grids.wait()


def test_sample_batch_view_and_ctrl_click_in_the_data_choose_what_is_walked(make_controller, qtbot):
    c = make_controller(XOR)
    stepper, data = make_views(c, qtbot, DataView())
    stepper.sample_spin.setValue(3)
    assert stepper.frame.sample == 3 and c.workspace.sample == 3
    x = c.workspace.problem.dataset.x_train[3]
    assert f"{x[0]:.2f}".replace("-", "−")[:4] in stepper.sample_label.text()
    qtbot.mouseClick(stepper.batch_check, Qt.MouseButton.LeftButton)
    assert stepper.frame.batch and "mean over all" in stepper.sample_label.text()
    qtbot.mouseClick(stepper.batch_check, Qt.MouseButton.LeftButton)
    assert not stepper.frame.batch
    # Ctrl+click on training point 7 in the data view: the stepper follows it
    target = 7
    point = data.point_positions()[target]
    scene = data.plot_item.getViewBox().mapViewToScene(QPointF(*point))
    pos = data.plot_widget.mapFromScene(scene)
    QTest.mouseClick(data.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, pos)
    qtbot.waitUntil(lambda: stepper.frame.sample == target)
    assert len(c.workspace.problem.dataset.x_train) == 160  # Ctrl+click added no point
    qtbot.waitUntil(lambda: data.followed_sample == target)


def test_a_formula_walks_its_graph_and_marks_the_boxes(make_controller, qtbot):
    c = make_controller("09-seed-w-squared.lesson.json")
    stepper, formula = make_views(c, qtbot, FormulaView())
    assert not stepper.batch_check.isVisible()
    drawing = formula._drawing
    root = drawing.node_items[drawing.root]
    assert stepper.frame.kind == "formula"
    assert root.stage == "none"  # J is not computed at the first operation (w = 3)
    qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
    assert root.stage == "value" and root.mark is not None
    assert re.search(r"= 9$", stepper.frame.current.text)
    qtbot.mouseClick(stepper.phase_buttons["backward"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
    assert stepper.frame.current.value == 6.0  # ∂J/∂w = 6 at w = 3
    assert any(item.mark is not None for item in drawing.edge_items)
    stepper.hide()
    assert root.mark is None and root.stage == "all"


def test_a_big_network_labels_only_the_operation_and_stays_responsive(make_controller, qtbot):
    c = make_controller()
    spec = NetworkSpec((2, *([32] * 8), 1), ("tanh",) * 8, "sigmoid", "bce",
                       dataset=DatasetSpec("xor", samples=40, seed=1))
    c.set_lesson_now(Lesson("big", spec, OptimizerSpec("adam", 0.01)))
    stepper, network = make_views(c, qtbot, NetworkView())
    qtbot.waitUntil(lambda: network.step_overlay.isVisible())
    count = stepper.frame.count
    assert count > 20_000
    emitted = []
    c.stepperChanged.connect(emitted.append)
    c.stepper_jump("backward")
    for _ in range(10):
        qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
    assert len(emitted) == 11  # one frame (one redraw) per press
    assert len(network.step_overlay.marks.tags) == 1  # only the current operation's value
    assert len(stepper.frame.operations._cache) < 600  # the walk is made as it is looked at
    assert np.isfinite(stepper.frame.current.value)


def test_a_lesson_step_shows_the_stepper_and_presenter_mode_keeps_it_walking(qtbot):
    window = make_window(str(lessons_dir() / "06-backpropagation-through-a-network.lesson.json"),
                         reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.stepper_dock.isHidden()  # until a step shows it
        window.controller.go_to_step(1)
        qtbot.waitUntil(lambda: not window.stepper_dock.isHidden())
        qtbot.waitUntil(lambda: window.stepper.frame is not None and window.stepper.frame.count > 0)
        assert window.stepper.frame.sample == 1  # the step follows sample 1
        window.presenter.enter()
        qtbot.waitUntil(lambda: window.stepper.isVisible())
        window.controller.stepper_go(4)
        qtbot.waitUntil(lambda: window.stepper.frame.index == 4)
        assert window.network.step_overlay.isVisible()
        window.presenter.leave()
    finally:
        window.controller.pause()
        window.controller.grids.cancel()
        window.controller.grids.wait()
