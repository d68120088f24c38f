"""What the status line and the banner say about the run: true at the hiker's point, no Qt.

A flat slope is not always a bottom, and a run that does not diverge is not always
learning. ``judge`` reads the run now and returns its status with a sentence:

- "undefined": J (or its slope) is not a number at θ (``sqrt(-w)`` at w = 3, 1/w at 0),
  so no step can be taken from here;
- "escaping": the slope is nearly flat but there is no minimum ahead — the cost flattens
  towards a limit at infinity (1/w far out), falls for ever, or runs into a pole;
- "stalled": the loss stopped falling — it goes up and down without a new best
  (a learning rate too large for the valley), or the slope is flat because the network's
  hidden neurons are saturated, or the hiker stands on level ground that is no minimum;
- "converged" and "ready" as before; "diverged" is the session's own verdict.

A flat slope far off the landscape is no bottom either: one huge step (``exp(w)`` from
w = 705 jumps to w ≈ −1.5×10³⁰⁵) lands where J and its slope underflow to 0, and a loss
run off to a vast size is flat there only in floating point. Both are "escaping".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.engine.problems import NetworkProblem

from .numbers import format_number
from .terrain import look_along, quietly, scale_of

#: a slope flatter than this counts as level ground: "converged" if it is a minimum
FLAT_SLOPE = 1e-5
#: the recorded losses a stall is judged on: the last WINDOW, after at least 2 × WINDOW
WINDOW = 50
#: a new best must beat the old one by this share of it to count as falling
PROGRESS = 1e-4
#: a hidden neuron whose activation's slope is below this for every sample is saturated
SATURATED_SLOPE = 1e-3
#: a hiker this many times farther out than the landscape's own scale was thrown off it
THROWN_OFF = 1e12


@dataclass(frozen=True)
class Verdict:
    """A run's status and the sentence that explains it ("" when nothing needs saying)."""

    status: str
    sentence: str = ""


@quietly
def judge(problem, snapshot, loss_steps: np.ndarray, losses: np.ndarray) -> Verdict:
    """Return the status and sentence of a run now, from its snapshot and loss history."""
    if snapshot.status == "diverged":
        return Verdict("diverged")
    theta = snapshot.theta
    where = _where(problem, theta)
    if not math.isfinite(snapshot.loss):
        return Verdict("undefined", _undefined_loss(problem, snapshot.loss, where))
    if not np.all(np.isfinite(snapshot.gradient)):
        return Verdict("undefined", f"The slope at {where} is infinite or undefined, so "
                                    "gradient descent cannot take a step from here. Move the "
                                    "hiker or change the formula.")
    if snapshot.gradient_norm < FLAT_SLOPE:
        return _level(problem, snapshot, where)
    return _stall(problem, snapshot, np.asarray(loss_steps), np.asarray(losses, dtype=float))


def _where(problem, theta: np.ndarray) -> str:
    if isinstance(problem, NetworkProblem):
        return "these weights"
    pairs = [f"{name} = {format_number(value, 6)}" for name, value in zip(problem.names, theta,
                                                                       strict=True)]
    return " and ".join(pairs)


def _undefined_loss(problem, loss: float, where: str) -> str:
    if isinstance(problem, NetworkProblem):
        return ("The loss is too large to compute at these weights, so the network cannot "
                "learn from here. Reset, or set smaller weights.")
    why = ("J is larger there than a computer's numbers go (about 1.8×10³⁰⁸): a pole, where "
           "something is divided by zero, or a point very far out" if math.isinf(loss) else
           "J is not a real number there (say, the square root or logarithm of a negative "
           "number)")
    return (f"J is undefined at {where}: {why}. The hiker cannot take a step from here: move "
            "it, or change the formula.")


def _costs(problem):
    def costs(points: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(problem.function(*np.asarray(points, dtype=float).T), dtype=float)
    return costs


def _level(problem, snapshot, where: str) -> Verdict:
    """Judge a nearly flat slope: a minimum, level ground that is none, or a stuck network."""
    if isinstance(problem, NetworkProblem):
        saturated, hidden = saturated_neurons(problem, snapshot.theta)
        if hidden and saturated * 2 >= hidden:
            return Verdict("stalled", (
                f"Stuck, not converged: the slope is flat because {saturated} of {hidden} "
                "hidden neurons are saturated (their activation's slope is almost 0 for every "
                "sample), so almost no gradient flows back through them. The loss stays at "
                f"{format_number(snapshot.loss, 3)}. Reset, or try a smaller learning rate."))
        return Verdict("converged")
    off = _off_the_landscape(problem, snapshot, where)
    if off is not None:
        return off
    costs = _costs(problem)
    theta, gradient = snapshot.theta, snapshot.gradient
    ahead = look_along(costs, theta, -gradient) if np.any(gradient != 0) else None
    slope = format_number(snapshot.gradient_norm, 3)
    here = format_number(snapshot.loss, 3)
    if ahead is not None and ahead.kind == "flattens":
        return Verdict("escaping", (
            f"Not converged: there is no minimum here. The slope only looks flat (|∇J| = "
            f"{slope} at {where}, J = {here}): downhill the cost flattens towards "
            f"{_limit(ahead.value, snapshot.loss)} at infinity without reaching it, and the "
            "hiker is walking away, more slowly with every step."))
    if ahead is not None and ahead.kind in ("falls", "pole", "edge"):
        fate = {"falls": "J keeps falling for ever",
                "pole": "J falls without bound into a pole",
                "edge": "J runs to the edge of where it is defined"}[ahead.kind]
        return Verdict("escaping", (
            f"Not converged: the ground is nearly level at {where} (|∇J| = {slope}), but this "
            f"is no minimum: downhill {fate}, and the hiker is slowly walking that way."))
    if ahead is None:  # the slope is exactly 0: a minimum only if no neighbour is lower
        lower = _lower_nearby(costs, theta, snapshot.loss, np.eye(len(theta)))
    elif ahead.kind == "minimum" and len(theta) == 2:  # a saddle falls away sideways
        unit = -gradient / np.linalg.norm(gradient)
        lower = _lower_nearby(costs, ahead.point, ahead.value, np.array([[-unit[1], unit[0]]]))
    else:
        lower = None
    if lower is not None:
        return Verdict("stalled", (
            f"The slope is flat at {where}, but this is no minimum: J is lower nearby "
            f"({format_number(lower, 4)}). The hiker stands still on level ground (a "
            "maximum, a saddle or an inflection); move it a little to go on down."))
    return Verdict("converged")


def _off_the_landscape(problem, snapshot, where: str) -> Verdict | None:
    """Return "escaping" when a flat slope is an artefact of floats far off the landscape.

    Past ``THROWN_OFF`` times the landscape's scale (its ranges and start), or with J
    ``THROWN_OFF`` times larger than at the start, a step of any sensible size is lost
    in rounding and J's slope underflows: nothing there can be called a minimum.
    """
    theta, loss = snapshot.theta, snapshot.loss
    reach = max([1.0, *np.abs(problem.start), *(abs(v) for span in problem.ranges
                                                for v in span)])
    start_loss = snapshot.start_loss if math.isfinite(snapshot.start_loss) else 0.0
    slope = format_number(snapshot.gradient_norm, 3)
    if float(np.max(np.abs(theta))) > THROWN_OFF * reach:
        return Verdict("escaping", (
            f"Not converged: a step threw the hiker to {where}, far off the landscape, where "
            f"J = {format_number(loss, 3)} and its slope (|∇J| = {slope}) look flat only "
            "because a computer's numbers cannot resolve them there. There is no minimum "
            "here: rewind and lower the learning rate."))
    if abs(loss) > THROWN_OFF * max(1.0, abs(start_loss)):
        return Verdict("escaping", (
            f"Not converged: J has run off to {format_number(loss, 3)} at {where} (it started "
            f"at {format_number(start_loss, 3)}); the slope only looks flat (|∇J| = {slope}). "
            "There is no minimum here: rewind and lower the learning rate."))
    return None


def _limit(value: float, here: float) -> str:
    """Return the value J flattens towards in words: 0 when it is that close to it."""
    if abs(value) <= 1e-3 * abs(here) or abs(value) < 1e-12:
        return "0"
    return f"about {format_number(value, 3)}"


def _lower_nearby(costs, point: np.ndarray, here: float, directions: np.ndarray) -> float | None:
    """Return J at a point a little way along ± a direction if lower than here, else None."""
    delta = 1e-3 * scale_of(point)
    points = [point + sign * delta * d for d in directions for sign in (1.0, -1.0)]
    values = np.broadcast_to(costs(np.array(points)), (len(points),))
    lower = [float(v) for v in values if math.isfinite(v) and v < here]
    return min(lower) if lower else None


def _stall(problem, snapshot, steps: np.ndarray, losses: np.ndarray) -> Verdict:
    """Judge whether the loss stopped falling: no new best in the last ``WINDOW`` records."""
    finite = np.isfinite(losses)
    steps, losses = steps[finite], losses[finite]
    if len(losses) < 2 * WINDOW:
        return Verdict("ready")
    before, recent = losses[:-WINDOW], losses[-WINDOW:]
    best = float(before.min())
    if recent.min() < best - PROGRESS * max(abs(best), 1e-12):
        return Verdict("ready")
    at = int(steps[:-WINDOW][int(np.argmin(before))])
    span = int(steps[-1] - steps[-WINDOW - 1])
    low, high = format_number(float(recent.min()), 3), format_number(float(recent.max()), 3)
    between = f"at {low}" if low == high else f"between {low} and {high}"
    turns = int(np.sum(np.diff(np.sign(np.diff(recent))) != 0))
    if turns >= WINDOW // 4 and recent.max() - recent.min() > PROGRESS * max(abs(best), 1e-12):
        sentence = (f"The loss has stopped falling: for the last {span:,} steps it went up "
                    f"and down {between}, never below its best, "
                    f"{format_number(best, 3)} at step {at:,}. Each step overshoots the valley "
                    "and lands on the other side: lower the learning rate.")
    else:
        sentence = (f"The loss has stopped falling: for the last {span:,} steps it stayed "
                    f"{between}, no lower than its best, {format_number(best, 3)} at step "
                    f"{at:,}.")
    if isinstance(problem, NetworkProblem):
        saturated, hidden = saturated_neurons(problem, snapshot.theta)
        if saturated:
            sentence += (f" {saturated} of {hidden} hidden neurons are saturated (their "
                         "activation's slope is almost 0 for every sample), so little "
                         "gradient flows back through them.")
    return Verdict("stalled", sentence)


def saturated_neurons(problem: NetworkProblem, theta: np.ndarray) -> tuple[int, int]:
    """Return (saturated, all) hidden neurons: those whose f'(z) < ``SATURATED_SLOPE`` on every sample."""
    network = problem.network
    x = problem.dataset.x_train
    if network.layer_count < 2 or not len(x):
        return 0, 0
    with np.errstate(all="ignore"):
        trace = network.forward(theta, problem.network_inputs(x))
        saturated = hidden = 0
        for layer in range(1, network.layer_count):
            slopes = np.abs(network.activation(layer).da_dz(trace.z[layer], trace.a[layer]))
            hidden += slopes.shape[1]
            saturated += int(np.sum(np.all(~(slopes >= SATURATED_SLOPE), axis=0)))
    return saturated, hidden
