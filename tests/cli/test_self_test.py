"""``backprop-hiker --self-test``: every check passes here, the user's settings are not touched, and a
broken installation fails with the check's name and the reason."""

import os
import subprocess
import sys
from pathlib import Path

from simulator import self_test
from simulator.lessons import catalog
from simulator.self_test import run_self_test
from simulator.ui import about

LESSONS_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"
LESSONS = sorted(p.name for p in LESSONS_DIR.glob("*.lesson.json"))


def test_the_self_test_passes_and_leaves_the_users_folders_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "simulator", "--self-test"], capture_output=True,
                         text=True, env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1].startswith("self-test ok")
    for name in LESSONS:
        assert any(line.startswith(f"  ok  lesson {name}: 3 steps") for line in lines), name
    for check in ("files", "libraries", "qt", "formula worker", "window", "opengl", "help", "export png",
                  "export svg"):
        assert any(line.startswith(f"  ok  {check}: ") for line in lines), check
    assert "Traceback" not in out.stderr
    assert [p for p in home.rglob("*") if p.is_file()] == []  # no settings, recent files or autosaves
    assert [p.name for p in tmp_path.iterdir()] == ["home"]  # and its temporary folder is gone


def fails(capsys) -> str:
    assert run_self_test() == 1
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("self-test failed: ")]
    return line.removeprefix("self-test failed: ")


def test_missing_library_metadata_fails_the_libraries_check(qapp, capsys, monkeypatch):
    monkeypatch.setattr(about, "LIBRARIES", (*about.LIBRARIES, ("no-such-distribution", "nothing")))
    assert fails(capsys) == ("libraries: no metadata for no-such-distribution "
                             "(About could not show their versions)")


def test_a_missing_bundled_module_is_named(qapp, capsys, monkeypatch):
    monkeypatch.setattr(self_test, "BUNDLED_MODULES", ("OpenGL.GL", "no_such_module_anywhere"))
    assert fails(capsys) == "libraries: not bundled: no_such_module_anywhere"


def test_a_lesson_that_does_not_open_fails_with_the_lessons_own_message(qapp, capsys, monkeypatch, tmp_path):
    broken = tmp_path / "broken.lesson.json"
    broken.write_text('{"format": "backprop-hiker-lesson", "version": 1, "title": "B", '
                      '"problem": {"kind": "network", "layers": [2, 0, 1]}}')
    monkeypatch.setattr(catalog, "builtin_lessons", lambda: [broken])
    reason = fails(capsys)
    assert reason.startswith("lesson broken.lesson.json: ")
    assert "problem.layers[1]" in reason


def test_an_export_that_fails_is_named_with_the_exports_reason(qapp, capsys, monkeypatch):
    monkeypatch.setattr(self_test, "EXPORT_SIZE", "0x0")
    monkeypatch.setattr(catalog, "builtin_lessons", lambda: sorted(LESSONS_DIR.glob("09-*.lesson.json")))
    reason = fails(capsys)
    assert reason.startswith("export png: export exited 2: ")
    assert "size" in reason.lower()


def test_the_flag_is_in_the_help():
    out = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert "--self-test" in out.stdout


def test_an_error_raised_in_the_window_fails_the_check_it_happened_in(qapp, qtbot, capsys, monkeypatch):
    from simulator.ui.main_window import MainWindow

    def broken(self, frame):
        raise RuntimeError("the status bar could not be drawn")

    monkeypatch.setattr(MainWindow, "_show_frame", broken)  # connected when the window is made
    monkeypatch.setattr(catalog, "builtin_lessons", lambda: sorted(LESSONS_DIR.glob("09-*.lesson.json")))
    with qtbot.capture_exceptions() as caught:  # the self-test passes each on to pytest-qt's hook
        reason = fails(capsys)
    assert reason == ("lesson 09-seed-w-squared.lesson.json: an error was raised in the window: "
                      "RuntimeError: the status bar could not be drawn")
    assert caught and all(kind is RuntimeError for kind, _, _ in caught)


def test_an_empty_platform_variable_is_taken_as_none(tmp_path):
    # QT_QPA_PLATFORM= (set, empty) with no display: Qt aborted (exit 134), since only an
    # unset variable was given the offscreen platform
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY") and not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="", TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "simulator", "--self-test"], capture_output=True,
                         text=True, env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("self-test ok")
