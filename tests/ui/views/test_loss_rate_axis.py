"""The loss plot's second axis: η over the steps, shown only while a schedule changes it."""

import numpy as np
import pytest

from simulator.ui.binding import bind
from simulator.ui.views.loss_view import LossView


@pytest.fixture
def view(controller, qtbot):
    v = bind(controller, LossView())
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_a_constant_rate_adds_no_axis(controller, view):
    controller.workspace.session.step(20)
    controller.replay_state()
    assert not view.plot_item.getAxis("right").isVisible()
    assert not view.rates.curve.isVisible()


def test_a_schedule_draws_eta_on_the_right_axis_and_a_rewind_keeps_the_curve(controller, view):
    controller.set_schedule("step", {"step_size": 10, "gamma": 0.5})
    controller.workspace.session.step(35)
    controller.replay_state()
    assert view.plot_item.getAxis("right").isVisible() and view.rates.curve.isVisible()
    steps, rates = view.rates.curve.getData()
    session = controller.workspace.session
    np.testing.assert_array_equal(steps, session.loss_history()[0])
    np.testing.assert_array_equal(rates, session.rate_history())
    lr = session.config.learning_rate
    assert rates[9] == lr and rates[10] == lr / 2 and rates[35] == lr / 8
    assert view.plot_item.getAxis("right").labelText == "learning rate η"
    controller.seek(12)
    np.testing.assert_array_equal(view.rates.curve.getData()[1], rates)  # the run is kept
