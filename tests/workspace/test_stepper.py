"""The backprop stepper's walk: its order by hand, its numbers against the engine and by nudging."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.engine.functions import HIDDEN_ACTIVATIONS, Regularization
from simulator.engine.network import Network
from simulator.engine.optimizers import OPTIMIZERS, make_optimizer
from simulator.symbolic.chain_rule import chain_rule
from simulator.workspace.formula import _build
from simulator.workspace.stepper import CACHE, Touch, formula_operations, network_operations

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
#: (output activation, loss) pairs the engine allows
ENDS = (("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"), ("sigmoid", "bce"),
        ("softmax", "cross_entropy"), ("softmax", "mse"))


def small_network(activation="tanh", output="sigmoid", loss="bce") -> tuple[Network, np.ndarray]:
    net = Network((2, 2, 1), (activation,), output, loss)
    return net, net.initial_theta(3)


def test_a_2_2_1_network_walks_in_the_order_a_student_would_write_it():
    net, theta = small_network()
    ops = network_operations(net, theta, XOR_X, XOR_Y, 1, False, make_optimizer("sgd", 0.5))
    expected = [
        # forward: each hidden neuron's z then a, the output's z then a, the loss
        "z1[0]", "a1[0]", "z1[1]", "a1[1]", "z2[0]", "a2[0]", "L",
        # backward through the output layer
        "∂L/∂a2[0]", "δ2[0]", "∂L/∂W2[0,0]", "∂L/∂W2[1,0]", "∂L/∂b2[0]",
        "∂L/∂a1[0]", "∂L/∂a1[1]",
        # backward through the hidden layer
        "δ1[0]", "δ1[1]", "∂L/∂W1[0,0]", "∂L/∂W1[0,1]", "∂L/∂W1[1,0]", "∂L/∂W1[1,1]",
        "∂L/∂b1[0]", "∂L/∂b1[1]",
        # SGD: one line per parameter, in θ's order
        "W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]", "W2[0,0]", "W2[1,0]",
        "b2[0]",
    ]
    assert len(ops) == 31 == len(expected)
    assert [op.target.text for op in ops] == expected
    assert [op.phase for op in ops] == ["forward"] * 7 + ["backward"] * 15 + ["update"] * 9
    assert ops.phase_starts == {"forward": 0, "backward": 7, "update": 22}
    assert [op.index for op in ops] == list(range(31))


def test_operations_say_what_they_touch_in_the_diagrams_terms():
    net, theta = small_network()
    ops = network_operations(net, theta, XOR_X, XOR_Y, 1, False, make_optimizer("sgd", 0.5))
    z = ops[2]  # z1[1] reads both inputs along the weights into neuron 1 and its bias
    assert z.touches[0] == Touch("neuron", 1, 1, 1)
    assert {Touch("edge", 1, 0, 1), Touch("edge", 1, 1, 1), Touch("bias", 1, 1, 1)} <= set(z.touches)
    assert ops[10].touches[0] == Touch("edge", 2, 1, 0)  # ∂L/∂W2[1,0]
    assert ops[21].touches[0] == Touch("bias", 1, 1, 1)  # ∂L/∂b1[1]
    assert ops[6].touches[0] == Touch("loss")
    assert ops[29].touches == (Touch("edge", 2, 1, 0),)  # W2[1,0]'s update


def test_progress_counts_what_is_computed_once_an_operation_is_done():
    net, theta = small_network()
    ops = network_operations(net, theta, XOR_X, XOR_Y, 0, False, make_optimizer("sgd", 0.5))
    first = ops.progress(0)  # z1[0] only
    assert (first.phase, first.z[1], first.a[1]) == ("forward", 1, 0)
    assert ops.progress(3).a[1] == 2 and ops.progress(3).z[2] == 0
    back = ops.progress(10)  # ∂L/∂W2[1,0]
    assert back.phase == "backward" and back.delta[2] == 1 and back.weights[2] == 2
    assert back.delta[1] == 0 and back.a == (0, 2, 1)
    assert ops.progress(25).updated == 4 and ops.progress(30).updated == 9


def _engine(net: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Return the engine's own walkthrough of one sample, by the stepper's names."""
    names = {}
    for op in net.walkthrough(theta, x, y):
        target = op.target.replace("dL/dz", "δ").replace("dL/d", "∂L/∂")
        names[target] = op.value
    return names


def _sample_loss(net: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    bare = replace(net, regularization=None)
    trace = bare.forward(theta, x)
    return bare.loss.value(trace.z[-1], trace.a[-1], y)


@st.composite
def networks(draw):
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    output, loss = draw(st.sampled_from(ENDS))
    inputs = draw(st.integers(1, 3))
    outputs = draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 2))
    activations = tuple(draw(st.sampled_from(HIDDEN_ACTIVATIONS)) for _ in hidden)
    net = Network((inputs, *hidden, outputs), activations, output, loss)
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.9, net.parameter_count)
    x = rng.normal(0.0, 1.0, (4, inputs))
    if loss == "cross_entropy":
        y = rng.integers(0, outputs, (4, 1)).astype(float)
    elif loss == "bce":
        y = rng.integers(0, 2, (4, outputs)).astype(float)
    else:
        y = rng.normal(0.0, 1.0, (4, outputs))
    return net, theta, x, y, draw(st.integers(0, 3))


@given(networks())
def test_every_value_is_the_engines_and_every_gradient_matches_central_differences(case):
    net, theta, x, y, sample = case
    # Kinks of ReLU make a central difference meaningless within ε of z = 0.
    trace = net.forward(theta, x[sample:sample + 1])
    assume(all(np.min(np.abs(z)) > 1e-3 for z in trace.z[1:]))
    ops = network_operations(net, theta, x, y, sample, False, make_optimizer("sgd", 0.1))
    engine = _engine(net, theta, x[sample], y[sample])
    seen = 0
    for op in ops:
        if op.phase == "update":
            continue
        name = op.target.text
        assert op.value == pytest.approx(engine[name], abs=1e-12, rel=1e-12), name
        seen += 1
    assert seen == len(engine)  # every number of the engine's walkthrough is in the walk
    eps = 1e-6
    for op in ops:
        if op.quantity not in ("dL_dW", "dL_db"):
            continue
        index = net.index_of(op.target.text.removeprefix("∂L/∂"))
        plus, minus = theta.copy(), theta.copy()
        plus[index] += eps
        minus[index] -= eps
        xs, ys = x[sample:sample + 1], y[sample:sample + 1]
        numeric = (_sample_loss(net, plus, xs, ys) - _sample_loss(net, minus, xs, ys)) / (2 * eps)
        assert op.value == pytest.approx(numeric, abs=1e-6, rel=1e-5), op.target.text
    # δ = ∂L/∂z equals ∂L/∂b (a bias moves its z one for one), checked above by nudging
    for op in ops:
        if op.quantity != "delta":
            continue
        layer, j = op.touches[0].layer, op.touches[0].j
        assert op.value == pytest.approx(
            next(o.value for o in ops if o.target.text == f"∂L/∂b{layer}[{j}]"), abs=1e-12)


@given(networks(), st.booleans())
def test_the_batch_view_is_the_mean_the_optimizer_uses(case, l2):
    net, theta, x, y, _ = case
    if l2:
        net = replace(net, regularization=Regularization("l2", 0.01))
    ops = network_operations(net, theta, x, y, 0, True, make_optimizer("sgd", 0.1))
    _, gradient = net.loss_and_gradient(theta, x, y)
    loss = next(op for op in ops if op.quantity == "loss")
    trace = net.forward(theta, x)
    assert loss.value == pytest.approx(net.loss_value(theta, trace, y), abs=1e-12)
    for op in ops:
        if op.quantity in ("dL_dW", "dL_db"):
            name = op.target.text.removeprefix("∂L/∂")
            assert op.value == pytest.approx(gradient[net.index_of(name)], abs=1e-12, rel=1e-12)
            # the mean of the per-sample products, as the chain rule writes them
            assert op.value == pytest.approx(chain_rule(net, theta, x, y, name).value, abs=1e-12)
            assert op.numbers.text.startswith(f"(1/{len(x)})·([")
        elif op.quantity in ("z", "a"):
            layer, j = op.touches[0].layer, op.touches[0].j
            assert op.value is None
            column = trace.z[layer][:, j] if op.quantity == "z" else trace.a[layer][:, j]
            assert op.values == tuple(column)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_update_line_is_the_optimizers_real_step(name):
    net, theta = small_network()
    optimizer = make_optimizer(name, 0.05)
    _, g0 = net.loss_and_gradient(theta, XOR_X, XOR_Y)
    start = theta.copy()
    optimizer.step(start, g0)  # a step already taken: the memory is not empty
    memory = optimizer.snapshot()
    ops = network_operations(net, start, XOR_X, XOR_Y, 2, False, optimizer)
    assert optimizer.t == memory[0] and all(
        np.array_equal(v, memory[1][k]) for k, v in optimizer.state.items())  # untouched
    single = replace(net, regularization=None)
    grads = single.backward(start, single.forward(start, XOR_X[2:3]), XOR_Y[2:3])
    real = make_optimizer(name, 0.05)
    real.restore(memory)
    expected = start.copy()
    real.step(expected, grads.flat.copy())
    updates = [op for op in ops if op.quantity == "parameter"]
    assert [op.value for op in updates] == pytest.approx(expected.tolist(), abs=1e-15)
    lines = [op for op in ops if op.quantity == "memory"]
    assert len(lines) == len(real.state) * net.parameter_count
    for op in lines:
        base = op.target.text.split("(")[0]
        key = {"v": "velocity" if "velocity" in real.state else
               "mean_sq" if "mean_sq" in real.state else "v", "s": "sum_sq", "m": "m"}[base]
        index = net.index_of(op.target.text[len(base) + 1:-1])
        assert op.value == real.state[key][index]


def test_sgd_and_momentum_lines_read_as_their_rules():
    net, theta = small_network()
    sgd = network_operations(net, theta, XOR_X, XOR_Y, 1, False, make_optimizer("sgd", 0.5))
    grads = {op.target.text: op.value for op in sgd if op.quantity in ("dL_dW", "dL_db")}
    for op in (o for o in sgd if o.quantity == "parameter"):
        name = op.target.text
        assert op.value == pytest.approx(theta[net.index_of(name)] - 0.5 * grads[f"∂L/∂{name}"],
                                         abs=1e-15)
        assert op.formula.text == f"{name} − η·∂L/∂{name}"
    momentum = network_operations(net, theta, XOR_X, XOR_Y, 1, False,
                                  make_optimizer("momentum", 0.5))
    first = next(op for op in momentum if op.quantity == "memory")
    assert "first step" in first.formula.text  # torch: the first velocity is g itself


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", tex):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    opened = len(re.findall(r"\\left[(\[]", tex))
    return depth == 0 and opened == len(re.findall(r"\\right[)\]]", tex))


@pytest.mark.parametrize("ends", ENDS)
@pytest.mark.parametrize("batch", [False, True])
def test_latex_of_every_line_has_balanced_braces(ends, batch):
    net = Network((2, 3, 3), ("relu",), *ends)
    theta = net.initial_theta(0)
    y = np.array([[0.0], [1.0], [2.0], [1.0]]) if ends[1] == "cross_entropy" else \
        np.tile(XOR_Y, (1, 3))
    for name in ("adam", "rmsprop", "nesterov"):
        ops = network_operations(net, theta, XOR_X, y, 1, batch, make_optimizer(name, 0.1))
        for op in ops:
            assert _balanced(op.latex), op.latex
            assert "nan" not in op.text.lower()
        whole = ops.latex_all()
        assert whole.startswith("\\begin{align*}") and _balanced(whole)


def _formula_walk(text, names, point, optimizer="sgd"):
    model = _build(text, names)
    values = model.at(point)
    return model, formula_operations(model, values, np.array(values.gradient),
                                     make_optimizer(optimizer, 0.1))


def test_the_seeds_w_squared_walks_its_graph():
    model, ops = _formula_walk("w**2", ("w",), (3.0,))
    assert [op.text for op in ops] == [
        "w = 3", "J = w² = (3)² = 9",
        "∂J/∂J = 1", "∂J/∂w = ∂J/∂J·∂J/∂w = 1·6 = 6",
        "w ← w − η·∂J/∂w = 3 − 0.1·6 = 2.4",
    ]
    assert [op.phase for op in ops] == ["forward"] * 2 + ["backward"] * 2 + ["update"]
    assert ops[3].value == 6.0 and ops[4].value == pytest.approx(2.4, abs=1e-15)
    assert ops[1].touches[0] == Touch("node", 0, 0, model.root)
    assert all(_balanced(op.latex) for op in ops)


def test_three_times_a_plus_b_c_walks_forward_then_back_along_every_edge():
    model, ops = _formula_walk("3*(a + b*c)", ("a", "b", "c"), (1.0, 2.0, -0.5), "adam")
    count = len(model.nodes)
    forward = [op for op in ops if op.phase == "forward"]
    backward = [op for op in ops if op.phase == "backward"]
    assert len(forward) == len(backward) == count
    assert forward[-1].value == pytest.approx(3 * (1 + 2 * -0.5))  # J last
    assert backward[0].target.text == "∂J/∂J" and backward[0].value == 1.0
    adjoints = {op.target.text: op.value for op in backward}
    # ∂J/∂a = 3, ∂J/∂b = 3c, ∂J/∂c = 3b: the backward sweep's sums along the edges
    assert (adjoints["∂J/∂a"], adjoints["∂J/∂b"], adjoints["∂J/∂c"]) == pytest.approx((3, -1.5, 6))
    # each adjoint is the sum of its terms' numbers, parent's ∂J times the edge's local slope
    values = model.at((1.0, 2.0, -0.5))
    for op in backward[1:]:
        k = op.touches[0].j
        terms = [values.adjoints[e.parent] * values.local_derivatives[i]
                 for i, e in enumerate(model.edges) if e.child == k]
        assert op.value == pytest.approx(sum(terms), abs=1e-12)
    assert len([op for op in ops if op.phase == "update"]) == 3 * 3  # m, v, then the variable
    assert all(_balanced(op.latex) for op in ops)


def test_a_big_network_is_walked_lazily():
    net = Network((2, *([32] * 8), 1), ("tanh",) * 8, "sigmoid", "bce")
    theta = net.initial_theta(0)
    ops = network_operations(net, theta, XOR_X, XOR_Y, 0, False, make_optimizer("adam", 0.01))
    assert len(ops) > 3 * net.parameter_count  # tens of thousands of operations …
    assert len(ops._cache) == 0  # … none of them built yet
    last = ops[len(ops) - 1]
    assert last.target.text == "b9[0]" and last.phase == "update"
    for k in range(0, len(ops), 50):
        ops[k]
    assert len(ops._cache) <= CACHE
    assert ops.progress(len(ops) - 1).updated == net.parameter_count
    assert math.isfinite(ops[ops.phase_starts["backward"]].value)
