"""Each view's figure: which view class draws it, and which of its widgets are controls, not figure.

A figure is a fresh view of the same class as the window's, shown the workspace's state
(``FigureState``) in the figure's theme and laid out at the figure's physical size, off
the screen. Its controls (buttons, check boxes, hints, handles) are hidden, so the file
holds the plot and its legend only; the window's own views, their zoom and their theme
are left alone, so the same lesson gives the same figure whatever the window looks like.

Adding a view is one entry in ``FIGURE_VIEWS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QGraphicsView, QWidget

from ..theme import LIGHT, Theme, theme_manager
from ..views.data_view import DataView
from ..views.formula_view import FormulaView, Section
from ..views.landscape_3d import Landscape3DView, opengl_status
from ..views.landscape_view import LandscapeView
from ..views.loss_view import LossView
from ..views.network_view import LayerHeader, NetworkView
from ..views.stepper_view import StepperView
from .state import FigureState

#: printed figures: white paper, black ink, lines and marks that survive a grey-scale copier
PRINT = Theme(
    "print", background="#ffffff", panel="#ffffff", text="#000000", muted="#333333",
    grid="#b0b0b0", hiker="#ffffff", hiker_edge="#000000", trail="#000000",
    step_arrow="#c03000", velocity_arrow="#0050a0", axis_x="#a04000", axis_y="#006040",
    positive="#0050a0", negative="#e0a000", class0="#f0b000", class1="#003070",
    train_loss="#000000", test_loss="#c07000", warning="#704000", error="#a00000",
)
FIGURE_THEMES = {"screen": LIGHT, "print": PRINT}
PRINT_LINES = 1.6  # how much thicker the print theme draws lines
PRINT_MARKS = 1.3  # and marks


class FigureError(ValueError):
    """A figure that cannot be drawn here (the 3-D view without OpenGL), said in one line."""


@dataclass(frozen=True)
class FigureView:
    """One view that can be a figure: its menu label, its class, and its controls' names.

    ``controls`` are attribute names of the view's widgets that are hidden in a figure;
    ``tidy`` does whatever else the view needs (a diagram's per-layer buttons).
    """

    label: str
    make: Callable[[], QWidget]
    controls: tuple[str, ...] = ()
    tidy: Callable[[QWidget], None] | None = None


def _tidy_network(view: NetworkView) -> None:
    view.set_stepper(None)  # the stepper's marks belong to its own figure
    for header in view.findChildren(LayerHeader):
        for button in (header.minus, header.plus):
            if button is not None:
                button.hide()
        header.title.setText(header.title.text().removesuffix(" ▾"))


def _tidy_formula(view: FormulaView) -> None:
    view.set_stepper(None)
    view.note.hide()
    view.scroll.show()
    view.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for section in view.findChildren(Section):
        section.button.setArrowType(Qt.ArrowType.NoArrow)  # a title, not a fold handle
    view.epsilon_edit.setFrame(False)  # ε's value stays; its text box does not look like one
    view.epsilon_edit.setReadOnly(True)


def _tidy_data(view: DataView) -> None:
    # The caption's first line is the legend (classes, filled and hollow); the second says
    # what clicks do, which a printed figure does not need.
    view.caption.setText(view.caption.text().split("<br>")[0])


def _tidy_stepper(view: StepperView) -> None:
    for button in view.phase_buttons.values():
        button.hide()
    view.delegate.show_copy = False  # each row's "LaTeX" link
    for area in view.findChildren(QAbstractScrollArea):  # a scroll bar is a control
        area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


def _make_3d() -> QWidget:
    problem, _renderer = opengl_status()
    if problem is not None:
        raise FigureError(f"the 3-D landscape needs OpenGL, which this display lacks ({problem}); "
                          "export it from the window, or run under xvfb-run")
    view = Landscape3DView()
    view.build()
    return view


FIGURE_VIEWS: dict[str, FigureView] = {
    "landscape": FigureView("Landscape 2-D", LandscapeView,
                            ("log_box", "fit_button", "note_label")),
    "landscape3d": FigureView("Landscape 3-D", _make_3d, ("log_box", "note", "renderer_note")),
    "network": FigureView("Network diagram", NetworkView, ("toolbar", "inspector"), _tidy_network),
    "formula": FigureView("Formula", FormulaView, ("chooser", "graph_hint", "epsilon_error"),
                          _tidy_formula),
    "loss": FigureView("Loss curve", LossView, ("log_box", "metrics")),
    "data": FigureView("Data", DataView, (), _tidy_data),
    "stepper": FigureView("Backprop stepper", StepperView,
                          ("slider", "hint", "previous_button", "next_button", "copy_button",
                           "copy_all_button", "sample_spin", "sample_title", "batch_check"),
                          _tidy_stepper),
}
WINDOW = "window"
#: every name ``--view`` takes, in menu order
VIEW_NAMES = (*FIGURE_VIEWS, WINDOW)


def view_label(name: str) -> str:
    """Return a view's name as the Export dialog shows it."""
    return "Whole window" if name == WINDOW else FIGURE_VIEWS[name].label


@contextmanager
def figure_theme(theme: Theme) -> Iterator[None]:
    """Make ``theme`` the one views read while a figure is built (no window restyles)."""
    manager = theme_manager()
    before = manager.theme
    manager.theme = theme
    try:
        yield
    finally:
        manager.theme = before


def build_figure(name: str, state: FigureState, layout: tuple[int, int],
                 theme: str = "screen") -> QWidget:
    """Return a fresh view drawing ``state`` alone, laid out at ``layout`` pixels, off the screen.

    The caller owns the widget and closes it (``close_figure``) once painted.
    """
    kind = FIGURE_VIEWS[name]
    with figure_theme(FIGURE_THEMES[theme]):
        view = kind.make()
        palette = view.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(FIGURE_THEMES[theme].background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(FIGURE_THEMES[theme].text))
        view.setPalette(palette)  # one background for the plot and its legend
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(QSize(*layout))
        state.show_to(view)
        view.show()
        settle(view)
        state.show_to(view)  # again, now at its final size: labels placed for it
        settle(view)
        for control in kind.controls:  # after the state: a setter may show a control again
            widget = getattr(view, control, None)
            if widget is not None:
                widget.hide()
        for area in view.findChildren(QGraphicsView):
            area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        settle(view)  # the plot takes the controls' room (a diagram lays itself out again)
        if kind.tidy is not None:
            kind.tidy(view)
            settle(view)
        if theme == "print":
            thicken(view, PRINT_LINES)
    return view


def settle(view: QWidget) -> None:
    """Deliver the layout and resize events a new widget has posted (no timers, no input)."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        if view.layout() is not None:
            view.layout().activate()


def thicken(view: QWidget, factor: float) -> None:
    """Draw every plotted line of a view ``factor`` times as thick (the print theme)."""
    for area in view.findChildren(QGraphicsView):
        for item in area.scene().items():
            if isinstance(item, pg.PlotCurveItem):
                pen = QPen(item.opts["pen"])
                if pen.style() != Qt.PenStyle.NoPen:
                    pen.setWidthF(max(1.5, pen.widthF() * factor))
                    item.setPen(pen)


def marks_scale(theme: str) -> float:
    """Return how much larger a theme draws scatter marks."""
    return PRINT_MARKS if theme == "print" else 1.0


def close_figure(view: QWidget) -> None:
    """Close and free a figure's view."""
    view.close()
    view.deleteLater()
