"""Presenter mode on a projector: every built-in lesson's steps fit the stage at three sizes.

Measured on the real window: each visible widget lies inside its panel, each label's text
fits its width, the landscape (when shown) is the largest panel, the type is large for the
stage, and the mouse-only controls are hidden while presenting and come back after.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QGraphicsItem,
    QLabel,
    QLayout,
    QWidget,
)

from simulator.lessons.catalog import lessons_dir
from simulator.ui.launch import make_window
from simulator.ui.presenter_fit import FIT_RANGE, fit_factor, interactive_only
from simulator.ui.views.formula_view import GRAPH_MAX_SCALE, GRAPH_MIN_SCALE

SIZES = [QSize(1024, 768), QSize(1366, 768), QSize(1920, 1080)]
LESSONS = sorted(p.name.removesuffix(".lesson.json")
                 for p in lessons_dir().glob("*.lesson.json"))


def open_window(qtbot, name: str):
    w = make_window(str(lessons_dir() / f"{name}.lesson.json"), reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def close_window(w) -> None:
    if w.presenter.presenting:
        w.presenter.leave()
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


def present_at(qtbot, w, size: QSize) -> QWidget:
    """Enter presenter mode on a stage of this size; return the stage."""
    w.presenter.enter()
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(size)
    stage = w.presenter.stage
    qtbot.waitUntil(lambda: stage.size() == size, timeout=3000)
    qtbot.waitUntil(lambda: w.presenter._fit == w.presenter._fit_now(), timeout=3000)
    settle(qtbot)
    return stage


def settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def panels_on_stage(w) -> dict[str, QWidget]:
    stage = w.presenter.stage
    views = {name: v for name, v in w.presenter_views().items()
             if stage.isAncestorOf(v) and v.isVisible()}
    return {**views, "lesson panel": w.lesson_panel}


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    # QWidget's own size(): a view's widget may keep a number of its own under that name
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), QWidget.size(widget))


def scrolled_by(widget: QWidget, panel: QWidget) -> QAbstractScrollArea | None:
    """Return the scroll area between a widget and its panel whose content it is, if any."""
    parent = widget.parentWidget()
    while parent is not None and parent is not panel:
        owner = parent.parentWidget()
        if isinstance(owner, QAbstractScrollArea) and parent is owner.viewport():
            return owner
        parent = owner
    return None


def plain(label: QLabel) -> str:
    if label.textFormat() == Qt.TextFormat.PlainText or "<" not in label.text():
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def misfits(w) -> list[str]:
    """Return what does not fit on the stage: widgets out of their panel, labels cut."""
    found = []
    for name, panel in panels_on_stage(w).items():
        inside = panel.rect().adjusted(-1, -1, 1, 1)
        for child in panel.findChildren(QWidget):
            if not child.isVisible() or child.width() <= 0:
                continue
            scroll = scrolled_by(child, panel)
            where = rect_in(child, panel)
            if scroll is not None:
                view = rect_in(scroll.viewport(), panel).adjusted(-1, 0, 1, 0)
                if where.left() < view.left() or where.right() > view.right():
                    found.append(f"{name}: {type(child).__name__} {plain_of(child)} "
                                 f"runs off {where} (viewport {view})")
            elif not inside.contains(where):
                found.append(f"{name}: {type(child).__name__} {plain_of(child)} is outside "
                             f"{inside} at {where}")
            if isinstance(child, QLabel) and child.pixmap().isNull():
                found.extend(f"{name}: {cut}" for cut in cut_text(child))
        found.extend(f"{name}: {overlap}" for overlap in overlaps(panel))
    return found


def laid_out(layout: QLayout) -> list[QWidget]:
    """Return the widgets a layout and the layouts in it place."""
    widgets = []
    for k in range(layout.count()):
        item = layout.itemAt(k)
        if item.widget() is not None:
            widgets.append(item.widget())
        elif item.layout() is not None:
            widgets.extend(laid_out(item.layout()))
    return widgets


def overlaps(panel: QWidget) -> list[str]:
    """Return the visible widgets one layout places over each other (given less than their minimum)."""
    found = []
    for owner in [panel, *panel.findChildren(QWidget)]:
        if owner.layout() is None or not owner.isVisible():
            continue
        placed = [(c, c.geometry()) for c in laid_out(owner.layout())
                  if c.isVisible() and c.height() > 0 and c.width() > 0]
        for k, (a, ra) in enumerate(placed):
            for b, rb in placed[k + 1:]:
                if ra.intersects(rb):
                    found.append(f"{type(a).__name__} {plain_of(a)} at {ra} overlaps "
                                 f"{type(b).__name__} {plain_of(b)} at {rb}")
    return found


def plain_of(widget: QWidget) -> str:
    return repr(plain(widget)[:40]) if isinstance(widget, QLabel) else ""


def cut_text(label: QLabel) -> list[str]:
    text = plain(label).strip()
    if not text:
        return []
    metrics = label.fontMetrics()
    width = label.contentsRect().width() - 2 * label.margin() - label.indent() + 1
    if label.wordWrap():
        longest = max(text.split(), key=metrics.horizontalAdvance)
        if metrics.horizontalAdvance(longest) > width:
            return [f"{longest!r} is wider than its label ({width} px)"]
        return []
    wide = max(metrics.horizontalAdvance(line) for line in text.splitlines())
    return [f"{text[:40]!r} needs {wide} px, has {width}"] if wide > width else []


def area(widget: QWidget) -> int:
    return widget.width() * widget.height()


@pytest.mark.parametrize("name", LESSONS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_every_step_fits_the_stage(qtbot, name, size):
    w = open_window(qtbot, name)
    try:
        defaults = {*w.presenter_default_panels(), "lesson panel"}
        stage = present_at(qtbot, w, size)
        steps = len(w.controller.workspace.lesson.steps)
        for k in [None, *range(steps)]:
            if k is not None:
                assert w.controller.go_to_step(k)
            settle(qtbot)
            where = f"{name} step {k} at {size.width()}x{size.height()}"
            assert misfits(w) == [], where
            panels = panels_on_stage(w)
            assert stage.isAncestorOf(w.lesson_panel), where
            if k is None:  # the title page: the landscape and the explainer the lesson has
                assert set(panels) == defaults, where
            if "landscape" in panels:
                largest = max(panels.values(), key=area)
                assert area(panels["landscape"]) >= area(largest), where
            assert stage.fontInfo().pixelSize() >= size.height() / 60, where
            # Nobody scrolls a projector: the step's text fits its box, set smaller if need be.
            text = w.lesson_panel.text
            assert text.verticalScrollBar().maximum() == 0, where
            smallest = text.font().pointSizeF() * 0.7
            assert text.document().defaultFont().pointSizeF() >= smallest - 0.01, where
    finally:
        close_window(w)


@pytest.mark.parametrize(("name", "step"), [("06-backpropagation-through-a-network", 0),
                                          ("14-circle-network", None)])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_diagram_s_legend_lies_below_its_neurons_in_a_short_panel(qtbot, name, step, size):
    # Lesson 06's first step puts the diagram in the stage's lower row, about 300 pixels high
    # at 768: the diagram kept its minimum of 200 and the legend was laid over its bottom row.
    w = open_window(qtbot, name)
    try:
        present_at(qtbot, w, size)
        if step is not None:
            assert w.controller.go_to_step(step)
        settle(qtbot)
        net = w.network
        qtbot.waitUntil(lambda: bool(net.layers), timeout=5000)
        assert on_the_stage(w, net)
        diagram, legend = rect_in(net.diagram, net), rect_in(net.legend, net)
        assert legend.top() > diagram.bottom(), (diagram, legend)
        height = net.diagram.viewport().height()
        for layer in net.layers:
            assert min(layer.ys) - layer.radius >= 0
            assert max(layer.ys) + layer.radius <= height, (max(layer.ys), layer.radius, height)
    finally:
        close_window(w)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_landscape_s_axis_tags_cover_none_of_the_stepper_s_values(qtbot, size):
    # Lesson 06's forward pass: the stepper writes "z = 0.2" right of hidden neuron 0, where
    # the X tag on W2[0,0] (the landscape's x axis) was pinned, a third along that edge.
    w = open_window(qtbot, "06-backpropagation-through-a-network")
    try:
        present_at(qtbot, w, size)
        assert w.controller.go_to_step(1)
        net = w.network
        qtbot.waitUntil(lambda: net.step_overlay.isVisible() and bool(net.step_overlay.marks.tags),
                        timeout=5000)
        settle(qtbot)
        values = net.step_overlay.tag_rects()
        assert [t[1] for t in net.step_overlay.marks.tags] == ["z = 0.2"]
        x, y = (net.tags[k].sceneBoundingRect() for k in ("x", "y"))
        assert net.tags["x"].isVisible() and net.tags["y"].isVisible()
        for rect in values:
            assert not x.intersects(rect) and not y.intersects(rect), (x, y, rect)
        assert not x.intersects(y)
        area = net.diagram.scene().sceneRect()
        assert area.contains(x) and area.contains(y)
    finally:
        close_window(w)


def test_the_mouse_only_controls_hide_while_presenting_and_come_back(qtbot):
    w = open_window(qtbot, "06-backpropagation-through-a-network")
    try:
        boxes = [w.network.thumbnails_check, w.network.stepper_button, w.network.inspector.hint]
        shown = [b.isVisibleTo(w) for b in boxes]
        present_at(qtbot, w, SIZES[0])
        assert all(interactive_only(b) for b in boxes)
        assert not any(b.isVisible() for b in boxes)
        w.network.inspector.hint.show()  # the view shows its hint again: it stays hidden
        assert not w.network.inspector.hint.isVisible()
        w.presenter.leave()
        settle(qtbot)
        assert [b.isVisibleTo(w) for b in boxes] == [True, *shown[1:2], True]
    finally:
        close_window(w)


def test_the_diagram_on_the_stage_is_drawn_afresh_not_from_its_old_picture(qtbot):
    # Its layers keep pictures of themselves (DeviceCoordinateCache); moved onto the stage
    # and laid out larger, the hidden layer was drawn from its picture of before: small
    # neurons reading 0.00 over the new ones. Drawn with the pictures turned off is the truth.
    w = open_window(qtbot, "06-backpropagation-through-a-network")
    try:
        qtbot.waitUntil(lambda: bool(w.network.layers), timeout=5000)
        qtbot.wait(500)  # painted at the window's size: the layers' pictures are made
        present_at(qtbot, w, SIZES[0])
        qtbot.wait(500)
        for _ in range(2):  # to step 2, the stepper's forward pass through the hidden layer
            w.presenter.next_step()
            qtbot.wait(500)
        cached = w.network.grab().toImage()
        for item in w.network.diagram.scene().items():
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        settle(qtbot)
        fresh = w.network.grab().toImage()
        assert cached.size() == fresh.size()
        differ = sum(1 for y in range(0, fresh.height(), 2) for x in range(0, fresh.width(), 2)
                     if max(abs(a - b) for a, b in zip(QColor(cached.pixel(x, y)).getRgb()[:3],
                                                       QColor(fresh.pixel(x, y)).getRgb()[:3],
                                                       strict=True)) > 40)
        assert differ == 0, f"{differ} of every 4th pixel differ from the diagram drawn afresh"
    finally:
        close_window(w)


def test_the_scale_is_fitted_to_the_stage_size():
    assert fit_factor(QSize(1920, 1080)) == 1.0
    assert fit_factor(QSize(1366, 768)) == pytest.approx(768 / 1080)
    assert fit_factor(QSize(1024, 768)) == FIT_RANGE[0]  # 1024/1920 is below the floor
    assert fit_factor(QSize(3840, 2160)) == 2.0
    assert fit_factor(QSize(0, 0)) == 1.0


def test_the_data_panel_says_what_the_dots_mean_but_not_what_clicks_do_on_the_stage(qtbot):
    # A projector's audience cannot click: "click: add class 1 · Shift+click…" is the window's.
    w = open_window(qtbot, "06-backpropagation-through-a-network")
    try:
        data = w.data
        assert "Shift+click" in data.hints.text() and data.hints.isVisibleTo(w)
        assert "click" not in plain(data.caption).lower()
        present_at(qtbot, w, SIZES[0])
        w.controller.go_to_step(0)  # the data large, the diagram and the loss beside it
        settle(qtbot)
        assert on_the_stage(w, data)
        assert "filled: training, hollow: test" in plain(data.caption) and data.caption.isVisible()
        assert not data.hints.isVisible()
        w.presenter.leave()
        settle(qtbot)
        assert data.hints.isVisibleTo(w)
    finally:
        close_window(w)


def on_the_stage(w, widget: QWidget) -> bool:
    stage = w.presenter.stage
    return stage is not None and stage.isAncestorOf(widget) and widget.isVisible()


@pytest.mark.parametrize("name", ["01-what-a-derivative-tells-you", "02-sympy-does-it-for-us",
                                  "03-hiking-down-the-mountain", "07-computation-graphs"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_formula_panel_fits_the_stage_whole(qtbot, name, size):
    # The nudge table was cut at 1024 and 1366 pixels, and lesson 07's graph at 1920: the
    # panel scrolled, and nobody scrolls a projector. Its type is fitted to the stage's height.
    w = open_window(qtbot, name)
    try:
        present_at(qtbot, w, size)
        formula = w.formula
        bar = formula.scroll.verticalScrollBar()
        for k in [None, *range(len(w.controller.workspace.lesson.steps))]:
            if k is not None:
                assert w.controller.go_to_step(k)
            settle(qtbot)
            if not on_the_stage(w, formula):
                continue
            where = f"{name} step {k} at {size.width()}x{size.height()}"
            qtbot.waitUntil(lambda: not w.presenter.heights._timer.isActive(), timeout=5000)
            assert bar.maximum() == 0, where
            shown = formula.scroll.viewport().rect()
            for part in (formula.nudge_labels["ratio"], formula.graph_view):
                place = QRect(part.mapTo(formula.scroll.viewport(), QPoint(0, 0)), part.size())
                assert shown.contains(place), (where, part, place, shown)
            # The table's numbers stay at least a 72nd of the height (11 px at 768: the least
            # lesson 07's graph and table leave them on a 1024 stage).
            assert formula.nudge_labels["ratio"].fontInfo().pixelSize() >= size.height() / 72, where
        w.presenter.leave()
        assert formula.graph_scales == (GRAPH_MIN_SCALE, GRAPH_MAX_SCALE)
        assert formula.nudge_labels["ratio"].font().pointSizeF() == pytest.approx(
            formula._mono.pointSizeF())
    finally:
        close_window(w)


@pytest.mark.parametrize("name", ["05-one-neuron-by-hand"])
@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s.width()}x{s.height()}")
def test_a_step_s_large_network_has_most_of_the_stage_s_height(qtbot, name, size):
    # Lesson 05's diagram was a strip 40 px high under the landscape at 1366x768.
    w = open_window(qtbot, name)
    try:
        stage = present_at(qtbot, w, size)
        net = w.network
        steps = w.controller.workspace.lesson.steps
        for k, step in enumerate(steps):
            if step.show is None or step.show.large != "network":
                continue
            assert w.controller.go_to_step(k)
            settle(qtbot)
            where = f"{name} step {k} at {size.width()}x{size.height()}"
            assert net.diagram.isVisible(), where
            assert net.diagram.height() >= 0.35 * stage.height(), where
            assert not net.sample_spin.isVisible(), where
            assert net.gradient_check.isVisible(), where  # lessons 06 and 08: "Tick Gradients"
            viewport = net.diagram.viewport()
            seen = QRect(QPoint(0, 0), viewport.size())
            for layer in net.layers:
                for y in layer.ys:
                    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                        p = net.diagram.mapFromScene(layer.x + dx * layer.radius,
                                                     y + dy * layer.radius)
                        assert seen.contains(p), f"{where}: a neuron of layer {layer.layer}"
    finally:
        close_window(w)
