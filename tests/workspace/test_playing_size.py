"""The landscape's grid while playing: sized from a grid point's cost, fine when paused."""

import numpy as np

from simulator.benchmarks import big_problem, reference_problem
from simulator.engine.datasets import make_dataset
from simulator.engine.network import Network
from simulator.engine.problems import ExpressionProblem, NetworkProblem
from simulator.workspace.frames import Axes
from simulator.workspace.grid_requests import (
    FINE,
    PLAYING_GRID,
    SMALLEST_PLAYING_GRID,
    landscape_request,
    playing_size,
)


def network(sizes, points):
    net = Network(sizes, ("tanh",) * (len(sizes) - 2), "sigmoid", "mse")
    data = make_dataset("circle", points, 0.1, seed=1, train_fraction=1.0)
    return NetworkProblem(net, data, net.initial_theta(3))


def test_the_reference_network_keeps_the_full_playing_grid():
    assert playing_size(reference_problem()) == PLAYING_GRID


def test_a_formula_keeps_the_full_playing_grid():
    square = ExpressionProblem("w1**2 + w2**2", ["w1", "w2"], lambda a, b: a**2 + b**2,
                               lambda a, b: (2 * a, 2 * b), np.array([0.0, 0.0]),
                               [(-1, 1), (-1, 1)])
    assert playing_size(square) == PLAYING_GRID


def test_four_times_the_work_per_point_halves_the_side():
    assert reference_problem().network.parameter_count == 105
    assert playing_size(network((2, 8, 8, 1), 800)) == PLAYING_GRID // 2


def test_the_biggest_network_gets_the_smallest_grid_and_a_cheaper_one_is_never_smaller():
    assert playing_size(big_problem()) == SMALLEST_PLAYING_GRID
    sides = [playing_size(network((2, width, width, 1), 200)) for width in (4, 8, 16, 32)]
    assert sides == sorted(sides, reverse=True)
    assert all(SMALLEST_PLAYING_GRID <= side <= PLAYING_GRID for side in sides)


def test_a_quick_request_is_one_grid_of_the_playing_size_and_a_paused_one_ends_fine():
    problem = network((2, 8, 8, 1), 800)
    axes = Axes("parameters", 0, 1, ("w1", "b1"), (-1.0, 1.0), (-1.0, 1.0))
    (quick,) = landscape_request(problem, axes, problem.start, quick=True).stages
    assert quick().z.shape == (PLAYING_GRID // 2, PLAYING_GRID // 2)
    assert landscape_request(problem, axes, problem.start).stages[-1]().z.shape == (FINE, FINE)
