"""Lesson files: the XOR example, save → load round trips, atomic saving, file errors."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from simulator.lessons import files
from simulator.lessons.building import build_problem, build_session, landscape_axes
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson, save_lesson
from simulator.lessons.model import (
    DatasetSpec,
    ExpressionSpec,
    Lesson,
    NetworkSpec,
    OptimizerSpec,
    lesson_from_json,
)

BUILT_IN = Path(__file__).resolve().parents[2] / "resources" / "lessons"
XOR = BUILT_IN / "13-xor-network.lesson.json"


def test_the_xor_example_loads_and_builds():
    lesson = load_lesson(XOR)
    assert lesson.title == "XOR: a network that needs a hidden layer"
    spec = lesson.problem
    assert isinstance(spec, NetworkSpec)
    assert spec.layers == (2, 2, 1) and spec.activation == ("tanh",)
    assert (spec.output_activation, spec.loss) == ("sigmoid", "bce")
    assert spec.regularization == ("l2", 0.001)
    assert spec.dataset == DatasetSpec("xor", 200, 0.1, 1, 0.8)
    assert lesson.optimizer == OptimizerSpec("adam", 0.03, (("beta1", 0.9), ("beta2", 0.999)))
    assert lesson.batch_size is None and lesson.landscape == ("W1[0,0]", "W1[1,0]")

    problem = build_problem(spec)
    net = problem.network
    assert net.sizes == (2, 2, 1) and net.regularization.kind == "l2"
    theta = problem.initial_theta()
    values = {name: theta[net.index_of(name)] for name in net.parameter_names()}
    assert values == {"W1[0,0]": 0.5, "W1[0,1]": -0.3, "W1[1,0]": 0.8, "W1[1,1]": 0.1,
                      "b1[0]": 0.0, "b1[1]": 0.0, "W2[0,0]": 1.0, "W2[1,0]": -1.0, "b2[0]": 0.0}
    assert problem.sample_count == 160 and len(problem.dataset.x_test) == 40
    assert landscape_axes(lesson, problem) == (0, 2)

    session = build_session(lesson)
    assert session.config.name == "adam" and session.config.learning_rate == 0.03
    assert session.optimizer.beta1 == 0.9 and session.optimizer.beta2 == 0.999
    start = session.loss
    session.step(300)
    assert session.status == "ready" and session.loss < 0.5 * start


@pytest.mark.parametrize("path", sorted(BUILT_IN.glob("*.lesson.json")), ids=lambda p: p.name)
def test_every_built_in_lesson_round_trips(path, tmp_path):
    lesson = load_lesson(path)
    copy = tmp_path / path.name
    save_lesson(lesson, copy)
    assert load_lesson(copy) == lesson
    # and the saved text is stable: saving the loaded copy writes the same bytes
    again = tmp_path / ("again-" + path.name)
    save_lesson(load_lesson(copy), again)
    assert again.read_bytes() == copy.read_bytes()


def test_built_in_network_lessons_build_sessions():
    for path in sorted(BUILT_IN.glob("*.lesson.json")):
        lesson = load_lesson(path)
        if isinstance(lesson.problem, NetworkSpec):
            session = build_session(lesson)
            assert np.isfinite(session.loss) and session.step(2) == 2


ROUND_TRIP_LESSONS = [
    Lesson("points and hyper-parameters",
           NetworkSpec((2, 3, 4, 3), ("relu", "tanh"), "softmax", "cross_entropy", None, None, 9,
                       DatasetSpec(None, points=((0.1, 0.2, 0.0), (0.5, -0.4, 2.0),
                                                 (-0.3, 0.9, 1.0)),
                                   test_points=((0.0, 0.0, 1.0),)),
                       ("l1", 0.05)),
           OptimizerSpec("rmsprop", 0.004, (("eps", 1e-6), ("rho", 0.95))),
           batch_size=2, landscape=("W2[0,1]", "b3[2]"), description="ünïcode ✓ text"),
    Lesson("explicit weights",
           NetworkSpec((1, 2, 1), ("leaky_relu",), "linear", "mse",
                       (((0.5, -1.25),), ((2.0,), (-0.75,))), ((0.0, 0.125), (1e-9,)), 0,
                       DatasetSpec("curve", 64, 0.0, 12, 0.5)),
           OptimizerSpec("nesterov", 0.01, (("momentum", 0.95),))),
    Lesson("no hidden layer",
           NetworkSpec((2, 1), (), "sigmoid", "bce", dataset=DatasetSpec("gaussians", 30)),
           OptimizerSpec("adam", 0.1, (("beta1", 0.8), ("beta2", 0.99), ("eps", 1e-7)))),
    Lesson("a ravine",
           ExpressionSpec("w1**2 + 10*w2**2", (("w1", -3.5), ("w2", 1.0)),
                          (("w1", (-4.0, 4.0)), ("w2", (-2.0, 2.0)))),
           OptimizerSpec("momentum", 0.02, (("momentum", 0.5),)), landscape=("w1", "w2")),
    Lesson("w squared", ExpressionSpec("w**2", (("w", 3.0),))),
]


@pytest.mark.parametrize("lesson", ROUND_TRIP_LESSONS, ids=lambda lesson: lesson.title)
def test_save_then_load_round_trips_equal(lesson, tmp_path):
    path = tmp_path / "lesson.lesson.json"
    save_lesson(lesson, path)
    loaded = load_lesson(path)
    assert loaded == lesson
    assert lesson_from_json(json.loads(path.read_text(encoding="utf-8"))) == lesson
    assert loaded.to_json() == lesson.to_json()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "backprop-hiker-lesson" and document["version"] == 1


def test_an_edited_lesson_differs_after_the_round_trip(tmp_path):
    lesson = ROUND_TRIP_LESSONS[1]
    path = tmp_path / "a.lesson.json"
    save_lesson(lesson, path)
    changed = lesson.with_problem(
        NetworkSpec((1, 2, 1), ("leaky_relu",), "linear", "mse",
                    (((0.5, -1.0),), ((2.0,), (-0.75,))), ((0.0, 0.125), (1e-9,)), 0,
                    DatasetSpec("curve", 64, 0.0, 12, 0.5)))
    assert load_lesson(path) != changed


def test_hyper_parameter_order_does_not_matter():
    """The same settings written in another order are the same lesson, before and after saving."""
    a = OptimizerSpec("rmsprop", 0.01, (("rho", 0.9), ("eps", 1e-6)))
    b = OptimizerSpec("rmsprop", 0.01, (("eps", 1e-6), ("rho", 0.9)))
    assert a == b
    lesson = Lesson("order", ExpressionSpec(), b)
    assert parse_lesson(files.lesson_text(lesson)) == lesson


def test_save_is_atomic_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "mine.lesson.json"
    save_lesson(ROUND_TRIP_LESSONS[0], path)
    before = path.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        save_lesson(ROUND_TRIP_LESSONS[1], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.lesson.json"]


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "mine.lesson.json"
    save_lesson(ROUND_TRIP_LESSONS[2], path)
    before = path.read_bytes()

    def crash(fd):
        raise KeyboardInterrupt  # even an interrupted save cleans up

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save_lesson(ROUND_TRIP_LESSONS[0], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["mine.lesson.json"]
    assert load_lesson(path) == ROUND_TRIP_LESSONS[2]


def test_save_replaces_the_old_file_and_writes_utf8(tmp_path):
    path = tmp_path / "mine.lesson.json"
    save_lesson(ROUND_TRIP_LESSONS[1], path)
    save_lesson(ROUND_TRIP_LESSONS[0], path)
    assert load_lesson(path) == ROUND_TRIP_LESSONS[0]
    assert "ünïcode ✓ text" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.lesson.json"]


def test_file_level_errors_name_the_file(tmp_path, monkeypatch):
    with pytest.raises(LessonError, match="no such file"):
        load_lesson(tmp_path / "missing.lesson.json")
    with pytest.raises(LessonError, match="is a folder"):
        load_lesson(tmp_path)
    big = tmp_path / "big.lesson.json"
    big.write_text(" " * 64)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 32)
    with pytest.raises(LessonError, match=r"big.lesson.json is more than 32 bytes; lessons are at most"):
        load_lesson(big)


def test_a_very_long_name_keeps_the_reason_in_the_message(tmp_path):
    # before: the 5,000-character name filled the message, cut at 199 characters, and the
    # reason ("File name too long") was lost
    with pytest.raises(LessonError) as info:
        load_lesson(tmp_path / ("x" * 5000 + ".lesson.json"))
    message = str(info.value)
    assert message.endswith("x.lesson.json: File name too long") and len(message) < 200
    assert message.startswith(str(tmp_path)[:20]) and "…" in message


def test_a_name_the_system_cannot_take_is_a_lesson_error():
    with pytest.raises(LessonError, match="not a file name the system can open"):
        load_lesson("a\x00b.lesson.json")  # ValueError("embedded null byte") before


def test_deeply_nested_json_is_a_lesson_error():
    with pytest.raises(LessonError, match="nested too deeply|line"):
        parse_lesson("[" * 100_000 + "]" * 100_000, "deep.lesson.json")


def test_lesson_error_carries_the_path():
    document = json.loads(XOR.read_text(encoding="utf-8"))
    document["problem"]["dataset"]["train_fraction"] = 0.01
    with pytest.raises(LessonError) as info:
        lesson_from_json(document)
    assert info.value.path == "problem.dataset.train_fraction"
    assert str(info.value).startswith("problem.dataset.train_fraction: ")


# ----- hostile files (the robustness issue) ------------------------------------------------

def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.lesson.json"
    os.mkfifo(fifo)
    with pytest.raises(LessonError, match="is not a regular file"):
        load_lesson(fifo)  # opening it for reading would wait forever for a writer


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_an_endless_device_is_refused(tmp_path, device):
    link = tmp_path / "endless.lesson.json"
    link.symlink_to(device)
    with pytest.raises(LessonError, match="is not a regular file"):
        load_lesson(link)


def test_at_most_the_cap_is_read_whatever_stat_says(tmp_path, monkeypatch):
    big = tmp_path / "big.lesson.json"
    big.write_bytes(b" " * 5000)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    read = []
    real_read = files._read_regular_file

    def counted_read(path):
        read.append(real_read(path))
        return read[-1]

    monkeypatch.setattr(files, "_read_regular_file", counted_read)
    with pytest.raises(LessonError, match="more than 100 bytes"):
        load_lesson(big)
    assert len(read[0]) == 101


def test_a_byte_order_mark_is_accepted(tmp_path):
    marked = tmp_path / "windows.lesson.json"
    marked.write_bytes(b"\xef\xbb\xbf" + XOR.read_bytes())
    assert load_lesson(marked) == load_lesson(XOR)


def test_negative_zero_noise_reads_as_zero_and_builds():
    document = json.loads(XOR.read_text())
    document["problem"]["dataset"]["noise"] = -0.0
    lesson = parse_lesson(json.dumps(document))
    assert str(lesson.problem.dataset.noise) == "0.0"
    build_problem(lesson.problem)  # numpy refused a scale of -0.0 ("scale < 0")


def test_saving_over_a_file_keeps_its_mode(tmp_path):
    target = tmp_path / "shared.lesson.json"
    save_lesson(load_lesson(XOR), target)
    for mode in (0o644, 0o664, 0o600):
        target.chmod(mode)
        save_lesson(load_lesson(XOR), target)
        assert target.stat().st_mode & 0o777 == mode


def test_a_new_file_gets_the_umask_s_mode_not_a_private_one(tmp_path):
    old = os.umask(0o022)
    try:
        save_lesson(load_lesson(XOR), tmp_path / "new.lesson.json")
    finally:
        os.umask(old)
    assert (tmp_path / "new.lesson.json").stat().st_mode & 0o777 == 0o644


def test_a_killed_save_s_temporary_file_is_removed_by_the_next_save(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "killed.lesson.json"
    save_lesson(load_lesson(XOR), target)
    # A save that is killed after writing its temporary file, before replacing the target.
    script = (
        "import os, sys, time\n"
        "from simulator.lessons import files\n"
        "real = os.replace\n"
        "def stuck(a, b):\n"
        "    print('written', flush=True); time.sleep(60)\n"
        "os.replace = stuck\n"
        "files.save_lesson(files.load_lesson(sys.argv[1]), sys.argv[2])\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(XOR), str(target)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "written"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    leftovers = list(tmp_path.glob(".killed.lesson.json.*.tmp"))
    assert len(leftovers) == 1
    other = tmp_path / ".other.lesson.json.abc.tmp"  # another file's temporary file stays
    other.write_text("{}")
    save_lesson(load_lesson(XOR), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".other.lesson.json.abc.tmp", "killed.lesson.json"])
    assert load_lesson(target) == load_lesson(XOR)
