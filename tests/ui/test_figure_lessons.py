"""Every lesson of the catalog as a 12 × 8 cm figure at 300 dpi: whole, uncut, its text at 9–11 pt.

The formula figure of each formula lesson is tested in ``test_figure_graph`` (whole, or
naming the size that shows it whole); here the stepper's, whose rows wrap.
"""

import pytest

from simulator.ui.figures.catalog import build_figure, close_figure, fit_note
from simulator.ui.figures.painting import figure_bytes
from simulator.ui.figures.spec import figure_spec
from simulator.ui.figures.state import FigureState

from .conftest import LESSONS
from .test_figures import LEAST_POINTS, MOST_POINTS, cut_off, text_points, workspace

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
