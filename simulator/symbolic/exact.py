"""Exact numbers: text to a sympy Rational without rounding, and back to float or JSON.

``exact_number("0.1")`` is 1/10, not the float nearest 0.1, so the seed's
3.001² = 9.006001 comes out exactly.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from numbers import Rational as _RationalABC

import sympy as sp

from .grammar import MAX_DIGITS

_DECIMAL = re.compile(
    r"(?P<sign>[+-]?)(?P<whole>\d*)(?:\.(?P<fraction>\d*))?(?:[eE](?P<exponent>[+-]?\d+))?"
)
_RATIO = re.compile(r"(?P<top>[+-]?\d+)\s*/\s*(?P<bottom>\d+)")

#: the largest integer a JSON reader keeps exactly (2**53); larger ones are given as floats
_JSON_INT_LIMIT = 2**53


def exact_number(value: object) -> sp.Rational:
    """Return a number as an exact sympy Rational.

    Accepts ints, fractions, sympy Rationals, floats (read from their shortest text, so
    0.1 is 1/10) and text: ``"3"``, ``"-2.5"``, ``"1e-3"``, ``"1/3"``. Raises
    ``ValueError("'abc' is not a number")`` for anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number")
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, _RationalABC):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"'{value}' is not a finite number")
        return exact_number(repr(value))
    if isinstance(value, sp.Float):
        return exact_number(str(value))
    if not isinstance(value, str):
        raise ValueError(f"'{value}' is not a number")
    text = value.strip()
    ratio = _RATIO.fullmatch(text)
    if ratio:
        top, bottom = int(ratio["top"]), int(ratio["bottom"])
        if bottom == 0:
            raise ValueError(f"'{value}' divides by zero")
        return sp.Rational(top, bottom)
    match = _DECIMAL.fullmatch(text)
    if not match or not (match["whole"] or match["fraction"]):
        raise ValueError(f"'{value}' is not a number")
    digits = (match["whole"] or "") + (match["fraction"] or "")
    shift = int(match["exponent"] or 0) - len(match["fraction"] or "")
    if len(digits) > MAX_DIGITS or abs(shift) > MAX_DIGITS:
        raise ValueError(f"'{value}' has more than {MAX_DIGITS} digits")
    magnitude = sp.Integer(int(digits)) * sp.Rational(10) ** shift
    return -magnitude if match["sign"] == "-" else magnitude


def to_float(value: sp.Expr) -> float:
    """Return a sympy number as the nearest float (±inf beyond range, nan if not real)."""
    if not isinstance(value, sp.Basic):
        value = exact_number(value)  # never sympify: it would evaluate text
    if value.is_Rational:
        try:
            return float(Fraction(int(value.p), int(value.q)))
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    approximate = value.evalf(30)
    if not approximate.is_number or approximate.is_extended_real is False:
        return math.nan
    try:
        return float(approximate)
    except (OverflowError, TypeError):
        return math.nan if approximate.is_finite is not False else math.copysign(
            math.inf, 1 if approximate.is_extended_positive else -1)


def json_number(value: sp.Expr) -> int | float | None:
    """Return a number for JSON: an int when exact and small enough, else a float.

    ``None`` stands for a value JSON cannot hold (infinite, undefined or not real).
    """
    if value.is_Integer and abs(int(value)) <= _JSON_INT_LIMIT:
        return int(value)
    number = to_float(value)
    return number if math.isfinite(number) else None


def undefined_reason(value: sp.Expr) -> str | None:
    """Return why a value has no JSON number (``json_number`` gives None), else None."""
    if json_number(value) is not None:
        return None
    if value == sp.zoo:
        return "infinite: a division by zero, or the log of 0"
    if value in (sp.oo, -sp.oo):
        return "infinite, or too large for floating point"
    if value == sp.nan:
        return "not defined at this point"
    if value.is_number and value.is_extended_real is False:
        return "not a real number"
    if value.is_extended_real is None:  # e.g. two complex logarithms whose difference sympy cannot settle
        return "not known to be a real number"
    return "too large for floating point"


def no_value_reason(value: sp.Expr) -> str | None:
    """Return why a value is no real number at all (not real, a pole, not defined), else None.

    A finite value too large for floating point is a value: J = w**2 + 10**400 has a slope.
    """
    if value in (sp.zoo, sp.nan) or value.is_extended_real is not True:
        return undefined_reason(value) or "not a real number"
    return None
