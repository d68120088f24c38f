"""Paced paints while playing: the costly views' repaints go out in ticks of their own."""

import time

from PySide6.QtWidgets import QApplication

from simulator.workspace.pacing import PACE_MS


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
    most = 1000 / PACE_MS["paint"] * 1.2 + 1  # each at most at its pace
    assert 3 <= len(paints) <= most and 3 <= len(diagrams) <= most
    assert abs(len(paints) - len(diagrams)) <= max(2, 0.3 * len(paints))  # both keep up
    controller.pause()  # a pause shows everything at once, the frame the run is at
    step = controller.frame().step
    after = sent[len(playing):]
    assert {name for _, name, s in after if s == step} == {"paintFrame", "diagramFrame"}


def test_a_staggered_paint_goes_out_between_ticks_when_no_tick_comes(controller):
    sent = record(controller)
    controller.set_speed(steps_per_frame=1, fps=1)  # the timer's next tick is a second away
    controller.play()
    time.sleep(PACE_MS["paint"] / 1000 + 0.01)  # both due at the tick
    controller.tick()  # sends one of the two; the other is put off by half a tick
    assert [name for _, name, _ in sent] == ["paintFrame"]
    late = controller._late["diagram"]
    assert late.isActive() and 0 < late.remainingTime() <= 550  # half a tick (a coarse timer)
    controller._paced("diagram", late=True)  # its timer firing early, in the same frame
    assert len(sent) == 1 and late.isActive()  # still put off
    time.sleep(0.51)  # half a tick on, no tick came (no events were processed meanwhile)
    controller._paced("diagram", late=True)  # its timer firing
    assert [name for _, name, _ in sent] == ["paintFrame", "diagramFrame"]
    assert {tick for tick, _, _ in sent} == {1}
    step = controller.frame().step
    assert all(s == step for _, _, s in sent)
    controller.pause()
