"""Rewrite Qt's SVG so that librsvg, Inkscape and browsers draw it as Qt does.

Qt paints pyqtgraph's cosmetic pens (widths in screen pixels) as
``vector-effect="non-scaling-stroke"`` inside a group whose ``transform`` maps data to
pixels. librsvg ignores that effect and strokes in data units: a 3-pixel curve becomes a
band many units thick. Here each such group's transform is applied to its children's
coordinates (paths, polylines, polygons, rectangles), so every stroke is drawn in device
pixels with no effect needed; other children (text, images) take the transform
themselves. Font families get a generic fallback.

SVG Tiny has no clipping, so a curve or the trail running out of a plot would be drawn
over its axes, and a widget that paints past its edges (a tab bar's tabs) over its
neighbours. Each widget and each plot's items are painted between two marks
(``part_mark``, ``plot_mark``), and here what lies between them is masked to its area:
a mask, not a clip path, because Qt's own SVG renderer draws masks and ignores clip paths.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)

_EFFECT = "vector-effect"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"[A-Za-z]|{_NUMBER}")
_POINT_COMMANDS = set("MLCQST")  # absolute commands whose numbers are all x,y pairs

Matrix = tuple[float, float, float, float, float, float]  # SVG's a b c d e f
Box = tuple[float, float, float, float]  # left, top, width, height
_PLOT_MARK = re.compile(r"#fe0([12])([0-9a-f]{2})")
_PART_MARK = re.compile(r"#fd([01])([0-9a-f]{3})")
MAX_PARTS = 0xFFF  # widgets a figure masks, one by one
_DRAWN = {"path", "polyline", "polygon", "rect", "line", "circle", "ellipse", "text", "image",
          "use"}


def plot_mark(plot: int, end: bool) -> str:
    """Return the colour of the mark painted before (or after) the items of plot ``plot``."""
    return f"#fe0{2 if end else 1}{plot:02x}"


def part_mark(part: int, end: bool) -> str:
    """Return the colour of the mark painted before (or after) widget ``part`` of a figure."""
    return f"#fd{1 if end else 0}{part:03x}"


def flatten_svg(data: bytes, families: dict[str, str] | None = None,
                plots: dict[int, Box] | None = None, parts: dict[int, Box] | None = None,
                sizes: dict[str, str] | None = None) -> bytes:
    """Return the SVG with no stroke inside a scaling transform, fonts with fallbacks, plots masked.

    Empty paths (an empty curve) are left out.

    ``families`` maps a font family Qt wrote (``"Sans Serif"``) to the list to write
    instead (``"DejaVu Sans, sans-serif"``); any other family gets ``, sans-serif``.
    ``plots`` gives the area (in the file's coordinates) of each plot whose items were
    painted between its two marks, ``parts`` the area of each widget painted so.
    ``sizes`` maps a font size Qt wrote to the size it set the text at (its whole pixels).
    """
    root = ET.fromstring(data)
    _mask_marked(root, parts or {}, _PART_MARK, "part", lambda end: end == "1")
    _mask_marked(root, plots or {}, _PLOT_MARK, "plot", lambda end: end == "2")
    for group in list(root.iter(f"{{{SVG}}}g")):
        text = group.attrib.pop("transform", None)
        if text is None:
            continue
        matrix = parse_matrix(text)
        for child in group:
            _apply(child, matrix)
    for element in root.iter():
        element.attrib.pop(_EFFECT, None)
        family = element.get("font-family")
        if family is not None:
            element.set("font-family", _with_fallback(family, families or {}))
        size = element.get("font-size")
        if size is not None and sizes and size in sizes:
            element.set("font-size", sizes[size])
    for parent in list(root.iter()):  # an empty curve: Qt's renderer calls its path invalid
        for path in parent.findall(f"{{{SVG}}}path"):
            if not path.get("d", "").strip():
                parent.remove(path)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _mask_marked(root: ET.Element, areas: dict[int, Box], marked: re.Pattern, name: str,
                 is_end) -> None:
    """Put what lies between each pair of marks into a group masked to its area.

    ``marked`` matches a mark's colour: whether it ends (``is_end`` of its first group)
    and its number (its second, in hex).
    """
    masks = []
    for parent in list(root.iter()):
        children = list(parent)
        marks = {}
        for index, child in enumerate(children):
            match = marked.fullmatch(child.get("stroke", ""))
            if match is not None:
                marks[(int(match[2], 16), is_end(match[1]))] = index
        if not marks:
            continue
        for number in sorted({number for number, _end in marks}):
            start, end = marks.get((number, False)), marks.get((number, True))
            if number in areas and start is not None and end is not None and start < end:
                between = children[start + 1:end]
                for child in between:
                    parent.remove(child)
                if not any(_draws(child) for child in between):
                    continue  # Qt's renderer calls the mask of an empty group "too big"
                group = ET.Element(f"{{{SVG}}}g", mask=f"url(#{name}-{number})")
                group.extend(between)
                parent.insert(list(parent).index(children[start]), group)
                masks.append((number, areas[number]))
        for index in marks.values():
            if children[index] in list(parent):  # a mark of a plot within a plot moved with it
                parent.remove(children[index])
    if masks:
        defs = root.find(f"{{{SVG}}}defs")
        if defs is None:
            defs = ET.Element(f"{{{SVG}}}defs")
            root.insert(0, defs)
        for number, (x, y, w, h) in masks:
            area = {"x": _num(x), "y": _num(y), "width": _num(w), "height": _num(h)}
            mask = ET.SubElement(defs, f"{{{SVG}}}mask", id=f"{name}-{number}",
                                 maskUnits="userSpaceOnUse", **area)
            ET.SubElement(mask, f"{{{SVG}}}rect", fill="#ffffff", **area)


def _draws(element: ET.Element) -> bool:
    """Return whether an element, or one inside it, draws something (a group may be empty)."""
    return any(part.tag.rsplit("}", 1)[-1] in _DRAWN for part in element.iter())


def parse_matrix(text: str) -> Matrix:
    """Return the six numbers of ``matrix(a,b,c,d,e,f)`` (or of a translate / scale)."""
    numbers = [float(n) for n in re.findall(_NUMBER, text)]
    kind = text.strip().split("(")[0].strip()
    if kind == "matrix" and len(numbers) == 6:
        return tuple(numbers)
    if kind == "translate":
        return (1.0, 0.0, 0.0, 1.0, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)
    if kind == "scale":
        return (numbers[0], 0.0, 0.0, numbers[-1], 0.0, 0.0)
    raise ValueError(f"an SVG transform this file does not use: {text[:40]!r}")


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """Return the matrix of ``outer`` applied after ``inner``."""
    a, b, c, d, e, f = outer
    A, B, C, D, E, F = inner  # noqa: N806 - the second matrix's entries
    return (a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D,
            a * E + c * F + e, b * E + d * F + f)


def _map(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _num(value: float) -> str:
    return f"{value:.6g}"


def _apply(element: ET.Element, m: Matrix) -> None:
    """Move a transform into one element: its coordinates when it has them, else its own."""
    tag = element.tag.rsplit("}", 1)[-1]
    cosmetic = element.get(_EFFECT) == "non-scaling-stroke"
    if cosmetic and tag == "path":
        d = _mapped_path(element.get("d", ""), m)
        if d is not None:
            element.set("d", d)
            return
    elif cosmetic and tag in ("polyline", "polygon"):
        numbers = [float(n) for n in re.findall(_NUMBER, element.get("points", ""))]
        pairs = [_map(m, x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True)]
        element.set("points", " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs))
        return
    elif cosmetic and tag == "rect":
        x, y = float(element.get("x", 0)), float(element.get("y", 0))
        w, h = float(element.get("width", 0)), float(element.get("height", 0))
        corners = [_map(m, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        for key in ("x", "y", "width", "height", "rx", "ry"):
            element.attrib.pop(key, None)
        element.tag = f"{{{SVG}}}path"
        element.set("d", "M" + " L".join(f"{_num(px)},{_num(py)}" for px, py in corners) + " Z")
        return
    own = element.get("transform")
    element.set("transform", "matrix({})".format(
        ",".join(_num(v) for v in (compose(m, parse_matrix(own)) if own else m))))


def _mapped_path(d: str, m: Matrix) -> str | None:
    """Return path data with every point mapped, or None when it has commands other than pairs."""
    out, numbers, command = [], [], ""

    def flush() -> bool:
        if len(numbers) % 2:
            return False
        pairs = [_map(m, x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True)]
        out.append(command + " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs))
        numbers.clear()
        return True

    for token in _TOKEN.findall(d):
        if token.isalpha():
            if command and not flush():
                return None
            if token in "Zz":
                out.append("Z")
                command = ""
                continue
            if token not in _POINT_COMMANDS:
                return None
            command = token
        else:
            if not command:
                return None
            numbers.append(float(token))
    if command and not flush():
        return None
    return " ".join(out)


def _with_fallback(family: str, families: dict[str, str]) -> str:
    name = family.strip().strip("'\"")
    if name in families:
        return families[name]
    return family if family.rstrip().endswith("sans-serif") else f"{family}, sans-serif"
