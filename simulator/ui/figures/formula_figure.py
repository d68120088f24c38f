"""The formula panel as a figure: its sections in a grid that fits the figure at 9–11 pt.

On screen the panel stacks its sections and scrolls. A figure cannot scroll, so its
sections are put in a grid (the graph beside the cost and the nudge, or below them
side by side, or all stacked) and the first layout that fits whole at the figure's text
size is kept. Content goes last: decoration (captions, the nudge read out as a
sentence, then the section titles and the graph's legend) is dropped before a section,
and the nudge test before the graph. A section left out is named by ``left_out``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from ..views.formula_view import FormulaView

ATTRIBUTE = "figure_layout"  # the FormulaLayout a figure's view is arranged in
SPACING = 10  # between the grid's cells
POINTS = "figure_points"  # a widget property: its text's size in the figure, in points
#: the least and most points a text panel's figure sets its text in (issue 11: 9–11 pt labels)
TEXT_POINTS = (9.0, 11.0)


@dataclass(frozen=True)
class FormulaLayout:
    """Which sections a formula figure shows, where, and how much decoration."""

    nudge: bool = True
    graph: bool = True
    arrangement: str = "stacked"  # "stacked", "graph beside" or "graph below"
    #: 2: everything; 1: no captions or sentence; 0: no titles or legend, every text at 9 pt
    decoration: int = 2


def candidates() -> Iterator[FormulaLayout]:
    """Yield the layouts to try, the most content first, then the most decoration."""
    for nudge, graph in ((True, True), (False, True), (True, False), (False, False)):
        both = nudge and graph
        arrangements = ("stacked", "graph beside", "graph below") if both else \
            ("stacked", "graph beside") if graph else ("stacked", "side by side")
        if not nudge and not graph:
            arrangements = ("stacked",)
        for decoration, arrangement in product((2, 1, 0), arrangements):
            yield FormulaLayout(nudge, graph, arrangement, decoration)


def _grid(view: FormulaView) -> QGridLayout:
    """Return the grid a figure's sections sit in, making it the first time."""
    host = view.content.findChild(QWidget, "figure_grid")
    if host is None:
        host = QWidget(view.content)
        host.setObjectName("figure_grid")
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(SPACING)
        content = view.content.layout()
        content.insertWidget(0, host, 1)
        for k in range(1, content.count()):
            content.setStretch(k, 0)  # the panel's closing stretch: the grid takes the room
    return host.layout()


def arrange(view: FormulaView, layout: FormulaLayout) -> None:
    """Put the view's sections where ``layout`` says and show only its decoration."""
    setattr(view, ATTRIBUTE, layout)
    apply(view)


def apply(view: FormulaView) -> None:
    """Show the view in its figure layout again (a new problem remakes its rows)."""
    layout: FormulaLayout | None = getattr(view, ATTRIBUTE, None)
    if layout is None:
        return
    if view._drawing is not None:  # noqa: SLF001 - a figure's numbers stay: boxes fit them
        view._drawing.fit_texts()  # noqa: SLF001
    grid = _grid(view)
    cost, nudge, graph = view.cost_section, view.nudge_section, view.graph_section
    for section in (cost, nudge, graph):
        grid.removeWidget(section)
    places = {
        "stacked": {cost: (0, 0, 1, 1), nudge: (1, 0, 1, 1), graph: (2, 0, 1, 1)},
        "graph beside": {cost: (0, 0, 1, 1), nudge: (1, 0, 1, 1), graph: (0, 1, 3, 1)},
        "graph below": {cost: (0, 0, 1, 1), nudge: (0, 1, 1, 1), graph: (1, 0, 1, 2)},
        "side by side": {cost: (0, 0, 1, 1), nudge: (0, 1, 1, 1), graph: (1, 0, 1, 2)},
    }[layout.arrangement]
    shown = {cost: True, nudge: layout.nudge, graph: layout.graph}
    for section, place in places.items():
        grid.addWidget(section, *place)
        section.setVisible(shown[section])
    rows = max(row + span for row, _, span, _ in places.values())
    for k in range(3):  # the text sits at the top; the graph takes the room left
        grid.setRowStretch(k, 1 if k == rows - 1 else 0)
        grid.setColumnStretch(k, 1 if k < 2 and layout.arrangement != "stacked" else 0)
    view.graph_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    view.graph_view.setMinimumHeight(0)
    view.graph_view.setMaximumHeight(16_777_215)
    for label in (view.cost_caption, view.sentence, view.mode_label):
        label.setVisible(layout.decoration >= 2)
    for section in (cost, nudge, graph):
        section.button.setVisible(layout.decoration >= 1)
        section.rule.setVisible(layout.decoration >= 1)
    view.legend.setVisible(layout.decoration >= 1)
    _set_points(view, layout.decoration == 0)


def _set_points(view: FormulaView, least: bool) -> None:
    """Set the panel's texts at their figure sizes, or all at the least (``TEXT_POINTS``)."""
    for widget in (view, *view.findChildren(QWidget)):
        font = widget.font()
        size = widget.property(POINTS)
        if size is None:
            size = font.pointSizeF()
            widget.setProperty(POINTS, size)
        wanted = TEXT_POINTS[0] if least and size > 0 else size
        if wanted > 0 and font.pointSizeF() != wanted:
            font.setPointSizeF(wanted)
            widget.setFont(font)


def _graph_sizes(view: FormulaView) -> dict[bool, tuple[float, float]]:
    """Return the graph's size drawn top-down (True) and left to right (False), at scale 1."""
    drawing = view._drawing  # noqa: SLF001 - the panel's graph; a figure lays it out itself
    if drawing is None:
        return {}
    return {vertical: (drawing.placement(vertical).size.width,
                       drawing.placement(vertical).size.height) for vertical in (True, False)}


def _best_direction(view: FormulaView) -> tuple[float, bool]:
    """Return the largest scale at which the graph fits its view, and its direction."""
    room = view.graph_view.viewport().size()
    width, height = room.width() - 2, room.height() - 2
    scales = {vertical: min(width / w, height / h, view.graph_scales[1])
              for vertical, (w, h) in _graph_sizes(view).items()}
    if not scales:
        return 1.0, True
    vertical = scales[True] * 1.05 >= scales[False]  # top-down unless clearly worse
    return scales[vertical], vertical


def fit_graph(view: FormulaView) -> None:
    """Scale the graph to the room its view got in the grid, in the direction it fits larger."""
    drawing = view._drawing  # noqa: SLF001
    if drawing is None or not view.graph_section.isVisibleTo(view):
        return
    scale, vertical = _best_direction(view)
    scale = max(scale, view.graph_scales[0])
    if vertical != drawing.vertical:
        drawing.arrange(vertical)
    view.graph_view.resetTransform()
    view.graph_view.scale(scale, scale)


def graph_room(view: FormulaView) -> float:
    """Return how many times larger the graph's view must be for the graph at its least scale."""
    if view._drawing is None or not view.graph_section.isVisibleTo(view):  # noqa: SLF001
        return 1.0
    scale, _vertical = _best_direction(view)
    return view.graph_scales[0] / max(scale, 1e-9)


def _settle(view: FormulaView) -> None:
    """Deliver the layout events that showing and hiding the sections posted."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        view.layout().activate()


def least_layouts(view: FormulaView, asked: tuple[int, int]) -> list[tuple[float, float]]:
    """Return guesses of the least layout (96-dpi pixels) that shows every section whole, least first.

    The graph at its least scale (its text at 9 pt) in either direction, beside the cost
    and nudge, below them, or under them stacked, each at least as large as ``asked``.
    Guesses: sections' texts wrap, so the caller tries them. The sections are measured
    as the least decoration sets them, and then shown as they were.
    """
    host = _grid(view).parentWidget()
    pad = (view.width() - host.width(), view.height() - host.height())
    shown = getattr(view, ATTRIBUTE, None)
    arrange(view, FormulaLayout(decoration=0))
    _settle(view)
    cost, nudge = view.cost_section.sizeHint(), view.nudge_section.sizeHint()
    if shown is not None:
        arrange(view, shown)
        _settle(view)
    frame = 2 * view.graph_view.frameWidth() + 2
    margins = view.graph_section.body_layout.contentsMargins()
    graph_sizes = [(w * view.graph_scales[0] + frame + margins.left() + margins.right(),
                    h * view.graph_scales[0] + frame + margins.top() + margins.bottom())
                   for w, h in _graph_sizes(view).values()] or [(0.0, 0.0)]
    text_w, text_h = max(cost.width(), nudge.width()), cost.height() + SPACING + nudge.height()
    options = []
    for gw, gh in graph_sizes:
        options += [(max(text_w, gw), text_h + SPACING + gh),  # stacked
                    (text_w + SPACING + gw, max(text_h, gh)),  # graph beside
                    (max(cost.width() + SPACING + nudge.width(), gw),  # graph below
                     max(cost.height(), nudge.height()) + SPACING + gh)]
    sizes = {(max(w + pad[0], asked[0]), max(h + pad[1], asked[1])) for w, h in options}
    return sorted(sizes, key=lambda size: (size[0] * size[1], size))


def choose(view: FormulaView, measure: Callable[[], float]) -> None:
    """Arrange the view in the first layout of ``candidates`` that fits unshrunk."""
    for layout in candidates():
        arrange(view, layout)
        if measure() <= 1.0 + 1e-3:
            return
    measure()

