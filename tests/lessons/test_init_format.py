"""The initialisation in lesson files: ``problem.init``, ``set.init``, messages, round trips."""

import json

import numpy as np
import pytest

from simulator.lessons.building import build_problem
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson, save_lesson
from simulator.workspace.lesson_steps import check_steps


def document(**network) -> dict:
    problem = {"kind": "network", "layers": [2, 4, 1], "dataset": {"name": "xor", "samples": 40},
               **network}
    return {"format": "backprop-hiker-lesson", "version": 2, "title": "Starts",
            "problem": problem, "optimizer": {"name": "sgd", "learning_rate": 0.1}}


def parse(doc: dict):
    return parse_lesson(json.dumps(doc))


def test_init_is_read_used_and_written_back(tmp_path):
    lesson = parse(document(init={"kind": "he_uniform", "seed": 3}))
    assert (lesson.problem.init, lesson.problem.init_seed) == ("he_uniform", 3)
    assert lesson.problem.to_json()["init"] == {"kind": "he_uniform", "seed": 3}
    assert "init_seed" not in lesson.problem.to_json()
    problem = build_problem(lesson.problem)
    np.testing.assert_array_equal(problem.start, problem.network.initial_theta(3, "he_uniform"))
    path = tmp_path / "saved.lesson.json"
    save_lesson(lesson, path)
    assert load_lesson(path) == lesson


def test_zeros_start_at_zero_and_an_old_init_seed_reads_as_before():
    assert not build_problem(parse(document(init={"kind": "zeros"})).problem).start.any()
    old = parse(document(init_seed=4)).problem
    assert (old.init, old.init_seed) == ("auto", 4)
    assert old.to_json()["init_seed"] == 4 and "init" not in old.to_json()


@pytest.mark.parametrize(("network", "path", "message"), [
    ({"init": {"kind": "lecun"}}, "problem.init.kind", "must be one of auto, glorot_uniform"),
    ({"init": {"seed": 2}}, "problem.init.kind", "is required"),
    ({"init": {"kind": "zeros", "seed": -1}}, "problem.init.seed", "0–4294967295, got -1"),
    ({"init": {"kind": "zeros", "gain": 2}}, "problem.init.gain", "unknown field"),
    ({"init": {"kind": "zeros"}, "init_seed": 2}, "problem.init_seed", "give the seed once"),
    ({"init": "zeros"}, "problem.init", "must be an object, got 'zeros'"),
])
def test_a_bad_init_names_its_json_path(network, path, message):
    with pytest.raises(LessonError) as info:
        parse(document(**network))
    assert info.value.path == path and message in str(info.value)


def test_a_step_may_set_init_and_a_formula_step_may_not():
    doc = document()
    doc["steps"] = [{"title": "Zeros", "text": "", "set": {"init": {"kind": "zeros"}}},
                    {"title": "He", "text": "", "set": {"init": {"kind": "he_normal",
                                                                 "seed": 9}}}]
    lesson = parse(doc)
    assert [s.settings.init for s in lesson.steps] == [("zeros", None), ("he_normal", 9)]
    assert parse(lesson.to_json()) == lesson
    doc["problem"] = {"kind": "expression", "expression": "w**2", "start": {"w": 3}}
    formula = parse(doc)
    with pytest.raises(LessonError) as info:
        check_steps(formula, build_problem(formula.problem))
    assert info.value.path == "steps[0].set.init"
