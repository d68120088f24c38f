"""The gradient view in the window: a tab of the loss dock that lesson steps can bring forward."""

from PySide6.QtWidgets import QApplication

from simulator.lessons.catalog import builtin_lesson
from simulator.ui.launch import make_window


def test_when_it_breaks_brings_the_gradient_tab_forward_and_back(qtbot):
    window = make_window(str(builtin_lesson("08-when-it-breaks.lesson.json")), reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    c = window.controller
    assert window.loss_tabs.indexOf(window.loss) == 0
    assert window.loss_tabs.indexOf(window.gradients) == 1
    for _ in range(4):  # step 4, "Layer by layer", shows the gradients large
        c.next_step()
    QApplication.processEvents()
    assert window.loss_tabs.currentWidget() is window.gradients
    assert window.gradients.isVisibleTo(window)
    norms = c.workspace.frame().gradient_norms[-1]
    assert "smaller than the last's" in window.gradients.values_label.text()
    assert norms[-1] / norms[0] >= 1e4
    c.next_step()  # "Training stalls" shows the loss large: its tab comes back
    QApplication.processEvents()
    assert window.loss_tabs.currentWidget() is window.loss
    assert window.view_widget("gradients") is window.gradients
    c.pause()
    c.grids.cancel()
    c.grids.wait()


def test_presenter_mode_shows_the_gradients_large_and_gives_the_tab_back(qtbot):
    from PySide6.QtCore import Qt

    window = make_window(str(builtin_lesson("08-when-it-breaks.lesson.json")), reset_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    c = window.controller
    for _ in range(4):
        c.next_step()
    window.act_present.trigger()
    assert window.presenter.presenting
    QApplication.processEvents()
    stage = window.presenter.stage
    assert stage.isAncestorOf(window.gradients) and window.gradients.isVisible()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert not window.presenter.presenting
    assert window.loss_tabs.indexOf(window.gradients) == 1
    assert window.loss_tabs.indexOf(window.loss) == 0
    c.pause()
    c.grids.cancel()
    c.grids.wait()
