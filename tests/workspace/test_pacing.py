"""Frame pacing (no Qt), on a clock the test sets: when each costly thing may go out while playing."""

from simulator.workspace.pacing import PACE_MS, Pacing

TICK_MS = 1000.0  # one frame a second: half a tick is 500 ms


def test_a_paced_thing_goes_out_then_waits_out_its_interval():
    pacing = Pacing()
    assert pacing.wait("neurons", 10.0, TICK_MS) is None
    pacing.new_tick()
    assert pacing.wait("neurons", 10.25, TICK_MS) == PACE_MS["neurons"] - 250 + 1
    assert pacing.wait("neurons", 10.25, TICK_MS, late=True) is None  # its timer: the wait is over
    pacing.new_tick()
    assert pacing.wait("paint", 10.5, 20.0) is None
    pacing.new_tick()
    assert pacing.wait("paint", 10.515625, 20.0) == 25  # 40 − 15.625 ms, rounded up


def test_forced_things_go_out_at_once_whatever_went_out_before():
    pacing = Pacing()
    for key in PACE_MS:
        assert pacing.wait(key, 5.0, TICK_MS, force=True) is None
        assert pacing.wait(key, 5.0, TICK_MS, force=True) is None


def test_the_paint_and_the_diagram_never_go_out_in_one_tick():
    pacing = Pacing()
    pacing.new_tick()
    assert pacing.wait("paint", 20.0, TICK_MS) is None
    assert pacing.wait("diagram", 20.0, TICK_MS) == 501  # put off by half a tick
    assert pacing.wait("neurons", 20.0, TICK_MS) is None  # not one of the staggered paints
    assert pacing.wait("diagram", 20.25, TICK_MS, late=True) == 251  # still within half a tick
    assert pacing.wait("diagram", 20.5, TICK_MS, late=True) is None  # half a tick on: it goes
    pacing.new_tick()
    assert pacing.wait("paint", 21.0, TICK_MS) is None  # the next tick's first


def test_in_a_new_tick_the_first_staggered_paint_due_goes_out_and_the_other_waits():
    pacing = Pacing()
    pacing.new_tick()
    assert pacing.wait("diagram", 30.0, TICK_MS) is None
    pacing.new_tick()
    assert pacing.wait("paint", 30.05, TICK_MS) is None
    assert pacing.wait("diagram", 30.05, TICK_MS) == 501  # due, but the paint took this tick
    assert pacing.wait("diagram", 30.05, TICK_MS, force=True) is None  # a pause sends both
