"""How presenter mode fits the views to a projector: the type size and the controls it hides.

A projector shows 1024×768 as large as 1920×1080, so the type is sized to the stage: the
presenter's scale is meant for a 1920×1080 stage and ``fit_factor`` turns it into the same
share of the screen on a smaller or larger one. While presenting nobody clicks the views, so
``Fitter`` hides their interactive-only controls (check boxes, push buttons, sliders and any
widget a view marks with the ``presenter_hides`` property, such as "Click an edge…" hints,
but a control marked ``presenter_keeps`` that a lesson's text names) and lets every label
wrap (but those given a width of their own), so that what stays fits
the narrower panels of the stage.

A view that marks itself ``presenter_tall`` (the formula panel: cost, nudge table and graph
one above the other) is given the stage's whole height, and ``HeightFitter`` sets its type
smaller, down to ``TALL_FLOOR`` of the stage's, until its scrolled content needs no
scrolling: nobody scrolls a projector.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QScrollArea, QSlider, QWidget

#: the stage size the presenter's scale is meant for
DESIGN_SIZE = QSize(1920, 1080)
#: the least and most ``fit_factor`` gives (below 0.7 a 1024-wide stage's text gets small)
FIT_RANGE = (0.7, 2.0)
#: the property a view sets on a widget that only makes sense with a mouse
HIDES = "presenter_hides"
INTERACTIVE = (QCheckBox, QPushButton, QSlider)
#: the property a view sets on a control a lesson's text asks the presenter to use, such as
#: the network's Gradients box: it stays on the stage
KEEPS = "presenter_keeps"
#: the property a view sets when it is a column of parts that wants the stage's whole height
TALL = "presenter_tall"
#: the least share of the stage's scale a tall view's type is set at to fit its slot
TALL_FLOOR = 0.7
#: how many times a tall view is measured and set smaller after a change
TALL_ROUNDS = 8
#: how long a round waits for the view's layout and its graph's fit (queued too) to settle
TALL_WAIT_MS = 30


def fit_factor(size: QSize) -> float:
    """Return by how much the scale is multiplied on a stage of this size (1 at 1920×1080)."""
    if size.width() <= 0 or size.height() <= 0:
        return 1.0
    factor = min(size.width() / DESIGN_SIZE.width(), size.height() / DESIGN_SIZE.height())
    low, high = FIT_RANGE
    return min(max(factor, low), high)


def interactive_only(widget: QWidget) -> bool:
    """Return whether a widget is a control for the mouse, with no place on a projector."""
    if widget.property(KEEPS):
        return False
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


class HeightFitter(QObject):
    """Sets a tall view's type smaller on the stage until its scrolled content needs no scrolling.

    Each round waits for the view's own layout (its labels re-wrapped, its graph fitted)
    before it measures what is left to scroll, and sets the type smaller by about that
    share; it stops when nothing scrolls, at ``TALL_FLOOR`` or after ``TALL_ROUNDS``.
    ``scale`` is what the stage's type is scaled by; a view with ``set_type_scale`` is told
    the scale its type is set at (its drawings follow it).
    """

    def __init__(self, scaler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scaler = scaler
        self.factors: dict[QWidget, float] = {}  # each tall view's share of the stage's scale
        self._heights: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # viewports
        self._scale = 1.0
        self._rounds = self._quiet = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TALL_WAIT_MS)
        self._timer.timeout.connect(self._refit)

    def apply(self, views: list[QWidget], scale: float) -> None:
        """Fit the tall ones of these views, starting again from the stage's scale."""
        self._scale = scale
        tall = [view for view in views if view.property(TALL)]
        for view in [v for v in self.factors if v not in tall]:  # off the stage
            del self.factors[view]
            self._tell(view, 1.0)
        for view in tall:
            self.factors[view] = 1.0
            self._set(view, 1.0)
            scroll = view.findChild(QScrollArea)
            if scroll is not None and scroll.viewport() not in self._heights:
                scroll.viewport().installEventFilter(self)
                self._heights[scroll.viewport()] = scroll.viewport().height()
                # What it shows can grow later (numbers worked out in the background).
                scroll.verticalScrollBar().rangeChanged.connect(self._grew)
        self._rounds, self._quiet = TALL_ROUNDS, 0
        if tall:
            self._timer.start()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """Fit again from the stage's scale when a tall view's slot changes height.

        Only the height: a scroll bar coming or going changes the width, and the fit itself
        makes it do so.
        """
        if event.type() == QEvent.Type.Resize and watched in self._heights \
                and watched.height() != self._heights[watched]:
            self._heights[watched] = watched.height()
            views = [v for v in self.factors if v.isAncestorOf(watched)]
            if views:
                for view in views:
                    self.factors[view] = 1.0
                    self._set(view, 1.0)
                self._rounds, self._quiet = TALL_ROUNDS, 0
                self._timer.start()
        return super().eventFilter(watched, event)

    def restore(self) -> None:
        """Tell the tall views their type is at its own size again (the scaler restores fonts)."""
        self._timer.stop()
        for viewport in list(self._heights):
            viewport.removeEventFilter(self)
            viewport.parentWidget().verticalScrollBar().rangeChanged.disconnect(self._grew)
        self._heights.clear()
        for view in self.factors:
            self._tell(view, 1.0)
        self.factors.clear()

    def _set(self, view: QWidget, factor: float) -> None:
        self.scaler.apply_under(view, self._scale * factor)
        self._tell(view, self._scale * factor)

    @staticmethod
    def _tell(view: QWidget, scale: float) -> None:
        told = getattr(view, "set_type_scale", None)
        if told is not None:
            told(scale)

    def _grew(self, _least: int, most: int) -> None:
        """Fit on from the type's size now when a tall view's content comes to need scrolling."""
        if most > 0 and self.factors and not self._timer.isActive():
            self._rounds, self._quiet = TALL_ROUNDS, 0
            self._timer.start()

    def _refit(self) -> None:
        shrunk = False
        for view, factor in list(self.factors.items()):
            scroll = view.findChild(QScrollArea)
            if scroll is None or not view.isVisible() or factor <= TALL_FLOOR:
                continue
            over, room = scroll.verticalScrollBar().maximum(), scroll.viewport().height()
            if over <= 0 or room <= 0:
                continue
            # Type is most of the height, so the share that fits is about room / (room + over).
            smaller = min(factor * room / (room + over), factor - 0.02)
            self.factors[view] = max(TALL_FLOOR, round(smaller, 3))
            self._set(view, self.factors[view])
            shrunk = True
        # A round that found nothing to scroll may have measured before the view's layout
        # caught up with the last change: the next one looks again, and two such end it.
        self._quiet = 0 if shrunk else self._quiet + 1
        self._rounds -= 1
        if self._quiet < 2 and self._rounds > 0:
            self._timer.start()
