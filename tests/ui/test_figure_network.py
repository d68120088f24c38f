"""The network diagram's figure at small sizes: drawn at its size, its X and Y tags over no neuron."""

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF, QPainterPath

from simulator.ui.figures.catalog import fit_note
from simulator.ui.figures.painting import paper_size

from . import test_figures
from .test_figures import cut_off

figure = test_figures.figure  # the fixture: a lesson's figure, closed after the test

NETWORK_LESSONS = ["05-one-neuron-by-hand.lesson.json",
                   "06-backpropagation-through-a-network.lesson.json",
                   "13-xor-network.lesson.json", "14-circle-network.lesson.json",
                   "15-circle-features.lesson.json", "16-three-spirals-softmax.lesson.json"]


@pytest.mark.parametrize("lesson", NETWORK_LESSONS)
def test_a_small_network_figure_leaves_its_legend_out_and_is_drawn_at_its_size(figure, lesson):
    # At 6.4 × 4.3 cm the legend's rows took a third of the height: every network lesson
    # was drawn at 67–70% (its text at 6–7 pt) with a note saying so.
    widget, spec = figure(lesson, "network", size="6.4x4.3cm", dpi=300)
    assert not widget.legend.isVisibleTo(widget)
    assert paper_size(widget) == widget.size()
    assert (widget.width(), widget.height()) == spec.layout
    assert fit_note(widget, spec) is None
    assert cut_off(widget) == []


def test_a_network_figure_with_room_keeps_its_legend(figure):
    widget, spec = figure("13-xor-network.lesson.json", "network", size="12x8cm", dpi=300)
    assert widget.legend.isVisibleTo(widget)
    assert fit_note(widget, spec) is None


def _drawn(layer) -> list:
    """Return the discs, bias badges and labels a layer draws, worked out here."""
    shapes = []
    metrics = QFontMetricsF(layer._label_font)
    for j, y in enumerate(layer.ys.tolist()):
        disc = QPainterPath()
        disc.addEllipse(QPointF(layer.x, y), layer.radius, layer.radius)
        shapes.append(disc)
        if layer.has_bias:
            badge = QPainterPath()
            badge.addEllipse(QPointF(layer.x, y - layer.radius), layer.badge_radius,
                             layer.badge_radius)
            shapes.append(badge)
        if layer.labels:
            text = layer.labels[j]
            width = metrics.horizontalAdvance(text)
            left = layer.x - layer.radius - 6 - width if layer.label_side == "left" else \
                layer.out_x() + 6
            shapes.append(QRectF(left, y - metrics.height() / 2, width, metrics.height()))
    return shapes


@pytest.mark.parametrize("lesson", NETWORK_LESSONS)
@pytest.mark.parametrize("size, dpi", [("6.4x4.3cm", 300), ("8x6cm", 300), ("240x160", 96),
                                       ("12x8cm", 300)])
def test_a_network_figure_s_x_and_y_tags_cover_no_neuron_or_label(figure, lesson, size, dpi):
    # At 6.4 × 4.3 cm lesson 06's Y tag covered the output neuron, 13's X its first input,
    # 14's and 16's both tags the inputs' discs, and 05's Y the output's label.
    widget, _spec = figure(lesson, "network", size=size, dpi=dpi)
    shapes = [shape for layer in widget.layers for shape in _drawn(layer)]
    tags = [tag for tag in widget.tags.values() if tag.isVisible()]
    for tag in tags:
        place = tag.sceneBoundingRect().adjusted(1, 1, -1, -1)  # the box, not its antialiasing
        assert not any(shape.intersects(place) for shape in shapes), (tag.text, place.getRect())
    if size == "12x8cm":  # with room, both tags are shown
        assert len(tags) == 2
