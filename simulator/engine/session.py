"""One training run: θ, the optimizer, the batch order, a bounded history and rewind.

The run is deterministic: the batch order of epoch e is a permutation seeded by
(seed, e), so replaying from a saved state gives bit-identical steps. That is how
rewind works with flat memory: the session keeps checkpoints (θ, optimizer state, batch
position) at a spacing that doubles whenever their count reaches a cap, and reaches any
earlier step by restoring the checkpoint before it and replaying the rest.

Changing a setting (learning rate, optimizer, batch size) or editing θ at step k is an
*edit*: the recorded future after k is dropped and a pinned checkpoint at k remembers
the new settings, so a later rewind across it still replays exactly what happened.

The loss curve records the training loss on the *whole* training set, never a batch's.
A full-batch step computes it anyway (it is the next step's gradient). A mini-batch step
sees only its batch, and a pass over every sample after every step would cost many times
the step itself; so a mini-batch run evaluates the full loss only where it is needed: at
the steps the loss curve records (at least once per epoch, at a power-of-two spacing so
the record thins evenly), when asked (``loss``, ``snapshot``), and whenever a batch's loss
passes the divergence bound, which is what divergence is judged on between records.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from .batch_order import BatchOrder
from .optimizers import Optimizer, make_optimizer
from .problems import Problem, weight_gradient_norms
from .schedules import CONSTANT, Schedule

Array = np.ndarray

DIVERGENCE_FACTOR = 1e6
#: the most plain steps taken before their θ are checked to be finite (the recent ring's spare rows)
CHECK_EVERY = 32


def _quietly(method):
    """Run a method with numpy's floating-point warnings off: overflow is caught as divergence."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with np.errstate(all="ignore"):
            return method(self, *args, **kwargs)
    return run


def norm(vector: Array) -> float:
    """Return the Euclidean length, scaled first so that squaring huge entries cannot overflow."""
    largest = float(np.max(np.abs(vector))) if vector.size else 0.0
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.sqrt(np.sum((vector / largest) ** 2)))


class Bound(dict):
    """What a session works out once from its arrays (views, bound calls), by name.

    Each entry holds the arrays it was made for. A copy of the session starts with none: a
    copy's views and calls would be of the arrays it was copied from.
    """

    def __deepcopy__(self, memo: dict) -> Bound:
        return Bound()

    def __reduce__(self):
        return Bound, ()


@dataclass(frozen=True)
class OptimizerConfig:
    """Which optimizer, its base learning rate η₀, hyper-parameters and η's schedule."""

    name: str = "sgd"
    learning_rate: float = 0.01
    hyper: tuple[tuple[str, float], ...] = ()
    schedule: Schedule = CONSTANT
    schedule_start: int = 0  # the run's step at which the schedule's t is 0 (when it was set)

    def rate_at(self, step: int) -> float:
        """Return the η the step from ``step`` to ``step + 1`` uses (the schedule's η_t)."""
        return self.schedule.rate(self.learning_rate, max(step - self.schedule_start, 0))

    def build(self) -> Optimizer:
        """Return a fresh optimizer with these settings."""
        return make_optimizer(self.name, self.learning_rate, **dict(self.hyper))

    def with_hyper(self, **values: float) -> OptimizerConfig:
        """Return a copy with some hyper-parameters changed."""
        return replace(self, hyper=tuple(sorted({**dict(self.hyper), **values}.items())))


class Checkpoint(NamedTuple):
    """Everything needed to continue the run exactly from ``step``.

    A named tuple, not a frozen dataclass: one is made every few steps, and a frozen
    dataclass of eight fields took 1.2 µs to make (a tuple, a fifth of that).
    """

    step: int
    theta: Array
    optimizer: tuple[int, dict[str, Array]]
    config: OptimizerConfig
    batch_size: int | None
    epoch: int
    position: int
    pinned: bool = False


class Thinned:
    """A bounded record of per-step rows: when full, every other row is dropped.

    After n steps it holds at most ``capacity`` rows spaced ``stride`` steps apart, so a
    million steps cost the same memory as a thousand. Rows live in one preallocated
    array, so reading the record is a copy, not a loop.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.stride = 1
        self.count = 0
        self._steps = np.zeros(capacity + 1, dtype=np.int64)
        self._last = -1  # the last recorded step (-1: none), read every step
        self._rows: Array | None = None  # (capacity + 1) × row width, made at the first row

    @property
    def steps(self) -> Array:
        """Return the recorded step numbers (a read-only view)."""
        return self._steps[:self.count]

    @property
    def rows(self) -> Array:
        """Return the recorded rows, one per step (a view; empty before the first)."""
        if self._rows is None:
            return np.zeros((0, 0))
        return self._rows[:self.count]

    def wants(self, step: int) -> bool:
        """Return whether a row at this step would be kept."""
        return step % self.stride == 0

    def add(self, step: int, row: Array) -> None:
        """Record a row for a step (ignored unless the step is on the stride)."""
        if step % self.stride:
            return
        if self._last >= step:
            self.truncate(step - 1)
        if self._rows is None:
            # np.empty, not np.zeros: numpy asks the kernel for huge pages only for its own
            # allocations, and calloc'ed zeros fault in 4 KB at a time, which on a virtual
            # machine made the big network's first 512 steps ~200 µs slower each
            self._rows = np.empty((self.capacity + 1, len(row)))
        count = self.count
        self._steps[count] = self._last = step
        self._rows[count] = row
        self.count = count = count + 1
        if count > self.capacity:
            # rows at a spacing of their own (a mini-batch run's loss rows, every 16th step)
            # are all on a stride below it: double it until some rows are dropped
            kept = self._steps[:count]
            while len(kept) > self.capacity:
                self.stride *= 2
                kept = np.flatnonzero(self._steps[:count] % self.stride == 0)
            self.count = len(kept)
            self._steps[:self.count] = self._steps[kept]
            self._rows[:self.count] = self._rows[kept]

    def extend(self, steps: range, rows: Array) -> None:
        """Record ``rows[k]`` for ``steps[k]``, each as ``add`` would, in one copy while they fit.

        The steps are on the stride, rising. A path of 20 rows an epoch took 20 calls of ``add``.
        """
        count, number = self.count, len(steps)
        if not number:
            return
        stride = self.stride
        if self._rows is None or count + number > self.capacity or steps.start % stride \
                or steps.step % stride:  # the first row, thinning, or steps off the stride
            for step, row in zip(steps, rows, strict=True):
                self.add(step, row)
            return
        if self._last >= steps.start:
            self.truncate(steps.start - 1)
            count = self.count
        end = count + number
        self._steps[count:end] = np.arange(steps.start, steps.stop, steps.step)
        self._rows[count:end] = rows
        self.count, self._last = end, steps[-1]

    def truncate(self, last_step: int) -> None:
        """Drop every row after ``last_step``."""
        self.count = int(np.searchsorted(self._steps[:self.count], last_step, side="right"))
        self._last = int(self._steps[self.count - 1]) if self.count else -1


class Recent:
    """The θ of the last ``capacity`` steps, oldest first, in rows made once and reused.

    A step copies θ into the ring instead of keeping a new copy: for the biggest network a
    fresh 69 KB array every step faulted in new memory pages. ``spare`` rows beyond the
    capacity are for a loop that writes steps before it knows whether they stand: up to
    that many steps past the newest one held overwrite only rows older than the capacity,
    so forgetting them again (``keep_until``) leaves the last ``capacity`` steps held.
    """

    def __init__(self, capacity: int = 64, spare: int = 0):
        self.capacity = capacity
        self.size = capacity + spare  # the ring's rows
        self._ring: Array | None = None  # size × θ's length
        self._rows: list[Array] = []  # its rows
        self._width = -1  # θ's length (-1: no ring yet)
        self._view: Array | None = None  # the same rows, read-only, handed out
        self._steps = [0] * self.size  # the step held in each slot
        self._next = 0  # the slot the next step goes into
        self._held = 0

    def __getstate__(self) -> dict:
        """Return the state to copy, without the views of the ring (a copy's are of its own).

        A deep copy copied each view as an array of its own: the copy's steps then went
        into rows that its ring and what it hands out no longer saw.
        """
        return {**self.__dict__, "_rows": [], "_view": None}

    def __setstate__(self, state: dict) -> None:
        """Take a copied state and make the views of its ring."""
        self.__dict__.update(state)
        if self._ring is not None:
            self._rows = list(self._ring)
            self._view = self._ring.view()
            self._view.flags.writeable = False

    def __len__(self) -> int:
        """Return how many steps are held."""
        return self._held

    def add(self, step: int, theta: Array) -> None:
        """Hold a later step's θ (copied), forgetting the oldest when full."""
        if theta.size != self._width:
            ring = self._ring = np.empty((self.size, theta.size))
            self._rows = list(ring)  # a row's view made once: row[...] = θ is the cheapest copy
            self._view = ring.view()
            self._view.flags.writeable = False
            self._width, self._next, self._held = theta.size, 0, 0
        slot = self._next
        self._rows[slot][...] = theta
        self._steps[slot] = step
        self._next = slot + 1 if slot + 1 < self.size else 0
        if self._held < self.capacity:
            self._held += 1

    def cursor(self, theta: Array) -> tuple[list[Array], int]:
        """Return (rows, next slot) for a loop that writes θ itself, then ``number`` and ``filled``.

        The training loop writes θ into ``rows[slot]``, wrapping the slot at ``size``: a
        method call per step cost more than the copy.
        """
        if theta.size != self._width:
            self.add(-1, theta)  # makes the ring (and holds a placeholder, dropped here)
            self._next = self._held = 0
        return self._rows, self._next

    def number(self, slot: int, after: int, count: int) -> None:
        """Take note that the ``count`` rows from ``slot`` (wrapping) hold steps ``after + 1``, …."""
        end, steps = slot + count, self._steps
        if end <= self.size:
            steps[slot:end] = range(after + 1, after + 1 + count)
        else:
            split = self.size - slot
            steps[slot:] = range(after + 1, after + 1 + split)
            steps[:end - self.size] = range(after + 1 + split, after + 1 + count)

    @property
    def ring(self) -> Array:
        """Return the ring's rows, slot by slot (a read-only view)."""
        return self._view

    def filled(self, slot: int, count: int) -> None:
        """Take note that ``count`` steps were written from the cursor, ``slot`` the next."""
        self._next = slot
        self._held = min(self._held + count, self.capacity)

    def first_not_finite(self, slot: int, count: int, ones: Array) -> int:
        """Return which of ``count`` rows from ``slot`` (wrapping) is the first whose sum is not finite.

        The sum is θ·1 (``ones``): it is finite only if every entry is, and not too near
        overflow. The answer counts from ``slot`` (-1: every sum is finite).
        """
        ring, end = self._ring, slot + count
        if end <= self.size:
            sums = ring[slot:end].dot(ones)
        else:
            sums = np.concatenate((ring[slot:].dot(ones), ring[:end - self.size].dot(ones)))
        if math.isfinite(sum(sums.tolist())):
            return -1
        bad = np.flatnonzero(~np.isfinite(sums))  # or finite sums whose total overflowed
        return int(bad[0]) if len(bad) else -1

    def keep_until(self, last_step: int) -> None:
        """Forget every step after ``last_step``."""
        while self._held and self._steps[self._next - 1] > last_step:  # slot −1 is the last
            self._next = (self._next - 1) % self.size
            self._held -= 1

    def items(self) -> list[tuple[int, Array]]:
        """Return (step, θ) pairs, oldest first; each θ a read-only view, valid until more steps."""
        size, oldest = self.size, self._next - self._held
        slots = [(oldest + k) % size for k in range(self._held)]
        return [(self._steps[slot], self._view[slot]) for slot in slots]


@dataclass(frozen=True)
class Snapshot:
    """What the views draw: the state of a session at one moment (never NaN).

    ``gradient`` is dL/dθ on the whole training set at θ; ``next_step`` is the change
    the optimizer would make to θ with that gradient; ``velocity`` is the optimizer's
    running direction (momentum's v, Adam's m) or ``None``.
    """

    step: int
    theta: Array
    loss: float
    test_loss: float | None
    gradient: Array
    gradient_norm: float
    next_step: Array
    velocity: Array | None
    config: OptimizerConfig
    batch_size: int | None
    status: str
    diverged_at: int | None
    diverged_loss: float | None
    start_loss: float
    furthest_step: int
    learning_rate: float  # η of the next step (the schedule's η at this step)


@dataclass
class Session:
    """A run of an optimizer on a problem, stepped and rewound by the caller."""

    problem: Problem
    config: OptimizerConfig = field(default_factory=OptimizerConfig)
    batch_size: int | None = None
    seed: int = 0
    checkpoint_bytes: int = 32 * 2**20
    history_capacity: int = 4096
    path_capacity: int = 512

    @_quietly
    def __post_init__(self) -> None:
        self.theta = self.problem.initial_theta()
        self.optimizer = self.config.build()
        self._check_batch_size(self.batch_size)
        self._batching_of: tuple = ((), ())  # (batch size, its _batching()); () = none yet
        self._bound = Bound()  # calls and views made once for θ and the gradient array
        self.step_count = 0
        self.furthest_step = 0
        self.status = "ready"
        self.diverged_at: int | None = None
        self.diverged_loss: float | None = None
        self._epoch, self._position, self._order_epoch, self._order = 0, 0, -1, None
        self._batch_order = BatchOrder(self.seed)  # default_rng([seed, epoch]).permutation
        self._grad = np.empty_like(self.theta)  # dL/dθ, full batch at θ when _grad_fresh
        self._ones = np.ones_like(self.theta)  # θ·1 = Σθ, the finiteness check
        self._grad_fresh = False
        self._loss: float | None = None  # training loss at θ, when known
        # per step: train, test (or NaN), η of the next step, ‖dL/dW‖ of each layer
        self.losses = Thinned(self.history_capacity)
        self.path = Thinned(self.path_capacity)  # θ per step, for the trail and PCA
        self._recent = Recent(spare=CHECK_EVERY)  # the last steps' θ, for the fading trail
        self._checkpoints: list[Checkpoint] = []
        self._pinned: set[int] = set()  # steps of pinned checkpoints (edits), looked up per step
        per_checkpoint = 3 * self.theta.nbytes + 256
        self._checkpoint_cap = int(np.clip(self.checkpoint_bytes // per_checkpoint, 16, 1024))
        self._checkpoint_every = 8
        self.start_loss = self._evaluate()
        self._record()
        self._save_checkpoint(pinned=True)

    # ----- stepping -------------------------------------------------------------------

    @_quietly
    def step(self, n: int = 1, record: list[float] | None = None) -> int:
        """Take up to n optimizer steps; return how many were taken.

        Stops early when the run diverges (a step whose loss is finite but huge counts and
        stays; a step to a non-finite θ or loss is undone). ``record``, if given, receives
        the training loss at each new θ.
        """
        start = self.step_count
        bound = DIVERGENCE_FACTOR * max(abs(self.start_loss), 1.0)
        wants_loss, step_once = record is not None, self._step_once
        # _step_once returns False only when the run has diverged: then the loop ends
        while self.step_count - start < n and self.status != "diverged":
            if not wants_loss and self._plain_steps(n - (self.step_count - start), bound):
                continue
            kept = step_once(bound, wants_loss) or self.diverged_loss is not None
            if kept and wants_loss:  # a huge loss is kept, an overflow is not
                record.append(self.loss)
        return self.step_count - start

    def _batching(self) -> tuple[bool, int, int]:
        """Return (full batch?, spacing of the loss record's steps, samples) for the batch size.

        The spacing is 1 for full batch, else the largest power of 2 not above the steps of
        an epoch. Worked out once per batch size: the training loop asks every step.
        """
        cached = self._batching_of
        if cached[0] == self.batch_size:
            return cached[1]
        samples = self.problem.sample_count
        if self.batch_size is None or self.batch_size >= samples:
            result = (True, 1, samples)
        else:
            steps_per_epoch = -(-samples // self.batch_size)
            result = (False, 1 << (steps_per_epoch.bit_length() - 1), samples)
        self._batching_of = (self.batch_size, result)
        return result

    def _advance(self) -> float | None:
        """Take one optimizer step; return the batch's loss before it (``None``: full batch).

        A full-batch step also evaluates the training loss and gradient at the new θ: they
        are the next step's. A mini-batch step leaves the training loss unknown.
        """
        optimizer, theta = self.optimizer, self.theta
        if self.config.schedule.varies:
            optimizer.learning_rate = self.config.rate_at(self.step_count)
        full, _, samples = self._batching()
        if full:
            if not self._grad_fresh:
                self._evaluate(with_gradient=True)
            optimizer.step(theta, self._grad)
            self.step_count += 1
            self._evaluate(with_gradient=True)
            return None
        batch_loss, grad = self.problem.loss_and_gradient(theta, self._next_batch(samples),
                                                          self._grad)
        optimizer.step(theta, grad)
        self.step_count += 1
        self._loss = None
        self._grad_fresh = False
        return batch_loss

    def _plain_steps(self, limit: int, bound: float) -> int:
        """Take up to ``limit`` plain mini-batch steps; return how many were taken (0: none).

        The training loop's common step, with what it reads every step held in locals: a
        mini-batch step at a constant η that meets no edit (it stops before one). A step
        writes θ into the recent ring and nothing else; every few steps comes an *event*,
        the next step that records more (a loss row, a checkpoint) or at most
        ``CHECK_EVERY`` steps on. There the new rows of the ring are checked for a θ that
        is not finite, one product for all of them instead of θ·1 after every step, and
        only then recorded: the loss row and checkpoint written. The ring's steps are
        numbered and the path's rows copied from it once for all the steps it holds
        unrecorded, before they could be overwritten and at the end. A step the divergence
        bound or that check must look at is judged by ``_judge`` and ends it.
        """
        bound_run = self._run_binding()
        if bound_run is None:
            return 0
        spacing, samples, batch_gradient, optimizer_step, snapshot, rate, norms = bound_run
        step = first = self.step_count
        last = first + limit
        later_edits = [s for s in self._pinned if s > first]
        if later_edits:
            last = min(last, min(later_edits) - 1)
        if last <= first:
            return 0
        theta, grad, losses, recent = self.theta, self._grad, self.losses, self._recent
        size = self.batch_size
        walk = self._bound.get("walk")  # where the last run of steps left the batches
        if walk is not None and walk[0] == self._epoch and walk[1] == self._position and \
                walk[2] == size and walk[3] == self.seed:
            epochs, row, start = walk[4]
        else:
            epochs, row, start = self._batches(samples)  # the batches of a block of epochs
        batches = epochs[row]
        index, count = (self._position - start) // size, len(batches)
        rows, slot = recent.cursor(theta)
        ring_size = recent.size
        numbered, numbered_slot = first, slot  # the ring's steps are numbered up to here
        saved: list[tuple] = []  # (step, its slot, optimizer, epoch, position) of checkpoints to be
        while step < last:
            # loss rows at the multiples of both powers of 2, checkpoints at theirs
            every, saves = max(spacing, losses.stride), self._checkpoint_every
            event = min(last, step + CHECK_EVERY, step - step % every + every)
            save_at = step - step % saves + saves
            checked, checked_slot = step, slot
            self._loss, self._grad_fresh = None, False
            while step < event:
                batch_loss = batch_gradient(batches[index])
                optimizer_step(theta, grad)
                step += 1
                rows[slot][...] = theta  # what recent.add does
                index += 1
                if index == count:  # the epoch's last batch: on to the next epoch's
                    self._epoch, row, index = self._epoch + 1, row + 1, 0
                    if row == len(epochs):
                        self._position = 0
                        epochs, row, start = self._batches(samples)
                    start, batches = 0, epochs[row]
                    count = len(batches)
                if step == save_at:  # a checkpoint, its θ taken from the ring once checked
                    saved.append((step, slot, snapshot(), self._epoch, start + index * size))
                    save_at += saves
                slot = slot + 1 if slot + 1 < ring_size else 0
                if not abs(batch_loss) <= bound:
                    break
            self.step_count, self._position = step, start + index * size
            infinite = recent.first_not_finite(checked_slot, step - checked, self._ones)
            if infinite >= 0:  # θ was not finite there: that step and the later ones are undone
                recent.number(numbered_slot, numbered, step - numbered)
                step = checked + infinite + 1
                self._keep_saved(saved, step)
                self._stand_at(step, numbered, numbered_slot, first)
                self._diverge(None)
                return step - first
            if not abs(batch_loss) <= bound:  # _judge records the step (its checkpoint too)
                recent.number(numbered_slot, numbered, step - numbered)
                self._keep_saved(saved, step)
                self._stand_at(step, numbered, numbered_slot, first)
                self._judge(batch_loss, bound)
                return step - first
            if not step % every:
                loss = self._evaluate(with_gradient=False)
                if not abs(loss) <= bound:  # NaN too
                    recent.number(numbered_slot, numbered, step - numbered)
                    self._keep_saved(saved, step)
                    self._stand_at(step, numbered, numbered_slot, first)
                    self._judge(batch_loss, bound)
                    return step - first
                test = self.problem.test_loss(theta)
                losses.add(step, (loss, np.nan if test is None else test, rate,
                                  *self._norms(norms)))
            if saved:
                self._keep_saved(saved, step + 1)
            if step - numbered + CHECK_EVERY > ring_size or step >= last:
                # the next event could overwrite rows not yet on the path
                recent.number(numbered_slot, numbered, step - numbered)
                self._path_from_ring(numbered, step, numbered_slot)
                numbered, numbered_slot = step, slot
        recent.filled(slot, step - first)
        self._bound["walk"] = (self._epoch, self._position, size, self.seed, (epochs, row, start))
        if step > self.furthest_step:
            self.furthest_step = step
        return step - first

    def _batches(self, samples: int) -> tuple[list[list[Array]], int, int]:
        """Return the batches of epochs (views of their orders), which is this epoch's, and from where.

        The loop reads a batch where it sliced one. They are the batches of a block of epochs
        from their start (``BatchOrder.batch_lists``) when the position is on a batch's
        boundary, else (the batch size changed within the epoch) this epoch's from the
        position, made here.
        """
        order, start, size = self._epoch_order(samples), self._position, self.batch_size
        if not start % size:
            return *self._batch_order.batch_lists(self._epoch, samples, size), 0
        made = self._bound.get("batches")
        if made is None or made[0] is not order or made[1] != start or made[2] != size:
            whole = (samples - start) // size * size
            batches = list(order[start:start + whole].reshape(-1, size))
            if start + whole < samples:
                batches.append(order[start + whole:])
            made = self._bound["batches"] = (order, start, size, [batches])
        return made[3], 0, start

    def _run_binding(self) -> tuple | None:
        """Return what a run of plain steps reads, ``None`` if the steps are not plain.

        (spacing of the loss rows, samples, batch gradient, optimizer step and snapshot,
        η, the gradient's layer views), made once for θ, the gradient array, optimizer,
        settings and batch size.
        """
        theta, grad, optimizer, config = self.theta, self._grad, self.optimizer, self.config
        made = self._bound.get("run")
        if made is not None and made[0] is theta and made[1] is grad and \
                made[2] is optimizer and made[3] is config and made[4] == self.batch_size:
            return made[5]
        full, spacing, samples = self._batching()
        run = None if full or config.schedule.varies else (
            spacing, samples, self._batch_gradient(), optimizer.step, optimizer.snapshot,
            config.rate_at(self.step_count), self._norm_views())  # η is constant here
        self._bound["run"] = (theta, grad, optimizer, config, self.batch_size, run)
        return run

    def _batch_gradient(self) -> Callable[[Array], float]:
        """Return ``run(batch)``: the batch's loss at θ, its gradient written into ``_grad``.

        A problem whose class has a ``stepper`` (a network's) makes it, with each call's
        look-ups done once; any other is asked ``loss_and_gradient`` every time. The
        method is looked up on the class: a wrapper that forwards attributes to a problem
        (a test's recorder of batches) has its own ``loss_and_gradient`` called. Made once
        for θ and the gradient array.
        """
        theta, grad, problem = self.theta, self._grad, self.problem
        made = self._bound.get("stepper")
        if made is not None and made[0] is theta and made[1] is grad:
            return made[2]
        stepper = getattr(type(problem), "stepper", None)
        if stepper is not None:
            run = stepper(problem, theta, grad)
        else:
            loss_and_gradient = problem.loss_and_gradient
            run = lambda batch: loss_and_gradient(theta, batch, grad)[0]  # noqa: E731
        self._bound["stepper"] = (theta, grad, run)
        return run

    def _norm_views(self) -> list[Array]:
        """Return the gradient's weights of each layer (views of ``_grad``, made once for it)."""
        made = self._bound.get("norms")
        if made is not None and made[0] is self._grad:
            return made[1]
        network = getattr(self.problem, "network", None)
        views = [] if network is None else [self._grad[w_start:b_start]
                                            for w_start, b_start in network.weight_spans]
        self._bound["norms"] = (self._grad, views)
        return views

    def _norms(self, views: list[Array]) -> list[float]:
        """Return ‖dL/dW_l‖ of each layer: ``weight_gradient_norms``, its sums on ``_norm_views``."""
        norms = [math.sqrt(part.dot(part)) for part in views]
        if not math.isfinite(sum(norms)):  # squares past the largest float: it scales first
            return weight_gradient_norms(self.problem, self._grad)
        return norms

    def _keep_saved(self, saved: list[tuple], before: int) -> None:
        """Keep the checkpoints the loop took note of before step ``before`` (their θ checked).

        One that the spacing, doubled by an earlier one, has left off is not kept; the list
        is emptied.
        """
        ring, config, size = self._recent.ring, self.config, self.batch_size
        for step, slot, optimizer, epoch, position in saved:
            if step < before and not step % self._checkpoint_every:
                self._keep_checkpoint(Checkpoint(step, ring[slot].copy(), optimizer, config, size,
                                                 epoch, position))
        saved.clear()

    def _stand_at(self, step: int, checked: int, slot: int, first: int) -> None:
        """Stop a run of plain steps from ``first`` at ``step``, checked up to ``checked``.

        The steps after ``checked`` went into the ring from slot ``slot``: those before
        ``step`` stand and are recorded (their path rows), the ring holds them and the steps
        before; the step is then judged again (``_judge``) or undone (``_diverge``), which
        records it, or goes back to the state before it, replayed from a checkpoint.
        """
        self._path_from_ring(checked, step - 1, slot)
        self._recent.filled((slot + step - 1 - checked) % self._recent.size, step - 1 - first)
        self.step_count = step
        self.furthest_step = max(self.furthest_step, step - 1)  # the steps before it stay

    def _path_from_ring(self, after: int, last: int, slot: int) -> None:
        """Record the path's rows of the steps after ``after`` up to ``last``, from the ring.

        Step ``after + 1`` went into ring slot ``slot``, each later step into the next: the
        rows on the path's stride are a strided slice of the ring (two, where it wraps).
        """
        path, ring = self.path, self._recent.ring
        stride, size = path.stride, len(ring)
        start = after - after % stride + stride  # the first step on the stride
        if start > last:
            return
        first_slot = (slot + start - after - 1) % size
        steps = range(start, last + 1, stride)
        before_wrap = (size - 1 - first_slot) // stride + 1  # the rows before the ring's end
        if before_wrap >= len(steps):
            path.extend(steps, ring[first_slot:first_slot + (len(steps) - 1) * stride + 1:stride])
            return
        path.extend(steps[:before_wrap], ring[first_slot::stride])
        wrapped = first_slot + before_wrap * stride - size
        after_wrap = len(steps) - before_wrap
        path.extend(steps[before_wrap:], ring[wrapped:wrapped + (after_wrap - 1) * stride + 1:stride])

    def _step_once(self, bound: float, wants_loss: bool = False) -> bool:
        """Take a step and judge it against the divergence bound; return whether it is kept."""
        return self._judge(self._advance(), bound, wants_loss)

    def _judge(self, batch_loss: float | None, bound: float, wants_loss: bool = False) -> bool:
        """Judge and record the step just taken (its batch's loss given); return whether it is kept."""
        theta = self.theta
        # A sum is finite only if every entry is (θ near overflow counts as diverged too);
        # θ·1 is that sum in one BLAS call, half the time of θ.sum() on a small network.
        if not math.isfinite(theta.dot(self._ones)):
            return self._diverge(None)
        step = self.step_count
        spacing = self._batching_of[1][1]  # _advance has just worked out the batching
        records_loss = not step % spacing and not step % self.losses.stride
        if batch_loss is None or wants_loss or records_loss or not abs(batch_loss) <= bound:
            loss = self._loss if self._loss is not None else self._evaluate(with_gradient=False)
            if not math.isfinite(loss):
                return self._diverge(None)
            if abs(loss) > bound:
                return self._diverge(loss)
        if step > self.furthest_step:
            self.furthest_step = step
        # what _record does, spelled out for the common step (no loss row, no edit here)
        if records_loss or step in self._pinned:
            self._record(records_loss)
            self._follow_history()
            return True
        if not step % self.path.stride:
            self.path.add(step, theta)
        self._recent.add(step, theta)
        if not step % self._checkpoint_every:
            self._save_checkpoint()
        return True

    def _diverge(self, loss: float | None) -> bool:
        """Mark the run diverged at this step and go back to the last finite state."""
        self.status = "diverged"
        self.diverged_at = self.step_count
        self.diverged_loss = loss
        if loss is None:
            self._seek(self.step_count - 1, keep_status=True)
        else:
            self.furthest_step = self.step_count
            self._record()
        return False

    def _evaluate(self, with_gradient: bool = True) -> float:
        """Compute (and cache) the training loss at θ, and the full gradient if asked."""
        if with_gradient:
            loss, _ = self.problem.loss_and_gradient(self.theta, None, self._grad)
        else:
            loss = self.problem.loss(self.theta)
        self._loss, self._grad_fresh = float(loss), with_gradient
        return self._loss

    def _next_batch(self, samples: int) -> Array:
        """Return the next batch's sample indices: the epoch's permutation, in slices."""
        order = self._epoch_order(samples)
        start = self._position
        end = self._position = start + self.batch_size
        if end >= samples:
            self._epoch, self._position = self._epoch + 1, 0
        return order[start:end]

    def _epoch_order(self, samples: int) -> Array:
        """Return this epoch's order of the samples (a permutation seeded by seed and epoch)."""
        if self._order_epoch != self._epoch:
            if self._batch_order.seed != self.seed:
                self._batch_order = BatchOrder(self.seed)
            self._order = self._batch_order.order(self._epoch, samples)
            self._order_epoch = self._epoch
        return self._order

    def _record(self, loss_row: bool | None = None) -> None:
        """Record this step; ``loss_row``: whether the loss curve keeps it (``None``: if it can)."""
        step = self.step_count
        if self.losses.wants(step) if loss_row is None else loss_row:
            loss = self._loss if self._loss is not None else self._evaluate(with_gradient=False)
            self.losses.add(step, self._loss_row(step, loss))
        if step % self.path.stride == 0:
            self.path.add(step, self.theta)  # copied into the record's own array
        self._recent.add(step, self.theta)
        if step % self._checkpoint_every == 0:
            self._save_checkpoint()

    def _loss_row(self, step: int, loss: float) -> tuple[float, ...]:
        """Return the loss curve's row at θ: train and test loss, η of the next step, ‖dL/dW‖s."""
        test = self.problem.test_loss(self.theta)
        # An edit made at this step (met again while replaying) sets the next step's η.
        config = self.config if step not in self._pinned else next(
            c.config for c in self._checkpoints if c.step == step and c.pinned)
        return (loss, np.nan if test is None else test, config.rate_at(step),
                *self._norms(self._norm_views()))

    # ----- checkpoints, rewind and edits ------------------------------------------------

    def _save_checkpoint(self, pinned: bool = False) -> None:
        self._keep_checkpoint(Checkpoint(self.step_count, self.theta.copy(),
                                         self.optimizer.snapshot(), self.config, self.batch_size,
                                         self._epoch, self._position, pinned))

    def _keep_checkpoint(self, cp: Checkpoint) -> None:
        """Add a checkpoint, dropping those after it and thinning them when over the cap."""
        pinned, cps = cp.pinned, self._checkpoints
        if cps and cps[-1].step < cp.step and len(cps) < self._checkpoint_cap and not pinned:
            cps.append(cp)  # the common case: nothing to drop
            return
        changed = False  # whether a pinned checkpoint may have gone (the set is then rebuilt)
        while cps and cps[-1].step >= cp.step and not (cps[-1].pinned and not pinned):
            changed |= cps.pop().pinned
        if cps and cps[-1].step == cp.step:
            return  # a pinned checkpoint already holds this step's exact state
        cps.append(cp)
        if len(cps) > self._checkpoint_cap:
            self._checkpoint_every *= 2
            self._checkpoints = [c for c in cps if c.pinned or c.step % self._checkpoint_every == 0]
            if len(self._checkpoints) > self._checkpoint_cap:  # too many edits: forget the oldest
                del self._checkpoints[: len(self._checkpoints) - self._checkpoint_cap]
            changed = True
        if changed:
            self._pinned = {c.step for c in self._checkpoints if c.pinned}
        elif pinned:
            self._pinned.add(cp.step)

    def _restore(self, cp: Checkpoint) -> None:
        self.theta = cp.theta.copy()
        self.config, self.batch_size = cp.config, cp.batch_size
        if type(self.optimizer).name != cp.config.name or self.optimizer.hyperparameters() != \
                cp.config.build().hyperparameters():
            self.optimizer = cp.config.build()
        self.optimizer.restore(cp.optimizer)
        self._epoch, self._position = cp.epoch, cp.position
        self.step_count = cp.step
        self._grad = np.empty_like(self.theta)
        self._evaluate()

    def _follow_history(self) -> None:
        """Apply a pinned checkpoint met while replaying: an edit made at this step."""
        if self.step_count in self._pinned:
            self._restore(next(c for c in self._checkpoints
                               if c.step == self.step_count and c.pinned))

    @property
    def earliest_step(self) -> int:
        """Return the earliest step that can still be reached by rewinding."""
        return self._checkpoints[0].step

    @_quietly
    def seek(self, step: int) -> None:
        """Put the run in the exact state it had at an earlier (or recorded later) step."""
        if not self.earliest_step <= step <= self.furthest_step:
            raise ValueError(f"step {step} is outside the recorded run "
                             f"({self.earliest_step}–{self.furthest_step})")
        self._seek(step, keep_status=False)

    def _seek(self, step: int, keep_status: bool) -> None:
        self._restore([c for c in self._checkpoints if c.step <= step][-1])
        if not keep_status:
            self.status, self.diverged_at, self.diverged_loss = "ready", None, None
        while self.step_count < step:
            self._advance()
            self._follow_history()
        self._recent.keep_until(step)

    def _edit(self) -> None:
        """Drop the recorded future and pin the current state as the start of a new one."""
        step = self.step_count
        self.furthest_step = step
        self._checkpoints = [c for c in self._checkpoints if c.step < step]
        self._pinned = {c.step for c in self._checkpoints if c.pinned}
        self.losses.truncate(step - 1)
        self.path.truncate(step - 1)
        self._recent.keep_until(step - 1)
        self.status, self.diverged_at, self.diverged_loss = "ready", None, None
        self._evaluate()
        self._record()
        self._save_checkpoint(pinned=True)

    @_quietly
    def set_theta(self, theta: Array, reset_optimizer: bool = True) -> None:
        """Put the hiker somewhere else (an edit); the optimizer forgets its state."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != self.theta.shape or not np.all(np.isfinite(theta)):
            raise ValueError(f"θ must be {self.theta.size} finite numbers")
        self.theta = theta.copy()
        if reset_optimizer:
            self.optimizer.reset()
        self._edit()

    def set_parameter(self, index: int, value: float) -> None:
        """Set one entry of θ (an edit); the optimizer forgets its state."""
        theta = self.theta.copy()
        theta[index] = value
        self.set_theta(theta)

    @_quietly
    def set_config(self, config: OptimizerConfig) -> None:
        """Change optimizer or hyper-parameters from now on (an edit, nothing is reset).

        Switching to another optimizer starts it fresh; changing the learning rate or a
        hyper-parameter of the same optimizer keeps its state (velocity, averages).
        """
        optimizer = config.build()
        if config.name == self.config.name:
            optimizer.restore(self.optimizer.snapshot())
        self.config, self.optimizer = config, optimizer
        self._edit()

    @_quietly
    def set_batch_size(self, batch_size: int | None) -> None:
        """Change the batch size from now on (``None``: the whole training set)."""
        self._check_batch_size(batch_size)
        self.batch_size = batch_size
        self._edit()

    def _check_batch_size(self, batch_size: int | None) -> None:
        if batch_size is not None and not 1 <= batch_size:
            raise ValueError(f"the batch size must be a whole number ≥ 1, got {batch_size}")

    def reset(self) -> None:
        """Go back to step 0 (the recorded run stays reachable until an edit)."""
        self.seek(self.earliest_step)

    @_quietly
    def resume_at(self, step: int) -> None:
        """Renumber the state now as step ``step`` of a run whose earlier steps are gone.

        For a run recovered from an autosave: θ and the settings come from the saved
        lesson, the step count from beside it; rewinding stops at this step.
        """
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"a step count is a whole number ≥ 0, got {step!r}")
        self.step_count = self.furthest_step = step
        self._checkpoints, self._pinned = [], set()
        self.losses = Thinned(self.history_capacity)
        self.path = Thinned(self.path_capacity)
        self._recent = Recent(spare=CHECK_EVERY)
        self._record()
        self._save_checkpoint(pinned=True)

    # ----- reading ----------------------------------------------------------------------

    @property
    def recent(self) -> list[tuple[int, Array]]:
        """Return the last steps as (step, θ) pairs, oldest first (read-only views of θ)."""
        return self._recent.items()

    @property
    @_quietly
    def loss(self) -> float:
        """Return the training loss at θ."""
        return self._evaluate(with_gradient=False) if self._loss is None else self._loss

    @_quietly
    def gradient(self) -> Array:
        """Return dL/dθ on the whole training set at θ (a copy)."""
        if not self._grad_fresh:
            self._evaluate(with_gradient=True)
        return self._grad.copy()

    @_quietly
    def is_converged(self, tolerance: float = 1e-6) -> bool:
        """Return whether the gradient is flat enough to call the descent finished."""
        return norm(self.gradient()) < tolerance

    def rate_history(self) -> Array:
        """Return η of the step after each recorded step (the steps of ``loss_history``)."""
        rows = self.losses.rows
        return rows[:, 2].copy() if len(rows) else np.zeros(0)

    def gradient_norm_history(self) -> Array:
        """Return ‖dL/dW_l‖ of each layer at each recorded step: steps × layers.

        The norm is of the last gradient the run computed there: on every training
        point at θ for a full batch; for a mini-batch, the batch gradient of the step
        that arrived there. A formula has no layers: zero columns.
        """
        rows = self.losses.rows
        return rows[:, 3:].copy() if len(rows) else np.zeros((0, 0))

    def loss_history(self) -> tuple[Array, Array, Array]:
        """Return (steps, training loss, test loss) recorded so far (NaN where no test set)."""
        rows = self.losses.rows
        if not len(rows):
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        return self.losses.steps.copy(), rows[:, 0].copy(), rows[:, 1].copy()

    def path_history(self) -> tuple[Array, Array]:
        """Return (steps, θ per step) of the thinned path, then the latest steps, current θ last."""
        steps, thetas = self.path.steps, self.path.rows
        last = steps[-1] if len(steps) else -1
        newer = [(s, t) for s, t in self.recent if s > last]
        if newer:
            steps = np.concatenate([steps, [s for s, _ in newer]])
            thetas = np.vstack([thetas, *[t for _, t in newer]]) if len(thetas) else \
                np.vstack([t for _, t in newer])
        if not len(steps):
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.theta.size))
        return steps.copy(), thetas.copy()

    @_quietly
    def snapshot(self) -> Snapshot:
        """Return the current state for drawing (copies; never NaN)."""
        grad = self.gradient()  # first: evaluating the gradient gives the loss too
        loss = self.loss
        rate = self.config.rate_at(self.step_count)
        self.optimizer.learning_rate = rate
        next_step = self.optimizer.direction(grad, self.theta)
        velocity = self.optimizer.velocity()
        test = self.problem.test_loss(self.theta)
        return Snapshot(
            step=self.step_count, theta=self.theta.copy(), loss=loss,
            test_loss=test if test is not None and np.isfinite(test) else None,
            gradient=grad, gradient_norm=norm(grad),
            next_step=next_step, velocity=None if velocity is None else velocity.copy(),
            config=self.config, batch_size=self.batch_size, status=self.status,
            diverged_at=self.diverged_at, diverged_loss=self.diverged_loss,
            start_loss=self.start_loss, furthest_step=self.furthest_step, learning_rate=rate,
        )
