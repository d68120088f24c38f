"""Turning a lesson into the engine's objects: a problem and a session."""

from __future__ import annotations

import numpy as np

from simulator.engine.datasets import DatasetError, make_dataset, points_dataset
from simulator.engine.features import FeatureError, FeatureMap
from simulator.engine.functions import LOSSES, Regularization
from simulator.engine.network import Network, NetworkError
from simulator.engine.optimizers import OptimizerError
from simulator.engine.problems import NetworkProblem, Problem
from simulator.engine.session import OptimizerConfig, Session

from .checking import LessonError
from .model import ExpressionSpec, Lesson, NetworkSpec


def build_network(spec: NetworkSpec) -> Network:
    """Return the engine network a spec describes."""
    reg = None if spec.regularization is None else Regularization(*spec.regularization)
    try:
        return Network(spec.layers, spec.activation, spec.output_activation, spec.loss, reg)
    except NetworkError as exc:
        raise LessonError("problem", str(exc)) from None


def build_problem(spec: NetworkSpec | ExpressionSpec) -> Problem:
    """Return the engine problem a spec describes."""
    if isinstance(spec, ExpressionSpec):
        return _expression_problem(spec)
    network = build_network(spec)
    d = spec.dataset
    try:
        if d.points is not None:
            classes = spec.layers[-1] if LOSSES[spec.loss].targets == "classes" else 0
            columns = spec.layers[0] if spec.features is None else \
                len(d.points[0]) - (1 if classes else spec.layers[-1])
            dataset = points_dataset(np.array(d.points), columns, classes,
                                     np.array(d.test_points))
        else:
            dataset = make_dataset(d.name, d.samples, d.noise, d.seed, d.train_fraction)
    except DatasetError as exc:
        raise LessonError("problem.dataset", str(exc)) from None
    features = None
    if spec.features is not None:
        try:
            features = FeatureMap.of(spec.features, dataset.inputs)
        except FeatureError as exc:
            raise LessonError("problem.features", str(exc)) from None
        if len(features.features) != spec.layers[0]:
            raise LessonError("problem.layers", f"the first layer counts the features: "
                                                f"{len(features.features)} features, so "
                                                f"layers[0] must be {len(features.features)}")
    if spec.weights is not None:
        try:
            start = network.pack([np.array(w) for w in spec.weights],
                                 [np.array(b) for b in spec.biases])
        except NetworkError as exc:
            raise LessonError("problem.weights", str(exc)) from None
    else:
        start = network.initial_theta(spec.init_seed, spec.init)
    try:
        return NetworkProblem(network, dataset, start, features)
    except ValueError as exc:
        raise LessonError("problem.layers", str(exc)) from None


def _expression_problem(spec: ExpressionSpec) -> Problem:
    from simulator.symbolic.parsing import FormulaError
    from simulator.symbolic.problems import expression_problem

    minima = ()
    if spec.surface:
        from simulator.symbolic.surfaces import SURFACES

        surface = SURFACES[spec.surface]
        if surface.expression == spec.expression:
            minima = [m.point for m in surface.minima]
    try:
        return expression_problem(spec.expression, dict(spec.start), dict(spec.range) or None,
                                  minima)
    except FormulaError as exc:
        raise LessonError("problem.expression", str(exc)) from None
    except ValueError as exc:  # "start: w: …": the field's JSON path, where it has one
        field, _, why = str(exc).partition(": ")
        path = {"start": "problem.start", "ranges": "problem.range",
                "formula": "problem.expression"}.get(field)
        raise (LessonError(path, why) if path else LessonError("problem", str(exc))) from None


def optimizer_config(lesson: Lesson) -> OptimizerConfig:
    """Return the session's optimizer settings from a lesson."""
    o = lesson.optimizer
    config = OptimizerConfig(o.name, o.learning_rate, tuple(sorted(o.hyper)), o.schedule)
    try:
        config.build()
    except OptimizerError as exc:
        raise LessonError("optimizer", str(exc)) from None
    return config


def build_session(lesson: Lesson, problem: Problem | None = None) -> Session:
    """Return a fresh session at step 0 of a lesson."""
    problem = build_problem(lesson.problem) if problem is None else problem
    return Session(problem, optimizer_config(lesson), lesson.batch_size)


def landscape_axes(lesson: Lesson, problem: Problem) -> tuple[int, int]:
    """Return the θ indices of the landscape's two axes (a one-variable problem: 0, 0)."""
    names = problem.names
    if lesson.landscape is None:
        if len(names) == 1:
            return 0, 0
        if isinstance(problem, NetworkProblem):
            net = problem.network
            second = "W1[1,0]" if net.sizes[0] > 1 else "b1[0]"
            return net.index_of("W1[0,0]"), net.index_of(second)
        return 0, 1
    indices = []
    for key, name in zip(("x", "y"), lesson.landscape, strict=True):
        try:
            if isinstance(problem, NetworkProblem):
                indices.append(problem.network.index_of(name))
            else:
                indices.append(names.index(name))
        except (NetworkError, ValueError):
            raise LessonError(f"landscape.{key}",
                              f"{name!r} is not a parameter of this problem "
                              f"(e.g. {', '.join(names[:3])})") from None
    if indices[0] == indices[1] and len(names) > 1:
        raise LessonError("landscape.y", f"must name another parameter than landscape.x "
                                         f"({lesson.landscape[0]})")
    return indices[0], indices[1]
