"""Input features in the workspace and the lesson file: toggling, round trips, refusals."""

import json

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson, save_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.grid_requests import decision_request, neuron_maps_request
from simulator.workspace.workspace import Workspace

FEATURES_LESSON = "15-circle-features.lesson.json"


def features_workspace() -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(FEATURES_LESSON)))
    return ws


def accuracy(ws: Workspace) -> float:
    d = ws.problem.dataset
    out = ws.problem.predict(ws.session.theta, d.x_train)
    return float(np.mean((out > 0.5) == (d.y_train > 0.5)))


def test_squares_separate_the_circle_with_no_hidden_layer_and_the_columns_do_not():
    ws = features_workspace()
    assert ws.problem.network.sizes == (2, 1)
    ws.step(300)
    assert accuracy(ws) >= 0.97
    ws.set_features(["x1", "x2"])  # the same network on the plain columns: a straight line
    assert ws.problem.features is None and ws.problem.network.sizes == (2, 1)
    ws.step(300)
    assert accuracy(ws) < 0.8


def test_toggling_a_feature_keeps_the_order_offered_and_the_surviving_weights():
    ws = features_workspace()
    w_before = ws.problem.network.unpack(ws.session.theta)[0][0].copy()
    ws.toggle_feature("x1")
    assert ws.problem.features.names == ("x1", "x1^2", "x2^2")
    assert ws.problem.network.sizes[0] == 3
    w_after = ws.problem.network.unpack(ws.session.theta)[0][0]
    np.testing.assert_array_equal(w_after[1:], w_before)  # x1^2 and x2^2 keep their rows
    ws.toggle_feature("x1^2")
    assert ws.problem.features.names == ("x1", "x2^2")
    np.testing.assert_array_equal(ws.problem.network.unpack(ws.session.theta)[0][0][1],
                                  w_before[1])


def test_the_last_feature_cannot_go_and_a_refusal_changes_nothing():
    ws = features_workspace()
    ws.toggle_feature("x1^2")
    before = ws.memento()
    with pytest.raises(EditError, match="at least one input"):
        ws.toggle_feature("x2^2")
    with pytest.raises(EditError, match="reads column x3"):
        ws.set_features(["x3"])
    assert ws.memento() == before


def test_undo_of_a_toggle_is_a_memento_restore():
    ws = features_workspace()
    before = ws.memento()
    ws.toggle_feature("sin(x1)")
    assert ws.problem.network.sizes[0] == 3
    ws.restore(before)
    assert ws.problem.features.names == ("x1^2", "x2^2")
    assert ws.memento() == before


def test_features_survive_save_and_load(tmp_path):
    ws = features_workspace()
    ws.set_features(["x1", "x1*x2", "sin(x2)"])
    ws.step(5)
    path = tmp_path / "mine.lesson.json"
    ws.save_file(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["problem"]["features"] == ["x1", "x1*x2", "sin(x2)"]
    assert document["problem"]["layers"][0] == 3
    again = Workspace()
    again.open_file(str(path))
    assert again.problem.features.names == ("x1", "x1*x2", "sin(x2)")
    np.testing.assert_array_equal(again.session.theta, ws.session.theta)
    assert load_lesson(path) == ws.current_lesson()


def test_a_dataset_with_the_same_columns_keeps_the_features_another_drops_them():
    ws = features_workspace()
    ws.plan_choice(dataset="xor")
    assert ws.problem.features.names == ("x1^2", "x2^2")
    said = ws.plan_choice(dataset="line")
    assert ws.problem.features is None and ws.problem.network.sizes[0] == 1
    assert "its inputs are the new data's columns" in said


def test_the_decision_map_and_neuron_maps_read_the_features():
    ws = features_workspace()
    ws.toggle_feature("x1")  # a hidden-free net on x1, x1², x2²
    problem, theta = ws.problem, ws.session.theta
    decision = decision_request(problem, theta).stages[0]()
    x, y = decision.xs[3], decision.ys[5]
    by_hand = problem.network.forward(theta, np.array([[x, x * x, y * y]])).output[0]
    np.testing.assert_allclose(decision.outputs[5, 3], by_hand, rtol=1e-12)
    maps = neuron_maps_request(problem, theta).stages[0]()
    assert maps.activations[0].shape[1] == 3  # the input neurons' maps are the features


def _document(problem: dict) -> dict:
    return {"format": "backprop-hiker-lesson", "version": 1, "title": "t", "problem": problem}


@pytest.mark.parametrize("problem, where, message", [
    ({"kind": "network", "layers": [3, 1], "features": ["x1^2", "x2^2"], "activation": [],
      "loss": "bce", "dataset": {"name": "circle"}},
     "problem.layers", "layers[0] must be 2, got 3"),
    ({"kind": "network", "layers": [1, 1], "features": ["cos(x1)"], "activation": [],
      "loss": "bce", "dataset": {"name": "circle"}},
     "problem.features", "unknown feature 'cos(x1)'"),
    ({"kind": "network", "layers": [1, 1], "features": ["x2^2"], "activation": [],
      "loss": "mse", "output_activation": "linear", "dataset": {"name": "line"}},
     "problem.features", "reads column x2, but the data has 1 column"),
    ({"kind": "network", "layers": [2, 1], "features": ["x1", "x1"], "activation": [],
      "loss": "bce", "dataset": {"name": "circle"}},
     "problem.features", "listed twice"),
    ({"kind": "network", "layers": [1, 1], "features": ["x3^2"], "activation": [],
      "loss": "bce", "dataset": {"points": [[0.1, 0.2, 1], [0.3, 0.4, 0]]}},
     "problem.features", "reads column x3, but the data has 2 columns"),
])
def test_a_lesson_with_bad_features_is_refused_at_its_place(problem, where, message):
    with pytest.raises(LessonError) as caught:
        parse_lesson(json.dumps(_document(problem)))
    assert caught.value.path == where
    assert message in str(caught.value)


def test_points_with_features_hold_the_data_columns(tmp_path):
    problem = {"kind": "network", "layers": [3, 1], "features": ["x1", "x1^2", "sin(x1)"],
               "activation": [], "loss": "mse", "output_activation": "linear",
               "dataset": {"points": [[0.5, 1.0], [-1.0, 2.0], [2.0, 0.0]]}}
    lesson = parse_lesson(json.dumps(_document(problem)))
    path = tmp_path / "p.lesson.json"
    save_lesson(lesson, path)
    assert load_lesson(path) == lesson
    ws = Workspace()
    ws.open_file(str(path))
    np.testing.assert_array_equal(ws.problem.inputs.x_train[0], [0.5, 0.25, np.sin(0.5)])
