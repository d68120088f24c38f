"""The landscape in 3-D: a shaded surface of the loss with the hiker's path on it.

It draws the same ``LandscapeGrid`` as the 2-D view, and each ``Frame``'s path (already
on the landscape's axes) and hiker, with OpenGL through
``pyqtgraph.opengl`` (imported only when OpenGL is there). Where it is not — Qt's
offscreen platform, no PyOpenGL, or no OpenGL context — one line says so and the
rest of the app carries on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor, QGuiApplication, QOffscreenSurface, QOpenGLContext
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from simulator.workspace.numbers import format_number
from simulator.workspace.surface_scale import LossScale

from ..theme import LOSS_COLORMAP, Theme, current_theme, theme_manager, ui_font

NO_OPENGL = ("The 3-D view needs OpenGL, which this display does not provide; the 2-D "
             "landscape shows the same surface.")
SOFTWARE_GL = ("OpenGL is drawn by the processor here ({renderer}), with no graphics card: "
               "turning the surface may be slow. The 2-D landscape shows the same surface.")
ONE_VARIABLE = ("3-D needs two variables: this problem has one, so its curve J(w) is "
                "drawn in the 2-D landscape.")
HEIGHT = 1.0  # the surface spans [-1, 1] × [-1, 1] and rises from 0 to this height
LOG_DECADES = 3.0  # a log-height surface shows at most this many decades
LIFT = 0.02  # the path floats this far above the surface so it is not buried in it


def opengl_status() -> tuple[str | None, str]:
    """Return why OpenGL cannot be used here (None when it can) and the renderer's name."""
    problem = opengl_problem()
    if problem is not None:
        return problem, ""
    context, surface = QOpenGLContext(), QOffscreenSurface()
    renderer = ""
    if context.create():
        surface.create()
        if context.makeCurrent(surface):
            from OpenGL.GL import GL_RENDERER, glGetString

            name = glGetString(GL_RENDERER)
            renderer = name.decode(errors="replace") if isinstance(name, bytes) else str(name or "")
            context.doneCurrent()
        surface.destroy()
    return None, renderer


def software_rendered(renderer: str) -> bool:
    """Return whether an OpenGL renderer draws on the CPU (llvmpipe, softpipe, swrast…)."""
    return any(word in renderer.lower() for word in ("llvmpipe", "softpipe", "swrast", "software"))


def opengl_problem() -> str | None:
    """Return why OpenGL cannot be used here, or None when it can."""
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal", "vnc"):
        return f"the {platform!r} display platform has no OpenGL"
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except ImportError as exc:  # PyOpenGL missing or broken
        return f"PyOpenGL is not available ({exc})"
    except Exception as exc:  # noqa: BLE001 - a broken GL library must not stop the app
        return f"OpenGL could not be loaded ({exc})"
    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QOffscreenSurface()
    surface.create()
    try:
        if not context.makeCurrent(surface):
            return "the OpenGL context could not be made current"
        context.doneCurrent()
    finally:
        surface.destroy()
    return None


def soft_light_shader():
    """Return a new surface shader: the colormap's colour, gently shaded by the slope.

    pyqtgraph's "shaded" program darkens steep walls almost to black, which would read as
    "low" on viridis; this one keeps at least 60 % of each colour. A compiled program
    belongs to one OpenGL context, so each view gets its own.
    """
    from pyqtgraph.opengl import shaders

    vertex = """
        uniform mat4 u_mvp;
        uniform mat3 u_normal;
        attribute vec4 a_position;
        attribute vec3 a_normal;
        attribute vec4 a_color;
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            v_color = a_color;
            v_normal = normalize(u_normal * a_normal);
            gl_Position = u_mvp * a_position;
        }
    """
    fragment = """
        #ifdef GL_ES
        precision mediump float;
        #endif
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            vec3 towards_light = normalize(vec3(0.3, 0.5, 1.0));
            float facing = abs(dot(normalize(v_normal), towards_light));
            gl_FragColor = vec4(v_color.rgb * (0.6 + 0.4 * facing), v_color.a);
        }
    """
    return shaders.ShaderProgram("backprop-hiker-soft-light", [
        shaders.VertexShader(vertex), shaders.FragmentShader(fragment)])


def bilinear(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, px: np.ndarray,
             py: np.ndarray) -> np.ndarray:
    """Return ``z`` (``z[i, j]`` at ``ys[i], xs[j]``) interpolated at the points (px, py).

    Points outside the grid take the value at the nearest edge.
    """
    fx = np.interp(px, xs, np.arange(len(xs), dtype=float))
    fy = np.interp(py, ys, np.arange(len(ys), dtype=float))
    j0 = np.clip(np.floor(fx).astype(int), 0, max(len(xs) - 2, 0))
    i0 = np.clip(np.floor(fy).astype(int), 0, max(len(ys) - 2, 0))
    j1, i1 = np.minimum(j0 + 1, len(xs) - 1), np.minimum(i0 + 1, len(ys) - 1)
    tx, ty = fx - j0, fy - i0
    bottom = z[i0, j0] * (1 - tx) + z[i0, j1] * tx
    top = z[i1, j0] * (1 - tx) + z[i1, j1] * tx
    return bottom * (1 - ty) + top * ty


class Landscape3DView(QWidget):
    """The loss surface in 3-D with the hiker and its path; drag to orbit, scroll to zoom.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.gl_view = None
        self.problem_text: str | None = None
        self.renderer = ""
        self.built = False
        self._latest: dict[str, object] = {}  # what the setters were given before the build
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Create the OpenGL view the first time the tab is shown, not before.

        An OpenGL widget turns the whole window into an OpenGL surface, which costs every
        frame of every other view dearly where OpenGL is software-rendered; a teacher who
        never opens the 3-D tab should not pay for it.
        """
        super().showEvent(event)
        if not self.built:
            self.build()

    def build(self) -> None:
        """Create the OpenGL view (or the line that says why there is none), then draw."""
        self.built = True
        layout = self.layout()
        self.problem_text, self.renderer = opengl_status()
        if self.problem_text is not None:
            self.message = QLabel(NO_OPENGL)
            self.message.setWordWrap(True)
            self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.message.setFont(ui_font(1.2))
            self.message.setToolTip(f"Why: {self.problem_text}.")
            layout.addWidget(self.message)
            self.message.show()  # made after the view was shown: it must be shown itself
            return
        self._axes = None
        self._grid = None
        self._scale: LossScale | None = None
        self._heights = None  # the grid as drawn: heights in [0, HEIGHT]
        self._log_user: bool | None = None
        self._frame = None
        self._build(layout)
        if software_rendered(self.renderer):
            self.renderer_note = QLabel(SOFTWARE_GL.format(renderer=self.renderer))
            self.renderer_note.setWordWrap(True)
            self.renderer_note.setFont(ui_font(1.0))
            layout.addWidget(self.renderer_note)
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            child.show()  # made after the view was shown: each must be shown itself
        self._restyle(current_theme())
        theme_manager().changed.connect(self._restyle)
        for setter in ("set_problem", "set_axes", "set_landscape", "set_frame"):
            if setter in self._latest:
                getattr(self, setter)(self._latest[setter])

    # ----- building ------------------------------------------------------------------------

    def _build(self, layout: QVBoxLayout) -> None:
        import pyqtgraph.opengl as gl

        self.stack = QStackedWidget()
        self.gl_view = gl.GLViewWidget()
        self.gl_view.setToolTip("Drag to turn the landscape, scroll to zoom. Darker is lower.")
        self.gl_view.setCameraPosition(distance=4.0, elevation=32, azimuth=-55)
        self.gl_view.opts["center"] = pg.Vector(0, 0, HEIGHT * 0.35)
        self.stack.addWidget(self.gl_view)
        self.message = QLabel(ONE_VARIABLE)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setFont(ui_font(1.2))
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)

        self.floor = gl.GLGridItem()
        self.floor.setSize(2, 2)
        self.floor.setSpacing(0.25, 0.25)
        self.gl_view.addItem(self.floor)
        self.surface = gl.GLSurfacePlotItem(shader=soft_light_shader(), smooth=True,
                                            computeNormals=True, glOptions="opaque")
        self.surface.setVisible(False)  # an empty surface cannot be drawn: shown with data
        self.gl_view.addItem(self.surface)
        overlay = {"GL_DEPTH_TEST": False, "GL_BLEND": True, "GL_CULL_FACE": False,
                   "glBlendFunc": ("GL_SRC_ALPHA", "GL_ONE_MINUS_SRC_ALPHA")}
        overlay = _gl_options(overlay)
        # The path and the hiker are drawn over the surface, never hidden behind a hill.
        self.path = gl.GLLinePlotItem(width=3, antialias=True, mode="line_strip",
                                      glOptions=overlay)
        self.gl_view.addItem(self.path)
        self.hiker = gl.GLScatterPlotItem(size=18, pxMode=True, glOptions=overlay)
        self.gl_view.addItem(self.hiker)
        font = ui_font(1.35)
        # A loss axis up the left corner, with the values at its ends. (Text is painted
        # over the scene, so it sits where the surface cannot hide what it labels.)
        self.z_axis = gl.GLLinePlotItem(pos=np.array([[-1, -1, 0], [-1, -1, HEIGHT]], float),
                                        width=2, antialias=True, glOptions="translucent")
        self.gl_view.addItem(self.z_axis)
        self.x_title = gl.GLTextItem(pos=(0.0, -1.25, 0.0), font=font)
        self.y_title = gl.GLTextItem(pos=(1.25, 0.0, 0.0), font=font)
        self.z_title = gl.GLTextItem(pos=(-1.0, -1.0, HEIGHT * 1.15), font=font)
        self.z_low = gl.GLTextItem(pos=(-1.08, -1.08, 0.0), font=ui_font(1.15))
        self.z_high = gl.GLTextItem(pos=(-1.08, -1.08, HEIGHT), font=ui_font(1.15))
        for item in (self.x_title, self.y_title, self.z_title):
            item.setData(alignment=Qt.AlignmentFlag.AlignHCenter)
        for item in (self.z_low, self.z_high):
            item.setData(alignment=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for item in (self.x_title, self.y_title, self.z_title, self.z_low, self.z_high):
            self.gl_view.addItem(item)

        row = QHBoxLayout()
        self.note = QLabel("")
        self.note.setFont(ui_font(1.0))
        self.note.setWordWrap(True)
        row.addWidget(self.note, 1)
        self.log_box = QCheckBox("Log height")
        self.log_box.setFont(ui_font(1.05))
        self.log_box.setToolTip(
            "Raise and colour the surface by the logarithm of the loss, so a deep narrow "
            "valley is not flattened by high walls (needs a loss that is never negative).")
        self.log_box.toggled.connect(self._log_toggled)
        row.addWidget(self.log_box)
        layout.addLayout(row)

    def _restyle(self, theme: Theme) -> None:
        if self.gl_view is None:
            return
        self._theme = theme
        self.gl_view.setBackgroundColor(theme.background)
        grid = QColor(theme.grid)
        self.floor.setColor(grid)
        text = QColor(theme.text)
        for item in (self.z_title, self.z_low, self.z_high):
            item.setData(color=text)
        self.z_axis.setData(color=pg.mkColor(theme.muted).getRgbF())
        self.x_title.setData(color=QColor(theme.axis_x))
        self.y_title.setData(color=QColor(theme.axis_y))
        self.path.setData(color=pg.mkColor(theme.trail).getRgbF())
        self.hiker.setData(color=pg.mkColor(theme.hiker_edge).getRgbF())
        self.note.setStyleSheet(f"color: {theme.muted};")

    # ----- inbound: what the controller publishes ------------------------------------------
    # Before the build, or without OpenGL, each setter only remembers what it was given.

    def set_problem(self, info) -> None:
        """Start on a new problem: the old surface and hiker go."""
        self._latest["set_problem"] = info
        if self.gl_view is None:
            return
        self._grid = None
        self._heights = None  # the old surface's heights: no hiker on them until a new grid
        self._frame = None
        self._log_user = None
        self.note.setText("A slice through the current weights: it moves as the other "
                          "weights learn." if info.is_network else "")

    def set_axes(self, axes) -> None:
        """Draw over other axes (or the same ones recentred); one variable gets a message."""
        self._latest["set_axes"] = axes
        if self.gl_view is None:
            return
        old = self._axes
        if old is None or (old.kind, old.x, old.y) != (axes.kind, axes.x, axes.y) or \
                old.directions is not axes.directions:
            self._log_user = None  # other parameters: a fresh choice (recentring keeps it)
        self._axes = axes
        self.stack.setCurrentWidget(self.message if axes.is_curve else self.gl_view)
        self.log_box.setVisible(not axes.is_curve)
        if not axes.is_curve:
            self.x_title.setData(text=axes.labels[0])
            self.y_title.setData(text=axes.labels[1])

    def set_landscape(self, grid) -> None:
        """Draw a computed grid as the surface (a curve's grid only shows the message)."""
        self._latest["set_landscape"] = grid
        if self.gl_view is None:
            return
        if grid.axes.is_curve:
            self.set_axes(grid.axes)
            return
        if self._axes is None or self._axes.is_curve:
            self.set_axes(grid.axes)
        self._grid = grid
        self._scale = LossScale(grid.z)
        log = self._scale.wide if self._log_user is None else self._log_user
        with QSignalBlocker(self.log_box):
            self.log_box.setEnabled(self._scale.can_log)
            self.log_box.setChecked(log and self._scale.can_log)
        self._draw_surface()

    def set_frame(self, frame) -> None:
        """Put the hiker and its path (``Frame.path_xy``) on the surface."""
        self._latest["set_frame"] = frame
        if self.gl_view is None:
            return
        self._frame = frame
        axes = self._axes
        if axes is None or axes.is_curve or self._heights is None:
            return
        trail = np.asarray(frame.path_xy, dtype=float).reshape(-1, 2)
        with np.errstate(all="ignore"):
            here = np.array([axes.project(frame.theta)], dtype=float)
        trail = trail[np.all(np.isfinite(trail), axis=1)]
        self.path.setData(pos=self._to_cube(trail) if len(trail) else np.zeros((0, 3)))
        shown = frame.status != "diverged" and np.all(np.isfinite(here))
        self.hiker.setData(pos=self._to_cube(here) if shown else np.zeros((0, 3)))

    # ----- drawing --------------------------------------------------------------------------

    def log_scale(self) -> bool:
        """Return whether heights and colours follow the logarithm of the loss."""
        return self.log_box.isChecked() and self.log_box.isEnabled()

    def _log_toggled(self, checked: bool) -> None:
        self._log_user = bool(checked)
        self._draw_surface()

    def _draw_surface(self) -> None:
        grid, scale = self._grid, self._scale
        if grid is None or scale is None:
            return
        log = self.log_scale()
        low, high = scale.levels(log)
        bottom = scale.log_low if log else scale.low
        if log and high - low > LOG_DECADES:
            # A narrow valley sampled on a grid turns into a comb of spikes many decades
            # deep; the floor of the 3-D picture stops LOG_DECADES below the top.
            low = high - LOG_DECADES
            bottom = 10.0 ** low
        values = scale.image(grid.z, log).astype(float)
        unit = np.clip((values - low) / (high - low), 0.0, 1.0)
        self._heights = unit * HEIGHT
        ends = (bottom, scale.high)
        self.z_low.setData(text=format_number(ends[0], 3))
        self.z_high.setData(text=format_number(ends[1], 3))
        self.z_title.setData(text="loss (log height)" if log else "loss")
        xs = np.linspace(-1.0, 1.0, len(grid.xs))
        ys = np.linspace(-1.0, 1.0, len(grid.ys))
        colours = pg.colormap.get(LOSS_COLORMAP).map(unit.T.ravel(), mode="float")
        colours = np.asarray(colours, dtype=np.float32).reshape(len(xs) * len(ys), 4)
        # pyqtgraph's surface is indexed [x, y]; the grid is [y, x].
        self.surface.setData(x=xs, y=ys, z=self._heights.T, colors=colours)
        self.surface.setVisible(True)
        if self._frame is not None:
            self.set_frame(self._frame)

    def _to_cube(self, points: np.ndarray) -> np.ndarray:
        """Map landscape coordinates to the drawing's box, on top of the surface."""
        grid = self._grid
        (x0, x1), (y0, y1) = (grid.xs[0], grid.xs[-1]), (grid.ys[0], grid.ys[-1])
        u = np.clip(2.0 * (points[:, 0] - x0) / ((x1 - x0) or 1.0) - 1.0, -1.0, 1.0)
        v = np.clip(2.0 * (points[:, 1] - y0) / ((y1 - y0) or 1.0) - 1.0, -1.0, 1.0)
        gx = np.linspace(-1.0, 1.0, len(grid.xs))
        gy = np.linspace(-1.0, 1.0, len(grid.ys))
        h = bilinear(gx, gy, self._heights, u, v)
        return np.column_stack([u, v, h + LIFT * HEIGHT]).astype(np.float32)

    def grab_frame(self):
        """Return the rendered 3-D picture as a QImage (None without OpenGL)."""
        if self.gl_view is None:
            return None
        return self.gl_view.grabFramebuffer()


def _gl_options(named: dict) -> dict:
    """Return GL options with their names turned into the PyOpenGL constants pyqtgraph wants."""
    from OpenGL import GL

    out = {}
    for key, value in named.items():
        if key == "glBlendFunc":
            out[key] = tuple(getattr(GL, name) for name in value)
        else:
            out[getattr(GL, key)] = value
    return out
