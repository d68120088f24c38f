"""Figures: each view drawn alone, without its controls, into PNG, SVG and PDF that every renderer draws.

The SVGs are rendered twice, by Qt and by librsvg (``rsvg-convert``, what pandoc and many
LaTeX pipelines use), and the two pictures compared after a small blur.
"""

import io
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image, ImageFilter
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QLineEdit

from simulator.lessons.files import load_lesson
from simulator.ui.figures.catalog import FIGURE_VIEWS, build_figure, close_figure, marks_scale
from simulator.ui.figures.painting import figure_bytes, marked_plots
from simulator.ui.figures.spec import figure_spec
from simulator.ui.figures.state import FigureState
from simulator.workspace.workspace import Workspace

from .conftest import LESSONS

SVG = "{http://www.w3.org/2000/svg}"
#: the 2-D views of each kind of lesson (the 3-D one needs OpenGL, tested where it exists)
VIEWS = {"09-seed-w-squared.lesson.json": ("landscape", "formula", "loss", "stepper"),
         "13-xor-network.lesson.json": ("landscape", "network", "loss", "data", "gradients",
                                        "stepper")}
CASES = [(lesson, view) for lesson, views in VIEWS.items() for view in views]
HEATMAPS = {"landscape", "data", "network"}  # views with a raster (the surface, neuron maps)


def workspace(lesson: str, steps: int = 12) -> Workspace:
    ws = Workspace()
    ws.set_lesson(load_lesson(LESSONS / lesson))
    ws.step(steps)
    return ws


@pytest.fixture
def figure(qtbot):
    """Return a factory: (lesson, view, theme, size) → (the figure's widget, its spec)."""
    made = []

    def make(lesson, view, theme="screen", size="900x600", dpi=150):
        spec = figure_spec(view, size, dpi, 1, theme)
        widget = build_figure(view, FigureState.of(workspace(lesson)), spec.layout, theme)
        made.append(widget)
        return widget, spec

    yield make
    for widget in made:
        close_figure(widget)


def rsvg(data: bytes, width: int, height: int) -> np.ndarray:
    png = subprocess.run(["rsvg-convert", "-w", str(width), "-h", str(height)], input=data,
                         capture_output=True, check=True, timeout=60).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def qt_svg(data: bytes, width: int, height: int) -> np.ndarray:
    image = QImage(width, height, QImage.Format.Format_RGB888)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    QSvgRenderer(QByteArray(data)).render(painter)
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, :width * 3].reshape(height, width, 3).copy()


def differing(a: np.ndarray, b: np.ndarray) -> float:
    """Return the fraction of pixels that differ clearly after a blur of 1.5 px."""
    blur = [np.asarray(Image.fromarray(x).filter(ImageFilter.GaussianBlur(1.5)), float)
            for x in (a, b)]
    return float(np.mean(np.abs(blur[0] - blur[1]).max(axis=2) > 48))


@pytest.mark.parametrize("lesson, view", CASES)
def test_every_view_exports_every_format(figure, lesson, view):
    widget, spec = figure(lesson, view)
    for fmt, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF-")):
        data = figure_bytes(widget, spec, fmt, "test")
        assert data.startswith(magic) and len(data) > 1000, fmt
    assert_pixels(widget, spec, QImage.fromData(figure_bytes(widget, spec, ".png", "test")))


def assert_pixels(widget, spec, image):
    """A figure's PNG has exactly its spec's pixels, width·scale × height·scale (issue 11 §7)."""
    assert (image.width(), image.height()) == spec.pixels


@pytest.mark.parametrize("lesson, view", CASES)
def test_svg_is_vectors_with_no_controls_and_draws_the_same_in_librsvg(figure, lesson, view):
    widget, spec = figure(lesson, view)
    data = figure_bytes(widget, spec, ".svg", "test")
    root = ET.fromstring(data)
    images = root.findall(f".//{SVG}image")
    if view not in HEATMAPS:
        assert images == [], "markers and lines must be vectors"
    for image in images:  # a heatmap (or a colour bar) at no less than its grid's resolution
        assert max(float(image.get("width")), float(image.get("height"))) >= 24
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    controls = [w.text() for w in widget.findChildren(QAbstractButton) if not w.isVisible()]
    controls += [w.text() for w in widget.findChildren(QLineEdit) if not w.isVisible()]
    for text in ("Show all", "Log colour scale", "log scale", "Shift+click", "Neuron maps",
                 "Gradients", "drag to pan", *[c for c in controls if len(c) > 2]):
        assert text not in texts, f"{text!r} is a control, not the figure"
    assert "non-scaling-stroke" not in data.decode()
    assert all(p.get("d", "").strip() for p in root.iter(f"{SVG}path"))  # Qt: "invalid path"
    assert all(g.get("font-family").endswith((", sans-serif", ", monospace")) for g in root.iter()
               if g.get("font-family"))  # a generic family last
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert is not installed (Debian: librsvg2-bin)")
    width, height = spec.layout
    assert differing(rsvg(data, width, height), qt_svg(data, width, height)) < 0.02


@pytest.mark.parametrize("lesson, view", CASES)
def test_the_print_theme_s_svg_is_white_where_qt_paints_white_paper(figure, lesson, view):
    # Each widget is painted on its own into the SVG: only the figure fills its background
    # (a label's grey fill showed in the SVG, never in the PNG).
    widget, spec = figure(lesson, view, theme="print", size="12x8cm", dpi=150)
    painted = QImage.fromData(figure_bytes(widget, spec, ".png", "test", marks_scale("print")))
    painted = painted.convertToFormat(QImage.Format.Format_RGB888)
    width, height = painted.width(), painted.height()
    rows = np.frombuffer(painted.constBits(), np.uint8).reshape(height, painted.bytesPerLine())
    paper = rows[:, :width * 3].reshape(height, width, 3).min(axis=2) == 255
    svg = figure_bytes(widget, spec, ".svg", "test", marks_scale("print"))
    renders = {"qt": qt_svg(svg, width, height)}
    if shutil.which("rsvg-convert") is not None:
        renders["librsvg"] = rsvg(svg, width, height)
    for name, image in renders.items():
        greyed = float(np.mean(image.min(axis=2)[paper] < 250))
        assert greyed < 0.05, (name, greyed)  # (glyphs set a little apart: about 0.035)


def test_the_trail_is_vector_paths_and_markers_are_shapes(figure):
    widget, spec = figure("11-rosenbrock-adam.lesson.json", "landscape")
    root = ET.fromstring(figure_bytes(widget, spec, ".svg", "test"))
    trail_colour = "#d62728"
    strokes = [g for g in root.iter(f"{SVG}g") if g.get("stroke") == trail_colour]
    paths = [p for g in strokes for p in g if p.tag in (f"{SVG}path", f"{SVG}polyline")]
    assert len(paths) >= 5  # the trail's pieces, the arrow, the hiker's ring
    sizes = sorted((float(i.get("width")), float(i.get("height")))
                   for i in root.findall(f".//{SVG}image"))
    assert sizes == [(1.0, 256.0), (101.0, 101.0)]  # the colour bar; the surface at its grid


def test_print_theme_is_white_with_dark_text(figure):
    widget, spec = figure("13-xor-network.lesson.json", "loss", theme="print")
    image = QImage.fromData(figure_bytes(widget, spec, ".png", "test"))
    assert image.pixelColor(2, 2).name() == "#ffffff"
    assert image.pixelColor(image.width() - 3, image.height() - 3).name() == "#ffffff"
    svg = figure_bytes(widget, spec, ".svg", "test").decode()
    text_fills = set(re.findall(r'<text fill="(#[0-9a-f]{6})"', svg))
    assert text_fills and all(sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) < 3 * 110
                              for c in text_fills)


def test_print_theme_draws_lines_thicker(figure):
    def widths(theme):
        widget, spec = figure("09-seed-w-squared.lesson.json", "landscape", theme=theme)
        root = ET.fromstring(figure_bytes(widget, spec, ".svg", "test"))
        ink = {"screen": "#1b1b1f", "print": "#000000"}[theme]  # the curve J(w)
        return max(float(g.get("stroke-width")) for g in root.iter(f"{SVG}g")
                   if g.get("stroke") == ink and len(g.findall(f"{SVG}path")) > 0)

    assert widths("print") >= 1.5 * widths("screen")


def test_labels_are_9_to_11_points_on_a_12_cm_figure_at_300_dpi(figure):
    widget, spec = figure("13-xor-network.lesson.json", "landscape", size="12x8cm", dpi=300)
    assert spec.width == 1417
    svg = figure_bytes(widget, spec, ".svg", "test").decode()
    # The SVG is laid out in 96-dpi pixels: a font-size of 12 is 9 pt on paper.
    sizes = [float(s) * 72 / 96 for s in re.findall(r'font-size="([\d.]+)"', svg)]
    tick_labels = sorted(sizes)[len(sizes) // 2]
    assert 9 <= tick_labels <= 11
    assert re.search(r'width="120(\.0+)?mm"', svg) or 'width="119.' in svg


def test_the_same_lesson_gives_the_same_figure_whatever_the_window(make_controller, qtbot):
    from simulator.ui.main_window import MainWindow

    controller = make_controller("09-seed-w-squared.lesson.json")
    window = MainWindow(controller)
    qtbot.addWidget(window)
    spec = figure_spec("landscape", "700x500", 150, 1, "screen")

    def draw() -> bytes:
        widget = build_figure("landscape", FigureState.of(controller.workspace), spec.layout)
        try:
            return figure_bytes(widget, spec, ".png", "test", marks_scale("screen"))
        finally:
            close_figure(widget)

    first = draw()
    window.resize(500, 400)
    window.set_theme("dark")
    window.landscape.view_box.setRange(xRange=(0, 1), yRange=(0, 1))  # zoomed in on screen
    try:
        assert draw() == first
    finally:
        window.set_theme("light")


def test_every_view_of_the_catalog_is_tested():
    assert {view for _, view in CASES} | {"landscape3d"} == set(FIGURE_VIEWS)


def _zoomed(figure, lesson, x_range, y_range):
    """Return a landscape figure zoomed in so that its drawing runs out of the plot, and the plot."""
    from PySide6.QtCore import QCoreApplication

    widget, spec = figure(lesson, "landscape")
    widget.view_box.setRange(xRange=x_range, yRange=y_range, padding=0)
    QCoreApplication.sendPostedEvents()
    with marked_plots(widget) as areas:
        left, top, width, height = max(areas.values(), key=lambda a: a[2] * a[3])
    return widget, spec, (round(left), round(top), round(left + width), round(top + height))


def _renders(widget, spec):
    """Return the figure painted by Qt, and its SVG drawn by Qt's renderer and by librsvg."""
    png = figure_bytes(widget, spec, ".png", "test")
    painted = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    width, height = spec.layout
    painted = painted.scaled(width, height)
    rows = np.frombuffer(painted.constBits(), np.uint8).reshape(height, painted.bytesPerLine())
    svg = figure_bytes(widget, spec, ".svg", "test")
    renders = {"painted": rows[:, :width * 3].reshape(height, width, 3).copy(),
               "qt": qt_svg(svg, width, height)}
    if shutil.which("rsvg-convert") is not None:
        renders["librsvg"] = rsvg(svg, width, height)
    return renders


def test_a_curve_running_out_of_the_plot_stops_at_its_edge_in_every_renderer(figure):
    # Zoomed in, J(w) = w² leaves the plot through its top: above the plot is paper.
    widget, spec, (left, top, right, bottom) = _zoomed(
        figure, "09-seed-w-squared.lesson.json", (-1.5, 2.5), (-0.5, 5))
    for name, image in _renders(widget, spec).items():
        ink = image.astype(int).sum(axis=2) < 3 * 120
        assert ink[top + 2:top + 6, left:right].any(), f"{name}: the curve reaches the top edge"
        assert not ink[:top - 2, left + 4:right].any(), f"{name}: the curve is drawn above the plot"


def test_the_trail_and_the_surface_stop_at_the_plot_s_edge_in_every_renderer(figure):
    # The hiker starts at (−1.4, 2): with w1 from −1.2 its trail and arrows start outside,
    # left of the plot, where the w2 axis's numbers are; the surface reaches past every edge.
    widget, spec, (left, top, right, bottom) = _zoomed(
        figure, "11-rosenbrock-adam.lesson.json", (-1.2, 0.5), (0.5, 3))
    renders = _renders(widget, spec)
    for name, image in renders.items():
        pixels = image.astype(int)
        red = (pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
        colour = pixels.max(axis=2) - pixels.min(axis=2) > 60  # the surface's greens and blues
        assert colour[top + 3:bottom - 3, left + 3:left + 40].any(), name
        assert not red[top:bottom, :left - 2].any(), f"{name}: the trail runs over the axis"
        assert colour[bottom + 2:, left:right].mean() < 0.01, f"{name}: the surface spills"
        assert colour[:, :left - 2].mean() < 0.01, f"{name}: the surface spills left"
    for name in renders.keys() - {"painted"}:
        assert differing(renders[name], renders["painted"]) < 0.03, name


def cut_off(widget) -> list[str]:
    """Return the parts of a figure drawn beyond its edges or cut short: none, for a good figure."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPoint, QRectF
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QGraphicsView, QLabel, QListView, QWidget

    cut = []
    for part in widget.findChildren(QWidget):
        if not part.isVisibleTo(widget) or part.width() == 0:
            continue
        where = part.geometry().translated(part.parentWidget().mapTo(widget, QPoint()))
        if not widget.rect().contains(where):
            cut.append(f"{type(part).__name__} {where.getRect()} beyond {widget.rect().getRect()}")
        if isinstance(part, QLabel) and part.text() and part.wordWrap() and \
                part.heightForWidth(part.width()) > part.height() + 1:
            cut.append(f"label {part.text()[:30]!r} cut at its foot")
    for rows in widget.findChildren(QListView):  # the stepper's list: each row seen whole
        if not rows.isVisibleTo(widget) or not hasattr(widget, "delegate"):
            continue
        delegate = widget.delegate  # the stepper's: its rows wrap in a figure
        for row in range(rows.model().rowCount()):
            place = rows.visualRect(rows.model().index(row, 0))
            if place.bottom() < 0 or place.top() >= rows.viewport().height():
                continue
            if place.bottom() >= rows.viewport().height():
                cut.append(f"row {row + 1} of the list cut at its foot")
            document = QTextDocument()
            document.setDefaultFont(rows.font())
            document.setDocumentMargin(2)
            document.setHtml(f"<span>{rows.model().index(row, 0).data()}</span>")
            document.setTextWidth(delegate.text_width())
            if document.idealWidth() > rows.viewport().width() or \
                    document.size().height() > place.height():
                cut.append(f"row {row + 1} of the list cut at its right")
    for view in widget.findChildren(QGraphicsView):
        if not view.isVisibleTo(widget):
            continue
        seen = QRectF(view.viewport().rect()).adjusted(-1.5, -1.5, 1.5, 1.5)
        for axis in view.scene().items():
            if isinstance(axis, pg.AxisItem) and axis.isVisible() and axis.label.isVisible():
                margin = axis.label.document().documentMargin()
                text = axis.label.boundingRect().adjusted(margin, margin, -margin, -margin)
                drawn = view.viewportTransform().map(axis.label.mapToScene(text)).boundingRect()
                if not seen.contains(drawn):
                    cut.append(f"axis title {axis.label.toPlainText()!r} {drawn.getRect()}")
    return cut


FIT_CASES = [("13-xor-network.lesson.json", view) for view in
             ("landscape", "network", "loss", "data", "gradients", "stepper")] + \
            [("09-seed-w-squared.lesson.json", view) for view in ("landscape", "formula", "data")] + \
            [("11-rosenbrock-adam.lesson.json", "formula")]  # its derivatives wrap, uncut


@pytest.mark.parametrize("lesson, view", FIT_CASES)
@pytest.mark.parametrize("size", ["375x250", "800x500", "480x960", "1600x1000"])
def test_nothing_of_a_figure_is_cut_off_at_any_size_the_dialog_allows(figure, lesson, view, size):
    # 375x250 at 150 dpi is the smallest figure the dialog allows (6.4 × 4.2 cm).
    widget, spec = figure(lesson, view, size=size)
    assert cut_off(widget) == []
    assert_pixels(widget, spec, QImage.fromData(figure_bytes(widget, spec, ".png", "test")))


def test_a_formula_figure_puts_its_sections_in_a_grid_that_fits_unshrunk(figure):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea

    from simulator.ui.figures.painting import paper_size

    widget, spec = figure("09-seed-w-squared.lesson.json", "formula", size="1200x800")
    scroll = widget.findChild(QScrollArea)
    assert scroll.verticalScrollBar().maximum() == 0  # nothing below the figure's foot
    graph = widget.graph_view.geometry().translated(
        widget.graph_view.parentWidget().mapTo(scroll.viewport(), QPoint()))
    assert graph.bottom() <= scroll.viewport().height()
    assert widget.size().toTuple() == spec.layout == paper_size(widget).toTuple()  # unshrunk
    root = ET.fromstring(figure_bytes(widget, spec, ".svg", "test"))
    assert float(root.get("width")[:-2]) == pytest.approx(1200 / 150 * 25.4, abs=0.3)
    texts = "".join(root.itertext())
    assert "Step through the graph" not in texts
    assert {"Cost and slope", "Nudge test", "Computation graph"} <= set(re.findall(
        r"Cost and slope|Nudge test|Computation graph", texts))
    # 10 × 6.8 cm holds the cost and the graph beside it at 9 pt, without decoration.
    small, _ = figure("09-seed-w-squared.lesson.json", "formula", size="600x400")
    assert small.width() == 384 and small.graph_section.isVisibleTo(small)
    assert small.cost_section.isVisibleTo(small) and not small.cost_caption.isVisibleTo(small)


FORMULA_LESSONS = sorted(path.name for path in LESSONS.glob("*.lesson.json")
                         if load_lesson(path).problem.kind == "expression")


def test_every_formula_lesson_is_tested():
    assert {"09-seed-w-squared.lesson.json", "11-rosenbrock-adam.lesson.json"} <= \
        set(FORMULA_LESSONS)


@pytest.mark.parametrize("lesson", FORMULA_LESSONS)
def test_a_formula_figure_of_12_by_8_cm_at_300_dpi_holds_more_than_its_cost_at_9_to_11_points(
        figure, lesson):
    # Before: every formula lesson showed its cost and slope alone (the graph and the nudge
    # were left out whole), and Rosenbrock's graph in no figure at all. With its boxes and
    # tags sized to their numbers, the computation-graph lesson's graph fits in place of
    # the nudge test (the nudge goes first: test_figure_graph).
    widget, spec = figure(lesson, "formula", size="12x8cm", dpi=300)
    assert widget.cost_section.isVisibleTo(widget)
    assert widget.nudge_section.isVisibleTo(widget) or widget.graph_section.isVisibleTo(widget)
    assert cut_off(widget) == []
    points = text_points(figure_bytes(widget, spec, ".svg", "test"))
    assert points and all(LEAST_POINTS <= size <= MOST_POINTS for size, _ in points), \
        sorted(p for p in points if not LEAST_POINTS <= p[0] <= MOST_POINTS)[:3]
    assert_pixels(widget, spec, QImage.fromData(figure_bytes(widget, spec, ".png", "test")))


@pytest.mark.parametrize("lesson", ["09-seed-w-squared.lesson.json", "11-rosenbrock-adam.lesson.json",
                                    "12-himmelblau-momentum.lesson.json"])
@pytest.mark.parametrize("size, dpi, scale", [("12x8cm", 300, 1), ("375x250", 150, 2),
                                              ("1600x1000", 150, 1), ("480x960", 150, 3)])
def test_a_formula_png_has_exactly_its_pixels(qtbot, lesson, size, dpi, scale):
    # A formula figure was cut to its content's height: 1417 × 501 px for 1417 × 945.
    spec = figure_spec("formula", size, dpi, scale)
    widget = build_figure("formula", FigureState.of(workspace(lesson)), spec.layout)
    try:
        assert_pixels(widget, spec, QImage.fromData(figure_bytes(widget, spec, ".png", "test")))
    finally:
        close_figure(widget)


#: 9–11 pt, as Qt sets text: at whole pixels (the SVG says the size it drew), so an 11 pt
#: title (14.67 px) is 15 px, 11.25 pt
LEAST_POINTS, MOST_POINTS = 8.95, 11.3


def text_points(svg: bytes) -> list[tuple[float, str]]:
    """Return each label of an SVG with its size in points on paper (its size in mm / viewBox).

    A label holds a letter or a digit; a legend's marker glyph (◉) is not one.
    """
    root = ET.fromstring(svg)
    per_unit = float(root.get("width").removesuffix("mm")) / float(root.get("viewBox").split()[2])
    points = []

    def walk(element, size):
        size = float(element.get("font-size", size))
        text = "".join(element.itertext())
        if element.tag == f"{SVG}text" and any(c.isalnum() for c in text):
            # A text drawn scaled (the formula's graph) carries its scale in its transform.
            a, b = (float(x) for x in re.findall(r"[-\d.e]+", element.get(
                "transform", "matrix(1,0,0,1,0,0)"))[:2])
            points.append((size * math.hypot(a, b) * per_unit / 25.4 * 72, text))
        for child in element:
            walk(child, size)

    walk(root, 0)
    return points


@pytest.mark.parametrize("theme", ["screen", "print"])
@pytest.mark.parametrize("lesson, view", CASES)
def test_every_view_s_text_is_9_to_11_points_on_a_12_by_8_cm_figure_at_300_dpi(figure, lesson, view,
                                                                              theme):
    # A sub- or superscript (a weight's W[1] 0,0) is smaller by design: it follows a text of
    # 9–11 pt and is at least 0.6 of it. Every other text is 9–11 pt.
    widget, spec = figure(lesson, view, theme=theme, size="12x8cm", dpi=300)
    points = text_points(figure_bytes(widget, spec, ".svg", "test"))
    assert points
    assert max(size for size, _ in points) <= MOST_POINTS, max(points)
    base = None
    for size, text in points:
        if size >= LEAST_POINTS:
            base = size
        else:
            assert base is not None and size >= 0.6 * base, (round(size, 2), text)


def test_the_equations_figure_holds_its_longest_line_whole(qtbot):
    from PySide6.QtGui import QFontMetrics

    from simulator.ui.figures.equations import EQUATION_SCALE, PNG_SCALE, equation_bytes
    from simulator.ui.theme import ui_font

    longest = "J(w1, w2) = " + " + ".join(f"sin({k}·w1·w2)" for k in range(12))
    lines = [longest] + [f"∂J/∂w{k} = {k}·w{k}" for k in range(1, 20)]
    image = QImage.fromData(equation_bytes(lines, ".png"))
    metrics = QFontMetrics(ui_font(EQUATION_SCALE))
    assert image.width() >= PNG_SCALE * metrics.horizontalAdvance(longest)
    assert image.height() >= PNG_SCALE * len(lines) * metrics.lineSpacing()
    pixels = np.asarray(Image.open(io.BytesIO(equation_bytes(lines, ".png"))).convert("L"))
    assert pixels[:, -6:].min() > 200 and pixels[-6:, :].min() > 200  # a margin all round


@pytest.mark.x11
def test_the_3d_figure_s_svg_draws_the_same_in_librsvg_with_its_labels_as_text(figure):
    widget, spec = figure("11-rosenbrock-adam.lesson.json", "landscape3d")
    data = figure_bytes(widget, spec, ".svg", "test")
    root = ET.fromstring(data)
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    assert {"w1", "w2"} <= texts and "Log height" not in texts
    assert len(root.findall(f".//{SVG}image")) == 1  # the OpenGL picture; its labels are text
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert is not installed (Debian: librsvg2-bin)")
    width, height = spec.layout
    assert differing(rsvg(data, width, height), qt_svg(data, width, height)) < 0.02


@pytest.mark.x11
def test_a_second_3d_figure_draws_the_hiker_and_path_as_the_first_does(figure):
    # pyqtgraph keeps its line and scatter shader on the class, made in the first context:
    # unshared, the second figure drew no hiker and a red floor grid ("invalid value").
    def picture():
        widget, spec = figure("11-rosenbrock-adam.lesson.json", "landscape3d")
        image = Image.open(io.BytesIO(figure_bytes(widget, spec, ".png", "test")))
        return np.asarray(image.convert("RGB"))

    first, second = picture(), picture()
    red = (first[..., 0] > 180) & (first[..., 1] < 90) & (first[..., 2] < 90)
    assert red.sum() > 200  # the hiker's disc and the path
    assert differing(first, second) < 0.001


def test_the_app_s_opengl_contexts_share_their_objects():
    script = ("from PySide6.QtCore import QCoreApplication, Qt\n"
              "from simulator.ui.application import qt_application\n"
              "qt_application()\n"
              "print(QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert out.strip() == "True"


def test_a_network_figure_draws_the_trained_weights_not_the_first(figure):
    def texts(steps):
        ws = workspace("13-xor-network.lesson.json", steps)
        spec = figure_spec("network", "900x600", 150, 1, "screen")
        widget = build_figure("network", FigureState.of(ws), spec.layout)
        try:
            root = ET.fromstring(figure_bytes(widget, spec, ".svg", "test"))
        finally:
            close_figure(widget)
        return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]

    assert texts(0) != texts(300)  # the neurons' values and the edges' weights moved


def test_the_print_theme_s_pairs_of_colours_differ_in_grey():
    from simulator.ui.figures.catalog import PRINT

    def grey(colour):  # the luminance a grey-scale copier keeps (ITU-R 601)
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    for a, b in (("class0", "class1"), ("positive", "negative"), ("train_loss", "test_loss"),
                 ("step_arrow", "velocity_arrow"), ("background", "trail"),
                 ("hiker", "hiker_edge"), ("background", "text")):
        assert abs(grey(getattr(PRINT, a)) - grey(getattr(PRINT, b))) >= 40, (a, b)


def labels_out_of_the_plot(widget) -> list[str]:
    """Return the texts of a landscape's visible labels (next step, slope…) not wholly in its plot."""
    import pyqtgraph as pg

    box = widget.view_box.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
    return [item.textItem.toPlainText() for item in widget.view_box.addedItems
            if isinstance(item, pg.TextItem) and item.isVisible()
            and not box.contains(item.sceneBoundingRect())]


@pytest.mark.parametrize("lesson", ["09-seed-w-squared.lesson.json", "10-ravine.lesson.json",
                                    "11-rosenbrock-adam.lesson.json",
                                    "12-himmelblau-momentum.lesson.json"])
@pytest.mark.parametrize("size, dpi", [("375x330", 150), ("480x320", 150), ("12x8cm", 300)])
def test_the_landscape_s_labels_stay_inside_its_plot(figure, lesson, size, dpi):
    # 6.4 cm wide, "next step (shown ×31)" was wider than the plot: it wrapped to the plot's
    # width and its background covered the landscape. Now each label is one line (the step's
    # at most 0.7 of the plot's width); the step's scale is said in the legend, under the plot.
    widget, spec = figure(lesson, "landscape", size=size, dpi=dpi)
    assert labels_out_of_the_plot(widget) == []
    plot = widget.view_box.sceneBoundingRect()
    for label in (widget.step_label, widget.tangent_label):
        if label.isVisible():
            line = label.textItem.document().documentLayout().blockBoundingRect(
                label.textItem.document().firstBlock()).height()
            assert label.textItem.boundingRect().height() <= 1.5 * line, label.toPlainText()
            share = 0.7 if label is widget.step_label else 1.0  # a slope's value: its line
            assert label.textItem.boundingRect().width() <= share * plot.width() + 0.5
    legend = re.sub(r"<[^>]*>", "", widget.legend_label.text())
    assert "next step" in legend
    if "shown" not in widget.step_label.toPlainText() and lesson != "09-seed-w-squared.lesson.json":
        assert re.search(r"next step(, shown)? ×\d", legend) or size == "12x8cm", legend
    texts = "".join(ET.fromstring(figure_bytes(widget, spec, ".svg", "test")).itertext())
    assert "Log colour scale" not in texts and "Show all" not in texts


def test_a_zoomed_landscape_s_next_step_label_flips_inside_the_plot(figure):
    from PySide6.QtCore import QCoreApplication

    widget, _ = figure("09-seed-w-squared.lesson.json", "landscape")
    here = widget.hiker.getData()
    for x_range in ((here[0][0] - 0.05, here[0][0] + 1.5), (here[0][0] - 1.5, here[0][0] + 0.05)):
        widget.view_box.setRange(xRange=x_range, yRange=(-0.5, 3), padding=0)
        QCoreApplication.sendPostedEvents()
        assert widget.step_label.isVisible()
        assert labels_out_of_the_plot(widget) == [], x_range


@pytest.mark.parametrize("steps", [12, 300])
@pytest.mark.parametrize("size", ["375x250", "12x8cm"])
def test_the_gradients_plot_draws_its_end_dots_whole(qtbot, steps, size):
    from PySide6.QtCore import QPointF

    spec = figure_spec("gradients", size, 300 if size.endswith("cm") else 150, 1, "print")
    widget = build_figure("gradients", FigureState.of(workspace("13-xor-network.lesson.json",
                                                                steps)), spec.layout, "print")
    try:
        view = widget.plot_item.getViewBox()
        box = view.sceneBoundingRect()
        xs, ys = widget.dots.getData()
        assert len(xs) == 2
        for x, y in zip(xs, ys, strict=True):
            centre = view.mapViewToScene(QPointF(x, y))  # y is log10 already (log mode)
            radius = 11 * marks_scale("print") / 2 + 1
            assert box.adjusted(radius, radius, -radius, -radius).contains(centre), (x, y)
    finally:
        close_figure(widget)


def test_the_whole_window_s_svg_shows_its_menus_and_lists_as_qt_paints_them(make_controller, qtbot):
    # SVG Tiny has no clipping: the menu bar's fill covered the menus' names, and the dock
    # tab bar's tabs the last rows of the lesson list above it.
    from PySide6.QtCore import QCoreApplication

    from simulator.ui.main_window import MainWindow
    from simulator.ui.screen_fit import plan_for

    window = MainWindow(make_controller("09-seed-w-squared.lesson.json"))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.arrange_docks(plan_for(1366, 768))
    window.show()
    QCoreApplication.processEvents()
    spec = figure_spec("window", f"{window.width()}x{window.height()}", 96, 1, "screen")
    svg = figure_bytes(window, spec, ".svg", "test")
    texts = {"".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")}
    assert {"ile", "dit", "elp"} <= texts  # F̲ile, E̲dit, H̲elp: the mnemonic is its own text
    width, height = spec.layout
    painted = QImage.fromData(figure_bytes(window, spec, ".png", "test"))
    painted = painted.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(painted.constBits(), np.uint8).reshape(height, painted.bytesPerLine())
    renders = {"painted": rows[:, :width * 3].reshape(height, width, 3).copy(),
               "qt": qt_svg(svg, width, height)}
    if shutil.which("rsvg-convert") is not None:
        renders["librsvg"] = rsvg(svg, width, height)
    bar = window.menuBar().geometry()
    ink = {name: int((image[bar.top():bar.bottom(), bar.left():bar.right()].max(axis=2) < 100)
                     .sum()) for name, image in renders.items()}
    assert ink["painted"] > 50
    for name in renders.keys() - {"painted"}:
        assert ink[name] >= 0.8 * ink["painted"], (name, ink)
        assert differing(renders[name], renders["painted"]) < 0.03, name


def test_a_network_figure_that_fits_is_not_shrunk_for_its_first_layout(qtbot):
    # The first layout of a new diagram asked for 2 % more room than it needs: the figure
    # was shrunk to 98 % and its neurons' values came out at 8.1 pt.
    spec = figure_spec("network", "12x8cm", 300, 1, "print")
    widget = build_figure("network", FigureState.of(workspace("13-xor-network.lesson.json", 40)),
                          spec.layout, "print")
    try:
        assert (widget.width(), widget.height()) == spec.layout
    finally:
        close_figure(widget)


@pytest.mark.parametrize("lesson", ["13-xor-network.lesson.json", "11-rosenbrock-adam.lesson.json",
                                    "04-momentum-and-adam.lesson.json"])
def test_a_small_landscape_s_legend_is_a_thin_strip_and_the_plot_the_largest_part(figure, lesson):
    # At 6.4 × 4.2 cm the legend took three lines, near half the figure below the plot.
    widget, _ = figure(lesson, "landscape", size="375x250")
    legend = widget.legend_label
    area = widget.width() * widget.height()
    legend_share = legend.width() * legend.height() / area
    plot = widget.view_box.sceneBoundingRect()
    assert legend.isVisibleTo(widget) and "next step" in legend.text()
    assert legend.heightForWidth(legend.width()) <= 1.5 * legend.fontMetrics().lineSpacing()
    assert legend_share < 0.1 and plot.width() * plot.height() / area > 2 * legend_share
    assert "(" not in re.sub(r"<[^>]*>", "", legend.text())


def test_the_stepper_card_is_as_tall_as_its_lines(figure):
    # The card kept ~16 px of empty space under its value, and the sample's row the height
    # of its hidden buttons.
    for size, dpi in (("12x8cm", 300), ("1600x1000", 150)):
        widget, _ = figure("13-xor-network.lesson.json", "stepper", size=size, dpi=dpi)
        card, value = widget.title_label.parentWidget(), widget.value_label
        below = card.height() - (value.geometry().bottom() + 1)
        assert below <= card.layout().contentsMargins().bottom() + 2, (size, below)
        row = widget.sample_label.parentWidget()
        assert row.height() <= widget.sample_label.sizeHint().height() + 2


@pytest.mark.x11
@pytest.mark.parametrize("size, dpi", [("12x8cm", 300), ("375x250", 150)])
def test_the_3d_figure_s_labels_are_9_to_11_points_and_inside_it(figure, size, dpi):
    # At 12 × 8 cm the axes' names were 12.2 pt; at 6.4 cm the loss axis's ran off the left.
    widget, spec = figure("11-rosenbrock-adam.lesson.json", "landscape3d", size=size, dpi=dpi)
    points = text_points(figure_bytes(widget, spec, ".svg", "test"))
    assert {"w1", "w2", "loss (log height)"} <= {text for _, text in points}
    assert all(LEAST_POINTS <= size <= MOST_POINTS for size, _ in points), points
    from simulator.ui.figures.painting import label_points

    starts = {item.text: point.x() for item, point in label_points(widget.gl_view)}
    assert min(starts.values()) >= 0, starts  # the loss axis's values stood left of the edge


def _ink_right(image: np.ndarray, top: int, bottom: int) -> int:
    """Return the rightmost column with dark ink between two rows of an image."""
    columns = np.nonzero((image[top:bottom].min(axis=2) < 128).any(axis=0))[0]
    return int(columns.max()) if len(columns) else -1


@pytest.mark.parametrize("lesson, size", [("11-rosenbrock-adam.lesson.json", "1600x1000"),
                                          ("12-himmelblau-momentum.lesson.json", "1600x1200")])
def test_librsvg_ends_the_nudge_sentence_where_qt_paints_it(figure, lesson, size):
    # At the default size Rosenbrock's sentence reaches the figure's right edge. Qt set its
    # 10.8 pt text at 14 px and wrote 14.4 px: librsvg drew it 2.9 % wider, past the edge.
    # (Himmelblau's graph, its boxes as wide as their numbers, fits beside the sentence at
    # 1600 × 1000; at 1600 × 1200 it is below, and the sentence spans the figure.)
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert is not installed (Debian: librsvg2-bin)")
    from PySide6.QtCore import QPoint

    widget, spec = figure(lesson, "formula", size=size)
    sentence = widget.sentence
    assert sentence.isVisibleTo(widget)
    top = sentence.mapTo(widget, QPoint()).y()
    renders = _renders(widget, spec)
    line = (top, top + sentence.fontMetrics().lineSpacing())  # the sentence's first line
    ends = {name: _ink_right(image, *line) for name, image in renders.items()}
    assert ends["painted"] > 0.8 * spec.layout[0], ends  # a long line
    assert abs(ends["librsvg"] - ends["painted"]) <= 3, ends
    assert differing(renders["librsvg"], renders["painted"]) < 0.01


def test_a_wide_formula_figure_holds_rosenbrock_s_graph_left_to_right(figure):
    # Left to right, each gap was as wide as the widest tag of the graph: 2268 px at scale 1,
    # in no figure at 9 pt. Each gap as wide as its own tags: 1574 px, and 40.6 × 16.9 cm
    # holds it, uncut, at 9–11 pt.
    widget, spec = figure("11-rosenbrock-adam.lesson.json", "formula", size="2400x1000")
    assert widget.graph_section.isVisibleTo(widget) and not widget._drawing.vertical
    assert cut_off(widget) == []
    points = text_points(figure_bytes(widget, spec, ".svg", "test"))
    assert all(LEAST_POINTS <= size <= MOST_POINTS for size, _ in points)
