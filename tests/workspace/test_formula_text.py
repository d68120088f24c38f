"""The formula panel's text: numbers, readable formulas, aligned decimals, ε, the read-out."""

import math

import pytest

from simulator.workspace.formula import NudgeNumbers
from simulator.workspace.formula_text import (
    align_decimals,
    nudge_sentence,
    parse_epsilon,
    readable,
    readable_operation,
)
from simulator.workspace.numbers import format_number


def test_number_formatting():
    assert [format_number(x, 10) for x in (9.006001, 0.006001, 6.001, 6.0, 0.001)] == [
        "9.006001", "0.006001", "6.001", "6", "0.001"]
    assert format_number(-2.5e-9, 4) == "−2.5×10⁻⁹"
    assert format_number(123456.7, 4) == "123457"
    assert format_number(float("nan")) == "undefined"
    assert format_number(float("inf")) == "too large"
    assert readable("-400*w1*(-w1**2 + w2) + 2*w1**(-1)") == "−400·w1·(−w1² + w2) + 2·w1⁻¹"
    assert align_decimals(["9", "9.006001", "6.001"]) == ["9       ", "9.006001", "6.001   "]



@pytest.mark.parametrize(("label", "shown"), [
    ("**2", "(·)²"), ("**(-1)", "(·)⁻¹"), ("**w", "(·)^w"), ("2**", "2^(·)"), ("*", "×"),
    ("10*", "10 ×"), ("+ 1", "+ 1"), ("sin", "sin"), ("Max(0, ·)", "max(0, ·)")])
def test_graph_operations_are_drawn_as_people_write_them(label, shown):
    assert readable_operation(label) == shown


def test_readable_writes_constants_and_functions_in_lower_case():
    assert readable("E**w + pi*Abs(w)") == "e^w + π·abs(w)"


@pytest.mark.parametrize(("text", "value"), [("0.001", 0.001), ("1e-6", 1e-6), ("1/1000", 0.001),
                                             (" 0.5 ", 0.5), ("1", 1.0)])
def test_good_epsilons_are_read_exactly(text, value):
    epsilon, problem = parse_epsilon(text)
    assert problem is None and float(epsilon) == value
    assert epsilon.is_Rational  # exact: 0.001 is 1/1000, not the float nearest it


@pytest.mark.parametrize(("text", "says"), [("abc", "is not a number"), ("", "is not a number"),
                                            ("-1", "must be positive"), ("0", "must be positive"),
                                            ("5", "must be small"), ("1e-13", "at least 10⁻¹²")])
def test_bad_epsilons_say_what_is_wrong(text, says):
    epsilon, problem = parse_epsilon(text)
    assert epsilon is None and says in problem


def test_the_seeds_read_out():
    nudge = NudgeNumbers(0, 0.001, 9.0, 9.006001, 0.006001, 6.001, 6.0, 0.001, True)
    assert nudge_sentence(nudge, ("w",), (3.0,)) == (
        "Nudging w by 0.001 changes J by 0.006001, so the slope is about 6.001; the exact "
        "slope is 6.")


def test_the_read_out_of_two_variables_names_the_one_held():
    nudge = NudgeNumbers(1, 0.001, 1.0, 1.02001, 0.02001, 20.01, 20.0, 0.01, True)
    assert nudge_sentence(nudge, ("w1", "w2"), (-3.5, 1.0)) == (
        "Nudging w2 by 0.001 (with w1 held at −3.5) changes J by 0.02001, so the slope along "
        "w2 is about 20.01; the exact ∂J/∂w2 is 20.")


def test_an_undefined_nudge_is_said_in_words():
    nudge = NudgeNumbers(0, 0.001, math.nan, math.nan, math.nan, math.nan, 0.0, math.nan, True)
    assert "too large (or undefined)" in nudge_sentence(nudge, ("w",), (-1.0,))


def test_latex_equations_of_the_seed_and_of_two_variables():
    from simulator.workspace.formula import _build
    from simulator.workspace.formula_text import latex_equations, latex_name, plain_equations

    seed = _build("w**2", ("w",))
    assert (seed.latex, seed.derivative_latex) == ("w^{2}", ("2 w",))
    assert latex_equations(seed.names, seed.latex, seed.derivative_latex) == (
        "\\begin{aligned}\nJ(w) &= w^{2} \\\\\n\\frac{dJ}{dw} &= 2 w\n\\end{aligned}")
    assert plain_equations(seed.names, seed.text, seed.derivative_texts) == [
        "J(w) = w²", "dJ/dw = 2·w"]
    bowl = _build("w1**2 + 10*w2**2", ("w1", "w2"))
    text = latex_equations(bowl.names, bowl.latex, bowl.derivative_latex)
    assert "J(w_{1}, w_{2}) &= w_{1}^{2} + 10 w_{2}^{2}" in text
    assert "\\frac{\\partial J}{\\partial w_{2}} &= 20 w_{2}" in text
    assert latex_name("theta") == "theta" and latex_name("x12") == "x_{12}"
