"""Your own data through the window: the import dialog, a dropped CSV, undo, export."""

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from simulator.lessons.catalog import lessons_dir
from simulator.ui.import_dialog import ImportDataDialog
from simulator.ui.launch import make_window
from simulator.workspace.table_import import MAX_ROWS, read_text

TABLES = Path(__file__).resolve().parents[1] / "workspace" / "tables"
CIRCLE = str(lessons_dir() / "14-circle-network.lesson.json")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    monkeypatch.setattr(w, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def dialog_on(qtbot, file: str) -> ImportDataDialog:
    dialog = ImportDataDialog(read_text(TABLES / file), file)
    qtbot.addWidget(dialog)
    return dialog


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_dialog_previews_and_guesses_the_columns(qtbot):
    dialog = dialog_on(qtbot, "iris-like.csv")
    assert dialog.preview.rowCount() == 6 and dialog.preview.columnCount() == 4
    assert dialog.preview.item(0, 3).text() == "setosa"
    assert dialog.preview.verticalHeaderItem(0).text() == "line 2"
    assert dialog.label.currentText() == "species"
    assert dialog.chosen_inputs() == [0, 1, 2]
    assert dialog.kind.currentData() == "classification"
    assert ok_button(dialog).isEnabled()
    assert "3 classes: setosa, versicolor, virginica" in dialog.status.text()


def test_unticking_an_input_and_choosing_numbers_is_checked_at_once(qtbot):
    dialog = dialog_on(qtbot, "iris-like.csv")
    item = dialog.inputs.item(2)
    rect = dialog.inputs.visualItemRect(item)
    dialog.show()
    qtbot.waitExposed(dialog)
    # a click on the check box at the item's left edge unticks it
    qtbot.mouseClick(dialog.inputs.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 10, rect.center().y()))
    assert dialog.chosen_inputs() == [0, 1]
    dialog.kind.setCurrentIndex(dialog.kind.findData("regression"))
    assert not ok_button(dialog).isEnabled()
    assert "Line 2, column 'species': 'setosa' is not a number" in dialog.status.text()
    assert "Nothing is imported until the file is valid" in dialog.status.text()
    assert dialog.points is None


def test_a_broken_file_says_its_line_and_cannot_be_imported(qtbot):
    dialog = dialog_on(qtbot, "not-a-number.csv")
    assert not ok_button(dialog).isEnabled()
    assert dialog.status.text().startswith("Line 4, column 'b': 'oops' is not a number.")
    ragged = dialog_on(qtbot, "ragged.csv")
    assert "Line 3: 2 fields, but the first row has 3" in ragged.status.text()
    assert ragged.preview.rowCount() == 0


def test_another_delimiter_or_header_reads_the_text_again(qtbot):
    dialog = dialog_on(qtbot, "semicolon-no-header.csv")
    assert dialog.inputs.count() == 3 and dialog.label.currentText() == "column 3"
    dialog.header.setCurrentIndex(dialog.header.findData(True))
    assert dialog.label.currentText() == "1"  # the first row now names the columns
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    assert not ok_button(dialog).isEnabled()  # one column: no inputs left


def test_a_large_file_offers_the_first_rows_or_a_sample(qtbot):
    text = "x,y,k\n" + "".join(f"{k},{k % 7},{k % 2}\n" for k in range(MAX_ROWS + 10))
    dialog = ImportDataDialog(text, "big.csv")
    qtbot.addWidget(dialog)
    assert dialog.cap.isVisibleTo(dialog) and "10,010 rows" in dialog.cap_note.text()
    assert ok_button(dialog).isEnabled()
    first = dialog.points
    dialog.sample.setChecked(True)
    assert dialog.points.train != first.train
    assert len(dialog.points.train) + len(dialog.points.test) == MAX_ROWS


def test_import_through_the_window_then_undo(window, qtbot, monkeypatch):
    c = window.controller

    def accept(dialog):
        qtbot.addWidget(dialog)
        dialog.test_share.setValue(0)
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
        return dialog.result() == dialog.DialogCode.Accepted

    monkeypatch.setattr(window, "run_dialog", accept)
    messages = []
    c.message.connect(lambda level, text: messages.append(text))
    assert window.import_data(str(TABLES / "iris-like.csv"))
    spec = c.workspace.lesson.problem
    assert spec.layers[0] == 3 and spec.layers[-1] == 3 and len(spec.dataset.points) == 6
    assert any(m.startswith("Imported 6 points") for m in messages)
    assert c.undo_stack.undoText() == "Import data"
    # three inputs: the data view draws x1, x2 with x3 at its mean
    assert window.data.mode == "plane" and "x₃ at their mean" in window.data.caption.text()
    assert "setosa" in window.data.caption.text()  # the imported names in the legend
    assert "0 setosa · 1 versicolor · 2 virginica" in window.loss.metrics.scores.text()
    c.undo_stack.undo()
    assert c.workspace.lesson.problem.dataset.name == "circle"


def test_a_broken_file_imports_nothing(window, qtbot, monkeypatch):
    c = window.controller
    before = c.workspace.memento()
    monkeypatch.setattr(window, "run_dialog", lambda dialog: True)  # OK is disabled anyway
    assert not window.import_data(str(TABLES / "not-a-number.csv"))
    assert c.workspace.memento() == before
    messages = []
    c.message.connect(lambda level, text: messages.append((level, text)))
    assert not window.import_data(str(TABLES / "missing.csv"))
    assert messages and messages[0][0] == "error" and "Could not import missing.csv" in \
        messages[0][1]


def test_a_dropped_csv_opens_the_import_dialog(window, qtbot, monkeypatch):
    seen = []
    monkeypatch.setattr(window, "run_dialog", lambda dialog: seen.append(dialog) or True)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(TABLES / "tabs.tsv"))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert len(seen) == 1 and isinstance(seen[0], ImportDataDialog)
    qtbot.addWidget(seen[0])
    assert window.controller.workspace.lesson.problem.loss == "mse"  # numbers to fit


def test_export_writes_the_points_and_says_so(window, tmp_path):
    path = tmp_path / "points.csv"
    messages = []
    window.controller.message.connect(lambda level, text: messages.append(text))
    assert window.controller.export_points(str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "x1,x2,label,split" and len(lines) == 201
    assert messages[-1] == "Wrote 200 points to points.csv"
