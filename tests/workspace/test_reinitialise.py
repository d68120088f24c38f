"""Re-initialising a network through the workspace: a fresh run, undo, the symmetry problem."""

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.workspace import Workspace


def workspace(name: str = "14-circle-network.lesson.json") -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def test_reinitialise_starts_a_fresh_run_from_the_drawn_weights():
    ws = workspace()
    ws.set_schedule("exponential", {"gamma": 0.9})
    ws.step(7)
    ws.reinitialise("he_uniform", 11)
    net = ws.problem.network
    np.testing.assert_array_equal(ws.session.theta, net.initial_theta(11, "he_uniform"))
    assert ws.session.step_count == 0 and ws.session.config.schedule_start == 0
    spec = ws.current_lesson().problem
    assert (spec.init, spec.init_seed) == ("he_uniform", 11)
    assert ws.current_lesson().to_json()["problem"]["init"] == {"kind": "he_uniform", "seed": 11}


def test_undo_of_a_reinitialisation_brings_the_weights_back():
    ws = workspace()
    ws.step(5)
    before, theta = ws.memento(), ws.session.theta.copy()
    ws.reinitialise("zeros", 0)
    assert not ws.session.theta.any()
    ws.restore(before)
    np.testing.assert_array_equal(ws.session.theta, theta)
    assert ws.current_lesson().problem.init == "auto"


def test_a_bad_reinitialisation_is_refused_and_changes_nothing():
    ws = workspace()
    theta = ws.session.theta.copy()
    with pytest.raises(EditError, match="no initialisation called 'lecun'"):
        ws.reinitialise("lecun", 0)
    with pytest.raises(EditError, match="seed is a whole number"):
        ws.reinitialise("zeros", -1)
    np.testing.assert_array_equal(ws.session.theta, theta)
    formula = workspace("09-seed-w-squared.lesson.json")
    with pytest.raises(EditError, match="formula, not a network"):
        formula.reinitialise("zeros", 0)


def test_all_zeros_keeps_every_hidden_neuron_the_same_the_symmetry_problem():
    ws = workspace()
    ws.reinitialise("zeros", 0)
    ws.step(50)
    net = ws.problem.network
    weights, _ = net.unpack(ws.session.theta)
    for w in weights[1:]:  # the layers after the first: every neuron's weights alike
        np.testing.assert_allclose(w, w[:, :1].repeat(w.shape[1], axis=1), atol=1e-15)
    # the first layer: every neuron received the same gradient, so its columns are equal too
    np.testing.assert_allclose(weights[0], weights[0][:, :1].repeat(weights[0].shape[1], 1),
                               atol=1e-15)
