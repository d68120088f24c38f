"""Input features: the seven Playground transforms, read by pattern, and a network fed them.

A problem with features must be the same problem as a plain network trained on columns
transformed by hand: the same losses, gradients, steps and predictions, bit for bit.
"""

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset, points_dataset
from simulator.engine.features import (
    PLAYGROUND_FEATURES,
    FeatureError,
    FeatureMap,
    candidate_features,
    parse_feature,
)
from simulator.engine.network import Network
from simulator.engine.problems import NetworkProblem
from simulator.engine.session import OptimizerConfig, Session


def test_the_seven_features_of_one_point_are_their_closed_forms():
    x = np.array([[0.5, -2.0]])
    values = FeatureMap.of(PLAYGROUND_FEATURES, 2).apply(x)[0]
    expected = [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)]
    np.testing.assert_array_equal(values, expected)


def test_labels_are_written_as_people_write_them():
    labels = [parse_feature(n, 2).label for n in PLAYGROUND_FEATURES]
    assert labels == ["x₁", "x₂", "x₁²", "x₂²", "x₁·x₂", "sin x₁", "sin x₂"]


def test_the_plain_columns_pass_through_untouched():
    x = np.arange(6.0).reshape(3, 2)
    assert FeatureMap.of(["x1", "x2"], 2).apply(x) is x
    np.testing.assert_array_equal(FeatureMap.of(["x2", "x1"], 2).apply(x), x[:, ::-1])


@pytest.mark.parametrize("name, message", [
    ("x3", "reads column x3, but the data has 2 columns"),
    ("x0", "reads column x0"),
    ("cos(x1)", "unknown feature 'cos(x1)'"),
    ("x2*x1", "smaller first"),
    ("x1*x1", "two different columns"),
    ("__import__('os')", "unknown feature"),
    ("x1 ^ 2", "unknown feature"),
])
def test_a_bad_feature_name_says_what_is_wrong(name, message):
    with pytest.raises(FeatureError) as caught:
        parse_feature(name, 2)
    assert message in str(caught.value)


def test_a_feature_map_needs_distinct_features():
    with pytest.raises(FeatureError, match="listed twice"):
        FeatureMap.of(["x1", "x1"], 2)
    with pytest.raises(FeatureError, match="at least one"):
        FeatureMap.of([], 2)
    with pytest.raises(FeatureError, match="rows of 2 columns"):
        FeatureMap.of(["x1^2"], 2).apply(np.zeros((3, 1)))


def test_candidates_depend_on_the_number_of_columns():
    assert candidate_features(2) == PLAYGROUND_FEATURES
    assert candidate_features(1) == ("x1", "x1^2", "sin(x1)")
    assert candidate_features(4) == ("x1", "x2", "x3", "x4")


def _pair(names):
    """Return (a problem fed features, a plain problem on the columns transformed by hand)."""
    data = make_dataset("circle", 80, 0.1, seed=2, train_fraction=0.75)
    features = FeatureMap.of(names, 2)
    net = Network((len(names), 3, 1), ("tanh",), "sigmoid", "bce")
    start = net.initial_theta(4)
    featured = NetworkProblem(net, data, start, features)
    columns = np.column_stack([f.apply(data.x_train) for f in features.features])
    test = np.column_stack([f.apply(data.x_test) for f in features.features])
    plain_data = points_dataset(np.column_stack([columns, data.y_train]), len(names), 0,
                                np.column_stack([test, data.y_test]))
    return featured, NetworkProblem(net, plain_data, start), data


@pytest.mark.parametrize("names", [PLAYGROUND_FEATURES, ("x1^2", "x2^2"), ("sin(x2)", "x1*x2")])
def test_a_network_fed_features_trains_like_one_fed_the_transformed_columns(names):
    featured, plain, data = _pair(names)
    config = OptimizerConfig("adam", 0.05)
    a, b = Session(featured, config), Session(plain, config)
    a.step(60)
    b.step(60)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.loss == b.loss and featured.test_loss(a.theta) == plain.test_loss(b.theta)
    transformed = FeatureMap.of(names, 2).apply(data.x_train)
    np.testing.assert_array_equal(featured.predict(a.theta, data.x_train),
                                  plain.predict(b.theta, transformed))
    xs = ys = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(featured.loss_grid(a.theta, 0, 1, xs, ys),
                                  plain.loss_grid(b.theta, 0, 1, xs, ys))


def test_the_network_must_have_one_input_per_feature():
    data = make_dataset("circle", 20, 0.1, seed=0)
    net = Network((2, 1), (), "sigmoid", "bce")
    with pytest.raises(ValueError, match="has 2 inputs, the data gives 3"):
        NetworkProblem(net, data, np.zeros(3), FeatureMap.of(["x1", "x2", "x1^2"], 2))
    with pytest.raises(ValueError, match="features read 1 columns, the data has 2"):
        NetworkProblem(net, data, np.zeros(3), FeatureMap.of(["x1", "x1^2"], 1))
