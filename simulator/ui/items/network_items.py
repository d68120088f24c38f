"""Graphics items of the network diagram: one item per layer of neurons, one per layer of weights.

A 4-32-32-32-3 network has more than two thousand weights. Drawing each as its own
``QGraphicsLineItem`` would cost a Python paint call per edge, so every layer of weights is
one item that draws its lines in a few ``drawLines`` calls, one per cached pen; the view
finds the edge under the mouse from the geometry (``EdgeBundleItem.nearest``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QGraphicsItem

from simulator.workspace.numbers import format_number, power_of_ten

LEVELS = 24  # edge widths are drawn with this many cached pens per sign
#: how far outside a neuron its highlight ring's inner edge lies: clear of the backprop
#: stepper's ring (at radius + 3, at most 4 px wide, drawn above the layers), so both show
NEURON_RING_OUTSIDE = 6.0


def nice_ceil(value: float) -> float:
    """Return the smallest of 1, 2, 5 × 10^k that is ≥ value (a stable scale bound)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


@dataclass(frozen=True)
class EdgeScale:
    """How a magnitude (|w| or |∂L/∂w|) becomes an edge width.

    ``kind`` is ``"linear"`` (0 … ``high`` maps to thin … thick) or ``"log"`` (10^``low`` …
    10^``high`` maps to thin … thick; smaller values are hairlines, larger are thickest).
    """

    kind: str
    low: float
    high: float
    thin: float
    thick: float

    def fraction(self, magnitudes: np.ndarray) -> np.ndarray:
        """Return where each magnitude falls on the scale, 0 (thin) … 1 (thick)."""
        m = np.abs(np.asarray(magnitudes, dtype=float))
        with np.errstate(all="ignore"):
            if self.kind == "log":
                t = (np.log10(np.maximum(m, 1e-300)) - self.low) / (self.high - self.low)
            else:
                t = m / self.high
        return np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)

    def widths(self, magnitudes: np.ndarray) -> np.ndarray:
        """Return the pen width of each magnitude, in pixels."""
        return self.widths_at(self.fraction(magnitudes))

    def widths_at(self, fractions: np.ndarray) -> np.ndarray:
        """Return the pen width at each place on the scale (from ``fraction``)."""
        return self.thin + (self.thick - self.thin) * fractions

    def label(self, which: str) -> str:
        """Return the value at the ``"low"`` or ``"high"`` end, written for the legend."""
        if self.kind == "log":
            return power_of_ten(round(self.low if which == "low" else self.high))
        return "0" if which == "low" else format_number(self.high, 3)


class DivergingMap:
    """A colour-blind safe diverging map: negative colour ← middle → positive colour.

    Values in [−1, 1] are looked up in a table of 256 colours (and brushes, and packed
    ARGB words for images), so drawing never builds colours on the fly.
    """

    SIZE = 256

    def __init__(self, negative: str, middle: str, positive: str):
        neg, mid, pos = (np.array(QColor(c).getRgbF()[:3]) for c in (negative, middle, positive))
        t = np.linspace(-1.0, 1.0, self.SIZE)[:, None]
        rgb = np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t)
        rgb8 = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint32)
        self.argb = (0xFF000000 | (rgb8[:, 0] << 16) | (rgb8[:, 1] << 8) | rgb8[:, 2]).astype(np.uint32)
        self.colors = [QColor(int(r), int(g), int(b)) for r, g, b in rgb8]
        self.brushes = [QBrush(c) for c in self.colors]
        luminance = rgb @ np.array([0.299, 0.587, 0.114])
        self.dark = luminance < 0.5  # light text on these entries

    def indices(self, values: np.ndarray) -> np.ndarray:
        """Return the table index of each value in [−1, 1] (clipped, NaN → middle)."""
        v = np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0), -1.0, 1.0)
        return np.rint((v + 1.0) * 0.5 * (self.SIZE - 1)).astype(np.intp)

    def image(self, values: np.ndarray) -> QImage:
        """Return a QImage of a 2-D array of values in [−1, 1] (row 0 at the top)."""
        words = np.ascontiguousarray(self.argb[self.indices(values)])
        h, w = words.shape
        return QImage(words.tobytes(), w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


def _pen(color: QColor | str, width: float, alpha: float = 1.0) -> QPen:
    c = QColor(color)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    pen = QPen(c, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def blend(background: str, colour: str, amount: float) -> QColor:
    """Return the opaque colour ``amount`` of the way from background to colour."""
    a, b = QColor(background), QColor(colour)
    t = max(0.0, min(1.0, amount))
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


class EdgeBundleItem(QGraphicsItem):
    """Every weight W_l[i, j] between two layers, drawn as lines with cached pens.

    Edge ``k`` joins neuron ``k // n_out`` of layer l−1 to neuron ``k % n_out`` of layer
    l, the same order as θ, so θ index = first index of W_l + k.
    """

    def __init__(self, layer: int, n_in: int, n_out: int):
        super().__init__()
        self.layer, self.n_in, self.n_out = layer, n_in, n_out
        n = n_in * n_out
        self.x0 = self.y0 = self.x1 = self.y1 = np.zeros(n)
        self.widths = np.zeros(n)  # exact pen widths in px (drawn rounded to LEVELS)
        self.fractions = np.zeros(n)
        self.positive = np.ones(n, dtype=bool)
        self._lines: list[QLineF] = []
        self._groups: list[tuple[QPen, list[QLineF]]] = []
        self._overlay: list[tuple[QPen, QLineF]] = []
        self._highlights: list[tuple[int, QColor, float]] = []
        self._pens: list[list[QPen]] = [[], []]
        self._style = ("#0072B2", "#E69F00", "#ffffff", 1.0, 6.0, 0.5, 1.0)
        self._rect = QRectF()
        self._drawn: np.ndarray | None = None  # each edge's pen (level and sign) as drawn
        # Antialiased lines cost ten times more; dense networks draw their edges without it.
        self.antialias = True
        # Kept as a picture: the neurons over the edges change more often than the edges do
        # (every sample trace), and thousands of lines are redrawn only when a pen changes.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # ----- geometry and style -----

    def set_geometry(self, x_from: float, ys_from: np.ndarray, x_to: float, ys_to: np.ndarray) -> None:
        """Place the edges: from (x_from, ys_from[i]) to (x_to, ys_to[j])."""
        self.prepareGeometryChange()
        ys_from, ys_to = np.asarray(ys_from, float), np.asarray(ys_to, float)
        self.y0 = np.repeat(ys_from, self.n_out)
        self.y1 = np.tile(ys_to, self.n_in)
        self.x0 = np.full(self.y0.shape, float(x_from))
        self.x1 = np.full(self.y0.shape, float(x_to))
        self._lines = [QLineF(a, b, c, d) for a, b, c, d in
                       zip(self.x0.tolist(), self.y0.tolist(), self.x1.tolist(), self.y1.tolist(),
                           strict=True)]
        self._drawn = None
        pad = self._style[4] + 12
        top = min(ys_from.min(), ys_to.min()) - pad
        bottom = max(ys_from.max(), ys_to.max()) + pad
        self._rect = QRectF(x_from - pad, top, x_to - x_from + 2 * pad, bottom - top)
        _drop_cached_picture(self)
        self._regroup()

    def set_style(self, positive: str, negative: str, background: str, thin: float, thick: float,
                  faint: float, strong: float) -> None:
        """Set sign colours, the width range and how strongly thin … thick edges show.

        Pens are opaque (the colour mixed into the background) with flat caps: Qt strokes
        translucent or round-capped lines through a slow path, ten to fifty times slower.
        """
        self._style = (positive, negative, background, thin, thick, faint, strong)
        self._pens = [[], []]
        for sign, colour in ((0, negative), (1, positive)):
            for level in range(LEVELS):
                f = level / (LEVELS - 1)
                pen = QPen(blend(background, colour, faint + (strong - faint) * f),
                           thin + (thick - thin) * f)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                self._pens[sign].append(pen)
        self._drawn = None
        self._regroup()

    def set_values(self, fractions: np.ndarray, widths: np.ndarray, positive: np.ndarray) -> None:
        """Set each edge's place on the scale (0…1), its exact width and its sign."""
        self.fractions = np.asarray(fractions, float).ravel()
        self.widths = np.asarray(widths, float).ravel()
        self.positive = np.asarray(positive, bool).ravel()
        self._regroup()

    def set_highlights(self, highlights: list[tuple[int, QColor, float]]) -> None:
        """Set edges drawn on top with a halo: (edge, halo colour, extra halo width)."""
        if list(highlights) == self._highlights:
            return  # the same marks (every painted frame sets them): the picture holds
        self._highlights = list(highlights)
        self._rebuild_overlay()
        self.update()

    def _level(self, k: np.ndarray | int):
        return np.rint(self.fractions[k] * (LEVELS - 1)).astype(np.intp)

    def _regroup(self) -> None:
        if not self._lines or not self._pens[0] or len(self.fractions) != len(self._lines):
            self._groups = []
            self.update()
            return
        key = self._level(slice(None)) * 2 + self.positive.astype(np.intp)
        if self._drawn is not None and np.array_equal(key, self._drawn):
            # Every edge keeps its pen (the usual case from one painted frame to the next).
            if self._highlights:
                self._rebuild_overlay()  # a highlight's halo follows the exact width
                self.update()
            return
        self._drawn = key
        order = np.argsort(key, kind="stable")  # thin edges first, thick ones on top
        keys = key[order]
        bounds = [0, *(np.flatnonzero(np.diff(keys)) + 1).tolist(), len(order)]
        lines, ordered = self._lines, order.tolist()
        groups = []
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            k = int(keys[start])
            groups.append((self._pens[k % 2][k // 2], [lines[i] for i in ordered[start:stop]]))
        self._groups = groups
        self._rebuild_overlay()
        self.update()

    def _rebuild_overlay(self) -> None:
        overlay = []
        if self._lines and self._pens[0]:
            for k, colour, extra in self._highlights:
                if not 0 <= k < len(self._lines):
                    continue
                overlay.append((_pen(colour, self.widths[k] + extra), self._lines[k]))
            for k, _, _ in self._highlights:
                if 0 <= k < len(self._lines):
                    pen = QPen(self._pens[int(self.positive[k])][int(self._level(k))])
                    pen.setColor(QColor(self._style[0] if self.positive[k] else self._style[1]))
                    overlay.append((pen, self._lines[k]))
        self._overlay = overlay

    # ----- reading -----

    def midpoint(self, k: int) -> QPointF:
        """Return the middle of edge k (scene coordinates)."""
        return QPointF((self.x0[k] + self.x1[k]) / 2, (self.y0[k] + self.y1[k]) / 2)

    def point_along(self, k: int, t: float) -> QPointF:
        """Return the point a fraction t of the way along edge k."""
        return QPointF(self.x0[k] + t * (self.x1[k] - self.x0[k]),
                       self.y0[k] + t * (self.y1[k] - self.y0[k]))

    def nearest(self, x: float, y: float, slack: float = 4.0) -> list[tuple[float, int]]:
        """Return (distance, edge) of the edges under a point, nearest first, ties topmost first."""
        if not len(self.x0) or not (self.x0[0] <= x <= self.x1[0]):
            return []
        dx, dy = self.x1 - self.x0, self.y1 - self.y0
        with np.errstate(all="ignore"):
            t = np.clip(((x - self.x0) * dx + (y - self.y0) * dy) / (dx * dx + dy * dy), 0, 1)
        dist = np.hypot(self.x0 + t * dx - x, self.y0 + t * dy - y)
        reach = np.maximum(self.widths / 2, 2.0) + slack
        hits = np.flatnonzero(dist <= reach)
        if not len(hits):
            return []
        # Nearest first; among edges equally near (crossings), the one drawn on top first.
        rounded = np.round(dist[hits], 0)
        order = np.lexsort((-hits, -self._level(hits), rounded))
        return [(float(dist[hits[i]]), int(hits[i])) for i in order]

    # ----- QGraphicsItem -----

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the area the edges cover."""
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw every edge, one drawLines call per pen, then the highlighted ones on top."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(lines)
        painter.restore()
        for pen, line in self._overlay:
            painter.setPen(pen)
            painter.drawLine(line)


class LayerItem(QGraphicsItem):
    """The neurons of one layer: fill by activation, a bias badge, value text, thumbnails.

    The bias badge sits on top of each neuron (where a bias "enters" in textbook
    drawings); its size follows |b| (or |∂L/∂b| in gradient mode) and its colour the sign.
    """

    def __init__(self, layer: int, count: int, has_bias: bool):
        super().__init__()
        self.layer, self.count, self.has_bias = layer, count, has_bias
        self.x = 0.0
        self.ys = np.zeros(count)
        self.radius = 10.0
        self.badge_radius = 4.0
        self.thumb_size = 0.0
        self.thumb_gap = 4.0
        self.fills: list[QBrush] = [QBrush(QColor("white"))] * count
        self.texts: list[str] | None = None
        self.text_pens: list[QPen] = []
        self.badge_brushes: list[QBrush] = [QBrush(QColor("gray"))] * count
        self.badge_radii = np.zeros(count)
        self.thumbnails: list[QImage] | None = None
        self._scaled: tuple[int, list[QPixmap]] = (0, [])  # thumbnails at their screen size
        self.labels: list[str] | None = None
        self.label_side = "left"
        self.badge_highlights: dict[int, list[QColor]] = {}
        self.neuron_highlights: dict[int, QColor] = {}
        self.inactive: frozenset[int] = frozenset()  # inputs offered but not fed (dashed, faint)
        self._outline = QPen(QColor("#5f6368"), 1.5)
        self._frame = QPen(QColor("#5f6368"), 1.0)
        self._badge_pen = QPen(QColor("#5f6368"), 1.0)
        self._label_pen = QPen(QColor("#1b1b1f"))
        self._value_font = QFont()
        self._label_font = QFont()
        self._rect = QRectF()
        self._centres: list[QPointF] = []  # each neuron's centre, and its bias badge's
        self._badge_centres: list[QPointF] = []
        # The diagram repaints whole (its edges cross everything): a layer that did not
        # change is copied from its picture rather than drawn again neuron by neuron.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_geometry(self, x: float, ys: np.ndarray, radius: float, thumb_size: float) -> None:
        """Place the neurons at (x, ys[j]) with this radius; thumbnails this wide (0: none)."""
        self.prepareGeometryChange()
        self.x, self.ys, self.radius = float(x), np.asarray(ys, float), float(radius)
        self.thumb_size = float(thumb_size)
        self.thumb_gap = max(3.0, radius * 0.2)
        self.badge_radius = max(3.5, radius * 0.36)
        # Made once: a layer of 32 neurons is repainted on every painted frame while playing.
        self._centres = [QPointF(self.x, y) for y in self.ys.tolist()]
        self._badge_centres = [QPointF(self.x, y - self.radius) for y in self.ys.tolist()]
        self._value_font.setPixelSize(max(9, int(round(radius * 0.57))))
        self._value_font.setBold(True)
        self._outline.setWidthF(max(1.0, radius * 0.08))
        self._update_rect()
        _drop_cached_picture(self)

    def _update_rect(self) -> None:
        r = self.radius + self.badge_radius * 2 + 4
        label_room = 140.0 if self.labels else 0.0
        left = self.x - r - (label_room if self.label_side == "left" else 0)
        right = self.x + r + self.thumb_gap + self.thumb_size + (
            label_room if self.label_side == "right" else 0)
        top = float(self.ys.min()) - r - self.thumb_size / 2 if self.count else 0.0
        bottom = float(self.ys.max()) + r + self.thumb_size / 2 if self.count else 0.0
        self._rect = QRectF(left, top, right - left, bottom - top)

    def set_style(self, outline: str, text: str, label_font: QFont) -> None:
        """Set the outline and label colours and the font of the input/output labels."""
        self._outline.setColor(QColor(outline))
        self._frame.setColor(QColor(outline))
        self._badge_pen.setColor(QColor(outline))
        self._label_pen.setColor(QColor(text))
        self._label_font = QFont(label_font)
        self.update()

    def set_labels(self, labels: list[str] | None, side: str) -> None:
        """Set names drawn beside the neurons (x₁, x₂ … left of inputs; ŷ right of outputs)."""
        self.prepareGeometryChange()
        self.labels, self.label_side = labels, side
        self._update_rect()
        self.update()

    def set_values(self, fills: list[QBrush], texts: list[str] | None, text_pens: list[QPen],
                   badge_brushes: list[QBrush] | None = None,
                   badge_radii: np.ndarray | None = None) -> None:
        """Set each neuron's fill, value text, and its bias badge's fill and size."""
        same = fills == self.fills and texts == self.texts and text_pens == self.text_pens
        if badge_brushes is not None:
            radii = np.asarray(badge_radii, float)
            same = same and badge_brushes == self.badge_brushes and \
                np.array_equal(radii, self.badge_radii)
            self.badge_brushes, self.badge_radii = badge_brushes, radii
        self.fills, self.texts, self.text_pens = fills, texts, text_pens
        if not same:  # an unchanged layer is not repainted
            self.update()

    def set_thumbnails(self, images: list[QImage] | None) -> None:
        """Set the per-neuron output maps over the input plane (``None``: hide them)."""
        self.thumbnails = images
        self._scaled = (0, [])
        self.update()

    def _scaled_thumbnails(self, pixels: int) -> list[QPixmap]:
        """Return the thumbnails smoothed to their size on screen, made once per size.

        Scaling 24×24 maps smoothly on every repaint cost more than the rest of the
        diagram; drawn at their own size they are a plain copy.
        """
        if self._scaled[0] != pixels:
            mode = Qt.TransformationMode.SmoothTransformation
            self._scaled = (pixels, [QPixmap.fromImage(im.scaled(
                pixels, pixels, Qt.AspectRatioMode.IgnoreAspectRatio, mode)) for im in self.thumbnails])
        return self._scaled[1]

    def set_highlights(self, badges: dict[int, list[QColor]], neurons: dict[int, QColor]) -> None:
        """Set rings drawn around badges (axis colours, selection) and around neurons (hover)."""
        if (badges, neurons) == (self.badge_highlights, self.neuron_highlights):
            return  # the same rings (every painted frame sets them): the picture holds
        self.badge_highlights, self.neuron_highlights = badges, neurons
        self.update()

    def badge_centre(self, j: int) -> QPointF:
        """Return the centre of neuron j's bias badge."""
        return QPointF(self.x, self.ys[j] - self.radius)

    def thumbnail_rect(self, j: int) -> QRectF:
        """Return where neuron j's thumbnail is drawn."""
        s = self.thumb_size
        return QRectF(self.x + self.radius + self.thumb_gap, self.ys[j] - s / 2, s, s)

    def neuron_ring(self) -> tuple[float, float]:
        """Return the radius and pen width of the ring a highlighted neuron gets."""
        width = max(2.5, self.radius * 0.16)
        return self.radius + NEURON_RING_OUTSIDE + width / 2, width

    def covered(self, thumbnails: bool = True) -> list[QPainterPath | QRectF]:
        """Return what the layer draws that a tag should not cover: discs, badges, labels, thumbnails."""
        shapes: list[QPainterPath | QRectF] = []
        radii = self.badge_radii.tolist() if len(self.badge_radii) == self.count else []
        for j, y in enumerate(self.ys.tolist()):
            disc = QPainterPath()
            disc.addEllipse(QPointF(self.x, y), self.radius, self.radius)
            if self.has_bias:
                rb = max(self.badge_radius, radii[j] if radii else 0.0)
                disc.addEllipse(self.badge_centre(j), rb, rb)
            shapes.append(disc)
            if thumbnails and self.thumbnails is not None and self.thumb_size > 0:
                shapes.append(self.thumbnail_rect(j))
        metrics = QFontMetricsF(self._label_font)
        for text, y in zip(self.labels or [], self.ys.tolist(), strict=False):
            width, height = metrics.horizontalAdvance(text), metrics.height()
            left = self.x - self.radius - 6 - width if self.label_side == "left" else self.out_x() + 6
            shapes.append(QRectF(left, y - height / 2, width, height))
        return shapes

    def out_x(self) -> float:
        """Return where outgoing edges start (right of the neuron, or of its thumbnail)."""
        extra = self.thumb_gap + self.thumb_size if self.thumb_size > 0 else 0.0
        return self.x + self.radius + extra

    def hit(self, x: float, y: float) -> tuple[str, int] | None:
        """Return ("bias", j) or ("neuron", j) under a point, or None."""
        if not self.count:
            return None
        if self.has_bias:
            reach = max(self.badge_radius, 6.0)
            d = np.hypot(x - self.x, y - (self.ys - self.radius))
            j = int(np.argmin(d))
            if d[j] <= reach:
                return "bias", j
        d = np.hypot(x - self.x, y - self.ys)
        j = int(np.argmin(d))
        if d[j] <= self.radius + 2:
            return "neuron", j
        if self.thumbnails is not None and self.thumb_size > 0:
            for k in range(self.count):
                if self.thumbnail_rect(k).contains(QPointF(x, y)):
                    return "neuron", k
        return None

    # ----- QGraphicsItem -----

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the area the neurons, badges, thumbnails and labels cover."""
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the thumbnails, the neurons with their values, then the bias badges."""
        r, x = self.radius, self.x
        no_brush = Qt.BrushStyle.NoBrush
        if self.thumbnails is not None and self.thumb_size > 0:
            pixels = max(1, round(self.thumb_size * painter.worldTransform().m11()))
            painter.setPen(self._frame)
            painter.setBrush(no_brush)
            for j, pixmap in enumerate(self._scaled_thumbnails(pixels)):
                rect = self.thumbnail_rect(j)
                painter.drawPixmap(rect, pixmap, QRectF(pixmap.rect()))
                painter.drawRect(rect)
        painter.setPen(self._outline)
        faint = QPen(self._outline)
        faint.setStyle(Qt.PenStyle.DashLine)
        for j, (centre, fill) in enumerate(zip(self._centres, self.fills, strict=True)):
            if self.inactive:
                painter.setPen(faint if j in self.inactive else self._outline)
                fill = no_brush if j in self.inactive else fill
            painter.setBrush(fill)
            painter.drawEllipse(centre, r, r)
        ring, width = self.neuron_ring()
        for j, colour in self.neuron_highlights.items():
            painter.setPen(_pen(colour, width))
            painter.setBrush(no_brush)
            painter.drawEllipse(QPointF(x, self.ys[j]), ring, ring)
        if self.texts is not None:
            painter.setFont(self._value_font)
            for j, text in enumerate(self.texts):
                painter.setPen(self.text_pens[j])
                painter.drawText(QRectF(x - r, self.ys[j] - r, 2 * r, 2 * r),
                                 Qt.AlignmentFlag.AlignCenter, text)
        if self.has_bias:
            painter.setPen(self._badge_pen)
            radii = self.badge_radii.tolist() if len(self.badge_radii) == self.count else \
                [self.badge_radius] * self.count
            for centre, brush, rb in zip(self._badge_centres, self.badge_brushes, radii, strict=True):
                painter.setBrush(brush)
                painter.drawEllipse(centre, rb, rb)
            for j, colours in self.badge_highlights.items():
                ring = self.badge_radius + 2.5
                painter.setBrush(no_brush)
                for colour in colours:
                    painter.setPen(_pen(colour, 3.0))
                    painter.drawEllipse(self.badge_centre(j), ring, ring)
                    ring += 3.0
        if self.labels:
            painter.setFont(self._label_font)
            painter.setPen(self._label_pen)
            room = 130.0
            muted = QColor(self._label_pen.color())
            muted.setAlphaF(0.45)
            for j, text in enumerate(self.labels):
                painter.setPen(_pen(muted, 1.0) if j in self.inactive else self._label_pen)
                y = self.ys[j]
                if self.label_side == "left":
                    rect = QRectF(x - r - 6 - room, y - 20, room, 40)
                    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                else:
                    rect = QRectF(self.out_x() + 6, y - 20, room, 40)
                    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                painter.drawText(rect, align, text)


class AxisTagItem(QGraphicsItem):
    """A small label ("X" or "Y") in the landscape's axis colour, pinned to a parameter."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self._font = QFont()
        self._font.setBold(True)
        self._font.setPixelSize(14)
        self._fill = QColor("#D55E00")
        self._ink = QColor("white")
        self._size = QRectF(0, 0, 22, 20)
        self.setZValue(10)

    def set_style(self, colour: str, pixel_size: int) -> None:
        """Set the tag's colour and text size."""
        self.prepareGeometryChange()
        self._fill = QColor(colour)
        light = 0.299 * self._fill.redF() + 0.587 * self._fill.greenF() + 0.114 * self._fill.blueF()
        self._ink = QColor("#1b1b1f" if light > 0.6 else "white")  # legible on bright dark-theme colours
        self._font.setPixelSize(pixel_size)
        h = pixel_size + 6
        self._size = QRectF(-h / 2 - 2, -h / 2, h + 4, h)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the tag's rectangle (centred on its position)."""
        return self._size.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw a filled rounded box with the letter in it."""
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(self._fill)
        painter.drawRoundedRect(self._size, 4, 4)
        painter.setPen(self._ink)
        painter.setFont(self._font)
        painter.drawText(self._size, Qt.AlignmentFlag.AlignCenter, self.text)


@dataclass
class StepMarks:
    """What the backprop stepper marks on the diagram, in scene coordinates.

    ``veil_rects``, ``veil_circles`` (centre, radius) and ``veil_lines`` cover what is not
    computed yet, at ``veil_alpha``; ``rings`` (centre, radius, colour, width) and
    ``halos`` (line, colour, width) mark what the operation writes and reads; ``tags``
    (anchor point, text, fill, ink) write values beside them.
    """

    veil_alpha: float = 0.0
    veil_rects: list = None
    veil_circles: list = None
    veil_lines: list = None
    veil_width: float = 6.0
    rings: list = None
    halos: list = None
    tags: list = None

    def __post_init__(self) -> None:
        for name in ("veil_rects", "veil_circles", "veil_lines", "rings", "halos", "tags"):
            if getattr(self, name) is None:
                setattr(self, name, [])


class StepOverlayItem(QGraphicsItem):
    """The stepper's marks over the diagram: a veil on what is not computed yet, rings, values."""

    def __init__(self):
        super().__init__()
        self.marks = StepMarks()
        self.background = QColor("#ffffff")
        self._rect = QRectF()
        self._font = QFont()
        self._font.setBold(True)
        self.setZValue(8)

    def set_marks(self, marks: StepMarks, background: str, area: QRectF, pixel_size: int) -> None:
        """Show these marks (the veil in the diagram's background colour)."""
        self.prepareGeometryChange()
        self.marks, self.background, self._rect = marks, QColor(background), QRectF(area)
        self._font.setPixelSize(pixel_size)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the whole diagram."""
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the veil, then halos and rings, then the value tags."""
        m = self.marks
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        veil = QColor(self.background)
        veil.setAlphaF(m.veil_alpha)
        if m.veil_alpha > 0:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(veil)
            for rect in m.veil_rects:
                painter.drawRect(rect)
            for centre, radius in m.veil_circles:
                painter.drawEllipse(centre, radius, radius)
            if m.veil_lines:
                pen = QPen(veil, m.veil_width)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                painter.setPen(pen)
                painter.drawLines(m.veil_lines)
        for line, colour, width in m.halos:
            painter.setPen(_pen(colour, width))
            painter.drawLine(line)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for centre, radius, colour, width in m.rings:
            painter.setPen(_pen(colour, width))
            painter.drawEllipse(centre, radius, radius)
        painter.setFont(self._font)
        for rect, (_, text, fill, ink) in zip(self.tag_rects(), m.tags, strict=True):
            painter.setPen(QPen(QColor(ink), 1))
            painter.setBrush(QColor(fill))
            painter.drawRoundedRect(rect, 4, 4)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def tag_rects(self) -> list[QRectF]:
        """Return where each value tag is drawn (in scene coordinates), kept inside the diagram."""
        metrics = QFontMetricsF(self._font)
        rects = []
        for anchor, text, _, _ in self.marks.tags:
            w = metrics.horizontalAdvance(text) + 10
            h = metrics.height() + 4
            rect = QRectF(anchor.x(), anchor.y() - h / 2, w, h)
            rect.moveLeft(min(rect.left(), self._rect.right() - w - 2))
            rect.moveTop(max(self._rect.top() + 1, min(rect.top(), self._rect.bottom() - h - 1)))
            rects.append(self.mapRectToScene(rect))
        return rects


def _drop_cached_picture(item: QGraphicsItem) -> None:
    """Forget an item's cached picture, so that it is drawn afresh at its new place and size.

    ``update()`` is not enough here: a view moved into presenter mode's stage kept drawing a
    layer's picture from before (its old size, and the values of then) after the relayout.
    """
    mode = item.cacheMode()
    item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    item.setCacheMode(mode)
