"""The derivative table view: the seed's rows, a click draws that row, 1/w breaks at its pole."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from simulator.ui.views.derivative_table import DerivativeTableView
from simulator.workspace.derivative_table import derivative_table


@pytest.fixture
def view(qtbot):
    view = DerivativeTableView()
    qtbot.addWidget(view)
    view.set_table(derivative_table())
    view.resize(520, 560)
    view.show()
    qtbot.waitExposed(view)
    return view


def cells(view, row):
    return [view.table.item(row, c).text() for c in range(view.table.columnCount())]


def click_row(qtbot, view, row):
    rect = view.table.visualItemRect(view.table.item(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_rows_are_the_seed_s_table_with_the_numbers_at_3(view):
    assert view.table.rowCount() == 3
    assert cells(view, 0) == ["w²", "2w", "9", "6"]
    assert cells(view, 1) == ["w³", "3w²", "27", "27"]
    assert cells(view, 2) == ["1/w", "−1/w²", "0.3333", "−0.1111"]
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(4)]
    assert headers == ["J(w)", "dJ/dw", "J(3)", "dJ/dw (3)"]


def test_every_row_is_on_screen_without_scrolling(view):
    last = view.table.visualItemRect(view.table.item(2, 0))
    assert last.bottom() <= view.table.viewport().height()


def test_the_first_row_is_drawn_at_start(view):
    xs, ys = view.function_curve.getData()
    np.testing.assert_allclose(ys, xs**2)
    xs, slopes = view.derivative_curve.getData()
    np.testing.assert_allclose(slopes, 2 * xs)
    assert "J(w) = w²" in view.caption.text() and "dJ/dw = 2w" in view.caption.text()


def test_clicking_a_row_draws_that_curve_and_its_derivative(qtbot, view):
    click_row(qtbot, view, 1)
    xs, ys = view.function_curve.getData()
    np.testing.assert_allclose(ys, xs**3)
    xs, slopes = view.derivative_curve.getData()
    np.testing.assert_allclose(slopes, 3 * xs**2)
    low, high = view.plot.getViewBox().viewRange()[1]
    assert low < -3.5**3 + 1 and high > 3 * 3.5**2


def test_the_arrow_keys_walk_the_rows(qtbot, view):
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert view.row == 2
    xs, ys = view.function_curve.getData()
    finite = np.isfinite(ys)
    np.testing.assert_allclose(ys[finite], 1 / xs[finite])


def test_one_over_w_is_drawn_with_its_pole_not_joined_across_it(qtbot, view):
    click_row(qtbot, view, 2)
    for curve in (view.function_curve, view.derivative_curve):
        assert curve.opts["connect"] == "finite"
        xs, ys = curve.getData()
        assert np.isnan(ys[xs == 0]).all()
        # Both sides of the pole are drawn, up to the samples next to it.
        assert np.isfinite(ys[(xs < 0) & (xs > -0.02)]).all()
        assert np.isfinite(ys[(xs > 0) & (xs < 0.02)]).all()
    assert [line.value() for line in view.pole_lines] == [0.0]
    assert "Undefined at w = 0" in view.caption.text()
    low, high = view.plot.getViewBox().viewRange()[1]
    assert -10 < low < -1 and 0.3 < high < 10  # the curves, not the climb to ±∞


def test_a_new_row_removes_the_pole_line(qtbot, view):
    click_row(qtbot, view, 2)
    click_row(qtbot, view, 0)
    assert view.pole_lines == []
    assert not any(type(item).__name__ == "InfiniteLine" for item in view.plot.items)
