"""Datasets: deterministic per seed, the right shapes and kinds, the split, explicit points."""

import numpy as np
import pytest

from simulator.engine.datasets import (
    DESCRIPTIONS,
    GENERATORS,
    MAX_SAMPLES,
    DatasetError,
    make_dataset,
    points_dataset,
)

CLASSIFICATION = ["circle", "xor", "gaussians", "spiral"]
MULTICLASS = {"spiral3": 3, "yinyang": 3, "blobs": 5}
REGRESSION = ["line", "curve"]
ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def test_every_generator_is_listed_and_described():
    assert sorted(GENERATORS) == sorted(CLASSIFICATION + list(MULTICLASS) + REGRESSION)
    assert set(DESCRIPTIONS) == set(GENERATORS)
    for name in CLASSIFICATION + list(MULTICLASS):
        assert GENERATORS[name][1] == "classification"
    for name in REGRESSION:
        assert GENERATORS[name][1] == "regression"


@pytest.mark.parametrize("name", CLASSIFICATION + list(MULTICLASS) + REGRESSION)
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a = make_dataset(name, 120, 0.1, seed=4)
    b = make_dataset(name, 120, 0.1, seed=4)
    c = make_dataset(name, 120, 0.1, seed=5)
    for key in ARRAYS:
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_shapes_and_labels(name):
    d = make_dataset(name, 101, 0.2, seed=1, train_fraction=0.7)
    assert d.kind == "classification" and d.classes == 2 and d.name == name
    assert d.x_train.shape == (71, 2) and d.y_train.shape == (71, 1)
    assert d.x_test.shape == (30, 2) and d.y_test.shape == (30, 1)
    assert d.inputs == 2 and d.outputs == 1
    labels = np.concatenate([d.y_train, d.y_test])[:, 0]
    assert set(np.unique(labels)) == {0.0, 1.0}
    if name != "xor":  # the other generators make exactly half of each class (n // 2 ones)
        assert labels.sum() == 50
    for key in ARRAYS:
        assert np.all(np.isfinite(getattr(d, key)))
        assert getattr(d, key).dtype == np.float64


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_shapes(name):
    d = make_dataset(name, 50, 0.1, seed=2, train_fraction=0.5)
    assert d.kind == "regression" and d.classes == 0
    assert d.x_train.shape == (25, 1) and d.y_train.shape == (25, 1)
    assert d.x_test.shape == (25, 1) and d.y_test.shape == (25, 1)


@pytest.mark.parametrize(("fraction", "train"), [(0.8, 160), (1.0, 200), (0.1, 20), (0.333, 67)])
def test_train_fraction_splits_the_points_once(fraction, train):
    d = make_dataset("gaussians", 200, 0.1, seed=3, train_fraction=fraction)
    assert len(d.x_train) == train and len(d.x_test) == 200 - train
    everything = make_dataset("gaussians", 200, 0.1, seed=3, train_fraction=1.0)
    # the split is a permutation of the same points: no point lost or repeated
    split = np.concatenate([d.x_train, d.x_test])
    key = np.lexsort(split.T)
    key_all = np.lexsort(everything.x_train.T)
    np.testing.assert_array_equal(split[key], everything.x_train[key_all])


@pytest.mark.parametrize("name", ["circle", "gaussians", "spiral"])
def test_the_split_is_shuffled_so_both_parts_hold_both_classes(name):
    # these generators emit all of one class first: an unshuffled split would train on it alone
    d = make_dataset(name, 200, 0.1, seed=0, train_fraction=0.5)
    for y in (d.y_train, d.y_test):
        assert 0.3 < y.mean() < 0.7


def test_generators_draw_what_they_say_without_noise():
    circle = make_dataset("circle", 400, 0.0, seed=0, train_fraction=1.0)
    r = np.linalg.norm(circle.x_train, axis=1) * 5
    inside = circle.y_train[:, 0] == 1
    assert np.all(r[inside] <= 2) and np.all((r[~inside] >= 3) & (r[~inside] <= 5))
    xor = make_dataset("xor", 400, 0.0, seed=0, train_fraction=1.0)
    agree = (xor.x_train[:, 0] * xor.x_train[:, 1] > 0).astype(float)
    np.testing.assert_array_equal(xor.y_train[:, 0], agree)
    assert np.all(np.abs(xor.x_train) >= 0.05)  # the gap around the axes
    line = make_dataset("line", 100, 0.0, seed=0, train_fraction=1.0)
    np.testing.assert_allclose(line.y_train[:, 0], 0.8 * line.x_train[:, 0] - 0.2, atol=1e-15)
    curve = make_dataset("curve", 100, 0.0, seed=0, train_fraction=1.0)
    np.testing.assert_allclose(curve.y_train[:, 0], 0.8 * np.sin(3 * curve.x_train[:, 0]),
                               atol=1e-15)
    assert np.all(np.abs(line.x_train) <= 1)


def test_noise_moves_the_points():
    quiet = make_dataset("line", 100, 0.0, seed=0, train_fraction=1.0)
    noisy = make_dataset("line", 100, 0.5, seed=0, train_fraction=1.0)
    residual = noisy.y_train[:, 0] - (0.8 * noisy.x_train[:, 0] - 0.2)
    assert 0.3 < residual.std() < 0.7
    assert not np.array_equal(quiet.y_train, noisy.y_train)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(name="moons"), "unknown dataset 'moons'"),
    (dict(name="circle", samples=3), "samples must be 4–5000, got 3"),
    (dict(name="circle", samples=MAX_SAMPLES + 1), "samples must be"),
    (dict(name="circle", noise=-0.1), "noise must be 0–1"),
    (dict(name="circle", noise=5.0), "noise must be 0–1, got 5.0"),
    (dict(name="circle", train_fraction=0.05), "train_fraction must be 0.1–1"),
    (dict(name="circle", train_fraction=1.5), "train_fraction must be 0.1–1"),
])
def test_bad_dataset_settings_raise(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset(**kwargs)


def test_points_dataset_regression_and_classification():
    reg = points_dataset([[0.0, 1.5], [1.0, 2.5], [2.0, -1.0]], inputs=1)
    assert reg.kind == "regression" and reg.classes == 0 and reg.name == "points"
    np.testing.assert_array_equal(reg.x_train, [[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(reg.y_train, [[1.5], [2.5], [-1.0]])
    assert reg.x_test.shape == (0, 1) and reg.y_test.shape == (0, 1)

    binary = points_dataset([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]], inputs=2)
    assert binary.kind == "classification" and binary.classes == 2
    assert binary.x_train.shape == (4, 2) and binary.y_train.shape == (4, 1)

    three = points_dataset([[0.5, 0.5, 2], [0.1, 0.2, 0], [0.9, 0.1, 1]], inputs=2, classes=3)
    assert three.kind == "classification" and three.classes == 3
    np.testing.assert_array_equal(three.y_train[:, 0], [2, 0, 1])

    held_out = points_dataset([[0.0, 1.5], [1.0, 2.5]], inputs=1, test_points=[[3.0, 0.5]])
    np.testing.assert_array_equal(held_out.x_test, [[3.0]])
    np.testing.assert_array_equal(held_out.y_test, [[0.5]])
    assert len(held_out.x_train) == 2

    two_outputs = points_dataset([[1.0, 0.5, 0.25]], inputs=1)
    assert two_outputs.y_train.shape == (1, 2) and two_outputs.outputs == 2


@pytest.mark.parametrize(("points", "inputs", "message"), [
    ([1.0, 2.0], 1, "list of rows"),
    (np.zeros((0, 2)), 1, "list of rows"),
    ([[1.0, 2.0]], 2, "needs 2 inputs and at least one target"),
    ([[1.0, float("nan")]], 1, "finite"),
    ([[float("inf"), 1.0]], 1, "finite"),
])
def test_bad_points_raise(points, inputs, message):
    with pytest.raises(DatasetError, match=message):
        points_dataset(points, inputs)
    with pytest.raises(DatasetError, match="finite"):
        points_dataset([[1.0, 2.0]], 1, test_points=[[float("nan"), 1.0]])


def test_adding_and_removing_points_returns_new_datasets():
    d = make_dataset("circle", 20, 0.1, seed=0)
    more = d.with_point([0.1, 0.2], 1.0)
    assert len(more.x_train) == len(d.x_train) + 1 and len(d.x_train) == 16
    np.testing.assert_array_equal(more.x_train[-1], [0.1, 0.2])
    assert more.y_train[-1, 0] == 1.0 and more.kind == d.kind
    fewer = d.without_point(0)
    np.testing.assert_array_equal(fewer.x_train, d.x_train[1:])
    fewer_test = d.without_point(1, test=True)
    assert len(fewer_test.x_test) == len(d.x_test) - 1
    np.testing.assert_array_equal(fewer_test.x_train, d.x_train)


@pytest.mark.parametrize("name, classes", MULTICLASS.items())
def test_multiclass_sets_hold_as_many_points_of_each_class(name, classes):
    d = make_dataset(name, 150, 0.05, seed=3, train_fraction=1.0)
    assert d.kind == "classification" and d.classes == classes
    counts = np.bincount(d.y_train[:, 0].astype(int), minlength=classes)
    assert len(counts) == classes and np.all(counts == 150 // classes)


def test_the_yin_yang_labels_follow_its_shape():
    from simulator.engine.datasets import _yin_yang_class

    points = np.array([[0.0, 0.5], [0.0, -0.5], [0.0, 0.75], [0.0, -0.75], [-0.8, 0.0],
                       [0.8, 0.0], [-0.3, -0.5], [0.3, 0.5]])
    # the dots, the upper half-disc (yin), the lower (yang), the left (yin), the right (yang),
    # a point of the lower disc left of its dot (yang), of the upper disc right of it (yin)
    np.testing.assert_array_equal(_yin_yang_class(points), [2, 2, 0, 1, 0, 1, 1, 0])
    d = make_dataset("yinyang", 300, 0.0, seed=0, train_fraction=1.0)
    assert np.all(np.hypot(d.x_train[:, 0], d.x_train[:, 1]) <= 1.0)
    np.testing.assert_array_equal(_yin_yang_class(d.x_train), d.y_train[:, 0])


def test_blobs_cluster_around_five_centres():
    d = make_dataset("blobs", 500, 0.0, seed=0, train_fraction=1.0)
    for k in range(5):
        centre = d.x_train[d.y_train[:, 0] == k].mean(axis=0)
        angle = k * 2 * np.pi / 5 + np.pi / 2
        np.testing.assert_allclose(centre, 0.65 * np.array([np.cos(angle), np.sin(angle)]),
                                   atol=0.05)
