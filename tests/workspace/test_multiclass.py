"""Multi-class data in the workspace and lesson files: the network's ends follow, scores in frames."""

import json

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.lessons.checking import LessonError
from simulator.lessons.files import parse_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.workspace import Workspace

THREE = "16-three-spirals-softmax.lesson.json"


def workspace(name: str) -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def test_choosing_a_five_class_set_makes_a_softmax_with_five_outputs():
    ws = workspace("14-circle-network.lesson.json")
    said = ws.plan_choice(dataset="blobs")
    spec = ws.lesson.problem
    assert (spec.output_activation, spec.loss, spec.layers[-1]) == ("softmax", "cross_entropy", 5)
    assert "the loss is now Cross-entropy" in said and "it has 5 outputs" in said
    ws.plan_choice(dataset="circle")  # back to two classes: two softmax outputs
    assert ws.lesson.problem.layers[-1] == 2


def test_a_multiclass_set_refuses_a_loss_or_output_for_two_classes():
    ws = workspace(THREE)
    before = ws.memento()
    with pytest.raises(EditError, match="3 classes: Binary cross-entropy cannot"):
        ws.plan_choice(loss="bce")
    with pytest.raises(EditError, match="the output must be a softmax"):
        ws.plan_choice(output="sigmoid")
    assert ws.memento() == before


def test_the_three_class_lesson_trains_and_its_frame_scores_it():
    ws = workspace(THREE)
    start = ws.frame().metrics
    assert start.kind == "classification" and start.confusion.shape == (3, 3)
    ws.step(300)
    m = ws.frame().metrics
    assert m.accuracy > 0.95 and m.test_accuracy > 0.85
    assert m.confusion.sum() == ws.problem.sample_count
    assert m.test_confusion.sum() == len(ws.problem.dataset.x_test)
    assert ws.frame().metrics is m  # the same θ is scored once


def test_a_frame_scores_its_own_theta_and_problem_only_when_read(monkeypatch):
    ws = workspace(THREE)
    ws.step(50)
    problem, theta = ws.problem, ws.session.theta.copy()
    calls = []
    score = type(problem).metrics
    monkeypatch.setattr(type(problem), "metrics",
                        lambda self, t: calls.append(self) or score(self, t))
    frame = ws.frame(playing=True)
    assert calls == []  # no forward pass until a view reads the scores
    ws.step(50)
    ws.plan_choice(dataset="circle")  # a new problem after the frame was made
    m = frame.metrics
    assert calls == [problem]
    expected = score(problem, theta)
    assert m.accuracy == expected.accuracy
    np.testing.assert_array_equal(m.confusion, expected.confusion)
    assert frame.metrics is m and calls == [problem]  # read again: scored once


def test_a_regression_frame_has_rmse_and_r2_and_a_formula_none():
    ws = workspace("14-circle-network.lesson.json")
    ws.plan_choice(dataset="curve")
    m = ws.frame().metrics
    assert m.kind == "regression" and m.rmse > 0 and m.r2 is not None and m.accuracy is None
    formula = workspace("09-seed-w-squared.lesson.json")
    assert formula.frame().metrics is None


def test_scores_that_are_not_finite_are_none():
    ws = workspace("14-circle-network.lesson.json")
    ws.plan_choice(dataset="curve")
    theta = ws.session.theta.copy()
    theta[:] = 1e300  # outputs overflow to inf
    m = ws.metrics(theta)
    assert m.rmse is None and m.r2 is None


def _document(dataset: dict, loss: str, outputs: int) -> str:
    return json.dumps({"format": "backprop-hiker-lesson", "version": 1, "title": "t",
                       "problem": {"kind": "network", "layers": [2, 4, outputs],
                                   "loss": loss, "output_activation":
                                       "softmax" if loss == "cross_entropy" else "sigmoid",
                                   "dataset": dataset}})


def test_a_lesson_names_multiclass_sets_with_the_right_ends():
    lesson = parse_lesson(_document({"name": "yinyang"}, "cross_entropy", 3))
    assert lesson.problem.dataset.name == "yinyang"
    with pytest.raises(LessonError) as caught:
        parse_lesson(_document({"name": "yinyang"}, "bce", 1))
    assert caught.value.path == "problem.loss" and "has 3 classes" in str(caught.value)
    with pytest.raises(LessonError) as caught:
        parse_lesson(_document({"name": "blobs"}, "cross_entropy", 3))
    assert caught.value.path == "problem.layers[2]" and "needs 5 output neurons" in \
        str(caught.value)

