"""Values of a formula at a point: exact when they can be, and never without bound.

Substituting a point can make numbers no parser check could foresee: ``w**w**w`` at
w = 1000, or ``sin(exp(exp(w)))`` at w = 100, whose exact value would take sympy hours.
``exact_value`` rebuilds the expression bottom-up with the point's exact numbers and
the size checks of ``bounds``; if a number would grow past them, it gives the value in
floating point instead (where it overflows to inf at once).

Given a formula's guards (``domain``), the value is nan wherever one of them fails:
``sqrt(w)**2`` (built as ``w``) is undefined at w = −2, and ``violated_guard`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import sympy as sp

from . import domain
from .bounds import argument_too_large, exponent_too_large, power_too_large, size_problem
from .domain import Guard
from .exact import exact_number, to_float
from .grammar import VARIABLES
from .numeric import compile_numpy
from .parsing import symbol

Point = Mapping[str, object]


class _Unbounded(Exception):
    """A number at the point would grow past the limits of ``bounds``."""


def exact_point(point: Point) -> dict[sp.Symbol, sp.Rational]:
    """Return a point {name: value} as {symbol: exact Rational}; values may be text."""
    exact: dict[sp.Symbol, sp.Rational] = {}
    for name, value in point.items():
        if name not in VARIABLES:
            raise ValueError(f"{name!r} is not a variable name")
        exact[symbol(name)] = exact_number(value)
    return exact


def exact_value(expression: sp.Expr, point: Point, guards: Sequence[Guard] = ()) -> sp.Expr:
    """Return an expression's value at a point: exact (a Rational when it can be one).

    A value that would grow past the size limits comes back as a float (``Float``,
    ``oo`` or ``nan``). A real value where one of ``guards`` fails is ``nan``; one the
    expression itself says is none (``zoo`` at a pole, a complex number) stays as it is.
    Raises ``ValueError`` naming a variable the point leaves out.
    """
    values = exact_point(point)
    _check_complete(expression, guards, values)
    value = _value(expression, values, {})
    if guards and _is_real(value) and violated_guard(guards, point) is not None:
        return sp.nan
    return value


def float_value(expression: sp.Expr, point: Point, guards: Sequence[Guard] = ()) -> float:
    """Return an expression's value at a point as a float (nan where undefined)."""
    return to_float(exact_value(expression, point, guards))


def violated_guard(guards: Sequence[Guard], point: Point) -> Guard | None:
    """Return the first (innermost) of a formula's guards that fails at a point, else None."""
    values = exact_point(point)
    _check_complete(sp.Integer(0), guards, values)
    memo: dict = {}
    for guard in guards:
        if not domain.holds(guard.kind, [_value(a, values, memo) for a in guard.arguments]):
            return guard
    return None


def _is_real(value: sp.Expr) -> bool:
    """Return whether a value is a real number (±oo, an overflow in floats, included)."""
    return value not in (sp.nan, sp.zoo) and value.is_extended_real is True


def _check_complete(expression: sp.Expr, guards: Sequence[Guard],
                    values: dict[sp.Symbol, sp.Rational]) -> None:
    """Raise ``ValueError`` naming the first variable of the expression or guards not given."""
    symbols = expression.free_symbols.union(*(a.free_symbols for g in guards
                                              for a in g.arguments))
    missing = sorted((s.name for s in symbols if s not in values), key=VARIABLES.index)
    if missing:
        raise ValueError(f"missing value for {missing[0]}")


def _value(expression: sp.Expr, values: dict[sp.Symbol, sp.Rational], memo: dict) -> sp.Expr:
    """Return an expression's value: exact, or in floating point past the size limits."""
    try:
        return _substitute(expression, values, memo)
    except _Unbounded:
        return _floating(expression, values)


def _substitute(expr: sp.Expr, values: dict[sp.Symbol, sp.Rational], memo: dict) -> sp.Expr:
    """Return expr with the point's values, rebuilt bottom-up within the size limits."""
    if expr in memo:
        return memo[expr]
    if expr.is_Symbol:
        result = values[expr]
    elif not expr.args or not expr.free_symbols:
        result = expr
    else:
        args = [_substitute(arg, values, memo) for arg in expr.args]
        if expr.is_Pow and (exponent_too_large(args[1]) or power_too_large(*args)):
            raise _Unbounded
        if argument_too_large(expr.func, args[0]):
            raise _Unbounded
        try:
            result = expr.func(*args)
        except (ValueError, TypeError, ArithmeticError) as error:
            raise _Unbounded from error  # e.g. Max of numbers sympy cannot compare
        if size_problem(result):
            raise _Unbounded
    memo[expr] = result
    return result


def _floating(expression: sp.Expr, values: dict[sp.Symbol, sp.Rational]) -> sp.Expr:
    """Return an expression's value computed in floating point (inf on overflow)."""
    symbols = sorted(values, key=lambda s: s.name)
    try:
        compiled = compile_numpy([s.name for s in symbols], expression)
        # numpy scalars, not Python floats: they overflow to inf instead of raising
        inputs = [np.float64(to_float(values[s])) for s in symbols]
        number = float(np.asarray(compiled(*inputs)))
    except (OverflowError, TypeError, ValueError, ZeroDivisionError):
        return sp.nan
    if math.isnan(number):
        return sp.nan
    if math.isinf(number):
        return sp.oo if number > 0 else -sp.oo
    return sp.Float(number)
