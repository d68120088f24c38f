"""The one QApplication of a process, made with its OpenGL contexts sharing their objects.

pyqtgraph's 3-D line and scatter items compile their shader program once, in the first
OpenGL context that draws one, and keep it on the class. A second 3-D view or figure with
a context of its own (an exported 3-D figure after the window's 3-D tab, or a second
export) then asked OpenGL for a program it did not know: "invalid value", printed and
caught, and the view drew without them — no hiker, no path, a red floor grid. With
``AA_ShareOpenGLContexts`` every context shares Qt's global one, so the program stays
valid in all of them for the life of the app.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication


def share_opengl_contexts() -> None:
    """Make every OpenGL context share its objects; only takes effect before the QApplication."""
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def qt_application(argv: Sequence[str] = ()) -> QApplication:
    """Return the process's QApplication, making it (its contexts shared) if there is none."""
    app = QApplication.instance()
    if app is None:
        share_opengl_contexts()
        app = QApplication(list(argv))
    return app
