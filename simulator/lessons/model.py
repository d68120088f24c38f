"""The lesson model: what a ``*.lesson.json`` file says, as frozen dataclasses.

One table of fields drives both directions: ``from_json`` validates a document and
``to_json`` writes the same names back, so a saved lesson loads unchanged.

Version 1 is a starting state. Version 2 adds ``steps``: a demonstration a teacher
steps through, each step a title, a text and what to set, show, run and highlight.
A lesson without steps is still written as version 1, so version 1 files round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from simulator.engine.datasets import GENERATORS, MAX_POINTS, MAX_SAMPLES, class_count
from simulator.engine.features import FeatureError, FeatureMap
from simulator.engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES, REGULARIZATIONS
from simulator.engine.initializers import INITIALIZERS
from simulator.engine.network import MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS
from simulator.engine.optimizers import OPTIMIZERS
from simulator.engine.schedules import (
    CONSTANT,
    KINDS,
    SETTINGS,
    WARMUP_SETTINGS,
    Schedule,
    ScheduleError,
    make_schedule,
)

from .checking import LessonError, Node

FORMAT = "backprop-hiker-lesson"
VERSION = 2  # the newest version this app reads (and writes, for a lesson with steps)
STEPS_VERSION = 2  # the first version with steps


@dataclass(frozen=True)
class DatasetSpec:
    """A named generated dataset, or explicit points (rows of inputs then targets).

    ``points`` are training points; ``test_points``, if any, are held out for the test loss.
    ``class_names`` names the classes of explicit points in index order (imported words:
    ``setosa``…), or is empty when they are just numbered.
    """

    name: str | None = "circle"
    samples: int = 200
    noise: float = 0.1
    seed: int = 0
    train_fraction: float = 0.8
    points: tuple[tuple[float, ...], ...] | None = None
    test_points: tuple[tuple[float, ...], ...] = ()
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.points is None and self.class_names:  # a generator's classes are numbered
            object.__setattr__(self, "class_names", ())

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this dataset."""
        if self.points is not None:
            out: dict[str, Any] = {"points": [list(p) for p in self.points]}
            if self.test_points:
                out["test_points"] = [list(p) for p in self.test_points]
            if self.class_names:
                out["class_names"] = list(self.class_names)
            return out
        return {"name": self.name, "samples": self.samples, "noise": self.noise,
                "seed": self.seed, "train_fraction": self.train_fraction}


@dataclass(frozen=True)
class NetworkSpec:
    """A network problem: layer sizes, functions, optional weights, the dataset.

    ``features`` names what each input neuron receives (``"x1^2"``, ``"sin(x2)"``…), or is
    ``None`` when the inputs are the data's columns themselves. ``init`` names the
    initialisation the weights are drawn by (with ``init_seed``) when none are given.
    """

    layers: tuple[int, ...] = (2, 4, 1)
    activation: tuple[str, ...] = ("tanh",)
    output_activation: str = "sigmoid"
    loss: str = "mse"
    weights: tuple | None = None
    biases: tuple | None = None
    init_seed: int = 0
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    regularization: tuple[str, float] | None = None
    features: tuple[str, ...] | None = None
    init: str = "auto"

    kind = "network"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this problem."""
        acts = set(self.activation)
        out: dict[str, Any] = {
            "kind": "network", "layers": list(self.layers),
            **({} if self.features is None else {"features": list(self.features)}),
            "activation": self.activation[0] if len(acts) == 1 else list(self.activation),
            "output_activation": self.output_activation, "loss": self.loss,
        }
        if self.weights is not None:
            out["weights"] = _lists(self.weights)
            out["biases"] = _lists(self.biases)
        if self.init == "auto":  # written as before initialisations could be chosen
            out["init_seed"] = self.init_seed
        else:
            out["init"] = {"kind": self.init, "seed": self.init_seed}
        out["dataset"] = self.dataset.to_json()
        out["regularization"] = (None if self.regularization is None else
                                 {"kind": self.regularization[0], "rate": self.regularization[1]})
        return out


@dataclass(frozen=True)
class ExpressionSpec:
    """A formula problem: J in one or two variables, where to start, what range to draw."""

    expression: str = "w**2"
    start: tuple[tuple[str, float], ...] = (("w", 3.0),)
    range: tuple[tuple[str, tuple[float, float]], ...] = ()
    surface: str | None = None

    kind = "expression"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this problem."""
        out: dict[str, Any] = {"kind": "expression"}
        if self.surface:
            out["surface"] = self.surface
        out["expression"] = self.expression
        out["start"] = dict(self.start)
        if self.range:
            out["range"] = {k: list(v) for k, v in self.range}
        return out


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    """Return the JSON object of a schedule: its kind, its settings, the warm-up if any."""
    out: dict[str, Any] = {"kind": schedule.kind, **schedule.settings()}
    if out.get("warmup_start") == SETTINGS["warmup_start"][0]:
        del out["warmup_start"]  # the default, torch's 1/3, is not written out
    return out


@dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer's registry name, learning rate, any hyper-parameters, η's schedule."""

    name: str = "sgd"
    learning_rate: float = 0.1
    hyper: tuple[tuple[str, float], ...] = ()
    schedule: Schedule = CONSTANT

    def __post_init__(self) -> None:
        # One order (by name, as OptimizerConfig keeps them) so equal settings compare equal
        # and a saved lesson loads back equal to the one that was saved.
        object.__setattr__(self, "hyper", tuple(sorted(self.hyper)))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this optimizer (the schedule only when η varies)."""
        out = {"name": self.name, "learning_rate": self.learning_rate, **dict(self.hyper)}
        if self.schedule.varies:
            out["schedule"] = schedule_to_json(self.schedule)
        return out


#: the panels a step can show, by the names lesson files use
PANELS = ("landscape", "landscape3d", "network", "formula", "curvature", "loss", "data",
          "stepper", "derivative_table", "gradients")
MAX_STEPS = 200
MAX_STEP_RUN = 100_000  # optimizer steps one lesson step may take (it runs before it shows)
MAX_STEP_TEXT = 20_000


@dataclass(frozen=True)
class StepOptimizer:
    """The optimizer a step switches to: its name, and a learning rate and settings if given.

    Without ``learning_rate`` the run's learning rate stays; hyper-parameters not given
    take the optimizer's defaults.
    """

    name: str
    learning_rate: float | None = None
    hyper: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hyper", tuple(sorted(self.hyper)))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this optimizer."""
        out: dict[str, Any] = {"name": self.name}
        if self.learning_rate is not None:
            out["learning_rate"] = self.learning_rate
        return {**out, **dict(self.hyper)}


@dataclass(frozen=True)
class StepSettings:
    """What entering a step sets, each field ``None`` (or empty) when the step leaves it.

    ``parameters`` are θ entries by name (``W1[0,0]``, ``w``); ``hiker`` is a position on
    the landscape's axes (one value on a curve); ``landscape`` names the two parameters of
    the axes; ``select`` is a parameter or a neuron (``h1[3]``, ``x[0]``, ``out[0]``);
    ``epsilon`` is the nudge test's ε as the file gives it (text or number); ``sample``
    is the training sample the diagram and the stepper follow.
    """

    learning_rate: float | None = None
    optimizer: StepOptimizer | None = None
    parameters: tuple[tuple[str, float], ...] = ()
    hiker: tuple[float, ...] | None = None
    landscape: tuple[str, str] | None = None
    select: str | None = None
    epsilon: str | float | None = None
    sample: int | None = None
    schedule: Schedule | None = None
    init: tuple[str, int | None] | None = None  # (kind, seed or None: the network's seed)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of what is set (only the fields the step sets)."""
        out: dict[str, Any] = {}
        if self.learning_rate is not None:
            out["learning_rate"] = self.learning_rate
        if self.optimizer is not None:
            out["optimizer"] = self.optimizer.to_json()
        if self.schedule is not None:
            out["schedule"] = schedule_to_json(self.schedule)
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        if self.hiker is not None:
            out["hiker"] = list(self.hiker)
        if self.landscape is not None:
            out["landscape"] = {"x": self.landscape[0], "y": self.landscape[1]}
        if self.init is not None:
            kind, seed = self.init
            out["init"] = {"kind": kind, **({} if seed is None else {"seed": seed})}
        for key in ("select", "epsilon", "sample"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class StepShow:
    """Which panels a step shows (names from ``PANELS``) and which one is large, if any."""

    panels: tuple[str, ...]
    large: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this choice of panels."""
        return {"panels": list(self.panels), "large": self.large}


@dataclass(frozen=True)
class Step:
    """One step of a demonstration: what it says and what entering it does.

    ``text`` is Markdown (paragraphs, **bold**, *italic*, `code`, lists). ``run`` is a
    number of optimizer steps, or ``("converged", N)``: until the slope is flat, at most
    N steps. ``highlight`` names a parameter, a neuron or a formula graph node to mark.
    """

    title: str
    text: str = ""
    settings: StepSettings | None = None
    show: StepShow | None = None
    run: int | tuple[str, int] | None = None
    highlight: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this step."""
        out: dict[str, Any] = {"title": self.title, "text": self.text}
        if self.settings is not None:
            out["set"] = self.settings.to_json()
        if self.show is not None:
            out["show"] = self.show.to_json()
        if isinstance(self.run, tuple):
            out["run"] = {"until": self.run[0], "max": self.run[1]}
        elif self.run is not None:
            out["run"] = self.run
        if self.highlight is not None:
            out["highlight"] = self.highlight
        return out


@dataclass(frozen=True)
class Lesson:
    """A whole lesson: a problem, an optimizer, batching, the landscape's axes, its steps."""

    title: str
    problem: NetworkSpec | ExpressionSpec
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    batch_size: int | None = None
    landscape: tuple[str, str] | None = None
    description: str = ""
    steps: tuple[Step, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the whole lesson as a JSON-ready dict (version 1 when it has no steps)."""
        version = STEPS_VERSION if self.steps else 1
        out: dict[str, Any] = {"format": FORMAT, "version": version, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["problem"] = self.problem.to_json()
        out["optimizer"] = self.optimizer.to_json()
        out["batch_size"] = self.batch_size
        if self.landscape:
            out["landscape"] = {"x": self.landscape[0], "y": self.landscape[1]}
        if self.steps:
            out["steps"] = [step.to_json() for step in self.steps]
        return out

    def with_problem(self, problem: NetworkSpec | ExpressionSpec) -> Lesson:
        """Return a copy with another problem."""
        return replace(self, problem=problem)


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value


def _tuples(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_tuples(v) for v in value)
    return float(value)


# ----- reading ---------------------------------------------------------------------------

LESSON_FIELDS = {"format", "version", "title", "description", "problem", "optimizer",
                 "batch_size", "landscape", "steps"}


def lesson_from_json(document: Any) -> Lesson:
    """Return the lesson a parsed JSON document describes, or raise ``LessonError``."""
    root = Node(document).obj(LESSON_FIELDS)
    fmt = root.get("format").string()
    if fmt != FORMAT:
        raise root.get("format").fail(f"must be {FORMAT!r}, got {fmt!r}")
    version = root.get("version").integer(1, 10**6)
    if version > VERSION:
        raise root.get("version").fail(
            f"this lesson needs a newer Backprop Hiker (file version {version}, "
            f"this app reads up to {VERSION})")
    title = root.get("title").string(max_len=200)
    description = root.get("description", "").string(max_len=5000)
    problem_node = root.get("problem").obj()
    kind = problem_node.get("kind").string(("network", "expression"))
    problem = _network(problem_node) if kind == "network" else _expression(problem_node)
    optimizer = _optimizer(root.get("optimizer", {"name": "sgd", "learning_rate": 0.1}))
    batch = root.get("batch_size", None).optional_integer(1, MAX_SAMPLES)
    landscape = None
    if root.has("landscape"):
        node = root.get("landscape").obj({"x", "y"})
        landscape = (node.get("x").string(max_len=40), node.get("y").string(max_len=40))
    steps: tuple[Step, ...] = ()
    if root.has("steps"):
        if version < STEPS_VERSION:
            raise root.get("steps").fail(f"steps need version {STEPS_VERSION}; this file says "
                                         f"version {version}")
        steps = tuple(_step(n) for n in root.get("steps").items(0, MAX_STEPS))
    return Lesson(title, problem, optimizer, batch, landscape, description, steps)


NETWORK_FIELDS = {"kind", "layers", "activation", "output_activation", "loss", "weights",
                  "biases", "init_seed", "dataset", "regularization", "features", "init"}


def _network(node: Node) -> NetworkSpec:
    node.obj(NETWORK_FIELDS)
    layer_nodes = node.get("layers").items(2, MAX_HIDDEN_LAYERS + 2)
    layers = []
    for i, n in enumerate(layer_nodes):
        if i == 0:
            layers.append(n.integer(1, MAX_INPUTS))
        elif i == len(layer_nodes) - 1:
            layers.append(n.integer(1, MAX_OUTPUTS))
        else:
            layers.append(n.integer(1, MAX_NEURONS))
    hidden = len(layers) - 2
    act_node = node.get("activation", "tanh")
    if isinstance(act_node.value, list):
        activation = tuple(a.string(HIDDEN_ACTIVATIONS) for a in act_node.items(hidden, hidden))
    else:
        activation = (act_node.string(HIDDEN_ACTIVATIONS),) * hidden
    output_activation = node.get("output_activation", "sigmoid").string(tuple(ACTIVATIONS))
    loss = node.get("loss", "mse").string(tuple(LOSSES))
    needed = LOSSES[loss].requires
    if needed and output_activation != needed:
        raise node.get("output_activation").fail(
            f"loss {loss!r} needs output_activation {needed!r}, got {output_activation!r}")
    if output_activation == "softmax" and loss == "bce":
        raise node.get("loss").fail("'bce' needs a sigmoid output; use 'cross_entropy' with softmax")
    weights = biases = None
    if node.has("weights") or node.has("biases"):
        weights = _weights(node.get("weights"), layers)
        biases = _biases(node.get("biases"), layers)
    init_seed = node.get("init_seed", 0).integer(0, 2**32 - 1)
    init = "auto"
    if node.has("init"):
        if node.has("init_seed"):
            raise node.get("init_seed").fail("give the seed once: as init.seed (init_seed is "
                                             "the older spelling of it)")
        init_node = node.get("init").obj({"kind", "seed"})
        init = init_node.get("kind").string(tuple(INITIALIZERS))
        init_seed = init_node.get("seed", 0).integer(0, 2**32 - 1)
    features = None
    if node.has("features"):
        features = tuple(f.string(max_len=20) for f in node.get("features").items(1, MAX_INPUTS))
        if len(features) != layers[0]:
            raise node.get("layers").fail(
                f"the first layer counts the features: {len(features)} listed in features, "
                f"so layers[0] must be {len(features)}, got {layers[0]}")
    dataset = _dataset(node.get("dataset", {"name": "circle"}), layers, loss, features)
    regularization = None
    if node.has("regularization"):
        reg = node.get("regularization").obj({"kind", "rate"})
        regularization = (reg.get("kind").string(REGULARIZATIONS),
                          reg.get("rate").number(0.0, 10.0, "a rate"))
    return NetworkSpec(tuple(layers), activation, output_activation, loss, weights, biases,
                       init_seed, dataset, regularization, features, init=init)


def _weights(node: Node, layers: list[int]) -> tuple:
    matrices = node.items(len(layers) - 1, len(layers) - 1)
    out = []
    for layer, m in enumerate(matrices, start=1):
        rows = m.items(layers[layer - 1], layers[layer - 1])
        out.append(tuple(
            tuple(c.number() for c in r.items(layers[layer], layers[layer])) for r in rows))
    return tuple(out)


def _biases(node: Node, layers: list[int]) -> tuple:
    vectors = node.items(len(layers) - 1, len(layers) - 1)
    return tuple(tuple(c.number() for c in v.items(layers[i + 1], layers[i + 1]))
                 for i, v in enumerate(vectors))


def _target_width(layers: list[int], loss: str) -> int:
    """Return how many target values end each point: a class index, or one per output."""
    return 1 if LOSSES[loss].targets == "classes" else layers[-1]


def _points(node: Node, layers: list[int], loss: str, minimum: int, columns: int) -> tuple:
    """Read rows of ``columns`` inputs then targets (a class index for ``cross_entropy``)."""
    classes = LOSSES[loss].targets == "classes"
    width = columns + _target_width(layers, loss)
    rows = node.items(minimum, MAX_POINTS)
    points = tuple(tuple(c.number() for c in r.items(width, width)) for r in rows)
    if classes:
        for r, row in zip(rows, points, strict=True):
            label = row[-1]
            if not (label.is_integer() and 0 <= label < layers[-1]):
                raise LessonError(r.child_path(width - 1),
                                  f"must be a class index 0–{layers[-1] - 1}, got {label:g}")
    return points


def _check_features(node: Node, features: tuple[str, ...] | None, columns: int) -> None:
    """Fail at ``problem.features`` when a feature reads a column the data does not have."""
    if features is None:
        return
    try:
        FeatureMap.of(features, columns)
    except FeatureError as exc:
        raise LessonError(node.path.rsplit(".", 1)[0] + ".features", str(exc)) from None


def _dataset(node: Node, layers: list[int], loss: str,
             features: tuple[str, ...] | None = None) -> DatasetSpec:
    node.obj({"name", "samples", "noise", "seed", "train_fraction", "points", "test_points",
              "class_names"})
    if node.has("points"):
        columns = layers[0]
        if features is not None:  # the rows hold the data's columns, not the features
            first = node.get("points").items(1, MAX_POINTS)[0]
            columns = max(1, len(first.items(1, MAX_INPUTS + MAX_OUTPUTS))
                          - _target_width(layers, loss))
            _check_features(node, features, columns)
        points = _points(node.get("points"), layers, loss, 1, columns)
        test = _points(node.get("test_points", []), layers, loss, 0, columns)
        names: tuple[str, ...] = ()
        if node.has("class_names"):
            count = layers[-1] if LOSSES[loss].targets == "classes" else 2
            names = tuple(n.string(max_len=60) for n in
                          node.get("class_names").items(count, count))
        return DatasetSpec(name=None, points=points, test_points=test, class_names=names)
    name = node.get("name").string(tuple(GENERATORS))
    inputs = 1 if GENERATORS[name][1] == "regression" else 2
    if features is not None:
        _check_features(node, features, inputs)
    elif layers[0] != inputs:
        raise LessonError(node.path.rsplit(".", 1)[0] + ".layers[0]",
                          f"dataset {name!r} has {inputs} input(s), so the first layer must "
                          f"have {inputs} neuron(s), got {layers[0]}")
    layers_path = node.path.rsplit(".", 1)[0] + ".layers"
    classes = LOSSES[loss].targets == "classes"
    if classes and GENERATORS[name][1] != "classification":
        raise LessonError(node.child_path("name"), f"loss {loss!r} needs classes, and dataset "
                                                   f"{name!r} is a regression")
    count = class_count(name)
    if count > 2 and not classes:
        raise LessonError(f"{node.path.rsplit('.', 1)[0]}.loss",
                          f"dataset {name!r} has {count} classes: use loss 'cross_entropy' "
                          f"(with a softmax output, one neuron per class), got {loss!r}")
    # Named datasets have one target column: a 0/1 class or a value, or with a softmax
    # a class index out of 2 or more. A wider output layer would train silently by
    # broadcasting.
    outputs = max(2, count) if classes else 1
    if layers[-1] != outputs:
        raise LessonError(f"{layers_path}[{len(layers) - 1}]",
                          f"dataset {name!r} with loss {loss!r} needs {outputs} output "
                          f"neuron{'s' if outputs > 1 else ''}, got {layers[-1]}")
    return DatasetSpec(
        name=name,
        samples=node.get("samples", 200).integer(4, MAX_SAMPLES),
        noise=node.get("noise", 0.1).number(0.0, 1.0, "a noise level"),
        seed=node.get("seed", 0).integer(0, 2**32 - 1),
        train_fraction=node.get("train_fraction", 0.8).number(0.1, 1.0, "a fraction"),
    )


EXPRESSION_FIELDS = {"kind", "expression", "start", "range", "surface"}


def _expression(node: Node) -> ExpressionSpec:
    node.obj(EXPRESSION_FIELDS)
    surface = node.get("surface", None).value
    if surface is not None:
        from simulator.symbolic.surfaces import SURFACES

        name = node.get("surface").string(tuple(SURFACES))
        s = SURFACES[name]
        defaults: dict[str, Any] = {
            "expression": s.expression, "start": dict(zip(s.variables, s.start, strict=True)),
            "range": {k: list(v) for k, v in zip(s.variables, s.ranges, strict=True)}}
    else:
        name, defaults = None, {}
    text = node.get("expression", defaults.get("expression", ...)).string(max_len=500)
    start_node = node.get("start", defaults.get("start", ...)).obj()
    start = tuple((k, Node(v, start_node.child_path(k)).number())
                  for k, v in start_node.value.items())
    ranges = []
    if node.has("range") or "range" in defaults:
        range_node = node.get("range", defaults.get("range")).obj()
        for key, value in range_node.value.items():
            pair = Node(value, range_node.child_path(key))
            low, high = (c.number() for c in pair.items(2, 2))
            if not low < high:
                raise pair.fail(f"must be [low, high] with low < high, got [{low:g}, {high:g}]")
            ranges.append((key, (low, high)))
    return ExpressionSpec(text, start, tuple(ranges), name)


def _optimizer(node: Node) -> OptimizerSpec:
    node.obj()
    name = node.get("name", "sgd").string(tuple(OPTIMIZERS))
    cls = OPTIMIZERS[name]
    node.obj({"name", "learning_rate", "schedule", *cls.hyper})
    lr = node.get("learning_rate", 0.1).number(1e-7, 100.0, "a learning rate")
    hyper = []
    for key, (_, low, high, _) in cls.hyper.items():
        if node.has(key):
            hyper.append((key, node.get(key).number(low, high)))
    schedule = _schedule(node.get("schedule")) if node.has("schedule") else CONSTANT
    return OptimizerSpec(name, lr, tuple(hyper), schedule)


def _schedule(node: Node) -> Schedule:
    """Read ``{"kind": ..., its settings, "warmup"?: W, "warmup_start"?: s}``."""
    node.obj()
    kind = node.get("kind").string(tuple(KINDS))
    node.obj({"kind", *KINDS[kind][1], *WARMUP_SETTINGS})
    settings: dict[str, float] = {}
    for key in (*KINDS[kind][1], *WARMUP_SETTINGS):
        if not node.has(key):
            continue
        _, low, high, whole, _ = SETTINGS[key]
        value = node.get(key)
        settings[key] = value.integer(int(low), int(high)) if whole else \
            value.number(low, high)
    if "warmup_start" in settings and not settings.get("warmup"):
        raise node.get("warmup_start").fail("is the start of a warm-up: give warmup (a number "
                                            "of steps ≥ 1) too")
    try:
        return make_schedule(kind, **settings)
    except ScheduleError as exc:
        raise node.fail(str(exc)) from None


STEP_FIELDS = {"title", "text", "set", "show", "run", "highlight"}
SET_FIELDS = {"learning_rate", "optimizer", "schedule", "parameters", "hiker", "landscape",
              "select", "epsilon", "sample", "init"}


def _step(node: Node) -> Step:
    node.obj(STEP_FIELDS)
    title = node.get("title").string(max_len=200)
    text = node.get("text").string(max_len=MAX_STEP_TEXT)
    settings = _step_settings(node.get("set")) if node.has("set") else None
    show = _step_show(node.get("show")) if node.has("show") else None
    run = _step_run(node.get("run")) if node.has("run") else None
    highlight = node.get("highlight", None).value
    if highlight is not None:
        highlight = node.get("highlight").string(max_len=100)
    return Step(title, text, settings, show, run, highlight)


def _step_settings(node: Node) -> StepSettings:
    node.obj(SET_FIELDS)
    learning_rate = None
    if node.has("learning_rate"):
        learning_rate = node.get("learning_rate").number(1e-7, 100.0, "a learning rate")
    optimizer = _step_optimizer(node.get("optimizer")) if node.has("optimizer") else None
    parameters: tuple[tuple[str, float], ...] = ()
    if node.has("parameters"):
        values = node.get("parameters").obj()
        parameters = tuple((key, values.get(key).number()) for key in values.value)
    hiker = None
    if node.has("hiker"):
        hiker = tuple(c.number() for c in node.get("hiker").items(1, 2))
    landscape = None
    if node.has("landscape"):
        axes = node.get("landscape").obj({"x", "y"})
        landscape = (axes.get("x").string(max_len=40), axes.get("y").string(max_len=40))
    select = node.get("select").string(max_len=40) if node.has("select") else None
    epsilon = None
    if node.has("epsilon"):
        eps = node.get("epsilon")
        epsilon = eps.string(max_len=40) if isinstance(eps.value, str) else \
            eps.number(1e-12, 1.0, "an ε")
    sample = node.get("sample").integer(0, MAX_POINTS - 1) if node.has("sample") else None
    schedule = _schedule(node.get("schedule")) if node.has("schedule") else None
    init = None
    if node.has("init"):
        init_node = node.get("init").obj({"kind", "seed"})
        seed = init_node.get("seed").integer(0, 2**32 - 1) if init_node.has("seed") else None
        init = (init_node.get("kind").string(tuple(INITIALIZERS)), seed)
    return StepSettings(learning_rate, optimizer, parameters, hiker, landscape, select,
                        epsilon, sample, schedule, init)


def _step_optimizer(node: Node) -> StepOptimizer:
    node.obj()
    name = node.get("name").string(tuple(OPTIMIZERS))
    cls = OPTIMIZERS[name]
    node.obj({"name", "learning_rate", *cls.hyper})
    lr = None
    if node.has("learning_rate"):
        lr = node.get("learning_rate").number(1e-7, 100.0, "a learning rate")
    hyper = tuple((key, node.get(key).number(low, high))
                  for key, (_, low, high, _) in cls.hyper.items() if node.has(key))
    return StepOptimizer(name, lr, hyper)


def _step_show(node: Node) -> StepShow:
    node.obj({"panels", "large"})
    panels = []
    for panel in node.get("panels").items(0, len(PANELS)):
        name = panel.string(PANELS)
        if name in panels:
            raise panel.fail(f"{name!r} is listed twice")
        panels.append(name)
    large = None
    if node.has("large"):
        large = node.get("large").string(PANELS)
        if large not in panels:
            raise node.get("large").fail(f"must be one of the panels shown "
                                         f"({', '.join(panels) or 'none'}), got {large!r}")
    return StepShow(tuple(panels), large)


def _step_run(node: Node) -> int | tuple[str, int]:
    if isinstance(node.value, dict):
        node.obj({"until", "max"})
        until = node.get("until").string(("converged",))
        return until, node.get("max").integer(1, MAX_STEP_RUN)
    return node.integer(0, MAX_STEP_RUN, "a number of steps")


def as_tuples(value: Any) -> Any:
    """Return nested lists of numbers as nested tuples of floats (hashable, immutable)."""
    return _tuples(value)
