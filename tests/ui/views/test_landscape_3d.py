"""The 3-D landscape: a clear line where OpenGL is missing, a real surface where it is there."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from simulator.lessons.files import load_lesson
from simulator.lessons.model import ExpressionSpec, Lesson, OptimizerSpec
from simulator.ui.binding import bind
from simulator.ui.views.landscape_3d import (
    NO_OPENGL,
    ONE_VARIABLE,
    Landscape3DView,
    bilinear,
    software_rendered,
)
from tests.ui.settling import settle

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
CIRCLE = LESSONS / "14-circle-network.lesson.json"


@pytest.fixture
def controller(make_controller):
    return make_controller()


def seed_lesson(controller):
    spec = ExpressionSpec("w**2", (("w", 3.0),), (("w", (-1.0, 7.0)),))
    controller.set_lesson_now(Lesson("seed", spec, OptimizerSpec("sgd", 0.1)))
    settle(controller)


def test_software_renderers_are_told_apart():
    assert software_rendered("llvmpipe (LLVM 15.0.6, 256 bits)")
    assert not software_rendered("NVIDIA GeForce RTX 3060/PCIe/SSE2")


def test_bilinear_is_exact_on_a_plane_and_clamps_outside():
    xs, ys = np.linspace(0.0, 4.0, 5), np.linspace(-1.0, 1.0, 3)
    gx, gy = np.meshgrid(xs, ys)
    z = 2.0 * gx - 3.0 * gy + 1.0
    px, py = np.array([0.5, 3.25, 1.0]), np.array([0.3, -0.9, 0.0])
    assert np.allclose(bilinear(xs, ys, z, px, py), 2 * px - 3 * py + 1)
    assert bilinear(xs, ys, z, np.array([10.0]), np.array([0.0]))[0] == pytest.approx(9.0)


def test_offscreen_it_says_opengl_is_missing_and_the_app_goes_on(controller, qtbot):
    assert QApplication.platformName() == "offscreen"
    view = bind(controller, Landscape3DView())
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    assert view.gl_view is None
    assert view.message.text() == NO_OPENGL
    assert view.message.isVisible()
    assert "offscreen" in view.message.toolTip()
    assert view.grab_frame() is None
    # The rest keeps working with the view in place.
    controller.set_lesson_now(load_lesson(CIRCLE))
    controller.step()
    settle(controller)
    assert controller.frame().step == 1


@pytest.mark.x11
def test_a_real_opengl_surface_is_drawn_with_the_hiker_on_it(controller, qtbot):
    pytest.importorskip("OpenGL", reason="PyOpenGL is not installed; the 3-D view needs it")
    view = bind(controller, Landscape3DView())
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    assert view.gl_view is not None, view.problem_text
    # pyqtgraph's own programs are compiled for the first OpenGL context only, so one test
    # makes the one GL view of this process, and checks the software-rendering note too.
    if software_rendered(view.renderer):  # Xvfb draws with Mesa's llvmpipe
        assert view.renderer_note.isVisible() and view.renderer in view.renderer_note.text()
    else:
        assert not hasattr(view, "renderer_note")
    controller.set_lesson_now(load_lesson(CIRCLE))
    for _ in range(5):
        controller.step()
    settle(controller)
    qtbot.wait(50)
    frame = view.grab_frame()
    pixels = np.array([[frame.pixelColor(x, y).lightness() for x in range(0, frame.width(), 8)]
                       for y in range(0, frame.height(), 8)], dtype=float)
    assert pixels.std() > 20, "the 3-D frame is blank"
    # The hiker sits over its (x, y) in the drawing's [-1, 1] box.
    axes = controller.workspace.axes
    x, y = axes.project(controller.frame().theta)
    (x0, x1), (y0, y1) = axes.x_range, axes.y_range
    hiker = view.hiker.pos[-1]
    assert hiker[0] == pytest.approx(2 * (x - x0) / (x1 - x0) - 1, abs=1e-5)
    assert hiker[1] == pytest.approx(2 * (y - y0) / (y1 - y0) - 1, abs=1e-5)
    assert len(view.path.pos) == 6
    # One variable: a clear message instead of a surface.
    seed_lesson(controller)
    assert view.stack.currentWidget() is view.message
    assert view.message.text() == ONE_VARIABLE


def test_the_opengl_view_is_made_only_when_the_tab_is_first_shown(controller, qtbot):
    """Issue 15: a window whose 3-D tab is never opened stays a raster surface."""
    view = bind(controller, Landscape3DView())
    qtbot.addWidget(view)
    controller.set_lesson_now(load_lesson(CIRCLE))
    settle(controller)
    assert not view.built and view.gl_view is None
    view.show()
    qtbot.waitExposed(view)
    assert view.built
