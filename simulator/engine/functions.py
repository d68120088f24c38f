"""Activations and losses: each one keeps its value and its derivative side by side.

A layer computes ``z = a_prev @ W + b`` (the *pre-activation*) and then ``a = f(z)``
(the *activation*). Backpropagation needs, for every layer, how the loss changes with
``z``; the chain rule gives it from how the loss changes with ``a``::

    dL/dz = dL/da * da/dz          (element by element, for every f except softmax)

Every object here is found by name in a registry (``ACTIVATIONS``, ``LOSSES``), so a
lesson file can say ``"activation": "tanh"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """Return the logistic function 1 / (1 + e^-z), computed without overflow."""
    # For large negative z, e^-z overflows; tanh form is exact and stable everywhere.
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def softplus(z: Array) -> Array:
    """Return log(1 + e^z) without overflow for large |z|."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


@dataclass(frozen=True)
class Activation:
    """An activation function f and its derivative.

    Attributes
    ----------
    name
        The registry name used in lesson files.
    formula
        f(z) written for people, e.g. ``"tanh(z)"``.
    derivative_formula
        da/dz written for people, e.g. ``"1 - tanh(z)^2"``.
    value
        f(z), element by element.
    da_dz
        da/dz given z and a = f(z) (some derivatives are cheapest from a).
    """

    name: str
    formula: str
    derivative_formula: str
    value: Callable[[Array], Array]
    da_dz: Callable[[Array, Array], Array]
    output_only: bool = False
    value_out: Callable[[Array, Array], None] | None = None
    backward_out: Callable[[Array, Array, Array, Array], None] | None = None

    def backward(self, z: Array, a: Array, dL_da: Array) -> Array:
        """Return dL/dz from dL/da: the chain rule through this activation."""
        return dL_da * self.da_dz(z, a)

    # The training loop calls these with buffers it made once: on arrays of a few dozen
    # numbers, numpy spends more time allocating a result than computing it. ``value_out``
    # and ``backward_out``, where given, do the same operations in the same order as
    # ``value`` and ``backward``, so the numbers are bit-identical.

    def value_into(self, z: Array, out: Array) -> None:
        """Write f(z) into ``out``."""
        if self.value_out is None:
            np.copyto(out, self.value(z))
        else:
            self.value_out(z, out)

    def backward_into(self, z: Array, a: Array, dL_da: Array, out: Array) -> None:
        """Write dL/dz = dL/da · f'(z) into ``out`` (element-wise activations only)."""
        if self.backward_out is None:
            np.multiply(dL_da, self.da_dz(z, a), out=out)
        else:
            self.backward_out(z, a, dL_da, out)


class Softmax(Activation):
    """Softmax over each row: a_k = e^z_k / Σ_j e^z_j (an output activation only).

    Its derivative is not element by element: da_k/dz_j = a_k (δ_kj − a_j), so
    ``backward`` applies that Jacobian to dL/da instead of multiplying.
    """

    def backward(self, z: Array, a: Array, dL_da: Array) -> Array:
        """Return dL/dz_j = a_j (dL/da_j − Σ_k dL/da_k a_k) for each row."""
        return a * (dL_da - np.sum(dL_da * a, axis=-1, keepdims=True))


def _softmax(z: Array) -> Array:
    shifted = z - np.max(z, axis=-1, keepdims=True)  # same result, no overflow
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


# The in-place forms pass ``out`` by position: on a few dozen numbers even parsing a
# keyword is a measurable share of the call. For the same reason the backward forms (only
# ever float64) take their constants as 0-d arrays: numpy converts a Python float on every
# call, which costs half as much again as the operation. The forward forms keep Python
# floats, so that float32 arrays (the landscape) stay float32.
ONE = np.array(1.0)


def _tanh_backward(z: Array, a: Array, dL_da: Array, out: Array) -> None:
    np.multiply(a, a, out)  # dL/da · (1 − a²), as the tanh entry below computes it
    np.subtract(ONE, out, out)
    np.multiply(dL_da, out, out)


def _sigmoid_into(z: Array, out: Array) -> None:
    np.multiply(z, 0.5, out)  # 0.5 · (tanh(0.5 z) + 1), as ``sigmoid`` computes it
    np.tanh(out, out)
    np.add(out, 1.0, out)
    np.multiply(out, 0.5, out)


def _sigmoid_backward(z: Array, a: Array, dL_da: Array, out: Array) -> None:
    np.subtract(ONE, a, out)  # dL/da · (a (1 − a))
    np.multiply(a, out, out)
    np.multiply(dL_da, out, out)


def _softmax_diagonal(z: Array, a: Array) -> Array:
    # Only the diagonal da_k/dz_k = a_k (1 - a_k); used for display, never for backward.
    return a * (1.0 - a)


LEAKY_SLOPE = 0.01

ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation("linear", "z", "1", lambda z: z, lambda z, a: np.ones_like(z),
                   value_out=lambda z, out: np.copyto(out, z),
                   backward_out=lambda z, a, dL_da, out: np.copyto(out, dL_da)),
        Activation(
            "relu", "max(0, z)", "1 if z > 0 else 0",
            lambda z: np.maximum(z, 0.0),
            lambda z, a: (z > 0).astype(z.dtype),
            value_out=lambda z, out: np.maximum(z, 0.0, out=out),
            backward_out=lambda z, a, dL_da, out: np.multiply(dL_da, z > 0, out=out),
        ),
        Activation(
            "leaky_relu", "z if z > 0 else 0.01 z", "1 if z > 0 else 0.01",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        ),
        Activation("tanh", "tanh(z)", "1 - tanh(z)^2", np.tanh, lambda z, a: 1.0 - a * a,
                   value_out=np.tanh, backward_out=_tanh_backward),
        Activation("sigmoid", "σ(z)", "σ(z) (1 - σ(z))", sigmoid, lambda z, a: a * (1.0 - a),
                   value_out=_sigmoid_into, backward_out=_sigmoid_backward),
        Softmax(
            "softmax", "e^z_k / Σ e^z_j", "a_k (δ_kj - a_j)", _softmax, _softmax_diagonal,
            output_only=True,
        ),
    )
}

HIDDEN_ACTIVATIONS = tuple(name for name, act in ACTIVATIONS.items() if not act.output_only)


@dataclass(frozen=True)
class Loss:
    """A loss L(ŷ, y) averaged over the batch, with its gradient with respect to z.

    Attributes
    ----------
    name
        The registry name used in lesson files.
    formula
        L written for people.
    requires
        The output activation this loss needs (``None``: any).
    targets
        ``"values"`` (one column per output) or ``"classes"`` (one class index per sample).
    """

    name: str
    formula: str
    requires: str | None
    targets: str

    def values(self, z: Array, a: Array, y: Array) -> Array:
        """Return the loss of each batch in a stack: z and a are (…, samples, outputs).

        The landscape evaluates thousands of parameter settings at once this way.
        """
        raise NotImplementedError

    def value(self, z: Array, a: Array, y: Array) -> float:
        """Return the loss of one batch, for outputs a = f(z) against targets y."""
        return float(self.values(z, a, y))

    def dL_da(self, z: Array, a: Array, y: Array) -> Array:
        """Return dL/da of the output layer (shown to students; may be large)."""
        raise NotImplementedError

    def dL_dz(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return dL/dz of the output layer (what backpropagation starts from)."""
        return activation.backward(z, a, self.dL_da(z, a, y))


class MeanSquaredError(Loss):
    """L = mean over samples and outputs of (ŷ − y)²."""

    def values(self, z: Array, a: Array, y: Array) -> Array:
        """Return mean((a − y)²) over samples and outputs."""
        diff = a - y
        return np.mean(diff * diff, axis=(-2, -1))

    def value(self, z: Array, a: Array, y: Array) -> float:
        """Return mean((a − y)²) of one batch (a dot product: the training loop's hot path)."""
        diff = (a - y).ravel()
        return float(diff @ diff) / diff.size

    def dL_da(self, z: Array, a: Array, y: Array) -> Array:
        """Return 2 (a − y) / (samples × outputs)."""
        return (2.0 / a.size) * (a - y)


class BinaryCrossEntropy(Loss):
    """L = −mean[y log σ(z) + (1 − y) log(1 − σ(z))], from the pre-activation z.

    Written as mean[softplus(z) − y z], which never takes log(0): the same number,
    computed stably even when σ(z) rounds to 0 or 1.
    """

    def values(self, z: Array, a: Array, y: Array) -> Array:
        """Return mean(softplus(z) − y z) over samples and outputs."""
        return np.mean(softplus(z) - y * z, axis=(-2, -1))

    def dL_da(self, z: Array, a: Array, y: Array) -> Array:
        """Return −(y/a − (1 − y)/(1 − a)) / n, with a kept off 0 and 1."""
        a = np.clip(a, 1e-12, 1.0 - 1e-12)
        return (-(y / a) + (1.0 - y) / (1.0 - a)) / a.size

    def dL_dz(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return (σ(z) − y) / n: the sigmoid's derivative cancels the log's."""
        return (a - y) / a.size


class CrossEntropy(Loss):
    """L = mean over samples of −log softmax(z)[class], with integer class targets."""

    def values(self, z: Array, a: Array, y: Array) -> Array:
        """Return mean(logsumexp(z) − z[class]) over samples."""
        m = np.max(z, axis=-1, keepdims=True)
        logsumexp = m[..., 0] + np.log(np.sum(np.exp(z - m), axis=-1))
        index = np.broadcast_to(_class_index(y)[:, None], z.shape[:-1] + (1,))
        picked = np.take_along_axis(z, index, axis=-1)[..., 0]
        return np.mean(logsumexp - picked, axis=-1)

    def dL_da(self, z: Array, a: Array, y: Array) -> Array:
        """Return −onehot / (a · n): the derivative of −log a[class]."""
        onehot = _one_hot(y, a.shape[-1])
        return -onehot / (np.clip(a, 1e-12, None) * a.shape[0])

    def dL_dz(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """Return (softmax(z) − onehot) / samples."""
        return (a - _one_hot(y, a.shape[-1])) / a.shape[0]


def _class_index(y: Array) -> Array:
    return y.reshape(y.shape[0]).astype(np.intp)


def _one_hot(y: Array, classes: int) -> Array:
    out = np.zeros((y.shape[0], classes))
    out[np.arange(y.shape[0]), _class_index(y)] = 1.0
    return out


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        MeanSquaredError("mse", "mean (ŷ - y)²", None, "values"),
        BinaryCrossEntropy("bce", "-mean[y log ŷ + (1-y) log(1-ŷ)]", "sigmoid", "values"),
        CrossEntropy("cross_entropy", "-mean log ŷ[class]", "softmax", "classes"),
    )
}


@dataclass(frozen=True)
class Regularization:
    """A penalty on the weights (never the biases) added to the loss.

    ``l2``: λ/2 · ΣW², whose gradient is λW; ``l1``: λ · Σ|W|, whose gradient is λ·sign(W).
    """

    kind: str
    rate: float

    def value(self, weights: list[Array]) -> float:
        """Return the penalty for these weight matrices."""
        if self.kind == "l2":
            return 0.5 * self.rate * sum(float(np.sum(w * w)) for w in weights)
        return self.rate * sum(float(np.sum(np.abs(w))) for w in weights)

    def add_gradient(self, w: Array, dL_dW: Array) -> None:
        """Add the penalty's gradient for one weight matrix to dL/dW, in place."""
        if self.kind == "l2":
            dL_dW += self.rate * w
        else:
            dL_dW += self.rate * np.sign(w)


REGULARIZATIONS = ("l2", "l1")
