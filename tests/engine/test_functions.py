"""Activations and losses against closed forms written out with the ``math`` module."""

import math
import warnings

import numpy as np
import pytest

from simulator.engine.functions import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    Regularization,
    sigmoid,
    softplus,
)

# Points for derivative checks, kept away from the kinks of relu and leaky_relu at 0.
Z_POINTS = np.array([-3.1, -1.2, -0.4, -0.05, 0.05, 0.3, 0.9, 2.7])


def _math_sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


CLOSED_FORMS = {
    "linear": (lambda z: z, lambda z: 1.0),
    "relu": (lambda z: max(0.0, z), lambda z: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "sigmoid": (_math_sigmoid, lambda z: _math_sigmoid(z) * (1.0 - _math_sigmoid(z))),
}


def test_registry_lists_every_activation_and_loss():
    assert set(ACTIVATIONS) == {"linear", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"}
    assert set(HIDDEN_ACTIVATIONS) == {"linear", "relu", "leaky_relu", "tanh", "sigmoid"}
    assert ACTIVATIONS["softmax"].output_only
    assert set(LOSSES) == {"mse", "bce", "cross_entropy"}
    assert LOSSES["bce"].requires == "sigmoid"
    assert LOSSES["cross_entropy"].requires == "softmax"
    assert LOSSES["cross_entropy"].targets == "classes"
    assert LOSSES["mse"].requires is None


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_activation_value_matches_closed_form(name):
    value, _ = CLOSED_FORMS[name]
    act = ACTIVATIONS[name]
    got = act.value(Z_POINTS)
    expected = [value(float(z)) for z in Z_POINTS]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_activation_derivative_matches_closed_form_and_central_difference(name):
    _, derivative = CLOSED_FORMS[name]
    act = ACTIVATIONS[name]
    a = act.value(Z_POINTS)
    got = act.da_dz(Z_POINTS, a)
    np.testing.assert_allclose(got, [derivative(float(z)) for z in Z_POINTS], rtol=1e-13)
    h = 1e-6
    numeric = (act.value(Z_POINTS + h) - act.value(Z_POINTS - h)) / (2 * h)
    np.testing.assert_allclose(got, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_activation_backward_is_chain_rule(name):
    act = ACTIVATIONS[name]
    dL_da = np.linspace(-2.0, 3.0, Z_POINTS.size)
    a = act.value(Z_POINTS)
    np.testing.assert_array_equal(act.backward(Z_POINTS, a, dL_da), dL_da * act.da_dz(Z_POINTS, a))


def test_relu_family_at_and_around_zero():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].value(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].da_dz(z, None), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].value(z), [-0.01, 0.0, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].da_dz(z, None), [0.01, 0.01, 1.0])


def test_sigmoid_is_stable_at_plus_minus_1000():
    z = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            s = sigmoid(z)
            d = ACTIVATIONS["sigmoid"].da_dz(z, s)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    assert np.all(np.isfinite(d)) and d[0] == 0.0 and d[-1] == 0.0
    # symmetry σ(−z) = 1 − σ(z)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - s, atol=1e-16)
    assert sigmoid(np.array([-40.0]))[0] == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)),
                                                          rel=1e-6)


def test_softplus_is_stable_and_exact():
    z = np.array([-1000.0, -20.0, -1.0, 0.0, 1.0, 20.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        sp = softplus(z)
    expected_mid = [math.log1p(math.exp(v)) for v in (-20.0, -1.0, 0.0, 1.0, 20.0)]
    np.testing.assert_allclose(sp[1:-1], expected_mid, rtol=1e-14)
    assert sp[0] == 0.0 and sp[-1] == 1000.0
    np.testing.assert_allclose(softplus(z) - softplus(-z), z, atol=1e-12)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0], [-1000.0, 0.0, 1000.0],
                  [5.0, 5.0, 5.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        p = ACTIVATIONS["softmax"].value(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    e = [math.exp(v) for v in (1.0, 2.0, 3.0)]
    np.testing.assert_allclose(p[0], [v / sum(e) for v in e], rtol=1e-14)
    np.testing.assert_allclose(p[1], p[0][[1, 2, 0]], rtol=1e-14)  # shift invariance
    np.testing.assert_allclose(p[3], [1 / 3] * 3, rtol=1e-15)
    assert p[2, 2] == 1.0


def test_softmax_backward_is_the_jacobian_transpose_product():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 5))
    dL_da = rng.normal(size=(4, 5))
    act = ACTIVATIONS["softmax"]
    got = act.backward(z, act.value(z), dL_da)
    h = 1e-6
    numeric = np.zeros_like(z)
    for row in range(z.shape[0]):
        for j in range(z.shape[1]):
            zp, zm = z.copy(), z.copy()
            zp[row, j] += h
            zm[row, j] -= h
            numeric[row, j] = np.sum(dL_da[row] * (act.value(zp)[row] - act.value(zm)[row])) / (2 * h)
    np.testing.assert_allclose(got, numeric, rtol=1e-7, atol=1e-9)


def test_mse_value_and_derivative():
    a = np.array([[0.2, 0.9], [0.5, -1.0], [1.5, 0.0]])
    y = np.array([[0.0, 1.0], [1.0, -1.0], [1.0, 2.0]])
    mse = LOSSES["mse"]
    expected = (0.04 + 0.01 + 0.25 + 0.0 + 0.25 + 4.0) / 6
    assert mse.value(a, a, y) == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(mse.dL_da(a, a, y), 2 * (a - y) / 6, rtol=1e-15)
    lin = ACTIVATIONS["linear"]
    np.testing.assert_allclose(mse.dL_dz(a, a, y, lin), 2 * (a - y) / 6, rtol=1e-15)


def test_bce_matches_the_log_formula_for_moderate_z():
    z = np.array([[-3.0], [-0.5], [0.0], [0.7], [4.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0], [0.3]])
    a = sigmoid(z)
    terms = [-(yy * math.log(_math_sigmoid(zz)) + (1 - yy) * math.log(1 - _math_sigmoid(zz)))
             for zz, yy in zip(z[:, 0], y[:, 0], strict=True)]
    bce = LOSSES["bce"]
    assert bce.value(z, a, y) == pytest.approx(sum(terms) / 5, rel=1e-13)
    np.testing.assert_allclose(bce.dL_dz(z, a, y, ACTIVATIONS["sigmoid"]), (a - y) / 5, rtol=1e-15)
    # dL/da · σ'(z) gives the same dL/dz as the shortcut, away from saturation
    via_chain = bce.dL_da(z, a, y) * a * (1 - a)
    np.testing.assert_allclose(via_chain, (a - y) / 5, rtol=1e-10)


def test_bce_is_stable_for_large_z():
    bce = LOSSES["bce"]
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [50.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            a = sigmoid(z)
            value = bce.value(z, a, y)
            grad = bce.dL_dz(z, a, y, ACTIVATIONS["sigmoid"])
    # a confident wrong answer costs |z|; a confident right one costs ~e^-|z|
    assert value == pytest.approx((1000.0 + 1000.0 + 0.0 + 0.0 + 50.0) / 5, rel=1e-12)
    np.testing.assert_allclose(grad[:, 0], [1 / 5, -1 / 5, 0.0, 0.0, 1 / 5], atol=1e-15)


def test_cross_entropy_is_minus_log_p():
    ce = LOSSES["cross_entropy"]
    softmax = ACTIVATIONS["softmax"]
    z = np.array([[0.3, -1.2, 2.0]])
    p = softmax.value(z)
    for cls in range(3):
        y = np.array([[float(cls)]])
        assert ce.value(z, p, y) == pytest.approx(-math.log(p[0, cls]), rel=1e-14)
    z = np.array([[0.3, -1.2, 2.0], [1.0, 1.0, 1.0], [-2.0, 0.5, 0.0], [900.0, 0.0, -900.0]])
    y = np.array([[2.0], [0.0], [1.0], [1.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        p = softmax.value(z)
        value = ce.value(z, p, y)
    picked = [-math.log(p[0, 2]), math.log(3.0), -math.log(p[2, 1]), 900.0]
    assert value == pytest.approx(sum(picked) / 4, rel=1e-13)
    onehot = np.zeros((4, 3))
    onehot[[0, 1, 2, 3], [2, 0, 1, 1]] = 1.0
    np.testing.assert_allclose(ce.dL_dz(z, p, y, softmax), (p - onehot) / 4, rtol=1e-15)
    # the general Jacobian route (dL/da through softmax's backward) agrees with the shortcut
    z_small, y_small = z[:3], y[:3]
    p_small = softmax.value(z_small)
    general = softmax.backward(z_small, p_small, ce.dL_da(z_small, p_small, y_small))
    np.testing.assert_allclose(general, ce.dL_dz(z_small, p_small, y_small, softmax), atol=1e-15)


@pytest.mark.parametrize("name", ["mse", "bce", "cross_entropy"])
def test_stacked_values_equal_one_batch_at_a_time(name):
    rng = np.random.default_rng(8)
    loss = LOSSES[name]
    z = rng.normal(size=(6, 5, 3))
    out = ACTIVATIONS[{"mse": "tanh", "bce": "sigmoid", "cross_entropy": "softmax"}[name]]
    a = out.value(z)
    if name == "cross_entropy":
        y = rng.integers(0, 3, (5, 1)).astype(float)
    else:
        y = rng.uniform(0, 1, (5, 3))
    stacked = loss.values(z, a, y)
    assert stacked.shape == (6,)
    for g in range(6):
        assert stacked[g] == pytest.approx(loss.value(z[g], a[g], y), rel=1e-14)


def test_regularization_values_and_gradients():
    w1 = np.array([[1.0, -2.0], [0.5, 0.0]])
    w2 = np.array([[3.0], [-1.0]])
    l2 = Regularization("l2", 0.1)
    assert l2.value([w1, w2]) == pytest.approx(0.05 * (1 + 4 + 0.25 + 0 + 9 + 1), rel=1e-15)
    l1 = Regularization("l1", 0.1)
    assert l1.value([w1, w2]) == pytest.approx(0.1 * (1 + 2 + 0.5 + 0 + 3 + 1), rel=1e-15)
    g = np.ones_like(w1)
    l2.add_gradient(w1, g)
    np.testing.assert_allclose(g, 1.0 + 0.1 * w1, rtol=1e-15)
    g = np.ones_like(w1)
    l1.add_gradient(w1, g)
    np.testing.assert_allclose(g, [[1.1, 0.9], [1.1, 1.0]], rtol=1e-15)
