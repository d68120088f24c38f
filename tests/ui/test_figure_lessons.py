"""Every lesson of the catalog as a 12 × 8 cm figure at 300 dpi: whole, uncut, its text at 9–11 pt.

The formula figure of each formula lesson is tested in ``test_figure_graph`` (whole, or
naming the size that shows it whole); here the stepper's, whose rows wrap, the landscape's
at the least sizes the dialog allows, and where the landscape's labels go.
"""

import math

import pytest

from simulator.lessons.files import load_lesson
from simulator.ui.figures.catalog import build_figure, close_figure, fit_note
from simulator.ui.figures.painting import figure_bytes
from simulator.ui.figures.spec import figure_spec
from simulator.ui.figures.state import FigureState
from simulator.workspace.workspace import Workspace

from .conftest import LESSONS
from .test_figures import (
    LEAST_POINTS,
    MOST_POINTS,
    cut_off,
    labels_out_of_the_plot,
    text_points,
    workspace,
)

ALL_LESSONS = sorted(path.name for path in LESSONS.glob("*.lesson.json"))


@pytest.mark.parametrize("lesson", ALL_LESSONS)
def test_every_lesson_s_stepper_figure_is_whole_at_9_to_11_points(qtbot, lesson):
    spec = figure_spec("stepper", "12x8cm", 300, 1, "print")
    state = FigureState.of(workspace(lesson))
    widget = build_figure("stepper", state, spec.layout, "print")
    try:
        assert fit_note(widget, spec, state) is None
        assert cut_off(widget) == []
        points = text_points(figure_bytes(widget, spec, ".svg", "test"))
        assert points
        base = None
        for size, text in points:  # a sub- or superscript follows its text, at 0.6 of it or more
            assert size <= MOST_POINTS, (size, text)
            if size >= LEAST_POINTS:
                base = size
            else:
                assert base is not None and size >= 0.6 * base, (round(size, 2), text)
    finally:
        close_figure(widget)


@pytest.mark.parametrize("lesson", ALL_LESSONS)
@pytest.mark.parametrize("size, dpi", [("240x160", 96), ("6.4x4.3cm", 300), ("30x4.3cm", 150),
                                       ("6.4x20cm", 150)])
def test_a_landscape_at_the_least_size_the_dialog_allows_keeps_its_text_at_9_points(
        qtbot, lesson, size, dpi):
    # 6.4 × 4.2 cm, the least: the colour bar's "loss (log scale)" was taller than the bar,
    # and Rosenbrock's, Himmelblau's and the neuron's landscapes were drawn at 89% to hold it
    # (their text at 8 pt). The title is shortened to what the bar holds.
    spec = figure_spec("landscape", size, dpi, 1, "screen")
    state = FigureState.of(workspace(lesson))
    widget = build_figure("landscape", state, spec.layout)
    try:
        assert fit_note(widget, spec, state) is None
        assert widget.size().toTuple() == spec.layout
        points = text_points(figure_bytes(widget, spec, ".svg", "test"))
        assert points and all(LEAST_POINTS <= size <= MOST_POINTS for size, _ in points), \
            sorted(points)[:3]
    finally:
        close_figure(widget)


def covered_marks(widget) -> list[tuple[str, str]]:
    """Return (label, mark) for each shown label of a landscape over the hiker, a trail end, a crash, a label.

    Marks by their bounding rects: the hiker's spot, 6 px about each end of the trail, the
    crash's cross, and
    the other labels (the arrows' heads by their shapes: a label is hung at the tip).
    """
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QPainterPath, QPolygonF

    box = widget.view_box
    marks = {}
    xs, ys = widget.hiker.getData()
    size = widget.hiker.opts["size"]
    for x, y in zip(xs, ys, strict=True):
        at = box.mapViewToScene(QPointF(float(x), float(y)))
        marks["hiker"] = QRectF(at.x() - size / 2, at.y() - size / 2, size, size)
    ends = [(px[k], py[k]) for piece in widget.trail if piece.isVisible()
            for px, py in [piece.getData()] if px is not None and len(px) for k in (0, -1)]
    for name, (x, y) in zip(("trail start", "trail end"), ends[:1] + ends[-1:], strict=False):
        at = box.mapViewToScene(QPointF(float(x), float(y)))
        marks[name] = QRectF(at.x() - 3, at.y() - 3, 6, 6)
    if widget.crash.isVisible():
        size = widget.crash.opts["size"]
        for x, y in zip(*widget.crash.getData(), strict=True):
            at = box.mapViewToScene(QPointF(float(x), float(y)))
            marks["crash"] = QRectF(at.x() - size / 2, at.y() - size / 2, size, size)
    labels = {label.toPlainText(): label.sceneBoundingRect() for label in
              (widget.step_label, widget.tangent_label, widget.crash_label) if label.isVisible()}
    covered = [(text, name) for text, rect in labels.items() for name, mark in marks.items()
               if rect.intersects(mark)]
    for arrow in (widget.step_arrow, widget.velocity_arrow):
        px, py = arrow.getData()
        if arrow.isVisible() and len(px) >= 2:  # the head: 18 px back from the tip, 40°
            tip, before = (box.mapViewToScene(QPointF(float(px[k]), float(py[k])))
                           for k in (-1, -2))
            along = (tip - before) / max(1e-9, (tip - before).manhattanLength())
            base = tip - along * 18 / max(1e-9, math.hypot(along.x(), along.y()))
            side = QPointF(-(tip - base).y(), (tip - base).x()) * math.tan(math.radians(20))
            shape = QPainterPath(tip)
            shape.addPolygon(QPolygonF([tip, base + side, base - side, tip]))
            covered += [(text, "arrow head") for text, rect in labels.items()
                        if shape.intersects(rect)]
    texts = list(labels)
    covered += [(a, b) for i, a in enumerate(texts) for b in texts[i + 1:]
                if labels[a].intersects(labels[b])]
    return covered


@pytest.mark.parametrize("step", [None, 0, 1, 2, 3, 4])
@pytest.mark.parametrize("size, dpi", [("1600x1000", 150), ("12x8cm", 300), ("8x6cm", 300),
                                       ("900x600", 150)])
def test_lesson_04_s_labels_cover_no_hiker_trail_end_arrow_head_or_label(qtbot, step, size, dpi):
    # At 8 × 6 cm lesson 04's second step hung "next step" over the hiker and the arrow;
    # at 12 × 8 cm its fourth over the trail's start, and most over an arrow's head.
    lesson = load_lesson(LESSONS / "04-momentum-and-adam.lesson.json")
    ws = Workspace()
    ws.set_lesson(lesson)
    if step is not None:
        ws.enter_step(step)
    ws.step(12)
    spec = figure_spec("landscape", size, dpi, 1, "screen")
    widget = build_figure("landscape", FigureState.of(ws), spec.layout)
    try:
        assert covered_marks(widget) == []
        if size == "12x8cm":  # it finds a clear place, not only leaves the label out
            assert widget.step_label.isVisible()
        assert labels_out_of_the_plot(widget) == []
    finally:
        close_figure(widget)


@pytest.mark.parametrize("lesson, step, steps, size, labelled", [
    ("03-hiking-down-the-mountain.lesson.json", 5, 0, "8x6cm", "diverged at step 88 (off the map)"),
    ("03-hiking-down-the-mountain.lesson.json", 5, 0, "6.4x4.3cm", "diverged at step 88"),
    ("08-when-it-breaks.lesson.json", 5, 0, "8x6cm", None),
    ("07-computation-graphs.lesson.json", None, 1000, "8x6cm", None),
    ("07-computation-graphs.lesson.json", None, 1000, "6.4x4.3cm", None),
])
def test_a_crash_s_label_in_a_small_figure_covers_no_trail_start_or_crash(
        qtbot, lesson, step, steps, size, labelled):
    # Wrapped to the plot's width, "diverged at step 88 (off the map)" had a box as wide as
    # the plot, and lessons 03's and 08's sixth steps hung it over the trail's start; lesson
    # 07 after 1000 steps over its cross (8 × 6 cm) or the start and half the plot (6.4 cm).
    # A label with no clear place sheds its note, and is then left out (the legend says
    # "diverged").
    ws = Workspace()
    ws.set_lesson(load_lesson(LESSONS / lesson))
    if step is not None:
        ws.enter_step(step)
    if steps:
        ws.step(steps)
    assert ws.session.status == "diverged"
    spec = figure_spec("landscape", size, 300, 1, "screen")
    widget = build_figure("landscape", FigureState.of(ws), spec.layout)
    try:
        assert covered_marks(widget) == []
        shown = widget.crash_label.toPlainText() if widget.crash_label.isVisible() else None
        assert shown == labelled
        assert labels_out_of_the_plot(widget) == []
    finally:
        close_figure(widget)


@pytest.mark.parametrize("lesson", ALL_LESSONS)
def test_no_lesson_s_landscape_label_covers_the_hiker(qtbot, lesson):
    spec = figure_spec("landscape", "12x8cm", 300, 1, "screen")
    widget = build_figure("landscape", FigureState.of(workspace(lesson)), spec.layout)
    try:
        assert [hit for hit in covered_marks(widget) if "hiker" in hit] == []
        assert covered_marks(widget) == []
    finally:
        close_figure(widget)


def test_a_network_lesson_s_formula_figure_is_the_panel_s_note_not_empty_sections(qtbot):
    # It showed the panel's section titles over nothing: "Cost and slope", "Nudge test 0.001"
    # and the graph's legend beside an empty frame.
    import xml.etree.ElementTree as ET

    spec = figure_spec("formula", "12x8cm", 300, 1, "print")
    widget = build_figure("formula", FigureState.of(workspace("13-xor-network.lesson.json")),
                          spec.layout, "print")
    try:
        texts = " ".join(ET.fromstring(figure_bytes(widget, spec, ".svg", "test")).itertext())
    finally:
        close_figure(widget)
    assert "this lesson is a network" in " ".join(texts.split())
    assert "Cost and slope" not in texts and "Nudge test" not in texts
