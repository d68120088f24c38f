"""Colours and fonts: light and dark themes that stay legible on a projector.

Colours come from colour-blind safe palettes: viridis for the loss, Okabe–Ito for
hikers and classes, blue/orange for signs of weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

#: Okabe–Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
RACE_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#F0E442")
LOSS_COLORMAP = "viridis"


@dataclass(frozen=True)
class Theme:
    """The colours every view draws with (hex strings)."""

    name: str
    background: str
    panel: str
    text: str
    muted: str
    grid: str
    hiker: str
    hiker_edge: str
    trail: str
    step_arrow: str
    velocity_arrow: str
    axis_x: str  # the landscape's X parameter, highlighted wherever it appears
    axis_y: str
    positive: str  # weights > 0
    negative: str  # weights < 0
    class0: str
    class1: str
    train_loss: str
    test_loss: str
    warning: str
    error: str


LIGHT = Theme(
    "light", background="#ffffff", panel="#f4f4f6", text="#1b1b1f", muted="#5f6368",
    grid="#c8c8cc", hiker="#ffffff", hiker_edge="#d62728", trail="#d62728",
    step_arrow="#d62728", velocity_arrow="#0072B2", axis_x="#D55E00", axis_y="#009E73",
    positive="#0072B2", negative="#E69F00", class0="#E69F00", class1="#0072B2",
    train_loss="#0072B2", test_loss="#D55E00", warning="#8a5a00", error="#b00020",
)
DARK = Theme(
    "dark", background="#1e1f22", panel="#2b2d31", text="#ececf1", muted="#a0a4ab",
    grid="#4a4d55", hiker="#ffffff", hiker_edge="#ff5c5c", trail="#ff7b7b",
    step_arrow="#ff7b7b", velocity_arrow="#56B4E9", axis_x="#FF8C42", axis_y="#3DDC97",
    positive="#56B4E9", negative="#E69F00", class0="#E69F00", class1="#56B4E9",
    train_loss="#56B4E9", test_loss="#FF8C42", warning="#ffcc66", error="#ff6b6b",
)
THEMES = {"light": LIGHT, "dark": DARK}


class ThemeManager(QObject):
    """The app's current theme; views connect to ``changed`` to restyle themselves."""

    changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.choice = "system"
        self.theme = LIGHT

    def apply(self, choice: str = "system") -> Theme:
        """Apply ``"system"``, ``"light"`` or ``"dark"`` to the application."""
        self.choice = choice if choice in ("system", "light", "dark") else "system"
        name = self.choice if self.choice != "system" else _system_scheme()
        self.theme = THEMES[name]
        app = QApplication.instance()
        if app is not None:
            app.setPalette(_palette(self.theme))
        self.changed.emit(self.theme)
        return self.theme

    def show(self, theme: Theme) -> None:
        """Restyle the application in ``theme`` for a moment (a figure of the whole window).

        The choice stays as it was: ``apply(self.choice)`` brings its theme back.
        """
        self.theme = theme
        app = QApplication.instance()
        if app is not None:
            app.setPalette(_palette(theme))
        self.changed.emit(theme)


def _system_scheme() -> str:
    hints = QGuiApplication.styleHints() if QGuiApplication.instance() else None
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def _palette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.panel, QPalette.ColorRole.Base: theme.background,
        QPalette.ColorRole.AlternateBase: theme.panel, QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.WindowText: theme.text, QPalette.ColorRole.Button: theme.panel,
        QPalette.ColorRole.ButtonText: theme.text, QPalette.ColorRole.ToolTipBase: theme.background,
        QPalette.ColorRole.ToolTipText: theme.text, QPalette.ColorRole.PlaceholderText: theme.muted,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(theme.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(theme.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(theme.muted))
    return p


_manager: ThemeManager | None = None


def theme_manager() -> ThemeManager:
    """Return the app-wide theme manager (made on first use)."""
    global _manager
    if _manager is None:
        _manager = ThemeManager()
    return _manager


def current_theme() -> Theme:
    """Return the theme in use."""
    return theme_manager().theme


def ui_font(scale: float = 1.0, bold: bool = False) -> QFont:
    """Return the application font scaled (for labels drawn inside plots)."""
    font = QFont(QApplication.font())
    size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(size * scale)
    font.setBold(bold)
    return font
