"""Frozen descriptions the workspace hands to views: never live model objects to edit.

A view draws ``ProblemInfo`` (what is being descended), ``Axes`` (the landscape's axes),
``Frame`` (the state at one moment), ``LessonFrame`` (the lesson's text and step) and the
background results (``LandscapeGrid``, ``DecisionMap``, ``NeuronMaps``, ``SampleTrace``);
it reads them and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.engine.features import candidate_features, parse_feature
from simulator.engine.optimizers import Optimizer
from simulator.engine.problems import NetworkProblem, Problem
from simulator.engine.session import OptimizerConfig
from simulator.lessons.model import Lesson, StepShow

#: words for what an optimizer remembers per parameter, by its state key
STATE_LABELS = {"velocity": "velocity v", "m": "first moment m", "v": "second moment v",
                "sum_sq": "sum of squared gradients", "square_avg": "average of squared gradients"}


@dataclass(frozen=True)
class ProblemInfo:
    """The problem now being descended, and the lesson it came from.

    Views may *read* ``problem`` (its network, dataset, formula) but change nothing.
    """

    lesson: Lesson
    problem: Problem
    names: tuple[str, ...]
    revision: int = 0  # grows with every new problem, so views can tell a new one apart
    formula: Any = None  # a formula's FormulaModel (workspace.formula), None for a network
    formula_error: str = ""  # why a formula could not be analysed, when it could not

    @property
    def is_network(self) -> bool:
        """Return whether θ is a network's weights (else a formula's variables)."""
        return isinstance(self.problem, NetworkProblem)

    @property
    def input_features(self) -> tuple[FeatureChoice, ...]:
        """Return the network's input features, in input order (a network's only)."""
        columns = self.problem.dataset.inputs
        features = self.problem.features
        names = features.names if features is not None else \
            tuple(f"x{k}" for k in range(1, columns + 1))
        return tuple(FeatureChoice(n, parse_feature(n, columns).label, True) for n in names)

    @property
    def class_names(self) -> tuple[str, ...]:
        """Return the names of the data's classes (imported words), or () when numbered."""
        names = self.lesson.problem.dataset.class_names if self.is_network else ()
        return names if len(names) == self.problem.dataset.classes else ()

    @property
    def feature_choices(self) -> tuple[FeatureChoice, ...]:
        """Return every feature offered for the data's columns, each marked on or off."""
        active = self.input_features
        on = {f.name for f in active}
        offered = candidate_features(self.problem.dataset.inputs)
        extra = tuple(f for f in active if f.name not in offered)
        columns = self.problem.dataset.inputs
        return tuple(FeatureChoice(n, parse_feature(n, columns).label, n in on)
                     for n in offered) + extra


@dataclass(frozen=True)
class FeatureChoice:
    """An input feature the network can be fed: its file name, how it is written, if it is on."""

    name: str
    label: str
    active: bool


@dataclass(frozen=True)
class Axes:
    """What the landscape's two axes are.

    ``kind`` is ``"parameters"`` (``x``/``y`` are θ indices; coordinates are the
    parameter values), ``"random"`` or ``"pca"`` (``directions`` are whole-θ vectors and
    coordinates are offsets along them from ``origin``). A one-variable problem has
    ``x == y == 0`` and is drawn as a curve.
    """

    kind: str
    x: int
    y: int
    labels: tuple[str, str]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    directions: tuple[np.ndarray, np.ndarray] | None = None
    origin: np.ndarray | None = None

    @property
    def is_curve(self) -> bool:
        """Return whether the landscape is a curve J(w) (a one-variable problem)."""
        return self.kind == "parameters" and self.x == self.y

    def project(self, theta: np.ndarray) -> tuple[float, float]:
        """Return the (x, y) coordinates of θ on these axes."""
        if self.kind == "parameters":
            return float(theta[self.x]), float(theta[self.y])
        return tuple(float(c) for c in self.project_many(theta[None, :])[0])

    def project_many(self, thetas: np.ndarray) -> np.ndarray:
        """Return the (x, y) coordinates of each row of a steps × parameters array."""
        if self.kind == "parameters":
            return thetas[:, [self.x, self.y]]
        d = np.column_stack(self.directions)
        offsets = thetas - self.origin
        # Least squares: the point of the plane nearest to θ (directions need not be orthogonal).
        coords, *_ = np.linalg.lstsq(d, offsets.T, rcond=None)
        return coords.T


@dataclass(frozen=True)
class LandscapeGrid:
    """The loss over the axes' grid: ``z[i, j]`` is at ``ys[i]``, ``xs[j]`` (row-major).

    For a curve, ``ys`` is empty and ``z`` is one row. ``fine`` is False for the quick
    coarse grid that comes first. ``contours`` holds contour segments as point pairs
    (computed with the grid, off the GUI thread), or ``None``.
    """

    axes: Axes
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    fine: bool
    contours: np.ndarray | None = None


@dataclass(frozen=True)
class Racer:
    """One hiker of a race: its settings and where it is."""

    label: str
    config_name: str
    learning_rate: float
    step: int
    loss: float
    theta: np.ndarray
    path: np.ndarray
    state: str  # "running", "converged" or "diverged"
    loss_steps: np.ndarray  # the steps of the recorded losses (thinned on long runs)
    losses: np.ndarray  # the training loss at each of those steps


@dataclass(frozen=True)
class OptimizerMemory:
    """What the optimizer remembers for each parameter (momentum's v, Adam's m and v…).

    ``state`` pairs a label with one value per parameter; ``note`` says in words why it is
    empty (an optimizer with no memory, or one that has not stepped yet).
    """

    label: str
    state: tuple[tuple[str, np.ndarray], ...]
    note: str

    @classmethod
    def of(cls, optimizer: Optimizer) -> OptimizerMemory:
        """Return a copy of an optimizer's memory, with the words for it."""
        label = type(optimizer).label
        if not optimizer.hyper and not optimizer.state:
            return cls(label, (), f"{label} keeps no memory")
        state = tuple((STATE_LABELS.get(key, key), values.copy())
                      for key, values in optimizer.state.items())
        note = "" if state else f"{label}: no memory yet (it starts with the next step)"
        return cls(label, state, note)

    def at(self, index: int) -> tuple[tuple[str, float], ...]:
        """Return the remembered values of one parameter."""
        return tuple((label, float(values[index])) for label, values in self.state
                     if len(values) > index)


@dataclass(frozen=True)
class Frame:
    """Everything a view draws at one moment of the run (copies; never NaN).

    ``gradient`` is dL/dθ on the whole training set at θ; ``next_step`` is the change the
    optimizer would make to θ with it; ``velocity`` is the optimizer's running direction
    (momentum's v, Adam's m) or ``None``. ``status`` is "ready", "converged" (the slope
    is flatter than ``CONVERGED_GRADIENT``) or "diverged". The history arrays are the
    recorded (thinned) run: ``path_xy`` is the path projected on the current axes.
    ``racers`` are the hikers of a race (empty when there is none); the frame then shows
    the first racer. ``formula`` holds a formula's ``FormulaValues`` at θ (None for a
    network): exact arithmetic in the nudge test while paused, floating point while playing.
    ``learning_rate`` is η of the next step (the schedule's η at this step), and
    ``learning_rates`` η after each step of ``loss_steps``; ``gradient_norms`` holds
    ‖dL/dW_l‖ of each layer l at those steps (steps × layers; no columns for a formula).
    ``metrics`` scores a network's answers at θ (``engine.metrics.Metrics``: accuracy and
    confusion, or RMSE and R², a value that is not finite given as None); None for a formula.
    They are worked out when first read (``scores``: a forward pass over every point), so a
    frame no view scores costs nothing for them.
    ``status`` may also be "undefined", "escaping" or "stalled" (``workspace.diagnosis``),
    and ``explanation`` then says what is true at the hiker's point in a sentence.
    """

    step: int
    theta: np.ndarray
    loss: float
    test_loss: float | None
    gradient: np.ndarray
    gradient_norm: float
    next_step: np.ndarray
    velocity: np.ndarray | None
    config: OptimizerConfig
    batch_size: int | None
    status: str
    diverged_at: int | None
    diverged_loss: float | None
    start_loss: float
    earliest_step: int
    furthest_step: int
    playing: bool
    path_steps: np.ndarray
    path_xy: np.ndarray
    loss_steps: np.ndarray
    train_losses: np.ndarray
    test_losses: np.ndarray
    memory: OptimizerMemory
    racers: tuple[Racer, ...] = ()
    formula: Any = None
    learning_rate: float = 0.0
    learning_rates: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gradient_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    scores: Callable[[], Any] | None = field(default=None, repr=False, compare=False)
    explanation: str = ""

    @property
    def metrics(self):
        """Return the network's scores at θ (None for a formula), worked out on first reading."""
        return None if self.scores is None else self.scores()


@dataclass(frozen=True)
class DecisionMap:
    """The network's outputs over the input plane: ``outputs[i, j]`` at ``ys[i]``, ``xs[j]``.

    With one input, ``ys`` is None and ``outputs`` is one row per x. ``boundary`` is the
    0.5 line of a two-class plane's probability (``class_one_probability``) as point
    pairs in plane coordinates, worked out with the grid; None where none is drawn.
    """

    xs: np.ndarray
    ys: np.ndarray | None
    outputs: np.ndarray
    boundary: np.ndarray | None = None


@dataclass(frozen=True)
class NeuronMaps:
    """Each neuron's activation over a grid of the input plane.

    ``activations[k]`` is a (grid·grid) × neurons array for layer k (index 0 unused), for
    the θ in ``theta``.
    """

    grid: int
    theta: np.ndarray
    activations: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class SampleTrace:
    """One sample's forward and backward pass, as the diagram colours it.

    ``a[k]`` are layer k's activations (``a[0]`` the inputs), ``z[k]`` its pre-activations
    and ``dL_dz[k]`` the loss's derivative with respect to them (δ), for sample
    ``sample`` at ``theta``.
    """

    sample: int
    theta: np.ndarray
    a: tuple[np.ndarray, ...]
    z: tuple[np.ndarray, ...]
    dL_dz: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class LessonFrame:
    """What the lesson panel shows: the lesson, the step entered and what that step shows.

    ``index`` is the step entered (0-based) or ``None`` before the first, of ``count``
    steps. ``text`` is the Markdown source shown now (the step's text; before the first
    step, the lesson's description) and ``html`` the same as Qt rich text. ``show`` is
    the panels the step shows (its own choice, else the last earlier step's; ``None``
    when no step chose). ``highlight`` is what this step marks and ``selection`` the
    parameter or neuron selected (``h1[3]``, ``W2[1,0]``), each ``None`` when there is none.
    """

    lesson_title: str
    description: str
    index: int | None
    count: int
    step_title: str
    text: str
    html: str
    show: StepShow | None
    highlight: str | None
    selection: str | None


@dataclass(frozen=True)
class StepperFrame:
    """What the backprop stepper shows: one walk's operations and the one reached.

    ``kind`` is ``"network"``, ``"formula"`` or ``"none"`` (then ``note`` says why there is
    nothing to step through). ``operations`` is the walk (``workspace.stepper``), built
    lazily; ``index`` the operation reached. ``sample`` is the training sample followed
    (of ``samples``), ``batch`` whether the walk is of the mean over every sample instead.
    ``step`` is the optimizer step whose θ the walk is at.
    """

    kind: str
    note: str
    operations: Any
    index: int
    sample: int
    samples: int
    batch: bool
    step: int
    revision: int

    @property
    def count(self) -> int:
        """Return how many operations the walk has."""
        return len(self.operations) if self.operations is not None else 0

    @property
    def current(self):
        """Return the operation reached (None when there is none)."""
        return self.operations[self.index] if self.count else None

    @property
    def phase_starts(self) -> dict[str, int]:
        """Return the index of the first operation of each phase."""
        return self.operations.phase_starts if self.count else {}

    def progress(self):
        """Return how far the walk is with the operation reached done."""
        return self.operations.progress(self.index) if self.count else None
