"""The entry point: headless commands pass through, and a missing display gets a hint."""

import os
import subprocess
import sys

from simulator.app import XCB_HINT, platform_hint


def test_hint_for_missing_xcb_libraries_names_the_packages(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    hint = platform_hint('Could not load the Qt platform plugin "xcb"')
    assert hint.startswith(XCB_HINT) and "libxcb-cursor0" in hint


def test_hint_without_any_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    hint = platform_hint("could not connect to display")
    assert "no display" in hint and "run|derive|export|bench" in hint


def test_gui_without_a_display_prints_the_hint_and_no_traceback():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "simulator"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 2  # not Qt's abort (134)
    assert "found no display" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_failing_platform_plugin_exits_2_after_the_hint():
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":97"  # no X server there: Qt's xcb plugin fails and would abort
    out = subprocess.run([sys.executable, "-m", "simulator"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "could not connect to the display ':97'" in out.stderr


def test_an_unknown_command_is_no_such_command_or_file(tmp_path):
    out = subprocess.run([sys.executable, "-m", "simulator", "trian"], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("backprop-hiker: 'trian': no such command or file")


def test_help_lists_the_headless_commands():
    out = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert "run, derive, export, bench" in out.stdout


def test_version_prints_one_line_and_exits_0():
    from simulator import __version__

    out = subprocess.run([sys.executable, "-m", "simulator", "--version"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"backprop-hiker {__version__}\n" and out.stderr == ""
    assert __version__.count(".") == 2
