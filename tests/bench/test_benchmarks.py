"""The benchmark's baselines compute what the engine computes (else comparing them means nothing)."""

import numpy as np

from simulator.benchmarks import NaiveNetwork, format_figures, reference_problem, straight_line_epoch
from simulator.engine.session import OptimizerConfig


def test_naive_backprop_gives_the_engines_gradient():
    problem = reference_problem()
    naive = NaiveNetwork(problem)
    grads = naive.gradients(range(len(naive.x)))
    engine = problem.gradient(problem.start)
    weights, biases = problem.network.unpack(engine)
    for ours, theirs in zip([*weights, *biases], grads, strict=True):
        assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_straight_line_epoch_matches_the_engines_epoch():
    problem = reference_problem()
    order = np.random.default_rng(0).permutation(problem.sample_count)
    epoch, floor_weights = straight_line_epoch(problem, order)
    epoch()
    theta, grad = problem.initial_theta(), np.empty(problem.network.parameter_count)
    sgd = OptimizerConfig("sgd", 0.03).build()
    for start in range(0, problem.sample_count, 10):
        problem.loss_and_gradient(theta, order[start:start + 10], grad)
        sgd.step(theta, grad)
    engine_weights, _ = problem.network.unpack(theta)
    for floor, engine in zip(floor_weights, engine_weights, strict=True):
        assert np.allclose(floor, engine, rtol=1e-10, atol=1e-12)


def test_figures_table_shows_targets_and_speedups():
    text = format_figures({"adam_step_us": 70.0, "adam_step_naive_us": 4400.0,
                           "landscape_ms": 50.0, "landscape_naive_ms": 220.0})
    assert "62.9×" in text and "≤ 80" in text and "4.4×" in text
