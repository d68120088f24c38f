"""The MLP: limits, parameter layout, a hand-computed pass, and the walkthrough."""

import math
import re

import numpy as np
import pytest

from simulator.engine.functions import Regularization
from simulator.engine.network import (
    MAX_HIDDEN_LAYERS,
    MAX_INPUTS,
    MAX_NEURONS,
    MAX_OUTPUTS,
    Network,
    NetworkError,
)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ----- limits ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(sizes=(2,), activations=()), "input layer and an output layer"),
    (dict(sizes=(2, *[4] * 9, 1), activations=("tanh",) * 9), "at most 8 hidden layers, got 9"),
    (dict(sizes=(2, 33, 1), activations=("tanh",)), "hidden layer 1 must have 1–32 neurons, got 33"),
    (dict(sizes=(2, 4, 0, 1), activations=("tanh", "tanh")), "hidden layer 2 must have 1–32"),
    (dict(sizes=(17, 4, 1), activations=("tanh",)), "input layer must have 1–16 neurons, got 17"),
    (dict(sizes=(0, 4, 1), activations=("tanh",)), "input layer must have 1–16 neurons, got 0"),
    (dict(sizes=(2, 4, 11), activations=("tanh",)), "output layer must have 1–10 neurons, got 11"),
    (dict(sizes=(2, 4, 1), activations=()), "one activation per hidden layer: 1 needed, got 0"),
    (dict(sizes=(2, 4, 1), activations=("swish",)), "unknown hidden activation 'swish'"),
    (dict(sizes=(2, 4, 3), activations=("softmax",)), "unknown hidden activation 'softmax'"),
    (dict(sizes=(2, 1), activations=(), output_activation="gelu"), "unknown output activation"),
    (dict(sizes=(2, 1), activations=(), loss_name="hinge"), "unknown loss 'hinge'"),
    (dict(sizes=(2, 1), activations=(), output_activation="linear", loss_name="bce"),
     "loss 'bce' needs output activation 'sigmoid'"),
    (dict(sizes=(2, 3), activations=(), output_activation="softmax", loss_name="bce"),
     "loss 'bce' needs output activation 'sigmoid'"),
    (dict(sizes=(2, 3), activations=(), output_activation="sigmoid", loss_name="cross_entropy"),
     "needs output activation 'softmax'"),
    (dict(sizes=(2, 1), activations=(), output_activation="softmax", loss_name="cross_entropy"),
     "at least 2 outputs"),
])
def test_bad_networks_raise_a_clear_network_error(kwargs, message):
    with pytest.raises(NetworkError, match=re.escape(message)):
        Network(**kwargs)
    assert issubclass(NetworkError, ValueError)


def test_the_largest_allowed_network_builds():
    sizes = (MAX_INPUTS, *[MAX_NEURONS] * MAX_HIDDEN_LAYERS, MAX_OUTPUTS)
    net = Network(sizes, ("relu",) * MAX_HIDDEN_LAYERS, "softmax", "cross_entropy")
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    assert net.parameter_count == expected == 16 * 32 + 32 + 7 * (32 * 32 + 32) + 32 * 10 + 10
    assert net.layer_count == MAX_HIDDEN_LAYERS + 1
    x = np.random.default_rng(0).normal(size=(3, MAX_INPUTS))
    out = net.forward(net.initial_theta(0), x).output
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


# ----- layout ---------------------------------------------------------------------------

LAYOUT_NETS = [
    Network((2, 3, 1), ("tanh",)),
    Network((3, 4, 2, 3), ("relu", "sigmoid"), "softmax", "cross_entropy"),
    Network((1, 1), (), "linear", "mse"),
]


@pytest.mark.parametrize("net", LAYOUT_NETS, ids=lambda n: "-".join(map(str, n.sizes)))
def test_names_index_of_and_locate_agree(net):
    names = net.parameter_names()
    assert len(names) == len(set(names)) == net.parameter_count
    for k, name in enumerate(names):
        assert net.index_of(name) == k
        kind, layer, cell = net.locate(k)
        expected = f"{kind}{layer}[{','.join(map(str, cell))}]"
        assert expected == name
    with pytest.raises(IndexError):
        net.locate(net.parameter_count)
    with pytest.raises(IndexError):
        net.locate(-1)


def test_parameter_layout_matches_unpack():
    net = Network((3, 4, 2, 3), ("relu", "sigmoid"), "softmax", "cross_entropy")
    theta = np.zeros(net.parameter_count)
    for name, value in [("W1[2,3]", 1.0), ("b1[1]", 2.0), ("W2[3,1]", 3.0), ("W3[0,2]", 4.0),
                        ("b3[2]", 5.0)]:
        theta[net.index_of(name)] = value
    weights, biases = net.unpack(theta)
    assert [w.shape for w in weights] == [(3, 4), (4, 2), (2, 3)]
    assert [b.shape for b in biases] == [(4,), (2,), (3,)]
    assert weights[0][2, 3] == 1.0 and biases[0][1] == 2.0 and weights[1][3, 1] == 3.0
    assert weights[2][0, 2] == 4.0 and biases[2][2] == 5.0
    assert sum(float(w.sum()) for w in weights) + sum(float(b.sum()) for b in biases) == 15.0
    # the names read in order: W1 row by row, then b1, then W2 …
    assert net.parameter_names()[:6] == ["W1[0,0]", "W1[0,1]", "W1[0,2]", "W1[0,3]", "W1[1,0]",
                                         "W1[1,1]"]
    assert net.parameter_names()[12:16] == ["b1[0]", "b1[1]", "b1[2]", "b1[3]"]


@pytest.mark.parametrize("name", ["W3[0,0]", "W0[0,0]", "W1[2,0]", "W1[0,3]", "b1[3]", "b2[1]",
                                  "x1[0]", "W1[0]", "b1[0,0]", "W1[a,0]", "W1[0,0", "", "W[0,0]",
                                  "W1[-1,0]", "b1[-1]"])
def test_index_of_rejects_names_that_are_not_parameters(name):
    net = Network((2, 3, 1), ("tanh",))
    with pytest.raises(NetworkError):
        net.index_of(name)


def test_index_of_allows_spaces():
    net = Network((2, 3, 1), ("tanh",))
    assert net.index_of(" W2 [2, 0]") == net.index_of("W2[2,0]") == 11


def test_pack_unpack_roundtrip_and_views():
    net = Network((3, 4, 2, 3), ("relu", "sigmoid"), "softmax", "cross_entropy")
    theta = np.random.default_rng(1).normal(size=net.parameter_count)
    weights, biases = net.unpack(theta)
    packed = net.pack([w.copy() for w in weights], [b.copy() for b in biases])
    np.testing.assert_array_equal(packed, theta)
    assert packed is not theta
    # unpack gives views: writing a matrix writes θ
    weights[1][2, 0] = 42.0
    assert theta[net.index_of("W2[2,0]")] == 42.0
    nested = net.pack([w.tolist() for w in weights], [b.tolist() for b in biases])
    np.testing.assert_array_equal(nested, theta)


def test_pack_rejects_wrong_shapes():
    net = Network((2, 2, 1), ("tanh",))
    good_w = [np.zeros((2, 2)), np.zeros((2, 1))]
    good_b = [np.zeros(2), np.zeros(1)]
    with pytest.raises(NetworkError, match="weights of layer 1"):
        net.pack([np.zeros((2, 3)), good_w[1]], good_b)
    with pytest.raises(NetworkError, match="biases of layer 2"):
        net.pack(good_w, [good_b[0], np.zeros(2)])
    with pytest.raises(NetworkError, match="expected 2 weight matrices"):
        net.pack(good_w[:1], good_b)


def test_initial_theta_is_seeded_with_zero_biases():
    net = Network((2, 8, 8, 1), ("relu", "tanh"))
    a, b, c = net.initial_theta(5), net.initial_theta(5), net.initial_theta(6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    _, biases = net.unpack(a)
    for bias in biases:
        np.testing.assert_array_equal(bias, 0.0)
    assert np.all(np.isfinite(a)) and np.count_nonzero(a) == 2 * 8 + 8 * 8 + 8


# ----- a forward and backward pass computed by hand --------------------------------------

def test_forward_of_a_small_network_by_hand():
    net = Network((2, 2, 1), ("tanh",), "sigmoid", "mse")
    theta = net.pack([[[0.5, -0.3], [0.8, 0.1]], [[1.0], [-1.0]]], [[0.1, -0.2], [0.05]])
    x = np.array([[1.0, 2.0], [-0.5, 0.25]])
    trace = net.forward(theta, x)
    for s, (x1, x2) in enumerate(x):
        z1 = [0.5 * x1 + 0.8 * x2 + 0.1, -0.3 * x1 + 0.1 * x2 - 0.2]
        a1 = [math.tanh(v) for v in z1]
        z2 = 1.0 * a1[0] - 1.0 * a1[1] + 0.05
        np.testing.assert_allclose(trace.z[1][s], z1, rtol=1e-15)
        np.testing.assert_allclose(trace.a[1][s], a1, rtol=1e-15)
        assert trace.z[2][s, 0] == pytest.approx(z2, rel=1e-15)
        assert trace.output[s, 0] == pytest.approx(_sigmoid(z2), rel=1e-15)
    assert trace.z[0] is None
    np.testing.assert_array_equal(trace.a[0], x)


def test_backward_of_a_one_one_one_network_by_hand():
    """L = (σ(w2·tanh(w1·x + b1) + b2) − y)², differentiated with the chain rule by hand."""
    w1, b1, w2, b2, x, y = 0.8, -0.1, 1.5, 0.2, 0.5, 1.0
    net = Network((1, 1, 1), ("tanh",), "sigmoid", "mse")
    theta = np.array([w1, b1, w2, b2])
    assert net.parameter_names() == ["W1[0,0]", "b1[0]", "W2[0,0]", "b2[0]"]
    z1 = w1 * x + b1
    a1 = math.tanh(z1)
    z2 = w2 * a1 + b2
    a2 = _sigmoid(z2)
    loss = (a2 - y) ** 2
    dz2 = 2 * (a2 - y) * a2 * (1 - a2)
    dz1 = dz2 * w2 * (1 - a1 * a1)
    expected = [dz1 * x, dz1, dz2 * a1, dz2]
    value, grad = net.loss_and_gradient(theta, np.array([[x]]), np.array([[y]]))
    assert value == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(grad, expected, rtol=1e-13)
    grads = net.backward(theta, net.forward(theta, np.array([[x]])), np.array([[y]]))
    assert grads.dL_da[2][0, 0] == pytest.approx(2 * (a2 - y), rel=1e-14)
    assert grads.dL_da[1][0, 0] == pytest.approx(dz2 * w2, rel=1e-14)
    assert grads.dL_dz[1][0, 0] == pytest.approx(dz1, rel=1e-13)
    assert grads.dL_dW[0] is None and grads.dL_dz[0] is None


def test_backward_writes_into_out_and_regularized_loss_adds_the_penalty():
    net = Network((2, 3, 1), ("tanh",), "sigmoid", "bce", Regularization("l1", 0.2))
    plain = Network((2, 3, 1), ("tanh",), "sigmoid", "bce")
    rng = np.random.default_rng(3)
    theta = rng.uniform(-1, 1, net.parameter_count)
    x, y = rng.uniform(-1, 1, (5, 2)), rng.integers(0, 2, (5, 1)).astype(float)
    out = np.full(net.parameter_count, np.nan)
    loss, grad = net.loss_and_gradient(theta, x, y, out)
    assert grad is out and np.all(np.isfinite(out))
    weights, _ = net.unpack(theta)
    penalty = 0.2 * sum(float(np.abs(w).sum()) for w in weights)
    assert loss == pytest.approx(plain.loss_and_gradient(theta, x, y)[0] + penalty, rel=1e-14)


# ----- the walkthrough ---------------------------------------------------------------------

WALK_NETS = [
    (Network((2, 3, 2), ("tanh",), "softmax", "cross_entropy"), [1.0]),
    (Network((2, 2, 1), ("sigmoid",), "sigmoid", "bce"), [1.0]),
    (Network((2, 3, 2), ("tanh",), "sigmoid", "bce"), [1.0, 0.0]),
    (Network((1, 2, 2, 1), ("leaky_relu", "tanh"), "linear", "mse", Regularization("l2", 0.3)),
     [0.7]),
    (Network((2, 2, 3), ("relu",), "softmax", "mse"), [0.0, 1.0, 0.0]),
]


def _sum_of_products(text: str) -> float:
    """Evaluate the walkthrough's '0.5·0.25 + -0.3·1 + 0.1' form."""
    total = 0.0
    for term in text.split(" + "):
        factors = [float(f) for f in term.split("·")]
        total += math.prod(factors)
    return total


@pytest.mark.parametrize(("net", "target"), WALK_NETS, ids=lambda v: getattr(v, "loss_name", ""))
def test_walkthrough_matches_trace_backward_and_finite_differences(net, target):
    rng = np.random.default_rng(9)
    theta = rng.uniform(-1.5, 1.5, net.parameter_count)
    x = rng.uniform(-1, 1, net.sizes[0])
    xb, yb = x.reshape(1, -1), np.array([target])
    ops = net.walkthrough(theta, x, target)
    by_target = {op.target: op for op in ops}
    assert len(by_target) == len(ops), "every operation computes a different quantity"
    phases = [op.phase for op in ops]
    assert phases == sorted(phases, key=lambda p: p != "forward"), "forward first, then backward"

    plain = Network(net.sizes, net.activations, net.output_activation, net.loss_name)
    trace = net.forward(theta, xb)
    grads = plain.backward(theta, trace, yb)
    weights, _ = net.unpack(theta)
    sample_loss = plain.loss_value(theta, trace, yb)
    assert by_target["L"].value == pytest.approx(sample_loss, rel=1e-14)

    numeric = np.empty_like(theta)
    for k in range(theta.size):
        p, m = theta.copy(), theta.copy()
        p[k] += 1e-6
        m[k] -= 1e-6
        numeric[k] = (plain.loss_value(p, plain.forward(p, xb), yb)
                      - plain.loss_value(m, plain.forward(m, xb), yb)) / 2e-6

    for layer in range(1, net.layer_count + 1):
        for j in range(net.sizes[layer]):
            z_op, a_op = by_target[f"z{layer}[{j}]"], by_target[f"a{layer}[{j}]"]
            assert z_op.value == trace.z[layer][0, j]
            assert a_op.value == trace.a[layer][0, j]
            assert z_op.layer == layer and z_op.phase == "forward"
            # the numbers shown, rounded to 4 digits, add up to the value
            assert _sum_of_products(z_op.substituted) == pytest.approx(z_op.value, rel=2e-3,
                                                                        abs=2e-3)
            assert by_target[f"dL/dz{layer}[{j}]"].value == grads.dL_dz[layer][0, j]
            assert by_target[f"dL/da{layer}[{j}]"].value == grads.dL_da[layer][0, j]
            db = by_target[f"dL/db{layer}[{j}]"].value
            assert db == grads.dL_db[layer][j]
            assert db == pytest.approx(numeric[net.index_of(f"b{layer}[{j}]")], rel=1e-6, abs=1e-8)
            if layer < net.layer_count:  # dL/da = Σ_k W[l+1][j,k] · dL/dz[l+1][k]
                downstream = sum(weights[layer][j, k] * by_target[f"dL/dz{layer + 1}[{k}]"].value
                                 for k in range(net.sizes[layer + 1]))
                assert by_target[f"dL/da{layer}[{j}]"].value == pytest.approx(downstream,
                                                                                rel=1e-12)
            for i in range(net.sizes[layer - 1]):
                op = by_target[f"dL/dW{layer}[{i},{j}]"]
                assert op.value == grads.dL_dW[layer][i, j]
                assert op.value == pytest.approx(trace.a[layer - 1][0, i] * grads.dL_dz[layer][0, j],
                                                 rel=1e-14, abs=1e-300)
                index = net.index_of(f"W{layer}[{i},{j}]")
                assert op.value == pytest.approx(numeric[index], rel=1e-6, abs=1e-8)
    expected_count = sum(2 * n for n in net.sizes[1:]) + 1 + sum(
        2 * n_out + n_in * n_out + n_out for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:],
                                                                 strict=True))
    assert len(ops) == expected_count


def test_walkthrough_texts_name_the_quantities():
    net = Network((2, 2, 1), ("tanh",), "sigmoid", "bce")
    theta = net.pack([[[0.5, -0.3], [0.8, 0.1]], [[1.0], [-1.0]]], [[0.0, 0.0], [0.0]])
    ops = {op.target: op for op in net.walkthrough(theta, [1.0, 0.0], 1.0)}
    assert ops["z1[0]"].formula == "x[0]·W1[0,0] + x[1]·W1[1,0] + b1[0]"
    assert ops["z1[0]"].substituted == "1·0.5 + 0·0.8 + 0"
    assert ops["z1[0]"].value == 0.5
    assert ops["a1[0]"].formula == "tanh(z1[0])"
    assert ops["a1[0]"].value == pytest.approx(math.tanh(0.5), rel=1e-15)
    assert ops["dL/dz2[0]"].formula == "a2[0] - y[0]"
    assert ops["dL/dW2[1,0]"].formula == "a1[1]·dL/dz2[0]"
