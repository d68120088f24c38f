"""The data view: points, the heatmap against the engine, editing by clicks, formula note."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from simulator.lessons.files import load_lesson
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.theme import DARK, LIGHT, current_theme, theme_manager
from simulator.ui.views.data_view import FORMULA_NOTE, DataView, class_colours, diverging_lut

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"


def _made(controller, qtbot) -> DataView:
    view = bind(controller, DataView())
    qtbot.addWidget(view)
    return view


def _dataset(controller):
    return controller.workspace.problem.dataset


@pytest.fixture
def view(controller, qtbot):
    v = _made(controller, qtbot)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    QApplication.processEvents()
    return v


def _decision(controller, qtbot, action):
    """Run ``action`` and return the decision grid it leads to (after the pool finished)."""
    with qtbot.waitSignal(controller.decisionReady, timeout=5000) as blocker:
        action()
    controller.grids.wait()
    QApplication.processEvents()
    result = blocker.args[0]
    return result.xs, result.ys, result.outputs


def _click(view, x, y, button=Qt.MouseButton.LeftButton,
           modifier=Qt.KeyboardModifier.NoModifier):
    """Click the plot at data position (x, y); return the data position of the pixel hit."""
    vb = view.plot_item.getViewBox()
    pixel = view.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    hit = vb.mapSceneToView(view.plot_widget.mapToScene(pixel))
    QTest.mouseClick(view.plot_widget.viewport(), button, modifier, pixel)
    return hit.x(), hit.y(), vb.viewPixelSize()


def _all_points(dataset):
    return np.vstack([np.column_stack([dataset.x_train, dataset.y_train]),
                      np.column_stack([dataset.x_test, dataset.y_test])])


def test_points_are_drawn_train_filled_and_test_hollow(controller, view):
    d = _dataset(controller)
    assert np.allclose(view.train_points.getData()[0], d.x_train[:, 0])
    assert np.allclose(view.test_points.getData()[1], d.x_test[:, 1])
    assert view.train_points.data["brush"][0].style() == Qt.BrushStyle.SolidPattern
    assert view.test_points.opts["brush"].style() == Qt.BrushStyle.NoBrush
    assert "Right-click" in view.plot_widget.toolTip()


def test_click_adds_class_1_and_shift_click_class_0(controller, view, qtbot):
    before = len(_all_points(_dataset(controller)))
    with qtbot.waitSignal(view.planePointAdded) as asked:
        x, y, (px, py) = _click(view, 0.9, -0.9)
    assert asked.args[2] == 1.0
    points = _all_points(_dataset(controller))
    assert len(points) == before + 1
    last = _dataset(controller).x_train[-1]
    assert abs(last[0] - x) <= px and abs(last[1] - y) <= py
    assert _dataset(controller).y_train[-1, 0] == 1.0
    assert controller.undo_stack.undoText() == "Add a point"

    x, y, (px, py) = _click(view, -0.9, 0.9, modifier=Qt.KeyboardModifier.ShiftModifier)
    last = _dataset(controller).x_train[-1]
    assert abs(last[0] - x) <= px and abs(last[1] - y) <= py
    assert _dataset(controller).y_train[-1, 0] == 0.0
    assert len(_all_points(_dataset(controller))) == before + 2
    # The view redrew from the new problem: the new point is among the filled ones.
    assert np.allclose(view.train_points.getData()[0][-1], x)


def test_right_click_near_a_point_deletes_it_and_opens_no_menu(controller, view, qtbot):
    points = _all_points(_dataset(controller))
    px, py = px_size(view)
    # The most isolated point, so that a click 3 pixels off it cannot be nearer another one.
    screen = points[:, :2] / [px, py]
    gaps = np.hypot(*(screen[:, None, :] - screen[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    k = int(np.argmax(gaps.min(axis=1)))
    target = points[k, :2]
    with qtbot.waitSignal(view.pointRemoved) as asked:
        _click(view, target[0] + 3 * px, target[1], button=Qt.MouseButton.RightButton)
    assert asked.args == [k]
    after = _all_points(_dataset(controller))
    assert len(after) == len(points) - 1
    assert np.array_equal(after[:, :2], np.delete(points, k, axis=0)[:, :2])
    assert QApplication.activePopupWidget() is None
    assert controller.undo_stack.undoText() == "Remove a point"


def test_right_click_far_from_every_point_deletes_nothing(controller, view):
    count = len(_all_points(_dataset(controller)))
    vb = view.plot_item.getViewBox()
    (x0, _), (y0, _) = vb.viewRange()
    x, y, (px, py) = _click(view, x0 + 5 * px_size(view)[0], y0 + 5 * px_size(view)[1],
                            button=Qt.MouseButton.RightButton)
    assert view.point_near(x, y) is None
    assert len(_all_points(_dataset(controller))) == count


def px_size(view):
    return view.plot_item.getViewBox().viewPixelSize()


def test_heatmap_is_the_networks_output_on_the_grid_not_transposed(controller, view, qtbot):
    xs, ys, out = _decision(controller, qtbot, controller.replay_state)
    image = view.heatmap.image
    assert image.shape == (len(ys), len(xs)) == out.shape[:2]
    problem, theta = controller.workspace.problem, controller.workspace.session.theta
    i, j = 5, 60  # a pixel off the diagonal: a transposed image would show another value
    expected = problem.predict(theta, np.array([[xs[j], ys[i]]]))[0, 0]
    assert image[i, j] == pytest.approx(np.clip(expected, 0, 1), abs=1e-6)
    # The boundary is the image's 0.5 line: along a grid row, each of its ends there is
    # where the row's values, linearly interpolated, reach 0.5.
    bx, by = view.boundary.getData()
    rows = {float(y): i for i, y in enumerate(ys)}
    on_rows = [(x, rows[float(y)]) for x, y in zip(bx, by, strict=True) if float(y) in rows]
    assert len(on_rows) > 10
    for x, i in on_rows:
        assert np.interp(x, xs, image[i]) == pytest.approx(0.5, abs=1e-5)
    # The pixel centres sit on the grid's coordinates.
    centre = view.heatmap.mapToParent(QPointF(j + 0.5, i + 0.5))
    assert centre.x() == pytest.approx(xs[j]) and centre.y() == pytest.approx(ys[i])


def test_an_output_that_depends_on_x1_only_varies_along_x_only(controller, view, qtbot):
    names = controller.workspace.problem.names
    zero_x2 = {names.index(f"W1[1,{k}]"): 0.0 for k in range(8)}
    _decision(controller, qtbot, lambda: controller.set_parameters(zero_x2, "ignore x2"))
    image = view.heatmap.image
    assert np.allclose(image, image[0:1, :], atol=1e-6)  # every row the same
    assert np.ptp(image[0]) > 0.01  # but it changes along x


def test_a_late_view_draws_points_and_heatmap_as_soon_as_the_grid_comes(controller, qtbot):
    controller.workspace.session.step(20)
    with qtbot.waitSignal(controller.decisionReady, timeout=5000):
        v = _made(controller, qtbot)
    assert v.mode == "plane"
    assert v.heatmap.image.shape == (80, 80)
    assert len(v.train_points.getData()[0]) == len(_dataset(controller).x_train)


def test_a_formula_shows_an_explanation_not_an_empty_plot(make_controller, qtbot):
    controller = make_controller("09-seed-w-squared.lesson.json")
    v = _made(controller, qtbot)
    assert v.mode is None
    assert v.pages.currentWidget() is v.note and v.note.text() == FORMULA_NOTE
    controller.set_lesson_now(load_lesson(CIRCLE))
    assert v.pages.currentIndex() == 0 and v.mode == "plane"


def test_regression_draws_the_fit_and_a_click_adds_x_and_target(make_controller, qtbot):
    lesson = Lesson("curve", NetworkSpec(
        layers=(1, 6, 1), activation=("tanh",), output_activation="linear", loss="mse",
        dataset=DatasetSpec(name="curve", samples=40)), OptimizerSpec("adam", 0.03))
    controller = make_controller()
    controller.set_lesson_now(lesson)
    v = _made(controller, qtbot)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    xs, ys, out = _decision(controller, qtbot, controller.replay_state)
    assert ys is None
    fx, fy = v.fit_curve.getData()
    assert np.allclose(fx, xs) and np.allclose(fy, out[:, 0])
    assert not v.heatmap.isVisible()
    messages = []
    controller.message.connect(lambda level, text: messages.append(text))
    with qtbot.waitSignal(v.linePointAdded) as asked:
        x, y, (px, py) = _click(v, 0.5, -0.6)
    assert len(asked.args) == 2  # x and its target: no class for a line
    d = _dataset(controller)
    assert messages == [] and len(d.x_train) + len(d.x_test) == 41
    assert abs(d.x_train[-1, 0] - x) <= px and abs(d.y_train[-1, 0] - y) <= py


def test_three_classes_colour_each_pixel_by_the_class_picked(make_controller, qtbot):
    rng = np.random.default_rng(0)
    centres = [(-0.6, -0.4), (0.6, -0.4), (0.0, 0.6)]
    points = tuple((float(x), float(y), float(k)) for k, c in enumerate(centres)
                   for x, y in rng.normal(c, 0.2, (20, 2)))
    lesson = Lesson("three", NetworkSpec(
        layers=(2, 6, 3), activation=("tanh",), output_activation="softmax",
        loss="cross_entropy", dataset=DatasetSpec(name=None, points=points)),
        OptimizerSpec("adam", 0.05))
    controller = make_controller()
    controller.set_lesson_now(lesson)
    v = _made(controller, qtbot)
    controller.workspace.session.step(100)
    xs, ys, out = _decision(controller, qtbot, controller.replay_state)
    image = v.heatmap.image
    assert image.shape == (len(ys), len(xs), 4)
    assert not v.boundary.isVisible()
    picked = np.argmax(out, axis=2)
    assert set(np.unique(picked)) == {0, 1, 2}
    # The surest pixel of each class is tinted towards that class's colour, not another's.
    for k in range(3):
        i, j = np.unravel_index(np.argmax(np.where(picked == k, out[:, :, k], -1)), picked.shape)
        colour = image[i, j, :3].astype(float)
        palette = [np.array(QColor(c).getRgb()[:3], float)
                   for c in class_colours(current_theme(), 3)]
        background = np.array(QColor(current_theme().background).getRgb()[:3], float)
        towards = [np.dot(colour - background, p - background) / np.linalg.norm(p - background)
                   for p in palette]
        assert int(np.argmax(towards)) == k


def test_the_heatmap_follows_a_theme_change(controller, view, qtbot):
    _decision(controller, qtbot, controller.replay_state)
    try:
        theme_manager().apply("dark")
        assert np.array_equal(view.heatmap.lut, diverging_lut(DARK))
        assert view.plot_widget.backgroundBrush().color().name() == DARK.background
    finally:
        theme_manager().apply("light")
    assert np.array_equal(view.heatmap.lut, diverging_lut(LIGHT))


def test_a_digit_key_chooses_the_class_a_click_adds(make_controller, qtbot):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = _made(controller, qtbot)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    assert "keys 0–2 choose the class a click adds" in view.hints.text()
    view.plot_widget.setFocus()
    QTest.keyClick(view.plot_widget, Qt.Key.Key_2)
    assert "click: add class 2" in view.hints.text()
    with qtbot.waitSignal(view.planePointAdded) as asked:
        _click(view, 0.5, 0.5)
    assert asked.args[2] == 2.0
    assert _dataset(controller).y_train[-1, 0] == 2.0
    QTest.keyClick(view.plot_widget, Qt.Key.Key_7)  # no class 7: nothing changes
    assert "click: add class 2" in view.hints.text()
