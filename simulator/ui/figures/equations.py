"""A formula's equations alone (J and its derivatives, as the formula panel writes them) as a figure.

The equations are laid out as text in a label sized to fit them, so an SVG or PDF holds
them as text, to drop into lecture notes beside the LaTeX that ``Copy as LaTeX`` gives.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel

from ..theme import ui_font
from .catalog import FIGURE_THEMES
from .painting import figure_bytes
from .spec import LAYOUT_DPI, FigureSpec

EQUATION_SCALE = 1.6  # the equations' text, times the app's font
PNG_SCALE = 2


def equation_bytes(lines: list[str], fmt: str, theme: str = "screen",
                   title: str = "Equations") -> bytes:
    """Return the equations, one a line, as the bytes of a ``.svg``, ``.pdf`` or ``.png``."""
    colours = FIGURE_THEMES[theme]
    label = QLabel("\n".join(lines))
    label.setFont(ui_font(EQUATION_SCALE))
    label.setMargin(12)
    label.setTextFormat(Qt.TextFormat.PlainText)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(colours.background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colours.text))
    label.setPalette(palette)
    label.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    # Its whole text, however long: adjustSize() would cap a window at 2/3 of the screen.
    label.resize(label.sizeHint())
    label.show()
    try:
        spec = FigureSpec("formula", label.width(), label.height(), LAYOUT_DPI, PNG_SCALE, theme)
        return figure_bytes(label, spec, fmt, title)
    finally:
        label.close()
        label.deleteLater()
