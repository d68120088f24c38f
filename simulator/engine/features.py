"""Input features: what the network's input neurons are, as transforms of the data's columns.

The TensorFlow Playground feeds its network not only the two coordinates but seven
features of them: x₁, x₂, x₁², x₂², x₁·x₂, sin x₁ and sin x₂. With x₁² and x₂² a circle
becomes a straight line (x₁² + x₂² = r²), so a network with no hidden layer can separate
it. Here every input neuron is one ``Feature`` of the columns, named in a lesson file by
its spelling (``"x1^2"``); the names are read by a fixed pattern, never evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

#: the Playground's seven features of two columns, in its order
PLAYGROUND_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

_PATTERNS = (
    ("column", re.compile(r"x(\d{1,2})")),
    ("square", re.compile(r"x(\d{1,2})\^2")),
    ("product", re.compile(r"x(\d{1,2})\*x(\d{1,2})")),
    ("sin", re.compile(r"sin\(x(\d{1,2})\)")),
)

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class FeatureError(ValueError):
    """A feature name that is not one of the known transforms of the data's columns."""


@dataclass(frozen=True)
class Feature:
    """One input neuron: a transform (``kind``) of one or two columns (0-based).

    ``kind`` is ``"column"`` (the column itself), ``"square"``, ``"product"`` (of two
    different columns) or ``"sin"``; ``name`` is the lesson file's spelling.
    """

    name: str
    kind: str
    columns: tuple[int, ...]

    @property
    def label(self) -> str:
        """Return the feature as people write it: x₁, x₁², x₁·x₂, sin x₁."""
        a = f"x{self.columns[0] + 1}".translate(_SUBSCRIPTS)
        if self.kind == "square":
            return a + "²"
        if self.kind == "product":
            return a + "·" + f"x{self.columns[1] + 1}".translate(_SUBSCRIPTS)
        if self.kind == "sin":
            return "sin " + a
        return a

    def apply(self, x: Array) -> Array:
        """Return this feature of each row of ``x`` (samples × columns), one value per row."""
        a = x[:, self.columns[0]]
        if self.kind == "square":
            return a * a
        if self.kind == "product":
            return a * x[:, self.columns[1]]
        if self.kind == "sin":
            return np.sin(a)
        return a


def parse_feature(name: str, columns: int) -> Feature:
    """Return the feature a name spells (``x1``, ``x2^2``, ``x1*x2``, ``sin(x1)``).

    ``columns`` is how many columns the data has; a name that reads a column the data
    does not have, or is none of the four forms, raises ``FeatureError``.
    """
    text = str(name).strip()
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        indices = tuple(int(g) - 1 for g in match.groups())
        for index in indices:
            if not 0 <= index < columns:
                raise FeatureError(
                    f"feature {text!r} reads column x{index + 1}, but the data has "
                    f"{columns} column{'s' if columns != 1 else ''} (x1–x{columns})")
        if kind == "product" and indices[0] >= indices[1]:
            raise FeatureError(f"feature {text!r}: write a product of two different columns "
                               f"with the smaller first, like x1*x2")
        return Feature(text, kind, indices)
    raise FeatureError(f"unknown feature {text!r}; features are xN, xN^2, xN*xM and sin(xN), "
                       f"like {', '.join(PLAYGROUND_FEATURES)}")


def candidate_features(columns: int) -> tuple[str, ...]:
    """Return the features offered for data with this many columns, in the order shown.

    Two columns get the Playground's seven; one column x1, x1^2 and sin(x1); wider data
    its columns only (a lesson file may still name any feature of them).
    """
    if columns == 2:
        return PLAYGROUND_FEATURES
    if columns == 1:
        return ("x1", "x1^2", "sin(x1)")
    return tuple(f"x{k}" for k in range(1, columns + 1))


@dataclass(frozen=True)
class FeatureMap:
    """The network's inputs as features of ``columns`` data columns, one per input neuron."""

    features: tuple[Feature, ...]
    columns: int

    @classmethod
    def of(cls, names, columns: int) -> FeatureMap:
        """Return the map for feature names (``FeatureError`` for a bad or repeated one)."""
        features = tuple(parse_feature(n, columns) for n in names)
        if not features:
            raise FeatureError("choose at least one input feature")
        seen = [f.name for f in features]
        for name in seen:
            if seen.count(name) > 1:
                raise FeatureError(f"feature {name!r} is listed twice")
        return cls(features, columns)

    @property
    def names(self) -> tuple[str, ...]:
        """Return the features' names in input order."""
        return tuple(f.name for f in self.features)

    @property
    def is_identity(self) -> bool:
        """Return whether the inputs are exactly the columns, in order (nothing to compute)."""
        return self.names == tuple(f"x{k}" for k in range(1, self.columns + 1))

    def apply(self, x: Array) -> Array:
        """Return the network's inputs for data rows ``x`` (samples × columns)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.columns:
            raise FeatureError(f"expected rows of {self.columns} columns, got shape {x.shape}")
        if self.is_identity:
            return x
        out = np.empty((x.shape[0], len(self.features)))
        for k, feature in enumerate(self.features):
            out[:, k] = feature.apply(x)
        return out
