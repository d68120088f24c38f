"""Painting a widget into a file: PNG (at twice the pixels), SVG or PDF, through Qt's painters.

pyqtgraph's own SVG exporter fails with PySide6 6.11 (pyqtgraph issue #3485), so vector
files are painted with ``QSvgGenerator`` and ``QPdfWriter``: every plot item draws itself
into them as lines and text, not as a picture.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

FORMATS = (".png", ".svg", ".pdf")
PNG_SCALE = 2  # crisp on paper and on high-density screens


def render_widget(widget: QWidget, path: str | os.PathLike, title: str = "Backprop Hiker") -> Path:
    """Paint a widget into ``path`` (its suffix picks the format); write atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path.name}: choose a .png, .svg or .pdf file name")
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        {".png": _png, ".svg": _svg, ".pdf": _pdf}[suffix](widget, tmp, title)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; a figure is not
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def _png(widget: QWidget, path: str, title: str) -> None:
    size = widget.size()
    image = QImage(size * PNG_SCALE, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(PNG_SCALE)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    widget.render(painter, QPoint())
    painter.end()
    if not image.save(path, "PNG"):
        raise ValueError(f"could not write {path}")


def _svg(widget: QWidget, path: str, title: str) -> None:
    size = widget.size()
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Made with Backprop Hiker")
    painter = QPainter(generator)
    painter.fillRect(QRect(0, 0, size.width(), size.height()), widget.palette().window().color())
    widget.render(painter, QPoint())
    painter.end()


def _pdf(widget: QWidget, path: str, title: str) -> None:
    size = widget.size()
    writer = QPdfWriter(path)
    writer.setTitle(title)
    writer.setCreator("Backprop Hiker")
    writer.setResolution(96)
    page = QPageSize(QSizeF(size.width() * 0.75, size.height() * 0.75), QPageSize.Unit.Point,
                     "figure", QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF()))
    painter = QPainter(writer)
    scale = writer.width() / max(1, size.width())
    painter.scale(scale, scale)
    painter.fillRect(QRect(0, 0, size.width(), size.height()), QColor(widget.palette().window().color()))
    widget.render(painter, QPoint())
    painter.end()


#: the most pixels a window or view is drawn at (a 4K screen); a PNG has PNG_SCALE² as many
MAX_PIXELS = 3840 * 2160


def parse_size(text: str) -> QSize:
    """Return a QSize from ``"1600x1000"`` (each side 200–8000, at most MAX_PIXELS in all).

    The cap keeps memory in bounds: 8000x8000 drawn at twice the pixels took 1.7 GB.
    """
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size: expected WIDTHxHEIGHT like 1600x1000, got {text[:40]!r}") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise ValueError(f"--size: each side must be 200–8000 pixels, got {w}x{h}")
    if w * h > MAX_PIXELS:
        raise ValueError(f"--size: {w}x{h} is {w * h:,} pixels; at most {MAX_PIXELS:,} "
                         "(3840x2160) keep the file's memory in bounds")
    return QSize(w, h)
