"""The controller alone (no widgets): signals, play loop, undo, rewind, grids, race."""

from pathlib import Path

import numpy as np
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from simulator.engine.session import Session
from simulator.lessons.building import build_problem
from simulator.lessons.files import load_lesson
from simulator.lessons.model import DatasetSpec, Lesson, NetworkSpec, OptimizerSpec
from simulator.ui.controller import SessionController
from simulator.workspace.workspace import describe_divergence

from .settling import built

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"


def test_step_emits_the_engines_next_theta(controller, qtbot):
    lesson = load_lesson(CIRCLE)
    reference = Session(build_problem(lesson.problem), controller.workspace.session.config)
    reference.step(1)
    with qtbot.waitSignal(controller.frameChanged) as blocker:
        controller.step()
    snap = blocker.args[0]
    assert snap.step == 1
    assert np.array_equal(snap.theta, reference.theta)


def test_play_ticks_k_steps_per_frame_and_pauses(controller, qtbot):
    controller.set_speed(steps_per_frame=5, fps=60)
    with qtbot.waitSignal(controller.playingChanged) as blocker:
        controller.play()
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: controller.workspace.session.step_count >= 15, timeout=5000)
    controller.pause()
    assert not controller.playing
    assert controller.workspace.session.step_count % 5 == 0


def test_learning_rate_change_while_playing_keeps_step_and_theta(controller, qtbot):
    controller.play()
    qtbot.waitUntil(lambda: controller.workspace.session.step_count >= 3, timeout=5000)
    controller.pause()
    step, theta = controller.workspace.session.step_count, controller.workspace.session.theta.copy()
    controller.set_learning_rate(0.001)
    assert controller.workspace.session.step_count == step
    assert np.array_equal(controller.workspace.session.theta, theta)
    assert controller.workspace.session.config.learning_rate == 0.001


def test_rewind_returns_the_exact_earlier_state(controller):
    for _ in range(12):
        controller.step()
    controller.seek(5)
    at_five = controller.workspace.session.theta.copy()
    controller.seek(12)
    controller.step_back()
    assert controller.workspace.session.step_count == 11
    fresh = Session(build_problem(load_lesson(CIRCLE).problem), controller.workspace.session.config)
    fresh.step(5)
    assert np.array_equal(at_five, fresh.theta)


def test_weight_edit_is_undoable_with_a_readable_name(controller):
    index = controller.workspace.problem.network.index_of("W2[1,0]")
    before = controller.workspace.session.theta.copy()
    controller.set_weight(index, 0.5)
    assert controller.workspace.session.theta[index] == 0.5
    assert controller.undo_stack.undoText() == "Set W2[1,0] to 0.5"
    controller.undo_stack.undo()
    assert np.array_equal(controller.workspace.session.theta, before)
    controller.undo_stack.redo()
    assert controller.workspace.session.theta[index] == 0.5


def test_divergence_stops_play_and_is_explained_without_nan(qtbot):
    lesson = Lesson("linear regression", NetworkSpec(
        layers=(1, 4, 1), activation=("linear",), output_activation="linear", loss="mse",
        dataset=DatasetSpec(name="line")), OptimizerSpec("sgd", 5.0))
    controller = SessionController()
    controller.set_lesson_now(lesson)
    snaps = []
    controller.frameChanged.connect(snaps.append)
    controller.set_speed(steps_per_frame=10, fps=120)
    controller.play()
    qtbot.waitUntil(lambda: not controller.playing, timeout=5000)
    snap = snaps[-1]
    assert snap.status == "diverged" and isinstance(snap.diverged_at, int)
    assert np.all(np.isfinite(snap.theta)) and np.isfinite(snap.loss)
    text = describe_divergence(snap)
    assert text.startswith(f"Diverged at step {snap.diverged_at}: with learning rate 5 ")
    assert "nan" not in text.lower() and "inf" not in text.lower()
    controller.grids.cancel()
    controller.grids.wait()


def test_landscape_grids_arrive_coarse_then_fine(controller, qtbot):
    grids = []
    controller.landscapeReady.connect(grids.append)
    controller.set_axes(0, 1)
    qtbot.waitUntil(lambda: any(g.fine for g in grids), timeout=10000)
    assert grids[0].z.shape[0] < grids[-1].z.shape[0]
    assert grids[-1].z.dtype == np.float32 and grids[-1].z.flags.c_contiguous


def test_stale_grid_results_are_dropped(controller, qtbot):
    grids = []
    controller.landscapeReady.connect(grids.append)
    controller.set_axes(0, 1)
    controller.set_axes(2, 3)  # the first request is now stale
    controller.grids.wait()
    qtbot.waitUntil(lambda: any(g.fine for g in grids), timeout=10000)
    assert all(g.axes.x == 2 for g in grids)


def test_stopping_the_background_drops_what_was_asked_for(controller, qtbot):
    grids = []
    controller.landscapeReady.connect(grids.append)
    controller.set_axes(0, 1)  # a landscape is asked for
    assert controller.stop_background()  # (the window closing): every job done in time
    QApplication.processEvents()
    assert not grids  # what came after the stop was dropped
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def test_add_neuron_keeps_weights_and_undo_restores_shape(controller):
    before = controller.workspace.problem.network.unpack(controller.workspace.session.theta.copy())
    assert controller.add_neuron(1)
    assert controller.workspace.problem.network.sizes == (2, 9, 8, 1)
    w, b = controller.workspace.problem.network.unpack(controller.workspace.session.theta)
    assert np.array_equal(w[0][:, :8], before[0][0])
    assert np.array_equal(w[1][:8, :], before[0][1])
    assert np.array_equal(w[2], before[0][2])
    controller.undo_stack.undo()
    assert controller.workspace.problem.network.sizes == (2, 8, 8, 1)


def test_limits_give_a_message(controller, qtbot):
    for _ in range(24):
        controller.add_neuron(1)
    assert controller.workspace.problem.network.sizes[1] == 32
    with qtbot.waitSignal(controller.message) as blocker:
        assert not controller.add_neuron(1)
    assert "32" in blocker.args[1]


def test_race_runs_each_hiker_from_the_same_start(controller, qtbot):
    start = controller.workspace.session.theta.copy()
    assert controller.start_race(["sgd", "adam"])
    with qtbot.waitSignal(controller.frameChanged) as blocker:
        controller.tick()
    racers = blocker.args[0].racers
    assert [r.config_name for r in racers] == ["sgd", "adam"]
    assert all(r.learning_rate == 0.03 for r in racers)  # the lesson's own rate
    assert all(r.step == 1 for r in racers)
    assert not np.array_equal(racers[0].theta, racers[1].theta)
    assert all(np.array_equal(r.path[0], start) for r in racers)


def test_bad_lesson_file_keeps_the_current_lesson(controller, qtbot, tmp_path):
    bad = tmp_path / "broken.lesson.json"
    bad.write_text('{"format": "backprop-hiker-lesson", "version": 1, "title": "x", '
                   '"problem": {"kind": "network", "layers": [2, 0, 1]}}')
    title = controller.workspace.lesson.title
    with qtbot.waitSignal(controller.message) as blocker:
        assert not controller.open_file(str(bad))
    assert blocker.args[0] == "error"
    assert "problem.layers[1]" in blocker.args[1]
    assert controller.workspace.lesson.title == title


def test_save_writes_current_weights_and_reloads_them(controller, tmp_path):
    for _ in range(3):
        controller.step()
    path = tmp_path / "saved.lesson.json"
    assert controller.save_file(str(path))
    reopened = SessionController()
    assert reopened.open_file(str(path))  # a network: opened at once
    assert np.array_equal(reopened.workspace.session.theta, controller.workspace.session.theta)
    reopened.grids.cancel()
    reopened.grids.wait()


def test_built_in_surface_and_typed_formula_from_a_network(controller, qtbot):
    assert controller.set_surface("himmelblau")
    built(qtbot, controller)
    assert controller.workspace.problem.names == ["w1", "w2"]
    assert controller.workspace.problem.minima[0] == (3.0, 2.0)
    controller.undo_stack.undo()
    assert controller.workspace.problem.network.sizes == (2, 8, 8, 1)
    with qtbot.waitSignal(controller.formulaChecked, timeout=20000) as taken:
        assert controller.set_formula("w1**2 + 10*w2**2") is None
    assert taken.args == [""]
    assert controller.workspace.problem.names == ["w1", "w2"]
    assert controller.workspace.axes.labels == ("w1", "w2")
    assert "column" in controller.set_formula("w1 +* 2")


def test_point_edits_keep_the_test_set_apart(controller):
    d = controller.workspace.problem.dataset
    n_train, n_test = len(d.x_train), len(d.x_test)
    assert controller.add_point(0.25, -0.5, 1.0)
    d = controller.workspace.problem.dataset
    assert (len(d.x_train), len(d.x_test)) == (n_train + 1, n_test)
    assert np.array_equal(d.x_train[-1], [0.25, -0.5]) and d.y_train[-1, 0] == 1.0
    assert controller.remove_point(n_train + 1)  # the first test point
    assert len(controller.workspace.problem.dataset.x_test) == n_test - 1
    assert controller.workspace.problem.test_loss(controller.workspace.session.theta) is not None


def test_a_lesson_with_bad_axes_changes_nothing(controller, qtbot):
    broken = Path(__file__).resolve().parents[1] / "lessons" / "broken" / \
        "landscape-same-axes.lesson.json"
    session, title = controller.workspace.session, controller.workspace.lesson.title
    with qtbot.waitSignal(controller.message) as blocker:
        assert not controller.open_file(str(broken))
    assert "landscape.y" in blocker.args[1]
    assert controller.workspace.session is session and controller.workspace.lesson.title == title


def test_undo_twice_across_a_reshape_restores_the_weight(controller):
    """Issue 8 §6.1, through the undo stack the Edit menu drives."""
    ws = controller.workspace
    index = ws.problem.network.index_of("W2[1,0]")
    old = float(ws.session.theta[index])
    assert controller.set_weight(index, 0.5)
    assert controller.add_neuron(1)
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert ws.problem.network.sizes == (2, 8, 8, 1)
    assert ws.session.theta[index] == old
    controller.undo_stack.redo()
    controller.undo_stack.redo()
    assert ws.problem.network.sizes == (2, 9, 8, 1)
    assert ws.session.theta[ws.problem.network.index_of("W2[1,0]")] == 0.5


def test_a_typed_two_variable_formula_draws_its_surface(make_controller, qtbot):
    """Issue 8 §6.2: the landscape of w1**2 + w2**2 arrives as a 2-D grid, with no error."""
    controller = make_controller("09-seed-w-squared.lesson.json")
    grids, messages = [], []
    controller.landscapeReady.connect(grids.append)
    controller.message.connect(lambda level, text: messages.append(text))
    with qtbot.waitSignal(controller.formulaChecked, timeout=20000):
        assert controller.set_formula("w1**2 + w2**2") is None
    grids.clear()  # the old lesson's landscape may arrive while the formula is worked out
    qtbot.waitUntil(lambda: any(g.fine for g in grids), timeout=10000)
    assert grids[-1].axes.labels == ("w1", "w2") and grids[-1].z.ndim == 2
    with qtbot.waitSignal(controller.formulaChecked, timeout=20000):
        assert controller.set_formula("w**3") is None
    qtbot.waitUntil(lambda: grids[-1].axes.is_curve, timeout=10000)
    assert not messages
