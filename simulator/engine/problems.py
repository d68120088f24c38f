"""What the hiker walks on: a flat parameter vector θ with names, a loss and its gradient.

Two kinds of problem share one protocol (``Problem``):

- ``NetworkProblem``: an MLP on a dataset; θ is every weight and bias.
- ``ExpressionProblem``: a typed formula J(w) or J(w1, w2); θ is its variables. The
  engine receives plain numpy callables; ``simulator.symbolic`` builds them from the
  formula, so the engine never imports sympy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .datasets import Dataset
from .features import FeatureMap
from .landscape import Axis, axis_vector, network_loss_grid
from .metrics import Metrics, score
from .network import Network
from .training_pass import TrainingPass

Array = np.ndarray

#: the most bytes one layer's arrays of a prediction take (see ``NetworkProblem.predict``)
PREDICT_BYTES = 1 << 16


class Problem(Protocol):
    """The surface the optimizer descends."""

    names: list[str]

    def initial_theta(self) -> Array:
        """Return the starting θ."""

    def loss_and_gradient(
        self, theta: Array, batch: Array | None = None, out: Array | None = None
    ) -> tuple[float, Array]:
        """Return L(θ) and dL/dθ, on the given training samples (all when ``None``)."""

    def loss(self, theta: Array) -> float:
        """Return the training loss at θ."""

    def gradient(self, theta: Array) -> Array:
        """Return dL/dθ on the whole training set."""

    def test_loss(self, theta: Array) -> float | None:
        """Return the loss on held-out points, or ``None`` when there are none."""

    def loss_grid(self, theta: Array, axis_x: Axis, axis_y: Axis, xs: Array, ys: Array,
                  dtype: type = np.float64) -> Array:
        """Return the loss over a grid, shape (len(ys), len(xs)); see ``landscape``."""

    @property
    def sample_count(self) -> int:
        """Return the number of training samples (0 when the loss has no data)."""


def _grid_offsets(theta: Array, axis: Axis, values: Array) -> Array:
    """Return grid coordinates as offsets along an axis: values − θ[i] for a parameter axis."""
    values = np.asarray(values, dtype=float)
    return values if isinstance(axis, np.ndarray) else values - theta[int(axis)]


@dataclass
class NetworkProblem:
    """An MLP learning a dataset. θ holds every weight and bias (``Network.unpack``).

    ``dataset`` holds the data's own columns; ``features``, when given, says which
    transform of them each input neuron receives (``None``: the columns themselves).
    """

    network: Network
    dataset: Dataset
    start: Array
    features: FeatureMap | None = None
    names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = self.network.parameter_names()
        self.start = np.asarray(self.start, dtype=float)
        if self.start.shape != (self.network.parameter_count,):
            raise ValueError(f"θ must have {self.network.parameter_count} entries, "
                             f"got {self.start.shape}")
        inputs = self.dataset.inputs if self.features is None else len(self.features.features)
        if self.features is not None and self.features.columns != self.dataset.inputs:
            raise ValueError(f"the features read {self.features.columns} columns, the data "
                             f"has {self.dataset.inputs}")
        if self.network.sizes[0] != inputs:
            raise ValueError(f"the network has {self.network.sizes[0]} inputs, the data gives "
                             f"{inputs}")
        self._passes: dict[str, tuple] = {}
        self._inputs: tuple | None = None

    def network_inputs(self, x: Array) -> Array:
        """Return the input neurons' values for data rows ``x`` (the features of its columns)."""
        return x if self.features is None else self.features.apply(x)

    @property
    def inputs(self) -> Dataset:
        """Return the dataset as the network sees it: each row's features, the same targets."""
        if self.features is None:
            return self.dataset
        known = self._inputs
        if known is None or known[0] is not self.dataset:
            d = self.dataset
            seen = Dataset(self.network_inputs(d.x_train), d.y_train,
                           self.network_inputs(d.x_test), d.y_test, d.kind, d.classes, d.name)
            known = self._inputs = (d, seen)
        return known[1]

    def _pass(self, part: str) -> TrainingPass:
        """Return the training loop's pass over the training or the test points.

        Made at first use and again if the data set or the network was replaced; the pass holds the data
        transposed and its buffers, so every step after the first allocates next to nothing.
        """
        known = self._passes.get(part)
        # a Dataset and a Network are frozen: checking that they are the same objects is enough
        if known is None or known[0] is not self.inputs or known[1].network is not self.network:
            data = self.inputs
            x, y = (data.x_train, data.y_train) if part == "train" else (data.x_test, data.y_test)
            known = self._passes[part] = (data, TrainingPass(self.network, x, y))
        return known[1]

    @property
    def sample_count(self) -> int:
        """Return the number of training samples."""
        return self.dataset.x_train.shape[0]

    def initial_theta(self) -> Array:
        """Return a copy of the starting weights."""
        return self.start.copy()

    def loss_and_gradient(
        self, theta: Array, batch: Array | None = None, out: Array | None = None
    ) -> tuple[float, Array]:
        """Return the loss and gradient on a batch of training samples (all when ``None``)."""
        return self._pass("train").loss_and_gradient(theta, batch, out)

    def stepper(self, theta: Array, out: Array) -> Callable[[Array], float]:
        """Return ``run(batch)``: the loss on training samples at θ, dL/dθ written into ``out``.

        The same numbers as ``loss_and_gradient(theta, batch, out)``, for a training loop
        that updates θ and reads ``out`` in place while the data set stays: the look-ups
        of every call are made once (``TrainingPass.stepper``).
        """
        return self._pass("train").stepper(theta, out)

    def loss(self, theta: Array) -> float:
        """Return the training loss at θ."""
        return self._pass("train").loss(theta)

    def gradient(self, theta: Array) -> Array:
        """Return dL/dθ on the whole training set."""
        return self.loss_and_gradient(theta)[1]

    def test_loss(self, theta: Array) -> float | None:
        """Return the loss on the test points (``None`` when there are none)."""
        if self.dataset.x_test.shape[0] == 0:
            return None
        return self._pass("test").loss(theta)

    def predict(self, theta: Array, x: Array) -> Array:
        """Return the network's outputs for data rows x (their features computed first).

        Many rows (a decision map's 10,000 points) are run through in slices, so that
        every layer's arrays stay below the C allocator's mmap threshold: they are then
        taken from and given back to its heap, instead of costing a page fault per 4 KB
        page on every call (3× the time of the pass itself here).
        """
        x = np.asarray(x, dtype=float)
        rows = max(1, PREDICT_BYTES // (8 * max(max(self.network.sizes), x.shape[-1])))
        if x.shape[0] <= rows:
            return self.network.forward(theta, self.network_inputs(x)).output
        out = np.empty((x.shape[0], self.network.sizes[-1]))
        for start in range(0, x.shape[0], rows):
            part = x[start:start + rows]
            out[start:start + rows] = self.network.forward(theta, self.network_inputs(part)).output
        return out

    def metrics(self, theta: Array) -> Metrics:
        """Return accuracy and confusion (classes) or RMSE and R² (numbers) at θ."""
        d = self.inputs
        with np.errstate(all="ignore"):
            train = self.network.forward(theta, d.x_train).output
            test = self.network.forward(theta, d.x_test).output if len(d.x_test) else \
                np.zeros((0, self.network.sizes[-1]))
            return score(d.kind, d.classes, (d.y_train, train), (d.y_test, test))

    def loss_grid(self, theta: Array, axis_x: Axis, axis_y: Axis, xs: Array, ys: Array,
                  dtype: type = np.float64) -> Array:
        """Return the training loss over a grid of two parameters' values or two directions."""
        return network_loss_grid(
            self.network, theta, self.inputs.x_train, self.inputs.y_train, axis_x, axis_y,
            _grid_offsets(theta, axis_x, xs), _grid_offsets(theta, axis_y, ys), dtype,
        )


@dataclass
class ExpressionProblem:
    """A cost J typed as a formula in one or two variables.

    ``function(*values)`` and ``gradient_function(*values)`` take one numpy array per
    variable (broadcasting like numpy) and return J, and the tuple (∂J/∂v₁, …).
    ``ranges`` gives the (low, high) of each variable for the landscape. ``text`` is J
    as shown; ``typed`` J as typed, whose parts say where J is defined (``sqrt(w)**2`` is
    shown ``w`` but undefined below 0), for whoever reads the formula again.
    """

    text: str
    names: list[str]
    function: Callable[..., Array]
    gradient_function: Callable[..., Sequence[Array]]
    start: Array
    ranges: list[tuple[float, float]]
    minima: list[tuple[float, ...]] = field(default_factory=list)
    typed: str = ""

    def __post_init__(self) -> None:
        self.start = np.asarray(self.start, dtype=float)

    @property
    def sample_count(self) -> int:
        """Return 0: a formula has no data to batch."""
        return 0

    def initial_theta(self) -> Array:
        """Return a copy of the starting point."""
        return self.start.copy()

    def loss(self, theta: Array) -> float:
        """Return J(θ)."""
        with np.errstate(all="ignore"):
            return float(self.function(*theta))

    def gradient(self, theta: Array) -> Array:
        """Return ∇J(θ): nan where J itself is undefined (``_gradient_at``)."""
        return self._gradient_at(theta, self.loss(theta))

    def _gradient_at(self, theta: Array, loss: float) -> Array:
        """Return ∇J(θ), given J(θ) = ``loss``.

        Where J has no value (nan: log of a negative number) neither has its slope, though
        the compiled partials may give one (log(w, 2) at w = −1: −1.44).
        """
        if math.isnan(loss):
            return np.full(len(self.names), math.nan)
        with np.errstate(all="ignore"):
            parts = self.gradient_function(*theta)
        return np.array([float(np.asarray(p)) for p in parts])

    def loss_and_gradient(
        self, theta: Array, batch: Array | None = None, out: Array | None = None
    ) -> tuple[float, Array]:
        """Return J(θ) and ∇J(θ); ``batch`` is ignored (a formula has no samples)."""
        loss = self.loss(theta)
        grad = self._gradient_at(theta, loss)
        if out is not None:
            out[:] = grad
            grad = out
        return loss, grad

    def test_loss(self, theta: Array) -> float | None:
        """Return ``None``: a formula has no held-out data."""
        return None

    def loss_grid(self, theta: Array, axis_x: Axis, axis_y: Axis, xs: Array, ys: Array,
                  dtype: type = np.float64) -> Array:
        """Return J over the grid, shape (len(ys), len(xs)), other variables held at θ."""
        u = _grid_offsets(theta, axis_x, xs)
        v = _grid_offsets(theta, axis_y, ys)
        d1, d2 = axis_vector(axis_x, len(theta)), axis_vector(axis_y, len(theta))
        uu, vv = np.meshgrid(u, v)
        values = [theta[k] + uu * d1[k] + vv * d2[k] for k in range(len(theta))]
        with np.errstate(all="ignore"):
            grid = np.asarray(self.function(*values), dtype=float)
        return np.broadcast_to(grid, uu.shape).astype(dtype)

    def loss_curve(self, xs: Array) -> Array:
        """Return J(w) at each w in xs for a one-variable formula."""
        with np.errstate(all="ignore"):
            values = np.asarray(self.function(np.asarray(xs, dtype=float)), dtype=float)
        return np.broadcast_to(values, np.shape(xs)).copy()


def weight_gradient_norms(problem: Problem, grad: Array) -> list[float]:
    """Return ‖dL/dW_l‖ (Euclidean, over the weights alone) for each layer l of a network.

    The per-layer sizes of the gradient show vanishing and exploding gradients: through
    many sigmoid layers the first layer's is thousands of times the last's smaller. A
    formula has no layers: an empty list.
    """
    network = getattr(problem, "network", None)
    if network is None:
        return []
    norms = []
    for w_start, b_start in network.weight_spans:
        part = grad[w_start:b_start]
        value = math.sqrt(part.dot(part))
        if not math.isfinite(value):  # squares past the largest float: scale first
            largest = float(np.max(np.abs(part)))
            value = largest * math.sqrt(float(np.sum((part / largest) ** 2))) \
                if math.isfinite(largest) else largest
        norms.append(value)
    return norms


def gradient_check(problem: Problem, theta: Array, epsilon: float = 1e-6) -> tuple[Array, Array]:
    """Return (analytic gradient, central-difference estimate) at θ.

    The estimate for parameter k is (L(θ + ε e_k) − L(θ − ε e_k)) / 2ε; its error is of
    order ε², so the two agree to many digits when backpropagation is right.
    """
    theta = np.asarray(theta, dtype=float)
    analytic = np.asarray(problem.gradient(theta), dtype=float).copy()
    numeric = np.empty_like(theta)
    probe = theta.copy()
    for k in range(theta.size):
        probe[k] = theta[k] + epsilon
        plus = problem.loss(probe)
        probe[k] = theta[k] - epsilon
        minus = problem.loss(probe)
        probe[k] = theta[k]
        numeric[k] = (plus - minus) / (2 * epsilon)
    return analytic, numeric
