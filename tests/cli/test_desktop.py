"""Desktop integration: install and uninstall into a temporary XDG_DATA_HOME; the launcher opens a lesson."""

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from simulator import desktop
from simulator.app import _gui_parser
from simulator.desktop import APP_ID, MIME_TYPE, data_home, desktop_entry, exec_quoted

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "resources" / "lessons" / "13-xor-network.lesson.json"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="freedesktop.org desktops only")


def app(*args, data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def exec_arguments(value: str) -> list[str]:
    """Split an Exec value by the Desktop Entry spec: the string's escapes, the quoting, then %%.

    Outside quotes arguments are separated by spaces; inside double quotes a backslash
    makes the next of ``"`$\\`` literal.
    """
    text = value.replace("\\\\", "\\")
    words, word, quoted, i, started = [], "", False, 0, False
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
            word, i = word + text[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if word or started:
                words.append(word)
            word, started = "", False
        else:
            word += c
        i += 1
    if word or started:
        words.append(word)
    return [w if w == "%f" else w.replace("%%", "%") for w in words]


def ours(data: Path) -> list[str]:
    names = {f"{APP_ID}.desktop", f"{APP_ID}.xml", f"{APP_ID}.svg", f"{APP_ID}.png"}
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.name in names)


def test_install_then_uninstall_for_the_current_user(tmp_path):
    data = tmp_path / "data"
    foreign = data / "applications" / "someone-else.desktop"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("[Desktop Entry]\nName=Other\n")
    installed = app("--install-desktop", data=data)
    assert installed.returncode == 0, installed.stderr
    assert ours(data) == sorted(
        ["applications/backprop-hiker.desktop", "mime/packages/backprop-hiker.xml",
         "icons/hicolor/scalable/apps/backprop-hiker.svg",
         *(f"icons/hicolor/{s}x{s}/apps/backprop-hiker.png" for s in desktop.ICON_SIZES)])
    for s in desktop.ICON_SIZES:  # each size is the PNG drawn for it
        icon = data / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png"
        assert icon.read_bytes() == (ROOT / "resources" / "icons" / f"{APP_ID}-{s}.png").read_bytes()

    entry = read_entry(data / "applications" / f"{APP_ID}.desktop")
    assert entry["Icon"] == APP_ID and entry["Terminal"] == "false"
    assert {"Education", "Science"} <= set(entry["Categories"].split(";"))
    assert MIME_TYPE in entry["MimeType"].split(";")
    command = exec_arguments(entry["Exec"])
    assert command[-1] == "%f"
    assert Path(command[0]).is_file() and os.access(command[0], os.X_OK)
    assert entry["TryExec"] == command[0]

    package = ElementTree.parse(data / "mime" / "packages" / f"{APP_ID}.xml").getroot()
    (kind,) = package.findall(f"{MIME_NS}mime-type")
    assert kind.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in kind.findall(f"{MIME_NS}glob")] == ["*.lesson.json"]
    if shutil.which("update-mime-database"):
        assert "ran update-mime-database" in installed.stdout
        assert f"{MIME_TYPE}:*.lesson.json" in (data / "mime" / "globs2").read_text()
        assert (data / "mime" / "application" / f"{MIME_TYPE.split('/')[1]}.xml").is_file()
    if shutil.which("update-desktop-database"):
        cache = (data / "applications" / "mimeinfo.cache").read_text()
        assert f"{MIME_TYPE}={APP_ID}.desktop;" in cache  # double-clicking a lesson opens it here

    removed = app("--uninstall-desktop", data=data)
    assert removed.returncode == 0, removed.stderr
    assert ours(data) == []
    assert foreign.read_text() == "[Desktop Entry]\nName=Other\n"  # nothing else is touched
    if shutil.which("update-mime-database"):
        assert MIME_TYPE not in (data / "mime" / "globs2").read_text()
    if shutil.which("update-desktop-database"):
        assert MIME_TYPE not in (data / "applications" / "mimeinfo.cache").read_text()
    again = app("--uninstall-desktop", data=data)
    assert again.returncode == 0 and f"nothing of Backprop Hiker's was installed under {data}" in again.stdout


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_installed_launcher_is_a_valid_desktop_entry(tmp_path):
    assert app("--install-desktop", data=tmp_path).returncode == 0
    checked = subprocess.run(["desktop-file-validate", str(tmp_path / "applications" / f"{APP_ID}.desktop")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error" not in checked.stdout


def test_the_launcher_opens_the_lesson_passed_as_f(qtbot, tmp_path):
    from simulator.ui.launch import make_window

    entry_text = desktop_entry(["/opt/backprop hiker/backprop-hiker"])
    (tmp_path / "e.desktop").write_text(entry_text)
    command = exec_arguments(read_entry(tmp_path / "e.desktop")["Exec"])
    assert command == ["/opt/backprop hiker/backprop-hiker", "%f"]
    argv = [str(LESSON) if word == "%f" else word for word in command[1:]]  # what the desktop runs
    args = _gui_parser().parse_args(argv)
    assert args.lesson == str(LESSON)
    window = make_window(args.lesson, reset_layout=True)
    qtbot.addWidget(window)
    try:
        assert window.controller.path == str(LESSON)
    finally:
        window.controller.grids.cancel()
        window.controller.grids.wait()


@pytest.mark.parametrize("argument", ["plain", "/with space/app", 'say "hi"', "cost$HOME", "back\\slash",
                                      "100%", "tick`s"])
def test_exec_quoting_survives_the_desktops_own_splitting(argument):
    assert exec_arguments(exec_quoted(argument)) == [argument]


def test_a_folder_that_cannot_be_written_is_named_and_nothing_is_half_done(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    out = app("--install-desktop", data=blocker)
    assert out.returncode == 2
    assert out.stderr.startswith(f"backprop-hiker: could not write {blocker / 'applications'}")
    assert "Traceback" not in out.stderr


def test_data_home_follows_xdg_and_ignores_a_relative_value(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_home() == tmp_path
    monkeypatch.setenv("XDG_DATA_HOME", "not/absolute")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_home() == tmp_path / "home" / ".local" / "share"


def test_a_file_the_system_sends_the_running_app_opens(qtbot):
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from simulator.ui.launch import make_window, open_files_sent_to

    window = make_window(None, reset_layout=True)
    qtbot.addWidget(window)
    app = QApplication.instance()
    opener = open_files_sent_to(app, window)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(LESSON)))  # macOS: a double-clicked lesson
        assert window.controller.path == str(LESSON)
    finally:
        app.removeEventFilter(opener)
        window.controller.grids.cancel()
        window.controller.grids.wait()
