"""The network diagram: neurons, weights and biases of the current network, editable.

Items are made once per network shape (``set_problem``); each painted frame only changes
their pens, brushes and thumbnails. Edges show w (width ∝ |w|, colour = sign) or, in
gradient mode, |∂L/∂w| on a log scale; neurons are filled by their activation for one
chosen training sample. Clicking an edge or a neuron selects the weight or bias for the
inspector; dragging it vertically changes it (one undo entry per drag).

The view is passive: the chosen sample's forward and backward pass (``SampleTrace``) and
every neuron's map over the input plane (``NeuronMaps``) are computed in the background
and delivered; what the user does becomes an intent (``INTENTS``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.choices import HIDDEN_ACTIVATIONS, MAX_HIDDEN_LAYERS, MAX_NEURONS
from simulator.workspace.frames import Axes, Frame, NeuronMaps, ProblemInfo, SampleTrace
from simulator.workspace.lesson_steps import neuron_place
from simulator.workspace.numbers import format_number, format_short

from ..items.network_items import (
    AxisTagItem,
    DivergingMap,
    EdgeBundleItem,
    EdgeScale,
    LayerItem,
    StepOverlayItem,
    nice_ceil,
)
from ..presenter_fit import HIDES, KEEPS
from ..theme import Theme, current_theme, theme_manager, ui_font
from .inspector import HINT, ParameterInfo, ParameterInspector
from .on_screen import DrawsWhenSeen
from .stepper_marks import TAG_SPOTS, clear_spot, network_marks

GRADIENT_DECADES = 6  # gradient mode: widths span this many powers of ten
DRAG_START_PX = 4
ANTIALIAS_EDGES = 400  # more edges than this are drawn without antialiasing (10× faster)
#: While playing, a painted frame re-pens the layers of weights in turn, about this many
#: edges a frame: redrawing all 7,000 edges of an 8 × 32 network costs more than the rest
#: of a frame, and a layer at a time still shows every weight live (each layer of the
#: biggest network is re-pened every eighth painted frame, about 3 times a second; a
#: re-pened layer of 1,024 edges is drawn again, ~1.1 ms). Paused, all at once.
PLAYING_EDGES = 1100
ACTIVATION_LABELS = {"linear": "linear", "relu": "ReLU", "leaky_relu": "leaky ReLU",
                     "tanh": "tanh", "sigmoid": "sigmoid", "softmax": "softmax"}
LOSS_LABELS = {"mse": "MSE", "bce": "BCE", "cross_entropy": "cross-entropy"}
#: (centre, half-width) of each activation's output, for colouring; None: scale to the values
ACTIVATION_SPANS = {"sigmoid": (0.5, 0.5), "softmax": (0.5, 0.5), "tanh": (0.0, 1.0)}


@dataclass(frozen=True)
class Target:
    """Something under the mouse: an edge (a weight), a bias badge, or a neuron.

    For an edge, ``layer`` is l of W_l and (i, j) the neurons it joins; for a bias or a
    neuron, ``layer`` counts from 0 (the inputs) and ``i`` is the neuron. ``index`` is the
    θ entry it edits (a neuron edits its bias), or −1 for an input neuron.
    """

    kind: str
    layer: int
    i: int
    j: int
    index: int


class FlowLayout(QLayout):
    """A layout that places widgets left to right and wraps them onto new rows when narrow."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8):
        super().__init__(parent)
        self._items = []
        self._spacing = spacing
        self.setContentsMargins(4, 2, 4, 2)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's name
        """Append a layout item."""
        self._items.append(item)

    def count(self) -> int:
        """Return the number of items."""
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt's name
        """Return the item at index, or None."""
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt's name
        """Remove and return the item at index."""
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt's name
        """Return no expansion."""
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        """Return True: the height depends on how many rows the width allows."""
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        """Return the height needed at this width."""
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        """Place the items inside rect."""
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Return the size of one row of everything."""
        width = sum(i.sizeHint().width() for i in self._items) + self._spacing * len(self._items)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name
        """Return the size of the widest item."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row = area.x(), area.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, row = area.x(), y + row + self._spacing // 2, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            row = max(row, hint.height())
        return y + row - rect.y() + m.bottom()


def _tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setFont(ui_font(1.35, bold=True))
    button.setFixedSize(30, 28)
    button.setProperty(HIDES, True)
    return button


class LayerHeader(QWidget):
    """The title of one column of the diagram; hidden layers get −/+ and an activation menu."""

    def __init__(self, kind: str, layer: int, size: int, activation: str, detail: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.kind, self.layer, self.size = kind, layer, size
        self.activation = activation
        self._detail = detail
        self.title = QToolButton()
        self.title.setAutoRaise(True)
        self.title.setFont(ui_font(1.15, bold=True))
        self.count = QLabel()
        self.count.setFont(ui_font(1.15))
        self.count.setToolTip("How many neurons this layer has")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.minus = self.plus = None
        self.controls = True  # whether −/+ and the menu's ▾ show (a figure has none)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        if kind == "hidden":
            self.title.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            self.title.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
            self.title.setToolTip(f"Hidden layer {layer}: choose its activation function")
            self.minus = _tool_button("−", "")
            self.plus = _tool_button("+", "")
            row.addWidget(self.minus)
            row.addWidget(self.count)
            row.addWidget(self.plus)
            if size >= MAX_NEURONS:
                self.plus.setEnabled(False)
                self.plus.setToolTip(f"Hidden layer {layer} has {MAX_NEURONS} neurons, the most a "
                                     "layer can have")
            else:
                self.plus.setToolTip(f"Add a neuron to hidden layer {layer} (every existing weight "
                                     "stays as it is)")
            if size <= 1:
                self.minus.setEnabled(False)
                self.minus.setToolTip(f"Hidden layer {layer} has one neuron: remove the layer "
                                      "instead (Hidden layers −)")
            else:
                self.minus.setToolTip(f"Remove the last neuron of hidden layer {layer} (only its "
                                      "weights go)")
        else:
            self.title.setToolTip("The network's inputs: one per feature of the data" if
                                  kind == "input" else "The network's output layer and its loss")
            row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(row)
        self.set_compact(False)

    def set_compact(self, compact: bool, tiny: bool = False) -> None:
        """Use short texts (H1, 8) and smaller buttons when the columns are narrow.

        ``tiny``, for columns narrower still (many layers in a narrow dock): only the
        layer's number, its menu still choosing the activation; no −/+ and no count.
        """
        act = ACTIVATION_LABELS.get(self.activation, self.activation)
        for button in (self.minus, self.plus):
            if button is not None:
                button.setFixedSize(24 if compact else 30, 26 if compact else 28)
                button.setVisible(self.controls and not tiny)
        self.count.setVisible(not tiny)
        if tiny:
            self.title.setText({"input": "In", "output": "Out"}.get(self.kind, str(self.layer)))
        elif self.kind == "hidden":
            menu = " ▾" if self.controls else ""
            self.title.setText(f"{act}{menu}" if compact else f"Hidden {self.layer} · {act}{menu}")
            self.count.setText(f"{self.size}" if compact else
                               f"{self.size} neuron{'s' if self.size != 1 else ''}")
        elif self.kind == "input":
            self.title.setText("In" if compact else "Inputs")
            self.count.setText(f"{self.size}" if compact else self._detail)
        else:
            self.title.setText("Out" if compact else f"Output · {act}")
            self.count.setText(act if compact else self._detail)
        self.adjustSize()


class NetworkLegend(QWidget):
    """A strip that says what the widths and colours of the diagram mean (wraps when narrow)."""

    SCALE = 1.1  # its text's size, of the application font's

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mode = "weights"
        self.scale = EdgeScale("linear", 0.0, 1.0, 1.0, 6.0)
        self.cmap = DivergingMap("#E69F00", "#ffffff", "#0072B2")
        self.sample = 0
        self.active = True
        self._key = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip("How to read the diagram: edge colour is the sign, edge width the size; "
                        "neuron colour is its activation for the chosen sample")

    def set_content(self, mode: str, scale: EdgeScale, cmap: DivergingMap, sample: int,
                    active: bool = True) -> None:
        """Show the legend for this mode and scale."""
        key = (mode, scale.label("low"), scale.label("high"), scale.thick, sample, active, id(cmap))
        self.mode, self.scale, self.cmap, self.sample, self.active = mode, scale, cmap, sample, active
        if key != self._key:  # the legend only changes when its words do
            self._key = key
            self._fit()
            self.update()

    def _chips(self) -> list[tuple[str, tuple]]:
        grad = self.mode == "gradients"
        symbol = "∂L/∂w" if grad else "w"
        theme = current_theme()
        return [
            ("head", ("Edges",)),
            ("line", (theme.positive, f"{symbol} > 0")),
            ("line", (theme.negative, f"{symbol} < 0")),
            ("wedge", (f"|{symbol}|" + (" (log)" if grad else ""), self.scale.label("low"),
                       self.scale.label("high"))),
            ("badge", ("bias" if self.width() < 640 else "bias (badge)",)),
            ("head", ("Neurons",)),
            ("bar", ("" if self.width() < 640 else f"(sample #{self.sample})",)),
        ]

    def _chip_width(self, fm: QFontMetricsF, kind: str, args: tuple) -> float:
        if kind == "head":
            return fm.horizontalAdvance(args[0] + ":") + 4
        if kind == "line":
            return 30 + fm.horizontalAdvance(args[1])
        if kind == "wedge":
            return fm.horizontalAdvance(f"{args[0]}: {args[1]}") + 62 + fm.horizontalAdvance(args[2])
        if kind == "badge":
            return 22 + fm.horizontalAdvance(args[0])
        return fm.horizontalAdvance("low ") + 70 + fm.horizontalAdvance(" high " + args[0])

    def _rows(self, width: float) -> list[list[tuple[float, str, tuple]]]:
        fm = QFontMetricsF(ui_font(self.SCALE))
        chips = self._chips() if self.active else []
        widths = [self._chip_width(fm, kind, args) for kind, args in chips]
        rows, row, x = [], [], 6.0
        for n, ((kind, args), w) in enumerate(zip(chips, widths, strict=True)):
            # A heading stays on the same row as its first chip.
            need = w + (14 + widths[n + 1] if kind == "head" and n + 1 < len(chips) else 0)
            if row and x + need > width - 6:
                rows.append(row)
                row, x = [], 6.0
            row.append((x, kind, args))
            x += w + 14
        if row:
            rows.append(row)
        return rows

    def _row_height(self) -> float:
        return QFontMetricsF(ui_font(self.SCALE)).height() + 10

    def _fit(self) -> None:
        rows = max(1, len(self._rows(max(self.width(), 200))))
        self.setFixedHeight(int(rows * self._row_height() + 4))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Re-wrap the chips for the new width."""
        super().resizeEvent(event)
        self._fit()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Draw the chips row by row."""
        theme = current_theme()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = ui_font(self.SCALE)
        bold = ui_font(self.SCALE, bold=True)
        fm = QFontMetricsF(font)
        rh = self._row_height()
        text_pen = QPen(QColor(theme.text))
        for r, row in enumerate(self._rows(self.width())):
            cy = 2 + r * rh + rh / 2
            for x, kind, args in row:
                p.setFont(font)
                p.setPen(text_pen)
                if kind == "head":
                    p.setFont(bold)
                    p.drawText(QPointF(x, cy + fm.ascent() / 2 - 1), args[0] + ":")
                elif kind == "line":
                    pen = QPen(QColor(args[0]), 5)
                    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                    p.setPen(pen)
                    p.drawLine(QPointF(x + 3, cy), QPointF(x + 23, cy))
                    p.setPen(text_pen)
                    p.drawText(QPointF(x + 30, cy + fm.ascent() / 2 - 1), args[1])
                elif kind == "wedge":
                    lead = f"{args[0]}: {args[1]}"
                    p.drawText(QPointF(x, cy + fm.ascent() / 2 - 1), lead)
                    wx = x + fm.horizontalAdvance(lead) + 6
                    thin, thick = self.scale.thin / 2, min(self.scale.thick, rh - 8) / 2
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(QColor(theme.muted))
                    p.drawPolygon(QPolygonF([QPointF(wx, cy - thin), QPointF(wx + 50, cy - thick),
                                             QPointF(wx + 50, cy + thick), QPointF(wx, cy + thin)]))
                    p.setPen(text_pen)
                    p.drawText(QPointF(wx + 56, cy + fm.ascent() / 2 - 1), args[2])
                elif kind == "badge":
                    p.setPen(QPen(QColor(theme.muted), 1))
                    p.setBrush(QColor(theme.positive))
                    p.drawEllipse(QPointF(x + 8, cy), 6, 6)
                    p.setPen(text_pen)
                    p.drawText(QPointF(x + 20, cy + fm.ascent() / 2 - 1), args[0])
                else:
                    low = "low "
                    p.drawText(QPointF(x, cy + fm.ascent() / 2 - 1), low)
                    bx = x + fm.horizontalAdvance(low)
                    colours = self.cmap.colors
                    step = len(colours) / 64
                    p.setPen(Qt.PenStyle.NoPen)
                    for k in range(64):
                        p.setBrush(colours[int(k * step)])
                        p.drawRect(QRectF(bx + k, cy - 7, 1.2, 14))
                    p.setPen(QPen(QColor(theme.muted), 1))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawRect(QRectF(bx, cy - 7, 64, 14))
                    p.setPen(text_pen)
                    p.drawText(QPointF(bx + 70, cy + fm.ascent() / 2 - 1), " high " + args[0])
        p.end()


class DiagramView(QGraphicsView):
    """The graphics view of the diagram; scene coordinates are viewport pixels."""

    def __init__(self, owner: NetworkView):
        super().__init__(QGraphicsScene(owner))
        self.owner = owner
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.viewport().setMouseTracking(True)
        # Short: a minimum the panel cannot give makes its layout lay the legend over the
        # bottom neurons (presenter mode's lower row at 768 pixels is about 300 high).
        self.setMinimumSize(200, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Fit the scene to the viewport and lay the network out again."""
        super().resizeEvent(event)
        vp = self.viewport()
        self.scene().setSceneRect(0, 0, vp.width(), vp.height())
        self.owner.relayout()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Select what was clicked (and maybe start a drag)."""
        self.owner.press(self.mapToScene(event.position().toPoint()), event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Drag a value, or follow the hover."""
        self.owner.move(self.mapToScene(event.position().toPoint()), event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Finish a drag."""
        self.owner.release(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Treat a double click as a click (no zooming here)."""
        self.owner.press(self.mapToScene(event.position().toPoint()), event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Forget the hover."""
        super().leaveEvent(event)
        self.owner.set_hover(None)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Show the menu for what is under the mouse."""
        self.owner.show_context_menu(self.mapToScene(event.pos()), event.globalPos())

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt's name
        """Show fresh numbers in the tooltip of whatever is under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            target = self.owner.target_at(self.mapToScene(event.pos()))
            text = self.owner.describe(target) if target is not None else ""
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)


class NetworkView(DrawsWhenSeen, QWidget):
    """The editable network diagram, a dock of the main window.

    ``INTENTS`` names the controller verb each signal asks for.

    Signals
    -------
    sampleChosen(int)
        Follow another training sample.
    weightPreviewed(int, object)
        Draw θ[index] at this value while it is dragged; ``None`` when the drag ends.
    weightSet(int, float)
        Set θ[index] to a value (one undo entry).
    axisChosen(str, int)
        Use θ[index] as the landscape's "x" or "y" axis.
    layerAdded(), layerRemoved()
        Add a hidden layer before the output; remove the last one.
    neuronAdded(int), neuronRemoved(int, object)
        Add a neuron to a hidden layer; remove neuron j of it (``None``: the last one).
    activationChosen(int, str)
        Use another activation in a hidden layer.
    neuronMapsWanted(bool)
        Whether the neuron maps are drawn (they are computed only then).
    featureToggled(str)
        Switch an input feature (``x1^2``, ``sin(x2)``…) on or off: a click on an input node.
    stepperRequested()
        Show the backprop stepper (the window's, not a controller verb).
    """

    sampleChosen = Signal(int)
    weightPreviewed = Signal(int, object)
    weightSet = Signal(int, float)
    axisChosen = Signal(str, int)
    layerAdded = Signal()
    layerRemoved = Signal()
    neuronAdded = Signal(int)
    neuronRemoved = Signal(int, object)
    activationChosen = Signal(int, str)
    neuronMapsWanted = Signal(bool)
    featureToggled = Signal(str)
    stepperRequested = Signal()
    INTENTS = {"sampleChosen": "set_sample", "weightPreviewed": "preview_weight",
               "weightSet": "set_weight", "axisChosen": "set_axis", "layerAdded": "add_layer",
               "layerRemoved": "remove_layer", "neuronAdded": "add_neuron",
               "neuronRemoved": "remove_neuron", "activationChosen": "set_layer_activation",
               "neuronMapsWanted": "want_neuron_maps",
               "featureToggled": "toggle_feature"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.info: ProblemInfo | None = None
        self.network = None
        self.frame: Frame | None = None
        self.axes: Axes | None = None
        self.mode = "weights"
        self.sample = 0
        self.selected: int | None = None
        self.highlight: str | None = None  # what the lesson's step marks, by name
        self._lesson_step: tuple | None = None  # the step whose selection was applied last
        self.hover: Target | None = None
        self.preview: tuple[int, float] | None = None
        self.bundles: list[EdgeBundleItem] = []
        self.layers: list[LayerItem] = []
        self.headers: list[LayerHeader] = []
        self.edge_scale = EdgeScale("linear", 0.0, 1.0, 1.0, 6.0)
        self.trace: SampleTrace | None = None
        self.maps: NeuronMaps | None = None
        self._drag: dict | None = None
        self._last_click: tuple[QPointF, int] | None = None
        self._x_train = self._y_train = None
        self._x_span = None
        self._columns = 0  # the data's columns (the input features are made from them)
        self._inputs: tuple = ()  # the input column's features, shown in order (on or off)
        self._input_rows: list[int] = []  # the column row of each network input
        self._dataset_kind = "classification"
        self._thin_thick = (1.0, 6.0)
        self._style = current_theme()
        self.cmap = DivergingMap(self._style.negative, self._style.background, self._style.positive)

        self.extra_actions: tuple[QAction, ...] = ()  # the window's own (Copy image…), at the end
        self._build_toolbar()
        self._next_bundle = 0  # the layer of weights re-pened first by the next playing frame
        self.diagram = DiagramView(self)
        # Column titles live in a strip above the view, so a frame's repaint leaves them alone.
        self.header_strip = QWidget()
        self.header_strip.setFixedHeight(0)
        scene = self.diagram.scene()
        self._message = QGraphicsTextItem()
        self._message.setTextWidth(360)
        scene.addItem(self._message)
        self.stepper_frame = None  # the backprop stepper's operation, marked on the diagram
        self.step_overlay = StepOverlayItem()
        self.step_overlay.hide()
        scene.addItem(self.step_overlay)
        self.tags = {"x": AxisTagItem("X"), "y": AxisTagItem("Y")}
        self._tag_spots: dict[str, list[QPointF]] = {}  # where each may go, first choice first
        self.tags_may_hide = False  # a tag with no clear spot is left out (a figure)
        for tag in self.tags.values():
            scene.addItem(tag)
            tag.hide()
        self.legend = NetworkLegend()
        self.inspector = ParameterInspector()
        self.inspector.valueEdited.connect(self._commit)
        self.inspector.valuePreviewed.connect(self._set_preview)
        self.inspector.axisRequested.connect(self.axisChosen)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.header_strip)
        layout.addWidget(self.diagram, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.inspector)
        self._mark_stage_parts()

        theme_manager().changed.connect(self._restyle)
        self._restyle(current_theme())
        self._set_controls_enabled(False)
        self._show_message("Open a network lesson to see its diagram.")

    # ----- building ------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.toolbar = QWidget()
        flow = FlowLayout(self.toolbar)

        def group(*widgets) -> QWidget:
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            for w in widgets:
                row.addWidget(w)
            flow.addWidget(box)
            return box

        self.layers_title = QLabel("Hidden layers")
        self.remove_layer_button = _tool_button("−", "Remove the last hidden layer")
        self.layer_count = QLabel("0")
        self.layer_count.setMinimumWidth(16)
        self.layer_count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_layer_button = _tool_button("+", "Add a hidden layer before the output")
        self.remove_layer_button.clicked.connect(self.layerRemoved)
        self.add_layer_button.clicked.connect(self.layerAdded)
        group(self.layers_title, self.remove_layer_button, self.layer_count, self.add_layer_button)

        self.sample_title = QLabel("Sample #")
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(0, 0)
        self.sample_spin.setToolTip("Which training sample the neurons' colours show (and the "
                                    "numbers when you hover a neuron)")
        self.sample_spin.valueChanged.connect(self.sampleChosen)
        self.sample_label = QLabel()
        self.sample_label.setToolTip("The chosen sample's inputs and target")
        group(self.sample_title, self.sample_spin)
        group(self.sample_label)

        self.thumbnails_check = QCheckBox("Neuron maps")
        self.thumbnails_check.setChecked(True)
        self.thumbnails_check.setToolTip("Show beside each neuron what it outputs over the whole "
                                         "input plane (two-input problems)")
        self.thumbnails_check.toggled.connect(self._thumbnails_toggled)
        self.gradient_check = QCheckBox("Gradients")
        self.gradient_check.setToolTip("Edges show |∂L/∂w| on a log scale instead of the weights: "
                                       "vanishing gradients become hairlines")
        self.gradient_check.toggled.connect(
            lambda on: self.set_edge_mode("gradients" if on else "weights"))
        self.features_check = QCheckBox("Features")
        self.features_check.setToolTip("Show every input feature the data offers (x₁², x₁·x₂, "
                                       "sin x₁…) in the input column; click one to feed it to "
                                       "the network or to stop")
        self.features_check.toggled.connect(self._features_shown)
        group(self.thumbnails_check, self.gradient_check, self.features_check)
        self.stepper_button = QToolButton()
        self.stepper_button.setText("Step through backprop ▸")
        self.stepper_button.setToolTip("Open the backprop stepper: this sample's forward and "
                                       "backward pass, one operation at a time, marked here")
        self.stepper_button.clicked.connect(self.stepperRequested)
        self.stepper_button.setProperty(HIDES, True)
        group(self.stepper_button)
        for w in (self.stepper_button, self.layers_title, self.layer_count, self.sample_title,
                  self.sample_spin, self.sample_label, self.thumbnails_check, self.gradient_check,
                  self.features_check):
            w.setFont(ui_font(1.1))

    def _mark_stage_parts(self) -> None:
        """Mark what the presenter's stage hides, so the diagram has most of the view's height.

        The toolbar keeps only the Gradients box, which the lessons' texts ask to tick; the
        inspector shows its hint, which the stage hides, unless a step selects.
        """
        for w in (self.layers_title, self.layer_count, self.sample_title, self.sample_spin,
                  self.sample_label):
            w.setProperty(HIDES, True)
        self.gradient_check.setProperty(KEEPS, True)

    # ----- inbound ---------------------------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Make the items for a new problem's network (or say there is none), once per shape."""
        if info is self.info:
            return  # the same problem told again (a view bound later asked for the state)
        selected_name = None
        if self.selected is not None and self.info is not None and \
                self.selected < len(self.info.names):
            selected_name = self.info.names[self.selected]
        self.info = info
        if self.preview is not None:  # a drag cut short by the new problem
            self.weightPreviewed.emit(self.preview[0], None)
        self.frame = None  # the old one has the old shape; the new one follows this signal
        self.trace = self.maps = None
        self.forget_drawings()
        self.stepper_frame = None
        self.step_overlay.hide()
        self.preview = None
        self._drag = None
        self.hover = None
        self._last_click = None
        scene = self.diagram.scene()
        for item in [*self.bundles, *self.layers]:
            scene.removeItem(item)
        self.bundles, self.layers = [], []
        self._next_bundle = 0
        for header in self.headers:
            header.hide()
            header.deleteLater()
        self.headers = []
        if not info.is_network:
            self.header_strip.setFixedHeight(0)
            self.network = None
            self.selected = None
            self._set_controls_enabled(False)
            self.inspector.clear("The network diagram shows network lessons.")
            self._show_message("This lesson descends a formula, not a network, so there is no "
                               "diagram to draw. Open a network lesson (File ▸ Built-in lessons) "
                               "to see one.")
            self.neuronMapsWanted.emit(False)
            return
        self._message.hide()
        self._set_controls_enabled(True)
        problem = info.problem
        net = self.network = problem.network
        sizes = net.sizes
        d = problem.inputs  # the input neurons show the features of the data's columns
        self._x_train, self._y_train = d.x_train, d.y_train
        x_all = np.vstack([d.x_train, d.x_test]) if d.x_test.size else d.x_train
        self._x_span = np.maximum(np.abs(x_all).max(axis=0), 1e-9)
        self._dataset_kind = d.kind
        for layer in range(1, len(sizes)):
            bundle = EdgeBundleItem(layer, sizes[layer - 1], sizes[layer])
            bundle.setZValue(0)
            scene.addItem(bundle)
            self.bundles.append(bundle)
        self._columns = problem.dataset.inputs
        if problem.features is not None:
            with QSignalBlocker(self.features_check):
                self.features_check.setChecked(True)
        self.features_check.setEnabled(self._columns <= 2)
        offered = self.features_check.isChecked() and self._columns <= 2
        self._inputs = info.feature_choices if offered else info.input_features
        rows = {f.name: r for r, f in enumerate(self._inputs)}
        self._input_rows = [rows[f.name] for f in info.input_features]
        for k, n in enumerate(sizes):
            item = LayerItem(k, len(self._inputs) if k == 0 else n, has_bias=k > 0)
            item.setZValue(2)
            scene.addItem(item)
            self.layers.append(item)
        self.layers[0].inactive = frozenset(r for r, f in enumerate(self._inputs) if not f.active)
        plain = problem.features is None and not offered  # the columns, named as before
        self.layers[0].set_labels([f"x[{i}]" if plain else f.label
                                   for i, f in enumerate(self._inputs)], "left")
        self.layers[-1].set_labels(self._output_labels(), "right")
        self._make_headers()
        self.layer_count.setText(str(len(sizes) - 2))
        hidden = len(sizes) - 2
        self.add_layer_button.setEnabled(hidden < MAX_HIDDEN_LAYERS)
        self.add_layer_button.setToolTip(
            "Add a hidden layer before the output" if hidden < MAX_HIDDEN_LAYERS else
            f"The network has {MAX_HIDDEN_LAYERS} hidden layers, the most it can have")
        self.remove_layer_button.setEnabled(hidden > 0)
        self.remove_layer_button.setToolTip("Remove the last hidden layer" if hidden else
                                            "There is no hidden layer to remove")
        two_inputs = self._columns >= 2
        self.thumbnails_check.setEnabled(two_inputs)
        self.thumbnails_check.setToolTip(
            ("Show beside each neuron what it outputs over the whole input plane" +
             (" of x₁ and x₂ (the other columns at their mean)" if self._columns > 2 else ""))
            if two_inputs else "Neuron maps need data with two columns (this one has "
                 f"{self._columns})")
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setRange(0, max(0, len(d.x_train) - 1))
            self.sample = min(self.sample, len(d.x_train) - 1)
            self.sample_spin.setValue(self.sample)
        self._update_sample_label()
        names = info.names
        self.selected = names.index(selected_name) if selected_name in names else None
        self._restyle_items()
        self.relayout()
        self.neuronMapsWanted.emit(self.thumbnails_shown())

    def _output_labels(self) -> list[str]:
        net = self.network
        n = net.sizes[-1]
        if net.output_activation == "softmax":
            return [f"P(class {k})" for k in range(n)]
        if n == 1:
            return ["ŷ = P(class 1)" if self._dataset_kind == "classification" and
                    net.output_activation == "sigmoid" else "ŷ"]
        return [f"ŷ[{k}]" for k in range(n)]

    def _make_headers(self) -> None:
        net = self.network
        sizes = net.sizes
        strip = self.header_strip
        last = len(sizes) - 1
        for k, n in enumerate(sizes):
            if k == 0:
                header = LayerHeader("input", 0, n, "", f"{n} feature{'s' if n != 1 else ''}", strip)
            elif k == last:
                loss = LOSS_LABELS.get(net.loss_name, net.loss_name)
                header = LayerHeader("output", k, n, net.output_activation, f"{loss} loss", strip)
            else:
                header = LayerHeader("hidden", k, n, net.activations[k - 1], "", strip)
                header.plus.clicked.connect(lambda _=False, lay=k: self.neuronAdded.emit(lay))
                header.minus.clicked.connect(
                    lambda _=False, lay=k: self.neuronRemoved.emit(lay, None))
                header.title.setMenu(self._activation_menu(k, header))
            header.show()
            self.headers.append(header)

    def _activation_menu(self, layer: int, parent: QWidget) -> QMenu:
        menu = QMenu(f"Activation of hidden layer {layer}", parent)
        menu.setToolTipsVisible(True)
        current = self.network.activations[layer - 1]
        for name in HIDDEN_ACTIVATIONS:
            action = menu.addAction(ACTIVATION_LABELS.get(name, name))
            action.setCheckable(True)
            action.setChecked(name == current)
            action.setToolTip(f"Use {name} in hidden layer {layer}")
            action.triggered.connect(
                lambda _=False, n=name: self.activationChosen.emit(layer, n))
        return menu

    def _set_controls_enabled(self, enabled: bool) -> None:
        # A formula has no network: only the message is left, not a row of dead controls.
        for w in (self.toolbar, self.header_strip, self.legend, self.inspector):
            w.setVisible(enabled)
        for w in (self.remove_layer_button, self.add_layer_button, self.sample_spin,
                  self.thumbnails_check, self.gradient_check, self.features_check):
            w.setEnabled(enabled)

    def _show_message(self, text: str) -> None:
        theme = current_theme()
        self._message.setDefaultTextColor(QColor(theme.muted))
        self._message.setFont(ui_font(1.25))
        self._message.setPlainText(text)
        self._message.show()
        for tag in self.tags.values():
            tag.hide()
        self._place_message()

    def _place_message(self) -> None:
        vp = self.diagram.viewport()
        width = max(160.0, min(420.0, vp.width() - 40.0))
        self._message.setTextWidth(width)
        rect = self._message.boundingRect()
        self._message.setPos((vp.width() - width) / 2, max(10.0, (vp.height() - rect.height()) / 2))

    # ----- layout ----------------------------------------------------------------------------

    def thumbnails_shown(self) -> bool:
        """Return whether neuron maps are drawn (the box is ticked and there are two inputs)."""
        return (self.network is not None and self._columns >= 2
                and self.thumbnails_check.isChecked())

    def relayout(self) -> None:
        """Place neurons, edges and headers for the current size of the view."""
        if self.network is None:
            self._place_message()
            return
        vp = self.diagram.viewport()
        width, height = float(vp.width()), float(vp.height())
        sizes = self.network.sizes
        columns = len(sizes)
        label_font = ui_font(1.15)
        fm = QFontMetricsF(label_font)
        left_room = max(fm.horizontalAdvance(t) for t in self.layers[0].labels) + 14
        right_room = max(fm.horizontalAdvance(t) for t in self.layers[-1].labels) + 14
        top = 6.0
        usable = max(60.0, height - top - 8)
        counts = [item.count for item in self.layers]  # the input column shows every feature
        pitch = min(usable / max(counts), 120.0)
        span = max(40.0, width - left_room - right_room)
        spacing = span / max(1, columns - 1)
        radius = float(np.clip(pitch * 0.37, 4.0, 28.0))
        radius = min(radius, max(4.0, spacing * 0.13))
        thumbs = self.thumbnails_shown()
        thumb = float(min(pitch * 0.92, radius * 2.6, spacing * 0.3)) if thumbs else 0.0
        if thumb < 10:
            thumb = 0.0
        gap = max(3.0, radius * 0.2)
        extra_last = gap + thumb if thumb else 0.0
        # Columns with few neurons spread out (and, in dense networks, grow to stay legible).
        pitches = [min(max(pitch, usable / n), pitch * 2.5, 110.0) for n in counts]
        radii = [radius if radius >= 12 else max(radius, min(12.0, p * 0.34, spacing * 0.13))
                 for p in pitches]
        x_first = left_room + radii[0] + 4
        x_last = max(x_first + 10, width - right_room - radii[-1] - extra_last - 4)
        xs = np.linspace(x_first, x_last, columns) if columns > 1 else np.array([x_first])
        # Leave room above the top neuron for its bias badge.
        mid = top + radius * 0.35 + (usable - radius * 0.35) / 2
        for k, (item, n) in enumerate(zip(self.layers, counts, strict=True)):
            ys = mid + (np.arange(n) - (n - 1) / 2) * pitches[k]
            item.set_geometry(xs[k], ys, radii[k], thumb if k > 0 else 0.0)
        edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        thick = float(np.clip(radius * 0.42, 1.6, 10.0))
        thin = 1.0  # thinner AA lines take a slower path in Qt and look the same
        faint, strong = (0.5, 1.0) if edges <= 160 else (0.12, 0.85)
        theme = self._style
        for layer, bundle in enumerate(self.bundles, start=1):
            bundle.antialias = edges <= ANTIALIAS_EDGES
            bundle.set_style(theme.positive, theme.negative, theme.background, thin, thick, faint,
                             strong)
            source, dest = self.layers[layer - 1], self.layers[layer]
            ys = source.ys[self._input_rows] if layer == 1 else source.ys
            bundle.set_geometry(source.out_x(), ys, dest.x - dest.radius, dest.ys)
        self._thin_thick = (thin, thick)
        # Headers: centred over their columns, short texts when columns are narrow.
        for h in self.headers:
            h.set_compact(False)
        wide = max(h.sizeHint().width() for h in self.headers)
        compact = spacing < wide + 10
        tiny = False
        if compact:
            for h in self.headers:
                h.set_compact(True)
            tiny = spacing < max(h.sizeHint().width() for h in self.headers) + 4
        placed = []
        for k, h in enumerate(self.headers):
            h.set_compact(compact, tiny)
            hint = h.sizeHint()
            centre = xs[k] + (gap + thumb) / 2 if k > 0 and thumb else xs[k]
            x = int(np.clip(centre - hint.width() / 2, 2, width - hint.width() - 2))
            placed.append([x, hint])
        # Few, close columns (no hidden layer in a narrow dock): push the titles apart from
        # the right, then from the left, so that no two overlap while there is room.
        for k in range(len(placed) - 2, -1, -1):
            placed[k][0] = min(placed[k][0], placed[k + 1][0] - placed[k][1].width() - 6)
        for k in range(1, len(placed)):
            placed[k][0] = max(placed[k][0], placed[k - 1][0] + placed[k - 1][1].width() + 6)
        for h, (x, hint) in zip(self.headers, placed, strict=True):
            h.setGeometry(max(2, x), 2, hint.width(), hint.height())
        strip_height = max(h.sizeHint().height() for h in self.headers) + 4
        if self.header_strip.height() != strip_height:
            self.header_strip.setFixedHeight(strip_height)
        tag_px = int(np.clip(radius * 0.7, 12, 18))
        for which, tag in self.tags.items():
            tag.set_style(theme.axis_x if which == "x" else theme.axis_y, tag_px)
        self.redraw()
        self._show_neuron_maps()
        self._paint_stepper()

    def set_stepper(self, frame) -> None:
        """Mark the backprop stepper's operation (``None``: the stepper is not shown)."""
        ok = (frame is not None and frame.kind == "network" and self.info is not None
              and frame.revision == self.info.revision)
        self.stepper_frame = frame if ok else None
        self._paint_stepper()

    def _paint_stepper(self) -> None:
        frame = self.stepper_frame
        if frame is None or self.network is None or not self.layers:
            self.step_overlay.hide()
            self._place_tags()
            return
        area = self.diagram.scene().sceneRect()
        marks = network_marks(frame, self.layers, self.bundles, self.network.sizes, area)
        px = int(np.clip(min(item.radius for item in self.layers) * 0.75, 12, 16))
        self.step_overlay.set_marks(marks, self._style.background, area, px)
        self.step_overlay.show()
        self._place_tags()

    def set_axes(self, axes: Axes) -> None:
        """Mark the landscape's axes on their edges or badges."""
        self.axes = axes
        self._update_highlights()
        self._refresh_inspector()

    def _fits(self, frame: Frame) -> bool:
        return self.network is not None and len(frame.theta) == self.network.parameter_count

    def set_frame(self, frame: Frame) -> None:
        """Keep the newest frame for tooltips and edits (drawing waits for ``paint_diagram``)."""
        if self._fits(frame):
            self.frame = frame

    def paint_diagram(self, frame: Frame) -> None:
        """Draw a frame: every pen and brush (paced by the controller while playing; on screen)."""
        if self._fits(frame):
            self.frame = frame
            self.draw_when_seen("frame", self.redraw)

    def set_trace(self, trace: SampleTrace) -> None:
        """Colour the neurons by the chosen sample's pass (a, z, δ for the tooltips).

        While playing, the next paced frame colours them with it: drawn on arrival, the
        whole diagram was painted again in a frame of its own (the big network's ~4 ms),
        often the frame of the loss curve's paint.
        """
        if not self._layers_fit(trace.a):
            return  # a pass of a network this view no longer shows
        self.trace = trace
        if trace.sample != self.sample:
            self.sample = trace.sample
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setValue(self.sample)
            self._update_sample_label()
        if self.frame is None or not self.frame.playing:
            self.draw_when_seen("trace", self._draw_trace)

    def _draw_trace(self) -> None:
        self._paint_neurons()
        self.legend.set_content(self.mode, self.edge_scale, self.cmap, self.sample)

    def set_neuron_maps(self, maps: NeuronMaps) -> None:
        """Draw beside each neuron what it outputs over the input plane."""
        if not self._layers_fit(maps.activations, rows=maps.grid * maps.grid):
            return
        self.maps = maps
        self.draw_when_seen("maps", self._show_neuron_maps)

    def _layers_fit(self, arrays: tuple, rows: int | None = None) -> bool:
        """Return whether per-layer arrays (index 0 may be None) match the drawn network."""
        if self.network is None or len(arrays) != len(self.network.sizes):
            return False
        return all(a is not None and a.shape[-1] == n and (rows is None or a.shape[0] == rows)
                   for a, n in zip(arrays[1:], self.network.sizes[1:], strict=True))

    # ----- drawing ---------------------------------------------------------------------------

    def display_theta(self) -> np.ndarray:
        """Return θ as drawn: the frame's, with a dragged value in place while dragging."""
        theta = self.frame.theta
        if self.preview is not None:
            theta = theta.copy()
            theta[self.preview[0]] = self.preview[1]
        return theta

    def redraw(self) -> None:
        """Update every pen and brush from the current frame (no item is re-created)."""
        if self.network is None or self.frame is None or not self.layers:
            return
        net, frame = self.network, self.frame
        theta = self.display_theta()
        weights, biases = net.unpack(theta)
        thin, thick = self._thin_thick
        if self.mode == "gradients":
            w_values, b_values = net.unpack(frame.gradient)
            top = float(np.max(np.abs(frame.gradient))) if len(frame.gradient) else 0.0
            high = float(np.ceil(np.log10(top))) if top > 0 else 0.0
            scale = EdgeScale("log", high - GRADIENT_DECADES, high, thin, thick)
        else:
            w_values, b_values = weights, biases
            scale = EdgeScale("linear", 0.0, nice_ceil(float(np.max(np.abs(theta)))), thin, thick)
        moving = frame.playing and self.preview is None and scale == self.edge_scale
        self.edge_scale = scale
        for k in self._bundles_to_draw(moving):
            flat = w_values[k].ravel()
            bundle = self.bundles[k]
            fractions = scale.fraction(flat)
            bundle.set_values(fractions, scale.widths_at(fractions), flat > 0)
        theme = self._style
        pos_brush, neg_brush = QBrush(QColor(theme.positive)), QBrush(QColor(theme.negative))
        zero_brush = QBrush(QColor(theme.background))
        for item, b in zip(self.layers[1:], b_values, strict=True):
            radii = item.badge_radius * (0.5 + 0.5 * scale.fraction(b))
            brushes = [zero_brush if v == 0 else pos_brush if v > 0 else neg_brush for v in b]
            item.set_values(item.fills, item.texts, item.text_pens, brushes, radii)
        self._paint_neurons()
        self.legend.set_content(self.mode, scale, self.cmap, self.sample)
        self._update_highlights()
        self._refresh_inspector()

    def _bundles_to_draw(self, moving: bool) -> list[int]:
        """Return the layers of weights to re-pen now: all, or while playing the next in turn."""
        count = len(self.bundles)
        if not moving or sum(len(b.fractions) for b in self.bundles) <= PLAYING_EDGES:
            return list(range(count))
        chosen, edges = [], 0
        while len(chosen) < count and (not chosen or edges + len(
                self.bundles[self._next_bundle].fractions) <= PLAYING_EDGES):
            chosen.append(self._next_bundle)
            edges += len(self.bundles[self._next_bundle].fractions)
            self._next_bundle = (self._next_bundle + 1) % count
        return chosen

    def _paint_neurons(self) -> None:
        """Fill each neuron by its activation for the chosen sample (from the trace)."""
        if self.trace is None or not self.layers:
            return
        light_pen, dark_pen = QPen(QColor("#ffffff")), QPen(QColor("#1b1b1f"))
        for k, item in enumerate(self.layers):
            a = self.trace.a[k][0]
            centre, half = self._colour_span(k, a)
            idx = self.cmap.indices((a - centre) / half)
            fills = [self.cmap.brushes[i] for i in idx]
            texts, pens = None, []
            if item.radius >= 14:
                texts = [format_short(v) for v in a]
                pens = [light_pen if self.cmap.dark[i] else dark_pen for i in idx]
            if k == 0 and item.count != len(a):  # features offered but off stay empty
                rows = dict(zip(self._input_rows, range(len(a)), strict=True))
                fills = [fills[rows[r]] if r in rows else fills[0] for r in range(item.count)]
                if texts is not None:
                    texts = [texts[rows[r]] if r in rows else "" for r in range(item.count)]
                    pens = [pens[rows[r]] if r in rows else dark_pen for r in range(item.count)]
            item.set_values(fills, texts, pens)

    def _colour_span(self, layer: int, a: np.ndarray) -> tuple[float, float]:
        """Return (centre, half-width) that maps a layer's activations to −1…1 for colour."""
        if layer == 0:
            return 0.0, self._x_span
        name = self.network.output_activation if layer == len(self.layers) - 1 else \
            self.network.activations[layer - 1]
        if name in ACTIVATION_SPANS:
            return ACTIVATION_SPANS[name]
        return 0.0, max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)

    def _show_neuron_maps(self) -> None:
        """Turn the delivered maps into one image per neuron (or hide them)."""
        if not self.layers:
            return
        maps = self.maps
        if maps is None or not self.thumbnails_shown() or self.layers[1].thumb_size <= 0:
            for item in self.layers:
                item.set_thumbnails(None)
            return
        g = maps.grid
        for k in range(1, len(self.layers)):
            acts = maps.activations[k]
            images = []
            for j in range(acts.shape[1]):
                values = acts[:, j]
                centre, half = self._colour_span(k, values)
                images.append(self.cmap.image(((values - centre) / half).reshape(g, g)))
            self.layers[k].set_thumbnails(images)

    def _offering(self) -> bool:
        """Return whether the input column offers every feature (a click toggles one)."""
        return len(self._inputs) > len(self._input_rows) or (
            self.features_check.isChecked() and self._columns <= 2)

    def _features_shown(self, on: bool) -> None:
        """Show every feature the data offers in the input column, or only those fed."""
        if self.info is not None and self.info.is_network:
            frame, trace, maps = self.frame, self.trace, self.maps
            self.set_problem(replace(self.info))  # the same problem, its input column anew
            self.frame, self.trace, self.maps = frame, trace, maps  # its numbers still hold
            self.relayout()

    def _thumbnails_toggled(self, on: bool) -> None:
        self.relayout()
        self.neuronMapsWanted.emit(self.thumbnails_shown())

    # ----- highlights, selection, inspector --------------------------------------------------

    def _locate(self, index: int) -> tuple[str, int, tuple[int, ...]]:
        return self.network.locate(index)

    def _update_highlights(self) -> None:
        if self.network is None or not self.layers:
            return
        theme = self._style
        edge_marks: list[list] = [[] for _ in self.bundles]
        badge_marks: list[dict] = [{} for _ in self.layers]
        neuron_marks: list[dict] = [{} for _ in self.layers]
        tag_places: dict[str, list[QPointF]] = {}

        def mark(index: int, colour: QColor, extra: float, tag: str | None = None) -> None:
            kind, layer, cell = self._locate(index)
            if kind == "W":
                k = cell[0] * self.network.sizes[layer] + cell[1]
                edge_marks[layer - 1].append((k, colour, extra))
                if tag:
                    bundle = self.bundles[layer - 1]
                    tag_places[tag] = [bundle.point_along(k, t) for t in TAG_SPOTS[tag]]
            else:
                badge_marks[layer].setdefault(cell[0], []).append(colour)
                if tag:
                    item = self.layers[layer]
                    c = item.badge_centre(cell[0])
                    shift = item.badge_radius + 16 + (22 if tag == "y" else 0)
                    tag_places[tag] = [QPointF(c.x() - shift, c.y()), QPointF(c.x() + shift, c.y()),
                                       QPointF(c.x(), c.y() - item.badge_radius - 14)]

        axes = self.axes
        count = self.network.parameter_count
        if axes is not None and axes.kind == "parameters" and not axes.is_curve \
                and max(axes.x, axes.y) < count:
            mark(axes.x, QColor(theme.axis_x), 9.0, "x")
            mark(axes.y, QColor(theme.axis_y), 9.0, "y")
        if self.selected is not None and self.selected < count:
            sel = QColor(theme.text)
            sel.setAlphaF(0.55)
            mark(self.selected, sel, 5.0)
        self._mark_highlight(mark, neuron_marks)
        hover = self.hover
        if hover is not None:
            muted = QColor(theme.muted)
            muted.setAlphaF(0.6)
            if hover.kind == "edge":
                mark(hover.index, muted, 4.0)
            else:
                neuron_marks[hover.layer][hover.i] = QColor(theme.muted)
        for bundle, marks in zip(self.bundles, edge_marks, strict=True):
            bundle.set_highlights(marks)
        for item, badges, neurons in zip(self.layers, badge_marks, neuron_marks, strict=True):
            item.set_highlights(badges, neurons)
        self._tag_spots = tag_places
        self._place_tags()

    def _place_tags(self) -> None:
        """Put the X and Y tags at their first spot that covers no neuron, label, stepper value or tag.

        A spot over a neuron's thumbnail is taken when no other is clear. With none a tag
        goes to its first spot, or in a figure (``tags_may_hide``) is left out: its edge or
        badge keeps the axis's colour.
        """
        avoid = self.step_overlay.tag_rects() if self.step_overlay.isVisible() else []
        neurons = [shape for layer in self.layers for shape in layer.covered(thumbnails=False)]
        maps = [shape for layer in self.layers for shape in layer.covered()]
        area = self.diagram.scene().sceneRect()
        for which, tag in self.tags.items():
            spots = self._tag_spots.get(which) or []
            spot = None
            for drawn in (maps, neurons) if spots else ():
                spot = clear_spot(tag.boundingRect(), spots, avoid + drawn, area)
                if spot is not None:
                    break
            if spot is None and spots and not self.tags_may_hide:
                spot = spots[0]
            if spot is None:
                tag.hide()
                continue
            tag.setPos(spot)
            tag.show()
            avoid.append(tag.sceneBoundingRect())

    def set_lesson_frame(self, frame) -> None:
        """Select and mark what the lesson's step names (a ``LessonFrame``).

        The step's selection is applied when a step is entered, so a weight clicked on
        since stays selected while the step is only told again; its mark lasts as long
        as the step.
        """
        self.highlight = frame.highlight
        step = (frame.lesson_title, frame.index, frame.selection)
        if step != self._lesson_step:
            self._lesson_step = step
            self.select(self._parameter_named(frame.selection))
        else:
            self._update_highlights()

    def _parameter_named(self, name: str | None) -> int | None:
        """Return θ's index of a named weight or bias, or of a named neuron's bias (or None)."""
        if name is None or self.info is None or self.network is None:
            return None
        if name in self.info.names:
            return self.info.names.index(name)
        place = neuron_place(name, self.network.sizes)
        if place is None or place[0] == 0:
            return None  # an input neuron has no bias
        return self.network.index_of(f"b{place[0]}[{place[1]}]")

    def _mark_highlight(self, mark, neuron_marks: list[dict]) -> None:
        """Ring what the lesson's step marks: a weight's edge, a bias badge or a neuron."""
        name = self.highlight
        if name is None:
            return
        colour = QColor(self._style.step_arrow)  # the lesson's pointer, red as the hiker's
        if name in self.info.names:
            mark(self.info.names.index(name), colour, 7.0)
            return
        place = neuron_place(name, self.network.sizes)
        if place is not None:
            layer, j = place
            neuron_marks[layer][self._input_rows[j] if layer == 0 else j] = colour

    def select(self, index: int | None) -> None:
        """Select θ[index] (a weight or bias) for the inspector; None clears the selection."""
        self.selected = index
        self._update_highlights()
        self._refresh_inspector()

    def _refresh_inspector(self) -> None:
        if self.network is None or self.frame is None:
            return
        index = self.selected
        if index is None or index >= self.network.parameter_count:
            if self.inspector.info is not None or self.inspector.hint.text() != HINT:
                self.inspector.clear()
            return
        frame = self.frame
        axes = self.axes
        axis = None
        if axes is not None and axes.kind == "parameters" and not axes.is_curve:
            axis = "x" if axes.x == index else "y" if axes.y == index else None
        state, note = self._optimizer_state(index)
        self.inspector.show_parameter(ParameterInfo(
            index, self.info.names[index], self.describe_parameter(index),
            float(self.display_theta()[index]), float(frame.gradient[index]),
            float(frame.next_step[index]), state, note, axis))

    def _optimizer_state(self, index: int) -> tuple[tuple[tuple[str, float], ...], str]:
        memory = self.frame.memory
        return memory.at(index), memory.note

    def neuron_name(self, layer: int, j: int) -> str:
        """Return how people call neuron j of a layer: x[0], hidden 1 · neuron 3, output 0."""
        if layer == 0:
            if self.info is not None and self.info.problem.features is not None:
                return f"input x[{j}] = {self._inputs[self._input_rows[j]].label}"
            return f"input x[{j}]"
        if layer == len(self.network.sizes) - 1:
            return f"output {j}"
        return f"hidden {layer} · neuron {j}"

    def describe_parameter(self, index: int) -> str:
        """Return what θ[index] is, in words: which neurons a weight joins, or whose bias."""
        kind, layer, cell = self._locate(index)
        if kind == "W":
            return f"weight from {self.neuron_name(layer - 1, cell[0])} to " \
                   f"{self.neuron_name(layer, cell[1])}"
        return f"bias of {self.neuron_name(layer, cell[0])}"

    # ----- hit-testing, hover, tooltips ----------------------------------------------------------

    def target_at(self, pos: QPointF, cycle: bool = False) -> Target | None:
        """Return what is under a scene point: a bias badge, a neuron or an edge.

        Where edges cross, the one drawn on top wins; with ``cycle``, clicking the same
        spot again steps through the edges there.
        """
        if self.network is None or not self.layers:
            return None
        x, y = pos.x(), pos.y()
        for k, item in enumerate(self.layers):
            hit = item.hit(x, y)
            if hit is not None:
                kind, j = hit
                index = self.network.index_of(f"b{k}[{j}]") if k > 0 else -1
                return Target(kind, k, j, j, index)
        candidates = []
        for bundle in self.bundles:
            candidates += [(d, bundle, e) for d, e in bundle.nearest(x, y)]
        if not candidates:
            return None
        candidates.sort(key=lambda c: round(c[0]))
        best = candidates[0]
        if cycle and self._last_click is not None and len(candidates) > 1:
            last_pos, last_index = self._last_click
            if abs(last_pos.x() - x) <= 3 and abs(last_pos.y() - y) <= 3:
                near = [c for c in candidates if round(c[0]) <= round(best[0]) + 2]
                indices = [self._edge_index(b, e) for _, b, e in near]
                if last_index in indices:
                    best = near[(indices.index(last_index) + 1) % len(near)]
        _, bundle, e = best
        return Target("edge", bundle.layer, e // bundle.n_out, e % bundle.n_out,
                      self._edge_index(bundle, e))

    def _edge_index(self, bundle: EdgeBundleItem, e: int) -> int:
        return self.network.index_of(f"W{bundle.layer}[0,0]") + e

    def edge_midpoint(self, index: int) -> QPointF:
        """Return the scene point in the middle of the edge of weight θ[index]."""
        kind, layer, (i, j) = self._locate(index)
        return self.bundles[layer - 1].midpoint(i * self.network.sizes[layer] + j)

    def badge_position(self, index: int) -> QPointF:
        """Return the scene point of the bias badge of bias θ[index]."""
        _, layer, (j,) = self._locate(index)
        return self.layers[layer].badge_centre(j)

    def set_hover(self, target: Target | None) -> None:
        """Highlight what the mouse is over (None: nothing)."""
        if target != self.hover:
            self.hover = target
            self._update_highlights()

    def describe(self, target: Target) -> str:
        """Return the numbers of an edge, bias or neuron, for its tooltip."""
        if self.network is None or self.frame is None:
            return ""
        frame = self.frame
        if target.kind == "edge" or (target.kind == "bias"):
            index = target.index
            name = self.info.names[index]
            lines = [f"{name}: {self.describe_parameter(index)}",
                     f"value = {format_number(float(self.display_theta()[index]))}",
                     f"∂L/∂{name} = {format_number(float(frame.gradient[index]))}  (all training samples)",
                     f"next step: {format_number(float(frame.next_step[index]))}"]
            state, note = self._optimizer_state(index)
            lines += [f"{label} = {format_number(v)}" for label, v in state]
            if note:
                lines.append(note)
            lines.append("Click to edit · drag up/down to change · right-click for axes")
            return "\n".join(lines)
        k, j = target.layer, target.i
        trace = self.trace
        head = f"{self.neuron_name(k, j)} — sample #{self.sample}"
        if k == 0:
            feature = self._inputs[j]
            if j not in self._input_rows:
                return f"{feature.label} — not fed to the network\nClick to feed it in"
            value = float(self._x_train[self.sample, self._input_rows.index(j)])
            head = f"input {feature.label} — sample #{self.sample}"
            click = "\nClick to stop feeding it in" if self._offering() else ""
            return f"{head}\n{feature.label} = {format_number(value)}{click}"
        name = self.network.output_activation if k == len(self.layers) - 1 else \
            self.network.activations[k - 1]
        lines = [head + f"  ({ACTIVATION_LABELS.get(name, name)})"]
        if trace is not None:  # the sample's pass arrives from the background, soon after
            lines += [f"z = {format_number(float(trace.z[k][0, j]))}",
                      f"a = {name}(z) = {format_number(float(trace.a[k][0, j]))}",
                      f"δ = dL/dz = {format_number(float(trace.dL_dz[k][0, j]))}"]
        lines.append(f"bias b{k}[{j}] = {format_number(float(self.display_theta()[target.index]))}")
        if k == len(self.layers) - 1:
            targets = self._y_train[self.sample]
            lines.append("target y = " + ", ".join(format_number(float(v)) for v in targets))
        lines.append("Click to edit its bias · right-click for the layer's options")
        return "\n".join(lines)

    # ----- mouse -----------------------------------------------------------------------------

    def press(self, pos: QPointF, event) -> None:
        """Select the edge or bias under a left click; remember where a drag would start."""
        if event.button() != Qt.MouseButton.LeftButton or self.network is None or \
                self.frame is None:
            return
        target = self.target_at(pos, cycle=True)
        if target is not None and target.layer == 0 and target.kind == "neuron" and \
                self._offering():
            self.featureToggled.emit(self._inputs[target.i].name)
            return
        if target is None or target.index < 0:
            self._last_click = None
            self.select(None)
            return
        self._last_click = (QPointF(pos), target.index)
        self.select(target.index)
        value = float(self.frame.theta[target.index])
        self._drag = {"index": target.index, "y": pos.y(), "value": value, "active": False,
                      "new": value}

    def move(self, pos: QPointF, event) -> None:
        """Drag the selected value vertically (up = larger), or follow the hover."""
        drag = self._drag
        if drag is not None and event.buttons() & Qt.MouseButton.LeftButton:
            dy = pos.y() - drag["y"]
            if not drag["active"] and abs(dy) < DRAG_START_PX:
                return
            drag["active"] = True
            self.diagram.viewport().setCursor(Qt.CursorShape.SizeVerCursor)
            fine = 0.1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            per_pixel = max(1.0, self.edge_scale.high if self.edge_scale.kind == "linear" else 1.0)
            drag["new"] = round(drag["value"] - dy * per_pixel / 120.0 * fine, 3)
            self._set_preview(drag["index"], drag["new"])
            return
        target = self.target_at(pos)
        self.set_hover(target)
        clickable = target is not None and (target.index >= 0 or (
            target.layer == 0 and self._offering()))
        cursor = Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        self.diagram.viewport().setCursor(cursor)

    def release(self, event) -> None:
        """Apply a finished drag as one edit."""
        drag, self._drag = self._drag, None
        self.diagram.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        if drag is not None and drag["active"]:
            self._commit(drag["index"], drag["new"])

    def _set_preview(self, index: int, value: float) -> None:
        self.preview = (index, float(value))
        self.redraw()
        self.weightPreviewed.emit(index, float(value))

    def _commit(self, index: int, value: float) -> None:
        """End a drag or an edit: ask for the value once (nothing if it is unchanged)."""
        if self.preview is not None:
            self.preview = None
            self.weightPreviewed.emit(index, None)
        if self.frame is not None and float(self.frame.theta[index]) == float(value):
            self.redraw()
            return
        self.weightSet.emit(index, float(value))

    # ----- menus -----------------------------------------------------------------------------

    def context_menu(self, target: Target | None) -> QMenu | None:
        """Return the menu for an edge, bias or neuron (None for an input neuron)."""
        if self.network is None:
            return None
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        sizes = self.network.sizes
        if target is None:
            self._add_layer_actions(menu)
            return menu
        if target.index < 0:
            return None
        name = self.info.names[target.index]
        axes = self.axes
        for which in ("x", "y"):
            current = axes is not None and axes.kind == "parameters" and \
                getattr(axes, which) == target.index
            action = menu.addAction(f"Use {name} as landscape {which.upper()} axis")
            action.setEnabled(not current)
            action.setToolTip(f"Draw the loss landscape with {name} along its {which.upper()} axis")
            action.triggered.connect(
                lambda _=False, w=which, i=target.index: self.axisChosen.emit(w, i))
        zero = menu.addAction(f"Set {name} to 0")
        zero.setToolTip(f"Put {name} at zero (undoable)")
        zero.triggered.connect(lambda _=False, i=target.index: self.weightSet.emit(i, 0.0))
        layer = target.layer
        if target.kind in ("bias", "neuron") and 0 < layer < len(sizes) - 1:
            menu.addSeparator()
            menu.addMenu(self._activation_menu(layer, menu))
            add = menu.addAction(f"Add a neuron to hidden layer {layer}")
            add.setEnabled(sizes[layer] < MAX_NEURONS)
            add.setToolTip(f"At most {MAX_NEURONS} neurons per layer")
            add.triggered.connect(lambda _=False, lay=layer: self.neuronAdded.emit(lay))
            remove = menu.addAction(f"Remove neuron {target.i} from hidden layer {layer}")
            remove.setEnabled(sizes[layer] > 1)
            remove.setToolTip("Only this neuron's weights go; every other weight stays")
            remove.triggered.connect(
                lambda _=False, lay=layer, j=target.i: self.neuronRemoved.emit(lay, j))
        return menu

    def _add_layer_actions(self, menu: QMenu) -> None:
        hidden = len(self.network.sizes) - 2
        add = menu.addAction("Add a hidden layer")
        add.setEnabled(hidden < MAX_HIDDEN_LAYERS)
        add.triggered.connect(self.layerAdded)
        remove = menu.addAction("Remove the last hidden layer")
        remove.setEnabled(hidden > 0)
        remove.triggered.connect(self.layerRemoved)
        other = "gradients" if self.mode == "weights" else "weights"
        toggle = menu.addAction(f"Show {other} on the edges")
        toggle.triggered.connect(lambda: self.set_edge_mode(other))

    def show_context_menu(self, pos: QPointF, global_pos: QPoint) -> None:
        """Open the menu for what is under a right click (with the window's ``extra_actions``)."""
        target = self.target_at(pos)
        if target is not None and target.index >= 0:
            self.select(target.index)
        menu = self.context_menu(target)
        if menu is None and self.extra_actions:
            menu = QMenu(self)
        if menu is not None:
            if self.extra_actions:
                menu.addSeparator()
                menu.addActions(list(self.extra_actions))
            menu.exec(global_pos)
            menu.deleteLater()

    # ----- settings ---------------------------------------------------------------------------

    def set_edge_mode(self, mode: str) -> None:
        """Draw edges as weights (``"weights"``) or as |∂L/∂w| on a log scale (``"gradients"``)."""
        self.mode = "gradients" if mode == "gradients" else "weights"
        with QSignalBlocker(self.gradient_check):
            self.gradient_check.setChecked(self.mode == "gradients")
        self.redraw()

    def _update_sample_label(self) -> None:
        if self._x_train is None or not len(self._x_train):
            self.sample_label.setText("")
            return
        x = self._x_train[self.sample]
        shown = ", ".join(format_short(v) for v in x[:4]) + (", …" if len(x) > 4 else "")
        y = self._y_train[self.sample]
        if self._dataset_kind == "classification":
            target = f"class {int(y[0])}"
        else:
            target = "y = " + ", ".join(format_short(v) for v in y)
        self.sample_label.setText(f"x = ({shown}) → {target}")

    # ----- theme -----------------------------------------------------------------------------

    def _restyle(self, theme: Theme) -> None:
        self._style = theme
        self.cmap = DivergingMap(theme.negative, theme.background, theme.positive)
        self.diagram.setBackgroundBrush(QColor(theme.background))
        if self.network is None:
            if self._message.isVisible():
                self._show_message(self._message.toPlainText())
            return
        self._restyle_items()
        self.relayout()

    def _restyle_items(self) -> None:
        theme = self._style
        font = ui_font(1.15)
        for item in self.layers:
            item.set_style(theme.muted, theme.text, font)

