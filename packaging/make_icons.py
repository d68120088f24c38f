"""Render Backprop Hiker's icon from its SVG sources: PNGs 16–512 px, a Windows ``.ico``, a macOS ``.icns``.

Run it after editing an SVG in ``resources/icons/`` (``make icons``); the results are committed,
so that a build needs neither this script nor an SVG renderer. Sizes up to ``SMALL_UP_TO`` are
drawn from ``backprop-hiker-small.svg`` (fewer, bolder shapes that stay legible in a tab or a
panel), larger ones from ``backprop-hiker.svg``. Qt's own SVG renderer draws them; Pillow
writes the ``.ico`` and ``.icns`` containers from those same pixels.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
NAME = "backprop-hiker"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest a .ico entry holds
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # 1024 is the 512 pt @2x entry
SMALL_UP_TO = 32


def source_for(size: int, icons: Path = ICONS) -> Path:
    """Return the SVG a size is drawn from."""
    return icons / (f"{NAME}-small.svg" if size <= SMALL_UP_TO else f"{NAME}.svg")


def render(size: int, icons: Path = ICONS) -> Image.Image:
    """Return the icon at ``size`` × ``size`` pixels as an RGBA Pillow image."""
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source_for(size, icons)))
    if not renderer.isValid():
        raise ValueError(f"{source_for(size, icons)}: not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def png_path(size: int, icons: Path = ICONS) -> Path:
    """Return where the PNG of one size is kept."""
    return icons / f"{NAME}-{size}.png"


def write_all(icons: Path = ICONS) -> list[Path]:
    """Render every PNG, the ``.ico`` and the ``.icns`` into ``icons``; return the files written."""
    images = {size: render(size, icons) for size in sorted({*PNG_SIZES, *ICO_SIZES, *ICNS_SIZES})}
    written = []
    for size in PNG_SIZES:
        images[size].save(png_path(size, icons), optimize=True)
        written.append(png_path(size, icons))
    ico = icons / f"{NAME}.ico"
    largest = images[max(ICO_SIZES)]
    largest.save(ico, sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    icns = icons / f"{NAME}.icns"
    images[max(ICNS_SIZES)].save(icns, append_images=[images[s] for s in ICNS_SIZES[:-1]])
    return [*written, ico, icns]


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path.relative_to(ICONS.parents[1])}")
