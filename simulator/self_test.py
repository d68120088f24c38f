"""``backprop-hiker --self-test``: check that this installation works, end to end, in under a minute.

It is meant for a frozen build above all (does the bundle hold every file, library, Qt plugin
and metadata the app needs?), and runs as well from a clone or a wheel. Each check prints one
line; the first that fails prints ``self-test failed: CHECK: REASON`` and the exit code is 1.
When all pass it prints ``self-test ok`` and the exit code is 0.

The window is opened on Qt's offscreen platform unless ``QT_QPA_PLATFORM`` names another,
and its settings and every exported file live in a temporary folder that is removed after,
so the user's own settings, recent files and autosaves are not touched.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILED = 0, 1
STEPS = 3  # optimizer steps taken on every built-in lesson
EXPORT_SIZE = "800x500"
#: modules a frozen build must carry although nothing imports them until they are needed
BUNDLED_MODULES = ("OpenGL.GL", "pyqtgraph.opengl", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg")
IMAGE_FORMATS = ("png", "svg", "jpg", "gif")


def _critical_only(kind, context, text) -> None:
    """Print Qt's critical and fatal messages (they say why a check failed), not its warnings."""
    from PySide6.QtCore import QtMsgType

    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        _say(text, error=True)


class SelfTestFailure(Exception):
    """A check that did not pass: its message is the reason."""


def _say(text: str, error: bool = False) -> None:
    """Print a line where there is somewhere to print it (a windowed Windows build has no stdout)."""
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        print(text, file=stream, flush=True)


def run_self_test() -> int:
    """Run every check in order; return 0 when all passed, else 1 after naming the first failure."""
    from simulator.app import use_platform_unless_chosen

    use_platform_unless_chosen("offscreen")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="backprop-hiker-self-test-") as folder:
        test = SelfTest(Path(folder))
        try:
            for name, check in test.checks():
                began = time.monotonic()
                detail = check()
                test.raise_caught(name)
                _say(f"  ok  {name}: {detail} ({time.monotonic() - began:.1f} s)")
        except SelfTestFailure as failure:
            _say(f"self-test failed: {failure}", error=True)
            return EXIT_FAILED
        except Exception as exc:  # an unexpected error is a failure too, with its reason
            _say(f"self-test failed: {test.current}: {type(exc).__name__}: {exc}", error=True)
            return EXIT_FAILED
        finally:
            test.close()
    _say(f"self-test ok ({time.monotonic() - started:.0f} s)")
    return EXIT_OK


class SelfTest:
    """The checks, in order, sharing one application and one window; ``folder`` is theirs to write in."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.current = "loading the app"  # until the first check starts
        self.window = None
        self.caught: list[str] = []  # exceptions raised in slots while a check ran
        self.messages: list[tuple[str, str]] = []  # what the controller said (level, text)
        self._earlier_hook = None
        self._earlier_messages = None

    def checks(self) -> list[tuple[str, Callable[[], str]]]:
        """Return (name, check) pairs; each check returns what it found, or raises SelfTestFailure."""
        from simulator.lessons.catalog import builtin_lessons

        named = [("files", self.files), ("libraries", self.libraries), ("qt", self.qt),
                 ("formula worker", self.formula_worker), ("window", self.open_window),
                 ("opengl", self.opengl), ("help", self.help)]
        named += [(f"lesson {path.name}", lambda p=path: self.lesson(p)) for path in builtin_lessons()]
        named += [("export png", lambda: self.export("png")), ("export svg", lambda: self.export("svg"))]
        return [(name, self._named(name, check)) for name, check in named]

    def _named(self, name: str, check: Callable[[], str]) -> Callable[[], str]:
        def run() -> str:
            self.current = name
            return check()
        return run

    def fail(self, reason: str) -> SelfTestFailure:
        """Return the failure of the current check, for ``raise``."""
        return SelfTestFailure(f"{self.current}: {reason}")

    def raise_caught(self, name: str) -> None:
        """Fail the check just run if a slot raised while it ran."""
        if self.caught:
            raise SelfTestFailure(f"{name}: an error was raised in the window: {self.caught[0]}")

    # ----- the checks ---------------------------------------------------------------------

    def files(self) -> str:
        """Check that the resources, the icons and the manual are where the app looks for them."""
        from simulator.lessons.catalog import builtin_lessons
        from simulator.locations import icons_dir, manual_dir, resources_dir

        lessons = builtin_lessons()
        if not lessons:
            raise self.fail(f"no built-in lessons in {resources_dir() / 'lessons'}")
        missing = [name for name in ("backprop-hiker.svg", "backprop-hiker-16.png", "backprop-hiker-512.png")
                   if not (icons_dir() / name).is_file()]
        if missing:
            raise self.fail(f"missing from {icons_dir()}: {', '.join(missing)}")
        manual_dir()  # raises, naming where it looked
        return f"{len(lessons)} lessons, icons and manual in {resources_dir().parent}"

    def libraries(self) -> str:
        """Check that every library's metadata is there (About names their versions) and OpenGL is bundled."""
        from simulator.ui.about import libraries

        found = libraries()
        missing = [lib.name for lib in found if not lib.found]
        if missing:
            raise self.fail(f"no metadata for {', '.join(missing)} (About could not show their versions)")
        missing_modules = [name for name in BUNDLED_MODULES if importlib.util.find_spec(name) is None]
        if missing_modules:
            raise self.fail(f"not bundled: {', '.join(missing_modules)}")
        return ", ".join(f"{lib.name} {lib.version}" for lib in found)

    def qt(self) -> str:
        """Start Qt (settings in the temporary folder); check its image-format plugins and SVG renderer."""
        from PySide6.QtCore import QSettings, qInstallMessageHandler, qVersion
        from PySide6.QtGui import QImageReader
        from PySide6.QtSvg import QSvgRenderer

        from simulator.locations import icons_dir
        from simulator.ui.application import qt_application
        from simulator.ui.launch import name_application

        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(QSettings.Format.IniFormat, scope, str(self.folder / "settings"))
            QSettings.setPath(QSettings.Format.NativeFormat, scope, str(self.folder / "settings"))
        self._earlier_messages = qInstallMessageHandler(_critical_only)
        app = qt_application(sys.argv[:1])
        name_application(app)
        self._earlier_hook, sys.excepthook = sys.excepthook, self._record
        readable = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
        missing = [f for f in IMAGE_FORMATS if f not in readable]
        if missing:
            raise self.fail(f"Qt cannot read {', '.join(missing)} images: image-format plugins missing")
        if not QSvgRenderer(str(icons_dir() / "backprop-hiker.svg")).isValid():
            raise self.fail("Qt's SVG renderer cannot draw the icon")
        if app.windowIcon().isNull():
            raise self.fail("the application has no icon")
        return f"Qt {qVersion()} on {app.platformName()}"

    def formula_worker(self) -> str:
        """Check that the worker process that runs sympy starts (in a frozen build: the app itself again)."""
        from simulator.symbolic.report import derive_with_budget

        report = derive_with_budget("w**2", 30.0, "w", {"w": "3"})
        if report["derivative"] != "2*w" or report["value"] != 6:
            raise self.fail(f"dJ/dw of w**2 at w = 3 came out {report['derivative']} = {report['value']}")
        return "dJ/dw of w² at w = 3 is 2w = 6"

    def open_window(self) -> str:
        """Open and show the main window, its settings in the temporary folder."""
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from simulator.ui.main_window import MainWindow

        window = MainWindow()
        window.settings = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        self.window = window
        window.controller.message.connect(lambda level, text: self.messages.append((level, text)))
        window.resize(1280, 800)
        window.show()
        QApplication.processEvents()
        if not window.isVisible():
            raise self.fail("the window did not show")
        return f"{window.width()}×{window.height()}"

    def opengl(self) -> str:
        """Check that PyOpenGL and pyqtgraph.opengl load on a display that has OpenGL (the 3-D view).

        A display without OpenGL is not a failure: the 3-D view then says so, as the app does.
        """
        from simulator.ui.views.landscape_3d import opengl_status

        problem, renderer = opengl_status()
        if problem is None:
            return f"the 3-D view draws with {renderer or 'an unnamed renderer'}"
        if problem.startswith(("PyOpenGL is not available", "OpenGL could not be loaded")):
            raise self.fail(problem)
        return f"not checked: {problem} (the 3-D view says so)"

    def help(self) -> str:
        """Check that the Help window renders the README and the lesson-format reference."""
        helper = self.window.show_help("README.md")
        if "Backprop Hiker" not in helper.browser.toPlainText():
            raise self.fail("the README came out empty")
        helper.show_document("docs/lesson-format.md")
        if "lesson" not in helper.browser.toPlainText():
            raise self.fail("the lesson-format reference came out empty")
        helper.close()
        return "README and lesson format"

    def lesson(self, path: Path) -> str:
        """Open a built-in lesson, take a few steps, and check that every view drew it without an error."""
        controller = self.window.controller
        self.messages.clear()
        if not self.window.open_lesson(str(path), now=True):  # built here: a check waits for it
            raise self.fail(self._last_message() or "it did not open")
        for _ in range(STEPS):
            controller.step()
        self._settle()
        frame = controller.frame()
        if frame.status != "diverged" and frame.step != STEPS:
            raise self.fail(f"after {STEPS} steps the run is at step {frame.step}")
        errors = [text for level, text in self.messages if level == "error"]
        if errors:
            raise self.fail(errors[0])
        loss = "diverged" if frame.status == "diverged" else f"loss {frame.loss:.4g}"
        if frame.status != "diverged" and not math.isfinite(frame.loss):
            raise self.fail(f"the loss is {frame.loss}")
        return f"{frame.step} steps, {loss}"

    def export(self, fmt: str) -> str:
        """Check that ``backprop-hiker export`` writes a figure of a lesson that Qt reads back."""
        from PySide6.QtGui import QImage
        from PySide6.QtSvg import QSvgRenderer

        from simulator.cli import main as cli_main
        from simulator.lessons.catalog import builtin_lessons

        lesson = str(builtin_lessons()[0])
        output = self.folder / f"figure.{fmt}"
        said = io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            code = cli_main(["export", lesson, str(output), "--steps", str(STEPS), "--size", EXPORT_SIZE])
        if code != 0 or not output.is_file():
            raise self.fail(f"export exited {code}: {said.getvalue().strip() or 'no file written'}")
        if fmt == "png":
            image = QImage(str(output))
            if image.isNull():
                raise self.fail(f"{output.name} is not a PNG Qt can read")
            found = f"{image.width()}×{image.height()} px"
        else:
            root = ElementTree.parse(output).getroot()
            if not root.tag.endswith("svg") or not QSvgRenderer(str(output)).isValid():
                raise self.fail(f"{output.name} is not an SVG Qt can draw")
            found = "an SVG Qt draws"
        return f"{found}, {output.stat().st_size:,} bytes"

    # ----- helpers ------------------------------------------------------------------------

    def _settle(self) -> None:
        """Let the background grids arrive and the views redraw."""
        from PySide6.QtWidgets import QApplication

        grids = self.window.controller.grids
        for _ in range(3):
            grids.wait(30_000)
            QApplication.processEvents()
            time.sleep(0.05)
            QApplication.processEvents()

    def _last_message(self) -> str:
        return self.messages[-1][1] if self.messages else ""

    def _record(self, exc_type, exc, tb) -> None:
        self.caught.append(f"{exc_type.__name__}: {exc}")
        (self._earlier_hook or sys.__excepthook__)(exc_type, exc, tb)

    def close(self) -> None:
        """Close the window without asking (nothing of the test is worth saving); put the hooks back."""
        if self.window is not None:
            from PySide6.QtCore import QCoreApplication, QEvent

            self.window.controller.undo_stack.setClean()
            self.window.close()
            self.window.settings.sync()  # now, while its folder exists: not at exit, after it is gone
            self.window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            self.window = None
        if self._earlier_hook is not None:
            sys.excepthook = self._earlier_hook
        if self._earlier_messages is not None:
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(self._earlier_messages)
