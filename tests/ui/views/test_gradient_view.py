"""The gradient's size per layer: curves equal the run's record, marker, click to seek, rewind."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from simulator.ui.binding import bind
from simulator.ui.views.gradient_view import GradientView, ratio_sentence

BREAKS = "08-when-it-breaks.lesson.json"


@pytest.fixture
def view(make_controller, qtbot):
    controller = make_controller(BREAKS)
    v = bind(controller, GradientView())
    qtbot.addWidget(v)
    v.resize(700, 400)
    v.show()
    qtbot.waitExposed(v)
    v.controller = controller  # the test's handle on it
    return v


def _run(controller, steps: int) -> None:
    controller.workspace.session.step(steps)
    controller.replay_state()


def test_each_layer_has_a_curve_of_its_recorded_gradient_norms(view):
    controller = view.controller
    _run(controller, 30)
    session = controller.workspace.session
    history = session.gradient_norm_history()
    assert history.shape == (31, 8)
    steps = session.loss_history()[0]
    for k in range(8):
        xs, ys = view.curves[k].getData()
        np.testing.assert_array_equal(xs, steps)
        np.testing.assert_allclose(10 ** ys, history[:, k], rtol=1e-12)  # drawn as log₁₀
        assert view.curves[k].isVisible()
    assert not view.curves[8].isVisible()  # the ninth colour waits for a ninth layer
    assert view.plot_item.getAxis("left").logMode
    text = view.values_label.text()
    assert "W1 " in text and "W8 " in text and "step 30" in text


def test_at_the_start_the_label_says_how_much_smaller_the_first_layers_gradient_is(view):
    norms = view.controller.workspace.frame().gradient_norms[0]
    assert norms[-1] / norms[0] >= 1e4
    assert ratio_sentence(norms) in view.values_label.text()
    assert "× smaller than the last's" in ratio_sentence(norms)


def test_ratio_sentences_say_what_is_true():
    assert ratio_sentence(np.array([1e-6, 0.1])) == \
        "the first layer's gradient is 100000× smaller than the last's"
    assert ratio_sentence(np.array([2.0, 1.0])) == \
        "the first layer's gradient is about as large as the last's"
    assert ratio_sentence(np.array([50.0, 1.0])) == \
        "the first layer's gradient is 50× larger than the last's"
    assert ratio_sentence(np.array([0.0, 1.0])) == \
        "the first layer's gradient is 0: it does not learn"
    assert ratio_sentence(np.array([0.0, 0.0])) == "every layer's gradient is 0: nothing learns"


def test_a_click_seeks_and_a_rewind_keeps_the_recorded_curves(view, qtbot):
    controller = view.controller
    _run(controller, 40)
    before = [view.curves[k].getData()[1].copy() for k in range(8)]
    QApplication.processEvents()
    vb = view.plot_item.getViewBox()
    (_, _), (y_low, y_high) = vb.viewRange()
    scene = vb.mapViewToScene(QPointF(12.0, (y_low + y_high) / 2))
    with qtbot.waitSignal(view.seekRequested) as asked:
        QTest.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, view.plot_widget.mapFromScene(scene))
    assert asked.args == [12]
    assert controller.workspace.session.step_count == 12
    assert view.marker_line.value() == 12
    for k in range(8):
        np.testing.assert_array_equal(view.curves[k].getData()[1], before[k])
    row = controller.workspace.frame().gradient_norms[12]
    assert ratio_sentence(row) in view.values_label.text()  # the numbers of step 12


def test_zero_gradients_are_left_out_of_the_log_plot(view):
    controller = view.controller
    controller.reinitialise("zeros", 0)
    _run(controller, 3)
    frame = controller.workspace.frame()
    zero_layers = [k for k in range(8) if not frame.gradient_norms[:, k].any()]
    assert zero_layers  # with every weight 0 the first layers get no gradient at all
    for k in zero_layers:
        xs = view.curves[k].getData()[0]
        assert xs is None or len(xs) == 0
    assert "is 0" in view.values_label.text()


def test_a_formula_has_no_layers_to_draw(make_controller, qtbot):
    v = bind(make_controller("09-seed-w-squared.lesson.json"), GradientView())
    qtbot.addWidget(v)
    assert not v.plot_widget.isVisibleTo(v)
    assert "A formula has no layers" in v.values_label.text()
