"""Shared fixtures of the Qt tests: controllers that stop their timer and threads afterwards."""

from pathlib import Path

import pytest

from simulator.lessons.files import load_lesson
from simulator.ui.controller import SessionController

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.fixture
def make_controller(qtbot):
    """Return a factory of controllers (on a built-in lesson file's name, or none)."""
    made = []

    def make(lesson: str | Path | None = None) -> SessionController:
        controller = SessionController()
        if lesson is not None:
            controller.set_lesson(load_lesson(LESSONS / lesson))
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.pause()
        controller.grids.cancel()
        controller.grids.wait()


@pytest.fixture
def controller(make_controller):
    """Return a controller on the reference network lesson (2-8-8-1 on the circle)."""
    return make_controller("06-circle-network.lesson.json")
