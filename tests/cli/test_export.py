"""`backprop-hiker export`: figures for lecture notes, as PNG, SVG, PDF and GIF, from a script."""

import os
import re
import stat
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"
XOR = LESSONS / "13-xor-network.lesson.json"
SEED = LESSONS / "09-seed-w-squared.lesson.json"


def export(*args, lesson=XOR):
    return subprocess.run([sys.executable, "-m", "simulator", "export", str(lesson), *args],
                          capture_output=True, text=True, timeout=180)


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    """Return a PNG's chunks by type (the first of each)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.setdefault(kind, data[at + 8:at + 8 + length])
        at += 12 + length
    return chunks


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    results = {}
    for suffix in ("png", "svg", "pdf"):
        out = folder / f"landscape.{suffix}"
        results[suffix] = (export(str(out), "--steps", "20", "--view", "landscape",
                                  "--size", "640x480", "--scale", "2", "--dpi", "120"), out)
    return results


def test_png_has_size_times_scale_pixels_and_its_dpi(figures):
    result, path = figures["png"]
    assert result.returncode == 0, result.stderr
    chunks = png_chunks(path.read_bytes())
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert (width, height) == (1280, 960)
    x, y, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and x == y and round(x * 0.0254) == 240  # 120 dpi at scale 2


def test_svg_is_vector_with_the_axis_names_as_text(figures):
    result, path = figures["svg"]
    assert result.returncode == 0, result.stderr
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text()
    assert "W1[0,0]" in text and "<path" in text
    assert "non-scaling-stroke" not in text


def test_pdf_is_a_pdf_of_one_page(figures):
    result, path = figures["pdf"]
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) == 1
    assert b"/FontFile2" in data  # the fonts travel with the figure


def test_the_same_lesson_gives_the_same_png_bytes(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    for out in (a, b):
        result = export(str(out), "--steps", "5", "--view", "loss", "--size", "600x400")
        assert result.returncode == 0, result.stderr
    assert a.read_bytes() == b.read_bytes()


def test_a_gif_has_the_frames_asked_for(tmp_path):
    from PIL import Image

    out = tmp_path / "walk.gif"
    result = export(str(out), "--view", "landscape", "--size", "600x400", "--frames", "6",
                    "--every", "3", lesson=SEED)
    assert result.returncode == 0, result.stderr
    with Image.open(out) as gif:
        assert gif.n_frames == 6 and gif.size == (600, 400)


def test_frames_with_a_png_name_write_a_numbered_series(tmp_path):
    out = tmp_path / "walk.png"
    result = export(str(out), "--view", "loss", "--size", "500x300", "--frames", "3", lesson=SEED)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk-0000.png", "walk-0001.png",
                                                          "walk-0002.png"]


def test_a_lesson_step_is_entered_before_drawing(tmp_path):
    out = tmp_path / "step.svg"
    result = export(str(out), "--view", "landscape", "--step", "2", "--size", "600x400",
                    lesson=LESSONS / "01-what-a-derivative-tells-you.lesson.json")
    assert result.returncode == 0, result.stderr
    result = export(str(tmp_path / "bad.svg"), "--step", "99")
    assert result.returncode == 2 and "--step" in result.stderr
    assert not (tmp_path / "bad.svg").exists()


def test_a_step_whose_run_diverged_is_drawn_with_its_crash(tmp_path):
    # lesson 03's step 6 runs at η = 1.1 and diverges at step 88: the figure shows that, and
    # further --steps add nothing (it exited 2 with the divergence's sentence instead)
    for more in ("0", "5"):
        out = tmp_path / f"crash-{more}.svg"
        result = export(str(out), "--view", "landscape", "--step", "6", "--steps", more,
                        "--size", "600x400", lesson=LESSONS / "03-hiking-down-the-mountain.lesson.json")
        assert result.returncode == 0, result.stderr
        texts = " ".join(t.text or "" for t in ET.parse(out).iter() if t.tag.endswith("text"))
        assert "diverged" in texts


@pytest.mark.parametrize("args, fragment", [
    (["--view", "everything"], "--view: choose one of landscape, landscape3d"),
    (["--size", "12xcm"], "--size: expected WIDTHxHEIGHT"),
    (["--size", "2x1cm", "--dpi", "300"], "too small for a figure's labels"),
    (["--scale", "5"], "--scale must be 1, 2, 3 or 4"),
    (["--theme", "neon"], "--theme: choose screen or print"),
    (["--frames", "3", "--view", "window"], "--frames: animate one view"),
    # checked only as the first frame was drawn: a .png series of 0 frames was an IndexError
    (["--frames", "0", "--view", "loss", "--steps", "1000000"], "--frames must be 1–2000, got 0"),
    (["--frames", "2", "--every", "0", "--view", "loss", "--steps", "1000000"],
     "--every must be 1–100000"),
])
def test_bad_options_are_one_line_exit_2_and_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "figure.png"
    result = export(str(out), *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


def test_bad_output_name_is_one_line_exit_2(tmp_path):
    result = export(str(tmp_path / "figure.bmp"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and ".png, .svg, .pdf or .gif" in result.stderr
    assert not (tmp_path / "figure.bmp").exists()


def test_the_3d_view_without_opengl_is_one_line(tmp_path):
    result = export(str(tmp_path / "surface.png"), "--view", "landscape3d", lesson=SEED)
    if result.returncode == 0:
        pytest.skip("this display has OpenGL: the 3-D view was drawn")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "needs OpenGL" in result.stderr and not (tmp_path / "surface.png").exists()


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


def test_a_fifo_named_as_the_figure_is_refused_not_replaced(tmp_path):
    fifo = tmp_path / "figure.png"
    os.mkfifo(fifo)
    result = export(str(fifo), "--steps", "1000000")
    assert result.returncode == 2 and "is not a regular file" in result.stderr
    assert result.stderr.count("\n") == 1 and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_file_name_of_bytes_that_are_not_utf8_is_said_on_a_strict_terminal(tmp_path):
    # such a name reaches Python with surrogates; printing "wrote …" raised
    # UnicodeEncodeError on a terminal whose encoding is strict (a UTF-8 locale's)
    out = tmp_path / os.fsdecode(b"\xfe.svg")
    result = subprocess.run([sys.executable, "-m", "simulator", "export", str(SEED), str(out),
                             "--view", "landscape"], capture_output=True, timeout=180,
                            env=dict(os.environ, PYTHONIOENCODING="utf-8:strict"))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stdout.decode().strip() == f"wrote {tmp_path}/\\udcfe.svg"
    assert out.stat().st_size > 1000


def test_an_empty_platform_variable_is_taken_as_none(tmp_path):
    # QT_QPA_PLATFORM= (set, empty) with no display: Qt aborted (exit 134), since only an
    # unset variable was given the offscreen platform
    out = tmp_path / "figure.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-m", "simulator", "export", str(SEED), str(out),
                             "--view", "landscape"], capture_output=True, text=True,
                            timeout=180, env=dict(env, QT_QPA_PLATFORM=""))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000


def test_a_huge_size_is_refused_with_the_pixel_count(tmp_path):
    result = export(str(tmp_path / "huge.png"), "--size", "8000x8000")
    assert result.returncode == 2
    assert result.stderr.strip() == ("--size: 8000x8000 is 64,000,000 pixels; at most 8,294,400 "
                                     "(3840x2160) keep the file's memory in bounds")


def test_qt_s_own_warnings_stay_off_the_terminal(figures):
    for result, _ in figures.values():
        assert result.stderr == ""


@pytest.mark.x11
def test_the_3d_view_is_drawn_where_a_display_gives_opengl(tmp_path):
    out = tmp_path / "surface.png"
    result = export(str(out), "--view", "landscape3d", "--size", "600x400", "--steps", "20",
                    lesson=LESSONS / "11-rosenbrock-adam.lesson.json")
    assert result.returncode == 0, result.stderr
    chunks = png_chunks(out.read_bytes())
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (600, 400)


@pytest.mark.x11
def test_the_3d_figure_carries_its_axis_labels(tmp_path):
    # The view paints its labels over the OpenGL picture, which a grab of the picture lacks.
    from PIL import Image

    svg, png = tmp_path / "surface.svg", tmp_path / "surface.png"
    for out in (svg, png):
        result = export(str(out), "--view", "landscape3d", "--size", "900x600", "--steps", "20",
                        lesson=LESSONS / "11-rosenbrock-adam.lesson.json")
        assert result.returncode == 0, result.stderr
    texts = ["".join(t.itertext()) for t in ET.parse(svg).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert {"w1", "w2"} <= set(texts) and any(t.startswith("loss") for t in texts)
    pixels = Image.open(png).convert("RGB").load()
    orange = sum(1 for x in range(900) for y in range(600)
                 if abs(pixels[x, y][0] - 0xD5) < 30 and abs(pixels[x, y][1] - 0x5E) < 30
                 and pixels[x, y][2] < 60)  # the w1 label, in the theme's colour of the x axis
    assert orange > 40


def test_a_figure_shrunk_to_fit_says_so_in_one_line_and_what_size_fits(tmp_path):
    out = tmp_path / "small.png"
    # The stepper's rows need more than 6.3 × 4.2 cm (a small network leaves its legend out).
    result = export(str(out), "--steps", "3", "--view", "stepper", "--size", "375x250")
    assert result.returncode == 0 and out.exists()
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "stepper at 6.3 × 4.2 cm is drawn at" in notes[0], result.stderr
    fits = re.search(r"(\d+\.\d) × (\d+\.\d) cm or larger", notes[0])
    assert fits and float(fits[1]) > 6.4 and float(fits[2]) > 4.2
    large = export(str(tmp_path / "large.png"), "--view", "network", "--size", "12x8cm",
                   "--dpi", "300")
    assert large.returncode == 0 and "note:" not in large.stderr, large.stderr


def test_a_window_larger_than_its_figure_is_drawn_whole_and_says_so(tmp_path):
    # A window's least size is taller than 8 cm in its proportions: it was cut at the foot.
    out = tmp_path / "window.png"
    result = export(str(out), "--view", "window", "--size", "12x8cm", "--dpi", "300")
    assert result.returncode == 0, result.stderr
    assert "note: the whole window at 12.0 × 8.0 cm is drawn at" in result.stderr
    chunks = png_chunks(out.read_bytes())
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (1417, 945)


def test_a_formula_figure_that_leaves_its_graph_out_names_the_size_that_shows_it(tmp_path):
    # Rosenbrock's graph does not fit 12 × 8 cm at 9 pt; the note said only "a larger
    # figure shows it". Now it names a size, and at that size the note is gone.
    lesson = XOR.parent / "11-rosenbrock-adam.lesson.json"
    small = export(str(tmp_path / "small.png"), "--view", "formula", "--size", "12x8cm",
                   "--dpi", "300", lesson=lesson)
    assert small.returncode == 0, small.stderr
    fits = re.search(r"note: formula at 12\.0 × 8\.0 cm leaves out Computation graph: .*"
                     r"at least ([\d.]+) × ([\d.]+) cm shows it", small.stderr)
    assert fits, small.stderr
    large = export(str(tmp_path / "large.png"), "--view", "formula", "--size",
                   f"{fits[1]}x{fits[2]}cm", "--dpi", "300", lesson=lesson)
    assert large.returncode == 0 and "note:" not in large.stderr, large.stderr
