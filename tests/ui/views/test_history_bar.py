"""The history slider: it spans the recorded run, and scrubbing puts the run back exactly."""

import numpy as np

from simulator.ui.binding import bind
from simulator.ui.views.history_bar import HistoryBar


def test_the_slider_spans_the_run_and_scrubbing_rewinds_exactly(controller, qtbot):
    bar = bind(controller, HistoryBar())
    qtbot.addWidget(bar)
    thetas = [controller.frame().theta.copy()]
    for _ in range(5):
        controller.step()
        thetas.append(controller.frame().theta.copy())
    assert (bar.slider.minimum(), bar.slider.maximum(), bar.slider.value()) == (0, 5, 5)
    assert bar.label.text() == "step 5 of 5"
    with qtbot.waitSignal(controller.frameChanged):
        bar.slider.setValue(2)
    frame = controller.frame()
    assert frame.step == 2 and np.array_equal(frame.theta, thetas[2])
    assert bar.label.text() == "step 2 of 5"
    assert bar.slider.maximum() == 5  # the steps after stay recorded, to scrub forward again
    bar.slider.setValue(5)
    assert np.array_equal(controller.frame().theta, thetas[5])


def test_a_frame_moves_the_slider_without_seeking(controller, qtbot):
    bar = bind(controller, HistoryBar())
    qtbot.addWidget(bar)
    asked = []
    bar.seekRequested.connect(asked.append)
    for _ in range(3):
        controller.step()
    assert bar.slider.value() == 3
    assert asked == []


def test_the_slider_rests_during_a_race(controller, qtbot):
    bar = bind(controller, HistoryBar())
    qtbot.addWidget(bar)
    controller.step()
    controller.start_race(["sgd", "adam"])
    controller.tick()
    assert not bar.slider.isEnabled()
    assert bar.label.text() == "race: rewind after it"
    controller.stop_race()
    assert bar.slider.isEnabled()
    assert bar.label.text().startswith("step ")
