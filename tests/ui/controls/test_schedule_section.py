"""The learning-rate schedule's controls, driven through their real widgets."""

import pytest
from PySide6.QtCore import Qt

from simulator.engine.schedules import make_schedule
from simulator.ui.theme import current_theme, theme_manager

from .test_controls import _made, _messages, choose, type_into


@pytest.fixture
def panel(controller, qtbot):
    panel = _made(controller, qtbot)
    panel.resize(340, 1400)
    panel.show()
    qtbot.waitExposed(panel)
    s = panel.schedule
    assert not s.expanded  # folded until asked for
    qtbot.mouseClick(s.header, Qt.MouseButton.LeftButton)
    assert s.expanded
    return panel


@pytest.fixture
def section(panel):
    return panel.schedule


def visible_settings(section) -> set[str]:
    return {key for key, box in section.boxes.items() if box.isVisibleTo(section)}


def test_choosing_step_decay_changes_eta_as_the_run_goes_on(controller, section, qtbot):
    lr = controller.workspace.session.config.learning_rate
    assert visible_settings(section) == {"warmup"}  # constant: only the warm-up
    choose(qtbot, section.kind, "step")
    assert visible_settings(section) == {"step_size", "gamma", "warmup"}
    type_into(qtbot, section.boxes["step_size"], "5")
    config = controller.workspace.session.config
    assert config.schedule == make_schedule("step", step_size=5, gamma=0.5)
    controller.workspace.step(12)
    controller.replay_state()
    assert controller.workspace.frame().learning_rate == pytest.approx(lr / 4)
    # the small curve draws η over the steps, the marker at step 12
    xs, ys = section.curve.getData()
    assert ys[0] == pytest.approx(lr) and min(ys) == pytest.approx(lr / 2**4)
    assert section.marker.getData()[1][0] == pytest.approx(lr / 4)
    assert "×0.5 every 5 steps" in section.summary.text()


def test_a_warm_up_shows_where_it_starts_and_cosine_takes_its_floor(controller, section, qtbot):
    lr = controller.workspace.session.config.learning_rate
    choose(qtbot, section.kind, "cosine")
    type_into(qtbot, section.boxes["steps"], "40")
    type_into(qtbot, section.boxes["min_lr"], "0.001")
    type_into(qtbot, section.boxes["warmup"], "10")
    assert "warmup_start" in visible_settings(section)
    schedule = controller.workspace.session.config.schedule
    assert schedule == make_schedule("cosine", steps=40, min_lr=0.001, warmup=10)
    assert controller.workspace.frame().learning_rate == pytest.approx(lr / 3)
    controller.workspace.step(30)  # 10 warm-up steps, then halfway down the cosine
    controller.replay_state()
    assert section.marker.getData()[1][0] == pytest.approx(0.001 + (lr - 0.001) / 2)


def test_the_controls_follow_a_schedule_set_elsewhere(controller, section):
    controller.set_schedule("exponential", {"gamma": 0.9, "warmup": 4, "warmup_start": 0.5})
    assert section.kind.currentData() == "exponential"
    assert section.boxes["gamma"].value() == 0.9 and section.boxes["warmup"].value() == 4
    assert section.boxes["warmup_start"].value() == 0.5


def test_a_refused_schedule_is_said_and_changes_nothing(controller, section):
    said = _messages(controller)
    before = controller.workspace.session.config
    section.scheduleChanged.emit("step", {"step_size": 5, "gamma": 7.0})
    assert controller.workspace.session.config == before
    assert any("gamma must be in" in text for text in said)


def test_the_curve_is_made_when_the_section_is_first_unfolded(controller, qtbot):
    panel = _made(controller, qtbot)
    panel.resize(340, 1400)
    panel.show()
    qtbot.waitExposed(panel)
    s = panel.schedule
    assert s.plot is None  # folded: no plot yet
    controller.set_schedule("step", {"step_size": 5, "gamma": 0.5})
    controller.workspace.step(7)
    controller.replay_state()
    lr = controller.workspace.session.config.learning_rate
    qtbot.mouseClick(s.header, Qt.MouseButton.LeftButton)
    assert s.plot is not None and s.plot.isVisible()
    # between the settings and the summary, as it always was
    plot_row, _ = s.form.getWidgetPosition(s.plot)
    summary_row, _ = s.form.getWidgetPosition(s.summary)
    assert plot_row == summary_row - 1 and plot_row > s.form.getWidgetPosition(s.kind)[0]
    xs, ys = s.curve.getData()
    assert ys[0] == pytest.approx(lr) and min(ys) == pytest.approx(lr / 2**4)
    assert s.marker.getData()[0][0] == 7 and s.marker.getData()[1][0] == pytest.approx(lr / 2)
    assert s.plot.backgroundBrush().color().name() == current_theme().background
    # made once: folded and unfolded again, the same plot follows the run
    plot = s.plot
    qtbot.mouseClick(s.header, Qt.MouseButton.LeftButton)
    controller.step()
    qtbot.mouseClick(s.header, Qt.MouseButton.LeftButton)
    assert s.plot is plot and s.marker.getData()[0][0] == 8


def test_the_curve_made_late_takes_the_theme_chosen_before(controller, qtbot):
    panel = _made(controller, qtbot)
    panel.show()
    qtbot.waitExposed(panel)
    s = panel.schedule
    try:
        theme_manager().apply("dark")
        qtbot.mouseClick(s.header, Qt.MouseButton.LeftButton)
        assert s.plot.backgroundBrush().color().name() == current_theme().background == "#1e1f22"
        theme_manager().apply("light")
        assert s.plot.backgroundBrush().color().name() == "#ffffff"
    finally:
        theme_manager().apply("system")
