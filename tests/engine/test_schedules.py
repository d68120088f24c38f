"""Learning-rate schedules against torch.optim.lr_scheduler, step for step.

torch is not a dependency, so each test carries torch's two documented ways of computing
a schedule: the closed form (``_get_closed_form_lr``) and the recursive, chainable rule
its ``get_lr`` applies at every ``scheduler.step()`` (η_t from η_{t−1}). Both are written
here from the documentation, independently of ``simulator.engine.schedules``.
"""

import math

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem
from simulator.engine.schedules import KINDS, ScheduleError, make_schedule
from simulator.engine.session import OptimizerConfig, Session

STEPS = 400


def torch_step_lr(base, step_size, gamma, steps):
    """StepLR.get_lr: η is multiplied by γ whenever the epoch is a multiple of step_size."""
    lr, out = base, [base]
    for epoch in range(1, steps):
        if epoch % step_size == 0:
            lr = lr * gamma
        out.append(lr)
    return out


def torch_exponential_lr(base, gamma, steps):
    """ExponentialLR.get_lr: η ← γ η at every step."""
    lr, out = base, [base]
    for _ in range(1, steps):
        lr = lr * gamma
        out.append(lr)
    return out


def torch_cosine_lr(base, t_max, eta_min, steps):
    """CosineAnnealingLR.get_lr, the recursive form (with its branch at the trough)."""
    lr, out = base, [base]
    for epoch in range(1, steps):
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            lr = lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        else:
            lr = ((1 + math.cos(math.pi * epoch / t_max))
                  / (1 + math.cos(math.pi * (epoch - 1) / t_max)) * (lr - eta_min) + eta_min)
        out.append(lr)
    return out


def torch_linear_lr(base, start_factor, total_iters, steps):
    """LinearLR.get_lr with end_factor 1: η grows by a ratio each step until total_iters."""
    lr, out = base * start_factor, [base * start_factor]
    for epoch in range(1, steps):
        if epoch <= total_iters:
            lr = lr * (1.0 + (1.0 - start_factor)
                       / (total_iters * start_factor + (epoch - 1) * (1.0 - start_factor)))
        out.append(lr)
    return out


def closed_form(kind, base, t, **s):
    """The closed forms torch documents for each scheduler."""
    if kind == "step":
        return base * s["gamma"] ** (t // s["step_size"])
    if kind == "exponential":
        return base * s["gamma"] ** t
    if kind == "cosine":
        return s["min_lr"] + (base - s["min_lr"]) * (1 + math.cos(math.pi * t / s["steps"])) / 2
    return base


def rates(schedule, base, steps=STEPS):
    return [schedule.rate(base, t) for t in range(steps)]


@pytest.mark.parametrize(("base", "step_size", "gamma"), [(0.1, 50, 0.5), (0.3, 7, 0.9),
                                                          (1.0, 1, 0.95)])
def test_step_decay_is_torchs_step_lr(base, step_size, gamma):
    ours = rates(make_schedule("step", step_size=step_size, gamma=gamma), base)
    assert ours == pytest.approx(torch_step_lr(base, step_size, gamma, STEPS), rel=1e-12)
    assert ours == pytest.approx([closed_form("step", base, t, step_size=step_size, gamma=gamma)
                                  for t in range(STEPS)], rel=1e-12)
    if step_size == 50:  # by hand: 0.1 for steps 0–49, 0.05 for 50–99, 0.025 from 100
        assert (ours[0], ours[49], ours[50], ours[99], ours[100]) == \
            pytest.approx((0.1, 0.1, 0.05, 0.05, 0.025))


@pytest.mark.parametrize(("base", "gamma"), [(0.1, 0.99), (2.0, 0.5)])
def test_exponential_decay_is_torchs_exponential_lr(base, gamma):
    ours = rates(make_schedule("exponential", gamma=gamma), base)
    assert ours == pytest.approx(torch_exponential_lr(base, gamma, STEPS), rel=1e-10)
    assert ours[3] == pytest.approx(base * gamma**3, rel=1e-15)


@pytest.mark.parametrize(("base", "t_max", "eta_min"), [(0.1, 100, 0.0), (0.5, 37, 0.01),
                                                        (1.0, 1, 0.2)])
def test_cosine_annealing_is_torchs_cosine_annealing_lr(base, t_max, eta_min):
    ours = rates(make_schedule("cosine", steps=t_max, min_lr=eta_min), base)
    # past T the recursive rule climbs back up, as the closed form does (a period of 2T)
    assert ours == pytest.approx(torch_cosine_lr(base, t_max, eta_min, STEPS), rel=1e-9,
                                 abs=1e-15)
    assert ours == pytest.approx([closed_form("cosine", base, t, steps=t_max, min_lr=eta_min)
                                  for t in range(STEPS)], rel=1e-14)
    assert ours[0] == base and ours[t_max] == pytest.approx(eta_min, abs=1e-15)
    if t_max == 100:
        assert ours[50] == pytest.approx(0.05, rel=1e-14)  # halfway: (η₀ + η_min) / 2


@pytest.mark.parametrize(("warmup", "start"), [(10, 1 / 3), (5, 0.1), (1, 0.5)])
def test_warmup_is_torchs_linear_lr_then_the_schedule_as_sequential_lr_runs_them(warmup, start):
    base = 0.2
    ours = rates(make_schedule("constant", warmup=warmup, warmup_start=start), base)
    assert ours == pytest.approx(torch_linear_lr(base, start, warmup, STEPS), rel=1e-12)
    # SequentialLR(milestones=[W]) starts the second schedule afresh at step W
    stepped = rates(make_schedule("step", step_size=20, gamma=0.5, warmup=warmup,
                                  warmup_start=start), base)
    tail = torch_step_lr(base, 20, 0.5, STEPS - warmup)
    assert stepped[:warmup] == pytest.approx(torch_linear_lr(base, start, warmup, warmup),
                                             rel=1e-12)
    assert stepped[warmup:] == pytest.approx(tail, rel=1e-12)
    assert stepped[0] == pytest.approx(base * start, rel=1e-15)


def test_the_default_warmup_starts_at_a_third_as_torchs_linear_lr_does():
    schedule = make_schedule("cosine", steps=100, warmup=10)
    assert schedule.warmup_start == 1 / 3
    assert schedule.rate(0.3, 0) == pytest.approx(0.1)
    assert schedule.rate(0.3, 5) == pytest.approx(0.3 * (1 / 3 + (2 / 3) * 0.5))
    assert schedule.rate(0.3, 10) == 0.3  # the cosine's own step 0


def test_constant_does_not_vary_and_every_kind_has_its_defaults():
    assert not make_schedule().varies and make_schedule(warmup=3).varies
    assert make_schedule("exponential").gamma == 0.99
    assert make_schedule("step").gamma == 0.5 and make_schedule("step").step_size == 50
    for kind in KINDS:
        assert set(make_schedule(kind).settings()) == set(KINDS[kind][1])


@pytest.mark.parametrize(("kind", "settings", "message"), [
    ("linear", {}, "unknown schedule 'linear'; choose one of constant, step, exponential"),
    ("step", {"steps": 10}, "a step schedule has no setting 'steps'"),
    ("cosine", {"gamma": 0.5}, "a cosine schedule has no setting 'gamma'"),
    ("step", {"step_size": 0}, "step_size must be in 1–1e+07, got 0"),
    ("step", {"step_size": 2.5}, "step_size must be a whole number, got 2.5"),
    ("step", {"gamma": 1.5}, "gamma must be in"),
    ("exponential", {"gamma": float("nan")}, "gamma must be a number, got nan"),
    ("cosine", {"min_lr": -0.1}, "min_lr must be in"),
    ("constant", {"warmup": -1}, "warmup must be in"),
    ("constant", {"warmup_start": 0.0}, "warmup_start must be in"),
    ("constant", {"warmup": True}, "warmup must be a whole number, got True"),
])
def test_bad_schedules_are_refused_with_the_reason(kind, settings, message):
    with pytest.raises(ScheduleError) as info:
        make_schedule(kind, **settings)
    assert message in str(info.value)


def _session(schedule, batch_size=None):
    net = Network((2, 4, 1), ("tanh",), "sigmoid", "mse")
    problem = NetworkProblem(net, make_dataset("circle", 60, 0.1, seed=2), net.initial_theta(1))
    return Session(problem, OptimizerConfig("momentum", 0.5, schedule=schedule), batch_size)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_the_session_steps_with_the_schedules_rate_and_rewinds_exactly(batch_size):
    schedule = make_schedule("step", step_size=5, gamma=0.5, warmup=3)
    session = _session(schedule, batch_size)
    session.step(30)
    steps = session.loss_history()[0]
    np.testing.assert_array_equal(session.rate_history(),
                                  [schedule.rate(0.5, int(t)) for t in steps])
    end = session.theta.copy()
    session.seek(7)
    assert session.snapshot().learning_rate == schedule.rate(0.5, 7)
    session.step(23)
    np.testing.assert_array_equal(session.theta, end)  # the replay used the same rates

    # by hand: SGD steps with the schedule's rate are θ ← θ − η_t g
    plain = Session(session.problem, OptimizerConfig("sgd", 0.5, schedule=schedule))
    theta = plain.theta.copy()
    for t in range(4):
        theta = theta - schedule.rate(0.5, t) * plain.problem.gradient(theta)
    plain.step(4)
    np.testing.assert_allclose(plain.theta, theta, rtol=1e-13)


def test_a_schedule_changed_mid_run_is_replayed_across_the_edit():
    session = _session(make_schedule("exponential", gamma=0.9))
    session.step(10)
    later = make_schedule("cosine", steps=20, min_lr=0.01)
    session.set_config(OptimizerConfig("momentum", 0.5, schedule=later))
    session.step(10)
    end, rates_seen = session.theta.copy(), session.rate_history()
    session.seek(4)
    session.step(16)
    np.testing.assert_array_equal(session.theta, end)
    np.testing.assert_array_equal(session.rate_history(), rates_seen)
    assert rates_seen[9] == pytest.approx(0.5 * 0.9**9)
    assert rates_seen[10] == later.rate(0.5, 10)  # the edit at step 10 sets step 10's rate


def test_per_layer_gradient_norms_are_the_norms_of_backpropagations_dl_dw():
    session = _session(make_schedule())
    session.step(6)
    net, data = session.problem.network, session.problem.dataset
    history = session.gradient_norm_history()
    assert history.shape == (7, 2)
    session.seek(3)
    theta = session.theta
    trace = net.forward(theta, data.x_train)
    grads = net.backward(theta, trace, data.y_train)
    expected = [np.linalg.norm(grads.dL_dW[layer]) for layer in (1, 2)]
    np.testing.assert_allclose(history[3], expected, rtol=1e-10)
    np.testing.assert_array_equal(session.gradient_norm_history(), history)  # rewind keeps it


def test_a_schedule_set_later_counts_its_steps_from_where_it_was_set():
    schedule = make_schedule("step", step_size=10, gamma=0.5, warmup=2)
    config = OptimizerConfig("sgd", 0.4, schedule=schedule, schedule_start=100)
    assert [config.rate_at(t) for t in (0, 99, 100, 101, 102, 111, 112)] == pytest.approx(
        [0.4 / 3, 0.4 / 3, 0.4 / 3, 0.4 * (1 / 3 + (2 / 3) / 2), 0.4, 0.4, 0.2])
