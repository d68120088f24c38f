"""File ▸ Import data…: a CSV file's preview, its columns chosen, checked before it is taken.

The reading and checking are ``workspace.table_import``'s; this dialog shows the table,
lets the user pick the input columns, the label column and its kind, and says what is
wrong (a line number and a column) until the file is valid, with OK disabled till then.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.table_import import (
    DELIMITERS,
    MAX_INPUTS,
    MAX_ROWS,
    SPLIT_COLUMN,
    ImportedPoints,
    Table,
    TableError,
    label_kind,
    read_table,
    table_points,
)

from .theme import current_theme

PREVIEW_ROWS = 12


class ImportDataDialog(QDialog):
    """Choose how a CSV text becomes points; ``points`` holds them once the file is valid."""

    def __init__(self, text: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Import data — {name}")
        self.text = text
        self.table: Table | None = None
        self.points: ImportedPoints | None = None
        self.error = ""

        self.delimiter = QComboBox()
        self.delimiter.addItem("Guess", None)
        for char, word in DELIMITERS.items():
            self.delimiter.addItem(word.capitalize(), char)
        self.header = QComboBox()
        self.header.addItem("Guess", None)
        self.header.addItem("The first row names the columns", True)
        self.header.addItem("No header: every row is data", False)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setMinimumHeight(180)
        self.inputs = QListWidget()
        self.inputs.setToolTip("Tick the columns the network reads (1–16)")
        self.inputs.setMaximumHeight(140)
        self.label = QComboBox()
        self.label.setToolTip("The column the network learns to answer")
        self.kind = QComboBox()
        self.kind.addItem("Classes (whole numbers or words)", "classification")
        self.kind.addItem("Numbers to fit (regression)", "regression")
        self.test_share = QSpinBox()
        self.test_share.setRange(0, 90)
        self.test_share.setSuffix(" %")
        self.test_share.setValue(20)
        self.test_share.setToolTip("The share of rows held out as test points (drawn with a "
                                   f"fixed seed); a '{SPLIT_COLUMN}' column of train/test "
                                   "decides instead when the file has one")
        self.cap_note = QLabel()
        self.cap_note.setWordWrap(True)
        self.first = QRadioButton(f"the first {MAX_ROWS:,} rows")
        self.sample = QRadioButton(f"a random sample of {MAX_ROWS:,} rows (the same every time)")
        self.first.setChecked(True)
        self.cap_group = QButtonGroup(self)
        self.cap_group.addButton(self.first)
        self.cap_group.addButton(self.sample)
        self.cap = QWidget()
        cap_layout = QVBoxLayout(self.cap)
        cap_layout.setContentsMargins(0, 0, 0, 0)
        cap_layout.addWidget(self.cap_note)
        cap_layout.addWidget(self.first)
        cap_layout.addWidget(self.sample)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Header", self.header)
        form.addRow("Input columns", self.inputs)
        form.addRow("Label column", self.label)
        form.addRow("The labels are", self.kind)
        form.addRow("Test points", self.test_share)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{name}</b> — the first rows:"))
        layout.addWidget(self.preview, 1)
        row = QHBoxLayout()
        row.addLayout(form, 1)
        layout.addLayout(row)
        layout.addWidget(self.cap)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(720, 640)

        self.delimiter.currentIndexChanged.connect(self._reread)
        self.header.currentIndexChanged.connect(self._reread)
        self.inputs.itemChanged.connect(lambda _: self._check())
        self.label.currentIndexChanged.connect(self._label_chosen)
        self.kind.currentIndexChanged.connect(lambda _: self._check())
        self.test_share.valueChanged.connect(lambda _: self._check())
        self.first.toggled.connect(lambda _: self._check())
        self._reread()

    # ----- reading ------------------------------------------------------------------------

    def _reread(self) -> None:
        """Split the text again (a new delimiter or header choice) and offer its columns."""
        try:
            self.table = read_table(self.text, self.delimiter.currentData(),
                                    self.header.currentData())
        except TableError as exc:
            self.table = None
            self._show_preview()
            self._fail(str(exc))
            return
        table = self.table
        self._show_preview()
        label = table.width - 1 - int(table.names[-1] == SPLIT_COLUMN and table.width > 2)
        with QSignalBlocker(self.inputs), QSignalBlocker(self.label):
            self.inputs.clear()
            chosen = [k for k, name in enumerate(table.names)
                      if k != label and name != SPLIT_COLUMN][:MAX_INPUTS]
            for k, name in enumerate(table.names):
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                wanted = k in chosen
                item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
                self.inputs.addItem(item)
            self.label.clear()
            self.label.addItems(list(table.names))
            self.label.setCurrentIndex(label)
        self.cap.setVisible(len(table.rows) > MAX_ROWS)
        self.cap_note.setText(f"The file has {len(table.rows):,} rows; a lesson takes at most "
                              f"{MAX_ROWS:,}. Import:")
        self._label_chosen()

    def _show_preview(self) -> None:
        table = self.table
        self.preview.clear()
        if table is None:
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            return
        rows = table.rows[:PREVIEW_ROWS]
        self.preview.setColumnCount(table.width)
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(list(table.names))
        self.preview.setVerticalHeaderLabels([f"line {n}" for n in table.lines[:PREVIEW_ROWS]])
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem(cell))

    def _label_chosen(self, *_) -> None:
        """Guess whether the new label column holds classes or numbers, then check."""
        if self.table is not None and self.label.currentIndex() >= 0:
            kind = label_kind(self.table, self.label.currentIndex())
            with QSignalBlocker(self.kind):
                self.kind.setCurrentIndex(self.kind.findData(kind))
        self._check()

    # ----- checking -----------------------------------------------------------------------

    def chosen_inputs(self) -> list[int]:
        """Return the ticked input columns, in table order."""
        return [k for k in range(self.inputs.count())
                if self.inputs.item(k).checkState() == Qt.CheckState.Checked]

    def _check(self) -> None:
        """Build the points from the choices now; say what is wrong or what will come in."""
        if self.table is None:
            return
        limit = "first" if self.first.isChecked() else "sample"
        try:
            self.points = table_points(self.table, self.chosen_inputs(), self.label.currentIndex(),
                                       self.kind.currentData(), self.test_share.value() / 100,
                                       limit)
        except TableError as exc:
            self._fail(str(exc))
            return
        p = self.points
        what = (f"{len(p.classes)} classes: {', '.join(p.classes[:10])}" if p.classes else
                "numbers to fit")
        self.error = ""
        self.status.setStyleSheet(f"color: {current_theme().text};")
        self.status.setText(f"Ready: {len(p.train):,} training and {len(p.test):,} test "
                            f"points, {p.inputs} input{'s' if p.inputs != 1 else ''}, {what}.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _fail(self, message: str) -> None:
        self.points = None
        self.error = message[:1].upper() + message[1:] + "."
        self.status.setStyleSheet(f"color: {QColor(current_theme().error).name()};")
        self.status.setText(self.error + " Nothing is imported until the file is valid.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
