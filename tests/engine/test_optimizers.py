"""Optimizers against torch.optim's update rules worked out by hand on J(w) = w².

The gradient of J(w) = w² is g = 2w. Each test writes torch's formulas out in plain
arithmetic for three steps from w = 3 and compares θ and the optimizer's state.
"""

import math

import numpy as np
import pytest

from simulator.engine.optimizers import (
    OPTIMIZERS,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    OptimizerError,
    RMSProp,
    make_optimizer,
)

W0 = 3.0


def run(name: str, learning_rate: float, steps: int = 3, **hyper: float):
    """Return the optimizer and the θ after each of ``steps`` steps on J = w²."""
    opt = make_optimizer(name, learning_rate, **hyper)
    theta = np.array([W0])
    seen = []
    for _ in range(steps):
        opt.step(theta, 2.0 * theta.copy())
        seen.append(float(theta[0]))
    return opt, seen


def test_sgd_by_hand():
    opt, ws = run("sgd", 0.1)
    # w ← w − 0.1·2w = 0.8 w
    assert ws == pytest.approx([2.4, 1.92, 1.536], rel=1e-15)
    assert opt.t == 3 and opt.state == {}


def test_momentum_by_hand():
    lr, mu = 0.1, 0.9
    w = W0
    g = 2 * w
    v = g  # torch: the first buffer is the gradient itself
    w = w - lr * v
    assert w == pytest.approx(2.4)
    expected = [w]
    for _ in range(2):
        g = 2 * w
        v = mu * v + g
        w = w - lr * v
        expected.append(w)
    assert expected == pytest.approx([2.4, 1.38, 0.186], rel=1e-14)
    opt, ws = run("momentum", lr)
    assert ws == pytest.approx(expected, rel=1e-14)
    assert opt.velocity()[0] == pytest.approx(11.94, rel=1e-14)
    assert isinstance(opt, Momentum) and opt.momentum == 0.9


def test_nesterov_by_hand():
    lr, mu = 0.1, 0.9
    w, v, expected = W0, None, []
    for _ in range(3):
        g = 2 * w
        v = g if v is None else mu * v + g
        w = w - lr * (g + mu * v)  # torch: look ahead along the new buffer
        expected.append(w)
    assert expected == pytest.approx([1.86, 0.6672, -0.325056], rel=1e-13)
    opt, ws = run("nesterov", lr)
    assert ws == pytest.approx(expected, rel=1e-13)
    assert opt.velocity()[0] == pytest.approx(9.5424, rel=1e-13)
    assert isinstance(opt, Nesterov)


def test_adagrad_by_hand():
    lr, eps = 0.1, 1e-10
    w, s, expected = W0, 0.0, []
    for _ in range(3):
        g = 2 * w
        s = s + g * g
        w = w - lr * g / (math.sqrt(s) + eps)
        expected.append(w)
    # the first step is lr · g/|g| (up to ε)
    assert expected[0] == pytest.approx(2.9, rel=1e-12)
    opt, ws = run("adagrad", lr)
    assert ws == pytest.approx(expected, rel=1e-14)
    assert opt.state["sum_sq"][0] == pytest.approx(s, rel=1e-14)
    assert isinstance(opt, AdaGrad) and opt.eps == 1e-10


def test_rmsprop_by_hand():
    lr, rho, eps = 0.01, 0.99, 1e-8
    w, v, expected = W0, 0.0, []
    for _ in range(3):
        g = 2 * w
        v = rho * v + (1 - rho) * g * g
        w = w - lr * g / (math.sqrt(v) + eps)
        expected.append(w)
    # first step: v = 0.01·36 = 0.36, so w moves by 0.01·6/0.6 = 0.1
    assert expected[0] == pytest.approx(2.9, rel=1e-9)
    opt, ws = run("rmsprop", lr)
    assert ws == pytest.approx(expected, rel=1e-14)
    assert opt.state["mean_sq"][0] == pytest.approx(v, rel=1e-14)
    assert isinstance(opt, RMSProp) and (opt.rho, opt.eps) == (0.99, 1e-8)


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w, m, v, expected = W0, 0.0, 0.0, []
    for t in range(1, 4):
        g = 2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        bias1, bias2 = 1 - b1**t, 1 - b2**t
        w = w - (lr / bias1) * m / (math.sqrt(v) / math.sqrt(bias2) + eps)
        expected.append(w)
    # Adam's first step is lr·sign(g): m̂ = g and √v̂ = |g|
    assert expected[0] == pytest.approx(2.9, rel=1e-9)
    # second step by hand: m = 1.12, v = 0.069604, bias corrections 0.19 and 0.001999
    step2 = (0.1 / 0.19) * 1.12 / (math.sqrt(0.069604) / math.sqrt(0.001999) + 1e-8)
    assert expected[1] == pytest.approx(expected[0] - step2, rel=1e-12)
    opt, ws = run("adam", lr)
    assert ws == pytest.approx(expected, rel=1e-14)
    assert opt.state["m"][0] == pytest.approx(m, rel=1e-14)
    assert opt.state["v"][0] == pytest.approx(v, rel=1e-14)
    assert opt.velocity()[0] == opt.state["m"][0]
    assert opt.t == 3


def test_adamw_by_hand_follows_torchs_documented_algorithm():
    # torch.optim.AdamW: θ ← θ − γλθ (decoupled: before, and apart from, Adam's step), then
    # m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − γ m̂ / (√v̂ + ε), g taken at the
    # θ before the decay.
    lr, b1, b2, eps, wd = 0.1, 0.9, 0.999, 1e-8, 0.2
    w, m, v, expected = W0, 0.0, 0.0, []
    for t in range(1, 4):
        g = 2 * w
        w = w - lr * wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(w)
    # first step: the decay takes 3·0.02 = 0.06 off, then Adam's lr·sign(g) = 0.1
    assert expected[0] == pytest.approx(3.0 - 0.06 - 0.1, rel=1e-9)
    opt, ws = run("adamw", lr, weight_decay=wd)
    assert isinstance(opt, AdamW) and opt.weight_decay == wd
    assert ws == pytest.approx(expected, rel=1e-13)
    assert opt.state["m"][0] == pytest.approx(m, rel=1e-14)
    assert opt.state["v"][0] == pytest.approx(v, rel=1e-14)


def test_adamw_without_decay_is_adam_and_decay_alone_shrinks_theta():
    _, adam = run("adam", 0.05, steps=5)
    _, plain = run("adamw", 0.05, steps=5, weight_decay=0.0)
    assert plain == adam
    opt = make_optimizer("adamw", 0.5, weight_decay=0.1)
    theta = np.array([2.0, -4.0])
    opt.step(theta, np.zeros(2))  # no gradient: m = v = 0, only the decay moves θ
    np.testing.assert_allclose(theta, [2.0 * 0.95, -4.0 * 0.95], rtol=1e-15)


def test_defaults_match_torch():
    assert make_optimizer("momentum", 0.1).momentum == 0.9
    assert make_optimizer("nesterov", 0.1).momentum == 0.9
    assert make_optimizer("adagrad", 0.1).eps == 1e-10
    rms = make_optimizer("rmsprop", 0.1)
    assert (rms.rho, rms.eps) == (0.99, 1e-8)
    adam = make_optimizer("adam", 0.1)
    assert (adam.beta1, adam.beta2, adam.eps) == (0.9, 0.999, 1e-8)
    for name, cls in OPTIMIZERS.items():
        opt = make_optimizer(name, 0.5)
        assert opt.learning_rate == 0.5 and opt.name == name and isinstance(opt, cls)
        for key, (default, low, high, _) in cls.hyper.items():
            assert getattr(opt, key) == default and low <= default <= high
    adamw = make_optimizer("adamw", 0.1)
    assert (adamw.beta1, adamw.beta2, adamw.eps, adamw.weight_decay) == (0.9, 0.999, 1e-8, 0.01)
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                               "adamw"}


def test_hyper_parameters_are_used():
    opt, ws = run("momentum", 0.1, momentum=0.5)
    # v = 6 → w = 2.4; v = 0.5·6 + 4.8 = 7.8 → w = 1.62
    assert ws[:2] == pytest.approx([2.4, 1.62], rel=1e-14)
    assert opt.hyperparameters() == {"learning_rate": 0.1, "momentum": 0.5}
    opt = make_optimizer("adam", 0.01, beta1=0.5, beta2=0.9, eps=0.001)
    assert opt.hyperparameters() == {"learning_rate": 0.01, "beta1": 0.5, "beta2": 0.9,
                                     "eps": 0.001}


@pytest.mark.parametrize(("name", "lr", "hyper", "message"), [
    ("lbfgs", 0.1, {}, "unknown optimizer 'lbfgs'"),
    ("sgd", 0.0, {}, "learning rate must be a positive number"),
    ("sgd", -1.0, {}, "learning rate must be a positive number"),
    ("adam", float("nan"), {}, "learning rate must be a positive number"),
    ("adam", float("inf"), {}, "learning rate must be a positive number"),
    ("sgd", 0.1, {"momentum": 0.9}, "sgd has no hyper-parameter 'momentum' (it has: none)"),
    ("adam", 0.1, {"rho": 0.9}, "adam has no hyper-parameter 'rho'"),
    ("momentum", 0.1, {"momentum": 1.5}, "momentum must be in [0, 0.999], got 1.5"),
    ("momentum", 0.1, {"momentum": -0.1}, "momentum must be in"),
    ("adam", 0.1, {"beta1": 1.0}, "beta1 must be in"),
    ("adam", 0.1, {"beta2": float("nan")}, "beta2 must be in"),
    ("rmsprop", 0.1, {"rho": 1.0}, "rho must be in"),
    ("adagrad", 0.1, {"eps": -1e-10}, "eps must be in"),
    ("adamw", 0.1, {"weight_decay": 1.5}, "weight_decay must be in [0, 1], got 1.5"),
    ("adam", 0.1, {"weight_decay": 0.1}, "adam has no hyper-parameter 'weight_decay'"),
])
def test_bad_hyper_parameters_raise(name, lr, hyper, message):
    with pytest.raises(OptimizerError) as info:
        make_optimizer(name, lr, **hyper)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_direction_previews_the_next_step_without_taking_it(name):
    opt = make_optimizer(name, 0.05)
    theta = np.array([1.0, -2.0, 0.5])
    for _ in range(4):
        opt.step(theta, 2 * theta.copy())
    before_state = opt.snapshot()
    before_theta = theta.copy()
    grad = 2 * theta.copy()
    preview = opt.direction(grad, theta)
    np.testing.assert_array_equal(theta, before_theta)
    assert opt.t == before_state[0]
    for key, value in before_state[1].items():
        np.testing.assert_array_equal(opt.state[key], value)
    opt.step(theta, grad)
    np.testing.assert_allclose(theta - before_theta, preview, rtol=1e-12)
    assert np.all(preview != 0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_snapshot_restore_continues_bit_identically_and_reset_forgets(name):
    opt = make_optimizer(name, 0.05)
    theta = np.array([1.0, -2.0])
    for _ in range(3):
        opt.step(theta, 2 * theta.copy())
    saved, saved_theta = opt.snapshot(), theta.copy()
    for _ in range(5):
        opt.step(theta, 2 * theta.copy())
    after = theta.copy()
    opt.state.setdefault("m", np.zeros(2))[:] = 99.0  # the snapshot must be a copy
    opt.restore(saved)
    theta = saved_theta.copy()
    for _ in range(5):
        opt.step(theta, 2 * theta.copy())
    np.testing.assert_array_equal(theta, after)
    opt.reset()
    assert opt.t == 0 and opt.state == {}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_coordinate_follows_its_own_one_dimensional_rule(name):
    opt = make_optimizer(name, 0.1)
    theta = np.array([3.0, -1.5])
    for _ in range(3):
        opt.step(theta, 2 * theta.copy())
    _, first = run(name, 0.1)
    assert theta[0] == pytest.approx(first[-1], rel=1e-14)
    single = make_optimizer(name, 0.1)
    w = np.array([-1.5])
    for _ in range(3):
        single.step(w, 2 * w.copy())
    assert theta[1] == pytest.approx(w[0], rel=1e-14)


def test_adams_first_step_is_lr_times_the_sign_softened_by_eps():
    opt = Adam(learning_rate=0.25)
    theta = np.array([10.0, -0.001, 4.0])
    g = np.array([5.0, -0.002, 1e-3])
    opt.step(theta, g)
    # m̂ = g and √v̂ = |g| after one step, so the move is lr·g / (|g| + ε)
    expected = [10.0 - 0.25 * 5.0 / (5.0 + 1e-8), -0.001 + 0.25 * 0.002 / (0.002 + 1e-8),
                4.0 - 0.25 * 1e-3 / (1e-3 + 1e-8)]
    np.testing.assert_allclose(theta, expected, rtol=1e-13)
