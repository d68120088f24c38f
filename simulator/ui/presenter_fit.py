"""How presenter mode fits the views to a projector: the type size and the controls it hides.

A projector shows 1024×768 as large as 1920×1080, so the type is sized to the stage: the
presenter's scale is meant for a 1920×1080 stage and ``fit_factor`` turns it into the same
share of the screen on a smaller or larger one. While presenting nobody clicks the views, so
``Fitter`` hides their interactive-only controls (check boxes, push buttons, sliders and any
widget a view marks with the ``presenter_hides`` property, such as "Click an edge…" hints)
and lets every label wrap (but those given a width of their own), so that what stays fits
the narrower panels of the stage.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QSlider, QWidget

#: the stage size the presenter's scale is meant for
DESIGN_SIZE = QSize(1920, 1080)
#: the least and most ``fit_factor`` gives (below 0.7 a 1024-wide stage's text gets small)
FIT_RANGE = (0.7, 2.0)
#: the property a view sets on a widget that only makes sense with a mouse
HIDES = "presenter_hides"
INTERACTIVE = (QCheckBox, QPushButton, QSlider)


def fit_factor(size: QSize) -> float:
    """Return by how much the scale is multiplied on a stage of this size (1 at 1920×1080)."""
    if size.width() <= 0 or size.height() <= 0:
        return 1.0
    factor = min(size.width() / DESIGN_SIZE.width(), size.height() / DESIGN_SIZE.height())
    low, high = FIT_RANGE
    return min(max(factor, low), high)


def interactive_only(widget: QWidget) -> bool:
    """Return whether a widget is a control for the mouse, with no place on a projector."""
    return isinstance(widget, INTERACTIVE) or bool(widget.property(HIDES))


class Fitter(QObject):
    """Hides the views' interactive-only controls and wraps their labels, and puts them back.

    A hidden control stays hidden while presenting even when its view shows it again; what
    the view asked for last (shown or hidden) is what it gets back at ``restore``.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wanted: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._wrapped: weakref.WeakSet = weakref.WeakSet()
        self._busy = False

    def apply(self, views: list[QWidget]) -> None:
        """Hide the controls and wrap the labels under these views."""
        for view in views:
            for widget in view.findChildren(QWidget):
                if interactive_only(widget) and widget not in self._wanted:
                    self._wanted[widget] = not widget.isHidden()
                    widget.installEventFilter(self)
                    self._hide(widget)
                elif (isinstance(widget, QLabel) and not widget.wordWrap()
                      and widget.minimumWidth() == 0):  # not one set to a width: a column
                    widget.setWordWrap(True)
                    self._wrapped.add(widget)

    def restore(self) -> None:
        """Show again what the views want shown and unwrap the labels that did not wrap."""
        for widget, wanted in list(self._wanted.items()):
            widget.removeEventFilter(self)
            widget.setVisible(wanted)
        for label in list(self._wrapped):
            label.setWordWrap(False)
        self._wanted.clear()
        self._wrapped.clear()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """Remember what a view asks of a hidden control, and keep it hidden."""
        kind = event.type()
        if not self._busy and watched in self._wanted:
            if kind == QEvent.Type.ShowToParent:
                self._wanted[watched] = True
                self._hide(watched)
            elif kind == QEvent.Type.HideToParent:
                self._wanted[watched] = False
        return super().eventFilter(watched, event)

    def _hide(self, widget: QWidget) -> None:
        self._busy = True
        try:
            widget.hide()
        finally:
            self._busy = False
