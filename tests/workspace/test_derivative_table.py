"""The seed's derivative table: sympy's derivatives, the numbers at w = 3, and 1/w's pole."""

from __future__ import annotations

import numpy as np
import sympy as sp

from simulator.symbolic.parsing import parse_formula
from simulator.symbolic.surfaces import SEED_TABLE
from simulator.workspace.derivative_table import derivative_table


def test_the_rows_are_the_seed_s_table_as_people_write_it():
    rows = derivative_table().rows
    assert [(r.function, r.derivative) for r in rows] == [
        ("w²", "2w"), ("w³", "3w²"), ("1/w", "−1/w²")]


def test_sympy_s_derivatives_equal_the_seed_s_text():
    for row, seed in zip(derivative_table().rows, SEED_TABLE, strict=True):
        mine = parse_formula(row.sympy_derivative).expression
        seeds = parse_formula(seed.derivative).expression
        assert sp.simplify(mine - seeds) == 0


def test_numbers_at_w_3():
    table = derivative_table()
    assert table.point == 3
    assert [(r.value_at_point, r.slope_at_point) for r in table.rows] == [
        (9.0, 6.0), (27.0, 27.0), (1 / 3, -1 / 9)]


def test_samples_agree_with_the_closed_forms():
    rows = derivative_table().rows
    closed = [(lambda w: w**2, lambda w: 2 * w), (lambda w: w**3, lambda w: 3 * w**2),
              (lambda w: 1 / w, lambda w: -1 / w**2)]
    for row, (f, d) in zip(rows, closed, strict=True):
        ok = np.isfinite(row.function_values)
        np.testing.assert_allclose(row.function_values[ok], f(row.xs[ok]), rtol=1e-12)
        np.testing.assert_allclose(row.derivative_values[ok], d(row.xs[ok]), rtol=1e-12)


def test_one_over_w_breaks_at_its_pole_and_nowhere_else():
    polynomial, _, reciprocal = derivative_table().rows
    assert polynomial.poles == ()
    assert np.all(np.isfinite(polynomial.function_values))
    assert reciprocal.poles == (0.0,)
    at_pole = reciprocal.xs == 0.0
    assert at_pole.sum() == 1
    assert np.isnan(reciprocal.function_values[at_pole]).all()
    assert np.isnan(reciprocal.derivative_values[at_pole]).all()
    assert np.isfinite(reciprocal.function_values[~at_pole]).all()
    # The sign flips across the pole: a joined line would run from −∞ to +∞.
    k = int(np.flatnonzero(at_pole)[0])
    assert reciprocal.function_values[k - 1] < 0 < reciprocal.function_values[k + 1]


def test_the_y_range_shows_the_curves_not_the_climb_to_infinity():
    _, _, reciprocal = derivative_table().rows
    low, high = reciprocal.y_range
    assert -10 < low < -1 / 9 and 1 / 3 < high < 10
    squared = derivative_table().rows[0]
    assert squared.y_range[0] < -6 and squared.y_range[1] > 3.5**2
