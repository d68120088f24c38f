"""The formula panel: J, its derivatives, the seed's nudge test and J's computation graph.

It teaches the seed lesson top to bottom. First the cost J and what sympy's ``diff`` says
its derivatives are, with their values at the hiker's point. Then the nudge: move w by a
small ε, watch J change by ΔJ, and see that ΔJ/ε is almost dJ/dw (J = w² at w = 3:
9 → 9.006001, so the slope is about 6.001 and exactly 6). Last the seed's "next step",
the computation graph: every operation of J as a box with its forward value and, in red,
∂J/∂box from the backward pass.

The numbers come from the workspace's formula model (``simulator.workspace.formula``):
built once per formula, evaluated per snapshot. The nudge is done in exact arithmetic
when the run is paused (arriving after the frame, from the pool: ``set_exact_nudge``),
and in floating point while it plays. This module only draws.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QPoint, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontDatabase, QPainter
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.formula import FormulaModel, FormulaValues
from simulator.workspace.formula_text import (
    DEFAULT_EPSILON,
    NUDGE_DIGITS,
    align_decimals,
    nudge_sentence,
    parse_epsilon,
)
from simulator.workspace.frames import ProblemInfo
from simulator.workspace.numbers import format_number

from ..items.graph_items import GraphDrawing
from ..presenter_fit import HIDES, TALL
from ..theme import Theme, current_theme, theme_manager, ui_font
from .stepper_marks import chip_colours

NETWORK_NOTE = "The formula panel explains formula lessons; this lesson is a network."
#: the graph is drawn at least this large (its fonts stay at ui_font(1.1) or more) …
GRAPH_MIN_SCALE = 0.92
#: … and at most this large, so a two-box graph does not fill the screen
GRAPH_MAX_SCALE = 1.6
#: height the graph is assumed to get when the sections above it fill the panel (it scrolls)
GRAPH_ASSUMED_HEIGHT = 320
COST_ROWS_WIDTH = 640  # widest the rows of J and its derivatives get
POINT_DIGITS = 6  # significant digits of the hiker's point, J and its derivatives
GRAPH_DIGITS = 4  # significant digits inside the graph's boxes and tags

EPSILON_TIP = ("ε, the nudge: how far w moves. Type a small positive number (0.001, 1e-6, "
               "1/1000) and press Enter. The smaller ε, the closer ΔJ/ε comes to dJ/dw.")


def _same_point(a, b) -> bool:
    """Return whether two points are the same, a coordinate that is not a number included."""
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b, strict=True))


# ----- widgets ------------------------------------------------------------------------------------


class Section(QWidget):
    """A titled part of the panel that folds away when its title is clicked."""

    toggled = Signal(bool)

    def __init__(self, title: str, tip: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setChecked(True)
        self.button.setArrowType(Qt.ArrowType.DownArrow)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setFont(ui_font(1.25, bold=True))
        self.button.setAutoRaise(True)
        self.button.setStyleSheet("QToolButton { border: none; padding: 2px 0px; }")
        self.rule = QFrame()
        self.rule.setFrameShape(QFrame.Shape.HLine)
        self.rule.setFrameShadow(QFrame.Shadow.Sunken)
        self.button.setToolTip(f"{tip}\nClick to fold or unfold this part.")
        self.button.toggled.connect(self._toggle)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(8, 0, 0, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(self.rule)
        layout.addWidget(self.body)

    def _toggle(self, open_: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)
        self.toggled.emit(open_)


class GraphView(QGraphicsView):
    """The computation graph's view: scaled by the panel, never scrolled vertically."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip("")

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Let the wheel scroll the panel: the graph itself is always shown whole in height."""
        event.ignore()


class FormulaView(QWidget):
    """The formula panel: J and its derivatives, the nudge test, the computation graph.

    It draws the ``FormulaModel`` of each ``ProblemInfo`` and the ``FormulaValues`` of
    each ``Frame``; typing ε and choosing the nudged variable are intents.
    """

    epsilonEntered = Signal(str)  # a valid ε, as typed
    nudgeVariableChosen = Signal(int)
    stepperRequested = Signal()  # show the backprop stepper (the window's, not a verb)
    INTENTS = {"epsilonEntered": "set_epsilon", "nudgeVariableChosen": "set_nudge_variable"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model: FormulaModel | None = None
        self.values: FormulaValues | None = None  # the model at the last frame
        self._frame = None
        self._variable = 0
        self._drawing: GraphDrawing | None = None
        self._fitted = None
        self._revision = None  # the problem's, to tell a stepper frame of it apart
        self._stepper = None
        self._reveal_graph = False  # scroll to the graph once it is fitted (the stepper opened)
        #: the least and most the graph is scaled (a figure narrows them: its text in points)
        self.graph_scales = (GRAPH_MIN_SCALE, GRAPH_MAX_SCALE)

        self.note = QLabel(NETWORK_NOTE)
        self.note.setFont(ui_font(1.2))
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.note.setToolTip("This panel shows the cost, its derivative, the nudge test and the "
                             "computation graph of a formula lesson.")

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(10, 6, 10, 10)
        content.setSpacing(8)
        self._build_cost_section(content)
        self._build_nudge_section(content)
        self._build_graph_section(content)
        content.addStretch(1)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.content)
        self.scroll.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.scroll)
        self.scroll.hide()

        # On the presenter's stage it takes the whole height, its type fitted to it; the
        # captions are for a reader, the step's text speaks to the room.
        self.setProperty(TALL, True)
        for caption in (self.cost_caption, self.mode_label):
            caption.setProperty(HIDES, True)

        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_graph)

        theme_manager().changed.connect(self._restyle)
        self._restyle(current_theme())

    # ----- building -------------------------------------------------------------------------

    def _build_cost_section(self, content: QVBoxLayout) -> None:
        self.cost_section = Section(
            "Cost and slope",
            "The cost J, and its exact derivative from sympy's diff, evaluated where the hiker "
            "stands.")
        body = self.cost_section.body_layout
        self.point_label = QLabel()
        self.point_label.setFont(ui_font(1.15))
        self.point_label.setWordWrap(True)
        self.point_label.setToolTip("Where the hiker stands now (the current step of the run).")
        body.addWidget(self.point_label)
        self.cost_box = QVBoxLayout()
        self.cost_box.setSpacing(6)
        self.cost_box.setContentsMargins(0, 0, 0, 0)
        rows = QWidget()
        rows.setLayout(self.cost_box)
        # On a wide panel the values stay near their formulas rather than at the far edge.
        rows.setMaximumWidth(COST_ROWS_WIDTH)
        body.addWidget(rows)
        self.cost_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self.cost_caption = QLabel("sympy's diff gives each derivative exactly; the right "
                                   "column is its value at the hiker's point.")
        self.cost_caption.setFont(ui_font(1.1))
        self.cost_caption.setWordWrap(True)
        body.addWidget(self.cost_caption)
        content.addWidget(self.cost_section)
        self.cost_section.toggled.connect(self.schedule_fit)

    def _cost_row(self, name: str, expression: str, tip: str) -> tuple[QLabel, ...]:
        """Add a row "name  expression  = value" (the expression wraps); return its labels."""
        labels = (QLabel(name), QLabel(expression), QLabel("="))
        fonts = (ui_font(1.3), ui_font(1.3), ui_font(1.3, bold=True))
        row = QHBoxLayout()
        row.setSpacing(8)
        for column, (label, font) in enumerate(zip(labels, fonts, strict=True)):
            label.setFont(font)
            label.setToolTip(tip)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | (Qt.AlignmentFlag.AlignRight
                                                            if column != 1 else
                                                            Qt.AlignmentFlag.AlignLeft))
            row.addWidget(label, 1 if column == 1 else 0)
        labels[1].setWordWrap(True)
        labels[1].setMinimumWidth(80)
        self.cost_box.addLayout(row)
        return labels

    def _build_nudge_section(self, content: QVBoxLayout) -> None:
        self.nudge_section = Section(
            "Nudge test",
            "Move one variable by a small ε and see how much J changes: ΔJ/ε is almost the "
            "derivative.")
        body = self.nudge_section.body_layout
        chooser = QHBoxLayout()
        self.chooser_label = QLabel("Nudge")
        self.chooser_label.setFont(ui_font(1.15))
        chooser.addWidget(self.chooser_label)
        self.variable_group = QButtonGroup(self)
        self.variable_group.setExclusive(True)
        self.variable_buttons: list[QPushButton] = []
        for k in range(2):
            button = QPushButton()
            button.setCheckable(True)
            button.setFont(ui_font(1.15, bold=True))
            self.variable_group.addButton(button, k)
            self.variable_buttons.append(button)
            chooser.addWidget(button)
        chooser.addStretch(1)
        self.variable_group.idClicked.connect(self._choose_variable)
        self.chooser = QWidget()
        self.chooser.setLayout(chooser)
        chooser.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.chooser)

        table = QGridLayout()
        table.setHorizontalSpacing(12)
        table.setVerticalSpacing(4)
        table.setColumnStretch(2, 1)  # names and numbers stay together on a wide panel
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(ui_font(1.2).pointSizeF())
        self._mono = mono
        self.nudge_names: dict[str, QLabel] = {}
        self.nudge_labels: dict[str, QLabel] = {}
        for row, key in enumerate(("epsilon", "J", "J_plus", "delta", "ratio", "exact", "error")):
            name = QLabel()
            name.setFont(ui_font(1.15))
            table.addWidget(name, row, 0)
            self.nudge_names[key] = name
            if key == "epsilon":
                continue
            value = QLabel()
            value.setFont(mono)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            table.addWidget(value, row, 1)
            self.nudge_labels[key] = value
        self.epsilon_edit = QLineEdit(DEFAULT_EPSILON)
        self.epsilon_edit.setFont(mono)
        self.epsilon_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.epsilon_edit.setToolTip(EPSILON_TIP)
        self.epsilon_edit.setMinimumWidth(120)
        self.epsilon_edit.editingFinished.connect(self._epsilon_edited)
        self.nudge_names["epsilon"].setToolTip(EPSILON_TIP)
        table.addWidget(self.epsilon_edit, 0, 1)
        body.addLayout(table)
        self.epsilon_error = QLabel()
        self.epsilon_error.setFont(ui_font(1.1))
        self.epsilon_error.setWordWrap(True)
        self.epsilon_error.setToolTip("ε was not changed: the table still shows the last good ε.")
        self.epsilon_error.hide()
        body.addWidget(self.epsilon_error)
        self.sentence = QLabel()
        self.sentence.setFont(ui_font(1.2))
        self.sentence.setWordWrap(True)
        self.sentence.setToolTip("The nudge test read out: the measured slope ΔJ/ε against the "
                                 "exact derivative.")
        body.addWidget(self.sentence)
        self.mode_label = QLabel()
        self.mode_label.setFont(ui_font(1.1))
        self.mode_label.setWordWrap(True)
        self.mode_label.setToolTip("Paused, the nudge is computed with exact fractions, so "
                                   "3.001² is exactly 9.006001. While playing it uses floating "
                                   "point, which is faster.")
        body.addWidget(self.mode_label)
        content.addWidget(self.nudge_section)
        self.nudge_section.toggled.connect(self.schedule_fit)

    def _build_graph_section(self, content: QVBoxLayout) -> None:
        self.graph_section = Section(
            "Computation graph",
            "J split into its operations. Values flow up the arrows (forward pass); ∂J/∂box "
            "flows back down (backward pass), multiplied by each edge's local derivative.")
        body = self.graph_section.body_layout
        self.legend = QLabel()
        self.legend.setFont(ui_font(1.15))
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setToolTip("How to read the boxes and the edge tags.")
        body.addWidget(self.legend)
        self.scene = QGraphicsScene(self)
        self.graph_view = GraphView(self.scene)
        self.graph_view.setToolTip("")
        body.addWidget(self.graph_view)
        self.stepper_button = QPushButton("Step through the graph ▸")
        self.stepper_button.setFont(ui_font(1.1))
        self.stepper_button.setToolTip("Open the backprop stepper: forward values box by box, "
                                       "then ∂J/∂box back along the edges, marked here")
        self.stepper_button.clicked.connect(self.stepperRequested)
        body.addWidget(self.stepper_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.graph_hint = QLabel("Hover over a box or a tag to read it in full; drag to pan.")
        self.graph_hint.setFont(ui_font(1.1))
        self.graph_hint.setWordWrap(True)
        self.graph_hint.setProperty(HIDES, True)
        body.addWidget(self.graph_hint)
        content.addWidget(self.graph_section)
        self.graph_section.toggled.connect(self.schedule_fit)

    # ----- problem -------------------------------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Show a new problem: a formula's rows and graph, or the note for a network."""
        if info.is_network or info.formula is None:
            self._clear(info.formula_error)
            return
        model = info.formula
        self.model = model
        self._revision, self._stepper = info.revision, None
        self._frame = None
        self.values = None
        self._variable = min(self._variable, len(model.names) - 1)
        self._make_cost_rows(model)
        self._name_nudge_rows()
        self._make_graph(model)
        self.note.hide()
        self.scroll.show()
        self.schedule_fit()

    def _clear(self, reason: str) -> None:
        self.model = None
        self._frame = None
        self.values = None
        if self._drawing is not None:
            self._drawing.remove()
            self._drawing = None
        self.note.setText(reason or NETWORK_NOTE)
        self.scroll.hide()
        self.note.show()

    def _make_cost_rows(self, model: FormulaModel) -> None:
        while self.cost_box.count():
            row = self.cost_box.takeAt(0).layout()
            while row.count():
                widget = row.takeAt(0).widget()
                widget.hide()
                widget.setParent(None)  # gone now: a deferred delete would still be drawn
                widget.deleteLater()
            row.deleteLater()
        names = model.names
        args = ", ".join(names)
        self.cost_rows = [self._cost_row(f"J({args}) =", model.text,
                                         "The cost J, and its value where the hiker stands.")]
        for name, text in zip(names, model.derivative_texts, strict=True):
            symbol = f"dJ/d{name}" if len(names) == 1 else f"∂J/∂{name}"
            tip = (f"The {'derivative' if len(names) == 1 else 'partial derivative'} of J with "
                   f"respect to {name} (sympy's diff), and its value where the hiker stands: "
                   f"how fast J grows as {name} grows.")
            self.cost_rows.append(self._cost_row(f"{symbol} =", text, tip))
        # one width for the names, so that the expressions start in one column (at least:
        # a larger font, as in presenter mode, widens them all alike)
        width = max(row[0].sizeHint().width() for row in self.cost_rows)
        for row in self.cost_rows:
            row[0].setMinimumWidth(width)

    def _name_nudge_rows(self) -> None:
        names = self.model.names
        v = names[self._variable]
        two = len(names) > 1
        self.chooser.setVisible(two)
        for k, button in enumerate(self.variable_buttons):
            button.setVisible(k < len(names))
            if k < len(names):
                button.setText(names[k])
                button.setToolTip(f"Nudge {names[k]}, holding the other variable where it is.")
                with QSignalBlocker(button):
                    button.setChecked(k == self._variable)
        point = ", ".join(names)
        moved = ", ".join(f"{n} + ε" if n == v else n for n in names)
        slope = f"∂J/∂{v}" if two else f"dJ/d{v}"
        rows = {
            "epsilon": ("ε (the nudge)", EPSILON_TIP),
            "J": (f"J({point})", "J where the hiker stands."),
            "J_plus": (f"J({moved})", f"J with {v} moved right by ε."),
            "delta": ("ΔJ (change of J)", f"ΔJ = J({moved}) − J({point})."),
            "ratio": ("ΔJ / ε (measured)", "The slope the nudge measures: rise over run."),
            "exact": (f"{slope} (exact)", "The exact slope: the derivative at this point."),
            "error": ("error", f"ΔJ/ε − {slope}: it shrinks in step with ε."),
        }
        for key, (text, tip) in rows.items():
            self.nudge_names[key].setText(text)
            self.nudge_names[key].setToolTip(tip)
            if key in self.nudge_labels:
                self.nudge_labels[key].setToolTip(tip)

    def _make_graph(self, model: FormulaModel) -> None:
        if self._drawing is not None:
            self._drawing.remove()
        self._drawing = GraphDrawing(self.scene, model.nodes, model.edges, model.root,
                                     current_theme())
        self._fitted = None
        self._drawing.arrange(True)

    # ----- snapshot --------------------------------------------------------------------------------

    @property
    def exact_nudge(self) -> bool:
        """Return whether the nudge table shows exact arithmetic (else floating point)."""
        return self.values is not None and self.values.nudge.exact_arithmetic

    @property
    def nudge_pending(self) -> bool:
        """Return whether a paused frame's nudge is in floating point until the exact one comes."""
        nudge = None if self.values is None else self.values.nudge
        return (nudge is not None and self._frame is not None and not self._frame.playing
                and not nudge.exact_arithmetic and not nudge.inexact)

    def set_frame(self, frame) -> None:
        """Show the formula's values where the hiker stands now."""
        model, values = self.model, frame.formula
        if model is None or values is None or len(values.theta) != len(model.names):
            return
        self._frame, self.values = frame, values
        if values.nudge.variable != self._variable:
            self._variable = values.nudge.variable
            self._name_nudge_rows()
        self._show_cost(model, values, frame)
        self._show_nudge_values(model, values)
        self._show_graph(model, values)
        self.schedule_fit()

    def _show_cost(self, model: FormulaModel, values: FormulaValues, snap) -> None:
        where = ", ".join(f"{n} = {format_number(v, POINT_DIGITS)}"
                          for n, v in zip(model.names, values.theta, strict=True))
        self.point_label.setText(f"At the hiker's point {where} (step {snap.step}):")
        for (_, _, value_label), value in zip(self.cost_rows, (values.cost, *values.gradient),
                                              strict=True):
            value_label.setText(f"= {format_number(value, POINT_DIGITS)}")

    def _show_nudge_values(self, model: FormulaModel, values: FormulaValues) -> None:
        nudge = values.nudge
        numbers = nudge.as_dict()
        keys = ("J", "J_plus", "delta", "ratio", "exact", "error")
        texts = align_decimals([format_number(numbers[k], NUDGE_DIGITS) for k in keys])
        for key, text in zip(keys, texts, strict=True):
            self.nudge_labels[key].setText(text)
        self.sentence.setText(nudge_sentence(nudge, model.names, values.theta))
        if nudge.exact_arithmetic:
            mode = "Exact arithmetic with fractions (the run is paused)."
        elif nudge.inexact:
            mode = f"Floating point: {nudge.inexact}."
        elif self.nudge_pending:
            mode = "Floating point for now: working out the exact fractions…"
        else:
            mode = "Floating point while the hiker walks; exact when paused."
        self.mode_label.setText(mode)

    def set_exact_nudge(self, result: tuple) -> None:
        """Show the nudge worked out in exact fractions, if it is for the point shown."""
        theta, nudge = result
        values, model = self.values, self.model
        if (model is None or values is None or not _same_point(values.theta, theta)
                or values.nudge.variable != nudge.variable
                or values.nudge.epsilon != nudge.epsilon):
            return
        self.values = replace(values, nudge=nudge)
        self._show_nudge_values(model, self.values)
        self.schedule_fit()

    def _show_graph(self, model: FormulaModel, values: FormulaValues) -> None:
        drawing = self._drawing
        if drawing is None:
            return
        grew = drawing.set_numbers([format_number(x, GRAPH_DIGITS) for x in values.node_values],
                                   [format_number(x, GRAPH_DIGITS) for x in values.adjoints],
                                   [format_number(x, GRAPH_DIGITS)
                                    for x in values.local_derivatives],
                                   model.edge_local_texts)
        if grew:
            self._fitted = None

    def set_stepper(self, frame) -> None:
        """Mark the backprop stepper's operation on the graph (``None``: no stepper shown)."""
        ok = frame is not None and frame.kind == "formula" and frame.revision == self._revision
        arriving = ok and self._stepper is None
        self._stepper = frame if ok else None
        drawing = self._drawing
        if drawing is None:
            return
        if arriving:  # the stepper was just opened: bring the graph it marks into view
            self._reveal_graph = True
            self.schedule_fit()
        if self._stepper is None:
            drawing.set_step({}, {}, {})
            return
        op, progress = frame.current, frame.progress()
        count = len(drawing.nodes)
        if op.phase == "forward":
            stages = {k: "value" if k < progress.nodes else "none" for k in range(count)}
        elif op.phase == "backward":
            stages = {k: "all" if k >= count - progress.adjoints else "value" for k in range(count)}
        else:
            stages = {}
        colour = QColor(chip_colours(op)[0])
        faint = QColor(colour)
        faint.setAlphaF(0.5)
        nodes, edges = {}, {}
        for n, touch in enumerate(op.touches):
            if touch.kind == "node":
                nodes.setdefault(touch.j, colour if n == 0 else faint)
            elif touch.kind == "link":
                edges[touch.j] = colour
        drawing.set_step(stages, nodes, edges)

    def variable_adjoints(self) -> dict[str, float]:
        """Return ∂J/∂variable as the graph's backward pass found it (for each variable)."""
        if self.model is None or self.values is None:
            return {}
        return dict(zip(self.model.names, self.values.variable_adjoints, strict=True))

    # ----- ε and the variable -------------------------------------------------------------------

    def _epsilon_edited(self) -> None:
        text = self.epsilon_edit.text()
        value, problem = parse_epsilon(text)
        if problem is not None:
            self.epsilon_error.setText(problem)
            self.epsilon_error.show()
            self.schedule_fit()
            return
        self.epsilon_error.hide()
        self.epsilonEntered.emit(text.strip())
        self.schedule_fit()

    def _choose_variable(self, index: int) -> None:
        if self.model is None or index >= len(self.model.names):
            return
        self._variable = index
        self._name_nudge_rows()
        self.nudgeVariableChosen.emit(index)

    # ----- fitting the graph -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Fit the graph again when the panel's visible area changes size."""
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self.schedule_fit()
        return super().eventFilter(watched, event)

    def schedule_fit(self, *_args) -> None:
        """Fit the graph to the panel once the layout has settled."""
        self._fit_timer.start()

    def set_type_scale(self, scale: float) -> None:
        """Scale the graph's least and most sizes with the panel's type (presenter mode)."""
        self.graph_scales = (GRAPH_MIN_SCALE * scale, GRAPH_MAX_SCALE * scale)
        self._fitted = None
        self.schedule_fit()

    def fit_graph(self) -> None:
        """Scale the graph to the panel's width (and the room left below), choosing its direction.

        Top-down suits a narrow panel, left-to-right a wide one. The scale stays within
        ``graph_scales`` (legible, and not too large); a graph too wide even at the smallest
        scale scrolls sideways, and one too tall makes the panel scroll.
        """
        drawing, view = self._drawing, self.graph_view
        least, most = self.graph_scales
        if drawing is None or not self.graph_section.button.isChecked():
            return
        if self._reveal_graph:
            self._reveal_graph = False
            QTimer.singleShot(0, lambda: self.scroll.verticalScrollBar().setValue(
                self.graph_section.y()))
        margins = self.content.layout().contentsMargins()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        frame = 2 * view.frameWidth()
        # The panel's own scroll bar is always allowed for, so that its appearing does not
        # change the width and start the fit over.
        width = (self.scroll.width() - 2 * self.scroll.frameWidth() - bar - margins.left()
                 - margins.right() - self.graph_section.body_layout.contentsMargins().left()
                 - frame)
        top = view.mapTo(self.content, QPoint(0, 0)).y()
        height = (self.scroll.viewport().height() - top - margins.bottom() - frame
                  - self.graph_hint.sizeHint().height())
        sizes = {vertical: drawing.placement(vertical).size for vertical in (True, False)}

        def best(room: float) -> tuple[float, bool]:
            """Return the larger scale at which the graph fits the room, and its direction."""
            scales = {v: min(width / s.width, room / s.height, most)
                      for v, s in sizes.items()}
            vertical = scales[True] * 1.05 >= scales[False]  # top-down unless clearly worse
            return scales[vertical], vertical

        scale, vertical = best(height)
        if scale < least:
            # It cannot fit below the sections: it takes more room and the panel scrolls
            # down to it, in a direction whose width fits (scrolling sideways is awkward).
            room = max(height, GRAPH_ASSUMED_HEIGHT)
            fitting = [v for v, s in sizes.items() if width / s.width >= least]
            choices = {v: min(width / sizes[v].width, room / sizes[v].height,
                              most) for v in fitting or sizes}
            vertical = max(choices, key=lambda v: (choices[v] * (1.05 if v else 1.0), v))
            scale = max(choices[vertical], least)
        size = sizes[vertical]
        key = (round(scale, 4), vertical, size.width, size.height, width)
        if key == self._fitted:
            return
        self._fitted = key
        if vertical != drawing.vertical:
            drawing.arrange(vertical)
        view.resetTransform()
        view.scale(scale, scale)
        needs_bar = size.width * scale > width + 0.5
        view.setFixedHeight(math.ceil(size.height * scale) + frame + (bar if needs_bar else 0))

    # ----- theme ----------------------------------------------------------------------------------------

    def _restyle(self, theme: Theme) -> None:
        muted = f"color: {theme.muted};"
        for label in (self.cost_caption, self.mode_label, self.graph_hint):
            label.setStyleSheet(muted)
        self.note.setStyleSheet(muted)
        self.epsilon_error.setStyleSheet(f"color: {theme.error}; font-weight: bold;")
        ink = "black" if QColor(theme.text).lightness() < 128 else "white"  # the print theme too
        self.legend.setText(
            f"<span style='color:{theme.text}'><b>forward value</b> ({ink})</span> · "
            f"<span style='color:{theme.step_arrow}'><b>∂J/∂node</b> (red)</span><br>"
            f"<span style='color:{theme.velocity_arrow}'><b>on each edge</b>: the local "
            f"derivative ∂parent/∂child (blue)</span>")
        self.graph_view.setBackgroundBrush(QBrush(QColor(theme.background)))
        self.chooser.setStyleSheet(
            f"QPushButton {{ padding: 4px 16px; border: 1px solid {theme.grid}; border-radius: 5px;"
            f" background: {theme.background}; color: {theme.text}; }}"
            f"QPushButton:checked {{ background: {theme.positive}; color: {theme.background};"
            f" border-color: {theme.positive}; }}")
        if self._drawing is not None:
            self._drawing.restyle(theme)
