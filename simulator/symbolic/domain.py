"""A formula's real domain: the conditions its typed parts need, held beside the expression.

Sympy simplifies as it builds, and some of its rewrites are true of complex numbers but
not of the real formula typed: ``sqrt(w)**2`` becomes ``w`` (defined at w = −2, where
``sqrt(w)`` is not), ``exp(log(-w))`` becomes ``-w``, ``(w - 1)/(w - 1)`` becomes 1. The
parser records, for each part it builds whose real value needs a condition, a ``Guard``
saying what that condition is, before sympy can cancel the part away. Evaluation
(``numeric.compile_numpy``, ``evaluation.exact_value``) gives "undefined" wherever one
of a formula's guards fails, so J is defined exactly where every part typed is.

This module decides guards on values; building them is the parser's, computing their
arguments the evaluators'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

#: the argument must be > 0 (a logarithm's argument and base, u**(-1/2)'s base)
POSITIVE = "positive"
#: the argument must be ≥ 0 (a square root's argument, u**(1/3)'s base)
NONNEGATIVE = "nonnegative"
#: the argument must not be 0 (a divisor, u**(-2)'s base, log(b) below a log's line)
NONZERO = "nonzero"
#: arguments (base, exponent) of a real power with a variable exponent: base > 0, or
#: base = 0 and exponent > 0, or base < 0 and an integer exponent
POWER = "power"

KINDS = (POSITIVE, NONNEGATIVE, NONZERO, POWER)


@dataclass(frozen=True)
class Guard:
    """One condition a formula's real value needs: a kind, its arguments and why.

    ``arguments`` are sympy expressions (one, or base and exponent for ``POWER``);
    ``reason`` says it as the student typed it, e.g. "sqrt(w) needs w ≥ 0".
    """

    kind: str
    arguments: tuple[sp.Expr, ...]
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of guard {self.kind!r}")


def needed(kind: str, arguments: Sequence[sp.Expr]) -> bool:
    """Return whether a guard could fail: sympy cannot prove it from the assumptions.

    A guard sympy proves (the argument of ``log(exp(w))`` is positive) costs nothing to
    drop, and a floating-point check of it could fail where the value is fine
    (e^-1000 is 0 in floats). A guard of numbers only was settled when they were built.
    """
    if not any(a.free_symbols for a in arguments):
        return False
    first = arguments[0]
    if kind == POSITIVE:
        return first.is_extended_positive is not True
    if kind == NONNEGATIVE:
        return first.is_extended_nonnegative is not True
    if kind == NONZERO:
        return first.is_zero is not False
    base, exponent = arguments
    return not (base.is_extended_positive is True or (
        exponent.is_integer is True and exponent.is_extended_nonnegative is True))


def holds(kind: str, values: Sequence[sp.Expr]) -> bool:
    """Return whether a guard holds for its arguments' exact values at a point.

    A value that is not a finite real number (a part below already undefined) fails.
    """
    signs = [_sign(v) for v in values]
    if any(s is None for s in signs):
        return False
    if kind == POSITIVE:
        return signs[0] > 0
    if kind == NONNEGATIVE:
        return signs[0] >= 0
    if kind == NONZERO:
        return signs[0] != 0
    base, exponent = signs
    if base > 0:
        return True
    if base == 0:
        return exponent > 0
    return values[1].is_integer is True or _whole(values[1])


def holds_array(kind: str, values: Sequence[np.ndarray]) -> np.ndarray:
    """Return where a guard holds, for its arguments' float values (arrays alike).

    nan (a part below already undefined) and a complex value fail; ±inf (an overflow of
    a finite value) is a number with a sign.
    """
    real = [_real(v) for v in values]
    first = real[0]
    if kind == POSITIVE:
        return first > 0
    if kind == NONNEGATIVE:
        return first >= 0
    if kind == NONZERO:
        return (first != 0) & ~np.isnan(first)
    base, exponent = real
    with np.errstate(invalid="ignore"):
        whole = exponent == np.round(exponent)
    return (base > 0) | ((base == 0) & (exponent > 0)) | ((base < 0) & whole)


def _real(value: object) -> np.ndarray:
    """Return a float array of a value, nan where it is complex."""
    array = np.asarray(value)
    if np.iscomplexobj(array):
        return np.where(array.imag != 0, np.nan, array.real)
    return array.astype(float)


def _sign(value: sp.Expr) -> int | None:
    """Return the sign (−1, 0, 1) of an exact number, None when it is no finite real."""
    if value.is_Rational:
        return int(value.p > 0) - int(value.p < 0)
    if value in (sp.oo, -sp.oo) or (value.is_Float and value.is_finite is False):
        return 1 if value.is_extended_positive else -1  # an overflow in floating point
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_extended_real is False:
        return None
    if value.is_zero:
        return 0
    approximate = value.evalf(30)
    if not (approximate.is_Float or approximate.is_Integer):
        return None  # not known to be real
    if approximate == 0:
        return 0 if value.is_zero is not False else None
    return 1 if approximate > 0 else -1


def _whole(exponent: sp.Expr) -> bool:
    """Return whether an exponent given in floating point is a whole number."""
    return bool(exponent.is_Float) and exponent == int(exponent)
