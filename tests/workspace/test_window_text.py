"""The window's title, status fields and messages, composed without Qt."""

import dataclasses

from simulator.lessons.catalog import builtin_lesson
from simulator.workspace.window_text import (
    LONGEST_WORD,
    BannerChange,
    banner_change,
    file_title,
    recovered_title,
    shortened,
    status_texts,
    window_title,
)
from simulator.workspace.workspace import Workspace, describe_divergence


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


def test_restored_work_with_no_file_is_titled_recovered():
    assert recovered_title("Ravine") == "Ravine (recovered)[*] — Backprop Hiker"


def test_a_divergence_is_shown_as_an_error_with_its_ways_out():
    frame = dataclasses.replace(frame_of("09-seed-w-squared.lesson.json"), status="diverged")
    for explained, shown in ((None, False), ("Stalled: …", True)):
        change = banner_change(frame, explained, shown, offering=False)
        assert change == BannerChange("show", None, describe_divergence(frame), "error", True)


def test_a_status_sentence_is_shown_then_retexted_and_a_closed_one_stays_closed():
    frame = dataclasses.replace(frame_of("09-seed-w-squared.lesson.json"),
                                explanation="Not converged: the hiker is walking away at 3.1")
    said = frame.explanation
    assert banner_change(frame, None, False, False) == BannerChange("show", said, said, "warning")
    # on screen, a sentence whose numbers moved only changes the text
    assert banner_change(frame, "Not converged: … at 2.9", True, False) == \
        BannerChange("retext", said, said)
    # closed by the user: the same sentence stays closed, a new one is shown
    assert banner_change(frame, said, False, False) == BannerChange("keep", said)
    assert banner_change(frame, "Stalled: …", False, False).do == "show"


def test_the_banner_goes_once_the_divergence_or_the_sentence_is_behind_us():
    frame = frame_of("09-seed-w-squared.lesson.json")
    assert not frame.explanation and frame.status != "diverged"
    assert banner_change(frame, None, True, offering=True) == BannerChange("hide", None)
    assert banner_change(frame, "Stalled: …", False, False) == BannerChange("hide", None)
    # another message (a refused formula, say) is not the frame's to take down
    assert banner_change(frame, None, True, offering=False) == BannerChange("keep", None)
