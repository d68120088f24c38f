"""The controller: owns the session, the play timer, undo, and the background grids.

Views ask it for changes (``set_learning_rate``, ``set_weight``, ``add_neuron``…) and
listen to its signals; they never talk to each other. Every signal carries frozen data
(``Snapshot``, ``ProblemInfo``, ``Axes``, ``LandscapeGrid``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from simulator.engine.landscape import filter_normalized_directions, pca_directions
from simulator.engine.network import MAX_HIDDEN_LAYERS, MAX_NEURONS
from simulator.engine.optimizers import OPTIMIZERS, OptimizerError
from simulator.engine.problems import NetworkProblem
from simulator.engine.session import OptimizerConfig, Session, Snapshot
from simulator.lessons.building import build_problem, landscape_axes, optimizer_config
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, save_lesson
from simulator.lessons.model import (
    DatasetSpec,
    ExpressionSpec,
    Lesson,
    NetworkSpec,
    OptimizerSpec,
    as_tuples,
)
from simulator.workspace.frames import Axes, LandscapeGrid, ProblemInfo, Racer
from simulator.workspace.surface_scale import surface_contours

from .grids import GridService

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
COARSE, FINE, CURVE_POINTS = 25, 101, 400
PLAYING_GRID = 51  # a moving slice is redrawn at this size while playing, fine when paused
MOVING_GRID_MS = 500  # how often a moving slice and the decision map refresh while playing
CONVERGED_GRADIENT = 1e-5
RACE_COLOURS = 6


def _short(value: float) -> str:
    return f"{value:.3g}"


def describe_divergence(snap: Snapshot) -> str:
    """Return a sentence that explains a divergence in words (no NaN in it)."""
    lr = snap.config.learning_rate
    if snap.diverged_loss is not None:
        grew = f"the loss went from {_short(snap.start_loss)} to {snap.diverged_loss:.3g}"
    else:
        grew = (f"the loss went from {_short(snap.start_loss)} past the largest number "
                f"a computer can hold")
    return (f"Diverged at step {snap.diverged_at}: with learning rate {lr:g} each step "
            f"overshoots the valley; {grew}. Rewind or lower the learning rate.")


class _Edit(QUndoCommand):
    """An undoable change: two callables that put the model in the new or the old state."""

    def __init__(self, text: str, do, undo):
        super().__init__(text)
        self._do, self._undo = do, undo

    def redo(self) -> None:
        self._do()

    def undo(self) -> None:
        self._undo()


class SessionController(QObject):
    """One place that changes the model; views subscribe to its signals.

    Signals
    -------
    problemChanged(ProblemInfo)
        A new problem (lesson loaded, network reshaped, dataset or formula changed).
    snapshotChanged(Snapshot)
        θ, loss, step or settings changed (once per play tick).
    axesChanged(Axes)
        The landscape's axes changed.
    landscapeReady(LandscapeGrid)
        A background landscape grid arrived (coarse, then fine).
    decisionReady(object)
        (xs, ys, outputs) of the network over the input plane, for the data view.
    playingChanged(bool), speedChanged(int, int)
        Play state; steps per frame and frames per second.
    raceChanged(list)
        The racers (``Racer``) after each tick of a race; an empty list when none.
    message(str, str)
        A message for the user: (level, text), level "info", "warning" or "error".
    """

    problemChanged = Signal(object)
    snapshotChanged = Signal(object)
    axesChanged = Signal(object)
    landscapeReady = Signal(object)
    decisionReady = Signal(object)
    playingChanged = Signal(bool)
    speedChanged = Signal(int, int)
    raceChanged = Signal(list)
    message = Signal(str, str)
    fileChanged = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.grids = GridService(self)
        self.grids.ready.connect(self._grid_ready)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self.steps_per_frame = 1
        self.fps = 30
        self._timer.setInterval(1000 // self.fps)
        self.lesson: Lesson | None = None
        self.problem = None
        self.session: Session | None = None
        self.axes: Axes | None = None
        self.path: str | None = None
        self.racers: list[tuple[str, Session]] = []
        self._racer_state: dict[int, str] = {}
        self._last_landscape_theta: np.ndarray | None = None
        self._landscape_due = False
        self._landscape_timer = QTimer(self)
        self._landscape_timer.setSingleShot(True)
        self._landscape_timer.setInterval(MOVING_GRID_MS)
        self._landscape_timer.timeout.connect(self._refresh_while_playing)
        self._in_flight: set[str] = set()  # grid channels with a request not yet delivered

    # ----- loading ----------------------------------------------------------------------

    def open_file(self, path: str) -> bool:
        """Load a lesson file; on a bad file show a message and keep the current lesson."""
        try:
            lesson = load_lesson(path)
            self.set_lesson(lesson, clear_undo=True)
        except LessonError as exc:
            name = Path(path).name
            self.message.emit("error", f"Could not open {name}: {exc}")
            return False
        self.path = str(path)
        self.fileChanged.emit(self.path)
        return True

    def save_file(self, path: str) -> bool:
        """Save the current state as a lesson (weights included), atomically."""
        try:
            save_lesson(self.current_lesson(), path)
        except OSError as exc:
            self.message.emit("error", f"Could not save {Path(path).name}: {exc.strerror or exc}")
            return False
        self.path = str(path)
        self.fileChanged.emit(self.path)
        self.undo_stack.setClean()
        self.message.emit("info", f"Saved {Path(path).name}")
        return True

    def current_lesson(self) -> Lesson:
        """Return the lesson as it stands now: settings and the current θ as its start."""
        lesson, session = self.lesson, self.session
        o = session.config
        lesson = replace(lesson, optimizer=OptimizerSpec(o.name, o.learning_rate, o.hyper),
                         batch_size=session.batch_size)
        if self.axes is not None and self.axes.kind == "parameters" and not self.axes.is_curve:
            lesson = replace(lesson, landscape=(self.problem.names[self.axes.x],
                                                self.problem.names[self.axes.y]))
        return lesson.with_problem(self._spec_with_theta(lesson.problem, session.theta))

    def _spec_with_theta(self, spec, theta: np.ndarray):
        if isinstance(spec, NetworkSpec):
            weights, biases = self.problem.network.unpack(theta)
            return replace(spec, weights=as_tuples([w.tolist() for w in weights]),
                           biases=as_tuples([b.tolist() for b in biases]))
        return replace(spec, start=tuple(zip(self.problem.names, theta.tolist(), strict=True)))

    def set_lesson(self, lesson: Lesson, clear_undo: bool = False, keep_axes: bool = False,
                   config: OptimizerConfig | None = None, batch_size: int | None = ...) -> None:
        """Start a fresh session on a lesson (raises ``LessonError`` if it cannot be built)."""
        problem = build_problem(lesson.problem)
        config = optimizer_config(lesson) if config is None else config
        batch = lesson.batch_size if batch_size is ... else batch_size
        old_axes = self.axes
        if keep_axes and old_axes is not None and old_axes.kind == "parameters" \
                and max(old_axes.x, old_axes.y) < len(problem.names):
            axes = (old_axes.x, old_axes.y)
        else:
            axes = landscape_axes(lesson, problem)  # checked before anything changes
        self.pause()
        self.stop_race()
        self.grids.cancel()
        self._in_flight.clear()
        self.lesson, self.problem = lesson, problem
        self.session = Session(problem, config, batch)
        if clear_undo:
            self.undo_stack.clear()
        self.problemChanged.emit(ProblemInfo(lesson, problem, tuple(problem.names)))
        self._set_parameter_axes(*axes)
        self._emit_snapshot()
        self._refresh_decision()

    def replay_state(self) -> None:
        """Emit the whole current state again (for views created after the lesson)."""
        if self.session is None:
            return
        self.problemChanged.emit(ProblemInfo(self.lesson, self.problem, tuple(self.problem.names)))
        self.axesChanged.emit(self.axes)
        self.speedChanged.emit(self.steps_per_frame, self.fps)
        self._emit_snapshot()
        self._refresh_landscape(force=True)
        self._refresh_decision()

    # ----- stepping and playing ---------------------------------------------------------

    @property
    def playing(self) -> bool:
        """Return whether the play timer runs."""
        return self._timer.isActive()

    def play(self) -> None:
        """Start stepping on the timer (does nothing once diverged, until rewound)."""
        if self.playing or self.session is None:
            return
        if self.session.status == "diverged" and not self.racers:
            self.message.emit("warning", describe_divergence(self.session.snapshot()))
            return
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        """Stop the play timer."""
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)
            self._refresh_moving_grids()

    def toggle_play(self) -> None:
        """Play when paused, pause when playing."""
        self.pause() if self.playing else self.play()

    def tick(self) -> None:
        """One frame of play: k engine steps, then one signal."""
        if self.racers:
            self._race_tick()
            return
        session = self.session
        session.step(self.steps_per_frame)
        snap = self._emit_snapshot()
        if snap.status == "diverged":
            self.pause()
        elif snap.gradient_norm < CONVERGED_GRADIENT:
            self.pause()
            self.message.emit("info", f"Converged at step {snap.step}: the slope is flat "
                                      f"(|∇L| = {snap.gradient_norm:.2g}).")
        self._schedule_moving_grids()

    def step(self) -> None:
        """Take one optimizer step (Right arrow)."""
        if self.session.status == "diverged":
            self.message.emit("warning", describe_divergence(self.session.snapshot()))
            return
        self.session.step(1)
        self._emit_snapshot()
        self._refresh_moving_grids()

    def step_back(self) -> None:
        """Go back one step, exactly (Left arrow)."""
        target = self.session.step_count - 1
        if target < self.session.earliest_step:
            self.message.emit("info", "This is the first step: there is nothing before it.")
            return
        self.seek(target)

    def seek(self, step: int) -> None:
        """Put the run in its exact state at a recorded step (the history slider)."""
        self.pause()
        session = self.session
        step = int(np.clip(step, session.earliest_step, session.furthest_step))
        session.seek(step)
        self._emit_snapshot()
        self._refresh_moving_grids()

    def reset(self) -> None:
        """Back to step 0 of this run (R)."""
        self.pause()
        if self.racers:
            self.start_race([(label, s.config) for label, s in self.racers])
            return
        self.session.reset()
        self._emit_snapshot()
        self._refresh_moving_grids()

    def set_speed(self, steps_per_frame: int | None = None, fps: int | None = None) -> None:
        """Set steps per frame and frames per second (separate settings)."""
        if steps_per_frame is not None:
            self.steps_per_frame = int(np.clip(steps_per_frame, 1, 10_000))
        if fps is not None:
            self.fps = int(np.clip(fps, 1, 120))
            self._timer.setInterval(max(1, round(1000 / self.fps)))
        self.speedChanged.emit(self.steps_per_frame, self.fps)

    def faster(self) -> None:
        """Next speed up (+)."""
        higher = [s for s in SPEEDS if s > self.steps_per_frame]
        self.set_speed(higher[0] if higher else self.steps_per_frame)

    def slower(self) -> None:
        """Next speed down (−)."""
        lower = [s for s in SPEEDS if s < self.steps_per_frame]
        self.set_speed(lower[-1] if lower else self.steps_per_frame)

    def _emit_snapshot(self) -> Snapshot:
        snap = self.session.snapshot()
        self.snapshotChanged.emit(snap)
        return snap

    def snapshot(self) -> Snapshot:
        """Return the current snapshot (for a view that starts late)."""
        return self.session.snapshot()

    def loss_history(self):
        """Return (steps, train loss, test loss) recorded so far."""
        return self.session.loss_history()

    def path_history(self):
        """Return (steps, θ per step) of the path so far, thinned for long runs."""
        return self.session.path_history()

    # ----- optimizer settings (take effect at once, reset nothing) ----------------------------

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate from this step on."""
        self._set_config(replace(self.session.config, learning_rate=float(lr)))

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer from this step on (the new one starts without memory)."""
        if name == self.session.config.name:
            return
        hyper = {k: v for k, v in self.session.config.hyper if k in OPTIMIZERS[name].hyper}
        self._set_config(OptimizerConfig(name, self.session.config.learning_rate,
                                         tuple(sorted(hyper.items()))))

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyper-parameter of the current optimizer (momentum, β₁…)."""
        self._set_config(self.session.config.with_hyper(**{key: float(value)}))

    def _set_config(self, config: OptimizerConfig) -> None:
        try:
            config.build()
        except OptimizerError as exc:
            self.message.emit("error", str(exc))
            self._emit_snapshot()
            return
        if config == self.session.config:
            return
        self.session.set_config(config)
        self._emit_snapshot()

    def set_batch_size(self, batch_size: int | None) -> None:
        """Change the batch size (``None``: full batch) from this step on."""
        if batch_size == self.session.batch_size:
            return
        self.session.set_batch_size(batch_size)
        self._emit_snapshot()

    # ----- editing θ (undoable) ----------------------------------------------------------------

    def set_parameters(self, values: dict[int, float], text: str) -> None:
        """Set some entries of θ as one undoable edit (moves the hiker, resets the optimizer)."""
        values = {int(k): float(v) for k, v in values.items()}
        if not all(math.isfinite(v) for v in values.values()):
            self.message.emit("error", "A parameter must be a finite number.")
            return
        old = {k: float(self.session.theta[k]) for k in values}
        session = self.session

        def apply(vals):
            def run():
                if self.session is not session:
                    return
                theta = self.session.theta.copy()
                for k, v in vals.items():
                    theta[k] = v
                self.session.set_theta(theta)
                self._emit_snapshot()
                self._refresh_moving_grids()
            return run

        self.undo_stack.push(_Edit(text, apply(values), apply(old)))

    def set_weight(self, index: int, value: float) -> None:
        """Set one weight or bias (undoable: “Set W2[1,0] to 0.5”)."""
        name = self.problem.names[index]
        self.set_parameters({index: value}, f"Set {name} to {value:.4g}")

    def move_hiker(self, x: float, y: float) -> None:
        """Put the hiker at (x, y) on the landscape's axes (undoable)."""
        axes = self.axes
        if axes.kind == "parameters":
            values = {axes.x: x} if axes.is_curve else {axes.x: x, axes.y: y}
        else:
            theta = axes.origin + x * axes.directions[0] + y * axes.directions[1]
            changed = np.flatnonzero(theta != self.session.theta)
            values = {int(k): float(theta[k]) for k in changed}
        label = ", ".join(f"{self.problem.names[k]}={v:.3g}" for k, v in list(values.items())[:2])
        self.set_parameters(values, f"Move hiker to {label}")

    # ----- changing the problem (undoable; starts a new run) -------------------------------------

    def change_problem(self, spec, text: str, keep_weights: bool = True) -> bool:
        """Replace the problem spec as one undoable edit; False (and a message) if it is invalid."""
        old_lesson = self.current_lesson()
        new_lesson = old_lesson.with_problem(spec)
        if type(spec) is not type(old_lesson.problem):  # the old axes name the old parameters
            new_lesson = replace(new_lesson, landscape=None)
        if not keep_weights and isinstance(spec, NetworkSpec):
            new_lesson = new_lesson.with_problem(replace(spec, weights=None, biases=None))
        try:
            build_problem(new_lesson.problem)
        except LessonError as exc:
            self.message.emit("error", str(exc).removeprefix("problem: "))
            return False
        config, batch = self.session.config, self.session.batch_size

        def go(lesson):
            return lambda: self.set_lesson(lesson, keep_axes=True, config=config, batch_size=batch)

        self.undo_stack.push(_Edit(text, go(new_lesson), go(old_lesson)))
        return True

    def _network_spec(self) -> NetworkSpec | None:
        spec = self.current_lesson().problem
        if not isinstance(spec, NetworkSpec):
            self.message.emit("warning", "This lesson's problem is a formula, not a network.")
            return None
        return spec

    def add_neuron(self, layer: int) -> bool:
        """Add a neuron to hidden layer ``layer`` (1-based), keeping every existing weight."""
        spec = self._network_spec()
        if spec is None:
            return False
        sizes = list(spec.layers)
        if not 1 <= layer < len(sizes) - 1:
            return False
        if sizes[layer] >= MAX_NEURONS:
            self.message.emit("warning", f"Layer {layer} already has {MAX_NEURONS} neurons, "
                                         "the most a layer can have.")
            return False
        rng = np.random.default_rng(spec.init_seed + 7919 * sum(sizes))
        weights, biases = _arrays(spec)
        n_in = sizes[layer - 1]
        weights[layer - 1] = np.column_stack(
            [weights[layer - 1], rng.normal(0, np.sqrt(1.0 / n_in), n_in)])
        biases[layer - 1] = np.append(biases[layer - 1], 0.0)
        weights[layer] = np.vstack(
            [weights[layer], rng.normal(0, np.sqrt(1.0 / (sizes[layer] + 1)), sizes[layer + 1])])
        sizes[layer] += 1
        return self.change_problem(self._reshaped(spec, sizes, spec.activation, weights, biases),
                                   f"Add a neuron to layer {layer}")

    def remove_neuron(self, layer: int, neuron: int | None = None) -> bool:
        """Remove a neuron (the last, by default) from a hidden layer; only its weights go."""
        spec = self._network_spec()
        if spec is None:
            return False
        sizes = list(spec.layers)
        if not 1 <= layer < len(sizes) - 1:
            return False
        if sizes[layer] <= 1:
            self.message.emit("warning", f"Layer {layer} has one neuron; remove the layer instead.")
            return False
        j = sizes[layer] - 1 if neuron is None else int(neuron)
        weights, biases = _arrays(spec)
        weights[layer - 1] = np.delete(weights[layer - 1], j, axis=1)
        biases[layer - 1] = np.delete(biases[layer - 1], j)
        weights[layer] = np.delete(weights[layer], j, axis=0)
        sizes[layer] -= 1
        return self.change_problem(self._reshaped(spec, sizes, spec.activation, weights, biases),
                                   f"Remove neuron {j} from layer {layer}")

    def add_layer(self) -> bool:
        """Add a hidden layer before the output (as wide as the last hidden layer, or 4)."""
        spec = self._network_spec()
        if spec is None:
            return False
        sizes = list(spec.layers)
        if len(sizes) - 2 >= MAX_HIDDEN_LAYERS:
            self.message.emit("warning", f"The network already has {MAX_HIDDEN_LAYERS} hidden "
                                         "layers, the most it can have.")
            return False
        width = sizes[-2] if len(sizes) > 2 else 4
        rng = np.random.default_rng(spec.init_seed + 104729 * len(sizes))
        weights, biases = _arrays(spec)
        # The new layer sits before the output: the old output weights now feed from it.
        weights.insert(-1, rng.normal(0, np.sqrt(1.0 / sizes[-2]), (sizes[-2], width)))
        biases.insert(-1, np.zeros(width))
        weights[-1] = rng.normal(0, np.sqrt(1.0 / width), (width, sizes[-1]))
        sizes.insert(-1, width)
        activation = (*spec.activation, spec.activation[-1] if spec.activation else "tanh")
        return self.change_problem(self._reshaped(spec, sizes, activation, weights, biases),
                                   f"Add hidden layer {len(sizes) - 2}")

    def remove_layer(self) -> bool:
        """Remove the last hidden layer (the output then reads the layer before it)."""
        spec = self._network_spec()
        if spec is None:
            return False
        sizes = list(spec.layers)
        if len(sizes) <= 2:
            self.message.emit("warning", "There is no hidden layer to remove.")
            return False
        rng = np.random.default_rng(spec.init_seed + 15485863 * len(sizes))
        weights, biases = _arrays(spec)
        weights, biases = weights[:-2], biases[:-2] + [biases[-1]]
        weights.append(rng.normal(0, np.sqrt(1.0 / sizes[-3]), (sizes[-3], sizes[-1])))
        removed = len(sizes) - 2
        del sizes[-2]
        return self.change_problem(
            self._reshaped(spec, sizes, spec.activation[:-1], weights, biases),
            f"Remove hidden layer {removed}")

    @staticmethod
    def _reshaped(spec: NetworkSpec, sizes, activation, weights, biases) -> NetworkSpec:
        return replace(spec, layers=tuple(sizes), activation=tuple(activation),
                       weights=as_tuples([w.tolist() for w in weights]),
                       biases=as_tuples([b.tolist() for b in biases]))

    def set_layer_activation(self, layer: int, name: str) -> bool:
        """Set the activation of one hidden layer (1-based)."""
        spec = self._network_spec()
        if spec is None or not 1 <= layer <= len(spec.activation):
            return False
        acts = list(spec.activation)
        if acts[layer - 1] == name:
            return False
        acts[layer - 1] = name
        return self.change_problem(replace(spec, activation=tuple(acts)),
                                   f"Layer {layer} activation: {name}")

    def set_network_option(self, text: str, **changes) -> bool:
        """Change network fields (activation for all layers, output_activation, loss, …)."""
        spec = self._network_spec()
        if spec is None:
            return False
        if "activation" in changes and isinstance(changes["activation"], str):
            changes["activation"] = (changes["activation"],) * len(spec.activation)
        new = replace(spec, **changes)
        if new == spec:
            return False
        return self.change_problem(new, text)

    def set_dataset(self, **changes) -> bool:
        """Change the dataset (name, samples, noise, seed, train_fraction): a new run."""
        spec = self._network_spec()
        if spec is None:
            return False
        dataset = replace(spec.dataset, **changes)
        if "name" in changes and changes["name"] is not None:
            dataset = replace(dataset, points=None)
        return self.change_problem(replace(spec, dataset=dataset), "Change dataset")

    def regenerate_dataset(self) -> bool:
        """Draw the dataset again with the next seed."""
        spec = self._network_spec()
        if spec is None:
            return False
        return self.set_dataset(seed=spec.dataset.seed + 1)

    def add_point(self, *values: float) -> bool:
        """Add a training point: its inputs then its target (x₁, x₂, class or x, y).

        A generated dataset becomes explicit points, its test points kept apart.
        """
        spec = self._network_spec()
        if spec is None:
            return False
        train, test = self._points(spec)
        row = tuple(float(v) for v in values)
        if len(row) != len(train[0]):
            self.message.emit("error", f"A point of this dataset has {len(train[0])} values, "
                                       f"got {len(row)}.")
            return False
        return self.change_problem(
            replace(spec, dataset=DatasetSpec(name=None, points=train + (row,), test_points=test)),
            "Add a point")

    def remove_point(self, index: int) -> bool:
        """Remove a point: an index into the training points, then the test points."""
        spec = self._network_spec()
        if spec is None:
            return False
        train, test = (list(p) for p in self._points(spec))
        if not 0 <= index < len(train) + len(test):
            return False
        if index < len(train):
            if len(train) <= 1:
                self.message.emit("warning", "The last training point cannot be removed.")
                return False
            del train[index]
        else:
            del test[index - len(train)]
        return self.change_problem(
            replace(spec, dataset=DatasetSpec(name=None, points=tuple(train),
                                              test_points=tuple(test))), "Remove a point")

    def _points(self, spec: NetworkSpec) -> tuple[tuple, tuple]:
        """Return the (training, test) rows of the dataset now in use."""
        if spec.dataset.points is not None:
            return spec.dataset.points, spec.dataset.test_points
        d = self.problem.dataset
        return (as_tuples(np.column_stack([d.x_train, d.y_train]).tolist()),
                as_tuples(np.column_stack([d.x_test, d.y_test]).tolist()))

    def set_formula(self, text: str, start: dict[str, float] | None = None,
                    ranges: dict | None = None) -> str | None:
        """Descend a typed formula; return an error message (shown under the field) or None."""
        from simulator.symbolic.parsing import FormulaError, parse_formula

        try:
            formula = parse_formula(text)
        except FormulaError as exc:
            return str(exc)
        variables = [str(v) for v in formula.variables]
        if not 1 <= len(variables) <= 2:
            return (f"a formula for the hiker needs one or two variables, "
                    f"got {len(variables)}: {', '.join(variables) or 'none'}")
        old = self.lesson.problem
        old_start = dict(old.start) if isinstance(old, ExpressionSpec) else {}
        start = start or {v: old_start.get(v, 1.0) for v in variables}
        ranges = ranges or {v: (start[v] - 4.0, start[v] + 4.0) for v in variables}
        spec = ExpressionSpec(text, tuple(start.items()), tuple(ranges.items()))
        try:
            build_problem(spec)
        except LessonError as exc:
            return str(exc).split(": ", 1)[-1]
        self.change_problem(spec, f"Formula {text}")
        return None

    def set_surface(self, name: str) -> bool:
        """Descend a built-in surface with its own start, range and learning rate."""
        from simulator.symbolic.surfaces import SURFACES

        s = SURFACES[name]
        spec = ExpressionSpec(s.expression, tuple(zip(s.variables, s.start, strict=True)),
                              tuple(zip(s.variables, map(tuple, s.ranges), strict=True)), name)
        lesson = Lesson(s.title, spec, OptimizerSpec("sgd", s.learning_rate), None, None,
                        s.description)
        old = self.current_lesson()
        self.undo_stack.push(_Edit(f"Surface {s.title}", lambda: self.set_lesson(lesson),
                                   lambda: self.set_lesson(old)))
        return True

    def set_network_problem(self, lesson: Lesson) -> None:
        """Switch to a network lesson (undoable)."""
        old = self.current_lesson()
        self.undo_stack.push(_Edit(f"Network {lesson.title}", lambda: self.set_lesson(lesson),
                                   lambda: self.set_lesson(old)))

    # ----- landscape axes and grids ---------------------------------------------------------

    def set_axes(self, x: int, y: int) -> None:
        """Draw the landscape over two parameters (θ indices)."""
        if x == y and len(self.problem.names) > 1:
            self.message.emit("warning", "Choose two different parameters for the axes.")
            return
        self._set_parameter_axes(x, y)

    def set_axis(self, which: str, index: int) -> None:
        """Use one parameter as the landscape's X or Y axis (the other stays)."""
        axes = self.axes
        x, y = (axes.x, axes.y) if axes.kind == "parameters" else (0, 1)
        if which == "x":
            x = index if index != y else x
            y = y if index != y else axes.x
        else:
            y = index if index != x else y
            x = x if index != x else axes.y
        self._set_parameter_axes(x, y)

    def _set_parameter_axes(self, x: int, y: int) -> None:
        names = self.problem.names
        theta = self.session.theta
        if isinstance(self.problem, NetworkProblem):
            def span(k):
                half = max(2.0, 2.0 * abs(theta[k]))
                return (float(theta[k] - half), float(theta[k] + half))
            x_range, y_range = span(x), span(y)
        else:
            ranges = self.problem.ranges
            x_range, y_range = tuple(ranges[x]), tuple(ranges[y])
        self.axes = Axes("parameters", x, y, (names[x], names[y]), x_range, y_range)
        self._after_axes()

    def set_direction_axes(self, kind: str, seed: int = 0) -> bool:
        """Draw the landscape along two directions: ``"random"`` or ``"pca"`` of the path."""
        theta = self.session.theta.copy()
        if kind == "random":
            if isinstance(self.problem, NetworkProblem):
                d1, d2 = filter_normalized_directions(self.problem.network, theta, seed)
            else:
                rng = np.random.default_rng(seed)
                d1, d2 = rng.normal(size=theta.size), rng.normal(size=theta.size)
            extent = (-1.0, 1.0)
            x_range = y_range = extent
        else:
            _, path = self.session.path_history()
            if len(path) < 3:
                self.message.emit("warning", "Take a few steps first: PCA needs a path.")
                return False
            d1, d2, coords = pca_directions(path)
            pad_x = max(1e-3, np.ptp(coords[:, 0])) * 0.6
            pad_y = max(1e-3, np.ptp(coords[:, 1]), pad_x * 0.2) * 0.6
            x_range = (float(coords[:, 0].min() - pad_x), float(coords[:, 0].max() + pad_x))
            y_range = (float(coords[:, 1].min() - pad_y), float(coords[:, 1].max() + pad_y))
        labels = ("direction 1", "direction 2") if kind == "random" else ("PC 1", "PC 2")
        self.axes = Axes(kind, -1, -1, labels, x_range, y_range, (d1, d2), theta)
        self._after_axes()
        return True

    def _after_axes(self) -> None:
        self.axesChanged.emit(self.axes)
        self._refresh_landscape(force=True)

    def _landscape_stages(self, axes: Axes, theta: np.ndarray):
        problem = self.problem
        if axes.is_curve:
            xs = np.linspace(*axes.x_range, CURVE_POINTS)

            def curve():
                with np.errstate(all="ignore"):
                    z = problem.loss_curve(xs) if hasattr(problem, "loss_curve") else \
                        np.array([problem.loss(np.array([v])) for v in xs])
                return LandscapeGrid(axes, xs, np.zeros(0), z[None, :], True)
            return [curve]

        if axes.kind == "parameters":
            ax, ay, origin = axes.x, axes.y, theta
        else:
            ax, ay = axes.directions
            origin = axes.origin  # direction grids are offsets from the plane's origin

        def grid(n, fine):
            def run():
                xs = np.linspace(*axes.x_range, n)
                ys = np.linspace(*axes.y_range, n)
                with np.errstate(all="ignore"):
                    z = np.ascontiguousarray(problem.loss_grid(origin, ax, ay, xs, ys, np.float32),
                                             dtype=np.float32)
                return LandscapeGrid(axes, xs, ys, z, fine, surface_contours(xs, ys, z))
            return run
        if self.playing:  # a quick frame of a moving slice; the fine grid comes on pause
            return [grid(PLAYING_GRID, False)]
        return [grid(COARSE, False), grid(FINE, True)]

    def _follow_hiker(self, theta: np.ndarray) -> bool:
        """Recentre a network slice's axes on the hiker when it walks off the edge."""
        axes = self.axes
        if not isinstance(self.problem, NetworkProblem) or axes.kind != "parameters":
            return False
        x, y = axes.project(theta)

        def recentred(value, span):
            low, high = span
            margin = 0.05 * (high - low)
            if low + margin <= value <= high - margin:
                return span
            half = max(0.5 * (high - low), 2.0 * abs(value))
            return (value - half, value + half)

        x_range, y_range = recentred(x, axes.x_range), recentred(y, axes.y_range)
        if (x_range, y_range) == (axes.x_range, axes.y_range):
            return False
        self.axes = replace(axes, x_range=x_range, y_range=y_range)
        self.axesChanged.emit(self.axes)
        return True

    def _refresh_landscape(self, force: bool = False) -> None:
        theta = self.session.theta.copy()
        force = self._follow_hiker(theta) or force
        if not force and not isinstance(self.problem, NetworkProblem):
            return  # a formula's landscape never moves
        if not force and self.axes.kind != "parameters":
            return  # direction planes are fixed through their origin
        if not force and self._last_landscape_theta is not None and \
                np.array_equal(self._last_landscape_theta, theta):
            return
        self._last_landscape_theta = theta
        self._in_flight.add("landscape")
        self.grids.request("landscape", self._landscape_stages(self.axes, theta))

    def _refresh_decision(self) -> None:
        if not isinstance(self.problem, NetworkProblem):
            return
        problem, theta = self.problem, self.session.theta.copy()
        d = problem.dataset
        if d.inputs not in (1, 2):
            return
        x_all = np.vstack([d.x_train, d.x_test]) if d.x_test.size else d.x_train
        low, high = x_all.min(axis=0), x_all.max(axis=0)
        pad = np.maximum((high - low) * 0.1, 0.1)
        low, high = low - pad, high + pad

        def run():
            if d.inputs == 1:
                xs = np.linspace(low[0], high[0], 200)
                return xs, None, problem.predict(theta, xs[:, None])
            xs = np.linspace(low[0], high[0], 80)
            ys = np.linspace(low[1], high[1], 80)
            gx, gy = np.meshgrid(xs, ys)
            out = problem.predict(theta, np.column_stack([gx.ravel(), gy.ravel()]))
            return xs, ys, out.reshape(len(ys), len(xs), -1)
        self._in_flight.add("decision")
        self.grids.request("decision", [run])

    def _schedule_moving_grids(self) -> None:
        if not self._landscape_timer.isActive():
            self._landscape_timer.start()

    def _refresh_moving_grids(self) -> None:
        self._refresh_landscape()
        self._refresh_decision()

    def _refresh_while_playing(self) -> None:
        """Refresh the moving grids, skipping any whose last request is still computing.

        A big network's slice can take longer than the refresh interval: asking again
        would only queue work the GUI then waits behind.
        """
        if "landscape" not in self._in_flight:
            self._refresh_landscape()
        if "decision" not in self._in_flight:
            self._refresh_decision()

    def _grid_ready(self, channel: str, result: object) -> None:
        self._in_flight.discard(channel)
        if isinstance(result, Exception):
            self.message.emit("error", f"Could not compute the {channel}: {result}")
            return
        if channel == "landscape":
            self.landscapeReady.emit(result)
        elif channel == "decision":
            self.decisionReady.emit(result)

    def decision_function(self):
        """Return a function inputs → network outputs at the current θ (for thumbnails)."""
        problem, theta = self.problem, self.session.theta.copy()
        return lambda x: problem.predict(theta, x)

    # ----- race mode ---------------------------------------------------------------------------

    def start_race(self, entries: list[tuple[str, OptimizerConfig]]) -> None:
        """Start 2–6 hikers from the same point, one per (label, optimizer settings)."""
        if not 2 <= len(entries) <= RACE_COLOURS:
            self.message.emit("warning", f"A race needs 2–{RACE_COLOURS} hikers.")
            return
        self.pause()
        start = self.session.theta.copy()
        racers = []
        for label, config in entries:
            try:
                config.build()
            except OptimizerError as exc:
                self.message.emit("error", f"{label}: {exc}")
                return
            session = Session(self.problem, config, self.session.batch_size)
            session.set_theta(start)
            racers.append((label, session))
        self.racers = racers
        self._racer_state = {}
        self._emit_race()

    def stop_race(self) -> None:
        """End the race and go back to the single hiker."""
        if self.racers:
            self.racers = []
            self.raceChanged.emit([])

    def _race_tick(self) -> None:
        for k, (_, session) in enumerate(self.racers):
            if self._racer_state.get(k, "running") != "running":
                continue
            session.step(self.steps_per_frame)
            if session.status == "diverged":
                self._racer_state[k] = "diverged"
            elif np.linalg.norm(session.gradient()) < CONVERGED_GRADIENT * 10:
                self._racer_state[k] = "converged"
        racers = self._emit_race()
        if all(r.state != "running" for r in racers):
            self.pause()
            self.message.emit("info", "Race over: every hiker has stopped.")

    def _emit_race(self) -> list[Racer]:
        racers = []
        for k, (label, session) in enumerate(self.racers):
            _, path = session.path_history()
            steps, losses, _ = session.loss_history()
            racers.append(Racer(label, session.config.name, session.config.learning_rate,
                                session.step_count, session.loss, session.theta.copy(),
                                path, self._racer_state.get(k, "running"), steps, losses))
        self.raceChanged.emit(racers)
        return racers


def _arrays(spec: NetworkSpec) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return a network spec's weights and biases as arrays, ready to be reshaped."""
    return [np.array(w) for w in spec.weights], [np.array(b) for b in spec.biases]
