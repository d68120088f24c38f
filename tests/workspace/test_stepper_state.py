"""The workspace's stepper verbs: where the walk is, and what moves it."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.workspace import Workspace


def workspace(name: str) -> Workspace:
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def test_next_previous_and_jumps_move_through_the_walk_and_refuse_past_its_ends():
    ws = workspace("13-xor-network.lesson.json")
    frame = ws.stepper_frame()
    assert frame.kind == "network" and frame.index == 0 and frame.sample == 0
    assert frame.current.target.text == "z1[0]"
    assert ws.stepper_frame() is frame  # nothing changed: the same frame
    with pytest.raises(EditError, match="first operation"):
        ws.stepper_previous()
    ws.stepper_next()
    assert ws.stepper_frame().current.target.text == "a1[0]"
    ws.stepper_jump("backward")
    assert ws.stepper_frame().current.phase == "backward"
    assert ws.stepper_frame().index == frame.phase_starts["backward"]
    ws.stepper_jump("update")
    ws.stepper_go(10**9)  # past the end: the last operation
    last = ws.stepper_frame()
    assert last.index == last.count - 1
    with pytest.raises(EditError, match="last operation"):
        ws.stepper_next()
    with pytest.raises(EditError, match="no phase"):
        ws.stepper_jump("sideways")
    with pytest.raises(EditError, match="by its number"):
        ws.stepper_go("3")
    assert ws.stepper_frame().index == last.index  # a refused verb changed nothing


def test_a_step_keeps_the_operation_and_shows_its_new_numbers():
    ws = workspace("13-xor-network.lesson.json")
    ws.stepper_jump("backward")
    before = ws.stepper_frame()
    ws.step(1)
    after = ws.stepper_frame()
    assert after is not before and after.index == before.index and after.step == 1
    assert after.current.target == before.current.target
    assert after.current.value != before.current.value
    # the walk's update is the step the optimizer then took (one sample here, so compare
    # with the optimizer run on that sample's gradient: the run itself is untouched)
    assert ws.session.step_count == 1


def test_the_sample_and_the_batch_view_choose_what_is_walked():
    ws = workspace("13-xor-network.lesson.json")
    ws.stepper_go(5)
    ws.set_sample(2)
    frame = ws.stepper_frame()
    x = ws.problem.dataset.x_train[2]
    w = ws.problem.network.unpack(ws.session.theta)[0][0]
    assert frame.sample == 2 and frame.index == 5
    assert frame.operations[0].value == pytest.approx(x @ w[:, 0], abs=1e-12)
    ws.set_stepper_batch(True)
    batch = ws.stepper_frame()
    assert batch.batch and batch.operations[0].value is None
    update = [batch.operations[k] for k in range(batch.phase_starts["update"], batch.count)]
    # the batch view's update is the run's next step exactly (full batch, Adam's real step)
    new_theta = np.array([op.value for op in update if op.quantity == "parameter"])
    assert new_theta == pytest.approx(ws.session.theta + ws.frame().next_step, abs=1e-12)


def test_a_new_problem_starts_the_walk_again_and_a_formula_walks_its_graph():
    ws = workspace("13-xor-network.lesson.json")
    ws.stepper_go(12)
    ws.open_file(str(builtin_lesson("09-seed-w-squared.lesson.json")))
    frame = ws.stepper_frame()
    assert frame.kind == "formula" and frame.index == 0 and frame.samples == 0
    assert [op.target.text for op in frame.operations][:2] == ["w", "J"]
    with pytest.raises(EditError, match="no samples"):
        ws.set_stepper_batch(True)
    assert not ws.stepper_frame().batch


def test_the_update_uses_the_schedules_rate_and_is_the_step_the_run_then_takes():
    from dataclasses import replace

    from simulator.engine.schedules import make_schedule

    ws = workspace("13-xor-network.lesson.json")
    config = replace(ws.session.config, name="sgd", hyper=(),
                     schedule=make_schedule("exponential", gamma=0.5))
    ws.set_optimizer_config(config)
    ws.set_batch_size(None)
    ws.step(2)  # η is now η₀ · 0.5²
    ws.set_stepper_batch(True)
    frame = ws.stepper_frame()
    update = [frame.operations[k] for k in range(frame.phase_starts["update"], frame.count)]
    predicted = np.array([op.value for op in update])
    assert update[0].numbers.text.split(" − ")[1].startswith(
        f"{config.learning_rate * 0.25:g}")
    ws.step(1)
    assert predicted == pytest.approx(ws.session.theta, abs=1e-12)


def test_with_input_features_the_walk_starts_from_what_the_input_neurons_see():
    ws = workspace("13-xor-network.lesson.json")
    ws.toggle_feature("x1^2")
    frame = ws.stepper_frame()
    problem = ws.problem
    seen = problem.inputs.x_train[0]
    assert len(seen) == problem.network.sizes[0] == 3
    w = problem.network.unpack(ws.session.theta)[0][0]
    b = problem.network.unpack(ws.session.theta)[1][0]
    assert frame.operations[0].value == pytest.approx(seen @ w[:, 0] + b[0], abs=1e-12)


def test_a_formula_that_cannot_be_analysed_gives_no_walk_and_says_why(monkeypatch):
    import simulator.workspace.formula as formula
    import simulator.workspace.workspace as module

    def refuse(problem):
        raise ValueError("sympy gave up")

    monkeypatch.setattr(module, "build_formula_model", refuse)
    monkeypatch.setattr(formula, "build_formula_model", refuse)  # what a build calls
    ws = workspace("09-seed-w-squared.lesson.json")
    frame = ws.stepper_frame()
    assert frame.kind == "none" and frame.count == 0 and frame.current is None
    assert "sympy gave up" in frame.note
    for verb in (ws.stepper_next, lambda: ws.stepper_jump("backward"), lambda: ws.stepper_go(0)):
        with pytest.raises(EditError, match="sympy gave up"):
            verb()
