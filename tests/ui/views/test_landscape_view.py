"""The 2-D landscape: the hiker where the engine says, clicks and drags, orientation, curves, races."""

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from simulator.lessons.files import load_lesson
from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.theme import theme_manager
from simulator.ui.views.landscape_view import TRAIL_CHUNKS, TRAIL_SLACK, LandscapeView
from simulator.workspace.frames import Axes, LandscapeGrid
from simulator.workspace.surface_scale import LossScale, contour_segments
from tests.ui.settling import settle

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"


@pytest.fixture
def controller(make_controller):
    return make_controller()


@pytest.fixture
def view(qtbot, controller):
    v = bind(controller, LandscapeView())
    qtbot.addWidget(v)
    v.resize(900, 650)
    v.show()
    qtbot.waitExposed(v)
    return v


def formula_lesson(controller, text, names, start, ranges, lr):
    """Load a formula lesson and wait for its landscape."""
    spec = ExpressionSpec(text, tuple(zip(names, start, strict=True)),
                          tuple(zip(names, ranges, strict=True)))
    controller.set_lesson_now(Lesson("test", spec, OptimizerSpec("sgd", lr)))
    settle(controller)


def seed_lesson(controller, lr=0.1):
    formula_lesson(controller, "w**2", ["w"], [3.0], [(-1.0, 7.0)], lr)


def bowl_lesson(controller, lr=0.1):
    formula_lesson(controller, "w1**2 + 3*w2**2", ["w1", "w2"], [2.0, -1.5],
                   [(-3.0, 3.0), (-2.0, 2.0)], lr)


def viewport_point(view, x, y) -> QPoint:
    scene = view.view_box.mapViewToScene(QPointF(x, y))
    return view.graphics.mapFromScene(scene)


def pixel_size(view):
    px = view.view_box.viewPixelSize()
    return abs(px[0]), abs(px[1])


def test_step_puts_the_hiker_on_the_engines_next_theta(controller, view):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    controller.step()
    axes = controller.workspace.axes
    x, y = view.hiker.getData()
    assert (x[0], y[0]) == axes.project(controller.workspace.session.theta)
    # The arrow starts at the hiker and points where the optimizer goes next.
    snap = controller.frame()
    line_x, line_y = view.step_arrow.getData()
    assert (line_x[0], line_y[0]) == (x[0], y[0])
    step = snap.next_step[[axes.x, axes.y]]
    drawn = np.array([line_x[-1] - line_x[0], line_y[-1] - line_y[0]])
    assert np.allclose(drawn / np.linalg.norm(drawn), step / np.linalg.norm(step))
    # The newest trail piece ends at the hiker.
    tx, ty = view.trail[-1].getData()
    assert (tx[-1], ty[-1]) == (x[0], y[0])


def test_the_trail_is_the_frames_path_on_the_axes(controller, view):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    for _ in range(6):
        controller.step()
    frame = controller.frame()
    assert len(frame.path_xy) == 7
    pieces = [np.column_stack(chunk.getData()) for chunk in view.trail]
    pieces = [piece for piece in pieces if len(piece)]
    # Neighbouring pieces share a point so the line is unbroken: drop each piece's first.
    drawn = np.vstack([pieces[0]] + [piece[1:] for piece in pieces[1:]])
    assert np.array_equal(drawn, frame.path_xy)
    dots = np.column_stack(view.trail_dots.getData())
    assert np.array_equal(dots, frame.path_xy)


def test_a_click_moves_the_hiker_there_as_one_undoable_move(controller, view, qtbot):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    axes = controller.workspace.axes
    before = controller.workspace.session.theta.copy()
    x0, x1 = axes.x_range
    y0, y1 = axes.y_range
    target = (x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewport_point(view, *target))
    theta = controller.workspace.session.theta
    px, py = pixel_size(view)
    assert abs(theta[axes.x] - target[0]) <= 1.5 * px
    assert abs(theta[axes.y] - target[1]) <= 1.5 * py
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.text(0).startswith("Move hiker")
    hx, hy = view.hiker.getData()
    assert (hx[0], hy[0]) == axes.project(theta)
    controller.undo_stack.undo()
    assert np.array_equal(controller.workspace.session.theta, before)


def _mouse(widget, kind, pos, buttons):
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_a_drag_follows_the_mouse_and_commits_one_move_on_release(controller, view, qtbot):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    axes = controller.workspace.axes
    (x0, x1), (y0, y1) = axes.x_range, axes.y_range
    points = [(x0 + f * (x1 - x0), y0 + g * (y1 - y0))
              for f, g in ((0.2, 0.2), (0.3, 0.3), (0.4, 0.45), (0.5, 0.6), (0.6, 0.7))]
    port = view.graphics.viewport()
    held = Qt.MouseButton.LeftButton
    _mouse(port, QEvent.Type.MouseButtonPress, viewport_point(view, *points[0]), held)
    for p in points[1:]:
        qtbot.wait(25)  # pyqtgraph drops mouse moves that come faster than its rate limit
        _mouse(port, QEvent.Type.MouseMove, viewport_point(view, *p), held)
    # While dragging the marker follows the mouse, and nothing is committed yet.
    hx, hy = view.hiker.getData()
    px, py = pixel_size(view)
    assert abs(hx[0] - points[-1][0]) <= 1.5 * px and abs(hy[0] - points[-1][1]) <= 1.5 * py
    assert controller.undo_stack.count() == 0
    _mouse(port, QEvent.Type.MouseButtonRelease, viewport_point(view, *points[-1]),
           Qt.MouseButton.NoButton)
    assert controller.undo_stack.count() == 1
    theta = controller.workspace.session.theta
    assert abs(theta[axes.x] - points[-1][0]) <= 1.5 * px
    assert abs(theta[axes.y] - points[-1][1]) <= 1.5 * py


def test_the_minimum_is_drawn_where_the_minimum_is(controller, view, qtbot):
    # An off-centre bowl over an asymmetric range: a transposed or flipped image would
    # put its dark spot somewhere else.
    xs, ys = np.linspace(-1.0, 5.0, 61), np.linspace(-6.0, 1.0, 71)
    gx, gy = np.meshgrid(xs, ys)
    z = ((gx - 1.5) ** 2 + (gy + 2.0) ** 2).astype(np.float32)
    axes = Axes("parameters", 0, 1, ("a", "b"), (-1.0, 5.0), (-6.0, 1.0))
    controller.landscapeReady.emit(LandscapeGrid(axes, xs, ys, z, True))
    QApplication.processEvents()
    scene = view.view_box.mapViewToScene(QPointF(1.5, -2.0))
    pixel = view.image.mapFromScene(scene)
    row, col = int(pixel.y()), int(pixel.x())
    # Grid points are pixel centres: (1.5, -2) is xs[25], ys[40], the middle of that pixel.
    assert (pixel.x(), pixel.y()) == (pytest.approx(25.5, abs=1e-6), pytest.approx(40.5, abs=1e-6))
    assert view.image.image[row, col] == view.image.image.min()
    assert z[row, col] == z.min()
    # And on screen: the colour there is the colormap's low end, a far corner is not.
    shot = view.grab().toImage()
    low = pg.colormap.get("viridis").getLookupTable(nPts=256)[0]
    at = view.graphics.viewport().mapTo(view, view.graphics.mapFromScene(scene))
    colour = QColor(shot.pixel(at))
    assert np.allclose([colour.red(), colour.green(), colour.blue()], low[:3], atol=12)
    corner = view.graphics.viewport().mapTo(view, viewport_point(view, 4.9, 0.9))
    far = QColor(shot.pixel(corner))
    assert abs(far.green() - int(low[1])) > 100


def test_log_scale_is_on_for_wide_positive_ranges_and_can_be_switched(controller, view, qtbot):
    xs = ys = np.linspace(-2.0, 2.0, 41)
    gx, gy = np.meshgrid(xs, ys)
    axes = Axes("parameters", 0, 1, ("w1", "w2"), (-2.0, 2.0), (-2.0, 2.0))
    wide = ((1 - gx) ** 2 + 100 * (gy - gx ** 2) ** 2).astype(np.float32)
    controller.landscapeReady.emit(LandscapeGrid(axes, xs, ys, wide, True))
    assert view.log_box.isEnabled() and view.log_box.isChecked()
    low, high = view.image.getLevels()
    assert high == pytest.approx(np.log10(wide.max()), rel=1e-6)
    qtbot.mouseClick(view.log_box, Qt.MouseButton.LeftButton)
    assert not view.log_box.isChecked()
    low, high = view.image.getLevels()
    assert (low, high) == pytest.approx((wide.min(), wide.max()))
    # The user's choice holds while the same axes refresh, and when the slice recentres.
    controller.landscapeReady.emit(LandscapeGrid(axes, xs, ys, wide, True))
    assert not view.log_box.isChecked()
    moved = Axes("parameters", 0, 1, ("w1", "w2"), (-1.0, 3.0), (-2.0, 2.0))
    controller.axesChanged.emit(moved)
    controller.landscapeReady.emit(LandscapeGrid(moved, xs + 1.0, ys, wide, True))
    assert not view.log_box.isChecked()
    # Other parameters on the axes: the automatic choice again.
    swapped = Axes("parameters", 1, 0, ("w2", "w1"), (-2.0, 2.0), (-2.0, 2.0))
    controller.axesChanged.emit(swapped)
    controller.landscapeReady.emit(LandscapeGrid(swapped, xs, ys, wide, True))
    assert view.log_box.isChecked()
    # Negative losses cannot go on a log scale: the switch is off and disabled.
    other = Axes("parameters", 0, 1, ("w1", "w2"), (-2.0, 2.0), (-2.1, 2.0))
    controller.landscapeReady.emit(LandscapeGrid(other, xs, ys, (gx * gy).astype(np.float32),
                                                 True))
    assert not view.log_box.isEnabled() and not view.log_box.isChecked()


def test_non_finite_losses_never_reach_the_image(controller, view):
    xs = ys = np.linspace(-1.0, 1.0, 21)
    z = np.ones((21, 21), dtype=np.float32)
    z[3, 4], z[5, 6], z[7, 8] = np.nan, np.inf, 5.0
    axes = Axes("parameters", 0, 1, ("w1", "w2"), (-1.0, 1.0), (-1.0, 1.0))
    controller.landscapeReady.emit(LandscapeGrid(axes, xs, ys, z, True))
    assert np.all(np.isfinite(view.image.image))
    assert view.image.getLevels() == pytest.approx((1.0, 5.0))


def test_one_variable_shows_the_curve_the_tangent_and_its_slope(controller, view):
    seed_lesson(controller)
    assert view.curve.isVisible() and not view.image.isVisible()
    snap = controller.frame()
    assert snap.gradient[0] == 6.0
    assert view.tangent_label.toPlainText() == "slope dJ/dw = 6.00"
    hx, hy = view.hiker.getData()
    assert (hx[0], hy[0]) == (3.0, 9.0)
    # The step runs along the curve from w to w + step.
    sx, sy = view.step_arrow.getData()
    w_next = 3.0 + snap.next_step[0]
    assert sx[-1] == pytest.approx(w_next)
    # Its end sits on the curve as drawn (straight between the grid's points), which is
    # J(w) = w² up to the grid's spacing.
    cx, cy = view.curve.getData()
    assert sy[-1] == pytest.approx(np.interp(w_next, cx, cy))
    spacing = cx[1] - cx[0]
    assert sy[-1] == pytest.approx(w_next ** 2, abs=spacing ** 2)
    # The path so far lies on the curve too.
    trail_x, trail_y = view.trail[-1].getData()
    assert trail_y[-1] == 9.0 and np.allclose(trail_y, trail_x ** 2, atol=spacing ** 2)
    # The tangent touches the curve at the hiker with the engine's slope.
    tx, ty = view.tangent.getData()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(6.0)
    controller.step()
    assert view.tangent_label.toPlainText() == \
        f"slope dJ/dw = {controller.frame().gradient[0]:.2f}"
    assert view.tangent_label.toPlainText() == "slope dJ/dw = 4.80"


def test_divergence_marks_the_spot_and_shows_no_nan(controller, view):
    bowl_lesson(controller, lr=0.5)
    for _ in range(60):
        if controller.frame().status == "diverged":
            break
        controller.step()
    snap = controller.frame()
    assert snap.status == "diverged"
    assert view.crash_label.isVisible()
    assert view.crash_label.toPlainText().startswith(f"diverged at step {snap.diverged_at}")
    cx, cy = view.crash.getData()
    assert len(cx) == 1 and np.isfinite(cx[0]) and np.isfinite(cy[0])
    assert len(view.hiker.getData()[0]) == 0
    assert not view.step_arrow.isVisible()
    texts = [view.crash_label.toPlainText(), view.legend_label.text(),
             view.step_label.toPlainText(), view.tangent_label.toPlainText()]
    assert not any("nan" in t.lower() or "inf" in t.lower() for t in texts)


def test_a_race_draws_each_hiker_in_its_colour_with_a_legend(controller, view, qtbot):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    controller.start_race(["sgd", "momentum", "adam"])
    for _ in range(4):
        controller.tick()
    drawn = [p for p in view.race_paths if p.isVisible()]
    assert len(drawn) == 3
    colours = {p.opts["pen"].color().name() for p in drawn}
    assert len(colours) == 3
    racers = controller.workspace.racers
    for path, (_, session) in zip(drawn, racers, strict=True):
        x, y = path.getData()
        assert len(x) >= 5
        assert (x[-1], y[-1]) == controller.workspace.axes.project(session.theta)
    legend = view.legend_label.text()
    labels = {label for label, _ in racers}
    assert len(labels) == 3
    for label in labels:
        assert label in legend
    assert legend.count("step 4") == 3
    assert not view.hiker.isVisible()
    # A race is no place to move the hiker: clicks go nowhere.
    assert not view.placing_allowed()
    controller.stop_race()
    assert not any(p.isVisible() for p in view.race_paths)
    assert view.hiker.isVisible()
    assert "hiker" in view.legend_label.text()


def test_network_slice_is_labelled_and_formulas_are_not(controller, view):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    assert view.note_label.isVisible()
    assert "slice" in view.note_label.text()
    assert view.plot.getAxis("bottom").labelText == "W1[0,0]"
    bowl_lesson(controller)
    assert not view.note_label.isVisible()
    assert view.plot.getAxis("left").labelText == "w2"


def test_a_view_made_after_the_lesson_draws_the_current_hiker(controller, qtbot):
    controller.set_lesson_now(load_lesson(CIRCLE))
    for _ in range(3):
        controller.step()
    late = bind(controller, LandscapeView())
    qtbot.addWidget(late)
    x, y = late.hiker.getData()
    assert (x[0], y[0]) == controller.workspace.axes.project(controller.workspace.session.theta)


def test_momentum_arrow_is_shown_for_momentum_only(controller, view):
    bowl_lesson(controller)
    controller.step()
    assert not view.velocity_arrow.isVisible()
    controller.set_optimizer("momentum")
    controller.step()
    assert controller.frame().velocity is not None
    assert view.velocity_arrow.isVisible()
    assert "momentum" in view.legend_label.text()


def test_contour_segments_lie_on_the_level():
    xs = ys = np.linspace(-2.0, 2.0, 81)
    gx, gy = np.meshgrid(xs, ys)
    segments = contour_segments(xs, ys, gx ** 2 + gy ** 2, [1.0])
    assert len(segments) > 40 and len(segments) % 2 == 0
    radius = np.hypot(segments[:, 0], segments[:, 1])
    assert np.allclose(radius, 1.0, atol=0.01)


def test_loss_scale_levels_and_log_ticks():
    z = np.array([[0.0, 0.5], [10.0, 1000.0]])
    scale = LossScale(z)
    assert scale.can_log and scale.wide
    low, high = scale.levels(log=True)
    assert high == pytest.approx(3.0) and low < 0
    assert all("nan" not in text for _, text in scale.ticks(log=True))
    assert not LossScale(np.array([[-1.0, 2.0]])).can_log


def test_theme_change_restyles_the_view(controller, view):
    manager = theme_manager()
    try:
        manager.apply("dark")
        assert view.graphics.backgroundBrush().color().name() == manager.theme.background
        manager.apply("light")
        assert view.graphics.backgroundBrush().color().name() == manager.theme.background
    finally:
        manager.apply("system")


def test_on_a_curve_the_trail_is_a_dot_per_step_that_shows_over_the_curve(controller, view):
    seed_lesson(controller)
    for _ in range(5):
        controller.step()
    settle(controller)
    # A dot at each step's (w, J(w)), on the curve …
    dots = np.column_stack(view.trail_dots.getData())
    assert len(dots) == 6
    np.testing.assert_allclose(dots[:, 0], controller.frame().path_xy[:, 0])
    # … larger than the curve's stroke and ringed in the background colour, so it stands out
    # of the black line, while no trail line is drawn over the curve (it would hide in it).
    curve_width = view.curve.opts["pen"].widthF()
    assert view.trail_dots.opts["size"] >= 3 * curve_width
    ring = view.trail_dots.opts["pen"]
    assert ring.color().name() == QColor(theme_manager().theme.background).name()
    assert all(chunk.opts["pen"].style() == Qt.PenStyle.NoPen for chunk in view.trail)
    assert "●</span> path so far" in view.legend_label.text()


def test_on_a_surface_the_trail_is_a_fading_line_with_small_dots(controller, view):
    controller.set_lesson_now(load_lesson(LESSONS / "10-ravine.lesson.json"))
    controller.step()
    settle(controller)
    assert all(chunk.opts["pen"].style() == Qt.PenStyle.SolidLine for chunk in view.trail)
    assert view.trail_dots.opts["size"] == 6
    assert "•—</span> path so far" in view.legend_label.text()


def test_a_frame_that_moves_nothing_sets_no_trail_piece_again(controller, view, monkeypatch):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    for _ in range(20):
        controller.step()
    set_again = []
    for k, chunk in enumerate(view.trail):
        monkeypatch.setattr(chunk, "setData", lambda *args, k=k: set_again.append(k))
    view.set_frame(controller.frame())  # the same path: every piece keeps its drawing
    assert set_again == []
    controller.step()  # one step more: the newest piece takes it
    assert TRAIL_CHUNKS - 1 in set_again


def test_a_growing_trail_moves_few_pieces_a_step_and_stays_whole(controller, view, monkeypatch):
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    for _ in range(120):
        controller.step()
    set_again = []
    for k, chunk in enumerate(view.trail):
        original = chunk.setData
        monkeypatch.setattr(chunk, "setData",
                            lambda *args, k=k, original=original: (set_again.append(k), original(*args)))
    steps = 80
    for _ in range(steps):
        controller.step()
    # The newest piece takes every step; an older one only when its end has moved by a
    # fortieth of the trail (equal splits would move about five pieces a step).
    assert set_again.count(TRAIL_CHUNKS - 1) == steps
    assert len(set_again) <= 2.5 * steps
    frame = controller.frame()
    n = len(frame.path_xy)
    pieces = [np.column_stack(chunk.getData()) for chunk in view.trail]
    drawn = np.vstack([pieces[0]] + [piece[1:] for piece in pieces[1:]])
    assert np.array_equal(drawn, frame.path_xy)  # still the whole path, unbroken
    sizes = np.array([len(pieces[0])] + [len(piece) - 1 for piece in pieces[1:]])
    ends = np.cumsum(sizes)
    equal = np.linspace(0, n, TRAIL_CHUNKS + 1).astype(int)[1:]
    assert np.all(np.abs(ends - equal) <= n * TRAIL_SLACK)  # nearly equal pieces
    controller.reset()  # a shorter trail is split afresh, into equal pieces
    for _ in range(15):
        controller.step()
    sizes = [len(chunk.getData()[0]) for chunk in view.trail]
    assert sizes == [2] + [3] * (TRAIL_CHUNKS - 1)


def test_the_crash_mark_goes_when_the_run_is_reset(controller, view):
    bowl_lesson(controller, lr=0.5)
    while controller.frame().status != "diverged":
        controller.step()
    assert len(view.crash.getData()[0]) == 1
    controller.reset()
    assert len(view.crash.getData()[0]) == 0 and not view.crash_label.isVisible()


@pytest.mark.parametrize("text, start", [("log(w, 2)", -1.0), ("sqrt(w)**2", -2.0)])
def test_a_start_where_j_is_undefined_says_so_not_diverged(controller, view, text, start):
    formula_lesson(controller, text, ["w"], [start], [(start - 4, start + 4)], 0.1)
    frame = controller.frame()
    assert frame.status == "undefined"
    assert view.crash_label.isVisible()
    assert view.crash_label.toPlainText() == "J undefined at start"
    assert len(view.crash.getData()[0]) == 0 and len(view.hiker.getData()[0]) == 0
    assert view.crash_label.pos().x() == pytest.approx(start)  # above where the hiker stands
