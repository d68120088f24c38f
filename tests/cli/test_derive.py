"""`backprop-hiker derive` end to end, in a subprocess as a user runs it."""

import json
import subprocess
import sys


def derive(*args):
    return subprocess.run([sys.executable, "-m", "simulator", "derive", *args],
                          capture_output=True, text=True, timeout=60)


def test_seed_nudge_numbers_come_out_exactly():
    out = derive("w**2", "--at", "w=3", "--epsilon", "0.001", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["derivative"] == "2*w"
    assert report["value"] == 6
    nudge = report["nudge"]
    assert (nudge["J"], nudge["J_plus"], nudge["delta"]) == (9, 9.006001, 0.006001)
    assert (nudge["ratio"], nudge["exact"], nudge["error"]) == (6.001, 6, 0.001)
    assert nudge["epsilon"] == 0.001


def test_gradient_of_two_variables_as_text():
    out = derive("w1**2 + 10*w2**2", "--at", "w1=3", "--at", "w2=1")
    assert out.returncode == 0, out.stderr
    assert "2*w1" in out.stdout and "20*w2" in out.stdout


def test_bad_formula_is_one_line_exit_2_naming_the_column():
    out = derive("w + __import__('os')", "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "column 5" in lines[0]
    assert "Traceback" not in out.stderr


def test_bad_point_is_one_line_exit_2():
    out = derive("w**2", "--at", "w=abc")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "abc" in out.stderr and "Traceback" not in out.stderr
