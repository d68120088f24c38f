"""Lesson ▸ Properties: a dialog to edit the lesson's title, description and steps' texts.

The dialog only edits text it is given and hands the result back (``texts``); the main
window passes that to the controller's ``set_lesson_text`` verb, which checks it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

MARKDOWN_HINT = ("Markdown: a blank line starts a paragraph; **bold**, *italic*, `code`; "
                 "lines starting with - or 1. make lists.")


class LessonProperties(QDialog):
    """Edits a lesson's title, description and, for each step, its title and text.

    Parameters
    ----------
    title, description : str
        The lesson's texts now.
    steps : sequence of (str, str)
        Each step's title and text now (empty for a lesson without steps).
    """

    def __init__(self, title: str, description: str, steps=(), parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Lesson properties")
        self._steps = [[t, x] for t, x in steps]
        self._current = -1
        form = QFormLayout()
        self.title_edit = QLineEdit(title)
        self.title_edit.setMaxLength(200)
        self.description_edit = QPlainTextEdit(description)
        self.description_edit.setTabChangesFocus(True)
        # A few lines: the steps' texts below want the room.
        self.description_edit.setMaximumHeight(6 * self.fontMetrics().lineSpacing() + 12)
        form.addRow("&Title", self.title_edit)
        form.addRow("&Description", self.description_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.step_list = QListWidget()
        self.step_title_edit = QLineEdit()
        self.step_title_edit.setMaxLength(200)
        self.step_text_edit = QPlainTextEdit()
        self.step_text_edit.setTabChangesFocus(True)
        if self._steps:
            editor = QWidget()
            step_form = QFormLayout(editor)
            step_form.setContentsMargins(0, 0, 0, 0)
            step_form.addRow("Step t&itle", self.step_title_edit)
            step_form.addRow("Step te&xt", self.step_text_edit)
            hint = QLabel(MARKDOWN_HINT)
            hint.setWordWrap(True)
            step_form.addRow(hint)
            split = QSplitter(Qt.Orientation.Horizontal)
            split.addWidget(self.step_list)
            split.addWidget(editor)
            split.setStretchFactor(1, 3)
            layout.addWidget(QLabel(f"{len(self._steps)} steps: pick one to edit its text"))
            layout.addWidget(split, 1)
            for k, (step_title, _) in enumerate(self._steps):
                self.step_list.addItem(f"{k + 1}. {step_title}")
            self.step_list.currentRowChanged.connect(self._show_step)
            self.step_list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 560 if self._steps else 320)

    def _keep_step(self) -> None:
        """Keep what the editor holds for the step shown in it."""
        if 0 <= self._current < len(self._steps):
            self._steps[self._current] = [self.step_title_edit.text(),
                                          self.step_text_edit.toPlainText()]
            item = self.step_list.item(self._current)
            item.setText(f"{self._current + 1}. {self.step_title_edit.text()}")

    def _show_step(self, row: int) -> None:
        self._keep_step()
        self._current = row
        if 0 <= row < len(self._steps):
            step_title, text = self._steps[row]
            self.step_title_edit.setText(step_title)
            self.step_text_edit.setPlainText(text)

    def texts(self) -> tuple[str, str, list[tuple[str, str]]]:
        """Return the edited title, description and (title, text) of each step."""
        self._keep_step()
        return (self.title_edit.text(), self.description_edit.toPlainText(),
                [(t, x) for t, x in self._steps])
