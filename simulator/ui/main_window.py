"""The main window: docks and menus; wires the views to the controller, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QMargins, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from simulator.lessons.catalog import builtin_lessons
from simulator.lessons.files import SUFFIX
from simulator.workspace.derivative_table import derivative_table
from simulator.workspace.frames import Frame, ProblemInfo
from simulator.workspace.play_rules import SPEEDS
from simulator.workspace.table_import import TableError, read_text
from simulator.workspace.window_rules import (
    NEW_LESSON_TITLE,
    lesson_path,
    lowered_rate,
    new_lesson,
    open_folder,
    remembered,
    save_folder,
    saves_in_place,
    still_there,
)
from simulator.workspace.window_text import (
    banner_change,
    file_title,
    shortened,
    status_texts,
    window_title,
)

from .about import AboutDialog, app_icon
from .autosave import Autosaver
from .binding import bind
from .controller import SessionController
from .controls.panel import ControlsPanel
from .figure_menu import FigureMenu
from .help_window import HelpWindow
from .import_dialog import ImportDataDialog
from .presenter import Presenter
from .properties import LessonProperties
from .screen_fit import DockPlan, fits, plan_for
from .theme import theme_manager
from .views.banner import Banner
from .views.curvature_view import CurvatureView
from .views.data_view import DataView
from .views.derivative_table import DerivativeTableView
from .views.formula_view import FormulaView
from .views.gradient_view import GradientView
from .views.history_bar import HistoryBar
from .views.landscape_3d import Landscape3DView
from .views.landscape_view import LandscapeView
from .views.lesson_panel import LessonPanel
from .views.loss_view import LossView
from .views.network_view import NetworkView
from .views.on_screen import catch_up_within
from .views.stepper_view import StepperView

#: the views of one kind of lesson (network or formula), each made when first wanted:
#: its name → the stack it is a page of, its class (in the order of the stack's pages)
LAZY_VIEWS = {"network": ("explainer", NetworkView), "formula": ("explainer", FormulaView),
              "data": ("ground", DataView), "curvature": ("ground", CurvatureView)}
GRADIENTS_TAB = "Gradients per layer"
GRADIENTS_TIP = "‖∂L/∂W‖ of each layer over the steps: vanishing and exploding gradients"

SHORTCUTS = (
    ("Space", "Play / pause"),
    ("Right", "Take one step"),
    ("Left", "Step back one step (exact rewind)"),
    ("→ / ← in the stepper", "Next / previous operation of the backprop stepper (once the "
                             "stepper panel has the keyboard: click it, or a lesson step that "
                             "shows it gives it the keys)"),
    ("R", "Reset to step 0"),
    ("+ / −", "Faster / slower (steps per frame)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo an edit"),
    ("Ctrl+O / Ctrl+S", "Open / save a lesson"),
    ("Page Down / Page Up", "Next / previous step of the lesson"),
    ("F5", "Presenter mode: Page Down / Page Up next / previous step; → / ← the backprop "
           "stepper's next / previous operation while it is shown, else next / previous step; "
           "Space play / pause; B or . black screen, W white screen, Ctrl+= / Ctrl+− / Ctrl+0 "
           "text size, Esc leaves"),
    ("F11", "Full screen"),
    ("Esc", "Leave a text field: the keys above drive the hiker again"),
)


class MainWindow(QMainWindow):
    """Backprop Hiker's window: the landscape in the centre, panels in docks around it."""

    def __init__(self, controller: SessionController | None = None):
        super().__init__()
        self.setWindowTitle("Backprop Hiker")
        self.setWindowIcon(app_icon())
        self.help_window: HelpWindow | None = None  # made when Help is first asked for
        self._working_said = ""  # "Working out…" in the banner, while no lesson is open yet
        self.controller = controller or SessionController(self)
        self.settings = QSettings("Backprop Hiker", "backprop-hiker")
        self._build_centre()
        self._build_docks()
        self._build_actions()
        self.figure_menu = FigureMenu(self)
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._frame: Frame | None = None
        c = self.controller
        for view in (self.landscape, self.landscape_3d, self.history, self.controls, self.loss):
            bind(c, view, replay=False)
        c.frameChanged.connect(self._show_frame)
        c.playingChanged.connect(self._show_playing)
        c.speedChanged.connect(self._show_speed)
        c.message.connect(self._show_message)
        c.formulaWorking.connect(self._show_working)
        c.problemChanged.connect(lambda _info: self._show_working(""))
        c.fileChanged.connect(self._show_file)
        c.undo_stack.cleanChanged.connect(self._show_clean)
        self.autosaver = Autosaver(c, parent=self)  # started by the app (launch.run_gui)
        self.setAcceptDrops(True)  # a lesson file dropped on the window opens
        self.banner.rewindRequested.connect(c.step_back)
        self.banner.lowerRateRequested.connect(self._lower_learning_rate)
        self._build_presenting()
        self.figure_menu.install({"landscape": self.landscape, "landscape3d": self.landscape_3d,
                                  "loss": self.loss, "stepper": self.stepper})
        self.layout_restored = False  # True once restore_settings brings back a saved layout
        self.fit_to_screen()
        if c.ready:
            c.replay_state()

    # ----- layout -------------------------------------------------------------------------

    def _build_centre(self) -> None:
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        self.banner = Banner()
        self.landscape = LandscapeView()
        self.landscape_3d = Landscape3DView()
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.landscape, "Landscape 2-D")
        self.views.addTab(self.landscape_3d, "3-D")
        self.views.setTabToolTip(0, "The cost surface seen from above, with the hiker")
        self.views.setTabToolTip(1, "The cost surface in 3-D: drag to orbit, scroll to zoom")
        self.history = HistoryBar()
        # Keys belong to the landscape at start (Space plays) and after a click on it.
        self.landscape.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.landscape)
        layout.addWidget(self.banner)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.history)
        self.setCentralWidget(centre)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        c = self.controller
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.controls = ControlsPanel()
        # One dock explains the problem: the network diagram, or a formula's derivative,
        # nudge table and computation graph. The data dock shows the dataset for a network,
        # the curvature for a formula. Each view holds its page from when it is first
        # wanted (see ``LAZY_VIEWS``); until then a blank page keeps its place.
        self.explainer = QStackedWidget()
        self.ground = QStackedWidget()
        self._views: dict[str, QWidget] = {}
        self._pages: dict[QWidget, str] = {}  # each blank page, by the view it stands for
        for name, (stack, _view) in LAZY_VIEWS.items():
            page = QWidget()
            self._pages[page] = name
            getattr(self, stack).addWidget(page)
        self.loss = LossView()
        # The loss dock's tabs: the loss curve, and the gradient's size per layer (made when
        # first wanted: see ``gradients``).
        self.loss_tabs = QTabWidget()
        self.loss_tabs.setDocumentMode(True)
        self.loss_tabs.addTab(self.loss, "Loss")
        self.loss_tabs.addTab(QWidget(), GRADIENTS_TAB)
        self.loss_tabs.setTabToolTip(1, GRADIENTS_TIP)
        self.loss_tabs.currentChanged.connect(self._loss_tab_chosen)
        self.docks = [
            self._dock("Controls", "controls", self.controls, left),
            self._dock("Network", "network", self.explainer, right),
            self._dock("Data", "data", self.ground, right),
            self._dock("Loss", "loss", self.loss_tabs, bottom),
        ]
        for dock in self.docks:
            # Tabs rather than floating windows: a floating dock can end up off the screen.
            dock.setFeatures(dock.features() & ~QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            # A view under another dock's tab puts its drawing off until its tab is chosen.
            dock.visibilityChanged.connect(
                lambda shown, d=dock: shown and catch_up_within(d.widget()))
        # The side columns run the window's full height; the loss row sits under the landscape.
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        self.setDockOptions(self.dockOptions() | QMainWindow.DockOption.AllowTabbedDocks)
        c.problemChanged.connect(self._show_explainer)

    @property
    def network(self) -> NetworkView:
        """The network diagram, in the Network dock (made when first wanted)."""
        return self._view("network")

    @property
    def formula(self) -> FormulaView:
        """A formula's derivative, nudge table and graph, in the same dock (made when first wanted)."""
        return self._view("formula")

    @property
    def data(self) -> DataView:
        """The dataset and the decision map, in the Data dock (made when first wanted)."""
        return self._view("data")

    @property
    def curvature(self) -> CurvatureView:
        """A formula's curvature, in the same dock (made when first wanted)."""
        return self._view("curvature")

    def _view(self, name: str, info: ProblemInfo | None = None) -> QWidget:
        """Return one of ``LAZY_VIEWS``, made and bound now if it is not yet.

        A view made for a new problem (``info``, while ``problemChanged`` is sent) is
        told the problem; the rest of the state follows in the same publication. One
        made at another time is shown the state now.
        """
        view = self._views.get(name)
        if view is not None:
            return view
        stack_name, kind = LAZY_VIEWS[name]
        c = self.controller
        view = self._views[name] = bind(c, kind(), replay=False)
        stack = getattr(self, stack_name)
        page = next(p for p, n in self._pages.items() if n == name)
        del self._pages[page]
        index, current = stack.indexOf(page), stack.currentWidget()
        stack.insertWidget(index, view)
        stack.setCurrentWidget(view if current is page else current)
        stack.removeWidget(page)
        page.deleteLater()
        if hasattr(view, "stepperRequested"):
            view.stepperRequested.connect(self.show_stepper)
        if name != "curvature":  # (the curvature has no figure of its own)
            self.figure_menu.install({name: view})
        if info is not None:
            view.set_problem(info)
        elif c.ready:
            frame = c.frame()
            for setter, value in (("set_problem", c.workspace.problem_info()),
                                  ("set_axes", c.workspace.axes), ("set_frame", frame),
                                  ("paint_diagram", frame)):
                if hasattr(view, setter):
                    getattr(view, setter)(value)
        return view

    def _shown_view(self, stack: QStackedWidget) -> QWidget:
        """Return the view a stack shows, made now if its page is still blank."""
        widget = stack.currentWidget()
        return self._view(self._pages[widget]) if widget in self._pages else widget

    _gradients: GradientView | None = None

    @property
    def gradients(self) -> GradientView:
        """The gradient size per layer, in the loss dock's second tab.

        It is made the first time it is wanted (its tab chosen, a lesson's step, a figure,
        presenter mode), not at start, and shows the state then.
        """
        if self._gradients is None:
            self._gradients = view = bind(self.controller, GradientView(), replay=False)
            chosen = self.loss_tabs.currentIndex()
            placeholder = self.loss_tabs.widget(1)
            self.loss_tabs.removeTab(1)
            placeholder.deleteLater()
            self.loss_tabs.insertTab(1, view, GRADIENTS_TAB)
            self.loss_tabs.setTabToolTip(1, GRADIENTS_TIP)
            self.loss_tabs.setCurrentIndex(chosen)
            self.figure_menu.install({"gradients": view})
            if self.controller.ready:
                view.set_problem(self.controller.workspace.problem_info())
                view.paint_frame(self.controller.frame())
        return self._gradients

    def _loss_tab_chosen(self, index: int) -> None:
        if index == 1:
            self.gradients  # noqa: B018 - made now, to be seen

    def fit_to_screen(self) -> None:
        """Fill the screen's available area and arrange the docks for its size.

        The app then shows the window maximized (``launch.show_window``), so that the
        window manager fits its frame and panels; a figure export resizes it instead.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        handle = self.windowHandle()
        margins = handle.frameMargins() if handle is not None else QMargins()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowFullScreen)
        self.setGeometry(available.marginsRemoved(margins))
        self.arrange_docks(plan_for(available.width(), available.height()))
        self._default_state = self.saveState()

    def arrange_docks(self, plan: DockPlan) -> None:
        """Put the docks where a plan says (see ``screen_fit``) and size them."""
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        controls, explainer, ground, loss = self.docks[:4]
        # From no tab groups: tabbing docks that are tabbed already leaves stale tab bars.
        docks = self.findChildren(QDockWidget)
        visible = {dock: not dock.isHidden() for dock in docks}
        for dock in docks:
            self.removeDockWidget(dock)
            dock.setFloating(False)
            self.addDockWidget(right, dock)
            dock.setVisible(visible[dock])
        # One tab group of seven panels beside a 1024-wide landscape: tabs down its edge
        # keep every title whole, where a row of tabs under it would elide them to "Cont…".
        self.setTabPosition(right, QTabWidget.TabPosition.East if plan.kind == "tabs"
                            else QTabWidget.TabPosition.South)
        if plan.kind == "tabs":
            self.addDockWidget(right, controls)
            for dock in (explainer, ground, loss):
                self.tabifyDockWidget(controls, dock)
            self.resizeDocks([controls], [plan.right], Qt.Orientation.Horizontal)
        else:
            self.addDockWidget(left, controls)
            self.addDockWidget(right, explainer)
            if plan.kind == "side":
                for dock in (ground, loss):
                    self.tabifyDockWidget(explainer, dock)
            else:
                self.splitDockWidget(explainer, ground, Qt.Orientation.Vertical)
                self.addDockWidget(bottom, loss)
                self.resizeDocks([loss], [plan.bottom], Qt.Orientation.Vertical)
                height = self.height()
                self.resizeDocks([explainer, ground], [round(0.58 * height), round(0.42 * height)],
                                 Qt.Orientation.Vertical)
            self.resizeDocks([controls, explainer], [plan.left, plan.right],
                             Qt.Orientation.Horizontal)
        # The explainer (network diagram or formula) is what a lesson starts on.
        explainer.raise_()
        self._place_lesson_docks(plan.kind)

    def view_widget(self, name: str) -> QWidget:
        """Return the widget that shows a view by its name (for figures), such as ``landscape``."""
        return {"window": self, "landscape": self.landscape, "loss": self.loss,
                "gradients": self.gradients,
                "data": self._shown_view(self.ground),
                "network": self._shown_view(self.explainer), "stepper": self.stepper}[name]

    def _show_explainer(self, info) -> None:
        explainer, ground = ("network", "data") if info.is_network else ("formula", "curvature")
        self.explainer.setCurrentWidget(self._view(explainer, info))
        self.docks[1].setWindowTitle("Network" if info.is_network else "Formula")
        self.ground.setCurrentWidget(self._view(ground, info))
        self.docks[2].setWindowTitle("Data" if info.is_network else "Curvature")

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip or text)
        action.setStatusTip(tip or text)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        c = self.controller
        a = self._action
        self.act_new = a("&New lesson", self.new_lesson, QKeySequence.StandardKey.New,
                         "Start a new lesson: J(w) = w² at w = 3")
        self.act_open = a("&Open lesson…", self.open_dialog, QKeySequence.StandardKey.Open,
                          "Open a *.lesson.json file (or drop one on the window)")
        self.act_properties = a("Lesson &properties…", self.edit_properties, None,
                                "Edit the lesson's title, description and steps' texts")
        self.act_save = a("&Save lesson", self.save, QKeySequence.StandardKey.Save,
                          "Save the lesson with the current weights and settings")
        self.act_save_as = a("Save lesson &as…", self.save_as, QKeySequence.StandardKey.SaveAs,
                             "Save the lesson under a new name")
        self.act_import = a("&Import data…", self.import_dialog, None,
                            "Learn your own points from a CSV file (or drop one on the window)")
        self.act_export_data = a("E&xport data…", self.export_data_dialog, None,
                                 "Write the current points to a CSV file")
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit, "Close Backprop Hiker")
        self.act_undo = c.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = c.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        self.act_play = a("&Play", c.toggle_play, "Space", "Play or pause the descent (Space)")
        self.act_step = a("&Step", c.step, "Right", "Take one optimizer step (Right arrow)")
        self.act_back = a("Step &back", c.step_back, "Left",
                          "Go back one step, exactly as it was (Left arrow)")
        self.act_reset = a("&Reset", c.reset, "R", "Back to step 0 of this run (R)")
        self.act_faster = a("&Faster", c.faster, "+", "More steps per frame (+)")
        self.act_faster.setShortcuts([QKeySequence("+"), QKeySequence("="),
                                      QKeySequence("Ctrl++")])
        self.act_slower = a("S&lower", c.slower, "-", "Fewer steps per frame (−)")
        self.act_full = a("&Full screen", self._toggle_full_screen, "F11", "Full screen (F11)")
        self.act_full.setCheckable(True)
        self.act_focus = a("Keys to the &landscape", self._focus_landscape, "Esc",
                           "Leave a text field so that Space, arrows and R drive the hiker (Esc)")
        self.act_keys = a("&Keyboard shortcuts", self.show_shortcuts, None,
                          "List the keyboard shortcuts")
        self.act_about = a("&About Backprop Hiker", self._about)
        self.act_help = a("Backprop Hiker &help", lambda: self.show_help("README.md"),
                          QKeySequence.StandardKey.HelpContents, "Read the manual, offline (F1)")
        self.act_format_help = a("Lesson &format reference",
                                 lambda: self.show_help("docs/lesson-format.md"), None,
                                 "Every field of a *.lesson.json file, with an example")
        self.act_reset_layout = a("Reset &layout", self.reset_layout, None,
                                  "Put every panel back where it started")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.act_new)
        file.addAction(self.act_open)
        lessons = file.addMenu("Built-in &lessons")
        for path in builtin_lessons():
            title = path.name.removesuffix(SUFFIX).replace("-", " ")
            action = lessons.addAction(title)
            action.triggered.connect(lambda _=False, p=path: self.open_asking(str(p)))
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        file.addAction(self.act_save)
        file.addAction(self.act_save_as)
        file.addAction(self.figure_menu.export_action)
        file.addSeparator()
        file.addAction(self.act_import)
        file.addAction(self.act_export_data)
        file.addSeparator()
        file.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.act_undo)
        edit.addAction(self.act_redo)
        self.lesson_menu = bar.addMenu("&Lesson")
        self.lesson_menu.addAction(self.act_properties)
        self.view_menu = view = bar.addMenu("&View")
        for dock in self.docks:
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        theme = view.addMenu("&Theme")
        self.theme_actions = {}
        for name in ("system", "light", "dark"):
            action = theme.addAction(name.capitalize())
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_actions[name] = action
        view.addAction(self.act_full)
        view.addAction(self.act_reset_layout)
        run = bar.addMenu("&Run")
        for action in (self.act_play, self.act_step, self.act_back, self.act_reset,
                       self.act_faster, self.act_slower, self.act_focus):
            run.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_help)
        help_menu.addAction(self.act_format_help)
        help_menu.addAction(self.act_keys)
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Run")
        bar.setObjectName("run-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.act_reset, self.act_back, self.act_step, self.act_play):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed "))
        self.speed = QComboBox()
        self.speed.setToolTip("Optimizer steps per frame while playing (+ and − change it)")
        for s in SPEEDS:
            self.speed.addItem(f"{s} step{'s' if s > 1 else ''} / frame", s)
        self.speed.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.speed.activated.connect(lambda i: self.controller.set_speed(self.speed.itemData(i)))
        bar.addWidget(self.speed)
        self.addToolBar(bar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_fields = {}
        for key, tip in (("step", "Optimizer steps taken"), ("loss", "Training loss now"),
                         ("grad", "Length of the gradient ‖∇L‖: how steep the ground is"),
                         ("state", "ready, running, converged or diverged")):
            label = QLabel()
            label.setToolTip(tip)
            # A fixed width: numbers changing length every frame would re-lay out the window.
            label.setFixedWidth(label.fontMetrics().horizontalAdvance("Loss 0.0000000e-000") + 16)
            status.addPermanentWidget(label)
            self.status_fields[key] = label

    # ----- showing the model --------------------------------------------------------------

    def _show_frame(self, frame: Frame) -> None:
        self._frame = frame
        for key, text in status_texts(frame).items():
            self.status_fields[key].setText(text)
        change = banner_change(frame, self._explained, self.banner.isVisibleTo(self),
                               self.banner.rewind.isVisibleTo(self.banner))
        self._explained = change.explained
        if change.do == "show":
            self.banner.show_message(change.text, change.level, actions=change.actions)
        elif change.do == "retext":
            self.banner.label.setText(change.text)
        elif change.do == "hide":
            self.banner.hide()
            self.banner.level = "info"

    _explained: str | None = None  # the status sentence the banner shows, if any

    def _show_clean(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _show_playing(self, playing: bool) -> None:
        self.act_play.setText("&Pause" if playing else "&Play")

    def _show_speed(self, steps: int, fps: int) -> None:
        index = self.speed.findData(steps)
        if index < 0:
            self.speed.addItem(f"{steps} steps / frame", steps)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    def _show_message(self, level: str, text: str) -> None:
        text = shortened(text)
        self.statusBar().showMessage(text, 8000)
        diverged = self._frame is not None and self._frame.status == "diverged"
        if level in ("note", "warning", "error") and not diverged:
            self.banner.show_message(text, level)

    def _show_working(self, text: str) -> None:
        """Say in the banner that the first lesson's formula is being worked out (no lesson yet)."""
        text = shortened(text)
        if text and not self.controller.ready:
            # (with a lesson open, the formula field says it, under the lesson that stays)
            self.statusBar().showMessage(text)
            if self.banner.isHidden() or self.banner.level == "info":  # a refusal stays
                self.banner.show_message(text, "info")
            self._working_said = text
        elif not text and self._working_said:
            if self.banner.label.text() == self._working_said:
                self.banner.hide()
            if self.statusBar().currentMessage() == self._working_said:
                self.statusBar().clearMessage()
            self._working_said = ""

    def _show_file(self, path: str) -> None:
        self.setWindowFilePath(path)
        self.setWindowTitle(file_title(path))
        self.settings.setValue("recent", remembered(self.settings.value("recent", [], list), path))
        self.settings.setValue("last_file", path)
        if self.controller.undo_stack.isClean():
            self.autosaver.remove()  # saved, or a file opened afresh: nothing to recover

    def _lower_learning_rate(self) -> None:
        back, rate = lowered_rate(self._frame)
        if back:
            self.controller.step_back()
        self.controller.set_learning_rate(rate)

    # ----- files ---------------------------------------------------------------------------

    def open_lesson(self, path: str, now: bool = False,
                    otherwise: Callable[[], None] | None = None) -> bool:
        """Open a lesson file (a bad file gets a message; the current lesson stays, then ``otherwise``).

        A formula lesson's sympy work is done off the GUI thread (``now``: on it, for the
        self-test's checks).
        """
        return self.controller.open_file(path, now, otherwise)

    def may_replace(self) -> bool:
        """Return whether the lesson may be replaced: no unsaved edits, or saved or discarded."""
        if self.controller.undo_stack.isClean():
            return True
        answer = self.ask_to_replace()
        if answer == QMessageBox.StandardButton.Save:
            self.save()
            return self.controller.undo_stack.isClean()
        return answer == QMessageBox.StandardButton.Discard

    def _ask_about_unsaved(self, before: str) -> QMessageBox.StandardButton:
        """Ask Save / Discard / Cancel for unsaved changes ``before`` closing or opening."""
        name = Path(self.controller.path).name if self.controller.path else "this lesson"
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {name} before {before}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)

    def ask_to_replace(self) -> QMessageBox.StandardButton:
        """Ask what to do with unsaved changes before another lesson opens."""
        return self._ask_about_unsaved("opening another lesson")

    def open_asking(self, path: str) -> bool:
        """Open a lesson file once unsaved edits are saved or discarded."""
        return self.may_replace() and self.open_lesson(path)

    def new_lesson(self) -> bool:
        """Start a new lesson in no file yet: the seed's J(w) = w² at w = 3."""
        if not self.may_replace():
            return False
        def named() -> None:  # once it is open (its formula is built off the GUI thread)
            self.autosaver.remove()
            self.setWindowFilePath("")
            self.setWindowTitle(window_title(NEW_LESSON_TITLE))
        return self.controller.new_file(new_lesson(), then=named)

    def open_dialog(self) -> None:
        """Ask for a lesson file and open it."""
        if not self.may_replace():
            return
        start = str(open_folder(self.controller.path, Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open lesson", start,
                                              f"Lessons (*{SUFFIX});;JSON (*.json);;All files (*)")
        if path:
            self.open_lesson(path)

    @staticmethod
    def _dropped_lesson(event) -> str | None:
        """Return the local JSON file a drag carries, if it carries exactly one."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return files[0] if len(files) == 1 and files[0].endswith(".json") else None

    @staticmethod
    def _dropped_table(event) -> str | None:
        """Return the local CSV file a drag carries, if it carries exactly one."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return files[0] if len(files) == 1 and \
            files[0].lower().endswith((".csv", ".tsv")) else None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Accept a dragged lesson file or CSV table."""
        if self._dropped_lesson(event) or self._dropped_table(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Open a dropped lesson file (unsaved edits are asked about first), import a table."""
        path = self._dropped_lesson(event)
        table = self._dropped_table(event)
        if path:
            event.acceptProposedAction()
            self.open_asking(path)
        elif table:
            event.acceptProposedAction()
            self.import_data(table)

    def import_dialog(self) -> None:
        """Ask for a CSV file and import its points."""
        path, _ = QFileDialog.getOpenFileName(self, "Import data", str(Path.home()),
                                              "Tables (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.import_data(path)

    def import_data(self, path: str) -> bool:
        """Show a CSV file's import dialog; learn its points if they are taken."""
        try:
            text = read_text(path)
        except TableError as exc:
            self.controller.message.emit("error", f"Could not import {Path(path).name}: {exc}")
            return False
        dialog = ImportDataDialog(text, Path(path).name, self)
        if not self.run_dialog(dialog) or dialog.points is None:
            return False
        return self.controller.import_points(dialog.points)

    def export_data_dialog(self) -> None:
        """Ask for a file name and write the current points there as CSV."""
        path, _ = QFileDialog.getSaveFileName(self, "Export data", str(Path.home() / "data.csv"),
                                              "CSV (*.csv)")
        if path:
            self.controller.export_points(path)

    def edit_properties(self) -> bool:
        """Edit the lesson's title, description and steps' texts; return whether they changed."""
        lesson = self.controller.workspace.lesson
        if lesson is None:
            return False
        dialog = LessonProperties(lesson.title, lesson.description,
                                  [(step.title, step.text) for step in lesson.steps], self)
        if not self.run_dialog(dialog):
            return False
        return self.controller.set_lesson_text(*dialog.texts())

    def run_dialog(self, dialog) -> bool:
        """Show a modal dialog; return whether it was accepted (tests replace this)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def save(self) -> None:
        """Save to the current file, or ask for one."""
        if saves_in_place(self.controller.path):
            self.controller.save_file(self.controller.path)
        else:
            self.save_as()

    def save_as(self) -> None:
        """Ask for a file name and save the lesson there."""
        folder = save_folder(self.controller.path, Path.home())
        name = self.controller.workspace.suggested_file_name()
        path, _ = QFileDialog.getSaveFileName(self, "Save lesson", str(folder / name),
                                              f"Lessons (*{SUFFIX})")
        if path:
            self.controller.save_file(lesson_path(path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = still_there(self.settings.value("recent", [], list))
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_asking(p))
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # ----- view settings --------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        """Switch theme (system, light or dark) and remember it."""
        theme_manager().apply(name)
        for key, action in self.theme_actions.items():
            action.setChecked(key == name)
        self.settings.setValue("theme", name)

    def _focus_landscape(self) -> None:
        self.landscape.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.act_full.setChecked(self.isFullScreen())

    def reset_layout(self) -> None:
        """Put every dock back where it started, sized for this screen."""
        for dock in self.docks:
            dock.show()
        self.fit_to_screen()

    def _screen_key(self) -> str:
        """Return the available screen size as text, saved with a layout made for it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        size = screen.availableGeometry().size()
        return f"{size.width()}x{size.height()}"

    def restore_settings(self) -> bool:
        """Restore the theme, and the last layout if it was made for this screen and fits it.

        Returns whether the layout was restored; when not, the window keeps its fit to
        the screen (a layout from another screen could be squeezed or off screen).
        """
        self.set_theme(str(self.settings.value("theme", "system")))
        self.layout_restored = False
        geometry = self.settings.value("geometry")
        state = self.settings.value("state")
        if not (isinstance(geometry, QByteArray) and isinstance(state, QByteArray)
                and self.settings.value("screen") == self._screen_key()):
            return False
        self.restoreGeometry(geometry)
        screen = self.screen() or QGuiApplication.primaryScreen()
        restored = self.restoreState(state)
        if not restored or not (self.isMaximized() or fits(self.frameGeometry(),
                                                           screen.availableGeometry())):
            self.fit_to_screen()
            return False
        self.layout_restored = True
        return True

    def forget_settings(self) -> None:
        """Forget the saved layout and theme."""
        for key in ("geometry", "state", "screen", "theme"):
            self.settings.remove(key)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Give the landscape the keyboard, so Space plays straight away."""
        super().showEvent(event)
        self.landscape.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def ask_to_save(self) -> QMessageBox.StandardButton:
        """Ask what to do with unsaved changes: Save, Discard or Cancel."""
        return self._ask_about_unsaved("closing")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Offer to save unsaved edits, stop playing, remember the layout, then close."""
        self.controller.pause()
        if not self.controller.undo_stack.isClean():
            answer = self.ask_to_save()
            if answer == QMessageBox.StandardButton.Save:
                self.save()
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save
                    and not self.controller.undo_stack.isClean()):
                event.ignore()  # cancelled, or the save did not happen: keep the work
                return
        self.controller.stop_background()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.setValue("screen", self._screen_key())
        self.autosaver.stop()  # a clean close: nothing to offer back at the next start
        super().closeEvent(event)

    # ----- help ------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        """Show the keyboard shortcuts."""
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts",
                          f"<table>{rows}</table>", QMessageBox.StandardButton.Close, self)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def _about(self) -> None:
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def show_help(self, document: str) -> HelpWindow:
        """Open the offline Help (one window, raised if open) on a document of the manual."""
        if self.help_window is None:
            self.help_window = HelpWindow(self)
        self.help_window.show_document(document)
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()
        return self.help_window

    # ----- lessons and presenter mode: the lesson panel, the derivative table, F5 ----------

    def _build_presenting(self) -> None:
        """Make the lesson panel and derivative table docks, and presenter mode (F5)."""
        c = self.controller
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.lesson_panel = bind(c, LessonPanel(), replay=False)
        # A lesson chosen in the panel opens as File ▸ Open does: unsaved edits are asked about.
        self.lesson_panel.openRequested.disconnect(c.open_file)
        self.lesson_panel.openRequested.connect(self.open_asking)
        self.stepper = bind(c, StepperView(), replay=False)
        self.lesson_dock = self._dock("Lesson", "lesson", self.lesson_panel, right)
        # The table is made when first wanted (see ``derivative_table``).
        self.derivative_dock = self._dock("Derivatives", "derivatives", QWidget(), right)
        self.stepper_dock = self._dock("Backprop stepper", "stepper", self.stepper, right)
        self.stepper_dock.setToolTip("One sample's forward and backward pass, operation by "
                                     "operation, on this network (or formula)")
        for dock in (self.lesson_dock, self.derivative_dock, self.stepper_dock):
            dock.setFeatures(dock.features() & ~QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.derivative_dock.hide()  # until a step shows it, or the View menu does
        self.stepper_dock.hide()  # until a step shows it, the View menu or the diagram's button
        # The walk is made while the dock is open, even tabbed away (the diagram keeps its
        # marks), or while the panel is on the presenter's stage.
        self.stepper.stepperWanted.disconnect(c.want_stepper)
        self.stepper.stepperWanted.connect(self._want_stepper)
        self.stepper_dock.toggleViewAction().toggled.connect(self._want_stepper)
        self.derivative_dock.visibilityChanged.connect(self._fill_derivative_table)
        self.lesson_panel.set_recent(self.settings.value("recent", [], list))
        c.fileChanged.connect(self._show_file_in_panel)
        c.lessonChanged.connect(self._show_lesson_step)
        # Page Down / Page Up step through the lesson wherever the keyboard is in the window.
        for action in (self.lesson_panel.next_action, self.lesson_panel.previous_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.presenter = Presenter(self)
        self._normal = None  # the window as it was, while presenting
        self.act_present = self._action("&Presenter mode", self.presenter.toggle, "F5",
                                        "Present the lesson full screen from the keyboard "
                                        "(F5; Esc leaves)")
        self.act_present.setCheckable(True)
        self.presenter.presentingChanged.connect(self.act_present.setChecked)
        for action in (self.lesson_panel.previous_action, self.lesson_panel.next_action,
                       self.act_present):
            self.lesson_menu.addAction(action)
        for dock in (self.lesson_dock, self.derivative_dock, self.stepper_dock):
            self.view_menu.addAction(dock.toggleViewAction())

    def _want_stepper(self, *_args) -> None:
        open_ = self.stepper_dock.toggleViewAction().isChecked()
        self.controller.want_stepper(open_ or self.stepper.isVisible())

    def show_stepper(self) -> None:
        """Show the backprop stepper and give it the keyboard (→ / ← step through it)."""
        self.stepper_dock.show()
        self.stepper_dock.raise_()
        if self.docks[1] not in self.tabifiedDockWidgets(self.stepper_dock):
            self.docks[1].raise_()  # the diagram it marks, beside it
        self.stepper.setFocus(Qt.FocusReason.OtherFocusReason)

    def _place_lesson_docks(self, kind: str = "side") -> None:
        """Tab the lesson panel and the derivative table with the Network/Formula dock.

        The stepper goes where the diagram it marks stays in view: tabbed with the data on
        a large screen (the diagram is above it), under the landscape on a laptop, and among
        the tabs only on a small screen.
        """
        for dock in (self.lesson_dock, self.derivative_dock):
            dock.setFloating(False)
            self.tabifyDockWidget(self.docks[1], dock)
        self.stepper_dock.setFloating(False)
        if kind == "tabs":
            self.tabifyDockWidget(self.docks[1], self.stepper_dock)
        elif kind == "side":  # under the landscape, wide and short, between the columns
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.stepper_dock)
            self.resizeDocks([self.stepper_dock], [round(0.34 * self.height())],
                             Qt.Orientation.Vertical)
        else:
            self.tabifyDockWidget(self.docks[2], self.stepper_dock)
            self.docks[2].raise_()

    def _show_file_in_panel(self, path: str) -> None:
        self.lesson_panel.set_recent(self.settings.value("recent", [], list))
        self.lesson_panel.set_current_file(path)

    def _show_lesson_step(self, frame) -> None:
        """Bring forward the panels a step shows (its large one last, so it is on top).

        Outside presenter mode nothing is hidden: the step's panels are shown and their
        tabs raised, and the landscape tab switches between 2-D and 3-D as the step says.
        A panel that shares its tabs with the lesson panel is raised over the step's text
        only when it is the step's large one: the text is what the class reads otherwise.
        A step that shows the backprop stepper gives it the keyboard, so that → and ← walk
        it as the step's text says; the next step that does not gives the keys back to the
        landscape (→ a step of the descent again).
        """
        if frame.show is None:
            return
        panels = frame.show.panels
        if "derivative_table" in panels:
            self._fill_derivative_table(True)
        if self.presenter.presenting:
            return
        docks = {"network": self.docks[1], "formula": self.docks[1], "data": self.docks[2],
                 "curvature": self.docks[2], "loss": self.docks[3], "gradients": self.docks[3],
                 "derivative_table": self.derivative_dock, "stepper": self.stepper_dock}
        large = frame.show.large
        for name in sorted(panels, key=lambda n: n == large):
            if name in ("loss", "gradients"):
                self.loss_tabs.setCurrentWidget(self.loss if name == "loss" else self.gradients)
            if name in ("landscape", "landscape3d"):
                self.views.setCurrentWidget(self.landscape_3d if name == "landscape3d"
                                            else self.landscape)
            elif name in docks:
                docks[name].show()
                if name == large or docks[name] not in self.tabifiedDockWidgets(self.lesson_dock):
                    docks[name].raise_()
        if "stepper" in panels:
            self.stepper.setFocus(Qt.FocusReason.OtherFocusReason)
        elif (focus := self.focusWidget()) is not None and (
                focus is self.stepper or self.stepper.isAncestorOf(focus)):
            self._focus_landscape()

    _derivative_table: DerivativeTableView | None = None

    @property
    def derivative_table(self) -> DerivativeTableView:
        """The table of common derivatives in its dock (hidden at start), made when first wanted."""
        if self._derivative_table is None:
            self._derivative_table = DerivativeTableView()
            placeholder = self.derivative_dock.widget()
            self.derivative_dock.setWidget(self._derivative_table)
            placeholder.deleteLater()
        return self._derivative_table

    def _fill_derivative_table(self, visible: bool) -> None:
        # sympy works out the table the first time it is shown, not at every start.
        if visible and self.derivative_table.table_data is None:
            self.derivative_table.set_table(derivative_table())

    def presenter_views(self) -> dict[str, QWidget]:
        """Return the views presenter mode can show, by the names a step's ``show`` uses."""
        return {"landscape": self.landscape, "landscape3d": self.landscape_3d,
                "network": self.network, "formula": self.formula, "curvature": self.curvature,
                "loss": self.loss, "gradients": self.gradients, "data": self.data,
                "derivative_table": self.derivative_table,
                "stepper": self.stepper}

    def presenter_default_panels(self) -> tuple[str, ...]:
        """Return what presenter mode shows when no step chose: the landscape and its explainer."""
        return ("landscape", "network" if self._shown_view(self.explainer) is self.network
                else "formula")

    def begin_presenting(self, stage: QWidget) -> None:
        """Put the presenter's stage in the centre, alone, full screen; keys go to the stage.

        The docks, menus, toolbar and status bar go, and every window shortcut but F5 rests
        (Space, the arrows and Esc mean other things on the stage) until ``end_presenting``.
        """
        resting = [(a, a.shortcuts()) for a in self.actions()
                   if a.shortcuts() and a is not self.act_present]
        bars = [bar for bar in (self.menuBar(), self.statusBar(), *self.findChildren(QToolBar))
                if bar.isVisible()]
        self._normal = (self.saveState(), self.windowState(), self.takeCentralWidget(),
                        resting, bars)
        for action, _ in resting:
            action.setShortcuts([])
        for widget in (*bars, *self.findChildren(QDockWidget)):
            widget.hide()
        self.setCentralWidget(stage)
        self.setWindowState(self.windowState() | Qt.WindowState.WindowFullScreen)

    def end_presenting(self) -> None:
        """Bring back the window as it was before ``begin_presenting`` (the stage is let go)."""
        state, window_state, centre, resting, bars = self._normal
        self._normal = None
        self.takeCentralWidget()
        self.setCentralWidget(centre)
        centre.show()  # taken out, it was hidden
        for action, keys in resting:
            action.setShortcuts(keys)
        for bar in bars:
            bar.show()
        self.restoreState(state)
        self.setWindowState(window_state)
