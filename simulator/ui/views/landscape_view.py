"""The landscape: the loss as a heatmap over two parameters, and the hiker walking on it.

The surface comes as a ``LandscapeGrid`` (a coarse grid first, then a fine one); the
hiker, its fading trail (``Frame.path_xy``, already on the axes), the arrow of the next
step and the momentum arrow come from each ``Frame``. A one-variable problem is drawn as
the curve J(w) with the tangent at the hiker; heights on it are read off the curve's
grid. In a race every hiker gets its own colour. A click or a drag asks for the hiker to
move (``hikerMoved``): one undoable move per gesture.

Every graphics item is made once in ``__init__``; a frame only moves them
(``setData`` / ``setPos``), so playing at 60 frames per second stays cheap.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from simulator.workspace.numbers import format_number, format_slope
from simulator.workspace.surface_scale import LossScale, surface_contours

from ..items.arrow_item import ArrowItem
from ..theme import LOSS_COLORMAP, RACE_COLOURS, Theme, current_theme, theme_manager, ui_font
from .on_screen import DrawsWhenSeen

TRAIL_CHUNKS = 8  # the trail is drawn in this many pieces, older pieces fainter
TRAIL_SLACK = 1 / 40  # a piece's end moves once it is this part of the trail from its place
TRAIL_DOTS = 40  # the newest steps also get a dot each
TRAIL_DOT, TRAIL_DOT_ON_CURVE = 6, 11  # their sizes in pixels on a surface and on a curve
FAR = 50.0  # points further than this many landscape widths away are pulled in before drawing
DRAWABLE = 1e306  # the largest |J| a curve draws (its padded span stays a float)




def _mk_colour(hex_colour: str, alpha: int = 255) -> QColor:
    colour = QColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


class _SurfaceViewBox(pg.ViewBox):
    """A view box where dragging with the left button moves the hiker instead of panning."""

    def __init__(self, owner: LandscapeView):
        super().__init__(enableMenu=False)
        self._owner = owner

    def mouseDragEvent(self, ev, axis=None):  # noqa: D102 - Qt event handler
        if ev.button() != Qt.MouseButton.LeftButton or not self._owner.placing_allowed():
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        if ev.isFinish():
            self._owner.place_hiker(point.x(), point.y())
        else:
            self._owner.preview_hiker(point.x(), point.y())


class LandscapeView(DrawsWhenSeen, QWidget):
    """The cost surface with the hiker on it (a curve J(w) for one variable).

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.

    Signals
    -------
    hikerMoved(float, float)
        Put the hiker at (x, y) of the landscape's axes (once per click or drag).
    """

    hikerMoved = Signal(float, float)
    INTENTS = {"hikerMoved": "move_hiker"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._info = None  # ProblemInfo of the problem on screen
        self._axes = None  # Axes of the landscape on screen
        self._grid = None  # the last LandscapeGrid drawn
        self._scale: LossScale | None = None
        self._titles: tuple | None = None  # the axis and colour-bar titles last set
        self._log_user: bool | None = None  # the user's log choice, until the axes change
        self._frame = None  # the Frame on screen
        self._racers: tuple = ()
        self._dragging = False
        self._arrows: dict[str, tuple[tuple[float, float], tuple[float, float]] | None] = {
            "step": None, "velocity": None}
        self._build()
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)

    # ----- building ------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)

        self.graphics = pg.GraphicsLayoutWidget()
        # The loss grid is coarse while playing (51×51): filtered, it reads as a surface
        # rather than as blocks.
        self.graphics.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.graphics.setToolTip(
            "The cost surface: darker is lower. Click or drag to put the hiker there "
            "(Ctrl+Z undoes it); scroll to zoom.")
        self.view_box = _SurfaceViewBox(self)
        self.plot = self.graphics.addPlot(viewBox=self.view_box)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        layout.addWidget(self.graphics, 1)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        # Scaled up smoothly from a 51×51 or 100×100 grid on every repaint under the moving
        # hiker, the surface cost more than all the rest: kept as a picture at screen size,
        # made again only when a new grid arrives or the zoom changes.
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=LOSS_COLORMAP, interactive=False, width=22,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.axis.setLabel("loss")
        self.colorbar.axis.setWidth(None)  # room for the ticks and the title, not a fixed 45 px
        self.colorbar.setToolTip("Colour scale: which loss each colour stands for.")

        self.contours = pg.PlotDataItem(connect="pairs", antialias=True)
        self.contours.setZValue(-5)
        # Hundreds of antialiased segments under a hiker that moves every frame: keep them as
        # a pixmap, redrawn only when the contours or the zoom change.
        self.contours.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.addItem(self.contours)
        self.curve = pg.PlotDataItem(antialias=True)
        self.plot.addItem(self.curve)
        self.minima = pg.ScatterPlotItem(symbol="star", size=16, pxMode=True)
        self.minima.setToolTip("A minimum of J: the lowest points of the surface.")
        self.plot.addItem(self.minima)

        self.trail = []
        self._trail_pieces = [np.zeros((0, 2))] * TRAIL_CHUNKS  # the points each piece shows
        self._trail_bounds = np.zeros(TRAIL_CHUNKS + 1, dtype=int)  # where the pieces split
        for k in range(TRAIL_CHUNKS):
            chunk = pg.PlotCurveItem(antialias=True)
            chunk.setZValue(5 + k * 0.01)
            if k < TRAIL_CHUNKS - 1:
                # An older piece mostly keeps its points while the hiker moves over it, and
                # a long trail of small steps (a big network) costs milliseconds to stroke
                # again on every frame: kept as a picture, redrawn when it or the zoom changes.
                chunk.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(chunk)
            self.trail.append(chunk)
        # A dot per step for the newest steps only: where the step lengths show best.
        self.trail_dots = pg.ScatterPlotItem(symbol="o", size=TRAIL_DOT, pxMode=True)
        self.trail_dots.setZValue(5.5)
        self.plot.addItem(self.trail_dots)
        self.tangent = pg.PlotDataItem(antialias=True)
        self.tangent.setZValue(6)
        self.plot.addItem(self.tangent)
        # The arrows move on every frame: each is one item (shaft and head), which costs a
        # fraction of a curve and a pyqtgraph arrow head apiece to move and paint.
        self.step_arrow = ArrowItem(head_length=18, tip_angle=40)
        self.velocity_arrow = ArrowItem(head_length=16, tip_angle=40)
        self.step_target = pg.ScatterPlotItem(symbol="o", size=12, pxMode=True)
        # Momentum above the step and the step's end mark: when both point the same way the
        # red step still shows through.
        for item, z in ((self.step_arrow, 7), (self.step_target, 7.2), (self.velocity_arrow, 8)):
            item.setZValue(z)
            self.plot.addItem(item, ignoreBounds=True)  # drawn longer or shorter to be seen
        self.step_arrow.setToolTip("The next step: where the optimizer moves the hiker next.")
        self.velocity_arrow.setToolTip(
            "Momentum: the direction the optimizer's velocity carries the hiker "
            "(drawn longer or shorter so it can be seen).")
        self.hiker = pg.ScatterPlotItem(symbol="o", size=20, pxMode=True)
        self.hiker.setZValue(10)
        self.hiker.setToolTip("The hiker: the current parameters θ.")
        self.plot.addItem(self.hiker)
        self.crash = pg.ScatterPlotItem(symbol="x", size=30, pxMode=True)
        self.crash.setZValue(11)
        self.crash.setToolTip("Where the run diverged: the steps grew without bound.")
        self.plot.addItem(self.crash)

        self.race_paths = []
        for colour in RACE_COLOURS:
            path = pg.PlotDataItem(antialias=True, pen=pg.mkPen(colour, width=3))
            path.setZValue(9)
            path.setVisible(False)
            self.plot.addItem(path)
            self.race_paths.append(path)
        self.race_markers = pg.ScatterPlotItem(size=18, pxMode=True)
        self.race_markers.setZValue(12)
        self.plot.addItem(self.race_markers)

        font = ui_font(1.15)
        self.step_label = pg.TextItem("next step", anchor=(0, 0.5))
        self.tangent_label = pg.TextItem("", anchor=(0, 1))
        self.crash_label = pg.TextItem("", anchor=(0.5, -0.4))
        for item in (self.step_label, self.tangent_label, self.crash_label):
            item.setFont(font)
            item.setZValue(20)
            item.setVisible(False)
            self.plot.addItem(item)
        self.crash_label.setFont(ui_font(1.25, bold=True))
        self.tangent_label.setFont(ui_font(1.2, bold=True))

        for axis in (self.plot.getAxis("left"), self.plot.getAxis("bottom"), self.colorbar.axis):
            axis.setTickFont(ui_font(1.1))
            axis.enableAutoSIPrefix(False)  # "0.12", not "120 (x0.001)", for students

        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        self.legend_label = QLabel()
        self.legend_label.setFont(ui_font(1.05))
        self.legend_label.setWordWrap(True)
        self.legend_label.setToolTip("What the marks on the landscape mean.")
        row.addWidget(self.legend_label, 1)
        self.log_box = QCheckBox("Log colour scale")
        self.log_box.setFont(ui_font(1.05))
        self.log_box.setToolTip(
            "Colour the loss on a logarithmic scale, to see the valley floor when the loss "
            "spans many orders of magnitude (needs a loss that is never negative).")
        self.log_box.toggled.connect(self._log_toggled)
        row.addWidget(self.log_box)
        self.fit_button = QPushButton("Show all")
        self.fit_button.setFont(ui_font(1.05))
        self.fit_button.setToolTip("Zoom back out to the whole landscape.")
        self.fit_button.clicked.connect(self.show_all)
        row.addWidget(self.fit_button)
        layout.addLayout(row)

        self.note_label = QLabel()
        self.note_label.setFont(ui_font(1.0))
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)
        self.note_label.setToolTip(
            "A network has many weights; the picture shows the loss when only these two "
            "change and the others stay as they are now.")
        layout.addWidget(self.note_label)

        self.view_box.sigTransformChanged.connect(self._place_arrows)
        self.view_box.sigResized.connect(self._place_arrows)
        self.graphics.scene().sigMouseClicked.connect(self._scene_clicked)
        self._set_mode_curve(False)

    # ----- styling -------------------------------------------------------------------------

    def _restyle(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.background)
        for axis in [self.plot.getAxis(a) for a in ("left", "bottom")] + [self.colorbar.axis]:
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
        for key in ("left", "right", "top", "bottom"):
            self.colorbar.getAxis(key).setPen(pg.mkPen(theme.muted))
        self.colorbar.axis.setTextPen(pg.mkPen(theme.text))
        self.contours.setPen(pg.mkPen(_mk_colour("#ffffff", 110), width=1))
        self.curve.setPen(pg.mkPen(theme.text, width=3))
        self.minima.setPen(pg.mkPen("#000000", width=1))
        self.minima.setBrush(pg.mkBrush("#ffffff"))
        self._style_trail()
        self.tangent.setPen(pg.mkPen(theme.axis_x, width=2.5, style=Qt.PenStyle.DashLine))
        self.step_arrow.set_style([pg.mkPen(theme.step_arrow, width=3.5)], pg.mkPen(theme.step_arrow),
                                  pg.mkBrush(theme.step_arrow))
        self.step_target.setPen(pg.mkPen(theme.step_arrow, width=2.5))
        self.step_target.setBrush(pg.mkBrush(None))
        # A light casing under the blue line keeps it visible on the dark end of viridis.
        self.velocity_arrow.set_style([pg.mkPen(_mk_colour("#ffffff", 220), width=7),
                                       pg.mkPen(theme.velocity_arrow, width=3.5)],
                                      pg.mkPen("#ffffff", width=1.5),
                                      pg.mkBrush(theme.velocity_arrow))
        self.hiker.setPen(pg.mkPen(theme.hiker_edge, width=4))
        self.hiker.setBrush(pg.mkBrush(theme.hiker))
        self.crash.setPen(pg.mkPen(theme.error, width=5))
        self.crash.setBrush(pg.mkBrush(theme.error))
        fill = pg.mkBrush(_mk_colour(theme.background, 215))
        for item, colour in ((self.step_label, theme.step_arrow),
                             (self.tangent_label, theme.text), (self.crash_label, theme.error)):
            item.setColor(colour)
            item.fill = fill
            item.update()
        self.note_label.setStyleSheet(f"color: {theme.muted};")
        self._style_axis_titles()
        self._update_legend()

    def _style_trail(self) -> None:
        """Style the trail: on a surface a fading line with a dot per recent step.

        On a curve the path lies on the curve itself, where a line cannot be seen over the
        curve's own thick stroke: there each step is a larger dot ringed in the background
        colour, so the step lengths show (big steps on the steep side, small ones near the
        bottom).
        """
        theme = getattr(self, "_theme", current_theme())
        curve = self._axes is not None and self._axes.is_curve
        for k, chunk in enumerate(self.trail):
            alpha = int(60 + 195 * (k + 1) / TRAIL_CHUNKS)
            chunk.setPen(pg.mkPen(None) if curve
                         else pg.mkPen(_mk_colour(theme.trail, alpha), width=2.5))
        self.trail_dots.setSize(TRAIL_DOT_ON_CURVE if curve else TRAIL_DOT)
        self.trail_dots.setPen(pg.mkPen(theme.background, width=2) if curve else pg.mkPen(None))
        self.trail_dots.setBrush(pg.mkBrush(theme.trail))

    def _style_axis_titles(self) -> None:
        """Title the axes and the colour bar (only when a title or colour changed).

        Setting a title re-lays out pyqtgraph's axes, which costs more than the rest of a
        new grid's drawing: a grid that arrives while playing must not pay it.
        """
        theme = getattr(self, "_theme", current_theme())
        size = f"{ui_font(1.2).pointSizeF():.0f}pt"
        axes = self._axes
        if axes is None:
            x_title, y_title = "", ""
        elif axes.is_curve:
            x_title, y_title = axes.labels[0], f"cost J({axes.labels[0]})"
        else:
            x_title, y_title = axes.labels
        y_colour = theme.text if axes is not None and axes.is_curve else theme.axis_y
        bar_title = "loss (log scale)" if self._grid is not None and self.log_scale() else "loss"
        titles = (x_title, y_title, bar_title, theme.name, size)
        if titles == self._titles:
            return
        self._titles = titles
        self.plot.setLabel("bottom", x_title, color=theme.axis_x, **{"font-size": size})
        self.plot.setLabel("left", y_title, color=y_colour, **{"font-size": size})
        self.colorbar.axis.setLabel(bar_title, color=theme.text, **{"font-size": size})

    # ----- inbound: what the controller publishes ------------------------------------------

    def set_problem(self, info) -> None:
        """Show a new problem (its minima, its note); the old hiker and arrows go."""
        self._info = info
        self._grid = None
        self._frame = None  # the old θ has no meaning on the new problem's axes
        self._arrows = {}  # nor have the old arrows
        self.forget_drawings()
        self._log_user = None
        minima = getattr(info.problem, "minima", None) or []
        self._minima_points = [np.asarray(getattr(m, "point", m), dtype=float) for m in minima]
        self._update_note()

    def set_axes(self, axes) -> None:
        """Draw over other axes (or the same ones recentred)."""
        if self._axes is None or not _same_axes(self._axes, axes, ranges=False):
            self._log_user = None  # other parameters: a fresh choice (recentring keeps it)
        self._axes = axes
        self._set_mode_curve(axes.is_curve)
        self._style_axis_titles()
        self._update_note()
        self._draw_minima()
        if not axes.is_curve:
            self.view_box.setRange(xRange=axes.x_range, yRange=axes.y_range, padding=0)
        else:
            self.view_box.setRange(xRange=axes.x_range, padding=0.02)
        if self._frame is not None:
            self.set_frame(self._frame)

    def set_landscape(self, grid) -> None:
        """Draw a computed grid: the surface and its contours, or the curve J(w)."""
        if self._axes is None or not _same_axes(self._axes, grid.axes):
            self.set_axes(grid.axes)
        first = self._grid is None or not _same_axes(self._grid.axes, grid.axes)
        self._grid = grid
        if grid.axes.is_curve:
            self._draw_curve(grid, first)
            self._draw_minima()  # their heights are read off the curve
        else:
            self._draw_surface(grid)
        if self._frame is not None and grid.axes.is_curve:
            self.set_frame(self._frame)  # the hiker's trail and arrows lie on the curve

    def set_frame(self, frame) -> None:
        """Draw the hiker, its trail and arrows, or the racers, at this moment of the run."""
        self._frame = frame
        self.draw_when_seen("frame", lambda: self._draw_frame(frame))

    def _draw_frame(self, frame) -> None:
        self._show_race(frame.racers)
        if self._axes is not None and not self._dragging:
            self._draw_hiker(frame)
        self._update_legend()

    def _draw_hiker(self, frame) -> None:
        axes = self._axes
        diverged = frame.status == "diverged"
        theta = frame.theta
        ahead = [theta, theta + frame.next_step]
        if frame.velocity is not None:
            ahead.append(theta - frame.config.learning_rate * frame.velocity)
        with np.errstate(all="ignore"):
            rest = self._points(np.vstack(ahead))
            trail = self._trail_points(frame)
        here = self._hiker_point(frame, rest[0])
        self._draw_trail(trail)
        if not diverged and np.all(np.isfinite(here)):
            self.hiker.setData([here[0]], [here[1]])
            if len(self.crash.data):  # emptied once, not on every frame
                self.crash.setData([], [])
            self.crash_label.setVisible(False)
            step = rest[1] - rest[0]
            self._arrows["step"] = (tuple(here), tuple(self._target_point(here, step, rest[1])))
            if len(rest) > 2 and np.all(np.isfinite(rest[2])):
                push = rest[2] - rest[0]
                if axes.is_curve:
                    push = np.array([push[0], 0.0])
                self._arrows["velocity"] = (tuple(here), tuple(push))
            else:
                self._arrows["velocity"] = None
        else:
            self.hiker.setData([], [])
            self._arrows["step"] = self._arrows["velocity"] = None
            if diverged:
                self._mark_divergence(frame, trail, here)
            else:  # J has no value where the hiker stands: nothing diverged
                self._mark_undefined(frame, here)
        self._place_arrows()
        self._update_tangent(frame, here)

    def _show_race(self, racers: tuple) -> None:
        """Draw the racers instead of the one hiker, or bring the hiker back after a race."""
        was_racing = bool(self._racers)
        self._racers = tuple(racers)
        racing = bool(racers)
        if racing:
            for item in (self.hiker, self.crash, self.step_arrow, self.step_label,
                         self.velocity_arrow, self.tangent, self.tangent_label, self.step_target,
                         self.crash_label, self.trail_dots, *self.trail):
                item.setVisible(False)
            if self._axes is not None:
                self._draw_race(racers)
        elif was_racing:
            for path in self.race_paths:
                path.setVisible(False)
            self.race_markers.setData([], [])
            for item in (*self.trail, self.trail_dots, self.hiker, self.crash):
                item.setVisible(True)

    # ----- drawing the surface --------------------------------------------------------------

    def _set_mode_curve(self, curve: bool) -> None:
        self.image.setVisible(not curve)
        self.contours.setVisible(not curve)
        self.colorbar.setVisible(not curve)
        self.curve.setVisible(curve)
        self.log_box.setVisible(not curve)
        self._style_trail()
        if curve:
            self.plot.layout.setColumnFixedWidth(5, 0)
        else:
            self.plot.layout.setColumnMinimumWidth(5, 0)
            self.plot.layout.setColumnMaximumWidth(5, 1e6)

    def log_scale(self) -> bool:
        """Return whether the colours follow the logarithm of the loss."""
        return self.log_box.isChecked() and self.log_box.isEnabled()

    def _draw_surface(self, grid) -> None:
        scale = LossScale(grid.z)
        self._scale = scale
        log = scale.wide if self._log_user is None else self._log_user
        with QSignalBlocker(self.log_box):
            self.log_box.setEnabled(scale.can_log)
            self.log_box.setChecked(log and scale.can_log)
        self._paint_surface()
        xs, ys = grid.xs, grid.ys
        dx = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 1.0
        dy = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 1.0
        # Pixel centres on the grid points: the image reaches half a pixel past each end.
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        segments = grid.contours if grid.contours is not None else \
            surface_contours(xs, ys, grid.z)
        if len(segments):
            self.contours.setData(segments[:, 0], segments[:, 1], connect="pairs")
        else:
            self.contours.setData([], [])

    def _paint_surface(self) -> None:
        scale, grid = self._scale, self._grid
        if scale is None or grid is None:
            return
        log = self.log_scale()
        levels = scale.levels(log)
        self.image.setImage(scale.image(grid.z, log), autoLevels=False, levels=levels)
        self.colorbar.setLevels(levels)
        self.colorbar.axis.setTicks(None if not log else [scale.ticks(True)])
        self._style_axis_titles()

    def _log_toggled(self, checked: bool) -> None:
        self._log_user = bool(checked)
        self._paint_surface()

    def _draw_curve(self, grid, first: bool) -> None:
        xs = np.asarray(grid.xs, dtype=float)
        z = np.asarray(grid.z[0], dtype=float)
        # Beyond ±1e306 a value cannot be drawn (the axis' span would overflow): left out,
        # as an undefined one is.
        finite = np.isfinite(z) & (np.abs(z) <= DRAWABLE)
        shown = np.where(finite, z, np.nan)
        self.curve.setData(xs, shown, connect="finite")
        if first and finite.any():
            low, high = float(z[finite].min()), float(z[finite].max())
            pad = (high - low) * 0.08 or 1.0
            self.view_box.setRange(xRange=(xs[0], xs[-1]), yRange=(low - pad, high + pad),
                                   padding=0.02)

    def _draw_minima(self) -> None:
        axes = self._axes
        points = []
        if axes is not None and self._info is not None and not self._info.is_network:
            for m in getattr(self, "_minima_points", []):
                if axes.is_curve:
                    points.append((m[0], self._curve_value(np.array([m[0]]))[0]))
                elif axes.kind == "parameters" and max(axes.x, axes.y) < len(m):
                    points.append((m[axes.x], m[axes.y]))
        pts = np.array([p for p in points if np.all(np.isfinite(p))]).reshape(-1, 2)
        self.minima.setData(pts[:, 0], pts[:, 1])

    def _update_note(self) -> None:
        info, axes = self._info, self._axes
        if info is None or axes is None or not info.is_network:
            self.note_label.setVisible(False)
            return
        if axes.kind == "parameters":
            text = (f"A slice through the current weights along {axes.labels[0]} and "
                    f"{axes.labels[1]}: it moves as the other weights learn.")
        elif axes.kind == "pca":
            text = ("A plane through the weights along the path's two main directions "
                    "(PCA): the hiker is shown at its nearest point on the plane.")
        else:
            text = ("A plane through the weights along two random directions: the hiker "
                    "is shown at its nearest point on the plane.")
        self.note_label.setText(text)
        self.note_label.setVisible(True)

    # ----- the hiker ----------------------------------------------------------------------------

    def _points(self, thetas: np.ndarray) -> np.ndarray:
        """Return plot coordinates of θ rows: (x, y) on a surface, (w, J(w)) on a curve (J off the grid)."""
        axes = self._axes
        if axes.is_curve:
            ws = thetas[:, axes.x]
            return np.column_stack([ws, self._curve_value(ws)])
        return np.asarray(axes.project_many(thetas), dtype=float)

    def _curve_value(self, ws: np.ndarray) -> np.ndarray:
        """Return J at each w, read off the curve's grid (NaN off it, or before it came).

        Straight lines between the grid's points, as the curve is drawn: a mark put at
        (w, J(w)) sits on the line the student sees.
        """
        ws = np.asarray(ws, dtype=float)
        grid = self._grid
        if grid is None or not grid.axes.is_curve or len(grid.xs) < 2:
            return np.full(len(ws), np.nan)
        xs, z = np.asarray(grid.xs, dtype=float), np.asarray(grid.z[0], dtype=float)
        values = np.interp(ws, xs, z)
        values[(ws < xs[0]) | (ws > xs[-1]) | ~np.isfinite(ws)] = np.nan
        return values

    def _trail_points(self, frame) -> np.ndarray:
        """Return the path so far in plot coordinates; on a curve, (w, J(w)) with J from the grid.

        The path is already projected on the axes; a curve's path ends at the hiker, whose
        J the frame knows exactly.
        """
        points = np.asarray(frame.path_xy, dtype=float).reshape(-1, 2)
        if not self._axes.is_curve or not len(points):
            return points
        heights = self._curve_value(points[:, 0])
        if len(frame.path_steps) and frame.path_steps[-1] == frame.step:
            heights[-1] = frame.loss
        return np.column_stack([points[:, 0], heights])

    def _hiker_point(self, frame, projected: np.ndarray) -> np.ndarray:
        if self._axes.is_curve:
            return np.array([projected[0], frame.loss])
        return np.array(self._axes.project(frame.theta))

    def _target_point(self, here, step, projected_target) -> np.ndarray:
        if self._axes.is_curve:
            return np.asarray(projected_target) - here
        return np.asarray(step)

    def _bounds(self) -> tuple[float, float, float, float]:
        axes = self._axes
        if axes.is_curve:
            (x0, x1), (y0, y1) = self.view_box.viewRange()
            return x0, x1, y0, y1
        return (*axes.x_range, *axes.y_range)

    def _pull_in(self, points: np.ndarray) -> np.ndarray:
        """Clip far-away points so the painter never sees astronomic coordinates."""
        x0, x1, y0, y1 = self._bounds()
        wx, wy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        out = np.array(points, dtype=float)
        out[:, 0] = np.clip(out[:, 0], x0 - FAR * wx, x1 + FAR * wx)
        out[:, 1] = np.clip(out[:, 1], y0 - FAR * wy, y1 + FAR * wy)
        return out

    def _draw_trail(self, trail: np.ndarray) -> None:
        finite = trail[np.all(np.isfinite(trail), axis=1)] if len(trail) else trail
        finite = self._pull_in(finite) if len(finite) else np.zeros((0, 2))
        bounds = self._trail_bounds = _piece_bounds(self._trail_bounds, len(finite))
        for k, chunk in enumerate(self.trail):
            start, stop = bounds[k], bounds[k + 1]
            piece = finite[max(start - 1, 0):stop] if stop > start else np.zeros((0, 2))
            # Most steps move only the newest pieces: an older piece keeps its drawing
            # (setting the same points again would rebuild and repaint it every frame).
            if np.array_equal(piece, self._trail_pieces[k]):
                continue
            self._trail_pieces[k] = piece
            chunk.setData(piece[:, 0], piece[:, 1])
        recent = finite[-TRAIL_DOTS:]
        self.trail_dots.setData(recent[:, 0], recent[:, 1])

    def _mark_undefined(self, frame, here: np.ndarray) -> None:
        """Say that J is undefined at the hiker's θ, above its place when it is on the map."""
        self.crash.setData([], [])
        self.crash_label.setText("J undefined at start" if frame.step == 0 else "J undefined here")
        x0, x1, y0, y1 = self._bounds()
        x = here[0] if math.isfinite(here[0]) and x0 <= here[0] <= x1 else (x0 + x1) / 2
        y = here[1] if math.isfinite(here[1]) and y0 <= here[1] <= y1 else (y0 + y1) / 2
        self.crash_label.setPos(x, y)
        self.crash_label.setVisible(not self._racers)

    def _mark_divergence(self, frame, trail: np.ndarray, here: np.ndarray) -> None:
        spot = here
        if not np.all(np.isfinite(spot)):
            finite = trail[np.all(np.isfinite(trail), axis=1)] if len(trail) else trail
            spot = finite[-1] if len(finite) else None
        text = f"diverged at step {frame.diverged_at}" if frame.diverged_at is not None \
            else "diverged"
        if spot is None:
            self.crash.setData([], [])
            self.crash_label.setText(text)
            x0, x1, y0, y1 = self._bounds()
            self.crash_label.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        else:
            x0, x1, y0, y1 = self._bounds()
            inside = x0 <= spot[0] <= x1 and y0 <= spot[1] <= y1
            if not inside:
                # Off the map: mark where it left, on the edge, and say so.
                mx, my = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
                spot = np.array([np.clip(spot[0], x0 + mx, x1 - mx),
                                 np.clip(spot[1], y0 + my, y1 - my)])
                text += " (off the map)"
            self.crash.setData([spot[0]], [spot[1]])
            self.crash_label.setText(text)
            self._place_label(self.crash_label, spot, (0.5, -0.45), (0.5, 1.45), (-0.1, 0.5),
                              (1.1, 0.5))
        self.crash_label.setVisible(not self._racers)

    def _update_tangent(self, frame, here) -> None:
        axes = self._axes
        show = (axes.is_curve and frame.status != "diverged" and not self._racers
                and np.all(np.isfinite(here)))
        self.tangent.setVisible(bool(show))
        self.tangent_label.setVisible(bool(show))
        if not show:
            return
        slope = float(frame.gradient[axes.x])
        (x0, x1), _ = self.view_box.viewRange()
        half = 0.12 * (x1 - x0)
        xs = np.array([here[0] - half, here[0] + half])
        ys = here[1] + slope * (xs - here[0])
        self.tangent.setData(xs, ys)
        name = axes.labels[0]
        self.tangent_label.setText(f"slope dJ/d{name} = {format_slope(slope)}")
        self._place_tangent_label()

    def _place_tangent_label(self) -> None:
        """Put the slope's label below the tangent (a cost curve near its hiker mostly lies above it)."""
        xs, ys = self.tangent.getData()
        if xs is None or len(xs) != 2:
            return
        angle = self._screen_angle(np.array([xs[0], ys[0]]), np.array([xs[1], ys[1]]))
        anchor = _beside_line(angle, up=False)
        here = ((xs[0] + xs[1]) / 2, (ys[0] + ys[1]) / 2)
        self._place_label(self.tangent_label, here, anchor, _mirrored(anchor))

    def _place_arrows(self, *_) -> None:
        """Draw the step and momentum arrows (their heads and labels follow the zoom)."""
        if self.tangent_label.isVisible():
            self._place_tangent_label()
        visible = not self._racers and not self._dragging
        curve = self._axes is not None and self._axes.is_curve
        push_angle = None
        momentum = self._arrows.get("velocity") if visible else None
        if momentum is not None:
            start = np.array(momentum[0])
            vector, _ = self._visible_length(start, np.array(momentum[1]), 75.0, 150.0)
            push_angle = self._draw_arrow(start, start + vector, start, self.velocity_arrow)
        else:
            self._draw_arrow(None, None, None, self.velocity_arrow)
        step = self._arrows.get("step") if visible else None
        if step is None:
            self._draw_arrow(None, None, None, self.step_arrow)
            self.step_target.setVisible(False)
            self.step_label.setVisible(False)
            return
        start, vector = np.array(step[0]), np.array(step[1])
        factor = 1.0
        if curve:
            # On a curve the step runs along J(w), from w to w + step.
            end = start + vector
            ws = np.linspace(start[0], end[0], 40)
            js = self._curve_value(ws)
            js[0], js[-1] = start[1], end[1]
            before = np.array([ws[-2], js[-2]])
            shaft = np.column_stack([ws, js])
        else:
            vector, factor = self._visible_length(start, vector, 45.0, math.inf)
            end = before = None
            end = start + vector
            before, shaft = start, None
        angle = self._draw_arrow(start, end, before, self.step_arrow, shaft)
        self.step_target.setVisible(curve and angle is not None)
        if curve:  # before the curve's grid arrives its J is unknown: no mark yet
            finite = np.all(np.isfinite(end))
            self.step_target.setData([end[0]] if finite else [], [end[1]] if finite else [])
        if angle is None and not np.all(np.isfinite(end)):
            self.step_label.setVisible(False)
            return
        text = "next step" if factor <= 1.5 else f"next step (shown ×{format_number(round(factor))})"
        if text != self.step_label.toPlainText():  # a new text is laid out again
            self.step_label.setText(text)
        anchor = _beside_line(angle, push_angle)
        self._place_label(self.step_label, end, anchor, _mirrored(anchor))
        self.step_label.setVisible(True)

    def _place_label(self, label, point, *anchors) -> None:
        """Put a text item at a data point with the first anchor that keeps it in the plot.

        When none fits, the first is slid along the edges until the text is inside; a text
        wider than the plot (a small figure) wraps to its width.
        """
        x, y = float(point[0]), float(point[1])
        label.setPos(x, y)
        box = self.view_box.sceneBoundingRect()
        label.setTextWidth(-1)
        if label.textItem.boundingRect().width() > box.width():
            label.setTextWidth(max(1.0, box.width()))
        size = label.textItem.boundingRect()
        w, h = size.width(), size.height()
        p = self.view_box.mapViewToScene(QPointF(x, y))

        def fits(anchor) -> bool:
            left, top = p.x() - anchor[0] * w, p.y() - anchor[1] * h
            return box.left() <= left and left + w <= box.right() and \
                box.top() <= top and top + h <= box.bottom()

        for anchor in anchors:
            if fits(anchor):
                label.setAnchor(anchor)
                return
        fitted = []
        for a, at, lo, hi, length in ((anchors[0][0], p.x(), box.left(), box.right(), w),
                                      (anchors[0][1], p.y(), box.top(), box.bottom(), h)):
            if length > 0 and hi - lo > length:
                a = min(max(a, (at - hi) / length + 1.0), (at - lo) / length)
            fitted.append(a)
        label.setAnchor(tuple(fitted))

    def _draw_arrow(self, start, end, before, arrow, shaft=None) -> float | None:
        """Show an arrow from ``start`` to ``end`` (hide it when ``start`` is None).

        ``shaft`` is its points when it is not straight, ``before`` the point its head
        points away from. Return its screen angle in degrees, or None when it has no length
        on screen (the arrow then draws no head).
        """
        if start is None or not np.all(np.isfinite(end)):
            arrow.setVisible(False)
            return None
        arrow.set_points(np.array([start, end]) if shaft is None else shaft)
        arrow.setVisible(True)
        return self._screen_angle(before, end)

    def _screen_angle(self, start, end) -> float | None:
        a = self.view_box.mapViewToScene(QPointF(float(start[0]), float(start[1])))
        b = self.view_box.mapViewToScene(QPointF(float(end[0]), float(end[1])))
        dx, dy = b.x() - a.x(), b.y() - a.y()
        if not (math.isfinite(dx) and math.isfinite(dy)) or math.hypot(dx, dy) < 1e-6:
            return None
        return math.degrees(math.atan2(dy, dx))

    def _visible_length(self, start, vector, shortest: float, longest: float):
        """Return a vector scaled to between ``shortest`` and ``longest`` screen pixels, and the factor.

        A step of a few pixels hides under the hiker; it is drawn longer, and its label
        says by how much.
        """
        a = self.view_box.mapViewToScene(QPointF(float(start[0]), float(start[1])))
        b = self.view_box.mapViewToScene(
            QPointF(float(start[0] + vector[0]), float(start[1] + vector[1])))
        pixels = math.hypot(b.x() - a.x(), b.y() - a.y())
        if not math.isfinite(pixels) or pixels < 1e-9:
            return vector, 1.0
        factor = float(np.clip(pixels, shortest, longest)) / pixels
        return vector * factor, factor

    # ----- race mode ---------------------------------------------------------------------------

    def _draw_race(self, racers) -> None:
        spots, brushes, symbols = [], [], []
        for k, path in enumerate(self.race_paths):
            if k >= len(racers):
                path.setVisible(False)
                continue
            racer = racers[k]
            with np.errstate(all="ignore"):
                points = self._points(np.vstack([racer.path, racer.theta[None, :]]))
            points = points[np.all(np.isfinite(points), axis=1)]
            if len(points):
                points = self._pull_in(points)
                path.setData(points[:, 0], points[:, 1])
                spots.append(points[-1])
                brushes.append(pg.mkBrush(RACE_COLOURS[k]))
                symbols.append("x" if racer.state == "diverged" else "o")
            else:
                path.setData([], [])
            path.setVisible(True)
        if spots:
            spots = np.array(spots)
            self.race_markers.setData(spots[:, 0], spots[:, 1], brush=brushes, symbol=symbols,
                                      pen=pg.mkPen(self._theme.background, width=2))
        else:
            self.race_markers.setData([], [])

    # ----- legend -----------------------------------------------------------------------------

    def _update_legend(self) -> None:
        theme = getattr(self, "_theme", current_theme())
        if self._racers:
            cells = []
            for k, racer in enumerate(self._racers):
                colour = RACE_COLOURS[k % len(RACE_COLOURS)]
                cells.append(f'<span style="color:{colour}; font-size:large">●</span> '
                             f"{_escape(racer.label)} — {_racer_state(racer)}")
            rows = ["<tr>" + "".join(f'<td style="padding-right:18px">{c}</td>'
                                     for c in cells[i:i + 2]) + "</tr>"
                    for i in range(0, len(cells), 2)]
            self._set_legend(f"<table>{''.join(rows)}</table>")
            return
        frame = self._frame
        trail_mark = "●" if self._axes is not None and self._axes.is_curve else "•—"
        parts = [f'<span style="color:{theme.hiker_edge}; font-size:large">◉</span> hiker',
                 f'<span style="color:{theme.trail}">{trail_mark}</span> path so far',
                 f'<span style="color:{theme.step_arrow}">➜</span> next step']
        if frame is not None and frame.velocity is not None and frame.status != "diverged":
            parts.append(f'<span style="color:{theme.velocity_arrow}">➜</span> momentum '
                         "(its direction; length scaled to be seen)")
        if self._axes is not None and self._axes.is_curve:
            parts.append(f'<span style="color:{theme.axis_x}">- -</span> tangent')
        if len(self.minima.data):
            parts.append("☆ minimum")
        if frame is not None and frame.status == "diverged":
            parts.append(f'<span style="color:{theme.error}">✕</span> where it diverged')
        self._set_legend("&nbsp;&nbsp;&nbsp;".join(parts))

    def _set_legend(self, html: str) -> None:
        if html != self.legend_label.text():  # relaying out rich text every frame is not free
            self.legend_label.setText(html)

    # ----- placing the hiker with the mouse --------------------------------------------------

    def placing_allowed(self) -> bool:
        """Return whether a click or drag may move the hiker now (not during a race)."""
        return self._frame is not None and self._axes is not None and not self._racers

    def _scene_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        if not self.placing_allowed():
            return
        if not self.view_box.sceneBoundingRect().contains(ev.scenePos()):
            return
        point = self.view_box.mapSceneToView(ev.scenePos())
        self.place_hiker(point.x(), point.y())

    def preview_hiker(self, x: float, y: float) -> None:
        """Show the hiker following the mouse during a drag (nothing is changed yet)."""
        self._dragging = True
        if self._axes.is_curve:
            y = float(self._curve_value(np.array([x]))[0])
        self.hiker.setData([x], [y])
        self.tangent.setVisible(False)
        self.tangent_label.setVisible(False)
        self._place_arrows()

    def place_hiker(self, x: float, y: float) -> None:
        """Ask to put the hiker at (x, y) of the landscape (one undoable move)."""
        self._dragging = False
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self.hikerMoved.emit(float(x), float(y))

    def show_all(self) -> None:
        """Zoom back to the whole landscape."""
        axes = self._axes
        if axes is None:
            return
        if axes.is_curve and self._grid is not None and self._grid.axes.is_curve:
            self._draw_curve(self._grid, True)
        elif not axes.is_curve:
            self.view_box.setRange(xRange=axes.x_range, yRange=axes.y_range, padding=0)


def _piece_bounds(kept: np.ndarray, n: int) -> np.ndarray:
    """Return where a trail of ``n`` points splits into its pieces (first index of each, then n).

    Equal pieces, the newest last and most opaque; neighbours share a point so the line
    stays unbroken. A split of ``kept`` (the last drawn) stays where it is while it is
    within ``TRAIL_SLACK`` of the trail from its equal place: as the trail grows by a point
    a frame, equal splits would move most pieces on every frame, and each moved piece is
    set and stroked again (a big network's frame paid for five).
    """
    equal = np.linspace(0, n, TRAIL_CHUNKS + 1).astype(int)
    if kept[-1] > n:  # a shorter trail (a reset, a seek, a thinned path): split it afresh
        return equal
    bounds = np.where(np.abs(kept - equal) <= int(n * TRAIL_SLACK), kept, equal)
    bounds[-1] = n
    return bounds


def _same_axes(a, b, ranges: bool = True) -> bool:
    """Return whether two Axes describe the same plane (directions compared by identity).

    With ``ranges=False`` only the parameters or directions count, not the extent.
    """
    if a is b:
        return True
    same = (a.kind, a.x, a.y) == (b.kind, b.x, b.y) and \
        (a.directions is b.directions or a.kind == "parameters")
    if ranges:
        same = same and (tuple(a.x_range), tuple(a.y_range)) == (tuple(b.x_range), tuple(b.y_range))
    return same


def _beside_line(angle: float | None, avoid: float | None = None,
                 up: bool = True) -> tuple[float, float]:
    """Return a label anchor that keeps text off a line through the labelled point.

    ``angle`` is the line's screen direction in degrees (y down); ``avoid`` that of
    another arrow from the same place, whose side the text keeps away from; otherwise
    the text goes above the line (``up``) or below it. The text box is hung by the
    corner nearest the line, so the whole box stays on one side of it.
    """
    if angle is None:
        return -0.1, 0.5
    d = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    normal = np.array([d[1], -d[0]])  # a quarter turn, on screen
    if avoid is not None and abs(math.sin(math.radians(avoid - angle))) > 0.05:
        other = np.array([math.cos(math.radians(avoid)), math.sin(math.radians(avoid))])
        if normal @ other > 0:
            normal = -normal
    elif (normal[1] > 0) == up:
        normal = -normal
    # Anchor (0, 0) is the box's top-left: a box to the right of the point has ax ≈ 0.
    ax = -0.06 if normal[0] >= 0 else 1.06
    ay = -0.4 if normal[1] >= 0 else 1.4
    return ax, ay


def _mirrored(anchor: tuple[float, float]) -> tuple[float, float]:
    """Return the anchor that hangs a label on the other side of the point (and line)."""
    return 1.0 - anchor[0], 1.0 - anchor[1]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _racer_state(racer) -> str:
    if racer.state == "converged":
        return f"converged at step {racer.step}"
    if racer.state == "diverged":
        return f"diverged at step {racer.step}"
    return f"step {racer.step}, loss {format_number(float(racer.loss))}"
