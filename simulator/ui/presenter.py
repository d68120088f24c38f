"""Presenter mode: the window full screen, large type, only what the step shows, keys only.

A teacher presents a lesson from the keyboard or a clicker (F5 enters, Esc leaves). The
window's menus, toolbar, status bar and docks go; a stage takes the window's centre with
the views the current step's ``show`` lists and the lesson panel. The step's main view
(the landscape when it is shown, else the step's ``large`` one, else its first) takes the
left and the largest share; the others are stacked beside it, and the lesson panel is
a third column on a wide stage or goes under them on a narrow one (a projector's 1024 or
1366 pixels have room for two columns). Each new step re-arranges the stage. The keys:
Page Down and Page Up (what clickers send) go on to the next step and back; → and ← walk
the backprop stepper one operation at a time while it is on the stage, as the lessons' texts
say ("press →"), and step through the lesson otherwise; Space plays and pauses the descent,
as in the window ("Press Space to keep going"); B and ``.`` black the screen, W whites it,
and any key brings it back; Ctrl+= and Ctrl+− make everything larger or smaller, Ctrl+0
goes back to the default 1.6×, and the scale is remembered.
The scale is meant for a 1920×1080 stage; on another it is fitted to the stage's size
(``presenter_fit``), and the views' mouse-only controls are hidden and their labels wrap.

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
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .presenter_fit import TALL, Fitter, HeightFitter, fit_factor
from .theme import theme_manager

DEFAULT_SCALE = 1.6
SCALE_RANGE = (1.0, 3.0)
SCALE_FACTOR = 1.15  # one Ctrl+= or Ctrl+− changes the scale by this factor
SETTINGS_KEY = "presenter/scale"
#: the keys of each presenter command; the first ones are what clickers send
KEYS = {
    "next_step": ("PgDown",),
    "previous_step": ("PgUp",),
    "forward": ("Right",),
    "back": ("Left",),
    "play": ("Space",),
    "leave": ("Esc",),
    "black": ("B", "."),
    "white": ("W",),
    "larger": ("Ctrl+=", "Ctrl++"),
    "smaller": ("Ctrl+-",),
    "default_size": ("Ctrl+0",),
}
#: a stage at least this wide has three columns: main view, the other views, lesson panel
WIDE_STAGE = 1600
#: the columns' shares of the stage's width: (main view, other views, lesson panel), with
#: 0 for a column that is not there; on a narrow stage the lesson panel is under the others
SHARES = {(True, True): (50, 27, 23), (True, False): (68, 0, 32),
          (False, True): (58, 42, 0), (False, False): (64, 36, 0)}
#: on a narrow stage with the other views in a row below: the rows' shares of the height
GRID_ROWS = (60, 40)
#: on a narrow stage with one tall view (``presenter_tall``) beside the main one: the
#: shares of the width (main view and lesson panel, tall view) and of the left column's
#: height (main view, lesson panel); the tall view has the whole height
TALL_COLUMNS = (62, 38)
TALL_ROWS = (65, 35)
#: the views a step that makes them large puts in the tall view's place beside the main
#: one: the network diagram under lesson 05's landscape was a strip 40 px high at 1366x768
TALL_WHEN_LARGE = ("network",)
#: views that need more than the row under the main view beside a tall one (``TALL_ROWS``):
#: beside lesson 08's tall diagram the loss panel's scores (170 px) stood out of a 264 px row
NEEDS_A_ROW = ("loss",)
#: the views a step's main view is, first of all, when shown
LANDSCAPES = ("landscape", "landscape3d")


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
        self.fitter = Fitter(self)
        self.heights = HeightFitter(self.scaler, self)
        self._fit: tuple[bool, float] | None = None
        self._homes: dict[str, _Home] = {}
        self._on_stage: list[QWidget] = []  # the views on the stage now
        self._panel_home: _Home | None = None
        self._panel_keys: list[tuple[QAction, list]] = []
        self._show = None
        self._defaults: tuple[str, ...] | None = None
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
        panel.set_fit_text(True)  # nobody scrolls a projector: a long text is set smaller
        self._panel_home = _Home(panel)
        window.begin_presenting(self.stage)
        self.stage.resized.connect(self._stage_resized)
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
        self.heights.restore()
        self.scaler.restore()
        self.fitter.restore()
        self._defaults = None
        for home in self._homes.values():
            home.give_back()
        for home in self._homes.values():
            home.restore_current()
        self._homes = {}
        self._panel_home.give_back()
        self.window.lesson_panel.set_chooser_visible(True)
        self.window.lesson_panel.set_fit_text(False)
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
            # Asked once: with the network on the stage the window's explainer shows the
            # formula, and a re-arrangement (a resize) would take that instead.
            if self._defaults is None:
                self._defaults = self.window.presenter_default_panels()
            names, large = list(self._defaults), None
        names = [n for n in names if n in views]
        names.sort(key=lambda n: n != large)  # the large one first, after the main one
        self.fitter.restore()  # a view that leaves the stage gets its controls back
        main = next((n for n in LANDSCAPES if n in names),
                    large if large in names else names[0] if names else None)
        for name in [n for n in self._homes if n not in names]:
            home = self._homes.pop(name)
            home.give_back()
            home.restore_current()
        for name in names:
            if name not in self._homes:
                self._homes[name] = _Home(views[name])
        self._fit = self._fit_now()
        wide, _ = self._fit
        tall = views[large] if large in TALL_WHEN_LARGE and large in names and \
            not set(NEEDS_A_ROW) & set(names) else None
        self.stage.arrange([views[n] for n in names], views.get(main), self.window.lesson_panel,
                           wide, tall)
        self.fitter.apply([views[n] for n in names])
        self._on_stage = [views[n] for n in names]
        self._scale_stage()

    @property
    def stage_scale(self) -> float:
        """Return the scale fitted to the stage's size: what fonts and lines are scaled by."""
        return self.scale * fit_factor(self.stage.size()) if self.presenting else self.scale

    def _fit_now(self) -> tuple[bool, float]:
        size = self.stage.size()
        return size.width() >= WIDE_STAGE, fit_factor(size)

    def _stage_resized(self) -> None:
        # Queued: the stage is re-arranged after its resize, not inside it.
        QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self.presenting and self._fit_now() != self._fit:
            self._arrange(self._show)

    def _restyled(self, _theme) -> None:
        if self.presenting:
            self._scale_stage()  # the views set their 1× sizes again

    # ----- keys -------------------------------------------------------------------------------

    def next_step(self) -> None:
        """Go on to the next step of the lesson."""
        self.window.lesson_panel.nextRequested.emit()

    def previous_step(self) -> None:
        """Go back to the step before."""
        self.window.lesson_panel.previousRequested.emit()

    def forward(self) -> None:
        """Walk the stepper one operation on while it is on the stage, else go to the next step."""
        if self._walking():
            self._homes["stepper"].widget.nextRequested.emit()
        else:
            self.next_step()

    def back(self) -> None:
        """Walk the stepper one operation back while it is on the stage, else go a step back."""
        if self._walking():
            self._homes["stepper"].widget.previousRequested.emit()
        else:
            self.previous_step()

    def _walking(self) -> bool:
        """Return whether the backprop stepper is on the stage with a walk to step through."""
        home = self._homes.get("stepper")
        frame = home.widget.frame if home is not None else None
        return frame is not None and frame.count > 0

    def play(self) -> None:
        """Play or pause the descent, as Space does in the window."""
        self.window.controller.toggle_play()

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
            self._scale_stage()

    def _scale_stage(self) -> None:
        """Scale the stage's type and lines, then fit the tall views to their slots."""
        self.scaler.apply(self.stage, self.stage_scale)
        self.heights.apply(self._on_stage, self.stage_scale)

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
    """What presenter mode shows: the step's views, the lesson panel, and a curtain over them.

    Signals
    -------
    resized()
        The stage changed size (the presenter fits its layout and type to it).
    """

    resized = Signal()

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

    def arrange(self, views: list[QWidget], main: QWidget | None, panel: QWidget,
                wide: bool, tall: QWidget | None = None) -> None:
        """Lay out the views, ``main`` largest on the left, and the lesson panel (see ``SHARES``).

        On a narrow stage two or more other views go in a row under the main view and the
        lesson panel: a column of four panels leaves none of them the height it needs. A
        tall view (``presenter_tall``) has the stage's whole height beside the main one,
        and the rest go under the main view (``_tall``); ``tall`` names another view to put
        there (the step's large one, when it is not the main one).
        """
        area = QWidget()
        others = [view for view in views if view is not main]
        if tall not in others:
            tall = next((view for view in others if view.property(TALL)), None)
        rest = [view for view in others if view is not tall]
        if main is not None and tall is not None and (rest or not wide):
            self._tall(area, main, tall, rest, panel, wide)
        elif not wide and main is not None and len(others) > 1:
            self._grid(area, main, others, panel)
        else:
            self._columns(area, main, others, panel, wide)
        for view in (*views, panel):
            view.show()
        old = self.area
        self.row.replaceWidget(old, area)
        self.area = area
        old.deleteLater()
        self.curtain.raise_()

    @staticmethod
    def _grid(area: QWidget, main: QWidget, others: list[QWidget], panel: QWidget) -> None:
        grid = QGridLayout(area)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(_Slot(main), 0, 0)
        grid.addWidget(_Slot(panel), 0, 1)
        below = QHBoxLayout()
        for view in others:
            below.addWidget(_Slot(view), 1)
        grid.addLayout(below, 1, 0, 1, 2)
        main_share, panel_share, _ = SHARES[False, True]
        grid.setColumnStretch(0, main_share)
        grid.setColumnStretch(1, panel_share)
        grid.setRowStretch(0, GRID_ROWS[0])
        grid.setRowStretch(1, GRID_ROWS[1])

    @staticmethod
    def _tall(area: QWidget, main: QWidget, tall: QWidget, rest: list[QWidget], panel: QWidget,
              wide: bool) -> None:
        """Lay out the main view over a row of the rest, and a tall view at the whole height.

        On a narrow stage the lesson panel ends the row under the main view; on a wide one
        it keeps its column on the right.
        """
        grid = QGridLayout(area)
        grid.setContentsMargins(0, 0, 0, 0)
        below = [*rest] if wide else [*rest, panel]
        grid.addWidget(_Slot(main), 0, 0, 1 if below else 2, 1)
        if below:
            row = QHBoxLayout()
            for view in below:
                row.addWidget(_Slot(view), 1)
            grid.addLayout(row, 1, 0)
        grid.addWidget(_Slot(tall), 0, 1, 2, 1)
        if wide:
            grid.addWidget(_Slot(panel), 0, 2, 2, 1)
        shares = SHARES[True, True] if wide else TALL_COLUMNS
        for k, share in enumerate(shares):
            grid.setColumnStretch(k, share)
        for k, share in enumerate(TALL_ROWS):
            grid.setRowStretch(k, share)

    @staticmethod
    def _columns(area: QWidget, main: QWidget | None, others: list[QWidget], panel: QWidget,
                 wide: bool) -> None:
        row = QHBoxLayout(area)
        row.setContentsMargins(0, 0, 0, 0)
        main_share, others_share, panel_share = SHARES[wide, bool(others)]
        if main is not None:
            row.addWidget(_Slot(main), main_share)
        column = QVBoxLayout()
        for view in others:
            column.addWidget(_Slot(view), 1)
        if wide or main is None:
            if others:
                row.addLayout(column, others_share)
            row.addWidget(_Slot(panel), panel_share or 1)
        else:
            column.addWidget(_Slot(panel), 1)
            row.addLayout(column, others_share or 100 - main_share)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Keep the curtain over the whole stage."""
        super().resizeEvent(event)
        self.curtain.setGeometry(self.rect())
        self.resized.emit()


class _Slot(QWidget):
    """One view's place on the stage: its size is the stage's share, whatever text it wraps.

    A view whose labels wrap asks its layout for a height for its width, and a column of
    such views would share its height by those heights instead of by the stretch.
    """

    def __init__(self, view: QWidget):
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        """Return False: the stage, not the view's text, decides the slot's height."""
        return False


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
        self.apply_under(root, scale)

    def apply_under(self, root: QWidget, scale: float) -> None:
        """Scale the fonts and lines of the widgets and plots under ``root`` (not its own font)."""
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
