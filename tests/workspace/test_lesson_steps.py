"""Stepping through a lesson: each step's state is deterministic and comes back bit for bit."""

import json

import numpy as np
import pytest

from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson
from simulator.lessons.model import StepShow
from simulator.workspace.errors import EditError
from simulator.workspace.formula_text import parse_epsilon
from simulator.workspace.frames import LessonFrame
from simulator.workspace.lesson_steps import neuron_place
from simulator.workspace.workspace import CONVERGED_GRADIENT, Workspace
from tests.lessons.test_mutations import HOSTILE, _paths, _replaced

NETWORK = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "XOR in steps",
    "description": "A *small* network learns XOR.",
    "problem": {"kind": "network", "layers": [2, 3, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "bce", "init_seed": 5,
                "dataset": {"name": "xor", "samples": 60, "noise": 0.1, "seed": 2}},
    "optimizer": {"name": "sgd", "learning_rate": 0.5},
    "batch_size": 8,  # mini-batches: the batch order must come back exactly too
    "steps": [
        {"title": "Look", "text": "The **network**.", "set": {"select": "h1[2]", "sample": 4},
         "show": {"panels": ["network", "landscape"], "large": "network"}, "highlight": "h1[2]"},
        {"title": "Momentum", "text": "Twenty steps with momentum.",
         "set": {"optimizer": {"name": "momentum", "momentum": 0.8}, "learning_rate": 0.2},
         "run": 20},
        {"title": "Move", "text": "Put the hiker somewhere else.",
         "set": {"landscape": {"x": "W2[0,0]", "y": "b1[1]"}, "hiker": [1.5, -0.5],
                 "parameters": {"W1[0,0]": 0.25}},
         "run": 7, "highlight": "W2[0,0]"},
        {"title": "Adam", "text": "Adam remembers.",
         "set": {"optimizer": {"name": "adam", "learning_rate": 0.05}}, "run": 30,
         "show": {"panels": ["loss"], "large": None}},
    ],
}

BOWL = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "A bowl",
    "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3},
                "range": {"w": [-4, 4]}},
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "steps": [
        {"title": "Start", "text": "At w = 3.", "set": {"epsilon": "1/1000", "select": "w"}},
        {"title": "Down", "text": "To the bottom.", "run": {"until": "converged", "max": 1000}},
        {"title": "Again", "text": "From w = 2, at most ten steps.",
         "set": {"hiker": [2]}, "run": {"until": "converged", "max": 10}},
    ],
}


def opened(document) -> Workspace:
    ws = Workspace()
    ws.set_lesson(parse_lesson(json.dumps(document)))
    return ws


def state(ws: Workspace) -> dict:
    """Return everything that must come back exactly, as bytes and plain values."""
    s = ws.session
    optimizer_step, memory = s.optimizer.snapshot()
    steps, losses, tests = s.loss_history()
    path_steps, path = s.path_history()
    return {
        "theta": s.theta.tobytes(), "step": s.step_count, "config": s.config,
        "optimizer": (optimizer_step, {k: v.tobytes() for k, v in memory.items()}),
        "axes": (ws.axes.kind, ws.axes.x, ws.axes.y, ws.axes.x_range, ws.axes.y_range),
        "losses": (steps.tobytes(), losses.tobytes(), tests.tobytes()),
        "path": (path_steps.tobytes(), path.tobytes()), "sample": ws.sample,
        "selection": ws.selection, "epsilon": ws.epsilon_text, "status": ws.status(),
        # the next step too: the batch order and the optimizer's memory both go into it
        "next": _one_more_step(ws),
    }


def _one_more_step(ws: Workspace) -> bytes:
    import copy

    session = copy.deepcopy(ws.session, {id(ws.problem): ws.problem})
    session.step(3)
    return session.theta.tobytes()


def test_stepping_forward_then_back_restores_each_step_bit_for_bit():
    ws = opened(NETWORK)
    forward = []
    for k in range(4):
        ws.enter_step(k)
        forward.append(state(ws))
    assert [f["step"] for f in forward] == [0, 20, 27, 57]
    assert forward[1]["config"].name == "momentum" and forward[3]["config"].name == "adam"
    for k in (3, 2, 1, 0, 2, 1, 3):
        ws.enter_step(k)
        assert state(ws) == forward[k], k


def test_a_step_comes_back_exactly_after_the_user_changed_things_in_between():
    ws = opened(NETWORK)
    ws.enter_step(2)
    expected = state(ws)
    ws.step(15)
    ws.set_learning_rate(0.9)
    ws.set_parameters({0: 4.0})
    ws.set_axes(1, 2)
    ws.enter_step(3)
    ws.enter_step(2)
    assert state(ws) == expected


def test_a_step_entered_directly_equals_the_same_step_reached_one_by_one():
    one_by_one = opened(NETWORK)
    for k in range(4):
        one_by_one.enter_step(k)
    direct = opened(NETWORK)
    direct.enter_step(3)
    assert state(direct) == state(one_by_one)


def test_entering_a_step_applies_its_settings():
    ws = opened(NETWORK)
    ws.enter_step(2)
    names = ws.problem.names
    theta = ws.session.theta
    assert ws.axes.labels == ("W2[0,0]", "b1[1]")
    assert ws.session.config.learning_rate == 0.2 and ws.session.config.hyper == (
        ("momentum", 0.8),)
    assert (ws.selection, ws.sample) == ("h1[2]", 4)  # from step 1, still set
    ws_before = opened(NETWORK)
    ws_before.enter_step(2)
    ws_before.session.seek(20)  # the edit at step 20 put the hiker and W1[0,0] there
    assert ws_before.session.theta[names.index("W2[0,0]")] == 1.5
    assert ws_before.session.theta[names.index("b1[1]")] == -0.5
    assert ws_before.session.theta[names.index("W1[0,0]")] == 0.25
    assert not np.array_equal(theta, ws_before.session.theta)  # 7 steps were run after it


def test_run_until_converged_stops_at_the_first_flat_step():
    ws = opened(BOWL)
    ws.enter_step(1)
    s = ws.session
    assert ws.status() == "converged" and 0 < s.step_count < 1000
    assert abs(2 * s.theta[0]) < CONVERGED_GRADIENT
    s.seek(s.step_count - 1)
    assert abs(2 * s.theta[0]) >= CONVERGED_GRADIENT  # one step earlier it was not yet flat
    ws.enter_step(2)
    assert ws.session.step_count == s.furthest_step + 10  # the cap: ten steps, not converged
    assert ws.status() == "ready"
    assert ws.session.theta[0] == pytest.approx(2 * 0.8 ** 10)


def test_a_diverging_run_stops_and_the_step_still_shows_it():
    document = json.loads(json.dumps(BOWL))
    document["steps"][1]["set"] = {"learning_rate": 1.5}  # each step multiplies w by −2
    document["steps"][1]["run"] = 400
    ws = opened(document)
    ws.enter_step(1)
    assert ws.status() == "diverged" and ws.session.diverged_at == 10
    assert ws.session.theta[0] == 3 * (-2) ** 10  # J = 9.4e6 left the bound of 1e6 · J₀
    ws.enter_step(2)  # moving the hiker is an edit: the run goes on from w = 2
    assert ws.status() == "ready" and ws.session.step_count == 20
    assert ws.session.theta[0] == 2 * (-2) ** 10


def test_epsilon_given_as_a_number_is_the_same_as_the_text():
    for given, exact in ((1e-12, "1/1000000000000"), (0.001, "1/1000"), (0.5, "1/2")):
        document = json.loads(json.dumps(BOWL))
        document["steps"][0]["set"]["epsilon"] = given
        ws = opened(document)
        ws.enter_step(0)
        value, wrong = parse_epsilon(ws.epsilon_text)
        assert wrong is None and str(value) == exact
        assert ws.frame().formula.nudge.epsilon == given


def test_lesson_frame_before_and_in_the_steps():
    ws = opened(NETWORK)
    frame = ws.lesson_frame()
    assert isinstance(frame, LessonFrame)
    assert (frame.lesson_title, frame.index, frame.count) == ("XOR in steps", None, 4)
    assert frame.text == "A *small* network learns XOR." and "<i>small</i>" in frame.html
    assert frame.show is None and frame.selection is None
    assert ws.lesson_frame() is frame  # the same object until something changes
    ws.enter_step(0)
    frame = ws.lesson_frame()
    assert (frame.index, frame.step_title, frame.text) == (0, "Look", "The **network**.")
    assert "<b>network</b>" in frame.html
    assert frame.show == StepShow(("network", "landscape"), "network")
    assert (frame.highlight, frame.selection) == ("h1[2]", "h1[2]")
    ws.enter_step(1)
    frame = ws.lesson_frame()
    assert frame.show == StepShow(("network", "landscape"), "network")  # kept from step 1
    assert frame.highlight is None and frame.selection == "h1[2]"
    ws.enter_step(3)
    assert ws.lesson_frame().show == StepShow(("loss",), None)


def test_a_bad_step_number_is_refused_and_changes_nothing():
    ws = opened(NETWORK)
    ws.enter_step(1)
    before, revision = state(ws), ws.lesson_revision
    for k in (-1, 4, 99):
        with pytest.raises(EditError, match="has 4 steps: there is no step"):
            ws.enter_step(k)
    assert state(ws) == before and ws.step_index == 1 and ws.lesson_revision == revision
    bowl_without_steps = opened({k: v for k, v in BOWL.items() if k != "steps"})
    with pytest.raises(EditError, match="has 0 steps"):
        bowl_without_steps.enter_step(0)


def test_edits_between_steps_do_not_reach_the_steps_states():
    ws = opened(NETWORK)
    ws.enter_step(0)
    ws.remove_neuron(1)  # an edit: the steps still build on the lesson as opened
    assert ws.problem.network.sizes == (2, 2, 1)
    revision = ws.revision
    ws.enter_step(1)
    assert ws.problem.network.sizes == (2, 3, 1) and ws.revision > revision  # a new problem
    assert ws.session.step_count == 20


def test_a_step_that_cannot_apply_names_itself_and_changes_nothing(monkeypatch):
    import simulator.workspace.workspace as workspace_module

    document = json.loads(json.dumps(NETWORK))
    document["steps"][2]["set"]["sample"] = 48  # 60 samples, 48 of them for training
    monkeypatch.setattr(workspace_module, "check_steps", lambda lesson, problem: None)
    ws = opened(document)  # (opening would refuse it: here the check is skipped)
    ws.enter_step(1)
    before, session = state(ws), ws.session
    with pytest.raises(EditError, match=r"Step 3 “Move” cannot be entered: "
                                        r"steps\[2\]\.set\.sample: there are 48 training"):
        ws.enter_step(2)
    assert ws.session is session and state(ws) == before and ws.step_index == 1
    ws.enter_step(0)
    ws.enter_step(1)
    assert state(ws) == before


def test_opening_a_lesson_whose_steps_name_a_missing_parameter_is_refused_at_the_path():
    document = json.loads(json.dumps(NETWORK))
    document["steps"][2]["set"]["parameters"] = {"W3[0,0]": 1}
    ws = opened(BOWL)
    kept = state(ws)
    with pytest.raises(EditError, match=r"steps\[2\]\.set\.parameters\.W3\[0,0\]: 'W3\[0,0\]' "
                                        r"is not a parameter"):
        ws.set_lesson(parse_lesson(json.dumps(document)))
    assert ws.lesson.title == "A bowl" and state(ws) == kept


def test_a_new_lesson_starts_before_its_first_step():
    ws = opened(NETWORK)
    ws.enter_step(2)
    ws.set_lesson(parse_lesson(json.dumps(BOWL)))
    assert ws.step_index is None and ws.selection is None
    assert ws.lesson_frame().count == 3 and ws.lesson_frame().index is None
    ws.enter_step(0)
    assert ws.selection == "w" and ws.epsilon_text == "1/1000"


def test_entering_a_step_ends_a_race():
    ws = opened(BOWL)
    ws.start_race(ws.race_entries(["sgd", "adam"]))
    ws.enter_step(1)
    assert ws.racers == [] and ws.lead_session() is ws.session


def test_set_lesson_text_changes_the_texts_only_and_save_writes_them(tmp_path):
    ws = opened(NETWORK)
    ws.enter_step(1)
    before = state(ws)
    ws.set_lesson_text("Spiral, with SGD", "Now a spiral.",
                       ["First.", ("Second step", "Second."), "Third.", "Fourth."])
    assert state(ws) == before
    frame = ws.lesson_frame()
    assert (frame.lesson_title, frame.step_title, frame.text) == (
        "Spiral, with SGD", "Second step", "Second.")
    ws.enter_step(0)
    ws.enter_step(1)  # a cached state does not bring the old texts back
    assert ws.lesson_frame().step_title == "Second step"
    path = tmp_path / "saved.lesson.json"
    ws.save_file(str(path))
    saved = load_lesson(path)
    assert saved.title == "Spiral, with SGD" and saved.description == "Now a spiral."
    assert [s.text for s in saved.steps] == ["First.", "Second.", "Third.", "Fourth."]
    assert saved.steps[1].title == "Second step" and saved.steps[1].run == 20
    # inside a demonstration Save writes the state the steps build on, not step 2's θ
    assert saved.problem.weights is not None
    fresh = opened(NETWORK)
    assert np.array_equal(_theta(fresh, saved), fresh.session.theta)


def _theta(ws: Workspace, lesson) -> np.ndarray:
    spec = lesson.problem
    return ws.problem.network.pack([np.array(w) for w in spec.weights],
                                   [np.array(b) for b in spec.biases])


def test_outside_the_steps_save_writes_the_state_now(tmp_path):
    ws = opened(BOWL)
    ws.step(5)
    ws.set_lesson_text("A bowl, renamed", "", ["a", "b", "c"])
    path = tmp_path / "now.lesson.json"
    ws.save_file(str(path))
    saved = load_lesson(path)
    assert saved.title == "A bowl, renamed" and dict(saved.problem.start)["w"] == pytest.approx(
        3 * 0.8 ** 5)


@pytest.mark.parametrize(("args", "fragment"), [
    (("", "d", ["a", "b", "c"]), "needs a title"),
    (("t", "d", ["a", "b"]), "has 3 steps, got texts for 2"),
    (("t", "d", ["a", ("", "b"), "c"]), "Step 2 needs a title"),
    (("t" * 201, "d", ["a", "b", "c"]), "at most 200"),
])
def test_set_lesson_text_refuses_bad_texts(args, fragment):
    ws = opened(BOWL)
    with pytest.raises(EditError, match=fragment):
        ws.set_lesson_text(*args)
    assert ws.lesson.title == "A bowl" and ws.lesson.steps[0].text == "At w = 3."


def test_undoing_a_text_edit_keeps_the_run():
    ws = opened(BOWL)
    ws.step(4)
    before = ws.memento()
    ws.set_lesson_text("Renamed", "new", ["x", "y", "z"])
    revision = ws.lesson_revision
    ws.restore(before)
    assert ws.lesson.title == "A bowl" and ws.lesson.steps[2].text.startswith("From w = 2")
    assert ws.session.step_count == 4 and ws.lesson_revision > revision
    assert ws.current_lesson().title == "A bowl"


def test_the_documented_example_does_what_the_reference_says():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "lesson-format.md").read_text(
        encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```json\n", 1)[1].split("```")[0]
    ws = Workspace()
    ws.set_lesson(parse_lesson(example))
    ws.enter_step(0)
    nudge = ws.frame().formula.nudge
    assert (nudge.J, nudge.J_plus) == (9.0, pytest.approx(9.006001, abs=1e-12))
    ws.enter_step(1)
    assert ws.session.theta[0] == pytest.approx(3 * 0.8 ** 10) and ws.session.step_count == 10
    ws.enter_step(2)
    assert ws.status() == "converged"
    ws.enter_step(3)
    assert ws.session.theta[0] == pytest.approx(3 * (-1.2) ** 20) and ws.status() == "ready"
    ws.enter_step(1)
    assert ws.session.theta[0] == pytest.approx(3 * 0.8 ** 10) and ws.session.step_count == 10


def test_hostile_values_in_steps_are_refused_in_one_line_or_enter():
    """Every field of the steps set to a hostile value: refused in one line, or every step enters."""
    outcomes = {"entered": 0, "refused": 0}
    for document in (NETWORK, BOWL):
        for path in _paths(document):
            if not path or path[0] != "steps":
                continue
            for value in HOSTILE:
                text = json.dumps(_replaced(document, path, value))
                try:
                    ws = Workspace()
                    ws.set_lesson(parse_lesson(text, "mutant.lesson.json"))
                    for k in range(len(ws.lesson.steps)):
                        ws.enter_step(k)
                except (LessonError, EditError) as error:
                    assert "\n" not in str(error) and "steps" in str(error), (path, value)
                    outcomes["refused"] += 1
                else:
                    outcomes["entered"] += 1
    assert outcomes["refused"] > 500 and outcomes["entered"] > 50, outcomes


def test_stepping_through_a_network_lesson_loads_no_sympy():
    import subprocess
    import sys

    script = ("import json, sys\n"
              "from simulator.lessons.files import parse_lesson\n"
              "from simulator.workspace.workspace import Workspace\n"
              f"ws = Workspace(); ws.set_lesson(parse_lesson({json.dumps(json.dumps(NETWORK))}))\n"
              "for k in (0, 1, 2, 3, 1): ws.enter_step(k)\n"
              "print('sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_a_neuron_s_name_is_placed_in_its_layer():
    sizes = (2, 3, 1)
    assert neuron_place("x[1]", sizes) == (0, 1)
    assert neuron_place("h1[2]", sizes) == (1, 2)
    assert neuron_place("out[0]", sizes) == (2, 0)
    for name in ("x[2]", "h1[3]", "h2[0]", "out[1]", "W1[0,0]"):
        assert neuron_place(name, sizes) is None, name
