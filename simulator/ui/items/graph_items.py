"""Graphics items of a formula's computation graph, and the layered layout that places them.

The graph is drawn once per formula: a box per operation or variable, a curved arrow per
edge (child → parent, the direction of the forward pass) and a tag on each edge with the
local derivative ∂parent/∂child. Per snapshot only the numbers in the boxes and tags
change. The layout puts J at the top (or the right) and the variables at the bottom (or
the left), inserts waypoints where an edge skips a layer, orders each layer to avoid
crossings and spreads the boxes so that neither boxes nor tags overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ..theme import Theme, ui_font

NODE_GAP = 26.0  # between boxes of one layer
LABEL_GAP = 10.0  # between edge tags of one gap
WAYPOINT = 14.0  # width a waypoint of a long edge takes in its layer
MARGIN = 14.0  # around the whole drawing
PAD = 8.0  # inside a box, around its text
ARROW = 9.0  # length of an arrow head
TAG_PAD = 6.0  # around a row of edge tags
TRANSPOSE_LIMIT = 60  # boxes and waypoints up to which neighbours are swapped to untangle edges

#: widest number a box or a tag expects; a wider one makes the drawing lay itself out again
NUMBER_TEMPLATE = "−0.0001234"


@dataclass(frozen=True)
class NodeSpec:
    """A box of the graph: its operation as drawn, the subexpression it computes."""

    id: int
    label: str
    text: str
    is_variable: bool
    is_root: bool


@dataclass(frozen=True)
class EdgeSpec:
    """An arrow child → parent, tagged with ∂parent/∂child (``local`` empty: a number only)."""

    parent: int
    child: int
    local: str
    varies: bool = True  # False: a constant, whose tag is sized to its one value


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
    """A box that grows to fit its texts and never shrinks (so a layout stays put)."""

    _size: QSizeF

    def needed_size(self) -> QSizeF:
        """Return the size the texts need now."""
        raise NotImplementedError

    def fit(self) -> bool:
        """Grow to the texts; return whether it grew."""
        need = self.needed_size()
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
        self._theme: Theme | None = None
        self._size = QSizeF(10, 10)
        self._fonts = node_fonts()
        self.setZValue(2)
        self.fit()

    def needed_size(self) -> QSizeF:
        """Return the size the box needs for its texts (at least the number template)."""
        bold, plain = self._fonts
        fb, fp = QFontMetricsF(bold), QFontMetricsF(plain)
        width = max(fb.horizontalAdvance(self.spec.label), fp.horizontalAdvance(NUMBER_TEMPLATE),
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
        border = QColor(theme.text if self.spec.is_root else theme.grid)
        painter.setPen(QPen(border, 2.5 if self.spec.is_root else 1.5))
        fill = QColor(theme.panel if not self.spec.is_variable else theme.background)
        painter.setBrush(QBrush(fill))
        radius = h / 2 if self.spec.is_variable else 7.0
        painter.drawRoundedRect(rect, min(radius, w / 2), min(radius, h / 2))
        bold, plain = self._fonts
        fb, fp = QFontMetricsF(bold), QFontMetricsF(plain)
        top = -h / 2 + PAD
        lines = ((bold, fb, self.spec.label, theme.text),
                 (plain, fp, self.value_text, theme.text),
                 (plain, fp, self.adjoint_text, theme.step_arrow))
        for font, metrics, text, colour in lines:
            painter.setFont(font)
            painter.setPen(QColor(colour))
            painter.drawText(QRectF(-w / 2, top, w, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, text)
            top += metrics.height()


class EdgeItem(_ThemedItem):
    """An arrow from a child box to its parent: a smooth path with a head at the parent."""

    def __init__(self, spec: EdgeSpec):
        super().__init__()
        self.spec = spec
        self._path = QPainterPath()
        self._head = QPolygonF()
        self._theme: Theme | None = None
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
        colour = QColor(self._theme.muted)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(self._head)


class EdgeLabelItem(_GrowingItem):
    """The tag on an edge: the local derivative ∂parent/∂child and its value."""

    def __init__(self, spec: EdgeSpec, parent_text: str, child_text: str):
        super().__init__()
        self.spec = spec
        self.parent_text, self.child_text = parent_text, child_text
        self.text = "—"
        self._theme: Theme | None = None
        self._size = QSizeF(10, 10)
        self._font = label_font()
        self.setZValue(1)
        self.fit()

    def _shown(self, value_text: str) -> str:
        return f"{self.spec.local} = {value_text}" if self.spec.local else value_text

    def needed_size(self) -> QSizeF:
        """Return the size the tag needs (at least for the number template)."""
        fm = QFontMetricsF(self._font)
        template = self._shown(NUMBER_TEMPLATE) if self.spec.varies else ""
        width = max(fm.horizontalAdvance(template), fm.horizontalAdvance(self.text))
        return QSizeF(math.ceil(width + 10), math.ceil(fm.height() + 4))

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
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


# ----- layout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where everything goes: box centres, each edge's route (parent end first), tag centres."""

    centres: dict[int, QPointF]
    routes: list[list[QPointF]]
    labels: list[QPointF]
    size: QSizeF


def _isotonic(targets: list[float]) -> list[float]:
    """Return the non-decreasing sequence nearest (least squares) to ``targets`` (pool adjacent)."""
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    out: list[float] = []
    for mean, count in blocks:
        out.extend([mean] * int(count))
    return out


def spread(desired: list[float], extents: list[float], gap: float) -> list[float]:
    """Return centres, in the given order, as near ``desired`` as they can be without overlap.

    Neighbours keep at least ``gap`` between their extents; the sum of squared moves is
    the least possible (isotonic regression on the desired centres minus the offsets).
    """
    offsets = [0.0]
    for a, b in zip(extents[:-1], extents[1:], strict=True):
        offsets.append(offsets[-1] + (a + b) / 2 + gap)
    fitted = _isotonic([d - o for d, o in zip(desired, offsets, strict=True)])
    return [f + o for f, o in zip(fitted, offsets, strict=True)]


def _crossings(rows: list[list], lower: dict) -> int:
    """Return how many edge segments cross between consecutive rows."""
    total = 0
    for k in range(len(rows) - 1):
        index = {item: i for i, item in enumerate(rows[k + 1])}
        segments = [(i, index[c]) for i, item in enumerate(rows[k]) for c in lower[item]]
        for a in range(len(segments)):
            for b in range(a + 1, len(segments)):
                (p1, c1), (p2, c2) = segments[a], segments[b]
                total += (p1 - p2) * (c1 - c2) < 0
    return total


def _along_at(along0: float, across0: float, along1: float, across1: float,
              across: float) -> float:
    """Return where an edge's curve is along its layer axis when it is at ``across``.

    The curve is the cubic of ``EdgeItem.set_route``: control points halfway across, so
    across(t) = a0 + (a1 − a0)(1.5 t(1 − t) + t³) and along(t) = b0 + (b1 − b0)(3t² − 2t³).
    """
    span = across1 - across0
    if abs(span) < 1e-9:
        return (along0 + along1) / 2
    target = min(max((across - across0) / span, 0.0), 1.0)
    low, high = 0.0, 1.0
    for _ in range(40):  # bisection: across(t) rises monotonically with t
        t = (low + high) / 2
        if 1.5 * t * (1 - t) + t ** 3 < target:
            low = t
        else:
            high = t
    t = (low + high) / 2
    return along0 + (along1 - along0) * (3 * t * t - 2 * t ** 3)


def layered_layout(nodes: Sequence[NodeSpec], edges: Sequence[EdgeSpec], root: int,
                   node_sizes: dict[int, QSizeF], label_sizes: Sequence[QSizeF],
                   vertical: bool) -> Placement:
    """Return where the boxes, arrows and tags go: J top (vertical) or right, variables last.

    ``along`` is the axis inside a layer (x when vertical), ``across`` the axis from one
    layer to the next. Layers are counted from the root; a box sits one layer above its
    deepest input, so every variable is in the last layer.
    """
    def along_extent(size: QSizeF) -> float:
        return size.width() if vertical else size.height()

    def across_extent(size: QSizeF) -> float:
        return size.height() if vertical else size.width()

    children = {n.id: [] for n in nodes}
    for e in edges:
        children[e.parent].append(e.child)
    height: dict[int, int] = {}
    for n in nodes:  # children come first, so each child's height is known
        height[n.id] = 1 + max((height[c] for c in children[n.id]), default=-1)
    top = height[root]
    depth = {n: top - h for n, h in height.items()}
    rows: list[list] = [[] for _ in range(top + 1)]
    chains: list[list] = []  # per edge: its items from parent to child
    extent_of: dict = {}
    for n in nodes:
        extent_of[n.id] = along_extent(node_sizes[n.id])
    # first order: the nodes' ids are children-first, which keeps subtrees together
    order_key: dict = {n.id: float(n.id) for n in nodes}
    for n in sorted(nodes, key=lambda n: n.id):
        rows[depth[n.id]].append(n.id)
    for index, e in enumerate(edges):
        chain = [e.parent]
        for k in range(depth[e.parent] + 1, depth[e.child]):
            waypoint = ("waypoint", index, k)
            rows[k].append(waypoint)
            extent_of[waypoint] = WAYPOINT
            order_key[waypoint] = e.child + 0.5
            chain.append(waypoint)
        chain.append(e.child)
        chains.append(chain)
    upper: dict = {item: [] for row in rows for item in row}
    lower: dict = {item: [] for row in rows for item in row}
    for chain in chains:
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            lower[a].append(b)
            upper[b].append(a)
    rows = [sorted(row, key=lambda item: order_key[item]) for row in rows]

    # Order each layer by the mean position of its neighbours, sweeping down and up; keep
    # the ordering with the fewest crossings.
    best, best_crossings = [list(r) for r in rows], _crossings(rows, lower)
    for sweep in range(8):
        downward = sweep % 2 == 0
        ks = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for k in ks:
            ref = rows[k - 1] if downward else rows[k + 1]
            position = {item: i for i, item in enumerate(ref)}

            def key(item, i, position=position, downward=downward):
                near = upper[item] if downward else lower[item]
                return sum(position[x] for x in near) / len(near) if near else float(i)

            keyed = [(key(item, i), i, item) for i, item in enumerate(rows[k])]
            rows[k] = [item for _, _, item in sorted(keyed, key=lambda t: (t[0], t[1]))]
        crossings = _crossings(rows, lower)
        if crossings < best_crossings:
            best, best_crossings = [list(r) for r in rows], crossings
    rows = best
    # Then swap neighbours while that removes crossings (small graphs only: it is quadratic).
    if sum(len(r) for r in rows) <= TRANSPOSE_LIMIT:
        improved = True
        while improved:
            improved = False
            for row in rows:
                for i in range(len(row) - 1):
                    row[i], row[i + 1] = row[i + 1], row[i]
                    crossings = _crossings(rows, lower)
                    if crossings < best_crossings:
                        best_crossings, improved = crossings, True
                    else:
                        row[i], row[i + 1] = row[i + 1], row[i]

    # Along positions: packed first, then pulled towards their neighbours without overlap.
    pos: dict = {}
    for row in rows:
        for item, x in zip(row, spread([0.0] * len(row), [extent_of[i] for i in row], NODE_GAP),
                           strict=True):
            pos[item] = x
    for sweep in range(10):
        downward = sweep % 2 == 0
        ks = list(range(1, len(rows))) if downward else list(range(len(rows) - 2, -1, -1))
        if sweep == 9:
            ks = list(range(len(rows)))
        for k in ks:
            desired = []
            for item in rows[k]:
                near = upper[item] if downward else lower[item]
                if sweep == 9:
                    near = upper[item] + lower[item]
                desired.append(sum(pos[x] for x in near) / len(near) if near else pos[item])
            placed = spread(desired, [extent_of[i] for i in rows[k]], NODE_GAP)
            for item, x in zip(rows[k], placed, strict=True):
                pos[item] = x

    # Across positions: a band per layer and a gap below it for the tags of the edges that
    # leave it. A tag sits on its edge; where neighbours would overlap, the gap holds two
    # rows of tags and each tag takes the row where it has more room.
    band = max(across_extent(s) for s in node_sizes.values())
    tag = max((across_extent(s) for s in label_sizes), default=20.0)
    by_gap: dict[int, list[int]] = {}
    for index, e in enumerate(edges):
        by_gap.setdefault(depth[e.parent], []).append(index)
    mid_along = [(pos[chain[0]] + pos[chain[1]]) / 2 for chain in chains]
    rows_in_gap = [1] * len(rows)
    for k, members in by_gap.items():
        members.sort(key=lambda i: mid_along[i])
        for a, b in zip(members[:-1], members[1:], strict=True):
            room = mid_along[b] - mid_along[a]
            if room < (along_extent(label_sizes[a]) + along_extent(label_sizes[b])) / 2 + LABEL_GAP:
                rows_in_gap[k] = 2
    gaps = [ARROW + n * tag + (n + 1) * TAG_PAD for n in rows_in_gap]
    band_start = [0.0]
    for k in range(len(rows) - 1):
        band_start.append(band_start[-1] + band + gaps[k])

    def across_of(item) -> float:
        k = depth[item] if not isinstance(item, tuple) else item[2]
        return band_start[k] + band / 2

    def near_end(item) -> float:  # where an edge leaves a box or waypoint, towards the leaves
        if isinstance(item, tuple):
            return band_start[item[2]] + band
        return across_of(item) + across_extent(node_sizes[item]) / 2

    def far_end(item) -> float:  # where an edge reaches a box or waypoint, from the root side
        if isinstance(item, tuple):
            return band_start[item[2]]
        return across_of(item) - across_extent(node_sizes[item]) / 2

    label_along = list(mid_along)
    label_across = [0.0] * len(edges)
    for k, members in by_gap.items():
        top = band_start[k] + band + ARROW + TAG_PAD + tag / 2
        levels = [top + r * (tag + TAG_PAD) for r in range(rows_in_gap[k])]
        if rows_in_gap[k] == 1:
            levels = [band_start[k] + band + ARROW + (gaps[k] - ARROW) / 2]
        chosen: dict[int, list[tuple[float, int]]] = {r: [] for r in range(len(levels))}
        for i in members:
            a, b = chains[i][0], chains[i][1]
            ends = (pos[a], near_end(a), pos[b], far_end(b))
            half = along_extent(label_sizes[i]) / 2
            best_room, x, r = -math.inf, 0.0, 0
            for row, level in enumerate(levels):
                at = _along_at(*ends, level)
                if chosen[row]:
                    last_x, last = chosen[row][-1]
                    room = at - half - (last_x + along_extent(label_sizes[last]) / 2)
                else:
                    room = math.inf
                if room > best_room:
                    best_room, x, r = room, at, row
            chosen[r].append((x, i))
        for r, placed_row in chosen.items():
            placed_row.sort()
            xs = spread([x for x, _ in placed_row],
                        [along_extent(label_sizes[i]) for _, i in placed_row], LABEL_GAP)
            for x, (_, i) in zip(xs, placed_row, strict=True):
                label_along[i], label_across[i] = x, levels[r]

    # Everything into scene coordinates, starting at the margin.
    low = min([pos[i] - extent_of[i] / 2 for i in pos] +
              [label_along[i] - along_extent(label_sizes[i]) / 2 for i in range(len(edges))])
    high = max([pos[i] + extent_of[i] / 2 for i in pos] +
               [label_along[i] + along_extent(label_sizes[i]) / 2 for i in range(len(edges))])
    span_along = high - low
    span_across = band_start[-1] + band

    def point(along: float, across: float) -> QPointF:
        a = along - low + MARGIN
        if vertical:
            return QPointF(a, across + MARGIN)
        return QPointF(span_across - across + MARGIN, a)  # the root on the right

    centres = {n.id: point(pos[n.id], across_of(n.id)) for n in nodes}
    routes: list[list[QPointF]] = []
    for chain in chains:
        parent, child = chain[0], chain[-1]
        pts = [point(pos[parent], across_of(parent) + across_extent(node_sizes[parent]) / 2)]
        for waypoint in chain[1:-1]:
            k = waypoint[2]
            pts.append(point(pos[waypoint], band_start[k]))
            pts.append(point(pos[waypoint], band_start[k] + band))
        pts.append(point(pos[child], across_of(child) - across_extent(node_sizes[child]) / 2))
        routes.append(pts)
    labels = [point(label_along[i], label_across[i]) for i in range(len(edges))]
    size = (QSizeF(span_along + 2 * MARGIN, span_across + 2 * MARGIN) if vertical
            else QSizeF(span_across + 2 * MARGIN, span_along + 2 * MARGIN))
    return Placement(centres, routes, labels, size)


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
        self.restyle(theme)

    def placement(self, vertical: bool) -> Placement:
        """Return (and remember) the layout in one orientation."""
        if vertical not in self._placements:
            self._placements[vertical] = layered_layout(
                self.nodes, self.edges, self.root,
                {i: item.size() for i, item in self.node_items.items()},
                [item.size() for item in self.label_items], vertical)
        return self._placements[vertical]

    def arrange(self, vertical: bool) -> QSizeF:
        """Put every item where the layout says; return the drawing's size."""
        self.vertical = vertical
        placed = self.placement(vertical)
        for node_id, item in self.node_items.items():
            item.setPos(placed.centres[node_id])
        for item, route in zip(self.edge_items, placed.routes, strict=True):
            item.set_route(route, vertical)
        for item, centre in zip(self.label_items, placed.labels, strict=True):
            item.setPos(centre)
        self.scene.setSceneRect(QRectF(0, 0, placed.size.width(), placed.size.height()))
        return placed.size

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

    def remove(self) -> None:
        """Take every item out of the scene."""
        for item in [*self.edge_items, *self.label_items, *self.node_items.values()]:
            self.scene.removeItem(item)
        self.node_items, self.edge_items, self.label_items = {}, [], []
