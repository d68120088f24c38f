"""The data view: the dataset's points over what the network answers at every input.

For two inputs the network's output is a heatmap (its probability of class 1, or the
class it picks) with the 0.5 decision boundary as a line; for one input it is the fitted
curve through the points. The network's answer comes as a ``DecisionMap`` computed in the
background (``set_decision``); clicks ask for points to be added or removed.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QLabel, QStackedWidget, QVBoxLayout, QWidget

from simulator.workspace.frames import DecisionMap, ProblemInfo
from simulator.workspace.grid_requests import class_one_probability

from ..presenter_fit import HIDES
from ..theme import LOSS_COLORMAP, OKABE_ITO, Theme, current_theme, theme_manager, ui_font
from .on_screen import DrawsWhenSeen

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
#: How close (in screen pixels) a right-click must be to a point to delete it.
PICK_PIXELS = 12
#: How strongly the heatmap tints the background at full confidence (0–1): less on a dark
#: background, where a strong tint would swallow the hollow test points of the same hue.
TINT = {"light": 0.45, "dark": 0.32}

NO_LESSON = "Open a lesson to see its data here."
FOLLOW_HINT = "Ctrl+click a training point: the stepper and the diagram follow it"
FORMULA_NOTE = ("A formula has no data: the cost J is the whole problem.\n\n"
                "Watch the hiker on the landscape and the loss curve instead.")

PLANE_TIP = ("Filled dots are training points, hollow dots test points. The background is "
             "the network's answer at each spot; the line is its decision boundary.\n"
             "Click: add a class 1 point · Shift+click: add a class 0 point · "
             "Right-click a point: delete it")
WIDE_TIP = ("The first two of the data's columns; the background is the network's answer "
            "with every other column at its training mean. Points of wider data are not added "
            "by clicking (import them instead).\nRight-click a point: delete it")
LINE_TIP = ("Filled dots are training points, hollow dots test points; the line (or the "
            "background) is the network's output.\n"
            "Click: add a point there · Right-click a point: delete it")


def _mix(a: QColor, b: QColor, t: float) -> tuple[int, int, int]:
    return tuple(round((1 - t) * ca + t * cb) for ca, cb in
                 ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue())))


def diverging_lut(theme: Theme, size: int = 256) -> np.ndarray:
    """Return a size × 4 colour table from class 0 (at 0) through the background to class 1.

    Both ends are Okabe–Ito hues (orange and blue), told apart with every common form of
    colour blindness; the middle, where the network is unsure, is the plain background.
    """
    bg, c0, c1 = QColor(theme.background), QColor(theme.class0), QColor(theme.class1)
    tint = TINT.get(theme.name, TINT["light"])
    lut = np.empty((size, 4), dtype=np.ubyte)
    for k, t in enumerate(np.linspace(0.0, 1.0, size)):
        towards, strength = (c1, t - 0.5) if t >= 0.5 else (c0, 0.5 - t)
        lut[k, :3] = _mix(bg, towards, tint * 2.0 * strength)
        lut[k, 3] = 255
    return lut


def class_colours(theme: Theme, count: int) -> list[str]:
    """Return a colour per class: the theme's two class colours, then other Okabe–Ito hues.

    The extra hues leave out both blues, which would be mistaken for class 1.
    """
    extra = [c for c in OKABE_ITO if c not in ("#56B4E9", "#0072B2", "#E69F00")]
    palette = [theme.class0, theme.class1] + extra
    return palette[:count] if count > 2 else palette[:2]


def class_of(y: np.ndarray) -> np.ndarray:
    """Return the class index of each target row (a 0/1 value, a class index or one-hot)."""
    if y.shape[1] == 1:
        return np.clip(np.rint(y[:, 0]), 0, None).astype(int)
    return np.argmax(y, axis=1)


class DataView(DrawsWhenSeen, QWidget):
    """The dataset over the network's output, editable by clicking.

    Inbound: ``set_problem(ProblemInfo)`` and ``set_decision(DecisionMap)``. Outbound:
    ``planePointAdded(x₁, x₂, class)`` and ``linePointAdded(x, y)`` (a point's inputs then
    its target, as ``add_point`` takes them) and ``pointRemoved(index)``.

    Parameters
    ----------
    parent
        The parent widget.
    """

    planePointAdded = Signal(float, float, float)
    linePointAdded = Signal(float, float)
    pointRemoved = Signal(int)
    sampleChosen = Signal(int)  # a training point to follow (Ctrl+click)
    INTENTS = {"planePointAdded": "add_point", "linePointAdded": "add_point",
               "pointRemoved": "remove_point", "sampleChosen": "set_sample"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mode: str | None = None  # "plane" (2 inputs), "line" (1 input) or None
        self._dataset = None
        self._classification = True
        self._class_names: tuple[str, ...] = ()  # imported words for the classes, if any
        self._click_class = 1  # the class a plain click adds (a digit key chooses another)
        self._result: DecisionMap | None = None  # the last one drawn, redrawn on a theme change

        self.caption = QLabel()
        self.caption.setFont(ui_font(1.1))
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        # What the mouse does: the window's; presenter mode hides it (nobody clicks a projector).
        self.hints = QLabel()
        self.hints.setFont(ui_font(1.0))
        self.hints.setTextFormat(Qt.TextFormat.PlainText)
        self.hints.setWordWrap(True)
        self.hints.setProperty(HIDES, True)
        self.note = QLabel(NO_LESSON)
        self.note.setFont(ui_font(1.3))
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setMargin(24)

        self.plot_widget = pg.PlotWidget()
        self.plot_item = plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)  # right-click deletes a point here, it opens no menu
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        for name in ("left", "bottom"):
            plot.getAxis(name).setTickFont(ui_font(1.0))

        self.heatmap = pg.ImageItem(axisOrder="row-major")
        self.heatmap.setZValue(-10)
        plot.addItem(self.heatmap)
        self.boundary = pg.PlotCurveItem(connect="pairs", antialias=True)  # traced in the pool
        self.boundary.setZValue(-5)
        plot.addItem(self.boundary)
        self.fit_curve = pg.PlotDataItem()
        plot.addItem(self.fit_curve)
        self.train_points = pg.ScatterPlotItem(size=11)
        self.test_points = pg.ScatterPlotItem(size=11)
        # Kept as pictures at screen size: the map, its boundary and the points change with
        # a new decision map or new data, not with each trace that moves the ring.
        for item in (self.heatmap, self.boundary, self.train_points, self.test_points):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.train_points)
        plot.addItem(self.test_points)
        self.followed = pg.ScatterPlotItem(size=24, symbol="o", brush=None)  # the sample followed
        self.followed.setZValue(5)
        plot.addItem(self.followed)
        self.followed_sample: int | None = None
        self._ring_colour: str | None = None
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.caption)
        page_layout.addWidget(self.hints)
        page_layout.addWidget(self.plot_widget, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(page)
        self.pages.addWidget(self.note)
        self.pages.setCurrentWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)

        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    # ----- the problem and its points ------------------------------------------------------

    def set_problem(self, info: ProblemInfo) -> None:
        """Draw a new problem's points (a formula, or more than two inputs, gets a note)."""
        self.forget_drawings()
        if not info.is_network:
            self._show_note(FORMULA_NOTE)
            return
        dataset = info.problem.dataset
        self.mode = "plane" if dataset.inputs >= 2 else "line"
        self._class_names = info.class_names
        self._click_class = min(self._click_class, max(dataset.classes - 1, 1))
        self._dataset = dataset
        self._classification = dataset.kind == "classification"
        self._result = None
        self.pages.setCurrentIndex(0)
        plane = self.mode == "plane"
        self.heatmap.setVisible(plane)
        self.fit_curve.setVisible(not plane)
        self.plot_widget.setToolTip(WIDE_TIP if dataset.inputs > 2 else PLANE_TIP
                                    if plane and self._classification else LINE_TIP)
        self.plot_item.setAspectLocked(plane)
        self._draw_points()
        self._label_axes()
        low, high = self._extent()
        if plane:
            self.plot_item.setRange(xRange=(low[0], high[0]), yRange=(low[1], high[1]), padding=0)
        else:
            targets = self._all_targets()[:, 0]
            pad = max(0.1 * float(np.ptp(targets)), 0.1)
            self.plot_item.setRange(xRange=(low[0], high[0]),
                                    yRange=(targets.min() - pad, targets.max() + pad), padding=0)

    def _show_note(self, text: str) -> None:
        self.mode, self._dataset, self._result = None, None, None
        self.note.setText(text)
        self.pages.setCurrentWidget(self.note)

    def _extent(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the inputs' range padded by a tenth (as the decision grid is padded)."""
        x = self._all_inputs()
        low, high = x.min(axis=0), x.max(axis=0)
        pad = np.maximum((high - low) * 0.1, 0.1)
        return low - pad, high + pad

    def _all_inputs(self) -> np.ndarray:
        d = self._dataset
        return np.vstack([d.x_train, d.x_test])

    def _all_targets(self) -> np.ndarray:
        d = self._dataset
        return np.vstack([d.y_train, d.y_test])

    def point_positions(self) -> np.ndarray:
        """Return where each point is drawn (training points first, then test points)."""
        if self.mode == "plane":
            return self._all_inputs()[:, :2]
        return np.column_stack([self._all_inputs()[:, 0], self._all_targets()[:, 0]])

    def _draw_points(self) -> None:
        if self.mode is None:
            return
        theme = current_theme()
        d = self._dataset
        positions = self.point_positions()
        train, test = positions[:len(d.x_train)], positions[len(d.x_train):]
        if self.mode == "line" or not self._classification:
            colours = self._target_colours(theme)
            train_colours, test_colours = colours[:len(d.x_train)], colours[len(d.x_train):]
        else:
            palette = class_colours(theme, d.classes)
            train_colours = [palette[min(k, len(palette) - 1)] for k in class_of(d.y_train)]
            test_colours = [palette[min(k, len(palette) - 1)] for k in class_of(d.y_test)]
        edge = pg.mkPen(theme.background, width=1.5)
        self.train_points.setData(
            pos=train, brush=[pg.mkBrush(c) for c in train_colours], pen=edge)
        self.test_points.setData(
            pos=test, brush=pg.mkBrush(None),
            pen=[pg.mkPen(c, width=2.5) for c in test_colours])

    def _target_colours(self, theme: Theme) -> list[str]:
        """Return one colour per point for regression targets (one hue on a line, else viridis)."""
        targets = self._all_targets()[:, 0]
        if self.mode == "line":
            return [theme.class1] * len(targets)
        cmap = pg.colormap.get(LOSS_COLORMAP)
        low, high = float(targets.min()), float(targets.max())
        scaled = (targets - low) / (high - low) if high > low else np.full_like(targets, 0.5)
        return [c.name() for c in cmap.mapToQColor(scaled)]

    def _label_axes(self) -> None:
        theme = current_theme()
        style = {"color": theme.text, "font-size": f"{ui_font(1.1).pointSizeF():.0f}pt"}
        bottom, left = ("x₁", "x₂") if self.mode == "plane" else ("x", "y")
        self.plot_item.setLabel("bottom", bottom, **style)
        self.plot_item.setLabel("left", left, **style)
        self.caption.setText(self._caption_text(theme))
        self.hints.setText(self._hint_text())

    def _class_label(self, k: int) -> str:
        """Return how the legend names class k: its imported name, or "class k"."""
        names = self._class_names
        return escape(names[k]) if k < len(names) else f"class {k}"

    def _caption_text(self, theme: Theme) -> str:
        """Return the legend: what the colours and the filled and hollow dots mean."""
        classes = ""
        if self._classification and (self.mode == "plane" or self._dataset.inputs > 2):
            palette = class_colours(theme, self._dataset.classes)
            classes = " ".join(f"<span style='color:{c}'>●</span> {self._class_label(k)}"
                               for k, c in enumerate(palette[:self._dataset.classes or 2]))
            classes += " &nbsp;·&nbsp; "
        if self._dataset.inputs > 2:
            wide = self._dataset.inputs
            rest = "x₃" if wide == 3 else f"x₃…x{str(wide).translate(SUBSCRIPTS)}"
            return (f"{classes}x₁, x₂ of {wide} columns; the background holds {rest} at "
                    f"their mean · filled: training, hollow: test")
        if self.mode == "plane":
            colour = "" if self._classification else "colour: target value (viridis) &nbsp;·&nbsp; "
            return f"{classes}{colour}filled: training, hollow: test"
        return (f"<span style='color:{theme.class1}'>●</span> training "
                f"<span style='color:{theme.class1}'>○</span> test &nbsp;·&nbsp; "
                f"<span style='color:{theme.trail}'>━</span> the network's fit")

    def _hint_text(self) -> str:
        """Return what the mouse (and the digit keys) do here: for the window, not the stage."""
        if self._dataset.inputs > 2:
            clicks = "right-click: delete"
        elif self.mode == "plane" and self._classification:
            count = self._dataset.classes
            keys = "" if count <= 2 else f" · keys 0–{count - 1} choose the class a click adds"
            clicks = (f"click: add class {self._click_class} · Shift+click: add class 0{keys} · "
                      f"right-click: delete")
        else:
            clicks = "click: add a point · right-click: delete"
        return f"{clicks}\n{FOLLOW_HINT}"

    # ----- the network's output --------------------------------------------------------------

    def set_decision(self, result: DecisionMap) -> None:
        """Draw the network's outputs over the inputs (a grid that does not fit is ignored)."""
        self.draw_when_seen("decision", lambda: self._draw_decision(result))

    def _draw_decision(self, result: DecisionMap) -> None:
        xs, ys, outputs = result.xs, result.ys, result.outputs
        if self.mode == "plane" and ys is not None and outputs.ndim == 3:
            self._result = result
            self._draw_plane(np.asarray(xs), np.asarray(ys), np.asarray(outputs, dtype=float),
                             result.boundary)
        elif self.mode == "line" and ys is None:
            self._result = result
            out = np.asarray(outputs, dtype=float).reshape(len(xs), -1)[:, 0]
            ok = np.isfinite(out)
            self.fit_curve.setData(np.asarray(xs, dtype=float)[ok], out[ok])

    def _draw_plane(self, xs: np.ndarray, ys: np.ndarray, outputs: np.ndarray,
                    boundary: np.ndarray | None) -> None:
        theme = current_theme()
        classes = outputs.shape[2]
        if not self._classification:
            values = np.nan_to_num(outputs[:, :, 0], nan=0.5, posinf=1.0, neginf=0.0)
            values = np.ascontiguousarray(values, dtype=np.float32)
            targets = self._all_targets()[:, 0]
            low = float(min(targets.min(), values.min()))
            high = float(max(targets.max(), values.max()))
            lut = pg.colormap.get(LOSS_COLORMAP).getLookupTable(nPts=256, alpha=False)
            self.heatmap.setImage(values, levels=(low, max(high, low + 1e-12)), lut=lut)
        elif classes <= 2:
            self.heatmap.setImage(class_one_probability(outputs), levels=(0.0, 1.0),
                                  lut=self._lut)
        else:
            outputs = np.nan_to_num(outputs, nan=0.5, posinf=1.0, neginf=0.0)
            self.heatmap.setImage(self._class_image(outputs, theme), levels=(0, 255), lut=None)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        # Pixel (i, j) is centred on (xs[j], ys[i]): the image starts half a pixel before xs[0].
        self.heatmap.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        drawn = boundary is not None and self._classification and classes <= 2
        self.boundary.setVisible(drawn)
        if drawn:
            self.boundary.setData(boundary[:, 0], boundary[:, 1], connect="pairs")

    def _class_image(self, outputs: np.ndarray, theme: Theme) -> np.ndarray:
        """Return an RGBA image: the colour of the class picked, stronger where it is surer."""
        classes = outputs.shape[2]
        palette = np.array([QColor(c).getRgb()[:3] for c in class_colours(theme, classes)],
                           dtype=float)
        palette = np.vstack([palette, np.repeat(palette[-1:], classes - len(palette), 0)])
        bg = np.array(QColor(theme.background).getRgb()[:3], dtype=float)
        picked = np.argmax(outputs, axis=2)
        surest = np.max(outputs, axis=2)
        confidence = np.clip((surest - 1.0 / classes) / (1.0 - 1.0 / classes), 0.0, 1.0)
        strength = (TINT.get(theme.name, TINT["light"]) * confidence)[:, :, None]
        rgb = (1 - strength) * bg + strength * palette[picked]
        image = np.empty(outputs.shape[:2] + (4,), dtype=np.ubyte)
        image[:, :, :3] = np.rint(rgb)
        image[:, :, 3] = 255
        return image

    def set_trace(self, trace) -> None:
        """Ring the training point the diagram and the stepper follow."""
        self.followed_sample = trace.sample
        self.draw_when_seen("trace", lambda: self._ring(trace))

    def _ring(self, trace) -> None:
        positions = self.point_positions() if self.mode is not None else np.zeros((0, 2))
        if self._dataset is None or trace.sample >= len(self._dataset.x_train):
            self.followed.setData([])
            return
        x, y = positions[trace.sample]
        colour = current_theme().text
        shown_x, shown_y = self.followed.getData()
        if len(shown_x) == 1 and (shown_x[0], shown_y[0], self._ring_colour) == (x, y, colour):
            return  # the same point ringed already: nothing to repaint
        self._ring_colour = colour
        self.followed.setData([x], [y], pen=pg.mkPen(colour, width=2.5))

    # ----- editing by clicking ---------------------------------------------------------------

    def _clicked(self, event) -> None:
        if self.mode is None or event.double():
            return
        view = self.plot_item.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        where = view.mapSceneToView(event.scenePos())
        if event.button() == Qt.MouseButton.LeftButton and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            index = self.point_near(where.x(), where.y())
            if index is not None and index < len(self._dataset.x_train):
                self.sampleChosen.emit(index)
        elif event.button() == Qt.MouseButton.LeftButton and self._dataset.inputs <= 2:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.add_point(where.x(), where.y(), 0 if shift else self._click_class)
        elif event.button() == Qt.MouseButton.RightButton:
            index = self.point_near(where.x(), where.y())
            if index is not None:
                self.pointRemoved.emit(index)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Choose with a digit key which class a click adds (data of three classes or more)."""
        text = event.text()
        d = self._dataset
        if self.mode == "plane" and self._classification and d is not None and \
                d.classes > 2 and text.isdigit() and int(text) < d.classes:
            self._click_class = int(text)
            self.hints.setText(self._hint_text())
            return
        super().keyPressEvent(event)

    def add_point(self, x: float, y: float, label: int) -> None:
        """Ask for a point where the user clicked (a class for two inputs, a target for one)."""
        if self.mode == "plane":
            self.planePointAdded.emit(x, y, float(label))
        else:
            self.linePointAdded.emit(x, y)

    def point_near(self, x: float, y: float, pixels: float = PICK_PIXELS) -> int | None:
        """Return the index of the point drawn within ``pixels`` of (x, y), or None."""
        positions = self.point_positions()
        if not len(positions):
            return None
        width, height = self.plot_item.getViewBox().viewPixelSize()
        distance = np.hypot((positions[:, 0] - x) / width, (positions[:, 1] - y) / height)
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= pixels else None

    # ----- theme --------------------------------------------------------------------------

    def _restyle(self, theme: Theme) -> None:
        self._lut = diverging_lut(theme)
        self.plot_widget.setBackground(theme.background)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(theme.muted)
            axis.setTextPen(theme.text)
        self.note.setStyleSheet(f"color: {theme.muted};")
        self.hints.setStyleSheet(f"color: {theme.muted};")
        self.boundary.setPen(pg.mkPen(theme.text, width=2.5))
        self.fit_curve.setPen(pg.mkPen(theme.trail, width=3))
        if self.mode is not None:
            self._label_axes()
            self._draw_points()
            if self._result is not None:
                self.set_decision(self._result)
