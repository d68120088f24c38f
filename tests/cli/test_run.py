"""``python -m simulator run LESSON --steps N [--json]`` as a user runs it: in a subprocess."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.lessons.building import build_problem, build_session
from simulator.lessons.files import load_lesson

ROOT = Path(__file__).resolve().parents[2]
XOR = ROOT / "resources" / "lessons" / "13-xor-network.lesson.json"
CIRCLE = ROOT / "resources" / "lessons" / "14-circle-network.lesson.json"
KEYS = {"status", "reason", "steps", "loss", "loss_steps", "params", "gradient", "diverged_at",
        "steps_per_second", "learning_rates"}
CLASS_KEYS = {"accuracy", "test_accuracy", "confusion", "test_confusion"}
REGRESSION_KEYS = {"rmse", "test_rmse", "r2", "test_r2"}


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "simulator", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _no_constants(name: str):
    raise AssertionError(f"the JSON holds {name}, which is not JSON")


def parse_one_object(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    result = json.loads(lines[0], parse_constant=_no_constants)
    assert isinstance(result, dict)
    return result


def write_lesson(path: Path, learning_rate: float, optimizer: str = "sgd") -> Path:
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 1, "title": "Too big a step",
        "problem": {"kind": "network", "layers": [1, 4, 1], "activation": "tanh",
                    "output_activation": "linear", "loss": "mse", "init_seed": 0,
                    "dataset": {"name": "line", "samples": 40, "noise": 0.1, "seed": 1}},
        "optimizer": {"name": optimizer, "learning_rate": learning_rate},
    }), encoding="utf-8")
    return path


def test_run_json_prints_one_object_matching_an_in_process_session():
    done = run(str(XOR), "--steps", "25", "--json")
    assert done.returncode == 0 and done.stderr == ""
    result = parse_one_object(done.stdout)
    assert set(result) == KEYS | CLASS_KEYS
    assert result["status"] == "ok" and result["steps"] == 25 and result["diverged_at"] is None
    assert len(result["loss"]) == 26
    assert isinstance(result["steps_per_second"], float) and result["steps_per_second"] > 0

    lesson = load_lesson(XOR)
    session = build_session(lesson)
    losses = [session.loss]
    session.step(25, record=losses)
    assert result["loss"] == losses  # the same numbers, bit for bit
    assert result["loss"][-1] == session.loss
    names = build_problem(lesson.problem).names
    assert list(result["params"]) == names == list(result["gradient"])
    assert list(result["params"].values()) == session.theta.tolist()
    assert list(result["gradient"].values()) == session.gradient().tolist()
    assert result["loss"][-1] < result["loss"][0]


def test_run_zero_steps_reports_the_start():
    result = parse_one_object(run(str(CIRCLE), "--steps", "0", "--json").stdout)
    session = build_session(load_lesson(CIRCLE))
    assert result["steps"] == 0 and result["loss"] == [session.loss]
    assert list(result["params"].values()) == session.theta.tolist()


def test_a_diverging_lesson_reports_diverged_with_exit_0_and_no_nan(tmp_path):
    path = write_lesson(tmp_path / "steep.lesson.json", learning_rate=50.0)
    done = run(str(path), "--steps", "100", "--json")
    assert done.returncode == 0, done.stderr
    result = parse_one_object(done.stdout)
    assert set(result) == KEYS | REGRESSION_KEYS
    assert result["status"] == "diverged"
    assert isinstance(result["diverged_at"], int) and 1 <= result["diverged_at"] <= 100
    assert result["steps"] <= result["diverged_at"]
    assert len(result["loss"]) == result["steps"] + 1
    values = [*result["loss"], *result["params"].values(), *result["gradient"].values()]
    assert all(isinstance(v, float) and math.isfinite(v) for v in values)
    assert max(result["loss"]) > 1e6 * result["loss"][0]

    # the same run in-process stops at the same step
    session = build_session(load_lesson(path))
    session.step(100)
    assert session.diverged_at == result["diverged_at"]
    assert list(result["params"].values()) == session.theta.tolist()


def test_a_diverging_lesson_in_words(tmp_path):
    path = write_lesson(tmp_path / "steep.lesson.json", learning_rate=50.0)
    done = run(str(path), "--steps", "100")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("Too big a step: ")
    assert "Diverged at step" in done.stdout and "Lower the learning rate" in done.stdout
    assert "nan" not in done.stdout.lower()


def test_run_in_words_lists_the_parameters():
    done = run(str(XOR), "--steps", "3")
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("XOR: a network that needs a hidden layer: 3 steps, loss ")
    assert any(line.strip().startswith("W2[1,0]") for line in lines)
    assert "steps per second" in lines[-1]


@pytest.mark.parametrize(("args", "fragment"), [
    (["--steps", "-1"], "--steps must be 0–10000000, got -1"),
    (["--steps", "ten"], "invalid int value"),
    ([], "--steps"),
])
def test_bad_arguments_exit_2_with_one_line(args, fragment):
    done = run(str(XOR), *args)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and fragment in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_file_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nowhere.lesson.json"
    done = run(str(missing), "--steps", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{missing}: no such file"]


def test_formula_lesson_runs_like_a_network_lesson():
    seed = Path(__file__).resolve().parents[2] / "resources" / "lessons" / \
        "09-seed-w-squared.lesson.json"
    out = subprocess.run([sys.executable, "-m", "simulator", "run", str(seed), "--steps", "3",
                          "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    # w ← w − 0.1·2w = 0.8·w from w = 3, so J_k = (3·0.8^k)²
    assert result["loss"] == pytest.approx([(3 * 0.8**k) ** 2 for k in range(4)], rel=1e-15)
    assert result["params"]["w"] == pytest.approx(3 * 0.8**3, rel=1e-15)
    assert result["gradient"]["w"] == pytest.approx(2 * 3 * 0.8**3, rel=1e-15)


def test_running_a_network_lesson_does_not_import_sympy():
    xor = Path(__file__).resolve().parents[2] / "resources" / "lessons" / \
        "13-xor-network.lesson.json"
    script = ("import sys\nfrom simulator.cli import main\n"
              f"main(['run', {str(xor)!r}, '--steps', '2', '--json'])\n"
              "print('sympy' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr


def _formula_lesson(path: Path, expression: str, start: float) -> Path:
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 1, "title": "Edge case",
        "problem": {"kind": "expression", "expression": expression, "start": {"w": start}},
    }), encoding="utf-8")
    return path


def test_a_non_finite_start_gives_strict_json_with_a_reason(tmp_path):
    path = _formula_lesson(tmp_path / "pole.lesson.json", "1/w", 0)
    done = run(str(path), "--steps", "5", "--json")
    assert done.returncode == 0, done.stderr
    result = parse_one_object(done.stdout)  # refuses NaN and Infinity
    assert set(result) == KEYS
    assert result["status"] == "undefined" and result["gradient"] == {"w": None}
    assert result["loss"] == [None]
    assert result["reason"] == "the loss at the start is infinite, so no step can be taken"


def test_an_infinite_slope_at_the_start_takes_no_step_and_says_why(tmp_path):
    # sqrt(w) at 0: J = 0 but its slope is infinite; a step would throw the hiker to −∞
    path = _formula_lesson(tmp_path / "edge.lesson.json", "sqrt(w)", 0)
    result = parse_one_object(run(str(path), "--steps", "5", "--json").stdout)
    assert (result["status"], result["steps"], result["diverged_at"]) == ("undefined", 0, None)
    assert result["reason"] == ("the slope at the start is infinite or undefined (for w), so no "
                                "step can be taken")
    assert result["params"] == {"w": 0.0} and result["gradient"] == {"w": None}
    text = run(str(path), "--steps", "5").stdout
    assert "The slope at the start is infinite or undefined (for w)" in text
    assert "Diverged" not in text


@pytest.mark.parametrize("expression, start", [("w**2", 1e200), ("1/w", 0), ("sqrt(w)", 0)])
def test_text_mode_says_undefined_instead_of_crashing(tmp_path, expression, start):
    path = _formula_lesson(tmp_path / "edge.lesson.json", expression, start)
    done = run(str(path), "--steps", "3")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("Edge case: ")
    assert "nan" not in done.stdout.lower().replace("finite", "")


def test_a_long_run_keeps_a_thinned_loss_history(tmp_path):
    path = _formula_lesson(tmp_path / "long.lesson.json", "w**2", 3)
    result = parse_one_object(run(str(path), "--steps", "100000", "--json").stdout)
    assert result["steps"] == 100000
    assert len(result["loss"]) == len(result["loss_steps"]) <= 4097
    assert result["loss_steps"][0] == 0 and result["loss_steps"] == sorted(result["loss_steps"])
    spacing = {b - a for a, b in zip(result["loss_steps"], result["loss_steps"][1:], strict=False)}
    assert len(spacing) == 1  # evenly spaced
    assert result["loss"][0] == 9.0


def test_a_reader_that_stops_reading_gets_no_traceback():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen([sys.executable, "-m", "simulator", "run", str(XOR), "--steps",
                                "3"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # as `| head -0` does, before the command has printed
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_run_json_gives_the_learning_rate_of_every_step_from_the_lessons_schedule(tmp_path):
    path = write_lesson(tmp_path / "scheduled.lesson.json", 0.2)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["optimizer"]["schedule"] = {"kind": "step", "step_size": 5, "gamma": 0.5,
                                         "warmup": 4}
    path.write_text(json.dumps(document), encoding="utf-8")
    done = run(str(path), "--steps", "12", "--json")
    assert done.returncode == 0, done.stderr
    result = parse_one_object(done.stdout)
    assert result["loss_steps"] == list(range(13))
    # LinearLR from 1/3 over 4 steps, then StepLR(step_size=5, γ=0.5) from its own step 0
    warm = [0.2 * (1 / 3 + (2 / 3) * t / 4) for t in range(4)]
    assert result["learning_rates"] == pytest.approx(warm + [0.2] * 5 + [0.1] * 4, rel=1e-15)


def test_a_bad_schedule_is_one_line_naming_its_path(tmp_path):
    path = write_lesson(tmp_path / "bad.lesson.json", 0.2)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["optimizer"]["schedule"] = {"kind": "cosine", "steps": 0}
    path.write_text(json.dumps(document), encoding="utf-8")
    done = run(str(path), "--steps", "3", "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().endswith("optimizer.schedule.steps: must be a whole number "
                                        "1–10000000, got 0")


THREE = ROOT / "resources" / "lessons" / "16-three-spirals-softmax.lesson.json"


def test_run_json_scores_a_classifier_at_the_final_theta():
    result = parse_one_object(run(str(THREE), "--steps", "40", "--json").stdout)
    session = build_session(load_lesson(THREE))
    session.step(40)
    problem = session.problem
    d = problem.dataset
    picked = problem.predict(session.theta, d.x_train).argmax(axis=1)
    assert result["accuracy"] == np.mean(picked == d.y_train[:, 0])
    confusion = np.array(result["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == len(d.x_train)
    assert np.trace(confusion) / confusion.sum() == result["accuracy"]
    test_picked = problem.predict(session.theta, d.x_test).argmax(axis=1)
    assert result["test_accuracy"] == np.mean(test_picked == d.y_test[:, 0])
    assert np.array(result["test_confusion"]).sum() == len(d.x_test)


def test_run_json_scores_a_regression_with_rmse_and_r2(tmp_path):
    path = write_lesson(tmp_path / "fit.lesson.json", learning_rate=0.1)
    result = parse_one_object(run(str(path), "--steps", "200", "--json").stdout)
    session = build_session(load_lesson(path))
    session.step(200)
    d = session.problem.dataset
    residual = session.problem.predict(session.theta, d.x_train) - d.y_train
    assert result["rmse"] == pytest.approx(float(np.sqrt(np.mean(residual ** 2))), rel=1e-12)
    total = np.sum((d.y_train - d.y_train.mean()) ** 2)
    assert result["r2"] == pytest.approx(1 - float(np.sum(residual ** 2) / total), rel=1e-12)
    assert 0.5 < result["r2"] <= 1.0
    assert "accuracy" not in result


def test_text_mode_says_the_accuracy():
    done = run(str(THREE), "--steps", "40")
    assert done.returncode == 0
    assert "accuracy " in done.stdout and "% (test " in done.stdout


def test_a_lesson_s_control_characters_do_not_reach_the_terminal(tmp_path):
    # a lesson file travels by e-mail: ESC]0;…BEL retitles a terminal, ESC[2J clears it
    path = tmp_path / "escape.lesson.json"
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 2, "title": "\x1b]0;pwned\x07 hiker",
        "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3}},
        "optimizer": {"name": "sgd", "learning_rate": 0.1},
        "steps": [{"title": "\x1b[2Jclear", "text": "a step"}]}), encoding="utf-8")
    done = run(str(path), "--through-steps")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "step 1/1 “\\x1b[2Jclear”" in done.stdout
    assert "\\x1b]0;pwned\\x07 hiker: 0 steps" in done.stdout
    path.write_text(json.dumps({"format": "backprop-hiker-lesson", "version": 1, "title": "t",
                                "\x1b[2J": 1}), encoding="utf-8")
    done = run(str(path), "--steps", "1")
    assert done.returncode == 2 and "\x1b" not in done.stderr
    assert done.stderr.startswith(f"{path}: \\x1b[2J: unknown field")
