"""The figures printed by ``backprop-hiker bench``: medians, each beside a baseline from the same run.

The report has five sections (``engine``, ``gui``, ``export``, ``memory``, ``baseline``).
Every figure of the first four is ``{"median": …, "baseline": …, "baseline_name": …,
"target": …}``: the baseline is a figure of the ``baseline`` section measured in this same
run (or ``None`` where there is nothing to compare with). Baselines are the straightforward
versions a student would write first, and the floors:

- *naive*: backprop one sample at a time with ``np.outer``; one loss (or prediction) call
  per grid point;
- *textbook*: the engine's own ``Network.forward`` and ``Network.backward`` (fresh arrays
  every call, samples × neurons), which is what training ran on before the training pass;
- *floor*: straight-line numpy for one network with reused buffers and ``out=``, no
  abstraction at all: what numpy allows when written the obvious way.

Workloads. The *reference* network: 2-8-8-1 tanh, sigmoid output, mse, 200 circle points.
The *Playground's* workload: the same shape with a tanh output, batches of 10, learning
rate 0.03 on ½ squared error (``nn.ts``: error ½(a − y)², derivative a − y, averaged over
the batch). The engine's mse is the mean of (a − y)², whose gradient is twice that, so the
engine runs it with mse and learning rate 0.015: the same steps, to float rounding. The
*biggest* network: 8 hidden layers of 32 tanh neurons, 1,000 points, full-batch Adam.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from simulator.engine.datasets import make_dataset
from simulator.engine.landscape import grid_threads
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem
from simulator.engine.session import OptimizerConfig, Session
from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec

SECTIONS = ("engine", "gui", "export", "memory", "baseline")
#: the Playground's learning rate on ½ squared error, and the engine's on mse (twice the gradient)
PLAYGROUND_RATE = 0.03
ENGINE_RATE = PLAYGROUND_RATE / 2


@dataclass(frozen=True)
class Figure:
    """What one figure of the report is: its title, unit, baseline and target."""

    title: str
    unit: str
    baseline: str | None = None
    target: float | None = None
    #: when the baseline is a reference to stay near (not a version to beat): the most
    #: median ÷ baseline may be
    within: float | None = None


FIGURES: dict[str, Figure] = {
    "engine.adam_step_us": Figure("Full-batch Adam step, session with history", "µs",
                                  "baseline.adam_step_naive_us", 40.0),
    "engine.epoch_us": Figure("Playground epoch (batch 10, 200 points), engine", "µs",
                              "baseline.epoch_naive_us", 257.0),
    "engine.session_epoch_us": Figure("  the same through a session (loss curve kept)", "µs",
                                      "engine.epoch_us", None, within=1.2),
    "engine.epoch_floor_us": Figure("  straight-line numpy, reused buffers (floor)", "µs",
                                    "baseline.epoch_naive_us", None),
    "engine.landscape_100_ms": Figure("Landscape 100×100, two W1 weights, float32, 2 threads "
                                      "(wall)", "ms", "baseline.landscape_naive_100_ms", 12.0),
    "engine.landscape_100_float64_ms": Figure("  the same in float64", "ms",
                                              "baseline.landscape_naive_100_ms", 35.0),
    "engine.landscape_100_ms_1thread": Figure("  float32 on one thread (CPU)", "ms",
                                              "baseline.landscape_naive_100_ms", None),
    "engine.landscape_100_float64_ms_1thread": Figure("  float64 on one thread (CPU)", "ms",
                                                      "baseline.landscape_naive_100_ms", None),
    "engine.landscape_200_ms": Figure("Landscape 200×200, two W1 weights, float32", "ms",
                                      "baseline.landscape_naive_200_ms", None),
    "engine.landscape_last_100_ms": Figure("Landscape 100×100, two last-layer weights", "ms",
                                           "baseline.landscape_naive_100_ms", None),
    "engine.decision_grid_100_ms": Figure("Decision grid 100×100", "ms",
                                          "baseline.decision_grid_naive_100_ms", 3.0),
    "engine.big_step_us": Figure("Biggest network (8×32, 1,000 points), Adam step", "µs",
                                 "baseline.big_step_textbook_us", 2000.0),
    "gui.frame_p50_ms": Figure("Frame p50, 1 step per frame", "ms", None, None),
    "gui.frame_p95_ms": Figure("Frame p95, 1 step per frame", "ms", None, 16.7),
    "gui.frame_max_ms": Figure("Frame max, 1 step per frame", "ms", None, None),
    "gui.frame_p95_ms_10_steps": Figure("Frame p95, 10 steps per frame", "ms", None, 25.0),
    "gui.frame_p50_ms_big": Figure("Frame p50, biggest network, 1 step per frame", "ms",
                                   None, None),
    "gui.frame_p95_ms_big": Figure("Frame p95, biggest network, 1 step per frame", "ms",
                                   None, 25.0),
    "gui.startup_ms": Figure("Start to first painted window", "ms", "gui.startup_bare_ms", None,
                             within=2.0),
    "gui.startup_bare_ms": Figure("  bare PySide6 + pyqtgraph window, three docks", "ms",
                                  None, None),
    "gui.long_run_frame_end_ms": Figure("Frame after 1,000,000 steps, 100 per frame", "ms",
                                        "gui.long_run_frame_start_ms", None, within=1.5),
    "gui.long_run_frame_start_ms": Figure("  the same run's frames near its start", "ms",
                                          None, None),
    "export.png_4k_ms": Figure("3840×2160 PNG of the landscape (lesson to file, Qt loaded)", "ms", None,
                              1500.0),
    "memory.rss_mb": Figure("Resident memory, biggest network, 10,000 steps", "MB", None, 400.0),
}


# ----- workloads -------------------------------------------------------------------------

def reference_problem() -> NetworkProblem:
    """Return the reference workload: 2-8-8-1 tanh, sigmoid output, mse, 200 circle points."""
    network = Network((2, 8, 8, 1), ("tanh", "tanh"), "sigmoid", "mse")
    dataset = make_dataset("circle", 200, 0.1, seed=1, train_fraction=1.0)
    return NetworkProblem(network, dataset, network.initial_theta(3))


def playground_problem() -> NetworkProblem:
    """Return the Playground's workload: 2-8-8-1 tanh with a tanh output, labels ±1."""
    network = Network((2, 8, 8, 1), ("tanh", "tanh"), "tanh", "mse")
    dataset = make_dataset("circle", 200, 0.1, seed=1, train_fraction=1.0)
    dataset = replace(dataset, y_train=2.0 * dataset.y_train - 1.0)  # the Playground's ±1
    return NetworkProblem(network, dataset, network.initial_theta(3))


def big_problem() -> NetworkProblem:
    """Return the biggest network a lesson can build: 8 hidden layers of 32, 1,000 points."""
    network = Network((2, *[32] * 8, 1), ("tanh",) * 8, "sigmoid", "mse")
    dataset = make_dataset("circle", 1000, 0.1, seed=1, train_fraction=1.0)
    return NetworkProblem(network, dataset, network.initial_theta(3))


def _median_time(run: Callable[[], object], repeats: int, per_call: int = 1) -> float:
    """Return the median seconds of one unit of work over ``repeats`` timed calls.

    The engine's figures are timed in CPU time of this process: on a machine shared with
    other work (ours has 2 cores and several engineers), wall time counts the moments the
    process waited for a core, and the same code measured 1.5–2× slower under load. The
    engine computes on one thread (``simulator.engine.blas``), so its CPU time is the time
    it takes on a free core. The GUI's figures are wall time: a frame is what the user sees.
    """
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) / per_call)
    return statistics.median(times)


# ----- baselines -------------------------------------------------------------------------

class NaiveNetwork:
    """The baseline: textbook backprop, one sample at a time, weights as Python lists of arrays.

    The hidden layers are tanh; the output is sigmoid or tanh, the error mse.
    """

    def __init__(self, problem: NetworkProblem):
        weights, biases = problem.network.unpack(problem.start.copy())
        self.w = [w.copy() for w in weights]
        self.b = [b.copy() for b in biases]
        self.x, self.y = problem.dataset.x_train, problem.dataset.y_train
        self.tanh_output = problem.network.output_activation == "tanh"
        self.m = [np.zeros_like(p) for p in self.w + self.b]
        self.v = [np.zeros_like(p) for p in self.w + self.b]
        self.t = 0

    def gradients(self, rows) -> list[np.ndarray]:
        """Return dL/dW and dL/db for the mean squared error over some rows."""
        grads = [np.zeros_like(p) for p in self.w + self.b]
        layers = len(self.w)
        for r in rows:
            acts = [self.x[r]]
            for k in range(layers):
                z = acts[-1] @ self.w[k] + self.b[k]
                output = k == layers - 1 and not self.tanh_output
                acts.append(0.5 * (np.tanh(0.5 * z) + 1.0) if output else np.tanh(z))
            a = acts[-1]
            slope = 1 - a * a if self.tanh_output else a * (1 - a)
            delta = 2 * (a - self.y[r]) / len(rows) * slope
            for k in range(layers - 1, -1, -1):
                grads[k] += np.outer(acts[k], delta)
                grads[layers + k] += delta
                if k:
                    delta = (self.w[k] @ delta) * (1 - acts[k] ** 2)
        return grads

    def adam_step(self, lr: float = 0.03) -> None:
        """Take one full-batch Adam step."""
        self.t += 1
        params = self.w + self.b
        for p, g, m, v in zip(params, self.gradients(range(len(self.x))), self.m, self.v,
                              strict=True):
            m[:] = 0.9 * m + 0.1 * g
            v[:] = 0.999 * v + 0.001 * g * g
            p -= lr / (1 - 0.9**self.t) * m / (np.sqrt(v / (1 - 0.999**self.t)) + 1e-8)

    def sgd_epoch(self, order: np.ndarray, lr: float = ENGINE_RATE, batch: int = 10) -> None:
        """Run one epoch of mini-batch SGD on mse, in the given sample order."""
        for start in range(0, len(self.x), batch):
            params = self.w + self.b
            for p, g in zip(params, self.gradients(order[start:start + batch]), strict=True):
                p -= lr * g


def straight_line_epoch(
    problem: NetworkProblem, order: np.ndarray
) -> tuple[Callable[[], None], tuple[np.ndarray, ...]]:
    """Return one Playground epoch in plain numpy, and the weights (W1, W2, W3) it trains.

    Not a baseline to beat but the floor: the fewest numpy calls this 2-8-8-1 network
    needs per mini-batch (24), with the Playground's own rule (error ½(a − y)², derivative
    a − y averaged over the batch, learning rate 0.03, tanh everywhere) and no abstraction
    at all: every array made once and filled with ``out=``, neurons × samples, the bias as
    a last weight row against a row of ones (θ stores b[l] right after W[l], so [W; b] is
    one block of θ), and the learning rate folded into the output's delta, so the products
    write the step itself and θ moves by one add.
    """
    network = problem.network
    if network.sizes != (2, 8, 8, 1) or {*network.activations, network.output_activation} != {"tanh"}:
        raise ValueError("the straight-line epoch is written for the Playground's 2-8-8-1 tanh network")
    theta = problem.start.copy()
    x, y = problem.dataset.x_train, problem.dataset.y_train
    batch, rate = 10, np.array(PLAYGROUND_RATE / 10)  # the mean over the batch, in the rate
    # views of θ (W1 2×8, b1, W2 8×8, b2, W3 8×1, b3): [W; b]ᵀ for forward, W for backward
    s1, s2, s3 = theta[0:24].reshape(3, 8).T, theta[24:96].reshape(9, 8).T, \
        theta[96:105].reshape(9, 1).T
    w2, w3 = theta[24:88].reshape(8, 8), theta[96:104].reshape(8, 1)
    step = np.empty_like(theta)  # −rate × dE/dθ, laid out as θ
    g1, g2, g3 = step[0:24].reshape(3, 8), step[24:96].reshape(9, 8), step[96:105].reshape(9, 1)
    data = np.vstack([x.T, np.ones(len(x)), y.T])  # inputs, a row of ones, targets
    rows = np.empty((4, batch))
    inputs, targets = rows[:3], rows[3:]
    h1, h2 = np.ones((9, batch)), np.ones((9, batch))  # a1 and a2 above their row of ones
    a1, a2, a3 = h1[:8], h2[:8], np.empty((1, batch))
    e1, e2, e3 = np.empty((8, batch)), np.empty((8, batch)), np.empty((1, batch))
    t1, t2, t3 = np.empty((8, batch)), np.empty((8, batch)), np.empty((1, batch))
    one = np.array(1.0)
    batches = [order[start:start + batch] for start in range(0, len(x), batch)]
    tanh, multiply, subtract, add = np.tanh, np.multiply, np.subtract, np.add

    def epoch():
        for indices in batches:
            data.take(indices, 1, rows, "wrap")
            s1.dot(inputs, a1)
            tanh(a1, a1)
            s2.dot(h1, a2)
            tanh(a2, a2)
            s3.dot(h2, a3)
            tanh(a3, a3)
            subtract(targets, a3, e3)  # −dE/da = y − a
            multiply(a3, a3, t3)
            subtract(one, t3, t3)
            multiply(e3, t3, e3)  # · tanh′ = 1 − a²
            multiply(e3, rate, e3)  # · the rate: every product below is part of the step
            h2.dot(e3.T, g3)
            w3.dot(e3, e2)
            multiply(a2, a2, t2)
            subtract(one, t2, t2)
            multiply(e2, t2, e2)
            h1.dot(e2.T, g2)
            w2.dot(e2, e1)
            multiply(a1, a1, t1)
            subtract(one, t1, t1)
            multiply(e1, t1, e1)
            inputs.dot(e1.T, g1)
            add(theta, step, theta)
    return epoch, (theta[0:16].reshape(2, 8), theta[24:88].reshape(8, 8),
                   theta[96:104].reshape(8, 1))


def textbook_loss_and_gradient(problem: NetworkProblem, theta: np.ndarray,
                               rows: np.ndarray | None = None) -> np.ndarray:
    """Return dL/dθ through ``Network.forward`` and ``Network.backward`` (fresh arrays)."""
    network, x, y = problem.network, problem.dataset.x_train, problem.dataset.y_train
    if rows is not None:
        x, y = x[rows], y[rows]
    return network.backward(theta, network.forward(theta, x), y).flat


# ----- the engine --------------------------------------------------------------------------

def engine_figures() -> dict[str, float]:
    """Measure the engine and its baselines; return flat ``section.name`` medians."""
    figures: dict[str, float] = {}
    _adam_figures(figures)
    _epoch_figures(figures)
    _grid_figures(figures)
    _big_figures(figures)
    return figures


def _adam_figures(figures: dict[str, float]) -> None:
    problem = reference_problem()
    session = Session(problem, OptimizerConfig("adam", 0.03))
    session.step(200)  # warm up
    figures["engine.adam_step_us"] = _median_time(lambda: session.step(100), 31, 100) * 1e6
    theta, optimizer = problem.initial_theta(), OptimizerConfig("adam", 0.03).build()

    def textbook_steps():
        for _ in range(20):
            optimizer.step(theta, textbook_loss_and_gradient(problem, theta))
    figures["baseline.adam_step_textbook_us"] = _median_time(textbook_steps, 21, 20) * 1e6
    naive = NaiveNetwork(problem)
    figures["baseline.adam_step_naive_us"] = _median_time(naive.adam_step, 21) * 1e6


def _epoch_figures(figures: dict[str, float]) -> None:
    problem = playground_problem()
    order = np.random.default_rng(0).permutation(problem.sample_count)
    theta, grad = problem.initial_theta(), np.empty(problem.network.parameter_count)
    sgd = OptimizerConfig("sgd", ENGINE_RATE).build()

    def engine_epoch():
        for start in range(0, problem.sample_count, 10):
            problem.loss_and_gradient(theta, order[start:start + 10], grad)
            sgd.step(theta, grad)
    figures["engine.epoch_us"] = _median_time(engine_epoch, 101) * 1e6
    session = Session(problem, OptimizerConfig("sgd", ENGINE_RATE), batch_size=10)
    session.step(200)
    figures["engine.session_epoch_us"] = _median_time(lambda: session.step(20), 101) * 1e6
    floor_epoch, _ = straight_line_epoch(problem, order)
    figures["engine.epoch_floor_us"] = _median_time(floor_epoch, 101) * 1e6
    textbook_theta = problem.initial_theta()

    def textbook_epoch():
        for start in range(0, problem.sample_count, 10):
            textbook_theta[:] -= ENGINE_RATE * textbook_loss_and_gradient(
                problem, textbook_theta, order[start:start + 10])
    figures["baseline.epoch_textbook_us"] = _median_time(textbook_epoch, 31) * 1e6
    naive = NaiveNetwork(problem)
    figures["baseline.epoch_naive_us"] = _median_time(lambda: naive.sgd_epoch(order), 11) * 1e6


def _grid_figures(figures: dict[str, float]) -> None:
    problem = reference_problem()
    theta, network = problem.initial_theta(), problem.network

    def axes(name_x: str, name_y: str, n: int):
        ix, iy = network.index_of(name_x), network.index_of(name_y)
        return (ix, iy, np.linspace(theta[ix] - 3, theta[ix] + 3, n),
                np.linspace(theta[iy] - 3, theta[iy] + 3, n))

    first_100, first_200 = axes("W1[0,0]", "W1[1,0]", 100), axes("W1[0,0]", "W1[1,0]", 200)
    last_100 = axes("W3[0,0]", "W3[1,0]", 100)
    for key, (ix, iy, xs, ys), dtype, repeats in (
        ("engine.landscape_200_ms", first_200, np.float32, 5),
        ("engine.landscape_last_100_ms", last_100, np.float32, 11),
    ):
        problem.loss_grid(theta, ix, iy, xs, ys, dtype)  # warm up
        figures[key] = _median_time(
            lambda ix=ix, iy=iy, xs=xs, ys=ys, dtype=dtype:
            problem.loss_grid(theta, ix, iy, xs, ys, dtype), repeats) * 1e3
    # The window's fine landscape halves its points between two threads: its wall time,
    # and the one-thread figure (CPU time) measured in alternation with it
    for key, dtype in (("engine.landscape_100_ms", np.float32),
                       ("engine.landscape_100_float64_ms", np.float64)):
        with grid_threads(2):
            problem.loss_grid(theta, *first_100, dtype)  # warm up the helper's work arrays
        one, two = [], []
        for _ in range(11):
            one.append(_median_time(lambda dtype=dtype: problem.loss_grid(theta, *first_100, dtype), 1))
            with grid_threads(2):
                start = time.perf_counter()
                problem.loss_grid(theta, *first_100, dtype)
                two.append(time.perf_counter() - start)
        figures[key + "_1thread"] = statistics.median(one) * 1e3
        figures[key] = statistics.median(two) * 1e3

    def naive_landscape(ix, iy, xs, ys):
        probe = theta.copy()
        for y in ys:
            for x in xs:
                probe[ix], probe[iy] = x, y
                problem.loss(probe)
    figures["baseline.landscape_naive_100_ms"] = _median_time(
        lambda: naive_landscape(*first_100), 3) * 1e3
    figures["baseline.landscape_naive_200_ms"] = _median_time(
        lambda: naive_landscape(*first_200), 1) * 1e3

    side = np.linspace(-6.0, 6.0, 100)
    gx, gy = np.meshgrid(side, side)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    figures["engine.decision_grid_100_ms"] = _median_time(
        lambda: problem.predict(theta, points), 31) * 1e3

    def naive_decision():
        for point in points:
            problem.predict(theta, point[None, :])
    figures["baseline.decision_grid_naive_100_ms"] = _median_time(naive_decision, 3) * 1e3


def _big_figures(figures: dict[str, float]) -> None:
    problem = big_problem()
    session = Session(problem, OptimizerConfig("adam", 0.01))
    session.step(10)
    figures["engine.big_step_us"] = _median_time(lambda: session.step(5), 21, 5) * 1e6
    theta, optimizer = problem.initial_theta(), OptimizerConfig("adam", 0.01).build()
    figures["baseline.big_step_textbook_us"] = _median_time(
        lambda: optimizer.step(theta, textbook_loss_and_gradient(problem, theta)), 21) * 1e6


# ----- the GUI, export and memory -----------------------------------------------------------

BIG_LESSON = {
    "format": "backprop-hiker-lesson", "version": 1,
    "title": "The biggest network: 8 hidden layers of 32",
    "problem": {"kind": "network", "layers": [2, *[32] * 8, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "mse", "init_seed": 3,
                "dataset": {"name": "circle", "samples": 1000, "noise": 0.05, "seed": 1,
                            "train_fraction": 1.0},
                "regularization": None},
    "optimizer": {"name": "adam", "learning_rate": 0.01},
    "batch_size": None,
    "landscape": {"x": "W1[0,0]", "y": "W1[1,0]"},
}


#: the long run of issue 14 §7: the bowl is 10× steeper along w2, so at η = 0.1 each step
#: flips w2 (1 − 0.1·20 = −1) and the run neither converges nor diverges
LONG_RUN_LESSON = Lesson("long run",
                         ExpressionSpec("w1**2 + 10*w2**2", (("w1", 3.0), ("w2", 1.0))),
                         OptimizerSpec("sgd", 0.1))
#: the frames of the long run left out before its start is timed (its record's first thinning)
LONG_RUN_SETTLE = 100
LONG_RUN_TIMED = 500


#: the screen the GUI is measured on, offscreen as on a display: the size the issue names
SCREEN = (1920, 1080)


class MeasurementError(Exception):
    """A figure could not be measured; the text says why (a script's error, its last lines)."""


def _platform_env(display: bool, folder: str) -> dict[str, str]:
    """Return the environment for a GUI measurement: offscreen, or the current X display.

    Offscreen, Qt's screen is 800×800 unless told otherwise, where the window folds every
    panel into one tab group; a configuration file in ``folder`` gives it a 1920×1080
    screen, so the window is laid out as on a real display of that size. Python's bytecode
    cache is on, as for a user's every start after the first (an environment may turn it
    off with PYTHONDONTWRITEBYTECODE, and compiling our sources then costs ~0.3 s a start).
    The settings, autosaves and crash logs are kept in ``folder``: the user's own are
    neither read (an autosave would be offered in a dialog) nor reset.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # A user of its own: the app finds no autosave to offer, and keeps no layout or crash log.
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(Path(folder) / name.lower())
    if display:
        env["QT_QPA_PLATFORM"] = "xcb"
        return env
    config = Path(folder) / "offscreen-screen.json"
    width, height = SCREEN
    config.write_text(json.dumps({"screens": [{
        "name": "bench", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    return env


def _big_lesson_file(folder: str) -> str:
    path = Path(folder) / "biggest.lesson.json"
    path.write_text(json.dumps(BIG_LESSON), encoding="utf-8")
    return str(path)


def _frame_times(app, window, steps: int, frames: int) -> list[float]:
    """Return the seconds of ``frames`` play-mode frames of ``steps`` steps each."""
    controller = window.controller
    # Playing, so views behave as in play mode; the timer is slowed to 1 frame a second
    # and this loop drives the frames itself, timing each one.
    controller.set_speed(steps_per_frame=steps, fps=1)
    controller.reset()
    controller.play()
    times: list[float] = []
    while len(times) < frames:
        if not controller.playing:  # converged: start the run again, untimed
            controller.reset()
            controller.play()
            app.processEvents()
            continue
        start = time.perf_counter()
        controller.tick()
        app.processEvents()  # delivers the frame's updates and paints what changed
        times.append(time.perf_counter() - start)
    controller.pause()
    return times


def _percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(fraction * len(ordered)) - 1)]


@contextlib.contextmanager
def _gui_platform(display: bool, folder: str) -> Iterator[None]:
    """Set Qt's platform for measuring in this process, and put the caller's back after.

    Offscreen, the platform names a screen file in ``folder``, which is deleted with it: a
    QApplication made later in the same process (a test run) must not be sent there.
    """
    before = os.environ.get("QT_QPA_PLATFORM")
    os.environ["QT_QPA_PLATFORM"] = _platform_env(display, folder)["QT_QPA_PLATFORM"]
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("QT_QPA_PLATFORM", None)
        else:
            os.environ["QT_QPA_PLATFORM"] = before


def gui_figures(frames: int = 600, display: bool = False,
                errors: dict[str, str] | None = None) -> dict[str, float]:
    """Measure play-mode frames (every panel visible), start-up, the 4K export and memory.

    A figure that could not be measured is left out, and why goes in ``errors``.
    """
    errors = {} if errors is None else errors
    with tempfile.TemporaryDirectory() as folder, _gui_platform(display, folder):
        figures: dict[str, float] = {}
        reference = str(_reference_lesson())
        big = _big_lesson_file(folder)
        figures.update(_play_figures(reference, ((1, frames, ""), (10, frames, "_10_steps"))))
        figures.update(_play_figures(big, ((1, max(frames // 2, 1), "_big"),)))
        figures.update(long_run_figures())
        try:
            figures.update(startup_pairs(3, display, folder))
        except MeasurementError as exc:
            errors["gui.startup_ms"] = errors["gui.startup_bare_ms"] = str(exc)
        for key, script, args, repeats in (
            ("export.png_4k_ms", EXPORT_SCRIPT,
             [reference, str(Path(folder) / "landscape.png"), "3840x2160"], 3),
            ("memory.rss_mb", MEMORY_SCRIPT, [big, "10000"], 1),
        ):
            try:
                figures[key] = _subprocess_median(script, args, display, folder, repeats,
                                                  warm_up=1 if repeats > 1 else 0)
            except MeasurementError as exc:
                errors[key] = str(exc)
    return figures


def _play_figures(lesson: str, runs: tuple[tuple[int, int, str], ...]) -> dict[str, float]:
    """Return the frame figures of one lesson's window, every panel visible.

    Each run is (steps per frame, frames, the figures' suffix): its p95 and (but for the
    10-step run) its p50; the reference run (no suffix) also gives its slowest frame.
    """
    from simulator.ui.application import qt_application
    from simulator.ui.launch import make_window

    app = qt_application()
    figures: dict[str, float] = {}
    window = make_window(lesson, reset_layout=True)  # laid out for the screen
    window.show()
    window.docks[1].raise_()  # the network diagram, over the lesson's text
    app.processEvents()
    for steps, count, suffix in runs:
        times = _frame_times(app, window, steps, count)
        figures[f"gui.frame_p95_ms{suffix}"] = _percentile(times, 0.95) * 1e3
        if suffix != "_10_steps":
            figures[f"gui.frame_p50_ms{suffix}"] = statistics.median(times) * 1e3
        if not suffix:
            figures["gui.frame_max_ms"] = max(times) * 1e3
    window.controller.grids.cancel()
    window.controller.grids.wait()
    window.close()
    window.deleteLater()
    app.processEvents()
    return figures


def big_frame_figures(frames: int = 300, display: bool = False) -> dict[str, dict]:
    """Return a report of the biggest network's frame figures alone (p50 and p95).

    The same frames as in ``gui_figures`` (``frames`` of 1 step each, every panel
    visible, on a 1920×1080 screen), without the engine, the other GUI figures, export
    or memory: for comparing changes to the big network's frames run against run.
    """
    with tempfile.TemporaryDirectory() as folder, _gui_platform(display, folder):
        figures = _play_figures(_big_lesson_file(folder), ((1, frames, "_big"),))
    return build_report(figures)


def long_run_figures(steps: int = 1_000_000, per_frame: int = 100) -> dict[str, float]:
    """Return the median wall time of the long run's frames near its start and at its end (ms).

    The controller plays ``LONG_RUN_LESSON`` for ``steps`` steps, ``per_frame`` a frame, its
    frames published, as the play timer would (the loop ticks it, timing each tick). After
    the first ``LONG_RUN_SETTLE`` frames, ``LONG_RUN_TIMED`` frames are the start; the last
    as many are the end. ``tests/ui/test_long_run.py`` checks what would make the end
    slower (the work per frame, the arrays handed to the views); this says what it costs.
    """
    from PySide6.QtWidgets import QApplication

    from simulator.ui.controller import SessionController

    controller = SessionController()
    controller.set_lesson_now(LONG_RUN_LESSON)
    controller.set_speed(steps_per_frame=per_frame, fps=1)
    controller.play()
    times: list[float] = []
    try:
        while controller.workspace.session.step_count < steps:
            start = time.perf_counter()
            controller.tick()
            times.append(time.perf_counter() - start)
            if len(times) % LONG_RUN_TIMED == 0:
                QApplication.processEvents()  # the paced paints and grids go out meanwhile
    finally:
        controller.pause()
        controller.grids.cancel()
        controller.grids.wait()
    start = times[LONG_RUN_SETTLE:LONG_RUN_SETTLE + LONG_RUN_TIMED]
    return {"gui.long_run_frame_start_ms": statistics.median(start) * 1e3,
            "gui.long_run_frame_end_ms": statistics.median(times[-LONG_RUN_TIMED:]) * 1e3}


# Each script prints one number: what it measured. Start-up is timed from outside (process
# start to the first paint); the others time themselves.
FIRST_PAINT = """
from PySide6.QtCore import QEvent, QObject, QTimer
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, app.quit)
            self.deleteLater()
        return False
window.installEventFilter(FirstPaint(window))
window.show()
app.exec()
"""

# The app's own start (``backprop-hiker LESSON``, laid out afresh), up to its window's first
# paint: everything the app does before that is counted, the threads it starts included.
# The window is watched from when the app shows it (an application-wide filter would see
# some 20,000 events on the way, and cost the app ~0.1 s that it does not spend).
STARTUP_SCRIPT = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from simulator.ui import launch
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            os._exit(0)
        return False
show_window = launch.show_window
def watched(window, *args, **kwargs):
    window.installEventFilter(FirstPaint(window))
    show_window(window, *args, **kwargs)
launch.show_window = watched
from simulator.app import main
main([sys.argv[1], "--reset-layout"])
"""

BARE_STARTUP_SCRIPT = """
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow
app = QApplication([])
import pyqtgraph as pg
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
for title, area in (("one", Qt.DockWidgetArea.LeftDockWidgetArea),
                    ("two", Qt.DockWidgetArea.RightDockWidgetArea),
                    ("three", Qt.DockWidgetArea.BottomDockWidgetArea)):
    dock = QDockWidget(title, window)
    dock.setWidget(pg.PlotWidget())
    window.addDockWidget(area, dock)
window.resize(1600, 1000)
""" + FIRST_PAINT

EXPORT_SCRIPT = """
import sys, time
from simulator.export.command import export_lesson
import simulator.ui.figures.catalog  # Qt and pyqtgraph loaded: what is timed is the export itself
start = time.perf_counter()
export_lesson(sys.argv[1], sys.argv[2], 0, "landscape", sys.argv[3])
print("value", (time.perf_counter() - start) * 1e3)
"""

MEMORY_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from simulator.ui.launch import make_window
window = make_window(sys.argv[1], reset_layout=True)
window.show()
window.docks[1].raise_()
app.processEvents()
controller = window.controller
controller.set_speed(steps_per_frame=100, fps=1)
controller.play()
while controller.frame().step < int(sys.argv[2]) and controller.playing:
    controller.tick()
    app.processEvents()
controller.pause()
controller.grids.wait()
app.processEvents()
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print("value", int(line.split()[1]) / 1024)
controller.grids.cancel()
"""


def startup_pairs(runs: int, display: bool, folder: str) -> dict[str, float]:
    """Return the medians of the app's start-up and the bare window's over ``runs`` pairs.

    The two are started one after the other, pair after pair (after one pair not counted,
    which fills the bytecode cache), so that both meet the same load on a shared machine.
    """
    reference = str(_reference_lesson())
    env = _platform_env(display, folder)
    app, bare = [], []
    for run in range(runs + 1):
        pair = (_script_figure(STARTUP_SCRIPT, [reference], env),
                _script_figure(BARE_STARTUP_SCRIPT, [], env))
        if run:
            app.append(pair[0])
            bare.append(pair[1])
    return {"gui.startup_ms": statistics.median(app),
            "gui.startup_bare_ms": statistics.median(bare)}


def startup_figures(runs: int = 20, display: bool = False) -> dict[str, dict]:
    """Return a report of the start-up figures alone, over ``runs`` fresh-process pairs."""
    with tempfile.TemporaryDirectory() as folder:
        errors: dict[str, str] = {}
        try:
            figures = startup_pairs(runs, display, folder)
        except MeasurementError as exc:
            figures, errors = {}, {"gui.startup_ms": str(exc), "gui.startup_bare_ms": str(exc)}
    return build_report(figures, errors)


def _reference_lesson() -> Path:
    from simulator.lessons.catalog import builtin_lesson

    return builtin_lesson("14-circle-network.lesson.json")


def _subprocess_median(script: str, args: list[str], display: bool, folder: str,
                       repeats: int = 3, warm_up: int = 0) -> float:
    """Return the median of a script's figure (``_script_figure``) over fresh processes.

    With ``warm_up``, one more run goes first and is not counted (it fills the bytecode
    cache).
    """
    env = _platform_env(display, folder)
    values = [_script_figure(script, args, env) for _ in range(repeats + warm_up)]
    return statistics.median(values[warm_up:])


SCRIPT_TIMEOUT = 300  # seconds


def _script_figure(script: str, args: list[str], env: dict[str, str]) -> float:
    """Return the figure of one fresh process running a script.

    A script that prints ``value N`` reports N; one that prints ``painted`` reports the
    milliseconds from starting the process to reading that line (what comes after, such
    as the process ending, is not counted). A run that reports nothing raises
    ``MeasurementError`` with its exit code and the end of what it wrote.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", script, *args], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=errors)
        timed_out = threading.Event()
        watchdog = threading.Timer(SCRIPT_TIMEOUT, lambda: (timed_out.set(), process.kill()))
        watchdog.start()
        found, lines = None, []
        try:
            for line in process.stdout:
                line = line.rstrip("\n")
                if line.startswith("value "):
                    found = float(line.split()[1])
                elif line == "painted":
                    found = (time.perf_counter() - start) * 1e3
                lines.append(line)
            process.wait()
        finally:
            watchdog.cancel()
            process.stdout.close()
        if timed_out.is_set():
            raise MeasurementError(f"the script did not finish within {SCRIPT_TIMEOUT} s")
        errors.seek(0)
        said = errors.read().splitlines() + lines
    if found is None or not np.isfinite(found):
        said = [line for line in said if line.strip() and "propagateSizeHints" not in line]
        tail = " | ".join(said[-3:]) or "nothing"
        raise MeasurementError(f"the script reported no figure (exit code "
                               f"{process.returncode}); it said: {tail}")
    return found


# ----- the report ------------------------------------------------------------------------------

def build_report(figures: dict[str, float],
                 errors: dict[str, str] | None = None) -> dict[str, dict]:
    """Return the report's sections from flat ``section.name`` medians.

    A figure of the engine, gui, export or memory sections becomes ``{"median", "baseline",
    "baseline_name", "target"}``; a baseline stays a plain median. A figure named in
    ``errors`` could not be measured: its median is ``None`` and its ``"error"`` says why.
    """
    errors = errors or {}
    report: dict[str, dict] = {section: {} for section in SECTIONS}
    for key in errors:
        figures = {**figures, key: float("nan")}
    for key, value in figures.items():
        section, name = key.split(".", 1)
        if section == "baseline":
            report[section][name] = _rounded(value)
            continue
        spec = FIGURES.get(key, Figure(name, ""))
        base = _rounded(figures.get(spec.baseline)) if spec.baseline else None
        report[section][name] = {
            "median": _rounded(value),
            "baseline": base,
            "baseline_name": spec.baseline if base is not None else None,
            "target": spec.target,
        }
        if key in errors:
            report[section][name]["error"] = errors[key]
    return report


def failures(report: dict[str, dict]) -> list[str]:
    """Return one line per figure of the report that could not be measured, saying why."""
    return [f"{section}.{name} could not be measured: {entry['error']}"
            for section, entries in report.items() for name, entry in entries.items()
            if isinstance(entry, dict) and entry.get("error")]


def _rounded(value: float | None) -> float | None:
    """Return a figure rounded for the report; ``None`` for one that could not be measured."""
    return None if value is None or not np.isfinite(value) else round(float(value), 3)


def run_benchmarks(gui: bool = True, display: bool = False) -> dict[str, dict]:
    """Return the report (the GUI, export and memory figures only when ``gui``)."""
    figures, errors = engine_figures(), {}
    if gui:
        figures.update(gui_figures(display=display, errors=errors))
    return build_report(figures, errors)


def format_figures(report: dict[str, dict]) -> str:
    """Return the report as a table: each figure beside its baseline, the ratio and the target.

    The ratio is the speed-up over a baseline (baseline ÷ median), or, for a figure that
    should stay near a reference (the session beside the engine, the start-up beside a bare
    window), median ÷ reference, with the most it may be.
    """
    lines = [f"{'figure':<52}{'median':>12}{'baseline':>12}{'ratio':>16}{'target':>10}"]
    for key, spec in FIGURES.items():
        section, name = key.split(".", 1)
        entry = report.get(section, {}).get(name)
        if entry is None:
            continue
        value, base = entry["median"], entry["baseline"]
        unit = f" {spec.unit:<2}"
        if value is None:
            lines.append(f"{spec.title:<52}{'not measured':>12}")
            if entry.get("error"):
                lines.append(f"    why: {entry['error']}")
            continue
        row = f"{spec.title:<52}{value:>9.4g}{unit}"
        if base is not None and value and spec.within is not None:
            ratio = value / base
            verdict = "ok" if ratio <= spec.within else "over"
            row += f"{base:>9.4g}{unit}{ratio:>6.2f}× (≤ {spec.within:g}× {verdict})"
        elif base is not None and value:
            row += f"{base:>9.4g}{unit}{base / value:>8.2f}× faster"
        else:
            row += " " * 28
        if spec.target is not None:
            mark = "ok" if value <= spec.target else "over"
            row += f"{'≤ ' + format(spec.target, 'g'):>10} {mark}"
        lines.append(row.rstrip())
    if report.get("baseline"):
        lines.append("Baselines, measured in this same run:")
    for name, value in report.get("baseline", {}).items():
        shown = "not measured" if value is None else format(value, "10.4g")
        lines.append(f"  baseline.{name:<40}{shown}")
    if report.get("engine"):
        lines.append("The Playground's workload runs here with mse at learning rate 0.015, the "
                     "same steps as ½ squared error at 0.03.")
    lines.append("Engine figures are CPU time of this process (load from other processes "
                 "does not count); GUI figures are wall time.")
    return "\n".join(lines)
