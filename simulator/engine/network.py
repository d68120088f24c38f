"""The multilayer perceptron: forward pass, backpropagation and a step-by-step walkthrough.

Layers are counted from 1. Layer ``l`` takes the previous activations ``a[l-1]`` (``a[0]``
is the input ``x``) and computes::

    z[l] = a[l-1] @ W[l] + b[l]        W[l] is n_in × n_out, so W[l][i, j] joins
    a[l] = f_l(z[l])                   neuron i of layer l-1 to neuron j of layer l

All weights and biases live in one flat vector θ (the hiker's position); ``unpack``
gives views of it shaped as matrices, so an optimizer updates θ and the matrices change
with it. Parameter names follow the same layout: ``W1[0,1]``, ``b1[1]``, ``W2[1,0]``…
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace

import numpy as np

from .functions import ACTIVATIONS, LOSSES, Activation, Loss, Regularization
from .initializers import draw_weights, starting_bias
from .training_pass import TrainingPass

Array = np.ndarray

MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 32
MAX_INPUTS = 16
MAX_OUTPUTS = 10


class NetworkError(ValueError):
    """A network that cannot be built (a shape beyond the limits, a loss without its output)."""


@dataclass(frozen=True)
class Trace:
    """What the forward pass computed for a batch.

    ``z[l]`` and ``a[l]`` are batch × neurons arrays for layer l; ``a[0]`` is the input and
    ``z[0]`` is ``None`` (the input layer computes nothing).
    """

    z: list[Array | None]
    a: list[Array]

    @property
    def output(self) -> Array:
        """Return the network's prediction ŷ = a[L]."""
        return self.a[-1]


@dataclass(frozen=True)
class Gradients:
    """What backpropagation computed for a batch, layer by layer (index 0 is unused).

    ``dL_dz[l]`` and ``dL_da[l]`` are batch × neurons: how the batch loss changes with each
    sample's pre-activation and activation. ``dL_dW[l]`` (n_in × n_out) and ``dL_db[l]``
    are views into ``flat``, the gradient of the loss with respect to θ.
    """

    dL_dz: list[Array | None]
    dL_da: list[Array | None]
    dL_dW: list[Array | None]
    dL_db: list[Array | None]
    flat: Array


@dataclass(frozen=True)
class Operation:
    """One elementary operation of the walkthrough of a single sample.

    ``target`` is what is computed (``"z1[0]"``, ``"dL/dW2[1,0]"``), ``formula`` how, in
    symbols, ``substituted`` the same with the numbers filled in, ``value`` the result.
    """

    phase: str  # "forward" or "backward"
    layer: int
    target: str
    formula: str
    substituted: str
    value: float


@dataclass(frozen=True)
class Network:
    """The shape and the functions of an MLP; its weights live in a separate θ.

    ``sizes`` lists the neuron count of every layer, inputs first and outputs last;
    ``activations`` names one activation per hidden layer.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    output_activation: str = "sigmoid"
    loss_name: str = "mse"
    regularization: Regularization | None = None
    _offsets: tuple[tuple[int, int, int], ...] = field(init=False, repr=False, compare=False)
    _views: tuple = field(init=False, repr=False, compare=False, default=())
    _functions: tuple = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        object.__setattr__(self, "activations", tuple(self.activations))
        self._validate()
        offsets, start = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            offsets.append((start, start + n_in * n_out, start + n_in * n_out + n_out))
            start += n_in * n_out + n_out
        object.__setattr__(self, "_offsets", tuple(offsets))
        # f_1 … f_L by layer (index 0 unused), looked up once instead of every step
        functions = [None, *(ACTIVATIONS[name] for name in self.activations),
                     ACTIVATIONS[self.output_activation]]
        object.__setattr__(self, "_functions", tuple(functions))

    def _validate(self) -> None:
        sizes = self.sizes
        if len(sizes) < 2:
            raise NetworkError("a network needs an input layer and an output layer")
        if len(sizes) - 2 > MAX_HIDDEN_LAYERS:
            raise NetworkError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes) - 2}")
        if not 1 <= sizes[0] <= MAX_INPUTS:
            raise NetworkError(f"the input layer must have 1–{MAX_INPUTS} neurons, got {sizes[0]}")
        if not 1 <= sizes[-1] <= MAX_OUTPUTS:
            raise NetworkError(
                f"the output layer must have 1–{MAX_OUTPUTS} neurons, got {sizes[-1]}"
            )
        for index, n in enumerate(sizes[1:-1], start=1):
            if not 1 <= n <= MAX_NEURONS:
                raise NetworkError(
                    f"hidden layer {index} must have 1–{MAX_NEURONS} neurons, got {n}"
                )
        if len(self.activations) != len(sizes) - 2:
            raise NetworkError(
                f"one activation per hidden layer: {len(sizes) - 2} needed, "
                f"got {len(self.activations)}"
            )
        for name in self.activations:
            if name not in ACTIVATIONS or ACTIVATIONS[name].output_only:
                raise NetworkError(f"unknown hidden activation {name!r}")
        if self.output_activation not in ACTIVATIONS:
            raise NetworkError(f"unknown output activation {self.output_activation!r}")
        if self.loss_name not in LOSSES:
            raise NetworkError(f"unknown loss {self.loss_name!r}")
        needed = LOSSES[self.loss_name].requires
        if needed and self.output_activation != needed:
            raise NetworkError(
                f"loss {self.loss_name!r} needs output activation {needed!r}, "
                f"got {self.output_activation!r}"
            )
        if self.output_activation == "softmax" and self.loss_name != "cross_entropy":
            if self.loss_name != "mse":
                raise NetworkError("output activation 'softmax' goes with 'cross_entropy' or 'mse'")
        if self.loss_name == "cross_entropy" and sizes[-1] < 2:
            raise NetworkError("'cross_entropy' needs at least 2 outputs (one per class)")

    # ----- layout -----------------------------------------------------------------

    @property
    def layer_count(self) -> int:
        """Return L, the number of layers that compute (hidden layers plus the output)."""
        return len(self.sizes) - 1

    @property
    def parameter_count(self) -> int:
        """Return the length of θ."""
        return self._offsets[-1][2]

    @property
    def loss(self) -> Loss:
        """Return the loss object."""
        return LOSSES[self.loss_name]

    def activation(self, layer: int) -> Activation:
        """Return f_l, the activation of layer l (1-based; the last is the output's)."""
        if not 1 <= layer < len(self._functions):
            raise IndexError(f"layer {layer}: layers are 1–{self.layer_count}")
        return self._functions[layer]

    @property
    def weight_spans(self) -> tuple[tuple[int, int], ...]:
        """Return where each layer's weights W_l lie in θ, as (start, stop), layer 1 first."""
        return tuple((w_start, b_start) for w_start, b_start, _ in self._offsets)

    def parameter_names(self) -> list[str]:
        """Return the name of every entry of θ, in order: W1[0,0], W1[0,1], …, b1[0], …."""
        names: list[str] = []
        for layer, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            names += [f"W{layer}[{i},{j}]" for i in range(n_in) for j in range(n_out)]
            names += [f"b{layer}[{j}]" for j in range(n_out)]
        return names

    def index_of(self, name: str) -> int:
        """Return the position in θ of a parameter named like ``W2[1,0]`` or ``b1[3]``."""
        kind, layer, cell = _parse_parameter_name(name)
        if not 1 <= layer <= self.layer_count:
            raise NetworkError(f"{name}: there is no layer {layer} (layers 1–{self.layer_count})")
        w_start, b_start, _ = self._offsets[layer - 1]
        n_in, n_out = self.sizes[layer - 1], self.sizes[layer]
        if kind == "W":
            i, j = cell
            if not (0 <= i < n_in and 0 <= j < n_out):
                raise NetworkError(f"{name}: layer {layer} has weights W{layer}[0..{n_in - 1},"
                                   f"0..{n_out - 1}]")
            return w_start + i * n_out + j
        (j,) = cell
        if not 0 <= j < n_out:
            raise NetworkError(f"{name}: layer {layer} has biases b{layer}[0..{n_out - 1}]")
        return b_start + j

    def locate(self, index: int) -> tuple[str, int, tuple[int, ...]]:
        """Return (``"W"`` or ``"b"``, layer, cell) of the θ entry at ``index``."""
        if index < 0:  # counting from the end would name a cell like W1[-1,2]
            raise IndexError(index)
        for layer, (w_start, b_start, end) in enumerate(self._offsets, start=1):
            if index < b_start:
                n_out = self.sizes[layer]
                return "W", layer, divmod(index - w_start, n_out)
            if index < end:
                return "b", layer, (index - b_start,)
        raise IndexError(index)

    def unpack(self, theta: Array) -> tuple[tuple[Array, ...], tuple[Array, ...]]:
        """Return views of θ as the weight matrices and bias vectors, layer 1 first.

        The views of the last few arrays seen are kept: a training loop passes the same θ
        and gradient buffer (updated in place) every step, and making the views costs more
        than using them.
        """
        cached = self._views  # one read: another thread may replace it meanwhile
        for ref, views in cached:
            if ref() is theta:
                return views
        weights, biases = [], []
        for (w_start, b_start, end), n_in, n_out in zip(
            self._offsets, self.sizes[:-1], self.sizes[1:], strict=True
        ):
            weights.append(theta[w_start:b_start].reshape(n_in, n_out))
            biases.append(theta[b_start:end])
        views = (tuple(weights), tuple(biases))
        if theta.base is None:  # views of a view would not follow a reallocated parent
            # θ and the gradient buffer alternate every step: remember a few arrays.
            object.__setattr__(self, "_views", ((weakref.ref(theta), views), *cached[:3]))
        return views

    def pack(self, weights: list[Array], biases: list[Array]) -> Array:
        """Return θ built from weight matrices and bias vectors (checked against the shape)."""
        theta = np.zeros(self.parameter_count)
        w_views, b_views = self.unpack(theta)
        if len(weights) != self.layer_count or len(biases) != self.layer_count:
            raise NetworkError(f"expected {self.layer_count} weight matrices and bias vectors")
        for layer, (w, b, wv, bv) in enumerate(
            zip(weights, biases, w_views, b_views, strict=True), start=1
        ):
            w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
            if w.shape != wv.shape:
                raise NetworkError(f"weights of layer {layer}: expected shape {wv.shape}, "
                                   f"got {w.shape}")
            if b.shape != bv.shape:
                raise NetworkError(f"biases of layer {layer}: expected {bv.shape[0]} values, "
                                   f"got {b.size}")
            wv[:] = w
            bv[:] = b
        return theta

    def initial_theta(self, seed: int, kind: str = "auto") -> Array:
        """Return seeded starting weights drawn by an initialisation (``initializers``).

        The default, ``auto``, is Glorot normal (He normal before a ReLU-like layer)
        with zero biases.
        """
        rng = np.random.default_rng(seed)
        theta = np.zeros(self.parameter_count)
        weights, biases = self.unpack(theta)
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
            n_in, n_out = w.shape
            w[:] = draw_weights(kind, n_in, n_out, rng, self.activation(layer).name)
            b[:] = starting_bias(kind)
        return theta

    # ----- forward and backward -----------------------------------------------------

    def forward(self, theta: Array, x: Array) -> Trace:
        """Run the batch ``x`` (samples × inputs) through the network at θ."""
        weights, biases = self.unpack(theta)
        zs: list[Array | None] = [None]
        activations = [x]
        a = x
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
            z = a @ w + b
            a = self.activation(layer).value(z)
            zs.append(z)
            activations.append(a)
        return Trace(zs, activations)

    def loss_value(self, theta: Array, trace: Trace, y: Array) -> float:
        """Return the loss of a traced batch, regularization included."""
        value = self.loss.value(trace.z[-1], trace.a[-1], y)
        if self.regularization is not None:
            value += self.regularization.value(self.unpack(theta)[0])
        return value

    def backward(self, theta: Array, trace: Trace, y: Array, out: Array | None = None) -> Gradients:
        """Backpropagate the loss of a traced batch; return every layer's derivatives.

        Starting from dL/dz of the output layer, each layer gives (for a batch)::

            dL/dW[l] = a[l-1]ᵀ @ dL/dz[l]     (+ the regularization's gradient)
            dL/db[l] = Σ over samples of dL/dz[l]
            dL/da[l-1] = dL/dz[l] @ W[l]ᵀ     (how the loss changes with earlier neurons)
            dL/dz[l-1] = dL/da[l-1] · f'(z[l-1])

        ``out``, if given, receives the flat gradient (saves an allocation per step).
        """
        weights, _ = self.unpack(theta)
        flat = np.empty(self.parameter_count) if out is None else out
        grad_w, grad_b = self.unpack(flat)
        top = self.layer_count
        dL_dz: list[Array | None] = [None] * (top + 1)
        dL_da: list[Array | None] = [None] * (top + 1)
        z_out, a_out = trace.z[top], trace.a[top]
        dL_da[top] = self.loss.dL_da(z_out, a_out, y)
        dz = self.loss.dL_dz(z_out, a_out, y, self.activation(top))
        for layer in range(top, 0, -1):
            dL_dz[layer] = dz
            np.matmul(trace.a[layer - 1].T, dz, out=grad_w[layer - 1])
            dz.sum(axis=0, out=grad_b[layer - 1])
            if self.regularization is not None:
                self.regularization.add_gradient(weights[layer - 1], grad_w[layer - 1])
            if layer > 1:
                da = dz @ weights[layer - 1].T
                dL_da[layer - 1] = da
                dz = self.activation(layer - 1).backward(trace.z[layer - 1], trace.a[layer - 1], da)
        return Gradients(
            dL_dz, dL_da, [None, *grad_w], [None, *grad_b], flat
        )

    def loss_and_gradient(
        self, theta: Array, x: Array, y: Array, out: Array | None = None
    ) -> tuple[float, Array]:
        """Return the loss of the batch and its gradient with respect to θ.

        The numbers of ``forward`` and ``backward``, computed by the training loop's pass
        (``TrainingPass``); a problem keeps one per data set instead of making one per call.
        """
        return TrainingPass(self, np.asarray(x, dtype=float), y).loss_and_gradient(theta, None, out)

    # ----- the walkthrough ---------------------------------------------------------

    def walkthrough(self, theta: Array, x: Array, y: Array) -> list[Operation]:
        """Return the forward and backward pass of one sample as elementary operations.

        ``x`` is one sample's inputs and ``y`` its target (a value per output, or a class
        index). The loss is that sample's alone, without regularization, so every number
        here can be checked by hand.
        """
        x = np.asarray(x, dtype=float).reshape(1, -1)
        y = np.asarray(y, dtype=float).reshape(1, -1)
        weights, biases = self.unpack(theta)
        trace = self.forward(theta, x)
        ops: list[Operation] = []
        top = self.layer_count

        def a_name(layer: int, i: int) -> str:
            return f"x[{i}]" if layer == 0 else f"a{layer}[{i}]"

        for layer in range(1, top + 1):
            act = self.activation(layer)
            prev, w, b = trace.a[layer - 1][0], weights[layer - 1], biases[layer - 1]
            for j in range(self.sizes[layer]):
                terms = [f"{a_name(layer - 1, i)}·W{layer}[{i},{j}]" for i in range(len(prev))]
                numbers = [f"{_fmt(prev[i])}·{_fmt(w[i, j])}" for i in range(len(prev))]
                ops.append(Operation(
                    "forward", layer, f"z{layer}[{j}]",
                    " + ".join([*terms, f"b{layer}[{j}]"]),
                    " + ".join([*numbers, _fmt(b[j])]),
                    float(trace.z[layer][0, j]),
                ))
            for j in range(self.sizes[layer]):
                ops.append(Operation(
                    "forward", layer, f"a{layer}[{j}]",
                    f"{act.name}(z{layer}[{j}])",
                    f"{act.name}({_fmt(trace.z[layer][0, j])})",
                    float(trace.a[layer][0, j]),
                ))
        loss = self.loss.value(trace.z[top], trace.a[top], y)
        ops.append(Operation("forward", top, "L", self.loss.formula,
                             f"{self.loss_name}(ŷ={_vec(trace.a[top][0])}, y={_vec(y[0])})", loss))

        grads = replace(self, regularization=None).backward(theta, trace, y)
        for layer in range(top, 0, -1):
            act = self.activation(layer)
            dz, da = grads.dL_dz[layer][0], grads.dL_da[layer][0]
            for j in range(self.sizes[layer]):
                ops.append(Operation(
                    "backward", layer, f"dL/da{layer}[{j}]",
                    "from the loss" if layer == top else
                    " + ".join(f"W{layer + 1}[{j},{k}]·dL/dz{layer + 1}[{k}]"
                               for k in range(self.sizes[layer + 1])),
                    _fmt(da[j]) if layer == top else
                    " + ".join(f"{_fmt(weights[layer][j, k])}·{_fmt(grads.dL_dz[layer + 1][0, k])}"
                               for k in range(self.sizes[layer + 1])),
                    float(da[j]),
                ))
            for j in range(self.sizes[layer]):
                ops.append(Operation("backward", layer, f"dL/dz{layer}[{j}]",
                                     *self._dz_step(layer, j, trace, da, y), float(dz[j])))
            prev = trace.a[layer - 1][0]
            for i in range(self.sizes[layer - 1]):
                for j in range(self.sizes[layer]):
                    ops.append(Operation(
                        "backward", layer, f"dL/dW{layer}[{i},{j}]",
                        f"{a_name(layer - 1, i)}·dL/dz{layer}[{j}]",
                        f"{_fmt(prev[i])}·{_fmt(dz[j])}",
                        float(grads.dL_dW[layer][i, j]),
                    ))
            for j in range(self.sizes[layer]):
                ops.append(Operation(
                    "backward", layer, f"dL/db{layer}[{j}]", f"dL/dz{layer}[{j}]",
                    _fmt(dz[j]), float(grads.dL_db[layer][j]),
                ))
        return ops

    def _dz_step(self, layer: int, j: int, trace: Trace, da: Array, y: Array) -> tuple[str, str]:
        """Return the formula and the numbers of dL/dz for neuron j of a layer."""
        act = self.activation(layer)
        z, a = trace.z[layer][0], trace.a[layer][0]
        if layer == self.layer_count and self.loss.requires:
            # Fused: bce averages over the outputs too, so its step is (a − y) / outputs.
            target = y[0, j] if self.loss.targets == "values" else float(int(y[0, 0]) == j)
            if self.loss.targets == "values" and len(a) > 1:
                return (f"(a{layer}[{j}] - y[{j}]) / {len(a)}",
                        f"({_fmt(a[j])} - {_fmt(target)}) / {len(a)}")
            return f"a{layer}[{j}] - y[{j}]", f"{_fmt(a[j])} - {_fmt(target)}"
        if act.name == "softmax":
            return (f"a{layer}[{j}]·(dL/da{layer}[{j}] - Σ_k dL/da{layer}[k]·a{layer}[k])",
                    f"{_fmt(a[j])}·({_fmt(da[j])} - {_fmt(float(np.dot(da, a)))})")
        slope = act.da_dz(z[j:j + 1], a[j:j + 1])[0]
        return (f"dL/da{layer}[{j}]·{act.name}'(z{layer}[{j}])", f"{_fmt(da[j])}·{_fmt(slope)}")


def _fmt(value: float) -> str:
    """Return a number short enough to read in a formula."""
    return f"{value:.4g}"


def _vec(values: Array) -> str:
    return "[" + ", ".join(_fmt(v) for v in values) + "]"


def _parse_parameter_name(name: str) -> tuple[str, int, tuple[int, ...]]:
    """Split ``W2[1,0]`` into ("W", 2, (1, 0)) and ``b1[3]`` into ("b", 1, (3,))."""
    text = name.replace(" ", "")
    try:
        head, rest = text.split("[", 1)
        if not rest.endswith("]") or head[:1] not in ("W", "b"):
            raise ValueError
        layer = int(head[1:])
        cell = tuple(int(part) for part in rest[:-1].split(","))
    except ValueError:
        raise NetworkError(f"{name!r} is not a parameter name like W1[0,1] or b2[0]") from None
    if (head[0] == "W" and len(cell) != 2) or (head[0] == "b" and len(cell) != 1):
        raise NetworkError(f"{name!r} is not a parameter name like W1[0,1] or b2[0]")
    return head[0], layer, cell
