"""Lesson format version 2: steps read, written and read back unchanged; version 1 stays 1."""

import json

import pytest

from simulator.lessons.checking import LessonError
from simulator.lessons.files import lesson_text, load_lesson, parse_lesson, save_lesson
from simulator.lessons.model import (
    ExpressionSpec,
    Lesson,
    NetworkSpec,
    OptimizerSpec,
    Step,
    StepOptimizer,
    StepSettings,
    StepShow,
)

DOCUMENT = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "XOR, step by step",
    "description": "Forward, backward, then train.",
    "problem": {"kind": "network", "layers": [2, 2, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "bce", "init_seed": 3,
                "dataset": {"name": "xor", "samples": 40, "noise": 0.1, "seed": 1}},
    "optimizer": {"name": "sgd", "learning_rate": 0.5},
    "steps": [
        {"title": "The network", "text": "Two inputs, **two** hidden neurons, one output.",
         "set": {"select": "h1[1]", "sample": 3, "epsilon": 0.001,
                 "landscape": {"x": "W1[0,0]", "y": "W2[1,0]"}},
         "show": {"panels": ["network", "landscape"], "large": "network"},
         "highlight": "h1[1]"},
        {"title": "Adam", "text": "- one\n- two",
         "set": {"optimizer": {"name": "adam", "learning_rate": 0.05, "beta2": 0.99},
                 "parameters": {"W1[0,0]": 0.5, "b2[0]": -1}, "hiker": [0.25, -0.5],
                 "learning_rate": 0.02},
         "run": 25},
        {"title": "Train", "text": "Until it stops.", "run": {"until": "converged", "max": 400},
         "show": {"panels": [], "large": None}},
    ],
}


def test_a_version_2_document_reads_into_steps():
    lesson = parse_lesson(json.dumps(DOCUMENT))
    assert isinstance(lesson.problem, NetworkSpec)
    first, second, third = lesson.steps
    assert first == Step("The network", "Two inputs, **two** hidden neurons, one output.",
                         StepSettings(select="h1[1]", sample=3, epsilon=0.001,
                                      landscape=("W1[0,0]", "W2[1,0]")),
                         StepShow(("network", "landscape"), "network"), None, "h1[1]")
    assert second.settings == StepSettings(
        learning_rate=0.02, optimizer=StepOptimizer("adam", 0.05, (("beta2", 0.99),)),
        parameters=(("W1[0,0]", 0.5), ("b2[0]", -1.0)), hiker=(0.25, -0.5))
    assert second.run == 25 and second.show is None and second.highlight is None
    assert third.run == ("converged", 400) and third.show == StepShow((), None)


def test_version_2_round_trips_through_a_file(tmp_path):
    lesson = parse_lesson(json.dumps(DOCUMENT))
    path = tmp_path / "steps.lesson.json"
    save_lesson(lesson, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 2 and saved["steps"] == DOCUMENT["steps"]
    assert load_lesson(path) == lesson
    again = tmp_path / "again.lesson.json"
    save_lesson(load_lesson(path), again)
    assert again.read_bytes() == path.read_bytes()


def test_epsilon_keeps_its_form_text_or_number():
    for epsilon in ("1/1000", 0.001):
        document = json.loads(json.dumps(DOCUMENT))
        document["steps"][0]["set"]["epsilon"] = epsilon
        lesson = parse_lesson(json.dumps(document))
        assert lesson.steps[0].settings.epsilon == epsilon
        assert lesson.to_json()["steps"][0]["set"]["epsilon"] == epsilon


def test_a_lesson_without_steps_is_still_written_as_version_1():
    lesson = Lesson("Bowl", ExpressionSpec("w**2", (("w", 3.0),)), OptimizerSpec("sgd", 0.1))
    out = lesson.to_json()
    assert out["version"] == 1 and "steps" not in out
    assert parse_lesson(lesson_text(lesson)) == lesson
    with_steps = Lesson("Bowl", lesson.problem, lesson.optimizer, steps=(Step("Look", "At w."),))
    assert with_steps.to_json()["version"] == 2
    assert parse_lesson(lesson_text(with_steps)) == with_steps


def test_a_version_1_file_still_opens_with_no_steps():
    document = {key: value for key, value in DOCUMENT.items() if key != "steps"}
    document["version"] = 1
    assert parse_lesson(json.dumps(document)).steps == ()


@pytest.mark.parametrize(("change", "path", "fragment"), [
    (lambda s: s[1]["set"].update(learning_rate=-1), "steps[1].set.learning_rate", "got -1"),
    (lambda s: s[1]["set"]["optimizer"].update(momentum=0.9), "steps[1].set.optimizer.momentum",
     "unknown field"),
    (lambda s: s[1]["set"]["optimizer"].pop("name"), "steps[1].set.optimizer.name",
     "is required"),
    (lambda s: s[1]["set"].update(hiker=[]), "steps[1].set.hiker", "1–2 entries, got 0"),
    (lambda s: s[1]["set"]["parameters"].update(w=float("nan")), "steps[1].set.parameters.w",
     "got NaN"),
    (lambda s: s[0]["set"].update(sample=-2), "steps[0].set.sample", "got -2"),
    (lambda s: s[0]["set"].update(epsilon=2), "steps[0].set.epsilon", "got 2"),
    (lambda s: s[0]["set"]["landscape"].pop("y"), "steps[0].set.landscape.y", "is required"),
    (lambda s: s[0].update(highlight=3), "steps[0].highlight", "must be a string"),
    (lambda s: s[2]["run"].pop("max"), "steps[2].run.max", "is required"),
    (lambda s: s[2].update(run="forever"), "steps[2].run", "got 'forever'"),
    (lambda s: s[0]["show"].update(large="formula"), "steps[0].show.large",
     "panels shown (network, landscape)"),
    (lambda s: s.append("a step"), "steps[3]", "must be an object"),
])
def test_a_broken_step_is_refused_at_its_json_path(change, path, fragment):
    document = json.loads(json.dumps(DOCUMENT))
    change(document["steps"])
    with pytest.raises(LessonError) as info:
        parse_lesson(json.dumps(document, allow_nan=True))
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)
