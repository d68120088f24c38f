"""File ▸ Export… and the views' right-click menus: figures written from the window."""

import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QMessageBox

from simulator.ui.export_dialog import ExportDialog, FigureChoices
from simulator.ui.main_window import MainWindow


@pytest.fixture
def window(make_controller, qtbot):
    window = MainWindow(make_controller("09-seed-w-squared.lesson.json"))
    qtbot.addWidget(window)
    window.resize(1200, 800)
    return window


def choose(box, data):
    box.setCurrentIndex(box.findData(data))


def test_export_is_in_the_file_menu_on_ctrl_e(window):
    file_menu = window.menuBar().actions()[0].menu()
    action = window.figure_menu.export_action
    assert action in file_menu.actions()
    assert action.shortcut() == QKeySequence("Ctrl+E")


def test_the_dialog_writes_an_svg_and_remembers_its_choices(window, qtbot, tmp_path):
    dialog = ExportDialog(window, "loss")
    qtbot.addWidget(dialog)
    choose(dialog.format_box, ".svg")
    choose(dialog.theme_box, "print")
    choose(dialog.unit_box, "cm")
    dialog.width_box.setValue(12)
    dialog.height_box.setValue(8)
    dialog.dpi_box.setValue(300)
    assert dialog.export_button.isEnabled()
    assert "12.0 × 8.0 cm" in dialog.summary.text()
    out = tmp_path / "loss.svg"
    assert dialog.export_to(str(out))
    root = ET.parse(out).getroot()
    assert root.get("width").endswith("mm")
    assert float(root.get("width")[:-2]) == pytest.approx(120, abs=0.5)  # 12 cm on paper
    again = FigureChoices.load(window.settings)
    assert (again.view, again.fmt, again.theme, again.unit, again.dpi) == \
        ("loss", ".svg", "print", "cm", 300.0)
    assert again.width == pytest.approx(12) and again.folder == str(tmp_path)
    reopened = ExportDialog(window)
    qtbot.addWidget(reopened)
    assert reopened.view_box.currentData() == "loss" and reopened.format_box.currentData() == ".svg"


def test_a_figure_too_small_for_its_labels_cannot_be_exported(window, qtbot, tmp_path):
    dialog = ExportDialog(window, "landscape")
    qtbot.addWidget(dialog)
    choose(dialog.unit_box, "cm")
    dialog.width_box.setValue(2)
    dialog.height_box.setValue(1)
    assert not dialog.export_button.isEnabled()
    assert "too small" in dialog.summary.text()
    assert not dialog.export_to(str(tmp_path / "tiny.png"))
    assert list(tmp_path.iterdir()) == []


def test_the_preview_shows_the_figure(window, qtbot):
    dialog = ExportDialog(window, "landscape")
    qtbot.addWidget(dialog)
    dialog.refresh_preview()
    pixmap = dialog.preview.pixmap()
    assert not pixmap.isNull() and pixmap.width() > 100


def test_a_gif_from_the_dialog_walks_a_copy_of_the_run(window, qtbot, tmp_path):
    controller = window.controller
    controller.step()
    before = controller.workspace.session.step_count
    dialog = ExportDialog(window, "landscape")
    qtbot.addWidget(dialog)
    choose(dialog.format_box, ".gif")
    choose(dialog.unit_box, "px")
    dialog.width_box.setValue(480)
    dialog.height_box.setValue(320)
    dialog.frames_box.setValue(4)
    dialog.every_box.setValue(2)
    out = tmp_path / "walk.gif"
    assert dialog.export_to(str(out))
    with Image.open(out) as gif:
        assert gif.n_frames == 4 and gif.size == (480, 320)
    assert controller.workspace.session.step_count == before


def test_the_whole_window_is_drawn_at_its_size_times_the_scale(window, qtbot, tmp_path):
    window.show()
    qtbot.waitExposed(window)
    dialog = ExportDialog(window, "window")
    qtbot.addWidget(dialog)
    choose(dialog.scale_box, 2)
    out = tmp_path / "window.png"
    assert dialog.export_to(str(out))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (2 * window.width(), 2 * window.height())


def test_right_click_menu_copies_png_and_svg(window, qtbot):
    menu = window.figure_menu.menu_for("landscape")
    texts = [a.text() for a in menu.actions()]
    assert texts == ["&Copy image of the landscape 2-D", "&Export the landscape 2-D…"]  # not "2-d"
    menu.actions()[0].trigger()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasImage() and not mime.imageData().isNull()
    assert bytes(mime.data("image/svg+xml")).startswith(b"<?xml")


def test_every_view_has_the_right_click_menu(window):
    for view in (window.landscape, window.formula, window.loss, window.data, window.gradients,
                 window.stepper):
        assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    # The diagram has a menu of its own (layers, weights): the figure's actions end it.
    texts = [a.text() for a in window.network.extra_actions]
    assert texts == ["&Copy image of the network diagram", "&Export the network diagram…"]


def test_export_this_view_opens_the_dialog_on_it(window, monkeypatch):
    seen = []

    def run(dialog):
        seen.append(dialog.view_box.currentData())
        return False

    monkeypatch.setattr(window, "run_dialog", run)
    window.figure_menu.menu_for("formula").actions()[1].trigger()
    assert seen == ["formula"]


def test_unreadable_remembered_choices_fall_back_to_the_defaults(window):
    window.settings.setValue("export/view", "everything")
    window.settings.setValue("export/dpi", "lots")
    assert FigureChoices.load(window.settings).view == FigureChoices().view
    assert FigureChoices.load(window.settings).dpi == FigureChoices().dpi


def test_the_formula_panel_copies_its_equations_as_latex(window):
    menu = window.figure_menu.menu_for("formula")
    copy = next(a for a in menu.actions() if "LaTeX" in a.text())
    copy.trigger()
    assert QGuiApplication.clipboard().text() == (
        "\\begin{aligned}\nJ(w) &= w^{2} \\\\\n\\frac{dJ}{dw} &= 2 w\n\\end{aligned}")


@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_the_equations_export_as_text_in_a_file(window, tmp_path, suffix):
    out = tmp_path / f"equations.{suffix}"
    assert window.figure_menu.export_equations(str(out))
    data = out.read_bytes()
    if suffix == "svg":
        texts = "".join("".join(t.itertext()) for t in ET.fromstring(data).iter(
            "{http://www.w3.org/2000/svg}text"))
        assert "J(w) = w²" in texts and "dJ/dw = 2·w" in texts
    else:
        assert data[:4] in (b"%PDF", b"\x89PNG")
    assert not window.figure_menu.export_equations(str(tmp_path / "equations.gif"))
    assert not (tmp_path / "equations.gif").exists()


def test_a_network_lesson_has_no_equations_to_copy(make_controller, qtbot):
    window = MainWindow(make_controller("13-xor-network.lesson.json"))
    qtbot.addWidget(window)
    texts = [a.text() for a in window.figure_menu.menu_for("formula").actions()]
    assert not any("LaTeX" in t for t in texts)
    assert not window.figure_menu.copy_latex()


@pytest.mark.parametrize("name", ["landscape", "loss", "formula"])
def test_a_right_click_on_a_view_pops_its_figure_menu(make_controller, qtbot, name):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication, QGraphicsView

    lesson = "09-seed-w-squared.lesson.json" if name == "formula" else "13-xor-network.lesson.json"
    window = MainWindow(make_controller(lesson))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    view = {"landscape": window.landscape, "loss": window.loss, "network": window.network,
            "formula": window.formula}[name]
    views = view.findChildren(QGraphicsView)
    target = views[0].viewport() if views else view
    centre = QPoint(target.width() // 2, target.height() // 2)
    with qtbot.waitSignal(view.customContextMenuRequested, timeout=2000):
        QApplication.sendEvent(target, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre,
                                                         target.mapToGlobal(centre)))
    popup = QApplication.activePopupWidget()
    assert popup is not None and "Copy image" in popup.actions()[0].text()
    popup.close()


def test_the_diagram_s_own_menu_ends_with_the_figure_actions(make_controller, qtbot):
    from PySide6.QtCore import QPoint, QPointF, QTimer
    from PySide6.QtWidgets import QApplication

    window = MainWindow(make_controller("13-xor-network.lesson.json"))
    qtbot.addWidget(window)
    shown = []

    def read_and_close():
        popup = QApplication.activePopupWidget()
        shown.append([a.text() for a in popup.actions()])
        popup.close()

    QTimer.singleShot(50, read_and_close)
    window.network.show_context_menu(QPointF(-100, -100), QPoint(0, 0))  # on no neuron
    assert shown and "Add a hidden layer" in shown[0]
    assert shown[0][-2:] == ["&Copy image of the network diagram", "&Export the network diagram…"]


def test_the_preview_says_when_a_view_is_shrunk_or_leaves_a_section_out(window, qtbot):
    dialog = ExportDialog(window, "formula")
    qtbot.addWidget(dialog)
    choose(dialog.unit_box, "px")
    dialog.dpi_box.setValue(150)
    dialog.width_box.setValue(600)  # 10.2 × 5.1 cm: the cost and the graph, the nudge left out
    dialog.height_box.setValue(300)
    dialog.refresh_preview()
    note = dialog.fit_note.text()
    assert "drawn at" not in note and "Left out at this size" in note and "Nudge test" in note
    # At 6.4 × 4.2 cm, the least, the formula's cost fits at 9 pt; the data view does not.
    dialog.dpi_box.setValue(96)
    dialog.width_box.setValue(240)
    dialog.height_box.setValue(160)
    dialog.refresh_preview()
    assert "drawn at" not in dialog.fit_note.text()
    choose(dialog.view_box, "data")
    dialog.refresh_preview()
    assert "drawn at" in dialog.fit_note.text() and "nothing is cut off" in dialog.fit_note.text()
    choose(dialog.view_box, "loss")  # a plot fits any size
    dialog.refresh_preview()
    assert dialog.fit_note.text() == ""


def test_the_preview_names_the_size_that_shows_rosenbrock_s_graph(make_controller, qtbot):
    # At 12 × 8 cm and 300 dpi the graph needs about 24 × 11 cm at 9 pt: before, the
    # preview said only "a larger figure shows it".
    import re

    window = MainWindow(make_controller("11-rosenbrock-adam.lesson.json"))
    qtbot.addWidget(window)
    dialog = ExportDialog(window, "formula")
    qtbot.addWidget(dialog)
    choose(dialog.unit_box, "cm")
    dialog.dpi_box.setValue(300)
    dialog.width_box.setValue(12)
    dialog.height_box.setValue(8)
    dialog.refresh_preview()
    note = dialog.fit_note.text()
    match = re.search(r"Computation graph\. At least ([\d.]+) × ([\d.]+) cm shows it", note)
    assert match, note
    dialog.width_box.setValue(float(match[1]))
    dialog.height_box.setValue(float(match[2]))
    dialog.refresh_preview()
    assert dialog.fit_note.text() == ""


def test_the_stepper_copies_and_exports_the_operation_reached(make_controller, qtbot, tmp_path):
    window = MainWindow(make_controller("13-xor-network.lesson.json"))
    qtbot.addWidget(window)
    menu = window.figure_menu.menu_for("stepper")
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == ["&Copy image of the backprop stepper", "&Export the backprop stepper…"]
    next(a for a in menu.actions() if "LaTeX" in a.text()).trigger()
    operation = window.controller.workspace.stepper_frame().current
    assert QGuiApplication.clipboard().text() == operation.latex
    out = tmp_path / "operation.svg"
    assert window.figure_menu.export_operation(str(out))
    lines = ["".join(t.itertext()) for t in ET.parse(out).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    text = " ".join(lines)
    assert text.startswith("z1[0] = x[0]·W1[0,0] + x[1]·W1[1,0] + b1[0]")
    assert f"= {operation.result().text}" in text
    assert not window.figure_menu.export_operation(str(tmp_path / "operation.gif"))
    assert not (tmp_path / "operation.gif").exists()


def test_a_right_click_on_the_gradient_plot_offers_its_figure(make_controller, qtbot):
    window = MainWindow(make_controller("13-xor-network.lesson.json"))
    qtbot.addWidget(window)
    texts = [a.text() for a in window.figure_menu.menu_for("gradients").actions()]
    assert texts == ["&Copy image of the gradients per layer", "&Export the gradients per layer…"]
    assert window.figure_menu.copy_image("gradients")
    assert QGuiApplication.clipboard().mimeData().hasImage()


def test_the_whole_window_is_drawn_in_the_theme_chosen_and_stays_in_its_own(window, qtbot,
                                                                            tmp_path):
    from PySide6.QtWidgets import QApplication

    from simulator.ui.theme import theme_manager

    window.set_theme("dark")
    window.show()
    qtbot.waitExposed(window)
    try:
        dialog = ExportDialog(window, "window")
        qtbot.addWidget(dialog)
        choose(dialog.format_box, ".png")
        choose(dialog.scale_box, 1)
        choose(dialog.theme_box, "print")
        out = tmp_path / "window.png"
        assert dialog.export_to(str(out))
        image = QImage(str(out))
        lesson = window.lesson_panel.mapTo(window, window.lesson_panel.rect().center())
        assert image.pixelColor(lesson).lightness() > 240  # the panels on white paper
        assert theme_manager().theme.name == "dark"
        assert QApplication.palette().window().color().lightness() < 100  # dark again
    finally:
        window.set_theme("light")


def test_a_gif_of_a_slow_formula_does_no_sympy_on_the_gui_thread(window, qtbot, tmp_path,
                                                                   sympy_threads, monkeypatch):
    # its derivatives take seconds of sympy's time: built once, in the pool, when typed
    monkeypatch.setattr(window, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    controller = window.controller
    with qtbot.waitSignal(controller.formulaChecked, timeout=60000):
        assert controller.set_formula("cosh(w**5)*sigmoid(w - 6000)") is None
    assert controller.workspace.lesson.problem.expression == "cosh(w**5)*sigmoid(w - 6000)"
    controller.step()
    before = controller.workspace.session.step_count
    sympy_threads.clear()
    dialog = ExportDialog(window, "formula")
    qtbot.addWidget(dialog)
    choose(dialog.format_box, ".gif")
    choose(dialog.unit_box, "px")
    dialog.width_box.setValue(480)
    dialog.height_box.setValue(320)
    dialog.frames_box.setValue(3)
    out = tmp_path / "walk.gif"
    assert dialog.export_to(str(out))
    with Image.open(out) as gif:
        assert gif.n_frames == 3
    assert not any(sympy_threads), "sympy worked on the GUI thread"
    assert controller.workspace.session.step_count == before
