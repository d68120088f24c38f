"""The diagram's column headers never overlap: full, short, or just the layer's number."""

import pytest
from PySide6.QtWidgets import QApplication

from simulator.ui.binding import bind
from simulator.ui.views.network_view import NetworkView


@pytest.mark.parametrize(("lesson", "width"), [
    ("08-when-it-breaks.lesson.json", 330),   # seven hidden layers in a laptop's dock
    ("08-when-it-breaks.lesson.json", 900),
    ("14-circle-network.lesson.json", 330),
])
def test_headers_fit_their_columns(make_controller, qtbot, lesson, width):
    view = bind(make_controller(lesson), NetworkView())
    qtbot.addWidget(view)
    view.resize(width, 600)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert len(view.headers) >= 3
    spans = []  # where each header's title text is drawn (its button has padding around it)
    for h in view.headers:
        centre = h.mapTo(view, h.title.geometry().center()).x()
        half = h.title.fontMetrics().horizontalAdvance(h.title.text()) / 2
        spans.append((centre - half, centre + half))
    for left, right in zip(spans[:-1], spans[1:], strict=True):
        assert left[1] < right[0], (left, right)
    if lesson.startswith("08") and width == 330:  # too narrow for −/+: the numbers and menus
        hidden = [h for h in view.headers if h.kind == "hidden"]
        assert [h.title.text() for h in hidden] == [str(k) for k in range(1, 8)]
        assert not any(h.plus.isVisible() for h in hidden)
    if width == 900:
        assert all(h.count.isVisible() for h in view.headers)
