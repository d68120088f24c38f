"""A corpus of broken lesson files: each one is refused with the JSON path of its mistake.

Every file in ``broken/`` is listed in ``CORPUS`` with the path its error must name ("" for
a file that is not JSON at all, where the message says why instead) and a fragment of the
message. Each file is checked in-process (``LessonError.path``) and through the command
line: ``python -m simulator run FILE --steps 1`` must exit 2 with one line on stderr.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.lessons.building import build_problem, landscape_axes
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson
from simulator.workspace.lesson_steps import check_steps

BROKEN = Path(__file__).resolve().parent / "broken"
ROOT = Path(__file__).resolve().parents[2]

#: file → (JSON path in the error, a fragment of the message)
CORPUS = {
    "not-json.lesson.json": ("", "line 1 column 1"),
    "truncated.lesson.json": ("", "line 5 column"),
    "empty.lesson.json": ("", "line 1 column 1"),
    "not-utf8.lesson.json": ("", "not a text file"),
    "top-level-list.lesson.json": ("", "must be an object, got a list"),
    "nan-literal.lesson.json": ("optimizer.learning_rate", "got NaN"),
    "infinity-literal.lesson.json": ("problem.dataset.noise", "got Infinity"),
    "wrong-format.lesson.json": ("format", "must be 'backprop-hiker-lesson'"),
    "newer-version.lesson.json": ("version", "needs a newer Backprop Hiker"),
    "missing-title.lesson.json": ("title", "is required"),
    "zero-neurons.lesson.json": ("problem.layers[1]", "1–32, got 0"),
    "forty-neurons.lesson.json": ("problem.layers[1]", "1–32, got 40"),
    "too-many-layers.lesson.json": ("problem.layers", "2–10 entries, got 11"),
    "layers-not-a-list.lesson.json": ("problem.layers", "must be a list"),
    "unknown-activation.lesson.json": ("problem.activation", "got 'swish'"),
    "activation-list-length.lesson.json": ("problem.activation", "got 2"),
    "bce-linear-output.lesson.json": ("problem.output_activation", "needs output_activation"),
    "weights-wrong-shape.lesson.json": ("problem.weights[0][1]", "got 1"),
    "biases-missing.lesson.json": ("problem.biases", "is required"),
    "unknown-dataset.lesson.json": ("problem.dataset.name", "got 'moons'"),
    "noise-five.lesson.json": ("problem.dataset.noise", "0–1, got 5"),
    "too-many-samples.lesson.json": ("problem.dataset.samples", "got 100000"),
    "dataset-inputs.lesson.json": ("problem.layers[0]", "dataset 'line' has 1 input"),
    "class-out-of-range.lesson.json": ("problem.dataset.points[1][2]", "class index 0–2, got 7"),
    "test-point-class.lesson.json": ("problem.dataset.test_points[0][2]", "got 3"),
    "regularization-kind.lesson.json": ("problem.regularization.kind", "got 'l3'"),
    "negative-learning-rate.lesson.json": ("optimizer.learning_rate", "got -1"),
    "boolean-learning-rate.lesson.json": ("optimizer.learning_rate", "got true"),
    "unknown-optimizer-field.lesson.json": ("optimizer.momentum", "unknown field"),
    "unknown-optimizer.lesson.json": ("optimizer.name", "got 'lbfgs'"),
    "batch-size-zero.lesson.json": ("batch_size", "got 0"),
    "landscape-axis.lesson.json": ("landscape.y", "'W9[0,0]' is not a parameter"),
    "landscape-same-axes.lesson.json": ("landscape.y", "must name another parameter"),
    "huge-integer.lesson.json": ("optimizer.learning_rate", "got a 400-digit number"),
    "huge-integer-layer.lesson.json": ("problem.layers[1]", "got a 400-digit number"),
    "overflowing-float.lesson.json": ("problem.start.w", "got 1e400 (too large)"),
    "five-thousand-digits.lesson.json": ("problem.start.w", "got a 5001-digit number"),
    "output-size.lesson.json": ("problem.layers[2]", "needs 1 output neuron, got 8"),
    "softmax-one-output.lesson.json": ("problem.layers[2]", "needs 2 output neurons, got 1"),
    "duplicate-key.lesson.json": ("optimizer.name", "appears twice"),
    "duplicate-top-level-key.lesson.json": ("title", "appears twice"),
    "long-key.lesson.json": ("problem." + "k" * 30 + "…", "unknown field"),
    "long-string.lesson.json": ("problem.activation", "got 'relurelu"),
    # a lone surrogate escape: run's text output then ended in a UnicodeEncodeError traceback
    "lone-surrogate-title.lesson.json": ("title", "character 1 is a lone surrogate (\\ud800)"),
    "lone-surrogate-description.lesson.json": ("description", "character 17 is a lone "
                                                              "surrogate (\\udfff)"),
    "step-negative-learning-rate.lesson.json": ("steps[1].set.learning_rate", "got -1"),
    "step-schedule.lesson.json": ("steps[0].set.schedule.gamma", "unknown field; expected one "
                                                                 "of kind, min_lr, steps"),
    "step-unknown-panel.lesson.json": ("steps[0].show.panels[1]", "got 'radar'"),
    "step-large-not-shown.lesson.json": ("steps[0].show.large", "one of the panels shown"),
    "step-run-until.lesson.json": ("steps[0].run.until", "got 'tired'"),
    "step-run-too-long.lesson.json": ("steps[0].run", "0–100000, got 1000000"),
    "step-missing-title.lesson.json": ("steps[2].title", "is required"),
    "steps-in-version-1.lesson.json": ("steps", "steps need version 2"),
    "step-unknown-field.lesson.json": ("steps[0].sett", "unknown field"),
    "step-unknown-parameter.lesson.json": ("steps[1].set.parameters.W9[0,0]",
                                           "'W9[0,0]' is not a parameter"),
    "step-no-such-neuron.lesson.json": ("steps[0].set.select",
                                        "2 neurons in hidden layer 1, so there is no h1[5]"),
    "step-sample-of-a-formula.lesson.json": ("steps[0].set.sample", "a formula has no samples"),
    "step-hiker-on-a-curve.lesson.json": ("steps[0].set.hiker", "1 axis value, got 2"),
    "step-bad-epsilon.lesson.json": ("steps[0].set.epsilon", "is not a number"),
}

#: files whose mistake only shows when the landscape is set up (not when the file is read)
LANDSCAPE_ONLY = {"landscape-axis.lesson.json", "landscape-same-axes.lesson.json"}
#: files whose steps name something the problem lacks (found when a lesson opens, not read)
STEPS_ONLY = {"step-unknown-parameter.lesson.json", "step-no-such-neuron.lesson.json",
              "step-sample-of-a-formula.lesson.json", "step-hiker-on-a-curve.lesson.json",
              "step-bad-epsilon.lesson.json"}


def test_the_corpus_is_large_and_every_file_is_paired():
    on_disk = {p.name for p in BROKEN.iterdir()}
    assert on_disk == set(CORPUS)
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("name", sorted(set(CORPUS) - LANDSCAPE_ONLY - STEPS_ONLY))
def test_loading_names_the_path(name):
    path, fragment = CORPUS[name]
    with pytest.raises(LessonError) as info:
        load_lesson(BROKEN / name)
    assert info.value.path == path
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert len(message) < 200
    if path:
        assert message.startswith(f"{path}: ")
    else:
        assert name in message  # without a JSON path the file's name says where


@pytest.mark.parametrize("name", sorted(LANDSCAPE_ONLY))
def test_bad_landscape_axes_are_refused_by_landscape_axes(name):
    lesson = load_lesson(BROKEN / name)
    problem = build_problem(lesson.problem)
    path, fragment = CORPUS[name]
    with pytest.raises(LessonError) as info:
        landscape_axes(lesson, problem)
    assert info.value.path == path and fragment in str(info.value)
    assert "W1[0,0]" in str(info.value)  # it names real parameters


@pytest.mark.parametrize("name", sorted(STEPS_ONLY))
def test_steps_naming_what_the_problem_lacks_are_refused_by_check_steps(name):
    lesson = load_lesson(BROKEN / name)
    path, fragment = CORPUS[name]
    with pytest.raises(LessonError) as info:
        check_steps(lesson, build_problem(lesson.problem))
    assert info.value.path == path and fragment in str(info.value)
    assert str(info.value).startswith(f"{path}: ") and len(str(info.value)) < 200


@pytest.fixture(scope="module")
def cli_results():
    """Run every corpus file through the CLI at once (in parallel), keyed by file name."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "simulator", "run", str(BROKEN / name), "--steps", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in CORPUS
    }
    results = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=60)
        results[name] = (process.returncode, out, err)
    return results


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_run_refuses_with_exit_2_and_one_line(name, cli_results):
    code, out, err = cli_results[name]
    path, fragment = CORPUS[name]
    assert "Traceback" not in err
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert out == ""
    assert fragment in lines[0]
    assert name in lines[0]
    if path:
        assert f"{path}: " in lines[0]
