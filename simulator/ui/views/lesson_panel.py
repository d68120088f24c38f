"""The lesson panel: the lesson's title, the step's text, Previous/Next, and every lesson.

It shows a ``LessonFrame`` (``set_lesson_frame``): the lesson's title, the step's title and
its text as rich text (large, scrollable), the progress ("3 / 8"), and buttons to go back
and on. Below, a list of the lessons: the built-in ones by title, then the recent files
the window gives it (``set_recent``); choosing one asks for it to be opened. The panel
holds no controller: it says what the user asks for through its ``INTENTS``.

``next_action`` and ``previous_action`` (Page Down, Page Up) work while the panel has
the keyboard; the window may make them window-wide. On a projector nobody scrolls: with
``set_fit_text`` the step's text is set smaller, down to ``FIT_FLOOR`` of its size, until it
fits its box (a text longer than that still scrolls).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.choices import lessons

from ..theme import Theme, current_theme, theme_manager, ui_font

PATH_ROLE = Qt.ItemDataRole.UserRole
#: the smallest share of its own size the step's text is set at to fit its box
FIT_FLOOR = 0.7
#: how much smaller each try at fitting the text is
FIT_STEP = 0.05


class LessonPanel(QWidget):
    """The lesson's steps one at a time, and the list of lessons to open."""

    INTENTS = {"nextRequested": "next_step", "previousRequested": "previous_step",
               "openRequested": "open_file"}
    nextRequested = Signal()
    previousRequested = Signal()
    openRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.frame = None
        self._fit_text = False
        self._fitted = None  # what the text was last fitted for: its box, font and text
        self.text_fit = 1.0  # the share of its font's size the step's text is set at
        self._recent: list[str] = []
        self._current_file = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        layout.addWidget(split)

        steps = QWidget()
        column = QVBoxLayout(steps)
        column.setContentsMargins(0, 0, 0, 0)
        self.lesson_title = QLabel()
        self.lesson_title.setFont(ui_font(1.3, bold=True))
        self.lesson_title.setWordWrap(True)
        column.addWidget(self.lesson_title)
        heading = QHBoxLayout()
        self.step_title = QLabel()
        self.step_title.setFont(ui_font(1.2, bold=True))
        self.step_title.setWordWrap(True)
        heading.addWidget(self.step_title, 1)
        self.progress = QLabel()
        self.progress.setFont(ui_font(1.2, bold=True))
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.progress)
        column.addLayout(heading)
        self.text = QTextBrowser()
        self.text.setFont(ui_font(1.25))
        self.text.setOpenLinks(False)
        self.text.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.text.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.text.installEventFilter(self)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._refit)
        column.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        for button in (self.previous_button, self.next_button):
            button.setFont(ui_font(1.15, bold=True))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.previous_button.clicked.connect(self.previousRequested)
        self.next_button.clicked.connect(self.nextRequested)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        column.addLayout(row)
        split.addWidget(steps)

        chooser = QWidget()
        column = QVBoxLayout(chooser)
        column.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Lessons (double-click or Enter opens one)")
        heading.setFont(ui_font(1.1, bold=True))
        column.addWidget(heading)
        self.lesson_list = QListWidget()
        self.lesson_list.setFont(ui_font(1.05))
        self.lesson_list.setWordWrap(True)
        self.lesson_list.itemActivated.connect(self._open_item)
        column.addWidget(self.lesson_list, 1)
        split.addWidget(chooser)
        self.chooser = chooser
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        self.next_action = self._action("Next step", "PgDown", self.nextRequested)
        self.previous_action = self._action("Previous step", "PgUp", self.previousRequested)
        self._fill_list()
        self._show_nothing()
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    def _action(self, text: str, key: str, signal) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(signal)
        self.addAction(action)
        return action

    # ----- inbound ------------------------------------------------------------------------------

    def set_lesson_frame(self, frame) -> None:
        """Show the lesson and its step now (a ``LessonFrame``)."""
        self.frame = frame
        self.lesson_title.setText(frame.lesson_title)
        count, index = frame.count, frame.index
        self.step_title.setText(frame.step_title)
        self.step_title.setVisible(bool(frame.step_title))
        self.text.setHtml(frame.html)  # the step's text, or before the first the description
        self.progress.setText("" if not count else f"{0 if index is None else index + 1} / {count}")
        self.next_button.setText("Start ▶" if index is None and count else "Next ▶")
        for widget in (self.previous_button, self.next_button, self.progress):
            widget.setVisible(count > 0)
        can_go_back = index is not None and index > 0
        can_go_on = count > 0 and (index is None or index < count - 1)
        self.previous_button.setEnabled(can_go_back)
        self.previous_action.setEnabled(can_go_back)
        self.next_button.setEnabled(can_go_on)
        self.next_action.setEnabled(can_go_on)
        self._refit()

    def set_fit_text(self, fit: bool) -> None:
        """Set the step's text smaller where it would need scrolling (presenter mode), or not."""
        self._fit_text = fit
        self._fitted = None
        self._refit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Fit the text again when its box changes size or its font changes (a new scale)."""
        if watched is self.text and self._fit_text and event.type() in (
                QEvent.Type.Resize, QEvent.Type.FontChange):
            # After the browser's own handling: a new font is given to the document then.
            self._fit_timer.start()
        return super().eventFilter(watched, event)

    def _refit(self) -> None:
        """Set the text at the largest share of its font (down to ``FIT_FLOOR``) that needs no scrolling.

        It is measured at the box's whole width, scroll bar or not, so that a scroll bar
        coming or going cannot start the fit over; the same box, font and text are not
        fitted twice.
        """
        text, document = self.text, self.text.document()
        font = QFont(text.font())
        if not self._fit_text:
            if self.text_fit != 1.0:
                document.setDefaultFont(font)
                self.text_fit = 1.0
            text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            return
        frame = 2 * text.frameWidth()
        width, room = text.width() - frame, text.height() - frame
        key = (width, room, font.toString(), document.toHtml() if self.frame is None
               else self.frame.html)
        if key == self._fitted or width <= 0 or room <= 0:
            return
        self._fitted = key
        size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        measure = document.clone(self)
        measure.setTextWidth(width)
        fit = 1.0
        while True:
            font.setPointSizeF(size * fit)
            measure.setDefaultFont(font)
            fits = math.ceil(measure.size().height()) <= room
            if fits or fit <= FIT_FLOOR:
                break
            fit = max(FIT_FLOOR, round(fit - FIT_STEP, 2))
        measure.deleteLater()
        # A text that fits has no scroll bar: one left from before would narrow it and make
        # it a line too long again. One too long even at the floor scrolls.
        text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits
                                        else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        document.setDefaultFont(font)
        self.text_fit = fit

    def set_recent(self, paths) -> None:
        """List these recent files (newest first) after the built-in lessons."""
        self._recent = [str(p) for p in paths]
        self._fill_list()

    def set_current_file(self, path: str) -> None:
        """Mark the lesson opened from this file in the list."""
        self._current_file = str(path)
        self._mark_current()

    def set_chooser_visible(self, visible: bool) -> None:
        """Show or hide the list of lessons (presenter mode gives its room to the text)."""
        self.chooser.setVisible(visible)

    # ----- the list of lessons -------------------------------------------------------------

    def _fill_list(self) -> None:
        self.lesson_list.clear()
        builtin = lessons()
        for choice in builtin:
            self._add_item(choice.title, str(choice.path), choice.description)
        known = {str(choice.path) for choice in builtin}
        recent = [p for p in self._recent if p not in known]
        if recent:
            header = QListWidgetItem("Recent files")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setFont(ui_font(1.0, bold=True))
            self.lesson_list.addItem(header)
            for path in recent:
                self._add_item(Path(path).name, path, path)
        self._mark_current()

    def _add_item(self, text: str, path: str, tip: str) -> None:
        item = QListWidgetItem(text)
        item.setData(PATH_ROLE, path)
        item.setToolTip(tip)
        self.lesson_list.addItem(item)

    def _mark_current(self) -> None:
        for k in range(self.lesson_list.count()):
            item = self.lesson_list.item(k)
            path = item.data(PATH_ROLE)
            if path is not None:
                font = item.font()
                font.setBold(path == self._current_file)
                item.setFont(font)

    def _open_item(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.openRequested.emit(path)

    def lesson_paths(self) -> list[str]:
        """Return the files the list offers, in its order (built-in lessons first)."""
        return [p for k in range(self.lesson_list.count())
                if (p := self.lesson_list.item(k).data(PATH_ROLE))]

    # ----- look -----------------------------------------------------------------------------

    def _show_nothing(self) -> None:
        self.lesson_title.setText("No lesson open")
        self.text.setHtml("<p>Choose a lesson below.</p>")
        for widget in (self.previous_button, self.next_button, self.progress):
            widget.setVisible(False)
        self.previous_action.setEnabled(False)
        self.next_action.setEnabled(False)

    def _restyle(self, theme: Theme) -> None:
        self.step_title.setStyleSheet(f"color: {theme.axis_x};")
        self.progress.setStyleSheet(f"color: {theme.muted};")
        self.text.document().setDefaultStyleSheet(
            f"code {{ background: {theme.panel}; }} p, li {{ margin-bottom: 6px; }}")
        if self.frame is not None:
            self.set_lesson_frame(self.frame)
