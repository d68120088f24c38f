"""The figures printed by ``backprop-hiker bench``: medians, each beside a baseline from the same run.

Baselines are straightforward implementations a student would write first: backprop
one sample at a time with ``np.outer``, and a landscape that calls the loss once per
grid point. The reference workload is a 2-8-8-1 tanh network with a sigmoid output and
mse on 200 circle points.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from simulator.engine.datasets import make_dataset
from simulator.engine.functions import sigmoid
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem
from simulator.engine.session import OptimizerConfig, Session

TARGETS = {"adam_step_us": 80.0, "sgd_epoch_us": 350.0, "landscape_ms": 60.0,
           "frame_p95_1_ms": 16.7, "frame_p95_10_ms": 25.0, "startup_s": 1.5}


def reference_problem() -> NetworkProblem:
    """Return the reference workload: 2-8-8-1 tanh, sigmoid output, mse, 200 circle points."""
    network = Network((2, 8, 8, 1), ("tanh", "tanh"), "sigmoid", "mse")
    dataset = make_dataset("circle", 200, 0.1, seed=1, train_fraction=1.0)
    return NetworkProblem(network, dataset, network.initial_theta(3))


def _median_time(run: Callable[[], None], repeats: int, per_call: int = 1) -> float:
    """Return the median seconds of one unit of work over ``repeats`` timed calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / per_call)
    return statistics.median(times)


class NaiveNetwork:
    """The baseline: textbook backprop, one sample at a time, weights as Python lists of arrays."""

    def __init__(self, problem: NetworkProblem):
        weights, biases = problem.network.unpack(problem.start.copy())
        self.w = [w.copy() for w in weights]
        self.b = [b.copy() for b in biases]
        self.x, self.y = problem.dataset.x_train, problem.dataset.y_train
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
                acts.append(sigmoid(z) if k == layers - 1 else np.tanh(z))
            delta = 2 * (acts[-1] - self.y[r]) / len(rows) * acts[-1] * (1 - acts[-1])
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

    def sgd_epoch(self, lr: float = 0.03, batch: int = 10) -> None:
        """Run one epoch of mini-batch SGD."""
        for start in range(0, len(self.x), batch):
            params = self.w + self.b
            for p, g in zip(params, self.gradients(range(start, start + batch)), strict=True):
                p -= lr * g


def straight_line_epoch(
    problem: NetworkProblem, order: np.ndarray
) -> tuple[Callable[[], None], tuple[np.ndarray, ...]]:
    """Return one mini-batch SGD epoch in plain numpy, and the weights (W1, W2, W3) it trains.

    Not a baseline to beat but the floor: the least numpy can do for this network, with no
    abstraction at all, so the engine's epoch can be judged against what numpy allows.
    """
    (w1, w2, w3), (b1, b2, b3) = (tuple(p.copy() for p in part)
                                  for part in problem.network.unpack(problem.start.copy()))
    x, y = problem.dataset.x_train, problem.dataset.y_train

    def epoch():
        for start in range(0, len(x), 10):
            rows = order[start:start + 10]
            xb, yb = x[rows], y[rows]
            a1 = np.tanh(xb @ w1 + b1)
            a2 = np.tanh(a1 @ w2 + b2)
            a3 = 0.5 * (np.tanh(0.5 * (a2 @ w3 + b3)) + 1)
            d3 = (a3 - yb) * (a3 * (1 - a3)) * (2 / len(rows))
            d2 = (d3 @ w3.T) * (1 - a2 * a2)
            d1 = (d2 @ w2.T) * (1 - a1 * a1)
            for p, g in ((w3, a2.T @ d3), (b3, d3.sum(0)), (w2, a1.T @ d2), (b2, d2.sum(0)),
                         (w1, xb.T @ d1), (b1, d1.sum(0))):
                p -= 0.03 * g
    return epoch, (w1, w2, w3)


def engine_figures() -> dict[str, float]:
    """Measure the engine against the naive baseline; return the figures."""
    problem = reference_problem()
    figures: dict[str, float] = {}

    session = Session(problem, OptimizerConfig("adam", 0.03))
    session.step(200)  # warm up
    figures["adam_step_us"] = _median_time(lambda: session.step(100), 31, 100) * 1e6
    raw_theta, grad = problem.initial_theta(), np.empty(problem.network.parameter_count)
    optimizer = OptimizerConfig("adam", 0.03).build()

    def raw_steps():
        for _ in range(100):
            problem.loss_and_gradient(raw_theta, None, grad)
            optimizer.step(raw_theta, grad)
    figures["adam_step_engine_only_us"] = _median_time(raw_steps, 31, 100) * 1e6
    naive = NaiveNetwork(problem)
    figures["adam_step_naive_us"] = _median_time(naive.adam_step, 31) * 1e6

    sgd = Session(problem, OptimizerConfig("sgd", 0.03), batch_size=10)
    sgd.step(200)
    figures["sgd_epoch_us"] = _median_time(lambda: sgd.step(20), 31) * 1e6
    sgd_theta = problem.initial_theta()
    sgd_optimizer = OptimizerConfig("sgd", 0.03).build()
    order = np.random.default_rng(0).permutation(200)

    def raw_epoch():
        for start in range(0, 200, 10):
            problem.loss_and_gradient(sgd_theta, order[start:start + 10], grad)
            sgd_optimizer.step(sgd_theta, grad)
    figures["sgd_epoch_engine_only_us"] = _median_time(raw_epoch, 31) * 1e6
    figures["sgd_epoch_naive_us"] = _median_time(naive.sgd_epoch, 11) * 1e6
    floor_epoch, _ = straight_line_epoch(problem, order)
    figures["sgd_epoch_numpy_floor_us"] = _median_time(floor_epoch, 31) * 1e6

    theta = problem.initial_theta()
    ix, iy = problem.network.index_of("W1[0,0]"), problem.network.index_of("W1[1,0]")
    xs = np.linspace(theta[ix] - 3, theta[ix] + 3, 100)
    ys = np.linspace(theta[iy] - 3, theta[iy] + 3, 100)
    figures["landscape_ms"] = _median_time(  # float32: what the app draws with
        lambda: problem.loss_grid(theta, ix, iy, xs, ys, np.float32), 9) * 1e3
    figures["landscape_float64_ms"] = _median_time(
        lambda: problem.loss_grid(theta, ix, iy, xs, ys), 9) * 1e3

    def naive_landscape():
        probe = theta.copy()
        for y in ys:
            for x in xs:
                probe[ix], probe[iy] = x, y
                problem.loss(probe)
    figures["landscape_naive_ms"] = _median_time(naive_landscape, 3) * 1e3
    return figures


def gui_figures(frames: int = 600) -> dict[str, float]:
    """Measure play-mode frame times with every panel visible, and the time to first paint."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # measured offscreen, with or without a screen
    from PySide6.QtWidgets import QApplication

    from simulator.lessons.catalog import builtin_lesson
    from simulator.ui.launch import make_window

    app = QApplication.instance() or QApplication([])
    lesson = str(builtin_lesson("14-circle-network.lesson.json"))
    window = make_window(lesson, reset_layout=True)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    controller = window.controller
    figures: dict[str, float] = {}
    for steps in (1, 10):
        # Playing, so views behave as in play mode; the timer is slowed to 1 frame a second
        # and this loop drives the frames itself, timing each one.
        controller.set_speed(steps_per_frame=steps, fps=1)
        controller.reset()
        controller.play()
        times = []
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
        times.sort()
        figures[f"frame_p95_{steps}_ms"] = times[int(0.95 * len(times)) - 1] * 1e3
        figures[f"frame_median_{steps}_ms"] = statistics.median(times) * 1e3
    controller.grids.cancel()
    controller.grids.wait()
    window.close()
    figures["startup_s"] = startup_seconds()
    return figures


STARTUP_SCRIPT = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from simulator.ui.launch import make_window
window = make_window(sys.argv[1], reset_layout=True)
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


def startup_seconds(repeats: int = 3) -> float:
    """Return the median time from starting a process to the first painted main window."""
    from simulator.lessons.catalog import builtin_lesson

    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT,
                              str(builtin_lesson("14-circle-network.lesson.json"))],
                             capture_output=True, text=True, env=env, timeout=60)
        if "painted" in out.stdout:
            times.append(time.perf_counter() - start)
    return statistics.median(times) if times else float("nan")


def run_benchmarks(gui: bool = True) -> dict[str, float]:
    """Return every figure (the GUI ones only when asked)."""
    figures = engine_figures()
    if gui:
        figures.update(gui_figures())
    return {k: round(v, 3) for k, v in figures.items()}


def format_figures(figures: dict[str, float]) -> str:
    """Return the figures as a table: each beside its baseline and target."""
    rows = [
        ("Full-batch Adam step (session)", "adam_step_us", "µs", "adam_step_naive_us"),
        ("  engine only (no history)", "adam_step_engine_only_us", "µs", "adam_step_naive_us"),
        ("Mini-batch SGD epoch, batch 10", "sgd_epoch_us", "µs", "sgd_epoch_naive_us"),
        ("  engine only (no history)", "sgd_epoch_engine_only_us", "µs", "sgd_epoch_naive_us"),
        ("  numpy floor (straight-line code)", "sgd_epoch_numpy_floor_us", "µs", "sgd_epoch_naive_us"),
        ("Landscape 100×100, two W1 weights", "landscape_ms", "ms", "landscape_naive_ms"),
        ("  in float64", "landscape_float64_ms", "ms", "landscape_naive_ms"),
        ("GUI frame p95, 1 step/frame", "frame_p95_1_ms", "ms", None),
        ("GUI frame p95, 10 steps/frame", "frame_p95_10_ms", "ms", None),
        ("Start to first painted window", "startup_s", "s", None),
    ]
    lines = [f"{'figure':<36}{'median':>12}{'baseline':>12}{'speed-up':>10}{'target':>10}"]
    for title, key, unit, base in rows:
        if key not in figures:
            continue
        value = figures[key]
        target = TARGETS.get(key)
        base_value = figures.get(base) if base else None
        lines.append(
            f"{title:<36}{value:>9.3g} {unit:<2}"
            + (f"{base_value:>9.4g} {unit:<2}{base_value / value:>9.1f}×" if base_value else " " * 22)
            + (f"{'≤ ' + format(target, 'g'):>10}" if target and key in TARGETS else ""))
    lines.append("Baselines: backprop one sample at a time (np.outer) and one loss call per grid "
                 "point, run in this same process.")
    return "\n".join(lines)
