"""The chain rule of one network parameter, written out with the forward pass's numbers.

For a weight W_l[i,j] (from neuron i of layer l-1 to neuron j of layer l)::

    ∂L/∂W_l[i,j] = ∂L/∂a_l[j] · ∂a_l[j]/∂z_l[j] · ∂z_l[j]/∂W_l[i,j]

The last factor is a_{l-1}[i], the input the weight multiplies (x[i] in layer 1), or 1 for
a bias. In a hidden layer the first factor collects every path through the next layer,
∂L/∂a_l[j] = Σ_k ∂L/∂z_{l+1}[k] · W_{l+1}[j,k]; that one level is written out and the
deeper ∂L/∂z_{l+1}[k] are given as numbers from backpropagation.

The engine's loss is a mean over the samples, L = (1/n) Σ_s L_s, so over a batch the
derivative is the mean of each sample's product of factors. Numbers, not sympy: this
module needs only numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..engine.network import Network

Array = np.ndarray

#: samples written out one by one in the batch formula before "…"
_SHOWN_SAMPLES = 3


@dataclass(frozen=True)
class Factor:
    """One factor of the chain rule: its name, what it equals, and its value per sample."""

    name: str  # e.g. "∂a2[0]/∂z2[0]"
    latex: str
    meaning: str  # what it equals, e.g. "σ'(z2[0])", "a1[1]" or "2·(a2[0] - y[0])"
    values: tuple[float, ...]  # one per sample (a single one for a single sample)


@dataclass(frozen=True)
class Path:
    """One path through the next layer: ∂L/∂z_{l+1}[k] · W_{l+1}[j,k], per sample."""

    neuron: int  # k
    dL_dz: tuple[float, ...]  # ∂L/∂z_{l+1}[k] for each sample
    weight: float  # W_{l+1}[j,k]


@dataclass(frozen=True)
class ChainRule:
    """The chain rule of one parameter, in symbols and with numbers.

    ``value`` is ``data_value`` (the mean over ``samples`` of each sample's product of
    ``factors``) plus ``regularization`` (the penalty's own term, 0 without one); it
    equals the engine's gradient for that parameter.
    """

    parameter: str
    layer: int
    sample: int | None
    samples: int
    factors: tuple[Factor, ...]
    paths: tuple[Path, ...]
    per_sample: tuple[float, ...]
    data_value: float
    regularization: float
    value: float
    symbolic: str
    latex: str
    filled: str
    filled_latex: str
    notes: tuple[str, ...]


def chain_rule(
    network: Network, theta: Array, x: Array, y: Array, parameter: str,
    sample: int | None = None,
) -> ChainRule:
    """Return the chain rule of ``parameter`` (``W2[1,0]``, ``b1[3]``) at θ.

    With ``sample`` the loss is that sample's alone; without, the batch's mean loss.
    The network's regularization, if any, adds its own explicit term.
    """
    x, y = _batch(x, y, sample)
    kind, layer, cell = network.locate(network.index_of(parameter))
    j = cell[-1]
    n = x.shape[0]
    weights, _ = network.unpack(np.asarray(theta, dtype=float))
    trace = network.forward(theta, x)
    # Backpropagation on the batch gives ∂L/∂z with the 1/n of the mean inside;
    # times n it is each sample's own ∂L_s/∂z.
    grads = replace(network, regularization=None).backward(theta, trace, y)
    names = _Names(layer)
    factors: list[Factor] = []
    paths: list[Path] = []
    notes: list[str] = []
    top = network.layer_count
    act = network.activation(layer)
    fused = layer == top and network.loss.requires is not None
    coupled = layer == top and not fused and act.name == "softmax"
    if fused or coupled:
        factors.append(Factor(
            names.d("L", names.z(j)), names.d_tex("L", names.z_tex(j)),
            _output_dz_meaning(network, j, names) if fused else
            f"{names.a(j)}·(∂L/∂{names.a(j)} - Σ_k ∂L/∂{names.a('k')}·{names.a('k')})",
            _column(grads.dL_dz[layer][:, j] * n),
        ))
        notes.append(_output_note(network) if fused else
                     "A softmax output couples the outputs: ∂L/∂z of one output depends on "
                     "every output, so it is one factor here.")
    else:
        if layer == top:
            dL_da = grads.dL_da[layer][:, j] * n
            m = network.sizes[-1]
            meaning = f"2·({names.a(j)} - y[{j}])" + (f"/{m}" if m > 1 else "")
        else:
            dz_next = grads.dL_dz[layer + 1] * n
            w_next = weights[layer][j]
            dL_da = dz_next @ w_next
            paths = [Path(k, _column(dz_next[:, k]), float(w_next[k]))
                     for k in range(network.sizes[layer + 1])]
            meaning = " + ".join(f"∂L/∂z{layer + 1}[{p.neuron}]·W{layer + 1}[{j},{p.neuron}]"
                                 for p in paths)
            notes.append(f"∂L/∂z{layer + 1}[k] come from backpropagation through the layers "
                         "above; each is one path from this neuron towards the loss.")
        factors.append(Factor(names.d("L", names.a(j)), names.d_tex("L", names.a_tex(j)),
                              meaning, _column(dL_da)))
        slope = act.da_dz(trace.z[layer], trace.a[layer])[:, j]
        factors.append(Factor(names.d(names.a(j), names.z(j)),
                              names.d_tex(names.a_tex(j), names.z_tex(j)),
                              f"{_prime(act.name)}({names.z(j)})", _column(slope)))
        notes.append(f"{_prime(act.name)}(z) = {act.derivative_formula}: the slope of "
                     f"{act.name} at the neuron's input.")
    if kind == "W":
        i = cell[0]
        factors.append(Factor(names.d(names.z(j), parameter),
                              names.d_tex(names.z_tex(j), names.param_tex(cell)),
                              names.input(i), _column(trace.a[layer - 1][:, i])))
    else:
        factors.append(Factor(names.d(names.z(j), parameter),
                              names.d_tex(names.z_tex(j), names.param_tex(cell)),
                              "1", (1.0,) * n))
    per_sample = np.prod([np.asarray(f.values) for f in factors], axis=0)
    data_value = float(np.mean(per_sample))
    penalty, penalty_text, penalty_latex, penalty_filled = _regularization(
        network, weights, kind, layer, cell, parameter, names)
    text = _Text(parameter, names.param_tex(cell), factors, paths, per_sample,
                 data_value + penalty, sample)
    return ChainRule(
        parameter=parameter, layer=layer, sample=sample, samples=n,
        factors=tuple(factors), paths=tuple(paths),
        per_sample=tuple(float(v) for v in per_sample), data_value=data_value,
        regularization=penalty, value=data_value + penalty,
        symbolic=text.symbolic() + penalty_text, latex=text.latex() + penalty_latex,
        filled=text.filled(penalty_filled), filled_latex=text.filled_latex(penalty_filled),
        notes=tuple(notes),
    )


def _batch(x: Array, y: Array, sample: int | None) -> tuple[Array, Array]:
    """Return the samples the chain rule is about, as 2-D arrays."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x, y = x.reshape(1, -1), y.reshape(1, -1)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if sample is None:
        return x, y
    if not 0 <= sample < x.shape[0]:
        raise ValueError(f"sample: {sample} is out of range (0–{x.shape[0] - 1})")
    return x[sample:sample + 1], y[sample:sample + 1]


def _column(values: Array) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values).ravel())


def _prime(activation: str) -> str:
    return {"sigmoid": "σ'"}.get(activation, f"{activation}'")


def _output_dz_meaning(network: Network, j: int, names: _Names) -> str:
    if network.loss.targets == "classes":
        return f"{names.a(j)} - onehot(y)[{j}]"
    m = network.sizes[-1]
    return f"{names.a(j)} - y[{j}]" + (f" (divided by {m} outputs)" if m > 1 else "")


def _output_note(network: Network) -> str:
    if network.loss_name == "bce":
        return ("Binary cross-entropy after a sigmoid: the sigmoid's slope cancels the log's, "
                "so ∂L/∂z = ŷ - y is one factor.")
    return ("Cross-entropy after a softmax: the softmax's Jacobian and the log cancel, so "
            "∂L/∂z = ŷ - onehot(y) is one factor.")


def _regularization(
    network: Network, weights: list[Array], kind: str, layer: int, cell: tuple[int, ...],
    parameter: str, names: _Names,
) -> tuple[float, str, str, str]:
    """Return the penalty's term for a weight: value, text, LaTeX and filled-in text."""
    rule = network.regularization
    if rule is None or kind != "W":
        return 0.0, "", "", ""
    w = float(weights[layer - 1][cell])
    if rule.kind == "l2":
        return (rule.rate * w, f" + λ·{parameter}", f" + \\lambda {names.param_tex(cell)}",
                f" + {_num(rule.rate)}·{_paren(w)}")
    sign = float(np.sign(w))
    return (rule.rate * sign, f" + λ·sign({parameter})",
            f" + \\lambda \\operatorname{{sign}}({names.param_tex(cell)})",
            f" + {_num(rule.rate)}·{_paren(sign)}")


class _Names:
    """How the quantities of one layer are written, as text and as LaTeX."""

    def __init__(self, layer: int) -> None:
        self.layer = layer

    def a(self, j: int | str) -> str:
        return f"a{self.layer}[{j}]"

    def a_tex(self, j: int) -> str:
        return f"a^{{[{self.layer}]}}_{{{j}}}"

    def z(self, j: int) -> str:
        return f"z{self.layer}[{j}]"

    def z_tex(self, j: int) -> str:
        return f"z^{{[{self.layer}]}}_{{{j}}}"

    def input(self, i: int) -> str:
        return f"x[{i}]" if self.layer == 1 else f"a{self.layer - 1}[{i}]"

    def param_tex(self, cell: tuple[int, ...]) -> str:
        if len(cell) == 2:
            return f"W^{{[{self.layer}]}}_{{{cell[0]},{cell[1]}}}"
        return f"b^{{[{self.layer}]}}_{{{cell[0]}}}"

    @staticmethod
    def d(top: str, bottom: str) -> str:
        return f"∂{top}/∂{bottom}"

    @staticmethod
    def d_tex(top: str, bottom: str) -> str:
        return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"


class _Text:
    """Writes a chain rule out: in symbols, then with each sample's numbers."""

    def __init__(
        self, parameter: str, parameter_tex: str, factors: list[Factor], paths: list[Path],
        per_sample: Array, value: float, sample: int | None,
    ) -> None:
        self.parameter, self.parameter_tex = parameter, parameter_tex
        self.factors, self.paths = factors, paths
        self.per_sample, self.value = per_sample, value
        self.batch = sample is None and len(per_sample) > 1

    def _head(self, tex: bool) -> str:
        loss = "L_s" if self.batch and not tex else "L"
        if tex:
            lhs = f"\\frac{{\\partial L}}{{\\partial {self.parameter_tex}}}"
            if self.batch:
                inner = " \\cdot ".join(f.latex.replace("\\partial L}", "\\partial L_s}")
                                        for f in self.factors)
                return f"{lhs} = \\frac{{1}}{{n}} \\sum_{{s}} {inner}"
            return f"{lhs} = " + " \\cdot ".join(f.latex for f in self.factors)
        lhs = f"∂L/∂{self.parameter}"
        inner = " · ".join(f.name.replace("∂L/", f"∂{loss}/") for f in self.factors)
        return f"{lhs} = (1/n) Σ_s {inner}" if self.batch else f"{lhs} = {inner}"

    def _meanings(self) -> str:
        parts = []
        for factor in self.factors:
            meaning = factor.meaning
            if self.batch:
                meaning = meaning.replace("∂L/", "∂L_s/")
            parts.append(f"({meaning})" if (" + " in meaning or " - " in meaning)
                         and len(self.factors) > 1 else meaning)
        joined = " · ".join(parts)
        return f"(1/n) Σ_s {joined}" if self.batch else joined

    def symbolic(self) -> str:
        """Return the chain rule in symbols: the factors' names, then what they are."""
        return f"{self._head(False)}\n    = {self._meanings()}"

    def latex(self) -> str:
        """Return the chain rule in symbols as LaTeX."""
        return self._head(True)

    def _sample_product(self, s: int, tex: bool) -> str:
        dot = " \\cdot " if tex else "·"
        parts = []
        for index, factor in enumerate(self.factors):
            if index == 0 and self.paths:
                terms = " + ".join(f"{_paren(p.dL_dz[s])}{dot}{_paren(p.weight)}"
                                   for p in self.paths)
                parts.append(f"({terms})" if len(self.paths) > 1 else terms)
            else:
                parts.append(_paren(factor.values[s]))
        return dot.join(parts)

    def _filled(self, tex: bool, penalty: str) -> str:
        lhs = f"∂L/∂{self.parameter}" if not tex else self._head(True).split(" = ")[0]
        if not self.batch:
            return f"{lhs} = {self._sample_product(0, tex)}{penalty} = {_num(self.value)}"
        n = len(self.per_sample)
        shown = [self._sample_product(s, tex) for s in range(min(n, _SHOWN_SAMPLES))]
        if n > _SHOWN_SAMPLES:
            shown.append(f"… ({n - _SHOWN_SAMPLES} more)" if not tex else
                         f"\\dots\\ ({n - _SHOWN_SAMPLES}\\ more)")
        inside = " + ".join(f"[{p}]" for p in shown)
        scale = f"\\frac{{1}}{{{n}}} \\cdot " if tex else f"(1/{n})·"
        return f"{lhs} = {scale}({inside}){penalty} = {_num(self.value)}"

    def filled(self, penalty: str) -> str:
        """Return the chain rule with the numbers of the forward and backward pass."""
        return self._filled(False, penalty)

    def filled_latex(self, penalty: str) -> str:
        """Return the filled-in chain rule as LaTeX."""
        return self._filled(True, penalty.replace("·", " \\cdot "))


def _num(value: float) -> str:
    """Return a number short enough to read in a formula (like the engine's walkthrough)."""
    return f"{value:.4g}"


def _paren(value: float) -> str:
    """Return a number, in parentheses when negative (so a product reads unambiguously)."""
    text = _num(value)
    return f"({text})" if text.startswith("-") else text
