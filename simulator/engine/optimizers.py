"""Optimizers: the rules that turn a gradient into the hiker's next step.

Each follows ``torch.optim`` exactly (same defaults, same order of operations), so a
student's numbers match PyTorch's. θ and the gradient g are flat vectors; ``step``
updates θ in place. ``state`` holds what the optimizer remembers between steps
(velocities, running averages), which the views draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

Array = np.ndarray


class OptimizerError(ValueError):
    """An optimizer name or hyper-parameter that cannot be used."""


@dataclass
class Optimizer:
    """Base class: a learning rate, named hyper-parameters and per-parameter state.

    ``t`` counts the steps taken so far (Adam's bias correction needs it).
    """

    learning_rate: float = 0.01
    t: int = 0
    state: dict[str, Array] = field(default_factory=dict)

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: hyper-parameter name → (default, low, high, what it does)
    hyper: ClassVar[dict[str, tuple[float, float, float, str]]] = {}

    def step(self, theta: Array, grad: Array) -> None:
        """Move θ one step using the gradient g = dL/dθ (in place)."""
        raise NotImplementedError

    def direction(self, grad: Array, theta: Array | None = None) -> Array:
        """Return the step the optimizer would take next from gradient g (without taking it).

        ``theta`` is needed only by a rule whose step depends on θ itself (AdamW's decay).
        """
        probe = np.zeros_like(grad)
        saved = self.snapshot()
        self.step(probe, grad)
        self.restore(saved)
        return probe

    def velocity(self) -> Array | None:
        """Return the running direction the optimizer carries (momentum, Adam's m), if any."""
        return None

    def hyperparameters(self) -> dict[str, float]:
        """Return the learning rate and every named hyper-parameter's current value."""
        return {"learning_rate": self.learning_rate,
                **{key: getattr(self, key) for key in self.hyper}}

    def snapshot(self) -> tuple[int, dict[str, Array]]:
        """Return a copy of the state (for rewind)."""
        return self.t, {key: value.copy() for key, value in self.state.items()}

    def restore(self, snapshot: tuple[int, dict[str, Array]]) -> None:
        """Put back a state returned by ``snapshot``."""
        self.t = snapshot[0]
        self.state = {key: value.copy() for key, value in snapshot[1].items()}

    def reset(self) -> None:
        """Forget everything remembered: the next step is a first step."""
        self.t = 0
        self.state = {}

    def _buffer(self, key: str, like: Array) -> Array:
        buf = self.state.get(key)
        if buf is None or buf.shape != like.shape:
            buf = self.state[key] = np.zeros_like(like)
        return buf

    def _constant(self, value: float) -> Array:
        """Return a number as a 0-d array, made once per value.

        numpy converts a Python float operand on every call, which on a small network's θ
        costs half as much again as the operation itself.
        """
        constants = self.__dict__.setdefault("_constants", {})
        array = constants.get(value)
        if array is None:
            if len(constants) > 16:  # a schedule changes η every step: keep only a few
                constants.clear()
            array = constants[value] = np.array(value)
        return array

    def _scratch(self, like: Array) -> tuple[Array, Array]:
        """Return two work arrays shaped like θ: scratch space, not state (never saved)."""
        work = self.__dict__.get("_work")
        if work is None or work[0].shape != like.shape:
            work = self.__dict__["_work"] = (np.empty_like(like), np.empty_like(like))
        return work


@dataclass
class SGD(Optimizer):
    """Plain gradient descent: θ ← θ − η g."""

    name: ClassVar[str] = "sgd"
    label: ClassVar[str] = "Gradient descent (SGD)"

    def step(self, theta: Array, grad: Array) -> None:
        """Take θ ← θ − η g."""
        self.t += 1
        # η as a 0-d array and a work array, looked up in one read (a mini-batch step of a
        # small network is a few microseconds: two dictionary look-ups are a tenth of it)
        bound = self.__dict__.get("_bound")
        if bound is None or bound[0] != self.learning_rate or bound[2].shape != grad.shape:
            bound = self.__dict__["_bound"] = (self.learning_rate, np.array(self.learning_rate),
                                               np.empty_like(grad))
        _, rate, work = bound
        np.subtract(theta, np.multiply(grad, rate, work), theta)


@dataclass
class Momentum(Optimizer):
    """SGD with momentum (torch, dampening 0): v ← μ v + g (v = g at first); θ ← θ − η v."""

    momentum: float = 0.9

    name: ClassVar[str] = "momentum"
    label: ClassVar[str] = "Momentum"
    hyper: ClassVar = {"momentum": (0.9, 0.0, 0.999, "how much of the last step carries over")}

    def _update_velocity(self, grad: Array) -> Array:
        self.t += 1
        if "velocity" not in self.state or self.state["velocity"].shape != grad.shape:
            self.state["velocity"] = grad.copy()
        else:
            v = self.state["velocity"]
            v *= self.momentum
            v += grad
        return self.state["velocity"]

    def step(self, theta: Array, grad: Array) -> None:
        """Take v ← μ v + g, θ ← θ − η v."""
        theta -= self.learning_rate * self._update_velocity(grad)

    def velocity(self) -> Array | None:
        """Return v, the running sum of past gradients."""
        return self.state.get("velocity")


@dataclass
class Nesterov(Momentum):
    """Nesterov momentum (torch): v ← μ v + g; θ ← θ − η (g + μ v)."""

    name: ClassVar[str] = "nesterov"
    label: ClassVar[str] = "Nesterov momentum"

    def step(self, theta: Array, grad: Array) -> None:
        """Take v ← μ v + g, θ ← θ − η (g + μ v): look ahead along the velocity."""
        v = self._update_velocity(grad)
        theta -= self.learning_rate * (grad + self.momentum * v)


@dataclass
class AdaGrad(Optimizer):
    """AdaGrad (torch): s ← s + g²; θ ← θ − η g / (√s + ε)."""

    eps: float = 1e-10

    name: ClassVar[str] = "adagrad"
    label: ClassVar[str] = "AdaGrad"
    hyper: ClassVar = {"eps": (1e-10, 0.0, 1.0, "keeps the division finite")}

    def step(self, theta: Array, grad: Array) -> None:
        """Take s ← s + g², θ ← θ − η g / (√s + ε)."""
        self.t += 1
        s = self._buffer("sum_sq", grad)
        s += grad * grad
        theta -= self.learning_rate * grad / (np.sqrt(s) + self.eps)


@dataclass
class RMSProp(Optimizer):
    """RMSprop (torch, α = ρ): v ← ρ v + (1 − ρ) g²; θ ← θ − η g / (√v + ε)."""

    rho: float = 0.99
    eps: float = 1e-8

    name: ClassVar[str] = "rmsprop"
    label: ClassVar[str] = "RMSProp"
    hyper: ClassVar = {
        "rho": (0.99, 0.0, 0.9999, "how slowly the average of g² forgets"),
        "eps": (1e-8, 0.0, 1.0, "keeps the division finite"),
    }

    def step(self, theta: Array, grad: Array) -> None:
        """Take v ← ρ v + (1 − ρ) g², θ ← θ − η g / (√v + ε)."""
        self.t += 1
        v = self._buffer("mean_sq", grad)
        v *= self.rho
        v += (1.0 - self.rho) * grad * grad
        theta -= self.learning_rate * grad / (np.sqrt(v) + self.eps)


@dataclass
class Adam(Optimizer):
    """Adam (torch), bias-corrected running averages of g and g².

    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    name: ClassVar[str] = "adam"
    label: ClassVar[str] = "Adam"
    hyper: ClassVar = {
        "beta1": (0.9, 0.0, 0.9999, "how slowly the average gradient m forgets"),
        "beta2": (0.999, 0.0, 0.99999, "how slowly the average of g² forgets"),
        "eps": (1e-8, 0.0, 1.0, "keeps the division finite"),
    }

    def step(self, theta: Array, grad: Array) -> None:
        """Update m and v, then take the bias-corrected step."""
        self.t += 1
        m = self._buffer("m", grad)
        v = self._buffer("v", grad)
        # Written with out= into work arrays (a step of a small network is mostly numpy's
        # allocations otherwise), in the same order of operations as the formulas above.
        work, denom = self._scratch(grad)
        constant = self._constant
        np.multiply(m, constant(self.beta1), m)
        np.add(m, np.multiply(grad, constant(1.0 - self.beta1), work), m)
        np.multiply(v, constant(self.beta2), v)
        np.multiply(grad, constant(1.0 - self.beta2), work)
        np.add(v, np.multiply(work, grad, work), v)
        step_size = self.learning_rate / (1.0 - self.beta1**self.t)
        np.sqrt(v, denom)
        np.divide(denom, math.sqrt(1.0 - self.beta2**self.t), denom)
        np.add(denom, constant(self.eps), denom)
        np.multiply(m, step_size, work)
        np.subtract(theta, np.divide(work, denom, work), theta)

    def velocity(self) -> Array | None:
        """Return m, the running average of the gradient."""
        return self.state.get("m")


@dataclass
class AdamW(Adam):
    """AdamW (torch): Adam with decoupled weight decay, θ ← θ − η λ θ before Adam's step.

    The decay shrinks every parameter towards 0 by the fraction η λ, apart from the
    gradient (L2 regularization inside Adam would be rescaled by √v; this is not).
    """

    weight_decay: float = 0.01

    name: ClassVar[str] = "adamw"
    label: ClassVar[str] = "AdamW"
    hyper: ClassVar = {
        **Adam.hyper,
        "weight_decay": (0.01, 0.0, 1.0, "the fraction η·λ of every weight taken off each step"),
    }

    def step(self, theta: Array, grad: Array) -> None:
        """Take θ ← θ (1 − η λ), then Adam's step with the same gradient."""
        np.multiply(theta, self._constant(1.0 - self.learning_rate * self.weight_decay), theta)
        super().step(theta, grad)

    def direction(self, grad: Array, theta: Array | None = None) -> Array:
        """Return Adam's next step from g, plus the decay −η λ θ when θ is given."""
        step = super().direction(grad)
        if theta is not None:
            step -= self.learning_rate * self.weight_decay * theta
        return step


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW)
}


def make_optimizer(name: str, learning_rate: float, **hyper: float) -> Optimizer:
    """Return a new optimizer by registry name, checking every hyper-parameter."""
    if name not in OPTIMIZERS:
        raise OptimizerError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[name]
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise OptimizerError(f"the learning rate must be a positive number, got {learning_rate}")
    for key, value in hyper.items():
        if key not in cls.hyper:
            allowed = ", ".join(cls.hyper) or "none"
            raise OptimizerError(f"{name} has no hyper-parameter {key!r} (it has: {allowed})")
        _, low, high, _ = cls.hyper[key]
        if not (low <= value <= high):
            raise OptimizerError(f"{name}: {key} must be in [{low:g}, {high:g}], got {value}")
    return cls(learning_rate=float(learning_rate), **{k: float(v) for k, v in hyper.items()})
