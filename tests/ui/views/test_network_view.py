"""The network diagram: editing the shape, weights and axes through real clicks and keys."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from simulator.benchmarks import BIG_LESSON
from simulator.lessons.files import load_lesson
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.theme import DARK, theme_manager
from simulator.ui.views.inspector import HINT
from simulator.ui.views.network_view import PLAYING_EDGES, NetworkView, Target
from simulator.workspace.frames import STATE_LABELS
from simulator.workspace.grid_requests import NEURON_MAP_GRID, neuron_points
from simulator.workspace.numbers import format_number

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"
FORMULA = LESSONS / "09-seed-w-squared.lesson.json"


def make_view(controller, qtbot, show=True):
    """Return a diagram bound to the controller, once the chosen sample's pass has arrived."""
    v = bind(controller, NetworkView())
    qtbot.addWidget(v)
    v.resize(900, 700)
    if show:
        v.show()
        qtbot.waitExposed(v)
    if controller.workspace.session is not None and v.network is not None:
        qtbot.waitUntil(lambda: v.trace is not None)
    return v


@pytest.fixture
def view(controller, qtbot):
    return make_view(controller, qtbot)


def network(controller):
    return controller.workspace.problem.network


def theta(controller):
    return controller.workspace.session.theta


def unpacked(controller):
    weights, biases = network(controller).unpack(theta(controller).copy())
    return [w.copy() for w in weights], [b.copy() for b in biases]


def hidden_header(view, layer):
    return next(h for h in view.headers if h.kind == "hidden" and h.layer == layer)


def click_scene_point(view, qtbot, point):
    pos = view.diagram.mapFromScene(point)
    qtbot.mouseClick(view.diagram.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def big_lesson():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, 60)
    points = tuple(tuple(float(v) for v in (*row, k)) for row, k in zip(x, y, strict=True))
    spec = NetworkSpec(layers=(4, 32, 32, 32, 3), activation=("tanh",) * 3,
                       output_activation="softmax", loss="cross_entropy",
                       dataset=DatasetSpec(name=None, points=points))
    return Lesson("4-32-32-32-3", spec, OptimizerSpec("adam", 0.01))


def test_a_view_made_after_the_lesson_draws_its_weights(view, controller):
    net = network(controller)
    assert [len(item.ys) for item in view.layers] == list(net.sizes) == [2, 8, 8, 1]
    weights, _ = net.unpack(theta(controller))
    assert view.edge_scale.kind == "linear"
    for bundle, w in zip(view.bundles, weights, strict=True):
        assert bundle.widths.shape == (w.size,)
        np.testing.assert_array_equal(bundle.widths, view.edge_scale.widths(np.abs(w).ravel()))
        np.testing.assert_array_equal(bundle.positive, w.ravel() > 0)


def test_plus_and_minus_buttons_change_the_shape_and_keep_every_other_weight(view, controller, qtbot):
    w0, b0 = unpacked(controller)
    qtbot.mouseClick(hidden_header(view, 1).plus, Qt.MouseButton.LeftButton)
    assert network(controller).sizes == (2, 9, 8, 1)
    w1, b1 = unpacked(controller)
    assert np.array_equal(w1[0][:, :8], w0[0]) and np.array_equal(b1[0][:8], b0[0])
    assert np.array_equal(w1[1][:8], w0[1]) and np.array_equal(b1[1], b0[1])
    assert np.array_equal(w1[2], w0[2]) and np.array_equal(b1[2], b0[2])
    assert [len(item.ys) for item in view.layers] == [2, 9, 8, 1]

    qtbot.mouseClick(hidden_header(view, 2).minus, Qt.MouseButton.LeftButton)
    assert network(controller).sizes == (2, 9, 7, 1)
    w2, b2 = unpacked(controller)
    assert np.array_equal(w2[0], w1[0]) and np.array_equal(b2[0], b1[0])
    assert np.array_equal(w2[1], w1[1][:, :7]) and np.array_equal(b2[1], b1[1][:7])
    assert np.array_equal(w2[2], w1[2][:7]) and np.array_equal(b2[2], b1[2])
    assert view.bundles[1].widths.shape == (9 * 7,)

    controller.undo_stack.undo()
    assert network(controller).sizes == (2, 9, 8, 1)
    assert all(np.array_equal(a, b) for a, b in zip(unpacked(controller)[0], w1, strict=True))
    controller.undo_stack.undo()
    assert network(controller).sizes == (2, 8, 8, 1)
    assert all(np.array_equal(a, b) for a, b in zip(unpacked(controller)[0], w0, strict=True))
    assert [len(item.ys) for item in view.layers] == [2, 8, 8, 1]
    controller.undo_stack.redo()
    assert all(np.array_equal(a, b) for a, b in zip(unpacked(controller)[0], w1, strict=True))


def test_removing_a_middle_neuron_from_its_menu_drops_only_its_weights(view, controller):
    w0, b0 = unpacked(controller)
    menu = view.context_menu(Target("neuron", 1, 3, 3, network(controller).index_of("b1[3]")))
    action = next(a for a in menu.actions() if a.text() == "Remove neuron 3 from hidden layer 1")
    action.trigger()
    assert network(controller).sizes == (2, 7, 8, 1)
    w1, b1 = unpacked(controller)
    assert np.array_equal(w1[0], np.delete(w0[0], 3, axis=1))
    assert np.array_equal(b1[0], np.delete(b0[0], 3))
    assert np.array_equal(w1[1], np.delete(w0[1], 3, axis=0))
    assert np.array_equal(w1[2], w0[2])


def test_layer_buttons_add_and_remove_hidden_layers(view, controller, qtbot):
    w0, b0 = unpacked(controller)
    qtbot.mouseClick(view.add_layer_button, Qt.MouseButton.LeftButton)
    assert network(controller).sizes == (2, 8, 8, 8, 1)
    assert view.layer_count.text() == "3"
    w1, b1 = unpacked(controller)
    for k in (0, 1):
        assert np.array_equal(w1[k], w0[k]) and np.array_equal(b1[k], b0[k])
    assert np.array_equal(b1[3], b0[2])  # the output keeps its bias
    qtbot.mouseClick(view.remove_layer_button, Qt.MouseButton.LeftButton)
    assert network(controller).sizes == (2, 8, 8, 1)
    w2, b2 = unpacked(controller)
    for k in (0, 1):
        assert np.array_equal(w2[k], w0[k]) and np.array_equal(b2[k], b0[k])
    assert len(view.bundles) == 3 and len(view.headers) == 4


def test_click_an_edge_and_type_a_value_sets_exactly_that_weight(view, controller, qtbot):
    index = network(controller).index_of("W3[2,0]")
    before = theta(controller).copy()
    click_scene_point(view, qtbot, view.edge_midpoint(index))
    assert view.selected == index
    assert view.inspector.name_label.text() == "W3[2,0]"
    spin = view.inspector.spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, f"0{spin.locale().decimalPoint()}5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    after = theta(controller).copy()
    assert after[index] == 0.5
    changed = np.flatnonzero(after != before)
    assert changed.tolist() == [index]
    assert controller.undo_stack.undoText() == "Set W3[2,0] to 0.5"
    # The diagram follows: that edge is now drawn with |0.5| on the scale.
    assert view.bundles[2].widths[2] == view.edge_scale.widths(np.array([0.5]))[0]

    controller.undo_stack.undo()
    assert np.array_equal(theta(controller), before)
    controller.undo_stack.redo()
    assert np.array_equal(theta(controller), after)


def test_a_number_being_typed_survives_new_snapshots(view, controller, qtbot):
    index = network(controller).index_of("W1[1,6]")
    view.select(index)
    spin = view.inspector.spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, f"1{spin.locale().decimalPoint()}25")
    controller.step()  # as if playing: a new snapshot arrives mid-typing
    assert spin.text().replace(spin.locale().decimalPoint(), ".") == "1.25"
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert theta(controller)[index] == 1.25


def test_hovering_an_edge_highlights_it(view, controller, qtbot):
    index = network(controller).index_of("W1[0,2]")
    pos = view.diagram.mapFromScene(view.edge_midpoint(index))
    QTest.mouseMove(view.diagram.viewport(), pos)
    qtbot.waitUntil(lambda: view.hover is not None)
    assert view.hover.kind == "edge" and view.hover.index == index
    assert 2 in [k for k, _, _ in view.bundles[0]._highlights]


def test_hovering_shows_fresh_numbers_in_a_tooltip(view, controller, qtbot):
    controller.step()  # Adam has m and v now
    index = network(controller).index_of("W1[1,5]")
    viewport = view.diagram.viewport()
    pos = view.diagram.mapFromScene(view.edge_midpoint(index))
    event = QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible)
    text = QToolTip.text()
    value = format_number(theta(controller)[index])
    assert text.startswith("W1[1,5]: weight from input x[1] to hidden 1 · neuron 5")
    assert f"value = {value}" in text
    m = controller.workspace.session.optimizer.state["m"][index]
    assert f"{STATE_LABELS['m']} = {format_number(m)}" in text
    QToolTip.hideText()


def test_clicking_a_bias_badge_selects_the_bias(view, controller, qtbot):
    index = network(controller).index_of("b2[5]")
    click_scene_point(view, qtbot, view.badge_position(index))
    assert view.selected == index
    assert view.inspector.name_label.text() == "b2[5]"
    assert "bias of hidden 2 · neuron 5" in view.inspector.description.full_text()


def test_clicking_where_two_edges_cross_steps_through_both(view, controller, qtbot):
    net = network(controller)
    a, b = net.index_of("W2[0,1]"), net.index_of("W2[1,0]")
    point = view.edge_midpoint(a)
    assert (view.edge_midpoint(b) - point).manhattanLength() < 1e-6  # they cross there
    click_scene_point(view, qtbot, point)
    first = view.selected
    QTest.qWait(QApplication.doubleClickInterval() + 50)  # two clicks, not a double click
    click_scene_point(view, qtbot, point)
    assert {first, view.selected} == {a, b}


def test_a_vertical_drag_on_an_edge_is_one_undo_entry(view, controller, qtbot):
    index = network(controller).index_of("W3[5,0]")
    before = theta(controller).copy()
    count = controller.undo_stack.count()
    viewport = view.diagram.viewport()
    start = view.diagram.mapFromScene(view.edge_midpoint(index))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for dy in range(4, 44, 4):
        QTest.mouseMove(viewport, start - QPoint(0, dy))
    assert view.preview is not None and view.preview[0] == index
    assert np.array_equal(theta(controller), before)  # nothing applied while dragging
    # The neurons follow the dragged value: the sample's pass comes at the previewed θ.
    qtbot.waitUntil(lambda: view.trace.theta[index] == view.preview[1])
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 40))
    assert controller.undo_stack.count() == count + 1
    per_pixel = max(1.0, view.edge_scale.high) / 120.0
    assert theta(controller)[index] == pytest.approx(before[index] + 40 * per_pixel, abs=1e-3)
    assert np.flatnonzero(theta(controller) != before).tolist() == [index]
    controller.undo_stack.undo()
    assert np.array_equal(theta(controller), before)


def test_the_menu_chooses_landscape_axes_and_the_view_highlights_them(view, controller, qtbot):
    net = network(controller)
    weight, bias = net.index_of("W2[1,0]"), net.index_of("b2[3]")
    menu = view.context_menu(Target("edge", 2, 1, 0, weight))
    action = next(a for a in menu.actions() if a.text() == "Use W2[1,0] as landscape X axis")
    with qtbot.waitSignal(controller.axesChanged):
        action.trigger()
    assert controller.workspace.axes.x == weight
    menu = view.context_menu(Target("bias", 2, 3, 3, bias))
    action = next(a for a in menu.actions() if a.text() == "Use b2[3] as landscape Y axis")
    with qtbot.waitSignal(controller.axesChanged):
        action.trigger()
    assert (controller.workspace.axes.x, controller.workspace.axes.y) == (weight, bias)
    assert controller.workspace.axes.labels == ("W2[1,0]", "b2[3]")
    edge = 1 * 8 + 0
    marked = {k: colour.name() for k, colour, _ in view.bundles[1]._highlights}
    assert marked[edge] == theme_manager().theme.axis_x.lower()
    badge = view.layers[2].badge_highlights[3]
    assert badge[0].name() == theme_manager().theme.axis_y.lower()
    assert view.tags["x"].isVisible() and view.tags["y"].isVisible()
    # The inspector's axis buttons do the same.
    view.select(net.index_of("W1[1,2]"))
    qtbot.mouseClick(view.inspector.x_button, Qt.MouseButton.LeftButton)
    assert controller.workspace.axes.x == net.index_of("W1[1,2]")


def test_the_activation_menu_of_a_layer_sets_its_activation(view, controller):
    menu = hidden_header(view, 2).title.menu()
    next(a for a in menu.actions() if a.text() == "ReLU").trigger()
    assert network(controller).activations == ("tanh", "relu")
    assert hidden_header(view, 2).title.text().startswith("Hidden 2 · ReLU")


def test_limits_disable_the_buttons_and_the_controller_says_why(controller, qtbot):
    spec = replace(controller.workspace.lesson.problem, layers=(2, 31, 1), activation=("tanh",),
                   weights=None, biases=None)
    controller.set_lesson_now(replace(controller.workspace.lesson, problem=spec, landscape=None))
    view = make_view(controller, qtbot)
    qtbot.mouseClick(hidden_header(view, 1).plus, Qt.MouseButton.LeftButton)
    assert network(controller).sizes == (2, 32, 1)
    plus = hidden_header(view, 1).plus
    assert not plus.isEnabled() and "32" in plus.toolTip()
    with qtbot.waitSignal(controller.message) as blocker:
        controller.add_neuron(1)
    assert blocker.args[0] == "warning" and "32" in blocker.args[1]
    assert network(controller).sizes == (2, 32, 1)

    for _ in range(7):
        qtbot.mouseClick(view.add_layer_button, Qt.MouseButton.LeftButton)
    assert len(network(controller).sizes) - 2 == 8
    assert not view.add_layer_button.isEnabled() and "8" in view.add_layer_button.toolTip()
    with qtbot.waitSignal(controller.message) as blocker:
        controller.add_layer()
    assert "8" in blocker.args[1]


def test_gradient_mode_draws_the_engines_gradients_on_a_log_scale(view, controller, qtbot):
    for _ in range(3):
        controller.step()
    qtbot.mouseClick(view.gradient_check, Qt.MouseButton.LeftButton)
    assert view.mode == "gradients"
    snap = controller.frame()
    gw, gb = network(controller).unpack(snap.gradient)
    scale = view.edge_scale
    assert scale.kind == "log"
    assert scale.high == np.ceil(np.log10(np.max(np.abs(snap.gradient))))
    for bundle, g in zip(view.bundles, gw, strict=True):
        np.testing.assert_array_equal(bundle.widths, scale.widths(np.abs(g).ravel()))
        np.testing.assert_array_equal(bundle.positive, g.ravel() > 0)
    expected = view.layers[2].badge_radius * (0.5 + 0.5 * scale.fraction(gb[1]))
    np.testing.assert_array_equal(view.layers[2].badge_radii, expected)
    qtbot.mouseClick(view.gradient_check, Qt.MouseButton.LeftButton)
    assert view.mode == "weights" and view.edge_scale.kind == "linear"


def test_vanishing_gradients_of_a_deep_sigmoid_network_are_thinner_near_the_input(controller, qtbot):
    spec = replace(controller.workspace.lesson.problem, layers=(2, 8, 8, 8, 8, 8, 1),
                   activation=("sigmoid",) * 5, weights=None, biases=None)
    controller.set_lesson_now(replace(controller.workspace.lesson, problem=spec, landscape=None))
    view = make_view(controller, qtbot, show=False)
    view.set_edge_mode("gradients")
    first, last = view.bundles[0].fractions, view.bundles[-1].fractions
    assert np.median(first) < np.median(last) - 0.2


def test_neurons_show_the_chosen_samples_activation_and_tooltips_its_numbers(view, controller, qtbot):
    with qtbot.waitSignal(controller.traceReady):
        view.sample_spin.setValue(5)  # the pass is computed in the background
    assert view.trace.sample == 5 and controller.workspace.sample == 5
    net = network(controller)
    d = controller.workspace.problem.dataset
    at = theta(controller)
    trace = net.forward(at, d.x_train[5:6])
    grads = net.backward(at, trace, d.y_train[5:6])
    a = trace.a[1][0]
    expected = view.cmap.indices(a)  # tanh: −1…1 straight onto the colour map
    assert [b.color() for b in view.layers[1].fills] == [view.cmap.colors[i] for i in expected]
    text = view.describe(Target("neuron", 1, 4, 4, net.index_of("b1[4]")))
    assert "sample #5" in text
    assert f"z = {format_number(trace.z[1][0, 4])}" in text
    assert f"a = tanh(z) = {format_number(a[4])}" in text
    assert f"δ = dL/dz = {format_number(grads.dL_dz[1][0, 4])}" in text
    edge = view.describe(Target("edge", 1, 0, 0, net.index_of("W1[0,0]")))
    assert f"∂L/∂W1[0,0] = {format_number(controller.frame().gradient[0])}" in edge


def test_the_inspector_shows_the_optimizers_memory(view, controller):
    for _ in range(2):
        controller.step()
    index = network(controller).index_of("W2[4,4]")
    view.select(index)
    state = controller.workspace.session.optimizer.state  # Adam: m and v
    text = view.inspector.numbers.text()
    assert f"{STATE_LABELS['m']} = {format_number(state['m'][index])}" in text
    assert f"{STATE_LABELS['v']} = {format_number(state['v'][index])}" in text
    assert f"∂L/∂W2[4,4] = {format_number(controller.frame().gradient[index])}" in text


def test_neuron_maps_are_one_forward_pass_and_can_be_hidden(view, controller, qtbot):
    qtbot.waitUntil(lambda: view.layers[1].thumbnails is not None)
    images = view.layers[1].thumbnails
    assert len(images) == 8 and images[0].width() == NEURON_MAP_GRID
    net = network(controller)
    top_left = neuron_points(controller.workspace.problem)[:1]
    a = net.forward(theta(controller), top_left).a[1][0, 0]
    assert images[0].pixelColor(0, 0) == view.cmap.colors[view.cmap.indices(a)]
    qtbot.mouseClick(view.thumbnails_check, Qt.MouseButton.LeftButton)
    assert view.layers[1].thumbnails is None and view.layers[1].thumb_size == 0
    assert not controller.background.neuron_maps_wanted  # hidden maps are not computed
    with qtbot.waitSignal(controller.neuronMapsReady):
        qtbot.mouseClick(view.thumbnails_check, Qt.MouseButton.LeftButton)
    assert controller.background.neuron_maps_wanted
    assert len(view.layers[2].thumbnails) == 8


def test_neuron_maps_are_asked_for_with_two_columns_or_more(view, controller, qtbot):
    assert controller.background.neuron_maps_wanted
    controller.set_lesson_now(big_lesson())  # four columns: maps over x1, x2, the rest at the mean
    assert view.thumbnails_check.isEnabled() and controller.background.neuron_maps_wanted
    assert "other columns at their mean" in view.thumbnails_check.toolTip()
    controller.choose_dataset("line")  # one column: no plane to draw over
    assert not view.thumbnails_check.isEnabled() and not controller.background.neuron_maps_wanted
    assert view.layers[1].thumbnails is None


def test_neuron_maps_come_from_the_controller_at_its_pace(view, controller, qtbot):
    qtbot.waitUntil(lambda: view.layers[1].thumbnails is not None)
    shown = view.layers[1].thumbnails
    generation = controller.grids.generation("neurons")
    controller.play()
    controller.tick()
    controller.tick()  # two frames in a row: the maps are asked for at most once
    assert controller.grids.generation("neurons") - generation <= 1
    assert view.layers[1].thumbnails is shown  # a frame alone computes no map
    with qtbot.waitSignal(controller.neuronMapsReady):
        controller.pause()  # paused: everything at once, at full detail
    assert view.layers[1].thumbnails is not shown
    np.testing.assert_array_equal(view.maps.theta, theta(controller))


def test_items_are_made_once_per_shape_and_a_big_network_is_re_penned_a_layer_at_a_time(
        controller, qtbot):
    controller.set_lesson_now(big_lesson())
    view = make_view(controller, qtbot, show=False)
    view.resize(900, 650)
    items = [id(i) for i in view.diagram.scene().items()]
    controller.step()
    assert [id(i) for i in view.diagram.scene().items()] == items
    edges = 4 * 32 + 32 * 32 * 2 + 32 * 3
    assert sum(b.widths.size for b in view.bundles) == edges
    # What a redraw costs: one call per layer of weights, each handed all its edges as
    # arrays (never an item, or a call, per edge), and no item made.
    calls = []
    for bundle in view.bundles:
        bundle.set_values = (lambda f, w, p, set_values=bundle.set_values:
                             calls.append(len(f)) or set_values(f, w, p))
    view.redraw()
    assert calls == [4 * 32, 32 * 32, 32 * 32, 32 * 3]
    assert [id(i) for i in view.diagram.scene().items()] == items
    assert len(items) < edges / 10
    weights, _ = network(controller).unpack(theta(controller))
    np.testing.assert_array_equal(view.bundles[1].positive, weights[1].ravel() > 0)


def test_a_formula_lesson_shows_a_message_instead_of_a_diagram(controller, qtbot):
    controller.set_lesson_now(load_lesson(FORMULA))
    view = make_view(controller, qtbot, show=False)
    assert view.bundles == [] and view.layers == []
    assert "formula" in view._message.toPlainText()
    assert not view.add_layer_button.isEnabled() and view.toolbar.isHidden()
    controller.set_lesson_now(load_lesson(CIRCLE))
    assert len(view.bundles) == 3 and not view._message.isVisible()
    assert not view.toolbar.isHidden() and view.add_layer_button.isEnabled()
    assert view.inspector.hint.text() == HINT


def test_the_theme_restyles_the_diagram(view):
    manager = theme_manager()
    old = manager.choice
    try:
        manager.apply("dark")
        assert view.diagram.backgroundBrush().color().name() == DARK.background.lower()
        assert view.cmap.colors[-1].name() == DARK.positive.lower()
    finally:
        manager.apply(old)


def test_the_diagram_renders_to_png(view, controller, tmp_path):
    view.select(network(controller).index_of("W2[1,3]"))
    path = tmp_path / "network.png"
    assert view.grab().save(str(path))
    image = view.diagram.viewport().grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    theme = theme_manager().theme
    assert theme.positive.lower() in colours and theme.negative.lower() in colours
    assert path.stat().st_size > 10_000


def test_while_playing_a_big_network_re_pens_its_layers_of_weights_in_turn(controller, qtbot, tmp_path):
    path = tmp_path / "big.lesson.json"
    path.write_text(json.dumps(BIG_LESSON), encoding="utf-8")
    controller.set_lesson_now(load_lesson(path))
    view = make_view(controller, qtbot)
    count = len(view.bundles)
    turns = [view._bundles_to_draw(moving=True) for _ in range(8)]
    for chosen in turns:
        assert sum(len(view.bundles[k].fractions) for k in chosen) <= PLAYING_EDGES
        assert sum(len(view.bundles[k].fractions) > 64 for k in chosen) == 1  # one 32 × 32 layer
    assert set().union(*turns) == set(range(count))  # every layer within eight painted frames
    assert view._bundles_to_draw(moving=False) == list(range(count))
    controller.play()
    for _ in range(3):
        controller.tick()
    controller.pause()  # paused: every edge shows the run's weights at once
    weights, _ = network(controller).unpack(theta(controller))
    for bundle, w in zip(view.bundles, weights, strict=True):
        np.testing.assert_array_equal(bundle.fractions, view.edge_scale.fraction(w.ravel()))


def test_while_playing_a_sample_pass_waits_for_the_next_painted_frame(view, controller,
                                                                      monkeypatch):
    painted = []
    monkeypatch.setattr(view, "_paint_neurons", lambda: painted.append(view.trace))
    trace, frame = view.trace, controller.frame()
    playing = replace(frame, playing=True)
    view.set_frame(playing)
    view.set_trace(trace)
    assert painted == []  # arrived between paced frames: not a repaint of its own
    view.paint_diagram(playing)
    assert painted == [trace]  # the next frame colours the neurons with it
    view.set_frame(frame)  # paused: at once
    view.set_trace(trace)
    assert painted == [trace, trace]


def test_the_same_highlights_again_leave_the_pictures_alone(view, monkeypatch):
    updated = []
    for item in (*view.bundles, *view.layers):
        monkeypatch.setattr(item, "update", lambda *args, item=item: updated.append(item))
    view._update_highlights()  # what every painted frame does, with nothing new to mark
    assert updated == []
