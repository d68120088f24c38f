import time

import pytest
import sympy as sp

from simulator.symbolic.errors import FormulaError
from simulator.symbolic.parsing import Formula, parse_formula

w, b, x = (sp.Symbol(n, real=True) for n in ("w", "b", "x"))
w1, w2 = sp.Symbol("w1", real=True), sp.Symbol("w2", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("w^2", w**2),
        ("w**2", w**2),
        ("2^3^2", sp.Integer(512)),  # right-associative like **
        ("-w^2", -(w**2)),  # power binds tighter than unary minus
        ("w^2 + 1", w**2 + 1),  # ^ is a power, not Python's xor (which binds looser than +)
        ("0.1*w", sp.Rational(1, 10) * w),
        ("1e-3", sp.Rational(1, 1000)),
        (".5 + 5.", sp.Rational(11, 2)),
        ("3.001^2", sp.Rational("9.006001")),
        ("w1*w2 + b", w1 * w2 + b),
        ("+w - -w", 2 * w),
        ("sigmoid(w)", 1 / (1 + sp.exp(-w))),
        ("relu(w)", sp.Max(0, w)),
        ("softplus(x)", sp.log(1 + sp.exp(x))),
        ("abs(w)", sp.Abs(w)),
        ("max(w, b, 1)", sp.Max(w, b, 1)),
        ("min(w, 0)", sp.Min(w, 0)),
        ("sqrt(w) + tanh(w) + exp(w) + log(w)", sp.sqrt(w) + sp.tanh(w) + sp.exp(w) + sp.log(w)),
        ("sin(w) * cos(w) / tan(w)", sp.sin(w) * sp.cos(w) / sp.tan(w)),
        ("log(w, 2)", sp.log(w) / sp.log(2)),
        ("pi * e^w", sp.pi * sp.exp(w)),
        ("((w))", w),
        ("w\t+\n1", w + 1),
        ("Max(0, w) + Abs(b) + E", sp.Max(0, w) + sp.Abs(b) + sp.E),
    ],
)
def test_parses_allowed_formulas(text, expected):
    formula = parse_formula(text)
    assert isinstance(formula, Formula)
    assert formula.expression == expected
    assert formula.text == text


def test_numbers_stay_exact():
    assert parse_formula("3").expression == 3
    assert isinstance(parse_formula("3").expression, sp.Integer)
    assert parse_formula("0.1 + 0.2").expression == sp.Rational(3, 10)
    assert isinstance(parse_formula("0.25*w").expression.args[0], sp.Rational)


def test_variables_are_sorted_in_natural_order():
    assert parse_formula("w2 + w1 + b + w").variables == ("w", "w1", "w2", "b")
    assert parse_formula("c + a + y + x").variables == ("x", "y", "a", "c")
    assert parse_formula("w - w + 3").variables == ()


def test_outputs_plain_pretty_latex():
    formula = parse_formula("w^2/3")
    assert formula.plain == "w**2/3"
    assert "─" in formula.pretty and "w" in formula.pretty
    assert formula.latex == "\\frac{w^{2}}{3}"
    assert parse_formula(formula.plain).expression == formula.expression


def test_allowed_variables_narrow_the_names():
    assert parse_formula("w1 + w2", allowed_variables=["w1", "w2"]).variables == ("w1", "w2")
    with pytest.raises(FormulaError) as caught:
        parse_formula("w1 + x", allowed_variables=["w1", "w2"])
    assert str(caught.value) == "column 6: unknown name 'x'; allowed variables: w1, w2"
    with pytest.raises(ValueError, match="not a variable name"):
        parse_formula("w", allowed_variables=["q"])


@pytest.mark.parametrize(
    ("text", "column", "token", "words"),
    [
        ("__import__('os')", 1, "__import__", "unknown function '__import__'"),
        ("().__class__", 3, ".__class__", "attribute access"),
        ("w.real", 2, ".real", "attribute access"),
        ("w[0]", 2, "[", "indexing"),
        ("lambda: 1", 1, "lambda", "'lambda' is not allowed"),
        ("'str'", 1, "'str'", "string"),
        ("w + \"s\"", 5, '"s"', "string"),
        ("open('x')", 1, "open", "unknown function 'open'"),
        ("foo_bar", 1, "foo_bar",
         "unknown name 'foo_bar'; allowed variables: w, w1…w9, b, x, y, a, c"),
        ("w + foo", 5, "foo", "unknown name 'foo'"),
        ("if", 1, "if", "'if' is not allowed"),
        ("w + import", 5, "import", "'import' is not allowed"),
        ("w if w else 1", 3, "if", "'if' is not allowed"),
        ("[w for w in w]", 1, "[", "indexing"),
        ("True", 1, "True", "'True' is not allowed"),
        ("w == 1", 3, "==", "comparison"),
        ("w < 1", 3, "<", "comparison"),
        ("w = 1", 3, "=", "assignment"),
        ("max(w, b=1)", 9, "=", "assignment"),
        ("max(*w)", 5, "*w", "'*' before an argument"),
        ("w // 2", 3, "//", "'//'"),
        ("w % 2", 3, "%", "'%'"),
        ("w;1", 2, ";", "';'"),
        ("ｗ", 1, "ｗ", "not allowed"),
        ("w\x00", 2, "\x00", "not allowed"),
        ("sin", 1, "sin", "is a function"),
        ("w(2)", 1, "w", "not a function"),
        ("2w", 2, "w", "multiplication needs '*'"),
        ("2 (w)", 3, "(", "multiplication needs '*'"),
        ("1_000", 2, "_000", "'_' is not allowed in numbers"),
        ("max(w)", 1, "max", "max takes at least 2 arguments, got 1"),
        ("sin(w, b)", 1, "sin", "sin takes 1 argument, got 2"),
        ("(w, b)", 1, "(w, b)", "a list of values"),
        ("()", 1, "()", "empty parentheses"),
        ("", 1, "", "empty"),
        ("   ", 1, "", "empty"),
        ("w +", 3, "+", "ends too early"),
        ("sin(w", 4, "(", "never closed"),
        ("w)", 2, ")", "no matching"),
        ("w^^2", 3, "^", "unexpected '^'"),
        ("1/0", 3, "0", "division by zero"),
        ("log(0)", 1, "log(0)", "not a finite number"),
        ("sqrt(-4)", 1, "sqrt(-4)", "not a real number"),
        ("(-8)^(1/3)", 1, "(-8)^(1/3)", "not a real number"),
        ("w**1001", 4, "1001", "exponent 1001 is too large"),
        ("w^(-2000)", 4, "-2000", "too large"),
        ("w**600 * w**600", 1, "w**600 * w**600", "exponent above 1000"),
        ("exp(1001)", 1, "exp(1001)", "too large"),
        ("1e1001", 1, "1e1001", "more than 1000 digits"),
        ("(2**1000)**1000", 1, "(2**1000)**1000", "more than 1000 digits"),
    ],
)
def test_refusals_name_token_and_column(text, column, token, words):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.column, error.token) == (column, token)
    assert words in str(error)
    assert str(error).startswith(f"column {column}: ")


def test_power_tower_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(FormulaError) as caught:
        parse_formula("9**9**9**9")
    assert time.perf_counter() - start < 1.0  # generous: a hang would take hours
    assert caught.value.column == 7 and caught.value.token == "9**9"
    with pytest.raises(FormulaError):
        parse_formula("9^9^9^9")


def test_caret_columns_map_back_to_the_typed_text():
    # Each ^ becomes ** for Python; the column must still be the one the user typed.
    with pytest.raises(FormulaError) as caught:
        parse_formula("w^2^2^2 + foo")
    assert caught.value.column == 11
    with pytest.raises(FormulaError) as caught:
        parse_formula("w^2 + w^1001")
    assert (caught.value.column, caught.value.token) == (9, "1001")


def test_nesting_is_limited_as_sympy_builds_it():
    # a sigmoid is four levels of sympy's tree: 24 nested is 97 levels, 25 is 101
    assert parse_formula("sigmoid(" * 24 + "w" + ")" * 24).variables == ("w",)
    for text in ("sigmoid(" * 25 + "w" + ")" * 25, "sigmoid(" * 45 + "w" + ")" * 45,
                 "sigmoid(w/(1 - " * 15 + "w" + "))" * 15):
        with pytest.raises(FormulaError, match="more than 100 levels"):
            parse_formula(text)
    # the tree-depth limit is not reached before the nesting limit by one-level functions
    parse_formula("tanh(" * 49 + "w" + ")" * 49)


def test_length_cap():
    with pytest.raises(FormulaError) as caught:
        parse_formula("w+" * 299 + "w")
    assert caught.value.column == 501
    assert "longer than 500 characters" in str(caught.value)
    assert parse_formula("w+" * 249 + "w").expression == 250 * w  # 499 characters


def test_deep_nesting_is_refused():
    with pytest.raises(FormulaError, match="longer than 500"):
        parse_formula("(" * 1000 + "w" + ")" * 1000)
    with pytest.raises(FormulaError, match="nested more than 50 deep") as caught:
        parse_formula("(" * 60 + "w" + ")" * 60)
    assert caught.value.column == 51
    with pytest.raises(FormulaError, match="nested more than 50 deep"):
        parse_formula("sin(" * 60 + "w" + ")" * 60)
    with pytest.raises(FormulaError, match="nested more than 50 deep"):
        parse_formula("-" * 80 + "w")
    assert parse_formula("(" * 50 + "w" + ")" * 50).expression == w


def test_long_sums_are_not_deep():
    # a + b + c + … is one level of nesting however many terms it has
    assert parse_formula(" + ".join(["w"] * 120)).expression == 120 * w
    assert parse_formula("*".join(["w"] * 100)).expression == w**100


def test_sympy_failures_become_formula_errors():
    with pytest.raises(FormulaError, match="cannot be computed"):
        parse_formula("max(0, cos(1)^2 + sin(1)^2 - 1)")


def test_non_text_is_refused():
    with pytest.raises(FormulaError):
        parse_formula(3)  # type: ignore[arg-type]
