"""The controls panel, driven through its real widgets: keys, typing and clicks."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from simulator.engine.datasets import make_dataset
from simulator.engine.optimizers import OPTIMIZERS
from simulator.lessons.files import load_lesson
from simulator.lessons.model import NetworkSpec
from simulator.ui.binding import bind
from simulator.ui.controller import SessionController
from simulator.ui.controls.optimizer import LEARNING_RATE_PRESETS, slider_position, slider_rate
from simulator.ui.controls.panel import EMPTY_TEXT, SECTIONS, ControlsPanel

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"
RAVINE = LESSONS / "10-ravine.lesson.json"


def _made(controller, qtbot) -> ControlsPanel:
    panel = bind(controller, ControlsPanel())
    qtbot.addWidget(panel)
    return panel


def _messages(controller) -> list[str]:
    """Return a list that collects the controller's messages from now on."""
    said = []
    controller.message.connect(lambda level, text: said.append(text))
    return said


@pytest.fixture
def panel(controller, qtbot):
    p = _made(controller, qtbot)
    p.resize(340, 1000)
    p.show()
    qtbot.waitExposed(p)
    return p


def type_into(qtbot, widget: QWidget, text: str) -> None:
    """Select what a box holds, type over it and press Enter, as a user would."""
    widget.setFocus()
    editor = widget if isinstance(widget, QLineEdit) else widget.lineEdit()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, data, refused: bool = False) -> None:
    """Open the combo's list and click the item holding ``data``, as a user would.

    Afterwards the combo shows that item, unless the choice is ``refused``.
    """
    target = combo.findData(data)
    assert target >= 0, f"{data!r} is not in the combo"
    combo.showPopup()
    view = combo.view()
    qtbot.waitExposed(view.window())
    index = combo.model().index(target, combo.modelColumn())
    view.scrollTo(index)
    with qtbot.waitSignal(combo.activated):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(index).center())
    assert (combo.currentIndex() == target) != refused


# ----- learning rate -------------------------------------------------------------------------


def test_typing_an_exact_learning_rate_reaches_the_session(panel, controller, qtbot):
    type_into(qtbot, panel.optimizer.lr_box, "0.0042")
    assert controller.workspace.session.config.learning_rate == 0.0042
    assert panel.optimizer.lr_slider.value() == slider_position(0.0042)
    assert panel.optimizer.lr_presets.currentIndex() == -1  # not a preset: shows "other"


def test_scientific_notation_is_accepted(panel, controller, qtbot):
    type_into(qtbot, panel.optimizer.lr_box, "2e-5")
    assert controller.workspace.session.config.learning_rate == 2e-5
    assert panel.optimizer.lr_box.text() == "0.00002"


def test_moving_the_slider_changes_the_box_and_the_controller(panel, controller, qtbot):
    slider = panel.optimizer.lr_slider
    before = slider.value()
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    assert slider.value() == before + slider.pageStep()
    expected = slider_rate(slider.value())
    assert controller.workspace.session.config.learning_rate == expected
    assert panel.optimizer.lr_box.value() == expected
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert controller.workspace.session.config.learning_rate == pytest.approx(1e-5)


def test_a_preset_sets_the_learning_rate(panel, controller, qtbot):
    presets = panel.optimizer.lr_presets
    assert presets.currentData() == 0.03  # the circle lesson's rate is a preset
    qtbot.keyClick(presets, Qt.Key.Key_Down)
    assert controller.workspace.session.config.learning_rate == 0.1
    assert panel.optimizer.lr_box.value() == 0.1
    assert panel.optimizer.lr_slider.value() == slider_position(0.1)


def test_the_box_arrows_step_through_the_presets(panel, controller, qtbot):
    box = panel.optimizer.lr_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert controller.workspace.session.config.learning_rate == 0.1
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert controller.workspace.session.config.learning_rate == 0.01
    assert [p for p in LEARNING_RATE_PRESETS if p <= 0.01][-1] == 0.01


def test_changing_the_learning_rate_while_playing_resets_nothing(panel, controller, qtbot):
    controller.play()
    for _ in range(4):
        controller.tick()
    assert controller.playing
    step, theta = controller.workspace.session.step_count, controller.workspace.session.theta.copy()
    assert step == 4
    type_into(qtbot, panel.optimizer.lr_box, "0.005")
    assert controller.playing
    assert controller.workspace.session.step_count == step
    assert np.array_equal(controller.workspace.session.theta, theta)
    assert controller.workspace.session.config.learning_rate == 0.005
    choose(qtbot, panel.optimizer.optimizer, "momentum")
    assert controller.workspace.session.step_count == step
    assert np.array_equal(controller.workspace.session.theta, theta)
    controller.tick()
    assert controller.workspace.session.step_count == step + 1


def test_the_model_is_shown_without_echoing_back(panel, controller, qtbot):
    edits = []
    controller.frameChanged.connect(lambda frame: edits.append(frame.config))
    controller.set_learning_rate(0.25)
    assert panel.optimizer.lr_box.value() == 0.25
    assert panel.optimizer.lr_slider.value() == slider_position(0.25)
    assert len(edits) == 1  # showing it did not call the controller again


# ----- optimizer -----------------------------------------------------------------------------


def visible_hyper(panel) -> set[tuple[str, str]]:
    return {(name, key) for name, boxes in panel.optimizer.hyper.items()
            for key, box in boxes.items() if box.isVisibleTo(panel)}


def test_only_the_chosen_optimizers_hyperparameters_show(panel, controller, qtbot):
    assert controller.workspace.session.config.name == "adam"
    assert visible_hyper(panel) == {("adam", "beta1"), ("adam", "beta2"), ("adam", "eps")}
    combo = panel.optimizer.optimizer
    choose(qtbot, combo, "sgd")
    assert controller.workspace.session.config.name == "sgd"
    assert visible_hyper(panel) == set()
    choose(qtbot, combo, "momentum")
    assert controller.workspace.session.config.name == "momentum"
    assert visible_hyper(panel) == {("momentum", "momentum")}
    type_into(qtbot, panel.optimizer.hyper["momentum"]["momentum"], "0.8")
    assert dict(controller.workspace.session.config.hyper)["momentum"] == 0.8
    assert set(OPTIMIZERS["momentum"].hyper) == {"momentum"}


def test_batch_size_reaches_the_session(panel, controller, qtbot):
    type_into(qtbot, panel.optimizer.batch, "16")
    assert controller.workspace.session.batch_size == 16
    type_into(qtbot, panel.optimizer.batch, "0")
    assert controller.workspace.session.batch_size is None
    assert panel.optimizer.batch.text() == "Full batch"


# ----- problem -------------------------------------------------------------------------------


def test_a_bad_formula_shows_the_column_under_the_field_and_keeps_the_problem(panel, controller,
                                                                             qtbot):
    problem = controller.workspace.problem
    with qtbot.waitSignal(controller.formulaChecked):
        type_into(qtbot, panel.problem.formula, "w1**2 + foo")
    note = panel.problem.formula_error
    assert note.isVisibleTo(panel)
    assert "column 9" in note.text() and "foo" in note.text()
    assert controller.workspace.problem is problem
    assert panel.problem.formula.cursorPosition() == 8  # at the offending name


def test_an_accepted_formula_clears_the_error_under_the_field(panel, controller, qtbot):
    type_into(qtbot, panel.problem.formula, "w1 +* 2")
    assert panel.problem.formula_error.isVisibleTo(panel)
    panel.set_formula_error("")  # what the controller says when a formula is taken
    assert not panel.problem.formula_error.isVisibleTo(panel)
    type_into(qtbot, panel.problem.formula, "   ")
    assert "Type a formula first" in panel.problem.formula_error.text()


def test_a_good_formula_switches_the_problem(controller, qtbot):
    pytest.importorskip("simulator.symbolic.problems")
    controller.set_lesson_now(load_lesson(RAVINE))
    panel = _made(controller, qtbot)
    panel.show()
    type_into(qtbot, panel.problem.formula, "w1**2 + foo")
    assert panel.problem.formula_error.isVisibleTo(panel)
    with qtbot.waitSignal(controller.formulaChecked, timeout=20000):
        type_into(qtbot, panel.problem.formula, "w1**2 + 3*w2**2")
        assert panel.problem.formula_error.text().startswith("Working out the derivatives")
        assert panel.problem.formula_error.level == "info"
    assert controller.workspace.lesson.problem.expression == "w1**2 + 3*w2**2"
    assert controller.workspace.problem.loss(np.array([1.0, 2.0])) == pytest.approx(13.0)
    assert not panel.problem.formula_error.isVisibleTo(panel)
    assert panel.problem.chooser.currentData() == "formula"
    assert not panel.network.isVisibleTo(panel) and not panel.dataset.isVisibleTo(panel)
    assert not panel.optimizer.batch.isEnabled()
    assert panel.problem.note.isVisibleTo(panel)


def test_choosing_a_network_lesson_from_a_formula(controller, qtbot):
    pytest.importorskip("simulator.symbolic.problems")
    controller.set_lesson_now(load_lesson(RAVINE))
    panel = _made(controller, qtbot)
    panel.show()
    chooser = panel.problem.chooser
    xor = next(k for k, lesson in enumerate(panel.problem.lessons) if "XOR" in lesson.title.upper())
    choose(qtbot, chooser, f"lesson:{xor}")
    assert isinstance(controller.workspace.lesson.problem, NetworkSpec)
    assert controller.workspace.problem.dataset.name == "xor"
    assert panel.network.isVisibleTo(panel) and panel.dataset.isVisibleTo(panel)
    assert panel.optimizer.batch.isEnabled()
    controller.undo_stack.undo()
    assert controller.workspace.lesson.problem.expression == "w1**2 + 10*w2**2"
    assert chooser.currentData() == "formula"


def test_only_built_in_network_lessons_are_listed(panel):
    titles = [lesson.title for lesson in panel.problem.lessons]
    assert titles and all(isinstance(load_lesson(lesson.path).problem, NetworkSpec)
                          for lesson in panel.problem.lessons)
    assert panel.problem.chooser.currentData() == f"lesson:{titles.index(load_lesson(CIRCLE).title)}"


# ----- network -------------------------------------------------------------------------------


def test_changing_the_activation_changes_every_hidden_layer(panel, controller, qtbot):
    assert controller.workspace.problem.network.activations == ("tanh", "tanh")
    choose(qtbot, panel.network.activation, "relu")
    assert controller.workspace.problem.network.activations == ("relu", "relu")
    controller.undo_stack.undo()
    assert controller.workspace.problem.network.activations == ("tanh", "tanh")
    assert panel.network.activation.currentData() == "tanh"


def test_cross_entropy_brings_softmax_and_one_output_per_class(panel, controller, qtbot):
    said = _messages(controller)
    choose(qtbot, panel.network.loss, "cross_entropy")
    net = controller.workspace.problem.network
    assert (net.output_activation, net.loss_name, net.sizes[-1]) == ("softmax", "cross_entropy", 2)
    assert panel.network.output.currentData() == "softmax"
    assert len(said) == 1 and "Softmax" in said[0]  # the controller says what else changed
    choose(qtbot, panel.network.output, "linear")
    net = controller.workspace.problem.network
    assert (net.output_activation, net.loss_name, net.sizes[-1]) == ("linear", "mse", 1)


def test_regularization_and_its_rate(panel, controller, qtbot):
    assert not panel.network.rate.isEnabled()
    choose(qtbot, panel.network.regularization, "l2")
    assert controller.workspace.lesson.problem.regularization == ("l2", 0.001)
    assert panel.network.rate.isEnabled()
    type_into(qtbot, panel.network.rate, "0.01")
    assert controller.workspace.lesson.problem.regularization == ("l2", 0.01)
    assert controller.workspace.problem.network.regularization.rate == 0.01


def test_a_refused_choice_shows_the_network_as_it_is(panel, controller, qtbot):
    choose(qtbot, panel.dataset.name, "line")
    said = _messages(controller)
    choose(qtbot, panel.network.loss, "bce", refused=True)
    assert controller.workspace.lesson.problem.loss == "mse"
    assert panel.network.loss.currentData() == "mse"  # the loss it has, not the refused one
    assert len(said) == 1 and "numbers" in said[0]


# ----- dataset -------------------------------------------------------------------------------


def test_regenerate_draws_new_points(panel, controller, qtbot):
    before = controller.workspace.problem.dataset.x_train.copy()
    seed = controller.workspace.lesson.problem.dataset.seed
    qtbot.mouseClick(panel.dataset.regenerate, Qt.MouseButton.LeftButton)
    after = controller.workspace.problem.dataset
    assert not np.array_equal(after.x_train, before)
    expected = make_dataset("circle", 200, 0.05, seed + 1, 0.8)
    assert np.array_equal(after.x_train, expected.x_train)
    assert panel.dataset.seed.value() == seed + 1


def test_dataset_fields_apply_when_typing_is_finished(panel, controller, qtbot):
    box = panel.dataset.samples
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "120")
    assert controller.workspace.lesson.problem.dataset.samples == 200  # nothing yet: still typing
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert controller.workspace.lesson.problem.dataset.samples == 120
    assert len(controller.workspace.problem.dataset.x_train) == 96
    type_into(qtbot, panel.dataset.train, "50")
    assert controller.workspace.lesson.problem.dataset.train_fraction == 0.5


def test_switching_to_a_regression_set_reshapes_the_network(panel, controller, qtbot):
    said = _messages(controller)
    choose(qtbot, panel.dataset.name, "line")
    spec = controller.workspace.lesson.problem
    assert spec.dataset.name == "line"
    assert spec.layers[0] == 1 and spec.loss == "mse" and spec.output_activation == "linear"
    assert controller.workspace.problem.dataset.kind == "regression"
    assert len(said) == 1 and "1 input" in said[0]
    controller.undo_stack.undo()
    assert controller.workspace.lesson.problem.layers[0] == 2
    assert panel.dataset.name.currentData() == "circle"


# ----- axes, speed, race ---------------------------------------------------------------------


def test_axis_combos_change_the_landscape_axes(panel, controller, qtbot):
    names = controller.workspace.problem.names
    choose(qtbot, panel.axes.x, 3)
    assert controller.workspace.axes.x == 3 and controller.workspace.axes.labels[0] == names[3]
    choose(qtbot, panel.axes.y, 5)
    assert (controller.workspace.axes.x, controller.workspace.axes.y) == (3, 5)
    controller.set_axes(0, 1)
    assert (panel.axes.x.currentIndex(), panel.axes.y.currentIndex()) == (0, 1)


def test_direction_axes(panel, controller, qtbot):
    qtbot.mouseClick(panel.axes.random, Qt.MouseButton.LeftButton)
    assert controller.workspace.axes.kind == "random"
    assert panel.axes.x.currentIndex() == -1
    assert panel.axes.x.placeholderText() == "direction 1"
    for _ in range(5):
        controller.step()
    qtbot.mouseClick(panel.axes.pca, Qt.MouseButton.LeftButton)
    assert controller.workspace.axes.kind == "pca"


def test_speed_controls(panel, controller, qtbot):
    type_into(qtbot, panel.speed.steps, "20")
    assert controller.steps_per_frame == 20
    type_into(qtbot, panel.speed.fps, "10")
    assert controller.fps == 10
    controller.faster()
    assert panel.speed.steps.value() == 50
    assert "500" in panel.speed.rate.text()


def test_race_starts_and_stops(panel, controller, qtbot):
    panel.race.header.click()
    with qtbot.waitSignal(panel.raceStarted) as asked:
        qtbot.mouseClick(panel.race.start_button, Qt.MouseButton.LeftButton)
    assert asked.args == [["sgd", "momentum", "adam"]]
    racers = controller.workspace.racers
    assert [session.config.name for _, session in racers] == ["sgd", "momentum", "adam"]
    assert panel.race.stop_button.isEnabled()
    assert panel.race.start_button.text() == "Restart race"
    qtbot.mouseClick(panel.race.stop_button, Qt.MouseButton.LeftButton)
    assert controller.workspace.racers == []
    assert not panel.race.stop_button.isEnabled()


def test_start_race_on_the_ravine_races_at_the_lessons_learning_rate(make_controller, qtbot):
    controller = make_controller("10-ravine.lesson.json")
    assert controller.workspace.lesson.optimizer.learning_rate == 0.09
    panel = _made(controller, qtbot)
    panel.show()
    panel.race.header.click()
    assert "0.09" in panel.race.rate_note.text()
    choose(qtbot, panel.race.rows[1].optimizer, "adam")
    qtbot.mouseClick(panel.race.start_button, Qt.MouseButton.LeftButton)
    racers = controller.workspace.racers
    assert [s.config.name for _, s in racers] == ["sgd", "adam", "adam"]
    assert [s.config.learning_rate for _, s in racers] == [0.09, 0.09, 0.09]
    start = controller.workspace.session.theta
    assert all(np.array_equal(s.theta, start) for _, s in racers)
    controller.tick()  # the race runs: every hiker took its first step
    frame = controller.frame()
    assert [r.step for r in frame.racers] == [1, 1, 1]
    assert all(not np.array_equal(r.theta, start) for r in frame.racers)


# ----- the panel as a whole ------------------------------------------------------------------


def test_every_input_has_a_tooltip(panel):
    inputs = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit)
    missing = []
    for widget in panel.findChildren(QWidget):
        if not isinstance(widget, inputs) or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(),
                                                        QAbstractSpinBox | QComboBox):
            continue  # the text field inside a spin box shows its box's tooltip
        if not widget.toolTip().strip():
            missing.append(f"{type(widget).__name__} {widget.text() if hasattr(widget, 'text') else ''}")
    assert not missing


def test_a_panel_made_before_any_lesson_says_to_open_one_and_waits_for_it(make_controller, qtbot):
    c = make_controller()
    p = _made(c, qtbot)
    p.show()
    # no empty network controls: a line saying to open a lesson, every control disabled
    assert p.empty_note.isVisible() and p.empty_note.text() == EMPTY_TEXT
    assert not any(section.isEnabled() for section in p.sections)
    assert not any(s.isVisible() for s in (p.network, p.initialisation, p.dataset))
    c.set_lesson_now(load_lesson(CIRCLE))
    assert not p.empty_note.isVisible()
    assert all(section.isEnabled() for section in p.sections)
    assert p.network.isVisible() and p.dataset.isVisible()
    assert p.optimizer.optimizer.currentData() == "adam"
    assert p.axes.x.count() == len(c.workspace.problem.names)


SAMPLE_ARGUMENTS = {
    "networkLessonChosen": ("a.lesson.json",), "surfaceChosen": ("bowl",),
    "formulaEntered": ("w**2",), "learningRateChanged": (0.5,), "optimizerChosen": ("adam",),
    "hyperparameterChanged": ("beta1", 0.8), "batchSizeChanged": (None,),
    "scheduleChanged": ("step", {"step_size": 5, "gamma": 0.5}),
    "reinitialiseRequested": ("he_normal", 3),
    "hiddenActivationChosen": ("relu",), "outputChosen": ("linear",), "lossChosen": ("mse",),
    "regularizationChosen": ("l2", 0.01), "datasetChosen": ("xor",),
    "datasetSettingChanged": ("noise", 0.2), "regenerateRequested": (),
    "featureToggled": ("x1^2",),
    "axisChosen": ("x", 3), "directionAxesChosen": ("random", 2),
    "speedRequested": (None, 12), "raceStarted": (["sgd", "adam"],), "raceStopped": (),
}


def test_the_panel_passes_on_every_sections_intents_to_a_controller_verb(qtbot):
    panel = ControlsPanel()  # not bound: what the panel emits goes nowhere else
    qtbot.addWidget(panel)
    assert set(ControlsPanel.INTENTS) == set(SAMPLE_ARGUMENTS)
    for section_class, section in zip(SECTIONS, panel.sections, strict=True):
        assert type(section) is section_class
        for signal, verb in section.INTENTS.items():
            assert ControlsPanel.INTENTS[signal] == verb
            assert callable(getattr(SessionController, verb)), verb
            passed = []
            getattr(panel, signal).connect(lambda *args, out=passed: out.append(args))
            getattr(section, signal).emit(*SAMPLE_ARGUMENTS[signal])
            assert passed == [SAMPLE_ARGUMENTS[signal]], signal
    assert len(ControlsPanel.INTENTS) == sum(len(s.INTENTS) for s in SECTIONS)


def test_own_points_have_no_generator_settings(panel, controller, qtbot):
    assert controller.add_point(0.1, 0.2, 1.0)
    assert panel.dataset.name.currentIndex() == -1
    assert panel.dataset.name.placeholderText() == "your own points"
    assert not panel.dataset.noise.isEnabled() and not panel.dataset.regenerate.isEnabled()
    choose(qtbot, panel.dataset.name, "xor")
    assert controller.workspace.problem.dataset.name == "xor"
    assert panel.dataset.regenerate.isEnabled()


def test_notes_follow_the_theme(panel, qtbot):
    from simulator.ui.theme import DARK, LIGHT, theme_manager

    type_into(qtbot, panel.problem.formula, "w1 +* 2")
    note = panel.problem.formula_error
    assert note.isVisibleTo(panel)
    before = theme_manager().choice
    try:
        theme_manager().apply("dark")
        assert DARK.error in note.styleSheet()
        assert DARK.axis_x in panel.axes.x_label.styleSheet()
        theme_manager().apply("light")
        assert LIGHT.error in note.styleSheet()
    finally:
        theme_manager().apply(before)


def test_out_of_range_or_garbled_rates_are_not_applied(panel, controller, qtbot):
    box = panel.optimizer.lr_box
    for text in ("500", "0", "-1"):
        type_into(qtbot, box, text)
        assert controller.workspace.session.config.learning_rate == 0.03
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "abc")
    assert box.lineEdit().text() in ("", "0.03")  # letters are refused as they are typed
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert controller.workspace.session.config.learning_rate == 0.03
    assert box.text() == "0.03"



def test_the_fps_box_tops_out_where_the_controller_does(controller, qtbot):
    panel = _made(controller, qtbot)
    controller.set_speed(fps=10_000)
    assert controller.fps == panel.speed.fps.maximum() == panel.speed.fps_slider.maximum()
    assert panel.speed.fps.value() == controller.fps
