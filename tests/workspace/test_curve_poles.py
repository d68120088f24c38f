"""A 1-D formula's curve breaks at its poles instead of being drawn joined through them.

The curve is 400 samples of J; the view joins neighbouring finite samples
(``connect="finite"``). 1/w sampled either side of 0 is a large negative and a large
positive number, so the curve's grid carries a NaN there (``terrain.break_at_poles``).
"""

import math

import numpy as np
import pytest

from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec
from simulator.workspace.terrain import break_at_poles
from simulator.workspace.workspace import Workspace


def curve(expression: str, low: float, high: float):
    ws = Workspace()
    ws.set_lesson(Lesson("t", ExpressionSpec(expression, (("w", (low + high) / 2 + 0.1),),
                                             (("w", (low, high)),)), OptimizerSpec("sgd", 0.1)))
    (stage,) = ws.landscape_request().stages
    grid = stage()
    return np.asarray(grid.xs), np.asarray(grid.z[0])


def drawn_segments(xs, z):
    """Return the (x0, x1) of every piece of line the view draws: both ends finite."""
    joined = np.isfinite(z[:-1]) & np.isfinite(z[1:])
    return [(xs[i], xs[i + 1]) for i in np.flatnonzero(joined)]


@pytest.mark.parametrize(("expression", "low", "high", "poles"), [
    ("1/w", -3.0, 5.0, [0.0]),
    ("1/w**2", -3.0, 5.0, [0.0]),
    ("1/(w - 1)", -4.0, 4.0, [1.0]),
    ("tan(w)", -3.0, 3.0, [-math.pi / 2, math.pi / 2]),
    ("1/sin(w)", -3.0, 3.5, [0.0, math.pi]),
])
def test_no_drawn_segment_crosses_a_pole(expression, low, high, poles):
    xs, z = curve(expression, low, high)
    assert not any(p in xs for p in poles)  # the pole lies between two samples
    for pole in poles:
        crossing = [(a, b) for a, b in drawn_segments(xs, z) if a < pole < b]
        assert crossing == [], f"{expression}: a segment crosses the pole at {pole}"
    # only the samples at the poles are dropped: the rest of the curve is drawn
    assert np.isnan(z).sum() <= len(poles)
    assert len(drawn_segments(xs, z)) >= len(xs) - 1 - 2 * len(poles)


@pytest.mark.parametrize(("expression", "low", "high", "poles"), [
    ("log(abs(w))", -3.0, 5.0, [0.0]),
    ("log(abs(w - 1))", -4.0, 4.0, [1.0]),
    ("log(w**2)", -3.0, 5.0, [0.0]),
    ("abs(w)**-0.5", -3.0, 5.0, [0.0]),
    ("1/w**2", -4.0, 4.2, [0.0]),
    ("-log(abs(sin(w)))", -3.0, 3.5, [0.0, math.pi]),
])
def test_a_curve_that_runs_off_to_infinity_is_broken_where_it_does(expression, low, high, poles):
    # J is about equally large at the samples either side (log|w| at ±0.01): no sign
    # change and no peak tell the pole there, only |J| growing as one looks closer
    xs, z = curve(expression, low, high)
    assert not any(p in xs for p in poles)
    where = xs[np.isnan(z)]
    assert len(where) == len(poles)
    step = xs[1] - xs[0]
    for pole, x in zip(poles, sorted(where), strict=True):
        assert abs(x - pole) < step  # the NaN is a sample next to the pole
        assert [(a, b) for a, b in drawn_segments(xs, z) if a < pole < b] == []


@pytest.mark.parametrize("expression", ["w**2", "sin(5*w)", "tanh(50*w)", "exp(-w**2)",
                                        "w**3 - 2*w", "abs(w)", "relu(w - 1)", "-abs(w)",
                                        "1/(1 + w**2)", "-log(1 + w**2)", "cos(w)**2", "5 - abs(w - 0.01)",
                                        "log(abs(w) + 1e-3)"])
def test_a_smooth_or_merely_steep_curve_is_drawn_whole(expression):
    xs, z = curve(expression, -3.0, 5.0)
    assert np.all(np.isfinite(z))


def test_a_jump_is_broken_too_since_no_value_lies_between_its_sides():
    xs, z = curve("sign(w)", -3.0, 5.0)
    assert np.isnan(z).sum() == 1
    assert [(a, b) for a, b in drawn_segments(xs, z) if a < 0 < b] == []


def test_break_at_poles_keeps_a_pole_free_curve_and_its_shape():
    xs = np.linspace(-1.0, 1.0, 11)
    values = xs ** 2
    out = break_at_poles(lambda p: p[:, 0] ** 2, xs, values)
    assert np.array_equal(out, values) and out is not values
    one_over = break_at_poles(lambda p: 1 / p[:, 0], np.array([-0.5, 0.5]), np.array([-2.0, 2.0]))
    assert np.isnan(one_over).sum() == 1
