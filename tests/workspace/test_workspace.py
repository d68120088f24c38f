"""The workspace alone (no Qt): verbs, frames, mementos, and the fixes of issue 8 §6."""

import json

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson, lessons_dir
from simulator.workspace.errors import EditError
from simulator.workspace.workspace import Workspace, safe_file_name


def workspace(name: str) -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def run_landscape(ws: Workspace):
    """Compute the landscape request's last stage, as the background service would."""
    return ws.landscape_request().stages[-1]()


def test_an_edit_then_a_reshape_both_undo():
    """§6.1: set a weight, add a neuron, undo twice: the weight is back at its old value."""
    ws = workspace("14-circle-network.lesson.json")
    index = ws.problem.network.index_of("W2[1,0]")
    old = float(ws.session.theta[index])
    first = ws.memento()
    ws.set_parameters({index: 0.5})
    second = ws.memento()
    ws.add_neuron(1)
    assert ws.problem.network.sizes == (2, 9, 8, 1)
    ws.restore(second)
    assert ws.problem.network.sizes == (2, 8, 8, 1)
    assert ws.session.theta[index] == 0.5
    ws.restore(first)
    assert ws.session.theta[index] == old


def test_typing_a_two_variable_formula_then_a_one_variable_one():
    """§6.2: w1**2 + w2**2 after w² gets w1/w2 axes and a surface; w**3 goes back to a curve."""
    ws = workspace("09-seed-w-squared.lesson.json")
    ws.set_formula("w1**2 + w2**2")
    assert ws.axes.labels == ("w1", "w2") and not ws.axes.is_curve
    grid = run_landscape(ws)
    assert grid.z.shape == (101, 101) and np.isfinite(grid.z).all()
    row, col = np.unravel_index(np.argmin(grid.z), grid.z.shape)
    assert abs(grid.xs[col]) < 0.1 and abs(grid.ys[row]) < 0.1  # the bowl's bottom at 0, 0
    ws.set_formula("w**3")
    assert ws.axes.is_curve and ws.axes.labels == ("w", "w")
    curve = run_landscape(ws)
    assert np.allclose(curve.z[0], curve.xs ** 3)


def test_reshaping_keeps_the_axes_on_the_same_weights():
    """§6.3: adding or removing a neuron keeps the landscape on the weights it showed."""
    ws = workspace("14-circle-network.lesson.json")
    ws.set_axes(ws.problem.network.index_of("W1[1,1]"), ws.problem.network.index_of("W1[1,0]"))
    ws.add_neuron(1)
    assert ws.axes.labels == ("W1[1,1]", "W1[1,0]")
    assert ws.problem.names[ws.axes.x] == "W1[1,1]"
    ws.remove_neuron(1)
    assert ws.axes.labels == ("W1[1,1]", "W1[1,0]")


def test_racers_start_at_the_lessons_learning_rate_and_the_frame_follows_the_first():
    """§6.4: each racer starts from the lesson's learning rate; views follow racer 1."""
    ws = workspace("10-ravine.lesson.json")
    assert ws.session.config.learning_rate == 0.09
    ws.start_race(ws.race_entries(["sgd", "momentum", "adam"]))
    assert [s.config.learning_rate for _, s in ws.racers] == [0.09] * 3
    ws.step(5)
    frame = ws.frame()
    assert len(frame.racers) == 3 and all(r.step == 5 for r in frame.racers)
    assert np.array_equal(frame.theta, frame.racers[0].theta)
    assert frame.step == 5


@pytest.mark.parametrize("title", ["XOR: a network <with> a/b\\c?*|\"", "   ", "Ünïcode — lesson"])
def test_suggested_file_names_are_safe_everywhere(title):
    """§6.5: no character that Windows forbids, never empty."""
    name = safe_file_name(title)
    assert name and not set(name) & set('<>:"/\\|?* ')
    assert not name.startswith("-") and not name.endswith("-")


def test_the_suggested_name_of_a_built_in_lesson():
    ws = workspace("13-xor-network.lesson.json")
    name = ws.suggested_file_name()
    assert name.endswith(".lesson.json") and ":" not in name


def test_opening_the_open_file_again_reads_it_from_disk(tmp_path):
    """§6.5: re-opening reloads the file, so an edit made outside the app shows."""
    path = tmp_path / "mine.lesson.json"
    document = json.loads(builtin_lesson("09-seed-w-squared.lesson.json").read_text())
    path.write_text(json.dumps(document))
    ws = Workspace()
    ws.open_file(str(path))
    document["problem"]["start"] = {"w": -2.0}
    path.write_text(json.dumps(document))
    ws.open_file(str(path))
    assert ws.session.theta.tolist() == [-2.0]


def test_a_refused_edit_changes_nothing():
    ws = workspace("14-circle-network.lesson.json")
    before = ws.memento()
    session = ws.session
    for verb, args in ((ws.set_formula, ("w +* 2",)), (ws.add_neuron, (3,)),
                       (ws.set_parameters, ({0: float("nan")},)), (ws.set_axes, (0, 0)),
                       (ws.set_formula, ("w1 * w2 * w3",)), (ws.set_surface, ("nowhere",))):
        with pytest.raises(EditError):
            verb(*args)
        assert ws.session is session and ws.memento() == before


def test_the_last_hidden_layer_can_go_but_not_more():
    ws = workspace("14-circle-network.lesson.json")
    ws.remove_layer()
    ws.remove_layer()
    assert ws.problem.network.sizes == (2, 1)
    with pytest.raises(EditError, match="no hidden layer"):
        ws.remove_layer()


def test_frame_status_names_converged_once():
    ws = workspace("09-seed-w-squared.lesson.json")
    assert ws.frame().status == "ready"
    ws.set_parameters({0: 0.0})
    assert ws.frame().status == "converged" and ws.status() == "converged"


def test_frame_carries_the_history_the_views_draw():
    ws = workspace("14-circle-network.lesson.json")
    ws.step(20)
    frame = ws.frame()
    assert frame.loss_steps[-1] == 20 and len(frame.train_losses) == len(frame.loss_steps)
    assert frame.path_steps[-1] == 20
    assert np.allclose(frame.path_xy[-1], ws.axes.project(frame.theta))
    assert frame.earliest_step == 0 and frame.furthest_step == 20
    assert [label for label, _ in frame.memory.state] == ["first moment m", "second moment v"]



def test_a_step_that_puts_a_network_back_after_a_typed_formula_can_still_be_undone():
    # typing a formula keeps the lesson's steps; entering one puts the lesson's network back,
    # and the typed formula's build must not be taken for the network's (found by the monkey)
    ws = Workspace()
    ws.open_file(str(lessons_dir() / "06-backpropagation-through-a-network.lesson.json"))
    ws.set_formula("w1**2 + w2**2")
    assert ws.problem_info().formula is not None
    ws.enter_step(0)
    assert ws.problem_info().is_network
    memento = ws.memento()
    assert memento.formula is None
    ws.set_formula("w**2")
    ws.restore(memento)
    assert ws.problem_info().is_network
