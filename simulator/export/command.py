"""``backprop-hiker export``: open a lesson without a screen, train, and paint a view to a file."""

from __future__ import annotations

import os
import time
from pathlib import Path

VIEWS = ("window", "landscape", "loss", "data", "network")
SETTLE_SECONDS = 0.6  # longer than any view's redraw throttle


def export_lesson(lesson: str, output: str, steps: int = 0, view: str = "window",
                  size: str = "1600x1000") -> Path:
    """Render ``view`` of a lesson after ``steps`` optimizer steps into ``output``."""
    if view not in VIEWS:
        raise ValueError(f"--view: choose one of {', '.join(VIEWS)}; got {view!r}")
    if not 0 <= steps <= 1_000_000:
        raise ValueError(f"--steps must be 0–1000000, got {steps}")
    if Path(output).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"{output}: choose a .png, .svg or .pdf file name")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from simulator.lessons.checking import LessonError
    from simulator.lessons.files import load_lesson
    from simulator.ui.controller import SessionController
    from simulator.ui.main_window import MainWindow
    from simulator.ui.screen_fit import plan_for
    from simulator.workspace.errors import EditError
    from simulator.workspace.workspace import Workspace

    from .render import parse_size, render_widget

    pixels = parse_size(size)
    try:
        lesson_model = load_lesson(lesson)
    except LessonError as exc:
        raise ValueError(f"{lesson}: {exc}" if exc.path else str(exc)) from None
    workspace = Workspace()
    try:
        workspace.set_lesson(lesson_model)
        workspace.step(steps)  # a run that diverges stops there, and is drawn so
    except EditError as exc:
        raise ValueError(f"{lesson}: {exc}") from None
    app = QApplication.instance() or QApplication([])
    controller = SessionController(workspace=workspace)
    window = MainWindow(controller)  # every view shows the trained state from the start
    try:
        widget = window.view_widget(view)
        window.resize(pixels)
        window.arrange_docks(plan_for(pixels.width(), pixels.height()))  # for the figure's size
        window.show()
        if view != "window":  # then the view alone, at the size asked for
            widget.setParent(None)
            widget.resize(pixels)
            widget.show()
        controller.grids.wait(30_000)
        # Deliver the grids (coarse, then fine) and let throttled views (neuron maps) catch up.
        settle = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < settle:
            app.processEvents()
            controller.grids.wait(30_000)
            time.sleep(0.01)
        return render_widget(widget, output, title=lesson_model.title)
    finally:
        controller.grids.cancel()
        controller.grids.wait()
        if view != "window":
            widget.close()
        window.close()
        window.deleteLater()
        app.processEvents()
