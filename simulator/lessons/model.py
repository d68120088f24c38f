"""The lesson model: what a ``*.lesson.json`` file says, as frozen dataclasses.

One table of fields drives both directions: ``from_json`` validates a document and
``to_json`` writes the same names back, so a saved lesson loads unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from simulator.engine.datasets import GENERATORS, MAX_SAMPLES
from simulator.engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES, REGULARIZATIONS
from simulator.engine.network import MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS
from simulator.engine.optimizers import OPTIMIZERS

from .checking import LessonError, Node

FORMAT = "backprop-hiker-lesson"
VERSION = 1


@dataclass(frozen=True)
class DatasetSpec:
    """A named generated dataset, or explicit points (rows of inputs then targets).

    ``points`` are training points; ``test_points``, if any, are held out for the test loss.
    """

    name: str | None = "circle"
    samples: int = 200
    noise: float = 0.1
    seed: int = 0
    train_fraction: float = 0.8
    points: tuple[tuple[float, ...], ...] | None = None
    test_points: tuple[tuple[float, ...], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this dataset."""
        if self.points is not None:
            out: dict[str, Any] = {"points": [list(p) for p in self.points]}
            if self.test_points:
                out["test_points"] = [list(p) for p in self.test_points]
            return out
        return {"name": self.name, "samples": self.samples, "noise": self.noise,
                "seed": self.seed, "train_fraction": self.train_fraction}


@dataclass(frozen=True)
class NetworkSpec:
    """A network problem: layer sizes, functions, optional weights, the dataset."""

    layers: tuple[int, ...] = (2, 4, 1)
    activation: tuple[str, ...] = ("tanh",)
    output_activation: str = "sigmoid"
    loss: str = "mse"
    weights: tuple | None = None
    biases: tuple | None = None
    init_seed: int = 0
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    regularization: tuple[str, float] | None = None

    kind = "network"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this problem."""
        acts = set(self.activation)
        out: dict[str, Any] = {
            "kind": "network", "layers": list(self.layers),
            "activation": self.activation[0] if len(acts) == 1 else list(self.activation),
            "output_activation": self.output_activation, "loss": self.loss,
        }
        if self.weights is not None:
            out["weights"] = _lists(self.weights)
            out["biases"] = _lists(self.biases)
        out["init_seed"] = self.init_seed
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


@dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer's registry name, learning rate and any hyper-parameters."""

    name: str = "sgd"
    learning_rate: float = 0.1
    hyper: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        # One order (by name, as OptimizerConfig keeps them) so equal settings compare equal
        # and a saved lesson loads back equal to the one that was saved.
        object.__setattr__(self, "hyper", tuple(sorted(self.hyper)))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object for this optimizer."""
        return {"name": self.name, "learning_rate": self.learning_rate, **dict(self.hyper)}


@dataclass(frozen=True)
class Lesson:
    """A whole lesson: a problem, an optimizer, batching and the landscape's axes."""

    title: str
    problem: NetworkSpec | ExpressionSpec
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    batch_size: int | None = None
    landscape: tuple[str, str] | None = None
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the whole lesson as a JSON-ready dict."""
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["problem"] = self.problem.to_json()
        out["optimizer"] = self.optimizer.to_json()
        out["batch_size"] = self.batch_size
        if self.landscape:
            out["landscape"] = {"x": self.landscape[0], "y": self.landscape[1]}
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
                 "batch_size", "landscape"}


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
    return Lesson(title, problem, optimizer, batch, landscape, description)


NETWORK_FIELDS = {"kind", "layers", "activation", "output_activation", "loss", "weights",
                  "biases", "init_seed", "dataset", "regularization"}


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
    dataset = _dataset(node.get("dataset", {"name": "circle"}), layers, loss)
    regularization = None
    if node.has("regularization"):
        reg = node.get("regularization").obj({"kind", "rate"})
        regularization = (reg.get("kind").string(REGULARIZATIONS),
                          reg.get("rate").number(0.0, 10.0, "a rate"))
    return NetworkSpec(tuple(layers), activation, output_activation, loss, weights, biases,
                       init_seed, dataset, regularization)


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


def _points(node: Node, layers: list[int], loss: str, minimum: int) -> tuple:
    """Read rows of inputs then targets (a class index for ``cross_entropy``)."""
    classes = LOSSES[loss].targets == "classes"
    width = layers[0] + (1 if classes else layers[-1])
    rows = node.items(minimum, MAX_SAMPLES)
    points = tuple(tuple(c.number() for c in r.items(width, width)) for r in rows)
    if classes:
        for r, row in zip(rows, points, strict=True):
            label = row[-1]
            if not (label.is_integer() and 0 <= label < layers[-1]):
                raise LessonError(r.child_path(width - 1),
                                  f"must be a class index 0–{layers[-1] - 1}, got {label:g}")
    return points


def _dataset(node: Node, layers: list[int], loss: str) -> DatasetSpec:
    node.obj({"name", "samples", "noise", "seed", "train_fraction", "points", "test_points"})
    if node.has("points"):
        points = _points(node.get("points"), layers, loss, minimum=1)
        test = _points(node.get("test_points", []), layers, loss, minimum=0)
        return DatasetSpec(name=None, points=points, test_points=test)
    name = node.get("name").string(tuple(GENERATORS))
    inputs = 1 if GENERATORS[name][1] == "regression" else 2
    if layers[0] != inputs:
        raise LessonError(node.path.rsplit(".", 1)[0] + ".layers[0]",
                          f"dataset {name!r} has {inputs} input(s), so the first layer must "
                          f"have {inputs} neuron(s), got {layers[0]}")
    layers_path = node.path.rsplit(".", 1)[0] + ".layers"
    classes = LOSSES[loss].targets == "classes"
    if classes and GENERATORS[name][1] != "classification":
        raise LessonError(node.child_path("name"), f"loss {loss!r} needs classes, and dataset "
                                                   f"{name!r} is a regression")
    # Named datasets have one target column: a 0/1 class or a value, or with a softmax
    # a class index out of 2. A wider output layer would train silently by broadcasting.
    outputs = 2 if classes else 1
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
    node.obj({"name", "learning_rate", *cls.hyper})
    lr = node.get("learning_rate", 0.1).number(1e-7, 100.0, "a learning rate")
    hyper = []
    for key, (_, low, high, _) in cls.hyper.items():
        if node.has(key):
            hyper.append((key, node.get(key).number(low, high)))
    return OptimizerSpec(name, lr, tuple(hyper))


def as_tuples(value: Any) -> Any:
    """Return nested lists of numbers as nested tuples of floats (hashable, immutable)."""
    return _tuples(value)
