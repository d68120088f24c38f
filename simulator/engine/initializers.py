"""Weight initialisations: where the weights of a layer start, drawn from a seeded generator.

For a layer with ``fan_in`` inputs and ``fan_out`` neurons (W is fan_in × fan_out), each
rule draws every weight independently (torch.nn.init's formulas, gain 1 and √2):

- ``glorot_uniform``: U(−a, a), a = √(6 / (fan_in + fan_out)), so Var = 2 / (fan_in + fan_out)
- ``glorot_normal``:  N(0, σ²),  σ² = 2 / (fan_in + fan_out)          (Xavier Glorot, 2010)
- ``he_uniform``:     U(−a, a), a = √(6 / fan_in), so Var = 2 / fan_in
- ``he_normal``:      N(0, σ²),  σ² = 2 / fan_in                        (Kaiming He, 2015)
- ``playground``:     U(−0.5, 0.5), biases 0.1, as the TensorFlow Playground starts
- ``zeros``:          every weight and bias 0. Every neuron of a layer then computes the
  same thing and gets the same gradient, so they stay equal for ever: the symmetry problem.
- ``auto``:           Glorot normal, He normal before a ReLU-like layer (the default)

Glorot keeps the variance of the signal about the same forwards and backwards through a
layer of tanh or sigmoid neurons; He doubles it to make up for the half a ReLU cuts off.
Biases start at 0 (0.1 for ``playground``).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

#: every initialisation by name → its label in menus
INITIALIZERS: dict[str, str] = {
    "auto": "Glorot, or He before ReLU (default)",
    "glorot_uniform": "Xavier/Glorot uniform",
    "glorot_normal": "Xavier/Glorot normal",
    "he_uniform": "He uniform",
    "he_normal": "He normal",
    "playground": "Playground: uniform(−0.5, 0.5)",
    "zeros": "All zeros (symmetry problem)",
}
RELU_LIKE = ("relu", "leaky_relu")


class InitializerError(ValueError):
    """An initialisation name that does not exist."""


def draw_weights(kind: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                 activation: str = "tanh") -> Array:
    """Return a fan_in × fan_out weight matrix drawn by the rule ``kind``.

    ``activation`` is the layer's own activation (``auto`` picks He before a ReLU).
    """
    shape = (fan_in, fan_out)
    if kind == "auto":
        kind = "he_normal" if activation in RELU_LIKE else "glorot_normal"
    if kind == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)
    if kind == "glorot_normal":
        return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
    if kind == "he_uniform":
        limit = np.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape)
    if kind == "he_normal":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    if kind == "playground":
        return rng.uniform(-0.5, 0.5, size=shape)
    if kind == "zeros":
        return np.zeros(shape)
    raise InitializerError(f"unknown initialisation {kind!r}; choose one of "
                           f"{', '.join(INITIALIZERS)}")


def starting_bias(kind: str) -> float:
    """Return the value every bias starts at under an initialisation."""
    return 0.1 if kind == "playground" else 0.0
