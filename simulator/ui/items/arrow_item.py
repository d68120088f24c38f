"""An arrow in one graphics item: its shaft through data points (maybe over a casing) and its head.

The landscape moves its step and momentum arrows on every frame. Made of a curve for the
shaft, another under it for a casing and a pyqtgraph ``ArrowItem`` for the head, each move
set three or four items (their data, bounds, head path and rotation) and painted as many.
An ``ArrowItem`` here is moved by one ``set_points`` and painted in one call, in device
pixels as those were: cosmetic pens, and a head of a fixed size in pixels whose tip is the
last point, pointing along the shaft's last piece on screen.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF


class ArrowItem(pg.GraphicsObject):
    """An arrow along (x, y) data points: a shaft stroked by each pen in turn, then a head.

    Parameters
    ----------
    head_length : float
        The head's length in pixels, from its base to its tip.
    tip_angle : float
        The angle at the tip, in degrees.
    """

    def __init__(self, head_length: float, tip_angle: float = 40.0):
        super().__init__()
        self._points = np.zeros((0, 2))
        self._pens: list[QPen] = []  # the shaft's strokes, the lowest first (a casing, the line)
        self._head_pen, self._head_brush = QPen(), QBrush()
        self._length = float(head_length)
        self._half_width = self._length * math.tan(math.radians(tip_angle / 2))
        self._data_rect = QRectF()

    def set_style(self, shaft_pens: list[QPen], head_pen: QPen, head_brush: QBrush) -> None:
        """Set the shaft's pens (drawn in this order) and the head's outline and fill."""
        self._pens = [QPen(pen) for pen in shaft_pens]
        self._head_pen, self._head_brush = QPen(head_pen), QBrush(head_brush)
        self.prepareGeometryChange()  # a wider pen needs more room
        self.update()

    def set_points(self, points: np.ndarray) -> None:
        """Draw the shaft through these (x, y) data points, the head at the last.

        Points that are not finite are left out (a curve's heights beyond its grid); with
        fewer than two left, nothing is drawn.
        """
        self.prepareGeometryChange()
        points = np.array(points, dtype=float).reshape(-1, 2)
        self._points = points[np.all(np.isfinite(points), axis=1)]
        if len(self._points):
            (x0, y0), (x1, y1) = self._points.min(axis=0), self._points.max(axis=0)
            self._data_rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.update()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 - as pyqtgraph's curves
        """Return the shaft's x and y data coordinates."""
        return self._points[:, 0], self._points[:, 1]

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        """Make room anew: the head and the pens keep their size in pixels as the view zooms."""
        self.prepareGeometryChange()

    def _pixel(self) -> tuple[float, float]:
        """Return the width and height of a screen pixel in data units (0 before it is shown)."""
        px, py = self.pixelVectors()
        return (0.0 if px is None else px.length()), (0.0 if py is None else py.length())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the shaft's data rectangle with room for the head and the widest pen."""
        if len(self._points) < 2:
            return QRectF()
        room = self._length + max((pen.widthF() for pen in self._pens), default=1.0) + 2.0
        px, py = self._pixel()
        return self._data_rect.adjusted(-room * px, -room * py, room * px, room * py)

    def shape(self) -> QPainterPath:
        """Return the shaft as stroked a few pixels wide: where its tooltip shows."""
        path = QPainterPath()
        if len(self._points) < 2:
            return path
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self._points.tolist()]))
        stroker = QPainterPathStroker()
        width = max((pen.widthF() for pen in self._pens), default=1.0) + 4.0
        stroker.setWidth(width * max(self._pixel()))
        return stroker.createStroke(path)

    def paint(self, painter: QPainter, *args) -> None:
        """Stroke the shaft with each pen, then fill the head, in device pixels."""
        if len(self._points) < 2:
            return
        shaft = painter.transform().map(
            QPolygonF([QPointF(x, y) for x, y in self._points.tolist()]))
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen in self._pens:
            painter.setPen(pen)
            painter.drawPolyline(shaft)
        tip, before = shaft[len(shaft) - 1], shaft[len(shaft) - 2]
        dx, dy = tip.x() - before.x(), tip.y() - before.y()
        length = math.hypot(dx, dy)
        if math.isfinite(length) and length >= 1e-6:  # no length on screen: no direction
            ux, uy = dx / length, dy / length
            bx, by = tip.x() - ux * self._length, tip.y() - uy * self._length
            nx, ny = -uy * self._half_width, ux * self._half_width
            painter.setPen(self._head_pen)
            painter.setBrush(self._head_brush)
            painter.drawPolygon(QPolygonF([tip, QPointF(bx + nx, by + ny), QPointF(bx - nx, by - ny)]))
        painter.restore()
