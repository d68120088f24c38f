"""The controller's lesson verbs: next, previous, go to a step; lessonChanged; text edits undo."""

import json

import numpy as np
import pytest

from simulator.lessons.files import parse_lesson
from simulator.ui.binding import INBOUND
from simulator.workspace.frames import LessonFrame

LESSON = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "Three steps",
    "description": "Down a bowl.",
    "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3},
                "range": {"w": [-4, 4]}},
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "steps": [
        {"title": "Look", "text": "At *w = 3*.", "show": {"panels": ["landscape", "formula"]}},
        {"title": "Walk", "text": "Five steps.", "run": 5},
        {"title": "Jump", "text": "Elsewhere.", "set": {"hiker": [-2]}, "run": 2},
    ],
}


@pytest.fixture
def stepped(make_controller):
    controller = make_controller()
    controller.set_lesson_now(parse_lesson(json.dumps(LESSON)))
    return controller


def test_the_binding_feeds_set_lesson_frame_from_lesson_changed():
    assert ("lessonChanged", "set_lesson_frame") in INBOUND


def test_next_and_previous_walk_the_steps_and_say_so_once(stepped, qtbot):
    frames = []
    stepped.lessonChanged.connect(frames.append)
    with qtbot.waitSignal(stepped.lessonChanged) as signal:
        assert stepped.next_step()
    assert isinstance(signal.args[0], LessonFrame) and signal.args[0].index == 0
    assert stepped.next_step() and stepped.frame().step == 5
    assert stepped.next_step() and stepped.frame().theta[0] == pytest.approx(-2 * 0.8 ** 2)
    messages = []
    stepped.message.connect(lambda level, text: messages.append(text))
    assert not stepped.next_step()
    assert messages == ["This is the last step of the lesson."]
    assert stepped.previous_step() and stepped.frame().step == 5
    assert stepped.previous_step() and stepped.frame().step == 0
    assert not stepped.previous_step()
    assert messages[-1] == "This is the first step of the lesson."
    assert [f.index for f in frames] == [0, 1, 2, 1, 0]  # one per change, none for a refusal
    assert frames[0].html.count("<i>w = 3</i>") == 1


def test_go_to_step_refuses_a_missing_step_with_a_warning(stepped):
    warnings = []
    stepped.message.connect(lambda level, text: warnings.append((level, text)))
    assert not stepped.go_to_step(7)
    assert warnings == [("warning", "This lesson has 3 steps: there is no step 8.")]
    assert stepped.go_to_step(2) and stepped.workspace.step_index == 2


def test_a_step_pauses_play_and_clears_the_undo_history(stepped):
    stepped.set_weight(0, 1.0)
    assert stepped.undo_stack.count() == 1
    stepped.play()
    assert stepped.go_to_step(1)
    assert not stepped.playing and stepped.undo_stack.count() == 0


def test_lesson_properties_are_undoable(stepped, qtbot):
    stepped.go_to_step(1)
    with qtbot.waitSignal(stepped.lessonChanged) as signal:
        assert stepped.set_lesson_text("Renamed", "New words.", ["a", "b", "c"])
    assert (signal.args[0].lesson_title, signal.args[0].text) == ("Renamed", "b")
    assert stepped.undo_stack.undoText() == "Lesson properties"
    with qtbot.waitSignal(stepped.lessonChanged) as signal:
        stepped.undo_stack.undo()
    assert (signal.args[0].lesson_title, signal.args[0].text) == ("Three steps", "Five steps.")
    assert stepped.frame().step == 5  # the run stays where it was


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_views_drawing_a_huge_frame_do_not_warn(make_controller, qtbot):
    """What a view computes from a diverged run's numbers, in a frame or a paced paint, is quiet."""
    controller = make_controller("13-xor-network.lesson.json")
    overflowed = []

    def draw(frame):
        overflowed.append(np.isinf(np.array([1e308]) + np.array([1e308]))[0])

    controller.frameChanged.connect(draw)
    controller.paintFrame.connect(draw)
    with qtbot.captureExceptions() as raised:
        controller.step()
        qtbot.wait(60)
    assert not raised
    assert overflowed and all(overflowed)
