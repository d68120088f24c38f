"""The backprop stepper: one sample's forward and backward pass, one elementary operation at a time.

For a network and one training sample the operations are, in order:

- forward, layer by layer: each neuron's z = Σ a·W + b, then its activation a = f(z)
  (a softmax layer computes all its z first: each of its outputs needs every z); then the loss;
- backward, from the output down: ∂L/∂a of each output, each neuron's δ = ∂L/∂z, each
  weight's ∂L/∂W = a_prev·δ and bias's ∂L/∂b = δ, then ∂L/∂a_prev = Σ W·δ for the layer below;
- update: every parameter's step for the chosen optimizer, with the lines of its memory
  (momentum's v, Adam's m and v) before the parameter's own line.

For a formula the operations walk its computation graph: each box's forward value, then
∂J/∂box from the root down along the edges, then the update of each variable.

Every number is the engine's: the forward pass is ``Network.forward``, the derivatives are
``Network.backward``'s (or the formula model's backward sweep), and the update is the
optimizer's own ``step`` run on a copy of θ and of its memory. Nothing here computes a
derivative itself; it only writes down what the engine computed, and how.

The batch view does the same for the mean loss over all training samples: per-sample
quantities are listed one value per sample, and each parameter's derivative is the mean
of the samples' products, written as ``symbolic.chain_rule`` writes them.

A network of 8 hidden layers of 32 neurons has tens of thousands of operations, so they
are made only when asked for (``StepperOperations[k]``): the list is a handful of
segments, each a run of one kind of operation, and operation k is built from its segment.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from simulator.engine.network import Network
from simulator.engine.optimizers import Optimizer

from .stepper_math import (
    ARROW,
    DOT,
    EMPTY,
    EQUALS,
    MINUS,
    PLUS,
    Math,
    call,
    derivative,
    fraction,
    join,
    lit,
    num,
    paren,
    power,
    readable_tex,
    symbol,
)

PHASES = ("forward", "backward", "update")
#: samples written out one by one in a batch formula before "…" (as ``chain_rule`` does)
SHOWN_SAMPLES = 3
#: operations kept once built (a key press builds one; the list view asks for a screenful)
CACHE = 512
#: what each optimizer remembers per parameter: (its state key, the symbol its lines use)
MEMORY = {"sgd": (), "momentum": (("velocity", "v"),), "nesterov": (("velocity", "v"),),
          "adagrad": (("sum_sq", "s"),), "rmsprop": (("mean_sq", "v"),),
          "adam": (("m", "m"), ("v", "v")), "adamw": (("m", "m"), ("v", "v"))}


@dataclass(frozen=True)
class Touch:
    """A part of the diagram an operation writes or reads.

    ``kind`` is ``"neuron"`` (neuron ``j`` of ``layer``, 0 = the inputs), ``"bias"``
    (b_layer[j]), ``"edge"`` (the weight W_layer[i, j]), ``"loss"``, ``"node"`` (box ``j``
    of a formula's graph) or ``"link"`` (edge ``j`` of that graph, in the model's order).
    """

    kind: str
    layer: int = 0
    i: int = 0
    j: int = 0


@dataclass(frozen=True)
class Operation:
    """One elementary operation: what it computes, how, with which numbers, and the result.

    ``quantity`` names what is computed: ``z``, ``a``, ``loss``, ``dL_da`` (∂L/∂a),
    ``delta`` (δ = ∂L/∂z), ``dL_dW``, ``dL_db``, ``memory`` (an optimizer's remembered
    value), ``parameter`` (a parameter's new value), ``value`` (a graph box's forward
    value) or ``adjoint`` (∂J/∂box). ``value`` is the result, or ``None`` when the
    operation gives one number per sample (the batch view's forward pass): ``values``
    holds those, and is ``(value,)`` otherwise. ``touches`` starts with what it writes.
    """

    index: int
    phase: str
    quantity: str
    title: str
    target: Math
    formula: Math
    numbers: Math
    value: float | None
    values: tuple[float, ...]
    touches: tuple[Touch, ...]

    @property
    def gradient(self) -> bool:
        """Return whether the result is a derivative (drawn in the gradient colour)."""
        return self.quantity in ("dL_da", "delta", "dL_dW", "dL_db", "adjoint")

    def result(self) -> Math:
        """Return the result as written: a number, or the first samples' numbers."""
        if self.value is not None:
            return num(self.value, grouped=False)
        return sample_list(self.values)

    def line(self) -> Math:
        """Return the whole operation: target = formula = numbers = result (← for an update)."""
        parts: list[Math] = []
        for part in (self.formula, self.numbers, self.result()):
            if part.text != (parts[-1].text if parts else self.target.text):
                parts.append(part)
        head = self.target + (ARROW if self.quantity in ("memory", "parameter") else EQUALS)
        return head + join(parts, EQUALS)

    @property
    def latex(self) -> str:
        """Return the operation as one line of LaTeX."""
        return self.line().tex

    @property
    def text(self) -> str:
        """Return the operation as one line of plain text."""
        return self.line().text


@dataclass(frozen=True)
class Progress:
    """How far the walk has come once an operation is done (that operation included).

    Per layer (index 0 = the inputs): ``z`` and ``a`` count the neurons whose pre-activation
    and activation are known, ``delta`` those whose δ is known, ``weights`` the weights
    (in θ order within the layer) whose ∂L/∂W is known; ``updated`` counts the θ entries
    already updated. For a formula, ``nodes`` counts the boxes (in the model's order) with
    a forward value and ``adjoints`` those, from the root down, with ∂J/∂box.
    """

    phase: str
    z: tuple[int, ...] = ()
    a: tuple[int, ...] = ()
    delta: tuple[int, ...] = ()
    weights: tuple[int, ...] = ()
    updated: int = 0
    nodes: int = 0
    adjoints: int = 0


@dataclass(frozen=True)
class _Segment:
    """A run of ``count`` operations of one kind; ``build(t)`` makes its t-th."""

    start: int
    count: int
    phase: str
    kind: str
    layer: int
    build: Callable[[int], tuple]


def sample_list(values: Sequence[float]) -> Math:
    """Return per-sample values as a short list: [0.2, 0.6, 0.1, … (5 more)]."""
    shown = [num(v, grouped=False) for v in values[:SHOWN_SAMPLES]]
    rest = len(values) - SHOWN_SAMPLES
    body = join(shown, lit(", "))
    if rest > 0:
        body = body + Math(f", … ({rest} more)", rf", \dots\ ({rest}\ \text{{more}})",
                           f", … ({rest} more)")
    return Math(f"[{body.text}]", rf"\left[{body.tex}\right]", f"[{body.html}]")


def mean_of(products: Sequence[Math], n: int) -> Math:
    """Return (1/n)·([p₁] + [p₂] + [p₃] + … (k more)), as ``chain_rule`` writes a batch."""
    shown = [Math(f"[{p.text}]", rf"\left[{p.tex}\right]", f"[{p.html}]")
             for p in products[:SHOWN_SAMPLES]]
    inside = join(shown, PLUS)
    if n > SHOWN_SAMPLES:
        inside = inside + Math(f" + … ({n - SHOWN_SAMPLES} more)",
                               rf" + \dots\ ({n - SHOWN_SAMPLES}\ \text{{more}})",
                               f" + … ({n - SHOWN_SAMPLES} more)")
    return Math(f"(1/{n})·", rf"\frac{{1}}{{{n}}} \cdot ", f"(1/{n})·") + paren(inside)


def _mean_symbol(inner: Math) -> Math:
    """Return (1/n) Σ_s inner, in symbols."""
    return Math("(1/n) Σ_s ", r"\frac{1}{n} \sum_{s} ", "(1/<i>n</i>) Σ<sub><i>s</i></sub> ") + inner


class StepperOperations(Sequence):
    """The operations of one walk, made when first asked for and then kept (a few hundred)."""

    def __init__(self, segments: list[_Segment], describe: str, layers: int = 0):
        self._segments = segments
        self._layers = layers  # of a network, the inputs counted (0 for a formula)
        self._starts = [s.start for s in segments]
        self._count = segments[-1].start + segments[-1].count if segments else 0
        self._cache: OrderedDict[int, Operation] = OrderedDict()
        self.describe = describe

    def __len__(self) -> int:
        """Return the number of operations."""
        return self._count

    def __getitem__(self, k):
        """Return operation k (built now if it is not kept)."""
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._count))]
        if k < 0:
            k += self._count
        if not 0 <= k < self._count:
            raise IndexError(k)
        op = self._cache.get(k)
        if op is None:
            segment = self._segment(k)
            fields = segment.build(k - segment.start)
            op = Operation(k, segment.phase, *fields)
            self._cache[k] = op
            if len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(k)
        return op

    def _segment(self, k: int) -> _Segment:
        return self._segments[bisect.bisect_right(self._starts, k) - 1]

    def first(self, kind: str, layer: int) -> int | None:
        """Return the index of the first operation of a kind (``delta``, ``dW``…) in a layer."""
        for s in self._segments:
            if s.kind == kind and s.layer == layer:
                return s.start
        return None

    def phase_of(self, k: int) -> str:
        """Return the phase of operation k without building it."""
        return self._segment(k).phase

    @property
    def phase_starts(self) -> dict[str, int]:
        """Return the index of each phase's first operation."""
        starts: dict[str, int] = {}
        for s in self._segments:
            starts.setdefault(s.phase, s.start)
        return starts

    def progress(self, k: int) -> Progress:
        """Return how far the walk is once operation k is done."""
        if not self._segments:
            return Progress("forward")
        k = min(max(k, 0), self._count - 1)
        counters: dict[str, dict[int, int]] = {"z": {}, "a": {}, "delta": {}, "weights": {}}
        updated = nodes = adjoints = 0
        phase = self._segment(k).phase
        for s in self._segments:
            if s.start > k:
                break
            done = min(s.count, k - s.start + 1)
            if s.kind == "za":
                counters["z"][s.layer] = (done + 1) // 2
                counters["a"][s.layer] = done // 2
            elif s.kind in ("z", "a", "delta"):
                counters[s.kind][s.layer] = done
            elif s.kind == "dW":
                counters["weights"][s.layer] = done
            elif s.kind == "update":
                updated = done // s.layer  # layer holds the lines per parameter here
            elif s.kind == "node":
                nodes = done
            elif s.kind == "adjoint":
                adjoints = done
        layers = self._layers

        def row(name: str) -> tuple[int, ...]:
            return tuple(counters[name].get(layer, 0) for layer in range(layers))

        return Progress(phase, row("z"), row("a"), row("delta"), row("weights"), updated,
                        nodes, adjoints)

    def latex_all(self) -> str:
        """Return every operation as LaTeX, one line each, in an ``align*`` block."""
        lines = [f"  {op.latex} \\\\" for op in (self[k] for k in range(self._count))]
        return "\\begin{align*}\n" + "\n".join(lines) + "\n\\end{align*}\n"


# ----- the optimizer's step ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Update:
    """The optimizer's real step from θ with gradient g: memory before and after, θ after."""

    name: str
    hyper: dict[str, float]
    t: int  # the step count after this step
    theta: np.ndarray
    gradient: np.ndarray
    new_theta: np.ndarray
    before: dict[str, np.ndarray]
    after: dict[str, np.ndarray]


def take_step(optimizer: Optimizer, theta: np.ndarray, gradient: np.ndarray,
              learning_rate: float | None = None) -> _Update:
    """Return what ``optimizer.step`` does from θ with gradient g, on copies (nothing changes).

    ``learning_rate`` is the η of that step when a schedule sets it (else the optimizer's).
    """
    copy = type(optimizer)(**optimizer.hyperparameters())
    copy.restore(optimizer.snapshot())
    if learning_rate is not None:
        copy.learning_rate = float(learning_rate)
    before = {key: value.copy() for key, value in copy.state.items()}
    new_theta = np.array(theta, dtype=float, copy=True)
    copy.step(new_theta, np.array(gradient, dtype=float, copy=True))
    return _Update(type(optimizer).name, copy.hyperparameters(), copy.t,
                   np.array(theta, dtype=float), np.array(gradient, dtype=float), new_theta,
                   before, {key: value.copy() for key, value in copy.state.items()})


def _memory_symbol(base: str, parameter: Math) -> Math:
    return Math(f"{base}({parameter.text})", f"{base}_{{{parameter.tex}}}",
                f"<i>{base}</i><sub>{parameter.html}</sub>")


def _update_segment(update: _Update, parameters: Callable[[int], tuple[Math, str, tuple[Touch, ...]]],
                    start: int, loss: str, source: str = "") -> _Segment:
    """Return the update's operations: each parameter's memory lines, then its own line.

    ``source`` says in words which gradient the step is taken with.
    """
    lines = MEMORY[update.name]
    per = 1 + len(lines)
    h = update.hyper
    eta, t = num(h["learning_rate"]), update.t
    etas = symbol("η")

    def build(local: int) -> tuple:
        p, line = divmod(local, per)
        param, words, touches = parameters(p)
        g_sym = derivative(lit(loss), param)
        g = num(update.gradient[p])
        theta = num(update.theta[p])
        # A buffer not made yet is zeros (torch), except momentum's: its first v is g itself.
        old = {key: (float(update.before[key][p]) if key in update.before else
                     None if key == "velocity" else 0.0) for key, _ in lines}
        new = {key: float(update.after[key][p]) for key, _ in lines}
        sym = {key: _memory_symbol(base, param) for key, base in lines}
        if line < len(lines):
            key, base = lines[line]
            formula, numbers = _memory_line(update.name, key, sym[key], g_sym, old[key], g, h)
            return ("memory", f"{words}: the optimizer's memory {base}", sym[key], formula,
                    numbers, new[key], (new[key],), touches)
        formula, numbers = _parameter_line(update.name, param, g_sym, theta, g, sym, new, h,
                                           etas, eta, t)
        value = float(update.new_theta[p])
        return ("parameter", f"{words}: its step{source}", param, formula, numbers, value, (value,),
                touches)

    return _Segment(start, per * len(update.theta), "update", "update", per, build)


def _memory_line(name: str, key: str, sym: Math, g_sym: Math, old: float | None, g: Math,
                 h: dict[str, float]) -> tuple[Math, Math]:
    """Return one memory line of an optimizer, in symbols and with numbers."""
    if key == "velocity":
        if old is None:  # torch: the first step's velocity is the gradient itself
            return g_sym + "  (first step)", g
        mu = symbol("μ")
        return mu + DOT + sym + PLUS + g_sym, num(h["momentum"]) + DOT + num(old) + PLUS + g
    if key == "sum_sq":
        return sym + PLUS + power(g_sym, "2"), num(old) + PLUS + power(g, "2")
    if key == "mean_sq":
        rho = symbol("ρ")
        return (rho + DOT + sym + PLUS + paren(lit("1") + MINUS + rho) + DOT + power(g_sym, "2"),
                num(h["rho"]) + DOT + num(old) + PLUS + paren(lit("1") + MINUS + num(h["rho"]))
                + DOT + power(g, "2"))
    beta = symbol("β₁" if key == "m" else "β₂")
    b = num(h["beta1" if key == "m" else "beta2"])
    grad_sym, grad = (g_sym, g) if key == "m" else (power(g_sym, "2"), power(g, "2"))
    return (beta + DOT + sym + PLUS + paren(lit("1") + MINUS + beta) + DOT + grad_sym,
            b + DOT + num(old) + PLUS + paren(lit("1") + MINUS + b) + DOT + grad)


def _parameter_line(name: str, param: Math, g_sym: Math, theta: Math, g: Math,
                    sym: dict[str, Math], new: dict[str, float], h: dict[str, float],
                    etas: Math, eta: Math, t: int) -> tuple[Math, Math]:
    """Return a parameter's own update line, in symbols and with numbers."""
    if name == "sgd":
        return param + MINUS + etas + DOT + g_sym, theta + MINUS + eta + DOT + g
    if name == "momentum":
        v = sym["velocity"]
        return param + MINUS + etas + DOT + v, theta + MINUS + eta + DOT + num(new["velocity"])
    if name == "nesterov":
        v, mu = sym["velocity"], symbol("μ")
        return (param + MINUS + etas + DOT + paren(g_sym + PLUS + mu + DOT + v),
                theta + MINUS + eta + DOT + paren(g + PLUS + num(h["momentum"]) + DOT
                                                  + num(new["velocity"])))
    eps_sym, eps = symbol("ε"), num(h["eps"])
    if name in ("adagrad", "rmsprop"):
        key = "sum_sq" if name == "adagrad" else "mean_sq"
        s = sym[key]
        return (param + MINUS + etas + DOT + fraction(g_sym, paren(call("sqrt", s) + PLUS + eps_sym)),
                theta + MINUS + eta + DOT + fraction(g, paren(call("sqrt", num(new[key]))
                                                              + PLUS + eps)))
    m, v = sym["m"], sym["v"]
    if name == "adamw":  # the decoupled decay first: θ·(1 − η·λ), then Adam's step
        lam = symbol("λ")
        param = param + DOT + paren(lit("1") + MINUS + etas + DOT + lam)
        theta = theta + DOT + paren(lit("1") + MINUS + eta + DOT + num(h["weight_decay"]))
    b1, b2 = symbol("β₁"), symbol("β₂")
    n1, n2 = num(h["beta1"]), num(h["beta2"])
    ts = lit(str(t))
    corr1, corr2 = lit("1") + MINUS + power(b1, "t"), lit("1") + MINUS + power(b2, "t")
    start, start_numbers = param, theta
    if name == "adamw":  # the decoupled decay first: θ(1 − ηλ), then Adam's step
        lam = symbol("λ")
        start = paren(lit("1") + MINUS + etas + DOT + lam) + DOT + param
        start_numbers = paren(lit("1") + MINUS + eta + DOT + num(h["weight_decay"])) + DOT + theta
    formula = (start + MINUS + fraction(etas, paren(corr1)) + DOT
               + fraction(m, paren(fraction(call("sqrt", v), call("sqrt", corr2)) + PLUS + eps_sym)))
    numbers = (start_numbers + MINUS + fraction(eta, paren(lit("1") + MINUS + power(n1, ts.text))) + DOT
               + fraction(num(new["m"]), paren(fraction(call("sqrt", num(new["v"])),
                                                        call("sqrt", lit("1") + MINUS
                                                             + power(n2, ts.text))) + PLUS + eps)))
    return formula, numbers


# ----- a network ---------------------------------------------------------------------------------


@dataclass
class _NetworkWalk:
    """The numbers of one network walk: the engine's pass of one sample, or of the batch."""

    network: Network
    theta: np.ndarray
    x: np.ndarray  # samples × inputs (one row for one sample)
    y: np.ndarray
    batch: bool
    optimizer: Optimizer
    learning_rate: float | None = None

    def __post_init__(self) -> None:
        net = self.network if self.batch else replace(self.network, regularization=None)
        self.n = self.x.shape[0]
        self.trace = net.forward(self.theta, self.x)
        self.grads = net.backward(self.theta, self.trace, self.y)
        self.loss = (net.loss_value(self.theta, self.trace, self.y) if self.batch else
                     net.loss.value(self.trace.z[-1], self.trace.a[-1], self.y))
        self.weights, self.biases = net.unpack(self.theta)
        self.update = take_step(self.optimizer, self.theta, self.grads.flat, self.learning_rate)
        self.top = net.layer_count

    # ----- names -----

    def a_sym(self, layer: int, j: int | str) -> Math:
        return symbol("x", None, j) if layer == 0 else symbol("a", layer, j)

    def per_sample(self, column: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in column)

    def result(self, column: np.ndarray) -> tuple[float | None, tuple[float, ...]]:
        """Return (value, values) of a per-sample quantity: one number, or one per sample."""
        values = self.per_sample(column)
        return (values[0] if not self.batch else None), values

    def neuron_words(self, layer: int, j: int) -> str:
        if layer == 0:
            return f"input {j}"
        return f"output {j}" if layer == self.top else f"hidden {layer} · neuron {j}"

    def out_syms(self, j: int | str) -> tuple[Math, Math]:
        """Return ŷ and y of output j (without an index when there is one output)."""
        if self.network.sizes[-1] == 1:
            return symbol("ŷ"), symbol("y")
        return symbol("ŷ", None, j), symbol("y", None, j)

    def y_of(self, s: int, j: int) -> float:
        """Return sample s's target for output j (1 or 0 for classes)."""
        if self.network.loss.targets == "classes":
            return float(int(self.y[s, 0]) == j)
        return float(self.y[s, j])

    # ----- segments -----

    def segments(self) -> list[_Segment]:
        sizes, top = self.network.sizes, self.top
        out: list[_Segment] = []

        def add(phase: str, kind: str, layer: int, count: int, build) -> None:
            start = out[-1].start + out[-1].count if out else 0
            out.append(_Segment(start, count, phase, kind, layer, build))

        for layer in range(1, top + 1):
            n = sizes[layer]
            if self.network.activation(layer).name == "softmax":
                add("forward", "z", layer, n, lambda t, lay=layer: self.z_op(lay, t))
                add("forward", "a", layer, n, lambda t, lay=layer: self.a_op(lay, t))
            else:
                add("forward", "za", layer, 2 * n,
                    lambda t, lay=layer: self.z_op(lay, t // 2) if t % 2 == 0 else
                    self.a_op(lay, t // 2))
        add("forward", "loss", top, 1, lambda t: self.loss_op())
        for layer in range(top, 0, -1):
            n_in, n = sizes[layer - 1], sizes[layer]
            if layer == top:
                add("backward", "dL_da", layer, n, lambda t: self.output_da_op(t))
            add("backward", "delta", layer, n, lambda t, lay=layer: self.delta_op(lay, t))
            add("backward", "dW", layer, n_in * n,
                lambda t, lay=layer, w=n: self.dW_op(lay, t // w, t % w))
            add("backward", "db", layer, n, lambda t, lay=layer: self.db_op(lay, t))
            if layer > 1:
                add("backward", "da", layer - 1, n_in, lambda t, lay=layer: self.da_op(lay, t))
        start = out[-1].start + out[-1].count
        source = (" with the mean gradient over every sample" if self.batch else
                  " as if this sample were the whole batch")
        out.append(_update_segment(self.update, self.parameter, start, "L", source))
        return out

    # ----- forward -----

    def z_op(self, layer: int, j: int) -> tuple:
        n_in = self.network.sizes[layer - 1]
        prev = self.trace.a[layer - 1]
        w, b = self.weights[layer - 1], self.biases[layer - 1]
        terms = [self.a_sym(layer - 1, i) + DOT + symbol("W", layer, i, j) for i in range(n_in)]
        formula = join([*terms, symbol("b", layer, j)], PLUS)
        value, values = self.result(self.trace.z[layer][:, j])
        if self.batch:
            numbers = sample_list(values)
        else:
            numbers = join([num(prev[0, i]) + DOT + num(w[i, j]) for i in range(n_in)]
                           + [num(b[j])], PLUS)
        touches = (Touch("neuron", layer, j, j), Touch("bias", layer, j, j),
                   *(Touch("edge", layer, i, j) for i in range(n_in)),
                   *(Touch("neuron", layer - 1, i, i) for i in range(n_in)))
        return ("z", f"{self.neuron_words(layer, j)}: its weighted sum z", symbol("z", layer, j),
                formula, numbers, value, values, touches)

    def a_op(self, layer: int, j: int) -> tuple:
        act = self.network.activation(layer)
        z = self.trace.z[layer]
        value, values = self.result(self.trace.a[layer][:, j])
        if act.name == "softmax":
            n = self.network.sizes[layer]
            formula = fraction(call("exp", symbol("z", layer, j)),
                               lit("Σ_k ", r"\sum_k ") + call("exp", symbol("z", layer, "k")))
            numbers = sample_list(values) if self.batch else fraction(
                call("exp", num(z[0, j])), paren(join([call("exp", num(z[0, k])) for k in range(n)],
                                                      PLUS)))
        else:
            formula = call(act.name, symbol("z", layer, j))
            numbers = sample_list(values) if self.batch else call(act.name, num(z[0, j], False))
        return ("a", f"{self.neuron_words(layer, j)}: its activation a = {act.name}(z)",
                symbol("a", layer, j), formula, numbers, value, values,
                (Touch("neuron", layer, j, j),))

    def loss_op(self) -> tuple:
        top, net = self.top, self.network
        m = net.sizes[-1]
        touches = (Touch("loss"), *(Touch("neuron", top, j, j) for j in range(m)))
        if self.batch:
            z, a = self.trace.z[-1], self.trace.a[-1]
            each = [num(net.loss.value(z[s:s + 1], a[s:s + 1], self.y[s:s + 1]))
                    for s in range(min(self.n, SHOWN_SAMPLES))]
            formula = _mean_symbol(symbol("L", None, "s"))
            numbers = mean_of(each, self.n)
            if net.regularization is not None:
                kind = net.regularization.kind
                penalty = net.regularization.value(list(self.weights))
                formula = formula + PLUS + lit(f"({'λ/2·ΣW²' if kind == 'l2' else 'λ·Σ|W|'})",
                                               r"\frac{\lambda}{2}\sum W^2" if kind == "l2"
                                               else r"\lambda \sum |W|")
                numbers = numbers + PLUS + num(penalty)
            return ("loss", f"the loss: the mean over all {self.n} training samples", lit("L"),
                    formula, numbers, self.loss, (self.loss,), touches)
        yhat, ys = zip(*(self.out_syms(k) for k in range(m)), strict=True)
        a = self.trace.a[-1][0]
        scale = (lit(f"(1/{m})·"), lit(f"(1/{m})·", rf"\frac{{1}}{{{m}}}")) if m > 1 else (EMPTY, EMPTY)
        if net.loss_name == "mse":
            formula = scale[1] + join([power(paren(yh + MINUS + y), "2") for yh, y in
                                       zip(yhat, ys, strict=True)], PLUS)
            numbers = scale[1] + join([power(paren(num(a[k]) + MINUS + num(self.y_of(0, k))), "2")
                                       for k in range(m)], PLUS)
        elif net.loss_name == "bce":
            def term(yh, y):
                return (y + DOT + call("log", yh) + PLUS + paren(lit("1") + MINUS + y) + DOT
                        + call("log", lit("1") + MINUS + yh))
            formula = lit("−") + scale[1] + paren(join([term(yh, y) for yh, y in
                                                        zip(yhat, ys, strict=True)], PLUS))
            numbers = lit("−") + scale[1] + paren(join([term(num(a[k]), num(self.y_of(0, k)))
                                                        for k in range(m)], PLUS))
        else:
            c = int(self.y[0, 0])
            formula = lit("−") + call("log", symbol("ŷ", None, "c")) + lit(f"   (c = {c}, the class)")
            numbers = lit("−") + call("log", num(a[c], False))
        words = "the loss of this sample" + (" (the weight penalty is left out: it belongs to the "
                                             "batch)" if net.regularization is not None else "")
        return ("loss", words, lit("L"), formula, numbers, self.loss,
                (self.loss,), touches)

    # ----- backward -----

    def output_da_op(self, j: int) -> tuple:
        net, top = self.network, self.top
        m = net.sizes[-1]
        a = self.trace.a[-1]
        yh, y = self.out_syms(j)
        value, values = self.result(self.grads.dL_da[top][:, j] * self.n)
        if net.loss_name == "mse":
            factor = lit(f"(2/{m})·", rf"\frac{{2}}{{{m}}}") if m > 1 else lit("2·", "2")
            formula = factor + paren(yh + MINUS + y)
            numbers = factor + paren(num(a[0, j]) + MINUS + num(self.y_of(0, j)))
        elif net.loss_name == "bce":
            scale = lit(f"(1/{m})·", rf"\frac{{1}}{{{m}}}") if m > 1 else EMPTY
            formula = scale + paren(lit("−") + fraction(y, yh) + PLUS
                                    + fraction(paren(lit("1") + MINUS + y), paren(lit("1") + MINUS + yh)))
            numbers = scale + paren(lit("−") + fraction(num(self.y_of(0, j)), num(a[0, j]))
                                    + PLUS + fraction(paren(lit("1") + MINUS + num(self.y_of(0, j))),
                                                      paren(lit("1") + MINUS + num(a[0, j]))))
        else:
            target = self.y_of(0, j)
            formula = lit("−") + fraction(lit("[j = c]"), yh)
            numbers = lit("−") + fraction(num(target), num(a[0, j]))
        if self.batch:
            formula, numbers = formula + lit("  (for each sample s)"), sample_list(values)
        return ("dL_da", f"{self.neuron_words(top, j)}: how the loss changes with it",
                derivative(lit("L"), symbol("a", top, j)), formula, numbers, value, values,
                (Touch("neuron", top, j, j), Touch("loss")))

    def delta_op(self, layer: int, j: int) -> tuple:
        net = self.network
        act = net.activation(layer)
        z, a = self.trace.z[layer], self.trace.a[layer]
        da = self.grads.dL_da[layer] * self.n
        value, values = self.result(self.grads.dL_dz[layer][:, j] * self.n)
        d_a = derivative(lit("L"), symbol("a", layer, j))
        note = ""
        if layer == self.top and net.loss.requires:
            m = net.sizes[-1]
            over = lit(f" / {m}") if net.loss.targets == "values" and m > 1 else EMPTY
            yh, y = self.out_syms(j)
            formula = yh + MINUS + y if over is EMPTY else paren(yh + MINUS + y) + over
            numbers = num(a[0, j]) + MINUS + num(self.y_of(0, j))
            numbers = numbers if over is EMPTY else paren(numbers) + over
            note = (" (the sigmoid's slope cancels the log's)" if net.loss_name == "bce" else
                    " (softmax and cross-entropy combined)")
        elif act.name == "softmax":
            k = "k"
            formula = symbol("a", layer, j) + DOT + paren(
                d_a + MINUS + lit("Σ_k ", r"\sum_k ") + derivative(lit("L"), symbol("a", layer, k))
                + DOT + symbol("a", layer, k))
            numbers = num(a[0, j]) + DOT + paren(num(da[0, j]) + MINUS
                                                 + num(float(np.dot(da[0], a[0]))))
        else:
            slope = act.da_dz(z, a)[:, j]
            formula = d_a + DOT + call(act.name, symbol("z", layer, j), prime=True)
            numbers = num(da[0, j]) + DOT + num(slope[0])
        if self.batch:
            formula, numbers = formula + lit("  (for each sample s)"), sample_list(values)
        return ("delta", f"{self.neuron_words(layer, j)}: δ = ∂L/∂z{note}",
                symbol("δ", layer, j), formula, numbers, value, values,
                (Touch("neuron", layer, j, j),))

    def _mean(self, factor: Callable[[int], Math], products: Callable[[int], Math],
              penalty: tuple[Math, Math] | None) -> tuple[Math, Math]:
        """Return (formula, numbers) of a parameter's derivative: one sample, or the batch's mean."""
        if self.batch:
            formula = _mean_symbol(factor(0))
            numbers = mean_of([products(s) for s in range(min(self.n, SHOWN_SAMPLES))], self.n)
        else:
            formula, numbers = factor(0), products(0)
        if penalty is not None:
            formula, numbers = formula + PLUS + penalty[0], numbers + PLUS + penalty[1]
        return formula, numbers

    def dW_op(self, layer: int, i: int, j: int) -> tuple:
        prev = self.trace.a[layer - 1]
        dz = self.grads.dL_dz[layer] * self.n
        w = symbol("W", layer, i, j)
        penalty = None
        rule = self.network.regularization
        if self.batch and rule is not None:
            weight = float(self.weights[layer - 1][i, j])
            penalty = ((symbol("λ") + DOT + w, num(rule.rate) + DOT + num(weight)) if rule.kind == "l2"
                       else (symbol("λ") + DOT + call("sign", w),
                             num(rule.rate) + DOT + num(float(np.sign(weight)))))
        value = float(self.grads.dL_dW[layer][i, j])
        formula, numbers = self._mean(lambda s: self.a_sym(layer - 1, i) + DOT + symbol("δ", layer, j),
                                      lambda s: num(prev[s, i]) + DOT + num(dz[s, j]), penalty)
        return ("dL_dW", f"the weight from {self.neuron_words(layer - 1, i)} to "
                f"{self.neuron_words(layer, j)}: its gradient", derivative(lit("L"), w), formula,
                numbers, value, (value,),
                (Touch("edge", layer, i, j), Touch("neuron", layer - 1, i, i),
                 Touch("neuron", layer, j, j)))

    def db_op(self, layer: int, j: int) -> tuple:
        dz = self.grads.dL_dz[layer] * self.n
        value = float(self.grads.dL_db[layer][j])
        formula, numbers = self._mean(lambda s: symbol("δ", layer, j), lambda s: num(dz[s, j], False),
                                      None)
        return ("dL_db", f"the bias of {self.neuron_words(layer, j)}: its gradient",
                derivative(lit("L"), symbol("b", layer, j)), formula, numbers, value, (value,),
                (Touch("bias", layer, j, j), Touch("neuron", layer, j, j)))

    def da_op(self, layer: int, i: int) -> tuple:
        """∂L/∂a of neuron i in layer − 1: every path through ``layer``, weight times δ."""
        n = self.network.sizes[layer]
        w = self.weights[layer - 1]
        dz = self.grads.dL_dz[layer] * self.n
        value, values = self.result(self.grads.dL_da[layer - 1][:, i] * self.n)
        formula = join([symbol("W", layer, i, k) + DOT + symbol("δ", layer, k) for k in range(n)], PLUS)
        if self.batch:
            formula, numbers = formula + lit("  (for each sample s)"), sample_list(values)
        else:
            numbers = join([num(w[i, k]) + DOT + num(dz[0, k]) for k in range(n)], PLUS)
        touches = (Touch("neuron", layer - 1, i, i), *(Touch("edge", layer, i, k) for k in range(n)),
                   *(Touch("neuron", layer, k, k) for k in range(n)))
        return ("dL_da", f"{self.neuron_words(layer - 1, i)}: how the loss changes with it",
                derivative(lit("L"), symbol("a", layer - 1, i)), formula, numbers, value, values,
                touches)

    # ----- update -----

    def parameter(self, p: int) -> tuple[Math, str, tuple[Touch, ...]]:
        kind, layer, cell = self.network.locate(p)
        if kind == "W":
            i, j = cell
            return (symbol("W", layer, i, j), f"W{layer}[{i},{j}]",
                    (Touch("edge", layer, i, j),))
        return symbol("b", layer, cell[0]), f"b{layer}[{cell[0]}]", (Touch("bias", layer, cell[0], cell[0]),)


def network_operations(network: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray,
                       sample: int, batch: bool, optimizer: Optimizer,
                       learning_rate: float | None = None) -> StepperOperations:
    """Return the walk of one training sample (or, with ``batch``, of every sample's mean).

    ``learning_rate`` is the η of the next step, when a schedule sets it.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).reshape(x.shape[0], -1)
    rows = x if batch else x[sample:sample + 1]
    targets = y if batch else y[sample:sample + 1]
    walk = _NetworkWalk(network, np.asarray(theta, dtype=float), rows, targets, batch, optimizer,
                        learning_rate)
    describe = (f"the mean over all {x.shape[0]} training samples" if batch else
                f"training sample #{sample}")
    return StepperOperations(walk.segments(), describe, len(network.sizes))


# ----- a formula's computation graph -------------------------------------------------------------


def _node_math(text: str) -> Math:
    """Return a box's subexpression (the formula panel's readable text) as a formula."""
    import html

    return Math(text, readable_tex(text), html.escape(text))


def _filled(label: str, values: list[Math]) -> Math:
    """Return a box's operation with its inputs' values in place: ``(·)²`` at 3 is ``(3)²``."""
    texts = [v.text for v in values]
    if label in ("+", "×"):
        text = (" + " if label == "+" else "·").join(texts)
    elif label[:2] in ("+ ", "− "):
        text = " + ".join(texts) + " " + label
    elif label.endswith(" ×"):
        text = label[:-2] + "·" + "·".join(texts)
    elif "(·)" in label:
        inner = texts[0] if texts[0].startswith("(") and texts[0].endswith(")") else f"({texts[0]})"
        text = label.replace("(·)", inner, 1)
    elif "·" in label:
        for t in texts:
            label = label.replace("·", t, 1)
        text = label
    else:
        text = f"{label}({', '.join(texts)})"
    return _node_math(text)


def _box(text: str) -> Math:
    """Return a box's subexpression to write after ∂: in parentheses unless it is one name."""
    m = _node_math(text)
    return m if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) else paren(m)


def formula_operations(model, values, gradient: np.ndarray, optimizer: Optimizer,
                       learning_rate: float | None = None) -> StepperOperations:
    """Return the walk of a formula's computation graph at the point of ``values``.

    ``model`` is the formula's ``FormulaModel`` and ``values`` its ``FormulaValues`` at θ:
    forward values and adjoints come from there (the model's backward sweep); ``gradient``
    is what the optimizer steps with, at ``learning_rate`` when a schedule sets it.
    """
    nodes, edges = model.nodes, model.edges
    count = len(nodes)
    incoming: dict[int, list[int]] = {}  # child → edges from its parents
    children: dict[int, list[int]] = {}
    for e, edge in enumerate(edges):
        incoming.setdefault(edge.child, []).append(e)
        children.setdefault(edge.parent, []).append(edge.child)
    J = lit("J")

    def forward(k: int) -> tuple:
        node = nodes[k]
        value = float(values.node_values[k])
        if node.is_variable:
            return ("value", f"the variable {node.text}", _node_math(node.text), num(value, False),
                    num(value, False), value, (value,), (Touch("node", 0, 0, k),))
        inputs = [num(values.node_values[c]) for c in children.get(k, [])]
        target = J if node.is_root else _node_math(node.text)
        formula = _node_math(node.text) if node.is_root else _filled(node.label, [
            _node_math(nodes[c].text) for c in children.get(k, [])])
        touches = (Touch("node", 0, 0, k), *(Touch("link", 0, 0, e) for e, edge in enumerate(edges)
                                               if edge.parent == k))
        return ("value", f"box {node.label}: its forward value", target, formula,
                _filled(node.label, inputs), value, (value,), touches)

    def backward(t: int) -> tuple:
        k = count - 1 - t
        node = nodes[k]
        value = float(values.adjoints[k])
        target = derivative(J, _box(node.text) if not node.is_root else J)
        if node.is_root:
            return ("adjoint", "the root: J changes one-for-one with itself", target, lit("1"),
                    lit("1"), value, (value,), (Touch("node", 0, 0, k),))
        terms, numbers = [], []
        for e in incoming.get(k, []):
            parent = nodes[edges[e].parent]
            p_math = J if parent.is_root else _box(parent.text)
            terms.append(derivative(J, p_math) + DOT + derivative(p_math, _box(node.text)))
            numbers.append(num(values.adjoints[edges[e].parent]) + DOT
                           + num(values.local_derivatives[e]))
        touches = (Touch("node", 0, 0, k), *(Touch("link", 0, 0, e) for e in incoming.get(k, [])),
                   *(Touch("node", 0, 0, edges[e].parent) for e in incoming.get(k, [])))
        what = f"the variable {node.text}" if node.is_variable else f"box {node.label}"
        return ("adjoint", f"{what}: ∂J/∂box, along the edges from its parents",
                target, join(terms, PLUS), join(numbers, PLUS), value, (value,), touches)

    segments = [_Segment(0, count, "forward", "node", 0, forward),
                _Segment(count, count, "backward", "adjoint", 0, backward)]
    update = take_step(optimizer, np.asarray(values.theta, dtype=float), gradient, learning_rate)
    variable_nodes = model.variable_nodes

    def parameter(p: int) -> tuple[Math, str, tuple[Touch, ...]]:
        name = model.names[p]
        return _node_math(name), name, (Touch("node", 0, 0, variable_nodes[p]),)

    segments.append(_update_segment(update, parameter, 2 * count, "J"))
    where = ", ".join(f"{n} = {num(v, False).text}" for n, v in zip(model.names, values.theta,
                                                                     strict=True))
    return StepperOperations(segments, f"J = {model.text} at {where}")
