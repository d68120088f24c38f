"""File ▸ Export…: a figure of one view (or the whole window) with a live preview.

The dialog chooses the view, the format (PNG, SVG, PDF, or a GIF of the hiker walking),
the size (pixels, or centimetres or inches at a DPI), a scale of 1×–4× and the theme
(screen, or print: white, black text, thicker lines). It remembers its choices
(QSettings) and shows what will be written. The figure is drawn by ``ui.figures`` from
the workspace's state; the window's views are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .figures.animation import gif_bytes, walk
from .figures.catalog import (
    VIEW_NAMES,
    WINDOW,
    FigureError,
    build_figure,
    close_figure,
    fitting_size,
    left_out,
    marks_scale,
    unshrunk_cm,
    window_theme,
)
from .figures.painting import figure_bytes, image_of, paper_size, write_atomically
from .figures.spec import FigureSpec, figure_spec, view_label
from .figures.state import FigureState

FORMAT_NAMES = {".png": "PNG picture", ".svg": "SVG (vector)", ".pdf": "PDF (vector)",
                ".gif": "GIF animation"}
UNIT_NAMES = {"px": "pixels", "cm": "cm", "in": "inches"}
PREVIEW_SIZE = (420, 300)


@dataclass(frozen=True)
class FigureChoices:
    """What the Export dialog last chose (kept in QSettings under ``export/``)."""

    view: str = "landscape"
    fmt: str = ".png"
    width: float = 1600.0
    height: float = 1000.0
    unit: str = "px"
    dpi: float = 150.0
    scale: int = 1
    theme: str = "screen"
    frames: int = 60
    every: int = 1
    folder: str = ""

    @classmethod
    def load(cls, settings: QSettings) -> FigureChoices:
        """Return the remembered choices (the defaults for any missing or unreadable one)."""
        kept = {}
        for name, default in cls().__dict__.items():
            value = settings.value(f"export/{name}", default)
            try:
                kept[name] = type(default)(value)
            except (TypeError, ValueError):
                kept[name] = default
        choices = cls(**kept)
        if choices.view not in VIEW_NAMES or choices.fmt not in FORMAT_NAMES or \
                choices.unit not in UNIT_NAMES or choices.theme not in ("screen", "print"):
            return cls(folder=choices.folder)
        return choices

    def save(self, settings: QSettings) -> None:
        """Remember these choices."""
        for name, value in self.__dict__.items():
            settings.setValue(f"export/{name}", value)

    def spec(self, window_size: tuple[int, int] | None = None) -> FigureSpec:
        """Return the figure these choices describe (raises ValueError saying what is wrong).

        The whole window is drawn at its size on screen, so its size is the window's.
        """
        if self.view == WINDOW and window_size is not None:
            return figure_spec(WINDOW, f"{window_size[0]}x{window_size[1]}", 96.0, self.scale,
                               self.theme)
        unit = "" if self.unit == "px" else self.unit
        width = f"{self.width:g}" if unit else f"{round(self.width)}"
        height = f"{self.height:g}" if unit else f"{round(self.height)}"
        return figure_spec(self.view, f"{width}x{height}{unit}", self.dpi, self.scale,
                           self.theme)


class ExportDialog(QDialog):
    """The Export dialog of a window: choose a figure, see it, write it."""

    def __init__(self, window, view: str | None = None, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setWindowTitle("Export figure")
        self.window_ = window
        self.settings = window.settings
        choices = FigureChoices.load(self.settings)
        self.choices = replace(choices, view=view) if view in VIEW_NAMES else choices
        self.written: list[Path] = []
        self._state: FigureState | None = None
        self._build()
        self._show_choices(self.choices)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(150)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._changed()

    # ----- building -----------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout()
        self.view_box = QComboBox()
        for name in VIEW_NAMES:
            self.view_box.addItem(view_label(name), name)
        form.addRow("&View", self.view_box)
        self.format_box = QComboBox()
        for fmt, label in FORMAT_NAMES.items():
            self.format_box.addItem(label, fmt)
        form.addRow("&Format", self.format_box)

        size_row = QHBoxLayout()
        self.width_box, self.height_box = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(0.5, 8000)
            box.setDecimals(1)
            box.setKeyboardTracking(False)
        self.unit_box = QComboBox()
        for unit, label in UNIT_NAMES.items():
            self.unit_box.addItem(label, unit)
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        size_row.addWidget(self.unit_box)
        size_label = QLabel("&Size")
        size_label.setBuddy(self.width_box)
        form.addRow(size_label, size_row)
        self.dpi_box = QSpinBox()
        self.dpi_box.setRange(30, 2400)
        self.dpi_box.setSuffix(" dpi")
        self.dpi_box.setKeyboardTracking(False)
        self.dpi_box.setToolTip("Dots per inch: with the size, the figure's size on paper; its "
                                "text is sized in points for that")
        form.addRow("&Resolution", self.dpi_box)
        self.scale_box = QComboBox()
        for k in (1, 2, 3, 4):
            self.scale_box.addItem(f"{k}×", k)
        self.scale_box.setToolTip("Draw this many times the pixels (the layout stays the same)")
        form.addRow("S&cale", self.scale_box)
        self.theme_box = QComboBox()
        self.theme_box.addItem("Screen (as in the app's light theme)", "screen")
        self.theme_box.addItem("Print (white, black text, thicker lines)", "print")
        form.addRow("&Theme", self.theme_box)
        anim = QHBoxLayout()
        self.frames_box, self.every_box = QSpinBox(), QSpinBox()
        self.frames_box.setRange(1, 2000)
        self.every_box.setRange(1, 100_000)
        self.frames_box.setSuffix(" frames")
        self.every_box.setPrefix("every ")
        self.every_box.setSuffix(" steps")
        anim.addWidget(self.frames_box)
        anim.addWidget(self.every_box)
        self.animation_label = QLabel("&Animation")
        self.animation_label.setBuddy(self.frames_box)
        form.addRow(self.animation_label, anim)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.fit_note = QLabel()  # a view shrunk to fit the size asked for says so
        self.fit_note.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(*PREVIEW_SIZE)
        self.preview.setFrameShape(QLabel.Shape.StyledPanel)
        self.preview.setToolTip("What will be written (scaled down to fit)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("&Export…",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.summary)
        left.addWidget(self.fit_note)
        left.addStretch(1)
        columns.addLayout(left)
        columns.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        for box in (self.view_box, self.format_box, self.unit_box, self.scale_box, self.theme_box):
            box.currentIndexChanged.connect(self._changed)
        for box in (self.width_box, self.height_box, self.dpi_box, self.frames_box,
                    self.every_box):
            box.valueChanged.connect(self._changed)
        self.unit_box.currentIndexChanged.connect(self._unit_changed)
        self._unit = None

    def _show_choices(self, c: FigureChoices) -> None:
        for box, value in ((self.view_box, c.view), (self.format_box, c.fmt),
                           (self.unit_box, c.unit), (self.scale_box, c.scale),
                           (self.theme_box, c.theme)):
            box.blockSignals(True)
            box.setCurrentIndex(max(0, box.findData(value)))
            box.blockSignals(False)
        for box, value in ((self.width_box, c.width), (self.height_box, c.height),
                           (self.dpi_box, c.dpi), (self.frames_box, c.frames),
                           (self.every_box, c.every)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._unit = c.unit
        self._show_decimals()

    def _show_decimals(self) -> None:
        digits = 0 if self.unit_box.currentData() == "px" else 2
        for box in (self.width_box, self.height_box):
            box.blockSignals(True)
            box.setDecimals(digits)
            box.blockSignals(False)

    # ----- choices --------------------------------------------------------------------------

    def current_choices(self) -> FigureChoices:
        """Return the choices the dialog shows now."""
        return FigureChoices(
            self.view_box.currentData(), self.format_box.currentData(), self.width_box.value(),
            self.height_box.value(), self.unit_box.currentData(), float(self.dpi_box.value()),
            self.scale_box.currentData(), self.theme_box.currentData(), self.frames_box.value(),
            self.every_box.value(), self.choices.folder)

    def current_spec(self) -> FigureSpec:
        """Return the figure the dialog describes now (raises ValueError saying what is wrong)."""
        window = self.window_
        choices = self.current_choices()
        if choices.fmt == ".gif" and choices.view == WINDOW:
            raise ValueError("a GIF shows one view walking; choose a view, not the whole window")
        return choices.spec((window.width(), window.height()))

    def _unit_changed(self) -> None:
        """Keep the figure's size when the unit changes: convert the numbers shown."""
        new, dpi = self.unit_box.currentData(), float(self.dpi_box.value())
        per_inch = {"px": dpi, "cm": 2.54, "in": 1.0}
        old = self._unit or new
        factor = per_inch[new] / per_inch[old]
        self._show_decimals()
        for box in (self.width_box, self.height_box):
            box.blockSignals(True)
            box.setValue(box.value() * factor)
            box.blockSignals(False)
        self._unit = new
        self._changed()

    def _changed(self) -> None:
        fmt, view = self.format_box.currentData(), self.view_box.currentData()
        gif = fmt == ".gif"
        for widget in (self.frames_box, self.every_box, self.animation_label):
            widget.setEnabled(gif)
        whole_window = view == WINDOW
        for widget in (self.width_box, self.height_box, self.unit_box, self.dpi_box):
            widget.setEnabled(not whole_window)
        try:
            spec, problem = self.current_spec(), ""
        except ValueError as exc:
            spec, problem = None, str(exc).removeprefix("--size: ")
        if spec is not None and not problem:
            cw, ch = spec.physical_cm
            w, h = spec.pixels
            text = (f"{w} × {h} pixels" if fmt in (".png", ".gif") else
                    f"{cw:.1f} × {ch:.1f} cm")
            if fmt in (".png", ".gif"):
                text += f", {cw:.1f} × {ch:.1f} cm at {spec.dpi * spec.scale:g} dpi"
            if gif:
                text += f"; {self.frames_box.value()} frames, one per {self.every_box.value()} step(s)"
            self.summary.setText(text)
        else:
            self.summary.setText(f"<span style='color:#b00020'>{problem}</span>")
        self.export_button.setEnabled(spec is not None and not problem)
        self._preview_timer.start()

    # ----- preview and writing ------------------------------------------------------------------

    def state(self) -> FigureState:
        """Return the workspace's state, computed once per dialog (grids at their finest)."""
        if self._state is None:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self._state = FigureState.of(self.window_.controller.workspace)
            finally:
                QGuiApplication.restoreOverrideCursor()
        return self._state

    def figure_image(self, spec: FigureSpec) -> tuple[QImage, list[str]]:
        """Return the figure as an image (the first frame, for a GIF) and its notes on fitting.

        A view made smaller to fit the size says so, and the size that keeps its text at
        its size; a text panel that left out sections that do not fit whole at its text's
        size names them, and the size found to show them.
        """
        if spec.view == WINDOW:
            with window_theme(spec.theme):
                return image_of(self.window_, spec), []
        widget = build_figure(spec.view, self.state(), spec.layout, spec.theme)
        try:
            image = image_of(widget, spec, marks_scale(spec.theme))
            notes = []
            shrunk = paper_size(widget).width() / max(1, widget.width())
            if shrunk <= 0.97:
                width, height = unshrunk_cm(widget, spec)
                notes.append(
                    f"This view needs more room than this size: it is drawn at {shrunk:.0%} (its "
                    f"text smaller) so that nothing is cut off. {width:g} × {height:g} cm or "
                    "larger keeps the text at its size.")
            missing = left_out(widget)
            if missing:
                fitting = fitting_size(widget, spec, self.state())
                larger = (f"At least {fitting[0]:g} × {fitting[1]:g} cm shows it." if fitting
                          else "A larger figure shows it.")
                notes.append(f"Left out at this size, as it does not fit whole at 9–11 pt: "
                             f"{', '.join(missing)}. {larger}")
            return image, notes
        finally:
            close_figure(widget)

    def refresh_preview(self) -> None:
        """Draw the figure as it will be written, scaled to the preview."""
        try:
            spec = self.current_spec()
            small = replace(spec, scale=1)
            image, notes = self.figure_image(small)
        except (ValueError, FigureError) as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(str(exc).removeprefix("--size: "))
            self.fit_note.clear()
            return
        self.fit_note.setText("".join(f"<i>{note}</i><br>" for note in notes).removesuffix("<br>"))
        pixmap = QPixmap.fromImage(image).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pixmap)

    def choose_file(self) -> None:
        """Ask where to write the figure, then write it."""
        choices = self.current_choices()
        name = Path(self.window_.controller.path or "figure").name.split(".")[0]
        start = Path(choices.folder or Path.home()) / f"{name}-{choices.view}{choices.fmt}"
        path, _ = QFileDialog.getSaveFileName(self, "Export figure", str(start),
                                              f"{FORMAT_NAMES[choices.fmt]} (*{choices.fmt})")
        if path:
            if not path.lower().endswith(choices.fmt):
                path += choices.fmt
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the figure to ``path``; on success remember the choices and close."""
        choices = self.current_choices()
        try:
            spec = self.current_spec()
            data = self._figure_data(spec, choices)
            if data is None:
                return False  # the user stopped the animation
            self.written = [write_atomically(path, data)]
        except (ValueError, FigureError, OSError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc)
            self.summary.setText(f"<span style='color:#b00020'>Not written: {detail}</span>")
            return False
        self.choices = replace(choices, folder=str(Path(path).parent))
        self.choices.save(self.settings)
        self.window_.statusBar().showMessage(f"Wrote {path}", 6000)
        self.accept()
        return True

    def _figure_data(self, spec: FigureSpec, choices: FigureChoices) -> bytes | None:
        title = self.window_.controller.workspace.lesson.title
        if choices.fmt == ".gif":
            return self._gif(spec, choices.frames, choices.every)
        if spec.view == WINDOW:
            with window_theme(spec.theme):
                return figure_bytes(self.window_, spec, choices.fmt, title)
        widget = build_figure(spec.view, self.state(), spec.layout, spec.theme)
        try:
            return figure_bytes(widget, spec, choices.fmt, title, marks_scale(spec.theme))
        finally:
            close_figure(widget)

    def _gif(self, spec: FigureSpec, frames: int, every: int) -> bytes | None:
        """Return a GIF of the hiker walking on from here (on a twin: the run stays as it is).

        The twin shares the window's built formula, so no sympy runs here, on the GUI thread.
        """
        copy = self.window_.controller.workspace.twin()
        progress = QProgressDialog("Drawing the frames…", "Stop", 0, frames, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        stopped = []

        def tick(k: int) -> bool:
            progress.setValue(k)
            if progress.wasCanceled():
                stopped.append(k)
                return False
            return True

        try:
            data = gif_bytes(walk(copy, spec, frames, every, tick))
        finally:
            progress.close()
        return None if stopped else data
