"""Sessions: divergence, exact rewind, flat memory, batching."""

import copy
import dataclasses

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset
from simulator.engine.network import Network
from simulator.engine.problems import ExpressionProblem, NetworkProblem
from simulator.engine.session import OptimizerConfig, Recent, Session

OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


def square(start: float = 3.0) -> ExpressionProblem:
    """J(w) = w², written with numpy (the engine takes plain callables)."""
    return ExpressionProblem("w**2", ["w"], lambda w: w * w, lambda w: (2 * w,),
                             np.array([start]), [(-5.0, 5.0)])


def xor_problem() -> NetworkProblem:
    net = Network((2, 4, 1), ("tanh",), "sigmoid", "bce")
    return NetworkProblem(net, make_dataset("xor", 40, 0.1, seed=1), net.initial_theta(2))


def regression_problem() -> NetworkProblem:
    net = Network((1, 4, 1), ("tanh",), "linear", "mse")
    return NetworkProblem(net, make_dataset("line", 40, 0.1, seed=1), net.initial_theta(0))


class RecordingProblem:
    """A problem that remembers every mini-batch it was asked for."""

    def __init__(self, inner):
        self.inner = inner
        self.batches: list[list[int]] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def loss_and_gradient(self, theta, batch=None, out=None):
        if batch is not None:
            self.batches.append([int(i) for i in batch])
        return self.inner.loss_and_gradient(theta, batch, out)


def assert_snapshot_finite(session: Session, skip: tuple[str, ...] = ()) -> None:
    snap = session.snapshot()
    for f in dataclasses.fields(snap):
        if f.name in skip:
            continue
        value = getattr(snap, f.name)
        if isinstance(value, float | np.ndarray):
            assert np.all(np.isfinite(value)), f"snapshot.{f.name} = {value}"
    _, train, test = session.loss_history()
    assert np.all(np.isfinite(train))
    if session.problem.test_loss(session.theta) is not None:
        assert np.all(np.isfinite(test))
    steps, thetas = session.path_history()
    assert np.all(np.isfinite(thetas)) and len(steps) == len(thetas)


# ----- divergence -------------------------------------------------------------------------

def test_square_with_learning_rate_1_5_diverges_at_step_10():
    # w ← w − 1.5·2w = −2w, so J_k = 9·4^k; the bound is 10⁶·J_0 = 9·10⁶, first passed at k = 10
    session = Session(square(), OptimizerConfig("sgd", 1.5))
    record: list[float] = []
    session.step(100, record=record)
    assert session.status == "diverged"
    assert session.diverged_at == 10
    assert isinstance(session.diverged_at, int)
    assert session.diverged_loss == 9.0 * 4**10
    assert record == [9.0 * 4**k for k in range(1, 11)]  # the kept step 10 included
    assert session.theta[0] == 3.0 * (-2) ** 10
    assert_snapshot_finite(session)
    snap = session.snapshot()
    assert snap.status == "diverged" and snap.diverged_at == 10 and snap.start_loss == 9.0
    _, train, _ = session.loss_history()
    np.testing.assert_array_equal(train, [9.0 * 4**k for k in range(11)])
    # a diverged run takes no more steps until it is rewound or edited
    assert session.step(5) == 0 and session.step_count == 10
    session.seek(4)
    assert session.status == "ready" and session.diverged_at is None
    assert session.theta[0] == 3.0 * (-2) ** 4


def test_step_counts_the_step_that_diverged_when_it_is_kept():
    session = Session(square(), OptimizerConfig("sgd", 1.5))
    taken = session.step(100)
    assert taken == session.step_count == 10


def test_overflow_to_infinity_rewinds_to_the_last_finite_step():
    # from w = 10¹⁵³, J_k = 4^k·10³⁰⁶: J_3 = 6.4·10³⁰⁷ is finite, J_4 overflows to inf long
    # before the loss passes 10⁶ times the start, so step 4 is undone
    session = Session(square(1e153), OptimizerConfig("sgd", 1.5))
    record: list[float] = []
    taken = session.step(100, record=record)
    assert session.status == "diverged"
    assert session.diverged_at == 4 and session.diverged_loss is None
    assert taken == 3 and session.step_count == 3 and session.furthest_step == 3
    assert record == pytest.approx([4e306, 1.6e307, 6.4e307], rel=1e-14)
    assert session.theta[0] == pytest.approx(-8e153, rel=1e-14)
    # gradient_norm is checked apart, below
    with np.errstate(over="ignore"):
        assert_snapshot_finite(session, skip=("gradient_norm",))
        snap = session.snapshot()
    assert snap.step == 3 and snap.gradient[0] == pytest.approx(-1.6e154, rel=1e-14)
    assert not np.isnan(snap.gradient_norm)


def test_gradient_norm_of_the_last_finite_state_is_finite():
    session = Session(square(1e153), OptimizerConfig("sgd", 1.5))
    session.step(100)
    with np.errstate(over="ignore"):
        snap = session.snapshot()
    assert np.isfinite(snap.gradient[0])
    assert snap.gradient_norm == pytest.approx(abs(snap.gradient[0]), rel=1e-14)


def test_a_network_with_a_huge_learning_rate_diverges_without_nan():
    session = Session(regression_problem(), OptimizerConfig("sgd", 50.0))
    session.step(1000)
    assert session.status == "diverged"
    assert isinstance(session.diverged_at, int) and session.diverged_at < 1000
    assert session.diverged_loss is None or session.diverged_loss > 1e6 * session.start_loss
    assert_snapshot_finite(session)


# AdaGrad and Adam move each weight by at most about the learning rate per step, so a huge
# learning rate makes them wander rather than blow up; the others overshoot without bound.
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop"])
def test_every_overshooting_optimizer_reports_divergence_with_finite_snapshots(name):
    hyper = {"momentum": (("momentum", 0.99),), "nesterov": (("momentum", 0.99),)}
    session = Session(regression_problem(), OptimizerConfig(name, 100.0, hyper.get(name, ())),
                      batch_size=8)
    session.step(3000)
    assert session.status == "diverged", session.loss
    assert_snapshot_finite(session)


@pytest.mark.parametrize("steps_before", [1013, 1020])
def test_mini_batch_steps_to_a_theta_that_is_not_finite_stop_before_it(steps_before):
    """Plain mini-batch steps check θ every few steps, and still stop where it first overflowed."""
    def run(steps_after: int) -> Session:
        session = Session(regression_problem(), OptimizerConfig("sgd", 0.05), batch_size=3)
        session.step(steps_before)
        session.set_config(OptimizerConfig("sgd", 1e150))
        session.step(steps_after)
        return session

    session = run(100)
    assert session.status == "diverged" and session.diverged_loss is None
    bad = session.diverged_at
    assert bad > steps_before and session.step_count == session.furthest_step == bad - 1
    twin = run(bad - 1 - steps_before)
    assert twin.status == "ready" and np.all(np.isfinite(twin.theta))
    np.testing.assert_array_equal(session.theta, twin.theta)
    assert [s for s, _ in session.recent] == [s for s, _ in twin.recent] == \
        list(range(bad - 64, bad))
    for (_, theta), (_, twin_theta) in zip(session.recent, twin.recent, strict=True):
        np.testing.assert_array_equal(theta, twin_theta)
    np.testing.assert_array_equal(session.loss_history()[1], twin.loss_history()[1])

def test_a_calm_run_does_not_diverge():
    session = Session(square(), OptimizerConfig("sgd", 0.1))
    session.step(200)
    assert session.status == "ready" and session.diverged_at is None
    assert session.theta[0] == pytest.approx(3.0 * 0.8**200, rel=1e-12)
    assert session.is_converged()


# ----- rewind -------------------------------------------------------------------------------

def state_of(session: Session):
    t, buffers = session.optimizer.snapshot()
    return (session.step_count, session.theta.copy(), t, buffers, session.loss,
            session.gradient(), session.config, session.batch_size)


def assert_same_state(a, b) -> None:
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    assert a[3].keys() == b[3].keys()
    for key in a[3]:
        np.testing.assert_array_equal(a[3][key], b[3][key])
    assert a[4] == b[4]
    np.testing.assert_array_equal(a[5], b[5])
    assert a[6:] == b[6:]


def fresh_states(config, batch_size, steps, edits=()):
    """The state after each of 0..steps steps of a fresh session, applying edits on the way."""
    edits = dict(edits)
    session = Session(xor_problem(), config, batch_size=batch_size, seed=5)
    states = []
    for k in range(steps + 1):
        if k in edits:
            edits[k](session)
        states.append(state_of(session))
        session.step(1)
    return states


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_seek_is_bit_identical_to_a_fresh_run(name, batch_size):
    config = OptimizerConfig(name, 0.05)
    expected = fresh_states(config, batch_size, 130)
    session = Session(xor_problem(), config, batch_size=batch_size, seed=5)
    session.step(130)
    for k in [0, 1, 7, 8, 9, 63, 64, 65, 129, 130, 17, 100, 3]:
        session.seek(k)
        assert_same_state(state_of(session), expected[k])
    # continuing after a seek replays the same future, batch order included
    session.seek(50)
    session.step(30)
    assert_same_state(state_of(session), expected[80])


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_seek_across_set_config_edits(name, batch_size):
    other = 5 if batch_size is None else None
    edits = [
        (60, lambda s: s.set_config(OptimizerConfig(name, 0.01))),  # same optimizer, new lr
        (90, lambda s: s.set_config(OptimizerConfig("adam", 0.02))),  # another optimizer
        (110, lambda s: s.set_batch_size(other)),
    ]
    expected = fresh_states(OptimizerConfig(name, 0.05), batch_size, 140, edits)
    session = Session(xor_problem(), OptimizerConfig(name, 0.05), batch_size=batch_size, seed=5)
    for step, edit in edits:
        session.step(step - session.step_count)
        edit(session)
    session.step(140 - session.step_count)
    assert session.furthest_step == 140
    for k in [140, 30, 59, 60, 61, 89, 90, 91, 109, 110, 111, 0, 125]:
        session.seek(k)
        assert_same_state(state_of(session), expected[k])
    session.seek(40)
    session.step(100)  # replaying through the edits applies them again
    assert_same_state(state_of(session), expected[140])


def test_set_config_keeps_the_optimizer_state_for_the_same_optimizer():
    session = Session(xor_problem(), OptimizerConfig("momentum", 0.05))
    session.step(5)
    velocity = session.optimizer.velocity().copy()
    session.set_config(OptimizerConfig("momentum", 0.01))
    np.testing.assert_array_equal(session.optimizer.velocity(), velocity)
    assert session.optimizer.learning_rate == 0.01
    session.set_config(OptimizerConfig("adam", 0.01))
    assert session.optimizer.velocity() is None and session.optimizer.t == 0


def test_an_edit_drops_the_recorded_future_and_set_theta_resets_the_optimizer():
    session = Session(xor_problem(), OptimizerConfig("adam", 0.05))
    session.step(50)
    session.seek(20)
    assert session.furthest_step == 50
    theta = session.theta.copy()
    theta[0] += 0.5
    session.set_theta(theta)
    assert session.furthest_step == 20 and session.optimizer.t == 0
    with pytest.raises(ValueError):
        session.seek(21)
    steps, _, _ = session.loss_history()
    assert steps[-1] == 20
    session.step(10)
    session.seek(20)
    np.testing.assert_array_equal(session.theta, theta)
    session.seek(10)  # before the edit, the original run
    before = Session(xor_problem(), OptimizerConfig("adam", 0.05))
    before.step(10)
    np.testing.assert_array_equal(session.theta, before.theta)
    session.set_parameter(1, 0.25)
    assert session.theta[1] == 0.25 and session.furthest_step == 10
    with pytest.raises(ValueError):
        session.set_theta(np.full_like(theta, np.nan))
    with pytest.raises(ValueError):
        session.set_theta(theta[:-1])


def test_seek_outside_the_recorded_run_raises_and_reset_goes_to_zero():
    session = Session(square(), OptimizerConfig("sgd", 0.1))
    session.step(10)
    with pytest.raises(ValueError, match="outside the recorded run"):
        session.seek(11)
    with pytest.raises(ValueError):
        session.seek(-1)
    session.reset()
    assert session.step_count == 0 and session.theta[0] == 3.0
    assert session.furthest_step == 10  # still reachable until an edit
    session.seek(10)
    assert session.theta[0] == pytest.approx(3.0 * 0.8**10, rel=1e-14)


# ----- memory ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_memory_stays_flat_over_200000_steps():
    """Every record stays within its capacity, and the counts do not grow with the steps.

    200,000 steps (not a million, which takes 15–30 s here) already overflow each capacity
    many times, so the thinning has run; the counts are checked at 100,000 and at 200,000.
    """
    session = Session(square(), OptimizerConfig("sgd", 0.1))
    counts = []
    for _ in range(2):
        session.step(100_000)
        counts.append((len(session.losses.steps), len(session.path.steps),
                       len(session._checkpoints), len(session.recent)))
    assert session.step_count == 200_000 and session.status == "ready"
    for losses, path, checkpoints, recent in counts:
        assert losses <= session.history_capacity
        assert path <= session.path_capacity
        assert checkpoints <= session._checkpoint_cap
        assert recent <= 64
    # thinning happened, and the record still spans the whole run
    assert session.losses.stride > 1 and session.path.stride > 1
    steps, train, _ = session.loss_history()
    assert steps[0] == 0 and steps[-1] > 190_000 and len(steps) == len(train)
    path_steps, thetas = session.path_history()
    assert path_steps[-1] == 200_000 and thetas.shape[1] == 1
    # the start is still reachable
    assert session.earliest_step == 0
    session.seek(0)
    assert session.theta[0] == 3.0


def test_a_mini_batch_loss_record_thins_past_its_capacity():
    """Loss rows at every epoch's 4th step are all on a stride of 2: it doubles on to 8.

    A mini-batch run of the Playground (20 steps an epoch, a row every 16th) stopped with
    an IndexError at step 65,552, when its record of 4,096 rows was full.
    """
    session = Session(xor_problem(), OptimizerConfig("sgd", 0.1), batch_size=10,
                      history_capacity=16)
    assert session.step(200) == 200  # 32 training samples: 4 steps an epoch
    steps, train, _ = session.loss_history()
    assert session.losses.stride == 16
    assert list(steps) == list(range(0, 200, 16))
    for step, loss in zip(steps, train, strict=True):
        session.seek(int(step))
        assert session.loss == loss

def test_history_thins_with_small_capacities():
    session = Session(square(), OptimizerConfig("sgd", 0.01), history_capacity=16,
                      path_capacity=8, checkpoint_bytes=0)
    session.step(5000)
    assert len(session.losses.steps) <= 16 and len(session.path.steps) <= 8
    assert len(session._checkpoints) <= 16
    steps, trains, tests = session.loss_history()
    assert steps[0] == 0 and list(steps) == sorted(steps)
    assert all(s % session.losses.stride == 0 for s in steps)
    # every kept value is the loss at its step: (3·0.98^k)²
    for s, train, test in zip(steps, trains, tests, strict=True):
        assert train == pytest.approx(9.0 * 0.98 ** (2 * s), rel=1e-10) and np.isnan(test)
    session.seek(1234)  # still exact with few checkpoints
    assert session.theta[0] == pytest.approx(3.0 * 0.98**1234, rel=1e-12)


# ----- batching ---------------------------------------------------------------------------------

def test_mini_batch_order_is_a_seeded_permutation_per_epoch():
    runs = {}
    for seed in (3, 3, 4):
        problem = RecordingProblem(xor_problem())
        session = Session(problem, OptimizerConfig("sgd", 0.1), batch_size=10, seed=seed)
        session.step(12)  # 32 training samples: batches of 10, 10, 10, 2 per epoch
        runs.setdefault(seed, []).append((problem.batches, session.theta.copy()))
    (batches_a, theta_a), (batches_b, theta_b) = runs[3]
    assert batches_a == batches_b
    np.testing.assert_array_equal(theta_a, theta_b)
    assert batches_a != runs[4][0][0]
    assert [len(b) for b in batches_a] == [10, 10, 10, 2] * 3
    epochs = [sum(batches_a[e * 4:(e + 1) * 4], []) for e in range(3)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(32))
    assert epochs[0] != epochs[1]  # a new order every epoch


def test_mini_batch_step_uses_only_the_batch():
    problem = RecordingProblem(xor_problem())
    session = Session(problem, OptimizerConfig("sgd", 0.1), batch_size=5, seed=0)
    theta0 = session.theta.copy()
    session.step(1)
    batch = np.array(problem.batches[0])
    _, grad = problem.inner.loss_and_gradient(theta0, batch)
    np.testing.assert_array_equal(session.theta, theta0 - 0.1 * grad)


@pytest.mark.parametrize("batch_size", [None, 32, 1000])
def test_batch_size_none_or_at_least_the_samples_is_full_batch(batch_size):
    problem = RecordingProblem(xor_problem())
    session = Session(problem, OptimizerConfig("sgd", 0.1), batch_size=batch_size)
    theta = session.theta.copy()
    for _ in range(3):
        theta = theta - 0.1 * problem.inner.gradient(theta)
    session.step(3)
    assert problem.batches == []
    np.testing.assert_array_equal(session.theta, theta)


def test_bad_batch_sizes_raise():
    with pytest.raises(ValueError, match="batch size"):
        Session(xor_problem(), batch_size=0)
    session = Session(xor_problem())
    with pytest.raises(ValueError, match="batch size"):
        session.set_batch_size(-3)


def test_snapshot_describes_the_current_state():
    session = Session(xor_problem(), OptimizerConfig("momentum", 0.1))
    session.step(4)
    snap = session.snapshot()
    problem = session.problem
    assert snap.step == 4 and snap.furthest_step == 4 and snap.status == "ready"
    np.testing.assert_array_equal(snap.theta, session.theta)
    assert snap.loss == pytest.approx(problem.loss(session.theta), rel=1e-14)
    assert snap.test_loss == pytest.approx(problem.test_loss(session.theta), rel=1e-14)
    np.testing.assert_allclose(snap.gradient, problem.gradient(session.theta), rtol=1e-14)
    assert snap.gradient_norm == pytest.approx(np.linalg.norm(snap.gradient))
    velocity = session.optimizer.velocity()
    np.testing.assert_allclose(snap.next_step, -0.1 * (0.9 * velocity + snap.gradient),
                               rtol=1e-12)
    np.testing.assert_array_equal(snap.velocity, velocity)
    snap.theta[0] = 99.0  # a copy, not the session's θ
    assert session.theta[0] != 99.0


def test_a_deep_copy_of_a_session_keeps_its_own_recent_steps():
    """A lesson's steps keep deep copies of sessions: a copy's trail follows its own steps."""
    session = Session(xor_problem(), OptimizerConfig("sgd", 0.5), batch_size=8)
    session.step(100)
    kept = [(step, theta.copy()) for step, theta in session.recent]
    copied = copy.deepcopy(session, {id(session.problem): session.problem})
    copied.step(10)
    steps = [step for step, _ in copied.recent]
    assert steps == list(range(47, 111))
    np.testing.assert_array_equal(copied.recent[-1][1], copied.theta)
    twin = Session(xor_problem(), OptimizerConfig("sgd", 0.5), batch_size=8)
    twin.step(110)
    for (step, theta), (twin_step, twin_theta) in zip(copied.recent, twin.recent, strict=True):
        assert step == twin_step
        np.testing.assert_array_equal(theta, twin_theta)
    # the original is untouched
    for (step, theta), (kept_step, kept_theta) in zip(session.recent, kept, strict=True):
        assert step == kept_step
        np.testing.assert_array_equal(theta, kept_theta)

def test_recent_holds_the_last_steps_oldest_first_and_forgets_after_a_rewind():
    recent = Recent(capacity=8)
    for step in range(11):  # wraps around the ring
        recent.add(step, np.full(3, float(step)))
    assert len(recent) == 8
    assert [s for s, _ in recent.items()] == list(range(3, 11))
    assert all(np.array_equal(theta, np.full(3, float(s))) for s, theta in recent.items())
    recent.keep_until(6)  # a rewind to step 6 drops the later steps
    recent.add(7, np.full(3, -7.0))
    assert [s for s, _ in recent.items()] == [3, 4, 5, 6, 7]
    assert recent.items()[-1][1][0] == -7.0
    with pytest.raises(ValueError):  # handed out read-only: the ring is the session's
        recent.items()[0][1][0] = 1.0
    recent.keep_until(-1)
    assert len(recent) == 0 and recent.items() == []


def _records(session: Session) -> list[np.ndarray]:
    steps, train, test = session.loss_history()
    path_steps, path = session.path_history()
    cps = session._checkpoints
    return [steps, train, test, session.rate_history(), session.gradient_norm_history(),
            path_steps, path, np.array([s for s, _ in session.recent]),
            np.array([t for _, t in session.recent]), session.theta,
            np.array([(c.step, c.epoch, c.position, c.optimizer[0]) for c in cps]),
            np.array([c.theta for c in cps])]


@pytest.mark.parametrize(("batch_size", "calls"), [(10, [20] * 30), (7, [1000]), (39, [3, 77, 500])])
def test_runs_of_plain_steps_record_what_steps_one_by_one_do(batch_size, calls):
    """The loop of plain steps (path rows from the ring, checkpoints noted in the loop, batches
    of blocks of epochs) records the same as stepping one judged step at a time."""
    def session():
        return Session(xor_problem(), OptimizerConfig("momentum", 0.1), batch_size=batch_size,
                       seed=3, history_capacity=32, path_capacity=16, checkpoint_bytes=8000)
    fast, slow = session(), session()
    for n in calls:
        fast.step(n)
        slow.step(n, record=[])  # asking for the loss at every step takes the general path
        fast = copy.deepcopy(fast, {id(fast.problem): fast.problem})  # a copy steps on as well
    for a, b in zip(_records(fast), _records(slow), strict=True):
        np.testing.assert_array_equal(a, b)
