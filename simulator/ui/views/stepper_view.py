"""The backprop stepper panel: one sample's forward and backward pass, one operation per key press.

It draws a ``StepperFrame``: the operation reached, written as rendered math (symbols, then
the numbers filled in, then its value), the operations before it listed above, a slider
over the whole walk and buttons to the start of each phase. → and ← step while the panel
has the keyboard (the window's → and ← are optimizer steps everywhere else). Every line
copies as LaTeX; Copy all copies the whole walk.

The view computes nothing: operations come from the frame, built by the workspace when
first asked for, so a walk of tens of thousands of operations costs only what is on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.frames import ProblemInfo, StepperFrame
from simulator.workspace.numbers import format_short

from ..presenter_fit import HIDES
from ..theme import Theme, current_theme, theme_manager, ui_font
from .network_view import FlowLayout
from .stepper_marks import chip_colours

PHASE_TITLES = {"forward": "Forward pass", "backward": "Backward pass", "update": "Update"}
COPY_TEXT = "LaTeX"  # a link at the end of each row: copies that row
STEP_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Left)
ROW_INSET = 16  # a row's text starts 4 px in; the rest keeps wrapped text off the list's edge


def chip_html(op, text: str) -> str:
    """Return rich text of a value on its colour chip."""
    fill, ink = chip_colours(op)
    return (f"<span style='background-color:{fill}; color:{ink}; font-weight:bold'>"
            f"&nbsp;{text}&nbsp;</span>")


class OperationList(QAbstractListModel):
    """Every operation of the walk as a row, made when the list first shows it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame: StepperFrame | None = None
        self._rows = 0  # asked for very often: kept, not counted

    def set_frame(self, frame: StepperFrame | None) -> None:
        """Show another walk (or, for the same walk, another operation reached)."""
        old = self.frame
        same_walk = old is not None and frame is not None and old.operations is frame.operations
        self.frame = frame
        self._rows = frame.count if frame is not None else 0
        if same_walk:
            low, high = sorted((old.index, frame.index))
            self.dataChanged.emit(self.index(low), self.index(high))
        else:
            self.beginResetModel()
            self.endResetModel()

    def rowCount(self, parent=None) -> int:  # noqa: N802 - Qt's name
        """Return the number of operations."""
        return 0 if parent is not None and parent.isValid() else self._rows

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        """Return a row's rich text, plain text or LaTeX."""
        if self.frame is None or not index.isValid():
            return None
        op = self.frame.operations[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"<b>{index.row() + 1}.</b>&nbsp;" + op.line().html
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{op.title}\n{op.text}\nClick to go here · right-click to copy it as LaTeX"
        if role == Qt.ItemDataRole.UserRole:
            return op.latex
        return None


class MathDelegate(QStyledItemDelegate):
    """Draws a row's formula as rich text: done rows plain, the current one marked, later ones faint.

    A "LaTeX" link at the right end of every row copies that row.
    """

    copyRequested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.current = 0
        self.show_copy = True  # False in a figure: the link is a control
        self.wrap = False  # True in a figure: a long row wraps to the list's width
        self.theme: Theme = current_theme()

    def _document(self, html: str, colour: str, font, width: float = -1) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(font)  # the list's (presenter mode scales it)
        doc.setDocumentMargin(2)
        space = "normal" if self.wrap else "pre"
        doc.setHtml(f"<span style='color:{colour}; white-space:{space}'>{html}</span>")
        if self.wrap:
            doc.setTextWidth(width)
        return doc

    def text_width(self) -> float:
        """Return the width a wrapped row's text is laid out in (the list's, less its inset)."""
        return max(40.0, self.parent().viewport().width() - ROW_INSET)

    def _copy_rect(self, rect) -> QRectF:
        width = self.parent().fontMetrics().horizontalAdvance(COPY_TEXT) + 16 if self.show_copy else 0
        return QRectF(rect.right() - width, rect.top(), width, rect.height())

    def paint(self, painter, option, index) -> None:
        """Draw the row: background, formula (clipped before the copy link), copy link."""
        theme = self.theme
        row = index.row()
        rect = option.rect
        painter.save()
        if row == self.current:
            painter.fillRect(rect, QColor(theme.grid))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(theme.panel))
        colour = theme.text if row <= self.current else theme.muted
        doc = self._document(index.data(), colour, option.font, self.text_width())
        copy = self._copy_rect(rect)
        painter.setClipRect(QRectF(rect.left(), rect.top(), copy.left() - rect.left(), rect.height()))
        painter.translate(rect.left() + 4, rect.top() + (rect.height() - doc.size().height()) / 2)
        doc.drawContents(painter)
        painter.restore()
        if not self.show_copy:
            return
        painter.save()
        small = option.font
        small.setPointSizeF(small.pointSizeF() * 0.86)
        painter.setFont(small)
        painter.setPen(QColor(theme.velocity_arrow))
        painter.drawText(copy, Qt.AlignmentFlag.AlignCenter, COPY_TEXT)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt's name
        """Return one line's height (every row is as tall: the list stays fast).

        Wrapped (a figure), a row is as tall as its lines.
        """
        text = index.data() if self.wrap else "Ag<sub>0</sub><sup>[1]</sup>"
        doc = self._document(text, "black", option.font, self.text_width())
        return QSize(200, int(doc.size().height()) + 4)

    def editorEvent(self, event, model, option, index) -> bool:  # noqa: N802 - Qt's name
        """Copy a row's LaTeX when its copy link is clicked."""
        if event.type() == QEvent.Type.MouseButtonRelease and \
                self._copy_rect(option.rect).contains(event.position()):
            self.copyRequested.emit(index.row())
            return True
        return False


class StepList(QListView):
    """The list of operations; ↑/↓ move through it, → and ← step the walk."""

    stepped = Signal(int)  # +1 / −1
    copyRequested = Signal()  # Ctrl+C: the LaTeX of the operation reached

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Step with the arrows (every one of them moves through the walk here)."""
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.stepped.emit(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.stepped.emit(-1)
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copyRequested.emit()
        else:
            super().keyPressEvent(event)


class StepperView(QWidget):
    """The backprop stepper, a dock of the main window.

    Signals
    -------
    nextRequested(), previousRequested()
        One operation on, or back.
    operationChosen(int)
        Go to an operation (the slider, a click in the list).
    phaseChosen(str)
        Go to the start of "forward", "backward" or "update".
    batchToggled(bool)
        Walk the batch's mean loss instead of one sample's.
    sampleChosen(int)
        Follow another training sample.
    stepperWanted(bool)
        Whether the panel is on screen (the walk is made only then).
    """

    nextRequested = Signal()
    previousRequested = Signal()
    operationChosen = Signal(int)
    phaseChosen = Signal(str)
    batchToggled = Signal(bool)
    sampleChosen = Signal(int)
    stepperWanted = Signal(bool)
    INTENTS = {"nextRequested": "stepper_next", "previousRequested": "stepper_previous",
               "operationChosen": "stepper_go", "phaseChosen": "stepper_jump",
               "batchToggled": "set_stepper_batch", "sampleChosen": "set_sample",
               "stepperWanted": "want_stepper"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.frame: StepperFrame | None = None
        self.info: ProblemInfo | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # In a short dock the panel scrolls rather than squeezing the diagram beside it.
        self.body = QWidget()
        self.body.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self.body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        controls = QWidget()
        flow = FlowLayout(controls, spacing=6)
        flow.setContentsMargins(0, 0, 0, 0)
        # Each control is its own item of the flow, so a narrow dock wraps them onto rows.
        self._sample_row()
        self._navigation_buttons()
        spin = QWidget()
        spin_row = QHBoxLayout(spin)
        spin_row.setContentsMargins(0, 0, 0, 0)
        spin_row.addWidget(self.sample_title)
        spin_row.addWidget(self.sample_spin)
        self.sample_boxes = [spin, self.sample_label, self.batch_check]  # for a network only
        for w in (*self.sample_boxes, self.previous_button, self.next_button,
                  *self.phase_buttons.values()):
            flow.addWidget(w)
        layout.addWidget(controls)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Drag to any operation of the walk")
        self.slider.valueChanged.connect(self._slid)
        self.position_label = QLabel()
        self.position_label.setFont(ui_font(1.0))
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.position_label)
        layout.addLayout(slider_row)
        # The card and the list side by side in a wide, short dock; one above the other else.
        self.split = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.split.setSpacing(6)
        self.split.addWidget(self._card(), 0)
        layout.addLayout(self.split, 1)
        self.list = StepList(self)
        self.model = OperationList(self)
        self.delegate = MathDelegate(self.list)
        self.delegate.copyRequested.connect(self.copy_row)
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.list.setMouseTracking(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._row_menu)
        self.list.clicked.connect(self._row_clicked)
        self.list.stepped.connect(self._step)
        self.list.copyRequested.connect(lambda: self.copy_row(self.frame.index))
        self.list.setMinimumHeight(90)
        self.list.setProperty(HIDES, True)  # a navigator for the mouse: the card has the step
        self.list.setFont(ui_font(1.1))
        self.list.setToolTip("Every operation of the walk: those done so far above the one "
                             "reached. Click one to go there.")
        self.split.addWidget(self.list, 1)
        self.hint = QLabel("→ / ← step while this panel has the keyboard (click it first) · "
                           "Ctrl+click a point in the Data panel to follow it")
        self.hint.setWordWrap(True)
        self.hint.setProperty(HIDES, True)
        self.hint.setFont(ui_font(0.95))
        layout.addWidget(self.hint)
        theme_manager().changed.connect(self._restyle)
        self._restyle(current_theme())
        self._show_nothing("Open a lesson to step through its backpropagation.")

    # ----- building -----

    def _sample_row(self) -> None:
        self.sample_title = QLabel("Sample #")
        self.sample_spin = QSpinBox()
        self.sample_spin.setToolTip("The training sample whose pass the stepper walks")
        self.sample_spin.valueChanged.connect(self.sampleChosen)
        self.sample_label = QLabel()
        self.sample_label.setToolTip("The chosen sample's inputs and target")
        self.batch_check = QCheckBox("Batch view")
        self.batch_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.batch_check.setToolTip("Walk the mean loss over every training sample (what the "
                                    "optimizer descends) instead of one sample's")
        self.batch_check.toggled.connect(self.batchToggled)
        for w in (self.sample_title, self.sample_spin, self.sample_label, self.batch_check):
            w.setFont(ui_font(1.1))


    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setFont(ui_font(1.1))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the panel keeps the arrow keys
        button.clicked.connect(slot)
        return button

    def _navigation_buttons(self) -> None:
        self.phase_buttons = {
            phase: self._button(title, f"Go to the first operation of the {title.lower()}",
                                lambda _=False, p=phase: self.phaseChosen.emit(p))
            for phase, title in PHASE_TITLES.items()}
        self.previous_button = self._button("◀ Previous", "Back one operation (←)",
                                            self.previousRequested)
        self.next_button = self._button("Next ▶", "On to the next operation (→)",
                                        self.nextRequested)

    def _card(self) -> QFrame:
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(10, 6, 10, 8)
        inner.setSpacing(4)
        self.title_label = QLabel()
        self.title_label.setFont(ui_font(1.15, bold=True))
        self.title_label.setWordWrap(True)
        self.formula_label = QLabel()
        self.formula_label.setFont(ui_font(1.35))
        self.numbers_label = QLabel()
        self.numbers_label.setFont(ui_font(1.35))
        self.value_label = QLabel()
        self.value_label.setFont(ui_font(1.4))
        for label in (self.formula_label, self.numbers_label, self.value_label):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        header = QWidget()
        buttons = FlowLayout(header, spacing=6)
        buttons.setContentsMargins(0, 0, 0, 0)
        self.copy_button = self._button("Copy as LaTeX", "Copy this operation as one line of "
                                        "LaTeX", lambda: self.copy_row(self.frame.index))
        self.copy_all_button = self._button("Copy all", "Copy every operation of the walk as "
                                            "LaTeX (an align* block)", self.copy_all)
        for w in (self.copy_button, self.copy_all_button):
            buttons.addWidget(w)
        inner.addWidget(header)
        for label in (self.title_label, self.formula_label, self.numbers_label, self.value_label):
            inner.addWidget(label)
        inner.addStretch(1)
        return card

    # ----- inbound -----

    def set_problem(self, info: ProblemInfo) -> None:
        """Know the problem (its samples, for the sample row)."""
        self.info = info
        network = info.is_network
        for w in self.sample_boxes:
            w.setVisible(network)
        if network:
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setRange(0, max(0, info.problem.sample_count - 1))

    def set_stepper(self, frame: StepperFrame | None) -> None:
        """Draw the walk at the operation reached (``None``: the walk is not being made)."""
        if frame is None:
            return
        old, self.frame = self.frame, frame
        if not frame.count:
            self.model.set_frame(None)
            self._show_nothing(frame.note)
            return
        self._set_enabled(True)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, frame.count - 1)
            self.slider.setValue(frame.index)
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setValue(frame.sample)
        with QSignalBlocker(self.batch_check):
            self.batch_check.setChecked(frame.batch)
        self._show_sample(frame)
        self.delegate.current = frame.index
        self.model.set_frame(frame)
        op = frame.current
        starts = frame.phase_starts
        for phase, button in self.phase_buttons.items():
            button.setEnabled(phase in starts)
        self.previous_button.setEnabled(frame.index > 0)
        self.next_button.setEnabled(frame.index < frame.count - 1)
        self.position_label.setText(f"{frame.index + 1:,} / {frame.count:,} · "
                                    f"{PHASE_TITLES[op.phase].lower()}")
        self.title_label.setText(op.title[:1].upper() + op.title[1:])
        arrow = " ← " if op.quantity in ("memory", "parameter") else " = "
        self.formula_label.setText(op.target.html + arrow + op.formula.html)
        numbers = op.numbers.html if op.numbers.text != op.formula.text else ""
        self.numbers_label.setText(f"= {numbers}" if numbers else "")
        self.numbers_label.setVisible(bool(numbers))
        self.value_label.setText("= " + chip_html(op, op.result().html))
        if old is None or old.index != frame.index or old.operations is not frame.operations:
            self._centre_row(frame.index)
        self.list.viewport().update()

    def _centre_row(self, row: int) -> None:
        """Scroll the list so that a row is in the middle (one item per scroll step, so O(1)).

        ``scrollTo`` asks the model for its row count once per row of a 30 000-row walk.
        """
        height = max(1, self.list.sizeHintForRow(0)) if self.model.rowCount() else 1
        visible = max(1, self.list.viewport().height() // height)
        self.list.verticalScrollBar().setValue(max(0, row - visible // 2))

    def _show_sample(self, frame: StepperFrame) -> None:
        info = self.info
        if frame.kind != "network" or info is None or not info.is_network:
            self.sample_label.setText("")
            return
        if frame.batch:
            self.sample_label.setText(f"mean over all {frame.samples} samples")
            return
        data = info.problem.dataset
        if frame.sample >= len(data.x_train):
            return
        x = ", ".join(format_short(v) for v in data.x_train[frame.sample][:4])
        y = data.y_train[frame.sample]
        target = f"class {int(y[0])}" if data.kind == "classification" else \
            "y = " + ", ".join(format_short(v) for v in y)
        self.sample_label.setText(f"x = ({x}) → {target}")

    def _show_nothing(self, note: str) -> None:
        self._set_enabled(False)
        self.position_label.setText("")
        self.title_label.setText(note)
        for label in (self.formula_label, self.numbers_label, self.value_label):
            label.setText("")

    def _set_enabled(self, enabled: bool) -> None:
        for w in (*self.phase_buttons.values(), self.previous_button, self.next_button,
                  self.slider, self.copy_button, self.copy_all_button, self.list):
            w.setEnabled(enabled)

    # ----- outbound -----

    def _slid(self, value: int) -> None:
        self.operationChosen.emit(int(value))

    def _row_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.operationChosen.emit(index.row())

    def _step(self, delta: int) -> None:
        (self.nextRequested if delta > 0 else self.previousRequested).emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """→ and ← step through the walk while the panel has the keyboard."""
        if event.key() == Qt.Key.Key_Right:
            self.nextRequested.emit()
        elif event.key() == Qt.Key.Key_Left:
            self.previousRequested.emit()
        else:
            super().keyPressEvent(event)

    def event(self, event) -> bool:
        """Keep → and ← from the window's optimizer-step shortcuts while the panel has the keys."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in STEP_KEYS \
                and not event.modifiers() and self.frame is not None and self.frame.count:
            event.accept()
            return True
        return super().event(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Put the card beside the list in a wide, short dock (under the landscape)."""
        super().resizeEvent(event)
        wide = self.width() >= 620 and self.width() >= 1.8 * self.height()
        self.split.setDirection(QBoxLayout.Direction.LeftToRight if wide else
                                QBoxLayout.Direction.TopToBottom)
        self.split.setStretch(0, 1 if wide else 0)
        self.split.setStretch(1, 1)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Ask for the walk: it is made only while the panel is on screen."""
        super().showEvent(event)
        self.stepperWanted.emit(True)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Say the walk is no longer needed."""
        super().hideEvent(event)
        self.stepperWanted.emit(False)

    # ----- copying -----

    def copy_row(self, row: int) -> None:
        """Put one operation on the clipboard as LaTeX."""
        if self.frame is None or not 0 <= row < self.frame.count:
            return
        self._copy(self.frame.operations[row].latex)

    def copy_all(self) -> None:
        """Put every operation of the walk on the clipboard as LaTeX."""
        if self.frame is not None and self.frame.count:
            self._copy(self.frame.operations.latex_all())

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    def _row_menu(self, pos) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.addAction("Copy as LaTeX", lambda: self.copy_row(index.row()))
        menu.addAction("Go to this operation", lambda: self.operationChosen.emit(index.row()))
        menu.exec(self.list.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # ----- theme -----

    def _restyle(self, theme: Theme) -> None:
        self.delegate.theme = theme
        palette = self.list.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(theme.background))
        self.list.setPalette(palette)
        self.hint.setStyleSheet(f"color: {theme.muted};")
        self.position_label.setStyleSheet(f"color: {theme.muted};")
        self.list.viewport().update()
