"""`derive --at` outside a formula's real domain that sympy's form has lost (issue 14)."""

import json

import pytest

from tests.cli.test_derive import derive


@pytest.mark.parametrize("text, point, reason", [
    ("sqrt(w)**2", "w=-2", "sqrt(w) needs w ≥ 0"),
    ("exp(log(-w))", "w=2", "log(-w) needs -w > 0"),
    ("sigmoid(log(-w))", "w=2", "log(-w) needs -w > 0"),
])
def test_derive_says_undefined_where_a_typed_part_is(text, point, reason):
    out = derive(text, "--at", point)
    assert out.returncode == 0, out.stderr
    assert f"J       undefined ({reason})" in out.stdout
    assert f"dJ/dw   undefined (J is undefined here: {reason})" in out.stdout
    report = json.loads(derive(text, "--at", point, "--json").stdout)
    assert report["expression_value"] is None and report["value"] is None
    assert report["undefined"]["J"] == reason


def test_derive_still_answers_inside_the_domain():
    report = json.loads(derive("sqrt(w)**2", "--at", "w=3", "--json").stdout)
    assert (report["expression"], report["derivative"]) == ("w", "1")
    assert (report["expression_value"], report["value"], report["undefined"]) == (3, 1, {})
