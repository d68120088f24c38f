"""Painting a figure's widget into the bytes of a PNG, SVG or PDF, and writing files atomically.

The widget is laid out at the figure's physical size in 96-dpi pixels
(``FigureSpec.layout``); each painter maps those to its own units: a PNG of
width·scale × height·scale pixels (its DPI written in), an SVG whose size is in
millimetres (each plot masked to its data area), a PDF page of the figure's size with
its fonts embedded. pyqtgraph's items are told they are being exported, so scatter
marks are drawn as shapes, not bitmaps. pyqtgraph's own SVG exporter fails with
PySide6 6.11 (pyqtgraph issue #3485), so vector files come from ``QSvgGenerator`` and
``QPdfWriter``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPoint,
    QPointF,
    QRect,
    QSize,
    QSizeF,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QMatrix4x4,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QVector3D,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsView,
    QMenuBar,
    QProxyStyle,
    QStyle,
    QWidget,
)

from .spec import LAYOUT_DPI, FigureSpec
from .svg_flatten import MAX_PARTS, Box, flatten_svg, part_mark, plot_mark

INCHES_PER_METRE = 39.37007874
CLIPS_CHILDREN = QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape
GLYPH_SLACK = 0.04  # how much wider than Qt librsvg may set a line of text (at least 4 px)
PAPER = "figure_paper_size"  # a widget property: the size its figure is painted at


def paper_size(widget: QWidget) -> QSize:
    """Return the size (96-dpi pixels) of a widget's figure on paper.

    It is the widget's own, unless the widget was laid out larger to fit and is painted
    shrunk (``PAPER``).
    """
    paper = widget.property(PAPER)
    return paper if isinstance(paper, QSize) else widget.size()


def background_of(widget: QWidget) -> QColor:
    """Return the colour a figure's background is filled with (the view's own)."""
    return widget.palette().window().color()


@contextmanager
def exporting(widget: QWidget, painter: QPainter, marks: float = 1.0) -> Iterator[None]:
    """Paint a widget's plots as vectors: no cached pixmaps, scatter marks as shapes.

    Every pyqtgraph item is told it is being exported (marks then come out as paths,
    ``marks`` times their size); item and background caches are off meanwhile, so a
    cached item (the contours) is drawn as lines rather than as a picture of them.
    """
    views = widget.findChildren(QGraphicsView)
    if isinstance(widget, QGraphicsView):
        views.append(widget)
    items = [item for view in views for item in view.scene().items()]
    caches = [(item, item.cacheMode()) for item in items]
    backgrounds = [(view, view.cacheMode()) for view in views]
    options = {"antialias": True, "background": background_of(widget), "painter": painter,
               "resolutionScale": marks}
    for item, _ in caches:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        if hasattr(item, "setExportMode"):
            item.setExportMode(True, options)
    for view, _ in backgrounds:
        view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
    try:
        yield
    finally:
        for item, mode in caches:
            item.setCacheMode(mode)
            if hasattr(item, "setExportMode"):
                item.setExportMode(False)
        for view, mode in backgrounds:
            view.setCacheMode(mode)


def image_of(widget: QWidget, spec: FigureSpec, marks: float = 1.0,
             background: QColor | None = None) -> QImage:
    """Return the figure painted into an image of ``spec.pixels``, its DPI set."""
    width, height = spec.pixels
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(background or background_of(widget))
    ratio = width / max(1, paper_size(widget).width())
    image.setDevicePixelRatio(ratio)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    painter.scale(*shrink(widget))
    with exporting(widget, painter, marks):
        widget.render(painter, QPoint(), renderFlags=QWidget.RenderFlag.DrawChildren)
        paint_3d_labels(widget, painter)
    painter.end()
    image.setDevicePixelRatio(1.0)
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    dots = round(spec.dpi * spec.scale * INCHES_PER_METRE)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)
    return image


def shrink(widget: QWidget) -> tuple[float, float]:
    """Return how much a widget laid out larger than its figure is shrunk to its paper size."""
    paper = paper_size(widget)
    return paper.width() / max(1, widget.width()), paper.height() / max(1, widget.height())


def paint_3d_labels(widget: QWidget, painter: QPainter) -> None:
    """Paint the labels of the widget's 3-D views (pyqtgraph's GLTextItem) over their pictures.

    A 3-D view paints its labels with a painter on the screen over its OpenGL picture;
    the picture a figure takes of it (its framebuffer) has none. Here each label is put
    where the view puts it (``label_points``).
    """
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    views = [view for view in widget.findChildren(QOpenGLWidget) if view.isVisibleTo(widget)]
    if not views:
        return
    import pyqtgraph.opengl as gl

    for view in views:
        if not isinstance(view, gl.GLViewWidget):
            continue
        offset = QPointF(view.mapTo(widget, QPoint()))
        for item, point in label_points(view):
            painter.save()
            painter.setPen(QColor(item.color))
            painter.setFont(item.font)
            painter.drawText(point + offset, item.text)
            painter.restore()


def label_points(view) -> list[tuple]:
    """Return a 3-D view's shown labels, each with where its text starts in the view's pixels.

    Each label's 3-D point goes through the camera onto the view's pixels, and is moved
    by its alignment as the view moves it.
    """
    import pyqtgraph.opengl as gl

    width, height = view.width(), view.height()
    pixels = QMatrix4x4()
    pixels.viewport(0, height, width, -height)  # as GLTextItem maps to the view's pixels
    camera = pixels * view.projectionMatrix((0, 0, width, height), (0, 0, width, height)) \
        * view.viewMatrix()
    points = []
    for item in view.items:
        if not isinstance(item, gl.GLTextItem) or not item.visible() or not item.text:
            continue
        placed = camera
        for parent in reversed(_item_chain(item)):
            placed = placed * parent.transform()
        points.append((item, item.align_text(placed.map(QVector3D(*item.pos)).toPointF())))
    return points


def _item_chain(item) -> list:
    """Return a 3-D item and its parents, the item first."""
    chain = [item]
    while chain[-1].parentItem() is not None:
        chain.append(chain[-1].parentItem())
    return chain


def png_bytes(image: QImage) -> bytes:
    """Return an image as PNG bytes (the same pixels give the same bytes)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ValueError("could not encode the PNG")
    buffer.close()
    return bytes(data)


def svg_bytes(widget: QWidget, title: str, marks: float = 1.0) -> bytes:
    """Return the figure as SVG: vectors and text, sized in millimetres, for every renderer."""
    size = widget.size()  # its drawing's units; the file's size is its size on paper
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # SVG Tiny 1.2, Qt's default: Qt's 1.1 output writes some clip paths in the wrong
    # coordinates (a label's legend vanishes in librsvg), and a figure is laid out to fit.
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(round(LAYOUT_DPI))
    generator.setSize(paper_size(widget))
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Made with Backprop Hiker")
    painter = QPainter(generator)
    painter.fillRect(QRect(QPoint(), size), background_of(widget))
    with exporting(widget, painter, marks), marked_plots(widget) as plots, \
            menu_bars_unfilled(widget):
        parts = render_parts(widget, painter)
        paint_3d_labels(widget, painter)
    painter.end()
    buffer.close()
    svg = bytes(data)
    return flatten_svg(svg, font_fallbacks(svg), plots, parts, drawn_sizes(svg))


def render_parts(widget: QWidget, painter: QPainter) -> dict[int, Box]:
    """Paint a widget and each widget in it on its own, between two marks; return what of each is seen.

    What of a widget is seen is its rectangle cut to its parents' (as Qt clips it on the
    screen); the SVG masks each widget's painting to it (``flatten_svg``), so a widget
    that paints past its edge (a tab bar's tabs) does not cover its neighbour. Each
    rectangle reaches ``GLYPH_SLACK`` further right: librsvg sets a line of text a little
    wider than Qt, and its end would be cut at the widget's edge.
    """
    areas: dict[int, Box] = {}

    def paint(part: QWidget, seen: QRect) -> None:
        top = part is widget
        offset = QPoint() if top else part.mapTo(widget, QPoint())
        rect = QRect(offset, QWidget.size(part))  # some widgets have an attribute "size"
        rect.setWidth(rect.width() + max(4, round(GLYPH_SLACK * rect.width())))
        rect = rect.intersected(seen)
        if rect.isEmpty():
            return
        number = len(areas) if len(areas) < MAX_PARTS else None
        if number is not None:
            areas[number] = (rect.x(), rect.y(), rect.width(), rect.height())
            _mark(painter, part_mark(number, False), rect)
        # Only the figure itself fills its background: the flag fills any widget's.
        flags = QWidget.RenderFlag.DrawWindowBackground if top else QWidget.RenderFlag(0)
        QWidget.render(part, painter, offset, renderFlags=flags)
        if number is not None:
            _mark(painter, part_mark(number, True), rect)
        for child in part.children():
            if isinstance(child, QWidget) and not child.isWindow() and child.isVisibleTo(widget):
                paint(child, rect)

    paint(widget, QRect(QPoint(), widget.size()))
    return areas


def _mark(painter: QPainter, colour: str, rect: QRect) -> None:
    """Paint a tiny line in ``colour`` at a rectangle's corner: a mark ``flatten_svg`` takes out."""
    painter.save()
    painter.setPen(QPen(QColor(colour), 0))
    corner = QPointF(rect.topLeft())
    painter.drawLine(corner, corner + QPointF(0.01, 0.01))
    painter.restore()


class _UnfilledBar(QProxyStyle):
    """The app's style, less the fill of a menu bar's empty part.

    A menu bar fills its empty part after its items, clipped to leave them out; an SVG has
    no clipping, so the fill would cover the menus' names. The window beneath is the
    same colour.
    """

    def drawControl(self, element, option, painter, widget=None) -> None:  # noqa: N802 - Qt's
        """Draw every control but a menu bar's empty part."""
        if element != QStyle.ControlElement.CE_MenuBarEmptyArea:
            super().drawControl(element, option, painter, widget)


@contextmanager
def menu_bars_unfilled(widget: QWidget) -> Iterator[None]:
    """Draw the widget's menu bars without the fill that covers their items (``_UnfilledBar``)."""
    bars = widget.findChildren(QMenuBar)
    if not bars:
        yield
        return
    style = _UnfilledBar(QApplication.style().name())
    for bar in bars:
        bar.setStyle(style)
    try:
        yield
    finally:
        for bar in bars:
            bar.setStyle(None)


@contextmanager
def marked_plots(widget: QWidget) -> Iterator[dict[int, tuple[float, float, float, float]]]:
    """Mark where each plot's items start and end as the widget paints; yield the plots' areas.

    A plot is an item that clips its children (a pyqtgraph ViewBox: the data area). Two
    tiny lines in colours ``svg_flatten`` knows are its first and last children while the
    SVG is painted, so the SVG can be masked to the areas yielded (in the widget's
    coordinates), as Qt clips on screen.
    """
    areas, marks = {}, []
    for view in widget.findChildren(QGraphicsView):
        if not view.isVisibleTo(widget):
            continue
        offset = QPointF(view.viewport().mapTo(widget, QPoint()))
        for item in view.scene().items():
            if len(areas) > 255 or not item.isVisible() or not item.flags() & CLIPS_CHILDREN:
                continue
            rect = item.boundingRect()
            area = view.viewportTransform().map(item.mapToScene(rect)).boundingRect()
            areas[len(areas)] = (area.x() + offset.x(), area.y() + offset.y(),
                                 area.width(), area.height())
            corner = QPainterPath(rect.center())
            corner.lineTo(rect.center() + QPointF(0.01, 0.01))
            for end, z in ((False, -1e12), (True, 1e12)):
                mark = QGraphicsPathItem(corner, item)
                mark.setPen(QPen(QColor(plot_mark(len(areas) - 1, end)), 0))
                mark.setZValue(z)
                marks.append(mark)
    try:
        yield areas
    finally:
        for mark in marks:
            mark.scene().removeItem(mark)


def font_fallbacks(svg: bytes) -> dict[str, str]:
    """Return, for each font family an SVG names, the family it really is and a generic fallback.

    The generic family is ``monospace`` for a fixed-pitch font (the nudge test's numbers),
    else ``sans-serif``: the numbers were written as "monospace, sans-serif", which Qt's
    SVG renderer drew in a proportional font.
    """
    fallbacks = {}
    for family in set(re.findall(rb'font-family="([^"]*)"', svg)):
        name = family.decode().strip().strip("'\"")
        font = QFont(name)
        info, metrics = QFontInfo(font), QFontMetricsF(font)
        # Measured: Qt reports Noto Sans Mono (fontconfig's "monospace") as not fixed-pitch.
        fixed = metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("MMMM")
        generic = "monospace" if fixed else "sans-serif"
        listed = ", ".join(dict.fromkeys(f"'{n}'" for n in (info.family(), name)
                                         if n.lower() != generic))
        fallbacks[name] = f"{listed}, {generic}" if listed else generic
    return fallbacks


def drawn_sizes(svg: bytes) -> dict[str, str]:
    """Return, for each font size an SVG names (in pixels), the size Qt really set its text at.

    Qt lays text out and paints it at a whole number of pixels where its font engine does
    (here a 10.8 pt label, 14.4 px, is set at 14 px), but writes the size asked for: librsvg
    then drew a long line 2.9 % wider than Qt and cut its end at the figure's edge.
    """
    dpi = QGuiApplication.primaryScreen().logicalDotsPerInchY()
    sample = "Nudging w1 by 0.001 changes J by 0.006001; the slope is 6."
    sizes = {}
    for text in set(re.findall(rb'font-size="([\d.]+)"', svg)):
        asked = float(text)
        font = QFont(QApplication.font())
        font.setPointSizeF(asked * 72 / dpi)
        whole = QFont(font)
        whole.setPixelSize(max(1, math.floor(asked + 0.5)))
        same = abs(QFontMetricsF(font).horizontalAdvance(sample)
                   - QFontMetricsF(whole).horizontalAdvance(sample)) < 1e-3
        sizes[text.decode()] = str(whole.pixelSize()) if same else text.decode()
    return sizes


def pdf_bytes(widget: QWidget, title: str, marks: float = 1.0) -> bytes:
    """Return the figure as a one-page PDF of its physical size, fonts embedded."""
    size = paper_size(widget)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Backprop Hiker")
    writer.setResolution(round(LAYOUT_DPI))
    points = 72.0 / LAYOUT_DPI
    page = QPageSize(QSizeF(size.width() * points, size.height() * points), QPageSize.Unit.Point,
                     "figure", QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF()))
    painter = QPainter(writer)
    painter.fillRect(QRect(QPoint(), size), background_of(widget))
    painter.scale(*shrink(widget))
    with exporting(widget, painter, marks):
        widget.render(painter, QPoint(), renderFlags=QWidget.RenderFlag.DrawChildren)
        paint_3d_labels(widget, painter)
    painter.end()
    buffer.close()
    return bytes(data)


def figure_bytes(widget: QWidget, spec: FigureSpec, fmt: str, title: str,
                 marks: float = 1.0) -> bytes:
    """Return a laid-out figure as the bytes of a ``.png``, ``.svg`` or ``.pdf`` file."""
    if fmt == ".png":
        return png_bytes(image_of(widget, spec, marks))
    if fmt == ".svg":
        return svg_bytes(widget, title, marks)
    if fmt == ".pdf":
        return pdf_bytes(widget, title, marks)
    raise ValueError(f"a figure is .png, .svg or .pdf, not {fmt}")


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write a file whole or not at all: into a temporary file beside it, then renamed."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; a figure is not
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
