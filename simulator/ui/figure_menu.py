"""File ▸ Export… (Ctrl+E) and each view's right-click menu: Copy image, Export this view….

Copy image puts the figure on the clipboard twice over, as a PNG picture and as SVG
(``image/svg+xml``), drawn with the Export dialog's last size, DPI and theme.

The Export dialog and the figures' drawing code are imported when a figure is first drawn
or the dialog first opened, not with the window, whose first paint needs neither.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from simulator.workspace.formula_text import latex_equations, plain_equations

from .figures.spec import format_of, view_label


class FigureMenu(QObject):
    """The window's figure actions: the Export dialog and the views' right-click menus."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.export_action = QAction("&Export figure…", window)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.export_action.setStatusTip("Export a view as a figure for lecture notes: PNG, SVG, "
                                        "PDF or an animated GIF (Ctrl+E)")
        self.export_action.triggered.connect(lambda: self.open_dialog())
        window.addAction(self.export_action)
        self.dialog = None  # the Export dialog while it is open

    def install(self, views: dict[str, QWidget]) -> None:
        """Give each view (by its figure name) a right-click menu."""
        for name, widget in views.items():
            if hasattr(widget, "extra_actions"):  # a view with a right-click menu of its own
                widget.extra_actions = tuple(self.menu_for(name, widget).actions())
                continue
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, n=name, w=widget: self.show_menu(n, w, pos))

    def menu_for(self, name: str, parent: QWidget | None = None) -> QMenu:
        """Return the right-click menu of one view."""
        menu = QMenu(parent or self.window)
        label = _in_a_sentence(view_label(name))
        menu.addAction(f"&Copy image of the {label}", lambda: self.copy_image(name))
        menu.addAction(f"&Export the {label}…", lambda: self.open_dialog(name))
        if name == "formula" and self._formula() is not None:
            menu.addSeparator()
            menu.addAction("Copy the equations as &LaTeX", self.copy_latex)
            menu.addAction("Export the e&quations (SVG, PDF)…", self.export_equations)
        if name == "stepper" and self._operation() is not None:
            menu.addSeparator()
            menu.addAction("Copy the operation as &LaTeX", self.copy_operation_latex)
            menu.addAction("Export the operation as an e&quation (SVG, PDF)…",
                           self.export_operation)
        return menu

    def show_menu(self, name: str, widget: QWidget, pos: QPoint) -> None:
        """Pop the view's menu up where it was right-clicked (not over a data point it deletes)."""
        if name == "data" and _over_a_point(widget, pos):
            return
        self.menu_for(name).popup(widget.mapToGlobal(pos))

    def open_dialog(self, view: str | None = None) -> bool:
        """Open the Export dialog (on one view); return whether a figure was written."""
        if not self.window.controller.ready:
            self.window.statusBar().showMessage("Open a lesson first: there is nothing to draw.",
                                                6000)
            return False
        from .export_dialog import ExportDialog

        self.dialog = ExportDialog(self.window, view)
        written = self.window.run_dialog(self.dialog)
        self.dialog = None
        return written

    def _formula(self):
        """Return the formula model of the lesson open, or None (a network, or none yet)."""
        workspace = self.window.controller.workspace
        return workspace.problem_info().formula if workspace.ready else None

    def _operation(self):
        """Return the stepper's operation reached, or None (no lesson, or nothing to step)."""
        workspace = self.window.controller.workspace
        return workspace.stepper_frame().current if workspace.ready else None

    def copy_operation_latex(self) -> bool:
        """Put the stepper's operation reached on the clipboard as one line of LaTeX."""
        operation = self._operation()
        if operation is None:
            return False
        QGuiApplication.clipboard().setText(operation.latex)
        self.window.statusBar().showMessage("Copied the operation as LaTeX.", 6000)
        return True

    def export_operation(self, path: str | None = None) -> bool:
        """Write the stepper's operation reached as an equation: SVG, PDF or PNG."""
        operation = self._operation()
        if operation is None:
            return False
        return self._write_equations(operation_lines(operation), "operation", path,
                                     operation.title)

    def copy_latex(self) -> bool:
        """Put J and its derivatives on the clipboard as a LaTeX ``aligned`` block."""
        model = self._formula()
        if model is None:
            return False
        latex, _ = _formula_lines(model)
        QGuiApplication.clipboard().setText(latex)
        self.window.statusBar().showMessage("Copied the equations as LaTeX.", 6000)
        return True

    def export_equations(self, path: str | None = None) -> bool:
        """Write J and its derivatives as an SVG, PDF or PNG (asking where unless told)."""
        model = self._formula()
        if model is None:
            return False
        return self._write_equations(_formula_lines(model)[1], "equations", path)

    def _write_equations(self, lines: list[str], name: str, path: str | None,
                         title: str = "Equations") -> bool:
        """Write lines of equations as an SVG, PDF or PNG (asking where unless told)."""
        from .export_dialog import FigureChoices
        from .figures.equations import equation_bytes
        from .figures.painting import write_atomically

        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.window, f"Export the {name}", str(Path.home() / f"{name}.svg"),
                "SVG (*.svg);;PDF (*.pdf);;PNG picture (*.png)")
            if not path:
                return False
        try:
            fmt = format_of(path)
            if fmt == ".gif":
                raise ValueError("equations are an .svg, .pdf or .png")
            theme = FigureChoices.load(self.window.settings).theme
            write_atomically(path, equation_bytes(lines, fmt, theme, title))
        except (ValueError, OSError) as exc:
            self.window.statusBar().showMessage(f"Not written: {exc}", 8000)
            return False
        self.window.statusBar().showMessage(f"Wrote {path}", 6000)
        return True

    def copy_image(self, name: str) -> bool:
        """Put one view's figure on the clipboard as PNG and SVG; return whether it worked."""
        from .export_dialog import FigureChoices
        from .figures.catalog import FigureError, build_figure, close_figure, marks_scale
        from .figures.painting import figure_bytes, image_of
        from .figures.state import FigureState

        choices = FigureChoices.load(self.window.settings)
        try:
            spec = FigureChoices(name, ".png", choices.width, choices.height, choices.unit,
                                 choices.dpi, choices.scale, choices.theme).spec()
            figure = build_figure(name, FigureState.of(self.window.controller.workspace),
                                  spec.layout, spec.theme)
        except (ValueError, FigureError) as exc:
            self.window.statusBar().showMessage(f"Could not copy the image: {exc}", 8000)
            return False
        try:
            mime = QMimeData()
            mime.setImageData(image_of(figure, spec, marks_scale(spec.theme)))
            mime.setData("image/svg+xml", figure_bytes(figure, spec, ".svg",
                                                       self.window.controller.workspace.lesson.title,
                                                       marks_scale(spec.theme)))
        finally:
            close_figure(figure)
        QGuiApplication.clipboard().setMimeData(mime)
        self.window.statusBar().showMessage(f"Copied the {_in_a_sentence(view_label(name))} "
                                            f"({spec.pixels[0]} × {spec.pixels[1]} px, and SVG).",
                                            6000)
        return True


def _in_a_sentence(label: str) -> str:
    """Return a view's label as it reads inside a sentence: its first letter small, "2-D" kept."""
    return label[:1].lower() + label[1:]


def _formula_lines(model) -> tuple[str, list[str]]:
    """Return a formula's equations as LaTeX and as the panel's text lines."""
    return (latex_equations(model.names, model.latex, model.derivative_latex),
            plain_equations(model.names, model.text, model.derivative_texts))


def operation_lines(operation) -> list[str]:
    """Return a stepper operation as the lines its card shows: target = formula, = numbers, = value."""
    parts: list[str] = []
    for part in (operation.formula.text, operation.numbers.text, operation.result().text):
        if part != (parts[-1] if parts else operation.target.text):
            parts.append(part)
    update = operation.quantity in ("memory", "parameter")
    head = f"{operation.target.text} {'←' if update else '='} "
    return [head + parts[0], *(f"= {part}" for part in parts[1:])] if parts else [head]


def _over_a_point(data_view, pos: QPoint) -> bool:
    """Return whether a right-click on the data view is on a point (which it deletes)."""
    plot = data_view.plot_widget
    scene_pos = plot.mapToScene(plot.mapFrom(data_view, pos))
    where = data_view.plot_item.getViewBox().mapSceneToView(scene_pos)
    return data_view.mode is not None and data_view.point_near(where.x(), where.y()) is not None
