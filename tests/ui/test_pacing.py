"""Paced paints while playing: the costly views' repaints go out in ticks of their own."""

import time

from PySide6.QtWidgets import QApplication

from simulator.ui.controller import PACE_MS


def record(controller) -> list[tuple[int, str, int]]:
    """Return a list the controller's paced signals append (tick, signal, frame step) to."""
    sent: list[tuple[int, str, int]] = []
    ticks = [0]
    for name in ("paintFrame", "diagramFrame"):
        getattr(controller, name).connect(
            lambda frame, name=name: sent.append((ticks[0], name, frame.step)))
    controller.frameChanged.connect(lambda frame: ticks.__setitem__(0, ticks[0] + 1))
    return sent


def test_paint_and_diagram_never_go_out_in_the_same_tick_and_both_keep_up(controller):
    sent = record(controller)
    controller.set_speed(steps_per_frame=1, fps=1)  # this test drives the ticks itself
    controller.play()
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        controller.tick()
        QApplication.processEvents()
        time.sleep(0.012)  # about 60 frames a second
    playing = list(sent)
    ticks = {}
    for tick, name, _ in playing:
        ticks.setdefault(tick, set()).add(name)
    assert all(len(names) == 1 for names in ticks.values())
    paints = [s for s in playing if s[1] == "paintFrame"]
    diagrams = [s for s in playing if s[1] == "diagramFrame"]
    expected = 1000 / PACE_MS["paint"]  # each at its pace, near enough
    assert 0.4 * expected <= len(paints) <= 1.2 * expected
    assert 0.4 * expected <= len(diagrams) <= 1.2 * expected
    controller.pause()  # a pause shows everything at once, the frame the run is at
    step = controller.frame().step
    after = sent[len(playing):]
    assert {name for _, name, s in after if s == step} == {"paintFrame", "diagramFrame"}


def test_a_staggered_paint_goes_out_between_ticks_when_no_tick_comes(controller, qtbot):
    sent = record(controller)
    controller.set_speed(steps_per_frame=1, fps=1)  # the timer's next tick is a second away
    controller.play()
    time.sleep(PACE_MS["paint"] / 1000 + 0.01)  # both due at the tick
    controller.tick()  # sends one of the two; the other follows half a tick on, untold
    assert len({name for _, name, _ in sent}) == 1
    qtbot.waitUntil(lambda: {name for _, name, _ in sent} == {"paintFrame", "diagramFrame"},
                    timeout=900)
    assert {tick for tick, _, _ in sent} == {1}  # no second tick came meanwhile
    step = controller.frame().step
    assert all(s == step for _, _, s in sent)
    controller.pause()
