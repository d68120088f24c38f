"""Weight initialisations: their statistics over 10⁵ draws against the formulas, and seeds."""

import numpy as np
import pytest

from simulator.engine.initializers import (
    INITIALIZERS,
    InitializerError,
    draw_weights,
    starting_bias,
)
from simulator.engine.network import Network

FAN_IN, FAN_OUT = 250, 400  # 10⁵ draws in one matrix


def draws(kind, activation="tanh", seed=7):
    return draw_weights(kind, FAN_IN, FAN_OUT, np.random.default_rng(seed), activation)


@pytest.mark.parametrize(("kind", "variance", "limit"), [
    ("glorot_uniform", 2.0 / (FAN_IN + FAN_OUT), np.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    ("glorot_normal", 2.0 / (FAN_IN + FAN_OUT), None),
    ("he_uniform", 2.0 / FAN_IN, np.sqrt(6.0 / FAN_IN)),
    ("he_normal", 2.0 / FAN_IN, None),
    ("playground", 1.0 / 12.0, 0.5),  # U(−0.5, 0.5): Var = 1²/12
])
def test_the_statistics_of_10_5_draws_match_the_formulas(kind, variance, limit):
    w = draws(kind)
    assert w.shape == (FAN_IN, FAN_OUT) and w.size == 10**5
    # the standard error of a mean of n draws is σ/√n; of a variance about σ²·√(2/n) (normal)
    n = w.size
    assert abs(w.mean()) < 4 * np.sqrt(variance / n)
    assert w.var() == pytest.approx(variance, rel=4 * np.sqrt(2.0 / n))
    if limit is not None:  # uniform: inside the bounds, and reaching close to them
        assert -limit <= w.min() and w.max() < limit
        assert w.min() < -0.999 * limit and w.max() > 0.999 * limit
        counts, _ = np.histogram(w, bins=10, range=(-limit, limit))
        assert np.all(np.abs(counts - n / 10) < 5 * np.sqrt(n / 10))  # flat
    else:  # normal: 68.3 % within one σ, 95.4 % within two
        sigma = np.sqrt(variance)
        assert np.mean(np.abs(w) < sigma) == pytest.approx(0.6827, abs=0.006)
        assert np.mean(np.abs(w) < 2 * sigma) == pytest.approx(0.9545, abs=0.004)


def test_zeros_is_all_zeros_and_auto_picks_he_before_relu():
    assert not draws("zeros").any()
    np.testing.assert_array_equal(draws("auto", "relu"), draws("he_normal"))
    np.testing.assert_array_equal(draws("auto", "leaky_relu"), draws("he_normal"))
    np.testing.assert_array_equal(draws("auto", "tanh"), draws("glorot_normal"))


def test_the_same_seed_gives_the_same_weights_and_another_seed_others():
    np.testing.assert_array_equal(draws("he_uniform", seed=3), draws("he_uniform", seed=3))
    assert not np.array_equal(draws("he_uniform", seed=3), draws("he_uniform", seed=4))


def test_a_network_starts_from_its_initialisation_layer_by_layer():
    net = Network((2, 8, 8, 1), ("relu", "tanh"), "sigmoid", "mse")
    theta = net.initial_theta(5, "playground")
    weights, biases = net.unpack(theta)
    rng = np.random.default_rng(5)
    for w, b in zip(weights, biases, strict=True):
        np.testing.assert_array_equal(w, rng.uniform(-0.5, 0.5, size=w.shape))
        assert np.all(b == 0.1) and starting_bias("playground") == 0.1
    assert not net.initial_theta(5, "zeros").any()
    # the default is unchanged: Glorot normal, He normal before the ReLU layer
    default = net.unpack(net.initial_theta(5))[0]
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(default[0], rng.normal(0, np.sqrt(2 / 2), size=(2, 8)))
    np.testing.assert_array_equal(default[1], rng.normal(0, np.sqrt(2 / 16), size=(8, 8)))


def test_an_unknown_initialisation_is_refused_by_name():
    with pytest.raises(InitializerError, match="unknown initialisation 'lecun'; choose one of "
                                               "auto, glorot_uniform"):
        draws("lecun")
    assert set(INITIALIZERS) == {"auto", "glorot_uniform", "glorot_normal", "he_uniform",
                                 "he_normal", "playground", "zeros"}
