"""Built-in cost surfaces: named formulas with a start, a learning rate and their minima.

Each one shows something about gradient descent (a ravine's zig-zag, Rosenbrock's slow
valley, a saddle, a plateau, a local minimum that traps the hiker). Plain data: sympy
is only imported when ``surface_problem`` builds one for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine.problems import ExpressionProblem


@dataclass(frozen=True)
class Minimum:
    """A known minimum of a surface: its point, and whether it is a global one."""

    point: tuple[float, ...]
    is_global: bool = True


@dataclass(frozen=True)
class Surface:
    """A named formula problem and how to walk it with plain gradient descent.

    ``start`` and ``ranges`` hold one entry per variable, in ``variables`` order.
    ``steps`` is how many steps at ``learning_rate`` the walk takes to show its point
    (to reach a minimum where there is one). ``note`` says what to watch for.
    """

    name: str
    title: str
    description: str
    expression: str
    variables: tuple[str, ...]
    start: tuple[float, ...]
    ranges: tuple[tuple[float, float], ...]
    learning_rate: float
    steps: int
    minima: tuple[Minimum, ...]
    note: str = ""

    def problem(self) -> ExpressionProblem:
        """Return the engine problem of this surface."""
        from .problems import expression_problem

        return expression_problem(
            self.expression,
            dict(zip(self.variables, self.start, strict=True)),
            dict(zip(self.variables, self.ranges, strict=True)),
            [m.point for m in self.minima],
        )


@dataclass(frozen=True)
class SeedRow:
    """One row of the seed lesson's table: a function of w and its derivative as text."""

    function: str
    derivative: str


#: the seed lesson's "Common Derivatives in Machine Learning" table
SEED_TABLE: tuple[SeedRow, ...] = (
    SeedRow("w^2", "2*w"),
    SeedRow("w^3", "3*w**2"),
    SeedRow("1/w", "-1/w**2"),
)

_W12 = ("w1", "w2")

_ALL: tuple[Surface, ...] = (
    Surface(
        "seed", "The seed's J(w) = w²",
        "The cost J(w) = w squared: at w = 3 the slope is 6, so the hiker steps left "
        "towards the bottom at w = 0.",
        "w**2", ("w",), (3.0,), ((-4.0, 4.0),), 0.1, 60, (Minimum((0.0,)),),
    ),
    Surface(
        "bowl", "Round bowl",
        "A round bowl where the slope always points straight at the bottom, so gradient "
        "descent walks a straight line to it.",
        "w1**2 + w2**2", _W12, (3.0, -2.0), ((-4.0, 4.0), (-4.0, 4.0)), 0.1, 100,
        (Minimum((0.0, 0.0)),),
    ),
    Surface(
        "ravine", "Elongated ravine",
        "A long narrow valley, ten times steeper across than along, so the hiker "
        "zig-zags from wall to wall while creeping along the floor.",
        "w1**2 + 10*w2**2", _W12, (-3.5, 1.5), ((-4.0, 4.0), (-2.0, 2.0)), 0.09, 150,
        (Minimum((0.0, 0.0)),),
        "Raise the learning rate past 0.1 and the zig-zag across the valley grows "
        "instead of shrinking: the walk diverges.",
    ),
    Surface(
        "rosenbrock", "Rosenbrock's banana valley",
        "A curved, almost flat-bottomed banana-shaped valley: finding the valley is quick, "
        "walking along it to the minimum at (1, 1) takes thousands of steps.",
        "(1 - w1)**2 + 100*(w2 - w1**2)**2", _W12, (-1.5, 2.0), ((-2.0, 2.0), (-1.0, 3.0)),
        0.001, 20000, (Minimum((1.0, 1.0)),),
        "The walls are steep, so the learning rate must stay small (about 0.001); "
        "momentum or Adam walk the valley floor much faster.",
    ),
    Surface(
        "saddle", "Saddle point",
        "A saddle shaped like a horse's seat, curving up along w1 and down along w2, so "
        "the hiker slows down near the middle and then slides off sideways.",
        "w1**2 - w2**2", _W12, (3.0, 0.01), ((-4.0, 4.0), (-4.0, 4.0)), 0.1, 30, (),
        "There is no minimum: (0, 0) is a saddle point where the gradient is zero but the "
        "cost keeps falling along w2. Starting exactly on the w1 axis the hiker would stop "
        "there, so the start is a little off it.",
    ),
    Surface(
        "himmelblau", "Himmelblau's four valleys",
        "A surface with four equally deep minima, so which one the hiker reaches depends "
        "only on where it starts.",
        "(w1**2 + w2 - 11)**2 + (w1 + w2**2 - 7)**2", _W12, (0.0, 0.0),
        ((-5.0, 5.0), (-5.0, 5.0)), 0.01, 500,
        (
            Minimum((3.0, 2.0)),
            Minimum((-2.805118086952745, 3.131312518250573)),
            Minimum((-3.779310253377747, -3.283185991286170)),
            Minimum((3.584428340330492, -1.848126526964404)),
        ),
        "All four minima have cost 0. Move the start to each quarter of the map to reach "
        "each of them.",
    ),
    Surface(
        "two_valleys", "Local versus global minimum",
        "Two valleys of different depth: starting on the left the hiker settles in the "
        "shallow valley at w1 = -1 and never sees the deeper one at w1 = 2.",
        "w1**4/4 - w1**3/3 - w1**2 + w2**2", _W12, (-2.0, 1.5), ((-2.5, 3.0), (-2.0, 2.0)),
        0.1, 200,
        (Minimum((2.0, 0.0), is_global=True), Minimum((-1.0, 0.0), is_global=False)),
        "The gradient is zero at both bottoms, so gradient descent cannot tell a local "
        "minimum (cost -5/12) from the global one (cost -8/3). Start right of w1 = 0 to "
        "reach the global one.",
    ),
    Surface(
        "plateau", "Plateau around a well",
        "A wide, almost flat plain around a narrow well: the slope is so small that the "
        "hiker crawls for over a hundred steps, then drops in within a few dozen.",
        "1 - exp(-(w1**2 + w2**2))", _W12, (2.2, 1.6), ((-3.0, 3.0), (-3.0, 3.0)), 0.4, 300,
        (Minimum((0.0, 0.0)),),
        "A small gradient does not mean the minimum is near: here it means the ground is "
        "flat. Momentum and Adam cross the plain much faster.",
    ),
)

#: every built-in surface by name
SURFACES: dict[str, Surface] = {surface.name: surface for surface in _ALL}


def surface_problem(name: str) -> ExpressionProblem:
    """Return the engine problem of a built-in surface, by name."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; surfaces: {', '.join(SURFACES)}")
    return SURFACES[name].problem()
