"""The inspector under the network diagram: one weight or bias, its value, gradient and state.

It edits nothing itself: a typed value, a slider release or an axis button becomes a signal
that the network view passes on as an intent (one undo entry each).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.numbers import format_number

from ..items.network_items import nice_ceil
from ..presenter_fit import HIDES
from ..theme import Theme, current_theme, theme_manager, ui_font

SLIDER_STEPS = 1000  # the slider's integer positions on each side of zero
VALUE_LIMIT = 1000.0

HINT = "Click an edge (a weight) or a neuron (its bias) to inspect and edit it; right-click for more."


@dataclass(frozen=True)
class ParameterInfo:
    """What the inspector shows about one entry of θ."""

    index: int
    name: str
    description: str
    value: float
    gradient: float
    next_step: float
    state: tuple[tuple[str, float], ...]
    state_note: str
    axis: str | None  # "x" or "y" when it is a landscape axis


class ParameterInspector(QWidget):
    """A panel showing the selected weight or bias, with a spin box and a slider to set it.

    Signals
    -------
    valueEdited(int, float)
        The user set θ[index] to a value (typed + Enter, an arrow step, a slider release).
    valuePreviewed(int, float)
        The slider is being dragged: draw this value, but do not commit it yet.
    axisRequested(str, int)
        "x" or "y": use θ[index] as that axis of the landscape.
    """

    valueEdited = Signal(int, float)
    valuePreviewed = Signal(int, float)
    axisRequested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.info: ParameterInfo | None = None
        self._range = 2.0
        self._drag_value: float | None = None

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setProperty(HIDES, True)
        self.name_label = QLabel()
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = ElidedLabel()

        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(4)
        self.spin.setRange(-VALUE_LIMIT, VALUE_LIMIT)
        self.spin.setSingleStep(0.01)
        self.spin.setKeyboardTracking(False)  # commit on Enter or focus loss, not per keystroke
        self.spin.setAccelerated(True)
        self.spin.setMinimumWidth(110)
        self.spin.setToolTip("The parameter's value: type a number and press Enter (one undo "
                             "entry), or use the arrows to nudge it by 0.01.")
        self.spin.valueChanged.connect(self._spin_changed)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
        self.slider.setMinimumWidth(80)
        self.slider.setToolTip("Drag to change the value; the diagram follows while you drag "
                               "and the edit is applied (one undo entry) when you let go.")
        self.slider.sliderMoved.connect(self._slider_moved)
        self.slider.sliderReleased.connect(self._slider_released)
        self.slider.valueChanged.connect(self._slider_changed)
        self.slider_low, self.slider_high = QLabel(), QLabel()

        self.x_button = QPushButton("X axis")
        self.y_button = QPushButton("Y axis")
        for which, button in (("x", self.x_button), ("y", self.y_button)):
            button.clicked.connect(lambda _=False, w=which: self._axis_clicked(w))
        self.numbers = QLabel()
        self.numbers.setWordWrap(True)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.numbers.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        column = QVBoxLayout(self)
        column.setContentsMargins(6, 2, 6, 4)
        column.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(self.name_label)
        head.addWidget(self.description, 1)
        value = QHBoxLayout()
        value.setSpacing(6)
        self.value_title = QLabel("Value")
        value.addWidget(self.value_title)
        value.addWidget(self.spin)
        value.addWidget(self.slider_low)
        value.addWidget(self.slider, 1)
        value.addWidget(self.slider_high)
        value.addSpacing(4)
        value.addWidget(self.x_button)
        value.addWidget(self.y_button)
        column.addWidget(self.hint)
        column.addLayout(head)
        column.addLayout(value)
        column.addWidget(self.numbers)
        self._details = [self.name_label, self.description, self.x_button, self.y_button,
                         self.value_title, self.spin, self.slider, self.slider_low,
                         self.slider_high, self.numbers]
        theme_manager().changed.connect(self._restyle)
        self._restyle(current_theme())
        self.clear()

    # ----- showing -----

    def clear(self, hint: str = HINT) -> None:
        """Show the hint instead of a parameter."""
        self.info = None
        self._drag_value = None
        self.hint.setText(hint)
        self.hint.show()
        for w in self._details:
            w.hide()

    def show_parameter(self, info: ParameterInfo) -> None:
        """Show a parameter (pushes values into the widgets without echoing them back)."""
        changed = self.info is None or self.info.index != info.index
        self.info = info
        self.hint.hide()
        for w in self._details:
            w.show()
        self.name_label.setText(info.name)
        self.description.set_full_text(info.description)
        self._style_name(info.axis)
        if changed or abs(info.value) > self._range:
            self._range = nice_ceil(max(1.0, 2.0 * abs(info.value)))
            self.slider_low.setText(format_number(-self._range, 3))
            self.slider_high.setText(format_number(self._range, 3))
        typing = self.spin.hasFocus() and self.spin.lineEdit().isModified()
        dragging = self._drag_value is not None or self.slider.isSliderDown()
        if changed or not (typing or dragging):
            # Never overwrite a number being typed or a slider being dragged (while playing).
            self._drag_value = None
            self._show_value(info.value)
        self.x_button.setEnabled(info.axis != "x")
        self.y_button.setEnabled(info.axis != "y")
        self.x_button.setToolTip(
            f"{info.name} is the landscape's X axis" if info.axis == "x" else
            f"Draw the landscape with {info.name} along its X axis")
        self.y_button.setToolTip(
            f"{info.name} is the landscape's Y axis" if info.axis == "y" else
            f"Draw the landscape with {info.name} along its Y axis")
        symbol = "∂L/∂" + info.name
        parts = [f"{symbol} = {format_number(info.gradient)}",
                 f"next step {_signed(info.next_step)}"]
        parts += [f"{label} = {format_number(v)}" for label, v in info.state]
        text = "   ·   ".join(parts)
        if info.state_note:
            text += f"   ·   {info.state_note}"
        self.numbers.setText(text)
        self.numbers.setToolTip(
            f"{symbol}: how fast the training loss changes when {info.name} changes "
            "(whole training set).\nNext step: what the optimizer would add to it now.\n"
            "The optimizer's memory for this parameter, if it keeps any.")

    def _show_value(self, value: float) -> None:
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._to_slider(value))

    def _to_slider(self, value: float) -> int:
        return int(round(max(-1.0, min(1.0, value / self._range)) * SLIDER_STEPS))

    def _from_slider(self, position: int) -> float:
        return round(position / SLIDER_STEPS * self._range, 3)

    def _style_name(self, axis: str | None) -> None:
        theme = current_theme()
        colour = {"x": theme.axis_x, "y": theme.axis_y}.get(axis, theme.text)
        self.name_label.setStyleSheet(f"color: {colour};")

    def _restyle(self, theme: Theme) -> None:
        self.name_label.setFont(ui_font(1.35, bold=True))
        for w in (self.hint, self.description, self.numbers, self.value_title, self.spin,
                  self.slider_low, self.slider_high, self.x_button, self.y_button):
            w.setFont(ui_font(1.1))
        self.hint.setStyleSheet(f"color: {theme.muted};")
        self.description.setStyleSheet(f"color: {theme.muted};")
        self.x_button.setStyleSheet(f"QPushButton:enabled {{ color: {theme.axis_x}; font-weight: bold; }}")
        self.y_button.setStyleSheet(f"QPushButton:enabled {{ color: {theme.axis_y}; font-weight: bold; }}")
        self._style_name(self.info.axis if self.info else None)

    # ----- editing -----

    def _spin_changed(self, value: float) -> None:
        # Model values arrive with signals blocked, so anything here is the user's edit.
        if self.info is not None:
            self.spin.lineEdit().setModified(False)
            self.valueEdited.emit(self.info.index, float(value))

    def _slider_moved(self, position: int) -> None:
        if self.info is None:
            return
        self._drag_value = self._from_slider(position)
        with QSignalBlocker(self.spin):
            self.spin.setValue(self._drag_value)
        self.valuePreviewed.emit(self.info.index, self._drag_value)

    def _slider_released(self) -> None:
        if self.info is None or self._drag_value is None:
            return
        value, self._drag_value = self._drag_value, None
        self.valueEdited.emit(self.info.index, value)

    def _slider_changed(self, position: int) -> None:
        # Keyboard or a click on the groove (not a drag): commit at once.
        if self.info is not None and not self.slider.isSliderDown():
            self.valueEdited.emit(self.info.index, self._from_slider(position))

    def _axis_clicked(self, which: str) -> None:
        if self.info is not None:
            self.axisRequested.emit(which, self.info.index)


class ElidedLabel(QLabel):
    """A one-line label that ends in … when it is too narrow (the tooltip has it all)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        """Set the whole text; what fits is shown."""
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        """Return the whole text."""
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, max(10, self.width())))


def _signed(value: float) -> str:
    text = format_number(value)
    return text if text.startswith(("−", "—")) or text == "0" else "+" + text
