"""The views of the other kind of lesson are made when a lesson of that kind first needs them."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import lessons_dir
from simulator.ui.launch import make_window
from simulator.ui.views.curvature_view import CurvatureView
from simulator.ui.views.data_view import DataView
from simulator.ui.views.formula_view import NETWORK_NOTE, FormulaView
from simulator.ui.views.network_view import NetworkView

from .settling import settle

CIRCLE = str(lessons_dir() / "14-circle-network.lesson.json")
RAVINE = str(lessons_dir() / "10-ravine.lesson.json")  # J(w1, w2): a formula in two variables


def opened(qtbot, lesson: str):
    window = make_window(lesson, reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def network_window(qtbot):
    window = opened(qtbot, CIRCLE)
    yield window
    window.controller.pause()
    window.controller.grids.cancel()
    window.controller.grids.wait()


@pytest.fixture
def formula_window(qtbot):
    window = opened(qtbot, RAVINE)
    yield window
    window.controller.pause()
    window.controller.grids.cancel()
    window.controller.grids.wait()


def pages(stack) -> list[type]:
    return [type(stack.widget(i)) for i in range(stack.count())]


def test_a_network_lesson_starts_without_the_formula_views(network_window):
    w = network_window
    assert pages(w.explainer)[0] is NetworkView and pages(w.explainer)[1] is not FormulaView
    assert pages(w.ground)[0] is DataView and pages(w.ground)[1] is not CurvatureView
    assert w.explainer.currentWidget().isVisible() and w.ground.currentWidget().isVisible()


def test_a_formula_lesson_after_a_network_shows_its_views(network_window, qtbot):
    w = network_window
    diagram = w.network
    assert w.open_lesson(RAVINE, now=True)
    QApplication.processEvents()
    assert pages(w.explainer) == [NetworkView, FormulaView]
    assert pages(w.ground) == [DataView, CurvatureView]
    assert w.explainer.currentWidget() is w.formula and w.formula.isVisible()
    assert w.ground.currentWidget() is w.curvature and w.curvature.isVisible()
    assert w.docks[1].windowTitle() == "Formula" and w.docks[2].windowTitle() == "Curvature"
    # drawn as a view made at start would be: the formula's rows, the 2 × 2 Hessian, the θ now
    assert w.formula.model is w.controller.workspace.problem_info().formula
    assert not w.formula.note.isVisibleTo(w.formula)
    assert len(w.curvature.cells) == 4
    w.controller.step()
    assert w.formula.values is not None
    assert w.formula.sentence.text()
    # back to the network: the same diagram, drawing the new lesson's network
    assert w.open_lesson(CIRCLE, now=True)
    QApplication.processEvents()
    assert w.network is diagram and w.explainer.currentWidget() is diagram
    assert len(diagram.bundles) == 3  # 2-8-8-1


def test_a_network_lesson_after_a_formula_shows_its_views(formula_window, qtbot):
    w = formula_window
    assert pages(w.explainer)[0] is not NetworkView and pages(w.explainer)[1] is FormulaView
    assert pages(w.ground)[0] is not DataView
    assert w.open_lesson(CIRCLE, now=True)
    settle(w.controller)
    assert w.explainer.currentWidget() is w.network and w.network.isVisible()
    assert w.ground.currentWidget() is w.data and w.data.isVisible()
    assert w.docks[1].windowTitle() == "Network" and w.docks[2].windowTitle() == "Data"
    assert len(w.network.bundles) == 3 and w.network.frame is not None
    assert w.network.trace is not None  # the sample's pass came from the pool to the new view
    assert len(w.data.train_points.data) == len(w.controller.workspace.problem.dataset.x_train)
    w.docks[2].raise_()  # (under the Network tab on the test's small screen)
    QApplication.processEvents()
    assert w.data.heatmap.image is not None  # the decision map, likewise
    # wired as at start: its right-click menu, the stepper's button, the intents
    assert w.network.extra_actions
    assert not w.stepper_dock.isVisible()
    qtbot.mouseClick(w.network.stepper_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert w.stepper_dock.isVisible()
    before = w.controller.workspace.session.theta.copy()
    w.network.weightSet.emit(0, float(before[0]) + 0.5)
    assert w.controller.workspace.session.theta[0] == pytest.approx(before[0] + 0.5)
    w.controller.undo_stack.undo()  # (an edit left unsaved would be asked about on closing)
    assert w.controller.workspace.session.theta[0] == before[0]


def test_a_view_of_the_other_kind_asked_for_shows_the_lesson_open(network_window):
    w = network_window
    formula = w.formula  # as a figure or presenter mode asks for it
    assert pages(w.explainer) == [NetworkView, FormulaView]
    assert w.explainer.currentWidget() is w.network  # the page shown stays
    assert formula.note.text() == NETWORK_NOTE and formula.model is None
    assert w.curvature.model is None


def test_a_figure_of_the_explainer_before_any_lesson_is_the_network_view(qtbot):
    from simulator.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert isinstance(window.view_widget("network"), NetworkView)
    assert isinstance(window.view_widget("data"), DataView)
    assert window.explainer.currentWidget() is window.network
    window.close()


def test_the_stepper_button_of_a_formula_made_late_shows_the_stepper(network_window, qtbot):
    w = network_window
    assert w.open_lesson(RAVINE, now=True)
    QApplication.processEvents()
    assert not w.stepper_dock.isVisible()
    qtbot.mouseClick(w.formula.stepper_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert w.stepper_dock.isVisible()
