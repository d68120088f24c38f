"""What a figure is: which view, its size in pixels (or centimetres or inches at a DPI), scale, theme.

A figure is laid out for its physical size, as if on a 96-dpi screen (``LAYOUT_DPI``), so
text in points comes out at that many points on paper: a figure 12 cm wide at 300 dpi is
laid out 454 pixels wide, and its 10 pt labels are 10 pt in print. ``scale`` multiplies
the pixels (and the DPI written into a PNG), never the layout.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

FORMATS = (".png", ".svg", ".pdf", ".gif")
THEMES = ("screen", "print")
LAYOUT_DPI = 96.0
DEFAULT_DPI = 150.0
UNITS = {"px": None, "cm": 2.54, "mm": 25.4, "in": 1.0}
#: the most pixels a figure is laid out or drawn at, before its scale (a 4K screen)
MAX_PIXELS = 3840 * 2160
MIN_LAYOUT = (240, 160)  # a figure smaller than this (in layout pixels) cannot hold its axes
#: each figure's name in menus and the Export dialog, by its view (here, not in ``catalog``,
#: so that the window's right-click menus are made without importing every figure's code)
VIEW_LABELS = {"landscape": "Landscape 2-D", "landscape3d": "Landscape 3-D",
               "network": "Network diagram", "formula": "Formula", "loss": "Loss curve",
               "data": "Data", "gradients": "Gradients per layer", "stepper": "Backprop stepper",
               "window": "Whole window"}


def view_label(name: str) -> str:
    """Return a view's name as menus and the Export dialog show it."""
    return VIEW_LABELS[name]


@dataclass(frozen=True)
class FigureSpec:
    """One figure: ``view`` by name, ``width`` × ``height`` pixels before ``scale``, at ``dpi``."""

    view: str = "landscape"
    width: int = 1600
    height: int = 1000
    dpi: float = DEFAULT_DPI
    scale: int = 1
    theme: str = "screen"

    @property
    def pixels(self) -> tuple[int, int]:
        """Return the size of the painted image: width·scale × height·scale."""
        return self.width * self.scale, self.height * self.scale

    @property
    def layout(self) -> tuple[int, int]:
        """Return the size the view is laid out at, in 96-dpi pixels of the physical size."""
        return (round(self.width / self.dpi * LAYOUT_DPI),
                round(self.height / self.dpi * LAYOUT_DPI))

    @property
    def physical_cm(self) -> tuple[float, float]:
        """Return the figure's width and height on paper, in centimetres."""
        return self.width / self.dpi * 2.54, self.height / self.dpi * 2.54


def figure_spec(view: str = "landscape", size: str = "1600x1000", dpi: float = DEFAULT_DPI,
                scale: int = 1, theme: str = "screen", views: tuple[str, ...] | None = None,
                ) -> FigureSpec:
    """Return a checked FigureSpec, or raise ValueError naming the option that is wrong."""
    if views is not None and view not in views:
        raise ValueError(f"--view: choose one of {', '.join(views)}; got {view!r}")
    if not 30 <= dpi <= 2400:
        raise ValueError(f"--dpi must be 30–2400, got {dpi:g}")
    if scale not in (1, 2, 3, 4):
        raise ValueError(f"--scale must be 1, 2, 3 or 4, got {scale}")
    if theme not in THEMES:
        raise ValueError(f"--theme: choose screen or print; got {theme!r}")
    width, height = parse_size(size, dpi)
    spec = FigureSpec(view, width, height, float(dpi), scale, theme)
    lw, lh = spec.layout
    if lw < MIN_LAYOUT[0] or lh < MIN_LAYOUT[1]:
        cw, ch = spec.physical_cm
        raise ValueError(f"--size: {width}x{height} px at {dpi:g} dpi is {cw:.1f} × {ch:.1f} cm, "
                         f"too small for a figure's labels; make it at least "
                         f"{_cm_up(MIN_LAYOUT[0])} × {_cm_up(MIN_LAYOUT[1])} cm, or lower the DPI")
    return spec


def _cm_up(pixels: int) -> str:
    """Return layout pixels as centimetres, rounded up to a millimetre (so the size is enough)."""
    return f"{math.ceil(pixels / LAYOUT_DPI * 25.4) / 10:.1f}"


def parse_size(text: str, dpi: float = DEFAULT_DPI) -> tuple[int, int]:
    """Return pixels from ``"1600x1000"``, ``"12x8cm"``, ``"120x80mm"`` or ``"5x3in"`` (at ``dpi``).

    Each side must come to 16–8000 pixels and the whole to at most MAX_PIXELS: 8000x8000
    drawn at twice the pixels took 1.7 GB.
    """
    match = re.fullmatch(r"\s*([\d.]+)\s*[x×]\s*([\d.]+)\s*(px|cm|mm|in)?\s*", text.lower())
    if not match:
        raise ValueError(f"--size: expected WIDTHxHEIGHT like 1600x1000 or 12x8cm, "
                         f"got {text[:40]!r}")
    try:
        w, h = float(match[1]), float(match[2])
    except ValueError:
        raise ValueError(f"--size: {text[:40]!r} is not two numbers") from None
    per_inch = UNITS[match[3] or "px"]
    if per_inch is None:
        if w != int(w) or h != int(h):
            raise ValueError(f"--size: pixels are whole numbers, got {text[:40]!r}")
    else:
        w, h = w / per_inch * dpi, h / per_inch * dpi
    w, h = round(w), round(h)
    if not (16 <= w <= 8000 and 16 <= h <= 8000):
        raise ValueError(f"--size: each side must be 16–8000 pixels, got {w}x{h}")
    if w * h > MAX_PIXELS:
        raise ValueError(f"--size: {w}x{h} is {w * h:,} pixels; at most {MAX_PIXELS:,} "
                         "(3840x2160) keep the file's memory in bounds")
    return w, h


def format_of(path: str | Path) -> str:
    """Return a file's figure format from its suffix (``.png``…), or raise ValueError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{Path(path).name}: choose a .png, .svg, .pdf or .gif file name")
    return suffix
