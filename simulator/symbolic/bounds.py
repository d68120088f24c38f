"""How large a number may grow: the checks shared by parsing and by evaluation.

A formula like ``9**9**9`` or ``exp(exp(exp(w)))`` at w = 100 would make sympy compute
for hours or run out of memory. Parsing refuses such numbers in the text; evaluation
falls back to floating point when a point would make one (see ``evaluation``).
"""

from __future__ import annotations

import math

import sympy as sp

from .grammar import MAX_DIGITS, MAX_EXPONENT

_MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10))
_MAX_EXPONENT_LOG = math.log10(MAX_EXPONENT)

#: functions whose value grows like e^argument
EXPONENTIAL = (sp.exp, sp.sinh, sp.cosh)


def log10_abs(number: sp.Expr) -> float:
    """Return log10 |number| of a sympy number, cheaply (−inf for 0, inf if unknown)."""
    if number.is_Rational:
        if number == 0:
            return -math.inf
        return math.log10(abs(number.p)) - math.log10(number.q)
    size = sp.Abs(number).evalf(15)
    if not (size.is_Float and size.is_finite):
        return math.inf
    if size == 0:
        return -math.inf
    _, _, exponent, bits = size._mpf_
    if abs(exponent + bits) < 1000:  # within float range: exact enough
        return math.log10(float(size))
    return (exponent + bits) * math.log10(2)


def exponent_too_large(exponent: sp.Expr) -> bool:
    """Return whether a numeric exponent is beyond ±MAX_EXPONENT."""
    return bool(exponent.is_number) and log10_abs(exponent) > _MAX_EXPONENT_LOG


def power_too_large(base: sp.Expr, exponent: sp.Expr) -> bool:
    """Return whether number ** number would have more than MAX_DIGITS digits."""
    if not (base.is_number and exponent.is_number) or base == 0:
        return False
    if exponent_too_large(exponent):
        return True
    return 10 ** log10_abs(exponent) * abs(log10_abs(base)) > MAX_DIGITS


def argument_too_large(function: type, argument: sp.Expr) -> bool:
    """Return whether an exponential-like function of a number would be too large."""
    return (issubclass(function, EXPONENTIAL) and bool(argument.is_number)
            and log10_abs(argument) > _MAX_EXPONENT_LOG)


def size_problem(value: sp.Expr) -> str | None:
    """Return why a freshly built value is too large, or None.

    Only the value and its direct arguments are looked at: deeper parts were checked when
    they were built, but sympy may merge parts (w**600 * w**600 is w**1200).
    """
    for part in (value, *value.args):
        if part.is_Rational and max(abs(part.p).bit_length(), part.q.bit_length()) > _MAX_BITS:
            return f"has more than {MAX_DIGITS} digits"
        if part.is_Pow and exponent_too_large(part.exp):
            return f"has an exponent above {MAX_EXPONENT}"
        if part.is_Pow and power_too_large(part.base, part.exp):
            return f"is too large (more than {MAX_DIGITS} digits)"
        if part.args and argument_too_large(part.func, part.args[0]):
            return "is too large"
    return None


def value_problem(value: sp.Expr) -> str | None:
    """Return why a value is not a finite real number, or None."""
    for part in (value, *value.args):
        if part in (sp.zoo, sp.nan, sp.oo, -sp.oo):
            return "is not a finite number"
        if part == sp.I:
            return "is not a real number"
    if value.is_number and value.is_extended_real is False:
        return "is not a real number"
    return None
