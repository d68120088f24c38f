"""The menus' tables: every built-in lesson by its title, in teaching order."""

from __future__ import annotations

from simulator.lessons.catalog import builtin_lessons
from simulator.lessons.files import load_lesson
from simulator.lessons.model import NetworkSpec
from simulator.workspace.choices import lessons, network_lessons


def test_lessons_lists_every_built_in_lesson_by_title_in_file_order():
    paths = builtin_lessons()
    assert [choice.path for choice in lessons()] == list(paths)
    assert [choice.title for choice in lessons()] == [load_lesson(p).title for p in paths]


def test_network_lessons_are_the_network_ones_of_lessons():
    networks = [c for c in lessons() if isinstance(load_lesson(c.path).problem, NetworkSpec)]
    assert network_lessons() == tuple(networks)
    assert 0 < len(network_lessons()) < len(lessons())
