"""The offline Help: the bundled README and lesson-format reference, rendered from Markdown in the app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QImage, QKeySequence, QPixmap, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from simulator.locations import manual_dir

#: the documents of the Help, by title, as paths inside the manual folder
DOCUMENTS = (("Read me", "README.md"), ("Lesson format", "docs/lesson-format.md"))


def document_path(relative: str) -> Path:
    """Return where one of the Help's documents is in this installation."""
    return manual_dir() / relative


class HelpWindow(QWidget):
    """A window that reads the manual: Back / Forward, one button per document, and Find (Ctrl+F).

    Links between the documents open here; links to the web open in the system's browser.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Backprop Hiker Help")
        self.resize(900, 760)
        self.browser = QTextBrowser()
        self.browser.document().setDocumentMargin(18)
        self.browser.setOpenLinks(False)  # followed in _follow: web links leave the app
        self.browser.anchorClicked.connect(self._follow)
        self.browser.sourceChanged.connect(self._show_title)
        self.browser.sourceChanged.connect(self.fit_pictures)
        bar = QToolBar("Help")
        back = bar.addAction("◀ Back", self.browser.backward)
        back.setShortcut(QKeySequence.StandardKey.Back)
        forward = bar.addAction("Forward ▶", self.browser.forward)
        forward.setShortcut(QKeySequence.StandardKey.Forward)
        self.browser.backwardAvailable.connect(back.setEnabled)
        self.browser.forwardAvailable.connect(forward.setEnabled)
        back.setEnabled(False)
        forward.setEnabled(False)
        bar.addSeparator()
        self.document_actions = {}
        for title, relative in DOCUMENTS:
            action = bar.addAction(title, lambda r=relative: self.show_document(r))
            self.document_actions[relative] = action
        bar.addSeparator()
        self.find_field = QLineEdit()
        self.find_field.setPlaceholderText("Find (Ctrl+F)")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setMaximumWidth(260)
        self.find_field.returnPressed.connect(self.find_next)
        bar.addWidget(self.find_field)
        find = QAction("Find", self)  # the shortcut only: the field is the button
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.find_field.setFocus)
        find.triggered.connect(self.find_field.selectAll)
        self.addAction(find)
        self.find_status = QLabel()
        bar.addWidget(self.find_status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar)
        layout.addWidget(self.browser)

    def show_document(self, relative: str) -> None:
        """Open one of the manual's documents (a path such as ``docs/lesson-format.md``)."""
        self.browser.setSource(QUrl.fromLocalFile(str(document_path(relative))),
                               QTextDocument.ResourceType.MarkdownResource)

    def fit_pictures(self) -> None:
        """Scale the page's pictures (the README's screenshot) down to the window's width, never up."""
        room = max(200, self.browser.viewport().width() - 2 * int(self.browser.document().documentMargin()))
        document = self.browser.document()
        cursor = QTextCursor(document)
        block = document.begin()
        while block.isValid():
            for piece in block:
                fragment = piece.fragment()
                if not fragment.charFormat().isImageFormat():
                    continue
                picture = fragment.charFormat().toImageFormat()
                image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(picture.name()))
                size = image.size() if isinstance(image, QImage | QPixmap) else None
                if not size or size.width() <= 0:
                    continue
                width = min(size.width(), room)
                picture.setWidth(width)
                picture.setHeight(size.height() * width / size.width())
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(picture)
            block = block.next()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Fit the pictures to the new width."""
        super().resizeEvent(event)
        self.fit_pictures()

    def _follow(self, url: QUrl) -> None:
        if url.isRelative():
            url = self.browser.source().resolved(url)
        if url.isLocalFile() and url.toLocalFile().endswith(".md"):
            self.browser.setSource(url, QTextDocument.ResourceType.MarkdownResource)
        else:  # the web, or a picture or lesson file the system opens
            QDesktopServices.openUrl(url)

    def _show_title(self, url: QUrl) -> None:
        title = next((t for t, r in DOCUMENTS if url.toLocalFile() == str(document_path(r))),
                     Path(url.toLocalFile()).name)
        self.setWindowTitle(f"{title} — Backprop Hiker Help")

    def find_next(self) -> bool:
        """Select the next place the Find field's text occurs (from the top after the last); say if found."""
        text = self.find_field.text()
        if not text:
            self.find_status.clear()
            return False
        found = self.browser.find(text)
        if not found:  # wrap round to the top
            cursor = self.browser.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            found = self.browser.find(text)
        self.find_status.setText("" if found else f"  “{text}” is not in this page")
        return found
