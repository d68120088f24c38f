"""`backprop-hiker export`: figures for lecture notes, painted by Qt into PNG, SVG and PDF."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

XOR = Path(__file__).resolve().parents[2] / "resources" / "lessons" / \
    "13-xor-network.lesson.json"


def export(*args):
    return subprocess.run([sys.executable, "-m", "simulator", "export", str(XOR), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    results = {}
    for suffix in ("png", "svg", "pdf"):
        out = folder / f"landscape.{suffix}"
        results[suffix] = (export(str(out), "--steps", "20", "--view", "landscape",
                                  "--size", "640x480"), out)
    return results


def test_png_is_painted_at_twice_the_size(figures):
    result, path = figures["png"]
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 960)


def test_svg_is_vector_with_the_axis_names_as_text(figures):
    result, path = figures["svg"]
    assert result.returncode == 0, result.stderr
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text()
    assert "W1[0,0]" in text and "<path" in text


def test_pdf_is_a_pdf(figures):
    result, path = figures["pdf"]
    assert result.returncode == 0, result.stderr
    assert path.read_bytes()[:5] == b"%PDF-"


def test_bad_output_name_is_one_line_exit_2(tmp_path):
    result = export(str(tmp_path / "figure.gif"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and ".png, .svg or .pdf" in result.stderr
    assert not (tmp_path / "figure.gif").exists()


def test_unknown_view_is_refused(tmp_path):
    result = export(str(tmp_path / "figure.png"), "--view", "everything")
    assert result.returncode == 2 and "--view" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("target, fragment", [
    ("FOLDER", "is a folder"),
    ("/proc/x.png", "/proc: cannot write there"),
    ("MISSING/figure.png", "no such folder"),
])
def test_an_unwritable_target_is_refused_before_training(tmp_path, target, fragment):
    folder = tmp_path / "figures.png"
    folder.mkdir()
    target = target.replace("FOLDER", str(folder)).replace("MISSING", str(tmp_path / "gone"))
    # A million steps would take minutes: the refusal comes before any of them.
    result = export(target, "--steps", "1000000")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_huge_size_is_refused_with_the_pixel_count(tmp_path):
    result = export(str(tmp_path / "huge.png"), "--size", "8000x8000")
    assert result.returncode == 2
    assert result.stderr.strip() == ("--size: 8000x8000 is 64,000,000 pixels; at most 8,294,400 "
                                     "(3840x2160) keep the file's memory in bounds")


def test_qt_s_own_warnings_stay_off_the_terminal(figures):
    for result, _ in figures.values():
        assert result.stderr == ""
