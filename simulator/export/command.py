"""``backprop-hiker export``: open a lesson without a screen, run it, and write a figure.

The lesson is run to its step K (``--step``, counted from 1) and then N optimizer steps
(``--steps``); the view is drawn alone as a figure (``simulator.ui.figures``), or the
whole window as it would look at that size. ``--frames`` writes the hiker walking: a GIF,
or a numbered PNG series for a ``.png`` name.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

from simulator.ui.figures.spec import DEFAULT_DPI, figure_spec, format_of

SETTLE_SECONDS = 0.6  # longer than any view's redraw throttle


def export_lesson(lesson: str, output: str, steps: int = 0, view: str = "window",
                  size: str = "1600x1000", *, step: int | None = None, scale: int = 1,
                  dpi: float = DEFAULT_DPI, theme: str = "screen", frames: int | None = None,
                  every: int = 1) -> list[Path]:
    """Write ``view`` of a lesson, run to its step ``step`` and ``steps`` more, into ``output``.

    Return the files written (one, or a PNG series). Raise ValueError with one line for
    any bad input, before anything is written.
    """
    from simulator.ui.figures.catalog import VIEW_NAMES, WINDOW

    spec = figure_spec(view, size, dpi, scale, theme, VIEW_NAMES)
    fmt = format_of(output)
    if not 0 <= steps <= 1_000_000:
        raise ValueError(f"--steps must be 0–1000000, got {steps}")
    if fmt == ".gif" and frames is None:
        frames = 1
    if frames is not None:
        if fmt not in (".gif", ".png"):
            raise ValueError("--frames: an animation is a .gif, or a .png series (OUT-0000.png…)")
        if view == WINDOW:
            raise ValueError("--frames: animate one view (--view landscape…), not the window")
        from simulator.ui.figures.animation import MAX_FRAMES

        # here, before the training (the walk checks them only as its first frame is drawn,
        # and a .png series of 0 frames drew none: an IndexError after the training)
        if not 1 <= frames <= MAX_FRAMES:
            raise ValueError(f"--frames must be 1–{MAX_FRAMES}, got {frames}")
        if not 1 <= every <= 100_000:
            raise ValueError(f"--every must be 1–100000, got {every}")
    # Offscreen: no window flashes up. The 3-D view needs OpenGL, which only a display has.
    wants_gl = view == "landscape3d" and os.environ.get("DISPLAY")
    if not os.environ.get("QT_QPA_PLATFORM"):  # set but empty is unset too (else Qt aborts)
        os.environ["QT_QPA_PLATFORM"] = "xcb" if wants_gl else "offscreen"
    from simulator.ui.application import qt_application

    app = qt_application()
    workspace, title = _run(lesson, step, steps)
    if view == WINDOW:
        return [_export_window(app, workspace, spec, fmt, output, title)]
    from simulator.ui.figures.animation import gif_bytes, walk, write_series
    from simulator.ui.figures.painting import write_atomically

    if frames is not None:
        images = walk(workspace, spec, frames, every)
        if fmt == ".gif":
            return [write_atomically(output, gif_bytes(images))]
        return write_series(output, images, frames)
    return [_export_view(workspace, spec, fmt, output, title)]


def _run(lesson: str, step: int | None, steps: int):
    """Return a workspace with the lesson open, at its step ``step`` then ``steps`` further."""
    from simulator.lessons.checking import LessonError
    from simulator.lessons.files import load_lesson
    from simulator.workspace.errors import EditError
    from simulator.workspace.formula_builds import GaveUp, build_within_budget
    from simulator.workspace.workspace import Workspace

    try:
        lesson_model = load_lesson(lesson)
    except LessonError as exc:
        raise ValueError(f"{lesson}: {exc}" if exc.path else str(exc)) from None
    count = len(lesson_model.steps)
    if step is not None and not 1 <= step <= count:
        raise ValueError(f"--step: {Path(lesson).name} has "
                         f"{f'steps 1–{count}' if count else 'no steps'}; got {step}")
    workspace = Workspace()
    try:
        change = workspace.starting(lesson_model)
        # a formula's sympy work once, within its budget (Qt's threads run: no worker forked here)
        change.make(None if change.formula is None else
                    build_within_budget(change.formula, model=True, fork_here=False))
        if step is not None:
            workspace.enter_step(step - 1)
        # a run that diverges stops there, and is drawn so; a step that diverged is drawn as it is
        if steps and workspace.session.status != "diverged":
            workspace.step(steps)
    except GaveUp as exc:
        raise ValueError(exc.line(lesson)) from None
    except EditError as exc:
        raise ValueError(f"{lesson}: {exc}") from None
    return workspace, lesson_model.title


def _export_view(workspace, spec, fmt: str, output: str, title: str) -> Path:
    """Write one view's figure; say on stderr, in one line, if it was shrunk to fit its size."""
    from simulator.ui.figures.catalog import build_figure, close_figure, fit_note, marks_scale
    from simulator.ui.figures.painting import figure_bytes, write_atomically
    from simulator.ui.figures.state import FigureState

    state = FigureState.of(workspace)
    view = build_figure(spec.view, state, spec.layout, spec.theme)
    try:
        written = write_atomically(output, figure_bytes(view, spec, fmt, title,
                                                        marks_scale(spec.theme)))
        note = fit_note(view, spec, state)
        if note is not None:
            print(f"note: {note}", file=sys.stderr)
        return written
    finally:
        close_figure(view)


def _fit_window(app, window, spec) -> None:
    """Lay a window that cannot be as small as the figure out larger, in its proportions.

    It is painted shrunk to the figure (``PAPER``) and says so on stderr; before, a window
    taller than the figure at its least size was cut at the figure's foot.
    """
    from PySide6.QtCore import QSize

    from simulator.ui.figures.painting import PAPER

    width, height = spec.layout
    app.processEvents()
    zoom = max(window.width() / width, window.height() / height)
    if zoom <= 1.0:
        return
    window.resize(math.ceil(width * zoom), math.ceil(height * zoom))
    app.processEvents()
    window.setProperty(PAPER, QSize(width, height))
    cm = [math.ceil(side * zoom * 10) / 10 for side in spec.physical_cm]
    print(f"note: the whole window at {spec.physical_cm[0]:.1f} × {spec.physical_cm[1]:.1f} cm "
          f"is drawn at {1 / zoom:.0%} to fit (its text below 9 pt); {cm[0]:.1f} × {cm[1]:.1f} "
          "cm or larger keeps it at its size", file=sys.stderr)


def _export_window(app, workspace, spec, fmt: str, output: str, title: str) -> Path:
    """Paint the whole window, laid out at the figure's size, once its grids have arrived."""
    from simulator.ui.controller import SessionController
    from simulator.ui.figures.catalog import window_theme
    from simulator.ui.figures.painting import figure_bytes, write_atomically
    from simulator.ui.main_window import MainWindow
    from simulator.ui.screen_fit import plan_for

    if fmt == ".gif":
        raise ValueError("--view window: a window is a .png, .svg or .pdf, not a .gif")
    controller = SessionController(workspace=workspace)
    window = MainWindow(controller)  # every view shows the trained state from the start
    try:
        width, height = spec.layout
        window.resize(width, height)
        window.arrange_docks(plan_for(width, height))  # for the figure's size
        window.show()
        controller.grids.wait(30_000)
        # Deliver the grids (coarse, then fine) and let throttled views (neuron maps) catch up.
        settle = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < settle:
            app.processEvents()
            controller.grids.wait(30_000)
            time.sleep(0.01)
        _fit_window(app, window, spec)
        with window_theme(spec.theme):
            return write_atomically(output, figure_bytes(window, spec, fmt, title))
    finally:
        controller.grids.cancel()
        controller.grids.wait()
        window.close()
        window.deleteLater()
        app.processEvents()
