"""The curvature panel: the Hessian at the hiker and what it says about the learning rate."""

import numpy as np

from simulator.ui.binding import bind
from simulator.ui.views.curvature_view import CurvatureView


def test_seed_lesson_shows_the_contraction_of_each_step(make_controller, qtbot):
    controller = make_controller("09-seed-w-squared.lesson.json")
    view = bind(controller, CurvatureView())
    qtbot.addWidget(view)
    assert view.cells[0].text() == "J'' = 2"
    # w ← w − 0.1·2w = 0.8·w: the distance to the bottom shrinks by 0.8 per step
    assert "|1 − η·J''| = 0.8" in view.meaning.text()
    assert "η < 2/J'' = 1" in view.meaning.text()
    controller.step()
    assert np.isclose(controller.workspace.session.theta[0], 0.8 * 3)


def test_ravine_shows_its_eigenvalues_and_the_stable_learning_rate(make_controller, qtbot):
    controller = make_controller("10-ravine.lesson.json")
    view = bind(controller, CurvatureView())
    qtbot.addWidget(view)
    texts = [cell.text() for cell in view.cells]
    assert texts == ["∂²J/∂w1² = 2", "∂²J/∂w1∂w2 = 0", "∂²J/∂w2∂w1 = 0", "∂²J/∂w2² = 20"]
    assert view.eigen.text() == "eigenvalues λ: 2, 20"
    assert "η < 2/λmax = 0.1" in view.meaning.text()
    assert "inside" in view.meaning.text() and "10× steeper" in view.meaning.text()
    controller.set_learning_rate(0.15)
    assert "outside" in view.meaning.text()


def test_the_curvature_follows_the_hiker(make_controller, qtbot):
    controller = make_controller("11-rosenbrock-adam.lesson.json")
    view = bind(controller, CurvatureView())
    qtbot.addWidget(view)
    controller.step()
    w1, w2 = controller.workspace.session.theta
    # Rosenbrock: ∂²J/∂w1² = 2 − 400(w2 − w1²) + 800 w1²
    expected = 2 - 400 * (w2 - w1**2) + 800 * w1**2
    shown = float(view.cells[0].text().split("= ")[1])
    assert np.isclose(shown, expected, rtol=1e-3)
