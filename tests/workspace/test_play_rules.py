"""The rules of play (no Qt): the speeds + and − move between, when play may start, which tick ends it."""

import pytest

from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec
from simulator.workspace.play_rules import SPEEDS, end_of_play, faster, refusal_to_play, slower
from simulator.workspace.workspace import Workspace


def formula(expression: str, lr: float = 0.1, w: float = 3.0) -> Workspace:
    ws = Workspace()
    ws.set_lesson(Lesson("t", ExpressionSpec(expression, (("w", w),)), OptimizerSpec("sgd", lr)))
    return ws


def test_faster_and_slower_move_to_the_next_listed_speed_and_stop_at_the_ends():
    assert [faster(s) for s in SPEEDS] == [*SPEEDS[1:], SPEEDS[-1]]
    assert [slower(s) for s in SPEEDS] == [SPEEDS[0], *SPEEDS[:-1]]
    assert (faster(3), slower(3)) == (5, 2)  # a typed speed between two listed ones
    assert (faster(10_000), slower(10_000)) == (10_000, 500)


def test_a_fresh_run_may_play_and_its_first_tick_goes_on():
    ws = formula("w**2")
    assert refusal_to_play(ws, ws.frame()) is None
    ws.step(1)
    assert end_of_play(ws, ws.frame()) == (False, None)


def test_a_converged_run_ends_play_and_says_where():
    ws = formula("w**2")
    ws.step(200)
    stop, said = end_of_play(ws, ws.frame())
    assert stop and said.startswith(f"Converged at step {ws.session.step_count}: the slope is flat")


def test_a_diverged_run_ends_play_quietly_and_may_not_play_again():
    ws = formula("w**2", lr=1.5)  # each step multiplies w by −2
    ws.step(20)
    frame = ws.frame()
    assert frame.status == "diverged"
    assert end_of_play(ws, frame) == (True, None)  # the banner says it
    refusal = refusal_to_play(ws, frame)
    assert refusal.startswith("Diverged at step 10: with learning rate 1.5 each step overshoots")


def test_an_escaping_run_ends_play_quietly():
    ws = formula("1/w", w=245257.0)  # the slope flattens towards 0 at infinity: no bottom
    frame = ws.frame()
    assert frame.status == "escaping"
    assert end_of_play(ws, frame) == (True, None)


@pytest.mark.parametrize("expression, w", [("sqrt(-w)", 3.0), ("sqrt(w)", 0.0)])
def test_where_j_or_its_slope_is_undefined_play_is_refused_with_the_frames_explanation(expression, w):
    ws = formula(expression, w=w)
    frame = ws.frame()
    assert frame.status == "undefined"
    assert refusal_to_play(ws, frame) == frame.explanation != ""


def test_a_race_plays_on_while_one_hiker_walks_and_ends_when_all_have_stopped():
    ws = formula("w**2", lr=1.5)
    ws.start_race_of(["sgd", "momentum"])
    ws.step(25)  # gradient descent has diverged, momentum walks on
    assert ws.status() == "diverged"
    assert refusal_to_play(ws, ws.frame()) is None
    assert end_of_play(ws, ws.frame()) == (False, None)
    ws = formula("w**2")
    ws.start_race_of(["sgd", "adam"])
    while not ws.race_over():
        assert end_of_play(ws, ws.frame()) == (False, None)
        ws.step(25)
    assert end_of_play(ws, ws.frame()) == (True, "Race over: every hiker has stopped.")
