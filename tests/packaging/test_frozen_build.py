"""The frozen app: `make package` builds it, and the executable runs its self-test, a headless run and
the desktop install on its own, from outside the clone.

Marked ``packaging``: `make package-test` runs it (`make test` does not); it needs PyInstaller
(the ``[package]`` extra) and takes a minute or two. The build goes where `make package` puts it,
``dist/backprop-hiker/``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import build  # noqa: E402 - packaging/build.py, the script `make package` runs

pytestmark = pytest.mark.packaging
LESSON = ROOT / "resources" / "lessons" / "13-xor-network.lesson.json"
#: Qt parts the app does not use, which must not be in the bundle
UNWANTED = ("Qt6Quick", "Qt6Qml", "Qt6WebEngine", "Qt6Network", "Qt6Pdf", "QtQuick", "QtQml", "QtWebEngine")


@pytest.fixture(scope="module")
def frozen() -> Path:
    """Build the app as `make package` does; return its executable."""
    seconds, size = build.build(ROOT / "dist", ROOT / "build" / "pyinstaller")
    print(f"\nbuilt the app in {seconds:.0f} s: {size / 1e6:.0f} MB unpacked")
    assert size / 1e6 <= build.AIM_MB
    exe = build.executable(ROOT / "dist")
    assert exe.is_file() and os.access(exe, os.X_OK)
    return exe


def run(command, tmp_path, **env) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("XDG_")}
    clean.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", PATH="/usr/bin:/bin", **env)
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, env=clean,
                          cwd=tmp_path, timeout=600)


def test_the_frozen_self_test_passes(frozen, tmp_path):
    out = run([frozen, "--self-test"], tmp_path)
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("self-test ok")
    assert f"files: {len(list((ROOT / 'resources' / 'lessons').glob('*.lesson.json')))} lessons" in out.stdout
    assert str(frozen.parent) in out.stdout  # its own files, not the clone's
    assert "Traceback" not in out.stderr


def test_the_bundle_holds_only_the_qt_parts_the_app_uses(frozen):
    files = [p.relative_to(frozen.parent).as_posix() for p in frozen.parent.rglob("*")]
    assert not [f for f in files if any(u in f for u in UNWANTED)]
    plugins = {Path(f).name for f in files if "/plugins/" in f}
    assert {"libqxcb.so", "libqoffscreen.so", "libqwayland.so", "libqsvg.so", "libqsvgicon.so",
            "libqjpeg.so", "libqxcb-glx-integration.so"} <= plugins
    assert "libqgtk3.so" not in plugins and "libqpdf.so" not in plugins
    assert not [f for f in files if "/translations/" in f]
    assert any(f.endswith("resources/icons/backprop-hiker-512.png") for f in files)
    assert any(f.endswith("manual/docs/lesson-format.md") for f in files)


def test_the_frozen_app_runs_a_lesson_headless_as_the_clone_does(frozen, tmp_path):
    out = run([frozen, "run", LESSON, "--steps", "5", "--json"], tmp_path)
    assert out.returncode == 0, out.stderr
    clone = subprocess.run([sys.executable, "-m", "simulator", "run", str(LESSON), "--steps", "5", "--json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    frozen_result, clone_result = json.loads(out.stdout), json.loads(clone.stdout)
    assert frozen_result["loss"] == clone_result["loss"] and frozen_result["params"] == clone_result["params"]


def test_the_frozen_app_installs_a_launcher_that_runs_itself(frozen, tmp_path):
    data = tmp_path / "data"
    out = run([frozen, "--install-desktop"], tmp_path, XDG_DATA_HOME=str(data))
    assert out.returncode == 0, out.stderr
    entry = (data / "applications" / "backprop-hiker.desktop").read_text()
    assert f"Exec={frozen.resolve()} %f" in entry.splitlines()
    assert run([frozen, "--uninstall-desktop"], tmp_path, XDG_DATA_HOME=str(data)).returncode == 0
    assert not (data / "applications" / "backprop-hiker.desktop").exists()


def test_a_bad_lesson_gets_one_line_and_no_traceback(frozen, tmp_path):
    out = run([frozen, "run", tmp_path / "missing.lesson.json", "--steps", "1"], tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
