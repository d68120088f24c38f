"""The formula figure's computation graph: boxes and tags sized to their numbers, and the size that fits.

A figure's numbers do not change, so its boxes are as wide as the numbers they show
(the screen's are as wide as the widest number expected), and left to right a long tag
is set in two lines. A graph that still does not fit at 9 pt is left out, and the
figure's note names a size that shows it.
"""

import re

import pytest
from PySide6.QtGui import QFontMetricsF

from simulator.ui.figures.catalog import build_figure, close_figure, fit_note
from simulator.ui.figures.painting import figure_bytes
from simulator.ui.figures.spec import figure_spec
from simulator.ui.figures.state import FigureState
from simulator.ui.items.graph_items import NUMBER_TEMPLATE, PAD

from .test_figures import FORMULA_LESSONS, LEAST_POINTS, MOST_POINTS, cut_off, text_points, workspace

ROSENBROCK = "11-rosenbrock-adam.lesson.json"
WIDE = figure_spec("formula", "2400x1000", 150, 1, "screen")  # holds Rosenbrock's graph left to right


@pytest.fixture
def wide(qtbot):
    """Return Rosenbrock's formula figure, 40.6 × 16.9 cm: its graph left to right, whole."""
    widget = build_figure("formula", FigureState.of(workspace(ROSENBROCK)), WIDE.layout)
    yield widget
    close_figure(widget)


def test_a_figure_s_boxes_are_as_wide_as_the_numbers_they_show(wide):
    drawing = wide._drawing
    for item in drawing.node_items.values():
        bold, plain = (QFontMetricsF(font) for font in item._fonts)
        widest = max(bold.horizontalAdvance(item.spec.label),
                     plain.horizontalAdvance(item.value_text),
                     plain.horizontalAdvance(item.adjoint_text))
        assert item.size().width() == pytest.approx(widest + 2 * PAD, abs=1.0), item.spec.label
    template = QFontMetricsF(next(iter(drawing.node_items.values()))._fonts[1]) \
        .horizontalAdvance(NUMBER_TEMPLATE)
    assert min(item.size().width() for item in drawing.node_items.values()) < template
    # The window's own graph keeps room for the widest number, so playing does not move it.
    from simulator.ui.items.graph_items import NodeItem

    screen = NodeItem(drawing.nodes[0])
    assert screen.size().width() >= template + 2 * PAD


def test_left_to_right_a_tag_wider_than_every_box_takes_two_lines(wide):
    # Rosenbrock's "−2·w1² + 2·w2 = −0.08343" made its gap 224 px deep, left to right.
    drawing = wide._drawing
    assert not drawing.vertical
    widest_box = max(item.size().width() for item in drawing.node_items.values())
    long_tags = [item for item in drawing.label_items if "w2 =" in item.text]
    assert long_tags
    for item in long_tags:
        assert item.lines() == [item.spec.local, item.text[len(item.spec.local) + 1:]]
        one_line = QFontMetricsF(item._font).horizontalAdvance(item.text) + 10
        assert widest_box < one_line and item.size().width() < 0.7 * one_line
    assert all(len(item.lines()) == 1 for item in drawing.label_items if not item.spec.local)
    drawing.arrange(True)  # top-down, a tag's width is not a gap's depth: one line
    assert all(len(item.lines()) == 1 for item in drawing.label_items)
    drawing.arrange(False)
    # 1574 px wide at scale 1 before; 1010 now (boxes and layers as deep as their numbers)
    assert drawing.placement(False).size.width < 1100
    texts = [text for _size, text in text_points(figure_bytes(wide, WIDE, ".svg", "test"))]
    assert "−2·w1² + 2·w2" in texts and not any("2·w2 = " in text for text in texts)


def fitting_of(note: str) -> str:
    """Return the size a figure's note says shows it whole, as ``--size`` takes it."""
    match = re.search(r"at least ([\d.]+) × ([\d.]+) cm shows it", note)
    assert match, note
    return f"{match[1]}x{match[2]}cm"


@pytest.mark.parametrize("lesson", FORMULA_LESSONS)
def test_a_12_by_8_cm_formula_figure_is_whole_or_names_the_size_that_shows_it(qtbot, lesson):
    # Rosenbrock's graph needs far more than 12 × 8 cm at 9 pt: it was left out with "a
    # larger figure shows it", and no size said. Now the note names one, and at that size
    # every section is there, uncut, its text at 9–11 pt.
    state = FigureState.of(workspace(lesson))
    spec = figure_spec("formula", "12x8cm", 300, 1, "screen")
    widget = build_figure("formula", state, spec.layout)
    try:
        left_out = not (widget.nudge_section.isVisibleTo(widget)
                        and widget.graph_section.isVisibleTo(widget))
        note = fit_note(widget, spec, state)
    finally:
        close_figure(widget)
    assert (note is not None) == left_out, note
    if note is None:
        return
    larger = figure_spec("formula", fitting_of(note), 300, 1, "screen")
    assert larger.physical_cm[0] >= 11.99 and larger.physical_cm[1] >= 7.99
    widget = build_figure("formula", state, larger.layout)
    try:
        assert widget.nudge_section.isVisibleTo(widget) and widget.graph_section.isVisibleTo(widget)
        assert fit_note(widget, larger, state) is None
        assert cut_off(widget) == []
        points = text_points(figure_bytes(widget, larger, ".svg", "test"))
        assert points and all(LEAST_POINTS <= size <= MOST_POINTS for size, _ in points), \
            sorted(p for p in points if not LEAST_POINTS <= p[0] <= MOST_POINTS)[:3]
    finally:
        close_figure(widget)


def test_rosenbrock_s_note_names_a_size_near_the_least(qtbot):
    # Rosenbrock's graph left to right, at 9 pt, under its cost and nudge: about 24 × 11 cm.
    # Asked 23.5 × 11 cm, the note said 24 × 16 cm (the sections measured with their captions).
    state = FigureState.of(workspace(ROSENBROCK))
    for size in ("12x8cm", "23.5x11cm"):
        spec = figure_spec("formula", size, 300, 1, "screen")
        widget = build_figure("formula", state, spec.layout)
        try:
            width, height = (float(x) for x in fitting_of(fit_note(widget, spec, state))[:-2]
                             .split("x"))
        finally:
            close_figure(widget)
        assert width <= 25 and height <= 12, size
