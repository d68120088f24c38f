"""The landscape's arrow item: a shaft through data points and a head of fixed pixels at the last."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from simulator.ui.items.arrow_item import ArrowItem

RED, WHITE = "#d62728", "#ffffff"


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    widget.setBackground(WHITE)
    widget.resize(400, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.getPlotItem().hideAxis("left")
    widget.getPlotItem().hideAxis("bottom")
    widget.getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    return widget


def arrow_on(plot, points, head_length=18):
    arrow = ArrowItem(head_length=head_length)
    arrow.set_style([pg.mkPen(RED, width=3.5)], pg.mkPen(RED), pg.mkBrush(RED))
    plot.addItem(arrow, ignoreBounds=True)
    arrow.set_points(points)
    return arrow


def red_at(plot, x, y) -> bool:
    """Return whether the screen pixel over data point (x, y) is the arrow's red."""
    scene = plot.getViewBox().mapViewToScene(QPointF(x, y))
    pixel = plot.mapFromScene(scene)
    colour = QColor(plot.grab().toImage().pixel(pixel.x(), pixel.y()))
    return colour.red() > 180 and colour.green() < 90 and colour.blue() < 90


def head_width_px(plot, tip) -> int:
    """Return how many red pixels a column across the head has, 10 px behind a rightward tip."""
    view = plot.getViewBox()
    tip_px = plot.mapFromScene(view.mapViewToScene(QPointF(*tip)))
    image = plot.grab().toImage()
    x = tip_px.x() - 10
    reds = 0
    for y in range(image.height()):
        colour = QColor(image.pixel(x, y))
        reds += colour.red() > 180 and colour.green() < 90 and colour.blue() < 90
    return reds


def test_the_shaft_runs_through_its_points_with_the_head_at_the_last(plot):
    arrow = arrow_on(plot, np.array([[2.0, 2.0], [8.0, 8.0]]))
    xs, ys = arrow.getData()
    assert list(xs) == [2.0, 8.0] and list(ys) == [2.0, 8.0]
    for t in (0.1, 0.5, 0.9):
        assert red_at(plot, 2 + 6 * t, 2 + 6 * t)
    assert not red_at(plot, 2.0, 8.0) and not red_at(plot, 8.5, 8.5)  # nowhere else


def test_the_head_keeps_its_size_in_pixels_as_the_view_zooms(plot):
    arrow_on(plot, np.array([[1.0, 5.0], [6.0, 5.0]]))
    wide = head_width_px(plot, (6.0, 5.0))
    # 10 px behind an 18 px head with a 40° tip: about 2 × 10 × tan 20° = 7 px across,
    # wider than the 3.5 px shaft.
    assert 5 <= wide <= 10
    plot.getViewBox().setRange(xRange=(4, 7), yRange=(3, 7), padding=0)
    assert head_width_px(plot, (6.0, 5.0)) == wide


def test_points_off_the_curve_are_left_out_and_too_few_draw_nothing(plot):
    arrow = arrow_on(plot, np.array([[1.0, 1.0], [3.0, np.nan], [5.0, 5.0]]))
    assert list(arrow.getData()[0]) == [1.0, 5.0]
    assert red_at(plot, 3.0, 3.0)
    arrow.set_points(np.array([[1.0, 1.0], [np.nan, 2.0]]))
    assert arrow.boundingRect().isEmpty()
    assert not red_at(plot, 1.2, 1.2)
