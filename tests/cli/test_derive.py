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


def test_a_variable_given_twice_is_refused():
    # before: the last --at was taken without a word
    out = derive("w**2", "--at", "w=1", "--at", "w=2")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "--at: w is given twice; give each variable once"


def test_a_formula_starting_with_minus_is_a_formula_not_an_option():
    for args in (["-w**2", "--at", "w=3"], ["--at", "w=3", "-w**2"], ["--wrt", "w", "-w**2"]):
        out = derive(*args, "--json")
        assert out.returncode == 0, (args, out.stderr)
        report = json.loads(out.stdout)
        assert report["expression"] == "-w**2" and report["derivative"] == "-2*w"


def test_an_error_in_a_minus_formula_points_at_the_typed_column():
    out = derive("-w**2 +")
    assert out.returncode == 2
    assert out.stderr.strip() == "column 7: the formula ends too early after '+'"


def test_a_simplification_that_overflows_is_not_shown():
    out = derive("9.29**(6*w)", "--at", "w=1", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["value"] == 8596934.748167368  # 6·ln(9.29)·9.29⁶


def test_derive_gives_up_in_about_two_seconds_in_one_line():
    out = derive("log(" * 40 + "w" + ")" * 40, "--at", "w=2")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == ("gave up after 2 s: this formula takes too long to "
                                  "differentiate and evaluate exactly")


def test_a_formula_too_deep_for_sympy_says_so_and_names_the_limit():
    # before: "gave up after 2 s", or a RecursionError traceback from the worker at 30 deep
    for depth in (25, 30, 45):
        out = derive("sigmoid(" * depth + "w" + ")" * depth, "--at", "w=1")
        assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
        assert "nested too deeply: more than 100 levels" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1


def test_an_undefined_value_says_why():
    out = derive("1/w", "--at", "w=0")
    assert out.returncode == 0, out.stderr
    assert "J       undefined (infinite: a division by zero, or the log of 0)" in out.stdout
    assert "dJ/dw   undefined (infinite: a division by zero, or the log of 0)" in out.stdout


def test_the_log_of_zero_is_said_to_be_infinite():
    out = derive("log(abs(w))", "--at", "w=0")
    assert out.returncode == 0, out.stderr
    assert "J       undefined (infinite: a division by zero, or the log of 0)" in out.stdout


def test_a_point_or_an_epsilon_beyond_floating_point_is_refused():
    # before: shown as "at w = undefined", or as "ε = 0.0" with ΔJ = 0.0
    for args, said in ((["--at", "w=1e400"], "--at: '1e400' is too large for floating point"),
                       (["--at", "w=-1e400"], "--at: '-1e400' is too large for floating point"),
                       (["--at", "w=3", "--epsilon", "1e-400"],
                        "--epsilon: '1e-400' is too small for floating point")):
        out = derive("w**2", *args)
        assert out.returncode == 2 and out.stdout == ""
        assert out.stderr.startswith(said) and len(out.stderr.splitlines()) == 1


def test_a_kinked_formula_carries_the_note():
    out = derive("abs(w)", "--at", "w=0")
    assert out.returncode == 0, out.stderr
    assert "Note: At a kink" in out.stdout and "dJ/dw   0" in out.stdout


def test_a_slow_simplification_is_given_up_with_a_note():
    # sympy's simplify runs for minutes on it; derive's 2 s count from the process's start
    out = derive("cosh(w**5)*sigmoid(w - 6000)", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["simplified"] is False
    assert report["derivative"] == ("5*w**4*sinh(w**5)/(exp(6000 - w) + 1) + "
                                    "exp(6000 - w)*cosh(w**5)/(exp(6000 - w) + 1)**2")
    assert report["note"] == ("gave up simplifying to answer within 2 s: the derivative is "
                              "shown unsimplified")
