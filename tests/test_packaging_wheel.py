"""The wheel: built from the project, installed into a fresh venv, it runs a built-in lesson it carries.

The fresh venv gets the wheel alone (``--no-deps``); the dependencies come from the test's own
environment through a ``.pth`` line, which Python appends after the venv's site-packages, so
the installed ``simulator`` is found first. A ``.pth`` line adds a folder without running the
``.pth`` files in it, so the clone's editable install stays switched off. Nothing is cached:
pip runs with ``--no-cache-dir`` and everything lives in the test's temporary folder.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "README.md", "simulator", "resources", "docs")
LESSON = "13-xor-network.lesson.json"
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir", "--quiet")

pytestmark = pytest.mark.slow


def run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> dict:
    """Build the wheel from a copy of the sources and install it alone into a fresh venv."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so the build leaves no build/ or egg-info in the clone
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    run([*PIP, "wheel", "--no-deps", "--wheel-dir", work / "dist", source])
    (wheel,) = (work / "dist").glob("backprop_hiker-*.whl")

    run([sys.executable, "-m", "venv", "--without-pip", work / "venv"])
    python = work / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run([*PIP, "--python", python, "install", "--no-deps", wheel])
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                         .stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site_packages / "_backprop_hiker_test_dependencies.pth").write_text("\n".join(ours) + "\n")

    elsewhere = work / "elsewhere"  # the cwd: no simulator/ or resources/ beside it
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen")
    return {"python": python, "bin": python.parent, "site_packages": site_packages,
            "cwd": elsewhere, "env": env}


def in_venv(venv, *command) -> subprocess.CompletedProcess:
    return run(command, cwd=venv["cwd"], env=venv["env"])


def test_the_installed_package_finds_its_own_resources_and_lessons(venv):
    probe = ("import json, simulator, simulator.locations as where\n"
             "from simulator.lessons.catalog import builtin_lessons\n"
             "print(json.dumps({'package': simulator.__file__, 'resources': str(where.resources_dir()),"
             " 'lessons': [p.name for p in builtin_lessons()]}))\n")
    found = json.loads(in_venv(venv, venv["python"], "-c", probe).stdout)
    package = venv["site_packages"] / "simulator"
    assert Path(found["package"]).parent == package
    assert Path(found["resources"]) == package / "resources"
    assert (package / "resources" / "icons" / "backprop-hiker-256.png").is_file()
    assert found["lessons"] == sorted(p.name for p in (ROOT / "resources" / "lessons").glob("*.lesson.json"))


def test_the_installed_package_carries_the_manual_for_the_offline_help(venv):
    probe = "import simulator.locations as where; print(where.manual_dir())"
    manual = Path(in_venv(venv, venv["python"], "-c", probe).stdout.strip())
    assert manual == venv["site_packages"] / "simulator" / "manual"
    assert (manual / "README.md").read_bytes() == (ROOT / "README.md").read_bytes()
    reference = Path("docs", "lesson-format.md")
    assert (manual / reference).read_bytes() == (ROOT / reference).read_bytes()
    assert (manual / "docs" / "screenshot.png").is_file()  # the README's picture
    assert sorted(p.name for p in manual.iterdir()) == ["README.md", "docs"]  # and nothing else of the clone


@pytest.fixture(scope="module")
def from_the_clone() -> dict:
    """Return what the clone's own install prints for the same run."""
    lesson = ROOT / "resources" / "lessons" / LESSON
    return json.loads(run([sys.executable, "-m", "simulator", "run", lesson, "--steps", "5", "--json"],
                          cwd=ROOT).stdout)


@pytest.mark.parametrize("entry", ["python -m simulator", "backprop-hiker"])
def test_the_installed_app_runs_a_built_in_lesson_it_carries(venv, entry, from_the_clone):
    lesson = venv["site_packages"] / "simulator" / "resources" / "lessons" / LESSON
    command = [venv["python"], "-m", "simulator"] if entry.startswith("python") \
        else [venv["bin"] / ("backprop-hiker.exe" if os.name == "nt" else "backprop-hiker")]
    result = json.loads(in_venv(venv, *command, "run", lesson, "--steps", "5", "--json").stdout)
    assert result["status"] == "ok"
    assert result["steps"] == 5
    assert len(result["loss"]) == 6
    assert result["loss"] == from_the_clone["loss"]
    assert result["params"] == from_the_clone["params"]
