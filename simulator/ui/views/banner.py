"""The non-modal banner above the landscape: says in words what went wrong and offers a way out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ..theme import Theme, current_theme, theme_manager, ui_font


class Banner(QFrame):
    """A one-line message with optional actions; hidden until ``show_message``."""

    rewindRequested = Signal()
    lowerRateRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setFont(ui_font(1.1))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.rewind = QPushButton("Rewind one step")
        self.rewind.setToolTip("Go back to the last step before the run diverged (Left arrow)")
        self.rewind.clicked.connect(self.rewindRequested)
        self.lower = QPushButton("Learning rate ÷ 10")
        self.lower.setToolTip("Divide the learning rate by ten and keep going from here")
        self.lower.clicked.connect(self.lowerRateRequested)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setFixedWidth(32)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        for w in (self.rewind, self.lower, close):
            layout.addWidget(w)
        self.level = "info"
        theme_manager().changed.connect(self._restyle)
        self.hide()

    def show_message(self, text: str, level: str = "warning", actions: bool = False) -> None:
        """Show a message; ``actions`` adds the rewind and lower-rate buttons."""
        self.level = level
        self.label.setText(text)
        self.rewind.setVisible(actions)
        self.lower.setVisible(actions)
        self._restyle(current_theme())
        self.show()

    def _restyle(self, theme: Theme) -> None:
        colour = {"error": theme.error, "warning": theme.warning}.get(self.level, theme.muted)
        self.setStyleSheet(
            f"QFrame#banner {{ border: 2px solid {colour}; border-radius: 6px;"
            f" background: {theme.background}; }} QFrame#banner QLabel {{ color: {theme.text}; }}")
