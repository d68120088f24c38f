"""Small widgets the controls panel is built from: sections, number boxes, notes."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.numbers import format_editable

from ..theme import current_theme, ui_font

# A number being typed: digits, one point, then maybe an exponent that is still unfinished.
_PARTIAL_NUMBER = re.compile(r"^[+-]?\d*[.,]?\d*([eE][+-]?\d*)?$")


def parse_number(text: str) -> float | None:
    """Return the number in a typed text (comma or point as decimal mark), or None."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class NumberBox(QDoubleSpinBox):
    """A spin box that shows numbers exactly (0.00001, 1e-8) and accepts 1e-4 typed in.

    The arrows step through ``presets`` (the next larger or smaller one) when given,
    multiply or divide by ten when ``log_steps``, else add ``step``. Values are applied
    only when typing is finished (Enter, or leaving the box), never at each keystroke.
    """

    def __init__(self, low: float, high: float, *, presets: tuple[float, ...] = (),
                 log_steps: bool = False, step: float = 0.01, parent: QWidget | None = None):
        super().__init__(parent)
        self._presets = tuple(sorted(presets))
        self._log_steps = log_steps
        self.setDecimals(15)  # keep what is typed: the text, not this rounding, is what shows
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, value: float) -> str:
        """Return the shown text for a value."""
        return format_editable(value)

    def valueFromText(self, text: str) -> float:
        """Return the value of a typed text (the current value if it is not a number)."""
        value = parse_number(text)
        return self.value() if value is None else value

    def validate(self, text: str, pos: int):
        """Accept a finished number in range; let an unfinished one be typed on."""
        value = parse_number(text)
        if value is not None and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        if _PARTIAL_NUMBER.match(text.strip()) or value is not None:
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        """Leave a half-typed number alone (Qt then keeps the last good value)."""
        return text

    def stepBy(self, steps: int) -> None:
        """Move to the next preset, a tenfold, or one step, as this box was made to."""
        value = self.value()
        if self._presets:
            for _ in range(abs(steps)):
                if steps > 0:
                    larger = [p for p in self._presets if p > value * (1 + 1e-9)]
                    value = larger[0] if larger else value
                else:
                    smaller = [p for p in self._presets if p < value * (1 - 1e-9)]
                    value = smaller[-1] if smaller else value
        elif self._log_steps:
            value = value * 10.0**steps if value > 0 else self.singleStep()
        else:
            value = value + steps * self.singleStep()
        self.setValue(min(max(value, self.minimum()), self.maximum()))
        self.selectAll()


class Note(QLabel):
    """A short message under a control, in the theme's colour for its level; hidden when empty."""

    def __init__(self, level: str = "info", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._level = level
        self.hide()
        self.restyle()

    def show_text(self, text: str | None, level: str | None = None) -> None:
        """Show a message (``None`` or empty hides the note)."""
        if level is not None and level != self._level:
            self._level = level
            self.restyle()
        self.setText(text or "")
        self.setVisible(bool(text))

    @property
    def level(self) -> str:
        """Return "info", "warning" or "error"."""
        return self._level

    def restyle(self) -> None:
        """Take the colour of this note's level from the current theme."""
        theme = current_theme()
        colour = {"error": theme.error, "warning": theme.warning}.get(self._level, theme.muted)
        bold = "font-weight: bold;" if self._level == "error" else ""
        self.setStyleSheet(f"color: {colour}; {bold}")


class Section(QWidget):
    """A titled part of the panel that folds away when its header is clicked."""

    def __init__(self, title: str, tip: str, expanded: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.header = QToolButton()
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setFont(ui_font(1.25, bold=True))
        self.header.setToolTip(f"{tip} Click to show or hide this section.")
        self.header.toggled.connect(self._fold)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(14, 2, 4, 8)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self._fold(expanded)

    def _fold(self, expanded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    @property
    def expanded(self) -> bool:
        """Return whether the section's controls are shown."""
        return self.header.isChecked()

    def add_row(self, label: str, field: QWidget, tip: str | None = None) -> QLabel:
        """Add a labelled control; the label carries the control's tooltip too."""
        caption = QLabel(label)
        caption.setBuddy(field)
        if tip:
            field.setToolTip(tip)
        caption.setToolTip(field.toolTip())
        self.form.addRow(caption, field)
        return caption

    def labels(self) -> list[QLabel]:
        """Return the captions of the labelled rows."""
        out = []
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and isinstance(item.widget(), QLabel):
                out.append(item.widget())
        return out

    def add_wide(self, widget: QWidget) -> None:
        """Add a control or note across the whole width."""
        self.form.addRow(widget)

    def set_row_visible(self, field: QWidget, visible: bool) -> None:
        """Show or hide one row (its label with it)."""
        self.form.setRowVisible(field, visible)


def compact_combo(tip: str, minimum_chars: int = 8) -> QComboBox:
    """Return a combo box that can be narrower than its longest item (the panel is narrow)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(minimum_chars)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.setToolTip(tip)
    return combo


def select_data(combo: QComboBox, data: object) -> bool:
    """Select the item holding ``data`` without emitting a user signal; False if none does."""
    index = combo.findData(data)
    with QSignalBlocker(combo):
        combo.setCurrentIndex(index)
    return index >= 0

