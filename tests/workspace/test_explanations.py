"""Explanations that are never wrong (issue 13 §7): each sentence pinned to the case it is true of.

The curvature panel (``describe_ground``), the status and banner (``diagnosis.judge``
through ``Workspace.frame``) and the nudge test (``nudge_sentence``) are checked on the
formulas and runs where the old texts were false: w³ (no minimum), 1/w (a pole, and a
cost flattening towards 0 at infinity), η = 10 on networks (a loss that stopped falling).
"""

import math

import numpy as np
import pytest

from simulator.lessons.catalog import lessons_dir
from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec
from simulator.workspace.curvature import describe_ground
from simulator.workspace.diagnosis import saturated_neurons
from simulator.workspace.errors import EditError
from simulator.workspace.formula_text import nudge_sentence
from simulator.workspace.terrain import crosses_pole, look_along
from simulator.workspace.workspace import Workspace


def formula(expression: str, lr: float = 0.1, **start: float) -> Workspace:
    ws = Workspace()
    ws.set_lesson(Lesson("t", ExpressionSpec(expression, tuple(start.items())),
                         OptimizerSpec("sgd", lr)))
    return ws


def ground(ws: Workspace) -> str:
    model, frame = ws.problem_info().formula, ws.frame()
    return describe_ground(model.costs, frame.formula, model.names,
                           frame.config.learning_rate, frame.config.name)


def line(expression: str):
    return lambda points: eval(expression, {"np": np, "w": points[:, 0]})  # noqa: S307 - test's own text


# ----- what lies ahead, read along a line ------------------------------------------------------


@pytest.mark.parametrize(("expression", "w", "kind", "point"), [
    ("w**2", 3.0, "minimum", 0.0),
    ("(w - 2)**2 * (w + 1)**2", 3.0, "minimum", 2.0),
    ("w**3", 3.0, "falls", None),
    ("-w", 1.0, "falls", None),
    ("1/w", 1.0, "flattens", None),
    ("np.exp(w)", 0.0, "flattens", None),
    ("1/w", -1.0, "pole", 0.0),
    ("np.log(w)", 1.0, "pole", 0.0),
    ("np.sqrt(w)", 1.0, "edge", 0.0),
])
def test_look_along_the_downhill_direction(expression, w, kind, point):
    costs = line(expression)
    theta = np.array([w])
    h = 1e-6
    slope = (costs(theta[None] + h)[0] - costs(theta[None] - h)[0]) / (2 * h)
    ahead = look_along(costs, theta, np.array([-slope]))
    assert ahead.kind == kind
    if point is not None:
        assert ahead.point[0] == pytest.approx(point, abs=1e-5)


def test_a_segment_through_a_pole_is_found_and_smooth_ones_are_not():
    assert crosses_pole(line("1/w"), np.array([-0.000639]), np.array([0.000361]))
    assert crosses_pole(line("1/w"), np.array([-1e-6]), np.array([0.000999]))
    assert crosses_pole(line("1/w**2"), np.array([-0.0005]), np.array([0.0005]))
    for smooth, a in (("abs(w)", -0.0005), ("w", -0.0005), ("w**2", 3.0), ("np.tanh(1000*w)", -0.0005)):
        assert not crosses_pole(line(smooth), np.array([a]), np.array([a + 0.001])), smooth


# ----- the curvature panel: what the hiker's point is ----------------------------------------


def test_w_cubed_has_no_minimum_ahead():
    text = ground(formula("w**3", w=3.0))
    assert text.startswith("No minimum ahead: downhill J keeps falling")
    assert "near a minimum" not in text and "shrinks the distance" not in text


def test_w_cubed_at_zero_is_an_inflection_point():
    assert ground(formula("w**3", w=0.0)).startswith("The hiker stands at an inflection point")


def test_one_over_w_far_out_flattens_and_is_not_said_to_diverge():
    text = ground(formula("1/w", w=245257.0))
    assert text.startswith("No minimum ahead: downhill J flattens towards 0")
    assert "diverge" not in text and "Stable while" not in text
    assert "J has a pole" in text  # behind the hiker, at 0


def test_one_over_w_from_the_left_runs_into_its_pole():
    text = ground(formula("1/w", w=-1.0))
    assert text.startswith("No minimum ahead: downhill, near w ≈ 0, J falls without bound (a pole)")


def test_one_over_w_near_its_pole_says_so():
    assert "Uphill, about 1 behind the hiker, J has a pole" in ground(formula("1/w", w=1.0))


def test_a_real_valley_keeps_the_learning_rate_bound():
    text = ground(formula("w**2", w=3.0))
    assert text.startswith("J'' = 2: near a minimum") and "Stable while η < 2/J'' = 1." in text
    assert text.endswith("Downhill lies a minimum near w ≈ 0.")


@pytest.mark.parametrize(("expression", "start", "opening"), [
    ("w**2", {"w": 0.0}, "The hiker stands at a minimum"),
    ("-w**2", {"w": 0.0}, "The hiker stands on a maximum"),
    ("w**4", {"w": 0.0}, "The hiker stands at a flat-bottomed minimum"),
    ("w1**2 - w2**2", {"w1": 0.0, "w2": 0.0}, "The hiker stands on a saddle"),
    ("sqrt(w)", {"w": 1.0}, "Downhill, J runs to the edge of where it is defined, near w ≈ 0"),
    ("log(w)", {"w": -2.0}, "J is undefined at the hiker's point"),
])
def test_each_kind_of_point_is_named(expression, start, opening):
    assert ground(formula(expression, **start)).startswith(opening)


# ----- the nudge test across a pole ---------------------------------------------------------------


def test_a_nudge_across_the_pole_of_one_over_w_gets_a_warning():
    ws = formula("1/w", w=-0.000639)
    nudge = ws.frame().formula.nudge
    assert nudge.crosses_pole
    assert nudge.ratio > 1e6 and nudge.exact < -1e6  # measured +4.3e6 against exact −2.45e6
    text = nudge_sentence(nudge, ("w",), (-0.000639,))
    assert text.startswith("Careful: between w = −0.000639 and 0.000361 J jumps through a pole")
    assert "says nothing about the slope here" in text


def test_a_nudge_on_smooth_ground_has_no_warning():
    nudge = formula("w**2", w=3.0).frame().formula.nudge
    assert not nudge.crosses_pole
    assert nudge_sentence(nudge, ("w",), (3.0,)).startswith("Nudging w by 0.001 changes J by")


# ----- the status and the banner -------------------------------------------------------------------


def test_after_flying_out_on_one_over_w_the_status_is_not_converged():
    frame = formula("1/w", w=245257.0).frame()
    assert frame.status == "escaping"
    assert frame.explanation.startswith("Not converged: there is no minimum here.")
    assert "flattens towards 0 at infinity" in frame.explanation
    assert "the hiker is walking away" in frame.explanation


def test_exp_thrown_far_off_by_one_step_is_escaping_not_converged():
    # issue 13's case: from w = 705 one step of 0.1·e⁷⁰⁵ lands at w ≈ −1.5e305, where J and
    # its slope underflow to exactly 0
    ws = formula("exp(w)", w=705.0)
    ws.step(1)
    frame = ws.frame()
    assert frame.theta[0] < -1e304 and frame.gradient_norm == 0.0 and frame.loss == 0.0
    assert frame.status == "escaping"
    assert frame.explanation.startswith("Not converged: a step threw the hiker to w = ")
    assert "far off the landscape" in frame.explanation
    assert "rewind and lower the learning rate" in frame.explanation


def test_a_loss_run_off_to_a_vast_size_with_a_flat_slope_is_escaping():
    # J = −10²⁰⁰·(1 − e^(−w²)) is exactly flat in floats at w = 40, 10¹⁴ times its start:
    # no neighbour is lower there, yet it is no bottom
    ws = formula("-(10**200)*(1-exp(-w**2))", w=1e-7)
    ws.set_parameters({0: 40.0})
    frame = ws.frame()
    assert frame.gradient_norm == 0.0 and frame.loss == -1e200
    assert frame.status == "escaping"
    assert frame.explanation.startswith("Not converged: J has run off to −1×10²⁰⁰ at w = 40")


def test_a_bottom_far_from_zero_is_still_converged():
    # far from 0 but on its own landscape: (w − 10¹²)² reaches its bottom
    ws = formula("(w - 10**12)**2", lr=0.4, w=10.0**12 + 3)
    ws.step(200)
    frame = ws.frame()
    assert frame.status == "converged"


def test_a_real_bottom_is_converged_with_no_sentence():
    ws = formula("w**2", w=3.0)
    ws.step(200)
    frame = ws.frame()
    assert (frame.status, frame.explanation) == ("converged", "")


def test_a_maximum_is_level_ground_not_a_bottom():
    frame = formula("-w**2", w=0.0).frame()
    assert frame.status == "stalled"
    assert frame.explanation.startswith("The slope is flat at w = 0, but this is no minimum")


@pytest.mark.parametrize(("expression", "w", "why"), [
    ("sqrt(-w)", 3.0, "J is not a real number there"),
    ("1/w", 0.0, "J is larger there than a computer's numbers go"),
    ("log(w)", -2.0, "J is not a real number there"),
])
def test_an_undefined_start_is_said_and_no_step_is_taken(expression, w, why):
    ws = formula(expression, w=w)
    frame = ws.frame()
    assert frame.status == "undefined"
    assert frame.explanation.startswith(f"J is undefined at w = {w:g}".replace("-", "−"))
    assert why in frame.explanation
    with pytest.raises(EditError, match="J is undefined"):
        ws.step(1)
    assert ws.session.step_count == 0 and ws.session.status == "ready"


def test_an_infinite_slope_is_said():
    frame = formula("sqrt(w)", w=0.0).frame()
    assert frame.status == "undefined"
    assert frame.explanation.startswith("The slope at w = 0 is infinite or undefined")


def network(name: str, lr: float, steps: int) -> Workspace:
    ws = Workspace()
    ws.open_file(str(lessons_dir() / name))
    ws.set_learning_rate(lr)
    ws.step(steps)
    return ws


def test_eta_10_on_a_network_says_the_loss_stopped_falling():
    ws = network("06-backpropagation-through-a-network.lesson.json", 10.0, 300)
    frame = ws.frame()
    _, losses, _ = ws.session.loss_history()
    recent = losses[-50:]
    assert recent.min() > losses[:-50].min()  # the case: it jumped up and oscillates
    assert frame.status == "stalled"
    assert frame.explanation.startswith("The loss has stopped falling: for the last 50 steps "
                                        "it went up and down between")
    assert "lower the learning rate" in frame.explanation


def test_eta_10_that_kills_the_neurons_is_stuck_not_converged():
    ws = network("14-circle-network.lesson.json", 10.0, 300)
    frame = ws.frame()
    saturated, hidden = saturated_neurons(ws.problem, frame.theta)
    assert frame.gradient_norm < 1e-5 and saturated * 2 >= hidden
    assert frame.status == "stalled"
    assert frame.explanation.startswith(f"Stuck, not converged: the slope is flat because "
                                        f"{saturated} of {hidden} hidden neurons are saturated")


def test_a_network_that_learns_is_ready():
    ws = network("14-circle-network.lesson.json", 0.03, 150)
    assert (ws.frame().status, ws.frame().explanation) == ("ready", "")


def test_saturated_neurons_counts_tanh_neurons_driven_flat():
    ws = Workspace()
    ws.open_file(str(lessons_dir() / "14-circle-network.lesson.json"))
    assert saturated_neurons(ws.problem, ws.session.theta)[0] == 0
    weights, biases = ws.problem.network.unpack(ws.session.theta)
    biases = [b.copy() for b in biases]
    biases[0][:] = -1e6  # every first-layer neuron's input is far below 0 on every sample
    theta = ws.problem.network.pack([w.copy() for w in weights], biases)
    saturated, hidden = saturated_neurons(ws.problem, theta)
    assert saturated >= len(biases[0]) and hidden == sum(len(b) for b in biases[:-1])
    assert math.isfinite(ws.problem.loss(theta))


def test_saturated_neurons_feeds_the_network_its_features():
    ws = Workspace()
    ws.open_file(str(lessons_dir() / "14-circle-network.lesson.json"))
    ws.set_features(["x1", "x2", "x1^2"])  # three input neurons fed from the data's two columns
    saturated, hidden = saturated_neurons(ws.problem, ws.session.theta)
    sizes = ws.problem.network.sizes
    assert sizes[0] == 3 and hidden == sum(sizes[1:-1]) and 0 <= saturated <= hidden
