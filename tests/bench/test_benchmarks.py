"""The benchmark: its baselines compute what the engine computes, and its report's shape.

Nothing here asserts a timing: figures are faked where the report is checked.
"""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from simulator import benchmarks, cli
from simulator.benchmarks import (
    ENGINE_RATE,
    FIGURES,
    SECTIONS,
    NaiveNetwork,
    big_problem,
    build_report,
    format_figures,
    playground_problem,
    reference_problem,
    straight_line_epoch,
    textbook_loss_and_gradient,
)
from simulator.engine.session import OptimizerConfig


@pytest.mark.parametrize("make", [reference_problem, playground_problem])
def test_naive_backprop_gives_the_engines_gradient(make):
    problem = make()
    naive = NaiveNetwork(problem)
    grads = naive.gradients(range(len(naive.x)))
    engine = problem.gradient(problem.start)
    weights, biases = problem.network.unpack(engine)
    for ours, theirs in zip([*weights, *biases], grads, strict=True):
        assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [reference_problem, big_problem])
def test_textbook_baseline_gives_the_engines_gradient(make):
    problem = make()
    rows = np.arange(0, problem.sample_count, 3)
    _, engine = problem.loss_and_gradient(problem.start, rows)
    np.testing.assert_allclose(textbook_loss_and_gradient(problem, problem.start, rows), engine,
                               rtol=1e-11, atol=1e-14)


def test_straight_line_epoch_is_the_playgrounds_rule_and_the_engines_epoch():
    """½ squared error at 0.03 (the floor) and the engine's mse at 0.015 take the same steps."""
    problem = playground_problem()
    assert set(np.unique(problem.dataset.y_train)) == {-1.0, 1.0}  # the Playground's labels
    order = np.random.default_rng(0).permutation(problem.sample_count)
    epoch, floor_weights = straight_line_epoch(problem, order)
    epoch()
    theta, grad = problem.initial_theta(), np.empty(problem.network.parameter_count)
    sgd = OptimizerConfig("sgd", ENGINE_RATE).build()
    for start in range(0, problem.sample_count, 10):
        problem.loss_and_gradient(theta, order[start:start + 10], grad)
        sgd.step(theta, grad)
    engine_weights, _ = problem.network.unpack(theta)
    moved = sum(float(np.abs(w - w0).sum()) for w, w0 in zip(
        engine_weights, problem.network.unpack(problem.start)[0], strict=True))
    assert moved > 0.01  # the epoch did train
    for floor, engine in zip(floor_weights, engine_weights, strict=True):
        assert np.allclose(floor, engine, rtol=1e-10, atol=1e-12)


def test_straight_line_epoch_refuses_a_network_it_was_not_written_for():
    with pytest.raises(ValueError, match="2-8-8-1 tanh"):
        straight_line_epoch(reference_problem(), np.arange(200))  # a sigmoid output


def test_naive_epoch_takes_the_engines_steps():
    problem = playground_problem()
    order = np.random.default_rng(1).permutation(problem.sample_count)
    naive = NaiveNetwork(problem)
    naive.sgd_epoch(order)
    theta, grad = problem.initial_theta(), np.empty(problem.network.parameter_count)
    for start in range(0, problem.sample_count, 10):
        problem.loss_and_gradient(theta, order[start:start + 10], grad)
        theta -= ENGINE_RATE * grad
    weights, biases = problem.network.unpack(theta)
    for ours, theirs in zip([*weights, *biases], naive.w + naive.b, strict=True):
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def fake_figures() -> dict[str, float]:
    """Every figure the report names, and every baseline they refer to, with made-up values."""
    figures = {key: float(k + 1) for k, key in enumerate(FIGURES)}
    for spec in FIGURES.values():
        if spec.baseline and spec.baseline not in figures:
            figures[spec.baseline] = 1000.0
    return figures


def test_report_has_its_sections_and_every_figure_its_baseline():
    figures = fake_figures()
    report = build_report(figures)
    assert tuple(report) == SECTIONS
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    for key, spec in FIGURES.items():
        section, name = key.split(".", 1)
        entry = report[section][name]
        assert set(entry) == {"median", "baseline", "baseline_name", "target"}
        assert entry["median"] == figures[key] and entry["target"] == spec.target
        if spec.baseline is None:
            assert entry["baseline"] is None and entry["baseline_name"] is None
        else:
            assert entry["baseline_name"] == spec.baseline
            assert entry["baseline"] == figures[spec.baseline]
    for name, value in report["baseline"].items():
        assert isinstance(value, float) and figures[f"baseline.{name}"] == value
    # the names the issue asks for
    assert {"adam_step_us", "epoch_us", "session_epoch_us", "epoch_floor_us",
            "landscape_100_ms", "landscape_200_ms", "landscape_last_100_ms",
            "decision_grid_100_ms", "big_step_us"} <= set(report["engine"])
    assert {"frame_p50_ms", "frame_p95_ms", "frame_max_ms", "frame_p95_ms_10_steps",
            "frame_p50_ms_big", "frame_p95_ms_big", "startup_ms", "startup_bare_ms"} <= set(report["gui"])
    assert set(report["export"]) == {"png_4k_ms"} and set(report["memory"]) == {"rss_mb"}


def test_a_figure_without_its_baseline_in_the_run_says_so():
    report = build_report({"engine.epoch_us": 250.0})
    assert report["engine"]["epoch_us"] == {"median": 250.0, "baseline": None,
                                            "baseline_name": None, "target": 257.0}
    assert report["gui"] == {} and report["baseline"] == {}


def test_figures_table_shows_ratios_targets_and_baselines():
    report = build_report({"engine.adam_step_us": 50.0, "baseline.adam_step_naive_us": 4400.0,
                           "engine.decision_grid_100_ms": 2.0,
                           "gui.startup_ms": 900.0, "gui.startup_bare_ms": 600.0})
    text = format_figures(report)
    adam = next(line for line in text.splitlines() if line.startswith("Full-batch Adam"))
    assert "88.00× faster" in adam and "≤ 40 over" in adam
    grid = next(line for line in text.splitlines() if line.startswith("Decision grid"))
    assert "≤ 3 ok" in grid
    startup = next(line for line in text.splitlines() if line.startswith("Start to first"))
    assert "1.50× (≤ 2× ok)" in startup
    assert "baseline.adam_step_naive_us" in text


def test_bench_json_prints_the_sections(monkeypatch, capsys):
    monkeypatch.setattr(benchmarks, "engine_figures",
                        lambda: {"engine.epoch_us": 200.0, "baseline.epoch_naive_us": 4000.0})
    assert cli.main(["bench", "--json", "--no-gui"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert tuple(report) == SECTIONS
    assert report["engine"]["epoch_us"]["baseline"] == 4000.0
    assert report["baseline"] == {"epoch_naive_us": 4000.0}


def test_bench_on_a_display_without_one_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert cli.main(["bench", "--display"]) != 0
    assert "DISPLAY is not set" in capsys.readouterr().err


def test_a_figure_that_could_not_be_measured_is_null_not_nan():
    report = build_report({"gui.startup_ms": float("nan"), "gui.startup_bare_ms": 500.0,
                           "baseline.epoch_naive_us": float("nan")})
    assert report["gui"]["startup_ms"]["median"] is None
    assert report["baseline"]["epoch_naive_us"] is None
    json.dumps(report, allow_nan=False)
    assert "not measured" in format_figures(report)


# ----- the scripts the GUI figures run in fresh processes (reduced, not timed) ---------------

@pytest.fixture
def folder(tmp_path):
    return str(tmp_path)


def reference_lesson() -> str:
    from simulator.lessons.catalog import builtin_lesson

    return str(builtin_lesson("14-circle-network.lesson.json"))


@pytest.mark.parametrize("script, args", [
    (benchmarks.STARTUP_SCRIPT, lambda folder: [reference_lesson()]),
    (benchmarks.BARE_STARTUP_SCRIPT, lambda folder: []),
    (benchmarks.EXPORT_SCRIPT,
     lambda folder: [reference_lesson(), f"{folder}/landscape.png", "800x600"]),
    (benchmarks.MEMORY_SCRIPT, lambda folder: [benchmarks._big_lesson_file(folder), "300"]),
], ids=["startup", "bare startup", "export", "memory"])
def test_each_gui_script_reports_a_figure(script, args, folder):
    """Each script, on a small workload, ends with the one number its figure is made of."""
    value = benchmarks._subprocess_median(script, args(folder), False, folder, repeats=1)
    assert np.isfinite(value) and value > 0


def test_the_memory_script_steps_as_far_as_asked(folder):
    script = benchmarks.MEMORY_SCRIPT.replace('print("value", int(line.split()[1]) / 1024)',
                                              'print("value", controller.frame().step)')
    steps = benchmarks._subprocess_median(
        script, [benchmarks._big_lesson_file(folder), "300"], False, folder, repeats=1)
    assert 300 <= steps <= 500  # 100 steps a frame (the slowed play timer may add one)


def test_the_offscreen_screen_is_the_size_of_the_display_measured(folder):
    script = ("from PySide6.QtWidgets import QApplication\n"
              "app = QApplication([])\n"
              "size = app.primaryScreen().size()\n"
              "print('value', size.width() * 10000 + size.height())\n")
    width, height = benchmarks.SCREEN
    assert benchmarks._subprocess_median(script, [], False, folder, repeats=1) == \
        width * 10000 + height


def test_the_warm_up_run_is_not_counted_and_writes_bytecode(folder, monkeypatch):
    """Each run prints how many runs came before it; with a warm-up the first is dropped."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    counter = Path(folder) / "runs"
    script = ("import sys\nfrom pathlib import Path\n"
              f"counter = Path({str(counter)!r})\n"
              "before = int(counter.read_text()) if counter.exists() else 0\n"
              "counter.write_text(str(before + 1))\n"
              "print('value', before + 10 * (not sys.dont_write_bytecode))\n")
    assert benchmarks._subprocess_median(script, [], False, folder, repeats=3, warm_up=1) == 12
    assert counter.read_text() == "4"


def test_a_script_that_fails_says_why(folder):
    script = "import sys\nraise AttributeError('no attribute session')\n"
    with pytest.raises(benchmarks.MeasurementError, match="exit code 1.*no attribute session"):
        benchmarks._subprocess_median(script, [], False, folder, repeats=1)


def test_a_script_that_prints_nothing_says_so(folder):
    with pytest.raises(benchmarks.MeasurementError, match="exit code 0.*nothing"):
        benchmarks._subprocess_median("pass", [], False, folder, repeats=1)


def test_a_figure_that_failed_carries_its_error_to_the_report_and_the_table():
    report = build_report({"gui.startup_bare_ms": 500.0},
                          {"memory.rss_mb": "the script reported no figure (exit code 1)"})
    entry = report["memory"]["rss_mb"]
    assert entry["median"] is None and "exit code 1" in entry["error"]
    json.dumps(report, allow_nan=False)
    assert "startup_bare_ms" in report["gui"] and "error" not in report["gui"]["startup_bare_ms"]
    assert benchmarks.failures(report) == [
        "memory.rss_mb could not be measured: the script reported no figure (exit code 1)"]
    assert "why: the script reported no figure (exit code 1)" in format_figures(report)


def test_bench_with_a_figure_unmeasured_fails_and_names_it(monkeypatch, capsys):
    monkeypatch.setattr(benchmarks, "engine_figures", lambda: {"engine.epoch_us": 200.0})

    def gui(display, errors):
        errors["memory.rss_mb"] = "the script reported no figure (exit code 1); it said: boom"
        return {"gui.frame_p95_ms": 10.0}
    monkeypatch.setattr(benchmarks, "gui_figures", gui)
    assert cli.main(["bench", "--json"]) == cli.EXIT_BENCH_INCOMPLETE
    out, err = capsys.readouterr()
    assert json.loads(out)["memory"]["rss_mb"]["error"].endswith("boom")
    assert "memory.rss_mb could not be measured" in err and "boom" in err


def test_a_paint_is_timed_when_its_line_is_read_not_when_the_process_ends(folder):
    """What a script does after printing ``painted`` (here: 3 s asleep) is not counted."""
    script = "import time\nprint('painted', flush=True)\ntime.sleep(3)\n"
    start = time.perf_counter()
    value = benchmarks._subprocess_median(script, [], False, folder, repeats=1)
    whole = (time.perf_counter() - start) * 1e3
    assert 0 < value <= whole - 3000


def test_bench_startup_measures_the_start_up_pairs_alone(monkeypatch, capsys):
    asked = []

    def pairs(runs, display, folder):
        asked.append((runs, display))
        return {"gui.startup_ms": 900.0, "gui.startup_bare_ms": 500.0}
    monkeypatch.setattr(benchmarks, "startup_pairs", pairs)
    monkeypatch.setattr(benchmarks, "engine_figures", lambda: pytest.fail("engine measured"))
    assert cli.main(["bench", "--startup", "7", "--json"]) == cli.EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert asked == [(7, False)]
    assert report["gui"]["startup_ms"]["median"] == 900.0
    assert report["gui"]["startup_ms"]["baseline"] == 500.0
    assert cli.main(["bench", "--startup", "7"]) == cli.EXIT_OK
    assert "1.80× (≤ 2× ok)" in capsys.readouterr().out


def test_bench_startup_needs_a_run(capsys):
    assert cli.main(["bench", "--startup", "0"]) == cli.EXIT_BAD_INPUT
    assert "--startup: the number of runs must be at least 1, got 0" in capsys.readouterr().err


def test_bench_only_measures_the_big_frames_alone(monkeypatch, capsys):
    asked = []

    def play(lesson, runs):
        asked.append((json.loads(Path(lesson).read_text(encoding="utf-8")), runs))
        return {"gui.frame_p95_ms_big": 24.0, "gui.frame_p50_ms_big": 12.0}
    monkeypatch.setattr(benchmarks, "_play_figures", play)
    monkeypatch.setattr(benchmarks, "engine_figures", lambda: pytest.fail("engine measured"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert cli.main(["bench", "--only", "gui.frame_p95_ms_big", "--json"]) == cli.EXIT_OK
    # the platform named a screen file in a folder now deleted: a later QApplication must
    # not be sent there (it aborted the next Qt test in the same process)
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    report = json.loads(capsys.readouterr().out)
    assert asked == [(benchmarks.BIG_LESSON, ((1, 300, "_big"),))]
    assert set(report["gui"]) == {"frame_p95_ms_big", "frame_p50_ms_big"}
    assert report["gui"]["frame_p95_ms_big"]["median"] == 24.0
    assert report["engine"] == {} and report["memory"] == {}


def test_bench_only_names_a_figure_it_can_measure_alone(capsys):
    assert cli.main(["bench", "--only", "engine.big_step_us"]) == cli.EXIT_BAD_INPUT
    assert "gui.frame_p95_ms_big" in capsys.readouterr().err
    assert cli.main(["bench", "--only", "gui.frame_p95_ms_big", "--startup", "3"]) == \
        cli.EXIT_BAD_INPUT
    assert "--startup and --only" in capsys.readouterr().err
