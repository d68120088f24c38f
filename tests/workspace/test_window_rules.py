"""The window's decisions without Qt: a new lesson, where files go, the recent list, η lowered."""

import dataclasses
from pathlib import Path

import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.lessons.model import ExpressionSpec
from simulator.workspace.window_rules import (
    RECENT_CAP,
    lesson_path,
    lowered_rate,
    new_lesson,
    open_folder,
    remembered,
    save_folder,
    saves_in_place,
    still_there,
)
from simulator.workspace.workspace import Workspace

HOME = Path("/home/ada")


def test_a_new_lesson_is_the_seeds_parabola_with_the_hiker_at_3():
    ws = Workspace()
    ws.set_lesson(new_lesson())
    assert isinstance(ws.lesson.problem, ExpressionSpec)
    assert ws.lesson.title == "New lesson"
    assert list(ws.session.theta) == [3.0]
    assert ws.frame().loss == 9.0  # J(3) = 3²
    assert new_lesson() == new_lesson()  # a fresh one each time, alike


def test_open_starts_in_the_lessons_folder_and_save_as_never_in_the_builtin_one(tmp_path):
    mine = str(tmp_path / "mine.lesson.json")
    builtin = str(builtin_lesson("10-ravine.lesson.json"))
    assert open_folder(mine, HOME) == tmp_path and open_folder(None, HOME) == HOME
    assert open_folder(builtin, HOME) == Path(builtin).parent
    assert save_folder(mine, HOME) == tmp_path
    assert save_folder(builtin, HOME) == HOME and save_folder(None, HOME) == HOME
    assert saves_in_place(mine)
    assert not saves_in_place(builtin) and not saves_in_place(None) and not saves_in_place("")


def test_save_as_adds_the_suffix_to_a_bare_name_only():
    assert lesson_path("/tmp/ravine") == "/tmp/ravine.lesson.json"
    assert lesson_path("/tmp/ravine.lesson.json") == "/tmp/ravine.lesson.json"
    assert lesson_path("/tmp/ravine.json") == "/tmp/ravine.json"  # a JSON name is kept


def test_the_recent_list_puts_the_newest_first_once_and_keeps_eight():
    recent = [f"/l/{i}.lesson.json" for i in range(RECENT_CAP)]
    again = remembered(recent, "/l/3.lesson.json")
    assert again[0] == "/l/3.lesson.json" and again.count("/l/3.lesson.json") == 1
    assert again[1:] == [p for p in recent if p != "/l/3.lesson.json"]
    more = remembered(recent, "/l/new.lesson.json")
    assert len(more) == RECENT_CAP == 8
    assert more[0] == "/l/new.lesson.json" and "/l/7.lesson.json" not in more
    assert remembered([], "/l/a.lesson.json") == ["/l/a.lesson.json"]
    assert recent[0] == "/l/0.lesson.json" and len(recent) == 8  # the list given is not changed


def test_the_menu_lists_only_recent_files_still_there(tmp_path):
    kept = tmp_path / "kept.lesson.json"
    kept.write_text("{}")
    gone = str(tmp_path / "gone.lesson.json")
    assert still_there([gone, str(kept)]) == [str(kept)]
    assert still_there(["b", "a", "c"], exists=lambda p: p != "a") == ["b", "c"]


def test_lowering_the_rate_steps_back_from_a_divergence_and_takes_a_tenth():
    ws = Workspace()
    ws.open_file(str(builtin_lesson("09-seed-w-squared.lesson.json")))
    frame = ws.frame()
    back, rate = lowered_rate(frame)
    assert not back and rate == pytest.approx(frame.config.learning_rate / 10)
    back, rate = lowered_rate(dataclasses.replace(frame, status="diverged"))
    assert back and rate == pytest.approx(frame.config.learning_rate / 10)
