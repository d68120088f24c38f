"""What the controls offer: activations, losses, optimizers, datasets, lessons and surfaces.

Views and controls read these tables instead of importing the engine, the symbolic
package or the lesson files; each table comes from the registry it describes, so a new
optimizer or dataset appears in the menus by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simulator.engine.datasets import DESCRIPTIONS, GENERATORS, MAX_SAMPLES
from simulator.engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from simulator.engine.initializers import INITIALIZERS
from simulator.engine.network import MAX_HIDDEN_LAYERS, MAX_NEURONS
from simulator.engine.optimizers import OPTIMIZERS
from simulator.engine.schedules import GAMMA_DEFAULTS as SCHEDULE_GAMMAS
from simulator.engine.schedules import KINDS as SCHEDULE_KINDS
from simulator.engine.schedules import SETTINGS as SCHEDULE_SETTINGS
from simulator.engine.session import OptimizerConfig
from simulator.lessons.catalog import builtin_lessons
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson
from simulator.lessons.model import Lesson, NetworkSpec

from .network_edits import ACTIVATION_NAMES, LOSS_NAMES

__all__ = [
    "ACTIVATIONS", "ACTIVATION_NAMES", "DESCRIPTIONS", "GENERATORS", "HIDDEN_ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES", "LOSS_NAMES", "MAX_HIDDEN_LAYERS", "MAX_NEURONS", "MAX_SAMPLES", "OPTIMIZERS",
    "SCHEDULE_GAMMAS", "SCHEDULE_KINDS", "SCHEDULE_SETTINGS",
    "LessonChoice", "OptimizerConfig", "SurfaceChoice", "lessons", "network_lessons", "surfaces",
]


@dataclass(frozen=True)
class LessonChoice:
    """A built-in lesson as a menu shows it."""

    title: str
    description: str
    path: Path


@dataclass(frozen=True)
class SurfaceChoice:
    """A built-in formula surface as a menu shows it."""

    name: str
    title: str
    description: str
    expression: str


@cache
def _builtin() -> tuple[tuple[Lesson, Path], ...]:
    """Return every built-in lesson that loads, with its file, in teaching order."""
    found = []
    for path in builtin_lessons():
        try:
            found.append((load_lesson(path), path))
        except LessonError:
            continue  # a broken built-in is reported by the lesson tests, not here
    return tuple(found)


def lessons() -> tuple[LessonChoice, ...]:
    """Return every built-in lesson by title, in teaching order."""
    return tuple(_choice(lesson, path) for lesson, path in _builtin())


def network_lessons() -> tuple[LessonChoice, ...]:
    """Return the built-in lessons whose problem is a network, in teaching order."""
    return tuple(_choice(lesson, path) for lesson, path in _builtin()
                 if isinstance(lesson.problem, NetworkSpec))


def _choice(lesson: Lesson, path: Path) -> LessonChoice:
    return LessonChoice(lesson.title, lesson.description or lesson.title, path)


def surfaces() -> tuple[SurfaceChoice, ...]:
    """Return the built-in formula surfaces (none if sympy cannot be loaded)."""
    try:
        from simulator.symbolic.surfaces import SURFACES
    except ImportError:
        return ()
    return tuple(SurfaceChoice(s.name, s.title, s.description, s.expression) for s in SURFACES.values())
