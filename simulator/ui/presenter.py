"""Presenter mode: the window full screen, large type, only what the step shows, keys only.

A teacher presents a lesson from the keyboard or a clicker (F5 enters, Esc leaves). The
window's menus, toolbar, status bar and docks go; a stage takes the window's centre with
the lesson panel on the right and the views the current step's ``show`` lists on the
left, its ``large`` one biggest. Each new step re-arranges the stage. The keys are those
clickers send: →, Space and Page Down go on, ← and Page Up go back; B and ``.`` black
the screen, W whites it, and any key brings it back; Ctrl+= and Ctrl+− make everything
larger or smaller, Ctrl+0 goes back to the default 1.6×, and the scale is remembered.

Fonts and line widths are scaled by ``Scaler``: the stage's own font (which every widget
without a font of its own inherits), each widget that sets its own font, and the fonts
and pens of the plots' items, all relative to the sizes the views chose; when a view
restyles itself (a new theme) its new sizes are scaled again. Hover-only information has
no place on a projector: every step's text says what the audience needs.

The presenter works through the window's presenter section (``presenter_views``,
``presenter_default_panels``, ``begin_presenting``, ``end_presenting``) and never
reaches into the views: it borrows their widgets and gives them back where they were.
"""

from __future__ import annotations

import math
import re
import weakref

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .theme import theme_manager

DEFAULT_SCALE = 1.6
SCALE_RANGE = (1.0, 3.0)
SCALE_FACTOR = 1.15  # one Ctrl+= or Ctrl+− changes the scale by this factor
SETTINGS_KEY = "presenter/scale"
#: the keys of each presenter command; the first ones are what clickers send
KEYS = {
    "next_step": ("Right", "Space", "PgDown"),
    "previous_step": ("Left", "PgUp"),
    "leave": ("Esc",),
    "black": ("B", "."),
    "white": ("W",),
    "larger": ("Ctrl+=", "Ctrl++"),
    "smaller": ("Ctrl+-",),
    "default_size": ("Ctrl+0",),
}
#: the stage's share of the width the lesson panel takes
PANEL_SHARE = 0.3


class Presenter(QObject):
    """Presenter mode of a ``MainWindow``: enter, leave, step, blank the screen, scale.

    Signals
    -------
    presentingChanged(bool)
        Presenter mode was entered (True) or left (False).
    """

    presentingChanged = Signal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.scale = _clamp(_as_float(window.settings.value(SETTINGS_KEY, DEFAULT_SCALE)))
        self.stage: Stage | None = None
        self.scaler = Scaler()
        self._homes: dict[str, _Home] = {}
        self._panel_home: _Home | None = None
        self._panel_keys: list[tuple[QAction, list]] = []
        self._show = None
        window.controller.lessonChanged.connect(self._step_changed)
        theme_manager().changed.connect(self._restyled)
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """Leave presenter mode before the window closes, so it saves its usual layout."""
        if watched is self.window and event.type() == QEvent.Type.Close and self.presenting:
            self.leave()
        return super().eventFilter(watched, event)

    @property
    def presenting(self) -> bool:
        """Return whether presenter mode is on."""
        return self.stage is not None

    # ----- entering and leaving -------------------------------------------------------------

    def toggle(self) -> None:
        """Enter presenter mode, or leave it."""
        if self.presenting:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        """Go full screen with the lesson panel and the views the step shows."""
        if self.presenting:
            return
        window = self.window
        self.stage = Stage(self)
        panel = window.lesson_panel
        # The panel's own Page keys would clash with the stage's: the stage has them all.
        self._panel_keys = [(a, a.shortcuts()) for a in (panel.next_action, panel.previous_action)]
        for action, _ in self._panel_keys:
            action.setShortcuts([])
        panel.set_chooser_visible(False)
        self._panel_home = _Home(panel)
        window.begin_presenting(self.stage)
        frame = panel.frame
        self._arrange(frame.show if frame is not None else None)
        self.stage.setFocus(Qt.FocusReason.OtherFocusReason)
        self.presentingChanged.emit(True)

    def leave(self) -> None:
        """Give every view back to its place and bring the window back as it was."""
        if not self.presenting:
            return
        stage = self.stage
        stage.curtain.lift()
        self.scaler.restore()
        for home in self._homes.values():
            home.give_back()
        for home in self._homes.values():
            home.restore_current()
        self._homes = {}
        self._panel_home.give_back()
        self.window.lesson_panel.set_chooser_visible(True)
        for action, keys in self._panel_keys:
            action.setShortcuts(keys)
        self.window.end_presenting()
        self.stage = None
        stage.deleteLater()
        self.presentingChanged.emit(False)

    # ----- the step's views -----------------------------------------------------------------

    def _step_changed(self, frame) -> None:
        if self.presenting and frame.show != self._show:
            self._arrange(frame.show)

    def _arrange(self, show) -> None:
        """Put the lesson panel and the views ``show`` lists on the stage."""
        self._show = show
        views = self.window.presenter_views()
        if show is not None and show.panels:
            names, large = list(show.panels), show.large
        else:
            names, large = list(self.window.presenter_default_panels()), None
        names = [n for n in names if n in views]
        for name in [n for n in self._homes if n not in names]:
            home = self._homes.pop(name)
            home.give_back()
            home.restore_current()
        for name in names:
            if name not in self._homes:
                self._homes[name] = _Home(views[name])
        self.stage.arrange([views[n] for n in names],
                           views[large] if large in names else None, self.window.lesson_panel)
        self.scaler.apply(self.stage, self.scale)

    def _restyled(self, _theme) -> None:
        if self.presenting:
            self.scaler.apply(self.stage, self.scale)  # the views set their 1× sizes again

    # ----- keys -------------------------------------------------------------------------------

    def next_step(self) -> None:
        """Go on to the next step of the lesson."""
        self.window.lesson_panel.nextRequested.emit()

    def previous_step(self) -> None:
        """Go back to the step before."""
        self.window.lesson_panel.previousRequested.emit()

    def black(self) -> None:
        """Black the screen until a key is pressed."""
        self.stage.curtain.drop(QColor("#000000"))

    def white(self) -> None:
        """White the screen until a key is pressed."""
        self.stage.curtain.drop(QColor("#ffffff"))

    def set_scale(self, scale: float) -> None:
        """Scale fonts and lines by this factor (within ``SCALE_RANGE``) and remember it."""
        self.scale = _clamp(scale)
        self.window.settings.setValue(SETTINGS_KEY, self.scale)
        if self.presenting:
            self.scaler.apply(self.stage, self.scale)

    def larger(self) -> None:
        """Make fonts and lines larger by one step."""
        self.set_scale(round(self.scale * SCALE_FACTOR, 2))

    def smaller(self) -> None:
        """Make fonts and lines smaller by one step."""
        self.set_scale(round(self.scale / SCALE_FACTOR, 2))

    def default_size(self) -> None:
        """Go back to the default scale (1.6×)."""
        self.set_scale(DEFAULT_SCALE)


class Stage(QWidget):
    """What presenter mode shows: the step's views, the lesson panel, and a curtain over them."""

    def __init__(self, presenter: Presenter):
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(6, 6, 6, 6)
        self.area = QWidget()
        self.row.addWidget(self.area)
        self.actions_by_name: dict[str, QAction] = {}
        for name, keys in KEYS.items():
            action = QAction(name.replace("_", " "), self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(getattr(presenter, name))
            self.addAction(action)
            self.actions_by_name[name] = action
        self.curtain = Curtain(self)

    def arrange(self, views: list[QWidget], large: QWidget | None, panel: QWidget) -> None:
        """Lay out the views (``large`` biggest, else all alike) beside the lesson panel."""
        area = QWidget()
        if large is not None and len(views) > 1:
            layout = QHBoxLayout(area)
            layout.addWidget(large, 3)
            others = QVBoxLayout()
            for view in views:
                if view is not large:
                    others.addWidget(view, 1)
            layout.addLayout(others, 2)
        elif len(views) > 2:
            layout = QVBoxLayout(area)
            half = (len(views) + 1) // 2
            for row_views in (views[:half], views[half:]):
                row = QHBoxLayout()
                for view in row_views:
                    row.addWidget(view, 1)
                layout.addLayout(row, 1)
        else:
            layout = QHBoxLayout(area)
            for view in views:
                layout.addWidget(view, 1)
        layout.setContentsMargins(0, 0, 0, 0)
        for view in views:
            view.show()
        old = self.area
        self.row.replaceWidget(old, area)
        self.area = area
        old.deleteLater()
        if self.row.indexOf(panel) < 0:
            self.row.addWidget(panel)
            panel.show()
        share = round(100 * PANEL_SHARE)
        self.row.setStretch(0, 100 - share)
        self.row.setStretch(1, share)
        self.curtain.raise_()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Keep the curtain over the whole stage."""
        super().resizeEvent(event)
        self.curtain.setGeometry(self.rect())


class Curtain(QWidget):
    """A black or white sheet over the stage, lifted by any key."""

    def __init__(self, stage: Stage):
        super().__init__(stage)
        self.stage = stage
        self.colour = QColor("#000000")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.hide()

    @property
    def down(self) -> bool:
        """Return whether the curtain covers the stage."""
        return self.isVisible()

    def drop(self, colour: QColor) -> None:
        """Cover the stage in a colour; the stage's keys wait until a key lifts it."""
        self.colour = colour
        self.setGeometry(self.stage.rect())
        self.raise_()
        self.show()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()

    def lift(self) -> None:
        """Show the stage again."""
        if not self.isVisible():
            return
        self.hide()
        self.stage.setFocus(Qt.FocusReason.OtherFocusReason)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Fill with the curtain's colour."""
        QPainter(self).fillRect(self.rect(), self.colour)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Lift the curtain on any key but a lone modifier (Shift, Ctrl…)."""
        if event.key() in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt,
                           Qt.Key.Key_Meta, Qt.Key.Key_AltGr):
            return
        event.accept()
        self.lift()

    def event(self, event) -> bool:
        """Take every key while down, even a shortcut's: the key lifts it and does nothing else."""
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)


class _Home:
    """Where a view lives in the window (a tab, a stacked page or a dock), to give it back."""

    def __init__(self, widget: QWidget):
        self.widget = widget
        self.parent = widget.parentWidget()
        # On the stage the views share the screen by their stretch, whatever their size hints
        # (at 1.6× those of a few views together are wider than a projector's 1024 pixels).
        self.policy = widget.sizePolicy()
        widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.tabs: QTabWidget | None = None
        self.index, self.text, self.tip, self.current = -1, "", "", None
        owner = self.parent.parentWidget() if self.parent is not None else None
        if isinstance(owner, QTabWidget) and owner.indexOf(widget) >= 0:
            self.tabs = owner
            self.index = owner.indexOf(widget)
            self.text, self.tip = owner.tabText(self.index), owner.tabToolTip(self.index)
            self.current = owner.currentWidget()
        elif isinstance(self.parent, QStackedWidget):
            self.index = self.parent.indexOf(widget)
            self.current = self.parent.currentWidget()
        elif not isinstance(self.parent, QDockWidget):
            raise ValueError(f"{type(widget).__name__} is not in a tab, a stack or a dock")

    def give_back(self) -> None:
        """Put the view back where it was."""
        self.widget.setSizePolicy(self.policy)
        if self.tabs is not None:
            self.tabs.insertTab(self.index, self.widget, self.text)
            self.tabs.setTabToolTip(self.index, self.tip)
        elif isinstance(self.parent, QStackedWidget):
            self.parent.insertWidget(self.index, self.widget)
        else:
            self.parent.setWidget(self.widget)
            self.widget.show()  # a widget that changes parent is hidden until shown

    def restore_current(self) -> None:
        """Show again the page or tab that was showing (once every view is back)."""
        holder = self.tabs if self.tabs is not None else self.parent
        if self.current is not None and holder.indexOf(self.current) >= 0:
            holder.setCurrentWidget(self.current)


class Scaler:
    """Scales fonts and pen widths under a widget, remembering the sizes the views chose.

    For each widget with a font of its own, each plot text, axis and line it keeps the
    view's size and the size it set; a size that differs from the one it set was chosen
    by the view since (a restyle), and becomes the view's size.
    """

    def __init__(self) -> None:
        self._fonts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._pens: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._labels: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def apply(self, root: QWidget, scale: float) -> None:
        """Scale everything under ``root`` by ``scale`` relative to the views' own sizes."""
        font = QFont(QApplication.font())
        font.setPointSizeF(_points(font) * scale)
        root.setFont(font)  # for every widget that has no font of its own
        for widget in root.findChildren(QWidget):
            if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                self._scale_font(widget, widget.font, widget.setFont, scale)
        for view in root.findChildren(pg.GraphicsView):
            for item in view.scene().items():
                self._scale_item(item, scale)

    def restore(self) -> None:
        """Put every font and width back to the views' own sizes (the stage's font goes with it)."""
        for widget, (original, _) in list(self._fonts.items()):
            _set_font(widget, original)
        for item, (original, _) in list(self._pens.items()):
            _set_width(item, original)
        for axis, (original, _) in list(self._labels.items()):
            _set_label_size(axis, original)
        for table in (self._fonts, self._pens, self._labels):
            table.clear()

    def _scale_font(self, owner, get, set_, scale: float) -> None:
        current = get()
        original, mine = self._fonts.get(owner, (None, None))
        if mine is None or current != mine:
            original = QFont(current)  # the view's own choice
        font = QFont(original)
        font.setPointSizeF(_points(original) * scale)
        set_(font)
        self._fonts[owner] = (original, font)

    def _scale_item(self, item, scale: float) -> None:
        if isinstance(item, pg.TextItem):
            self._scale_font(item, item.textItem.font, item.setFont, scale)
        elif isinstance(item, pg.AxisItem):
            tick = item.style.get("tickFont") or QApplication.font()
            self._scale_font(item, lambda t=tick: QFont(t), item.setTickFont, scale)
            self._scale_label(item, scale)
        elif isinstance(item, (pg.PlotDataItem, pg.InfiniteLine)) or (
                isinstance(item, pg.PlotCurveItem)
                and not isinstance(item.parentItem(), pg.PlotDataItem)):
            width = _width(item)
            if width is None:
                return
            original, mine = self._pens.get(item, (None, None))
            if mine is None or width != mine:
                original = width
            new = max(original, 1.0) * scale
            _set_width(item, new)
            self._pens[item] = (original, new)

    def _scale_label(self, axis, scale: float) -> None:
        if not axis.labelText:
            return
        size = _label_size(axis)
        original, mine = self._labels.get(axis, (None, None))
        if mine is None or size != mine:
            original = size
        new = round(original * scale, 1)
        _set_label_size(axis, new)
        self._labels[axis] = (original, new)


def _points(font: QFont) -> float:
    """Return a font's size in points (10 when it is given in pixels or unknown)."""
    return font.pointSizeF() if font.pointSizeF() > 0 else 10.0


def _set_font(owner, font: QFont) -> None:
    if isinstance(owner, pg.AxisItem):
        owner.setTickFont(font)
    else:
        owner.setFont(font)


def _pen_of(item) -> QPen | None:
    pen = item.pen if isinstance(item, pg.InfiniteLine) else item.opts.get("pen")
    if pen is None:
        return None
    pen = pg.mkPen(pen)
    return None if pen.style() == Qt.PenStyle.NoPen else pen


def _width(item) -> float | None:
    pen = _pen_of(item)
    return None if pen is None else pen.widthF()


def _set_width(item, width: float) -> None:
    pen = _pen_of(item)
    if pen is None:
        return
    pen = QPen(pen)
    pen.setWidthF(width)
    item.setPen(pen)


def _label_size(axis) -> float:
    match = re.match(r"\s*([\d.]+)\s*pt", str(axis.labelStyle.get("font-size", "")))
    return float(match.group(1)) if match else _points(QApplication.font())


def _set_label_size(axis, size: float) -> None:
    style = {**axis.labelStyle, "font-size": f"{size:g}pt"}
    axis.setLabel(axis.labelText, units=axis.labelUnits or None,
                  unitPrefix=axis.labelUnitPrefix or None, **style)


def _as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return DEFAULT_SCALE


def _clamp(scale: float) -> float:
    low, high = SCALE_RANGE
    return DEFAULT_SCALE if math.isnan(scale) else min(max(scale, low), high)
