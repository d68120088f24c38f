"""File ▸ Export… (Ctrl+E) and each view's right-click menu: Copy image, Export this view….

Copy image puts the figure on the clipboard twice over, as a PNG picture and as SVG
(``image/svg+xml``), drawn with the Export dialog's last size, DPI and theme.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from .export_dialog import ExportDialog, FigureChoices
from .figures.catalog import FigureError, build_figure, close_figure, marks_scale, view_label
from .figures.painting import figure_bytes, image_of
from .figures.state import FigureState


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
        self.dialog: ExportDialog | None = None

    def install(self, views: dict[str, QWidget]) -> None:
        """Give each view (by its figure name) a right-click menu."""
        for name, widget in views.items():
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, n=name, w=widget: self.show_menu(n, w, pos))

    def menu_for(self, name: str) -> QMenu:
        """Return the right-click menu of one view."""
        menu = QMenu(self.window)
        label = view_label(name)
        menu.addAction(f"&Copy image of the {label.lower()}", lambda: self.copy_image(name))
        menu.addAction(f"&Export the {label.lower()}…", lambda: self.open_dialog(name))
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
        self.dialog = ExportDialog(self.window, view)
        written = self.window.run_dialog(self.dialog)
        self.dialog = None
        return written

    def copy_image(self, name: str) -> bool:
        """Put one view's figure on the clipboard as PNG and SVG; return whether it worked."""
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
        self.window.statusBar().showMessage(f"Copied the {view_label(name).lower()} "
                                            f"({spec.pixels[0]} × {spec.pixels[1]} px, and SVG).",
                                            6000)
        return True


def _over_a_point(data_view, pos: QPoint) -> bool:
    """Return whether a right-click on the data view is on a point (which it deletes)."""
    plot = data_view.plot_widget
    scene_pos = plot.mapToScene(plot.mapFrom(data_view, pos))
    where = data_view.plot_item.getViewBox().mapSceneToView(scene_pos)
    return data_view.mode is not None and data_view.point_near(where.x(), where.y()) is not None
