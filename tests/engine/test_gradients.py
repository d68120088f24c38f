"""Backpropagation against central finite differences, on hypothesis-generated networks.

For every hidden activation, every output activation × loss pairing and several shapes,
the gradient from ``Network.backward`` must agree with (L(θ + εe_k) − L(θ − εe_k)) / 2ε
to 1e-6 relative (absolute below 1). Weights are drawn from ±[0.01, 2] and inputs from
±[0.01, 1] so the network stays well-conditioned; draws that put a relu pre-activation
within 1e-4 of its kink are rejected, as the derivative is undefined there.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulator.engine.functions import HIDDEN_ACTIVATIONS, Regularization
from simulator.engine.network import Network

EPSILON = 1e-6
TOLERANCE = 1e-6

OUTPUTS = [  # (output activation, loss): every output activation with mse, plus the pairs
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("relu", "mse"),
    ("leaky_relu", "mse"),
    ("softmax", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]
REGULARIZATIONS = [None, "l2", "l1"]
KINKED = ("relu", "leaky_relu")

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _signed(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats with low ≤ |v| ≤ high: no exact zeros (they sit on kinks of relu and |w|)."""
    return st.one_of(st.floats(low, high), st.floats(-high, -low))


def numeric_gradient(network: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray):
    grad = np.empty_like(theta)
    for k in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[k] += EPSILON
        minus[k] -= EPSILON
        grad[k] = (network.loss_value(plus, network.forward(plus, x), y)
                   - network.loss_value(minus, network.forward(minus, x), y)) / (2 * EPSILON)
    return grad


def assert_gradients_agree(analytic: np.ndarray, numeric: np.ndarray) -> None:
    scale = np.maximum(1.0, np.abs(numeric))
    worst = np.max(np.abs(analytic - numeric) / scale)
    assert worst <= TOLERANCE, f"max relative error {worst:.3g}\n{analytic}\n{numeric}"


def _away_from_kinks(network: Network, theta: np.ndarray, x: np.ndarray) -> bool:
    trace = network.forward(theta, x)
    for layer in range(1, network.layer_count + 1):
        if network.activation(layer).name in KINKED and np.min(np.abs(trace.z[layer])) < 1e-4:
            return False
    return True


@st.composite
def problems(draw, hidden: str | None, output: str, loss: str, reg: str | None):
    """Draw a network of a random shape, its θ, a batch and targets for the given functions."""
    n_hidden = 0 if hidden is None else draw(st.integers(1, 2))
    inputs = draw(st.integers(1, 3))
    hidden_sizes = [draw(st.integers(1, 4)) for _ in range(n_hidden)]
    outputs = draw(st.integers(2 if loss == "cross_entropy" or output == "softmax" else 1, 4))
    samples = draw(st.integers(1, 5))
    rate = draw(st.floats(0.01, 1.0)) if reg else 0.0
    network = Network((inputs, *hidden_sizes, outputs), (hidden,) * n_hidden, output, loss,
                      Regularization(reg, rate) if reg else None)
    theta = draw(arrays(np.float64, network.parameter_count, elements=_signed(0.01, 2.0)))
    x = draw(arrays(np.float64, (samples, inputs), elements=_signed(0.01, 1.0)))
    if loss == "cross_entropy":
        y = draw(arrays(np.float64, (samples, 1), elements=st.integers(0, outputs - 1)))
    elif loss == "bce":
        y = draw(arrays(np.float64, (samples, outputs), elements=st.floats(0.0, 1.0)))
    else:
        y = draw(arrays(np.float64, (samples, outputs), elements=st.floats(-1.5, 1.5)))
    return network, theta, x, y


def _check(case) -> None:
    network, theta, x, y = case
    assume(_away_from_kinks(network, theta, x))
    loss, analytic = network.loss_and_gradient(theta, x, y)
    assert np.isfinite(loss)
    assert analytic.shape == theta.shape
    assert_gradients_agree(analytic, numeric_gradient(network, theta, x, y))


@pytest.mark.parametrize("reg", REGULARIZATIONS)
@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backprop_matches_central_differences(hidden, output, loss, reg):
    @SETTINGS
    @given(problems(hidden, output, loss, reg))
    def check(case):
        _check(case)

    check()


@pytest.mark.parametrize("reg", REGULARIZATIONS)
@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
def test_backprop_without_hidden_layers(output, loss, reg):
    @SETTINGS
    @given(problems(None, output, loss, reg))
    def check(case):
        _check(case)

    check()


def test_a_deep_narrow_network_and_a_wide_one():
    rng = np.random.default_rng(11)
    for sizes, acts in [((2, 3, 3, 3, 3, 2), ("tanh", "sigmoid", "leaky_relu", "tanh")),
                        ((3, 12, 2), ("tanh",))]:
        network = Network(sizes, acts, "softmax", "cross_entropy", Regularization("l2", 0.05))
        theta = rng.uniform(-1, 1, network.parameter_count)
        x = rng.uniform(-1, 1, (7, sizes[0]))
        y = rng.integers(0, sizes[-1], (7, 1)).astype(float)
        assert _away_from_kinks(network, theta, x)
        assert_gradients_agree(network.loss_and_gradient(theta, x, y)[1],
                               numeric_gradient(network, theta, x, y))


def test_the_gradient_check_would_catch_a_wrong_gradient():
    """The comparison is not vacuous: a gradient off by 1e-5 in one entry fails it."""
    rng = np.random.default_rng(2)
    network = Network((2, 3, 1), ("tanh",), "sigmoid", "bce")
    theta = rng.uniform(-1, 1, network.parameter_count)
    x, y = rng.uniform(-1, 1, (4, 2)), rng.integers(0, 2, (4, 1)).astype(float)
    analytic = network.loss_and_gradient(theta, x, y)[1]
    numeric = numeric_gradient(network, theta, x, y)
    assert_gradients_agree(analytic, numeric)
    analytic[3] += 1e-5
    with pytest.raises(AssertionError):
        assert_gradients_agree(analytic, numeric)


def test_regularization_touches_weights_not_biases():
    network = Network((2, 2, 1), ("tanh",), "sigmoid", "mse", Regularization("l2", 0.5))
    plain = Network((2, 2, 1), ("tanh",), "sigmoid", "mse")
    rng = np.random.default_rng(4)
    theta = rng.uniform(-1, 1, network.parameter_count)
    x, y = rng.uniform(-1, 1, (3, 2)), rng.uniform(0, 1, (3, 1))
    g_reg = network.loss_and_gradient(theta, x, y)[1]
    g_plain = plain.loss_and_gradient(theta, x, y)[1]
    weights, biases = network.unpack(g_reg - g_plain)
    theta_w, _ = network.unpack(theta)
    for w, tw in zip(weights, theta_w, strict=True):
        np.testing.assert_allclose(w, 0.5 * tw, rtol=1e-12, atol=1e-15)
    for b in biases:
        np.testing.assert_array_equal(b, 0.0)
