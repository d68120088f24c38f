"""Schedules through the workspace: the verb, the frame, saving, races and lesson steps."""

import json

import pytest

from simulator.engine.schedules import make_schedule
from simulator.lessons.catalog import builtin_lesson
from simulator.lessons.files import parse_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.workspace import Workspace, describe_divergence


def workspace(name: str = "14-circle-network.lesson.json") -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def test_set_schedule_changes_eta_from_now_and_the_frame_shows_it():
    ws = workspace()
    base = ws.session.config.learning_rate
    ws.step(5)
    ws.set_schedule("exponential", {"gamma": 0.5})
    config = ws.session.config
    assert config.schedule == make_schedule("exponential", gamma=0.5)
    assert config.schedule_start == 5  # a new kind starts its clock at the step it was set
    ws.step(3)
    frame = ws.frame()
    assert frame.learning_rate == pytest.approx(base * 0.5**3)
    assert list(frame.learning_rates) == pytest.approx(
        [base] * 6 + [base * 0.5, base * 0.25, base * 0.125])
    ws.set_schedule("exponential", {"gamma": 0.9})  # the same kind keeps its clock
    assert ws.session.config.schedule_start == 5


def test_a_bad_schedule_is_refused_and_changes_nothing():
    ws = workspace()
    before = ws.session.config
    with pytest.raises(EditError, match="Learning-rate schedule: gamma must be in"):
        ws.set_schedule("step", {"gamma": 3.0})
    with pytest.raises(EditError, match="unknown schedule 'sawtooth'"):
        ws.set_schedule("sawtooth")
    assert ws.session.config == before


def test_the_schedule_is_saved_kept_by_a_switch_of_optimizer_and_given_to_racers():
    ws = workspace()
    ws.set_schedule("cosine", {"steps": 300, "min_lr": 0.001})
    ws.set_optimizer("adamw")
    assert ws.session.config.name == "adamw"
    assert ws.session.config.schedule == make_schedule("cosine", steps=300, min_lr=0.001)
    saved = ws.current_lesson().to_json()["optimizer"]
    assert saved["name"] == "adamw"
    assert saved["schedule"] == {"kind": "cosine", "steps": 300, "min_lr": 0.001}
    ws.start_race_of(["sgd", "adam"])
    assert all(s.config.schedule == ws.session.config.schedule for _, s in ws.racers)


def test_undo_brings_the_schedule_back():
    ws = workspace()
    before = ws.memento()
    ws.set_schedule("step", {"step_size": 10, "gamma": 0.5, "warmup": 3})
    ws.restore(before)
    assert not ws.session.config.schedule.varies


def test_a_lesson_step_sets_a_schedule_and_rewinding_replays_it_exactly():
    doc = json.loads(builtin_lesson("13-xor-network.lesson.json").read_text(encoding="utf-8"))
    doc["version"] = 2
    doc["steps"] = [
        {"title": "Run", "text": "", "run": 20},
        {"title": "Decay", "text": "", "set": {"schedule": {"kind": "step", "step_size": 5,
                                                            "gamma": 0.5}}, "run": 20},
    ]
    ws = Workspace()
    ws.set_lesson(parse_lesson(json.dumps(doc)))
    ws.enter_step(1)
    lr = ws.session.config.learning_rate
    rates = ws.frame().learning_rates
    assert rates[19] == lr and rates[20] == lr and rates[25] == lr / 2 and rates[40] == lr / 16
    end = ws.session.theta.copy()
    ws.seek(22)
    ws.step(18)
    assert (ws.session.theta == end).all()


def test_a_divergence_names_the_learning_rate_the_schedule_had_reached():
    ws = workspace("08-when-it-breaks.lesson.json")
    ws.set_learning_rate(6.0)
    ws.set_schedule("constant", {"warmup": 100, "warmup_start": 0.01})  # η climbs 0.06 → 6
    ws.step(200)
    frame = ws.frame()
    assert frame.status == "diverged"

    eta = ws.session.config.rate_at(frame.diverged_at - 1)
    assert eta == pytest.approx(6.0 * (0.01 + 0.99 * (frame.diverged_at - 1) / 100)) and eta < 6
    assert f"with learning rate {eta:g} each step" in describe_divergence(frame)


def test_undoing_another_edit_keeps_the_schedules_clock():
    ws = workspace()
    ws.step(5)
    ws.set_schedule("step", {"step_size": 4, "gamma": 0.5})  # its clock starts at step 5
    ws.step(6)
    before = ws.memento()
    index = ws.problem.network.index_of("W1[0,0]")
    ws.set_parameters({index: 0.25})
    ws.restore(before)
    assert ws.session.config.schedule_start == 5
    lr = ws.session.config.learning_rate
    assert ws.frame().learning_rate == lr / 2  # step 11 is t = 6 of the schedule: one cut
