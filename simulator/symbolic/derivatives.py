"""Derivatives of a formula: gradient, Hessian, values at a point, and the seed's nudge.

Values at a point are exact when the numbers are: J = w² at w = 3 is the Integer 9 and
its derivative the Integer 6, never 6.0000001. ``float_value`` gives the float.
"""

from __future__ import annotations

import cmath
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .budget import run_within
from .errors import FormulaError
from .evaluation import Point, exact_point, exact_value, float_value
from .exact import exact_number, to_float
from .grammar import VARIABLES, variable_order
from .numeric import compile_numpy, without_delta
from .parsing import Formula, parse_formula, symbol

__all__ = [
    "Nudge", "Point", "as_formula", "derivative", "exact_point", "exact_value", "float_value",
    "gradient", "hessian", "nudge", "raw_derivative", "tidy",
]

#: how long simplifying one derivative may take before its unsimplified form is kept
TIDY_SECONDS = 1.0

# Simplifying is worth it for the short derivatives a lesson shows, and rarely finishes
# in time on large ones (expanding (w + 1)**999), so it is not tried beyond these sizes.
_SIMPLIFY_MAX_OPS = 40
_SIMPLIFY_MAX_POWER = 12

# Points where a simplified form must give the same numbers as the original: away from
# 0 and the integers, where kinks and poles of typed formulas tend to sit.
_CHECK_VALUES = (0.7, -1.3, 2.1, 0.35)


def as_formula(formula: Formula | str) -> Formula:
    """Return a Formula, parsing text when given text."""
    return formula if isinstance(formula, Formula) else parse_formula(formula)


def tidy(expression: sp.Expr, seconds: float = TIDY_SECONDS) -> sp.Expr:
    """Return a simpler equal form of an expression, or the expression itself.

    Sympy's ``simplify`` runs in the formula worker for at most ``seconds``; when it takes
    longer, or its answer is not shorter, brings in names the student did not write, or
    gives other numbers in floating point (a rewrite that overflows where the original
    does not), the expression comes back unchanged.
    """
    if expression.is_Atom or sp.count_ops(expression) > _SIMPLIFY_MAX_OPS or any(
            p.exp.is_Integer and abs(p.exp) > _SIMPLIFY_MAX_POWER
            for p in expression.atoms(sp.Pow)):
        return expression
    outcome = run_within(_simplify_task, (expression,), seconds)
    return outcome.results[0] if outcome.results else expression


def _simplify_task(expression: sp.Expr) -> Iterator[sp.Expr]:
    """Yield the simplified form of an expression if it is a better one, else the original."""
    simpler = sp.simplify(expression)
    shorter = sp.count_ops(simpler) < sp.count_ops(expression)
    good = (shorter and not _brings_new_names(simpler, expression)
            and _same_numbers(simpler, expression))
    yield simpler if good else expression


def _same_numbers(simpler: sp.Expr, original: sp.Expr) -> bool:
    """Return whether a rewrite computes, in floating point, what the original computes."""
    names = sorted({s.name for s in original.free_symbols | simpler.free_symbols},
                   key=variable_order)
    if not names:
        return True
    try:
        before = compile_numpy(names, original)
        after = compile_numpy(names, simpler)
    except FormulaError:
        return False
    for shift in range(len(_CHECK_VALUES)):
        point = [_CHECK_VALUES[(shift + k) % len(_CHECK_VALUES)] for k in range(len(names))]
        try:
            want = complex(np.asarray(before(*point), dtype=complex))
            got = complex(np.asarray(after(*point), dtype=complex))
        except (ArithmeticError, TypeError, ValueError):
            return False
        if cmath.isfinite(want) and not (cmath.isfinite(got) and cmath.isclose(
                got, want, rel_tol=1e-9, abs_tol=1e-12)):
            return False
    return True


def _brings_new_names(simpler: sp.Expr, original: sp.Expr) -> bool:
    """Return whether a rewrite uses functions or constants the original did not.

    Sympy may shorten σ'(w) into 1/(4 cosh²(w/2)) or bring in sin(w + π/4); correct, but
    not what a student recognises, so such rewrites are not taken.
    """
    def functions(e: sp.Expr) -> set[type]:
        return {type(f) for f in e.atoms(sp.Function)}

    def constants(e: sp.Expr) -> set[sp.Expr]:
        return e.atoms(sp.NumberSymbol) | {p for p in e.atoms(sp.Pow) if p.is_number}

    return not (functions(simpler) <= functions(original)
                and constants(simpler) <= constants(original))


class _RealAbs(sp.Function):
    """|u| for a real u, whose derivative is sign(u)·u' (see ``real_diff``)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.sign(self.args[0])


class _RealSign(sp.Function):
    """sign(u) for a real u: flat on either side of its jump, whose curvature is taken as 0."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)


def real_diff(expression: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """Return d expression / d variable, a kink's curvature (``DiracDelta``) taken as 0.

    Sympy differentiates ``Abs(u)`` of a u it cannot prove real (``Min(w, log(w))``) with
    re(u) and im(u), and may then leave derivatives it cannot find (``Derivative(re(…))``),
    which nothing can compute. Only then is it differentiated again as a formula of real
    numbers, where |u|' is sign(u)·u' and sign' is 0 (see ``numeric.KINK_NOTE``).
    """
    result = sp.diff(expression, variable)
    if result.has(sp.Derivative):
        kinks = [(sympy_kind, real_kind) for sympy_kind, real_kind in
                 ((sp.Abs, _RealAbs), (sp.sign, _RealSign)) if expression.has(sympy_kind)]
        for sympy_kind, real_kind in kinks:
            expression = expression.replace(sympy_kind, real_kind)
        result = sp.diff(expression, variable)
        for sympy_kind, real_kind in kinks:
            result = result.replace(real_kind, sympy_kind)
    return without_delta(result)


def raw_derivative(formula: Formula | str, variable: str) -> sp.Expr:
    """Return ∂J/∂variable as differentiated, a kink's curvature taken as 0 (see numeric)."""
    formula = as_formula(formula)
    if variable not in VARIABLES:
        raise ValueError(f"{variable!r} is not a variable name")
    return real_diff(formula.expression, symbol(variable))


def derivative(formula: Formula | str, variable: str, simplify: bool = True) -> sp.Expr:
    """Return ∂J/∂variable, simplified within ``TIDY_SECONDS`` unless ``simplify`` is False."""
    raw = raw_derivative(formula, variable)
    return tidy(raw) if simplify else raw


def gradient(formula: Formula | str, variables: Sequence[str] | None = None,
             simplify: bool = True) -> list[sp.Expr]:
    """Return the partial derivatives [∂J/∂v₁, ∂J/∂v₂, …] (default: the formula's variables)."""
    formula = as_formula(formula)
    names = formula.variables if variables is None else variables
    return [derivative(formula, name, simplify) for name in names]


def hessian(formula: Formula | str, variables: Sequence[str] | None = None,
            simplify: bool = True, seconds: float = TIDY_SECONDS) -> sp.Matrix:
    """Return the matrix of second derivatives ∂²J/∂vᵢ∂vⱼ (symmetric).

    Simplifying all entries together takes at most about ``seconds``.
    """
    formula = as_formula(formula)
    names = list(formula.variables if variables is None else variables)
    first = [real_diff(formula.expression, symbol(name)) for name in names]
    deadline = time.monotonic() + seconds

    def entry(i: int, j: int) -> sp.Expr:
        second = real_diff(first[i], symbol(names[j]))
        left = deadline - time.monotonic()
        return tidy(second, left) if simplify and left > 0 else second

    return sp.Matrix(len(names), len(names), entry)


@dataclass(frozen=True)
class Nudge:
    """The seed's experiment: move one variable by ε and compare ΔJ/ε with dJ/dw.

    Every field is exact; ``floats()`` gives them as floats. For J = w² at w = 3 with
    ε = 0.001: J = 9, J_plus = 9.006001, delta = 0.006001, ratio = 6.001, exact = 6,
    error = 0.001.
    """

    variable: str
    epsilon: sp.Rational
    J: sp.Expr  # J at the point
    J_plus: sp.Expr  # J with the variable moved by ε
    delta: sp.Expr  # ΔJ = J_plus − J
    ratio: sp.Expr  # ΔJ / ε, the slope the nudge measures
    exact: sp.Expr  # dJ/dvariable at the point, the slope itself
    error: sp.Expr  # ratio − exact (shrinks with ε)

    def floats(self) -> dict[str, float]:
        """Return epsilon, J, J_plus, delta, ratio, exact and error as floats."""
        return {name: to_float(getattr(self, name)) for name in
                ("epsilon", "J", "J_plus", "delta", "ratio", "exact", "error")}


def nudge(formula: Formula | str, variable: str, point: Point, epsilon: object) -> Nudge:
    """Return what happens to J when ``variable`` moves from the point by ``epsilon``."""
    formula = as_formula(formula)
    step = exact_number(epsilon)
    if step == 0:
        raise ValueError("epsilon must not be zero")
    if variable not in point:
        raise ValueError(f"missing value for {variable}")
    moved = dict(point)
    moved[variable] = exact_number(point[variable]) + step
    before = exact_value(formula.expression, point, formula.guards)
    after = exact_value(formula.expression, moved, formula.guards)
    delta = after - before
    ratio = delta / step
    # the slope's own value: where J has none (a guard fails), ``report`` says the slope has none
    slope = exact_value(raw_derivative(formula, variable), point)
    return Nudge(variable, step, before, after, delta, ratio, slope, ratio - slope)
