"""The learning-rate schedule in lesson files: reading, messages at their paths, round trips."""

import json

import pytest

from simulator.engine.schedules import make_schedule
from simulator.lessons.building import build_session
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson, save_lesson


def document(schedule=None, step_schedule=None) -> dict:
    optimizer = {"name": "sgd", "learning_rate": 0.1}
    if schedule is not None:
        optimizer["schedule"] = schedule
    out = {"format": "backprop-hiker-lesson", "version": 2, "title": "Schedules",
           "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3}},
           "optimizer": optimizer}
    if step_schedule is not None:
        out["steps"] = [{"title": "Slow down", "text": "", "set": {"schedule": step_schedule}}]
    return out


def parse(doc: dict):
    return parse_lesson(json.dumps(doc))


@pytest.mark.parametrize(("schedule", "expected"), [
    ({"kind": "step", "step_size": 50, "gamma": 0.5, "warmup": 10},
     make_schedule("step", step_size=50, gamma=0.5, warmup=10)),
    ({"kind": "exponential", "gamma": 0.9}, make_schedule("exponential", gamma=0.9)),
    ({"kind": "cosine", "steps": 200, "min_lr": 0.001},
     make_schedule("cosine", steps=200, min_lr=0.001)),
    ({"kind": "cosine"}, make_schedule("cosine", steps=1000, min_lr=0.0)),
    ({"kind": "constant", "warmup": 5, "warmup_start": 0.1},
     make_schedule("constant", warmup=5, warmup_start=0.1)),
])
def test_a_schedule_is_read_and_written_back_unchanged(tmp_path, schedule, expected):
    lesson = parse(document(schedule))
    assert lesson.optimizer.schedule == expected
    path = tmp_path / "saved.lesson.json"
    save_lesson(lesson, path)
    assert load_lesson(path) == lesson
    written = json.loads(path.read_text(encoding="utf-8"))["optimizer"]["schedule"]
    assert parse(document(written)).optimizer.schedule == expected
    assert written["kind"] == schedule["kind"]


def test_the_issues_example_is_written_as_given_and_builds_a_scheduled_session():
    given = {"kind": "step", "step_size": 50, "gamma": 0.5, "warmup": 10}
    lesson = parse(document(given))
    assert lesson.to_json()["optimizer"]["schedule"] == given
    session = build_session(lesson)
    assert session.config.rate_at(0) == pytest.approx(0.1 / 3)
    assert session.config.rate_at(10 + 50) == pytest.approx(0.05)


def test_a_constant_schedule_is_not_written_and_a_lesson_without_one_is_constant():
    assert "schedule" not in parse(document({"kind": "constant"})).to_json()["optimizer"]
    assert not parse(document()).optimizer.schedule.varies


@pytest.mark.parametrize(("schedule", "path", "message"), [
    ({"kind": "linear"}, "optimizer.schedule.kind",
     "must be one of constant, step, exponential, cosine; got 'linear'"),
    ({"gamma": 0.5}, "optimizer.schedule.kind", "is required"),
    ({"kind": "step", "gamma": 0}, "optimizer.schedule.gamma", "in 1e-06–1, got 0"),
    ({"kind": "step", "step_size": 0.5}, "optimizer.schedule.step_size",
     "must be a whole number 1–10000000, got 0.5"),
    ({"kind": "exponential", "step_size": 5}, "optimizer.schedule.step_size",
     "unknown field; expected one of gamma, kind, warmup, warmup_start"),
    ({"kind": "cosine", "min_lr": -1}, "optimizer.schedule.min_lr", "got -1"),
    ({"kind": "cosine", "steps": "many"}, "optimizer.schedule.steps", "got 'many'"),
    ({"kind": "step", "warmup": -3}, "optimizer.schedule.warmup", "got -3"),
    ({"kind": "step", "warmup_start": 0.2}, "optimizer.schedule.warmup_start",
     "give warmup (a number of steps ≥ 1) too"),
    ("cosine", "optimizer.schedule", "must be an object, got 'cosine'"),
])
def test_a_bad_schedule_names_its_json_path(schedule, path, message):
    with pytest.raises(LessonError) as info:
        parse(document(schedule))
    assert info.value.path == path
    assert message in str(info.value)


def test_a_step_may_set_a_schedule_and_it_round_trips():
    lesson = parse(document(step_schedule={"kind": "exponential", "gamma": 0.95}))
    assert lesson.steps[0].settings.schedule == make_schedule("exponential", gamma=0.95)
    assert parse(lesson.to_json()) == lesson
    with pytest.raises(LessonError) as info:
        parse(document(step_schedule={"kind": "exponential", "gamma": 2}))
    assert info.value.path == "steps[0].set.schedule.gamma"
