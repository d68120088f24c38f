"""Graphics items of a formula's computation graph, placed by the workspace's layered layout.

The graph is drawn once per formula: a box per operation or variable, a curved arrow per
edge (child → parent, the direction of the forward pass) and a tag on each edge with the
local derivative ∂parent/∂child. Per snapshot only the numbers in the boxes and tags
change. The items measure their texts; ``simulator.workspace.graph_layout`` places them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from simulator.workspace.graph_layout import ARROW, EdgeSpec, NodeSpec, Placement, Size, layered_layout

from ..theme import Theme, ui_font

PAD = 8.0  # inside a box, around its text

#: widest number a box or a tag expects; a wider one makes the drawing lay itself out again
NUMBER_TEMPLATE = "−0.0001234"


def node_fonts() -> tuple[QFont, QFont]:
    """Return the fonts of a box: its operation (bold) and its two numbers."""
    return ui_font(1.3, bold=True), ui_font(1.25)


def label_font() -> QFont:
    """Return the font of an edge tag."""
    return ui_font(1.2)


class _ThemedItem(QGraphicsItem):
    """An item drawn in the current theme's colours."""

    _theme: Theme

    def restyle(self, theme: Theme) -> None:
        """Take the colours of a theme."""
        self._theme = theme
        self.update()


class _GrowingItem(_ThemedItem):
    """A box that grows to fit its texts and never shrinks (so a layout stays put).

    A ``tight`` box (a figure's: its numbers do not change) is as large as the texts it
    shows, not as the widest number expected (``NUMBER_TEMPLATE``).
    """

    _size: QSizeF
    tight = False

    def needed_size(self) -> QSizeF:
        """Return the size the texts need now."""
        raise NotImplementedError

    def fit(self) -> bool:
        """Grow to the texts (a tight box: take their size); return whether the size changed."""
        need = self.needed_size()
        if self.tight:
            if need == self._size:
                return False
            self.prepareGeometryChange()
            self._size = need
            return True
        if need.width() <= self._size.width() and need.height() <= self._size.height():
            return False
        self.prepareGeometryChange()
        self._size = QSizeF(max(need.width(), self._size.width()),
                            max(need.height(), self._size.height()))
        return True

    def size(self) -> QSizeF:
        """Return the item's size."""
        return QSizeF(self._size)


class NodeItem(_GrowingItem):
    """A box: the operation on top, its forward value below, then ∂J/∂(box) in red."""

    def __init__(self, spec: NodeSpec):
        super().__init__()
        self.spec = spec
        self.value_text = "—"
        self.adjoint_text = "—"
        self.stage = "all"  # the stepper's: "none" (not computed yet), "value" or "all"
        self.mark: QColor | None = None  # the stepper's ring, when it touches this box
        self._theme: Theme | None = None
        self._size = QSizeF(10, 10)
        self._fonts = node_fonts()
        self.setZValue(2)
        self.fit()

    def needed_size(self) -> QSizeF:
        """Return the size the box needs for its texts (at least the number template, unless tight)."""
        bold, plain = self._fonts
        fb, fp = QFontMetricsF(bold), QFontMetricsF(plain)
        template = "" if self.tight else NUMBER_TEMPLATE
        width = max(fb.horizontalAdvance(self.spec.label), fp.horizontalAdvance(template),
                    fp.horizontalAdvance(self.value_text), fp.horizontalAdvance(self.adjoint_text))
        return QSizeF(math.ceil(width + 2 * PAD), math.ceil(fb.height() + 2 * fp.height() + 2 * PAD))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the box, centred on the item's position."""
        w, h = self._size.width(), self._size.height()
        return QRectF(-w / 2 - 2, -h / 2 - 2, w + 4, h + 4)

    def set_numbers(self, value_text: str, adjoint_text: str) -> bool:
        """Show new numbers; return whether the box had to grow for them."""
        if value_text == self.value_text and adjoint_text == self.adjoint_text:
            return False
        self.value_text, self.adjoint_text = value_text, adjoint_text
        s = self.spec
        self.setToolTip(
            f"{s.text} = {value_text}   (forward value)\n"
            f"∂J/∂({s.text}) = {adjoint_text}   (backward pass: how much J changes per unit "
            f"change of this box)")
        grew = self.fit()
        self.update()
        return grew

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the box and its three lines of text."""
        theme = self._theme
        if theme is None:
            return
        w, h = self._size.width(), self._size.height()
        rect = QRectF(-w / 2, -h / 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.stage == "none":
            painter.setOpacity(0.25)
        border = QColor(theme.text if self.spec.is_root else theme.grid)
        painter.setPen(QPen(border, 2.5 if self.spec.is_root else 1.5))
        fill = QColor(theme.panel if not self.spec.is_variable else theme.background)
        painter.setBrush(QBrush(fill))
        radius = h / 2 if self.spec.is_variable else 7.0
        painter.drawRoundedRect(rect, min(radius, w / 2), min(radius, h / 2))
        bold, plain = self._fonts
        fb, fp = QFontMetricsF(bold), QFontMetricsF(plain)
        top = -h / 2 + PAD
        adjoint = (self.adjoint_text, theme.step_arrow) if self.stage == "all" else ("…", theme.grid)
        lines = ((bold, fb, self.spec.label, theme.text),
                 (plain, fp, self.value_text, theme.text),
                 (plain, fp, *adjoint))
        for font, metrics, text, colour in lines:
            painter.setFont(font)
            painter.setPen(QColor(colour))
            painter.drawText(QRectF(-w / 2, top, w, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, text)
            top += metrics.height()
        if self.mark is not None:
            painter.setPen(QPen(self.mark, 4.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), min(radius, w / 2), min(radius, h / 2))


class EdgeItem(_ThemedItem):
    """An arrow from a child box to its parent: a smooth path with a head at the parent."""

    def __init__(self, spec: EdgeSpec):
        super().__init__()
        self.spec = spec
        self._path = QPainterPath()
        self._head = QPolygonF()
        self._theme: Theme | None = None
        self.mark: QColor | None = None  # the stepper's colour, when it runs along this edge
        self.setZValue(0)

    def set_route(self, points: Sequence[QPointF], vertical: bool) -> None:
        """Run the arrow through points, parent end first; each gap is crossed by a curve."""
        self.prepareGeometryChange()
        path = QPainterPath(points[0])
        for a, b in zip(points[:-1], points[1:], strict=True):
            if vertical:
                mid = (a.y() + b.y()) / 2
                path.cubicTo(QPointF(a.x(), mid), QPointF(b.x(), mid), b)
            else:
                mid = (a.x() + b.x()) / 2
                path.cubicTo(QPointF(mid, a.y()), QPointF(mid, b.y()), b)
        self._path = path
        tip = points[0]
        # The curve leaves the parent straight across the gap, so the head points along that axis.
        if vertical:
            back, side = QPointF(0, ARROW), QPointF(ARROW * 0.55, 0)
        else:
            back, side = QPointF(-ARROW, 0), QPointF(0, ARROW * 0.55)
        self._head = QPolygonF([tip, tip + back + side, tip + back - side])

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the area the path and its head cover."""
        return self._path.boundingRect().united(self._head.boundingRect()).adjusted(-3, -3, 3, 3)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the path and the arrow head."""
        if self._theme is None:
            return
        colour = QColor(self._theme.muted) if self.mark is None else self.mark
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.6 if self.mark is None else 4.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(self._head)


class EdgeLabelItem(_GrowingItem):
    """The tag on an edge: the local derivative ∂parent/∂child and its value.

    A tight tag may be set in two lines (``wrapped``), its value under its formula.
    """

    def __init__(self, spec: EdgeSpec, parent_text: str, child_text: str):
        super().__init__()
        self.spec = spec
        self.parent_text, self.child_text = parent_text, child_text
        self.text = "—"
        self.wrapped = False
        self._theme: Theme | None = None
        self._size = QSizeF(10, 10)
        self._font = label_font()
        self.setZValue(1)
        self.fit()

    def _shown(self, value_text: str) -> str:
        return f"{self.spec.local} = {value_text}" if self.spec.local else value_text

    def lines(self) -> list[str]:
        """Return the tag's text as drawn: one line, or its formula over its value when wrapped."""
        if self.wrapped and self.spec.local and self.text.startswith(f"{self.spec.local} = "):
            return [self.spec.local, self.text[len(self.spec.local) + 1:]]
        return [self.text]

    def needed_size(self) -> QSizeF:
        """Return the size the tag needs (at least for the number template, unless tight)."""
        fm = QFontMetricsF(self._font)
        template = self._shown(NUMBER_TEMPLATE) if self.spec.varies and not self.tight else ""
        lines = self.lines()
        width = max(fm.horizontalAdvance(template), *(fm.horizontalAdvance(line) for line in lines))
        return QSizeF(math.ceil(width + 10), math.ceil(len(lines) * fm.height() + 4))

    def set_wrapped(self, wrapped: bool) -> None:
        """Set a tight tag in two lines, or in one; its size follows."""
        if wrapped != self.wrapped:
            self.wrapped = wrapped
            self.fit()
            self.update()

    def set_value(self, value_text: str, local_text: str) -> bool:
        """Show the local derivative's value; return whether the tag had to grow."""
        text = self._shown(value_text)
        if text == self.text:
            return False
        self.text = text
        self.setToolTip(f"Local derivative ∂({self.parent_text})/∂({self.child_text}) = "
                        f"{local_text} = {value_text}\nThe backward pass multiplies the red "
                        f"number above by this to get the red number below.")
        grew = self.fit()
        self.update()
        return grew

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """Return the tag, centred on the item's position."""
        w, h = self._size.width(), self._size.height()
        return QRectF(-w / 2, -h / 2, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the tag: its text on the background colour, so lines behind it do not cross it."""
        theme = self._theme
        if theme is None:
            return
        rect = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(theme.grid), 1.0))
        painter.setBrush(QBrush(QColor(theme.background)))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setFont(self._font)
        painter.setPen(QColor(theme.velocity_arrow))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "\n".join(self.lines()))


def _size(item: _GrowingItem) -> Size:
    """Return an item's size for the layout."""
    size = item.size()
    return Size(size.width(), size.height())


class GraphDrawing:
    """The items of one computation graph in a scene, laid out and updated in place."""

    def __init__(self, scene: QGraphicsScene, nodes: Sequence[NodeSpec], edges: Sequence[EdgeSpec],
                 root: int, theme: Theme):
        self.scene = scene
        self.nodes, self.edges, self.root = list(nodes), list(edges), root
        self.node_items = {n.id: NodeItem(n) for n in self.nodes}
        texts = {n.id: n.text for n in self.nodes}
        self.edge_items = [EdgeItem(e) for e in self.edges]
        self.label_items = [EdgeLabelItem(e, texts[e.parent], texts[e.child]) for e in self.edges]
        for item in [*self.edge_items, *self.label_items, *self.node_items.values()]:
            scene.addItem(item)
        self.vertical = True
        self._placements: dict[bool, Placement] = {}
        self._wraps: set[int] = set()  # the tags set in two lines left to right (tight only)
        self.restyle(theme)

    def fit_texts(self) -> None:
        """Size every box and tag to the texts it shows now, for a figure (its numbers stay).

        Left to right, a gap between layers is as deep as its widest tag, so a tag wider
        than the widest box is set in two lines there, its value under its formula.
        """
        items = [*self.node_items.values(), *self.label_items]
        if all(item.tight for item in items):
            return
        for item in items:
            item.tight = True
            item.fit()
        widest_box = max(item.size().width() for item in self.node_items.values())
        self._wraps = {k for k, item in enumerate(self.label_items)
                       if item.spec.local and item.size().width() > widest_box}
        self._placements.clear()
        self.arrange(self.vertical)

    def _set_wraps(self, vertical: bool) -> None:
        """Set the tags that wrap left to right in two lines, the others in one."""
        for k, item in enumerate(self.label_items):
            item.set_wrapped(not vertical and k in self._wraps)

    def placement(self, vertical: bool) -> Placement:
        """Return (and remember) the layout in one orientation."""
        if vertical not in self._placements:
            self._set_wraps(vertical)
            self._placements[vertical] = layered_layout(
                self.nodes, self.edges, self.root,
                {i: _size(item) for i, item in self.node_items.items()},
                [_size(item) for item in self.label_items], vertical)
            self._set_wraps(self.vertical)
        return self._placements[vertical]

    def arrange(self, vertical: bool) -> QSizeF:
        """Put every item where the layout says; return the drawing's size."""
        self.vertical = vertical
        placed = self.placement(vertical)
        self._set_wraps(vertical)
        for node_id, item in self.node_items.items():
            item.setPos(QPointF(*placed.centres[node_id]))
        for item, route in zip(self.edge_items, placed.routes, strict=True):
            item.set_route([QPointF(*point) for point in route], vertical)
        for item, centre in zip(self.label_items, placed.labels, strict=True):
            item.setPos(QPointF(*centre))
        self.scene.setSceneRect(QRectF(0, 0, placed.size.width, placed.size.height))
        return QSizeF(placed.size.width, placed.size.height)

    def set_numbers(self, values: Sequence[str], adjoints: Sequence[str],
                    locals_: Sequence[str], local_texts: Sequence[str]) -> bool:
        """Show new numbers (nodes in spec order, edges in spec order).

        Returns whether an item grew, in which case the layout was recomputed and the
        caller should fit the view again.
        """
        grew = False
        for node, value, adjoint in zip(self.nodes, values, adjoints, strict=True):
            grew |= self.node_items[node.id].set_numbers(value, adjoint)
        for item, value, text in zip(self.label_items, locals_, local_texts, strict=True):
            grew |= item.set_value(value, text)
        if grew:
            self._placements.clear()
            self.arrange(self.vertical)
        return grew

    def restyle(self, theme: Theme) -> None:
        """Take the colours of a theme."""
        for item in [*self.edge_items, *self.label_items, *self.node_items.values()]:
            item.restyle(theme)

    def set_step(self, stages: dict[int, str], nodes: dict[int, QColor],
                 edges: dict[int, QColor]) -> None:
        """Show the stepper's walk: each box's stage, and the boxes and edges it marks."""
        for node_id, item in self.node_items.items():
            stage, mark = stages.get(node_id, "all"), nodes.get(node_id)
            if (stage, mark) != (item.stage, item.mark):
                item.stage, item.mark = stage, mark
                item.update()
        for k, item in enumerate(self.edge_items):
            mark = edges.get(k)
            if mark != item.mark:
                item.mark = mark
                item.update()

    def remove(self) -> None:
        """Take every item out of the scene."""
        for item in [*self.edge_items, *self.label_items, *self.node_items.values()]:
            self.scene.removeItem(item)
        self.node_items, self.edge_items, self.label_items = {}, [], []
