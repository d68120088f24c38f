import json

import pytest

from simulator.symbolic.errors import FormulaError
from simulator.symbolic.report import derive_report, format_derive_report


def test_seed_report_json():
    report = derive_report("w^2", None, {"w": "3"}, "0.001")
    assert report["expression"] == "w**2"
    assert report["derivative"] == "2*w"
    assert report["latex"] == "2 w"
    assert report["value"] == 6 and isinstance(report["value"], int)
    assert report["variables"] == ["w"]
    assert report["nudge"] == {"epsilon": 0.001, "J": 9, "J_plus": 9.006001, "delta": 0.006001,
                               "ratio": 6.001, "exact": 6, "error": 0.001}
    assert isinstance(report["nudge"]["J"], int) and isinstance(report["nudge"]["exact"], int)
    text = json.dumps(report)
    assert json.loads(text) == report
    assert '"J_plus": 9.006001' in text and '"error": 0.001' in text


def test_report_without_a_point():
    report = derive_report("w^3")
    assert report["derivative"] == "3*w**2"
    assert report["value"] is None
    assert "nudge" not in report
    assert set(report) >= {"expression", "derivative", "latex", "value", "variables"}


def test_gradient_report_for_several_variables():
    report = derive_report("w1^2 + 3*w2", None, {"w1": "1", "w2": "0.5"}, None)
    assert report["derivative"] == ["2*w1", "3"]
    assert report["gradient"] == {"w1": "2*w1", "w2": "3"}
    assert report["latex"] == ["2 w_{1}", "3"]
    assert report["value"] == [2, 3]
    assert report["variables"] == ["w1", "w2"]


def test_report_with_respect_to_one_variable():
    report = derive_report("w1^2 * w2", "w2", {"w1": "3", "w2": "1"}, "0.5")
    assert report["derivative"] == "w1**2"
    assert report["value"] == 9
    assert "gradient" not in report
    assert report["nudge"]["ratio"] == 9 and report["nudge"]["error"] == 0


def test_derivative_text_reads_back_in_sympy():
    import sympy as sp

    report = derive_report("sigmoid(w) + relu(w)")
    # Our own output (never user text) read by sympy's parser, as a CLI user's script would.
    read_back = sp.parse_expr(report["derivative"])
    assert read_back.free_symbols == {sp.Symbol("w")}


def test_non_integer_values_are_floats():
    report = derive_report("w^2/3", None, {"w": "1"}, None)
    assert report["value"] == pytest.approx(2 / 3) and isinstance(report["value"], float)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("w^2", None, {"w": "abc"}, None), "--at: 'abc' is not a number"),
        (("w^2", None, {"x": "1"}, None), "--at: 'x' is not a variable of the formula"),
        (("w1*w2", None, {"w1": "1"}, None), "--at: missing value for w2"),
        (("w^2", "x", None, None), "--wrt: 'x' is not in the formula"),
        (("w^2", "q", None, None), "--wrt: 'q' is not a variable name"),
        (("w^2", None, {"w": "1"}, "abc"), "--epsilon: 'abc' is not a number"),
        (("w^2", None, {"w": "1"}, "0"), "--epsilon: must not be zero"),
        (("w^2", None, None, "0.1"), "--epsilon needs --at"),
        (("w1*w2", None, {"w1": "1", "w2": "2"}, "0.1"), "--epsilon needs --wrt"),
    ],
)
def test_bad_options_raise_one_line_errors(args, message):
    with pytest.raises(ValueError) as caught:
        derive_report(*args)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_bad_formula_raises_formula_error():
    with pytest.raises(FormulaError, match="column 1: unknown function 'open'"):
        derive_report("open('x')")


def test_text_summary_has_an_aligned_nudge_table():
    text = format_derive_report(derive_report("w^2", None, {"w": "3"}, "0.001"))
    lines = text.splitlines()
    assert lines[0] == "J = w**2"
    assert "dJ/dw = 2*w" in lines
    assert any(line.startswith("nudge w by ε = 0.001") for line in lines)
    table = lines[lines.index(next(x for x in lines if x.startswith("nudge"))) + 1:]
    assert [row.split()[0] for row in table] == ["J(w)", "J(w", "ΔJ", "ΔJ", "dJ/dw", "error"]
    values = ["9", "9.006001", "0.006001", "6.001", "6", "0.001"]
    columns = {row.index(value) for row, value in zip(table, values, strict=True)}
    assert len(columns) == 1  # the value column is aligned


def test_text_summary_of_a_gradient():
    text = format_derive_report(derive_report("w1^2 + w2", None, {"w1": "2", "w2": "0"}, None))
    assert "∂J/∂w1 = 2*w1" in text and "∂J/∂w2 = 1" in text
    assert "at w1 = 2, w2 = 0:" in text


def test_a_nudge_past_floating_point_says_so_not_undefined():
    # ΔJ of w² at 1 nudged by 1e308 is exactly 2e308 + 1e616: finite, but no float holds it
    report = derive_report("w**2", None, {"w": "1"}, "1e308")
    assert report["nudge"]["delta"] is None and report["nudge"]["ratio"] == 1e308
    assert report["nudge_undefined"] == {"J_plus": "too large for floating point",
                                         "delta": "too large for floating point"}
    text = format_derive_report(report)
    assert "ΔJ         undefined (too large for floating point)" in text
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert derive_report("w**2", None, {"w": "3"}, "0.001")["nudge_undefined"] == {}


NO_REAL_J = "J is undefined here: not a real number"
POLE = "infinite: a division by zero, or the log of 0"


@pytest.mark.parametrize("formula, at, j, slopes", [
    ("log(w, 2)", {"w": "-1"}, "not a real number", {"w": NO_REAL_J}),  # was a slope of -1.44
    ("w2*log(w1)", {"w1": "-1", "w2": "2"}, "not a real number",
     {"w1": NO_REAL_J, "w2": "not a real number"}),  # ∂J/∂w1 = w2/w1 was -2
    ("sqrt(w)", {"w": "-1"}, "not a real number", {"w": "not a real number"}),
    ("log(w)", {"w": "0"}, POLE, {"w": POLE}),
    ("1/w", {"w": "0"}, POLE, {"w": POLE}),
])
def test_where_j_has_no_value_no_slope_is_shown(formula, at, j, slopes):
    report = derive_report(formula, None, at, None)
    assert report["expression_value"] is None
    assert report["undefined"] == {"J": j, **slopes}
    values = report["value"] if isinstance(report["value"], list) else [report["value"]]
    assert values == [None] * len(slopes)
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    text = format_derive_report(report)
    for why in slopes.values():
        assert f"undefined ({why})" in text
    assert [line.split()[1] for line in text.splitlines()[-len(slopes):]] == ["undefined"] * len(slopes)


def test_a_slope_next_to_a_huge_but_finite_j_stays():
    report = derive_report("w**2 + 10**400", None, {"w": "1"}, None)
    assert report["undefined"] == {"J": "too large for floating point"} and report["value"] == 2


def test_a_nudge_from_where_j_has_no_value_measures_nothing():
    # log(-0.999) − log(-1) is real in complex arithmetic: ΔJ was "too large for floating point"
    report = derive_report("log(w, 2)", None, {"w": "-1"}, "0.001")
    assert report["nudge"] == {"epsilon": 0.001, "J": None, "J_plus": None, "delta": None,
                               "ratio": None, "exact": None, "error": None}
    assert report["nudge_undefined"] == {
        "J": "not a real number", "J_plus": "not a real number",
        **{key: "J is undefined here: not a real number" for key in ("delta", "ratio", "exact", "error")}}
    assert "dJ/dw      undefined (J is undefined here: not a real number)" in format_derive_report(report)


def test_a_nudge_into_where_j_has_no_value_keeps_the_slope():
    report = derive_report("log(w)", None, {"w": "0.0005"}, "-0.001")
    assert report["nudge"]["exact"] == 2000 and report["value"] == 2000
    assert report["nudge_undefined"] == {
        "J_plus": "not a real number",
        **{key: "J is undefined after the nudge: not a real number" for key in ("delta", "ratio", "error")}}
