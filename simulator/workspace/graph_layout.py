"""Where the boxes, arrows and tags of a computation graph go: a layered layout, no Qt.

J sits at the top (or the right) and the variables at the bottom (or the left); a box
sits one layer above its deepest input. Waypoints are inserted where an edge skips a
layer, each layer is ordered to avoid crossings (barycentre sweeps, then swaps of
neighbours) and the boxes are spread so that neither boxes nor edge tags overlap. The
sizes of the boxes and tags come from whoever draws them (they depend on fonts); the
layout is pure geometry on those sizes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NODE_GAP = 26.0  # between boxes of one layer
LABEL_GAP = 10.0  # between edge tags of one gap
WAYPOINT = 14.0  # width a waypoint of a long edge takes in its layer
MARGIN = 14.0  # around the whole drawing
ARROW = 9.0  # length of an arrow head
TAG_PAD = 6.0  # around a row of edge tags
TRANSPOSE_LIMIT = 60  # boxes and waypoints up to which neighbours are swapped to untangle edges


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


@dataclass(frozen=True)
class Size:
    """The width and height of a box, a tag or the whole drawing."""

    width: float
    height: float


#: a point of the drawing, (x, y), y downwards
Point = tuple[float, float]


@dataclass(frozen=True)
class Placement:
    """Where everything goes: box centres, each edge's route (parent end first), tag centres."""

    centres: dict[int, Point]
    routes: list[list[Point]]
    labels: list[Point]
    size: Size


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
                   node_sizes: Mapping[int, Size], label_sizes: Sequence[Size],
                   vertical: bool) -> Placement:
    """Return where the boxes, arrows and tags go: J top (vertical) or right, variables last.

    ``along`` is the axis inside a layer (x when vertical), ``across`` the axis from one
    layer to the next. Layers are counted from the root; a box sits one layer above its
    deepest input, so every variable is in the last layer.
    """
    def along_extent(size: Size) -> float:
        return size.width if vertical else size.height

    def across_extent(size: Size) -> float:
        return size.height if vertical else size.width

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
    # Each band is as deep as its own deepest box: left to right a layer of "+" boxes is
    # narrower than one of numbers.
    band = [max((across_extent(node_sizes[i]) for i in row if not isinstance(i, tuple)),
                default=WAYPOINT) for row in rows]
    by_gap: dict[int, list[int]] = {}
    for index, e in enumerate(edges):
        by_gap.setdefault(depth[e.parent], []).append(index)
    # Each gap is as deep as its own widest tag: left to right, one long tag ("−2·w1² + 2·w2
    # = −0.5") made every gap as wide, and Rosenbrock's graph 2268 px wide.
    tags = [max((across_extent(label_sizes[i]) for i in by_gap.get(k, ())), default=20.0)
            for k in range(len(rows))]
    mid_along = [(pos[chain[0]] + pos[chain[1]]) / 2 for chain in chains]
    rows_in_gap = [1] * len(rows)
    for k, members in by_gap.items():
        members.sort(key=lambda i: mid_along[i])
        for a, b in zip(members[:-1], members[1:], strict=True):
            room = mid_along[b] - mid_along[a]
            if room < (along_extent(label_sizes[a]) + along_extent(label_sizes[b])) / 2 + LABEL_GAP:
                rows_in_gap[k] = 2
    gaps = [ARROW + n * tag + (n + 1) * TAG_PAD for n, tag in zip(rows_in_gap, tags, strict=True)]
    band_start = [0.0]
    for k in range(len(rows) - 1):
        band_start.append(band_start[-1] + band[k] + gaps[k])

    def across_of(item) -> float:
        k = depth[item] if not isinstance(item, tuple) else item[2]
        return band_start[k] + band[k] / 2

    def near_end(item) -> float:  # where an edge leaves a box or waypoint, towards the leaves
        if isinstance(item, tuple):
            return band_start[item[2]] + band[item[2]]
        return across_of(item) + across_extent(node_sizes[item]) / 2

    def far_end(item) -> float:  # where an edge reaches a box or waypoint, from the root side
        if isinstance(item, tuple):
            return band_start[item[2]]
        return across_of(item) - across_extent(node_sizes[item]) / 2

    label_along = list(mid_along)
    label_across = [0.0] * len(edges)
    for k, members in by_gap.items():
        tag = tags[k]
        top = band_start[k] + band[k] + ARROW + TAG_PAD + tag / 2
        levels = [top + r * (tag + TAG_PAD) for r in range(rows_in_gap[k])]
        if rows_in_gap[k] == 1:
            levels = [band_start[k] + band[k] + ARROW + (gaps[k] - ARROW) / 2]
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
    span_across = band_start[-1] + band[-1]

    def point(along: float, across: float) -> Point:
        a = along - low + MARGIN
        if vertical:
            return (a, across + MARGIN)
        return (span_across - across + MARGIN, a)  # the root on the right

    centres = {n.id: point(pos[n.id], across_of(n.id)) for n in nodes}
    routes: list[list[Point]] = []
    for chain in chains:
        parent, child = chain[0], chain[-1]
        pts = [point(pos[parent], across_of(parent) + across_extent(node_sizes[parent]) / 2)]
        for waypoint in chain[1:-1]:
            k = waypoint[2]
            pts.append(point(pos[waypoint], band_start[k]))
            pts.append(point(pos[waypoint], band_start[k] + band[k]))
        pts.append(point(pos[child], across_of(child) - across_extent(node_sizes[child]) / 2))
        routes.append(pts)
    labels = [point(label_along[i], label_across[i]) for i in range(len(edges))]
    size = (Size(span_along + 2 * MARGIN, span_across + 2 * MARGIN) if vertical
            else Size(span_across + 2 * MARGIN, span_along + 2 * MARGIN))
    return Placement(centres, routes, labels, size)
