"""The window's title, status fields and messages, composed without Qt."""

import dataclasses

from simulator.lessons.catalog import builtin_lesson
from simulator.workspace.window_text import (
    LONGEST_WORD,
    file_title,
    shortened,
    status_texts,
    window_title,
)
from simulator.workspace.workspace import Workspace


def frame_of(name: str, steps: int = 0):
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    ws.step(steps)
    return ws.frame()


def test_the_status_fields_say_step_loss_gradient_and_state():
    frame = frame_of("09-seed-w-squared.lesson.json", 1234)
    texts = status_texts(frame)
    assert texts["step"] == "Step 1,234"  # thousands grouped
    assert texts["loss"].startswith("Loss ") and texts["grad"].startswith("‖∇L‖ ")
    assert texts["state"] in ("Ready", "Converged")


def test_a_ready_run_that_plays_reads_running_and_other_states_their_word():
    frame = frame_of("09-seed-w-squared.lesson.json")
    assert status_texts(dataclasses.replace(frame, playing=True))["state"] == "Running"
    assert status_texts(dataclasses.replace(frame, status="diverged",
                                            playing=True))["state"] == "Diverged"
    assert status_texts(dataclasses.replace(frame, status="escaping"))["state"] == "Walking away"
    assert status_texts(dataclasses.replace(frame, status="undefined"))["state"] == \
        "Undefined here"


def test_a_long_word_is_cut_and_short_ones_stay():
    word = "w" * 200
    text = shortened(f"Could not parse {word} here")
    assert text.startswith("Could not parse ") and text.endswith(" here")
    cut = text.split(" ")[3]
    assert len(cut) == LONGEST_WORD and cut.endswith("…")
    assert shortened("a b  c") == "a b  c"  # spacing kept
    assert shortened("x" * LONGEST_WORD) == "x" * LONGEST_WORD


def test_the_title_names_the_file_and_marks_unsaved_edits():
    assert window_title("New lesson") == "New lesson[*] — Backprop Hiker"
    assert file_title("/home/ada/ravine.lesson.json") == "ravine.lesson.json[*] — Backprop Hiker"
