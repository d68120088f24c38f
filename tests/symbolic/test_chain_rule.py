from dataclasses import replace

import numpy as np
import pytest

from simulator.engine.functions import Regularization
from simulator.engine.network import Network
from simulator.symbolic.chain_rule import chain_rule

HIDDEN = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
OUTPUTS = [("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"), ("relu", "mse"),
           ("softmax", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]
REGULARIZATIONS = [None, Regularization("l2", 0.03), Regularization("l1", 0.02)]


def random_case(seed):
    rng = np.random.default_rng(seed)
    output, loss = OUTPUTS[seed % len(OUTPUTS)]
    hidden = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
    outputs = int(rng.integers(2, 4)) if output == "softmax" else int(rng.integers(1, 3))
    sizes = (int(rng.integers(1, 4)), *hidden, outputs)
    activations = tuple(str(rng.choice(HIDDEN)) for _ in hidden)
    network = Network(sizes, activations, output, loss, REGULARIZATIONS[seed % 3])
    # nudged off the initial weights so no ReLU sits exactly at its kink
    theta = network.initial_theta(seed) + rng.normal(0.0, 0.3, network.parameter_count)
    n = int(rng.integers(1, 7))
    x = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        y = rng.integers(0, outputs, size=(n, 1)).astype(float)
    else:
        y = rng.uniform(0.0, 1.0, size=(n, outputs))
    return network, theta, x, y


def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-15


@pytest.mark.parametrize("seed", range(42))
def test_batch_value_equals_the_engine_gradient(seed):
    network, theta, x, y = random_case(seed)
    _, engine = network.loss_and_gradient(theta, x, y)
    for name in network.parameter_names():
        rule = chain_rule(network, theta, x, y, name)
        assert close(rule.value, engine[network.index_of(name)]), name
        assert rule.samples == x.shape[0]


@pytest.mark.parametrize("seed", range(42))
def test_one_sample_value_equals_the_engine_gradient_on_that_sample(seed):
    network, theta, x, y = random_case(seed)
    sample = seed % x.shape[0]
    _, engine = network.loss_and_gradient(theta, x[sample:sample + 1], y[sample:sample + 1])
    for name in network.parameter_names():
        rule = chain_rule(network, theta, x, y, name, sample=sample)
        assert close(rule.value, engine[network.index_of(name)]), name
        # one sample: the value is the product of the filled-in factors (+ the penalty)
        product = np.prod([f.values[0] for f in rule.factors])
        assert close(rule.value, product + rule.regularization)
        assert rule.per_sample == (pytest.approx(product, rel=1e-12, abs=1e-300),)


def test_batch_value_is_the_mean_of_the_per_sample_products():
    network, theta, x, y = random_case(3)
    rule = chain_rule(network, theta, x, y, network.parameter_names()[0])
    products = np.prod([np.asarray(f.values) for f in rule.factors], axis=0)
    assert rule.data_value == pytest.approx(float(np.mean(products)), rel=1e-12)
    assert rule.value == pytest.approx(rule.data_value + rule.regularization, rel=1e-12)


def test_regularization_is_an_explicit_term():
    network = Network((2, 2, 1), ("tanh",), "sigmoid", "mse", Regularization("l2", 0.1))
    theta = network.initial_theta(5)
    x, y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([[1.0], [0.0]])
    rule = chain_rule(network, theta, x, y, "W1[1,0]")
    assert rule.regularization == pytest.approx(0.1 * theta[network.index_of("W1[1,0]")])
    plain = chain_rule(replace(network, regularization=None), theta, x, y, "W1[1,0]")
    assert rule.data_value == pytest.approx(plain.value)
    assert "λ·W1[1,0]" in rule.symbolic
    assert chain_rule(network, theta, x, y, "b1[0]").regularization == 0.0  # not on biases


def test_output_weight_reads_as_three_factors():
    network = Network((2, 3, 1), ("tanh",), "sigmoid", "mse")
    theta = network.initial_theta(1)
    x, y = np.array([[0.5, -1.0]]), np.array([[1.0]])
    rule = chain_rule(network, theta, x, y, "W2[1,0]")
    assert [f.name for f in rule.factors] == ["∂L/∂a2[0]", "∂a2[0]/∂z2[0]", "∂z2[0]/∂W2[1,0]"]
    assert rule.symbolic.splitlines()[0] == (
        "∂L/∂W2[1,0] = ∂L/∂a2[0] · ∂a2[0]/∂z2[0] · ∂z2[0]/∂W2[1,0]")
    assert "σ'(z2[0])" in rule.symbolic and "a1[1]" in rule.symbolic
    trace = network.forward(theta, x)
    assert rule.factors[2].values == (pytest.approx(trace.a[1][0, 1]),)
    assert rule.filled.startswith("∂L/∂W2[1,0] = ")
    assert rule.filled.endswith(f"= {rule.value:.4g}")
    assert "\\frac{\\partial L}{\\partial W^{[2]}_{1,0}}" in rule.latex
    assert rule.paths == ()


def test_hidden_weight_expands_one_level_through_the_next_layer():
    network = Network((2, 2, 3), ("tanh",), "linear", "mse")
    theta = network.initial_theta(2)
    x, y = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0, 0.5]])
    rule = chain_rule(network, theta, x, y, "W1[0,1]", sample=0)
    assert [p.neuron for p in rule.paths] == [0, 1, 2]
    assert rule.factors[0].meaning == (
        "∂L/∂z2[0]·W2[1,0] + ∂L/∂z2[1]·W2[1,1] + ∂L/∂z2[2]·W2[1,2]")
    grads = network.backward(theta, network.forward(theta, x), y)
    for path in rule.paths:
        assert path.dL_dz[0] == pytest.approx(grads.dL_dz[2][0, path.neuron])
        assert path.weight == network.unpack(theta)[0][1][1, path.neuron]
    assert rule.factors[0].values[0] == pytest.approx(grads.dL_da[1][0, 1])
    assert "x[0]" in rule.symbolic and "tanh'(z1[1])" in rule.symbolic


def test_fused_losses_give_one_output_factor_and_say_so():
    network = Network((2, 2), (), "softmax", "cross_entropy")
    theta = network.initial_theta(3)
    x, y = np.array([[0.5, -1.0], [1.0, 1.0]]), np.array([[1.0], [0.0]])
    rule = chain_rule(network, theta, x, y, "W1[0,1]", sample=0)
    assert [f.name for f in rule.factors] == ["∂L/∂z1[1]", "∂z1[1]/∂W1[0,1]"]
    a = network.forward(theta, x[:1]).a[1][0, 1]
    assert rule.factors[0].values[0] == pytest.approx(a - 1.0)  # ŷ − y for the true class
    assert any("one factor" in note for note in rule.notes)
    bce = Network((1, 1), (), "sigmoid", "bce")
    rule = chain_rule(bce, bce.initial_theta(0), np.array([[2.0]]), np.array([[1.0]]), "b1[0]")
    assert rule.factors[0].meaning == "a1[0] - y[0]"
    assert "Binary cross-entropy" in rule.notes[0]


def test_batch_text_is_a_mean_over_samples():
    network, theta, x, y = random_case(0)
    x, y = np.vstack([x] * 5)[:5], np.vstack([y] * 5)[:5]
    rule = chain_rule(network, theta, x, y, "b1[0]")
    assert "(1/n) Σ_s" in rule.symbolic and "∂L_s/" in rule.symbolic
    assert rule.filled.startswith("∂L/∂b1[0] = (1/5)·([")
    assert "(2 more)" in rule.filled
    assert len(rule.factors[0].values) == 5


def test_bad_requests():
    network, theta, x, y = random_case(1)
    with pytest.raises(ValueError, match="sample: 99 is out of range"):
        chain_rule(network, theta, x, y, "b1[0]", sample=99)
    with pytest.raises(ValueError):
        chain_rule(network, theta, x, y, "W9[0,0]")
