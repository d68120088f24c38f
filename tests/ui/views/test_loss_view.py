"""The loss view: curves equal the engine's history, marker, rewind by click, log switch, no NaN."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from simulator.lessons.files import parse_lesson
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.views.loss_view import LOSS_DIGITS, LossView, StepAxis
from simulator.workspace.numbers import format_number


def _made(controller, qtbot) -> LossView:
    view = bind(controller, LossView())
    qtbot.addWidget(view)
    return view


def _run(controller, steps: int) -> None:
    """Take steps on the run behind the controller's back, then show the state again."""
    controller.workspace.session.step(steps)
    controller.replay_state()


def _history(controller):
    return controller.workspace.session.loss_history()


@pytest.fixture
def view(controller, qtbot):
    v = _made(controller, qtbot)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def _curve(item):
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


def test_curves_equal_the_engines_loss_history(controller, view):
    for _ in range(5):
        controller.step()
    _run(controller, 25)
    steps, train, test = _history(controller)
    assert steps[-1] == 30 and len(steps) == 31
    x, y = _curve(view.train_curve)
    assert np.array_equal(x, steps) and np.allclose(y, train, rtol=0, atol=0)
    x, y = _curve(view.test_curve)
    assert np.array_equal(x, steps) and np.allclose(y, test, rtol=0, atol=0)
    assert view.test_curve.isVisible()
    assert "step 30" in view.values_label.text()


def test_a_view_made_late_draws_the_run_so_far(controller, qtbot):
    controller.workspace.session.step(12)
    v = _made(controller, qtbot)
    x, _ = _curve(v.train_curve)
    assert x[-1] == 12
    assert v.marker_line.value() == 12


def test_marker_moves_back_on_rewind_and_the_future_stays_drawn(controller, view):
    _run(controller, 40)
    steps, train, _ = _history(controller)
    controller.seek(10)
    assert view.marker_line.value() == 10
    mx, my = _curve(view.marker_dot)
    assert mx[0] == 10 and my[0] == train[10] == controller.frame().loss
    x, _ = _curve(view.train_curve)
    assert x[-1] == 40  # the recorded future is still there to jump back to


def test_clicking_the_plot_seeks_to_that_step(controller, view, qtbot):
    _run(controller, 40)
    QApplication.processEvents()  # the view box applies its auto-range lazily
    vb = view.plot_item.getViewBox()
    (_, _), (y_low, y_high) = vb.viewRange()
    scene = vb.mapViewToScene(QPointF(20.0, (y_low + y_high) / 2))
    with qtbot.waitSignal(view.seekRequested) as asked:
        QTest.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, view.plot_widget.mapFromScene(scene))
    assert asked.args == [20]
    assert controller.workspace.session.step_count == 20
    assert view.marker_line.value() == 20
    assert "rewind" in view.plot_widget.toolTip() or "jump" in view.plot_widget.toolTip()


def test_log_switch_defaults_by_span_and_toggles_the_axis(controller, view, qtbot):
    axis = view.plot_item.getAxis("left")
    assert not view.log_box.isChecked() and not axis.logMode  # one point: no span yet
    _run(controller, 200)
    _, train, _ = _history(controller)
    assert train.max() / train.min() > 100
    assert view.log_box.isChecked() and axis.logMode
    qtbot.mouseClick(view.log_box, Qt.MouseButton.LeftButton)
    assert not view.log_box.isChecked() and not axis.logMode
    controller.step()  # the user's choice sticks over later snapshots
    assert not axis.logMode
    qtbot.mouseClick(view.log_box, Qt.MouseButton.LeftButton)
    assert axis.logMode


def test_a_negative_formula_loss_disables_log_and_hides_the_test_curve(make_controller, qtbot):
    lesson = parse_lesson("""{"format": "backprop-hiker-lesson", "version": 1,
        "title": "below zero", "problem": {"kind": "expression", "expression": "w**2 - 4",
        "start": {"w": 3}, "range": {"w": [-4, 4]}},
        "optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": null}""")
    controller = make_controller()
    controller.set_lesson_now(lesson)
    v = _made(controller, qtbot)
    _run(controller, 30)
    assert controller.frame().loss < 0
    assert not v.log_box.isEnabled() and not v.log_box.isChecked()
    assert "below 0" in v.log_box.toolTip()
    assert not v.plot_item.getAxis("left").logMode
    assert not v.test_curve.isVisible()
    assert [label.text for _, label in v.legend.items] == ["J"]  # a formula's loss is J
    assert "test" not in v.values_label.text() and "J = −" in v.values_label.text()


def test_divergence_never_puts_nan_on_the_curve(make_controller, qtbot):
    lesson = Lesson("linear regression", NetworkSpec(
        layers=(1, 4, 1), activation=("linear",), output_activation="linear", loss="mse",
        dataset=DatasetSpec(name="line")), OptimizerSpec("sgd", 5.0))
    controller = make_controller()
    controller.set_lesson_now(lesson)
    v = _made(controller, qtbot)
    for _ in range(300):
        if controller.workspace.session.status == "diverged":
            break
        _run(controller, 1)
    snap = controller.frame()
    assert snap.status == "diverged"
    for item in (v.train_curve, v.test_curve, v.marker_dot):
        x, y = _curve(item)
        assert len(y) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    assert v.divergence_line.isVisible() and v.divergence_line.value() == snap.diverged_at
    assert v.divergence_line.label.toPlainText() == f"diverged at step {snap.diverged_at:,}"
    text = v.values_label.text().lower()
    assert f"diverged at step {snap.diverged_at:,}" in text
    assert "nan" not in text and "inf" not in text


def test_step_ticks_stay_short_after_a_million_steps():
    axis = StepAxis()
    assert axis.tickStrings([0, 250_000, 500_000, 1_000_000, 1_500_000], 1.0, 250_000) == \
        ["0", "250k", "500k", "1M", "1.5M"]
    assert axis.tickStrings([0, 5_000, 10_000], 1.0, 5_000) == ["0", "5k", "10k"]
    assert axis.tickStrings([0, 500, 1_500], 1.0, 500) == ["0", "500", "1,500"]


def test_the_view_follows_a_theme_change(controller, view):
    from simulator.ui.theme import DARK, LIGHT, theme_manager

    try:
        theme_manager().apply("dark")
        assert view.train_curve.opts["pen"].color().name() == DARK.train_loss.lower()
        assert view.plot_widget.backgroundBrush().color().name() == DARK.background
    finally:
        theme_manager().apply("light")
    assert view.train_curve.opts["pen"].color().name() == LIGHT.train_loss.lower()


def test_a_race_draws_each_hikers_loss_in_its_colour(controller, view):
    from simulator.ui.theme import RACE_COLOURS

    controller.start_race(["sgd", "adam"])
    for _ in range(5):
        controller.tick()
    racers = controller.workspace.racers
    assert len(racers) == 2
    for k, (_, session) in enumerate(racers):
        xs, ys = view.race_curves[k].getData()
        steps, losses, _ = session.loss_history()
        assert np.array_equal(xs, steps) and np.array_equal(ys, losses)
        assert view.race_curves[k].opts["pen"].color().name() == RACE_COLOURS[k].lower()
    assert not view.train_curve.isVisible()
    assert format_number(racers[1][1].loss, LOSS_DIGITS) in view.values_label.text()
    controller.stop_race()
    assert view.train_curve.isVisible() and not view.race_curves[0].isVisible()


def test_while_playing_the_curve_catches_up_after_a_pause(controller, view, qtbot):
    controller.set_speed(steps_per_frame=1, fps=1)
    controller.play()
    for _ in range(5):
        controller.tick()
    controller.pause()
    steps, train, _ = _history(controller)
    qtbot.waitUntil(lambda: len(view.train_curve.getData()[0]) == len(steps), timeout=2000)
    assert np.array_equal(view.train_curve.getData()[1], train)



def _label_covers(view: LossView) -> list[str]:
    """Return the curves (densely interpolated) that pass under the divergence label."""
    area = view.divergence_line.label.sceneBoundingRect()
    drawn = {"train": (view.plot_item.getViewBox(), view.train_curve),
             "dot": (view.plot_item.getViewBox(), view.marker_dot),
             "rate": (view.rates.view, view.rates.curve)}
    found = []
    for name, (box, item) in drawn.items():
        x, y = item.getData()
        if not item.isVisible() or x is None or not len(x):
            continue
        xs = np.linspace(x[0], x[-1], 4000) if len(x) > 1 else np.asarray(x, dtype=float)
        ys = np.interp(xs, x, y)
        for px, py in zip(xs, ys, strict=True):
            if area.contains(box.mapViewToScene(QPointF(float(px), float(py)))):
                found.append(f"{name} at ({px:.3g}, {py:.3g})")
                break
    return found


@pytest.mark.parametrize("size", [(600, 400), (420, 260), (900, 300)])
def test_the_diverged_label_covers_no_curve(make_controller, qtbot, size):
    """Lesson 03's last step diverges: the loss shoots up at the line, where the label was."""
    controller = make_controller("03-hiking-down-the-mountain.lesson.json")
    v = _made(controller, qtbot)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    assert controller.go_to_step(5)
    QApplication.processEvents()
    assert controller.frame().status == "diverged" and v.divergence_line.isVisible()
    label = v.divergence_line.label
    assert label.toPlainText().startswith("diverged at step")
    if size != (420, 260):  # there the label would cover a curve wherever it went: not shown
        assert label.isVisible()
        assert v.plot_item.getViewBox().sceneBoundingRect().contains(label.sceneBoundingRect())
        assert _label_covers(v) == []
    else:
        assert not label.isVisible()
        assert "diverged at step" in v.values_label.text()
