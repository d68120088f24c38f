"""Metrics against confusion matrices, accuracies, RMSE and R² worked out by hand."""

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset
from simulator.engine.metrics import (
    accuracy,
    confusion_matrix,
    predicted_classes,
    r_squared,
    rmse,
    score,
)
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem


def test_softmax_outputs_pick_the_argmax_and_fill_the_confusion_matrix():
    # six samples, three classes; true classes 0 0 1 1 2 2
    probabilities = np.array([
        [0.7, 0.2, 0.1],  # 0 → 0
        [0.2, 0.5, 0.3],  # 0 → 1
        [0.1, 0.8, 0.1],  # 1 → 1
        [0.1, 0.3, 0.6],  # 1 → 2
        [0.3, 0.3, 0.4],  # 2 → 2
        [0.05, 0.05, 0.9],  # 2 → 2
    ])
    targets = np.array([[0], [0], [1], [1], [2], [2]], dtype=float)
    m = score("classification", 3, (targets, probabilities), (targets[:0], probabilities[:0]))
    # rows: true class; columns: predicted class (counted by hand from the comments above)
    np.testing.assert_array_equal(m.confusion, [[1, 1, 0], [0, 1, 1], [0, 0, 2]])
    assert m.accuracy == 4 / 6
    assert m.test_accuracy is None and m.test_confusion is None


def test_a_single_sigmoid_output_is_class_1_above_one_half():
    outputs = np.array([[0.9], [0.51], [0.5], [0.1], [0.2]])
    np.testing.assert_array_equal(predicted_classes(outputs), [1, 1, 0, 0, 0])
    targets = np.array([[1], [0], [1], [0], [0]], dtype=float)
    m = score("classification", 2, (targets, outputs), (targets[:2], outputs[:2]))
    np.testing.assert_array_equal(m.confusion, [[2, 1], [1, 1]])
    assert m.accuracy == 3 / 5
    np.testing.assert_array_equal(m.test_confusion, [[0, 1], [0, 1]])
    assert m.test_accuracy == 1 / 2


def test_confusion_counts_repeated_cells_and_accuracy_of_nothing_is_none():
    matrix = confusion_matrix([1, 1, 1, 0], [0, 0, 1, 0], 2)
    np.testing.assert_array_equal(matrix, [[1, 0], [2, 1]])
    assert accuracy(np.zeros((2, 2), dtype=int)) is None


def test_rmse_and_r2_of_a_small_fit_by_hand():
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    y_hat = np.array([[1.5], [2.0], [2.5], [4.0]])
    # residuals 0.5, 0, −0.5, 0: mean square 0.125; SS_res = 0.5, SS_tot = 5 (mean 2.5)
    assert rmse(y, y_hat) == pytest.approx(np.sqrt(0.125), rel=1e-15)
    assert r_squared(y, y_hat) == pytest.approx(1 - 0.5 / 5, rel=1e-15)
    assert r_squared(y, np.full_like(y, 2.5)) == 0.0  # the mean itself scores 0
    assert r_squared(np.ones((3, 1)), y_hat[:3]) is None  # targets that do not vary
    assert rmse(y[:0], y_hat[:0]) is None and r_squared(y[:1], y_hat[:1]) is None


def test_r2_averages_over_outputs():
    y = np.array([[1.0, 0.0], [3.0, 2.0]])
    y_hat = np.array([[1.0, 1.0], [3.0, 1.0]])
    # output 1 is perfect (R² = 1); output 2: SS_res = 2, SS_tot = 2 → R² = 0
    assert r_squared(y, y_hat) == 0.5


def test_a_problem_scores_its_own_predictions():
    data = make_dataset("blobs", 100, 0.0, seed=1)
    net = Network((2, 5), (), "softmax", "cross_entropy")
    problem = NetworkProblem(net, data, net.initial_theta(0))
    theta = problem.initial_theta()
    m = problem.metrics(theta)
    picked = problem.predict(theta, data.x_train).argmax(axis=1)
    truth = data.y_train[:, 0].astype(int)
    assert m.classes == 5 and m.confusion.shape == (5, 5)
    for i in range(5):
        for j in range(5):
            assert m.confusion[i, j] == np.sum((truth == i) & (picked == j))
    assert m.accuracy == np.mean(picked == truth)
