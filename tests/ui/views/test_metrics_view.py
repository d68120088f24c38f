"""The scores on the loss dock: accuracy and the confusion matrix, or RMSE and R², per frame."""

import numpy as np
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest

from simulator.ui.binding import bind
from simulator.ui.views import loss_view as loss_view_module
from simulator.ui.views.loss_view import LossView


def loss_view(controller, qtbot, width=900, height=400) -> LossView:
    view = bind(controller, LossView())
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_three_class_run_shows_its_accuracy_and_confusion_matrix(make_controller, qtbot):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = loss_view(controller, qtbot)
    controller.workspace.session.step(120)
    controller.replay_state()
    metrics = controller.workspace.frame().metrics
    panel = view.metrics
    assert panel.isVisible() and panel.matrix.isVisible()
    text = panel.scores.text()
    assert f"{100 * metrics.accuracy:.1f} %" in text
    assert f"{100 * metrics.test_accuracy:.1f} %" in text
    np.testing.assert_array_equal(panel.matrix.matrix, metrics.confusion)
    assert panel.matrix.matrix.shape == (3, 3)
    # the menu switches the matrix to the test points
    panel.which.setFocus()
    QTest.keyClick(panel.which, Qt.Key.Key_Down)
    np.testing.assert_array_equal(panel.matrix.matrix, metrics.test_confusion)
    assert panel.matrix.grab().width() > 0  # it paints


def test_a_regression_shows_rmse_and_r2_and_a_formula_hides_the_panel(make_controller, qtbot):
    controller = make_controller("14-circle-network.lesson.json")
    view = loss_view(controller, qtbot)
    controller.choose_dataset("curve")
    metrics = controller.workspace.frame().metrics
    assert view.metrics.isVisible() and not view.metrics.matrix.isVisible()
    assert f"RMSE <b>{metrics.rmse:.3g}</b>" in view.metrics.scores.text()
    assert f"R² <b>{metrics.r2:.3g}</b>" in view.metrics.scores.text()
    controller.set_surface("bowl")
    qtbot.waitUntil(lambda: not view.metrics.isVisible(), timeout=30000)  # once it is built


def test_the_scores_go_under_the_curves_in_a_narrow_dock(make_controller, qtbot):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = loss_view(controller, qtbot, width=330, height=700)
    assert view.metrics.isVisible()
    # below, not squeezing the curves
    qtbot.waitUntil(lambda: view.metrics.geometry().top() >= view.plot_widget.geometry().bottom())
    assert view.plot_widget.width() > 250
    view.resize(1000, 300)
    qtbot.waitUntil(lambda: view.metrics.geometry().left() >= view.plot_widget.geometry().right())


def test_while_playing_the_scores_keep_their_pace_and_a_paused_frame_shows_its_own(
        make_controller, qtbot, monkeypatch):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = loss_view(controller, qtbot)
    ws = controller.workspace
    shown = view.metrics.scores.text()
    monkeypatch.setattr(loss_view_module, "SCORES_SECONDS", 1e9)  # none renewed while playing
    ws.step(120)
    view.paint_frame(ws.frame(playing=True))
    assert view.metrics.scores.text() == shown  # the curves moved on, the scores wait
    paused = ws.frame(playing=False)
    view.paint_frame(paused)
    assert view.metrics.scores.text() != shown
    assert f"{100 * paused.metrics.accuracy:.1f} %" in view.metrics.scores.text()
    np.testing.assert_array_equal(view.metrics.matrix.matrix, paused.metrics.confusion)
    monkeypatch.setattr(loss_view_module, "SCORES_SECONDS", 0.0)  # every frame, once due
    ws.step(120)
    playing = ws.frame(playing=True)
    view.paint_frame(playing)
    qtbot.waitUntil(lambda: view.scores_step == playing.step)  # worked out in the pool
    np.testing.assert_array_equal(view.metrics.matrix.matrix, playing.metrics.confusion)
    assert f"{100 * playing.metrics.accuracy:.1f} %" in view.metrics.scores.text()


def test_scores_shown_after_playing_then_pausing_are_those_of_the_paused_step(
        make_controller, qtbot, monkeypatch):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = loss_view(controller, qtbot)
    monkeypatch.setattr(loss_view_module, "SCORES_SECONDS", 0.0)
    controller.set_speed(steps_per_frame=5, fps=1)
    controller.play()
    for _ in range(6):
        controller.tick()
        qtbot.wait(1)
    controller.pause()
    QThreadPool.globalInstance().waitForDone(30000)
    qtbot.wait(10)  # every answer from the pool has landed
    ws = controller.workspace
    expected = ws.problem.metrics(ws.lead_session().theta)
    assert view.scores_step == ws.frame().step > 0
    np.testing.assert_array_equal(view.metrics.matrix.matrix, expected.confusion)
    assert f"{100 * expected.accuracy:.1f} %" in view.metrics.scores.text()


def test_a_playing_frames_scores_that_land_after_a_pause_are_dropped(
        make_controller, qtbot, monkeypatch):
    controller = make_controller("16-three-spirals-softmax.lesson.json")
    view = loss_view(controller, qtbot)
    monkeypatch.setattr(loss_view_module, "SCORES_SECONDS", 0.0)
    ws = controller.workspace
    ws.step(120)
    playing = ws.frame(playing=True)
    view.paint_frame(playing)  # its scores go to the pool
    ws.step(120)
    paused = ws.frame(playing=False)
    view.paint_frame(paused)  # shown at once
    QThreadPool.globalInstance().waitForDone(30000)
    qtbot.wait(10)  # the playing frame's answer lands now, after the paused one
    assert view.scores_step == paused.step == playing.step + 120
    assert not np.array_equal(playing.metrics.confusion, paused.metrics.confusion)
    np.testing.assert_array_equal(view.metrics.matrix.matrix, paused.metrics.confusion)
