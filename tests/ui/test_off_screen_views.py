"""Views off screen put their drawing off, and show the current frame as soon as they are seen again.

Off screen: under another dock's tab, on a tab not chosen, in a folded section. Each test
plays while a view cannot be seen, checks that it drew nothing meanwhile (its drawing is
waiting), brings it back, and checks that it shows the frame the run is at now.
"""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from simulator.lessons.catalog import builtin_lesson
from simulator.ui.items.network_items import EdgeBundleItem, nice_ceil
from simulator.ui.launch import make_window
from simulator.ui.views.on_screen import Deferred, DrawsWhenSeen, catch_up_within, hidden, off_screen


@pytest.fixture
def window(qtbot):
    w = make_window(str(builtin_lesson("14-circle-network.lesson.json")), reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def play(window, ticks: int = 6) -> None:
    """Play a few frames, as the timer would, then pause (which publishes everything)."""
    c = window.controller
    c.set_speed(steps_per_frame=5)
    c.play()
    for _ in range(ticks):
        c.tick()
        QApplication.processEvents()
    c.pause()
    QApplication.processEvents()


def choose_dock(window, k: int) -> None:
    window.docks[k].show()
    window.docks[k].raise_()
    QApplication.processEvents()


def drawn_fractions(window) -> np.ndarray:
    return window.network.bundles[0].fractions.copy()


def expected_fractions(window) -> np.ndarray:
    """|W1| on the diagram's width scale, from the run's current θ."""
    frame = window.controller.frame()
    high = nice_ceil(float(np.max(np.abs(frame.theta))))
    weights, _ = window.network.network.unpack(frame.theta)
    return np.clip(np.abs(weights[0].ravel()) / high, 0.0, 1.0)


def test_the_diagram_under_another_docks_tab_draws_the_current_frame_when_its_tab_is_chosen(window):
    assert window.tabifiedDockWidgets(window.docks[1])  # the test screen folds docks into tabs
    choose_dock(window, 1)
    assert not off_screen(window.network)
    np.testing.assert_allclose(drawn_fractions(window), expected_fractions(window))
    choose_dock(window, 3)  # the loss dock's tab over the diagram's
    assert off_screen(window.network)
    before = drawn_fractions(window)
    play(window)
    assert window.network.drawings.pending
    np.testing.assert_array_equal(drawn_fractions(window), before)  # nothing drawn meanwhile
    assert not np.allclose(expected_fractions(window), before)  # though the weights moved
    choose_dock(window, 1)
    assert not window.network.drawings.pending
    np.testing.assert_allclose(drawn_fractions(window), expected_fractions(window))
    assert window.network.frame is window.controller.frame()


def test_the_loss_curve_off_screen_catches_up_to_the_step_when_seen(window):
    choose_dock(window, 1)
    assert off_screen(window.loss)
    drawn_before = window.loss.train_curve.getData()[0]
    play(window)
    np.testing.assert_array_equal(window.loss.train_curve.getData()[0], drawn_before)
    choose_dock(window, 3)
    frame = window.controller.frame()
    xs, ys = window.loss.train_curve.getData()
    assert xs[-1] == frame.loss_steps[-1] and ys[-1] == pytest.approx(frame.train_losses[-1])
    assert window.loss.marker_line.value() == frame.step


def test_the_gradient_tab_draws_the_current_frame_when_it_is_chosen(window):
    choose_dock(window, 3)
    tabs = window.loss_tabs
    assert tabs.currentWidget() is window.loss and hidden(window.gradients)
    play(window)
    frame = window.controller.frame()
    assert window.gradients.drawings.pending
    tabs.setCurrentWidget(window.gradients)
    QApplication.processEvents()
    assert not window.gradients.drawings.pending
    xs, ys = window.gradients.curves[0].getData()
    assert xs[-1] == frame.loss_steps[-1]
    assert 10 ** ys[-1] == pytest.approx(frame.gradient_norms[-1, 0])  # a log-scale plot
    assert f"step {frame.step:,}" in window.gradients.values_label.text()


def test_the_landscape_shows_where_the_hiker_is_after_the_3d_tab(window):
    window.views.setCurrentIndex(1)
    QApplication.processEvents()
    assert hidden(window.landscape)
    play(window)
    assert window.landscape.drawings.pending
    window.views.setCurrentIndex(0)
    QApplication.processEvents()
    frame = window.controller.frame()
    x, y = window.landscape.hiker.getData()
    assert (x[0], y[0]) == pytest.approx(window.landscape._axes.project(frame.theta))


def test_the_folded_schedule_shows_the_current_step_when_unfolded(window):
    choose_dock(window, 0)
    schedule = window.controls.schedule
    assert not schedule.expanded and hidden(schedule.body)
    play(window)
    frame = window.controller.frame()
    assert schedule._deferred.pending
    schedule.header.click()
    QApplication.processEvents()
    xs, _ = schedule.marker.getData()
    assert xs[0] == frame.step
    assert "η now" in schedule.summary.text()


def test_a_widget_of_a_window_not_shown_counts_as_on_screen(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    assert not off_screen(widget) and not hidden(widget)
    deferred, drawn = Deferred(), []
    assert not deferred.put_off(widget, "frame", lambda: drawn.append(1))
    assert not deferred.pending


def test_deferred_keeps_the_newest_drawing_of_each_kind_in_first_order(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    child = QWidget(widget)  # never shown itself: hidden in a shown window
    drawn = []
    deferred = Deferred()
    for kind, value in (("frame", 1), ("trace", 2), ("frame", 3)):
        assert deferred.put_off(child, kind, lambda v=value: drawn.append(v))
    deferred.catch_up()
    assert drawn == [3, 2] and not deferred.pending
    deferred.put_off(child, "frame", lambda: drawn.append(4))
    deferred.forget()
    deferred.catch_up()
    assert drawn == [3, 2]


class Probe(DrawsWhenSeen, QWidget):
    """A view that records what it draws."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.drawn = []

    def set_frame(self, value) -> None:
        self.draw_when_seen("frame", lambda: self.drawn.append(value))


def test_a_view_that_draws_when_seen_keeps_the_newest_drawing_until_shown(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    probe = Probe(window)
    probe.set_frame(1)  # not shown yet in a shown window: put off
    probe.set_frame(2)
    assert probe.drawn == [] and probe.drawings.pending
    probe.show()  # its showEvent catches up, with the newest only
    assert probe.drawn == [2] and not probe.drawings.pending
    probe.set_frame(3)  # seen: drawn at once
    assert probe.drawn == [2, 3]
    probe.hide()
    probe.set_frame(4)
    probe.forget_drawings()  # a new problem: the old drawing is dropped
    probe.set_frame(5)
    probe.setVisible(True)
    assert probe.drawn == [2, 3, 5]


def test_catch_up_within_draws_what_a_view_inside_put_off(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    probe = Probe(window)
    probe.set_frame(1)
    catch_up_within(window)
    assert probe.drawn == [1]


def test_an_edge_bundle_regroups_only_when_some_edge_changes_pen():
    bundle = EdgeBundleItem(1, 3, 2)
    bundle.set_geometry(0.0, np.array([0.0, 10.0, 20.0]), 50.0, np.array([5.0, 15.0]))
    bundle.set_style("#0072B2", "#E69F00", "#ffffff", 1.0, 6.0, 0.5, 1.0)
    fractions = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.0])
    bundle.set_values(fractions, 1 + 5 * fractions, fractions > 0.2)
    groups = bundle._groups
    # a little change, within each edge's pen: nothing is regrouped (nor repainted)
    bundle.set_values(fractions + 0.001, 1 + 5 * fractions, fractions > 0.2)
    assert bundle._groups is groups
    changed = fractions.copy()
    changed[2] = 0.2  # one edge thinner by several pens
    bundle.set_values(changed, 1 + 5 * changed, fractions > 0.2)
    assert bundle._groups is not groups
    widths = {len(lines) for _, lines in bundle._groups}
    assert sum(len(lines) for _, lines in bundle._groups) == 6 and widths
