"""Mutated lesson files: every field of every built-in lesson set to hostile values.

Each mutant either loads and builds (problem, landscape axes, session) or is refused with
one ``LessonError`` line under 200 characters that names where: the JSON path, or the
file for a mistake that has none. Never another exception.
"""

import json
import math
from pathlib import Path

import pytest

from simulator.lessons.building import build_problem, build_session, landscape_axes
from simulator.lessons.checking import LessonError
from simulator.lessons.files import parse_lesson
from simulator.workspace.lesson_steps import check_steps

BUILT_IN = Path(__file__).resolve().parents[2] / "resources" / "lessons"

#: what a hostile or careless editor may put in any field
HOSTILE = [math.nan, math.inf, -math.inf, 10**400, -0.0, 1e308, -1, 0, 2**63, 0.5, True, None,
           "", "x" * 300, "w**", [], [1e308] * 3, {}, {"a": 1}]


def _paths(value, path=()):
    """Yield the path (a tuple of keys and indices) of every value in a document."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):  # the first entries stand for the rest
            yield from _paths(child, (*path, index))


def _replaced(document, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return copy


def _mutants():
    for file in sorted(BUILT_IN.glob("*.lesson.json")):
        document = json.loads(file.read_text())
        for path in _paths(document):
            for value in HOSTILE:
                yield file.name, path, json.dumps(_replaced(document, path, value))


def _open_and_build(text):
    lesson = parse_lesson(text, "mutant.lesson.json")
    problem = build_problem(lesson.problem)
    landscape_axes(lesson, problem)
    check_steps(lesson, problem)  # a lesson's steps are checked when it opens
    build_session(lesson, problem)


def test_every_mutant_builds_or_is_refused_with_one_short_line_naming_where():
    outcomes = {"built": 0, "refused": 0}
    for name, path, text in _mutants():
        try:
            _open_and_build(text)
        except LessonError as error:
            message = str(error)
            assert len(message) < 200 and "\n" not in message, (name, path, message)
            assert error.path or "mutant.lesson.json" in message, (name, path, message)
            outcomes["refused"] += 1
        else:
            outcomes["built"] += 1
    assert outcomes["refused"] > 1000 and outcomes["built"] > 100, outcomes


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400])
def test_a_non_finite_or_huge_number_is_refused_at_its_path(value):
    text = (BUILT_IN / "13-xor-network.lesson.json").read_text()
    text = text.replace('"learning_rate": 0.03', f'"learning_rate": {value}')
    with pytest.raises(LessonError) as info:
        parse_lesson(text)
    assert info.value.path == "optimizer.learning_rate"
    assert len(str(info.value)) < 100
