import numpy as np
import pytest
import sympy as sp

from simulator.engine.problems import ExpressionProblem
from simulator.symbolic.derivatives import gradient, hessian
from simulator.symbolic.parsing import parse_formula, symbol
from simulator.symbolic.surfaces import SURFACES, surface_problem

EXPECTED = {"seed", "bowl", "ravine", "rosenbrock", "saddle", "himmelblau", "two_valleys",
            "plateau"}


def descend(problem, learning_rate, steps):
    """Plain gradient descent: θ ← θ − η ∇J(θ), nothing else."""
    theta = problem.initial_theta()
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta - learning_rate * problem.gradient(theta)
        path.append(theta.copy())
    return np.array(path)


def test_registry_holds_the_built_in_surfaces():
    assert set(SURFACES) == EXPECTED
    for name, surface in SURFACES.items():
        assert surface.name == name
        assert surface.title and surface.description.endswith(".")
        assert surface.learning_rate > 0 and surface.steps > 0
        formula = parse_formula(surface.expression)
        assert formula.variables == surface.variables
        assert len(surface.start) == len(surface.ranges) == len(surface.variables)
        for value, (low, high) in zip(surface.start, surface.ranges, strict=True):
            assert low < value < high
        for minimum in surface.minima:
            assert len(minimum.point) == len(surface.variables)


def test_seed_surface():
    seed = SURFACES["seed"]
    assert seed.expression == "w**2" and seed.start == (3.0,) and seed.ranges == ((-4.0, 4.0),)
    problem = surface_problem("seed")
    assert isinstance(problem, ExpressionProblem)
    assert problem.loss(problem.initial_theta()) == 9.0
    assert problem.gradient(problem.initial_theta()).tolist() == [6.0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_stored_minima_are_minima(name):
    surface = SURFACES[name]
    formula = parse_formula(surface.expression)
    point = lambda m: {symbol(v): sp.Float(c, 30)  # noqa: E731
                       for v, c in zip(surface.variables, m.point, strict=True)}
    for minimum in surface.minima:
        slope = [float(d.xreplace(point(minimum))) for d in gradient(formula)]
        assert np.allclose(slope, 0.0, atol=1e-9), (name, minimum, slope)
        curvature = np.array(hessian(formula).xreplace(point(minimum)).tolist(), dtype=float)
        assert np.all(np.linalg.eigvalsh(curvature) > 0), (name, minimum)
    if surface.minima:
        values = {m: float(formula.expression.xreplace(point(m))) for m in surface.minima}
        lowest = min(values.values())
        for minimum, value in values.items():
            assert minimum.is_global == (value == pytest.approx(lowest, abs=1e-9))


@pytest.mark.parametrize("name", ["seed", "bowl", "ravine", "rosenbrock", "himmelblau",
                                  "plateau"])
def test_gradient_descent_reaches_a_stored_minimum(name):
    surface = SURFACES[name]
    final = descend(surface_problem(name), surface.learning_rate, surface.steps)[-1]
    distances = [np.linalg.norm(final - np.array(m.point)) for m in surface.minima]
    assert min(distances) < 1e-3, (name, final)


def test_two_valleys_traps_the_hiker_in_the_local_minimum():
    surface = SURFACES["two_valleys"]
    local = next(m for m in surface.minima if not m.is_global)
    best = next(m for m in surface.minima if m.is_global)
    final = descend(surface_problem("two_valleys"), surface.learning_rate, surface.steps)[-1]
    assert np.linalg.norm(final - np.array(local.point)) < 1e-6
    assert np.linalg.norm(final - np.array(best.point)) > 1
    problem = surface_problem("two_valleys")
    assert problem.loss(np.array(best.point)) < problem.loss(np.array(local.point))


def test_saddle_has_no_minimum_and_the_hiker_slides_off():
    surface = SURFACES["saddle"]
    assert surface.minima == () and "saddle" in surface.note
    assert surface.start[1] != 0  # a little off the axis, or the hiker stops at the saddle
    path = descend(surface_problem("saddle"), surface.learning_rate, surface.steps)
    closest = np.argmin(np.linalg.norm(path, axis=1))
    assert np.linalg.norm(path[closest]) < 0.5  # it comes near the saddle point
    assert abs(path[-1][1]) > 1 and abs(path[-1][0]) < 0.01  # then leaves along w2
    assert surface_problem("saddle").loss(path[-1]) < 0


def test_plateau_makes_the_hiker_crawl_then_drop():
    surface = SURFACES["plateau"]
    path = descend(surface_problem("plateau"), surface.learning_rate, surface.steps)
    first_50 = np.linalg.norm(path[50] - path[0])
    assert first_50 < 0.2  # fifty steps on the plain move it very little
    assert np.linalg.norm(path[-1]) < 1e-6  # and yet it gets to the bottom


def test_rosenbrock_diverges_with_a_large_learning_rate():
    path = descend(surface_problem("rosenbrock"), 0.01, 50)
    assert not np.all(np.isfinite(path[-1])) or np.linalg.norm(path[-1]) > 1e3


def test_unknown_surface():
    with pytest.raises(ValueError, match="unknown surface 'nope'; surfaces: seed"):
        surface_problem("nope")
