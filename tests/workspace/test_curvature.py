"""What the curvature panel says, checked without Qt: entries, eigenvalues, the η bound."""

import math

import numpy as np

from simulator.workspace.curvature import (
    describe_curvature,
    eigenvalue_text,
    entry_name,
    entry_text,
)


def test_descriptions_of_saddles_hilltops_and_downward_curves():
    assert describe_curvature(np.array([-2.0, 2.0]), 0.1, "sgd").startswith("A saddle")
    assert describe_curvature(np.array([-2.0, -1.0]), 0.1, "sgd").startswith("A hilltop")
    assert "bends downward" in describe_curvature(np.array([-1.0]), 0.1, "sgd")
    assert "diverge" in describe_curvature(np.array([2.0]), 1.5, "sgd")
    assert "undefined" in describe_curvature(np.array([np.nan, 1.0]), 0.1, "sgd")


def test_the_seeds_sentence():
    # J = w²: J'' = 2, and η = 0.1 multiplies the distance by 0.8 per step
    assert describe_curvature(np.array([2.0]), 0.1, "sgd") == (
        "J'' = 2: near a minimum, plain gradient descent multiplies the distance to it by "
        "|1 − η·J''| = 0.8 per step, so each step shrinks the distance to the bottom. "
        "Stable while η < 2/J'' = 1.")


def test_a_bowl_names_the_bound_the_ratio_and_another_optimizer():
    text = describe_curvature(np.array([20.0, 2.0]), 0.09, "momentum")
    assert "curvatures 2 and 20" in text and "η < 2/λmax = 0.1" in text
    assert "η = 0.09 is inside" in text and "10× steeper" in text
    assert "momentum scales its steps differently" in text
    assert "outside" in describe_curvature(np.array([2.0, 20.0]), 0.15, "sgd")


def test_entries_and_eigenvalues_are_named_as_the_panel_shows_them():
    assert entry_name(("w",), 0, 0) == "J''"
    names = ("w1", "w2")
    assert [entry_name(names, i, j) for i in range(2) for j in range(2)] == [
        "∂²J/∂w1²", "∂²J/∂w1∂w2", "∂²J/∂w2∂w1", "∂²J/∂w2²"]
    assert entry_text(names, 1, 1, 20.0) == "∂²J/∂w2² = 20"
    assert entry_text(names, 0, 1, math.nan) == "∂²J/∂w1∂w2 = undefined"
    assert eigenvalue_text((2.0, 20.0)) == "eigenvalues λ: 2, 20"
    assert eigenvalue_text((math.nan, math.nan)) == ""
    assert eigenvalue_text((2.0,)) == ""
