"""Each view's figure: which view class draws it, and which of its widgets are controls, not figure.

A figure is a fresh view of the same class as the window's, shown the workspace's state
(``FigureState``) in the figure's theme and laid out at the figure's physical size, off
the screen. Its controls (buttons, check boxes, hints, handles) are hidden, so the file
holds the plot and its legend only; the window's own views, their zoom and their theme
are left alone, so the same lesson gives the same figure whatever the window looks like.

Nothing of a figure is cut off. A text panel (the formula, the stepper) is laid out at
the figure's size with its text at 9–11 pt (``TEXT_POINTS``): its rows wrap, and the
formula puts its sections in a grid that fits (``formula_figure``). A view
that needs more room than the figure's size even so (a plot at the least size allowed)
is laid out larger, in the figure's proportions, and painted shrunk to the figure's
size (``paper_size``).

Adding a view is one entry in ``FIGURE_VIEWS``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QGuiApplication,
    QPainterPath,
    QPainterPathStroker,
    QPalette,
    QPen,
    QPolygonF,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGraphicsItem,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QScrollArea,
    QWidget,
)

from ..items.graph_items import label_font, node_fonts
from ..theme import LIGHT, Theme, theme_manager, ui_font
from ..views.data_view import DataView
from ..views.formula_view import FormulaView, Section
from ..views.gradient_view import GradientView
from ..views.landscape_3d import Landscape3DView, opengl_status
from ..views.landscape_view import LandscapeView
from ..views.loss_view import LossView
from ..views.network_view import LayerHeader, NetworkLegend, NetworkView
from ..views.stepper_view import ROW_INSET, StepperView
from . import formula_figure
from .formula_figure import TEXT_POINTS
from .painting import PAPER, label_points, paper_size
from .spec import LAYOUT_DPI, FigureSpec
from .state import FigureState

#: printed figures: white paper, black ink, lines and marks that survive a grey-scale copier
PRINT = Theme(
    "print", background="#ffffff", panel="#ffffff", text="#000000", muted="#333333",
    grid="#b0b0b0", hiker="#ffffff", hiker_edge="#000000", trail="#000000",
    step_arrow="#e05000", velocity_arrow="#0050a0", axis_x="#a04000", axis_y="#006040",
    positive="#0050a0", negative="#e0a000", class0="#f0b000", class1="#003070",
    train_loss="#000000", test_loss="#c07000", warning="#704000", error="#a00000",
)
FIGURE_THEMES = {"screen": LIGHT, "print": PRINT}
PRINT_LINES = 1.6  # how much thicker the print theme draws lines
PRINT_MARKS = 1.3  # and marks
TEXT_SLACK = 1.5  # pixels a text's line box may reach past its view (its leading, not ink)
MAX_FITS = 8  # layouts tried to find the least zoom at which a view fits
MAX_ZOOM = 8.0  # the most a view is shrunk to fit its figure (a text panel's last resort)
LEAST_LEGEND_POINTS = 8.0  # a legend whose text a shrunk figure would draw smaller is left out
NO_LEGEND = "figure_no_legend"  # the property of a figure's view that left its legend out
FIGURE_DIAGRAM = (120, 96)  # a figure's diagram's least size: its labels' (pixels)


LABEL_MARGIN = 4  # pixels a 3-D label keeps from the figure's left edge
#: the landscape legend's names in a narrow figure
SHORT_LEGEND = {"path so far": "path", "where it diverged": "diverged", "; font-size:large": "",
                ", shown ×": " ×"}
LEGEND_GAP = "&nbsp;&nbsp;&nbsp;"  # between the landscape legend's entries
#: the colour bar's title, shorter and shorter, for a bar too short for it
BAR_TITLES = {"loss (log scale)": ("loss (log)", "loss")}
PLOT_LABEL_SHARE = 0.7  # the widest a label inside a figure's plot may be, of the plot's width
LABEL_GAPS = (4.0, 16.0, 32.0)  # pixels a plot's label may keep from the point it labels
TRAIL_END = 6.0  # the radius of the trail's ends that labels keep off
SHAFT_WIDTH = 5.0  # the width of an arrow's shaft that labels keep off
ARROW_HEAD = 18.0  # the length of the landscape's arrow heads (the step's), in pixels
HIKER = 100  # what covering the hiker weighs against covering other marks (one each)


class FigureError(ValueError):
    """A figure that cannot be drawn here (the 3-D view without OpenGL), said in one line."""


@dataclass(frozen=True)
class FigureView:
    """One view that can be a figure: its class and its controls' names (its label: ``spec``).

    ``controls`` are attribute names of the view's widgets that are hidden in a figure;
    ``tidy`` does whatever else the view needs (a diagram's per-layer buttons); ``refit``
    lays the view's content out again for its size, each time the figure's size changes;
    ``room`` says how many times wider the view would have to be to show what it holds.
    ``drop``, given how much the figure is shrunk, leaves out a part whose text that
    would make too small (a legend) and says whether it did; the figure is fitted again.
    A text panel's ``choose`` picks what it shows so that it fits unshrunk (given a
    ``measure`` that lays it out and says how much more room it needs); its ``least``
    guesses the least layouts, at least the one asked, that would show all it holds.
    """

    make: Callable[[], QWidget]
    controls: tuple[str, ...] = ()
    tidy: Callable[[QWidget], None] | None = None
    refit: Callable[[QWidget], None] | None = None
    room: Callable[[QWidget], float] | None = None
    choose: Callable[[QWidget, Callable[[], float]], None] | None = None
    least: Callable[[QWidget, tuple[int, int]], list[tuple[float, float]]] | None = None
    drop: Callable[[QWidget, float], bool] | None = None


def text_in_points(view: QWidget) -> None:
    """Set every text of a panel at 9–11 pt (``TEXT_POINTS``): its size on paper.

    A text panel's figure is laid out at the figure's size and never shrunk, so a
    point is a point in print; the screen's larger headings and formulas come down to
    the figure's most.
    """
    low, high = TEXT_POINTS
    for widget in (view, *view.findChildren(QWidget)):
        font = widget.font()
        size = font.pointSizeF()
        if size > 0 and not low <= size <= high:
            font.setPointSizeF(min(high, max(low, size)))
            widget.setFont(font)


def drawn_points(font: QFont) -> float:
    """Return the size in points Qt sets a font's text at: a whole number of pixels.

    A 10.8 pt tag (14.4 px) is set at 14 px, 10.5 pt: scaled to 9 pt as asked, it
    came out at 8.75 pt.
    """
    dpi = QGuiApplication.primaryScreen().logicalDotsPerInchY()
    return QFontInfo(font).pixelSize() * 72 / dpi


def _tidy_network(view: NetworkView) -> None:
    view.set_stepper(None)  # the stepper's marks belong to its own figure
    view.tags_may_hide = True  # an X or Y tag covers no neuron or label of a figure
    view.diagram.setMinimumSize(*FIGURE_DIAGRAM)  # a small figure is not shrunk below its labels
    if view.property(NO_LEGEND):
        view.legend.hide()
    for header in view.findChildren(LayerHeader):
        header.controls = False
    view.relayout()  # the headers without −/+ (their strip as tall as their text) and ▾


def _drop_network_legend(view: NetworkView, shrunk: float) -> bool:
    """Leave out the diagram's legend if the figure, shrunk by ``shrunk``, sets it below 8 pt.

    At 6.4 × 4.3 cm the legend's two or three rows took a third of the height, and the
    whole figure was drawn at 68%, its text at 6–7 pt; without it, it is drawn at its size.
    """
    points = drawn_points(ui_font(NetworkLegend.SCALE)) * shrunk
    if not view.legend.isVisibleTo(view) or points >= LEAST_LEGEND_POINTS:
        return False
    view.setProperty(NO_LEGEND, True)
    return True


def _tidy_formula(view: FormulaView) -> None:
    view.set_stepper(None)
    if view.model is None:  # a network lesson: the panel's note says what it shows instead
        text_in_points(view)
        return
    view.note.hide()
    view.scroll.show()
    view.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for section in view.findChildren(Section):
        section.button.setArrowType(Qt.ArrowType.NoArrow)  # a title, not a fold handle
    view.epsilon_edit.setFrame(False)  # ε's value stays; its text box does not look like one
    view.epsilon_edit.setReadOnly(True)
    view.epsilon_edit.setMinimumWidth(0)  # as wide as its value, in a narrow column
    for _name, expression, _value in view.cost_rows:  # wraps between words, never inside one
        metrics = expression.fontMetrics()
        expression.setMinimumWidth(max(metrics.horizontalAdvance(word) + 2
                                       for word in expression.text().split() or [""]))
    text_in_points(view)
    sizes = [drawn_points(font) for font in (*node_fonts(), label_font())]
    view.graph_scales = (TEXT_POINTS[0] / min(sizes), TEXT_POINTS[1] / max(sizes))
    formula_figure.apply(view)


def left_out(view: QWidget) -> list[str]:
    """Return the titles of the sections a text panel's figure left out (they did not fit).

    A panel showing none (the formula panel's note on a network lesson) left none out.
    """
    sections = view.findChildren(Section)
    if not any(section.isVisibleTo(view) for section in sections):
        return []
    return [section.button.text() for section in sections if not section.isVisibleTo(view)]


def _shrunk(view: QWidget) -> float:
    """Return how much a figure's view is drawn smaller than laid out (1: not at all)."""
    return paper_size(view).width() / max(1, view.width())


def _is_whole(view: QWidget) -> bool:
    """Return whether a figure shows all it holds at its size, unshrunk."""
    return _shrunk(view) >= 0.97 and not left_out(view)


def unshrunk_cm(view: QWidget, spec: FigureSpec) -> tuple[float, float]:
    """Return the size (cm, rounded up to a millimetre) at which a shrunk figure is drawn at its size."""
    shrunk = _shrunk(view)
    return tuple(math.ceil(side / shrunk * 10) / 10 for side in spec.physical_cm)


def fitting_size(view: QWidget, spec: FigureSpec, state: FigureState) -> tuple[float, float] | None:
    """Return the least size (cm, to half a centimetre) found at which a text panel leaves nothing out.

    The panel's two least guesses (``FigureView.least``) are tried, then the least 10%
    and 21% larger; None for a figure that is whole, or with no guess, or none found.
    """
    kind = FIGURE_VIEWS[spec.view]
    if kind.least is None or _is_whole(view):
        return None
    guesses = kind.least(view, spec.layout)
    (width, height), tried = guesses[0], set()
    for size in [*guesses[:2], (width * 1.1, height * 1.1), (width * 1.21, height * 1.21)]:
        cm = tuple(math.ceil(side / LAYOUT_DPI * 2.54 * 2) / 2 for side in size)
        if cm in tried:
            continue
        tried.add(cm)
        probe = build_figure(spec.view, state, tuple(round(side / 2.54 * LAYOUT_DPI) for side in cm),
                             spec.theme)
        try:
            if _is_whole(probe):
                return cm
        finally:
            close_figure(probe)
    return None


def fit_note(view: QWidget, spec: FigureSpec, state: FigureState | None = None) -> str | None:
    """Return one line saying a figure was shrunk or left something out to fit, or None.

    A shrunk figure's text is below 9 pt; the line says the least size that keeps it whole.
    A text panel that left a section out says the size that shows it (given the figure's
    ``state`` to try it with).
    """
    width_cm, height_cm = spec.physical_cm
    shrunk = _shrunk(view)
    if shrunk < 0.97:
        least = unshrunk_cm(view, spec)
        return (f"{spec.view} at {width_cm:.1f} × {height_cm:.1f} cm is drawn at {shrunk:.0%} "
                f"to fit (its text below {TEXT_POINTS[0]:g} pt); "
                f"{least[0]:.1f} × {least[1]:.1f} cm or larger keeps it at its size")
    missing = left_out(view)
    if missing:
        fitting = fitting_size(view, spec, state) if state is not None else None
        larger = (f"at least {fitting[0]:g} × {fitting[1]:g} cm shows it" if fitting
                  else "a larger figure shows it")
        return (f"{spec.view} at {width_cm:.1f} × {height_cm:.1f} cm leaves out "
                f"{', '.join(missing)}: it does not fit whole at {TEXT_POINTS[0]:g}–"
                f"{TEXT_POINTS[1]:g} pt; {larger}")
    return None


def _tidy_landscape(view: LandscapeView) -> None:
    """Keep the legend to a thin strip, and the plot's labels to one short line each.

    The notes in brackets are for the screen ("momentum (its direction; length scaled to
    be seen)" took a third of a 6.4 cm figure). A legend still over a line takes the
    names' short forms, its swatches and text at the least size, and then leaves out
    entries from the first (the hiker, then its path: the arrows are the ones to name).
    The legend's height moves the plot, and the view places its labels again: they are
    made short once the plot has settled (``_labels_on_a_line``).
    """
    for _ in range(2):  # the step's scale depends on the plot's height, which the legend sets
        _legend_in_a_line(view, _step_scale(view))
        settle(view)
    _bar_title_in_its_height(view)
    _labels_on_a_line(view)


def _bar_title_in_its_height(view: LandscapeView) -> None:
    """Shorten the colour bar's title ("loss (log scale)") where the bar is shorter than it.

    In a figure 4.2 cm tall the title ran past the plot, and the whole figure was drawn at
    89% (its text under 9 pt) to hold it; its ticks (1, 10, 100) say the scale is
    logarithmic.
    """
    axis = view.colorbar.axis
    if not axis.isVisible() or not axis.label.isVisible():
        return
    for title in BAR_TITLES.get(axis.labelText, ()):
        margin = axis.label.document().documentMargin()
        if axis.label.boundingRect().width() - 2 * margin <= axis.geometry().height():
            return
        axis.setLabel(title)
        settle(view)


def _legend_in_a_line(view: LandscapeView, shown: str | None) -> None:
    """Set the landscape's legend in one line; ``shown`` is the step arrow's scale it says."""
    legend = view.legend_label
    text = re.sub(r"next step(, shown)? ×[^&<]*", "next step", legend.text())  # a last try's
    entries = re.sub(r" \([^()]*\)", "", text).split(LEGEND_GAP)
    if shown is not None:  # the step arrow's scale, moved out of the plot
        entries = [entry.replace("next step", f"next step, {shown}") for entry in entries]
    legend.setText(LEGEND_GAP.join(entries))
    if _fits_a_line(legend):
        return
    font = legend.font()
    font.setPointSizeF(TEXT_POINTS[0])
    legend.setFont(font)
    for long, short in SHORT_LEGEND.items():
        entries = [entry.replace(long, short) for entry in entries]
    while True:
        legend.setText("&nbsp; ".join(entries))
        if len(entries) == 1 or _fits_a_line(legend):
            return
        entries = entries[1:]


def _step_scale(view: LandscapeView) -> str | None:
    """Return the step label's note of its arrow's scale ("shown ×31") when the label is too wide."""
    view.view_box.prepareForPaint()  # the plot's range settles (the view places its labels)
    step = view.step_label
    match = re.fullmatch(r"next step \((shown ×[^()]+)\)", step.toPlainText())
    if not step.isVisible() or match is None or \
            _fits_the_plot(step, view.view_box.sceneBoundingRect()):
        return None
    return match[1]


def _labels_on_a_line(view: LandscapeView) -> None:
    """Keep the plot's labels (the next step's, the slope's) to one short line each, in the plot.

    In a narrow figure "next step (shown ×31)" wrapped to the plot's width and its
    background covered the landscape. A label wider than ``PLOT_LABEL_SHARE`` of the plot
    sheds its note (the step's scale, which the legend then says; the word "slope"); the
    step's label, still too wide or over the slope's, is left out (the legend names the arrow).
    """
    view.view_box.prepareForPaint()
    box = view.view_box.sceneBoundingRect()
    step, tangent = view.step_label, view.tangent_label
    if step.isVisible():
        if not _fits_the_plot(step, box):
            step.setText(re.sub(r" \([^()]*\)$", "", step.toPlainText()))
        if not _fits_the_plot(step, box):
            step.setVisible(False)
    if tangent.isVisible() and not _fits_the_plot(tangent, box):
        tangent.setText(tangent.toPlainText().removeprefix("slope "))
    for label in (step, tangent):
        if label.isVisible():
            if label.textItem.boundingRect().width() > box.width():
                label.setTextWidth(max(1.0, box.width()))  # wraps, as the view wraps it
            _keep_in_plot(view, label, box)
    for label in (step, tangent, view.crash_label):
        if label.isVisible():
            _as_wide_as_its_lines(label)
    _clear_of_marks(view, box)


def _as_wide_as_its_lines(label) -> None:
    """Narrow a wrapped plot label to its longest line, so its box is no wider than its text.

    Wrapped to the plot's width, the crash's label in an 8 × 6 cm figure ("diverged at step
    88 / (off the map)") had a box as wide as the plot, so every place tried covered the
    trail's start or the crash, though its text covered neither.
    """
    text = label.textItem
    if text.textWidth() <= 0:
        return
    lines = math.ceil(text.document().idealWidth())
    if lines < text.textWidth():
        label.setTextWidth(lines)


def _clear_of_marks(view: LandscapeView, box: QRectF) -> None:
    """Hang the plot's labels (the slope's, the crash's, the next step's) where they cover no mark.

    The marks are the hiker, the trail's two ends, the minima, the crash, the arrows (heads
    and shafts) and the other labels. Each label tries its own place, then each side and
    corner of the point it labels, nearer first, then (a value that needs no pointer: the
    slope's, the crash's) the plot's corners, and keeps the first clear one inside the plot.
    The crash's label with no clear place sheds its note ("(off the map)": the cross on the
    plot's edge says so) and tries again. Found none, the slope's keeps the place covering
    the fewest marks, if not the hiker; the crash's and the next step's are left out (the
    legend names the cross and the arrows). Lesson 04's step label covered the hiker;
    lessons 03's and 08's sixth steps, at 8 × 6 cm and less, hung the crash's over the
    trail's start, and lesson 07's run of 1000 steps at 6.4 × 4.3 cm over half the plot.
    """
    marks = _landscape_marks(view)
    labels = (view.tangent_label, view.crash_label, view.step_label)
    for label in labels:
        if not label.isVisible():
            continue
        others = [item.sceneBoundingRect() for item in labels
                  if item is not label and item.isVisible()]
        best, fewest = _least_covering(view, label, box, marks, others)
        shorter = re.sub(r" \([^()]*\)$", "", label.toPlainText())
        if fewest > 0 and label is view.crash_label and shorter != label.toPlainText():
            before = label.toPlainText(), label.textItem.textWidth()
            label.setText(shorter)
            label.setTextWidth(-1)
            if label.textItem.boundingRect().width() > box.width():
                label.setTextWidth(max(1.0, box.width()))
            _as_wide_as_its_lines(label)
            short_best, short_fewest = _least_covering(view, label, box, marks, others)
            if short_fewest < fewest:
                best, fewest = short_best, short_fewest
            else:
                label.setText(before[0])
                label.setTextWidth(before[1])
        if best is None or (fewest > 0 and label is not view.tangent_label) or fewest >= HIKER:
            label.setVisible(False)
        else:
            label.setPos(best[0])
            label.setAnchor(best[1])


def _least_covering(view: LandscapeView, label, box: QRectF, marks, others: list[QRectF]):
    """Return the place (point, anchor) in the plot where a label covers the fewest marks, and how many.

    The first place covering none is taken; (None, inf) when no place lies in the plot.
    """
    text = label.textItem.boundingRect()
    here = QPointF(label.pos())
    places = [(here, tuple(label.anchor))] + [
        (here, (0.5 - side_x * (0.5 + gap / max(1.0, text.width())),
                0.5 - side_y * (0.5 + gap / max(1.0, text.height()))))
        for gap in LABEL_GAPS
        for side_x, side_y in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1),
                               (-1, 1))]  # right, left, above, below, then the corners
    if label is not view.step_label:
        inner = box.adjusted(LABEL_GAPS[0], LABEL_GAPS[0], -LABEL_GAPS[0], -LABEL_GAPS[0])
        places += [(view.view_box.mapSceneToView(corner), anchor) for corner, anchor in
                   ((inner.topLeft(), (0, 0)), (inner.topRight(), (1, 0)),
                    (inner.bottomLeft(), (0, 1)), (inner.bottomRight(), (1, 1)))]
    best, fewest = None, math.inf
    for at, anchor in places:
        label.setPos(at)
        label.setAnchor(anchor)
        rect = label.sceneBoundingRect()
        if not box.contains(rect):
            continue
        covered = sum(weight for path, weight in marks if path.intersects(rect)) + \
            sum(rect.intersects(other) for other in others)
        if covered < fewest:
            best, fewest = (at, anchor), covered
        if covered == 0:
            break
    return best, fewest


def _arrow_head(before: QPointF, tip: QPointF) -> QPainterPath:
    """Return an arrow's head as the landscape paints it: ``ARROW_HEAD`` px back from its tip.

    Its width is that of the landscape's heads (a 40° tip); empty for a shaft of no length.
    """
    head = QPainterPath()
    dx, dy = tip.x() - before.x(), tip.y() - before.y()
    length = math.hypot(dx, dy)
    if not math.isfinite(length) or length < 1e-6:
        return head
    ux, uy = dx / length, dy / length
    half = ARROW_HEAD * math.tan(math.radians(20))
    base = QPointF(tip.x() - ux * ARROW_HEAD, tip.y() - uy * ARROW_HEAD)
    head.addPolygon(QPolygonF([tip, base + QPointF(-uy * half, ux * half),
                               base - QPointF(-uy * half, ux * half), tip]))
    return head


def _polyline(points: list[QPointF]) -> QPainterPath:
    """Return an open path through points."""
    path = QPainterPath(points[0])
    for point in points[1:]:
        path.lineTo(point)
    return path


def _landscape_marks(view: LandscapeView) -> list[tuple[QPainterPath, int]]:
    """Return the shapes (scene coordinates) a landscape's labels must not cover, each with its weight.

    The hiker weighs ``HIKER``, every other mark 1.
    """
    marks = []
    spots = [view.hiker, view.minima, view.crash, view.step_target, view.race_markers]
    for item in spots:
        if not item.isVisible():
            continue
        side = item.opts["size"] + 2  # with its outline
        for x, y in zip(*item.getData(), strict=True):
            if np.isfinite(x) and np.isfinite(y):
                at = view.view_box.mapViewToScene(QPointF(float(x), float(y)))
                path = QPainterPath()
                path.addRect(QRectF(at.x() - side / 2, at.y() - side / 2, side, side))
                marks.append((path, HIKER if item is view.hiker else 1))
    ends = [(xs[k], ys[k]) for piece in view.trail if piece.isVisible()
            for xs, ys in [piece.getData()] if xs is not None and len(xs) for k in (0, -1)]
    for x, y in ends[:1] + ends[-1:]:  # the trail's first point and its last
        at = view.view_box.mapViewToScene(QPointF(float(x), float(y)))
        path = QPainterPath()
        path.addEllipse(at, TRAIL_END, TRAIL_END)
        marks.append((path, 1))
    stroker = QPainterPathStroker()
    stroker.setWidth(SHAFT_WIDTH)
    for arrow in (view.step_arrow, view.velocity_arrow):
        xs, ys = arrow.getData()
        if not arrow.isVisible() or len(xs) < 2:
            continue
        points = [view.view_box.mapViewToScene(QPointF(float(x), float(y)))
                  for x, y in zip(xs, ys, strict=True)]
        marks.append((stroker.createStroke(_polyline(points)), 1))
        marks.append((_arrow_head(points[-2], points[-1]), 1))
    return marks


def _fits_the_plot(label, box: QRectF) -> bool:
    """Return whether a plot's label, unwrapped, takes at most ``PLOT_LABEL_SHARE`` of its width."""
    label.setTextWidth(-1)
    return label.textItem.boundingRect().width() <= PLOT_LABEL_SHARE * box.width()


def _keep_in_plot(view: LandscapeView, label, box: QRectF) -> None:
    """Slide a plot's label along its anchor until it lies inside the plot (``box``, in the scene)."""
    text = label.textItem.boundingRect()
    at = view.view_box.mapViewToScene(label.pos())
    anchor = []
    for a, point, low, high, length in ((label.anchor[0], at.x(), box.left(), box.right(),
                                         text.width()),
                                        (label.anchor[1], at.y(), box.top(), box.bottom(),
                                         text.height())):
        if length > 0 and high - low > length:
            a = min(max(a, (point - high) / length + 1.0), (point - low) / length)
        anchor.append(a)
    label.setAnchor(tuple(anchor))


def _fits_a_line(label: QLabel) -> bool:
    """Return whether a word-wrapped label's text takes one line at its width."""
    return label.heightForWidth(max(1, label.width())) < 1.5 * label.fontMetrics().lineSpacing()


def _tidy_stepper(view: StepperView) -> None:
    for button in view.phase_buttons.values():
        button.hide()
    view.delegate.show_copy = False  # each row's "LaTeX" link
    view.copy_button.parentWidget().hide()  # the card's row of buttons, empty in a figure
    view.body.layout().setAlignment(Qt.AlignmentFlag.AlignTop)  # room left over goes below
    view.delegate.wrap = True  # a long row wraps rather than shrinking the figure's text
    view.list.setUniformItemSizes(False)
    text_in_points(view)
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


def _tidy_3d(view: Landscape3DView) -> None:
    """Set the 3-D view's labels at 9–11 pt, the loss axis's name running right from its top.

    Centred on the axis, the name ran off a small figure's left edge; the camera turns
    aside if a label still would.
    """
    low, high = TEXT_POINTS
    if view.gl_view is None:
        return
    for item in (view.x_title, view.y_title, view.z_title, view.z_low, view.z_high):
        font = QFont(item.font)
        if not low <= font.pointSizeF() <= high:
            font.setPointSizeF(min(high, max(low, font.pointSizeF())))
            item.setData(font=font)
    view.z_title.setData(alignment=Qt.AlignmentFlag.AlignLeft)
    _labels_in_sight(view.gl_view)


def _labels_in_sight(gl_view) -> None:
    """Turn the camera aside (pan) so that no label starts left of the view's edge.

    The values at the ends of the loss axis stand left of its corner, out of a 6.4 cm
    figure.
    """
    points = label_points(gl_view)
    if not points or gl_view.width() <= 0:
        return
    out = LABEL_MARGIN - min(point.x() for _item, point in points)
    if out > 0:
        gl_view.pan(out, 0, 0, relative="view-upright")  # in pixels; the picture moves right


def _whole_rows(view: StepperView) -> None:
    """Make the stepper's card fit its lines, and its list show whole rows, the one reached among them.

    Rows wrap (``MathDelegate.wrap``), so each is as tall as its lines: the rows around
    the one reached are taken, one before and one after in turn, while they fit.
    """
    rows = view.list
    rows.setMinimumHeight(0)
    rows.setMaximumHeight(16_777_215)
    settle(view)
    # The card and the sample's row as tall as their lines at their width: the card's size
    # hint wraps them narrower, the row's least height counts its hidden buttons.
    for part in (view.title_label.parentWidget(), view.sample_label.parentWidget()):
        part.setFixedHeight(part.layout().totalHeightForWidth(part.width()))
    settle(view)
    count = view.model.rowCount()
    if not count:
        return
    rows.doItemsLayout()
    frame = rows.height() - rows.viewport().height()
    room = rows.viewport().height() + view.height() - view.body.height()  # the body in sight
    current = min(view.delegate.current, count - 1)
    first = last = current
    used = rows.sizeHintForRow(current)
    grew = True
    while grew:
        grew = False
        for row in (first - 1, last + 1):
            if 0 <= row < count and used + rows.sizeHintForRow(row) <= room:
                used += rows.sizeHintForRow(row)
                first, last = min(first, row), max(last, row)
                grew = True
    rows.setFixedHeight(frame + max(1, used))
    settle(view)
    rows.verticalScrollBar().setValue(first)


def _widest_row(view: StepperView) -> float:
    """Return how many times wider the stepper's list must be for its rows in sight to fit."""
    rows = view.list
    widest = 0.0
    for row in range(view.model.rowCount()):
        place = rows.visualRect(view.model.index(row, 0))
        if place.bottom() < 0:
            continue
        if place.top() >= rows.viewport().height():
            break
        document = QTextDocument()  # laid out as MathDelegate lays a row out
        document.setDefaultFont(rows.font())
        document.setDocumentMargin(2)
        text = view.model.data(view.model.index(row, 0))
        document.setHtml(f"<span style='white-space:normal'>{text}</span>")
        document.setTextWidth(view.delegate.text_width())
        widest = max(widest, document.idealWidth() + ROW_INSET)
    return widest / max(1, rows.viewport().width())


FIGURE_VIEWS: dict[str, FigureView] = {
    "landscape": FigureView(LandscapeView, ("log_box", "fit_button", "note_label"),
                            _tidy_landscape),
    "landscape3d": FigureView(_make_3d, ("log_box", "note", "renderer_note"), _tidy_3d),
    "network": FigureView(NetworkView, ("toolbar", "inspector"), _tidy_network,
                          drop=_drop_network_legend),
    "formula": FigureView(FormulaView,
                          ("chooser", "graph_hint", "epsilon_error", "stepper_button"),
                          _tidy_formula, formula_figure.fit_graph, formula_figure.graph_room,
                          formula_figure.choose, formula_figure.least_layouts),
    "loss": FigureView(LossView, ("log_box", "metrics")),
    "data": FigureView(DataView, ("hints",)),  # what clicks do: not for print
    "gradients": FigureView(GradientView),
    "stepper": FigureView(StepperView,
                          ("slider", "hint", "previous_button", "next_button", "copy_button",
                           "copy_all_button", "sample_spin", "sample_title", "batch_check"),
                          _tidy_stepper, _whole_rows, _widest_row),
}
WINDOW = "window"
#: every name ``--view`` takes, in menu order
VIEW_NAMES = (*FIGURE_VIEWS, WINDOW)


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


@contextmanager
def window_theme(theme: str) -> Iterator[None]:
    """Restyle the app (the whole window) in a figure's theme while it is painted, then back.

    The window is painted before the event loop runs again, so the screen never shows it.
    """
    manager = theme_manager()
    wanted = FIGURE_THEMES[theme]
    if manager.theme is wanted:
        yield
        return
    choice = manager.choice
    manager.show(wanted)
    QCoreApplication.sendPostedEvents()
    try:
        yield
    finally:
        manager.apply(choice)


def build_figure(name: str, state: FigureState, layout: tuple[int, int],
                 theme: str = "screen") -> QWidget:
    """Return a fresh view drawing ``state`` alone, laid out for ``layout`` pixels, off the screen.

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
        for area in view.findChildren(QGraphicsView):
            area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        fit(view, kind, state, layout)
        if kind.drop is not None and kind.drop(view, _shrunk(view)):
            fit(view, kind, state, layout)
        if theme == "print":
            thicken(view, PRINT_LINES)
    return view


def fit(view: QWidget, kind: FigureView, state: FigureState, layout: tuple[int, int]) -> float:
    """Lay the view out at ``layout``, or as little larger as it takes for nothing to be cut off.

    A view can need more than asked (the least size of its parts) or hold more than it
    shows (a scroll area's content taller than the area). It is then laid out larger, in
    the figure's proportions; its size on paper stays ``layout`` (``paper_size``) and the
    painters shrink it to that. Return the zoom it was laid out at.
    """
    if kind.choose is not None:
        kind.choose(view, lambda: _lay_out(view, kind, state, layout, 1.0))
    else:
        _lay_out(view, kind, state, layout, 1.0)  # a new view's first layout asks for too much
    fitting, short, zoom = None, 1.0, 1.0
    for _ in range(MAX_FITS):
        needed = _lay_out(view, kind, state, layout, zoom)
        if needed <= 1.0 + 1e-3:
            fitting = zoom
        else:
            short = max(short, zoom)
        if fitting is None:
            if zoom >= MAX_ZOOM:
                break
            zoom = min(MAX_ZOOM, zoom * needed * 1.01)
        elif fitting / short < 1.02:
            break
        else:
            zoom = (short + fitting) / 2  # the larger room may have been more than needed
    if fitting is not None and zoom != fitting:
        _lay_out(view, kind, state, layout, fitting)
    view.setProperty(PAPER, QSize(*layout))
    return fitting or zoom


def _lay_out(view: QWidget, kind: FigureView, state: FigureState, layout: tuple[int, int],
             zoom: float) -> float:
    """Lay the view out at ``layout`` times ``zoom``, its controls hidden.

    Return how much more room it needs (1 when it fits).
    """
    size = QSize(math.ceil(layout[0] * zoom), math.ceil(layout[1] * zoom))
    view.resize(size)
    settle(view)
    show_figure_state(view, kind, state)  # again at this size: labels placed for it
    if kind.refit is not None:
        kind.refit(view)
        settle(view)
    return max(view.width() / size.width(), view.height() / size.height(),
               kind.room(view) if kind.room is not None else 1.0,
               *(1 + hidden / size.height() for hidden in _hidden_heights(view)),
               *(1 + hidden / size.width() for hidden in _hidden_widths(view)))


def show_figure_state(view: QWidget, kind: FigureView, state: FigureState) -> None:
    """Show a figure's view a state, then hide the controls a setter may have shown again."""
    state.show_to(view)
    settle(view)
    for control in kind.controls:
        widget = getattr(view, control, None)
        if widget is not None:
            widget.hide()
    settle(view)  # the plot takes the controls' room (a diagram lays itself out again)
    if kind.tidy is not None:
        kind.tidy(view)
        settle(view)


def _hidden_heights(view: QWidget) -> Iterator[int]:
    """Yield how many pixels of the view's content lie out of sight, part by part.

    The parts are its wrapped labels and its scroll areas' content (not a list's rows).
    """
    for label in view.findChildren(QLabel):
        if label.wordWrap() and label.text() and label.isVisibleTo(view):
            yield max(0, label.heightForWidth(label.width()) - label.height())
    for area in view.findChildren(QScrollArea):
        content = area.widget()
        if content is None or not area.isVisibleTo(view):
            continue
        area.verticalScrollBar().setValue(0)  # a figure shows its content from the top
        width = area.viewport().width()
        needed = content.heightForWidth(width) if content.hasHeightForWidth() else -1
        needed = max(needed, content.minimumSizeHint().height(), content.height())
        yield max(0, needed - area.viewport().height())


def _hidden_widths(view: QWidget) -> Iterator[float]:
    """Yield how far each of the view's plot titles (an axis's name) reaches out of its plot.

    And how much wider than its scroll area each scroll area's content is at its least.

    Text inside a plot's data area (a mark's label) is left out: it is clipped with the
    plot on screen too.
    """
    for area in view.findChildren(QScrollArea):
        content = area.widget()
        if content is not None and area.isVisibleTo(view):
            yield max(0, content.minimumSizeHint().width() - area.viewport().width())
    for area in view.findChildren(QGraphicsView):
        if not area.isVisibleTo(view):
            continue
        seen = QRectF(area.viewport().rect())
        for item in area.scene().items():
            if not isinstance(item, QGraphicsTextItem) or not item.isVisible() or \
                    _in_a_plot(item):
                continue
            margin = item.document().documentMargin()
            text = item.boundingRect().adjusted(margin, margin, -margin, -margin)
            drawn = area.viewportTransform().map(item.mapToScene(text)).boundingRect()
            out = max(seen.left() - drawn.left(), drawn.right() - seen.right(),
                      seen.top() - drawn.top(), drawn.bottom() - seen.bottom())
            yield out if out > TEXT_SLACK else 0.0


def _in_a_plot(item) -> bool:
    """Return whether a graphics item lies inside an item that clips it (a plot's data area)."""
    parent = item.parentItem()
    while parent is not None:
        if parent.flags() & QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape:
            return True
        parent = parent.parentItem()
    return False


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
