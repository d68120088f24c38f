"""What the backprop stepper marks on the network diagram for the operation reached.

The operation's target gets a ring (a neuron or a bias) or a halo (a weight) in its
colour and a tag with its value; what it reads gets a fainter ring or halo; what is not
computed yet is veiled. Forward values are blue, gradients orange, updates bluish green
(Okabe–Ito, safe for every common colour-vision deficiency). When a layer has more than
``LABEL_ALL_UP_TO`` neurons, only the operation's own value is written; in smaller networks
every δ known so far is written under its neuron too. The landscape's X and Y tags on the
diagram go where they cover none of these values (``clear_spot``).
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QColor, QPainterPath

from simulator.workspace.numbers import format_number

from ..items.network_items import StepMarks

#: colour-blind safe (Okabe–Ito): (fill, text) for forward values, gradients and updates
CHIP = {"forward": ("#0072B2", "#ffffff"), "gradient": ("#E69F00", "#1b1b1f"),
        "update": ("#009E73", "#ffffff")}
LABEL_ALL_UP_TO = 12
FORWARD_VEIL, BACKWARD_VEIL = 0.82, 0.5
#: where along its edge the landscape's X or Y tag may go (0 the source, 1 the neuron fed),
#: first choice first; X and Y start apart so that two axes on one neuron's edges do not meet
TAG_SPOTS = {"x": (0.3, 0.5, 0.15, 0.7, 0.85), "y": (0.55, 0.75, 0.35, 0.9, 0.2)}
#: how far up or down (in tag heights) a tag moves when no spot on its edge is clear
TAG_SHIFTS = (-1.2, 1.2, -2.4, 2.4, -3.6, 3.6)
SYMBOLS = {"z": "z", "a": "a", "loss": "L", "dL_da": "∂L/∂a", "delta": "δ", "dL_dW": "∂L/∂W",
           "dL_db": "∂L/∂b", "parameter": "new", "value": "", "adjoint": "∂J/∂"}


def chip_colours(op) -> tuple[str, str]:
    """Return (fill, text) of the colour an operation's value is written in."""
    if op.phase == "update":
        return CHIP["update"]
    return CHIP["gradient"] if op.gradient else CHIP["forward"]


def value_text(op, sample: int) -> str:
    """Return an operation's value as its tag writes it: ``δ = −0.52``."""
    if op.value is not None:
        value, where = op.value, ""
    else:  # the batch view's per-sample values: the chosen sample's
        value, where = op.values[min(sample, len(op.values) - 1)], f" (#{sample})"
    symbol = SYMBOLS.get(op.quantity) or op.target.text.split("(")[0]
    return f"{symbol}{where} = {format_number(value, 4)}"


def clear_spot(size: QRectF, spots: list[QPointF], avoid: list[QRectF | QPainterPath],
               area: QRectF) -> QPointF | None:
    """Return the first spot where a tag (``size`` centred on it) is in ``area`` and clear of ``avoid``.

    When no spot is clear the spots are tried again moved up and down (``TAG_SHIFTS``); when
    none of those is either, None.
    """
    h = size.height()
    shifted = [QPointF(p.x(), p.y() + d * h) for d in TAG_SHIFTS for p in spots]
    for spot in (*spots, *shifted):
        rect = size.translated(spot)
        if area.contains(rect) and not any(other.intersects(rect) for other in avoid):
            return spot
    return None


def _translucent(colour: str, alpha: float) -> QColor:
    c = QColor(colour)
    c.setAlphaF(alpha)
    return c


def network_marks(frame, layers, bundles, sizes, area: QRectF) -> StepMarks:
    """Return the marks of the frame's operation on a diagram of these layer and edge items."""
    op = frame.current
    progress = frame.progress()
    fill, ink = chip_colours(op)
    marks = StepMarks()
    dense = max(sizes) > LABEL_ALL_UP_TO

    def centre(layer: int, j: int) -> QPointF:
        return QPointF(layers[layer].x, layers[layer].ys[j])

    def line(layer: int, i: int, j: int) -> QLineF:
        b = bundles[layer - 1]
        k = i * sizes[layer] + j
        return QLineF(b.x0[k], b.y0[k], b.x1[k], b.y1[k])

    def left_of(x: float) -> QRectF:
        return QRectF(area.left(), area.top(), max(0.0, x - area.left()), area.height())

    main, reads = op.touches[0], op.touches[1:]
    _veil(marks, op, main, progress, layers, sizes, area, line, left_of)
    for touch in reads:
        _mark(marks, touch, layers, line, _translucent(fill, 0.55), 2.5, 4.0)
    _mark(marks, main, layers, line, QColor(fill), 4.0, 7.0)
    text = value_text(op, frame.sample)
    if main.kind == "neuron":
        r = layers[main.layer].radius
        c = centre(main.layer, main.j)
        marks.tags.append((QPointF(c.x() + r + 6, c.y() + r * 0.75), text, fill, ink))
    elif main.kind == "bias":
        c = layers[main.layer].badge_centre(main.j)
        marks.tags.append((QPointF(c.x() + layers[main.layer].badge_radius + 6, c.y() - 12),
                           text, fill, ink))
    elif main.kind == "edge":
        segment = line(main.layer, main.i, main.j)
        mid = segment.pointAt(0.5)
        marks.tags.append((QPointF(mid.x() + 6, mid.y() - 14), text, fill, ink))
    else:  # the loss: under the last output
        last = layers[-1]
        marks.tags.append((QPointF(last.x - last.radius, float(last.ys[-1]) + last.radius + 16),
                           text, fill, ink))
    if not dense and op.phase != "forward":
        own = marks.tags.pop()  # drawn last, over the δ tags
        _delta_tags(marks, frame, progress, layers, sizes, main)
        marks.tags.append(own)
    return marks


def _veil(marks, op, main, progress, layers, sizes, area, line, left_of) -> None:
    """Veil what the walk has not computed yet."""
    if main.kind == "loss" or op.phase == "update":
        return
    if op.phase == "forward":
        layer = main.layer
        item = layers[layer]
        marks.veil_alpha = FORWARD_VEIL
        x = item.x + item.radius + 3
        marks.veil_rects.append(QRectF(x, area.top(), max(0.0, area.right() - x), area.height()))
        for j in range(progress.z[layer], sizes[layer]):
            marks.veil_circles.append((QPointF(item.x, item.ys[j]), item.radius + 2))
            marks.veil_circles.append((item.badge_centre(j), item.badge_radius + 2))
            marks.veil_lines += [line(layer, i, j) for i in range(sizes[layer - 1])]
        marks.veil_width = 8.0
        return
    marks.veil_alpha = BACKWARD_VEIL
    if main.kind in ("edge", "bias"):
        below = layers[main.layer - 1]
        marks.veil_rects.append(left_of(below.x + below.radius + 3))
        if main.kind == "edge":
            n_out = sizes[main.layer]
            done = progress.weights[main.layer]
            marks.veil_lines += [line(main.layer, k // n_out, k % n_out)
                                 for k in range(done, sizes[main.layer - 1] * n_out)]
    else:
        item = layers[main.layer]
        marks.veil_rects.append(left_of(item.x - item.radius - 3))
        if op.quantity == "delta":
            for j in range(progress.delta[main.layer], sizes[main.layer]):
                marks.veil_circles.append((QPointF(item.x, item.ys[j]), item.radius + 2))


def _mark(marks, touch, layers, line, colour: QColor, ring: float, halo: float) -> None:
    """Ring a neuron or a bias, or put a halo on a weight."""
    if touch.kind == "neuron":
        item = layers[touch.layer]
        marks.rings.append((QPointF(item.x, item.ys[touch.j]), item.radius + 3, colour, ring))
    elif touch.kind == "bias":
        item = layers[touch.layer]
        marks.rings.append((item.badge_centre(touch.j), item.badge_radius + 3, colour, ring))
    elif touch.kind == "edge":
        marks.halos.append((line(touch.layer, touch.i, touch.j), colour, halo))


def _delta_tags(marks, frame, progress, layers, sizes, main) -> None:
    """Write every δ known so far under its neuron (small networks only)."""
    ops = frame.operations
    fill, ink = CHIP["gradient"]
    for layer in range(1, len(sizes)):
        start = ops.first("delta", layer)
        done = sizes[layer] if frame.current.phase == "update" else progress.delta[layer]
        if start is None:
            continue
        item = layers[layer]
        for j in range(done):
            if main.kind == "neuron" and (main.layer, main.j) == (layer, j):
                continue
            op = ops[start + j]
            text = value_text(op, frame.sample)
            marks.tags.append((QPointF(item.x - item.radius, item.ys[j] + item.radius + 12),
                               text, fill, ink))
