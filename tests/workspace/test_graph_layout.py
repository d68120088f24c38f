"""The layered layout of a computation graph: pure geometry, checked without Qt."""

import random

import pytest

from simulator.symbolic.graph import graph_shape
from simulator.workspace.graph_layout import (
    MARGIN,
    EdgeSpec,
    NodeSpec,
    Size,
    layered_layout,
    spread,
)


def _graph(parents_of: dict[int, list[int]], count: int):
    """Return nodes and edges; ids are children first, the root is the last id."""
    nodes = [NodeSpec(i, f"op{i}", f"x{i}", not any(i == p for p in parents_of), i == count - 1)
             for i in range(count)]
    edges = [EdgeSpec(parent, child, f"d{parent}/d{child}")
             for parent, children in sorted(parents_of.items()) for child in children]
    return nodes, edges


def _random_graph(count: int, seed: int):
    """Return a random graph whose every node feeds the root (children-first ids)."""
    rng = random.Random(seed)
    leaves = max(1, count // 4)
    parents_of: dict[int, list[int]] = {}
    used = set()
    for node in range(leaves, count):
        children = rng.sample(range(node), k=min(node, rng.choice((1, 2, 2, 3))))
        parents_of[node] = sorted(children)
        used.update(children)
    # every node but the root has a parent, so the root reaches all of them
    for node in range(count - 1):
        if node not in used:
            parents_of[count - 1] = sorted({*parents_of[count - 1], node})
    return _graph(parents_of, count)


def _sizes(nodes, edges, seed: int):
    rng = random.Random(seed)
    node_sizes = {n.id: Size(rng.uniform(40, 140), rng.uniform(50, 70)) for n in nodes}
    label_sizes = [Size(rng.uniform(30, 160), rng.uniform(18, 24)) for _ in edges]
    return node_sizes, label_sizes


def _rects(placement, node_sizes, label_sizes):
    """Return (name, left, top, right, bottom) of every box and tag."""
    rects = []
    for node_id, (x, y) in placement.centres.items():
        s = node_sizes[node_id]
        rects.append((f"box {node_id}", x - s.width / 2, y - s.height / 2,
                      x + s.width / 2, y + s.height / 2))
    for k, (x, y) in enumerate(placement.labels):
        s = label_sizes[k]
        rects.append((f"tag {k}", x - s.width / 2, y - s.height / 2,
                      x + s.width / 2, y + s.height / 2))
    return rects


def _overlaps(rects, tolerance=1e-6):
    found = []
    for i, (a, l1, t1, r1, b1) in enumerate(rects):
        for b, l2, t2, r2, b2 in rects[i + 1:]:
            if l1 < r2 - tolerance and l2 < r1 - tolerance and t1 < b2 - tolerance \
                    and t2 < b1 - tolerance:
                found.append((a, b))
    return found


def _check(nodes, edges, root, node_sizes, label_sizes, vertical):
    placement = layered_layout(nodes, edges, root, node_sizes, label_sizes, vertical)
    rects = _rects(placement, node_sizes, label_sizes)
    assert not _overlaps(rects)
    # everything inside the drawing, with its margin
    assert min(r[1] for r in rects) >= MARGIN - 1e-6
    assert min(r[2] for r in rects) >= MARGIN - 1e-6
    assert max(r[3] for r in rects) <= placement.size.width - MARGIN + 1e-6
    assert max(r[4] for r in rects) <= placement.size.height - MARGIN + 1e-6
    # layers ordered: every parent is above (vertical) or right of (horizontal) its child
    for e in edges:
        (px, py), (cx, cy) = placement.centres[e.parent], placement.centres[e.child]
        assert (py < cy) if vertical else (px > cx)
    # each route runs from the parent's box edge to the child's, one way across
    for e, route in zip(edges, placement.routes, strict=True):
        across = [p[1] for p in route] if vertical else [-p[0] for p in route]
        assert across == sorted(across)
        assert route[0][0 if not vertical else 1] == pytest.approx(
            placement.centres[e.parent][0 if not vertical else 1]
            + (node_sizes[e.parent].height / 2 if vertical else -node_sizes[e.parent].width / 2))
    return placement


@pytest.mark.parametrize("vertical", [True, False])
@pytest.mark.parametrize("text", ["w**2", "(1 - w1)**2 + 100*(w2 - w1**2)**2",
                                  "(w1**2 + w2 - 11)**2 + (w1 + w2**2 - 7)**2",
                                  "sigmoid(w1*w2 + sin(w1)) * exp(-w2) + log(1 + w1**2)"])
def test_formula_graphs_have_no_overlaps_and_ordered_layers(text, vertical):
    shape = graph_shape(text)
    nodes = [NodeSpec(k, label, str(expr), not children, k == shape.root)
             for k, (expr, label, children) in enumerate(
                 zip(shape.expressions, shape.labels, shape.children, strict=True))]
    edges = [EdgeSpec(p, c, str(d)) for p, c, d in shape.locals]
    node_sizes, label_sizes = _sizes(nodes, edges, seed=len(text))
    placement = _check(nodes, edges, shape.root, node_sizes, label_sizes, vertical)
    # the variables are in the last layer, J in the first
    far = max if vertical else min
    coordinate = 1 if vertical else 0
    leaves = [placement.centres[n.id][coordinate] for n in nodes if n.is_variable]
    assert len(set(round(v, 6) for v in leaves)) == 1
    assert far(p[coordinate] for p in placement.centres.values()) == pytest.approx(leaves[0])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("count", [2, 12, 40, 150])
def test_random_graphs_have_no_overlaps_and_ordered_layers(count, seed):
    nodes, edges = _random_graph(count, seed)
    node_sizes, label_sizes = _sizes(nodes, edges, seed)
    for vertical in (True, False):
        _check(nodes, edges, count - 1, node_sizes, label_sizes, vertical)


def test_a_big_graph_with_long_edges_is_laid_out():
    # a deep chain whose every node also feeds the root: edges skipping up to 59 layers
    count = 60
    parents_of = {k: [k - 1] for k in range(1, count - 1)}
    parents_of[count - 1] = list(range(count - 1))
    nodes, edges = _graph(parents_of, count)
    node_sizes, label_sizes = _sizes(nodes, edges, seed=7)
    placement = _check(nodes, edges, count - 1, node_sizes, label_sizes, True)
    # a long edge runs through a waypoint in every layer it skips
    longest = edges.index(next(e for e in edges if e.parent == count - 1 and e.child == 0))
    assert len(placement.routes[longest]) == 2 + 2 * (count - 2)


def test_the_layout_is_deterministic():
    nodes, edges = _random_graph(40, seed=3)
    node_sizes, label_sizes = _sizes(nodes, edges, seed=3)
    first = layered_layout(nodes, edges, 39, node_sizes, label_sizes, True)
    again = layered_layout(list(nodes), list(edges), 39, dict(node_sizes), list(label_sizes),
                           True)
    assert first == again


def test_a_simple_tree_is_untangled_and_centred():
    # J = a + b, a = f(x), b = g(y): no crossings, so x sits under a and y under b
    nodes, edges = _graph({2: [0], 3: [1], 4: [2, 3]}, 5)
    node_sizes = {n.id: Size(60, 60) for n in nodes}
    placement = layered_layout(nodes, edges, 4, node_sizes, [Size(40, 20)] * len(edges), True)
    xs = {k: p[0] for k, p in placement.centres.items()}
    assert xs[0] == pytest.approx(xs[2]) and xs[1] == pytest.approx(xs[3])
    assert xs[4] == pytest.approx((xs[2] + xs[3]) / 2)


def test_spread_keeps_order_and_gaps_and_moves_as_little_as_it_can():
    assert spread([0.0, 0.0, 0.0], [10.0, 10.0, 10.0], 2.0) == pytest.approx([-12, 0, 12])
    assert spread([0.0, 100.0], [10.0, 10.0], 2.0) == [0.0, 100.0]  # already apart: unmoved
    placed = spread([5.0, 0.0, 50.0], [20.0, 20.0, 4.0], 1.0)
    assert placed[1] - placed[0] == pytest.approx(21.0) and placed[2] == 50.0


def test_each_gap_is_as_deep_as_its_own_tags():
    # A chain a → b → c left to right: one wide tag widens its own gap, not the other.
    from simulator.workspace.graph_layout import EdgeSpec, NodeSpec, Size, layered_layout

    nodes = [NodeSpec(0, "a", "a", True, False), NodeSpec(1, "b", "b", False, False),
             NodeSpec(2, "c", "c", False, True)]
    edges = [EdgeSpec(1, 0, "x"), EdgeSpec(2, 1, "y")]
    sizes = {k: Size(40, 30) for k in range(3)}
    placed = layered_layout(nodes, edges, 2, sizes, [Size(200, 20), Size(20, 20)], False)
    xs = sorted(x for x, _ in placed.centres.values())
    assert xs[1] - xs[0] > xs[2] - xs[1] + 150  # the wide tag's gap, then the narrow one
