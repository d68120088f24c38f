"""``run FILE --through-steps``: every step of a lesson entered in order, headless, as the window does."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.lessons.files import load_lesson
from simulator.workspace.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = sorted((ROOT / "resources" / "lessons").glob("*.lesson.json"))

LESSON = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "Three steps",
    "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3},
                "range": {"w": [-4, 4]}},
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "steps": [
        {"title": "Look", "text": "At w = 3.", "set": {"epsilon": "0.001"}},
        {"title": "Walk", "text": "Five steps.", "run": 5},
        {"title": "Faster", "text": "A larger step.", "set": {"learning_rate": 0.4},
         "run": {"until": "converged", "max": 1000}},
    ],
}


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "simulator", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def lesson_file(tmp_path) -> Path:
    path = tmp_path / "three.lesson.json"
    path.write_text(json.dumps(LESSON), encoding="utf-8")
    return path


def test_through_steps_json_reports_each_step_and_ends_at_the_last(lesson_file):
    done = run(str(lesson_file), "--through-steps", "--json")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    result = json.loads(done.stdout)
    entered = result["lesson_steps"]
    assert [e["title"] for e in entered] == ["Look", "Walk", "Faster"]
    assert [e["step"] for e in entered[:2]] == [0, 5]
    assert entered[1]["loss"] == pytest.approx((3 * 0.8 ** 5) ** 2, rel=1e-15)
    assert entered[2]["status"] == "converged" and result["steps"] == entered[2]["step"]
    # w ← w − 0.4·2w = 0.2·w from step 5: flat (|2w| < 1e-5) after k more steps
    w5 = 3 * 0.8 ** 5
    k = next(k for k in range(1, 100) if abs(2 * w5 * 0.2 ** k) < 1e-5)
    assert result["steps"] == 5 + k
    assert result["params"]["w"] == pytest.approx(w5 * 0.2 ** k, rel=1e-12)


def test_through_steps_then_more_steps(lesson_file):
    result = json.loads(run(str(lesson_file), "--through-steps", "--steps", "3",
                            "--json").stdout)
    assert result["steps"] == result["lesson_steps"][-1]["step"] + 3


def test_through_steps_matches_the_workspace_in_process(lesson_file):
    result = json.loads(run(str(lesson_file), "--through-steps", "--json").stdout)
    ws = Workspace()
    ws.open_file(str(lesson_file))
    for k in range(3):
        ws.enter_step(k)
    assert result["params"] == {"w": float(ws.session.theta[0])}
    assert np.array_equal(result["loss_steps"], ws.session.loss_history()[0])


def test_through_steps_in_words(lesson_file):
    done = run(str(lesson_file), "--through-steps")
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert lines[0] == "step 1/3 “Look”: at optimizer step 0, loss 9, ready"
    assert lines[1] == "step 2/3 “Walk”: at optimizer step 5, loss 0.966368, ready"  # (3·0.8⁵)²
    assert lines[3].startswith("Three steps: ")


def test_a_lesson_without_steps_runs_through_none(tmp_path):
    path = tmp_path / "plain.lesson.json"
    path.write_text(json.dumps({k: v for k, v in LESSON.items() if k != "steps"} |
                               {"version": 1}), encoding="utf-8")
    result = json.loads(run(str(path), "--through-steps", "--json").stdout)
    assert result["lesson_steps"] == [] and result["steps"] == 0


def test_neither_steps_nor_through_steps_is_refused_in_one_line(lesson_file):
    done = run(str(lesson_file))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "backprop-hiker run: give --steps N, --through-steps, or both"]


def test_a_step_naming_a_missing_parameter_exits_2_with_its_path(tmp_path):
    document = json.loads(json.dumps(LESSON))
    document["steps"][1]["set"] = {"parameters": {"w2": 1}}
    path = tmp_path / "bad.lesson.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    for args in (["--through-steps"], ["--steps", "1"]):
        done = run(str(path), *args)
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
        assert done.stderr.splitlines() == [
            f"{path}: steps[1].set.parameters.w2: 'w2' is not a parameter of this problem "
            "(e.g. w)"]


@pytest.mark.parametrize("path", BUILT_IN, ids=lambda p: p.name)
def test_every_built_in_lesson_runs_through_its_steps(path):
    done = run(str(path), "--through-steps", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["lesson_steps"]) == len(load_lesson(path).steps)
