"""``run`` and ``export`` work out a lesson's formula within a time budget (issue 14 §1).

``run`` and ``export`` do the sympy work once, on their own thread, stopped by a timer
past ``formula_builds.COMMAND_SECONDS`` (where there are no interval timers, first in the
formula worker, which is killed past it). The command then gives up in one line, exit 2,
nothing written.
Each command runs in a subprocess, as a user runs it; the budget is lowered there to 1 s
so that a formula that takes over a minute gives up quickly.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: over a minute of sympy's time to differentiate and compile (the derivative of a max of
#: 59 terms), before it had a budget: ``run`` hung on it
HANG = "max(" + ", ".join(f"w**{k}" for k in range(1, 60)) + ")"
#: seconds of sympy's time to simplify (``derive``), about one to build for a run
SLOW = "cosh(w**5)*sigmoid(w - 6000)"
#: deeper than Python's recursion limit lets sympy walk: a traceback before
DEEP = "sigmoid(" * 45 + "w" + ")" * 45


def lesson(tmp_path: Path, expression: str) -> str:
    path = tmp_path / "formula.lesson.json"
    path.write_text(json.dumps({
        "format": "backprop-hiker-lesson", "version": 2, "title": "formula",
        "problem": {"kind": "expression", "expression": expression, "start": {"w": 1.5}},
        "optimizer": {"name": "sgd", "learning_rate": 0.01}}), encoding="utf-8")
    return str(path)


def command(*args: str, seconds: float | None = None) -> subprocess.CompletedProcess:
    budget = "" if seconds is None else f"formula_builds.COMMAND_SECONDS = {seconds}; "
    script = ("import sys; from simulator import cli; from simulator.workspace import "
              f"formula_builds; {budget}sys.exit(cli.main(sys.argv[1:]))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_run_gives_up_on_a_formula_over_its_budget(tmp_path):
    path = lesson(tmp_path, HANG)
    done = command("run", path, "--steps", "10", seconds=1.0)
    assert done.returncode == 2 and done.stdout == ""
    line = done.stderr.strip()
    assert line.startswith(f"{path}: gave up after 1 s: working out the derivatives of "
                           "J = max(w**1, w**2")
    assert line.endswith("… takes too long") and "\n" not in line and len(line) < 200 + len(path)


def test_export_gives_up_on_a_formula_over_its_budget_and_writes_nothing(tmp_path):
    path, out = lesson(tmp_path, HANG), tmp_path / "landscape.png"
    done = command("export", path, str(out), "--view", "landscape", seconds=1.0)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"{path}: gave up after 1 s: working out the "
                                          "derivatives of J = max(w**1")
    assert not out.exists() and "Traceback" not in done.stderr


def test_the_slow_formula_runs_and_exports_within_the_budget(tmp_path):
    path = lesson(tmp_path, SLOW)
    done = command("run", path, "--steps", "5", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["steps"] == 5
    out = tmp_path / "formula.png"
    done = command("export", path, str(out), "--view", "formula", "--size", "800x600")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 1000


def test_run_works_out_a_formula_once_and_starts_no_worker(tmp_path, monkeypatch, capsys):
    # before: the whole work in the formula worker, then again in the command (0.15 s idle,
    # about 0.8 s at load 6, for Rosenbrock)
    from simulator import cli
    from simulator.symbolic import budget, problems

    compiled = []
    compile_numpy = problems.compile_numpy
    monkeypatch.setattr(problems, "compile_numpy",
                        lambda *args: compiled.append(args) or compile_numpy(*args))

    def no_worker():
        raise AssertionError("run started a formula worker")

    monkeypatch.setattr(budget, "_Worker", no_worker)
    path = lesson(tmp_path, "w**4 - 3*w**2 + w")
    assert cli.main(["run", path, "--steps", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 3
    assert len(compiled) == 2  # J and dJ/dw, once each


def test_export_works_out_a_formula_once_here(tmp_path, monkeypatch, capsys):
    # before: the whole work (derivatives, compiling, the formula model) in the formula
    # worker, then all of it again in the command. The worker still simplifies the
    # model's derivatives (``derivatives.tidy``, its own 1 s budget), as in the window.
    from simulator import cli
    from simulator.lessons.files import load_lesson
    from simulator.symbolic import budget, problems
    from simulator.workspace.formula_builds import build_formula, formula_of

    compiled, tasks = [], []
    compile_numpy, run_within = problems.compile_numpy, budget.run_within
    monkeypatch.setattr(problems, "compile_numpy",
                        lambda *args: compiled.append(args) or compile_numpy(*args))
    path, out = lesson(tmp_path, "w**4 - 3*w**2 + w"), tmp_path / "formula.png"
    build_formula(formula_of(load_lesson(path)))  # the work once, as a yardstick
    once, compiled[:] = len(compiled), []
    monkeypatch.setattr(budget, "run_within",
                        lambda task, *args, **kw: tasks.append(task.__name__) or
                        run_within(task, *args, **kw))
    assert cli.main(["export", path, str(out), "--view", "formula", "--size", "800x600"]) == 0
    assert capsys.readouterr().out.startswith("wrote ") and out.stat().st_size > 1000
    assert len(compiled) == once > 0
    assert "formula_work" not in tasks and "problem_work" not in tasks


def test_a_formula_too_deep_for_sympy_is_refused_in_one_line(tmp_path):
    path = lesson(tmp_path, DEEP)
    done = command("run", path, "--steps", "1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"{path}: problem.expression: column 161: the formula is "
                                   "nested too deeply: more than 100 levels once written out "
                                   "for sympy (a sigmoid counts as four, a division or a minus "
                                   "as two)")
